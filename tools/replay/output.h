/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What egress-replay prints: one line per frame, then one line per audit
 * event it caused, as text or as one JSON object per line (DESIGN section 7).
 */
#ifndef EGRESS_REPLAY_OUTPUT_H
#define EGRESS_REPLAY_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <egress/abi.h>

struct output {
	FILE *f;
	bool json;
	bool show_file;		/* more than one capture: name it on every line */
};

struct frame_report {
	const char *file;
	__u64 frame;		/* from 1, per capture */
	const char *dir;	/* "egress" (XDP) or "ingress" (tc) */
	const char *action;	/* "pass", "drop", "tx", "aborted", "other" */
	const char *truncated;	/* NULL, "capture" or "test-run" */
	__u32 run_len;		/* bytes the program ran on */
	__u32 wire_len;		/* bytes the frame had */
};

struct replay_totals {
	__u64 frames;
	__u64 egress;
	__u64 ingress;
	__u64 pass;
	__u64 drop;
	__u64 tx;
	__u64 other;
	__u64 events;
	unsigned int captures;
};

/* Each returns 0 or -errno (-ENOMEM, -EIO). */
int output_frame(const struct output *o, const struct frame_report *r);
/* rule: the deciding rule's pattern, NULL for the mode's default. */
int output_event(const struct output *o, const char *file, __u64 frame,
		 const struct egress_event *e, const char *rule);
/* Text form only: one closing line with the totals. */
int output_totals(const struct output *o, const struct replay_totals *t);

#endif /* EGRESS_REPLAY_OUTPUT_H */
