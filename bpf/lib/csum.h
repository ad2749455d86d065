/* SPDX-License-Identifier: GPL-2.0-only */
/* Internet checksums (RFC 1071) over small, fixed-size headers. */
#ifndef EGRESS_BPF_CSUM_H
#define EGRESS_BPF_CSUM_H

#include "compat.h"

/* Adds `words` 16-bit words at p (network order, 2-byte aligned) to sum. */
EG_INLINE __u32 csum_add_words(__u32 sum, const void *p, int words)
{
	const __u16 *w = p;

	for (int i = 0; i < words; i++)
		sum += w[i];
	return sum;
}

EG_INLINE __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Checksum of an IPv4 header without options (checksum field zeroed). */
EG_INLINE __u16 csum_ipv4_hdr(const void *iph)
{
	return csum_fold(csum_add_words(0, iph, 10));
}

/*
 * Checksum of an L4 segment of `len` bytes (len even, <= 64 KiB) with the
 * IPv4 or IPv6 pseudo-header; saddr/daddr point at 4 or 16 address bytes.
 */
EG_INLINE __u16 csum_l4(int family, const void *saddr, const void *daddr,
			__u8 proto, const void *seg, int seg_words)
{
	int addr_words = family == 4 ? 2 : 8;
	__u32 sum = 0;

	sum = csum_add_words(sum, saddr, addr_words);
	sum = csum_add_words(sum, daddr, addr_words);
	sum += eg_htons(proto);
	sum += eg_htons((__u16)(seg_words * 2));
	sum = csum_add_words(sum, seg, seg_words);
	return csum_fold(sum);
}

#endif /* EGRESS_BPF_CSUM_H */
