#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The capabilities egressd.service grants are enough, and needed: with only
# the unit's CapabilityBoundingSet, egress.bpf.o loads and pins, attaches
# with XDP and tc on a veth in a network namespace, and is opened by id (as
# libxdp and a restarted egressd do), and egress_in.bpf.o loads and attaches
# at tc ingress; without CAP_SYS_ADMIN it is not.
#
#   capabilities.sh UNIT BPF_OBJECT BPF_OBJECT_TC_INGRESS
set -euo pipefail

unit=$1
obj=$2
obj_in=$3
me=capabilities.sh
ns=ecl-caps-$$
pin=/sys/fs/bpf/ecl-caps-$$

[[ $(id -u) -eq 0 ]] || { echo "$me: needs root" >&2; exit 77; }
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[[ -n $caps ]] || { echo "$me: no CapabilityBoundingSet in $unit" >&2; exit 1; }
# CAP_BPF CAP_NET_ADMIN -> +bpf,+net_admin
set_of() { tr ' ' '\n' <<<"$1" | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd,; }

cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$pin"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link add ecl-a type veth peer name ecl-b
ip -n "$ns" link set ecl-a up
ip -n "$ns" link set ecl-b up

# nsenter, not ip netns exec: that one mounts a new /sys without bpffs
run() {
	local set=$1
	shift
	nsenter --net=/run/netns/"$ns" setpriv --inh-caps=-all,"$set" \
		--ambient-caps=-all,"$set" --bounding-set=-all,"$set" -- "$@"
}

try() {
	local set=$1 dir=$pin/$2
	run "$set" bpftool prog loadall "$obj" "$dir" pinmaps "$dir/maps" || return 1
	local id
	[[ -e $dir/xdp_egress && -e $dir/tc_to_sandbox ]] || { ls "$dir" >&2; return 1; }
	run "$set" ip link set dev ecl-a xdpgeneric pinned "$dir/xdp_egress" || return 1
	run "$set" tc qdisc replace dev ecl-a clsact || return 1
	run "$set" tc filter replace dev ecl-a egress bpf da pinned "$dir/tc_to_sandbox" || return 1
	id=$(bpftool prog show pinned "$dir/xdp_egress" | head -1 | cut -d: -f1)
	run "$set" bpftool prog show id "$id" >/dev/null || return 1
	ip -n "$ns" link set dev ecl-a xdpgeneric off
	run "$set" bpftool prog loadall "$obj_in" "$dir/in" pinmaps "$dir/in-maps" || return 1
	run "$set" tc filter replace dev ecl-a ingress bpf da pinned "$dir/in/tc_from_sandbox" ||
		return 1
	tc -n "$ns" filter show dev ecl-a ingress | grep -q tc_from_sandbox || return 1
	tc -n "$ns" qdisc del dev ecl-a clsact
}

mkdir -p "$pin"
full=$(set_of "$caps")
if ! try "$full" full; then
	echo "$me: FAIL: the unit's capabilities ($caps) are not enough" >&2
	exit 1
fi
echo "ok: $caps load, pin, attach XDP and tc (egress, and ingress), open by id"
less=$(set_of "$(tr ' ' '\n' <<<"$caps" | grep -v CAP_SYS_ADMIN | paste -sd' ')")
if try "$less" less 2>/dev/null; then
	echo "$me: FAIL: without CAP_SYS_ADMIN it all still works: drop it from the unit" >&2
	exit 1
fi
echo "ok: without CAP_SYS_ADMIN it fails"
echo "2 passed, 0 failed"
