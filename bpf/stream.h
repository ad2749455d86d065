/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The first bytes of a TCP flow, inspected in order until they name a host
 * (TLS ClientHello SNI, HTTP Host) or clearly carry none.
 *
 * Bytes are copied into the flow's hellos entry as they arrive in order;
 * a segment that starts after a gap is dropped (the sender retransmits it);
 * a segment that covers bytes already inspected must carry the same bytes,
 * before and after the verdict, until the peer has acknowledged them.
 */
#ifndef EGRESS_BPF_STREAM_H
#define EGRESS_BPF_STREAM_H

#include "maps.h"
#include "ctx.h"
#include "lib/parse.h"
#include "lib/name.h"
#include "lib/tls.h"
#include "lib/http.h"

#define HELLO_MASK (EGRESS_HELLO_RAW_CAP - 1)

/* The key of the flow a guest's packet belongs to. */
EG_INLINE void flow_key_from_pkt(struct egress_flow_key *key, const struct pkt *p)
{
	eg_memcpy(key->saddr, p->saddr, 16);
	eg_memcpy(key->daddr, p->daddr, 16);
	key->sport = p->sport;
	key->dport = p->dport;
	key->l4proto = p->l4proto;
}

enum stream_status {
	STREAM_MORE = 0,	/* in order, no name yet: pass, keep waiting */
	STREAM_OK,		/* a decided flow's segment: nothing to object to */
	STREAM_OUT_OF_ORDER,	/* drop this segment, the flow stays as it is */
	STREAM_REWRITE,		/* inspected bytes rewritten: deny the flow */
	STREAM_NAME,		/* a name: scratch->name, out->name_len */
	STREAM_NO_NAME,		/* the flow carries no name */
	STREAM_FAIL,		/* cannot be parsed: out->reason */
};

struct stream_out {
	__u8  status;
	__u8  reason;
	__u8  app;
	__u8  pad;
	__u32 name_len;
};

struct cmp_ctx {
	eg_ctx_t *ctx;
	struct egress_hello *h;
	__u8 *chunk;
	__u32 pkt_off;		/* packet offset of the first overlapping byte */
	__u32 raw_off;		/* its stream offset */
	__u32 len;
	__u32 mismatch;
};

static long cmp_chunk(__u32 i, void *arg)
{
	struct cmp_ctx *c = arg;
	__u32 done = i * 64, n;

	if (done >= c->len)
		return 1;
	n = c->len - done;
	if (n > 64)
		n = 64;
	if (n < 1 || eg_ctx_load(c->ctx, c->pkt_off + done, c->chunk, n)) {
		c->mismatch = 1;
		return 1;
	}
	for (__u32 j = 0; j < 64; j++) {
		if (j >= n)
			break;
		if (c->chunk[j] != c->h->raw[(c->raw_off + done + j) & HELLO_MASK]) {
			c->mismatch = 1;
			return 1;
		}
	}
	return 0;
}

/* Copies n bytes at pkt_off into the hello at its end. 0 or -1. */
EG_INLINE int hello_append(eg_ctx_t *ctx, struct egress_hello *h,
			   __u32 pkt_off, __u32 n)
{
	__u32 done = 0;

	for (int i = 0; i < EGRESS_HELLO_RAW_CAP / 512; i++) {
		__u32 chunk = n - done;

		if (done >= n)
			break;
		if (chunk > 512)
			chunk = 512;
		if (chunk < 1 ||
		    eg_ctx_load(ctx, pkt_off + done,
				       h->raw + ((h->raw_len + done) & HELLO_MASK), chunk))
			return -1;
		done += chunk;
	}
	if (done != n)
		return -1;
	h->raw_len += n;
	return 0;
}

struct rec_ctx {
	struct egress_hello *h;
	__u32 err;		/* enum egress_reason, 0: none */
};

/*
 * One step of the TLS record walk over the held bytes: a whole 5-byte
 * record header, or the body bytes held of the current record, counted
 * (not copied) as handshake bytes. Stops when the handshake bytes reach
 * what the parser needs, or the held bytes run out.
 */
static long rec_step(__u32 i, void *arg)
{
	struct rec_ctx *c = arg;
	struct egress_hello *h = c->h;
	__u32 pos = h->rec_pos, n;

	if (h->hs_len >= h->need || pos >= h->raw_len)
		return 1;
	if (!h->rec_left) {
		__u8 *hdr = h->raw + (pos & HELLO_MASK);
		__u32 len;

		if (h->raw_len - pos < 5)
			return 1;
		len = (__u32)hdr[3] << 8 | hdr[4];
		if (hdr[0] != 22 || hdr[1] != 3 || len == 0 || len > 16384 + 2048) {
			c->err = EGRESS_REASON_PARSE_FAILURE;
			return 1;
		}
		h->rec_left = len;
		h->rec_pos = pos + 5;
		h->n_records++;
		return 0;
	}
	n = h->raw_len - pos;
	if (n > h->rec_left)
		n = h->rec_left;
	if (n > h->need - h->hs_len)
		n = h->need - h->hs_len;
	if (h->hs_len + n > EGRESS_HELLO_RAW_CAP) {
		c->err = EGRESS_REASON_HELLO_TOO_LARGE;
		return 1;
	}
	h->hs_len += n;
	h->rec_pos = pos + n;
	h->rec_left -= n;
	return 0;
}

/*
 * What the TLS parser and the name canonicaliser may read of a buffer:
 * every offset masked with EG_HELLO_MASK, and at most a name's length
 * past it. The handshake bytes of a one-record hello are read in place,
 * from the record's body in raw; those of several records from hello_hs.
 */
struct hello_view {
	__u8 b[EG_HELLO_BUF - 8];
};

_Static_assert(EG_HELLO_MASK + EG_NAME_MAX + 2 <= sizeof(struct hello_view),
	       "a masked offset plus a name stays inside a view");
_Static_assert(__builtin_offsetof(struct egress_hello, raw) + 5 +
	       sizeof(struct hello_view) <= sizeof(struct egress_hello),
	       "a view of raw past a record header stays inside the entry");
_Static_assert(sizeof(struct hello_view) <= sizeof(((struct hello_hs *)0)->b),
	       "a view of hello_hs stays inside it");

struct gather_ctx {
	const struct egress_hello *h;
	struct hello_hs *out;	/* its pos/left/done: in the map, so that the
				   verifier holds no exact value of them */
};

/* One step of gathering: a record header, or up to 64 body bytes. */
static long gather_step(__u32 i, void *arg)
{
	struct gather_ctx *c = arg;
	const struct egress_hello *h = c->h;
	struct hello_hs *o = c->out;
	__u32 n;

	if (o->done >= h->hs_len || o->pos >= h->raw_len)
		return 1;
	if (!o->left) {
		const __u8 *hdr = h->raw + (o->pos & HELLO_MASK);

		o->left = (__u32)hdr[3] << 8 | hdr[4];	/* walked before */
		o->pos += 5;
		return 0;
	}
	n = h->hs_len - o->done;
	if (n > o->left)
		n = o->left;
	if (n > 64)
		n = 64;
	/* a fixed-size copy: bytes past n are overwritten by the next step */
	__builtin_memcpy(o->b + (o->done & HELLO_MASK), h->raw + (o->pos & HELLO_MASK), 64);
	o->done += n;
	o->pos += n;
	o->left -= n;
	return 0;
}

/*
 * Where the parser reads the handshake bytes walked so far: in place for
 * one record, else hello_hs, gathered there when gather is set (once per
 * parse; the name is then read from the same copy in the same run).
 */
EG_INLINE const struct hello_view *hello_hs_view(const struct egress_hello *h,
						 bool gather)
{
	struct gather_ctx c = { .h = h };
	__u32 zero = 0;

	if (h->n_records <= 1)
		return (const struct hello_view *)(h->raw + 5);
	c.out = bpf_map_lookup_elem(&hello_hs, &zero);
	if (!c.out)
		return NULL;
	if (gather) {
		c.out->pos = c.out->left = c.out->done = 0;
		bpf_loop(2 * EGRESS_HELLO_RAW_CAP + 1, gather_step, &c, 0);
		if (c.out->done != h->hs_len)
			return NULL;
	}
	return (const struct hello_view *)c.out->b;
}

EG_INLINE void stream_fail(struct stream_out *out, __u8 reason)
{
	out->status = STREAM_FAIL;
	out->reason = reason;
}

/*
 * The host name at [off, off + len) of a view (TLS handshake bytes, or an
 * HTTP request's raw bytes), canonical, into s->name (where its labels
 * start into s->labels): its length, EG_HOST_IP_LITERAL or EG_HOST_INVALID.
 * Global: verified once.
 */
__noinline int hello_host(const struct hello_view *v, int tls, __u32 off,
			  __u32 len, struct scratch *s)
{
	if (!v || !s)
		return EG_HOST_INVALID;
	if (tls)
		return eg_host_canon_labels(v->b, off, len, s->name, &s->labels);
	return eg_http_host_canon_labels(v->b, off, len, s->name, &s->labels);
}

/* eg_hello_parse() on a view. Global: verified once, whichever view. */
__noinline int hello_parse(const struct hello_view *v, __u32 len,
			   struct eg_hello_info *info)
{
	if (!v || !info)
		return EG_HELLO_MALFORMED;
	return eg_hello_parse(v->b, len, info);
}

#define TLS_STEP_WAIT 100	/* fewer handshake bytes held than needed */

/*
 * Walks the records held so far and, once the handshake bytes reach what
 * the parser needs, parses them (from hello_hs_view()). Returns an
 * EG_HELLO_* status, TLS_STEP_WAIT, or minus an egress_reason.
 */
__noinline int tls_step(struct egress_hello *h, struct eg_hello_info *info)
{
	struct rec_ctx rc = { .h = h };
	const struct hello_view *v;

	if (!h || !info)
		return -EGRESS_REASON_PARSE_FAILURE;
	bpf_loop(EGRESS_HELLO_RAW_CAP + 1, rec_step, &rc, 0);
	if (rc.err)
		return -(int)rc.err;
	if (h->hs_len < h->need)
		return TLS_STEP_WAIT;
	v = hello_hs_view(h, true);
	if (!v)
		return -EGRESS_REASON_PARSE_FAILURE;
	return hello_parse(v, h->hs_len, info);
}

/* The TLS part: walk records, parse once enough is held. */
__noinline int stream_tls(struct egress_hello *h, struct scratch *s,
			  struct stream_out *out)
{
	struct eg_hello_info info = {};
	int st = EG_HELLO_MORE, len;

	if (!h || !s || !out)
		return -1;
	out->app = EGRESS_APP_TLS;
	if (!h->need)
		h->need = 4;
	for (int round = 0; round < 3; round++) {
		st = tls_step(h, &info);
		if (st < 0)
			return stream_fail(out, -st), 0;
		if (st == TLS_STEP_WAIT) {
			out->status = STREAM_MORE;
			return 0;
		}
		if (st != EG_HELLO_MORE)
			break;
		if (info.need <= h->need)	/* no progress: never loop */
			return stream_fail(out, EGRESS_REASON_PARSE_FAILURE), 0;
		h->need = info.need;
	}
	switch (st) {
	case EG_HELLO_MORE:
		out->status = STREAM_MORE;
		return 0;
	case EG_HELLO_DONE:
		break;
	case EG_HELLO_TOO_LARGE:
		return stream_fail(out, EGRESS_REASON_HELLO_TOO_LARGE), 0;
	case EG_HELLO_BAD_SNI:
		return stream_fail(out, EGRESS_REASON_INVALID_NAME), 0;
	default:
		return stream_fail(out, EGRESS_REASON_PARSE_FAILURE), 0;
	}
	if (!info.has_sni) {
		out->status = STREAM_NO_NAME;
		return 0;
	}
	/* the bytes tls_step() parsed: in place, or its copy in this run */
	len = hello_host(hello_hs_view(h, false), 1, info.sni_off, info.sni_len, s);
	if (len < 0)	/* RFC 6066: no address literals in server_name */
		return stream_fail(out, EGRESS_REASON_INVALID_NAME), 0;
	out->status = STREAM_NAME;
	out->name_len = len;
	return 0;
}

/* The HTTP part: parse the request head held so far. */
__noinline int stream_http(struct egress_hello *h, struct scratch *s,
			   struct stream_out *out)
{
	struct eg_http_info info = {};
	int st, len;

	if (!h || !s || !out)
		return -1;
	out->app = EGRESS_APP_HTTP;
	if (h->raw_len < h->need) {
		out->status = STREAM_MORE;
		return 0;
	}
	st = eg_http_parse(h->raw, h->raw_len, &info);
	switch (st) {
	case EG_HTTP_MORE:
		h->need = info.need > h->raw_len ? info.need : h->raw_len + 1;
		out->status = STREAM_MORE;
		return 0;
	case EG_HTTP_DONE:
		break;
	case EG_HTTP_NOT_HTTP:
		out->app = EGRESS_APP_NONE;
		out->status = STREAM_NO_NAME;
		return 0;
	case EG_HTTP_NO_HOST:
		out->status = STREAM_NO_NAME;
		return 0;
	case EG_HTTP_TOO_LARGE:
		return stream_fail(out, EGRESS_REASON_HELLO_TOO_LARGE), 0;
	default:
		return stream_fail(out, EGRESS_REASON_PARSE_FAILURE), 0;
	}
	len = hello_host((const struct hello_view *)h->raw, 0, info.host_off, info.host_len, s);
	if (len == EG_HOST_IP_LITERAL) {
		out->status = STREAM_NO_NAME;	/* decided by its address */
		return 0;
	}
	if (len < 0)
		return stream_fail(out, EGRESS_REASON_INVALID_NAME), 0;
	out->status = STREAM_NAME;
	out->name_len = len;
	return 0;
}

/*
 * Inspects the payload of one segment of a flow that is pending, or that
 * still holds inspected bytes. A global function: verified on its own.
 */
__noinline int stream_inspect(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			      const struct pkt *p, struct egress_flow *f,
			      struct stream_out *out)
{
	struct egress_flow_key k = {}, *key = &k;
	__u32 zero = 0, rel, len, end, ov_end;
	struct egress_hello *h;
	struct scratch *s;
	void *tab;
	bool pending;

	if (!p || !f || !out || !sb)
		return -1;
	flow_key_from_pkt(key, p);
	out->status = STREAM_MORE;
	len = p->payload_len;
	pending = f->state == EGRESS_FLOW_PENDING;
	if (p->payload_off > EG_MAX_HDR_OFF)
		return stream_fail(out, EGRESS_REASON_PARSE_FAILURE), 0;

	tab = bpf_map_lookup_elem(&hellos, &sb->id);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!tab || !s)
		return stream_fail(out, EGRESS_REASON_HELLO_TABLE_FULL), 0;
	if (!len) {
		/* nothing to inspect; say what the held bytes were */
		h = bpf_map_lookup_elem(tab, key);
		if (h)
			out->app = h->app;
		return 0;
	}

	rel = p->seq + !!(p->tcp_flags & 0x02) - f->isn;
	if ((__s32)rel < 0) {
		/* before the first byte: only a lie can put data there */
		out->status = pending ? STREAM_OUT_OF_ORDER : STREAM_REWRITE;
		return 0;
	}
	/* a flow that holds no bytes has no entry (any left over is replaced) */
	h = f->flags & EGRESS_FLOW_F_HELLO ? bpf_map_lookup_elem(tab, key) : NULL;
	if (!h && pending && (f->flags & EGRESS_FLOW_F_HELLO)) {
		/* its held bytes were evicted for another flow's: fail closed */
		return stream_fail(out, EGRESS_REASON_HELLO_TABLE_FULL), 0;
	}
	if (h)
		out->app = h->app;
	if (!h) {
		struct egress_hello *init;
		__u32 *cnt;

		if (!pending || !(f->flags & EGRESS_FLOW_F_ISN)) {
			out->status = STREAM_OK;
			return 0;
		}
		if (rel) {
			out->status = STREAM_OUT_OF_ORDER;
			return 0;
		}
		init = bpf_map_lookup_elem(&hello_zero, &zero);
		if (!init || bpf_map_update_elem(tab, key, init, BPF_ANY))
			return stream_fail(out, EGRESS_REASON_HELLO_TABLE_FULL), 0;
		h = bpf_map_lookup_elem(tab, key);
		if (!h)
			return stream_fail(out, EGRESS_REASON_HELLO_TABLE_FULL), 0;
		f->flags |= EGRESS_FLOW_F_HELLO;
		cnt = bpf_map_lookup_elem(&hello_count, &sb->id);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
	}

	if (rel > h->raw_len) {
		out->status = pending ? STREAM_OUT_OF_ORDER : STREAM_OK;
		return 0;
	}
	end = rel + len;
	ov_end = end < h->raw_len ? end : h->raw_len;
	if (ov_end > rel) {
		struct cmp_ctx c = {
			.ctx = ctx, .h = h, .chunk = s->chunk,
			.pkt_off = p->payload_off, .raw_off = rel, .len = ov_end - rel,
		};

		bpf_loop(EGRESS_HELLO_RAW_CAP / 64 + 1, cmp_chunk, &c, 0);
		if (c.mismatch) {
			out->status = STREAM_REWRITE;
			return 0;
		}
	}
	if (!pending) {
		out->status = STREAM_OK;
		return 0;
	}
	if (end > h->raw_len) {
		__u32 n = end - h->raw_len;

		/*
		 * Hold at most the cap: a super-frame may carry far more than
		 * a hello, and whether that is too much is the parsers' call.
		 */
		if (h->raw_len >= EGRESS_HELLO_RAW_CAP)
			return stream_fail(out, EGRESS_REASON_HELLO_TOO_LARGE), 0;
		if (n > EGRESS_HELLO_RAW_CAP - h->raw_len)
			n = EGRESS_HELLO_RAW_CAP - h->raw_len;
		if (hello_append(ctx, h, p->payload_off + (h->raw_len - rel), n))
			return stream_fail(out, EGRESS_REASON_PARSE_FAILURE), 0;
		if (++f->segs > EGRESS_HELLO_MAX_SEGS)
			return stream_fail(out, EGRESS_REASON_HELLO_TOO_LARGE), 0;
		f->inspected = h->raw_len;
	}

	if (h->app == EGRESS_APP_UNKNOWN) {
		if (h->raw[0] == 22)
			h->app = EGRESS_APP_TLS;
		else if (eg_http_maybe(h->raw, h->raw_len))
			h->app = EGRESS_APP_HTTP;
		else
			h->app = EGRESS_APP_NONE;
	}
	if (h->app == EGRESS_APP_TLS)
		stream_tls(h, s, out);
	else if (h->app == EGRESS_APP_HTTP)
		stream_http(h, s, out);
	else
		out->status = STREAM_NO_NAME;
	if (out->status == STREAM_MORE && h->raw_len >= EGRESS_HELLO_RAW_CAP)
		stream_fail(out, EGRESS_REASON_HELLO_TOO_LARGE);	/* full, undecided */
	if (out->app == EGRESS_APP_NONE || h->app == EGRESS_APP_NONE)
		out->app = EGRESS_APP_NONE;
	return 0;
}

/* Drops a flow's hello entry (a denied flow, or one the peer acknowledged). */
EG_INLINE void hello_release(__u32 sandbox_id, struct egress_flow *f,
			     const struct egress_flow_key *key)
{
	void *tab;
	__u32 *cnt;

	if (!(f->flags & EGRESS_FLOW_F_HELLO))
		return;
	f->flags &= ~EGRESS_FLOW_F_HELLO;
	tab = bpf_map_lookup_elem(&hellos, &sandbox_id);
	if (tab && !bpf_map_delete_elem(tab, key)) {
		cnt = bpf_map_lookup_elem(&hello_count, &sandbox_id);
		if (cnt && *cnt)
			__sync_fetch_and_sub(cnt, 1);
	}
}

#endif /* EGRESS_BPF_STREAM_H */
