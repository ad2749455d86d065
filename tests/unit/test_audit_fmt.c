// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/event_fmt.h: audit records as egressd shows them: the DESIGN
 * section 6 text line at the record's time, and the audit JSON (the
 * egress-replay keys plus time and sandbox).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"
#include "auditlog.h"
#include "event_fmt.h"

static void set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* Wall-clock ns of a UTC date plus ms milliseconds. */
static uint64_t utc_ns(int y, int mo, int d, int h, int mi, int s, int ms)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		.tm_hour = h, .tm_min = mi, .tm_sec = s,
	};

	return (uint64_t)timegm(&tm) * 1000000000ULL + (uint64_t)ms * 1000000ULL;
}

static void v4(__u8 out[16], const char *text)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, text, out + 12), 1);
}

static void example(struct egress_audit_record *r)
{
	struct egress_event *e = &r->ev;

	memset(r, 0, sizeof(*r));
	r->kind = EGRESS_AUDIT_EVENT;
	r->seq = 9;
	r->time_ns = utc_ns(2026, 2, 19, 23, 41, 54, 250);
	e->generation = 3;
	e->count = 1;
	e->verdict = EGRESS_DENIED;
	e->mode = EGRESS_MODE_DENY;
	e->proto = EGRESS_PROTO_TLS;
	e->l4proto = 6;
	e->family = 4;
	e->reason = EGRESS_REASON_NOT_ALLOWLISTED;
	e->sport = 40112;
	e->dport = 443;
	v4(e->saddr, "198.18.0.2");
	v4(e->daddr, "198.18.0.1");
	e->host_len = 12;
	memcpy(e->host, "example2.com", 12);
	strcpy(r->sandbox, "web");
}

static void test_rfc3339(void **state)
{
	uint64_t t = utc_ns(2026, 2, 19, 23, 41, 54, 250) + 123456;
	char buf[64];

	set_tz("America/Denver");
	assert_string_equal(egress_rfc3339(t, 0, buf, sizeof(buf)),
			    "2026-02-19T16:41:54-07:00");
	assert_string_equal(egress_rfc3339(t, 3, buf, sizeof(buf)),
			    "2026-02-19T16:41:54.250-07:00");
	assert_string_equal(egress_rfc3339(t, 9, buf, sizeof(buf)),
			    "2026-02-19T16:41:54.250123456-07:00");
	set_tz("UTC");
	assert_string_equal(egress_rfc3339(t, 3, buf, sizeof(buf)),
			    "2026-02-19T23:41:54.250+00:00");
	set_tz("<+0545>-5:45");
	assert_string_equal(egress_rfc3339(t, 0, buf, sizeof(buf)),
			    "2026-02-20T05:26:54+05:45");
}

/* The line is the record's time, not the time it is printed. */
static void test_text(void **state)
{
	struct egress_audit_record r;
	char buf[512];

	set_tz("America/Denver");
	example(&r);
	assert_string_equal(egress_audit_record_text(&r, buf, sizeof(buf)),
			    "2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)");
	assert_string_equal(egress_event_text_at(&r.ev, r.time_ns, buf, sizeof(buf)),
			    "2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)");
	r.ev.verdict = EGRESS_ALLOWED;
	r.ev.mode = EGRESS_MODE_WARN;
	r.time_ns = utc_ns(2026, 7, 4, 18, 0, 0, 999);
	assert_string_equal(egress_audit_record_text(&r, buf, sizeof(buf)),
			    "2026-07-04T12:00:00-06:00  ALLOWED  example2.com  (mode: warn)");

	r.kind = EGRESS_AUDIT_LOST;
	r.lost = 1200;
	assert_string_equal(egress_audit_record_text(&r, buf, sizeof(buf)),
			    "2026-07-04T12:00:00-06:00  LOST     1200 events  (ring buffer full)");
	r.lost = 1;
	assert_string_equal(egress_audit_record_text(&r, buf, sizeof(buf)),
			    "2026-07-04T12:00:00-06:00  LOST     1 event  (ring buffer full)");
	r.kind = EGRESS_AUDIT_NOTICE;
	strcpy(r.text, "dropped 37 bytes");
	assert_string_equal(egress_audit_record_text(&r, buf, sizeof(buf)),
			    "2026-07-04T12:00:00-06:00  NOTICE   dropped 37 bytes");
}

static char *json_of(const struct egress_audit_record *r)
{
	cJSON *obj = cJSON_CreateObject();
	char *s;

	assert_int_equal(egress_audit_record_json(r, obj), 0);
	s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return s;
}

static void assert_json(const struct egress_audit_record *r, const char *want)
{
	char *got = json_of(r);

	if (strcmp(got, want))
		fail_msg("\n  got  %s\n  want %s", got, want);
	free(got);
}

static void test_json(void **state)
{
	struct egress_audit_record r;

	set_tz("America/Denver");
	example(&r);
	assert_json(&r,
		    "{\"time\":\"2026-02-19T16:41:54.250-07:00\",\"sandbox\":\"web\","
		    "\"verdict\":\"DENIED\",\"would_deny\":true,\"mode\":\"deny\","
		    "\"host\":\"example2.com\",\"proto\":\"tls\",\"src\":\"198.18.0.2:40112\","
		    "\"dst\":\"198.18.0.1:443\",\"rule\":\"default\","
		    "\"reason\":\"not-allowlisted\",\"generation\":3,"
		    "\"rule_id\":0,\"scope\":\"default\",\"count\":1}");

	/* a rule's pattern; a count */
	r.ev.verdict = EGRESS_ALLOWED;
	r.ev.reason = EGRESS_REASON_ALLOW_RULE;
	r.ev.scope = EGRESS_SCOPE_GLOBAL;
	r.ev.rule_id = 17;
	r.ev.count = 250;
	strcpy(r.rule, "*.example2.com");
	assert_json(&r,
		    "{\"time\":\"2026-02-19T16:41:54.250-07:00\",\"sandbox\":\"web\","
		    "\"verdict\":\"ALLOWED\",\"would_deny\":false,\"mode\":\"deny\","
		    "\"host\":\"example2.com\",\"proto\":\"tls\",\"src\":\"198.18.0.2:40112\","
		    "\"dst\":\"198.18.0.1:443\",\"rule\":\"*.example2.com\","
		    "\"reason\":\"allow-rule\",\"generation\":3,"
		    "\"rule_id\":17,\"scope\":\"global\",\"count\":250}");

	/* a sandbox name that needs escaping stays valid JSON */
	strcpy(r.sandbox, "we\"b\n");
	{
		char *s = json_of(&r);
		cJSON *back = cJSON_Parse(s);

		assert_non_null(back);
		assert_string_equal(cJSON_GetObjectItem(back, "sandbox")->valuestring,
				    "we\"b\n");
		cJSON_Delete(back);
		free(s);
	}

	r.kind = EGRESS_AUDIT_LOST;
	r.lost = 4096;
	assert_json(&r, "{\"time\":\"2026-02-19T16:41:54.250-07:00\",\"lost\":4096}");
	r.kind = EGRESS_AUDIT_NOTICE;
	strcpy(r.text, "restarted");
	assert_json(&r, "{\"time\":\"2026-02-19T16:41:54.250-07:00\",\"notice\":\"restarted\"}");
}

/* The audit JSON has exactly the replay keys, after time and sandbox. */
static void test_json_keys_match_replay(void **state)
{
	struct egress_audit_record r;
	cJSON *audit = cJSON_CreateObject(), *replay = cJSON_CreateObject();
	cJSON *a, *b;

	example(&r);
	assert_int_equal(egress_audit_event_json(&r.ev, r.time_ns, "web", NULL, audit), 0);
	assert_int_equal(egress_event_json(&r.ev, NULL, replay), 0);
	a = audit->child;
	assert_string_equal(a->string, "time");
	a = a->next;
	assert_string_equal(a->string, "sandbox");
	for (a = a->next, b = replay->child; a || b; a = a->next, b = b->next) {
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a->string, b->string);
		assert_true(cJSON_Compare(a, b, 1));
	}
	cJSON_Delete(audit);
	cJSON_Delete(replay);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_keys_match_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
