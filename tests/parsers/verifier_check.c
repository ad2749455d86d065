// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads verifier_check.bpf.o (never attaches it) and prints what each of its
 * programs cost the verifier. Exit 0 when the verifier accepts them all, 77
 * (meson: skipped) without the privileges to load BPF, 1 otherwise.
 * With -v, failures come with the verifier's log (level 2) instead of its
 * statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define MAX_PROGS 16

struct prog_log {
	struct bpf_program *prog;
	char *buf;
	size_t size;
};

/* The last line of log that starts with what, or NULL. */
static const char *last_line(const char *log, const char *what)
{
	const char *p = strstr(log, what), *last = NULL;

	while (p) {
		if (p == log || p[-1] == '\n')
			last = p;
		p = strstr(p + 1, what);
	}
	return last;
}

static void print_tail(const char *log, size_t max)
{
	size_t n = strlen(log);

	fputs(n > max ? log + n - max : log, stderr);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct prog_log logs[MAX_PROGS];
	int verbose = argc > 2 && !strcmp(argv[2], "-v");
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0, err, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.bpf.o [-v]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_PROGS)
			break;
		logs[n].prog = prog;
		logs[n].size = verbose ? 256u << 20 : 1u << 20;
		logs[n].buf = calloc(1, logs[n].size);
		if (!logs[n].buf) {
			fprintf(stderr, "out of memory\n");
			return 1;
		}
		bpf_program__set_log_buf(prog, logs[n].buf, logs[n].size);
		bpf_program__set_log_level(prog, verbose ? 2 : 4);
		n++;
	}

	err = bpf_object__load(obj);
	/* as root EACCES is the verifier's refusal, not a lack of privileges */
	if ((err == -EPERM || err == -EACCES) && geteuid() != 0) {
		fprintf(stderr, "no privileges to load BPF: skipped\n");
		ret = 77;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *stats = last_line(logs[i].buf, "processed ");
		const char *stack = last_line(logs[i].buf, "stack depth ");
		int len = stats ? (int)strcspn(stats, "\n") : 0;
		int slen = stack ? (int)strcspn(stack, "\n") : 0;

		if (bpf_program__fd(logs[i].prog) < 0 && !logs[i].buf[0]) {
			fprintf(stderr, "%s: not loaded (an earlier program failed)\n",
				bpf_program__name(logs[i].prog));
			ret = 1;
			continue;
		}
		if (bpf_program__fd(logs[i].prog) < 0) {
			fprintf(stderr, "%s: rejected\n", bpf_program__name(logs[i].prog));
			print_tail(logs[i].buf, verbose ? 64000 : 8000);
			ret = 1;
			continue;
		}
		printf("%s: accepted, %zu instructions; %.*s; %.*s\n",
		       bpf_program__name(logs[i].prog), bpf_program__insn_cnt(logs[i].prog),
		       len, stats ? stats : "", slen, stack ? stack : "");
	}
	if (err && !ret) {
		fprintf(stderr, "%s: load failed: %s\n", argv[1], strerror(-err));
		ret = 1;
	}
out:
	bpf_object__close(obj);
	for (int i = 0; i < n; i++)
		free(logs[i].buf);
	return ret;
}
