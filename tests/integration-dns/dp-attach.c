// SPDX-License-Identifier: GPL-2.0-only
/*
 * dp-attach: the data path on one interface, for the integration tests,
 * without the agent. Opens the data path (lib/datapath.c), registers one
 * sandbox on IFACE with the policy document FILE (lib/policy.h), attaches
 * the XDP program in generic mode and the tc program on egress, prints
 * "ready" and then one line per audit event, and stays until SIGINT or
 * SIGTERM, when it detaches.
 *
 *   dp-attach --iface IFACE --policy FILE [--grace SECONDS]
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "event_fmt.h"
#include "names.h"
#include "policy.h"

#define SANDBOX_ID 1

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_event(void *ctx, const struct egress_event *e)
{
	char host[EGRESS_HOST_MAX + 64], proto[32];

	(void)ctx;
	printf("event %s%s host=%s proto=%s reason=%s rule=%u\n",
	       egress_verdict_name(e->verdict),
	       e->flags & EGRESS_EV_F_WOULD_DENY ? "(would-deny)" : "",
	       egress_event_host(e, host, sizeof(host)),
	       egress_proto_name(e->proto, e->l4proto, e->family, proto, sizeof(proto)),
	       egress_reason_name(e->reason), e->rule_id);
	fflush(stdout);
	return 0;
}

static int setup(struct egress_dp *dp, int ifindex, const struct egress_policy *p)
{
	struct egress_sandbox sb = {
		.id = SANDBOX_ID,
		.generation = 1,
		.mode = p->has_mode ? p->mode : EGRESS_MODE_DENY,
	};
	__u16 slot;
	int ret;

	for (int i = 0; i < EGRESS_SCOPE__MAX; i++)
		sb.slot[i] = EGRESS_SLOT_NONE;
	ret = egress_dp_slot_alloc(dp, &slot);
	if (ret)
		return ret;
	ret = egress_dp_slot_load(dp, slot, p);
	if (ret)
		return ret;
	sb.slot[EGRESS_SCOPE_SANDBOX] = slot;
	ret = egress_dp_flow_table_create(dp, SANDBOX_ID, EGRESS_FLOWS_PER_SANDBOX);
	if (ret)
		return ret;
	if (!p->has_resolvers)
		sb.flags |= EGRESS_SB_F_ANY_RESOLVER;
	for (size_t i = 0; i < p->n_resolvers; i++) {
		ret = egress_dp_resolver_add(dp, SANDBOX_ID, p->resolvers[i]);
		if (ret)
			return ret;
	}
	return egress_dp_sandbox_set(dp, (__u32)ifindex, &sb);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "policy", required_argument, NULL, 'p' },
		{ "grace", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 1, .priority = 1);
	const char *iface = NULL, *policy_path = NULL;
	struct egress_policy pol = {};
	struct egress_dp *dp = NULL;
	long grace = -1;
	char err[256];
	int c, ifindex, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 'p':
			policy_path = optarg;
			break;
		case 'g':
			grace = strtol(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (!iface || !policy_path) {
		fprintf(stderr, "usage: dp-attach --iface IFACE --policy FILE [--grace S]\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "dp-attach: no interface %s\n", iface);
		return 1;
	}
	if (egress_policy_load(policy_path, 1, &pol, err, sizeof(err))) {
		fprintf(stderr, "dp-attach: %s\n", err);
		return 1;
	}
	ret = egress_dp_open(&dp, NULL);
	if (ret) {
		fprintf(stderr, "dp-attach: cannot load the data path: %s\n", strerror(-ret));
		return 1;
	}
	ret = setup(dp, ifindex, &pol);
	if (!ret && grace >= 0)
		ret = egress_dp_binding_grace_set(dp, (__u32)grace);
	if (!ret)
		ret = egress_dp_events_subscribe(dp, on_event, NULL);
	if (ret) {
		fprintf(stderr, "dp-attach: cannot set up the sandbox: %s\n", strerror(-ret));
		goto out;
	}
	ret = bpf_xdp_attach(ifindex, egress_dp_xdp_fd(dp), XDP_FLAGS_SKB_MODE, NULL);
	if (ret) {
		fprintf(stderr, "dp-attach: cannot attach XDP: %s\n", strerror(-ret));
		goto out;
	}
	hook.ifindex = ifindex;
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST) {
		fprintf(stderr, "dp-attach: cannot create the tc hook: %s\n", strerror(-ret));
		goto detach_xdp;
	}
	tc.prog_fd = egress_dp_tc_fd(dp);
	ret = bpf_tc_attach(&hook, &tc);
	if (ret) {
		fprintf(stderr, "dp-attach: cannot attach tc: %s\n", strerror(-ret));
		goto destroy_hook;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		egress_dp_events_poll(dp, 200);
		egress_dp_bindings_expire(dp, SANDBOX_ID);
	}
	ret = 0;
	tc.prog_fd = tc.prog_id = tc.flags = 0;
	bpf_tc_detach(&hook, &tc);
destroy_hook:
	hook.attach_point = BPF_TC_EGRESS | BPF_TC_INGRESS;
	bpf_tc_hook_destroy(&hook);
detach_xdp:
	bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL);
out:
	egress_dp_close(dp);
	egress_policy_free(&pol);
	return ret ? 1 : 0;
}
