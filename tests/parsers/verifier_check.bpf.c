// SPDX-License-Identifier: GPL-2.0-only
/*
 * The header-only parsers in an XDP program, as the data path uses them:
 * the frame is copied into a map value and every parser runs on it. Loaded
 * by verifier_check (does the verifier accept them, at what cost) and run
 * with BPF_PROG_TEST_RUN by test_bpf_parsers (do they give, in the kernel,
 * exactly what they give in userspace).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/tls.h"
#include "lib/http.h"
#include "lib/siphash.h"
#include "lib/name_hash.h"
#include "verifier_check.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct check_buf);
} check_bufs SEC(".maps");

struct frame_copy {
	struct xdp_md *ctx;
	struct check_buf *b;
	__u32 len;
	__u32 done;
};

static long copy_step(__u32 i, void *arg)
{
	struct frame_copy *c = arg;
	__u32 off = i * 512, n;

	if (off >= c->len)
		return 1;
	n = c->len - off;
	if (n > 512)
		n = 512;
	if (n < 1 || bpf_xdp_load_bytes(c->ctx, off, c->b->data + (off & EG_HELLO_MASK), n))
		return 1;
	c->done = off + n;
	return 0;
}

/* The frame's first EG_HELLO_CAP bytes into b->data, 512 at a time. */
static __always_inline __u32 copy_frame(struct xdp_md *ctx, struct check_buf *b)
{
	struct frame_copy c = { .ctx = ctx, .b = b, .len = ctx->data_end - ctx->data };

	if (c.len > EG_HELLO_CAP)
		c.len = EG_HELLO_CAP;
	eg_loop(EG_HELLO_CAP / 512, copy_step, &c);
	return c.done;
}

/* The hashes of the name in r->name, as the data path files a flow's name. */
static __always_inline void hash_name(struct check_buf *b, struct check_result *r, int len)
{
	if (len <= 0 || len > EG_NAME_MAX)
		return;
	r->labels = eg_name_hashes(b->key, r->name, len, r->hash);
}

/*
 * Each parser in a global function, verified once on its own as the data
 * path's stream inspection is, whatever state its caller is in.
 */
__noinline int check_tls(struct check_buf *b, __u32 len)
{
	struct eg_hello_info info;
	struct check_result *r;

	if (!b)
		return 0;
	r = &b->tls;
	r->status = eg_hello_parse(b->data, len, &info);
	r->need = info.need;
	r->off = info.sni_off;
	r->len = info.sni_len;
	r->flag = info.has_sni;
	r->has_ech = info.has_ech;
	r->n_ext = info.n_ext;
	if (r->status == EG_HELLO_DONE && info.has_sni) {
		r->canon = eg_sni_canon(b->data, info.sni_off, info.sni_len, r->name);
		hash_name(b, r, r->canon);
	}
	return r->status;
}

__noinline int check_http(struct check_buf *b, __u32 len)
{
	struct eg_http_info info;
	struct check_result *r;

	if (!b)
		return 0;
	r = &b->http;
	r->maybe = eg_http_maybe(b->data, len);
	if (!r->maybe)
		return 0;
	r->status = eg_http_parse(b->data, len, &info);
	r->need = info.need;
	r->off = info.host_off;
	r->len = info.host_len;
	r->flag = info.absolute_form;
	if (r->status == EG_HTTP_DONE) {
		r->canon = eg_http_host_canon(b->data, info.host_off, info.host_len, r->name);
		hash_name(b, r, r->canon);
	}
	return r->status;
}

__noinline int check_siphash(struct check_buf *b, __u32 len)
{
	if (!b)
		return 0;
	if (len > EG_SIPHASH_MAX_LEN)
		len = EG_SIPHASH_MAX_LEN;
	b->sip = eg_siphash(b->key, b->data, len);
	return 0;
}

static __always_inline struct check_buf *frame_buf(struct xdp_md *ctx, __u32 *len)
{
	__u32 zero = 0;
	struct check_buf *b = bpf_map_lookup_elem(&check_bufs, &zero);

	if (b)
		*len = copy_frame(ctx, b);
	return b;
}

/* One program per parser (verifier_check prints each one's cost)... */
SEC("xdp")
int check_tls_prog(struct xdp_md *ctx)
{
	__u32 len = 0;
	struct check_buf *b = frame_buf(ctx, &len);

	return b && check_tls(b, len) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int check_http_prog(struct xdp_md *ctx)
{
	__u32 len = 0;
	struct check_buf *b = frame_buf(ctx, &len);

	return b && check_http(b, len) ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int check_siphash_prog(struct xdp_md *ctx)
{
	__u32 len = 0;
	struct check_buf *b = frame_buf(ctx, &len);

	return b && !check_siphash(b, len) ? XDP_PASS : XDP_DROP;
}

/* ... and all of them in one, as the data path has them. */
SEC("xdp")
int check_all_prog(struct xdp_md *ctx)
{
	__u32 len = 0;
	struct check_buf *b = frame_buf(ctx, &len);

	if (!b)
		return XDP_ABORTED;
	b->len = len;
	check_tls(b, len);
	check_http(b, len);
	check_siphash(b, len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
