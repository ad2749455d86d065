// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datapath.h"
#include "rule.h"
#include "egress.skel.h"
#include "egress_in.skel.h"
#include "lib/name_hash.h"

#define N_TRIES (EGRESS_MAX_RULE_SLOTS * 2)
/* The tc ingress build of the data path (egress_in.bpf.o), loaded when first asked for. */
#define TC_IN_PROG "tc_from_sandbox"

/* What userspace keeps of a slot's name table to maintain its slot_info. */
struct slot_names {
	int fd;				/* inner hash, -1: none yet */
	__u32 depth_count[64];		/* wildcard rules per suffix depth */
	struct egress_slot_info info;
	bool adopted;			/* from a pinned set: depth_count unknown */
};

struct egress_dp {
	struct egress_bpf *skel;
	struct ring_buffer *rb;
	egress_event_fn fn;
	void *fn_ctx;
	int trie_fd[N_TRIES];		/* inner LPM tries, -1: none */
	struct slot_names *names[EGRESS_MAX_RULE_SLOTS];
	__u8 slot_used[EGRESS_MAX_RULE_SLOTS];
	__u64 hash_key[2];
	int ncpus;
	char *pin_dir;			/* NULL: nothing pinned */
	bool adopted;			/* the maps were pinned by an earlier run */
	int prog_fd[3];			/* xdp_egress, tc_to_sandbox, tc_from_sandbox:
					   pinned or loaded, -1: none (yet) */
};

/* A fresh per-boot key for name hashes, so no guest can aim at a collision. */
static int config_init(struct egress_dp *dp)
{
	struct egress_config cfg = {};
	__u32 zero = 0;

	if (getrandom(cfg.hash_key, sizeof(cfg.hash_key), 0) != sizeof(cfg.hash_key))
		return -errno;
	cfg.binding_grace_s = EGRESS_BINDING_GRACE_S;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.config), &zero, &cfg, BPF_ANY))
		return -errno;
	memcpy(dp->hash_key, cfg.hash_key, sizeof(dp->hash_key));
	return 0;
}

/* Adopted maps: the key the pinned name tables were filed under. */
static int config_read(struct egress_dp *dp)
{
	struct egress_config cfg = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.config), &zero, &cfg))
		return -errno;
	if (!cfg.hash_key[0] && !cfg.hash_key[1])
		return -EBADMSG;	/* pinned but never initialised */
	memcpy(dp->hash_key, cfg.hash_key, sizeof(dp->hash_key));
	return 0;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * Every map of the object (the constants' internal maps aside) is pinned
 * under its own name: a map added to bpf/maps.h is pinned and adopted
 * like the others without being listed here.
 */
static int maps_pin_paths(struct egress_dp *dp)
{
	char path[PATH_MAX];
	struct bpf_map *m;
	int ret;

	bpf_object__for_each_map(m, dp->skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		ret = pin_path(path, sizeof(path), dp->pin_dir, bpf_map__name(m));
		if (ret)
			return ret;
		ret = bpf_map__set_pin_path(m, path);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The programs: those pinned by an earlier run (the ones attached to the
 * interfaces), else the ones just loaded, pinned now.
 */
static int progs_adopt_or_pin(struct egress_dp *dp)
{
	struct bpf_program *progs[2] = { dp->skel->progs.xdp_egress,
					 dp->skel->progs.tc_to_sandbox };
	char path[PATH_MAX];
	int ret;

	for (int i = 0; i < 2; i++) {
		ret = pin_path(path, sizeof(path), dp->pin_dir, bpf_program__name(progs[i]));
		if (ret)
			return ret;
		if (dp->adopted) {
			dp->prog_fd[i] = bpf_obj_get(path);
			if (dp->prog_fd[i] >= 0)
				continue;
			if (errno != ENOENT)
				return -errno;
		}
		unlink(path);
		ret = bpf_program__pin(progs[i], path);
		if (ret)
			return ret;
		dp->prog_fd[i] = dup(bpf_program__fd(progs[i]));
		if (dp->prog_fd[i] < 0)
			return -errno;
	}
	return 0;
}

/*
 * The inner maps of adopted slots, found by the ids the outer maps hold:
 * those slots stay in use until egress_dp_slot_free (their rules are
 * rebuilt into fresh slots, never edited in place).
 */
static int slots_adopt(struct egress_dp *dp)
{
	int ip_outer = bpf_map__fd(dp->skel->maps.ip_rules);
	int name_outer = bpf_map__fd(dp->skel->maps.name_rules);
	int info_fd = bpf_map__fd(dp->skel->maps.slot_info);
	__u32 id;

	for (__u32 idx = 0; idx < N_TRIES; idx++) {
		if (bpf_map_lookup_elem(ip_outer, &idx, &id))
			continue;
		dp->trie_fd[idx] = bpf_map_get_fd_by_id(id);
		if (dp->trie_fd[idx] < 0)
			return -errno;
		dp->slot_used[idx / 2] = 1;
	}
	for (__u32 slot = 0; slot < EGRESS_MAX_RULE_SLOTS; slot++) {
		struct slot_names *sn;

		if (bpf_map_lookup_elem(name_outer, &slot, &id))
			continue;
		sn = calloc(1, sizeof(*sn));
		if (!sn)
			return -ENOMEM;
		dp->names[slot] = sn;
		sn->fd = bpf_map_get_fd_by_id(id);
		if (sn->fd < 0)
			return -errno;
		bpf_map_lookup_elem(info_fd, &slot, &sn->info);
		sn->adopted = true;
		dp->slot_used[slot] = 1;
	}
	return 0;
}

int egress_dp_open(struct egress_dp **out, const struct egress_dp_opts *opts)
{
	const char *dir = opts && opts->sz >= offsetof(struct egress_dp_opts, pin_dir) +
			  sizeof(opts->pin_dir) ? opts->pin_dir : NULL;
	char path[PATH_MAX];
	struct egress_dp *dp;
	int ret;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->prog_fd[0] = dp->prog_fd[1] = dp->prog_fd[2] = -1;
	for (int i = 0; i < N_TRIES; i++)
		dp->trie_fd[i] = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus < 0) {
		ret = dp->ncpus;
		goto err;
	}
	dp->skel = egress_bpf__open();
	if (!dp->skel) {
		ret = -errno;
		goto err;
	}
	if (dir) {
		dp->pin_dir = strdup(dir);
		if (!dp->pin_dir) {
			ret = -ENOMEM;
			goto err;
		}
		if (mkdir(dir, 0700) && errno != EEXIST) {
			ret = -errno;
			goto err;
		}
		/* config is written last on a first start: it marks a whole set */
		ret = pin_path(path, sizeof(path), dir, bpf_map__name(dp->skel->maps.config));
		if (ret)
			goto err;
		dp->adopted = access(path, F_OK) == 0;
		ret = maps_pin_paths(dp);
		if (ret)
			goto err;
		if (!dp->adopted)
			bpf_map__set_pin_path(dp->skel->maps.config, NULL);
	}
	ret = egress_bpf__load(dp->skel);
	if (ret)
		goto err;
	if (dp->adopted) {
		ret = config_read(dp);
		if (!ret)
			ret = slots_adopt(dp);
	} else {
		ret = config_init(dp);
		if (!ret && dir)
			ret = bpf_map__pin(dp->skel->maps.config, path);
	}
	if (ret)
		goto err;
	if (dir) {
		ret = progs_adopt_or_pin(dp);
		if (ret)
			goto err;
	}
	*out = dp;
	return 0;
err:
	egress_dp_close(dp);
	return ret;
}

void egress_dp_close(struct egress_dp *dp)
{
	if (!dp)
		return;
	ring_buffer__free(dp->rb);
	for (int i = 0; i < N_TRIES; i++)
		if (dp->trie_fd[i] >= 0)
			close(dp->trie_fd[i]);
	for (int i = 0; i < EGRESS_MAX_RULE_SLOTS; i++) {
		if (dp->names[i] && dp->names[i]->fd >= 0)
			close(dp->names[i]->fd);
		free(dp->names[i]);
	}
	for (int i = 0; i < 3; i++)
		if (dp->prog_fd[i] >= 0)
			close(dp->prog_fd[i]);
	egress_bpf__destroy(dp->skel);
	free(dp->pin_dir);
	free(dp);
}

bool egress_dp_adopted(const struct egress_dp *dp)
{
	return dp->adopted;
}

int egress_dp_unpin(struct egress_dp *dp)
{
	struct bpf_program *p;
	struct bpf_map *m;
	char path[PATH_MAX];
	int ret = 0;

	if (!dp->pin_dir)
		return -EINVAL;
	bpf_object__for_each_program(p, dp->skel->obj) {
		if (pin_path(path, sizeof(path), dp->pin_dir, bpf_program__name(p)) == 0 &&
		    unlink(path) && errno != ENOENT)
			ret = -errno;
	}
	if (pin_path(path, sizeof(path), dp->pin_dir, TC_IN_PROG) == 0 &&
	    unlink(path) && errno != ENOENT)
		ret = -errno;
	bpf_object__for_each_map(m, dp->skel->obj) {
		if (bpf_map__is_internal(m) || !bpf_map__pin_path(m))
			continue;
		if (unlink(bpf_map__pin_path(m)) && errno != ENOENT)
			ret = -errno;
	}
	if (rmdir(dp->pin_dir) && errno != ENOENT)
		ret = -errno;
	return ret;
}

int egress_dp_map_fd(const struct egress_dp *dp, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->skel->obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int egress_dp_map_fill(const struct egress_dp *dp, const char *name,
		       __u32 *entries, __u32 *max_entries)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->skel->obj, name);
	__u8 key[256], next[256];
	void *prev = NULL;
	int fd;

	if (!m || bpf_map__is_internal(m) || bpf_map__key_size(m) > sizeof(key))
		return -ENOENT;
	fd = bpf_map__fd(m);
	*max_entries = bpf_map__max_entries(m);
	*entries = 0;
	switch (bpf_map__type(m)) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		break;
	default:
		return -EOPNOTSUPP;	/* arrays are always full, rings have no entries */
	}
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (bpf_map__type(m) == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
			__u32 id;

			if (!bpf_map_lookup_elem(fd, next, &id))
				(*entries)++;
		} else {
			(*entries)++;
		}
		memcpy(key, next, bpf_map__key_size(m));
		prev = key;
	}
	return 0;
}

int egress_dp_xdp_fd(const struct egress_dp *dp)
{
	return dp->prog_fd[0] >= 0 ? dp->prog_fd[0] : bpf_program__fd(dp->skel->progs.xdp_egress);
}

int egress_dp_tc_fd(const struct egress_dp *dp)
{
	return dp->prog_fd[1] >= 0 ? dp->prog_fd[1] : bpf_program__fd(dp->skel->progs.tc_to_sandbox);
}

/* egress_in.bpf.o loaded on the data path's maps; its program's fd (a dup). */
static int tc_in_load(struct egress_dp *dp)
{
	struct egress_in_bpf *skel;
	struct bpf_map *m;
	int ret, fd;

	skel = egress_in_bpf__open();
	if (!skel)
		return -errno;
	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		fd = egress_dp_map_fd(dp, bpf_map__name(m));
		ret = fd < 0 ? fd : bpf_map__reuse_fd(m, fd);
		if (ret)
			goto out;
	}
	ret = egress_in_bpf__load(skel);
	if (ret)
		goto out;
	if (dp->pin_dir) {
		char path[PATH_MAX];

		ret = pin_path(path, sizeof(path), dp->pin_dir, TC_IN_PROG);
		if (ret)
			goto out;
		unlink(path);
		ret = bpf_program__pin(skel->progs.tc_from_sandbox, path);
		if (ret)
			goto out;
	}
	fd = dup(bpf_program__fd(skel->progs.tc_from_sandbox));
	ret = fd < 0 ? -errno : fd;
out:
	egress_in_bpf__destroy(skel);
	return ret;
}

int egress_dp_tc_in_fd(struct egress_dp *dp)
{
	int fd;

	if (dp->prog_fd[2] >= 0)
		return dp->prog_fd[2];
	if (dp->pin_dir && dp->adopted) {
		char path[PATH_MAX];
		int ret = pin_path(path, sizeof(path), dp->pin_dir, TC_IN_PROG);

		if (ret)
			return ret;
		fd = bpf_obj_get(path);
		if (fd >= 0)
			return dp->prog_fd[2] = fd;
		if (errno != ENOENT)
			return -errno;
	}
	fd = tc_in_load(dp);
	if (fd >= 0)
		dp->prog_fd[2] = fd;
	return fd;
}

/* --- rule slots ------------------------------------------------------------ */

int egress_dp_slot_alloc(struct egress_dp *dp, __u16 *slot)
{
	for (__u16 i = 0; i < EGRESS_MAX_RULE_SLOTS; i++) {
		if (!dp->slot_used[i]) {
			dp->slot_used[i] = 1;
			*slot = i;
			return 0;
		}
	}
	return -ENOSPC;
}

bool egress_dp_slot_in_use(const struct egress_dp *dp, __u16 slot)
{
	return slot < EGRESS_MAX_RULE_SLOTS && dp->slot_used[slot];
}

void egress_dp_slot_free(struct egress_dp *dp, __u16 slot)
{
	int outer = bpf_map__fd(dp->skel->maps.ip_rules);

	if (slot >= EGRESS_MAX_RULE_SLOTS)
		return;
	for (__u32 a = 0; a < EGRESS_ACT__MAX; a++) {
		__u32 idx = slot * 2 + a;

		bpf_map_delete_elem(outer, &idx);
		if (dp->trie_fd[idx] >= 0)
			close(dp->trie_fd[idx]);
		dp->trie_fd[idx] = -1;
	}
	if (dp->names[slot]) {
		struct egress_slot_info none = {};
		__u32 key = slot;

		/* the table goes first: slot_info must never under-announce */
		bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.name_rules), &key);
		bpf_map_update_elem(bpf_map__fd(dp->skel->maps.slot_info), &key, &none, BPF_ANY);
		if (dp->names[slot]->fd >= 0)
			close(dp->names[slot]->fd);
		free(dp->names[slot]);
		dp->names[slot] = NULL;
	}
	dp->slot_used[slot] = 0;
}

static int trie_fd(struct egress_dp *dp, __u16 slot, __u8 action, bool create)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	__u32 idx = slot * 2 + action;
	int fd, ret;

	if (slot >= EGRESS_MAX_RULE_SLOTS || action >= EGRESS_ACT__MAX)
		return -EINVAL;
	if (dp->trie_fd[idx] >= 0 || !create)
		return dp->trie_fd[idx] >= 0 ? dp->trie_fd[idx] : -ENOENT;
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "ip_rules_slot",
			    sizeof(struct egress_lpm_key),
			    sizeof(struct egress_ip_rule), EGRESS_MAX_IP_RULES, &o);
	if (fd < 0)
		return -errno;
	ret = bpf_map_update_elem(bpf_map__fd(dp->skel->maps.ip_rules), &idx, &fd, BPF_ANY);
	if (ret) {
		ret = -errno;
		close(fd);
		return ret;
	}
	dp->slot_used[slot] = 1;
	dp->trie_fd[idx] = fd;
	return fd;
}

int egress_dp_ip_rule_add(struct egress_dp *dp, __u16 slot, __u8 action,
			  const struct egress_lpm_key *key, __u32 rule_id)
{
	struct egress_ip_rule val = {
		.rule_id = rule_id,
		.v6_only = !(egress_addr_is_v4(key->addr) && key->prefixlen >= 96),
	};
	int fd = trie_fd(dp, slot, action, true);

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, key, &val, BPF_ANY))
		return -errno;
	return 0;
}

int egress_dp_ip_rule_del(struct egress_dp *dp, __u16 slot, __u8 action,
			  const struct egress_lpm_key *key)
{
	int fd = trie_fd(dp, slot, action, false);

	if (fd < 0)
		return fd;
	if (bpf_map_delete_elem(fd, key))
		return -errno;
	return 0;
}


/* --- name rules -------------------------------------------------------------- */

int egress_dp_name_hash(const struct egress_dp *dp, const char *name,
			__u64 *hash, __u32 *labels)
{
	char buf[256] = {};
	size_t len = strlen(name);

	if (!len || len > EG_NAME_MAX)
		return -EINVAL;
	memcpy(buf, name, len);
	*hash = eg_name_hash(dp->hash_key, buf, 0, len);
	*labels = 1;
	for (size_t i = 0; i < len; i++)
		*labels += name[i] == '.';
	return 0;
}

/*
 * The entries a name table gets for n rules: room to add as many again in
 * place. The kernel allocates a hash table's buckets for its maximum up
 * front (16 bytes each), so a slot is not given the 2M-entry maximum unless
 * it needs it; a slot that fills up is rebuilt into a bigger one.
 */
static __u32 name_table_size(__u32 n)
{
	__u32 size = EGRESS_NAME_TABLE_MIN;

	while (size < 2 * (__u64)n && size < EGRESS_MAX_NAME_RULES)
		size *= 2;
	return size;
}

static struct slot_names *slot_names(struct egress_dp *dp, __u16 slot, bool create,
				     __u32 n_rules)
{
	struct slot_names *sn;
	__u32 key = slot;
	int fd;

	if (slot >= EGRESS_MAX_RULE_SLOTS)
		return NULL;
	if (dp->names[slot] || !create)
		return dp->names[slot];
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "name_rules_slot",
			    sizeof(struct egress_name_key),
			    sizeof(struct egress_name_rule), name_table_size(n_rules),
			    &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							   .map_flags = BPF_F_NO_PREALLOC });
	if (fd < 0)
		return NULL;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.name_rules), &key, &fd, BPF_ANY)) {
		close(fd);
		return NULL;
	}
	sn = calloc(1, sizeof(*sn));
	if (!sn) {
		bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.name_rules), &key);
		close(fd);
		return NULL;
	}
	sn->fd = fd;
	dp->names[slot] = sn;
	dp->slot_used[slot] = 1;
	return sn;
}

static int slot_info_write(struct egress_dp *dp, __u16 slot, struct slot_names *sn)
{
	__u32 key = slot;

	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.slot_info), &key, &sn->info, BPF_ANY))
		return -errno;
	return 0;
}

static __u32 depth_bit(__u32 depth)
{
	return depth < 64 ? depth : 0;
}

/*
 * Adds (rule_id != 0) or removes (rule_id == 0) the rule of one action on a
 * name pattern. A wildcard's depth is announced in slot_info before its
 * entry exists and withdrawn after it is gone, so a reader never skips a
 * rule that is there.
 */
static int name_rule_set(struct egress_dp *dp, __u16 slot, __u8 action,
			 const struct egress_rule *r, __u32 rule_id)
{
	struct egress_name_key key = {};
	struct egress_name_rule val = {};
	struct slot_names *sn;
	const char *name;
	__u32 labels = 0;
	bool had, has;
	int ret;

	if (action >= EGRESS_ACT__MAX)
		return -EINVAL;
	sn = slot_names(dp, slot, rule_id != 0, 0);
	if (!sn)
		return rule_id ? -ENOMEM : -ENOENT;
	if (sn->adopted)
		return -EBUSY;

	if (r->kind == EGRESS_RULE_ANY_NAME) {
		had = sn->info.any_rule_id[action] != 0;
		sn->info.any_rule_id[action] = rule_id;
		sn->info.n_names[action] += (rule_id != 0) - had;
		return slot_info_write(dp, slot, sn);
	}

	name = r->kind == EGRESS_RULE_WILDCARD ? r->pattern + 2 : r->pattern;
	key.kind = r->kind == EGRESS_RULE_WILDCARD ? EGRESS_NAME_WILDCARD : EGRESS_NAME_EXACT;
	ret = egress_dp_name_hash(dp, name, &key.hash, &labels);
	if (ret)
		return ret;
	if (bpf_map_lookup_elem(sn->fd, &key, &val))
		memset(&val, 0, sizeof(val));
	had = val.rule_id[action] != 0;
	has = rule_id != 0;
	val.rule_id[action] = rule_id;

	if (has && !had) {
		sn->info.n_names[action]++;
		if (key.kind == EGRESS_NAME_WILDCARD &&
		    sn->depth_count[depth_bit(labels)]++ == 0)
			sn->info.wild_depths |= 1ULL << depth_bit(labels);
		ret = slot_info_write(dp, slot, sn);
		if (ret)
			return ret;
	}
	if (val.rule_id[EGRESS_ACT_ALLOW] || val.rule_id[EGRESS_ACT_DENY])
		ret = bpf_map_update_elem(sn->fd, &key, &val, BPF_ANY) ? -errno : 0;
	else
		ret = bpf_map_delete_elem(sn->fd, &key) && errno != ENOENT ? -errno : 0;
	if (ret)
		return ret;
	if (!has && had) {
		sn->info.n_names[action]--;
		if (key.kind == EGRESS_NAME_WILDCARD &&
		    --sn->depth_count[depth_bit(labels)] == 0)
			sn->info.wild_depths &= ~(1ULL << depth_bit(labels));
		ret = slot_info_write(dp, slot, sn);
	}
	return ret;
}

int egress_dp_name_rule_add(struct egress_dp *dp, __u16 slot,
			    const struct egress_rule *r)
{
	if (!r->id || r->kind == EGRESS_RULE_IP)
		return -EINVAL;
	return name_rule_set(dp, slot, r->action, r, r->id);
}

int egress_dp_name_rule_del(struct egress_dp *dp, __u16 slot,
			    const struct egress_rule *r)
{
	if (r->kind == EGRESS_RULE_IP)
		return -EINVAL;
	return name_rule_set(dp, slot, r->action, r, 0);
}

int egress_dp_slot_reserve(struct egress_dp *dp, __u16 slot, __u32 n_names)
{
	if (dp->names[slot])
		return -EEXIST;
	return slot_names(dp, slot, true, n_names) ? 0 : -ENOMEM;
}

/*
 * --- loading a slot in bulk ---------------------------------------------------
 * A slot no sandbox entry names yet is filled with one batch update per
 * map (BPF_MAP_UPDATE_BATCH) instead of one syscall or three per rule. The
 * name table's entries are gathered first: one entry holds the allow and
 * the deny rule of a name, so rules are merged by key in a userspace index
 * before anything is written.
 */

#define LOAD_BATCH	(1U << 16)	/* elements per batch syscall */
#ifndef ENOTSUPP
#define ENOTSUPP	524		/* the kernel's: no batch op for the type */
#endif

struct load_names {
	struct egress_name_key *keys;
	struct egress_name_rule *vals;
	struct load_slot {
		__u32 at;		/* entry + 1, 0: free */
		__u32 hash;		/* the key's high bits: most misses end here */
	} *index;			/* open addressing */
	size_t n, mask;
};

struct load_ips {
	struct egress_lpm_key *keys;
	struct egress_ip_rule *vals;
	size_t n;
};

static size_t load_index_size(size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	return size;
}

static int load_names_init(struct load_names *ln, size_t n)
{
	memset(ln, 0, sizeof(*ln));
	if (!n)
		return 0;
	ln->mask = load_index_size(n) - 1;
	ln->keys = malloc(n * sizeof(*ln->keys));
	ln->vals = malloc(n * sizeof(*ln->vals));
	ln->index = calloc(ln->mask + 1, sizeof(*ln->index));
	return ln->keys && ln->vals && ln->index ? 0 : -ENOMEM;
}

static void load_names_free(struct load_names *ln)
{
	free(ln->keys);
	free(ln->vals);
	free(ln->index);
}

static size_t load_slot_of(const struct load_names *ln, const struct egress_name_key *key)
{
	return (key->hash ^ key->kind) & ln->mask;
}

/* The entry of key, a new empty one when there is none. */
static struct egress_name_rule *load_names_entry(struct load_names *ln,
						 const struct egress_name_key *key)
{
	size_t i = load_slot_of(ln, key);

	for (;; i = (i + 1) & ln->mask) {
		const struct load_slot *e = &ln->index[i];

		if (!e->at)
			break;
		if (e->hash == (__u32)(key->hash >> 32) && ln->keys[e->at - 1].hash == key->hash &&
		    ln->keys[e->at - 1].kind == key->kind)
			return &ln->vals[e->at - 1];
	}
	ln->index[i].at = ln->n + 1;
	ln->index[i].hash = key->hash >> 32;
	ln->keys[ln->n] = *key;
	memset(&ln->vals[ln->n], 0, sizeof(*ln->vals));
	return &ln->vals[ln->n++];
}

/*
 * Writes n elements in batches; one element at a time where the kernel
 * has no batch update for the map's type.
 */
static int map_update_many(int fd, const void *keys, size_t key_size,
			   const void *vals, size_t val_size, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = BPF_ANY);
	const char *k = keys, *v = vals;
	bool batch = true;

	while (n) {
		__u32 count = n < LOAD_BATCH ? n : LOAD_BATCH;

		if (batch) {
			if (!bpf_map_update_batch(fd, k, v, &count, &o))
				goto next;
			if (errno != EINVAL && errno != ENOTSUPP && errno != EOPNOTSUPP)
				return -errno;
			batch = false;	/* count: those written before it said so */
			if (count)
				goto next;
			count = n < LOAD_BATCH ? n : LOAD_BATCH;
		}
		for (__u32 i = 0; i < count; i++)
			if (bpf_map_update_elem(fd, k + i * key_size, v + i * val_size, BPF_ANY))
				return -errno;
next:
		k += (size_t)count * key_size;
		v += (size_t)count * val_size;
		n -= count;
	}
	return 0;
}

/* A name rule hashed, waiting for its index slot to be in the cache. */
struct load_pending {
	struct egress_name_key key;
	const struct egress_rule *r;
	__u32 labels;
};

#define LOAD_AHEAD	16	/* rules hashed ahead of the one filed */

/* Files a hashed name rule into ln and sn->info (as name_rule_set counts it). */
static void load_name_put(struct slot_names *sn, struct load_names *ln,
			  const struct load_pending *p)
{
	struct egress_name_rule *val = load_names_entry(ln, &p->key);
	__u8 action = p->r->action;

	if (!val->rule_id[action]) {
		sn->info.n_names[action]++;
		if (p->key.kind == EGRESS_NAME_WILDCARD &&
		    sn->depth_count[depth_bit(p->labels)]++ == 0)
			sn->info.wild_depths |= 1ULL << depth_bit(p->labels);
	}
	val->rule_id[action] = p->r->id;
}

/*
 * Gathers the name rules of rules[] (stride apart) into ln and sn->info.
 * The index is far larger than the cache: each rule is hashed LOAD_AHEAD
 * rules before it is filed, and its slot fetched meanwhile.
 */
static int load_names_gather(struct egress_dp *dp, struct slot_names *sn,
			     struct load_names *ln, const char *base, size_t n,
			     size_t stride, size_t *failed)
{
	struct load_pending ring[LOAD_AHEAD];
	size_t head = 0, queued = 0;

	for (size_t i = 0; i < n; i++) {
		const struct egress_rule *r = (const void *)(base + i * stride);
		struct load_pending *p;
		const char *name;
		int ret;

		if (r->kind == EGRESS_RULE_IP)
			continue;
		if (r->kind == EGRESS_RULE_ANY_NAME) {
			sn->info.n_names[r->action] += sn->info.any_rule_id[r->action] == 0;
			sn->info.any_rule_id[r->action] = r->id;
			continue;
		}
		p = &ring[head];
		if (queued == LOAD_AHEAD)
			load_name_put(sn, ln, p);
		else
			queued++;
		memset(&p->key, 0, sizeof(p->key));
		p->r = r;
		name = r->kind == EGRESS_RULE_WILDCARD ? r->pattern + 2 : r->pattern;
		p->key.kind = r->kind == EGRESS_RULE_WILDCARD ? EGRESS_NAME_WILDCARD :
								 EGRESS_NAME_EXACT;
		ret = egress_dp_name_hash(dp, name, &p->key.hash, &p->labels);
		if (ret) {
			if (failed)
				*failed = i;
			return ret;
		}
		__builtin_prefetch(&ln->index[load_slot_of(ln, &p->key)], 1);
		head = (head + 1) % LOAD_AHEAD;
	}
	/* the oldest first: of two rules on one name and action the last wins */
	for (size_t k = 0; k < queued; k++)
		load_name_put(sn, ln, &ring[(head + LOAD_AHEAD - queued + k) % LOAD_AHEAD]);
	return 0;
}

static int load_ips_write(struct egress_dp *dp, __u16 slot, __u8 action,
			  const struct load_ips *li)
{
	int fd;

	if (!li->n)
		return 0;
	fd = trie_fd(dp, slot, action, true);
	if (fd < 0)
		return fd;
	return map_update_many(fd, li->keys, sizeof(*li->keys), li->vals,
			       sizeof(*li->vals), li->n);
}

int egress_dp_slot_load_rules(struct egress_dp *dp, __u16 slot,
			      const struct egress_rule *rules, size_t n,
			      size_t stride, size_t *failed)
{
	struct load_ips ips[EGRESS_ACT__MAX] = {};
	struct slot_names *sn = NULL;
	struct load_names ln;
	size_t n_names = 0, n_ips[EGRESS_ACT__MAX] = {};
	const char *base = (const char *)rules;
	int ret;

#define RULE(i) ((const struct egress_rule *)(base + (i) * stride))
	if (failed)
		*failed = n;
	if (slot >= EGRESS_MAX_RULE_SLOTS || stride < sizeof(*rules))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct egress_rule *r = RULE(i);

		if (!r->id || r->action >= EGRESS_ACT__MAX) {
			if (failed)
				*failed = i;
			return -EINVAL;
		}
		if (r->kind == EGRESS_RULE_IP)
			n_ips[r->action]++;
		else
			n_names++;
	}
	/*
	 * A table that already holds rules is added to rule by rule: its
	 * entries would have to be read to merge with them.
	 */
	if (n_names && dp->names[slot] &&
	    (dp->names[slot]->adopted || dp->names[slot]->info.n_names[EGRESS_ACT_ALLOW] ||
	     dp->names[slot]->info.n_names[EGRESS_ACT_DENY])) {
		for (size_t i = 0; i < n; i++) {
			const struct egress_rule *r = RULE(i);

			ret = r->kind == EGRESS_RULE_IP ?
				egress_dp_ip_rule_add(dp, slot, r->action, &r->prefix, r->id) :
				egress_dp_name_rule_add(dp, slot, r);
			if (ret) {
				if (failed)
					*failed = i;
				return ret;
			}
		}
		if (failed)
			*failed = n;
		return 0;
	}

	ret = load_names_init(&ln, n_names);
	for (__u8 a = 0; !ret && a < EGRESS_ACT__MAX; a++) {
		if (!n_ips[a])
			continue;
		ips[a].keys = malloc(n_ips[a] * sizeof(*ips[a].keys));
		ips[a].vals = malloc(n_ips[a] * sizeof(*ips[a].vals));
		if (!ips[a].keys || !ips[a].vals)
			ret = -ENOMEM;
	}
	if (!ret && n_names) {
		sn = slot_names(dp, slot, true, n_names);
		if (!sn)
			ret = -ENOMEM;
	}
	if (!ret && sn)
		ret = load_names_gather(dp, sn, &ln, base, n, stride, failed);
	for (size_t i = 0; !ret && n_ips[0] + n_ips[1] && i < n; i++) {
		const struct egress_rule *r = RULE(i);
		struct load_ips *li = &ips[r->action];

		if (r->kind != EGRESS_RULE_IP)
			continue;
		li->keys[li->n] = r->prefix;
		li->vals[li->n] = (struct egress_ip_rule){
			.rule_id = r->id,
			.v6_only = !(egress_addr_is_v4(r->prefix.addr) && r->prefix.prefixlen >= 96),
		};
		li->n++;
	}
#undef RULE
	/* slot_info announces the table before its entries are there */
	if (!ret && sn)
		ret = slot_info_write(dp, slot, sn);
	if (!ret && ln.n)
		ret = map_update_many(sn->fd, ln.keys, sizeof(*ln.keys), ln.vals,
				      sizeof(*ln.vals), ln.n);
	for (__u8 a = 0; !ret && a < EGRESS_ACT__MAX; a++)
		ret = load_ips_write(dp, slot, a, &ips[a]);
	if (!ret && failed)
		*failed = n;
	load_names_free(&ln);
	for (__u8 a = 0; a < EGRESS_ACT__MAX; a++) {
		free(ips[a].keys);
		free(ips[a].vals);
	}
	return ret;
}

int egress_dp_slot_load(struct egress_dp *dp, __u16 slot,
			const struct egress_policy *p)
{
	return egress_dp_slot_load_rules(dp, slot, p->rules, p->n_rules,
					 sizeof(*p->rules), NULL);
}

/* --- sandboxes --------------------------------------------------------------- */

static int inner_create(int outer_fd, __u32 key, enum bpf_map_type type,
			const char *name, __u32 key_size, __u32 value_size,
			__u32 max_entries)
{
	int fd, ret = 0;

	fd = bpf_map_create(type, name, key_size, value_size, max_entries, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(outer_fd, &key, &fd, BPF_ANY))
		ret = -errno;
	close(fd);	/* the outer map holds it now */
	return ret;
}

/* A sandbox's DNS bindings: allocated as they come (BPF_F_NO_PREALLOC). */
static int bindings_create(struct egress_dp *dp, __u32 sandbox_id)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	int fd, ret = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bindings_sb", 16,
			    sizeof(struct egress_binding), EGRESS_BINDINGS_PER_SANDBOX, &o);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.bindings), &sandbox_id, &fd,
				BPF_ANY))
		ret = -errno;
	close(fd);
	return ret;
}

int egress_dp_flow_table_create(struct egress_dp *dp, __u32 sandbox_id,
				__u32 max_flows)
{
	__u32 zero = 0;
	int ret;

	if (!sandbox_id || sandbox_id >= EGRESS_MAX_SANDBOXES || !max_flows)
		return -EINVAL;
	ret = inner_create(bpf_map__fd(dp->skel->maps.flows), sandbox_id,
			   BPF_MAP_TYPE_LRU_HASH, "flows_sandbox",
			   sizeof(struct egress_flow_key), sizeof(struct egress_flow),
			   max_flows);
	if (ret)
		return ret;
	ret = inner_create(bpf_map__fd(dp->skel->maps.hellos), sandbox_id,
			   BPF_MAP_TYPE_LRU_HASH, "hellos_sandbox",
			   sizeof(struct egress_flow_key), sizeof(struct egress_hello),
			   EGRESS_HELLOS_PER_SANDBOX);
	if (ret)
		return ret;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.hello_count), &sandbox_id,
				&zero, BPF_ANY))
		return -errno;
	return bindings_create(dp, sandbox_id);
}

int egress_dp_flow_table_delete(struct egress_dp *dp, __u32 sandbox_id)
{
	int ret = 0;

	if (bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.flows), &sandbox_id))
		ret = -errno;
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.hellos), &sandbox_id);
	bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.bindings), &sandbox_id);
	return ret;
}

int egress_dp_sandbox_set(struct egress_dp *dp, __u32 ifindex,
			  const struct egress_sandbox *sb)
{
	if (!sb->id || sb->id >= EGRESS_MAX_SANDBOXES || sb->mode >= EGRESS_MODE__MAX)
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.sandboxes), &ifindex,
				sb, BPF_ANY))
		return -errno;
	return 0;
}

int egress_dp_sandbox_get(struct egress_dp *dp, __u32 ifindex,
			  struct egress_sandbox *sb)
{
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.sandboxes), &ifindex, sb))
		return -errno;
	return 0;
}

int egress_dp_sandbox_del(struct egress_dp *dp, __u32 ifindex)
{
	if (bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.sandboxes), &ifindex))
		return -errno;
	return 0;
}

static int sandbox_addr_add(int map_fd, __u32 sandbox_id, const __u8 addr[16])
{
	struct egress_src_key key = { .sandbox_id = sandbox_id };
	__u8 one = 1;

	memcpy(key.addr, addr, 16);
	if (bpf_map_update_elem(map_fd, &key, &one, BPF_ANY))
		return -errno;
	return 0;
}

int egress_dp_src_addr_add(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16])
{
	return sandbox_addr_add(bpf_map__fd(dp->skel->maps.src_addrs), sandbox_id, addr);
}

int egress_dp_resolver_add(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16])
{
	return sandbox_addr_add(bpf_map__fd(dp->skel->maps.resolvers), sandbox_id, addr);
}

static int sandbox_addrs_clear(int map_fd, __u32 sandbox_id)
{
	struct egress_src_key key, next;
	void *prev = NULL;
	int ret = 0;

	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		if (next.sandbox_id == sandbox_id) {
			/* the walk goes on from the key before the deleted one */
			if (bpf_map_delete_elem(map_fd, &next) && errno != ENOENT)
				ret = -errno;
			continue;
		}
		key = next;
		prev = &key;
	}
	return ret;
}

int egress_dp_src_addrs_clear(struct egress_dp *dp, __u32 sandbox_id)
{
	return sandbox_addrs_clear(bpf_map__fd(dp->skel->maps.src_addrs), sandbox_id);
}

int egress_dp_resolvers_clear(struct egress_dp *dp, __u32 sandbox_id)
{
	return sandbox_addrs_clear(bpf_map__fd(dp->skel->maps.resolvers), sandbox_id);
}

int egress_dp_resolver_del(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16])
{
	struct egress_src_key key = { .sandbox_id = sandbox_id };

	memcpy(key.addr, addr, 16);
	if (bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.resolvers), &key))
		return -errno;
	return 0;
}

bool egress_dp_flow_table_exists(struct egress_dp *dp, __u32 sandbox_id)
{
	__u32 id;

	return !bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.flows), &sandbox_id, &id);
}

/* --- lookups as the data path makes them (explain) ----------------------------- */

static int inner_fd(int outer_fd, __u32 idx)
{
	__u32 id;
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &idx, &id))
		return -ENOENT;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}

int egress_dp_flows_count(struct egress_dp *dp, __u32 sandbox_id)
{
	struct egress_flow_key key, next;
	int fd, n = 0, ret = 0;
	void *prev = NULL;

	fd = inner_fd(bpf_map__fd(dp->skel->maps.flows), sandbox_id);
	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	if (errno != ENOENT)
		ret = -errno;
	close(fd);
	return ret ? ret : n;
}

__u32 egress_dp_ip_match(struct egress_dp *dp, __u16 slot, __u8 action,
			 const __u8 addr[16])
{
	struct egress_lpm_key key = { .prefixlen = 128 };
	struct egress_ip_rule r;
	int fd;

	if (slot >= EGRESS_MAX_RULE_SLOTS || action >= EGRESS_ACT__MAX)
		return 0;
	fd = inner_fd(bpf_map__fd(dp->skel->maps.ip_rules), slot * 2 + action);
	if (fd < 0)
		return 0;
	memcpy(key.addr, addr, 16);
	if (bpf_map_lookup_elem(fd, &key, &r) || (r.v6_only && egress_addr_is_v4(addr)))
		r.rule_id = 0;
	close(fd);
	return r.rule_id;
}

int egress_dp_name_match(struct egress_dp *dp, __u16 slot, const char *name,
			 __u32 rule_id[EGRESS_ACT__MAX])
{
	__u64 hash[EG_NAME_DEPTHS] = {};
	struct egress_name_key key = {};
	struct egress_slot_info info;
	struct egress_name_rule r;
	char buf[256] = {};
	__u32 labels, s = slot;
	size_t len = strlen(name);
	int fd;

	rule_id[EGRESS_ACT_ALLOW] = rule_id[EGRESS_ACT_DENY] = 0;
	if (slot >= EGRESS_MAX_RULE_SLOTS)
		return 0;
	if (!len || len > EG_NAME_MAX)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.slot_info), &s, &info))
		return -errno;
	if (!(info.n_names[EGRESS_ACT_ALLOW] | info.n_names[EGRESS_ACT_DENY]))
		return 0;
	for (__u32 a = 0; a < EGRESS_ACT__MAX; a++)
		rule_id[a] = info.any_rule_id[a];
	fd = inner_fd(bpf_map__fd(dp->skel->maps.name_rules), slot);
	if (fd < 0)
		return 0;
	memcpy(buf, name, len);
	labels = eg_name_hashes(dp->hash_key, buf, len, hash);
	/* as bpf/policy.h: shortest suffix first, then the whole name */
	key.kind = EGRESS_NAME_WILDCARD;
	for (__u32 d = 1; d < EG_NAME_DEPTHS && d < labels; d++) {
		if (!(d < 64 ? (info.wild_depths >> d) & 1 : info.wild_depths & 1))
			continue;
		key.hash = hash[d];
		if (bpf_map_lookup_elem(fd, &key, &r))
			continue;
		for (__u32 a = 0; a < EGRESS_ACT__MAX; a++)
			if (r.rule_id[a])
				rule_id[a] = r.rule_id[a];
	}
	key.kind = EGRESS_NAME_EXACT;
	key.hash = hash[0];
	if (!bpf_map_lookup_elem(fd, &key, &r))
		for (__u32 a = 0; a < EGRESS_ACT__MAX; a++)
			if (r.rule_id[a])
				rule_id[a] = r.rule_id[a];
	close(fd);
	return 0;
}

/* --- test runs ------------------------------------------------------------------ */

static int test_run(int prog_fd, struct egress_run *run, void *ctx, size_t ctx_size)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = run->frame,
		    .data_size_in = run->len,
		    .data_out = run->out,
		    .data_size_out = run->out ? run->out_size : 0,
		    .ctx_in = ctx,
		    .ctx_size_in = ctx_size,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	run->action = o.retval;
	run->out_size = o.data_size_out;
	return 0;
}

int egress_dp_run_xdp(struct egress_dp *dp, struct egress_run *run)
{
	struct xdp_md ctx = {
		.data_end = run->len,
		.ingress_ifindex = run->ifindex,
	};

	return test_run(egress_dp_xdp_fd(dp), run, &ctx, sizeof(ctx));
}

int egress_dp_run_tc(struct egress_dp *dp, struct egress_run *run)
{
	struct __sk_buff ctx = { .ifindex = run->ifindex };

	return test_run(egress_dp_tc_fd(dp), run, &ctx, sizeof(ctx));
}

int egress_dp_run_tc_in(struct egress_dp *dp, struct egress_run *run)
{
	struct __sk_buff ctx = { .ifindex = run->ifindex };
	int fd = egress_dp_tc_in_fd(dp), ret;

	if (fd < 0)
		return fd;
	ret = test_run(fd, run, &ctx, sizeof(ctx));
	if (ret)
		return ret;
	switch ((int)run->action) {
	case TC_ACT_OK:
		run->action = XDP_PASS;
		break;
	case TC_ACT_SHOT:
		run->action = XDP_DROP;
		break;
	case TC_ACT_REDIRECT:
		run->action = XDP_TX;	/* back out of the same interface */
		break;
	default:
		run->action = XDP_ABORTED;
	}
	return 0;
}

/* --- events and counters ---------------------------------------------------------- */

static int on_ring_event(void *ctx, void *data, size_t size)
{
	struct egress_dp *dp = ctx;

	if (size < sizeof(struct egress_event))
		return 0;
	return dp->fn(dp->fn_ctx, data);
}

int egress_dp_events_subscribe(struct egress_dp *dp, egress_event_fn fn,
			       void *ctx)
{
	if (dp->rb)
		return -EBUSY;
	dp->fn = fn;
	dp->fn_ctx = ctx;
	dp->rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.events),
				  on_ring_event, dp, NULL);
	if (!dp->rb)
		return -errno;
	return 0;
}

int egress_dp_events_fd(struct egress_dp *dp)
{
	return dp->rb ? ring_buffer__epoll_fd(dp->rb) : -EINVAL;
}

int egress_dp_events_consume(struct egress_dp *dp)
{
	return dp->rb ? ring_buffer__consume(dp->rb) : -EINVAL;
}

int egress_dp_events_poll(struct egress_dp *dp, int timeout_ms)
{
	return dp->rb ? ring_buffer__poll(dp->rb, timeout_ms) : -EINVAL;
}

int egress_dp_stats(struct egress_dp *dp, __u64 *out)
{
	int fd = bpf_map__fd(dp->skel->maps.stats);
	__u64 *percpu = calloc(dp->ncpus, sizeof(*percpu));

	if (!percpu)
		return -ENOMEM;
	for (__u32 i = 0; i < EGRESS_STAT__MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, percpu)) {
			int ret = -errno;

			free(percpu);
			return ret;
		}
		for (int c = 0; c < dp->ncpus; c++)
			out[i] += percpu[c];
	}
	free(percpu);
	return 0;
}

/* --- DNS bindings ------------------------------------------------------------------ */

int egress_dp_binding_grace_set(struct egress_dp *dp, __u32 seconds)
{
	int fd = bpf_map__fd(dp->skel->maps.config);
	struct egress_config cfg;
	__u32 zero = 0;

	if (seconds > EGRESS_BINDING_MAX_TTL_S)
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	cfg.binding_grace_s = seconds;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY))
		return -errno;
	return 0;
}

/* The sandbox's bindings map (an fd to close), or -errno. */
static int bindings_fd(struct egress_dp *dp, __u32 sandbox_id)
{
	if (!sandbox_id || sandbox_id >= EGRESS_MAX_SANDBOXES)
		return -EINVAL;
	return inner_fd(bpf_map__fd(dp->skel->maps.bindings), sandbox_id);
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int binding_live(const struct egress_binding *b, __u64 now)
{
	int n = 0;

	for (int j = 0; j < EGRESS_BINDING_NAMES; j++)
		n += b->names[j].expires_ns > now;
	return n;
}

/*
 * Walks a sandbox's bindings: counts the addresses with a live name and,
 * when expire is set, deletes those with none.
 */
static int bindings_walk(struct egress_dp *dp, __u32 sandbox_id, bool expire,
			 int *live)
{
	__u8 key[16], next[16];
	struct egress_binding b;
	int fd, removed = 0;
	__u64 now = monotonic_ns();
	void *prev = NULL;

	*live = 0;
	fd = bindings_fd(dp, sandbox_id);
	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (bpf_map_lookup_elem(fd, key, &b))
			continue;	/* deleted meanwhile */
		if (binding_live(&b, now)) {
			(*live)++;
			continue;
		}
		if (expire && !bpf_map_delete_elem(fd, key))
			removed++;
	}
	close(fd);
	return removed;
}

int egress_dp_bindings_expire(struct egress_dp *dp, __u32 sandbox_id)
{
	int live, ret, removed = 0;

	if (sandbox_id)
		return bindings_walk(dp, sandbox_id, true, &live);
	for (__u32 id = 1; id < EGRESS_MAX_SANDBOXES; id++) {
		ret = bindings_walk(dp, id, true, &live);
		if (ret > 0)
			removed += ret;
		else if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return removed;
}

int egress_dp_binding_addrs(struct egress_dp *dp, __u32 sandbox_id, const char *name,
			    __u8 (*out)[16], int max)
{
	__u8 key[16], next[16];
	void *prev = NULL;
	int fd, n = 0;

	fd = bindings_fd(dp, sandbox_id);
	if (fd < 0)
		return fd;
	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		if (egress_dp_binding_has_name(dp, sandbox_id, key, name) == 1)
			memcpy(out[n++], key, 16);
	}
	close(fd);
	return n;
}

int egress_dp_bindings_count(struct egress_dp *dp, __u32 sandbox_id)
{
	int live, ret = bindings_walk(dp, sandbox_id, false, &live);

	return ret < 0 ? ret : live;
}

int egress_dp_binding_lookup(struct egress_dp *dp, __u32 sandbox_id,
			     const __u8 addr[16], struct egress_bound_name *out,
			     int max)
{
	int fd = bindings_fd(dp, sandbox_id), n = 0, text_fd;
	struct egress_binding b;
	__u64 now = monotonic_ns();
	__u8 key[16];

	if (fd < 0)
		return fd;
	memcpy(key, addr, sizeof(key));
	if (bpf_map_lookup_elem(fd, key, &b)) {
		int ret = errno == ENOENT ? 0 : -errno;

		close(fd);
		return ret;
	}
	close(fd);
	text_fd = bpf_map__fd(dp->skel->maps.binding_text);
	for (int j = 0; j < EGRESS_BINDING_NAMES && n < max; j++) {
		const struct egress_binding_name *bn = &b.names[j];
		struct egress_bound_name *o = &out[n];

		if (bn->expires_ns <= now)
			continue;
		memset(o, 0, sizeof(*o));
		o->hash = bn->name_hash[0];
		o->expires_in_ms = (bn->expires_ns - now) / 1000000;
		if (bpf_map_lookup_elem(text_fd, &o->hash, o->name))
			o->name[0] = '\0';	/* its text was evicted */
		o->name[sizeof(o->name) - 1] = '\0';
		n++;
	}
	return n;
}

int egress_dp_binding_has_name(struct egress_dp *dp, __u32 sandbox_id,
			       const __u8 addr[16], const char *name)
{
	struct egress_bound_name names[EGRESS_BINDING_NAMES];
	__u32 labels;
	__u64 hash;
	int n, ret;

	ret = egress_dp_name_hash(dp, name, &hash, &labels);
	if (ret)
		return ret;
	n = egress_dp_binding_lookup(dp, sandbox_id, addr, names, EGRESS_BINDING_NAMES);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (names[i].hash == hash)
			return 1;
	return 0;
}
