// SPDX-License-Identifier: GPL-2.0-only
/*
 * ctl-client SOCKET [REQUEST]...: sends each request line (or, without
 * any, each line of stdin) over one connection and prints each reply line.
 * Exits 1 when the daemon closes the connection before a reply. With
 * CTL_TIME set, each request's round trip in microseconds goes to stderr;
 * with CTL_PARTIAL, requests are sent without their newline (unfinished).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int send_line(int fd, FILE *in, const char *req)
{
	char *line = NULL;
	size_t cap = 0;
	struct timespec t0, t1;
	ssize_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* a refused client may find the connection closed: read the reply anyway */
	dprintf(fd, getenv("CTL_PARTIAL") ? "%s" : "%s\n", req);
	n = getline(&line, &cap, in);
	if (n <= 0) {
		free(line);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (getenv("CTL_TIME"))
		fprintf(stderr, "%ld\n", (t1.tv_sec - t0.tv_sec) * 1000000L +
			(t1.tv_nsec - t0.tv_nsec) / 1000);
	fputs(line, stdout);
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *line = NULL;
	size_t cap = 0;
	FILE *in;
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: ctl-client SOCKET [REQUEST]...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("ctl-client: connect");
		return 1;
	}
	in = fdopen(dup(fd), "r");
	if (!in)
		return 1;
	if (argc > 2) {
		for (int i = 2; i < argc; i++)
			if (send_line(fd, in, argv[i]))
				return 1;
		return 0;
	}
	while (getline(&line, &cap, stdin) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (send_line(fd, in, line))
			return 1;
	}
	return 0;
}
