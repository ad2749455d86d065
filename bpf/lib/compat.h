/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What lets the header-only parsers in bpf/lib compile both as BPF (clang
 * -target bpf) and as ordinary userspace C (unit tests, fuzzers, tools).
 */
#ifndef EGRESS_BPF_COMPAT_H
#define EGRESS_BPF_COMPAT_H

#include <linux/types.h>

#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <stdbool.h>
#define EG_INLINE static __always_inline
#define eg_ntohs(x) bpf_ntohs(x)
#define eg_htons(x) bpf_htons(x)
#define eg_ntohl(x) bpf_ntohl(x)
#define eg_htonl(x) bpf_htonl(x)
#define eg_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define eg_memset(d, c, n) __builtin_memset((d), (c), (n))
#else
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#define EG_INLINE static inline
#define eg_ntohs(x) ntohs(x)
#define eg_htons(x) htons(x)
#define eg_ntohl(x) ntohl(x)
#define eg_htonl(x) htonl(x)
#define eg_memcpy(d, s, n) memcpy((d), (s), (n))
#define eg_memset(d, c, n) memset((d), (c), (n))
#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#endif

/*
 * eg_opaque(v): from here on the compiler knows nothing of v's value, so a
 * mask that bounds it for the verifier is not dropped as redundant (the
 * verifier may have forgotten a bound the compiler still relies on, e.g.
 * across bpf_loop()).
 */
#ifdef __bpf__
#define eg_opaque(v) barrier_var(v)
#else
#define eg_opaque(v) ((void)0)
#endif

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/*
 * eg_loop(n, cb, ctx): calls cb(i, ctx) for i = 0..n-1, stopping after the
 * first call that returns 1; returns the number of calls made. In BPF this
 * is bpf_loop(): the verifier checks the callback for each different state
 * of ctx it can reach, not n times, which makes it the way to scan
 * kilobytes. So keep ctx free of values the verifier knows exactly (derive
 * positions from i, mask offsets, pack bytes into shared words), and keep
 * loops over bytes out of code whose exits would each leave it a different
 * exact length. Define callbacks with EG_LOOP_CB.
 */
#ifdef __bpf__
#define EG_LOOP_CB static __attribute__((noinline, unused)) long
#define eg_loop(n, cb, ctx) bpf_loop((n), (cb), (ctx), 0)
#else
#define EG_LOOP_CB static inline long
static inline long eg_loop(__u32 n, long (*cb)(__u32 i, void *ctx), void *ctx)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		if (cb(i, ctx))
			return (long)i + 1;
	}
	return (long)n;
}
#endif

#endif /* EGRESS_BPF_COMPAT_H */
