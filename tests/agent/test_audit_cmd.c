// SPDX-License-Identifier: GPL-2.0-only
/*
 * agent/audit_cmd.c: the audit request through the dispatcher, over a real
 * audit log written with lib/auditlog.h: filters, time order, lost and
 * notice records, unknown sandboxes, bad arguments; and the RFC 3339 times
 * "since" takes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../unit/unit.h"
#include "audit_cmd.h"
#include "ctl.h"
#include "fake_enforce.h"

static struct agent a;
static char dir[64];

static __u64 boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void event(struct egress_event *e, __u64 ts, __u8 verdict, const char *host)
{
	memset(e, 0, sizeof(*e));
	e->ts_boot_ns = ts;
	e->sandbox_id = 1;
	e->count = 1;
	e->verdict = verdict;
	e->mode = EGRESS_MODE_DENY;
	e->proto = EGRESS_PROTO_TLS;
	e->l4proto = 6;
	e->family = 4;
	e->dport = 443;
	e->host_len = (__u16)snprintf(e->host, sizeof(e->host), "%s", host);
}

static int setup(void **state)
{
	struct egress_audit_config cfg = {};
	struct egress_audit *log;
	struct egress_event e;
	char adir[128], err[256];
	__u64 now = boot_ns();

	memset(&a, 0, sizeof(a));
	snprintf(dir, sizeof(dir), "/tmp/ewi-auditcmd-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	egressd_config_defaults(&a.cfg);
	a.state_dir = dir;
	scope_init(&a.always, EGRESS_SCOPE_ALWAYS);
	scope_init(&a.global, EGRESS_SCOPE_GLOBAL);
	snprintf(adir, sizeof(adir), "%s/audit", dir);
	cfg.dir = adir;
	if (egress_audit_open(&log, &cfg, err, sizeof(err)))
		return -1;
	/* appended out of time order: the reply sorts them */
	event(&e, now - 3000000000ULL, EGRESS_DENIED, "b.example");
	egress_audit_append_event(log, &e, "web", NULL);
	event(&e, now - 5000000000ULL, EGRESS_ALLOWED, "a.example");
	egress_audit_append_event(log, &e, "web", "a.example");
	egress_audit_append_lost(log, 7);
	event(&e, now - 1000000000ULL, EGRESS_DENIED, "c.example");
	egress_audit_append_event(log, &e, "other", NULL);
	egress_audit_append_notice(log, "a notice");
	egress_audit_close(log);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	agent_free(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static cJSON *call(const char *req)
{
	bool closed;
	char *out = ctl_handle(&a, req, strlen(req), &closed);
	cJSON *r = cJSON_Parse(out);

	free(out);
	assert_non_null(r);
	return r;
}

static const char *code(const cJSON *r)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(r, "code"));
}

static void test_read(void **state)
{
	cJSON *r = call("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\"}}");
	cJSON *res = cJSON_GetObjectItem(r, "result");
	cJSON *ev = cJSON_GetObjectItem(res, "events");

	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	assert_int_equal(cJSON_GetArraySize(ev), 2);
	/* time order, every key */
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(ev, 0), "host")), "a.example");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(ev, 0), "rule")), "a.example");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(ev, 1), "verdict")), "DENIED");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(ev, 1), "sandbox")), "web");
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(res, "lost")), 7);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(res, "notices")), 1);
	cJSON_Delete(r);

	r = call("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\",\"verdict\":\"denied\"}}");
	ev = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "events");
	assert_int_equal(cJSON_GetArraySize(ev), 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(ev, 0), "host")), "b.example");
	cJSON_Delete(r);

	r = call("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\",\"since\":\"2099-01-01T00:00:00Z\"}}");
	ev = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"), "events");
	assert_int_equal(cJSON_GetArraySize(ev), 0);
	cJSON_Delete(r);
}

static void test_errors(void **state)
{
	static const char *const inval[] = {
		"{\"v\":1,\"cmd\":\"audit\"}",
		"{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"-x\"}}",
		"{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\",\"verdict\":\"maybe\"}}",
		"{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\",\"since\":\"yesterday\"}}",
		"{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\",\"follow\":1}}",
	};
	cJSON *r;

	for (size_t i = 0; i < sizeof(inval) / sizeof(inval[0]); i++) {
		r = call(inval[i]);
		assert_string_equal(code(r), "EINVAL");
		cJSON_Delete(r);
	}
	/* neither registered nor in the log */
	r = call("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"ghost\"}}");
	assert_string_equal(code(r), "ENOENT");
	cJSON_Delete(r);
	/* no open log in this process: no stream */
	r = call("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"web\",\"follow\":true}}");
	assert_string_equal(code(r), "EIO");
	cJSON_Delete(r);
}

static void test_time(void **state)
{
	uint64_t ns;

	assert_int_equal(audit_time_parse("2026-02-19T23:31:54Z", &ns), 0);
	assert_true(ns == 1771543914ULL * 1000000000ULL);
	assert_int_equal(audit_time_parse("2026-02-19T16:31:54.25-07:00", &ns), 0);
	assert_true(ns == 1771543914ULL * 1000000000ULL + 250000000ULL);
	assert_int_equal(audit_time_parse("2026-02-20T01:01:54+01:30", &ns), 0);
	assert_true(ns == 1771543914ULL * 1000000000ULL);
	assert_int_equal(audit_time_parse("2026-02-19T23:31:54", &ns), -EINVAL);
	assert_int_equal(audit_time_parse("2026-13-19T23:31:54Z", &ns), -EINVAL);
	assert_int_equal(audit_time_parse("2026-02-19T23:31:54Zx", &ns), -EINVAL);
	assert_int_equal(audit_time_parse("10m", &ns), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
