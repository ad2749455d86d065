/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egressd's configuration file (/etc/egressd/egressd.json). Every key is
 * optional; a missing file means every default; an unknown key is an error.
 *
 *   {"default_mode": "deny", "default_profiles": ["pypi"],
 *    "binding_grace_s": 30, "event_window_ms": 1000,
 *    "metrics": "127.0.0.1:9469", "profile_dir": "/usr/share/egressd/profiles",
 *    "xdp_mode": "auto", "log_max_bytes": 268435456, "log_max_age_days": 30,
 *    "log_segment_bytes": 16777216, "log_segment_age_s": 3600, "journal": true}
 *
 * "metrics": "" or "off" serves no metrics.
 */
#ifndef EGRESS_CONFIG_H
#define EGRESS_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "policy.h"

#define EGRESSD_DEFAULT_BINDING_GRACE_S	EGRESS_BINDING_GRACE_S
#define EGRESSD_DEFAULT_EVENT_WINDOW_MS	1000
#define EGRESSD_DEFAULT_LOG_MAX_BYTES	(256ull << 20)
#define EGRESSD_DEFAULT_LOG_MAX_AGE	30
#define EGRESSD_DEFAULT_LOG_SEGMENT_BYTES	(16ull << 20)
#define EGRESSD_DEFAULT_LOG_SEGMENT_AGE_S	3600

struct egressd_config {
	__u8 default_mode;			/* of the global scope at first start */
	char (*default_profiles)[EGRESS_PROFILE_NAME_MAX];	/* of new sandboxes */
	size_t n_default_profiles;
	__u32 binding_grace_s;			/* added to a DNS answer's TTL */
	__u32 event_window_ms;			/* repeats collapse within it */
	char metrics[64];			/* ADDR:PORT, "" for none */
	char profile_dir[PATH_MAX];		/* "" for the built-in default */
	char xdp_mode[16];			/* "auto", "tc", "skb" or "native" */
	__u64 log_max_bytes;			/* audit log retention */
	__u32 log_max_age_days;			/* 0: kept whatever their age */
	__u64 log_segment_bytes;		/* a segment is closed at this size */
	__u32 log_segment_age_s;		/* ... or this age */
	bool journal;				/* forward events to journald */
};

void egressd_config_defaults(struct egressd_config *c);
/* Parses text over the defaults; -EINVAL with err set. */
int egressd_config_parse(const char *text, struct egressd_config *c,
			 char *err, size_t errlen);
/* Reads path; a missing file leaves the defaults. Errors name the file. */
int egressd_config_load(const char *path, struct egressd_config *c,
			char *err, size_t errlen);
void egressd_config_free(struct egressd_config *c);

/* Is the metrics address one that turns the endpoint off ("" or "off")? */
bool egressd_metrics_off(const char *s);
/* ADDR:PORT, [ADDR6]:PORT, "" or "off": 0, else -EINVAL. */
int egressd_metrics_check(const char *s);

/* "auto", "tc", "skb" or "native": 0, else -EINVAL. */
int egressd_xdp_mode_check(const char *s);

#endif /* EGRESS_CONFIG_H */
