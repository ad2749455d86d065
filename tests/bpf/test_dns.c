// SPDX-License-Identifier: GPL-2.0-only
/*
 * DESIGN section 4, step 5: DNS queries over UDP, decided by their name; a
 * denied query answered in place with NXDOMAIN (and an RFC 8914 Extended
 * DNS Error where the query had EDNS). Answers are checked with glibc's
 * resolver parser, not with our own code.
 */
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include "harness.h"
#include "lib/csum.h"

#define GUEST4	"198.18.0.2"
#define RESOLVER4 "198.18.0.1"
#define OTHER4	"198.19.0.53"
#define GUEST6	"fd00::2"
#define RESOLVER6 "fd00::1"

static __u16 next_port = 45000;

/* A query for name (dotted) of type qtype, with an EDNS OPT when edns. */
static size_t dns_query(__u8 *buf, __u16 id, const char *name, __u16 qtype,
			bool edns)
{
	size_t n = 12;
	const char *l = name;

	memset(buf, 0, 12);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01;		/* RD */
	buf[5] = 1;		/* QDCOUNT */
	buf[11] = edns;		/* ARCOUNT */
	while (*l) {
		const char *dot = strchr(l, '.');
		size_t len = dot ? (size_t)(dot - l) : strlen(l);

		buf[n++] = (__u8)len;
		memcpy(buf + n, l, len);
		n += len;
		l += len + (dot ? 1 : 0);
	}
	buf[n++] = 0;
	buf[n++] = qtype >> 8;
	buf[n++] = qtype & 0xff;
	buf[n++] = 0;
	buf[n++] = 1;		/* IN */
	if (edns) {
		static const __u8 opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0 };

		memcpy(buf + n, opt, sizeof(opt));	/* 1232 bytes, DO set */
		n += sizeof(opt);
	}
	return n;
}

static struct pkt_spec query_spec(const char *src, const char *dst,
				  const __u8 *msg, size_t len)
{
	struct pkt_spec s = spec_udp(src, next_port++, dst, 53);

	s.payload = msg;
	s.payload_len = (__u32)len;
	return s;
}

/*
 * The last run's output is the NXDOMAIN answer to query q (msg, len):
 * addresses and ports swapped, checksums right, and glibc reads it as an
 * answer to the same question with rcode NXDOMAIN, RA and RD set, and,
 * when the query had EDNS, an OPT record carrying EDE 15 (Blocked).
 */
static void assert_nxdomain(struct fx *fx, const struct pkt_spec *q,
			    const __u8 *msg, size_t len, bool edns)
{
	const __u8 *f = fx->out, *dns;
	struct udphdr *uh;
	size_t l3 = sizeof(struct ethhdr), dns_len;
	ns_msg h;
	ns_rr rr;

	assert_int_equal(fx->action, XDP_TX);
	if (q->family == 4) {
		const struct iphdr *ip = (const void *)(f + l3);

		assert_int_equal(csum_ipv4_hdr(ip), 0);
		uh = (void *)(f + l3 + sizeof(*ip));
		assert_int_equal(uh->check, 0);
	} else {
		const struct ipv6hdr *ip6 = (const void *)(f + l3);
		__u32 ulen;

		uh = (void *)(f + l3 + sizeof(*ip6));
		ulen = ntohs(uh->len);
		assert_int_equal(ntohs(ip6->payload_len), ulen);
		assert_int_equal(csum_l4(6, &ip6->saddr, &ip6->daddr, IPPROTO_UDP,
					 uh, (int)(ulen + 1) / 2) & 0xffff, 0);
	}
	assert_int_equal(ntohs(uh->source), 53);
	assert_int_equal(ntohs(uh->dest), q->sport);
	dns = (const __u8 *)(uh + 1);
	dns_len = ntohs(uh->len) - sizeof(*uh);
	assert_int_equal((size_t)(dns - f) + dns_len, fx->out_len);

	assert_int_equal(ns_initparse(dns, (int)dns_len, &h), 0);
	assert_int_equal(ns_msg_id(h), (msg[0] << 8) | msg[1]);
	assert_int_equal(ns_msg_getflag(h, ns_f_qr), 1);
	assert_int_equal(ns_msg_getflag(h, ns_f_rcode), ns_r_nxdomain);
	assert_int_equal(ns_msg_getflag(h, ns_f_ra), 1);
	assert_int_equal(ns_msg_getflag(h, ns_f_rd), 1);
	assert_int_equal(ns_msg_count(h, ns_s_qd), 1);
	assert_int_equal(ns_msg_count(h, ns_s_an), 0);
	assert_int_equal(ns_msg_count(h, ns_s_ns), 0);
	/* the question, byte for byte */
	assert_memory_equal(dns + 12, msg + 12, len - 12 - (edns ? 11 : 0));
	assert_int_equal(ns_msg_count(h, ns_s_ar), edns ? 1 : 0);
	if (edns) {
		const __u8 *rd;

		assert_int_equal(ns_parserr(&h, ns_s_ar, 0, &rr), 0);
		assert_int_equal(ns_rr_type(rr), ns_t_opt);
		rd = ns_rr_rdata(rr);
		assert_true(ns_rr_rdlen(rr) >= 6);
		assert_int_equal((rd[0] << 8) | rd[1], 15);	/* EDE */
		assert_int_equal((rd[2] << 8) | rd[3], ns_rr_rdlen(rr) - 4);
		assert_int_equal((rd[4] << 8) | rd[5], 15);	/* Blocked */
	}
}

static void allowed_query_passes(void **state)
{
	struct fx *fx = FX(state);
	__u8 msg[512];
	size_t len = dns_query(msg, 0x1234, "pypi.org", 1, false);
	struct pkt_spec q = query_spec(GUEST4, RESOLVER4, msg, len);

	fx_resolver(fx, RESOLVER4);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 1);
	assert_run(fx, fx_xdp(fx, &q), XDP_PASS);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "pypi.org", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 1);
}

static void denied_query_answered_nxdomain(void **state)
{
	struct fx *fx = FX(state);
	__u8 msg[512];
	size_t len = dns_query(msg, 0xbeef, "Exfil.Example.COM.", 16, false);
	struct pkt_spec q = query_spec(GUEST4, RESOLVER4, msg, len);

	fx_resolver(fx, RESOLVER4);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 1);
	assert_run(fx, fx_xdp(fx, &q), XDP_TX);
	assert_nxdomain(fx, &q, msg, len, false);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "exfil.example.com", EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
}

static void denied_query_with_edns_gets_ede(void **state)
{
	struct fx *fx = FX(state);
	__u8 msg[512];
	size_t len = dns_query(msg, 0x0102, "blocked.example", 1, true);
	struct pkt_spec q4 = query_spec(GUEST4, RESOLVER4, msg, len);
	struct pkt_spec q6 = query_spec(GUEST6, RESOLVER6, msg, len);

	fx_resolver(fx, RESOLVER4);
	fx_resolver(fx, RESOLVER6);
	fx_deny_name(fx, EGRESS_SCOPE_GLOBAL, "*.example", 3);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 4);
	assert_run(fx, fx_xdp(fx, &q4), XDP_TX);
	assert_nxdomain(fx, &q4, msg, len, true);
	assert_named(fx, &q4, EGRESS_PROTO_DNS, "blocked.example", EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_GLOBAL, 3);
	assert_run(fx, fx_xdp(fx, &q6), XDP_TX);
	assert_nxdomain(fx, &q6, msg, len, true);
	assert_named(fx, &q6, EGRESS_PROTO_DNS, "blocked.example", EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_GLOBAL, 3);
}

/* To an address that is not a resolver, a name allow admits nothing. */
static void query_to_other_server_denied(void **state)
{
	struct fx *fx = FX(state);
	__u8 msg[512];
	size_t len = dns_query(msg, 7, "pypi.org", 1, false);
	struct pkt_spec q = query_spec(GUEST4, OTHER4, msg, len);

	fx_resolver(fx, RESOLVER4);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 1);
	assert_run(fx, fx_xdp(fx, &q), XDP_TX);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "pypi.org", EGRESS_DENIED, 0,
		     EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);

	/* an IP rule admits it; a name deny rule still applies */
	fx_allow(fx, EGRESS_SCOPE_SANDBOX, OTHER4, 2);
	q.sport++;
	assert_run(fx, fx_xdp(fx, &q), XDP_PASS);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "pypi.org", EGRESS_ALLOWED, 0,
		     EGRESS_REASON_ALLOW_RULE, EGRESS_SCOPE_SANDBOX, 2);
	fx_deny_name(fx, EGRESS_SCOPE_SANDBOX, "pypi.org", 3);
	q.sport++;
	assert_run(fx, fx_xdp(fx, &q), XDP_TX);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "pypi.org", EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_RULE, EGRESS_SCOPE_SANDBOX, 3);
}

/* Not a query, or not one question: dropped, never answered, never passed. */
static void malformed_queries_dropped(void **state)
{
	struct fx *fx = FX(state);
	__u8 msg[512];
	size_t len;
	struct pkt_spec q;

	fx_resolver(fx, RESOLVER4);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	len = dns_query(msg, 9, "pypi.org", 1, false);
	msg[5] = 2;					/* QDCOUNT 2 */
	q = query_spec(GUEST4, RESOLVER4, msg, len);
	assert_run(fx, fx_xdp(fx, &q), XDP_DROP);
	assert_named(fx, &q, EGRESS_PROTO_DNS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_PARSE_FAILURE, EGRESS_SCOPE_NONE, 0);

	len = dns_query(msg, 9, "pypi.org", 1, false);
	msg[2] |= 0x80;					/* QR: a response */
	q = query_spec(GUEST4, RESOLVER4, msg, len);
	assert_run(fx, fx_xdp(fx, &q), XDP_DROP);
	assert_named(fx, &q, EGRESS_PROTO_DNS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_PARSE_FAILURE, EGRESS_SCOPE_NONE, 0);

	len = dns_query(msg, 9, "a=b.example", 1, false);	/* tunnel bytes */
	q = query_spec(GUEST4, RESOLVER4, msg, len);
	assert_run(fx, fx_xdp(fx, &q), XDP_DROP);
	assert_named(fx, &q, EGRESS_PROTO_DNS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_INVALID_NAME, EGRESS_SCOPE_NONE, 0);
}

static void modes(void **state)
{
	struct fx *fx = FX(state);
	__u8 msg[512];
	size_t len = dns_query(msg, 11, "not.allowed.example", 1, false);
	struct pkt_spec q = query_spec(GUEST4, RESOLVER4, msg, len);

	fx_resolver(fx, RESOLVER4);
	fx_mode(fx, EGRESS_MODE_WARN);
	assert_run(fx, fx_xdp(fx, &q), XDP_PASS);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "not.allowed.example", EGRESS_ALLOWED,
		     WOULD_DENY, EGRESS_REASON_NOT_ALLOWLISTED, EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_ALLOW_ALL);
	assert_run(fx, fx_xdp(fx, &q), XDP_PASS);
	assert_named(fx, &q, EGRESS_PROTO_DNS, "not.allowed.example", EGRESS_ALLOWED,
		     0, EGRESS_REASON_MODE_ALLOW, EGRESS_SCOPE_NONE, 0);
	fx_mode(fx, EGRESS_MODE_DENY_ALL);
	fx_allow_name(fx, EGRESS_SCOPE_SANDBOX, "*", 1);
	assert_run(fx, fx_xdp(fx, &q), XDP_DROP);
	assert_named(fx, &q, EGRESS_PROTO_DNS, NULL, EGRESS_DENIED, 0,
		     EGRESS_REASON_DENY_ALL, EGRESS_SCOPE_NONE, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest queries[] = {
		fx_test(allowed_query_passes),
		fx_test(denied_query_answered_nxdomain),
		fx_test(denied_query_with_edns_gets_ede),
		fx_test(query_to_other_server_denied),
		fx_test(malformed_queries_dropped),
		fx_test(modes),
	};
	const struct fx_group groups[] = {
		FX_GROUP("queries", queries),
	};

	return fx_main(argc, argv, groups, FX_ARRAY_SIZE(groups));
}
