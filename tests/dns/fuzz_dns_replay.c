// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_dns.c without libFuzzer: its checks on every built case, every
 * prefix of each, every DNS message of the corpus's captures, and the
 * files named on the command line (a crash or a fuzzer's corpus).
 *   fuzz-dns-replay [FILE...]
 *   fuzz-dns-replay --write-seeds DIR    the cases as files, seeds for libFuzzer
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns_cases.h"
#include "dns_pcap.h"

#ifndef CORPUS_DIR
#define CORPUS_DIR ""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const captures[] = {
	"ndpi-dns-tunnel-iodine.pcap", "ndpi-dns_exfiltration.pcap",
	"zeek-dns-max-compression-depth.pcap", "suricata-dns-forward-pointer.pcap",
	"zeek-dns-invalid-names.pcap", "ndpi-malformed_dns.pcap",
	"zeek-dns-https-rr-ech.pcap", "ndpi-dns_fragmented.pcap",
};

static unsigned long inputs;

static void run(const uint8_t *data, size_t size)
{
	LLVMFuzzerTestOneInput(data, size);
	inputs++;
}

static void on_msg(void *ctx, const struct dns_cap_msg *m)
{
	run(m->msg, m->len);
}

static int write_seeds(const char *dir)
{
	static struct dmsg m;
	char path[4096];

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < dns_n_cases; i++) {
		FILE *f;

		dns_cases[i].build(&m);
		snprintf(path, sizeof(path), "%s/%s", dir, dns_cases[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(m.b, 1, m.len, f) != m.len || fclose(f)) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int replay_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	run(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	static struct dmsg m;
	char path[4096], err[512];

	if (argc == 3 && !strcmp(argv[1], "--write-seeds"))
		return write_seeds(argv[2]);
	for (size_t i = 0; i < dns_n_cases; i++) {
		dns_cases[i].build(&m);
		for (size_t n = 0; n <= m.len; n++)
			run(m.b, n);
	}
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		snprintf(path, sizeof(path), "%s/external/%s", CORPUS_DIR, captures[i]);
		if (dns_capture_read(path, 53, on_msg, NULL, NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	}
	for (int i = 1; i < argc; i++)
		if (replay_file(argv[i]))
			return 1;
	printf("%lu inputs: no check failed\n", inputs);
	return 0;
}
