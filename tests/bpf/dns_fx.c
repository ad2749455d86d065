// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "dns_fx.h"
#include "dns_build.h"

static __u16 next_port = 20000;
static __u16 next_id = 0x4000;

size_t fx_query_build(const char *name, __u16 qtype, __u16 id, __u8 *out, size_t cap)
{
	struct dmsg m;

	dm_init(&m);
	dm_header(&m, id, 0x0100, 1, 0, 0, 0);
	dm_question(&m, name, qtype, 1);
	assert_true(m.len <= cap);
	memcpy(out, m.b, m.len);
	return m.len;
}

static __u16 addr_qtype(const char *addr)
{
	return strchr(addr, ':') ? 28 : 1;
}

size_t fx_answer_build(const struct fx_answer *a, __u16 id, __u8 *out, size_t cap)
{
	__u16 qtype = a->qtype ? a->qtype : a->n_addrs ? addr_qtype(a->addrs[0]) : 1;
	struct dmsg m;
	size_t owner;

	dm_init(&m);
	dm_header(&m, id, 0x8180 | a->rcode, 1, (unsigned int)(a->n_chain + a->n_addrs),
		  0, 0);
	owner = dm_question(&m, a->qname, qtype, 1);
	for (int i = 0; i < a->n_chain; i++)
		owner = dm_cname_rr(&m, (unsigned int)owner, a->chain[i], a->ttl);
	for (int i = 0; i < a->n_addrs; i++)
		dm_addr_rr(&m, (unsigned int)owner, a->addrs[i], a->ttl);
	assert_true(m.len <= cap);
	memcpy(out, m.b, m.len);
	return m.len;
}

__u32 fx_dns_query(struct fx *fx, struct fx_sandbox *sbx, const char *guest,
		   const char *resolver, __u16 port, const __u8 *msg, size_t len)
{
	struct pkt_spec s = spec_udp(guest, port, resolver, 53);

	s.payload = msg;
	s.payload_len = (__u32)len;
	return fx_xdp_on(fx, sbx, &s);
}

__u32 fx_dns_answer(struct fx *fx, struct fx_sandbox *sbx, const char *resolver,
		    const char *guest, __u16 port, const __u8 *msg, size_t len)
{
	struct pkt_spec s = spec_udp(resolver, 53, guest, port);
	size_t n;

	s.payload = msg;
	s.payload_len = (__u32)len;
	n = frame_build(&s, fx->frame, sizeof(fx->frame));
	assert_true(n > 0);
	return fx_run_tc(fx, sbx->ifindex, n);
}

int fx_bound_names(struct fx *fx, struct fx_sandbox *sbx, const char *addr)
{
	struct egress_bound_name names[EGRESS_BINDING_NAMES];
	__u8 a[16];
	int n;

	addr16(addr, a);
	n = egress_dp_binding_lookup(fx->dp, sbx->sb.id, a, names, EGRESS_BINDING_NAMES);
	assert_true(n >= 0);
	return n;
}

bool fx_is_bound(struct fx *fx, struct fx_sandbox *sbx, const char *addr,
		 const char *name)
{
	__u8 a[16];
	int ret;

	addr16(addr, a);
	ret = egress_dp_binding_has_name(fx->dp, sbx->sb.id, a, name);
	assert_true(ret >= 0);
	return ret == 1;
}

static bool bind_exchange(struct fx *fx, struct fx_sandbox *sbx, const char *name,
			  const char *addr, __u32 ttl)
{
	struct fx_answer a = { .qname = name, .ttl = ttl, .n_addrs = 1, .addrs = { addr } };
	bool v6 = strchr(addr, ':') != NULL;
	const char *guest = v6 ? "fd00::2" : "198.18.0.2";
	const char *resolver = v6 ? FX_RESOLVER6 : FX_RESOLVER4;
	struct egress_sandbox open = sbx->sb;
	__u64 total = fx->n_ev_total;
	__u16 port = next_port++, id = next_id++;
	__u8 msg[1024];
	size_t len;

	open.mode = EGRESS_MODE_ALLOW_ALL;
	open.flags = EGRESS_SB_F_ANY_RESOLVER;
	assert_int_equal(egress_dp_sandbox_set(fx->dp, sbx->ifindex, &open), 0);
	len = fx_query_build(name, addr_qtype(addr), id, msg, sizeof(msg));
	if (fx_dns_query(fx, sbx, guest, resolver, port, msg, len) == XDP_PASS) {
		len = fx_answer_build(&a, id, msg, sizeof(msg));
		assert_int_equal(fx_dns_answer(fx, sbx, resolver, guest, port, msg, len),
				 TC_ACT_OK);
	}
	assert_int_equal(egress_dp_sandbox_set(fx->dp, sbx->ifindex, &sbx->sb), 0);
	fx->n_ev = 0;
	fx->n_ev_total = total;
	return fx_is_bound(fx, sbx, addr, name);
}

void fx_bind_in(struct fx *fx, struct fx_sandbox *sbx, const char *name,
		const char *addr, __u32 ttl)
{
	assert_true(bind_exchange(fx, sbx, name, addr, ttl));
}

bool fx_bind_try(struct fx *fx, const char *name, const char *addr)
{
	return bind_exchange(fx, &fx->a, name, addr, 300);
}
