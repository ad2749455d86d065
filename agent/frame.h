/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Newline framing of a byte stream into requests of bounded size, apart
 * from the socket so it is tested on its own.
 */
#ifndef EGRESSD_FRAME_H
#define EGRESSD_FRAME_H

#include <stddef.h>

struct frame {
	char *buf;		/* the unfinished line */
	size_t len, cap;
	size_t max;		/* longest line, newline included */
};

/* Called with each whole line (no newline); non-zero stops the feed. */
typedef int (*frame_line_fn)(void *ctx, const char *line, size_t len);

/*
 * Appends data and hands over every line it completes. Returns 0, the
 * callback's non-zero value, -E2BIG when the unfinished line has grown
 * past max, or -ENOMEM.
 */
int frame_feed(struct frame *f, const char *data, size_t n, frame_line_fn fn, void *ctx);
/* Bytes of an unfinished line held. */
size_t frame_pending(const struct frame *f);
void frame_free(struct frame *f);

#endif /* EGRESSD_FRAME_H */
