// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "errmsg.h"
#include "state.h"

#define HEADER_MAX 128

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int egress_state_write(const char *dir, const char *body, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX], header[HEADER_MAX];
	size_t len = strlen(body);
	int fd, dfd, ret, n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, EGRESS_STATE_FILE) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, EGRESS_STATE_FILE) >= (int)sizeof(tmp))
		return egress_errf(err, errlen, -ENAMETOOLONG, "state directory path too long");
	n = snprintf(header, sizeof(header), "egressd-state %d length=%zu crc32=%08lx\n",
		     EGRESS_STATE_VERSION, len, crc32(0, (const Bytef *)body, len));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return egress_errf(err, errlen, -errno, "cannot create %s: %s", tmp, strerror(errno));
	ret = write_all(fd, header, n);
	if (!ret)
		ret = write_all(fd, body, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return egress_errf(err, errlen, ret, "cannot write %s: %s", path, strerror(-ret));
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd)) {
		ret = -errno;
		if (dfd >= 0)
			close(dfd);
		return egress_errf(err, errlen, ret, "cannot sync %s: %s", dir, strerror(-ret));
	}
	close(dfd);
	return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (st.st_size > EGRESS_STATE_MAX + HEADER_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int egress_state_read(const char *dir, char **body, char *err, size_t errlen)
{
	char path[PATH_MAX];
	unsigned long crc, want_crc;
	size_t len = 0, want_len;
	int version, used = 0;
	char *buf = NULL, *nl;
	int ret;

	*body = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, EGRESS_STATE_FILE) >= (int)sizeof(path))
		return egress_errf(err, errlen, -ENAMETOOLONG, "state directory path too long");
	ret = read_file(path, &buf, &len);
	if (ret == -ENOENT)
		return egress_errf(err, errlen, ret, "%s does not exist", path);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot read %s: %s", path, strerror(-ret));
	nl = memchr(buf, '\n', len < HEADER_MAX ? len : HEADER_MAX);
	if (!nl || sscanf(buf, "egressd-state %d length=%zu crc32=%8lx%n",
			  &version, &want_len, &want_crc, &used) != 3 || buf + used != nl) {
		ret = egress_errf(err, errlen, -EBADMSG,
				  "%s is not an egressd state file (bad header)", path);
		goto out;
	}
	if (version != EGRESS_STATE_VERSION) {
		ret = egress_errf(err, errlen, -EPROTONOSUPPORT,
				  "%s has state version %d, this egressd reads version %d",
				  path, version, EGRESS_STATE_VERSION);
		goto out;
	}
	len -= nl + 1 - buf;
	if (len != want_len) {
		ret = egress_errf(err, errlen, -EBADMSG,
				  "%s is truncated or extended: %zu bytes of state, header says %zu",
				  path, len, want_len);
		goto out;
	}
	crc = crc32(0, (const Bytef *)nl + 1, len);
	if (crc != want_crc) {
		ret = egress_errf(err, errlen, -EBADMSG,
				  "%s is corrupt: checksum %08lx, header says %08lx",
				  path, crc, want_crc);
		goto out;
	}
	memmove(buf, nl + 1, len + 1);
	*body = buf;
	return 0;
out:
	free(buf);
	return ret;
}
