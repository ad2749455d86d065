// SPDX-License-Identifier: GPL-2.0-only
/*
 * agent/ctl.c: the request parser and dispatcher over the model, with the
 * data path replaced by a recording fake (fake_enforce.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <egress/ctl.h>

#include "../unit/unit.h"
#include "ctl.h"
#include "fake_enforce.h"
#include "state.h"

static struct agent a;
static char dir[64], pdir[96];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[160];

	memset(&a, 0, sizeof(a));
	memset(&fake, 0, sizeof(fake));
	fake.next_slot = 10;
	snprintf(dir, sizeof(dir), "/tmp/eag-ctl-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(pdir, sizeof(pdir), "%s/profiles", dir);
	mkdir(pdir, 0700);
	snprintf(path, sizeof(path), "%s/lab.json", pdir);
	write_file(path, "{\"name\": \"lab\", \"description\": \"d\", \"allow\": [\"a.example\", \"198.18.0.1\"], \"deny\": [\"b.example\"]}");
	egressd_config_defaults(&a.cfg);
	a.state_dir = dir;
	a.profile_dir = pdir;
	a.next_rule_id = 1;
	scope_init(&a.always, EGRESS_SCOPE_ALWAYS);
	scope_init(&a.global, EGRESS_SCOPE_GLOBAL);
	a.global.has_mode = true;
	a.global.mode = EGRESS_MODE_DENY;
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	agent_free(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Sends one request; returns the parsed reply (caller deletes). */
static cJSON *call(const char *req, bool *closed)
{
	bool c;
	char *out = ctl_handle(&a, req, strlen(req), &c);
	cJSON *r;

	assert_non_null(out);
	assert_null(strchr(out, '\n'));
	r = cJSON_Parse(out);
	if (!r)
		fail_msg("reply is not JSON: %s", out);
	free(out);
	if (closed)
		*closed = c;
	assert_int_equal(cJSON_GetObjectItem(r, "v")->valueint, EGRESS_CTL_VERSION);
	return r;
}

static void expect_code(const char *req, const char *code)
{
	cJSON *r = call(req, NULL);
	const char *got = cJSON_GetStringValue(cJSON_GetObjectItem(r, "code"));

	if (cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")) || !got || strcmp(got, code))
		fail_msg("%s: wanted %s, got %s", req, code, cJSON_PrintUnformatted(r));
	assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(r, "error")));
	cJSON_Delete(r);
}

static cJSON *expect_ok(const char *req)
{
	cJSON *r = call(req, NULL);

	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("%s: %s", req, cJSON_PrintUnformatted(r));
	return r;
}

/* Fails unless the reply, printed, contains needle. */
static void reply_contains(const cJSON *r, const char *needle)
{
	char *t = cJSON_PrintUnformatted(r);

	assert_contains(t, needle);
	free(t);
}

static void test_malformed(void **state)
{
	static const char *const inval[] = {
		"", "not json", "[1,2]", "\"str\"", "{", "{\"v\":1,\"cmd\":\"status\"",
		"{\"v\":1,\"cmd\":\"status\"} trailing", "{\"cmd\":\"status\"}",
		"{\"v\":\"1\",\"cmd\":\"status\"}", "{\"v\":1}", "{\"v\":1,\"cmd\":7}",
		"{\"v\":1,\"cmd\":\"nope\"}", "{\"v\":1,\"cmd\":\"status\",\"extra\":1}",
		"{\"v\":1,\"cmd\":\"status\",\"args\":[]}",
		"{\"v\":1,\"cmd\":\"mode.get\",\"args\":{\"sandbx\":\"x\"}}",
		"{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\"}}",
		"{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"permit\",\"rules\":[\"a.b\"]}}",
		"{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":\"a.b\"}}",
		"{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[1]}}",
		"{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"ome..com\"]}}",
		"{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"10.0.0.1/8\"]}}",
		"{\"v\":1,\"cmd\":\"mode.set\",\"args\":{\"mode\":\"open\"}}",
		"{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"-bad\",\"iface\":\"t\"}}",
		"{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"ok\"}}",
		"{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"ok\",\"iface\":\"t\",\"mac\":\"02:00\"}}",
		"{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"ok\",\"iface\":\"t\",\"ips\":[\"x\"]}}",
		"{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"ok\",\"iface\":\"t\",\"resolvers\":[\"ns.example\"]}}",
		"{\"v\":1,\"cmd\":\"explain\",\"args\":{\"target\":\"a.b\"}}",
	};

	for (size_t i = 0; i < ARRAY_LEN(inval); i++)
		expect_code(inval[i], "EINVAL");
	expect_code("{\"v\":2,\"cmd\":\"status\"}", "EPROTO");
	expect_code("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"x\"}}", "ENOENT");
	/* nothing of it reached the data path or the state */
	assert_int_equal(fake.commits + fake.adds + fake.updates, 0);
	assert_int_equal(a.global.n_rules, 0);
}

static void test_unparsable_closes(void **state)
{
	bool closed;
	cJSON *r = call("{\"v\":1,\"cmd\":", &closed);

	assert_true(closed);
	cJSON_Delete(r);
	r = call("{\"v\":1,\"cmd\":\"nope\"}", &closed);
	assert_false(closed);	/* a well-framed request keeps the connection */
	cJSON_Delete(r);
	r = call("{\"v\":1,\"cmd\":\"status\"}\0{}", &closed);
	cJSON_Delete(r);
	{
		/* an embedded NUL: the length counts, not the string */
		bool c;
		char *out = ctl_handle(&a, "{\"v\":1}\0xx", 10, &c);

		assert_true(c);
		assert_contains(out, "NUL");
		free(out);
	}
}

static void test_rules_and_ids(void **state)
{
	cJSON *r;
	int id1, id2;

	r = expect_ok("{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"API.github.com.\"]}}");
	id1 = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "rules"), 0)
		->child->valueint;
	reply_contains(r, "\"pattern\":\"api.github.com\"");
	cJSON_Delete(r);
	assert_int_equal(fake.in_place, 1);	/* one rule: in place */

	/* the same rule again: the same id, nothing changed */
	r = expect_ok("{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"api.github.com\"]}}");
	id2 = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "rules"), 0)
		->child->valueint;
	assert_int_equal(id1, id2);
	assert_int_equal(fake.commits, 1);
	cJSON_Delete(r);

	/* several rules: a rebuild */
	cJSON_Delete(expect_ok("{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"deny\",\"rules\":[\"*.evil.example\",\"198.18.9.0/24\"]}}"));
	assert_int_equal(fake.commits, 2);
	assert_int_equal(a.global.n_rules, 3);

	/* one bad item fails all, changes nothing */
	expect_code("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"198.18.9.0/24\", 999]}}", "ENOENT");
	assert_int_equal(a.global.n_rules, 3);
	r = expect_ok("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"198.18.9.0/24\"]}}");
	cJSON_Delete(r);
	assert_int_equal(a.global.n_rules, 2);
	assert_non_null(scope_find_id(&a.global, id1));
	assert_int_equal(fake.removed_in_place, 1);	/* one rule out of its slot in place */
	assert_int_equal(fake.commits, 3);

	/* a slot that cannot be edited in place is rebuilt */
	{
		unsigned short slot = a.global.slot;

		fake.fail_unload = 1;
		cJSON_Delete(expect_ok("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"*.evil.example\"]}}"));
		fake.fail_unload = 0;
		assert_int_equal(a.global.n_rules, 1);
		assert_int_not_equal(a.global.slot, slot);
		assert_int_equal(fake.removed_in_place, 1);
	}

	/* the state file holds it all */
	{
		char err[256], *body;

		assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), 0);
		assert_contains(body, "api.github.com");
		assert_null(strstr(body, "*.evil.example"));
		free(body);
	}
}

static void test_failure_changes_nothing(void **state)
{
	fake.fail_scope = 1;
	expect_code("{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"a.example\",\"b.example\"]}}", "EIO");
	assert_int_equal(a.global.n_rules, 0);
	fake.fail_scope = 0;
	fake.fail_add = 1;
	expect_code("{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"tap1\"}}", "EIO");
	assert_int_equal(a.n_sbs, 0);
}

/* A change the state file does not take is reported and undone, in place or not. */
static void test_unsaved_is_undone(void **state)
{
	char gone[200];
	int commits;

	cJSON_Delete(expect_ok("{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"a.example\",\"b.example\"]}}"));
	snprintf(gone, sizeof(gone), "%s/missing", dir);
	a.state_dir = gone;
	commits = fake.commits;
	expect_code("{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"c.example\"]}}", "ENOENT");
	assert_int_equal(a.global.n_rules, 2);
	assert_null(scope_find(&a.global, EGRESS_ACT_ALLOW, "c.example", NULL));
	/* in place, then the slot rebuilt from the rules as they were */
	assert_int_equal(fake.in_place, 1);
	assert_int_equal(fake.commits, commits + 2);
	expect_code("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"a.example\"]}}", "ENOENT");
	assert_int_equal(a.global.n_rules, 2);
	assert_non_null(scope_find(&a.global, EGRESS_ACT_ALLOW, "a.example", NULL));
	assert_int_equal(fake.removed_in_place, 1);
	assert_int_equal(fake.commits, commits + 4);
	/* the undo failing too is said in the reply */
	fake.fail_scope = 1;
	{
		bool c;
		char *out = ctl_handle(&a, "{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"a.example\"]}}",
				       strlen("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"a.example\"]}}"), &c);

		assert_contains(out, "still enforces");
		free(out);
	}
	fake.fail_scope = 0;
	a.state_dir = dir;
}

static void test_sandbox_profiles_modes(void **state)
{
	cJSON *r;

	r = expect_ok("{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"tap1\","
		      "\"ips\":[\"198.18.0.2\"],\"mac\":\"02:00:00:00:00:01\",\"profiles\":[\"lab\"]}}");
	reply_contains(r, "\"profiles\":[\"lab\"]");
	reply_contains(r, "\"mode_inherited\":true");
	cJSON_Delete(r);
	assert_false(a.sbs[0]->has_resolvers);
	/* resolvers given at registration are the sandbox's, and exported */
	r = expect_ok("{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb3\",\"iface\":\"tap3\","
		      "\"resolvers\":[\"198.18.0.1\",\"fd00::53\"]}}");
	cJSON_Delete(r);
	r = expect_ok("{\"v\":1,\"cmd\":\"policy.export\",\"args\":{\"sandbox\":\"sb3\"}}");
	reply_contains(r, "\"resolvers\":[\"198.18.0.1\",\"fd00::53\"]");
	cJSON_Delete(r);
	cJSON_Delete(expect_ok("{\"v\":1,\"cmd\":\"sandbox.del\",\"args\":{\"name\":\"sb3\"}}"));
	expect_code("{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"tap2\"}}", "EEXIST");
	expect_code("{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb2\",\"iface\":\"tap1\"}}", "EEXIST");
	expect_code("{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb2\",\"iface\":\"tap2\",\"profiles\":[\"nope\"]}}", "ENOENT");
	assert_int_equal(a.sbs[0]->scope.n_rules, 3);

	/* a profile rule is removed with its profile only */
	expect_code("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[1],\"sandbox\":\"sb1\"}}", "EINVAL");
	cJSON_Delete(expect_ok("{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[\"profile:lab\"],\"sandbox\":\"sb1\"}}"));
	assert_int_equal(a.sbs[0]->scope.n_rules, 0);

	r = expect_ok("{\"v\":1,\"cmd\":\"mode.set\",\"args\":{\"mode\":\"warn\"}}");
	cJSON_Delete(r);
	r = expect_ok("{\"v\":1,\"cmd\":\"mode.get\",\"args\":{\"sandbox\":\"sb1\"}}");
	reply_contains(r, "\"mode\":\"warn\",\"inherited\":true");
	cJSON_Delete(r);
	r = expect_ok("{\"v\":1,\"cmd\":\"mode.set\",\"args\":{\"sandbox\":\"sb1\",\"mode\":\"enforce\"}}");
	reply_contains(r, "\"mode\":\"deny\"");
	cJSON_Delete(r);

	r = expect_ok("{\"v\":1,\"cmd\":\"policy.import\",\"args\":{\"sandbox\":\"sb1\",\"policy\":"
		      "{\"mode\":\"deny\",\"allow\":[\"x.example\"],\"profiles\":[\"lab\"],\"resolvers\":[\"198.18.0.53\"]}}}");
	cJSON_Delete(r);
	r = expect_ok("{\"v\":1,\"cmd\":\"policy.export\",\"args\":{\"sandbox\":\"sb1\"}}");
	reply_contains(r,
			"{\"mode\":\"deny\",\"allow\":[\"x.example\"],\"deny\":[],\"profiles\":[\"lab\"],\"resolvers\":[\"198.18.0.53\"]}");
	cJSON_Delete(r);
	expect_code("{\"v\":1,\"cmd\":\"policy.import\",\"args\":{\"policy\":{\"allow\":[\"bad..x\"]}}}", "EINVAL");

	r = expect_ok("{\"v\":1,\"cmd\":\"profile.show\",\"args\":{\"name\":\"lab\"}}");
	reply_contains(r, "\"deny\":[\"b.example\"]");
	cJSON_Delete(r);
	cJSON_Delete(expect_ok("{\"v\":1,\"cmd\":\"sandbox.del\",\"args\":{\"name\":\"sb1\"}}"));
	assert_int_equal(fake.dels, 2);	/* sb3, then sb1 */
	assert_int_equal(a.n_sbs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unparsable_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_and_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsaved_is_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sandbox_profiles_modes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
