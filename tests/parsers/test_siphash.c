// SPDX-License-Identifier: GPL-2.0-only
/* eg_siphash(), and the name rule keys of name_hash.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/siphash.h"
#include "lib/name_hash.h"

/* The SipHash paper's key: bytes 00..0f, read as two little-endian words. */
static const __u64 ref_key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

/*
 * SipHash-2-4 of the messages 00, 00 01, ..., 00..3e under that key: the
 * 64-bit test vectors of the reference implementation (vectors.h), as
 * little-endian words.
 */
static const __u64 ref_vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL,
	0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL,
	0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL,
	0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL,
	0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL,
	0xf723ca908e7af2eeULL, 0xa129ca6149be45e5ULL,
	0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
	0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL,
	0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL,
	0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL,
	0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL,
	0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL,
	0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL,
	0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
	0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL,
	0xf935451de4f21df2ULL, 0xa9538f0419755787ULL,
	0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL,
	0xee64435a9752fe72ULL, 0xa192d576b245165aULL,
	0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL,
	0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL,
	0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL,
	0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};

#define NAME_BUF	256	/* the buffers eg_name_hash() reads, masked */
#define UNSET		0x5a5a5a5a5a5a5a5aULL

#define REF_ROUND(v0, v1, v2, v3) do {						\
	v0 += v1; v1 = ref_rotl(v1, 13); v1 ^= v0; v0 = ref_rotl(v0, 32);	\
	v2 += v3; v3 = ref_rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ref_rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ref_rotl(v1, 17); v1 ^= v2; v2 = ref_rotl(v2, 32);	\
} while (0)

static __u64 ref_rotl(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* SipHash-2-4 as the paper gives it, of any length. */
static __u64 ref_siphash(const __u64 key[2], const void *data, size_t len)
{
	const __u8 *p = data;
	__u64 v0 = key[0] ^ 0x736f6d6570736575ULL;
	__u64 v1 = key[1] ^ 0x646f72616e646f6dULL;
	__u64 v2 = key[0] ^ 0x6c7967656e657261ULL;
	__u64 v3 = key[1] ^ 0x7465646279746573ULL;
	__u64 m, b = (__u64)len << 56;
	size_t i, end = len - len % 8;

	for (i = 0; i < end; i += 8) {
		m = 0;
		for (int j = 0; j < 8; j++)
			m |= (__u64)p[i + j] << (8 * j);
		v3 ^= m;
		REF_ROUND(v0, v1, v2, v3);
		REF_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (int j = 0; j < (int)(len % 8); j++)
		b |= (__u64)p[end + j] << (8 * j);
	v3 ^= b;
	REF_ROUND(v0, v1, v2, v3);
	REF_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		REF_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static __u64 ref_str(const char *s)
{
	return ref_siphash(ref_key, s, strlen(s));
}

static void test_reference_vectors(void **state)
{
	__u8 msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (__u8)i;
	for (int len = 0; len < 64; len++) {
		__u64 h = eg_siphash(ref_key, msg, (__u32)len);

		if (h != ref_vectors[len])
			fail_msg("length %d: %016llx, not %016llx", len,
				 (unsigned long long)h, (unsigned long long)ref_vectors[len]);
	}
	/* the paper's worked example: 15 bytes, a129ca6149be45e5 */
	assert_true(eg_siphash(ref_key, msg, 15) == 0xa129ca6149be45e5ULL);
}

/* The reference the name hashes are held to gives the vectors too. */
static void test_reference_model(void **state)
{
	__u8 msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (__u8)i;
	for (size_t len = 0; len < 64; len++)
		assert_true(ref_siphash(ref_key, msg, len) == ref_vectors[len]);
}

static void test_lengths(void **state)
{
	__u8 msg[EG_SIPHASH_MAX_LEN + 1];
	__u64 seen[EG_SIPHASH_MAX_LEN + 1];

	memset(msg, 0, sizeof(msg));
	/* all-zero messages of every length differ (the length is hashed) */
	for (__u32 len = 0; len <= EG_SIPHASH_MAX_LEN; len++) {
		seen[len] = eg_siphash(ref_key, msg, len);
		for (__u32 j = 0; j < len; j++)
			assert_true(seen[j] != seen[len]);
	}
	assert_true(eg_siphash(ref_key, msg, EG_SIPHASH_MAX_LEN + 1) == 0);
}

static void test_key_matters(void **state)
{
	const __u64 other[2] = { ref_key[0] ^ 1, ref_key[1] };
	const __u64 other2[2] = { ref_key[0], ref_key[1] ^ (1ULL << 63) };

	assert_true(eg_siphash(ref_key, "example", 7) != eg_siphash(other, "example", 7));
	assert_true(eg_siphash(ref_key, "example", 7) != eg_siphash(other2, "example", 7));
}

/* A name in a NAME_BUF buffer, the bytes past it junk. */
static char *name_buf(const char *name, size_t len)
{
	static char buf[NAME_BUF];

	assert_true(len <= EG_NAME_MAX);
	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, name, len);
	return buf;
}

/* eg_name_hash() is SipHash-2-4 of the bytes, for every length and offset. */
static void test_name_hash_lengths(void **state)
{
	char text[NAME_BUF];
	char *buf;

	for (int i = 0; i < EG_NAME_MAX; i++)
		text[i] = i % 9 == 8 ? '.' : (char)('a' + (i * 7) % 26);
	buf = name_buf(text, EG_NAME_MAX);
	for (__u32 len = 1; len <= EG_NAME_MAX; len++) {
		__u64 want = ref_siphash(ref_key, text, len);

		if (eg_name_hash(ref_key, buf, 0, len) != want)
			fail_msg("length %u: %016llx, not %016llx", len,
				 (unsigned long long)eg_name_hash(ref_key, buf, 0, len),
				 (unsigned long long)want);
		if (len <= EG_SIPHASH_MAX_LEN)
			assert_true(eg_siphash(ref_key, text, len) == want);
		for (__u32 off = 1; off < 16 && off < len; off++)
			assert_true(eg_name_hash(ref_key, buf, off, len - off) ==
				    ref_siphash(ref_key, text + off, len - off));
	}
	for (__u32 off = 0; off < EG_NAME_MAX; off++)
		assert_true(eg_name_hash(ref_key, buf, off, EG_NAME_MAX - off) ==
			    ref_siphash(ref_key, text + off, EG_NAME_MAX - off));
}

/*
 * The dots name_canon_labels() notes give eg_name_hashes_noted() the same
 * count and hashes as eg_name_hashes() finds by itself, for the name as
 * given, in upper case and with a trailing dot; notes of another name (of
 * another length) are not used. Only for texts that are host names.
 */
static void check_noted(const char *name, const __u64 *want, __u32 labels)
{
	size_t len = strlen(name);
	char in[NAME_BUF + 8] = { 0 }, canon[NAME_BUF] = { 0 };
	struct eg_name_labels lab, other;
	__u64 got[2 * EG_NAME_DEPTHS];
	__u32 depths = labels < EG_NAME_DEPTHS ? labels : EG_NAME_DEPTHS;

	memcpy(in, name, len);
	if (name_canon(in, (__u32)len, canon) < 0)
		return;		/* a text hashed, not a host name (a label > 63) */
	for (int form = 0; form < 3; form++) {
		for (size_t i = 0; i < len; i++)
			in[i] = form == 1 && name[i] >= 'a' && name[i] <= 'z' ?
				name[i] - 'a' + 'A' : name[i];
		in[len] = form == 2 ? '.' : '\0';
		memset(&lab, 0xa5, sizeof(lab));
		assert_int_equal(name_canon_labels(in, (__u32)len + (form == 2), canon, &lab),
				 (int)len);
		assert_int_equal(lab.len, len);
		assert_int_equal(lab.dots, labels - 1);
		for (int d = 0; d < 2 * EG_NAME_DEPTHS; d++)
			got[d] = UNSET;
		assert_int_equal(eg_name_hashes_noted(ref_key, canon, (__u32)len, &lab, got),
				 labels);
		for (__u32 d = 0; d < depths; d++)
			assert_true(got[d] == want[d]);
		for (__u32 d = depths; d < 2 * EG_NAME_DEPTHS; d++)
			assert_true(got[d] == UNSET);
	}
	/* notes of a name of another length are ignored */
	assert_true(name_canon_labels("q.zz", 4, in, &other) == 4);
	if (len != 4) {
		assert_int_equal(eg_name_hashes_noted(ref_key, canon, (__u32)len, &other, got),
				 labels);
		for (__u32 d = 0; d < depths; d++)
			assert_true(got[d] == want[d]);
	}
	/* an invalid name leaves no notes */
	assert_int_equal(name_canon_labels("a..b", 4, in, &other), -1);
	assert_int_equal(other.len, 0);
}

/*
 * Runs eg_name_hashes() on name and holds every hash to the reference:
 * out[0] the whole name, out[d] its suffix of d labels for 1 <= d <
 * min(labels, EG_NAME_DEPTHS), nothing else written. Returns the labels.
 */
static __u32 check_hashes(const char *name, __u64 out[2 * EG_NAME_DEPTHS])
{
	size_t len = strlen(name), start = len;
	__u32 labels = 1, depths;

	for (size_t i = 0; i < len; i++)
		labels += name[i] == '.';
	for (int d = 0; d < 2 * EG_NAME_DEPTHS; d++)
		out[d] = UNSET;
	assert_int_equal(eg_name_hashes(ref_key, name_buf(name, len), (__u32)len, out), labels);
	assert_true(out[0] == ref_siphash(ref_key, name, len));
	depths = labels < EG_NAME_DEPTHS ? labels : EG_NAME_DEPTHS;
	for (__u32 d = 1; d < depths; d++) {
		while (start > 0 && name[start - 1] != '.')
			start--;
		assert_true(out[d] == ref_siphash(ref_key, name + start, len - start));
		start--;
	}
	for (__u32 d = depths; d < 2 * EG_NAME_DEPTHS; d++)
		assert_true(out[d] == UNSET);
	check_noted(name, out, labels);
	return labels;
}

static void test_name_hashes(void **state)
{
	__u64 out[2 * EG_NAME_DEPTHS];

	assert_int_equal(check_hashes("a.b.example.com", out), 4);
	assert_true(out[0] == ref_str("a.b.example.com"));
	assert_true(out[1] == ref_str("com"));
	assert_true(out[2] == ref_str("example.com"));
	assert_true(out[3] == ref_str("b.example.com"));
	assert_true(out[4] == UNSET);

	assert_int_equal(check_hashes("localhost", out), 1);
	assert_true(out[0] == ref_str("localhost"));
	assert_int_equal(check_hashes("x", out), 1);
	assert_int_equal(check_hashes("api.github.com", out), 3);
	assert_true(out[2] == ref_str("github.com"));
}

static void test_name_hashes_depths(void **state)
{
	__u64 out[2 * EG_NAME_DEPTHS];
	char name[EG_NAME_MAX + 1];

	/* 8 labels: every proper suffix hashed */
	assert_int_equal(check_hashes("a.b.c.d.e.f.g.h", out), 8);
	assert_true(out[7] == ref_str("b.c.d.e.f.g.h"));
	assert_true(out[1] == ref_str("h"));

	/* 9: the suffix of 8 labels is not */
	assert_int_equal(check_hashes("i.a.b.c.d.e.f.g.h", out), 9);
	assert_true(out[0] == ref_str("i.a.b.c.d.e.f.g.h"));
	assert_true(out[7] == ref_str("b.c.d.e.f.g.h"));
	assert_true(out[8] == UNSET);

	/* 127 one-byte labels: 253 bytes */
	for (int i = 0; i < EG_NAME_MAX; i++)
		name[i] = i % 2 ? '.' : (char)('a' + (i / 2) % 26);
	name[EG_NAME_MAX] = '\0';
	assert_int_equal(check_hashes(name, out), 127);
	for (int d = 1; d < EG_NAME_DEPTHS; d++)
		assert_true(out[d] == ref_siphash(ref_key, name + EG_NAME_MAX - (2 * d - 1),
						  (size_t)(2 * d - 1)));

	/* three labels of 63 bytes and one of 61: 253 bytes */
	for (int l = 0; l < 4; l++) {
		memset(name + 64 * l, 'a' + l, l < 3 ? 63 : 61);
		if (l < 3)
			name[64 * l + 63] = '.';
	}
	name[EG_NAME_MAX] = '\0';
	assert_int_equal(check_hashes(name, out), 4);

	/* labels of every length before a suffix: every word count, every tail */
	for (int n = 1; n <= EG_LABEL_MAX; n++) {
		memset(name, 'q', (size_t)n);
		strcpy(name + n, ".w.example.com");
		assert_int_equal(check_hashes(name, out), 4);
		memset(name, 'q', (size_t)n);
		strcpy(name + n, ".a.b.c.d.e.f.g.h.i.j");
		assert_int_equal(check_hashes(name, out), 11);
	}
	/* and dots at every position of a 253-byte name */
	for (int at = 1; at < EG_NAME_MAX - 1; at++) {
		memset(name, 'z', EG_NAME_MAX);
		name[EG_NAME_MAX] = '\0';
		name[at] = '.';
		if (at + 64 < EG_NAME_MAX - 1)
			name[at + 64] = '.';
		if (at > 64)
			name[at - 64] = '.';
		check_hashes(name, out);
	}
}

/*
 * How a rule table uses the hashes (bpf/policy.h): an exact rule is filed
 * under the hash of its name, a wildcard "*.base" under the hash of base and
 * matched by a proper suffix of depth 1 .. EG_NAME_DEPTHS - 1.
 */
static bool matches(const char *rule, const char *name)
{
	bool wildcard = !strncmp(rule, "*.", 2);
	const char *base = wildcard ? rule + 2 : rule;
	__u64 key = eg_name_hash(ref_key, name_buf(base, strlen(base)), 0,
				 (__u32)strlen(base));
	__u64 out[EG_NAME_DEPTHS];
	__u32 labels = eg_name_hashes(ref_key, name_buf(name, strlen(name)),
				      (__u32)strlen(name), out);

	assert_true(key == ref_str(base));
	if (!wildcard)
		return out[0] == key;
	for (__u32 d = 1; d < EG_NAME_DEPTHS && d < labels; d++)
		if (out[d] == key)
			return true;
	return false;
}

static void test_rule_matching(void **state)
{
	assert_true(matches("api.github.com", "api.github.com"));
	assert_false(matches("api.github.com", "x.api.github.com"));
	assert_false(matches("api.github.com", "github.com"));
	assert_true(matches("*.github.com", "api.github.com"));
	assert_true(matches("*.github.com", "a.b.c.github.com"));
	assert_false(matches("*.github.com", "github.com"));
	assert_false(matches("*.github.com", "github.com.evil"));
	assert_false(matches("*.github.com", "api.xgithub.com"));
	assert_false(matches("*.ome.com", "x.home.com"));
	assert_false(matches("ome.com", "home.com"));
	assert_false(matches("*.com", "com"));
	assert_true(matches("*.com", "example.com"));
	assert_true(matches("*.b.c.d.e.f.g.h", "a.b.c.d.e.f.g.h"));
	assert_true(matches("*.c.d.e.f.g.h", "x.y.a.b.c.d.e.f.g.h"));
	assert_false(matches("*.b.c.d.e.f.g.h", "b.c.d.e.f.g.h"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_reference_model),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_key_matters),
		cmocka_unit_test(test_name_hash_lengths),
		cmocka_unit_test(test_name_hashes),
		cmocka_unit_test(test_name_hashes_depths),
		cmocka_unit_test(test_rule_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
