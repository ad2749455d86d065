/* SPDX-License-Identifier: GPL-2.0-only */
/* The maps of egress.bpf.c. Layouts and sizes are in include/egress/abi.h. */
#ifndef EGRESS_BPF_MAPS_H
#define EGRESS_BPF_MAPS_H

#include <egress/abi.h>
#include "lib/compat.h"
#include "lib/name.h"

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

struct name_rules_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_MAX_NAME_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct egress_name_key));
	__uint(value_size, sizeof(struct egress_name_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EGRESS_MAX_RULE_SLOTS);
	__type(key, __u32);			/* slot */
	__array(values, struct name_rules_inner);
} name_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EGRESS_MAX_RULE_SLOTS);
	__type(key, __u32);
	__type(value, struct egress_slot_info);
} slot_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egress_config);
} config SEC(".maps");

struct hellos_inner {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_HELLOS_PER_SANDBOX);
	__uint(key_size, sizeof(struct egress_flow_key));
	__uint(value_size, sizeof(struct egress_hello));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EGRESS_MAX_SANDBOXES);
	__type(key, __u32);			/* sandbox id */
	__array(values, struct hellos_inner);
} hellos SEC(".maps");

struct bindings_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_BINDINGS_PER_SANDBOX);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* memory as it fills */
	__uint(key_size, 16);			/* the address */
	__uint(value_size, sizeof(struct egress_binding));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, EGRESS_MAX_SANDBOXES);
	__type(key, __u32);			/* sandbox id */
	__array(values, struct bindings_inner);
} bindings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_DNS_PENDING);
	__type(key, struct egress_dns_pending_key);
	__type(value, struct egress_dns_pending);
} dns_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EGRESS_BINDING_TEXTS);
	__type(key, __u64);
	__type(value, char[EGRESS_HOST_MAX]);
} binding_text SEC(".maps");

/* Hellos a sandbox holds (approximate: LRU evictions are not seen). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EGRESS_MAX_SANDBOXES);
	__type(key, __u32);
	__type(value, __u32);
} hello_count SEC(".maps");

/* An all-zero hello: the value new hellos entries are created from. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct egress_hello);
} hello_zero SEC(".maps");

/*
 * Per-CPU room for a ClientHello's handshake bytes when they span TLS
 * records: gathered from the held bytes just before each parse.
 */
struct hello_hs {
	__u32 pos;		/* raw offset the gathering reached */
	__u32 left;		/* body bytes left in the current record */
	__u32 done;		/* handshake bytes gathered */
	__u32 pad;
	__u8 b[EGRESS_HELLO_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hello_hs);
} hello_hs SEC(".maps");

/* Per-CPU room for what does not fit the 512-byte BPF stack. */
struct scratch {
	char name[EGRESS_HOST_MAX];
	__u32 name_len;		/* bytes of name in use, 0: none */
	__u64 name_hash;	/* its keyed hash (the flow's name_hash[0]) */
	__u8 chunk[64];
	struct eg_name_labels labels;	/* of name, as hello_host() canonicalised it */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_MAX_SRC_ADDRS);
	__type(key, struct egress_src_key);
	__type(value, __u8);
} src_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EGRESS_MAX_SRC_ADDRS);
	__type(key, struct egress_src_key);
	__type(value, __u8);
} resolvers SEC(".maps");

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
