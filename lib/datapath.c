// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "rule.h"
#include "egress.skel.h"

#define N_TRIES (EGRESS_MAX_RULE_SLOTS * 2)

struct egress_dp {
	struct egress_bpf *skel;
	struct ring_buffer *rb;
	egress_event_fn fn;
	void *fn_ctx;
	int trie_fd[N_TRIES];		/* inner LPM tries, -1: none */
	__u8 slot_used[EGRESS_MAX_RULE_SLOTS];
	int ncpus;
};

int egress_dp_open(struct egress_dp **out, const struct egress_dp_opts *opts)
{
	struct egress_dp *dp;
	int ret;

	(void)opts;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
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
	ret = egress_bpf__load(dp->skel);
	if (ret)
		goto err;
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
	egress_bpf__destroy(dp->skel);
	free(dp);
}

int egress_dp_xdp_fd(const struct egress_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.xdp_egress);
}

int egress_dp_tc_fd(const struct egress_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.tc_to_sandbox);
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

int egress_dp_slot_load(struct egress_dp *dp, __u16 slot,
			const struct egress_policy *p)
{
	int ret;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct egress_rule *r = &p->rules[i];

		if (r->kind != EGRESS_RULE_IP)
			continue;	/* names: the name tables */
		ret = egress_dp_ip_rule_add(dp, slot, r->action, &r->prefix, r->id);
		if (ret)
			return ret;
	}
	return 0;
}

/* --- sandboxes --------------------------------------------------------------- */

int egress_dp_flow_table_create(struct egress_dp *dp, __u32 sandbox_id,
				__u32 max_flows)
{
	int fd, ret = 0;

	if (!sandbox_id || sandbox_id >= EGRESS_MAX_SANDBOXES || !max_flows)
		return -EINVAL;
	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "flows_sandbox",
			    sizeof(struct egress_flow_key),
			    sizeof(struct egress_flow), max_flows, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.flows), &sandbox_id,
				&fd, BPF_ANY))
		ret = -errno;
	close(fd);	/* the outer map holds it now */
	return ret;
}

int egress_dp_flow_table_delete(struct egress_dp *dp, __u32 sandbox_id)
{
	if (bpf_map_delete_elem(bpf_map__fd(dp->skel->maps.flows), &sandbox_id))
		return -errno;
	return 0;
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

int egress_dp_src_addr_add(struct egress_dp *dp, __u32 sandbox_id,
			   const __u8 addr[16])
{
	struct egress_src_key key = { .sandbox_id = sandbox_id };
	__u8 one = 1;

	memcpy(key.addr, addr, 16);
	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.src_addrs), &key, &one,
				BPF_ANY))
		return -errno;
	return 0;
}

/* --- test runs ------------------------------------------------------------------ */

int egress_dp_run_xdp(struct egress_dp *dp, struct egress_run *run)
{
	struct xdp_md ctx = {
		.data_end = run->len,
		.ingress_ifindex = run->ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = run->frame,
		    .data_size_in = run->len,
		    .data_out = run->out,
		    .data_size_out = run->out ? run->out_size : 0,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(egress_dp_xdp_fd(dp), &o))
		return -errno;
	run->action = o.retval;
	run->out_size = o.data_size_out;
	return 0;
}

int egress_dp_run_tc(struct egress_dp *dp, struct egress_run *run)
{
	struct __sk_buff ctx = { .ifindex = run->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = run->frame,
		    .data_size_in = run->len,
		    .data_out = run->out,
		    .data_size_out = run->out ? run->out_size : 0,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(egress_dp_tc_fd(dp), &o))
		return -errno;
	run->action = o.retval;
	run->out_size = o.data_size_out;
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
