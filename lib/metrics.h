/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egressd's metrics (DESIGN section 7): the numbers, rendered in the
 * Prometheus text format, and the HTTP endpoint that serves them.
 *
 * The agent owns the numbers: it fills a struct egress_metrics (counters
 * are totals since it started, or since the maps were created for those
 * it reads from BPF) and egress_metrics_render() turns it into text. No
 * label carries a destination: sandbox, verdict, protocol, scope and map
 * name are the only ones.
 */
#ifndef EGRESS_METRICS_H
#define EGRESS_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <egress/abi.h>

#include "prom.h"

struct egress_metrics_sandbox {
	const char *name;
	/* decisions (an event's count) by verdict and enum egress_proto */
	uint64_t decisions[2][EGRESS_PROTO__MAX];
	uint64_t would_deny;		/* warn mode: allowed, would be denied */
	uint64_t rules;			/* rules of its own scope */
	uint64_t bindings;		/* DNS bindings (name -> address) held */
	uint64_t flows;			/* flow table entries */
	const char *mode;		/* "deny", ... */
};

struct egress_metrics_map {
	const char *name;		/* "flows", "event_rl", ... */
	uint64_t entries;
	uint64_t max_entries;
};

struct egress_metrics {
	const char *version;		/* build info */
	const char *commit;		/* optional */
	double start_time_s;		/* CLOCK_REALTIME when egressd started */

	const struct egress_metrics_sandbox *sandboxes;
	size_t n_sandboxes;

	uint64_t dns_queries[2];	/* by verdict */
	/* events: the data path's counters (enum egress_stat) and the agent's */
	uint64_t events_emitted;	/* written to the ring by BPF */
	uint64_t events_suppressed;	/* collapsed into a later event */
	uint64_t events_lost;		/* ring reservations that failed */
	uint64_t events_received;	/* drained from the ring */
	uint64_t events_written;	/* appended to the audit log */
	uint64_t events_journal;	/* forwarded to journald */
	uint64_t events_journal_dropped;	/* not forwarded: queue full */
	uint64_t audit_write_errors;

	uint64_t rules[EGRESS_SCOPE__MAX];	/* by scope; [0] unused */

	const struct egress_metrics_map *maps;
	size_t n_maps;

	uint64_t ringbuf_drains;	/* times the ring buffer was drained */
	uint64_t audit_bytes;		/* audit log size on disk */
	uint64_t audit_segments;
	uint64_t rst_sent;
	uint64_t flow_insert_failed;
};

/* Renders every family (also those whose values are all zero). */
int egress_metrics_render(const struct egress_metrics *m, struct egress_prom *p);

/* ---- the HTTP endpoint ------------------------------------------------------ */

/*
 * Fills p for one scrape; called from the server's own thread, so it must
 * take whatever lock guards the agent's numbers. Returns 0 or -errno (the
 * scrape then gets a 500).
 */
typedef int (*egress_metrics_render_fn)(void *ctx, struct egress_prom *p);

struct egress_metrics_server;

/*
 * Serves GET /metrics on addr ("127.0.0.1:9469", "[::1]:9469"; port 0
 * picks a free one) from its own thread; any other path is 404, any
 * other method 405.
 */
int egress_metrics_serve(struct egress_metrics_server **out, const char *addr,
			 egress_metrics_render_fn fn, void *ctx, char *err,
			 size_t errlen);
/* The port it listens on. */
int egress_metrics_port(const struct egress_metrics_server *s);
void egress_metrics_stop(struct egress_metrics_server *s);

/* Parses "ADDR:PORT" / "[ADDR6]:PORT" into a sockaddr_storage; 0 or -EINVAL. */
struct sockaddr_storage;
int egress_metrics_parse_addr(const char *s, struct sockaddr_storage *ss);

#endif /* EGRESS_METRICS_H */
