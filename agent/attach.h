/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attaching the data path to a sandbox's interface. What the guest sends:
 * xdp_egress through libxdp (its dispatcher where the kernel allows it, a
 * plain attach otherwise), or the same decisions as the tc ingress
 * classifier tc_from_sandbox; what goes to the guest: tc_to_sandbox on tc
 * egress. tc programs go through libbpf's tc API.
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

/*
 * The ingress attach mode egressd uses for mode ("auto", "tc", "skb" or
 * "native") on ifindex: "auto" picks by interface kind (tc on veth and tap).
 */
const char *attach_mode_resolve(int ifindex, const char *mode);
/* Attaches what decides the guest's frames; how: "tc", "skb", "multiprog-skb", ... */
int attach_ingress(struct egress_dp *dp, int ifindex, const char *mode, char *how,
		   char *err, size_t errlen);
/* 1 and how when xdp_egress or tc_from_sandbox decides ifindex's frames, 0 when not. */
int attached_ingress(int ifindex, char *how);
/* Detaches either. */
int detach_ingress(int ifindex);

int attach_tc(struct egress_dp *dp, int ifindex, char *err, size_t errlen);
/* 1 when tc_to_sandbox is attached at egress of ifindex, 0 when not. */
int attached_tc(int ifindex);
int detach_tc(int ifindex);

#endif /* EGRESSD_ATTACH_H */
