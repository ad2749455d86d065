// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "errmsg.h"
#include "lib/name.h"

bool egress_addr_is_v4(const __u8 addr[16])
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(addr, mapped, sizeof(mapped));
}

int egress_addr_parse(const char *text, __u8 addr[16], char *err, size_t errlen)
{
	struct in_addr a4;

	if (strchr(text, ':')) {
		if (inet_pton(AF_INET6, text, addr) != 1)
			return egress_errf(err, errlen, -EINVAL, "'%s' is not a valid IPv6 address", text);
		return 0;
	}
	if (inet_pton(AF_INET, text, &a4) != 1)
		return egress_errf(err, errlen, -EINVAL, "'%s' is not a valid IPv4 address", text);
	memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	memcpy(addr + 12, &a4, 4);
	return 0;
}

static bool host_bits_set(const __u8 addr[16], unsigned int prefixlen)
{
	for (unsigned int bit = prefixlen; bit < 128; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return true;
	return false;
}

int egress_prefix_parse(const char *text, struct egress_lpm_key *key,
			char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	unsigned long len;
	bool v4;
	char *end;
	int ret;

	if (strlen(text) >= sizeof(buf))
		return egress_errf(err, errlen, -EINVAL, "'%s' is not a valid address or CIDR", text);
	strcpy(buf, text);
	if (slash)
		buf[slash - text] = '\0';
	ret = egress_addr_parse(buf, key->addr, err, errlen);
	if (ret && slash)
		return egress_errf(err, errlen, -EINVAL, "'%s' is not a valid address or CIDR", text);
	if (ret)
		return ret;
	v4 = egress_addr_is_v4(key->addr) && !strchr(buf, ':');
	if (!slash) {
		key->prefixlen = 128;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return egress_errf(err, errlen, -EINVAL, "'%s': the prefix length must be a number", text);
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end || len > (v4 ? 32UL : 128UL) ||
	    (slash[1] == '0' && slash[2] != '\0'))
		return egress_errf(err, errlen, -EINVAL, "'%s': the prefix length must be 0-%d",
			    text, v4 ? 32 : 128);
	key->prefixlen = v4 ? 96 + len : len;
	if (host_bits_set(key->addr, key->prefixlen)) {
		struct egress_lpm_key net = *key;
		char fix[INET6_ADDRSTRLEN + 8];

		for (unsigned int bit = net.prefixlen; bit < 128; bit++)
			net.addr[bit / 8] &= ~(0x80 >> (bit % 8));
		return egress_errf(err, errlen, -EINVAL, "'%s' has host bits set (did you mean %s?)",
			    text, egress_prefix_str(&net, fix, sizeof(fix)));
	}
	return 0;
}

const char *egress_addr_str(const __u8 addr[16], char *buf, size_t len)
{
	if (egress_addr_is_v4(addr))
		inet_ntop(AF_INET, addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
	return buf;
}

const char *egress_endpoint_str(const __u8 addr[16], int port, char *buf,
				size_t len)
{
	char a[INET6_ADDRSTRLEN];
	bool v4 = egress_addr_is_v4(addr);

	egress_addr_str(addr, a, sizeof(a));
	if (port < 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, v4 ? "%s:%d" : "[%s]:%d", a, port);
	return buf;
}

const char *egress_prefix_str(const struct egress_lpm_key *key, char *buf,
			      size_t len)
{
	char a[INET6_ADDRSTRLEN];
	bool v4 = egress_addr_is_v4(key->addr) && key->prefixlen >= 96;
	unsigned int plen = v4 ? key->prefixlen - 96 : key->prefixlen;

	if (v4)
		inet_ntop(AF_INET, key->addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, key->addr, a, sizeof(a));
	if (plen == (v4 ? 32U : 128U))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, plen);
	return buf;
}

static bool looks_like_address(const char *s)
{
	const char *slash = strchr(s, '/');

	if (strchr(s, ':'))
		return true;
	/* digits and dots, then maybe a prefix: meant as IPv4 */
	return strspn(s, "0123456789.") == (slash ? (size_t)(slash - s) : strlen(s));
}

int egress_rule_parse(const char *text, __u8 action, struct egress_rule *r,
		      char *err, size_t errlen)
{
	char canon[EG_NAME_MAX + 1];
	size_t len = strlen(text);
	int ret, n;

	memset(r, 0, sizeof(*r));
	r->action = action;
	if (len == 0)
		return egress_errf(err, errlen, -EINVAL, "empty rule");

	if (looks_like_address(text)) {
		ret = egress_prefix_parse(text, &r->prefix, err, errlen);
		if (ret)
			return ret;
		r->kind = EGRESS_RULE_IP;
		egress_prefix_str(&r->prefix, r->pattern, sizeof(r->pattern));
		return 0;
	}
	if (!strcmp(text, "*")) {
		r->kind = EGRESS_RULE_ANY_NAME;
		strcpy(r->pattern, "*");
		return 0;
	}
	if (!strncmp(text, "*.", 2)) {
		n = name_canon(text + 2, len - 2, canon);
		if (n < 0)
			return egress_errf(err, errlen, -EINVAL,
				    "'%s' is not a valid wildcard: '*.' must be followed by a valid host name",
				    text);
		r->kind = EGRESS_RULE_WILDCARD;
		memcpy(r->pattern, "*.", 2);
		memcpy(r->pattern + 2, canon, n + 1);
		return 0;
	}
	if (strchr(text, '*'))
		return egress_errf(err, errlen, -EINVAL,
			    "'%s': '*' may only stand alone or as the first label ('*.example.com')",
			    text);
	n = name_canon(text, len, canon);
	if (n < 0)
		return egress_errf(err, errlen, -EINVAL,
			    "'%s' is not a valid host name (letters, digits, '-', '_'; labels of 1-63, at most 253 bytes)",
			    text);
	r->kind = EGRESS_RULE_NAME;
	memcpy(r->pattern, canon, n + 1);
	return 0;
}
