/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The first bytes of every TCP flow in a capture (pcap or pcapng, read with
 * libpcap): what the client sent, in sequence order from its first stream
 * byte, as far as it is contiguous. Kept apart from the BPF headers, which
 * clash with libpcap's.
 */
#ifndef EGRESS_TEST_CAPTURE_H
#define EGRESS_TEST_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_STREAM_MAX	(64 * 1024)	/* bytes kept per flow */
#define CAPTURE_MAX_FLOWS	64

/*
 * The client is the side that sent the SYN (or received the SYN-ACK); for
 * a flow met without either, the side with the higher port. Its stream
 * starts after its SYN, or at the first segment seen.
 */
typedef void (*capture_flow_fn)(void *ctx, int index, uint16_t server_port,
				const uint8_t *bytes, size_t len);

/* Calls fn for each flow with client bytes. 0, or -1 with err set. */
int capture_first_bytes(const char *path, capture_flow_fn fn, void *ctx,
			char *err, size_t errlen);

#endif /* EGRESS_TEST_CAPTURE_H */
