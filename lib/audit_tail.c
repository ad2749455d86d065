// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "audit_tail.h"

struct egress_audit_tail {
	struct egress_audit *a;
	int id;
	int efd;
	struct egress_audit_filter f;
	char *sandbox;

	pthread_mutex_t lock;
	struct egress_audit_record *q;
	unsigned int cap, head, n;
	uint64_t dropped;
};

static void eventfd_set(int fd)
{
	uint64_t one = 1;

	/* fails only when the counter is full: it is readable then anyway */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

static void eventfd_clear(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;
}

/* From the log's appending thread, under its lock: copy, never wait. */
static void on_record(void *ctx, const struct egress_audit_record *r)
{
	struct egress_audit_tail *t = ctx;

	if (!egress_audit_match(&t->f, r))
		return;
	pthread_mutex_lock(&t->lock);
	if (t->n == t->cap) {
		t->dropped++;
	} else {
		t->q[(t->head + t->n) % t->cap] = *r;
		if (!t->n++)
			eventfd_set(t->efd);
	}
	pthread_mutex_unlock(&t->lock);
}

int egress_audit_tail_open(struct egress_audit_tail **out, struct egress_audit *a,
			   const struct egress_audit_filter *f, unsigned int cap,
			   uint64_t *last_seq)
{
	struct egress_audit_tail *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return -ENOMEM;
	t->a = a;
	t->cap = cap ? cap : 1024;
	t->efd = -1;
	t->f = f ? *f : (struct egress_audit_filter)EGRESS_AUDIT_FILTER_ALL;
	t->f.after_seq = t->f.until_seq = t->f.since_ns = 0;
	pthread_mutex_init(&t->lock, NULL);
	t->q = calloc(t->cap, sizeof(*t->q));
	if (t->f.sandbox) {
		t->sandbox = strdup(t->f.sandbox);
		t->f.sandbox = t->sandbox;
	}
	if (!t->q || (f && f->sandbox && !t->sandbox)) {
		ret = -ENOMEM;
		goto fail;
	}
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->efd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = egress_audit_follow(a, on_record, t, last_seq);
	if (ret < 0)
		goto fail;
	t->id = ret;
	*out = t;
	return 0;
fail:
	if (t->efd >= 0)
		close(t->efd);
	pthread_mutex_destroy(&t->lock);
	free(t->q);
	free(t->sandbox);
	free(t);
	return ret;
}

int egress_audit_tail_fd(const struct egress_audit_tail *t)
{
	return t->efd;
}

int egress_audit_tail_take(struct egress_audit_tail *t, struct egress_audit_record *out,
			   unsigned int n, uint64_t *dropped)
{
	unsigned int got = 0;

	pthread_mutex_lock(&t->lock);
	while (got < n && t->n) {
		out[got++] = t->q[t->head];
		t->head = (t->head + 1) % t->cap;
		t->n--;
	}
	if (!t->n)
		eventfd_clear(t->efd);
	if (dropped) {
		*dropped = t->dropped;
		t->dropped = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return (int)got;
}

void egress_audit_tail_close(struct egress_audit_tail *t)
{
	if (!t)
		return;
	egress_audit_unfollow(t->a, t->id);
	close(t->efd);
	pthread_mutex_destroy(&t->lock);
	free(t->q);
	free(t->sandbox);
	free(t);
}
