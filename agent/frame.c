// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static int frame_grow(struct frame *f, size_t need)
{
	size_t cap = f->cap ? f->cap : 4096;
	char *b;

	while (cap < need)
		cap *= 2;
	if (cap == f->cap)
		return 0;
	b = realloc(f->buf, cap);
	if (!b)
		return -ENOMEM;
	f->buf = b;
	f->cap = cap;
	return 0;
}

int frame_feed(struct frame *f, const char *data, size_t n, frame_line_fn fn, void *ctx)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		int ret;

		/* the line so far, its newline included, must fit max */
		if (f->len + take + 1 > f->max)
			return -E2BIG;
		if (!nl) {
			ret = frame_grow(f, f->len + take);
			if (ret)
				return ret;
			memcpy(f->buf + f->len, data, take);
			f->len += take;
			return 0;
		}
		if (f->len) {
			ret = frame_grow(f, f->len + take);
			if (ret)
				return ret;
			memcpy(f->buf + f->len, data, take);
			ret = fn(ctx, f->buf, f->len + take);
			f->len = 0;
		} else {
			ret = fn(ctx, data, take);	/* whole in this chunk: no copy */
		}
		if (ret)
			return ret;
		data += take + 1;
		n -= take + 1;
	}
	return 0;
}

size_t frame_pending(const struct frame *f)
{
	return f->len;
}

void frame_free(struct frame *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}
