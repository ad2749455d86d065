// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf/lib/name.h: the one canonical form of a host name, compiled here as
 * userspace C exactly as the BPF programs compile it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "lib/name.h"

#define CANARY 0x5a

/* Runs name_canon on in[0..len) and checks result and output exactly. */
static void check(const char *in, size_t len, const char *want)
{
	char out[EG_NAME_MAX + 1 + 16];
	int ret;

	memset(out, CANARY, sizeof(out));
	ret = name_canon(in, (__u32)len, out);
	if (!want) {
		if (ret != -1)
			fail_msg("'%.*s' (%zu bytes): expected -1, got %d", (int)len, in,
				 len, ret);
		return;
	}
	if (ret < 0)
		fail_msg("'%.*s' (%zu bytes): expected '%s', got %d", (int)len, in, len,
			 want, ret);
	if ((size_t)ret != strlen(want))
		fail_msg("'%.*s': length %d, expected %zu", (int)len, in, ret,
			 strlen(want));
	if (strcmp(out, want))
		fail_msg("'%.*s': '%s', expected '%s'", (int)len, in, out, want);
	/* nothing written past the terminating NUL */
	for (size_t i = (size_t)ret + 1; i < sizeof(out); i++)
		if ((unsigned char)out[i] != CANARY)
			fail_msg("'%.*s': byte %zu past the name was written", (int)len,
				 in, i);
}

static void check_str(const char *in, const char *want)
{
	check(in, strlen(in), want);
}

static void test_canon_ok(void **state)
{
	check_str("example.com", "example.com");
	check_str("Example.COM", "example.com");
	check_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ.abcdefghijklmnopqrstuvwxyz",
		  "abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz");
	check_str("0123456789.example", "0123456789.example");
	check_str("a-b_c.d", "a-b_c.d");
	check_str("-leading-hyphen.example", "-leading-hyphen.example");
	check_str("_acme-challenge.example.com", "_acme-challenge.example.com");
	check_str("xn--bcher-kva.example", "xn--bcher-kva.example");
	check_str("a", "a");
	check_str("A", "a");
	check_str("localhost", "localhost");
	/* one trailing dot is dropped */
	check_str("example.com.", "example.com");
	check_str("EXAMPLE.com.", "example.com");
	check_str("a.", "a");
}

static void test_canon_bad(void **state)
{
	static const char *const bad[] = {
		"",
		".",
		"..",
		"example.com..",	/* only one trailing dot is dropped */
		".example.com",
		"a..b",
		"exa mple.com",
		"ex!.com",
		"*.example.com",
		"example.com:443",
		"ex/ample.com",
		"ex\\ample.com",
		"ex@mple.com",		/* '@' is 'A' - 1 */
		"ex[mple.com",		/* '[' is 'Z' + 1 */
		"ex`mple.com",		/* '`' is 'a' - 1 */
		"ex{mple.com",		/* '{' is 'z' + 1 */
		"ex/mple.com",		/* '/' is '0' - 1 */
		"ex:mple.com",		/* ':' is '9' + 1 */
		"ex,mple.com",		/* ',' is '-' - 1 */
		"ex^mple.com",		/* '^' is '_' - 1 */
		"b\xc3\xbc" "cher.example",
		"\xff",
		"example.com\r",
		"example.com\n",
		"ex\tample.com",
	};

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		check_str(bad[i], NULL);
}

/* A NUL inside the given length is an invalid byte, not the end. */
static void test_canon_embedded_nul(void **state)
{
	check("example.com\0evil.com", 20, NULL);
	check("a\0", 2, NULL);
	check("\0", 1, NULL);
}

/* Only len bytes are read: the name need not be NUL terminated. */
static void test_canon_uses_len(void **state)
{
	check("example.comXYZ", 11, "example.com");
	check("example.com.XYZ", 12, "example.com");
	check("Example!", 7, "example");
	check("abc", 0, NULL);
}

static void test_canon_label_length(void **state)
{
	char in[160], want[80];

	memset(in, 'A', 63);
	memset(want, 'a', 63);
	in[63] = want[63] = '\0';
	check_str(in, want);				/* 63: the longest label */
	strcpy(in + 63, ".com");
	strcpy(want + 63, ".com");
	check_str(in, want);
	snprintf(in, sizeof(in), "www.%s", want);
	check_str(in, in);

	memset(in, 'a', 64);
	in[64] = '\0';
	check_str(in, NULL);				/* 64 */
	strcpy(in + 64, ".com");
	check_str(in, NULL);
	memset(want, 'b', 64);
	want[64] = '\0';
	snprintf(in, sizeof(in), "www.%s.com", want);
	check_str(in, NULL);
	snprintf(in, sizeof(in), "www.%s", want);
	check_str(in, NULL);
	snprintf(in, sizeof(in), "www.%s.", want);
	check_str(in, NULL);
}

/* Labels of up to 63 'x's joined by dots, len bytes in all. */
static char *name_of_len(char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t label = len - i > 63 ? 63 : len - i;

		if (len - i == 64)
			label = 61;
		memset(buf + i, 'X', label);
		i += label;
		if (i < len)
			buf[i++] = '.';
	}
	buf[len] = '\0';
	return buf;
}

static void test_canon_name_length(void **state)
{
	char in[400], want[400];

	for (size_t len = 1; len <= 300; len++) {
		name_of_len(in, len);
		assert_int_equal(strlen(in), len);
		if (len <= EG_NAME_MAX) {
			for (size_t i = 0; i <= len; i++)
				want[i] = in[i] == 'X' ? 'x' : in[i];
			check(in, len, want);
			/* with its trailing dot: len + 1 bytes, same name */
			strcat(in, ".");
			check(in, len + 1, want);
		} else {
			check(in, len, NULL);
			strcat(in, ".");
			check(in, len + 1, NULL);
		}
	}
}

/* Rule, SNI and Host all go through this: equal names, equal output. */
static void test_canon_idempotent(void **state)
{
	static const char *const names[] = {
		"Example.COM.", "A.B.C", "xn--BCHER-KVA.example", "_x-Y_.Z",
	};

	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char once[EG_NAME_MAX + 1], twice[EG_NAME_MAX + 1];
		int a, b;

		a = name_canon(names[i], strlen(names[i]), once);
		assert_true(a > 0);
		b = name_canon(once, (__u32)a, twice);
		assert_int_equal(a, b);
		assert_string_equal(once, twice);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_ok),
		cmocka_unit_test(test_canon_bad),
		cmocka_unit_test(test_canon_embedded_nul),
		cmocka_unit_test(test_canon_uses_len),
		cmocka_unit_test(test_canon_label_length),
		cmocka_unit_test(test_canon_name_length),
		cmocka_unit_test(test_canon_idempotent),
	};

	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
