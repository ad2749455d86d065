/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hand-built Ethernet frames for the BPF tests: IPv4/IPv6 (options,
 * extension headers, fragments), TCP/UDP/ICMP/ICMPv6/other protocols, ARP,
 * VLAN tags and raw ethertypes, with correct lengths and checksums unless a
 * test asks for a lie. And a parser for the TCP replies the data path sends.
 */
#ifndef EGRESS_TEST_FRAMES_H
#define EGRESS_TEST_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define FRAME_MAX	(72 * 1024)

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

#define IPV4_MF	0x2000
#define IPV4_DF	0x4000

extern const __u8 guest_mac[6];
extern const __u8 gateway_mac[6];

struct ext_hdr {
	__u8  type;		/* IPPROTO_HOPOPTS, _DSTOPTS, _ROUTING, ... */
	__u8  len;		/* the header's length field */
	__u8  segments_left;	/* routing header */
	__u16 frag_offset;	/* fragment header: offset in 8-byte units */
	bool  frag_more;	/* fragment header: M flag */
};

#define SPEC_MAX_EXT 12

struct pkt_spec {
	__u8  smac[6];
	__u8  dmac[6];
	__u16 vlan_tpid;	/* 0: untagged; ETH_P_8021Q or ETH_P_8021AD */
	__u16 vlan_tci;
	int   family;		/* 4 or 6, from the addresses */
	const char *src;
	const char *dst;
	__u8  proto;		/* IPPROTO_* */
	__u16 sport;		/* TCP/UDP */
	__u16 dport;
	__u8  tcp_flags;
	__u8  tcp_opt_len;	/* TCP option bytes, a multiple of 4 */
	__u8  tcp_doff;		/* data offset field, 0: the header's */
	__u32 seq;
	__u32 ack_seq;
	__u8  icmp_type;
	__u8  icmp_code;
	__u16 icmp_id;
	__u32 payload_len;
	const __u8 *payload;	/* NULL: a byte pattern */
	bool  raw_l4;		/* no L4 header: payload right after IP */
	__u8  ip_opt_len;	/* IPv4 option bytes, a multiple of 4 */
	__u16 ip_frag;		/* IPv4 flags and fragment offset, host order */
	int   len_delta;	/* added to the IP length field */
	__u16 udp_len;		/* UDP length field, 0: the datagram's */
	int   n_ext;
	struct ext_hdr ext[SPEC_MAX_EXT];
};

struct pkt_spec spec_tcp(const char *src, __u16 sport, const char *dst,
			 __u16 dport, __u8 flags);
struct pkt_spec spec_udp(const char *src, __u16 sport, const char *dst,
			 __u16 dport);
/* ICMP or ICMPv6 echo request (by the address family). */
struct pkt_spec spec_echo(const char *src, const char *dst, __u16 id);
struct pkt_spec spec_icmp(const char *src, const char *dst, __u8 type, __u8 code);
/* Any other IP protocol, with payload_len bytes after the IP header(s). */
struct pkt_spec spec_proto(const char *src, const char *dst, __u8 proto,
			   __u32 payload_len);
void spec_add_ext(struct pkt_spec *s, __u8 type, __u8 len);
void spec_add_frag6(struct pkt_spec *s, __u16 offset, bool more);

/* True when the frame carries no L4 header (raw_l4, a non-first fragment). */
bool spec_without_l4(const struct pkt_spec *s);

/* Returns the frame's length, 0 when it does not fit in cap. */
size_t frame_build(const struct pkt_spec *s, __u8 *buf, size_t cap);
size_t frame_arp(__u8 *buf, const __u8 smac[6], const __u8 sha[6],
		 const char *spa, const char *tpa, __u16 op);
/* An Ethernet header of the given type followed by len - 14 bytes. */
size_t frame_ethertype(__u8 *buf, const __u8 smac[6], __u16 ethertype,
		       size_t len);

/* 16 bytes, IPv4 as IPv4-mapped IPv6 (the data path's form). */
void addr16(const char *text, __u8 out[16]);

struct tcp_reply {
	int   family;
	__u8  smac[6];
	__u8  dmac[6];
	__u8  saddr[16];
	__u8  daddr[16];
	__u16 sport;
	__u16 dport;
	__u32 seq;
	__u32 ack_seq;
	__u8  flags;
	__u8  ttl;
	__u32 payload_len;
};

/*
 * Parses a frame that should be a bare TCP segment: every length agrees
 * with the frame, the IPv4 header checksum and the TCP checksum verify.
 * Returns 0, or -1 with *why saying what is wrong.
 */
int tcp_reply_parse(const __u8 *buf, size_t len, struct tcp_reply *r,
		    const char **why);

#endif /* EGRESS_TEST_FRAMES_H */
