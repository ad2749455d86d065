/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef RESEGMENT_SEGMENT_H
#define RESEGMENT_SEGMENT_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

typedef int (*piece_fn)(void *ctx, const struct pcap_pkthdr *h,
			const uint8_t *data);

struct resegment_opts {
	unsigned int mss;	/* most payload bytes per piece, 1..65535 */
	bool reverse;		/* emit the pieces last first */
	bool nsec;		/* timestamps count nanoseconds, not microseconds */
};

/* Number of pieces that s is cut into. */
unsigned int resegment_count(const struct tcp_seg *s, unsigned int mss);

/*
 * Cut the payload of TCP segment s, found in packet pkt with header h, into
 * pieces of at most o->mss bytes and pass each to emit(ctx, ...) in turn.
 * Every piece keeps the link-layer, IP and TCP headers with their options;
 * lengths, sequence numbers, flags and checksums are set for the piece.
 * Piece k is stamped k microseconds after h. buf must hold h->caplen bytes. Returns 0 or the first error from emit.
 */
int resegment(const struct pcap_pkthdr *h, const uint8_t *pkt,
	      const struct tcp_seg *s, const struct resegment_opts *o,
	      uint8_t *buf, piece_fn emit, void *ctx);

#endif
