// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "errmsg.h"
#include "metrics.h"
#include "names.h"

#define L(...) ((const char *[]){ __VA_ARGS__, NULL })

static const char *verdict_label(int v)
{
	return v == EGRESS_DENIED ? "denied" : "allowed";
}

static const char *proto_label(int proto)
{
	char buf[16];

	/* the enum's own words; anything past TCP/UDP is "other" */
	return proto == EGRESS_PROTO_OTHER ? "other" :
	       egress_proto_name(proto, 0, 4, buf, sizeof(buf));
}

static void render_sandboxes(const struct egress_metrics *m, struct egress_prom *p)
{
	const struct egress_metrics_sandbox *sb;

	egress_prom_family(p, "egress_sandboxes", EGRESS_PROM_GAUGE,
			   "Sandboxes registered.");
	egress_prom_sample_u64(p, NULL, m->n_sandboxes);

	egress_prom_family(p, "egress_decisions_total", EGRESS_PROM_COUNTER,
			   "Decisions (new flows, DNS queries, undecidable packets), "
			   "by sandbox, verdict and protocol.");
	for (size_t i = 0; i < m->n_sandboxes; i++) {
		sb = &m->sandboxes[i];
		for (int v = 0; v < 2; v++)
			for (int pr = 0; pr < EGRESS_PROTO__MAX; pr++) {
				if (!sb->decisions[v][pr])
					continue;
				egress_prom_sample_u64(p, L("sandbox", sb->name,
							    "verdict", verdict_label(v),
							    "proto", proto_label(pr)),
						       sb->decisions[v][pr]);
			}
	}
	egress_prom_family(p, "egress_would_deny_total", EGRESS_PROM_COUNTER,
			   "Decisions allowed in warn mode that deny mode would deny, "
			   "by sandbox.");
	for (size_t i = 0; i < m->n_sandboxes; i++)
		egress_prom_sample_u64(p, L("sandbox", m->sandboxes[i].name),
				       m->sandboxes[i].would_deny);

	egress_prom_family(p, "egress_sandbox_mode", EGRESS_PROM_GAUGE,
			   "The mode of each sandbox (1 for the mode it is in).");
	for (size_t i = 0; i < m->n_sandboxes; i++) {
		sb = &m->sandboxes[i];
		for (unsigned int mo = 0; mo < EGRESS_MODE__MAX; mo++)
			egress_prom_sample_u64(p, L("sandbox", sb->name,
						    "mode", egress_mode_name(mo)),
					       sb->mode && !strcmp(sb->mode,
								   egress_mode_name(mo)));
	}
	egress_prom_family(p, "egress_dns_bindings", EGRESS_PROM_GAUGE,
			   "DNS bindings (a name's resolved address) held, by sandbox.");
	for (size_t i = 0; i < m->n_sandboxes; i++)
		egress_prom_sample_u64(p, L("sandbox", m->sandboxes[i].name),
				       m->sandboxes[i].bindings);
	egress_prom_family(p, "egress_flows", EGRESS_PROM_GAUGE,
			   "Flows in each sandbox's flow table.");
	for (size_t i = 0; i < m->n_sandboxes; i++)
		egress_prom_sample_u64(p, L("sandbox", m->sandboxes[i].name),
				       m->sandboxes[i].flows);
}

int egress_metrics_render(const struct egress_metrics *m, struct egress_prom *p)
{
	egress_prom_family(p, "egress_build_info", EGRESS_PROM_GAUGE,
			   "Build of egressd (always 1).");
	egress_prom_sample(p, m->commit ? L("version", m->version ? m->version : "",
					    "commit", m->commit)
					: L("version", m->version ? m->version : ""), 1);
	egress_prom_family(p, "egress_start_time_seconds", EGRESS_PROM_GAUGE,
			   "When egressd started, in seconds since the epoch.");
	egress_prom_sample(p, NULL, m->start_time_s);

	render_sandboxes(m, p);

	egress_prom_family(p, "egress_dns_queries_total", EGRESS_PROM_COUNTER,
			   "DNS queries decided, by verdict.");
	for (int v = 0; v < 2; v++)
		egress_prom_sample_u64(p, L("verdict", verdict_label(v)), m->dns_queries[v]);

	egress_prom_family(p, "egress_events_emitted_total", EGRESS_PROM_COUNTER,
			   "Audit events the data path put into the ring buffer.");
	egress_prom_sample_u64(p, NULL, m->events_emitted);
	egress_prom_family(p, "egress_events_suppressed_total", EGRESS_PROM_COUNTER,
			   "Repeated events collapsed into a later event's count.");
	egress_prom_sample_u64(p, NULL, m->events_suppressed);
	egress_prom_family(p, "egress_events_lost_total", EGRESS_PROM_COUNTER,
			   "Audit events lost because the ring buffer was full.");
	egress_prom_sample_u64(p, NULL, m->events_lost);
	egress_prom_family(p, "egress_events_received_total", EGRESS_PROM_COUNTER,
			   "Audit events egressd took from the ring buffer.");
	egress_prom_sample_u64(p, NULL, m->events_received);
	egress_prom_family(p, "egress_events_written_total", EGRESS_PROM_COUNTER,
			   "Audit events appended to the audit log.");
	egress_prom_sample_u64(p, NULL, m->events_written);
	egress_prom_family(p, "egress_events_journal_total", EGRESS_PROM_COUNTER,
			   "Audit events forwarded to journald.");
	egress_prom_sample_u64(p, NULL, m->events_journal);
	egress_prom_family(p, "egress_events_journal_dropped_total", EGRESS_PROM_COUNTER,
			   "Audit events not forwarded to journald (its queue was full); "
			   "the audit log has them.");
	egress_prom_sample_u64(p, NULL, m->events_journal_dropped);
	egress_prom_family(p, "egress_audit_write_errors_total", EGRESS_PROM_COUNTER,
			   "Failed writes to the audit log.");
	egress_prom_sample_u64(p, NULL, m->audit_write_errors);
	egress_prom_family(p, "egress_audit_log_bytes", EGRESS_PROM_GAUGE,
			   "Size of the audit log on disk.");
	egress_prom_sample_u64(p, NULL, m->audit_bytes);
	egress_prom_family(p, "egress_audit_log_segments", EGRESS_PROM_GAUGE,
			   "Segments of the audit log on disk.");
	egress_prom_sample_u64(p, NULL, m->audit_segments);
	egress_prom_family(p, "egress_ringbuf_drains_total", EGRESS_PROM_COUNTER,
			   "Times egressd drained the event ring buffer.");
	egress_prom_sample_u64(p, NULL, m->ringbuf_drains);

	egress_prom_family(p, "egress_rules", EGRESS_PROM_GAUGE,
			   "Rules in force, by scope.");
	for (int s = EGRESS_SCOPE_ALWAYS; s < EGRESS_SCOPE__MAX; s++)
		egress_prom_sample_u64(p, L("scope", egress_scope_name(s)), m->rules[s]);

	egress_prom_family(p, "egress_map_entries", EGRESS_PROM_GAUGE,
			   "Entries in each BPF map.");
	for (size_t i = 0; i < m->n_maps; i++)
		egress_prom_sample_u64(p, L("map", m->maps[i].name), m->maps[i].entries);
	egress_prom_family(p, "egress_map_max_entries", EGRESS_PROM_GAUGE,
			   "Capacity of each BPF map.");
	for (size_t i = 0; i < m->n_maps; i++)
		egress_prom_sample_u64(p, L("map", m->maps[i].name), m->maps[i].max_entries);
	egress_prom_family(p, "egress_map_fill_ratio", EGRESS_PROM_GAUGE,
			   "Entries over capacity of each BPF map (0 to 1).");
	for (size_t i = 0; i < m->n_maps; i++)
		egress_prom_sample(p, L("map", m->maps[i].name),
				   m->maps[i].max_entries ?
				   (double)m->maps[i].entries / (double)m->maps[i].max_entries : 0);

	egress_prom_family(p, "egress_tcp_resets_sent_total", EGRESS_PROM_COUNTER,
			   "TCP resets sent to guests for denied flows.");
	egress_prom_sample_u64(p, NULL, m->rst_sent);
	egress_prom_family(p, "egress_flow_insert_failures_total", EGRESS_PROM_COUNTER,
			   "Flows that could not be added to a flow table.");
	egress_prom_sample_u64(p, NULL, m->flow_insert_failed);
	return egress_prom_error(p);
}

/* ---- HTTP ----------------------------------------------------------------------- */

struct egress_metrics_server {
	struct MHD_Daemon *d;
	egress_metrics_render_fn fn;
	void *ctx;
	int port;
};

int egress_metrics_parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(s, ':');
	if (!colon)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -EINVAL;
		h = s + 1;
		hl -= 2;
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		return -EINVAL;
	if (s[0] != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *body, size_t len, int copy, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    copy ? MHD_RESPMEM_MUST_COPY :
						   MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **con_cls)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct egress_metrics_server *s = cls;
	struct egress_prom p;
	char *body;
	size_t len;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", 19, 1,
			     text);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "not found\n", 10, 1, text);

	egress_prom_init(&p);
	if (s->fn(s->ctx, &p) || egress_prom_error(&p)) {
		egress_prom_free(&p);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "cannot collect the metrics\n", 27, 1, text);
	}
	/* the response takes the buffer */
	len = p.len;
	body = p.buf ? p.buf : strdup("");
	p.buf = NULL;
	egress_prom_free(&p);
	if (!body)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, body, len, 0, EGRESS_PROM_CONTENT_TYPE);
}

int egress_metrics_serve(struct egress_metrics_server **out, const char *addr,
			 egress_metrics_render_fn fn, void *ctx, char *err,
			 size_t errlen)
{
	struct egress_metrics_server *s;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;

	if (egress_metrics_parse_addr(addr, &ss))
		return egress_errf(err, errlen, -EINVAL,
				   "invalid metrics address '%s' (want ADDR:PORT)", addr);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->ctx = ctx;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_END);
	if (!s->d) {
		free(s);
		return egress_errf(err, errlen, -EADDRNOTAVAIL,
				   "cannot serve metrics on %s", addr);
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return 0;
}

int egress_metrics_port(const struct egress_metrics_server *s)
{
	return s->port;
}

void egress_metrics_stop(struct egress_metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
