/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef RESEGMENT_CHECKSUM_H
#define RESEGMENT_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Internet checksum (RFC 1071). csum_add() sums big-endian 16-bit words;
 * only the last block of a sum may have an odd length.
 */
uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len);
uint16_t csum_fold(uint64_t sum);

#endif
