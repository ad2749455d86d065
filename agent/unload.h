/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Taking rules out of a scope's slot in place, the counterpart of
 * enforce_scope's in-place add: a rule removed costs a map update or two,
 * not a new slot (whose name table swap waits for an RCU grace period).
 */
#ifndef EGRESSD_UNLOAD_H
#define EGRESSD_UNLOAD_H

#include <stddef.h>

#include "agent.h"
#include "rule.h"

/*
 * The rules gone[0..n) (their .r) are no longer in sc's model: takes them out of the
 * slot sc is built into (an entry another rule of sc shares goes over to
 * that rule), then gives every sandbox sc reaches a new generation. All or
 * nothing: on failure (-ENOENT: sc has no slot; -EBUSY: an adopted slot,
 * not edited in place) the slot is as it was and the caller rebuilds it
 * with enforce_scope().
 */
int enforce_scope_unload(struct agent *a, struct scope *sc, const struct arule *gone,
			 size_t n, char *err, size_t errlen);

#endif /* EGRESSD_UNLOAD_H */
