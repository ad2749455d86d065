// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "names.h"
#include "rule.h"

void scope_init(struct scope *sc, __u8 kind)
{
	memset(sc, 0, sizeof(*sc));
	sc->kind = kind;
	sc->slot = EGRESS_SLOT_NONE;
}

void scope_free(struct scope *sc)
{
	free(sc->rules);
	free(sc->profiles);
	sc->rules = NULL;
	sc->profiles = NULL;
	sc->n_rules = sc->n_profiles = 0;
}

int scope_copy(struct scope *dst, const struct scope *src)
{
	*dst = *src;
	dst->rules = NULL;
	dst->profiles = NULL;
	if (src->n_rules) {
		dst->rules = malloc(src->n_rules * sizeof(*src->rules));
		if (!dst->rules)
			return -ENOMEM;
		memcpy(dst->rules, src->rules, src->n_rules * sizeof(*src->rules));
	}
	if (src->n_profiles) {
		dst->profiles = malloc(src->n_profiles * sizeof(*src->profiles));
		if (!dst->profiles) {
			free(dst->rules);
			return -ENOMEM;
		}
		memcpy(dst->profiles, src->profiles, src->n_profiles * sizeof(*src->profiles));
	}
	return 0;
}

struct arule *scope_find(struct scope *sc, __u8 action, const char *pattern,
			 const char *profile)
{
	for (size_t i = 0; i < sc->n_rules; i++) {
		struct arule *r = &sc->rules[i];

		if (r->r.action == action && !strcmp(r->r.pattern, pattern) &&
		    !strcmp(r->profile, profile ? profile : ""))
			return r;
	}
	return NULL;
}

struct arule *scope_find_id(struct scope *sc, __u32 id)
{
	for (size_t i = 0; i < sc->n_rules; i++)
		if (sc->rules[i].r.id == id)
			return &sc->rules[i];
	return NULL;
}

int scope_add(struct scope *sc, const struct egress_rule *r, const char *profile)
{
	struct arule *n = realloc(sc->rules, (sc->n_rules + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	sc->rules = n;
	memset(&n[sc->n_rules], 0, sizeof(*n));
	n[sc->n_rules].r = *r;
	snprintf(n[sc->n_rules].profile, sizeof(n->profile), "%s", profile ? profile : "");
	sc->n_rules++;
	return 0;
}

void scope_del_at(struct scope *sc, size_t i)
{
	memmove(&sc->rules[i], &sc->rules[i + 1], (sc->n_rules - i - 1) * sizeof(*sc->rules));
	sc->n_rules--;
}

bool scope_has_profile(const struct scope *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_profiles; i++)
		if (!strcmp(sc->profiles[i], name))
			return true;
	return false;
}

int scope_add_profile(struct scope *sc, const char *name)
{
	char (*n)[EGRESS_PROFILE_NAME_MAX];

	if (scope_has_profile(sc, name))
		return 0;
	n = realloc(sc->profiles, (sc->n_profiles + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	sc->profiles = n;
	snprintf(n[sc->n_profiles++], sizeof(*n), "%s", name);
	return 0;
}

void scope_del_profile(struct scope *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_profiles; i++) {
		if (strcmp(sc->profiles[i], name))
			continue;
		memmove(&sc->profiles[i], &sc->profiles[i + 1],
			(sc->n_profiles - i - 1) * sizeof(*sc->profiles));
		sc->n_profiles--;
		break;
	}
	for (size_t i = sc->n_rules; i-- > 0;)
		if (!strcmp(sc->rules[i].profile, name))
			scope_del_at(sc, i);
}

/*
 * The rules of one origin by action and pattern, so that replacing a
 * million of them costs a million lookups, not a million scans.
 */
struct rule_index {
	struct hsearch_data h;
	char **keys;
	size_t n, cap;
};

static int index_init(struct rule_index *ix, size_t cap)
{
	memset(ix, 0, sizeof(*ix));
	ix->cap = cap;
	ix->keys = calloc(cap ? cap : 1, sizeof(*ix->keys));
	if (!ix->keys || !hcreate_r(cap + cap / 2 + 16, &ix->h)) {
		free(ix->keys);
		return -ENOMEM;
	}
	return 0;
}

static void index_free(struct rule_index *ix)
{
	hdestroy_r(&ix->h);
	for (size_t i = 0; i < ix->n; i++)
		free(ix->keys[i]);
	free(ix->keys);
}

/* The id filed under a rule, 0 when there is none. */
static __u32 index_get(struct rule_index *ix, __u8 action, const char *pattern)
{
	char key[EGRESS_PATTERN_MAX + 4];
	ENTRY e = { .key = key }, *found;

	snprintf(key, sizeof(key), "%u %s", action, pattern);
	return hsearch_r(e, FIND, &found, &ix->h) ? (__u32)(uintptr_t)found->data : 0;
}

static int index_put(struct rule_index *ix, __u8 action, const char *pattern, __u32 id)
{
	char key[EGRESS_PATTERN_MAX + 4];
	ENTRY e, *found;

	if (ix->n == ix->cap)
		return -ENOSPC;
	snprintf(key, sizeof(key), "%u %s", action, pattern);
	e.key = strdup(key);
	e.data = (void *)(uintptr_t)id;
	if (!e.key)
		return -ENOMEM;
	if (!hsearch_r(e, ENTER, &found, &ix->h)) {
		free(e.key);
		return -ENOMEM;
	}
	if (found->key != e.key)
		free(e.key);	/* already there */
	else
		ix->keys[ix->n++] = e.key;
	return 0;
}

/* Replaces the rules of one origin (profile, or "" for none) keeping ids. */
static int scope_replace(struct agent *a, struct scope *sc, const char *origin,
			 const struct egress_rule *rules, size_t n)
{
	struct rule_index old, added;
	struct scope next;
	int ret;

	ret = index_init(&old, sc->n_rules);
	if (ret)
		return ret;
	ret = index_init(&added, n);
	if (ret) {
		index_free(&old);
		return ret;
	}
	scope_init(&next, sc->kind);
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct arule *r = &sc->rules[i];

		ret = strcmp(r->profile, origin) ?
			scope_add(&next, &r->r, r->profile) :
			index_put(&old, r->r.action, r->r.pattern, r->r.id);
		if (ret)
			goto err;
	}
	for (size_t i = 0; i < n; i++) {
		struct egress_rule r = rules[i];
		__u32 id;

		if (index_get(&added, r.action, r.pattern))
			continue;	/* listed twice */
		id = index_get(&old, r.action, r.pattern);
		r.id = id ? id : a->next_rule_id++;
		ret = index_put(&added, r.action, r.pattern, r.id);
		if (!ret)
			ret = scope_add(&next, &r, origin);
		if (ret)
			goto err;
	}
	free(sc->rules);
	sc->rules = next.rules;
	sc->n_rules = next.n_rules;
	index_free(&old);
	index_free(&added);
	return 0;
err:
	scope_free(&next);
	index_free(&old);
	index_free(&added);
	return ret;
}

int scope_apply_profile(struct agent *a, struct scope *sc,
			const struct egress_profile *p)
{
	int ret = scope_add_profile(sc, p->name);

	return ret ? ret : scope_replace(a, sc, p->name, p->rules, p->n_rules);
}

int scope_set_rules(struct agent *a, struct scope *sc, const struct egress_rule *r,
		    size_t n)
{
	return scope_replace(a, sc, "", r, n);
}

struct sandbox *agent_sandbox(struct agent *a, const char *name)
{
	for (size_t i = 0; i < a->n_sbs; i++)
		if (!strcmp(a->sbs[i]->name, name))
			return a->sbs[i];
	return NULL;
}

struct sandbox *agent_sandbox_by_id(struct agent *a, __u32 id)
{
	for (size_t i = 0; i < a->n_sbs; i++)
		if (a->sbs[i]->id == id)
			return a->sbs[i];
	return NULL;
}

int agent_sandbox_insert(struct agent *a, struct sandbox *sb)
{
	struct sandbox **n = realloc(a->sbs, (a->n_sbs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	a->sbs = n;
	a->sbs[a->n_sbs++] = sb;
	return 0;
}

void agent_sandbox_remove(struct agent *a, struct sandbox *sb)
{
	for (size_t i = 0; i < a->n_sbs; i++) {
		if (a->sbs[i] != sb)
			continue;
		memmove(&a->sbs[i], &a->sbs[i + 1], (a->n_sbs - i - 1) * sizeof(*a->sbs));
		a->n_sbs--;
		return;
	}
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	scope_free(&sb->scope);
	free(sb);
}

__u32 agent_free_id(struct agent *a)
{
	for (__u32 id = 1; id < EGRESS_MAX_SANDBOXES; id++)
		if (!agent_sandbox_by_id(a, id))
			return id;
	return 0;
}

__u8 sandbox_mode(const struct agent *a, const struct sandbox *sb)
{
	return sb->scope.has_mode ? sb->scope.mode : a->global.mode;
}

bool sandbox_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= SB_NAME_MAX && name[0] != '.' && name[0] != '-' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-") == n;
}

struct arule *agent_rule(struct agent *a, __u32 id, struct scope **sc,
			 struct sandbox **sb)
{
	struct arule *r;

	*sb = NULL;
	if ((r = scope_find_id(&a->always, id))) {
		*sc = &a->always;
		return r;
	}
	if ((r = scope_find_id(&a->global, id))) {
		*sc = &a->global;
		return r;
	}
	for (size_t i = 0; i < a->n_sbs; i++) {
		if ((r = scope_find_id(&a->sbs[i]->scope, id))) {
			*sc = &a->sbs[i]->scope;
			*sb = a->sbs[i];
			return r;
		}
	}
	return NULL;
}

void agent_free(struct agent *a)
{
	for (size_t i = 0; i < a->n_sbs; i++)
		sandbox_free(a->sbs[i]);
	free(a->sbs);
	a->sbs = NULL;
	a->n_sbs = 0;
	scope_free(&a->always);
	scope_free(&a->global);
	egressd_config_free(&a->cfg);
}

static const char *const kind_names[] = {
	[EGRESS_RULE_NAME] = "name",
	[EGRESS_RULE_WILDCARD] = "wildcard",
	[EGRESS_RULE_ANY_NAME] = "any",
	[EGRESS_RULE_IP] = "ip",
};

cJSON *rule_json(const struct arule *r, const struct scope *sc, const struct sandbox *sb)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", r->r.id);
	cJSON_AddStringToObject(o, "action", r->r.action == EGRESS_ACT_DENY ? "deny" : "allow");
	cJSON_AddStringToObject(o, "pattern", r->r.pattern);
	cJSON_AddStringToObject(o, "kind", r->r.kind <= EGRESS_RULE_IP ? kind_names[r->r.kind] : "?");
	cJSON_AddStringToObject(o, "scope", egress_scope_name(sc->kind));
	if (sb)
		cJSON_AddStringToObject(o, "sandbox", sb->name);
	else
		cJSON_AddNullToObject(o, "sandbox");
	if (r->profile[0])
		cJSON_AddStringToObject(o, "profile", r->profile);
	else
		cJSON_AddNullToObject(o, "profile");
	return o;
}

static cJSON *addrs_json(const __u8 (*addrs)[16], size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	char buf[64];

	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(egress_addr_str(addrs[i], buf,
									      sizeof(buf))));
	return arr;
}

cJSON *sandbox_json(const struct agent *a, const struct sandbox *sb)
{
	cJSON *o = cJSON_CreateObject(), *att, *prof;
	char mac[32];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", sb->name);
	cJSON_AddNumberToObject(o, "id", sb->id);
	cJSON_AddStringToObject(o, "iface", sb->iface);
	cJSON_AddNumberToObject(o, "ifindex", sb->ifindex);
	att = cJSON_AddObjectToObject(o, "attach");
	if (att) {
		bool tc_in = !strcmp(sb->attach_xdp, "tc");

		cJSON_AddStringToObject(att, "ingress", sb->attach_xdp[0] ? sb->attach_xdp : "none");
		cJSON_AddStringToObject(att, "xdp", sb->attach_xdp[0] && !tc_in ? sb->attach_xdp : "none");
		cJSON_AddStringToObject(att, "tc", !sb->attach_xdp[0] ? "none" :
					tc_in ? "ingress+egress" : "egress");
	}
	cJSON_AddStringToObject(o, "mode", egress_mode_name(sandbox_mode(a, sb)));
	cJSON_AddBoolToObject(o, "mode_inherited", !sb->scope.has_mode);
	cJSON_AddNumberToObject(o, "generation", sb->generation);
	cJSON_AddItemToObject(o, "ips", addrs_json((const __u8 (*)[16])sb->ips, sb->n_ips));
	if (sb->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", sb->mac[0],
			 sb->mac[1], sb->mac[2], sb->mac[3], sb->mac[4], sb->mac[5]);
		cJSON_AddStringToObject(o, "mac", mac);
	} else {
		cJSON_AddNullToObject(o, "mac");
	}
	cJSON_AddItemToObject(o, "resolvers",
			      addrs_json((const __u8 (*)[16])sb->resolvers, sb->n_resolvers));
	prof = cJSON_AddArrayToObject(o, "profiles");
	for (size_t i = 0; prof && i < sb->scope.n_profiles; i++)
		cJSON_AddItemToArray(prof, cJSON_CreateString(sb->scope.profiles[i]));
	cJSON_AddNumberToObject(o, "rules", sb->scope.n_rules);
	return o;
}
