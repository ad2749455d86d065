// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns.h"
#include "dns_cases.h"

#define T_A	1
#define T_NS	2
#define T_CNAME	5
#define T_SOA	6
#define T_NULL	10
#define T_TXT	16
#define T_AAAA	28
#define T_HTTPS	65
#define C_IN	1
#define C_CH	3

#define F_RD	0x0100
#define F_RESP	0x8180		/* QR, RD, RA */

#define QID	0x1234
#define AID	0xbeef

/* ---- queries -------------------------------------------------------------- */

static void query(struct dmsg *m, unsigned int flags, const char *name, unsigned int type)
{
	dm_init(m);
	dm_header(m, QID, flags, 1, 0, 0, 0);
	dm_question(m, name, type, C_IN);
}

static void edns_query(struct dmsg *m, const char *name, unsigned int udp,
		       unsigned int flags, const void *opts, size_t n)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 1);
	dm_question(m, name, T_A, C_IN);
	dm_opt(m, udp, 0, flags, opts, n);
}

static const unsigned char cookie[] = {
	0, 10, 0, 8, 0x9e, 0x2b, 0x4d, 0x11, 0x07, 0xa5, 0xc3, 0x6f,
};

static void q_basic(struct dmsg *m) { query(m, F_RD, "www.example.com", T_A); }
static void q_mixed_case(struct dmsg *m) { query(m, F_RD, "WwW.ExAmPlE.CoM", T_AAAA); }
static void q_cd(struct dmsg *m) { query(m, F_RD | 0x0010, "example.com", T_A); }
static void q_no_rd(struct dmsg *m) { query(m, 0, "example.com", T_HTTPS); }
static void q_root(struct dmsg *m) { query(m, 0, "", T_NS); }
static void q_single_label(struct dmsg *m) { query(m, F_RD, "localhost", T_A); }
static void q_underscore(struct dmsg *m) { query(m, F_RD, "_dmarc.example.com", T_TXT); }
static void q_idn(struct dmsg *m) { query(m, F_RD, "xn--bcher-kva.example", T_A); }
static void q_tc(struct dmsg *m) { query(m, F_RD | 0x0200, "example.com", T_A); }
static void q_qr(struct dmsg *m) { query(m, 0x8000 | F_RD, "example.com", T_A); }
static void q_opcode_status(struct dmsg *m) { query(m, 2 << 11, "example.com", T_A); }
static void q_opcode_notify(struct dmsg *m) { query(m, 4 << 11, "example.com", T_SOA); }
static void q_opcode_update(struct dmsg *m) { query(m, 5 << 11, "example.com", T_SOA); }

static void q_edns(struct dmsg *m)
{
	edns_query(m, "example.org", 4096, 0x8000, cookie, sizeof(cookie));
}

static void q_edns_empty(struct dmsg *m) { edns_query(m, "example.org", 1232, 0, NULL, 0); }

static void q_edns_two_options(struct dmsg *m)
{
	unsigned char o[sizeof(cookie) + 4 + 3];

	memcpy(o, cookie, sizeof(cookie));
	memcpy(o + sizeof(cookie), "\x00\x0c\x00\x03\x00\x00\x00", 7);	/* padding, 3 bytes */
	edns_query(m, "example.org", 512, 0x8000, o, sizeof(o));
}

static void q_edns_version1(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 1);
	dm_question(m, "example.org", T_A, C_IN);
	dm_opt(m, 1400, 1, 0, NULL, 0);
}

static void q_label63(struct dmsg *m)
{
	char name[80];

	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	query(m, F_RD, name, T_A);
}

static void q_label64(struct dmsg *m)
{
	char label[64];

	memset(label, 'a', 64);
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 0);
	dm_label(m, label, 64);
	dm_name(m, "example");
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

/* Labels of 63, 63, 63 and last bytes: a name of 192 + last text bytes. */
static void long_name(struct dmsg *m, size_t last)
{
	char label[63];
	size_t i;

	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 0);
	for (i = 0; i < 3; i++) {
		memset(label, 'a' + (int)i, sizeof(label));
		dm_label(m, label, sizeof(label));
	}
	memset(label, 'z', last);
	dm_label(m, label, last);
	dm_u8(m, 0);
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

static void q_name253(struct dmsg *m) { long_name(m, 61); }	/* 255 wire bytes */
static void q_name254(struct dmsg *m) { long_name(m, 62); }	/* 256 */

static void counts(struct dmsg *m, unsigned int qd, unsigned int an, unsigned int ns,
		   unsigned int ar)
{
	query(m, F_RD, "example.com", T_A);
	dm_set16(m, 4, qd);
	dm_set16(m, 6, an);
	dm_set16(m, 8, ns);
	dm_set16(m, 10, ar);
}

static void q_qd0(struct dmsg *m) { counts(m, 0, 0, 0, 0); }
static void q_qd2(struct dmsg *m)
{
	counts(m, 2, 0, 0, 0);
	dm_question(m, "example.net", T_A, C_IN);
}
static void q_an1(struct dmsg *m)
{
	counts(m, 1, 1, 0, 0);
	dm_addr_rr(m, 12, "192.0.2.1", 60);
}
static void q_ns1(struct dmsg *m)
{
	counts(m, 1, 0, 1, 0);
	dm_addr_rr(m, 12, "192.0.2.1", 60);
}
static void q_ar2(struct dmsg *m)
{
	counts(m, 1, 0, 0, 2);
	dm_opt(m, 1232, 0, 0, NULL, 0);
	dm_opt(m, 1232, 0, 0, NULL, 0);
}

static void q_pointer_name(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 0);
	dm_ptr(m, 12);
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

static void q_pointer_suffix(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 0);
	dm_name_ptr(m, "www", 12);
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

static void q_pointer_opt(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 1);
	dm_question(m, "example.com", T_A, C_IN);
	dm_ptr(m, 12);
	dm_rr(m, 41, 1232, 0, 0);
}

static void bad_label(struct dmsg *m, const void *bytes, size_t n)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 0);
	dm_label(m, bytes, n);
	dm_name(m, "example.com");
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

static void q_space(struct dmsg *m) { bad_label(m, "ex ample", 8); }
static void q_star(struct dmsg *m) { bad_label(m, "*", 1); }
static void q_dot_in_label(struct dmsg *m) { bad_label(m, "www.evil", 8); }
static void q_nul_in_label(struct dmsg *m) { bad_label(m, "ww\0w", 4); }
static void q_high_byte(struct dmsg *m) { bad_label(m, "caf\xc3\xa9", 5); }
static void q_slash(struct dmsg *m) { bad_label(m, "a/b", 3); }

static void q_label_type(struct dmsg *m, unsigned int byte)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 0);
	dm_u8(m, byte);
	dm_fill(m, 'a', 3);
	dm_u8(m, 0);
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

static void q_label_type40(struct dmsg *m) { q_label_type(m, 0x41); }
static void q_label_type80(struct dmsg *m) { q_label_type(m, 0x81); }

static void q_trailing(struct dmsg *m)
{
	query(m, F_RD, "example.com", T_A);
	dm_u8(m, 0);
}

static void q_trailing_opt(struct dmsg *m)
{
	q_edns(m);
	dm_u8(m, 0);
}

static void q_additional_a(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 1);
	dm_question(m, "example.com", T_A, C_IN);
	dm_u8(m, 0);
	dm_rr(m, T_A, C_IN, 60, 4);
	dm_u32(m, 0xc0000201);
}

static void q_additional_named_opt(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, QID, F_RD, 1, 0, 0, 1);
	dm_question(m, "example.com", T_A, C_IN);
	dm_name(m, "example.com");
	dm_rr(m, 41, 1232, 0, 0);
}

static void q_option_overrun(struct dmsg *m)
{
	static const unsigned char o[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };

	edns_query(m, "example.org", 1232, 0, o, sizeof(o));
}

static void q_option_partial(struct dmsg *m)
{
	static const unsigned char o[] = { 0, 10, 0 };

	edns_query(m, "example.org", 1232, 0, o, sizeof(o));
}

static void q_short(struct dmsg *m)
{
	query(m, F_RD, "example.com", T_A);
	m->len = 11;
}

static void padded(struct dmsg *m, size_t total)
{
	unsigned char o[EG_DNS_CAP];
	size_t n = total - (12 + 17 + 11) - 4;

	memset(o, 0, sizeof(o));
	o[1] = 12;			/* padding */
	o[2] = (unsigned char)(n >> 8);
	o[3] = (unsigned char)n;
	edns_query(m, "example.com", 1232, 0, o, n + 4);
}

static void q_512(struct dmsg *m) { padded(m, 512); }
static void q_513(struct dmsg *m) { padded(m, 513); }

/* ---- answers --------------------------------------------------------------- */

/* Header and question; the question name is at 12. Returns the question's end. */
static size_t answer(struct dmsg *m, unsigned int flags, unsigned int an, const char *name,
		     unsigned int type)
{
	dm_init(m);
	dm_header(m, AID, flags, 1, an, 0, 0);
	dm_question(m, name, type, C_IN);
	return m->len;
}

static void a_basic(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_addr_rr(m, 12, "192.0.2.1", 300);
}

static void a_aaaa(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_AAAA);
	dm_addr_rr(m, 12, "2001:db8::1", 3600);
}

static void a_two_addrs(struct dmsg *m)
{
	answer(m, F_RESP, 2, "www.example.com", T_A);
	dm_addr_rr(m, 12, "192.0.2.1", 300);
	dm_addr_rr(m, 12, "192.0.2.2", 60);
}

/*
 * www.example.com CNAME e1.cdn.example.net, e1 CNAME e2.cdn.example.net
 * (compressed: "e2" and a pointer into the first target), then e2's A and
 * AAAA.
 */
static void a_chain(struct dmsg *m)
{
	size_t t1, t2, rdlen_at;

	answer(m, F_RESP, 4, "www.example.com", T_A);
	t1 = dm_cname_rr(m, 12, "e1.cdn.example.net", 300);
	dm_ptr(m, (unsigned int)t1);
	dm_rr(m, T_CNAME, C_IN, 100, 0);
	rdlen_at = m->len - 2;
	t2 = dm_name_ptr(m, "e2", (unsigned int)t1 + 3);
	dm_set16(m, rdlen_at, (unsigned int)(m->len - t2));
	dm_addr_rr(m, (unsigned int)t2, "192.0.2.10", 20);
	dm_addr_rr(m, (unsigned int)t2, "2001:db8::10", 40);
}

static void a_chain_case(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_name(m, "WWW.Example.COM");
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000207);
}

static void a_unrelated(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_name(m, "other.example.com");
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000263);
}

static void a_out_of_order(struct dmsg *m)
{
	answer(m, F_RESP, 2, "www.example.com", T_A);
	dm_name(m, "e1.cdn.example.net");
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc000020a);
	dm_cname_rr(m, 12, "e1.cdn.example.net", 300);
}

/* a CNAME off the chain is no part of it, nor is its target */
static void a_cname_unrelated(struct dmsg *m)
{
	size_t rdlen_at, t;

	answer(m, F_RESP, 3, "www.example.com", T_A);
	dm_name(m, "other.example.com");
	dm_rr(m, T_CNAME, C_IN, 300, 0);
	rdlen_at = m->len - 2;
	t = dm_name(m, "e9.cdn.example.net");
	dm_set16(m, rdlen_at, (unsigned int)(m->len - t));
	dm_addr_rr(m, (unsigned int)t, "192.0.2.99", 300);
	dm_addr_rr(m, 12, "192.0.2.1", 300);
}

/* a.example -> b -> c -> d -> e -> f (.example), A for e and for f */
static void a_chain_long(struct dmsg *m)
{
	static const char *const t[] = { "b.example", "c.example", "d.example", "e.example",
					 "f.example" };
	size_t owner = 12, at[5];
	unsigned int i;

	answer(m, F_RESP, 7, "a.example", T_A);
	for (i = 0; i < 5; i++) {
		at[i] = dm_cname_rr(m, (unsigned int)owner, t[i], 600 - i);
		owner = at[i];
	}
	dm_addr_rr(m, (unsigned int)at[3], "192.0.2.14", 600);
	dm_addr_rr(m, (unsigned int)at[4], "192.0.2.15", 600);
}

static void a_cname_loop(struct dmsg *m)
{
	size_t b;

	answer(m, F_RESP, 3, "a.example", T_A);
	b = dm_cname_rr(m, 12, "b.example", 300);
	dm_cname_rr(m, (unsigned int)b, "a.example", 300);
	dm_addr_rr(m, (unsigned int)b, "192.0.2.11", 300);
}

static void many_a(struct dmsg *m, unsigned int n)
{
	char addr[32];
	unsigned int i;

	answer(m, F_RESP, n, "many.example", T_A);
	for (i = 1; i <= n; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%u", i);
		dm_addr_rr(m, 12, addr, 1000 + i);
	}
}

static void a_30_records(struct dmsg *m) { many_a(m, 30); }
static void a_32_records(struct dmsg *m) { many_a(m, 32); }
static void a_40_records(struct dmsg *m) { many_a(m, 40); }

static void a_nxdomain(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, AID, F_RESP | 3, 1, 0, 1, 0);
	dm_question(m, "nothing.example.com", T_A, C_IN);
	dm_ptr(m, 12 + 8);				/* example.com */
	dm_rr(m, T_SOA, C_IN, 900, 2 + 2 + 20);
	dm_ptr(m, 12 + 8);
	dm_ptr(m, 12 + 8);
	dm_u32(m, 2026010101);
	dm_u32(m, 7200);
	dm_u32(m, 3600);
	dm_u32(m, 1209600);
	dm_u32(m, 900);
}

static void a_ttl_high(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_addr_rr(m, 12, "192.0.2.1", 0x80000001);
}

static void a_class_ch(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_ptr(m, 12);
	dm_rr(m, T_A, C_CH, 300, 4);
	dm_u32(m, 0xc0000201);
}

static void a_https(struct dmsg *m)
{
	static const unsigned char svcb[] = {
		0, 1, 0, 0, 1, 0, 3, 2, 'h', '2',	/* priority 1, target ".", alpn h2 */
	};

	answer(m, F_RESP, 2, "www.example.com", T_HTTPS);
	dm_ptr(m, 12);
	dm_rr(m, T_HTTPS, C_IN, 300, sizeof(svcb));
	dm_bytes(m, svcb, sizeof(svcb));
	dm_addr_rr(m, 12, "192.0.2.1", 300);
}

static void a_pointer_self(struct dmsg *m)
{
	size_t at = answer(m, F_RESP, 1, "www.example.com", T_A);

	dm_ptr(m, (unsigned int)at);
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000201);
}

/* record 1's RDATA is a pointer to record 2's owner, itself a pointer to that RDATA */
static void a_pointer_loop(struct dmsg *m)
{
	size_t q = answer(m, F_RESP, 2, "www.example.com", T_A);
	size_t rdata = q + 2 + 10, owner2 = rdata + 2;

	dm_ptr(m, 12);
	dm_rr(m, T_NULL, C_IN, 300, 2);
	dm_ptr(m, (unsigned int)owner2);
	dm_ptr(m, (unsigned int)rdata);
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000201);
}

static void a_pointer_forward(struct dmsg *m)
{
	size_t q = answer(m, F_RESP, 2, "www.example.com", T_A);

	dm_ptr(m, (unsigned int)(q + 2 + 10 + 4));	/* record 2's owner */
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000201);
	dm_addr_rr(m, 12, "192.0.2.2", 300);
}

static void a_pointer_header(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_ptr(m, 4);
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000201);
}

/* Record k's owner points to record k - 1's, the first's to the question: k hops. */
static void hops(struct dmsg *m, unsigned int n)
{
	size_t owner = 12, at;
	unsigned int i;

	answer(m, F_RESP, n, "hops.example", T_A);
	for (i = 1; i <= n; i++) {
		at = m->len;
		dm_ptr(m, (unsigned int)owner);
		dm_rr(m, T_A, C_IN, 300, 4);
		dm_u32(m, 0x0a000100 + i);
		owner = at;
	}
}

static void a_hops16(struct dmsg *m) { hops(m, 16); }
static void a_hops17(struct dmsg *m) { hops(m, 17); }

static void a_qr0(struct dmsg *m)
{
	a_basic(m);
	dm_set16(m, 2, F_RD);
}

static void a_opcode(struct dmsg *m)
{
	a_basic(m);
	dm_set16(m, 2, F_RESP | 4 << 11);
}

static void a_qd0(struct dmsg *m)
{
	a_basic(m);
	dm_set16(m, 4, 0);
}

static void a_qd2(struct dmsg *m)
{
	a_basic(m);
	dm_set16(m, 4, 2);
}

static void a_rdlen_a5(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_ptr(m, 12);
	dm_rr(m, T_A, C_IN, 300, 5);
	dm_u32(m, 0xc0000201);
	dm_u8(m, 0);
}

static void a_rdlen_aaaa4(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_AAAA);
	dm_ptr(m, 12);
	dm_rr(m, T_AAAA, C_IN, 300, 4);
	dm_u32(m, 0xc0000201);
}

static void a_cname_trailing(struct dmsg *m)
{
	size_t t;

	answer(m, F_RESP, 1, "www.example.com", T_A);
	t = dm_cname_rr(m, 12, "e1.cdn.example.net", 300);
	dm_set16(m, t - 2, (unsigned int)(m->len - t + 1));
	dm_u8(m, 0);
}

static void a_cname_short(struct dmsg *m)
{
	size_t t;

	answer(m, F_RESP, 2, "www.example.com", T_A);
	t = dm_cname_rr(m, 12, "e1.cdn.example.net", 300);
	dm_set16(m, t - 2, (unsigned int)(m->len - t - 1));
	dm_addr_rr(m, 12, "192.0.2.1", 300);
}

static void a_missing_record(struct dmsg *m)
{
	a_basic(m);
	dm_set16(m, 6, 2);
}

static void a_dot_label(struct dmsg *m)
{
	answer(m, F_RESP, 1, "www.example.com", T_A);
	dm_label(m, "www.example", 11);
	dm_name(m, "com");
	dm_rr(m, T_A, C_IN, 300, 4);
	dm_u32(m, 0xc0000201);
}

static void a_bad_qname(struct dmsg *m)
{
	dm_init(m);
	dm_header(m, AID, F_RESP, 1, 0, 0, 0);
	dm_label(m, "ex ample", 8);
	dm_name(m, "com");
	dm_u16(m, T_A);
	dm_u16(m, C_IN);
}

static void a_root_question(struct dmsg *m) { answer(m, F_RESP, 0, "", T_NS); }

/* A TXT record padding the answer to total bytes, then the A record. */
static void sized(struct dmsg *m, size_t total)
{
	size_t q = answer(m, F_RESP, 2, "big.example", T_A);
	size_t txt = total - q - 12 - 16;	/* TXT record's RDATA */
	size_t i;

	dm_ptr(m, 12);
	dm_rr(m, T_TXT, C_IN, 300, (unsigned int)txt);
	for (i = 0; i < txt; i += 256) {
		size_t n = txt - i < 256 ? txt - i : 256;

		dm_u8(m, (unsigned int)n - 1);
		dm_fill(m, 'x', n - 1);
	}
	dm_addr_rr(m, 12, "192.0.2.40", 300);
}

static void a_4096(struct dmsg *m) { sized(m, 4096); }
static void a_4097(struct dmsg *m) { sized(m, 4097); }

static void a_tc(struct dmsg *m) { answer(m, F_RESP | 0x0200, 0, "www.example.com", T_A); }

static void a_additional_garbage(struct dmsg *m)
{
	a_basic(m);
	dm_set16(m, 10, 1);
	dm_fill(m, 0xc0, 5);
}

static void a_short(struct dmsg *m)
{
	a_basic(m);
	m->len = 11;
}

/* ---- the table ------------------------------------------------------------ */

#define Q(fn, st, name) { #fn, DNS_CASE_QUERY, fn, st, name }
#define A(fn, st, name) { #fn, DNS_CASE_ANSWER, fn, st, name }

const struct dns_case dns_cases[] = {
	Q(q_basic, EG_DNS_OK, "www.example.com"),
	Q(q_mixed_case, EG_DNS_OK, "www.example.com"),
	Q(q_cd, EG_DNS_OK, "example.com"),
	Q(q_no_rd, EG_DNS_OK, "example.com"),
	Q(q_root, EG_DNS_OK, ""),
	Q(q_single_label, EG_DNS_OK, "localhost"),
	Q(q_underscore, EG_DNS_OK, "_dmarc.example.com"),
	Q(q_idn, EG_DNS_OK, "xn--bcher-kva.example"),
	Q(q_tc, EG_DNS_OK, "example.com"),
	Q(q_edns, EG_DNS_OK, "example.org"),
	Q(q_edns_empty, EG_DNS_OK, "example.org"),
	Q(q_edns_two_options, EG_DNS_OK, "example.org"),
	Q(q_edns_version1, EG_DNS_OK, "example.org"),
	Q(q_label63, EG_DNS_OK,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"),
	Q(q_label64, EG_DNS_BAD_NAME, ""),
	Q(q_name253, EG_DNS_OK,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	  "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	  "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
	  "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
	Q(q_name254, EG_DNS_BAD_NAME, ""),
	Q(q_qr, EG_DNS_NOT_QUERY, ""),
	Q(q_opcode_status, EG_DNS_NOT_QUERY, ""),
	Q(q_opcode_notify, EG_DNS_NOT_QUERY, ""),
	Q(q_opcode_update, EG_DNS_NOT_QUERY, ""),
	Q(q_qd0, EG_DNS_BAD_COUNTS, ""),
	Q(q_qd2, EG_DNS_BAD_COUNTS, ""),
	Q(q_an1, EG_DNS_BAD_COUNTS, ""),
	Q(q_ns1, EG_DNS_BAD_COUNTS, ""),
	Q(q_ar2, EG_DNS_BAD_COUNTS, ""),
	Q(q_pointer_name, EG_DNS_COMPRESSED, ""),
	Q(q_pointer_suffix, EG_DNS_COMPRESSED, ""),
	Q(q_pointer_opt, EG_DNS_COMPRESSED, ""),
	Q(q_space, EG_DNS_BAD_NAME, ""),
	Q(q_star, EG_DNS_BAD_NAME, ""),
	Q(q_dot_in_label, EG_DNS_BAD_NAME, ""),
	Q(q_nul_in_label, EG_DNS_BAD_NAME, ""),
	Q(q_high_byte, EG_DNS_BAD_NAME, ""),
	Q(q_slash, EG_DNS_BAD_NAME, ""),
	Q(q_label_type40, EG_DNS_BAD_NAME, ""),
	Q(q_label_type80, EG_DNS_BAD_NAME, ""),
	Q(q_trailing, EG_DNS_MALFORMED, ""),
	Q(q_trailing_opt, EG_DNS_MALFORMED, ""),
	Q(q_additional_a, EG_DNS_BAD_EDNS, ""),
	Q(q_additional_named_opt, EG_DNS_BAD_EDNS, ""),
	Q(q_option_overrun, EG_DNS_BAD_EDNS, ""),
	Q(q_option_partial, EG_DNS_BAD_EDNS, ""),
	Q(q_short, EG_DNS_MALFORMED, ""),
	Q(q_512, EG_DNS_OK, "example.com"),
	Q(q_513, EG_DNS_TOO_LARGE, ""),

	A(a_basic, EG_DNS_OK, "www.example.com"),
	A(a_aaaa, EG_DNS_OK, "www.example.com"),
	A(a_two_addrs, EG_DNS_OK, "www.example.com"),
	A(a_chain, EG_DNS_OK, "www.example.com"),
	A(a_chain_case, EG_DNS_OK, "www.example.com"),
	A(a_unrelated, EG_DNS_OK, "www.example.com"),
	A(a_out_of_order, EG_DNS_OK, "www.example.com"),
	A(a_cname_unrelated, EG_DNS_OK, "www.example.com"),
	A(a_chain_long, EG_DNS_OK, "a.example"),
	A(a_cname_loop, EG_DNS_OK, "a.example"),
	A(a_30_records, EG_DNS_OK, "many.example"),
	A(a_32_records, EG_DNS_OK, "many.example"),
	A(a_40_records, EG_DNS_OK, "many.example"),
	A(a_nxdomain, EG_DNS_OK, "nothing.example.com"),
	A(a_ttl_high, EG_DNS_OK, "www.example.com"),
	A(a_class_ch, EG_DNS_OK, "www.example.com"),
	A(a_https, EG_DNS_OK, "www.example.com"),
	A(a_pointer_self, EG_DNS_MALFORMED, "www.example.com"),
	A(a_pointer_loop, EG_DNS_MALFORMED, "www.example.com"),
	A(a_pointer_forward, EG_DNS_MALFORMED, "www.example.com"),
	A(a_pointer_header, EG_DNS_MALFORMED, "www.example.com"),
	A(a_hops16, EG_DNS_OK, "hops.example"),
	A(a_hops17, EG_DNS_MALFORMED, "hops.example"),
	A(a_qr0, EG_DNS_NOT_RESPONSE, ""),
	A(a_opcode, EG_DNS_NOT_RESPONSE, ""),
	A(a_qd0, EG_DNS_BAD_COUNTS, ""),
	A(a_qd2, EG_DNS_BAD_COUNTS, ""),
	A(a_rdlen_a5, EG_DNS_MALFORMED, "www.example.com"),
	A(a_rdlen_aaaa4, EG_DNS_MALFORMED, "www.example.com"),
	A(a_cname_trailing, EG_DNS_MALFORMED, "www.example.com"),
	A(a_cname_short, EG_DNS_MALFORMED, "www.example.com"),
	A(a_missing_record, EG_DNS_MALFORMED, "www.example.com"),
	A(a_dot_label, EG_DNS_OK, "www.example.com"),
	A(a_bad_qname, EG_DNS_BAD_NAME, ""),
	A(a_root_question, EG_DNS_BAD_NAME, ""),
	A(a_4096, EG_DNS_OK, "big.example"),
	A(a_4097, EG_DNS_TOO_LARGE, ""),
	A(a_tc, EG_DNS_OK, "www.example.com"),
	A(a_additional_garbage, EG_DNS_OK, "www.example.com"),
	A(a_short, EG_DNS_MALFORMED, ""),
};

const size_t dns_n_cases = sizeof(dns_cases) / sizeof(dns_cases[0]);

const struct dns_case *dns_case(const char *name, struct dmsg *m)
{
	for (size_t i = 0; i < dns_n_cases; i++) {
		if (!strcmp(dns_cases[i].name, name)) {
			dns_cases[i].build(m);
			return &dns_cases[i];
		}
	}
	fprintf(stderr, "no DNS case %s\n", name);
	abort();
}
