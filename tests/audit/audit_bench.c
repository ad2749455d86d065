// SPDX-License-Identifier: GPL-2.0-only
/*
 * audit-bench: how many events a second the audit log takes, the way
 * egressd drives it (a batch per ring-buffer drain, write(2) after each,
 * fdatasync every 100 ms, segments rotated and compressed by the log's
 * thread meanwhile), and whether a producer at a fixed rate loses any.
 *
 *   audit-bench [--events N] [--rate EV_PER_S] [--segment BYTES] [--dir DIR]
 *
 * Without --rate: appends N events as fast as it can and reports the rate.
 * With --rate: a producer thread emits events at that rate into a bounded
 * queue as large as the data path's ring buffer (EGRESS_RINGBUF_BYTES of
 * struct egress_event); the drainer empties it into the log. An event that
 * finds the queue full is lost, as it would be in the kernel. Then the log
 * is read back and every event must be there. Exit 0 only with no loss.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditlog.h"

#define RING_EVENTS	(EGRESS_RINGBUF_BYTES / sizeof(struct egress_event))
#define BATCH_MAX	4096

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char *const sandboxes[] = { "web", "ci-runner", "agent-7", "build" };

static void make_event(struct egress_event *e, uint64_t i)
{
	memset(e, 0, offsetof(struct egress_event, host));
	e->ts_boot_ns = boot_ns();
	e->sandbox_id = (__u32)(1 + i % 4);
	e->generation = 7;
	e->count = 1;
	e->sport = (__u16)(32768 + i % 28000);
	e->dport = 443;
	e->verdict = i % 3 ? EGRESS_DENIED : EGRESS_ALLOWED;
	e->mode = EGRESS_MODE_DENY;
	e->proto = EGRESS_PROTO_TLS;
	e->l4proto = 6;
	e->family = 4;
	e->reason = EGRESS_REASON_NOT_ALLOWLISTED;
	e->saddr[10] = e->saddr[11] = e->daddr[10] = e->daddr[11] = 0xff;
	e->saddr[12] = 198; e->saddr[13] = 18; e->saddr[15] = 2;
	e->daddr[12] = 198; e->daddr[13] = 19; e->daddr[14] = (__u8)(i >> 8);
	e->daddr[15] = (__u8)i;
	e->host_len = (__u16)snprintf(e->host, sizeof(e->host),
				      "h%llu.cdn.example.com", (unsigned long long)(i % 5000));
}

/* ---- the stand-in ring buffer --------------------------------------------------- */

struct ring {
	struct egress_event *ev;
	_Atomic uint64_t head, tail;	/* producer, consumer */
	_Atomic uint64_t lost;
	_Atomic int done;
};

struct producer {
	struct ring *r;
	uint64_t n;
	double rate;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct ring *r = p->r;
	double t0 = now_s();

	for (uint64_t i = 0; i < p->n; i++) {
		uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

		/* pace: event i is due at t0 + i / rate */
		while (now_s() < t0 + (double)i / p->rate)
			;
		if (head - atomic_load_explicit(&r->tail, memory_order_acquire) >= RING_EVENTS) {
			atomic_fetch_add(&r->lost, 1);
			continue;
		}
		make_event(&r->ev[head % RING_EVENTS], i);
		atomic_store_explicit(&r->head, head + 1, memory_order_release);
	}
	atomic_store(&r->done, 1);
	return NULL;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

struct count {
	uint64_t events, lost;
};

static int count_rec(void *ctx, const struct egress_audit_record *r)
{
	struct count *c = ctx;

	if (r->kind == EGRESS_AUDIT_EVENT)
		c->events++;
	else if (r->kind == EGRESS_AUDIT_LOST)
		c->lost += r->lost;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "segment", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct egress_audit_filter all = EGRESS_AUDIT_FILTER_ALL;
	struct egress_audit_config cfg = { .max_bytes = 4ULL << 30 };
	char tmpl[] = "/var/tmp/egress-audit-bench-XXXXXX", dir[256], err[256];
	struct egress_audit_stats st;
	struct egress_audit *a;
	struct count c = { 0 };
	uint64_t n = 2000000, written = 0, lost_seen = 0, drains = 0;
	double rate = 0, t0, t1, last_sync, t_read;
	const char *user_dir = NULL;
	unsigned int refused;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 's': cfg.segment_bytes = strtoull(optarg, NULL, 10); break;
		case 'd': user_dir = optarg; break;
		default:
			fprintf(stderr, "usage: audit-bench [--events N] [--rate EV_PER_S] "
				"[--segment BYTES] [--dir DIR]\n");
			return 2;
		}
	}
	if (!user_dir && !mkdtemp(tmpl)) {
		perror("audit-bench: mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/audit", user_dir ? user_dir : tmpl);
	cfg.dir = dir;
	ret = egress_audit_open(&a, &cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "audit-bench: %s\n", err);
		return 1;
	}

	t0 = last_sync = now_s();
	if (!rate) {
		struct egress_event e;

		for (uint64_t i = 0; i < n; i++) {
			make_event(&e, i);
			if (egress_audit_append_event(a, &e, sandboxes[i % 4], NULL))
				break;
			written++;
			if (!(i % 256)) {
				drains++;
				egress_audit_write(a);
				if (now_s() - last_sync >= 0.1) {
					egress_audit_sync(a);
					last_sync = now_s();
				}
			}
		}
	} else {
		struct ring r = { .ev = calloc(RING_EVENTS, sizeof(struct egress_event)) };
		struct producer p = { .r = &r, .n = n, .rate = rate };
		pthread_t th;

		pthread_create(&th, NULL, produce, &p);
		for (;;) {
			uint64_t head = atomic_load_explicit(&r.head, memory_order_acquire);
			uint64_t tail = atomic_load_explicit(&r.tail, memory_order_relaxed);
			int done = atomic_load(&r.done);
			uint64_t lost;

			if (head == tail) {
				if (done && head == atomic_load(&r.head))
					break;
				usleep(1000);	/* egressd sleeps in epoll */
				continue;
			}
			drains++;
			for (; tail != head; tail++) {
				const struct egress_event *e = &r.ev[tail % RING_EVENTS];

				if (!egress_audit_append_event(a, e, sandboxes[e->sandbox_id - 1],
							       NULL))
					written++;
			}
			atomic_store_explicit(&r.tail, tail, memory_order_release);
			lost = atomic_load(&r.lost);
			if (lost != lost_seen) {
				egress_audit_append_lost(a, lost - lost_seen);
				lost_seen = lost;
			}
			egress_audit_write(a);
			if (now_s() - last_sync >= 0.1) {
				egress_audit_sync(a);
				last_sync = now_s();
			}
		}
		pthread_join(th, NULL);
		free(r.ev);
	}
	egress_audit_sync(a);
	t1 = now_s();
	egress_audit_get_stats(a, &st);
	egress_audit_close(a);

	t_read = now_s();
	ret = egress_audit_read(dir, &all, count_rec, NULL, &c, &refused);
	t_read = now_s() - t_read;

	printf("audit-bench: %llu events %s in %.3f s: %.0f events/s appended "
	       "(%llu drains, %llu syncs, %llu rotations, %.1f bytes/record)\n",
	       (unsigned long long)written, rate ? "offered at a fixed rate" : "appended",
	       t1 - t0, (double)written / (t1 - t0), (unsigned long long)drains,
	       (unsigned long long)st.syncs, (unsigned long long)st.rotations,
	       (double)st.bytes / (double)(st.records ? st.records : 1));
	if (rate)
		printf("audit-bench: offered %.0f events/s for %.2f s: %llu lost at the ring, "
		       "%llu written\n", rate, (double)n / rate,
		       (unsigned long long)lost_seen, (unsigned long long)written);
	printf("audit-bench: read back %llu events (+%llu counted lost) in %.3f s "
	       "(%.0f records/s), %u segments refused\n",
	       (unsigned long long)c.events, (unsigned long long)c.lost, t_read,
	       (double)c.events / t_read, refused);
	if (!user_dir)
		nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (ret || refused || c.events != written || c.lost != lost_seen) {
		fprintf(stderr, "audit-bench: the log does not hold what was written\n");
		return 1;
	}
	if (written + lost_seen != n || lost_seen) {
		fprintf(stderr, "audit-bench: %llu events lost\n",
			(unsigned long long)(n - written));
		return 1;
	}
	return 0;
}
