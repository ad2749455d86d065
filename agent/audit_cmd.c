// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit_cmd.h"
#include "errmsg.h"
#include "event_fmt.h"

struct egress_audit *audit_log;

static struct audit_query pending;
static bool pending_set;

void audit_dir(const struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/audit", a->state_dir ? a->state_dir : ".");
}

int audit_time_parse(const char *s, uint64_t *ns)
{
	struct tm tm = {};
	long long frac = 0, scale = 1000000000LL;
	int n = 0, oh = 0, om = 0, sign = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 ||
	    n != 10 || (s[n] != 'T' && s[n] != 't' && s[n] != ' '))
		return -EINVAL;
	s += n + 1;
	if (sscanf(s, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 3 || n != 8)
		return -EINVAL;
	s += n;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++)
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
			return -EINVAL;
		s += 1 + n;
	} else {
		return -EINVAL;
	}
	if (*s || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	t -= sign * (oh * 3600 + om * 60);
	if (t < 0)
		return -EINVAL;
	*ns = (uint64_t)t * 1000000000ULL + (uint64_t)frac;
	return 0;
}

/* --- reading --------------------------------------------------------------------- */

struct collect {
	struct audit_found *f;
	int err;
};

static int on_record(void *ctx, const struct egress_audit_record *r)
{
	struct collect *c = ctx;
	struct audit_found *f = c->f;
	struct audit_item *it;
	cJSON *o = cJSON_CreateObject();

	if (!o || egress_audit_record_json(r, o)) {
		cJSON_Delete(o);
		c->err = -ENOMEM;
		return 1;
	}
	if (f->n == f->cap) {
		/* full: the oldest goes */
		it = &f->v[f->head];
		cJSON_Delete(it->obj);
		if (it->kind == EGRESS_AUDIT_EVENT)
			f->events--;
		f->head = (f->head + 1) % f->cap;
		f->n--;
		f->truncated++;
	}
	it = &f->v[(f->head + f->n++) % f->cap];
	it->time_ns = r->time_ns;
	it->seq = r->seq;
	it->kind = r->kind;
	it->obj = o;
	if (r->kind == EGRESS_AUDIT_EVENT)
		f->events++;
	return 0;
}

static void on_error(void *ctx, const char *segment, const char *why)
{
	fprintf(stderr, "egressd: audit log %s: %s\n", segment, why);
}

static int item_cmp(const void *x, const void *y)
{
	const struct audit_item *a = x, *b = y;

	if (a->time_ns != b->time_ns)
		return a->time_ns < b->time_ns ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int audit_collect(const char *dir, const struct audit_query *q, uint64_t until_seq,
		  struct audit_found *out)
{
	struct egress_audit_filter flt = EGRESS_AUDIT_FILTER_ALL;
	struct collect c = { out, 0 };
	struct audit_item *lin;
	int ret;

	memset(out, 0, sizeof(*out));
	out->cap = AUDIT_REPLY_MAX;
	out->v = calloc(out->cap, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	flt.sandbox = q->sandbox;
	flt.verdict = q->verdict;
	flt.since_ns = q->since_ns;
	flt.until_seq = until_seq;
	ret = egress_audit_read(dir, &flt, on_record, on_error, &c, &out->refused);
	if (ret == 1)
		ret = c.err;
	if (ret == -ENOENT)
		ret = 0;	/* no log yet: nothing in it */
	if (ret) {
		audit_found_free(out);
		return ret;
	}
	/* linear, then by time */
	lin = calloc(out->n ? out->n : 1, sizeof(*lin));
	if (!lin) {
		audit_found_free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < out->n; i++)
		lin[i] = out->v[(out->head + i) % out->cap];
	qsort(lin, out->n, sizeof(*lin), item_cmp);
	free(out->v);
	out->v = lin;
	out->cap = out->n;
	out->head = 0;
	return 0;
}

void audit_found_free(struct audit_found *f)
{
	for (size_t i = 0; f->v && i < f->n; i++)
		cJSON_Delete(f->v[(f->head + i) % f->cap].obj);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* --- the command ------------------------------------------------------------------ */

static int parse_query(struct agent *a, const cJSON *args, struct audit_query *q,
		       char *err, size_t errlen)
{
	const cJSON *sb = args ? cJSON_GetObjectItemCaseSensitive(args, "sandbox") : NULL;
	const cJSON *since = args ? cJSON_GetObjectItemCaseSensitive(args, "since") : NULL;
	const cJSON *verdict = args ? cJSON_GetObjectItemCaseSensitive(args, "verdict") : NULL;
	const cJSON *follow = args ? cJSON_GetObjectItemCaseSensitive(args, "follow") : NULL;

	memset(q, 0, sizeof(*q));
	q->verdict = -1;
	if (!sb || cJSON_IsNull(sb))
		return egress_errf(err, errlen, -EINVAL, "\"sandbox\" is required");
	if (!cJSON_IsString(sb))
		return egress_errf(err, errlen, -EINVAL, "\"sandbox\" must be a string");
	if (!sandbox_name_ok(sb->valuestring))
		return egress_errf(err, errlen, -EINVAL, "'%s' is not a sandbox name",
				   sb->valuestring);
	strcpy(q->sandbox, sb->valuestring);
	if (since && !cJSON_IsNull(since)) {
		if (!cJSON_IsString(since) || audit_time_parse(since->valuestring, &q->since_ns))
			return egress_errf(err, errlen, -EINVAL,
					   "\"since\" must be an RFC 3339 time (2026-02-19T23:31:54Z)");
	}
	if (verdict && !cJSON_IsNull(verdict)) {
		if (cJSON_IsString(verdict) && !strcasecmp(verdict->valuestring, "allowed"))
			q->verdict = EGRESS_ALLOWED;
		else if (cJSON_IsString(verdict) && !strcasecmp(verdict->valuestring, "denied"))
			q->verdict = EGRESS_DENIED;
		else
			return egress_errf(err, errlen, -EINVAL,
					   "\"verdict\" must be allowed or denied");
	}
	if (follow && !cJSON_IsNull(follow)) {
		if (!cJSON_IsBool(follow))
			return egress_errf(err, errlen, -EINVAL, "\"follow\" must be true or false");
		q->follow = cJSON_IsTrue(follow);
	}
	return 0;
}

static int any_event(void *ctx, const struct egress_audit_record *r)
{
	return 1;
}

/* A registered sandbox, or one the log has events of. */
static bool known(struct agent *a, const char *dir, const char *name)
{
	struct egress_audit_filter f = EGRESS_AUDIT_FILTER_ALL;

	if (agent_sandbox(a, name))
		return true;
	f.sandbox = name;
	f.events_only = true;
	return egress_audit_read(dir, &f, any_event, NULL, NULL, NULL) == 1;
}

int audit_cmd(struct agent *a, const cJSON *args, cJSON *res, char *err, size_t errlen)
{
	struct audit_query q;
	struct audit_found f;
	cJSON *events, *notices;
	char dir[4096];
	uint64_t lost = 0;
	int ret;

	pending_set = false;
	ret = parse_query(a, args, &q, err, errlen);
	if (ret)
		return ret;
	audit_dir(a, dir, sizeof(dir));
	if (!known(a, dir, q.sandbox))
		return egress_errf(err, errlen, -ENOENT, "no sandbox '%s' and no audit events of it",
				   q.sandbox);
	if (q.follow) {
		if (!audit_log)
			return egress_errf(err, errlen, -EIO, "the audit log is not open");
		if (!cJSON_AddTrueToObject(res, "stream"))
			return egress_errf(err, errlen, -ENOMEM, "out of memory");
		pending = q;
		pending_set = true;
		return 0;
	}
	ret = audit_collect(dir, &q, 0, &f);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot read the audit log %s: %s", dir,
				   strerror(-ret));
	events = cJSON_AddArrayToObject(res, "events");
	notices = cJSON_AddArrayToObject(res, "notices");
	if (!events || !notices) {
		audit_found_free(&f);
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < f.n; i++) {
		struct audit_item *it = &f.v[i];

		if (it->kind == EGRESS_AUDIT_LOST) {
			lost += (uint64_t)cJSON_GetNumberValue(
				cJSON_GetObjectItemCaseSensitive(it->obj, "lost"));
			cJSON_Delete(it->obj);
		} else {
			cJSON_AddItemToArray(it->kind == EGRESS_AUDIT_EVENT ? events : notices,
					     it->obj);
		}
		it->obj = NULL;
	}
	cJSON_AddNumberToObject(res, "lost", (double)lost);
	if (f.truncated)
		cJSON_AddNumberToObject(res, "truncated", (double)f.truncated);
	if (f.refused)
		cJSON_AddNumberToObject(res, "refused_segments", f.refused);
	audit_found_free(&f);
	return 0;
}

bool audit_follow_take(struct audit_query *q)
{
	if (!pending_set)
		return false;
	*q = pending;
	pending_set = false;
	return true;
}
