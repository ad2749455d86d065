// SPDX-License-Identifier: GPL-2.0-only
/* agent/frame.c: requests cut out of a byte stream, bounded in size. */
#include <errno.h>
#include <stdlib.h>

#include "../unit/unit.h"
#include "frame.h"

struct seen {
	char lines[8][64];
	int n;
	int stop_after;
};

static int on_line(void *ctx, const char *line, size_t len)
{
	struct seen *s = ctx;

	assert_true(len < sizeof(s->lines[0]));
	memcpy(s->lines[s->n], line, len);
	s->lines[s->n][len] = '\0';
	s->n++;
	return s->stop_after && s->n == s->stop_after ? 1 : 0;
}

static void test_split_and_joined(void **state)
{
	struct frame f = { .max = 64 };
	struct seen s = {};

	assert_int_equal(frame_feed(&f, "{\"v\":", 5, on_line, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(frame_pending(&f), 5);
	assert_int_equal(frame_feed(&f, "1}\n{\"a\":2}\n\n{\"b\"", 16, on_line, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "{\"v\":1}");
	assert_string_equal(s.lines[1], "{\"a\":2}");
	assert_string_equal(s.lines[2], "");	/* an empty line is a (bad) request too */
	assert_int_equal(frame_pending(&f), 4);	/* truncated: held, not handed over */
	frame_free(&f);
}

static void test_oversized(void **state)
{
	struct frame f = { .max = 8 };
	struct seen s = {};

	/* 7 bytes and the newline: fits exactly */
	assert_int_equal(frame_feed(&f, "1234567\n", 8, on_line, &s), 0);
	assert_int_equal(s.n, 1);
	/* 8 bytes and a newline: too long, whether whole or in pieces */
	assert_int_equal(frame_feed(&f, "12345678\n", 9, on_line, &s), -E2BIG);
	frame_free(&f);
	f = (struct frame){ .max = 8 };
	assert_int_equal(frame_feed(&f, "1234", 4, on_line, &s), 0);
	assert_int_equal(frame_feed(&f, "5678", 4, on_line, &s), -E2BIG);
	assert_int_equal(s.n, 1);
	frame_free(&f);
}

static void test_stop(void **state)
{
	struct frame f = { .max = 64 };
	struct seen s = { .stop_after = 1 };

	/* a request that closes the connection: nothing after it is handled */
	assert_int_equal(frame_feed(&f, "bad\n{\"v\":1}\n", 12, on_line, &s), 1);
	assert_int_equal(s.n, 1);
	frame_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_and_joined),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
