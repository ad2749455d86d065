// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data path against the userspace parsers: every ClientHello the
 * builder makes for the other BPF tests (the names and structures they use,
 * and their lies), HTTP requests, and the first bytes of every TCP flow in
 * the shared corpus of real captures, each run through
 *   - userspace: eg_hello_parse() + eg_sni_canon() (bpf/lib/tls.h) on the
 *     handshake bytes of its records, eg_http_parse() +
 *     eg_http_host_canon() (bpf/lib/http.h) on a request;
 *   - BPF: one flow of a warn-mode sandbox with no rules, its first bytes in
 *     one frame after its SYN;
 * must come out the same: the same host name, or both no name, or both a
 * failure for the same reason, or both still waiting for more bytes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/tls.h"	/* before harness.h: <arpa/inet.h>, not <linux/in.h> */
#include "lib/http.h"
#include "harness.h"
#include "capture.h"
#include "names.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"

#ifndef CORPUS_DIR
#define CORPUS_DIR ""
#endif

/* ---- outcomes ----------------------------------------------------------- */

enum outcome_kind {
	OUT_MORE = 0,	/* waiting for more bytes: no verdict, no event */
	OUT_NAME,	/* names a host */
	OUT_NO_NAME,	/* carries no name */
	OUT_FAIL,	/* fails, for reason */
};

struct outcome {
	int kind;
	__u8 proto;		/* EGRESS_PROTO_TLS, _HTTP, _TCP (neither) */
	__u8 reason;		/* OUT_FAIL: enum egress_reason */
	char name[EGRESS_HOST_MAX];
};

static const char *outcome_str(const struct outcome *o, char *buf, size_t len)
{
	static const char *const kinds[] = { "more", "name", "no-name", "fail" };
	char proto[16];

	egress_proto_name(o->proto, IPPROTO_TCP, 4, proto, sizeof(proto));
	if (o->kind == OUT_NAME)
		snprintf(buf, len, "name/%s \"%s\"", proto, o->name);
	else if (o->kind == OUT_FAIL)
		snprintf(buf, len, "fail/%s %s", proto, egress_reason_name(o->reason));
	else
		snprintf(buf, len, "%s/%s", kinds[o->kind], proto);
	return buf;
}

static struct outcome failure(__u8 proto, __u8 reason)
{
	struct outcome o = { .kind = OUT_FAIL, .proto = proto, .reason = reason };

	return o;
}

/* ---- userspace ------------------------------------------------------------ */

static __u8 ref_hs[EG_HELLO_BUF];

/*
 * TLS: the handshake bytes of the records in raw[0..len), as far as the
 * ClientHello needs, then the parser. *used: the raw bytes it took to be
 * sure (len when the ClientHello is incomplete).
 */
static struct outcome ref_tls(const __u8 *raw, size_t len, size_t *used)
{
	struct outcome o = { .proto = EGRESS_PROTO_TLS };
	struct eg_hello_info info;
	size_t pos = 0, hs_len = 0, need = 4, left = 0;
	char name[EGRESS_HOST_MAX];
	int st, n;

	*used = len;
	for (;;) {
		while (hs_len < need) {
			size_t take;

			if (!left) {
				__u32 rlen;

				if (len - pos < 5)
					return o;
				rlen = (__u32)raw[pos + 3] << 8 | raw[pos + 4];
				*used = pos + 5;
				if (raw[pos] != 22 || raw[pos + 1] != 3 || rlen == 0 ||
				    rlen > 16384 + 2048)
					return failure(EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);
				left = rlen;
				pos += 5;
			}
			take = len - pos < left ? len - pos : left;
			if (!take) {
				*used = len;
				return o;
			}
			memcpy(ref_hs + hs_len, raw + pos, take);
			hs_len += take;
			pos += take;
			left -= take;
			*used = pos;
			if (hs_len > EG_HELLO_CAP)
				return failure(EGRESS_PROTO_TLS, EGRESS_REASON_HELLO_TOO_LARGE);
		}
		st = eg_hello_parse(ref_hs, (__u32)hs_len, &info);
		if (st != EG_HELLO_MORE)
			break;
		need = info.need;
	}
	switch (st) {
	case EG_HELLO_DONE:
		break;
	case EG_HELLO_TOO_LARGE:
		return failure(EGRESS_PROTO_TLS, EGRESS_REASON_HELLO_TOO_LARGE);
	case EG_HELLO_BAD_SNI:
		return failure(EGRESS_PROTO_TLS, EGRESS_REASON_INVALID_NAME);
	default:
		return failure(EGRESS_PROTO_TLS, EGRESS_REASON_PARSE_FAILURE);
	}
	if (!info.has_sni) {
		o.kind = OUT_NO_NAME;
		return o;
	}
	memset(name, 0, sizeof(name));
	n = eg_sni_canon(ref_hs, info.sni_off, info.sni_len, name);
	if (n < 0)
		return failure(EGRESS_PROTO_TLS, EGRESS_REASON_INVALID_NAME);
	o.kind = OUT_NAME;
	memcpy(o.name, name, (size_t)n);
	return o;
}

static __u8 ref_http_buf[EG_HTTP_BUF];

/* HTTP: the request head in raw[0..len). *used: the head's length. */
static struct outcome ref_http(const __u8 *raw, size_t len, size_t *used)
{
	struct eg_http_info info;
	struct outcome o = { .proto = EGRESS_PROTO_HTTP };
	char name[EGRESS_HOST_MAX];
	size_t n = len < EG_HTTP_CAP ? len : EG_HTTP_CAP;
	int st, hl;

	memset(ref_http_buf, 0, sizeof(ref_http_buf));
	memcpy(ref_http_buf, raw, n);
	*used = len;
	st = eg_http_parse(ref_http_buf, (__u32)len, &info);
	switch (st) {
	case EG_HTTP_MORE:
		return o;
	case EG_HTTP_DONE:
		break;
	case EG_HTTP_NOT_HTTP:
		o.kind = OUT_NO_NAME;
		o.proto = EGRESS_PROTO_TCP;
		return o;
	case EG_HTTP_NO_HOST:
		*used = info.need;
		o.kind = OUT_NO_NAME;
		return o;
	case EG_HTTP_TOO_LARGE:
		return failure(EGRESS_PROTO_HTTP, EGRESS_REASON_HELLO_TOO_LARGE);
	default:
		return failure(EGRESS_PROTO_HTTP, EGRESS_REASON_PARSE_FAILURE);
	}
	*used = info.need;
	memset(name, 0, sizeof(name));
	hl = eg_http_host_canon(ref_http_buf, info.host_off, info.host_len, name);
	if (hl == EG_HOST_IP_LITERAL) {
		o.kind = OUT_NO_NAME;
		return o;
	}
	if (hl < 0)
		return failure(EGRESS_PROTO_HTTP, EGRESS_REASON_INVALID_NAME);
	o.kind = OUT_NAME;
	memcpy(o.name, name, (size_t)hl);
	return o;
}

/*
 * What the first bytes of a flow come to: TLS (a handshake record type
 * first), HTTP (a method token first), or neither. *used: the bytes that
 * decide it, what the BPF side gets in its one frame: never more than the
 * cap's worth and one byte (what a flow holds before a verdict, and the
 * byte that shows there is none within it), so that what this compares is
 * the parsers, not how much of a super-frame the data path takes.
 */
static struct outcome reference(const __u8 *raw, size_t len, size_t *used)
{
	struct outcome o;

	if (len && raw[0] == 22) {
		o = ref_tls(raw, len, used);
	} else if (eg_http_maybe(raw, (__u32)len)) {
		o = ref_http(raw, len, used);
		if (o.kind != OUT_MORE && *used > EG_HTTP_CAP)
			*used = EG_HTTP_CAP;	/* what the parser read */
	} else {
		*used = len < 1448 ? len : 1448;
		o = (struct outcome){ .kind = OUT_NO_NAME, .proto = EGRESS_PROTO_TCP };
	}
	if (*used > EGRESS_HELLO_RAW_CAP) {
		*used = EGRESS_HELLO_RAW_CAP + 1;
		o = failure(o.proto, EGRESS_REASON_HELLO_TOO_LARGE);
	}
	return o;
}

/* ---- BPF ---------------------------------------------------------------------- */

static __u16 next_port = 20000;

/*
 * One flow of the (warn mode) sandbox: its SYN, then b[0..len) in one
 * frame. The outcome its event says; OUT_MORE with no event.
 */
static struct outcome through_bpf(struct fx *fx, const __u8 *b, size_t len,
				  bool v6, char *err, size_t errlen)
{
	struct conn c = v6 ? conn_of(GUEST6, next_port++, PEER6, 443)
			   : conn_of(GUEST4, next_port++, PEER4, 443);
	struct pkt_spec syn = conn_syn(&c), s = conn_seg(&c, 0, b, (__u32)len);
	struct outcome o = { .kind = OUT_MORE };
	const struct egress_event *e = &fx->ev[0];

	*err = 0;
	if (next_port < 20000)
		next_port = 20000;
	if (fx_xdp(fx, &syn) != XDP_PASS || fx->n_ev)
		snprintf(err, errlen, "SYN not passed silently");
	if (fx_xdp(fx, &s) != XDP_PASS)
		snprintf(err, errlen, "first bytes not passed (action %u)", fx->action);
	if (fx->n_ev == 0)
		return o;
	if (fx->n_ev > 1)
		snprintf(err, errlen, "%d events", fx->n_ev);
	o.proto = e->proto;
	if (e->verdict != EGRESS_ALLOWED || !(e->flags & EGRESS_EV_F_WOULD_DENY) ||
	    e->rule_id || e->scope != EGRESS_SCOPE_NONE || e->mode != EGRESS_MODE_WARN)
		snprintf(err, errlen, "not a warn-mode default event");
	if (e->host_len) {
		o.kind = OUT_NAME;
		if (e->host_len >= sizeof(o.name)) {
			snprintf(err, errlen, "host_len %u", e->host_len);
			return o;
		}
		memcpy(o.name, e->host, e->host_len);
		if (e->reason != EGRESS_REASON_NOT_ALLOWLISTED)
			snprintf(err, errlen, "named, reason %s", egress_reason_name(e->reason));
		return o;
	}
	switch (e->reason) {
	case EGRESS_REASON_NOT_ALLOWLISTED:
	case EGRESS_REASON_NO_NAME:
		o.kind = OUT_NO_NAME;
		if ((e->reason == EGRESS_REASON_NO_NAME) != (e->proto == EGRESS_PROTO_TCP))
			snprintf(err, errlen, "reason %s for proto %u",
				 egress_reason_name(e->reason), e->proto);
		break;
	default:
		o.kind = OUT_FAIL;
		o.reason = e->reason;
		break;
	}
	return o;
}

/* ---- comparison -------------------------------------------------------------- */

struct diff {
	int cases;
	int mismatches;
	int kinds[4];		/* cases per outcome kind */
};

static bool same(const struct outcome *a, const struct outcome *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case OUT_NAME:
		return a->proto == b->proto && !strcmp(a->name, b->name);
	case OUT_NO_NAME:
		return a->proto == b->proto;
	case OUT_FAIL:
		/* the protocol of a failure is not the parsers' to say */
		return a->reason == b->reason;
	default:
		return true;
	}
}

/* Runs one case both ways; a mismatch is printed and counted. */
static void compare(struct fx *fx, struct diff *d, const char *label,
		    const __u8 *b, size_t len)
{
	struct outcome want, got;
	char w[400], g[400], err[128];
	size_t used;

	want = reference(b, len, &used);
	if (used > len)
		used = len;
	got = through_bpf(fx, b, used, d->cases & 1, err, sizeof(err));
	d->cases++;
	d->kinds[want.kind]++;
	if (same(&want, &got) && !*err)
		return;
	d->mismatches++;
	print_error("%s (%zu bytes): userspace %s, BPF %s%s%s\n", label, used,
		    outcome_str(&want, w, sizeof(w)), outcome_str(&got, g, sizeof(g)),
		    *err ? ": " : "", err);
}

static void report(const struct diff *d, const char *what)
{
	print_message("%s: %d cases (%d named, %d no name, %d failing, %d waiting), "
		      "%d mismatches\n", what, d->cases, d->kinds[OUT_NAME],
		      d->kinds[OUT_NO_NAME], d->kinds[OUT_FAIL], d->kinds[OUT_MORE],
		      d->mismatches);
	assert_int_equal(d->mismatches, 0);
}

static void warn_mode(struct fx *fx)
{
	fx_mode(fx, EGRESS_MODE_WARN);
}

/* ---- the builder's ClientHellos ------------------------------------------------ */

/* The names the other tests put in ClientHellos and Host fields, and more. */
static const char *const names[] = {
	/* test_names.c, test_hello.c, test_events.c */
	"api.example.com", "www.example.com", "evil.example.com",
	"evil0.example.com", "evil1.example.com", "evil2.example.com",
	"api0.example.com", "api1.example.com", "api2.example.com",
	"good.example.org", "www.example.org", "anything.example.org",
	"api.example.org", "bad.example.com", "a.b.example.com",
	"a.b.c.d.e.f.g.h.i.com", "b.example.com", "A.EXAMPLE.COM.",
	"localhost", "x.bad.example.com", "a.example.com", "a.b.c.example.com",
	"example.com", "badexample.com", "example.com.evil.org", "com",
	"home.com", "www.home.com", "ome.co", "ome.com.au", "ome.com",
	"x.ome.com", "API.Example.COM.", "WWW.EVIL.EXAMPLE", "api.example.com..",
	"a.b.c.d.e.f.g.h.i.example.com", "b.c.d.e.f.g.h.com",
	"x.c.d.e.f.g.h.i.com", "l1.l2.l3.l4.l5.l6.l7.l8.l9.example.com",
	"x.metadata.internal", "public.example.com",
	"198.18.0.1", "198.18.0.1.", "0xc6120001", "198.18.0.1.5", "fd00::1",
	"[fd00::1]", "exa mple.com", "ex!ample.com", "a..example.com",
	".example.com", "example.com/", "api.example.com:443", "",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	/* edges of the canonical form and of "an address written as a name" */
	".", "a", "a.", "A", "_dmarc.example.com", "-x.example.com",
	"x-.example.com", "xn--bcher-kva.example", "123", "example.123",
	"example.0x1F", "example.0x", "0x", "foo.0X", "a.0x1g", "a.0xg",
	"1e100.net", "198.19.0.0", "08.1", "example.08", "\xc3\xbc.example",
	"a\tb.com", "a.b.c.", "a.b.c..", "x.y.example.com.",
};

/* A name of len bytes: "a." repeated, "com", then 'c's; a dot after it. */
static void long_name(char *buf, size_t cap, size_t len, bool trailing_dot)
{
	size_t i = 0;

	memset(buf, 0, cap);
	while (i + 2 + 3 <= len) {
		memcpy(buf + i, "a.", 2);
		i += 2;
	}
	memcpy(buf + i, "com", 3);
	for (i += 3; i < len; i++)
		buf[i] = 'c';
	if (trailing_dot)
		buf[len] = '.';
}

static __u8 raw[2 * HELLO_MAX];

static void builder_case(struct fx *fx, struct diff *d, const struct hello_spec *h,
			 const char *what)
{
	char label[400];
	size_t n = hello_build(h, raw, sizeof(raw), NULL);

	assert_true(n > 0);
	snprintf(label, sizeof(label), "hello %s sni=\"%s\"", what, h->sni ? h->sni : "(none)");
	compare(fx, d, label, raw, n);
}

static void builder_hellos(void **state)
{
	static char l253[300], l253dot[300], l254[300];
	const char *extra[] = { l253, l253dot, l254 };
	struct fx *fx = FX(state);
	struct diff d = {};

	warn_mode(fx);
	long_name(l253, sizeof(l253), 253, false);
	long_name(l253dot, sizeof(l253dot), 253, true);
	long_name(l254, sizeof(l254), 254, false);
	for (size_t i = 0; i < FX_ARRAY_SIZE(names) + FX_ARRAY_SIZE(extra); i++) {
		const char *name = i < FX_ARRAY_SIZE(names) ? names[i]
							   : extra[i - FX_ARRAY_SIZE(names)];
		struct hello_spec h = { .sni = name };

		builder_case(fx, &d, &h, "plain");
		h = (struct hello_spec){ .sni = name, .key_share = 1216,
					 .sni_last = true, .padding = 300 };
		builder_case(fx, &d, &h, "post-quantum");
		h = (struct hello_spec){ .sni = name, .ech = true, .key_share = 1216 };
		builder_case(fx, &d, &h, "ech");
		h = (struct hello_spec){ .sni = name, .record_size = 1 };
		builder_case(fx, &d, &h, "records of 1");
		h = (struct hello_spec){ .sni = name, .record_size = 7, .sni_last = true };
		builder_case(fx, &d, &h, "records of 7");
		h = (struct hello_spec){ .sni = name, .record_size = 100 };
		builder_case(fx, &d, &h, "records of 100");
		h = (struct hello_spec){ .sni = name, .sni_twice = true };
		builder_case(fx, &d, &h, "two server_name");
		h = (struct hello_spec){ .sni = name, .sni2 = "www.example.com" };
		builder_case(fx, &d, &h, "two names");
		h = (struct hello_spec){ .sni = name, .sni_type = 1 };
		builder_case(fx, &d, &h, "name type 1");
	}
	report(&d, "builder ClientHellos");
}

/* The structures of test_hello.c: sizes at and around the caps, no SNI. */
static void builder_structures(void **state)
{
	static const __u32 paddings[] = {
		1, 100, 3000, 3800, 3900, 4000, 7800, 7900, 7950, 8000, 8100,
		8150, 8200, 9000, 12000,
	};
	static const __u32 records[] = { 0, 2, 3, 64, 200, 4096, 16384 };
	struct fx *fx = FX(state);
	struct diff d = {};
	struct hello_spec h;

	warn_mode(fx);
	h = (struct hello_spec){ .no_ext = true };
	builder_case(fx, &d, &h, "no extensions");
	h = (struct hello_spec){ .key_share = 1216 };
	builder_case(fx, &d, &h, "no server_name");
	h = (struct hello_spec){ .ech = true };
	builder_case(fx, &d, &h, "ech, no server_name");
	/* test_hello.c's hello_of_size(): exactly at and around the caps */
	for (size_t size = EGRESS_HELLO_MAX_SEGS - 1; size <= EGRESS_HELLO_RAW_CAP + 1; size++) {
		size_t base, got;
		char what[64];

		if (size == EGRESS_HELLO_MAX_SEGS + 2)
			size = EGRESS_HELLO_RAW_CAP - 1;
		h = (struct hello_spec){ .sni = "api.example.com", .padding = 1 };
		base = hello_build(&h, raw, sizeof(raw), NULL);
		h.padding = (__u32)(1 + size - base);
		got = hello_build(&h, raw, sizeof(raw), NULL);
		assert_int_equal(got, size);
		snprintf(what, sizeof(what), "of %zu bytes", size);
		builder_case(fx, &d, &h, what);
	}
	for (size_t p = 0; p < FX_ARRAY_SIZE(paddings); p++)
		for (size_t r = 0; r < FX_ARRAY_SIZE(records); r++) {
			char what[64];

			h = (struct hello_spec){ .sni = "api.example.com",
						 .padding = paddings[p],
						 .record_size = records[r] };
			snprintf(what, sizeof(what), "padding %u records %u",
				 paddings[p], records[r]);
			builder_case(fx, &d, &h, what);
		}
	report(&d, "builder structures");
}

static __u8 hs[HELLO_MAX];

static void put16_at(__u8 *p, unsigned int v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static unsigned int get16_at(const __u8 *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* The lies of test_hello.c (inconsistent_lengths and more), as hs edits. */
static void builder_lies(void **state)
{
	struct fx *fx = FX(state);
	struct diff d = {};
	struct hello_spec h = { .sni = "api.example.com" };
	struct hello_layout lay;
	size_t n, r;

	warn_mode(fx);
	for (int lie = 0; lie < 26; lie++) {
		char label[64];

		n = hello_hs(&h, hs, sizeof(hs), &lay);
		assert_true(n > 0);
		switch (lie) {
		case 0: put16_at(hs + lay.exts, get16_at(hs + lay.exts) + 1); break;
		case 1: put16_at(hs + lay.exts, get16_at(hs + lay.exts) - 1); break;
		case 2: hs[3]--; break;
		case 3: hs[3]++; break;		/* longer than sent: waits */
		case 4: put16_at(hs + lay.sni_ext + 4, get16_at(hs + lay.sni_ext + 4) + 1); break;
		case 5: put16_at(hs + lay.sni_ext + 4, get16_at(hs + lay.sni_ext + 4) - 1); break;
		case 6: put16_at(hs + lay.sni_name - 2, get16_at(hs + lay.sni_name - 2) + 1); break;
		case 7: put16_at(hs + lay.sni_name - 2, get16_at(hs + lay.sni_name - 2) - 1); break;
		case 8: put16_at(hs + lay.sni_ext + 2, 0x4000); break;
		case 9: put16_at(hs + lay.sni_ext + 2, 0); break;
		case 10: hs[lay.sid] = 33; break;
		case 11: hs[lay.sid + 33 + 1] = 31; break;
		case 12: hs[lay.sid + 33 + 1] = 0; break;
		case 13: hs[lay.sid + 33 + 2 + 32] = 0; break;	/* no compression */
		case 14: hs[0] = 2; break;
		case 15: hs[1] = 0x01; break;			/* 64 KB message */
		case 16: put16_at(hs + lay.sni_ext + 4, 0); put16_at(hs + lay.sni_ext + 2, 2); break;
		case 17: hs[lay.sni_name] = 0; break;
		case 18: hs[lay.sni_name + 3] = 0x80; break;
		default: break;
		}
		r = tls_records(hs, n, 0, raw, sizeof(raw));
		assert_true(r > 0);
		switch (lie) {
		case 19: memmove(raw + 5, raw, r); memcpy(raw, "\x16\x03\x01\x00\x00", 5); r += 5; break;
		case 20: raw[1] = 2; break;
		case 21: put16_at(raw + 3, 16384 + 2049); break;
		case 22: raw[0] = 23; break;
		case 23: r = 4; break;					/* a record header cut short */
		case 24: r = 50; break;					/* a message cut short */
		case 25: {
			struct hello_spec split = { .sni = "api.example.com", .record_size = 100 };

			r = hello_build(&split, raw, sizeof(raw), NULL);
			raw[105] = 23;
			break;
		}
		default: break;
		}
		snprintf(label, sizeof(label), "lie %d", lie);
		compare(fx, &d, label, raw, r);
	}
	report(&d, "builder lies");
}

/* ---- HTTP ------------------------------------------------------------------------ */

static void http_requests(void **state)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET /index.html HTTP/1.0\r\nUser-Agent: t\r\nHost: api.example.com\r\nAccept: */*\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost:  api.example.com \t\r\nContent-Length: 5\r\n\r\nhello",
		"PROPFIND / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"M / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"get / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET2 / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		" GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET http://api.example.com/x HTTP/1.1\r\n\r\n",
		"GET http://API.example.com:8080/x?y HTTP/1.1\r\nHost: api.example.com:8080\r\n\r\n",
		"GET https://api.example.com HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET http://www.example.com/ HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET http://api.example.com/ HTTP/1.1\r\nHost: api.example.com.evil\r\n\r\n",
		"GET http://user@api.example.com/ HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nhOsT: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHOST: api.example.com:8080\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: API.EXAMPLE.COM.\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: Api.EXAMPLE.com.:8080\r\n\r\n",
		"GET / HTTP/1.1\r\nX-Host: www.example.com\r\nHostname: www.example.com\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\nHost: api.example.com\n\n",
		"GET / HTTP/1.1\r\nHost : api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nX: y\r\n folded\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com:80x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com/\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: ex!ample.com\r\n\r\n",
		"GET / HTTP/1.0\r\nAccept: */*\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 198.18.0.1:8080\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [fd00::1]\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [fd00::1]:8080\r\n\r\n",
		"GET http://[fd00::1]:80/ HTTP/1.1\r\n\r\n",
		"GET http://198.18.0.1:80/ HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 0xc6120001\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: example.0x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: foo.0X:80\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 198.18.0.1.5\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: example.com..\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: .\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a..b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: _x.example.com\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: xn--bcher-kva.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: \xc3\xbc.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: api.example.com\r\n",		/* not ended */
		"GET / HTTP/1.1\r\nHo",
		"GET",
		"OPTIONS * HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"\x01\x02\x03\x04",
	};
	static char big[EGRESS_HELLO_RAW_CAP + 64];
	struct fx *fx = FX(state);
	struct diff d = {};
	int n;

	warn_mode(fx);
	for (size_t i = 0; i < FX_ARRAY_SIZE(reqs); i++) {
		char label[64];

		snprintf(label, sizeof(label), "request %zu", i);
		compare(fx, &d, label, (const __u8 *)reqs[i], strlen(reqs[i]));
	}
	/* the builder's, for every name */
	for (size_t i = 0; i < FX_ARRAY_SIZE(names); i++) {
		char req[512], field[400], label[400];

		snprintf(field, sizeof(field), "Host: %s\r\n", names[i]);
		n = (int)http_build(req, sizeof(req), "GET", "/", field);
		snprintf(label, sizeof(label), "Host \"%s\"", names[i]);
		compare(fx, &d, label, (const __u8 *)req, (size_t)n);
	}
	/* the cap: a head ending on its last byte, and one that does not end */
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: api.example.com\r\nX-Pad: ");
	memset(big + n, 'p', EGRESS_HELLO_RAW_CAP - n - 4);
	memcpy(big + EGRESS_HELLO_RAW_CAP - 4, "\r\n\r\n", 4);
	compare(fx, &d, "head of the cap", (const __u8 *)big, EGRESS_HELLO_RAW_CAP);
	memset(big + n, 'p', EGRESS_HELLO_RAW_CAP - n);
	compare(fx, &d, "head over the cap", (const __u8 *)big, EGRESS_HELLO_RAW_CAP);
	report(&d, "HTTP requests");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

struct pcap_ctx {
	struct fx *fx;
	struct diff *d;
	const char *file;
	int named;
	bool chrome, frag300;
};

static void on_flow(void *arg, int index, __u16 server_port, const __u8 *bytes,
		    size_t len)
{
	struct pcap_ctx *c = arg;
	char label[512];
	int before = c->d->kinds[OUT_NAME];

	snprintf(label, sizeof(label), "%s flow %d (port %u)", c->file, index,
		 server_port);
	compare(c->fx, c->d, label, bytes, len);
	if (c->d->kinds[OUT_NAME] > before) {
		c->named++;
		c->chrome |= !!strstr(c->file, "kyber");
		c->frag300 |= !!strstr(c->file, "frag-mtu300");
	}
}

static void pcap_hellos(void **state)
{
	struct diff d = {};
	struct pcap_ctx c = { .fx = FX(state), .d = &d };
	struct dirent **ents;
	char dir[4096], err[512];
	int n, files = 0;

	warn_mode(c.fx);
	snprintf(dir, sizeof(dir), "%s/external", CORPUS_DIR);
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		print_message("no corpus at %s: skipped\n", dir);
		skip();
	}
	for (int i = 0; i < n; i++) {
		char path[8192];

		c.file = ents[i]->d_name;
		if (strstr(c.file, ".pcap")) {
			snprintf(path, sizeof(path), "%s/%s", dir, c.file);
			if (capture_first_bytes(path, on_flow, &c, err, sizeof(err)))
				print_error("%s\n", err);
			else
				files++;
		}
		free(ents[i]);
	}
	free(ents);
	print_message("%d captures, %d flows with a name\n", files, c.named);
	/* the two the issue names must be among them, and named */
	assert_true(c.chrome);
	assert_true(c.frag300);
	report(&d, "captured first bytes");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest differential[] = {
		fx_test(builder_hellos),
		fx_test(builder_structures),
		fx_test(builder_lies),
		fx_test(http_requests),
		fx_test(pcap_hellos),
	};
	const struct fx_group groups[] = {
		FX_GROUP("differential", differential),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
