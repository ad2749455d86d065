/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Policy lookups: a fixed number of map lookups per decision, whatever the
 * number of rules. Addresses: one LPM lookup per scope and action. Names:
 * per scope, one hash lookup for the whole name and one per suffix depth at
 * which the scope has wildcard rules.
 */
#ifndef EGRESS_BPF_POLICY_H
#define EGRESS_BPF_POLICY_H

#include "maps.h"
#include "lib/decision.h"

/* Scopes with rules, in the order of the enum: always, global, sandbox. */
#define for_each_rule_scope(scope) \
	for (__u8 scope = EGRESS_SCOPE_ALWAYS; scope <= EGRESS_SCOPE_SANDBOX; scope++)

EG_INLINE __u32 ip_rule_lookup(__u16 slot, __u32 action, const __u8 *addr)
{
	struct egress_lpm_key key = { .prefixlen = 128 };
	struct egress_ip_rule *r;
	__u32 idx;
	void *trie;

	if (slot >= EGRESS_MAX_RULE_SLOTS)
		return 0;
	idx = slot * 2 + action;
	trie = bpf_map_lookup_elem(&ip_rules, &idx);
	if (!trie)
		return 0;
	eg_memcpy(key.addr, addr, 16);
	r = bpf_map_lookup_elem(trie, &key);
	if (!r || (r->v6_only && addr_is_v4(addr)))
		return 0;
	return r->rule_id;
}

/* Fills m->ip for daddr. */
EG_INLINE void ip_matches(const struct egress_sandbox *sb, const __u8 *daddr,
			  struct policy_matches *m)
{
	for_each_rule_scope(scope)
		for (__u32 act = 0; act < EGRESS_ACT__MAX; act++)
			m->ip[scope][act] = ip_rule_lookup(sb->slot[scope], act, daddr);
}

EG_INLINE bool depth_has_wildcards(__u64 mask, __u32 depth)
{
	return depth < 64 ? (mask >> depth) & 1 : mask & 1;
}

/*
 * Fills m->name from the hashes a flow remembers of its name: hash[0] the
 * whole name, hash[d] its suffix of d labels (1 <= d < n_labels, d <
 * EGRESS_FLOW_NAME_DEPTHS). Returns -1 when a scope has wildcard rules at a
 * depth the flow does not remember (a name of more labels than that): the
 * caller fails closed.
 */
EG_INLINE int name_matches(const struct egress_sandbox *sb, const __u64 *hash,
			   __u32 n_labels, struct policy_matches *m)
{
	struct egress_name_key key = {};
	int ret = 0;

	for_each_rule_scope(scope) {
		__u32 slot = sb->slot[scope];
		struct egress_slot_info *info;
		struct egress_name_rule *r;
		void *tab;

		if (slot >= EGRESS_MAX_RULE_SLOTS)
			continue;
		info = bpf_map_lookup_elem(&slot_info, &slot);
		if (!info || !(info->n_names[EGRESS_ACT_ALLOW] | info->n_names[EGRESS_ACT_DENY]))
			continue;
		for (__u32 act = 0; act < EGRESS_ACT__MAX; act++)
			m->name[scope][act] = info->any_rule_id[act];
		tab = bpf_map_lookup_elem(&name_rules, &slot);
		if (!tab)
			continue;

		/* the shortest suffix first: a deeper match is more specific */
		key.kind = EGRESS_NAME_WILDCARD;
		for (__u32 d = 1; d < EGRESS_FLOW_NAME_DEPTHS; d++) {
			if (d >= n_labels)
				break;
			if (!depth_has_wildcards(info->wild_depths, d))
				continue;
			key.hash = hash[d];
			r = bpf_map_lookup_elem(tab, &key);
			if (!r)
				continue;
			for (__u32 act = 0; act < EGRESS_ACT__MAX; act++)
				if (r->rule_id[act])
					m->name[scope][act] = r->rule_id[act];
		}
		if (n_labels > EGRESS_FLOW_NAME_DEPTHS &&
		    ((info->wild_depths >> EGRESS_FLOW_NAME_DEPTHS) || (info->wild_depths & 1)))
			ret = -1;

		key.kind = EGRESS_NAME_EXACT;
		key.hash = hash[0];
		r = bpf_map_lookup_elem(tab, &key);
		if (r)
			for (__u32 act = 0; act < EGRESS_ACT__MAX; act++)
				if (r->rule_id[act])
					m->name[scope][act] = r->rule_id[act];
	}
	return ret;
}

#define NAMES_ALLOW	(1U << EGRESS_ACT_ALLOW)
#define NAMES_DENY	(1U << EGRESS_ACT_DENY)

/* Which actions a sandbox has name rules for, in any scope: NAMES_* bits. */
EG_INLINE __u32 name_rule_actions(const struct egress_sandbox *sb)
{
	__u32 acts = 0;

	for_each_rule_scope(scope) {
		__u32 slot = sb->slot[scope];
		struct egress_slot_info *info;

		if (slot >= EGRESS_MAX_RULE_SLOTS)
			continue;
		info = bpf_map_lookup_elem(&slot_info, &slot);
		if (!info)
			continue;
		if (info->n_names[EGRESS_ACT_ALLOW])
			acts |= NAMES_ALLOW;
		if (info->n_names[EGRESS_ACT_DENY])
			acts |= NAMES_DENY;
	}
	return acts;
}

/* Only the platform's always-deny list: checked in every mode. */
EG_INLINE bool always_denied(const struct egress_sandbox *sb, const __u8 *daddr,
			     struct decision *d)
{
	__u32 id = ip_rule_lookup(sb->slot[EGRESS_SCOPE_ALWAYS], EGRESS_ACT_DENY, daddr);

	if (!id)
		return false;
	decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_RULE,
		     EGRESS_SCOPE_ALWAYS, id);
	return true;
}

#endif /* EGRESS_BPF_POLICY_H */
