/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the DNS unit tests: the parsers run on a heap copy of exactly
 * the message's bytes (AddressSanitizer then sees any read past its end),
 * status names for messages, and what an answer parse gives, as one
 * comparable value.
 */
#ifndef EGRESS_TEST_DNS_TEST_H
#define EGRESS_TEST_DNS_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/dns.h"

const char *dns_status_name(int status);

int dt_query(const uint8_t *msg, size_t len, struct eg_dns_query *q,
	     char name[EG_DNS_NAME_BUF]);

struct dt_answer {
	struct eg_dns_answer a;
	char qname[EG_DNS_NAME_BUF];
	char chain[EG_DNS_MAX_CHAIN][EG_DNS_NAME_BUF];
};

int dt_answer(const uint8_t *msg, size_t len, struct dt_answer *out);

/* A text form of an address the parser reported: "192.0.2.1", "2001:db8::1". */
const char *dt_addr(const struct eg_dns_addr *ad, char *buf, size_t len);

#endif /* EGRESS_TEST_DNS_TEST_H */
