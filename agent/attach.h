/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attaching the data path to a sandbox's interface: XDP through libxdp
 * (its dispatcher where the kernel allows it, a plain attach otherwise) and
 * the tc egress program through libbpf's tc API.
 */
#ifndef EGRESSD_ATTACH_H
#define EGRESSD_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

struct egress_dp;

/* mode "skb" or "native"; how it was attached into how (24 bytes). */
int attach_xdp(struct egress_dp *dp, int ifindex, const char *mode, char *how,
	       char *err, size_t errlen);
/* 1 and how when xdp_egress is attached to ifindex, 0 when not. */
int attached_xdp(int ifindex, char *how);
int detach_xdp(int ifindex);

int attach_tc(struct egress_dp *dp, int ifindex, char *err, size_t errlen);
/* 1 when tc_to_sandbox is attached at egress of ifindex, 0 when not. */
int attached_tc(int ifindex);
int detach_tc(int ifindex);

#endif /* EGRESSD_ATTACH_H */
