// SPDX-License-Identifier: GPL-2.0-only
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "profile.h"

#define PROFILE_FILE_MAX (16 << 20)

bool egress_profile_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n < EGRESS_PROFILE_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

void egress_profile_free(struct egress_profile *p)
{
	free(p->description);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

static int add_rules(const cJSON *arr, __u8 action, struct egress_profile *p,
		     char *err, size_t errlen)
{
	const char *key = action == EGRESS_ACT_ALLOW ? "allow" : "deny";
	struct egress_rule *n;
	const cJSON *it;
	char why[512];

	if (!cJSON_IsArray(arr))
		return egress_errf(err, errlen, -EINVAL, "\"%s\" must be an array of rules", key);
	cJSON_ArrayForEach(it, arr) {
		struct egress_rule r;

		if (!cJSON_IsString(it))
			return egress_errf(err, errlen, -EINVAL, "\"%s\" must hold only strings", key);
		if (egress_rule_parse(it->valuestring, action, &r, why, sizeof(why)))
			return egress_errf(err, errlen, -EINVAL, "\"%s\": %s", key, why);
		n = realloc(p->rules, (p->n_rules + 1) * sizeof(*n));
		if (!n)
			return egress_errf(err, errlen, -ENOMEM, "out of memory");
		p->rules = n;
		r.id = 0;
		p->rules[p->n_rules++] = r;
	}
	return 0;
}

int egress_profile_parse(const char *text, const char *name,
			 struct egress_profile *p, char *err, size_t errlen)
{
	const cJSON *it, *allow = NULL, *deny = NULL;
	cJSON *root;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (!egress_profile_name_ok(name))
		return egress_errf(err, errlen, -EINVAL, "'%s' is not a profile name", name);
	root = cJSON_Parse(text);
	if (!root)
		return egress_errf(err, errlen, -EINVAL, "not valid JSON");
	if (!cJSON_IsObject(root)) {
		ret = egress_errf(err, errlen, -EINVAL, "must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		if (!strcmp(it->string, "name")) {
			if (!cJSON_IsString(it) || strcmp(it->valuestring, name)) {
				ret = egress_errf(err, errlen, -EINVAL,
						  "\"name\" must be \"%s\", as the file is called", name);
				goto out;
			}
		} else if (!strcmp(it->string, "description")) {
			if (!cJSON_IsString(it)) {
				ret = egress_errf(err, errlen, -EINVAL, "\"description\" must be a string");
				goto out;
			}
			free(p->description);
			p->description = strdup(it->valuestring);
		} else if (!strcmp(it->string, "allow")) {
			allow = it;
		} else if (!strcmp(it->string, "deny")) {
			deny = it;
		} else {
			ret = egress_errf(err, errlen, -EINVAL, "unknown key \"%s\"", it->string);
			goto out;
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(root, "name")) {
		ret = egress_errf(err, errlen, -EINVAL, "\"name\" is missing");
		goto out;
	}
	if (!allow) {
		ret = egress_errf(err, errlen, -EINVAL, "\"allow\" is missing");
		goto out;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	ret = add_rules(allow, EGRESS_ACT_ALLOW, p, err, errlen);
	if (!ret && deny)
		ret = add_rules(deny, EGRESS_ACT_DENY, p, err, errlen);
	if (!ret && !p->description)
		p->description = strdup("");
	if (!ret && !p->description)
		ret = egress_errf(err, errlen, -ENOMEM, "out of memory");
out:
	cJSON_Delete(root);
	if (ret)
		egress_profile_free(p);
	return ret;
}

int egress_profile_load(const char *dir, const char *name,
			struct egress_profile *p, char *err, size_t errlen)
{
	char path[PATH_MAX], why[512];
	char *buf;
	size_t n;
	FILE *f;
	int ret;

	if (!egress_profile_name_ok(name))
		return egress_errf(err, errlen, -EINVAL, "'%s' is not a profile name", name);
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return egress_errf(err, errlen, -ENOENT, "no profile '%s' in %s", name, dir);
		return egress_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	}
	buf = malloc(PROFILE_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	}
	n = fread(buf, 1, PROFILE_FILE_MAX + 1, f);
	fclose(f);
	if (n > PROFILE_FILE_MAX) {
		free(buf);
		return egress_errf(err, errlen, -EFBIG, "%s: too large", path);
	}
	buf[n] = '\0';
	ret = egress_profile_parse(buf, name, p, why, sizeof(why));
	free(buf);
	if (ret)
		return egress_errf(err, errlen, ret, "%s: %s", path, why);
	return 0;
}

void egress_profiles_free(struct egress_profile *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		egress_profile_free(&p[i]);
	free(p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct egress_profile *)a)->name,
		      ((const struct egress_profile *)b)->name);
}

int egress_profile_load_all(const char *dir, struct egress_profile **out,
			    size_t *n, char *err, size_t errlen)
{
	struct egress_profile *v = NULL, *nv;
	struct dirent *de;
	size_t cnt = 0;
	int ret = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d)
		return egress_errf(err, errlen, -errno, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char name[EGRESS_PROFILE_NAME_MAX];
		size_t len = strlen(de->d_name);

		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") || len - 5 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			ret = egress_errf(err, errlen, -ENOMEM, "out of memory");
			break;
		}
		v = nv;
		ret = egress_profile_load(dir, name, &v[cnt], err, errlen);
		if (ret)
			break;
		cnt++;
	}
	closedir(d);
	if (ret) {
		egress_profiles_free(v, cnt);
		return ret;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_name);
	*out = v;
	*n = cnt;
	return 0;
}
