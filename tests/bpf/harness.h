/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture of the BPF tests: the real data path loaded once per cmocka
 * group, in a network namespace of the test's own with two veth interfaces;
 * a fresh sandbox (new id, no rules, an empty flow table) for every test;
 * frames run through BPF_PROG_TEST_RUN and the audit events each run
 * emitted collected for the test to inspect.
 *
 * Every update of a map-in-map waits for an RCU grace period, so rule slots
 * (and their tries) live as long as the group and a reset empties them rule
 * by rule; only the flow table is new in every test.
 */
#ifndef EGRESS_TEST_HARNESS_H
#define EGRESS_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "datapath.h"
#include "frames.h"
#include "rule.h"

#define FX_MAX_EVENTS	256
#define FX_MAX_FLOWS	1024
#define FX_MAX_RULES	64

struct fx_sandbox {
	struct egress_sandbox sb;
	__u32 ifindex;
	bool active;			/* set on its interface */
	__u16 slot[EGRESS_SCOPE__MAX];	/* rule slots, kept across tests */
};

struct fx_rule_ref {
	__u16 slot;
	__u8 action;
	bool name;			/* a name rule (rule), else an IP rule (key) */
	struct egress_lpm_key key;
	struct egress_rule rule;
};

struct fx {
	struct egress_dp *dp;
	struct fx_sandbox a;		/* the sandbox most tests use */
	struct fx_sandbox b;		/* a second one, on another interface */
	__u32 ifindex_bare;		/* an interface with no sandbox */
	struct fx_rule_ref rules[FX_MAX_RULES];	/* to remove at the next reset */
	int n_rules;
	struct egress_event ev[FX_MAX_EVENTS];
	int n_ev;			/* events the last run emitted */
	__u64 n_ev_total;		/* events since the test began */
	__u32 action;			/* of the last run */
	size_t len;			/* of the frame in `frame` */
	__u32 out_len;
	__u8 frame[FRAME_MAX];
	__u8 out[FRAME_MAX];
};

#define FX_SKIP		77	/* the exit status meson counts as skipped */

struct fx_group {
	const char *name;
	const struct CMUnitTest *tests;
	size_t n_tests;
};

#define FX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FX_GROUP(name, tests) { name, tests, FX_ARRAY_SIZE(tests) }

/*
 * The main of a test binary: enters a network namespace of the test's own,
 * creates its interfaces there and runs the groups named on the command
 * line (all of them without arguments). Exits 0, 1 on a failure, FX_SKIP
 * without the privileges for a namespace.
 */
int fx_main(int argc, char **argv, const struct fx_group *groups, size_t n);

/* cmocka fixtures: group setup/teardown and the per-test reset. */
int fx_group_setup(void **state);
int fx_group_teardown(void **state);
int fx_setup(void **state);

/* Puts the second sandbox on its interface (mode deny, no rules). */
void fx_use_b(struct fx *fx);
/* ... with no flow table registered for it. */
void fx_use_b_without_flows(struct fx *fx);

/* Policy changes: each bumps the sandbox's generation and pushes it. */
void fx_commit(struct fx *fx, struct fx_sandbox *s);
void fx_mode(struct fx *fx, __u8 mode);
void fx_rule(struct fx *fx, struct fx_sandbox *s, __u8 scope, __u8 action,
	     const char *cidr, __u32 rule_id);
void fx_rule_del(struct fx *fx, struct fx_sandbox *s, __u8 scope, __u8 action,
		 const char *cidr);
void fx_allow(struct fx *fx, __u8 scope, const char *cidr, __u32 rule_id);
void fx_deny(struct fx *fx, __u8 scope, const char *cidr, __u32 rule_id);
/*
 * Name rules ("api.example.com", "*.example.com", "*"), parsed by
 * egress_rule_parse() as egressctl does.
 */
void fx_name_rule(struct fx *fx, struct fx_sandbox *s, __u8 scope, __u8 action,
		  const char *pattern, __u32 rule_id);
void fx_name_rule_del(struct fx *fx, struct fx_sandbox *s, __u8 scope,
		      __u8 action, const char *pattern);
void fx_allow_name(struct fx *fx, __u8 scope, const char *pattern, __u32 rule_id);
void fx_deny_name(struct fx *fx, __u8 scope, const char *pattern, __u32 rule_id);
void fx_src_addr(struct fx *fx, const char *addr);
void fx_check_mac(struct fx *fx, const __u8 mac[6]);
/* An address the sandbox's DNS queries may go to. */
void fx_resolver(struct fx *fx, const char *addr);

/*
 * Runs a frame and collects its events. A frame the program passes must
 * come out byte for byte as it went in. Returns the action.
 */
__u32 fx_run_xdp(struct fx *fx, __u32 ifindex, size_t len);
__u32 fx_run_tc(struct fx *fx, __u32 ifindex, size_t len);
__u32 fx_xdp(struct fx *fx, const struct pkt_spec *s);
__u32 fx_xdp_on(struct fx *fx, struct fx_sandbox *sbx, const struct pkt_spec *s);
__u32 fx_tc(struct fx *fx, const struct pkt_spec *s);
void fx_stats(struct fx *fx, __u64 out[EGRESS_STAT__MAX]);

/* The event a frame of s should yield, its decision fields still empty. */
struct egress_event ev_of(const struct fx_sandbox *sbx, const struct pkt_spec *s);
/* An event about a frame rejected before L3 (no addresses, no ports). */
struct egress_event ev_l2(const struct fx_sandbox *sbx);
void ev_decide(struct egress_event *e, __u8 verdict, __u8 flags, __u8 reason,
	       __u8 scope, __u32 rule_id);
/* The event names host (NULL: none, the address stands for it). */
void ev_host(struct egress_event *e, const char *host);

void check_events(const struct fx *fx, const struct egress_event *want,
		  int n_want, const char *file, int line);
void check_decision(const struct fx *fx, const struct fx_sandbox *sbx,
		    const struct pkt_spec *s, __u8 verdict, __u8 flags,
		    __u8 reason, __u8 scope, __u32 rule_id, const char *file,
		    int line);
void check_named(const struct fx *fx, const struct fx_sandbox *sbx,
		 const struct pkt_spec *s, __u8 proto, const char *host,
		 __u8 verdict, __u8 flags, __u8 reason, __u8 scope,
		 __u32 rule_id, const char *file, int line);
void check_action(const struct fx *fx, __u32 got, __u32 want, bool tc,
		  const char *file, int line);
void check_rst(const struct fx *fx, const struct pkt_spec *s, __u32 seq,
	       __u32 ack_seq, __u8 flags, const char *file, int line);

#define WOULD_DENY	EGRESS_EV_F_WOULD_DENY

#define assert_event(fx, want) check_events(fx, want, 1, __FILE__, __LINE__)
#define assert_no_event(fx) check_events(fx, NULL, 0, __FILE__, __LINE__)

/* Exactly one event: the one s should yield, with this decision. */
#define assert_decision(fx, s, verdict, flags, reason, scope, rule_id)	\
	check_decision(fx, &(fx)->a, s, verdict, flags, reason, scope,	\
		       rule_id, __FILE__, __LINE__)
#define assert_decision_in(fx, sbx, s, verdict, flags, reason, scope, rule_id) \
	check_decision(fx, sbx, s, verdict, flags, reason, scope,	\
		       rule_id, __FILE__, __LINE__)

/*
 * Exactly one event: the one s should yield, as protocol proto (EGRESS_PROTO_*)
 * naming host (NULL: no name), with this decision.
 */
#define assert_named(fx, s, proto, host, verdict, flags, reason, scope, rule_id) \
	check_named(fx, &(fx)->a, s, proto, host, verdict, flags, reason, \
		    scope, rule_id, __FILE__, __LINE__)

/* A run's action; on a mismatch the run's events are shown. */
#define assert_run(fx, run, want) \
	check_action(fx, run, want, false, __FILE__, __LINE__)
#define assert_run_tc(fx, run, want) \
	check_action(fx, run, want, true, __FILE__, __LINE__)

/* The last run answered s with an XDP_TX'd, well-formed RST. */
#define assert_rst(fx, s, seq, ack_seq, flags) \
	check_rst(fx, s, seq, ack_seq, flags, __FILE__, __LINE__)

/* The RST that answers s: from its ACK, or acknowledging all it carried. */
void check_rst_for(const struct fx *fx, const struct pkt_spec *s,
		   const char *file, int line);
#define assert_rst_for(fx, s) check_rst_for(fx, s, __FILE__, __LINE__)

/*
 * Sends the stream bytes [from, to) of c in segments of at most seg bytes,
 * each of which must pass and say nothing (a flow still waiting for its
 * name, or one allowed already).
 */
void fx_stream_quiet(struct fx *fx, const struct conn *c, const void *bytes,
		     size_t from, size_t to, size_t seg, const char *file,
		     int line);
#define stream_quiet(fx, c, bytes, from, to, seg) \
	fx_stream_quiet(fx, c, bytes, from, to, seg, __FILE__, __LINE__)

/* c's SYN passes and says nothing: the flow waits for its first bytes. */
void fx_syn_pending(struct fx *fx, const struct conn *c, const char *file,
		    int line);
#define syn_pending(fx, c) fx_syn_pending(fx, c, __FILE__, __LINE__)

#define FX(state) ((struct fx *)*(state))

#define fx_test(f) cmocka_unit_test_setup(f, fx_setup)

#endif /* EGRESS_TEST_HARNESS_H */
