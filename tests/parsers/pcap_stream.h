/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helper: the byte streams in a capture, reassembled. Reads a pcap or
 * pcapng file (Ethernet, Linux cooked, raw IP), follows every TCP direction
 * and returns the contiguous bytes a sender sent, in sequence order, as far
 * as no bytes are missing. Then, for TLS: the handshake-layer bytes, record
 * headers stripped, as the data path feeds them to eg_hello_parse().
 */
#ifndef EGRESS_TEST_PCAP_STREAM_H
#define EGRESS_TEST_PCAP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_stream {
	uint8_t *data;		/* malloc'd */
	size_t len;		/* contiguous bytes from the first */
	bool gap;		/* later bytes exist after a missing part */
	uint16_t sport, dport;
};

/* Which streams the caller wants: the sender's first bytes. */
typedef bool (*stream_filter)(const uint8_t *data, size_t len);

/*
 * The index-th TCP direction (in order of first appearance) whose
 * reassembled bytes pass want (NULL: any with data). 0, or -1 with a
 * message on stderr.
 */
int pcap_tcp_stream(const char *path, stream_filter want, unsigned int index,
		    struct tcp_stream *out);

void tcp_stream_free(struct tcp_stream *s);

/* A TLS stream that starts with a ClientHello's handshake record. */
bool stream_is_client_hello(const uint8_t *data, size_t len);

/*
 * The handshake-layer bytes of a TLS stream: the bodies of its leading
 * handshake records (type 22), up to the first other record; a last,
 * incomplete record contributes what it has. Returns the length.
 */
size_t tls_handshake_bytes(const uint8_t *stream, size_t len, uint8_t *out, size_t cap);

/* The path of a capture in the corpus: $EGRESS_CORPUS/external/NAME. */
const char *corpus_path(const char *name);

#endif /* EGRESS_TEST_PCAP_STREAM_H */
