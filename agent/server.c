// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control socket: a non-blocking epoll loop. Each client has its own
 * buffers and deadline, so a slow or hostile one never holds up another,
 * nor the draining of the event ring that shares the loop.
 *
 * A client that asked for `audit` with "follow" becomes a follower: it gets
 * the backlog, then each new record from its own queue of the log
 * (audit_tail.h). A follower that does not read falls behind by at most
 * FOLLOW_OUT_MAX bytes; what does not fit is dropped from its stream only,
 * and a {"lost": n} line tells it so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <egress/ctl.h>

#include "audit_cmd.h"
#include "audit_tail.h"
#include "ctl.h"
#include "errmsg.h"
#include "event_fmt.h"
#include "frame.h"
#include "main.h"
#include "observe.h"

#define READ_CHUNK	65536
#define OUT_MAX		(256u << 20)	/* replies a client has not read */
#define MAX_CLIENTS	1024
#define FOLLOW_OUT_MAX	(4u << 20)	/* a follower's unread output */
#define FOLLOW_QUEUE	4096		/* records waiting in its queue (> DRAIN_BATCH) */
#define FOLLOW_TAKE	64

struct client {
	int fd;
	struct frame in;
	__u64 req_start_ms;		/* first byte of the unfinished request, 0: none */
	char *out;
	size_t out_len, out_off;
	bool closing;			/* close once out is written */
	struct egress_audit_tail *tail;	/* a follower's queue; epoll has &tail */
	uint64_t lost;			/* dropped from its stream, not yet said */
};

static int ep_fd = -1;

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

int server_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *g;
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return egress_errf(err, errlen, -ENAMETOOLONG, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return egress_errf(err, errlen, -errno, "cannot create %s: %s", dir,
					   strerror(errno));
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return egress_errf(err, errlen, -errno, "socket: %s", strerror(errno));
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		int ret = -errno;

		close(fd);
		return egress_errf(err, errlen, ret, "cannot listen on %s: %s", path, strerror(-ret));
	}
	g = getgrnam(EGRESS_CTL_GROUP);
	if ((g && chown(path, 0, g->gr_gid)) || chmod(path, 0660)) {
		int ret = -errno;

		close(fd);
		return egress_errf(err, errlen, ret, "cannot set the mode of %s: %s", path,
				   strerror(-ret));
	}
	return fd;
}

/* uid 0, or the egressd group among the peer's groups. */
static bool peer_allowed(int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct group *g;
	char path[64], line[4096];
	bool ok = false;
	FILE *f;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		return false;
	if (uc.uid == 0)
		return true;
	g = getgrnam(EGRESS_CTL_GROUP);
	if (!g)
		return false;
	if (uc.gid == g->gr_gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", uc.pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;; p = end) {
			unsigned long gid = strtoul(p, &end, 10);

			if (end == p)
				break;
			ok |= gid == g->gr_gid;
		}
	}
	fclose(f);
	return ok;
}

static void client_free(int ep, struct client *c)
{
	if (c->tail) {
		epoll_ctl(ep, EPOLL_CTL_DEL, egress_audit_tail_fd(c->tail), NULL);
		egress_audit_tail_close(c->tail);
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	frame_free(&c->in);
	free(c->out);
	free(c);
}

static int queue(struct client *c, char *reply)
{
	size_t len;
	char *n;

	if (!reply)
		return -ENOMEM;
	len = strlen(reply);
	if (c->out_len - c->out_off + len + 1 > OUT_MAX) {
		free(reply);
		return -ENOBUFS;
	}
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	n = realloc(c->out, c->out_len + len + 1);
	if (!n) {
		free(reply);
		return -ENOMEM;
	}
	c->out = n;
	memcpy(c->out + c->out_len, reply, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	free(reply);
	return 0;
}

/* Writes what it can; <0 when the client is gone. */
static int flush(int ep, struct client *c)
{
	struct epoll_event ev = { .data.ptr = c };

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -EPIPE;
		c->out_off += n;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		if (c->closing)
			return -EPIPE;
	}
	ev.events = EPOLLIN | (c->out_len ? EPOLLOUT : 0);
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

/* --- followers ------------------------------------------------------------------- */

static size_t out_pending(const struct client *c)
{
	return c->out_len - c->out_off;
}

/* One stream line: {"event": ...}, {"time", "lost"} or {"time", "notice"}. */
static char *record_line(const struct egress_audit_record *r)
{
	cJSON *o = cJSON_CreateObject(), *ev = NULL;
	char *out = NULL;

	if (!o)
		return NULL;
	if (r->kind == EGRESS_AUDIT_EVENT) {
		ev = cJSON_AddObjectToObject(o, "event");
		if (ev && !egress_audit_record_json(r, ev))
			out = cJSON_PrintUnformatted(o);
	} else if (!egress_audit_record_json(r, o)) {
		out = cJSON_PrintUnformatted(o);
	}
	cJSON_Delete(o);
	return out;
}

static void say_lost(struct client *c)
{
	char line[64];

	if (!c->lost || out_pending(c) > FOLLOW_OUT_MAX)
		return;
	snprintf(line, sizeof(line), "{\"lost\":%llu}", (unsigned long long)c->lost);
	if (!queue(c, strdup(line)))
		c->lost = 0;
}

/* Moves what waits in the follower's queue to its output, or counts it lost. */
static void follower_pump(struct client *c)
{
	static struct egress_audit_record recs[FOLLOW_TAKE];
	uint64_t dropped;
	int n;

	do {
		n = egress_audit_tail_take(c->tail, recs, FOLLOW_TAKE, &dropped);
		c->lost += dropped;
		for (int i = 0; i < n; i++) {
			if (out_pending(c) > FOLLOW_OUT_MAX) {
				c->lost++;
				continue;
			}
			say_lost(c);
			if (queue(c, record_line(&recs[i])))
				c->lost++;
		}
	} while (n == FOLLOW_TAKE);
	say_lost(c);
}

/* The client asked for a stream: its backlog, then each new record. */
static int follow_start(struct agent *a, struct client *c, const struct audit_query *q)
{
	struct egress_audit_filter f = EGRESS_AUDIT_FILTER_ALL;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->tail };
	struct audit_found found;
	char dir[4096], line[64];
	uint64_t last;
	int ret;

	f.sandbox = q->sandbox;
	f.verdict = q->verdict;
	ret = egress_audit_tail_open(&c->tail, audit_log, &f, FOLLOW_QUEUE, &last);
	if (ret) {
		c->tail = NULL;
		return ret;
	}
	audit_dir(a, dir, sizeof(dir));
	ret = audit_collect(dir, q, last, &found);
	if (ret)
		return ret;
	if (found.truncated) {
		snprintf(line, sizeof(line), "{\"truncated\":%llu}",
			 (unsigned long long)found.truncated);
		queue(c, strdup(line));
	}
	for (size_t i = 0; i < found.n; i++) {
		cJSON *o = found.v[i].obj;
		char *text;

		if (found.v[i].kind == EGRESS_AUDIT_EVENT) {
			cJSON *w = cJSON_CreateObject();

			if (!w) {
				ret = -ENOMEM;
				break;
			}
			cJSON_AddItemToObject(w, "event", o);
			found.v[i].obj = w;
			o = w;
		}
		text = cJSON_PrintUnformatted(o);
		ret = queue(c, text);
		if (ret)
			break;
	}
	audit_found_free(&found);
	if (ret)
		return ret;
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, egress_audit_tail_fd(c->tail), &ev))
		return -errno;
	follower_pump(c);
	return 0;
}

struct line_ctx {
	struct agent *a;
	struct client *c;
	unsigned int lines;
};

static int on_line(void *ctx, const char *line, size_t len)
{
	struct line_ctx *l = ctx;
	bool close_after;

	struct audit_query q;
	char *reply;

	l->lines++;
	observe_lock();
	reply = ctl_handle(l->a, line, len, &close_after);
	observe_unlock();
	if (queue(l->c, reply))
		close_after = true;
	if (audit_follow_take(&q) && !close_after) {
		int ret = follow_start(l->a, l->c, &q);

		if (ret) {
			fprintf(stderr, "egressd: an audit stream failed to start: %s\n",
				strerror(-ret));
			l->c->closing = true;
		}
		/* nothing more is read from a follower but its end */
		return 1;
	}
	l->c->closing |= close_after;
	return l->c->closing;
}

/* <0: drop the client now. */
static int client_read(struct agent *a, struct client *c)
{
	struct line_ctx l = { a, c, 0 };
	char chunk[READ_CHUNK];

	for (;;) {
		ssize_t n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -EPIPE;
		if (c->tail)
			continue;	/* a follower: only its end counts */
		if (!frame_pending(&c->in))
			c->req_start_ms = now_ms();
		ret = frame_feed(&c->in, chunk, n, on_line, &l);
		if (c->closing)
			return 0;
		if (c->tail) {
			c->req_start_ms = 0;
			continue;
		}
		if (ret == -E2BIG) {
			char msg[128];

			snprintf(msg, sizeof(msg), "the request is longer than %u bytes",
				 EGRESS_CTL_REQUEST_MAX);
			queue(c, ctl_error(E2BIG, msg));
			c->closing = true;
			return 0;
		}
		if (ret)
			return ret;
		/* the clock runs from the first byte of an unfinished request */
		if (!frame_pending(&c->in))
			c->req_start_ms = 0;
		else if (l.lines)
			c->req_start_ms = now_ms();
		l.lines = 0;
	}
	return 0;
}

int server_run(struct agent *a, int lfd, int sfd)
{
	struct client *clients[MAX_CLIENTS] = {};
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	int ep = epoll_create1(EPOLL_CLOEXEC), efd = events_fd(a);
	int ret = 0;

	if (ep < 0)
		return -errno;
	ep_fd = ep;
	ev.data.ptr = &lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.ptr = &sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (efd >= 0) {
		ev.data.ptr = &efd;
		epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	}
	__u64 tick = 0;

	for (;;) {
		__u64 now = now_ms(), next;
		int n;

		if (now >= tick) {
			observe_tick(a);
			tick = now + OBSERVE_TICK_MS;
		}
		next = tick;

		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = clients[i];

			if (!c || !c->req_start_ms || c->closing)
				continue;
			if (c->req_start_ms + EGRESS_CTL_REQUEST_TIMEOUT_MS <= now) {
				queue(c, ctl_error(ETIMEDOUT, "the request was not finished in time"));
				c->closing = true;
				if (flush(ep, c)) {
					client_free(ep, c);
					clients[i] = NULL;
				}
			} else if (c->req_start_ms + EGRESS_CTL_REQUEST_TIMEOUT_MS < next) {
				next = c->req_start_ms + EGRESS_CTL_REQUEST_TIMEOUT_MS;
			}
		}
		n = epoll_wait(ep, evs, 64, next - now);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &efd) {
				events_drain(a);
			} else if (p == &sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					fprintf(stderr, "egressd: SIGHUP: reloading profiles\n");
					observe_lock();
					ctl_reload_profiles(a);
					observe_unlock();
					continue;
				}
				fprintf(stderr, "egressd: signal %u: exiting, enforcement stays in place\n",
					si.ssi_signo);
				goto out;
			} else if (p == &lfd) {
				int fd, slot;
				struct client *c;

				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					for (slot = 0; slot < MAX_CLIENTS && clients[slot]; slot++)
						;
					c = slot < MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					c->in.max = EGRESS_CTL_REQUEST_MAX;
					clients[slot] = c;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					if (!peer_allowed(fd)) {
						queue(c, ctl_error(EACCES,
							"only root or the " EGRESS_CTL_GROUP " group may use egressd"));
						c->closing = true;
						if (flush(ep, c)) {
							client_free(ep, c);
							clients[slot] = NULL;
						}
					}
				}
			} else {
				struct client *c = p;
				int slot, r = 0;
				bool tail = false;

				for (slot = 0; slot < MAX_CLIENTS; slot++) {
					if (!clients[slot])
						continue;
					if (clients[slot] == c)
						break;
					if ((void *)&clients[slot]->tail == p) {
						c = clients[slot];
						tail = true;
						break;
					}
				}
				if (slot == MAX_CLIENTS)
					continue;
				if (tail) {
					follower_pump(c);
					if (flush(ep, c)) {
						client_free(ep, c);
						clients[slot] = NULL;
					}
					continue;
				}
				if ((evs[i].events & EPOLLIN) && !c->closing)
					r = client_read(a, c);
				if (!r && (evs[i].events & (EPOLLERR | EPOLLHUP)) && !c->out_len)
					r = -EPIPE;
				if (!r)
					r = flush(ep, c);
				if (!r && c->tail && c->lost) {
					say_lost(c);
					r = flush(ep, c);
				}
				if (r) {
					client_free(ep, c);
					clients[slot] = NULL;
				}
			}
		}
	}
out:
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i])
			client_free(ep, clients[i]);
	close(ep);
	return ret;
}
