/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit events to journald (DESIGN section 6): one structured entry per
 * event, with a MESSAGE_ID that catalog/egressd.catalog explains
 * (journalctl -x) and the fields EGRESS_SANDBOX, EGRESS_VERDICT,
 * EGRESS_WOULD_DENY, EGRESS_HOST, EGRESS_MODE, EGRESS_PROTO, EGRESS_SRC,
 * EGRESS_DST, EGRESS_RULE, EGRESS_RULE_ID, EGRESS_SCOPE, EGRESS_REASON,
 * EGRESS_COUNT and EGRESS_GENERATION.
 *
 * journald is not the record (the audit log is) and must never slow the
 * data path: egress_journal_submit() only queues; a thread of its own
 * sends. When the queue is full the event is counted, and once there is
 * room again one entry (EGRESS_MSGID_NOT_FORWARDED) says how many were
 * not forwarded.
 */
#ifndef EGRESS_JOURNAL_H
#define EGRESS_JOURNAL_H

#include <stdint.h>
#include <egress/abi.h>

/* MESSAGE_IDs, as in catalog/egressd.catalog */
#define EGRESS_MSGID_DENIED		"f8dd2f5c8ef147fb99d1239ae7d59d75"
#define EGRESS_MSGID_WOULD_DENY		"019b5414f245431897057d1633485e8f"
#define EGRESS_MSGID_ALLOWED		"6227362be17c417f9cdeb3a9bb94f01e"
#define EGRESS_MSGID_NOT_FORWARDED	"f61a15983d1a42d39dd4f8c90654148e"

/*
 * Sends one entry now (blocking while journald's socket is full). rule
 * is the deciding rule's pattern, NULL for the default. 0 or -errno.
 */
int egress_journal_send(const struct egress_event *e, const char *sandbox,
			const char *rule);

struct egress_journal;

struct egress_journal_stats {
	uint64_t sent;
	uint64_t dropped;	/* queue full */
	uint64_t errors;	/* sd_journal_send failed */
};

/* Starts the sending thread with room for queue_len events (0: 8192). */
int egress_journal_open(struct egress_journal **out, unsigned int queue_len);
/* Sends what is queued, then stops. */
void egress_journal_close(struct egress_journal *j);
/* Queues one event; -ENOBUFS (and counted) when the queue is full. */
int egress_journal_submit(struct egress_journal *j, const struct egress_event *e,
			  const char *sandbox, const char *rule);
/* Waits until everything queued so far was handed to journald. */
void egress_journal_drain(struct egress_journal *j);
void egress_journal_get_stats(struct egress_journal *j, struct egress_journal_stats *st);

#endif /* EGRESS_JOURNAL_H */
