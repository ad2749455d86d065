/* SPDX-License-Identifier: GPL-2.0-only */
/* egressctl's output: the daemon's results as tables for people, or JSON. */
#ifndef EGRESSCTL_RENDER_H
#define EGRESSCTL_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "args.h"

/*
 * Prints a command's result (NULL: an empty one). json prints it as one
 * line of JSON. 0, or -EPROTO when the result lacks what the view needs
 * (nothing printed then), -ENOMEM.
 */
int ctl_render(enum ctl_view view, const cJSON *result, bool json, FILE *out);

/*
 * Prints one line of an audit stream after its first reply: {"event": ...}
 * or {"lost": n}. Unknown lines are skipped. 0, -EPROTO or -ENOMEM.
 */
int ctl_render_stream(const cJSON *line, bool json, FILE *out);

/*
 * The text line of an audit event (DESIGN section 6), time in the local
 * time zone: "2026-02-19T16:41:54-07:00  DENIED   example2.com  (mode: deny)".
 */
const char *ctl_event_text(const cJSON *event, char *buf, size_t len);

#endif /* EGRESSCTL_RENDER_H */
