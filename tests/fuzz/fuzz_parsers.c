// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the header-only parsers. The first byte picks one:
 *   0: eg_hello_parse() with eg_sni_canon() and the name hashes,
 *   1: eg_http_parse() with eg_http_maybe() and eg_http_host_canon(),
 *   2: eg_host_canon() on any bytes, and the name hashes.
 * The rest is the input, copied to a buffer of exactly its size so that
 * AddressSanitizer sees any read past it. Every invariant that a caller
 * relies on is checked; a violation aborts.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tls.h"
#include "lib/http.h"
#include "lib/siphash.h"
#include "lib/name_hash.h"

#define NAME_BUF	256	/* a canonical name's buffer: reads are masked */

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",		\
			__FILE__, __LINE__, #cond);				\
		abort();							\
	}									\
} while (0)

static const __u64 key[2] = { 0x5eed5eed5eed5eedULL, 0x0123456789abcdefULL };

static uint8_t *exact_copy(const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		abort();
	memcpy(p, data, len);
	return p;
}

/* What eg_host_canon() should call a number: all digits, or 0x and hex digits (none: 0). */
static bool oracle_ends_in_number(const char *name, size_t len)
{
	const char *dot = memrchr(name, '.', len);
	const char *label = dot ? dot + 1 : name;
	size_t n = len - (size_t)(label - name), i = 0;

	if (n == 0)
		return false;
	while (i < n && label[i] >= '0' && label[i] <= '9')
		i++;
	if (i == n)
		return true;
	if (n < 2 || label[0] != '0' || label[1] != 'x')
		return false;
	for (i = 2; i < n; i++)
		if (!((label[i] >= '0' && label[i] <= '9') || (label[i] >= 'a' && label[i] <= 'f')))
			return false;
	return true;
}

/* eg_host_canon() gives what name_canon() gives, and tells addresses apart. */
static int check_host_canon(const uint8_t *buf, __u32 off, __u32 len)
{
	char out[NAME_BUF], ref[NAME_BUF];
	int got = eg_host_canon(buf, off, len, out);
	int want = name_canon((const char *)buf + off, len, ref);

	if (want < 0) {
		CHECK(got == EG_HOST_INVALID);
		return got;
	}
	CHECK(got == (oracle_ends_in_number(ref, (size_t)want) ? EG_HOST_IP_LITERAL : want));
	CHECK(!strcmp(out, ref));
	return got;
}

/*
 * eg_name_hashes() counts the labels, and hashes the whole name and each
 * suffix it fills as eg_name_hash() does that text.
 */
static void check_hashes(const char *name, int len)
{
	static char buf[NAME_BUF], sub[NAME_BUF];
	__u64 out[EG_NAME_DEPTHS];
	__u32 labels, dots = 0;
	int start, end = len;

	CHECK(len >= 1 && len <= EG_NAME_MAX);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, name, (size_t)len);
	for (int i = 0; i < len; i++)
		dots += name[i] == '.';
	labels = eg_name_hashes(key, buf, (__u32)len, out);
	CHECK(labels == dots + 1);
	CHECK(out[0] == eg_name_hash(key, buf, 0, (__u32)len));
	for (__u32 d = 1; d < labels && d < EG_NAME_DEPTHS; d++) {
		start = end;
		while (start > 0 && name[start - 1] != '.')
			start--;
		CHECK(start > 0 && start < end);
		memset(sub, 0, sizeof(sub));
		memcpy(sub, name + start, (size_t)(len - start));
		CHECK(out[d] == eg_name_hash(key, sub, 0, (__u32)(len - start)));
		end = start - 1;
	}
}

static void fuzz_hello(const uint8_t *data, size_t len)
{
	uint8_t *hs = exact_copy(data, len);
	struct eg_hello_info all, step;
	int st = eg_hello_parse(hs, (__u32)len, &all), inc = EG_HELLO_MORE, calls = 0;
	__u32 need = 0;

	switch (st) {
	case EG_HELLO_MORE:
		CHECK(all.need > len && all.need <= EG_HELLO_CAP);
		CHECK(!all.has_sni);
		break;
	case EG_HELLO_DONE:
		CHECK(all.need >= 4 + 38 && all.need <= len && all.need <= EG_HELLO_CAP);
		CHECK(all.n_ext <= EG_HELLO_MAX_EXT);
		if (all.has_sni) {
			CHECK(all.sni_len >= 1 && all.sni_len <= 255);
			CHECK((size_t)all.sni_off + all.sni_len <= all.need);
		}
		break;
	default:
		CHECK(st > EG_HELLO_DONE && st <= EG_HELLO_BAD_SNI);
		CHECK(!all.has_sni && all.need == 0);
	}

	/* a caller that waits for need bytes each time: same answer, few calls */
	for (size_t n = 0; n <= len; n++) {
		if (n < need)
			continue;
		calls++;
		inc = eg_hello_parse(hs, (__u32)n, &step);
		if (inc != EG_HELLO_MORE)
			break;
		CHECK(step.need > n && step.need > need);
		need = step.need;
	}
	CHECK(inc == st && calls <= 4);
	CHECK(!memcmp(&step, &all, sizeof(all)));

	/* a hello cut short is never decided on */
	if (st == EG_HELLO_DONE && all.need > 4) {
		CHECK(eg_hello_parse(hs, all.need - 1, &step) == EG_HELLO_MORE);
		CHECK(eg_hello_parse(hs, (all.need - 1) / 2 + 4, &step) == EG_HELLO_MORE);
	}

	if (st == EG_HELLO_DONE && all.has_sni) {
		char out[NAME_BUF];
		int canon = eg_sni_canon(hs, all.sni_off, all.sni_len, out);
		int host = check_host_canon(hs, all.sni_off, all.sni_len);

		CHECK(canon == (host < 0 ? -1 : host));
		if (canon > 0)
			check_hashes(out, canon);
	}
	free(hs);
}

static void fuzz_http(const uint8_t *data, size_t len)
{
	uint8_t *buf = exact_copy(data, len);
	struct eg_http_info all, part;
	int st = eg_http_parse(buf, (__u32)len, &all);
	bool maybe = eg_http_maybe(buf, (__u32)len);
	size_t splits[4] = { len / 2, len / 3, len ? len - 1 : 0, len > 8 ? data[0] % 8 : 0 };

	CHECK(st >= EG_HTTP_MORE && st <= EG_HTTP_CONFLICT);
	CHECK(maybe == (st != EG_HTTP_NOT_HTTP));
	switch (st) {
	case EG_HTTP_MORE:
		CHECK(len < EG_HTTP_CAP && all.need == len + 1);
		break;
	case EG_HTTP_DONE:
		CHECK(all.need >= 16 && all.need <= len && all.need <= EG_HTTP_CAP);
		CHECK(all.host_len >= 1 && (size_t)all.host_off + all.host_len <= all.need);
		break;
	case EG_HTTP_NO_HOST:
		CHECK(all.need <= len && all.need <= EG_HTTP_CAP && !all.host_len);
		break;
	default:
		CHECK(all.need == 0 && !all.host_len);
	}

	/* decisions never change with more bytes */
	for (int i = 0; i < 4; i++) {
		int p = eg_http_parse(buf, (__u32)splits[i], &part);

		if (p == EG_HTTP_MORE)
			continue;
		CHECK(p == st);
		CHECK(!memcmp(&part, &all, sizeof(all)));
	}
	/* and a caller fed byte by byte, parsing once it holds need, agrees */
	if (len <= 512) {
		__u32 need = 0;
		int inc = EG_HTTP_MORE;

		for (size_t n = 0; n <= len; n++) {
			if (n < need)
				continue;
			inc = eg_http_parse(buf, (__u32)n, &part);
			if (inc != EG_HTTP_MORE)
				break;
			CHECK(part.need > n);
			need = part.need;
		}
		CHECK(inc == st);
	}

	if (st == EG_HTTP_DONE) {
		char out[NAME_BUF];
		int canon = eg_http_host_canon(buf, all.host_off, all.host_len, out);

		if (buf[all.host_off] == '[') {
			CHECK(canon == EG_HOST_IP_LITERAL);
		} else {
			CHECK(canon == check_host_canon(buf, all.host_off, all.host_len));
			if (canon > 0)
				check_hashes(out, canon);
		}
	}
	free(buf);
}

static void fuzz_name(const uint8_t *data, size_t len)
{
	uint8_t *buf = exact_copy(data, len);
	char out[NAME_BUF];
	int canon;

	if (len > 300)
		len = 300;
	canon = check_host_canon(buf, 0, (__u32)len);
	if (canon > 0) {
		eg_host_canon(buf, 0, (__u32)len, out);
		check_hashes(out, canon);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_hello(data + 1, size - 1);
		break;
	case 1:
		fuzz_http(data + 1, size - 1);
		break;
	default:
		fuzz_name(data + 1, size - 1);
		break;
	}
	return 0;
}
