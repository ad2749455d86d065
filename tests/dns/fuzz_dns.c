// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target over bpf/lib/dns.h: each input is a query, an answer
 * and a TCP stream at once. Beyond not crashing (and reading no byte past
 * the input, which lives in a buffer of exactly its size):
 *   - a query that parses has a canonical name of name_len bytes, and its
 *     NXDOMAIN parses back, with eg_dns_answer_parse() and with glibc's
 *     ns_initparse(), as the NXDOMAIN answer to the same question;
 *   - an answer reports within the caps, canonical names only, and
 *     nothing at all unless it parses;
 *   - the TCP walk finds messages inside the stream, none over the cap.
 */
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns.h"

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "fuzz_dns: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort();							\
	}									\
} while (0)

static bool canonical(const char *name, size_t len)
{
	char again[EG_DNS_NAME_BUF];

	return len <= EG_NAME_MAX && strlen(name) == len &&
	       name_canon(name, (__u32)len, again) == (int)len && !strcmp(again, name);
}

static void nxdomain_parses_back(const uint8_t *data, size_t size,
				 const struct eg_dns_query *q, const char *name)
{
	static uint8_t buf[EG_DNS_BUF];
	static struct eg_dns_answer a;
	static char qname[EG_DNS_NAME_BUF], chain[EG_DNS_MAX_CHAIN][EG_DNS_NAME_BUF];
	ns_msg msg;
	__u32 n;
	int st;

	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, data, size);
	n = eg_dns_nxdomain(buf, q);
	CHECK(n == q->question_end + (q->has_edns ? EG_DNS_NX_OPT_LEN : 0));
	CHECK(!memcmp(buf + EG_DNS_HDR_LEN, data + EG_DNS_HDR_LEN,
		      q->question_end - EG_DNS_HDR_LEN));
	CHECK(buf[n] == 0xa5 || n < size);

	st = eg_dns_answer_parse(buf, n, &a, qname, chain);
	if (q->name_len == 0) {
		CHECK(st == EG_DNS_BAD_NAME);
	} else {
		CHECK(st == EG_DNS_OK);
		CHECK(!strcmp(qname, name));
		CHECK(a.id == q->id && a.qtype == q->qtype && a.qclass == q->qclass);
		CHECK(a.rcode == EG_DNS_RCODE_NXDOMAIN && a.ancount == 0 && a.n_addrs == 0);
	}

	CHECK(ns_initparse(buf, (int)n, &msg) == 0);
	CHECK(ns_msg_getflag(msg, ns_f_rcode) == ns_r_nxdomain);
	CHECK(ns_msg_getflag(msg, ns_f_qr) == 1);
	CHECK(ns_msg_count(msg, ns_s_qd) == 1 && ns_msg_count(msg, ns_s_an) == 0);
	CHECK(ns_msg_count(msg, ns_s_ar) == q->has_edns);
}

static void query(const uint8_t *data, size_t size)
{
	static struct eg_dns_query q;
	static char name[EG_DNS_NAME_BUF];
	int st = eg_dns_query_parse(data, (__u32)size, &q, name);

	CHECK(st >= EG_DNS_OK && st <= EG_DNS_TOO_LARGE);
	if (st != EG_DNS_OK) {
		CHECK(name[0] == '\0');
		return;
	}
	CHECK(q.msg_len == size && q.question_end <= size);
	CHECK(!(q.flags & (EG_DNS_F_QR | EG_DNS_F_OPCODE)));
	CHECK(q.name_len == 0 ? name[0] == '\0' : canonical(name, q.name_len));
	CHECK(q.has_edns == (size > q.question_end));
	nxdomain_parses_back(data, size, &q, name);
}

static void answer(const uint8_t *data, size_t size)
{
	static struct eg_dns_answer a;
	static char qname[EG_DNS_NAME_BUF], chain[EG_DNS_MAX_CHAIN][EG_DNS_NAME_BUF];
	int st = eg_dns_answer_parse(data, (__u32)size, &a, qname, chain);

	CHECK(st >= EG_DNS_OK && st <= EG_DNS_NOT_RESPONSE && st != EG_DNS_NOT_QUERY);
	CHECK(a.n_addrs <= EG_DNS_MAX_ADDRS && a.n_chain <= EG_DNS_MAX_CHAIN);
	CHECK(a.n_rrs <= EG_DNS_MAX_RRS && a.n_rrs <= a.ancount);
	if (st != EG_DNS_OK) {
		CHECK(a.n_addrs == 0 && a.n_chain == 0);
		return;
	}
	CHECK(canonical(qname, a.qname_len) && a.qname_len > 0);
	CHECK(!(a.capped & EG_DNS_CAPPED_RRS) == (a.ancount <= EG_DNS_MAX_RRS));
	for (unsigned int k = 0; k < a.n_chain; k++) {
		CHECK(canonical(chain[k], a.chain_len[k]) && a.chain_len[k] > 0);
		CHECK(strcmp(chain[k], qname));
	}
	for (unsigned int k = 0; k < a.n_addrs; k++) {
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

		CHECK(a.addrs[k].family == 4 || a.addrs[k].family == 6);
		if (a.addrs[k].family == 4)
			CHECK(!memcmp(a.addrs[k].addr, mapped, sizeof(mapped)));
		CHECK(a.addrs[k].ttl >= a.min_ttl && a.addrs[k].ttl <= 0x7fffffff);
	}
}

static void tcp(const uint8_t *data, size_t size)
{
	__u32 off = 0, msg_off, msg_len;
	int ret;

	while ((ret = eg_dns_tcp_next(data, (__u32)size, off, &msg_off, &msg_len)) == 1) {
		CHECK(msg_off == off + 2 && msg_len >= 1 && msg_len <= EG_DNS_CAP);
		CHECK(msg_off + msg_len <= size);
		off = msg_off + msg_len;
	}
	CHECK(ret == 0 || ret == -1);
	if (ret == 0)
		CHECK(size < (size_t)off + 2 ||
		      size - off - 2 < ((size_t)data[off] << 8 | data[off + 1]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	CHECK(copy);
	if (size)
		memcpy(copy, data, size);
	query(copy, size);
	answer(copy, size);
	tcp(copy, size);
	free(copy);
	return 0;
}
