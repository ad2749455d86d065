/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egressctl's side of the control socket: one connection, requests out as
 * JSON lines, replies (and audit streams) back as JSON lines.
 */
#ifndef EGRESSCTL_CLIENT_H
#define EGRESSCTL_CLIENT_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* A reply longer than this is refused rather than buffered. */
#define CTL_REPLY_MAX		(256u << 20)
/* How long a reply may take (sandbox.add waits for the attach). */
#define CTL_REPLY_TIMEOUT_MS	60000

/* The daemon answered, with "ok": false: err holds its sentence. */
#define CTL_EDAEMON		1000

struct ctl_conn {
	int fd;
	const char *path;
	char *buf;		/* bytes received and not yet returned */
	size_t len, cap;
	char *line;		/* the last line returned */
};

/*
 * Connects to the socket at path. A missing socket or a daemon that does
 * not listen gets an error naming the path.
 */
int ctl_connect(struct ctl_conn *c, const char *path, char *err, size_t errlen);
void ctl_close(struct ctl_conn *c);

/* Sends one request, as one line. */
int ctl_send(struct ctl_conn *c, const cJSON *req, char *err, size_t errlen);

/*
 * Waits for the next line (no newline in it) and parses it into *obj
 * (which the caller frees). timeout_ms < 0 waits for ever. -ETIMEDOUT,
 * -ECONNRESET (closed before a whole line), -ENODATA (closed cleanly
 * between lines), -EINTR (a signal), -EPROTO (not a JSON object).
 */
int ctl_read_object(struct ctl_conn *c, int timeout_ms, cJSON **obj, char *err,
		    size_t errlen);

/*
 * Sends req and reads the reply into *reply. When egressd has closed the
 * connection before reading req (as it does to a peer it refuses), the
 * reply it sent before closing is still taken.
 */
int ctl_exchange(struct ctl_conn *c, const cJSON *req, cJSON **reply, char *err,
		 size_t errlen);

/*
 * Checks a reply: version, "ok". On success *result points into reply
 * (an empty object's place is taken by NULL when "result" is missing).
 * On "ok": false returns -CTL_EDAEMON with the daemon's error in err.
 */
int ctl_reply_result(const cJSON *reply, const cJSON **result, char *err,
		     size_t errlen);

/* Connects, sends req, reads and checks one reply (*reply freed by caller). */
int ctl_call(const char *path, const cJSON *req, cJSON **reply,
	     const cJSON **result, char *err, size_t errlen);

#endif /* EGRESSCTL_CLIENT_H */
