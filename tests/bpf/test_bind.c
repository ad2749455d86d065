// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 4, "DNS binding": answers learnt by the tc program before
 * the guest sees them, and flows to addresses no IP rule allows admitted
 * only where an allowed name is bound to them in this sandbox. Every
 * binding here comes from a query run through the XDP program and a built
 * answer run through the tc program.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "dns_fx.h"
#include "dns_build.h"
#include "lib/dns.h"

#define GUEST4	"198.18.0.2"
#define GUEST6	"fd00::2"
#define RES4	FX_RESOLVER4
#define RES6	FX_RESOLVER6
#define ADDR4	"198.18.7.1"
#define ADDR4B	"198.18.7.2"
#define ADDR6	"fd00::7:1"
#define FORGED4	"198.19.66.6"		/* an address no answer gave */

#define SSH_BANNER "SSH-2.0-OpenSSH_9.2\r\n"

static __u16 next_port = 50000;
static __u16 next_id = 0x100;
static __u8 msg[8192];
static __u8 hello[HELLO_MAX];

static __u64 stat_of(struct fx *fx, __u32 idx)
{
	__u64 st[EGRESS_STAT__MAX];

	fx_stats(fx, st);
	return st[idx];
}

/* The sandbox resolves through RES4/RES6, and allows these names. */
static void policy(struct fx *fx)
{
	fx_resolver(fx, RES4);
	fx_resolver(fx, RES6);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 1);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 2);
}

/*
 * The guest asks for a->qname and gets answer a: the query must pass XDP
 * (want_query), the answer always passes tc untouched.
 */
static void exchange_on(struct fx *fx, struct fx_sandbox *sbx, const struct fx_answer *a,
			__u32 want_query)
{
	bool v6 = a->n_addrs && strchr(a->addrs[0], ':');
	const char *guest = v6 ? GUEST6 : GUEST4, *res = v6 ? RES6 : RES4;
	__u16 port = next_port++, id = next_id++;
	size_t len;

	len = fx_query_build(a->qname, a->qtype ? a->qtype : v6 ? 28 : 1, id, msg, sizeof(msg));
	assert_run(fx, fx_dns_query(fx, sbx, guest, res, port, msg, len), want_query);
	len = fx_answer_build(a, id, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, sbx, res, guest, port, msg, len), TC_ACT_OK);
	assert_no_event(fx);
}

#define exchange(fx, ans) exchange_on(fx, &(fx)->a, ans, XDP_PASS)

/* A SYN to dst:port: passes silently (waits for its first bytes) or is refused. */
static void syn_to(struct fx *fx, const char *dst, __u16 port, bool passes)
{
	struct conn c = conn_of(strchr(dst, ':') ? GUEST6 : GUEST4, next_port++, dst, port);
	struct pkt_spec syn = conn_syn(&c);

	if (passes) {
		assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
		assert_no_event(fx);
		return;
	}
	assert_run(fx, fx_xdp(fx, &syn), XDP_TX);
	assert_rst_for(fx, &syn);
	assert_decision(fx, &syn, EGRESS_DENIED, 0, EGRESS_REASON_UNBOUND_ADDRESS,
			EGRESS_SCOPE_NONE, 0);
}

/* A flow to dst:port whose first bytes are bytes: its decision. */
static void first_bytes(struct fx *fx, const char *dst, __u16 port, const void *bytes,
			size_t n, __u8 proto, const char *host, __u8 verdict, __u8 flags,
			__u8 reason, __u32 rule_id)
{
	struct conn c = conn_of(strchr(dst, ':') ? GUEST6 : GUEST4, next_port++, dst, port);
	struct pkt_spec syn = conn_syn(&c), s = conn_seg(&c, 0, bytes, (__u32)n);

	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	if (verdict == EGRESS_ALLOWED) {
		assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	} else {
		assert_run(fx, fx_xdp(fx, &s), XDP_TX);
		assert_rst_for(fx, &s);
	}
	assert_named(fx, &s, proto, host, verdict, flags, reason,
		     rule_id ? EGRESS_SCOPE_SANDBOX : EGRESS_SCOPE_NONE, rule_id);
}

static void tls_to(struct fx *fx, const char *dst, const char *sni, __u8 verdict,
		   __u8 reason, __u32 rule_id)
{
	struct hello_spec h = { .sni = sni };
	size_t n = hello_build(&h, hello, sizeof(hello), NULL);

	first_bytes(fx, dst, 443, hello, n, EGRESS_PROTO_TLS, sni, verdict, 0, reason,
		    rule_id);
}

static void ssh_to(struct fx *fx, const char *dst, __u8 verdict, __u8 reason, __u32 rule_id)
{
	first_bytes(fx, dst, 22, SSH_BANNER, strlen(SSH_BANNER), EGRESS_PROTO_TCP, NULL,
		    verdict, 0, reason, rule_id);
}

/* ---- learning ---------------------------------------------------------------- */

static void answer_binds_and_admits(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 2,
			       .addrs = { ADDR4, ADDR4B } };
	struct fx_answer a6 = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
				.addrs = { ADDR6 } };
	__u64 bound = stat_of(fx, EGRESS_STAT_DNS_ANSWERS_BOUND);

	policy(fx);
	syn_to(fx, ADDR4, 443, false);		/* before: unbound */
	exchange(fx, &a);
	exchange(fx, &a6);
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_BOUND), bound + 2);
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "pypi.org"));
	assert_true(fx_is_bound(fx, &fx->a, ADDR4B, "pypi.org"));
	assert_true(fx_is_bound(fx, &fx->a, ADDR6, "pypi.org"));
	assert_int_equal(egress_dp_bindings_count(fx->dp, fx->a.sb.id), 3);
	tls_to(fx, ADDR4, "pypi.org", EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 1);
	tls_to(fx, ADDR6, "pypi.org", EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 1);
	/* no name: SSH (git push) to where an allowed name resolved */
	ssh_to(fx, ADDR4B, EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 1);
	ssh_to(fx, ADDR6, EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 1);
}

/* UDP other than DNS and QUIC: bound addresses only. */
static void udp_by_binding(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "ntp.example.com", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	struct pkt_spec u = spec_udp(GUEST4, 40000, ADDR4, 123);
	struct pkt_spec v = spec_udp(GUEST4, 40001, ADDR4B, 123);

	policy(fx);
	exchange(fx, &a);
	assert_run(fx, fx_xdp(fx, &u), XDP_PASS);
	assert_decision(fx, &u, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
			EGRESS_SCOPE_SANDBOX, 2);
	assert_run(fx, fx_xdp(fx, &v), XDP_DROP);
	assert_decision(fx, &v, EGRESS_DENIED, 0, EGRESS_REASON_UNBOUND_ADDRESS,
			EGRESS_SCOPE_NONE, 0);
}

/* Every name of the CNAME chain is bound, and judged on its own. */
static void cname_chain(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "www.example.com", .ttl = 60, .n_chain = 3,
			       .chain = { "cdn.example.net", "edge.cdn.example.net",
					  "e1.edge.cdn.example.net" },
			       .n_addrs = 1, .addrs = { ADDR4 } };

	policy(fx);
	exchange(fx, &a);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), 4);
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "www.example.com"));
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "cdn.example.net"));
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "e1.edge.cdn.example.net"));
	tls_to(fx, ADDR4, "www.example.com", EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 2);
	/* bound, but not allowed: the SNI check holds on a bound flow */
	tls_to(fx, ADDR4, "cdn.example.net", EGRESS_DENIED,
	       EGRESS_REASON_NOT_ALLOWLISTED, 0);
	/* allowed, never resolved to it */
	tls_to(fx, ADDR4, "api.example.com", EGRESS_DENIED,
	       EGRESS_REASON_UNBOUND_ADDRESS, 0);
}

/* 30 address records: the first EG_DNS_MAX_ADDRS are bound, nothing breaks. */
static void thirty_records(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 30 };
	static char addrs[30][32];

	for (int i = 0; i < 30; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "198.18.8.%d", i + 1);
		a.addrs[i] = addrs[i];
	}
	policy(fx);
	exchange(fx, &a);
	for (int i = 0; i < 30; i++)
		assert_int_equal(fx_is_bound(fx, &fx->a, addrs[i], "pypi.org"),
				 i < EG_DNS_MAX_ADDRS);
	tls_to(fx, addrs[0], "pypi.org", EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 1);
	tls_to(fx, addrs[15], "pypi.org", EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 1);
	syn_to(fx, addrs[29], 443, false);
}

/* Answers that match no query the data path let through bind nothing. */
static void unsolicited_answers_ignored(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	__u64 unsolicited = stat_of(fx, EGRESS_STAT_DNS_ANSWERS_UNSOLICITED);
	__u16 port = next_port++;
	size_t len;

	policy(fx);
	/* no query at all */
	len = fx_answer_build(&a, 0x7777, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	/* a query, answered with another ID, to another port, from another server */
	len = fx_query_build("pypi.org", 1, 0x1111, msg, sizeof(msg));
	assert_run(fx, fx_dns_query(fx, &fx->a, GUEST4, RES4, port, msg, len), XDP_PASS);
	len = fx_answer_build(&a, 0x1112, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	len = fx_answer_build(&a, 0x1111, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port + 1, msg, len),
		      TC_ACT_OK);
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, "198.18.0.99", GUEST4, port, msg, len),
		      TC_ACT_OK);
	/* the right ID, port and server, but another question */
	a.qname = "api.example.com";
	len = fx_answer_build(&a, 0x1111, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_UNSOLICITED), unsolicited + 5);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), 0);
	syn_to(fx, ADDR4, 443, false);
	/* the real answer still binds; once */
	a.qname = "pypi.org";
	len = fx_answer_build(&a, 0x1111, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "pypi.org"));
	a.addrs[0] = ADDR4B;
	len = fx_answer_build(&a, 0x1111, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4B), 0);
}

/* A denied query is answered by XDP; a forged answer to it binds nothing. */
static void denied_query_never_binds(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "evil.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };

	policy(fx);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 3);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.org", 4);
	exchange_on(fx, &fx->a, &a, XDP_TX);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), 0);
	syn_to(fx, ADDR4, 443, false);
	/* and warn lets a would-deny query through, but binds nothing from it */
	fx_mode(fx, EGRESS_MODE_WARN);
	a.qname = "evil.org";
	{
		__u16 port = next_port++;
		size_t len = fx_query_build("evil.org", 1, 0x2222, msg, sizeof(msg));

		assert_run(fx, fx_dns_query(fx, &fx->a, GUEST4, RES4, port, msg, len),
			   XDP_PASS);
		len = fx_answer_build(&a, 0x2222, msg, sizeof(msg));
		assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len),
			      TC_ACT_OK);
	}
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), 0);
}

/* Bindings are per sandbox: one sandbox's answer never admits another's flow. */
static void sandboxes_apart(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	__u16 port = next_port++;
	struct conn c;
	struct pkt_spec syn;
	size_t len;

	policy(fx);
	fx_use_b(fx);
	fx_name_rule(fx, &fx->b, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, "pypi.org", 5);
	/* a's query; its answer delivered on b's interface */
	len = fx_query_build("pypi.org", 1, 0x3333, msg, sizeof(msg));
	assert_run(fx, fx_dns_query(fx, &fx->a, GUEST4, RES4, port, msg, len), XDP_PASS);
	len = fx_answer_build(&a, 0x3333, msg, sizeof(msg));
	assert_run_tc(fx, fx_dns_answer(fx, &fx->b, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	assert_int_equal(fx_bound_names(fx, &fx->b, ADDR4), 0);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), 0);
	/* a's own answer binds in a only */
	assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, msg, len), TC_ACT_OK);
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, "pypi.org"));
	assert_int_equal(fx_bound_names(fx, &fx->b, ADDR4), 0);
	c = conn_of(GUEST4, next_port++, ADDR4, 443);
	syn = conn_syn(&c);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &syn), XDP_TX);
	assert_decision_in(fx, &fx->b, &syn, EGRESS_DENIED, 0,
			   EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
	syn_to(fx, ADDR4, 443, true);
}

/* Answers the parser refuses (loops, forward pointers) bind nothing. */
static void malformed_answers_ignored(void **state)
{
	struct fx *fx = FX(state);
	__u64 bad = stat_of(fx, EGRESS_STAT_DNS_ANSWERS_MALFORMED);
	struct dmsg m;
	__u16 port;
	size_t len, q, rr;
	__u8 a4[4] = { 198, 18, 7, 1 };

	policy(fx);
	for (int kind = 0; kind < 3; kind++) {
		port = next_port++;
		len = fx_query_build("pypi.org", 1, 0x4444, msg, sizeof(msg));
		assert_run(fx, fx_dns_query(fx, &fx->a, GUEST4, RES4, port, msg, len),
			   XDP_PASS);
		dm_init(&m);
		dm_header(&m, 0x4444, 0x8180, 1, 1, 0, 0);
		q = dm_question(&m, "pypi.org", 1, 1);
		rr = m.len;
		if (kind == 0) {
			dm_ptr(&m, (unsigned int)rr);		/* points at itself */
		} else if (kind == 1) {
			dm_ptr(&m, (unsigned int)rr + 2);	/* forward */
			dm_name(&m, "pypi.org");
		} else {
			dm_label(&m, "pypi", 4);		/* a pointer loop via two */
			dm_ptr(&m, (unsigned int)rr);
		}
		dm_rr(&m, 1, 1, 60, 4);
		dm_bytes(&m, a4, 4);
		(void)q;
		assert_run_tc(fx, fx_dns_answer(fx, &fx->a, RES4, GUEST4, port, m.b, m.len),
			      TC_ACT_OK);
	}
	assert_int_equal(stat_of(fx, EGRESS_STAT_DNS_ANSWERS_MALFORMED), bad + 3);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), 0);
	syn_to(fx, ADDR4, 443, false);
}

/* ---- enforcement ----------------------------------------------------------------- */

/* curl --resolve pypi.org:443:<an address DNS never gave>: refused at its SYN. */
static void allowed_name_to_unbound_address(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };

	policy(fx);
	exchange(fx, &a);
	syn_to(fx, FORGED4, 443, false);
	/* bound to another allowed name: the SNI must be bound there too */
	a.qname = "files.example.com";
	a.addrs[0] = ADDR4B;
	exchange(fx, &a);
	tls_to(fx, ADDR4B, "pypi.org", EGRESS_DENIED, EGRESS_REASON_UNBOUND_ADDRESS, 0);
	tls_to(fx, ADDR4B, "files.example.com", EGRESS_ALLOWED, EGRESS_REASON_ALLOW_RULE, 2);
}

/* Names are judged when the flow comes: a revoked name admits no more. */
static void revoked_name_admits_nothing(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 60, .n_addrs = 1,
			       .addrs = { ADDR4 } };

	policy(fx);
	exchange(fx, &a);
	syn_to(fx, ADDR4, 22, true);
	fx_name_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, "pypi.org");
	syn_to(fx, ADDR4, 22, false);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "pypi.org", 7);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 1);
	syn_to(fx, ADDR4, 22, false);
}

/* warn: what deny would refuse for want of a binding is audited as would-deny. */
static void warn_audits_unbound(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = "pypi.org" };
	size_t n = hello_build(&h, hello, sizeof(hello), NULL);
	struct pkt_spec u = spec_udp(GUEST4, 40100, FORGED4, 5000);

	policy(fx);
	fx_mode(fx, EGRESS_MODE_WARN);
	first_bytes(fx, FORGED4, 443, hello, n, EGRESS_PROTO_TLS, "pypi.org",
		    EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_UNBOUND_ADDRESS, 0);
	first_bytes(fx, FORGED4, 22, SSH_BANNER, strlen(SSH_BANNER), EGRESS_PROTO_TCP,
		    NULL, EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_UNBOUND_ADDRESS, 0);
	assert_run(fx, fx_xdp(fx, &u), XDP_PASS);
	assert_decision(fx, &u, EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_UNBOUND_ADDRESS,
			EGRESS_SCOPE_NONE, 0);
}

/* An IP rule needs no binding; a name deny still holds on it. */
static void ip_rules_need_no_binding(void **state)
{
	struct fx *fx = FX(state);
	struct hello_spec h = { .sni = "pypi.org" };
	size_t n = hello_build(&h, hello, sizeof(hello), NULL);

	policy(fx);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, "198.19.66.0/24", 9);
	{
		struct conn c = conn_of(GUEST4, next_port++, FORGED4, 443);
		struct pkt_spec syn = conn_syn(&c);

		assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
		assert_decision(fx, &syn, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
				EGRESS_SCOPE_SANDBOX, 9);
	}
	/* a name deny rule makes it wait for the name, still unbound */
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 10);
	first_bytes(fx, FORGED4, 443, hello, n, EGRESS_PROTO_TLS, "pypi.org",
		    EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE, 10);
}

/*
 * A flow the binding admitted outlives the binding: a policy change decides
 * it again by the name that was bound then (a long SSH session), and cuts
 * it only once that name is no longer allowed.
 */
static void admitted_flow_outlives_binding(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 1, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 300 * 1000 * 1000 };
	struct conn ssh = conn_of(GUEST4, next_port++, ADDR4, 22);
	struct conn tls = conn_of(GUEST4, next_port++, ADDR4, 443);
	struct hello_spec h = { .sni = "pypi.org" };
	size_t n = hello_build(&h, hello, sizeof(hello), NULL);
	struct pkt_spec s;

	policy(fx);
	assert_int_equal(egress_dp_binding_grace_set(fx->dp, 0), 0);
	exchange(fx, &a);
	s = conn_syn(&ssh);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	s = conn_seg(&ssh, 0, SSH_BANNER, strlen(SSH_BANNER));
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	s = conn_syn(&tls);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	s = conn_seg(&tls, 0, hello, (__u32)n);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "pypi.org", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);

	nanosleep(&ts, NULL);			/* the binding expires */
	assert_int_equal(egress_dp_binding_grace_set(fx->dp, EGRESS_BINDING_GRACE_S), 0);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "other.example.net", 11);
	s = conn_seg(&ssh, 100, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	s = conn_seg(&tls, (__u32)n, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	syn_to(fx, ADDR4, 22, false);		/* a new flow needs a live binding */

	/* the bound name revoked: both are cut */
	fx_name_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, "pypi.org");
	s = conn_seg(&ssh, 200, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].verdict, EGRESS_DENIED);
	s = conn_seg(&tls, (__u32)n + 100, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_int_equal(fx->n_ev, 1);
	assert_int_equal(fx->ev[0].verdict, EGRESS_DENIED);
}

/* ---- limits ------------------------------------------------------------------------ */

/* Expired bindings are not honoured, and userspace sweeps them. */
static void ttl_expiry(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 1, .n_addrs = 1,
			       .addrs = { ADDR4 } };
	struct fx_answer b = { .qname = "pypi.org", .ttl = 600, .n_addrs = 1,
			       .addrs = { ADDR4B } };
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 300 * 1000 * 1000 };

	policy(fx);
	assert_int_equal(egress_dp_binding_grace_set(fx->dp, 0), 0);
	exchange(fx, &a);
	exchange(fx, &b);
	assert_int_equal(egress_dp_bindings_count(fx->dp, fx->a.sb.id), 2);
	syn_to(fx, ADDR4, 443, true);
	nanosleep(&ts, NULL);
	syn_to(fx, ADDR4, 443, false);
	syn_to(fx, ADDR4B, 443, true);
	assert_int_equal(egress_dp_bindings_count(fx->dp, fx->a.sb.id), 1);
	assert_int_equal(egress_dp_bindings_expire(fx->dp, fx->a.sb.id), 1);
	assert_true(egress_dp_bindings_expire(fx->dp, 0) >= 0);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4B), 1);
	/* with grace, a short TTL lives on */
	assert_int_equal(egress_dp_binding_grace_set(fx->dp, EGRESS_BINDING_GRACE_S), 0);
	exchange(fx, &a);
	nanosleep(&ts, NULL);
	syn_to(fx, ADDR4, 443, true);
}

/* A full binding map never allows: the new address stays unbound, counted. */
static void full_binding_map(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .qname = "pypi.org", .ttl = 600, .n_addrs = 16 };
	static char addrs[16][32];
	__u64 failed = stat_of(fx, EGRESS_STAT_BINDING_INSERT_FAILED);
	int batches = EGRESS_BINDINGS_PER_SANDBOX / 16;

	policy(fx);
	for (int i = 0; i < 16; i++)
		a.addrs[i] = addrs[i];
	for (int b = 0; b < batches; b++) {
		for (int i = 0; i < 16; i++) {
			int n = b * 16 + i;

			snprintf(addrs[i], sizeof(addrs[i]), "fd00::a:%x:%x", n >> 8, n & 0xff);
		}
		exchange(fx, &a);
	}
	assert_int_equal(egress_dp_bindings_count(fx->dp, fx->a.sb.id),
			 EGRESS_BINDINGS_PER_SANDBOX);
	assert_int_equal(stat_of(fx, EGRESS_STAT_BINDING_INSERT_FAILED), failed);
	a.n_addrs = 1;
	a.addrs[0] = ADDR6;
	exchange(fx, &a);
	assert_int_equal(stat_of(fx, EGRESS_STAT_BINDING_INSERT_FAILED), failed + 1);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR6), 0);
	syn_to(fx, ADDR6, 443, false);
	/* an address bound already is refreshed, not inserted */
	a.addrs[0] = "fd00::a:0:0";
	exchange(fx, &a);
	assert_int_equal(stat_of(fx, EGRESS_STAT_BINDING_INSERT_FAILED), failed + 1);
	syn_to(fx, "fd00::a:0:0", 443, true);
}

/* More names for one address than it keeps: the oldest goes first. */
static void names_per_address(void **state)
{
	struct fx *fx = FX(state);
	struct fx_answer a = { .ttl = 60, .n_addrs = 1, .addrs = { ADDR4 } };
	char names[EGRESS_BINDING_NAMES + 2][32];

	policy(fx);
	for (int i = 0; i < EGRESS_BINDING_NAMES + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d.example.com", i);
		a.qname = names[i];
		a.ttl = 60 + (__u32)i;
		exchange(fx, &a);
	}
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), EGRESS_BINDING_NAMES);
	assert_false(fx_is_bound(fx, &fx->a, ADDR4, names[0]));
	assert_false(fx_is_bound(fx, &fx->a, ADDR4, names[1]));
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, names[EGRESS_BINDING_NAMES + 1]));
	/* the same name again refreshes its slot */
	a.qname = names[2];
	exchange(fx, &a);
	assert_int_equal(fx_bound_names(fx, &fx->a, ADDR4), EGRESS_BINDING_NAMES);
	assert_true(fx_is_bound(fx, &fx->a, ADDR4, names[2]));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest learning[] = {
		fx_test(answer_binds_and_admits),
		fx_test(udp_by_binding),
		fx_test(cname_chain),
		fx_test(thirty_records),
		fx_test(unsolicited_answers_ignored),
		fx_test(denied_query_never_binds),
		fx_test(sandboxes_apart),
		fx_test(malformed_answers_ignored),
	};
	const struct CMUnitTest enforcement[] = {
		fx_test(allowed_name_to_unbound_address),
		fx_test(revoked_name_admits_nothing),
		fx_test(warn_audits_unbound),
		fx_test(ip_rules_need_no_binding),
		fx_test(admitted_flow_outlives_binding),
	};
	const struct CMUnitTest limits[] = {
		fx_test(ttl_expiry),
		fx_test(full_binding_map),
		fx_test(names_per_address),
	};
	const struct fx_group groups[] = {
		FX_GROUP("learning", learning),
		FX_GROUP("enforcement", enforcement),
		FX_GROUP("limits", limits),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
