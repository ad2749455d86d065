// SPDX-License-Identifier: GPL-2.0-only
/*
 * DNS over TCP (port 53): the guest's stream cut at its length prefixes,
 * every query decided by its name as over UDP, whatever the segmenting;
 * a denied query resets the connection before its last byte reaches the
 * resolver. Answers from the resolver (tc) bind like answers over UDP.
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "harness.h"
#include "dns_fx.h"

#define GUEST4	"198.18.0.2"
#define GUEST6	"fd00::2"
#define RES4	FX_RESOLVER4
#define RES6	FX_RESOLVER6
#define OTHER4	"198.19.0.53"
#define ADDR4	"198.18.7.1"
#define PEER_ISN	90000

static __u16 next_port = 52000;
static __u16 next_id = 0x300;

/* A stream: queries, each behind its two-byte length. */
struct dstream {
	__u8 b[8192];
	size_t len;
	size_t end[16];		/* where each message ends */
	int n;
};

static void put_msg(struct dstream *d, const __u8 *msg, size_t n)
{
	d->b[d->len] = (__u8)(n >> 8);
	d->b[d->len + 1] = (__u8)n;
	memcpy(d->b + d->len + 2, msg, n);
	d->len += 2 + n;
	d->end[d->n++] = d->len;
}

static void put_query(struct dstream *d, const char *name)
{
	__u8 msg[512];
	size_t n = fx_query_build(name, 1, next_id++, msg, sizeof(msg));

	assert_true(n > 0);
	put_msg(d, msg, n);
}

static void policy(struct fx *fx)
{
	fx_resolver(fx, RES4);
	fx_resolver(fx, RES6);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 1);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 2);
}

/* A connection to dst:53 whose SYN passed silently. */
static struct conn open_to(struct fx *fx, const char *dst)
{
	struct conn c = conn_of(strchr(dst, ':') ? GUEST6 : GUEST4, next_port++, dst, 53);
	struct pkt_spec syn = conn_syn(&c);

	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	return c;
}

#define assert_query(fx, s, host, verdict, flags, reason, scope, rule)	\
	assert_named(fx, s, EGRESS_PROTO_DNS, host, verdict, flags, reason, scope, rule)

/* Event i of the last run names host, with this verdict. */
static void assert_ev_host(const struct fx *fx, int i, const char *host, __u8 verdict)
{
	assert_true(i < fx->n_ev);
	assert_int_equal(fx->ev[i].proto, EGRESS_PROTO_DNS);
	assert_int_equal(fx->ev[i].l4proto, IPPROTO_TCP);
	assert_int_equal(fx->ev[i].verdict, verdict);
	assert_int_equal(fx->ev[i].host_len, strlen(host));
	assert_memory_equal(fx->ev[i].host, host, strlen(host));
}

/* ---- queries ---------------------------------------------------------------- */

static void one_query_per_segment(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	put_query(&d, "api.example.com");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
	s = conn_seg(&c, (__u32)d.end[0], d.b + d.end[0], (__u32)(d.end[1] - d.end[0]));
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "api.example.com", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2);
	/* over IPv6 too */
	c = open_to(fx, RES6);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
}

static void two_queries_in_one_segment(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	put_query(&d, "www.example.com");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_int_equal(fx->n_ev, 2);
	assert_ev_host(fx, 0, "pypi.org", EGRESS_ALLOWED);
	assert_ev_host(fx, 1, "www.example.com", EGRESS_ALLOWED);

	/* an allowed query and a denied one: the segment never leaves */
	d = (struct dstream){};
	put_query(&d, "files.example.com");
	put_query(&d, "tunnel.evil.test");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_int_equal(fx->n_ev, 2);
	assert_ev_host(fx, 0, "files.example.com", EGRESS_ALLOWED);
	assert_ev_host(fx, 1, "tunnel.evil.test", EGRESS_DENIED);
	assert_int_equal(fx->ev[1].reason, EGRESS_REASON_NOT_ALLOWLISTED);
}

/* One byte a segment: every byte but the last passes, the last decides. */
static void query_split_byte_by_byte(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	c = open_to(fx, RES4);
	stream_quiet(fx, &c, d.b, 0, d.len - 1, 1);
	s = conn_seg(&c, (__u32)d.len - 1, d.b + d.len - 1, 1);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);

	/* the same for a denied one: its last byte is refused */
	d = (struct dstream){};
	put_query(&d, "bytewise.evil.test");
	c = open_to(fx, RES4);
	stream_quiet(fx, &c, d.b, 0, d.len - 1, 1);
	s = conn_seg(&c, (__u32)d.len - 1, d.b + d.len - 1, 1);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_query(fx, &s, "bytewise.evil.test", EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/* The length alone, then the message; then a message and the next one's length. */
static void prefix_split_from_body(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	put_query(&d, "cdn.example.com");
	c = open_to(fx, RES4);
	stream_quiet(fx, &c, d.b, 0, 2, 2);
	s = conn_seg(&c, 2, d.b + 2, (__u32)d.end[0]);	/* query 1 and query 2's length */
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
	s = conn_seg(&c, (__u32)d.end[0] + 2, d.b + d.end[0] + 2,
		     (__u32)(d.len - d.end[0] - 2));
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "cdn.example.com", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2);
}

/* An allowed first query does not open the connection to what follows. */
static void denied_second_query(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	put_query(&d, "aGVsbG8gd29ybGQ.tunnel.evil.test");
	put_query(&d, "www.example.com");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
	s = conn_seg(&c, (__u32)d.end[0], d.b + d.end[0], (__u32)(d.end[1] - d.end[0]));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_query(fx, &s, "agvsbg8gd29ybgq.tunnel.evil.test", EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	/* the connection is done: nothing more leaves on it, not even an allowed query */
	s = conn_seg(&c, (__u32)d.end[1], d.b + d.end[1], (__u32)(d.end[2] - d.end[1]));
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);
	/* a name deny rule wins over an allow */
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "www.example.com", 9);
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b + d.end[1], (__u32)(d.end[2] - d.end[1]));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, "www.example.com", EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
		     EGRESS_SCOPE_GLOBAL, 9);
}

/* Not a resolver: refused at its SYN, unless an IP rule allows it; names still judged. */
static void query_to_other_server(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, next_port++, OTHER4, 53);
	struct pkt_spec syn = conn_syn(&c), s;
	struct dstream d = {};

	policy(fx);
	assert_run(fx, fx_xdp(fx, &syn), XDP_TX);
	assert_rst_for(fx, &syn);
	assert_named(fx, &syn, EGRESS_PROTO_DNS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.19.0.0/24", 5);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "*.evil.test", 6);
	put_query(&d, "anything.test");
	put_query(&d, "x.evil.test");
	c = open_to(fx, OTHER4);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "anything.test", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 5);
	s = conn_seg(&c, (__u32)d.end[0], d.b + d.end[0], (__u32)(d.end[1] - d.end[0]));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, "x.evil.test", EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
		     EGRESS_SCOPE_SANDBOX, 6);
}

/* An IP rule for the resolver does not let its queries past the names. */
static void resolver_ip_rule_no_bypass(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, RES4 "/32", 7);
	put_query(&d, "c2.evil.test");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_query(fx, &s, "c2.evil.test", EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
		     EGRESS_SCOPE_NONE, 0);
}

static void oversized_and_malformed(void **state)
{
	struct fx *fx = FX(state);
	__u8 big[2 + 600] = { 600 >> 8, 600 & 0xff };
	__u8 tiny[2 + 4] = { 0, 4 };
	__u8 answer[2 + 512];
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	struct conn c;
	struct pkt_spec s;
	size_t n;

	policy(fx);
	/* a length no query we take has: refused at its length */
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, big, 2);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_query(fx, &s, NULL, EGRESS_DENIED, 0, EGRESS_REASON_HELLO_TOO_LARGE,
		     EGRESS_SCOPE_NONE, 0);
	/* shorter than a header */
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, tiny, sizeof(tiny));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, NULL, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
		     EGRESS_SCOPE_NONE, 0);
	/* not a query (QR set): parsed strictly as over UDP */
	n = fx_answer_build(&a, 0x77, answer + 2, sizeof(answer) - 2);
	answer[0] = (__u8)(n >> 8);
	answer[1] = (__u8)n;
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, answer, (__u32)n + 2);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, NULL, EGRESS_DENIED, 0, EGRESS_REASON_PARSE_FAILURE,
		     EGRESS_SCOPE_NONE, 0);
}

/* Out of order: dropped until the gap is filled; rewritten bytes: refused. */
static void order_and_rewrite(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {}, e;
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 10, d.b + 10, (__u32)d.len - 10);
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);
	stream_quiet(fx, &c, d.b, 0, 10, 10);
	s = conn_seg(&c, 0, d.b, (__u32)d.len);		/* resent whole */
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
	s = conn_seg(&c, 0, d.b, (__u32)d.len);		/* resent again: the same bytes */
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);

	/* a retransmission that would swap the name the resolver has */
	e = d;
	memcpy(e.b + 15, "evil", 4);
	s = conn_seg(&c, 0, e.b, (__u32)e.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, NULL, EGRESS_DENIED, 0, EGRESS_REASON_REWRITE,
		     EGRESS_SCOPE_NONE, 0);
}

/* Met mid-stream, where its queries start is unknown: refused. */
static void midstream_refused(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c = conn_of(GUEST4, next_port++, RES4, 53);
	struct pkt_spec s;

	policy(fx);
	put_query(&d, "pypi.org");
	s = conn_seg(&c, 0, d.b, (__u32)d.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, NULL, EGRESS_DENIED, 0, EGRESS_REASON_NO_NAME,
		     EGRESS_SCOPE_NONE, 0);
}

/* Opened in allow-all, uninspected: once the mode is deny, refused. */
static void opened_before_deny(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	put_query(&d, "pypi.org");
	put_query(&d, "later.evil.test");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	fx_mode(fx, EGRESS_MODE_DENY);
	s = conn_seg(&c, (__u32)d.end[0], d.b + d.end[0], (__u32)(d.end[1] - d.end[0]));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_query(fx, &s, NULL, EGRESS_DENIED, 0, EGRESS_REASON_NO_NAME,
		     EGRESS_SCOPE_NONE, 0);
	/* a new connection on the same ports is inspected from its SYN */
	c.isn += 5000;
	s = conn_syn(&c);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
}

/* A sandbox without a flow table: its streams cannot be followed. */
static void no_flow_table(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, next_port++, RES4, 53);
	struct pkt_spec syn = conn_syn(&c);

	fx_use_b_without_flows(fx);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &syn), XDP_TX);
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].verdict, EGRESS_DENIED);
	assert_int_equal(fx->ev[0].reason, EGRESS_REASON_FLOW_TABLE_FULL);
	assert_int_equal(fx->ev[0].proto, EGRESS_PROTO_DNS);
}

/* Warn mode: every query passes, a denied one audited as would-deny. */
static void warn_mode(void **state)
{
	struct fx *fx = FX(state);
	struct dstream d = {};
	struct conn c;
	struct pkt_spec s;

	policy(fx);
	fx_mode(fx, EGRESS_MODE_WARN);
	put_query(&d, "warned.evil.test");
	put_query(&d, "pypi.org");
	c = open_to(fx, RES4);
	s = conn_seg(&c, 0, d.b, (__u32)d.end[0]);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "warned.evil.test", EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	s = conn_seg(&c, (__u32)d.end[0], d.b + d.end[0], (__u32)(d.end[1] - d.end[0]));
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, "pypi.org", EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
	/* an oversized message: audited, then the flow passes uninspected */
	c = open_to(fx, RES4);
	d.b[0] = 0x40;
	s = conn_seg(&c, 0, d.b, 2);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_query(fx, &s, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_HELLO_TOO_LARGE, EGRESS_SCOPE_NONE, 0);
}

/* ---- answers ---------------------------------------------------------------- */

static __u64 stat_of(struct fx *fx, __u32 idx)
{
	__u64 st[EGRESS_STAT__MAX];

	fx_stats(fx, st);
	return st[idx];
}

/* The resolver's segment of c with its stream bytes [off, off + len) (tc). */
static __u32 peer_seg(struct fx *fx, const struct conn *c, __u8 flags, __u32 off,
		      const __u8 *bytes, __u32 len)
{
	struct pkt_spec s = spec_tcp(c->dst, c->dport, c->src, c->sport, flags);

	s.seq = PEER_ISN + off + !(flags & TH_SYN);
	s.ack_seq = c->isn + 1;
	s.payload = bytes;
	s.payload_len = len;
	return fx_tc(fx, &s);
}

static void answer_binds(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	struct fx_answer b = { .qname = "www.example.com", .ttl = 60, .n_addrs = 1,
			       .addrs = { "198.18.7.2" } };
	struct fx_answer x = { .qname = "big.example.com", .ttl = 60, .n_addrs = 1,
			       .addrs = { "198.18.7.3" } };
	struct dstream q = {}, r = {};
	__u64 bound = stat_of(fx, EGRESS_STAT_DNS_ANSWERS_BOUND);
	__u64 malformed = stat_of(fx, EGRESS_STAT_DNS_ANSWERS_MALFORMED);
	__u8 msg[512];
	__u32 at, sent;
	struct conn c;
	struct pkt_spec s;
	size_t n;

	policy(fx);
	put_query(&q, "pypi.org");
	put_query(&q, "www.example.com");
	put_query(&q, "big.example.com");
	c = open_to(fx, RES4);
	assert_run_tc(fx, peer_seg(fx, &c, TH_SYN | TH_ACK, 0, NULL, 0), TC_ACT_OK);
	s = conn_seg(&c, 0, q.b, (__u32)q.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_int_equal(fx->n_ev, 3);

	/* answers to the three, with the IDs put_query gave (in order) */
	n = fx_answer_build(&a, (__u16)(next_id - 3), msg, sizeof(msg));
	put_msg(&r, msg, n);
	n = fx_answer_build(&b, (__u16)(next_id - 2), msg, sizeof(msg));
	put_msg(&r, msg, n);
	n = fx_answer_build(&x, (__u16)(next_id - 1), msg, sizeof(msg));
	put_msg(&r, msg, n);
	assert_false(fx_is_bound(fx, &fx->a, ADDR4, "pypi.org"));
	/* the first whole; the second whole with the third's start; its rest */
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, 0, r.b, (__u32)r.end[0]),
		      TC_ACT_OK);
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "pypi.org"));
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, (__u32)r.end[0],
				   r.b + r.end[0], (__u32)(r.end[2] - 10 - r.end[0])),
		      TC_ACT_OK);
	assert_true(fx_is_bound(fx, &fx->a, "198.18.7.2", "www.example.com"));
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, (__u32)r.end[2] - 10,
				   r.b + r.end[2] - 10, 10), TC_ACT_OK);
	/* an answer split across segments is held until whole */
	assert_true(fx_is_bound(fx, &fx->a, "198.18.7.3", "big.example.com"));
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_BOUND), bound + 3);
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_MALFORMED), malformed);
	assert_no_event(fx);

	/* the answer after it is found again */
	at = (__u32)r.len;
	sent = (__u32)q.len;
	r = (struct dstream){};
	q = (struct dstream){};
	put_query(&q, "late.example.com");
	s = conn_seg(&c, sent, q.b, (__u32)q.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	x.qname = "late.example.com";
	x.addrs[0] = "198.18.7.4";
	n = fx_answer_build(&x, (__u16)(next_id - 1), msg, sizeof(msg));
	put_msg(&r, msg, n);
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, at, r.b, (__u32)r.len),
		      TC_ACT_OK);
	assert_true(fx_is_bound(fx, &fx->a, "198.18.7.4", "late.example.com"));
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_BOUND), bound + 4);
}

/*
 * A long answer (30 addresses) in pieces of 7 bytes, its length prefix in
 * a segment of its own: bound once whole. Then a length prefix split in
 * two: where answers start is lost, nothing more binds (counted).
 */
static void answer_in_pieces(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "mirror.example.com", .ttl = 60, .n_addrs = 30 };
	struct fx_answer b = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	char addrs[30][16];
	struct dstream q = {}, r = {};
	__u64 malformed = stat_of(fx, EGRESS_STAT_DNS_ANSWERS_MALFORMED);
	__u8 msg[1024];
	struct conn c;
	struct pkt_spec s;
	size_t n, off;

	for (int i = 0; i < 30; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "198.18.9.%d", i + 1);
		a.addrs[i] = addrs[i];
	}
	policy(fx);
	put_query(&q, "mirror.example.com");
	put_query(&q, "pypi.org");
	c = open_to(fx, RES4);
	assert_run_tc(fx, peer_seg(fx, &c, TH_SYN | TH_ACK, 0, NULL, 0), TC_ACT_OK);
	s = conn_seg(&c, 0, q.b, (__u32)q.len);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	n = fx_answer_build(&a, (__u16)(next_id - 2), msg, sizeof(msg));
	assert_true(n > 300);
	put_msg(&r, msg, n);
	n = fx_answer_build(&b, (__u16)(next_id - 1), msg, sizeof(msg));
	put_msg(&r, msg, n);
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, 0, r.b, 2), TC_ACT_OK);
	for (off = 2; off + 7 < r.end[0]; off += 7) {
		assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, (__u32)off, r.b + off, 7),
			      TC_ACT_OK);
		/* a piece again: nothing changes */
		assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, (__u32)off, r.b + off, 7),
			      TC_ACT_OK);
	}
	assert_false(fx_is_bound(fx, &fx->a, "198.18.9.1", "mirror.example.com"));
	/* its end, and the next answer's first byte */
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, (__u32)off, r.b + off,
				   (__u32)(r.end[0] + 1 - off)), TC_ACT_OK);
	assert_true(fx_is_bound(fx, &fx->a, "198.18.9.1", "mirror.example.com"));
	assert_true(fx_is_bound(fx, &fx->a, "198.18.9.16", "mirror.example.com"));
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_MALFORMED), malformed + 1);
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, (__u32)r.end[0] + 1,
				   r.b + r.end[0] + 1, (__u32)(r.len - r.end[0] - 1)), TC_ACT_OK);
	assert_false(fx_is_bound(fx, &fx->a, ADDR4, "pypi.org"));
}

/* An answer to a denied query, or to no query, binds nothing. */
static void answer_unsolicited(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "tunnel.evil.test", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	struct dstream r = {};
	__u8 msg[512];
	struct conn c;
	size_t n;

	policy(fx);
	c = open_to(fx, RES4);
	assert_run_tc(fx, peer_seg(fx, &c, TH_SYN | TH_ACK, 0, NULL, 0), TC_ACT_OK);
	n = fx_answer_build(&a, 0x999, msg, sizeof(msg));
	put_msg(&r, msg, n);
	assert_run_tc(fx, peer_seg(fx, &c, TH_ACK | TH_PSH, 0, r.b, (__u32)r.len), TC_ACT_OK);
	assert_false(fx_is_bound(fx, &fx->a, ADDR4, "tunnel.evil.test"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest queries[] = {
		fx_test(one_query_per_segment),
		fx_test(two_queries_in_one_segment),
		fx_test(query_split_byte_by_byte),
		fx_test(prefix_split_from_body),
		fx_test(denied_second_query),
		fx_test(query_to_other_server),
		fx_test(resolver_ip_rule_no_bypass),
		fx_test(oversized_and_malformed),
		fx_test(order_and_rewrite),
		fx_test(midstream_refused),
		fx_test(opened_before_deny),
		fx_test(no_flow_table),
		fx_test(warn_mode),
	};
	const struct CMUnitTest answers[] = {
		fx_test(answer_binds),
		fx_test(answer_in_pieces),
		fx_test(answer_unsolicited),
	};
	const struct fx_group groups[] = {
		FX_GROUP("queries", queries),
		FX_GROUP("answers", answers),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
