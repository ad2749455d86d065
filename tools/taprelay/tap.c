// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tap as a VMM's virtio-net backend opens it: IFF_VNET_HDR, a 12-byte
 * header, checksum and TSO offloads, so the kernel on the far side of the
 * tap hands it GSO super-frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

#define TAP_OFFLOADS	(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

static int netns_open(const char *netns)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(netns, '/'))
		snprintf(path, sizeof(path), "%s", netns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "taprelay: netns %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return fd;
}

static int tap_create(const char *ifname)
{
	struct ifreq ifr = {};
	int hdr_len = TAP_VNET_HDR_LEN;
	int fd, err;

	if (strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "taprelay: interface name too long: %s\n", ifname);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "taprelay: /dev/net/tun: %s\n", strerror(errno));
		return -errno;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, (unsigned long)TAP_OFFLOADS) < 0) {
		err = -errno;
		fprintf(stderr, "taprelay: tap %s: %s\n", ifname, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

int tap_open(const char *netns, const char *ifname)
{
	int self = -1, target = -1, fd;

	if (netns) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			fprintf(stderr, "taprelay: own netns: %s\n", strerror(errno));
			return -errno;
		}
		target = netns_open(netns);
		if (target < 0) {
			close(self);
			return target;
		}
		if (setns(target, CLONE_NEWNET) < 0) {
			fd = -errno;
			fprintf(stderr, "taprelay: setns %s: %s\n", netns, strerror(errno));
			goto out;
		}
	}
	fd = tap_create(ifname);
	if (netns && setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "taprelay: setns back: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -EIO;
	}
out:
	if (target >= 0)
		close(target);
	if (self >= 0)
		close(self);
	return fd;
}
