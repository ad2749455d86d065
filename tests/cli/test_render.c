// SPDX-License-Identifier: GPL-2.0-only
/* cli/render.c: sample replies of docs/protocol.md as tables and JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "render.h"
#include "timefmt.h"

static char *render(enum ctl_view view, const char *result, bool json, int want_ret)
{
	cJSON *r = result ? cJSON_Parse(result) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (result && !r)
		fail_msg("bad sample: %s", result);
	ret = ctl_render(view, r, json, f);
	fclose(f);
	cJSON_Delete(r);
	if (ret != want_ret)
		fail_msg("render returned %d, expected %d; output:\n%s", ret, want_ret, buf);
	return buf;
}

static void expect(enum ctl_view view, const char *result, const char *want)
{
	char *out = render(view, result, false, 0);

	if (strcmp(out, want))
		fail_msg("got:\n%s\nwant:\n%s", out, want);
	free(out);
}

#define SB1 "{\"name\": \"sb1\", \"id\": 3, \"iface\": \"tap-sb1\", \"ifindex\": 12," \
	" \"attach\": {\"xdp\": \"skb\", \"tc\": \"egress\"}, \"mode\": \"deny\"," \
	" \"mode_inherited\": false, \"generation\": 7, \"ips\": [\"198.18.0.2\", \"fd00::2\"]," \
	" \"mac\": \"02:00:00:00:00:01\", \"resolvers\": [\"198.18.0.1\"]," \
	" \"profiles\": [\"pypi\", \"github\"], \"rules\": 4}"
#define SB2 "{\"name\": \"build-runner-17\", \"id\": 12, \"iface\": \"veth-b17\", \"ifindex\": 140," \
	" \"attach\": {\"xdp\": \"multiprog-native\", \"tc\": \"egress\"}, \"mode\": \"warn\"," \
	" \"mode_inherited\": true, \"generation\": 123, \"ips\": [], \"mac\": null," \
	" \"resolvers\": [], \"profiles\": [], \"rules\": 0}"

static void test_sandboxes(void **state)
{
	expect(CTL_VIEW_SANDBOXES, "{\"sandboxes\": [" SB1 ", " SB2 "]}",
"NAME             ID  IFACE     XDP               TC      MODE           RULES  GENERATION  IPS                 PROFILES\n"
"sb1              3   tap-sb1   skb               egress  deny           4      7           198.18.0.2,fd00::2  pypi,github\n"
"build-runner-17  12  veth-b17  multiprog-native  egress  warn (global)  0      123         -                   -\n");
	expect(CTL_VIEW_SANDBOXES, "{\"sandboxes\": []}", "no sandboxes\n");
	expect(CTL_VIEW_SANDBOX, "{\"sandbox\": " SB1 "}",
"NAME  ID  IFACE    XDP  TC      MODE  RULES  GENERATION  IPS                 PROFILES\n"
"sb1   3   tap-sb1  skb  egress  deny  4      7           198.18.0.2,fd00::2  pypi,github\n");
	free(render(CTL_VIEW_SANDBOXES, "{\"sandbox\": []}", false, -EPROTO));
	free(render(CTL_VIEW_SANDBOX, "{}", false, -EPROTO));
	free(render(CTL_VIEW_SANDBOX, NULL, false, -EPROTO));
}

static void test_status(void **state)
{
	expect(CTL_VIEW_STATUS,
	       "{\"version\": \"0.1.0\", \"pid\": 812, \"started\": \"2026-02-19T16:00:00-07:00\","
	       " \"bpffs\": \"/sys/fs/bpf/egressd\", \"state_dir\": \"/var/lib/egressd\","
	       " \"mode\": \"deny\", \"sandboxes\": [" SB1 "],"
	       " \"maps\": [{\"name\": \"flows\", \"entries\": 1024, \"max_entries\": 65536},"
	       " {\"name\": \"rules_name\", \"entries\": 3, \"max_entries\": 4}],"
	       " \"events\": {\"emitted\": 1204, \"lost\": 0, \"suppressed\": 3, \"written\": 1204}}",
"version      0.1.0\n"
"pid          812\n"
"started      2026-02-19T16:00:00-07:00\n"
"bpffs        /sys/fs/bpf/egressd\n"
"state dir    /var/lib/egressd\n"
"global mode  deny\n"
"events       1204 emitted, 0 lost, 3 suppressed, 1204 written\n"
"\n"
"NAME  ID  IFACE    XDP  TC      MODE  RULES  GENERATION  IPS                 PROFILES\n"
"sb1   3   tap-sb1  skb  egress  deny  4      7           198.18.0.2,fd00::2  pypi,github\n"
"\n"
"MAP         ENTRIES  MAX    FILL\n"
"flows       1024     65536  1.6%\n"
"rules_name  3        4      75.0%\n");
	free(render(CTL_VIEW_STATUS, "{\"version\": \"0.1.0\"}", false, -EPROTO));
}

#define RULE17 "{\"id\": 17, \"action\": \"allow\", \"pattern\": \"*.example.com\"," \
	" \"kind\": \"wildcard\", \"scope\": \"sandbox\", \"sandbox\": \"sb1\", \"profile\": null}"
#define RULE3 "{\"id\": 3, \"action\": \"allow\", \"pattern\": \"pypi.org\"," \
	" \"kind\": \"name\", \"scope\": \"global\", \"sandbox\": null, \"profile\": \"pypi\"}"
#define RULE1024 "{\"id\": 1024, \"action\": \"deny\", \"pattern\": \"198.18.0.0/15\"," \
	" \"kind\": \"ip\", \"scope\": \"always\", \"sandbox\": null, \"profile\": null}"

static void test_rules(void **state)
{
	expect(CTL_VIEW_RULE_LIST,
	       "{\"rules\": [" RULE1024 ", " RULE3 ", " RULE17 "],"
	       " \"profiles\": [{\"name\": \"pypi\", \"scope\": \"global\", \"sandbox\": null}]}",
"ID    ACTION  PATTERN        KIND      SCOPE    SANDBOX  PROFILE\n"
"1024  deny    198.18.0.0/15  ip        always   -        -\n"
"3     allow   pypi.org       name      global   -        pypi\n"
"17    allow   *.example.com  wildcard  sandbox  sb1      -\n"
"\n"
"PROFILE  SCOPE   SANDBOX\n"
"pypi     global  -\n");
	expect(CTL_VIEW_RULE_LIST, "{\"rules\": [], \"profiles\": []}", "no rules\n");
	expect(CTL_VIEW_RULES_ADDED, "{\"rules\": [" RULE17 "], \"generation\": 8}",
"ID  ACTION  PATTERN        KIND      SCOPE    SANDBOX  PROFILE\n"
"17  allow   *.example.com  wildcard  sandbox  sb1      -\n");
	expect(CTL_VIEW_RULES_REMOVED, "{\"removed\": [" RULE17 "], \"generation\": 9}",
"ID  ACTION  PATTERN        KIND      SCOPE    SANDBOX  PROFILE\n"
"17  allow   *.example.com  wildcard  sandbox  sb1      -\n");
	free(render(CTL_VIEW_RULES_REMOVED, "{\"rules\": []}", false, -EPROTO));
}

static void test_mode(void **state)
{
	expect(CTL_VIEW_MODE, "{\"mode\": \"deny\", \"inherited\": false}", "deny\n");
	expect(CTL_VIEW_MODE, "{\"mode\": \"warn\", \"inherited\": true}",
	       "warn (inherited from global)\n");
	expect(CTL_VIEW_MODE_SET, "{\"mode\": \"deny-all\", \"generation\": 12}",
	       "mode deny-all (policy generation 12)\n");
	free(render(CTL_VIEW_MODE, "{}", false, -EPROTO));
}

static void test_explain(void **state)
{
	expect(CTL_VIEW_EXPLAIN,
	       "{\"verdict\": \"ALLOWED\", \"would_deny\": true, \"mode\": \"warn\", \"rule\": null,"
	       " \"scope\": null, \"reason\": \"not-allowlisted\", \"bound\": [],"
	       " \"why\": \"no allow rule matches evil.example\"}",
"verdict  ALLOWED (would be denied)\n"
"mode     warn\n"
"rule     default of the mode\n"
"scope    -\n"
"reason   not-allowlisted\n"
"bound    -\n"
"why      no allow rule matches evil.example\n");
	expect(CTL_VIEW_EXPLAIN,
	       "{\"verdict\": \"ALLOWED\", \"would_deny\": false, \"mode\": \"deny\", \"rule\": " RULE3 ","
	       " \"scope\": \"global\", \"reason\": \"allow-rule\","
	       " \"bound\": [\"151.101.0.223\", \"2a04:4e42::223\"],"
	       " \"why\": \"pypi.org is allowed by rule 3\"}",
"verdict  ALLOWED\n"
"mode     deny\n"
"rule     allow pypi.org (id 3, profile pypi)\n"
"scope    global\n"
"reason   allow-rule\n"
"bound    151.101.0.223, 2a04:4e42::223\n"
"why      pypi.org is allowed by rule 3\n");
	free(render(CTL_VIEW_EXPLAIN, "{\"mode\": \"deny\"}", false, -EPROTO));
}

static void test_profiles(void **state)
{
	expect(CTL_VIEW_PROFILES,
	       "{\"profiles\": [{\"name\": \"pypi\", \"description\": \"Python packages\", \"rules\": 7},"
	       " {\"name\": \"huggingface\", \"description\": \"Models\", \"rules\": [\"a\", \"b\"]}]}",
"NAME         RULES  DESCRIPTION\n"
"pypi         7      Python packages\n"
"huggingface  2      Models\n");
	expect(CTL_VIEW_PROFILE,
	       "{\"name\": \"pypi\", \"description\": \"Python packages\","
	       " \"allow\": [\"pypi.org\", \"files.pythonhosted.org\"], \"deny\": [\"evil.pypi.org\"]}",
"pypi: Python packages\n"
"\n"
"ACTION  PATTERN\n"
"allow   pypi.org\n"
"allow   files.pythonhosted.org\n"
"deny    evil.pypi.org\n");
	free(render(CTL_VIEW_PROFILE, "{\"name\": \"x\"}", false, -EPROTO));
}

static void test_policy(void **state)
{
	const char *doc = "{\"mode\":\"deny\",\"allow\":[\"pypi.org\"],\"deny\":[],"
			  "\"profiles\":[\"github\"],\"resolvers\":[\"198.18.0.1\"]}";
	char *out = render(CTL_VIEW_POLICY, doc, false, 0);
	cJSON *back = cJSON_Parse(out), *orig = cJSON_Parse(doc);

	/* what people see is still the JSON egress-replay --policy reads */
	assert_non_null(back);
	assert_true(cJSON_Compare(back, orig, true));
	assert_contains(out, "\n");
	cJSON_Delete(back);
	cJSON_Delete(orig);
	free(out);
	out = render(CTL_VIEW_POLICY, doc, true, 0);
	assert_string_equal(out, "{\"mode\":\"deny\",\"allow\":[\"pypi.org\"],\"deny\":[],"
			    "\"profiles\":[\"github\"],\"resolvers\":[\"198.18.0.1\"]}\n");
	free(out);
	expect(CTL_VIEW_IMPORTED, "{\"rules\": 5, \"generation\": 31}",
	       "5 rules imported (policy generation 31)\n");
}

static void test_json(void **state)
{
	char *out = render(CTL_VIEW_STATUS, "{\"a\": [1, 2], \"b\": {\"c\": null}}", true, 0);

	assert_string_equal(out, "{\"a\":[1,2],\"b\":{\"c\":null}}\n");
	free(out);
	out = render(CTL_VIEW_NONE, NULL, true, 0);
	assert_string_equal(out, "{}\n");
	free(out);
	out = render(CTL_VIEW_NONE, "{}", false, 0);
	assert_string_equal(out, "");
	free(out);
}

#define EV1 "{\"time\": \"2026-02-19T23:41:54Z\", \"sandbox\": \"sb1\", \"verdict\": \"DENIED\"," \
	" \"would_deny\": true, \"mode\": \"deny\", \"host\": \"example2.com\", \"proto\": \"tls\"," \
	" \"src\": \"198.18.0.2:40112\", \"dst\": \"198.18.0.1:443\", \"rule\": \"default\"," \
	" \"reason\": \"not-allowlisted\", \"generation\": 3}"
#define EV2 "{\"time\": \"2026-02-19T16:42:01.250-07:00\", \"sandbox\": \"sb1\"," \
	" \"verdict\": \"ALLOWED\", \"would_deny\": false, \"mode\": \"warn\", \"host\": \"pypi.org\"}"

static void test_audit(void **state)
{
	char line[512];
	cJSON *ev;

	setenv("TZ", "MST7", 1);
	tzset();
	expect(CTL_VIEW_AUDIT, "{\"events\": [" EV1 ", " EV2 "]}",
"2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)\n"
"2026-02-19T16:42:01-07:00  ALLOWED  pypi.org  (mode: warn)\n");
	expect(CTL_VIEW_AUDIT, "{\"events\": []}", "");
	/* notices about the log in time order among the events; losses last */
	expect(CTL_VIEW_AUDIT, "{\"events\": [" EV1 ", " EV2 "], \"lost\": 7, \"notices\": ["
	       "{\"time\": \"2026-02-19T16:41:58.000-07:00\", \"notice\": \"torn tail of 12 bytes dropped\"}]}",
"2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)\n"
"2026-02-19T16:41:58-07:00  NOTICE   torn tail of 12 bytes dropped\n"
"2026-02-19T16:42:01-07:00  ALLOWED  pypi.org  (mode: warn)\n"
"7 events lost (the ring buffer was full)\n");
	expect(CTL_VIEW_AUDIT, "{\"events\": [], \"lost\": 0, \"notices\": []}", "");
	/* a time that cannot be read is shown as it came */
	ev = cJSON_Parse("{\"time\": \"yesterday\", \"verdict\": \"DENIED\", \"host\": \"x\", \"mode\": \"deny\"}");
	assert_string_equal(ctl_event_text(ev, line, sizeof(line)),
			    "yesterday  DENIED   x  (mode: deny)");
	cJSON_Delete(ev);
	free(render(CTL_VIEW_AUDIT, "{}", false, -EPROTO));
}

static char *stream(const char *line, bool json)
{
	cJSON *obj = cJSON_Parse(line);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(obj);
	assert_int_equal(ctl_render_stream(obj, json, f), 0);
	fclose(f);
	cJSON_Delete(obj);
	return buf;
}

static void test_stream(void **state)
{
	char *out;

	setenv("TZ", "MST7", 1);
	tzset();
	out = stream("{\"event\": " EV1 "}", false);
	assert_string_equal(out, "2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)\n");
	free(out);
	out = stream("{\"lost\": 12}", false);
	assert_string_equal(out, "12 events lost\n");
	free(out);
	out = stream("{\"lost\": 12}", true);
	assert_string_equal(out, "{\"lost\":12}\n");
	free(out);
	out = stream("{\"event\": {\"verdict\": \"DENIED\"}}", true);
	assert_string_equal(out, "{\"event\":{\"verdict\":\"DENIED\"}}\n");
	free(out);
	out = stream("{\"keepalive\": true}", false);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sandboxes),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
