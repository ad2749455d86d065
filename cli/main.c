// SPDX-License-Identifier: GPL-2.0-only
/*
 * egressctl: manages egressd over its control socket (docs/protocol.md).
 * Every command is one request; the result is printed as a table for
 * people or, with --json, as the daemon's JSON.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "client.h"
#include "render.h"

static volatile sig_atomic_t interrupted;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("egressctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILURE;
}

static void on_signal(int sig)
{
	interrupted = 1;
}

static int render(const struct ctl_invocation *inv, const cJSON *result)
{
	int ret = ctl_render(inv->view, result, inv->json, stdout);

	if (ret == -EPROTO)
		return fail("egressd's reply lacks what this egressctl expects "
			    "(a daemon of another version?)");
	if (ret)
		return fail("%s", strerror(-ret));
	if (fflush(stdout) || ferror(stdout))
		return fail("cannot write the output: %s", strerror(errno));
	return EXIT_SUCCESS;
}

/* audit --follow: the first reply, then events until SIGINT/SIGTERM. */
static int follow(const struct ctl_invocation *inv)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	const cJSON *result;
	struct ctl_conn c;
	char err[1024];
	cJSON *obj;
	int ret;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = ctl_connect(&c, inv->socket, err, sizeof(err));
	if (ret)
		return fail("%s", err);
	ret = ctl_exchange(&c, inv->request, &obj, err, sizeof(err));
	if (ret == -ENODATA)
		snprintf(err, sizeof(err), "egressd closed the connection without replying");
	if (!ret) {
		ret = ctl_reply_result(obj, &result, err, sizeof(err));
		if (!ret && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "stream")))
			ret = -EPROTO, snprintf(err, sizeof(err),
						"egressd did not start an audit stream");
		cJSON_Delete(obj);
	}
	while (!ret && !interrupted) {
		ret = ctl_read_object(&c, -1, &obj, err, sizeof(err));
		if (ret)
			break;
		ret = ctl_render_stream(obj, inv->json, stdout);
		cJSON_Delete(obj);
		if (ret)
			snprintf(err, sizeof(err), "%s", strerror(-ret));
	}
	ctl_close(&c);
	if (interrupted && (!ret || ret == -EINTR))
		return EXIT_SUCCESS;
	if (ret == -ENODATA)
		return fail("egressd ended the audit stream");
	return fail("%s", err);
}

int main(int argc, char **argv)
{
	struct ctl_invocation inv;
	const cJSON *result;
	char err[1024];
	cJSON *reply;
	int ret;

	signal(SIGPIPE, SIG_IGN);
	ret = ctl_args_parse(argc, argv, time(NULL), &inv, err, sizeof(err));
	if (ret)
		return fail("%s", err);
	switch (inv.action) {
	case CTL_HELP:
		ctl_usage(stdout, inv.help_topic);
		return EXIT_SUCCESS;
	case CTL_VERSION:
		printf("egressctl %s\n", EGRESS_VERSION);
		return EXIT_SUCCESS;
	case CTL_RUN:
		break;
	}
	if (inv.follow) {
		ret = follow(&inv);
		ctl_invocation_free(&inv);
		return ret;
	}
	ret = ctl_call(inv.socket, inv.request, &reply, &result, err, sizeof(err));
	if (ret)
		ret = fail("%s", err);
	else
		ret = render(&inv, result);
	cJSON_Delete(reply);
	ctl_invocation_free(&inv);
	return ret;
}
