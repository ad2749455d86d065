/* SPDX-License-Identifier: GPL-2.0-only */
/* The words for the ABI's enums, as users see them (CLI, JSON, audit). */
#ifndef EGRESS_NAMES_H
#define EGRESS_NAMES_H

#include <egress/abi.h>

const char *egress_mode_name(unsigned int mode);
/* Parses a mode ("enforce" is an alias of "deny"); 0 or -EINVAL. */
int egress_mode_parse(const char *s, __u8 *mode);
const char *egress_verdict_name(unsigned int verdict);
const char *egress_reason_name(unsigned int reason);
const char *egress_scope_name(unsigned int scope);
/* The protocol word of an event: "tls", "tcp", "gre", "ip-253", ... */
const char *egress_proto_name(unsigned int proto, unsigned int l4proto,
			      unsigned int family, char *buf, size_t len);

#endif /* EGRESS_NAMES_H */
