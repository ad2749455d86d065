/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol between egressctl (or any client) and egressd: what
 * both sides must agree on. The requests and replies are described in
 * docs/protocol.md.
 */
#ifndef EGRESS_CTL_H
#define EGRESS_CTL_H

#include <stdbool.h>
#include <string.h>

#define EGRESS_CTL_VERSION		1
#define EGRESS_CTL_SOCKET		"/run/egressd/egressd.sock"
#define EGRESS_CTL_GROUP		"egressd"
/* One request line, newline included; a longer one is refused. */
#define EGRESS_CTL_REQUEST_MAX		(64u << 20)
/* A client that has not sent a whole request by then is disconnected. */
#define EGRESS_CTL_REQUEST_TIMEOUT_MS	10000

#define EGRESS_STATE_DIR		"/var/lib/egressd"
#define EGRESS_CONFIG_FILE		"/etc/egressd/egressd.json"
#define EGRESS_ALWAYS_FILE		"/etc/egressd/always.json"
#define EGRESS_METRICS_ADDR		"127.0.0.1:9469"

/*
 * sandbox.add's "xdp_mode" (and egressd.json's): how the program deciding
 * what a sandbox sends is attached. auto: by interface kind.
 */
#define EGRESS_ATTACH_MODES		"auto, tc, skb or native"

static inline bool egress_attach_mode_valid(const char *s)
{
	return !strcmp(s, "auto") || !strcmp(s, "tc") || !strcmp(s, "skb") ||
	       !strcmp(s, "native");
}

#endif /* EGRESS_CTL_H */
