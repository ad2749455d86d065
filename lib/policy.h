/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A sandbox's policy as a document: the JSON that `egressctl policy export`
 * writes and `egress-replay --policy` and `egressctl policy import` read:
 *
 *   {"mode": "deny", "allow": ["pypi.org", "10.0.0.0/8"], "deny": [...],
 *    "profiles": ["github"], "resolvers": ["198.18.0.1"]}
 *
 * Every key is optional; an unknown key is an error (a typo must not pass
 * for an empty policy).
 */
#ifndef EGRESS_POLICY_H
#define EGRESS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "rule.h"

#define EGRESS_PROFILE_NAME_MAX 64

struct egress_policy {
	bool has_mode;
	__u8 mode;
	struct egress_rule *rules;	/* allow and deny, in file order */
	size_t n_rules;
	char (*profiles)[EGRESS_PROFILE_NAME_MAX];
	size_t n_profiles;
	bool has_resolvers;
	__u8 (*resolvers)[16];
	size_t n_resolvers;
};

/* Parses text; rule ids are numbered from first_id. -EINVAL with err set. */
int egress_policy_parse(const char *text, __u32 first_id,
			struct egress_policy *p, char *err, size_t errlen);
/*
 * The same from a document already parsed (a request's "policy"), without
 * printing and parsing it again. A string's \u0000 is not seen here: cJSON
 * has cut the string there; egress_policy_parse refuses it in the text.
 */
struct cJSON;
int egress_policy_from_json(const struct cJSON *root, __u32 first_id,
			    struct egress_policy *p, char *err, size_t errlen);
/*
 * Whether a parsed document is a valid policy (-EINVAL with err set), the
 * rules checked one by one and not kept: what a client checks before it
 * sends a million of them.
 */
int egress_policy_check(const struct cJSON *root, char *err, size_t errlen);
/* Reads and parses a file; errors name the file. */
int egress_policy_load(const char *path, __u32 first_id,
		       struct egress_policy *p, char *err, size_t errlen);
/* The JSON document, malloc'd; NULL on allocation failure. */
char *egress_policy_to_json(const struct egress_policy *p);
/* Appends one rule (already parsed); 0 or -ENOMEM. */
int egress_policy_add_rule(struct egress_policy *p, const struct egress_rule *r);
void egress_policy_free(struct egress_policy *p);

#endif /* EGRESS_POLICY_H */
