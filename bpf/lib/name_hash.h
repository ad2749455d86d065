/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The keys name rules are filed under: SipHash-2-4, with a per-boot secret
 * key, of a canonical name's text. An exact rule "api.github.com" is filed
 * under the hash of "api.github.com"; a wildcard "*.github.com" under the
 * hash of "github.com", and matches a name one of whose proper suffixes
 * hashes to it. Without the key no one can aim a name at another's hash.
 *
 * Everything runs in eg_loop() callbacks of fixed cost, so BPF verifies it
 * once, whatever the name.
 */
#ifndef EGRESS_BPF_NAME_HASH_H
#define EGRESS_BPF_NAME_HASH_H

#include "compat.h"
#include "name.h"
#include "siphash.h"

#define EG_NAME_DEPTHS	8	/* suffix hashes computed: whole + 1..7 labels */

struct eg_name_sip {
	struct eg_sip s;
	const __u8 *buf;	/* a 256-byte buffer: reads are masked */
	__u32 off;
	__u32 words;
};

EG_LOOP_CB eg_name_sip_word(__u32 w, void *arg)
{
	struct eg_name_sip *c = arg;
	__u32 at = c->off + 8 * w;
	__u64 m = 0;

	if (w >= c->words)
		return 1;
	for (__u32 j = 0; j < 8; j++)
		m |= (__u64)c->buf[(at + j) & 0xff] << (8 * j);
	eg_sip_word(&c->s, m);
	return 0;
}

/* SipHash-2-4 of buf[off, off + len), len <= EG_NAME_MAX. */
EG_INLINE __u64 eg_name_hash(const __u64 key[2], const char *buf, __u32 off,
			     __u32 len)
{
	struct eg_name_sip c = {
		.buf = (const __u8 *)buf,
		.off = off,
		.words = len / 8,
	};
	__u32 base = off + 8 * (len / 8);
	__u64 m = (__u64)(len & 0xff) << 56;

	eg_sip_init(&c.s, key);
	eg_loop(EG_NAME_MAX / 8 + 1, eg_name_sip_word, &c);
	for (__u32 j = 0; j < 7; j++) {
		if (j >= (len & 7))
			break;
		m |= (__u64)c.buf[(base + j) & 0xff] << (8 * j);
	}
	return eg_sip_finish(&c.s, m);
}

struct eg_name_dots {
	const char *name;
	__u32 len;
	__u32 dots;			/* seen so far, from the right */
	__u32 start[EG_NAME_DEPTHS];	/* start[d]: where the d-label suffix starts */
};

EG_LOOP_CB eg_name_dot_step(__u32 i, void *arg)
{
	struct eg_name_dots *c = arg;
	__u32 at;

	if (i >= c->len)
		return 1;
	at = c->len - 1 - i;
	if (c->name[at & 0xff] == '.') {
		c->dots++;
		if (c->dots < EG_NAME_DEPTHS)
			c->start[c->dots & (EG_NAME_DEPTHS - 1)] = at + 1;
	}
	return 0;
}

/*
 * The hashes of a canonical name: out[0] of the whole name, out[d] of its
 * suffix of d labels for 1 <= d < min(labels, EG_NAME_DEPTHS). Returns the
 * number of labels. name is a 256-byte buffer (reads are masked).
 */
EG_INLINE __u32 eg_name_hashes(const __u64 key[2], const char *name, __u32 len,
			       __u64 *out)
{
	struct eg_name_dots c = { .name = name, .len = len };
	__u32 labels;

	eg_loop(EG_NAME_MAX, eg_name_dot_step, &c);
	labels = c.dots + 1;
	out[0] = eg_name_hash(key, name, 0, len);
	for (__u32 d = 1; d < EG_NAME_DEPTHS; d++) {
		__u32 start;

		if (d >= labels)
			break;
		start = c.start[d];
		if (start >= len)
			break;
		out[d] = eg_name_hash(key, name, start, len - start);
	}
	return labels;
}

#endif /* EGRESS_BPF_NAME_HASH_H */
