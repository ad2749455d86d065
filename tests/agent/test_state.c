// SPDX-License-Identifier: GPL-2.0-only
/* lib/state.h and agent/store.c: the state file, whole and damaged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/unit.h"
#include "agent.h"
#include "state.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/eag-state-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, EGRESS_STATE_FILE);
	unlink(path);
	rmdir(dir);
	return 0;
}

static char *slurp(size_t *len)
{
	char path[128], *buf = malloc(1 << 20);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, EGRESS_STATE_FILE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	*len = read(fd, buf, 1 << 20);
	close(fd);
	return buf;
}

static void spill(const char *buf, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, EGRESS_STATE_FILE);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_true(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

static void test_roundtrip(void **state)
{
	char err[256] = "", *body;

	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), -ENOENT);
	assert_int_equal(egress_state_write(dir, "{\"version\": 1}", err, sizeof(err)), 0);
	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), 0);
	assert_string_equal(body, "{\"version\": 1}");
	free(body);
}

static void test_damage(void **state)
{
	char err[512], *body, *orig;
	size_t len;

	assert_int_equal(egress_state_write(dir, "{\"version\": 1, \"x\": [1, 2, 3]}", err,
					    sizeof(err)), 0);
	orig = slurp(&len);

	/* truncated: the half-written file of a crash without rename */
	spill(orig, len - 5);
	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), -EBADMSG);
	assert_contains(err, "truncated");
	assert_null(body);

	/* one byte changed */
	orig[len - 3] ^= 1;
	spill(orig, len);
	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), -EBADMSG);
	assert_contains(err, "checksum");
	orig[len - 3] ^= 1;

	/* another version */
	orig[14] = '7';
	spill(orig, len);
	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_contains(err, "version 7");

	/* not a state file at all */
	spill("{\"version\": 1}\n", 15);
	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), -EBADMSG);
	assert_contains(err, "not an egressd state file");
	spill("", 0);
	assert_int_equal(egress_state_read(dir, &body, err, sizeof(err)), -EBADMSG);
	free(orig);
}

static void test_model_roundtrip(void **state)
{
	struct agent a = {}, b = {};
	struct sandbox *sb = calloc(1, sizeof(*sb));
	struct egress_rule r;
	char err[256] = "", *t1, *t2;

	scope_init(&a.always, EGRESS_SCOPE_ALWAYS);
	scope_init(&a.global, EGRESS_SCOPE_GLOBAL);
	a.global.has_mode = true;
	a.global.mode = EGRESS_MODE_WARN;
	a.next_rule_id = 10;
	assert_int_equal(egress_rule_parse("*.example.com", EGRESS_ACT_ALLOW, &r, err, sizeof(err)), 0);
	r.id = 4;
	assert_int_equal(scope_add(&a.global, &r, ""), 0);
	scope_init(&sb->scope, EGRESS_SCOPE_SANDBOX);
	strcpy(sb->name, "sb1");
	strcpy(sb->iface, "tap1");
	strcpy(sb->xdp_mode, "skb");
	sb->id = 3;
	sb->ifindex = 12;
	sb->generation = 9;
	sb->n_ips = 1;
	egress_addr_parse("198.18.0.2", sb->ips[0], err, sizeof(err));
	sb->has_mac = true;
	sb->mac[5] = 1;
	assert_int_equal(egress_rule_parse("198.18.0.0/15", EGRESS_ACT_DENY, &r, err, sizeof(err)), 0);
	r.id = 7;
	assert_int_equal(scope_add(&sb->scope, &r, "lab"), 0);
	assert_int_equal(scope_add_profile(&sb->scope, "lab"), 0);
	assert_int_equal(agent_sandbox_insert(&a, sb), 0);

	t1 = agent_state_json(&a);
	scope_init(&b.always, EGRESS_SCOPE_ALWAYS);
	scope_init(&b.global, EGRESS_SCOPE_GLOBAL);
	assert_int_equal(agent_state_parse(&b, t1, err, sizeof(err)), 0);
	t2 = agent_state_json(&b);
	assert_string_equal(t1, t2);
	assert_int_equal(b.sbs[0]->scope.rules[0].r.prefix.prefixlen, 96 + 15);
	free(t1);
	free(t2);
	agent_free(&a);
	agent_free(&b);
}

/*
 * The body is written without cJSON: it must be the very text cJSON prints
 * for it (keys, order, numbers, escapes), for any content.
 */
static void test_model_layout(void **state)
{
	struct agent a = {};
	struct sandbox *sb[2];
	struct egress_rule r;
	char err[256] = "", *text, *again;
	cJSON *root;

	scope_init(&a.always, EGRESS_SCOPE_ALWAYS);
	scope_init(&a.global, EGRESS_SCOPE_GLOBAL);
	a.global.has_mode = true;
	a.global.mode = EGRESS_MODE_DENY;
	a.next_rule_id = 4000000000U;
	a.global_generation = 2147483648U;
	assert_int_equal(egress_rule_parse("*", EGRESS_ACT_DENY, &r, err, sizeof(err)), 0);
	r.id = 1;
	assert_int_equal(scope_add(&a.always, &r, ""), 0);
	for (int i = 0; i < 2; i++) {
		sb[i] = calloc(1, sizeof(*sb[i]));
		assert_non_null(sb[i]);
		scope_init(&sb[i]->scope, EGRESS_SCOPE_SANDBOX);
		snprintf(sb[i]->name, sizeof(sb[i]->name), "sb-%d", i);
		sb[i]->id = i + 1;
		sb[i]->ifindex = 4294967295U - i;
		sb[i]->generation = i ? 0 : 3999999999U;
		strcpy(sb[i]->xdp_mode, i ? "native" : "skb");
		assert_int_equal(agent_sandbox_insert(&a, sb[i]), 0);
	}
	/* an interface name as the kernel may hold it: quotes, \, controls, UTF-8 */
	strcpy(sb[0]->iface, "t\"\\\b\f\n\r\t\x01\x1f\xc3\xa9");
	strcpy(sb[1]->iface, "tap1");
	sb[0]->n_ips = 2;
	egress_addr_parse("198.18.0.2", sb[0]->ips[0], err, sizeof(err));
	egress_addr_parse("fd00::2", sb[0]->ips[1], err, sizeof(err));
	sb[0]->has_resolvers = true;
	sb[0]->n_resolvers = 1;
	egress_addr_parse("198.18.0.1", sb[0]->resolvers[0], err, sizeof(err));
	sb[1]->has_mac = true;
	sb[1]->mac[0] = 0xfe;
	sb[1]->scope.has_mode = true;
	sb[1]->scope.mode = EGRESS_MODE_WARN;
	assert_int_equal(scope_add_profile(&sb[1]->scope, "lab"), 0);
	assert_int_equal(scope_add_profile(&sb[1]->scope, "ci_2"), 0);
	assert_int_equal(egress_rule_parse("fd00::/8", EGRESS_ACT_ALLOW, &r, err, sizeof(err)), 0);
	r.id = 4294967295U;
	assert_int_equal(scope_add(&sb[1]->scope, &r, "lab"), 0);
	assert_int_equal(egress_rule_parse("*.Example.COM", EGRESS_ACT_DENY, &r, err, sizeof(err)), 0);
	r.id = 2;
	assert_int_equal(scope_add(&sb[1]->scope, &r, ""), 0);

	text = agent_state_json(&a);
	assert_non_null(text);
	root = cJSON_Parse(text);
	assert_non_null(root);
	again = cJSON_PrintUnformatted(root);
	assert_string_equal(text, again);
	assert_non_null(strstr(text, "\"iface\":\"t\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\xc3\xa9\""));
	assert_non_null(strstr(text, "\"next_rule_id\":4000000000,"));
	cJSON_Delete(root);
	free(again);
	free(text);
	agent_free(&a);
}

/*
 * scope_set_rules over many rules: a rule still listed keeps its id, a new
 * one gets the next, one listed twice is there once, and the rules of a
 * profile stay as they were.
 */
static void test_scope_replace(void **state)
{
	enum { N = 50000 };
	struct agent a = { .next_rule_id = 1 };
	struct egress_rule *r = calloc(2 * N, sizeof(*r));
	struct scope sc;
	char err[256], name[64];
	__u32 first_id;
	size_t n = 0;

	assert_non_null(r);
	scope_init(&sc, EGRESS_SCOPE_SANDBOX);
	assert_int_equal(egress_rule_parse("p.example", EGRESS_ACT_ALLOW, &r[0], err, sizeof(err)), 0);
	r[0].id = 1000000;
	assert_int_equal(scope_add(&sc, &r[0], "lab"), 0);
	/* n0..n(N-1) allowed, each even one listed twice; n0 denied too */
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(egress_rule_parse(name, EGRESS_ACT_ALLOW, &r[n++], err, sizeof(err)), 0);
		if (i % 2 == 0)
			r[n] = r[n - 1], n++;
	}
	assert_int_equal(egress_rule_parse("n0.example", EGRESS_ACT_DENY, &r[n++], err, sizeof(err)), 0);
	assert_int_equal(scope_set_rules(&a, &sc, r, n), 0);
	assert_int_equal(sc.n_rules, 1 + N + 1);
	assert_string_equal(sc.rules[0].profile, "lab");
	assert_int_equal(sc.rules[0].r.id, 1000000);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_string_equal(sc.rules[1 + i].r.pattern, name);
		assert_int_equal(sc.rules[1 + i].r.id, 1 + i);
		assert_string_equal(sc.rules[1 + i].profile, "");
	}
	assert_int_equal(sc.rules[1 + N].r.action, EGRESS_ACT_DENY);
	assert_int_equal(sc.rules[1 + N].r.id, N + 1);
	first_id = a.next_rule_id;
	assert_int_equal(first_id, N + 2);

	/* again with the odd ones, and as many new ones: the odd keep their ids */
	n = 0;
	for (int i = 1; i < 2 * N; i += 2) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(egress_rule_parse(name, EGRESS_ACT_ALLOW, &r[n++], err, sizeof(err)), 0);
	}
	assert_int_equal(scope_set_rules(&a, &sc, r, n), 0);
	assert_int_equal(sc.n_rules, 1 + N);
	assert_int_equal(sc.rules[0].r.id, 1000000);
	for (size_t k = 0; k < n; k++) {
		int i = 1 + 2 * k;

		if (i < N)
			assert_int_equal(sc.rules[1 + k].r.id, 1 + i);
		else
			assert_int_equal(sc.rules[1 + k].r.id, first_id + (k - N / 2));
	}
	assert_int_equal(scope_find(&sc, EGRESS_ACT_DENY, "n0.example", ""), NULL);
	scope_free(&sc);
	free(r);
}

static void test_model_refused(void **state)
{
	static const char *const bad[] = {
		"{\"version\": 2, \"next_rule_id\": 1, \"global_generation\": 0}",
		"{\"version\": 1}",
		"{\"version\": 1, \"next_rule_id\": 1, \"global_generation\": 0, \"always\": {}, "
		"\"global\": {\"mode\": \"deny\", \"rules\": [{\"id\": 1, \"action\": \"allow\", "
		"\"pattern\": \"bad..name\", \"profile\": \"\"}]}}",
		"{\"version\": 1, \"next_rule_id\": 1, \"global_generation\": 0, \"always\": {}, "
		"\"global\": {\"mode\": \"deny\"}, \"sandboxes\": [{\"name\": \"-x\"}]}",
		"[1]",
	};

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct agent a = {};
		char err[256] = "";

		scope_init(&a.always, EGRESS_SCOPE_ALWAYS);
		scope_init(&a.global, EGRESS_SCOPE_GLOBAL);
		if (!agent_state_parse(&a, bad[i], err, sizeof(err)))
			fail_msg("accepted: %s", bad[i]);
		agent_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
		cmocka_unit_test(test_model_roundtrip),
		cmocka_unit_test(test_model_layout),
		cmocka_unit_test(test_scope_replace),
		cmocka_unit_test(test_model_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
