// SPDX-License-Identifier: GPL-2.0-only
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linktype.h"
#include "lib/dns.h"
#include "dns_pcap.h"

#define TCP_STREAMS	64
#define TCP_BUF		(65536 + 2)

struct l4 {
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	const uint8_t *payload;
	size_t len;
};

struct tcp_stream {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	bool have_seq, dead;
	uint32_t next;
	size_t len;		/* bytes in buf */
	size_t consumed;	/* stream bytes before buf[0] */
	uint8_t *buf;
};

struct dns_capture {
	struct tcp_stream s[TCP_STREAMS];
	int n;
	unsigned int port;
	dns_cap_fn fn;
	void (*bad_stream)(void *ctx, unsigned int frame, size_t off);
	void *ctx;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int parse_v4(const uint8_t *p, size_t len, struct l4 *t, size_t *hl, size_t *end)
{
	size_t tot;

	if (len < 20)
		return -1;
	*hl = (size_t)(p[0] & 15) * 4;
	tot = be16(p + 2);
	if (*hl < 20 || tot < *hl || tot > len)
		return -1;
	if (be16(p + 6) & 0x3fff)		/* MF or an offset: a fragment */
		return -1;
	t->proto = p[9];
	memset(t->src, 0, 16);
	memset(t->dst, 0, 16);
	t->src[10] = t->src[11] = t->dst[10] = t->dst[11] = 0xff;
	memcpy(t->src + 12, p + 12, 4);
	memcpy(t->dst + 12, p + 16, 4);
	*end = tot;
	return 0;
}

static int parse_v6(const uint8_t *p, size_t len, struct l4 *t, size_t *hl, size_t *end)
{
	uint8_t next;

	if (len < 40 || 40 + (size_t)be16(p + 4) > len)
		return -1;
	*end = 40 + (size_t)be16(p + 4);
	memcpy(t->src, p + 8, 16);
	memcpy(t->dst, p + 24, 16);
	next = p[6];
	*hl = 40;
	while (next == 0 || next == 43 || next == 60) {	/* hop-by-hop, routing, destination */
		if (*hl + 8 > *end)
			return -1;
		next = p[*hl];
		*hl += ((size_t)p[*hl + 1] + 1) * 8;
	}
	if (next == 44)					/* a fragment */
		return -1;
	t->proto = next;
	return 0;
}

static int parse_ip(const uint8_t *p, size_t len, struct l4 *t)
{
	size_t hl, end, th;

	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		if (parse_v4(p, len, t, &hl, &end))
			return -1;
	} else if ((p[0] >> 4) == 6) {
		if (parse_v6(p, len, t, &hl, &end))
			return -1;
	} else {
		return -1;
	}
	if (t->proto == 17) {
		if (hl + 8 > end || be16(p + hl + 4) < 8 || hl + be16(p + hl + 4) > end)
			return -1;
		t->payload = p + hl + 8;
		t->len = be16(p + hl + 4) - 8u;
	} else if (t->proto == 6) {
		if (hl + 20 > end)
			return -1;
		th = (size_t)(p[hl + 12] >> 4) * 4;
		if (th < 20 || hl + th > end)
			return -1;
		t->seq = be32(p + hl + 4);
		t->flags = p[hl + 13];
		t->payload = p + hl + th;
		t->len = end - hl - th;
	} else {
		return -1;
	}
	t->sport = be16(p + hl);
	t->dport = be16(p + hl + 2);
	return 0;
}

static int parse_link(int dlt, const uint8_t *p, size_t len, struct l4 *t)
{
	size_t off;

	if (linktype_l3_offset(dlt, p, len, &off))
		return -1;
	return parse_ip(p + off, len - off, t);
}

static struct tcp_stream *stream_of(struct dns_capture *c, const struct l4 *t)
{
	struct tcp_stream *s;

	for (int i = 0; i < c->n; i++) {
		s = &c->s[i];
		if (!memcmp(s->src, t->src, 16) && !memcmp(s->dst, t->dst, 16) &&
		    s->sport == t->sport && s->dport == t->dport)
			return s;
	}
	if (c->n == TCP_STREAMS)
		return NULL;
	s = &c->s[c->n];
	memset(s, 0, sizeof(*s));
	s->buf = malloc(TCP_BUF);
	if (!s->buf)
		return NULL;
	c->n++;
	memcpy(s->src, t->src, 16);
	memcpy(s->dst, t->dst, 16);
	s->sport = t->sport;
	s->dport = t->dport;
	return s;
}

static void stream_messages(struct dns_capture *c, struct tcp_stream *s, unsigned int frame)
{
	__u32 off, len;
	int ret;

	while (!s->dead) {
		if (s->dport == c->port)
			ret = eg_dns_tcp_next(s->buf, (__u32)s->len, 0, &off, &len);
		else
			ret = eg_dns_tcp_next_max(s->buf, (__u32)s->len, 0, EG_DNS_ANSWER_CAP,
						  &off, &len);
		if (ret == 0)
			return;
		if (ret < 0) {
			s->dead = true;
			if (c->bad_stream)
				c->bad_stream(c->ctx, frame, s->consumed);
			return;
		}
		{
			struct dns_cap_msg m = {
				.frame = frame, .tcp = true, .to_server = s->dport == c->port,
				.msg = s->buf + off, .len = len,
			};

			c->fn(c->ctx, &m);
		}
		memmove(s->buf, s->buf + off + len, s->len - off - len);
		s->len -= off + len;
		s->consumed += off + len;
	}
}

static void tcp_segment(struct dns_capture *c, const struct l4 *t, unsigned int frame)
{
	struct tcp_stream *s = stream_of(c, t);
	uint32_t seq = t->seq, skip;

	if (!s)
		return;
	if (t->flags & 0x02) {			/* SYN */
		s->next = seq + 1;
		s->have_seq = true;
		return;
	}
	if (!t->len || s->dead)
		return;
	if (!s->have_seq) {
		s->next = seq;
		s->have_seq = true;
	}
	if ((int32_t)(seq - s->next) > 0)
		return;				/* after a gap: wait for the retransmission */
	skip = s->next - seq;
	if (skip >= t->len)
		return;				/* a retransmission */
	if (s->len + t->len - skip > TCP_BUF) {
		s->dead = true;
		return;
	}
	memcpy(s->buf + s->len, t->payload + skip, t->len - skip);
	s->len += t->len - skip;
	s->next += (uint32_t)(t->len - skip);
	stream_messages(c, s, frame);
}

long dns_capture_read(const char *path, unsigned int port, dns_cap_fn fn, void *ctx,
		      void (*bad_stream)(void *ctx, unsigned int frame, size_t off),
		      char *err, size_t errlen)
{
	static struct dns_capture c;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *pkt;
	unsigned int frame = 0;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int dlt;

	if (!pc) {
		snprintf(err, errlen, "%s: %s", path, errbuf);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.port = port;
	c.fn = fn;
	c.bad_stream = bad_stream;
	c.ctx = ctx;
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &hdr, &pkt) == 1) {
		struct l4 t;

		frame++;
		if (parse_link(dlt, pkt, hdr->caplen, &t))
			continue;
		if (t.sport != port && t.dport != port)
			continue;
		if (t.proto == 17) {
			struct dns_cap_msg m = {
				.frame = frame, .to_server = t.dport == port,
				.msg = t.payload, .len = t.len,
			};

			fn(ctx, &m);
		} else {
			tcp_segment(&c, &t, frame);
		}
	}
	pcap_close(pc);
	for (int i = 0; i < c.n; i++)
		free(c.s[i].buf);
	return (long)frame;
}
