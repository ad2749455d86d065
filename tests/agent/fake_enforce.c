// SPDX-License-Identifier: GPL-2.0-only
/*
 * enforce.h without a data path, for the dispatcher's unit tests: records
 * what would have been enforced, and fails on request.
 */
#include <errno.h>
#include <string.h>

#include "enforce.h"
#include "errmsg.h"
#include "fake_enforce.h"
#include "unload.h"

struct fake_enforce fake;

int enforce_sandbox_add(struct agent *a, struct sandbox *sb, char *err, size_t errlen)
{
	if (fake.fail_add)
		return egress_errf(err, errlen, -EIO, "attach failed (fake)");
	sb->ifindex = 100 + sb->id;
	sb->scope.slot = fake.next_slot++;
	strcpy(sb->attach_xdp, "skb");
	fake.adds++;
	return 0;
}

int enforce_sandbox_del(struct agent *a, struct sandbox *sb)
{
	fake.dels++;
	return 0;
}

int enforce_scope(struct agent *a, struct scope *sc, const struct arule *added,
		  char *err, size_t errlen)
{
	if (fake.fail_scope)
		return egress_errf(err, errlen, -EIO, "rebuild failed (fake)");
	if (added)
		fake.in_place++;
	else
		sc->slot = fake.next_slot++;
	fake.commits++;
	return 0;
}

int enforce_scope_unload(struct agent *a, struct scope *sc, const struct arule *gone,
			 size_t n, char *err, size_t errlen)
{
	if (fake.fail_unload || sc->slot == EGRESS_SLOT_NONE)
		return egress_errf(err, errlen, -EBUSY, "not in place (fake)");
	fake.removed_in_place += n;
	fake.commits++;
	return 0;
}

int enforce_sandbox_update(struct agent *a, struct sandbox *sb, char *err, size_t errlen)
{
	sb->generation++;
	fake.updates++;
	return 0;
}

int enforce_explain(struct agent *a, struct sandbox *sb, const char *target, int port,
		    cJSON *result, char *err, size_t errlen)
{
	cJSON_AddStringToObject(result, "verdict", "DENIED");
	return 0;
}

int enforce_status(struct agent *a, cJSON *result)
{
	cJSON_AddArrayToObject(result, "maps");
	return 0;
}
