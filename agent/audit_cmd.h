/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The audit command of docs/protocol.md: reading a sandbox's records from
 * the audit log, and the hand-over of an `audit --follow` request to the
 * socket loop, which turns that client into a stream (server.c).
 */
#ifndef EGRESSD_AUDIT_CMD_H
#define EGRESSD_AUDIT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "agent.h"
#include "auditlog.h"

/* At most this many records in one reply (or backlog): the newest. */
#define AUDIT_REPLY_MAX		100000

/* The open audit log (events.c sets it), NULL when there is none. */
extern struct egress_audit *audit_log;

/* <state-dir>/audit */
void audit_dir(const struct agent *a, char *buf, size_t len);

struct audit_query {
	char sandbox[SB_NAME_MAX + 1];
	int verdict;			/* EGRESS_ALLOWED/DENIED, -1: both */
	uint64_t since_ns;		/* 0: everything */
	bool follow;
};

struct audit_item {
	uint64_t time_ns, seq;
	cJSON *obj;			/* the record as docs/protocol.md shows it */
	enum egress_audit_kind kind;
};

/* What a read of the log found, in time order. */
struct audit_found {
	struct audit_item *v;
	size_t n, cap, head;
	uint64_t truncated;		/* older records left out (AUDIT_REPLY_MAX) */
	uint64_t events;		/* events of the sandbox among them */
	unsigned int refused;		/* segments that could not be read */
};

/*
 * Reads the records the query selects (events of its sandbox, and every
 * lost and notice record) up to until_seq (0: all), the newest
 * AUDIT_REPLY_MAX of them, sorted by time.
 */
int audit_collect(const char *dir, const struct audit_query *q, uint64_t until_seq,
		  struct audit_found *out);
void audit_found_free(struct audit_found *f);

/* The "audit" command. */
int audit_cmd(struct agent *a, const cJSON *args, cJSON *res, char *err, size_t errlen);
/*
 * After an audit request with "follow": true was answered, its query (once);
 * false when the last request was not one.
 */
bool audit_follow_take(struct audit_query *q);

/* RFC 3339 (2026-02-19T23:31:54Z, with a fraction and/or an offset): 0 or -EINVAL. */
int audit_time_parse(const char *s, uint64_t *ns);

#endif /* EGRESSD_AUDIT_CMD_H */
