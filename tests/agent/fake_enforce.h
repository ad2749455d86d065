/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef EGRESSD_FAKE_ENFORCE_H
#define EGRESSD_FAKE_ENFORCE_H

struct fake_enforce {
	int adds, dels, commits, in_place, removed_in_place, updates;
	int fail_add, fail_scope, fail_unload;
	unsigned short next_slot;
};

extern struct fake_enforce fake;

#endif
