/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The built DNS messages the tests share: queries for every status and
 * field of eg_dns_query_parse(), answers for every status, cap and
 * compression rule of eg_dns_answer_parse(). Each comes with the status
 * and the canonical question name its parser must give; the unit tests
 * check the rest of each by name, the BPF test runs them all through the
 * kernel as well.
 */
#ifndef EGRESS_TEST_DNS_CASES_H
#define EGRESS_TEST_DNS_CASES_H

#include <stddef.h>

#include "dns_build.h"

enum dns_case_kind {
	DNS_CASE_QUERY,
	DNS_CASE_ANSWER,
};

struct dns_case {
	const char *name;
	enum dns_case_kind kind;
	void (*build)(struct dmsg *m);
	int status;		/* enum eg_dns_status */
	const char *qname;	/* canonical question name the parser gives ("" on failure) */
};

extern const struct dns_case dns_cases[];
extern const size_t dns_n_cases;

/* The case of that name (aborts when there is none), built into m. */
const struct dns_case *dns_case(const char *name, struct dmsg *m);

#endif /* EGRESS_TEST_DNS_CASES_H */
