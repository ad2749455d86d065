// SPDX-License-Identifier: GPL-2.0-only
/*
 * audit-flood PIN_DIR IFACE N: runs N UDP frames from 198.18.0.2 through
 * the pinned XDP program as if they arrived on IFACE (BPF_PROG_TEST_RUN),
 * each to its own destination (198.18.<i / 50000 + 100>.x, port
 * 1024 + i % 50000), so no two collapse into one event: N decisions, each
 * one event or one lost. Run while egressd is down, it fills the pinned
 * ring buffer the way a burst of traffic would. Prints
 * "frames N emitted E lost L suppressed S": the data path's counters'
 * growth over the run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include "datapath.h"

static __u16 csum(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

static size_t udp_frame(__u8 *f, unsigned int i)
{
	struct ethhdr *eth = (struct ethhdr *)f;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u8 *payload = (__u8 *)(udp + 1);
	size_t plen = 16;

	memset(f, 0, sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + plen);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x02", 6);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + plen);
	ip->id = htons((__u16)i);
	ip->saddr = htonl(0xc6120002);		/* 198.18.0.2 */
	ip->daddr = htonl(0xc6120000 | (100 + i / 50000) << 8 | (i % 250 + 1));
	ip->check = csum(ip, sizeof(*ip));
	udp->source = htons(40000);
	udp->dest = htons(1024 + i % 50000);
	udp->len = htons(sizeof(*udp) + plen);
	memset(payload, 'x', plen);
	return sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + plen;
}

int main(int argc, char **argv)
{
	struct egress_dp_opts o = { .sz = sizeof(o) };
	__u64 before[EGRESS_STAT__MAX], after[EGRESS_STAT__MAX];
	struct egress_dp *dp;
	unsigned int n, ifindex;
	__u8 frame[256];
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: audit-flood PIN_DIR IFACE N\n");
		return 2;
	}
	o.pin_dir = argv[1];
	ifindex = if_nametoindex(argv[2]);
	n = (unsigned int)strtoul(argv[3], NULL, 10);
	if (!ifindex) {
		fprintf(stderr, "audit-flood: no interface %s\n", argv[2]);
		return 1;
	}
	ret = egress_dp_open(&dp, &o);
	if (ret) {
		fprintf(stderr, "audit-flood: cannot open %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	if (!egress_dp_adopted(dp)) {
		fprintf(stderr, "audit-flood: nothing pinned under %s\n", argv[1]);
		egress_dp_unpin(dp);
		egress_dp_close(dp);
		return 1;
	}
	ret = egress_dp_stats(dp, before);
	for (unsigned int i = 0; !ret && i < n; i++) {
		struct egress_run run = { .frame = frame, .ifindex = ifindex };

		run.len = (__u32)udp_frame(frame, i);
		ret = egress_dp_run_xdp(dp, &run);
	}
	if (!ret)
		ret = egress_dp_stats(dp, after);
	egress_dp_close(dp);
	if (ret) {
		fprintf(stderr, "audit-flood: %s\n", strerror(-ret));
		return 1;
	}
	printf("frames %u emitted %llu lost %llu suppressed %llu\n", n,
	       (unsigned long long)(after[EGRESS_STAT_EVENTS_EMITTED] -
				    before[EGRESS_STAT_EVENTS_EMITTED]),
	       (unsigned long long)(after[EGRESS_STAT_EVENTS_LOST] -
				    before[EGRESS_STAT_EVENTS_LOST]),
	       (unsigned long long)(after[EGRESS_STAT_EVENTS_SUPPRESSED] -
				    before[EGRESS_STAT_EVENTS_SUPPRESSED]));
	return 0;
}
