/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The map value verifier_check.bpf.c works in, shared with the test that
 * reads it back: the message copied from the frame, the parsers' outputs,
 * and what the program did.
 */
#ifndef EGRESS_TEST_DNS_CHECK_H
#define EGRESS_TEST_DNS_CHECK_H

#include "lib/dns.h"

struct dns_check {
	__u8  msg[EG_DNS_ANSWER_BUF];	/* the UDP payload; the NXDOMAIN after dns_query */
	char  qname[EG_DNS_NAME_BUF];
	char  chain[EG_DNS_MAX_CHAIN][EG_DNS_NAME_BUF];
	struct eg_dns_query q;
	struct eg_dns_answer a;
	__s32 status;
	__u32 in_len;			/* of the UDP payload */
	__u32 out_len;			/* of the NXDOMAIN, 0: none */
	__u32 runs;			/* runs that reached the parser */
};

#endif /* EGRESS_TEST_DNS_CHECK_H */
