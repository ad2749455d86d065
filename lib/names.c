// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

static const char *const mode_names[EGRESS_MODE__MAX] = {
	[EGRESS_MODE_ALLOW_ALL] = "allow-all",
	[EGRESS_MODE_WARN] = "warn",
	[EGRESS_MODE_DENY] = "deny",
	[EGRESS_MODE_DENY_ALL] = "deny-all",
};

static const char *const reason_names[EGRESS_REASON__MAX] = {
	[EGRESS_REASON_ALLOW_RULE] = "allow-rule",
	[EGRESS_REASON_MODE_ALLOW] = "allow-all",
	[EGRESS_REASON_ICMP] = "icmp-allowed",
	[EGRESS_REASON_INBOUND] = "inbound",
	[EGRESS_REASON_NOT_ALLOWLISTED] = "not-allowlisted",
	[EGRESS_REASON_DENY_RULE] = "deny-rule",
	[EGRESS_REASON_DENY_ALL] = "deny-all",
	[EGRESS_REASON_FRAGMENT] = "fragment",
	[EGRESS_REASON_PARSE_FAILURE] = "parse-failure",
	[EGRESS_REASON_SPOOFED_SOURCE] = "spoofed-source",
	[EGRESS_REASON_VLAN] = "vlan",
	[EGRESS_REASON_ETHERTYPE] = "ethertype",
	[EGRESS_REASON_SOURCE_ROUTE] = "source-route",
	[EGRESS_REASON_IP_OPTIONS] = "ip-options",
	[EGRESS_REASON_FLOW_TABLE_FULL] = "flow-table-full",
	[EGRESS_REASON_UNBOUND_ADDRESS] = "unbound-address",
	[EGRESS_REASON_INVALID_NAME] = "invalid-name",
	[EGRESS_REASON_HELLO_TOO_LARGE] = "hello-too-large",
	[EGRESS_REASON_QUIC_BLOCKED] = "quic-blocked",
	[EGRESS_REASON_DOT_BLOCKED] = "dot-blocked",
	[EGRESS_REASON_NO_NAME] = "no-name",
	[EGRESS_REASON_REWRITE] = "rewrite",
	[EGRESS_REASON_HELLO_TABLE_FULL] = "hello-table-full",
};

static const char *const scope_names[EGRESS_SCOPE__MAX] = {
	[EGRESS_SCOPE_NONE] = "default",
	[EGRESS_SCOPE_ALWAYS] = "always",
	[EGRESS_SCOPE_GLOBAL] = "global",
	[EGRESS_SCOPE_SANDBOX] = "sandbox",
};

static const char *const proto_names[EGRESS_PROTO__MAX] = {
	[EGRESS_PROTO_TCP] = "tcp",
	[EGRESS_PROTO_UDP] = "udp",
	[EGRESS_PROTO_ICMP] = "icmp",
	[EGRESS_PROTO_TLS] = "tls",
	[EGRESS_PROTO_HTTP] = "http",
	[EGRESS_PROTO_DNS] = "dns",
	[EGRESS_PROTO_QUIC] = "quic",
	[EGRESS_PROTO_DOT] = "dot",
	[EGRESS_PROTO_ARP] = "arp",
	[EGRESS_PROTO_L2] = "ethernet",
};

#define NAME_OR_UNKNOWN(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "unknown")

const char *egress_mode_name(unsigned int mode)
{
	return NAME_OR_UNKNOWN(mode_names, mode);
}

int egress_mode_parse(const char *s, __u8 *mode)
{
	if (!strcmp(s, "enforce")) {
		*mode = EGRESS_MODE_DENY;
		return 0;
	}
	for (unsigned int i = 0; i < EGRESS_MODE__MAX; i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *egress_verdict_name(unsigned int verdict)
{
	return verdict == EGRESS_ALLOWED ? "ALLOWED" : "DENIED";
}

const char *egress_reason_name(unsigned int reason)
{
	return NAME_OR_UNKNOWN(reason_names, reason);
}

const char *egress_scope_name(unsigned int scope)
{
	return NAME_OR_UNKNOWN(scope_names, scope);
}

const char *egress_proto_name(unsigned int proto, unsigned int l4proto,
			      unsigned int family, char *buf, size_t len)
{
	if (proto == EGRESS_PROTO_ICMP && family == 6)
		return "icmpv6";
	if (proto != EGRESS_PROTO_OTHER)
		return NAME_OR_UNKNOWN(proto_names, proto);
	switch (l4proto) {
	case 4:
		return "ipip";
	case 41:
		return "ipv6";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 132:
		return "sctp";
	default:
		snprintf(buf, len, "ip-%u", l4proto);
		return buf;
	}
}
