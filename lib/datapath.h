/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The loaded BPF data path and everything userspace does to its maps:
 * sandboxes, rule slots, flow tables, events and counters. egressd,
 * egress-replay, the tests and the benchmarks all go through this, so they
 * all run the very programs egressd attaches.
 *
 * Every function returns 0 (or a count) on success and -errno on failure;
 * none of them logs.
 */
#ifndef EGRESS_DATAPATH_H
#define EGRESS_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <egress/abi.h>

#include "policy.h"

struct egress_dp;

struct egress_dp_opts {
	size_t sz;		/* sizeof(struct egress_dp_opts) */
	/*
	 * A bpffs directory: on a first start every map and both programs
	 * are pinned there; when it already holds them (an earlier run), the
	 * maps are reused with their contents, the name-hash key is read back
	 * from config and the pinned programs (those attached) are used.
	 * NULL: private maps, nothing pinned.
	 */
	const char *pin_dir;
};

int egress_dp_open(struct egress_dp **out, const struct egress_dp_opts *opts);
/* Closes the fds; pinned objects and attachments stay. */
void egress_dp_close(struct egress_dp *dp);
/* True when opened on the maps of an earlier run. */
bool egress_dp_adopted(const struct egress_dp *dp);
/* Removes the pins and the pin directory (the maps live on while in use). */
int egress_dp_unpin(struct egress_dp *dp);
/* A map of the object by name (-ENOENT); the dp keeps the fd. */
int egress_dp_map_fd(const struct egress_dp *dp, const char *name);
/* Entries in use of a hash or map-of-maps (-EOPNOTSUPP for other kinds). */
int egress_dp_map_fill(const struct egress_dp *dp, const char *name,
		       __u32 *entries, __u32 *max_entries);
int egress_dp_xdp_fd(const struct egress_dp *dp);
int egress_dp_tc_fd(const struct egress_dp *dp);
/*
 * tc_from_sandbox: xdp_egress's decisions built as a tc ingress classifier,
 * on the same maps. Loaded (and pinned) when first asked for, or the one an
 * earlier run pinned; the dp keeps the fd.
 */
int egress_dp_tc_in_fd(struct egress_dp *dp);

/*
 * --- rule slots (see struct egress_sandbox) -----------------------------
 * Slots found in use when adopting pinned maps stay allocated until freed;
 * their name tables cannot be edited (-EBUSY): rebuild into a fresh slot.
 */
int egress_dp_slot_alloc(struct egress_dp *dp, __u16 *slot);
void egress_dp_slot_free(struct egress_dp *dp, __u16 slot);
bool egress_dp_slot_in_use(const struct egress_dp *dp, __u16 slot);
int egress_dp_ip_rule_add(struct egress_dp *dp, __u16 slot, __u8 action,
			  const struct egress_lpm_key *key, __u32 rule_id);
int egress_dp_ip_rule_del(struct egress_dp *dp, __u16 slot, __u8 action,
			  const struct egress_lpm_key *key);
/* Name rules (kinds other than EGRESS_RULE_IP): r->id, r->action used. */
int egress_dp_name_rule_add(struct egress_dp *dp, __u16 slot,
			    const struct egress_rule *r);
int egress_dp_name_rule_del(struct egress_dp *dp, __u16 slot,
			    const struct egress_rule *r);
/* The hash the data path files a canonical name under, and its labels. */
int egress_dp_name_hash(const struct egress_dp *dp, const char *name,
			__u64 *hash, __u32 *labels);
/*
 * Creates a slot's name table with room for n_names rules and as many again
 * (it is created small on the first name rule otherwise); a name rule added
 * beyond its room fails with -E2BIG: build the rules into a fresh slot.
 */
int egress_dp_slot_reserve(struct egress_dp *dp, __u16 slot, __u32 n_names);
/*
 * Loads n rules into a slot no sandbox entry names yet (a fresh one, or one
 * given a table by egress_dp_slot_reserve): the name table (made for them
 * when there is none) and the tries are written with batch updates, a few
 * syscalls for all of them. The rules are read stride bytes apart (the
 * egress_rule inside a larger struct). *failed (when not NULL): the index
 * of the rule that was refused, n when no single rule was. A slot whose
 * table already holds rules is added to rule by rule.
 */
int egress_dp_slot_load_rules(struct egress_dp *dp, __u16 slot,
			      const struct egress_rule *rules, size_t n,
			      size_t stride, size_t *failed);
/* Loads every rule of p into slot (egress_dp_slot_load_rules). */
int egress_dp_slot_load(struct egress_dp *dp, __u16 slot,
			const struct egress_policy *p);

/* --- sandboxes ----------------------------------------------------------- */
int egress_dp_flow_table_create(struct egress_dp *dp, __u32 sandbox_id,
				__u32 max_flows);
int egress_dp_flow_table_delete(struct egress_dp *dp, __u32 sandbox_id);
int egress_dp_sandbox_set(struct egress_dp *dp, __u32 ifindex,
			  const struct egress_sandbox *sb);
int egress_dp_sandbox_get(struct egress_dp *dp, __u32 ifindex,
			  struct egress_sandbox *sb);
int egress_dp_sandbox_del(struct egress_dp *dp, __u32 ifindex);
int egress_dp_src_addr_add(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16]);
/* An address the sandbox's DNS queries may go to. */
int egress_dp_resolver_add(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16]);
int egress_dp_resolver_del(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16]);
/* Removes every source address / resolver of a sandbox. */
int egress_dp_src_addrs_clear(struct egress_dp *dp, __u32 sandbox_id);
int egress_dp_resolvers_clear(struct egress_dp *dp, __u32 sandbox_id);
bool egress_dp_flow_table_exists(struct egress_dp *dp, __u32 sandbox_id);
/* Entries in a sandbox's flow table (a walk of it: for metrics). */
int egress_dp_flows_count(struct egress_dp *dp, __u32 sandbox_id);

/* --- lookups as the data path makes them (explain) ------------------------ */
/* The rule id an address matches in a slot and action, 0: none. */
__u32 egress_dp_ip_match(struct egress_dp *dp, __u16 slot, __u8 action,
			 const __u8 addr[16]);
/* The name rules a canonical name matches in a slot, per action (0: none). */
int egress_dp_name_match(struct egress_dp *dp, __u16 slot, const char *name,
			 __u32 rule_id[EGRESS_ACT__MAX]);

/*
 * --- DNS bindings ---------------------------------------------------------
 * Made by the tc program from DNS answers; a sandbox's map is created with
 * its flow table. Expired bindings are never honoured, but stay in the map
 * until egress_dp_bindings_expire() removes them: call it periodically
 * (every few seconds to a minute), or the map fills up and new addresses
 * stay unbound (EGRESS_STAT_BINDING_INSERT_FAILED).
 */
/* The grace a binding gets past its TTL (default EGRESS_BINDING_GRACE_S). */
int egress_dp_binding_grace_set(struct egress_dp *dp, __u32 seconds);
/* Removes expired bindings of a sandbox (0: every sandbox); returns how many. */
int egress_dp_bindings_expire(struct egress_dp *dp, __u32 sandbox_id);
/* Addresses with a live binding in a sandbox. */
int egress_dp_bindings_count(struct egress_dp *dp, __u32 sandbox_id);

struct egress_bound_name {
	__u64 hash;		/* keyed hash of the name */
	__u64 expires_in_ms;
	char name[EGRESS_HOST_MAX];	/* "" when its text is no longer known */
};

/*
 * The live names bound to addr in a sandbox, at most max of them into out;
 * returns how many (0: none, the address is unbound).
 */
int egress_dp_binding_lookup(struct egress_dp *dp, __u32 sandbox_id,
			     const __u8 addr[16], struct egress_bound_name *out,
			     int max);
/* The addresses a canonical name is bound to (at most max); returns how many. */
int egress_dp_binding_addrs(struct egress_dp *dp, __u32 sandbox_id, const char *name,
			    __u8 (*out)[16], int max);
/* 1 when the canonical name is bound to addr in the sandbox, else 0. */
int egress_dp_binding_has_name(struct egress_dp *dp, __u32 sandbox_id,
			       const __u8 addr[16], const char *name);

/* --- running frames through the programs (BPF_PROG_TEST_RUN) ------------- */
struct egress_run {
	const void *frame;
	__u32 len;
	__u32 ifindex;		/* the interface the frame is seen on */
	void *out;		/* the frame as the program left it (optional) */
	__u32 out_size;		/* in: room at out; out: bytes written */
	__u32 action;		/* XDP_* or TC_ACT_* */
};
int egress_dp_run_xdp(struct egress_dp *dp, struct egress_run *run);
int egress_dp_run_tc(struct egress_dp *dp, struct egress_run *run);
/*
 * A frame from the sandbox through tc_from_sandbox (the tc ingress build of
 * xdp_egress); action is given as xdp_egress gives it (TC_ACT_OK XDP_PASS,
 * TC_ACT_SHOT XDP_DROP, TC_ACT_REDIRECT XDP_TX, anything else XDP_ABORTED).
 */
int egress_dp_run_tc_in(struct egress_dp *dp, struct egress_run *run);

/* --- events and counters ------------------------------------------------- */
typedef int (*egress_event_fn)(void *ctx, const struct egress_event *e);
int egress_dp_events_subscribe(struct egress_dp *dp, egress_event_fn fn,
			       void *ctx);
/* Hands every waiting event to the subscriber; returns how many. */
int egress_dp_events_consume(struct egress_dp *dp);
/* An fd that polls readable when events wait (for an epoll loop). */
int egress_dp_events_fd(struct egress_dp *dp);
int egress_dp_events_poll(struct egress_dp *dp, int timeout_ms);
/* Sums the per-CPU counters into out[EGRESS_STAT__MAX]. */
int egress_dp_stats(struct egress_dp *dp, __u64 *out);

#endif /* EGRESS_DATAPATH_H */
