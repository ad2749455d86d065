// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

const char *egress_event_text(const struct egress_event *e, char *buf, size_t len)
{
	struct timespec ts = egress_event_realtime(e);
	char when[40], zone[8], host[EGRESS_HOST_MAX + 64];
	struct tm tm;

	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* +hhmm -> +hh:mm */
	snprintf(buf, len, "%s%.3s:%.2s  %-8s %s  (mode: %s)", when, zone,
		 zone + 3, egress_verdict_name(e->verdict),
		 egress_event_host(e, host, sizeof(host)),
		 egress_mode_name(e->mode));
	return buf;
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
