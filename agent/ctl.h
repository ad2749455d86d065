/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol (docs/protocol.md): one request line in, one reply
 * line out. Separate from the socket loop, so it is tested without either
 * a socket or the data path.
 */
#ifndef EGRESSD_CTL_H
#define EGRESSD_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"

/*
 * Handles one request (without its newline). Returns the reply (malloc'd,
 * no newline); *close is set when the connection must be closed after it.
 */
char *ctl_handle(struct agent *a, const char *line, size_t len, bool *close);
/* An error reply: code is a positive errno. */
char *ctl_error(int code, const char *msg);
/* Re-reads the profile files into every scope using them (SIGHUP). */
int ctl_reload_profiles(struct agent *a);

#endif /* EGRESSD_CTL_H */
