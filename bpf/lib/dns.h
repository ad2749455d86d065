/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS messages, three ways:
 *   - queries the sandbox sends (XDP): strictly one question, nothing else
 *     but an optional EDNS OPT record, and no compression; the question
 *     name in canonical form (name_canon(), the one used for SNI and Host);
 *   - the NXDOMAIN that answers a denied query, built in place over it,
 *     with an RFC 8914 Extended DNS Error "Blocked" when the query had EDNS;
 *   - answers from the resolver (tc): the A/AAAA addresses of the question
 *     name and of its CNAME chain, with their TTLs. Compression is allowed
 *     there, but only as RFC 1035 has it: a pointer goes to a prior
 *     occurrence, so it must point before the labels it interrupts (never
 *     forward, never into the header, never around in a loop), and at most
 *     EG_DNS_MAX_HOPS of them per name.
 *
 * Buffers: no byte at or past len is read, so userspace may pass exactly len
 * bytes. In BPF, a query (and the NXDOMAIN built over it) is a map value of
 * at least EG_DNS_BUF bytes and an answer one of EG_DNS_ANSWER_BUF bytes;
 * every read is at an offset masked with the cap - 1 plus a little, which
 * the verifier can see stays inside, and which changes nothing for offsets
 * inside a message. Name buffers (the question name, the chain names) have
 * room for EG_DNS_NAME_BUF bytes, written at offsets masked with 0xff.
 *
 * Walks over bytes, records and options are eg_loop() steps whose state
 * holds no value BPF knows exactly to change from one step to the next
 * (positions come from the step index or from the message), so the
 * verifier checks each step a few times in all. The state of the name
 * walks lives in the query and answer structs: BPF callers keep those in a
 * map value (as they must the answer's, for its size), where the verifier
 * knows nothing exactly.
 */
#ifndef EGRESS_BPF_DNS_H
#define EGRESS_BPF_DNS_H

#include "compat.h"
#include "name.h"

#define EG_DNS_CAP		512	/* bytes of a query looked at (power of 2; longer: too large) */
#define EG_DNS_BUF		(EG_DNS_CAP + 256)
#define EG_DNS_MASK		(EG_DNS_CAP - 1)
#define EG_DNS_ANSWER_CAP	4096	/* bytes of an answer looked at (power of 2) */
#define EG_DNS_ANSWER_BUF	(EG_DNS_ANSWER_CAP + 256)
#define EG_DNS_ANSWER_MASK	(EG_DNS_ANSWER_CAP - 1)
#define EG_DNS_TCP_CAP		8192	/* stream bytes eg_dns_tcp_next() can look at (power of 2) */
#define EG_DNS_TCP_MASK		(EG_DNS_TCP_CAP - 1)
#define EG_DNS_NAME_BUF		256	/* a name buffer: 253 bytes, NUL, room */

#define EG_DNS_MAX_RRS		32	/* answer records walked at most */
#define EG_DNS_MAX_ADDRS	16	/* addresses reported at most */
#define EG_DNS_MAX_CHAIN	4	/* CNAME chain names reported at most (besides the question) */
#define EG_DNS_MAX_HOPS		16	/* compression pointers followed per name */

#define EG_DNS_HDR_LEN		12
#define EG_DNS_PORT		53

#define EG_DNS_F_QR		0x8000
#define EG_DNS_F_OPCODE		0x7800
#define EG_DNS_F_AA		0x0400
#define EG_DNS_F_TC		0x0200
#define EG_DNS_F_RD		0x0100
#define EG_DNS_F_RA		0x0080
#define EG_DNS_F_Z		0x0040
#define EG_DNS_F_AD		0x0020
#define EG_DNS_F_CD		0x0010
#define EG_DNS_F_RCODE		0x000f

#define EG_DNS_TYPE_A		1
#define EG_DNS_TYPE_CNAME	5
#define EG_DNS_TYPE_AAAA	28
#define EG_DNS_TYPE_OPT		41
#define EG_DNS_CLASS_IN		1
#define EG_DNS_RCODE_NXDOMAIN	3
#define EG_DNS_EDNS_DO		0x8000	/* in the OPT TTL's low 16 bits */

/* The OPT record of an NXDOMAIN: Extended DNS Error (RFC 8914) "Blocked". */
#define EG_DNS_EDE_TEXT		"blocked by egressd"
#define EG_DNS_EDE_TEXT_LEN	(sizeof(EG_DNS_EDE_TEXT) - 1)
#define EG_DNS_OPT_EDE		15
#define EG_DNS_EDE_BLOCKED	15
#define EG_DNS_EDNS_UDP_SIZE	1232
#define EG_DNS_OPT_RR_LEN	11	/* root name, type, class, TTL, RDLENGTH */
#define EG_DNS_EDE_OPT_LEN	(4 + 2 + EG_DNS_EDE_TEXT_LEN)
#define EG_DNS_NX_OPT_LEN	(EG_DNS_OPT_RR_LEN + EG_DNS_EDE_OPT_LEN)

enum eg_dns_status {
	EG_DNS_OK = 0,
	EG_DNS_MALFORMED,	/* truncated, trailing bytes, bad lengths or pointers */
	EG_DNS_NOT_QUERY,	/* a query with QR=1 or opcode != 0 */
	EG_DNS_BAD_COUNTS,	/* QDCOUNT != 1; in a query also ANCOUNT/NSCOUNT != 0, ARCOUNT > 1 */
	EG_DNS_COMPRESSED,	/* a compression pointer in a query */
	EG_DNS_BAD_NAME,	/* label > 63, name > 255 wire bytes, bytes name_canon() refuses, a '.' in a label */
	EG_DNS_BAD_EDNS,	/* a query's additional record is not a well-formed OPT */
	EG_DNS_TOO_LARGE,	/* longer than EG_DNS_CAP (query) or EG_DNS_ANSWER_CAP (answer) */
	EG_DNS_NOT_RESPONSE,	/* an answer with QR=0 or opcode != 0 */
};

/* The state of a name walk (below), kept where BPF holds no exact value of it. */
struct dns_name_state {
	__u32 len;		/* of the message */
	__u32 at;		/* pos = i + at */
	__u32 delta;		/* out = pos + delta */
	__u32 label_end;	/* bytes before it belong to the current label */
	__u32 run;		/* where the current run of labels starts */
	__u32 end;		/* just past the name's bytes in place */
	__u32 text_len;
	__u8  pointers;		/* pointers allowed */
	__u8  result;		/* enum dns_name_result */
	__u16 pad;
};

/*
 * A parsed query. question_end: the offset just past QTYPE/QCLASS (the
 * question is msg[12, question_end)); name_len: the canonical text length,
 * 0 for the root name (which no rule names: the caller treats it as
 * invalid). The EDNS fields are set when the query has an OPT record.
 */
struct eg_dns_query {
	__u16 id;
	__u16 flags;
	__u16 qtype;
	__u16 qclass;
	__u16 question_end;
	__u16 name_len;
	__u8  has_edns;
	__u8  edns_do;
	__u16 edns_udp_size;
	__u16 msg_len;
	__u8  edns_version;
	__u8  pad;
	struct dns_name_state walk;	/* scratch of the parser */
};

/* What an answer held beyond the caps: bits of eg_dns_answer.capped. */
#define EG_DNS_CAPPED_RRS	0x01	/* ANCOUNT > EG_DNS_MAX_RRS: later records not walked */
#define EG_DNS_CAPPED_ADDRS	0x02	/* more matching A/AAAA records than EG_DNS_MAX_ADDRS */
#define EG_DNS_CAPPED_CHAIN	0x04	/* a longer CNAME chain than EG_DNS_MAX_CHAIN */

/* An address: IPv4 as IPv4-mapped IPv6 (family 4), IPv6 (family 6). */
struct eg_dns_addr {
	__u8  addr[16];
	__u32 ttl;
	__u8  family;
	__u8  pad[3];
};

/*
 * A parsed answer. Addresses are those of A/AAAA records (class IN) whose
 * owner is the question name or a name of its CNAME chain; the chain grows
 * by the target of each CNAME whose owner is on it already, in the order
 * of the records (one pass: a record before the CNAME that brings its
 * owner into the chain is not counted). min_ttl: the least TTL of the
 * records reported (addresses and followed CNAMEs), 0 when there are none.
 * walk and work: scratch of the parser (work: the owner of a record).
 */
struct eg_dns_answer {
	__u16 id;
	__u16 flags;
	__u16 rcode;
	__u16 qtype;
	__u16 qclass;
	__u16 ancount;
	__u16 qname_len;
	__u16 chain_len[EG_DNS_MAX_CHAIN];
	__u8  n_rrs;		/* answer records walked */
	__u8  n_addrs;
	__u8  n_chain;
	__u8  capped;		/* EG_DNS_CAPPED_* */
	__u8  pad[2];
	__u32 min_ttl;
	struct eg_dns_addr addrs[EG_DNS_MAX_ADDRS];
	struct dns_name_state walk;
	char  work[EG_DNS_NAME_BUF];
};

/* ---- bytes ------------------------------------------------------------ */

EG_INLINE __u32 dns_u8(const __u8 *msg, __u32 off, __u32 mask)
{
	return msg[off & mask];
}

EG_INLINE __u32 dns_u16(const __u8 *msg, __u32 off, __u32 mask)
{
	const __u8 *p = msg + (off & mask);

	return (__u32)p[0] << 8 | p[1];
}

EG_INLINE __u32 dns_u32(const __u8 *msg, __u32 off, __u32 mask)
{
	const __u8 *p = msg + (off & mask);

	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

EG_INLINE void dns_put16(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

/* ---- names ------------------------------------------------------------ */

enum dns_name_result {
	DNS_NAME_OK = 0,
	DNS_NAME_TRUNCATED,	/* runs past the message */
	DNS_NAME_POINTER,	/* a compression pointer where none is allowed */
	DNS_NAME_BAD_POINTER,	/* forward, into the header, looping, or one hop too many */
	DNS_NAME_BAD_LABEL,	/* label type 0x40 or 0x80 (a "length" of 64-191) */
	DNS_NAME_TOO_LONG,	/* more than 255 wire bytes */
};

/*
 * Steps of a name walk at most: one per text byte (label bytes and the
 * dots between labels), one for the first length byte, one per pointer,
 * one for the root label.
 */
#define DNS_NAME_STEPS	(EG_NAME_MAX + EG_DNS_MAX_HOPS + 3)

/*
 * A name at start to text: "www.example.com" for \3www\7example\3com\0,
 * "" for the root. A '.' inside a label goes to text as a space, which
 * name_canon() refuses.
 *
 * No counters: step i reads the byte at pos = i + at and writes text byte
 * out = pos + delta. Every step but a pointer moves both by one, so
 * out = i - 1 - (pointers followed), and the first length byte is the one
 * at out == -1. A pointer to t resets at and delta so that both go on from
 * t; before the first pointer they are fixed by the start, after it by
 * bytes of the message, and never a value BPF knows to change by one.
 */
struct dns_name_walk {
	const __u8 *msg;
	char *text;
	struct dns_name_state *st;
};

EG_INLINE long dns_name_stop(struct dns_name_state *st, __u32 result)
{
	st->result = result;
	return 1;
}

EG_INLINE long dns_name_pointer(const struct dns_name_walk *w, __u32 i, __u32 pos,
				__u32 out, __u32 c, __u32 mask)
{
	struct dns_name_state *st = w->st;
	__u32 target, hops = i - 1 - out;	/* pointers followed before this one */

	if (!st->pointers)
		return dns_name_stop(st, DNS_NAME_POINTER);
	if (pos + 1 >= st->len)
		return dns_name_stop(st, DNS_NAME_TRUNCATED);
	target = (c & 0x3f) << 8 | dns_u8(w->msg, pos + 1, mask);
	/* a prior occurrence: before the labels this pointer ends */
	if (target < EG_DNS_HDR_LEN || target >= st->run)
		return dns_name_stop(st, DNS_NAME_BAD_POINTER);
	if (hops >= EG_DNS_MAX_HOPS)
		return dns_name_stop(st, DNS_NAME_BAD_POINTER);
	if (hops == 0)
		st->end = pos + 2;
	st->at = target - (i + 1);
	st->delta = out - target;
	st->run = target;
	st->label_end = target;
	return 0;
}

EG_INLINE long dns_name_step(const struct dns_name_walk *w, __u32 i, __u32 mask)
{
	struct dns_name_state *st = w->st;
	__u32 pos = i + st->at, out = pos + st->delta, c;

	if (pos >= st->len)
		return dns_name_stop(st, DNS_NAME_TRUNCATED);
	c = dns_u8(w->msg, pos, mask);
	if (pos < st->label_end) {
		w->text[out & 0xff] = c == '.' ? ' ' : (char)c;
		return 0;
	}
	if (c == 0) {
		if (i - 1 - out == 0)		/* no pointer followed */
			st->end = pos + 1;
		st->text_len = out == (__u32)-1 ? 0 : out;
		return dns_name_stop(st, DNS_NAME_OK);
	}
	if (c >= 0xc0)
		return dns_name_pointer(w, i, pos, out, c, mask);
	if (c > EG_LABEL_MAX)
		return dns_name_stop(st, DNS_NAME_BAD_LABEL);
	if (out != (__u32)-1) {
		if (out + 1 + c > EG_NAME_MAX)
			return dns_name_stop(st, DNS_NAME_TOO_LONG);
		w->text[out & 0xff] = '.';
	}
	st->label_end = pos + 1 + c;
	return 0;
}

EG_LOOP_CB dns_name_step_query(__u32 i, void *arg)
{
	return dns_name_step(arg, i, EG_DNS_MASK);
}

EG_LOOP_CB dns_name_step_answer(__u32 i, void *arg)
{
	return dns_name_step(arg, i, EG_DNS_ANSWER_MASK);
}

/*
 * Walks the name at pos into text (not yet canonical). Returns an
 * enum dns_name_result; with DNS_NAME_OK, *end is just past the name's
 * bytes in place (after its root label or its first pointer) and
 * *text_len its text length.
 */
EG_INLINE __u32 dns_name_walk(const __u8 *msg, __u32 len, __u32 pos, bool answer,
			      char *text, struct dns_name_state *st, __u32 *end,
			      __u32 *text_len)
{
	struct dns_name_walk w = { .msg = msg, .text = text, .st = st };

	st->len = len;
	st->at = pos;
	st->delta = -(pos + 1);
	st->label_end = pos;
	st->run = pos;
	st->end = 0;
	st->text_len = 0;
	st->pointers = answer;
	st->result = DNS_NAME_TOO_LONG;
	if (answer)
		eg_loop(DNS_NAME_STEPS, dns_name_step_answer, &w);
	else
		eg_loop(DNS_NAME_STEPS, dns_name_step_query, &w);
	*end = st->end;
	*text_len = st->text_len;
	return st->result;
}

/*
 * The walked text in canonical form, in place: its length, 0 for the
 * root, -1 when it is no valid host name.
 */
EG_INLINE int dns_name_canon(char *text, __u32 text_len)
{
	if (text_len == 0) {
		text[0] = '\0';
		return 0;
	}
	return name_canon(text, text_len, text);
}

/* ---- queries ---------------------------------------------------------- */

struct dns_opt_walk {
	const __u8 *msg;
	__u32 pos;
	__u32 end;
	__u32 result;
};

/* One EDNS option: code, length, data, inside the OPT RDATA. */
EG_LOOP_CB dns_opt_step(__u32 i, void *arg)
{
	struct dns_opt_walk *s = arg;
	__u32 pos = s->pos;

	if (pos == s->end) {
		s->result = EG_DNS_OK;
		return 1;
	}
	pos &= EG_DNS_MASK;
	if (pos + 4 > s->end)
		return 1;
	pos += 4 + dns_u16(s->msg, pos + 2, EG_DNS_MASK);
	if (pos > s->end)
		return 1;
	s->pos = pos;
	return 0;
}

/* The additional record at off, which must be an OPT ending the message. */
EG_INLINE int dns_query_opt(const __u8 *msg, __u32 len, __u32 off,
			    struct eg_dns_query *q)
{
	struct dns_opt_walk s = { .msg = msg, .result = EG_DNS_BAD_EDNS };
	__u32 c, rdlen;

	if (off >= len)
		return EG_DNS_MALFORMED;
	c = dns_u8(msg, off, EG_DNS_MASK);
	if (c >= 0xc0)
		return EG_DNS_COMPRESSED;
	if (c != 0)
		return EG_DNS_BAD_EDNS;		/* not the root name */
	if (off + EG_DNS_OPT_RR_LEN > len)
		return EG_DNS_MALFORMED;
	if (dns_u16(msg, off + 1, EG_DNS_MASK) != EG_DNS_TYPE_OPT)
		return EG_DNS_BAD_EDNS;
	rdlen = dns_u16(msg, off + 9, EG_DNS_MASK);
	if (off + EG_DNS_OPT_RR_LEN + rdlen != len)
		return EG_DNS_MALFORMED;	/* truncated, or bytes after it */
	s.pos = off + EG_DNS_OPT_RR_LEN;
	s.end = len;
	eg_loop(EG_DNS_CAP / 4 + 1, dns_opt_step, &s);
	if (s.result != EG_DNS_OK)
		return EG_DNS_BAD_EDNS;
	q->has_edns = 1;
	q->edns_udp_size = dns_u16(msg, off + 3, EG_DNS_MASK);
	q->edns_version = dns_u8(msg, off + 6, EG_DNS_MASK);
	q->edns_do = (dns_u16(msg, off + 7, EG_DNS_MASK) & EG_DNS_EDNS_DO) != 0;
	return EG_DNS_OK;
}

EG_INLINE int dns_query_name_status(__u32 result)
{
	switch (result) {
	case DNS_NAME_OK:
		return EG_DNS_OK;
	case DNS_NAME_POINTER:
		return EG_DNS_COMPRESSED;
	case DNS_NAME_BAD_LABEL:
	case DNS_NAME_TOO_LONG:
		return EG_DNS_BAD_NAME;
	default:
		return EG_DNS_MALFORMED;
	}
}

/*
 * Parses the query msg[0..len) (over TCP: without its length prefix).
 * Returns an enum eg_dns_status; with EG_DNS_OK, q is filled in and name
 * (room for EG_DNS_NAME_BUF bytes) holds the question name in canonical
 * form, NUL terminated ("" for the root). The bytes of the labels are
 * judged last (by name_canon()): a malformed message whose name also holds
 * bytes no host name may is MALFORMED.
 */
EG_INLINE int eg_dns_query_parse(const __u8 *msg, __u32 len, struct eg_dns_query *q,
				 char *name)
{
	__u32 off, text_len, ar;
	int ret, n;

	eg_memset(q, 0, __builtin_offsetof(struct eg_dns_query, walk));
	name[0] = '\0';
	if (len > EG_DNS_CAP)
		return EG_DNS_TOO_LARGE;
	if (len < EG_DNS_HDR_LEN)
		return EG_DNS_MALFORMED;
	q->id = dns_u16(msg, 0, EG_DNS_MASK);
	q->flags = dns_u16(msg, 2, EG_DNS_MASK);
	q->msg_len = len;
	if (q->flags & (EG_DNS_F_QR | EG_DNS_F_OPCODE))
		return EG_DNS_NOT_QUERY;
	ar = dns_u16(msg, 10, EG_DNS_MASK);
	if (dns_u16(msg, 4, EG_DNS_MASK) != 1 || dns_u16(msg, 6, EG_DNS_MASK) ||
	    dns_u16(msg, 8, EG_DNS_MASK) || ar > 1)
		return EG_DNS_BAD_COUNTS;

	ret = dns_query_name_status(dns_name_walk(msg, len, EG_DNS_HDR_LEN, false,
						  name, &q->walk, &off, &text_len));
	if (ret != EG_DNS_OK) {
		name[0] = '\0';
		return ret;
	}
	if (off + 4 > len)
		goto malformed;
	q->qtype = dns_u16(msg, off, EG_DNS_MASK);
	q->qclass = dns_u16(msg, off + 2, EG_DNS_MASK);
	off += 4;
	q->question_end = off;
	if (ar) {
		ret = dns_query_opt(msg, len, off, q);
		if (ret != EG_DNS_OK) {
			name[0] = '\0';
			return ret;
		}
	} else if (off != len) {
		goto malformed;			/* bytes after the question */
	}

	n = dns_name_canon(name, text_len);
	if (n < 0) {
		name[0] = '\0';
		return EG_DNS_BAD_NAME;
	}
	q->name_len = n;
	return EG_DNS_OK;
malformed:
	name[0] = '\0';
	return EG_DNS_MALFORMED;
}

/*
 * The next DNS message of a TCP stream: at off, a 2-byte length and that
 * many bytes. Returns 1 with *msg_off and *msg_len set when all of it is in
 * stream[0..len), 0 when more bytes are needed, -1 for a length of 0 or
 * more than max, or an off that is not below EG_DNS_TCP_CAP - 1 (in BPF,
 * stream has room for EG_DNS_TCP_CAP bytes).
 */
EG_INLINE int eg_dns_tcp_next_max(const __u8 *stream, __u32 len, __u32 off, __u32 max,
				  __u32 *msg_off, __u32 *msg_len)
{
	__u32 n;

	if (off >= EG_DNS_TCP_CAP - 1)
		return -1;
	if (len < off + 2)
		return 0;
	n = (__u32)stream[off & EG_DNS_TCP_MASK] << 8 | stream[(off + 1) & EG_DNS_TCP_MASK];
	if (n == 0 || n > max)
		return -1;
	if (len - off - 2 < n)
		return 0;
	*msg_off = off + 2;
	*msg_len = n;
	return 1;
}

/* A query over TCP: at most EG_DNS_CAP bytes. */
EG_INLINE int eg_dns_tcp_next(const __u8 *stream, __u32 len, __u32 off,
			      __u32 *msg_off, __u32 *msg_len)
{
	return eg_dns_tcp_next_max(stream, len, off, EG_DNS_CAP, msg_off, msg_len);
}

/* ---- the NXDOMAIN answer ---------------------------------------------- */

/*
 * The OPT record at p: UDP size 1232, extended RCODE 0, version 0, DO as
 * the query had it, and one option, Extended DNS Error 15 ("Blocked").
 */
EG_INLINE void dns_put_ede_opt(__u8 *p, bool edns_do)
{
	p[0] = 0;				/* root */
	dns_put16(p + 1, EG_DNS_TYPE_OPT);
	dns_put16(p + 3, EG_DNS_EDNS_UDP_SIZE);
	p[5] = 0;				/* extended RCODE */
	p[6] = 0;				/* version */
	dns_put16(p + 7, edns_do ? EG_DNS_EDNS_DO : 0);
	dns_put16(p + 9, EG_DNS_EDE_OPT_LEN);
	dns_put16(p + 11, EG_DNS_OPT_EDE);
	dns_put16(p + 13, 2 + EG_DNS_EDE_TEXT_LEN);
	dns_put16(p + 15, EG_DNS_EDE_BLOCKED);
	eg_memcpy(p + 17, EG_DNS_EDE_TEXT, EG_DNS_EDE_TEXT_LEN);
}

/*
 * Turns the query in msg, parsed into q, into its NXDOMAIN answer, in
 * place: the header rewritten, the question kept byte for byte, the rest
 * replaced by an OPT record with the Extended DNS Error when the query had
 * EDNS. Returns the answer's length, or 0 when q is no parsed query. In
 * BPF, msg is a map value of at least EG_DNS_BUF bytes.
 */
EG_INLINE __u32 eg_dns_nxdomain(__u8 *msg, const struct eg_dns_query *q)
{
	__u32 end = q->question_end, flags;

	if (end < EG_DNS_HDR_LEN + 5 || end > EG_DNS_CAP ||
	    (q->has_edns && end > EG_DNS_CAP - EG_DNS_OPT_RR_LEN))
		return 0;
	flags = EG_DNS_F_QR | EG_DNS_F_RA | EG_DNS_RCODE_NXDOMAIN |
		(q->flags & (EG_DNS_F_RD | EG_DNS_F_CD));
	dns_put16(msg, q->id);
	dns_put16(msg + 2, flags);
	dns_put16(msg + 4, 1);
	dns_put16(msg + 6, 0);
	dns_put16(msg + 8, 0);
	dns_put16(msg + 10, q->has_edns ? 1 : 0);
	if (!q->has_edns)
		return end;
	dns_put_ede_opt(msg + (end & EG_DNS_MASK), q->edns_do);
	return end + EG_DNS_NX_OPT_LEN;
}

/* ---- answers ---------------------------------------------------------- */

struct dns_eq_walk {
	const char *a;
	const char *b;
	__u32 len;
	__u32 differ;
};

EG_LOOP_CB dns_eq_step(__u32 i, void *arg)
{
	struct dns_eq_walk *e = arg;

	if (i >= e->len)
		return 1;
	if (e->a[i & 0xff] != e->b[i & 0xff]) {
		e->differ = 1;
		return 1;
	}
	return 0;
}

/* Two canonical names, the whole of them. */
EG_INLINE bool dns_name_eq(const char *a, __u32 alen, const char *b, __u32 blen)
{
	struct dns_eq_walk e = { .a = a, .b = b, .len = alen };

	if (alen != blen || alen == 0 || alen > EG_NAME_MAX)
		return false;
	eg_loop(alen, dns_eq_step, &e);
	return !e.differ;
}

struct dns_rr_walk {
	const __u8 *msg;
	struct eg_dns_answer *a;
	const char *qname;
	char (*chain)[EG_DNS_NAME_BUF];
	__u32 len;
	__u32 pos;		/* the next record */
	__u32 count;		/* records to walk */
	__u32 result;
};

struct dns_chain_scan {
	const struct dns_rr_walk *s;
	const char *name;
	__u32 len;
	__u32 found;
};

/* Step k: the question name (k = 0), or chain name k - 1. */
EG_LOOP_CB dns_chain_step(__u32 k, void *arg)
{
	struct dns_chain_scan *c = arg;
	const struct dns_rr_walk *s = c->s;
	const struct eg_dns_answer *a = s->a;
	__u32 j = (k - 1) & (EG_DNS_MAX_CHAIN - 1);
	bool eq;

	if (k > a->n_chain || k > EG_DNS_MAX_CHAIN)
		return 1;
	if (k == 0)
		eq = dns_name_eq(c->name, c->len, s->qname, a->qname_len);
	else
		eq = dns_name_eq(c->name, c->len, s->chain[j], a->chain_len[j]);
	if (!eq)
		return 0;
	c->found = 1;
	return 1;
}

/* Whether the canonical name is the question name or one of the chain's. */
EG_INLINE bool dns_in_chain(const struct dns_rr_walk *s, const char *name, __u32 len)
{
	struct dns_chain_scan c = { .s = s, .name = name, .len = len };

	eg_loop(EG_DNS_MAX_CHAIN + 1, dns_chain_step, &c);
	return c.found;
}

EG_INLINE void dns_min_ttl(struct eg_dns_answer *a, __u32 ttl)
{
	if (ttl < a->min_ttl)
		a->min_ttl = ttl;
}

/* An A (rdlen 4) or AAAA (16) record of the chain at rd. */
EG_INLINE void dns_add_addr(const struct dns_rr_walk *s, __u32 rd, __u32 rdlen, __u32 ttl)
{
	struct eg_dns_answer *a = s->a;
	struct eg_dns_addr *ad;
	const __u8 *src;

	if (a->n_addrs >= EG_DNS_MAX_ADDRS) {
		a->capped |= EG_DNS_CAPPED_ADDRS;
		return;
	}
	ad = &a->addrs[a->n_addrs & (EG_DNS_MAX_ADDRS - 1)];
	src = s->msg + (rd & EG_DNS_ANSWER_MASK);
	if (rdlen == 4) {
		eg_memset(ad->addr, 0, 10);
		ad->addr[10] = 0xff;
		ad->addr[11] = 0xff;
		eg_memcpy(ad->addr + 12, src, 4);
		ad->family = 4;
	} else {
		eg_memcpy(ad->addr, src, 16);
		ad->family = 6;
	}
	ad->ttl = ttl;
	a->n_addrs++;
	dns_min_ttl(a, ttl);
}

/*
 * A CNAME record at rd: its target must end exactly with the RDATA. When
 * its owner is on the chain (linked), the target joins the chain unless it
 * is on it already, or the chain is full.
 */
EG_INLINE __u32 dns_cname(const struct dns_rr_walk *s, __u32 rd, __u32 rdlen,
			  __u32 ttl, bool linked)
{
	struct eg_dns_answer *a = s->a;
	__u32 n = a->n_chain, end, text_len, res;
	bool room = linked && n < EG_DNS_MAX_CHAIN;
	char *text = room ? s->chain[n & (EG_DNS_MAX_CHAIN - 1)] : a->work;
	int clen;

	res = dns_name_walk(s->msg, s->len, rd, true, text, &a->walk, &end, &text_len);
	if (res != DNS_NAME_OK || end != rd + rdlen)
		return EG_DNS_MALFORMED;
	if (!linked)
		return EG_DNS_OK;
	dns_min_ttl(a, ttl);
	clen = dns_name_canon(text, text_len);
	if (clen <= 0 || dns_in_chain(s, text, (__u32)clen))
		return EG_DNS_OK;
	if (!room) {
		a->capped |= EG_DNS_CAPPED_CHAIN;
		return EG_DNS_OK;
	}
	a->chain_len[n & (EG_DNS_MAX_CHAIN - 1)] = (__u16)clen;
	a->n_chain = n + 1;
	return EG_DNS_OK;
}

EG_INLINE long dns_rr_stop(struct dns_rr_walk *s, __u32 result)
{
	s->result = result;
	return 1;
}

/*
 * A record of class IN whose owner (walked into a->work, not yet
 * canonical) has text_len bytes: an address or a CNAME of the chain, or
 * nothing. Returns an enum eg_dns_status.
 */
EG_INLINE __u32 dns_rr_use(const struct dns_rr_walk *s, __u32 text_len, __u32 type,
			   __u32 ttl, __u32 rd, __u32 rdlen)
{
	struct eg_dns_answer *a = s->a;
	bool linked = false;
	int olen;

	if (type != EG_DNS_TYPE_A && type != EG_DNS_TYPE_AAAA && type != EG_DNS_TYPE_CNAME)
		return EG_DNS_OK;
	olen = dns_name_canon(a->work, text_len);
	if (olen > 0)
		linked = dns_in_chain(s, a->work, (__u32)olen);
	if (type == EG_DNS_TYPE_CNAME)
		return dns_cname(s, rd, rdlen, ttl, linked);
	if (rdlen != (type == EG_DNS_TYPE_A ? 4u : 16u))
		return EG_DNS_MALFORMED;
	if (linked)
		dns_add_addr(s, rd, rdlen, ttl);
	return EG_DNS_OK;
}

/* One answer record: owner, type, class, TTL, RDLENGTH, RDATA. */
EG_LOOP_CB dns_rr_step(__u32 i, void *arg)
{
	struct dns_rr_walk *s = arg;
	struct eg_dns_answer *a = s->a;
	__u32 pos = s->pos, end, text_len, type, class, ttl, rdlen, rd;

	if (i >= s->count)
		return dns_rr_stop(s, EG_DNS_OK);
	if (pos >= s->len)
		return dns_rr_stop(s, EG_DNS_MALFORMED);
	pos &= EG_DNS_ANSWER_MASK;
	if (dns_name_walk(s->msg, s->len, pos, true, a->work, &a->walk, &end, &text_len) !=
	    DNS_NAME_OK)
		return dns_rr_stop(s, EG_DNS_MALFORMED);
	if (end + 10 > s->len)
		return dns_rr_stop(s, EG_DNS_MALFORMED);
	end &= EG_DNS_ANSWER_MASK;
	type = dns_u16(s->msg, end, EG_DNS_ANSWER_MASK);
	class = dns_u16(s->msg, end + 2, EG_DNS_ANSWER_MASK);
	ttl = dns_u32(s->msg, end + 4, EG_DNS_ANSWER_MASK);
	rdlen = dns_u16(s->msg, end + 8, EG_DNS_ANSWER_MASK);
	rd = end + 10;
	if (rd + rdlen > s->len)
		return dns_rr_stop(s, EG_DNS_MALFORMED);
	if (ttl & 0x80000000)
		ttl = 0;			/* RFC 2181 8 */
	a->n_rrs++;
	s->pos = rd + rdlen;
	if (class == EG_DNS_CLASS_IN &&
	    dns_rr_use(s, text_len, type, ttl, rd, rdlen) != EG_DNS_OK)
		return dns_rr_stop(s, EG_DNS_MALFORMED);
	return 0;
}

/*
 * Parses the answer msg[0..len) (over TCP: without its length prefix): the
 * header, the question (into qname, canonical) and the answer section's
 * first EG_DNS_MAX_RRS records; the authority and additional sections are
 * not looked at. Chain names go to chain[0..n_chain), canonical, their
 * lengths in a->chain_len; all name buffers have room for EG_DNS_NAME_BUF
 * bytes. Returns an enum eg_dns_status: anything but EG_DNS_OK means no
 * binding may be made from the message, and then no address or chain name
 * is reported (qname stays set when only the records were wrong).
 */
EG_INLINE int eg_dns_answer_parse(const __u8 *msg, __u32 len, struct eg_dns_answer *a,
				  char *qname, char chain[EG_DNS_MAX_CHAIN][EG_DNS_NAME_BUF])
{
	struct dns_rr_walk s = { .msg = msg, .a = a, .qname = qname, .chain = chain,
				 .len = len, .result = EG_DNS_MALFORMED };
	__u32 off, text_len, ancount;
	int n;

	eg_memset(a, 0, __builtin_offsetof(struct eg_dns_answer, walk));
	qname[0] = '\0';
	if (len > EG_DNS_ANSWER_CAP)
		return EG_DNS_TOO_LARGE;
	if (len < EG_DNS_HDR_LEN)
		return EG_DNS_MALFORMED;
	a->id = dns_u16(msg, 0, EG_DNS_ANSWER_MASK);
	a->flags = dns_u16(msg, 2, EG_DNS_ANSWER_MASK);
	a->rcode = a->flags & EG_DNS_F_RCODE;
	if (!(a->flags & EG_DNS_F_QR) || (a->flags & EG_DNS_F_OPCODE))
		return EG_DNS_NOT_RESPONSE;
	if (dns_u16(msg, 4, EG_DNS_ANSWER_MASK) != 1)
		return EG_DNS_BAD_COUNTS;
	ancount = dns_u16(msg, 6, EG_DNS_ANSWER_MASK);
	a->ancount = ancount;

	if (dns_name_walk(msg, len, EG_DNS_HDR_LEN, true, qname, &a->walk, &off, &text_len) !=
	    DNS_NAME_OK)
		goto malformed;
	if (off + 4 > len)
		goto malformed;
	a->qtype = dns_u16(msg, off, EG_DNS_ANSWER_MASK);
	a->qclass = dns_u16(msg, off + 2, EG_DNS_ANSWER_MASK);
	n = dns_name_canon(qname, text_len);
	if (n <= 0) {
		qname[0] = '\0';
		return EG_DNS_BAD_NAME;
	}
	a->qname_len = n;

	a->min_ttl = 0xffffffff;
	s.pos = off + 4;
	s.count = ancount;
	if (ancount > EG_DNS_MAX_RRS) {
		s.count = EG_DNS_MAX_RRS;
		a->capped |= EG_DNS_CAPPED_RRS;
	}
	eg_loop(EG_DNS_MAX_RRS + 1, dns_rr_step, &s);
	if (s.result != EG_DNS_OK) {
		a->n_addrs = 0;			/* nothing of it may be used */
		a->n_chain = 0;
		a->min_ttl = 0;
		return EG_DNS_MALFORMED;
	}
	if (a->min_ttl == 0xffffffff)
		a->min_ttl = 0;
	return EG_DNS_OK;
malformed:
	qname[0] = '\0';
	return EG_DNS_MALFORMED;
}

#endif /* EGRESS_BPF_DNS_H */
