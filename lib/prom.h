/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A builder for the Prometheus text exposition format (version 0.0.4):
 * each family's HELP and TYPE once, before its samples, label values
 * escaped. Names follow the conventions: counters end in _total, values
 * are in base units (seconds, bytes).
 *
 *	struct egress_prom p;
 *
 *	egress_prom_init(&p);
 *	egress_prom_family(&p, "egress_decisions_total", EGRESS_PROM_COUNTER,
 *			   "Decisions made, by sandbox, verdict and protocol.");
 *	egress_prom_sample(&p, (const char *[]){ "sandbox", "web", "verdict",
 *			   "denied", NULL }, 12);
 *	... egress_prom_text(&p) ...
 *	egress_prom_free(&p);
 *
 * Errors stick: the first one is returned by every later call and by
 * egress_prom_error(), so a renderer checks once at the end.
 */
#ifndef EGRESS_PROM_H
#define EGRESS_PROM_H

#include <stddef.h>
#include <stdint.h>

enum egress_prom_type {
	EGRESS_PROM_COUNTER,
	EGRESS_PROM_GAUGE,
	EGRESS_PROM_UNTYPED,
};

#define EGRESS_PROM_MAX_FAMILIES	128

struct egress_prom {
	char *buf;
	size_t len, cap;
	int err;
	char family[128];		/* the one samples go to */
	int n_families;
	char *families[EGRESS_PROM_MAX_FAMILIES];	/* seen, to refuse a repeat */
};

/* The Content-Type of the text this builds. */
#define EGRESS_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

void egress_prom_init(struct egress_prom *p);
void egress_prom_free(struct egress_prom *p);

/*
 * Starts a family: writes # HELP and # TYPE. -EINVAL for an invalid name
 * or a counter not ending in _total, -EEXIST for a family started before.
 */
int egress_prom_family(struct egress_prom *p, const char *name, enum egress_prom_type type,
		       const char *help);
/*
 * One sample of the current family. labels: NULL, or name, value, name,
 * value, ..., NULL. -EINVAL for an invalid label name or no family.
 */
int egress_prom_sample(struct egress_prom *p, const char *const *labels, double value);
/* The same with an exact integer value (counters past 2^53 stay exact). */
int egress_prom_sample_u64(struct egress_prom *p, const char *const *labels,
			   uint64_t value);

/* The first error so far, or 0. */
int egress_prom_error(const struct egress_prom *p);
/* The text so far (NUL-terminated; "" when empty). */
const char *egress_prom_text(const struct egress_prom *p);
size_t egress_prom_len(const struct egress_prom *p);

/* Is s a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)? a label name (no ':')? */
int egress_prom_valid_name(const char *s, int label);

#endif /* EGRESS_PROM_H */
