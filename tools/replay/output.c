// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "event_fmt.h"
#include "output.h"

static int print_json(const struct output *o, cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);
	int ret = 0;

	if (!s)
		return -ENOMEM;
	if (fprintf(o->f, "%s\n", s) < 0)
		ret = -EIO;
	free(s);
	return ret;
}

static cJSON *line_start(const struct output *o, const char *type,
			 const char *file, __u64 frame)
{
	cJSON *obj = cJSON_CreateObject();

	if (!obj)
		return NULL;
	if (!cJSON_AddStringToObject(obj, "type", type) ||
	    !cJSON_AddNumberToObject(obj, "frame", (double)frame) ||
	    (o->show_file && !cJSON_AddStringToObject(obj, "file", file))) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static int frame_json(const struct output *o, const struct frame_report *r)
{
	cJSON *obj = line_start(o, "frame", r->file, r->frame);
	int ret = -ENOMEM;

	if (!obj)
		return -ENOMEM;
	if (!cJSON_AddStringToObject(obj, "dir", r->dir) ||
	    !cJSON_AddStringToObject(obj, "action", r->action))
		goto out;
	if (r->truncated &&
	    (!cJSON_AddStringToObject(obj, "truncated", r->truncated) ||
	     !cJSON_AddNumberToObject(obj, "len", r->run_len) ||
	     !cJSON_AddNumberToObject(obj, "wire_len", r->wire_len)))
		goto out;
	ret = print_json(o, obj);
out:
	cJSON_Delete(obj);
	return ret;
}

static int frame_text(const struct output *o, const struct frame_report *r)
{
	int n;

	if (o->show_file && fprintf(o->f, "%s: ", r->file) < 0)
		return -EIO;
	n = fprintf(o->f, "frame %llu %s %s", (unsigned long long)r->frame,
		    r->dir, r->action);
	if (n >= 0 && r->truncated)
		n = fprintf(o->f, !strcmp(r->truncated, "capture") ?
				  " (captured %u of %u bytes)" :
				  " (run on the first %u of %u bytes: test-run limit)",
			    r->run_len, r->wire_len);
	if (n >= 0)
		n = fputc('\n', o->f);
	return n < 0 ? -EIO : 0;
}

int output_frame(const struct output *o, const struct frame_report *r)
{
	return o->json ? frame_json(o, r) : frame_text(o, r);
}

static const char *str(const cJSON *obj, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));

	return s ? s : "?";
}

/* One readable line built from the very fields the JSON form carries. */
static int event_text(const struct output *o, const cJSON *ev,
		      const struct egress_event *e)
{
	bool would_deny = e->verdict == EGRESS_ALLOWED &&
			  (e->flags & EGRESS_EV_F_WOULD_DENY);
	int n;

	n = fprintf(o->f, "    %-8s %s  %s  %s -> %s  rule: %s  reason: %s%s",
		    str(ev, "verdict"), str(ev, "host"), str(ev, "proto"),
		    str(ev, "src"), str(ev, "dst"), str(ev, "rule"),
		    str(ev, "reason"), would_deny ? " (would deny)" : "");
	if (n >= 0 && e->count > 1)
		n = fprintf(o->f, "  x%u", e->count);
	if (n >= 0)
		n = fprintf(o->f, "  (mode: %s)\n", str(ev, "mode"));
	return n < 0 ? -EIO : 0;
}

int output_event(const struct output *o, const char *file, __u64 frame,
		 const struct egress_event *e, const char *rule)
{
	cJSON *obj = line_start(o, "event", file, frame);
	int ret;

	if (!obj)
		return -ENOMEM;
	ret = egress_event_json(e, rule, obj);
	if (!ret)
		ret = o->json ? print_json(o, obj) : event_text(o, obj, e);
	cJSON_Delete(obj);
	return ret;
}

int output_totals(const struct output *o, const struct replay_totals *t)
{
	if (o->json)
		return 0;
	if (fprintf(o->f,
		    "%llu frames from %u capture%s (%llu egress, %llu ingress): %llu pass, %llu drop, %llu tx, %llu other; %llu events\n",
		    (unsigned long long)t->frames, t->captures,
		    t->captures == 1 ? "" : "s",
		    (unsigned long long)t->egress, (unsigned long long)t->ingress,
		    (unsigned long long)t->pass, (unsigned long long)t->drop,
		    (unsigned long long)t->tx, (unsigned long long)t->other,
		    (unsigned long long)t->events) < 0)
		return -EIO;
	return 0;
}
