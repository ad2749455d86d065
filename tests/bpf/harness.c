// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"
#include "names.h"
#include "rule.h"

#define IF_A	"egt-sbx-a"
#define IF_B	"egt-sbx-b"

static struct fx the_fx;
static __u32 next_sandbox_id = 1;

/* ---- namespace and data path ------------------------------------------ */

static int fx_init(void)
{
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return errno == EPERM ? FX_SKIP : 1;
	}
	if (system("ip link add " IF_A " type veth peer name " IF_B) != 0 ||
	    system("ip link set lo up") != 0) {
		fprintf(stderr, "cannot create the test interfaces\n");
		return 1;
	}
	return 0;
}

static void sandbox_forget(struct fx_sandbox *s)
{
	memset(&s->sb, 0, sizeof(s->sb));
	s->active = false;
	for (int i = 0; i < EGRESS_SCOPE__MAX; i++)
		s->slot[i] = EGRESS_SLOT_NONE;
}

static int on_event(void *ctx, const struct egress_event *e)
{
	struct fx *fx = ctx;

	if (fx->n_ev < FX_MAX_EVENTS)
		fx->ev[fx->n_ev] = *e;
	fx->n_ev++;
	fx->n_ev_total++;
	return 0;
}

int fx_group_setup(void **state)
{
	struct fx *fx = &the_fx;
	int ret;

	memset(fx, 0, sizeof(*fx));
	sandbox_forget(&fx->a);
	sandbox_forget(&fx->b);
	fx->a.ifindex = if_nametoindex(IF_A);
	fx->b.ifindex = if_nametoindex(IF_B);
	fx->ifindex_bare = if_nametoindex("lo");
	if (!fx->a.ifindex || !fx->b.ifindex || !fx->ifindex_bare)
		return -1;
	ret = egress_dp_open(&fx->dp, NULL);
	if (ret) {
		fprintf(stderr, "egress_dp_open: %s\n", strerror(-ret));
		return -1;
	}
	ret = egress_dp_events_subscribe(fx->dp, on_event, fx);
	if (ret) {
		fprintf(stderr, "egress_dp_events_subscribe: %s\n", strerror(-ret));
		return -1;
	}
	*state = fx;
	return 0;
}

int fx_group_teardown(void **state)
{
	struct fx *fx = *state;

	egress_dp_close(fx->dp);
	fx->dp = NULL;
	return 0;
}

static bool group_wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

int fx_main(int argc, char **argv, const struct fx_group *groups, size_t n)
{
	int failed = 0, ret;

	for (int i = 1; i < argc; i++) {
		size_t g = 0;

		while (g < n && strcmp(groups[g].name, argv[i]))
			g++;
		if (g == n) {
			fprintf(stderr, "%s: no test group '%s'\n", argv[0], argv[i]);
			return 1;
		}
	}
	ret = fx_init();
	if (ret)
		return ret;
	for (size_t g = 0; g < n; g++)
		if (group_wanted(argc, argv, groups[g].name))
			failed += _cmocka_run_group_tests(groups[g].name,
							  groups[g].tests,
							  groups[g].n_tests,
							  fx_group_setup,
							  fx_group_teardown);
	return failed ? 1 : 0;
}

/* ---- sandboxes ---------------------------------------------------------- */

static int sandbox_init(struct fx *fx, struct fx_sandbox *s, bool flows)
{
	int ret;

	s->sb = (struct egress_sandbox){
		.id = next_sandbox_id++,
		.generation = 1,
		.mode = EGRESS_MODE_DENY,
	};
	for (int i = 0; i < EGRESS_SCOPE__MAX; i++)
		s->sb.slot[i] = EGRESS_SLOT_NONE;
	if (flows) {
		ret = egress_dp_flow_table_create(fx->dp, s->sb.id, FX_MAX_FLOWS);
		if (ret)
			return ret;
	}
	ret = egress_dp_sandbox_set(fx->dp, s->ifindex, &s->sb);
	if (ret)
		return ret;
	s->active = true;
	return 0;
}

static void rules_clear(struct fx *fx)
{
	for (int i = 0; i < fx->n_rules; i++) {
		struct fx_rule_ref *r = &fx->rules[i];

		if (r->name)
			egress_dp_name_rule_del(fx->dp, r->slot, &r->rule);
		else
			egress_dp_ip_rule_del(fx->dp, r->slot, r->action, &r->key);
	}
	fx->n_rules = 0;
}

int fx_setup(void **state)
{
	struct fx *fx = *state;

	rules_clear(fx);
	if (fx->b.active)
		egress_dp_sandbox_del(fx->dp, fx->b.ifindex);
	fx->b.active = false;
	if (sandbox_init(fx, &fx->a, true))
		return -1;
	egress_dp_events_consume(fx->dp);
	fx->n_ev = 0;
	fx->n_ev_total = 0;
	return 0;
}

void fx_use_b(struct fx *fx)
{
	assert_int_equal(sandbox_init(fx, &fx->b, true), 0);
}

void fx_use_b_without_flows(struct fx *fx)
{
	assert_int_equal(sandbox_init(fx, &fx->b, false), 0);
}

void fx_commit(struct fx *fx, struct fx_sandbox *s)
{
	s->sb.generation++;
	assert_int_equal(egress_dp_sandbox_set(fx->dp, s->ifindex, &s->sb), 0);
}

void fx_mode(struct fx *fx, __u8 mode)
{
	fx->a.sb.mode = mode;
	fx_commit(fx, &fx->a);
}

static struct egress_lpm_key prefix(const char *cidr)
{
	struct egress_lpm_key key;
	char err[256];

	if (egress_prefix_parse(cidr, &key, err, sizeof(err)))
		fail_msg("bad prefix in test: %s", err);
	return key;
}

void fx_rule(struct fx *fx, struct fx_sandbox *s, __u8 scope, __u8 action,
	     const char *cidr, __u32 rule_id)
{
	struct egress_lpm_key key = prefix(cidr);
	__u16 *slot = &s->slot[scope];

	assert_true(fx->n_rules < FX_MAX_RULES);
	if (*slot == EGRESS_SLOT_NONE)
		assert_int_equal(egress_dp_slot_alloc(fx->dp, slot), 0);
	assert_int_equal(egress_dp_ip_rule_add(fx->dp, *slot, action, &key,
					       rule_id), 0);
	fx->rules[fx->n_rules++] = (struct fx_rule_ref){
		.slot = *slot, .action = action, .key = key,
	};
	s->sb.slot[scope] = *slot;
	fx_commit(fx, s);
}

void fx_rule_del(struct fx *fx, struct fx_sandbox *s, __u8 scope, __u8 action,
		 const char *cidr)
{
	struct egress_lpm_key key = prefix(cidr);

	assert_int_equal(egress_dp_ip_rule_del(fx->dp, s->sb.slot[scope], action,
					       &key), 0);
	fx_commit(fx, s);
}

void fx_allow(struct fx *fx, __u8 scope, const char *cidr, __u32 rule_id)
{
	fx_rule(fx, &fx->a, scope, EGRESS_ACT_ALLOW, cidr, rule_id);
}

void fx_deny(struct fx *fx, __u8 scope, const char *cidr, __u32 rule_id)
{
	fx_rule(fx, &fx->a, scope, EGRESS_ACT_DENY, cidr, rule_id);
}

static struct egress_rule name_rule(const char *pattern, __u8 action,
				    __u32 rule_id)
{
	struct egress_rule r;
	char err[256];

	if (egress_rule_parse(pattern, action, &r, err, sizeof(err)))
		fail_msg("bad rule in test: %s", err);
	if (r.kind == EGRESS_RULE_IP)
		fail_msg("not a name rule: %s", pattern);
	r.id = rule_id;
	r.action = action;
	return r;
}

void fx_name_rule(struct fx *fx, struct fx_sandbox *s, __u8 scope, __u8 action,
		  const char *pattern, __u32 rule_id)
{
	struct egress_rule r = name_rule(pattern, action, rule_id);
	__u16 *slot = &s->slot[scope];

	assert_true(fx->n_rules < FX_MAX_RULES);
	if (*slot == EGRESS_SLOT_NONE)
		assert_int_equal(egress_dp_slot_alloc(fx->dp, slot), 0);
	assert_int_equal(egress_dp_name_rule_add(fx->dp, *slot, &r), 0);
	fx->rules[fx->n_rules++] = (struct fx_rule_ref){
		.slot = *slot, .action = action, .name = true, .rule = r,
	};
	s->sb.slot[scope] = *slot;
	fx_commit(fx, s);
}

void fx_name_rule_del(struct fx *fx, struct fx_sandbox *s, __u8 scope,
		      __u8 action, const char *pattern)
{
	struct egress_rule r = name_rule(pattern, action, 1);

	assert_int_equal(egress_dp_name_rule_del(fx->dp, s->sb.slot[scope], &r), 0);
	fx_commit(fx, s);
}

void fx_allow_name(struct fx *fx, __u8 scope, const char *pattern, __u32 rule_id)
{
	fx_name_rule(fx, &fx->a, scope, EGRESS_ACT_ALLOW, pattern, rule_id);
}

void fx_deny_name(struct fx *fx, __u8 scope, const char *pattern, __u32 rule_id)
{
	fx_name_rule(fx, &fx->a, scope, EGRESS_ACT_DENY, pattern, rule_id);
}

void fx_src_addr(struct fx *fx, const char *addr)
{
	__u8 a[16];

	addr16(addr, a);
	assert_int_equal(egress_dp_src_addr_add(fx->dp, fx->a.sb.id, a), 0);
	fx->a.sb.flags |= EGRESS_SB_F_CHECK_IP;
	fx_commit(fx, &fx->a);
}

void fx_resolver(struct fx *fx, const char *addr)
{
	__u8 a[16];

	addr16(addr, a);
	assert_int_equal(egress_dp_resolver_add(fx->dp, fx->a.sb.id, a), 0);
}

void fx_check_mac(struct fx *fx, const __u8 mac[6])
{
	memcpy(fx->a.sb.mac, mac, 6);
	fx->a.sb.flags |= EGRESS_SB_F_CHECK_MAC;
	fx_commit(fx, &fx->a);
}

/* ---- runs --------------------------------------------------------------- */

static void collect_events(struct fx *fx)
{
	fx->n_ev = 0;
	assert_true(egress_dp_events_consume(fx->dp) >= 0);
}

static void assert_unmodified(const struct fx *fx)
{
	assert_int_equal(fx->out_len, fx->len);
	assert_memory_equal(fx->out, fx->frame, fx->len);
}

/*
 * With EGRESS_TEST_TC_INGRESS=1 in the environment, frames from the sandbox
 * go through tc_from_sandbox (the tc ingress build) instead of xdp_egress:
 * every test then checks that build (tests/bpf/meson.build, suite bpf-tc).
 */
static bool tc_ingress(void)
{
	const char *v = getenv("EGRESS_TEST_TC_INGRESS");

	return v && !strcmp(v, "1");
}

__u32 fx_run_xdp(struct fx *fx, __u32 ifindex, size_t len)
{
	struct egress_run run = {
		.frame = fx->frame,
		.len = (__u32)len,
		.ifindex = ifindex,
		.out = fx->out,
		.out_size = sizeof(fx->out),
	};

	fx->len = len;
	if (tc_ingress()) {
		int ret = egress_dp_run_tc_in(fx->dp, &run);

		/*
		 * A tc test run takes frames from an Ethernet header and an IP
		 * header's worth up to one page; GSO super-frames through tc
		 * ingress are covered by the e2e tests' traffic instead.
		 */
		if (ret == -EINVAL && (len < 34 || len > 3000)) {
			print_message("tc test runs do not take %zu-byte frames: skipped\n", len);
			skip();
		}
		assert_int_equal(ret, 0);
	} else {
		assert_int_equal(egress_dp_run_xdp(fx->dp, &run), 0);
	}
	fx->action = run.action;
	fx->out_len = run.out_size;
	collect_events(fx);
	if (fx->action == XDP_PASS)
		assert_unmodified(fx);
	return fx->action;
}

__u32 fx_run_tc(struct fx *fx, __u32 ifindex, size_t len)
{
	struct egress_run run = {
		.frame = fx->frame,
		.len = (__u32)len,
		.ifindex = ifindex,
		.out = fx->out,
		.out_size = sizeof(fx->out),
	};

	fx->len = len;
	assert_int_equal(egress_dp_run_tc(fx->dp, &run), 0);
	fx->action = run.action;
	fx->out_len = run.out_size;
	collect_events(fx);
	assert_unmodified(fx);
	return fx->action;
}

static size_t build(struct fx *fx, const struct pkt_spec *s)
{
	size_t len = frame_build(s, fx->frame, sizeof(fx->frame));

	assert_true(len > 0);
	return len;
}

__u32 fx_xdp(struct fx *fx, const struct pkt_spec *s)
{
	return fx_run_xdp(fx, fx->a.ifindex, build(fx, s));
}

__u32 fx_xdp_on(struct fx *fx, struct fx_sandbox *sbx, const struct pkt_spec *s)
{
	return fx_run_xdp(fx, sbx->ifindex, build(fx, s));
}

__u32 fx_tc(struct fx *fx, const struct pkt_spec *s)
{
	return fx_run_tc(fx, fx->a.ifindex, build(fx, s));
}

void fx_stats(struct fx *fx, __u64 out[EGRESS_STAT__MAX])
{
	assert_int_equal(egress_dp_stats(fx->dp, out), 0);
}

/* ---- expected events ---------------------------------------------------- */

static bool is_echo(const struct pkt_spec *s)
{
	if (s->proto == IPPROTO_ICMP)
		return s->icmp_type == 8 || s->icmp_type == 0;
	return s->icmp_type == 128 || s->icmp_type == 129;
}

static void spec_ports(const struct pkt_spec *s, __u16 *sport, __u16 *dport)
{
	*sport = 0;
	*dport = 0;
	if (spec_without_l4(s))
		return;
	switch (s->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		*sport = s->sport;
		*dport = s->dport;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		*sport = is_echo(s) ? s->icmp_id : s->icmp_type;
		*dport = is_echo(s) ? 0 : s->icmp_code;
		break;
	default:
		break;
	}
}

static __u8 spec_proto_of(const struct pkt_spec *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return EGRESS_PROTO_TCP;
	case IPPROTO_UDP:
		return EGRESS_PROTO_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return EGRESS_PROTO_ICMP;
	default:
		return EGRESS_PROTO_OTHER;
	}
}

struct egress_event ev_l2(const struct fx_sandbox *sbx)
{
	struct egress_event e = {
		.sandbox_id = sbx->sb.id,
		.generation = sbx->sb.generation,
		.count = 1,
		.mode = sbx->sb.mode,
		.proto = EGRESS_PROTO_L2,
	};

	return e;
}

struct egress_event ev_of(const struct fx_sandbox *sbx, const struct pkt_spec *s)
{
	struct egress_event e = ev_l2(sbx);

	e.family = (__u8)s->family;
	e.l4proto = s->proto;
	e.proto = spec_proto_of(s);
	spec_ports(s, &e.sport, &e.dport);
	addr16(s->src, e.saddr);
	addr16(s->dst, e.daddr);
	return e;
}

void ev_decide(struct egress_event *e, __u8 verdict, __u8 flags, __u8 reason,
	       __u8 scope, __u32 rule_id)
{
	e->verdict = verdict;
	e->flags = flags;
	e->reason = reason;
	e->scope = scope;
	e->rule_id = rule_id;
}

void ev_host(struct egress_event *e, const char *host)
{
	memset(e->host, 0, sizeof(e->host));
	e->host_len = 0;
	if (!host)
		return;
	e->host_len = (__u16)strlen(host);
	memcpy(e->host, host, e->host_len);
}

static const char *ev_str(const struct egress_event *e, char *buf, size_t len)
{
	char src[64], dst[64], proto[32];
	int hl = e->host_len < sizeof(e->host) ? e->host_len : 0;

	snprintf(buf, len,
		 "%s%s host=\"%.*s\" reason=%s scope=%s rule=%u proto=%s l4=%u "
		 "family=%u %s -> %s mode=%s gen=%u count=%u sandbox=%u",
		 egress_verdict_name(e->verdict),
		 e->flags & EGRESS_EV_F_WOULD_DENY ? "(would-deny)" : "",
		 hl, e->host, egress_reason_name(e->reason), egress_scope_name(e->scope),
		 e->rule_id,
		 egress_proto_name(e->proto, e->l4proto, e->family, proto,
				   sizeof(proto)),
		 e->l4proto, e->family,
		 egress_endpoint_str(e->saddr, e->sport, src, sizeof(src)),
		 egress_endpoint_str(e->daddr, e->dport, dst, sizeof(dst)),
		 egress_mode_name(e->mode), e->generation, e->count, e->sandbox_id);
	return buf;
}

#define EV_CMP(field)							\
	do {								\
		if (got->field != want->field) {			\
			print_error("  event." #field " = %llu, want %llu\n", \
				    (unsigned long long)got->field,	\
				    (unsigned long long)want->field);	\
			same = false;					\
		}							\
	} while (0)

static bool ev_equal(const struct egress_event *got,
		     const struct egress_event *want)
{
	bool same = true;

	EV_CMP(sandbox_id);
	EV_CMP(generation);
	EV_CMP(rule_id);
	EV_CMP(count);
	EV_CMP(sport);
	EV_CMP(dport);
	EV_CMP(verdict);
	EV_CMP(flags);
	EV_CMP(mode);
	EV_CMP(proto);
	EV_CMP(l4proto);
	EV_CMP(family);
	EV_CMP(reason);
	EV_CMP(scope);
	EV_CMP(host_len);
	if (got->host_len == want->host_len && got->host_len < sizeof(got->host) &&
	    memcmp(got->host, want->host, got->host_len)) {
		print_error("  event.host = \"%.*s\", want \"%.*s\"\n",
			    (int)got->host_len, got->host, (int)want->host_len,
			    want->host);
		same = false;
	}
	if (memcmp(got->saddr, want->saddr, 16)) {
		print_error("  event.saddr differs\n");
		same = false;
	}
	if (memcmp(got->daddr, want->daddr, 16)) {
		print_error("  event.daddr differs\n");
		same = false;
	}
	return same;
}

void check_events(const struct fx *fx, const struct egress_event *want,
		  int n_want, const char *file, int line)
{
	char buf[512];

	if (fx->n_ev != n_want) {
		print_error("%s:%d: %d events, want %d\n", file, line, fx->n_ev, n_want);
		for (int i = 0; i < fx->n_ev && i < FX_MAX_EVENTS; i++)
			print_error("  got:  %s\n", ev_str(&fx->ev[i], buf, sizeof(buf)));
		if (want)
			print_error("  want: %s\n", ev_str(want, buf, sizeof(buf)));
		_fail(file, line);
		return;
	}
	if (n_want == 1 && !ev_equal(&fx->ev[0], want)) {
		print_error("%s:%d: event differs\n", file, line);
		print_error("  got:  %s\n", ev_str(&fx->ev[0], buf, sizeof(buf)));
		print_error("  want: %s\n", ev_str(want, buf, sizeof(buf)));
		_fail(file, line);
	}
}

void check_decision(const struct fx *fx, const struct fx_sandbox *sbx,
		    const struct pkt_spec *s, __u8 verdict, __u8 flags,
		    __u8 reason, __u8 scope, __u32 rule_id, const char *file,
		    int line)
{
	struct egress_event want = ev_of(sbx, s);

	ev_decide(&want, verdict, flags, reason, scope, rule_id);
	check_events(fx, &want, 1, file, line);
}

void check_named(const struct fx *fx, const struct fx_sandbox *sbx,
		 const struct pkt_spec *s, __u8 proto, const char *host,
		 __u8 verdict, __u8 flags, __u8 reason, __u8 scope,
		 __u32 rule_id, const char *file, int line)
{
	struct egress_event want = ev_of(sbx, s);

	want.proto = proto;
	ev_host(&want, host);
	ev_decide(&want, verdict, flags, reason, scope, rule_id);
	check_events(fx, &want, 1, file, line);
}

static const char *action_name(__u32 action, bool tc)
{
	static const char *const xdp[] = { "aborted", "drop", "pass", "tx", "redirect" };

	if (tc)
		return action == TC_ACT_OK ? "ok" :
		       action == TC_ACT_SHOT ? "shot" : "other";
	return action < sizeof(xdp) / sizeof(xdp[0]) ? xdp[action] : "unknown";
}

void check_action(const struct fx *fx, __u32 got, __u32 want, bool tc,
		  const char *file, int line)
{
	char buf[512];

	if (got == want)
		return;
	print_error("%s:%d: action %s, want %s\n", file, line,
		    action_name(got, tc), action_name(want, tc));
	for (int i = 0; i < fx->n_ev && i < FX_MAX_EVENTS; i++)
		print_error("  event: %s\n", ev_str(&fx->ev[i], buf, sizeof(buf)));
	_fail(file, line);
}

/* ---- replies ------------------------------------------------------------ */

#define RST_CMP(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			print_error("%s:%d: RST: ", file, line);	\
			print_error(__VA_ARGS__);			\
			print_error("\n");				\
			same = false;					\
		}							\
	} while (0)

void check_rst(const struct fx *fx, const struct pkt_spec *s, __u32 seq,
	       __u32 ack_seq, __u8 flags, const char *file, int line)
{
	size_t want_len = s->family == 4 ? 14 + 20 + 20 : 14 + 40 + 20;
	struct tcp_reply r;
	const char *why = "";
	__u8 saddr[16], daddr[16];
	bool same = true;

	if (fx->action != XDP_TX) {
		print_error("%s:%d: action %u, want XDP_TX (%u)\n", file, line,
			    fx->action, XDP_TX);
		_fail(file, line);
		return;
	}
	if (tcp_reply_parse(fx->out, fx->out_len, &r, &why)) {
		print_error("%s:%d: malformed RST: %s\n", file, line, why);
		_fail(file, line);
		return;
	}
	addr16(s->src, saddr);
	addr16(s->dst, daddr);
	RST_CMP(fx->out_len == want_len, "length %u, want %zu", fx->out_len, want_len);
	RST_CMP(r.family == s->family, "family %d, want %d", r.family, s->family);
	RST_CMP(!memcmp(r.dmac, s->smac, 6),
		"destination MAC is not the sender's");
	RST_CMP(!memcmp(r.smac, s->dmac, 6),
		"source MAC is not the frame's destination");
	RST_CMP(!memcmp(r.saddr, daddr, 16),
		"source address is not the frame's destination");
	RST_CMP(!memcmp(r.daddr, saddr, 16),
		"destination address is not the sender's");
	RST_CMP(r.sport == s->dport, "source port %u, want %u", r.sport, s->dport);
	RST_CMP(r.dport == s->sport, "destination port %u, want %u", r.dport, s->sport);
	RST_CMP(r.seq == seq, "seq %u, want %u", r.seq, seq);
	RST_CMP(r.ack_seq == ack_seq, "ack %u, want %u", r.ack_seq, ack_seq);
	RST_CMP(r.flags == flags, "flags 0x%02x, want 0x%02x", r.flags, flags);
	RST_CMP(r.payload_len == 0, "carries %u payload bytes", r.payload_len);
	RST_CMP(r.ttl > 0, "TTL/hop limit 0");
	if (!same)
		_fail(file, line);
}

void check_rst_for(const struct fx *fx, const struct pkt_spec *s,
		   const char *file, int line)
{
	__u32 len = s->payload_len + !!(s->tcp_flags & TH_SYN) +
		    !!(s->tcp_flags & TH_FIN);

	if (s->tcp_flags & TH_ACK)
		check_rst(fx, s, s->ack_seq, 0, TH_RST, file, line);
	else
		check_rst(fx, s, 0, s->seq + len, TH_RST | TH_ACK, file, line);
}

/* ---- streams ------------------------------------------------------------- */

void fx_stream_quiet(struct fx *fx, const struct conn *c, const void *bytes,
		     size_t from, size_t to, size_t seg, const char *file,
		     int line)
{
	const __u8 *b = bytes;

	for (size_t off = from; off < to; off += seg) {
		size_t n = to - off < seg ? to - off : seg;
		struct pkt_spec s = conn_seg(c, (__u32)off, b + off, (__u32)n);

		check_action(fx, fx_xdp(fx, &s), XDP_PASS, false, file, line);
		check_events(fx, NULL, 0, file, line);
	}
}

void fx_syn_pending(struct fx *fx, const struct conn *c, const char *file,
		    int line)
{
	struct pkt_spec s = conn_syn(c);

	check_action(fx, fx_xdp(fx, &s), XDP_PASS, false, file, line);
	check_events(fx, NULL, 0, file, line);
}
