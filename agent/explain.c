// SPDX-License-Identifier: GPL-2.0-only
/*
 * explain: the verdict the data path would reach for a destination, from the
 * sandbox's maps as they are, combined by the data path's own precedence
 * (bpf/lib/decision.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "datapath.h"
#include "enforce.h"
#include "errmsg.h"
#include "lib/decision.h"
#include "lib/name.h"
#include "names.h"
#include "rule.h"

#define EXPLAIN_PORT_DNS	53
#define EXPLAIN_PORT_DOT	853	/* TCP, as the data path's EG_PORT_DOT */

static bool is_resolver(const struct sandbox *sb, const struct egress_sandbox *v,
			const __u8 addr[16])
{
	if (v->flags & EGRESS_SB_F_ANY_RESOLVER)
		return true;
	for (size_t i = 0; i < sb->n_resolvers; i++)
		if (!memcmp(sb->resolvers[i], addr, 16))
			return true;
	return false;
}

/* Whether any scope of the sandbox has a name allow rule: binding applies then. */
static bool has_name_allow(const struct agent *a, const struct sandbox *sb)
{
	const struct scope *scopes[] = { &a->always, &a->global, &sb->scope };

	for (size_t s = 0; s < 3; s++)
		for (size_t i = 0; i < scopes[s]->n_rules; i++)
			if (scopes[s]->rules[i].r.action == EGRESS_ACT_ALLOW &&
			    scopes[s]->rules[i].r.kind != EGRESS_RULE_IP)
				return true;
	return false;
}

/*
 * An address no address rule decides: the data path admits a flow to it in
 * deny mode when an allowed name is bound to it. Fills m's name matches
 * from the first bound name the policy allows (or the last one looked at),
 * and names them in bound[].
 */
static int bound_names(struct agent *a, const struct egress_sandbox *v,
		       const struct sandbox *sb, const __u8 addr[16],
		       struct policy_matches *m, cJSON *bound, char *via, size_t vialen)
{
	struct egress_bound_name names[EGRESS_BINDING_NAMES];
	int n, ret;

	n = egress_dp_binding_lookup(a->dp, sb->id, addr, names, EGRESS_BINDING_NAMES);
	if (n < 0)
		return n == -ENOENT ? 0 : n;
	for (int i = 0; i < n; i++) {
		struct policy_matches nm = {};
		struct decision d = {};

		if (!names[i].name[0])
			continue;
		cJSON_AddItemToArray(bound, cJSON_CreateString(names[i].name));
		for (__u8 scope = EGRESS_SCOPE_ALWAYS; scope <= EGRESS_SCOPE_SANDBOX; scope++) {
			ret = egress_dp_name_match(a->dp, v->slot[scope], names[i].name,
						   nm.name[scope]);
			if (ret)
				return ret;
		}
		if (!policy_combine(&nm, &d) || d.verdict != EGRESS_ALLOWED)
			continue;
		if (!via[0]) {
			memcpy(m->name, nm.name, sizeof(m->name));
			snprintf(via, vialen, "%s (bound by DNS, %llu s left)", names[i].name,
				 (unsigned long long)(names[i].expires_in_ms / 1000));
		}
	}
	return 0;
}

int enforce_explain(struct agent *a, struct sandbox *sb, const char *target, int port,
		    cJSON *result, char *err, size_t errlen)
{
	cJSON *bound;
	char via[EGRESS_HOST_MAX + 64] = {};
	bool any_ip = false, unbound = false;
	struct egress_sandbox v;
	struct policy_matches m = {};
	struct decision d = {};
	char name[256] = {}, why[512], in[256] = {};
	__u8 addr[16];
	bool is_addr, ruled;
	struct arule *r = NULL;
	struct scope *rsc = NULL;
	struct sandbox *rsb = NULL;
	int ret;

	is_addr = !egress_addr_parse(target, addr, why, sizeof(why));
	if (!is_addr) {
		size_t len = strlen(target);

		if (len >= sizeof(in) - 1)
			return egress_errf(err, errlen, -EINVAL, "'%s' is not a name or an address",
					   target);
		memcpy(in, target, len);
		if (name_canon(in, len, name) < 0)
			return egress_errf(err, errlen, -EINVAL,
					   "'%s' is not a valid name or address (it would be denied in deny mode as invalid-name)",
					   target);
	}
	if (!sb->ifindex || egress_dp_sandbox_get(a->dp, sb->ifindex, &v))
		return egress_errf(err, errlen, -ENOENT, "sandbox '%s' is not enforced (no interface)",
				   sb->name);
	for (__u8 scope = EGRESS_SCOPE_ALWAYS; scope <= EGRESS_SCOPE_SANDBOX; scope++) {
		if (is_addr) {
			for (__u8 act = 0; act < EGRESS_ACT__MAX; act++)
				m.ip[scope][act] = egress_dp_ip_match(a->dp, v.slot[scope], act, addr);
		} else {
			ret = egress_dp_name_match(a->dp, v.slot[scope], name, m.name[scope]);
			if (ret)
				return egress_errf(err, errlen, ret, "lookup failed: %s", strerror(-ret));
		}
	}
	bound = cJSON_CreateArray();
	if (!bound)
		return egress_errf(err, errlen, -ENOMEM, "out of memory");
	for (__u8 scope = EGRESS_SCOPE_ALWAYS; scope <= EGRESS_SCOPE_SANDBOX; scope++)
		any_ip |= m.ip[scope][EGRESS_ACT_ALLOW] || m.ip[scope][EGRESS_ACT_DENY];
	if (is_addr && !any_ip && port != EXPLAIN_PORT_DOT && port != EXPLAIN_PORT_DNS &&
	    has_name_allow(a, sb)) {
		ret = bound_names(a, &v, sb, addr, &m, bound, via, sizeof(via));
		if (ret) {
			cJSON_Delete(bound);
			return egress_errf(err, errlen, ret, "binding lookup failed: %s", strerror(-ret));
		}
		unbound = !via[0];
	} else if (!is_addr) {
		__u8 addrs[16][16];
		char buf[64];
		int n = egress_dp_binding_addrs(a->dp, sb->id, name, addrs, 16);

		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(bound, cJSON_CreateString(
				egress_addr_str(addrs[i], buf, sizeof(buf))));
	}
	if (port == EXPLAIN_PORT_DOT) {
		/* DNS over TLS: only an address rule allows it, a name may deny */
		for (__u8 scope = EGRESS_SCOPE_ALWAYS; scope <= EGRESS_SCOPE_SANDBOX; scope++)
			m.name[scope][EGRESS_ACT_ALLOW] = 0;
	}
	if (m.ip[EGRESS_SCOPE_ALWAYS][EGRESS_ACT_DENY] || m.name[EGRESS_SCOPE_ALWAYS][EGRESS_ACT_DENY]) {
		ruled = policy_combine(&m, &d);
	} else if (v.mode == EGRESS_MODE_DENY_ALL) {
		decision_set(&d, EGRESS_DENIED, EGRESS_REASON_DENY_ALL, EGRESS_SCOPE_NONE, 0);
		ruled = false;
	} else {
		ruled = policy_combine(&m, &d);
		decision_apply_mode(&d, v.mode);
	}
	if (!ruled && port == EXPLAIN_PORT_DOT && d.reason == EGRESS_REASON_NOT_ALLOWLISTED)
		d.reason = EGRESS_REASON_DOT_BLOCKED;
	if (!ruled && unbound && d.reason == EGRESS_REASON_NOT_ALLOWLISTED)
		d.reason = EGRESS_REASON_UNBOUND_ADDRESS;
	if (d.rule_id)
		r = agent_rule(a, d.rule_id, &rsc, &rsb);

	if (v.mode == EGRESS_MODE_DENY_ALL && d.reason == EGRESS_REASON_DENY_ALL)
		snprintf(why, sizeof(why), "the sandbox is in deny-all mode: nothing leaves");
	else if (r)
		snprintf(why, sizeof(why), "%s rule %u (%s) of the %s scope%s%s matches %s%s%s",
			 r->r.action == EGRESS_ACT_DENY ? "deny" : "allow", r->r.id, r->r.pattern,
			 egress_scope_name(rsc->kind), r->profile[0] ? ", from profile " : "",
			 r->profile, via[0] ? via : target,
			 d.would_deny ? "; warn mode lets it through and reports it" : "",
			 d.reason == EGRESS_REASON_MODE_ALLOW ? "; allow-all mode lets everything through" : "");
	else if (d.reason == EGRESS_REASON_MODE_ALLOW)
		snprintf(why, sizeof(why), "allow-all mode lets everything through");
	else if (!ruled && port == EXPLAIN_PORT_DOT)
		snprintf(why, sizeof(why), "DNS over TLS (port %d) to %s: only an address rule allows it%s",
			 port, target, d.would_deny ? "; warn mode lets it through and reports it" : "");
	else if (!ruled && unbound)
		snprintf(why, sizeof(why), "no address rule matches %s and no allowed name is bound to it by DNS%s",
			 target, d.would_deny ? "; warn mode lets it through and reports it" : "");
	else if (!ruled && d.would_deny)
		snprintf(why, sizeof(why), "no rule matches %s: deny mode would deny it; warn mode lets it through and reports it",
			 target);
	else
		snprintf(why, sizeof(why), "no rule matches %s%s: denied by default",
			 target, is_addr ? " (name rules, * included, match names, not addresses)" : "");
	if (port == EXPLAIN_PORT_DNS && is_addr && is_resolver(sb, &v, addr))
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "; DNS queries to the sandbox's resolvers are decided by the name they ask for");

	cJSON_AddStringToObject(result, "verdict", egress_verdict_name(d.verdict));
	cJSON_AddBoolToObject(result, "would_deny", d.would_deny);
	cJSON_AddStringToObject(result, "mode", egress_mode_name(v.mode));
	if (r)
		cJSON_AddItemToObject(result, "rule", rule_json(r, rsc, rsb));
	else
		cJSON_AddNullToObject(result, "rule");
	cJSON_AddStringToObject(result, "scope", r ? egress_scope_name(rsc->kind) : "default");
	cJSON_AddStringToObject(result, "reason", egress_reason_name(d.reason));
	cJSON_AddItemToObject(result, "bound", bound);
	cJSON_AddStringToObject(result, "why", why);
	return 0;
}
