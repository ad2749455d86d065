/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turns the frame in hand into a TCP RST answering it (RFC 9293
 * 3.10.7.1), to be sent back to the guest with XDP_TX: a denied connection
 * fails at once instead of timing out.
 */
#ifndef EGRESS_BPF_RST_H
#define EGRESS_BPF_RST_H

#include "maps.h"
#include "lib/csum.h"
#include "lib/parse.h"
#include "reply.h"

#define EG_TCP_FIN 0x01
#define EG_TCP_SYN 0x02
#define EG_TCP_RST 0x04
#define EG_TCP_ACK 0x10

/* Global: its frame stays off the callers' stacks. */
__noinline int send_rst(eg_ctx_t *ctx, const struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th;
	__u32 seq, ack_seq, seg_len;
	__be32 nseq, nack;
	__u8 nflags;
	int off;

	if (!p || (p->tcp_flags & EG_TCP_RST))
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

	off = reply_headers(ctx, p, IPPROTO_TCP, sizeof(*th));
	if (off < 0)
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	th = data + off;
	if ((void *)(th + 1) > data_end)
		return XDP_DROP;

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
	return eg_ctx_tx(ctx);
}

#endif /* EGRESS_BPF_RST_H */
