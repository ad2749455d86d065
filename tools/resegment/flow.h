/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef RESEGMENT_FLOW_H
#define RESEGMENT_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "packet.h"

struct flow;

/* Connections seen so far, each with the side that opened it. */
struct flow_table {
	struct flow **buckets;
	size_t nbuckets;
	size_t count;
};

int flow_table_init(struct flow_table *t);
void flow_table_free(struct flow_table *t);

/*
 * Account for segment s and tell whether its sender is the client of its
 * connection: the sender of a SYN, else the receiver of a SYN-ACK, else
 * (no handshake captured) the side with the higher port, and on equal
 * ports the first sender seen. Returns 0 or -ENOMEM.
 */
int flow_from_client(struct flow_table *t, const struct tcp_seg *s,
		     bool *from_client);

#endif
