// SPDX-License-Identifier: GPL-2.0-only
/*
 * eg_dns_nxdomain(): the answer to a denied query, byte for byte, and as
 * two independent readers see it: glibc's resolver library (ns_initparse,
 * ns_parserr) and eg_dns_answer_parse().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include "dns_cases.h"
#include "dns_test.h"

static struct dmsg m;
static struct eg_dns_query q;
static char name[EG_DNS_NAME_BUF];
static uint8_t buf[EG_DNS_BUF];

static const uint8_t ede_opt[] = {
	0x00,				/* root */
	0x00, 0x29,			/* OPT */
	0x04, 0xd0,			/* UDP size 1232 */
	0x00, 0x00,			/* extended RCODE, version */
	0x80, 0x00,			/* DO */
	0x00, 0x18,			/* RDLENGTH 24 */
	0x00, 0x0f, 0x00, 0x14,		/* Extended DNS Error, 20 bytes */
	0x00, 0x0f,			/* INFO-CODE 15: Blocked */
	'b', 'l', 'o', 'c', 'k', 'e', 'd', ' ', 'b', 'y', ' ',
	'e', 'g', 'r', 'e', 's', 's', 'd',
};

/* The query of that case parsed, then answered in buf; returns the length. */
static __u32 nxdomain(const char *case_name)
{
	dns_case(case_name, &m);
	assert_int_equal(dt_query(m.b, m.len, &q, name), EG_DNS_OK);
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, m.b, m.len);
	return eg_dns_nxdomain(buf, &q);
}

static void test_plain_bytes(void **state)
{
	static const uint8_t hdr[] = {
		0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0,
	};
	__u32 n = nxdomain("q_basic");

	assert_int_equal(n, m.len);
	assert_memory_equal(buf, hdr, sizeof(hdr));
	assert_memory_equal(buf + 12, m.b + 12, m.len - 12);
	assert_int_equal(buf[n], 0xee);
}

static void test_edns_bytes(void **state)
{
	static const uint8_t hdr[] = {
		0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 1,
	};
	__u32 n = nxdomain("q_edns");

	assert_int_equal(sizeof(ede_opt), EG_DNS_NX_OPT_LEN);
	assert_int_equal(n, q.question_end + sizeof(ede_opt));
	assert_memory_equal(buf, hdr, sizeof(hdr));
	assert_memory_equal(buf + 12, m.b + 12, q.question_end - 12);
	assert_memory_equal(buf + q.question_end, ede_opt, sizeof(ede_opt));
	assert_int_equal(buf[n], 0xee);

	/* DO clear in the query: clear in the answer */
	n = nxdomain("q_edns_empty");
	assert_int_equal(n, q.question_end + sizeof(ede_opt));
	assert_int_equal(buf[q.question_end + 7], 0x00);
	assert_memory_equal(buf + q.question_end + 8, ede_opt + 8, sizeof(ede_opt) - 8);
}

static void test_flags(void **state)
{
	static const struct {
		const char *query;
		unsigned int flags;
	} want[] = {
		{ "q_basic", 0x8183 },		/* RD copied, RA */
		{ "q_no_rd", 0x8083 },
		{ "q_cd", 0x8193 },		/* CD copied */
		{ "q_tc", 0x8183 },		/* TC never */
		{ "q_root", 0x8083 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		nxdomain(want[i].query);
		assert_int_equal(buf[2] << 8 | buf[3], want[i].flags);
	}
}

/* The question goes back as it came, letter case included (0x20 randomisation). */
static void test_question_echoed(void **state)
{
	__u32 n = nxdomain("q_mixed_case");

	assert_int_equal(n, m.len);
	assert_memory_equal(buf + 12, "\x03WwW\x07\x45xAmPlE\x03\x43oM\x00\x00\x1c\x00\x01", 21);
}

static void test_not_a_query(void **state)
{
	struct eg_dns_query bad;

	memset(&bad, 0, sizeof(bad));
	assert_int_equal(eg_dns_nxdomain(buf, &bad), 0);
	bad.question_end = EG_DNS_CAP + 1;
	assert_int_equal(eg_dns_nxdomain(buf, &bad), 0);
	bad.question_end = EG_DNS_CAP - 5;
	bad.has_edns = 1;
	assert_int_equal(eg_dns_nxdomain(buf, &bad), 0);
}

/* The OPT record's RDATA: exactly one option, EDE 15 with our text. */
static void check_ede(const ns_rr *rr, int edns_do)
{
	const uint8_t *rd = ns_rr_rdata(*rr);

	assert_int_equal(ns_rr_type(*rr), ns_t_opt);
	assert_string_equal(ns_rr_name(*rr), ".");
	assert_int_equal(ns_rr_class(*rr), 1232);
	assert_int_equal(ns_rr_ttl(*rr), edns_do ? 0x8000 : 0);
	assert_int_equal(ns_rr_rdlen(*rr), 4 + 2 + strlen(EG_DNS_EDE_TEXT));
	assert_int_equal(rd[0] << 8 | rd[1], 15);
	assert_int_equal(rd[2] << 8 | rd[3], 2 + strlen(EG_DNS_EDE_TEXT));
	assert_int_equal(rd[4] << 8 | rd[5], 15);
	assert_memory_equal(rd + 6, EG_DNS_EDE_TEXT, strlen(EG_DNS_EDE_TEXT));
}

/* Every query that parses gets an answer libresolv reads as NXDOMAIN for it. */
static void test_libresolv(void **state)
{
	int checked = 0;

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];
		ns_msg msg;
		ns_rr rr;
		__u32 n;

		if (c->kind != DNS_CASE_QUERY || c->status != EG_DNS_OK)
			continue;
		n = nxdomain(c->name);
		assert_int_not_equal(n, 0);
		if (ns_initparse(buf, (int)n, &msg) < 0)
			fail_msg("%s: ns_initparse: %s", c->name, strerror(errno));
		assert_int_equal(ns_msg_id(msg), q.id);
		assert_int_equal(ns_msg_getflag(msg, ns_f_qr), 1);
		assert_int_equal(ns_msg_getflag(msg, ns_f_opcode), 0);
		assert_int_equal(ns_msg_getflag(msg, ns_f_aa), 0);
		assert_int_equal(ns_msg_getflag(msg, ns_f_tc), 0);
		assert_int_equal(ns_msg_getflag(msg, ns_f_rd), !!(q.flags & EG_DNS_F_RD));
		assert_int_equal(ns_msg_getflag(msg, ns_f_ra), 1);
		assert_int_equal(ns_msg_getflag(msg, ns_f_z), 0);
		assert_int_equal(ns_msg_getflag(msg, ns_f_ad), 0);
		assert_int_equal(ns_msg_getflag(msg, ns_f_cd), !!(q.flags & EG_DNS_F_CD));
		assert_int_equal(ns_msg_getflag(msg, ns_f_rcode), ns_r_nxdomain);
		assert_int_equal(ns_msg_count(msg, ns_s_qd), 1);
		assert_int_equal(ns_msg_count(msg, ns_s_an), 0);
		assert_int_equal(ns_msg_count(msg, ns_s_ns), 0);
		assert_int_equal(ns_msg_count(msg, ns_s_ar), q.has_edns);
		assert_int_equal(ns_parserr(&msg, ns_s_qd, 0, &rr), 0);
		assert_int_equal(ns_rr_type(rr), q.qtype);
		assert_int_equal(ns_rr_class(rr), q.qclass);
		if (strcasecmp(ns_rr_name(rr), c->qname[0] ? c->qname : "."))
			fail_msg("%s: libresolv reads \"%s\"", c->name, ns_rr_name(rr));
		if (q.has_edns) {
			assert_int_equal(ns_parserr(&msg, ns_s_ar, 0, &rr), 0);
			check_ede(&rr, q.edns_do);
		}
		checked++;
	}
	assert_true(checked >= 10);
}

/* ... and eg_dns_answer_parse() reads it as the NXDOMAIN answer to the same question. */
static void test_parses_back(void **state)
{
	static struct dt_answer a;

	for (size_t i = 0; i < dns_n_cases; i++) {
		const struct dns_case *c = &dns_cases[i];
		__u32 n;
		int st;

		if (c->kind != DNS_CASE_QUERY || c->status != EG_DNS_OK)
			continue;
		n = nxdomain(c->name);
		st = dt_answer(buf, n, &a);
		if (!c->qname[0]) {
			assert_int_equal(st, EG_DNS_BAD_NAME);	/* the root: no name */
			continue;
		}
		assert_int_equal(st, EG_DNS_OK);
		assert_string_equal(a.qname, c->qname);
		assert_int_equal(a.a.id, q.id);
		assert_int_equal(a.a.rcode, EG_DNS_RCODE_NXDOMAIN);
		assert_int_equal(a.a.qtype, q.qtype);
		assert_int_equal(a.a.qclass, q.qclass);
		assert_int_equal(a.a.ancount, 0);
		assert_int_equal(a.a.n_addrs, 0);
		/* and it is no query */
		assert_int_equal(dt_query(buf, n, &q, name), EG_DNS_NOT_QUERY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_bytes),
		cmocka_unit_test(test_edns_bytes),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_question_echoed),
		cmocka_unit_test(test_not_a_query),
		cmocka_unit_test(test_libresolv),
		cmocka_unit_test(test_parses_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
