// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 4 step 6 and section 5 (live updates): the RST a denied
 * TCP flow gets, per-flow state and its re-decision after a policy change,
 * connections opened from outside (the tc program), and GSO super-frames.
 */
#include <string.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"

#define GSO_PAYLOAD	64000

/* A segment of an established connection: ACK set, some data. */
static struct pkt_spec data_segment(const char *src, __u16 sport,
				    const char *dst, __u16 dport, __u32 len)
{
	struct pkt_spec s = spec_tcp(src, sport, dst, dport, TH_ACK | TH_PSH);

	s.seq = 1001;
	s.ack_seq = 70000;
	s.payload_len = len;
	return s;
}

/* The reply of the other side of a connection the guest accepted. */
static struct pkt_spec reversed(const struct pkt_spec *s, __u8 flags)
{
	struct pkt_spec r = spec_tcp(s->dst, s->dport, s->src, s->sport, flags);

	memcpy(r.smac, s->dmac, 6);
	memcpy(r.dmac, s->smac, 6);
	return r;
}

static __u64 stat_of(struct fx *fx, int idx)
{
	__u64 st[EGRESS_STAT__MAX];

	fx_stats(fx, st);
	return st[idx];
}

/* ---- RST ------------------------------------------------------------------ */

static void denied_syn_gets_rst(struct fx *fx, const char *src, const char *dst)
{
	struct pkt_spec s = spec_tcp(src, 40000, dst, 443, TH_SYN);
	__u64 sent = stat_of(fx, EGRESS_STAT_RST_SENT);

	s.seq = 0xfffffff0;
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, 0xfffffff1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_int_equal(stat_of(fx, EGRESS_STAT_RST_SENT), sent + 1);
}

static void denied_syn_gets_rst_v4(void **state)
{
	denied_syn_gets_rst(FX(state), GUEST4, PEER4);
}

static void denied_syn_gets_rst_v6(void **state)
{
	denied_syn_gets_rst(FX(state), GUEST6, PEER6);
}

static void denied_segment_reset_from_its_ack(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = data_segment(GUEST4, 40001, PEER4, 443, 100);
	struct pkt_spec v6 = data_segment(GUEST6, 40001, PEER6, 443, 100);

	assert_run(fx, fx_xdp(fx, &v4), XDP_TX);
	assert_rst(fx, &v4, v4.ack_seq, 0, TH_RST);
	assert_decision(fx, &v4, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_TX);
	assert_rst(fx, &v6, v6.ack_seq, 0, TH_RST);
	assert_decision(fx, &v6, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void denied_rst_not_answered(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec rst = spec_tcp(GUEST4, 40002, PEER4, 443, TH_RST);
	struct pkt_spec rst_ack = spec_tcp(GUEST6, 40002, PEER6, 443, TH_RST | TH_ACK);
	__u64 sent = stat_of(fx, EGRESS_STAT_RST_SENT);

	assert_run(fx, fx_xdp(fx, &rst), XDP_DROP);
	assert_decision(fx, &rst, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &rst_ack), XDP_DROP);
	assert_decision(fx, &rst_ack, EGRESS_DENIED, 0,
			EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_int_equal(stat_of(fx, EGRESS_STAT_RST_SENT), sent);
}

/* TCP Fast Open: the RST acknowledges the SYN and its data. */
static void denied_syn_with_data_acks_it(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_tcp(GUEST4, 40003, PEER4, 443, TH_SYN);
	struct pkt_spec v6 = spec_tcp(GUEST6, 40003, PEER6, 443, TH_SYN);

	v4.payload_len = 517;
	v6.payload_len = 1200;
	assert_run(fx, fx_xdp(fx, &v4), XDP_TX);
	assert_rst(fx, &v4, 0, v4.seq + 1 + 517, TH_RST | TH_ACK);
	assert_decision(fx, &v4, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_TX);
	assert_rst(fx, &v6, 0, v6.seq + 1 + 1200, TH_RST | TH_ACK);
}

/* The data a SYN carries starts after its options. */
static void denied_syn_with_options_and_data(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40008, PEER4, 443, TH_SYN);

	s.tcp_opt_len = 20;
	s.payload_len = 300;
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1 + 300, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

/* A data offset below the fixed header or beyond the segment is a lie. */
static void tcp_data_offset_lies_refused(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec low = spec_tcp(GUEST4, 40009, PEER4, 443, TH_SYN);
	struct pkt_spec high = spec_tcp(GUEST6, 40009, PEER6, 443, TH_SYN);
	struct egress_event want;

	low.tcp_doff = 4;
	high.tcp_doff = 15;
	high.payload_len = 20;
	assert_run(fx, fx_xdp(fx, &low), XDP_DROP);
	want = ev_of(&fx->a, &low);
	want.sport = 0;
	want.dport = 0;
	ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
		  EGRESS_SCOPE_NONE, 0);
	assert_event(fx, &want);
	assert_run(fx, fx_xdp(fx, &high), XDP_DROP);
	want = ev_of(&fx->a, &high);
	want.sport = 0;
	want.dport = 0;
	ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
		  EGRESS_SCOPE_NONE, 0);
	assert_event(fx, &want);
}

static void denied_fin_acks_it(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40004, PEER4, 443, TH_FIN);

	s.payload_len = 10;
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 10 + 1, TH_RST | TH_ACK);
}

static void later_packets_of_denied_flow_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 40005, PEER4, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST4, 40005, PEER4, 443, 50);
	__u64 sent = stat_of(fx, EGRESS_STAT_RST_SENT);

	assert_run(fx, fx_xdp(fx, &syn), XDP_TX);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &syn), XDP_DROP);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &data), XDP_DROP);
	assert_no_event(fx);
	assert_int_equal(stat_of(fx, EGRESS_STAT_RST_SENT), sent + 1);
}

static void udp_denied_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_udp(GUEST4, 40006, PEER4, 4000);
	struct pkt_spec v6 = spec_udp(GUEST6, 40006, PEER6, 4000);

	assert_run(fx, fx_xdp(fx, &v4), XDP_DROP);
	assert_decision(fx, &v4, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_decision(fx, &v6, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void rst_for_deny_rule(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST6, 40007, PEER6, 22, TH_SYN);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00::/8", 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER6, 2);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
			EGRESS_SCOPE_GLOBAL, 2);
}

/* ---- flows ------------------------------------------------------------------ */

static void allowed_flow_later_packets_silent(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST6, 41000, PEER6, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST6, 41000, PEER6, 443, 1000);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 1);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_decision(fx, &syn, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);
	for (int i = 0; i < 5; i++) {
		assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
		assert_no_event(fx);
	}
}

/* A flow is its 5-tuple: another source port is another flow. */
static void flows_keyed_by_ports(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec a = spec_tcp(GUEST4, 41001, PEER4, 443, TH_SYN);
	struct pkt_spec b = spec_tcp(GUEST4, 41002, PEER4, 443, TH_SYN);
	struct pkt_spec c = spec_tcp(GUEST4, 41001, PEER4, 444, TH_SYN);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	assert_run(fx, fx_xdp(fx, &a), XDP_PASS);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &b), XDP_PASS);
	assert_decision(fx, &b, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);
	assert_run(fx, fx_xdp(fx, &c), XDP_PASS);
	assert_decision(fx, &c, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);
}

static void echo_flow_keyed_by_identifier(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec a = spec_echo(GUEST4, PEER4, 1);
	struct pkt_spec b = spec_echo(GUEST4, PEER4, 2);

	assert_run(fx, fx_xdp(fx, &a), XDP_PASS);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &a), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &b), XDP_PASS);
	assert_decision(fx, &b, EGRESS_ALLOWED, 0, EGRESS_REASON_ICMP,
			EGRESS_SCOPE_NONE, 0);
}

/* Revoking access cuts an open connection at its next packet. */
static void revoked_allow_cuts_established_flow(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 41003, PEER4, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST4, 41003, PEER4, 443, 200);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
	assert_no_event(fx);

	fx_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, PEER4);
	assert_run(fx, fx_xdp(fx, &data), XDP_TX);
	assert_rst(fx, &data, data.ack_seq, 0, TH_RST);
	assert_decision(fx, &data, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_int_equal(fx->ev[0].generation, fx->a.sb.generation);

	assert_run(fx, fx_xdp(fx, &data), XDP_DROP);
	assert_no_event(fx);
}

static void deny_rule_cuts_established_flow(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST6, 41004, PEER6, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST6, 41004, PEER6, 443, 200);

	fx_allow(fx, EGRESS_SCOPE_GLOBAL, "fd00::/8", 1);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_int_equal(fx->n_ev, 1);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, PEER6, 2);
	assert_run(fx, fx_xdp(fx, &data), XDP_TX);
	assert_rst(fx, &data, data.ack_seq, 0, TH_RST);
	assert_decision(fx, &data, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
			EGRESS_SCOPE_SANDBOX, 2);
}

static void new_allow_redecides_denied_flow(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 41005, PEER4, 443, TH_SYN);
	struct pkt_spec udp = spec_udp(GUEST4, 41005, PEER4, 4000);

	assert_run(fx, fx_xdp(fx, &syn), XDP_TX);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &udp), XDP_DROP);
	assert_int_equal(fx->n_ev, 1);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/16", 7);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_decision(fx, &syn, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 7);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &udp), XDP_PASS);
	assert_decision(fx, &udp, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 7);
}

/* A new generation that does not change a flow's verdict says nothing. */
static void unchanged_redecision_silent(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec ok = spec_tcp(GUEST4, 41006, PEER4, 443, TH_SYN);
	struct pkt_spec ok_data = data_segment(GUEST4, 41006, PEER4, 443, 10);
	struct pkt_spec bad = spec_udp(GUEST4, 41006, "198.19.0.1", 4000);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	assert_run(fx, fx_xdp(fx, &ok), XDP_PASS);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &bad), XDP_DROP);
	assert_int_equal(fx->n_ev, 1);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.99.0/24", 2);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "fd00::/8", 3);
	assert_run(fx, fx_xdp(fx, &ok_data), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &bad), XDP_DROP);
	assert_no_event(fx);
}

static void mode_change_redecides_flow(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 41007, PEER4, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST4, 41007, PEER4, 443, 10);

	/*
	 * warn: the flow waits for its first bytes; they are neither TLS nor
	 * HTTP ("abcdefghij"), so it carries no name.
	 */
	fx_mode(fx, EGRESS_MODE_WARN);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
	assert_decision(fx, &data, EGRESS_ALLOWED, WOULD_DENY,
			EGRESS_REASON_NO_NAME, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
	assert_no_event(fx);

	fx_mode(fx, EGRESS_MODE_DENY);
	assert_run(fx, fx_xdp(fx, &data), XDP_TX);
	assert_rst(fx, &data, data.ack_seq, 0, TH_RST);
	assert_decision(fx, &data, EGRESS_DENIED, 0, EGRESS_REASON_NO_NAME,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &data), XDP_DROP);
	assert_no_event(fx);

	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
	assert_decision(fx, &data, EGRESS_ALLOWED, 0, EGRESS_REASON_MODE_ALLOW,
			EGRESS_SCOPE_NONE, 0);
}

static void flows_are_per_sandbox(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 41008, PEER4, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST4, 41008, PEER4, 443, 10);

	fx_use_b(fx);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_decision(fx, &syn, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);

	assert_run(fx, fx_xdp_on(fx, &fx->b, &syn), XDP_TX);
	assert_rst(fx, &syn, 0, syn.seq + 1, TH_RST | TH_ACK);
	assert_decision_in(fx, &fx->b, &syn, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &data), XDP_DROP);
	assert_no_event(fx);

	assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
	assert_no_event(fx);
}

/* Without a flow table every packet is decided, and reported, afresh. */
static void no_flow_table_decides_every_packet(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 41010, PEER4, 443, TH_SYN);
	struct pkt_spec data = data_segment(GUEST4, 41010, PEER4, 443, 10);
	__u64 before = stat_of(fx, EGRESS_STAT_NO_FLOW_TABLE);

	fx_use_b_without_flows(fx);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &syn), XDP_TX);
	assert_rst(fx, &syn, 0, syn.seq + 1, TH_RST | TH_ACK);
	assert_decision_in(fx, &fx->b, &syn, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &data), XDP_TX);
	assert_rst(fx, &data, data.ack_seq, 0, TH_RST);
	assert_decision_in(fx, &fx->b, &data, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	fx_rule(fx, &fx->b, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, PEER4, 3);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &data), XDP_PASS);
	assert_decision_in(fx, &fx->b, &data, EGRESS_ALLOWED, 0,
			   EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 3);
	assert_int_equal(stat_of(fx, EGRESS_STAT_NO_FLOW_TABLE), before + 3);
}

/* ---- inbound ------------------------------------------------------------------ */

static void inbound_syn_lets_replies_pass(struct fx *fx, const char *peer,
					  const char *guest)
{
	struct pkt_spec syn_in = spec_tcp(peer, 50000, guest, 22, TH_SYN);
	struct pkt_spec data = data_segment(guest, 22, peer, 50000, 300);
	struct pkt_spec synack;

	memcpy(syn_in.smac, gateway_mac, 6);
	memcpy(syn_in.dmac, guest_mac, 6);
	synack = reversed(&syn_in, TH_SYN | TH_ACK);
	assert_run_tc(fx, fx_tc(fx, &syn_in), TC_ACT_OK);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &synack), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &data), XDP_PASS);
	assert_no_event(fx);
}

static void inbound_syn_lets_replies_pass_v4(void **state)
{
	inbound_syn_lets_replies_pass(FX(state), PEER4, GUEST4);
}

static void inbound_syn_lets_replies_pass_v6(void **state)
{
	inbound_syn_lets_replies_pass(FX(state), PEER6, GUEST6);
}

static void synack_without_inbound_syn_denied(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec synack = spec_tcp(GUEST4, 22, PEER4, 50001, TH_SYN | TH_ACK);

	assert_run(fx, fx_xdp(fx, &synack), XDP_TX);
	assert_rst(fx, &synack, synack.ack_seq, 0, TH_RST);
	assert_decision(fx, &synack, EGRESS_DENIED, 0,
			EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/* Only a SYN opens a connection: a SYN-ACK towards the guest opens nothing. */
static void inbound_synack_opens_nothing(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec synack_in = spec_tcp(PEER4, 443, GUEST4, 41009, TH_SYN | TH_ACK);
	struct pkt_spec ack = spec_tcp(GUEST4, 41009, PEER4, 443, TH_ACK);

	assert_run_tc(fx, fx_tc(fx, &synack_in), TC_ACT_OK);
	assert_run(fx, fx_xdp(fx, &ack), XDP_TX);
	assert_rst(fx, &ack, ack.ack_seq, 0, TH_RST);
	assert_decision(fx, &ack, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void inbound_flow_is_that_connection_only(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn_in = spec_tcp(PEER4, 50002, GUEST4, 22, TH_SYN);
	struct pkt_spec other = spec_tcp(GUEST4, 22, PEER4, 50003, TH_SYN | TH_ACK);

	assert_run_tc(fx, fx_tc(fx, &syn_in), TC_ACT_OK);
	assert_run(fx, fx_xdp(fx, &other), XDP_TX);
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].verdict, EGRESS_DENIED);
}

static void inbound_flow_is_per_sandbox(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn_in = spec_tcp(PEER4, 50004, GUEST4, 22, TH_SYN);
	struct pkt_spec synack = reversed(&syn_in, TH_SYN | TH_ACK);

	fx_use_b(fx);
	assert_run_tc(fx, fx_tc(fx, &syn_in), TC_ACT_OK);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &synack), XDP_TX);
	assert_decision_in(fx, &fx->b, &synack, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &synack), XDP_PASS);
	assert_no_event(fx);
}

static void inbound_flow_survives_policy_change(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn_in = spec_tcp(PEER6, 50005, GUEST6, 22, TH_SYN);
	struct pkt_spec synack = reversed(&syn_in, TH_SYN | TH_ACK);

	assert_run_tc(fx, fx_tc(fx, &syn_in), TC_ACT_OK);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "fd00::/8", 1);
	assert_run(fx, fx_xdp(fx, &synack), XDP_PASS);
	assert_no_event(fx);
}

/* deny-all: nothing leaves, not even replies to a connection from outside. */
static void inbound_flow_cut_by_deny_all(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn_in = spec_tcp(PEER4, 50007, GUEST4, 22, TH_SYN);
	struct pkt_spec synack = reversed(&syn_in, TH_SYN | TH_ACK);

	assert_run_tc(fx, fx_tc(fx, &syn_in), TC_ACT_OK);
	assert_run(fx, fx_xdp(fx, &synack), XDP_PASS);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	assert_run(fx, fx_xdp(fx, &synack), XDP_DROP);
	fx_mode(fx, EGRESS_MODE_DENY);
	assert_run(fx, fx_xdp(fx, &synack), XDP_PASS);
	assert_no_event(fx);
}

static void tc_never_drops(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec specs[] = {
		spec_tcp(PEER4, 443, GUEST4, 41010, TH_SYN | TH_ACK),
		spec_tcp(PEER4, 50006, GUEST4, 22, TH_SYN),
		spec_udp(PEER6, 53, GUEST6, 41011),
		spec_echo(PEER4, GUEST4, 9),
		spec_proto(PEER4, GUEST4, 47, 24),
		spec_tcp(PEER4, 443, GUEST4, 41012, TH_ACK),
		spec_tcp(PEER4, 443, GUEST4, 41013, TH_SYN),
		spec_udp(PEER4, 53, GUEST4, 41014),
	};
	const __u8 modes[] = { EGRESS_MODE_DENY, EGRESS_MODE_DENY_ALL,
			       EGRESS_MODE_WARN, EGRESS_MODE_ALLOW_ALL };
	size_t n = sizeof(specs) / sizeof(specs[0]);

	specs[5].vlan_tpid = 0x8100;
	specs[6].ip_opt_len = 8;
	specs[7].ip_frag = IPV4_MF;
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, "198.18.0.0/15", 1);
	for (size_t m = 0; m < sizeof(modes); m++) {
		fx_mode(fx, modes[m]);
		for (size_t i = 0; i < n; i++) {
			assert_run_tc(fx, fx_tc(fx, &specs[i]), TC_ACT_OK);
			assert_no_event(fx);
		}
		assert_run_tc(fx, fx_run_tc(fx, fx->a.ifindex,
					    frame_ethertype(fx->frame, gateway_mac,
							    0x88cc, 60)),
			      TC_ACT_OK);
		assert_run_tc(fx, fx_run_tc(fx, fx->a.ifindex,
					    frame_ethertype(fx->frame, gateway_mac,
							    0x0800, 34)),
			      TC_ACT_OK);
		assert_no_event(fx);
	}
}

/* ---- GSO super-frames and tiny segments ------------------------------------------ */

static void gso_superframe_denied_like_small_segment(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec big = data_segment(GUEST4, 42000, PEER4, 443, GSO_PAYLOAD);
	struct pkt_spec small = data_segment(GUEST4, 42001, PEER4, 443, 100);
	struct pkt_spec big6 = data_segment(GUEST6, 42000, PEER6, 443, GSO_PAYLOAD);

	assert_run(fx, fx_xdp(fx, &small), XDP_TX);
	assert_rst(fx, &small, small.ack_seq, 0, TH_RST);
	assert_decision(fx, &small, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &big), XDP_TX);
	assert_rst(fx, &big, big.ack_seq, 0, TH_RST);
	assert_decision(fx, &big, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &big6), XDP_TX);
	assert_rst(fx, &big6, big6.ack_seq, 0, TH_RST);
	assert_decision(fx, &big6, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void gso_superframe_allowed_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = data_segment(GUEST4, 42002, PEER4, 443, GSO_PAYLOAD);
	struct pkt_spec v6 = data_segment(GUEST6, 42002, PEER6, 443, GSO_PAYLOAD);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 2);
	assert_run(fx, fx_xdp(fx, &v4), XDP_PASS);
	assert_decision(fx, &v4, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);
	assert_run(fx, fx_xdp(fx, &v6), XDP_PASS);
	assert_decision(fx, &v6, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 2);
}

/* The usual case: TSO kicks in once the connection is up. */
static void gso_superframe_on_allowed_flow_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST4, 42003, PEER4, 443, TH_SYN);
	struct pkt_spec big = data_segment(GUEST4, 42003, PEER4, 443, GSO_PAYLOAD);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp(fx, &big), XDP_PASS);
	assert_no_event(fx);
}

static void gso_superframe_on_denied_flow_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec syn = spec_tcp(GUEST6, 42004, PEER6, 443, TH_SYN);
	struct pkt_spec big = data_segment(GUEST6, 42004, PEER6, 443, GSO_PAYLOAD);

	assert_run(fx, fx_xdp(fx, &syn), XDP_TX);
	assert_run(fx, fx_xdp(fx, &big), XDP_DROP);
	assert_no_event(fx);
}

/* A guest with a 9000-byte MTU sends frames longer than a page. */
static void jumbo_frame_allowed_passes(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = data_segment(GUEST4, 42006, PEER4, 443, 8960);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_decision(fx, &s, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);
}

static void one_byte_segments(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec denied = data_segment(GUEST4, 42005, PEER4, 443, 1);
	struct pkt_spec allowed = data_segment(GUEST4, 42005, "198.18.0.3", 443, 1);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.3", 1);
	assert_run(fx, fx_xdp(fx, &denied), XDP_TX);
	assert_rst(fx, &denied, denied.ack_seq, 0, TH_RST);
	assert_decision(fx, &denied, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &allowed), XDP_PASS);
	assert_decision(fx, &allowed, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 1);
	for (int i = 0; i < 4; i++) {
		allowed.seq++;
		assert_run(fx, fx_xdp(fx, &allowed), XDP_PASS);
		assert_no_event(fx);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest rst[] = {
		fx_test(denied_syn_gets_rst_v4),
		fx_test(denied_syn_gets_rst_v6),
		fx_test(denied_segment_reset_from_its_ack),
		fx_test(denied_rst_not_answered),
		fx_test(denied_syn_with_data_acks_it),
		fx_test(denied_syn_with_options_and_data),
		fx_test(tcp_data_offset_lies_refused),
		fx_test(denied_fin_acks_it),
		fx_test(later_packets_of_denied_flow_dropped),
		fx_test(udp_denied_dropped),
		fx_test(rst_for_deny_rule),
	};
	const struct CMUnitTest flows[] = {
		fx_test(allowed_flow_later_packets_silent),
		fx_test(flows_keyed_by_ports),
		fx_test(echo_flow_keyed_by_identifier),
		fx_test(revoked_allow_cuts_established_flow),
		fx_test(deny_rule_cuts_established_flow),
		fx_test(new_allow_redecides_denied_flow),
		fx_test(unchanged_redecision_silent),
		fx_test(mode_change_redecides_flow),
		fx_test(flows_are_per_sandbox),
		fx_test(no_flow_table_decides_every_packet),
	};
	const struct CMUnitTest inbound[] = {
		fx_test(inbound_syn_lets_replies_pass_v4),
		fx_test(inbound_syn_lets_replies_pass_v6),
		fx_test(synack_without_inbound_syn_denied),
		fx_test(inbound_synack_opens_nothing),
		fx_test(inbound_flow_is_that_connection_only),
		fx_test(inbound_flow_is_per_sandbox),
		fx_test(inbound_flow_survives_policy_change),
		fx_test(inbound_flow_cut_by_deny_all),
		fx_test(tc_never_drops),
	};
	const struct CMUnitTest gso[] = {
		fx_test(gso_superframe_denied_like_small_segment),
		fx_test(gso_superframe_allowed_passes),
		fx_test(gso_superframe_on_allowed_flow_passes),
		fx_test(gso_superframe_on_denied_flow_dropped),
		fx_test(jumbo_frame_allowed_passes),
		fx_test(one_byte_segments),
	};
	const struct fx_group groups[] = {
		FX_GROUP("tcp-rst", rst),
		FX_GROUP("flows", flows),
		FX_GROUP("inbound", inbound),
		FX_GROUP("gso", gso),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
