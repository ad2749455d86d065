/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef TAPRELAY_RELAY_H
#define TAPRELAY_RELAY_H

#include <signal.h>
#include <stdint.h>

struct relay_stats {
	uint64_t frames[2];	/* 0: guest to host, 1: host to guest */
	uint64_t bytes[2];
	uint64_t gso[2];	/* frames carrying a GSO type */
	uint64_t dropped[2];
	uint32_t max_len[2];	/* largest frame, header excluded */
};

struct relay_ctl {
	volatile sig_atomic_t stop;	/* set: return */
	volatile sig_atomic_t dump;	/* set: call report() and clear */
	void (*report)(const struct relay_stats *st);
};

/*
 * Copies frames, virtio-net header included, between the guest-side and
 * the host-side tap until ctl->stop is set. Returns 0 or -errno.
 */
int relay_run(int guest_fd, int host_fd, struct relay_stats *st,
	      struct relay_ctl *ctl);

#endif
