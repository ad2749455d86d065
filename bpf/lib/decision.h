/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A policy decision and how a sandbox's mode turns it into what is enforced.
 * Header-only and map-free, so userspace (explain, tests) shares it.
 */
#ifndef EGRESS_BPF_DECISION_H
#define EGRESS_BPF_DECISION_H

#include <egress/abi.h>
#include "compat.h"

struct decision {
	__u32 rule_id;		/* deciding rule, 0: the default */
	__u8  verdict;		/* enum egress_verdict, as enforced */
	__u8  would_deny;	/* warn mode: the policy said deny */
	__u8  reason;		/* enum egress_reason */
	__u8  scope;		/* enum egress_scope */
};

EG_INLINE void decision_set(struct decision *d, __u8 verdict, __u8 reason,
			    __u8 scope, __u32 rule_id)
{
	d->verdict = verdict;
	d->would_deny = 0;
	d->reason = reason;
	d->scope = scope;
	d->rule_id = rule_id;
}

/*
 * The rules that matched one destination: ids per scope and action, for its
 * address and for its name (0: none matched).
 */
struct policy_matches {
	__u32 ip[EGRESS_SCOPE__MAX][EGRESS_ACT__MAX];
	__u32 name[EGRESS_SCOPE__MAX][EGRESS_ACT__MAX];
};

EG_INLINE bool policy_pick(const struct policy_matches *m, __u8 scope, __u8 act,
			   struct decision *d)
{
	__u32 id = m->ip[scope][act] ? m->ip[scope][act] : m->name[scope][act];

	if (!id)
		return false;
	decision_set(d, act == EGRESS_ACT_DENY ? EGRESS_DENIED : EGRESS_ALLOWED,
		     act == EGRESS_ACT_DENY ? EGRESS_REASON_DENY_RULE
					    : EGRESS_REASON_ALLOW_RULE,
		     scope, id);
	return true;
}

/*
 * DESIGN section 5: always-deny, always-allow, deny (global or sandbox),
 * allow (global or sandbox), then the default. An address rule and a name
 * rule of one scope and action stand at the same rank; deny wins. Returns
 * true when a rule decided; otherwise *d is the default denial.
 */
EG_INLINE bool policy_combine(const struct policy_matches *m, struct decision *d)
{
	if (policy_pick(m, EGRESS_SCOPE_ALWAYS, EGRESS_ACT_DENY, d) ||
	    policy_pick(m, EGRESS_SCOPE_ALWAYS, EGRESS_ACT_ALLOW, d) ||
	    policy_pick(m, EGRESS_SCOPE_GLOBAL, EGRESS_ACT_DENY, d) ||
	    policy_pick(m, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_DENY, d) ||
	    policy_pick(m, EGRESS_SCOPE_GLOBAL, EGRESS_ACT_ALLOW, d) ||
	    policy_pick(m, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, d))
		return true;
	decision_set(d, EGRESS_DENIED, EGRESS_REASON_NOT_ALLOWLISTED,
		     EGRESS_SCOPE_NONE, 0);
	return false;
}

/*
 * Applies the mode to what the policy said. The platform's `always` denials
 * hold in every mode: no CLI-settable mode may open what the platform shut.
 */
EG_INLINE void decision_apply_mode(struct decision *d, __u8 mode)
{
	if (d->verdict != EGRESS_DENIED || d->scope == EGRESS_SCOPE_ALWAYS)
		return;
	switch (mode) {
	case EGRESS_MODE_ALLOW_ALL:
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_MODE_ALLOW,
			     EGRESS_SCOPE_NONE, 0);
		break;
	case EGRESS_MODE_WARN:
		d->verdict = EGRESS_ALLOWED;
		d->would_deny = 1;
		break;
	default:
		break;
	}
}

#endif /* EGRESS_BPF_DECISION_H */
