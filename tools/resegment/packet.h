/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef RESEGMENT_PACKET_H
#define RESEGMENT_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define IPV4_HLEN_MIN	20
#define IPV6_HLEN	40
#define TCP_HLEN_MIN	20

/* Flag bits in byte 13 of the TCP header. */
#define TCPH_FIN	0x01
#define TCPH_SYN	0x02
#define TCPH_RST	0x04
#define TCPH_PSH	0x08
#define TCPH_ACK	0x10
#define TCPH_URG	0x20
#define TCPH_ECE	0x40
#define TCPH_CWR	0x80

/* Where the parts of one captured IPv4 or IPv6 TCP segment lie. */
struct tcp_seg {
	size_t l3;		/* IP header offset in the packet */
	size_t ip_hlen;		/* IPv4 header with options, IPv6 with extension headers */
	size_t tcp_hlen;	/* TCP header with options */
	size_t payload_len;
	int version;		/* 4 or 6 */
	unsigned int addr_len;	/* 4 or 16 */
	const uint8_t *saddr;
	const uint8_t *daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t flags;
};

static inline size_t tcp_seg_tcp_off(const struct tcp_seg *s)
{
	return s->l3 + s->ip_hlen;
}

static inline size_t tcp_seg_payload_off(const struct tcp_seg *s)
{
	return s->l3 + s->ip_hlen + s->tcp_hlen;
}

/*
 * Take apart the IP packet at offset l3 of pkt. Returns 0 for a complete,
 * unfragmented TCP segment; -ENOENT if it is not TCP; -EOPNOTSUPP for TCP
 * that cannot be cut (IP fragment, jumbogram, AH, pending routing header);
 * -EINVAL if headers are malformed or not all captured.
 */
int tcp_seg_parse(struct tcp_seg *s, const uint8_t *pkt, size_t caplen,
		  size_t l3);

#endif
