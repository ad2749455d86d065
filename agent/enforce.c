// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "datapath.h"
#include "enforce.h"
#include "errmsg.h"
#include "main.h"
#include "rule.h"

static void v4_mapped(__u8 out[16], const struct in_addr *a)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a, 4);
}

/* The addresses on the host side of an interface (DESIGN 5: default resolvers). */
static void host_addrs(const char *iface, __u8 (*out)[16], size_t *n)
{
	struct ifaddrs *ifa, *i;

	*n = 0;
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i && *n < SB_MAX_ADDRS; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, iface))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			v4_mapped(out[(*n)++], &((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a6 = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			memcpy(out[(*n)++], a6, 16);
		}
	}
	freeifaddrs(ifa);
}

static int scope_build(struct agent *a, const struct scope *sc, __u16 *slot,
		       char *err, size_t errlen)
{
	int ret = egress_dp_slot_alloc(a->dp, slot);
	__u32 n_names = 0;
	size_t failed;

	if (ret)
		return egress_errf(err, errlen, ret, "no free rule slot");
	/* a name table with room for these and as many more added one by one */
	for (size_t i = 0; i < sc->n_rules; i++)
		n_names += sc->rules[i].r.kind != EGRESS_RULE_IP;
	ret = egress_dp_slot_reserve(a->dp, *slot, n_names);
	if (ret) {
		egress_dp_slot_free(a->dp, *slot);
		*slot = EGRESS_SLOT_NONE;
		return egress_errf(err, errlen, ret, "cannot make a name table: %s", strerror(-ret));
	}
	/* the fresh slot no sandbox names yet: a few batch updates for all rules */
	ret = egress_dp_slot_load_rules(a->dp, *slot, sc->n_rules ? &sc->rules[0].r : NULL,
					sc->n_rules, sizeof(*sc->rules), &failed);
	if (ret) {
		egress_dp_slot_free(a->dp, *slot);
		*slot = EGRESS_SLOT_NONE;
		if (failed < sc->n_rules)
			return egress_errf(err, errlen, ret, "cannot load rule %u (%s): %s",
					   sc->rules[failed].r.id, sc->rules[failed].r.pattern,
					   strerror(-ret));
		return egress_errf(err, errlen, ret, "cannot load the rules: %s", strerror(-ret));
	}
	return 0;
}

static struct egress_sandbox sb_value(const struct agent *a, const struct sandbox *sb)
{
	struct egress_sandbox v = {
		.id = sb->id,
		.generation = sb->generation,
		.mode = sandbox_mode(a, sb),
		.event_window_ms = a->cfg.event_window_ms,
	};

	if (sb->has_mac) {
		v.flags |= EGRESS_SB_F_CHECK_MAC;
		memcpy(v.mac, sb->mac, 6);
	}
	if (sb->n_ips)
		v.flags |= EGRESS_SB_F_CHECK_IP;
	v.slot[EGRESS_SCOPE_NONE] = EGRESS_SLOT_NONE;
	v.slot[EGRESS_SCOPE_ALWAYS] = a->always.slot;
	v.slot[EGRESS_SCOPE_GLOBAL] = a->global.slot;
	v.slot[EGRESS_SCOPE_SANDBOX] = sb->scope.slot;
	return v;
}

static int sb_write(struct agent *a, struct sandbox *sb)
{
	struct egress_sandbox v = sb_value(a, sb);

	if (!sb->ifindex)
		return 0;	/* interface gone: nothing to enforce on */
	return egress_dp_sandbox_set(a->dp, sb->ifindex, &v);
}

static int addrs_load(struct agent *a, struct sandbox *sb)
{
	int ret = 0;

	if (!sb->has_resolvers)
		host_addrs(sb->iface, sb->resolvers, &sb->n_resolvers);
	for (size_t i = 0; !ret && i < sb->n_ips; i++)
		ret = egress_dp_src_addr_add(a->dp, sb->id, sb->ips[i]);
	for (size_t i = 0; !ret && i < sb->n_resolvers; i++)
		ret = egress_dp_resolver_add(a->dp, sb->id, sb->resolvers[i]);
	return ret;
}

static void sandbox_undo(struct agent *a, struct sandbox *sb, bool detach)
{
	if (detach) {
		detach_ingress(sb->ifindex);
		detach_tc(sb->ifindex);
	}
	if (sb->ifindex)
		egress_dp_sandbox_del(a->dp, sb->ifindex);
	egress_dp_flow_table_delete(a->dp, sb->id);
	egress_dp_src_addrs_clear(a->dp, sb->id);
	egress_dp_resolvers_clear(a->dp, sb->id);
	if (sb->scope.slot != EGRESS_SLOT_NONE)
		egress_dp_slot_free(a->dp, sb->scope.slot);
	sb->scope.slot = EGRESS_SLOT_NONE;
	sb->attach_xdp[0] = '\0';
}

int enforce_sandbox_add(struct agent *a, struct sandbox *sb, char *err, size_t errlen)
{
	int ret;

	sb->ifindex = if_nametoindex(sb->iface);
	if (!sb->ifindex)
		return egress_errf(err, errlen, -ENOENT, "no interface %s", sb->iface);
	for (size_t i = 0; i < a->n_sbs; i++)
		if (a->sbs[i] != sb && a->sbs[i]->ifindex == sb->ifindex)
			return egress_errf(err, errlen, -EEXIST, "%s is sandbox '%s''s interface",
					   sb->iface, a->sbs[i]->name);
	if (attached_ingress(sb->ifindex, NULL) || attached_tc(sb->ifindex))
		return egress_errf(err, errlen, -EEXIST,
				   "%s already has egressd's programs attached (egressd --cleanup?)",
				   sb->iface);
	ret = egress_dp_flow_table_create(a->dp, sb->id, EGRESS_FLOWS_PER_SANDBOX);
	if (ret) {
		egress_errf(err, errlen, ret, "cannot create the flow table: %s", strerror(-ret));
		goto undo;
	}
	ret = addrs_load(a, sb);
	if (ret) {
		egress_errf(err, errlen, ret, "cannot load the addresses: %s", strerror(-ret));
		goto undo;
	}
	ret = scope_build(a, &sb->scope, &sb->scope.slot, err, errlen);
	if (ret)
		goto undo;
	ret = sb_write(a, sb);
	if (ret) {
		egress_errf(err, errlen, ret, "cannot register the sandbox: %s", strerror(-ret));
		goto undo;
	}
	/* the entry is in place before the first frame can reach the program */
	ret = attach_ingress(a->dp, sb->ifindex, sb->xdp_mode, sb->attach_xdp, err, errlen);
	if (ret)
		goto undo;
	ret = attach_tc(a->dp, sb->ifindex, err, errlen);
	if (ret)
		goto undo_attached;
	return 0;
undo_attached:
	sandbox_undo(a, sb, true);
	return ret;
undo:
	sandbox_undo(a, sb, false);
	return ret;
}

int enforce_sandbox_del(struct agent *a, struct sandbox *sb)
{
	sandbox_undo(a, sb, sb->ifindex != 0);
	return 0;
}

static struct sandbox *scope_owner(struct agent *a, const struct scope *sc)
{
	for (size_t i = 0; i < a->n_sbs; i++)
		if (&a->sbs[i]->scope == sc)
			return a->sbs[i];
	return NULL;
}

/* Rewrites the entries of the sandboxes sc reaches, generation bumped. */
static int scope_publish(struct agent *a, struct scope *sc, struct sandbox *owner)
{
	int ret = 0;

	if (owner) {
		owner->generation++;
		return sb_write(a, owner);
	}
	a->global_generation++;
	for (size_t i = 0; i < a->n_sbs; i++) {
		int r;

		a->sbs[i]->generation++;
		r = sb_write(a, a->sbs[i]);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

int enforce_scope(struct agent *a, struct scope *sc, const struct arule *added,
		  char *err, size_t errlen)
{
	struct sandbox *owner = scope_owner(a, sc);
	__u16 old = sc->slot, slot;
	int ret;

	if (added && old != EGRESS_SLOT_NONE) {
		/* one rule: one map update, atomic for every reader */
		if (added->r.kind == EGRESS_RULE_IP)
			ret = egress_dp_ip_rule_add(a->dp, old, added->r.action, &added->r.prefix,
						    added->r.id);
		else
			ret = egress_dp_name_rule_add(a->dp, old, &added->r);
		if (!ret) {
			ret = scope_publish(a, sc, owner);
			if (ret)
				return egress_errf(err, errlen, ret, "cannot update the sandbox entry: %s",
						   strerror(-ret));
			return 0;
		}
		/* an adopted slot is not edited: rebuild below */
	}
	ret = scope_build(a, sc, &slot, err, errlen);
	if (ret)
		return ret;
	sc->slot = slot;
	ret = scope_publish(a, sc, owner);
	if (ret) {
		sc->slot = old;
		scope_publish(a, sc, owner);
		egress_dp_slot_free(a->dp, slot);
		return egress_errf(err, errlen, ret, "cannot switch to the new rules: %s",
				   strerror(-ret));
	}
	if (old != EGRESS_SLOT_NONE)
		egress_dp_slot_free(a->dp, old);
	return 0;
}

static bool addr_in(const __u8 (*list)[16], size_t n, const __u8 addr[16])
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(list[i], addr, 16))
			return true;
	return false;
}

/*
 * The sandbox's resolvers become sb->resolvers: the new ones are added
 * before the old ones go, so a resolver in both lists never disappears
 * (a DNS query meanwhile is never sent to a missing one).
 */
static int resolvers_replace(struct agent *a, struct sandbox *sb)
{
	struct egress_src_key key, next, *prev = NULL;
	__u8 gone[SB_MAX_ADDRS * 4][16];
	size_t n_gone = 0;
	int fd, ret;

	for (size_t i = 0; i < sb->n_resolvers; i++) {
		ret = egress_dp_resolver_add(a->dp, sb->id, sb->resolvers[i]);
		if (ret)
			return ret;
	}
	fd = egress_dp_map_fd(a->dp, "resolvers");
	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &next) && n_gone < SB_MAX_ADDRS * 4) {
		key = next;
		prev = &key;
		if (key.sandbox_id == sb->id &&
		    !addr_in((const __u8 (*)[16])sb->resolvers, sb->n_resolvers, key.addr))
			memcpy(gone[n_gone++], key.addr, 16);
	}
	for (size_t i = 0; i < n_gone; i++)
		egress_dp_resolver_del(a->dp, sb->id, gone[i]);
	return 0;
}

int enforce_sandbox_update(struct agent *a, struct sandbox *sb, char *err, size_t errlen)
{
	int ret;

	if (sb->has_resolvers) {
		ret = resolvers_replace(a, sb);
		if (ret)
			return egress_errf(err, errlen, ret, "cannot update the resolvers: %s",
					   strerror(-ret));
	}
	sb->generation++;
	ret = sb_write(a, sb);
	if (ret)
		return egress_errf(err, errlen, ret, "cannot update the sandbox entry: %s",
				   strerror(-ret));
	return 0;
}

int enforce_status(struct agent *a, cJSON *result)
{
	cJSON *maps = cJSON_AddArrayToObject(result, "maps"), *ev;
	__u64 st[EGRESS_STAT__MAX] = {};
	struct dirent *de;
	DIR *d;

	d = a->bpffs ? opendir(a->bpffs) : NULL;
	while (d && (de = readdir(d))) {
		__u32 n, max;
		cJSON *o;

		if (egress_dp_map_fill(a->dp, de->d_name, &n, &max))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", de->d_name);
		cJSON_AddNumberToObject(o, "entries", n);
		cJSON_AddNumberToObject(o, "max_entries", max);
		cJSON_AddItemToArray(maps, o);
	}
	if (d)
		closedir(d);
	egress_dp_stats(a->dp, st);
	ev = cJSON_AddObjectToObject(result, "events");
	cJSON_AddNumberToObject(ev, "emitted", st[EGRESS_STAT_EVENTS_EMITTED]);
	cJSON_AddNumberToObject(ev, "lost", st[EGRESS_STAT_EVENTS_LOST]);
	cJSON_AddNumberToObject(ev, "suppressed", st[EGRESS_STAT_EVENTS_SUPPRESSED]);
	cJSON_AddNumberToObject(ev, "written", a->events_written);
	return 0;
}

/* --- start and cleanup ------------------------------------------------------ */

int enforce_start(struct agent *a)
{
	int sb_fd = egress_dp_map_fd(a->dp, EGRESS_MAP_SANDBOXES);
	__u16 *stale = calloc(EGRESS_MAX_RULE_SLOTS, sizeof(*stale));
	size_t n_stale = 0;
	char err[512];
	__u32 key, next, *prev = NULL;
	int ret = 0;

	if (!stale)
		return -ENOMEM;
	/* slots of the adopted policy: freed once everything is switched */
	for (__u16 s = 0; s < EGRESS_MAX_RULE_SLOTS; s++)
		if (egress_dp_slot_in_use(a->dp, s))
			stale[n_stale++] = s;
	if ((ret = scope_build(a, &a->always, &a->always.slot, err, sizeof(err))) ||
	    (ret = scope_build(a, &a->global, &a->global.slot, err, sizeof(err)))) {
		fprintf(stderr, "egressd: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < a->n_sbs; i++) {
		struct sandbox *sb = a->sbs[i];
		__u32 ifindex = if_nametoindex(sb->iface);
		bool xdp, tc;

		if (!ifindex) {
			fprintf(stderr, "egressd: drift: sandbox %s: interface %s is gone; not enforced\n",
				sb->name, sb->iface);
			sb->ifindex = 0;
			sb->attach_xdp[0] = '\0';
			continue;
		}
		if (ifindex != sb->ifindex) {
			fprintf(stderr, "egressd: drift: sandbox %s: %s is now ifindex %u (was %u)\n",
				sb->name, sb->iface, ifindex, sb->ifindex);
			if (sb->ifindex)
				egress_dp_sandbox_del(a->dp, sb->ifindex);
			sb->ifindex = ifindex;
		}
		if (!egress_dp_flow_table_exists(a->dp, sb->id)) {
			if (egress_dp_adopted(a->dp))
				fprintf(stderr, "egressd: drift: sandbox %s had no flow table\n", sb->name);
			ret = egress_dp_flow_table_create(a->dp, sb->id, EGRESS_FLOWS_PER_SANDBOX);
			if (ret)
				goto fail;
		}
		ret = addrs_load(a, sb);
		if (ret)
			goto fail;
		ret = scope_build(a, &sb->scope, &sb->scope.slot, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "egressd: sandbox %s: %s\n", sb->name, err);
			goto out;
		}
		sb->generation++;
		ret = sb_write(a, sb);
		if (ret)
			goto fail;
		xdp = attached_ingress(ifindex, sb->attach_xdp);
		tc = attached_tc(ifindex);
		if (!xdp) {
			if (egress_dp_adopted(a->dp))
				fprintf(stderr, "egressd: drift: sandbox %s: nothing decided %s's frames; attaching\n",
					sb->name, sb->iface);
			ret = attach_ingress(a->dp, ifindex, sb->xdp_mode, sb->attach_xdp, err, sizeof(err));
			if (ret) {
				fprintf(stderr, "egressd: sandbox %s: %s\n", sb->name, err);
				goto out;
			}
		}
		if (!tc) {
			if (egress_dp_adopted(a->dp))
				fprintf(stderr, "egressd: drift: sandbox %s: tc was not attached to %s; attaching\n",
					sb->name, sb->iface);
			ret = attach_tc(a->dp, ifindex, err, sizeof(err));
			if (ret) {
				fprintf(stderr, "egressd: sandbox %s: %s\n", sb->name, err);
				goto out;
			}
		}
		if (xdp && tc)
			fprintf(stderr, "egressd: sandbox %s: adopted on %s (ingress %s)\n", sb->name,
				sb->iface, sb->attach_xdp);
	}
	/* entries the state does not know: reported, left alone */
	while (!bpf_map_get_next_key(sb_fd, prev, &next)) {
		struct egress_sandbox v;
		bool known = false;

		for (size_t i = 0; i < a->n_sbs; i++)
			known |= a->sbs[i]->ifindex == next;
		if (!known && !bpf_map_lookup_elem(sb_fd, &next, &v))
			fprintf(stderr, "egressd: drift: ifindex %u carries sandbox id %u, which the state does not know\n",
				next, v.id);
		key = next;
		prev = &key;
	}
	for (size_t i = 0; i < n_stale; i++)
		egress_dp_slot_free(a->dp, stale[i]);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "egressd: loading a sandbox: %s\n", strerror(-ret));
out:
	free(stale);
	return ret;
}

int enforce_cleanup(struct egress_dp *dp)
{
	int sb_fd = egress_dp_map_fd(dp, EGRESS_MAP_SANDBOXES);
	__u32 key, next, *prev = NULL;
	int ret = 0;

	while (!bpf_map_get_next_key(sb_fd, prev, &next)) {
		if (detach_ingress(next) || detach_tc(next)) {
			fprintf(stderr, "egressd: cannot detach from ifindex %u\n", next);
			ret = -EIO;
		}
		key = next;
		prev = &key;
	}
	if (egress_dp_unpin(dp))
		ret = -EIO;
	return ret;
}
