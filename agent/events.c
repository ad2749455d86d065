// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place the ring buffer is drained: every event, with its sandbox's
 * name and its rule's pattern, goes to event_sink: the audit log, journald
 * and the counters the metrics show. Losses of the ring (its per-CPU
 * counter) become "N events lost" records; the last counter seen is kept
 * in the state directory, so what was lost while egressd was down is
 * recorded when it starts again.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_cmd.h"
#include "auditlog.h"
#include "datapath.h"
#include "event_fmt.h"
#include "journal.h"
#include "main.h"
#include "observe.h"

/* Events handled per drain before the loop gets a turn again. */
#define DRAIN_BATCH	1024

struct sb_count {
	char name[SB_NAME_MAX + 1];
	uint64_t decisions[2][EGRESS_PROTO__MAX];
	uint64_t would_deny;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct sb_count *counts;		/* by sandbox id */
static struct egress_journal *journal;
static uint64_t lost_seen;		/* the data path's counter, recorded up to here */
static uint64_t synced_records;		/* appended records at the last sync */
static unsigned int batch;

struct observe_counts observe_counts;

void observe_lock(void)
{
	pthread_mutex_lock(&lock);
}

void observe_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

struct egress_journal *observe_journal(void)
{
	return journal;
}

void observe_decisions(__u32 id, const char *name, uint64_t out[2][EGRESS_PROTO__MAX],
		       uint64_t *would_deny)
{
	memset(out, 0, sizeof(uint64_t) * 2 * EGRESS_PROTO__MAX);
	*would_deny = 0;
	if (!counts || id >= EGRESS_MAX_SANDBOXES || strcmp(counts[id].name, name))
		return;
	memcpy(out, counts[id].decisions, sizeof(counts[id].decisions));
	*would_deny = counts[id].would_deny;
}

static void count_event(const char *sandbox, const struct egress_event *e)
{
	struct sb_count *c;
	__u8 v = e->verdict == EGRESS_DENIED;

	observe_counts.received++;
	if (e->proto == EGRESS_PROTO_DNS)
		observe_counts.dns_queries[v] += e->count;
	if (!counts || e->sandbox_id >= EGRESS_MAX_SANDBOXES)
		return;
	c = &counts[e->sandbox_id];
	if (strcmp(c->name, sandbox)) {
		/* the id was another sandbox's: its numbers start again */
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", sandbox);
	}
	if (e->proto < EGRESS_PROTO__MAX)
		c->decisions[v][e->proto] += e->count;
	if (!v && (e->flags & EGRESS_EV_F_WOULD_DENY))
		c->would_deny += e->count;
}

/* Where every audit event goes. */
static void event_sink(struct agent *a, const char *sandbox, const char *rule,
		       const struct egress_event *e)
{
	int ret;

	count_event(sandbox, e);
	if (audit_log) {
		ret = egress_audit_append_event(audit_log, e, sandbox, rule);
		if (ret) {
			if (!observe_counts.append_failed++)
				fprintf(stderr, "egressd: the audit log refuses events: %s\n",
					strerror(-ret));
		} else {
			observe_counts.written++;
			a->events_written++;
		}
	}
	if (journal)
		egress_journal_submit(journal, e, sandbox, rule);
}

static int on_event(void *ctx, const struct egress_event *e)
{
	struct agent *a = ctx;
	struct sandbox *sb = agent_sandbox_by_id(a, e->sandbox_id);
	char name[16], rule[16];
	const char *pattern = NULL;

	if (e->rule_id) {
		struct sandbox *owner;
		struct scope *sc;
		struct arule *r = agent_rule(a, e->rule_id, &sc, &owner);

		/* a rule removed since: its id, which the record keeps too */
		snprintf(rule, sizeof(rule), "#%u", e->rule_id);
		pattern = r ? r->r.pattern : rule;
	}
	/* '#' is in no sandbox name: an id that is no sandbox's any more */
	snprintf(name, sizeof(name), "#%u", e->sandbox_id);
	event_sink(a, sb ? sb->name : name, pattern, e);
	return ++batch >= DRAIN_BATCH ? -EAGAIN : 0;
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
	observe_lock();
	batch = 0;
	egress_dp_events_consume(a->dp);
	observe_counts.drains++;
	observe_unlock();
	if (audit_log)
		egress_audit_write(audit_log);
}

/* --- losses ---------------------------------------------------------------------- */

static void lost_path(const struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", a->state_dir, OBSERVE_LOST_FILE);
}

static uint64_t lost_load(const struct agent *a)
{
	unsigned long long v = 0;
	char path[4096];
	FILE *f;

	lost_path(a, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int lost_save(const struct agent *a, uint64_t v)
{
	char path[4096], tmp[4200], text[32];
	int fd, n, ret = 0;

	lost_path(a, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", v);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != n || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* Ring reservations that failed since the last look: one record for them. */
static void lost_sink(struct agent *a, uint64_t n)
{
	int ret = -EIO;

	if (audit_log) {
		ret = egress_audit_append_lost(audit_log, n);
		if (!ret)
			ret = egress_audit_sync(audit_log);
	}
	observe_lock();
	observe_counts.lost_recorded += n;
	observe_unlock();
	if (ret)
		fprintf(stderr, "egressd: %" PRIu64 " events lost (ring buffer full), "
			"not recorded in the audit log: %s\n", n, strerror(-ret));
}

void events_tick(struct agent *a)
{
	__u64 st[EGRESS_STAT__MAX];
	uint64_t cur;
	int ret;

	if (egress_dp_stats(a->dp, st))
		return;
	cur = st[EGRESS_STAT_EVENTS_LOST];
	if (cur < lost_seen)
		lost_seen = 0;	/* the maps were made anew */
	if (cur == lost_seen)
		return;
	lost_sink(a, cur - lost_seen);
	lost_seen = cur;
	ret = lost_save(a, cur);
	if (ret)
		fprintf(stderr, "egressd: cannot keep the lost-events counter: %s\n",
			strerror(-ret));
}

/* Expired DNS bindings admit nothing; sweeping them keeps room for new ones. */
#define BINDING_SWEEP_TICKS	50	/* ticks of 100 ms */

void observe_tick(struct agent *a)
{
	static unsigned ticks;
	struct egress_audit_stats st;
	int ret;

	events_tick(a);
	if (++ticks % BINDING_SWEEP_TICKS == 0) {
		ret = egress_dp_bindings_expire(a->dp, 0);
		if (ret < 0 && ret != -ENOENT)
			fprintf(stderr, "egressd: sweeping expired DNS bindings: %s\n",
				strerror(-ret));
	}
	if (!audit_log)
		return;
	egress_audit_get_stats(audit_log, &st);
	if (st.records != synced_records) {
		egress_audit_sync(audit_log);
		synced_records = st.records;
	}
}

/* --- opening and closing ------------------------------------------------------------ */

int observe_open(struct agent *a)
{
	struct egress_audit_config cfg = {
		.segment_bytes = a->cfg.log_segment_bytes,
		.segment_age_s = a->cfg.log_segment_age_s,
		.max_bytes = a->cfg.log_max_bytes,
		.max_age_s = a->cfg.log_max_age_days * 86400u,
	};
	char dir[4096], err[512];
	int ret;

	counts = calloc(EGRESS_MAX_SANDBOXES, sizeof(*counts));
	if (!counts)
		return -ENOMEM;
	audit_dir(a, dir, sizeof(dir));
	cfg.dir = dir;
	if (cfg.segment_bytes > cfg.max_bytes / 2)
		cfg.segment_bytes = cfg.max_bytes / 2;
	ret = egress_audit_open(&audit_log, &cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "egressd: cannot open the audit log: %s\n", err);
		audit_log = NULL;
		return ret;
	}
	lost_seen = lost_load(a);
	if (a->cfg.journal) {
		ret = egress_journal_open(&journal, 0);
		if (ret) {
			fprintf(stderr, "egressd: not forwarding events to journald: %s\n",
				strerror(-ret));
			journal = NULL;
		}
	}
	fprintf(stderr, "egressd: audit log %s%s\n", dir,
		journal ? ", events forwarded to journald" : "");
	return 0;
}

void observe_close(struct agent *a)
{
	if (a->dp && audit_log) {
		events_drain(a);
		events_tick(a);
	}
	if (journal)
		egress_journal_close(journal);
	journal = NULL;
	if (audit_log)
		egress_audit_close(audit_log);
	audit_log = NULL;
	free(counts);
	counts = NULL;
}
