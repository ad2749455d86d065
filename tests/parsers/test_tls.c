// SPDX-License-Identifier: GPL-2.0-only
/*
 * eg_hello_parse(), eg_sni_canon() and eg_host_canon(): hellos built here,
 * and the real ones in the captures of the shared corpus.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/tls.h"
#include "hello_builder.h"
#include "pcap_stream.h"

/* Parses a copy of exactly len bytes: ASan reports any read past them. */
static int parse(const uint8_t *bytes, size_t len, struct eg_hello_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	int st;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	st = eg_hello_parse(copy, (__u32)len, info);
	free(copy);
	return st;
}

static int parse_hello(const struct hello *h, struct eg_hello_info *info)
{
	return parse(h->buf, h->len, info);
}

static void assert_sni(const uint8_t *hs, const struct eg_hello_info *info, const char *want)
{
	assert_int_equal(info->has_sni, 1);
	assert_int_equal(info->sni_len, strlen(want));
	assert_memory_equal(hs + info->sni_off, want, strlen(want));
}

/*
 * What a caller that parses only once len >= need sees when the bytes
 * arrive one at a time: the same result as one call with all of them, in
 * at most four calls (nothing, the type, the header, the whole message).
 */
static void assert_incremental(const uint8_t *hs, size_t len)
{
	struct eg_hello_info all, step;
	int want = parse(hs, len, &all), st = EG_HELLO_MORE, calls = 0;
	__u32 need = 0;

	for (size_t n = 0; n <= len; n++) {
		if (n < need)
			continue;
		calls++;
		st = parse(hs, n, &step);
		if (st != EG_HELLO_MORE)
			break;
		assert_true(step.need > n);
		assert_true(step.need > need);
		need = step.need;
	}
	assert_int_equal(st, want);
	if (want == EG_HELLO_MORE)
		assert_int_equal(step.need, all.need);
	else
		assert_memory_equal(&step, &all, sizeof(all));
	assert_true(calls <= 4);
}

/* Every strict prefix of a complete hello: MORE, waiting for more than it has. */
static void assert_prefixes_wait(const uint8_t *hs, size_t msg_len)
{
	struct eg_hello_info info;

	for (size_t n = 0; n < msg_len; n++) {
		assert_int_equal(parse(hs, n, &info), EG_HELLO_MORE);
		assert_true(info.need > n);
		assert_true(info.need <= msg_len);
		assert_int_equal(info.has_sni, 0);
	}
}

/* ---- built hellos ------------------------------------------------------ */

static void test_minimal_without_extensions(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	hb_start(h, 0, 1, 1);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(info.has_sni, 0);
	assert_int_equal(info.n_ext, 0);
	assert_int_equal(info.need, h->len);
	free(h);
}

static void test_without_server_name(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	hb_typical(h, NULL, 0);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(info.has_sni, 0);
	assert_int_equal(info.n_ext, 10);
	free(h);
}

static void test_empty_extensions_block(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(info.has_sni, 0);
	free(h);
}

static void test_sni_anywhere(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	for (int pos = 0; pos <= 10; pos++) {
		hb_typical(h, "Api.GitHub.com", pos);
		assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
		assert_sni(h->buf, &info, "Api.GitHub.com");
		assert_int_equal(info.n_ext, 11);
		assert_int_equal(info.has_ech, 0);
		assert_int_equal(info.need, h->len);
		assert_incremental(h->buf, h->len);
	}
	free(h);
}

static void test_sni_canon(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));
	char out[256];

	hb_typical(h, "Api.GitHub.com.", 3);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(eg_sni_canon(h->buf, info.sni_off, info.sni_len, out), 14);
	assert_string_equal(out, "api.github.com");

	hb_typical(h, "10.0.0.1", 3);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(eg_sni_canon(h->buf, info.sni_off, info.sni_len, out), -1);

	hb_typical(h, "bad name", 3);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(eg_sni_canon(h->buf, info.sni_off, info.sni_len, out), -1);
	free(h);
}

static void test_ech(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni(h, "cloudflare-ech.com");
	hb_ext_filler(h, 0xfe0d, 200);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(info.has_ech, 1);
	assert_sni(h->buf, &info, "cloudflare-ech.com");
	free(h);
}

static void test_not_hello(void **state)
{
	static const uint8_t server_hello[] = { 2, 0, 0, 4, 3, 3, 0, 0 };
	static const uint8_t record[] = { 22, 3, 1, 0, 200, 1 };
	struct eg_hello_info info;

	for (size_t n = 1; n <= sizeof(server_hello); n++)
		assert_int_equal(parse(server_hello, n, &info), EG_HELLO_NOT_HELLO);
	/* a record header where the handshake should start */
	assert_int_equal(parse(record, sizeof(record), &info), EG_HELLO_NOT_HELLO);
}

static void test_need(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	hb_typical(h, "example.com", 4);
	assert_int_equal(parse(h->buf, 0, &info), EG_HELLO_MORE);
	assert_int_equal(info.need, 1);
	for (size_t n = 1; n < 4; n++) {
		assert_int_equal(parse(h->buf, n, &info), EG_HELLO_MORE);
		assert_int_equal(info.need, 4);
	}
	for (size_t n = 4; n < h->len; n++) {
		assert_int_equal(parse(h->buf, n, &info), EG_HELLO_MORE);
		assert_int_equal(info.need, h->len);
	}
	assert_prefixes_wait(h->buf, h->len);
	free(h);
}

static void test_too_large(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));
	uint8_t hdr[4] = { 1, 0, 0, 0 };

	/* the largest message there is room for: parsed */
	hb_start(h, 32, 16, 1);
	hb_extensions(h);
	hb_sni(h, "example.com");
	hb_ext_filler(h, 0x0015, EG_HELLO_CAP - h->len - 4);
	hb_finish(h);
	assert_int_equal(h->len, EG_HELLO_CAP);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_sni(h->buf, &info, "example.com");
	assert_int_equal(parse(h->buf, 4, &info), EG_HELLO_MORE);
	assert_int_equal(info.need, EG_HELLO_CAP);

	/* one byte more: refused as soon as the header is there */
	hb_start(h, 32, 16, 1);
	hb_extensions(h);
	hb_sni(h, "example.com");
	hb_ext_filler(h, 0x0015, EG_HELLO_CAP - h->len - 3);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_TOO_LARGE);
	assert_int_equal(parse(h->buf, 4, &info), EG_HELLO_TOO_LARGE);
	assert_int_equal(parse(h->buf, 3, &info), EG_HELLO_MORE);

	hdr[1] = 0xff;
	assert_int_equal(parse(hdr, 4, &info), EG_HELLO_TOO_LARGE);
	free(h);
}

static void test_bad_sni(void **state)
{
	static const char *const two[] = { "a.example", "b.example" };
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));
	char name[300];
	uint8_t empty_list[2] = { 0, 0 };

	/* two server_name extensions, apart or together */
	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni(h, "allowed.example");
	hb_ext_filler(h, 0x000a, 8);
	hb_sni(h, "evil.example");
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);
	assert_int_equal(info.has_sni, 0);

	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni(h, "allowed.example");
	hb_sni(h, "allowed.example");
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);

	/* two names in one list */
	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni_names(h, two, 2, 0);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);

	/* a name of another type */
	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni_names(h, two, 1, 1);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);

	/* an empty list, an empty name */
	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_ext(h, 0, empty_list, sizeof(empty_list));
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);

	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni(h, "");
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);

	/* 255 bytes: the parser's limit (not a valid host name, though) */
	memset(name, 'a', 255);
	name[255] = '\0';
	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni(h, name);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	assert_int_equal(info.sni_len, 255);
	assert_int_equal(eg_sni_canon(h->buf, info.sni_off, info.sni_len, name), -1);

	memset(name, 'a', 256);
	name[256] = '\0';
	hb_start(h, 32, 3, 1);
	hb_extensions(h);
	hb_sni(h, name);
	hb_finish(h);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_BAD_SNI);
	free(h);
}

static void test_extension_count(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	for (int n = EG_HELLO_MAX_EXT - 1; n <= EG_HELLO_MAX_EXT + 2; n++) {
		hb_start(h, 0, 1, 1);
		hb_extensions(h);
		for (int i = 0; i < n - 1; i++)
			hb_ext_filler(h, 0x1000 + i, i % 3);
		hb_sni(h, "last.example");
		hb_finish(h);
		if (n <= EG_HELLO_MAX_EXT) {
			assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
			assert_int_equal(info.n_ext, n);
			assert_sni(h->buf, &info, "last.example");
		} else {
			assert_int_equal(parse_hello(h, &info), EG_HELLO_MALFORMED);
			assert_int_equal(info.has_sni, 0);
		}
	}
	free(h);
}

/* A hello whose bytes are given, with the handshake length fixed up. */
static int parse_raw(const uint8_t *body, size_t len)
{
	struct eg_hello_info info;
	uint8_t buf[512];

	buf[0] = 1;
	buf[1] = 0;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, body, len);
	return parse(buf, len + 4, &info);
}

static void test_malformed_structure(void **state)
{
	uint8_t b[400];
	size_t n;

	/* too short for version and random */
	memset(b, 0, sizeof(b));
	assert_int_equal(parse_raw(b, 33), EG_HELLO_MALFORMED);
	assert_int_equal(parse_raw(b, 34), EG_HELLO_MALFORMED);	/* no session id length */

	/* session id of 33 bytes */
	n = 34;
	b[n++] = 33;
	memset(b + n, 1, 33);
	n += 33;
	b[n++] = 0; b[n++] = 2; b[n++] = 0x13; b[n++] = 0x01;
	b[n++] = 1; b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_MALFORMED);

	/* cipher suites: odd, empty */
	n = 34;
	b[n++] = 0;
	b[n++] = 0; b[n++] = 3; b[n++] = 0x13; b[n++] = 0x01; b[n++] = 0x13;
	b[n++] = 1; b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_MALFORMED);
	n = 34;
	b[n++] = 0;
	b[n++] = 0; b[n++] = 0;
	b[n++] = 1; b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_MALFORMED);

	/* no compression method, or none at all */
	n = 34;
	b[n++] = 0;
	b[n++] = 0; b[n++] = 2; b[n++] = 0x13; b[n++] = 0x01;
	b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_MALFORMED);
	assert_int_equal(parse_raw(b, n - 1), EG_HELLO_MALFORMED);

	/* one byte where the extensions' length should be */
	n = 34;
	b[n++] = 0;
	b[n++] = 0; b[n++] = 2; b[n++] = 0x13; b[n++] = 0x01;
	b[n++] = 1; b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_DONE);
	b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_MALFORMED);

	/* an extension header cut short inside the block */
	b[n - 1] = 0; b[n++] = 3; b[n++] = 0; b[n++] = 0; b[n++] = 0;
	assert_int_equal(parse_raw(b, n), EG_HELLO_MALFORMED);
}

static void test_malformed_server_name(void **state)
{
	static const struct {
		uint8_t body[12];
		size_t len;
		int want;
	} cases[] = {
		{ { 0 }, 1, EG_HELLO_MALFORMED },				/* no list length */
		{ { 0, 1, 0 }, 3, EG_HELLO_MALFORMED },				/* list too short */
		{ { 0, 2, 0, 0 }, 4, EG_HELLO_MALFORMED },			/* entry without length */
		{ { 0, 4, 0, 0, 2, 'a' }, 6, EG_HELLO_MALFORMED },		/* name past list */
		{ { 0, 5, 0, 0, 1, 'a' }, 6, EG_HELLO_MALFORMED },		/* list past extension */
		{ { 0, 3, 0, 0, 1, 'a' }, 6, EG_HELLO_MALFORMED },		/* list short of extension */
		{ { 0, 5, 0, 0, 1, 'a', 0 }, 7, EG_HELLO_BAD_SNI },		/* trailing byte in list */
		{ { 0, 4, 0, 0, 1, 'a' }, 6, EG_HELLO_DONE },
	};
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hb_start(h, 32, 3, 1);
		hb_extensions(h);
		hb_ext_filler(h, 0x0017, 0);
		hb_ext(h, 0, cases[i].body, cases[i].len);
		hb_ext_filler(h, 0x002b, 3);
		hb_finish(h);
		assert_int_equal(parse_hello(h, &info), cases[i].want);
	}
	free(h);
}

/*
 * Every length field, one too large and one too small: never DONE. Those
 * of the extensions block and of the server_name give a definite answer.
 */
static void test_length_fields_off_by_one(void **state)
{
	struct eg_hello_info info;
	struct hello *h = malloc(sizeof(*h)), *bad = malloc(sizeof(*bad));

	hb_typical(h, "www.example.com", 5);
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	for (int f = 0; f < h->n_fields; f++) {
		const struct hb_field *fl = &h->fields[f];
		unsigned int v = hb_get(h, fl->off, fl->width);

		for (int delta = -1; delta <= 1; delta += 2) {
			int st;

			if (v == 0 && delta < 0)
				continue;
			*bad = *h;
			hb_set(bad, fl->off, fl->width, v + delta);
			st = parse_hello(bad, &info);
			if (!strcmp(fl->what, "handshake length") && delta > 0) {
				assert_int_equal(st, EG_HELLO_MORE);
				assert_int_equal(info.need, h->len + 1);
				bad->buf[bad->len++] = 0;
				st = parse_hello(bad, &info);
			}
			if (st == EG_HELLO_DONE)
				fail_msg("%s %+d parsed", fl->what, delta);
			assert_int_not_equal(st, EG_HELLO_MORE);
			if (!strcmp(fl->what, "extensions length") ||
			    !strcmp(fl->what, "server_name list length") ||
			    !strcmp(fl->what, "server_name extension length") ||
			    (!strcmp(fl->what, "host name length") && delta > 0))
				assert_int_equal(st, EG_HELLO_MALFORMED);
			if (!strcmp(fl->what, "host name length") && delta < 0)
				assert_int_equal(st, EG_HELLO_BAD_SNI);
		}
	}
	free(bad);
	free(h);
}

static void test_bytes_after_message(void **state)
{
	struct eg_hello_info info, more;
	struct hello *h = malloc(sizeof(*h));
	size_t len;

	hb_typical(h, "example.org", 2);
	len = h->len;
	assert_int_equal(parse_hello(h, &info), EG_HELLO_DONE);
	/* a second handshake message, garbage: ignored */
	memset(h->buf + len, 0xff, 100);
	h->len += 100;
	assert_int_equal(parse_hello(h, &more), EG_HELLO_DONE);
	assert_memory_equal(&info, &more, sizeof(info));
	assert_int_equal(more.need, len);
	free(h);
}

/* ---- eg_host_canon ------------------------------------------------------ */

static void test_host_canon(void **state)
{
	static const struct {
		const char *in;
		int want;		/* length, EG_HOST_INVALID or EG_HOST_IP_LITERAL */
		const char *out;
		size_t len;		/* 0: strlen(in) */
	} cases[] = {
		{ "Example.COM", 11, "example.com" },
		{ "example.com.", 11, "example.com" },
		{ "xn--nxasmq6b.example", 20, "xn--nxasmq6b.example" },
		{ "_dmarc.a-b.example", 18, "_dmarc.a-b.example" },
		{ "104.236.167.107", EG_HOST_IP_LITERAL, NULL },
		{ "1.2.3.4.", EG_HOST_IP_LITERAL, NULL },
		{ "127.1", EG_HOST_IP_LITERAL, NULL },
		{ "2130706433", EG_HOST_IP_LITERAL, NULL },
		{ "0x7f000001", EG_HOST_IP_LITERAL, NULL },
		{ "0X7F.0x0.0x0.0X1", EG_HOST_IP_LITERAL, NULL },
		{ "example.0x", EG_HOST_IP_LITERAL, NULL },
		{ "example.0xbeef", EG_HOST_IP_LITERAL, NULL },
		{ "example.0xbeeg", 14, "example.0xbeeg" },
		{ "example.0x-1", 12, "example.0x-1" },
		{ "123.example", 11, "123.example" },
		{ "example.1a", 10, "example.1a" },
		{ "example.x0", 10, "example.x0" },
		{ "a.b-1", 5, "a.b-1" },
		{ "", EG_HOST_INVALID, NULL },
		{ ".", EG_HOST_INVALID, NULL },
		{ "..", EG_HOST_INVALID, NULL },
		{ "a..b", EG_HOST_INVALID, NULL },
		{ ".a", EG_HOST_INVALID, NULL },
		{ "a..", EG_HOST_INVALID, NULL },
		{ "exa mple.com", EG_HOST_INVALID, NULL },
		{ "example.com:443", EG_HOST_INVALID, NULL },
		{ "[::1]", EG_HOST_INVALID, NULL },
		{ "caf\xc3\xa9.example", EG_HOST_INVALID, NULL },
		{ "a\0b", EG_HOST_INVALID, NULL, 3 },
	};
	uint8_t buf[EG_HELLO_BUF];
	char out[256], ref[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		int got;

		memcpy(buf + 100, cases[i].in, len);
		got = eg_host_canon(buf, 100, (__u32)len, out);
		if (got != cases[i].want)
			fail_msg("\"%s\": %d, not %d", cases[i].in, got, cases[i].want);
		if (got >= 0)
			assert_string_equal(out, cases[i].out);
		/* name_canon() agrees on what is a name, and on its form */
		if (got == EG_HOST_INVALID) {
			assert_int_equal(name_canon(cases[i].in, (__u32)len, ref), -1);
		} else {
			int n = name_canon(cases[i].in, (__u32)len, ref);

			assert_int_equal(n, (int)strlen(ref));
			assert_int_equal(eg_sni_canon(buf, 100, (__u16)len, out), got < 0 ? -1 : got);
			if (got >= 0)
				assert_string_equal(out, ref);
		}
	}
}

static void test_host_canon_lengths(void **state)
{
	uint8_t buf[EG_HELLO_BUF];
	char name[300], out[256], ref[256];

	/* labels of 63 and 64 bytes */
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	memcpy(buf, name, strlen(name));
	assert_int_equal(eg_host_canon(buf, 0, (__u32)strlen(name), out), 71);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	memcpy(buf, name, strlen(name));
	assert_int_equal(eg_host_canon(buf, 0, (__u32)strlen(name), out), EG_HOST_INVALID);

	/* 253 bytes, with and without a trailing dot; 254 without */
	for (int i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a' + i % 26;
	name[252] = 'z';
	name[253] = '.';
	memcpy(buf + 8000, name, 254);
	assert_int_equal(eg_host_canon(buf, 8000, 253, out), 253);
	assert_int_equal(name_canon(name, 253, ref), 253);
	assert_string_equal(out, ref);
	assert_int_equal(eg_host_canon(buf, 8000, 254, out), 253);
	name[253] = 'q';
	memcpy(buf + 8000, name, 254);
	assert_int_equal(eg_host_canon(buf, 8000, 254, out), EG_HOST_INVALID);
	assert_int_equal(eg_host_canon(buf, 8000, 255, out), EG_HOST_INVALID);
}

/* ---- captures ------------------------------------------------------------ */

struct capture_case {
	const char *file;
	unsigned int index;	/* which ClientHello stream of the capture */
	int status;
	const char *sni;	/* NULL: none */
	int ech;
	int canon;		/* eg_host_canon() of the SNI */
};

static const struct capture_case capture_cases[] = {
	{ "zeek-chrome-1250-tls-x25519-kyber.pcap", 0, EG_HELLO_DONE, "lh3.google.com", 1, 14 },
	{ "suricata-tls-client-hello-frag-mtu300.pcap", 0, EG_HELLO_DONE, "www.google.com", 0, 14 },
	{ "ndpi-tls_2_reasms.pcapng", 0, EG_HELLO_DONE, "i.instagram.com", 0, 15 },
	{ "ndpi-tls_2_reasms_b.pcapng", 0, EG_HELLO_DONE, "video.fmct2-3.fna.fbcdn.net", 0, 27 },
	{ "zeek-tls13-ech.pcap", 0, EG_HELLO_DONE, "cloudflare-ech.com", 1, 18 },
	{ "zeek-tls13-ech.pcap", 1, EG_HELLO_DONE, "cloudflare-ech.com", 1, 18 },
	{ "ndpi-tls_ech.pcapng", 0, EG_HELLO_DONE, "performance.radar.cloudflare.com", 1, 32 },
	{ "ndpi-tls_esni_sni_both.pcap", 0, EG_HELLO_DONE,
	  "these-are-not-the-droids-youre-looking-for.com", 0, 46 },
	{ "ndpi-tls_esni_sni_both.pcap", 1, EG_HELLO_DONE,
	  "you-think-thats-normal-tls-traffic-youre-seeing.com", 0, 51 },
	{ "ndpi-dns_doh.pcap", 0, EG_HELLO_DONE, "mozilla.cloudflare-dns.com", 0, 26 },
	{ "zeek-tls-fragmented-handshake.pcap", 0, EG_HELLO_DONE, "104.236.167.107", 0,
	  EG_HOST_IP_LITERAL },
	{ "zeek-tls-hrr.pcap", 0, EG_HELLO_DONE, NULL, 0, 0 },
	{ "ndpi-tls-esni-fuzzed.pcap", 0, EG_HELLO_DONE, NULL, 0, 0 },
	{ "ndpi-tls_with_huge_ch.pcapng", 0, EG_HELLO_TOO_LARGE, NULL, 0, 0 },
	{ "ndpi-tls_missing_ch_frag.pcap", 0, EG_HELLO_MORE, NULL, 0, 0 },
};

static uint8_t capture_hs[64 * 1024];

static size_t load_capture_hello(const struct capture_case *c)
{
	struct tcp_stream s;
	size_t n;

	if (pcap_tcp_stream(corpus_path(c->file), stream_is_client_hello, c->index, &s))
		fail_msg("%s: cannot read its ClientHello (EGRESS_CORPUS=%s)", c->file,
			 getenv("EGRESS_CORPUS") ? getenv("EGRESS_CORPUS") : "unset");
	n = tls_handshake_bytes(s.data, s.len, capture_hs, sizeof(capture_hs));
	tcp_stream_free(&s);
	return n;
}

static void test_captures(void **state)
{
	for (size_t i = 0; i < sizeof(capture_cases) / sizeof(capture_cases[0]); i++) {
		const struct capture_case *c = &capture_cases[i];
		struct eg_hello_info info;
		size_t len = load_capture_hello(c);
		char out[256];
		int st = parse(capture_hs, len, &info);

		if (st != c->status)
			fail_msg("%s[%u]: status %d, not %d", c->file, c->index, st, c->status);
		assert_int_equal(info.has_ech, c->ech);
		if (c->sni) {
			assert_sni(capture_hs, &info, c->sni);
			assert_int_equal(eg_host_canon(capture_hs, info.sni_off, info.sni_len, out),
					 c->canon);
			assert_int_equal(eg_sni_canon(capture_hs, info.sni_off, info.sni_len, out),
					 c->canon < 0 ? -1 : c->canon);
		} else {
			assert_int_equal(info.has_sni, 0);
		}
		if (st == EG_HELLO_MORE)
			assert_true(info.need > len);
		if (st == EG_HELLO_DONE) {
			assert_true(info.need <= len);
			assert_prefixes_wait(capture_hs, info.need);
		}
		assert_incremental(capture_hs, len);
	}
}

/* The post-quantum hello: its SNI comes after a 1216-byte key share. */
static void test_capture_kyber_layout(void **state)
{
	struct eg_hello_info info;
	size_t len = load_capture_hello(&capture_cases[0]);

	assert_int_equal(parse(capture_hs, len, &info), EG_HELLO_DONE);
	assert_int_equal(info.need, 1751);
	assert_true(info.sni_off > 1216);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_without_extensions),
		cmocka_unit_test(test_without_server_name),
		cmocka_unit_test(test_empty_extensions_block),
		cmocka_unit_test(test_sni_anywhere),
		cmocka_unit_test(test_sni_canon),
		cmocka_unit_test(test_ech),
		cmocka_unit_test(test_not_hello),
		cmocka_unit_test(test_need),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_bad_sni),
		cmocka_unit_test(test_extension_count),
		cmocka_unit_test(test_malformed_structure),
		cmocka_unit_test(test_malformed_server_name),
		cmocka_unit_test(test_length_fields_off_by_one),
		cmocka_unit_test(test_bytes_after_message),
		cmocka_unit_test(test_host_canon),
		cmocka_unit_test(test_host_canon_lengths),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_capture_kyber_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
