/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the cmocka unit tests. */
#ifndef EGRESS_TEST_UNIT_H
#define EGRESS_TEST_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

/* Fails, quoting both strings, unless needle occurs in hay. */
#define assert_contains(hay, needle) do {					\
	const char *hay_ = (hay), *needle_ = (needle);				\
	if (!hay_ || !strstr(hay_, needle_))					\
		fail_msg("\"%s\" does not contain \"%s\"",			\
			 hay_ ? hay_ : "(null)", needle_);			\
} while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* EGRESS_TEST_UNIT_H */
