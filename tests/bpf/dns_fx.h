/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS exchanges for the BPF tests: a guest's query run through the XDP
 * program and its resolver's answer run through the tc program, as built
 * messages (tests/dns/dns_build.h), so that bindings are made the way the
 * data path makes them.
 */
#ifndef EGRESS_TEST_DNS_FX_H
#define EGRESS_TEST_DNS_FX_H

#include "harness.h"

#define FX_RESOLVER4	"198.18.0.53"
#define FX_RESOLVER6	"fd00::53"
#define FX_ANSWER_MAX	64

/*
 * An answer: the question qname (of type qtype, 0: by the first address),
 * a CNAME chain qname -> chain[0] -> chain[1] ..., and addresses owned by
 * the chain's last name (qname without a chain), all with TTL ttl.
 */
struct fx_answer {
	const char *qname;
	__u16 qtype;
	__u16 rcode;
	__u32 ttl;
	int n_chain;
	const char *chain[8];
	int n_addrs;
	const char *addrs[FX_ANSWER_MAX];
};

/* The answer's DNS message (ID id) into out; its length. */
size_t fx_answer_build(const struct fx_answer *a, __u16 id, __u8 *out, size_t cap);
/* A query for name: one question, RD, no EDNS; its length. */
size_t fx_query_build(const char *name, __u16 qtype, __u16 id, __u8 *out, size_t cap);

/* guest:port -> resolver:53 with the query msg, through XDP on sbx. */
__u32 fx_dns_query(struct fx *fx, struct fx_sandbox *sbx, const char *guest,
		   const char *resolver, __u16 port, const __u8 *msg, size_t len);
/* resolver:53 -> guest:port with the answer msg, through tc on sbx. */
__u32 fx_dns_answer(struct fx *fx, struct fx_sandbox *sbx, const char *resolver,
		    const char *guest, __u16 port, const __u8 *msg, size_t len);

/* The live names bound to addr in sbx, from userspace. */
int fx_bound_names(struct fx *fx, struct fx_sandbox *sbx, const char *addr);
bool fx_is_bound(struct fx *fx, struct fx_sandbox *sbx, const char *addr,
		 const char *name);

/*
 * Binds addr to name in sbx through a real exchange (a query XDP passes,
 * its A/AAAA answer with TTL ttl through tc), whatever the sandbox's mode,
 * rules and resolvers: the query is run as in allow-all with any resolver,
 * and the sandbox put back as it was (its generation unchanged). Bindings
 * are judged against the policy when a flow uses them, so rules added
 * later count. Leaves no events behind.
 */
void fx_bind_in(struct fx *fx, struct fx_sandbox *sbx, const char *name,
		const char *addr, __u32 ttl);
#define fx_bind(fx, name, addr) fx_bind_in(fx, &(fx)->a, name, addr, 300)
/* The same, where the platform's rules may deny the query: whether it bound. */
bool fx_bind_try(struct fx *fx, const char *name, const char *addr);

#endif /* EGRESS_TEST_DNS_FX_H */
