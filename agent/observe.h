/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What egressd does with the events it drains (events.c): the audit log,
 * journald, the "N events lost" records, and the numbers the metrics
 * endpoint serves (metrics.c).
 */
#ifndef EGRESSD_OBSERVE_H
#define EGRESSD_OBSERVE_H

#include <stdint.h>

#include "agent.h"

/* The file under the state directory holding the last lost-events counter seen. */
#define OBSERVE_LOST_FILE	"events_lost"
/* How often the audit log is synced and losses are looked for. */
#define OBSERVE_TICK_MS		100

/*
 * Opens the audit log under <state-dir>/audit (0, or -errno after logging
 * why), the journald queue (when configured; its failure is only logged)
 * and reads back the lost-events counter of the last run.
 */
int observe_open(struct agent *a);
/* Writes what is left (drains the ring once more), closes. */
void observe_close(struct agent *a);
/*
 * Every OBSERVE_TICK_MS: hands buffered records to the kernel and syncs
 * them, and turns ring-buffer losses into "N events lost" records.
 */
void observe_tick(struct agent *a);

/*
 * The lock between the main loop (the model, the counters) and the
 * metrics thread. The main loop holds it while it changes the model.
 */
void observe_lock(void);
void observe_unlock(void);

/* Counters of the drained events, read under the lock. */
struct observe_counts {
	uint64_t received;		/* events taken from the ring */
	uint64_t written;		/* appended to the audit log */
	uint64_t append_failed;		/* the log refused them (disk full) */
	uint64_t lost_recorded;		/* in "lost" records */
	uint64_t drains;
	uint64_t dns_queries[2];	/* by verdict, counts included */
};
extern struct observe_counts observe_counts;

/*
 * Copies the decisions of the sandbox with this id (counts included) by
 * verdict and protocol, made while it bore this name (zeros otherwise).
 * Under the lock.
 */
void observe_decisions(__u32 id, const char *name, uint64_t out[2][EGRESS_PROTO__MAX],
		       uint64_t *would_deny);

struct egress_journal *observe_journal(void);

/* metrics.c: serves a->cfg.metrics unless it is off; a failure is logged only. */
int metrics_start(struct agent *a);
void metrics_stop(void);

#endif /* EGRESSD_OBSERVE_H */
