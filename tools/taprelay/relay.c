// SPDX-License-Identifier: GPL-2.0-only
/*
 * The copy loop: what the guest's kernel transmits on its tap is written
 * into the host-side tap, where the host receives it, and back. The
 * virtio-net header travels with each frame unchanged, so a GSO
 * super-frame stays one frame, as it does through a VMM.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "tap.h"

/* A GSO frame is at most 64 KiB of IP packet, plus header and room. */
#define RELAY_BUF	(128 * 1024)
#define RELAY_BATCH	64

static unsigned char buf[RELAY_BUF];

/* Moves up to RELAY_BATCH frames from IN to OUT; returns 0 or -errno. */
static int relay_batch(int in, int out, int dir, struct relay_stats *st)
{
	const struct virtio_net_hdr *hdr = (const void *)buf;
	ssize_t n, w;
	int i;

	for (i = 0; i < RELAY_BATCH; i++) {
		n = read(in, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "taprelay: read: %s\n", strerror(errno));
			return -errno;
		}
		if (n <= TAP_VNET_HDR_LEN)
			continue;
		w = write(out, buf, n);
		if (w != n) {
			/* The far tap is down or its queue full: a lost frame, as on a wire. */
			st->dropped[dir]++;
			continue;
		}
		st->frames[dir]++;
		st->bytes[dir] += n - TAP_VNET_HDR_LEN;
		if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE)
			st->gso[dir]++;
		if ((uint32_t)(n - TAP_VNET_HDR_LEN) > st->max_len[dir])
			st->max_len[dir] = n - TAP_VNET_HDR_LEN;
	}
	return 0;
}

int relay_run(int guest_fd, int host_fd, struct relay_stats *st,
	      struct relay_ctl *ctl)
{
	struct pollfd pfd[2] = {
		{ .fd = guest_fd, .events = POLLIN },
		{ .fd = host_fd, .events = POLLIN },
	};
	int err, i;

	while (!ctl->stop) {
		if (ctl->dump) {
			ctl->dump = 0;
			ctl->report(st);
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "taprelay: poll: %s\n", strerror(errno));
			return -errno;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				fprintf(stderr, "taprelay: tap %s closed\n",
					i ? "host" : "guest");
				return -EPIPE;
			}
			if (!(pfd[i].revents & POLLIN))
				continue;
			err = relay_batch(pfd[i].fd, pfd[!i].fd, i, st);
			if (err)
				return err;
		}
	}
	return 0;
}
