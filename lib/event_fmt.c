// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auditlog.h"
#include "event_fmt.h"
#include "names.h"
#include "rule.h"

const char *egress_event_host(const struct egress_event *e, char *buf, size_t len)
{
	size_t n = e->host_len;

	if (n) {
		if (n >= sizeof(e->host))
			n = sizeof(e->host) - 1;
		if (n >= len)
			n = len - 1;
		memcpy(buf, e->host, n);
		buf[n] = '\0';
		return buf;
	}
	if (!e->family)
		return snprintf(buf, len, "-"), buf;
	return egress_addr_str(e->daddr, buf, len);
}

struct timespec egress_event_realtime(const struct egress_event *e)
{
	struct timespec boot, real, out;
	long long delta;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	delta = (long long)(real.tv_sec - boot.tv_sec) * 1000000000LL +
		(real.tv_nsec - boot.tv_nsec);
	delta += (long long)e->ts_boot_ns;
	out.tv_sec = delta / 1000000000LL;
	out.tv_nsec = delta % 1000000000LL;
	return out;
}

const char *egress_rfc3339(uint64_t realtime_ns, int frac, char *buf, size_t len)
{
	time_t sec = (time_t)(realtime_ns / 1000000000ULL);
	unsigned long nsec = (unsigned long)(realtime_ns % 1000000000ULL);
	char when[40], zone[8], fr[16] = "";
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* +hhmm -> +hh:mm */
	if (frac > 0) {
		if (frac > 9)
			frac = 9;
		snprintf(fr, sizeof(fr), ".%09lu", nsec);
		fr[1 + frac] = '\0';
	}
	snprintf(buf, len, "%s%s%.3s:%.2s", when, fr, zone, zone + 3);
	return buf;
}

const char *egress_audit_line(char *buf, size_t len, const char *when, const char *word,
			      const char *what, const char *mode)
{
	if (mode)
		snprintf(buf, len, "%s  %-8s %s  (mode: %s)", when, word, what, mode);
	else
		snprintf(buf, len, "%s  %-8s %s", when, word, what);
	return buf;
}

const char *egress_event_text_at(const struct egress_event *e, uint64_t realtime_ns,
				 char *buf, size_t len)
{
	char when[48], host[EGRESS_HOST_MAX + 64];

	return egress_audit_line(buf, len, egress_rfc3339(realtime_ns, 0, when, sizeof(when)),
				 egress_verdict_name(e->verdict),
				 egress_event_host(e, host, sizeof(host)),
				 egress_mode_name(e->mode));
}

const char *egress_event_text(const struct egress_event *e, char *buf, size_t len)
{
	struct timespec ts = egress_event_realtime(e);

	return egress_event_text_at(e, (uint64_t)ts.tv_sec * 1000000000ULL +
				       (uint64_t)ts.tv_nsec, buf, len);
}

static bool has_ports(const struct egress_event *e)
{
	return e->l4proto == 6 || e->l4proto == 17 || e->l4proto == 132;
}

int egress_event_json(const struct egress_event *e, const char *rule, cJSON *obj)
{
	char host[EGRESS_HOST_MAX + 64], src[64], dst[64], proto[16];
	bool ports = has_ports(e);

	egress_event_host(e, host, sizeof(host));
	if (e->family) {
		egress_endpoint_str(e->saddr, ports ? e->sport : -1, src, sizeof(src));
		egress_endpoint_str(e->daddr, ports ? e->dport : -1, dst, sizeof(dst));
	} else {
		strcpy(src, "-");
		strcpy(dst, "-");
	}
	if (!cJSON_AddStringToObject(obj, "verdict", egress_verdict_name(e->verdict)) ||
	    !cJSON_AddBoolToObject(obj, "would_deny",
				   e->verdict == EGRESS_DENIED ||
				   (e->flags & EGRESS_EV_F_WOULD_DENY)) ||
	    !cJSON_AddStringToObject(obj, "mode", egress_mode_name(e->mode)) ||
	    !cJSON_AddStringToObject(obj, "host", host) ||
	    !cJSON_AddStringToObject(obj, "proto",
				     egress_proto_name(e->proto, e->l4proto, e->family,
						       proto, sizeof(proto))) ||
	    !cJSON_AddStringToObject(obj, "src", src) ||
	    !cJSON_AddStringToObject(obj, "dst", dst) ||
	    !cJSON_AddStringToObject(obj, "rule", rule ? rule : "default") ||
	    !cJSON_AddStringToObject(obj, "reason", egress_reason_name(e->reason)) ||
	    !cJSON_AddNumberToObject(obj, "generation", e->generation) ||
	    !cJSON_AddNumberToObject(obj, "rule_id", e->rule_id) ||
	    !cJSON_AddStringToObject(obj, "scope", egress_scope_name(e->scope)) ||
	    !cJSON_AddNumberToObject(obj, "count", e->count))
		return -ENOMEM;
	return 0;
}

int egress_audit_event_json(const struct egress_event *e, uint64_t realtime_ns,
			    const char *sandbox, const char *rule, cJSON *obj)
{
	char when[48];

	if (!cJSON_AddStringToObject(obj, "time",
				     egress_rfc3339(realtime_ns, 3, when, sizeof(when))) ||
	    !cJSON_AddStringToObject(obj, "sandbox", sandbox ? sandbox : ""))
		return -ENOMEM;
	return egress_event_json(e, rule, obj);
}

const char *egress_audit_record_text(const struct egress_audit_record *r, char *buf,
				     size_t len)
{
	char when[48];

	switch (r->kind) {
	case EGRESS_AUDIT_EVENT:
		return egress_event_text_at(&r->ev, r->time_ns, buf, len);
	case EGRESS_AUDIT_LOST: {
		char what[64];

		snprintf(what, sizeof(what), "%llu event%s  (ring buffer full)",
			 (unsigned long long)r->lost, r->lost == 1 ? "" : "s");
		return egress_audit_line(buf, len,
					 egress_rfc3339(r->time_ns, 0, when, sizeof(when)),
					 "LOST", what, NULL);
	}
	default:
		return egress_audit_line(buf, len,
					 egress_rfc3339(r->time_ns, 0, when, sizeof(when)),
					 "NOTICE", r->text, NULL);
	}
}

int egress_audit_record_json(const struct egress_audit_record *r, cJSON *obj)
{
	char when[48];

	switch (r->kind) {
	case EGRESS_AUDIT_EVENT:
		return egress_audit_event_json(&r->ev, r->time_ns, r->sandbox,
					       r->rule[0] ? r->rule : NULL, obj);
	case EGRESS_AUDIT_LOST:
		if (!cJSON_AddStringToObject(obj, "time",
					     egress_rfc3339(r->time_ns, 3, when, sizeof(when))) ||
		    !cJSON_AddNumberToObject(obj, "lost", (double)r->lost))
			return -ENOMEM;
		return 0;
	default:
		if (!cJSON_AddStringToObject(obj, "time",
					     egress_rfc3339(r->time_ns, 3, when, sizeof(when))) ||
		    !cJSON_AddStringToObject(obj, "notice", r->text))
			return -ENOMEM;
		return 0;
	}
}
