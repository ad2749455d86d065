/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * L2/L3/L4 header parsing of one frame, header-only so that the BPF programs
 * and userspace tests run the same code. Works on [data, data_end) with
 * verifier-friendly bounds checks; every length the frame claims is checked
 * against what it really has.
 */
#ifndef EGRESS_BPF_PARSE_H
#define EGRESS_BPF_PARSE_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <egress/abi.h>
#include "compat.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define EG_IPPROTO_ICMPV6 58

/*
 * The ICMP and ICMPv6 header: the same first 8 bytes. Declared here because
 * <linux/icmp.h> pulls in libc's <sys/socket.h>, which a BPF target cannot
 * build against without 32-bit libc headers.
 */
struct eg_icmphdr {
	__u8   type;
	__u8   code;
	__sum16 checksum;
	__be16 echo_id;		/* echo request and reply */
	__be16 echo_seq;
};

#define EG_ICMP_ECHOREPLY	0
#define EG_ICMP_ECHO		8
#define EG_ICMPV6_ECHO_REQUEST	128
#define EG_ICMPV6_ECHO_REPLY	129
#define EG_IPPROTO_NONE6 59
/* Headers further into a frame than this are not looked at (verifier bound). */
#define EG_MAX_HDR_OFF 0x3fff

enum parse_err {
	PARSE_OK = 0,
	PARSE_ERR_TRUNCATED,	/* a header is cut short or lies about its length */
	PARSE_ERR_VLAN,
	PARSE_ERR_ETHERTYPE,
	PARSE_ERR_EXT_HDRS,	/* too many IPv6 extension headers */
	PARSE_ERR_SOURCE_ROUTE,	/* IPv6 routing header with segments left */
	PARSE_ERR_IP_OPTIONS,	/* IPv4 header with options */
};

#define PKT_F_FRAG	(1U << 0)	/* an IP fragment */
#define PKT_F_FRAG_FIRST (1U << 1)	/* ... the first one (L4 header present) */

struct pkt {
	__u16 eth_proto;	/* host order */
	__u8  family;		/* 4, 6, or 0 (ARP and non-IP) */
	__u8  l4proto;
	__u8  flags;		/* PKT_F_* */
	__u8  tcp_flags;	/* byte 13 of the TCP header */
	__u16 sport;		/* host order; ICMP: echo id or type */
	__u16 dport;		/*             ICMP: code */
	__u8  icmp_type;
	__u8  pad;
	__u8  arp_sha[6];	/* ARP: sender hardware address */
	__u8  pad2[2];
	__u32 seq;		/* TCP, host order */
	__u32 ack_seq;
	__u32 frame_len;	/* the whole frame, fragments of an xdp.frags or
				 * non-linear buffer included (data_end covers
				 * only the linear part) */
	__u32 l3_off;		/* offset of the IP header from data */
	__u32 l4_off;		/* offset of the L4 header (when PKT_F_FRAG clear) */
	__u32 l4_len;		/* IP payload bytes, as the IP header says */
	__u32 payload_off;	/* offset of TCP/UDP payload */
	__u32 payload_len;	/* bytes of it, as the IP header says */
	__u8  smac[6];
	__u8  dmac[6];
	__u8  saddr[16];	/* IPv4-mapped for IPv4; ARP: sender address */
	__u8  daddr[16];	/* ARP: target address */
};

EG_INLINE void addr_from_v4(__u8 *dst, __be32 a)
{
	eg_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	eg_memcpy(dst + 12, &a, 4);
}

EG_INLINE bool addr_is_v4(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return w[0] == 0 && w[1] == 0 && w[2] == eg_htonl(0x0000ffff);
}

/* ARP for IPv4 over Ethernet: the fixed part plus the four addresses. */
struct eg_arp {
	__be16 htype;
	__be16 ptype;
	__u8   hlen;
	__u8   plen;
	__be16 op;
	__u8   sha[6];
	__u8   spa[4];
	__u8   tha[6];
	__u8   tpa[4];
} __attribute__((packed));

EG_INLINE int parse_l4(struct pkt *p, void *data, void *data_end)
{
	void *l4 = data + p->l4_off;

	switch (p->l4proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;
		__u32 hl;

		if ((void *)(th + 1) > data_end)
			return PARSE_ERR_TRUNCATED;
		hl = th->doff * 4;
		if (hl < sizeof(*th) || hl > p->l4_len)
			return PARSE_ERR_TRUNCATED;
		p->sport = eg_ntohs(th->source);
		p->dport = eg_ntohs(th->dest);
		p->tcp_flags = ((__u8 *)th)[13];
		p->seq = eg_ntohl(th->seq);
		p->ack_seq = eg_ntohl(th->ack_seq);
		p->payload_off = p->l4_off + hl;
		p->payload_len = p->l4_len - hl;
		return PARSE_OK;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;
		__u32 ul;

		if ((void *)(uh + 1) > data_end)
			return PARSE_ERR_TRUNCATED;
		ul = eg_ntohs(uh->len);
		/*
		 * UDP length 0 is a jumbogram only; we never see those. A
		 * first fragment holds only part of the datagram.
		 */
		if (ul < sizeof(*uh) || (ul > p->l4_len && !(p->flags & PKT_F_FRAG)))
			return PARSE_ERR_TRUNCATED;
		if (ul > p->l4_len)
			ul = p->l4_len;
		p->sport = eg_ntohs(uh->source);
		p->dport = eg_ntohs(uh->dest);
		p->payload_off = p->l4_off + sizeof(*uh);
		p->payload_len = ul - sizeof(*uh);
		return PARSE_OK;
	}
	case IPPROTO_ICMP:
	case EG_IPPROTO_ICMPV6: {
		struct eg_icmphdr *ih = l4;

		if ((void *)(ih + 1) > data_end)
			return PARSE_ERR_TRUNCATED;
		p->icmp_type = ih->type;
		if ((p->l4proto == IPPROTO_ICMP &&
		     (ih->type == EG_ICMP_ECHO || ih->type == EG_ICMP_ECHOREPLY)) ||
		    (p->l4proto == EG_IPPROTO_ICMPV6 &&
		     (ih->type == EG_ICMPV6_ECHO_REQUEST ||
		      ih->type == EG_ICMPV6_ECHO_REPLY))) {
			p->sport = eg_ntohs(ih->echo_id);
			p->dport = 0;
		} else {
			p->sport = ih->type;
			p->dport = ih->code;
		}
		return PARSE_OK;
	}
	default:
		return PARSE_OK;
	}
}

EG_INLINE int parse_ipv4(struct pkt *p, void *data, void *data_end)
{
	struct iphdr *iph = data + p->l3_off;
	__u32 hl, tot;

	if ((void *)(iph + 1) > data_end)
		return PARSE_ERR_TRUNCATED;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_ERR_TRUNCATED;
	p->family = 4;
	p->l4proto = iph->protocol;
	addr_from_v4(p->saddr, iph->saddr);
	addr_from_v4(p->daddr, iph->daddr);
	hl = iph->ihl * 4;
	tot = eg_ntohs(iph->tot_len);
	if (tot < hl || p->l3_off + tot > p->frame_len)
		return PARSE_ERR_TRUNCATED;
	p->l4_off = p->l3_off + hl;
	p->l4_len = tot - hl;

	/*
	 * Options (source routing among them) have no business in a guest's
	 * egress; walking them costs the verifier dearly. Refused.
	 */
	if (hl > sizeof(*iph))
		return PARSE_ERR_IP_OPTIONS;

	if (iph->frag_off & eg_htons(0x3fff)) {		/* MF or offset */
		p->flags |= PKT_F_FRAG;
		if (iph->frag_off & eg_htons(0x1fff))
			return PARSE_OK;
		p->flags |= PKT_F_FRAG_FIRST;
	}
	return parse_l4(p, data, data_end);
}

struct eg_ipv6_opt {
	__u8 nexthdr;
	__u8 hdrlen;
	__u8 type;		/* routing header: routing type */
	__u8 segments_left;	/* routing header */
};

struct eg_ipv6_frag {
	__u8   nexthdr;
	__u8   reserved;
	__be16 frag_off;	/* offset << 3 | M */
	__be32 id;
};

EG_INLINE int parse_ipv6(struct pkt *p, void *data, void *data_end)
{
	struct ipv6hdr *ip6 = data + p->l3_off;
	__u32 off, end;
	__u8 nh;

	if ((void *)(ip6 + 1) > data_end)
		return PARSE_ERR_TRUNCATED;
	if (ip6->version != 6)
		return PARSE_ERR_TRUNCATED;
	p->family = 6;
	eg_memcpy(p->saddr, &ip6->saddr, 16);
	eg_memcpy(p->daddr, &ip6->daddr, 16);
	end = p->l3_off + sizeof(*ip6) + eg_ntohs(ip6->payload_len);
	if (end > p->frame_len)
		return PARSE_ERR_TRUNCATED;
	nh = ip6->nexthdr;
	off = p->l3_off + sizeof(*ip6);

	/* an IPv4-mapped address has no business on the wire (RFC 4291) */
	if (addr_is_v4(p->saddr) || addr_is_v4(p->daddr))
		return PARSE_ERR_TRUNCATED;

	/* up to EGRESS_MAX_EXT_HDRS extension headers, then the L4 header */
	for (int i = 0; i <= EGRESS_MAX_EXT_HDRS; i++) {
		struct eg_ipv6_opt *o = data + off;

		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_DSTOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_AH:
		case 135:	/* mobility */
		case 139:	/* HIP */
		case 140:	/* shim6 */
			if ((void *)(o + 1) > data_end)
				return PARSE_ERR_TRUNCATED;
			if (nh == IPPROTO_ROUTING && o->segments_left)
				return PARSE_ERR_SOURCE_ROUTE;
			off += nh == IPPROTO_AH ? (o->hdrlen + 2) * 4
						: (o->hdrlen + 1) * 8;
			nh = o->nexthdr;
			if (off > end)
				return PARSE_ERR_TRUNCATED;
			continue;
		case IPPROTO_FRAGMENT: {
			struct eg_ipv6_frag *f = data + off;

			if ((void *)(f + 1) > data_end)
				return PARSE_ERR_TRUNCATED;
			nh = f->nexthdr;
			off += sizeof(*f);
			if (off > end)
				return PARSE_ERR_TRUNCATED;
			/* offset 0 and no M bit: an atomic fragment (RFC 6946) */
			if (f->frag_off & eg_htons(0xfff9)) {
				p->flags |= PKT_F_FRAG;
				if (f->frag_off & eg_htons(0xfff8)) {
					/* a later fragment: what follows is data */
					p->l4proto = nh;
					p->l4_off = off;
					p->l4_len = end - off;
					return PARSE_OK;
				}
				p->flags |= PKT_F_FRAG_FIRST;
			}
			continue;
		}
		default:
			p->l4proto = nh;
			p->l4_off = off;
			p->l4_len = end - off;
			return parse_l4(p, data, data_end);
		}
	}
	return PARSE_ERR_EXT_HDRS;
}

/*
 * Parses one Ethernet frame into *p. VLAN tags and ethertypes other than
 * IPv4, IPv6 and ARP are errors: the guest has no business sending them.
 * p->frame_len is the whole frame's length when the caller knows it (a
 * multi-buffer frame), 0 when [data, data_end) is all of it.
 */
EG_INLINE int parse_frame(struct pkt *p, void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if (!p->frame_len)
		p->frame_len = data_end - data;
	if ((void *)(eth + 1) > data_end)
		return PARSE_ERR_TRUNCATED;
	eg_memcpy(p->smac, eth->h_source, 6);
	eg_memcpy(p->dmac, eth->h_dest, 6);
	p->eth_proto = eg_ntohs(eth->h_proto);
	p->l3_off = sizeof(*eth);

	switch (p->eth_proto) {
	case ETH_P_IP:
		return parse_ipv4(p, data, data_end);
	case ETH_P_IPV6:
		return parse_ipv6(p, data, data_end);
	case ETH_P_ARP: {
		struct eg_arp *arp = data + p->l3_off;

		if ((void *)(arp + 1) > data_end)
			return PARSE_ERR_TRUNCATED;
		if (arp->htype != eg_htons(1) || arp->ptype != eg_htons(ETH_P_IP) ||
		    arp->hlen != 6 || arp->plen != 4)
			return PARSE_ERR_TRUNCATED;
		__be32 spa, tpa;

		eg_memcpy(&spa, arp->spa, 4);
		eg_memcpy(&tpa, arp->tpa, 4);
		addr_from_v4(p->saddr, spa);
		addr_from_v4(p->daddr, tpa);
		eg_memcpy(p->arp_sha, arp->sha, 6);
		return PARSE_OK;
	}
	case ETH_P_8021Q:
	case ETH_P_8021AD:
		return PARSE_ERR_VLAN;
	default:
		return PARSE_ERR_ETHERTYPE;
	}
}

#endif /* EGRESS_BPF_PARSE_H */
