/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS queries from the guest (UDP port 53), decided by their question name
 * (DESIGN section 4, step 5). A query must be a query (lib/dns.h); its name
 * goes through the same canonical form and name rules as SNI and Host. In
 * deny mode queries go only to the sandbox's resolvers: to another address
 * only an IP rule admits them, and then a name deny rule still applies.
 * A denied query never reaches the resolver: the guest gets an NXDOMAIN
 * built in place and sent back with XDP_TX, with an RFC 8914 Extended DNS
 * Error "Blocked" when the query had EDNS.
 */
#ifndef EGRESS_BPF_DNS_QUERY_H
#define EGRESS_BPF_DNS_QUERY_H

#include "maps.h"
#include "policy.h"
#include "event.h"
#include "lib/csum.h"
#include "lib/dns.h"
#include "lib/name_hash.h"
#include "reply.h"
#include "dns_answer.h"

/* Per-CPU room for a query and its answer. */
struct dns_work {
	__u8 msg[EG_DNS_BUF];
	__u32 len;		/* bytes of msg in use */
	__u32 labels;		/* of the question name */
	struct eg_dns_query q;
	__u64 hash[EG_NAME_DEPTHS];
	struct policy_matches m;
};

struct dns_sum {
	const __u8 *msg;
	__u32 len;
	__u32 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_work);
} dns_work SEC(".maps");

/* One 16-bit word of the answer into the UDP checksum. */
EG_LOOP_CB dns_sum_step(__u32 i, void *arg)
{
	struct dns_sum *c = arg;
	__u32 at = 2 * i;
	__u16 word;

	if (at >= c->len)
		return 1;
	word = c->msg[at & (EG_DNS_BUF - 1)];
	if (at + 1 < c->len)
		word |= (__u16)c->msg[(at + 1) & (EG_DNS_BUF - 1)] << 8;
	c->sum += word;		/* network order, as csum_add_words */
	return 0;
}

/*
 * Turns the query frame into its NXDOMAIN answer: MACs, addresses and ports
 * swapped, fresh IPv4/IPv6 and UDP headers, the answer from w->msg.
 */
__noinline int dns_nxdomain_tx(eg_ctx_t *ctx, const struct pkt *p,
			       struct dns_work *w)
{
	void *data, *data_end;
	struct udphdr *uh;
	__u32 rlen;
	int off;

	if (!p || !w)
		return XDP_DROP;
	rlen = eg_dns_nxdomain(w->msg, &w->q);
	if (rlen < EG_DNS_HDR_LEN || rlen > EG_DNS_CAP + 64)
		return XDP_DROP;
	off = reply_headers(ctx, p, IPPROTO_UDP, sizeof(*uh) + rlen);
	if (off < 0)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	uh = data + off;
	if ((void *)(uh + 1) > data_end)
		return XDP_DROP;
	uh->source = eg_htons(p->dport);
	uh->dest = eg_htons(p->sport);
	uh->len = eg_htons(sizeof(*uh) + rlen);
	uh->check = 0;		/* IPv4: none */
	if (p->family == 6) {
		struct dns_sum c = { .msg = w->msg, .len = rlen };
		__u32 sum;

		/* pseudo-header, UDP header, answer (RFC 8200 8.1) */
		eg_loop(EG_DNS_BUF / 2, dns_sum_step, &c);
		sum = csum_add_words(c.sum, p->daddr, 8);
		sum = csum_add_words(sum, p->saddr, 8);
		sum += eg_htons(IPPROTO_UDP);
		sum += uh->len;
		sum = csum_add_words(sum, uh, 4);
		uh->check = csum_fold(sum);
		if (!uh->check)
			uh->check = 0xffff;
	}
	if (eg_ctx_store(ctx, off + sizeof(*uh), w->msg, rlen))
		return XDP_DROP;
	return eg_ctx_tx(ctx);
}

EG_INLINE bool dns_to_resolver(const struct egress_sandbox *sb, const __u8 *daddr)
{
	struct egress_src_key key = { .sandbox_id = sb->id };

	if (sb->flags & EGRESS_SB_F_ANY_RESOLVER)
		return true;
	eg_memcpy(key.addr, daddr, 16);
	return bpf_map_lookup_elem(&resolvers, &key) != NULL;
}

/*
 * Reads the query in w->msg (w->len bytes): parsed, its canonical name in
 * s->name and its suffix hashes in w->hash (w->labels). Returns an
 * EG_DNS_* status; EG_DNS_BAD_NAME also for a query without a name.
 * Global: verified once, for UDP and TCP.
 */
__noinline int dns_query_read(struct dns_work *w, struct scratch *s)
{
	struct egress_config *cfg;
	__u32 zero = 0;
	int st;

	if (!w || !s)
		return EG_DNS_MALFORMED;
	st = eg_dns_query_parse(w->msg, w->len, &w->q, s->name);
	if (st == EG_DNS_OK && !w->q.name_len)
		return EG_DNS_BAD_NAME;
	if (st != EG_DNS_OK)
		return st;
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return EG_DNS_MALFORMED;
	s->name_len = w->q.name_len;
	w->labels = eg_name_hashes(cfg->hash_key, s->name, s->name_len, w->hash);
	s->name_hash = w->hash[0];
	return EG_DNS_OK;
}

/*
 * Judges a query read by dns_query_read by its name (to a resolver) or its
 * address and name (to another server). Global: its frame stays off the
 * parser's.
 */
__noinline int dns_query_judge(const struct egress_sandbox *sb, const struct pkt *p,
			       struct dns_work *w, struct decision *d)
{
	struct policy_matches *m;

	if (!sb || !p || !w || !d)
		return 0;
	m = &w->m;
	eg_memset(m, 0, sizeof(*m));
	if (name_matches(sb, w->hash, w->labels, m)) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_INVALID_NAME,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	if (!dns_to_resolver(sb, p->daddr)) {
		/* another server: its address must be allowed, names only deny */
		ip_matches(sb, p->daddr, m);
		for_each_rule_scope(scope)
			m->name[scope][EGRESS_ACT_ALLOW] = 0;
	}
	policy_combine(m, d);
	return 0;
}

/*
 * Decides the DNS query in w->msg (w->len bytes) by its name. Returns 1
 * when the query was understood (a denial is answered with NXDOMAIN over
 * UDP, a reset over TCP), 0 when it was not.
 */
EG_INLINE int dns_decide(const struct egress_sandbox *sb, const struct pkt *p,
			 struct dns_work *w, struct scratch *s, struct decision *d)
{
	int st, understood = 1;

	if (sb->mode == EGRESS_MODE_DENY_ALL) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_ALL,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	st = dns_query_read(w, s);
	if (st == EG_DNS_BAD_NAME) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_INVALID_NAME,
			     EGRESS_SCOPE_NONE, 0);
		understood = 0;
	} else if (st != EG_DNS_OK) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_PARSE_FAILURE,
			     EGRESS_SCOPE_NONE, 0);
		understood = 0;
	} else {
		dns_query_judge(sb, p, w, d);
	}
	decision_apply_mode(d, sb->mode);
	return understood;
}

/* A DNS query over UDP. Global: verified on its own. */
__noinline int handle_dns(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			  const struct pkt *p)
{
	struct dns_work *w;
	struct scratch *s;
	struct decision d;
	__u32 zero = 0, len;
	int understood = 0;

	if (!sb || !p)
		return XDP_DROP;
	w = bpf_map_lookup_elem(&dns_work, &zero);
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!w || !s)
		return XDP_DROP;
	s->name_len = 0;
	len = p->payload_len;
	if (len >= EG_DNS_HDR_LEN && len <= EG_DNS_CAP && p->payload_off <= EG_MAX_HDR_OFF &&
	    !eg_ctx_load(ctx, p->payload_off, w->msg, len)) {
		w->len = len;
		understood = dns_decide(sb, p, w, s, &d);
	} else {
		/* not a query we can read (empty, or longer than any we take) */
		decision_set(&d, EGRESS_DENIED, EGRESS_REASON_PARSE_FAILURE,
			     EGRESS_SCOPE_NONE, 0);
		decision_apply_mode(&d, sb->mode);
	}
	event_emit(sb, p, &d, EGRESS_PROTO_DNS, s->name_len ? s : NULL);
	if (d.verdict == EGRESS_ALLOWED) {
		/* its answer may bind: the policy allowed it, and to a resolver */
		if (understood && !d.would_deny && s->name_len &&
		    dns_to_resolver(sb, p->daddr))
			dns_pending_record(sb, p, w->q.id, s->name_hash);
		return XDP_PASS;
	}
	return understood ? dns_nxdomain_tx(ctx, p, w) : XDP_DROP;
}

#endif /* EGRESS_BPF_DNS_QUERY_H */
