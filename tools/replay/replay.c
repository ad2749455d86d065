// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "capture.h"
#include "errmsg.h"
#include "datapath.h"
#include "frame.h"
#include "output.h"
#include "replay.h"

#define REPLAY_SANDBOX_ID	1
#define REPLAY_GENERATION	1
#define REPLAY_MAX_MACS		16
/* Larger than any frame a capture can hold (libpcap caps snaplen at 256 KiB). */
#define REPLAY_RUN_MAX		(256 * 1024 + 64)

/* Locally administered MACs for frames captured without an Ethernet header. */
static const __u8 sandbox_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const __u8 peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct replay {
	const struct replay_opts *o;
	struct egress_dp *dp;
	__u32 ifindex;
	__u32 xdp_max;		/* largest frame each test run accepts */
	__u32 tc_max;
	__u8 *out;		/* the frame as the program left it */
	__u8 macs[REPLAY_MAX_MACS][6];	/* seen on the sandbox's frames */
	unsigned int n_macs;
	struct output output;
	const char *file;	/* the capture being replayed */
	__u64 frame;		/* the frame being run */
	struct replay_totals totals;
};

int replay_first_source(const char *path, __u8 addr[16], char *err,
			size_t errlen)
{
	struct frame_l3 l3;
	struct capture c;
	struct frame f;
	int ret;

	ret = capture_open(&c, path, false, err, errlen);
	if (ret)
		return ret;
	while ((ret = capture_next(&c, &f, err, errlen)) > 0) {
		frame_peek(f.data, f.len, &l3);
		if (l3.kind == FRAME_L3_IP) {
			memcpy(addr, l3.saddr, 16);
			break;
		}
	}
	capture_close(&c);
	return ret;
}

/* --- which side a frame comes from ----------------------------------------- */

static bool is_sandbox_addr(const struct replay *r, const __u8 addr[16])
{
	for (size_t i = 0; i < r->o->n_sandbox_addrs; i++)
		if (!memcmp(r->o->sandbox_addrs[i], addr, 16))
			return true;
	return false;
}

static bool is_sandbox_mac(const struct replay *r, const __u8 mac[6])
{
	for (unsigned int i = 0; i < r->n_macs; i++)
		if (!memcmp(r->macs[i], mac, 6))
			return true;
	return false;
}

static void learn_mac(struct replay *r, const __u8 mac[6])
{
	if (!mac_is_unicast(mac) || is_sandbox_mac(r, mac) ||
	    r->n_macs == REPLAY_MAX_MACS)
		return;
	memcpy(r->macs[r->n_macs++], mac, 6);
}

static bool addr_is_unspecified_v4(const __u8 addr[16])
{
	return !addr[12] && !addr[13] && !addr[14] && !addr[15];
}

/*
 * From the sandbox: its IP (or ARP sender) source is a sandbox address.
 * Towards it: the destination (or ARP target) is. Anything else (ARP
 * probes, NDP from link-local addresses, forged sources) is from the
 * sandbox when it carries a MAC seen on the sandbox's frames.
 */
static bool frame_is_egress(struct replay *r, const struct frame *f)
{
	struct frame_l3 l3;

	frame_peek(f->data, f->len, &l3);
	if (l3.kind != FRAME_L3_NONE) {
		if (is_sandbox_addr(r, l3.saddr)) {
			if (!f->synthetic_eth)
				learn_mac(r, frame_src_mac(f->data));
			return true;
		}
		if (is_sandbox_addr(r, l3.daddr) &&
		    !(l3.kind == FRAME_L3_ARP && addr_is_unspecified_v4(l3.saddr)))
			return false;
	}
	return !f->synthetic_eth && f->len >= 12 &&
	       is_sandbox_mac(r, frame_src_mac(f->data));
}

/* --- running frames -------------------------------------------------------- */

static const char *action_name(bool egress, __u32 action)
{
	if (egress) {
		switch (action) {
		case XDP_PASS:
			return "pass";
		case XDP_DROP:
			return "drop";
		case XDP_TX:
			return "tx";
		case XDP_ABORTED:
			return "aborted";
		default:
			return "other";
		}
	}
	switch ((int)action) {
	case TC_ACT_OK:
	case TC_ACT_UNSPEC:	/* the qdisc goes on as with OK */
		return "pass";
	case TC_ACT_SHOT:
		return "drop";
	default:
		return "other";
	}
}

static void count_action(struct replay_totals *t, bool egress, const char *action)
{
	t->frames++;
	if (egress)
		t->egress++;
	else
		t->ingress++;
	if (!strcmp(action, "pass"))
		t->pass++;
	else if (!strcmp(action, "drop"))
		t->drop++;
	else if (!strcmp(action, "tx"))
		t->tx++;
	else
		t->other++;
}

static int run_frame(struct replay *r, struct frame *f, char *err, size_t errlen)
{
	bool egress = frame_is_egress(r, f);
	struct frame_report rep = {
		.file = r->file,
		.frame = f->index,
		.dir = egress ? "egress" : "ingress",
		.wire_len = f->wire_len,
	};
	struct egress_run run = {
		.frame = f->data,
		.ifindex = r->ifindex,
		.out = r->out,
		.out_size = REPLAY_RUN_MAX,
	};
	__u32 max = egress && !r->o->tc_ingress ? r->xdp_max : r->tc_max;
	int ret;

	if (f->synthetic_eth)
		frame_set_macs(f->data, egress ? sandbox_mac : peer_mac,
			       egress ? peer_mac : sandbox_mac);
	run.len = f->len;
	if (run.len < CAPTURE_ETH_HLEN) {
		/* A runt: zeros up to an Ethernet header (capture keeps room). */
		memset(f->data + run.len, 0, CAPTURE_ETH_HLEN - run.len);
		run.len = CAPTURE_ETH_HLEN;
	}
	if (run.len > max) {
		run.len = frame_clip(f->data, run.len, max);
		rep.truncated = "test-run";
	} else if (f->len < f->wire_len) {
		rep.truncated = "capture";
	}
	rep.run_len = run.len;

	r->frame = f->index;
	ret = !egress ? egress_dp_run_tc(r->dp, &run) :
	      r->o->tc_ingress ? egress_dp_run_tc_in(r->dp, &run) : egress_dp_run_xdp(r->dp, &run);
	if (ret)
		return egress_errf(err, errlen, ret, "%s: frame %llu: the %s test run failed: %s",
			    r->file, (unsigned long long)f->index,
			    !egress ? "tc" : r->o->tc_ingress ? "tc ingress" : "XDP", strerror(-ret));
	rep.action = action_name(egress, run.action);
	count_action(&r->totals, egress, rep.action);
	ret = output_frame(&r->output, &rep);
	if (!ret)
		ret = egress_dp_events_consume(r->dp);
	if (ret < 0)
		return egress_errf(err, errlen, ret, "writing the output: %s", strerror(-ret));
	return 0;
}

static const char *rule_pattern(const struct replay *r, __u32 rule_id,
				char *buf, size_t len)
{
	const struct egress_policy *p = r->o->policy;

	if (!rule_id)
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].id == rule_id)
			return p->rules[i].pattern;
	snprintf(buf, len, "#%u", rule_id);
	return buf;
}

static int on_event(void *ctx, const struct egress_event *e)
{
	struct replay *r = ctx;
	char buf[32];

	r->totals.events++;
	return output_event(&r->output, r->file, r->frame, e,
			    rule_pattern(r, e->rule_id, buf, sizeof(buf)));
}

static int replay_capture(struct replay *r, const char *path, char *err,
			  size_t errlen)
{
	struct capture c;
	struct frame f;
	int ret;

	ret = capture_open(&c, path, r->o->strip_vlan, err, errlen);
	if (ret)
		return ret;
	r->file = path;
	r->totals.captures++;
	while ((ret = capture_next(&c, &f, err, errlen)) > 0) {
		ret = run_frame(r, &f, err, errlen);
		if (ret)
			break;
	}
	capture_close(&c);
	return ret;
}

/* --- setting up --------------------------------------------------------------- */

/* Does a test run of len bytes go through? No sandbox is set yet: no effects. */
static bool run_accepted(struct replay *r, bool xdp, __u32 len)
{
	struct egress_run run = {
		.frame = r->out,
		.len = len,
		.ifindex = r->ifindex,
	};

	return !(xdp ? egress_dp_run_xdp(r->dp, &run) : egress_dp_run_tc(r->dp, &run));
}

/*
 * The largest frame a test run accepts: the XDP one takes frames in
 * fragments up to the skb frag limit, the tc one one page less headroom.
 * Depends on the kernel and its config, so it is measured.
 */
static int probe_limit(struct replay *r, bool xdp, __u32 *max)
{
	__u32 lo = CAPTURE_ETH_HLEN, hi = REPLAY_RUN_MAX;

	memset(r->out, 0, REPLAY_RUN_MAX);
	if (!run_accepted(r, xdp, lo))
		return -EINVAL;
	while (lo < hi) {
		__u32 mid = lo + (hi - lo + 1) / 2;

		if (run_accepted(r, xdp, mid))
			lo = mid;
		else
			hi = mid - 1;
	}
	*max = lo;
	return 0;
}

static int sandbox_setup(struct replay *r)
{
	struct egress_sandbox sb = {
		.id = REPLAY_SANDBOX_ID,
		.generation = REPLAY_GENERATION,
		.mode = r->o->mode,
		.event_window_ms = 0,	/* every decision is shown */
	};
	int ret;

	for (int i = 0; i < EGRESS_SCOPE__MAX; i++)
		sb.slot[i] = EGRESS_SLOT_NONE;
	ret = egress_dp_slot_alloc(r->dp, &sb.slot[EGRESS_SCOPE_SANDBOX]);
	if (!ret)
		ret = egress_dp_slot_load(r->dp, sb.slot[EGRESS_SCOPE_SANDBOX],
					  r->o->policy);
	if (!ret)
		ret = egress_dp_flow_table_create(r->dp, sb.id, EGRESS_FLOWS_PER_SANDBOX);
	/* without "resolvers", DNS to any address counts as to a resolver */
	if (!r->o->policy->has_resolvers)
		sb.flags |= EGRESS_SB_F_ANY_RESOLVER;
	for (size_t i = 0; !ret && i < r->o->policy->n_resolvers; i++)
		ret = egress_dp_resolver_add(r->dp, sb.id, r->o->policy->resolvers[i]);
	if (!ret)
		ret = egress_dp_sandbox_set(r->dp, r->ifindex, &sb);
	if (!ret)
		ret = egress_dp_events_subscribe(r->dp, on_event, r);
	return ret;
}

static int replay_setup(struct replay *r, char *err, size_t errlen)
{
	int ret;

	r->ifindex = if_nametoindex("lo");
	if (!r->ifindex)
		r->ifindex = 1;
	r->out = malloc(REPLAY_RUN_MAX);
	if (!r->out)
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	ret = egress_dp_open(&r->dp, NULL);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot load the BPF programs: %s%s",
			    strerror(-ret),
			    ret == -EPERM || ret == -EACCES ? " (run as root)" : "");
	ret = probe_limit(r, true, &r->xdp_max);
	if (!ret)
		ret = probe_limit(r, false, &r->tc_max);
	if (ret)
		return egress_errf(err, errlen, ret, "BPF_PROG_TEST_RUN does not work here: %s",
			    strerror(-ret));
	ret = sandbox_setup(r);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot set up the sandbox: %s",
			    strerror(-ret));
	return 0;
}

static void report_lost(struct replay *r)
{
	__u64 stats[EGRESS_STAT__MAX];

	if (!egress_dp_stats(r->dp, stats) && stats[EGRESS_STAT_EVENTS_LOST])
		fprintf(stderr, "egress-replay: warning: %llu events were lost (ring buffer full)\n",
			(unsigned long long)stats[EGRESS_STAT_EVENTS_LOST]);
}

int replay_run(const struct replay_opts *o, char *err, size_t errlen)
{
	struct replay r = {
		.o = o,
		.output = {
			.f = stdout,
			.json = o->json,
			.show_file = o->n_captures > 1,
		},
	};
	int ret;

	ret = replay_setup(&r, err, errlen);
	for (size_t i = 0; !ret && i < o->n_captures; i++)
		ret = replay_capture(&r, o->captures[i], err, errlen);
	if (!ret && (output_totals(&r.output, &r.totals) || fflush(stdout)))
		ret = egress_errf(err, errlen, -EIO, "writing the output: %s", strerror(errno));
	if (!ret)
		report_lost(&r);
	egress_dp_close(r.dp);
	free(r.out);
	return ret;
}
