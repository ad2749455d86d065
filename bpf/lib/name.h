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

/*
 * Canonicalises in[0..len) into out (room for EG_NAME_MAX + 1 bytes, NUL
 * terminated). Returns the canonical length, or -1 when the name is invalid.
 */
EG_INLINE int name_canon(const char *in, __u32 len, char *out)
{
	__u32 label = 0;

	if (len && in[len - 1] == '.')
		len--;
	if (len == 0 || len > EG_NAME_MAX)
		return -1;
	for (__u32 i = 0; i < EG_NAME_MAX; i++) {
		char c;

		if (i >= len)
			break;
		c = in[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '-' || c == '_') {
			if (++label > EG_LABEL_MAX)
				return -1;
		} else {
			return -1;
		}
		out[i] = c;
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return (int)len;
}

#endif /* EGRESS_BPF_NAME_H */
