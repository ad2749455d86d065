/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A follower of the audit log, for `egressctl audit --follow`: the log's
 * appending thread copies each record the follower's filter lets through
 * into the follower's own bounded queue and never waits for it; the agent
 * takes records from the queue when the follower's eventfd is readable
 * and sends them to its client.
 *
 * A follower that falls behind by more than its queue loses records from
 * its stream (never from the log): they are counted and the count is
 * handed over with the next records taken, so the client is told.
 *
 *	t = egress_audit_tail_open(a, &filter, 1024, &last);
 *	backlog: egress_audit_read(dir, filter with until_seq = last, ...)
 *	then on each readable egress_audit_tail_fd(t):
 *		n = egress_audit_tail_take(t, recs, 64, &dropped);
 */
#ifndef EGRESS_AUDIT_TAIL_H
#define EGRESS_AUDIT_TAIL_H

#include "auditlog.h"

struct egress_audit_tail;

/*
 * Starts following a with filter f (copied; its seq and since fields are
 * ignored) and a queue of cap records (0: 1024). *last_seq: the last
 * record the backlog holds (see egress_audit_follow()).
 */
int egress_audit_tail_open(struct egress_audit_tail **out, struct egress_audit *a,
			   const struct egress_audit_filter *f, unsigned int cap,
			   uint64_t *last_seq);
/* An eventfd (non-blocking) that is readable while records wait. */
int egress_audit_tail_fd(const struct egress_audit_tail *t);
/*
 * Moves up to n waiting records into out, oldest first; *dropped
 * (optional) receives how many records were dropped from this stream since
 * the last call. Returns how many were moved (0: none waiting).
 */
int egress_audit_tail_take(struct egress_audit_tail *t, struct egress_audit_record *out,
			   unsigned int n, uint64_t *dropped);
/* Stops following and frees t. */
void egress_audit_tail_close(struct egress_audit_tail *t);

#endif /* EGRESS_AUDIT_TAIL_H */
