// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parsers in the kernel give exactly what they give in userspace: runs
 * verifier_check.bpf.o's check_all_prog with BPF_PROG_TEST_RUN on the
 * ClientHellos of the captures, built hellos, HTTP requests and every
 * prefix of some, and compares statuses, offsets, canonical names, name
 * hashes and SipHash with the same headers compiled here. Needs root
 * (exit 77, skipped, without).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/tls.h"
#include "lib/http.h"
#include "lib/siphash.h"
#include "lib/name_hash.h"
#include "verifier_check.h"
#include "hello_builder.h"
#include "pcap_stream.h"

#define XDP_TEST_MAX	3000	/* frames BPF_PROG_TEST_RUN takes in one page */
#define ETH_HLEN_MIN	14

static const __u64 key[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
static int prog_fd, map_fd, failures, runs;

static void fail(const char *what, const char *field, long long got, long long want)
{
	fprintf(stderr, "%s: %s: kernel %lld, userspace %lld\n", what, field, got, want);
	failures++;
}

#define CHECK(what, field, got, want) do {					\
	if ((long long)(got) != (long long)(want))				\
		fail(what, field, (long long)(got), (long long)(want));		\
} while (0)

/* The kernel's eg_name_hashes() of a canonical name (len <= 0: none). */
static void expect_hashes(const char *what, const struct check_result *k,
			  const char *name, int len)
{
	static char buf[CHECK_NAME_BUF];
	__u64 out[EG_NAME_DEPTHS] = { 0 };
	__u32 labels = 0, depths = 0;

	if (len > 0) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, name, (size_t)len);
		labels = eg_name_hashes(key, buf, (__u32)len, out);
		depths = labels < EG_NAME_DEPTHS ? labels : EG_NAME_DEPTHS;
	}
	CHECK(what, "labels", k->labels, labels);
	for (__u32 d = 0; d < EG_NAME_DEPTHS; d++) {
		if (d < depths)
			CHECK(what, "name hash", k->hash[d] == out[d], 1);
		else
			CHECK(what, "name hash past the depths", k->hash[d], 0);
	}
}

/* Runs the program on bytes; compares its map with the userspace results. */
static void compare(const char *what, const uint8_t *bytes, size_t len)
{
	static struct check_buf kern, zero;
	static uint8_t buf[EG_HELLO_BUF];
	struct eg_hello_info hello;
	struct eg_http_info http;
	char name[CHECK_NAME_BUF];
	__u32 k0 = 0;
	int st, canon;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = bytes, .data_size_in = (__u32)len,
		    .repeat = 1);

	if (len < ETH_HLEN_MIN || len > XDP_TEST_MAX)
		return;
	memset(&zero, 0, sizeof(zero));
	memcpy(zero.key, key, sizeof(key));
	if (bpf_map_update_elem(map_fd, &k0, &zero, BPF_ANY) ||
	    bpf_prog_test_run_opts(prog_fd, &opts) ||
	    bpf_map_lookup_elem(map_fd, &k0, &kern)) {
		fprintf(stderr, "%s: cannot run the program: %s\n", what, strerror(errno));
		failures++;
		return;
	}
	runs++;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, bytes, len);
	CHECK(what, "copied", kern.len, len);
	CHECK(what, "siphash", kern.sip == eg_siphash(key, buf, len < 80 ? (__u32)len : 80), 1);

	st = eg_hello_parse(buf, (__u32)len, &hello);
	CHECK(what, "tls status", kern.tls.status, st);
	CHECK(what, "tls need", kern.tls.need, hello.need);
	CHECK(what, "sni_off", kern.tls.off, hello.sni_off);
	CHECK(what, "sni_len", kern.tls.len, hello.sni_len);
	CHECK(what, "has_sni", kern.tls.flag, hello.has_sni);
	CHECK(what, "has_ech", kern.tls.has_ech, hello.has_ech);
	CHECK(what, "n_ext", kern.tls.n_ext, hello.n_ext);
	if (st == EG_HELLO_DONE && hello.has_sni) {
		canon = eg_sni_canon(buf, hello.sni_off, hello.sni_len, name);
		CHECK(what, "sni canon", kern.tls.canon, canon);
		if (canon > 0)
			CHECK(what, "sni name", memcmp(kern.tls.name, name, (size_t)canon + 1), 0);
		expect_hashes(what, &kern.tls, name, canon);
	}

	CHECK(what, "http maybe", kern.http.maybe, eg_http_maybe(buf, (__u32)len));
	if (!kern.http.maybe)
		return;
	st = eg_http_parse(buf, (__u32)len, &http);
	CHECK(what, "http status", kern.http.status, st);
	CHECK(what, "http need", kern.http.need, http.need);
	CHECK(what, "host_off", kern.http.off, http.host_off);
	CHECK(what, "host_len", kern.http.len, http.host_len);
	CHECK(what, "absolute_form", kern.http.flag, http.absolute_form);
	if (st == EG_HTTP_DONE) {
		canon = eg_http_host_canon(buf, http.host_off, http.host_len, name);
		CHECK(what, "host canon", kern.http.canon, canon);
		if (canon > 0)
			CHECK(what, "host name", memcmp(kern.http.name, name, (size_t)canon + 1), 0);
		expect_hashes(what, &kern.http, name, canon);
	}
}

static void compare_prefixes(const char *what, const uint8_t *bytes, size_t len)
{
	for (size_t n = ETH_HLEN_MIN; n <= len; n++)
		compare(what, bytes, n);
}

static const char *const captures[] = {
	"zeek-chrome-1250-tls-x25519-kyber.pcap", "suricata-tls-client-hello-frag-mtu300.pcap",
	"ndpi-tls_2_reasms.pcapng", "ndpi-tls_2_reasms_b.pcapng", "zeek-tls13-ech.pcap",
	"ndpi-tls_ech.pcapng", "ndpi-tls_esni_sni_both.pcap", "ndpi-dns_doh.pcap",
	"zeek-tls-fragmented-handshake.pcap", "zeek-tls-hrr.pcap", "ndpi-tls-esni-fuzzed.pcap",
	"ndpi-tls_missing_ch_frag.pcap",
};

static void run_captures(void)
{
	static uint8_t hs[64 * 1024];

	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct tcp_stream s;
		size_t n;

		if (pcap_tcp_stream(corpus_path(captures[i]), stream_is_client_hello, 0, &s)) {
			failures++;
			continue;
		}
		n = tls_handshake_bytes(s.data, s.len, hs, sizeof(hs));
		tcp_stream_free(&s);
		compare(captures[i], hs, n);
		if (i < 2)
			compare_prefixes(captures[i], hs, n);
	}
}

static void run_built_hellos(void)
{
	static struct hello h;
	static const char *const names[] = {
		"a.b.example.com", "Upper.Case.Example.", "127.0.0.1", "0x7f.example.0x1",
		"x", "bad name", "a..b", "xn--bcher-kva.example",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b.c.d.e.f.g.h",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		hb_start(&h, 32, 8, 1);
		hb_extensions(&h);
		hb_ext_filler(&h, 0x000a, 10);
		hb_sni(&h, names[i]);
		hb_ext_filler(&h, 0xfe0d, (size_t)i * 7);
		hb_finish(&h);
		compare(names[i], h.buf, h.len);
	}
	hb_typical(&h, "www.example.com", 5);
	compare_prefixes("typical hello", h.buf, h.len);
}

static void run_http(void)
{
	static const char *const requests[] = {
		"GET / HTTP/1.1\r\nHost: www.example.com:8080\r\n\r\n",
		"GET http://Abs.Example/path HTTP/1.1\r\nHost: abs.example\r\n\r\n",
		"GET http://abs.example/ HTTP/1.1\r\nHost: other.example\r\n\r\n",
		"POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [fd00::1]:80\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
		"GET / HTTP/1.1\nHost: a\r\n\r\n",
		"get / HTTP/1.1\r\nHost: a\r\n\r\n",
		"ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		compare(requests[i], (const uint8_t *)requests[i], strlen(requests[i]));
		if (i < 3)
			compare_prefixes(requests[i], (const uint8_t *)requests[i],
					 strlen(requests[i]));
	}
}

/*
 * Every file of a directory (a fuzzer's corpus): its bytes as they are, and
 * without their first byte (the fuzz target's selector).
 */
static void run_dir(const char *dir)
{
	static uint8_t buf[16384];
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		failures++;
		return;
	}
	while ((de = readdir(d))) {
		FILE *f;
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		compare(path, buf, n);
		if (n > 1)
			compare(path, buf + 1, n - 1);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s verifier_check.bpf.o [DIR]...\n", argv[0]);
		return 2;
	}
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	/* as root EACCES is the verifier's refusal, not a lack of privileges */
	if ((err == -EPERM || err == -EACCES) && geteuid() != 0) {
		fprintf(stderr, "no privileges to load BPF: skipped\n");
		return 77;
	}
	if (err) {
		fprintf(stderr, "%s: load failed: %s\n", argv[1], strerror(-err));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "check_all_prog");
	map_fd = bpf_object__find_map_fd_by_name(obj, "check_bufs");
	if (!prog || map_fd < 0) {
		fprintf(stderr, "%s: no check_all_prog or check_bufs\n", argv[1]);
		return 1;
	}
	prog_fd = bpf_program__fd(prog);

	if (argc > 2) {
		for (int i = 2; i < argc; i++)
			run_dir(argv[i]);
	} else {
		run_captures();
		run_built_hellos();
		run_http();
	}
	bpf_object__close(obj);
	printf("%d runs, %d differences\n", runs, failures);
	return failures ? 1 : 0;
}
