/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helper: ClientHello messages (handshake layer) assembled from parts,
 * remembering where each length field went so that tests can corrupt them.
 */
#ifndef EGRESS_TEST_HELLO_BUILDER_H
#define EGRESS_TEST_HELLO_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HB_MAX		(64 * 1024)
#define HB_MAX_EXT	128
#define HB_MAX_FIELDS	(8 + 2 * HB_MAX_EXT)

/* A length field: where it is, its width in bytes, and what it measures. */
struct hb_field {
	size_t off;
	int width;
	const char *what;
};

struct hello {
	uint8_t buf[HB_MAX];
	size_t len;
	struct hb_field fields[HB_MAX_FIELDS];
	int n_fields;
	size_t ext_start[HB_MAX_EXT];	/* offset of each extension's type */
	int n_ext;
	size_t ext_block;		/* offset of the extensions' 2-byte length */
};

static inline void hb_put(struct hello *h, const void *p, size_t n)
{
	memcpy(h->buf + h->len, p, n);
	h->len += n;
}

static inline void hb_u8(struct hello *h, unsigned int v)
{
	h->buf[h->len++] = (uint8_t)v;
}

static inline void hb_u16(struct hello *h, unsigned int v)
{
	hb_u8(h, v >> 8);
	hb_u8(h, v);
}

static inline void hb_u24(struct hello *h, unsigned int v)
{
	hb_u8(h, v >> 16);
	hb_u16(h, v & 0xffff);
}

static inline void hb_field(struct hello *h, size_t off, int width, const char *what)
{
	h->fields[h->n_fields++] = (struct hb_field){ off, width, what };
}

static inline void hb_set(struct hello *h, size_t off, int width, unsigned int v)
{
	for (int i = width - 1; i >= 0; i--, v >>= 8)
		h->buf[off + i] = (uint8_t)v;
}

static inline unsigned int hb_get(const struct hello *h, size_t off, int width)
{
	unsigned int v = 0;

	for (int i = 0; i < width; i++)
		v = v << 8 | h->buf[off + i];
	return v;
}

/*
 * Starts a ClientHello: header, legacy_version, random, session id of
 * sid_len bytes, n_ciphers cipher suites, n_comp compression methods.
 */
static inline void hb_start(struct hello *h, unsigned int sid_len, unsigned int n_ciphers,
			    unsigned int n_comp)
{
	memset(h, 0, sizeof(*h));
	hb_u8(h, 1);
	hb_field(h, h->len, 3, "handshake length");
	hb_u24(h, 0);
	hb_u16(h, 0x0303);
	for (int i = 0; i < 32; i++)
		hb_u8(h, 0xa0 + i);
	hb_field(h, h->len, 1, "session id length");
	hb_u8(h, sid_len);
	for (unsigned int i = 0; i < sid_len; i++)
		hb_u8(h, 0x50 + i);
	hb_field(h, h->len, 2, "cipher suites length");
	hb_u16(h, 2 * n_ciphers);
	for (unsigned int i = 0; i < n_ciphers; i++)
		hb_u16(h, 0x1301 + i);
	hb_field(h, h->len, 1, "compression methods length");
	hb_u8(h, n_comp);
	for (unsigned int i = 0; i < n_comp; i++)
		hb_u8(h, i);
}

/* The extensions block starts here (omit it for a hello without one). */
static inline void hb_extensions(struct hello *h)
{
	h->ext_block = h->len;
	hb_field(h, h->len, 2, "extensions length");
	hb_u16(h, 0);
}

static inline void hb_ext(struct hello *h, unsigned int type, const void *body, size_t len)
{
	h->ext_start[h->n_ext++] = h->len;
	hb_u16(h, type);
	hb_field(h, h->len, 2, "extension length");
	hb_u16(h, (unsigned int)len);
	hb_put(h, body, len);
}

/* An extension of len bytes of filler (padding, key shares, GREASE). */
static inline void hb_ext_filler(struct hello *h, unsigned int type, size_t len)
{
	static uint8_t filler[HB_MAX];

	memset(filler, 0x5a, len);
	hb_ext(h, type, filler, len);
}

/*
 * A server_name extension: list length, then one entry per name (type,
 * length, bytes). The list length and each name length are recorded.
 */
static inline void hb_sni_names(struct hello *h, const char *const *names, int n,
				unsigned int name_type)
{
	size_t list_len = 0;

	for (int i = 0; i < n; i++)
		list_len += 3 + strlen(names[i]);
	h->ext_start[h->n_ext++] = h->len;
	hb_u16(h, 0);
	hb_field(h, h->len, 2, "server_name extension length");
	hb_u16(h, (unsigned int)(2 + list_len));
	hb_field(h, h->len, 2, "server_name list length");
	hb_u16(h, (unsigned int)list_len);
	for (int i = 0; i < n; i++) {
		hb_u8(h, name_type);
		hb_field(h, h->len, 2, "host name length");
		hb_u16(h, (unsigned int)strlen(names[i]));
		hb_put(h, names[i], strlen(names[i]));
	}
}

static inline void hb_sni(struct hello *h, const char *name)
{
	hb_sni_names(h, &name, 1, 0);
}

/* Fills in the handshake and extensions lengths. */
static inline void hb_finish(struct hello *h)
{
	hb_set(h, 1, 3, (unsigned int)(h->len - 4));
	if (h->ext_block)
		hb_set(h, h->ext_block, 2, (unsigned int)(h->len - h->ext_block - 2));
}

/* A typical modern hello: a few extensions, the SNI where asked. */
static inline void hb_typical(struct hello *h, const char *sni, int sni_pos)
{
	static const unsigned int types[] = { 0x0a0a, 0x0017, 0xff01, 0x000a, 0x000b,
					      0x0023, 0x0010, 0x0005, 0x000d, 0x0033 };
	int n = (int)(sizeof(types) / sizeof(types[0]));

	hb_start(h, 32, 16, 1);
	hb_extensions(h);
	for (int i = 0; i <= n; i++) {
		if (i == sni_pos && sni)
			hb_sni(h, sni);
		if (i < n)
			hb_ext_filler(h, types[i], types[i] == 0x0033 ? 1216 : 4 + i);
	}
	hb_finish(h);
}

#endif /* EGRESS_TEST_HELLO_BUILDER_H */
