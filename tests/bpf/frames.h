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


/* ---- TLS ClientHello, HTTP request, a guest's connection ------------------- */

#define HELLO_MAX	(24 * 1024)	/* handshake or raw bytes a builder makes */

/*
 * A ClientHello (TLS 1.3 as browsers send it). Extensions in this order:
 * server_name (unless sni_last), supported_groups, ec_point_formats,
 * signature_algorithms, supported_versions, psk_key_exchange_modes,
 * ALPN, key_share, encrypted_client_hello (ech), server_name (sni_last),
 * padding.
 */
struct hello_spec {
	const char *sni;	/* host_name, NULL: no server_name extension */
	__u8  sni_type;		/* the entry's name type (0: host_name) */
	const char *sni2;	/* a second entry in the same list */
	bool  sni_twice;	/* a second server_name extension, same name */
	bool  sni_last;		/* server_name after the key share */
	__u32 key_share;	/* bytes of an X25519MLKEM768 share (1216), 0: none */
	__u32 padding;		/* padding extension body bytes, 0: no padding */
	bool  ech;		/* an outer encrypted_client_hello (0xfe0d) */
	bool  no_ext;		/* no extensions block at all */
	__u32 record_size;	/* handshake bytes per TLS record, 0: one record */
};

/* Where things are: offsets into the handshake message (hs). */
struct hello_layout {
	__u32 hs_len;		/* the handshake message, header included */
	__u32 sid;		/* legacy_session_id length byte */
	__u32 exts;		/* the extensions block's 2-byte length */
	__u32 sni_ext;		/* the (first) server_name extension's type */
	__u32 sni_name;		/* the (first) host name's first byte */
};

/* The handshake message of spec into hs; returns its length. */
size_t hello_hs(const struct hello_spec *spec, __u8 *hs, size_t cap,
		struct hello_layout *lay);
/*
 * hs[0..hs_len) as TLS handshake records of record_size body bytes (0: one
 * record), into out; returns the raw length.
 */
size_t tls_records(const __u8 *hs, size_t hs_len, __u32 record_size,
		   __u8 *out, size_t cap);
/* The raw offset of handshake byte hs_off once wrapped so. */
size_t tls_raw_off(size_t hs_off, __u32 record_size);
/* hello_hs() then tls_records(): the raw stream bytes. */
size_t hello_build(const struct hello_spec *spec, __u8 *out, size_t cap,
		   struct hello_layout *lay);

/*
 * "METHOD target HTTP/1.1\r\n" + fields (each ending in CRLF, as given) +
 * CRLF, into out. Returns the length.
 */
size_t http_build(char *out, size_t cap, const char *method,
		  const char *target, const char *fields);

/*
 * A connection the guest opens: its SYN carries seq isn, its stream bytes
 * start at isn + 1; every later segment acknowledges the peer's byte
 * CONN_PEER_SEQ.
 */
#define CONN_ISN	1000
#define CONN_PEER_SEQ	70000

struct conn {
	const char *src;
	const char *dst;
	__u16 sport;
	__u16 dport;
	__u32 isn;
};

struct conn conn_of(const char *src, __u16 sport, const char *dst, __u16 dport);
struct pkt_spec conn_syn(const struct conn *c);
/* A SYN carrying len stream bytes (TCP Fast Open). */
struct pkt_spec conn_syn_data(const struct conn *c, const void *bytes, __u32 len);
/* The segment with stream bytes [off, off + len) (ACK|PSH). */
struct pkt_spec conn_seg(const struct conn *c, __u32 off, const void *bytes,
			 __u32 len);
/* FIN|ACK after off stream bytes. */
struct pkt_spec conn_fin(const struct conn *c, __u32 off);
/* The peer's ACK of n stream bytes, travelling to the guest (tc). */
struct pkt_spec conn_peer_ack(const struct conn *c, __u32 n);

#endif /* EGRESS_TEST_FRAMES_H */
