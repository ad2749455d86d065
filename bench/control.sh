#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Control plane and audit. A policy change is timed from the start of the
# egressctl command until the data path enforces it: a probe in the sandbox
# (egress-connect --probe) opens a connection every 100 us (a SYN given up
# after 10 ms without an answer, TCP connect + TLS handshake with the name
# as SNI), sees them refused, then starts the command itself and takes the
# time around it (posix_spawn to the first try let through, to the
# command's exit), so neither a shell nor a try's timeout is in the time.
#   one rule  `egressctl allow NAME --sandbox S`, NAME already bound to the
#             server's address by a DNS answer, and `egressctl remove NAME
#             --sandbox S` after it (the probe, --refuse, times until the
#             first try is refused);
#   bulk      `egressctl policy import FILE S` of a policy of 1M names
#             (10k with --quick) that includes the probe's name;
#   one rule among bulk  allow and remove again, the 1M names in the
#             sandbox (what grows with the rules already there).
# Audit: audit-bench (the audit log as egressd drives it) at increasing
# fixed rates; the highest rate with zero loss, and where loss starts.
#
#   bench/control.sh BUILDDIR [--quick]     one JSON object on stdout
set -euo pipefail
BUILDDIR=$1
quick=${2:-}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lab.sh
. bench/lab.sh

if [[ -n $quick ]]; then
	reps=3 bulk=10000 bulk_reps=1 bulk_probe_s=20 among_reps=3 audit_secs=1 rates=(200000 400000)
else
	reps=15 bulk=1000000 bulk_reps=3 bulk_probe_s=180 among_reps=5 audit_secs=3 rates=(50000 100000 200000 400000 800000 1200000 1600000)
fi

lab_init
# egressctl as run by the probe: the socket is a path, any namespace reaches it
CTL=("$EGRESSCTL" --socket "$LAB_SOCK")
lab_up
servers_up
egressd_start
out=$LAB_DIR/control.jsonl
: >"$out"

# The probe starts CMD... once it has seen RUN_AFTER_MS of tries refused
# (REFUSE=1: let through) and times it: from CMD's start until the first
# try that saw the change sent its SYN (a try every INTERVAL_US), and until
# CMD returned; the probe gives up PROBE_S seconds after CMD started.
PROBE_S=30 RUN_AFTER_MS=300 INTERVAL_US=100
change_ms() {
	local name=$1 ok=true refuse=()
	shift
	[[ -n ${REFUSE:-} ]] && refuse=(--refuse)
	insb "$CONNECT" --addr "$HOST_IP2" --sni "$name" --probe "${refuse[@]}" \
		--timeout-ms $((PROBE_S * 1000)) --interval-us "$INTERVAL_US" \
		--run-after-ms "$RUN_AFTER_MS" -- "$@" >"$LAB_DIR/probe.out" 2>"$LAB_DIR/probe.err" || true
	[[ -s $LAB_DIR/probe.out ]] || die "the probe for $name failed: $(tail -1 "$LAB_DIR/probe.err")"
	grep -q 'before the command' "$LAB_DIR/probe.err" &&
		die "the probe for $name saw the change before it: $(tail -1 "$LAB_DIR/probe.err")"
	jq -e '.run_status == 0' "$LAB_DIR/probe.out" >/dev/null || { ok=false; say "$*: failed"; }
	jq -c --argjson ok "$ok" '{ms: .enforced_ms, unchanged_until_ms, handshake_ms,
	  command_ms, command_ok: $ok, tries, interval_us}' "$LAB_DIR/probe.out"
}

base="{\"mode\": \"deny\", \"allow\": [], \"resolvers\": [\"$HOST_IP\"]}"
egressd_sandbox sb "$HIF" "$base"
# bind the probe's names to HOST_IP2 (*.new.example): allowed, asked, removed
bind_name() {
	ctl allow "$1" --sandbox sb >/dev/null
	insb "$CONNECT" --dns "$HOST_IP" --sni "$1" --count 1 --warmup 0 >/dev/null ||
		die "$1 not reachable once allowed"
	ctl remove "$1" --sandbox sb >/dev/null
}

# NAME allowed, then removed again, each change timed (WHAT, WHAT_remove)
allow_then_remove() {
	local n=$1 what=$2 label=$3 r
	bind_name "$n"
	r=$(change_ms "$n" "${CTL[@]}" allow "$n" --sandbox sb)
	jq -c --arg w "$what" '{what: $w} + .' <<<"$r" >>"$out"
	say "control: $label: $r"
	r=$(REFUSE=1 change_ms "$n" "${CTL[@]}" remove "$n" --sandbox sb)
	jq -c --arg w "${what}_remove" '{what: $w} + .' <<<"$r" >>"$out"
	say "control: $label, removed: $r"
}

for ((i = 0; i < reps; i++)); do
	allow_then_remove "one$i.new.example" one_rule "one rule"
done

# bulk: BULK names, the probe's among them
jq -n --argjson n "$bulk" --arg ip "$HOST_IP" '
  {mode: "deny", resolvers: [$ip],
   allow: ([range(0; $n - 1) | "n\(.).bulk.example"] + ["bulk.new.example"])}' >"$LAB_DIR/bulk.json"
bind_name bulk.new.example
printf '%s\n' "$base" >"$LAB_DIR/base.json"
PROBE_S=$bulk_probe_s
for ((i = 0; i < bulk_reps; i++)); do
	ctl policy import "$LAB_DIR/base.json" sb >/dev/null || { say "control: egressd busy; bulk runs stop"; break; }
	r=$(change_ms bulk.new.example "${CTL[@]}" policy import "$LAB_DIR/bulk.json" sb)
	jq -c --argjson n "$bulk" '{what: "bulk", names: $n} + .' <<<"$r" >>"$out"
	say "control: $bulk names: $r"
	# one run when it is slow (or failed): the others would say the same
	jq -e '.ms != null and .ms < 10000 and .command_ok' <<<"$r" >/dev/null || break
done

# one rule again, the sandbox holding the BULK names: what of a change grows
# with the rules already there
if jq -e '.command_ok' <<<"$r" >/dev/null; then
	PROBE_S=30
	# the probe's address is bound to bulk.new.example too: without it
	# allowed, the rule under test decides at the SYN as above
	ctl remove bulk.new.example --sandbox sb >/dev/null
	for ((i = 0; i < among_reps; i++)); do
		allow_then_remove "among$i.new.example" among_bulk "one rule among $bulk names"
	done
fi

# audit: the log at fixed rates, lossless or not
AUDIT_BENCH=$BUILDDIR/tests/audit/audit-bench
if [[ -x $AUDIT_BENCH ]]; then
	# each run in a log directory of its own: it reads back all it finds
	adir() { rm -rf "$LAB_DIR/audit-run"; mkdir "$LAB_DIR/audit-run"; echo "$LAB_DIR/audit-run"; }
	r=$("$AUDIT_BENCH" --events $((audit_secs * 1000000)) --dir "$(adir)" 2>&1 |
		sed -n 's/.* \([0-9.]*\) events\/s appended.*/\1/p' | head -1)
	jq -nc --argjson v "${r:-null}" '{what: "audit_append", events_per_s: $v}' >>"$out"
	say "control: audit log append rate: $r events/s"
	for rate in "${rates[@]}"; do
		if "$AUDIT_BENCH" --rate "$rate" --events $((rate * audit_secs)) --dir "$(adir)" \
			>"$LAB_DIR/audit.out" 2>&1; then ok=true; else ok=false; fi
		lost=$(sed -n 's/.*: \([0-9]*\) lost at the ring.*/\1/p' "$LAB_DIR/audit.out" | head -1)
		jq -nc --argjson r "$rate" --argjson ok "$ok" --argjson lost "${lost:-null}" \
			'{what: "audit_rate", rate: $r, lossless: $ok, lost: $lost}' >>"$out"
		say "control: audit at $rate events/s: lossless $ok (lost ${lost:-?})"
	done
else
	jq -nc --arg w "$AUDIT_BENCH is not built" '{what: "audit_missing", why: $w}' >>"$out"
fi
wired=false
grep -q 'egress_audit_' agent/*.c && wired=true

jq -s --argjson reps "$reps" --argjson bulk "$bulk" --argjson wired "$wired" \
	--argjson probe_s "$bulk_probe_s" '
  def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  (map(select(.what == "one_rule"))) as $one |
  (map(select(.what == "one_rule_remove"))) as $one_rm |
  (map(select(.what == "among_bulk"))) as $among |
  (map(select(.what == "among_bulk_remove"))) as $among_rm |
  (map(select(.what == "bulk"))) as $bulk_runs |
  (map(select(.what == "audit_rate"))) as $rates |
  {
    config: {repeats: $reps, bulk_names: $bulk},
    one_rule: {ms: ($one | map(.ms) | med), command_ms: ($one | map(.command_ms) | med),
               runs: ($one | map(.ms)), command_runs: ($one | map(.command_ms)),
               interval_us: ($one | map(.interval_us) | first)},
    one_rule_remove: {ms: ($one_rm | map(.ms) | med), command_ms: ($one_rm | map(.command_ms) | med),
                      runs: ($one_rm | map(.ms)), command_runs: ($one_rm | map(.command_ms))},
    one_rule_among_bulk: {names: $bulk, ms: ($among | map(.ms) | med),
                          command_ms: ($among | map(.command_ms) | med),
                          remove_ms: ($among_rm | map(.ms) | med),
                          remove_command_ms: ($among_rm | map(.command_ms) | med),
                          runs: ($among | map(.ms)), remove_runs: ($among_rm | map(.ms))},
    bulk: {names: $bulk, s: ($bulk_runs | map(.ms) | med | if . == null then null else . / 1000 end),
           command_s: ($bulk_runs | map(.command_ms) | med | if . == null then null else . / 1000 end),
           command_ok: ($bulk_runs | map(.command_ok) | all),
           probe_s: $probe_s, runs_ms: ($bulk_runs | map(.ms))},
    audit: {through: (if $wired then "audit-bench (egressd has its own wiring; not driven here)" else "audit-bench: egressd does not write the audit log yet" end),
            append_events_per_s: (map(select(.what == "audit_append") | .events_per_s) | first),
            rates: $rates,
            loss_starts_at: ($rates | map(select(.lossless | not) | .rate) | min)},
    summary: {
      update_one_rule_ms: ($one | map(.ms) | med),
      update_one_rule_command_ms: ($one | map(.command_ms) | med),
      remove_one_rule_ms: ($one_rm | map(.ms) | med),
      remove_one_rule_command_ms: ($one_rm | map(.command_ms) | med),
      update_1m_names_s: (if $bulk == 1000000 then ($bulk_runs | map(.ms) | med | if . == null then null else . / 1000 | . * 1000 | round / 1000 end) else null end),
      audit_events_per_s_lossless: ($rates | map(select(.lossless) | .rate) | max)
    }
  }' "$out"
