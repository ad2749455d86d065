// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress_dp_slot_load_rules: a slot loaded in bulk (batch updates) holds
 * exactly what the same rules added one by one give: every name, wildcard
 * and CIDR of the policy is found by the lookups the data path makes
 * (egress_dp_name_match, egress_dp_ip_match) with the rule id it was loaded
 * with, the slot's slot_info is the same, and names and addresses the
 * policy does not hold are not found. Needs root (it creates maps); skips
 * without.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../unit/unit.h"
#include "datapath.h"
#include "policy.h"
#include "rule.h"

#define N_NAMES		20000	/* exact names, and a few hundred of each other kind */
#define SKIP		77
#define WILD_DEPTHS	8	/* the data path looks up suffixes of 1-7 labels */

struct fixture {
	struct egress_dp *dp;
	struct egress_policy p;
};

/* A rule inside a larger struct, as the agent keeps them. */
struct wrapped {
	char before[24];
	struct egress_rule r;
	char after[40];
};

static int labels(const char *name)
{
	int n = 1;

	for (; *name; name++)
		n += *name == '.';
	return n;
}

static void add(struct egress_policy *p, const char *text, __u8 action)
{
	struct egress_rule r;
	char err[256];

	if (egress_rule_parse(text, action, &r, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	r.id = p->n_rules + 1;
	assert_int_equal(egress_policy_add_rule(p, &r), 0);
}

/*
 * Exact names (some listed under both actions, some twice under one),
 * wildcards of 1 to 9 labels, the two "*" rules, IPv4 and IPv6 CIDRs and
 * addresses of both actions (one listed twice).
 */
static void make_policy(struct egress_policy *p)
{
	char buf[128];

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < N_NAMES; i++) {
		snprintf(buf, sizeof(buf), "n%d.bulk.example", i);
		add(p, buf, i % 7 ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY);
	}
	for (int i = 0; i < N_NAMES; i += 97) {
		snprintf(buf, sizeof(buf), "n%d.bulk.example", i);
		add(p, buf, i % 7 ? EGRESS_ACT_DENY : EGRESS_ACT_ALLOW);
		add(p, buf, i % 7 ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY);	/* again: new id */
	}
	for (int i = 0; i < 300; i++) {
		int depth = 1 + i % 9;
		size_t len = snprintf(buf, sizeof(buf), "*.");

		for (int d = 0; d < depth - 1; d++)
			len += snprintf(buf + len, sizeof(buf) - len, "l%d-%d.", d, i);
		snprintf(buf + len, sizeof(buf) - len, "w%d", i);
		add(p, buf, i % 3 ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY);
	}
	add(p, "*", EGRESS_ACT_DENY);
	add(p, "*", EGRESS_ACT_ALLOW);
	for (int i = 0; i < 300; i++) {
		snprintf(buf, sizeof(buf), "198.%d.%d.0/24", 18 + i % 2, i % 256);
		add(p, buf, i % 2 ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY);
		snprintf(buf, sizeof(buf), "fd00:%x::/32", i);
		add(p, buf, i % 3 ? EGRESS_ACT_ALLOW : EGRESS_ACT_DENY);
	}
	add(p, "198.18.200.7", EGRESS_ACT_ALLOW);
	add(p, "198.18.200.7", EGRESS_ACT_ALLOW);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -1;
	ret = egress_dp_open(&f->dp, NULL);
	if (ret) {
		fprintf(stderr, "egress_dp_open: %s\n", strerror(-ret));
		free(f);
		return -1;
	}
	make_policy(&f->p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	egress_policy_free(&f->p);
	egress_dp_close(f->dp);
	free(f);
	return 0;
}

/* The same rules one by one, as single rule changes write them. */
static void load_one_by_one(struct egress_dp *dp, __u16 slot, const struct egress_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct egress_rule *r = &p->rules[i];

		if (r->kind == EGRESS_RULE_IP)
			assert_int_equal(egress_dp_ip_rule_add(dp, slot, r->action, &r->prefix,
							       r->id), 0);
		else
			assert_int_equal(egress_dp_name_rule_add(dp, slot, r), 0);
	}
}

static void slot_info(struct egress_dp *dp, __u16 slot, struct egress_slot_info *info)
{
	__u32 key = slot;

	assert_int_equal(bpf_map_lookup_elem(egress_dp_map_fd(dp, "slot_info"), &key, info), 0);
}

static void same_name(struct egress_dp *dp, __u16 bulk, __u16 ref, const char *name,
		      __u32 want[EGRESS_ACT__MAX])
{
	__u32 got[EGRESS_ACT__MAX], exp[EGRESS_ACT__MAX];

	assert_int_equal(egress_dp_name_match(dp, bulk, name, got), 0);
	assert_int_equal(egress_dp_name_match(dp, ref, name, exp), 0);
	if (got[0] != exp[0] || got[1] != exp[1])
		fail_msg("%s: bulk %u/%u, one by one %u/%u", name, got[0], got[1], exp[0], exp[1]);
	if (want && (got[0] != want[0] || got[1] != want[1]))
		fail_msg("%s: %u/%u, want %u/%u", name, got[0], got[1], want[0], want[1]);
}

/*
 * The rule ids the policy gives each exact name (the last listed of an
 * action wins), filed in hsearch's table.
 */
static __u32 (*want_table(const struct egress_policy *p))[EGRESS_ACT__MAX]
{
	__u32 (*ids)[EGRESS_ACT__MAX] = calloc(p->n_rules, sizeof(*ids));
	ENTRY e, *found;

	assert_non_null(ids);
	assert_int_not_equal(hcreate(2 * p->n_rules), 0);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct egress_rule *r = &p->rules[i];

		if (r->kind != EGRESS_RULE_NAME)
			continue;
		e.key = (char *)r->pattern;
		e.data = ids[i];
		found = hsearch(e, ENTER);
		assert_non_null(found);
		((__u32 *)found->data)[r->action] = r->id;
	}
	return ids;
}

static const __u32 *want_ids(const char *pattern)
{
	ENTRY e = { .key = (char *)pattern }, *found = hsearch(e, FIND);

	assert_non_null(found);
	return found->data;
}

static void check_slots(struct egress_dp *dp, __u16 bulk, __u16 ref,
			const struct egress_policy *p, bool any)
{
	__u32 (*ids)[EGRESS_ACT__MAX] = want_table(p);
	struct egress_slot_info a, b;
	__u32 want[EGRESS_ACT__MAX];
	char name[300];

	slot_info(dp, bulk, &a);
	slot_info(dp, ref, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_not_equal(a.n_names[EGRESS_ACT_ALLOW], 0);
	assert_int_not_equal(a.wild_depths, 0);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct egress_rule *r = &p->rules[i];
		__u8 addr[16];

		switch (r->kind) {
		case EGRESS_RULE_NAME:
			memcpy(want, want_ids(r->pattern), sizeof(want));
			same_name(dp, bulk, ref, r->pattern, any ? NULL : want);
			/* below an exact name: not it (and no wildcard covers it) */
			snprintf(name, sizeof(name), "x.%s", r->pattern);
			same_name(dp, bulk, ref, name, any ? NULL : (__u32[2]){ 0, 0 });
			break;
		case EGRESS_RULE_WILDCARD:
			/* the apex is not matched, a name below it is */
			same_name(dp, bulk, ref, r->pattern + 2, any ? NULL : (__u32[2]){ 0, 0 });
			snprintf(name, sizeof(name), "a.b%s", r->pattern + 1);
			want[r->action] = labels(r->pattern + 2) < WILD_DEPTHS ? r->id : 0;
			want[!r->action] = 0;
			same_name(dp, bulk, ref, name, any ? NULL : want);
			break;
		case EGRESS_RULE_IP:
			memcpy(addr, r->prefix.addr, 16);
			addr[15] |= r->prefix.prefixlen < 128;	/* inside the prefix */
			assert_int_equal(egress_dp_ip_match(dp, bulk, r->action, addr),
					 egress_dp_ip_match(dp, ref, r->action, addr));
			assert_int_not_equal(egress_dp_ip_match(dp, bulk, r->action, addr), 0);
			break;
		default:
			break;
		}
	}
	/* names and addresses the policy does not hold */
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "n%d.bulk.example", N_NAMES + i);
		same_name(dp, bulk, ref, name, any ? NULL : (__u32[2]){ 0, 0 });
		snprintf(name, sizeof(name), "n%d.other.example", i);
		same_name(dp, bulk, ref, name, any ? NULL : (__u32[2]){ 0, 0 });
	}
	for (int i = 0; i < 256; i++) {
		__u8 v4[16] = { [10] = 0xff, [11] = 0xff, 198, 20, (__u8)i, 1 };
		__u8 v6[16] = { 0xfd, 0x01, 0, (__u8)i };

		for (__u8 act = 0; act < EGRESS_ACT__MAX; act++) {
			assert_int_equal(egress_dp_ip_match(dp, bulk, act, v4), 0);
			assert_int_equal(egress_dp_ip_match(dp, bulk, act, v6), 0);
		}
	}
	hdestroy();
	free(ids);
}

static void test_bulk_matches_one_by_one(void **state)
{
	struct fixture *f = *state;
	__u16 bulk, ref;
	size_t failed;

	assert_int_equal(egress_dp_slot_alloc(f->dp, &bulk), 0);
	assert_int_equal(egress_dp_slot_alloc(f->dp, &ref), 0);
	assert_int_equal(egress_dp_slot_load_rules(f->dp, bulk, f->p.rules, f->p.n_rules,
						   sizeof(*f->p.rules), &failed), 0);
	assert_int_equal(failed, f->p.n_rules);
	assert_int_equal(egress_dp_slot_reserve(f->dp, ref, f->p.n_rules), 0);
	load_one_by_one(f->dp, ref, &f->p);
	check_slots(f->dp, bulk, ref, &f->p, true);
	egress_dp_slot_free(f->dp, bulk);
	egress_dp_slot_free(f->dp, ref);
}

/* Without the "*" rules, so that each lookup says exactly which rule it found. */
static void test_bulk_exact(void **state)
{
	struct fixture *f = *state;
	struct egress_policy p = f->p;
	struct wrapped *w;
	__u16 bulk, ref;
	size_t n = 0;

	p.rules = calloc(f->p.n_rules, sizeof(*p.rules));
	w = calloc(f->p.n_rules, sizeof(*w));
	assert_non_null(p.rules);
	assert_non_null(w);
	for (size_t i = 0; i < f->p.n_rules; i++) {
		if (f->p.rules[i].kind == EGRESS_RULE_ANY_NAME)
			continue;
		p.rules[n] = f->p.rules[i];
		w[n].r = f->p.rules[i];
		n++;
	}
	p.n_rules = n;
	assert_int_equal(egress_dp_slot_alloc(f->dp, &bulk), 0);
	assert_int_equal(egress_dp_slot_alloc(f->dp, &ref), 0);
	/* the rules read stride bytes apart, out of a larger struct */
	assert_int_equal(egress_dp_slot_load_rules(f->dp, bulk, &w[0].r, n, sizeof(*w), NULL), 0);
	assert_int_equal(egress_dp_slot_reserve(f->dp, ref, n), 0);
	load_one_by_one(f->dp, ref, &p);
	check_slots(f->dp, bulk, ref, &p, false);
	egress_dp_slot_free(f->dp, bulk);
	egress_dp_slot_free(f->dp, ref);
	free(w);
	free(p.rules);
}

/* Into a slot that already holds rules: added to them, merged per name. */
static void test_into_used_slot(void **state)
{
	struct fixture *f = *state;
	struct egress_policy first = {}, second = {};
	__u32 got[EGRESS_ACT__MAX];
	__u16 slot;

	add(&first, "both.example", EGRESS_ACT_ALLOW);
	add(&first, "*.w.example", EGRESS_ACT_ALLOW);
	add(&second, "x", EGRESS_ACT_ALLOW);
	add(&second, "both.example", EGRESS_ACT_DENY);
	second.rules[0].id = 100;
	second.rules[1].id = 101;
	assert_int_equal(egress_dp_slot_alloc(f->dp, &slot), 0);
	assert_int_equal(egress_dp_slot_load(f->dp, slot, &first), 0);
	assert_int_equal(egress_dp_slot_load(f->dp, slot, &second), 0);
	assert_int_equal(egress_dp_name_match(f->dp, slot, "both.example", got), 0);
	assert_int_equal(got[EGRESS_ACT_ALLOW], 1);
	assert_int_equal(got[EGRESS_ACT_DENY], 101);
	assert_int_equal(egress_dp_name_match(f->dp, slot, "a.w.example", got), 0);
	assert_int_equal(got[EGRESS_ACT_ALLOW], 2);
	egress_dp_slot_free(f->dp, slot);
	egress_policy_free(&first);
	egress_policy_free(&second);
}

/* A refused rule names itself and leaves nothing to enforce. */
static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct egress_policy p = {};
	size_t failed;
	__u16 slot;

	add(&p, "a.example", EGRESS_ACT_ALLOW);
	add(&p, "b.example", EGRESS_ACT_ALLOW);
	p.rules[1].id = 0;
	assert_int_equal(egress_dp_slot_alloc(f->dp, &slot), 0);
	assert_int_equal(egress_dp_slot_load_rules(f->dp, slot, p.rules, p.n_rules,
						   sizeof(*p.rules), &failed), -EINVAL);
	assert_int_equal(failed, 1);
	egress_dp_slot_free(f->dp, slot);
	egress_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_matches_one_by_one),
		cmocka_unit_test(test_bulk_exact),
		cmocka_unit_test(test_into_used_slot),
		cmocka_unit_test(test_refused),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: creating BPF maps needs root\n");
		return SKIP;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
