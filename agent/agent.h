/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egressd's model of the policy: the scopes (always, global, one per
 * sandbox), their rules with stable ids, the sandboxes and what they are
 * attached to. The dispatcher (ctl.c) changes it; enforce.h puts it into
 * the data path; store.c persists it.
 */
#ifndef EGRESSD_AGENT_H
#define EGRESSD_AGENT_H

#include <net/if.h>
#include <stdbool.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <egress/abi.h>

#include "config.h"
#include "policy.h"
#include "profile.h"

#define SB_NAME_MAX	64
#define SB_MAX_ADDRS	16

struct arule {
	struct egress_rule r;			/* r.id: the stable id */
	char profile[EGRESS_PROFILE_NAME_MAX];	/* "" unless from a profile */
};

struct scope {
	__u8 kind;				/* EGRESS_SCOPE_* */
	struct arule *rules;
	size_t n_rules;
	char (*profiles)[EGRESS_PROFILE_NAME_MAX];
	size_t n_profiles;
	bool has_mode;				/* global: always; sandbox: own mode */
	__u8 mode;
	__u16 slot;				/* EGRESS_SLOT_NONE: not built */
};

struct sandbox {
	char name[SB_NAME_MAX + 1];
	__u32 id;
	char iface[IF_NAMESIZE];
	__u32 ifindex;
	__u8 ips[SB_MAX_ADDRS][16];
	size_t n_ips;
	bool has_mac;
	__u8 mac[6];
	bool has_resolvers;			/* set explicitly (policy) */
	__u8 resolvers[SB_MAX_ADDRS][16];	/* in force */
	size_t n_resolvers;
	char xdp_mode[16];			/* asked for: auto, tc, skb, native */
	char attach_xdp[24];			/* ingress as attached: tc, skb, multiprog-skb, ... */
	__u32 generation;
	struct scope scope;
};

struct agent {
	struct egressd_config cfg;
	const char *state_dir;
	const char *profile_dir;
	const char *always_file;
	const char *bpffs;
	const char *socket_path;
	time_t started;
	struct scope always, global;
	struct sandbox **sbs;
	size_t n_sbs;
	__u32 next_rule_id;
	__u32 global_generation;
	struct egress_dp *dp;			/* NULL in the unit tests */
	__u64 events_written;
};

/* --- model.c ---------------------------------------------------------------- */
void scope_init(struct scope *sc, __u8 kind);
void scope_free(struct scope *sc);
/* A deep copy, for undoing a failed change. */
int scope_copy(struct scope *dst, const struct scope *src);
struct arule *scope_find(struct scope *sc, __u8 action, const char *pattern,
			 const char *profile);
struct arule *scope_find_id(struct scope *sc, __u32 id);
int scope_add(struct scope *sc, const struct egress_rule *r, const char *profile);
void scope_del_at(struct scope *sc, size_t i);
bool scope_has_profile(const struct scope *sc, const char *name);
int scope_add_profile(struct scope *sc, const char *name);
void scope_del_profile(struct scope *sc, const char *name);
/*
 * Makes the rules a scope holds from profile p what p lists: rules still
 * listed keep their ids, new ones get fresh ids from a->next_rule_id.
 */
int scope_apply_profile(struct agent *a, struct scope *sc,
			const struct egress_profile *p);
/* Sets the scope's rules from a parsed policy (always.json), keeping ids. */
int scope_set_rules(struct agent *a, struct scope *sc, const struct egress_rule *r,
		    size_t n);

struct sandbox *agent_sandbox(struct agent *a, const char *name);
struct sandbox *agent_sandbox_by_id(struct agent *a, __u32 id);
int agent_sandbox_insert(struct agent *a, struct sandbox *sb);
void agent_sandbox_remove(struct agent *a, struct sandbox *sb);
void sandbox_free(struct sandbox *sb);
/* The lowest free sandbox id, 0 when all are taken. */
__u32 agent_free_id(struct agent *a);
/* The mode a sandbox runs in. */
__u8 sandbox_mode(const struct agent *a, const struct sandbox *sb);
bool sandbox_name_ok(const char *name);
/* The rule with that id in any scope (and its scope), or NULL. */
struct arule *agent_rule(struct agent *a, __u32 id, struct scope **sc,
			 struct sandbox **sb);
void agent_free(struct agent *a);

/* JSON objects of docs/protocol.md */
cJSON *rule_json(const struct arule *r, const struct scope *sc, const struct sandbox *sb);
cJSON *sandbox_json(const struct agent *a, const struct sandbox *sb);

/* --- store.c: the state file ------------------------------------------------- */
/* 0; -ENOENT when there is none; other -errno (err set) when it is refused. */
int agent_state_load(struct agent *a, char *err, size_t errlen);
int agent_state_save(struct agent *a, char *err, size_t errlen);
char *agent_state_json(const struct agent *a);
int agent_state_parse(struct agent *a, const char *text, char *err, size_t errlen);

#endif /* EGRESSD_AGENT_H */
