// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress-replay: runs captured traffic through egressd's BPF programs to
 * see what a policy would do with it before it is enforced.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "names.h"
#include "policy.h"
#include "replay.h"
#include "rule.h"

#define EXIT_USAGE 2

static const char usage[] =
"Usage: egress-replay --policy FILE [--mode MODE] [--sandbox-addr ADDR]...\n"
"                     [--json] [--strip-vlan] [--tc-ingress] PCAP...\n"
"\n"
"Runs every frame of the captures (pcap or pcapng; Ethernet, Linux cooked\n"
"SLL/SLL2, raw IP or BSD loopback) through egressd's XDP and tc programs with\n"
"BPF_PROG_TEST_RUN, as one sandbox with the given policy, and prints what the\n"
"data path did with each frame and every audit event it emitted. Flow state\n"
"is kept from frame to frame and from one capture to the next.\n"
"\n"
"  -p, --policy FILE        the sandbox's policy, in the JSON that\n"
"                           'egressctl policy export' writes:\n"
"                           {\"mode\":\"deny\",\"allow\":[...],\"deny\":[...],...}\n"
"  -m, --mode MODE          allow-all, warn, deny (or enforce), deny-all;\n"
"                           overrides the policy's mode (default: deny)\n"
"  -s, --sandbox-addr ADDR  an address of the sandbox (repeatable); default:\n"
"                           the source of the first IP packet of the first\n"
"                           capture\n"
"  -j, --json               one JSON object per line\n"
"      --strip-vlan         remove 802.1Q/802.1ad tags before a frame is run\n"
"      --tc-ingress         frames from the sandbox through tc_from_sandbox (the\n"
"                           tc ingress attach mode) instead of xdp_egress\n"
"                           (tags added where the capture was taken; without\n"
"                           this a tagged frame from the sandbox is dropped,\n"
"                           as egressd drops it)\n"
"  -h, --help               this text\n"
"\n"
"Direction: a frame whose IP source (ARP: sender) is a sandbox address comes\n"
"from the sandbox and goes through the XDP program (\"egress\"); one whose IP\n"
"destination (ARP: target) is one goes through the tc program (\"ingress\");\n"
"any other frame is egress when its source MAC is one seen on the sandbox's\n"
"frames, else ingress. Frames captured without an Ethernet header get one\n"
"with fixed MACs: 02:00:00:00:00:02 for the sandbox, 02:00:00:00:00:01 for\n"
"the other side.\n"
"\n"
"Output: per frame, in capture order, 'frame N DIR ACTION' (ACTION: pass,\n"
"drop, tx, aborted, other), then one line per event that frame caused. With\n"
"--json: {\"type\":\"frame\",\"frame\":N,\"dir\":...,\"action\":...} and\n"
"{\"type\":\"event\",\"frame\":N,\"verdict\":...} with the keys of egressd's\n"
"audit events. Frames are numbered from 1 in each capture; with more than one\n"
"capture every line also names its \"file\". A frame the program saw only in\n"
"part carries \"truncated\" (\"capture\": cut by the capture's snap length;\n"
"\"test-run\": larger than the kernel's test run takes), \"len\" (bytes run)\n"
"and \"wire_len\".\n"
"\n"
"Needs root (CAP_BPF, CAP_NET_ADMIN). Exit status: 0 after a full replay,\n"
"1 when a policy or capture cannot be used or the replay fails, 2 for a bad\n"
"command line; every error is one line on stderr.\n";

static int die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("egress-replay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

struct cli {
	const char *policy_path;
	bool has_mode;
	__u8 mode;
	__u8 (*addrs)[16];
	size_t n_addrs;
	bool json;
	bool strip_vlan;
	bool tc_ingress;
	bool help;
};

enum { OPT_STRIP_VLAN = 256, OPT_TC_INGRESS };

static const struct option options[] = {
	{ "policy", required_argument, NULL, 'p' },
	{ "mode", required_argument, NULL, 'm' },
	{ "sandbox-addr", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "strip-vlan", no_argument, NULL, OPT_STRIP_VLAN },
	{ "tc-ingress", no_argument, NULL, OPT_TC_INGRESS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0, or an exit status after reporting the problem. */
static int parse_cli(int argc, char **argv, struct cli *cli)
{
	char why[256];
	int c;

	cli->addrs = calloc(argc, sizeof(*cli->addrs));
	if (!cli->addrs)
		return die(EXIT_FAILURE, "out of memory");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:m:s:jh", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			cli->policy_path = optarg;
			break;
		case 'm':
			if (egress_mode_parse(optarg, &cli->mode))
				return die(EXIT_USAGE,
					   "--mode: '%s' is not a mode (allow-all, warn, deny, enforce, deny-all)",
					   optarg);
			cli->has_mode = true;
			break;
		case 's':
			if (egress_addr_parse(optarg, cli->addrs[cli->n_addrs], why,
					      sizeof(why)))
				return die(EXIT_USAGE, "--sandbox-addr: %s", why);
			cli->n_addrs++;
			break;
		case 'j':
			cli->json = true;
			break;
		case OPT_TC_INGRESS:
			cli->tc_ingress = true;
			break;
		case OPT_STRIP_VLAN:
			cli->strip_vlan = true;
			break;
		case 'h':
			cli->help = true;
			return 0;
		case ':':
			return die(EXIT_USAGE, "option '%s' needs an argument",
				   argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				return die(EXIT_USAGE, "unknown option '-%c' (see --help)",
					   optopt);
			return die(EXIT_USAGE, "unknown option '%s' (see --help)",
				   argv[optind - 1]);
		}
	}
	if (!cli->policy_path)
		return die(EXIT_USAGE, "--policy FILE is required (see --help)");
	if (optind >= argc)
		return die(EXIT_USAGE, "no capture to replay (see --help)");
	return 0;
}

/* Opens every capture once, so that a bad one is refused before any output. */
static int check_captures(char *const *paths, int n)
{
	char err[1024];
	struct capture c;

	for (int i = 0; i < n; i++) {
		if (capture_open(&c, paths[i], false, err, sizeof(err)))
			return die(EXIT_FAILURE, "%s", err);
		capture_close(&c);
	}
	return 0;
}

static void warn_profiles(const struct egress_policy *p)
{
	if (!p->n_profiles)
		return;
	fprintf(stderr, "egress-replay: warning: profiles are not expanded in replay (");
	for (size_t i = 0; i < p->n_profiles; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", p->profiles[i]);
	fprintf(stderr, "); their rules are not applied\n");
}

int main(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	struct egress_policy policy;
	struct cli cli = { 0 };
	char err[1024];
	int ret;

	ret = parse_cli(argc, argv, &cli);
	if (ret || cli.help) {
		if (cli.help)
			fputs(usage, stdout);
		free(cli.addrs);
		return ret;
	}
	if (egress_policy_load(cli.policy_path, 1, &policy, err, sizeof(err))) {
		free(cli.addrs);
		return die(EXIT_FAILURE, "%s", err);
	}
	ret = check_captures(argv + optind, argc - optind);
	if (!ret && !cli.n_addrs) {
		int found = replay_first_source(argv[optind], cli.addrs[0], err,
						sizeof(err));

		if (found < 0)
			ret = die(EXIT_FAILURE, "%s", err);
		else if (!found)
			fprintf(stderr, "egress-replay: warning: %s has no IP packet to take the sandbox's address from; every frame counts as ingress (see --sandbox-addr)\n",
				argv[optind]);
		cli.n_addrs = found > 0;
	}
	if (!ret) {
		warn_profiles(&policy);
		o.policy = &policy;
		o.mode = cli.has_mode ? cli.mode :
			 policy.has_mode ? policy.mode : EGRESS_MODE_DENY;
		o.sandbox_addrs = (const __u8 (*)[16])cli.addrs;
		o.n_sandbox_addrs = cli.n_addrs;
		o.captures = argv + optind;
		o.n_captures = argc - optind;
		o.json = cli.json;
		o.strip_vlan = cli.strip_vlan;
		o.tc_ingress = cli.tc_ingress;
		libbpf_set_print(quiet_libbpf);
		if (replay_run(&o, err, sizeof(err)))
			ret = die(EXIT_FAILURE, "%s", err);
	}
	egress_policy_free(&policy);
	free(cli.addrs);
	return ret;
}
