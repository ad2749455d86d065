// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DNS captures of the shared corpus (real traffic nobody on this
 * project wrote): every message through both parsers, in buffers no larger
 * than the message. What each capture gives is pinned: statuses by
 * direction, addresses and chain names reported, TCP streams refused, and
 * for the small captures message by message. Query names must be what
 * tshark reads (pinned in tshark/, see tshark-names.sh): a query that
 * parses names exactly what tshark reads, lower-cased; one refused for its
 * name names something that is no host name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns_pcap.h"
#include "dns_test.h"

#ifndef CORPUS_DIR
#define CORPUS_DIR ""
#endif
#ifndef PIN_DIR
#define PIN_DIR ""
#endif

#define N_STATUS	(EG_DNS_NOT_RESPONSE + 1)
#define MAX_MSGS	1024

struct cap_msg {
	unsigned int frame;
	bool tcp, to_server;
	int q_status, a_status;
	struct eg_dns_query q;
	char name[EG_DNS_NAME_BUF];
	struct dt_answer a;
};

struct cap {
	struct cap_msg *msgs;
	unsigned int n;
	unsigned int bad_streams;
};

struct pin {
	const char *file;
	unsigned int port;
	unsigned int queries, answers;
	unsigned int q[N_STATUS];	/* queries by status */
	unsigned int a[N_STATUS];	/* answers by status */
	unsigned int addrs;		/* addresses the answers reported */
	unsigned int chain;		/* chain names the answers reported */
	unsigned int bad_streams;	/* TCP streams refused */
	unsigned int tshark;		/* queries tshark reads */
};

static const struct pin pins[] = {
	{ "ndpi-dns-tunnel-iodine.pcap", 53, 222, 212,
	  .q = { [EG_DNS_OK] = 181, [EG_DNS_BAD_NAME] = 41 },
	  .a = { [EG_DNS_OK] = 180, [EG_DNS_BAD_NAME] = 32 },
	  .tshark = 222 },
	/* TLS to 1.1.1.1:443: no DNS on 53; read as DNS over TCP, refused at once */
	{ "ndpi-dns2tcp_tunnel.pcap", 53, 0, 0 },
	{ "ndpi-dns2tcp_tunnel.pcap", 443, 0, 0, .bad_streams = 2 },
	{ "ndpi-dns_exfiltration.pcap", 53, 150, 150,
	  .q = { [EG_DNS_OK] = 150 }, .a = { [EG_DNS_OK] = 150 }, .chain = 47, .tshark = 150 },
	/* a response sent to port 53 */
	{ "zeek-dns-max-compression-depth.pcap", 53, 1, 0,
	  .q = { [EG_DNS_NOT_QUERY] = 1 } },
	{ "suricata-dns-forward-pointer.pcap", 53, 1, 1,
	  .q = { [EG_DNS_BAD_COUNTS] = 1 }, .a = { [EG_DNS_OK] = 1 }, .addrs = 1, .tshark = 1 },
	{ "zeek-dns-invalid-names.pcap", 53, 3, 0,
	  .q = { [EG_DNS_MALFORMED] = 2, [EG_DNS_COMPRESSED] = 1 }, .tshark = 3 },
	{ "ndpi-malformed_dns.pcap", 53, 2, 4,
	  .q = { [EG_DNS_OK] = 2 }, .a = { [EG_DNS_BAD_COUNTS] = 4 }, .tshark = 2 },
	{ "zeek-dns-https-rr-ech.pcap", 53, 2, 2,
	  .q = { [EG_DNS_OK] = 2 }, .a = { [EG_DNS_OK] = 2 }, .tshark = 2 },
	/* UDP answers in IP fragments are not read; two queries and answers over TCP */
	{ "ndpi-dns_fragmented.pcap", 53, 22, 14,
	  .q = { [EG_DNS_OK] = 22 }, .a = { [EG_DNS_OK] = 14 }, .addrs = 10, .tshark = 22 },
};

static void on_msg(void *ctx, const struct dns_cap_msg *m)
{
	struct cap *c = ctx;
	struct cap_msg *cm;

	if (c->n == MAX_MSGS)
		fail_msg("more than %d messages", MAX_MSGS);
	cm = &c->msgs[c->n++];
	memset(cm, 0, sizeof(*cm));
	cm->frame = m->frame;
	cm->tcp = m->tcp;
	cm->to_server = m->to_server;
	cm->q_status = dt_query(m->msg, m->len, &cm->q, cm->name);
	cm->a_status = dt_answer(m->msg, m->len, &cm->a);
}

static void on_bad_stream(void *ctx, unsigned int frame, size_t off)
{
	struct cap *c = ctx;

	assert_int_equal(off, 0);
	c->bad_streams++;
}

static void read_capture(const char *file, unsigned int port, struct cap *c)
{
	char path[4096], err[512];

	if (!c->msgs)
		c->msgs = calloc(MAX_MSGS, sizeof(*c->msgs));
	assert_non_null(c->msgs);
	c->n = 0;
	c->bad_streams = 0;
	snprintf(path, sizeof(path), "%s/external/%s", CORPUS_DIR, file);
	if (dns_capture_read(path, port, on_msg, c, on_bad_stream, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

static struct cap cap;

static const struct cap_msg *message(unsigned int frame, bool to_server)
{
	for (unsigned int i = 0; i < cap.n; i++)
		if (cap.msgs[i].frame == frame && cap.msgs[i].to_server == to_server)
			return &cap.msgs[i];
	fail_msg("no message in frame %u", frame);
	return NULL;
}

static void check_pin(const struct pin *p)
{
	unsigned int q[N_STATUS] = { 0 }, a[N_STATUS] = { 0 }, queries = 0, answers = 0;
	unsigned int addrs = 0, chain = 0;

	read_capture(p->file, p->port, &cap);
	for (unsigned int i = 0; i < cap.n; i++) {
		const struct cap_msg *m = &cap.msgs[i];

		if (m->to_server) {
			queries++;
			q[m->q_status]++;
		} else {
			answers++;
			a[m->a_status]++;
			addrs += m->a.a.n_addrs;
			chain += m->a.a.n_chain;
		}
	}
	assert_int_equal(queries, p->queries);
	assert_int_equal(answers, p->answers);
	for (int s = 0; s < N_STATUS; s++) {
		if (q[s] != p->q[s] || a[s] != p->a[s])
			fail_msg("%s: %s: %u queries, %u answers; pinned %u and %u", p->file,
				 dns_status_name(s), q[s], a[s], p->q[s], p->a[s]);
	}
	if (addrs != p->addrs || chain != p->chain || cap.bad_streams != p->bad_streams)
		fail_msg("%s: %u addresses, %u chain names, %u streams refused; pinned %u, %u, %u",
			 p->file, addrs, chain, cap.bad_streams, p->addrs, p->chain,
			 p->bad_streams);
}

static void test_pins(void **state)
{
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		check_pin(&pins[i]);
}

static bool is_host_name(const char *s)
{
	char out[EG_DNS_NAME_BUF];
	size_t n = strlen(s);

	return n <= EG_NAME_MAX && name_canon(s, (__u32)n, out) == (int)n;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

/*
 * The queries of a capture against the names tshark reads in them: it
 * lists every message with QR clear, whatever else it holds.
 */
static unsigned int check_tshark(const struct pin *p)
{
	static bool listed[MAX_MSGS * 4];
	char path[4096], line[4096];
	unsigned int lines = 0;
	FILE *f;

	read_capture(p->file, p->port, &cap);
	memset(listed, 0, sizeof(listed));
	snprintf(path, sizeof(path), "%s/%.*s.tsv", PIN_DIR, (int)(strlen(p->file) - 5), p->file);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t'), *names;
		const struct cap_msg *m;

		assert_non_null(tab);
		*tab = '\0';
		names = tab + 1;
		names[strcspn(names, "\n")] = '\0';
		m = message((unsigned int)strtoul(line, NULL, 10), true);
		assert_true(m->frame < sizeof(listed));
		listed[m->frame] = true;
		lines++;
		if (m->q_status == EG_DNS_OK) {
			lower(names);
			if (strcmp(m->name, names))
				fail_msg("%s frame %u: \"%s\", tshark reads \"%s\"", p->file,
					 m->frame, m->name, names);
		} else if (m->q_status == EG_DNS_BAD_NAME && is_host_name(names)) {
			fail_msg("%s frame %u: refused, tshark reads \"%s\"", p->file, m->frame,
				 names);
		}
	}
	fclose(f);
	for (unsigned int i = 0; i < cap.n; i++) {
		const struct cap_msg *m = &cap.msgs[i];

		if (m->to_server && m->frame < sizeof(listed) &&
		    listed[m->frame] != !(m->q.flags & EG_DNS_F_QR))
			fail_msg("%s frame %u: %s, tshark %s it", p->file, m->frame,
				 dns_status_name(m->q_status), listed[m->frame] ? "lists" : "skips");
	}
	return lines;
}

static void test_tshark(void **state)
{
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		if (pins[i].port != 53)
			continue;
		assert_int_equal(check_tshark(&pins[i]), pins[i].tshark);
	}
}

static void test_compression_depth(void **state)
{
	const struct cap_msg *m;
	char want[32], got[64];

	read_capture("zeek-dns-max-compression-depth.pcap", 53, &cap);
	m = message(1, true);
	/* the owner of record k points to record k-1's: six hops at most, all refused in a query */
	assert_int_equal(m->q_status, EG_DNS_NOT_QUERY);
	assert_int_equal(m->a_status, EG_DNS_OK);
	assert_string_equal(m->a.qname, "a");
	assert_int_equal(m->a.a.n_rrs, 7);
	assert_int_equal(m->a.a.n_addrs, 7);
	for (unsigned int k = 0; k < 7; k++) {
		snprintf(want, sizeof(want), "127.0.0.%u", k + 1);
		assert_string_equal(dt_addr(&m->a.a.addrs[k], got, sizeof(got)), want);
		assert_int_equal(m->a.a.addrs[k].ttl, 300);
	}
}

static void test_forward_pointer(void **state)
{
	const struct cap_msg *m;
	char got[64];

	read_capture("suricata-dns-forward-pointer.pcap", 53, &cap);
	/* two questions, the first a pointer forward to the second: refused for its count */
	m = message(1, true);
	assert_int_equal(m->q_status, EG_DNS_BAD_COUNTS);
	m = message(2, false);
	assert_int_equal(m->a_status, EG_DNS_OK);
	assert_string_equal(m->a.qname, "codemonkey.net");
	assert_int_equal(m->a.a.n_addrs, 1);
	assert_string_equal(dt_addr(&m->a.a.addrs[0], got, sizeof(got)), "152.53.82.239");
	assert_int_equal(m->a.a.addrs[0].ttl, 300);
}

static void test_invalid_names(void **state)
{
	read_capture("zeek-dns-invalid-names.pcap", 53, &cap);
	assert_int_equal(message(1, true)->q_status, EG_DNS_MALFORMED);	/* label past the end */
	assert_int_equal(message(2, true)->q_status, EG_DNS_COMPRESSED);	/* pointer to itself */
	assert_int_equal(message(3, true)->q_status, EG_DNS_MALFORMED);	/* no root label */
	for (unsigned int i = 0; i < cap.n; i++)
		assert_string_equal(cap.msgs[i].name, "");
}

static void test_malformed(void **state)
{
	static const unsigned int answers[] = { 2, 3, 5, 6 };

	read_capture("ndpi-malformed_dns.pcap", 53, &cap);
	assert_int_equal(message(1, true)->q_status, EG_DNS_OK);
	assert_string_equal(message(4, true)->name, "www.xt.com");
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct cap_msg *m = message(answers[i], false);

		assert_int_equal(m->a_status, EG_DNS_BAD_COUNTS);	/* QDCOUNT 2 */
		assert_int_equal(m->a.a.n_addrs, 0);
	}
}

static void test_https_rr(void **state)
{
	static const struct {
		unsigned int query, answer;
		const char *name;
	} want[] = {
		{ 1, 2, "defo.ie" },
		{ 3, 4, "cloudflare-ech.com" },
	};

	read_capture("zeek-dns-https-rr-ech.pcap", 53, &cap);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct cap_msg *q = message(want[i].query, true);
		const struct cap_msg *a = message(want[i].answer, false);

		assert_int_equal(q->q_status, EG_DNS_OK);
		assert_string_equal(q->name, want[i].name);
		assert_int_equal(q->q.qtype, 65);
		assert_int_equal(q->q.has_edns, 1);
		assert_int_equal(a->a_status, EG_DNS_OK);
		assert_string_equal(a->a.qname, want[i].name);
		assert_int_equal(a->a.a.qtype, 65);
		assert_int_equal(a->a.a.n_rrs, 1);
		assert_int_equal(a->a.a.n_addrs, 0);
	}
}

static void test_tcp(void **state)
{
	const struct cap_msg *m;

	read_capture("ndpi-dns_fragmented.pcap", 53, &cap);
	m = message(48, true);
	assert_true(m->tcp);
	assert_int_equal(m->q_status, EG_DNS_OK);
	assert_string_equal(m->name, "weberlab.de");
	assert_int_equal(m->q.qtype, 48);				/* DNSKEY */
	m = message(50, false);
	assert_true(m->tcp);
	assert_int_equal(m->a_status, EG_DNS_OK);
	assert_string_equal(m->a.qname, "weberlab.de");
	assert_int_equal(m->a.a.n_rrs, 4);
	assert_int_equal(m->a.a.n_addrs, 0);
}

static int teardown(void **state)
{
	free(cap.msgs);
	cap.msgs = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_tshark),
		cmocka_unit_test(test_compression_depth),
		cmocka_unit_test(test_forward_pointer),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_https_rr),
		cmocka_unit_test(test_tcp),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
