/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DNS messages of a capture (pcap or pcapng, read with libpcap): UDP
 * datagrams from or to the server port (53) that are no IP fragments, and
 * the messages of TCP streams from or to it, taken in sequence order and
 * split at their length prefixes as the data path would: eg_dns_tcp_next()
 * towards the server, eg_dns_tcp_next_max() with EG_DNS_ANSWER_CAP from
 * it. Kept apart from the BPF headers, which clash with libpcap's.
 */
#ifndef EGRESS_TEST_DNS_PCAP_H
#define EGRESS_TEST_DNS_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_cap_msg {
	unsigned int frame;	/* 1-based; for TCP, the frame that completed it */
	bool tcp;
	bool to_server;		/* sent to the server port: a query, by direction */
	const uint8_t *msg;	/* without a TCP length prefix */
	size_t len;
};

typedef void (*dns_cap_fn)(void *ctx, const struct dns_cap_msg *m);

/*
 * Calls fn for each message in capture order. TCP streams whose length
 * prefix is refused are reported to bad_stream (may be NULL) with the
 * frame and the stream offset, and then no longer read. Returns the
 * frames read, or -1 with err set.
 */
long dns_capture_read(const char *path, unsigned int port, dns_cap_fn fn, void *ctx,
		      void (*bad_stream)(void *ctx, unsigned int frame, size_t off),
		      char *err, size_t errlen);

#endif /* EGRESS_TEST_DNS_PCAP_H */
