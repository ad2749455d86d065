// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "datapath.h"
#include "enforce.h"
#include "errmsg.h"
#include "unload.h"

/* The rule of sc the data path files under the same entry as r, if any. */
static const struct arule *entry_owner(const struct scope *sc, const struct egress_rule *r)
{
	for (size_t i = sc->n_rules; i-- > 0;) {
		const struct egress_rule *o = &sc->rules[i].r;

		if (o->action != r->action || o->kind != r->kind)
			continue;
		if (r->kind == EGRESS_RULE_IP ? !memcmp(&o->prefix, &r->prefix, sizeof(r->prefix))
					      : !strcmp(o->pattern, r->pattern))
			return &sc->rules[i];
	}
	return NULL;
}

static int rule_load(struct agent *a, __u16 slot, const struct egress_rule *r)
{
	if (r->kind == EGRESS_RULE_IP)
		return egress_dp_ip_rule_add(a->dp, slot, r->action, &r->prefix, r->id);
	return egress_dp_name_rule_add(a->dp, slot, r);
}

static int rule_unload(struct agent *a, const struct scope *sc, const struct egress_rule *r)
{
	const struct arule *keep = entry_owner(sc, r);

	if (keep)
		return rule_load(a, sc->slot, &keep->r);
	if (r->kind == EGRESS_RULE_IP)
		return egress_dp_ip_rule_del(a->dp, sc->slot, r->action, &r->prefix);
	return egress_dp_name_rule_del(a->dp, sc->slot, r);
}

/* The entries of sandboxes sc reaches, generation bumped (as enforce_scope does). */
static int publish(struct agent *a, struct scope *sc, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; i < a->n_sbs; i++)
		if (&a->sbs[i]->scope == sc)
			return enforce_sandbox_update(a, a->sbs[i], err, errlen);
	a->global_generation++;
	for (size_t i = 0; !ret && i < a->n_sbs; i++)
		ret = enforce_sandbox_update(a, a->sbs[i], err, errlen);
	return ret;
}

int enforce_scope_unload(struct agent *a, struct scope *sc, const struct arule *gone,
			 size_t n, char *err, size_t errlen)
{
	size_t done;
	int ret = 0;

	if (sc->slot == EGRESS_SLOT_NONE)
		return egress_errf(err, errlen, -ENOENT, "the scope has no rule slot");
	for (done = 0; done < n; done++) {
		ret = rule_unload(a, sc, &gone[done].r);
		if (ret) {
			egress_errf(err, errlen, ret, "cannot remove rule %u (%s) in place: %s",
				    gone[done].r.id, gone[done].r.pattern, strerror(-ret));
			break;
		}
	}
	if (!ret) {
		ret = publish(a, sc, err, errlen);
		if (!ret)
			return 0;
	}
	/* put back what was taken out; a rule that shared an entry gets it back */
	while (done-- > 0) {
		if (rule_load(a, sc->slot, &gone[done].r))
			fprintf(stderr, "egressd: rule %u is not back in slot %u\n",
				gone[done].r.id, sc->slot);
	}
	return ret;
}
