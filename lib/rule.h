/* SPDX-License-Identifier: GPL-2.0-only */
/* One policy rule: what a user writes, checked and put in canonical form. */
#ifndef EGRESS_RULE_H
#define EGRESS_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <egress/abi.h>

enum egress_rule_kind {
	EGRESS_RULE_NAME = 0,	/* api.github.com */
	EGRESS_RULE_WILDCARD,	/* *.example.com: below it, never the apex */
	EGRESS_RULE_ANY_NAME,	/* *: every name, never a bare address */
	EGRESS_RULE_IP,		/* an address or CIDR */
};

#define EGRESS_PATTERN_MAX (EGRESS_HOST_MAX + 8)

struct egress_rule {
	__u32 id;
	__u8  action;		/* enum egress_action */
	__u8  kind;		/* enum egress_rule_kind */
	char  pattern[EGRESS_PATTERN_MAX];	/* canonical text */
	struct egress_lpm_key prefix;		/* EGRESS_RULE_IP */
};

/*
 * Parses one rule. On bad input returns -EINVAL and writes one sentence
 * saying what is wrong into err.
 */
int egress_rule_parse(const char *text, __u8 action, struct egress_rule *r,
		      char *err, size_t errlen);

/*
 * Parses an address ("198.18.0.1", "fd00::1") or a CIDR ("198.18.0.0/15")
 * into an LPM key (IPv4 as IPv4-mapped, prefix + 96). A CIDR with host bits
 * set is refused: it is almost always a typo.
 */
int egress_prefix_parse(const char *text, struct egress_lpm_key *key,
			char *err, size_t errlen);
/* Parses a single address (no prefix) into 16 bytes. */
int egress_addr_parse(const char *text, __u8 addr[16], char *err, size_t errlen);

/* "198.18.0.1" or "fd00::1" (IPv4-mapped addresses print as IPv4). */
const char *egress_addr_str(const __u8 addr[16], char *buf, size_t len);
/* "198.18.0.1:443" or "[fd00::1]:443"; no port when port < 0. */
const char *egress_endpoint_str(const __u8 addr[16], int port, char *buf,
				size_t len);
/* The canonical text of a prefix: no /32 or /128 for a single address. */
const char *egress_prefix_str(const struct egress_lpm_key *key, char *buf,
			      size_t len);
bool egress_addr_is_v4(const __u8 addr[16]);

#endif /* EGRESS_RULE_H */
