/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turns the frame in an XDP buffer into a TCP RST answering it (RFC 9293
 * 3.10.7.1), to be sent back to the guest with XDP_TX: a denied connection
 * fails at once instead of timing out.
 */
#ifndef EGRESS_BPF_RST_H
#define EGRESS_BPF_RST_H

#include "maps.h"
#include "lib/csum.h"
#include "lib/parse.h"

#define EG_TCP_FIN 0x01
#define EG_TCP_SYN 0x02
#define EG_TCP_RST 0x04
#define EG_TCP_ACK 0x10

EG_INLINE int xdp_send_rst(struct xdp_md *ctx, const struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th;
	__u32 seq, ack_seq, seg_len, new_len, ip_len;
	__be32 nseq, nack;
	__u8 nflags;
	int delta;

	if (p->tcp_flags & EG_TCP_RST)
		return XDP_DROP;	/* never answer a RST */
	if (p->l4_off > EG_MAX_HDR_OFF)
		return XDP_DROP;
	th = data + p->l4_off;
	if ((void *)(th + 1) > data_end)
		return XDP_DROP;
	seq = eg_ntohl(th->seq);
	ack_seq = th->ack_seq;
	seg_len = p->payload_len + !!(p->tcp_flags & EG_TCP_SYN) +
		  !!(p->tcp_flags & EG_TCP_FIN);
	if (p->tcp_flags & EG_TCP_ACK) {
		nseq = ack_seq;
		nack = 0;
		nflags = EG_TCP_RST;
	} else {
		nseq = 0;
		nack = eg_htonl(seq + seg_len);
		nflags = EG_TCP_RST | EG_TCP_ACK;
	}

	ip_len = p->family == 4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	new_len = sizeof(struct ethhdr) + ip_len + sizeof(struct tcphdr);
	delta = (int)new_len - (int)bpf_xdp_get_buff_len(ctx);
	if (delta > 0 || bpf_xdp_adjust_tail(ctx, delta))
		return XDP_DROP;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) + sizeof(struct ipv6hdr) +
	    sizeof(struct tcphdr) > data_end && p->family == 6)
		return XDP_DROP;
	if (data + sizeof(struct ethhdr) + sizeof(struct iphdr) +
	    sizeof(struct tcphdr) > data_end)
		return XDP_DROP;

	struct ethhdr *eth = data;

	eg_memcpy(eth->h_dest, p->smac, 6);
	eg_memcpy(eth->h_source, p->dmac, 6);

	if (p->family == 4) {
		struct iphdr *iph = (void *)(eth + 1);

		th = (void *)(iph + 1);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = 0;
		iph->tot_len = eg_htons(sizeof(*iph) + sizeof(*th));
		iph->id = 0;
		iph->frag_off = eg_htons(0x4000);	/* DF */
		iph->ttl = 64;
		iph->protocol = IPPROTO_TCP;
		iph->check = 0;
		eg_memcpy(&iph->saddr, p->daddr + 12, 4);
		eg_memcpy(&iph->daddr, p->saddr + 12, 4);
		iph->check = csum_ipv4_hdr(iph);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) + sizeof(*th) > data_end)
			return XDP_DROP;
		th = (void *)(ip6 + 1);
		*(__be32 *)ip6 = eg_htonl(0x60000000);	/* version, no class/label */
		ip6->payload_len = eg_htons(sizeof(*th));
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = 64;
		eg_memcpy(&ip6->saddr, p->daddr, 16);
		eg_memcpy(&ip6->daddr, p->saddr, 16);
	}

	eg_memset(th, 0, sizeof(*th));
	th->source = eg_htons(p->dport);
	th->dest = eg_htons(p->sport);
	th->seq = nseq;
	th->ack_seq = nack;
	th->doff = 5;
	((__u8 *)th)[13] = nflags;
	if (p->family == 4)
		th->check = csum_l4(4, p->daddr + 12, p->saddr + 12, IPPROTO_TCP,
				    th, sizeof(*th) / 2);
	else
		th->check = csum_l4(6, p->daddr, p->saddr, IPPROTO_TCP,
				    th, sizeof(*th) / 2);
	stat_add(EGRESS_STAT_RST_SENT, 1);
	return XDP_TX;
}

#endif /* EGRESS_BPF_RST_H */
