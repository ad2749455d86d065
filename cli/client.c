// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <egress/ctl.h>
#include "client.h"
#include "errmsg.h"

int ctl_connect(struct ctl_conn *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, e;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = path;
	if (strlen(path) >= sizeof(sun.sun_path))
		return egress_errf(err, errlen, -ENAMETOOLONG,
				   "socket path %s is too long", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return egress_errf(err, errlen, -errno, "cannot create a socket: %s",
				   strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return egress_errf(err, errlen, -e,
					   "cannot connect to egressd at %s: %s "
					   "(is egressd running?)", path, strerror(e));
		if (e == EACCES || e == EPERM)
			return egress_errf(err, errlen, -e,
					   "cannot connect to egressd at %s: %s "
					   "(root or the " EGRESS_CTL_GROUP
					   " group is needed)", path, strerror(e));
		return egress_errf(err, errlen, -e, "cannot connect to egressd at %s: %s",
				   path, strerror(e));
	}
	c->fd = fd;
	return 0;
}

void ctl_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	free(c->line);
	c->line = NULL;
	c->len = c->cap = 0;
}

int ctl_send(struct ctl_conn *c, const cJSON *req, char *err, size_t errlen)
{
	char *text = cJSON_PrintUnformatted(req);
	size_t len, off = 0;
	int ret = 0;

	if (!text)
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	len = strlen(text);
	if (len + 1 > EGRESS_CTL_REQUEST_MAX) {
		free(text);
		return egress_errf(err, errlen, -E2BIG,
				   "the request is larger than egressd takes (%u MiB)",
				   EGRESS_CTL_REQUEST_MAX >> 20);
	}
	text[len++] = '\n';	/* the NUL's place */
	while (off < len) {
		ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = egress_errf(err, errlen, -errno,
					  "cannot send to egressd at %s: %s", c->path,
					  strerror(errno));
			break;
		}
		off += n;
	}
	free(text);
	return ret;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The next line, newline removed, in c->line. */
static int read_line(struct ctl_conn *c, int timeout_ms, char *err, size_t errlen)
{
	long long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	size_t scanned = 0;

	free(c->line);
	c->line = NULL;
	for (;;) {
		char *nl = c->len > scanned ? memchr(c->buf + scanned, '\n',
						     c->len - scanned) : NULL;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int wait = -1, r;
		ssize_t n;

		if (nl) {
			size_t llen = nl - c->buf;

			c->line = malloc(llen + 1);
			if (!c->line)
				return egress_errf(err, errlen, -ENOMEM, "out of memory");
			memcpy(c->line, c->buf, llen);
			c->line[llen] = '\0';
			memmove(c->buf, nl + 1, c->len - llen - 1);
			c->len -= llen + 1;
			return 0;
		}
		scanned = c->len;
		if (c->len >= CTL_REPLY_MAX)
			return egress_errf(err, errlen, -E2BIG,
					   "egressd's reply is larger than %u MiB",
					   CTL_REPLY_MAX >> 20);
		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				return egress_errf(err, errlen, -ETIMEDOUT,
						   "egressd at %s did not reply within %d s",
						   c->path, timeout_ms / 1000);
			wait = left;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			return -EINTR;
		if (r < 0)
			return egress_errf(err, errlen, -errno, "poll: %s", strerror(errno));
		if (r == 0)
			continue;
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			char *nb = realloc(c->buf, cap);

			if (!nb)
				return egress_errf(err, errlen, -ENOMEM, "out of memory");
			c->buf = nb;
			c->cap = cap;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0)
			return egress_errf(err, errlen, -errno,
					   "cannot read from egressd at %s: %s", c->path,
					   strerror(errno));
		if (n == 0 && c->len)
			return egress_errf(err, errlen, -ECONNRESET,
					   "egressd closed the connection in the middle "
					   "of a reply (%zu bytes without an end of line)",
					   c->len);
		if (n == 0)
			return egress_errf(err, errlen, -ENODATA,
					   "egressd closed the connection");
		c->len += n;
	}
}

int ctl_read_object(struct ctl_conn *c, int timeout_ms, cJSON **obj, char *err,
		    size_t errlen)
{
	int ret = read_line(c, timeout_ms, err, errlen);

	*obj = NULL;
	if (ret)
		return ret;
	*obj = cJSON_Parse(c->line);
	if (!*obj || !cJSON_IsObject(*obj)) {
		cJSON_Delete(*obj);
		*obj = NULL;
		return egress_errf(err, errlen, -EPROTO,
				   "egressd sent a reply that is not a JSON object");
	}
	return 0;
}

int ctl_reply_result(const cJSON *reply, const cJSON **result, char *err,
		     size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reply, "v");
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(reply, "ok");
	const cJSON *msg, *code;

	*result = NULL;
	if (!cJSON_IsNumber(v) || v->valuedouble != EGRESS_CTL_VERSION)
		return egress_errf(err, errlen, -EPROTO,
				   "egressd replied in a protocol version this "
				   "egressctl does not know");
	if (!cJSON_IsBool(ok))
		return egress_errf(err, errlen, -EPROTO,
				   "egressd sent a reply without \"ok\"");
	if (cJSON_IsTrue(ok)) {
		*result = cJSON_GetObjectItemCaseSensitive(reply, "result");
		if (*result && !cJSON_IsObject(*result))
			return egress_errf(err, errlen, -EPROTO,
					   "egressd sent a result that is not an object");
		return 0;
	}
	msg = cJSON_GetObjectItemCaseSensitive(reply, "error");
	code = cJSON_GetObjectItemCaseSensitive(reply, "code");
	if (cJSON_IsString(msg) && *msg->valuestring)
		return egress_errf(err, errlen, -CTL_EDAEMON, "%s", msg->valuestring);
	return egress_errf(err, errlen, -CTL_EDAEMON, "the request failed (%s)",
			   cJSON_IsString(code) ? code->valuestring : "no reason given");
}

int ctl_exchange(struct ctl_conn *c, const cJSON *req, cJSON **reply, char *err,
		 size_t errlen)
{
	int ret = ctl_send(c, req, err, errlen);

	*reply = NULL;
	if (ret == -EPIPE || ret == -ECONNRESET) {
		/*
		 * egressd may refuse a connection (EACCES) before it reads the
		 * request: its reply is already here, and says why.
		 */
		char why[256];

		if (!ctl_read_object(c, 1000, reply, why, sizeof(why)))
			return 0;
		return ret;
	}
	if (ret)
		return ret;
	return ctl_read_object(c, CTL_REPLY_TIMEOUT_MS, reply, err, errlen);
}

int ctl_call(const char *path, const cJSON *req, cJSON **reply,
	     const cJSON **result, char *err, size_t errlen)
{
	struct ctl_conn c;
	int ret;

	*reply = NULL;
	ret = ctl_connect(&c, path, err, errlen);
	if (ret)
		return ret;
	ret = ctl_exchange(&c, req, reply, err, errlen);
	if (ret == -ENODATA)
		ret = egress_errf(err, errlen, -ECONNRESET,
				  "egressd closed the connection without replying");
	if (ret == -EINTR)
		ret = egress_errf(err, errlen, -EINTR, "interrupted");
	if (!ret)
		ret = ctl_reply_result(*reply, result, err, errlen);
	ctl_close(&c);
	return ret;
}
