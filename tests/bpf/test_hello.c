// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 4 step 6, the stream: a ClientHello or HTTP request head
 * however it is cut into segments and records (one frame, a GSO
 * super-frame, two segments with the SNI in the second, 1-byte segments,
 * cuts inside headers and the name, several records, the SYN), in order
 * only (retransmissions that rewrite inspected bytes, out-of-order
 * segments), within its size and segment caps, and every way it can be
 * malformed or name a host badly. ECH and HTTP requests too.
 *
 * Unless a test says otherwise: mode deny, the sandbox allows the name
 * api.example.com (rule 1) and no address, so every flow waits for its
 * name, which decides it.
 */
#include <stdio.h>
#include <string.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"
#include "dns_fx.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"

#define NAME	"api.example.com"	/* allowed */
#define OTHER	"www.example.com"	/* not */
#define MSS	1448


/*
 * Every test starts as a guest that has resolved these names to the peers
 * through the data path (DNS binding, DESIGN section 4): what it does next
 * is what these tests are about. Bindings are judged against the rules a
 * test sets, when a flow uses them; test_dns.c tests the bindings
 * themselves.
 */
static const char *const bound_names[] = {
	"api.example.com", "www.example.com", "www.example.net",
};

static int bound_setup(void **state)
{
	static const char *const peers[] = { PEER4, PEER6 };
	struct fx *fx;

	if (fx_setup(state))
		return -1;
	fx = *state;
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
		for (size_t j = 0; j < sizeof(bound_names) / sizeof(bound_names[0]); j++)
			fx_bind_in(fx, &fx->a, bound_names[j], peers[i], 3600);
	return 0;
}

#undef fx_test
#define fx_test(f) cmocka_unit_test_setup(f, bound_setup)

static __u16 next_port = 35000;
static __u8 raw[2 * HELLO_MAX];
static __u8 alt[2 * HELLO_MAX];
static __u8 hs[HELLO_MAX];

static void allow_name(struct fx *fx)
{
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, NAME, 1);
}

static struct conn new_conn(const char *dst)
{
	return conn_of(strchr(dst, ':') ? GUEST6 : GUEST4, next_port++, dst, 443);
}

/* A ClientHello of spec into raw; its length. */
static size_t build(const struct hello_spec *spec, struct hello_layout *lay)
{
	size_t n = hello_build(spec, raw, sizeof(raw), lay);

	assert_true(n > 0);
	return n;
}

static size_t hello_named(const char *sni)
{
	struct hello_spec h = { .sni = sni };

	return build(&h, NULL);
}

static size_t text(const char *t)
{
	size_t n = strlen(t);

	memcpy(raw, t, n);
	return n;
}

/*
 * The last run was segment s, and it decided the flow so: passed when
 * allowed, answered with an RST when denied.
 */
static void decided_at(struct fx *fx, const struct pkt_spec *s, __u8 proto,
		       const char *host, __u8 verdict, __u8 flags, __u8 reason,
		       __u8 scope, __u32 rule_id, const char *file, int line)
{
	if (verdict == EGRESS_ALLOWED)
		check_action(fx, fx->action, XDP_PASS, false, file, line);
	else
		check_rst_for(fx, s, file, line);
	check_named(fx, &fx->a, s, proto, host, verdict, flags, reason, scope,
		    rule_id, file, line);
}

#define allowed_named(fx, s, proto)					\
	decided_at(fx, s, proto, NAME, EGRESS_ALLOWED, 0,		\
		   EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1,	\
		   __FILE__, __LINE__)
#define denied_named(fx, s, proto, host)				\
	decided_at(fx, s, proto, host, EGRESS_DENIED, 0,		\
		   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0,	\
		   __FILE__, __LINE__)
#define failed(fx, s, proto, reason)					\
	decided_at(fx, s, proto, NULL, EGRESS_DENIED, 0, reason,	\
		   EGRESS_SCOPE_NONE, 0, __FILE__, __LINE__)
/*
 * A flow that carries no name, to a peer an allowed name (NAME, rule 1) is
 * bound to: the binding admits it (DESIGN section 4, "DNS binding").
 */
#define admitted(fx, s, proto)						\
	decided_at(fx, s, proto, NULL, EGRESS_ALLOWED, 0,		\
		   EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1,	\
		   __FILE__, __LINE__)
#define warned(fx, s, proto, host, reason)				\
	decided_at(fx, s, proto, host, EGRESS_ALLOWED, WOULD_DENY, reason, \
		   EGRESS_SCOPE_NONE, 0, __FILE__, __LINE__)

/* After the verdict: the segment at off passes, or is dropped, silently. */
static void then_at(struct fx *fx, const struct conn *c, size_t off,
		    __u32 action, const char *file, int line)
{
	struct pkt_spec s = conn_seg(c, (__u32)off, NULL, 500);

	check_action(fx, fx_xdp(fx, &s), action, false, file, line);
	check_events(fx, NULL, 0, file, line);
}

#define then_passes(fx, c, off) then_at(fx, c, off, XDP_PASS, __FILE__, __LINE__)
#define then_dropped(fx, c, off) then_at(fx, c, off, XDP_DROP, __FILE__, __LINE__)

/*
 * Sends b[0..len) cut at cuts[0..n) (ascending, inside the stream): every
 * segment but the last must pass silently. Returns the last, sent.
 */
static struct pkt_spec send_cut_at(struct fx *fx, const struct conn *c,
				   const __u8 *b, size_t len, const size_t *cuts,
				   int n, const char *file, int line)
{
	size_t from = 0;
	struct pkt_spec s;

	for (int i = 0; i < n; i++) {
		if (cuts[i] <= from || cuts[i] >= len)
			fail_msg("%s:%d: bad cut %zu", file, line, cuts[i]);
		fx_stream_quiet(fx, c, b, from, cuts[i], cuts[i] - from, file, line);
		from = cuts[i];
	}
	s = conn_seg(c, (__u32)from, b + from, (__u32)(len - from));
	fx_xdp(fx, &s);
	return s;
}

#define send_cut(fx, c, b, len, cuts, n) \
	send_cut_at(fx, c, b, len, cuts, n, __FILE__, __LINE__)

/* Sends b[0..len) in segments of seg bytes; returns the last, sent. */
static struct pkt_spec send_in_at(struct fx *fx, const struct conn *c,
				  const __u8 *b, size_t len, size_t seg,
				  const char *file, int line)
{
	size_t last = len > seg ? (len - 1) / seg * seg : 0;
	struct pkt_spec s;

	fx_stream_quiet(fx, c, b, 0, last, seg, file, line);
	s = conn_seg(c, (__u32)last, b + last, (__u32)(len - last));
	fx_xdp(fx, &s);
	return s;
}

#define send_in(fx, c, b, len, seg) send_in_at(fx, c, b, len, seg, __FILE__, __LINE__)

/*
 * A new flow to dst: SYN (waits), then b[0..len) cut at cuts. Checks that
 * the last segment decides: NAME allowed, OTHER denied (as proto).
 */
static void cut_hello_at(struct fx *fx, const char *dst, const __u8 *b,
			 size_t len, const size_t *cuts, int n, bool allowed,
			 __u8 proto, const char *file, int line)
{
	struct conn c = new_conn(dst);
	struct pkt_spec s;

	fx_syn_pending(fx, &c, file, line);
	s = send_cut_at(fx, &c, b, len, cuts, n, file, line);
	if (allowed)
		decided_at(fx, &s, proto, NAME, EGRESS_ALLOWED, 0,
			   EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1,
			   file, line);
	else
		decided_at(fx, &s, proto, OTHER, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0,
			   file, line);
	then_at(fx, &c, len, allowed ? XDP_PASS : XDP_DROP, file, line);
}

#define cut_hello(fx, dst, b, len, cuts, n, allowed) \
	cut_hello_at(fx, dst, b, len, cuts, n, allowed, EGRESS_PROTO_TLS, __FILE__, __LINE__)

/* ---- how the ClientHello is cut ------------------------------------------- */

static void hello_in_one_frame(void **state)
{
	struct fx *fx = FX(state);
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	cut_hello(fx, PEER4, raw, n, NULL, 0, true);
	cut_hello(fx, PEER6, raw, n, NULL, 0, true);
	n = hello_named(OTHER);
	cut_hello(fx, PEER4, raw, n, NULL, 0, false);
	cut_hello(fx, PEER6, raw, n, NULL, 0, false);
}

/* Data right behind the ClientHello, in the same segment. */
static void hello_and_data_in_one_segment(void **state)
{
	struct fx *fx = FX(state);
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	memset(raw + n, 0x17, 1000);
	cut_hello(fx, PEER4, raw, n + 1000, NULL, 0, true);
	n = hello_named(OTHER);
	memset(raw + n, 0x17, 1000);
	cut_hello(fx, PEER6, raw, n + 1000, NULL, 0, false);
}

/*
 * TSO: the ClientHello (or request head) and 20 KB of what follows in one
 * super-frame, more than an MTU and more than the bytes a flow holds. The
 * name is in the first few hundred bytes: it decides, not the size.
 */
static void hello_in_gso_superframe(void **state)
{
	struct fx *fx = FX(state);
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	memset(raw + n, 0x17, 20000 - n);
	cut_hello(fx, PEER4, raw, 20000, NULL, 0, true);
	cut_hello(fx, PEER6, raw, 20000, NULL, 0, true);
	n = hello_named(OTHER);
	memset(raw + n, 0x17, 20000 - n);
	cut_hello(fx, PEER4, raw, 20000, NULL, 0, false);
	n = text("POST /up HTTP/1.1\r\nHost: api.example.com\r\n"
		 "Content-Length: 19950\r\n\r\n");
	memset(raw + n, 'x', 20000 - n);
	cut_hello_at(fx, PEER4, raw, 20000, NULL, 0, true, EGRESS_PROTO_HTTP,
		     __FILE__, __LINE__);
}

/* ... but a ClientHello not complete within the cap is too large, however sent. */
static void unfinished_hello_in_gso_superframe(void **state)
{
	struct fx *fx = FX(state);
	/* a message within the handshake cap, in records that take more */
	struct hello_spec h = { .sni = NAME, .padding = 7800, .record_size = 100 };
	struct hello_layout lay;
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = build(&h, &lay);
	assert_true(lay.hs_len <= EGRESS_HELLO_RAW_CAP - 4);
	assert_true(n > EGRESS_HELLO_RAW_CAP);
	memset(raw + n, 0x17, 20000 - n);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, 20000);
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_HELLO_TOO_LARGE);
	then_dropped(fx, &c, 20000);
	/* neither TLS nor HTTP: no name, whatever its size */
	c = new_conn(PEER6);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, NULL, 20000);
	fx_xdp(fx, &s);
	admitted(fx, &s, EGRESS_PROTO_TCP);
}

/*
 * A post-quantum ClientHello (X25519MLKEM768: 1.8 KB) spans two MSS-sized
 * segments, with the key share first and the SNI in the second.
 */
static void pq_hello_sni_in_second_segment(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .key_share = 1216, .sni_last = true,
				.padding = 300 };
	struct hello_layout lay;
	size_t n, cut = MSS;

	allow_name(fx);
	n = build(&h, &lay);
	assert_in_range(n, 1700, 1900);
	assert_true(tls_raw_off(lay.sni_name, 0) > MSS);
	cut_hello(fx, PEER4, raw, n, &cut, 1, true);
	cut_hello(fx, PEER6, raw, n, &cut, 1, true);
	h.sni = OTHER;
	n = build(&h, &lay);
	cut_hello(fx, PEER4, raw, n, &cut, 1, false);
}

static void hello_in_one_byte_segments(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	syn_pending(fx, &c);
	s = send_in(fx, &c, raw, n, 1);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
	then_passes(fx, &c, n);

	n = hello_named(OTHER);
	syn_pending(fx, &d);
	s = send_in(fx, &d, raw, n, 1);
	denied_named(fx, &s, EGRESS_PROTO_TLS, OTHER);
	then_dropped(fx, &d, n);
}

static void cut_inside_record_header(void **state)
{
	struct fx *fx = FX(state);
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	for (size_t cut = 1; cut <= 5; cut++)
		cut_hello(fx, PEER4, raw, n, &cut, 1, true);
	/* and inside the handshake header */
	for (size_t cut = 6; cut <= 9; cut++)
		cut_hello(fx, PEER6, raw, n, &cut, 1, true);
}

static void cut_inside_extension_header(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .sni_last = true };
	struct hello_layout lay;
	size_t n;

	allow_name(fx);
	n = build(&h, &lay);
	for (size_t k = 1; k < 4; k++) {
		size_t cut = tls_raw_off(lay.sni_ext + k, 0);

		cut_hello(fx, PEER4, raw, n, &cut, 1, true);
	}
	h.sni = OTHER;
	n = build(&h, &lay);
	for (size_t k = 1; k < 4; k++) {
		size_t cut = tls_raw_off(lay.sni_ext + k, 0);

		cut_hello(fx, PEER4, raw, n, &cut, 1, false);
	}
}

static void cut_inside_server_name(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME };
	struct hello_layout lay;
	size_t n, cuts[3];

	allow_name(fx);
	n = build(&h, &lay);
	cuts[0] = tls_raw_off(lay.sni_name - 2, 0);	/* in the name's length */
	cuts[1] = tls_raw_off(lay.sni_name + 3, 0);	/* "api|.example.com" */
	cuts[2] = tls_raw_off(lay.sni_name + 4, 0);	/* "api.|example.com" */
	cut_hello(fx, PEER4, raw, n, cuts, 3, true);
	cut_hello(fx, PEER6, raw, n, &cuts[1], 1, true);
	h.sni = OTHER;
	n = build(&h, &lay);
	cut_hello(fx, PEER4, raw, n, cuts, 3, false);
}

/* The handshake message split over several TLS records. */
static void hello_across_records(void **state)
{
	static const __u32 sizes[] = { 1, 2, 3, 7, 64, 100, 200 };
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME };
	struct hello_layout lay;
	size_t n;

	allow_name(fx);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t cuts[2];

		h.record_size = sizes[i];
		n = build(&h, &lay);
		cut_hello(fx, PEER4, raw, n, NULL, 0, true);
		/* segments cut elsewhere than the records are */
		cuts[0] = tls_raw_off(lay.sni_name, sizes[i]) - 1;
		cuts[1] = cuts[0] + 9;
		cut_hello(fx, PEER6, raw, n, cuts, 2, true);
	}
	h.record_size = 50;
	h.sni = OTHER;
	n = build(&h, &lay);
	cut_hello(fx, PEER4, raw, n, NULL, 0, false);
}

static void hello_across_records_in_one_byte_segments(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .record_size = 33 };
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = build(&h, NULL);
	syn_pending(fx, &c);
	s = send_in(fx, &c, raw, n, 1);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
}

/* TCP Fast Open: the ClientHello in the SYN, from seq + 1. */
static void hello_in_syn(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec syn;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	syn = conn_syn_data(&c, raw, (__u32)n);
	fx_xdp(fx, &syn);
	allowed_named(fx, &syn, EGRESS_PROTO_TLS);
	then_passes(fx, &c, n);

	n = hello_named(OTHER);
	syn = conn_syn_data(&d, raw, (__u32)n);
	fx_xdp(fx, &syn);
	assert_rst(fx, &syn, 0, syn.seq + 1 + (__u32)n, TH_RST | TH_ACK);
	assert_named(fx, &syn, EGRESS_PROTO_TLS, OTHER, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	then_dropped(fx, &d, n);
}

/* The SYN carries the start, the next segment the rest. */
static void hello_begins_in_syn(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec syn, s;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	syn = conn_syn_data(&c, raw, 60);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	s = conn_seg(&c, 60, raw + 60, (__u32)(n - 60));
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
}

/* ---- retransmissions and order -------------------------------------------------------- */

static void identical_retransmissions_pass(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 100, 100);
	stream_quiet(fx, &c, raw, 0, 100, 100);		/* again */
	stream_quiet(fx, &c, raw, 40, 90, 50);		/* inside */
	stream_quiet(fx, &c, raw, 50, 150, 100);	/* overlapping, and new */
	s = conn_seg(&c, 120, raw + 120, (__u32)(n - 120));
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
	/* after the verdict, while the bytes are held: still compared, and equal */
	stream_quiet(fx, &c, raw, 0, n, n);
	stream_quiet(fx, &c, raw, 10, n + 100, 300);
}

static void rewrite_before_verdict(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	memcpy(alt, raw, n);
	alt[20] ^= 0xff;
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 100, 100);
	s = conn_seg(&c, 0, alt, 100);
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_REWRITE);
	s = conn_seg(&c, 100, raw + 100, (__u32)(n - 100));
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);

	/* overlapping the held bytes and going beyond */
	syn_pending(fx, &d);
	stream_quiet(fx, &d, raw, 0, 100, 100);
	s = conn_seg(&d, 10, alt + 10, (__u32)(n - 10));
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_REWRITE);
}

static void rewrite_before_verdict_in_warn(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	fx_mode(fx, EGRESS_MODE_WARN);
	n = hello_named(NAME);
	memcpy(alt, raw, n);
	alt[99] ^= 1;
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 100, 100);
	s = conn_seg(&c, 0, alt, 100);
	fx_xdp(fx, &s);
	warned(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_REASON_REWRITE);
	then_passes(fx, &c, n);
}

/* After the verdict, while the bytes are held: a rewrite cuts the flow. */
static void rewrite_after_verdict(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
	then_passes(fx, &c, n);
	/* the same ClientHello, naming another host of the same length */
	memcpy(alt, raw, n);
	memcpy(memmem(alt, n, NAME, strlen(NAME)), OTHER, strlen(OTHER));
	s = conn_seg(&c, 0, alt, (__u32)n);
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_REWRITE);
	then_dropped(fx, &c, n);
}

/* Once tc has seen the peer acknowledge the bytes, they are let go. */
static void no_rewrite_check_once_acknowledged(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s, ack;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	memcpy(alt, raw, n);
	alt[n - 1] ^= 0x55;

	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
	ack = conn_peer_ack(&c, (__u32)n);
	assert_run_tc(fx, fx_tc(fx, &ack), TC_ACT_OK);
	assert_no_event(fx);
	s = conn_seg(&c, 0, alt, (__u32)n);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);

	/* acknowledged all but the last byte: still held */
	syn_pending(fx, &d);
	s = conn_seg(&d, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
	ack = conn_peer_ack(&d, (__u32)n - 1);
	assert_run_tc(fx, fx_tc(fx, &ack), TC_ACT_OK);
	s = conn_seg(&d, 0, alt, (__u32)n);
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_REWRITE);
}

/* Before the verdict the peer's ACK lets nothing go: the bytes are still compared. */
static void ack_before_verdict_keeps_bytes(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s, ack = conn_peer_ack(&c, 100);
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	memcpy(alt, raw, n);
	alt[50] ^= 0x20;
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 100, 100);
	assert_run_tc(fx, fx_tc(fx, &ack), TC_ACT_OK);
	assert_no_event(fx);
	s = conn_seg(&c, 0, alt, 100);
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_REWRITE);
}

/* The retransmission of a denied flow's bytes: dropped, silently. */
static void denied_flow_retransmission_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_named(OTHER);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	denied_named(fx, &s, EGRESS_PROTO_TLS, OTHER);
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);
}

static void out_of_order_dropped_in_deny(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec first, second;
	size_t n;

	allow_name(fx);
	n = hello_named(NAME);
	syn_pending(fx, &c);
	first = conn_seg(&c, 0, raw, 100);
	second = conn_seg(&c, 100, raw + 100, (__u32)(n - 100));
	assert_run(fx, fx_xdp(fx, &second), XDP_DROP);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &first), XDP_PASS);
	assert_no_event(fx);
	fx_xdp(fx, &second);
	allowed_named(fx, &second, EGRESS_PROTO_TLS);
}

/* A gap in the middle: what follows it waits until it is filled. */
static void gap_filled_later(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER6);
	struct pkt_spec after, fill;
	size_t n;

	allow_name(fx);
	n = hello_named(OTHER);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 50, 50);
	after = conn_seg(&c, 80, raw + 80, (__u32)(n - 80));
	fill = conn_seg(&c, 50, raw + 50, 30);
	assert_run(fx, fx_xdp(fx, &after), XDP_DROP);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &fill), XDP_PASS);
	assert_no_event(fx);
	fx_xdp(fx, &after);
	denied_named(fx, &after, EGRESS_PROTO_TLS, OTHER);
}

/* warn and allow-all pass what comes after a gap; it changes nothing. */
static void out_of_order_passes_in_warn(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec first, second;
	size_t n;

	fx_mode(fx, EGRESS_MODE_WARN);
	n = hello_named(NAME);
	syn_pending(fx, &c);
	first = conn_seg(&c, 0, raw, 100);
	second = conn_seg(&c, 100, raw + 100, (__u32)(n - 100));
	assert_run(fx, fx_xdp(fx, &second), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &first), XDP_PASS);
	assert_no_event(fx);
	fx_xdp(fx, &second);
	warned(fx, &second, EGRESS_PROTO_TLS, NAME, EGRESS_REASON_NOT_ALLOWLISTED);

	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	syn_pending(fx, &d);
	first = conn_seg(&d, 0, raw, 100);
	second = conn_seg(&d, 100, raw + 100, (__u32)(n - 100));
	assert_run(fx, fx_xdp(fx, &second), XDP_PASS);
	assert_no_event(fx);
	assert_run(fx, fx_xdp(fx, &first), XDP_PASS);
	assert_no_event(fx);
	fx_xdp(fx, &second);
	decided_at(fx, &second, EGRESS_PROTO_TLS, NAME, EGRESS_ALLOWED, 0,
		   EGRESS_REASON_MODE_ALLOW, EGRESS_SCOPE_NONE, 0, __FILE__,
		   __LINE__);
}

/* Data before the first byte of the stream: only a lie puts it there. */
static void data_before_first_byte_dropped(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s = conn_seg(&c, 0, NULL, 50);
	size_t n;

	allow_name(fx);
	syn_pending(fx, &c);
	s.seq -= 10;
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);
	n = hello_named(NAME);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
}

/* ---- size and segment caps --------------------------------------------------- */

/* A ClientHello of raw bytes exactly len, in one record, naming sni. */
static size_t hello_of_size(const char *sni, size_t len)
{
	struct hello_spec h = { .sni = sni, .padding = 1 };
	size_t base = build(&h, NULL);

	assert_true(len >= base);
	h.padding = (__u32)(1 + len - base);
	assert_int_equal(build(&h, NULL), len);
	return len;
}

static void largest_hello_accepted(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_of_size(NAME, EGRESS_HELLO_RAW_CAP);
	syn_pending(fx, &c);
	s = send_in(fx, &c, raw, n, MSS);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
}

/* One byte more than a flow holds: the segment that brings it fails. */
static void hello_over_raw_cap(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_of_size(NAME, EGRESS_HELLO_RAW_CAP + 1);
	syn_pending(fx, &c);
	s = send_in(fx, &c, raw, n, MSS);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_HELLO_TOO_LARGE);
	then_dropped(fx, &c, n);

	fx_mode(fx, EGRESS_MODE_WARN);
	syn_pending(fx, &d);
	s = send_in(fx, &d, raw, n, MSS);
	warned(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_REASON_HELLO_TOO_LARGE);
	then_passes(fx, &d, n);
}

/* A handshake message longer than the cap fails as soon as its header is seen. */
static void handshake_message_over_cap(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct hello_spec h = { .sni = NAME, .padding = 8200, .record_size = 4096 };
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = build(&h, NULL);
	assert_true(n > 8192);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 8, 8);	/* not yet 4 handshake bytes */
	s = conn_seg(&c, 8, raw + 8, 200);
	fx_xdp(fx, &s);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_HELLO_TOO_LARGE);
}

/* An HTTP head must end within the cap. */
static void http_head_cap(void **state)
{
	static char req[EGRESS_HELLO_RAW_CAP + 64];
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER4);
	struct pkt_spec s;
	size_t n, pad;

	allow_name(fx);
	/* exactly the cap, the head's last byte the cap's last */
	n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nX-Pad: ", NAME);
	pad = EGRESS_HELLO_RAW_CAP - n - 4;
	memset(req + n, 'p', pad);
	memcpy(req + n + pad, "\r\n\r\n", 4);
	syn_pending(fx, &c);
	s = send_in(fx, &c, (const __u8 *)req, EGRESS_HELLO_RAW_CAP, MSS);
	allowed_named(fx, &s, EGRESS_PROTO_HTTP);

	/* the cap's worth, and no end */
	memset(req + n, 'p', EGRESS_HELLO_RAW_CAP - n);
	syn_pending(fx, &d);
	s = send_in(fx, &d, (const __u8 *)req, EGRESS_HELLO_RAW_CAP, MSS);
	failed(fx, &s, EGRESS_PROTO_HTTP, EGRESS_REASON_HELLO_TOO_LARGE);
}

/* At most EGRESS_HELLO_MAX_SEGS payload segments before the verdict. */
static void segment_cap(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = hello_of_size(NAME, EGRESS_HELLO_MAX_SEGS);
	syn_pending(fx, &c);
	s = send_in(fx, &c, raw, n, 1);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);

	n = hello_of_size(NAME, EGRESS_HELLO_MAX_SEGS + 1);
	syn_pending(fx, &d);
	s = send_in(fx, &d, raw, n, 1);
	failed(fx, &s, EGRESS_PROTO_TLS, EGRESS_REASON_HELLO_TOO_LARGE);
	then_dropped(fx, &d, n);
}

/* ---- malformed ClientHellos and bad names ---------------------------------------- */

/* A new flow whose first payload b[0..len) fails with reason (as proto). */
static void fails_at(struct fx *fx, const char *dst, const __u8 *b, size_t len,
		     __u8 proto, __u8 reason, const char *file, int line)
{
	struct conn c = new_conn(dst);
	struct pkt_spec s = conn_seg(&c, 0, b, (__u32)len);

	fx_syn_pending(fx, &c, file, line);
	fx_xdp(fx, &s);
	decided_at(fx, &s, proto, NULL, EGRESS_DENIED, 0, reason,
		   EGRESS_SCOPE_NONE, 0, file, line);
	then_at(fx, &c, len, XDP_DROP, file, line);
}

#define fails(fx, dst, b, len, proto, reason) \
	fails_at(fx, dst, b, len, proto, reason, __FILE__, __LINE__)

/* The handshake bytes of a plain hello naming NAME, to be lied about. */
static size_t plain_hs(struct hello_layout *lay, const struct hello_spec *spec)
{
	struct hello_spec h = { .sni = NAME };
	size_t n = hello_hs(spec ? spec : &h, hs, sizeof(hs), lay);

	assert_true(n > 0);
	return n;
}

static size_t wrap(size_t hs_len)
{
	size_t n = tls_records(hs, hs_len, 0, raw, sizeof(raw));

	assert_true(n > 0);
	return n;
}

static void put16_at(__u8 *p, unsigned int v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static unsigned int get16_at(const __u8 *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static void inconsistent_lengths(void **state)
{
	struct fx *fx = FX(state);
	struct hello_layout lay;
	size_t n, r;

	allow_name(fx);

	/* the extensions block runs past the message */
	n = plain_hs(&lay, NULL);
	put16_at(hs + lay.exts, get16_at(hs + lay.exts) + 1);
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* the message ends before its extensions do */
	n = plain_hs(&lay, NULL);
	hs[3]--;
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* the server_name list is longer than its extension */
	n = plain_hs(&lay, NULL);
	put16_at(hs + lay.sni_ext + 4, get16_at(hs + lay.sni_ext + 4) + 1);
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* the name is longer than its list */
	n = plain_hs(&lay, NULL);
	put16_at(hs + lay.sni_name - 2, get16_at(hs + lay.sni_name - 2) + 1);
	fails(fx, PEER6, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* an extension's length runs past the block */
	n = plain_hs(&lay, NULL);
	put16_at(hs + lay.sni_ext + 2, 0x4000);
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* a 33-byte session id */
	n = plain_hs(&lay, NULL);
	hs[lay.sid] = 33;
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* an odd cipher suites length */
	n = plain_hs(&lay, NULL);
	hs[lay.sid + 33 + 1] = 31;
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* a record of length 0 */
	n = plain_hs(&lay, NULL);
	r = wrap(n);
	memmove(raw + 5, raw, r);
	memcpy(raw, "\x16\x03\x01\x00\x00", 5);
	fails(fx, PEER4, raw, r + 5, EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* a record that is not a handshake record after the first */
	{
		struct hello_spec h = { .sni = NAME, .record_size = 100 };

		n = build(&h, NULL);
		raw[105] = 23;
		fails(fx, PEER4, raw, n, EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);
	}

	/* a record version of 2.x */
	n = plain_hs(&lay, NULL);
	r = wrap(n);
	raw[1] = 2;
	fails(fx, PEER4, raw, r, EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* a record longer than TLS allows (2^14 + 2048) */
	n = plain_hs(&lay, NULL);
	r = wrap(n);
	put16_at(raw + 3, 16384 + 2049);
	fails(fx, PEER4, raw, r, EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);

	/* not a ClientHello: a ServerHello */
	n = plain_hs(&lay, NULL);
	hs[0] = 2;
	fails(fx, PEER4, raw, wrap(n), EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);
}

static void two_server_name_extensions(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .sni_twice = true };

	allow_name(fx);
	fails(fx, PEER4, raw, build(&h, NULL), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
	h.sni_last = true;
	fails(fx, PEER6, raw, build(&h, NULL), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
}

static void two_names_in_one(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .sni2 = OTHER };

	allow_name(fx);
	fails(fx, PEER4, raw, build(&h, NULL), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
	h.sni = OTHER;
	h.sni2 = NAME;
	fails(fx, PEER4, raw, build(&h, NULL), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
}

static void wrong_name_type(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .sni_type = 1 };

	allow_name(fx);
	fails(fx, PEER4, raw, build(&h, NULL), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
	h.sni_type = 255;
	fails(fx, PEER4, raw, build(&h, NULL), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
}

static void bad_names(void **state)
{
	static const char *const names[] = {
		"198.18.0.1", "198.18.0.1.", "0xc6120001", "198.18.0.1.5",
		"fd00::1", "[fd00::1]", "exa mple.com", "ex!ample.com",
		"a..example.com", ".example.com", "example.com/", "api.example.com:443",
		"",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	};
	struct fx *fx = FX(state);

	allow_name(fx);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 2);	/* matches every valid name */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct hello_spec h = { .sni = names[i] };

		fails(fx, i & 1 ? PEER6 : PEER4, raw, build(&h, NULL),
		      EGRESS_PROTO_TLS, EGRESS_REASON_INVALID_NAME);
	}
}

/*
 * "0x" alone is a number to a URL host parser (WHATWG "ends in a number":
 * "0x" with no digits parses as 0), so "example.0x" is an address written
 * as a name, as "example.0x1f" is, and no SNI may be one.
 */
static void sni_ending_in_bare_0x_is_an_address(void **state)
{
	static const char *const names[] = { "example.0x", "0x", "foo.0X", "a.0x." };
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct hello_spec h = { .sni = names[i] };

		fails(fx, PEER4, raw, build(&h, NULL), EGRESS_PROTO_TLS,
		      EGRESS_REASON_INVALID_NAME);
	}
}

/* 254 bytes: too long, even as 253 and a trailing dot would not be. */
static void name_length_limits(void **state)
{
	struct fx *fx = FX(state);
	char name[300];
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.com", 1);
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 250; i += 2)
		memcpy(name + i, "a.", 2);
	memcpy(name + 250, "com.", 5);		/* 253 + the dot */
	n = hello_named(name);
	name[253] = 0;
	fx_bind(fx, name, PEER4);
	name[253] = '.';
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	name[253] = 0;
	decided_at(fx, &s, EGRESS_PROTO_TLS, name, EGRESS_ALLOWED, 0,
		   EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1, __FILE__,
		   __LINE__);
	memcpy(name + 250, "coma", 5);		/* 254 */
	fails(fx, PEER4, raw, hello_named(name), EGRESS_PROTO_TLS,
	      EGRESS_REASON_INVALID_NAME);
}

static void malformed_in_warn(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec two = { .sni = NAME, .sni_twice = true };
	struct hello_layout lay;
	struct conn c = new_conn(PEER4), d = new_conn(PEER4);
	struct pkt_spec s;
	size_t n;

	fx_mode(fx, EGRESS_MODE_WARN);
	n = plain_hs(&lay, NULL);
	hs[lay.sid] = 40;
	n = wrap(n);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	warned(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_REASON_PARSE_FAILURE);
	then_passes(fx, &c, n);

	n = build(&two, NULL);
	syn_pending(fx, &d);
	s = conn_seg(&d, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	warned(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_REASON_INVALID_NAME);
}

/* A ClientHello without extensions: no name; without SNI: the same. */
static void hello_without_sni(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec none = { .no_ext = true }, nosni = { .key_share = 1216 };
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;
	size_t n;

	allow_name(fx);
	n = build(&none, NULL);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)n);
	fx_xdp(fx, &s);
	admitted(fx, &s, EGRESS_PROTO_TLS);

	n = build(&nosni, NULL);
	syn_pending(fx, &d);
	s = send_in(fx, &d, raw, n, MSS);
	admitted(fx, &s, EGRESS_PROTO_TLS);
}

/*
 * A ClientHello cut short by the guest's FIN: a TLS flow without a name,
 * decided by its address (not-allowlisted, proto tls), as a ClientHello
 * without SNI is.
 */
static void hello_cut_short_by_fin(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;

	allow_name(fx);
	hello_named(NAME);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, raw, 0, 100, 100);
	s = conn_fin(&c, 100);
	fx_xdp(fx, &s);
	admitted(fx, &s, EGRESS_PROTO_TLS);
	/* the rest of the ClientHello and a FIN in one segment: decided by it */
	syn_pending(fx, &d);
	stream_quiet(fx, &d, raw, 0, 100, 100);
	s = conn_seg(&d, 100, raw + 100, (__u32)(hello_named(NAME) - 100));
	s.tcp_flags |= TH_FIN;
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_TLS);
}

/* ---- ECH, and what is neither TLS nor HTTP --------------------------------------- */

/* Encrypted Client Hello: judged by the outer SNI, the one on the wire. */
static void ech_judged_by_outer_sni(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = NAME, .ech = true, .key_share = 1216 };
	size_t cut = MSS;

	allow_name(fx);
	cut_hello(fx, PEER4, raw, build(&h, NULL), NULL, 0, true);
	cut_hello(fx, PEER6, raw, build(&h, NULL), &cut, 1, true);
	h.sni = OTHER;
	h.sni_last = true;
	cut_hello(fx, PEER4, raw, build(&h, NULL), &cut, 1, false);
}

static void ssh_in_one_byte_segments(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = new_conn(PEER4);
	struct pkt_spec s;

	allow_name(fx);
	text("SSH-2.0-OpenSSH_9.2\r\n");
	syn_pending(fx, &c);
	/* "SSH" could still be an HTTP method; the '-' says it is not */
	stream_quiet(fx, &c, raw, 0, 3, 1);
	s = conn_seg(&c, 3, raw + 3, 1);
	fx_xdp(fx, &s);
	admitted(fx, &s, EGRESS_PROTO_TCP);
	then_at(fx, &c, 4, XDP_PASS, __FILE__, __LINE__);
}

/* ---- HTTP ----------------------------------------------------------------------- */

#define http_allowed(fx, dst, req)					\
	cut_hello_at(fx, dst, raw, text(req), NULL, 0, true,		\
		     EGRESS_PROTO_HTTP, __FILE__, __LINE__)
#define http_denied(fx, dst, req)					\
	cut_hello_at(fx, dst, raw, text(req), NULL, 0, false,		\
		     EGRESS_PROTO_HTTP, __FILE__, __LINE__)
#define http_fails(fx, dst, req, reason)				\
	fails(fx, dst, raw, text(req), EGRESS_PROTO_HTTP, reason)

static void http_host(void **state)
{
	struct fx *fx = FX(state);

	allow_name(fx);
	http_allowed(fx, PEER4, "GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
	http_allowed(fx, PEER6, "GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
	http_denied(fx, PEER4, "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
	http_allowed(fx, PEER4, "GET /index.html HTTP/1.0\r\nUser-Agent: t\r\n"
				"Host: api.example.com\r\nAccept: */*\r\n\r\n");
	/* whitespace around the value, a body after the head */
	http_allowed(fx, PEER4, "POST /x HTTP/1.1\r\nHost:  api.example.com \t\r\n"
				"Content-Length: 5\r\n\r\nhello");
}

static void http_any_method(void **state)
{
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
		"TRACE", "PATCH", "PROPFIND", "MKCOL", "BREW", "M",
		"ABCDEFGHIJKLMNOP",	/* 16 letters */
	};
	static const char *const not_http[] = {
		"get / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET2 / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		" GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
	};
	struct fx *fx = FX(state);
	char req[256];

	allow_name(fx);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		http_build(req, sizeof(req), methods[i], "/", "Host: api.example.com\r\n");
		http_allowed(fx, i & 1 ? PEER6 : PEER4, req);
	}
	/* not a method: lower case, 17 letters, a digit, a leading space */
	for (size_t i = 0; i < sizeof(not_http) / sizeof(not_http[0]); i++) {
		struct conn c = new_conn(PEER4);
		struct pkt_spec s;

		syn_pending(fx, &c);
		s = conn_seg(&c, 0, raw, (__u32)text(not_http[i]));
		fx_xdp(fx, &s);
		admitted(fx, &s, EGRESS_PROTO_TCP);
	}
}

/* The absolute form names the host in the target; a Host field must agree. */
static void http_absolute_form(void **state)
{
	struct fx *fx = FX(state);

	allow_name(fx);
	http_allowed(fx, PEER4, "GET http://api.example.com/x HTTP/1.1\r\n\r\n");
	http_allowed(fx, PEER4, "GET http://API.example.com:8080/x?y HTTP/1.1\r\n"
				"Host: api.example.com:8080\r\n\r\n");
	http_allowed(fx, PEER6, "GET https://api.example.com HTTP/1.1\r\n"
				"Host: api.example.com\r\n\r\n");
	http_denied(fx, PEER4, "GET http://www.example.com/ HTTP/1.1\r\n\r\n");
	http_fails(fx, PEER4, "GET http://www.example.com/ HTTP/1.1\r\n"
			      "Host: api.example.com\r\n\r\n",
		   EGRESS_REASON_PARSE_FAILURE);
	http_fails(fx, PEER4, "GET http://api.example.com/ HTTP/1.1\r\n"
			      "Host: api.example.com.evil\r\n\r\n",
		   EGRESS_REASON_PARSE_FAILURE);
	http_fails(fx, PEER4, "GET http://user@api.example.com/ HTTP/1.1\r\n\r\n",
		   EGRESS_REASON_PARSE_FAILURE);
}

static void http_host_field_forms(void **state)
{
	struct fx *fx = FX(state);

	allow_name(fx);
	http_allowed(fx, PEER4, "GET / HTTP/1.1\r\nhOsT: api.example.com\r\n\r\n");
	http_allowed(fx, PEER4, "GET / HTTP/1.1\r\nHOST: api.example.com:8080\r\n\r\n");
	http_allowed(fx, PEER4, "GET / HTTP/1.1\r\nHost: API.EXAMPLE.COM.\r\n\r\n");
	http_allowed(fx, PEER4, "GET / HTTP/1.1\r\nX-Host: www.example.com\r\n"
				"Hostname: www.example.com\r\nHost: api.example.com\r\n\r\n");
}

static void http_malformed(void **state)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nHost: api.example.com\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\nHost: api.example.com\n\n",
		"GET / HTTP/1.1\r\nHost : api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nX: y\r\n folded\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com:80x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com/\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
	};
	struct fx *fx = FX(state);

	allow_name(fx);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		http_fails(fx, PEER4, reqs[i], EGRESS_REASON_PARSE_FAILURE);
	/* a host the URL rules allow, the name rules do not */
	http_fails(fx, PEER6, "GET / HTTP/1.1\r\nHost: ex!ample.com\r\n\r\n",
		   EGRESS_REASON_INVALID_NAME);
}

static void http_split_across_segments(void **state)
{
	static const char req[] = "GET /path HTTP/1.1\r\nUser-Agent: t\r\n"
				  "hoST: api.example.com:8443\r\nAccept: */*\r\n\r\n";
	struct fx *fx = FX(state);
	size_t n = strlen(req), host = strstr(req, "hoST") - req;
	size_t cuts[] = { 3, host + 2, host + 8, host + 14, n - 3, n - 1 };
	struct conn c = new_conn(PEER4), d = new_conn(PEER6);
	struct pkt_spec s;

	allow_name(fx);
	memcpy(raw, req, n);
	cut_hello_at(fx, PEER4, raw, n, cuts, 6, true, EGRESS_PROTO_HTTP,
		     __FILE__, __LINE__);
	syn_pending(fx, &c);
	s = send_in(fx, &c, raw, n, 1);
	allowed_named(fx, &s, EGRESS_PROTO_HTTP);
	/* the start of the request in the SYN */
	s = conn_syn_data(&d, raw, 7);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	stream_quiet(fx, &d, raw, 7, host + 4, 5);
	s = conn_seg(&d, (__u32)host + 4, raw + host + 4, (__u32)(n - host - 4));
	fx_xdp(fx, &s);
	allowed_named(fx, &s, EGRESS_PROTO_HTTP);
}

static void http_without_a_name(void **state)
{
	struct fx *fx = FX(state);
	struct conn c;
	struct pkt_spec s;
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 198.18.0.1:8080\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [fd00::1]\r\n\r\n",
		"GET http://[fd00::1]:80/ HTTP/1.1\r\n\r\n",
	};

	allow_name(fx);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		c = new_conn(PEER4);
		syn_pending(fx, &c);
		s = conn_seg(&c, 0, raw, (__u32)text(reqs[i]));
		fx_xdp(fx, &s);
		admitted(fx, &s, EGRESS_PROTO_HTTP);
	}
	/* an IP-literal Host on an address that is allowed */
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, OTHER, 3);
	c = new_conn(PEER6);
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, raw, (__u32)text("GET / HTTP/1.1\r\nHost: [fd00::1]:80\r\n\r\n"));
	fx_xdp(fx, &s);
	decided_at(fx, &s, EGRESS_PROTO_HTTP, NULL, EGRESS_ALLOWED, 0,
		   EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2, __FILE__,
		   __LINE__);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest segments[] = {
		fx_test(hello_in_one_frame),
		fx_test(hello_and_data_in_one_segment),
		fx_test(hello_in_gso_superframe),
		fx_test(unfinished_hello_in_gso_superframe),
		fx_test(pq_hello_sni_in_second_segment),
		fx_test(hello_in_one_byte_segments),
		fx_test(cut_inside_record_header),
		fx_test(cut_inside_extension_header),
		fx_test(cut_inside_server_name),
		fx_test(hello_across_records),
		fx_test(hello_across_records_in_one_byte_segments),
		fx_test(hello_in_syn),
		fx_test(hello_begins_in_syn),
	};
	const struct CMUnitTest order[] = {
		fx_test(identical_retransmissions_pass),
		fx_test(rewrite_before_verdict),
		fx_test(rewrite_before_verdict_in_warn),
		fx_test(rewrite_after_verdict),
		fx_test(no_rewrite_check_once_acknowledged),
		fx_test(ack_before_verdict_keeps_bytes),
		fx_test(denied_flow_retransmission_dropped),
		fx_test(out_of_order_dropped_in_deny),
		fx_test(gap_filled_later),
		fx_test(out_of_order_passes_in_warn),
		fx_test(data_before_first_byte_dropped),
	};
	const struct CMUnitTest limits[] = {
		fx_test(largest_hello_accepted),
		fx_test(hello_over_raw_cap),
		fx_test(handshake_message_over_cap),
		fx_test(http_head_cap),
		fx_test(segment_cap),
	};
	const struct CMUnitTest malformed[] = {
		fx_test(inconsistent_lengths),
		fx_test(two_server_name_extensions),
		fx_test(two_names_in_one),
		fx_test(wrong_name_type),
		fx_test(bad_names),
		fx_test(sni_ending_in_bare_0x_is_an_address),
		fx_test(name_length_limits),
		fx_test(malformed_in_warn),
		fx_test(hello_without_sni),
		fx_test(hello_cut_short_by_fin),
	};
	const struct CMUnitTest apps[] = {
		fx_test(ech_judged_by_outer_sni),
		fx_test(ssh_in_one_byte_segments),
		fx_test(http_host),
		fx_test(http_any_method),
		fx_test(http_absolute_form),
		fx_test(http_host_field_forms),
		fx_test(http_malformed),
		fx_test(http_split_across_segments),
		fx_test(http_without_a_name),
	};
	const struct fx_group groups[] = {
		FX_GROUP("segments", segments),
		FX_GROUP("order", order),
		FX_GROUP("limits", limits),
		FX_GROUP("malformed", malformed),
		FX_GROUP("apps", apps),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
