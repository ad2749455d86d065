/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Profiles: named rule sets shipped as data files, NAME.json in the profile
 * directory (docs/protocol.md):
 *
 *   {"name": "pypi", "description": "Python packages from PyPI",
 *    "allow": ["pypi.org", "files.pythonhosted.org"], "deny": []}
 *
 * name must equal the file name; deny is optional; unknown keys are errors.
 */
#ifndef EGRESS_PROFILE_H
#define EGRESS_PROFILE_H

#include <stddef.h>

#include "policy.h"

struct egress_profile {
	char name[EGRESS_PROFILE_NAME_MAX];
	char *description;
	struct egress_rule *rules;	/* allow then deny; ids 0 */
	size_t n_rules;
};

/* Checks a profile name: [a-z0-9_-], 1-63 bytes. */
bool egress_profile_name_ok(const char *name);
/* Parses the text of the profile called name. -EINVAL with err set. */
int egress_profile_parse(const char *text, const char *name,
			 struct egress_profile *p, char *err, size_t errlen);
/* Loads dir/NAME.json: -ENOENT when there is none. */
int egress_profile_load(const char *dir, const char *name,
			struct egress_profile *p, char *err, size_t errlen);
void egress_profile_free(struct egress_profile *p);

/*
 * Loads every *.json of dir, sorted by name. A file that does not parse
 * fails the whole load (err names it).
 */
int egress_profile_load_all(const char *dir, struct egress_profile **out,
			    size_t *n, char *err, size_t errlen);
void egress_profiles_free(struct egress_profile *p, size_t n);

#endif /* EGRESS_PROFILE_H */
