// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "bytes.h"
#include "checksum.h"
#include "segment.h"

#define IPPROTO_TCP_	6
#define USEC_PER_SEC	1000000L
#define NSEC_PER_SEC	1000000000L
#define NSEC_PER_USEC	1000L

unsigned int resegment_count(const struct tcp_seg *s, unsigned int mss)
{
	return (unsigned int)((s->payload_len + mss - 1) / mss);
}

static void piece_ipv4(uint8_t *ip, const struct tcp_seg *s, size_t n,
		       unsigned int idx)
{
	put_be16(ip + 2, (uint16_t)(s->ip_hlen + s->tcp_hlen + n));
	put_be16(ip + 4, (uint16_t)(get_be16(ip + 4) + idx));
	put_be16(ip + 10, 0);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, s->ip_hlen)));
}

static void piece_ipv6(uint8_t *ip, const struct tcp_seg *s, size_t n)
{
	put_be16(ip + 4, (uint16_t)(s->ip_hlen - IPV6_HLEN + s->tcp_hlen + n));
}

/*
 * The sequence number of the byte at payload offset off; a SYN takes the
 * number before the first payload byte.
 */
static uint32_t piece_seq(const struct tcp_seg *s, uint32_t seq, size_t off)
{
	if (off == 0)
		return seq;
	return seq + (s->flags & TCPH_SYN ? 1 : 0) + (uint32_t)off;
}

/*
 * SYN and CWR go with the first piece; FIN, RST and PSH with the last. The
 * urgent pointer keeps naming the same byte, on pieces that come before it.
 */
static void piece_flags(uint8_t *th, const struct tcp_seg *s, uint32_t seq0,
			uint32_t seq, bool first, bool last)
{
	uint8_t flags = s->flags;
	int32_t urg;

	if (!first)
		flags &= ~(TCPH_SYN | TCPH_CWR);
	if (!last)
		flags &= ~(TCPH_FIN | TCPH_RST | TCPH_PSH);
	if (flags & TCPH_URG) {
		urg = (int32_t)(seq0 + get_be16(th + 18) - seq);
		if (urg > 0 && urg <= 0xffff) {
			put_be16(th + 18, (uint16_t)urg);
		} else {
			flags &= ~TCPH_URG;
			put_be16(th + 18, 0);
		}
	}
	th[13] = flags;
}

static void piece_tcp_csum(uint8_t *th, const struct tcp_seg *s, size_t n)
{
	size_t len = s->tcp_hlen + n;
	uint64_t sum;

	put_be16(th + 16, 0);
	sum = csum_add(0, s->saddr, s->addr_len);
	sum = csum_add(sum, s->daddr, s->addr_len);
	sum += IPPROTO_TCP_;
	sum += len;
	sum = csum_add(sum, th, len);
	put_be16(th + 16, csum_fold(sum));
}

static size_t piece_build(uint8_t *buf, const uint8_t *pkt,
			  const struct tcp_seg *s, unsigned int mss,
			  unsigned int idx, unsigned int count)
{
	size_t hdrs = tcp_seg_payload_off(s);
	size_t off = (size_t)idx * mss;
	size_t n = s->payload_len - off;
	uint8_t *ip = buf + s->l3;
	uint8_t *th = buf + tcp_seg_tcp_off(s);
	uint32_t seq0, seq;

	if (n > mss)
		n = mss;
	memcpy(buf, pkt, hdrs);
	memcpy(buf + hdrs, pkt + hdrs + off, n);

	if (s->version == 4)
		piece_ipv4(ip, s, n, idx);
	else
		piece_ipv6(ip, s, n);

	seq0 = get_be32(th + 4);
	seq = piece_seq(s, seq0, off);
	put_be32(th + 4, seq);
	piece_flags(th, s, seq0, seq, idx == 0, idx + 1 == count);
	piece_tcp_csum(th, s, n);
	return hdrs + n;
}

/* tv_usec holds nanoseconds when the capture was opened that way. */
static void ts_add_usec(struct timeval *tv, unsigned int usec, bool nsec)
{
	long per_sec = nsec ? NSEC_PER_SEC : USEC_PER_SEC;
	long v = (long)tv->tv_usec + (nsec ? NSEC_PER_USEC : 1) * (long)usec;

	tv->tv_sec += v / per_sec;
	tv->tv_usec = v % per_sec;
}

int resegment(const struct pcap_pkthdr *h, const uint8_t *pkt,
	      const struct tcp_seg *s, const struct resegment_opts *o,
	      uint8_t *buf, piece_fn emit, void *ctx)
{
	unsigned int count = resegment_count(s, o->mss), k, idx;
	struct pcap_pkthdr ph;
	int err;

	for (k = 0; k < count; k++) {
		idx = o->reverse ? count - 1 - k : k;
		ph.ts = h->ts;
		ts_add_usec(&ph.ts, k, o->nsec);
		ph.caplen = (uint32_t)piece_build(buf, pkt, s, o->mss, idx,
						  count);
		ph.len = ph.caplen;
		err = emit(ctx, &ph, buf);
		if (err)
			return err;
	}
	return 0;
}
