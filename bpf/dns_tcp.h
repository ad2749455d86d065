/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS over TCP (port 53): the guest's queries and the resolver's answers.
 *
 * A TCP/53 flow is inspected for its whole life (egress_flow proto
 * EGRESS_PROTO_DNS). Its stream is kept in order in a ring, its hellos entry
 * (see egress_hello), and cut at the two-byte length prefixes (RFC 7766).
 * Every complete query is parsed and decided like one over UDP (dns_decide);
 * a segment passes only if every query it completes is allowed. A query
 * split across segments is held in the ring until its last byte arrives:
 * the segments before pass (the resolver cannot act on part of a message),
 * the one that completes it is decided. A denied query resets the
 * connection: its last byte never reaches the resolver. A length outside
 * [12, EG_DNS_CAP] fails the flow closed, as do a segment that rewrites
 * bytes already taken and, in deny mode, one after a gap (dropped: the
 * sender resends).
 *
 * Answers (tc): each segment from the resolver is cut at the length
 * prefixes from the peer's stream position the flow remembers (peer_next);
 * every answer is learnt like one over UDP. An answer split across
 * segments is held (a hellos entry under the answer's own flow key) until
 * whole; one longer than EG_DNS_ANSWER_CAP binds nothing (counted as
 * malformed) and the next is found from its length. A gap in the peer's
 * stream, or a length prefix split from its answer, ends the learning for
 * that connection (counted).
 */
#ifndef EGRESS_BPF_DNS_TCP_H
#define EGRESS_BPF_DNS_TCP_H

#include "maps.h"
#include "event.h"
#include "stream.h"
#include "dns_query.h"
#include "dns_answer.h"

#define DNS_TCP_SEG_MAX		4096	/* new stream bytes a segment may bring */
#define DNS_TCP_MSGS		64	/* queries a segment may complete */
#define DNS_TCP_ANSWERS		8	/* answers looked at per segment */

enum dns_tcp_status {
	DNS_TCP_PASS = 0,	/* every query it completes is allowed */
	DNS_TCP_OUT_OF_ORDER,	/* after a gap: drop it (deny mode) */
	DNS_TCP_DENIED,		/* a query was denied: out->d */
	DNS_TCP_FAIL,		/* the stream cannot be read: out->d */
};

struct dns_tcp_out {
	struct decision d;
	__u8 status;
	__u8 walk;		/* new bytes taken: walk the queries they complete */
};


EG_INLINE int dns_tcp_fail(struct dns_tcp_out *out, __u8 reason)
{
	out->status = DNS_TCP_FAIL;
	decision_set(&out->d, EGRESS_DENIED, reason, EGRESS_SCOPE_NONE, 0);
	return 0;
}

struct dns_tcp_walk {
	const struct egress_sandbox *sb;
	const struct pkt *p;
	struct egress_hello *h;
	struct dns_tcp_out *out;
	__u8 *msg;		/* where the query is copied to */
	__u32 from;		/* its stream offset */
};

EG_LOOP_CB dns_tcp_copy_step(__u32 i, void *arg)
{
	struct dns_tcp_walk *c = arg;

	c->msg[i & EG_DNS_MASK] = c->h->raw[(c->from + i) & HELLO_MASK];
	return 0;
}

/*
 * One complete query at the ring's next boundary, if there is one: decided,
 * its event emitted, its answer expected when allowed.
 */
static long dns_tcp_walk_step(__u32 i, void *arg)
{
	struct dns_tcp_walk *c = arg;
	struct egress_hello *h = c->h;
	__u32 pos = h->rec_pos, avail = h->raw_len - pos, n, zero = 0;
	struct dns_work *w;
	struct scratch *s;
	int understood;

	if (avail < 2)
		return 1;
	n = (__u32)h->raw[pos & HELLO_MASK] << 8 | h->raw[(pos + 1) & HELLO_MASK];
	if (n < EG_DNS_HDR_LEN || n > EG_DNS_CAP) {
		/* no query is this short; none we take this long */
		c->out->status = DNS_TCP_FAIL;
		decision_set(&c->out->d, EGRESS_DENIED,
			     n > EG_DNS_CAP ? EGRESS_REASON_HELLO_TOO_LARGE :
			     EGRESS_REASON_PARSE_FAILURE, EGRESS_SCOPE_NONE, 0);
		return 1;
	}
	if (avail - 2 < n)
		return 1;		/* held until complete */
	if (i >= DNS_TCP_MSGS - 1) {
		c->out->status = DNS_TCP_FAIL;	/* more than a segment may hold */
		decision_set(&c->out->d, EGRESS_DENIED, EGRESS_REASON_HELLO_TOO_LARGE,
			     EGRESS_SCOPE_NONE, 0);
		return 1;
	}
	w = bpf_map_lookup_elem(&dns_work, &zero);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!w || !s) {
		dns_tcp_fail(c->out, EGRESS_REASON_PARSE_FAILURE);
		return 1;
	}
	c->msg = w->msg;
	c->from = pos + 2;
	bpf_loop(n, dns_tcp_copy_step, c, 0);
	w->len = n;
	s->name_len = 0;
	understood = dns_decide(c->sb, c->p, w, s, &c->out->d);
	event_emit(c->sb, c->p, &c->out->d, EGRESS_PROTO_DNS, s->name_len ? s : NULL);
	if (c->out->d.verdict != EGRESS_ALLOWED) {
		c->out->status = DNS_TCP_DENIED;
		return 1;
	}
	if (understood && !c->out->d.would_deny && s->name_len &&
	    dns_to_resolver(c->sb, c->p->daddr))
		dns_pending_record(c->sb, c->p, w->q.id, s->name_hash);
	h->rec_pos = pos + 2 + n;
	return 0;
}

/* Copies n bytes at pkt_off into the ring at its end. 0 or -1. */
EG_INLINE int dns_tcp_append(eg_ctx_t *ctx, struct egress_hello *h,
			     __u32 pkt_off, __u32 n)
{
	__u32 done = 0;

	for (int i = 0; i < DNS_TCP_SEG_MAX / 512 + 2; i++) {
		__u32 at = (h->raw_len + done) & HELLO_MASK;
		__u32 chunk = n - done;

		if (done >= n)
			break;
		if (chunk > 512)
			chunk = 512;
		if (chunk > EGRESS_HELLO_RAW_CAP - at)
			chunk = EGRESS_HELLO_RAW_CAP - at;	/* up to the ring's end */
		if (chunk < 1 || eg_ctx_load(ctx, pkt_off + done, h->raw + at, chunk))
			return -1;
		done += chunk;
	}
	if (done != n)
		return -1;
	h->raw_len += n;
	return 0;
}

/*
 * One segment of a DNS over TCP flow the guest sends: its bytes taken into
 * the flow's ring, and every query they complete decided. Global.
 */
__noinline int dns_tcp_inspect(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			       const struct pkt *p, struct egress_flow *f,
			       struct dns_tcp_out *out)
{
	struct egress_flow_key key = {};
	__u32 zero = 0, rel, len, end, ov_end;
	struct egress_hello *h;
	struct scratch *s;
	void *tab;

	if (!ctx || !sb || !p || !f || !out)
		return -1;
	out->status = DNS_TCP_PASS;
	len = p->payload_len;
	if (!len)
		return 0;
	if (p->payload_off > EG_MAX_HDR_OFF)
		return dns_tcp_fail(out, EGRESS_REASON_PARSE_FAILURE);
	flow_key_from_pkt(&key, p);
	tab = bpf_map_lookup_elem(&hellos, &sb->id);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!tab || !s)
		return dns_tcp_fail(out, EGRESS_REASON_HELLO_TABLE_FULL);
	rel = p->seq + !!(p->tcp_flags & EG_TCP_SYN) - f->isn;
	if ((__s32)rel < 0)
		return dns_tcp_fail(out, EGRESS_REASON_REWRITE);	/* before its first byte */
	h = bpf_map_lookup_elem(tab, &key);
	if (!h) {
		struct egress_hello *init;
		__u32 *cnt;

		if (f->flags & EGRESS_FLOW_F_HELLO)	/* evicted: fail closed */
			return dns_tcp_fail(out, EGRESS_REASON_HELLO_TABLE_FULL);
		if (rel) {
			out->status = DNS_TCP_OUT_OF_ORDER;
			return 0;
		}
		init = bpf_map_lookup_elem(&hello_zero, &zero);
		if (!init || bpf_map_update_elem(tab, &key, init, BPF_NOEXIST))
			return dns_tcp_fail(out, EGRESS_REASON_HELLO_TABLE_FULL);
		h = bpf_map_lookup_elem(tab, &key);
		if (!h)
			return dns_tcp_fail(out, EGRESS_REASON_HELLO_TABLE_FULL);
		h->app = EGRESS_APP_NONE;
		f->flags |= EGRESS_FLOW_F_HELLO;
		cnt = bpf_map_lookup_elem(&hello_count, &sb->id);
		if (cnt)
			__sync_fetch_and_add(cnt, 1);
	}
	if (rel > h->raw_len) {
		out->status = DNS_TCP_OUT_OF_ORDER;
		return 0;
	}
	end = rel + len;
	ov_end = end < h->raw_len ? end : h->raw_len;
	if (ov_end > rel) {
		/* bytes taken before: the same, or the flow is a lie */
		struct cmp_ctx c = {
			.ctx = ctx, .h = h, .chunk = s->chunk,
			.pkt_off = p->payload_off, .raw_off = rel, .len = ov_end - rel,
		};

		if (h->raw_len - rel > EGRESS_HELLO_RAW_CAP)
			return dns_tcp_fail(out, EGRESS_REASON_REWRITE);	/* out of the ring */
		bpf_loop(EGRESS_HELLO_RAW_CAP / 64 + 1, cmp_chunk, &c, 0);
		if (c.mismatch)
			return dns_tcp_fail(out, EGRESS_REASON_REWRITE);
	}
	if (end <= h->raw_len)
		return 0;		/* nothing new */
	if (end - h->raw_len > DNS_TCP_SEG_MAX)
		return dns_tcp_fail(out, EGRESS_REASON_HELLO_TOO_LARGE);
	if (dns_tcp_append(ctx, h, p->payload_off + (h->raw_len - rel), end - h->raw_len))
		return dns_tcp_fail(out, EGRESS_REASON_PARSE_FAILURE);
	f->inspected = h->raw_len;
	if (f->segs < 0xffff)
		f->segs++;
	out->walk = 1;
	return 0;
}

/*
 * Decides every query the bytes taken complete (after dns_tcp_inspect
 * said to walk). Inline: the query path's frames are deep already.
 */
EG_INLINE void dns_tcp_walk(const struct egress_sandbox *sb, const struct pkt *p,
			    const struct egress_flow_key *key, struct dns_tcp_out *out)
{
	struct dns_tcp_walk wk = { .sb = sb, .p = p, .out = out };
	void *tab = bpf_map_lookup_elem(&hellos, &sb->id);

	if (tab)
		wk.h = bpf_map_lookup_elem(tab, key);
	if (!wk.h) {
		dns_tcp_fail(out, EGRESS_REASON_HELLO_TABLE_FULL);
		return;
	}
	bpf_loop(DNS_TCP_MSGS, dns_tcp_walk_step, &wk, 0);
}

enum dns_peer {
	DNS_PEER_LOST = 0,	/* where its answers start is not known */
	DNS_PEER_AT,		/* peer_next: the next answer's length prefix */
	DNS_PEER_HOLDING,	/* an answer split across segments is held */
};

/*
 * Starts holding the answer whose length prefix (n) is at payload offset
 * start of p, which holds only its first bytes. 0, or -1 when it cannot be
 * held. Global.
 */
__noinline int dns_tcp_hold_start(struct __sk_buff *skb, const struct egress_sandbox *sb,
				  const struct pkt *p, __u32 start, __u32 n)
{
	__u32 idx = DNS_KEY_HELD, zero = 0, have;
	struct egress_flow_key *key;
	struct egress_hello *h, *init;
	void *tab;

	if (!skb || !sb || !p || n < EG_DNS_HDR_LEN || n > EG_DNS_ANSWER_CAP ||
	    start + 2 > p->payload_len)
		return -1;
	have = p->payload_len - start - 2;
	if (have >= n)
		return -1;
	key = bpf_map_lookup_elem(&dns_tcp_keys, &idx);
	tab = bpf_map_lookup_elem(&hellos, &sb->id);
	init = bpf_map_lookup_elem(&hello_zero, &zero);
	if (!key || !tab || !init)
		return -1;
	flow_key_from_pkt(key, p);
	if (bpf_map_update_elem(tab, key, init, BPF_ANY))
		return -1;
	h = bpf_map_lookup_elem(tab, key);
	if (!h)
		return -1;
	if (have && bpf_skb_load_bytes(skb, (p->payload_off + start + 2) & 0xffff, h->raw,
				       ((have - 1) & EG_DNS_ANSWER_MASK) + 1))
		return -1;	/* have < n <= EG_DNS_ANSWER_CAP */
	h->raw_len = have;
	h->need = n;
	h->rec_pos = p->seq + start + 2 + have;
	return 0;
}

struct dns_hold_res {
	__u32 next;		/* payload offset after the bytes taken */
	__u32 whole;		/* the held answer's length once whole, 0: not yet */
};

/*
 * Adds p's bytes to the answer held for its flow. Returns -1 when nothing
 * more is to be read from p, else 0 (*res). Global.
 */
__noinline int dns_tcp_hold_more(struct __sk_buff *skb, const struct egress_sandbox *sb,
				 const struct pkt *p, struct egress_flow *f,
				 struct dns_hold_res *res)
{
	__u32 idx = DNS_KEY_HELD, skip, take, len;
	struct egress_flow_key *key;
	struct egress_hello *h = NULL;
	void *tab;

	if (!skb || !sb || !p || !f || !res)
		return -1;
	key = bpf_map_lookup_elem(&dns_tcp_keys, &idx);
	tab = bpf_map_lookup_elem(&hellos, &sb->id);
	if (key && tab) {
		flow_key_from_pkt(key, p);
		h = bpf_map_lookup_elem(tab, key);
	}
	len = p->payload_len;
	if (!h)
		goto lost;		/* evicted */
	skip = h->rec_pos - p->seq;
	if ((__s32)skip < 0)
		goto lost;		/* bytes went by unseen */
	if (skip >= len)
		return -1;		/* resent bytes, all held already */
	take = h->need - h->raw_len;
	if (take > len - skip)
		take = len - skip;
	if (take < 1 || take > EG_DNS_ANSWER_CAP || h->raw_len >= EG_DNS_ANSWER_CAP ||
	    bpf_skb_load_bytes(skb, (p->payload_off + skip) & 0xffff,
			       h->raw + (h->raw_len & EG_DNS_ANSWER_MASK),
			       ((take - 1) & EG_DNS_ANSWER_MASK) + 1))
		goto lost;
	h->raw_len += take;
	h->rec_pos += take;
	res->next = skip + take;
	res->whole = h->raw_len == h->need ? h->need : 0;
	if (res->whole)
		f->peer = DNS_PEER_AT;
	return 0;
lost:
	f->peer = DNS_PEER_LOST;
	stat_add(EGRESS_STAT_DNS_ANSWERS_MALFORMED, 1);
	return -1;
}

/* Lets the held answer of the flow of DNS_KEY_HELD go. Global. */
__noinline int dns_tcp_hold_end(const struct egress_sandbox *sb)
{
	__u32 idx = DNS_KEY_HELD;
	struct egress_flow_key *key;
	void *tab;

	if (!sb)
		return 0;
	key = bpf_map_lookup_elem(&dns_tcp_keys, &idx);
	tab = bpf_map_lookup_elem(&hellos, &sb->id);
	if (key && tab)
		bpf_map_delete_elem(tab, key);
	return 0;
}

/*
 * A segment from port 53 to the guest on a DNS over TCP flow: its answers
 * learnt (dns_answer_learn). Global.
 */
__noinline int dns_tcp_answers(struct __sk_buff *skb, const struct egress_sandbox *sb,
			       const struct pkt *p)
{
	struct dns_hold_res res = {};
	__u32 start = 0, n, len, idx = DNS_KEY_TC;
	struct egress_flow_key *key;
	struct egress_flow *f;
	__u8 pfx[2];
	void *table;

	if (!skb || !sb || !p)
		return 0;
	table = bpf_map_lookup_elem(&flows, &sb->id);
	key = bpf_map_lookup_elem(&dns_tcp_keys, &idx);
	if (!table || !key)
		return 0;
	eg_memcpy(key->saddr, p->daddr, 16);
	eg_memcpy(key->daddr, p->saddr, 16);
	key->sport = p->dport;
	key->dport = p->sport;
	key->l4proto = IPPROTO_TCP;
	f = bpf_map_lookup_elem(table, key);
	if (!f || f->proto != EGRESS_PROTO_DNS || (f->flags & EGRESS_FLOW_F_INBOUND))
		return 0;
	if (p->tcp_flags & EG_TCP_SYN) {
		/* its SYN-ACK: the answers start after it */
		f->peer_next = p->seq + 1;
		f->peer = DNS_PEER_AT;
		return 0;
	}
	len = p->payload_len;
	if (f->peer == DNS_PEER_LOST || !len)
		return 0;
	if (f->peer == DNS_PEER_HOLDING) {
		if (dns_tcp_hold_more(skb, sb, p, f, &res) || !res.whole)
			return 0;
		dns_answer_learn(skb, sb, p, DNS_ANSWER_HELD, res.whole);
		dns_tcp_hold_end(sb);
		start = res.next;
	} else if ((__s32)(p->seq - f->peer_next) > 0) {
		/* bytes went by unseen: where answers start is lost */
		f->peer = DNS_PEER_LOST;
		stat_add(EGRESS_STAT_DNS_ANSWERS_MALFORMED, 1);
		return 0;
	} else {
		start = f->peer_next - p->seq;
	}
	for (int i = 0; i < DNS_TCP_ANSWERS; i++) {
		if (start >= len)
			return 0;
		if (len - start < 2 ||
		    bpf_skb_load_bytes(skb, (p->payload_off + start) & 0xffff, pfx, 2)) {
			/* the length split from its answer: lost */
			f->peer = DNS_PEER_LOST;
			stat_add(EGRESS_STAT_DNS_ANSWERS_MALFORMED, 1);
			return 0;
		}
		n = (__u32)pfx[0] << 8 | pfx[1];
		f->peer_next = p->seq + start + 2 + n;
		if (len - start - 2 < n) {
			/* split across segments: held until whole, if it may be */
			if (!dns_tcp_hold_start(skb, sb, p, start, n))
				f->peer = DNS_PEER_HOLDING;
			else
				stat_add(EGRESS_STAT_DNS_ANSWERS_MALFORMED, 1);
			return 0;
		}
		dns_answer_learn(skb, sb, p, p->payload_off + start + 2, n);
		start += 2 + n;
	}
	return 0;
}

#endif /* EGRESS_BPF_DNS_TCP_H */
