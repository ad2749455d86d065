/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS answers on their way to the guest (tc), learnt before the guest sees
 * them: an answer over UDP or TCP (dns_tcp.h) from port 53 that matches a query XDP let
 * through to a resolver (dns_pending: same sandbox, ID, guest port,
 * resolver and question name) binds, in this sandbox's bindings map, every
 * A/AAAA address it gives for the question name or its CNAME chain to the
 * question name and to every name of the chain, until the answer's least
 * TTL (capped at a day) plus the configured grace.
 *
 * Answers are never changed or dropped here: one that matches no recorded
 * query, cannot be parsed, or whose addresses find no room in a full
 * bindings map reaches the guest as it is and binds nothing (counted), so
 * a connection to those addresses is decided as unbound.
 */
#ifndef EGRESS_BPF_DNS_ANSWER_H
#define EGRESS_BPF_DNS_ANSWER_H

#include "maps.h"
#include "lib/dns.h"
#include "lib/name_hash.h"

#define DNS_ANSWER_NAMES	(EG_DNS_MAX_CHAIN + 1)	/* the question and its chain */

/* Per-CPU room for an answer and the binding made of it. */
struct dns_answer_work {
	__u8 msg[EG_DNS_ANSWER_BUF];
	struct eg_dns_answer a;
	char qname[EG_DNS_NAME_BUF];
	char chain[EG_DNS_MAX_CHAIN][EG_DNS_NAME_BUF];
	struct egress_binding_name names[DNS_ANSWER_NAMES];
	struct egress_binding fresh;
	struct egress_dns_pending_key pkey;
	__u64 key[2];
	__u32 n_names;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_answer_work);
} dns_answer_work SEC(".maps");

/*
 * Per-CPU room for the key of the flow in hand (DNS_KEY_*): the callers'
 * frames are full.
 */
#define DNS_KEY_XDP	0	/* a guest's TCP/53 segment */
#define DNS_KEY_TC	1	/* tc: the flow of an answer segment */
#define DNS_KEY_HELD	2	/* tc: where an answer split across segments is held */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct egress_flow_key);
} dns_tcp_keys SEC(".maps");

/* dns_answer_learn(): the answer is the one held for the flow (DNS_KEY_HELD). */
#define DNS_ANSWER_HELD	0xffffffffU

struct held_copy {
	__u8 *dst;
	const __u8 *src;
	__u32 len;
};

/* 64 bytes of a held answer (the buffers have room past the end). */
EG_LOOP_CB held_copy_step(__u32 i, void *arg)
{
	struct held_copy *c = arg;
	__u32 at = i * 64;

	if (at >= c->len)
		return 1;
	__builtin_memcpy(c->dst + (at & EG_DNS_ANSWER_MASK),
			 c->src + (at & EG_DNS_ANSWER_MASK), 64);
	return 0;
}

/* The answer held for the flow of DNS_KEY_HELD into msg. 0 or -1. */
EG_INLINE int dns_answer_held(const struct egress_sandbox *sb, __u8 *msg, __u32 len)
{
	struct held_copy c = { .dst = msg, .len = len };
	struct egress_flow_key *key;
	struct egress_hello *h;
	__u32 idx = DNS_KEY_HELD;
	void *tab;

	key = bpf_map_lookup_elem(&dns_tcp_keys, &idx);
	tab = bpf_map_lookup_elem(&hellos, &sb->id);
	if (!key || !tab)
		return -1;
	h = bpf_map_lookup_elem(tab, key);
	if (!h || h->raw_len != len)
		return -1;
	c.src = h->raw;
	bpf_loop(EG_DNS_ANSWER_CAP / 64, held_copy_step, &c, 0);
	return 0;
}

/* The query a guest sent and XDP let through: remembered for its answer. */
EG_INLINE void dns_pending_record(const struct egress_sandbox *sb, const struct pkt *p,
				  __u16 id, __u64 name_hash)
{
	struct egress_dns_pending_key key = {
		.sandbox_id = sb->id,
		.id = id,
		.guest_port = p->sport,
	};
	struct egress_dns_pending val = {
		.name_hash = name_hash,
		.sent_ns = bpf_ktime_get_ns(),
	};

	eg_memcpy(key.resolver, p->daddr, 16);
	if (bpf_map_update_elem(&dns_pending, &key, &val, BPF_ANY))
		stat_add(EGRESS_STAT_DNS_PENDING_INSERT_FAILED, 1);
}

struct binding_add {
	struct dns_answer_work *w;
	void *tab;
	__u64 expires_ns;
	__u32 failed;
};

/* Name k of the answer (0: the question, k: chain name k - 1) hashed. */
EG_LOOP_CB dns_answer_hash_step(__u32 k, void *arg)
{
	struct binding_add *c = arg;
	struct dns_answer_work *w = c->w;
	struct egress_binding_name *bn;
	const char *name;
	__u32 len, labels;

	if (k >= w->n_names || k >= DNS_ANSWER_NAMES)
		return 1;
	if (k == 0) {
		name = w->qname;
		len = w->a.qname_len;
	} else {
		name = w->chain[(k - 1) & (EG_DNS_MAX_CHAIN - 1)];
		len = w->a.chain_len[(k - 1) & (EG_DNS_MAX_CHAIN - 1)];
	}
	bn = &w->names[k];
	if (!len || len > EG_NAME_MAX) {
		bn->expires_ns = 0;
		bn->n_labels = 0;
		return 0;
	}
	labels = eg_name_hashes(w->key, name, len, bn->name_hash);
	bn->n_labels = labels > 255 ? 255 : labels;
	bpf_map_update_elem(&binding_text, &bn->name_hash[0], name, BPF_ANY);
	return 0;
}

struct binding_merge {
	struct egress_binding *b;
	const struct egress_binding_name *n;
	__u32 slot;		/* where n goes */
	__u32 same;		/* slot holds n's name already */
	__u64 oldest;		/* expiry of slot */
};

/* Step j: picks the slot of the name, else an empty one, else the oldest. */
EG_LOOP_CB binding_slot_step(__u32 j, void *arg)
{
	struct binding_merge *c = arg;
	struct egress_binding_name *bn;

	if (j >= EGRESS_BINDING_NAMES)
		return 1;
	bn = &c->b->names[j];
	if (bn->expires_ns && bn->name_hash[0] == c->n->name_hash[0]) {
		c->slot = j;
		c->same = 1;
		return 1;
	}
	if (bn->expires_ns < c->oldest) {
		c->oldest = bn->expires_ns;
		c->slot = j;
	}
	return 0;
}

/* Puts name n into binding b (a map value), to expire no sooner than it says. */
EG_INLINE void binding_merge_name(struct egress_binding *b,
				  const struct egress_binding_name *n)
{
	struct binding_merge c = { .b = b, .n = n, .oldest = ~0ULL };
	struct egress_binding_name *bn;

	bpf_loop(EGRESS_BINDING_NAMES, binding_slot_step, &c, 0);
	if (c.slot >= EGRESS_BINDING_NAMES)
		return;
	bn = &b->names[c.slot];
	if (c.same) {
		if (n->expires_ns > bn->expires_ns)
			bn->expires_ns = n->expires_ns;
		return;
	}
	/* the hashes first, the expiry that makes them count last */
	bn->expires_ns = 0;
	eg_memcpy(bn->name_hash, n->name_hash, sizeof(bn->name_hash));
	bn->n_labels = n->n_labels;
	bn->expires_ns = n->expires_ns;
}

EG_LOOP_CB binding_merge_step(__u32 k, void *arg)
{
	struct binding_add *c = arg;
	struct egress_binding_name *n;

	if (k >= c->w->n_names || k >= DNS_ANSWER_NAMES)
		return 1;
	n = &c->w->names[k];
	if (!n->n_labels)
		return 0;
	n->expires_ns = c->expires_ns;
	binding_merge_name(&c->w->fresh, n);
	return 0;
}

/* Address i of the answer: bound to every name of it. */
EG_LOOP_CB binding_addr_step(__u32 i, void *arg)
{
	struct binding_add *c = arg;
	struct dns_answer_work *w = c->w;
	struct egress_binding *b;
	__u8 addr[16];
	long err;

	if (i >= w->a.n_addrs || i >= EG_DNS_MAX_ADDRS)
		return 1;
	eg_memcpy(addr, w->a.addrs[i].addr, 16);
	b = bpf_map_lookup_elem(c->tab, addr);
	if (!b) {
		err = bpf_map_update_elem(c->tab, addr, &w->fresh, BPF_NOEXIST);
		if (!err)
			return 0;
		b = bpf_map_lookup_elem(c->tab, addr);	/* another CPU was first */
		if (!b) {
			c->failed++;
			return 0;
		}
	}
	for (__u32 k = 0; k < DNS_ANSWER_NAMES; k++) {
		if (k >= w->n_names)
			break;
		if (w->fresh.names[k].expires_ns)
			binding_merge_name(b, &w->fresh.names[k]);
	}
	return 0;
}

/*
 * Learns one answer from port 53 to the guest: the len bytes at packet
 * offset off (a UDP payload, or one message of a TCP stream), or, off
 * DNS_ANSWER_HELD, the answer over TCP held across segments. A global
 * function: verified on its own.
 */
__noinline int dns_answer_learn(struct __sk_buff *skb, const struct egress_sandbox *sb,
				const struct pkt *p, __u32 off, __u32 len)
{
	struct binding_add add = {};
	struct egress_dns_pending *pend;
	struct dns_answer_work *w;
	struct egress_config *cfg;
	__u32 zero = 0, ttl;
	__u64 qhash;
	int st;

	if (!skb || !sb || !p)
		return 0;
	w = bpf_map_lookup_elem(&dns_answer_work, &zero);
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!w || !cfg)
		return 0;
	if (len < EG_DNS_HDR_LEN || len > EG_DNS_ANSWER_CAP ||
	    (off == DNS_ANSWER_HELD ? dns_answer_held(sb, w->msg, len) :
	     off > 0xffff || bpf_skb_load_bytes(skb, off, w->msg,
						((len - 1) & (EG_DNS_ANSWER_CAP - 1)) + 1))) {
		stat_add(EGRESS_STAT_DNS_ANSWERS_MALFORMED, 1);
		return 0;
	}
	st = eg_dns_answer_parse(w->msg, len, &w->a, w->qname, w->chain);
	if (st != EG_DNS_OK) {
		stat_add(EGRESS_STAT_DNS_ANSWERS_MALFORMED, 1);
		return 0;
	}

	w->pkey.sandbox_id = sb->id;
	w->pkey.id = w->a.id;
	w->pkey.guest_port = p->dport;
	eg_memcpy(w->pkey.resolver, p->saddr, 16);
	pend = bpf_map_lookup_elem(&dns_pending, &w->pkey);
	if (!pend) {
		stat_add(EGRESS_STAT_DNS_ANSWERS_UNSOLICITED, 1);
		return 0;
	}
	w->key[0] = cfg->hash_key[0];
	w->key[1] = cfg->hash_key[1];
	qhash = eg_name_hash(w->key, w->qname, 0, w->a.qname_len & 0xff);
	if (pend->name_hash != qhash) {
		/* not the answer to that question: the real one may follow */
		stat_add(EGRESS_STAT_DNS_ANSWERS_UNSOLICITED, 1);
		return 0;
	}
	bpf_map_delete_elem(&dns_pending, &w->pkey);
	if (w->a.rcode || !w->a.n_addrs)
		return 0;

	add.tab = bpf_map_lookup_elem(&bindings, &sb->id);
	if (!add.tab)
		return 0;
	ttl = w->a.min_ttl;
	if (ttl > EGRESS_BINDING_MAX_TTL_S)
		ttl = EGRESS_BINDING_MAX_TTL_S;
	add.expires_ns = bpf_ktime_get_ns() +
			 ((__u64)ttl + cfg->binding_grace_s) * 1000000000ULL;
	add.w = w;
	w->n_names = 1 + w->a.n_chain;
	eg_memset(&w->fresh, 0, sizeof(w->fresh));
	bpf_loop(DNS_ANSWER_NAMES, dns_answer_hash_step, &add, 0);
	bpf_loop(DNS_ANSWER_NAMES, binding_merge_step, &add, 0);
	bpf_loop(EG_DNS_MAX_ADDRS, binding_addr_step, &add, 0);
	if (add.failed)
		stat_add(EGRESS_STAT_BINDING_INSERT_FAILED, add.failed);
	stat_add(EGRESS_STAT_DNS_ANSWERS_BOUND, 1);
	return 0;
}

#endif /* EGRESS_BPF_DNS_ANSWER_H */
