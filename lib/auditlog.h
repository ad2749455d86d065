/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The durable audit log (DESIGN section 6): an append-only directory of
 * segments under the state directory.
 *
 *   DIR/seg-0000000000000001.log.gz   closed, compressed
 *   DIR/seg-0000000000000002.log      closed, waiting for compression
 *   DIR/seg-0000000000000003.log      open: the writer appends here
 *
 * A segment starts with a 16-byte header (magic, format version); every
 * record after it carries its length, kind, sequence number, wall-clock
 * time and a CRC-32 over all of that and its payload. A record cut short
 * by a crash fails its length or checksum: readers skip it, and the writer
 * truncates it away when it reopens the log and appends after the last
 * good record. Sequence numbers increase by one per record across
 * segments, so segment order is time order.
 *
 * Durability: appends go to a buffer in memory; egress_audit_write()
 * hands the buffer to the kernel with write(2) (from then on a crash of
 * the process loses nothing), egress_audit_sync() also fdatasync()s it
 * (from then on a crash of the machine loses nothing). The buffer is also
 * written when it fills, and synced every sync_every records when that is
 * set. Syncing is the expensive part (one disk flush each): the agent
 * writes after every ring-buffer drain and syncs on a short timer (100 ms),
 * which bounds what a power loss can take to that much time.
 *
 * A segment is closed when it reaches segment_bytes or segment_age_s; a
 * thread of the log then compresses it (gzip), fsyncs the compressed file
 * and its directory, and only then removes the plain one. Retention then
 * removes the oldest closed segments while the total exceeds max_bytes or
 * while their newest record is older than max_age_s.
 *
 * Functions return 0 (or a count) or -errno; the writer's functions may
 * be called from one thread at a time, the readers from any thread.
 */
#ifndef EGRESS_AUDITLOG_H
#define EGRESS_AUDITLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <egress/abi.h>

#define EGRESS_AUDIT_NAME_MAX	256	/* sandbox name, with its NUL */
#define EGRESS_AUDIT_RULE_MAX	320	/* rule pattern, with its NUL */
#define EGRESS_AUDIT_TEXT_MAX	512	/* notice text, with its NUL */

enum egress_audit_kind {
	EGRESS_AUDIT_EVENT = 1,	/* one audit event of one sandbox */
	EGRESS_AUDIT_LOST = 2,	/* n events the ring buffer could not hold */
	EGRESS_AUDIT_NOTICE = 3,	/* something about the log itself */
};

struct egress_audit_record {
	enum egress_audit_kind kind;
	uint64_t seq;		/* 1, 2, ... across all segments */
	uint64_t time_ns;	/* CLOCK_REALTIME when it was appended */
	/* EGRESS_AUDIT_EVENT */
	struct egress_event ev;	/* as the data path emitted it */
	char sandbox[EGRESS_AUDIT_NAME_MAX];
	char rule[EGRESS_AUDIT_RULE_MAX];	/* "" for the default */
	/* EGRESS_AUDIT_LOST */
	uint64_t lost;
	/* EGRESS_AUDIT_NOTICE */
	char text[EGRESS_AUDIT_TEXT_MAX];
};

/* ---- writer ---------------------------------------------------------------- */

struct egress_audit_config {
	const char *dir;		/* created (0750) when missing */
	uint64_t segment_bytes;		/* close at this size; 0: 16 MiB (at most max_bytes / 2) */
	uint32_t segment_age_s;		/* close when this old; 0: 1 hour */
	uint64_t max_bytes;		/* all segments; 0: 1 GiB */
	uint32_t max_age_s;		/* remove older; 0: never by age */
	uint32_t sync_every;		/* fdatasync every n records; 0: only on sync */
	int compress_level;		/* zlib level 1..9; 0: 3 */
};

struct egress_audit;

/*
 * Each appended record, in order, from the appending thread (under the
 * log's lock: it must not block or call back into the log). Returns
 * nothing the log looks at.
 */
typedef void (*egress_audit_follow_fn)(void *ctx, const struct egress_audit_record *r);

struct egress_audit_stats {
	uint64_t records;		/* appended since open */
	uint64_t bytes;			/* appended since open */
	uint64_t syncs;
	uint64_t segments;		/* on disk now, the open one included */
	uint64_t disk_bytes;		/* their size */
	uint64_t rotations;
	uint64_t compressed;
	uint64_t removed;		/* by retention */
	uint64_t torn_bytes;		/* dropped from the tail at open */
	uint64_t write_errors;
	uint64_t last_seq;
};

/*
 * Opens (creating) the log, finds the last good record of the newest
 * segment, truncates whatever follows it and appends a notice record
 * saying how many bytes were dropped, compresses closed segments left
 * uncompressed, applies retention, and starts the compression thread.
 * err (optional) receives one sentence on failure.
 */
int egress_audit_open(struct egress_audit **out, const struct egress_audit_config *cfg,
		      char *err, size_t errlen);
/* Writes and syncs what is buffered, stops the thread, frees. */
void egress_audit_close(struct egress_audit *a);

/*
 * Appends one event of the named sandbox; rule is the deciding rule's
 * pattern (NULL or "" for the default). The record's time is the event's
 * ts_boot_ns converted to wall-clock time now. Returns 0 once the record
 * is in the buffer (it is then kept: a failed write(2) or fdatasync() is
 * counted in write_errors and retried), or -errno when the buffer is full
 * and cannot be written (disk full): that record is not kept, and the
 * caller counts it.
 */
int egress_audit_append_event(struct egress_audit *a, const struct egress_event *e,
			      const char *sandbox, const char *rule);
/* Appends an "n events lost" record (the sum of per-CPU counter deltas). */
int egress_audit_append_lost(struct egress_audit *a, uint64_t n);
/* Appends a notice (one line of text). */
int egress_audit_append_notice(struct egress_audit *a, const char *text);

/*
 * Closes the open segment now (when it holds records) and starts the next
 * one; the compression thread takes the closed one.
 */
int egress_audit_rotate(struct egress_audit *a);
/*
 * Compresses closed segments and applies retention in the calling thread,
 * returning when done (the thread does the same on its own after each
 * rotation and once a minute).
 */
int egress_audit_maintain(struct egress_audit *a);

/* Hands buffered records to the kernel (write(2)); rotates when due. */
int egress_audit_write(struct egress_audit *a);
/* egress_audit_write() and fdatasync(). */
int egress_audit_sync(struct egress_audit *a);

/*
 * Adds a follower; *last_seq receives the sequence number of the last
 * record already in the files (everything up to it was written first), so
 * the caller reads the backlog with until_seq = *last_seq and gets every
 * later record through fn, none twice, none missed. Returns an id > 0.
 */
int egress_audit_follow(struct egress_audit *a, egress_audit_follow_fn fn, void *ctx,
			uint64_t *last_seq);
void egress_audit_unfollow(struct egress_audit *a, int id);

void egress_audit_get_stats(struct egress_audit *a, struct egress_audit_stats *st);

/* ---- readers ---------------------------------------------------------------- */

struct egress_audit_filter {
	const char *sandbox;	/* events of this sandbox only; NULL: all */
	uint64_t since_ns;	/* records at or after this wall-clock time; 0: all */
	int verdict;		/* EGRESS_ALLOWED/EGRESS_DENIED; -1: both */
	bool events_only;	/* leave out lost and notice records */
	uint64_t after_seq;	/* records with a larger seq only; 0: all */
	uint64_t until_seq;	/* records up to this seq only; 0: all */
};

/* An empty filter: everything. */
#define EGRESS_AUDIT_FILTER_ALL { .verdict = -1 }

/* Returns 0 to go on, anything else stops the walk and is returned. */
typedef int (*egress_audit_record_fn)(void *ctx, const struct egress_audit_record *r);
/* A segment that cannot be read: its file name and one sentence why. */
typedef void (*egress_audit_error_fn)(void *ctx, const char *segment, const char *why);

/*
 * Walks every segment of dir (compressed, closed and open) in order and
 * calls fn for each record the filter lets through. Records that fail
 * their checksum are skipped (the walk resynchronises on the next good
 * record). A compressed segment whose gzip stream is damaged is refused
 * whole: on_error (optional) is told, and the walk goes on with the next
 * segment. Returns 0, fn's non-zero value, or -errno when dir cannot be
 * read at all; *refused (optional) counts refused segments.
 */
int egress_audit_read(const char *dir, const struct egress_audit_filter *f,
		      egress_audit_record_fn fn, egress_audit_error_fn on_error,
		      void *ctx, unsigned int *refused);

/* Does the filter let r through? (Followers apply it to live records.) */
bool egress_audit_match(const struct egress_audit_filter *f,
			const struct egress_audit_record *r);

#endif /* EGRESS_AUDITLOG_H */
