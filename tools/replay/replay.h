/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replaying captures through the real data path: one sandbox on the
 * loopback interface with the policy loaded, every frame run through the
 * XDP program, or its tc ingress build, (from the sandbox) or the tc egress
 * program (towards it) with
 * BPF_PROG_TEST_RUN, flow state kept from frame to frame and capture to
 * capture, and the events of each frame printed right after it.
 */
#ifndef EGRESS_REPLAY_REPLAY_H
#define EGRESS_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "policy.h"

struct replay_opts {
	const struct egress_policy *policy;
	__u8 mode;			/* enum egress_mode, resolved */
	const __u8 (*sandbox_addrs)[16];
	size_t n_sandbox_addrs;
	char *const *captures;
	size_t n_captures;
	bool json;
	bool strip_vlan;
	bool tc_ingress;		/* frames from the sandbox through tc_from_sandbox */
};

/*
 * The source address of the first IP packet of a capture: 1 when found,
 * 0 when the capture has none, -errno with err set when it cannot be read.
 */
int replay_first_source(const char *path, __u8 addr[16], char *err,
			size_t errlen);

/*
 * Replays every capture in order. Returns 0 after a full replay, or -errno
 * with one sentence in err.
 */
int replay_run(const struct replay_opts *o, char *err, size_t errlen);

#endif /* EGRESS_REPLAY_REPLAY_H */
