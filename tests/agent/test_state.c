// SPDX-License-Identifier: GPL-2.0-only
/* lib/state.h and agent/store.c: the state file, whole and damaged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
		cmocka_unit_test(test_model_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
