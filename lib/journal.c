// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "auditlog.h"
#include "event_fmt.h"
#include "journal.h"
#include "names.h"
#include "rule.h"

static bool has_ports(const struct egress_event *e)
{
	return e->l4proto == 6 || e->l4proto == 17 || e->l4proto == 132;
}

int egress_journal_send(const struct egress_event *e, const char *sandbox,
			const char *rule)
{
	char host[EGRESS_HOST_MAX + 64], src[64], dst[64], pbuf[16], count[32];
	char msg[EGRESS_HOST_MAX + EGRESS_AUDIT_NAME_MAX + EGRESS_AUDIT_RULE_MAX + 256];
	const char *verdict = egress_verdict_name(e->verdict);
	const char *mode = egress_mode_name(e->mode);
	const char *reason = egress_reason_name(e->reason);
	const char *proto, *msgid;
	bool would_deny = e->verdict == EGRESS_DENIED || (e->flags & EGRESS_EV_F_WOULD_DENY);
	bool ports = has_ports(e);
	int prio, ret;

	egress_event_host(e, host, sizeof(host));
	proto = egress_proto_name(e->proto, e->l4proto, e->family, pbuf, sizeof(pbuf));
	if (e->family) {
		egress_endpoint_str(e->saddr, ports ? e->sport : -1, src, sizeof(src));
		egress_endpoint_str(e->daddr, ports ? e->dport : -1, dst, sizeof(dst));
	} else {
		strcpy(src, "-");
		strcpy(dst, "-");
	}
	if (!sandbox)
		sandbox = "";
	if (!rule || !*rule)
		rule = "default";
	if (e->verdict == EGRESS_DENIED) {
		msgid = EGRESS_MSGID_DENIED;
		prio = LOG_WARNING;
	} else if (would_deny) {
		msgid = EGRESS_MSGID_WOULD_DENY;
		prio = LOG_NOTICE;
	} else {
		msgid = EGRESS_MSGID_ALLOWED;
		prio = LOG_INFO;
	}
	/* sandbox web: DENIED tls example2.com (198.18.0.1:443, mode: deny, ...) */
	snprintf(count, sizeof(count), ", count: %" PRIu32, e->count);
	snprintf(msg, sizeof(msg), "sandbox %s: %s%s %s %s (%s, mode: %s, rule: %s, reason: %s%s)",
		 sandbox, verdict,
		 e->verdict != EGRESS_DENIED && would_deny ? " (would deny)" : "",
		 proto, host, dst, mode, rule, reason, e->count > 1 ? count : "");
	ret = sd_journal_send(
		"MESSAGE=%s", msg,
		"MESSAGE_ID=%s", msgid,
		"PRIORITY=%d", prio,
		"SYSLOG_IDENTIFIER=egressd",
		"EGRESS_SANDBOX=%s", sandbox,
		"EGRESS_VERDICT=%s", verdict,
		"EGRESS_WOULD_DENY=%d", would_deny,
		"EGRESS_HOST=%s", host,
		"EGRESS_MODE=%s", mode,
		"EGRESS_PROTO=%s", proto,
		"EGRESS_SRC=%s", src,
		"EGRESS_DST=%s", dst,
		"EGRESS_RULE=%s", rule,
		"EGRESS_RULE_ID=%" PRIu32, e->rule_id,
		"EGRESS_SCOPE=%s", egress_scope_name(e->scope),
		"EGRESS_REASON=%s", reason,
		"EGRESS_COUNT=%" PRIu32, e->count,
		"EGRESS_GENERATION=%" PRIu32, e->generation,
		NULL);
	return ret < 0 ? ret : 0;
}

/* ---- the queue and its thread ------------------------------------------------- */

struct item {
	struct egress_event ev;
	char sandbox[EGRESS_AUDIT_NAME_MAX];
	char rule[EGRESS_AUDIT_RULE_MAX];
};

struct egress_journal {
	pthread_mutex_t lock;
	pthread_cond_t more, done;
	pthread_t thread;
	struct item *q;
	unsigned int cap, head, n;
	bool busy, stop;
	uint64_t dropped_unreported;
	struct egress_journal_stats st;
};

/* Says how many were not forwarded; 0 or -errno (not retried: the metric has it). */
static int report_dropped(uint64_t n)
{
	return sd_journal_send(
		"MESSAGE=%" PRIu64 " audit event%s not forwarded to journald (egressd's "
		"queue was full); the audit log has every one", n, n == 1 ? " was" : "s were",
		"MESSAGE_ID=%s", EGRESS_MSGID_NOT_FORWARDED,
		"PRIORITY=%d", LOG_WARNING,
		"SYSLOG_IDENTIFIER=egressd",
		"EGRESS_COUNT=%" PRIu64, n,
		NULL);
}

/*
 * The thread can be cancelled only while it is sending (see
 * egress_journal_close()), never while it holds the lock.
 */
static int send_item(const struct item *it)
{
	int ret;

	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	ret = egress_journal_send(&it->ev, it->sandbox, it->rule[0] ? it->rule : NULL);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	return ret;
}

static int send_dropped(uint64_t n)
{
	int ret;

	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	ret = report_dropped(n);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	return ret;
}

static void free_item(void *p)
{
	free(p);
}

static void *sender(void *arg)
{
	struct egress_journal *j = arg;
	struct item *it;
	uint64_t dropped;
	int ret;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	it = malloc(sizeof(*it));
	pthread_cleanup_push(free_item, it);
	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (!j->n && !j->stop && !j->dropped_unreported) {
			j->busy = false;
			pthread_cond_broadcast(&j->done);
			pthread_cond_wait(&j->more, &j->lock);
		}
		if (!j->n && !j->dropped_unreported)
			break;
		j->busy = true;
		dropped = j->dropped_unreported;
		j->dropped_unreported = 0;
		if (dropped) {
			pthread_mutex_unlock(&j->lock);
			ret = send_dropped(dropped);
			pthread_mutex_lock(&j->lock);
			if (ret < 0)
				j->st.errors++;
			continue;
		}
		if (it)
			*it = j->q[j->head];
		j->head = (j->head + 1) % j->cap;
		j->n--;
		pthread_mutex_unlock(&j->lock);
		ret = it ? send_item(it) : -ENOMEM;
		pthread_mutex_lock(&j->lock);
		if (ret)
			j->st.errors++;
		else
			j->st.sent++;
	}
	j->busy = false;
	pthread_cond_broadcast(&j->done);
	pthread_mutex_unlock(&j->lock);
	pthread_cleanup_pop(1);
	return NULL;
}

int egress_journal_open(struct egress_journal **out, unsigned int queue_len)
{
	struct egress_journal *j = calloc(1, sizeof(*j));
	int ret;

	if (!j)
		return -ENOMEM;
	j->cap = queue_len ? queue_len : 8192;
	j->q = calloc(j->cap, sizeof(*j->q));
	if (!j->q) {
		free(j);
		return -ENOMEM;
	}
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->more, NULL);
	pthread_cond_init(&j->done, NULL);
	ret = pthread_create(&j->thread, NULL, sender, j);
	if (ret) {
		free(j->q);
		free(j);
		return -ret;
	}
	*out = j;
	return 0;
}

void egress_journal_close(struct egress_journal *j)
{
	struct timespec until;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->stop = true;
	pthread_cond_signal(&j->more);
	pthread_mutex_unlock(&j->lock);
	/* a journald that takes nothing more must not keep egressd from stopping */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	if (pthread_timedjoin_np(j->thread, NULL, &until)) {
		pthread_cancel(j->thread);
		pthread_join(j->thread, NULL);
	}
	pthread_cond_destroy(&j->more);
	pthread_cond_destroy(&j->done);
	pthread_mutex_destroy(&j->lock);
	free(j->q);
	free(j);
}

static void copy_name(char *dst, size_t room, const char *src)
{
	size_t n = src ? strnlen(src, room - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int egress_journal_submit(struct egress_journal *j, const struct egress_event *e,
			  const char *sandbox, const char *rule)
{
	struct item *it;

	pthread_mutex_lock(&j->lock);
	if (j->n == j->cap) {
		j->st.dropped++;
		j->dropped_unreported++;
		pthread_mutex_unlock(&j->lock);
		return -ENOBUFS;
	}
	it = &j->q[(j->head + j->n) % j->cap];
	it->ev = *e;
	copy_name(it->sandbox, sizeof(it->sandbox), sandbox);
	copy_name(it->rule, sizeof(it->rule), rule);
	j->n++;
	j->busy = true;
	pthread_cond_signal(&j->more);
	pthread_mutex_unlock(&j->lock);
	return 0;
}

void egress_journal_drain(struct egress_journal *j)
{
	pthread_mutex_lock(&j->lock);
	while (j->n || j->busy || j->dropped_unreported)
		pthread_cond_wait(&j->done, &j->lock);
	pthread_mutex_unlock(&j->lock);
}

void egress_journal_get_stats(struct egress_journal *j, struct egress_journal_stats *st)
{
	pthread_mutex_lock(&j->lock);
	*st = j->st;
	pthread_mutex_unlock(&j->lock);
}
