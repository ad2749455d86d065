// SPDX-License-Identifier: GPL-2.0-only
/*
 * eg_dns_query_parse() and eg_dns_tcp_next() on built messages: every
 * status, every field, every truncation point, buffers no larger than the
 * message.
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
static struct eg_dns_query q;
static char name[EG_DNS_NAME_BUF];

static int parse(const char *case_name)
{
	dns_case(case_name, &m);
	return dt_query(m.b, m.len, &q, name);
}

static void test_cases(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];
		int st;

		if (c->kind != DNS_CASE_QUERY)
			continue;
		c->build(&m);
		st = dt_query(m.b, m.len, &q, name);
		if (st != c->status || strcmp(name, c->qname)) {
			print_error("%s: %s \"%s\", want %s \"%s\"\n", c->name,
				    dns_status_name(st), name, dns_status_name(c->status),
				    c->qname);
			failed++;
		}
		if (st == EG_DNS_OK)
			assert_int_equal(q.name_len, strlen(name));
	}
	assert_int_equal(failed, 0);
}

static void test_fields(void **state)
{
	assert_int_equal(parse("q_basic"), EG_DNS_OK);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.flags, EG_DNS_F_RD);
	assert_int_equal(q.qtype, 1);
	assert_int_equal(q.qclass, 1);
	assert_int_equal(q.question_end, 12 + 17 + 4);
	assert_int_equal(q.msg_len, 12 + 17 + 4);
	assert_int_equal(q.name_len, 15);
	assert_int_equal(q.has_edns, 0);
	assert_int_equal(q.edns_do, 0);
	assert_int_equal(q.edns_udp_size, 0);

	assert_int_equal(parse("q_mixed_case"), EG_DNS_OK);
	assert_string_equal(name, "www.example.com");
	assert_int_equal(q.qtype, 28);

	assert_int_equal(parse("q_cd"), EG_DNS_OK);
	assert_int_equal(q.flags, EG_DNS_F_RD | EG_DNS_F_CD);

	assert_int_equal(parse("q_no_rd"), EG_DNS_OK);
	assert_int_equal(q.flags, 0);
	assert_int_equal(q.qtype, 65);

	assert_int_equal(parse("q_tc"), EG_DNS_OK);
	assert_int_equal(q.flags, EG_DNS_F_RD | EG_DNS_F_TC);
}

static void test_edns(void **state)
{
	assert_int_equal(parse("q_edns"), EG_DNS_OK);
	assert_int_equal(q.has_edns, 1);
	assert_int_equal(q.edns_do, 1);
	assert_int_equal(q.edns_udp_size, 4096);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.question_end, 12 + 13 + 4);
	assert_int_equal(q.msg_len, 12 + 13 + 4 + 11 + 12);

	assert_int_equal(parse("q_edns_empty"), EG_DNS_OK);
	assert_int_equal(q.has_edns, 1);
	assert_int_equal(q.edns_do, 0);
	assert_int_equal(q.edns_udp_size, 1232);
	assert_int_equal(q.msg_len, q.question_end + 11);

	assert_int_equal(parse("q_edns_two_options"), EG_DNS_OK);
	assert_int_equal(q.edns_udp_size, 512);
	assert_int_equal(q.edns_do, 1);

	assert_int_equal(parse("q_edns_version1"), EG_DNS_OK);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(q.edns_udp_size, 1400);

	assert_int_equal(parse("q_512"), EG_DNS_OK);
	assert_int_equal(q.msg_len, 512);
	assert_int_equal(parse("q_513"), EG_DNS_TOO_LARGE);
}

static void test_root_and_limits(void **state)
{
	assert_int_equal(parse("q_root"), EG_DNS_OK);
	assert_int_equal(q.name_len, 0);
	assert_string_equal(name, "");
	assert_int_equal(q.qtype, 2);
	assert_int_equal(q.question_end, 12 + 1 + 4);

	assert_int_equal(parse("q_name253"), EG_DNS_OK);
	assert_int_equal(q.name_len, 253);
	assert_int_equal(q.question_end, 12 + 255 + 4);
	assert_int_equal(parse("q_name254"), EG_DNS_BAD_NAME);
	assert_int_equal(parse("q_label63"), EG_DNS_OK);
	assert_int_equal(q.name_len, 63 + 8);
	assert_int_equal(parse("q_label64"), EG_DNS_BAD_NAME);
}

/* Every prefix of a query that parses is MALFORMED; no prefix of any query crashes. */
static void test_truncations(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];

		if (c->kind != DNS_CASE_QUERY)
			continue;
		c->build(&m);
		for (size_t n = 0; n < m.len; n++) {
			int st = dt_query(m.b, n, &q, name);

			if (c->status == EG_DNS_OK && st != EG_DNS_MALFORMED) {
				print_error("%s cut at %zu: %s\n", c->name, n, dns_status_name(st));
				failed++;
			}
			if (st != EG_DNS_OK)
				assert_string_equal(name, "");
		}
	}
	assert_int_equal(failed, 0);
}

/* The name buffer: NUL terminated, nothing written past its 256 bytes. */
static void test_name_buffer(void **state)
{
	char buf[EG_DNS_NAME_BUF + 64];

	memset(buf, 0x5a, sizeof(buf));
	dns_case("q_name253", &m);
	assert_int_equal(eg_dns_query_parse(m.b, (__u32)m.len, &q, buf), EG_DNS_OK);
	assert_int_equal(strlen(buf), 253);
	for (size_t i = EG_DNS_NAME_BUF; i < sizeof(buf); i++)
		assert_int_equal((unsigned char)buf[i], 0x5a);

	memset(buf, 0x5a, sizeof(buf));
	dns_case("q_name254", &m);
	assert_int_equal(eg_dns_query_parse(m.b, (__u32)m.len, &q, buf), EG_DNS_BAD_NAME);
	assert_string_equal(buf, "");
	for (size_t i = EG_DNS_NAME_BUF; i < sizeof(buf); i++)
		assert_int_equal((unsigned char)buf[i], 0x5a);
}

/* The canonical name is name_canon()'s fixed point. */
static void test_canonical(void **state)
{
	char again[EG_DNS_NAME_BUF];

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];

		if (c->kind != DNS_CASE_QUERY || c->status != EG_DNS_OK || !c->qname[0])
			continue;
		c->build(&m);
		assert_int_equal(dt_query(m.b, m.len, &q, name), EG_DNS_OK);
		assert_int_equal(name_canon(name, q.name_len, again), (int)q.name_len);
		assert_string_equal(again, name);
	}
}

static size_t put_prefixed(uint8_t *s, size_t at, const struct dmsg *msg)
{
	s[at] = (uint8_t)(msg->len >> 8);
	s[at + 1] = (uint8_t)msg->len;
	memcpy(s + at + 2, msg->b, msg->len);
	return at + 2 + msg->len;
}

static void test_tcp(void **state)
{
	static uint8_t s[EG_DNS_TCP_CAP + 16];
	struct dmsg a, b;
	__u32 off = 0xdead, len = 0xbeef;
	size_t end;

	dns_case("q_basic", &a);
	dns_case("q_edns", &b);
	end = put_prefixed(s, 0, &a);
	end = put_prefixed(s, end, &b);

	assert_int_equal(eg_dns_tcp_next(s, 0, 0, &off, &len), 0);
	assert_int_equal(eg_dns_tcp_next(s, 1, 0, &off, &len), 0);
	for (size_t n = 2; n < 2 + a.len; n++)
		assert_int_equal(eg_dns_tcp_next(s, (__u32)n, 0, &off, &len), 0);
	assert_int_equal(off, 0xdead);
	assert_int_equal(eg_dns_tcp_next(s, (__u32)(2 + a.len), 0, &off, &len), 1);
	assert_int_equal(off, 2);
	assert_int_equal(len, a.len);
	assert_int_equal(dt_query(s + off, len, &q, name), EG_DNS_OK);
	assert_string_equal(name, "www.example.com");

	assert_int_equal(eg_dns_tcp_next(s, (__u32)end - 1, off + len, &off, &len), 0);
	assert_int_equal(eg_dns_tcp_next(s, (__u32)end, 2 + a.len, &off, &len), 1);
	assert_int_equal(off, 2 + a.len + 2);
	assert_int_equal(len, b.len);
	assert_int_equal(dt_query(s + off, len, &q, name), EG_DNS_OK);
	assert_string_equal(name, "example.org");
	assert_int_equal(eg_dns_tcp_next(s, (__u32)end, (__u32)end, &off, &len), 0);

	/* lengths 0 and over the cap: no DNS query stream */
	s[0] = 0;
	s[1] = 0;
	assert_int_equal(eg_dns_tcp_next(s, 2, 0, &off, &len), -1);
	s[0] = EG_DNS_CAP >> 8;
	s[1] = EG_DNS_CAP & 0xff;
	assert_int_equal(eg_dns_tcp_next(s, 2, 0, &off, &len), 0);	/* 512: wait */
	s[1]++;
	assert_int_equal(eg_dns_tcp_next(s, 2, 0, &off, &len), -1);	/* 513 */
	assert_int_equal(eg_dns_tcp_next_max(s, 2, 0, EG_DNS_ANSWER_CAP, &off, &len), 0);
	s[0] = 0x16;						/* a TLS record */
	s[1] = 0x03;
	assert_int_equal(eg_dns_tcp_next(s, 2, 0, &off, &len), -1);
	assert_int_equal(eg_dns_tcp_next_max(s, 2, 0, EG_DNS_ANSWER_CAP, &off, &len), -1);

	/* offsets it cannot look at */
	s[EG_DNS_TCP_CAP - 2] = 0;
	s[EG_DNS_TCP_CAP - 1] = 1;
	assert_int_equal(eg_dns_tcp_next(s, EG_DNS_TCP_CAP, EG_DNS_TCP_CAP - 2, &off, &len), 0);
	assert_int_equal(eg_dns_tcp_next(s, EG_DNS_TCP_CAP + 1, EG_DNS_TCP_CAP - 2, &off, &len), 1);
	assert_int_equal(off, EG_DNS_TCP_CAP);
	assert_int_equal(len, 1);
	assert_int_equal(eg_dns_tcp_next(s, EG_DNS_TCP_CAP + 1, EG_DNS_TCP_CAP - 1, &off, &len), -1);
	assert_int_equal(eg_dns_tcp_next(s, EG_DNS_TCP_CAP + 1, 0xffffffff, &off, &len), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_root_and_limits),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_name_buffer),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_tcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
