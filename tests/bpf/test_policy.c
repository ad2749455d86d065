// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN sections 4 (steps 3, 4, 7, 8) and 5: the precedence of IP rules
 * across scopes, longest-prefix matching, ICMP, and the four modes.
 */
#include <string.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"
#include "dns_fx.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"
#define METADATA "198.19.255.254"

#define IPPROTO_GRE_	47
#define IPPROTO_SCTP_	132

static __u16 next_port = 20000;

/*
 * A fresh TCP SYN to dst must come out as this decision: passed when
 * allowed, answered with an RST when denied. In warn and allow-all a flow
 * waits for its first bytes to name its host (DESIGN section 6): its SYN
 * passes without an event, and the decision comes with the FIN that shows
 * it carries none; the platform's denials alone are made at the SYN.
 */
static void syn_decided_at(struct fx *fx, const char *dst, __u8 verdict,
			   __u8 flags, __u8 reason, __u8 scope, __u32 rule_id,
			   const char *file, int line)
{
	const char *src = strchr(dst, ':') ? GUEST6 : GUEST4;
	struct pkt_spec s = spec_tcp(src, next_port++, dst, 443, TH_SYN);
	__u32 action = fx_xdp(fx, &s);
	__u8 mode = fx->a.sb.mode;

	if ((mode == EGRESS_MODE_WARN || mode == EGRESS_MODE_ALLOW_ALL) &&
	    !(verdict == EGRESS_DENIED && scope == EGRESS_SCOPE_ALWAYS)) {
		check_action(fx, action, XDP_PASS, false, file, line);
		check_events(fx, NULL, 0, file, line);
		s.tcp_flags = TH_FIN | TH_ACK;
		s.seq++;
		s.ack_seq = 5000;
		action = fx_xdp(fx, &s);
	}
	if (verdict == EGRESS_ALLOWED) {
		check_action(fx, action, XDP_PASS, false, file, line);
	} else {
		check_action(fx, action, XDP_TX, false, file, line);
		check_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK, file, line);
	}
	check_decision(fx, &fx->a, &s, verdict, flags, reason, scope, rule_id,
		       file, line);
}

#define syn_allowed(fx, dst, scope, rule_id)				\
	syn_decided_at(fx, dst, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE, \
		       scope, rule_id, __FILE__, __LINE__)
#define syn_denied(fx, dst, scope, rule_id)				\
	syn_decided_at(fx, dst, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE, \
		       scope, rule_id, __FILE__, __LINE__)
#define syn_not_allowlisted(fx, dst)					\
	syn_decided_at(fx, dst, EGRESS_DENIED, 0,			\
		       EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0, \
		       __FILE__, __LINE__)
#define syn_decided(fx, dst, verdict, flags, reason, scope, rule_id)	\
	syn_decided_at(fx, dst, verdict, flags, reason, scope, rule_id,	\
		       __FILE__, __LINE__)

/* ---- precedence ---------------------------------------------------------- */

static void default_when_nothing_matches(void **state)
{
	struct fx *fx = FX(state);

	syn_not_allowlisted(fx, PEER4);
	syn_not_allowlisted(fx, PEER6);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.19.0.0/16", 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "198.19.1.0/24", 2);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, "fd00:9::/32", 3);
	syn_not_allowlisted(fx, PEER4);
	syn_not_allowlisted(fx, PEER6);
}

static void always_deny_beats_always_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_ALWAYS, "198.18.0.0/15", 1);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, PEER4, 2);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, "fd00::1", 3);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, "fd00::/8", 4);
	syn_denied(fx, PEER4, EGRESS_SCOPE_ALWAYS, 2);
	syn_allowed(fx, "198.18.0.9", EGRESS_SCOPE_ALWAYS, 1);
	syn_denied(fx, PEER6, EGRESS_SCOPE_ALWAYS, 4);
}

static void always_deny_beats_every_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER4, 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 2);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, PEER4, 3);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_ALWAYS, 3);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, "198.18.0.0/15", 4);
	syn_denied(fx, PEER4, EGRESS_SCOPE_ALWAYS, 4);
}

static void always_allow_beats_global_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER4, 1);
	syn_denied(fx, PEER4, EGRESS_SCOPE_GLOBAL, 1);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, "198.18.0.0/15", 2);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_ALWAYS, 2);
}

static void always_allow_beats_sandbox_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_deny(fx, EGRESS_SCOPE_SANDBOX, "fd00::/8", 1);
	syn_denied(fx, PEER6, EGRESS_SCOPE_SANDBOX, 1);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, PEER6, 2);
	syn_allowed(fx, PEER6, EGRESS_SCOPE_ALWAYS, 2);
}

static void global_deny_beats_sandbox_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_SANDBOX, 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER4, 2);
	syn_denied(fx, PEER4, EGRESS_SCOPE_GLOBAL, 2);
}

static void sandbox_deny_beats_global_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER4, 1);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_GLOBAL, 1);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, PEER4, 2);
	syn_denied(fx, PEER4, EGRESS_SCOPE_SANDBOX, 2);
}

static void deny_beats_allow_in_one_scope(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER4, 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER4, 2);
	syn_denied(fx, PEER4, EGRESS_SCOPE_GLOBAL, 2);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 3);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, PEER6, 4);
	syn_denied(fx, PEER6, EGRESS_SCOPE_SANDBOX, 4);
}

/* A wide deny is not undone by a narrower allow inside it. */
static void wide_deny_beats_narrow_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_deny(fx, EGRESS_SCOPE_SANDBOX, "198.19.0.0/16", 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.19.7.0/24", 2);
	syn_denied(fx, "198.19.7.1", EGRESS_SCOPE_SANDBOX, 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "198.0.0.0/8", 3);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/16", 4);
	syn_denied(fx, PEER4, EGRESS_SCOPE_GLOBAL, 3);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, "fd00::/8", 5);
	fx_allow(fx, EGRESS_SCOPE_GLOBAL, "fd00::/16", 6);
	syn_denied(fx, PEER6, EGRESS_SCOPE_SANDBOX, 5);
}

static void narrow_deny_inside_wide_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_GLOBAL, "198.0.0.0/8", 1);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/16", 2);
	syn_denied(fx, PEER4, EGRESS_SCOPE_SANDBOX, 2);
	syn_allowed(fx, "198.19.0.1", EGRESS_SCOPE_GLOBAL, 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00::/8", 3);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "fd00::/16", 4);
	syn_denied(fx, PEER6, EGRESS_SCOPE_GLOBAL, 4);
	syn_allowed(fx, "fd01::1", EGRESS_SCOPE_SANDBOX, 3);
}

static void longest_prefix_within_a_trie(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/15", 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.5.0/24", 2);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.5.5", 3);
	syn_allowed(fx, "198.19.1.1", EGRESS_SCOPE_SANDBOX, 1);
	syn_allowed(fx, "198.18.5.9", EGRESS_SCOPE_SANDBOX, 2);
	syn_allowed(fx, "198.18.5.5", EGRESS_SCOPE_SANDBOX, 3);

	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "198.19.128.0/17", 4);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "198.19.200.0/22", 5);
	syn_denied(fx, "198.19.130.1", EGRESS_SCOPE_GLOBAL, 4);
	syn_denied(fx, "198.19.201.1", EGRESS_SCOPE_GLOBAL, 5);
}

static void ipv6_cidrs(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "fd00:1::/32", 1);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, "fd00:1:2::/48", 2);
	fx_allow(fx, EGRESS_SCOPE_GLOBAL, "fd00:1:2:3::7", 3);
	syn_allowed(fx, "fd00:1::5", EGRESS_SCOPE_SANDBOX, 1);
	syn_allowed(fx, "fd00:1:ffff::5", EGRESS_SCOPE_SANDBOX, 1);
	syn_denied(fx, "fd00:1:2::5", EGRESS_SCOPE_SANDBOX, 2);
	syn_denied(fx, "fd00:1:2:3::7", EGRESS_SCOPE_SANDBOX, 2);
	syn_not_allowlisted(fx, "fd00:2::5");
	syn_not_allowlisted(fx, "fd00::1:5");
}

static void ipv4_zero_prefix(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "0.0.0.0/0", 1);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_SANDBOX, 1);
	syn_allowed(fx, "198.19.255.1", EGRESS_SCOPE_SANDBOX, 1);
	syn_not_allowlisted(fx, PEER6);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "0.0.0.0/0", 2);
	syn_denied(fx, PEER4, EGRESS_SCOPE_GLOBAL, 2);
	syn_not_allowlisted(fx, PEER6);
}

/*
 * ::/0 is every IPv6 address, and no IPv4 one, though IPv4 lives in the
 * tries as ::ffff:0:0/96, which ::/0 covers.
 */
static void ipv6_zero_prefix(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "::/0", 1);
	syn_allowed(fx, PEER6, EGRESS_SCOPE_SANDBOX, 1);
	syn_allowed(fx, "fd12:3456::1", EGRESS_SCOPE_SANDBOX, 1);
	syn_not_allowlisted(fx, PEER4);
}

/* The same for a deny rule. */
static void ipv6_zero_prefix_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.0/15", 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 2);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "::/0", 3);
	syn_denied(fx, PEER6, EGRESS_SCOPE_GLOBAL, 3);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_SANDBOX, 1);
}

static void always_deny_holds_in_every_mode(void **state)
{
	struct fx *fx = FX(state);
	const __u8 modes[] = { EGRESS_MODE_ALLOW_ALL, EGRESS_MODE_WARN,
			       EGRESS_MODE_DENY };

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, METADATA, 1);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, "198.18.0.0/15", 2);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, METADATA, 3);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, "fd00:ec2::254", 4);
	for (size_t i = 0; i < sizeof(modes); i++) {
		fx_mode(fx, modes[i]);
		syn_denied(fx, METADATA, EGRESS_SCOPE_ALWAYS, 3);
		syn_denied(fx, "fd00:ec2::254", EGRESS_SCOPE_ALWAYS, 4);
	}
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	syn_decided(fx, METADATA, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
		    EGRESS_SCOPE_NONE, 0);
}

/* ---- ICMP ------------------------------------------------------------------ */

static void echo_allowed(struct fx *fx, const struct pkt_spec *s)
{
	assert_run(fx, fx_xdp(fx, s), XDP_PASS);
	assert_decision(fx, s, EGRESS_ALLOWED, 0, EGRESS_REASON_ICMP,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, s), XDP_PASS);
	assert_no_event(fx);
}

static void icmp_echo_allowed_in_deny_mode(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_echo(GUEST4, PEER4, 0x1234);
	struct pkt_spec v6 = spec_echo(GUEST6, PEER6, 0x4321);

	echo_allowed(fx, &v4);
	echo_allowed(fx, &v6);
}

/* ICMP comes before the rules a user can write (DESIGN section 4, step 4). */
static void icmp_echo_allowed_despite_user_deny(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_echo(GUEST4, PEER4, 0x1235);

	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER4, 1);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, PEER4, 2);
	echo_allowed(fx, &v4);
}

static void icmp_errors_allowed(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec unreach = spec_icmp(GUEST4, PEER4, 3, 3);
	struct pkt_spec too_big = spec_icmp(GUEST6, PEER6, 2, 0);

	unreach.payload_len = 28;
	too_big.payload_len = 48;
	assert_run(fx, fx_xdp(fx, &unreach), XDP_PASS);
	assert_decision(fx, &unreach, EGRESS_ALLOWED, 0, EGRESS_REASON_ICMP,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &too_big), XDP_PASS);
	assert_decision(fx, &too_big, EGRESS_ALLOWED, 0, EGRESS_REASON_ICMP,
			EGRESS_SCOPE_NONE, 0);
}

static void icmp_allowed_in_warn_and_allow_all(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_echo(GUEST4, PEER4, 0x2000);
	struct pkt_spec v6 = spec_echo(GUEST6, PEER6, 0x2001);

	fx_mode(fx, EGRESS_MODE_WARN);
	echo_allowed(fx, &v4);
	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	v6.icmp_id++;
	echo_allowed(fx, &v6);
}

static void icmp_echo_dropped_in_deny_all(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_echo(GUEST4, PEER4, 0x1236);
	struct pkt_spec v6 = spec_echo(GUEST6, PEER6, 0x1237);

	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	assert_run(fx, fx_xdp(fx, &v4), XDP_DROP);
	assert_decision(fx, &v4, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_decision(fx, &v6, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_no_event(fx);
}

static void deny_all_cuts_echo_flow(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v6 = spec_echo(GUEST6, PEER6, 0x123a);

	echo_allowed(fx, &v6);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_decision(fx, &v6, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_no_event(fx);
}

static void icmp_to_always_denied_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v4 = spec_echo(GUEST4, METADATA, 0x1238);
	struct pkt_spec v6 = spec_echo(GUEST6, "fd00:ec2::254", 0x1239);

	fx_deny(fx, EGRESS_SCOPE_ALWAYS, METADATA, 7);
	fx_deny(fx, EGRESS_SCOPE_ALWAYS, "fd00:ec2::254", 8);
	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	assert_run(fx, fx_xdp(fx, &v4), XDP_DROP);
	assert_decision(fx, &v4, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
			EGRESS_SCOPE_ALWAYS, 7);
	assert_run(fx, fx_xdp(fx, &v6), XDP_DROP);
	assert_decision(fx, &v6, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
			EGRESS_SCOPE_ALWAYS, 8);
}

/* ---- modes ------------------------------------------------------------------ */

struct mode_case {
	__u8 mode;
	__u8 verdict;
	__u8 flags;
	__u8 reason;
};

static const struct mode_case mode_cases[] = {
	{ EGRESS_MODE_ALLOW_ALL, EGRESS_ALLOWED, 0, EGRESS_REASON_MODE_ALLOW },
	{ EGRESS_MODE_WARN, EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED },
	{ EGRESS_MODE_DENY, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED },
	{ EGRESS_MODE_DENY_ALL, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL },
};

static struct pkt_spec mode_probe(int kind, const char *src, const char *dst)
{
	switch (kind) {
	case 0:
		return spec_tcp(src, next_port++, dst, 443, TH_SYN);
	case 1:
		return spec_udp(src, next_port++, dst, 4000);
	case 2:
		return spec_proto(src, dst, IPPROTO_GRE_, 24);
	default:
		return spec_proto(src, dst, IPPROTO_SCTP_, 32);
	}
}

/*
 * Each mode's default for TCP, UDP, GRE and SCTP, over IPv4 and IPv6; every
 * mode to its own destinations, so that each frame is a new flow.
 */
static void mode_defaults(void **state)
{
	static const char *const dst4[] = {
		"198.18.1.1", "198.18.1.2", "198.18.1.3", "198.18.1.4",
	};
	static const char *const dst6[] = {
		"fd00::1:1", "fd00::1:2", "fd00::1:3", "fd00::1:4",
	};
	struct fx *fx = FX(state);

	for (size_t m = 0; m < sizeof(mode_cases) / sizeof(mode_cases[0]); m++) {
		const struct mode_case *c = &mode_cases[m];

		fx_mode(fx, c->mode);
		for (int kind = 0; kind < 4; kind++) {
			for (int v6 = 0; v6 < 2; v6++) {
				struct pkt_spec s =
					v6 ? mode_probe(kind, GUEST6, dst6[m])
					   : mode_probe(kind, GUEST4, dst4[m]);
				__u32 action = fx_xdp(fx, &s);

				/*
				 * warn, allow-all: a TCP flow's event waits for
				 * its first bytes, or its FIN without any.
				 */
				if (kind == 0 && c->verdict == EGRESS_ALLOWED) {
					assert_run(fx, action, XDP_PASS);
					assert_no_event(fx);
					s.tcp_flags = TH_FIN | TH_ACK;
					s.seq++;
					s.ack_seq = 5000;
					action = fx_xdp(fx, &s);
				}
				if (c->verdict == EGRESS_ALLOWED)
					assert_run(fx, action, XDP_PASS);
				else if (kind == 0)
					assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
				else
					assert_run(fx, action, XDP_DROP);
				assert_decision(fx, &s, c->verdict, c->flags, c->reason,
						EGRESS_SCOPE_NONE, 0);
			}
		}
	}
}

static void other_protocol_flow_remembered(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec gre = spec_proto(GUEST4, PEER4, IPPROTO_GRE_, 24);
	struct pkt_spec sctp = spec_proto(GUEST6, PEER6, IPPROTO_SCTP_, 32);

	assert_run(fx, fx_xdp(fx, &gre), XDP_DROP);
	assert_decision(fx, &gre, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &gre), XDP_DROP);
	assert_no_event(fx);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 9);
	assert_run(fx, fx_xdp(fx, &sctp), XDP_PASS);
	assert_decision(fx, &sctp, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 9);
	assert_run(fx, fx_xdp(fx, &sctp), XDP_PASS);
	assert_no_event(fx);
}

/*
 * QUIC (UDP 443) carries no name we can read: in deny mode it is denied
 * (quic-blocked, so clients fall back to TCP) unless an IP rule allows the
 * destination; a name rule, even *, does not.
 */
static void quic_blocked_unless_ip_allowed(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec q4 = spec_udp(GUEST4, 40100, PEER4, 443);
	struct pkt_spec q6 = spec_udp(GUEST6, 40101, PEER6, 443);
	struct pkt_spec other = spec_udp(GUEST4, 40102, PEER4, 444);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	assert_run(fx, fx_xdp(fx, &q4), XDP_DROP);
	assert_named(fx, &q4, EGRESS_PROTO_QUIC, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_QUIC_BLOCKED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &q6), XDP_DROP);
	assert_named(fx, &q6, EGRESS_PROTO_QUIC, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_QUIC_BLOCKED, EGRESS_SCOPE_NONE, 0);
	/* other UDP: no name is bound to the address */
	assert_run(fx, fx_xdp(fx, &other), XDP_DROP);
	assert_named(fx, &other, EGRESS_PROTO_UDP, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
	/* a binding admits other UDP, never QUIC */
	fx_bind(fx, "quic.example.com", PEER4);
	q4.sport += 10;
	other.sport += 10;
	assert_run(fx, fx_xdp(fx, &other), XDP_PASS);
	assert_named(fx, &other, EGRESS_PROTO_UDP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	assert_run(fx, fx_xdp(fx, &q4), XDP_DROP);
	assert_named(fx, &q4, EGRESS_PROTO_QUIC, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_QUIC_BLOCKED, EGRESS_SCOPE_NONE, 0);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 2);
	q4.sport++;
	assert_run(fx, fx_xdp(fx, &q4), XDP_PASS);
	assert_named(fx, &q4, EGRESS_PROTO_QUIC, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2);
}

static void quic_reported_in_warn(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec q = spec_udp(GUEST4, 40110, PEER4, 443);

	fx_mode(fx, EGRESS_MODE_WARN);
	assert_run(fx, fx_xdp(fx, &q), XDP_PASS);
	assert_named(fx, &q, EGRESS_PROTO_QUIC, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_QUIC_BLOCKED, EGRESS_SCOPE_NONE, 0);
}

/*
 * DNS over TLS (853): denied at its SYN in deny mode unless an IP rule
 * allows the resolver, whatever name rules say.
 */
static void dot_blocked_unless_ip_allowed(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40120, PEER4, 853, TH_SYN);
	struct pkt_spec s6 = spec_tcp(GUEST6, 40121, PEER6, 853, TH_SYN);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst(fx, &s, 0, s.seq + 1, TH_RST | TH_ACK);
	assert_named(fx, &s, EGRESS_PROTO_DOT, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_DOT_BLOCKED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &s6), XDP_TX);
	assert_named(fx, &s6, EGRESS_PROTO_DOT, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_DOT_BLOCKED, EGRESS_SCOPE_NONE, 0);

	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER4, 2);
	s.sport++;
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_DOT, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_GLOBAL, 2);
}

/* In warn mode DoT waits for its first bytes like any TCP flow. */
static void dot_reported_in_warn(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40130, PEER4, 853, TH_SYN);

	fx_mode(fx, EGRESS_MODE_WARN);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	s.tcp_flags = TH_FIN | TH_ACK;
	s.seq++;
	s.ack_seq = 5000;
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_DOT, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_DOT_BLOCKED, EGRESS_SCOPE_NONE, 0);
}

/*
 * warn and allow-all audit every attempt: a flow waiting for its name whose
 * SYN comes again unanswered is decided by its address then. In deny mode
 * a waiting flow's SYN again changes nothing (its name may still come).
 */
static void resent_syn_audited_outside_deny(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec s = spec_tcp(GUEST4, 40200, PEER4, 443, TH_SYN);

	fx_mode(fx, EGRESS_MODE_WARN);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);

	fx_mode(fx, EGRESS_MODE_DENY);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 1);
	fx_bind(fx, "www.example.com", PEER4);	/* else its SYN never leaves */
	s.sport++;
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
}

static void warn_mode_reports_rules(void **state)
{
	struct fx *fx = FX(state);

	fx_mode(fx, EGRESS_MODE_WARN);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER6, 2);
	syn_allowed(fx, PEER4, EGRESS_SCOPE_SANDBOX, 1);
	syn_decided(fx, PEER6, EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_DENY_RULE,
		    EGRESS_SCOPE_GLOBAL, 2);
	syn_decided(fx, "198.19.0.1", EGRESS_ALLOWED, WOULD_DENY,
		    EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

static void allow_all_ignores_user_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER4, 1);
	fx_deny(fx, EGRESS_SCOPE_SANDBOX, PEER6, 2);
	syn_decided(fx, PEER4, EGRESS_ALLOWED, 0, EGRESS_REASON_MODE_ALLOW,
		    EGRESS_SCOPE_NONE, 0);
	syn_decided(fx, PEER6, EGRESS_ALLOWED, 0, EGRESS_REASON_MODE_ALLOW,
		    EGRESS_SCOPE_NONE, 0);
}

static void deny_all_ignores_every_allow(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec udp = spec_udp(GUEST4, 5353, PEER4, 53);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER4, 2);
	fx_allow(fx, EGRESS_SCOPE_ALWAYS, PEER4, 3);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	syn_decided(fx, PEER4, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
		    EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &udp), XDP_DROP);
	assert_named(fx, &udp, EGRESS_PROTO_DNS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_ALL, EGRESS_SCOPE_NONE, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest precedence[] = {
		fx_test(default_when_nothing_matches),
		fx_test(always_deny_beats_always_allow),
		fx_test(always_deny_beats_every_allow),
		fx_test(always_allow_beats_global_deny),
		fx_test(always_allow_beats_sandbox_deny),
		fx_test(global_deny_beats_sandbox_allow),
		fx_test(sandbox_deny_beats_global_allow),
		fx_test(deny_beats_allow_in_one_scope),
		fx_test(wide_deny_beats_narrow_allow),
		fx_test(narrow_deny_inside_wide_allow),
		fx_test(longest_prefix_within_a_trie),
		fx_test(ipv6_cidrs),
		fx_test(ipv4_zero_prefix),
		fx_test(ipv6_zero_prefix),
		fx_test(ipv6_zero_prefix_deny),
		fx_test(always_deny_holds_in_every_mode),
	};
	const struct CMUnitTest icmp[] = {
		fx_test(icmp_echo_allowed_in_deny_mode),
		fx_test(icmp_echo_allowed_despite_user_deny),
		fx_test(icmp_errors_allowed),
		fx_test(icmp_allowed_in_warn_and_allow_all),
		fx_test(icmp_echo_dropped_in_deny_all),
		fx_test(deny_all_cuts_echo_flow),
		fx_test(icmp_to_always_denied_dropped),
	};
	const struct CMUnitTest ports[] = {
		fx_test(quic_blocked_unless_ip_allowed),
		fx_test(quic_reported_in_warn),
		fx_test(dot_blocked_unless_ip_allowed),
		fx_test(dot_reported_in_warn),
	};
	const struct CMUnitTest modes[] = {
		fx_test(mode_defaults),
		fx_test(resent_syn_audited_outside_deny),
		fx_test(other_protocol_flow_remembered),
		fx_test(warn_mode_reports_rules),
		fx_test(allow_all_ignores_user_deny),
		fx_test(deny_all_ignores_every_allow),
	};
	const struct fx_group groups[] = {
		FX_GROUP("precedence", precedence),
		FX_GROUP("icmp", icmp),
		FX_GROUP("modes", modes),
		FX_GROUP("ports", ports),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
