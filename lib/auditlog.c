// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "audit_disk.h"
#include "auditlog.h"
#include "errmsg.h"
#include "event_fmt.h"

#define BUF_CAP		(256 << 10)
#define MAX_FOLLOWERS	64

struct follower {
	int id;
	egress_audit_follow_fn fn;
	void *ctx;
};

struct egress_audit {
	struct egress_audit_config cfg;
	char *dir;
	int dirfd;

	pthread_mutex_t lock;		/* everything below */
	int fd;				/* the open segment */
	uint64_t seg_no;
	uint64_t seg_bytes;		/* on disk and buffered */
	uint64_t seg_records;
	uint64_t seg_started_ns;	/* CLOCK_REALTIME of its first record */
	uint64_t next_seq;
	uint32_t unsynced;
	unsigned char *buf;
	size_t buf_len;
	struct follower followers[MAX_FOLLOWERS];
	struct egress_audit_record *view;	/* what followers are shown */
	int n_followers;
	int next_follower_id;
	struct egress_audit_stats st;

	pthread_mutex_t maint_lock;	/* one maintenance run at a time */
	pthread_t thread;
	bool thread_started;
	pthread_cond_t cond;
	bool stop;
	bool work;
};

/* ---- little helpers ---------------------------------------------------------- */

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *p, size_t len, size_t *done)
{
	const char *c = p;
	ssize_t n;

	*done = 0;
	while (*done < len) {
		n = write(fd, c + *done, len - *done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*done += (size_t)n;
	}
	return 0;
}

/* ---- writer -------------------------------------------------------------------- */

static int buf_write_locked(struct egress_audit *a)
{
	size_t done;
	int ret;

	if (!a->buf_len)
		return 0;
	ret = write_all(a->fd, a->buf, a->buf_len, &done);
	if (done < a->buf_len)
		memmove(a->buf, a->buf + done, a->buf_len - done);
	a->buf_len -= done;
	if (ret)
		a->st.write_errors++;
	return ret;
}

static int sync_locked(struct egress_audit *a)
{
	int ret = buf_write_locked(a);

	if (ret)
		return ret;
	if (fdatasync(a->fd)) {
		a->st.write_errors++;
		return -errno;
	}
	a->unsynced = 0;
	a->st.syncs++;
	return 0;
}

static int seg_create_locked(struct egress_audit *a, uint64_t no)
{
	unsigned char hdr[SEG_HDR];
	char name[64];
	size_t done;
	int fd, ret;

	audit_seg_name(name, sizeof(name), no, false);
	fd = openat(a->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
		    0640);
	if (fd < 0)
		return -errno;
	memcpy(hdr, SEG_MAGIC, 8);
	put32(hdr + 8, SEG_VERSION);
	put32(hdr + 12, 0);
	put64(hdr + 16, a->next_seq);
	ret = write_all(fd, hdr, sizeof(hdr), &done);
	if (!ret && (fdatasync(fd) || fsync(a->dirfd)))
		ret = -errno;
	if (ret) {
		close(fd);
		unlinkat(a->dirfd, name, 0);
		return ret;
	}
	a->fd = fd;
	a->seg_no = no;
	a->seg_bytes = SEG_HDR;
	a->seg_records = 0;
	a->seg_started_ns = 0;
	return 0;
}

static void kick_locked(struct egress_audit *a)
{
	a->work = true;
	pthread_cond_signal(&a->cond);
}

static int rotate_locked(struct egress_audit *a)
{
	int ret, old = a->fd;

	if (!a->seg_records)
		return 0;
	ret = sync_locked(a);
	if (ret)
		return ret;
	ret = seg_create_locked(a, a->seg_no + 1);
	if (ret) {
		a->fd = old;
		a->st.write_errors++;
		return ret;
	}
	close(old);
	a->st.rotations++;
	kick_locked(a);
	return 0;
}

static bool rotate_due(const struct egress_audit *a, uint64_t now)
{
	return a->seg_records &&
	       (a->seg_bytes >= a->cfg.segment_bytes ||
		(a->seg_started_ns &&
		 now - a->seg_started_ns >= (uint64_t)a->cfg.segment_age_s * 1000000000ULL));
}

/* Reserves room for a record of payload len; fills its header later. */
static unsigned char *rec_begin(struct egress_audit *a, size_t len, int *err)
{
	*err = 0;
	if (a->buf_len + REC_HDR + len > BUF_CAP) {
		*err = buf_write_locked(a);
		if (*err && a->buf_len + REC_HDR + len > BUF_CAP)
			return NULL;
		*err = 0;
	}
	return a->buf + a->buf_len;
}

/*
 * The record is in the buffer: from here on it is kept (a failed write
 * or sync is counted in write_errors and retried with the next one).
 */
static void rec_commit(struct egress_audit *a, unsigned char *p, uint16_t kind,
		       uint32_t len, uint64_t time_ns, struct egress_audit_record *view)
{
	uint64_t seq = a->next_seq++;
	int ret = 0;

	put32(p, REC_MAGIC);
	put32(p + 8, len);
	put16(p + 12, kind);
	put16(p + 14, 0);
	put64(p + 16, seq);
	put64(p + 24, time_ns);
	put32(p + 4, audit_rec_crc(p, len));
	a->buf_len += REC_HDR + len;
	a->seg_bytes += REC_HDR + len;
	a->seg_records++;
	if (!a->seg_started_ns)
		a->seg_started_ns = time_ns;
	a->st.records++;
	a->st.bytes += REC_HDR + len;
	a->st.last_seq = seq;

	if (a->n_followers) {
		view->kind = kind;
		view->seq = seq;
		view->time_ns = time_ns;
		for (int i = 0; i < a->n_followers; i++)
			a->followers[i].fn(a->followers[i].ctx, view);
	}
	if (a->cfg.sync_every && ++a->unsynced >= a->cfg.sync_every)
		ret = sync_locked(a);
	if (!ret && a->seg_bytes >= a->cfg.segment_bytes)
		rotate_locked(a);
}

static uint64_t event_time_ns(const struct egress_event *e)
{
	struct timespec ts = egress_event_realtime(e);

	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int egress_audit_append_event(struct egress_audit *a, const struct egress_event *e,
			      const char *sandbox, const char *rule)
{
	size_t hl = e->host_len, sl, rl, len;
	struct egress_audit_record *view = a->view;
	uint64_t t = event_time_ns(e);
	unsigned char *p, *b;
	int ret;

	if (hl >= sizeof(e->host))
		hl = sizeof(e->host) - 1;
	if (!sandbox)
		sandbox = "";
	if (!rule)
		rule = "";
	sl = strnlen(sandbox, EGRESS_AUDIT_NAME_MAX - 1);
	rl = strnlen(rule, EGRESS_AUDIT_RULE_MAX - 1);
	len = EV_FIXED + hl + sl + rl;

	pthread_mutex_lock(&a->lock);
	p = rec_begin(a, len, &ret);
	if (!p)
		goto out;
	b = p + REC_HDR;
	put64(b, e->ts_boot_ns);
	put32(b + 8, e->sandbox_id);
	put32(b + 12, e->generation);
	put32(b + 16, e->rule_id);
	put32(b + 20, e->count);
	put16(b + 24, e->sport);
	put16(b + 26, e->dport);
	b[28] = e->verdict;
	b[29] = e->flags;
	b[30] = e->mode;
	b[31] = e->proto;
	b[32] = e->l4proto;
	b[33] = e->family;
	b[34] = e->reason;
	b[35] = e->scope;
	memcpy(b + 36, e->saddr, 16);
	memcpy(b + 52, e->daddr, 16);
	put16(b + 68, (uint16_t)hl);
	put16(b + 70, (uint16_t)sl);
	put16(b + 72, (uint16_t)rl);
	put16(b + 74, 0);
	memcpy(b + EV_FIXED, e->host, hl);
	memcpy(b + EV_FIXED + hl, sandbox, sl);
	memcpy(b + EV_FIXED + hl + sl, rule, rl);
	if (a->n_followers) {
		view->ev = *e;
		view->ev.host_len = (__u16)hl;
		memset(view->ev.host + hl, 0, sizeof(view->ev.host) - hl);
		copy_str(view->sandbox, sizeof(view->sandbox),
			 (const unsigned char *)sandbox, sl);
		copy_str(view->rule, sizeof(view->rule), (const unsigned char *)rule, rl);
		view->lost = 0;
		view->text[0] = '\0';
	}
	rec_commit(a, p, EGRESS_AUDIT_EVENT, (uint32_t)len, t, view);
out:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

static int append_simple(struct egress_audit *a, uint16_t kind, const void *data,
			 size_t len, uint64_t lost)
{
	struct egress_audit_record *view = a->view;
	unsigned char *p;
	int ret;

	if (len > EGRESS_AUDIT_TEXT_MAX - 1)
		len = EGRESS_AUDIT_TEXT_MAX - 1;
	pthread_mutex_lock(&a->lock);
	p = rec_begin(a, len, &ret);
	if (!p)
		goto out;
	memcpy(p + REC_HDR, data, len);
	if (a->n_followers) {
		memset(view, 0, sizeof(*view));
		view->lost = lost;
		if (kind == EGRESS_AUDIT_NOTICE)
			copy_str(view->text, sizeof(view->text), data, len);
	}
	rec_commit(a, p, kind, (uint32_t)len, now_ns(CLOCK_REALTIME), view);
out:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int egress_audit_append_lost(struct egress_audit *a, uint64_t n)
{
	unsigned char b[8];

	put64(b, n);
	return append_simple(a, EGRESS_AUDIT_LOST, b, sizeof(b), n);
}

int egress_audit_append_notice(struct egress_audit *a, const char *text)
{
	return append_simple(a, EGRESS_AUDIT_NOTICE, text, strlen(text), 0);
}

int egress_audit_write(struct egress_audit *a)
{
	int ret;

	pthread_mutex_lock(&a->lock);
	ret = buf_write_locked(a);
	if (!ret && rotate_due(a, now_ns(CLOCK_REALTIME)))
		ret = rotate_locked(a);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int egress_audit_sync(struct egress_audit *a)
{
	int ret;

	pthread_mutex_lock(&a->lock);
	ret = sync_locked(a);
	if (!ret && rotate_due(a, now_ns(CLOCK_REALTIME)))
		ret = rotate_locked(a);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int egress_audit_rotate(struct egress_audit *a)
{
	int ret;

	pthread_mutex_lock(&a->lock);
	ret = rotate_locked(a);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

int egress_audit_follow(struct egress_audit *a, egress_audit_follow_fn fn, void *ctx,
			uint64_t *last_seq)
{
	int ret;

	pthread_mutex_lock(&a->lock);
	ret = buf_write_locked(a);
	if (ret)
		goto out;
	if (a->n_followers == MAX_FOLLOWERS) {
		ret = -ENOSPC;
		goto out;
	}
	ret = ++a->next_follower_id;
	a->followers[a->n_followers++] = (struct follower){ ret, fn, ctx };
	if (last_seq)
		*last_seq = a->next_seq - 1;
out:
	pthread_mutex_unlock(&a->lock);
	return ret;
}

void egress_audit_unfollow(struct egress_audit *a, int id)
{
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < a->n_followers; i++) {
		if (a->followers[i].id != id)
			continue;
		a->followers[i] = a->followers[--a->n_followers];
		break;
	}
	pthread_mutex_unlock(&a->lock);
}

void egress_audit_get_stats(struct egress_audit *a, struct egress_audit_stats *st)
{
	pthread_mutex_lock(&a->lock);
	*st = a->st;
	pthread_mutex_unlock(&a->lock);
}

/* ---- compression and retention ---------------------------------------------- */

static int compress_seg(struct egress_audit *a, uint64_t no)
{
	char src[64], dst[64], tmp[80], mode[8];
	struct timespec times[2];
	unsigned char *buf = NULL;
	struct stat sb;
	int in = -1, out = -1, gfd, ret = 0;
	ssize_t n;
	gzFile gz;

	audit_seg_name(src, sizeof(src), no, false);
	audit_seg_name(dst, sizeof(dst), no, true);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	snprintf(mode, sizeof(mode), "wb%d", a->cfg.compress_level);

	in = openat(a->dirfd, src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &sb)) {
		ret = -errno;
		goto out;
	}
	out = openat(a->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		ret = -errno;
		goto out;
	}
	gfd = dup(out);
	if (gfd < 0) {
		ret = -errno;
		goto out;
	}
	gz = gzdopen(gfd, mode);
	if (!gz) {
		close(gfd);
		ret = -ENOMEM;
		goto out;
	}
	buf = malloc(1 << 17);
	if (!buf) {
		gzclose(gz);
		ret = -ENOMEM;
		goto out;
	}
	while ((n = read(in, buf, 1 << 17)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (gzwrite(gz, buf, (unsigned int)n) != (int)n) {
			ret = -EIO;
			break;
		}
	}
	if (gzclose(gz) != Z_OK && !ret)
		ret = -EIO;
	if (ret)
		goto out;
	/* the compressed file keeps the time of the segment's last write */
	times[0] = sb.st_atim;
	times[1] = sb.st_mtim;
	futimens(out, times);
	if (fsync(out)) {
		ret = -errno;
		goto out;
	}
	if (renameat(a->dirfd, tmp, a->dirfd, dst) || fsync(a->dirfd)) {
		ret = -errno;
		goto out;
	}
	/* only now is the plain copy redundant */
	if (unlinkat(a->dirfd, src, 0) || fsync(a->dirfd))
		ret = -errno;
out:
	free(buf);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (ret)
		unlinkat(a->dirfd, tmp, 0);
	return ret;
}

static int remove_seg(struct egress_audit *a, const struct seg *s)
{
	char name[64];

	if (s->gz) {
		audit_seg_name(name, sizeof(name), s->no, true);
		if (unlinkat(a->dirfd, name, 0) && errno != ENOENT)
			return -errno;
	}
	if (s->plain) {
		audit_seg_name(name, sizeof(name), s->no, false);
		if (unlinkat(a->dirfd, name, 0) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int egress_audit_maintain(struct egress_audit *a)
{
	uint64_t open_no, total = 0, removed = 0, compressed = 0;
	time_t now = time(NULL);
	struct seg_list l;
	size_t first = 0;
	int ret, err = 0;

	pthread_mutex_lock(&a->maint_lock);
	pthread_mutex_lock(&a->lock);
	open_no = a->seg_no;
	pthread_mutex_unlock(&a->lock);

	ret = audit_seg_list(a->dirfd, &l, false);
	if (ret)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		struct seg *s = &l.v[i];
		char name[64];
		struct stat sb;

		if (s->no >= open_no || !s->plain)
			continue;
		if (s->gz) {
			/* compressed before a crash took the plain copy's removal */
			audit_seg_name(name, sizeof(name), s->no, false);
			unlinkat(a->dirfd, name, 0);
			s->plain = false;
			continue;
		}
		ret = compress_seg(a, s->no);
		if (ret) {
			err = err ? err : ret;
			continue;
		}
		compressed++;
		s->plain = false;
		s->gz = true;
		audit_seg_name(name, sizeof(name), s->no, true);
		if (!fstatat(a->dirfd, name, &sb, 0))
			s->size = (uint64_t)sb.st_size;
	}
	for (size_t i = 0; i < l.n; i++)
		total += l.v[i].no == open_no ? 0 : l.v[i].size;
	pthread_mutex_lock(&a->lock);
	total += a->seg_bytes;
	pthread_mutex_unlock(&a->lock);

	/* oldest first: by size, then by age */
	for (; first < l.n && l.v[first].no < open_no; first++) {
		const struct seg *s = &l.v[first];
		bool old = a->cfg.max_age_s &&
			   now - s->mtime > (time_t)a->cfg.max_age_s;

		if (total <= a->cfg.max_bytes && !old)
			break;
		ret = remove_seg(a, s);
		if (ret) {
			err = err ? err : ret;
			break;
		}
		total -= s->size;
		removed++;
	}
	if (!err && removed)
		fsync(a->dirfd);

	pthread_mutex_lock(&a->lock);
	a->st.compressed += compressed;
	a->st.removed += removed;
	a->st.segments = l.n - removed;
	a->st.disk_bytes = total;
	pthread_mutex_unlock(&a->lock);
	free(l.v);
	ret = err;
out:
	pthread_mutex_unlock(&a->maint_lock);
	return ret;
}

static void *maint_thread(void *arg)
{
	struct egress_audit *a = arg;
	struct timespec until;

	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		if (!a->work) {
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += 60;
			pthread_cond_timedwait(&a->cond, &a->lock, &until);
			if (a->stop)
				break;
		}
		a->work = false;
		pthread_mutex_unlock(&a->lock);
		egress_audit_maintain(a);
		pthread_mutex_lock(&a->lock);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* ---- open and close ------------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char *p, *tmp = strdup(dir);
	int ret = 0;

	if (!tmp)
		return -ENOMEM;
	for (p = tmp + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(tmp, 0750) && errno != EEXIST) {
			ret = -errno;
			break;
		}
		if (!c)
			break;
		*p = c;
	}
	free(tmp);
	return ret;
}

/*
 * The sequence number after the last record of segment s (0: none found).
 * On success *buf holds the loaded segment and *good where its last intact
 * record ends.
 */
static int seg_next_seq(struct egress_audit *a, const struct seg *s, uint64_t *next,
			unsigned char **buf, size_t *len, size_t *good,
			uint64_t *first_ns, struct egress_audit_record *r)
{
	uint64_t last_seq = 0, skipped = 0;
	bool done = false;
	int ret;

	*next = 0;
	*buf = NULL;
	*len = 0;
	ret = audit_load_seg(a->dirfd, s, buf, len, NULL, 0);
	if (ret)
		return ret;
	if (*len < SEG_HDR)
		return 0;
	audit_seg_walk(*buf, *len, NULL, NULL, NULL, r, good, &last_seq, first_ns, &skipped,
		 &done);
	*next = last_seq ? last_seq + 1 : get64(*buf + 16);
	return 0;
}

/*
 * Finds where the log goes on: the newest segment's last intact record.
 * A plain newest segment is truncated after it and reopened for appending.
 */
static int recover(struct egress_audit *a, char *err, size_t errlen)
{
	struct egress_audit_record *r = NULL;
	unsigned char *buf = NULL;
	uint64_t first_ns = 0, torn = 0, next = 0;
	size_t len = 0, good = SEG_HDR;
	struct seg_list l;
	struct seg *s;
	char name[64];
	int fd, ret;

	ret = audit_seg_list(a->dirfd, &l, true);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot list %s: %s", a->dir,
				   strerror(-ret));
	a->next_seq = 1;
	if (!l.n) {
		ret = seg_create_locked(a, 1);
		goto done;
	}
	s = &l.v[l.n - 1];
	r = malloc(sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
		goto done;
	}
	ret = seg_next_seq(a, s, &next, &buf, &len, &good, &first_ns, r);
	if (ret == -ENOMEM)
		goto done;
	/* numbering goes on from the newest segment that says where it was */
	for (size_t i = l.n - 1; !next && i-- > 0;) {
		unsigned char *b;
		size_t bl, bg;
		uint64_t fns = 0;

		if (seg_next_seq(a, &l.v[i], &next, &b, &bl, &bg, &fns, r) == -ENOMEM) {
			ret = -ENOMEM;
			goto done;
		}
		free(b);
	}
	a->next_seq = next ? next : 1;
	if (ret || s->gz || len < SEG_HDR) {
		/*
		 * Nothing to append to: a compressed or foreign newest segment,
		 * or one cut before its header was complete (it held no record).
		 */
		if (!ret && !s->gz && len < SEG_HDR) {
			audit_seg_name(name, sizeof(name), s->no, false);
			unlinkat(a->dirfd, name, 0);
			ret = seg_create_locked(a, s->no);
		} else {
			ret = seg_create_locked(a, s->no + 1);
		}
		goto done;
	}
	audit_seg_name(name, sizeof(name), s->no, false);
	fd = openat(a->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto done;
	}
	torn = len - good;
	if (torn && (ftruncate(fd, (off_t)good) || fdatasync(fd))) {
		ret = -errno;
		close(fd);
		goto done;
	}
	a->fd = fd;
	a->seg_no = s->no;
	a->seg_bytes = good;
	a->seg_records = good > SEG_HDR;	/* only "holds records" matters */
	a->seg_started_ns = first_ns;
	a->st.torn_bytes = torn;
done:
	if (ret && err && !*err)
		egress_errf(err, errlen, ret, "cannot open the audit log in %s: %s",
			    a->dir, strerror(-ret));
	free(buf);
	free(r);
	free(l.v);
	return ret;
}

int egress_audit_open(struct egress_audit **out, const struct egress_audit_config *cfg,
		      char *err, size_t errlen)
{
	pthread_condattr_t ca;
	struct egress_audit *a;
	char note[256];
	int ret;

	if (err && errlen)
		*err = '\0';
	if (!cfg || !cfg->dir || !*cfg->dir)
		return egress_errf(err, errlen, -EINVAL, "no audit log directory");
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	if (!a->cfg.segment_bytes)
		a->cfg.segment_bytes = 16ULL << 20;
	if (!a->cfg.segment_age_s)
		a->cfg.segment_age_s = 3600;
	if (!a->cfg.max_bytes)
		a->cfg.max_bytes = 1ULL << 30;
	/* room for the open segment and at least one closed one */
	if (a->cfg.segment_bytes > a->cfg.max_bytes / 2)
		a->cfg.segment_bytes = a->cfg.max_bytes / 2;
	if (a->cfg.segment_bytes < 4096)
		a->cfg.segment_bytes = 4096;
	if (a->cfg.compress_level < 1 || a->cfg.compress_level > 9)
		a->cfg.compress_level = 3;
	a->fd = -1;
	a->dirfd = -1;
	a->dir = strdup(cfg->dir);
	a->buf = malloc(BUF_CAP);
	a->view = calloc(1, sizeof(*a->view));
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->maint_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (!a->dir || !a->buf || !a->view) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = mkdir_p(a->dir);
	if (ret) {
		egress_errf(err, errlen, ret, "cannot create %s: %s", a->dir, strerror(-ret));
		goto fail;
	}
	a->dirfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0) {
		ret = -errno;
		egress_errf(err, errlen, ret, "cannot open %s: %s", a->dir, strerror(-ret));
		goto fail;
	}
	ret = recover(a, err, errlen);
	if (ret)
		goto fail;
	if (a->st.torn_bytes) {
		snprintf(note, sizeof(note),
			 "dropped %" PRIu64 " bytes of an incomplete record at the end of "
			 "seg-%016" PRIx64 ".log (the writer stopped while writing it)",
			 a->st.torn_bytes, a->seg_no);
		ret = egress_audit_append_notice(a, note);
		if (!ret)
			ret = egress_audit_sync(a);
		if (ret) {
			egress_errf(err, errlen, ret, "cannot write to %s: %s", a->dir,
				    strerror(-ret));
			goto fail;
		}
	}
	egress_audit_maintain(a);
	ret = pthread_create(&a->thread, NULL, maint_thread, a);
	if (ret) {
		ret = -ret;
		egress_errf(err, errlen, ret, "cannot start the audit log thread");
		goto fail;
	}
	a->thread_started = true;
	*out = a;
	return 0;
fail:
	egress_audit_close(a);
	return ret;
}

void egress_audit_close(struct egress_audit *a)
{
	if (!a)
		return;
	if (a->thread_started) {
		pthread_mutex_lock(&a->lock);
		a->stop = true;
		pthread_cond_signal(&a->cond);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
	}
	if (a->fd >= 0) {
		pthread_mutex_lock(&a->lock);
		sync_locked(a);
		pthread_mutex_unlock(&a->lock);
		close(a->fd);
	}
	if (a->dirfd >= 0)
		close(a->dirfd);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->maint_lock);
	free(a->buf);
	free(a->view);
	free(a->dir);
	free(a);
}
