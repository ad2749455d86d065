/* SPDX-License-Identifier: GPL-2.0-only */
/* Times as egressctl reads and writes them: RFC 3339 and "10m ago". */
#ifndef EGRESSCTL_TIMEFMT_H
#define EGRESSCTL_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/*
 * Parses an RFC 3339 time ("2026-02-19T16:41:54-07:00", "...Z", with or
 * without fractions of a second; a space may stand for the T) into seconds
 * since the epoch. 0 or -EINVAL.
 */
int ctl_time_parse_rfc3339(const char *s, time_t *out);

/*
 * Parses a --since value: RFC 3339, or a duration back from now: a number
 * and a unit, s, m, h, d or w ("90s", "10m", "2h", "1d"). 0 or -EINVAL.
 */
int ctl_time_parse_since(const char *s, time_t now, time_t *out);

/* "2026-02-19T23:41:54Z" */
const char *ctl_time_utc(time_t t, char *buf, size_t len);
/* "2026-02-19T16:41:54-07:00", in the local time zone. */
const char *ctl_time_local(time_t t, char *buf, size_t len);

#endif /* EGRESSCTL_TIMEFMT_H */
