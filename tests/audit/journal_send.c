// SPDX-License-Identifier: GPL-2.0-only
/*
 * journal-send SANDBOX N [QUEUE]: sends N audit events of SANDBOX to
 * journald through the queue of lib/journal.h, the way egressd does, and
 * prints "sent S dropped D errors E". Event i is, by i % 4: 0, 1 denied
 * (TLS to h<i>.example.com, 198.18.1.<i>:443, deny-rule by rule
 * "h<i>.example.com" id 100+i); 2 allowed (DNS query for the same name,
 * allow-rule "*.example.com" id 7); 3 allowed in warn mode but would be
 * denied (HTTP, default rule). Generation 40+i, count 1+i%3.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "journal.h"

static void v4(__u8 out[16], const char *text)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	inet_pton(AF_INET, text, out + 12);
}

int main(int argc, char **argv)
{
	struct egress_journal_stats st;
	struct egress_journal *j;
	unsigned int n, queue;
	struct timespec ts;
	char rule[64], addr[32];

	if (argc < 3) {
		fprintf(stderr, "usage: journal-send SANDBOX N [QUEUE]\n");
		return 2;
	}
	n = (unsigned int)strtoul(argv[2], NULL, 10);
	queue = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 10) : 0;
	if (egress_journal_open(&j, queue)) {
		fprintf(stderr, "journal-send: cannot start the journal queue\n");
		return 1;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct egress_event e = { 0 };
		const char *r = NULL;

		clock_gettime(CLOCK_BOOTTIME, &ts);
		e.ts_boot_ns = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
		e.sandbox_id = 1;
		e.generation = 40 + i;
		e.count = 1 + i % 3;
		e.family = 4;
		e.sport = (__u16)(40000 + i);
		snprintf(addr, sizeof(addr), "198.18.1.%u", i % 250);
		v4(e.saddr, "198.18.0.2");
		v4(e.daddr, addr);
		e.host_len = (__u16)snprintf(e.host, sizeof(e.host), "h%u.example.com", i);
		switch (i % 4) {
		case 0:
		case 1:
			e.verdict = EGRESS_DENIED;
			e.mode = EGRESS_MODE_DENY;
			e.proto = EGRESS_PROTO_TLS;
			e.l4proto = 6;
			e.dport = 443;
			e.reason = EGRESS_REASON_DENY_RULE;
			e.scope = EGRESS_SCOPE_SANDBOX;
			e.rule_id = 100 + i;
			snprintf(rule, sizeof(rule), "h%u.example.com", i);
			r = rule;
			break;
		case 2:
			e.verdict = EGRESS_ALLOWED;
			e.mode = EGRESS_MODE_DENY;
			e.proto = EGRESS_PROTO_DNS;
			e.l4proto = 17;
			e.dport = 53;
			e.reason = EGRESS_REASON_ALLOW_RULE;
			e.scope = EGRESS_SCOPE_GLOBAL;
			e.rule_id = 7;
			r = "*.example.com";
			break;
		default:
			e.verdict = EGRESS_ALLOWED;
			e.flags = EGRESS_EV_F_WOULD_DENY;
			e.mode = EGRESS_MODE_WARN;
			e.proto = EGRESS_PROTO_HTTP;
			e.l4proto = 6;
			e.dport = 80;
			e.reason = EGRESS_REASON_NOT_ALLOWLISTED;
			break;
		}
		egress_journal_submit(j, &e, argv[1], r);
	}
	egress_journal_drain(j);
	egress_journal_get_stats(j, &st);
	egress_journal_close(j);
	printf("sent %llu dropped %llu errors %llu\n", (unsigned long long)st.sent,
	       (unsigned long long)st.dropped, (unsigned long long)st.errors);
	return st.errors ? 1 : 0;
}
