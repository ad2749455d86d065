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

struct eg_name_sip {
	struct eg_sip s;
	const __u8 *buf;	/* a 256-byte buffer: reads are masked */
	__u32 off;
	__u32 words;
};

/*
 * The 8 bytes at buf[at & 0xff], little-endian. In BPF one load: a word
 * of a name ends at or before its byte 253, so it never wraps, and every
 * BPF caller's 256-byte buffer lies inside a map value with at least 8
 * more bytes after it (the JIT allows unaligned loads from map values).
 */
EG_INLINE __u64 eg_name_word(const __u8 *buf, __u32 at)
{
#if defined(__bpf__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return *(const __u64 *)(buf + (at & 0xff));
#else
	__u64 m = 0;

	for (__u32 j = 0; j < 8; j++)
		m |= (__u64)buf[(at + j) & 0xff] << (8 * j);
	return m;
#endif
}

EG_LOOP_CB eg_name_sip_word(__u32 w, void *arg)
{
	struct eg_name_sip *c = arg;

	if (w >= c->words)
		return 1;
	eg_sip_word(&c->s, eg_name_word(c->buf, c->off + 8 * w));
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

/* out[0] and out[d] for 1 <= d < min(labels, EG_NAME_DEPTHS), start[d] given. */
EG_INLINE void eg_name_suffix_hashes(const __u64 key[2], const char *name,
				     __u32 len, __u32 labels,
				     const __u32 *start, __u64 *out)
{
	out[0] = eg_name_hash(key, name, 0, len);
	for (__u32 d = 1; d < EG_NAME_DEPTHS; d++) {
		__u32 at;

		if (d >= labels)
			break;
		at = start[d];
		if (at >= len)
			break;
		out[d] = eg_name_hash(key, name, at, len - at);
	}
}

/*
 * Where the suffixes of a canonical name start (start[d] for the suffix of
 * d labels, 1 <= d < min(labels, EG_NAME_DEPTHS)); returns the number of
 * labels. From lab when name_canon_labels() noted this name there
 * (lab->len == len), else from a pass over the name.
 */
EG_INLINE __u32 eg_name_starts(const char *name, __u32 len,
			       const struct eg_name_labels *lab, __u32 *start)
{
	struct eg_name_dots c = { .name = name, .len = len };

	if (lab && lab->len && lab->len == len) {
		__u32 dots = lab->dots;

		for (__u32 d = 1; d < EG_NAME_DEPTHS; d++) {
			if (d > dots)
				break;
			start[d] = lab->after[(dots - d) & (EG_NAME_DEPTHS - 1)];
		}
		return dots + 1;
	}
	eg_loop(EG_NAME_MAX, eg_name_dot_step, &c);
	for (__u32 d = 1; d < EG_NAME_DEPTHS; d++)
		start[d] = c.start[d];
	return c.dots + 1;
}

/*
 * The hashes of a canonical name: out[0] of the whole name, out[d] of its
 * suffix of d labels for 1 <= d < min(labels, EG_NAME_DEPTHS). Returns the
 * number of labels. name is a 256-byte buffer (reads are masked); lab as
 * eg_name_starts() (NULL: none).
 */
EG_INLINE __u32 eg_name_hashes_noted(const __u64 key[2], const char *name,
				     __u32 len, const struct eg_name_labels *lab,
				     __u64 *out)
{
	__u32 start[EG_NAME_DEPTHS] = {};
	__u32 labels = eg_name_starts(name, len, lab, start);

	eg_name_suffix_hashes(key, name, len, labels, start, out);
	return labels;
}

EG_INLINE __u32 eg_name_hashes(const __u64 key[2], const char *name, __u32 len,
			       __u64 *out)
{
	return eg_name_hashes_noted(key, name, len, NULL, out);
}

#endif /* EGRESS_BPF_NAME_HASH_H */
