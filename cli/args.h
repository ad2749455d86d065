/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * egressctl's command line: what the user typed, checked, turned into the
 * one request of docs/protocol.md that the command maps to. Nothing here
 * touches the socket.
 */
#ifndef EGRESSCTL_ARGS_H
#define EGRESSCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <cjson/cJSON.h>

/* How a command's result is shown to people. */
enum ctl_view {
	CTL_VIEW_STATUS,
	CTL_VIEW_SANDBOX,	/* {"sandbox": sandbox} */
	CTL_VIEW_SANDBOXES,	/* {"sandboxes": [...]} */
	CTL_VIEW_NONE,		/* {} */
	CTL_VIEW_RULES_ADDED,	/* {"rules": [...], "generation"} */
	CTL_VIEW_RULES_REMOVED,	/* {"removed": [...], "generation"} */
	CTL_VIEW_RULE_LIST,	/* {"rules": [...], "profiles": [...]} */
	CTL_VIEW_MODE,		/* {"mode", "inherited"} */
	CTL_VIEW_MODE_SET,	/* {"mode", "generation"} */
	CTL_VIEW_EXPLAIN,
	CTL_VIEW_PROFILES,
	CTL_VIEW_PROFILE,
	CTL_VIEW_POLICY,	/* the policy document */
	CTL_VIEW_IMPORTED,	/* {"rules": n, "generation"} */
	CTL_VIEW_AUDIT,		/* {"events": [...]}, or a stream */
};

enum ctl_action {
	CTL_RUN = 0,	/* send request, show the result */
	CTL_HELP,	/* print the usage of help_topic (NULL: all) */
	CTL_VERSION,
};

struct ctl_invocation {
	enum ctl_action action;
	const char *help_topic;
	bool json;
	const char *socket;
	enum ctl_view view;
	bool follow;		/* audit --follow: the reply is a stream */
	const char *scope;	/* the sandbox a command acts on, NULL: global */
	cJSON *request;		/* {"v": 1, "cmd": ..., "args": {...}} */
};

/*
 * Parses argv (argv[0] is the program). now is the time relative --since
 * values count back from. Returns 0, or -EINVAL with one sentence in err;
 * -ENOMEM when out of memory. On success inv->request is set when
 * inv->action is CTL_RUN; free it with ctl_invocation_free().
 */
int ctl_args_parse(int argc, char **argv, time_t now, struct ctl_invocation *inv,
		   char *err, size_t errlen);
void ctl_invocation_free(struct ctl_invocation *inv);

/* A sandbox or profile name: 1-64 of [A-Za-z0-9_.-], not starting with . or -. */
bool ctl_name_valid(const char *s);

/* The usage of one command, or of all (cmd NULL or unknown). */
void ctl_usage(FILE *out, const char *cmd);

#endif /* EGRESSCTL_ARGS_H */
