// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DNS parsers of bpf/lib/dns.h as the data path would run them, for
 * the verifier to check and for the tests to compare with userspace: the
 * UDP payload of a frame copied into a per-CPU map value, then
 *   dns_query (XDP): eg_dns_query_parse(), and for a query that parses,
 *     eg_dns_nxdomain() over it, written back over the payload (XDP_TX);
 *   dns_answer (tc) and dns_answer_xdp (XDP, frames too long for a tc
 *     test run): eg_dns_answer_parse().
 * Only IPv4 without options and IPv6 without extension headers: the frames
 * are the tests' own.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "dns_check.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_check);
} check SEC(".maps");

#define UDP_HLEN	8

/* len, for 1 <= len <= cap (a power of 2), in a form the verifier bounds */
#define EG_DNS_BUF_POW2	1024	/* a power of 2 above EG_DNS_BUF */
#define COPY_LEN(len, cap)	((((len) - 1) & ((cap) - 1)) + 1)

/* Where the UDP payload of the frame starts and how long it is. */
static __always_inline int udp_payload(const __u8 *hdr, __u32 avail, __u32 *off, __u32 *len)
{
	__u32 l3 = ETH_HLEN, l4, ulen;
	__u16 proto;

	if (avail < ETH_HLEN + 40 + UDP_HLEN)
		return -1;
	proto = (__u16)hdr[12] << 8 | hdr[13];
	if (proto == ETH_P_IP) {
		if (hdr[l3] != 0x45 || hdr[l3 + 9] != IPPROTO_UDP)
			return -1;
		l4 = l3 + 20;
	} else if (proto == ETH_P_IPV6) {
		if (hdr[l3 + 6] != IPPROTO_UDP)
			return -1;
		l4 = l3 + 40;
	} else {
		return -1;
	}
	ulen = (__u32)hdr[l4 + 4] << 8 | hdr[l4 + 5];
	if (ulen < UDP_HLEN)
		return -1;
	*off = l4 + UDP_HLEN;
	*len = ulen - UDP_HLEN;
	return 0;
}

static __always_inline struct dns_check *check_value(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&check, &key);
}

SEC("xdp.frags")
int dns_query(struct xdp_md *ctx)
{
	struct dns_check *c = check_value();
	__u8 hdr[ETH_HLEN + 40 + UDP_HLEN];
	__u32 off, len, n;

	if (!c)
		return XDP_ABORTED;
	if (bpf_xdp_load_bytes(ctx, 0, hdr, sizeof(hdr)) ||
	    udp_payload(hdr, sizeof(hdr), &off, &len))
		return XDP_PASS;
	if (off + len > bpf_xdp_get_buff_len(ctx))
		return XDP_PASS;
	c->runs++;
	c->in_len = len;
	c->out_len = 0;
	if (len > 0 && len <= EG_DNS_CAP &&
	    bpf_xdp_load_bytes(ctx, off, c->msg, COPY_LEN(len, EG_DNS_CAP)))
		return XDP_ABORTED;
	c->status = eg_dns_query_parse(c->msg, len, &c->q, c->qname);
	if (c->status != EG_DNS_OK)
		return XDP_DROP;
	n = eg_dns_nxdomain(c->msg, &c->q);
	if (n == 0 || n > EG_DNS_BUF)
		return XDP_DROP;
	c->out_len = n;
	if (bpf_xdp_adjust_tail(ctx, (int)n - (int)len))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, off, c->msg, COPY_LEN(n, EG_DNS_BUF_POW2)))
		return XDP_ABORTED;
	return XDP_TX;
}

static __always_inline void answer(struct dns_check *c, __u32 len)
{
	c->runs++;
	c->in_len = len;
	c->out_len = 0;
	c->status = eg_dns_answer_parse(c->msg, len, &c->a, c->qname, c->chain);
}

SEC("tc")
int dns_answer(struct __sk_buff *skb)
{
	struct dns_check *c = check_value();
	__u8 hdr[ETH_HLEN + 40 + UDP_HLEN];
	__u32 off, len;

	if (!c)
		return TC_ACT_SHOT;
	if (bpf_skb_load_bytes(skb, 0, hdr, sizeof(hdr)) ||
	    udp_payload(hdr, sizeof(hdr), &off, &len))
		return TC_ACT_OK;
	if (off + len > skb->len)
		return TC_ACT_OK;
	if (len > 0 && len <= EG_DNS_ANSWER_CAP &&
	    bpf_skb_load_bytes(skb, off, c->msg, COPY_LEN(len, EG_DNS_ANSWER_CAP)))
		return TC_ACT_SHOT;
	answer(c, len);
	return TC_ACT_OK;
}

SEC("xdp.frags")
int dns_answer_xdp(struct xdp_md *ctx)
{
	struct dns_check *c = check_value();
	__u8 hdr[ETH_HLEN + 40 + UDP_HLEN];
	__u32 off, len;

	if (!c)
		return XDP_ABORTED;
	if (bpf_xdp_load_bytes(ctx, 0, hdr, sizeof(hdr)) ||
	    udp_payload(hdr, sizeof(hdr), &off, &len))
		return XDP_PASS;
	if (off + len > bpf_xdp_get_buff_len(ctx))
		return XDP_PASS;
	if (len > 0 && len <= EG_DNS_ANSWER_CAP &&
	    bpf_xdp_load_bytes(ctx, off, c->msg, COPY_LEN(len, EG_DNS_ANSWER_CAP)))
		return XDP_ABORTED;
	answer(c, len);
	return XDP_PASS;
}
