#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Through the kernel: TCP throughput (iperf3, 1 and 4 streams, sandbox to
# host) over veth and over the tap relay, with no program, an empty XDP
# program attached natively and in generic mode, an empty tc ingress
# program, and egressd (its default attach, an IP rule allowing the server);
# then connection setup (TCP connect + TLS handshake, p50/p99) with no
# program and with egressd deciding by an IP rule and by the SNI. Medians
# over repeated runs, the configurations interleaved within each repeat.
#
#   bench/through.sh BUILDDIR [--quick]     one JSON object on stdout
set -euo pipefail
BUILDDIR=$1
quick=${2:-}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lab.sh
. bench/lab.sh

if [[ -n $quick ]]; then
	reps=1 secs=1 conns=300 conn_reps=3
else
	reps=3 secs=3 conns=2000 conn_reps=9
fi
progs=(none xdp-generic xdp-native tc-ingress egressd)

lab_init
lab_up
servers_up
egressd_start

res=$LAB_DIR/through.jsonl
: >"$res"

# one throughput run: KIND (veth|tap), PROG, STREAMS
through_one() {
	local kind=$1 prog=$2 streams=$3 dev dst v
	if [[ $kind == veth ]]; then dev=$HIF dst=$HOST_IP; else dev=$HTAP dst=$HOST_TAP_IP; fi
	if [[ $prog == egressd ]]; then
		egressd_sandbox sb "$dev" "{\"mode\": \"deny\", \"allow\": [\"$dst\"]}"
	else
		attach "$prog" "$dev"
	fi
	v=$(iperf "$dst" "$streams" "$secs")
	if [[ $prog == egressd ]]; then egressd_sandbox_del sb; else detach "$prog" "$dev"; fi
	jq -nc --arg k "$kind" --arg p "$prog" --argjson s "$streams" --argjson v "$v" \
		'{kind: $k, prog: $p, streams: $s, gbit_s: $v}' >>"$res"
	say "through: $kind $prog $streams stream(s): $v Gbit/s"
}

kinds=(veth)
[[ -n $TAPRELAY ]] && kinds+=(tap)
# one run per interface first, not counted: the first run after the lab
# comes up is slower (caches, the relay's first frames)
for kind in "${kinds[@]}"; do
	if [[ $kind == veth ]]; then iperf "$HOST_IP" 1 1 >/dev/null; else iperf "$HOST_TAP_IP" 1 1 >/dev/null; fi
done
for ((r = 0; r < reps; r++)); do
	for kind in "${kinds[@]}"; do
		for streams in 1 4; do
			for prog in "${progs[@]}"; do
				through_one "$kind" "$prog" "$streams"
			done
		done
	done
done

# connection setup: none, egressd (IP rule), egressd (name rule, SNI
# checked, the name bound to the address by a DNS answer first)
conn=$LAB_DIR/connect.jsonl
: >"$conn"
connect_one() {
	local how=$1 out
	case $how in
	ip) egressd_sandbox sb "$HIF" "{\"mode\": \"deny\", \"allow\": [\"$HOST_IP\"]}" ;;
	name)
		egressd_sandbox sb "$HIF" "{\"mode\": \"deny\", \"allow\": [\"$LAB_NAME\"], \"resolvers\": [\"$HOST_IP\"]}"
		insb "$CONNECT" --dns "$HOST_IP" --sni "$LAB_NAME" --count 1 --warmup 0 >/dev/null ||
			die "egressd: $LAB_NAME not reachable by name"
		;;
	esac
	# paired: every other connection over the pair veth, which has nothing attached
	out=$(insb "$CONNECT" --addr "$HOST_IP" --pair "$HOST_PAIR_IP" --sni "$LAB_NAME" \
		--count "$conns" --warmup 50)
	[[ $how != none ]] && egressd_sandbox_del sb
	jq -c --arg h "$how" '{how: $h} + .' <<<"$out" >>"$conn"
	say "connect: $how: $(jq -c '{p50_us, p99_us, failed, added_p50_us, added_p99_us}' <<<"$out")"
}
# the order rotates from run to run, so that a drift over the runs (caches,
# other work on the machine) falls on each configuration alike
hows=(none ip name)
for ((r = 0; r < conn_reps; r++)); do
	for ((i = 0; i < ${#hows[@]}; i++)); do
		connect_one "${hows[(i + r) % ${#hows[@]}]}"
	done
done

jq -s --slurpfile c "$conn" --arg tapwhy "$TAPRELAY_WHY" --argjson reps "$reps" --argjson creps "$conn_reps" \
	--argjson secs "$secs" --argjson conns "$conns" '
  def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  def r3: if . == null then null else . * 1000 | round / 1000 end;
  def r1: if . == null then null else . * 10 | round / 10 end;
  (group_by([.kind, .prog, .streams]) | map({kind: .[0].kind, prog: .[0].prog,
     streams: .[0].streams, gbit_s: (map(.gbit_s) | med), runs: map(.gbit_s)})) as $t |
  ($t | map(select(.prog == "none")) | map({key: "\(.kind)/\(.streams)", value: .gbit_s}) | from_entries) as $base |
  ($t | map(. + {ratio: (if $base["\(.kind)/\(.streams)"] and .gbit_s then .gbit_s / $base["\(.kind)/\(.streams)"] | r3 else null end)})) as $tt |
  ($c | group_by(.how) | map({key: .[0].how, value: {p50_us: (map(.p50_us) | med),
     p99_us: (map(.p99_us) | med), failed: (map(.failed + .pair.failed) | add), n: (map(.n) | add),
     pair_p50_us: (map(.pair.p50_us) | med), pair_p99_us: (map(.pair.p99_us) | med),
     added_p50_us: (map(.added_p50_us) | med | r1), added_p99_us: (map(.added_p99_us) | med | r1)}})
     | from_entries) as $cc |
  def worst($kind): [$tt[] | select(.kind == $kind and .prog == "egressd") | .ratio] |
     if length == 0 or any(. == null) then null else min end;
  {
    config: {repeats: $reps, connect_repeats: $creps, iperf_seconds: $secs, connections: $conns},
    throughput: $tt,
    tap_missing: (if $tapwhy == "" then null else $tapwhy end),
    connect: $cc,
    summary: {
      throughput_ratio_veth: worst("veth"),
      throughput_ratio_tap: worst("tap"),
      connect_p50_added_us: ([$cc.ip.added_p50_us, $cc.name.added_p50_us] | if any(. == null) then null else max end),
      connect_p99_added_us: ([$cc.ip.added_p99_us, $cc.name.added_p99_us] | if any(. == null) then null else max end)
    }
  }' "$res"
