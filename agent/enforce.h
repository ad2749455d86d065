/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Putting the model into the data path. Every function either does all of
 * its work or undoes what it did, and returns 0 or -errno with err set.
 */
#ifndef EGRESSD_ENFORCE_H
#define EGRESSD_ENFORCE_H

#include <stddef.h>

#include "agent.h"

/*
 * Flow table, addresses, rule slot and sandbox entry, then XDP and tc
 * attached: returns once enforcement is in place.
 */
int enforce_sandbox_add(struct agent *a, struct sandbox *sb, char *err, size_t errlen);
/* Detaches and frees everything of the sandbox. */
int enforce_sandbox_del(struct agent *a, struct sandbox *sb);
/*
 * The scope's rules as the model has them: built into a fresh slot which
 * every sandbox using the scope switches to with one update of its entry,
 * or, when added is the only change, that one rule added in place. Bumps
 * the generation of every sandbox it reaches.
 */
int enforce_scope(struct agent *a, struct scope *sc, const struct arule *added,
		  char *err, size_t errlen);
/* The sandbox entry (mode, slots) and its resolvers, generation bumped. */
int enforce_sandbox_update(struct agent *a, struct sandbox *sb, char *err, size_t errlen);
/* Fills result as docs/protocol.md's explain. */
int enforce_explain(struct agent *a, struct sandbox *sb, const char *target, int port,
		    cJSON *result, char *err, size_t errlen);
/* maps and events of status. */
int enforce_status(struct agent *a, cJSON *result);

#endif /* EGRESSD_ENFORCE_H */
