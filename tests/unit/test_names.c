// SPDX-License-Identifier: GPL-2.0-only
/* lib/names.h: the words users see for the ABI's enums. */
#include <errno.h>
#include <stdio.h>

#include "unit.h"
#include "names.h"

static void test_mode_names(void **state)
{
	assert_string_equal(egress_mode_name(EGRESS_MODE_ALLOW_ALL), "allow-all");
	assert_string_equal(egress_mode_name(EGRESS_MODE_WARN), "warn");
	assert_string_equal(egress_mode_name(EGRESS_MODE_DENY), "deny");
	assert_string_equal(egress_mode_name(EGRESS_MODE_DENY_ALL), "deny-all");
	assert_int_equal(EGRESS_MODE__MAX, 4);
	assert_string_equal(egress_mode_name(EGRESS_MODE__MAX), "unknown");
	assert_string_equal(egress_mode_name(255), "unknown");
	assert_string_equal(egress_mode_name(~0u), "unknown");
}

static void test_mode_parse(void **state)
{
	static const struct {
		const char *s;
		__u8 mode;
	} ok[] = {
		{ "allow-all", EGRESS_MODE_ALLOW_ALL },
		{ "warn", EGRESS_MODE_WARN },
		{ "deny", EGRESS_MODE_DENY },
		{ "enforce", EGRESS_MODE_DENY },
		{ "deny-all", EGRESS_MODE_DENY_ALL },
	};
	static const char *const bad[] = {
		"", "DENY", "Deny", "deny ", " deny", "deny\n", "enforced", "enforcing",
		"allow", "allowall", "allow_all", "deny_all", "denyall", "block", "audit",
		"unknown", "inherit", "default", "warn-all", "0", "2",
	};
	__u8 mode;

	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		mode = 0xee;
		if (egress_mode_parse(ok[i].s, &mode))
			fail_msg("'%s' refused", ok[i].s);
		assert_int_equal(mode, ok[i].mode);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		mode = 0xee;
		if (egress_mode_parse(bad[i], &mode) != -EINVAL)
			fail_msg("'%s' accepted as a mode", bad[i]);
		assert_int_equal(mode, 0xee);	/* untouched */
	}
	/* every name parses back to its value */
	for (unsigned int m = 0; m < EGRESS_MODE__MAX; m++) {
		assert_int_equal(egress_mode_parse(egress_mode_name(m), &mode), 0);
		assert_int_equal(mode, m);
	}
}

static void test_verdict_names(void **state)
{
	assert_string_equal(egress_verdict_name(EGRESS_ALLOWED), "ALLOWED");
	assert_string_equal(egress_verdict_name(EGRESS_DENIED), "DENIED");
}

static void test_reason_names(void **state)
{
	static const struct {
		unsigned int reason;
		const char *name;
	} design[] = {
		/* the words DESIGN section 6 names */
		{ EGRESS_REASON_NOT_ALLOWLISTED, "not-allowlisted" },
		{ EGRESS_REASON_DENY_RULE, "deny-rule" },
		{ EGRESS_REASON_UNBOUND_ADDRESS, "unbound-address" },
		{ EGRESS_REASON_PARSE_FAILURE, "parse-failure" },
		{ EGRESS_REASON_HELLO_TOO_LARGE, "hello-too-large" },
		{ EGRESS_REASON_QUIC_BLOCKED, "quic-blocked" },
		{ EGRESS_REASON_FRAGMENT, "fragment" },
		/* and the rest */
		{ EGRESS_REASON_ALLOW_RULE, "allow-rule" },
		{ EGRESS_REASON_MODE_ALLOW, "allow-all" },
		{ EGRESS_REASON_ICMP, "icmp-allowed" },
		{ EGRESS_REASON_INBOUND, "inbound" },
		{ EGRESS_REASON_DENY_ALL, "deny-all" },
		{ EGRESS_REASON_SPOOFED_SOURCE, "spoofed-source" },
		{ EGRESS_REASON_VLAN, "vlan" },
		{ EGRESS_REASON_ETHERTYPE, "ethertype" },
		{ EGRESS_REASON_SOURCE_ROUTE, "source-route" },
		{ EGRESS_REASON_IP_OPTIONS, "ip-options" },
		{ EGRESS_REASON_FLOW_TABLE_FULL, "flow-table-full" },
		{ EGRESS_REASON_INVALID_NAME, "invalid-name" },
		{ EGRESS_REASON_DOT_BLOCKED, "dot-blocked" },
	};

	for (size_t i = 0; i < ARRAY_LEN(design); i++)
		assert_string_equal(egress_reason_name(design[i].reason), design[i].name);

	/* every value has its own, well-formed name */
	for (unsigned int r = 0; r < EGRESS_REASON__MAX; r++) {
		const char *n = egress_reason_name(r);

		assert_non_null(n);
		if (!strcmp(n, "unknown") || !*n)
			fail_msg("reason %u has no name", r);
		if (strspn(n, "abcdefghijklmnopqrstuvwxyz-") != strlen(n))
			fail_msg("reason %u: '%s' is not lower-case-with-dashes", r, n);
		for (unsigned int o = 0; o < r; o++)
			if (!strcmp(n, egress_reason_name(o)))
				fail_msg("reasons %u and %u are both '%s'", o, r, n);
	}
	assert_string_equal(egress_reason_name(EGRESS_REASON__MAX), "unknown");
	assert_string_equal(egress_reason_name(~0u), "unknown");
}

static void test_scope_names(void **state)
{
	assert_string_equal(egress_scope_name(EGRESS_SCOPE_NONE), "default");
	assert_string_equal(egress_scope_name(EGRESS_SCOPE_ALWAYS), "always");
	assert_string_equal(egress_scope_name(EGRESS_SCOPE_GLOBAL), "global");
	assert_string_equal(egress_scope_name(EGRESS_SCOPE_SANDBOX), "sandbox");
	assert_int_equal(EGRESS_SCOPE__MAX, 4);
	assert_string_equal(egress_scope_name(EGRESS_SCOPE__MAX), "unknown");
}

static const char *proto(unsigned int p, unsigned int l4, unsigned int family)
{
	static char buf[32];

	memset(buf, 0, sizeof(buf));
	return egress_proto_name(p, l4, family, buf, sizeof(buf));
}

static void test_proto_names(void **state)
{
	assert_string_equal(proto(EGRESS_PROTO_TCP, 6, 4), "tcp");
	assert_string_equal(proto(EGRESS_PROTO_TCP, 6, 6), "tcp");
	assert_string_equal(proto(EGRESS_PROTO_UDP, 17, 4), "udp");
	assert_string_equal(proto(EGRESS_PROTO_UDP, 17, 6), "udp");
	assert_string_equal(proto(EGRESS_PROTO_ICMP, 1, 4), "icmp");
	assert_string_equal(proto(EGRESS_PROTO_ICMP, 58, 6), "icmpv6");
	assert_string_equal(proto(EGRESS_PROTO_TLS, 6, 4), "tls");
	assert_string_equal(proto(EGRESS_PROTO_HTTP, 6, 6), "http");
	assert_string_equal(proto(EGRESS_PROTO_DNS, 17, 4), "dns");
	assert_string_equal(proto(EGRESS_PROTO_DNS, 6, 4), "dns");
	assert_string_equal(proto(EGRESS_PROTO_QUIC, 17, 4), "quic");
	assert_string_equal(proto(EGRESS_PROTO_DOT, 6, 4), "dot");
	assert_string_equal(proto(EGRESS_PROTO_ARP, 0, 0), "arp");
	assert_string_equal(proto(EGRESS_PROTO_L2, 0, 0), "ethernet");

	/* other IP protocols by number */
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 47, 4), "gre");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 47, 6), "gre");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 4, 4), "ipip");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 41, 4), "ipv6");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 50, 4), "esp");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 51, 6), "ah");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 132, 4), "sctp");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 253, 4), "ip-253");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 0, 6), "ip-0");
	assert_string_equal(proto(EGRESS_PROTO_OTHER, 255, 6), "ip-255");

	/* a small buffer is not overrun */
	{
		char small[4];

		memset(small, 'z', sizeof(small));
		egress_proto_name(EGRESS_PROTO_OTHER, 253, 4, small, sizeof(small));
		assert_string_equal(small, "ip-");
	}

	/* every named protocol has a name */
	for (unsigned int p = 1; p < EGRESS_PROTO__MAX; p++) {
		const char *n = proto(p, 6, 4);

		if (!strcmp(n, "unknown") || !*n)
			fail_msg("protocol %u has no name", p);
		for (unsigned int o = 1; o < p; o++) {
			char prev[32];

			snprintf(prev, sizeof(prev), "%s", proto(o, 6, 4));
			if (!strcmp(prev, proto(p, 6, 4)))
				fail_msg("protocols %u and %u are both '%s'", o, p, prev);
		}
	}
	assert_string_equal(proto(EGRESS_PROTO__MAX, 6, 4), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_scope_names),
		cmocka_unit_test(test_proto_names),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
