// SPDX-License-Identifier: GPL-2.0-only
/*
 * The profile data files (profiles/NAME.json): the 14 of DESIGN section 5,
 * each in the format of docs/protocol.md, every rule valid and canonical
 * for lib/rule.h, none twice.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>

#include "unit.h"
#include "rule.h"

static const char *dir;

static const char *const expected[] = {
	"anthropic", "apt", "docker", "github", "go", "homebrew", "huggingface",
	"java", "node", "openai", "pypi", "ruby", "rust", "ubuntu",
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	return buf;
}

static cJSON *load(const char *name)
{
	char path[4096];
	cJSON *doc;
	char *text;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	text = slurp(path);
	doc = cJSON_Parse(text);
	if (!doc)
		fail_msg("%s: not valid JSON", path);
	free(text);
	return doc;
}

/* Exactly the 14 files, nothing else. */
static void test_set(void **state)
{
	size_t found = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		bool known = false;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		for (size_t i = 0; i < ARRAY_LEN(expected); i++)
			if (strlen(expected[i]) == n - 5 &&
			    !strncmp(de->d_name, expected[i], n - 5))
				known = true;
		if (!known)
			fail_msg("%s is not a profile of DESIGN section 5", de->d_name);
		found++;
	}
	closedir(d);
	assert_int_equal(found, ARRAY_LEN(expected));
}

static void check_profile(const char *name)
{
	cJSON *doc = load(name), *it;
	char patterns[512][EGRESS_PATTERN_MAX];
	size_t n = 0, allows = 0;
	char err[256];

	assert_true(cJSON_IsObject(doc));
	cJSON_ArrayForEach(it, doc) {
		if (strcmp(it->string, "name") && strcmp(it->string, "description") &&
		    strcmp(it->string, "allow") && strcmp(it->string, "deny"))
			fail_msg("%s: unknown key \"%s\"", name, it->string);
	}
	it = cJSON_GetObjectItemCaseSensitive(doc, "name");
	if (!cJSON_IsString(it) || strcmp(it->valuestring, name))
		fail_msg("%s.json: \"name\" is not \"%s\"", name, name);
	it = cJSON_GetObjectItemCaseSensitive(doc, "description");
	if (!cJSON_IsString(it) || strlen(it->valuestring) < 10)
		fail_msg("%s: no description", name);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "allow")))
		fail_msg("%s: no \"allow\" array", name);
	for (int a = 0; a < 2; a++) {
		const char *key = a ? "deny" : "allow";
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, key);

		if (!arr)
			continue;
		if (!cJSON_IsArray(arr))
			fail_msg("%s: \"%s\" is not an array", name, key);
		cJSON_ArrayForEach(it, arr) {
			struct egress_rule r;

			if (!cJSON_IsString(it))
				fail_msg("%s: a rule of \"%s\" is not a string", name, key);
			if (egress_rule_parse(it->valuestring, a ? EGRESS_ACT_DENY :
					      EGRESS_ACT_ALLOW, &r, err, sizeof(err)))
				fail_msg("%s: %s", name, err);
			/* the file says what egressd will show */
			if (strcmp(r.pattern, it->valuestring))
				fail_msg("%s: '%s' is written '%s' in canonical form", name,
					 it->valuestring, r.pattern);
			for (size_t i = 0; i < n; i++)
				if (!strcmp(patterns[i], r.pattern))
					fail_msg("%s: '%s' is there twice", name, r.pattern);
			assert_true(n < ARRAY_LEN(patterns));
			strcpy(patterns[n++], r.pattern);
			allows += !a;
		}
	}
	if (!allows)
		fail_msg("%s allows nothing", name);
	cJSON_Delete(doc);
}

static void test_each(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(expected); i++)
		check_profile(expected[i]);
}

/* Has the rule, in canonical form. */
static bool has(const char *name, const char *pattern)
{
	cJSON *doc = load(name), *it;
	bool found = false;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "allow"))
		found |= !strcmp(it->valuestring, pattern);
	cJSON_Delete(doc);
	return found;
}

/* The hosts each workload cannot do without. */
static void test_content(void **state)
{
	static const char *const musts[][2] = {
		{ "pypi", "pypi.org" }, { "pypi", "files.pythonhosted.org" },
		{ "pypi", "upload.pypi.org" }, { "pypi", "test.pypi.org" },
		{ "github", "github.com" }, { "github", "api.github.com" },
		{ "github", "codeload.github.com" }, { "github", "objects.githubusercontent.com" },
		{ "github", "raw.githubusercontent.com" }, { "github", "ghcr.io" },
		{ "github", "pkg-containers.githubusercontent.com" },
		{ "github", "*.actions.githubusercontent.com" },
		/* git over SSH: GitHub's published ranges, both families */
		{ "github", "140.82.112.0/20" }, { "github", "192.30.252.0/22" },
		{ "github", "2606:50c0::/32" }, { "github", "2a0a:a440::/29" },
		{ "node", "registry.npmjs.org" }, { "go", "proxy.golang.org" },
		{ "go", "sum.golang.org" }, { "rust", "index.crates.io" },
		{ "rust", "static.crates.io" }, { "ruby", "rubygems.org" },
		{ "java", "repo.maven.apache.org" }, { "docker", "registry-1.docker.io" },
		{ "docker", "auth.docker.io" }, { "docker", "production.cloudflare.docker.com" },
		{ "apt", "deb.debian.org" }, { "apt", "security.debian.org" },
		{ "ubuntu", "archive.ubuntu.com" }, { "ubuntu", "security.ubuntu.com" },
		{ "openai", "api.openai.com" }, { "anthropic", "api.anthropic.com" },
		{ "huggingface", "huggingface.co" }, { "huggingface", "*.huggingface.co" },
		{ "homebrew", "formulae.brew.sh" }, { "homebrew", "ghcr.io" },
	};

	for (size_t i = 0; i < ARRAY_LEN(musts); i++)
		if (!has(musts[i][0], musts[i][1]))
			fail_msg("profile %s lacks %s", musts[i][0], musts[i][1]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_each),
		cmocka_unit_test(test_content),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROFILE_DIR\n", argv[0]);
		return 1;
	}
	dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
