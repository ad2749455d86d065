// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "errmsg.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define SLL_HLEN	16	/* Linux cooked v1: protocol at offset 14 */
#define SLL2_HLEN	20	/* Linux cooked v2: protocol at offset 0 */
#define NULL_HLEN	4	/* BSD loopback: address family, 4 bytes */
#define VLAN_HLEN	4
#define VLAN_MAX_TAGS	8

#define ETH_P_IPV4	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define ETH_P_QINQ1	0x9100

static bool linktype_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
#ifdef DLT_IPV6
	case DLT_IPV6:
#endif
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

int capture_open(struct capture *c, const char *path, bool strip_vlan,
		 char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->strip_vlan = strip_vlan;
	f = fopen(path, "rbe");
	if (!f)
		return egress_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	c->pcap = pcap_fopen_offline(f, pcap_err);	/* owns f from here */
	if (!c->pcap) {
		fclose(f);
		return egress_errf(err, errlen, -EINVAL, "%s: not a readable capture (%s)",
			    path, pcap_err);
	}
	c->linktype = pcap_datalink(c->pcap);
	if (!linktype_supported(c->linktype)) {
		int ret = egress_errf(err, errlen, -EPROTONOSUPPORT,
			       "%s: link type %s is not supported (Ethernet, Linux cooked, raw IP and BSD loopback are)",
			       path, capture_linktype_name(c));

		capture_close(c);
		return ret;
	}
	return 0;
}

void capture_close(struct capture *c)
{
	if (c->pcap)
		pcap_close(c->pcap);
	free(c->buf);
	c->pcap = NULL;
	c->buf = NULL;
	c->buf_size = 0;
}

const char *capture_linktype_name(const struct capture *c)
{
	const char *name = pcap_datalink_val_to_name(c->linktype);

	return name ? name : "unknown";
}

static int reserve(struct capture *c, size_t size)
{
	__u8 *nb;

	if (size <= c->buf_size)
		return 0;
	nb = realloc(c->buf, size);
	if (!nb)
		return -ENOMEM;
	c->buf = nb;
	c->buf_size = size;
	return 0;
}

static __u16 get_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u16 ethertype_of_ip(const __u8 *l3, __u32 len)
{
	if (!len)
		return 0;
	switch (l3[0] >> 4) {
	case 4:
		return ETH_P_IPV4;
	case 6:
		return ETH_P_IPV6;
	default:
		return 0;	/* refused by the data path as an ethertype */
	}
}

/* Puts a zero-MAC Ethernet header with ethertype in front of l3. */
static int synthesize(struct capture *c, struct frame *f, __u16 ethertype,
		      const __u8 *l3, __u32 caplen, __u32 wire_len)
{
	int ret = reserve(c, CAPTURE_ETH_HLEN + (size_t)caplen);

	if (ret)
		return ret;
	memset(c->buf, 0, 12);
	c->buf[12] = ethertype >> 8;
	c->buf[13] = ethertype & 0xff;
	memcpy(c->buf + CAPTURE_ETH_HLEN, l3, caplen);
	f->data = c->buf;
	f->len = CAPTURE_ETH_HLEN + caplen;
	f->wire_len = CAPTURE_ETH_HLEN + wire_len;
	f->synthetic_eth = true;
	return 0;
}

static bool is_vlan_ethertype(__u16 t)
{
	return t == ETH_P_8021Q || t == ETH_P_8021AD || t == ETH_P_QINQ1;
}

/* Removes the VLAN tags after the MAC addresses. */
static void strip_vlan_tags(struct frame *f)
{
	for (int i = 0; i < VLAN_MAX_TAGS; i++) {
		if (f->len < CAPTURE_ETH_HLEN + VLAN_HLEN ||
		    !is_vlan_ethertype(get_be16(f->data + 12)))
			return;
		memmove(f->data + 12, f->data + 12 + VLAN_HLEN,
			f->len - 12 - VLAN_HLEN);
		f->len -= VLAN_HLEN;
		f->wire_len -= VLAN_HLEN;
	}
}

static int normalise(struct capture *c, struct frame *f, const __u8 *pkt,
		     __u32 caplen, __u32 wire_len)
{
	__u32 hlen;
	__u16 proto;
	int ret;

	switch (c->linktype) {
	case DLT_EN10MB:
		ret = reserve(c, caplen > CAPTURE_ETH_HLEN ? caplen : CAPTURE_ETH_HLEN);
		if (ret)
			return ret;
		memcpy(c->buf, pkt, caplen);
		f->data = c->buf;
		f->len = caplen;
		f->wire_len = wire_len;
		f->synthetic_eth = false;
		if (c->strip_vlan)
			strip_vlan_tags(f);
		return 0;
	case DLT_LINUX_SLL:
		hlen = SLL_HLEN;
		proto = caplen >= SLL_HLEN ? get_be16(pkt + 14) : 0;
		break;
	case DLT_LINUX_SLL2:
		hlen = SLL2_HLEN;
		proto = caplen >= SLL2_HLEN ? get_be16(pkt) : 0;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		hlen = NULL_HLEN;
		proto = caplen > NULL_HLEN ? ethertype_of_ip(pkt + NULL_HLEN, 1) : 0;
		break;
	default:	/* raw IP of either version */
		hlen = 0;
		proto = ethertype_of_ip(pkt, caplen);
		break;
	}
	if (caplen < hlen)
		return synthesize(c, f, proto, pkt, 0, 0);
	return synthesize(c, f, proto, pkt + hlen, caplen - hlen,
			  wire_len > hlen ? wire_len - hlen : 0);
}

int capture_next(struct capture *c, struct frame *f, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int ret;

	ret = pcap_next_ex(c->pcap, &h, &pkt);
	if (ret == PCAP_ERROR_BREAK)
		return 0;
	if (ret != 1)
		return egress_errf(err, errlen, -EIO, "%s: frame %llu: %s", c->path,
			    (unsigned long long)c->index + 1, pcap_geterr(c->pcap));
	c->index++;
	f->index = c->index;
	ret = normalise(c, f, pkt, h->caplen, h->len < h->caplen ? h->caplen : h->len);
	if (ret)
		return egress_errf(err, errlen, ret, "%s: frame %llu: %s", c->path,
			    (unsigned long long)c->index, strerror(-ret));
	return 1;
}
