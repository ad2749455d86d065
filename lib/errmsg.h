/* SPDX-License-Identifier: GPL-2.0-only */
/* How bad input is reported: one sentence for the user, and an error code. */
#ifndef EGRESS_ERRMSG_H
#define EGRESS_ERRMSG_H

#include <stddef.h>

/* Writes the sentence into err (when there is room) and returns ret. */
int egress_errf(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* EGRESS_ERRMSG_H */
