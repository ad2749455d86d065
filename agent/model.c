// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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
 * million of them costs a million lookups, not a million scans: an open
 * addressing table of indexes into an array of rules.
 */
struct rule_index {
	const struct arule *rules;	/* what the entries point into */
	struct index_slot {
		__u32 at;		/* index + 1, 0: free */
		__u32 hash;		/* compared before the rule is read */
	} *slots;
	size_t mask;
};

static int index_init(struct rule_index *ix, const struct arule *rules, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	ix->rules = rules;
	ix->mask = size - 1;
	ix->slots = calloc(size, sizeof(*ix->slots));
	return ix->slots ? 0 : -ENOMEM;
}

static void index_free(struct rule_index *ix)
{
	free(ix->slots);
}

static __u64 index_hash(__u8 action, const char *pattern)
{
	__u64 h = 0xcbf29ce484222325ULL ^ action;	/* FNV-1a */

	for (const unsigned char *c = (const unsigned char *)pattern; *c; c++)
		h = (h ^ *c) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/*
 * The position of the rule (action, pattern) of hash h in ix->rules, or -1
 * with *free set to the slot where it would be filed.
 */
static ssize_t index_find(const struct rule_index *ix, __u64 h, __u8 action,
			  const char *pattern, size_t *free)
{
	size_t i = h & ix->mask;

	for (;; i = (i + 1) & ix->mask) {
		const struct index_slot *e = &ix->slots[i];

		if (!e->at)
			break;
		if (e->hash == (__u32)(h >> 32) && ix->rules[e->at - 1].r.action == action &&
		    !strcmp(ix->rules[e->at - 1].r.pattern, pattern))
			return e->at - 1;
	}
	*free = i;
	return -1;
}

static void index_put(struct rule_index *ix, size_t slot, __u64 h, size_t at)
{
	ix->slots[slot].at = at + 1;
	ix->slots[slot].hash = h >> 32;
}

#define INDEX_AHEAD	16

/* Replaces the rules of one origin (profile, or "" for none) keeping ids. */
static int scope_replace(struct agent *a, struct scope *sc, const char *origin,
			 const struct egress_rule *rules, size_t n)
{
	struct rule_index old = {}, added = {};
	char profile[EGRESS_PROFILE_NAME_MAX] = "";
	__u64 ahead[INDEX_AHEAD];
	size_t n_old = 0, k = 0, at;
	struct arule *next;
	int ret = -ENOMEM;

	snprintf(profile, sizeof(profile), "%s", origin);
	for (size_t i = 0; i < sc->n_rules; i++)
		n_old += !strcmp(sc->rules[i].profile, origin);
	next = malloc((sc->n_rules - n_old + n ? sc->n_rules - n_old + n : 1) * sizeof(*next));
	if (!next || index_init(&old, sc->rules, n_old) || index_init(&added, next, n))
		goto out;
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct arule *r = &sc->rules[i];
		__u64 h;

		if (strcmp(r->profile, origin)) {
			next[k++] = *r;
			continue;
		}
		h = index_hash(r->r.action, r->r.pattern);
		if (index_find(&old, h, r->r.action, r->r.pattern, &at) < 0)
			index_put(&old, at, h, i);
	}
	/*
	 * The index is far larger than the cache: each rule is hashed
	 * INDEX_AHEAD rules before it is filed, and its slot fetched meanwhile.
	 */
	for (size_t i = 0; i < n + INDEX_AHEAD; i++) {
		const struct egress_rule *r;
		ssize_t was = -1;
		__u64 h = 0;

		if (i >= INDEX_AHEAD)
			h = ahead[i % INDEX_AHEAD];	/* of rules[i - INDEX_AHEAD] */
		if (i < n) {
			ahead[i % INDEX_AHEAD] = index_hash(rules[i].action, rules[i].pattern);
			__builtin_prefetch(&added.slots[ahead[i % INDEX_AHEAD] & added.mask], 1);
		}
		if (i < INDEX_AHEAD)
			continue;
		r = &rules[i - INDEX_AHEAD];
		if (index_find(&added, h, r->action, r->pattern, &at) >= 0)
			continue;	/* listed twice */
		index_put(&added, at, h, k);
		next[k].r = *r;
		memcpy(next[k].profile, profile, sizeof(profile));
		if (n_old)
			was = index_find(&old, h, r->action, r->pattern, &at);
		next[k].r.id = was >= 0 ? sc->rules[was].r.id : a->next_rule_id++;
		k++;
	}
	free(sc->rules);
	sc->rules = k ? next : NULL;
	sc->n_rules = k;
	next = k ? NULL : next;
	ret = 0;
out:
	free(next);
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
