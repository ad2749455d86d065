// SPDX-License-Identifier: GPL-2.0-only
/*
 * metrics-serve --dump: prints egressd's full metric set, rendered from a
 * filled struct egress_metrics, for promtool.
 * metrics-serve ADDR: serves it on ADDR (port 0: any free one) through
 * lib/metrics.c, prints "port N", and runs until standard input closes.
 * Each scrape renders anew: egress_ringbuf_drains_total counts scrapes,
 * so a test sees the numbers are live.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long scrapes;

static int render(void *ctx, struct egress_prom *p)
{
	struct egress_metrics_sandbox sb[] = {
		{ .name = "web", .mode = "deny", .rules = 4, .bindings = 12, .flows = 30,
		  .decisions = { [EGRESS_ALLOWED] = { [EGRESS_PROTO_TLS] = 120,
						      [EGRESS_PROTO_DNS] = 80 },
				 [EGRESS_DENIED] = { [EGRESS_PROTO_TLS] = 7,
						     [EGRESS_PROTO_DNS] = 3,
						     [EGRESS_PROTO_QUIC] = 2 } } },
		{ .name = "ci \"runner\"\\1", .mode = "warn", .would_deny = 9,
		  .decisions = { [EGRESS_ALLOWED] = { [EGRESS_PROTO_HTTP] = 9,
						      [EGRESS_PROTO_OTHER] = 1 } } },
	};
	struct egress_metrics_map maps[] = {
		{ "sandboxes", 2, EGRESS_MAX_SANDBOXES },
		{ "flows", 30, EGRESS_FLOWS_PER_SANDBOX },
		{ "event_rl", 17, EGRESS_RATELIMIT_ENTRIES },
		{ "hellos", 0, EGRESS_HELLOS_PER_SANDBOX },
	};
	struct egress_metrics m = {
		.version = "0.1.0", .commit = "5fca56e",
		.start_time_s = 1795400000.25,
		.sandboxes = sb, .n_sandboxes = 2,
		.dns_queries = { 80, 3 },
		.events_emitted = 230, .events_suppressed = 1000, .events_lost = 5,
		.events_received = 230, .events_written = 230, .events_journal = 200,
		.events_journal_dropped = 30,
		.rules = { [EGRESS_SCOPE_ALWAYS] = 3, [EGRESS_SCOPE_GLOBAL] = 2,
			   [EGRESS_SCOPE_SANDBOX] = 4 },
		.maps = maps, .n_maps = 4,
		.audit_bytes = 123456, .audit_segments = 3, .rst_sent = 7,
	};

	pthread_mutex_lock(&lock);
	m.ringbuf_drains = ctx ? ++scrapes : 0;
	pthread_mutex_unlock(&lock);
	return egress_metrics_render(&m, p);
}

int main(int argc, char **argv)
{
	struct egress_metrics_server *s;
	struct egress_prom p;
	char err[256], buf[64];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: metrics-serve --dump | ADDR:PORT\n");
		return 2;
	}
	if (!strcmp(argv[1], "--dump")) {
		egress_prom_init(&p);
		ret = render(NULL, &p);
		if (ret) {
			fprintf(stderr, "metrics-serve: render failed: %s\n", strerror(-ret));
			return 1;
		}
		fwrite(egress_prom_text(&p), 1, egress_prom_len(&p), stdout);
		egress_prom_free(&p);
		return 0;
	}
	ret = egress_metrics_serve(&s, argv[1], render, &scrapes, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "metrics-serve: %s\n", err);
		return 1;
	}
	printf("port %d\n", egress_metrics_port(s));
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	egress_metrics_stop(s);
	return 0;
}
