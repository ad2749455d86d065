// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "linktype.h"
#include "pcap_stream.h"

#define MAX_DIRS	64
struct segment {
	uint32_t seq;
	uint32_t len;
	uint8_t *data;
};

/* One direction of one TCP connection. */
struct direction {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	bool syn;		/* its SYN was seen: isn is known */
	uint32_t isn;
	struct segment *segs;
	size_t n_segs, cap_segs;
};

struct capture {
	struct direction dirs[MAX_DIRS];
	size_t n_dirs;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct direction *find_dir(struct capture *c, const uint8_t *src, const uint8_t *dst,
				  uint16_t sport, uint16_t dport)
{
	struct direction *d;

	for (size_t i = 0; i < c->n_dirs; i++) {
		d = &c->dirs[i];
		if (d->sport == sport && d->dport == dport &&
		    !memcmp(d->src, src, 16) && !memcmp(d->dst, dst, 16))
			return d;
	}
	if (c->n_dirs == MAX_DIRS)
		return NULL;
	d = &c->dirs[c->n_dirs++];
	memcpy(d->src, src, 16);
	memcpy(d->dst, dst, 16);
	d->sport = sport;
	d->dport = dport;
	return d;
}

static void add_segment(struct direction *d, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct segment *s;

	if (d->n_segs == d->cap_segs) {
		d->cap_segs = d->cap_segs ? 2 * d->cap_segs : 16;
		d->segs = realloc(d->segs, d->cap_segs * sizeof(*d->segs));
		if (!d->segs)
			abort();
	}
	s = &d->segs[d->n_segs++];
	s->seq = seq;
	s->len = len;
	s->data = malloc(len);
	if (!s->data)
		abort();
	memcpy(s->data, data, len);
}

static void tcp_segment(struct capture *c, const uint8_t *src, const uint8_t *dst,
			const uint8_t *tcp, size_t len)
{
	struct direction *d;
	size_t hl;
	uint8_t flags;

	if (len < 20)
		return;
	hl = (size_t)(tcp[12] >> 4) * 4;
	if (hl < 20 || hl > len)
		return;
	flags = tcp[13];
	d = find_dir(c, src, dst, get16(tcp), get16(tcp + 2));
	if (!d)
		return;
	if ((flags & 0x02) && !(flags & 0x10)) {	/* SYN without ACK */
		d->syn = true;
		d->isn = get32(tcp + 4);
	}
	if (len > hl)
		add_segment(d, get32(tcp + 4) + !!(flags & 0x02), tcp + hl, (uint32_t)(len - hl));
}

static void ip_packet(struct capture *c, const uint8_t *p, size_t len)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	size_t hl, total;

	if (len < 1)
		return;
	if (p[0] >> 4 == 4) {
		if (len < 20)
			return;
		hl = (size_t)(p[0] & 15) * 4;
		total = get16(p + 2);
		if (hl < 20 || total < hl || p[9] != 6 || (get16(p + 6) & 0x3fff))
			return;
		if (total > len)
			total = len;
		src[10] = src[11] = dst[10] = dst[11] = 0xff;
		memcpy(src + 12, p + 12, 4);
		memcpy(dst + 12, p + 16, 4);
		tcp_segment(c, src, dst, p + hl, total - hl);
	} else if (p[0] >> 4 == 6) {
		if (len < 40 || p[6] != 6)
			return;
		total = 40 + (size_t)get16(p + 4);
		if (total > len)
			total = len;
		tcp_segment(c, p + 8, p + 24, p + 40, total - 40);
	}
}

static void frame(struct capture *c, int linktype, const uint8_t *p, size_t len)
{
	size_t off;

	if (!linktype_l3_offset(linktype, p, len, &off) && len > off)
		ip_packet(c, p + off, len - off);
}

/* Sequence numbers relative to base, modulo 2^32. */
static int64_t rel(uint32_t seq, uint32_t base)
{
	return (int32_t)(seq - base);
}

static void reassemble(const struct direction *d, struct tcp_stream *out)
{
	uint32_t base;
	size_t pos = 0, total = 0;
	bool progress = true;

	memset(out, 0, sizeof(*out));
	out->sport = d->sport;
	out->dport = d->dport;
	if (!d->n_segs)
		return;
	base = d->syn ? d->isn + 1 : d->segs[0].seq;
	if (!d->syn) {
		for (size_t i = 1; i < d->n_segs; i++)
			if (rel(d->segs[i].seq, base) < 0)
				base = d->segs[i].seq;
	}
	for (size_t i = 0; i < d->n_segs; i++)
		total += d->segs[i].len;
	out->data = malloc(total + 1);
	if (!out->data)
		abort();

	while (progress) {
		progress = false;
		for (size_t i = 0; i < d->n_segs; i++) {
			const struct segment *s = &d->segs[i];
			int64_t start = rel(s->seq, base), end = start + s->len;

			if (start <= (int64_t)pos && end > (int64_t)pos) {
				size_t n = (size_t)(end - (int64_t)pos);

				memcpy(out->data + pos, s->data + (pos - (size_t)start), n);
				pos += n;
				progress = true;
			}
		}
	}
	out->len = pos;
	for (size_t i = 0; i < d->n_segs; i++)
		if (rel(d->segs[i].seq, base) > (int64_t)pos)
			out->gap = true;
}

static void capture_free(struct capture *c)
{
	for (size_t i = 0; i < c->n_dirs; i++) {
		for (size_t j = 0; j < c->dirs[i].n_segs; j++)
			free(c->dirs[i].segs[j].data);
		free(c->dirs[i].segs);
	}
}

int pcap_tcp_stream(const char *path, stream_filter want, unsigned int index,
		    struct tcp_stream *out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct capture *c;
	pcap_t *pc;
	int linktype, ret = -1;

	memset(out, 0, sizeof(*out));
	pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		fprintf(stderr, "%s: %s\n", path, errbuf);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	linktype = pcap_datalink(pc);
	while (pcap_next_ex(pc, &hdr, &data) == 1)
		frame(c, linktype, data, hdr->caplen);
	pcap_close(pc);

	for (size_t i = 0; i < c->n_dirs; i++) {
		struct tcp_stream s;

		reassemble(&c->dirs[i], &s);
		if (!s.len || (want && !want(s.data, s.len))) {
			tcp_stream_free(&s);
			continue;
		}
		if (index--) {
			tcp_stream_free(&s);
			continue;
		}
		*out = s;
		ret = 0;
		break;
	}
	if (ret)
		fprintf(stderr, "%s: no such TCP stream\n", path);
	capture_free(c);
	free(c);
	return ret;
}

void tcp_stream_free(struct tcp_stream *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

bool stream_is_client_hello(const uint8_t *data, size_t len)
{
	return len >= 6 && data[0] == 22 && data[1] == 3 && data[5] == 1;
}

size_t tls_handshake_bytes(const uint8_t *stream, size_t len, uint8_t *out, size_t cap)
{
	size_t pos = 0, n = 0;

	while (pos + 5 <= len && stream[pos] == 22) {
		size_t rlen = get16(stream + pos + 3), body = len - pos - 5;

		if (body > rlen)
			body = rlen;
		if (body > cap - n)
			body = cap - n;
		memcpy(out + n, stream + pos + 5, body);
		n += body;
		if (body < rlen)
			break;
		pos += 5 + rlen;
	}
	return n;
}

const char *corpus_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("EGRESS_CORPUS");

	snprintf(path, sizeof(path), "%s/external/%s", dir ? dir : "../shared/corpus", name);
	return path;
}
