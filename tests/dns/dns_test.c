// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_test.h"

const char *dns_status_name(int status)
{
	static const char *const names[] = {
		[EG_DNS_OK] = "OK",
		[EG_DNS_MALFORMED] = "MALFORMED",
		[EG_DNS_NOT_QUERY] = "NOT_QUERY",
		[EG_DNS_BAD_COUNTS] = "BAD_COUNTS",
		[EG_DNS_COMPRESSED] = "COMPRESSED",
		[EG_DNS_BAD_NAME] = "BAD_NAME",
		[EG_DNS_BAD_EDNS] = "BAD_EDNS",
		[EG_DNS_TOO_LARGE] = "TOO_LARGE",
		[EG_DNS_NOT_RESPONSE] = "NOT_RESPONSE",
	};

	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[status];
}

static uint8_t *copy(const uint8_t *msg, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (!p)
		abort();
	if (len)
		memcpy(p, msg, len);
	return p;
}

int dt_query(const uint8_t *msg, size_t len, struct eg_dns_query *q,
	     char name[EG_DNS_NAME_BUF])
{
	uint8_t *p = copy(msg, len);
	int ret = eg_dns_query_parse(p, (__u32)len, q, name);

	free(p);
	return ret;
}

int dt_answer(const uint8_t *msg, size_t len, struct dt_answer *out)
{
	uint8_t *p = copy(msg, len);
	int ret = eg_dns_answer_parse(p, (__u32)len, &out->a, out->qname, out->chain);

	free(p);
	return ret;
}

const char *dt_addr(const struct eg_dns_addr *ad, char *buf, size_t len)
{
	if (ad->family == 4)
		snprintf(buf, len, "%u.%u.%u.%u", ad->addr[12], ad->addr[13], ad->addr[14],
			 ad->addr[15]);
	else
		inet_ntop(AF_INET6, ad->addr, buf, (socklen_t)len);
	return buf;
}
