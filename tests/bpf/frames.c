// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <stdio.h>
#include <string.h>

#include "frames.h"

const __u8 guest_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const __u8 gateway_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

#define ETH_HDR		14
#define VLAN_HDR	4
#define IPV4_HDR	20
#define IPV6_HDR	40
#define TCP_HDR		20
#define UDP_HDR		8
#define ICMP_HDR	8

/* ---- bytes ------------------------------------------------------------- */

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)get16(p) << 16 | get16(p + 2);
}

static __u32 sum_bytes(__u32 sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Sum of the IPv4 or IPv6 pseudo-header. */
static __u32 pseudo_sum(int family, const __u8 *saddr, const __u8 *daddr,
			__u8 proto, __u32 len)
{
	int alen = family == 4 ? 4 : 16;
	__u32 sum = 0;

	sum = sum_bytes(sum, saddr, alen);
	sum = sum_bytes(sum, daddr, alen);
	sum += proto;
	sum += len >> 16;
	sum += len & 0xffff;
	return sum;
}

void addr16(const char *text, __u8 out[16])
{
	memset(out, 0, 16);
	if (strchr(text, ':')) {
		inet_pton(AF_INET6, text, out);
		return;
	}
	out[10] = 0xff;
	out[11] = 0xff;
	inet_pton(AF_INET, text, out + 12);
}

/* ---- specs ------------------------------------------------------------- */

static struct pkt_spec spec_base(const char *src, const char *dst, __u8 proto)
{
	struct pkt_spec s = {
		.family = strchr(src, ':') ? 6 : 4,
		.src = src,
		.dst = dst,
		.proto = proto,
	};

	memcpy(s.smac, guest_mac, 6);
	memcpy(s.dmac, gateway_mac, 6);
	return s;
}

struct pkt_spec spec_tcp(const char *src, __u16 sport, const char *dst,
			 __u16 dport, __u8 flags)
{
	struct pkt_spec s = spec_base(src, dst, IPPROTO_TCP);

	s.sport = sport;
	s.dport = dport;
	s.tcp_flags = flags;
	s.seq = 1000;
	s.ack_seq = (flags & TH_ACK) ? 5000 : 0;
	return s;
}

struct pkt_spec spec_udp(const char *src, __u16 sport, const char *dst,
			 __u16 dport)
{
	struct pkt_spec s = spec_base(src, dst, IPPROTO_UDP);

	s.sport = sport;
	s.dport = dport;
	s.payload_len = 16;
	return s;
}

struct pkt_spec spec_icmp(const char *src, const char *dst, __u8 type, __u8 code)
{
	struct pkt_spec s = spec_base(src, dst, 0);

	s.proto = s.family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	s.icmp_type = type;
	s.icmp_code = code;
	return s;
}

struct pkt_spec spec_echo(const char *src, const char *dst, __u16 id)
{
	struct pkt_spec s = spec_icmp(src, dst, 0, 0);

	s.icmp_type = s.family == 4 ? 8 : 128;
	s.icmp_id = id;
	s.payload_len = 32;
	return s;
}

struct pkt_spec spec_proto(const char *src, const char *dst, __u8 proto,
			   __u32 payload_len)
{
	struct pkt_spec s = spec_base(src, dst, proto);

	s.payload_len = payload_len;
	return s;
}

void spec_add_ext(struct pkt_spec *s, __u8 type, __u8 len)
{
	if (s->n_ext >= SPEC_MAX_EXT)
		return;
	s->ext[s->n_ext++] = (struct ext_hdr){ .type = type, .len = len };
}

void spec_add_frag6(struct pkt_spec *s, __u16 offset, bool more)
{
	if (s->n_ext >= SPEC_MAX_EXT)
		return;
	s->ext[s->n_ext++] = (struct ext_hdr){
		.type = IPPROTO_FRAGMENT,
		.frag_offset = offset,
		.frag_more = more,
	};
}

bool spec_without_l4(const struct pkt_spec *s)
{
	if (s->raw_l4)
		return true;
	if (s->family == 4)
		return (s->ip_frag & 0x1fff) != 0;
	for (int i = 0; i < s->n_ext; i++)
		if (s->ext[i].type == IPPROTO_FRAGMENT && s->ext[i].frag_offset)
			return true;
	return false;
}

/* ---- frames ------------------------------------------------------------ */

static size_t l4_hdr_len(const struct pkt_spec *s)
{
	if (spec_without_l4(s))
		return 0;
	switch (s->proto) {
	case IPPROTO_TCP:
		return TCP_HDR + s->tcp_opt_len;
	case IPPROTO_UDP:
		return UDP_HDR;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ICMP_HDR;
	default:
		return 0;
	}
}

static size_t ext_len(const struct ext_hdr *e)
{
	switch (e->type) {
	case IPPROTO_FRAGMENT:
		return 8;
	case IPPROTO_AH:
		return (e->len + 2) * 4;
	default:
		return (e->len + 1) * 8;
	}
}

static size_t put_eth(const struct pkt_spec *s, __u8 *p)
{
	size_t off = 12;

	memcpy(p, s->dmac, 6);
	memcpy(p + 6, s->smac, 6);
	if (s->vlan_tpid) {
		put16(p + off, s->vlan_tpid);
		put16(p + off + 2, s->vlan_tci);
		off += VLAN_HDR;
	}
	put16(p + off, s->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	return off + 2;
}

static void put_ext(const struct ext_hdr *e, __u8 next, __u8 *p)
{
	size_t len = ext_len(e);

	p[0] = next;
	switch (e->type) {
	case IPPROTO_FRAGMENT:
		put16(p + 2, (__u16)(e->frag_offset << 3 | (e->frag_more ? 1 : 0)));
		put32(p + 4, 0x12345678);
		break;
	case IPPROTO_AH:
		p[1] = e->len;
		break;
	case IPPROTO_ROUTING:
		p[1] = e->len;
		p[2] = 4;	/* segment routing */
		p[3] = e->segments_left;
		break;
	default:
		p[1] = e->len;
		p[2] = 1;	/* PadN over the rest */
		p[3] = (__u8)(len - 4);
		break;
	}
}

/* MSS 1460, SACK permitted and window scale as room allows; NOPs after. */
static void put_tcp_options(__u8 *p, size_t len)
{
	static const __u8 mss[] = { 2, 4, 0x05, 0xb4 };
	static const __u8 sack_ws[] = { 4, 2, 1, 3, 3, 7 };

	memset(p, 1, len);
	if (len >= sizeof(mss))
		memcpy(p, mss, sizeof(mss));
	if (len >= sizeof(mss) + sizeof(sack_ws))
		memcpy(p + sizeof(mss), sack_ws, sizeof(sack_ws));
}

static void put_l4(const struct pkt_spec *s, __u8 *p, size_t l4_len)
{
	switch (l4_hdr_len(s) ? s->proto : 0) {
	case IPPROTO_TCP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, s->seq);
		put32(p + 8, s->ack_seq);
		p[12] = (s->tcp_doff ? s->tcp_doff
				     : (TCP_HDR + s->tcp_opt_len) / 4) << 4;
		p[13] = s->tcp_flags;
		put16(p + 14, 64240);
		put_tcp_options(p + TCP_HDR, s->tcp_opt_len);
		break;
	case IPPROTO_UDP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, s->udp_len ? s->udp_len : (__u16)l4_len);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		p[0] = s->icmp_type;
		p[1] = s->icmp_code;
		put16(p + 4, s->icmp_id);
		put16(p + 6, 1);
		break;
	default:
		break;
	}
}

static void put_payload(const struct pkt_spec *s, __u8 *p)
{
	if (s->payload) {
		memcpy(p, s->payload, s->payload_len);
		return;
	}
	for (__u32 i = 0; i < s->payload_len; i++)
		p[i] = 'a' + i % 26;
}

static void put_l4_csum(const struct pkt_spec *s, const __u8 *saddr,
			const __u8 *daddr, __u8 *l4, size_t l4_len)
{
	__u32 sum = 0;
	int at;

	switch (l4_hdr_len(s) ? s->proto : 0) {
	case IPPROTO_TCP:
		at = 16;
		break;
	case IPPROTO_UDP:
		at = 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		at = 2;
		break;
	default:
		return;
	}
	if (s->proto != IPPROTO_ICMP)
		sum = pseudo_sum(s->family, saddr, daddr, s->proto, (__u32)l4_len);
	put16(l4 + at, fold(sum_bytes(sum, l4, l4_len)));
}

static size_t put_ipv4(const struct pkt_spec *s, __u8 *p, size_t l4_len)
{
	size_t hl = IPV4_HDR + s->ip_opt_len;

	p[0] = 0x40 | (__u8)(hl / 4);
	put16(p + 2, (__u16)(hl + l4_len + s->len_delta));
	put16(p + 4, 0x1234);
	put16(p + 6, s->ip_frag);
	p[8] = 64;
	p[9] = s->proto;
	inet_pton(AF_INET, s->src, p + 12);
	inet_pton(AF_INET, s->dst, p + 16);
	memset(p + IPV4_HDR, 1, s->ip_opt_len);	/* NOPs */
	put16(p + 10, fold(sum_bytes(0, p, hl)));
	return hl;
}

static size_t put_ipv6(const struct pkt_spec *s, __u8 *p, size_t l4_len)
{
	size_t off = IPV6_HDR, exts = 0;

	for (int i = 0; i < s->n_ext; i++)
		exts += ext_len(&s->ext[i]);
	put32(p, 0x60000000);
	put16(p + 4, (__u16)(exts + l4_len + s->len_delta));
	p[6] = s->n_ext ? s->ext[0].type : s->proto;
	p[7] = s->proto == IPPROTO_ICMPV6 ? 255 : 64;
	inet_pton(AF_INET6, s->src, p + 8);
	inet_pton(AF_INET6, s->dst, p + 24);
	for (int i = 0; i < s->n_ext; i++) {
		__u8 next = i + 1 < s->n_ext ? s->ext[i + 1].type : s->proto;

		put_ext(&s->ext[i], next, p + off);
		off += ext_len(&s->ext[i]);
	}
	return off;
}

size_t frame_build(const struct pkt_spec *s, __u8 *buf, size_t cap)
{
	size_t l4_len = l4_hdr_len(s) + s->payload_len;
	size_t total = ETH_HDR + (s->vlan_tpid ? VLAN_HDR : 0) + l4_len;
	size_t off, l3;
	__u8 *l4;

	total += s->family == 4 ? IPV4_HDR + s->ip_opt_len : IPV6_HDR;
	for (int i = 0; s->family == 6 && i < s->n_ext; i++)
		total += ext_len(&s->ext[i]);
	if (total > cap)
		return 0;
	memset(buf, 0, total);

	l3 = put_eth(s, buf);
	if (s->family == 4)
		off = l3 + put_ipv4(s, buf + l3, l4_len);
	else
		off = l3 + put_ipv6(s, buf + l3, l4_len);
	l4 = buf + off;
	put_l4(s, l4, l4_len);
	put_payload(s, l4 + l4_hdr_len(s));
	if (s->family == 4)
		put_l4_csum(s, buf + l3 + 12, buf + l3 + 16, l4, l4_len);
	else
		put_l4_csum(s, buf + l3 + 8, buf + l3 + 24, l4, l4_len);
	return total;
}

size_t frame_arp(__u8 *buf, const __u8 smac[6], const __u8 sha[6],
		 const char *spa, const char *tpa, __u16 op)
{
	__u8 *arp = buf + ETH_HDR;

	memset(buf, 0, 60);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, smac, 6);
	put16(buf + 12, ETH_P_ARP);
	put16(arp, 1);
	put16(arp + 2, ETH_P_IP);
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, op);
	memcpy(arp + 8, sha, 6);
	inet_pton(AF_INET, spa, arp + 14);
	inet_pton(AF_INET, tpa, arp + 24);
	return 60;
}

size_t frame_ethertype(__u8 *buf, const __u8 smac[6], __u16 ethertype,
		       size_t len)
{
	memcpy(buf, gateway_mac, 6);
	memcpy(buf + 6, smac, 6);
	put16(buf + 12, ethertype);
	for (size_t i = ETH_HDR; i < len; i++)
		buf[i] = (__u8)i;
	return len;
}

/* ---- replies ----------------------------------------------------------- */

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -1;
}

static int parse_ip(const __u8 *ip, size_t len, struct tcp_reply *r,
		    size_t *l4_len, const char **why)
{
	if (r->family == 4) {
		if (len < IPV4_HDR || ip[0] != 0x45)
			return bad(why, "not a 20-byte IPv4 header");
		if (get16(ip + 2) != len)
			return bad(why, "IPv4 total length disagrees with the frame");
		if (fold(sum_bytes(0, ip, IPV4_HDR)) != 0)
			return bad(why, "IPv4 header checksum does not verify");
		if (get16(ip + 6) & 0x3fff)
			return bad(why, "IPv4 reply is a fragment");
		if (ip[9] != IPPROTO_TCP)
			return bad(why, "IPv4 protocol is not TCP");
		r->ttl = ip[8];
		addr16("0.0.0.0", r->saddr);
		addr16("0.0.0.0", r->daddr);
		memcpy(r->saddr + 12, ip + 12, 4);
		memcpy(r->daddr + 12, ip + 16, 4);
		*l4_len = len - IPV4_HDR;
		return IPV4_HDR;
	}
	if (len < IPV6_HDR || (ip[0] >> 4) != 6)
		return bad(why, "not an IPv6 header");
	if (get16(ip + 4) != len - IPV6_HDR)
		return bad(why, "IPv6 payload length disagrees with the frame");
	if (ip[6] != IPPROTO_TCP)
		return bad(why, "IPv6 next header is not TCP");
	r->ttl = ip[7];
	memcpy(r->saddr, ip + 8, 16);
	memcpy(r->daddr, ip + 24, 16);
	*l4_len = len - IPV6_HDR;
	return IPV6_HDR;
}

int tcp_reply_parse(const __u8 *buf, size_t len, struct tcp_reply *r,
		    const char **why)
{
	const __u8 *ip = buf + ETH_HDR, *th;
	size_t l4_len;
	__u32 sum;
	int hl;

	memset(r, 0, sizeof(*r));
	if (len < ETH_HDR)
		return bad(why, "shorter than an Ethernet header");
	memcpy(r->dmac, buf, 6);
	memcpy(r->smac, buf + 6, 6);
	switch (get16(buf + 12)) {
	case ETH_P_IP:
		r->family = 4;
		break;
	case ETH_P_IPV6:
		r->family = 6;
		break;
	default:
		return bad(why, "ethertype is neither IPv4 nor IPv6");
	}
	hl = parse_ip(ip, len - ETH_HDR, r, &l4_len, why);
	if (hl < 0)
		return -1;
	th = ip + hl;
	if (l4_len < TCP_HDR || (th[12] >> 4) * 4 < TCP_HDR ||
	    (size_t)(th[12] >> 4) * 4 > l4_len)
		return bad(why, "TCP header length is wrong");
	if (r->family == 4)
		sum = pseudo_sum(4, ip + 12, ip + 16, IPPROTO_TCP, (__u32)l4_len);
	else
		sum = pseudo_sum(6, ip + 8, ip + 24, IPPROTO_TCP, (__u32)l4_len);
	if (fold(sum_bytes(sum, th, l4_len)) != 0)
		return bad(why, "TCP checksum does not verify");
	r->sport = get16(th);
	r->dport = get16(th + 2);
	r->seq = get32(th + 4);
	r->ack_seq = get32(th + 8);
	r->flags = th[13];
	r->payload_len = (__u32)(l4_len - (th[12] >> 4) * 4);
	return 0;
}

/* ---- TLS ClientHello ----------------------------------------------------- */

struct hb {
	__u8 *buf;
	size_t len;
	size_t cap;
	bool overflow;
};

static void hb_bytes(struct hb *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void hb_fill(struct hb *b, __u8 seed, size_t n)
{
	if (b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		b->buf[b->len + i] = (__u8)(seed + i * 7);
	b->len += n;
}

static void hb_zero(struct hb *b, size_t n)
{
	if (b->len + n > b->cap) {
		b->overflow = true;
		return;
	}
	memset(b->buf + b->len, 0, n);
	b->len += n;
}

static void hb_u8(struct hb *b, __u8 v)
{
	hb_bytes(b, &v, 1);
}

static void hb_u16(struct hb *b, __u16 v)
{
	__u8 p[2];

	put16(p, v);
	hb_bytes(b, p, 2);
}

/* Room for a length of width bytes, filled in by hb_close(). */
static size_t hb_open(struct hb *b, int width)
{
	size_t at = b->len;

	for (int i = 0; i < width; i++)
		hb_u8(b, 0);
	return at;
}

static void hb_close(struct hb *b, size_t at, int width)
{
	size_t n = b->len - at - width;

	if (b->overflow)
		return;
	for (int i = width - 1; i >= 0; i--, n >>= 8)
		b->buf[at + i] = (__u8)n;
}

static size_t hb_ext(struct hb *b, __u16 type)
{
	hb_u16(b, type);
	return hb_open(b, 2);
}

static void hb_server_name(struct hb *b, const struct hello_spec *s,
			   struct hello_layout *lay, bool first)
{
	size_t ext = b->len, e, list, n;

	e = hb_ext(b, 0x0000);
	list = hb_open(b, 2);
	hb_u8(b, s->sni_type);
	n = hb_open(b, 2);
	if (first)
		lay->sni_name = (__u32)b->len;
	hb_bytes(b, s->sni, strlen(s->sni));
	hb_close(b, n, 2);
	if (s->sni2) {
		hb_u8(b, 0);
		n = hb_open(b, 2);
		hb_bytes(b, s->sni2, strlen(s->sni2));
		hb_close(b, n, 2);
	}
	hb_close(b, list, 2);
	hb_close(b, e, 2);
	if (first)
		lay->sni_ext = (__u32)ext;
}

size_t hello_hs(const struct hello_spec *s, __u8 *hs, size_t cap,
		struct hello_layout *lay)
{
	static const __u8 groups[] = { 0x00, 0x0a, 0x11, 0xec, 0x00, 0x1d,
				       0x00, 0x17, 0x00, 0x18 };
	static const __u8 sigalgs[] = { 0x00, 0x10, 0x04, 0x03, 0x08, 0x04,
					0x04, 0x01, 0x05, 0x03, 0x08, 0x05,
					0x05, 0x01, 0x08, 0x06, 0x06, 0x01 };
	static const __u8 versions[] = { 0x04, 0x03, 0x04, 0x03, 0x03 };
	static const __u8 alpn[] = { 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't',
				     't', 'p', '/', '1', '.', '1' };
	struct hello_layout none;
	struct hb b = { .buf = hs, .cap = cap };
	size_t msg, block, e, n;

	if (!lay)
		lay = &none;
	memset(lay, 0, sizeof(*lay));
	hb_u8(&b, 1);				/* client_hello */
	msg = hb_open(&b, 3);
	hb_u16(&b, 0x0303);			/* legacy_version */
	hb_fill(&b, 0x11, 32);			/* random */
	lay->sid = (__u32)b.len;
	hb_u8(&b, 32);				/* legacy_session_id */
	hb_fill(&b, 0x5a, 32);
	hb_u16(&b, 32);				/* 16 cipher suites */
	for (__u16 i = 0; i < 16; i++)
		hb_u16(&b, i == 0 ? 0x1301 : (__u16)(0xc02b + i));
	hb_u8(&b, 1);				/* compression: null */
	hb_u8(&b, 0);
	if (!s->no_ext) {
		lay->exts = (__u32)b.len;
		block = hb_open(&b, 2);
		if (s->sni && !s->sni_last)
			hb_server_name(&b, s, lay, true);
		e = hb_ext(&b, 0x000a);
		hb_bytes(&b, groups, sizeof(groups));
		hb_close(&b, e, 2);
		e = hb_ext(&b, 0x000b);
		hb_u8(&b, 1);
		hb_u8(&b, 0);
		hb_close(&b, e, 2);
		e = hb_ext(&b, 0x000d);
		hb_bytes(&b, sigalgs, sizeof(sigalgs));
		hb_close(&b, e, 2);
		e = hb_ext(&b, 0x002b);
		hb_bytes(&b, versions, sizeof(versions));
		hb_close(&b, e, 2);
		e = hb_ext(&b, 0x002d);
		hb_u8(&b, 1);
		hb_u8(&b, 1);
		hb_close(&b, e, 2);
		e = hb_ext(&b, 0x0010);
		hb_bytes(&b, alpn, sizeof(alpn));
		hb_close(&b, e, 2);
		e = hb_ext(&b, 0x0033);		/* key_share */
		n = hb_open(&b, 2);
		if (s->key_share) {
			hb_u16(&b, 0x11ec);	/* X25519MLKEM768 */
			hb_u16(&b, (__u16)s->key_share);
			hb_fill(&b, 0x77, s->key_share);
		}
		hb_u16(&b, 0x001d);		/* X25519 */
		hb_u16(&b, 32);
		hb_fill(&b, 0x33, 32);
		hb_close(&b, n, 2);
		hb_close(&b, e, 2);
		if (s->ech) {
			e = hb_ext(&b, 0xfe0d);
			hb_u8(&b, 0);		/* outer */
			hb_u16(&b, 0x0001);	/* HKDF-SHA256 */
			hb_u16(&b, 0x0001);	/* AES-128-GCM */
			hb_u8(&b, 0x42);	/* config_id */
			hb_u16(&b, 32);		/* enc */
			hb_fill(&b, 0x99, 32);
			hb_u16(&b, 208);	/* payload */
			hb_fill(&b, 0xa5, 208);
			hb_close(&b, e, 2);
		}
		if (s->sni && s->sni_last)
			hb_server_name(&b, s, lay, true);
		if (s->sni && s->sni_twice)
			hb_server_name(&b, s, lay, false);
		if (s->padding) {
			e = hb_ext(&b, 0x0015);
			hb_zero(&b, s->padding);
			hb_close(&b, e, 2);
		}
		hb_close(&b, block, 2);
	}
	hb_close(&b, msg, 3);
	if (b.overflow)
		return 0;
	lay->hs_len = (__u32)b.len;
	return b.len;
}

size_t tls_records(const __u8 *hs, size_t hs_len, __u32 record_size,
		   __u8 *out, size_t cap)
{
	size_t per = record_size ? record_size : hs_len, off = 0, len = 0;

	while (off < hs_len) {
		size_t n = hs_len - off < per ? hs_len - off : per;

		if (len + 5 + n > cap)
			return 0;
		out[len] = 22;
		put16(out + len + 1, 0x0301);
		put16(out + len + 3, (__u16)n);
		memcpy(out + len + 5, hs + off, n);
		len += 5 + n;
		off += n;
	}
	return len;
}

size_t tls_raw_off(size_t hs_off, __u32 record_size)
{
	if (!record_size)
		return hs_off + 5;
	return hs_off + 5 * (hs_off / record_size + 1);
}

size_t hello_build(const struct hello_spec *spec, __u8 *out, size_t cap,
		   struct hello_layout *lay)
{
	static __u8 hs[HELLO_MAX];
	size_t n = hello_hs(spec, hs, sizeof(hs), lay);

	if (!n)
		return 0;
	return tls_records(hs, n, spec->record_size, out, cap);
}

/* ---- HTTP ------------------------------------------------------------------ */

size_t http_build(char *out, size_t cap, const char *method, const char *target,
		  const char *fields)
{
	int n = snprintf(out, cap, "%s %s HTTP/1.1\r\n%s\r\n", method, target,
			 fields ? fields : "");

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* ---- connections ------------------------------------------------------------ */

struct conn conn_of(const char *src, __u16 sport, const char *dst, __u16 dport)
{
	struct conn c = {
		.src = src, .dst = dst, .sport = sport, .dport = dport,
		.isn = CONN_ISN,
	};

	return c;
}

struct pkt_spec conn_syn(const struct conn *c)
{
	struct pkt_spec s = spec_tcp(c->src, c->sport, c->dst, c->dport, TH_SYN);

	s.seq = c->isn;
	s.tcp_opt_len = 20;
	return s;
}

struct pkt_spec conn_syn_data(const struct conn *c, const void *bytes, __u32 len)
{
	struct pkt_spec s = conn_syn(c);

	s.payload = bytes;
	s.payload_len = len;
	return s;
}

struct pkt_spec conn_seg(const struct conn *c, __u32 off, const void *bytes,
			 __u32 len)
{
	struct pkt_spec s = spec_tcp(c->src, c->sport, c->dst, c->dport,
				     TH_ACK | TH_PSH);

	s.seq = c->isn + 1 + off;
	s.ack_seq = CONN_PEER_SEQ;
	s.payload = bytes;
	s.payload_len = len;
	return s;
}

struct pkt_spec conn_fin(const struct conn *c, __u32 off)
{
	struct pkt_spec s = spec_tcp(c->src, c->sport, c->dst, c->dport,
				     TH_FIN | TH_ACK);

	s.seq = c->isn + 1 + off;
	s.ack_seq = CONN_PEER_SEQ;
	return s;
}

struct pkt_spec conn_peer_ack(const struct conn *c, __u32 n)
{
	struct pkt_spec s = spec_tcp(c->dst, c->dport, c->src, c->sport, TH_ACK);

	memcpy(s.smac, gateway_mac, 6);
	memcpy(s.dmac, guest_mac, 6);
	s.seq = CONN_PEER_SEQ;
	s.ack_seq = c->isn + 1 + n;
	return s;
}
