// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf/lib/dns.h in the kernel: verifier_check.bpf.c loaded (the verifier's
 * verdict and its processed-instruction counts, printed), then every
 * message run through it and through the same code in userspace, which
 * must agree on everything: status, query fields and name, NXDOMAIN bytes
 * (as written back into the frame), answer fields, question and chain
 * names, addresses. The messages: the built cases, every prefix of each,
 * the NXDOMAIN answers built from the queries, seeded mutations of the
 * cases, and every DNS message of the corpus's captures.
 *
 * Needs root (CAP_BPF, CAP_SYS_ADMIN for test runs); without it, skips.
 * Groups: "verifier", "differential" (no argument: both).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "dns_check.h"
#include "dns_cases.h"
#include "dns_pcap.h"
#include "dns_test.h"
#include "verifier_check.skel.h"

#ifndef CORPUS_DIR
#define CORPUS_DIR ""
#endif

#define SKIP		77
#define LOG_SIZE	(1 << 20)
#define FRAME_HDR	(ETH_HLEN + 20 + 8)
#define FRAME_MAX	(FRAME_HDR + DM_MAX + 64)
#define TC_FRAME_MAX	3500	/* a tc test run takes one page, less the skb's */
#define INSN_BUDGET	200000	/* a regression guard, far below the verifier's limit */
#define SHOW_MAX	20

static struct dns_check_bpf *skel;
static char *logs[3];
static int cpu, n_cpus;
static size_t value_size;
static void *values;

static struct {
	unsigned long messages, runs, differ;
} stats;

/* ---- loading ------------------------------------------------------------- */

static struct bpf_program *prog_at(int i)
{
	struct bpf_program *progs[] = {
		skel->progs.dns_query, skel->progs.dns_answer, skel->progs.dns_answer_xdp,
	};

	return progs[i];
}

static int load(void)
{
	cpu_set_t set;
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "not root: skipped\n");
		return SKIP;
	}
	/* test runs happen on this CPU: its slot of the per-CPU value is ours */
	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 1;

	skel = dns_check_bpf__open();
	if (!skel)
		return errno == EPERM ? SKIP : 1;
	for (int i = 0; i < 3; i++) {
		logs[i] = calloc(1, LOG_SIZE);
		if (!logs[i])
			return 1;
		bpf_program__set_log_level(prog_at(i), 4);	/* statistics */
		bpf_program__set_log_buf(prog_at(i), logs[i], LOG_SIZE);
	}
	err = dns_check_bpf__load(skel);
	if (err == -EPERM)
		return SKIP;
	n_cpus = libbpf_num_possible_cpus();
	value_size = (sizeof(struct dns_check) + 7) & ~(size_t)7;
	values = calloc((size_t)n_cpus, value_size);
	if (!values || n_cpus <= cpu)
		return 1;
	return err ? -1 : 0;
}

static unsigned long processed(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtoul(p + strlen("processed "), NULL, 10) : 0;
}

static void test_verifier(void **state)
{
	int failed = 0;

	for (int i = 0; i < 3; i++) {
		const char *name = bpf_program__name(prog_at(i));
		const char *line = strstr(logs[i], "processed ");
		unsigned long n = processed(logs[i]);

		if (bpf_program__fd(prog_at(i)) < 0 || !n) {
			print_error("%s: not loaded\n%s\n", name, logs[i]);
			failed++;
			continue;
		}
		printf("%-15s %.*s\n", name, (int)strcspn(line, "\n"), line);
		if (n > INSN_BUDGET) {
			print_error("%s: %lu instructions processed, over %d\n", name, n,
				    INSN_BUDGET);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* ---- runs ----------------------------------------------------------------- */

static uint8_t frame[FRAME_MAX], out[FRAME_MAX];

static size_t make_frame(const uint8_t *msg, size_t len)
{
	size_t flen = FRAME_HDR + len;
	uint8_t *ip = frame + ETH_HLEN, *udp = ip + 20;

	memset(frame, 0, FRAME_HDR);
	memcpy(frame, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", ETH_HLEN);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + len) >> 8);
	ip[3] = (uint8_t)(20 + 8 + len);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\xc6\x12\x00\x02\xc6\x12\x00\x01", 8);	/* 198.18.0.2 -> .1 */
	udp[0] = 0xa0;
	udp[3] = 53;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	memcpy(frame + FRAME_HDR, msg, len);
	while (flen < 64)
		frame[flen++] = 0;			/* Ethernet padding */
	return flen;
}

static __u32 run(struct bpf_program *prog, size_t flen, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = (__u32)flen,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	if (err)
		fail_msg("%s: test run of %zu bytes: %s", bpf_program__name(prog), flen,
			 strerror(-err));
	stats.runs++;
	*out_len = opts.data_size_out;
	return opts.retval;
}

static const struct dns_check *kernel_value(void)
{
	__u32 key = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.check), &key, values))
		fail_msg("lookup: %s", strerror(errno));
	return (const struct dns_check *)((char *)values + (size_t)cpu * value_size);
}

static bool differ(const char *what, const char *field)
{
	if (stats.differ++ < SHOW_MAX)
		print_error("%s: %s differs between the kernel and userspace\n", what, field);
	return true;
}

static void compare_query(const char *what, const uint8_t *msg, size_t len)
{
	static struct eg_dns_query uq;
	static char uname[EG_DNS_NAME_BUF];
	static uint8_t ubuf[EG_DNS_BUF];
	const struct dns_check *k;
	__u32 un = 0, action, out_len;
	int ust;

	ust = dt_query(msg, len, &uq, uname);
	if (ust == EG_DNS_OK) {
		memcpy(ubuf, msg, len);
		un = eg_dns_nxdomain(ubuf, &uq);
	}
	action = run(skel->progs.dns_query, make_frame(msg, len), &out_len);
	k = kernel_value();
	if (k->in_len != len)
		differ(what, "query length");
	else if (k->status != ust)
		differ(what, "query status");
	else if (memcmp(&k->q, &uq, offsetof(struct eg_dns_query, walk)))
		differ(what, "query fields");
	else if (strcmp(k->qname, uname))
		differ(what, "query name");
	else if (k->out_len != un)
		differ(what, "NXDOMAIN length");
	else if (action != (un ? XDP_TX : XDP_DROP))
		differ(what, "XDP action");
	else if (un && (out_len < FRAME_HDR + un || memcmp(out + FRAME_HDR, ubuf, un)))
		differ(what, "NXDOMAIN bytes");
}

static void compare_answer_with(const char *what, struct bpf_program *prog,
				const struct dt_answer *u, int ust, size_t flen)
{
	const struct dns_check *k;
	__u32 out_len;

	run(prog, flen, &out_len);
	k = kernel_value();
	if (k->status != ust)
		differ(what, "answer status");
	else if (memcmp(&k->a, &u->a, offsetof(struct eg_dns_answer, walk)))
		differ(what, "answer fields and addresses");
	else if (strcmp(k->qname, u->qname))
		differ(what, "answer question name");
	for (unsigned int i = 0; i < u->a.n_chain && i < EG_DNS_MAX_CHAIN; i++)
		if (strcmp(k->chain[i], u->chain[i]))
			differ(what, "chain name");
}

static void compare_answer(const char *what, const uint8_t *msg, size_t len)
{
	static struct dt_answer u;
	size_t flen = make_frame(msg, len);
	int ust = dt_answer(msg, len, &u);

	compare_answer_with(what, skel->progs.dns_answer_xdp, &u, ust, flen);
	if (flen <= TC_FRAME_MAX)
		compare_answer_with(what, skel->progs.dns_answer, &u, ust, flen);
}

static void compare(const char *what, const uint8_t *msg, size_t len)
{
	stats.messages++;
	compare_query(what, msg, len);
	compare_answer(what, msg, len);
}

/* ---- messages ----------------------------------------------------------- */

static struct dmsg m;

static void test_cases(void **state)
{
	char what[128];

	for (size_t i = 0; i < dns_n_cases; i++) {
		dns_cases[i].build(&m);
		compare(dns_cases[i].name, m.b, m.len);
		for (size_t n = 0; n < m.len; n++) {
			snprintf(what, sizeof(what), "%s cut at %zu", dns_cases[i].name, n);
			compare(what, m.b, n);
		}
	}
	assert_int_equal(stats.differ, 0);
}

/* The NXDOMAIN of every query that parses, as an answer. */
static void test_nxdomain_answers(void **state)
{
	static struct eg_dns_query q;
	static char name[EG_DNS_NAME_BUF];
	static uint8_t buf[EG_DNS_BUF];
	char what[128];
	__u32 n;

	for (size_t i = 0; i < dns_n_cases; i++) {
		dns_cases[i].build(&m);
		if (m.len > EG_DNS_CAP || dt_query(m.b, m.len, &q, name) != EG_DNS_OK)
			continue;
		memcpy(buf, m.b, m.len);
		n = eg_dns_nxdomain(buf, &q);
		snprintf(what, sizeof(what), "NXDOMAIN for %s", dns_cases[i].name);
		compare(what, buf, n);
	}
	assert_int_equal(stats.differ, 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void mutate(struct dmsg *x)
{
	unsigned int ops = 1 + rnd(4);

	while (ops-- && x->len) {
		size_t at = rnd((uint32_t)x->len);

		switch (rnd(5)) {
		case 0:
			x->b[at] = (uint8_t)rnd(256);
			break;
		case 1:
			x->b[at] ^= (uint8_t)(1u << rnd(8));
			break;
		case 2:
			x->b[at] = 0xc0;			/* a pointer */
			if (at + 1 < x->len)
				x->b[at + 1] = (uint8_t)rnd((uint32_t)x->len);
			break;
		case 3:
			x->b[at] = (uint8_t)rnd(64);		/* a label length */
			break;
		default:
			x->len = at;
			break;
		}
	}
}

static void test_mutations(void **state)
{
	char what[128];

	for (size_t i = 0; i < dns_n_cases; i++) {
		for (unsigned int k = 0; k < 40; k++) {
			dns_cases[i].build(&m);
			mutate(&m);
			snprintf(what, sizeof(what), "%s mutation %u", dns_cases[i].name, k);
			compare(what, m.b, m.len);
		}
	}
	assert_int_equal(stats.differ, 0);
}

static const char *const captures[] = {
	"ndpi-dns-tunnel-iodine.pcap",
	"ndpi-dns2tcp_tunnel.pcap",
	"ndpi-dns_exfiltration.pcap",
	"zeek-dns-max-compression-depth.pcap",
	"suricata-dns-forward-pointer.pcap",
	"zeek-dns-invalid-names.pcap",
	"ndpi-malformed_dns.pcap",
	"zeek-dns-https-rr-ech.pcap",
	"ndpi-dns_fragmented.pcap",
};

struct cap_ctx {
	const char *file;
	unsigned long n;
};

static void on_msg(void *arg, const struct dns_cap_msg *cm)
{
	struct cap_ctx *c = arg;
	char what[256];

	snprintf(what, sizeof(what), "%s frame %u", c->file, cm->frame);
	compare(what, cm->msg, cm->len);
	c->n++;
}

static void test_captures(void **state)
{
	unsigned long total = 0;
	char path[4096], err[512];

	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct cap_ctx c = { .file = captures[i] };

		snprintf(path, sizeof(path), "%s/external/%s", CORPUS_DIR, captures[i]);
		if (dns_capture_read(path, 53, on_msg, &c, NULL, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		total += c.n;
	}
	assert_int_equal(total, 786);	/* as test_dns_captures.c pins them */
	assert_int_equal(stats.differ, 0);
	printf("%lu messages, %lu test runs: the kernel and userspace agree\n", stats.messages,
	       stats.runs);
}

/* ---- main --------------------------------------------------------------- */

static bool wanted(int argc, char **argv, const char *group)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], group))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest verifier[] = {
		cmocka_unit_test(test_verifier),
	};
	const struct CMUnitTest differential[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_nxdomain_answers),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_captures),
	};
	int ret, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "verifier") && strcmp(argv[i], "differential")) {
			fprintf(stderr, "%s: no test group '%s'\n", argv[0], argv[i]);
			return 1;
		}
	}
	ret = load();
	if (ret == SKIP)
		return SKIP;
	if (ret > 0)
		return 1;
	if (wanted(argc, argv, "verifier"))
		failed += cmocka_run_group_tests_name("verifier", verifier, NULL, NULL);
	if (ret < 0)
		return 1;
	if (wanted(argc, argv, "differential"))
		failed += cmocka_run_group_tests_name("differential", differential, NULL, NULL);
	dns_check_bpf__destroy(skel);
	return failed ? 1 : 0;
}
