// SPDX-License-Identifier: GPL-2.0-only
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linktype.h"
#include "capture.h"


struct cap_flow {
	uint8_t caddr[16], saddr[16];	/* client and server */
	uint16_t cport, sport;
	bool have_isn, client_known;
	uint32_t isn;			/* the client's first stream byte */
	uint8_t *data;			/* the client's stream, from isn */
	uint8_t *have;			/* which bytes of it arrived */
};

struct capture {
	struct cap_flow flows[CAPTURE_MAX_FLOWS];
	int n;
};

struct tcp_seg {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	const uint8_t *payload;
	uint32_t len;
};

static int parse_ip(const uint8_t *p, size_t len, struct tcp_seg *t)
{
	const uint8_t *th;
	size_t hl, tl;
	uint8_t proto;

	if (len < 1)
		return -1;
	memset(t->src, 0, 16);
	memset(t->dst, 0, 16);
	if ((p[0] >> 4) == 4) {
		size_t tot;

		if (len < 20)
			return -1;
		hl = (p[0] & 15) * 4;
		tot = (size_t)p[2] << 8 | p[3];
		if (tot < hl || tot > len || (((size_t)p[6] << 8 | p[7]) & 0x3fff))
			return -1;
		proto = p[9];
		t->src[10] = t->src[11] = t->dst[10] = t->dst[11] = 0xff;
		memcpy(t->src + 12, p + 12, 4);
		memcpy(t->dst + 12, p + 16, 4);
		len = tot;
	} else if ((p[0] >> 4) == 6) {
		size_t pl;

		if (len < 40)
			return -1;
		pl = (size_t)p[4] << 8 | p[5];
		if (40 + pl > len)
			return -1;
		len = 40 + pl;
		proto = p[6];
		hl = 40;
		memcpy(t->src, p + 8, 16);
		memcpy(t->dst, p + 24, 16);
		while (proto == 0 || proto == 43 || proto == 60) {	/* hop-by-hop, routing, dest */
			if (hl + 8 > len)
				return -1;
			proto = p[hl];
			hl += ((size_t)p[hl + 1] + 1) * 8;
		}
	} else {
		return -1;
	}
	if (proto != 6 || hl + 20 > len)
		return -1;
	th = p + hl;
	tl = (th[12] >> 4) * 4;
	if (tl < 20 || hl + tl > len)
		return -1;
	t->sport = (uint16_t)(th[0] << 8 | th[1]);
	t->dport = (uint16_t)(th[2] << 8 | th[3]);
	t->seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	t->flags = th[13];
	t->payload = th + tl;
	t->len = (uint32_t)(len - hl - tl);
	return 0;
}

static int parse_link(int dlt, const uint8_t *p, size_t len, struct tcp_seg *t)
{
	size_t off;

	if (linktype_l3_offset(dlt, p, len, &off))
		return -1;
	return parse_ip(p + off, len - off, t);
}

static struct cap_flow *flow_of(struct capture *c, const struct tcp_seg *t)
{
	for (int i = 0; i < c->n; i++) {
		struct cap_flow *f = &c->flows[i];

		if ((!memcmp(f->caddr, t->src, 16) && !memcmp(f->saddr, t->dst, 16) &&
		     f->cport == t->sport && f->sport == t->dport) ||
		    (!memcmp(f->caddr, t->dst, 16) && !memcmp(f->saddr, t->src, 16) &&
		     f->cport == t->dport && f->sport == t->sport))
			return f;
	}
	if (c->n == CAPTURE_MAX_FLOWS)
		return NULL;
	{
		struct cap_flow *f = &c->flows[c->n++];
		/* until a SYN says otherwise: the lower port is the server's */
		bool src_client = t->sport > t->dport;

		memset(f, 0, sizeof(*f));
		memcpy(f->caddr, src_client ? t->src : t->dst, 16);
		memcpy(f->saddr, src_client ? t->dst : t->src, 16);
		f->cport = src_client ? t->sport : t->dport;
		f->sport = src_client ? t->dport : t->sport;
		f->data = calloc(1, CAPTURE_STREAM_MAX);
		f->have = calloc(1, CAPTURE_STREAM_MAX);
		if (!f->data || !f->have) {
			c->n--;
			free(f->data);
			free(f->have);
			return NULL;
		}
		return f;
	}
}

static void flow_swap(struct cap_flow *f)
{
	uint8_t a[16];
	uint16_t p = f->cport;

	memcpy(a, f->caddr, 16);
	memcpy(f->caddr, f->saddr, 16);
	memcpy(f->saddr, a, 16);
	f->cport = f->sport;
	f->sport = p;
	memset(f->have, 0, CAPTURE_STREAM_MAX);
}

static void capture_add(struct capture *c, const struct tcp_seg *t)
{
	struct cap_flow *f = flow_of(c, t);
	bool from_client;
	uint32_t rel;

	if (!f)
		return;
	from_client = !memcmp(f->caddr, t->src, 16) && f->cport == t->sport;
	if ((t->flags & 0x12) == 0x02 || (t->flags & 0x12) == 0x12) {
		bool syn_from_client = (t->flags & 0x12) == 0x02;

		if (!f->client_known && syn_from_client != from_client) {
			flow_swap(f);
			from_client = !from_client;
		}
		f->client_known = true;
		if (syn_from_client && !f->have_isn) {
			f->isn = t->seq + 1;
			f->have_isn = true;
		}
	}
	if (!from_client || !t->len)
		return;
	if (!f->have_isn) {
		/* met mid-stream: from the first segment seen */
		f->isn = t->seq;
		f->have_isn = true;
	}
	rel = t->seq + ((t->flags & 0x02) ? 1 : 0) - f->isn;
	for (uint32_t i = 0; i < t->len; i++) {
		uint32_t at = rel + i;

		if (at >= CAPTURE_STREAM_MAX || f->have[at])
			continue;
		f->data[at] = t->payload[i];
		f->have[at] = 1;
	}
}

static void capture_free(struct capture *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->flows[i].data);
		free(c->flows[i].have);
	}
	c->n = 0;
}

int capture_first_bytes(const char *path, capture_flow_fn fn, void *ctx,
			char *err, size_t errlen)
{
	static struct capture c;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *pkt;
	pcap_t *pc = pcap_open_offline(path, errbuf);
	int dlt;

	if (!pc) {
		snprintf(err, errlen, "%s: %s", path, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &hdr, &pkt) == 1) {
		struct tcp_seg t;

		if (!parse_link(dlt, pkt, hdr->caplen, &t))
			capture_add(&c, &t);
	}
	pcap_close(pc);
	for (int i = 0; i < c.n; i++) {
		struct cap_flow *f = &c.flows[i];
		size_t len = 0;

		while (len < CAPTURE_STREAM_MAX && f->have[len])
			len++;
		if (len)
			fn(ctx, i, f->sport, f->data, len);
	}
	capture_free(&c);
	return 0;
}
