// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 6: one event per decision, per-sandbox collapsing of
 * repeats within the event window (with the count carried by the next
 * event), and the counters that account for every event.
 */
#include <string.h>
#include <time.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include "harness.h"

#define GUEST4	"198.18.0.2"
#define SINK4	"198.19.0.50"
#define BURST	100

static void sleep_ms(long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);
}

static void set_window(struct fx *fx, struct fx_sandbox *s, __u32 ms)
{
	s->sb.event_window_ms = ms;
	fx_commit(fx, s);
}

/* n new UDP flows to one destination, from source port first on. */
static void udp_burst(struct fx *fx, struct fx_sandbox *s, __u16 first, int n)
{
	for (int i = 0; i < n; i++) {
		struct pkt_spec u = spec_udp(GUEST4, (__u16)(first + i), SINK4, 4000);

		assert_run(fx, fx_xdp_on(fx, s, &u), XDP_DROP);
	}
}

static void burst_collapses_into_one_event(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec first = spec_udp(GUEST4, 30000, SINK4, 4000);
	struct pkt_spec next = spec_udp(GUEST4, 30000 + BURST, SINK4, 4000);
	__u64 before[EGRESS_STAT__MAX], after[EGRESS_STAT__MAX];
	struct egress_event want;

	set_window(fx, &fx->a, 1000);
	fx_stats(fx, before);
	assert_run(fx, fx_xdp(fx, &first), XDP_DROP);
	assert_decision(fx, &first, EGRESS_DENIED, 0,
			EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	udp_burst(fx, &fx->a, 30001, BURST - 1);
	assert_int_equal(fx->n_ev_total, 1);
	fx_stats(fx, after);
	assert_int_equal(after[EGRESS_STAT_EVENTS_SUPPRESSED] -
			 before[EGRESS_STAT_EVENTS_SUPPRESSED], BURST - 1);
	assert_int_equal(after[EGRESS_STAT_EVENTS_EMITTED] -
			 before[EGRESS_STAT_EVENTS_EMITTED], 1);

	set_window(fx, &fx->a, 50);
	sleep_ms(70);
	assert_run(fx, fx_xdp(fx, &next), XDP_DROP);
	want = ev_of(&fx->a, &next);
	ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
		  EGRESS_SCOPE_NONE, 0);
	want.count = 1 + (BURST - 1);
	assert_event(fx, &want);
	fx_stats(fx, after);
	assert_int_equal(after[EGRESS_STAT_EVENTS_EMITTED] -
			 before[EGRESS_STAT_EVENTS_EMITTED], 2);
	assert_int_equal(after[EGRESS_STAT_EVENTS_LOST] -
			 before[EGRESS_STAT_EVENTS_LOST], 0);
}

static void repeat_after_quiet_window_counts_one(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec a = spec_udp(GUEST4, 31000, SINK4, 4000);
	struct pkt_spec b = spec_udp(GUEST4, 31001, SINK4, 4000);

	set_window(fx, &fx->a, 30);
	assert_run(fx, fx_xdp(fx, &a), XDP_DROP);
	assert_int_equal(fx->n_ev, 1);
	sleep_ms(50);
	assert_run(fx, fx_xdp(fx, &b), XDP_DROP);
	assert_decision(fx, &b, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
			EGRESS_SCOPE_NONE, 0);
}

static void window_zero_reports_every_decision(void **state)
{
	struct fx *fx = FX(state);
	__u64 before[EGRESS_STAT__MAX], after[EGRESS_STAT__MAX];

	fx_stats(fx, before);
	udp_burst(fx, &fx->a, 32000, BURST);
	assert_int_equal(fx->n_ev_total, BURST);
	fx_stats(fx, after);
	assert_int_equal(after[EGRESS_STAT_EVENTS_EMITTED] -
			 before[EGRESS_STAT_EVENTS_EMITTED], BURST);
	assert_int_equal(after[EGRESS_STAT_EVENTS_SUPPRESSED] -
			 before[EGRESS_STAT_EVENTS_SUPPRESSED], 0);
}

/* Only repeats collapse: another destination, port, protocol or verdict is news. */
static void distinct_decisions_not_collapsed(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec specs[] = {
		spec_udp(GUEST4, 33000, SINK4, 4000),
		spec_udp(GUEST4, 33001, "198.19.0.51", 4000),
		spec_udp(GUEST4, 33002, SINK4, 4001),
		spec_tcp(GUEST4, 33003, SINK4, 4000, TH_SYN),
		spec_udp("fd00::2", 33004, "fd00::50", 4000),
		spec_udp(GUEST4, 33005, "198.19.0.52", 4000),
	};

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.19.0.52", 9);
	set_window(fx, &fx->a, 1000);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		fx_xdp(fx, &specs[i]);
		assert_int_equal(fx->n_ev, 1);
		assert_int_equal(fx->ev[0].count, 1);
	}
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		specs[i].sport += 100;
		fx_xdp(fx, &specs[i]);
		assert_no_event(fx);
	}
}

static void windows_are_per_sandbox(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec u = spec_udp(GUEST4, 34000, SINK4, 4000);

	fx_use_b(fx);
	set_window(fx, &fx->a, 1000);
	set_window(fx, &fx->b, 1000);
	assert_run(fx, fx_xdp(fx, &u), XDP_DROP);
	assert_int_equal(fx->n_ev, 1);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &u), XDP_DROP);
	assert_decision_in(fx, &fx->b, &u, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	u.sport++;
	assert_run(fx, fx_xdp(fx, &u), XDP_DROP);
	assert_no_event(fx);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &u), XDP_DROP);
	assert_no_event(fx);
}

/* Frames refused outright collapse the same way. */
static void refused_frames_collapse(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec v = spec_tcp(GUEST4, 35000, SINK4, 443, TH_SYN);
	struct egress_event want;

	v.vlan_tpid = ETH_P_8021Q;
	set_window(fx, &fx->a, 1000);
	for (int i = 0; i < 10; i++) {
		v.sport++;
		assert_run(fx, fx_xdp(fx, &v), XDP_DROP);
	}
	assert_int_equal(fx->n_ev_total, 1);
	set_window(fx, &fx->a, 50);
	sleep_ms(70);
	assert_run(fx, fx_xdp(fx, &v), XDP_DROP);
	want = ev_l2(&fx->a);
	ev_decide(&want, EGRESS_DENIED, 0, EGRESS_REASON_VLAN, EGRESS_SCOPE_NONE, 0);
	want.count = 10;
	assert_event(fx, &want);
}

/* A flow to SINK4:443 in warn mode naming sni (NULL: none): its first bytes' run. */
static void named_flow(struct fx *fx, __u16 sport, const char *sni)
{
	static __u8 hello[HELLO_MAX];
	struct hello_spec h = { .sni = sni };
	struct conn c = conn_of(GUEST4, sport, SINK4, 443);
	struct pkt_spec syn = conn_syn(&c), s;
	size_t n = hello_build(&h, hello, sizeof(hello), NULL);

	assert_true(n > 0);
	s = conn_seg(&c, 0, hello, (__u32)n);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
}

/* Named flows collapse per host name: another name is news. */
static void named_events_collapse_per_host(void **state)
{
	struct fx *fx = FX(state);
	struct egress_event want;
	struct conn c = conn_of(GUEST4, 37100, SINK4, 443);
	struct pkt_spec s = conn_seg(&c, 0, NULL, 10);

	fx_mode(fx, EGRESS_MODE_WARN);
	set_window(fx, &fx->a, 1000);
	named_flow(fx, 37000, "a.example.com");
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].count, 1);
	named_flow(fx, 37001, "a.example.com");
	assert_no_event(fx);
	named_flow(fx, 37002, "A.EXAMPLE.COM.");	/* the same name */
	assert_no_event(fx);
	named_flow(fx, 37003, "b.example.com");
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].host_len, strlen("b.example.com"));
	named_flow(fx, 37004, "b.example.com");
	assert_no_event(fx);
	named_flow(fx, 37005, NULL);			/* no name: news too */
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].host_len, 0);
	named_flow(fx, 37006, NULL);
	assert_no_event(fx);

	set_window(fx, &fx->a, 50);
	sleep_ms(70);
	named_flow(fx, 37007, "a.example.com");
	want = ev_of(&fx->a, &s);
	want.sport = 37007;
	want.proto = EGRESS_PROTO_TLS;
	ev_host(&want, "a.example.com");
	ev_decide(&want, EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED,
		  EGRESS_SCOPE_NONE, 0);
	want.count = 3;
	assert_event(fx, &want);
}

/*
 * A reader that falls behind loses events, never silently: every decision
 * whose event found no room is counted.
 */
static void full_ring_counts_lost_decisions(void **state)
{
	struct fx *fx = FX(state);
	__u64 before[EGRESS_STAT__MAX], after[EGRESS_STAT__MAX];
	size_t ring_events = EGRESS_RINGBUF_BYTES / sizeof(struct egress_event);
	__u32 runs = (__u32)(ring_events + ring_events / 8);

	fx_stats(fx, before);
	assert_true(runs < 60000);
	for (__u32 i = 0; i < runs; i++) {
		struct pkt_spec u = spec_udp(GUEST4, (__u16)(1024 + i), SINK4, 4000);
		struct egress_run run = {
			.frame = fx->frame,
			.ifindex = fx->a.ifindex,
		};

		run.len = (__u32)frame_build(&u, fx->frame, sizeof(fx->frame));
		assert_int_equal(egress_dp_run_xdp(fx->dp, &run), 0);
		assert_int_equal(run.action, XDP_DROP);
	}
	fx_stats(fx, after);
	fx->n_ev_total = 0;
	while (egress_dp_events_consume(fx->dp) > 0)
		;
	assert_true(after[EGRESS_STAT_EVENTS_LOST] > before[EGRESS_STAT_EVENTS_LOST]);
	assert_int_equal(after[EGRESS_STAT_EVENTS_EMITTED] -
			 before[EGRESS_STAT_EVENTS_EMITTED], fx->n_ev_total);
	assert_int_equal(after[EGRESS_STAT_EVENTS_EMITTED] -
			 before[EGRESS_STAT_EVENTS_EMITTED] +
			 after[EGRESS_STAT_EVENTS_LOST] -
			 before[EGRESS_STAT_EVENTS_LOST], runs);
}

/* Every event the counters say was written is one the reader received. */
static void emitted_matches_received(void **state)
{
	struct fx *fx = FX(state);
	struct pkt_spec ok = spec_tcp(GUEST4, 36000, "198.18.0.1", 443, TH_SYN);
	struct pkt_spec no = spec_tcp("fd00::2", 36001, "fd00::1", 443, TH_SYN);
	struct pkt_spec frag = spec_udp(GUEST4, 36002, SINK4, 4000);
	struct pkt_spec vlan = spec_udp(GUEST4, 36003, SINK4, 4000);
	__u64 before[EGRESS_STAT__MAX], after[EGRESS_STAT__MAX];

	frag.ip_frag = IPV4_MF;
	vlan.vlan_tpid = ETH_P_8021AD;
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.18.0.1", 1);
	fx_stats(fx, before);
	fx->n_ev_total = 0;
	for (int round = 0; round < 5; round++) {
		fx_xdp(fx, &ok);
		fx_xdp(fx, &no);
		fx_xdp(fx, &frag);
		fx_xdp(fx, &vlan);
		ok.sport += 2;
		no.sport += 2;
	}
	fx_stats(fx, after);
	assert_int_equal(fx->n_ev_total, 5 * 4);
	assert_int_equal(after[EGRESS_STAT_EVENTS_EMITTED] -
			 before[EGRESS_STAT_EVENTS_EMITTED], fx->n_ev_total);
	assert_int_equal(after[EGRESS_STAT_EVENTS_LOST] -
			 before[EGRESS_STAT_EVENTS_LOST], 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest events[] = {
		fx_test(burst_collapses_into_one_event),
		fx_test(repeat_after_quiet_window_counts_one),
		fx_test(window_zero_reports_every_decision),
		fx_test(distinct_decisions_not_collapsed),
		fx_test(windows_are_per_sandbox),
		fx_test(refused_frames_collapse),
		fx_test(named_events_collapse_per_host),
		fx_test(emitted_matches_received),
		fx_test(full_ring_counts_lost_decisions),
	};
	const struct fx_group groups[] = {
		FX_GROUP("events", events),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
