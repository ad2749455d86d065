// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "frame.h"

#define ETH_P_IPV4	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_IPV6	0x86dd
#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define UDP_HLEN	8
#define ARP_LEN		28
#define IPPROTO_UDP_	17
#define VLAN_MAX_TAGS	8

static __u16 get_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static void put_be16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void v4_mapped(__u8 dst[16], const __u8 *a)
{
	memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	memcpy(dst + 12, a, 4);
}

/* The offset of the L3 header, past any VLAN tags; 0 when there is none. */
static __u32 l3_offset(const __u8 *data, __u32 len, __u16 *ethertype)
{
	__u32 off = 12;

	for (int i = 0; i <= VLAN_MAX_TAGS; i++) {
		if (len < off + 2)
			return 0;
		*ethertype = get_be16(data + off);
		if (*ethertype != 0x8100 && *ethertype != 0x88a8 &&
		    *ethertype != 0x9100)
			return off + 2;
		off += 4;
	}
	return 0;
}

void frame_peek(const __u8 *data, __u32 len, struct frame_l3 *l3)
{
	__u16 type = 0;
	__u32 off = l3_offset(data, len, &type);
	const __u8 *h = data + off;

	memset(l3, 0, sizeof(*l3));
	if (!off)
		return;
	if (type == ETH_P_IPV4 && len >= off + IPV4_HLEN && (h[0] >> 4) == 4) {
		v4_mapped(l3->saddr, h + 12);
		v4_mapped(l3->daddr, h + 16);
		l3->kind = FRAME_L3_IP;
	} else if (type == ETH_P_IPV6 && len >= off + IPV6_HLEN &&
		   (h[0] >> 4) == 6) {
		memcpy(l3->saddr, h + 8, 16);
		memcpy(l3->daddr, h + 24, 16);
		l3->kind = FRAME_L3_IP;
	} else if (type == ETH_P_ARP && len >= off + ARP_LEN &&
		   get_be16(h) == 1 && get_be16(h + 2) == ETH_P_IPV4 &&
		   h[4] == 6 && h[5] == 4) {
		v4_mapped(l3->saddr, h + 14);
		v4_mapped(l3->daddr, h + 24);
		l3->kind = FRAME_L3_ARP;
	}
}

static void ipv4_csum_fix(__u8 *h, __u32 hlen)
{
	__u32 sum = 0;

	h[10] = h[11] = 0;
	for (__u32 i = 0; i + 1 < hlen; i += 2)
		sum += get_be16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put_be16(h + 10, (__u16)~sum);
}

static void udp_len_clip(__u8 *udp, __u32 room)
{
	if (room >= UDP_HLEN && get_be16(udp + 4) > room)
		put_be16(udp + 4, (__u16)room);
}

__u32 frame_clip(__u8 *data, __u32 len, __u32 max)
{
	__u16 type = 0;
	__u32 off;
	__u8 *h;

	if (len <= max)
		return len;
	len = max;
	off = l3_offset(data, len, &type);
	h = data + off;
	if (!off)
		return len;
	if (type == ETH_P_IPV4 && len >= off + IPV4_HLEN) {
		__u32 hlen = (h[0] & 0x0f) * 4, room = len - off;

		if (hlen < IPV4_HLEN || room < hlen)
			return len;
		if (get_be16(h + 2) > room) {
			put_be16(h + 2, (__u16)room);
			ipv4_csum_fix(h, hlen);
		}
		if (h[9] == IPPROTO_UDP_ && !(get_be16(h + 6) & 0x1fff))
			udp_len_clip(h + hlen, room - hlen);
	} else if (type == ETH_P_IPV6 && len >= off + IPV6_HLEN) {
		__u32 room = len - off - IPV6_HLEN;

		if (get_be16(h + 4) > room)
			put_be16(h + 4, (__u16)room);
		if (h[6] == IPPROTO_UDP_)
			udp_len_clip(h + IPV6_HLEN, room);
	}
	return len;
}

void frame_set_macs(__u8 *data, const __u8 src[6], const __u8 dst[6])
{
	memcpy(data, dst, 6);
	memcpy(data + 6, src, 6);
}

const __u8 *frame_src_mac(const __u8 *data)
{
	return data + 6;
}

bool mac_is_unicast(const __u8 mac[6])
{
	static const __u8 zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6);
}
