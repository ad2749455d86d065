// SPDX-License-Identifier: GPL-2.0-only
/* lib/prom.h and lib/metrics.h: the Prometheus text format egressd serves. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "unit.h"
#include "metrics.h"
#include "prom.h"

#define L(...) ((const char *[]){ __VA_ARGS__, NULL })

static void test_family_and_samples(void **state)
{
	struct egress_prom p;

	egress_prom_init(&p);
	assert_string_equal(egress_prom_text(&p), "");
	assert_int_equal(egress_prom_family(&p, "egress_x_total", EGRESS_PROM_COUNTER,
					    "Things."), 0);
	assert_int_equal(egress_prom_sample_u64(&p, L("a", "1", "b", "2"), 5), 0);
	assert_int_equal(egress_prom_sample_u64(&p, NULL, 18446744073709551615ULL), 0);
	assert_int_equal(egress_prom_family(&p, "egress_y", EGRESS_PROM_GAUGE, "Ratio."), 0);
	assert_int_equal(egress_prom_sample(&p, NULL, 0.25), 0);
	assert_int_equal(egress_prom_sample(&p, L("k", "v"), 3), 0);
	assert_int_equal(egress_prom_sample(&p, L("k", "n"), NAN), 0);
	assert_int_equal(egress_prom_sample(&p, L("k", "i"), -INFINITY), 0);
	assert_string_equal(egress_prom_text(&p),
		"# HELP egress_x_total Things.\n"
		"# TYPE egress_x_total counter\n"
		"egress_x_total{a=\"1\",b=\"2\"} 5\n"
		"egress_x_total 18446744073709551615\n"
		"# HELP egress_y Ratio.\n"
		"# TYPE egress_y gauge\n"
		"egress_y 0.25\n"
		"egress_y{k=\"v\"} 3\n"
		"egress_y{k=\"n\"} NaN\n"
		"egress_y{k=\"i\"} -Inf\n");
	assert_int_equal(egress_prom_len(&p), strlen(egress_prom_text(&p)));
	assert_int_equal(egress_prom_error(&p), 0);
	egress_prom_free(&p);
}

static void test_escaping(void **state)
{
	struct egress_prom p;

	egress_prom_init(&p);
	egress_prom_family(&p, "m", EGRESS_PROM_GAUGE, "back\\slash\nnew \"quoted\"");
	egress_prom_sample(&p, L("sandbox", "a\"b\\c\nd"), 1);
	assert_string_equal(egress_prom_text(&p),
		"# HELP m back\\\\slash\\nnew \"quoted\"\n"
		"# TYPE m gauge\n"
		"m{sandbox=\"a\\\"b\\\\c\\nd\"} 1\n");
	egress_prom_free(&p);
}

static void test_errors(void **state)
{
	struct egress_prom p;

	/* a counter must end in _total, and only a counter */
	egress_prom_init(&p);
	assert_int_equal(egress_prom_family(&p, "egress_x", EGRESS_PROM_COUNTER, ""), -EINVAL);
	egress_prom_free(&p);
	egress_prom_init(&p);
	assert_int_equal(egress_prom_family(&p, "egress_total", EGRESS_PROM_GAUGE, ""), -EINVAL);
	egress_prom_free(&p);
	/* bad names */
	egress_prom_init(&p);
	assert_int_equal(egress_prom_family(&p, "1x", EGRESS_PROM_GAUGE, ""), -EINVAL);
	egress_prom_free(&p);
	egress_prom_init(&p);
	assert_int_equal(egress_prom_family(&p, "a-b", EGRESS_PROM_GAUGE, ""), -EINVAL);
	egress_prom_free(&p);
	/* a sample before any family */
	egress_prom_init(&p);
	assert_int_equal(egress_prom_sample(&p, NULL, 1), -EINVAL);
	egress_prom_free(&p);
	/* a family twice; and the error sticks */
	egress_prom_init(&p);
	assert_int_equal(egress_prom_family(&p, "a", EGRESS_PROM_GAUGE, ""), 0);
	assert_int_equal(egress_prom_family(&p, "b", EGRESS_PROM_GAUGE, ""), 0);
	assert_int_equal(egress_prom_family(&p, "a", EGRESS_PROM_GAUGE, ""), -EEXIST);
	assert_int_equal(egress_prom_sample(&p, NULL, 1), -EEXIST);
	assert_int_equal(egress_prom_error(&p), -EEXIST);
	egress_prom_free(&p);
	/* label names: valid, not reserved, not twice, value present */
	egress_prom_init(&p);
	egress_prom_family(&p, "a", EGRESS_PROM_GAUGE, "");
	assert_int_equal(egress_prom_sample(&p, L("a:b", "1"), 1), -EINVAL);
	egress_prom_free(&p);
	egress_prom_init(&p);
	egress_prom_family(&p, "a", EGRESS_PROM_GAUGE, "");
	assert_int_equal(egress_prom_sample(&p, L("__name", "1"), 1), -EINVAL);
	egress_prom_free(&p);
	egress_prom_init(&p);
	egress_prom_family(&p, "a", EGRESS_PROM_GAUGE, "");
	assert_int_equal(egress_prom_sample(&p, L("x", "1", "x", "2"), 1), -EINVAL);
	egress_prom_free(&p);
	egress_prom_init(&p);
	egress_prom_family(&p, "a", EGRESS_PROM_GAUGE, "");
	assert_int_equal(egress_prom_sample(&p, ((const char *[]){ "x", NULL }), 1), -EINVAL);
	egress_prom_free(&p);

	assert_true(egress_prom_valid_name("egress_a:b", 0));
	assert_false(egress_prom_valid_name("egress_a:b", 1));
	assert_false(egress_prom_valid_name("", 0));
}

/* Counts lines of s that start with prefix. */
static int lines_starting(const char *s, const char *prefix)
{
	int n = 0;

	for (const char *l = s; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

static void test_render(void **state)
{
	struct egress_metrics_sandbox sb[2] = {
		{ .name = "web", .mode = "deny", .rules = 3, .bindings = 7, .flows = 9 },
		{ .name = "ci", .mode = "warn", .would_deny = 4 },
	};
	struct egress_metrics_map maps[] = {
		{ "flows", 9, 16384 }, { "event_rl", 0, 65536 },
	};
	struct egress_metrics m = {
		.version = "0.1.0",
		.start_time_s = 1790000000.5,
		.sandboxes = sb, .n_sandboxes = 2,
		.dns_queries = { 10, 2 },
		.events_emitted = 100, .events_suppressed = 40, .events_lost = 3,
		.events_written = 97,
		.rules = { 0, 1, 2, 3 },
		.maps = maps, .n_maps = 2,
		.ringbuf_drains = 12,
	};
	struct egress_prom p;
	const char *t;

	sb[0].decisions[EGRESS_DENIED][EGRESS_PROTO_TLS] = 5;
	sb[0].decisions[EGRESS_ALLOWED][EGRESS_PROTO_DNS] = 10;
	sb[1].decisions[EGRESS_ALLOWED][EGRESS_PROTO_OTHER] = 1;
	egress_prom_init(&p);
	assert_int_equal(egress_metrics_render(&m, &p), 0);
	t = egress_prom_text(&p);
	assert_contains(t, "egress_build_info{version=\"0.1.0\"} 1\n");
	assert_contains(t, "egress_decisions_total{sandbox=\"web\",verdict=\"denied\",proto=\"tls\"} 5\n");
	assert_contains(t, "egress_decisions_total{sandbox=\"web\",verdict=\"allowed\",proto=\"dns\"} 10\n");
	assert_contains(t, "egress_decisions_total{sandbox=\"ci\",verdict=\"allowed\",proto=\"other\"} 1\n");
	assert_int_equal(lines_starting(t, "egress_decisions_total{"), 3);
	assert_contains(t, "egress_dns_queries_total{verdict=\"allowed\"} 10\n");
	assert_contains(t, "egress_dns_queries_total{verdict=\"denied\"} 2\n");
	assert_contains(t, "egress_events_emitted_total 100\n");
	assert_contains(t, "egress_events_suppressed_total 40\n");
	assert_contains(t, "egress_events_lost_total 3\n");
	assert_contains(t, "egress_events_written_total 97\n");
	assert_contains(t, "egress_ringbuf_drains_total 12\n");
	assert_contains(t, "egress_rules{scope=\"always\"} 1\n");
	assert_contains(t, "egress_rules{scope=\"sandbox\"} 3\n");
	assert_contains(t, "egress_map_entries{map=\"flows\"} 9\n");
	assert_contains(t, "egress_map_max_entries{map=\"event_rl\"} 65536\n");
	assert_contains(t, "egress_dns_bindings{sandbox=\"web\"} 7\n");
	assert_contains(t, "egress_sandbox_mode{sandbox=\"ci\",mode=\"warn\"} 1\n");
	assert_contains(t, "egress_sandbox_mode{sandbox=\"ci\",mode=\"deny\"} 0\n");
	assert_contains(t, "egress_would_deny_total{sandbox=\"ci\"} 4\n");
	assert_contains(t, "egress_start_time_seconds 1790000000.5\n");
	/* HELP and TYPE once per family */
	assert_int_equal(lines_starting(t, "# TYPE egress_decisions_total "), 1);
	assert_int_equal(lines_starting(t, "# TYPE "), lines_starting(t, "# HELP "));
	egress_prom_free(&p);
}

static void test_parse_addr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	assert_int_equal(egress_metrics_parse_addr("127.0.0.1:9469", &ss), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 9469);
	assert_int_equal(egress_metrics_parse_addr("[::1]:0", &ss), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 0);
	assert_int_equal(egress_metrics_parse_addr("::1:80", &ss), -EINVAL);
	assert_int_equal(egress_metrics_parse_addr("127.0.0.1", &ss), -EINVAL);
	assert_int_equal(egress_metrics_parse_addr("127.0.0.1:65536", &ss), -EINVAL);
	assert_int_equal(egress_metrics_parse_addr("127.0.0.1:x", &ss), -EINVAL);
	assert_int_equal(egress_metrics_parse_addr(":80", &ss), -EINVAL);
	assert_int_equal(egress_metrics_parse_addr("localhost:80", &ss), -EINVAL);
	assert_int_equal(egress_metrics_parse_addr("[127.0.0.1]:80", &ss), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
