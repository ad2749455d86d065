// SPDX-License-Identifier: GPL-2.0-only
/*
 * eg_dns_answer_parse() on built answers: the addresses of the question
 * name and its CNAME chain, the caps, and the compression pointers it
 * refuses (to itself, in a loop, forward, into the header, one hop too
 * many); every truncation point; buffers no larger than the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns_cases.h"
#include "dns_test.h"

static struct dmsg m;
static struct dt_answer r;

static int parse(const char *case_name)
{
	dns_case(case_name, &m);
	return dt_answer(m.b, m.len, &r);
}

static void assert_addr(unsigned int k, const char *addr, uint32_t ttl)
{
	uint8_t want[16];
	char text[64];

	assert_true(k < r.a.n_addrs);
	dm_addr16(addr, want);
	if (memcmp(r.a.addrs[k].addr, want, 16))
		fail_msg("address %u: %s, want %s", k, dt_addr(&r.a.addrs[k], text, sizeof(text)),
			 addr);
	assert_int_equal(r.a.addrs[k].family, strchr(addr, ':') ? 6 : 4);
	assert_int_equal(r.a.addrs[k].ttl, ttl);
}

static void test_cases(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];
		int st;

		if (c->kind != DNS_CASE_ANSWER)
			continue;
		c->build(&m);
		st = dt_answer(m.b, m.len, &r);
		if (st != c->status || strcmp(r.qname, c->qname)) {
			print_error("%s: %s \"%s\", want %s \"%s\"\n", c->name,
				    dns_status_name(st), r.qname, dns_status_name(c->status),
				    c->qname);
			failed++;
		}
		assert_true(r.a.n_addrs <= EG_DNS_MAX_ADDRS);
		assert_true(r.a.n_chain <= EG_DNS_MAX_CHAIN);
		assert_true(r.a.n_rrs <= EG_DNS_MAX_RRS);
	}
	assert_int_equal(failed, 0);
}

static void test_basic(void **state)
{
	assert_int_equal(parse("a_basic"), EG_DNS_OK);
	assert_int_equal(r.a.id, 0xbeef);
	assert_int_equal(r.a.flags, 0x8180);
	assert_int_equal(r.a.rcode, 0);
	assert_int_equal(r.a.qtype, 1);
	assert_int_equal(r.a.qclass, 1);
	assert_int_equal(r.a.ancount, 1);
	assert_int_equal(r.a.qname_len, 15);
	assert_int_equal(r.a.n_rrs, 1);
	assert_int_equal(r.a.n_addrs, 1);
	assert_int_equal(r.a.n_chain, 0);
	assert_int_equal(r.a.capped, 0);
	assert_int_equal(r.a.min_ttl, 300);
	assert_addr(0, "192.0.2.1", 300);

	assert_int_equal(parse("a_aaaa"), EG_DNS_OK);
	assert_int_equal(r.a.qtype, 28);
	assert_int_equal(r.a.n_addrs, 1);
	assert_addr(0, "2001:db8::1", 3600);

	assert_int_equal(parse("a_two_addrs"), EG_DNS_OK);
	assert_int_equal(r.a.n_addrs, 2);
	assert_addr(0, "192.0.2.1", 300);
	assert_addr(1, "192.0.2.2", 60);
	assert_int_equal(r.a.min_ttl, 60);
}

static void test_chain(void **state)
{
	assert_int_equal(parse("a_chain"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 4);
	assert_int_equal(r.a.n_chain, 2);
	assert_string_equal(r.chain[0], "e1.cdn.example.net");
	assert_int_equal(r.a.chain_len[0], 18);
	assert_string_equal(r.chain[1], "e2.cdn.example.net");
	assert_int_equal(r.a.chain_len[1], 18);
	assert_int_equal(r.a.n_addrs, 2);
	assert_addr(0, "192.0.2.10", 20);
	assert_addr(1, "2001:db8::10", 40);
	assert_int_equal(r.a.min_ttl, 20);
	assert_int_equal(r.a.capped, 0);

	/* names compared in canonical form */
	assert_int_equal(parse("a_chain_case"), EG_DNS_OK);
	assert_int_equal(r.a.n_addrs, 1);
	assert_addr(0, "192.0.2.7", 300);

	/* owners off the chain, or on it only later: nothing */
	assert_int_equal(parse("a_unrelated"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 1);
	assert_int_equal(r.a.n_addrs, 0);
	assert_int_equal(r.a.min_ttl, 0);
	assert_int_equal(parse("a_cname_unrelated"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 3);
	assert_int_equal(r.a.n_chain, 0);
	assert_int_equal(r.a.n_addrs, 1);
	assert_addr(0, "192.0.2.1", 300);
	assert_int_equal(parse("a_out_of_order"), EG_DNS_OK);
	assert_int_equal(r.a.n_chain, 1);
	assert_int_equal(r.a.n_addrs, 0);
	assert_int_equal(r.a.min_ttl, 300);

	/* a.example -> b -> c -> d -> e -> f: four chain names kept */
	assert_int_equal(parse("a_chain_long"), EG_DNS_OK);
	assert_int_equal(r.a.n_chain, EG_DNS_MAX_CHAIN);
	assert_string_equal(r.chain[0], "b.example");
	assert_string_equal(r.chain[3], "e.example");
	assert_int_equal(r.a.capped, EG_DNS_CAPPED_CHAIN);
	assert_int_equal(r.a.n_addrs, 1);
	assert_addr(0, "192.0.2.14", 600);
	assert_int_equal(r.a.min_ttl, 596);

	/* a -> b -> a: b once, a not again */
	assert_int_equal(parse("a_cname_loop"), EG_DNS_OK);
	assert_int_equal(r.a.n_chain, 1);
	assert_string_equal(r.chain[0], "b.example");
	assert_int_equal(r.a.n_addrs, 1);
	assert_addr(0, "192.0.2.11", 300);
}

static void test_caps(void **state)
{
	char addr[32];

	assert_int_equal(parse("a_30_records"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 30);
	assert_int_equal(r.a.n_addrs, EG_DNS_MAX_ADDRS);
	assert_int_equal(r.a.capped, EG_DNS_CAPPED_ADDRS);
	for (unsigned int k = 0; k < EG_DNS_MAX_ADDRS; k++) {
		snprintf(addr, sizeof(addr), "10.0.0.%u", k + 1);
		assert_addr(k, addr, 1001 + k);
	}
	assert_int_equal(r.a.min_ttl, 1001);

	assert_int_equal(parse("a_32_records"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 32);
	assert_int_equal(r.a.capped, EG_DNS_CAPPED_ADDRS);

	assert_int_equal(parse("a_40_records"), EG_DNS_OK);
	assert_int_equal(r.a.ancount, 40);
	assert_int_equal(r.a.n_rrs, EG_DNS_MAX_RRS);
	assert_int_equal(r.a.n_addrs, EG_DNS_MAX_ADDRS);
	assert_int_equal(r.a.capped, EG_DNS_CAPPED_RRS | EG_DNS_CAPPED_ADDRS);

	assert_int_equal(parse("a_4096"), EG_DNS_OK);
	assert_int_equal(m.len, EG_DNS_ANSWER_CAP);
	assert_int_equal(r.a.n_addrs, 1);
	assert_addr(0, "192.0.2.40", 300);
	assert_int_equal(parse("a_4097"), EG_DNS_TOO_LARGE);
}

static void test_records(void **state)
{
	assert_int_equal(parse("a_nxdomain"), EG_DNS_OK);
	assert_int_equal(r.a.rcode, 3);
	assert_int_equal(r.a.n_rrs, 0);

	assert_int_equal(parse("a_ttl_high"), EG_DNS_OK);
	assert_addr(0, "192.0.2.1", 0);			/* RFC 2181: top bit set means 0 */

	assert_int_equal(parse("a_class_ch"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 1);
	assert_int_equal(r.a.n_addrs, 0);

	assert_int_equal(parse("a_https"), EG_DNS_OK);
	assert_int_equal(r.a.qtype, 65);
	assert_int_equal(r.a.n_rrs, 2);
	assert_int_equal(r.a.n_addrs, 1);

	/* a label holding a '.' is no name of the chain, however it reads */
	assert_int_equal(parse("a_dot_label"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 1);
	assert_int_equal(r.a.n_addrs, 0);

	assert_int_equal(parse("a_tc"), EG_DNS_OK);
	assert_true(r.a.flags & EG_DNS_F_TC);

	/* the authority and additional sections are not looked at */
	assert_int_equal(parse("a_additional_garbage"), EG_DNS_OK);
	assert_int_equal(r.a.n_addrs, 1);
}

static void test_pointers(void **state)
{
	static const char *const refused[] = {
		"a_pointer_self", "a_pointer_loop", "a_pointer_forward", "a_pointer_header",
		"a_hops17",
	};

	assert_int_equal(parse("a_hops16"), EG_DNS_OK);
	assert_int_equal(r.a.n_rrs, 16);
	assert_int_equal(r.a.n_addrs, 16);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(parse(refused[i]), EG_DNS_MALFORMED);
		assert_int_equal(r.a.n_addrs, 0);
		assert_int_equal(r.a.n_chain, 0);
		assert_int_equal(r.a.min_ttl, 0);
	}
	/* a_hops17: the first 16 records were fine, the 17th is not: nothing reported */
	assert_int_equal(parse("a_hops17"), EG_DNS_MALFORMED);
	assert_int_equal(r.a.n_rrs, 16);
	assert_int_equal(r.a.n_addrs, 0);
}

/*
 * Every prefix of an answer that parses is MALFORMED up to the end of the
 * last record walked, and OK from there: only answers with bytes after
 * the walked records (authority, additional, records past the cap) have
 * prefixes that parse.
 */
static void test_truncations(void **state)
{
	static const char *const more[] = {
		"a_nxdomain", "a_40_records", "a_additional_garbage",
	};
	int failed = 0;

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];
		size_t walked = 0;
		bool expect_more = false;

		if (c->kind != DNS_CASE_ANSWER)
			continue;
		c->build(&m);
		for (size_t n = 0; n < m.len; n++) {
			int st = dt_answer(m.b, n, &r);

			if (c->status != EG_DNS_OK)
				continue;
			if (st == EG_DNS_OK && !walked)
				walked = n;
			if (st != (walked ? EG_DNS_OK : EG_DNS_MALFORMED)) {
				print_error("%s cut at %zu: %s\n", c->name, n, dns_status_name(st));
				failed++;
			}
		}
		for (size_t k = 0; k < sizeof(more) / sizeof(more[0]); k++)
			expect_more |= !strcmp(c->name, more[k]);
		if (c->status == EG_DNS_OK && expect_more != (walked != 0)) {
			print_error("%s: prefixes parse from %zu\n", c->name, walked);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Queries are no answers; answers no queries. */
static void test_kinds(void **state)
{
	static struct eg_dns_query q;
	static char name[EG_DNS_NAME_BUF];

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];
		int st;

		c->build(&m);
		if (c->kind == DNS_CASE_QUERY) {
			st = dt_answer(m.b, m.len, &r);
			if (m.len >= 12 && m.len <= EG_DNS_ANSWER_CAP && !(m.b[2] & 0x80))
				assert_int_equal(st, EG_DNS_NOT_RESPONSE);
		} else {
			st = dt_query(m.b, m.len, &q, name);
			if (m.len >= 12 && m.len <= EG_DNS_CAP && (m.b[2] & 0x80))
				assert_int_equal(st, EG_DNS_NOT_QUERY);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
