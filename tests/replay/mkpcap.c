// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkpcap: writes the small captures the replay tests need and the corpus
 * does not have, with the same frames in any link type:
 *
 *   mkpcap SCENARIO LINKTYPE OUT
 *
 * SCENARIO: flows (TCP, UDP, ICMP over IPv4 and IPv6; one TCP flow sends
 * data, two close without any), arp (ARP around an ICMP echo; Ethernet
 * only), large (GSO super-frames, frames larger than a tc test run takes, a
 * frame cut by the snap length).
 * LINKTYPE: eth, raw, sll, sll2, null, loop, wifi (802.11: a link type
 * egress-replay refuses).
 *
 * The sandbox is 198.18.0.2 / fd00::2 with MAC 52:54:00:00:00:02, the other
 * side 198.18.0.1 / fd00::1 (MAC 52:54:00:00:00:01) and 198.18.0.9.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define BUF_SIZE	(70 * 1024)
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_IPV6	0x86dd
#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_ACK		0x10

static const uint8_t sandbox_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t other_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x07 };

struct writer {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	const char *linktype;
	uint32_t sec;
	uint8_t frame[BUF_SIZE + 64];
};

struct l3 {
	uint8_t data[BUF_SIZE];
	uint32_t len;
	uint16_t ethertype;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void addr(int family, const char *text, uint8_t *out)
{
	if (inet_pton(family, text, out) != 1) {
		fprintf(stderr, "mkpcap: bad address %s\n", text);
		exit(1);
	}
}

/* An IPv4 or IPv6 packet carrying l4 (header + payload) of proto. */
static void ip_packet(struct l3 *p, bool v6, const char *src, const char *dst,
		      uint8_t proto, uint8_t *l4, uint32_t l4_len, int csum_off)
{
	uint8_t *h = p->data;
	uint32_t sum;

	if (!v6) {
		memset(h, 0, 20);
		h[0] = 0x45;
		put16(h + 2, (uint16_t)(20 + l4_len));
		put16(h + 6, 0x4000);
		h[8] = 64;
		h[9] = proto;
		addr(AF_INET, src, h + 12);
		addr(AF_INET, dst, h + 16);
		put16(h + 10, fold(sum_bytes(0, h, 20)));
		sum = sum_bytes(0, h + 12, 8);
		p->ethertype = ETH_P_IP;
		p->len = 20;
	} else {
		memset(h, 0, 40);
		h[0] = 0x60;
		put16(h + 4, (uint16_t)l4_len);
		h[6] = proto;
		h[7] = 64;
		addr(AF_INET6, src, h + 8);
		addr(AF_INET6, dst, h + 24);
		sum = sum_bytes(0, h + 8, 32);
		p->ethertype = ETH_P_IPV6;
		p->len = 40;
	}
	if (csum_off >= 0) {
		if (proto != IPPROTO_ICMP) {	/* pseudo-header */
			sum += proto;
			sum += l4_len;
		} else {
			sum = 0;
		}
		put16(l4 + csum_off, fold(sum_bytes(sum, l4, l4_len)));
	}
	memcpy(h + p->len, l4, l4_len);
	p->len += l4_len;
}

static void fill_payload(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)('a' + i % 26);
}

static void tcp(struct l3 *p, const char *src, const char *dst, uint16_t sport,
		uint16_t dport, uint8_t flags, uint32_t payload)
{
	static uint8_t l4[BUF_SIZE];
	bool client;

	memset(l4, 0, 20);
	put16(l4, sport);
	put16(l4 + 2, dport);
	/*
	 * The sequence numbers of a connection's first segments: the client
	 * (the higher port) starts at 0x10000000, the server at 0x20000000,
	 * and a segment without SYN is the first after the handshake.
	 */
	client = sport > dport;
	put32(l4 + 4, (client ? 0x10000000 : 0x20000000) + !(flags & TCP_SYN));
	if (flags & TCP_ACK)
		put32(l4 + 8, (client ? 0x20000000 : 0x10000000) + 1);
	l4[12] = 5 << 4;
	l4[13] = flags;
	put16(l4 + 14, 65535);
	fill_payload(l4 + 20, payload);
	ip_packet(p, strchr(src, ':'), src, dst, IPPROTO_TCP, l4, 20 + payload, 16);
}

static void udp(struct l3 *p, const char *src, const char *dst, uint16_t sport,
		uint16_t dport, uint32_t payload)
{
	static uint8_t l4[BUF_SIZE];

	memset(l4, 0, 8);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + payload));
	fill_payload(l4 + 8, payload);
	ip_packet(p, strchr(src, ':'), src, dst, IPPROTO_UDP, l4, 8 + payload, 6);
}

/* A UDP datagram carrying msg[0..len). */
static void udp_msg(struct l3 *p, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, const uint8_t *msg, uint32_t len)
{
	static uint8_t l4[BUF_SIZE];

	memset(l4, 0, 8);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + len));
	memcpy(l4 + 8, msg, len);
	ip_packet(p, strchr(src, ':'), src, dst, IPPROTO_UDP, l4, 8 + len, 6);
}

static void icmp_echo(struct l3 *p, const char *src, const char *dst, bool reply)
{
	uint8_t l4[8 + 32] = { reply ? 0 : 8, 0, 0, 0, 0x12, 0x34, 0, 1 };

	fill_payload(l4 + 8, 32);
	ip_packet(p, false, src, dst, IPPROTO_ICMP, l4, sizeof(l4), 2);
}

static void arp(struct l3 *p, uint16_t op, const uint8_t *sha, const char *spa,
		const char *tpa)
{
	uint8_t *a = p->data;

	memset(a, 0, 28);
	put16(a, 1);
	put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	addr(AF_INET, spa, a + 14);
	addr(AF_INET, tpa, a + 24);
	p->len = 28;
	p->ethertype = ETH_P_ARP;
}

static int linktype_dlt(const char *name)
{
	static const struct { const char *name; int dlt; } types[] = {
		{ "eth", DLT_EN10MB }, { "raw", DLT_RAW },
		{ "sll", DLT_LINUX_SLL }, { "sll2", DLT_LINUX_SLL2 },
		{ "null", DLT_NULL }, { "loop", DLT_LOOP },
		{ "wifi", DLT_IEEE802_11 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(name, types[i].name))
			return types[i].dlt;
	return -1;
}

/* Writes p as one frame; caplen 0: all of it. */
static void emit_cut(struct writer *w, bool egress, const uint8_t *smac,
		     const struct l3 *p, uint32_t caplen)
{
	const uint8_t *src = smac ? smac : egress ? sandbox_mac : peer_mac;
	const uint8_t *dst = egress ? peer_mac : sandbox_mac;
	struct pcap_pkthdr h = { .ts = { .tv_sec = w->sec++ } };
	uint8_t *f = w->frame;
	uint32_t hl = 0;

	if (!strcmp(w->linktype, "eth") || !strcmp(w->linktype, "wifi")) {
		memcpy(f, dst, 6);
		memcpy(f + 6, src, 6);
		put16(f + 12, p->ethertype);
		hl = 14;
	} else if (!strcmp(w->linktype, "sll")) {
		memset(f, 0, 16);
		put16(f, egress ? 0 : 4);	/* seen on the host: in, out */
		put16(f + 2, 1);		/* ARPHRD_ETHER */
		put16(f + 4, 6);
		memcpy(f + 6, src, 6);
		put16(f + 14, p->ethertype);
		hl = 16;
	} else if (!strcmp(w->linktype, "sll2")) {
		memset(f, 0, 20);
		put16(f, p->ethertype);
		f[7] = 1;			/* ifindex */
		put16(f + 8, 1);		/* ARPHRD_ETHER */
		f[10] = egress ? 0 : 4;
		f[11] = 6;
		memcpy(f + 12, src, 6);
		hl = 20;
	} else if (!strcmp(w->linktype, "null") || !strcmp(w->linktype, "loop")) {
		uint32_t family = p->ethertype == ETH_P_IPV6 ? 10 : 2;

		if (!strcmp(w->linktype, "loop"))
			family = htonl(family);
		memcpy(f, &family, 4);
		hl = 4;
	} else if (p->ethertype == ETH_P_ARP) {
		return;		/* raw IP has no ARP */
	}
	memcpy(f + hl, p->data, p->len);
	h.len = hl + p->len;
	h.caplen = caplen && caplen < h.len ? caplen : h.len;
	pcap_dump((u_char *)w->dumper, &h, f);
}

static void emit(struct writer *w, bool egress, const struct l3 *p)
{
	emit_cut(w, egress, NULL, p, 0);
}

static void scenario_flows(struct writer *w)
{
	static struct l3 p;

	tcp(&p, "198.18.0.2", "198.18.0.1", 40000, 443, TCP_SYN, 0);
	emit(w, true, &p);					/* 1 */
	tcp(&p, "198.18.0.1", "198.18.0.2", 443, 40000, TCP_SYN | TCP_ACK, 0);
	emit(w, false, &p);					/* 2 */
	tcp(&p, "198.18.0.2", "198.18.0.1", 40000, 443, TCP_ACK, 100);
	emit(w, true, &p);					/* 3 */
	udp(&p, "198.18.0.2", "198.18.0.9", 40001, 5300, 30);
	emit(w, true, &p);					/* 4 */
	tcp(&p, "198.18.0.2", "198.18.0.9", 40002, 80, TCP_SYN, 0);
	emit(w, true, &p);					/* 5 */
	tcp(&p, "fd00::2", "fd00::1", 40003, 443, TCP_SYN, 0);
	emit(w, true, &p);					/* 6 */
	tcp(&p, "fd00::1", "fd00::2", 443, 40003, TCP_SYN | TCP_ACK, 0);
	emit(w, false, &p);					/* 7 */
	icmp_echo(&p, "198.18.0.2", "198.18.0.9", false);
	emit(w, true, &p);					/* 8 */
	icmp_echo(&p, "198.18.0.9", "198.18.0.2", true);
	emit(w, false, &p);					/* 9 */
	udp(&p, "fd00::2", "fd00::9", 40004, 4789, 30);
	emit(w, true, &p);					/* 10 */
	tcp(&p, "198.18.0.2", "198.18.0.9", 40002, 80, TCP_FIN | TCP_ACK, 0);
	emit(w, true, &p);					/* 11 */
	tcp(&p, "fd00::2", "fd00::1", 40003, 443, TCP_FIN | TCP_ACK, 0);
	emit(w, true, &p);					/* 12 */
}

static void scenario_arp(struct writer *w)
{
	static struct l3 p;

	arp(&p, 1, sandbox_mac, "198.18.0.2", "198.18.0.1");
	emit(w, true, &p);					/* 1 */
	arp(&p, 2, peer_mac, "198.18.0.1", "198.18.0.2");
	emit(w, false, &p);					/* 2 */
	arp(&p, 1, sandbox_mac, "0.0.0.0", "198.18.0.2");	/* probe */
	emit(w, true, &p);					/* 3 */
	icmp_echo(&p, "198.18.0.2", "198.18.0.1", false);
	emit(w, true, &p);					/* 4 */
	icmp_echo(&p, "198.18.0.1", "198.18.0.2", true);
	emit(w, false, &p);					/* 5 */
	arp(&p, 1, other_mac, "198.18.0.7", "198.18.0.7");	/* someone else */
	emit_cut(w, false, other_mac, &p, 0);			/* 6 */
}

static void scenario_large(struct writer *w)
{
	static struct l3 p;

	tcp(&p, "198.18.0.2", "198.18.0.1", 41000, 443, TCP_SYN, 0);
	emit(w, true, &p);					/* 1 */
	tcp(&p, "198.18.0.1", "198.18.0.2", 443, 41000, TCP_SYN | TCP_ACK, 0);
	emit(w, false, &p);					/* 2 */
	tcp(&p, "198.18.0.2", "198.18.0.1", 41000, 443, TCP_ACK, 65535 - 40);
	emit(w, true, &p);					/* 3: 64 KiB */
	tcp(&p, "198.18.0.1", "198.18.0.2", 443, 41000, TCP_ACK, 9000);
	emit(w, false, &p);					/* 4 */
	udp(&p, "198.18.0.1", "198.18.0.2", 53, 41001, 20000);
	emit(w, false, &p);					/* 5 */
	tcp(&p, "198.18.0.2", "198.18.0.9", 41002, 443, TCP_ACK, 60000);
	emit(w, true, &p);					/* 6 */
	tcp(&p, "198.18.0.2", "198.18.0.1", 41003, 443, TCP_SYN, 1460);
	emit_cut(w, true, NULL, &p, 100);			/* 7 */
	tcp(&p, "fd00::2", "fd00::1", 41004, 443, TCP_ACK, 65535 - 20);
	emit(w, true, &p);					/* 8 */
}

/* A DNS message for name: a query, or its answer giving addr (TTL 3600). */
static uint32_t dns_msg(uint8_t *m, uint16_t id, const char *name, const char *to,
			bool answer)
{
	bool v6 = strchr(to, ':') != NULL;
	uint32_t n = 12;
	const char *l = name;

	memset(m, 0, 12);
	put16(m, id);
	put16(m + 2, answer ? 0x8180 : 0x0100);
	put16(m + 4, 1);
	put16(m + 6, answer);
	while (*l) {
		const char *dot = strchr(l, '.');
		size_t len = dot ? (size_t)(dot - l) : strlen(l);

		m[n++] = (uint8_t)len;
		memcpy(m + n, l, len);
		n += (uint32_t)len;
		l += len + (dot ? 1 : 0);
	}
	m[n++] = 0;
	put16(m + n, v6 ? 28 : 1);
	put16(m + n + 2, 1);
	n += 4;
	if (!answer)
		return n;
	put16(m + n, 0xc00c);
	put16(m + n + 2, v6 ? 28 : 1);
	put16(m + n + 4, 1);
	put32(m + n + 6, 3600);
	put16(m + n + 10, v6 ? 16 : 4);
	addr(v6 ? AF_INET6 : AF_INET, to, m + n + 12);
	return n + 12 + (v6 ? 16 : 4);
}

/*
 * For each CLIENT,NAME,ADDR: the client's query for NAME to a resolver and
 * the answer giving ADDR, which bind ADDR to NAME for that client's
 * sandbox when replayed before a capture that lacks its DNS.
 */
static int scenario_dns(struct writer *w, char **specs, int n)
{
	static struct l3 p;
	uint8_t m[600];

	for (int i = 0; i < n; i++) {
		char spec[512], *client, *name, *a;
		uint16_t port = (uint16_t)(30000 + i), id = (uint16_t)(0x5000 + i);
		const char *res;
		uint32_t len;

		snprintf(spec, sizeof(spec), "%s", specs[i]);
		client = strtok(spec, ",");
		name = strtok(NULL, ",");
		a = strtok(NULL, ",");
		if (!client || !name || !a || strlen(name) > 253) {
			fprintf(stderr, "mkpcap: bad binding %s (CLIENT,NAME,ADDR)\n", specs[i]);
			return 2;
		}
		res = strchr(client, ':') ? "fd00::53" : "198.18.255.53";
		len = dns_msg(m, id, name, a, false);
		udp_msg(&p, client, res, port, 53, m, len);
		emit(w, true, &p);
		len = dns_msg(m, id, name, a, true);
		udp_msg(&p, res, client, 53, port, m, len);
		emit(w, false, &p);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct writer w;
	int dlt, ret = 0;

	if (argc < 4 || (argc != 4 && strcmp(argv[1], "dns"))) {
		fprintf(stderr, "usage: mkpcap flows|arp|large eth|raw|sll|sll2|null|loop|wifi OUT\n"
				"       mkpcap dns LINKTYPE OUT CLIENT,NAME,ADDR...\n");
		return 2;
	}
	dlt = linktype_dlt(argv[2]);
	if (dlt < 0) {
		fprintf(stderr, "mkpcap: unknown link type %s\n", argv[2]);
		return 2;
	}
	w.linktype = argv[2];
	w.sec = 1700000000;
	w.pcap = pcap_open_dead(dlt, 262144);
	w.dumper = w.pcap ? pcap_dump_open(w.pcap, argv[3]) : NULL;
	if (!w.dumper) {
		fprintf(stderr, "mkpcap: %s: %s\n", argv[3],
			w.pcap ? pcap_geterr(w.pcap) : "pcap_open_dead failed");
		return 1;
	}
	if (!strcmp(argv[1], "flows")) {
		scenario_flows(&w);
	} else if (!strcmp(argv[1], "arp")) {
		scenario_arp(&w);
	} else if (!strcmp(argv[1], "large")) {
		scenario_large(&w);
	} else if (!strcmp(argv[1], "dns")) {
		ret = scenario_dns(&w, argv + 4, argc - 4);
	} else {
		fprintf(stderr, "mkpcap: unknown scenario %s\n", argv[1]);
		return 2;
	}
	pcap_dump_close(w.dumper);
	pcap_close(w.pcap);
	return ret;
}
