// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place the ring buffer is drained: every event, with its sandbox's
 * name, goes to event_sink.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "datapath.h"
#include "event_fmt.h"
#include "main.h"

/* Where every audit event goes. sandbox is NULL for an unknown id. */
static void event_sink(struct agent *a, const char *sandbox, const struct egress_event *e)
{
	char line[512];

	fprintf(stderr, "%s  %s\n", sandbox ? sandbox : "-",
		egress_event_text(e, line, sizeof(line)));
	a->events_written++;
}

/* Ring reservations that failed since the last look: one record for them. */
static void lost_sink(struct agent *a, __u64 n)
{
	fprintf(stderr, "egressd: %llu events lost (ring buffer full)\n", (unsigned long long)n);
}

static int on_event(void *ctx, const struct egress_event *e)
{
	struct agent *a = ctx;
	struct sandbox *sb = agent_sandbox_by_id(a, e->sandbox_id);

	event_sink(a, sb ? sb->name : NULL, e);
	return 0;
}

int events_start(struct agent *a)
{
	return egress_dp_events_subscribe(a->dp, on_event, a);
}

int events_fd(struct agent *a)
{
	return egress_dp_events_fd(a->dp);
}

void events_drain(struct agent *a)
{
	egress_dp_events_consume(a->dp);
}

void events_tick(struct agent *a)
{
	static __u64 seen_lost;
	static bool started;
	__u64 st[EGRESS_STAT__MAX];

	if (egress_dp_stats(a->dp, st))
		return;
	/* losses before this egressd started were reported by the one before */
	if (started && st[EGRESS_STAT_EVENTS_LOST] > seen_lost)
		lost_sink(a, st[EGRESS_STAT_EVENTS_LOST] - seen_lost);
	seen_lost = st[EGRESS_STAT_EVENTS_LOST];
	started = true;
}
