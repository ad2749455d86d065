// SPDX-License-Identifier: GPL-2.0-only
/*
 * audit-diskfull: the audit log on a full file system (a 192 KiB tmpfs in
 * a private mount namespace). Appends are accepted while the buffer has
 * room, then refused with ENOSPC (the agent counts those); nothing
 * accepted is lost: once there is room again (the tmpfs grown), a sync
 * writes it all and the log reads back complete and in order.
 * Needs root; exits 77 (skip) without it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "auditlog.h"

#define FAIL(...) do {							\
	fprintf(stderr, "audit-diskfull: FAIL: " __VA_ARGS__);		\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

static void make_event(struct egress_event *e, unsigned int i)
{
	struct timespec ts;

	memset(e, 0, sizeof(*e));
	clock_gettime(CLOCK_BOOTTIME, &ts);
	e->ts_boot_ns = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
	e->generation = i;
	e->count = 1;
	e->verdict = EGRESS_DENIED;
	e->family = 4;
	e->host_len = (__u16)snprintf(e->host, sizeof(e->host), "h%u.example.com", i);
}

struct check {
	uint64_t events, next_gen, bad;
};

static int check(void *ctx, const struct egress_audit_record *r)
{
	struct check *c = ctx;

	if (r->kind != EGRESS_AUDIT_EVENT)
		return 0;
	if (r->ev.generation != c->next_gen++)
		c->bad++;
	c->events++;
	return 0;
}

int main(void)
{
	static const struct egress_audit_filter all = EGRESS_AUDIT_FILTER_ALL;
	char mnt[] = "/tmp/egress-diskfull-XXXXXX", dir[64], err[256];
	struct egress_audit_config cfg = { .segment_bytes = 65536 };
	struct egress_audit_stats st;
	struct egress_audit *a;
	struct egress_event e;
	struct check c = { 0 };
	unsigned int accepted = 0, refused;
	int ret = 0;

	if (geteuid()) {
		printf("audit-diskfull: SKIP: needs root\n");
		return 77;
	}
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		FAIL("private mount namespace: %s", strerror(errno));
	if (!mkdtemp(mnt))
		FAIL("mkdtemp: %s", strerror(errno));
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=192k"))
		FAIL("mount tmpfs: %s", strerror(errno));
	snprintf(dir, sizeof(dir), "%s/audit", mnt);
	cfg.dir = dir;
	if (egress_audit_open(&a, &cfg, err, sizeof(err)))
		FAIL("open: %s", err);

	/* fill it: a write per 64 records, as after each drain */
	for (unsigned int i = 0; i < 100000; i++) {
		make_event(&e, i);
		ret = egress_audit_append_event(a, &e, "web", NULL);
		if (ret)
			break;
		accepted++;
		if (!(i % 64))
			egress_audit_write(a);
	}
	if (ret != -ENOSPC)
		FAIL("appending to a full disk returned %d, want -ENOSPC", ret);
	egress_audit_get_stats(a, &st);
	if (!st.write_errors)
		FAIL("no write errors counted");
	if (egress_audit_sync(a) != -ENOSPC)
		FAIL("sync on a full disk did not fail");

	/* room again: everything accepted reaches the disk */
	if (mount(NULL, mnt, NULL, MS_REMOUNT, "size=16m"))
		FAIL("remount: %s", strerror(errno));
	if ((ret = egress_audit_sync(a)))
		FAIL("sync after the disk has room: %s", strerror(-ret));
	for (unsigned int i = accepted; i < accepted + 10; i++) {
		make_event(&e, i);
		if (egress_audit_append_event(a, &e, "web", NULL))
			FAIL("append after the disk has room");
	}
	if ((ret = egress_audit_maintain(a)))
		FAIL("maintain: %s", strerror(-ret));
	egress_audit_close(a);

	if (egress_audit_read(dir, &all, check, NULL, &c, &refused))
		FAIL("read");
	if (refused || c.bad || c.events != accepted + 10)
		FAIL("read back %llu events (%llu out of order, %u segments refused), "
		     "%u accepted", (unsigned long long)c.events,
		     (unsigned long long)c.bad, refused, accepted + 10);
	printf("audit-diskfull: %u events accepted before ENOSPC (%llu write errors "
	       "counted), all %u read back after the disk had room\n", accepted,
	       (unsigned long long)st.write_errors, accepted + 10);
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	return 0;
}
