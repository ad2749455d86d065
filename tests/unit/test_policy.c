// SPDX-License-Identifier: GPL-2.0-only
/* lib/policy.h: the policy document (egressctl policy export/import, replay). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "unit.h"
#include "policy.h"

#define FULL_DOC							\
	"{\"mode\": \"deny\","						\
	" \"allow\": [\"pypi.org\", \"*.PythonHosted.org\", \"10.0.0.0/8\", \"*\"],"	\
	" \"deny\": [\"Evil.Example.\", \"fd00::/8\", \"198.18.7.7\"],"	\
	" \"profiles\": [\"github\", \"pypi\"],"			\
	" \"resolvers\": [\"198.18.0.1\", \"fd00::53\"]}"

struct want_rule {
	__u32 id;
	__u8 action;
	__u8 kind;
	const char *pattern;
};

static void check_rules(const struct egress_policy *p, const struct want_rule *w,
			size_t n)
{
	if (p->n_rules != n)
		fail_msg("%zu rules, expected %zu", p->n_rules, n);
	for (size_t i = 0; i < n; i++) {
		const struct egress_rule *r = &p->rules[i];

		if (r->id != w[i].id || r->action != w[i].action ||
		    r->kind != w[i].kind || strcmp(r->pattern, w[i].pattern))
			fail_msg("rule %zu: id %u action %u kind %u '%s', expected "
				 "id %u action %u kind %u '%s'", i, r->id, r->action,
				 r->kind, r->pattern, w[i].id, w[i].action, w[i].kind,
				 w[i].pattern);
	}
}

static void addr(const char *text, __u8 out[16])
{
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

static void test_parse_full(void **state)
{
	static const struct want_rule want[] = {
		{ 100, EGRESS_ACT_ALLOW, EGRESS_RULE_NAME, "pypi.org" },
		{ 101, EGRESS_ACT_ALLOW, EGRESS_RULE_WILDCARD, "*.pythonhosted.org" },
		{ 102, EGRESS_ACT_ALLOW, EGRESS_RULE_IP, "10.0.0.0/8" },
		{ 103, EGRESS_ACT_ALLOW, EGRESS_RULE_ANY_NAME, "*" },
		{ 104, EGRESS_ACT_DENY, EGRESS_RULE_NAME, "evil.example" },
		{ 105, EGRESS_ACT_DENY, EGRESS_RULE_IP, "fd00::/8" },
		{ 106, EGRESS_ACT_DENY, EGRESS_RULE_IP, "198.18.7.7" },
	};
	struct egress_policy p;
	char err[256] = "";
	__u8 a[16];

	assert_int_equal(egress_policy_parse(FULL_DOC, 100, &p, err, sizeof(err)), 0);
	assert_true(p.has_mode);
	assert_int_equal(p.mode, EGRESS_MODE_DENY);
	check_rules(&p, want, ARRAY_LEN(want));
	assert_int_equal(p.rules[2].prefix.prefixlen, 104);
	addr("::ffff:10.0.0.0", a);
	assert_memory_equal(p.rules[2].prefix.addr, a, 16);
	assert_int_equal(p.rules[5].prefix.prefixlen, 8);
	assert_int_equal(p.n_profiles, 2);
	assert_string_equal(p.profiles[0], "github");
	assert_string_equal(p.profiles[1], "pypi");
	assert_true(p.has_resolvers);
	assert_int_equal(p.n_resolvers, 2);
	addr("::ffff:198.18.0.1", a);
	assert_memory_equal(p.resolvers[0], a, 16);
	addr("fd00::53", a);
	assert_memory_equal(p.resolvers[1], a, 16);
	egress_policy_free(&p);
	assert_null(p.rules);
	assert_int_equal(p.n_rules, 0);
}

/* Ids follow the file, whichever of allow and deny comes first. */
static void test_ids_in_file_order(void **state)
{
	static const struct want_rule want[] = {
		{ 1, EGRESS_ACT_DENY, EGRESS_RULE_NAME, "b.example" },
		{ 2, EGRESS_ACT_DENY, EGRESS_RULE_IP, "198.18.0.0/15" },
		{ 3, EGRESS_ACT_ALLOW, EGRESS_RULE_WILDCARD, "*.a.example" },
		{ 4, EGRESS_ACT_ALLOW, EGRESS_RULE_NAME, "a.example" },
	};
	struct egress_policy p;
	char err[256] = "";

	assert_int_equal(egress_policy_parse(
		"{\"deny\":[\"b.example\",\"198.18.0.0/15\"],"
		"\"allow\":[\"*.a.example\",\"a.example\"]}", 1, &p, err, sizeof(err)), 0);
	check_rules(&p, want, ARRAY_LEN(want));
	egress_policy_free(&p);

	/* first_id 0 and a large first_id */
	assert_int_equal(egress_policy_parse("{\"allow\":[\"x.example\",\"y.example\"]}",
					     0, &p, err, sizeof(err)), 0);
	assert_int_equal(p.rules[0].id, 0);
	assert_int_equal(p.rules[1].id, 1);
	egress_policy_free(&p);
	assert_int_equal(egress_policy_parse("{\"allow\":[\"x.example\",\"y.example\"]}",
					     4000000000u, &p, err, sizeof(err)), 0);
	assert_int_equal(p.rules[0].id, 4000000000u);
	assert_int_equal(p.rules[1].id, 4000000001u);
	egress_policy_free(&p);
}

static void test_parse_modes(void **state)
{
	static const struct {
		const char *doc;
		__u8 mode;
	} cases[] = {
		{ "{\"mode\":\"allow-all\"}", EGRESS_MODE_ALLOW_ALL },
		{ "{\"mode\":\"warn\"}", EGRESS_MODE_WARN },
		{ "{\"mode\":\"deny\"}", EGRESS_MODE_DENY },
		{ "{\"mode\":\"enforce\"}", EGRESS_MODE_DENY },
		{ "{\"mode\":\"deny-all\"}", EGRESS_MODE_DENY_ALL },
	};
	struct egress_policy p;
	char err[256];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		if (egress_policy_parse(cases[i].doc, 1, &p, err, sizeof(err)))
			fail_msg("%s: %s", cases[i].doc, err);
		assert_true(p.has_mode);
		assert_int_equal(p.mode, cases[i].mode);
		assert_int_equal(p.n_rules, 0);
		egress_policy_free(&p);
	}
}

static void test_parse_empty(void **state)
{
	struct egress_policy p;
	char err[256];

	assert_int_equal(egress_policy_parse("{}", 1, &p, err, sizeof(err)), 0);
	assert_false(p.has_mode);
	assert_int_equal(p.n_rules, 0);
	assert_int_equal(p.n_profiles, 0);
	assert_false(p.has_resolvers);
	assert_int_equal(p.n_resolvers, 0);
	egress_policy_free(&p);

	/* empty arrays; an empty resolver list is still a resolver list */
	assert_int_equal(egress_policy_parse(
		" {\"allow\":[], \"deny\":[], \"profiles\":[], \"resolvers\":[]}\n",
		1, &p, err, sizeof(err)), 0);
	assert_false(p.has_mode);
	assert_int_equal(p.n_rules, 0);
	assert_int_equal(p.n_profiles, 0);
	assert_true(p.has_resolvers);
	assert_int_equal(p.n_resolvers, 0);
	egress_policy_free(&p);
}

struct bad_doc {
	const char *doc;
	const char *msg;	/* the error contains this */
};

static const struct bad_doc bad_docs[] = {
	/* not JSON, not an object */
	{ "", "not valid JSON" },
	{ "{", "not valid JSON" },
	{ "{\"mode\": deny}", "not valid JSON" },
	{ "{\"allow\": [\"a.example\",]}", "not valid JSON" },
	{ "mode: deny", "not valid JSON" },
	{ "[]", "a policy must be a JSON object" },
	{ "[{\"mode\":\"deny\"}]", "a policy must be a JSON object" },
	{ "\"deny\"", "a policy must be a JSON object" },
	{ "42", "a policy must be a JSON object" },
	{ "null", "a policy must be a JSON object" },
	/* unknown keys: a typo must not pass for an empty policy */
	{ "{\"mdoe\":\"deny\"}", "unknown key \"mdoe\"" },
	{ "{\"allows\":[\"a.example\"]}", "unknown key \"allows\"" },
	{ "{\"Allow\":[\"a.example\"]}", "unknown key \"Allow\"" },
	{ "{\"mode\":\"deny\",\"resolver\":[\"198.18.0.1\"]}", "unknown key \"resolver\"" },
	/* mode */
	{ "{\"mode\":\"block\"}", "\"mode\" must be one of allow-all, warn, deny (enforce), deny-all" },
	{ "{\"mode\":\"DENY\"}", "\"mode\" must be one of" },
	{ "{\"mode\":\"\"}", "\"mode\" must be one of" },
	{ "{\"mode\":2}", "\"mode\" must be one of" },
	{ "{\"mode\":null}", "\"mode\" must be one of" },
	{ "{\"mode\":[\"deny\"]}", "\"mode\" must be one of" },
	/* allow / deny */
	{ "{\"allow\":\"pypi.org\"}", "\"allow\" must be an array of rules" },
	{ "{\"deny\":{\"a\":1}}", "\"deny\" must be an array of rules" },
	{ "{\"allow\":null}", "\"allow\" must be an array of rules" },
	{ "{\"allow\":[1]}", "\"allow\" must hold only strings" },
	{ "{\"deny\":[\"a.example\",[\"b.example\"]]}", "\"deny\" must hold only strings" },
	{ "{\"allow\":[null]}", "\"allow\" must hold only strings" },
	{ "{\"allow\":[\"ok.example\",\"bad name\"]}",
	  "\"allow\": 'bad name' is not a valid host name" },
	{ "{\"deny\":[\"10.0.0.1/8\"]}",
	  "\"deny\": '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)" },
	{ "{\"deny\":[\"10.0.0.0/33\"]}", "\"deny\": '10.0.0.0/33': the prefix length must be 0-32" },
	{ "{\"allow\":[\"a.*.com\"]}", "\"allow\": 'a.*.com': '*' may only stand alone" },
	{ "{\"allow\":[\"\"]}", "\"allow\": empty rule" },
	{ "{\"deny\":[\"256.1.1.1\"]}", "\"deny\": '256.1.1.1' is not a valid IPv4 address" },
	/* profiles */
	{ "{\"profiles\":\"github\"}", "\"profiles\" must be an array of names" },
	{ "{\"profiles\":[\"GitHub\"]}", "\"profiles\": 'GitHub' is not a profile name" },
	{ "{\"profiles\":[\"../etc/passwd\"]}", "\"profiles\": '../etc/passwd' is not a profile name" },
	{ "{\"profiles\":[\"git hub\"]}", "\"profiles\": 'git hub' is not a profile name" },
	{ "{\"profiles\":[\"a/b\"]}", "'a/b' is not a profile name" },
	{ "{\"profiles\":[\"\"]}", "\"profiles\": '' is not a profile name" },
	{ "{\"profiles\":[1]}", "\"profiles\": '(not a string)' is not a profile name" },
	{ "{\"profiles\":[\"github\",null]}", "is not a profile name" },
	/* resolvers */
	{ "{\"resolvers\":\"198.18.0.1\"}", "\"resolvers\" must be an array of addresses" },
	{ "{\"resolvers\":[53]}", "\"resolvers\" must hold only strings" },
	{ "{\"resolvers\":[\"198.18.0.0/15\"]}",
	  "\"resolvers\": '198.18.0.0/15' is not a valid IPv4 address" },
	{ "{\"resolvers\":[\"dns.google\"]}", "\"resolvers\": 'dns.google'" },
	{ "{\"resolvers\":[\"198.18.0.1\",\"fd00:::53\"]}",
	  "\"resolvers\": 'fd00:::53' is not a valid IPv6 address" },
	{ "{\"resolvers\":[\"\"]}", "\"resolvers\": " },
};

static void test_parse_bad(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(bad_docs); i++) {
		struct egress_policy p;
		char err[512] = "";
		int ret;

		memset(&p, 0xa5, sizeof(p));
		ret = egress_policy_parse(bad_docs[i].doc, 1, &p, err, sizeof(err));
		if (ret != -EINVAL)
			fail_msg("%s: expected -EINVAL, got %d", bad_docs[i].doc, ret);
		if (!strstr(err, bad_docs[i].msg))
			fail_msg("%s: error '%s' does not contain '%s'", bad_docs[i].doc,
				 err, bad_docs[i].msg);
		if (strchr(err, '\n'))
			fail_msg("%s: error has a newline: '%s'", bad_docs[i].doc, err);
		/* nothing half-parsed is left behind */
		assert_null(p.rules);
		assert_int_equal(p.n_rules, 0);
		assert_null(p.profiles);
		assert_null(p.resolvers);
		assert_false(p.has_resolvers);
		egress_policy_free(&p);
	}
}

/*
 * A document already parsed (egress_policy_from_json, egress_policy_check)
 * is judged as its text is: the same rules with the same ids, the same
 * refusals with the same words.
 */
static void test_from_json(void **state)
{
	static const char *const good[] = {
		"{\"mode\":\"deny\",\"allow\":[\"a.example\",\"*.B.example\",\"198.18.0.0/15\"],"
		"\"deny\":[\"*\",\"fd00::/8\"],\"profiles\":[\"lab\"],\"resolvers\":[\"198.18.0.1\"]}",
		"{}",
		"{\"deny\":[\"x.example\"],\"allow\":[\"y.example\",\"x.example\"]}",
	};

	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		struct egress_policy a, b;
		char err[512] = "";
		cJSON *doc = cJSON_Parse(good[i]);

		assert_non_null(doc);
		assert_int_equal(egress_policy_parse(good[i], 5, &a, err, sizeof(err)), 0);
		assert_int_equal(egress_policy_from_json(doc, 5, &b, err, sizeof(err)), 0);
		assert_int_equal(egress_policy_check(doc, err, sizeof(err)), 0);
		assert_int_equal(a.n_rules, b.n_rules);
		for (size_t k = 0; k < a.n_rules; k++) {
			assert_int_equal(a.rules[k].id, b.rules[k].id);
			assert_int_equal(a.rules[k].id, 5 + k);
			assert_string_equal(a.rules[k].pattern, b.rules[k].pattern);
			assert_memory_equal(&a.rules[k].prefix, &b.rules[k].prefix,
					    sizeof(a.rules[k].prefix));
		}
		assert_int_equal(a.has_mode, b.has_mode);
		assert_int_equal(a.n_profiles, b.n_profiles);
		assert_int_equal(a.n_resolvers, b.n_resolvers);
		egress_policy_free(&a);
		egress_policy_free(&b);
		cJSON_Delete(doc);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad_docs); i++) {
		struct egress_policy p;
		char err[512] = "", err2[512] = "";
		cJSON *doc = cJSON_Parse(bad_docs[i].doc);

		if (!doc)
			continue;	/* not JSON: for egress_policy_parse only */
		memset(&p, 0xa5, sizeof(p));
		if (egress_policy_from_json(doc, 1, &p, err, sizeof(err)) != -EINVAL)
			fail_msg("%s: accepted", bad_docs[i].doc);
		if (!strstr(err, bad_docs[i].msg))
			fail_msg("%s: error '%s' does not contain '%s'", bad_docs[i].doc,
				 err, bad_docs[i].msg);
		assert_null(p.rules);
		assert_null(p.profiles);
		assert_null(p.resolvers);
		assert_int_equal(egress_policy_check(doc, err2, sizeof(err2)), -EINVAL);
		assert_string_equal(err, err2);
		cJSON_Delete(doc);
	}
}

/*
 * The same key twice is refused: cJSON keeps both, and taking the last
 * "mode" (or leaking the first "profiles") would let a merge mistake change
 * what is enforced without a word.
 */
static void test_parse_duplicate_key(void **state)
{
	static const char *const docs[] = {
		"{\"mode\":\"deny\",\"mode\":\"allow-all\"}",
		"{\"profiles\":[\"github\"],\"profiles\":[\"pypi\"]}",
		"{\"resolvers\":[\"198.18.0.1\"],\"resolvers\":[\"198.18.0.2\"]}",
		"{\"allow\":[\"a.example\"],\"allow\":[\"b.example\"]}",
	};

	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		struct egress_policy p;
		char err[256] = "";
		int ret;

		ret = egress_policy_parse(docs[i], 1, &p, err, sizeof(err));
		egress_policy_free(&p);
		if (ret != -EINVAL)
			fail_msg("%s: a duplicate key was accepted", docs[i]);
		assert_contains(err, "duplicate key");
	}
}

/*
 * A string with an escaped NUL ("\u0000") is cut short by cJSON; the rule
 * actually applied must never differ from the text in the file.
 */
static void test_parse_embedded_nul(void **state)
{
	static const char *const docs[] = {
		"{\"allow\":[\"pypi.org\\u0000.evil.example\"]}",
		"{\"deny\":[\"10.0.0.0/8\\u0000junk\"]}",
		"{\"profiles\":[\"github\\u0000/../x\"]}",
		"{\"mode\":\"deny\\u0000-all\"}",
	};

	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		struct egress_policy p;
		char err[256] = "";
		int ret;

		ret = egress_policy_parse(docs[i], 1, &p, err, sizeof(err));
		if (ret == 0) {
			char what[EGRESS_PATTERN_MAX];

			snprintf(what, sizeof(what), "%s",
				 p.n_rules ? p.rules[0].pattern :
				 p.n_profiles ? p.profiles[0] : "(mode)");
			egress_policy_free(&p);
			fail_msg("%s: accepted, cut short to '%s'", docs[i], what);
		}
		assert_int_equal(ret, -EINVAL);
	}
}

/*
 * Only a whole document is a policy: a misplaced brace must not silently
 * drop everything after it (cJSON_Parse stops at the end of the first value).
 */
static void test_parse_trailing_garbage(void **state)
{
	static const char *const docs[] = {
		"{\"mode\":\"deny\"}, \"deny\": [\"evil.example\"]}",
		"{\"mode\":\"deny\"} {\"mode\":\"allow-all\"}",
		"{\"allow\":[\"a.example\"]}x",
		"{}]",
	};
	struct egress_policy p;
	char err[256];

	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		int ret;

		err[0] = '\0';
		ret = egress_policy_parse(docs[i], 1, &p, err, sizeof(err));
		egress_policy_free(&p);
		if (ret != -EINVAL)
			fail_msg("%s: accepted, trailing text ignored", docs[i]);
		assert_true(err[0] != '\0');
	}
	/* white space around the document is fine */
	assert_int_equal(egress_policy_parse(" \n{\"mode\":\"deny\"}\n\t \n", 1, &p,
					     err, sizeof(err)), 0);
	assert_int_equal(p.mode, EGRESS_MODE_DENY);
	egress_policy_free(&p);
}

static void test_parse_profile_names(void **state)
{
	struct egress_policy p;
	char doc[256], name[80], err[256];

	memset(name, 'a', 63);
	name[63] = '\0';
	snprintf(doc, sizeof(doc), "{\"profiles\":[\"%s\",\"go\",\"node_2-x\"]}", name);
	assert_int_equal(egress_policy_parse(doc, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_profiles, 3);
	assert_string_equal(p.profiles[0], name);
	assert_string_equal(p.profiles[2], "node_2-x");
	egress_policy_free(&p);

	strcat(name, "a");	/* 64 bytes */
	snprintf(doc, sizeof(doc), "{\"profiles\":[\"%s\"]}", name);
	assert_int_equal(egress_policy_parse(doc, 1, &p, err, sizeof(err)), -EINVAL);
	assert_contains(err, "is not a profile name");
}

/* Two policies hold the same rules, mode, profiles and resolvers. */
static void check_same(const struct egress_policy *a, const struct egress_policy *b)
{
	assert_int_equal(a->has_mode, b->has_mode);
	if (a->has_mode)
		assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->n_rules, b->n_rules);
	/* allow rules then deny rules, each in order */
	for (int act = 0; act < EGRESS_ACT__MAX; act++) {
		size_t i = 0, j = 0;

		for (;;) {
			while (i < a->n_rules && a->rules[i].action != act)
				i++;
			while (j < b->n_rules && b->rules[j].action != act)
				j++;
			if (i == a->n_rules || j == b->n_rules)
				break;
			assert_int_equal(a->rules[i].kind, b->rules[j].kind);
			assert_string_equal(a->rules[i].pattern, b->rules[j].pattern);
			assert_memory_equal(&a->rules[i].prefix, &b->rules[j].prefix,
					    sizeof(a->rules[i].prefix));
			i++;
			j++;
		}
		assert_true(i == a->n_rules && j == b->n_rules);
	}
	assert_int_equal(a->n_profiles, b->n_profiles);
	for (size_t i = 0; i < a->n_profiles; i++)
		assert_string_equal(a->profiles[i], b->profiles[i]);
	assert_int_equal(a->has_resolvers, b->has_resolvers);
	assert_int_equal(a->n_resolvers, b->n_resolvers);
	for (size_t i = 0; i < a->n_resolvers; i++)
		assert_memory_equal(a->resolvers[i], b->resolvers[i], 16);
}

static void roundtrip(const char *doc, const char *want_json)
{
	struct egress_policy a, b;
	char err[256] = "";
	char *json;

	if (egress_policy_parse(doc, 1, &a, err, sizeof(err)))
		fail_msg("%s: %s", doc, err);
	json = egress_policy_to_json(&a);
	assert_non_null(json);
	if (want_json && strcmp(json, want_json))
		fail_msg("to_json:\n  got  %s\n  want %s", json, want_json);
	if (egress_policy_parse(json, 1, &b, err, sizeof(err)))
		fail_msg("%s does not parse back: %s", json, err);
	check_same(&a, &b);
	free(json);
	egress_policy_free(&a);
	egress_policy_free(&b);
}

static void test_roundtrip(void **state)
{
	roundtrip(FULL_DOC,
		  "{\"mode\":\"deny\","
		  "\"allow\":[\"pypi.org\",\"*.pythonhosted.org\",\"10.0.0.0/8\",\"*\"],"
		  "\"deny\":[\"evil.example\",\"fd00::/8\",\"198.18.7.7\"],"
		  "\"profiles\":[\"github\",\"pypi\"],"
		  "\"resolvers\":[\"198.18.0.1\",\"fd00::53\"]}");
	roundtrip("{}", "{\"allow\":[],\"deny\":[]}");
	roundtrip("{\"mode\":\"enforce\"}", "{\"mode\":\"deny\",\"allow\":[],\"deny\":[]}");
	roundtrip("{\"mode\":\"warn\",\"resolvers\":[]}",
		  "{\"mode\":\"warn\",\"allow\":[],\"deny\":[],\"resolvers\":[]}");
	roundtrip("{\"mode\":\"deny-all\",\"deny\":[\"::ffff:198.18.0.0/111\"],"
		  "\"resolvers\":[\"::ffff:198.18.0.1\"]}",
		  "{\"mode\":\"deny-all\",\"allow\":[],\"deny\":[\"198.18.0.0/15\"],"
		  "\"resolvers\":[\"198.18.0.1\"]}");
	roundtrip("{\"deny\":[\"a.example\",\"c.example\"],\"allow\":[\"b.example\"]}",
		  "{\"allow\":[\"b.example\"],\"deny\":[\"a.example\",\"c.example\"]}");
	roundtrip("{\"mode\":\"allow-all\",\"allow\":[\"*\",\"0.0.0.0/0\",\"::/0\"]}",
		  "{\"mode\":\"allow-all\",\"allow\":[\"*\",\"0.0.0.0/0\",\"::/0\"],"
		  "\"deny\":[]}");
}

static void test_add_rule(void **state)
{
	struct egress_policy p;
	struct egress_rule r;
	char err[256];

	memset(&p, 0, sizeof(p));
	for (int i = 0; i < 100; i++) {
		char name[32];

		snprintf(name, sizeof(name), "h%d.example", i);
		assert_int_equal(egress_rule_parse(name, EGRESS_ACT_ALLOW, &r, err,
						   sizeof(err)), 0);
		r.id = 7 + i;
		assert_int_equal(egress_policy_add_rule(&p, &r), 0);
	}
	assert_int_equal(p.n_rules, 100);
	assert_int_equal(p.rules[99].id, 106);
	assert_string_equal(p.rules[42].pattern, "h42.example");
	egress_policy_free(&p);
}

/* ---- egress_policy_load ------------------------------------------------ */

#define TEMP_PATH "/tmp/egress-unit-policy-XXXXXX"

/* Writes text to a new temporary file; path has room for TEMP_PATH. */
static char *write_temp(char *path, const char *text, size_t len)
{
	int fd;

	strcpy(path, TEMP_PATH);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	while (len) {
		ssize_t n = write(fd, text, len);

		assert_true(n > 0);
		text += n;
		len -= (size_t)n;
	}
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_load_missing(void **state)
{
	struct egress_policy p;
	char err[512] = "";

	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(egress_policy_load("/nonexistent/egress/policy.json", 1, &p,
					    err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/nonexistent/egress/policy.json: No such file or directory");
	assert_null(p.rules);
	assert_int_equal(p.n_rules, 0);
	egress_policy_free(&p);
}

static void test_load_file(void **state)
{
	struct egress_policy p;
	char err[512] = "";
	char path[sizeof(TEMP_PATH)];

	write_temp(path, FULL_DOC "\n", strlen(FULL_DOC) + 1);
	assert_int_equal(egress_policy_load(path, 10, &p, err, sizeof(err)), 0);
	assert_true(p.has_mode);
	assert_int_equal(p.mode, EGRESS_MODE_DENY);
	assert_int_equal(p.n_rules, 7);
	assert_int_equal(p.rules[0].id, 10);
	assert_int_equal(p.rules[6].id, 16);
	assert_string_equal(p.rules[1].pattern, "*.pythonhosted.org");
	assert_int_equal(p.n_profiles, 2);
	assert_int_equal(p.n_resolvers, 2);
	egress_policy_free(&p);
	unlink(path);
}

static void test_load_bad_file(void **state)
{
	static const char doc[] = "{\"mode\":\"deny\",\"allow\":[\"10.0.0.1/8\"]}";
	struct egress_policy p;
	char err[512] = "", want[600];
	char path[sizeof(TEMP_PATH)];

	write_temp(path, doc, strlen(doc));
	assert_int_equal(egress_policy_load(path, 1, &p, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: \"allow\": '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)",
		 path);
	assert_string_equal(err, want);
	assert_null(p.rules);
	unlink(path);

	/* an empty file */
	write_temp(path, "", 0);
	assert_int_equal(egress_policy_load(path, 1, &p, err, sizeof(err)), -EINVAL);
	assert_contains(err, path);
	assert_contains(err, "not valid JSON");
	unlink(path);

	/* a directory */
	assert_int_equal(egress_policy_load("/tmp", 1, &p, err, sizeof(err)), -EINVAL);
	assert_contains(err, "/tmp: ");
}

/* A NUL byte in the file would hide everything after it from the parser. */
static void test_load_nul_byte(void **state)
{
	static const char doc[] = "{\"mode\":\"allow-all\"}\0, \"mode\":\"deny\"}";
	struct egress_policy p;
	char err[512] = "";
	char path[sizeof(TEMP_PATH)];
	int ret;

	write_temp(path, doc, sizeof(doc) - 1);
	ret = egress_policy_load(path, 1, &p, err, sizeof(err));
	egress_policy_free(&p);
	unlink(path);
	if (ret != -EINVAL)
		fail_msg("a file with a NUL byte was accepted");
	assert_contains(err, path);
}

/* Larger than any one read, and a size that is a multiple of the chunk. */
static void test_load_large_file(void **state)
{
	enum { n = 4500 };
	static char doc[n * 32 + 64];
	size_t cap = sizeof(doc), len = 0;
	char path[sizeof(TEMP_PATH)];
	struct egress_policy p;
	char err[512] = "";

	len += (size_t)snprintf(doc + len, cap - len, "{\"allow\":[");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%s\"h%05d.example\"",
					i ? "," : "", i);
	len += (size_t)snprintf(doc + len, cap - len, "]}");
	/* pad with spaces up to a multiple of 4096 */
	while (len % 4096)
		doc[len++] = ' ';
	doc[len] = '\0';
	assert_true(len > 65536);

	write_temp(path, doc, len);
	assert_int_equal(egress_policy_load(path, 1, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_rules, n);
	assert_int_equal(p.rules[n - 1].id, n);
	assert_string_equal(p.rules[n - 1].pattern, "h04499.example");
	egress_policy_free(&p);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_ids_in_file_order),
		cmocka_unit_test(test_parse_modes),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_from_json),
		cmocka_unit_test(test_parse_duplicate_key),
		cmocka_unit_test(test_parse_embedded_nul),
		cmocka_unit_test(test_parse_trailing_garbage),
		cmocka_unit_test(test_parse_profile_names),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_add_rule),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_bad_file),
		cmocka_unit_test(test_load_nul_byte),
		cmocka_unit_test(test_load_large_file),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
