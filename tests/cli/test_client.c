// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/client.c and the egressctl program against a fake egressd: a thread
 * on a temporary Unix socket that answers with scripted bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "client.h"
#include "render.h"

static const char *egressctl_path;

struct fake {
	char dir[64];
	char path[128];
	int lfd;
	pthread_t th;
	/* what to send after each request line; NULL ends the connection */
	const char *const *replies;
	/* send replies[0] without waiting for a request */
	bool no_request;
	char got[8192];		/* the request lines received */
	size_t got_len;
};

static void fake_listen(struct fake *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(f->dir, "/tmp/egressctl-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/egressd.sock", f->dir);
	strcpy(sun.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
}

/* Reads one line into f->got; false at EOF. */
static bool read_request(struct fake *f, int fd)
{
	char ch;

	for (;;) {
		ssize_t n = read(fd, &ch, 1);

		if (n <= 0)
			return false;
		if (f->got_len + 1 < sizeof(f->got))
			f->got[f->got_len++] = ch;
		f->got[f->got_len] = '\0';
		if (ch == '\n')
			return true;
	}
}

static void write_all(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = write(fd, s + off, len - off);

		if (n <= 0)
			return;
		off += n;
		usleep(1000);	/* replies in several reads */
	}
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	for (size_t i = 0; f->replies[i]; i++) {
		if (!(i == 0 && f->no_request) && !read_request(f, fd))
			break;
		write_all(fd, f->replies[i]);
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, const char *const *replies)
{
	memset(f, 0, sizeof(*f));
	fake_listen(f);
	f->replies = replies;
	assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);	/* wakes an accept() still waiting */
	pthread_join(f->th, NULL);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
}

static cJSON *request(const char *text)
{
	cJSON *r = cJSON_Parse(text);

	assert_non_null(r);
	return r;
}

static void test_ok_reply(void **state)
{
	static const char *const replies[] = {
		"{\"v\":1,\"ok\":true,\"result\":{\"mode\":\"deny\",\"inherited\":true}}\n", NULL,
	};
	cJSON *req = request("{\"v\":1,\"cmd\":\"mode.get\",\"args\":{\"sandbox\":\"sb1\"}}");
	const cJSON *result;
	char err[256] = "";
	struct fake f;
	cJSON *reply;

	fake_start(&f, replies);
	assert_int_equal(ctl_call(f.path, req, &reply, &result, err, sizeof(err)), 0);
	fake_stop(&f);
	/* the request went out as one line */
	assert_string_equal(f.got, "{\"v\":1,\"cmd\":\"mode.get\",\"args\":{\"sandbox\":\"sb1\"}}\n");
	assert_string_equal(cJSON_GetObjectItem(result, "mode")->valuestring, "deny");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result, "inherited")));
	cJSON_Delete(reply);
	cJSON_Delete(req);
}

static int call(const char *const *replies, char *err, size_t errlen)
{
	cJSON *req = request("{\"v\":1,\"cmd\":\"status\"}");
	const cJSON *result;
	struct fake f;
	cJSON *reply;
	int ret;

	fake_start(&f, replies);
	ret = ctl_call(f.path, req, &reply, &result, err, errlen);
	fake_stop(&f);
	assert_string_equal(f.got, "{\"v\":1,\"cmd\":\"status\"}\n");
	cJSON_Delete(reply);
	cJSON_Delete(req);
	return ret;
}

static void test_error_reply(void **state)
{
	static const char *const with_error[] = {
		"{\"v\":1,\"ok\":false,\"code\":\"ENOENT\",\"error\":\"no sandbox named sb9\"}\n", NULL,
	};
	static const char *const code_only[] = {
		"{\"v\":1,\"ok\":false,\"code\":\"EIO\"}\n", NULL,
	};
	char err[256];

	assert_int_equal(call(with_error, err, sizeof(err)), -CTL_EDAEMON);
	assert_string_equal(err, "no sandbox named sb9");
	assert_int_equal(call(code_only, err, sizeof(err)), -CTL_EDAEMON);
	assert_string_equal(err, "the request failed (EIO)");
}

static void test_bad_replies(void **state)
{
	static const char *const truncated[] = { "{\"v\":1,\"ok\":tr", NULL };
	static const char *const silent[] = { "", NULL };
	static const char *const not_json[] = { "hello\n", NULL };
	static const char *const array[] = { "[1,2]\n", NULL };
	static const char *const version[] = { "{\"v\":2,\"ok\":true,\"result\":{}}\n", NULL };
	static const char *const no_ok[] = { "{\"v\":1,\"result\":{}}\n", NULL };
	static const char *const bad_result[] = { "{\"v\":1,\"ok\":true,\"result\":3}\n", NULL };
	char err[256];

	assert_int_equal(call(truncated, err, sizeof(err)), -ECONNRESET);
	assert_contains(err, "closed the connection in the middle of a reply");
	assert_int_equal(call(silent, err, sizeof(err)), -ECONNRESET);
	assert_contains(err, "closed the connection without replying");
	assert_int_equal(call(not_json, err, sizeof(err)), -EPROTO);
	assert_contains(err, "not a JSON object");
	assert_int_equal(call(array, err, sizeof(err)), -EPROTO);
	assert_int_equal(call(version, err, sizeof(err)), -EPROTO);
	assert_contains(err, "protocol version");
	assert_int_equal(call(no_ok, err, sizeof(err)), -EPROTO);
	assert_int_equal(call(bad_result, err, sizeof(err)), -EPROTO);
}

static void test_not_running(void **state)
{
	cJSON *req = request("{\"v\":1,\"cmd\":\"status\"}");
	char dir[] = "/tmp/egressctl-test-XXXXXX", path[128], err[512];
	const cJSON *result;
	cJSON *reply;
	struct fake f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/egressd.sock", dir);
	assert_int_equal(ctl_call(path, req, &reply, &result, err, sizeof(err)), -ENOENT);
	assert_null(reply);
	assert_contains(err, path);
	assert_contains(err, "is egressd running?");
	rmdir(dir);

	/* a socket file left behind, nobody listening */
	memset(&f, 0, sizeof(f));
	fake_listen(&f);
	close(f.lfd);
	assert_int_equal(ctl_call(f.path, req, &reply, &result, err, sizeof(err)),
			 -ECONNREFUSED);
	assert_contains(err, f.path);
	assert_contains(err, "is egressd running?");
	unlink(f.path);
	rmdir(f.dir);
	cJSON_Delete(req);
}

static void test_several_requests(void **state)
{
	/* two requests on one connection; the second reply comes in pieces */
	static const char *const replies[] = {
		"{\"v\":1,\"ok\":true,\"result\":{\"n\":1}}\n",
		"{\"v\":1,\"ok\":true,\"result\":{\"n\":2}}\n",
		NULL,
	};
	cJSON *req = request("{\"v\":1,\"cmd\":\"status\"}"), *reply;
	const cJSON *result;
	struct ctl_conn c;
	char err[256];
	struct fake f;

	fake_start(&f, replies);
	assert_int_equal(ctl_connect(&c, f.path, err, sizeof(err)), 0);
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(ctl_send(&c, req, err, sizeof(err)), 0);
		assert_int_equal(ctl_read_object(&c, 5000, &reply, err, sizeof(err)), 0);
		assert_int_equal(ctl_reply_result(reply, &result, err, sizeof(err)), 0);
		assert_int_equal(cJSON_GetObjectItem(result, "n")->valueint, i);
		cJSON_Delete(reply);
	}
	assert_int_equal(ctl_read_object(&c, 5000, &reply, err, sizeof(err)), -ENODATA);
	ctl_close(&c);
	fake_stop(&f);
	cJSON_Delete(req);
}

static void test_timeout(void **state)
{
	static const char *const replies[] = { "", NULL };
	cJSON *reply;
	struct ctl_conn c;
	char err[256];
	struct fake f;

	/* the fake reads nothing until the client closes: no reply comes */
	memset(&f, 0, sizeof(f));
	fake_listen(&f);
	f.replies = replies;
	assert_int_equal(ctl_connect(&c, f.path, err, sizeof(err)), 0);
	assert_int_equal(ctl_read_object(&c, 200, &reply, err, sizeof(err)), -ETIMEDOUT);
	assert_contains(err, "did not reply");
	ctl_close(&c);
	close(f.lfd);
	unlink(f.path);
	rmdir(f.dir);
}

static void test_stream(void **state)
{
	static const char *const replies[] = {
		"{\"v\":1,\"ok\":true,\"result\":{\"stream\":true}}\n"
		"{\"event\":{\"time\":\"2026-02-19T23:41:54Z\",\"verdict\":\"DENIED\","
		"\"host\":\"example2.com\",\"mode\":\"deny\"}}\n{\"lost\":3}\n"
		"{\"event\":{\"time\":\"2026-02-19T23:41:55Z\",\"verdict\":\"ALLOWED\","
		"\"host\":\"pypi.org\",\"mode\":\"deny\"}}\n",
		NULL,
	};
	cJSON *req = request("{\"v\":1,\"cmd\":\"audit\",\"args\":{\"sandbox\":\"sb1\",\"follow\":true}}");
	cJSON *obj;
	const cJSON *result;
	struct ctl_conn c;
	char err[256], *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	struct fake f;
	int ret;

	setenv("TZ", "UTC0", 1);
	tzset();
	fake_start(&f, replies);
	assert_int_equal(ctl_connect(&c, f.path, err, sizeof(err)), 0);
	assert_int_equal(ctl_send(&c, req, err, sizeof(err)), 0);
	assert_int_equal(ctl_read_object(&c, 5000, &obj, err, sizeof(err)), 0);
	assert_int_equal(ctl_reply_result(obj, &result, err, sizeof(err)), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(result, "stream")));
	cJSON_Delete(obj);
	while (!(ret = ctl_read_object(&c, 5000, &obj, err, sizeof(err)))) {
		assert_int_equal(ctl_render_stream(obj, false, mem), 0);
		cJSON_Delete(obj);
	}
	assert_int_equal(ret, -ENODATA);
	fclose(mem);
	assert_string_equal(out,
		"2026-02-19T23:41:54+00:00  DENIED   example2.com  (mode: deny)\n"
		"3 events lost\n"
		"2026-02-19T23:41:55+00:00  ALLOWED  pypi.org  (mode: deny)\n");
	free(out);
	ctl_close(&c);
	fake_stop(&f);
	cJSON_Delete(req);
}

/* Runs egressctl with args; returns its exit status, output in out/errout. */
static int run_egressctl(const char *args, char **out, char **errout)
{
	char cmd[1024], errpath[] = "/tmp/egressctl-test-err-XXXXXX";
	size_t len = 0, n;
	int efd = mkstemp(errpath), status;
	FILE *p, *e;

	assert_true(efd >= 0);
	close(efd);
	snprintf(cmd, sizeof(cmd), "TZ=UTC0 %s %s 2>%s", egressctl_path, args, errpath);
	p = popen(cmd, "r");
	assert_non_null(p);
	*out = calloc(1, 65536);
	while ((n = fread(*out + len, 1, 65535 - len, p)) > 0)
		len += n;
	status = pclose(p);
	e = fopen(errpath, "r");
	*errout = calloc(1, 4096);
	n = fread(*errout, 1, 4095, e);
	(void)n;
	fclose(e);
	unlink(errpath);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool connected(struct fake *f)
{
	struct pollfd pfd = { .fd = f->lfd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static void test_program(void **state)
{
	static const char *const list[] = {
		"{\"v\":1,\"ok\":true,\"result\":{\"rules\":[{\"id\":17,\"action\":\"allow\","
		"\"pattern\":\"*.example.com\",\"kind\":\"wildcard\",\"scope\":\"sandbox\","
		"\"sandbox\":\"sb1\",\"profile\":null}],\"profiles\":[]}}\n", NULL,
	};
	static const char *const denied[] = {
		"{\"v\":1,\"ok\":false,\"code\":\"ENOENT\",\"error\":\"no sandbox named sb9\"}\n", NULL,
	};
	char args[512], *out, *errout;
	struct fake f;

	if (!egressctl_path)
		skip();
	fake_start(&f, list);
	snprintf(args, sizeof(args), "--socket %s list --sandbox sb1", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 0);
	fake_stop(&f);
	assert_string_equal(f.got, "{\"v\":1,\"cmd\":\"rule.list\",\"args\":{\"sandbox\":\"sb1\"}}\n");
	assert_string_equal(out,
		"ID  ACTION  PATTERN        KIND      SCOPE    SANDBOX  PROFILE\n"
		"17  allow   *.example.com  wildcard  sandbox  sb1      -\n");
	assert_string_equal(errout, "");
	free(out);
	free(errout);

	fake_start(&f, list);
	snprintf(args, sizeof(args), "-j --socket %s list --sandbox sb1", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 0);
	fake_stop(&f);
	assert_string_equal(out, "{\"rules\":[{\"id\":17,\"action\":\"allow\","
			    "\"pattern\":\"*.example.com\",\"kind\":\"wildcard\",\"scope\":\"sandbox\","
			    "\"sandbox\":\"sb1\",\"profile\":null}],\"profiles\":[]}\n");
	free(out);
	free(errout);

	fake_start(&f, denied);
	snprintf(args, sizeof(args), "--socket %s deny x.org --sandbox sb9", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 1);
	fake_stop(&f);
	assert_string_equal(out, "");
	assert_string_equal(errout, "egressctl: no sandbox named sb9\n");
	free(out);
	free(errout);

	/* bad input: one line, exit 1, nothing sent */
	memset(&f, 0, sizeof(f));
	fake_listen(&f);
	snprintf(args, sizeof(args), "--socket %s allow bad..name --sandbox sb1", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 1);
	assert_false(connected(&f));
	assert_string_equal(out, "");
	assert_non_null(strstr(errout, "egressctl: "));
	assert_non_null(strstr(errout, "bad..name"));
	assert_ptr_equal(strchr(errout, '\n'), errout + strlen(errout) - 1);
	free(out);
	free(errout);
	snprintf(args, sizeof(args), "--socket %s mode --sandbox sb1 strict", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 1);
	assert_false(connected(&f));
	assert_string_equal(errout, "egressctl: 'strict' is not a mode (allow-all, warn, deny, enforce, deny-all)\n");
	free(out);
	free(errout);
	close(f.lfd);
	unlink(f.path);

	/* no daemon */
	snprintf(args, sizeof(args), "--socket %s status", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 1);
	assert_contains(errout, "egressctl: cannot connect to egressd at ");
	assert_contains(errout, f.path);
	free(out);
	free(errout);
	rmdir(f.dir);

	assert_int_equal(run_egressctl("--version", &out, &errout), 0);
	assert_contains(out, "egressctl ");
	free(out);
	free(errout);
	assert_int_equal(run_egressctl("help explain", &out, &errout), 0);
	assert_contains(out, "explain NAME HOST|ADDR [PORT]");
	free(out);
	free(errout);
}

static void test_program_follow(void **state)
{
	static const char *const replies[] = {
		"{\"v\":1,\"ok\":true,\"result\":{\"stream\":true}}\n"
		"{\"event\":{\"time\":\"2026-02-19T23:41:54Z\",\"verdict\":\"DENIED\","
		"\"host\":\"example2.com\",\"mode\":\"deny\"}}\n",
		NULL,
	};
	static const char *const refused[] = {
		"{\"v\":1,\"ok\":false,\"code\":\"EINVAL\",\"error\":\"audit needs a sandbox\"}\n", NULL,
	};
	char args[512], *out, *errout;
	struct fake f;

	if (!egressctl_path)
		skip();
	/* the daemon ends the stream: the events printed, then a failure */
	fake_start(&f, replies);
	snprintf(args, sizeof(args), "--socket %s audit sb1 -f --since 10m", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 1);
	fake_stop(&f);
	assert_contains(f.got, "\"follow\":true");
	assert_contains(f.got, "\"since\":\"");
	assert_string_equal(out, "2026-02-19T23:41:54+00:00  DENIED   example2.com  (mode: deny)\n");
	assert_string_equal(errout, "egressctl: egressd ended the audit stream\n");
	free(out);
	free(errout);

	fake_start(&f, refused);
	snprintf(args, sizeof(args), "--socket %s audit sb1 --follow", f.path);
	assert_int_equal(run_egressctl(args, &out, &errout), 1);
	fake_stop(&f);
	assert_string_equal(errout, "egressctl: audit needs a sandbox\n");
	free(out);
	free(errout);
}

/* SIGINT ends audit --follow with status 0. */
static void test_program_interrupt(void **state)
{
	static const char *const replies[] = {
		"{\"v\":1,\"ok\":true,\"result\":{\"stream\":true}}\n"
		"{\"event\":{\"time\":\"2026-02-19T23:41:54Z\",\"verdict\":\"DENIED\","
		"\"host\":\"example2.com\",\"mode\":\"deny\"}}\n",
		"", /* then silence until the client goes */
		NULL,
	};
	int outp[2], status;
	char buf[512] = "";
	struct fake f;
	size_t len = 0;
	pid_t pid;

	if (!egressctl_path)
		skip();
	fake_start(&f, replies);
	assert_int_equal(pipe(outp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(outp[1], 1);
		close(outp[0]);
		setenv("TZ", "UTC0", 1);
		execl(egressctl_path, "egressctl", "--socket", f.path, "audit", "sb1",
		      "--follow", (char *)NULL);
		_exit(127);
	}
	close(outp[1]);
	/* wait for the first event, then interrupt */
	while (!strchr(buf, '\n') && len < sizeof(buf) - 1) {
		ssize_t n = read(outp[0], buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += n;
		buf[len] = '\0';
	}
	assert_string_equal(buf, "2026-02-19T23:41:54+00:00  DENIED   example2.com  (mode: deny)\n");
	kill(pid, SIGINT);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(outp[0]);
	fake_stop(&f);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_reply),
		cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_not_running),
		cmocka_unit_test(test_several_requests),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_program_follow),
		cmocka_unit_test(test_program_interrupt),
	};

	if (argc > 1)
		egressctl_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
