/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What replay needs to know about an Ethernet frame before the data path
 * sees it: its addresses (to tell which side sent it), and a way to cut it
 * to what a test run accepts with its headers still consistent.
 */
#ifndef EGRESS_REPLAY_FRAME_H
#define EGRESS_REPLAY_FRAME_H

#include <stdbool.h>
#include <linux/types.h>

enum frame_l3_kind {
	FRAME_L3_NONE = 0,	/* neither IP nor IPv4 ARP, or cut short */
	FRAME_L3_IP,		/* saddr/daddr from the IPv4/IPv6 header */
	FRAME_L3_ARP,		/* saddr/daddr: sender and target IPv4 */
};

struct frame_l3 {
	enum frame_l3_kind kind;
	__u8 saddr[16];		/* IPv4 as IPv4-mapped IPv6 */
	__u8 daddr[16];
};

/* Finds the frame's L3 addresses, looking through VLAN tags. */
void frame_peek(const __u8 *data, __u32 len, struct frame_l3 *l3);

/*
 * Cuts a frame to at most max bytes. The IPv4 total length (and header
 * checksum), IPv6 payload length and the length of a UDP header right after
 * the IP header are lowered to what is left, so the headers still parse.
 * Returns the new length.
 */
__u32 frame_clip(__u8 *data, __u32 len, __u32 max);

void frame_set_macs(__u8 *data, const __u8 src[6], const __u8 dst[6]);
const __u8 *frame_src_mac(const __u8 *data);
bool mac_is_unicast(const __u8 mac[6]);

#endif /* EGRESS_REPLAY_FRAME_H */
