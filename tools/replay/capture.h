/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading captures (pcap and pcapng, through libpcap) as Ethernet frames,
 * whatever link type they were captured with: Ethernet as is, Linux cooked
 * (SLL, SLL2), raw IP and BSD loopback with a synthetic Ethernet header
 * whose MAC addresses are left for the caller to fill.
 */
#ifndef EGRESS_REPLAY_CAPTURE_H
#define EGRESS_REPLAY_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define CAPTURE_ETH_HLEN 14

struct capture {
	struct pcap *pcap;
	const char *path;
	int linktype;		/* DLT_* of the file */
	bool strip_vlan;	/* remove 802.1Q/802.1ad tags from Ethernet frames */
	__u64 index;		/* number of the last frame read, from 1 */
	__u8 *buf;		/* the frame as Ethernet */
	size_t buf_size;
};

struct frame {
	__u64 index;		/* in the capture, from 1 */
	__u8 *data;		/* an Ethernet frame */
	__u32 len;		/* bytes of it captured */
	__u32 wire_len;		/* bytes it had on the wire (as Ethernet) */
	bool synthetic_eth;	/* MAC addresses are zero: the caller fills them */
};

/*
 * Opens a capture and checks that its link type is one we read. On error
 * returns -errno and writes one sentence naming the file into err.
 */
int capture_open(struct capture *c, const char *path, bool strip_vlan,
		 char *err, size_t errlen);
/*
 * Reads the next frame into *f (valid until the next call). Returns 1 for
 * a frame, 0 at the end of the capture, -errno with err set on a read error.
 */
int capture_next(struct capture *c, struct frame *f, char *err, size_t errlen);
void capture_close(struct capture *c);

/* The link type's name as libpcap spells it ("EN10MB", "LINUX_SLL2", ...). */
const char *capture_linktype_name(const struct capture *c);

#endif /* EGRESS_REPLAY_CAPTURE_H */
