// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress-bench: what xdp_egress costs per frame, measured with
 * BPF_PROG_TEST_RUN against the empty XDP program (bpf/empty.bpf.c) in the
 * same run, and how the cost of a new-flow decision grows with the number
 * of rules. Run by tools/bench, which turns its JSON into BENCHMARKS.md.
 *
 * Two methods (BENCHMARKS.md says more):
 *
 * - repeat: one frame run `repeat` times in the kernel per sample
 *   (o.duration: ns per run), the empty program on the same frame just
 *   before or after (alternating). For frames whose state does not change
 *   after the first run: the fast path, an established flow.
 *
 * - loop: a new flow per iteration (its own source port), each of its
 *   frames run once (repeat = 1), and every timed frame also run once
 *   through the empty program; the sample's value is the trimmed mean (1%
 *   off each end) of the iterations'. The kernel's own per-run overhead
 *   (the timer read, the frame setup) is in both and cancels in the
 *   difference. Each sample starts with a fresh sandbox and flow table.
 *
 * Everything runs in a network namespace of the benchmark's own, on a veth
 * pair created there; no frame is ever transmitted. Needs root.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "datapath.h"
#include "rule.h"
#include "frames.h"
#include "dns_build.h"
#include "empty.skel.h"
#include "empty_tc.skel.h"

#define IF_SBX		"egb-sbx"
#define IF_PEER		"egb-host"
#define MAX_SAMPLES	64
#define MAX_BUCKETS	3
#define MAX_STEPS	6
#define EVENT_WINDOW_MS	1000
#define HTTPS		443

/* Addresses: 198.18.0.0/15 and fd00::/8 only (see BENCHMARKS.md). */
static const char *const guest4[2] = { "198.18.0.2", "198.18.0.3" };
static const char *const guest6[2] = { "fd00::2", "fd00::3" };
#define GATEWAY4	"198.18.0.1"
#define ALLOWED_NET4	"198.18.1.0/24"
#define ALLOWED_DST4	"198.18.1.1"
#define NAMED_DST4	"198.18.2.1"	/* no IP rule: names decide */
#define ALWAYS_DENY4	"198.19.255.254"	/* the platform's deny list */
#define RESOLVER4	"198.18.0.53"	/* the sandbox's resolver */
#define DNS_TTL		3600
#define DNS_MSG_MAX	512	/* the messages built here */

struct bench {
	struct egress_dp *dp;
	struct empty_bpf *empty;
	struct empty_tc_bpf *empty_tc;
	int xdp_fd;
	int empty_fd;
	int tc_fd;		/* tc_to_sandbox */
	int empty_tc_fd;	/* its baseline: a tc program that does nothing */
	__u16 dns_id;
	__u32 ifindex;

	int samples;
	__u32 repeat;		/* repeat method: runs per sample */
	__u32 iters;		/* loop method: flows per sample */
	__u32 scale_iters;
	__u32 max_scale;
	__u32 flow_table;	/* flows per sandbox table */
	bool quick;
	const char *only;

	__u32 next_id;		/* sandbox ids */
	__u32 cur_id;		/* the sandbox on IF_SBX */
	__u16 slot_always;
	__u16 slot_ip;		/* allow 198.18.1.0/24 */
	__u16 slot_names;	/* allow *.example.com, deny blocked.example.com */
	__u16 slot_worst;	/* ... and deny wildcards at every depth 1-7 */

	__u64 n_events;
	struct egress_event last_ev;
	__u64 rng;

	cJSON *cases;
	cJSON *scale;
	cJSON *root;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "egress-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __u64 rnd(struct bench *b)
{
	/* xorshift64*: reproducible from the fixed seed */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 2685821657736338717ULL;
}

/* A bijection on 32 bits (murmur3's finaliser): distinct i, distinct out. */
static __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static bool wanted(const struct bench *b, const char *group)
{
	const char *p = b->only;
	size_t n = strlen(group);

	if (!p)
		return true;
	while (*p) {
		if (!strncmp(p, group, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return false;
}

/* ---- statistics ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_SAMPLES];

	if (n <= 0)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double vmin(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double vmax(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* The mean of v without its lowest and highest 1% (interrupts, misses). */
static double trimmed_mean(__u32 *v, size_t n)
{
	size_t cut = n / 100;
	double sum = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = cut; i < n - cut; i++)
		sum += v[i];
	return sum / (double)(n - 2 * cut);
}

/* Per-sample values of one measured frame (or sum of frames). */
struct result {
	int n;
	double base[MAX_SAMPLES];	/* the empty program, ns per run */
	double prog[MAX_SAMPLES];	/* xdp_egress, ns per run */
};

static double res_marginal(const struct result *r, int s)
{
	return r->prog[s] - r->base[s];
}

static void result_sum(struct result *out, const struct result *a,
		       const struct result *b)
{
	memset(out, 0, sizeof(*out));
	out->n = a->n;
	for (int s = 0; s < a->n; s++) {
		out->base[s] = a->base[s] + b->base[s];
		out->prog[s] = a->prog[s] + b->prog[s];
	}
}

static double res_median_marginal(const struct result *r)
{
	double m[MAX_SAMPLES];

	for (int s = 0; s < r->n; s++)
		m[s] = res_marginal(r, s);
	return median(m, r->n);
}

static double res_median_ratio(const struct result *r)
{
	double m[MAX_SAMPLES];

	for (int s = 0; s < r->n; s++)
		m[s] = r->base[s] > 0 ? r->prog[s] / r->base[s] : 0;
	return median(m, r->n);
}

static void json_num(cJSON *o, const char *key, double v, double scale)
{
	cJSON_AddNumberToObject(o, key, (double)(long long)(v * scale + (v >= 0 ? 0.5 : -0.5)) / scale);
}

static cJSON *result_json(const struct result *r)
{
	cJSON *o = cJSON_CreateObject();
	double m[MAX_SAMPLES];

	for (int s = 0; s < r->n; s++)
		m[s] = res_marginal(r, s);
	cJSON_AddNumberToObject(o, "samples", r->n);
	json_num(o, "base_ns", median(r->base, r->n), 10);
	json_num(o, "prog_ns", median(r->prog, r->n), 10);
	json_num(o, "marginal_ns", median(m, r->n), 10);
	json_num(o, "marginal_min_ns", vmin(m, r->n), 10);
	json_num(o, "marginal_max_ns", vmax(m, r->n), 10);
	json_num(o, "ratio", res_median_ratio(r), 100);
	return o;
}

static void case_add(struct bench *b, const char *id, const char *group,
		     const char *title, const char *method, size_t frame_bytes,
		     __u32 runs, const struct result *r)
{
	cJSON *o = result_json(r);

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "group", group);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddStringToObject(o, "method", method);
	cJSON_AddNumberToObject(o, "frame_bytes", (double)frame_bytes);
	cJSON_AddNumberToObject(o, "runs_per_sample", runs);
	cJSON_AddItemToArray(b->cases, o);
	note("  %-22s %8.1f ns  (empty %5.1f, x%.2f)\n", id,
	     res_median_marginal(r), median(r->base, r->n), res_median_ratio(r));
}

static cJSON *case_find(const struct bench *b, const char *id)
{
	cJSON *c;

	cJSON_ArrayForEach(c, b->cases) {
		cJSON *i = cJSON_GetObjectItem(c, "id");

		if (i && !strcmp(i->valuestring, id))
			return c;
	}
	return NULL;
}

static double case_val(const struct bench *b, const char *id, const char *key)
{
	cJSON *c = case_find(b, id), *v;

	if (!c || !(v = cJSON_GetObjectItem(c, key)))
		return -1;
	return v->valuedouble;
}

/* ---- the data path ------------------------------------------------------- */

static int on_event(void *ctx, const struct egress_event *e)
{
	struct bench *b = ctx;

	b->last_ev = *e;
	b->n_events++;
	return 0;
}

static void events_drain(struct bench *b)
{
	egress_dp_events_consume(b->dp);
}

static int test_run(int fd, const void *frame, size_t len, __u32 ifindex,
		    __u32 repeat, __u32 *dur, __u32 *ret)
{
	struct xdp_md ctx = {
		.data_end = (__u32)len,
		.ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = frame,
		    .data_size_in = (__u32)len,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	if (dur)
		*dur = o.duration;
	if (ret)
		*ret = o.retval;
	return 0;
}

/* The same for a tc program (the frame as seen on ifindex). */
static int tc_test_run_n(int fd, const void *frame, size_t len, __u32 ifindex,
			 __u32 repeat, __u32 *dur, __u32 *ret)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		    .data_in = frame,
		    .data_size_in = (__u32)len,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	if (dur)
		*dur = o.duration;
	if (ret)
		*ret = o.retval;
	return 0;
}

static int tc_test_run(int fd, const void *frame, size_t len, __u32 ifindex,
		       __u32 *dur, __u32 *ret)
{
	return tc_test_run_n(fd, frame, len, ifindex, 1, dur, ret);
}

static __u32 run_egress(struct bench *b, const void *frame, size_t len)
{
	__u32 ret = 0;
	int err = test_run(b->xdp_fd, frame, len, b->ifindex, 1, NULL, &ret);

	if (err)
		die("BPF_PROG_TEST_RUN: %s", strerror(-err));
	return ret;
}

static __u32 run_tc(struct bench *b, void *frame, size_t len)
{
	struct egress_run run = { .frame = frame, .len = (__u32)len, .ifindex = b->ifindex };
	int err = egress_dp_run_tc(b->dp, &run);

	if (err)
		die("BPF_PROG_TEST_RUN (tc): %s", strerror(-err));
	return run.action;
}

static const char *act_str(__u32 a)
{
	switch (a) {
	case XDP_ABORTED: return "XDP_ABORTED";
	case XDP_DROP: return "XDP_DROP";
	case XDP_PASS: return "XDP_PASS";
	case XDP_TX: return "XDP_TX";
	case XDP_REDIRECT: return "XDP_REDIRECT";
	default: return "?";
	}
}

/* A fresh sandbox (new id, empty flow table) on IF_SBX, rules from slot. */
static void sandbox_use(struct bench *b, __u16 slot)
{
	struct egress_sandbox sb = {
		.generation = 1,
		.mode = EGRESS_MODE_DENY,
		.flags = EGRESS_SB_F_CHECK_MAC | EGRESS_SB_F_CHECK_IP,
		.event_window_ms = EVENT_WINDOW_MS,
	};
	__u8 a[16];
	int ret;

	sb.id = b->next_id++;
	if (sb.id >= EGRESS_MAX_SANDBOXES)
		die("out of sandbox ids");
	memcpy(sb.mac, guest_mac, 6);
	sb.slot[EGRESS_SCOPE_NONE] = EGRESS_SLOT_NONE;
	sb.slot[EGRESS_SCOPE_ALWAYS] = b->slot_always;
	sb.slot[EGRESS_SCOPE_GLOBAL] = EGRESS_SLOT_NONE;
	sb.slot[EGRESS_SCOPE_SANDBOX] = slot;
	ret = egress_dp_flow_table_create(b->dp, sb.id, b->flow_table);
	if (ret)
		die("flow table: %s", strerror(-ret));
	for (int i = 0; i < 2; i++) {
		addr16(guest4[i], a);
		if (egress_dp_src_addr_add(b->dp, sb.id, a))
			die("src_addrs");
		addr16(guest6[i], a);
		if (egress_dp_src_addr_add(b->dp, sb.id, a))
			die("src_addrs");
	}
	ret = egress_dp_sandbox_set(b->dp, b->ifindex, &sb);
	if (ret)
		die("sandbox: %s", strerror(-ret));
	if (b->cur_id)
		egress_dp_flow_table_delete(b->dp, b->cur_id);
	b->cur_id = sb.id;
	events_drain(b);
}

static void rule_add(struct bench *b, __u16 slot, __u8 action, const char *text,
		     __u32 id)
{
	struct egress_rule r;
	char err[256];
	int ret;

	if (egress_rule_parse(text, action, &r, err, sizeof(err)))
		die("rule '%s': %s", text, err);
	r.id = id;
	if (r.kind == EGRESS_RULE_IP)
		ret = egress_dp_ip_rule_add(b->dp, slot, action, &r.prefix, id);
	else
		ret = egress_dp_name_rule_add(b->dp, slot, &r);
	if (ret)
		die("rule '%s': %s", text, strerror(-ret));
}

static __u16 slot_new(struct bench *b)
{
	__u16 slot;

	if (egress_dp_slot_alloc(b->dp, &slot))
		die("no rule slot");
	/* room for the largest rule set, loaded one rule at a time */
	if (egress_dp_slot_reserve(b->dp, slot, EGRESS_MAX_NAME_RULES / 2))
		die("no name table");
	return slot;
}

/* ---- DNS ----------------------------------------------------------------- */

static void resolver_add(struct bench *b)
{
	__u8 a[16];

	addr16(RESOLVER4, a);
	if (egress_dp_resolver_add(b->dp, b->cur_id, a))
		die("resolvers");
}

/* A query for name (type A, RD, no EDNS) into out; its length. */
static size_t dns_query_msg(const char *name, __u16 id, __u8 *out)
{
	struct dmsg m;

	dm_init(&m);
	dm_header(&m, id, 0x0100, 1, 0, 0, 0);
	dm_question(&m, name, 1, 1);
	if (m.len > DNS_MSG_MAX)
		die("DNS query for %s: %zu bytes", name, m.len);
	memcpy(out, m.b, m.len);
	return m.len;
}

/* Its answer: one A record, addr, DNS_TTL. */
static size_t dns_answer_msg(const char *name, __u16 id, const char *addr, __u8 *out)
{
	struct dmsg m;
	size_t owner;

	dm_init(&m);
	dm_header(&m, id, 0x8180, 1, 1, 0, 0);
	owner = dm_question(&m, name, 1, 1);
	dm_addr_rr(&m, (unsigned int)owner, addr, DNS_TTL);
	if (m.len > DNS_MSG_MAX)
		die("DNS answer for %s: %zu bytes", name, m.len);
	memcpy(out, m.b, m.len);
	return m.len;
}

/* The UDP frame guest:port -> RESOLVER4:53 (query) or back (answer). */
static size_t dns_frame(__u8 *buf, bool answer, __u16 port, const __u8 *msg, size_t len)
{
	struct pkt_spec s = answer ? spec_udp(RESOLVER4, 53, guest4[0], port) :
				     spec_udp(guest4[0], port, RESOLVER4, 53);

	s.payload = msg;
	s.payload_len = (__u32)len;
	return frame_build(&s, buf, FRAME_MAX);
}

/*
 * Binds addr to name in the current sandbox the way the data path does: a
 * query XDP passes (the sandbox opened to allow-all and any resolver for
 * it), its answer through tc; then the sandbox as it was.
 */
static void dns_bind(struct bench *b, const char *name, const char *addr)
{
	struct egress_sandbox sb, open;
	__u8 msg[DNS_MSG_MAX], f[FRAME_MAX], a[16];
	__u16 id = ++b->dns_id;
	size_t n;

	if (egress_dp_sandbox_get(b->dp, b->ifindex, &sb))
		die("sandbox_get");
	open = sb;
	open.mode = EGRESS_MODE_ALLOW_ALL;
	open.flags |= EGRESS_SB_F_ANY_RESOLVER;
	if (egress_dp_sandbox_set(b->dp, b->ifindex, &open))
		die("sandbox_set");
	n = dns_query_msg(name, id, msg);
	if (run_egress(b, f, dns_frame(f, false, 5353, msg, n)) != XDP_PASS)
		die("binding %s: the query was not passed", name);
	n = dns_answer_msg(name, id, addr, msg);
	if (run_tc(b, f, dns_frame(f, true, 5353, msg, n)) != TC_ACT_OK)
		die("binding %s: the answer was not passed", name);
	if (egress_dp_sandbox_set(b->dp, b->ifindex, &sb))
		die("sandbox_set");
	addr16(addr, a);
	if (egress_dp_binding_has_name(b->dp, b->cur_id, a, name) != 1)
		die("binding %s to %s: not bound", name, addr);
	events_drain(b);
}

/* ---- frames -------------------------------------------------------------- */

/* A flow per iteration: the guest's address and source port of flow i. */
static void flow_of(__u64 i, bool v6, const char **src, __u16 *sport)
{
	*src = (v6 ? guest6 : guest4)[(i / 60000) & 1];
	*sport = (__u16)(1024 + i % 60000);
}

/* Port 443, or (new_key) one per flow, so that no event collapses. */
static __u16 dport_of(bool new_key, __u64 i)
{
	return new_key ? (__u16)(1024 + (i * 7919) % 60000) : HTTPS;
}

static size_t syn_frame(__u8 *buf, const struct conn *c)
{
	struct pkt_spec s = conn_syn(c);

	return frame_build(&s, buf, FRAME_MAX);
}

static size_t seg_frame(__u8 *buf, const struct conn *c, __u32 off,
			const void *bytes, __u32 len)
{
	struct pkt_spec s = conn_seg(c, off, bytes, len);

	return frame_build(&s, buf, FRAME_MAX);
}

static size_t ack_frame(__u8 *buf, const struct conn *c, __u32 n)
{
	struct pkt_spec s = conn_peer_ack(c, n);

	return frame_build(&s, buf, FRAME_MAX);
}

static void put16(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

/*
 * Extensions a browser sends besides the builder's (GREASE, EMS,
 * renegotiation_info, session_ticket, status_request, SCT,
 * compress_certificate, ALPS, record_size_limit, delegated_credentials,
 * post_handshake_auth, GREASE): 12 more, 20 in all.
 */
static const __u8 more_exts[] = {
	0x0a, 0x0a, 0x00, 0x00,
	0x00, 0x17, 0x00, 0x00,
	0xff, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x23, 0x00, 0x00,
	0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x12, 0x00, 0x00,
	0x00, 0x1b, 0x00, 0x03, 0x02, 0x00, 0x02,
	0x44, 0x69, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32,
	0x00, 0x1c, 0x00, 0x02, 0x40, 0x01,
	0x00, 0x22, 0x00, 0x0a, 0x00, 0x08, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03,
	0x02, 0x03,
	0x00, 0x31, 0x00, 0x00,
	0x1a, 0x1a, 0x00, 0x01, 0x00,
};

/*
 * A browser-like ClientHello (TLS record bytes) with 20 extensions:
 * server_name first (late: last, after all others, the key share
 * included). key_share: bytes of an X25519MLKEM768 share, 0: none.
 */
static size_t hello_raw(const char *sni, bool late, __u32 key_share, __u8 *out,
			size_t cap)
{
	static __u8 hs[HELLO_MAX];
	struct hello_spec spec = { .sni = sni, .sni_last = late, .key_share = key_share };
	struct hello_layout lay;
	size_t n = hello_hs(&spec, hs, sizeof(hs) - sizeof(more_exts), &lay), at;
	__u32 block;

	if (!n || !lay.exts)
		die("cannot build a ClientHello for '%s'", sni);
	at = late ? lay.exts + 2 : n;	/* before everything, or after */
	memmove(hs + at + sizeof(more_exts), hs + at, n - at);
	memcpy(hs + at, more_exts, sizeof(more_exts));
	n += sizeof(more_exts);
	block = (__u32)(hs[lay.exts] << 8 | hs[lay.exts + 1]) + sizeof(more_exts);
	put16(hs + lay.exts, block);
	hs[1] = (__u8)((n - 4) >> 16);
	put16(hs + 2, (__u32)(n - 4));
	return tls_records(hs, n, 0, out, cap);
}

/* ---- the repeat method --------------------------------------------------- */

/* tc_from_sandbox and the empty tc program: run as tc programs. */
static int tc_in_fd = -1, tc_empty_fd = -1;

static void repeat_run(int fd, const void *frame, size_t len, __u32 ifindex,
		       __u32 repeat, __u32 *dur, __u32 *ret)
{
	int err = fd == tc_in_fd || fd == tc_empty_fd ?
		  tc_test_run_n(fd, frame, len, ifindex, repeat, dur, ret) :
		  test_run(fd, frame, len, ifindex, repeat, dur, ret);

	if (err)
		die("BPF_PROG_TEST_RUN: %s", strerror(-err));
}

/*
 * frame run `repeat` times per sample by the empty program and by
 * xdp_egress (order alternating), after one run that sets up its state.
 * (Only o.duration counts: the syscall's wall time also holds the XDP
 * dispatcher update that BPF_PROG_TEST_RUN makes when repeat > 1.)
 */
static void repeat_case_of(struct bench *b, int prog_fd, int empty_fd, const __u8 *frame,
			   size_t len, __u32 want, struct result *r)
{
	__u32 d_e = 0, d_p = 0, ret = 0, got;

	memset(r, 0, sizeof(*r));
	if (prog_fd == b->xdp_fd && (got = run_egress(b, frame, len)) != want)
		die("warm-up run: %s, wanted %s", act_str(got), act_str(want));
	for (int s = 0; s < b->samples; s++) {
		if (s & 1) {
			repeat_run(empty_fd, frame, len, b->ifindex, b->repeat, &d_e, NULL);
			repeat_run(prog_fd, frame, len, b->ifindex, b->repeat, &d_p, &ret);
		} else {
			repeat_run(prog_fd, frame, len, b->ifindex, b->repeat, &d_p, &ret);
			repeat_run(empty_fd, frame, len, b->ifindex, b->repeat, &d_e, NULL);
		}
		if (ret != want)
			die("sample %d: %s, wanted %s", s, act_str(ret), act_str(want));
		r->base[s] = d_e;
		r->prog[s] = d_p;
		events_drain(b);
	}
	r->n = b->samples;
}

static void repeat_case(struct bench *b, const __u8 *frame, size_t len,
			__u32 want, struct result *r)
{
	repeat_case_of(b, b->xdp_fd, b->empty_fd, frame, len, want, r);
}

/* ---- the loop method ----------------------------------------------------- */

struct loop;

struct step {
	size_t len;
	bool tc;		/* through tc_to_sandbox (never timed) */
	int bucket;		/* timed into this bucket; -1: run, not timed */
	__u32 want;		/* the action it must get */
};

typedef int (*script_fn)(struct bench *b, struct loop *l, __u64 i,
			 struct step *st, __u8 (*buf)[FRAME_MAX]);

struct loop {
	__u16 slot;
	int n_buckets;
	__u32 iters;
	script_fn script;
	void (*prep)(struct bench *b, struct loop *l);	/* per sample */
	/* what the first flow's decision must say; reason < 0: not checked */
	int want_reason;
	const char *want_host;
	/* the case's own */
	const char *sni;
	bool late;
	__u32 key_share;
	const void *set;
	bool cold;
	bool new_key;		/* a port of its own: every flow a new event */
	bool resolver;		/* the sandbox has RESOLVER4 as its resolver */
	const char *bind;	/* a name NAMED_DST4 is bound to by a DNS answer */
	bool dns_each;		/* each flow's name bound first (untimed query + answer) */
	const char *qname;	/* DNS cases: the name asked */
	bool time_answer;	/* DNS cases: the answer timed (tc), not the query */
	__u32 n_est;
	size_t frame_bytes[MAX_BUCKETS];
};

static __u8 step_buf[MAX_STEPS][FRAME_MAX];

static void check_first(struct bench *b, const struct loop *l)
{
	const struct egress_event *e = &b->last_ev;
	__u8 want_v = l->want_reason == EGRESS_REASON_DENY_RULE ? EGRESS_DENIED : EGRESS_ALLOWED;

	if (l->want_reason < 0)
		return;
	events_drain(b);
	if (!b->n_events)
		die("the first flow emitted no event");
	if (e->verdict != want_v || e->reason != l->want_reason)
		die("the first flow: verdict %u reason %u, wanted %u/%d",
		    e->verdict, e->reason, want_v, l->want_reason);
	if (l->want_host && (e->host_len != strlen(l->want_host) ||
			     memcmp(e->host, l->want_host, e->host_len)))
		die("the first flow named '%.*s', wanted '%s'", e->host_len,
		    e->host, l->want_host);
}

static void loop_case(struct bench *b, struct loop *l, struct result *res)
{
	__u32 *base[MAX_BUCKETS], *prog[MAX_BUCKETS];
	size_t n[MAX_BUCKETS];

	for (int k = 0; k < l->n_buckets; k++) {
		memset(&res[k], 0, sizeof(res[k]));
		base[k] = calloc(l->iters, sizeof(__u32));
		prog[k] = calloc(l->iters, sizeof(__u32));
		if (!base[k] || !prog[k])
			die("out of memory");
	}
	for (int s = 0; s < b->samples; s++) {
		sandbox_use(b, l->slot);
		if (l->resolver)
			resolver_add(b);
		if (l->bind)
			dns_bind(b, l->bind, NAMED_DST4);
		if (l->prep)
			l->prep(b, l);
		b->n_events = 0;
		memset(n, 0, sizeof(n));
		for (__u64 i = 0; i < l->iters; i++) {
			struct step st[MAX_STEPS];
			int n_st = l->script(b, l, i, st, step_buf);

			for (int k = 0; k < n_st; k++) {
				__u32 got, d_e, d_p;
				int bk = st[k].bucket;

				if (st[k].tc && bk < 0) {
					got = run_tc(b, step_buf[k], st[k].len);
				} else if (bk < 0) {
					got = run_egress(b, step_buf[k], st[k].len);
				} else {
					int e1, e2;

					if (st[k].tc) {	/* against the empty tc program */
						if (i & 1) {
							e1 = tc_test_run(b->empty_tc_fd, step_buf[k],
									 st[k].len, b->ifindex, &d_e, NULL);
							e2 = tc_test_run(b->tc_fd, step_buf[k], st[k].len,
									 b->ifindex, &d_p, &got);
						} else {
							e2 = tc_test_run(b->tc_fd, step_buf[k], st[k].len,
									 b->ifindex, &d_p, &got);
							e1 = tc_test_run(b->empty_tc_fd, step_buf[k],
									 st[k].len, b->ifindex, &d_e, NULL);
						}
					} else if (i & 1) {
						e1 = test_run(b->empty_fd, step_buf[k], st[k].len,
							      b->ifindex, 1, &d_e, NULL);
						e2 = test_run(b->xdp_fd, step_buf[k], st[k].len,
							      b->ifindex, 1, &d_p, &got);
					} else {
						e2 = test_run(b->xdp_fd, step_buf[k], st[k].len,
							      b->ifindex, 1, &d_p, &got);
						e1 = test_run(b->empty_fd, step_buf[k], st[k].len,
							      b->ifindex, 1, &d_e, NULL);
					}
					if (e1 || e2)
						die("BPF_PROG_TEST_RUN: %s", strerror(-(e1 ? e1 : e2)));
					base[bk][n[bk]] = d_e;
					prog[bk][n[bk]] = d_p;
					n[bk]++;
					l->frame_bytes[bk] = st[k].len;
				}
				if (got != st[k].want) {
					events_drain(b);
					die("flow %llu, frame %d: %s, wanted %s (last event: verdict %u, reason %u)",
					    (unsigned long long)i, k,
					    st[k].tc ? "?" : act_str(got),
					    st[k].tc ? "TC_ACT_OK" : act_str(st[k].want),
					    b->last_ev.verdict, b->last_ev.reason);
				}
			}
			if (s == 0 && i == 0)
				check_first(b, l);
			if ((i & 255) == 255)
				events_drain(b);
		}
		events_drain(b);
		for (int k = 0; k < l->n_buckets; k++) {
			res[k].base[s] = trimmed_mean(base[k], n[k]);
			res[k].prog[s] = trimmed_mean(prog[k], n[k]);
			res[k].n = s + 1;
		}
	}
	for (int k = 0; k < l->n_buckets; k++) {
		free(base[k]);
		free(prog[k]);
	}
}

/* ---- the cases ----------------------------------------------------------- */

static void fastpath(struct bench *b)
{
	bool all = wanted(b, "fast");
	struct pkt_spec s;
	struct result r;
	size_t len;
	__u8 *f = step_buf[0];

	note("fast path and established flow (repeat %u, %d samples)\n",
	     b->repeat, b->samples);
	sandbox_use(b, b->slot_ip);

	if (all || wanted(b, "arp")) {
		len = frame_arp(f, guest_mac, guest_mac, guest4[0], GATEWAY4, 1);
		repeat_case(b, f, len, XDP_PASS, &r);
		case_add(b, "arp", "fastpath", "ARP request (non-IP), MAC and address checked",
			 "repeat", len, b->repeat, &r);
	}
	if (all || wanted(b, "icmp_echo")) {
		s = spec_echo(guest4[0], ALLOWED_DST4, 7);
		len = frame_build(&s, f, FRAME_MAX);
		repeat_case(b, f, len, XDP_PASS, &r);
		case_add(b, "icmp_echo", "fastpath", "ICMP echo request, its flow known",
			 "repeat", len, b->repeat, &r);
	}
	if (all || wanted(b, "established")) {
		struct conn c = conn_of(guest4[0], 40000, ALLOWED_DST4, HTTPS);
		static __u8 payload[1448];

		len = syn_frame(f, &c);
		if (run_egress(b, f, len) != XDP_PASS)
			die("the established flow's SYN was not passed");
		len = seg_frame(f, &c, 0, payload, sizeof(payload));
		repeat_case(b, f, len, XDP_PASS, &r);
		case_add(b, "established", "established",
			 "TCP data frame (1448 bytes) of an allowed flow, hot",
			 "repeat", len, b->repeat, &r);
	}
	if (all || wanted(b, "established_tc")) {
		struct conn c = conn_of(guest4[0], 40001, ALLOWED_DST4, HTTPS);
		static __u8 payload[1448];

		/* the default attach on veth and tap: against an empty tc program */
		tc_in_fd = egress_dp_tc_in_fd(b->dp);
		tc_empty_fd = b->empty_tc_fd;
		if (tc_in_fd < 0)
			die("cannot load tc_from_sandbox: %s", strerror(-tc_in_fd));
		len = syn_frame(f, &c);
		if (run_egress(b, f, len) != XDP_PASS)
			die("the established flow's SYN was not passed");
		len = seg_frame(f, &c, 0, payload, sizeof(payload));
		repeat_case_of(b, tc_in_fd, tc_empty_fd, f, len, TC_ACT_OK, &r);
		case_add(b, "established_tc", "established",
			 "the same through tc_from_sandbox (tc ingress), against an empty tc program",
			 "repeat", len, b->repeat, &r);
	}
}

/* Established, cold: random frames over n_est allowed flows. */
static void est_prep(struct bench *b, struct loop *l)
{
	for (__u32 k = 0; k < l->n_est; k++) {
		const char *src;
		__u16 sport;
		struct conn c;

		flow_of(k, false, &src, &sport);
		c = conn_of(src, sport, ALLOWED_DST4, HTTPS);
		if (run_egress(b, step_buf[0], syn_frame(step_buf[0], &c)) != XDP_PASS)
			die("an established flow's SYN was not passed");
		if ((k & 255) == 255)
			events_drain(b);
	}
	events_drain(b);
}

static int est_script(struct bench *b, struct loop *l, __u64 i, struct step *st,
		      __u8 (*buf)[FRAME_MAX])
{
	static __u8 payload[1448];
	const char *src;
	__u16 sport;
	struct conn c;

	flow_of(rnd(b) % l->n_est, false, &src, &sport);
	c = conn_of(src, sport, ALLOWED_DST4, HTTPS);
	st[0] = (struct step){ .len = seg_frame(buf[0], &c, 0, payload, sizeof(payload)),
			       .bucket = 0, .want = XDP_PASS };
	return 1;
}

/* A new flow per iteration, decided at its SYN by an IP rule. */
static int newflow_script(struct bench *b, struct loop *l, __u64 i,
			  struct step *st, __u8 (*buf)[FRAME_MAX])
{
	const char *src;
	__u16 sport;
	struct conn c;

	flow_of(i, false, &src, &sport);
	c = conn_of(src, sport, ALLOWED_DST4, dport_of(l->new_key, i));
	st[0] = (struct step){ .len = syn_frame(buf[0], &c), .bucket = 0, .want = XDP_PASS };
	return 1;
}

/*
 * A named flow per iteration: SYN (pending, timed into bucket n-1), its
 * ClientHello in one or two segments (timed), the peer's ACK (tc, which
 * releases the held bytes).
 */
static const char *hello_name(struct bench *b, struct loop *l);

static int hello_script(struct bench *b, struct loop *l, __u64 i,
			struct step *st, __u8 (*buf)[FRAME_MAX])
{
	static __u8 raw[HELLO_MAX];
	const char *src, *sni = l->set ? hello_name(b, l) : l->sni;
	__u16 sport;
	struct conn c;
	size_t n = hello_raw(sni, l->late, l->key_share, raw, sizeof(raw));
	int k = 0;

	if (l->dns_each) {
		__u8 msg[DNS_MSG_MAX];
		__u16 port = (__u16)(1024 + i % 60000), id = (__u16)(i * 40503u);
		size_t q = dns_query_msg(sni, id, msg);

		st[k] = (struct step){ .len = dns_frame(buf[k], false, port, msg, q),
				       .bucket = -1, .want = XDP_PASS };
		k++;
		q = dns_answer_msg(sni, id, NAMED_DST4, msg);
		st[k] = (struct step){ .len = dns_frame(buf[k], true, port, msg, q), .tc = true,
				       .bucket = -1, .want = TC_ACT_OK };
		k++;
	}
	flow_of(i, false, &src, &sport);
	c = conn_of(src, sport, NAMED_DST4, dport_of(l->new_key, i));
	st[k] = (struct step){ .len = syn_frame(buf[k], &c), .bucket = l->n_buckets - 1,
			       .want = XDP_PASS };
	k++;
	if (n <= 1448) {
		st[k] = (struct step){ .len = seg_frame(buf[k], &c, 0, raw, (__u32)n),
				       .bucket = 0, .want = XDP_PASS };
		k++;
	} else {
		st[k] = (struct step){ .len = seg_frame(buf[k], &c, 0, raw, 1448),
				       .bucket = 0, .want = XDP_PASS };
		k++;
		st[k] = (struct step){ .len = seg_frame(buf[k], &c, 1448, raw + 1448,
							(__u32)(n - 1448)),
				       .bucket = 1, .want = XDP_PASS };
		k++;
	}
	st[k] = (struct step){ .len = ack_frame(buf[k], &c, (__u32)n), .tc = true,
			       .bucket = -1, .want = TC_ACT_OK };
	return k + 1;
}

static void newflow(struct bench *b)
{
	bool all = wanted(b, "newflow");
	struct loop l = {
		.slot = b->slot_ip, .n_buckets = 1, .iters = b->iters,
		.script = newflow_script, .want_reason = EGRESS_REASON_ALLOW_RULE,
	};
	struct result r[MAX_BUCKETS];

	note("new flows and established cold (loop, %u flows x %d samples)\n",
	     b->iters, b->samples);
	if (all || wanted(b, "newflow_ip")) {
		loop_case(b, &l, r);
		case_add(b, "newflow_ip", "newflow",
			 "TCP SYN of a new flow to 198.18.1.1:443, allowed by an IP rule (event collapsed)",
			 "loop", l.frame_bytes[0], l.iters, &r[0]);
	}
	if (all || wanted(b, "newflow_ip_event")) {
		l.new_key = true;
		loop_case(b, &l, r);
		case_add(b, "newflow_ip_event", "newflow",
			 "the same, each flow to a port of its own (an audit event each)",
			 "loop", l.frame_bytes[0], l.iters, &r[0]);
	}
	if (all || wanted(b, "established_cold")) {
		l = (struct loop){
			.slot = b->slot_ip, .n_buckets = 1, .iters = b->iters,
			.script = est_script, .prep = est_prep, .want_reason = -1,
			.n_est = 10000,
		};
		loop_case(b, &l, r);
		case_add(b, "established_cold", "established",
			 "TCP data frame of one of 10000 allowed flows, at random",
			 "loop", l.frame_bytes[0], l.iters, &r[0]);
	}
}

static void name_worst(char *out, bool many_labels)
{
	char *p = out;

	if (many_labels) {
		/* 121 one-byte labels + example.com: 123 labels, 253 bytes */
		for (int i = 0; i < 121; i++)
			p += sprintf(p, "a.");
	} else {
		/* three 63-byte labels, one of 49, example.com: 253 bytes */
		for (int i = 0; i < 3; i++) {
			memset(p, "xyz"[i], 63);
			p += 63;
			*p++ = '.';
		}
		memset(p, 'w', 49);
		p += 49;
		*p++ = '.';
	}
	strcpy(p, "example.com");
	if (strlen(out) != 253)
		die("worst name is %zu bytes", strlen(out));
}

static void hello_cases(struct bench *b)
{
	static char worst_labels[256], worst_long[256];
	struct result r[MAX_BUCKETS], sum;
	struct loop l;
	struct {
		const char *id, *title, *sni;
		bool late;
		__u16 slot;
	} cases[] = {
		{ "hello_early", "ClientHello, 1 frame, SNI api.example.com first of 20 extensions",
		  "api.example.com", false, b->slot_names },
		{ "hello_late", "ClientHello, 1 frame, SNI api.example.com last of 20 extensions",
		  "api.example.com", true, b->slot_names },
		{ "hello_worst_labels", "ClientHello, SNI last, 253-byte name of 123 labels, wildcards at depths 1-7",
		  worst_labels, true, b->slot_worst },
		{ "hello_worst_long", "ClientHello, SNI last, 253-byte name of 63-byte labels, wildcards at depths 1-7",
		  worst_long, true, b->slot_worst },
	};

	name_worst(worst_labels, true);
	name_worst(worst_long, false);
	note("ClientHello decisions (loop, %u flows x %d samples)\n", b->iters, b->samples);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char id[64];

		if (!wanted(b, "hello") && !wanted(b, cases[c].id))
			continue;

		l = (struct loop){
			.slot = cases[c].slot, .n_buckets = 2, .iters = b->iters,
			.script = hello_script, .want_reason = EGRESS_REASON_ALLOW_RULE,
			.want_host = cases[c].sni, .sni = cases[c].sni, .late = cases[c].late,
			.bind = cases[c].sni,
		};
		loop_case(b, &l, r);
		case_add(b, cases[c].id, "hello", cases[c].title, "loop",
			 l.frame_bytes[0], l.iters, &r[0]);
		snprintf(id, sizeof(id), "%s_syn", cases[c].id);
		case_add(b, id, "syn_pending",
			 "its SYN: a new flow left pending (name rules could decide)",
			 "loop", l.frame_bytes[1], l.iters, &r[1]);
	}

	if (!wanted(b, "hello") && !wanted(b, "pq_hello"))
		return;
	l = (struct loop){
		.slot = b->slot_names, .n_buckets = 3, .iters = b->iters,
		.script = hello_script, .want_reason = EGRESS_REASON_ALLOW_RULE,
		.want_host = "api.example.com", .sni = "api.example.com", .late = true,
		.key_share = 1216, .bind = "api.example.com",
	};
	loop_case(b, &l, r);
	case_add(b, "pq_seg1", "pq", "post-quantum ClientHello, first segment (1448 bytes, no name yet)",
		 "loop", l.frame_bytes[0], l.iters, &r[0]);
	case_add(b, "pq_seg2", "pq", "post-quantum ClientHello, second segment (SNI after the 1216-byte key share)",
		 "loop", l.frame_bytes[1], l.iters, &r[1]);
	result_sum(&sum, &r[0], &r[1]);
	case_add(b, "pq_hello", "pq", "post-quantum ClientHello, both segments",
		 "loop", l.frame_bytes[0] + l.frame_bytes[1], l.iters, &sum);
}

/* ---- DNS queries and answers --------------------------------------------- */

/*
 * A query per iteration from a port of its own to the resolver: timed
 * through XDP (allowed: passed; denied: answered NXDOMAIN in place,
 * XDP_TX). An allowed query's answer follows through tc, untimed, or
 * (dns_answer) timed against the empty tc program, its query untimed.
 */
static int dns_script(struct bench *b, struct loop *l, __u64 i, struct step *st,
		      __u8 (*buf)[FRAME_MAX])
{
	__u8 msg[DNS_MSG_MAX];
	__u16 port = (__u16)(1024 + i % 60000), id = (__u16)(i * 40503u);
	bool denied = l->want_reason == EGRESS_REASON_DENY_RULE;
	bool answer = l->time_answer;
	size_t n = dns_query_msg(l->qname, id, msg);
	int k = 0;

	st[k++] = (struct step){ .len = dns_frame(buf[0], false, port, msg, n),
				 .bucket = answer ? -1 : 0,
				 .want = denied ? XDP_TX : XDP_PASS };
	if (denied)
		return k;
	n = dns_answer_msg(l->qname, id, NAMED_DST4, msg);
	st[k] = (struct step){ .len = dns_frame(buf[k], true, port, msg, n), .tc = true,
			       .bucket = answer ? 0 : -1, .want = TC_ACT_OK };
	return k + 1;
}

static void dns_cases(struct bench *b)
{
	struct result r[MAX_BUCKETS];
	struct {
		const char *id, *title, *qname;
		int reason;
		bool answer;
	} cases[] = {
		{ "dns_query_allowed", "DNS query (A api.example.com) to the resolver, allowed by *.example.com",
		  "api.example.com", EGRESS_REASON_ALLOW_RULE, false },
		{ "dns_query_denied", "DNS query (A blocked.example.com), denied: NXDOMAIN built in place, XDP_TX",
		  "blocked.example.com", EGRESS_REASON_DENY_RULE, false },
		{ "dns_answer", "DNS answer (one A record) through tc_to_sandbox, learnt as a binding (against an empty tc program)",
		  "api.example.com", EGRESS_REASON_ALLOW_RULE, true },
	};

	note("DNS (loop, %u queries x %d samples)\n", b->iters, b->samples);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct loop l = {
			.slot = b->slot_names, .n_buckets = 1, .iters = b->iters,
			.script = dns_script, .want_reason = cases[c].reason,
			.resolver = true, .qname = cases[c].qname, .time_answer = cases[c].answer,
		};

		if (!wanted(b, "dns") && !wanted(b, cases[c].id))
			continue;
		loop_case(b, &l, r);
		case_add(b, cases[c].id, "dns", cases[c].title, "loop", l.frame_bytes[0],
			 l.iters, &r[0]);
	}
}

/* ---- rule scale ---------------------------------------------------------- */

enum set_kind {
	SET_V4S32,	/* /32 in 32 bits, as fd00::/96 + 32 bits (see below) */
	SET_V4SCIDR,	/* /20-/28 in those 32 bits */
	SET_V4_32,	/* real IPv4 /32 in 198.18.0.0/15 */
	SET_V4_CIDR,	/* real IPv4 /20-/28 in 198.18.0.0/15 */
	SET_NAMES,	/* exact names */
};

struct rule_set {
	enum set_kind kind;
	__u32 n;
	__u32 *addr;	/* the 32 variable bits of each rule */
	__u8 *plen;	/* its prefix length in those bits */
};

static const char *const set_series[] = {
	[SET_V4S32] = "ipv4_32",
	[SET_V4SCIDR] = "ipv4_cidr",
	[SET_V4_32] = "ipv4_32_real",
	[SET_V4_CIDR] = "ipv4_cidr_real",
	[SET_NAMES] = "names",
};

static const char *const set_title[] = {
	[SET_V4S32] = "IPv4-shaped /32 (fd00::/96 + 32 bits)",
	[SET_V4SCIDR] = "IPv4-shaped CIDR /20-/28 (fd00::/96 + 32 bits)",
	[SET_V4_32] = "IPv4 /32 in 198.18.0.0/15",
	[SET_V4_CIDR] = "IPv4 CIDR /20-/28 in 198.18.0.0/15",
	[SET_NAMES] = "exact names",
};

static const char *set_name_of(__u32 i, char *buf)
{
	__u32 h = mix32(i);

	sprintf(buf, "h%06x-%u.svc%u.example.net", h & 0xffffff, i, h % 997);
	return buf;
}

static const char *hello_name(struct bench *b, struct loop *l)
{
	static char name[128];
	const struct rule_set *set = l->set;

	return set_name_of(l->cold ? (__u32)(rnd(b) % set->n) : 0, name);
}

static bool v4_real(enum set_kind k)
{
	return k == SET_V4_32 || k == SET_V4_CIDR;
}

static void addr_text(const struct rule_set *set, __u32 v, char *buf)
{
	if (v4_real(set->kind))
		sprintf(buf, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
	else
		sprintf(buf, "fd00::%x:%x", v >> 16, v & 0xffff);
}

/* A small open-addressing set of 64-bit keys (never 0). */
struct kset {
	__u64 *slot;
	__u64 mask;
};

static bool kset_add(struct kset *s, __u64 key)
{
	__u64 h = (key * 0x9e3779b97f4a7c15ULL) & s->mask;

	while (s->slot[h]) {
		if (s->slot[h] == key)
			return false;
		h = (h + 1) & s->mask;
	}
	s->slot[h] = key;
	return true;
}

static void set_make(struct bench *b, struct rule_set *set)
{
	__u32 always, base4 = (198u << 24) | (18u << 16);
	struct kset ks;
	__u64 cap = 1;

	inet_pton(AF_INET, ALWAYS_DENY4, &always);
	always = ntohl(always);
	if (set->kind == SET_NAMES)
		return;
	set->addr = calloc(set->n, sizeof(*set->addr));
	set->plen = calloc(set->n, 1);
	while (cap < 4ULL * set->n)
		cap <<= 1;
	ks.slot = calloc(cap, sizeof(*ks.slot));
	ks.mask = cap - 1;
	if (!set->addr || !set->plen || !ks.slot)
		die("out of memory");
	for (__u32 i = 0, k = 0; i < set->n; k++) {
		__u32 v, plen = 32;

		switch (set->kind) {
		case SET_V4S32:
			v = mix32(k);			/* distinct for distinct k */
			break;
		case SET_V4_32:
			v = base4 | (__u32)(rnd(b) & 0x1ffff);
			break;
		case SET_V4SCIDR:
			plen = 20 + (__u32)(rnd(b) % 9);
			v = (__u32)rnd(b);
			break;
		default:
			plen = 20 + (__u32)(rnd(b) % 9);
			v = base4 | (__u32)(rnd(b) & 0x1ffff);
			break;
		}
		v &= plen == 32 ? ~0u : ~(~0u >> plen);
		if (v4_real(set->kind) && (always & ~(~0u >> plen)) == v)
			continue;	/* never cover the platform's deny rule */
		if (!kset_add(&ks, ((__u64)plen << 32 | v) + 1))
			continue;
		set->addr[i] = v;
		set->plen[i] = (__u8)plen;
		i++;
	}
	free(ks.slot);
}

static double set_load(struct bench *b, const struct rule_set *set, __u16 slot)
{
	char text[300], a[64];
	double t0 = now_s();

	for (__u32 i = 0; i < set->n; i++) {
		if (set->kind == SET_NAMES) {
			set_name_of(i, text);
		} else {
			addr_text(set, set->addr[i], a);
			if (v4_real(set->kind))
				sprintf(text, "%s/%u", a, set->plen[i]);
			else
				sprintf(text, "%s/%u", a, 96 + set->plen[i]);
		}
		rule_add(b, slot, EGRESS_ACT_ALLOW, text, i + 1);
	}
	return now_s() - t0;
}

/* A new flow per iteration to a destination one of the rules allows. */
static int scale_ip_script(struct bench *b, struct loop *l, __u64 i,
			   struct step *st, __u8 (*buf)[FRAME_MAX])
{
	const struct rule_set *set = l->set;
	bool v6 = !v4_real(set->kind);
	char dst[64];
	const char *src;
	__u16 sport;
	struct conn c;
	__u32 v, always;

	inet_pton(AF_INET, ALWAYS_DENY4, &always);
	always = ntohl(always);
	do {
		__u32 k = l->cold ? (__u32)(rnd(b) % set->n) : 0;
		__u32 plen = set->plen[k];

		v = set->addr[k];
		if (plen < 32 && l->cold)
			v |= (__u32)rnd(b) & (~0u >> plen);
	} while (!v6 && v == always);
	addr_text(set, v, dst);
	flow_of(i, v6, &src, &sport);
	c = conn_of(src, sport, dst, dport_of(l->new_key, i));
	st[0] = (struct step){ .len = syn_frame(buf[0], &c), .bucket = 0, .want = XDP_PASS };
	return 1;
}

static void scale_series(struct bench *b, enum set_kind kind, const __u32 *sizes,
			 int n_sizes)
{
	for (int z = 0; z < n_sizes && sizes[z] <= b->max_scale; z++) {
		struct rule_set set = { .kind = kind, .n = sizes[z] };
		struct result hot[MAX_BUCKETS], cold[MAX_BUCKETS];
		__u16 slot = slot_new(b);
		char first[128];
		cJSON *o;
		double load;
		struct loop l = {
			.slot = slot, .iters = b->scale_iters, .set = &set,
			.want_reason = EGRESS_REASON_ALLOW_RULE, .new_key = true,
		};

		set_make(b, &set);
		note("  %-16s %8u rules: loading", set_series[kind], set.n);
		load = set_load(b, &set, slot);
		note(" %.2f s;", load);
		if (kind == SET_NAMES) {
			l.n_buckets = 2;
			l.script = hello_script;
			l.want_host = set_name_of(0, first);
			/* as a guest resolves each name before it connects */
			l.resolver = true;
			l.dns_each = true;
		} else {
			l.n_buckets = 1;
			l.script = scale_ip_script;
		}
		l.cold = false;
		loop_case(b, &l, hot);
		l.cold = true;
		l.want_reason = -1;	/* checked on the hot pass */
		loop_case(b, &l, cold);
		note(" hot %.1f ns, cold %.1f ns\n", res_median_marginal(&hot[0]),
		     res_median_marginal(&cold[0]));

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "series", set_series[kind]);
		cJSON_AddStringToObject(o, "title", set_title[kind]);
		cJSON_AddNumberToObject(o, "rules", set.n);
		json_num(o, "load_s", load, 1000);
		json_num(o, "load_rules_per_s", set.n / load, 1);
		cJSON_AddStringToObject(o, "decided_by",
					kind == SET_NAMES ? "ClientHello segment (SNI early)" :
					"TCP SYN of a new flow");
		cJSON_AddItemToObject(o, "hot", result_json(&hot[0]));
		cJSON_AddItemToObject(o, "cold", result_json(&cold[0]));
		cJSON_AddNumberToObject(o, "runs_per_sample", l.iters);
		cJSON_AddItemToArray(b->scale, o);

		sandbox_use(b, EGRESS_SLOT_NONE);
		egress_dp_slot_free(b->dp, slot);
		free(set.addr);
		free(set.plen);
		if (set.n >= 100000)
			sleep(2);	/* let the kernel free the big maps first */
	}
}

static void scale(struct bench *b)
{
	static const __u32 sizes[] = { 1000, 100000, 1000000 };

	note("rule scale (loop, %u flows x %d samples, hot and cold)\n",
	     b->scale_iters, b->samples);
	scale_series(b, SET_V4S32, sizes, 3);
	scale_series(b, SET_V4SCIDR, sizes, 3);
	scale_series(b, SET_V4_32, sizes, 2);
	scale_series(b, SET_V4_CIDR, sizes, 1);
	scale_series(b, SET_NAMES, sizes, 3);
}

/* ---- summary --------------------------------------------------------------- */

static double scale_cold(const struct bench *b, const char *series, __u32 rules)
{
	cJSON *o;

	cJSON_ArrayForEach(o, b->scale) {
		if (strcmp(cJSON_GetObjectItem(o, "series")->valuestring, series) ||
		    (__u32)cJSON_GetObjectItem(o, "rules")->valuedouble != rules)
			continue;
		return cJSON_GetObjectItem(cJSON_GetObjectItem(o, "cold"),
					   "marginal_ns")->valuedouble;
	}
	return -1;
}

static void add_or_null(cJSON *o, const char *key, double v, double scale)
{
	if (v < 0)
		cJSON_AddNullToObject(o, key);
	else
		json_num(o, key, v, scale);
}

static double max2(double a, double b)
{
	if (a < 0 || b < 0)
		return -1;
	return a > b ? a : b;
}

static void target(cJSON *arr, const char *key, const char *goal, double v,
		   double limit)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "key", key);
	cJSON_AddStringToObject(t, "goal", goal);
	add_or_null(t, "value", v, 100);
	json_num(t, "limit", limit, 100);
	if (v < 0)
		cJSON_AddNullToObject(t, "met");
	else
		cJSON_AddBoolToObject(t, "met", v <= limit);
	cJSON_AddItemToArray(arr, t);
}

static void summary(struct bench *b)
{
	cJSON *s = cJSON_CreateObject(), *ratios = cJSON_CreateObject();
	cJSON *targets = cJSON_CreateArray();
	double fast = max2(case_val(b, "arp", "ratio"), case_val(b, "icmp_echo", "ratio"));
	double est = case_val(b, "established", "ratio");
	double hello = max2(case_val(b, "hello_early", "marginal_ns"),
			    case_val(b, "hello_late", "marginal_ns"));
	double worst = max2(case_val(b, "hello_worst_labels", "marginal_ns"),
			    case_val(b, "hello_worst_long", "marginal_ns"));
	double pq = case_val(b, "pq_hello", "marginal_ns");
	double scale_max = -1;

	for (size_t k = 0; k < sizeof(set_series) / sizeof(set_series[0]); k++) {
		double c1 = scale_cold(b, set_series[k], 1000);
		double c100 = scale_cold(b, set_series[k], 100000);
		double c1m = scale_cold(b, set_series[k], 1000000);
		cJSON *o = cJSON_CreateObject();

		add_or_null(o, "100k_over_1k", c1 > 0 && c100 >= 0 ? c100 / c1 : -1, 100);
		add_or_null(o, "1m_over_1k", c1 > 0 && c1m >= 0 ? c1m / c1 : -1, 100);
		cJSON_AddItemToObject(ratios, set_series[k], o);
		if (c1 > 0 && c1m >= 0 && c1m / c1 > scale_max)
			scale_max = c1m / c1;
	}

	add_or_null(s, "fastpath_ratio", fast, 100);
	add_or_null(s, "established_ratio", est, 100);
	add_or_null(s, "hello_ns", hello, 1);
	add_or_null(s, "hello_worst_ns", worst, 1);
	add_or_null(s, "pq_hello_ns", pq, 1);
	add_or_null(s, "dns_query_ns", max2(case_val(b, "dns_query_allowed", "marginal_ns"),
					     case_val(b, "dns_query_denied", "marginal_ns")), 1);
	add_or_null(s, "scale_1m_over_1k", scale_max, 100);
	cJSON_AddNullToObject(s, "throughput_ratio_veth");
	cJSON_AddNullToObject(s, "throughput_ratio_tap");
	cJSON_AddNullToObject(s, "connect_p50_added_us");
	cJSON_AddNullToObject(s, "connect_p99_added_us");
	cJSON_AddNullToObject(s, "vs_nginx_connect_ratio");
	cJSON_AddNullToObject(s, "vs_dnsmasq_nft_connect_ratio");
	cJSON_AddNullToObject(s, "update_one_rule_ms");
	cJSON_AddNullToObject(s, "update_1m_names_s");
	cJSON_AddNullToObject(s, "audit_events_per_s_lossless");
	cJSON_AddItemToObject(b->root, "summary", s);
	cJSON_AddItemToObject(b->root, "scale_ratios", ratios);

	target(targets, "fastpath_ratio", "fast path (ARP, ICMP) within 2x of the empty program", fast, 2);
	target(targets, "established_ratio", "established-flow data frame within 2x of the empty program", est, 2);
	target(targets, "hello_ns", "a whole ClientHello decision under 400 ns", hello, 400);
	target(targets, "hello_worst_ns", "the worst legal name under 1.5 us", worst, 1500);
	target(targets, "scale_1m_over_1k", "cold cost at 1M rules within 4x of 1k", scale_max, 4);
	cJSON_AddItemToObject(b->root, "targets", targets);
}

static void print_table(struct bench *b)
{
	cJSON *c, *t;

	printf("%-22s %-6s %7s %9s %9s %7s  %s\n", "case", "method", "bytes",
	       "empty ns", "+ns", "ratio", "what");
	cJSON_ArrayForEach(c, b->cases) {
		printf("%-22s %-6s %7.0f %9.1f %9.1f %7.2f  %s\n",
		       cJSON_GetObjectItem(c, "id")->valuestring,
		       cJSON_GetObjectItem(c, "method")->valuestring,
		       cJSON_GetObjectItem(c, "frame_bytes")->valuedouble,
		       cJSON_GetObjectItem(c, "base_ns")->valuedouble,
		       cJSON_GetObjectItem(c, "marginal_ns")->valuedouble,
		       cJSON_GetObjectItem(c, "ratio")->valuedouble,
		       cJSON_GetObjectItem(c, "title")->valuestring);
	}
	if (cJSON_GetArraySize(b->scale)) {
		printf("\n%-16s %8s %8s %10s %9s %9s\n", "rule series", "rules",
		       "load s", "rules/s", "hot +ns", "cold +ns");
		cJSON_ArrayForEach(c, b->scale) {
			printf("%-16s %8.0f %8.3f %10.0f %9.1f %9.1f\n",
			       cJSON_GetObjectItem(c, "series")->valuestring,
			       cJSON_GetObjectItem(c, "rules")->valuedouble,
			       cJSON_GetObjectItem(c, "load_s")->valuedouble,
			       cJSON_GetObjectItem(c, "load_rules_per_s")->valuedouble,
			       cJSON_GetObjectItem(cJSON_GetObjectItem(c, "hot"), "marginal_ns")->valuedouble,
			       cJSON_GetObjectItem(cJSON_GetObjectItem(c, "cold"), "marginal_ns")->valuedouble);
		}
	}
	printf("\n");
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(b->root, "targets")) {
		cJSON *v = cJSON_GetObjectItem(t, "value"), *met = cJSON_GetObjectItem(t, "met");
		char val[32] = "-";

		if (!cJSON_IsNull(v))
			snprintf(val, sizeof(val), "%.2f", v->valuedouble);
		printf("%-18s %10s  %-8s %s\n", cJSON_GetObjectItem(t, "key")->valuestring, val,
		       cJSON_IsNull(met) ? "not run" : cJSON_IsTrue(met) ? "met" : "MISSED",
		       cJSON_GetObjectItem(t, "goal")->valuestring);
	}
}

/* ---- setup ----------------------------------------------------------------- */

static void netns_init(struct bench *b)
{
	cpu_set_t cpus;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET): %s (run as root)", strerror(errno));
	if (system("ip link add " IF_SBX " type veth peer name " IF_PEER) != 0)
		die("cannot create the veth pair");
	b->ifindex = if_nametoindex(IF_SBX);
	if (!b->ifindex)
		die("no %s", IF_SBX);
	/* one CPU, so that every run sees the same per-CPU state */
	CPU_ZERO(&cpus);
	CPU_SET(n > 1 ? n - 1 : 0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	cJSON_AddNumberToObject(b->root, "cpu", n > 1 ? n - 1 : 0);
}

static void dp_init(struct bench *b)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int ret;

	setrlimit(RLIMIT_MEMLOCK, &rl);
	ret = egress_dp_open(&b->dp, NULL);
	if (ret)
		die("egress_dp_open: %s", strerror(-ret));
	b->empty = empty_bpf__open_and_load();
	if (!b->empty)
		die("loading the empty program: %s", strerror(errno));
	b->xdp_fd = egress_dp_xdp_fd(b->dp);
	b->empty_fd = bpf_program__fd(b->empty->progs.xdp_empty);
	b->empty_tc = empty_tc_bpf__open_and_load();
	if (!b->empty_tc)
		die("loading the empty tc program: %s", strerror(errno));
	b->tc_fd = egress_dp_tc_fd(b->dp);
	b->empty_tc_fd = bpf_program__fd(b->empty_tc->progs.tc_empty);
	ret = egress_dp_events_subscribe(b->dp, on_event, b);
	if (ret)
		die("events: %s", strerror(-ret));

	b->slot_always = slot_new(b);
	rule_add(b, b->slot_always, EGRESS_ACT_DENY, ALWAYS_DENY4, 900001);
	b->slot_ip = slot_new(b);
	rule_add(b, b->slot_ip, EGRESS_ACT_ALLOW, ALLOWED_NET4, 1);
	b->slot_names = slot_new(b);
	rule_add(b, b->slot_names, EGRESS_ACT_ALLOW, "*.example.com", 2);
	rule_add(b, b->slot_names, EGRESS_ACT_DENY, "blocked.example.com", 3);
	b->slot_worst = slot_new(b);
	rule_add(b, b->slot_worst, EGRESS_ACT_ALLOW, "*.example.com", 2);
	rule_add(b, b->slot_worst, EGRESS_ACT_DENY, "blocked.example.com", 3);
	for (int d = 1; d <= 7; d++) {
		char pat[64] = "*.";

		for (int k = 1; k < d; k++)
			strcat(pat, "q.");
		strcat(pat, "zz");
		rule_add(b, b->slot_worst, EGRESS_ACT_DENY, pat, 10 + d);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: egress-bench [--quick] [--out FILE] [--samples N] [--repeat N]\n"
		"                    [--iters N] [--scale-iters N] [--max-scale N] [--flow-table N]\n"
		"                    [--only GROUPS]\n"
		"GROUPS: comma-separated groups (fast, newflow, hello, scale) or cases\n"
		"(arp, icmp_echo, established, newflow_ip, newflow_ip_event, established_cold,\n"
		"hello_early, hello_late, hello_worst_labels, hello_worst_long, pq_hello)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'o' },
		{ "samples", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "iters", required_argument, NULL, 'i' },
		{ "scale-iters", required_argument, NULL, 'S' },
		{ "max-scale", required_argument, NULL, 'm' },
		{ "only", required_argument, NULL, 'O' },
		{ "flow-table", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .next_id = 1, .rng = 0x243f6a8885a308d3ULL };
	long samples = 0, repeat = 0, iters = 0, scale_iters = 0, max_scale = 0;
	const char *out = NULL;
	cJSON *cfg;
	__u64 stats[EGRESS_STAT__MAX];
	double t0 = now_s();
	char *text;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': b.quick = true; break;
		case 'o': out = optarg; break;
		case 's': samples = atol(optarg); break;
		case 'r': repeat = atol(optarg); break;
		case 'i': iters = atol(optarg); break;
		case 'S': scale_iters = atol(optarg); break;
		case 'm': max_scale = atol(optarg); break;
		case 'O': b.only = optarg; break;
		case 'F': b.flow_table = (__u32)atol(optarg); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	b.samples = samples ? (int)samples : b.quick ? 5 : 9;
	b.repeat = repeat ? (__u32)repeat : b.quick ? 100000 : 1000000;
	b.iters = iters ? (__u32)iters : b.quick ? 10000 : 100000;
	b.scale_iters = scale_iters ? (__u32)scale_iters : b.quick ? 10000 : 100000;
	b.max_scale = max_scale ? (__u32)max_scale : b.quick ? 100000 : 1000000;
	if (!b.flow_table)
		b.flow_table = EGRESS_FLOWS_PER_SANDBOX;
	if (b.samples < 1 || b.samples > MAX_SAMPLES || !b.repeat || !b.iters ||
	    !b.scale_iters)
		usage();

	b.root = cJSON_CreateObject();
	b.cases = cJSON_AddArrayToObject(b.root, "cases");
	b.scale = cJSON_AddArrayToObject(b.root, "scale");
	netns_init(&b);
	dp_init(&b);

	if (wanted(&b, "fast") || wanted(&b, "arp") || wanted(&b, "icmp_echo") ||
	    wanted(&b, "established") || wanted(&b, "established_tc"))
		fastpath(&b);
	if (wanted(&b, "newflow") || wanted(&b, "newflow_ip") || wanted(&b, "newflow_ip_event") ||
	    wanted(&b, "established_cold"))
		newflow(&b);
	if (wanted(&b, "hello") || wanted(&b, "hello_early") || wanted(&b, "hello_late") ||
	    wanted(&b, "hello_worst_labels") || wanted(&b, "hello_worst_long") ||
	    wanted(&b, "pq_hello"))
		hello_cases(&b);
	if (wanted(&b, "dns") || wanted(&b, "dns_query_allowed") ||
	    wanted(&b, "dns_query_denied") || wanted(&b, "dns_answer"))
		dns_cases(&b);
	if (wanted(&b, "scale"))
		scale(&b);
	summary(&b);

	cfg = cJSON_CreateObject();
	cJSON_AddBoolToObject(cfg, "quick", b.quick);
	cJSON_AddNumberToObject(cfg, "samples", b.samples);
	cJSON_AddNumberToObject(cfg, "repeat", b.repeat);
	cJSON_AddNumberToObject(cfg, "iters", b.iters);
	cJSON_AddNumberToObject(cfg, "scale_iters", b.scale_iters);
	cJSON_AddNumberToObject(cfg, "max_scale", b.max_scale);
	cJSON_AddNumberToObject(cfg, "event_window_ms", EVENT_WINDOW_MS);
	cJSON_AddNumberToObject(cfg, "flows_per_sandbox", b.flow_table);
	json_num(cfg, "elapsed_s", now_s() - t0, 10);
	cJSON_AddItemToObject(b.root, "config", cfg);
	if (!egress_dp_stats(b.dp, stats)) {
		cJSON *st = cJSON_CreateObject();

		cJSON_AddNumberToObject(st, "events_emitted", (double)stats[EGRESS_STAT_EVENTS_EMITTED]);
		cJSON_AddNumberToObject(st, "events_lost", (double)stats[EGRESS_STAT_EVENTS_LOST]);
		cJSON_AddNumberToObject(st, "events_suppressed", (double)stats[EGRESS_STAT_EVENTS_SUPPRESSED]);
		cJSON_AddNumberToObject(st, "flow_insert_failed", (double)stats[EGRESS_STAT_FLOW_INSERT_FAILED]);
		cJSON_AddItemToObject(b.root, "stats", st);
	}

	print_table(&b);
	text = cJSON_Print(b.root);
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f || fputs(text, f) < 0 || fclose(f))
			die("cannot write %s", out);
	}
	free(text);
	cJSON_Delete(b.root);
	empty_bpf__destroy(b.empty);
	empty_tc_bpf__destroy(b.empty_tc);
	egress_dp_close(b.dp);
	return 0;
}
