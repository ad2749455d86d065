// SPDX-License-Identifier: GPL-2.0-only
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "policy.h"
#include "errmsg.h"

#define EGRESS_POLICY_FILE_MAX (64 << 20)

int egress_policy_add_rule(struct egress_policy *p, const struct egress_rule *r)
{
	struct egress_rule *n;

	n = realloc(p->rules, (p->n_rules + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->rules = n;
	p->rules[p->n_rules++] = *r;
	return 0;
}

/* Room for one more rule; *cap grows by doubling, not by one. */
static int rules_room(struct egress_policy *p, size_t *cap)
{
	struct egress_rule *n;
	size_t want = *cap ? 2 * *cap : 64;

	if (p->n_rules < *cap)
		return 0;
	n = realloc(p->rules, want * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->rules = n;
	*cap = want;
	return 0;
}

/* cap NULL: the rules are checked, not kept. */
static int parse_rules(const cJSON *arr, __u8 action, __u32 *next_id,
		       struct egress_policy *p, size_t *cap, char *err, size_t errlen)
{
	const char *key = action == EGRESS_ACT_ALLOW ? "allow" : "deny";
	struct egress_rule one;
	char why[512];
	const cJSON *it;
	int ret;

	if (!cJSON_IsArray(arr))
		return egress_errf(err, errlen, -EINVAL, "\"%s\" must be an array of rules", key);
	cJSON_ArrayForEach(it, arr) {
		struct egress_rule *r = &one;

		if (!cJSON_IsString(it))
			return egress_errf(err, errlen, -EINVAL, "\"%s\" must hold only strings", key);
		if (cap) {
			if (rules_room(p, cap))
				return egress_errf(err, errlen, -EINVAL, "out of memory");
			r = &p->rules[p->n_rules];
		}
		ret = egress_rule_parse(it->valuestring, action, r, why, sizeof(why));
		if (ret)
			return egress_errf(err, errlen, -EINVAL, "\"%s\": %s", key, why);
		r->id = (*next_id)++;
		p->n_rules += cap != NULL;
	}
	return 0;
}

static int parse_profiles(const cJSON *arr, struct egress_policy *p,
			  char *err, size_t errlen)
{
	const cJSON *it;
	size_t n = 0;

	if (!cJSON_IsArray(arr))
		return egress_errf(err, errlen, -EINVAL, "\"profiles\" must be an array of names");
	p->profiles = calloc(cJSON_GetArraySize(arr) + 1, sizeof(*p->profiles));
	if (!p->profiles)
		return egress_errf(err, errlen, -EINVAL, "out of memory");
	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_GetStringValue(it);

		if (!s || !*s || strlen(s) >= EGRESS_PROFILE_NAME_MAX ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(s))
			return egress_errf(err, errlen, -EINVAL,
				    "\"profiles\": '%s' is not a profile name",
				    s ? s : "(not a string)");
		strcpy(p->profiles[n++], s);
	}
	p->n_profiles = n;
	return 0;
}

static int parse_resolvers(const cJSON *arr, struct egress_policy *p,
			   char *err, size_t errlen)
{
	char why[256];
	const cJSON *it;
	size_t n = 0;

	if (!cJSON_IsArray(arr))
		return egress_errf(err, errlen, -EINVAL, "\"resolvers\" must be an array of addresses");
	p->resolvers = calloc(cJSON_GetArraySize(arr) + 1, sizeof(*p->resolvers));
	if (!p->resolvers)
		return egress_errf(err, errlen, -EINVAL, "out of memory");
	cJSON_ArrayForEach(it, arr) {
		const char *s = cJSON_GetStringValue(it);

		if (!s)
			return egress_errf(err, errlen, -EINVAL, "\"resolvers\" must hold only strings");
		if (egress_addr_parse(s, p->resolvers[n], why, sizeof(why)))
			return egress_errf(err, errlen, -EINVAL, "\"resolvers\": %s", why);
		n++;
	}
	p->n_resolvers = n;
	p->has_resolvers = true;
	return 0;
}

static int policy_from_json(const cJSON *root, __u32 first_id, bool keep_rules,
			    struct egress_policy *p, char *err, size_t errlen)
{
	__u32 next_id = first_id;
	size_t room = 0, *cap = keep_rules ? &room : NULL;
	const cJSON *it;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (!cJSON_IsObject(root))
		return egress_errf(err, errlen, -EINVAL, "a policy must be a JSON object");
	cJSON_ArrayForEach(it, root) {
		for (const cJSON *prev = root->child; prev != it; prev = prev->next) {
			if (!strcmp(prev->string, it->string)) {
				ret = egress_errf(err, errlen, -EINVAL, "duplicate key \"%s\"", it->string);
				goto out;
			}
		}
		if (!strcmp(it->string, "mode")) {
			const char *m = cJSON_GetStringValue(it);

			if (!m || egress_mode_parse(m, &p->mode)) {
				ret = egress_errf(err, errlen, -EINVAL,
					   "\"mode\" must be one of allow-all, warn, deny (enforce), deny-all");
				goto out;
			}
			p->has_mode = true;
		} else if (!strcmp(it->string, "allow")) {
			ret = parse_rules(it, EGRESS_ACT_ALLOW, &next_id, p, cap, err, errlen);
		} else if (!strcmp(it->string, "deny")) {
			ret = parse_rules(it, EGRESS_ACT_DENY, &next_id, p, cap, err, errlen);
		} else if (!strcmp(it->string, "profiles")) {
			ret = parse_profiles(it, p, err, errlen);
		} else if (!strcmp(it->string, "resolvers")) {
			ret = parse_resolvers(it, p, err, errlen);
		} else {
			ret = egress_errf(err, errlen, -EINVAL, "unknown key \"%s\"", it->string);
		}
		if (ret)
			goto out;
	}
out:
	if (ret)
		egress_policy_free(p);
	return ret;
}

int egress_policy_from_json(const cJSON *root, __u32 first_id,
			    struct egress_policy *p, char *err, size_t errlen)
{
	return policy_from_json(root, first_id, true, p, err, errlen);
}

int egress_policy_check(const cJSON *root, char *err, size_t errlen)
{
	struct egress_policy p;
	int ret = policy_from_json(root, 1, false, &p, err, errlen);

	if (!ret)
		egress_policy_free(&p);
	return ret;
}

int egress_policy_parse(const char *text, __u32 first_id,
			struct egress_policy *p, char *err, size_t errlen)
{
	cJSON *root;
	int ret;

	memset(p, 0, sizeof(*p));
	for (const char *c = strchr(text, '\\'); c; c = strchr(c + 2, '\\')) {
		if (!strncmp(c + 1, "u0000", 5))
			return egress_errf(err, errlen, -EINVAL, "a string holds a NUL character (\\u0000)");
		if (!c[1])
			break;
	}
	root = cJSON_ParseWithOpts(text, NULL, true);
	if (!root)
		return egress_errf(err, errlen, -EINVAL, "not valid JSON (near '%.20s')",
			    cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
	ret = egress_policy_from_json(root, first_id, p, err, errlen);
	cJSON_Delete(root);
	return ret;
}

int egress_policy_load(const char *path, __u32 first_id,
		       struct egress_policy *p, char *err, size_t errlen)
{
	char why[512];
	size_t n = 0, cap = 0;
	char *buf = NULL;
	FILE *f;
	int ret;

	memset(p, 0, sizeof(*p));
	f = fopen(path, "re");
	if (!f)
		return egress_errf(err, errlen, -EINVAL, "%s: %s", path, strerror(errno));
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = cap > EGRESS_POLICY_FILE_MAX ? NULL : realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return egress_errf(err, errlen, -EINVAL, "%s: too large", path);
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, 4096, f);

		n += got;
		if (got < 4096)
			break;
	}
	if (ferror(f)) {
		ret = egress_errf(err, errlen, -EINVAL, "%s: read error", path);
		goto out;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		ret = egress_errf(err, errlen, -EINVAL, "%s: holds a NUL byte", path);
		goto out;
	}
	ret = egress_policy_parse(buf, first_id, p, why, sizeof(why));
	if (ret)
		egress_errf(err, errlen, -EINVAL, "%s: %s", path, why);
out:
	fclose(f);
	free(buf);
	return ret;
}

char *egress_policy_to_json(const struct egress_policy *p)
{
	cJSON *root = cJSON_CreateObject(), *allow, *deny;
	char buf[64];
	char *out = NULL;

	if (!root)
		return NULL;
	if (p->has_mode &&
	    !cJSON_AddStringToObject(root, "mode", egress_mode_name(p->mode)))
		goto out;
	allow = cJSON_AddArrayToObject(root, "allow");
	deny = cJSON_AddArrayToObject(root, "deny");
	if (!allow || !deny)
		goto out;
	for (size_t i = 0; i < p->n_rules; i++) {
		cJSON *s = cJSON_CreateString(p->rules[i].pattern);

		if (!s)
			goto out;
		cJSON_AddItemToArray(p->rules[i].action == EGRESS_ACT_ALLOW ? allow : deny, s);
	}
	if (p->n_profiles) {
		cJSON *arr = cJSON_AddArrayToObject(root, "profiles");

		for (size_t i = 0; arr && i < p->n_profiles; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(p->profiles[i]));
	}
	if (p->has_resolvers) {
		cJSON *arr = cJSON_AddArrayToObject(root, "resolvers");

		for (size_t i = 0; arr && i < p->n_resolvers; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(
				egress_addr_str(p->resolvers[i], buf, sizeof(buf))));
	}
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

void egress_policy_free(struct egress_policy *p)
{
	free(p->rules);
	free(p->profiles);
	free(p->resolvers);
	memset(p, 0, sizeof(*p));
}
