// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress-connect: connection setup as a sandbox's client sees it, for the
 * through-the-kernel benchmarks. Each iteration is a new TCP connection and a
 * full TLS handshake (no session resumption), optionally preceded by a DNS
 * query for the name; the time of each is recorded and the percentiles
 * printed as one JSON object.
 *
 *   egress-connect --addr A --port P [--sni NAME] [--count N] [--warmup N]
 *                  [--dns SERVER] [--plain]
 *   egress-connect --addr A --port P --sni NAME --get PATH [--count N]
 *   egress-connect --addr A --port P [--sni NAME] --probe [--timeout-ms MS]
 *
 * --dns SERVER: every iteration first asks SERVER (UDP 53) for the A record
 * of the --sni name and connects to the answer (the time includes it).
 * --plain: TCP connect only, no TLS.
 * --get PATH: after the handshake, GET PATH and read the body to its end;
 * reports the body's rate (the best and the median of --count downloads).
 * --probe: tries connection + handshake until one succeeds; prints the
 * CLOCK_REALTIME nanoseconds of the first success (to time a policy change).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PROG	"egress-connect"

struct opts {
	struct in_addr addr;
	struct in_addr dns;
	const char *sni;
	const char *get;
	int port;
	int count;
	int warmup;
	int timeout_ms;
	bool use_dns;
	bool plain;
	bool probe;
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
static int open_conn(const struct opts *o, SSL_CTX *ctx, SSL **ssl, int timeout_ms,
		     int syn_ms)
{
	struct in_addr a = o->addr;
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

static int run_latency(const struct opts *o, SSL_CTX *ctx)
{
	uint64_t *t = calloc(o->count, sizeof(*t));
	int i, n = 0, fails = 0, last_err = 0;

	if (!t)
		return 1;
	for (i = 0; i < o->warmup + o->count; i++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC), t1;
		SSL *ssl;
		int fd = open_conn(o, ctx, &ssl, 2000, 2000);

		t1 = now_ns(CLOCK_MONOTONIC);
		if (fd < 0) {
			fails++;
			last_err = -fd;
			continue;
		}
		close_conn(fd, ssl);
		if (i >= o->warmup)
			t[n++] = t1 - t0;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("{\"n\": %d, \"failed\": %d, \"p50_us\": %.1f, \"p90_us\": %.1f, "
	       "\"p99_us\": %.1f, \"min_us\": %.1f, \"max_us\": %.1f%s%s%s}\n",
	       n, fails, pct(t, n, 0.5), pct(t, n, 0.9), pct(t, n, 0.99),
	       pct(t, n, 0), pct(t, n, 1), last_err ? ", \"error\": \"" : "",
	       last_err ? strerror(last_err) : "", last_err ? "\"" : "");
	free(t);
	return n ? 0 : 1;
}

static int run_probe(const struct opts *o, SSL_CTX *ctx)
{
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + (uint64_t)o->timeout_ms * 1000000ULL;
	unsigned long tries = 0;

	while (now_ns(CLOCK_MONOTONIC) < deadline) {
		SSL *ssl;
		int fd;

		tries++;
		fd = open_conn(o, ctx, &ssl, 1000, 2);
		if (fd >= 0) {
			uint64_t t = now_ns(CLOCK_REALTIME);

			close_conn(fd, ssl);
			printf("{\"ok_realtime_ns\": %llu, \"tries\": %lu}\n",
			       (unsigned long long)t, tries);
			return 0;
		}
		/* a refused try comes back in microseconds: pace the probe so that
		 * it does not take a CPU from what it times */
		usleep(fd == -ETIMEDOUT ? 0 : 100);
	}
	printf("{\"ok_realtime_ns\": null, \"tries\": %lu}\n", tries);
	return 1;
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
		{}
	};
	struct opts o = { .port = 443, .count = 1000, .warmup = 50, .timeout_ms = 10000 };
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
		default: goto usage;
		}
	}
	if (optind != argc || o.count < 1 || (o.use_dns && !o.sni) ||
	    (!o.use_dns && !o.addr.s_addr))
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
		c = run_probe(&o, ctx);
	else if (o.get)
		c = run_get(&o, ctx);
	else
		c = run_latency(&o, ctx);
	SSL_CTX_free(ctx);
	return c;
usage:
	fprintf(stderr, "usage: " PROG " --addr A | --dns SERVER --sni NAME, --port P "
		"[--sni NAME] [--count N] [--warmup N] [--plain] [--get PATH] "
		"[--probe [--timeout-ms MS]]\n");
	return 2;
}
