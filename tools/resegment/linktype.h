/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef RESEGMENT_LINKTYPE_H
#define RESEGMENT_LINKTYPE_H

#include <stddef.h>
#include <stdint.h>

/* 0 if packets of this DLT_ link type can be taken apart, else -EPROTONOSUPPORT. */
int linktype_check(int dlt);

/*
 * Find where the IP header starts in a packet of link type dlt.
 * Returns 0 and sets *off, -ENOENT if the packet carries no IP, or
 * -EINVAL if it is too short for its link-layer header.
 */
int linktype_l3_offset(int dlt, const uint8_t *pkt, size_t caplen, size_t *off);

#endif
