// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 4 step 2 (L3): header lengths, IPv4 options, the IPv6
 * extension-header walk, and IP fragments (decided by IP rules alone).
 */
#include <string.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"

/* ---- lengths ------------------------------------------------------------ */

struct mode_outcome {
	__u8 mode;
	__u32 action;
	__u8 verdict;
	__u8 flags;
	__u8 reason;
};

/* What a frame the parser refuses comes to, mode by mode. */
static void refused_in_modes(struct fx *fx, const struct pkt_spec *s,
			     const struct egress_event *base, __u8 reason)
{
	const struct mode_outcome out[] = {
		{ EGRESS_MODE_DENY, XDP_DROP, EGRESS_DENIED, 0, reason },
		{ EGRESS_MODE_WARN, XDP_PASS, EGRESS_ALLOWED, WOULD_DENY, reason },
		{ EGRESS_MODE_ALLOW_ALL, XDP_PASS, EGRESS_ALLOWED, 0,
		  EGRESS_REASON_MODE_ALLOW },
		{ EGRESS_MODE_DENY_ALL, XDP_DROP, EGRESS_DENIED, 0, reason },
	};

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		struct egress_event want = *base;

		fx_mode(fx, out[i].mode);
		want.mode = out[i].mode;
		want.generation = fx->a.sb.generation;
		ev_decide(&want, out[i].verdict, out[i].flags, out[i].reason,
			  EGRESS_SCOPE_NONE, 0);
		assert_run(fx, fx_xdp(fx, s), out[i].action);
		assert_event(fx, &want);
	}
}

/* The event of a frame refused before its L4 header: no ports. */
static struct egress_event ev_before_l4(const struct fx *fx,
					const struct pkt_spec *s)
{
	struct egress_event e = ev_of(&fx->a, s);

	e.sport = 0;
	e.dport = 0;
	return e;
}

/* ... of an IPv6 frame refused before its header chain was walked. */
static struct egress_event ev_before_walk(const struct fx *fx,
					  const struct pkt_spec *s)
{
	struct egress_event e = ev_before_l4(fx, s);

	e.l4proto = 0;
	e.proto = EGRESS_PROTO_OTHER;
	return e;
}

static void ipv4_total_length_beyond_frame(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);
	struct egress_event base = ev_before_l4(fx, &s);

	s.len_delta = 20;
	refused_in_modes(fx, &s, &base, EGRESS_REASON_PARSE_FAILURE);
}

static void ipv6_payload_length_beyond_frame(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_udp(GUEST6, 40000, PEER6, 53);
	struct egress_event base = ev_before_walk(fx, &s);

	s.len_delta = 1;
	refused_in_modes(fx, &s, &base, EGRESS_REASON_PARSE_FAILURE);
}

static void udp_length_beyond_ip_payload(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_udp(GUEST4, 40000, PEER4, 4000);
	struct egress_event base = ev_before_l4(fx, &s);

	/* IP says 8 bytes fewer than UDP does; the frame keeps them. */
	s.len_delta = -8;
	refused_in_modes(fx, &s, &base, EGRESS_REASON_PARSE_FAILURE);
}

/* Ethernet padding after the IP packet is not part of it. */
static void ethernet_padding_ignored(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);
	size_t len = frame_build(&s, fx->frame, sizeof(fx->frame));

	memset(fx->frame + len, 0, 6);
	assert_run(fx, fx_run_xdp(fx, fx->a.ifindex, len + 6), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

/* ---- IPv4 options ------------------------------------------------------- */

static void ipv4_options_refused(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40000, PEER4, 443, TH_SYN);
	struct egress_event base = ev_before_l4(fx, &s);

	s.ip_opt_len = 4;
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	refused_in_modes(fx, &s, &base, EGRESS_REASON_IP_OPTIONS);
}

/* ---- IPv6 extension headers --------------------------------------------- */

static void ipv6_source_route_refused(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST6, 40000, PEER6, 443, TH_SYN);
	struct egress_event base = ev_before_walk(fx, &s);

	spec_add_ext(&s, IPPROTO_ROUTING, 2);
	s.ext[0].segments_left = 1;
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00::/16", 1);
	refused_in_modes(fx, &s, &base, EGRESS_REASON_SOURCE_ROUTE);
}

static void ipv6_spent_routing_header_parsed_through(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST6, 40001, PEER6, 8443, TH_SYN);

	spec_add_ext(&s, IPPROTO_ROUTING, 2);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void ipv6_hop_by_hop_and_dest_options_parsed_through(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST6, 40002, PEER6, 443, TH_SYN);
	struct pkt_spec ok = spec_tcp(GUEST6, 40003, "fd00::5", 443, TH_SYN);

	spec_add_ext(&s, IPPROTO_HOPOPTS, 0);
	spec_add_ext(&s, IPPROTO_DSTOPTS, 1);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);

	ok.n_ext = s.n_ext;
	memcpy(ok.ext, s.ext, sizeof(s.ext));
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00::5", 6);
	assert_run(fx, fx_xdp(fx, &ok), XDP_PASS);
	assert_decision(fx, &ok, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 6);
}

static void ipv6_auth_header_parsed_through(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_udp(GUEST6, 40004, PEER6, 4000);

	spec_add_ext(&s, IPPROTO_AH, 4);
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static struct pkt_spec tcp_after_ext_hdrs(int n, __u16 sport)
{
	struct pkt_spec s = spec_tcp(GUEST6, sport, PEER6, 443, TH_SYN);

	spec_add_ext(&s, IPPROTO_HOPOPTS, 0);
	for (int i = 1; i < n; i++)
		spec_add_ext(&s, IPPROTO_DSTOPTS, 0);
	return s;
}

static void ipv6_seven_ext_hdrs_parsed(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = tcp_after_ext_hdrs(7, 40007);

	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

/*
 * EGRESS_MAX_EXT_HDRS headers are walked: a frame with that many is parsed.
 */
static void ipv6_eight_ext_hdrs_parsed(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = tcp_after_ext_hdrs(EGRESS_MAX_EXT_HDRS, 40008);

	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void ipv6_too_many_ext_hdrs_refused(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = tcp_after_ext_hdrs(EGRESS_MAX_EXT_HDRS + 1, 40009);
	struct egress_event base = ev_before_walk(fx, &s);

	refused_in_modes(fx, &s, &base, EGRESS_REASON_PARSE_FAILURE);
}

static void ipv6_ext_hdr_beyond_payload_refused(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_proto(GUEST6, PEER6, IPPROTO_NONE, 0);
	struct egress_event want = ev_before_walk(fx, &s);

	spec_add_ext(&s, IPPROTO_DSTOPTS, 3);
	s.len_delta = -8;	/* the header claims 32 bytes, the payload has 24 */
	ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
		  EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_event(fx, &want);
}

static void ipv6_atomic_fragment_not_a_fragment(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST6, 40010, PEER6, 443, TH_SYN);

	spec_add_frag6(&s, 0, false);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

/* DF and the reserved flag do not make a fragment. */
static void ipv4_flags_without_offset_not_a_fragment(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec df = spec_tcp(GUEST4, 40011, PEER4, 443, TH_SYN);
	struct pkt_spec evil = spec_tcp(GUEST4, 40012, PEER4, 443, TH_SYN);

	df.ip_frag = IPV4_DF;
	evil.ip_frag = 0x8000;
	assert_run(fx, fx_xdp(fx, &df), XDP_TX);
	assert_rst(fx, &df, 0, df.seq + 1, TH_RST | TH_ACK);
	assert_decision(fx, &df, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &evil), XDP_TX);
	assert_decision(fx, &evil, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

/* ---- fragments ---------------------------------------------------------- */

#define N_FRAGS 4

/* IPv4 first and later fragment of TCP, IPv6 first and later of UDP. */
static void fragments(struct pkt_spec f[N_FRAGS], const char *dst4,
		      const char *dst6)
{
	f[0] = spec_tcp(GUEST4, 41000, dst4, 443, TH_SYN);
	f[0].payload_len = 64;
	f[0].ip_frag = IPV4_MF;
	f[1] = spec_proto(GUEST4, dst4, IPPROTO_TCP, 64);
	f[1].ip_frag = 100;
	f[2] = spec_udp(GUEST6, 41001, dst6, 4000);
	f[2].payload_len = 64;
	spec_add_frag6(&f[2], 0, true);
	f[3] = spec_proto(GUEST6, dst6, IPPROTO_UDP, 64);
	spec_add_frag6(&f[3], 10, false);
}

static void fragments_decided(struct fx *fx, __u32 action, __u8 verdict,
			      __u8 flags, __u8 reason, __u8 scope, __u32 rule_id)
{
	struct pkt_spec f[N_FRAGS];

	fragments(f, PEER4, PEER6);
	for (int i = 0; i < N_FRAGS; i++) {
		assert_run(fx, fx_xdp(fx, &f[i]), action);
		assert_decision(fx, &f[i], verdict, flags, reason, scope, rule_id);
	}
}

static void fragment_dropped_in_deny_mode(void **state)
{
	fragments_decided(FX(state), XDP_DROP, EGRESS_DENIED, 0,
			  EGRESS_REASON_FRAGMENT, EGRESS_SCOPE_NONE, 0);
}

static void fragment_allowed_by_ip_rule(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 21);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 21);
	fragments_decided(fx, XDP_PASS, EGRESS_ALLOWED, 0,
			  EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 21);
}

static void fragment_denied_by_deny_rule(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/15", 22);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00::/8", 22);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER4, 23);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER6, 23);
	fragments_decided(fx, XDP_DROP, EGRESS_DENIED, 0,
			  EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_GLOBAL, 23);
}

static void fragment_would_deny_in_warn_mode(void **state)
{
	struct fx *fx = FX(state);

	fx_mode(fx, EGRESS_MODE_WARN);
	fragments_decided(fx, XDP_PASS, EGRESS_ALLOWED, WOULD_DENY,
			  EGRESS_REASON_FRAGMENT, EGRESS_SCOPE_NONE, 0);
}

static void fragment_allowed_in_allow_all(void **state)
{
	struct fx *fx = FX(state);

	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	fragments_decided(fx, XDP_PASS, EGRESS_ALLOWED, 0,
			  EGRESS_REASON_MODE_ALLOW, EGRESS_SCOPE_NONE, 0);
}

static void fragment_denied_in_deny_all(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 24);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 24);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	fragments_decided(fx, XDP_DROP, EGRESS_DENIED, 0,
			  EGRESS_REASON_DENY_ALL, EGRESS_SCOPE_NONE, 0);
}

static void fragment_to_always_denied_address(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 25);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 25);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, PEER4, 26);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, PEER6, 26);
	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	fragments_decided(fx, XDP_DROP, EGRESS_DENIED, 0,
			  EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_ALWAYS, 26);
}

/*
 * The first fragment of a UDP datagram carries the datagram's length in its
 * UDP header, more than the fragment holds.
 */
static void first_fragment_of_long_datagram(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_udp(GUEST4, 41002, PEER4, 4000);
	struct pkt_spec v6 = spec_udp(GUEST6, 41002, PEER6, 4000);

	v4.payload_len = 1472;
	v4.udp_len = 3008;
	v4.ip_frag = IPV4_MF;
	v6.payload_len = 1448;
	v6.udp_len = 3008;
	spec_add_frag6(&v6, 0, true);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 28);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 28);
	assert_run(fx, fx_xdp(fx, &v4), XDP_PASS);
	assert_decision(fx, &v4, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 28);
	assert_run(fx, fx_xdp(fx, &v6), XDP_PASS);
	assert_decision(fx, &v6, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 28);
}

/* Every fragment is its own decision: no flow state, one event each. */
static void every_fragment_decided(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec f[N_FRAGS];

	fragments(f, PEER4, PEER6);
	for (int round = 0; round < 3; round++) {
		assert_run(fx, fx_xdp(fx, &f[0]), XDP_DROP);
		assert_decision(fx, &f[0], EGRESS_DENIED, 0, EGRESS_REASON_FRAGMENT,
				EGRESS_SCOPE_NONE, 0);
	}
}

static void icmp_fragment_is_a_fragment(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_echo(GUEST4, PEER4, 77);

	s.payload_len = 1400;
	s.ip_frag = IPV4_MF;
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_decision(fx, &s, EGRESS_DENIED, 0, EGRESS_REASON_FRAGMENT,
			EGRESS_SCOPE_NONE, 0);
}

/*
 * A later IPv6 fragment carries data, not headers, after its fragment
 * header, whatever the fragment header's next-header field says: it is
 * decided as a fragment, here one an IP rule allows.
 */
static void ipv6_later_fragment_data_not_walked(void **state)
{
	static const __u8 zeros[64];
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_proto(GUEST6, PEER6, IPPROTO_DSTOPTS, sizeof(zeros));

	s.payload = zeros;
	spec_add_frag6(&s, 20, true);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 27);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_decision(fx, &s, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 27);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest l3[] = {
		fx_test(ipv4_total_length_beyond_frame),
		fx_test(ipv6_payload_length_beyond_frame),
		fx_test(udp_length_beyond_ip_payload),
		fx_test(ethernet_padding_ignored),
		fx_test(ipv4_options_refused),
		fx_test(ipv6_source_route_refused),
		fx_test(ipv6_spent_routing_header_parsed_through),
		fx_test(ipv6_hop_by_hop_and_dest_options_parsed_through),
		fx_test(ipv6_auth_header_parsed_through),
		fx_test(ipv6_seven_ext_hdrs_parsed),
		fx_test(ipv6_eight_ext_hdrs_parsed),
		fx_test(ipv6_too_many_ext_hdrs_refused),
		fx_test(ipv6_ext_hdr_beyond_payload_refused),
		fx_test(ipv6_atomic_fragment_not_a_fragment),
		fx_test(ipv4_flags_without_offset_not_a_fragment),
	};
	const struct CMUnitTest frags[] = {
		fx_test(fragment_dropped_in_deny_mode),
		fx_test(fragment_allowed_by_ip_rule),
		fx_test(fragment_denied_by_deny_rule),
		fx_test(fragment_would_deny_in_warn_mode),
		fx_test(fragment_allowed_in_allow_all),
		fx_test(fragment_denied_in_deny_all),
		fx_test(fragment_to_always_denied_address),
		fx_test(first_fragment_of_long_datagram),
		fx_test(every_fragment_decided),
		fx_test(icmp_fragment_is_a_fragment),
		fx_test(ipv6_later_fragment_data_not_walked),
	};
	const struct fx_group groups[] = {
		FX_GROUP("l3", l3),
		FX_GROUP("fragments", frags),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
