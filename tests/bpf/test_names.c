// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN sections 4 (step 6), 5 and 6 for names: when a TCP flow waits for
 * the name its first bytes carry (TLS SNI, HTTP Host) and when its address
 * decides it at once; how name rules combine with address rules across the
 * scopes; wildcards, "*", label boundaries and canonical names; flows that
 * carry no name; flows met mid-stream; and the re-decision of waiting and
 * named flows when the policy changes.
 */
#include <stdio.h>
#include <string.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "harness.h"
#include "dns_fx.h"

#define GUEST4	"198.18.0.2"
#define PEER4	"198.18.0.1"
#define OTHER4	"198.18.0.3"
#define GUEST6	"fd00::2"
#define PEER6	"fd00::1"
#define METADATA "198.19.255.254"
#define UNBOUND4 "198.18.0.9"	/* no name is ever bound to these */
#define UNBOUND6 "fd00::9"

#define SSH_BANNER "SSH-2.0-OpenSSH_9.2\r\n"

/* A flow refused mid-hello for want of room: its bytes are gone, so is what they were. */
#define PROTO_OF_EVICTED EGRESS_PROTO_TCP


/*
 * Every test starts as a guest that has resolved these names to the peers
 * through the data path (DNS binding, DESIGN section 4): what it does next
 * is what these tests are about. Bindings are judged against the rules a
 * test sets, when a flow uses them; test_dns.c tests the bindings
 * themselves.
 */
static const char *const bound_names[] = {
	"api.example.com", "www.example.com", "www.example.net",
};

static int bound_setup(void **state)
{
	static const char *const peers[] = { PEER4, PEER6, OTHER4 };
	struct fx *fx;

	if (fx_setup(state))
		return -1;
	fx = *state;
	for (size_t i = 0; i < sizeof(peers) / sizeof(peers[0]); i++)
		for (size_t j = 0; j < sizeof(bound_names) / sizeof(bound_names[0]); j++)
			fx_bind_in(fx, &fx->a, bound_names[j], peers[i], 3600);
	return 0;
}

#undef fx_test
#define fx_test(f) cmocka_unit_test_setup(f, bound_setup)

/*
 * The shared address of a CDN: an allowed name (rule 99) bound to dst as
 * well, so a flow to it is let through to show its name, which then
 * decides (DESIGN section 4: a denied name on an allowed name's address
 * stays denied).
 */
static void cdn_bound(struct fx *fx, const char *dst)
{
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "cdn.example.net", 99);
	fx_bind_in(fx, &fx->a, "cdn.example.net", dst, 7200);
}

static __u16 next_port = 30000;
static __u8 payload[HELLO_MAX];

static const char *src_for(const char *dst)
{
	return strchr(dst, ':') ? GUEST6 : GUEST4;
}

/* A ClientHello naming sni (NULL: none) into payload; its length. */
static size_t hello_for(const char *sni)
{
	struct hello_spec h = { .sni = sni };
	size_t n = hello_build(&h, payload, sizeof(payload), NULL);

	assert_true(n > 0);
	return n;
}

static size_t text_for(const char *text)
{
	size_t n = strlen(text);

	memcpy(payload, text, n);
	return n;
}

/*
 * A new flow to dst: its SYN passes silently (the flow waits), its first
 * segment carries payload[0..len) and must come out as this decision:
 * passed when allowed, answered with an RST when denied; the segment after
 * it passes (allowed) or is dropped (denied), silently.
 */
static void first_bytes_at(struct fx *fx, const char *dst, size_t len,
			   __u8 proto, const char *host, __u8 verdict,
			   __u8 flags, __u8 reason, __u8 scope, __u32 rule_id,
			   const char *file, int line)
{
	struct conn c = conn_of(src_for(dst), next_port++, dst, 443);
	struct pkt_spec s = conn_seg(&c, 0, payload, (__u32)len);
	struct pkt_spec next = conn_seg(&c, (__u32)len, "more data", 9);
	__u32 action;

	if (host)	/* the guest resolved the name it connects to, if it could */
		fx_bind_try(fx, host, dst);
	fx_syn_pending(fx, &c, file, line);
	action = fx_xdp(fx, &s);
	if (verdict == EGRESS_ALLOWED)
		check_action(fx, action, XDP_PASS, false, file, line);
	else
		check_rst_for(fx, &s, file, line);
	check_named(fx, &fx->a, &s, proto, host, verdict, flags, reason, scope,
		    rule_id, file, line);
	check_action(fx, fx_xdp(fx, &next),
		     verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP, false,
		     file, line);
	check_events(fx, NULL, 0, file, line);
}

#define tls_decided(fx, dst, sni, host, verdict, flags, reason, scope, rule_id) \
	first_bytes_at(fx, dst, hello_for(sni), EGRESS_PROTO_TLS, host,	\
		       verdict, flags, reason, scope, rule_id, __FILE__, __LINE__)
#define tls_allowed(fx, dst, sni, scope, rule_id)			\
	tls_decided(fx, dst, sni, sni, EGRESS_ALLOWED, 0,		\
		    EGRESS_REASON_ALLOW_RULE, scope, rule_id)
#define tls_denied(fx, dst, sni, scope, rule_id)			\
	tls_decided(fx, dst, sni, sni, EGRESS_DENIED, 0,		\
		    EGRESS_REASON_DENY_RULE, scope, rule_id)
#define tls_not_allowlisted(fx, dst, sni)				\
	tls_decided(fx, dst, sni, sni, EGRESS_DENIED, 0,		\
		    EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0)
#define text_decided(fx, dst, text, proto, host, verdict, flags, reason, scope, \
		     rule_id)						\
	first_bytes_at(fx, dst, text_for(text), proto, host, verdict,	\
		       flags, reason, scope, rule_id, __FILE__, __LINE__)

/*
 * A new flow to dst decided at its SYN, by address (the event names no
 * host); a ClientHello after it passes (allowed) or is dropped (denied)
 * without another event.
 */
static void syn_final_at(struct fx *fx, const char *dst, __u8 verdict,
			 __u8 flags, __u8 reason, __u8 scope, __u32 rule_id,
			 const char *file, int line)
{
	struct conn c = conn_of(src_for(dst), next_port++, dst, 443);
	struct pkt_spec syn = conn_syn(&c);
	struct pkt_spec hello;
	__u32 action = fx_xdp(fx, &syn);

	if (verdict == EGRESS_ALLOWED)
		check_action(fx, action, XDP_PASS, false, file, line);
	else
		check_rst_for(fx, &syn, file, line);
	check_named(fx, &fx->a, &syn, EGRESS_PROTO_TCP, NULL, verdict, flags,
		    reason, scope, rule_id, file, line);
	hello = conn_seg(&c, 0, payload, (__u32)hello_for("api.example.com"));
	check_action(fx, fx_xdp(fx, &hello),
		     verdict == EGRESS_ALLOWED ? XDP_PASS : XDP_DROP, false,
		     file, line);
	check_events(fx, NULL, 0, file, line);
}

#define syn_final(fx, dst, verdict, flags, reason, scope, rule_id)	\
	syn_final_at(fx, dst, verdict, flags, reason, scope, rule_id,	\
		     __FILE__, __LINE__)

/* ---- the SYN: decided at once, or waiting for the name ------------------- */

static void deny_all_denies_at_syn(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_ALWAYS, PEER4, 1);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 2);
	fx_allow_name(fx, EGRESS_SCOPE_ALWAYS, "api.example.com", 3);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	syn_final(fx, PEER4, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
		  EGRESS_SCOPE_NONE, 0);
	syn_final(fx, PEER6, EGRESS_DENIED, 0, EGRESS_REASON_DENY_ALL,
		  EGRESS_SCOPE_NONE, 0);
}

/* The platform's address denials come first, in every mode. */
static void always_deny_address_at_syn_in_every_mode(void **state)
{
	struct fx *fx = FX(state);
	const __u8 modes[] = { EGRESS_MODE_ALLOW_ALL, EGRESS_MODE_WARN,
			       EGRESS_MODE_DENY };

	fx_deny(fx, EGRESS_SCOPE_ALWAYS, METADATA, 7);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, METADATA, 8);
	fx_allow_name(fx, EGRESS_SCOPE_ALWAYS, "api.example.com", 9);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 10);
	for (size_t i = 0; i < sizeof(modes); i++) {
		fx_mode(fx, modes[i]);
		syn_final(fx, METADATA, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
			  EGRESS_SCOPE_ALWAYS, 7);
	}
}

static void warn_waits_for_the_name(void **state)
{
	struct fx *fx = FX(state);

	fx_mode(fx, EGRESS_MODE_WARN);
	tls_decided(fx, PEER4, "api.example.com", "api.example.com",
		    EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED,
		    EGRESS_SCOPE_NONE, 0);
	tls_decided(fx, PEER6, "api.example.com", "api.example.com",
		    EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED,
		    EGRESS_SCOPE_NONE, 0);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "evil.example.com", 2);
	tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
	tls_decided(fx, PEER4, "evil.example.com", "evil.example.com",
		    EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_DENY_RULE,
		    EGRESS_SCOPE_GLOBAL, 2);
	/* an address rule allows whatever name, and the event names it */
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, OTHER4, 3);
	tls_allowed(fx, OTHER4, "www.example.org", EGRESS_SCOPE_SANDBOX, 3);
	text_decided(fx, PEER4, "GET / HTTP/1.1\r\nHost: www.example.net\r\n\r\n",
		     EGRESS_PROTO_HTTP, "www.example.net", EGRESS_ALLOWED,
		     WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

static void allow_all_waits_for_the_name(void **state)
{
	struct fx *fx = FX(state);

	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, PEER6, 2);
	tls_decided(fx, PEER4, "api.example.com", "api.example.com",
		    EGRESS_ALLOWED, 0, EGRESS_REASON_MODE_ALLOW,
		    EGRESS_SCOPE_NONE, 0);
	tls_decided(fx, PEER6, "www.example.com", "www.example.com",
		    EGRESS_ALLOWED, 0, EGRESS_REASON_MODE_ALLOW,
		    EGRESS_SCOPE_NONE, 0);
	text_decided(fx, PEER4, "GET / HTTP/1.1\r\nHost: www.example.net\r\n\r\n",
		     EGRESS_PROTO_HTTP, "www.example.net", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_MODE_ALLOW, EGRESS_SCOPE_NONE, 0);
}

/* deny: a deny rule for the address ends the flow at once, names or not. */
static void deny_address_rule_at_syn(void **state)
{
	struct fx *fx = FX(state);

	fx_deny(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_deny(fx, EGRESS_SCOPE_GLOBAL, "fd00::/8", 2);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 3);
	fx_allow_name(fx, EGRESS_SCOPE_ALWAYS, "*", 4);
	syn_final(fx, PEER4, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
		  EGRESS_SCOPE_SANDBOX, 1);
	syn_final(fx, PEER6, EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
		  EGRESS_SCOPE_GLOBAL, 2);
}

/* deny: an allowed address with no name deny rule anywhere: at once. */
static void allowed_address_at_syn_without_name_denials(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER6, 2);
	syn_final(fx, PEER4, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		  EGRESS_SCOPE_SANDBOX, 1);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "www.example.com", 3);
	fx_allow_name(fx, EGRESS_SCOPE_GLOBAL, "*", 4);
	syn_final(fx, PEER6, EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		  EGRESS_SCOPE_GLOBAL, 2);
}

/* deny: an allowed address waits when a name deny rule exists (any scope). */
static void allowed_address_waits_for_name_denials(void **state)
{
	static const __u8 scopes[] = { EGRESS_SCOPE_ALWAYS, EGRESS_SCOPE_GLOBAL,
				       EGRESS_SCOPE_SANDBOX };
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	for (size_t i = 0; i < sizeof(scopes); i++) {
		char name[32];

		snprintf(name, sizeof(name), "evil%zu.example.com", i);
		fx_deny_name(fx, scopes[i], name, 10 + (__u32)i);
		tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
		tls_denied(fx, PEER4, name, scopes[i], 10 + (__u32)i);
	}
}

/* deny: an address nothing allows is denied at once, unless a name may allow it. */
static void unlisted_address_at_syn_without_name_allows(void **state)
{
	struct fx *fx = FX(state);

	syn_final(fx, PEER4, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
		  EGRESS_SCOPE_NONE, 0);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_ALWAYS, "*.evil.example", 2);
	syn_final(fx, PEER4, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
		  EGRESS_SCOPE_NONE, 0);
	syn_final(fx, PEER6, EGRESS_DENIED, 0, EGRESS_REASON_NOT_ALLOWLISTED,
		  EGRESS_SCOPE_NONE, 0);
}

static void unlisted_address_waits_for_name_allows(void **state)
{
	static const __u8 scopes[] = { EGRESS_SCOPE_ALWAYS, EGRESS_SCOPE_GLOBAL,
				       EGRESS_SCOPE_SANDBOX };
	struct fx *fx = FX(state);

	for (size_t i = 0; i < sizeof(scopes); i++) {
		char name[32];

		snprintf(name, sizeof(name), "api%zu.example.com", i);
		fx_allow_name(fx, scopes[i], name, 10 + (__u32)i);
		tls_allowed(fx, PEER4, name, scopes[i], 10 + (__u32)i);
		tls_allowed(fx, PEER6, name, scopes[i], 10 + (__u32)i);
		tls_not_allowlisted(fx, PEER4, "www.example.com");
		tls_not_allowlisted(fx, PEER6, "www.example.com");
	}
}

/* A SYN retransmitted while the flow waits changes nothing. */
static void syn_retransmission_while_waiting(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 30999, PEER4, 443);
	struct pkt_spec syn = conn_syn(&c), hello;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &syn), XDP_PASS);
	assert_no_event(fx);
	hello = conn_seg(&c, 0, payload, (__u32)hello_for("api.example.com"));
	assert_run(fx, fx_xdp(fx, &hello), XDP_PASS);
	assert_named(fx, &hello, EGRESS_PROTO_TLS, "api.example.com",
		     EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 1);
}

/* ---- precedence with names -------------------------------------------------- */

static void always_deny_name_beats_always_allow_address(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_ALWAYS, "198.18.0.0/15", 1);
	fx_deny_name(fx, EGRESS_SCOPE_ALWAYS, "evil.example.com", 2);
	tls_denied(fx, PEER4, "evil.example.com", EGRESS_SCOPE_ALWAYS, 2);
	tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_ALWAYS, 1);
}

/* always-allow outranks every user deny, of names too. */
static void always_allow_address_beats_name_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_ALWAYS, PEER4, 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "evil.example.com", 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.example.com", 3);
	tls_allowed(fx, PEER4, "evil.example.com", EGRESS_SCOPE_ALWAYS, 1);
}

static void always_allow_name_beats_user_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_ALWAYS, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "api.example.com", 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 3);
	tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_ALWAYS, 1);
	tls_denied(fx, PEER4, "www.example.com", EGRESS_SCOPE_SANDBOX, 3);
}

/* An address allow admits any name, unless a name deny rule matches. */
static void address_allow_with_name_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER6, 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.example.com", 3);
	tls_denied(fx, PEER4, "evil.example.com", EGRESS_SCOPE_SANDBOX, 3);
	tls_denied(fx, PEER6, "evil.example.com", EGRESS_SCOPE_SANDBOX, 3);
	tls_allowed(fx, PEER4, "anything.example.org", EGRESS_SCOPE_SANDBOX, 1);
	tls_allowed(fx, PEER6, "anything.example.org", EGRESS_SCOPE_GLOBAL, 2);
}

static void global_name_allow_vs_sandbox_name_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_GLOBAL, "*.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 2);
	tls_denied(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 2);
	tls_allowed(fx, PEER4, "www.example.com", EGRESS_SCOPE_GLOBAL, 1);
}

static void sandbox_name_allow_vs_global_name_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "*.example.com", 2);
	cdn_bound(fx, PEER6);
	tls_denied(fx, PEER6, "api.example.com", EGRESS_SCOPE_GLOBAL, 2);
}

/* One scope: deny wins over allow, exact or wildcard. */
static void deny_beats_allow_in_one_scope(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 2);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.org", 3);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "www.example.org", 4);
	cdn_bound(fx, PEER4);
	tls_denied(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 2);
	tls_denied(fx, PEER4, "www.example.org", EGRESS_SCOPE_SANDBOX, 4);
	tls_allowed(fx, PEER4, "api.example.org", EGRESS_SCOPE_SANDBOX, 3);
}

static void any_allow_with_one_deny(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "bad.example.com", 2);
	tls_allowed(fx, PEER4, "good.example.org", EGRESS_SCOPE_SANDBOX, 1);
	tls_allowed(fx, PEER4, "localhost", EGRESS_SCOPE_SANDBOX, 1);
	tls_denied(fx, PEER4, "bad.example.com", EGRESS_SCOPE_SANDBOX, 2);
	tls_allowed(fx, PEER6, "x.bad.example.com", EGRESS_SCOPE_SANDBOX, 1);
}

static void any_deny_beats_name_allow(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "*", 2);
	/* every name is denied: no bound one lets a SYN through */
	syn_final(fx, PEER4, EGRESS_DENIED, 0, EGRESS_REASON_UNBOUND_ADDRESS,
		  EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_WARN);
	tls_decided(fx, PEER4, "api.example.com", "api.example.com", EGRESS_ALLOWED,
		    WOULD_DENY, EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_GLOBAL, 2);
}

static void wildcard_below_never_apex(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 1);
	tls_allowed(fx, PEER4, "a.example.com", EGRESS_SCOPE_SANDBOX, 1);
	tls_allowed(fx, PEER4, "a.b.c.example.com", EGRESS_SCOPE_SANDBOX, 1);
	tls_not_allowlisted(fx, PEER4, "example.com");
	tls_not_allowlisted(fx, PEER4, "badexample.com");
	tls_not_allowlisted(fx, PEER4, "example.com.evil.org");
	tls_not_allowlisted(fx, PEER4, "com");
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "example.com", 2);
	tls_allowed(fx, PEER4, "example.com", EGRESS_SCOPE_SANDBOX, 2);
}

static void matching_on_label_boundaries(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "ome.com", 1);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.ome.com", 2);
	cdn_bound(fx, PEER4);
	tls_not_allowlisted(fx, PEER4, "home.com");
	tls_not_allowlisted(fx, PEER4, "www.home.com");
	tls_not_allowlisted(fx, PEER4, "ome.co");
	tls_not_allowlisted(fx, PEER4, "ome.com.au");
	tls_allowed(fx, PEER4, "ome.com", EGRESS_SCOPE_SANDBOX, 1);
	tls_allowed(fx, PEER4, "x.ome.com", EGRESS_SCOPE_SANDBOX, 2);
}

/* Names are compared in canonical form: lower case, no trailing dot. */
static void canonical_names(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "*.evil.example", 2);
	tls_decided(fx, PEER4, "API.Example.COM.", "api.example.com",
		    EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		    EGRESS_SCOPE_SANDBOX, 1);
	tls_decided(fx, PEER4, "WWW.EVIL.EXAMPLE", "www.evil.example",
		    EGRESS_DENIED, 0, EGRESS_REASON_DENY_RULE,
		    EGRESS_SCOPE_SANDBOX, 2);
	text_decided(fx, PEER4,
		     "GET / HTTP/1.1\r\nHost: Api.EXAMPLE.com.:8080\r\n\r\n",
		     EGRESS_PROTO_HTTP, "api.example.com", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	/* two trailing dots: one is dropped, the name that is left is invalid */
	tls_decided(fx, PEER4, "api.example.com..", NULL, EGRESS_DENIED, 0,
		    EGRESS_REASON_INVALID_NAME, EGRESS_SCOPE_NONE, 0);
}

/*
 * A flow remembers the hashes of its name's suffixes up to 7 labels: a
 * name of more than 8 labels cannot be checked against wildcard rules
 * deeper than that, so it fails closed; shallower wildcards still match.
 */
static void deep_names_fail_closed(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.example.com", 1);
	tls_allowed(fx, PEER4, "a.b.c.d.e.f.g.h.i.example.com",
		    EGRESS_SCOPE_SANDBOX, 1);
	/* a wildcard whose suffix has 8 labels */
	fx_allow_name(fx, EGRESS_SCOPE_GLOBAL, "*.c.d.e.f.g.h.i.com", 2);
	/* names of up to 8 labels: checked as ever */
	tls_not_allowlisted(fx, PEER4, "b.c.d.e.f.g.h.com");
	tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
	/* 9 labels and more: not checkable, whether they would match or not */
	tls_decided(fx, PEER4, "x.c.d.e.f.g.h.i.com", "x.c.d.e.f.g.h.i.com",
		    EGRESS_DENIED, 0, EGRESS_REASON_INVALID_NAME,
		    EGRESS_SCOPE_NONE, 0);
	tls_decided(fx, PEER4, "a.b.c.d.e.f.g.h.i.example.com",
		    "a.b.c.d.e.f.g.h.i.example.com", EGRESS_DENIED, 0,
		    EGRESS_REASON_INVALID_NAME, EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_WARN);
	tls_decided(fx, PEER4, "l1.l2.l3.l4.l5.l6.l7.l8.l9.example.com",
		    "l1.l2.l3.l4.l5.l6.l7.l8.l9.example.com", EGRESS_ALLOWED, WOULD_DENY,
		    EGRESS_REASON_INVALID_NAME, EGRESS_SCOPE_NONE, 0);
}

/* The longest names, of many labels, under shallow wildcards: matched. */
static void long_names_within_limits(void **state)
{
	struct fx *fx = FX(state);
	char name[254];

	/* 253 bytes, 126 labels: "a." 125 times, then "com" */
	for (int i = 0; i < 250; i += 2) {
		name[i] = 'a';
		name[i + 1] = '.';
	}
	memcpy(name + 250, "com", 4);
	assert_int_equal(strlen(name), 253);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.com", 1);
	tls_allowed(fx, PEER4, name, EGRESS_SCOPE_SANDBOX, 1);
}

/* ---- scopes -------------------------------------------------------------------- */

/* The platform's name denials hold in every mode, like its address ones. */
static void always_deny_name_in_every_mode(void **state)
{
	struct fx *fx = FX(state);
	const __u8 modes[] = { EGRESS_MODE_ALLOW_ALL, EGRESS_MODE_WARN,
			       EGRESS_MODE_DENY };

	fx_deny_name(fx, EGRESS_SCOPE_ALWAYS, "*.metadata.internal", 5);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 6);
	for (size_t i = 0; i < sizeof(modes); i++) {
		fx_mode(fx, modes[i]);
		tls_denied(fx, PEER4, "x.metadata.internal", EGRESS_SCOPE_ALWAYS, 5);
	}
}

static void user_name_deny_not_enforced_in_warn(void **state)
{
	struct fx *fx = FX(state);

	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "www.example.com", 2);
	fx_mode(fx, EGRESS_MODE_WARN);
	tls_decided(fx, PEER4, "api.example.com", "api.example.com",
		    EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_DENY_RULE,
		    EGRESS_SCOPE_SANDBOX, 1);
	tls_decided(fx, PEER4, "www.example.com", "www.example.com",
		    EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_DENY_RULE,
		    EGRESS_SCOPE_GLOBAL, 2);
}

/* A sandbox's name rules are its own. */
static void name_rules_per_sandbox(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31000, PEER4, 443);
	struct pkt_spec syn = conn_syn(&c);

	fx_use_b(fx);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
	assert_run(fx, fx_xdp_on(fx, &fx->b, &syn), XDP_TX);
	assert_rst_for(fx, &syn);
	assert_decision_in(fx, &fx->b, &syn, EGRESS_DENIED, 0,
			   EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/* ---- flows that carry no name ------------------------------------------------ */

static void tls_without_sni_by_address(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	/* api.example.com is bound to PEER4: the binding admits it */
	tls_decided(fx, PEER4, NULL, NULL, EGRESS_ALLOWED, 0,
		    EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	syn_final(fx, UNBOUND4, EGRESS_DENIED, 0, EGRESS_REASON_UNBOUND_ADDRESS,
		  EGRESS_SCOPE_NONE, 0);
	fx_allow(fx, EGRESS_SCOPE_GLOBAL, PEER6, 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.example.com", 3);
	tls_decided(fx, PEER6, NULL, NULL, EGRESS_ALLOWED, 0,
		    EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_GLOBAL, 2);
	fx_mode(fx, EGRESS_MODE_WARN);
	tls_decided(fx, UNBOUND4, NULL, NULL, EGRESS_ALLOWED, WOULD_DENY,
		    EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
}

/* "*" matches every name, never a flow without one. */
static void any_rule_never_matches_no_name(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	tls_allowed(fx, PEER4, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
	/* to an address no name is bound to: no flow without a name */
	syn_final(fx, UNBOUND4, EGRESS_DENIED, 0, EGRESS_REASON_UNBOUND_ADDRESS,
		  EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_WARN);
	tls_decided(fx, UNBOUND4, NULL, NULL, EGRESS_ALLOWED, WOULD_DENY,
		    EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
	text_decided(fx, UNBOUND4, SSH_BANNER, EGRESS_PROTO_TCP, NULL,
		     EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_UNBOUND_ADDRESS,
		     EGRESS_SCOPE_NONE, 0);
	text_decided(fx, UNBOUND4, "GET / HTTP/1.1\r\nHost: 198.18.0.9\r\n\r\n",
		     EGRESS_PROTO_HTTP, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
	/* to one names are bound to, the binding admits them (the rule of its name) */
	fx_mode(fx, EGRESS_MODE_DENY);
	tls_decided(fx, PEER4, NULL, NULL, EGRESS_ALLOWED, 0,
		    EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	text_decided(fx, PEER4, SSH_BANNER, EGRESS_PROTO_TCP, NULL,
		     EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
}

/* Neither TLS nor HTTP, on a flow that needs a name, and on one that does not. */
static void neither_tls_nor_http(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "github.com", 1);
	/* allow github.com lets git push over SSH reach where it resolved */
	fx_bind(fx, "github.com", PEER4);
	text_decided(fx, PEER4, SSH_BANNER, EGRESS_PROTO_TCP, NULL,
		     EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	/* PEER6: only names that are not allowed are bound to it */
	syn_final(fx, PEER6, EGRESS_DENIED, 0, EGRESS_REASON_UNBOUND_ADDRESS,
		  EGRESS_SCOPE_NONE, 0);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, OTHER4, 2);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "evil.example.com", 3);
	text_decided(fx, OTHER4, SSH_BANNER, EGRESS_PROTO_TCP, NULL,
		     EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
		     EGRESS_SCOPE_SANDBOX, 2);
	fx_mode(fx, EGRESS_MODE_WARN);
	text_decided(fx, PEER6, "\x01\x02\x03\x04", EGRESS_PROTO_TCP, NULL,
		     EGRESS_ALLOWED, WOULD_DENY, EGRESS_REASON_UNBOUND_ADDRESS,
		     EGRESS_SCOPE_NONE, 0);
}

/* Closing before any payload: the flow carries no name. */
static void fin_before_any_payload(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31001, PEER4, 443);
	struct conn w = conn_of(GUEST6, 31002, PEER6, 443);
	struct pkt_spec fin = conn_fin(&c, 0), wfin = conn_fin(&w, 0);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	/* bound to an allowed name: a flow without one is admitted by it */
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &fin), XDP_PASS);
	assert_named(fx, &fin, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	assert_run(fx, fx_xdp(fx, &fin), XDP_PASS);
	assert_no_event(fx);

	/* unbound, in warn: it would have been denied */
	fx_mode(fx, EGRESS_MODE_WARN);
	w = conn_of(GUEST6, 31002, UNBOUND6, 443);
	wfin = conn_fin(&w, 0);
	syn_pending(fx, &w);
	assert_run(fx, fx_xdp(fx, &wfin), XDP_PASS);
	assert_named(fx, &wfin, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED,
		     WOULD_DENY, EGRESS_REASON_UNBOUND_ADDRESS,
		     EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &wfin), XDP_PASS);
	assert_no_event(fx);
}

/* A guest's RST before any payload: decided, and never answered. */
static void rst_before_any_payload(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31003, PEER4, 443);
	struct pkt_spec rst = conn_fin(&c, 0);

	rst.tcp_flags = TH_RST | TH_ACK;
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_mode(fx, EGRESS_MODE_WARN);
	c = conn_of(GUEST4, 31003, UNBOUND4, 443);
	rst = conn_fin(&c, 0);
	rst.tcp_flags = TH_RST | TH_ACK;
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &rst), XDP_PASS);
	assert_named(fx, &rst, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
	/* deny, to an address bound to an allowed name: the binding admits it */
	fx_mode(fx, EGRESS_MODE_DENY);
	c = conn_of(GUEST4, 31004, PEER4, 443);
	rst = conn_fin(&c, 0);
	rst.tcp_flags = TH_RST | TH_ACK;
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &rst), XDP_PASS);
	assert_named(fx, &rst, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
}

static void http_without_a_name(void **state)
{
	struct fx *fx = FX(state);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	/* bound to names "*" allows: the binding admits requests without one */
	text_decided(fx, PEER4, "GET / HTTP/1.0\r\nAccept: */*\r\n\r\n",
		     EGRESS_PROTO_HTTP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	text_decided(fx, PEER6, "GET / HTTP/1.1\r\nHost: [fd00::1]:8080\r\n\r\n",
		     EGRESS_PROTO_HTTP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	/* unbound: "*" never matches them */
	fx_mode(fx, EGRESS_MODE_WARN);
	text_decided(fx, UNBOUND4, "GET http://198.18.0.9:80/ HTTP/1.1\r\n\r\n",
		     EGRESS_PROTO_HTTP, NULL, EGRESS_ALLOWED, WOULD_DENY,
		     EGRESS_REASON_UNBOUND_ADDRESS, EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_DENY);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, OTHER4, 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.example.com", 3);
	text_decided(fx, OTHER4, "GET / HTTP/1.1\r\nHost: 198.18.0.3\r\n\r\n",
		     EGRESS_PROTO_HTTP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2);
	text_decided(fx, OTHER4, "POST /x HTTP/1.1\r\nHost: evil.example.com\r\n\r\n",
		     EGRESS_PROTO_HTTP, "evil.example.com", EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_SANDBOX, 3);
}

/* ---- flows met mid-stream -------------------------------------------------------- */

/* deny: no name seen mid-stream may allow a flow its address does not. */
static void midstream_never_allowed_by_name(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31100, PEER4, 443);
	struct pkt_spec hello, next;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_allow_name(fx, EGRESS_SCOPE_GLOBAL, "*", 2);
	hello = conn_seg(&c, 0, payload, (__u32)hello_for("api.example.com"));
	next = conn_seg(&c, hello.payload_len, "x", 1);
	assert_run(fx, fx_xdp(fx, &hello), XDP_TX);
	assert_rst_for(fx, &hello);
	assert_named(fx, &hello, EGRESS_PROTO_TCP, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &next), XDP_DROP);
	assert_no_event(fx);
}

/* ... but an allowed address is inspected from the first segment seen. */
static void midstream_allowed_address_inspected(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31101, PEER4, 443);
	struct conn d = conn_of(GUEST6, 31102, PEER6, 443);
	struct pkt_spec s;
	size_t n;

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 2);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "evil.example.com", 3);
	c.isn = 0x7ffffff0;	/* whatever seq it is met at */
	n = hello_for("evil.example.com");
	stream_quiet(fx, &c, payload, 0, 100, 100);
	s = conn_seg(&c, 100, payload + 100, (__u32)(n - 100));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "evil.example.com", EGRESS_DENIED,
		     0, EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_GLOBAL, 3);

	n = hello_for("api.example.com");
	s = conn_seg(&d, 0, payload, (__u32)n);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com", EGRESS_ALLOWED,
		     0, EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2);
}

static void midstream_named_in_warn_and_allow_all(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31103, PEER4, 443);
	struct conn d = conn_of(GUEST4, 31104, PEER4, 80);
	struct conn e = conn_of(GUEST4, 31105, PEER4, 22);
	const char *req = "GET / HTTP/1.1\r\nHost: www.example.net\r\n\r\n";
	struct pkt_spec s;

	fx_mode(fx, EGRESS_MODE_WARN);
	s = conn_seg(&c, 0, payload, (__u32)hello_for("api.example.com"));
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com", EGRESS_ALLOWED,
		     WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	s = conn_seg(&d, 0, req, (__u32)strlen(req));
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_HTTP, "www.example.net", EGRESS_ALLOWED,
		     0, EGRESS_REASON_MODE_ALLOW, EGRESS_SCOPE_NONE, 0);
	/* the middle of a stream, neither TLS nor HTTP */
	s = conn_seg(&e, 0, NULL, 300);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_MODE_ALLOW, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
}

/*
 * A flow met mid-stream while nothing was enforced (warn), whose name is
 * then allowed in deny mode: what came first there need not be what the
 * peer took first, so the name it showed still allows nothing.
 */
static void midstream_name_allows_nothing_later(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31106, PEER4, 443);
	struct conn d = conn_of(GUEST6, 31107, PEER6, 443);
	size_t n = hello_for("api.example.com");
	struct pkt_spec s;

	fx_mode(fx, EGRESS_MODE_WARN);
	/* c: met mid-stream, its ClientHello half seen */
	stream_quiet(fx, &c, payload, 0, 100, 100);
	/* d: met mid-stream, named and decided */
	s = conn_seg(&d, 0, payload, (__u32)n);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com", EGRESS_ALLOWED,
		     WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	fx_mode(fx, EGRESS_MODE_DENY);
	/* c completes its ClientHello: named, but its name allows nothing */
	s = conn_seg(&c, 100, payload + 100, (__u32)(n - 100));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com", EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	s = conn_seg(&d, (__u32)n, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/*
 * The same in deny mode: a flow met mid-stream is inspected because its
 * address is allowed; once that address rule goes, the name it showed does
 * not keep it.
 */
static void midstream_name_allows_nothing_when_address_rule_goes(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31108, PEER4, 443);
	size_t n = hello_for("api.example.com");
	struct pkt_spec s = conn_seg(&c, 0, payload, (__u32)n);

	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER4, 1);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "evil.example.com", 2);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 3);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com", EGRESS_ALLOWED,
		     0, EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	fx_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW, PEER4);
	s = conn_seg(&c, (__u32)n, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/* ---- policy changes ------------------------------------------------------------ */

/* A waiting flow re-runs the SYN stage under the new policy. */
static void waiting_flow_denied_when_name_allows_go(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31200, PEER4, 443);
	size_t n = hello_for("api.example.com");
	struct pkt_spec s = conn_seg(&c, 100, payload + 100, (__u32)(n - 100));

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, payload, 0, 100, 100);
	fx_name_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW,
			 "api.example.com");
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);
}

static void waiting_flow_allowed_by_new_address_rule(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST6, 31201, PEER6, 443);
	size_t n = hello_for("api.example.com");
	struct pkt_spec s = conn_seg(&c, 100, payload + 100, (__u32)(n - 100));

	fx_mode(fx, EGRESS_MODE_WARN);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, payload, 0, 100, 50);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, PEER6, 4);
	fx_mode(fx, EGRESS_MODE_DENY);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 4);
	/* decided: nothing more is inspected */
	stream_quiet(fx, &c, payload, n, n + 2000, 1000);
	s = conn_seg(&c, 0, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
}

static void waiting_flow_survives_unrelated_change(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31202, PEER4, 443);
	size_t n = hello_for("api.example.com");
	struct pkt_spec s = conn_seg(&c, 200, payload + 200, (__u32)(n - 200));

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	syn_pending(fx, &c);
	stream_quiet(fx, &c, payload, 0, 200, 100);
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, OTHER4, 2);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "evil.example.com", 3);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com", EGRESS_ALLOWED,
		     0, EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	assert_int_equal(fx->ev[0].generation, fx->a.sb.generation);
}

static void waiting_flow_cut_by_deny_all(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31203, PEER4, 443);
	struct pkt_spec s = conn_seg(&c, 0, NULL, 10);

	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	syn_pending(fx, &c);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_ALL, EGRESS_SCOPE_NONE, 0);
}

/*
 * A flow decided by its name is re-decided from what it remembers of the
 * name: the keyed hashes of its suffixes, not the text. So the event that
 * cuts it names no host.
 */
static struct conn named_flow(struct fx *fx, const char *dst, __u16 sport,
			      const char *sni, __u8 scope, __u32 rule_id)
{
	struct conn c = conn_of(src_for(dst), sport, dst, 443);
	struct pkt_spec s = conn_seg(&c, 0, payload, (__u32)hello_for(sni));

	fx_bind(fx, sni, dst);
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, sni, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, scope, rule_id);
	return c;
}

static void named_flow_cut_when_its_allow_goes(void **state)
{
	struct fx *fx = FX(state);
	struct conn c;
	struct pkt_spec s;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	c = named_flow(fx, PEER4, 31300, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
	s = conn_seg(&c, 5000, NULL, 1000);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
	fx_name_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW,
			 "api.example.com");
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	assert_int_equal(fx->ev[0].generation, fx->a.sb.generation);
	assert_run(fx, fx_xdp(fx, &s), XDP_DROP);
	assert_no_event(fx);
}

static void named_flow_cut_by_new_deny(void **state)
{
	struct fx *fx = FX(state);
	struct conn c, d;
	struct pkt_spec s;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	c = named_flow(fx, PEER4, 31301, "a.b.example.com", EGRESS_SCOPE_SANDBOX, 1);
	d = named_flow(fx, PEER6, 31302, "www.example.org", EGRESS_SCOPE_SANDBOX, 1);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "*.example.com", 2);
	s = conn_seg(&c, 3000, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_GLOBAL, 2);
	/* the other name is unaffected: its re-decision is silent */
	s = conn_seg(&d, 3000, NULL, 100);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);
}

static void denied_named_flow_allowed_by_new_rule(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31303, PEER4, 443);
	size_t n = hello_for("www.example.com");
	struct pkt_spec s = conn_seg(&c, 0, payload, (__u32)n);

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "www.example.com", EGRESS_DENIED,
		     0, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	fx_allow_name(fx, EGRESS_SCOPE_GLOBAL, "*.example.com", 2);
	s = conn_seg(&c, (__u32)n, NULL, 10);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_GLOBAL, 2);
}

/* A deep name checked under shallow wildcards fails closed once deep ones appear. */
static void deep_named_flow_fails_closed_later(void **state)
{
	struct fx *fx = FX(state);
	struct conn c;
	struct pkt_spec s;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*.com", 1);
	c = named_flow(fx, PEER4, 31304, "a.b.c.d.e.f.g.h.i.com",
		       EGRESS_SCOPE_SANDBOX, 1);
	fx_allow_name(fx, EGRESS_SCOPE_GLOBAL, "*.c.d.e.f.g.h.i.com", 2);
	s = conn_seg(&c, 4000, NULL, 10);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_INVALID_NAME, EGRESS_SCOPE_NONE, 0);
}

static void named_flow_mode_changes(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31305, PEER4, 443);
	struct pkt_spec s = conn_seg(&c, 0, payload,
				     (__u32)hello_for("www.example.com"));

	fx_mode(fx, EGRESS_MODE_WARN);
	syn_pending(fx, &c);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "www.example.com", EGRESS_ALLOWED,
		     WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "www.example.com", 1);
	s = conn_seg(&c, 2000, NULL, 10);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
	fx_name_rule_del(fx, &fx->a, EGRESS_SCOPE_SANDBOX, EGRESS_ACT_ALLOW,
			 "www.example.com");
	fx_mode(fx, EGRESS_MODE_DENY);
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/*
 * A new connection on the ports of an old one (the guest picks its source
 * port): a flow is its 5-tuple, but a new SYN starts a new stream whose
 * name must be inspected. Otherwise a connection allowed for one name
 * lends its verdict to the next one on the same ports, naming another
 * host on the same (shared, CDN) address.
 */
static void new_connection_on_same_ports_inspected(void **state)
{
	struct fx *fx = FX(state);
	struct conn c = conn_of(GUEST4, 31400, PEER4, 443);
	struct pkt_spec s, ack;
	size_t n;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	c = named_flow(fx, PEER4, 31400, "api.example.com", EGRESS_SCOPE_SANDBOX, 1);
	n = hello_for("api.example.com");
	ack = conn_peer_ack(&c, (__u32)n);
	assert_run_tc(fx, fx_tc(fx, &ack), TC_ACT_OK);
	s = conn_fin(&c, (__u32)n);
	assert_run(fx, fx_xdp(fx, &s), XDP_PASS);
	assert_no_event(fx);

	/* the same ports again, a new ISN, another name */
	c.isn += 1000000;
	syn_pending(fx, &c);
	s = conn_seg(&c, 0, payload, (__u32)hello_for("www.example.com"));
	assert_run(fx, fx_xdp(fx, &s), XDP_TX);
	assert_rst_for(fx, &s);
	assert_named(fx, &s, EGRESS_PROTO_TLS, "www.example.com", EGRESS_DENIED,
		     0, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

/*
 * More ClientHellos in flight than a sandbox's hellos table holds
 * (EGRESS_HELLOS_PER_SANDBOX): every flow still gets a verdict and an
 * event (allowed, or refused with hello-table-full), none hangs silently.
 */
static void more_hellos_in_flight_than_the_table_holds(void **state)
{
	enum { N = EGRESS_HELLOS_PER_SANDBOX + 8 };
	struct fx *fx = FX(state);
	struct conn c[N];
	size_t n = hello_for("api.example.com");
	int allowed = 0, refused = 0;

	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "api.example.com", 1);
	for (int i = 0; i < N; i++) {
		struct pkt_spec s;

		c[i] = conn_of(GUEST4, (__u16)(32000 + i), PEER4, 443);
		syn_pending(fx, &c[i]);
		s = conn_seg(&c[i], 0, payload, 100);
		fx_xdp(fx, &s);
		if (fx->n_ev) {
			/* refused for want of room: said so, and reset */
			assert_rst_for(fx, &s);
			assert_named(fx, &s, EGRESS_PROTO_TCP, NULL, EGRESS_DENIED, 0,
				     EGRESS_REASON_HELLO_TABLE_FULL,
				     EGRESS_SCOPE_NONE, 0);
			refused++;
			c[i].sport = 0;
			continue;
		}
		assert_run(fx, fx->action, XDP_PASS);
	}
	for (int i = 0; i < N; i++) {
		struct pkt_spec s;

		if (!c[i].sport)
			continue;
		s = conn_seg(&c[i], 100, payload + 100, (__u32)(n - 100));
		fx_xdp(fx, &s);
		if (fx->n_ev == 1 && fx->ev[0].reason == EGRESS_REASON_ALLOW_RULE) {
			assert_run(fx, fx->action, XDP_PASS);
			assert_named(fx, &s, EGRESS_PROTO_TLS, "api.example.com",
				     EGRESS_ALLOWED, 0, EGRESS_REASON_ALLOW_RULE,
				     EGRESS_SCOPE_SANDBOX, 1);
			allowed++;
			continue;
		}
		assert_rst_for(fx, &s);
		assert_named(fx, &s, PROTO_OF_EVICTED, NULL, EGRESS_DENIED, 0,
			     EGRESS_REASON_HELLO_TABLE_FULL, EGRESS_SCOPE_NONE, 0);
		refused++;
	}
	print_message("%d allowed, %d refused for want of room\n", allowed, refused);
	assert_int_equal(allowed + refused, N);
	assert_true(allowed >= EGRESS_HELLOS_PER_SANDBOX - 8);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest open[] = {
		fx_test(deny_all_denies_at_syn),
		fx_test(always_deny_address_at_syn_in_every_mode),
		fx_test(warn_waits_for_the_name),
		fx_test(allow_all_waits_for_the_name),
		fx_test(deny_address_rule_at_syn),
		fx_test(allowed_address_at_syn_without_name_denials),
		fx_test(allowed_address_waits_for_name_denials),
		fx_test(unlisted_address_at_syn_without_name_allows),
		fx_test(unlisted_address_waits_for_name_allows),
		fx_test(syn_retransmission_while_waiting),
	};
	const struct CMUnitTest precedence[] = {
		fx_test(always_deny_name_beats_always_allow_address),
		fx_test(always_allow_address_beats_name_deny),
		fx_test(always_allow_name_beats_user_deny),
		fx_test(address_allow_with_name_deny),
		fx_test(global_name_allow_vs_sandbox_name_deny),
		fx_test(sandbox_name_allow_vs_global_name_deny),
		fx_test(deny_beats_allow_in_one_scope),
		fx_test(any_allow_with_one_deny),
		fx_test(any_deny_beats_name_allow),
		fx_test(wildcard_below_never_apex),
		fx_test(matching_on_label_boundaries),
		fx_test(canonical_names),
		fx_test(deep_names_fail_closed),
		fx_test(long_names_within_limits),
	};
	const struct CMUnitTest scopes[] = {
		fx_test(always_deny_name_in_every_mode),
		fx_test(user_name_deny_not_enforced_in_warn),
		fx_test(name_rules_per_sandbox),
	};
	const struct CMUnitTest no_name[] = {
		fx_test(tls_without_sni_by_address),
		fx_test(any_rule_never_matches_no_name),
		fx_test(neither_tls_nor_http),
		fx_test(fin_before_any_payload),
		fx_test(rst_before_any_payload),
		fx_test(http_without_a_name),
	};
	const struct CMUnitTest midstream[] = {
		fx_test(midstream_never_allowed_by_name),
		fx_test(midstream_allowed_address_inspected),
		fx_test(midstream_named_in_warn_and_allow_all),
		fx_test(midstream_name_allows_nothing_later),
		fx_test(midstream_name_allows_nothing_when_address_rule_goes),
	};
	const struct CMUnitTest changes[] = {
		fx_test(waiting_flow_denied_when_name_allows_go),
		fx_test(waiting_flow_allowed_by_new_address_rule),
		fx_test(waiting_flow_survives_unrelated_change),
		fx_test(waiting_flow_cut_by_deny_all),
		fx_test(named_flow_cut_when_its_allow_goes),
		fx_test(named_flow_cut_by_new_deny),
		fx_test(denied_named_flow_allowed_by_new_rule),
		fx_test(deep_named_flow_fails_closed_later),
		fx_test(named_flow_mode_changes),
	};
	const struct CMUnitTest flows[] = {
		fx_test(new_connection_on_same_ports_inspected),
		fx_test(more_hellos_in_flight_than_the_table_holds),
	};
	const struct fx_group groups[] = {
		FX_GROUP("open", open),
		FX_GROUP("precedence", precedence),
		FX_GROUP("scopes", scopes),
		FX_GROUP("no-name", no_name),
		FX_GROUP("midstream", midstream),
		FX_GROUP("changes", changes),
		FX_GROUP("flows", flows),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
