// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress-resegment: rewrite a capture so that TCP payloads travel in
 * segments of at most N bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "flow.h"
#include "linktype.h"
#include "packet.h"
#include "segment.h"

#define PROG		"egress-resegment"
#define USAGE		"usage: " PROG " --mss N [--from ADDR | --all] [--reverse] IN OUT"
#define MSS_MAX		65535

#define PCAP_MAGIC_USEC		0xa1b2c3d4
#define PCAP_MAGIC_USEC_SWAP	0xd4c3b2a1
#define PCAP_MAGIC_KUZNETZOV	0xa1b2cd34
#define PCAP_MAGIC_KUZNETZOV_SWAP 0x34cdb2a1

enum select_mode {
	SELECT_CLIENT,		/* the side that opened each connection */
	SELECT_FROM,		/* segments whose IP source is --from */
	SELECT_ALL,
};

struct config {
	struct resegment_opts seg;
	enum select_mode mode;
	int from_version;
	uint8_t from_addr[16];
	const char *in;
	const char *out;
};

struct run_state {
	const struct config *cfg;
	struct resegment_opts seg;
	int dlt;
	pcap_dumper_t *dumper;
	struct flow_table flows;
	uint8_t *buf;
	size_t buf_len;
};

enum {
	OPT_MSS = 256,
	OPT_FROM,
	OPT_ALL,
	OPT_REVERSE,
};

static const struct option long_opts[] = {
	{ "mss",	required_argument, NULL, OPT_MSS },
	{ "from",	required_argument, NULL, OPT_FROM },
	{ "all",	no_argument,	   NULL, OPT_ALL },
	{ "reverse",	no_argument,	   NULL, OPT_REVERSE },
	{ "help",	no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf(USAGE "\n\n"
	       "Copy capture IN (pcap or pcapng) to OUT (pcap, same link type),\n"
	       "cutting each TCP payload into pieces of at most N bytes.\n\n"
	       "  --mss N      payload bytes per piece, 1..65535\n"
	       "  --from ADDR  cut only segments whose IP source is ADDR\n"
	       "  --all        cut segments of both sides\n"
	       "               (default: only the side that opened the connection)\n"
	       "  --reverse    write the pieces of each segment last first\n");
}

static int parse_mss(const char *arg, unsigned int *mss)
{
	unsigned long v;
	char *end;

	if (*arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < 1 || v > MSS_MAX)
		return -EINVAL;
	*mss = (unsigned int)v;
	return 0;
}

static int parse_from(const char *arg, struct config *cfg)
{
	if (inet_pton(AF_INET, arg, cfg->from_addr) == 1) {
		cfg->from_version = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, arg, cfg->from_addr) == 1) {
		cfg->from_version = 6;
		return 0;
	}
	return -EINVAL;
}

static __attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (" PROG " --help)\n");
	return -EINVAL;
}

/* Returns 0, 1 when help was printed, or -EINVAL after one line on stderr. */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	bool have_mss = false, have_from = false, all = false;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MSS:
			if (parse_mss(optarg, &cfg->seg.mss))
				return usage_error("--mss must be 1..65535, not '%s'",
						   optarg);
			have_mss = true;
			break;
		case OPT_FROM:
			if (parse_from(optarg, cfg))
				return usage_error("--from needs an IPv4 or IPv6 address, not '%s'",
						   optarg);
			have_from = true;
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_REVERSE:
			cfg->seg.reverse = true;
			break;
		case 'h':
			help();
			return 1;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, 0 };

				return usage_error("unknown option '%s'", opt);
			}
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (!have_mss)
		return usage_error("--mss N is required");
	if (have_from && all)
		return usage_error("--from and --all exclude each other");
	if (argc - optind != 2)
		return usage_error("expected two files, IN and OUT");
	cfg->mode = all ? SELECT_ALL : have_from ? SELECT_FROM : SELECT_CLIENT;
	cfg->in = argv[optind];
	cfg->out = argv[optind + 1];
	return 0;
}

static int dump_piece(void *ctx, const struct pcap_pkthdr *h,
		      const uint8_t *data)
{
	pcap_dump(ctx, h, data);
	return 0;
}

static int buf_reserve(struct run_state *st, size_t len)
{
	uint8_t *p;

	if (len <= st->buf_len)
		return 0;
	p = realloc(st->buf, len);
	if (!p)
		return -ENOMEM;
	st->buf = p;
	st->buf_len = len;
	return 0;
}

static int selected(struct run_state *st, const struct tcp_seg *s,
		    bool *sel)
{
	const struct config *cfg = st->cfg;
	bool from_client;
	int err;

	/* Every segment teaches the flow table, cut or not. */
	err = flow_from_client(&st->flows, s, &from_client);
	if (err)
		return err;
	switch (cfg->mode) {
	case SELECT_ALL:
		*sel = true;
		break;
	case SELECT_FROM:
		*sel = s->version == cfg->from_version &&
		       !memcmp(s->saddr, cfg->from_addr, s->addr_len);
		break;
	default:
		*sel = from_client;
	}
	*sel = *sel && s->payload_len > 0;
	return 0;
}

static int process(struct run_state *st, const struct pcap_pkthdr *h,
		   const uint8_t *pkt)
{
	struct tcp_seg s;
	size_t l3;
	bool sel;
	int err;

	if (h->caplen < h->len)
		goto copy;
	if (linktype_l3_offset(st->dlt, pkt, h->caplen, &l3))
		goto copy;
	if (tcp_seg_parse(&s, pkt, h->caplen, l3))
		goto copy;
	err = selected(st, &s, &sel);
	if (err)
		return err;
	if (!sel)
		goto copy;
	err = buf_reserve(st, h->caplen);
	if (err)
		return err;
	return resegment(h, pkt, &s, &st->seg, st->buf, dump_piece,
			 st->dumper);
copy:
	pcap_dump((u_char *)st->dumper, h, pkt);
	return 0;
}

static int copy_all(struct run_state *st, pcap_t *in)
{
	struct pcap_pkthdr *h;
	const u_char *pkt;
	int ret, err;

	while ((ret = pcap_next_ex(in, &h, &pkt)) == 1) {
		err = process(st, h, pkt);
		if (err) {
			fprintf(stderr, PROG ": %s: %s\n", st->cfg->in,
				strerror(-err));
			return err;
		}
	}
	if (ret != PCAP_ERROR_BREAK) {
		fprintf(stderr, PROG ": %s: %s\n", st->cfg->in,
			pcap_geterr(in));
		return -EIO;
	}
	return 0;
}

/*
 * A pcap file with microsecond stamps is read and written as one; anything
 * else (nanosecond pcap, pcapng, a pipe) keeps nanoseconds.
 */
static int input_precision(const char *path)
{
	uint8_t magic[4];
	uint32_t m;
	size_t n;
	FILE *f;

	if (!strcmp(path, "-"))
		return PCAP_TSTAMP_PRECISION_NANO;
	f = fopen(path, "rb");
	if (!f)
		return PCAP_TSTAMP_PRECISION_NANO;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n != sizeof(magic))
		return PCAP_TSTAMP_PRECISION_NANO;
	m = get_be32(magic);
	if (m == PCAP_MAGIC_USEC || m == PCAP_MAGIC_USEC_SWAP ||
	    m == PCAP_MAGIC_KUZNETZOV || m == PCAP_MAGIC_KUZNETZOV_SWAP)
		return PCAP_TSTAMP_PRECISION_MICRO;
	return PCAP_TSTAMP_PRECISION_NANO;
}

static int open_input(const struct config *cfg, int precision, pcap_t **in)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	size_t len = strlen(cfg->in);
	int dlt;

	*in = pcap_open_offline_with_tstamp_precision(cfg->in, precision,
						      errbuf);
	if (!*in) {
		/* libpcap names the file in some messages, not in others. */
		if (!strncmp(errbuf, cfg->in, len) && errbuf[len] == ':')
			fprintf(stderr, PROG ": %s\n", errbuf);
		else
			fprintf(stderr, PROG ": %s: %s\n", cfg->in, errbuf);
		return -EIO;
	}
	dlt = pcap_datalink(*in);
	if (linktype_check(dlt)) {
		fprintf(stderr, PROG ": %s: link type %d (%s) is not supported\n",
			cfg->in, dlt, pcap_datalink_val_to_name(dlt) ?: "unknown");
		pcap_close(*in);
		*in = NULL;
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static int open_output(const struct config *cfg, pcap_t *in, pcap_t **dead,
		       pcap_dumper_t **dumper)
{
	*dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(in),
						     pcap_snapshot(in),
						     pcap_get_tstamp_precision(in));
	if (!*dead) {
		fprintf(stderr, PROG ": %s: %s\n", cfg->out, strerror(ENOMEM));
		return -ENOMEM;
	}
	*dumper = pcap_dump_open(*dead, cfg->out);
	if (!*dumper) {
		fprintf(stderr, PROG ": %s\n", pcap_geterr(*dead));
		pcap_close(*dead);
		*dead = NULL;
		return -EIO;
	}
	return 0;
}

static int close_output(const struct config *cfg, pcap_dumper_t *dumper)
{
	int err = 0;

	if (pcap_dump_flush(dumper)) {
		fprintf(stderr, PROG ": %s: %s\n", cfg->out, strerror(errno));
		err = -EIO;
	}
	pcap_dump_close(dumper);
	return err;
}

static int run(const struct config *cfg)
{
	int precision = input_precision(cfg->in);
	struct run_state st = { .cfg = cfg, .seg = cfg->seg };
	pcap_t *in, *dead;
	int err;

	err = open_input(cfg, precision, &in);
	if (err)
		return err;
	st.dlt = pcap_datalink(in);
	st.seg.nsec = precision == PCAP_TSTAMP_PRECISION_NANO;
	err = flow_table_init(&st.flows);
	if (err) {
		fprintf(stderr, PROG ": %s\n", strerror(-err));
		goto out_in;
	}
	err = open_output(cfg, in, &dead, &st.dumper);
	if (err)
		goto out_flows;
	err = copy_all(&st, in);
	if (close_output(cfg, st.dumper) && !err)
		err = -EIO;
	if (err && strcmp(cfg->out, "-"))
		unlink(cfg->out);
	pcap_close(dead);
out_flows:
	flow_table_free(&st.flows);
	free(st.buf);
out_in:
	pcap_close(in);
	return err;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int err;

	err = parse_args(argc, argv, &cfg);
	if (err)
		return err > 0 ? 0 : 2;
	return run(&cfg) ? 1 : 0;
}
