/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit events as people and programs read them (DESIGN section 6):
 *   text: 2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)
 *   JSON: {"verdict":"DENIED","would_deny":true,"mode":"deny","host":...}
 */
#ifndef EGRESS_EVENT_FMT_H
#define EGRESS_EVENT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <egress/abi.h>

/* The host an event names: its name, or its destination address. */
const char *egress_event_host(const struct egress_event *e, char *buf, size_t len);

/* Wall-clock time of an event (its timestamp is CLOCK_BOOTTIME). */
struct timespec egress_event_realtime(const struct egress_event *e);

/*
 * A wall-clock time (ns since the epoch) in RFC 3339 local time with frac
 * (0..9) digits of fraction: 2026-02-19T16:41:54.123-07:00. Returns buf.
 */
const char *egress_rfc3339(uint64_t realtime_ns, int frac, char *buf, size_t len);

/* One text line, no newline, at the event's own time. Returns buf. */
const char *egress_event_text(const struct egress_event *e, char *buf, size_t len);
/*
 * The one layout of an audit text line (DESIGN 6): time, a word padded to
 * eight (ALLOWED, DENIED, NOTICE), what it is about, and the mode when
 * there is one: "TIME  DENIED   example2.com  (mode: deny)".
 */
const char *egress_audit_line(char *buf, size_t len, const char *when, const char *word,
			      const char *what, const char *mode);
/* The same line at the given wall-clock time (an audit record's). */
const char *egress_event_text_at(const struct egress_event *e, uint64_t realtime_ns,
				 char *buf, size_t len);

/*
 * Adds every field of the event to obj under the keys of DESIGN section 7
 * (verdict, would_deny, mode, host, proto, src, dst, rule, reason,
 * generation) plus rule_id, scope and count. rule is the deciding rule's
 * pattern, NULL for the default. Returns 0 or -ENOMEM.
 */
int egress_event_json(const struct egress_event *e, const char *rule, cJSON *obj);

/*
 * egressd's audit form of an event: "time" (RFC 3339 local time, ms) and
 * "sandbox", then the keys of egress_event_json(). Returns 0 or -ENOMEM.
 */
int egress_audit_event_json(const struct egress_event *e, uint64_t realtime_ns,
			    const char *sandbox, const char *rule, cJSON *obj);

struct egress_audit_record;

/*
 * An audit log record (lib/auditlog.h) as one line:
 *   event:  2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)
 *   lost:   2026-02-19T16:41:54-07:00  LOST     1200 events  (ring buffer full)
 *   notice: 2026-02-19T16:41:54-07:00  NOTICE   <text>
 * Returns buf.
 */
const char *egress_audit_record_text(const struct egress_audit_record *r, char *buf,
				     size_t len);
/*
 * ... and as JSON: an event as egress_audit_event_json(), a lost record
 * as {"time": T, "lost": n}, a notice as {"time": T, "notice": text}.
 */
int egress_audit_record_json(const struct egress_audit_record *r, cJSON *obj);

#endif /* EGRESS_EVENT_FMT_H */
