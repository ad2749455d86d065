// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <egress/ctl.h>

#include "agent_config.h"
#include "audit_cmd.h"
#include "ctl.h"
#include "enforce.h"
#include "errmsg.h"
#include "names.h"
#include "policy.h"
#include "profile.h"
#include "rule.h"
#include "unload.h"

#define ERR_MAX 512

typedef int (*cmd_fn)(struct agent *a, const cJSON *args, cJSON *res,
		      char *err, size_t errlen);

struct cmd {
	const char *name;
	cmd_fn fn;
	const char *const *keys;	/* the args it takes, NULL-terminated */
};

static const char *code_name(int code)
{
	const char *s = strerrorname_np(code);

	return s ? s : "EIO";
}

char *ctl_error(int code, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *out;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "v", EGRESS_CTL_VERSION);
	cJSON_AddBoolToObject(o, "ok", false);
	cJSON_AddStringToObject(o, "code", code_name(code));
	cJSON_AddStringToObject(o, "error", msg);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* --- argument helpers -------------------------------------------------------- */

static const cJSON *arg(const cJSON *args, const char *key)
{
	return args ? cJSON_GetObjectItemCaseSensitive(args, key) : NULL;
}

/* An optional string argument: 0 (and *out NULL when absent), or -EINVAL. */
static int arg_str(const cJSON *args, const char *key, const char **out,
		   char *err, size_t errlen)
{
	const cJSON *it = arg(args, key);

	*out = NULL;
	if (!it || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it))
		return egress_errf(err, errlen, -EINVAL, "\"%s\" must be a string", key);
	*out = it->valuestring;
	return 0;
}

/* An optional array of strings. */
static int arg_strs(const cJSON *args, const char *key, const cJSON **out,
		    char *err, size_t errlen)
{
	const cJSON *it = arg(args, key), *e;

	*out = NULL;
	if (!it || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsArray(it))
		return egress_errf(err, errlen, -EINVAL, "\"%s\" must be an array of strings", key);
	cJSON_ArrayForEach(e, it)
		if (!cJSON_IsString(e))
			return egress_errf(err, errlen, -EINVAL,
					   "\"%s\" must be an array of strings", key);
	*out = it;
	return 0;
}

static int arg_sandbox(struct agent *a, const cJSON *args, bool required,
		       struct sandbox **sb, char *err, size_t errlen)
{
	const char *name;
	int ret = arg_str(args, "sandbox", &name, err, errlen);

	*sb = NULL;
	if (ret)
		return ret;
	if (!name) {
		if (required)
			return egress_errf(err, errlen, -EINVAL, "\"sandbox\" is required");
		return 0;
	}
	*sb = agent_sandbox(a, name);
	if (!*sb)
		return egress_errf(err, errlen, -ENOENT, "no sandbox '%s'", name);
	return 0;
}

static const char *profile_dir(const struct agent *a)
{
	return a->profile_dir;
}

/* --- committing a change: enforce, persist, or undo ---------------------------- */

/*
 * What it takes to put a scope's model back as it was before a change: a
 * copy of it (profiles, imports), or, for rules added or removed one by
 * one, only those, so that a change of one rule costs no copy of a scope
 * of a million. The rules removed are also what leaves the slot in place.
 */
struct undo {
	struct scope *sc;
	struct scope saved;		/* copied: the whole scope */
	bool copied;
	size_t n_before;		/* rules appended after this many */
	struct arule *gone;		/* removed, gone[i] from index at[i] */
	size_t *at;
	size_t n_gone, cap;
};

static void undo_init(struct undo *u, struct scope *sc)
{
	memset(u, 0, sizeof(*u));
	u->sc = sc;
	u->n_before = sc->n_rules;
}

static int undo_copy(struct undo *u)
{
	int ret = scope_copy(&u->saved, u->sc);

	u->copied = !ret;
	return ret;
}

/* Takes rule i out of the scope, remembering it. */
static int undo_del_at(struct undo *u, size_t i)
{
	if (u->n_gone == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;
		struct arule *g = realloc(u->gone, cap * sizeof(*g));
		size_t *at;

		if (!g)
			return -ENOMEM;
		u->gone = g;
		at = realloc(u->at, cap * sizeof(*at));
		if (!at)
			return -ENOMEM;
		u->at = at;
		u->cap = cap;
	}
	u->gone[u->n_gone] = u->sc->rules[i];
	u->at[u->n_gone++] = i;
	scope_del_at(u->sc, i);
	return 0;
}

static void undo_done(struct undo *u)
{
	if (u->copied)
		scope_free(&u->saved);
	free(u->gone);
	free(u->at);
	u->copied = false;
	u->gone = NULL;
	u->at = NULL;
	u->n_gone = u->cap = 0;
}

/* The model as it was; the slot stays the one the data path uses now. */
static void undo_apply(struct undo *u)
{
	struct scope *sc = u->sc;

	if (u->copied) {
		u->saved.slot = sc->slot;
		scope_free(sc);
		*sc = u->saved;
		u->copied = false;
	} else {
		if (sc->n_rules > u->n_before)
			sc->n_rules = u->n_before;
		for (size_t k = u->n_gone; k-- > 0;) {
			size_t at = u->at[k];

			/* the array only shrank since: room for it without a failure */
			if (scope_add(sc, &u->gone[k].r, u->gone[k].profile)) {
				fprintf(stderr, "egressd: undoing a change: rule %u is lost\n",
					u->gone[k].r.id);
				continue;
			}
			memmove(&sc->rules[at + 1], &sc->rules[at],
				(sc->n_rules - 1 - at) * sizeof(*sc->rules));
			sc->rules[at] = u->gone[k];
		}
	}
	undo_done(u);
}

/*
 * The model of sc has changed (u knows from what): put it into the data
 * path and the state file, or put everything back as it was. The data path
 * may enforce the change before the state file has it; the caller hears of
 * success only once it is persisted. added: the one rule added (in place);
 * rules removed one by one leave the slot in place; otherwise the slot is
 * rebuilt.
 */
static int commit_scope(struct agent *a, struct undo *u, const struct arule *added,
			char *err, size_t errlen)
{
	struct scope *sc = u->sc;
	char why[ERR_MAX];
	int ret = -EAGAIN;

	if (u->n_gone && !u->copied)
		ret = enforce_scope_unload(a, sc, u->gone, u->n_gone, err, errlen);
	if (ret)
		ret = enforce_scope(a, sc, added, err, errlen);
	if (ret) {
		undo_apply(u);
		return ret;
	}
	ret = agent_state_save(a, err, errlen);
	if (ret) {
		/* not persisted: the data path goes back to the rules as they were */
		undo_apply(u);
		if (enforce_scope(a, sc, NULL, why, sizeof(why))) {
			size_t len = strlen(err);

			fprintf(stderr, "egressd: undoing a change failed: %s\n", why);
			snprintf(err + len, errlen - len,
				 "; undoing it failed (%s): the data path still enforces it", why);
		}
		return ret;
	}
	undo_done(u);
	return 0;
}

/* Sandboxes whose mode follows the global one get their entry rewritten. */
static int update_inheritors(struct agent *a, char *err, size_t errlen)
{
	for (size_t i = 0; i < a->n_sbs; i++) {
		int ret;

		if (a->sbs[i]->scope.has_mode)
			continue;
		ret = enforce_sandbox_update(a, a->sbs[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

static __u32 scope_generation(const struct agent *a, const struct sandbox *sb)
{
	return sb ? sb->generation : a->global_generation;
}

/* --- commands ------------------------------------------------------------------ */

static int cmd_status(struct agent *a, const cJSON *args, cJSON *res,
		      char *err, size_t errlen)
{
	char started[32] = "";
	struct tm tm;
	cJSON *arr;

	if (gmtime_r(&a->started, &tm))
		strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(res, "version", EGRESSD_VERSION);
	cJSON_AddNumberToObject(res, "pid", getpid());
	cJSON_AddStringToObject(res, "started", started);
	cJSON_AddStringToObject(res, "bpffs", a->bpffs ? a->bpffs : "");
	cJSON_AddStringToObject(res, "state_dir", a->state_dir ? a->state_dir : "");
	cJSON_AddStringToObject(res, "mode", egress_mode_name(a->global.mode));
	arr = cJSON_AddArrayToObject(res, "sandboxes");
	for (size_t i = 0; arr && i < a->n_sbs; i++)
		cJSON_AddItemToArray(arr, sandbox_json(a, a->sbs[i]));
	return enforce_status(a, res);
}

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];
	int n = 0;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2],
				       &b[3], &b[4], &b[5], &n) != 6 || n != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

/* Expands profile names into sc: -ENOENT for an unknown one. */
static int apply_profiles(struct agent *a, struct scope *sc, const cJSON *names,
			  cJSON *added, const struct sandbox *sb, char *err, size_t errlen)
{
	const cJSON *it;
	int ret;

	cJSON_ArrayForEach(it, names) {
		struct egress_profile p;
		__u32 first = a->next_rule_id;

		ret = egress_profile_load(profile_dir(a), it->valuestring, &p, err, errlen);
		if (ret)
			return ret;
		ret = scope_apply_profile(a, sc, &p);
		egress_profile_free(&p);
		if (ret)
			return egress_errf(err, errlen, ret, "out of memory");
		for (size_t i = 0; added && i < sc->n_rules; i++)
			if (sc->rules[i].r.id >= first)
				cJSON_AddItemToArray(added, rule_json(&sc->rules[i], sc, sb));
	}
	return 0;
}

static int parse_addrs(const cJSON *arr, const char *key, __u8 (*out)[16], size_t *n,
		       char *err, size_t errlen)
{
	const cJSON *it;
	char why[256];

	*n = 0;
	cJSON_ArrayForEach(it, arr) {
		if (*n >= SB_MAX_ADDRS)
			return egress_errf(err, errlen, -E2BIG, "\"%s\": at most %d addresses",
					   key, SB_MAX_ADDRS);
		if (egress_addr_parse(it->valuestring, out[*n], why, sizeof(why)))
			return egress_errf(err, errlen, -EINVAL, "\"%s\": %s", key, why);
		(*n)++;
	}
	return 0;
}

static int cmd_sandbox_add(struct agent *a, const cJSON *args, cJSON *res,
			   char *err, size_t errlen)
{
	const char *name, *iface, *mac, *mode, *xdp;
	const cJSON *ips, *profiles, *resolvers;
	struct sandbox *sb;
	int ret;

	if ((ret = arg_str(args, "name", &name, err, errlen)) ||
	    (ret = arg_str(args, "iface", &iface, err, errlen)) ||
	    (ret = arg_str(args, "mac", &mac, err, errlen)) ||
	    (ret = arg_str(args, "mode", &mode, err, errlen)) ||
	    (ret = arg_str(args, "xdp_mode", &xdp, err, errlen)) ||
	    (ret = arg_strs(args, "ips", &ips, err, errlen)) ||
	    (ret = arg_strs(args, "resolvers", &resolvers, err, errlen)) ||
	    (ret = arg_strs(args, "profiles", &profiles, err, errlen)))
		return ret;
	if (!name || !iface)
		return egress_errf(err, errlen, -EINVAL, "\"name\" and \"iface\" are required");
	if (!sandbox_name_ok(name))
		return egress_errf(err, errlen, -EINVAL,
				   "'%s' is not a sandbox name (1-64 of A-Z a-z 0-9 _ . -, not starting with . or -)",
				   name);
	if (!*iface || strlen(iface) >= IF_NAMESIZE || strchr(iface, '/'))
		return egress_errf(err, errlen, -EINVAL, "'%s' is not an interface name", iface);
	if (agent_sandbox(a, name))
		return egress_errf(err, errlen, -EEXIST, "sandbox '%s' exists", name);
	for (size_t i = 0; i < a->n_sbs; i++)
		if (!strcmp(a->sbs[i]->iface, iface))
			return egress_errf(err, errlen, -EEXIST, "%s is sandbox '%s''s interface",
					   iface, a->sbs[i]->name);
	if (xdp && egressd_xdp_mode_check(xdp))
		return egress_errf(err, errlen, -EINVAL, "\"xdp_mode\" must be " EGRESS_ATTACH_MODES);

	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	scope_init(&sb->scope, EGRESS_SCOPE_SANDBOX);
	strcpy(sb->name, name);
	strcpy(sb->iface, iface);
	strcpy(sb->xdp_mode, xdp ? xdp : a->cfg.xdp_mode);
	sb->id = agent_free_id(a);
	sb->generation = 1;
	if (!sb->id) {
		ret = egress_errf(err, errlen, -ENOSPC, "no room for another sandbox");
		goto err;
	}
	if (mode) {
		if (egress_mode_parse(mode, &sb->scope.mode)) {
			ret = egress_errf(err, errlen, -EINVAL,
					  "'%s' is not a mode (allow-all, warn, deny, deny-all)", mode);
			goto err;
		}
		sb->scope.has_mode = true;
	}
	if (mac) {
		if (parse_mac(mac, sb->mac)) {
			ret = egress_errf(err, errlen, -EINVAL, "'%s' is not a MAC address", mac);
			goto err;
		}
		sb->has_mac = true;
	}
	ret = parse_addrs(ips, "ips", sb->ips, &sb->n_ips, err, errlen);
	if (ret)
		goto err;
	if (resolvers) {
		ret = parse_addrs(resolvers, "resolvers", sb->resolvers, &sb->n_resolvers,
				  err, errlen);
		if (ret)
			goto err;
		sb->has_resolvers = true;
	}
	if (profiles) {
		ret = apply_profiles(a, &sb->scope, profiles, NULL, sb, err, errlen);
	} else {
		for (size_t i = 0; !ret && i < a->cfg.n_default_profiles; i++) {
			struct egress_profile p;

			ret = egress_profile_load(profile_dir(a), a->cfg.default_profiles[i], &p,
						  err, errlen);
			if (!ret) {
				ret = scope_apply_profile(a, &sb->scope, &p);
				egress_profile_free(&p);
			}
		}
	}
	if (ret)
		goto err;
	ret = agent_sandbox_insert(a, sb);
	if (ret)
		goto err;
	ret = enforce_sandbox_add(a, sb, err, errlen);
	if (ret) {
		agent_sandbox_remove(a, sb);
		goto err;
	}
	ret = agent_state_save(a, err, errlen);
	if (ret) {
		enforce_sandbox_del(a, sb);
		agent_sandbox_remove(a, sb);
		goto err;
	}
	cJSON_AddItemToObject(res, "sandbox", sandbox_json(a, sb));
	return 0;
err:
	sandbox_free(sb);
	return ret;
}

static int cmd_sandbox_del(struct agent *a, const cJSON *args, cJSON *res,
			   char *err, size_t errlen)
{
	struct sandbox *sb;
	const char *name;
	int ret;

	ret = arg_str(args, "name", &name, err, errlen);
	if (ret)
		return ret;
	if (!name)
		return egress_errf(err, errlen, -EINVAL, "\"name\" is required");
	sb = agent_sandbox(a, name);
	if (!sb)
		return egress_errf(err, errlen, -ENOENT, "no sandbox '%s'", name);
	agent_sandbox_remove(a, sb);
	ret = agent_state_save(a, err, errlen);
	if (ret) {
		agent_sandbox_insert(a, sb);
		return ret;
	}
	ret = enforce_sandbox_del(a, sb);
	if (ret)
		fprintf(stderr, "egressd: sandbox %s: detaching: %s\n", sb->name, strerror(-ret));
	sandbox_free(sb);
	return 0;
}

static int cmd_sandbox_list(struct agent *a, const cJSON *args, cJSON *res,
			    char *err, size_t errlen)
{
	cJSON *arr = cJSON_AddArrayToObject(res, "sandboxes");

	for (size_t i = 0; arr && i < a->n_sbs; i++)
		cJSON_AddItemToArray(arr, sandbox_json(a, a->sbs[i]));
	return 0;
}

static int cmd_rule_add(struct agent *a, const cJSON *args, cJSON *res,
			char *err, size_t errlen)
{
	const cJSON *rules, *profiles, *it;
	struct scope *sc;
	struct undo u;
	const char *action;
	struct sandbox *sb;
	const struct arule *added = NULL;
	cJSON *out;
	__u8 act;
	int ret, n_new = 0;

	if ((ret = arg_str(args, "action", &action, err, errlen)) ||
	    (ret = arg_strs(args, "rules", &rules, err, errlen)) ||
	    (ret = arg_strs(args, "profiles", &profiles, err, errlen)) ||
	    (ret = arg_sandbox(a, args, false, &sb, err, errlen)))
		return ret;
	if (!action || (strcmp(action, "allow") && strcmp(action, "deny")))
		return egress_errf(err, errlen, -EINVAL, "\"action\" must be allow or deny");
	act = strcmp(action, "deny") ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY;
	if (cJSON_GetArraySize(rules) + cJSON_GetArraySize(profiles) == 0)
		return egress_errf(err, errlen, -EINVAL, "no rules and no profiles given");
	if (profiles && act == EGRESS_ACT_DENY)
		return egress_errf(err, errlen, -EINVAL,
				   "profiles are added with allow (a profile says what it denies)");
	sc = sb ? &sb->scope : &a->global;
	undo_init(&u, sc);
	/* profiles rewrite the scope's rules: a copy to go back to */
	if (profiles && (ret = undo_copy(&u)))
		return egress_errf(err, errlen, ret, "out of memory");
	out = cJSON_AddArrayToObject(res, "rules");
	cJSON_ArrayForEach(it, rules) {
		struct egress_rule r;
		struct arule *old;
		char why[ERR_MAX];

		ret = egress_rule_parse(it->valuestring, act, &r, why, sizeof(why));
		if (ret) {
			egress_errf(err, errlen, -EINVAL, "%s", why);
			goto undo;
		}
		old = scope_find(sc, act, r.pattern, "");
		if (!old) {
			r.id = a->next_rule_id++;
			ret = scope_add(sc, &r, "");
			if (ret) {
				egress_errf(err, errlen, ret, "out of memory");
				goto undo;
			}
			old = &sc->rules[sc->n_rules - 1];
			n_new++;
		}
		cJSON_AddItemToArray(out, rule_json(old, sc, sb));
	}
	ret = apply_profiles(a, sc, profiles, out, sb, err, errlen);
	if (ret)
		goto undo;
	if (n_new == 1 && !profiles)
		added = &sc->rules[sc->n_rules - 1];
	if (n_new || profiles) {
		ret = commit_scope(a, &u, added, err, errlen);
		if (ret)
			return ret;
	} else {
		undo_done(&u);
	}
	cJSON_AddNumberToObject(res, "generation", scope_generation(a, sb));
	return 0;
undo:
	undo_apply(&u);
	return ret;
}

static int parse_id(const char *s, __u32 *id)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v == 0 || v > 0xffffffffUL)
		return -EINVAL;
	*id = v;
	return 0;
}

static int cmd_rule_remove(struct agent *a, const cJSON *args, cJSON *res,
			   char *err, size_t errlen)
{
	const cJSON *items = arg(args, "items"), *it;
	struct scope *sc;
	struct undo u;
	struct sandbox *sb;
	cJSON *out;
	int ret;

	ret = arg_sandbox(a, args, false, &sb, err, errlen);
	if (ret)
		return ret;
	if (!cJSON_IsArray(items) || !cJSON_GetArraySize(items))
		return egress_errf(err, errlen, -EINVAL, "\"items\" must be a non-empty array");
	sc = sb ? &sb->scope : &a->global;
	undo_init(&u, sc);
	/* a profile taken out takes its rules and its name: a copy to go back to */
	cJSON_ArrayForEach(it, items) {
		if (cJSON_IsString(it) && !strncmp(it->valuestring, "profile:", 8)) {
			ret = undo_copy(&u);
			if (ret)
				return egress_errf(err, errlen, ret, "out of memory");
			break;
		}
	}
	out = cJSON_AddArrayToObject(res, "removed");
	cJSON_ArrayForEach(it, items) {
		struct egress_rule pat;
		char text[64], why[ERR_MAX];
		const char *s;
		__u32 id = 0;
		bool found = false;

		if (cJSON_IsNumber(it)) {
			snprintf(text, sizeof(text), "%.0f", it->valuedouble);
			s = text;
		} else if (cJSON_IsString(it)) {
			s = it->valuestring;
		} else {
			ret = egress_errf(err, errlen, -EINVAL,
					  "\"items\" must hold rule ids or rule texts");
			goto undo;
		}
		if (!strncmp(s, "profile:", 8)) {
			if (!scope_has_profile(sc, s + 8)) {
				ret = egress_errf(err, errlen, -ENOENT, "profile '%s' is not in this scope",
						  s + 8);
				goto undo;
			}
			for (size_t i = 0; i < sc->n_rules; i++)
				if (!strcmp(sc->rules[i].profile, s + 8))
					cJSON_AddItemToArray(out, rule_json(&sc->rules[i], sc, sb));
			scope_del_profile(sc, s + 8);
			continue;
		}
		if (!parse_id(s, &id)) {
			struct arule *r = scope_find_id(sc, id);

			if (r && r->profile[0]) {
				ret = egress_errf(err, errlen, -EINVAL,
						  "rule %u comes from profile '%s': remove profile:%s",
						  id, r->profile, r->profile);
				goto undo;
			}
			if (r) {
				cJSON_AddItemToArray(out, rule_json(r, sc, sb));
				if (undo_del_at(&u, r - sc->rules)) {
					ret = egress_errf(err, errlen, -ENOMEM, "out of memory");
					goto undo;
				}
				continue;
			}
			ret = egress_errf(err, errlen, -ENOENT, "no rule %u in %s%s", id,
					  sb ? "sandbox " : "the global scope", sb ? sb->name : "");
			goto undo;
		}
		if (egress_rule_parse(s, EGRESS_ACT_ALLOW, &pat, why, sizeof(why))) {
			ret = egress_errf(err, errlen, -EINVAL, "%s", why);
			goto undo;
		}
		for (size_t i = sc->n_rules; i-- > 0;) {
			if (sc->rules[i].profile[0] || strcmp(sc->rules[i].r.pattern, pat.pattern))
				continue;
			cJSON_AddItemToArray(out, rule_json(&sc->rules[i], sc, sb));
			if (undo_del_at(&u, i)) {
				ret = egress_errf(err, errlen, -ENOMEM, "out of memory");
				goto undo;
			}
			found = true;
		}
		if (!found) {
			ret = egress_errf(err, errlen, -ENOENT, "no rule '%s' in %s%s", s,
					  sb ? "sandbox " : "the global scope", sb ? sb->name : "");
			goto undo;
		}
	}
	ret = commit_scope(a, &u, NULL, err, errlen);
	if (ret)
		return ret;
	cJSON_AddNumberToObject(res, "generation", scope_generation(a, sb));
	return 0;
undo:
	undo_apply(&u);
	return ret;
}

static void list_scope(cJSON *rules, cJSON *profiles, const struct scope *sc,
		       const struct sandbox *sb)
{
	for (size_t i = 0; i < sc->n_rules; i++)
		cJSON_AddItemToArray(rules, rule_json(&sc->rules[i], sc, sb));
	for (size_t i = 0; i < sc->n_profiles; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", sc->profiles[i]);
		cJSON_AddStringToObject(o, "scope", egress_scope_name(sc->kind));
		if (sb)
			cJSON_AddStringToObject(o, "sandbox", sb->name);
		else
			cJSON_AddNullToObject(o, "sandbox");
		cJSON_AddItemToArray(profiles, o);
	}
}

static int cmd_rule_list(struct agent *a, const cJSON *args, cJSON *res,
			 char *err, size_t errlen)
{
	cJSON *rules = cJSON_AddArrayToObject(res, "rules");
	cJSON *profiles = cJSON_AddArrayToObject(res, "profiles");
	struct sandbox *sb;
	int ret;

	ret = arg_sandbox(a, args, false, &sb, err, errlen);
	if (ret)
		return ret;
	list_scope(rules, profiles, &a->always, NULL);
	list_scope(rules, profiles, &a->global, NULL);
	if (sb)
		list_scope(rules, profiles, &sb->scope, sb);
	return 0;
}

static int cmd_mode_get(struct agent *a, const cJSON *args, cJSON *res,
			char *err, size_t errlen)
{
	struct sandbox *sb;
	int ret;

	ret = arg_sandbox(a, args, false, &sb, err, errlen);
	if (ret)
		return ret;
	cJSON_AddStringToObject(res, "mode", egress_mode_name(sb ? sandbox_mode(a, sb)
								  : a->global.mode));
	cJSON_AddBoolToObject(res, "inherited", sb && !sb->scope.has_mode);
	return 0;
}

static int cmd_mode_set(struct agent *a, const cJSON *args, cJSON *res,
			char *err, size_t errlen)
{
	struct sandbox *sb;
	const char *s;
	bool had;
	__u8 mode, old;
	int ret;

	if ((ret = arg_sandbox(a, args, false, &sb, err, errlen)) ||
	    (ret = arg_str(args, "mode", &s, err, errlen)))
		return ret;
	if (!s || egress_mode_parse(s, &mode))
		return egress_errf(err, errlen, -EINVAL,
				   "\"mode\" must be allow-all, warn, deny (enforce) or deny-all");
	if (sb) {
		had = sb->scope.has_mode;
		old = sb->scope.mode;
		sb->scope.has_mode = true;
		sb->scope.mode = mode;
		ret = enforce_sandbox_update(a, sb, err, errlen);
		if (!ret)
			ret = agent_state_save(a, err, errlen);
		if (ret) {
			sb->scope.has_mode = had;
			sb->scope.mode = old;
			enforce_sandbox_update(a, sb, NULL, 0);
			return ret;
		}
	} else {
		old = a->global.mode;
		a->global.mode = mode;
		a->global_generation++;
		ret = update_inheritors(a, err, errlen);
		if (!ret)
			ret = agent_state_save(a, err, errlen);
		if (ret) {
			a->global.mode = old;
			update_inheritors(a, NULL, 0);
			return ret;
		}
	}
	cJSON_AddStringToObject(res, "mode", egress_mode_name(mode));
	cJSON_AddNumberToObject(res, "generation", scope_generation(a, sb));
	return 0;
}

static int cmd_explain(struct agent *a, const cJSON *args, cJSON *res,
		       char *err, size_t errlen)
{
	const cJSON *port = arg(args, "port");
	struct sandbox *sb;
	const char *target;
	int ret, p = -1;

	if ((ret = arg_sandbox(a, args, true, &sb, err, errlen)) ||
	    (ret = arg_str(args, "target", &target, err, errlen)))
		return ret;
	if (!target || !*target)
		return egress_errf(err, errlen, -EINVAL, "\"target\" is required");
	if (port && !cJSON_IsNull(port)) {
		if (!cJSON_IsNumber(port) || port->valuedouble < 1 || port->valuedouble > 65535 ||
		    port->valuedouble != (int)port->valuedouble)
			return egress_errf(err, errlen, -EINVAL, "\"port\" must be 1-65535");
		p = port->valueint;
	}
	return enforce_explain(a, sb, target, p, res, err, errlen);
}

static int cmd_profile_list(struct agent *a, const cJSON *args, cJSON *res,
			    char *err, size_t errlen)
{
	struct egress_profile *p;
	cJSON *arr;
	size_t n;
	int ret;

	ret = egress_profile_load_all(profile_dir(a), &p, &n, err, errlen);
	if (ret)
		return ret;
	arr = cJSON_AddArrayToObject(res, "profiles");
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", p[i].name);
		cJSON_AddStringToObject(o, "description", p[i].description);
		cJSON_AddNumberToObject(o, "rules", p[i].n_rules);
		cJSON_AddItemToArray(arr, o);
	}
	egress_profiles_free(p, n);
	return 0;
}

static int cmd_profile_show(struct agent *a, const cJSON *args, cJSON *res,
			    char *err, size_t errlen)
{
	struct egress_profile p;
	const char *name;
	cJSON *allow, *deny;
	int ret;

	ret = arg_str(args, "name", &name, err, errlen);
	if (ret)
		return ret;
	if (!name)
		return egress_errf(err, errlen, -EINVAL, "\"name\" is required");
	ret = egress_profile_load(profile_dir(a), name, &p, err, errlen);
	if (ret)
		return ret;
	cJSON_AddStringToObject(res, "name", p.name);
	cJSON_AddStringToObject(res, "description", p.description);
	allow = cJSON_AddArrayToObject(res, "allow");
	deny = cJSON_AddArrayToObject(res, "deny");
	for (size_t i = 0; i < p.n_rules; i++)
		cJSON_AddItemToArray(p.rules[i].action == EGRESS_ACT_DENY ? deny : allow,
				     cJSON_CreateString(p.rules[i].pattern));
	egress_profile_free(&p);
	return 0;
}

static int cmd_policy_export(struct agent *a, const cJSON *args, cJSON *res,
			     char *err, size_t errlen)
{
	struct sandbox *sb;
	struct scope *sc;
	cJSON *allow, *deny, *prof, *resv;
	char buf[64];
	int ret;

	ret = arg_sandbox(a, args, false, &sb, err, errlen);
	if (ret)
		return ret;
	sc = sb ? &sb->scope : &a->global;
	cJSON_AddStringToObject(res, "mode", egress_mode_name(sb ? sandbox_mode(a, sb)
								  : a->global.mode));
	allow = cJSON_AddArrayToObject(res, "allow");
	deny = cJSON_AddArrayToObject(res, "deny");
	for (size_t i = 0; i < sc->n_rules; i++)
		if (!sc->rules[i].profile[0])
			cJSON_AddItemToArray(sc->rules[i].r.action == EGRESS_ACT_DENY ? deny : allow,
					     cJSON_CreateString(sc->rules[i].r.pattern));
	prof = cJSON_AddArrayToObject(res, "profiles");
	for (size_t i = 0; i < sc->n_profiles; i++)
		cJSON_AddItemToArray(prof, cJSON_CreateString(sc->profiles[i]));
	/*
	 * Only resolvers a policy set: the default ones (the host side of the
	 * sandbox's interface) belong to the interface, not to the policy, so
	 * a document imported into another sandbox keeps that one's defaults.
	 */
	if (sb && sb->has_resolvers) {
		resv = cJSON_AddArrayToObject(res, "resolvers");
		for (size_t i = 0; i < sb->n_resolvers; i++)
			cJSON_AddItemToArray(resv, cJSON_CreateString(
				egress_addr_str(sb->resolvers[i], buf, sizeof(buf))));
	}
	return 0;
}

static int cmd_policy_import(struct agent *a, const cJSON *args, cJSON *res,
			     char *err, size_t errlen)
{
	const cJSON *doc = arg(args, "policy");
	struct egress_policy p = {};
	struct scope *sc, saved;
	struct sandbox *sb, sb_saved;
	char why[ERR_MAX];
	cJSON *names = NULL;
	int ret;

	ret = arg_sandbox(a, args, false, &sb, err, errlen);
	if (ret)
		return ret;
	if (!cJSON_IsObject(doc))
		return egress_errf(err, errlen, -EINVAL, "\"policy\" must be a policy document");
	ret = egress_policy_from_json(doc, 1, &p, why, sizeof(why));
	if (ret)
		return egress_errf(err, errlen, -EINVAL, "policy: %s", why);
	if (p.has_resolvers && !sb) {
		ret = egress_errf(err, errlen, -EINVAL, "\"resolvers\" belong to a sandbox's policy");
		goto out;
	}
	if (p.n_resolvers > SB_MAX_ADDRS) {
		ret = egress_errf(err, errlen, -E2BIG, "at most %d resolvers", SB_MAX_ADDRS);
		goto out;
	}
	sc = sb ? &sb->scope : &a->global;
	ret = scope_copy(&saved, sc);
	if (ret)
		goto out;
	if (sb)
		sb_saved = *sb;
	/* the scope's rules: ids kept for rules that stay */
	while (sc->n_profiles)
		scope_del_profile(sc, sc->profiles[0]);
	ret = scope_set_rules(a, sc, p.rules, p.n_rules);
	names = cJSON_CreateArray();
	for (size_t i = 0; names && i < p.n_profiles; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(p.profiles[i]));
	if (!ret)
		ret = apply_profiles(a, sc, names, NULL, sb, err, errlen);
	else
		egress_errf(err, errlen, ret, "out of memory");
	if (!ret && p.has_mode) {
		sc->has_mode = true;
		sc->mode = p.mode;
	}
	if (!ret && sb && p.has_resolvers) {
		sb->has_resolvers = true;
		sb->n_resolvers = p.n_resolvers;
		memcpy(sb->resolvers, p.resolvers, p.n_resolvers * 16);
	}
	if (ret) {
		saved.slot = sc->slot;
		scope_free(sc);
		*sc = saved;
		goto out;
	}
	/* the rules first (one switch), then mode and resolvers */
	if (sb) {
		ret = enforce_scope(a, sc, NULL, err, errlen);
		if (!ret)
			ret = enforce_sandbox_update(a, sb, err, errlen);
	} else {
		a->global_generation++;
		ret = enforce_scope(a, sc, NULL, err, errlen);
		if (!ret)
			ret = update_inheritors(a, err, errlen);
	}
	if (!ret)
		ret = agent_state_save(a, err, errlen);
	if (ret) {
		saved.slot = sc->slot;
		scope_free(sc);
		*sc = saved;
		if (sb) {
			sb_saved.scope = sb->scope;
			sb_saved.generation = sb->generation;
			*sb = sb_saved;
			enforce_sandbox_update(a, sb, NULL, 0);
		}
		enforce_scope(a, sc, NULL, NULL, 0);
		if (!sb)
			update_inheritors(a, NULL, 0);
		goto out;
	}
	scope_free(&saved);
	cJSON_AddNumberToObject(res, "rules", sc->n_rules);
	cJSON_AddNumberToObject(res, "generation", scope_generation(a, sb));
out:
	cJSON_Delete(names);
	egress_policy_free(&p);
	return ret;
}

static const char *const k_none[] = { NULL };
static const char *const k_sb_add[] = { "name", "iface", "ips", "resolvers", "mac", "mode",
					"profiles", "xdp_mode", NULL };
static const char *const k_name[] = { "name", NULL };
static const char *const k_rule_add[] = { "action", "rules", "profiles", "sandbox", NULL };
static const char *const k_rule_rm[] = { "items", "sandbox", NULL };
static const char *const k_sandbox[] = { "sandbox", NULL };
static const char *const k_mode_set[] = { "sandbox", "mode", NULL };
static const char *const k_explain[] = { "sandbox", "target", "port", NULL };
static const char *const k_import[] = { "sandbox", "policy", NULL };
static const char *const k_audit[] = { "sandbox", "since", "verdict", "follow", NULL };

static const struct cmd cmds[] = {
	{ "status", cmd_status, k_none },
	{ "sandbox.add", cmd_sandbox_add, k_sb_add },
	{ "sandbox.del", cmd_sandbox_del, k_name },
	{ "sandbox.list", cmd_sandbox_list, k_none },
	{ "rule.add", cmd_rule_add, k_rule_add },
	{ "rule.remove", cmd_rule_remove, k_rule_rm },
	{ "rule.list", cmd_rule_list, k_sandbox },
	{ "mode.get", cmd_mode_get, k_sandbox },
	{ "mode.set", cmd_mode_set, k_mode_set },
	{ "explain", cmd_explain, k_explain },
	{ "profile.list", cmd_profile_list, k_none },
	{ "profile.show", cmd_profile_show, k_name },
	{ "policy.export", cmd_policy_export, k_sandbox },
	{ "policy.import", cmd_policy_import, k_import },
	{ "audit", audit_cmd, k_audit },
};

static const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int args_check(const struct cmd *c, const cJSON *args, char *err, size_t errlen)
{
	const cJSON *it;

	if (!args)
		return 0;
	if (!cJSON_IsObject(args))
		return egress_errf(err, errlen, -EINVAL, "\"args\" must be an object");
	cJSON_ArrayForEach(it, args) {
		bool known = false;

		for (const char *const *k = c->keys; *k; k++)
			known |= !strcmp(*k, it->string);
		if (!known)
			return egress_errf(err, errlen, -EINVAL, "%s takes no argument \"%s\"",
					   c->name, it->string);
	}
	return 0;
}

char *ctl_handle(struct agent *a, const char *line, size_t len, bool *close)
{
	char err[ERR_MAX] = "";
	const cJSON *v, *cmdname, *args, *it;
	const struct cmd *c;
	const char *end = NULL;
	cJSON *req, *reply, *res;
	char *out;
	int ret;

	*close = false;
	if (memchr(line, '\0', len)) {
		*close = true;
		return ctl_error(EINVAL, "the request holds a NUL byte");
	}
	req = cJSON_ParseWithLengthOpts(line, len, &end, false);
	if (req) {
		while (end < line + len && strchr(" \t\r", *end))
			end++;
	}
	if (!req || !cJSON_IsObject(req) || end != line + len) {
		cJSON_Delete(req);
		*close = true;
		return ctl_error(EINVAL, "the request is not a JSON object");
	}
	v = cJSON_GetObjectItemCaseSensitive(req, "v");
	cmdname = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	args = cJSON_GetObjectItemCaseSensitive(req, "args");
	if (!cJSON_IsNumber(v)) {
		out = ctl_error(EINVAL, "the request has no protocol version \"v\"");
		goto done;
	}
	if (v->valuedouble != EGRESS_CTL_VERSION) {
		snprintf(err, sizeof(err), "protocol version %g is not known; this egressd speaks %d",
			 v->valuedouble, EGRESS_CTL_VERSION);
		out = ctl_error(EPROTO, err);
		goto done;
	}
	cJSON_ArrayForEach(it, req) {
		if (strcmp(it->string, "v") && strcmp(it->string, "cmd") && strcmp(it->string, "args")) {
			snprintf(err, sizeof(err), "unknown key \"%.64s\" in the request", it->string);
			out = ctl_error(EINVAL, err);
			goto done;
		}
	}
	if (!cJSON_IsString(cmdname)) {
		out = ctl_error(EINVAL, "the request has no \"cmd\"");
		goto done;
	}
	c = cmd_find(cmdname->valuestring);
	if (!c) {
		snprintf(err, sizeof(err), "unknown command \"%.64s\"", cmdname->valuestring);
		out = ctl_error(EINVAL, err);
		goto done;
	}
	if (cJSON_IsNull(args))
		args = NULL;
	ret = args_check(c, args, err, sizeof(err));
	if (ret) {
		out = ctl_error(-ret, err);
		goto done;
	}
	res = cJSON_CreateObject();
	if (!res) {
		out = ctl_error(ENOMEM, "out of memory");
		goto done;
	}
	ret = c->fn(a, args, res, err, sizeof(err));
	if (ret) {
		cJSON_Delete(res);
		out = ctl_error(-ret, err[0] ? err : strerror(-ret));
		goto done;
	}
	reply = cJSON_CreateObject();
	if (!reply) {
		cJSON_Delete(res);
		out = ctl_error(ENOMEM, "out of memory");
		goto done;
	}
	cJSON_AddNumberToObject(reply, "v", EGRESS_CTL_VERSION);
	cJSON_AddBoolToObject(reply, "ok", true);
	cJSON_AddItemToObject(reply, "result", res);
	out = cJSON_PrintUnformatted(reply);
	cJSON_Delete(reply);
done:
	cJSON_Delete(req);
	return out;
}

/* SIGHUP: every scope gets its profiles as the files now say. */
int ctl_reload_profiles(struct agent *a)
{
	struct scope *scopes[EGRESS_MAX_SANDBOXES + 1];
	size_t n = 0;
	int failed = 0;

	scopes[n++] = &a->global;
	for (size_t i = 0; i < a->n_sbs; i++)
		scopes[n++] = &a->sbs[i]->scope;
	for (size_t i = 0; i < n; i++) {
		struct scope *sc = scopes[i];
		char err[ERR_MAX];
		struct undo u;
		cJSON *names;
		int ret;

		if (!sc->n_profiles)
			continue;
		names = cJSON_CreateArray();
		for (size_t p = 0; names && p < sc->n_profiles; p++)
			cJSON_AddItemToArray(names, cJSON_CreateString(sc->profiles[p]));
		undo_init(&u, sc);
		ret = undo_copy(&u);
		if (!ret) {
			ret = apply_profiles(a, sc, names, NULL, NULL, err, sizeof(err));
			if (ret)
				undo_apply(&u);
			else
				ret = commit_scope(a, &u, NULL, err, sizeof(err));
		} else {
			snprintf(err, sizeof(err), "out of memory");
		}
		cJSON_Delete(names);
		if (ret) {
			fprintf(stderr, "egressd: reloading profiles: %s\n", err);
			failed = ret;
		}
	}
	return failed;
}
