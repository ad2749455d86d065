// SPDX-License-Identifier: GPL-2.0-only
/* cli/args.c: every command's argument parsing and the request it builds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "args.h"
#include "timefmt.h"

/* 2026-02-19T23:41:54Z */
#define NOW ((time_t)1771544514)

struct run {
	struct ctl_invocation inv;
	char err[512];
	int ret;
	char *json;
	char *words[64];
	int n;
};

/* Splits line on single spaces (| stands for an empty argument). */
static struct run *run(const char *line)
{
	struct run *r = calloc(1, sizeof(*r));
	char *copy = strdup(line), *save, *w;

	assert_non_null(r);
	r->words[r->n++] = strdup("egressctl");
	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		r->words[r->n++] = strdup(strcmp(w, "|") ? w : "");
	free(copy);
	r->ret = ctl_args_parse(r->n, r->words, NOW, &r->inv, r->err, sizeof(r->err));
	if (!r->ret && r->inv.request)
		r->json = cJSON_PrintUnformatted(r->inv.request);
	return r;
}

static void done(struct run *r)
{
	ctl_invocation_free(&r->inv);
	free(r->json);
	for (int i = 0; i < r->n; i++)
		free(r->words[i]);
	free(r);
}

/* line parses into exactly the request want. */
static void good(const char *line, const char *want)
{
	struct run *r = run(line);

	if (r->ret)
		fail_msg("'%s': %d %s", line, r->ret, r->err);
	assert_int_equal(r->inv.action, CTL_RUN);
	if (!r->json || strcmp(r->json, want))
		fail_msg("'%s':\n got  %s\n want %s", line, r->json, want);
	done(r);
}

/* line is refused with a message containing want, and no request. */
static void bad(const char *line, const char *want)
{
	struct run *r = run(line);

	if (r->ret != -EINVAL)
		fail_msg("'%s' returned %d (request %s), expected -EINVAL", line,
			 r->ret, r->json ? r->json : "none");
	assert_null(r->inv.request);
	assert_contains(r->err, want);
	assert_null(strchr(r->err, '\n'));
	done(r);
}

static void test_status(void **state)
{
	struct run *r;

	good("status", "{\"v\":1,\"cmd\":\"status\"}");
	r = run("-j status");
	assert_int_equal(r->ret, 0);
	assert_true(r->inv.json);
	assert_string_equal(r->inv.socket, "/run/egressd/egressd.sock");
	assert_int_equal(r->inv.view, CTL_VIEW_STATUS);
	done(r);
	r = run("status --json --socket /tmp/x.sock");
	assert_int_equal(r->ret, 0);
	assert_true(r->inv.json);
	assert_string_equal(r->inv.socket, "/tmp/x.sock");
	done(r);
	r = run("--socket=/tmp/y.sock status");
	assert_int_equal(r->ret, 0);
	assert_false(r->inv.json);
	assert_string_equal(r->inv.socket, "/tmp/y.sock");
	done(r);
	bad("status now", "status: unexpected argument 'now'");
	bad("status --sandbox sb1", "status: unknown option '--sandbox'");
	bad("--socket", "--socket needs a value");
	bad("--socket | status", "--socket needs a value");
	bad("--json=yes status", "--json takes no value");
	bad("--socket a --socket b status", "--socket given twice");
	bad("-x status", "unknown option '-x'");
}

static void test_no_command(void **state)
{
	bad("", "no command given");
	bad("-j", "no command given");
	bad("frobnicate", "'frobnicate' is not a command");
	bad("sandbox", "sandbox: expected add, del or list");
	bad("sandbox frob", "sandbox: 'frob' is not a subcommand (add, del or list)");
	bad("profile", "profile: expected list or show");
	bad("policy", "policy: expected export or import");
}

static void test_sandbox_add(void **state)
{
	struct run *r;

	good("sandbox add sb1 --iface tap-sb1",
	     "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"tap-sb1\"}}");
	good("sandbox add sb-1.a_B --iface=veth0 --ip 198.18.0.2 --ip FD00::0002 "
	     "--mac 02:AA:00:00:00:01 --mode enforce --profile pypi -p github",
	     "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb-1.a_B\","
	     "\"iface\":\"veth0\",\"ips\":[\"198.18.0.2\",\"fd00::2\"],"
	     "\"mac\":\"02:aa:00:00:00:01\",\"mode\":\"deny\","
	     "\"profiles\":[\"pypi\",\"github\"]}}");
	good("sandbox add sb1 --iface tap-sb1 --resolver 198.18.0.1 --resolver FD00::1",
	     "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"tap-sb1\","
	     "\"resolvers\":[\"198.18.0.1\",\"fd00::1\"]}}");
	good("sandbox add sb1 --iface tap-sb1 --attach skb",
	     "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"tap-sb1\","
	     "\"xdp_mode\":\"skb\"}}");
	/* options before the name */
	good("sandbox add --mode warn -i tap0 sb2",
	     "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb2\",\"iface\":\"tap0\",\"mode\":\"warn\"}}");
	r = run("sandbox add sb1 --iface tap0");
	assert_int_equal(r->inv.view, CTL_VIEW_SANDBOX);
	assert_string_equal(r->inv.scope, "sb1");
	done(r);

	bad("sandbox add", "sandbox add: NAME is missing");
	bad("sandbox add sb1", "sandbox add: --iface IFACE is required");
	bad("sandbox add sb1 sb2 --iface tap0", "unexpected argument 'sb2'");
	bad("sandbox add .sb --iface tap0", "'.sb' is not a valid sandbox name");
	bad("sandbox add sb/1 --iface tap0", "'sb/1' is not a valid sandbox name");
	bad("sandbox add aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --iface tap0",
	    "is not a valid sandbox name");
	bad("sandbox add sb1 --iface a/b", "'a/b' is not a valid interface name");
	bad("sandbox add sb1 --iface 0123456789abcdef", "is not a valid interface name");
	bad("sandbox add sb1 --iface ..", "is not a valid interface name");
	bad("sandbox add sb1 --iface", "--iface needs a value");
	bad("sandbox add sb1 --iface tap0 --attach xdp", "--attach 'xdp': must be auto, tc, skb or native");
	bad("sandbox add sb1 --iface tap0 --iface tap1", "--iface given twice");
	bad("sandbox add sb1 --iface tap0 --ip 300.1.1.1", "'300.1.1.1' is not a valid IPv4 address");
	bad("sandbox add sb1 --iface tap0 --resolver ns.example", "is not");
	bad("sandbox add sb1 --iface tap0 --ip 198.18.0.0/15", "is not a valid IPv4 address");
	bad("sandbox add sb1 --iface tap0 --ip fd00::zz", "is not a valid IPv6 address");
	bad("sandbox add sb1 --iface tap0 --mac 01:00:5e:00:00:01", "multicast");
	bad("sandbox add sb1 --iface tap0 --mac 00:00:00:00:00:00", "not a usable MAC");
	bad("sandbox add sb1 --iface tap0 --mac 02:00:00:00:00", "is not a MAC address");
	bad("sandbox add sb1 --iface tap0 --mac 02:00:00:00:00:0g", "is not a MAC address");
	bad("sandbox add sb1 --iface tap0 --mac 2:0:0:0:0:1", "is not a MAC address");
	bad("sandbox add sb1 --iface tap0 --mode strict", "'strict' is not a mode (allow-all, warn, deny, enforce, deny-all)");
	bad("sandbox add sb1 --iface tap0 --profile ../etc", "'../etc' is not a valid profile name");
	bad("sandbox add sb1 --iface tap0 --sandbox x", "sandbox add: unknown option '--sandbox'");
}

static void test_sandbox_del_list(void **state)
{
	struct run *r;

	good("sandbox del sb1", "{\"v\":1,\"cmd\":\"sandbox.del\",\"args\":{\"name\":\"sb1\"}}");
	good("sandbox list", "{\"v\":1,\"cmd\":\"sandbox.list\"}");
	r = run("sandbox del sb1");
	assert_int_equal(r->inv.view, CTL_VIEW_NONE);
	done(r);
	bad("sandbox del", "sandbox del: NAME is missing");
	bad("sandbox del -sb", "sandbox del: unknown option '-s'");
	bad("sandbox del -- -sb", "'-sb' is not a valid sandbox name");
	bad("sandbox del sb1 sb2", "unexpected argument 'sb2'");
	bad("sandbox list sb1", "sandbox list: unexpected argument 'sb1'");
}

static void test_allow_deny(void **state)
{
	struct run *r;

	good("allow Api.GitHub.com. *.Example.com * 198.18.0.0/15 FD00::1",
	     "{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":"
	     "[\"api.github.com\",\"*.example.com\",\"*\",\"198.18.0.0/15\",\"fd00::1\"]}}");
	good("allow pypi.org --sandbox sb1 --profile github",
	     "{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"rules\":[\"pypi.org\"],"
	     "\"profiles\":[\"github\"],\"sandbox\":\"sb1\"}}");
	good("allow --profile pypi --profile=node",
	     "{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"allow\",\"profiles\":[\"pypi\",\"node\"]}}");
	good("deny evil.example -s sb1",
	     "{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"deny\",\"rules\":[\"evil.example\"],"
	     "\"sandbox\":\"sb1\"}}");
	r = run("allow x.org --sandbox sb1");
	assert_int_equal(r->inv.view, CTL_VIEW_RULES_ADDED);
	assert_string_equal(r->inv.scope, "sb1");
	done(r);
	r = run("allow x.org");
	assert_null(r->inv.scope);
	done(r);

	bad("allow", "allow: no rule given (RULE... or --profile P)");
	bad("allow --sandbox sb1", "allow: no rule given");
	bad("allow foo..com", "foo..com");
	bad("allow 198.18.0.1/15", "198.18.0.1/15");
	bad("allow *.", "*.");
	bad("allow ok.com bad_name!", "bad_name!");
	bad("allow x.com --sandbox", "--sandbox needs a value");
	bad("allow x.com --sandbox .hidden", "'.hidden' is not a valid sandbox name");
	bad("allow x.com --sandbox a --sandbox b", "--sandbox given twice");
	bad("allow x.com --profile a:b", "'a:b' is not a valid profile name");
	bad("deny", "deny: RULE is missing");
	bad("deny x.com --profile pypi", "deny: unknown option '--profile'");
	bad("deny 10.0.0.0/33", "10.0.0.0/33");
}

static void test_remove(void **state)
{
	good("remove 17 *.Example.com profile:pypi 198.18.0.0/15 --sandbox sb1",
	     "{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[17,\"*.example.com\","
	     "\"profile:pypi\",\"198.18.0.0/15\"],\"sandbox\":\"sb1\"}}");
	good("remove 4294967295", "{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[4294967295]}}");
	bad("remove", "remove: ID or RULE is missing");
	bad("remove 0", "'0' is not a rule id");
	bad("remove 4294967296", "'4294967296' is not a rule id");
	bad("remove 00000000000000000001", "is not a rule id");
	bad("remove profile:", "'' is not a valid profile name");
	bad("remove profile:-x", "'-x' is not a valid profile name");
	bad("remove 12abc!", "12abc!");
}

static void test_list(void **state)
{
	good("list", "{\"v\":1,\"cmd\":\"rule.list\"}");
	good("list --sandbox sb1", "{\"v\":1,\"cmd\":\"rule.list\",\"args\":{\"sandbox\":\"sb1\"}}");
	bad("list sb1", "list: unexpected argument 'sb1'");
	bad("list --sandbox", "--sandbox needs a value");
}

static void test_mode(void **state)
{
	struct run *r;

	good("mode", "{\"v\":1,\"cmd\":\"mode.get\"}");
	good("mode --sandbox sb1", "{\"v\":1,\"cmd\":\"mode.get\",\"args\":{\"sandbox\":\"sb1\"}}");
	good("mode --sandbox sb1 enforce",
	     "{\"v\":1,\"cmd\":\"mode.set\",\"args\":{\"sandbox\":\"sb1\",\"mode\":\"deny\"}}");
	good("mode allow-all", "{\"v\":1,\"cmd\":\"mode.set\",\"args\":{\"mode\":\"allow-all\"}}");
	good("mode deny-all -s x", "{\"v\":1,\"cmd\":\"mode.set\",\"args\":{\"sandbox\":\"x\",\"mode\":\"deny-all\"}}");
	r = run("mode");
	assert_int_equal(r->inv.view, CTL_VIEW_MODE);
	done(r);
	r = run("mode warn");
	assert_int_equal(r->inv.view, CTL_VIEW_MODE_SET);
	done(r);
	bad("mode --sandbox sb1 turbo", "'turbo' is not a mode");
	bad("mode warn deny", "mode: unexpected argument 'deny'");
	bad("mode DENY", "'DENY' is not a mode");
}

static void test_audit(void **state)
{
	struct run *r;

	good("audit sb1", "{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"sb1\"}}");
	good("audit sb1 --since 10m --verdict DENIED",
	     "{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"sb1\","
	     "\"since\":\"2026-02-19T23:31:54Z\",\"verdict\":\"denied\"}}");
	good("audit sb1 --since 2026-02-19T16:41:54-07:00",
	     "{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"sb1\",\"since\":\"2026-02-19T23:41:54Z\"}}");
	good("audit sb1 --since=1d --verdict allowed",
	     "{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"sb1\","
	     "\"since\":\"2026-02-18T23:41:54Z\",\"verdict\":\"allowed\"}}");
	good("audit -f sb1", "{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"sb1\",\"follow\":true}}");
	r = run("audit sb1 -jf");
	assert_int_equal(r->ret, 0);
	assert_true(r->inv.json);
	assert_true(r->inv.follow);
	assert_int_equal(r->inv.view, CTL_VIEW_AUDIT);
	done(r);
	r = run("audit sb1 --follow");
	assert_true(r->inv.follow);
	done(r);
	r = run("audit sb1");
	assert_false(r->inv.follow);
	done(r);

	bad("audit", "audit: NAME is missing");
	bad("audit --follow", "audit: NAME is missing");
	bad("audit sb1 --since yesterday", "--since: 'yesterday' is neither an RFC 3339 time");
	bad("audit sb1 --since 10y", "--since: '10y'");
	bad("audit sb1 --since -10m", "--since: '-10m' is neither");
	bad("audit sb1 --since 2026-02-30T00:00:00Z", "--since");
	bad("audit sb1 --since 2026-02-19T16:41:54", "--since");
	bad("audit sb1 --verdict maybe", "--verdict: 'maybe' is not allowed or denied");
}

static void test_explain(void **state)
{
	good("explain sb1 PyPI.org 443",
	     "{\"v\":1,\"cmd\":\"explain\",\"args\":{\"sandbox\":\"sb1\",\"target\":\"pypi.org\",\"port\":443}}");
	good("explain sb1 198.18.0.1",
	     "{\"v\":1,\"cmd\":\"explain\",\"args\":{\"sandbox\":\"sb1\",\"target\":\"198.18.0.1\"}}");
	good("explain sb1 fd00::53 53",
	     "{\"v\":1,\"cmd\":\"explain\",\"args\":{\"sandbox\":\"sb1\",\"target\":\"fd00::53\",\"port\":53}}");
	bad("explain", "explain: NAME is missing");
	bad("explain sb1", "explain: HOST or ADDR is missing");
	bad("explain sb1 *.example.com", "'*.example.com' is not a host name or an address");
	bad("explain sb1 *", "is not a host name or an address");
	bad("explain sb1 198.18.0.0/15", "is not a host name or an address");
	bad("explain sb1 bad..name", "is not a host name or an address");
	bad("explain sb1 x.org 0", "'0' is not a port (1-65535)");
	bad("explain sb1 x.org 65536", "'65536' is not a port");
	bad("explain sb1 x.org https", "'https' is not a port");
	bad("explain sb1 x.org 443 tcp", "explain: unexpected argument 'tcp'");
}

static void test_profile(void **state)
{
	struct run *r;

	good("profile list", "{\"v\":1,\"cmd\":\"profile.list\"}");
	good("profile show pypi", "{\"v\":1,\"cmd\":\"profile.show\",\"args\":{\"name\":\"pypi\"}}");
	r = run("profile show pypi");
	assert_int_equal(r->inv.view, CTL_VIEW_PROFILE);
	done(r);
	bad("profile show", "profile show: NAME is missing");
	bad("profile show ../../etc/passwd", "is not a valid profile name");
	bad("profile list x", "unexpected argument 'x'");
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/egressctl-test-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_policy(void **state)
{
	char line[256], want[512];
	char *good_path = write_temp("{\"mode\": \"deny\", \"allow\": [\"pypi.org\"],"
				     " \"profiles\": [\"github\"]}\n");
	char *bad_path = write_temp("{\"mode\": \"deny\", \"allow\": [\"pypi..org\"]}");
	char *typo_path = write_temp("{\"alow\": [\"pypi.org\"]}");
	char *junk_path = write_temp("{\"mode\": ");

	good("policy export", "{\"v\":1,\"cmd\":\"policy.export\"}");
	good("policy export sb1", "{\"v\":1,\"cmd\":\"policy.export\",\"args\":{\"sandbox\":\"sb1\"}}");
	snprintf(line, sizeof(line), "policy import %s sb1", good_path);
	good(line, "{\"v\":1,\"cmd\":\"policy.import\",\"args\":{\"sandbox\":\"sb1\",\"policy\":"
	     "{\"mode\":\"deny\",\"allow\":[\"pypi.org\"],\"profiles\":[\"github\"]}}}");
	snprintf(line, sizeof(line), "policy import %s", good_path);
	snprintf(want, sizeof(want), "{\"v\":1,\"cmd\":\"policy.import\",\"args\":{\"policy\":"
		 "{\"mode\":\"deny\",\"allow\":[\"pypi.org\"],\"profiles\":[\"github\"]}}}");
	good(line, want);

	bad("policy export sb1 sb2", "unexpected argument 'sb2'");
	bad("policy export -x", "unknown option '-x'");
	bad("policy import", "policy import: FILE is missing");
	bad("policy import /nonexistent/policy.json", "/nonexistent/policy.json: No such file");
	snprintf(line, sizeof(line), "policy import %s", bad_path);
	bad(line, bad_path);
	bad(line, "pypi..org");
	snprintf(line, sizeof(line), "policy import %s", typo_path);
	bad(line, "alow");
	snprintf(line, sizeof(line), "policy import %s", junk_path);
	bad(line, junk_path);
	snprintf(line, sizeof(line), "policy import %s .x", good_path);
	bad(line, "'.x' is not a valid sandbox name");
	unlink(good_path);
	unlink(bad_path);
	unlink(typo_path);
	unlink(junk_path);
	free(good_path);
	free(bad_path);
	free(typo_path);
	free(junk_path);
}

static void test_help_version(void **state)
{
	struct run *r;

	r = run("--help");
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->inv.action, CTL_HELP);
	assert_null(r->inv.help_topic);
	assert_null(r->inv.request);
	done(r);
	r = run("help");
	assert_int_equal(r->inv.action, CTL_HELP);
	assert_null(r->inv.help_topic);
	done(r);
	r = run("help allow");
	assert_int_equal(r->inv.action, CTL_HELP);
	assert_contains(r->inv.help_topic, "allow RULE...");
	done(r);
	r = run("help sandbox add");
	assert_contains(r->inv.help_topic, "sandbox add NAME --iface IFACE");
	done(r);
	r = run("help sandbox");
	assert_string_equal(r->inv.help_topic, "sandbox");
	done(r);
	/* --help wins over bad input that follows the command */
	r = run("deny --help");
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->inv.action, CTL_HELP);
	assert_contains(r->inv.help_topic, "deny RULE...");
	done(r);
	r = run("-h");
	assert_int_equal(r->inv.action, CTL_HELP);
	done(r);
	r = run("--version");
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->inv.action, CTL_VERSION);
	assert_null(r->inv.request);
	done(r);
	r = run("-V status");
	assert_int_equal(r->inv.action, CTL_VERSION);
	done(r);
}

static void test_usage_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ctl_usage(f, NULL);
	fclose(f);
	/* every command of DESIGN section 7 */
	static const char *const cmds[] = {
		"  status\n", "  sandbox add NAME --iface IFACE [--ip ADDR]... [--resolver ADDR]... [--mac MAC] "
		"[--mode MODE] [--profile P]... [--attach MODE]\n", "  sandbox del NAME\n", "  sandbox list\n",
		"  allow RULE... [--sandbox NAME] [--profile P]...\n",
		"  deny RULE... [--sandbox NAME]\n", "  remove ID|RULE",
		"  list [--sandbox NAME]\n", "  mode [--sandbox NAME] [allow-all|warn|deny|enforce|deny-all]\n",
		"  audit NAME [-f|--follow] [--since TIME] [--verdict allowed|denied]\n",
		"  explain NAME HOST|ADDR [PORT]\n", "  profile list\n", "  profile show NAME\n",
		"  policy export [NAME]\n", "  policy import FILE [NAME]\n", "--socket PATH",
		"--json", "--version",
	};
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		assert_contains(buf, cmds[i]);
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	ctl_usage(f, "sandbox");
	fclose(f);
	assert_contains(buf, "sandbox add NAME");
	assert_contains(buf, "sandbox del NAME");
	assert_contains(buf, "sandbox list");
	assert_null(strstr(buf, "allow RULE"));
	free(buf);
}

static void test_since(void **state)
{
	time_t t;

	assert_int_equal(ctl_time_parse_since("2026-02-19T23:41:54Z", NOW, &t), 0);
	assert_int_equal(t, NOW);
	assert_int_equal(ctl_time_parse_since("2026-02-19t23:41:54.123456z", NOW, &t), 0);
	assert_int_equal(t, NOW);
	assert_int_equal(ctl_time_parse_since("2026-02-20T05:11:54+05:30", NOW, &t), 0);
	assert_int_equal(t, NOW);
	assert_int_equal(ctl_time_parse_since("2026-02-19 16:41:54-07:00", NOW, &t), 0);
	assert_int_equal(t, NOW);
	assert_int_equal(ctl_time_parse_since("2024-02-29T00:00:00Z", NOW, &t), 0);
	assert_int_equal(ctl_time_parse_since("90s", NOW, &t), 0);
	assert_int_equal(t, NOW - 90);
	assert_int_equal(ctl_time_parse_since("2h", NOW, &t), 0);
	assert_int_equal(t, NOW - 7200);
	assert_int_equal(ctl_time_parse_since("1w", NOW, &t), 0);
	assert_int_equal(t, NOW - 7 * 86400);
	assert_int_equal(ctl_time_parse_since("0m", NOW, &t), 0);
	assert_int_equal(t, NOW);
	static const char *const refused[] = {
		"", "m", "10", "10mm", "1.5h", "-1h", "+1h", " 1h", "99999999999999999999d",
		"2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-19T24:00:00Z",
		"2026-02-19T23:41:54", "2026-02-19T23:41:54+0700", "2026-02-19T23:41:54Zjunk",
		"2026-02-19", "2026-02-19T23:41:54.Z", "26-02-19T23:41:54Z",
	};
	for (size_t i = 0; i < ARRAY_LEN(refused); i++)
		if (ctl_time_parse_since(refused[i], NOW, &t) != -EINVAL)
			fail_msg("'%s' was accepted", refused[i]);
}

static void test_time_out(void **state)
{
	char buf[64];

	assert_string_equal(ctl_time_utc(NOW, buf, sizeof(buf)), "2026-02-19T23:41:54Z");
	setenv("TZ", "MST7", 1);
	tzset();
	assert_string_equal(ctl_time_local(NOW, buf, sizeof(buf)), "2026-02-19T16:41:54-07:00");
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_string_equal(ctl_time_local(NOW, buf, sizeof(buf)), "2026-02-19T23:41:54+00:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_no_command),
		cmocka_unit_test(test_sandbox_add),
		cmocka_unit_test(test_sandbox_del_list),
		cmocka_unit_test(test_allow_deny),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_usage_text),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_time_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
