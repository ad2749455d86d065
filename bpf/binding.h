/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS bindings as the XDP program reads them (DESIGN section 4, "DNS
 * binding"): which names DNS answers to this sandbox's allowed queries
 * bound to a destination address, and whether one of them is a name the
 * policy allows now. Names are judged at the time of the flow, not when
 * they were bound, so a revoked name stops admitting at once. A binding
 * whose expiry has passed is not honoured, whether or not userspace has
 * swept it yet.
 */
#ifndef EGRESS_BPF_BINDING_H
#define EGRESS_BPF_BINDING_H

#include "maps.h"
#include "policy.h"

/* Per-CPU room for binding_decide (the BPF stack is deep there already). */
struct binding_work {
	struct policy_matches m;
	struct egress_binding_name bound;	/* the allowed name found */
	struct decision d;	/* the allow found */
	__u8 key[16];
	__u64 now;
	__u64 hash;		/* binding_has_name: the name looked for */
	__u32 found;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct binding_work);
} binding_work SEC(".maps");

struct binding_scan {
	const struct egress_sandbox *sb;
	struct egress_binding *b;
	struct binding_work *wk;
};

/* p's destination in the sandbox's bindings, with c->wk set up; or NULL. */
EG_INLINE struct egress_binding *binding_find(struct binding_scan *c, __u32 sandbox_id,
					      const struct pkt *p)
{
	__u32 zero = 0;
	void *tab;

	c->wk = bpf_map_lookup_elem(&binding_work, &zero);
	if (!c->wk)
		return NULL;
	tab = bpf_map_lookup_elem(&bindings, &sandbox_id);
	if (!tab)
		return NULL;
	eg_memcpy(c->wk->key, p->daddr, 16);
	c->wk->now = bpf_ktime_get_ns();
	c->wk->found = 0;
	c->b = bpf_map_lookup_elem(tab, c->wk->key);
	return c->b;
}

/* Step j: name slot j, judged by the name rules of the sandbox. */
EG_LOOP_CB binding_allow_step(__u32 j, void *arg)
{
	struct binding_scan *c = arg;
	struct egress_binding_name *bn;
	struct policy_matches *m;

	if (j >= EGRESS_BINDING_NAMES)
		return 1;
	bn = &c->b->names[j];
	if (bn->expires_ns <= c->wk->now)
		return 0;
	m = &c->wk->m;
	eg_memset(m, 0, sizeof(*m));
	if (name_matches(c->sb, bn->name_hash, bn->n_labels, m))
		return 0;	/* deeper wildcards than it remembers: no */
	if (!policy_combine(m, &c->wk->d) || c->wk->d.verdict != EGRESS_ALLOWED)
		return 0;
	c->wk->bound = *bn;
	c->wk->found = 1;
	return 1;
}

/*
 * Whether a name the policy allows is bound to p's destination. Returns 1
 * with *d the allow of the rule that allows it, 0 (d untouched) otherwise.
 * Global: verified on its own.
 */
__noinline int binding_decide(const struct egress_sandbox *sb, const struct pkt *p,
			      struct decision *d)
{
	struct binding_scan c = { .sb = sb };

	if (!sb || !p || !d)
		return 0;
	if (!binding_find(&c, sb->id, p) || !c.wk)
		return 0;
	bpf_loop(EGRESS_BINDING_NAMES, binding_allow_step, &c, 0);
	if (!c.wk->found)
		return 0;
	*d = c.wk->d;
	return 1;
}

/*
 * Whether the name whose keyed hash is hash is bound to p's destination
 * (a ClientHello's SNI or a request's Host). 1 or 0. Global.
 */
__noinline int binding_has_name(const struct egress_sandbox *sb, const struct pkt *p,
				__u64 hash)
{
	struct binding_scan c = { .sb = sb };
	struct egress_binding_name *bn;

	if (!sb || !p)
		return 0;
	if (!binding_find(&c, sb->id, p) || !c.wk)
		return 0;
	for (__u32 j = 0; j < EGRESS_BINDING_NAMES; j++) {
		bn = &c.b->names[j];
		if (bn->expires_ns > c.wk->now && bn->name_hash[0] == hash)
			return 1;
	}
	return 0;
}

/*
 * What the bindings say of a flow's destination, looked up before the flow
 * is decided (the deciding functions sit too deep in the call chain for
 * the lookups' frames).
 */
struct binding_info {
	struct decision d;	/* the allow of the bound name (allowed) */
	__u8 allowed;		/* a name the policy allows is bound to it */
	__u8 has_name;		/* the flow's own name is bound to it */
	__u8 used;		/* set by the decision that the binding admitted */
	__u8 n_labels;		/* of the bound name that allows (allowed) */
	__u64 name_hash[EGRESS_FLOW_NAME_DEPTHS];	/* ... its hashes */
	struct policy_matches m;	/* room for its judgement */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct binding_info);
} binding_infos SEC(".maps");

/* Per-CPU room for a binding_info: the callers' frames are full. */
EG_INLINE struct binding_info *binding_info_room(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&binding_infos, &zero);
}

/*
 * The bound name a flow was admitted by, judged again (bi->allowed).
 * Global: its frame stays off binding_decide()'s call chain.
 */
__noinline int binding_rejudge(const struct egress_sandbox *sb,
			       const struct egress_flow *f, struct binding_info *bi)
{
	if (!sb || !f || !bi)
		return 0;
	eg_memset(&bi->m, 0, sizeof(bi->m));
	if (name_matches(sb, f->name_hash, f->n_labels, &bi->m) ||
	    !policy_combine(&bi->m, &bi->d) || bi->d.verdict != EGRESS_ALLOWED)
		return 0;
	bi->allowed = 1;
	bi->n_labels = f->n_labels;
	eg_memcpy(bi->name_hash, f->name_hash, sizeof(bi->name_hash));
	return 0;
}

/*
 * Fills bi for p's destination (f: the flow, for its name; may be NULL).
 * Global: keeps the branches out of its callers' verification.
 */
__noinline int binding_info_get(const struct egress_sandbox *sb, const struct pkt *p,
				const struct egress_flow *f, struct binding_info *bi)
{
	struct binding_work *wk;
	__u32 zero = 0;

	if (!sb || !p || !bi)
		return 0;
	bi->allowed = 0;
	bi->has_name = 0;
	bi->used = 0;
	if (sb->mode != EGRESS_MODE_DENY && sb->mode != EGRESS_MODE_WARN)
		return 0;
	if (p->l4proto != IPPROTO_TCP && p->l4proto != IPPROTO_UDP)
		return 0;
	if (f && f->state == EGRESS_FLOW_DECIDED && f->verdict == EGRESS_ALLOWED &&
	    !(f->flags & EGRESS_FLOW_F_WOULD_DENY)) {
		/*
		 * A flow admitted already, decided again after a policy
		 * change: what bound it then still does, expired or not now
		 * (a long SSH session outlives its TTL); the names themselves
		 * are judged again.
		 */
		if (f->flags & EGRESS_FLOW_F_NAMED) {
			bi->has_name = 1;
		} else if (f->flags & EGRESS_FLOW_F_BOUND) {
			binding_rejudge(sb, f, bi);
		}
		return 0;
	}
	if (f && (f->flags & EGRESS_FLOW_F_NAMED)) {
		/* a named flow: only whether its own name is bound counts */
		bi->has_name = binding_has_name(sb, p, f->name_hash[0]);
		return 0;
	}
	bi->allowed = binding_decide(sb, p, &bi->d);
	if (bi->allowed) {
		wk = bpf_map_lookup_elem(&binding_work, &zero);
		if (!wk) {
			bi->allowed = 0;
			return 0;
		}
		bi->n_labels = wk->bound.n_labels;
		eg_memcpy(bi->name_hash, wk->bound.name_hash, sizeof(bi->name_hash));
	}
	return 0;
}

/*
 * A flow that carries no name, to an address no IP rule decided (d holds
 * that default denial): admitted by an allowed name bound to it, or denied
 * as unbound where a name rule could have allowed it. TCP and UDP only.
 */
EG_INLINE void binding_settle(const struct egress_sandbox *sb, bool allowed,
			      const struct decision *bound, struct decision *d)
{
	if (allowed) {
		*d = *bound;
		return;
	}
	if (name_rule_actions(sb) & NAMES_ALLOW)
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_UNBOUND_ADDRESS,
			     EGRESS_SCOPE_NONE, 0);
}

#endif /* EGRESS_BPF_BINDING_H */
