/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef TAPRELAY_TAP_H
#define TAPRELAY_TAP_H

/*
 * The size of the virtio-net header in front of every frame, as a VMM with
 * a modern virtio-net device uses it (struct virtio_net_hdr_mrg_rxbuf).
 */
#define TAP_VNET_HDR_LEN	12

/*
 * Creates tap IFNAME in the network namespace NETNS (a name under
 * /run/netns or a path; NULL for the current one) with IFF_VNET_HDR and the
 * checksum and TSO offloads on, and returns its non-blocking file
 * descriptor or -errno.
 */
int tap_open(const char *netns, const char *ifname);

#endif
