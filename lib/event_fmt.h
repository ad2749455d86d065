/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Audit events as people and programs read them (DESIGN section 6):
 *   text: 2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)
 *   JSON: {"verdict":"DENIED","would_deny":true,"mode":"deny","host":...}
 */
#ifndef EGRESS_EVENT_FMT_H
#define EGRESS_EVENT_FMT_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <egress/abi.h>

/* The host an event names: its name, or its destination address. */
const char *egress_event_host(const struct egress_event *e, char *buf, size_t len);

/* Wall-clock time of an event (its timestamp is CLOCK_BOOTTIME). */
struct timespec egress_event_realtime(const struct egress_event *e);

/*
 * One text line, no newline. rule is the deciding rule's pattern (NULL for
 * the default). Returns buf.
 */
const char *egress_event_text(const struct egress_event *e, char *buf, size_t len);

/*
 * Adds every field of the event to obj under the keys of DESIGN section 7
 * (verdict, would_deny, mode, host, proto, src, dst, rule, reason,
 * generation) plus rule_id, scope and count. rule is the deciding rule's
 * pattern, NULL for the default. Returns 0 or -ENOMEM.
 */
int egress_event_json(const struct egress_event *e, const char *rule, cJSON *obj);

#endif /* EGRESS_EVENT_FMT_H */
