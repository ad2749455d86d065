// SPDX-License-Identifier: GPL-2.0-only
/*
 * egressd [--config FILE] [--state-dir DIR] [--socket PATH] [--metrics ADDR:PORT]
 *         [--bpffs DIR] [--profile-dir DIR] [--always FILE] [--foreground]
 *         [--cleanup]
 *
 * Stops (SIGTERM, or killed) leaving enforcement in place; --cleanup
 * detaches from every interface and removes the pins. --metrics off (or
 * "") serves no metrics.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <egress/ctl.h>

#include "agent_config.h"
#include "datapath.h"
#include "main.h"
#include "names.h"
#include "observe.h"
#include "policy.h"
#include "state.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: egressd [--config FILE] [--state-dir DIR] [--socket PATH]\n"
		"               [--metrics ADDR:PORT] [--bpffs DIR] [--profile-dir DIR]\n"
		"               [--always FILE] [--foreground] [--cleanup]\n");
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The platform's scope, from always.json: its rules, ids kept from the state. */
static int always_load(struct agent *a)
{
	struct egress_policy p = {};
	char err[512];
	int ret;

	if (access(a->always_file, F_OK) && errno == ENOENT)
		return scope_set_rules(a, &a->always, NULL, 0);
	ret = egress_policy_load(a->always_file, 1, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "egressd: %s\n", err);
		return ret;
	}
	if (p.n_profiles || p.has_mode || p.has_resolvers) {
		fprintf(stderr, "egressd: %s: only \"allow\" and \"deny\" belong in the always scope\n",
			a->always_file);
		egress_policy_free(&p);
		return -EINVAL;
	}
	ret = scope_set_rules(a, &a->always, p.rules, p.n_rules);
	egress_policy_free(&p);
	return ret;
}

static int cleanup(const char *bpffs, const char *socket_path)
{
	struct egress_dp_opts o = { .sz = sizeof(o), .pin_dir = bpffs };
	struct egress_dp *dp;
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", bpffs, EGRESS_MAP_CONFIG);
	if (access(path, F_OK)) {
		fprintf(stderr, "egressd: nothing pinned under %s\n", bpffs);
		rmdir(bpffs);
		unlink(socket_path);
		return 0;
	}
	ret = egress_dp_open(&dp, &o);
	if (ret) {
		fprintf(stderr, "egressd: cannot open the pinned data path: %s\n", strerror(-ret));
		return 1;
	}
	ret = enforce_cleanup(dp);
	egress_dp_close(dp);
	unlink(socket_path);
	fprintf(stderr, "egressd: %s\n", ret ? "cleanup incomplete" : "detached and unpinned");
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 'S' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "profile-dir", required_argument, NULL, 'p' },
		{ "always", required_argument, NULL, 'a' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *config = EGRESS_CONFIG_FILE, *metrics = NULL, *profile_dir = NULL;
	struct agent a = {
		.state_dir = EGRESS_STATE_DIR,
		.socket_path = EGRESS_CTL_SOCKET,
		.bpffs = EGRESS_PIN_DIR,
		.always_file = EGRESS_ALWAYS_FILE,
	};
	struct egress_dp_opts dpo = { .sz = sizeof(dpo) };
	bool do_cleanup = false;
	char err[1024];
	sigset_t sigs;
	int c, ret, lfd, sfd;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': a.state_dir = optarg; break;
		case 'S': a.socket_path = optarg; break;
		case 'm': metrics = optarg; break;
		case 'b': a.bpffs = optarg; break;
		case 'p': profile_dir = optarg; break;
		case 'a': a.always_file = optarg; break;
		case 'f': break;	/* egressd never forks: systemd runs it as is */
		case 'C': do_cleanup = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(libbpf_log);
	/* libxdp's dispatcher is loaded by libxdp itself, which does not raise it */
	setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
	if (do_cleanup)
		return cleanup(a.bpffs, a.socket_path);

	egressd_config_defaults(&a.cfg);
	ret = egressd_config_load(config, &a.cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "egressd: %s\n", err);
		return 1;
	}
	if (metrics) {
		if (strlen(metrics) >= sizeof(a.cfg.metrics) || egressd_metrics_check(metrics)) {
			fprintf(stderr, "egressd: --metrics '%s': want ADDR:PORT, [ADDR6]:PORT or off\n",
				metrics);
			return 2;
		}
		snprintf(a.cfg.metrics, sizeof(a.cfg.metrics), "%s", metrics);
	}
	a.profile_dir = profile_dir ? profile_dir :
			a.cfg.profile_dir[0] ? a.cfg.profile_dir : EGRESSD_PROFILE_DIR;
	a.started = time(NULL);
	scope_init(&a.always, EGRESS_SCOPE_ALWAYS);
	scope_init(&a.global, EGRESS_SCOPE_GLOBAL);

	if (mkdir(a.state_dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "egressd: cannot create %s: %s\n", a.state_dir, strerror(errno));
		return 1;
	}
	ret = agent_state_load(&a, err, sizeof(err));
	if (ret == -ENOENT) {
		a.next_rule_id = 1;
		a.global.has_mode = true;
		a.global.mode = a.cfg.default_mode;
	} else if (ret) {
		fprintf(stderr, "egressd: refusing to start: %s\n", err);
		fprintf(stderr, "egressd: (move the file away to start from an empty policy)\n");
		return 1;
	}
	if (always_load(&a))
		return 1;

	dpo.pin_dir = a.bpffs;
	ret = egress_dp_open(&a.dp, &dpo);
	if (ret) {
		fprintf(stderr, "egressd: cannot load the data path under %s: %s%s\n", a.bpffs,
			strerror(-ret), ret == -EINVAL ?
			" (pinned maps of another version? egressd --cleanup removes them)" : "");
		return 1;
	}
	fprintf(stderr, "egressd: %s the data path under %s\n",
		egress_dp_adopted(a.dp) ? "adopted" : "loaded and pinned", a.bpffs);
	ret = egress_dp_binding_grace_set(a.dp, a.cfg.binding_grace_s);
	if (ret) {
		fprintf(stderr, "egressd: cannot set the DNS binding grace: %s\n", strerror(-ret));
		goto out;
	}
	ret = events_start(&a);
	if (ret)
		fprintf(stderr, "egressd: cannot read events: %s\n", strerror(-ret));
	ret = enforce_start(&a);
	if (ret)
		goto out;
	ret = agent_state_save(&a, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "egressd: %s\n", err);
		goto out;
	}
	/* blocked before any thread starts: the signalfd gets them all */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the audit log is the record: no egressd without it */
	ret = observe_open(&a);
	if (ret)
		goto out;
	metrics_start(&a);

	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	lfd = server_listen(a.socket_path, err, sizeof(err));
	if (lfd < 0 || sfd < 0) {
		fprintf(stderr, "egressd: %s\n", lfd < 0 ? err : strerror(errno));
		ret = -EIO;
		goto out;
	}
	fprintf(stderr, "egressd: ready: %zu sandboxes, socket %s\n", a.n_sbs, a.socket_path);
	sd_notify(0, "READY=1");
	ret = server_run(&a, lfd, sfd);
	sd_notify(0, "STOPPING=1");
	close(lfd);
	close(sfd);
	/* the socket goes, the pins and attachments stay */
	unlink(a.socket_path);
out:
	metrics_stop();
	observe_close(&a);
	egress_dp_close(a.dp);
	agent_free(&a);
	return ret ? 1 : 0;
}
