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
