// SPDX-License-Identifier: GPL-2.0-only
/* eg_http_parse(), eg_http_maybe() and eg_http_host_canon(). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/http.h"

/* Parses a copy of exactly len bytes: ASan reports any read past them. */
static int parse_n(const char *text, size_t len, struct eg_http_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	int st;

	assert_non_null(copy);
	memcpy(copy, text, len);
	st = eg_http_parse(copy, (__u32)len, info);
	free(copy);
	return st;
}

static int parse(const char *text, struct eg_http_info *info)
{
	return parse_n(text, strlen(text), info);
}

static bool maybe(const char *text, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = eg_http_maybe(copy, (__u32)len);
	free(copy);
	return ret;
}

static void assert_host(const char *text, const struct eg_http_info *info, const char *host)
{
	if (info->host_len != strlen(host) || memcmp(text + info->host_off, host, strlen(host)))
		fail_msg("host \"%.*s\", not \"%s\"", info->host_len, text + info->host_off, host);
}

/* A request that names host: DONE, the head's length, the host. */
static void assert_done(const char *text, const char *host, int absolute)
{
	struct eg_http_info info;
	const char *end = strstr(text, "\r\n\r\n");
	int st = parse(text, &info);

	if (st != EG_HTTP_DONE)
		fail_msg("%s: status %d", text, st);
	assert_host(text, &info, host);
	assert_int_equal(info.absolute_form, absolute);
	assert_int_equal(info.need, end + 4 - text);
}

static void assert_status(const char *text, int want)
{
	struct eg_http_info info;
	int st = parse(text, &info);

	if (st != want)
		fail_msg("\"%s\": status %d, not %d", text, st, want);
	if (st == EG_HTTP_MORE)
		assert_int_equal(info.need, strlen(text) + 1);
}

/*
 * Every prefix: MORE (waiting for one more byte) up to the byte that
 * decides, then what the whole gives; and a caller that parses only once
 * it holds info.need bytes gets the same.
 */
static void assert_every_split(const char *text)
{
	struct eg_http_info all, part;
	size_t len = strlen(text);
	int want = parse(text, &all), st = EG_HTTP_MORE;
	__u32 need = 0;

	for (size_t n = 0; n <= len; n++) {
		st = parse_n(text, n, &part);
		if (st != EG_HTTP_MORE)
			break;
		assert_int_equal(part.need, n + 1);
	}
	assert_int_equal(st, want);
	assert_memory_equal(&part, &all, sizeof(all));

	for (size_t n = 0; n <= len; n++) {
		if (n < need)
			continue;
		st = parse_n(text, n, &part);
		if (st != EG_HTTP_MORE)
			break;
		assert_true(part.need > n);
		need = part.need;
	}
	assert_int_equal(st, want);
}

static void test_simple(void **state)
{
	assert_done("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "example.com", 0);
	assert_done("GET /index.html?q=1 HTTP/1.0\r\nUser-Agent: x\r\nHost: a.example\r\n"
		    "Accept: */*\r\n\r\n", "a.example", 0);
	assert_done("POST /api HTTP/1.1\r\nHost: api.example\r\nContent-Length: 4\r\n\r\nbody",
		    "api.example", 0);
}

static void test_methods(void **state)
{
	static const char *const ok[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
		"PROPFIND", "MKCOL", "A", "ABCDEFGHIJKLMNOP",
	};
	static const char *const not_http[] = {
		"get / HTTP/1.1\r\n", "Get / HTTP/1.1\r\n", "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n",
		" GET / HTTP/1.1\r\n", "GET\t/ HTTP/1.1\r\n", "M-SEARCH * HTTP/1.1\r\n",
		"GET1 / HTTP/1.1\r\n", "\r\nGET / HTTP/1.1\r\n", "\x16\x03\x01\x02\x00\x01",
		"SSH-2.0-OpenSSH_9.6\r\n",
	};
	char text[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "%s / HTTP/1.1\r\nHost: m.example\r\n\r\n", ok[i]);
		assert_done(text, "m.example", 0);
		assert_true(maybe(text, strlen(text)));
	}
	for (size_t i = 0; i < sizeof(not_http) / sizeof(not_http[0]); i++) {
		assert_status(not_http[i], EG_HTTP_NOT_HTTP);
		assert_false(maybe(not_http[i], strlen(not_http[i])));
	}
}

static void test_maybe(void **state)
{
	static const struct {
		const char *text;
		bool want;
	} cases[] = {
		{ "", true }, { "G", true }, { "GE", true }, { "GET", true }, { "GET ", true },
		{ "GET /", true }, { "ABCDEFGHIJKLMNOP", true }, { "ABCDEFGHIJKLMNOP ", true },
		{ "ABCDEFGHIJKLMNOPQ", false }, { " ", false }, { "get", false },
		{ "GET\t", false }, { "G3T", false }, { "\x16", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eg_http_info info;
		size_t len = strlen(cases[i].text);
		int st = parse_n(cases[i].text, len, &info);

		if (maybe(cases[i].text, len) != cases[i].want)
			fail_msg("\"%s\"", cases[i].text);
		/* what eg_http_maybe() rules out is exactly what the parser calls NOT_HTTP */
		assert_int_equal(st == EG_HTTP_NOT_HTTP, !cases[i].want);
	}
}

static void test_version(void **state)
{
	assert_done("GET / HTTP/1.0\r\nHost: v.example\r\n\r\n", "v.example", 0);
	assert_status("GET / HTTP/1.2\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/2.0\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/0.9\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / http/1.1\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1 \r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.11\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET /\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET  / HTTP/1.1\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / x HTTP/1.1\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET /\x7f HTTP/1.1\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET /\xc3\xa9 HTTP/1.1\r\nHost: v.example\r\n\r\n", EG_HTTP_MALFORMED);
}

static void test_bare_lf(void **state)
{
	assert_status("GET / HTTP/1.1\nHost: lf.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: lf.example\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: lf.example\r\n\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nX: y\nHost: lf.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: lf.example\r\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nX: a\rb\r\nHost: lf.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: lf.example\r\n\rX", EG_HTTP_MALFORMED);
}

static void test_folding_and_field_syntax(void **state)
{
	static const char with_nul[] = "GET / HTTP/1.1\r\nX: \0\r\nHost: f.example\r\n\r\n";
	struct eg_http_info info;

	assert_status("GET / HTTP/1.1\r\nHost: f.example\r\n more\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nX: y\r\n\tHost: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\n Host: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost : f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost\t: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\n: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nX-A\x01: 1\r\nHost: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nX: \x01\r\nHost: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nX: \x7f\r\nHost: f.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_int_equal(parse_n(with_nul, sizeof(with_nul) - 1, &info), EG_HTTP_MALFORMED);
	/* what values may hold */
	assert_done("GET / HTTP/1.1\r\nX:\r\nY: \t a b\t\r\nZ: \xc3\xa9\r\nHost: f.example\r\n\r\n",
		    "f.example", 0);
}

static void test_host_field(void **state)
{
	assert_done("GET / HTTP/1.1\r\nhost: h.example\r\n\r\n", "h.example", 0);
	assert_done("GET / HTTP/1.1\r\nHOST: h.example\r\n\r\n", "h.example", 0);
	assert_done("GET / HTTP/1.1\r\nhOsT: H.Example\r\n\r\n", "H.Example", 0);
	assert_done("GET / HTTP/1.1\r\nHost:h.example\r\n\r\n", "h.example", 0);
	assert_done("GET / HTTP/1.1\r\nHost: \t h.example \t \r\n\r\n", "h.example", 0);
	assert_done("GET / HTTP/1.1\r\nHost: h.example:8080\r\n\r\n", "h.example", 0);
	assert_done("GET / HTTP/1.1\r\nHost: h.example: \r\n\r\n", "h.example", 0);
	assert_done("GET / HTTP/1.1\r\nHost: h.example.\r\n\r\n", "h.example.", 0);
	assert_done("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", "[::1]", 0);
	assert_done("GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n", "[2001:db8::1]", 0);
	assert_done("GET / HTTP/1.1\r\nHost: [::ffff:1.2.3.4]\r\n\r\n", "[::ffff:1.2.3.4]", 0);
	assert_done("GET / HTTP/1.1\r\nHost: 10.1.2.3:80\r\n\r\n", "10.1.2.3", 0);
	/* names that merely start like Host */
	assert_status("GET / HTTP/1.1\r\nHosts: h.example\r\n\r\n", EG_HTTP_NO_HOST);
	assert_status("GET / HTTP/1.1\r\nHos: h.example\r\n\r\n", EG_HTTP_NO_HOST);
	assert_status("GET / HTTP/1.1\r\nX-Host: h.example\r\n\r\n", EG_HTTP_NO_HOST);
	assert_done("GET / HTTP/1.1\r\nX-Forwarded-Host: other.example\r\nHost: h.example\r\n\r\n",
		    "h.example", 0);
}

static void test_host_value_errors(void **state)
{
	assert_status("GET / HTTP/1.1\r\nHost:\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost:   \r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: :80\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: h.example:80a\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: h.example:80:81\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: h.example extra\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: user@h.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: h.example/path\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: [::g]\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: []\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET http://[]/ HTTP/1.1\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET / HTTP/1.1\r\nHost: h\xc3\xa9.example\r\n\r\n", EG_HTTP_MALFORMED);
}

static void test_no_host(void **state)
{
	assert_status("GET / HTTP/1.1\r\n\r\n", EG_HTTP_NO_HOST);
	assert_status("GET / HTTP/1.0\r\n\r\n", EG_HTTP_NO_HOST);
	assert_status("GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n", EG_HTTP_NO_HOST);
	assert_status("OPTIONS * HTTP/1.1\r\nX: y\r\n\r\n", EG_HTTP_NO_HOST);
	assert_status("GET ftp://f.example/ HTTP/1.1\r\n\r\n", EG_HTTP_NO_HOST);
}

static void test_conflict(void **state)
{
	assert_status("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET / HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET / HTTP/1.1\r\nHost: a.example\r\nX: 1\r\nHOST: a.example\r\n\r\n",
		      EG_HTTP_CONFLICT);
	/* decided at the second Host, whatever comes after */
	assert_status("GET / HTTP/1.1\r\nHost: a.example\r\nHost:", EG_HTTP_CONFLICT);
}

static void test_absolute_form(void **state)
{
	assert_done("GET http://abs.example/path HTTP/1.1\r\n\r\n", "abs.example", 1);
	assert_done("GET https://abs.example/ HTTP/1.1\r\n\r\n", "abs.example", 1);
	assert_done("GET HTTP://ABS.example:8080/x HTTP/1.1\r\n\r\n", "ABS.example", 1);
	assert_done("GET HtTpS://abs.example?q=1 HTTP/1.1\r\n\r\n", "abs.example", 1);
	assert_done("GET http://abs.example#f HTTP/1.1\r\n\r\n", "abs.example", 1);
	assert_done("GET http://abs.example HTTP/1.1\r\n\r\n", "abs.example", 1);
	assert_done("GET http://[2001:db8::2]:80/ HTTP/1.1\r\n\r\n", "[2001:db8::2]", 1);
	assert_done("GET http://abs.example/ HTTP/1.0\r\n\r\n", "abs.example", 1);
	/* with a Host that agrees (case, port) */
	assert_done("GET http://abs.example/ HTTP/1.1\r\nHost: abs.example\r\n\r\n",
		    "abs.example", 1);
	assert_done("GET http://Abs.Example:80/ HTTP/1.1\r\nHost: aBS.eXAMPLE:8080\r\n\r\n",
		    "Abs.Example", 1);
	assert_done("GET http://[::1]/ HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "[::1]", 1);
	/* ... or not */
	assert_status("GET http://abs.example/ HTTP/1.1\r\nHost: other.example\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET http://abs.example/ HTTP/1.1\r\nHost: abs.example.evil\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET http://abs.example.evil/ HTTP/1.1\r\nHost: abs.example\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET http://abs.example/ HTTP/1.1\r\nHost: abs.exampl\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET http://abs.example/ HTTP/1.1\r\nHost: [::1]\r\n\r\n",
		      EG_HTTP_CONFLICT);
	assert_status("GET http://abs.example/ HTTP/1.1\r\nHost: abs.example\r\n"
		      "Host: abs.example\r\n\r\n", EG_HTTP_CONFLICT);
	/* not a host */
	assert_status("GET http:///path HTTP/1.1\r\nHost: h.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET http://:80/ HTTP/1.1\r\nHost: h.example\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET http://user@abs.example/ HTTP/1.1\r\n\r\n", EG_HTTP_MALFORMED);
	assert_status("GET http://allowed.example@evil.example/ HTTP/1.1\r\n\r\n",
		      EG_HTTP_MALFORMED);
	assert_status("GET http://abs.example:8x/ HTTP/1.1\r\n\r\n", EG_HTTP_MALFORMED);
	/* schemes that only start like it: the Host decides */
	assert_done("GET httpx://abs.example/ HTTP/1.1\r\nHost: h.example\r\n\r\n", "h.example", 0);
	assert_done("GET http:/abs.example/ HTTP/1.1\r\nHost: h.example\r\n\r\n", "h.example", 0);
	assert_done("GET httpss://abs.example/ HTTP/1.1\r\nHost: h.example\r\n\r\n", "h.example", 0);
	assert_done("GET /http://abs.example/ HTTP/1.1\r\nHost: h.example\r\n\r\n", "h.example", 0);
	assert_done("GET h HTTP/1.1\r\nHost: h.example\r\n\r\n", "h.example", 0);
}

static void test_too_large(void **state)
{
	size_t cap = EG_HTTP_CAP;
	char *text = malloc(cap + 64);
	struct eg_http_info info;
	const char *start = "GET / HTTP/1.1\r\nHost: big.example\r\nX: ";
	size_t n = strlen(start);

	/* a head that ends exactly at the cap */
	memcpy(text, start, n);
	memset(text + n, 'a', cap - n - 4);
	memcpy(text + cap - 4, "\r\n\r\n", 4);
	assert_int_equal(parse_n(text, cap, &info), EG_HTTP_DONE);
	assert_int_equal(info.need, cap);
	assert_int_equal(parse_n(text, cap - 1, &info), EG_HTTP_MORE);
	assert_int_equal(info.need, cap);

	/* one byte more */
	memset(text + n, 'a', cap - n - 3);
	memcpy(text + cap - 3, "\r\n\r\n", 4);
	assert_int_equal(parse_n(text, cap + 1, &info), EG_HTTP_TOO_LARGE);
	assert_int_equal(parse_n(text, cap, &info), EG_HTTP_TOO_LARGE);
	assert_int_equal(parse_n(text, cap - 1, &info), EG_HTTP_MORE);
	assert_int_equal(info.need, cap);

	/* an error inside the cap still wins */
	memset(text, 'a', cap);
	memcpy(text, "GET / HTTP/1.1\r\nX: y\nHost", 25);
	assert_int_equal(parse_n(text, cap + 10, &info), EG_HTTP_MALFORMED);
	free(text);
}

static void test_every_split(void **state)
{
	static const char *const requests[] = {
		"GET / HTTP/1.1\r\nHost: split.example:8080\r\nAccept: */*\r\n\r\n",
		"GET http://Split.Example/ HTTP/1.1\r\nHost: split.example\r\n\r\nbody",
		"GET http://split.example/ HTTP/1.1\r\nHost: other.example\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [fd00::1]:80\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nX: y\n\r\n",
		"get / HTTP/1.1\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		assert_every_split(requests[i]);
}

static void test_host_canon(void **state)
{
	static const struct {
		const char *request;
		int want;
		const char *out;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: WWW.Example.COM:80\r\n\r\n", 15, "www.example.com" },
		{ "GET http://Abs.Example./ HTTP/1.1\r\n\r\n", 11, "abs.example" },
		{ "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", EG_HOST_IP_LITERAL, NULL },
		{ "GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n\r\n", EG_HOST_IP_LITERAL, NULL },
		{ "GET / HTTP/1.1\r\nHost: bad!name\r\n\r\n", EG_HOST_INVALID, NULL },
		{ "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", EG_HOST_INVALID, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[EG_HTTP_BUF] = { 0 };
		struct eg_http_info info;
		char out[256];
		size_t len = strlen(cases[i].request);

		memcpy(buf, cases[i].request, len);
		assert_int_equal(eg_http_parse(buf, (__u32)len, &info), EG_HTTP_DONE);
		assert_int_equal(eg_http_host_canon(buf, info.host_off, info.host_len, out),
				 cases[i].want);
		if (cases[i].out)
			assert_string_equal(out, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_maybe),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_folding_and_field_syntax),
		cmocka_unit_test(test_host_field),
		cmocka_unit_test(test_host_value_errors),
		cmocka_unit_test(test_no_host),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_host_canon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
