/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS ClientHello parsing: the server_name a TCP flow claims. Works on the
 * handshake-layer bytes (TLS record bodies, concatenated by the caller) and
 * decides only on a whole ClientHello message, so that a second server_name
 * extension anywhere in it is seen.
 *
 * Buffers: no byte at or past len is read, so userspace may pass exactly
 * len bytes. In BPF, hs is a map value of at least EG_HELLO_BUF bytes:
 * every read is at an offset masked with EG_HELLO_CAP - 1 plus at most
 * 255, which the verifier can see stays inside it; for offsets inside a
 * message (never past EG_HELLO_CAP) the mask changes nothing.
 *
 * The walk over the extensions is an eg_loop() step whose offset is masked
 * at each step, so that BPF holds no exact value of it: the verifier then
 * checks the step a few times in all, instead of once per extension (see
 * compat.h).
 *
 * Also here: eg_host_canon(), a host name found in a buffer (SNI, HTTP
 * Host) in canonical form, with addresses told apart from names.
 */
#ifndef EGRESS_BPF_TLS_H
#define EGRESS_BPF_TLS_H

#include "compat.h"
#include "name.h"

#define EG_HELLO_CAP	8192	/* handshake bytes inspected at most (power of 2) */
#define EG_HELLO_BUF	(EG_HELLO_CAP + 512)
#define EG_HELLO_MASK	(EG_HELLO_CAP - 1)
#define EG_HELLO_MAX_EXT 64	/* extensions in one ClientHello, at most */

#define EG_TLS_HS_CLIENT_HELLO	1
#define EG_TLS_EXT_SERVER_NAME	0x0000
#define EG_TLS_EXT_ECH		0xfe0d
#define EG_TLS_SNI_HOST_NAME	0
#define EG_TLS_SNI_MAX		255

enum eg_hello_status {
	EG_HELLO_MORE = 0,	/* incomplete: info->need = total bytes needed before it is worth calling again */
	EG_HELLO_DONE,		/* a complete, well-formed ClientHello */
	EG_HELLO_NOT_HELLO,	/* the first byte is not handshake type 1 */
	EG_HELLO_MALFORMED,	/* any inconsistent length or structure */
	EG_HELLO_TOO_LARGE,	/* handshake length > EG_HELLO_CAP - 4 */
	EG_HELLO_BAD_SNI,	/* two server_name extensions, more than one name, name type != 0, empty list or name, name > 255 */
};

/*
 * need: with MORE, the handshake length to wait for before calling again
 * (> len: 1, then 4 for the header, then the whole message); with DONE, the
 * length of the ClientHello message (<= len); otherwise 0.
 * sni_off/sni_len: the host name's bytes in hs (has_sni set).
 * n_ext: extensions seen.
 */
struct eg_hello_info {
	__u32 need;
	__u16 sni_off;
	__u16 sni_len;
	__u8  has_sni;
	__u8  has_ech;
	__u8  n_ext;
	__u8  pad;
};

/* Values of eg_host_canon() other than a length. */
#define EG_HOST_INVALID		(-1)
#define EG_HOST_IP_LITERAL	(-2)

EG_INLINE __u32 hello_u8(const __u8 *hs, __u32 off)
{
	return hs[off & EG_HELLO_MASK];
}

EG_INLINE __u32 hello_u16(const __u8 *hs, __u32 off)
{
	const __u8 *p = hs + (off & EG_HELLO_MASK);

	return (__u32)p[0] << 8 | p[1];
}

EG_INLINE __u32 hello_u24(const __u8 *hs, __u32 off)
{
	const __u8 *p = hs + (off & EG_HELLO_MASK);

	return (__u32)p[0] << 16 | (__u32)p[1] << 8 | p[2];
}

/*
 * A length-prefixed vector at *off (prefix of 1 or 2 bytes) that must end
 * by end. Moves *off past it; returns its length, or -1.
 */
EG_INLINE int hello_vector(const __u8 *hs, __u32 *off, __u32 end, int prefix)
{
	__u32 n;

	if (*off + prefix > end)
		return -1;
	n = prefix == 1 ? hello_u8(hs, *off) : hello_u16(hs, *off);
	*off += prefix;
	if (*off + n > end)
		return -1;
	*off += n;
	return (int)n;
}

/*
 * The server_name extension, body at off, elen bytes: a list of exactly one
 * host_name entry.
 */
EG_INLINE int hello_server_name(const __u8 *hs, __u32 off, __u32 elen,
				struct eg_hello_info *info)
{
	__u32 list, name;

	if (info->has_sni)
		return EG_HELLO_BAD_SNI;
	if (elen < 2)
		return EG_HELLO_MALFORMED;
	list = hello_u16(hs, off);
	if (list != elen - 2)
		return EG_HELLO_MALFORMED;
	if (list == 0)
		return EG_HELLO_BAD_SNI;
	if (list < 3)
		return EG_HELLO_MALFORMED;
	if (hello_u8(hs, off + 2) != EG_TLS_SNI_HOST_NAME)
		return EG_HELLO_BAD_SNI;
	name = hello_u16(hs, off + 3);
	if (name == 0 || name > EG_TLS_SNI_MAX)
		return EG_HELLO_BAD_SNI;
	if (3 + name > list)
		return EG_HELLO_MALFORMED;
	if (3 + name < list)
		return EG_HELLO_BAD_SNI;	/* a second entry */
	info->has_sni = 1;
	info->sni_off = off + 5;
	info->sni_len = name;
	return EG_HELLO_DONE;
}

/* The walk over the extensions block, one extension per eg_loop() step. */
struct hello_ext_scan {
	const __u8 *hs;
	__u32 off;		/* the next extension */
	__u32 end;		/* the end of the block (and of the message) */
	struct eg_hello_info info;
	int result;
};

EG_LOOP_CB hello_ext_step(__u32 i, void *arg)
{
	struct hello_ext_scan *s = arg;
	__u32 off = s->off, type, elen;

	if (off == s->end) {
		s->result = EG_HELLO_DONE;
		return 1;
	}
	/*
	 * off < end <= EG_HELLO_CAP: the mask changes nothing, but gives BPF
	 * the same range of off in every step, so the verifier checks the
	 * step a few times rather than once per extension.
	 */
	off &= EG_HELLO_MASK;
	if (i >= EG_HELLO_MAX_EXT || off + 4 > s->end)
		return 1;
	type = hello_u16(s->hs, off);
	elen = hello_u16(s->hs, off + 2);
	off += 4;
	if (off + elen > s->end)
		return 1;
	s->info.n_ext++;
	if (type == EG_TLS_EXT_SERVER_NAME) {
		int ret = hello_server_name(s->hs, off, elen, &s->info);

		if (ret != EG_HELLO_DONE) {
			s->result = ret;
			return 1;
		}
	} else if (type == EG_TLS_EXT_ECH) {
		s->info.has_ech = 1;
	}
	s->off = off + elen;
	return 0;
}

/*
 * Parses the ClientHello at the start of hs[0..len). Returns an
 * enum eg_hello_status; see struct eg_hello_info for what it fills in.
 */
EG_INLINE int eg_hello_parse(const __u8 *hs, __u32 len, struct eg_hello_info *info)
{
	__u32 msg, end, off;
	int n;

	eg_memset(info, 0, sizeof(*info));
	if (len == 0) {
		info->need = 1;			/* the type decides alone */
		return EG_HELLO_MORE;
	}
	if (hs[0] != EG_TLS_HS_CLIENT_HELLO)
		return EG_HELLO_NOT_HELLO;
	if (len < 4) {
		info->need = 4;
		return EG_HELLO_MORE;
	}
	msg = hello_u24(hs, 1);
	if (msg > EG_HELLO_CAP - 4)
		return EG_HELLO_TOO_LARGE;
	end = 4 + msg;
	if (len < end) {
		info->need = end;
		return EG_HELLO_MORE;
	}

	off = 4 + 2 + 32;			/* legacy_version, random */
	if (off > end)
		return EG_HELLO_MALFORMED;
	n = hello_vector(hs, &off, end, 1);	/* legacy_session_id */
	if (n < 0 || n > 32)
		return EG_HELLO_MALFORMED;
	n = hello_vector(hs, &off, end, 2);	/* cipher_suites */
	if (n < 2 || (n & 1))
		return EG_HELLO_MALFORMED;
	n = hello_vector(hs, &off, end, 1);	/* legacy_compression_methods */
	if (n < 1)
		return EG_HELLO_MALFORMED;
	if (off < end) {
		struct hello_ext_scan s = {
			.hs = hs, .off = off + 2, .end = end, .result = EG_HELLO_MALFORMED,
		};

		if (off + 2 > end || off + 2 + hello_u16(hs, off) != end)
			return EG_HELLO_MALFORMED;
		eg_loop(EG_HELLO_MAX_EXT + 1, hello_ext_step, &s);
		if (s.result != EG_HELLO_DONE)
			return s.result;
		*info = s.info;
	}
	info->need = end;
	return EG_HELLO_DONE;
}

/*
 * Canonicalises the host name buf[off, off + len) (off < EG_HELLO_CAP) into
 * out with name_canon(), the one canonical form, and tells addresses from
 * names with name_is_numeric(). out has room for 256 bytes; in BPF, buf for
 * EG_HELLO_BUF; lab as name_canon_labels() (set for a name only). Returns
 * the canonical length; EG_HOST_IP_LITERAL when the
 * last label is a number ("104.236.167.107", "0x7f000001": addresses, not
 * names); or EG_HOST_INVALID.
 */
EG_INLINE int eg_host_canon_labels(const __u8 *buf, __u32 off, __u32 len,
				   char *out, struct eg_name_labels *lab)
{
	int n;

	if (lab)
		lab->len = 0;
	if (len == 0 || len > EG_NAME_MAX + 1)
		return EG_HOST_INVALID;
	n = name_canon_labels((const char *)buf + (off & EG_HELLO_MASK), len, out, lab);
	if (n < 0)
		return EG_HOST_INVALID;
	if (name_is_numeric(out, (__u32)n)) {
		if (lab)
			lab->len = 0;
		return EG_HOST_IP_LITERAL;
	}
	return n;
}

/* The same, without noting where the labels start. */
EG_INLINE int eg_host_canon(const __u8 *buf, __u32 off, __u32 len, char *out)
{
	return eg_host_canon_labels(buf, off, len, out, NULL);
}

/*
 * The SNI of a parsed ClientHello (info->sni_off, info->sni_len) in
 * canonical form: its length, or -1 when it is no valid host name (an IP
 * address included: RFC 6066 forbids literal addresses in server_name).
 */
EG_INLINE int eg_sni_canon(const __u8 *hs, __u16 off, __u16 len, char *out)
{
	int n = eg_host_canon(hs, off, len, out);

	return n < 0 ? -1 : n;
}

#endif /* EGRESS_BPF_TLS_H */
