// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "datapath.h"
#include "errmsg.h"
#include "egress.skel.h"

#define XDP_PROG_NAME	"xdp_egress"
#define TC_PROG_NAME	"tc_to_sandbox"
/* Our filter on the clsact egress hook. */
#define TC_HANDLE	0xe9
#define TC_PRIORITY	0xe9

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

int attach_tc(struct egress_dp *dp, int ifindex, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIORITY,
		    .prog_fd = egress_dp_tc_fd(dp), .flags = BPF_TC_F_REPLACE);
	int ret;

	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return egress_errf(err, errlen, ret, "cannot create the clsact qdisc: %s",
				   strerror(-ret));
	ret = bpf_tc_attach(&hook, &o);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot attach the tc program: %s",
				   strerror(-ret));
	return 0;
}

int attached_tc(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, found;

	if (bpf_tc_query(&hook, &o) || !o.prog_id)
		return 0;
	fd = bpf_prog_get_fd_by_id(o.prog_id);
	if (fd < 0)
		return 0;
	found = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, TC_PROG_NAME);
	close(fd);
	return found;
}

int detach_tc(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	int ret = bpf_tc_detach(&hook, &o);

	return ret == -ENOENT ? 0 : ret;
}
