/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Answers to the guest built in place from its own frame, to be sent back
 * as XDP_TX: a TCP RST (rst.h), a DNS NXDOMAIN (dns_query.h).
 */
#ifndef EGRESS_BPF_REPLY_H
#define EGRESS_BPF_REPLY_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include "lib/csum.h"
#include "ctx.h"
#include "lib/parse.h"

/*
 * Makes the frame Ethernet + a fresh IPv4 or IPv6 header + l4_len bytes,
 * from p's destination back to its source (MACs and addresses swapped).
 * Returns the offset of the L4 header, for the caller to write, or -1.
 */
EG_INLINE int reply_headers(eg_ctx_t *ctx, const struct pkt *p,
			    __u8 l4proto, __u32 l4_len)
{
	__u32 ip_len = p->family == 4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	void *data, *data_end;
	struct ethhdr *eth;

	if (eg_ctx_resize(ctx, sizeof(*eth) + ip_len + l4_len))
		return -1;
	data = eg_ctx_data(ctx);
	data_end = eg_ctx_data_end(ctx);
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	eg_memcpy(eth->h_dest, p->smac, 6);
	eg_memcpy(eth->h_source, p->dmac, 6);

	if (p->family == 4) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end)
			return -1;
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = 0;
		iph->tot_len = eg_htons(sizeof(*iph) + l4_len);
		iph->id = 0;
		iph->frag_off = eg_htons(0x4000);	/* DF */
		iph->ttl = 64;
		iph->protocol = l4proto;
		iph->check = 0;
		eg_memcpy(&iph->saddr, p->daddr + 12, 4);
		eg_memcpy(&iph->daddr, p->saddr + 12, 4);
		iph->check = csum_ipv4_hdr(iph);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		*(__be32 *)ip6 = eg_htonl(0x60000000);	/* version, no class/label */
		ip6->payload_len = eg_htons(l4_len);
		ip6->nexthdr = l4proto;
		ip6->hop_limit = 64;
		eg_memcpy(&ip6->saddr, p->daddr, 16);
		eg_memcpy(&ip6->daddr, p->saddr, 16);
	}
	return sizeof(*eth) + ip_len;
}

#endif /* EGRESS_BPF_REPLY_H */
