/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IP/CIDR policy: a fixed number of LPM lookups per decision (one per scope
 * and action), whatever the number of rules.
 */
#ifndef EGRESS_BPF_POLICY_H
#define EGRESS_BPF_POLICY_H

#include "maps.h"
#include "lib/decision.h"

EG_INLINE bool ip_rule_lookup(__u16 slot, __u32 action, const __u8 *addr,
			      __u32 *rule_id)
{
	struct egress_lpm_key key = { .prefixlen = 128 };
	struct egress_ip_rule *r;
	__u32 idx;
	void *trie;

	if (slot >= EGRESS_MAX_RULE_SLOTS)
		return false;
	idx = slot * 2 + action;
	trie = bpf_map_lookup_elem(&ip_rules, &idx);
	if (!trie)
		return false;
	eg_memcpy(key.addr, addr, 16);
	r = bpf_map_lookup_elem(trie, &key);
	if (!r || (r->v6_only && addr_is_v4(addr)))
		return false;
	*rule_id = r->rule_id;
	return true;
}

/*
 * Decides by IP rules alone, in the precedence of DESIGN section 5:
 * always-deny, always-allow, deny (global, sandbox), allow (global, sandbox).
 * Returns true when a rule matched; otherwise *d is the default denial.
 */
EG_INLINE bool ip_policy(const struct egress_sandbox *sb, const __u8 *daddr,
			 struct decision *d)
{
	const __u8 order[4][2] = {
		{ EGRESS_SCOPE_ALWAYS, EGRESS_ACT_DENY },
		{ EGRESS_SCOPE_ALWAYS, EGRESS_ACT_ALLOW },
		{ EGRESS_SCOPE_GLOBAL, EGRESS_ACT_DENY },
		{ EGRESS_SCOPE_SANDBOX, EGRESS_ACT_DENY },
	};
	__u32 id;

	for (int i = 0; i < 4; i++) {
		__u8 scope = order[i][0], act = order[i][1];

		if (ip_rule_lookup(sb->slot[scope], act, daddr, &id)) {
			decision_set(d, act == EGRESS_ACT_DENY ? EGRESS_DENIED
							       : EGRESS_ALLOWED,
				     act == EGRESS_ACT_DENY ? EGRESS_REASON_DENY_RULE
							    : EGRESS_REASON_ALLOW_RULE,
				     scope, id);
			return true;
		}
	}
	if (ip_rule_lookup(sb->slot[EGRESS_SCOPE_GLOBAL], EGRESS_ACT_ALLOW, daddr, &id)) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE,
			     EGRESS_SCOPE_GLOBAL, id);
		return true;
	}
	if (ip_rule_lookup(sb->slot[EGRESS_SCOPE_SANDBOX], EGRESS_ACT_ALLOW, daddr, &id)) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE,
			     EGRESS_SCOPE_SANDBOX, id);
		return true;
	}
	decision_set(d, EGRESS_DENIED, EGRESS_REASON_NOT_ALLOWLISTED,
		     EGRESS_SCOPE_NONE, 0);
	return false;
}

/* Only the platform's always-deny list: checked in every mode. */
EG_INLINE bool always_denied(const struct egress_sandbox *sb, const __u8 *daddr,
			     struct decision *d)
{
	__u32 id;

	if (!ip_rule_lookup(sb->slot[EGRESS_SCOPE_ALWAYS], EGRESS_ACT_DENY, daddr, &id))
		return false;
	decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_RULE,
		     EGRESS_SCOPE_ALWAYS, id);
	return true;
}

#endif /* EGRESS_BPF_POLICY_H */
