// SPDX-License-Identifier: GPL-2.0-only
/* lib/event_fmt.h: audit events as text lines and JSON (DESIGN section 6). */
#include <arpa/inet.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"
#include "event_fmt.h"

/*
 * time, two spaces, the verdict left-aligned in 8 columns, one space, the
 * host, two spaces, "(mode: M)":
 *   2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)
 */
#define LINE_RE								\
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"	\
	"[+-][0-9]{2}:[0-9]{2}"						\
	"  (ALLOWED  |DENIED   )[^ ]+  "				\
	"\\(mode: (allow-all|warn|deny|deny-all)\\)$"

static void set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static void set_addr(__u8 out[16], const char *text)
{
	if (strchr(text, ':')) {
		assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	} else {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, text, out + 12), 1);
	}
}

static void set_host(struct egress_event *e, const char *host)
{
	memset(e->host, 0, sizeof(e->host));
	e->host_len = (__u16)strlen(host);
	memcpy(e->host, host, e->host_len);
}

/* The DESIGN section 7 example event. */
static void example_event(struct egress_event *e)
{
	memset(e, 0, sizeof(*e));
	e->sandbox_id = 1;
	e->generation = 3;
	e->count = 1;
	e->verdict = EGRESS_DENIED;
	e->mode = EGRESS_MODE_DENY;
	e->proto = EGRESS_PROTO_TLS;
	e->l4proto = 6;
	e->family = 4;
	e->reason = EGRESS_REASON_NOT_ALLOWLISTED;
	e->scope = EGRESS_SCOPE_NONE;
	e->sport = 40112;
	e->dport = 443;
	set_addr(e->saddr, "198.18.0.2");
	set_addr(e->daddr, "198.18.0.1");
	set_host(e, "pypi.org");
}

/* Sets the event's boot-time stamp so that it happened at utc + 0.5 s. */
static void event_at(struct egress_event *e, int y, int mo, int d, int h, int mi,
		     int s)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_sec = s,
	};
	struct timespec boot, real;
	long long want_ns, boot_wall_ns;

	want_ns = (long long)timegm(&tm) * 1000000000LL + 500000000LL;
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	boot_wall_ns = (real.tv_sec - boot.tv_sec) * 1000000000LL +
		       (real.tv_nsec - boot.tv_nsec);
	e->ts_boot_ns = (__u64)(want_ns - boot_wall_ns);
}

static void assert_matches(const char *s, const char *re)
{
	regex_t rx;
	int ret;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ret = regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	if (ret)
		fail_msg("'%s' does not match /%s/", s, re);
}

static void test_text_exact(void **state)
{
	struct egress_event e;
	char buf[512];

	set_tz("America/Denver");
	example_event(&e);
	set_host(&e, "example2.com");

	/* February: Mountain Standard Time */
	event_at(&e, 2030, 2, 19, 23, 41, 54);
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)");
	assert_matches(buf, LINE_RE);

	/* July: Mountain Daylight Time */
	e.verdict = EGRESS_ALLOWED;
	e.mode = EGRESS_MODE_WARN;
	set_host(&e, "pypi.org");
	event_at(&e, 2030, 7, 4, 18, 0, 0);
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-07-04T12:00:00-06:00  ALLOWED  pypi.org  (mode: warn)");
	assert_matches(buf, LINE_RE);

	/* a day boundary in local time */
	e.mode = EGRESS_MODE_ALLOW_ALL;
	event_at(&e, 2030, 1, 1, 5, 0, 0);
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2029-12-31T22:00:00-07:00  ALLOWED  pypi.org  (mode: allow-all)");

	e.verdict = EGRESS_DENIED;
	e.mode = EGRESS_MODE_DENY_ALL;
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2029-12-31T22:00:00-07:00  DENIED   pypi.org  (mode: deny-all)");
}

static void test_text_offsets(void **state)
{
	struct egress_event e;
	char buf[512];

	example_event(&e);
	event_at(&e, 2030, 2, 19, 23, 41, 54);

	set_tz("UTC");
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-19T23:41:54+00:00  DENIED   pypi.org  (mode: deny)");
	/* offsets that are not whole hours, either side (POSIX TZ strings) */
	set_tz("<+0545>-5:45");
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-20T05:26:54+05:45  DENIED   pypi.org  (mode: deny)");
	set_tz("<-0330>3:30");
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-19T20:11:54-03:30  DENIED   pypi.org  (mode: deny)");
	set_tz("America/Denver");
}

/* An event from just now: the line has the DESIGN shape in any zone. */
static void test_text_now(void **state)
{
	static const char *const zones[] = {
		"America/Denver", "UTC", "Europe/Berlin", "Asia/Kolkata",
	};
	struct egress_event e;
	struct timespec boot;
	char buf[512];

	example_event(&e);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	e.ts_boot_ns = (__u64)boot.tv_sec * 1000000000ULL + (__u64)boot.tv_nsec;
	for (size_t i = 0; i < ARRAY_LEN(zones); i++) {
		set_tz(zones[i]);
		egress_event_text(&e, buf, sizeof(buf));
		assert_matches(buf, LINE_RE);
	}
	set_tz("America/Denver");
	egress_event_text(&e, buf, sizeof(buf));
	assert_matches(buf, "-0[67]:00  DENIED   pypi.org  \\(mode: deny\\)$");
}

static void test_text_host_fallback(void **state)
{
	struct egress_event e;
	char buf[512];

	set_tz("UTC");
	example_event(&e);
	event_at(&e, 2030, 2, 19, 23, 41, 54);

	/* no name: the destination address */
	e.host_len = 0;
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-19T23:41:54+00:00  DENIED   198.18.0.1  (mode: deny)");
	/* IPv6 plainly, no brackets, no port */
	e.family = 6;
	set_addr(e.saddr, "fd00::2");
	set_addr(e.daddr, "fd00::1");
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-19T23:41:54+00:00  DENIED   fd00::1  (mode: deny)");
	/* not IP at all */
	e.family = 0;
	e.proto = EGRESS_PROTO_L2;
	memset(e.daddr, 0, 16);
	assert_string_equal(egress_event_text(&e, buf, sizeof(buf)),
			    "2030-02-19T23:41:54+00:00  DENIED   -  (mode: deny)");
	set_tz("America/Denver");
}

static void test_event_host(void **state)
{
	struct egress_event e;
	char buf[512], small[6];

	example_event(&e);
	/* host_len counts, the buffer need not be NUL terminated */
	memcpy(e.host, "example.comGARBAGE", 18);
	e.host_len = 11;
	assert_string_equal(egress_event_host(&e, buf, sizeof(buf)), "example.com");
	/* truncated to the caller's buffer */
	assert_string_equal(egress_event_host(&e, small, sizeof(small)), "examp");
	/* a host_len past the array is clamped to it */
	memset(e.host, 'a', sizeof(e.host));
	e.host_len = 1000;
	egress_event_host(&e, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(e.host) - 1);
	/* address fallbacks */
	e.host_len = 0;
	assert_string_equal(egress_event_host(&e, buf, sizeof(buf)), "198.18.0.1");
	e.family = 6;
	set_addr(e.daddr, "fd00:ec2::254");
	assert_string_equal(egress_event_host(&e, buf, sizeof(buf)), "fd00:ec2::254");
}

/* ---- JSON ---------------------------------------------------------------- */

static char *to_json(const struct egress_event *e, const char *rule)
{
	cJSON *obj = cJSON_CreateObject();
	char *s;

	assert_non_null(obj);
	assert_int_equal(egress_event_json(e, rule, obj), 0);
	s = cJSON_PrintUnformatted(obj);
	assert_non_null(s);
	cJSON_Delete(obj);
	return s;
}

static void assert_json(const struct egress_event *e, const char *rule,
			const char *want)
{
	char *got = to_json(e, rule);

	if (strcmp(got, want))
		fail_msg("\n  got  %s\n  want %s", got, want);
	free(got);
}

static void test_json_design_example(void **state)
{
	struct egress_event e;

	example_event(&e);
	assert_json(&e, NULL,
		    "{\"verdict\":\"DENIED\",\"would_deny\":true,\"mode\":\"deny\","
		    "\"host\":\"pypi.org\",\"proto\":\"tls\",\"src\":\"198.18.0.2:40112\","
		    "\"dst\":\"198.18.0.1:443\",\"rule\":\"default\","
		    "\"reason\":\"not-allowlisted\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");
}

static void test_json_keys(void **state)
{
	static const char *const keys[] = {
		"verdict", "would_deny", "mode", "host", "proto", "src", "dst", "rule",
		"reason", "generation", "rule_id", "scope", "count",
	};
	struct egress_event e;
	cJSON *obj = cJSON_CreateObject(), *it;
	size_t i = 0;

	example_event(&e);
	assert_int_equal(egress_event_json(&e, "pypi.org", obj), 0);
	cJSON_ArrayForEach(it, obj) {
		if (i >= ARRAY_LEN(keys))
			fail_msg("extra key \"%s\"", it->string);
		assert_string_equal(it->string, keys[i]);
		i++;
	}
	assert_int_equal(i, ARRAY_LEN(keys));
	assert_true(cJSON_IsBool(cJSON_GetObjectItem(obj, "would_deny")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(obj, "generation")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(obj, "rule_id")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(obj, "count")));
	cJSON_Delete(obj);
}

static void test_json_variants(void **state)
{
	struct egress_event e;

	/* allowed by a rule, IPv6 UDP DNS */
	example_event(&e);
	e.verdict = EGRESS_ALLOWED;
	e.proto = EGRESS_PROTO_DNS;
	e.l4proto = 17;
	e.family = 6;
	e.sport = 5353;
	e.dport = 53;
	e.reason = EGRESS_REASON_ALLOW_RULE;
	e.scope = EGRESS_SCOPE_SANDBOX;
	e.rule_id = 42;
	e.generation = 4000000000u;
	e.count = 17;
	set_addr(e.saddr, "fd00::2");
	set_addr(e.daddr, "fd00::1");
	set_host(&e, "pypi.org");
	assert_json(&e, "*.pypi.org",
		    "{\"verdict\":\"ALLOWED\",\"would_deny\":false,\"mode\":\"deny\","
		    "\"host\":\"pypi.org\",\"proto\":\"dns\",\"src\":\"[fd00::2]:5353\","
		    "\"dst\":\"[fd00::1]:53\",\"rule\":\"*.pypi.org\","
		    "\"reason\":\"allow-rule\",\"generation\":4000000000,"
		    "\"rule_id\":42,\"scope\":\"sandbox\",\"count\":17}");

	/* warn mode: allowed, but would be denied */
	example_event(&e);
	e.verdict = EGRESS_ALLOWED;
	e.flags = EGRESS_EV_F_WOULD_DENY;
	e.mode = EGRESS_MODE_WARN;
	e.proto = EGRESS_PROTO_HTTP;
	e.dport = 80;
	set_host(&e, "example2.com");
	assert_json(&e, NULL,
		    "{\"verdict\":\"ALLOWED\",\"would_deny\":true,\"mode\":\"warn\","
		    "\"host\":\"example2.com\",\"proto\":\"http\",\"src\":\"198.18.0.2:40112\","
		    "\"dst\":\"198.18.0.1:80\",\"rule\":\"default\","
		    "\"reason\":\"not-allowlisted\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");

	/* ICMP: no ports; host falls back to the address */
	example_event(&e);
	e.verdict = EGRESS_ALLOWED;
	e.proto = EGRESS_PROTO_ICMP;
	e.l4proto = 1;
	e.sport = 1234;		/* echo identifier: not a port */
	e.dport = 0;
	e.reason = EGRESS_REASON_ICMP;
	e.host_len = 0;
	assert_json(&e, NULL,
		    "{\"verdict\":\"ALLOWED\",\"would_deny\":false,\"mode\":\"deny\","
		    "\"host\":\"198.18.0.1\",\"proto\":\"icmp\",\"src\":\"198.18.0.2\","
		    "\"dst\":\"198.18.0.1\",\"rule\":\"default\","
		    "\"reason\":\"icmp-allowed\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");

	/* ICMPv6 */
	e.family = 6;
	e.l4proto = 58;
	set_addr(e.saddr, "fd00::2");
	set_addr(e.daddr, "fd00::1");
	assert_json(&e, NULL,
		    "{\"verdict\":\"ALLOWED\",\"would_deny\":false,\"mode\":\"deny\","
		    "\"host\":\"fd00::1\",\"proto\":\"icmpv6\",\"src\":\"fd00::2\","
		    "\"dst\":\"fd00::1\",\"rule\":\"default\","
		    "\"reason\":\"icmp-allowed\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");

	/* GRE, denied by an always rule */
	example_event(&e);
	e.proto = EGRESS_PROTO_OTHER;
	e.l4proto = 47;
	e.sport = e.dport = 0;
	e.reason = EGRESS_REASON_DENY_RULE;
	e.scope = EGRESS_SCOPE_ALWAYS;
	e.rule_id = 9;
	e.host_len = 0;
	set_addr(e.daddr, "198.18.9.9");
	assert_json(&e, "198.18.9.0/24",
		    "{\"verdict\":\"DENIED\",\"would_deny\":true,\"mode\":\"deny\","
		    "\"host\":\"198.18.9.9\",\"proto\":\"gre\",\"src\":\"198.18.0.2\","
		    "\"dst\":\"198.18.9.9\",\"rule\":\"198.18.9.0/24\","
		    "\"reason\":\"deny-rule\",\"generation\":3,"
		    "\"rule_id\":9,\"scope\":\"always\",\"count\":1}");

	/* an unnamed protocol number */
	e.l4proto = 253;
	e.reason = EGRESS_REASON_NOT_ALLOWLISTED;
	e.scope = EGRESS_SCOPE_NONE;
	e.rule_id = 0;
	assert_json(&e, NULL,
		    "{\"verdict\":\"DENIED\",\"would_deny\":true,\"mode\":\"deny\","
		    "\"host\":\"198.18.9.9\",\"proto\":\"ip-253\",\"src\":\"198.18.0.2\","
		    "\"dst\":\"198.18.9.9\",\"rule\":\"default\","
		    "\"reason\":\"not-allowlisted\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");

	/* a frame refused before L3 */
	example_event(&e);
	e.proto = EGRESS_PROTO_L2;
	e.l4proto = 0;
	e.family = 0;
	e.reason = EGRESS_REASON_VLAN;
	e.host_len = 0;
	memset(e.saddr, 0, 16);
	memset(e.daddr, 0, 16);
	assert_json(&e, NULL,
		    "{\"verdict\":\"DENIED\",\"would_deny\":true,\"mode\":\"deny\","
		    "\"host\":\"-\",\"proto\":\"ethernet\",\"src\":\"-\","
		    "\"dst\":\"-\",\"rule\":\"default\","
		    "\"reason\":\"vlan\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");
}

/* Whatever bytes the host holds, the JSON is valid and parses back. */
static void test_json_escaping(void **state)
{
	struct egress_event e;
	cJSON *back;
	char *s;

	example_event(&e);
	set_host(&e, "a\"b\\c\n");
	s = to_json(&e, "x\"y");
	back = cJSON_Parse(s);
	assert_non_null(back);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(back, "host")),
			    "a\"b\\c\n");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(back, "rule")),
			    "x\"y");
	cJSON_Delete(back);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_exact),
		cmocka_unit_test(test_text_offsets),
		cmocka_unit_test(test_text_now),
		cmocka_unit_test(test_text_host_fallback),
		cmocka_unit_test(test_event_host),
		cmocka_unit_test(test_json_design_example),
		cmocka_unit_test(test_json_keys),
		cmocka_unit_test(test_json_variants),
		cmocka_unit_test(test_json_escaping),
	};

	return cmocka_run_group_tests_name("event_fmt", tests, NULL, NULL);
}
