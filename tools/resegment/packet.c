// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "packet.h"

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_TCP_		6
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_AH_		51
#define IPPROTO_DSTOPTS_	60

#define IPV4_MF		0x2000
#define IPV4_OFFMASK	0x1fff
#define IPV6_EXT_MAX	8

static int ipv4_parse(struct tcp_seg *s, const uint8_t *ip, size_t avail)
{
	size_t hlen, tot_len;

	if (avail < IPV4_HLEN_MIN)
		return -EINVAL;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	tot_len = get_be16(ip + 2);
	if (hlen < IPV4_HLEN_MIN || tot_len < hlen || tot_len > avail)
		return -EINVAL;
	if (ip[9] != IPPROTO_TCP_)
		return -ENOENT;
	if (get_be16(ip + 6) & (IPV4_MF | IPV4_OFFMASK))
		return -EOPNOTSUPP;
	s->version = 4;
	s->addr_len = 4;
	s->saddr = ip + 12;
	s->daddr = ip + 16;
	s->ip_hlen = hlen;
	s->payload_len = tot_len - hlen;	/* TCP header still included */
	return 0;
}

/*
 * Walk the extension headers up to TCP. The pseudo-header needs the final
 * destination, which only equals the IPv6 destination when no routing
 * header has segments left.
 */
static int ipv6_parse(struct tcp_seg *s, const uint8_t *ip, size_t avail)
{
	size_t plen, off = IPV6_HLEN, ext_len;
	uint8_t next;
	int i;

	if (avail < IPV6_HLEN)
		return -EINVAL;
	plen = get_be16(ip + 4);
	if (plen == 0)
		return -EOPNOTSUPP;
	if (IPV6_HLEN + plen > avail)
		return -EINVAL;
	next = ip[6];
	for (i = 0; next != IPPROTO_TCP_; i++) {
		switch (next) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_ROUTING_:
			break;
		case IPPROTO_FRAGMENT_:
		case IPPROTO_AH_:
			return -EOPNOTSUPP;
		default:
			return -ENOENT;
		}
		if (i == IPV6_EXT_MAX)
			return -EOPNOTSUPP;
		if (off + 8 > IPV6_HLEN + plen)
			return -EINVAL;
		if (next == IPPROTO_ROUTING_ && ip[off + 3] != 0)
			return -EOPNOTSUPP;
		ext_len = ((size_t)ip[off + 1] + 1) * 8;
		if (off + ext_len > IPV6_HLEN + plen)
			return -EINVAL;
		next = ip[off];
		off += ext_len;
	}
	s->version = 6;
	s->addr_len = 16;
	s->saddr = ip + 8;
	s->daddr = ip + 24;
	s->ip_hlen = off;
	s->payload_len = IPV6_HLEN + plen - off;
	return 0;
}

int tcp_seg_parse(struct tcp_seg *s, const uint8_t *pkt, size_t caplen,
		  size_t l3)
{
	const uint8_t *ip = pkt + l3, *th;
	size_t avail;
	int err;

	if (caplen <= l3)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->l3 = l3;
	avail = caplen - l3;
	switch (ip[0] >> 4) {
	case 4:
		err = ipv4_parse(s, ip, avail);
		break;
	case 6:
		err = ipv6_parse(s, ip, avail);
		break;
	default:
		err = -ENOENT;
	}
	if (err)
		return err;

	if (s->payload_len < TCP_HLEN_MIN)
		return -EINVAL;
	th = ip + s->ip_hlen;
	s->tcp_hlen = (size_t)(th[12] >> 4) * 4;
	if (s->tcp_hlen < TCP_HLEN_MIN || s->tcp_hlen > s->payload_len)
		return -EINVAL;
	s->payload_len -= s->tcp_hlen;
	s->sport = get_be16(th);
	s->dport = get_be16(th + 2);
	s->flags = th[13];
	return 0;
}
