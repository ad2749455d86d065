/* SPDX-License-Identifier: GPL-2.0-only */
/* The maps of egress.bpf.c. Layouts and sizes are in include/egress/abi.h. */
#ifndef EGRESS_BPF_MAPS_H
#define EGRESS_BPF_MAPS_H

#include <egress/abi.h>
#include "lib/compat.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_MAX_SANDBOXES);
	__type(key, __u32);			/* host-side ifindex */
	__type(value, struct egress_sandbox);
} sandboxes SEC(".maps");

/*
 * Inner-map templates give sizes, not types: clang 14 emits structs used
 * only here as bare declarations, which libbpf cannot size.
 */
struct ip_rules_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EGRESS_MAX_IP_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct egress_lpm_key));
	__uint(value_size, sizeof(struct egress_ip_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EGRESS_MAX_RULE_SLOTS * 2);
	__type(key, __u32);			/* slot * 2 + action */
	__array(values, struct ip_rules_inner);
} ip_rules SEC(".maps");

struct flows_inner {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_FLOWS_PER_SANDBOX);
	__uint(key_size, sizeof(struct egress_flow_key));
	__uint(value_size, sizeof(struct egress_flow));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EGRESS_MAX_SANDBOXES);
	__type(key, __u32);			/* sandbox id */
	__array(values, struct flows_inner);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_MAX_SRC_ADDRS);
	__type(key, struct egress_src_key);
	__type(value, __u8);
} src_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_RATELIMIT_ENTRIES);
	__type(key, struct egress_rl_key);
	__type(value, struct egress_rl_val);
} event_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EGRESS_RINGBUF_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EGRESS_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

EG_INLINE void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;	/* per-CPU: no other writer */
}

#endif /* EGRESS_BPF_MAPS_H */
