/* SPDX-License-Identifier: GPL-2.0-only */
/* What egressd's start-up and shutdown need from the other files. */
#ifndef EGRESSD_MAIN_H
#define EGRESSD_MAIN_H

#include "agent.h"

/* Builds every scope, adopts or attaches every sandbox, reports drift. */
int enforce_start(struct agent *a);
/* Detaches from every interface in the sandboxes map and removes the pins. */
int enforce_cleanup(struct egress_dp *dp);

/* events.c: drains the ring buffer into one sink. */
int events_start(struct agent *a);
int events_fd(struct agent *a);
void events_drain(struct agent *a);
/* Once a second: turns ring-buffer losses into one "N events lost" record. */
void events_tick(struct agent *a);

/* server.c: the control socket. */
int server_run(struct agent *a, int listen_fd, int signal_fd);
int server_listen(const char *path, char *err, size_t errlen);

#endif /* EGRESSD_MAIN_H */
