/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egressd's state file: one JSON document under the state directory behind
 * a header line that carries the format version, the body's length and its
 * CRC-32:
 *
 *   egressd-state 1 length=1234 crc32=89abcdef
 *   {"version": 1, ...}
 *
 * Written to a temporary file, fsync'd, renamed over the old one and the
 * directory fsync'd, so a crash leaves the old state or the new one. A file
 * that is truncated, altered or of another version is refused, never
 * replaced by an empty state.
 */
#ifndef EGRESS_STATE_H
#define EGRESS_STATE_H

#include <stddef.h>

#define EGRESS_STATE_VERSION	1
#define EGRESS_STATE_FILE	"state.json"
#define EGRESS_STATE_MAX	(256u << 20)

/* 0, or -errno with err set. */
int egress_state_write(const char *dir, const char *body, char *err, size_t errlen);
/*
 * The body (malloc'd, NUL terminated) in *body. -ENOENT: no state yet;
 * -EBADMSG: corrupt (truncated, bad checksum, not a state file);
 * -EPROTONOSUPPORT: another version. err says which and names the file.
 */
int egress_state_read(const char *dir, char **body, char *err, size_t errlen);

#endif /* EGRESS_STATE_H */
