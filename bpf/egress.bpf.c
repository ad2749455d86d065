// SPDX-License-Identifier: GPL-2.0-only
/*
 * egressd's data path.
 *
 * from_sandbox decides the frames the guest transmits (RX on the host side
 * of its tap/veth) in the order of DESIGN section 4: as the XDP program
 * xdp_egress, and in the build with EG_TC_INGRESS (egress_in.bpf.o) as the
 * tc ingress classifier tc_from_sandbox (see ctx.h). tc_to_sandbox
 * runs on frames travelling to the guest (TX on the host side), learns DNS
 * answers (dns_answer.h) and notes connections opened from outside so that
 * their replies pass.
 */
#include <linux/pkt_cls.h>
#include "maps.h"
#include "ctx.h"
#include "lib/parse.h"
#include "lib/decision.h"
#include "policy.h"
#include "event.h"
#include "rst.h"
#include "stream.h"
#include "dns_query.h"
#include "dns_answer.h"
#include "binding.h"
#include "dns_tcp.h"
#include "lib/name_hash.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Ports whose traffic names no host we can see: QUIC (HTTP/3) and DNS over
 * TLS are denied in deny mode unless an IP rule allows the destination.
 * QUIC clients fall back to TCP, where the SNI is visible.
 */
#define EG_PORT_QUIC	443	/* UDP */
#define EG_PORT_DOT	853	/* TCP */

EG_INLINE __u8 pkt_proto(const struct pkt *p)
{
	if (p->eth_proto == ETH_P_ARP)
		return EGRESS_PROTO_ARP;
	switch (p->l4proto) {
	case IPPROTO_TCP:
		return p->dport == EG_PORT_DOT ? EGRESS_PROTO_DOT : EGRESS_PROTO_TCP;
	case IPPROTO_UDP:
		return p->dport == EG_PORT_QUIC && !(p->flags & PKT_F_FRAG) ?
		       EGRESS_PROTO_QUIC : EGRESS_PROTO_UDP;
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
EG_INLINE int enforce(eg_ctx_t *ctx, const struct pkt *p,
		      const struct decision *d)
{
	if (d->verdict == EGRESS_ALLOWED)
		return XDP_PASS;
	if (p->l4proto == IPPROTO_TCP && !(p->flags & PKT_F_FRAG))
		return send_rst(ctx, p);
	return XDP_DROP;
}

EG_INLINE void emit(const struct egress_sandbox *sb, const struct pkt *p,
		    const struct decision *d, __u8 proto)
{
	event_emit(sb, p, d, proto, NULL);
}

/*
 * A frame refused outright, in every mode: one (rate-limited) event. Global:
 * its decision stays off from_sandbox's stack.
 */
__noinline int refuse(const struct egress_sandbox *sb, const struct pkt *p,
		      __u8 reason)
{
	struct decision d;

	if (!sb || !p)
		return XDP_DROP;
	decision_set(&d, EGRESS_DENIED, reason, EGRESS_SCOPE_NONE, 0);
	emit(sb, p, &d, pkt_proto(p));
	return XDP_DROP;
}

/*
 * Decides by the destination address alone, per mode: what a flow that
 * carries no name gets (UDP, ICMP, other protocols, fragments, TCP that
 * turned out to carry no name); for TCP and UDP, an allowed name bound to
 * the address (bi, NULL: none may) admits it too.
 */
__noinline int decide_by_address(const struct egress_sandbox *sb,
				 const struct pkt *p, struct decision *d,
				 const struct binding_info *bi)
{
	struct policy_matches m = {};

	if (!sb || !p || !d)
		return -1;
	if (sb->mode == EGRESS_MODE_DENY_ALL) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_ALL,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	if (always_denied(sb, p->daddr, d))
		return 0;
	if (pkt_proto(p) == EGRESS_PROTO_ICMP && !(p->flags & PKT_F_FRAG)) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_ICMP,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	if (sb->mode == EGRESS_MODE_ALLOW_ALL) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_MODE_ALLOW,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	ip_matches(sb, p->daddr, &m);
	if (!policy_combine(&m, d)) {
		if (p->flags & PKT_F_FRAG)
			d->reason = EGRESS_REASON_FRAGMENT;
		else if (pkt_proto(p) == EGRESS_PROTO_QUIC)
			d->reason = EGRESS_REASON_QUIC_BLOCKED;
		else if (bi && (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP))
			binding_settle(sb, bi->allowed, &bi->d, d);
	}
	decision_apply_mode(d, sb->mode);
	return 0;
}

enum tcp_open {
	TCP_OPEN_PENDING = 0,	/* the flow waits for its first payload */
	TCP_OPEN_FINAL,		/* decided: *d */
	TCP_OPEN_BOUND,		/* only an allowed name bound to the address may
				   admit it: pending if one is, else denied */
};

/*
 * The decision at a TCP flow's first packet, before any name (enum
 * tcp_open): final (*d), or pending: in warn and allow-all always (to name
 * the host in the audit), in deny only when a name rule could still change
 * the verdict; so with no name rule that could allow it, a SYN to an
 * address no IP rule allows never leaves, and a SYN that only a bound name
 * could admit is left to the DNS bindings (looked up only then).
 */
__noinline int tcp_open_final(const struct egress_sandbox *sb,
			      const struct pkt *p, struct decision *d)
{
	struct policy_matches m = {};
	bool ruled;

	if (!sb || !p || !d)
		return TCP_OPEN_FINAL;
	if (sb->mode == EGRESS_MODE_DENY_ALL) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_ALL,
			     EGRESS_SCOPE_NONE, 0);
		return TCP_OPEN_FINAL;
	}
	ip_matches(sb, p->daddr, &m);
	ruled = policy_combine(&m, d);
	if (d->verdict == EGRESS_DENIED && d->scope == EGRESS_SCOPE_ALWAYS)
		return TCP_OPEN_FINAL;		/* the platform's, in every mode */
	if (sb->mode != EGRESS_MODE_DENY)
		return TCP_OPEN_PENDING;
	if (d->verdict == EGRESS_DENIED && ruled)
		return TCP_OPEN_FINAL;		/* a deny rule for the address */
	if (d->verdict == EGRESS_DENIED && p->dport == EG_PORT_DOT) {
		d->reason = EGRESS_REASON_DOT_BLOCKED;	/* no name allows DoT */
		return TCP_OPEN_FINAL;
	}
	if (d->verdict == EGRESS_ALLOWED)
		return name_rule_actions(sb) & NAMES_DENY ? TCP_OPEN_PENDING :
		       TCP_OPEN_FINAL;
	if (!(name_rule_actions(sb) & NAMES_ALLOW))
		return TCP_OPEN_FINAL;		/* no name could allow it */
	/*
	 * Only a name bound to the address may: the flow waits for its first
	 * bytes (the name they carry must be allowed and bound too); with no
	 * allowed name bound, its SYN never leaves.
	 */
	return p->tcp_flags & EG_TCP_SYN ? TCP_OPEN_BOUND : TCP_OPEN_PENDING;
}

/*
 * The remembered name of a flow, as suffix hashes (see egress_flow), from
 * s->name. Global: verified on its own.
 */
__noinline int flow_set_name(struct egress_flow *f, struct scratch *s)
{
	struct egress_config *cfg;
	__u32 zero = 0, labels;

	if (!f || !s || !s->name_len || s->name_len > EG_NAME_MAX)
		return -1;
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return -1;
	/* s->labels: noted by hello_host() in this run, used once */
	labels = eg_name_hashes_noted(cfg->hash_key, s->name, s->name_len, &s->labels,
				      f->name_hash);
	s->labels.len = 0;
	f->n_labels = labels > 255 ? 255 : labels;
	f->flags |= EGRESS_FLOW_F_NAMED;
	return 0;
}

/*
 * Decides a TCP flow from its address and, when it has one, its name (f
 * NULL: a flow met mid-stream, which has none), and what the DNS bindings
 * of its destination say (bi, NULL: they may not admit it).
 */
__noinline int tcp_decide(const struct egress_sandbox *sb, const struct pkt *p,
			  const struct egress_flow *f, struct decision *d,
			  struct binding_info *bi)
{
	struct policy_matches m = {};

	if (!sb || !p || !d)
		return -1;
	if (sb->mode == EGRESS_MODE_DENY_ALL) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_DENY_ALL,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	ip_matches(sb, p->daddr, &m);
	/*
	 * Bindings count for a flow seen from its SYN (never DoT) to an address
	 * no IP rule allows (with an IP deny rule too, it is denied anyway).
	 */
	if (!f || !(f->flags & EGRESS_FLOW_F_SYN) || p->dport == EG_PORT_DOT ||
	    (m.ip[EGRESS_SCOPE_ALWAYS][EGRESS_ACT_ALLOW] |
	     m.ip[EGRESS_SCOPE_GLOBAL][EGRESS_ACT_ALLOW] |
	     m.ip[EGRESS_SCOPE_SANDBOX][EGRESS_ACT_ALLOW]))
		bi = NULL;
	if (f && (f->flags & EGRESS_FLOW_F_NAMED) &&
	    name_matches(sb, f->name_hash, f->n_labels, &m)) {
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_INVALID_NAME,
			     EGRESS_SCOPE_NONE, 0);
		goto mode;
	}
	if ((f && !(f->flags & EGRESS_FLOW_F_SYN)) || p->dport == EG_PORT_DOT) {
		/*
		 * Met mid-stream: the peer may have taken other first bytes than
		 * the ones seen here, so their name may deny but never allow.
		 * DNS over TLS: only an address rule allows it.
		 */
		for_each_rule_scope(scope)
			m.name[scope][EGRESS_ACT_ALLOW] = 0;
	}
	if (!policy_combine(&m, d)) {
		if (p->dport == EG_PORT_DOT)
			d->reason = EGRESS_REASON_DOT_BLOCKED;
		else if (f && f->proto == EGRESS_PROTO_TCP &&
			 (f->flags & EGRESS_FLOW_F_ISN) && f->inspected)
			d->reason = EGRESS_REASON_NO_NAME;	/* neither TLS nor HTTP */
		/* no name: its address must be bound to an allowed one */
		if (bi && f && !(f->flags & EGRESS_FLOW_F_NAMED)) {
			binding_settle(sb, bi->allowed, &bi->d, d);
			bi->used = bi->allowed;
		}
	} else if (bi && d->verdict == EGRESS_ALLOWED && !bi->has_name) {
		/* an allowed name, but DNS never gave it this address */
		decision_set(d, EGRESS_DENIED, EGRESS_REASON_UNBOUND_ADDRESS,
			     EGRESS_SCOPE_NONE, 0);
	}
mode:
	if (d->scope == EGRESS_SCOPE_ALWAYS && d->verdict == EGRESS_DENIED)
		return 0;
	if (sb->mode == EGRESS_MODE_ALLOW_ALL) {
		decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_MODE_ALLOW,
			     EGRESS_SCOPE_NONE, 0);
		return 0;
	}
	decision_apply_mode(d, sb->mode);
	return 0;
}

/* A flow without a name, admitted by a binding: it keeps the bound name. */
EG_INLINE void flow_set_bound(struct egress_flow *f, const struct binding_info *bi)
{
	eg_memcpy(f->name_hash, bi->name_hash, sizeof(f->name_hash));
	f->n_labels = bi->n_labels;
	f->flags |= EGRESS_FLOW_F_BOUND;
}

EG_INLINE __u8 app_proto(__u8 app)
{
	return app == EGRESS_APP_TLS ? EGRESS_PROTO_TLS :
	       app == EGRESS_APP_HTTP ? EGRESS_PROTO_HTTP : EGRESS_PROTO_TCP;
}

EG_INLINE void flow_record(struct egress_flow *f, const struct egress_sandbox *sb,
			   const struct decision *d)
{
	f->verdict = d->verdict;
	f->reason = d->reason;
	f->scope = d->scope;
	f->rule_id = d->rule_id;
	f->flags = (f->flags & ~EGRESS_FLOW_F_WOULD_DENY) |
		   (d->would_deny ? EGRESS_FLOW_F_WOULD_DENY : 0);
	f->generation = sb->generation;
	f->state = EGRESS_FLOW_DECIDED;
}

/*
 * A pending TCP flow's verdict, now that its first bytes say what it is.
 * A denied flow gives up its held bytes at once.
 */
__noinline int tcp_settle(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			  const struct pkt *p, struct egress_flow *f,
			  const struct stream_out *so)
{
	struct egress_flow_key key = {};
	struct scratch *s = NULL;
	struct decision d;
	__u32 zero = 0;

	if (!sb || !p || !f || !so)
		return XDP_DROP;
	flow_key_from_pkt(&key, p);
	if (so->app)
		f->proto = app_proto(so->app);
	if (so->status == STREAM_NAME) {
		s = bpf_map_lookup_elem(&scratch, &zero);
		if (s) {
			s->name_len = so->name_len;
			if (flow_set_name(f, s))
				s = NULL;
			else
				s->name_hash = f->name_hash[0];
		}
	}
	if (so->status == STREAM_FAIL || so->status == STREAM_REWRITE ||
	    (so->status == STREAM_NAME && !s)) {
		decision_set(&d, EGRESS_DENIED,
			     so->status == STREAM_REWRITE ? EGRESS_REASON_REWRITE :
			     so->status == STREAM_FAIL ? so->reason :
			     EGRESS_REASON_PARSE_FAILURE,
			     EGRESS_SCOPE_NONE, 0);
		decision_apply_mode(&d, sb->mode);
	} else {
		struct binding_info *bi = binding_info_room();

		if (bi)
			binding_info_get(sb, p, f, bi);
		tcp_decide(sb, p, f, &d, bi);
		if (bi && bi->used)
			flow_set_bound(f, bi);
	}
	flow_record(f, sb, &d);
	event_emit(sb, p, &d, f->proto, s);
	if (d.verdict == EGRESS_DENIED)
		hello_release(sb->id, f, &key);
	return enforce(ctx, p, &d);
}

/*
 * Records a new flow: decided as *d, or (pending) a TCP flow waiting for
 * its first payload, inspected from this packet on. Global, so the flow's 104 bytes sit
 * on this short-lived frame. 0, or -1 when the table had no room (counted).
 */
__noinline int flow_new(const struct egress_sandbox *sb, const struct pkt *p,
			const struct decision *d, int pending)
{
	struct egress_flow_key key = {};
	struct egress_flow nf = {};
	void *table;

	if (!sb || !p || !d)
		return -1;
	table = bpf_map_lookup_elem(&flows, &sb->id);
	if (!table)
		return -1;
	flow_key_from_pkt(&key, p);
	nf.decided_ns = bpf_ktime_get_ns();
	nf.proto = pkt_proto(p);
	flow_record(&nf, sb, d);
	if (p->l4proto == IPPROTO_TCP) {
		bool syn = p->tcp_flags & EG_TCP_SYN;

		nf.isn = p->seq + syn;
		nf.flags |= syn ? EGRESS_FLOW_F_SYN : 0;
		if (pending) {
			nf.state = EGRESS_FLOW_PENDING;
			nf.flags |= EGRESS_FLOW_F_ISN;
		}
	}
	if (bpf_map_update_elem(table, &key, &nf, BPF_ANY)) {
		stat_add(EGRESS_STAT_FLOW_INSERT_FAILED, 1);
		return -1;
	}
	return 0;
}

EG_INLINE int handle_tcp(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			 const struct pkt *p, void *table,
			 const struct egress_flow_key *key, struct egress_flow *f)
{
	bool syn = (p->tcp_flags & (EG_TCP_SYN | EG_TCP_ACK)) == EG_TCP_SYN;
	struct stream_out so = {};
	bool resent = syn && f;		/* its SYN again (a new one: see below) */
	struct decision d;

	if (f && syn && p->seq + 1 != f->isn) {
		/*
		 * A new connection on a remembered flow's addresses and ports:
		 * it is decided afresh, its own first bytes inspected.
		 */
		hello_release(sb->id, f, key);
		f = NULL;
		resent = false;
	}
	if (!f) {
		int open = tcp_open_final(sb, p, &d);
		bool final = open == TCP_OPEN_FINAL;

		if (open == TCP_OPEN_BOUND) {
			struct binding_info *bi = binding_info_room();

			if (bi) {
				binding_info_get(sb, p, NULL, bi);
				if (!bi->allowed) {
					decision_set(&d, EGRESS_DENIED,
						     EGRESS_REASON_UNBOUND_ADDRESS,
						     EGRESS_SCOPE_NONE, 0);
					final = true;
				}
			}
		}

		/*
		 * Met mid-stream (its SYN went by unseen, or its state was
		 * evicted): what comes first here need not be what the peer
		 * took first, so no name seen from here may allow the flow. It
		 * is inspected only where its address is allowed anyway (for a
		 * name deny rule) or nothing is enforced (to name the host).
		 */
		if (!final && !syn && sb->mode == EGRESS_MODE_DENY &&
		    d.verdict != EGRESS_ALLOWED) {
			tcp_decide(sb, p, NULL, &d, NULL);
			final = true;
		}
		if (final) {
			flow_new(sb, p, &d, 0);
			emit(sb, p, &d, pkt_proto(p));
			return enforce(ctx, p, &d);
		}
		if (flow_new(sb, p, &d, 1) || !(f = bpf_map_lookup_elem(table, key))) {
			decision_set(&d, EGRESS_DENIED, EGRESS_REASON_FLOW_TABLE_FULL,
				     EGRESS_SCOPE_NONE, 0);
			decision_apply_mode(&d, sb->mode);
			emit(sb, p, &d, EGRESS_PROTO_TCP);
			return enforce(ctx, p, &d);
		}
	}

	if (f->generation != sb->generation) {
		/* the policy changed: re-decide from what the flow remembers */
		if (f->state == EGRESS_FLOW_PENDING) {
			/* pending still, whatever the bindings say now */
			if (tcp_open_final(sb, p, &d) == TCP_OPEN_FINAL) {
				flow_record(f, sb, &d);
				emit(sb, p, &d, f->proto);
				hello_release(sb->id, f, key);
				return enforce(ctx, p, &d);
			}
			f->generation = sb->generation;
		} else {
			bool was_allowed = f->verdict == EGRESS_ALLOWED;
			__u32 old_rule = f->rule_id;
			__u8 old_flags = f->flags;
			struct binding_info *bi = binding_info_room();

			if (bi)
				binding_info_get(sb, p, f, bi);
			tcp_decide(sb, p, f, &d, bi);
			if (bi && bi->used)
				flow_set_bound(f, bi);
			flow_record(f, sb, &d);
			if (was_allowed != (d.verdict == EGRESS_ALLOWED) ||
			    old_rule != d.rule_id ||
			    !!(old_flags & EGRESS_FLOW_F_WOULD_DENY) != d.would_deny)
				emit(sb, p, &d, f->proto);
			if (d.verdict == EGRESS_DENIED) {
				hello_release(sb->id, f, key);
				return enforce(ctx, p, &d);
			}
		}
	}

	if (f->state == EGRESS_FLOW_DECIDED) {
		if (f->verdict != EGRESS_ALLOWED)
			return XDP_DROP;
		if (!(f->flags & EGRESS_FLOW_F_HELLO) || !p->payload_len)
			return XDP_PASS;
		stream_inspect(ctx, sb, p, f, &so);
		if (so.status != STREAM_REWRITE)
			return XDP_PASS;
		return tcp_settle(ctx, sb, p, f, &so);
	}

	if (resent && sb->mode != EGRESS_MODE_DENY) {
		/*
		 * Its SYN again, unanswered: the connection may never carry a
		 * name, and warn and allow-all audit every attempt. Decided by
		 * its address now.
		 */
		so.status = STREAM_NO_NAME;
		return tcp_settle(ctx, sb, p, f, &so);
	}
	stream_inspect(ctx, sb, p, f, &so);
	switch (so.status) {
	case STREAM_OUT_OF_ORDER:
		/* only deny holds a flow to in-order bytes; the sender resends */
		return sb->mode == EGRESS_MODE_DENY ? XDP_DROP : XDP_PASS;
	case STREAM_MORE:
	case STREAM_OK:
		if (!(p->tcp_flags & (EG_TCP_FIN | EG_TCP_RST)))
			return XDP_PASS;
		/* closing before it said anything: it carries no name */
		so.status = STREAM_NO_NAME;
		break;
	default:
		break;
	}
	return tcp_settle(ctx, sb, p, f, &so);
}

/*
 * Whether a DNS over TCP flow may go to its address at all (*d denied, mode
 * applied, when not): to a resolver it may, unless the platform denies it;
 * to another address only where an IP rule allows it (its queries' names
 * may then only deny). Returns 1 when denied.
 */
__noinline int dns_tcp_address(const struct egress_sandbox *sb, const struct pkt *p,
			       struct decision *d)
{
	struct policy_matches m = {};

	if (!sb || !p || !d)
		return 1;
	decision_set(d, EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_NONE, 0);
	if (always_denied(sb, p->daddr, d))
		return 1;
	if (dns_to_resolver(sb, p->daddr))
		return 0;
	ip_matches(sb, p->daddr, &m);
	policy_combine(&m, d);
	decision_apply_mode(d, sb->mode);
	return d->verdict != EGRESS_ALLOWED;
}

/* Global: a TCP segment to port 53 in deny or warn mode (dns_tcp.h). */
__noinline int handle_dns_tcp(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			      const struct pkt *p)
{
	struct dns_tcp_out out = {};
	struct egress_flow_key *key;
	__u32 idx = DNS_KEY_XDP;
	struct egress_flow *f;
	void *table;

	if (!sb || !p)
		return XDP_DROP;
	table = bpf_map_lookup_elem(&flows, &sb->id);
	key = bpf_map_lookup_elem(&dns_tcp_keys, &idx);
	if (!table || !key) {
		/* no flow table: nowhere to follow its stream */
		stat_add(EGRESS_STAT_NO_FLOW_TABLE, 1);
		decision_set(&out.d, EGRESS_DENIED, EGRESS_REASON_FLOW_TABLE_FULL,
			     EGRESS_SCOPE_NONE, 0);
		decision_apply_mode(&out.d, sb->mode);
		emit(sb, p, &out.d, EGRESS_PROTO_DNS);
		return enforce(ctx, p, &out.d);
	}
	flow_key_from_pkt(key, p);
	f = bpf_map_lookup_elem(table, key);
	if (f && (f->flags & EGRESS_FLOW_F_INBOUND))
		return XDP_PASS;
	if (f && (p->tcp_flags & (EG_TCP_SYN | EG_TCP_ACK)) == EG_TCP_SYN &&
	    (p->seq + 1 != f->isn || f->proto != EGRESS_PROTO_DNS)) {
		hello_release(sb->id, f, key);	/* a new connection, or one refused */
		f = NULL;
	}
	if (!f) {
		/*
		 * Seen from its SYN, a flow is inspected for its whole life;
		 * met mid-stream, where its queries start is unknown: denied.
		 */
		if ((p->tcp_flags & (EG_TCP_SYN | EG_TCP_ACK)) != EG_TCP_SYN) {
			decision_set(&out.d, EGRESS_DENIED, EGRESS_REASON_NO_NAME,
				     EGRESS_SCOPE_NONE, 0);
			decision_apply_mode(&out.d, sb->mode);
		}
		if (out.d.verdict != EGRESS_ALLOWED || out.d.would_deny ||
		    dns_tcp_address(sb, p, &out.d)) {
			flow_new(sb, p, &out.d, 0);
			emit(sb, p, &out.d, EGRESS_PROTO_DNS);
			return enforce(ctx, p, &out.d);
		}
		if (flow_new(sb, p, &out.d, 0) || !(f = bpf_map_lookup_elem(table, key))) {
			decision_set(&out.d, EGRESS_DENIED, EGRESS_REASON_FLOW_TABLE_FULL,
				     EGRESS_SCOPE_NONE, 0);
			decision_apply_mode(&out.d, sb->mode);
			emit(sb, p, &out.d, EGRESS_PROTO_DNS);
			return enforce(ctx, p, &out.d);
		}
		f->proto = EGRESS_PROTO_DNS;
		f->flags |= EGRESS_FLOW_F_ISN;
		if (out.d.would_deny)	/* warn: to an address no rule allows */
			emit(sb, p, &out.d, EGRESS_PROTO_DNS);
	}
	if (f->proto != EGRESS_PROTO_DNS) {
		/*
		 * Decided without inspection: refused, met mid-stream, or
		 * opened before the mode was deny or warn. After a policy
		 * change, it is decided again as met mid-stream.
		 */
		if (f->generation == sb->generation && f->state == EGRESS_FLOW_DECIDED)
			return f->verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP;
		decision_set(&out.d, EGRESS_DENIED, EGRESS_REASON_NO_NAME,
			     EGRESS_SCOPE_NONE, 0);
		decision_apply_mode(&out.d, sb->mode);
		if (f->verdict != out.d.verdict || f->state != EGRESS_FLOW_DECIDED)
			emit(sb, p, &out.d, EGRESS_PROTO_DNS);
		flow_record(f, sb, &out.d);
		hello_release(sb->id, f, key);
		return enforce(ctx, p, &out.d);
	}
	if (f->verdict != EGRESS_ALLOWED)
		return XDP_DROP;
	if (f->generation != sb->generation) {
		/* the address may no longer be allowed; names are judged per query */
		if (dns_tcp_address(sb, p, &out.d)) {
			emit(sb, p, &out.d, EGRESS_PROTO_DNS);
			goto deny;
		}
		f->generation = sb->generation;
	}
	dns_tcp_inspect(ctx, sb, p, f, &out);
	if (out.status == DNS_TCP_PASS && out.walk)
		dns_tcp_walk(sb, p, key, &out);
	switch (out.status) {
	case DNS_TCP_PASS:
		break;
	case DNS_TCP_OUT_OF_ORDER:
		/* only deny holds the stream in order; the sender resends */
		return sb->mode == EGRESS_MODE_DENY ? XDP_DROP : XDP_PASS;
	case DNS_TCP_FAIL:
		decision_apply_mode(&out.d, sb->mode);
		emit(sb, p, &out.d, EGRESS_PROTO_DNS);
		if (out.d.verdict == EGRESS_ALLOWED) {
			/* warn: audited once, then no longer inspected */
			f->proto = EGRESS_PROTO_TCP;
			hello_release(sb->id, f, key);
			return XDP_PASS;
		}
		goto deny;
	default:
		goto deny;	/* the query's event is out */
	}
	if (p->tcp_flags & (EG_TCP_FIN | EG_TCP_RST))
		hello_release(sb->id, f, key);
	return XDP_PASS;
deny:
	flow_record(f, sb, &out.d);
	hello_release(sb->id, f, key);
	return enforce(ctx, p, &out.d);
}

/*
 * The source check (DESIGN section 4, L2): XDP_DROP, the frame refused, or
 * 0 when its source is the sandbox's or the sandbox has none registered.
 * Global: its key stays off its callers' frames.
 */
__noinline int src_refused(const struct egress_sandbox *sb, const struct pkt *p)
{
	if (!sb || !p)
		return XDP_DROP;
	if (!(sb->flags & EGRESS_SB_F_CHECK_IP) || src_addr_allowed(sb, p->saddr))
		return 0;
	return refuse(sb, p, EGRESS_REASON_SPOOFED_SOURCE);
}

/*
 * Whether a frame of flow f is one to pass at once: f decided and allowed
 * under the current policy, the frame needing nothing more (no SYN, no held
 * bytes to compare it with). Such a frame skips the source check: its flow
 * was recorded only after its first packet passed that check, and a
 * sandbox's addresses are set only together with a new flow table. Not for
 * connections opened from outside (tc_to_sandbox recorded those, from a
 * packet to the sandbox).
 */
EG_INLINE bool flow_established(const struct egress_sandbox *sb, const struct pkt *p,
				const struct egress_flow *f)
{
	return f && !(f->flags & EGRESS_FLOW_F_INBOUND) &&
	       f->generation == sb->generation && f->state == EGRESS_FLOW_DECIDED &&
	       f->verdict == EGRESS_ALLOWED &&
	       (p->l4proto != IPPROTO_TCP ||
		(!(p->tcp_flags & EG_TCP_SYN) &&
		 (!(f->flags & EGRESS_FLOW_F_HELLO) || !p->payload_len)));
}

/*
 * Global (verified on its own): the TCP/UDP/ICMP/other flow path, the
 * source check included (after the flow lookup: see flow_established()).
 */
__noinline int handle_flow(eg_ctx_t *ctx, const struct egress_sandbox *sb,
			   const struct pkt *p)
{
	struct egress_flow_key key = {};
	struct egress_flow *f = NULL;
	struct binding_info *bi;
	struct decision d;
	void *table;

	if (!sb || !p)
		return XDP_DROP;
	table = bpf_map_lookup_elem(&flows, &sb->id);
	if (table) {
		flow_key_from_pkt(&key, p);
		f = bpf_map_lookup_elem(table, &key);
		if (flow_established(sb, p, f))
			return XDP_PASS;
	}
	if (src_refused(sb, p))
		return XDP_DROP;
	if (!table) {
		/* Userspace registered no flow table: decide every packet. */
		stat_add(EGRESS_STAT_NO_FLOW_TABLE, 1);
		bi = binding_info_room();
		if (bi)
			binding_info_get(sb, p, NULL, bi);
		decide_by_address(sb, p, &d, bi);
		emit(sb, p, &d, pkt_proto(p));
		return enforce(ctx, p, &d);
	}
	if (f && (f->flags & EGRESS_FLOW_F_INBOUND)) {
		/* replies to a connection from outside; deny-all stops even those */
		return sb->mode == EGRESS_MODE_DENY_ALL ? XDP_DROP : XDP_PASS;
	}
	if (p->l4proto == IPPROTO_TCP)
		return handle_tcp(ctx, sb, p, table, &key, f);
	if (f && f->generation == sb->generation)
		return XDP_DROP;	/* denied: an allowed flow's frame passed above */

	bi = binding_info_room();
	if (bi)
		binding_info_get(sb, p, NULL, bi);
	decide_by_address(sb, p, &d, bi);
	if (f) {
		/* Policy changed since this flow was decided: re-decide it. */
		bool changed = f->verdict != d.verdict ||
			       f->rule_id != d.rule_id ||
			       !!(f->flags & EGRESS_FLOW_F_WOULD_DENY) != d.would_deny;

		flow_record(f, sb, &d);
		if (changed)
			emit(sb, p, &d, pkt_proto(p));
		return enforce(ctx, p, &d);
	}

	flow_new(sb, p, &d, 0);	/* if it fails, the next packet is decided afresh */
	emit(sb, p, &d, pkt_proto(p));
	return enforce(ctx, p, &d);
}

__noinline int frame_parse(eg_ctx_t *ctx, struct pkt *p)
{
	int err;

	if (!p)
		return PARSE_ERR_TRUNCATED;
	p->frame_len = eg_ctx_len(ctx);
#ifdef EG_TC_INGRESS
	{
		/* the headers in the linear part, where they are read in place */
		__u32 want = p->frame_len < EG_CTX_PULL ? p->frame_len : EG_CTX_PULL;

		if (eg_ctx_data(ctx) + want > eg_ctx_data_end(ctx))
			bpf_skb_pull_data(ctx, want);
	}
#endif
	err = parse_frame(p, eg_ctx_data(ctx), eg_ctx_data_end(ctx));
#ifdef EG_TC_INGRESS
	/*
	 * By tc ingress the kernel has moved an 802.1Q/802.1ad tag out of the
	 * frame (VLAN offload): a tagged frame is refused all the same.
	 */
	if (ctx->vlan_present)
		return PARSE_ERR_VLAN;
#endif
	return err;
}

/* A frame that does not parse: denied, per mode. */
__noinline int unparsed(const struct egress_sandbox *sb, const struct pkt *p, int err)
{
	__u8 reason = EGRESS_REASON_PARSE_FAILURE;
	struct decision d;

	if (!sb || !p)
		return XDP_DROP;
	if (err == PARSE_ERR_SOURCE_ROUTE)
		reason = EGRESS_REASON_SOURCE_ROUTE;
	else if (err == PARSE_ERR_IP_OPTIONS)
		reason = EGRESS_REASON_IP_OPTIONS;
	decision_set(&d, EGRESS_DENIED, reason, EGRESS_SCOPE_NONE, 0);
	decision_apply_mode(&d, sb->mode);
	emit(sb, p, &d, pkt_proto(p));
	return d.verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP;
}

/* A fragment carries no port or name: IP rules alone decide. */
__noinline int fragment(const struct egress_sandbox *sb, const struct pkt *p)
{
	struct decision d;

	if (!sb || !p)
		return XDP_DROP;
	decide_by_address(sb, p, &d, NULL);
	emit(sb, p, &d, pkt_proto(p));
	return d.verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP;
}

/* A frame the guest sent: XDP_PASS, XDP_DROP or XDP_TX (answered). */
EG_INLINE int from_sandbox(eg_ctx_t *ctx)
{
	__u32 ifindex = eg_ctx_ifindex(ctx);
	struct egress_sandbox *sb;
	struct pkt p = {};
	int err;

	sb = bpf_map_lookup_elem(&sandboxes, &ifindex);
	if (!sb)
		return XDP_PASS;	/* not a sandbox interface */

	err = frame_parse(ctx, &p);

	/* 1. L2: in every mode. */
	if (err == PARSE_ERR_VLAN)
		return refuse(sb, &p, EGRESS_REASON_VLAN);
	if (err == PARSE_ERR_ETHERTYPE)
		return refuse(sb, &p, EGRESS_REASON_ETHERTYPE);
	if ((sb->flags & EGRESS_SB_F_CHECK_MAC) && !mac_equal(p.smac, sb->mac))
		return refuse(sb, &p, EGRESS_REASON_SPOOFED_SOURCE);

	/* 2. L3: what cannot be parsed fails closed (per mode). */
	if (err)
		return unparsed(sb, &p, err);

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
	if (p.flags & PKT_F_FRAG)
		return src_refused(sb, &p) ?: fragment(sb, &p);
	if (p.l4proto == IPPROTO_UDP && p.dport == EG_DNS_PORT)
		return src_refused(sb, &p) ?: handle_dns(ctx, sb, &p);
	if (p.l4proto == IPPROTO_TCP && p.dport == EG_DNS_PORT &&
	    (sb->mode == EGRESS_MODE_DENY || sb->mode == EGRESS_MODE_WARN))
		return src_refused(sb, &p) ?: handle_dns_tcp(ctx, sb, &p);
	return handle_flow(ctx, sb, &p);	/* checks the source itself */
}

#ifdef EG_TC_INGRESS

/* from_sandbox as a tc ingress classifier: an answer leaves by the same interface. */
SEC("tc")
int tc_from_sandbox(struct __sk_buff *skb)
{
	switch (from_sandbox(skb)) {
	case XDP_PASS:
		return TC_ACT_OK;
	case XDP_TX:
		return TC_ACT_REDIRECT;	/* eg_ctx_tx() said where */
	default:
		return TC_ACT_SHOT;
	}
}

#else /* XDP, and tc_to_sandbox */

SEC("xdp.frags")
int xdp_egress(struct xdp_md *ctx)
{
	return from_sandbox(ctx);
}

/*
 * A TCP segment travelling to the guest: notes connections opened from
 * outside, and lets a flow's inspected bytes go once the peer has them.
 * Global: its frame stays off the DNS answer path.
 */
__noinline int tc_tcp(const struct egress_sandbox *sb, const struct pkt *p)
{
	struct egress_flow_key key = { .l4proto = IPPROTO_TCP };
	struct egress_flow nf = {
		.verdict = EGRESS_ALLOWED,
		.reason = EGRESS_REASON_INBOUND,
		.state = EGRESS_FLOW_DECIDED,
		.flags = EGRESS_FLOW_F_INBOUND,
		.proto = EGRESS_PROTO_TCP,
	};
	bool syn;
	__u32 *held;
	void *table;

	if (!sb || !p)
		return 0;
	/* most segments: an ACK while the sandbox holds no inspected bytes */
	syn = (p->tcp_flags & (EG_TCP_SYN | EG_TCP_ACK)) == EG_TCP_SYN;
	if (!syn) {
		held = bpf_map_lookup_elem(&hello_count, &sb->id);
		if (!(p->tcp_flags & EG_TCP_ACK) || !held || !*held)
			return 0;
	}
	table = bpf_map_lookup_elem(&flows, &sb->id);
	if (!table)
		return 0;
	eg_memcpy(key.saddr, p->daddr, 16);
	eg_memcpy(key.daddr, p->saddr, 16);
	key.sport = p->dport;
	key.dport = p->sport;

	/* A connection opened from outside: its replies belong to it. */
	if (syn) {
		nf.decided_ns = bpf_ktime_get_ns();
		nf.generation = sb->generation;
		if (bpf_map_update_elem(table, &key, &nf, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(table, &key))
			stat_add(EGRESS_STAT_FLOW_INSERT_FAILED, 1);
		return 0;
	}

	/* The peer acknowledged a flow's inspected bytes: let them go. */
	{
		struct egress_flow *f = bpf_map_lookup_elem(table, &key);

		if (f && (f->flags & EGRESS_FLOW_F_HELLO) &&
		    f->state == EGRESS_FLOW_DECIDED && f->proto != EGRESS_PROTO_DNS &&
		    (__s32)(p->ack_seq - f->isn - f->inspected) >= 0)
			hello_release(sb->id, f, &key);
	}
	return 0;
}

SEC("tc")
int tc_to_sandbox(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct egress_sandbox *sb;
	struct pkt p = {};
	void *data, *data_end;
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

	if (p.flags & PKT_F_FRAG)
		return TC_ACT_OK;
	if (p.l4proto == IPPROTO_UDP && p.sport == EG_DNS_PORT) {
		dns_answer_learn(skb, sb, &p, p.payload_off, p.payload_len);
	} else if (p.l4proto == IPPROTO_TCP) {
		if (p.sport == EG_DNS_PORT)
			dns_tcp_answers(skb, sb, &p);
		tc_tcp(sb, &p);
	}
	return TC_ACT_OK;
}

#endif
