// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the fuzzer's seed corpus into a directory: the ClientHellos of the
 * captures in $EGRESS_CORPUS (selector 0), HTTP requests (selector 1) and
 * host names (selector 2), one file each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcap_stream.h"

static const char *const captures[] = {
	"zeek-chrome-1250-tls-x25519-kyber.pcap", "suricata-tls-client-hello-frag-mtu300.pcap",
	"ndpi-tls_2_reasms.pcapng", "ndpi-tls_2_reasms_b.pcapng", "zeek-tls13-ech.pcap",
	"ndpi-tls_ech.pcapng", "ndpi-tls_esni_sni_both.pcap", "ndpi-dns_doh.pcap",
	"zeek-tls-fragmented-handshake.pcap", "zeek-tls-hrr.pcap", "ndpi-tls-esni-fuzzed.pcap",
	"ndpi-tls_with_huge_ch.pcapng", "ndpi-tls_missing_ch_frag.pcap",
};

static const char *const requests[] = {
	"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
	"GET http://abs.example:8080/p?q HTTP/1.1\r\nHost: abs.example\r\n\r\n",
	"POST /upload HTTP/1.0\r\nhost: [fd00::1]:80\r\nContent-Length: 3\r\n\r\nabc",
	"CONNECT proxy.example:443 HTTP/1.1\r\nHost: proxy.example:443\r\n\r\n",
	"GET https://a.example/ HTTP/1.1\r\nHost: b.example\r\nHost: a.example\r\n\r\n",
};

static const char *const names[] = {
	"api.github.com", "Files.PythonHosted.org.", "104.236.167.107", "0x7f000001",
	"xn--bcher-kva.example", "a..b", "_dmarc.example-1.com",
};

static int write_seed(const char *dir, const char *name, unsigned char selector,
		      const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(selector, f) == EOF || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char hs[64 * 1024];
	char name[64];
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	if (mkdir(argv[1], 0755) && errno != EEXIST) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct tcp_stream s;
		size_t n;

		if (pcap_tcp_stream(corpus_path(captures[i]), stream_is_client_hello, 0, &s)) {
			err = 1;
			continue;
		}
		n = tls_handshake_bytes(s.data, s.len, hs, sizeof(hs));
		tcp_stream_free(&s);
		snprintf(name, sizeof(name), "hello-%02zu", i);
		err |= write_seed(argv[1], name, 0, hs, n) != 0;
	}
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		snprintf(name, sizeof(name), "http-%02zu", i);
		err |= write_seed(argv[1], name, 1, requests[i], strlen(requests[i])) != 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(name, sizeof(name), "name-%02zu", i);
		err |= write_seed(argv[1], name, 2, names[i], strlen(names[i])) != 0;
	}
	return err;
}
