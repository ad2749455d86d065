#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egress-replay on real captures (the shared corpus) and on small captures
# written by mkpcap, checked through its --json output with jq.
#
#   replay-test.sh CASE
#
# Environment: EGRESS_REPLAY (the binary), MKPCAP (the capture writer),
# CORPUS_DIR (the shared corpus). Needs root (BPF) and jq; exits 77 (skip)
# without them.
#
# Facts about the corpus captures used below (frame numbers, counts,
# addresses) were read from them with tshark; the captures never change.

# jq programs are in single quotes on purpose: their $names are jq's.
# shellcheck disable=SC2016

set -euo pipefail

CASE=${1:?usage: replay-test.sh CASE}
: "${EGRESS_REPLAY:?}" "${MKPCAP:?}" "${CORPUS_DIR:?}"
EXT=$CORPUS_DIR/external

if [ "$(id -u)" != 0 ]; then
	echo "skip: egress-replay needs root to load BPF programs"
	exit 77
fi
if ! command -v jq >/dev/null; then
	echo "skip: jq is not installed"
	exit 77
fi
[ -d "$EXT" ] || { echo "FAIL: no corpus at $EXT" >&2; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL [$CASE]: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
}

# policy NAME JSON: writes a policy file, its path in $T/NAME.json.
policy() {
	printf '%s\n' "$2" > "$T/$1.json"
}
policy deny '{"mode":"deny"}'
policy deny-star '{"mode":"deny","allow":["*"]}'
policy deny-all '{"mode":"deny-all"}'
policy allow-all '{"mode":"allow-all"}'
policy empty '{}'

# check_json OUT: every line one JSON object with the documented keys and
# value types; frames numbered from 1 without gaps (per file); every event
# right after the frame it names.
check_json() {
	local out=$1 err

	jq -R -e 'fromjson | type == "object"' "$out" > /dev/null ||
		fail "$out: a line is not one JSON object"
	err=$(jq -s -r '
		def frame_keys: ["action", "dir", "frame", "type"];
		def frame_opt: ["file", "len", "truncated", "wire_len"];
		def event_keys: ["count", "dst", "frame", "generation", "host",
				 "mode", "proto", "reason", "rule", "rule_id",
				 "scope", "src", "type", "verdict", "would_deny"];
		def strings: ["dst", "host", "mode", "proto", "reason", "rule",
			      "scope", "src"];
		reduce .[] as $l ({last: 0, file: null, err: null};
		  (if $l.file != .file then .file = $l.file | .last = 0 else . end)
		  | if .err then .
		  elif $l.type == "frame" then
		    if ($l | keys - frame_opt) != frame_keys then
		      .err = "frame keys: \($l)"
		    elif ($l.frame | type) != "number" or $l.frame != .last + 1 then
		      .err = "frame numbering: \($l) after \(.last)"
		    elif ($l.dir | IN("egress", "ingress") | not) then
		      .err = "dir: \($l)"
		    elif ($l.action | IN("pass", "drop", "tx", "aborted", "other") | not) then
		      .err = "action: \($l)"
		    elif $l.truncated and (($l.truncated | IN("capture", "test-run") | not)
					   or $l.len >= $l.wire_len) then
		      .err = "truncated: \($l)"
		    else .last = $l.frame end
		  elif $l.type == "event" then
		    if ($l | keys - ["file"]) != event_keys then
		      .err = "event keys: \($l)"
		    elif $l.frame != .last or .last == 0 then
		      .err = "event does not follow its frame: \($l)"
		    elif ($l.verdict | IN("ALLOWED", "DENIED") | not) then
		      .err = "verdict: \($l)"
		    elif ($l.would_deny | type) != "boolean" or
			 ($l.verdict == "DENIED" and ($l.would_deny | not)) then
		      .err = "would_deny: \($l)"
		    elif ([$l[strings[]] | type] | unique) != ["string"] then
		      .err = "value types: \($l)"
		    elif ($l.generation | type) != "number" or
			 ($l.count | type) != "number" or $l.count < 1 then
		      .err = "numbers: \($l)"
		    elif ($l.rule == "default") != ($l.rule_id == 0) then
		      .err = "rule: \($l)"
		    else . end
		  else .err = "unknown line: \($l)" end)
		| .err // empty' "$out") || fail "$out: jq failed"
	[ -z "$err" ] || fail "$out: $err"
}

# run NAME ARGS...: egress-replay --json ARGS into $T/NAME.out; must exit 0
# with nothing on stderr and well-formed output.
run() {
	local name=$1 rc=0
	shift
	"$EGRESS_REPLAY" --json "$@" > "$T/$name.out" 2> "$T/$name.err" || rc=$?
	[ "$rc" = 0 ] || fail "$name: exit $rc: $(cat "$T/$name.err")"
	[ ! -s "$T/$name.err" ] || fail "$name: stderr: $(cat "$T/$name.err")"
	check_json "$T/$name.out"
}

# q NAME FILTER: jq over the slurped output of run NAME.
q() {
	jq -s -r "$2" "$T/$1.out"
}

# expect NAME WHAT FILTER VALUE
expect() {
	local got
	got=$(q "$1" "$3")
	[ "$got" = "$4" ] || fail "$1: $2: got '$got', want '$4'"
}

# expect_eq NAME WHAT GOT WANT
expect_eq() {
	[ "$3" = "$4" ] || fail "$1: $2: got '$3', want '$4'"
}

# summary NAME: one line per frame and per event, for exact comparisons.
summary() {
	jq -r 'if .type == "frame" then "\(.frame) \(.dir) \(.action)"
	       else "  \(.verdict) \(.proto) \(.reason) \(.src) > \(.dst) rule=\(.rule)" end' \
		"$T/$1.out"
}

expect_summary() {
	local want=$T/$1.want
	cat > "$want"
	summary "$1" | diff -u "$want" - >&2 || fail "$1: frames and events differ"
}

# The addresses of DENIED events' destinations, as a JSON array of rules.
denied_destinations() {
	q "$1" '[.[] | select(.type == "event" and .verdict == "DENIED") | .dst
		 | if startswith("[") then ltrimstr("[") | split("]")[0]
		   elif test("^[0-9.]+:[0-9]+$") then split(":")[0]
		   else . end] | unique'
}

n_frames() {	# NAME DIR [ACTION]
	q "$1" "[.[] | select(.type == \"frame\" and .dir == \"$2\"${3:+ and .action == \"$3\"})] | length"
}

# --- tunnels ----------------------------------------------------------------

# A tunnel capture in deny mode: every frame from the sandbox is dropped and
# every event is a DENIED of the tunnel's protocol; "*" (names only) changes
# nothing; an IP rule for the destinations lets all of it through.
check_tunnel() {
	local name=$1 file=$2 n_egress=$3 proto=$4 dsts
	shift 4

	run "$name-deny" --policy "$T/deny.json" "$@" "$file"
	expect "$name-deny" "egress frames" \
		'[.[] | select(.type == "frame" and .dir == "egress")] | length' "$n_egress"
	expect "$name-deny" "egress frames not dropped" \
		'[.[] | select(.type == "frame" and .dir == "egress" and .action != "drop")] | length' 0
	expect "$name-deny" "events other than DENIED $proto not-allowlisted" \
		"[.[] | select(.type == \"event\" and (.verdict != \"DENIED\" or .proto != \"$proto\" or .reason != \"not-allowlisted\"))] | length" 0
	expect "$name-deny" "has events" '[.[] | select(.type == "event")] | length > 0' true
	expect "$name-deny" "events on frames that are not egress drops" \
		'[.[] | select(.type == "frame" and .dir == "egress" and .action == "drop") | .frame] as $d
		 | [.[] | select(.type == "event" and (.frame | IN($d[]) | not))] | length' 0
	run "$name-star" --policy "$T/deny-star.json" "$@" "$file"
	cmp -s "$T/$name-deny.out" "$T/$name-star.out" ||
		fail "$name: allow [\"*\"] changed the outcome (it names no address)"
	dsts=$(denied_destinations "$name-deny")
	policy "$name-allow" "{\"mode\":\"deny\",\"allow\":$dsts}"
	run "$name-allow" --policy "$T/$name-allow.json" "$@" "$file"
	expect "$name-allow" "egress frames" \
		'[.[] | select(.type == "frame" and .dir == "egress")] | length' "$n_egress"
	expect "$name-allow" "egress frames dropped" \
		'[.[] | select(.type == "frame" and .dir == "egress" and .action != "pass")] | length' 0
	expect "$name-allow" "events other than ALLOWED by an IP rule" \
		"[.[] | select(.type == \"event\" and (.verdict != \"ALLOWED\" or .reason != \"allow-rule\" or .proto != \"$proto\" or (.rule | IN(${dsts}[]) | not)))] | length" 0
	expect "$name-allow" "number of events" \
		'[.[] | select(.type == "event")] | length' \
		"$(q "$name-deny" '[.[] | select(.type == "event")] | length')"
	ok "$name: dropped in deny mode and with \"*\", passed with allow $dsts"
}

case_tunnels() {
	local gre=$EXT/ndpi-gre.pcapng vxlan=$EXT/ndpi-vxlan.pcap

	# Both are captured on an 802.1Q trunk (VLAN 5): as captured, a tagged
	# frame from a sandbox is refused at L2, whatever the mode or rules.
	for mode in deny allow-all; do
		run "gre-vlan-$mode" --policy "$T/$mode.json" "$gre"
		expect_summary "gre-vlan-$mode" <<-EOF
		1 egress drop
		  DENIED ethernet vlan - > - rule=default
		EOF
	done
	run vxlan-vlan --policy "$T/allow-all.json" "$vxlan"
	expect vxlan-vlan "egress frames not dropped for vlan" \
		'[.[] | select(.type == "frame" and .dir == "egress" and .action != "drop")] | length' 0
	expect vxlan-vlan "events other than vlan" \
		'[.[] | select(.type == "event" and .reason != "vlan")] | length' 0
	expect vxlan-vlan "vlan events" '[.[] | select(.type == "event")] | length' 54
	ok "VLAN-tagged GRE and VXLAN frames are refused at L2"

	# With the capture point's tags removed, the tunnels themselves.
	# GRE: one frame, 109.105.228.253 -> 10.177.98.84.
	check_tunnel gre "$gre" 1 gre --strip-vlan
	expect gre-deny "the GRE event" \
		'.[] | select(.type == "event") | "\(.frame) \(.src) \(.dst) \(.host)"' \
		"1 109.105.228.253 10.177.98.84 10.177.98.84"
	# VXLAN: 192.168.22.4 sends 54 frames to 192.168.22.5, UDP port 4789.
	check_tunnel vxlan "$vxlan" 54 udp --strip-vlan
	expect vxlan-deny "VXLAN destinations" \
		'[.[] | select(.type == "event") | .dst | sub(":[0-9]+$"; "")] | unique | join(" ")' \
		"192.168.22.5"
	expect vxlan-deny "VXLAN ports" \
		'[.[] | select(.type == "event") | .dst | sub("^.*:"; "")] | unique | join(" ")' "4789"
	# What VXLAN carries is not inspected: the inner TLS names allow nothing.
	policy vxlan-names '{"mode":"deny","allow":["facebook.com","*.facebook.com"]}'
	run vxlan-names --policy "$T/vxlan-names.json" --strip-vlan "$vxlan"
	cmp -s "$T/vxlan-deny.out" "$T/vxlan-names.out" ||
		fail "vxlan: the inner names changed the outcome"
	# Teredo: 15 frames from the clients behind 00:1b:17:00:01:15 (the
	# first, 10.112.16.106, is the sandbox; the others share its MAC) to
	# the Teredo server 194.136.28.76, UDP port 3544.
	check_tunnel teredo "$EXT/ndpi-teredo.pcap" 15 udp
	expect teredo-deny "Teredo destinations" \
		'[.[] | select(.type == "event") | .dst] | unique | join(" ")' "194.136.28.76:3544"
}

# --- fragments --------------------------------------------------------------

case_fragments() {
	local f=$EXT/ndpi-dns_fragmented.pcap dsts frag
	# The authoritative server whose answers are fragmented is the sandbox.
	local sb=(--sandbox-addr 193.24.227.238 --sandbox-addr 2001:470:765b::a25:53)
	# Frames that are IPv4 fragments or carry an IPv6 fragment header.
	frag='[2,3,5,6,8,9,11,12,16,17,38,39,41,42]'

	for p in deny deny-star; do
		run "frag-$p" --policy "$T/$p.json" "${sb[@]}" "$f"
		# Enforcement first: each fragment frame dropped, one DENIED event.
		expect "frag-$p" "fragment frames" \
			"[.[] | select(.frame | IN(${frag}[])) | if .type == \"frame\" then \"\\(.frame) \\(.dir) \\(.action)\" else .verdict end]
			 | join(\",\") | gsub(\" egress drop,DENIED\"; \"\")" \
			"2,3,5,6,8,9,11,12,16,17,38,39,41,42"
		expect_eq "frag-$p" "egress frames passed" "$(n_frames "frag-$p" egress pass)" 0
		# Then why: a fragment carries no port, IP rules alone decide.
		expect "frag-$p" "frames with a fragment event" \
			'[.[] | select(.type == "event" and .reason == "fragment") | .frame] | tostring' "$frag"
	done
	cmp -s "$T/frag-deny.out" "$T/frag-deny-star.out" ||
		fail "fragments: allow [\"*\"] changed the outcome"

	dsts=$(denied_destinations frag-deny)
	policy frag-allow "{\"mode\":\"deny\",\"allow\":$dsts}"
	run frag-allow --policy "$T/frag-allow.json" "${sb[@]}" "$f"
	expect frag-allow "egress frames not passed" \
		'[.[] | select(.type == "frame" and .dir == "egress" and .action != "pass")] | length' 0
	expect frag-allow "fragment frames with an ALLOWED allow-rule event" \
		'[.[] | select(.type == "event" and .verdict == "ALLOWED" and .reason == "allow-rule" and .proto == "udp" and .rule != "default") | .frame] as $a
		 | '"$frag"' - $a | length' 0
	expect frag-allow "events not ALLOWED" \
		'[.[] | select(.type == "event" and .verdict != "ALLOWED")] | length' 0
	ok "fragments: dropped in deny mode and with \"*\", passed with allow $dsts"
}

# --- ICMP tunnel and ARP --------------------------------------------------------

case_icmp_tunnel() {
	local f=$EXT/ndpi-icmp-tunnel.pcap

	# 192.168.154.131 sends 448 ICMP echo requests and 49 ARP frames;
	# 192.168.154.132 answers with 415 echo replies and 49 ARP frames.
	run icmp-deny --policy "$T/deny.json" "$f"
	expect_eq icmp-deny "egress frames" "$(n_frames icmp-deny egress)" 497
	expect_eq icmp-deny "egress frames passed" "$(n_frames icmp-deny egress pass)" 497
	expect_eq icmp-deny "ingress frames passed" "$(n_frames icmp-deny ingress pass)" 464
	expect icmp-deny "events" \
		'[.[] | select(.type == "event") | "\(.verdict) \(.proto) \(.reason) \(.src) \(.dst)"] | unique | join(",")' \
		"ALLOWED icmp icmp-allowed 192.168.154.131 192.168.154.132"

	run icmp-deny-all --policy "$T/deny-all.json" "$f"
	expect_eq icmp-deny-all "egress frames dropped (the echo requests)" \
		"$(n_frames icmp-deny-all egress drop)" 448
	expect_eq icmp-deny-all "egress frames passed (ARP)" "$(n_frames icmp-deny-all egress pass)" 49
	expect icmp-deny-all "the two ARP frames that open the capture" \
		'[.[] | select(.type == "frame" and .frame <= 2) | "\(.frame) \(.action)"] | join(",")' \
		"1 pass,2 pass"
	expect icmp-deny-all "events" \
		'[.[] | select(.type == "event") | "\(.verdict) \(.proto) \(.reason)"] | unique | join(",")' \
		"DENIED icmp deny-all"
	expect icmp-deny-all "events on passed frames" \
		'[.[] | select(.type == "frame" and .action == "pass") | .frame] as $p
		 | [.[] | select(.type == "event" and (.frame | IN($p[])))] | length' 0
	ok "ICMP tunnel: allowed in deny mode, dropped in deny-all with ARP still passing"

	# ARP around a ping: request from the sandbox, reply, an ARP probe
	# (sender 0.0.0.0, told by the sandbox's MAC), echo, echo reply, and
	# another host's announcement.
	"$MKPCAP" arp eth "$T/arp.pcap"
	run arp-deny-all --policy "$T/deny-all.json" "$T/arp.pcap"
	expect_summary arp-deny-all <<-EOF
	1 egress pass
	2 ingress pass
	3 egress pass
	4 egress drop
	  DENIED icmp deny-all 198.18.0.2 > 198.18.0.1 rule=default
	5 ingress pass
	6 ingress pass
	EOF
	run arp-deny --policy "$T/deny.json" "$T/arp.pcap"
	expect_summary arp-deny <<-EOF
	1 egress pass
	2 ingress pass
	3 egress pass
	4 egress pass
	  ALLOWED icmp icmp-allowed 198.18.0.2 > 198.18.0.1 rule=default
	5 ingress pass
	6 ingress pass
	EOF
	ok "ARP passes in deny-all and deny; ICMP only in deny"
}

# --- every capture of the corpus ------------------------------------------------

declare -A CORPUS_FRAMES=(
	[ndpi-dns-tunnel-iodine.pcap]=438 [ndpi-dns2tcp_tunnel.pcap]=50
	[ndpi-dns_doh.pcap]=142 [ndpi-dns_exfiltration.pcap]=300
	[ndpi-dns_fragmented.pcap]=66 [ndpi-gre.pcapng]=1
	[ndpi-icmp-tunnel.pcap]=961 [ndpi-malformed_dns.pcap]=6
	[ndpi-quic_frags_ch_in_multiple_packets.pcapng]=4 [ndpi-teredo.pcap]=24
	[ndpi-tls-esni-fuzzed.pcap]=3 [ndpi-tls_2_reasms.pcapng]=14
	[ndpi-tls_2_reasms_b.pcapng]=15 [ndpi-tls_ech.pcapng]=10
	[ndpi-tls_esni_sni_both.pcap]=38 [ndpi-tls_missing_ch_frag.pcap]=14
	[ndpi-tls_with_huge_ch.pcapng]=428 [ndpi-vxlan.pcap]=127
	[suricata-dns-forward-pointer.pcap]=2
	[suricata-tls-client-hello-frag-mtu300.pcap]=62
	[zeek-chrome-1250-tls-x25519-kyber.pcap]=15
	[zeek-dns-https-rr-ech.pcap]=4 [zeek-dns-invalid-names.pcap]=3
	[zeek-dns-max-compression-depth.pcap]=1 [zeek-quic-chromium-115.pcap]=19
	[zeek-quic-multiple-initial-fragmented-crypto.pcap]=15
	[zeek-tls-fragmented-handshake.pcap]=416 [zeek-tls-hrr.pcap]=19
	[zeek-tls13-ech.pcap]=69
)

# Violations of what must hold for every capture, as one line: "frames=N"
# and nothing else when all is well.
corpus_checks_deny='
	[([.[] | select(.type == "frame")] | length | "frames=\(.)"),
	 ([.[] | select(.type == "event" and .verdict == "ALLOWED" and .reason != "icmp-allowed")]
	  | if length > 0 then "ALLOWED without a rule: \(.[0])" else empty end),
	 ([.[] | select(.type == "event" and .mode != "deny")]
	  | if length > 0 then "mode: \(.[0])" else empty end)]
	| join(" ")'
# Only L2 refusals drop anything in allow-all, each with its DENIED event.
corpus_checks_allow_all='
	[.[] | select(.type == "event" and .verdict == "DENIED") | .frame] as $l2
	| [([.[] | select(.type == "frame")] | length | "frames=\(.)"),
	   ([.[] | select(.type == "event" and .verdict == "DENIED" and (.reason | IN("vlan", "ethertype") | not))]
	    | if length > 0 then "DENIED: \(.[0])" else empty end),
	   ([.[] | select(.type == "frame" and .action != "pass" and (.frame | IN($l2[]) | not))]
	    | if length > 0 then "dropped without an L2 refusal: \(.[0])" else empty end)]
	| join(" ")'

corpus_captures() {
	local f b n=0

	for f in "$EXT"/*.pcap "$EXT"/*.pcapng; do
		b=$(basename "$f")
		[ -n "${CORPUS_FRAMES[$b]:-}" ] || fail "$b: a capture this test does not know"
		n=$((n + 1))
	done
	[ "$n" = "${#CORPUS_FRAMES[@]}" ] || fail "found $n captures, expected ${#CORPUS_FRAMES[@]}"
}

# Every capture of the corpus on its own, in one mode.
case_corpus_mode() {
	local mode=$1 checks=$2 f b

	corpus_captures
	for f in "$EXT"/*.pcap "$EXT"/*.pcapng; do
		b=$(basename "$f")
		run "$b" --policy "$T/$mode.json" "$f"
		expect "$b" "$mode" "$checks" "frames=${CORPUS_FRAMES[$b]}"
	done
	ok "${#CORPUS_FRAMES[@]} captures in $mode mode"
}

# All of them in one replay: numbering per capture, every line names its
# capture, and a text replay of them all exits 0.
case_corpus_all() {
	local total=0 n=${#CORPUS_FRAMES[@]} b

	corpus_captures
	for b in "${!CORPUS_FRAMES[@]}"; do
		total=$((total + CORPUS_FRAMES[$b]))
	done
	run corpus-all --policy "$T/allow-all.json" "$EXT"/*.pcap "$EXT"/*.pcapng
	expect corpus-all "frames" '[.[] | select(.type == "frame")] | length' "$total"
	expect corpus-all "lines without file" '[.[] | select(.file == null)] | length' 0
	expect corpus-all "captures" '[.[] | .file] | unique | length' "$n"
	"$EGRESS_REPLAY" --policy "$T/empty.json" "$EXT"/*.pcap "$EXT"/*.pcapng \
		> "$T/text.out" 2> "$T/text.err" || fail "text replay of the corpus failed: $(cat "$T/text.err")"
	[ ! -s "$T/text.err" ] || fail "text replay: stderr: $(cat "$T/text.err")"
	grep -q "^$total frames from $n captures " "$T/text.out" ||
		fail "text replay: no totals line for $total frames: $(tail -1 "$T/text.out")"
	ok "$n captures, $total frames in one replay"
}

# --- bad input ----------------------------------------------------------------------

# bad NAME ARGS...: a non-zero exit, one line on stderr, nothing on stdout.
# bad_as: a command that egress-replay is run under.
bad_as=()
bad() {
	local name=$1 rc=0
	shift
	"${bad_as[@]}" "$EGRESS_REPLAY" "$@" > "$T/$name.out" 2> "$T/$name.err" || rc=$?
	[ "$rc" != 0 ] || fail "$name: exit 0"
	[ ! -s "$T/$name.out" ] || fail "$name: stdout: $(head -3 "$T/$name.out")"
	[ "$(wc -l < "$T/$name.err")" = 1 ] ||
		fail "$name: stderr is not one line: $(cat "$T/$name.err")"
	grep -q '^egress-replay: ' "$T/$name.err" || fail "$name: stderr: $(cat "$T/$name.err")"
	ok "$name: $(cat "$T/$name.err")"
}

case_bad_input() {
	local good=$EXT/ndpi-gre.pcapng

	"$MKPCAP" flows wifi "$T/wifi.pcap"
	policy not-json '{"mode": "deny", "allow": ['
	policy unknown-key '{"mode":"deny","alow":["198.18.0.1"]}'
	policy bad-cidr '{"mode":"deny","allow":["10.0.0.0/33"]}'
	policy bad-mode '{"mode":"strict"}'

	bad no-capture-file --policy "$T/deny.json" "$T/nonexistent.pcap"
	bad not-a-capture --policy "$T/deny.json" "$CORPUS_DIR/README.md"
	bad one-bad-capture-of-two --policy "$T/deny.json" "$good" "$CORPUS_DIR/README.md"
	bad link-type --policy "$T/deny.json" "$T/wifi.pcap"
	bad no-policy-file --policy "$T/nonexistent.json" "$good"
	bad policy-not-json --policy "$T/not-json.json" "$good"
	bad policy-unknown-key --policy "$T/unknown-key.json" "$good"
	bad policy-bad-cidr --policy "$T/bad-cidr.json" "$good"
	bad policy-bad-mode --policy "$T/bad-mode.json" "$good"
	bad mode --policy "$T/deny.json" --mode strict "$good"
	bad sandbox-addr --policy "$T/deny.json" --sandbox-addr 198.18.0.300 "$good"
	bad sandbox-addr-cidr --policy "$T/deny.json" --sandbox-addr 198.18.0.0/15 "$good"
	bad unknown-option --policy "$T/deny.json" --frobnicate "$good"
	bad missing-argument "$good" --policy
	bad no-policy "$good"
	bad no-capture --policy "$T/deny.json"
	grep -q "10.0.0.0/33" "$T/policy-bad-cidr.err" || fail "the CIDR error does not name the rule"
	grep -q "alow" "$T/policy-unknown-key.err" || fail "the key error does not name the key"
	grep -q "README.md" "$T/not-a-capture.err" || fail "the capture error does not name the file"

	# A capture cut in the middle of a frame: what was read is replayed,
	# then one line and a non-zero exit.
	head -c 3000 "$EXT/ndpi-icmp-tunnel.pcap" > "$T/cut.pcap"
	local rc=0
	"$EGRESS_REPLAY" --json --policy "$T/deny.json" "$T/cut.pcap" > "$T/cut.out" 2> "$T/cut.err" || rc=$?
	[ "$rc" != 0 ] || fail "cut capture: exit 0"
	[ "$(wc -l < "$T/cut.err")" = 1 ] || fail "cut capture: stderr: $(cat "$T/cut.err")"
	check_json "$T/cut.out"
	[ "$(jq -s '[.[] | select(.type == "frame")] | length' "$T/cut.out")" -gt 0 ] ||
		fail "cut capture: no frame replayed"
	ok "cut capture: $(cat "$T/cut.err")"

	# Without privileges: one line that says what to do.
	if command -v setpriv > /dev/null; then
		chmod 755 "$T"
		cp "$EGRESS_REPLAY" "$T/egress-replay"
		cp "$good" "$T/good.pcapng"
		chmod 644 "$T/good.pcapng" "$T/deny.json"
		bad_as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
		EGRESS_REPLAY=$T/egress-replay bad unprivileged --policy "$T/deny.json" "$T/good.pcapng"
		bad_as=()
		grep -q "(run as root)" "$T/unprivileged.err" || fail "unprivileged: $(cat "$T/unprivileged.err")"
	fi

	"$EGRESS_REPLAY" --help > "$T/help.out" 2> "$T/help.err" || fail "--help: non-zero exit"
	[ ! -s "$T/help.err" ] || fail "--help: stderr"
	grep -q -- "--sandbox-addr" "$T/help.out" || fail "--help: no usage"
	ok "--help"
}

# --- link types ------------------------------------------------------------------------

case_link_types() {
	local lt sb=(--sandbox-addr 198.18.0.2 --sandbox-addr fd00::2)

	policy flows '{"mode":"deny","allow":["198.18.0.1","fd00::1"]}'
	for lt in eth raw sll sll2 null loop; do
		"$MKPCAP" flows "$lt" "$T/flows-$lt.pcap"
		run "flows-$lt" --policy "$T/flows.json" "${sb[@]}" "$T/flows-$lt.pcap"
	done
	expect_summary flows-eth <<-EOF
	1 egress pass
	  ALLOWED tcp allow-rule 198.18.0.2:40000 > 198.18.0.1:443 rule=198.18.0.1
	2 ingress pass
	3 egress pass
	4 egress drop
	  DENIED udp not-allowlisted 198.18.0.2:40001 > 198.18.0.9:53 rule=default
	5 egress tx
	  DENIED tcp not-allowlisted 198.18.0.2:40002 > 198.18.0.9:80 rule=default
	6 egress pass
	  ALLOWED tcp allow-rule [fd00::2]:40003 > [fd00::1]:443 rule=fd00::1
	7 ingress pass
	8 egress pass
	  ALLOWED icmp icmp-allowed 198.18.0.2 > 198.18.0.9 rule=default
	9 ingress pass
	10 egress drop
	  DENIED udp not-allowlisted [fd00::2]:40004 > [fd00::9]:4789 rule=default
	EOF
	for lt in raw sll sll2 null loop; do
		cmp -s "$T/flows-eth.out" "$T/flows-$lt.out" ||
			{ diff -u "$T/flows-eth.out" "$T/flows-$lt.out" >&2;
			  fail "$lt: decided unlike the same frames over Ethernet"; }
	done
	ok "raw IP, SLL, SLL2, BSD loopback: decided like Ethernet"

	# Without --sandbox-addr the sandbox is 198.18.0.2 (the first source).
	# Over Ethernet its IPv6 frames are still its own (its MAC); without
	# an Ethernet header nothing says so, and they count as ingress.
	run flows-eth-default --policy "$T/flows.json" "$T/flows-eth.pcap"
	expect flows-eth-default "directions" \
		'[.[] | select(.type == "frame") | .dir[0:1]] | join("")' "eieeeeieie"
	run flows-raw-default --policy "$T/flows.json" "$T/flows-raw.pcap"
	expect flows-raw-default "directions" \
		'[.[] | select(.type == "frame") | .dir[0:1]] | join("")' "eieeeiieii"

	# Corpus: raw IPv6 (zeek-dns-https-rr-ech: two DNS queries and their
	# answers) and Linux cooked v1 (ndpi-dns2tcp_tunnel: 192.168.20.211
	# sends 22 frames of a TLS connection to 1.1.1.1, 28 come back).
	run rr-ech --policy "$T/deny.json" "$EXT/zeek-dns-https-rr-ech.pcap"
	expect_summary rr-ech <<-EOF
	1 egress drop
	  DENIED udp not-allowlisted [2a02:6bf:8080:165::1:12]:55941 > [2620:fe::fe]:53 rule=default
	2 ingress pass
	3 egress drop
	  DENIED udp not-allowlisted [2a02:6bf:8080:165::1:12]:39419 > [2620:fe::fe]:53 rule=default
	4 ingress pass
	EOF
	run dns2tcp --policy "$T/deny.json" "$EXT/ndpi-dns2tcp_tunnel.pcap"
	expect_eq dns2tcp "egress frames" "$(n_frames dns2tcp egress)" 22
	expect_eq dns2tcp "ingress frames" "$(n_frames dns2tcp ingress)" 28
	expect dns2tcp "the SYN" \
		'[.[] | select(.frame == 1) | if .type == "frame" then .action else "\(.verdict) \(.proto) \(.src) \(.dst)" end] | join(",")' \
		"tx,DENIED tcp 192.168.20.211:44404 1.1.1.1:443"
	expect_eq dns2tcp "egress frames passed" "$(n_frames dns2tcp egress pass)" 0
	policy dns2tcp-allow '{"allow":["1.1.1.1"]}'
	run dns2tcp-allow --policy "$T/dns2tcp-allow.json" "$EXT/ndpi-dns2tcp_tunnel.pcap"
	expect_eq dns2tcp-allow "egress frames passed" "$(n_frames dns2tcp-allow egress pass)" 22
	ok "corpus raw IPv6 and SLL captures"
}

# --- large frames --------------------------------------------------------------------

large_setup() {
	"$MKPCAP" large eth "$T/large.pcap"
	policy large '{"mode":"deny","allow":["198.18.0.1","fd00::1"]}'
	run large --policy "$T/large.json" "$T/large.pcap"
}

# What replay itself does with frames of every size: super-frames run whole
# through XDP, frames beyond the tc test run's limit cut with a note, frames
# cut by the snap length run as captured with a note.
case_large_frames() {
	large_setup
	expect large "frames" \
		'[.[] | select(.type == "frame") | "\(.frame) \(.dir) \(.truncated // "-")"] | join(",")' \
		"1 egress -,2 ingress -,3 egress -,4 ingress test-run,5 ingress test-run,6 egress -,7 egress capture,8 egress -"
	expect large "frame 4 and 5 pass" \
		'[.[] | select(.type == "frame" and (.frame == 4 or .frame == 5)) | .action] | join(",")' "pass,pass"
	expect large "wire lengths" \
		'[.[] | select(.type == "frame" and .truncated) | .wire_len] | join(",")' "9054,20042,1514"
	expect large "test-run lengths" \
		'[.[] | select(.type == "frame" and .truncated == "test-run") | .len > 3000 and .len < 9054] | unique | join(",")' "true"
	expect large "the frame cut by the snap length" \
		'[.[] | select(.frame == 7) | if .type == "frame" then "\(.action) \(.len)" else "\(.verdict) \(.reason)" end] | join(",")' \
		"drop 100,DENIED parse-failure"
	run large-allow-all --policy "$T/allow-all.json" "$T/large.pcap"
	expect large-allow-all "frames not passed" \
		'[.[] | select(.type == "frame" and .action != "pass")] | length' 0
	"$EGRESS_REPLAY" --policy "$T/large.json" "$T/large.pcap" > "$T/large.txt"
	grep -q '^frame 4 ingress pass (run on the first [0-9]* of 9054 bytes: test-run limit)$' "$T/large.txt" ||
		fail "text form of a cut frame: $(grep '^frame 4' "$T/large.txt")"
	grep -q '^frame 7 egress drop (captured 100 of 1514 bytes)$' "$T/large.txt" ||
		fail "text form of a snapped frame: $(grep '^frame 7' "$T/large.txt")"
	ok "large and cut frames"
}

# What the data path decides on GSO super-frames (DESIGN section 3: a
# super-frame may neither bypass nor break enforcement): a 64 KiB segment
# of an allowed flow passes, one of a denied flow is answered with a RST,
# over IPv4 and IPv6.
case_gso_superframes() {
	large_setup
	summary large | awk '/^[0-9]/ { show = ($1 == 1 || $1 == 3 || $1 == 6 || $1 == 8) } show' \
		> "$T/gso.got"
	cat > "$T/gso.want" <<-EOF
	1 egress pass
	  ALLOWED tcp allow-rule 198.18.0.2:41000 > 198.18.0.1:443 rule=198.18.0.1
	3 egress pass
	6 egress tx
	  DENIED tcp not-allowlisted 198.18.0.2:41002 > 198.18.0.9:443 rule=default
	8 egress pass
	  ALLOWED tcp allow-rule [fd00::2]:41004 > [fd00::1]:443 rule=fd00::1
	EOF
	diff -u "$T/gso.want" "$T/gso.got" >&2 || fail "super-frames decided wrongly"
	ok "GSO super-frames"
}

# --- events name their frame ---------------------------------------------------------

case_attribution() {
	"$MKPCAP" flows eth "$T/flows.pcap"
	policy flows '{"mode":"deny","allow":["198.18.0.1"]}'
	run flows --policy "$T/flows.json" "$T/flows.pcap"
	expect flows "the event of the denied SYN" \
		'.[] | select(.type == "event" and .dst == "198.18.0.9:80") | "\(.frame) \(.verdict) \(.reason)"' \
		"5 DENIED not-allowlisted"
	expect flows "frames with events" \
		'[.[] | select(.type == "event") | .frame] | join(",")' "1,4,5,6,8,10"
	# The DESIGN example's shape, key for key.
	expect flows "frame line" '.[] | select(.type == "frame" and .frame == 5) | tostring' \
		'{"type":"frame","frame":5,"dir":"egress","action":"tx"}'
	expect flows "event line keys" \
		'.[] | select(.type == "event" and .frame == 5) | keys_unsorted | join(",")' \
		"type,frame,verdict,would_deny,mode,host,proto,src,dst,rule,reason,generation,rule_id,scope,count"
	expect flows "event line" \
		'.[] | select(.type == "event" and .frame == 5) | [.verdict, .would_deny, .mode, .host, .proto, .src, .dst, .rule, .reason] | tostring' \
		'["DENIED",true,"deny","198.18.0.9","tcp","198.18.0.2:40002","198.18.0.9:80","default","not-allowlisted"]'

	# Text form: the frame's line, then its events, indented.
	"$EGRESS_REPLAY" --policy "$T/flows.json" "$T/flows.pcap" > "$T/flows.txt"
	grep -A1 '^frame 5 ' "$T/flows.txt" > "$T/frame5.txt"
	[ "$(sed -n 1p "$T/frame5.txt")" = "frame 5 egress tx" ] || fail "text: $(cat "$T/frame5.txt")"
	sed -n 2p "$T/frame5.txt" | grep -q '^ \+DENIED \+198\.18\.0\.9 \+tcp \+198\.18\.0\.2:40002 -> 198\.18\.0\.9:80 .*not-allowlisted' ||
		fail "text event line: $(sed -n 2p "$T/frame5.txt")"

	# Corpus: the Chrome post-quantum ClientHello capture; the SYN (frame 1)
	# is denied and answered, later frames of the flow dropped silently.
	run chrome --policy "$T/deny.json" "$EXT/zeek-chrome-1250-tls-x25519-kyber.pcap"
	expect chrome "events" \
		'[.[] | select(.type == "event") | "\(.frame) \(.verdict) \(.src) \(.dst)"] | join(",")' \
		"1 DENIED 0.0.51.217:13783 142.250.200.14:443"
	expect chrome "frame 1" '.[] | select(.type == "frame" and .frame == 1) | .action' "tx"
	ok "events name the frame that caused them"
}

# --- modes, rules, several captures ---------------------------------------------------

case_modes() {
	"$MKPCAP" flows eth "$T/flows.pcap"
	local sb=(--sandbox-addr 198.18.0.2 --sandbox-addr fd00::2)

	policy rules '{"mode":"deny","allow":["198.18.0.0/15","fd00::/8"],"deny":["198.18.0.9","api.example.com"]}'
	run rules --policy "$T/rules.json" "${sb[@]}" "$T/flows.pcap"
	expect rules "events" \
		'[.[] | select(.type == "event") | "\(.frame) \(.verdict) \(.reason) \(.rule)"] | join(",")' \
		"1 ALLOWED allow-rule 198.18.0.0/15,4 DENIED deny-rule 198.18.0.9,5 DENIED deny-rule 198.18.0.9,6 ALLOWED allow-rule fd00::/8,8 ALLOWED icmp-allowed default,10 ALLOWED allow-rule fd00::/8"
	expect rules "rule ids" \
		'[.[] | select(.type == "event") | .rule_id] | join(",")' "1,3,3,2,0,2"

	run warn --policy "$T/rules.json" --mode warn "${sb[@]}" "$T/flows.pcap"
	expect warn "frames not passed" '[.[] | select(.type == "frame" and .action != "pass")] | length' 0
	expect warn "events" \
		'[.[] | select(.type == "event") | "\(.frame) \(.verdict) \(.would_deny) \(.mode)"] | join(",")' \
		"1 ALLOWED false warn,4 ALLOWED true warn,5 ALLOWED true warn,6 ALLOWED false warn,8 ALLOWED false warn,10 ALLOWED false warn"

	# The file's mode applies unless --mode says otherwise; deny by default.
	run file-mode --policy "$T/deny-all.json" "${sb[@]}" "$T/flows.pcap"
	expect file-mode "modes and actions" \
		'[.[] | select(.type == "event") | "\(.mode) \(.reason)"] | unique | join(",")' "deny-all deny-all"
	expect_eq file-mode "egress frames passed" "$(n_frames file-mode egress pass)" 0
	run cli-mode --policy "$T/deny-all.json" --mode allow-all "${sb[@]}" "$T/flows.pcap"
	expect cli-mode "frames not passed" '[.[] | select(.type == "frame" and .action != "pass")] | length' 0
	expect cli-mode "modes" '[.[] | select(.type == "event") | .mode] | unique | join(",")' "allow-all"
	run default-mode --policy "$T/empty.json" "${sb[@]}" "$T/flows.pcap"
	expect default-mode "modes" '[.[] | select(.type == "event") | .mode] | unique | join(",")' "deny"
	expect default-mode "frame 1" '.[] | select(.type == "frame" and .frame == 1) | .action' "tx"
	run enforce --policy "$T/empty.json" --mode enforce "${sb[@]}" "$T/flows.pcap"
	cmp -s "$T/default-mode.out" "$T/enforce.out" || fail "--mode enforce differs from deny"

	# Two captures replay into one state: numbering restarts, every line
	# names its capture, and flows decided in the first are not decided
	# again in the second (no events; the denied SYN is now just dropped).
	cp "$T/flows.pcap" "$T/again.pcap"
	run two --policy "$T/rules.json" "${sb[@]}" "$T/flows.pcap" "$T/again.pcap"
	expect two "frames per capture" \
		"[.[] | select(.type == \"frame\") | .file] | group_by(.) | map(length) | join(\",\")" "10,10"
	expect two "events in the second capture" \
		"[.[] | select(.type == \"event\" and .file == \"$T/again.pcap\")] | length" 0
	expect two "frame 5 of the second capture" \
		".[] | select(.type == \"frame\" and .file == \"$T/again.pcap\" and .frame == 5) | .action" "drop"
	"$EGRESS_REPLAY" --policy "$T/rules.json" "${sb[@]}" "$T/flows.pcap" "$T/again.pcap" > "$T/two.txt"
	grep -q "^$T/again.pcap: frame 10 egress pass$" "$T/two.txt" || fail "text form names no file"
	ok "rules, modes, several captures"
}

case "$CASE" in
tunnels) case_tunnels ;;
fragments) case_fragments ;;
icmp-tunnel) case_icmp_tunnel ;;
corpus-deny) case_corpus_mode deny "$corpus_checks_deny" ;;
corpus-allow-all) case_corpus_mode allow-all "$corpus_checks_allow_all" ;;
corpus-all) case_corpus_all ;;
bad-input) case_bad_input ;;
link-types) case_link_types ;;
large-frames) case_large_frames ;;
gso-superframes) case_gso_superframes ;;
attribution) case_attribution ;;
modes) case_modes ;;
*) fail "unknown case $CASE" ;;
esac
