// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress-taprelay: the virtio-net backend of a VMM, without the VM. It owns
 * a guest-side tap (in the sandbox's network namespace, where it stands in
 * for the guest's NIC) and a host-side tap, both with IFF_VNET_HDR and TSO,
 * and copies frames between them with their virtio-net headers, so the
 * host-side tap receives the GSO super-frames a guest would send.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "tap.h"

#define PROG	"egress-taprelay"
#define USAGE	"usage: " PROG " --guest-tap IF [--guest-ns NS] --host-tap IF [--host-ns NS]\n" \
		"       [--daemon] [--pidfile FILE] [--stats FILE]"

struct config {
	const char *guest_ns;
	const char *guest_tap;
	const char *host_ns;
	const char *host_tap;
	const char *pidfile;
	const char *stats;
	int daemon;
};

static struct relay_ctl ctl;
static const char *stats_path;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		ctl.dump = 1;
	else
		ctl.stop = 1;
}

/* Writes the counters to the --stats file, replacing it whole. */
static void stats_write(const struct relay_stats *st)
{
	static const char *const dir[2] = { "guest_to_host", "host_to_guest" };
	char tmp[4096];
	FILE *f;
	int i;

	if (!stats_path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", stats_path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
		return;
	}
	for (i = 0; i < 2; i++)
		fprintf(f, "%s_frames %llu\n%s_bytes %llu\n%s_gso %llu\n"
			"%s_dropped %llu\n%s_max_len %u\n",
			dir[i], (unsigned long long)st->frames[i],
			dir[i], (unsigned long long)st->bytes[i],
			dir[i], (unsigned long long)st->gso[i],
			dir[i], (unsigned long long)st->dropped[i],
			dir[i], st->max_len[i]);
	if (fclose(f) || rename(tmp, stats_path))
		fprintf(stderr, PROG ": %s: %s\n", stats_path, strerror(errno));
}

static int parse_args(int argc, char **argv, struct config *cfg)
{
	enum { O_GNS = 256, O_GTAP, O_HNS, O_HTAP, O_PID, O_STATS, O_DAEMON };
	static const struct option opts[] = {
		{ "guest-ns", required_argument, NULL, O_GNS },
		{ "guest-tap", required_argument, NULL, O_GTAP },
		{ "host-ns", required_argument, NULL, O_HNS },
		{ "host-tap", required_argument, NULL, O_HTAP },
		{ "pidfile", required_argument, NULL, O_PID },
		{ "stats", required_argument, NULL, O_STATS },
		{ "daemon", no_argument, NULL, O_DAEMON },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_GNS: cfg->guest_ns = optarg; break;
		case O_GTAP: cfg->guest_tap = optarg; break;
		case O_HNS: cfg->host_ns = optarg; break;
		case O_HTAP: cfg->host_tap = optarg; break;
		case O_PID: cfg->pidfile = optarg; break;
		case O_STATS: cfg->stats = optarg; break;
		case O_DAEMON: cfg->daemon = 1; break;
		case 'h':
			puts(USAGE);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || !cfg->guest_tap || !cfg->host_tap)
		return -EINVAL;
	return 0;
}

/* Forks; the parent writes the child's pid and exits once the taps exist. */
static int daemonize(const char *pidfile)
{
	FILE *f;
	pid_t pid;
	int null;

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		if (pidfile) {
			f = fopen(pidfile, "w");
			if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f)) {
				fprintf(stderr, PROG ": %s: %s\n", pidfile, strerror(errno));
				kill(pid, SIGTERM);
				_exit(1);
			}
		}
		_exit(0);
	}
	setsid();
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct relay_stats st = {};
	struct sigaction sa = { .sa_handler = on_signal };
	struct config cfg = {};
	int guest, host, err;

	if (parse_args(argc, argv, &cfg)) {
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	stats_path = cfg.stats;
	ctl.report = stats_write;

	guest = tap_open(cfg.guest_ns, cfg.guest_tap);
	if (guest < 0)
		return 1;
	host = tap_open(cfg.host_ns, cfg.host_tap);
	if (host < 0)
		return 1;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (cfg.daemon && daemonize(cfg.pidfile))
		return 1;

	err = relay_run(guest, host, &st, &ctl);
	stats_write(&st);
	close(guest);
	close(host);
	return err ? 1 : 0;
}
