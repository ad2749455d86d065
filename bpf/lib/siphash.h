/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) with a 128-bit key: eg_siphash() of short inputs, and the core
 * (eg_sip_init, eg_sip_word, eg_sip_finish) that the name rule keys in
 * name_hash.h are built on.
 *
 * 2-4 rather than 1-3: the rule tables rely on the hash being a PRF under a
 * per-boot key (a guest that has read this code must not be able to make
 * one name hash like another), and 2-4 is the variant the designers' security
 * claims are for. The price, two more rounds per 8 bytes, is paid once per
 * flow, when its name is first seen, never per packet.
 */
#ifndef EGRESS_BPF_SIPHASH_H
#define EGRESS_BPF_SIPHASH_H

#include "compat.h"

#define EG_SIPHASH_MAX_LEN	80	/* eg_siphash() input bytes, at most */

struct eg_sip {
	__u64 v0, v1, v2, v3;
};

EG_INLINE __u64 eg_rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

EG_INLINE void eg_sip_round(struct eg_sip *s)
{
	s->v0 += s->v1;
	s->v1 = eg_rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = eg_rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = eg_rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = eg_rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = eg_rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = eg_rotl64(s->v2, 32);
}

EG_INLINE void eg_sip_init(struct eg_sip *s, const __u64 key[2])
{
	s->v0 = key[0] ^ 0x736f6d6570736575ULL;	/* "somepseu" */
	s->v1 = key[1] ^ 0x646f72616e646f6dULL;	/* "dorandom" */
	s->v2 = key[0] ^ 0x6c7967656e657261ULL;	/* "lygenera" */
	s->v3 = key[1] ^ 0x7465646279746573ULL;	/* "tedbytes" */
}

/* One 8-byte message word (little-endian), two compression rounds. */
EG_INLINE void eg_sip_word(struct eg_sip *s, __u64 m)
{
	s->v3 ^= m;
	eg_sip_round(s);
	eg_sip_round(s);
	s->v0 ^= m;
}

/* The last word (tail bytes and the length in the top byte), then four finalisation rounds. */
EG_INLINE __u64 eg_sip_finish(struct eg_sip *s, __u64 last)
{
	eg_sip_word(s, last);
	s->v2 ^= 0xff;
	eg_sip_round(s);
	eg_sip_round(s);
	eg_sip_round(s);
	eg_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

EG_INLINE __u64 eg_sip_load(const __u8 *p, __u32 n)
{
	__u64 m = 0;

	for (__u32 j = 0; j < 8; j++) {
		if (j >= n)
			break;
		m |= (__u64)p[j] << (8 * j);
	}
	return m;
}

/* SipHash-2-4 of data[0..len), len <= EG_SIPHASH_MAX_LEN (else 0). */
EG_INLINE __u64 eg_siphash(const __u64 key[2], const void *data, __u32 len)
{
	const __u8 *p = data;
	struct eg_sip s;
	__u32 words = len / 8;

	if (len > EG_SIPHASH_MAX_LEN)
		return 0;
	eg_sip_init(&s, key);
	for (__u32 w = 0; w < EG_SIPHASH_MAX_LEN / 8; w++) {
		if (w >= words)
			break;
		eg_sip_word(&s, eg_sip_load(p + 8 * w, 8));
	}
	return eg_sip_finish(&s, eg_sip_load(p + 8 * words, len & 7) |
				 (__u64)(len & 0xff) << 56);
}

#endif /* EGRESS_BPF_SIPHASH_H */
