// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress-connect: connection setup as a sandbox's client sees it, for the
 * through-the-kernel benchmarks. Each iteration is a new TCP connection and a
 * full TLS handshake (no session resumption), optionally preceded by a DNS
 * query for the name; the time of each is recorded and the percentiles
 * printed as one JSON object.
 *
 *   egress-connect --addr A --port P [--sni NAME] [--count N] [--warmup N]
 *                  [--dns SERVER] [--plain] [--pair B]
 *   egress-connect --addr A --port P --sni NAME --get PATH [--count N]
 *   egress-connect --addr A --port P [--sni NAME] --probe [--timeout-ms MS]
 *                  [--interval-us US] [--run-after-ms MS] [--refuse] [-- COMMAND...]
 *
 * --dns SERVER: every iteration first asks SERVER (UDP 53) for the A record
 * of the --sni name and connects to the answer (the time includes it).
 * --plain: TCP connect only, no TLS.
 * --pair B: every other connection goes to B instead of A (A B B A A B ...,
 * so neither goes first more often), --count to each; A's figures are
 * printed as before, B's under "pair", and A minus B as added_p50_us and
 * added_p99_us. With A and B reached over two paths alike but for what is
 * attached to one, the difference is what that costs, measured at the same
 * moments and so free of the drift between runs.
 * --get PATH: after the handshake, GET PATH and read the body to its end;
 * reports the body's rate (the best and the median of --count downloads).
 * --probe: tries connection + handshake until one succeeds, a new try every
 * --interval-us (100), each SYN given up after 10 ms; prints the
 * CLOCK_REALTIME nanoseconds of the first success and of its SYN (to time a
 * policy change). With COMMAND, starts it after --run-after-ms (300) of
 * refused tries and also prints, from the command's start, when the data
 * path let the first try through (enforced_ms), the last refused try
 * (unchanged_until_ms) and when the command returned (command_ms). --refuse
 * times the other way: tries get through (a SYN answered: no handshake)
 * until the first is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PROG	"egress-connect"

extern char **environ;

struct opts {
	struct in_addr addr;
	struct in_addr pair;	/* --pair: 0 when none */
	struct in_addr dns;
	const char *sni;
	const char *get;
	int port;
	int count;
	int warmup;
	int timeout_ms;
	int interval_us;
	int run_after_ms;
	bool use_dns;
	bool plain;
	bool probe;
	bool refuse;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- DNS: one A query over UDP ------------------------------------------ */

static int dns_encode_name(const char *name, unsigned char *out, size_t room)
{
	size_t n = 0;
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (!len || len > 63 || n + len + 2 > room)
			return -EINVAL;
		out[n++] = (unsigned char)len;
		memcpy(out + n, p, len);
		n += len;
		p += len;
		if (*p == '.')
			p++;
	}
	if (n + 1 > room)
		return -EINVAL;
	out[n++] = 0;
	return (int)n;
}

/* Skips a (possibly compressed) name at off; the offset after it or -1. */
static int dns_skip_name(const unsigned char *m, int len, int off)
{
	while (off < len) {
		if (!m[off])
			return off + 1;
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		off += m[off] + 1;
	}
	return -1;
}

static int dns_resolve(const struct opts *o, struct in_addr *out)
{
	unsigned char q[512], r[1500];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr = o->dns };
	struct pollfd pfd;
	uint16_t id = (uint16_t)rand();
	int fd, n, off, an, i, ret = -ENOENT;

	memset(q, 0, 12);
	q[0] = id >> 8;
	q[1] = id & 0xff;
	q[2] = 0x01;		/* RD */
	q[5] = 1;		/* one question */
	n = dns_encode_name(o->sni, q + 12, sizeof(q) - 16);
	if (n < 0)
		return n;
	off = 12 + n;
	q[off++] = 0;
	q[off++] = 1;		/* A */
	q[off++] = 0;
	q[off++] = 1;		/* IN */

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* connected: a resolver not (yet) listening is ECONNREFUSED at once */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, q, off, 0) != off) {
		ret = -errno;
		goto out;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, o->probe ? 20 : 1000) != 1) {
		ret = -ETIMEDOUT;
		goto out;
	}
	n = (int)recv(fd, r, sizeof(r), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if (n < 12 || r[0] != q[0] || r[1] != q[1] || (r[3] & 0x0f)) {
		ret = -ENOENT;
		goto out;
	}
	an = r[6] << 8 | r[7];
	off = dns_skip_name(r, n, 12);
	if (off < 0)
		goto out;
	off += 4;
	for (i = 0; i < an && off < n; i++) {
		int rdlen, type;

		off = dns_skip_name(r, n, off);
		if (off < 0 || off + 10 > n)
			break;
		type = r[off] << 8 | r[off + 1];
		rdlen = r[off + 8] << 8 | r[off + 9];
		off += 10;
		if (off + rdlen > n)
			break;
		if (type == 1 && rdlen == 4) {
			memcpy(out, r + off, 4);
			ret = 0;
			break;
		}
		off += rdlen;
	}
out:
	close(fd);
	return ret;
}

/* ---- one connection ----------------------------------------------------- */

static int tcp_connect(struct in_addr a, int port, int timeout_ms, int syn_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = a };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timeval tv = { .tv_sec = syn_ms / 1000, .tv_usec = (syn_ms % 1000) * 1000 };
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* no TIME_WAIT pile-up over thousands of connections */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = errno == EINPROGRESS ? -ETIMEDOUT : -errno;

		close(fd);
		return ret;
	}
	tv = (struct timeval){ .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/*
 * Connects (and handshakes); the socket and *ssl, or -errno. The SYN waits
 * syn_ms for its answer (a probe must not sit out a dropped SYN's
 * retransmission), the rest timeout_ms.
 */
static int open_conn_to(const struct opts *o, struct in_addr a, SSL_CTX *ctx, SSL **ssl,
			int timeout_ms, int syn_ms)
{
	int fd, ret;

	*ssl = NULL;
	if (o->use_dns) {
		ret = dns_resolve(o, &a);
		if (ret)
			return ret;
	}
	fd = tcp_connect(a, o->port, timeout_ms, syn_ms);
	if (fd < 0 || o->plain)
		return fd;
	*ssl = SSL_new(ctx);
	if (!*ssl) {
		close(fd);
		return -ENOMEM;
	}
	SSL_set_fd(*ssl, fd);
	if (o->sni)
		SSL_set_tlsext_host_name(*ssl, o->sni);
	if (SSL_connect(*ssl) != 1) {
		ERR_clear_error();
		SSL_free(*ssl);
		*ssl = NULL;
		close(fd);
		return -ECONNABORTED;
	}
	return fd;
}

static int open_conn(const struct opts *o, SSL_CTX *ctx, SSL **ssl, int timeout_ms,
		     int syn_ms)
{
	return open_conn_to(o, o->addr, ctx, ssl, timeout_ms, syn_ms);
}

static void close_conn(int fd, SSL *ssl)
{
	if (ssl)
		SSL_free(ssl);	/* no close_notify: the RST of SO_LINGER 0 ends it */
	close(fd);
}

/* ---- modes -------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return n ? (double)v[i] / 1000.0 : 0;
}

/* The connection times to one address. */
struct lat {
	uint64_t *t;
	int n, fails, last_err;
};

static void lat_sort(struct lat *l)
{
	qsort(l->t, l->n, sizeof(*l->t), cmp_u64);
}

/* The figures of l as JSON members (no braces). */
static void lat_print(const struct lat *l)
{
	printf("\"n\": %d, \"failed\": %d, \"p50_us\": %.1f, \"p90_us\": %.1f, "
	       "\"p99_us\": %.1f, \"min_us\": %.1f, \"max_us\": %.1f",
	       l->n, l->fails, pct(l->t, l->n, 0.5), pct(l->t, l->n, 0.9),
	       pct(l->t, l->n, 0.99), pct(l->t, l->n, 0), pct(l->t, l->n, 1));
	if (l->last_err)
		printf(", \"error\": \"%s\"", strerror(l->last_err));
}

static int run_latency(const struct opts *o, SSL_CTX *ctx)
{
	bool paired = o->pair.s_addr != 0;
	int per = paired ? 2 : 1, i, ret = 1;
	struct lat l[2] = {};

	l[0].t = calloc(o->count, sizeof(uint64_t));
	l[1].t = calloc(o->count, sizeof(uint64_t));
	if (!l[0].t || !l[1].t)
		goto out;
	for (i = 0; i < per * (o->warmup + o->count); i++) {
		/* A B, then B A: each goes first in half of the pairs */
		int k = paired ? (i & 1) ^ ((i >> 1) & 1) : 0;
		struct in_addr to = k ? o->pair : o->addr;
		uint64_t t0 = now_ns(CLOCK_MONOTONIC), t1;
		SSL *ssl;
		int fd = open_conn_to(o, to, ctx, &ssl, 2000, 2000);

		t1 = now_ns(CLOCK_MONOTONIC);
		if (fd < 0) {
			l[k].fails++;
			l[k].last_err = -fd;
			continue;
		}
		close_conn(fd, ssl);
		if (i / per >= o->warmup && l[k].n < o->count)
			l[k].t[l[k].n++] = t1 - t0;
	}
	lat_sort(&l[0]);
	lat_sort(&l[1]);
	printf("{");
	lat_print(&l[0]);
	if (paired) {
		printf(", \"pair\": {");
		lat_print(&l[1]);
		printf("}, \"added_p50_us\": %.1f, \"added_p99_us\": %.1f",
		       pct(l[0].t, l[0].n, 0.5) - pct(l[1].t, l[1].n, 0.5),
		       pct(l[0].t, l[0].n, 0.99) - pct(l[1].t, l[1].n, 0.99));
	}
	printf("}\n");
	ret = l[0].n && (!paired || l[1].n) ? 0 : 1;
out:
	free(l[0].t);
	free(l[1].t);
	return ret;
}

/*
 * --probe: a new connection attempt every interval (non-blocking SYNs, each
 * given up after PROBE_SYN_MS without an answer), so that the moment a
 * change lets the SYN through is known to one interval, not to a whole
 * try's timeout. With a command, it is started (posix_spawn) once the probe
 * has seen --run-after-ms of refusals, its start and end taken around it.
 */
#define PROBE_SYN_MS	10
#define PROBE_MAX	256

struct probe_try {
	int fd;
	uint64_t start_mono, start_real;
};

struct probe_run {
	pid_t pid;
	uint64_t end_real;
	int status;
	pthread_t thread;
	bool started;
};

static void *probe_reap(void *arg)
{
	struct probe_run *r = arg;

	while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->end_real = now_ns(CLOCK_REALTIME);
	return NULL;
}

static int probe_spawn(struct probe_run *r, char **cmd, uint64_t *start_real)
{
	posix_spawn_file_actions_t fa;
	int ret;

	/* its output is not the probe's: stdout to /dev/null, stderr kept */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	*start_real = now_ns(CLOCK_REALTIME);
	ret = posix_spawnp(&r->pid, cmd[0], &fa, NULL, cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	ret = pthread_create(&r->thread, NULL, probe_reap, r);
	if (ret)
		return -ret;
	r->started = true;
	return 0;
}

/* Starts a try: a non-blocking connect. */
static int probe_open(const struct opts *o, struct in_addr addr, struct probe_try *t)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port),
				  .sin_addr = addr };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int one = 1;

	t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->fd < 0)
		return -errno;
	setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t->start_mono = now_ns(CLOCK_MONOTONIC);
	t->start_real = now_ns(CLOCK_REALTIME);
	if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		int ret = -errno;

		close(t->fd);
		t->fd = -1;
		return ret;
	}
	return 0;
}

/* A try whose SYN was answered: the handshake (blocking, 1 s). 0: it passed. */
static int probe_finish(const struct opts *o, SSL_CTX *ctx, int fd)
{
	struct timeval tv = { .tv_sec = 1 };
	int err = 0, flags;
	socklen_t len = sizeof(err);
	SSL *ssl;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return -ECONNREFUSED;
	/* --refuse: the SYN's answer is the change (no handshake to wait on) */
	if (o->plain || o->refuse)
		return 0;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ctx);
	if (!ssl)
		return -ENOMEM;
	SSL_set_fd(ssl, fd);
	if (o->sni)
		SSL_set_tlsext_host_name(ssl, o->sni);
	err = SSL_connect(ssl) == 1 ? 0 : -ECONNABORTED;
	ERR_clear_error();
	SSL_free(ssl);
	return err;
}

static int local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	return getsockname(fd, (struct sockaddr *)&sa, &len) ? -1 : ntohs(sa.sin_port);
}

static double ms_between(uint64_t a, uint64_t b)
{
	return a && b ? ((double)b - (double)a) / 1e6 : -1;
}

static void print_ms(const char *key, uint64_t from, uint64_t to)
{
	if (from && to)
		printf(", \"%s\": %.3f", key, ms_between(from, to));
	else
		printf(", \"%s\": null", key);
}

static void print_ns(const char *key, uint64_t ns)
{
	if (ns)
		printf(", \"%s\": %llu", key, (unsigned long long)ns);
	else
		printf(", \"%s\": null", key);
}

static int run_probe(const struct opts *o, SSL_CTX *ctx, char **cmd)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), deadline, next = t0;
	uint64_t run_real = 0, run_mono = 0, last_fail = 0, ok_real = 0, ok_syn = 0;
	uint64_t interval = (uint64_t)o->interval_us * 1000;
	struct probe_try tries[PROBE_MAX];
	struct probe_run run = {};
	unsigned long n_tries = 0, early = 0;
	int n = 0, ret = 0;

	deadline = t0 + ((uint64_t)o->timeout_ms + (cmd ? (uint64_t)o->run_after_ms : 0)) *
		   1000000ULL;
	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), wait;
		struct pollfd pfd[PROBE_MAX];
		struct timespec ts;

		if (now >= deadline)
			break;
		if (cmd && !run.started && now >= t0 + (uint64_t)o->run_after_ms * 1000000ULL) {
			if (early) {
				fprintf(stderr, PROG ": %lu tries %s before the command\n",
					early, o->refuse ? "refused" : "got through");
				ret = 3;
				break;
			}
			ret = probe_spawn(&run, cmd, &run_real);
			if (ret) {
				fprintf(stderr, PROG ": cannot start %s: %s\n", cmd[0],
					strerror(-ret));
				ret = 1;
				break;
			}
			run_mono = now_ns(CLOCK_MONOTONIC);
		}
		if (now >= next && n < PROBE_MAX && !ok_syn) {
			struct in_addr addr = o->addr;
			uint64_t t = now_ns(CLOCK_REALTIME);

			/* --dns: each try asks first (an answer may be what changes) */
			if (o->use_dns && dns_resolve(o, &addr)) {
				if (o->refuse && cmd && !run.started)
					early++;
				else if (o->refuse && !ok_syn)
					ok_syn = ok_real = t;
				else if (t > last_fail)
					last_fail = t;
			} else if (!probe_open(o, addr, &tries[n])) {
				n++;
			}
			n_tries++;
			/* after a command has run long, a coarser cadence (1/200 of it) */
			wait = run_mono && now > run_mono ? (now - run_mono) / 200 : 0;
			if (wait > 10000000ULL)
				wait = 10000000ULL;
			next = now + (wait > interval ? wait : interval);
		}
		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = tries[i].fd, .events = POLLOUT };
		now = now_ns(CLOCK_MONOTONIC);
		wait = next > now ? next - now : 0;
		ts = (struct timespec){ .tv_sec = wait / 1000000000ULL,
					.tv_nsec = wait % 1000000000ULL };
		if (ppoll(pfd, n, &ts, NULL) < 0 && errno != EINTR)
			break;
		now = now_ns(CLOCK_MONOTONIC);
		for (int i = 0; i < n; i++) {
			bool done = true, through = false;

			if (pfd[i].revents)
				through = !probe_finish(o, ctx, tries[i].fd);
			else if (now - tries[i].start_mono <= PROBE_SYN_MS * 1000000ULL)
				done = false;
			if (!done)
				continue;
			if (through == !o->refuse) {
				/* the change: a try got through (or, --refuse, was refused) */
				if (cmd && !run.started) {
					early++;
					fprintf(stderr, PROG ": a try %s before the command "
						"(local port %d)\n", o->refuse ? "refused" : "through",
						local_port(tries[i].fd));
				} else if (!ok_syn || tries[i].start_real < ok_syn) {
					ok_syn = tries[i].start_real;
					ok_real = now_ns(CLOCK_REALTIME);
				}
			} else if (tries[i].start_real > last_fail) {
				last_fail = tries[i].start_real;
			}
			close(tries[i].fd);
			tries[i--] = tries[--n];
			pfd[i + 1] = pfd[n];
		}
		/* done when no try older than the first changed one is pending */
		if (ok_syn) {
			int older = 0;

			for (int i = 0; i < n; i++)
				older += tries[i].start_real < ok_syn;
			if (!older)
				break;
		}
	}
	for (int i = 0; i < n; i++)
		close(tries[i].fd);
	if (run.started)
		pthread_join(run.thread, NULL);
	/*
	 * ok_syn_ns: when the first try that saw the change sent its SYN (the
	 * change was enforced by then); the latest try before it that did not
	 * see it tells when it was not yet (unknown if a later one came last).
	 */
	if (last_fail > ok_syn)
		last_fail = 0;
	printf("{\"tries\": %lu, \"interval_us\": %d", n_tries, o->interval_us);
	print_ns("ok_realtime_ns", ok_real);
	print_ns("ok_syn_ns", ok_syn);
	if (cmd) {
		printf(", \"run_start_ns\": %llu, \"run_end_ns\": %llu, \"run_status\": %d",
		       (unsigned long long)run_real, (unsigned long long)run.end_real,
		       run.started && WIFEXITED(run.status) ? WEXITSTATUS(run.status) : -1);
		print_ms("enforced_ms", run_real, ok_syn);
		print_ms("unchanged_until_ms", run_real, last_fail > run_real ? last_fail : 0);
		print_ms("handshake_ms", run_real, ok_real);
		print_ms("command_ms", run_real, run.end_real);
	}
	printf("}\n");
	if (ret)
		return ret;
	return ok_syn ? 0 : 1;
}

static int run_get(const struct opts *o, SSL_CTX *ctx)
{
	static char buf[256 * 1024];
	double *rate = calloc(o->count, sizeof(*rate));
	int i, n = 0;

	if (!rate)
		return 1;
	for (i = 0; i < o->count; i++) {
		uint64_t bytes = 0, t0, t1;
		char req[512];
		SSL *ssl;
		int fd, len, r;

		fd = open_conn(o, ctx, &ssl, 10000, 2000);
		if (fd < 0 || !ssl)
			continue;
		len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
			       "Connection: close\r\n\r\n", o->get, o->sni ? o->sni : "x");
		t0 = now_ns(CLOCK_MONOTONIC);
		if (SSL_write(ssl, req, len) != len) {
			close_conn(fd, ssl);
			continue;
		}
		while ((r = SSL_read(ssl, buf, sizeof(buf))) > 0)
			bytes += (uint64_t)r;
		t1 = now_ns(CLOCK_MONOTONIC);
		close_conn(fd, ssl);
		if (bytes > 1 << 20)
			rate[n++] = (double)bytes * 8 / (double)(t1 - t0);	/* Gbit/s */
	}
	for (i = 1; i < n; i++) {	/* insertion sort, n is small */
		double v = rate[i];
		int j = i - 1;

		for (; j >= 0 && rate[j] > v; j--)
			rate[j + 1] = rate[j];
		rate[j + 1] = v;
	}
	printf("{\"n\": %d, \"median_gbit_s\": %.3f, \"max_gbit_s\": %.3f}\n", n,
	       n ? rate[n / 2] : 0, n ? rate[n - 1] : 0);
	free(rate);
	return n ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "sni", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "dns", required_argument, NULL, 'd' },
		{ "get", required_argument, NULL, 'g' },
		{ "plain", no_argument, NULL, 'P' },
		{ "probe", no_argument, NULL, 'r' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "run-after-ms", required_argument, NULL, 'R' },
		{ "refuse", no_argument, NULL, 'F' },
		{ "pair", required_argument, NULL, 'A' },
		{}
	};
	struct opts o = { .port = 443, .count = 1000, .warmup = 50, .timeout_ms = 10000,
			 .interval_us = 100, .run_after_ms = 300 };
	SSL_CTX *ctx;
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &o.addr) != 1)
				goto usage;
			break;
		case 'p': o.port = atoi(optarg); break;
		case 's': o.sni = optarg; break;
		case 'n': o.count = atoi(optarg); break;
		case 'w': o.warmup = atoi(optarg); break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &o.dns) != 1)
				goto usage;
			o.use_dns = true;
			break;
		case 'g': o.get = optarg; break;
		case 'P': o.plain = true; break;
		case 'r': o.probe = true; break;
		case 't': o.timeout_ms = atoi(optarg); break;
		case 'i': o.interval_us = atoi(optarg); break;
		case 'R': o.run_after_ms = atoi(optarg); break;
		case 'F': o.refuse = true; break;
		case 'A':
			if (inet_pton(AF_INET, optarg, &o.pair) != 1)
				goto usage;
			break;
		default: goto usage;
		}
	}
	if ((optind != argc && !o.probe) || o.count < 1 || o.interval_us < 10 ||
	    (o.use_dns && !o.sni) || (!o.use_dns && !o.addr.s_addr) ||
	    (o.pair.s_addr && (o.use_dns || o.probe || o.get)))
		goto usage;
	srand((unsigned int)now_ns(CLOCK_MONOTONIC));

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		fprintf(stderr, PROG ": SSL_CTX_new failed\n");
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);

	if (o.probe)
		c = run_probe(&o, ctx, optind < argc ? argv + optind : NULL);
	else if (o.get)
		c = run_get(&o, ctx);
	else
		c = run_latency(&o, ctx);
	SSL_CTX_free(ctx);
	return c;
usage:
	fprintf(stderr, "usage: " PROG " --addr A | --dns SERVER --sni NAME, --port P "
		"[--sni NAME] [--count N] [--warmup N] [--plain] [--pair B] [--get PATH] "
		"[--probe [--timeout-ms MS] [--interval-us US] [--run-after-ms MS] "
		"[-- COMMAND...]]\n");
	return 2;
}
