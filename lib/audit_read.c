// SPDX-License-Identifier: GPL-2.0-only
/* Reading audit log segments: listing, loading, checking, decoding. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "audit_disk.h"
#include "auditlog.h"
#include "errmsg.h"

void audit_seg_name(char *buf, size_t len, uint64_t no, bool gz)
{
	snprintf(buf, len, "seg-%016" PRIx64 ".log%s", no, gz ? ".gz" : "");
}

/* seg-<16 hex>.log[.gz][.tmp]: 1 plain, 2 compressed, 3 temporary, 0 other */
static int seg_parse(const char *name, uint64_t *no)
{
	char *end;

	if (strncmp(name, "seg-", 4) || strlen(name) < 4 + 16 + 4)
		return 0;
	errno = 0;
	*no = strtoull(name + 4, &end, 16);
	if (errno || end != name + 20)
		return 0;
	if (!strcmp(end, ".log"))
		return 1;
	if (!strcmp(end, ".log.gz"))
		return 2;
	if (!strcmp(end, ".log.gz.tmp"))
		return 3;
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->no < y->no ? -1 : x->no > y->no;
}

/* Lists the segments of dirfd in order; temporary files are removed when tmp_rm. */
int audit_seg_list(int dirfd, struct seg_list *l, bool tmp_rm)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd, kind;
	uint64_t no;

	memset(l, 0, sizeof(*l));
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct seg *s = NULL;

		kind = seg_parse(de->d_name, &no);
		if (!kind)
			continue;
		if (kind == 3) {
			if (tmp_rm)
				unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		if (fstatat(dirfd, de->d_name, &sb, 0))
			continue;
		for (size_t i = 0; i < l->n; i++)
			if (l->v[i].no == no)
				s = &l->v[i];
		if (!s) {
			if (l->n == l->cap) {
				size_t cap = l->cap ? 2 * l->cap : 64;
				struct seg *v = realloc(l->v, cap * sizeof(*v));

				if (!v) {
					closedir(d);
					free(l->v);
					return -ENOMEM;
				}
				l->v = v;
				l->cap = cap;
			}
			s = &l->v[l->n++];
			memset(s, 0, sizeof(*s));
			s->no = no;
		}
		if (kind == 2) {
			s->gz = true;
			s->size = (uint64_t)sb.st_size;
			s->mtime = sb.st_mtime;
		} else {
			s->plain = true;
			if (!s->gz) {
				s->size = (uint64_t)sb.st_size;
				s->mtime = sb.st_mtime;
			}
		}
	}
	closedir(d);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), seg_cmp);
	return 0;
}

/* ---- loading and parsing segments -------------------------------------------- */

static int load_plain(int dirfd, const char *name, unsigned char **out, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;
	struct stat sb;
	ssize_t r;
	int fd, ret = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb)) {
		ret = -errno;
		goto out;
	}
	cap = (size_t)sb.st_size + 1;
	if ((uint64_t)sb.st_size > LOAD_MAX) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* the open segment may grow meanwhile: read what was there */
	while (n < (size_t)sb.st_size) {
		r = read(fd, buf + n, (size_t)sb.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
out:
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* zlib's message without the "<fd:N>: " it puts before it for gzdopen()ed files */
static const char *zmsg(const char *msg)
{
	const char *p;

	if (!msg || !*msg)
		return "error";
	if (!strncmp(msg, "<fd:", 4) && (p = strstr(msg, ">: ")))
		return p + 3;
	return msg;
}

/* Decompresses a whole .gz segment; -EBADMSG (and why) when it is damaged. */
static int load_gz(int dirfd, const char *name, unsigned char **out, size_t *len,
		   char *why, size_t whylen)
{
	unsigned char *buf = NULL, *nb;
	size_t cap = 1 << 20, n = 0;
	const char *msg;
	int fd, r, zerr;
	gzFile gz;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return -ENOMEM;
	}
	buf = malloc(cap);
	if (!buf) {
		gzclose(gz);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= LOAD_MAX) {
				gzclose(gz);
				free(buf);
				return egress_errf(why, whylen, -EFBIG,
						   "decompresses to more than %llu bytes",
						   (unsigned long long)LOAD_MAX);
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				gzclose(gz);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = gzread(gz, buf + n, (unsigned int)(cap - n));
		if (r < 0) {
			msg = gzerror(gz, &zerr);
			egress_errf(why, whylen, 0, "compressed data is damaged (zlib: %s)",
				    zmsg(msg));
			gzclose(gz);
			free(buf);
			return zerr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	/* gzread stops quietly at a truncated stream: ask */
	msg = gzerror(gz, &zerr);
	if (zerr != Z_OK && zerr != Z_STREAM_END) {
		egress_errf(why, whylen, 0, "compressed data is damaged (zlib: %s)",
			    zmsg(msg));
		gzclose(gz);
		free(buf);
		return -EBADMSG;
	}
	zerr = gzclose(gz);
	if (zerr != Z_OK) {
		free(buf);
		return egress_errf(why, whylen, -EBADMSG,
				   "compressed data is damaged (zlib: %s)",
				   zerr == Z_BUF_ERROR ? "unexpected end of file" : "error");
	}
	*out = buf;
	*len = n;
	return 0;
}

uint32_t audit_rec_crc(const unsigned char *rec, uint32_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	return (uint32_t)crc32(c, rec + 8, REC_HDR - 8 + len);
}

/* A whole, intact record at p (avail bytes)? Its total length, or 0. */
static size_t rec_valid(const unsigned char *p, size_t avail)
{
	uint32_t len;

	if (avail < REC_HDR || get32(p) != REC_MAGIC)
		return 0;
	len = get32(p + 8);
	if (len > REC_MAX_PAYLOAD || avail - REC_HDR < len)
		return 0;
	if (audit_rec_crc(p, len) != get32(p + 4))
		return 0;
	return REC_HDR + len;
}

/* Decodes a valid record; -EBADMSG when its payload does not fit its kind. */
static int rec_decode(const unsigned char *p, struct egress_audit_record *r,
		      bool header_only)
{
	uint32_t len = get32(p + 8);
	const unsigned char *b = p + REC_HDR;
	struct egress_event *e = &r->ev;
	uint16_t hl, sl, rl;

	r->kind = get16(p + 12);
	r->seq = get64(p + 16);
	r->time_ns = get64(p + 24);
	if (header_only)
		return 0;
	switch (r->kind) {
	case EGRESS_AUDIT_EVENT:
		if (len < EV_FIXED)
			return -EBADMSG;
		hl = get16(b + 68);
		sl = get16(b + 70);
		rl = get16(b + 72);
		if ((size_t)EV_FIXED + hl + sl + rl != len || hl >= sizeof(e->host))
			return -EBADMSG;
		memset(e, 0, sizeof(*e));
		e->ts_boot_ns = get64(b);
		e->sandbox_id = get32(b + 8);
		e->generation = get32(b + 12);
		e->rule_id = get32(b + 16);
		e->count = get32(b + 20);
		e->sport = get16(b + 24);
		e->dport = get16(b + 26);
		e->verdict = b[28];
		e->flags = b[29];
		e->mode = b[30];
		e->proto = b[31];
		e->l4proto = b[32];
		e->family = b[33];
		e->reason = b[34];
		e->scope = b[35];
		memcpy(e->saddr, b + 36, 16);
		memcpy(e->daddr, b + 52, 16);
		e->host_len = hl;
		memcpy(e->host, b + EV_FIXED, hl);
		copy_str(r->sandbox, sizeof(r->sandbox), b + EV_FIXED + hl, sl);
		copy_str(r->rule, sizeof(r->rule), b + EV_FIXED + hl + sl, rl);
		return 0;
	case EGRESS_AUDIT_LOST:
		if (len != 8)
			return -EBADMSG;
		r->lost = get64(b);
		return 0;
	case EGRESS_AUDIT_NOTICE:
		copy_str(r->text, sizeof(r->text), b, len);
		return 0;
	default:
		return -EBADMSG;
	}
}

bool egress_audit_match(const struct egress_audit_filter *f,
			const struct egress_audit_record *r)
{
	if (!f)
		return true;
	if (f->after_seq && r->seq <= f->after_seq)
		return false;
	if (f->until_seq && r->seq > f->until_seq)
		return false;
	if (f->since_ns && r->time_ns < f->since_ns)
		return false;
	if (r->kind != EGRESS_AUDIT_EVENT)
		return !f->events_only;
	if (f->sandbox && strcmp(f->sandbox, r->sandbox))
		return false;
	if (f->verdict >= 0 && r->ev.verdict != f->verdict)
		return false;
	return true;
}

/*
 * Walks the records of one loaded segment. *good_end: where the last
 * intact record ends; *skipped: damaged bytes between intact records.
 */
int audit_seg_walk(const unsigned char *buf, size_t len, const struct egress_audit_filter *f,
		    egress_audit_record_fn fn, void *ctx, struct egress_audit_record *r,
		    size_t *good_end, uint64_t *last_seq, uint64_t *first_ns,
		    uint64_t *skipped, bool *done)
{
	size_t pos = SEG_HDR, bad_from = 0, n;
	bool in_bad = false;
	int ret;

	*good_end = SEG_HDR;
	while (pos < len) {
		n = rec_valid(buf + pos, len - pos);
		if (!n) {
			if (!in_bad) {
				in_bad = true;
				bad_from = pos;
			}
			pos++;
			continue;
		}
		if (in_bad) {
			*skipped += pos - bad_from;
			in_bad = false;
		}
		/* the header alone for what the filter decides from it */
		rec_decode(buf + pos, r, true);
		if (last_seq)
			*last_seq = r->seq;
		if (first_ns && !*first_ns)
			*first_ns = r->time_ns;
		*good_end = pos + n;
		if (fn && (!f || ((!f->after_seq || r->seq > f->after_seq) &&
				  (!f->since_ns || r->time_ns >= f->since_ns)))) {
			if (f && f->until_seq && r->seq > f->until_seq) {
				*done = true;	/* nothing later can match */
				return 0;
			}
			if (!rec_decode(buf + pos, r, false) && egress_audit_match(f, r)) {
				ret = fn(ctx, r);
				if (ret)
					return ret;
			}
		}
		pos += n;
	}
	return 0;
}

static bool seg_header_ok(const unsigned char *buf, size_t len)
{
	return len >= SEG_HDR && !memcmp(buf, SEG_MAGIC, 8) &&
	       get32(buf + 8) == SEG_VERSION;
}

int audit_load_seg(int dirfd, const struct seg *s, unsigned char **buf, size_t *len,
		    char *why, size_t whylen)
{
	char name[64];
	int ret;

	*buf = NULL;
	*len = 0;
	if (s->gz) {
		audit_seg_name(name, sizeof(name), s->no, true);
		ret = load_gz(dirfd, name, buf, len, why, whylen);
		if (ret != -ENOENT)
			goto check;
		if (!s->plain)
			return ret;
	}
	audit_seg_name(name, sizeof(name), s->no, false);
	ret = load_plain(dirfd, name, buf, len);
	if (ret == -ENOENT && !s->gz) {
		/* compressed meanwhile */
		audit_seg_name(name, sizeof(name), s->no, true);
		ret = load_gz(dirfd, name, buf, len, why, whylen);
	}
check:
	if (ret) {
		if (why && !*why)
			egress_errf(why, whylen, 0, "cannot read it: %s", strerror(-ret));
		return ret;
	}
	if (!seg_header_ok(*buf, *len) && !(*len < SEG_HDR && !s->gz)) {
		free(*buf);
		*buf = NULL;
		return egress_errf(why, whylen, -EBADMSG, "not an audit log segment");
	}
	return 0;
}

int egress_audit_read(const char *dir, const struct egress_audit_filter *f,
		      egress_audit_record_fn fn, egress_audit_error_fn on_error,
		      void *ctx, unsigned int *refused)
{
	struct egress_audit_record *r;
	struct seg_list l;
	unsigned char *buf;
	size_t len, good;
	uint64_t skipped;
	char why[256], name[64];
	bool done = false;
	int dirfd, ret;

	if (refused)
		*refused = 0;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	ret = audit_seg_list(dirfd, &l, false);
	if (ret) {
		close(dirfd);
		return ret;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct seg *s = &l.v[i];

		/* a closed segment last written before since holds nothing later */
		if (f && f->since_ns && i + 1 < l.n &&
		    (uint64_t)(s->mtime + 2) * 1000000000ULL < f->since_ns)
			continue;
		why[0] = '\0';
		audit_seg_name(name, sizeof(name), s->no, s->gz);
		ret = audit_load_seg(dirfd, s, &buf, &len, why, sizeof(why));
		if (ret == -ENOMEM)
			goto out;
		if (ret == -ENOENT) {
			ret = 0;	/* removed by retention since the listing */
			continue;
		}
		if (ret) {
			if (refused)
				(*refused)++;
			if (on_error)
				on_error(ctx, name, why);
			ret = 0;
			continue;
		}
		skipped = 0;
		ret = len < SEG_HDR ? 0 : audit_seg_walk(buf, len, f, fn, ctx, r, &good, NULL,
						   NULL, &skipped, &done);
		free(buf);
		if (skipped && on_error) {
			snprintf(why, sizeof(why), "skipped %" PRIu64 " damaged bytes",
				 skipped);
			on_error(ctx, name, why);
		}
		if (ret || done)
			break;
	}
out:
	free(r);
	free(l.v);
	close(dirfd);
	return ret;
}
