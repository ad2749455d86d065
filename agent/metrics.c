// SPDX-License-Identifier: GPL-2.0-only
/*
 * egressd's numbers for Prometheus: what the model holds and the drained
 * events counted is copied under the lock; the data path's counters, map
 * fill and the audit log's numbers are read after it, so a scrape holds up
 * the main loop no longer than a copy.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_config.h"
#include "audit_cmd.h"
#include "config.h"
#include "datapath.h"
#include "journal.h"
#include "metrics.h"
#include "names.h"
#include "observe.h"

#define MAX_MAPS	32

static struct egress_metrics_server *server;

struct snapshot {
	struct egress_metrics_sandbox *sbs;
	char (*names)[SB_NAME_MAX + 1];
	__u32 *ids;
	size_t n;
};

static int snapshot(struct agent *a, struct egress_metrics *m, struct snapshot *s)
{
	int ret = 0;

	observe_lock();
	s->n = a->n_sbs;
	s->sbs = calloc(s->n + 1, sizeof(*s->sbs));
	s->names = calloc(s->n + 1, sizeof(*s->names));
	s->ids = calloc(s->n + 1, sizeof(*s->ids));
	if (!s->sbs || !s->names || !s->ids) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct sandbox *sb = a->sbs[i];
		struct egress_metrics_sandbox *ms = &s->sbs[i];

		strcpy(s->names[i], sb->name);
		s->ids[i] = sb->id;
		ms->name = s->names[i];
		ms->mode = egress_mode_name(sandbox_mode(a, sb));
		ms->rules = sb->scope.n_rules;
		observe_decisions(sb->id, sb->name, ms->decisions, &ms->would_deny);
		m->rules[EGRESS_SCOPE_SANDBOX] += sb->scope.n_rules;
	}
	m->sandboxes = s->sbs;
	m->n_sandboxes = s->n;
	m->rules[EGRESS_SCOPE_ALWAYS] = a->always.n_rules;
	m->rules[EGRESS_SCOPE_GLOBAL] = a->global.n_rules;
	m->events_received = observe_counts.received;
	m->events_written = observe_counts.written;
	m->ringbuf_drains = observe_counts.drains;
	m->dns_queries[EGRESS_ALLOWED] = observe_counts.dns_queries[0];
	m->dns_queries[EGRESS_DENIED] = observe_counts.dns_queries[1];
out:
	observe_unlock();
	return ret;
}

static int render(void *ctx, struct egress_prom *p)
{
	struct agent *a = ctx;
	struct egress_metrics m = {
		.version = EGRESSD_VERSION,
		.start_time_s = (double)a->started,
	};
	struct egress_metrics_map maps[MAX_MAPS];
	char names[MAX_MAPS][64];
	__u64 st[EGRESS_STAT__MAX] = {};
	struct snapshot s = {};
	struct dirent *de;
	DIR *d;
	int ret;

	ret = snapshot(a, &m, &s);
	if (ret)
		goto out;
	/* map walks, outside the lock */
	for (size_t i = 0; i < s.n; i++) {
		int n = egress_dp_bindings_count(a->dp, s.ids[i]);

		s.sbs[i].bindings = n > 0 ? n : 0;
		n = egress_dp_flows_count(a->dp, s.ids[i]);
		s.sbs[i].flows = n > 0 ? n : 0;
	}
	if (!egress_dp_stats(a->dp, st)) {
		m.events_emitted = st[EGRESS_STAT_EVENTS_EMITTED];
		m.events_suppressed = st[EGRESS_STAT_EVENTS_SUPPRESSED];
		m.events_lost = st[EGRESS_STAT_EVENTS_LOST];
		m.rst_sent = st[EGRESS_STAT_RST_SENT];
		m.flow_insert_failed = st[EGRESS_STAT_FLOW_INSERT_FAILED];
	}
	/* every pinned map whose fill can be counted */
	d = opendir(a->bpffs);
	while (d && (de = readdir(d)) && m.n_maps < MAX_MAPS) {
		__u32 n, max;

		if (strlen(de->d_name) >= sizeof(names[0]) ||
		    egress_dp_map_fill(a->dp, de->d_name, &n, &max))
			continue;
		strcpy(names[m.n_maps], de->d_name);
		maps[m.n_maps].name = names[m.n_maps];
		maps[m.n_maps].entries = n;
		maps[m.n_maps].max_entries = max;
		m.n_maps++;
	}
	if (d)
		closedir(d);
	m.maps = maps;
	if (audit_log) {
		struct egress_audit_stats as;

		egress_audit_get_stats(audit_log, &as);
		m.audit_bytes = as.disk_bytes;
		m.audit_segments = as.segments;
		m.audit_write_errors = as.write_errors;
	}
	if (observe_journal()) {
		struct egress_journal_stats js;

		egress_journal_get_stats(observe_journal(), &js);
		m.events_journal = js.sent;
		m.events_journal_dropped = js.dropped;
	}
	ret = egress_metrics_render(&m, p);
out:
	free(s.sbs);
	free(s.names);
	free(s.ids);
	return ret;
}

int metrics_start(struct agent *a)
{
	char err[256];
	int ret;

	if (egressd_metrics_off(a->cfg.metrics)) {
		fprintf(stderr, "egressd: metrics off\n");
		return 0;
	}
	ret = egress_metrics_serve(&server, a->cfg.metrics, render, a, err, sizeof(err));
	if (ret) {
		/* enforcement and the audit log matter more than the numbers */
		fprintf(stderr, "egressd: %s; serving no metrics\n", err);
		server = NULL;
		return ret;
	}
	fprintf(stderr, "egressd: metrics on http://%s/metrics\n", a->cfg.metrics);
	return 0;
}

void metrics_stop(void)
{
	egress_metrics_stop(server);
	server = NULL;
}
