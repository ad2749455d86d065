// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pcap/pcap.h>

#include "bytes.h"
#include "linktype.h"

#define ETH_HLEN	14
#define SLL_HLEN	16
#define SLL2_HLEN	20
#define NULL_HLEN	4
#define VLAN_HLEN	4
#define VLAN_MAX_DEPTH	4

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define ETH_P_QINQ1	0x9100

int linktype_check(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

static int is_vlan(uint16_t proto)
{
	return proto == ETH_P_8021Q || proto == ETH_P_8021AD ||
	       proto == ETH_P_QINQ1;
}

/*
 * proto is the EtherType found just before off; skip any VLAN tags and
 * land on an IPv4 or IPv6 header.
 */
static int ethertype_l3(uint16_t proto, const uint8_t *pkt, size_t caplen,
			size_t *off)
{
	int depth;

	for (depth = 0; is_vlan(proto); depth++) {
		if (depth == VLAN_MAX_DEPTH)
			return -ENOENT;
		if (caplen < *off + VLAN_HLEN)
			return -EINVAL;
		proto = get_be16(pkt + *off + 2);
		*off += VLAN_HLEN;
	}
	if (proto != ETH_P_IP && proto != ETH_P_IPV6)
		return -ENOENT;
	return 0;
}

static int ip_version_l3(const uint8_t *pkt, size_t caplen, size_t off)
{
	unsigned int version;

	if (caplen <= off)
		return -EINVAL;
	version = pkt[off] >> 4;
	return version == 4 || version == 6 ? 0 : -ENOENT;
}

int linktype_l3_offset(int dlt, const uint8_t *pkt, size_t caplen, size_t *off)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < ETH_HLEN)
			return -EINVAL;
		*off = ETH_HLEN;
		return ethertype_l3(get_be16(pkt + 12), pkt, caplen, off);
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return -EINVAL;
		*off = SLL_HLEN;
		return ethertype_l3(get_be16(pkt + 14), pkt, caplen, off);
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return -EINVAL;
		*off = SLL2_HLEN;
		return ethertype_l3(get_be16(pkt), pkt, caplen, off);
	case DLT_NULL:
	case DLT_LOOP:
		*off = NULL_HLEN;
		return ip_version_l3(pkt, caplen, *off);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		*off = 0;
		return ip_version_l3(pkt, caplen, *off);
	default:
		return -EPROTONOSUPPORT;
	}
}
