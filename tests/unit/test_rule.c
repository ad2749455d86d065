// SPDX-License-Identifier: GPL-2.0-only
/* lib/rule.h: parsing rules, addresses and prefixes; printing them back. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "rule.h"

static const char *kind_str(int kind)
{
	switch (kind) {
	case EGRESS_RULE_NAME: return "name";
	case EGRESS_RULE_WILDCARD: return "wildcard";
	case EGRESS_RULE_ANY_NAME: return "any-name";
	case EGRESS_RULE_IP: return "ip";
	default: return "?";
	}
}

/* Repeats c n times into buf (NUL terminated) and returns buf. */
static char *rep(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* A name of exactly len bytes: labels of 63 'a's (or fewer) joined by dots. */
static char *name_of_len(char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t label = len - i > 63 ? 63 : len - i;

		/* never end on a dot or leave a label empty */
		if (len - i > 63 && len - i - 63 == 1)
			label = 61;
		memset(buf + i, 'a', label);
		i += label;
		if (i < len)
			buf[i++] = '.';
	}
	buf[len] = '\0';
	return buf;
}

/* ---- success: the exact canonical pattern ------------------------------ */

struct ok_case {
	const char *in;
	int kind;
	const char *pattern;
	/* EGRESS_RULE_IP only */
	unsigned int prefixlen;
	const char *addr6;	/* the 16 bytes, as IPv6 text */
};

static const struct ok_case ok_cases[] = {
	/* exact names */
	{ "api.github.com", EGRESS_RULE_NAME, "api.github.com" },
	{ "localhost", EGRESS_RULE_NAME, "localhost" },
	{ "API.GitHub.COM", EGRESS_RULE_NAME, "api.github.com" },
	{ "example.com.", EGRESS_RULE_NAME, "example.com" },
	{ "EXAMPLE.COM.", EGRESS_RULE_NAME, "example.com" },
	{ "xn--bcher-kva.example", EGRESS_RULE_NAME, "xn--bcher-kva.example" },
	{ "_dmarc.under_score-dash.org", EGRESS_RULE_NAME, "_dmarc.under_score-dash.org" },
	{ "a.b.c.d.e.f", EGRESS_RULE_NAME, "a.b.c.d.e.f" },
	{ "123.example", EGRESS_RULE_NAME, "123.example" },
	{ "example.123", EGRESS_RULE_NAME, "example.123" },
	/* wildcards */
	{ "*.example.com", EGRESS_RULE_WILDCARD, "*.example.com" },
	{ "*.Example.COM.", EGRESS_RULE_WILDCARD, "*.example.com" },
	{ "*.com", EGRESS_RULE_WILDCARD, "*.com" },
	{ "*.pythonhosted.org", EGRESS_RULE_WILDCARD, "*.pythonhosted.org" },
	/* every name */
	{ "*", EGRESS_RULE_ANY_NAME, "*" },
	/* IPv4 addresses and CIDRs, stored IPv4-mapped (prefix + 96) */
	{ "198.18.0.1", EGRESS_RULE_IP, "198.18.0.1", 128, "::ffff:198.18.0.1" },
	{ "198.18.0.1/32", EGRESS_RULE_IP, "198.18.0.1", 128, "::ffff:198.18.0.1" },
	{ "198.18.0.0/15", EGRESS_RULE_IP, "198.18.0.0/15", 111, "::ffff:198.18.0.0" },
	{ "10.0.0.0/8", EGRESS_RULE_IP, "10.0.0.0/8", 104, "::ffff:10.0.0.0" },
	{ "169.254.0.0/16", EGRESS_RULE_IP, "169.254.0.0/16", 112, "::ffff:169.254.0.0" },
	{ "0.0.0.0/0", EGRESS_RULE_IP, "0.0.0.0/0", 96, "::ffff:0.0.0.0" },
	{ "0.0.0.0", EGRESS_RULE_IP, "0.0.0.0", 128, "::ffff:0.0.0.0" },
	{ "255.255.255.255", EGRESS_RULE_IP, "255.255.255.255", 128, "::ffff:255.255.255.255" },
	{ "198.18.0.128/25", EGRESS_RULE_IP, "198.18.0.128/25", 121, "::ffff:198.18.0.128" },
	/* IPv6 */
	{ "fd00::1", EGRESS_RULE_IP, "fd00::1", 128, "fd00::1" },
	{ "FD00::1", EGRESS_RULE_IP, "fd00::1", 128, "fd00::1" },
	{ "fd00:0:0:0:0:0:0:1", EGRESS_RULE_IP, "fd00::1", 128, "fd00::1" },
	{ "fd00::1/128", EGRESS_RULE_IP, "fd00::1", 128, "fd00::1" },
	{ "fd00::/8", EGRESS_RULE_IP, "fd00::/8", 8, "fd00::" },
	{ "fd00:ec2::254", EGRESS_RULE_IP, "fd00:ec2::254", 128, "fd00:ec2::254" },
	{ "2001:db8::/32", EGRESS_RULE_IP, "2001:db8::/32", 32, "2001:db8::" },
	{ "::/0", EGRESS_RULE_IP, "::/0", 0, "::" },
	{ "::", EGRESS_RULE_IP, "::", 128, "::" },
	{ "::1", EGRESS_RULE_IP, "::1", 128, "::1" },
	/* IPv4-mapped IPv6 is the same rule as the IPv4 one */
	{ "::ffff:198.18.0.1", EGRESS_RULE_IP, "198.18.0.1", 128, "::ffff:198.18.0.1" },
	{ "::FFFF:c612:1", EGRESS_RULE_IP, "198.18.0.1", 128, "::ffff:198.18.0.1" },
	{ "::ffff:198.18.0.0/111", EGRESS_RULE_IP, "198.18.0.0/15", 111, "::ffff:198.18.0.0" },
	{ "::ffff:0.0.0.0/96", EGRESS_RULE_IP, "0.0.0.0/0", 96, "::ffff:0.0.0.0" },
};

static void check_ok(const char *in, __u8 action, const struct ok_case *c)
{
	struct egress_rule r;
	char err[256] = "";
	int ret;

	memset(&r, 0xa5, sizeof(r));
	ret = egress_rule_parse(in, action, &r, err, sizeof(err));
	if (ret != 0)
		fail_msg("'%s': expected success, got %d (%s)", in, ret, err);
	if (r.kind != c->kind)
		fail_msg("'%s': kind %s, expected %s", in, kind_str(r.kind),
			 kind_str(c->kind));
	if (strcmp(r.pattern, c->pattern))
		fail_msg("'%s': pattern '%s', expected '%s'", in, r.pattern, c->pattern);
	assert_int_equal(r.action, action);
	assert_int_equal(r.id, 0);
	if (c->kind == EGRESS_RULE_IP) {
		__u8 want[16];

		assert_int_equal(inet_pton(AF_INET6, c->addr6, want), 1);
		if (r.prefix.prefixlen != c->prefixlen)
			fail_msg("'%s': prefixlen %u, expected %u", in,
				 r.prefix.prefixlen, c->prefixlen);
		assert_memory_equal(r.prefix.addr, want, 16);
	} else {
		/* no stray prefix on a name rule */
		static const struct egress_lpm_key zero;

		assert_memory_equal(&r.prefix, &zero, sizeof(zero));
	}
}

static void test_rule_parse_ok(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(ok_cases); i++) {
		check_ok(ok_cases[i].in, EGRESS_ACT_ALLOW, &ok_cases[i]);
		check_ok(ok_cases[i].in, EGRESS_ACT_DENY, &ok_cases[i]);
	}
}

/* The canonical pattern parses to itself. */
static void test_rule_pattern_is_fixed_point(void **state)
{
	for (size_t i = 0; i < ARRAY_LEN(ok_cases); i++) {
		struct ok_case again = ok_cases[i];

		again.in = ok_cases[i].pattern;
		check_ok(again.in, EGRESS_ACT_ALLOW, &again);
	}
}

static void test_rule_name_lengths(void **state)
{
	char in[600], want[300];
	struct ok_case c = { .kind = EGRESS_RULE_NAME };

	/* a 63-byte label is fine */
	snprintf(in, sizeof(in), "%s.example", rep(want, 'x', 63));
	c.pattern = in;
	check_ok(in, EGRESS_ACT_ALLOW, &c);

	/* 253 bytes is the longest name */
	name_of_len(want, 253);
	assert_int_equal(strlen(want), 253);
	c.pattern = want;
	check_ok(want, EGRESS_ACT_ALLOW, &c);

	/* ... also with its trailing dot (254 bytes of input) */
	snprintf(in, sizeof(in), "%s.", want);
	check_ok(in, EGRESS_ACT_ALLOW, &c);

	/* upper case at full length */
	for (size_t i = 0; i < 253; i++)
		in[i] = want[i] == 'a' ? 'A' : want[i];
	in[253] = '\0';
	check_ok(in, EGRESS_ACT_DENY, &c);

	/* a wildcard over a long name */
	name_of_len(want, 200);
	snprintf(in, sizeof(in), "*.%s", want);
	c.kind = EGRESS_RULE_WILDCARD;
	c.pattern = in;
	check_ok(in, EGRESS_ACT_ALLOW, &c);
}

/* ---- failure: -EINVAL and a message that names the input --------------- */

struct bad_case {
	const char *in;
	const char *msg;	/* the message contains this */
	const char *named;	/* ... and names this (default: all of in) */
};

static const struct bad_case bad_cases[] = {
	/* prefix lengths */
	{ "10.0.0.0/33", "'10.0.0.0/33': the prefix length must be 0-32" },
	{ "10.0.0.0/99999999999999999999", "the prefix length must be 0-32" },
	{ "10.0.0.0/", "'10.0.0.0/': the prefix length must be a number" },
	{ "10.0.0.0/-1", "'10.0.0.0/-1': the prefix length must be a number" },
	{ "10.0.0.0/+8", "'10.0.0.0/+8': the prefix length must be a number" },
	{ "10.0.0.0/ 8", "the prefix length must be a number" },
	{ "10.0.0.0/08", "'10.0.0.0/08': the prefix length" },
	{ "10.0.0.0/8/8", "'10.0.0.0/8/8': the prefix length" },
	{ "10.0.0.0/8.0", "'10.0.0.0/8.0': the prefix length" },
	{ "fd00::/129", "'fd00::/129': the prefix length must be 0-128" },
	{ "::1/1x", "'::1/1x': the prefix length must be 0-128" },
	{ "fd00::/", "'fd00::/': the prefix length must be a number" },
	{ "fd00::/00", "'fd00::/00': the prefix length" },
	/* host bits set: the message suggests the network */
	{ "10.0.0.1/8", "'10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)" },
	{ "198.18.0.1/15", "'198.18.0.1/15' has host bits set (did you mean 198.18.0.0/15?)" },
	{ "10.0.0.1/0", "'10.0.0.1/0' has host bits set (did you mean 0.0.0.0/0?)" },
	{ "fd00::1/8", "'fd00::1/8' has host bits set (did you mean fd00::/8?)" },
	{ "fd00::1/127", "'fd00::1/127' has host bits set (did you mean fd00::/127?)" },
	{ "::ffff:10.0.0.1/104", "'::ffff:10.0.0.1/104' has host bits set (did you mean 10.0.0.0/8?)" },
	/* IPv4 addresses */
	{ "256.1.1.1", "'256.1.1.1' is not a valid IPv4 address" },
	{ "1.2.3", "'1.2.3' is not a valid IPv4 address" },
	{ "01.2.3.4", "'01.2.3.4' is not a valid IPv4 address" },
	{ "1.2.3.4.5", "'1.2.3.4.5' is not a valid IPv4 address" },
	{ "1.2.3.4.", "'1.2.3.4.' is not a valid IPv4 address" },
	{ "1..2.3", "'1..2.3' is not a valid IPv4 address" },
	{ "12345", "'12345' is not a valid IPv4 address" },
	{ "10.0.0.256/8", "is not a valid", "'10.0.0.256" },
	{ "/8", "'/8'" },		/* not "'' is not a valid IPv4 address" */
	/* IPv6 addresses */
	{ "fd00:::1", "'fd00:::1' is not a valid IPv6 address" },
	{ "fd00::1::2", "'fd00::1::2' is not a valid IPv6 address" },
	{ "fd00::g", "'fd00::g' is not a valid IPv6 address" },
	{ "fe80::1%eth0", "'fe80::1%eth0' is not a valid IPv6 address" },
	{ "[fd00::1]", "'[fd00::1]'" },
	{ "example.com:443", "'example.com:443'" },
	{ "fd00:::1/64", "is not a valid", "'fd00:::1" },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb/64",
	  "'1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb/64' is not a valid address or CIDR" },
	/* names */
	{ "exa mple.com", "'exa mple.com' is not a valid host name" },
	{ "ex!.com", "'ex!.com' is not a valid host name" },
	{ "ex/ample.com", "'ex/ample.com' is not a valid host name" },
	{ "ex\tample.com", "is not a valid host name" },
	{ "b\xc3\xbc" "cher.example", "is not a valid host name" },
	{ "a..b", "'a..b' is not a valid host name" },
	{ ".example.com", "'.example.com' is not a valid host name" },
	{ "example.com..", "'example.com..' is not a valid host name" },
	{ ".", "'.' is not a valid" },
	{ "..", "'..' is not a valid" },
	/* '*' anywhere but alone or as the first label */
	{ "a.*.com", "'a.*.com': '*' may only stand alone or as the first label" },
	{ "**.com", "'**.com': '*' may only stand alone or as the first label" },
	{ "*example.com", "'*example.com': '*' may only stand alone" },
	{ "example.*", "'example.*': '*' may only stand alone" },
	{ "**", "'**': '*' may only stand alone" },
	{ "*.", "'*.' is not a valid wildcard" },
	{ "*..", "'*..' is not a valid wildcard" },
	{ "*.*.com", "'*.*.com' is not a valid wildcard" },
	{ "*..com", "'*..com' is not a valid wildcard" },
	{ "*.ex ample.com", "'*.ex ample.com' is not a valid wildcard" },
	/* empty */
	{ "", "empty rule" },
};

/* Returns 0 when in is refused as it should be; otherwise says why. */
static int bad_problem(const char *in, const char *msg, const char *name_in_msg)
{
	struct egress_rule r;
	char err[512];
	int ret;

	memset(err, 0, sizeof(err));
	ret = egress_rule_parse(in, EGRESS_ACT_DENY, &r, err, sizeof(err));
	if (ret != -EINVAL) {
		print_error("'%s': expected -EINVAL, got %d (pattern '%s')\n", in, ret,
			    ret ? "" : r.pattern);
		return 1;
	}
	if (!strstr(err, msg) || (name_in_msg && !strstr(err, name_in_msg))) {
		print_error("'%s': message \"%s\" does not contain \"%s\"%s%s\n", in,
			    err, msg, name_in_msg ? " and the input " : "",
			    name_in_msg ? name_in_msg : "");
		return 1;
	}
	/* one sentence, one line */
	if (strchr(err, '\n')) {
		print_error("'%s': message has a newline: %s\n", in, err);
		return 1;
	}
	return 0;
}

static void check_bad(const char *in, const char *msg, const char *name_in_msg)
{
	if (bad_problem(in, msg, name_in_msg))
		fail_msg("'%s' not refused as expected", in);
}

/* Goes through every case, then fails listing each one that went wrong. */
static void test_rule_parse_bad(void **state)
{
	int problems = 0;

	for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++)
		problems += bad_problem(bad_cases[i].in, bad_cases[i].msg,
					bad_cases[i].named ? bad_cases[i].named :
					*bad_cases[i].in ? bad_cases[i].in : NULL);
	if (problems)
		fail_msg("%d of %zu malformed rules not refused as expected", problems,
			 ARRAY_LEN(bad_cases));
}

static void test_rule_bad_lengths(void **state)
{
	char in[600], name[300], msg[700];

	/* a 64-byte label */
	snprintf(in, sizeof(in), "%s.example", rep(name, 'x', 64));
	snprintf(msg, sizeof(msg), "'%s' is not a valid host name", in);
	check_bad(in, msg, NULL);
	snprintf(in, sizeof(in), "example.%s", rep(name, 'x', 64));
	snprintf(msg, sizeof(msg), "'%s' is not a valid host name", in);
	check_bad(in, msg, NULL);
	snprintf(in, sizeof(in), "*.%s.example", rep(name, 'x', 64));
	snprintf(msg, sizeof(msg), "'%s' is not a valid wildcard", in);
	check_bad(in, msg, NULL);

	/* a 254-byte name, with and without a trailing dot */
	name_of_len(in, 254);
	assert_int_equal(strlen(in), 254);
	snprintf(msg, sizeof(msg), "'%s' is not a valid host name", in);
	check_bad(in, msg, NULL);
	strcat(in, ".");
	snprintf(msg, sizeof(msg), "'%s' is not a valid host name", in);
	check_bad(in, msg, NULL);

	/* a 253-byte name with two trailing dots */
	name_of_len(in, 253);
	strcat(in, "..");
	check_bad(in, "is not a valid host name", in);

	/* a wildcard over a 254-byte name */
	snprintf(in, sizeof(in), "*.%s", name_of_len(name, 254));
	check_bad(in, "is not a valid wildcard", in);
}

/* err may be NULL, or too small: the parse still fails cleanly. */
static void test_rule_err_buffer(void **state)
{
	struct egress_rule r;
	char small[8];

	assert_int_equal(egress_rule_parse("10.0.0.1/8", EGRESS_ACT_ALLOW, &r, NULL, 0),
			 -EINVAL);
	assert_int_equal(egress_rule_parse("bad name", EGRESS_ACT_ALLOW, &r, NULL, 0),
			 -EINVAL);
	assert_int_equal(egress_rule_parse("", EGRESS_ACT_ALLOW, &r, NULL, 0), -EINVAL);
	memset(small, 'z', sizeof(small));
	assert_int_equal(egress_rule_parse("fd00:::1", EGRESS_ACT_ALLOW, &r, small,
					   sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small, "'fd00::");
}

/* ---- the lower-level address helpers ----------------------------------- */

static void test_addr_parse(void **state)
{
	__u8 a[16], want[16];
	char err[128];

	assert_int_equal(egress_addr_parse("198.18.0.1", a, err, sizeof(err)), 0);
	inet_pton(AF_INET6, "::ffff:198.18.0.1", want);
	assert_memory_equal(a, want, 16);
	assert_true(egress_addr_is_v4(a));

	assert_int_equal(egress_addr_parse("fd00::53", a, err, sizeof(err)), 0);
	inet_pton(AF_INET6, "fd00::53", want);
	assert_memory_equal(a, want, 16);
	assert_false(egress_addr_is_v4(a));

	/* ::a.b.c.d (IPv4-compatible) is not IPv4-mapped */
	assert_int_equal(egress_addr_parse("::198.18.0.1", a, err, sizeof(err)), 0);
	assert_false(egress_addr_is_v4(a));

	/* an address is not a CIDR */
	assert_int_equal(egress_addr_parse("198.18.0.0/15", a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'198.18.0.0/15' is not a valid IPv4 address");
	assert_int_equal(egress_addr_parse("fd00::/8", a, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'fd00::/8' is not a valid IPv6 address");
	assert_int_equal(egress_addr_parse("", a, err, sizeof(err)), -EINVAL);
	assert_int_equal(egress_addr_parse("dns.google", a, err, sizeof(err)), -EINVAL);
	assert_contains(err, "'dns.google'");
}

static void test_prefix_parse(void **state)
{
	struct egress_lpm_key k;
	char err[128];

	assert_int_equal(egress_prefix_parse("198.18.0.0/15", &k, err, sizeof(err)), 0);
	assert_int_equal(k.prefixlen, 111);
	assert_int_equal(egress_prefix_parse("198.18.0.7", &k, err, sizeof(err)), 0);
	assert_int_equal(k.prefixlen, 128);
	assert_int_equal(egress_prefix_parse("fd00::/8", &k, err, sizeof(err)), 0);
	assert_int_equal(k.prefixlen, 8);
	assert_int_equal(egress_prefix_parse("::/0", &k, err, sizeof(err)), 0);
	assert_int_equal(k.prefixlen, 0);
	assert_int_equal(egress_prefix_parse("10.0.0.1/8", &k, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "'10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");
}

static void test_addr_str(void **state)
{
	__u8 a[16];
	char buf[64];
	struct egress_lpm_key k;

	inet_pton(AF_INET6, "::ffff:198.18.0.1", a);
	assert_string_equal(egress_addr_str(a, buf, sizeof(buf)), "198.18.0.1");
	assert_string_equal(egress_endpoint_str(a, 443, buf, sizeof(buf)), "198.18.0.1:443");
	assert_string_equal(egress_endpoint_str(a, 0, buf, sizeof(buf)), "198.18.0.1:0");
	assert_string_equal(egress_endpoint_str(a, 65535, buf, sizeof(buf)),
			    "198.18.0.1:65535");
	assert_string_equal(egress_endpoint_str(a, -1, buf, sizeof(buf)), "198.18.0.1");

	inet_pton(AF_INET6, "fd00::1", a);
	assert_string_equal(egress_addr_str(a, buf, sizeof(buf)), "fd00::1");
	assert_string_equal(egress_endpoint_str(a, 53, buf, sizeof(buf)), "[fd00::1]:53");
	assert_string_equal(egress_endpoint_str(a, -1, buf, sizeof(buf)), "fd00::1");

	inet_pton(AF_INET6, "::ffff:10.0.0.0", k.addr);
	k.prefixlen = 104;
	assert_string_equal(egress_prefix_str(&k, buf, sizeof(buf)), "10.0.0.0/8");
	k.prefixlen = 96;
	assert_string_equal(egress_prefix_str(&k, buf, sizeof(buf)), "10.0.0.0/0");
	k.prefixlen = 128;
	assert_string_equal(egress_prefix_str(&k, buf, sizeof(buf)), "10.0.0.0");
	inet_pton(AF_INET6, "fd00::", k.addr);
	k.prefixlen = 8;
	assert_string_equal(egress_prefix_str(&k, buf, sizeof(buf)), "fd00::/8");
	k.prefixlen = 128;
	assert_string_equal(egress_prefix_str(&k, buf, sizeof(buf)), "fd00::");
	memset(k.addr, 0, 16);
	k.prefixlen = 0;
	assert_string_equal(egress_prefix_str(&k, buf, sizeof(buf)), "::/0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_parse_ok),
		cmocka_unit_test(test_rule_pattern_is_fixed_point),
		cmocka_unit_test(test_rule_name_lengths),
		cmocka_unit_test(test_rule_parse_bad),
		cmocka_unit_test(test_rule_bad_lengths),
		cmocka_unit_test(test_rule_err_buffer),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_addr_str),
	};

	return cmocka_run_group_tests_name("rule", tests, NULL, NULL);
}
