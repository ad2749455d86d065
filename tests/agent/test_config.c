// SPDX-License-Identifier: GPL-2.0-only
/* lib/config.h: egressd.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/unit.h"
#include "config.h"
#include "names.h"

static void test_defaults_and_missing_file(void **state)
{
	struct egressd_config c;
	char err[256] = "";

	egressd_config_defaults(&c);
	assert_int_equal(egressd_config_load("/nonexistent/egressd.json", &c, err, sizeof(err)), 0);
	assert_int_equal(c.default_mode, EGRESS_MODE_DENY);
	assert_string_equal(c.metrics, "127.0.0.1:9469");
	assert_string_equal(c.xdp_mode, "auto");
	assert_int_equal(c.binding_grace_s, EGRESSD_DEFAULT_BINDING_GRACE_S);
	assert_int_equal(c.n_default_profiles, 0);
	egressd_config_free(&c);
}

static void test_full(void **state)
{
	struct egressd_config c;
	char err[256] = "";

	egressd_config_defaults(&c);
	assert_int_equal(egressd_config_parse(
		"{\"default_mode\": \"enforce\", \"default_profiles\": [\"pypi\", \"github\"],"
		" \"binding_grace_s\": 5, \"event_window_ms\": 250, \"metrics\": \"[::1]:9000\","
		" \"profile_dir\": \"/opt/p\", \"xdp_mode\": \"native\","
		" \"log_max_bytes\": 1048576, \"log_max_age_days\": 7}", &c, err, sizeof(err)), 0);
	assert_int_equal(c.default_mode, EGRESS_MODE_DENY);
	assert_int_equal(c.n_default_profiles, 2);
	assert_string_equal(c.default_profiles[1], "github");
	assert_int_equal(c.binding_grace_s, 5);
	assert_int_equal(c.event_window_ms, 250);
	assert_string_equal(c.metrics, "[::1]:9000");
	assert_string_equal(c.profile_dir, "/opt/p");
	assert_string_equal(c.xdp_mode, "native");
	assert_int_equal(c.log_max_bytes, 1048576);
	assert_int_equal(c.log_max_age_days, 7);
	egressd_config_free(&c);
}

static void test_bad(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "{\"default_mode\": \"open\"}", "default_mode" },
		{ "{\"defualt_mode\": \"deny\"}", "unknown key \"defualt_mode\"" },
		{ "{\"binding_grace_s\": -1}", "binding_grace_s" },
		{ "{\"binding_grace_s\": 1.5}", "binding_grace_s" },
		{ "{\"binding_grace_s\": \"30\"}", "binding_grace_s" },
		{ "{\"default_profiles\": [\"Py Pi\"]}", "not a profile name" },
		{ "{\"default_profiles\": \"pypi\"}", "array" },
		{ "{\"xdp_mode\": \"hw\"}", "xdp_mode" },
		{ "[]", "object" },
		{ "{\"metrics\": ", "JSON" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct egressd_config c;
		char err[256] = "";

		egressd_config_defaults(&c);
		assert_int_equal(egressd_config_parse(cases[i].text, &c, err, sizeof(err)), -EINVAL);
		assert_contains(err, cases[i].msg);
		egressd_config_free(&c);
	}
}

static void test_file_errors_name_file(void **state)
{
	char path[] = "/tmp/eag-config-XXXXXX";
	struct egressd_config c;
	char err[512] = "";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, "{\"nope\": 1}", 11) == 11);
	close(fd);
	egressd_config_defaults(&c);
	assert_int_equal(egressd_config_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_contains(err, path);
	assert_contains(err, "nope");
	egressd_config_free(&c);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_missing_file),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_file_errors_name_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
