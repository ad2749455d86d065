/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The frame the guest sent, as the decision code sees it. egress.bpf.c is
 * built twice from the same source: as an XDP program (xdp_egress) and, with
 * EG_TC_INGRESS defined, as a tc ingress classifier (tc_from_sandbox), the
 * attach mode that keeps a veth's or tap's GSO super-frames whole. Both give
 * their verdict as XDP_PASS, XDP_DROP or XDP_TX (the frame rewritten into an
 * answer to the guest, eg_ctx_tx); tc_from_sandbox turns it into its own.
 */
#ifndef EGRESS_BPF_CTX_H
#define EGRESS_BPF_CTX_H

#include <linux/pkt_cls.h>
#include "lib/compat.h"

#ifdef EG_TC_INGRESS

typedef struct __sk_buff eg_ctx_t;

EG_INLINE __u32 eg_ctx_ifindex(const eg_ctx_t *ctx)
{
	return ctx->ifindex;
}

EG_INLINE __u32 eg_ctx_len(eg_ctx_t *ctx)
{
	return ctx->len;
}

EG_INLINE int eg_ctx_load(eg_ctx_t *ctx, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes(ctx, off, to, len);
}

EG_INLINE int eg_ctx_store(eg_ctx_t *ctx, __u32 off, const void *from, __u32 len)
{
	return bpf_skb_store_bytes(ctx, off, from, len, 0);
}

/*
 * Makes the frame len bytes long, all of them in its linear part (an answer
 * is written in place). bpf_skb_change_tail() unclones and linearizes the
 * skb and resets a GSO super-frame's segmentation state.
 */
EG_INLINE int eg_ctx_resize(eg_ctx_t *ctx, __u32 len)
{
	if (bpf_skb_change_tail(ctx, len, 0))
		return -1;
	return bpf_skb_pull_data(ctx, len) ? -1 : 0;
}

/* Sends the frame (an answer written in place) back to the guest. */
EG_INLINE int eg_ctx_tx(eg_ctx_t *ctx)
{
	bpf_redirect(ctx->ifindex, 0);
	return XDP_TX;
}

/* Headers within this many bytes are parsed in place (pulled if need be). */
#define EG_CTX_PULL	256

#else /* XDP */

typedef struct xdp_md eg_ctx_t;

EG_INLINE __u32 eg_ctx_ifindex(const eg_ctx_t *ctx)
{
	return ctx->ingress_ifindex;
}

EG_INLINE __u32 eg_ctx_len(eg_ctx_t *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

EG_INLINE int eg_ctx_load(eg_ctx_t *ctx, __u32 off, void *to, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, to, len);
}

EG_INLINE int eg_ctx_store(eg_ctx_t *ctx, __u32 off, const void *from, __u32 len)
{
	return bpf_xdp_store_bytes(ctx, off, (void *)from, len);
}

EG_INLINE int eg_ctx_resize(eg_ctx_t *ctx, __u32 len)
{
	return bpf_xdp_adjust_tail(ctx, (int)len - (int)bpf_xdp_get_buff_len(ctx)) ? -1 : 0;
}

EG_INLINE int eg_ctx_tx(eg_ctx_t *ctx)
{
	return XDP_TX;
}

#endif

#define eg_ctx_data(ctx)	((void *)(long)(ctx)->data)
#define eg_ctx_data_end(ctx)	((void *)(long)(ctx)->data_end)

#endif /* EGRESS_BPF_CTX_H */
