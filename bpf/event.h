/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit events into the ring buffer, naming the host when the flow has one, with per-sandbox collapsing of repeats:
 * within a sandbox's event window the first event of a key is emitted and
 * repeats are counted; the next emitted event of that key carries them in
 * `count`. Failed reservations are counted per CPU (stat EVENTS_LOST, in
 * decisions, not events).
 */
#ifndef EGRESS_BPF_EVENT_H
#define EGRESS_BPF_EVENT_H

#include "maps.h"
#include "lib/decision.h"
#include "lib/parse.h"

/* Returns how many decisions the event to emit stands for, 0: suppress. */
EG_INLINE __u32 event_ratelimit(const struct egress_sandbox *sb,
				const struct pkt *p, const struct decision *d,
				__u8 proto, __u64 host_hash, __u64 now)
{
	struct egress_rl_key key = {
		.sandbox_id = sb->id,
		.verdict = d->verdict,
		.reason = d->reason,
		.proto = proto,
		.l4proto = p->l4proto,
		.dport = p->dport,
		.host_hash = host_hash,
	};
	struct egress_rl_val *v, init = { .window_start_ns = now };
	__u64 window = (__u64)sb->event_window_ms * 1000000ULL;

	if (!window)
		return 1;
	eg_memcpy(key.daddr, p->daddr, 16);
	v = bpf_map_lookup_elem(&event_rl, &key);
	if (!v) {
		if (bpf_map_update_elem(&event_rl, &key, &init, BPF_NOEXIST))
			stat_add(EGRESS_STAT_RL_INSERT_FAILED, 1);
		return 1;
	}
	if (now - v->window_start_ns < window) {
		__sync_fetch_and_add(&v->suppressed, 1);
		stat_add(EGRESS_STAT_EVENTS_SUPPRESSED, 1);
		return 0;
	}
	v->window_start_ns = now;
	return 1 + __sync_lock_test_and_set(&v->suppressed, 0);
}

/*
 * A global function: verified once on its own, not once per caller path.
 * Returns 0, or -ENOSPC when the ring had no room (counted).
 */
__noinline int event_emit(const struct egress_sandbox *sb, const struct pkt *p,
			  const struct decision *d, __u8 proto,
			  const struct scratch *host)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct egress_event *e;
	__u32 count;

	if (!sb || !p || !d)
		return 0;
	count = event_ratelimit(sb, p, d, proto,
				host && host->name_len ? host->name_hash : 0, now);
	if (!count)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_add(EGRESS_STAT_EVENTS_LOST, count);
		return -28;	/* ENOSPC */
	}
	e->ts_boot_ns = now;
	e->sandbox_id = sb->id;
	e->generation = sb->generation;
	e->rule_id = d->rule_id;
	e->count = count;
	e->sport = p->sport;
	e->dport = p->dport;
	e->verdict = d->verdict;
	e->flags = d->would_deny ? EGRESS_EV_F_WOULD_DENY : 0;
	e->mode = sb->mode;
	e->proto = proto;
	e->l4proto = p->l4proto;
	e->family = p->family;
	e->reason = d->reason;
	e->scope = d->scope;
	eg_memcpy(e->saddr, p->saddr, 16);
	eg_memcpy(e->daddr, p->daddr, 16);
	e->host_len = 0;
	if (host && host->name_len && host->name_len < sizeof(e->host)) {
		__builtin_memcpy(e->host, host->name, sizeof(e->host));
		e->host_len = host->name_len;
	}
	bpf_ringbuf_submit(e, 0);
	stat_add(EGRESS_STAT_EVENTS_EMITTED, 1);
	return 0;
}

#endif /* EGRESS_BPF_EVENT_H */
