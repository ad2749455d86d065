// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "datapath.h"
#include "errmsg.h"
#include "egress.skel.h"

#define XDP_PROG_NAME	"xdp_egress"
#define TC_PROG_NAME	"tc_to_sandbox"
#define TC_IN_PROG_NAME	"tc_from_sandbox"
/* Our filter on the clsact hooks. */
#define TC_HANDLE	0xe9
#define TC_PRIORITY	0xe9
/*
 * tc_from_sandbox runs first on the ingress hook (the lowest priority
 * number), so that no other classifier can accept a frame before it is
 * decided.
 */
#define TC_IN_PRIORITY	1

static __u32 tc_priority(enum bpf_tc_attach_point where)
{
	return where == BPF_TC_INGRESS ? TC_IN_PRIORITY : TC_PRIORITY;
}

/*
 * A copy of the object whose maps are the data path's own (pinned) maps:
 * libxdp loads its XDP program as an extension of the dispatcher.
 */
static struct bpf_object *object_on_maps(struct egress_dp *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .object_name = "egress");
	struct bpf_program *p;
	struct bpf_object *obj;
	struct bpf_map *m;
	const void *elf;
	size_t sz;

	elf = egress_bpf__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &o);
	if (!obj)
		return NULL;
	bpf_object__for_each_map(m, obj) {
		int fd;

		if (bpf_map__is_internal(m))
			continue;
		fd = egress_dp_map_fd(dp, bpf_map__name(m));
		if (fd < 0 || bpf_map__reuse_fd(m, fd)) {
			bpf_object__close(obj);
			errno = fd < 0 ? -fd : errno;
			return NULL;
		}
	}
	bpf_object__for_each_program(p, obj)
		if (strcmp(bpf_program__name(p), XDP_PROG_NAME))
			bpf_program__set_autoload(p, false);
	return obj;
}

static void how_str(struct xdp_multiprog *mp, char *how)
{
	enum xdp_attach_mode m = xdp_multiprog__attach_mode(mp);
	const char *mode = m == XDP_MODE_NATIVE ? "native" : m == XDP_MODE_HW ? "hw" : "skb";

	snprintf(how, 24, "%s%s", xdp_multiprog__is_legacy(mp) ? "" : "multiprog-", mode);
}

int attached_xdp(int ifindex, char *how)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;
	int found = 0;

	if (!mp || libxdp_get_error(mp))
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		found = p && !strcmp(xdp_program__name(p), XDP_PROG_NAME);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (!strcmp(xdp_program__name(p), XDP_PROG_NAME))
				found = 1;
	}
	if (found && how)
		how_str(mp, how);
	xdp_multiprog__close(mp);
	return found;
}

int attach_xdp(struct egress_dp *dp, int ifindex, const char *mode, char *how,
	       char *err, size_t errlen)
{
	enum xdp_attach_mode m = strcmp(mode, "native") ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, po, .prog_name = XDP_PROG_NAME);
	struct xdp_program *prog;
	struct bpf_object *obj;
	int ret;

	obj = object_on_maps(dp);
	if (!obj)
		return egress_errf(err, errlen, -errno, "cannot open the XDP object: %s",
				   strerror(errno));
	po.obj = obj;
	prog = xdp_program__create(&po);
	ret = libxdp_get_error(prog);
	if (!ret) {
		ret = xdp_program__attach(prog, ifindex, m, 0);
		xdp_program__close(prog);
	}
	bpf_object__close(obj);
	if (ret) {
		/* no dispatcher here: the program alone, as libbpf attaches it */
		__u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST |
			      (m == XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);

		if (bpf_xdp_attach(ifindex, egress_dp_xdp_fd(dp), flags, NULL))
			return egress_errf(err, errlen, -errno,
					   "cannot attach XDP (%s mode): %s", mode,
					   strerror(errno));
	}
	if (!attached_xdp(ifindex, how))
		return egress_errf(err, errlen, -EIO, "XDP attached but not found on the interface");
	return 0;
}

int detach_xdp(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;
	int ret = 0;

	if (!mp || libxdp_get_error(mp))
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), XDP_PROG_NAME))
			ret = xdp_multiprog__detach(mp);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
			if (strcmp(xdp_program__name(p), XDP_PROG_NAME))
				continue;
			ret = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
			break;
		}
	}
	xdp_multiprog__close(mp);
	return ret;
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point where, int prog_fd,
		     char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = tc_priority(where),
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	const char *hook_name = where == BPF_TC_INGRESS ? "ingress" : "egress";
	int ret;

	if (prog_fd < 0)
		return egress_errf(err, errlen, prog_fd, "cannot load the tc %s program: %s",
				   hook_name, strerror(-prog_fd));
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return egress_errf(err, errlen, ret, "cannot create the clsact qdisc: %s",
				   strerror(-ret));
	ret = bpf_tc_attach(&hook, &o);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot attach the tc %s program: %s",
				   hook_name, strerror(-ret));
	return 0;
}

static int tc_attached(int ifindex, enum bpf_tc_attach_point where, const char *name)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = tc_priority(where));
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, found;

	if (bpf_tc_query(&hook, &o) || !o.prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(o.prog_id);
	if (fd < 0)
		return 0;
	found = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		!strncmp(info.name, name, sizeof(info.name) - 1);
	close(fd);
	return found;
}

static int tc_detach(int ifindex, enum bpf_tc_attach_point where)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = tc_priority(where));
	int ret = bpf_tc_detach(&hook, &o);

	return ret == -ENOENT ? 0 : ret;
}

int attach_tc(struct egress_dp *dp, int ifindex, char *err, size_t errlen)
{
	return tc_attach(ifindex, BPF_TC_EGRESS, egress_dp_tc_fd(dp), err, errlen);
}

int attached_tc(int ifindex)
{
	return tc_attached(ifindex, BPF_TC_EGRESS, TC_PROG_NAME);
}

int detach_tc(int ifindex)
{
	return tc_detach(ifindex, BPF_TC_EGRESS);
}

/* The interface's driver ("veth", "tun", ...) as ethtool reports it. */
static int iface_driver(int ifindex, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd, ret = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		ret = -errno;
	close(fd);
	if (!ret)
		snprintf(buf, len, "%s", info.driver);
	return ret;
}

const char *attach_mode_resolve(int ifindex, const char *mode)
{
	char drv[32];

	if (strcmp(mode, "auto"))
		return mode;
	/*
	 * Measured (BENCHMARKS.md, "Attach mode per interface kind"): on a
	 * veth and a tap a tc ingress classifier keeps TCP throughput where
	 * XDP in either mode does not. Other kinds: generic XDP, which works
	 * on every interface.
	 */
	if (!iface_driver(ifindex, drv, sizeof(drv)) &&
	    (!strcmp(drv, "veth") || !strcmp(drv, "tun")))
		return "tc";
	return "skb";
}

int attach_ingress(struct egress_dp *dp, int ifindex, const char *mode, char *how,
		   char *err, size_t errlen)
{
	int ret;

	mode = attach_mode_resolve(ifindex, mode);
	if (strcmp(mode, "tc"))
		return attach_xdp(dp, ifindex, mode, how, err, errlen);
	ret = tc_attach(ifindex, BPF_TC_INGRESS, egress_dp_tc_in_fd(dp), err, errlen);
	if (ret)
		return ret;
	if (!attached_ingress(ifindex, how))
		return egress_errf(err, errlen, -EIO,
				   "tc ingress attached but not found on the interface");
	return 0;
}

int attached_ingress(int ifindex, char *how)
{
	if (attached_xdp(ifindex, how))
		return 1;
	if (!tc_attached(ifindex, BPF_TC_INGRESS, TC_IN_PROG_NAME))
		return 0;
	if (how)
		snprintf(how, 24, "tc");
	return 1;
}

int detach_ingress(int ifindex)
{
	int ret = detach_xdp(ifindex), ret2 = tc_detach(ifindex, BPF_TC_INGRESS);

	return ret ? ret : ret2;
}
