// SPDX-License-Identifier: GPL-2.0-only
/* The tc baseline of the through-the-kernel benchmarks: a classifier that does nothing. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int tc_empty(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}
