// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/auditlog.h: the durable audit log on a real file system: round trip,
 * rotation, compression, retention, torn tails, damaged segments, filters,
 * followers, lost records, and a writer killed mid-stream.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "audit_tail.h"
#include "auditlog.h"

struct fixture {
	char dir[64];
};

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/egress-audit-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* The log lives in a subdirectory the writer creates. */
static const char *logdir(struct fixture *fx)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/state/audit", fx->dir);
	return path;
}

static struct egress_audit *open_log(struct fixture *fx, uint64_t seg_bytes,
				     uint64_t max_bytes, uint32_t max_age_s)
{
	struct egress_audit_config cfg = {
		.dir = logdir(fx),
		.segment_bytes = seg_bytes,
		.max_bytes = max_bytes,
		.max_age_s = max_age_s,
	};
	struct egress_audit *a = NULL;
	char err[256] = "";

	if (egress_audit_open(&a, &cfg, err, sizeof(err)))
		fail_msg("egress_audit_open: %s", err);
	return a;
}

static uint64_t boot_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Event number i: every field derived from i, so a read-back can check all. */
static void make_event(struct egress_event *e, unsigned int i)
{
	memset(e, 0, sizeof(*e));
	e->ts_boot_ns = boot_now_ns();
	e->sandbox_id = 1 + i % 3;
	e->generation = 100 + i;
	e->rule_id = i % 5;
	e->count = 1 + i % 7;
	e->sport = (__u16)(40000 + i);
	e->dport = i % 2 ? 443 : 53;
	e->verdict = i % 2 ? EGRESS_DENIED : EGRESS_ALLOWED;
	e->flags = i % 4 == 2 ? EGRESS_EV_F_WOULD_DENY : 0;
	e->mode = EGRESS_MODE_DENY;
	e->proto = i % 2 ? EGRESS_PROTO_TLS : EGRESS_PROTO_DNS;
	e->l4proto = i % 2 ? 6 : 17;
	e->family = 4;
	e->reason = i % 2 ? EGRESS_REASON_NOT_ALLOWLISTED : EGRESS_REASON_ALLOW_RULE;
	e->scope = (__u8)(i % 4);
	e->saddr[10] = e->saddr[11] = 0xff;
	e->saddr[12] = 198; e->saddr[13] = 18; e->saddr[15] = 2;
	e->daddr[10] = e->daddr[11] = 0xff;
	e->daddr[12] = 198; e->daddr[13] = 18; e->daddr[14] = (__u8)(i >> 8);
	e->daddr[15] = (__u8)i;
	e->host_len = (__u16)snprintf(e->host, sizeof(e->host), "host%u.example.com", i);
}

static const char *sb_name(unsigned int i)
{
	static const char *const names[] = { "web", "ci-runner", "agent-7" };

	return names[i % 3];
}

static void append_n(struct egress_audit *a, unsigned int from, unsigned int n)
{
	struct egress_event e;
	char rule[64];

	for (unsigned int i = from; i < from + n; i++) {
		make_event(&e, i);
		snprintf(rule, sizeof(rule), "*.r%u.example.com", i);
		assert_int_equal(egress_audit_append_event(a, &e, sb_name(i),
							   i % 5 ? rule : NULL), 0);
	}
}

/* Checks that r is event number i as make_event/append_n made it. */
static void check_event(const struct egress_audit_record *r, unsigned int i)
{
	struct egress_event want;
	char rule[64];

	make_event(&want, i);
	assert_int_equal(r->kind, EGRESS_AUDIT_EVENT);
	assert_string_equal(r->sandbox, sb_name(i));
	snprintf(rule, sizeof(rule), "*.r%u.example.com", i);
	assert_string_equal(r->rule, i % 5 ? rule : "");
	assert_int_equal(r->ev.sandbox_id, want.sandbox_id);
	assert_int_equal(r->ev.generation, want.generation);
	assert_int_equal(r->ev.rule_id, want.rule_id);
	assert_int_equal(r->ev.count, want.count);
	assert_int_equal(r->ev.sport, want.sport);
	assert_int_equal(r->ev.dport, want.dport);
	assert_int_equal(r->ev.verdict, want.verdict);
	assert_int_equal(r->ev.flags, want.flags);
	assert_int_equal(r->ev.mode, want.mode);
	assert_int_equal(r->ev.proto, want.proto);
	assert_int_equal(r->ev.l4proto, want.l4proto);
	assert_int_equal(r->ev.family, want.family);
	assert_int_equal(r->ev.reason, want.reason);
	assert_int_equal(r->ev.scope, want.scope);
	assert_memory_equal(r->ev.saddr, want.saddr, 16);
	assert_memory_equal(r->ev.daddr, want.daddr, 16);
	assert_int_equal(r->ev.host_len, want.host_len);
	assert_memory_equal(r->ev.host, want.host, want.host_len);
}

/* Everything a walk delivered. */
struct got {
	unsigned int n;
	struct egress_audit_record *r;	/* up to cap */
	unsigned int cap;
	unsigned int errors;
	char last_error[512];
};

static int collect(void *ctx, const struct egress_audit_record *r)
{
	struct got *g = ctx;

	if (g->n < g->cap)
		g->r[g->n] = *r;
	g->n++;
	return 0;
}

static void on_error(void *ctx, const char *seg, const char *why)
{
	struct got *g = ctx;

	g->errors++;
	snprintf(g->last_error, sizeof(g->last_error), "%s: %s", seg, why);
}

static struct got *read_all(struct fixture *fx, const struct egress_audit_filter *f,
			    unsigned int *refused)
{
	static const struct egress_audit_filter all = EGRESS_AUDIT_FILTER_ALL;
	struct got *g = calloc(1, sizeof(*g));

	g->cap = 20000;
	g->r = calloc(g->cap, sizeof(*g->r));
	assert_non_null(g->r);
	assert_int_equal(egress_audit_read(logdir(fx), f ? f : &all, collect, on_error, g,
					   refused), 0);
	return g;
}

static void got_free(struct got *g)
{
	free(g->r);
	free(g);
}

/* Names of the files in the log directory with this suffix. */
static unsigned int count_files(struct fixture *fx, const char *suffix)
{
	struct dirent *de;
	unsigned int n = 0;
	DIR *d = opendir(logdir(fx));

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), m = strlen(suffix);

		if (l > m && !strcmp(de->d_name + l - m, suffix))
			n++;
	}
	closedir(d);
	return n;
}

static void seg_path(struct fixture *fx, uint64_t no, const char *ext, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/seg-%016llx.%s", logdir(fx), (unsigned long long)no, ext);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 0, 0, 0);
	struct egress_audit_stats st;
	struct got *g;

	append_n(a, 0, 500);
	assert_int_equal(egress_audit_append_lost(a, 1234), 0);
	assert_int_equal(egress_audit_append_notice(a, "hello"), 0);
	append_n(a, 500, 10);
	assert_int_equal(egress_audit_sync(a), 0);
	egress_audit_get_stats(a, &st);
	assert_int_equal(st.records, 512);
	assert_int_equal(st.last_seq, 512);

	/* readable while the writer is open, and after it closed */
	for (int pass = 0; pass < 2; pass++) {
		g = read_all(fx, NULL, NULL);
		assert_int_equal(g->n, 512);
		assert_int_equal(g->errors, 0);
		for (unsigned int i = 0; i < 500; i++) {
			check_event(&g->r[i], i);
			assert_int_equal(g->r[i].seq, i + 1);
		}
		assert_int_equal(g->r[500].kind, EGRESS_AUDIT_LOST);
		assert_int_equal(g->r[500].lost, 1234);
		assert_int_equal(g->r[501].kind, EGRESS_AUDIT_NOTICE);
		assert_string_equal(g->r[501].text, "hello");
		for (unsigned int i = 0; i < 10; i++)
			check_event(&g->r[502 + i], 500 + i);
		/* times: now, non-decreasing */
		for (unsigned int i = 1; i < g->n; i++)
			assert_true(g->r[i].time_ns + 1000000 >= g->r[i - 1].time_ns);
		assert_true(llabs((long long)(g->r[0].time_ns / 1000000000ULL) -
				  (long long)time(NULL)) < 60);
		got_free(g);
		if (!pass) {
			egress_audit_close(a);
			a = NULL;
		}
	}

	/* reopened: sequence numbers go on */
	a = open_log(fx, 0, 0, 0);
	append_n(a, 510, 1);
	egress_audit_close(a);
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 513);
	assert_int_equal(g->r[512].seq, 513);
	check_event(&g->r[512], 510);
	got_free(g);
}

/* Records only reach the file on write/sync (or when the buffer fills). */
static void test_write_and_sync(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 0, 0, 0);
	struct got *g;

	append_n(a, 0, 3);
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 0);
	got_free(g);
	assert_int_equal(egress_audit_write(a), 0);
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 3);
	got_free(g);
	egress_audit_close(a);
}

static void test_rotation_compression(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 0);
	struct egress_audit_stats st;
	char path[256];
	struct got *g;

	append_n(a, 0, 1000);
	assert_int_equal(egress_audit_sync(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_get_stats(a, &st);
	assert_true(st.rotations >= 10);
	assert_int_equal(st.compressed, st.rotations);
	/* every closed segment compressed, only the open one plain */
	assert_int_equal(count_files(fx, ".log"), 1);
	assert_int_equal(count_files(fx, ".log.gz"), st.rotations);
	assert_int_equal(count_files(fx, ".tmp"), 0);
	seg_path(fx, 1, "log.gz", path, sizeof(path));
	assert_int_equal(access(path, R_OK), 0);
	seg_path(fx, 1, "log", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);

	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 1000);
	assert_int_equal(g->errors, 0);
	for (unsigned int i = 0; i < 1000; i++) {
		assert_int_equal(g->r[i].seq, i + 1);
		check_event(&g->r[i], i);
	}
	got_free(g);

	/* an explicit rotation; an empty segment is not rotated again */
	assert_int_equal(egress_audit_rotate(a), 0);
	assert_int_equal(egress_audit_rotate(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_get_stats(a, &st);
	assert_int_equal(count_files(fx, ".log.gz"), st.rotations);
	assert_int_equal(count_files(fx, ".log"), 1);
	egress_audit_close(a);

	/* the compression thread does it on its own, too */
	a = open_log(fx, 8192, 0, 0);
	append_n(a, 1000, 200);
	assert_int_equal(egress_audit_sync(a), 0);
	for (int i = 0; i < 500 && count_files(fx, ".log") > 1; i++)
		usleep(10000);
	assert_int_equal(count_files(fx, ".log"), 1);
	egress_audit_close(a);
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 1200);
	check_event(&g->r[1199], 1199);
	got_free(g);
}

static void test_retention_size(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 16384, 0);
	struct egress_audit_stats st;
	struct got *g;
	struct stat sb;
	uint64_t total = 0;
	DIR *d;
	struct dirent *de;
	char path[512];

	append_n(a, 0, 3000);
	assert_int_equal(egress_audit_sync(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_get_stats(a, &st);
	assert_true(st.removed > 0);

	d = opendir(logdir(fx));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", logdir(fx), de->d_name);
		assert_int_equal(stat(path, &sb), 0);
		total += (uint64_t)sb.st_size;
	}
	closedir(d);
	assert_true(total <= 16384);
	assert_int_equal(st.disk_bytes, total);

	/* what is left is the newest records, contiguous, ending at the last */
	g = read_all(fx, NULL, NULL);
	assert_true(g->n > 0 && g->n < 3000);
	for (unsigned int i = 0; i < g->n; i++) {
		assert_int_equal(g->r[i].seq, 3000 - g->n + 1 + i);
		check_event(&g->r[i], 3000 - g->n + i);
	}
	got_free(g);
	egress_audit_close(a);
}

static void age_file(const char *path, time_t age)
{
	struct timespec t[2];

	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age;
	t[1] = t[0];
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void test_retention_age(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 3600);
	struct egress_audit_stats st;
	char path[256];
	struct got *g;
	unsigned int before;

	append_n(a, 0, 300);
	assert_int_equal(egress_audit_sync(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	before = count_files(fx, ".log.gz");
	assert_true(before >= 3);
	/* nothing is old yet */
	egress_audit_get_stats(a, &st);
	assert_int_equal(st.removed, 0);

	/* the first two segments last written two hours ago */
	for (uint64_t no = 1; no <= 2; no++) {
		seg_path(fx, no, "log.gz", path, sizeof(path));
		age_file(path, 7200);
	}
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_get_stats(a, &st);
	assert_int_equal(st.removed, 2);
	assert_int_equal(count_files(fx, ".log.gz"), before - 2);
	seg_path(fx, 1, "log.gz", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	seg_path(fx, 3, "log.gz", path, sizeof(path));
	assert_int_equal(access(path, F_OK), 0);

	/* the records left start where segment 3 starts, and are all there */
	g = read_all(fx, NULL, NULL);
	assert_true(g->n > 0);
	assert_int_equal(g->r[g->n - 1].seq, 300);
	for (unsigned int i = 0; i < g->n; i++)
		check_event(&g->r[i], (unsigned int)g->r[i].seq - 1);
	got_free(g);
	egress_audit_close(a);
}

static void test_torn_tail(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 0, 0, 0);
	struct egress_audit_stats st;
	char path[256];
	struct stat sb;
	struct got *g;
	off_t full;

	append_n(a, 0, 100);
	egress_audit_close(a);
	seg_path(fx, 1, "log", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	full = sb.st_size;
	/* a write cut short: the last record loses its last 10 bytes */
	assert_int_equal(truncate(path, full - 10), 0);

	/* readers skip the torn record */
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 99);
	assert_int_equal(g->errors, 0);
	got_free(g);

	/* the writer drops it, says so, and appends after the last good record */
	a = open_log(fx, 0, 0, 0);
	egress_audit_get_stats(a, &st);
	assert_true(st.torn_bytes > 0 && st.torn_bytes < 200);
	append_n(a, 1000, 5);
	egress_audit_close(a);

	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 99 + 1 + 5);
	assert_int_equal(g->errors, 0);
	for (unsigned int i = 0; i < 99; i++)
		check_event(&g->r[i], i);
	assert_int_equal(g->r[99].kind, EGRESS_AUDIT_NOTICE);
	assert_contains(g->r[99].text, "incomplete record");
	assert_int_equal(g->r[99].seq, 100);	/* the torn one's number, reused */
	for (unsigned int i = 0; i < 5; i++) {
		check_event(&g->r[100 + i], 1000 + i);
		assert_int_equal(g->r[100 + i].seq, 101 + i);
	}
	got_free(g);

	/* garbage after the last record (a torn header) is dropped the same way */
	a = open_log(fx, 0, 0, 0);
	egress_audit_close(a);
	{
		int fd = open(path, O_WRONLY | O_APPEND);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, "EADR\x01\x02", 6), 6);
		close(fd);
	}
	a = open_log(fx, 0, 0, 0);
	egress_audit_get_stats(a, &st);
	assert_int_equal(st.torn_bytes, 6);
	egress_audit_close(a);
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 99 + 1 + 5 + 1);
	assert_int_equal(g->errors, 0);
	got_free(g);
}

/* A damaged record in the middle of a segment is skipped, the rest read. */
static void test_damaged_record(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 0, 0, 0);
	char path[256];
	struct got *g;
	struct stat sb;
	int fd;
	char c;

	append_n(a, 0, 100);
	egress_audit_close(a);
	seg_path(fx, 1, "log", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	/* flip one byte in the middle of the file */
	fd = open(path, O_RDWR);
	assert_int_equal(pread(fd, &c, 1, sb.st_size / 2), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, sb.st_size / 2), 1);
	close(fd);

	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 99);
	assert_int_equal(g->errors, 1);
	print_message("skipped: %s\n", g->last_error);
	assert_contains(g->last_error, "damaged bytes");
	for (unsigned int i = 0, k = 0; i < 99; i++, k++) {
		if (g->r[i].seq != k + 1)
			k++;	/* the damaged one */
		assert_int_equal(g->r[i].seq, k + 1);
		check_event(&g->r[i], k);
	}
	got_free(g);

	/* the writer keeps the damaged middle: only a tail is truncated */
	a = open_log(fx, 0, 0, 0);
	append_n(a, 100, 1);
	egress_audit_close(a);
	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 100);
	assert_int_equal(g->r[99].seq, 101);
	got_free(g);
}

static void test_damaged_compressed(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 0);
	unsigned int refused = 0, segs;
	uint64_t first2 = 0, first3 = 0;
	char path[256];
	struct got *g;
	struct stat sb;
	int fd;
	char junk[64];

	append_n(a, 0, 600);
	assert_int_equal(egress_audit_sync(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_close(a);
	segs = count_files(fx, ".log.gz");
	assert_true(segs >= 4);

	g = read_all(fx, NULL, NULL);
	assert_int_equal(g->n, 600);
	got_free(g);

	/* segment 2 gets garbage in the middle of its compressed data */
	seg_path(fx, 2, "log.gz", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	memset(junk, 0x5a, sizeof(junk));
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), sb.st_size / 2), (ssize_t)sizeof(junk));
	close(fd);

	g = read_all(fx, NULL, &refused);
	assert_int_equal(refused, 1);
	assert_int_equal(g->errors, 1);
	print_message("refused: %s\n", g->last_error);
	assert_contains(g->last_error, "seg-0000000000000002.log.gz");
	assert_contains(g->last_error, "damaged");
	/* nothing of segment 2, everything of the others, in order */
	for (unsigned int i = 0; i < g->n; i++) {
		if (i && g->r[i].seq != g->r[i - 1].seq + 1) {
			assert_int_equal(first3, 0);
			first2 = g->r[i - 1].seq + 1;
			first3 = g->r[i].seq;
		}
		check_event(&g->r[i], (unsigned int)g->r[i].seq - 1);
	}
	assert_true(first2 > 1 && first3 > first2);
	assert_int_equal(g->n, 600 - (first3 - first2));
	assert_int_equal(g->r[g->n - 1].seq, 600);
	got_free(g);

	/* a compressed segment cut short is refused as well */
	seg_path(fx, 3, "log.gz", path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size - 20), 0);
	g = read_all(fx, NULL, &refused);
	assert_int_equal(refused, 2);
	assert_int_equal(g->errors, 2);
	assert_int_equal(g->r[g->n - 1].seq, 600);
	got_free(g);

	/* the writer still opens and appends */
	a = open_log(fx, 8192, 0, 0);
	append_n(a, 600, 1);
	egress_audit_close(a);
	g = read_all(fx, NULL, &refused);
	assert_int_equal(g->r[g->n - 1].seq, 601);
	got_free(g);
}

static void test_filters(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 0);
	struct egress_audit_filter f = EGRESS_AUDIT_FILTER_ALL;
	struct got *g;
	uint64_t mid_ns;

	append_n(a, 0, 300);
	assert_int_equal(egress_audit_append_lost(a, 7), 0);
	assert_int_equal(egress_audit_sync(a), 0);
	usleep(20000);
	append_n(a, 300, 300);
	assert_int_equal(egress_audit_sync(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_close(a);

	/* sandbox: events of it, and the lost record (it may be any sandbox's) */
	f.sandbox = "ci-runner";
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 200 + 1);
	for (unsigned int i = 0; i < g->n; i++)
		if (g->r[i].kind == EGRESS_AUDIT_EVENT)
			assert_string_equal(g->r[i].sandbox, "ci-runner");
		else
			assert_int_equal(g->r[i].lost, 7);
	got_free(g);
	f.events_only = true;
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 200);
	got_free(g);

	/* verdict */
	f = (struct egress_audit_filter)EGRESS_AUDIT_FILTER_ALL;
	f.verdict = EGRESS_DENIED;
	f.events_only = true;
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 300);
	for (unsigned int i = 0; i < g->n; i++)
		assert_int_equal(g->r[i].ev.verdict, EGRESS_DENIED);
	got_free(g);
	f.sandbox = "web";
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 100);	/* i % 3 == 0 and odd */
	got_free(g);

	/* since: the second batch only */
	f = (struct egress_audit_filter)EGRESS_AUDIT_FILTER_ALL;
	g = read_all(fx, NULL, NULL);
	mid_ns = g->r[301].time_ns;
	assert_true(g->r[300].time_ns < mid_ns);
	got_free(g);
	f.since_ns = mid_ns;
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 300);
	check_event(&g->r[0], 300);
	got_free(g);
	/* since in the future: nothing */
	f.since_ns = ((uint64_t)time(NULL) + 3600) * 1000000000ULL;
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 0);
	got_free(g);

	/* sequence windows */
	f = (struct egress_audit_filter)EGRESS_AUDIT_FILTER_ALL;
	f.after_seq = 100;
	f.until_seq = 250;
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 150);
	assert_int_equal(g->r[0].seq, 101);
	assert_int_equal(g->r[149].seq, 250);
	got_free(g);
}

struct follow_ctx {
	uint64_t seqs[4096];
	unsigned int n;
	unsigned int events, lost;
	char last_sandbox[EGRESS_AUDIT_NAME_MAX];
};

static void on_follow(void *ctx, const struct egress_audit_record *r)
{
	struct follow_ctx *c = ctx;

	c->seqs[c->n++ % 4096] = r->seq;
	if (r->kind == EGRESS_AUDIT_EVENT) {
		c->events++;
		check_event(r, (unsigned int)r->seq - 1);
		snprintf(c->last_sandbox, sizeof(c->last_sandbox), "%s", r->sandbox);
	} else if (r->kind == EGRESS_AUDIT_LOST) {
		c->lost += (unsigned int)r->lost;
	}
}

static void test_follow(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 0);
	struct egress_audit_filter f = EGRESS_AUDIT_FILTER_ALL;
	struct follow_ctx *c1 = calloc(1, sizeof(*c1)), *c2 = calloc(1, sizeof(*c2));
	uint64_t last1 = 0, last2 = 0;
	struct got *g;
	int id1, id2;

	append_n(a, 0, 50);		/* buffered, not written */
	id1 = egress_audit_follow(a, on_follow, c1, &last1);
	assert_true(id1 > 0);
	assert_int_equal(last1, 50);
	/* the backlog is in the files already: exactly up to last1 */
	f.until_seq = last1;
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 50);
	got_free(g);

	append_n(a, 50, 100);
	id2 = egress_audit_follow(a, on_follow, c2, &last2);
	assert_int_equal(last2, 150);
	append_n(a, 150, 100);
	/* the lost record is the 251st */
	assert_int_equal(egress_audit_append_lost(a, 3), 0);
	egress_audit_unfollow(a, id1);
	append_n(a, 251, 10);		/* numbers line up with seq - 1 again */
	egress_audit_close(a);

	/* follower 1: 51..251 live, nothing twice, nothing missed */
	assert_int_equal(c1->n, 201);
	for (unsigned int i = 0; i < c1->n; i++)
		assert_int_equal(c1->seqs[i], last1 + 1 + i);
	assert_int_equal(c1->lost, 3);
	/* follower 2: 151..261 */
	assert_int_equal(c2->n, 111);
	for (unsigned int i = 0; i < c2->n; i++)
		assert_int_equal(c2->seqs[i], last2 + 1 + i);
	assert_string_equal(c2->last_sandbox, sb_name(260));
	free(c1);
	free(c2);
	(void)id2;
}

struct killed_ctx {
	uint64_t next_seq, events, notices, bad;
	bool last_was_restart;
};

/* Every record there in order, events numbered as written, then the notice. */
static int check_killed(void *ctx, const struct egress_audit_record *r)
{
	struct killed_ctx *c = ctx;

	if (r->seq != ++c->next_seq)
		c->bad++;
	c->last_was_restart = r->kind == EGRESS_AUDIT_NOTICE &&
			      !strcmp(r->text, "restarted");
	if (r->kind == EGRESS_AUDIT_EVENT) {
		if (r->ev.generation != 100 + c->events ||
		    strcmp(r->sandbox, sb_name((unsigned int)c->events)))
			c->bad++;
		c->events++;
	} else {
		c->notices++;
	}
	return 0;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/*
 * Two followers the --follow way: backlog up to last_seq from the files,
 * then their queues; one filtered by sandbox and verdict, one too slow.
 */
static void test_tail(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 0);
	struct egress_audit_filter f = EGRESS_AUDIT_FILTER_ALL;
	struct egress_audit_record *recs = calloc(64, sizeof(*recs));
	struct egress_audit_tail *t1, *t2;
	char sandbox[16] = "web";
	uint64_t last1, last2, dropped = 99, next;
	unsigned int total = 0;
	struct got *g;
	int n;

	append_n(a, 0, 30);
	f.sandbox = sandbox;
	f.verdict = EGRESS_DENIED;
	assert_int_equal(egress_audit_tail_open(&t1, a, &f, 0, &last1), 0);
	sandbox[0] = 'X';	/* the filter was copied */
	assert_int_equal(egress_audit_tail_open(&t2, a, NULL, 8, &last2), 0);
	assert_int_equal(last1, 30);
	assert_false(readable(egress_audit_tail_fd(t1)));
	assert_int_equal(egress_audit_tail_take(t1, recs, 64, &dropped), 0);
	assert_int_equal(dropped, 0);

	/* backlog: from the files, exactly the first 30 */
	f.until_seq = last1;
	sandbox[0] = 'w';
	g = read_all(fx, &f, NULL);
	assert_int_equal(g->n, 5);	/* i < 30, i % 3 == 0, odd */
	got_free(g);

	append_n(a, 30, 60);
	assert_int_equal(egress_audit_append_lost(a, 2), 0);
	assert_true(readable(egress_audit_tail_fd(t1)));
	/* follower 1: web's denials among 30..89, and the lost record */
	next = 30;
	while ((n = egress_audit_tail_take(t1, recs, 4, &dropped)) > 0) {
		assert_int_equal(dropped, 0);
		for (int i = 0; i < n; i++, total++) {
			if (recs[i].kind == EGRESS_AUDIT_LOST) {
				assert_int_equal(recs[i].lost, 2);
				continue;
			}
			while (next % 3 || !(next % 2))
				next++;
			check_event(&recs[i], (unsigned int)next);
			assert_int_equal(recs[i].seq, next + 1);
			next++;
		}
	}
	assert_int_equal(total, 10 + 1);
	assert_false(readable(egress_audit_tail_fd(t1)));

	/* follower 2 kept the first 8 and counts the rest */
	assert_true(readable(egress_audit_tail_fd(t2)));
	n = egress_audit_tail_take(t2, recs, 64, &dropped);
	assert_int_equal(n, 8);
	assert_int_equal(dropped, 60 + 1 - 8);
	for (int i = 0; i < n; i++)
		check_event(&recs[i], 30 + (unsigned int)i);
	assert_int_equal(egress_audit_tail_take(t2, recs, 64, &dropped), 0);
	assert_int_equal(dropped, 0);
	/* and goes on once it has caught up */
	append_n(a, 91, 1);
	assert_int_equal(egress_audit_tail_take(t2, recs, 64, &dropped), 1);
	assert_int_equal(recs[0].seq, 92);

	egress_audit_tail_close(t2);
	append_n(a, 92, 3);	/* no follower 2 any more; follower 1 sees 93 */
	assert_int_equal(egress_audit_tail_take(t1, recs, 64, &dropped), 1);
	check_event(&recs[0], 93);
	egress_audit_tail_close(t1);
	egress_audit_close(a);
	free(recs);
}

/*
 * A writer killed with SIGKILL mid-stream loses nothing it had written:
 * the child reports over a pipe how many records each write covered.
 */
static void test_killed_writer(void **state)
{
	struct fixture *fx = *state;
	unsigned int reported = 0, n;
	int pfd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct egress_audit_config cfg = { .dir = logdir(fx), .segment_bytes = 65536 };
		struct egress_audit *a;

		close(pfd[0]);
		if (egress_audit_open(&a, &cfg, NULL, 0))
			_exit(1);
		for (unsigned int i = 0; ; i += 64) {
			struct egress_event e;

			for (unsigned int k = i; k < i + 64; k++) {
				make_event(&e, k);
				egress_audit_append_event(a, &e, sb_name(k), NULL);
			}
			if (egress_audit_write(a))
				_exit(1);
			n = i + 64;
			if (write(pfd[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
		}
	}
	close(pfd[1]);
	while (reported < 20000 && read(pfd[0], &n, sizeof(n)) == sizeof(n))
		reported = n;
	kill(pid, SIGKILL);
	/* what it wrote before it died */
	while (read(pfd[0], &n, sizeof(n)) == sizeof(n))
		reported = n;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));

	/* a new writer: picks up after the last record */
	{
		struct egress_audit *a = open_log(fx, 65536, 0, 0);

		egress_audit_append_notice(a, "restarted");
		egress_audit_close(a);
	}
	{
		static const struct egress_audit_filter all = EGRESS_AUDIT_FILTER_ALL;
		struct killed_ctx c = { 0 };

		assert_int_equal(egress_audit_read(logdir(fx), &all, check_killed, NULL, &c,
						   NULL), 0);
		print_message("%llu records reported written, %llu found\n",
			      (unsigned long long)reported, (unsigned long long)c.events);
		assert_int_equal(c.bad, 0);
		assert_true(c.events >= reported);
		assert_true(c.notices >= 1);
		assert_true(c.last_was_restart);
	}
}

/* Highest segment number in the log directory. */
static uint64_t last_seg(struct fixture *fx)
{
	struct dirent *de;
	uint64_t max = 0, no;
	DIR *d = opendir(logdir(fx));

	assert_non_null(d);
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "seg-%16llx", (unsigned long long *)&no) == 1 &&
		    no > max)
			max = no;
	closedir(d);
	return max;
}

/*
 * The newest segment says nothing (empty: cut before its header; or not a
 * segment at all): numbering goes on from the segments before it.
 */
static void test_recover_numbering(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit *a = open_log(fx, 8192, 0, 0);
	unsigned int refused;
	char path[256];
	struct got *g;
	uint64_t n;
	int fd;

	append_n(a, 0, 100);
	assert_int_equal(egress_audit_rotate(a), 0);
	assert_int_equal(egress_audit_maintain(a), 0);
	egress_audit_close(a);
	n = last_seg(fx);	/* open, empty: only its header */

	/* an empty newest segment */
	seg_path(fx, n + 1, "log", path, sizeof(path));
	fd = open(path, O_CREAT | O_WRONLY, 0640);
	close(fd);
	a = open_log(fx, 8192, 0, 0);
	append_n(a, 100, 1);
	egress_audit_close(a);
	assert_int_equal(last_seg(fx), n + 1);

	/* a foreign file as the newest segment: left alone, refused by readers */
	seg_path(fx, n + 2, "log", path, sizeof(path));
	fd = open(path, O_CREAT | O_WRONLY, 0640);
	assert_int_equal(write(fd, "this is not an audit log segment at all\n", 40), 40);
	close(fd);
	a = open_log(fx, 8192, 0, 0);
	append_n(a, 101, 1);
	egress_audit_close(a);
	assert_int_equal(last_seg(fx), n + 3);

	g = read_all(fx, NULL, &refused);
	assert_int_equal(refused, 1);
	assert_contains(g->last_error, "not an audit log segment");
	assert_int_equal(g->n, 102);
	for (unsigned int i = 0; i < g->n; i++) {
		assert_int_equal(g->r[i].seq, i + 1);
		check_event(&g->r[i], i);
	}
	got_free(g);
}

static void test_open_errors(void **state)
{
	struct fixture *fx = *state;
	struct egress_audit_config cfg = { 0 };
	struct egress_audit *a;
	char err[256] = "", path[128];
	int fd;

	assert_int_equal(egress_audit_open(&a, &cfg, err, sizeof(err)), -EINVAL);
	assert_contains(err, "directory");
	/* a file where the directory should be */
	snprintf(path, sizeof(path), "%s/file", fx->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/audit", fx->dir);
	cfg.dir = path;
	assert_true(egress_audit_open(&a, &cfg, err, sizeof(err)) < 0);
	assert_contains(err, path);
	/* reading a directory that does not exist */
	assert_int_equal(egress_audit_read("/nonexistent/egress-audit", NULL, collect,
					   NULL, NULL, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_and_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_compression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_numbering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
