/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one canonical form of a host name, used for rules, SNI, HTTP Host and
 * DNS alike: ASCII lower case, one trailing dot dropped, labels of 1-63
 * bytes, at most 253 bytes in all, letters, digits, '-' and '_' only.
 */
#ifndef EGRESS_BPF_NAME_H
#define EGRESS_BPF_NAME_H

#include "compat.h"

#define EG_NAME_MAX	253
#define EG_LABEL_MAX	63
#define EG_NAME_DEPTHS	8	/* suffix hashes computed: whole + 1..7 labels */

/*
 * Where a canonical name's last labels start, noted by name_canon_labels()
 * as it passes the dots, so that name_hash.h need not look for them again:
 * the byte after dot k (counted from the left, from 0) is after[k %
 * EG_NAME_DEPTHS], for the last EG_NAME_DEPTHS dots.
 */
struct eg_name_labels {
	__u32 len;		/* of the name they describe; 0: none */
	__u32 dots;
	__u32 after[EG_NAME_DEPTHS];
};

struct name_canon_ctx {
	const char *in;
	char *out;
	struct eg_name_labels *lab;	/* NULL: not wanted */
	__u32 len;
	__u32 label;		/* bytes of the current label so far */
	__u32 bad;
};

/*
 * Each byte as it stands in a canonical name: letters in lower case,
 * digits, '-', '_' and '.' as they are, 0 for a byte no name may hold.
 */
static const char eg_canon_byte[256] = {
	['-'] = '-', ['.'] = '.', ['_'] = '_',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
#define EG_CANON_LETTER(l) [l] = l, [l - 'a' + 'A'] = l
	EG_CANON_LETTER('a'), EG_CANON_LETTER('b'), EG_CANON_LETTER('c'),
	EG_CANON_LETTER('d'), EG_CANON_LETTER('e'), EG_CANON_LETTER('f'),
	EG_CANON_LETTER('g'), EG_CANON_LETTER('h'), EG_CANON_LETTER('i'),
	EG_CANON_LETTER('j'), EG_CANON_LETTER('k'), EG_CANON_LETTER('l'),
	EG_CANON_LETTER('m'), EG_CANON_LETTER('n'), EG_CANON_LETTER('o'),
	EG_CANON_LETTER('p'), EG_CANON_LETTER('q'), EG_CANON_LETTER('r'),
	EG_CANON_LETTER('s'), EG_CANON_LETTER('t'), EG_CANON_LETTER('u'),
	EG_CANON_LETTER('v'), EG_CANON_LETTER('w'), EG_CANON_LETTER('x'),
	EG_CANON_LETTER('y'), EG_CANON_LETTER('z'),
#undef EG_CANON_LETTER
};

#define EG_CANON_STEP	8	/* bytes per name_canon_step() */

/*
 * Bytes [EG_CANON_STEP * i, EG_CANON_STEP * (i + 1)) of name_canon: a
 * callback so BPF verifies it once, a few bytes a call so that a long name
 * costs few calls.
 */
EG_LOOP_CB name_canon_step(__u32 i, void *arg)
{
	struct name_canon_ctx *c = arg;
	__u32 at;
	char ch;

	for (__u32 j = 0; j < EG_CANON_STEP; j++) {
		at = i * EG_CANON_STEP + j;
		if (at >= c->len)
			return 1;
		ch = eg_canon_byte[(__u8)c->in[at & 0xff]];
		if (ch == '.') {
			if (c->label == 0)
				goto bad;
			c->label = 0;
			if (c->lab) {
				c->lab->after[c->lab->dots & (EG_NAME_DEPTHS - 1)] = at + 1;
				c->lab->dots++;
			}
		} else if (!ch || ++c->label > EG_LABEL_MAX) {
			goto bad;
		}
		c->out[at & 0xff] = ch;
	}
	return 0;
bad:
	c->bad = 1;
	return 1;
}

/*
 * Canonicalises in[0..len) into out (room for 256 bytes, NUL terminated).
 * Returns the canonical length, or -1 when the name is invalid. Reads of
 * in are masked to 256 bytes past it (BPF callers give that much room).
 * lab (NULL: not wanted) gets where the name's last labels start, its len
 * set only for a valid name.
 */
EG_INLINE int name_canon_labels(const char *in, __u32 len, char *out,
				struct eg_name_labels *lab)
{
	struct name_canon_ctx c = { .in = in, .out = out, .lab = lab };

	if (lab)
		lab->len = lab->dots = 0;
	if (len && in[(len - 1) & 0xff] == '.')
		len--;
	if (len == 0 || len > EG_NAME_MAX)
		return -1;
	c.len = len;
	eg_loop(EG_NAME_MAX / EG_CANON_STEP + 1, name_canon_step, &c);
	if (c.bad || c.label == 0)
		return -1;
	eg_opaque(len);
	out[len & 0xff] = '\0';
	if (lab)
		lab->len = len;
	return (int)len;
}

EG_INLINE int name_canon(const char *in, __u32 len, char *out)
{
	return name_canon_labels(in, len, out, NULL);
}

struct numeric_ctx {
	const char *name;
	__u32 len;
	__u32 n;		/* bytes of the last label */
	__u32 nondigit;		/* of them, not 0-9 */
	__u32 nonhex;		/* of them, not 0-9 or a-f */
};

EG_LOOP_CB numeric_step(__u32 i, void *arg)
{
	struct numeric_ctx *c = arg;
	char ch;

	if (i >= c->len)
		return 1;
	ch = c->name[(c->len - 1 - i) & 0xff];
	if (ch == '.')
		return 1;
	c->n++;
	if (ch < '0' || ch > '9') {
		c->nondigit++;
		if (ch < 'a' || ch > 'f')
			c->nonhex++;
	}
	return 0;
}

/*
 * Whether a canonical name ends in a numeric label ("1.2.3.4", "10.0x1f"):
 * an address written as a name, which no real host name is (no top-level
 * domain is numeric).
 */
EG_INLINE bool name_is_numeric(const char *name, __u32 len)
{
	struct numeric_ctx c = { .name = name, .len = len };

	if (len == 0 || len > EG_NAME_MAX)
		return false;
	eg_loop(EG_LABEL_MAX + 1, numeric_step, &c);
	if (!c.n)
		return false;
	if (!c.nondigit)
		return true;
	/* 0x followed by hex digits (none: 0): 'x' is the one non-hex byte */
	return c.n >= 2 && c.nonhex == 1 && name[(len - c.n) & 0xff] == '0' &&
	       name[(len - c.n + 1) & 0xff] == 'x';
}

#endif /* EGRESS_BPF_NAME_H */
