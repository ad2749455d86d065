// SPDX-License-Identifier: GPL-2.0-only
/*
 * egressd's data path.
 *
 * xdp_egress runs on frames the guest transmits (RX on the host side of its
 * tap/veth) and decides them in the order of DESIGN section 4. tc_to_sandbox
 * runs on frames travelling to the guest (TX on the host side) and notes
 * connections opened from outside so that their replies pass.
 */
#include <linux/pkt_cls.h>
#include "maps.h"
#include "lib/parse.h"
#include "lib/decision.h"
#include "policy.h"
#include "event.h"
#include "rst.h"

char LICENSE[] SEC("license") = "GPL";

EG_INLINE __u8 pkt_proto(const struct pkt *p)
{
	if (p->eth_proto == ETH_P_ARP)
		return EGRESS_PROTO_ARP;
	switch (p->l4proto) {
	case IPPROTO_TCP:
		return EGRESS_PROTO_TCP;
	case IPPROTO_UDP:
		return EGRESS_PROTO_UDP;
	case IPPROTO_ICMP:
	case EG_IPPROTO_ICMPV6:
		return EGRESS_PROTO_ICMP;
	default:
		return p->family ? EGRESS_PROTO_OTHER : EGRESS_PROTO_L2;
	}
}

/*
 * What a sandbox may always send: DHCP client discovery (broadcast, or to
 * the all-DHCP-agents group) and ICMPv6 ND/MLD. Unicast DHCP (renewals) is
 * ordinary traffic: the lease is rebound by broadcast if policy denies it.
 */
EG_INLINE bool always_passes(const struct pkt *p)
{
	if (p->flags & PKT_F_FRAG)
		return false;
	if (p->l4proto == IPPROTO_UDP)
		return (p->family == 4 && p->sport == 68 && p->dport == 67 &&
			*(const __u32 *)(p->daddr + 12) == 0xffffffff) ||
		       (p->family == 6 && p->sport == 546 && p->dport == 547 &&
			p->daddr[0] == 0xff && p->daddr[1] == 0x02);
	if (p->l4proto == EG_IPPROTO_ICMPV6) {
		__u8 t = p->icmp_type;

		return (t >= 133 && t <= 137) || (t >= 130 && t <= 132) ||
		       t == 143;
	}
	return false;
}

EG_INLINE bool mac_equal(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

EG_INLINE bool src_addr_allowed(const struct egress_sandbox *sb, const __u8 *addr)
{
	struct egress_src_key key = { .sandbox_id = sb->id };

	eg_memcpy(key.addr, addr, 16);
	return bpf_map_lookup_elem(&src_addrs, &key) != NULL;
}

/* Enforces a decision on the frame in hand. */
EG_INLINE int enforce(struct xdp_md *ctx, const struct pkt *p,
		      const struct decision *d)
{
	if (d->verdict == EGRESS_ALLOWED)
		return XDP_PASS;
	if (p->l4proto == IPPROTO_TCP && !(p->flags & PKT_F_FRAG))
		return xdp_send_rst(ctx, p);
	return XDP_DROP;
}

/* A frame refused outright, in every mode: one (rate-limited) event. */
EG_INLINE int refuse(const struct egress_sandbox *sb, const struct pkt *p,
		     __u8 reason)
{
	struct decision d;

	decision_set(&d, EGRESS_DENIED, reason, EGRESS_SCOPE_NONE, 0);
	event_emit(sb, p, &d, pkt_proto(p));
	return XDP_DROP;
}

/* Steps 3, 4 and 6-8 for the first packet of a flow (or a fragment). */
EG_INLINE void decide(const struct egress_sandbox *sb, const struct pkt *p,
		      struct decision *d)
{
	if (sb->mode == EGRESS_MODE_DENY_ALL) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_ALL,
			     EGRESS_SCOPE_NONE, 0);
		return;
	}
	if (always_denied(sb, p->daddr, d))
		return;
	if (pkt_proto(p) == EGRESS_PROTO_ICMP && !(p->flags & PKT_F_FRAG)) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_ICMP,
			     EGRESS_SCOPE_NONE, 0);
		return;
	}
	if (sb->mode == EGRESS_MODE_ALLOW_ALL) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_MODE_ALLOW,
			     EGRESS_SCOPE_NONE, 0);
		return;
	}
	if (!ip_policy(sb, p->daddr, d) && (p->flags & PKT_F_FRAG))
		d->reason = EGRESS_REASON_FRAGMENT;
	decision_apply_mode(d, sb->mode);
}

/* Global (verified on its own): the TCP/UDP/ICMP/other flow path. */
__noinline int handle_flow(struct xdp_md *ctx, const struct egress_sandbox *sb,
			   const struct pkt *p)
{
	struct egress_flow_key key = {};
	struct egress_flow *f, nf = {};
	struct decision d;
	void *table;

	if (!sb || !p)
		return XDP_DROP;
	key.sport = p->sport;
	key.dport = p->dport;
	key.l4proto = p->l4proto;
	table = bpf_map_lookup_elem(&flows, &sb->id);
	if (!table) {
		/* Userspace registered no flow table: decide every packet. */
		stat_add(EGRESS_STAT_NO_FLOW_TABLE, 1);
		decide(sb, p, &d);
		event_emit(sb, p, &d, pkt_proto(p));
		return enforce(ctx, p, &d);
	}
	eg_memcpy(key.saddr, p->saddr, 16);
	eg_memcpy(key.daddr, p->daddr, 16);

	f = bpf_map_lookup_elem(table, &key);
	if (f && (f->flags & EGRESS_FLOW_F_INBOUND)) {
		/* replies to a connection from outside; deny-all stops even those */
		return sb->mode == EGRESS_MODE_DENY_ALL ? XDP_DROP : XDP_PASS;
	}
	if (f && f->generation == sb->generation) {
		if (f->verdict == EGRESS_ALLOWED)
			return XDP_PASS;
		return XDP_DROP;
	}

	decide(sb, p, &d);
	if (f) {
		/* Policy changed since this flow was decided: re-decide it. */
		bool changed = f->verdict != d.verdict ||
			       f->rule_id != d.rule_id ||
			       !!(f->flags & EGRESS_FLOW_F_WOULD_DENY) != d.would_deny;

		f->verdict = d.verdict;
		f->reason = d.reason;
		f->scope = d.scope;
		f->rule_id = d.rule_id;
		f->flags = d.would_deny ? EGRESS_FLOW_F_WOULD_DENY : 0;
		f->generation = sb->generation;
		if (changed)
			event_emit(sb, p, &d, pkt_proto(p));
		return enforce(ctx, p, &d);
	}

	nf.decided_ns = bpf_ktime_get_ns();
	nf.generation = sb->generation;
	nf.rule_id = d.rule_id;
	nf.verdict = d.verdict;
	nf.reason = d.reason;
	nf.scope = d.scope;
	nf.state = EGRESS_FLOW_DECIDED;
	nf.flags = d.would_deny ? EGRESS_FLOW_F_WOULD_DENY : 0;
	nf.proto = pkt_proto(p);
	if (bpf_map_update_elem(table, &key, &nf, BPF_ANY)) {
		/* Nothing remembered: the next packet is decided afresh. */
		stat_add(EGRESS_STAT_FLOW_INSERT_FAILED, 1);
	}
	event_emit(sb, p, &d, nf.proto);
	return enforce(ctx, p, &d);
}

__noinline int xdp_parse(struct xdp_md *ctx, struct pkt *p)
{
	if (!p)
		return PARSE_ERR_TRUNCATED;
	p->frame_len = bpf_xdp_get_buff_len(ctx);
	return parse_frame(p, (void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

SEC("xdp.frags")
int xdp_egress(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	struct egress_sandbox *sb;
	struct decision d;
	struct pkt p = {};
	int err;

	sb = bpf_map_lookup_elem(&sandboxes, &ifindex);
	if (!sb)
		return XDP_PASS;	/* not a sandbox interface */

	err = xdp_parse(ctx, &p);

	/* 1. L2: in every mode. */
	if (err == PARSE_ERR_VLAN)
		return refuse(sb, &p, EGRESS_REASON_VLAN);
	if (err == PARSE_ERR_ETHERTYPE)
		return refuse(sb, &p, EGRESS_REASON_ETHERTYPE);
	if ((sb->flags & EGRESS_SB_F_CHECK_MAC) && !mac_equal(p.smac, sb->mac))
		return refuse(sb, &p, EGRESS_REASON_SPOOFED_SOURCE);

	/* 2. L3: what cannot be parsed fails closed (per mode). */
	if (err) {
		__u8 reason = EGRESS_REASON_PARSE_FAILURE;

		if (err == PARSE_ERR_SOURCE_ROUTE)
			reason = EGRESS_REASON_SOURCE_ROUTE;
		else if (err == PARSE_ERR_IP_OPTIONS)
			reason = EGRESS_REASON_IP_OPTIONS;
		decision_set(&d, EGRESS_DENIED, reason, EGRESS_SCOPE_NONE, 0);
		if (sb->mode != EGRESS_MODE_DENY_ALL)
			decision_apply_mode(&d, sb->mode);
		event_emit(sb, &p, &d, pkt_proto(&p));
		return d.verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP;
	}

	if (p.eth_proto == ETH_P_ARP) {
		if ((sb->flags & EGRESS_SB_F_CHECK_MAC) && !mac_equal(p.arp_sha, sb->mac))
			return refuse(sb, &p, EGRESS_REASON_SPOOFED_SOURCE);
		if ((sb->flags & EGRESS_SB_F_CHECK_IP) &&
		    *(__u32 *)(p.saddr + 12) != 0 &&	/* ARP probe */
		    !src_addr_allowed(sb, p.saddr))
			return refuse(sb, &p, EGRESS_REASON_SPOOFED_SOURCE);
		return XDP_PASS;
	}
	if (always_passes(&p))
		return XDP_PASS;
	if ((sb->flags & EGRESS_SB_F_CHECK_IP) && !src_addr_allowed(sb, p.saddr))
		return refuse(sb, &p, EGRESS_REASON_SPOOFED_SOURCE);

	if (p.flags & PKT_F_FRAG) {
		/* A fragment carries no port or name: IP rules alone decide. */
		decide(sb, &p, &d);
		event_emit(sb, &p, &d, pkt_proto(&p));
		return d.verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP;
	}
	return handle_flow(ctx, sb, &p);
}

SEC("tc")
int tc_to_sandbox(struct __sk_buff *skb)
{
	struct egress_flow_key key = { .l4proto = IPPROTO_TCP };
	struct egress_flow nf = {
		.verdict = EGRESS_ALLOWED,
		.reason = EGRESS_REASON_INBOUND,
		.state = EGRESS_FLOW_DECIDED,
		.flags = EGRESS_FLOW_F_INBOUND,
		.proto = EGRESS_PROTO_TCP,
	};
	__u32 ifindex = skb->ifindex;
	struct egress_sandbox *sb;
	struct pkt p = {};
	void *data, *data_end, *table;
	__u32 want = 128;

	sb = bpf_map_lookup_elem(&sandboxes, &ifindex);
	if (!sb)
		return TC_ACT_OK;
	if (skb->len < want)
		want = skb->len;
	if ((void *)(long)skb->data + want > (void *)(long)skb->data_end)
		bpf_skb_pull_data(skb, want);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	p.frame_len = skb->len;
	if (parse_frame(&p, data, data_end))
		return TC_ACT_OK;

	/* A connection opened from outside: its replies belong to it. */
	if (p.l4proto != IPPROTO_TCP || (p.flags & PKT_F_FRAG) ||
	    (p.tcp_flags & (EG_TCP_SYN | EG_TCP_ACK)) != EG_TCP_SYN)
		return TC_ACT_OK;
	table = bpf_map_lookup_elem(&flows, &sb->id);
	if (!table)
		return TC_ACT_OK;
	eg_memcpy(key.saddr, p.daddr, 16);
	eg_memcpy(key.daddr, p.saddr, 16);
	key.sport = p.dport;
	key.dport = p.sport;
	nf.decided_ns = bpf_ktime_get_ns();
	nf.generation = sb->generation;
	if (bpf_map_update_elem(table, &key, &nf, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(table, &key))
		stat_add(EGRESS_STAT_FLOW_INSERT_FAILED, 1);
	return TC_ACT_OK;
}
