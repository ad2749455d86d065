#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egress-replay on real captures (the shared corpus) and on small captures
# written by mkpcap, checked through its --json output with jq.
#
#   replay-test.sh CASE
#
# Environment: EGRESS_REPLAY (the binary), MKPCAP (the capture writer),
# EGRESS_RESEGMENT (re-segments captures), CORPUS_DIR (the shared corpus).
# Needs root (BPF) and jq, the names-* cases tshark, names-http also ip,
# nginx, curl and tcpdump; exits 77 (skip) without them.
#
# Facts about the corpus captures used below (frame numbers, counts,
# addresses) were read from them with tshark; the captures never change.

# jq programs are in single quotes on purpose: their $names are jq's.
# shellcheck disable=SC2016

set -euo pipefail

CASE=${1:?usage: replay-test.sh CASE}
: "${EGRESS_REPLAY:?}" "${MKPCAP:?}" "${EGRESS_RESEGMENT:?}" "${CORPUS_DIR:?}"
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

need_tshark() {
	if ! command -v tshark > /dev/null; then
		echo "skip: tshark is not installed"
		exit 77
	fi
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

# same_outcome A B: runs A and B had the same frames and events, but for
# the reason of denials for want of a rule: with a name rule that could
# allow, an address no name was bound to (by DNS) is unbound-address.
same_outcome() {
	local norm='if .type == "event" and .reason == "unbound-address"
		    then .reason = "not-allowlisted" else . end'

	cmp -s <(jq -c "$norm" "$T/$1.out") <(jq -c "$norm" "$T/$2.out")
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
	same_outcome "$name-deny" "$name-star" ||
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
	cmp -s <(q vxlan-deny '.[] | select(.type == "frame")') \
		<(q vxlan-names '.[] | select(.type == "frame")') ||
		fail "vxlan: the inner names changed the outcome"
	# with name rules, an address no allowed name was bound to by DNS
	expect vxlan-names "events other than unbound-address denials" \
		'[.[] | select(.type == "event" and (.verdict != "DENIED" or .reason != "unbound-address"))] | length' 0
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
	same_outcome frag-deny frag-deny-star ||
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

# --- the tc ingress build ------------------------------------------------------------

# Every capture of the corpus through tc_from_sandbox gives what xdp_egress
# gives: the same action for every frame and the same events. Each capture
# on its own (its first source is the sandbox) in deny with names allowed and
# denied; all in one replay in warn and allow-all. A capture with a frame
# larger than a tc test run takes is compared up to that frame.

# tc_same NAME ARGS...: replays ARGS through both; prints the frames compared.
tc_same() {
	local name=$1 clipped keep
	shift
	run "xdp-$name" "$@"
	run "tc-$name" --tc-ingress "$@"
	# per capture, its first frame from the sandbox clipped for tc only
	clipped=$(q "tc-$name" '[.[] | select(.type == "frame" and .truncated == "test-run"
	    and .dir == "egress")] | group_by(.file) | map({(.[0].file // ""): (map(.frame) | min)}) | add // {}')
	keep='.[] | select(($c[.file // ""] // null) == null or .frame < $c[.file // ""]) | del(.len, .truncated)'
	diff <(jq -s -c --argjson c "$clipped" "$keep" "$T/xdp-$name.out") \
		<(jq -s -c --argjson c "$clipped" "$keep" "$T/tc-$name.out") > "$T/tc-$name.diff" ||
		fail "$name: tc_from_sandbox and xdp_egress differ: $(head -6 "$T/tc-$name.diff")"
	jq -s -c --argjson c "$clipped" "[$keep | select(.type == \"frame\" and .dir == \"egress\")] | length" \
		"$T/tc-$name.out"
}

case_tc_ingress() {
	local f mode frames=0 n
	policy names '{"mode":"deny","allow":["*.example.com","pypi.org","198.18.0.0/15"],"deny":["blocked.example.com"]}'
	policy names-warn '{"mode":"warn","allow":["pypi.org"]}'

	corpus_captures
	for f in "$EXT"/*.pcap "$EXT"/*.pcapng; do
		n=$(tc_same "$(basename "$f")" --policy "$T/names.json" "$f")
		frames=$((frames + n))
	done
	[ "$frames" -gt 1000 ] || fail "only $frames frames compared"
	ok "deny: ${#CORPUS_FRAMES[@]} captures, $frames frames from the sandbox decided alike"
	for mode in names-warn allow-all; do
		n=$(tc_same "all-$mode" --policy "$T/$mode.json" "$EXT"/*.pcap "$EXT"/*.pcapng)
		ok "$mode: $n frames from the sandbox decided alike"
	done
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
	  DENIED udp not-allowlisted 198.18.0.2:40001 > 198.18.0.9:5300 rule=default
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
	11 egress drop
	12 egress pass
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
		'[.[] | select(.type == "frame") | .dir[0:1]] | join("")' "eieeeeieieee"
	run flows-raw-default --policy "$T/flows.json" "$T/flows-raw.pcap"
	expect flows-raw-default "directions" \
		'[.[] | select(.type == "frame") | .dir[0:1]] | join("")' "eieeeiieiiei"

	# Corpus: raw IPv6 (zeek-dns-https-rr-ech: two DNS queries, answered
	# with NXDOMAIN by the data path, and the resolver's answers) and Linux
	# cooked v1 (ndpi-dns2tcp_tunnel: 192.168.20.211 sends 22 frames of a
	# TLS connection to 1.1.1.1, 28 come back).
	run rr-ech --policy "$T/deny.json" "$EXT/zeek-dns-https-rr-ech.pcap"
	expect_summary rr-ech <<-EOF
	1 egress tx
	  DENIED dns not-allowlisted [2a02:6bf:8080:165::1:12]:55941 > [2620:fe::fe]:53 rule=default
	2 ingress pass
	3 egress tx
	  DENIED dns not-allowlisted [2a02:6bf:8080:165::1:12]:39419 > [2620:fe::fe]:53 rule=default
	4 ingress pass
	EOF
	expect rr-ech "the queries' names" \
		'[.[] | select(.type == "event") | .host] | join(",")' "defo.ie,cloudflare-ech.com"
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
	# allow-all waits for a TCP flow's first payload to name its host:
	# the 64 KiB segment (frame 3), not the SYN, has the flow's event.
	expect large-allow-all "frames with events" \
		'[.[] | select(.type == "event") | .frame] | join(",")' "3,6,7,8"
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

	# A name deny rule ("api.example.com") could still deny a TCP flow to
	# an address an IP rule allows: such a flow passes its SYN and is
	# decided at its first payload (frame 3: bytes that are neither TLS
	# nor HTTP) or, when it carries none, at its FIN (frame 12). A deny
	# rule for the address decides at the SYN (frame 5), and the FIN of
	# that flow (frame 11) is dropped without another event.
	policy rules '{"mode":"deny","allow":["198.18.0.0/15","fd00::/8"],"deny":["198.18.0.9","api.example.com"]}'
	run rules --policy "$T/rules.json" "${sb[@]}" "$T/flows.pcap"
	expect_summary rules <<-EOF
	1 egress pass
	2 ingress pass
	3 egress pass
	  ALLOWED tcp allow-rule 198.18.0.2:40000 > 198.18.0.1:443 rule=198.18.0.0/15
	4 egress drop
	  DENIED udp deny-rule 198.18.0.2:40001 > 198.18.0.9:5300 rule=198.18.0.9
	5 egress tx
	  DENIED tcp deny-rule 198.18.0.2:40002 > 198.18.0.9:80 rule=198.18.0.9
	6 egress pass
	7 ingress pass
	8 egress pass
	  ALLOWED icmp icmp-allowed 198.18.0.2 > 198.18.0.9 rule=default
	9 ingress pass
	10 egress pass
	  ALLOWED udp allow-rule [fd00::2]:40004 > [fd00::9]:4789 rule=fd00::/8
	11 egress drop
	12 egress pass
	  ALLOWED tcp allow-rule [fd00::2]:40003 > [fd00::1]:443 rule=fd00::/8
	EOF
	expect rules "rule ids" \
		'[.[] | select(.type == "event") | .rule_id] | join(",")' "1,3,3,0,2,2"

	# warn waits for every TCP flow's first payload or FIN, whatever its
	# address, so that the event could name the host: the flow whose SYN
	# the deny rule for 198.18.0.9 would have refused is reported, would
	# deny, at its FIN (frame 11).
	run warn --policy "$T/rules.json" --mode warn "${sb[@]}" "$T/flows.pcap"
	expect warn "frames not passed" '[.[] | select(.type == "frame" and .action != "pass")] | length' 0
	expect warn "events" \
		'[.[] | select(.type == "event") | "\(.frame) \(.verdict) \(.would_deny) \(.mode) \(.proto) \(.reason)"] | join(",")' \
		"3 ALLOWED false warn tcp allow-rule,4 ALLOWED true warn udp deny-rule,8 ALLOWED false warn icmp icmp-allowed,10 ALLOWED false warn udp allow-rule,11 ALLOWED true warn tcp deny-rule,12 ALLOWED false warn tcp allow-rule"

	# The file's mode applies unless --mode says otherwise; deny by default.
	run file-mode --policy "$T/deny-all.json" "${sb[@]}" "$T/flows.pcap"
	expect file-mode "modes and actions" \
		'[.[] | select(.type == "event") | "\(.mode) \(.reason)"] | unique | join(",")' "deny-all deny-all"
	expect_eq file-mode "egress frames passed" "$(n_frames file-mode egress pass)" 0
	run cli-mode --policy "$T/deny-all.json" --mode allow-all "${sb[@]}" "$T/flows.pcap"
	expect cli-mode "frames not passed" '[.[] | select(.type == "frame" and .action != "pass")] | length' 0
	expect cli-mode "modes" '[.[] | select(.type == "event") | .mode] | unique | join(",")' "allow-all"
	expect cli-mode "frames with events (TCP: first payload or FIN)" \
		'[.[] | select(.type == "event") | .frame] | join(",")' "3,4,8,10,11,12"
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
		"[.[] | select(.type == \"frame\") | .file] | group_by(.) | map(length) | join(\",\")" "12,12"
	expect two "events in the second capture" \
		"[.[] | select(.type == \"event\" and .file == \"$T/again.pcap\")] | length" 0
	expect two "frame 5 of the second capture" \
		".[] | select(.type == \"frame\" and .file == \"$T/again.pcap\" and .frame == 5) | .action" "drop"
	"$EGRESS_REPLAY" --policy "$T/rules.json" "${sb[@]}" "$T/flows.pcap" "$T/again.pcap" > "$T/two.txt"
	grep -q "^$T/again.pcap: frame 10 egress pass$" "$T/two.txt" || fail "text form names no file"
	ok "rules, modes, several captures"
}

# --- names: TLS SNI and HTTP Host ------------------------------------------------------

# facts FILE OUT [CLIENT...]: what tshark reads in FILE, a JSON array with
# one object per frame: frame; saddr, daddr; src, dst (address and port as
# egress-replay writes them); flow ("SRC>DST", TCP only); len (TCP payload
# bytes); syn (SYN without ACK); named (the frame completes a ClientHello or
# an HTTP request head, as tshark reassembles them), proto ("tls", "http")
# and name (SNI or Host, canonical: lower case, no trailing dot, no port;
# "" for none); client (sent by a CLIENT; without CLIENT, by the sender of
# a named frame).
facts() {
	local file=$1 out=$2
	shift 2
	tshark -r "$file" -T fields -E occurrence=f \
		-e frame.number -e ip.src -e ipv6.src -e tcp.srcport \
		-e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.len -e tcp.flags.str \
		-e tls.handshake.type -e tls.handshake.extensions_server_name \
		-e http.request.method -e http.host > "$T/tshark.out" 2> "$T/tshark.err" ||
		fail "tshark $file: $(cat "$T/tshark.err")"
	jq -R -s '
		def ep($a; $p): if $p == "" then $a
			elif ($a | contains(":")) then "[\($a)]:\($p)"
			else "\($a):\($p)" end;
		def canon: ascii_downcase | rtrimstr(".");
		[split("\n")[] | select(length > 0) | split("\t")
		 | {frame: (.[0] | tonumber), saddr: (.[1] + .[2]), sport: .[3],
		    daddr: (.[4] + .[5]), dport: .[6], len: ((.[7] | tonumber?) // 0),
		    syn: ((.[8] | test("S")) and (.[8] | test("A") | not)),
		    tls: (.[9] == "1"), sni: .[10], http: (.[11] != ""), host: .[12]}
		 | .src = ep(.saddr; .sport) | .dst = ep(.daddr; .dport)
		 | .flow = (if .sport != "" then "\(.src)>\(.dst)" else null end)
		 | .named = (.tls or .http)
		 | .proto = (if .tls then "tls" elif .http then "http" else null end)
		 | .name = (if .tls then .sni | canon
			    elif .http then .host | sub(":[0-9]+$"; "") | canon
			    else null end)
		 | del(.sport, .dport, .tls, .sni, .http, .host)]
		| (if $ARGS.positional == [] then [.[] | select(.named) | .saddr] | unique
		   else $ARGS.positional end) as $clients
		| map(.client = (.saddr | IN($clients[])))' \
		--args "$@" < "$T/tshark.out" > "$out" || fail "$file: jq failed on tshark output"
}

# The names tshark reads in a facts file, in frame order, space-separated.
fact_names() {
	jq -r '[.[] | select(.named) | .name] | join(" ")' "$1"
}

# Its clients, as egress-replay options.
fact_clients() {
	jq -r '[.[] | select(.client) | .saddr] | unique[] | "--sandbox-addr\n\(.)"' "$1"
}

# dns_pcap OUT FACTS...: a capture of the DNS exchanges (mkpcap dns) that
# bind each named client flow's destination to its name, replayed before
# captures that lack their DNS: in deny mode a flow to an address no IP
# rule allows needs an allowed name bound to it (DESIGN section 4, "DNS
# binding"). Queries for names the policy does not allow are answered by
# the data path itself and bind nothing. Returns 1 when there is nothing
# to bind.
dns_pcap() {
	local out=$1 specs
	shift
	mapfile -t specs < <(jq -r '.[] | select(.client and .named and (.name // "") != ""
		and (.name | test("^[a-z0-9_.-]+$")) and (.name | test("^[0-9.]+$") | not))
		| "\(.saddr),\(.name),\(.daddr)"' "$@" | sort -u)
	[ "${#specs[@]}" -gt 0 ] || return 1
	"$MKPCAP" dns eth "$out" "${specs[@]}" || fail "mkpcap dns failed"
}

# names_check NAME FILE FACTS KIND RULES: checks run NAME on capture FILE
# (one of the run's captures) flow by flow against what tshark read
# (FACTS). Every client TCP flow in which tshark reads a name must be
# decided once, with an event naming that flow and (unless the decision
# comes before any name) its name, at the frame where the verdict is
# expected; a denied flow's frames pass before it and are dropped after it;
# nothing of an allowed flow is dropped. KIND and RULES (JSON: name -> rule)
# say what the policy is:
#   ip     every address allowed by IP rules; RULES: the names denied.
#          Decided at the frame completing the name: deny-rule, or
#          allow-rule by any rule;
#   names  no IP rule; RULES: the names allowed. Decided at the frame
#          completing the name (allow-rule, or not-allowlisted); a flow met
#          mid-stream (its first frame is no SYN) is denied at its first
#          frame, by its address: a name seen mid-stream never allows;
#   warn   warn mode without rules: nothing dropped, the event of each
#          flow names it and would deny.
names_check_jq='
def ev_str: "\(.frame) \(.verdict) \(.would_deny) \(.host) \(.proto) \(.reason) \(.rule)";
[.[] | select((.file // $file) == $file)] as $out
| [$out[] | select(.type == "frame")] as $frames
| (reduce $frames[] as $f ({}; .[$f.frame | tostring] = $f)) as $fr
| $facts[0] as $fx
| [$fx[] | select(.client and .flow != null)] as $cf
| ([$cf[] | select(.named and .name != "")] | group_by(.flow) | map(min_by(.frame))) as $named
| ([$named[] | select(.name as $n | $rules | has($n)) | .daddr] | unique) as $bound
| def act($n): $fr[$n | tostring].action // "none";
  (if ($frames | length) != ($fx | length) then
     "\($frames | length) frames replayed, tshark reads \($fx | length)" else empty end),
  (if $named == [] then "tshark reads no name" else empty end),
  ($named[] as $h
   | [$cf[] | select(.flow == $h.flow)] as $fl
   | ($fl | min_by(.frame)) as $first
   | {frame: $h.frame, host: $h.name, proto: $h.proto} as $at_name
   | (if $kind == "names" and ($first.syn | not) then
        {frame: $first.frame, verdict: "DENIED", would_deny: true, host: $h.daddr,
         proto: "tcp", reason: "not-allowlisted", rule: "default"}
      elif $kind == "names" and ($rules | has($h.name)) then
        $at_name + {verdict: "ALLOWED", would_deny: false, reason: "allow-rule", rule: $rules[$h.name]}
      elif $kind == "names" and ($h.daddr | IN($bound[]) | not) then
        {frame: $first.frame, verdict: "DENIED", would_deny: true, host: $h.daddr,
         proto: "tcp", reason: "unbound-address", rule: "default"}
      elif $kind == "names" then
        $at_name + {verdict: "DENIED", would_deny: true, reason: "not-allowlisted", rule: "default"}
      elif $kind == "ip" and ($rules | has($h.name)) then
        $at_name + {verdict: "DENIED", would_deny: true, reason: "deny-rule", rule: $rules[$h.name]}
      elif $kind == "ip" then
        $at_name + {verdict: "ALLOWED", would_deny: false, reason: "allow-rule", rule: "(a rule)"}
      else
        $at_name + {verdict: "ALLOWED", would_deny: true, reason: "not-allowlisted", rule: "default"}
      end) as $e
   | [$out[] | select(.type == "event" and .src == $h.src and .dst == $h.dst)
      | if $e.rule == "(a rule)" and .rule != "default" then .rule = "(a rule)" else . end
      | ev_str] as $got
   | def bad($m): "\($h.src) > \($h.dst) (\($h.name)): \($m)";
     (if $got != [$e | ev_str] then bad("events \($got), want [\($e | ev_str)]") else empty end),
     ([$fl[] | select($fr[.frame | tostring].dir != "egress") | .frame]
      | if length > 0 then bad("frames not egress: \(.)") else empty end),
     if $e.verdict == "ALLOWED" then
       [$fl[] | select(act(.frame) != "pass") | "\(.frame) \(act(.frame))"]
       | if length > 0 then bad("frames not passed: \(.)") else empty end
     else
       (if act($e.frame) | IN("tx", "drop") then empty
        else bad("frame \($e.frame): \(act($e.frame))") end),
       ([$fl[] | select(.frame < $e.frame and act(.frame) != "pass") | .frame]
        | if length > 0 then bad("not passed before frame \($e.frame): \(.)") else empty end),
       ([$fl[] | select(.frame > $e.frame and act(.frame) != "drop") | .frame]
        | if length > 0 then bad("not dropped after frame \($e.frame): \(.)") else empty end)
     end),
  (if $kind != "names" then
     [$out[] | select(.type == "event" and .verdict == "DENIED") | "\(.src)>\(.dst)"]
     - [$named[].flow]
     | if length > 0 then "DENIED outside the named flows: \(.)" else empty end
   else empty end),
  (if $kind == "warn" or ($kind == "ip" and $rules == {}) then
     [$frames[] | select(.action != "pass") | .frame]
     | if length > 0 then "frames not passed: \(.)" else empty end
   else empty end)'

names_check() {
	local name=$1 file=$2 facts=$3 kind=$4 rules=$5 err

	err=$(jq -s -r --arg file "$file" --arg kind "$kind" --argjson rules "$rules" \
		--slurpfile facts "$facts" "$names_check_jq" "$T/$name.out") ||
		fail "$name: jq failed"
	[ -z "$err" ] || fail "$name: $(basename "$file"): $err"
}

# JSON helpers: a list of names as an array, and as {name: name}.
json_list() {
	printf '%s\n' "$@" | jq -R -s -c 'split("\n") | map(select(length > 0))'
}
json_self() {
	printf '%s\n' "$@" | jq -R -s -c 'split("\n") | map(select(length > 0) | {(.): .}) | add // {}'
}

# Every TLS capture of the corpus in which tshark reads an SNI, and the
# names it reads there, one per ClientHello (from the corpus README).
declare -A SNI_NAMES=(
	[zeek-chrome-1250-tls-x25519-kyber.pcap]="lh3.google.com"
	[suricata-tls-client-hello-frag-mtu300.pcap]="www.google.com"
	[ndpi-tls_2_reasms.pcapng]="i.instagram.com"
	[ndpi-tls_2_reasms_b.pcapng]="video.fmct2-3.fna.fbcdn.net"
	[zeek-tls13-ech.pcap]="cloudflare-ech.com cloudflare-ech.com"
	[ndpi-tls_ech.pcapng]="performance.radar.cloudflare.com"
	[ndpi-tls_esni_sni_both.pcap]="these-are-not-the-droids-youre-looking-for.com you-think-thats-normal-tls-traffic-youre-seeing.com"
	[ndpi-dns_doh.pcap]="mozilla.cloudflare-dns.com"
)

# names_run_all NAME KIND RULES POLICY [OPTION...]: the SNI captures
# (sni_files, their clients in sni_sb) replayed together under POLICY (flow
# state is per 5-tuple and they share none), each checked by names_check
# against its facts in $T/BASENAME.facts.
names_run_all() {
	local name=$1 kind=$2 rules=$3 f dns=() facts=()
	policy "$name" "$4"
	shift 4
	if [ "$kind" = names ]; then
		for f in "${sni_files[@]}"; do
			facts+=("$T/$(basename "$f").facts")
		done
		dns_pcap "$T/$name-dns.pcap" "${facts[@]}" && dns=("$T/$name-dns.pcap")
	fi
	run "$name" --policy "$T/$name.json" "$@" "${sni_sb[@]}" "${dns[@]}" "${sni_files[@]}"
	for f in "${sni_files[@]}"; do
		names_check "$name" "$f" "$T/$(basename "$f").facts" "$kind" "$rules"
	done
}

case_names_sni() {
	local b f got these all=() sni_files=() sni_sb=() first second

	for b in $(printf '%s\n' "${!SNI_NAMES[@]}" | sort); do
		f=$EXT/$b
		facts "$f" "$T/$b.facts"
		got=$(fact_names "$T/$b.facts")
		expect_eq "$b" "names tshark reads" "$got" "${SNI_NAMES[$b]}"
		sni_files+=("$f")
		mapfile -t -O "${#sni_sb[@]}" sni_sb < <(fact_clients "$T/$b.facts")
		read -r -a these <<< "$got"
		all+=("${these[@]}")
	done
	mapfile -t all < <(printf '%s\n' "${all[@]}" | sort -u)
	local names rules
	names=$(json_list "${all[@]}")
	rules=$(json_self "${all[@]}")

	# Each name denied, every address allowed: the frame completing the
	# ClientHello is answered (RST) or dropped, with the one DENIED event.
	names_run_all sni-deny ip "$rules" \
		"{\"mode\":\"deny\",\"allow\":[\"0.0.0.0/0\",\"::/0\"],\"deny\":$names}"
	ok "${#all[@]} names denied by name, each at the frame that completes its ClientHello"
	# Each name allowed, every address allowed: the deny rule for a name
	# none of them carries makes the flows wait for their names.
	names_run_all sni-allow ip '{}' \
		"$(jq -c -n --argjson n "$names" \
		   '{mode: "deny", allow: (["0.0.0.0/0", "::/0"] + $n), deny: ["not-in-the-corpus.example"]}')"
	ok "the same names allowed, nothing of their flows dropped"
	# Only the names allowed: decided by name where the flow was seen from
	# its SYN; the two captures that start mid-connection are denied.
	names_run_all sni-names names "$rules" "{\"mode\":\"deny\",\"allow\":$names}"
	ok "allowed by name alone; flows met mid-stream denied at their first frame"
	names_run_all sni-warn warn '{}' '{}' --mode warn
	ok "warn mode: every flow reported with its name, would deny"

	# Wildcards match on label boundaries: *.cloudflare.com matches
	# performance.radar.cloudflare.com (two labels deeper), neither
	# cloudflare-ech.com nor mozilla.cloudflare-dns.com.
	names_run_all sni-wild-deny ip \
		'{"lh3.google.com":"*.google.com","www.google.com":"*.google.com",
		  "video.fmct2-3.fna.fbcdn.net":"*.fbcdn.net",
		  "performance.radar.cloudflare.com":"*.cloudflare.com"}' \
		'{"mode":"deny","allow":["0.0.0.0/0","::/0"],"deny":["*.google.com","*.fbcdn.net","*.cloudflare.com"]}'
	# An exact rule matches no name below it: cloudflare-dns.com does not
	# allow mozilla.cloudflare-dns.com.
	names_run_all sni-wild-names names \
		'{"lh3.google.com":"*.google.com","www.google.com":"*.google.com",
		  "performance.radar.cloudflare.com":"*.cloudflare.com"}' \
		'{"mode":"deny","allow":["*.google.com","*.cloudflare.com","cloudflare-dns.com"]}'
	ok "wildcards, on label boundaries; exact names exactly"

	# Two flows to one address with different names: one denied, one not.
	b=ndpi-tls_esni_sni_both.pcap
	read -r first second <<< "${SNI_NAMES[$b]}"
	policy sni-one "{\"mode\":\"deny\",\"allow\":[\"0.0.0.0/0\"],\"deny\":[\"$first\"]}"
	mapfile -t sni_sb < <(fact_clients "$T/$b.facts")
	run sni-one --policy "$T/sni-one.json" "${sni_sb[@]}" "$EXT/$b"
	names_check sni-one "$EXT/$b" "$T/$b.facts" ip "$(json_self "$first")"
	expect sni-one "the other name's event" \
		'[.[] | select(.type == "event" and .verdict == "ALLOWED") | .host] | join(",")' "$second"
	ok "$b: $first denied, $second allowed on the same address"
}

# The Chrome post-quantum ClientHello (1756 bytes in one frame as captured)
# re-segmented as a sender would: tshark still reads its name, and the
# frame completing it is decided with that name.
case_names_resegment() {
	local kyber=$EXT/zeek-chrome-1250-tls-x25519-kyber.pcap mss n sb name=lh3.google.com

	for mss in 1448 300 7 1; do
		"$EGRESS_RESEGMENT" --mss "$mss" "$kyber" "$T/kyber-$mss.pcap" ||
			fail "egress-resegment --mss $mss failed"
		facts "$T/kyber-$mss.pcap" "$T/kyber-$mss.facts"
		expect_eq "kyber-$mss" "names tshark reads" "$(fact_names "$T/kyber-$mss.facts")" "$name"
		# The hello is cut into ceil(1756 / mss) segments.
		n=$(jq '(.[] | select(.named) | .frame) as $h
			| [.[] | select(.client and .len > 0 and .frame <= $h)] | length' "$T/kyber-$mss.facts")
		expect_eq "kyber-$mss" "segments of the ClientHello" "$n" $(((1756 + mss - 1) / mss))
		mapfile -t sb < <(fact_clients "$T/kyber-$mss.facts")
		policy "kyber-$mss-deny" "{\"mode\":\"deny\",\"allow\":[\"0.0.0.0/0\"],\"deny\":[\"$name\"]}"
		run "kyber-$mss-deny" --policy "$T/kyber-$mss-deny.json" "${sb[@]}" "$T/kyber-$mss.pcap"
		names_check "kyber-$mss-deny" "$T/kyber-$mss.pcap" "$T/kyber-$mss.facts" ip \
			"{\"$name\":\"$name\"}"
		policy "kyber-$mss-allow" "{\"mode\":\"deny\",\"allow\":[\"$name\"]}"
		dns_pcap "$T/kyber-$mss-dns.pcap" "$T/kyber-$mss.facts"
		run "kyber-$mss-allow" --policy "$T/kyber-$mss-allow.json" "${sb[@]}" \
			"$T/kyber-$mss-dns.pcap" "$T/kyber-$mss.pcap"
		names_check "kyber-$mss-allow" "$T/kyber-$mss.pcap" "$T/kyber-$mss.facts" names \
			"{\"$name\":\"$name\"}"
		ok "Kyber ClientHello in $n segments of at most $mss bytes: denied and allowed by name"
	done
}

# TLS captures in which tshark reads no usable name: nothing of them is
# ever allowed by a name rule. The client of each (the captures that start
# with the server's packet need it given).
declare -A NO_SNI_CLIENT=(
	[ndpi-tls_missing_ch_frag.pcap]=192.168.0.1	# starts with the SYN-ACK
	[ndpi-tls_with_huge_ch.pcapng]=172.30.84.193
	[ndpi-tls-esni-fuzzed.pcap]=192.168.1.12	# three ClientHellos, no SYN
	[zeek-tls-fragmented-handshake.pcap]=192.168.6.86
	[zeek-tls-hrr.pcap]=10.192.48.168
)
# What tshark reads in their ClientHellos, as a JSON array of names.
declare -A NO_SNI_NAMES=(
	[ndpi-tls_missing_ch_frag.pcap]='[]'
	[ndpi-tls_with_huge_ch.pcapng]='[""]'
	[ndpi-tls-esni-fuzzed.pcap]='["","",""]'
	[zeek-tls-fragmented-handshake.pcap]='["104.236.167.107"]'
	[zeek-tls-hrr.pcap]='["",""]'
)
# Their one event per flow with {"mode":"deny","allow":["*"]}, from the
# frames tshark shows: the capture that starts mid-connection and the
# fuzzed ClientHellos (no SYN) are denied by address at their first
# frame; the flows seen from their SYN (the IP-literal SNI, the
# HelloRetryRequest) go to addresses no name is bound to, and "*" allows
# names, not addresses: unbound-address at the SYN. The huge
# ClientHello (11414 bytes; its record header says so at frame 8) is
# checked apart: hello-too-large, no later than the frame at which its
# bytes pass 8192.
declare -A NO_SNI_STAR=(
	[ndpi-tls_missing_ch_frag.pcap]="2 DENIED tcp not-allowlisted"
	[ndpi-tls-esni-fuzzed.pcap]="1 DENIED tcp not-allowlisted,2 DENIED tcp not-allowlisted,3 DENIED tcp not-allowlisted"
	[zeek-tls-fragmented-handshake.pcap]="1 DENIED tcp unbound-address"
	[zeek-tls-hrr.pcap]="1 DENIED tcp unbound-address"
)

# Per capture of a run: "EVENTS|VIOLATIONS" where EVENTS lists the TCP
# events as "frame verdict proto reason" and VIOLATIONS what must hold for
# every capture with no usable name: one event per client TCP flow, none
# ALLOWED unless $allowed, and (unless $allowed) every client frame with
# payload dropped or answered with a RST.
no_sni_jq='
[.[] | select((.file // $file) == $file)] as $out
| (reduce ($out[] | select(.type == "frame")) as $f ({}; .[$f.frame | tostring] = $f.action)) as $act
| [$facts[0][] | select(.client and .flow != null)] as $cf
| [$out[] | select(.type == "event" and (.proto | IN("tcp", "tls", "http")))] as $ev
| ([$ev[] | "\(.frame) \(.verdict) \(.proto) \(.reason)"] | join(",")) + "|" +
  ([([$cf[].flow] | unique[] as $fl
     | [$ev[] | select("\(.src)>\(.dst)" == $fl)] | length
     | select(. != 1) | "\($fl): \(.) events"),
    ($ev[] | select(.verdict == "ALLOWED" and ($allowed | not)) | "ALLOWED: \(.)"),
    ($cf[] | select(.len > 0 and ($allowed | not) and ($act[.frame | tostring] | IN("tx", "drop") | not))
     | "frame \(.frame) with payload: \($act[.frame | tostring])")]
   | join("; "))'

no_sni() {	# NAME FILE ALLOWED(true|false)
	jq -s -r --arg file "$2" --argjson allowed "$3" \
		--slurpfile facts "$T/$(basename "$2").facts" "$no_sni_jq" "$T/$1.out"
}

case_names_no_sni() {
	local b f files=() sb=() got err h

	for b in $(printf '%s\n' "${!NO_SNI_CLIENT[@]}" | sort); do
		facts "$EXT/$b" "$T/$b.facts" "${NO_SNI_CLIENT[$b]}"
		expect_eq "$b" "names tshark reads" \
			"$(jq -c '[.[] | select(.named) | .name]' "$T/$b.facts")" "${NO_SNI_NAMES[$b]}"
		files+=("$EXT/$b")
		sb+=(--sandbox-addr "${NO_SNI_CLIENT[$b]}")
	done

	# The huge ClientHello's server bound to a name "*" allows (as DNS
	# would have before it), so that its flow gets to show its hello.
	local hb=ndpi-tls_with_huge_ch.pcapng hd
	hd=$(jq -r '[.[] | select(.client) | .daddr] | first' "$T/$hb.facts")
	"$MKPCAP" dns eth "$T/no-sni-dns.pcap" "${NO_SNI_CLIENT[$hb]},huge-ch.example,$hd" ||
		fail "mkpcap dns failed"
	run no-sni-star --policy "$T/deny-star.json" "${sb[@]}" "$T/no-sni-dns.pcap" "${files[@]}"
	for f in "${files[@]}"; do
		b=$(basename "$f")
		got=$(no_sni no-sni-star "$f" false)
		err=${got#*|}
		[ -z "$err" ] || fail "no-sni-star: $b: $err"
		if [ "$b" = ndpi-tls_with_huge_ch.pcapng ]; then
			# the client frame at which more than 8192 bytes are held
			h=$(jq '[foreach (.[] | select(.client)) as $f (0; . + $f.len;
				 select(. > 8192) | $f.frame)] | first' "$T/$b.facts")
			if ! [[ ${got%%|*} =~ ^([0-9]+)\ DENIED\ tls\ hello-too-large$ ]] ||
			   [ "${BASH_REMATCH[1]}" -gt "$h" ]; then
				fail "no-sni-star: $b: events ${got%%|*}, want one DENIED tls hello-too-large by frame $h"
			fi
		else
			expect_eq no-sni-star "$b events" "${got%%|*}" "${NO_SNI_STAR[$b]}"
		fi
	done
	ok "ClientHellos without a usable name: never allowed by name, one event per flow"

	# warn: nothing dropped, one event per flow, each would deny.
	run no-sni-warn --policy "$T/empty.json" --mode warn "${sb[@]}" "${files[@]}"
	for f in "${files[@]}"; do
		got=$(no_sni no-sni-warn "$f" true)
		[ -z "${got#*|}" ] || fail "no-sni-warn: $(basename "$f"): ${got#*|}"
	done
	expect no-sni-warn "frames not passed" '[.[] | select(.type == "frame" and .action != "pass")] | length' 0
	expect no-sni-warn "TCP events that would not deny" \
		'[.[] | select(.type == "event" and (.proto | IN("tcp", "tls", "http")) and (.would_deny | not))] | length' 0

	# Every address allowed and a name rule to wait for: the
	# HelloRetryRequest flow is allowed once, at its first ClientHello, and
	# its second (frame 8) passes without a second decision; an IP-literal
	# SNI and a too large ClientHello stay denied.
	policy no-sni-ip '{"mode":"deny","allow":["0.0.0.0/0"],"deny":["not-in-the-corpus.example"]}'
	run no-sni-ip --policy "$T/no-sni-ip.json" "${sb[@]}" "${files[@]}"
	b=$EXT/zeek-tls-hrr.pcap
	got=$(no_sni no-sni-ip "$b" true)
	expect_eq no-sni-ip "zeek-tls-hrr.pcap" "$got" "4 ALLOWED tls allow-rule|"
	expect no-sni-ip "zeek-tls-hrr.pcap frames not passed" \
		"[.[] | select(.file == \"$b\" and .type == \"frame\" and .action != \"pass\")] | length" 0
	got=$(no_sni no-sni-ip "$EXT/zeek-tls-fragmented-handshake.pcap" false)
	expect_eq no-sni-ip "zeek-tls-fragmented-handshake.pcap" "$got" "4 DENIED tls invalid-name|"
	got=$(no_sni no-sni-ip "$EXT/ndpi-tls_with_huge_ch.pcapng" false)
	[[ $got =~ ^[0-9]+\ DENIED\ tls\ hello-too-large\|$ ]] ||
		fail "no-sni-ip: ndpi-tls_with_huge_ch.pcapng: $got"
	ok "HelloRetryRequest decided once; IP-literal SNI and a huge ClientHello denied by every policy"
}

# A capture of plain HTTP made here: nginx in one network namespace, curl
# in another, over a veth pair (198.18.0.0/15 and fd00::/8 only, no route
# out), captured with tcpdump. Four requests, each on its own connection:
# Host allowed.example, denied.example, Allowed.EXAMPLE. (the same name
# before canonicalisation), and denied.example over IPv6.
http_ns=()
http_pids=()
http_cleanup() {
	local pid ns
	for pid in "${http_pids[@]}"; do
		kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
	done
	for ns in "${http_ns[@]}"; do
		ip netns del "$ns" 2> /dev/null
	done
	true
}

http_capture() {	# OUT
	local out=$1 srv=egress-replay-srv-$$ cli=egress-replay-cli-$$ ns host url body
	local conf=$T/nginx/nginx.conf

	trap 'http_cleanup; rm -rf "$T"' EXIT
	trap 'exit 1' INT TERM
	for ns in "$srv" "$cli"; do
		ip netns add "$ns" || fail "ip netns add $ns"
		http_ns+=("$ns")
	done
	ip link add eg-c netns "$cli" type veth peer name eg-s netns "$srv" || fail "veth"
	ip -n "$srv" addr add 198.18.0.1/30 dev eg-s
	ip -n "$cli" addr add 198.18.0.2/30 dev eg-c
	ip -n "$srv" addr add fd00::1/64 dev eg-s nodad
	ip -n "$cli" addr add fd00::2/64 dev eg-c nodad
	ip -n "$srv" link set eg-s up
	ip -n "$cli" link set eg-c up

	mkdir -p "$T/nginx"
	cat > "$conf" <<-EOF
	worker_processes 1;
	pid $T/nginx/nginx.pid;
	error_log $T/nginx/error.log;
	events { worker_connections 16; }
	http {
		access_log off;
		client_body_temp_path $T/nginx/body;
		proxy_temp_path $T/nginx/proxy;
		fastcgi_temp_path $T/nginx/fastcgi;
		uwsgi_temp_path $T/nginx/uwsgi;
		scgi_temp_path $T/nginx/scgi;
		server {
			listen 198.18.0.1:80;
			listen [fd00::1]:80;
			location / { return 200 "ok\n"; }
		}
	}
	EOF
	ip netns exec "$srv" nginx -e "$T/nginx/error.log" -p "$T/nginx" -c "$conf" \
		-g 'daemon off;' 2> "$T/nginx/stderr" &
	http_pids+=($!)
	for _ in $(seq 50); do
		body=$(ip netns exec "$cli" curl -s --noproxy '*' --max-time 1 http://198.18.0.1/) && break
		sleep 0.1
	done
	[ "$body" = ok ] || fail "nginx does not answer: $(cat "$T/nginx/stderr" "$T/nginx/error.log")"

	ip netns exec "$cli" tcpdump -i eg-c -Z root --immediate-mode -U -w "$out" \
		'tcp port 80' 2> "$T/tcpdump.err" &
	http_pids+=($!)
	for _ in $(seq 50); do
		grep -q 'listening on' "$T/tcpdump.err" && break
		sleep 0.1
	done
	grep -q 'listening on' "$T/tcpdump.err" || fail "tcpdump: $(cat "$T/tcpdump.err")"
	for host in allowed.example denied.example Allowed.EXAMPLE. denied.example/6; do
		url=http://198.18.0.1/
		[ "${host%/6}" = "$host" ] || { host=${host%/6}; url='http://[fd00::1]/'; }
		body=$(ip netns exec "$cli" curl -sS -g --noproxy '*' --max-time 5 -H "Host: $host" "$url") ||
			fail "curl -H 'Host: $host' $url failed"
		[ "$body" = ok ] || fail "curl -H 'Host: $host' $url: $body"
	done
	sleep 0.2
	http_cleanup
	http_pids=()
	http_ns=()
}

case_names_http() {
	local tool pcap=$T/http.pcap p f sb names='allowed.example denied.example allowed.example denied.example'

	for tool in ip nginx curl tcpdump; do
		if ! command -v "$tool" > /dev/null; then
			echo "skip: $tool is not installed"
			exit 77
		fi
	done
	http_capture "$pcap"
	"$EGRESS_RESEGMENT" --mss 1 "$pcap" "$T/http-1.pcap" || fail "egress-resegment --mss 1 failed"

	for p in http http-1; do
		f=$T/$p.pcap
		facts "$f" "$T/$p.facts"
		expect_eq "$p" "names tshark reads" "$(fact_names "$T/$p.facts")" "$names"
		mapfile -t sb < <(fact_clients "$T/$p.facts")
		expect_eq "$p" "clients" "${sb[*]}" "--sandbox-addr 198.18.0.2 --sandbox-addr fd00::2"

		policy "$p-deny" '{"mode":"deny","allow":["198.18.0.0/15","fd00::/8"],"deny":["denied.example"]}'
		run "$p-deny" --policy "$T/$p-deny.json" "${sb[@]}" "$f"
		names_check "$p-deny" "$f" "$T/$p.facts" ip '{"denied.example":"denied.example"}'
		# the request of a denied flow is answered with a RST
		expect "$p-deny" "actions on the frames of DENIED events" \
			'[.[] | select(.type == "event" and .verdict == "DENIED") | .frame] as $d
			 | [.[] | select(.type == "frame" and (.frame | IN($d[]))) | .action] | unique | join(",")' "tx"
		expect "$p-deny" "DENIED events" \
			'[.[] | select(.type == "event" and .verdict == "DENIED") | "\(.host) \(.proto)"] | join(",")' \
			"denied.example http,denied.example http"

		policy "$p-names" '{"mode":"deny","allow":["allowed.example"]}'
		dns_pcap "$T/$p-dns.pcap" "$T/$p.facts"
		run "$p-names" --policy "$T/$p-names.json" "${sb[@]}" "$T/$p-dns.pcap" "$f"
		names_check "$p-names" "$f" "$T/$p.facts" names '{"allowed.example":"allowed.example"}'

		run "$p-warn" --policy "$T/empty.json" --mode warn "${sb[@]}" "$f"
		names_check "$p-warn" "$f" "$T/$p.facts" warn '{}'
	done
	ok "HTTP Host: allowed passes, denied gets a RST at the request, also in 1-byte segments"
}

# A 64 KiB super-frame as a flow's first payload (DESIGN section 4, step 6)
# while a name rule makes IP-allowed flows wait for their names: its bytes
# are neither TLS nor HTTP, so the address decides, as without the name
# rule (gso-superframes). The same for a flow met mid-stream (frame 8).
case_gso_names() {
	"$MKPCAP" large eth "$T/large.pcap"
	policy large-names '{"mode":"deny","allow":["198.18.0.1","fd00::1"],"deny":["api.example.com"]}'
	run large-names --policy "$T/large-names.json" "$T/large.pcap"
	summary large-names | awk '/^[0-9]/ { show = ($1 == 1 || $1 == 3 || $1 == 6 || $1 == 8) } show' \
		> "$T/gso-names.got"
	cat > "$T/gso-names.want" <<-EOF
	1 egress pass
	3 egress pass
	  ALLOWED tcp allow-rule 198.18.0.2:41000 > 198.18.0.1:443 rule=198.18.0.1
	6 egress tx
	  DENIED tcp not-allowlisted 198.18.0.2:41002 > 198.18.0.9:443 rule=default
	8 egress pass
	  ALLOWED tcp allow-rule [fd00::2]:41004 > [fd00::1]:443 rule=fd00::1
	EOF
	diff -u "$T/gso-names.want" "$T/gso-names.got" >&2 || fail "super-frames of flows waiting for a name decided wrongly"
	ok "GSO super-frames of flows waiting for a name"
}

# --- DNS ----------------------------------------------------------------------

# The frames of capture FILE that run NAME passed from the sandbox and that
# carry a payload (UDP, or TCP with data), as tshark reads them: none may.
passed_payload_frames() {
	local frames
	frames=$(q "$1" '[.[] | select(.type == "frame" and .dir == "egress" and .action == "pass") | .frame] | join(" ")')
	[ -n "$frames" ] || { echo 0; return; }
	tshark -r "$2" -Y "(udp || tcp.len > 0) && frame.number in {$frames}" 2>/dev/null | wc -l
}

# DNS tunnels and exfiltration under a policy that allows only pypi.org: no
# query passes; every one is answered with NXDOMAIN or dropped; a DENIED dns
# event for each. Malformed and hostile DNS never crashes or allows.
case_dns_tunnels() {
	local f n_queries n_events
	policy pypi '{"mode":"deny","allow":["pypi.org"]}'
	for f in ndpi-dns-tunnel-iodine.pcap ndpi-dns_exfiltration.pcap ndpi-dns2tcp_tunnel.pcap; do
		run "dns-$f" --policy "$T/pypi.json" "$EXT/$f"
		expect "dns-$f" "ALLOWED events" \
			'[.[] | select(.type == "event" and .verdict == "ALLOWED")] | length' 0
		expect_eq "dns-$f" "frames with a payload passed" \
			"$(passed_payload_frames "dns-$f" "$EXT/$f")" 0
		n_queries=$(tshark -r "$EXT/$f" -Y 'udp.dstport == 53 && dns.flags.response == 0' 2>/dev/null | wc -l)
		n_events=$(q "dns-$f" '[.[] | select(.type == "event" and .proto == "dns" and .verdict == "DENIED")] | length')
		expect_eq "dns-$f" "DENIED dns events (one per query)" "$n_events" "$n_queries"
	done
	expect dns-ndpi-dns-tunnel-iodine.pcap "queries answered NXDOMAIN" \
		'[.[] | select(.type == "frame" and .action == "tx")] | length' 181
	expect dns-ndpi-dns_exfiltration.pcap "queries answered NXDOMAIN" \
		'[.[] | select(.type == "frame" and .action == "tx")] | length' 150
	ok "DNS tunnels and exfiltration: every query answered NXDOMAIN or dropped"

	for f in zeek-dns-max-compression-depth.pcap suricata-dns-forward-pointer.pcap \
		 zeek-dns-invalid-names.pcap ndpi-malformed_dns.pcap zeek-dns-https-rr-ech.pcap \
		 ndpi-dns_fragmented.pcap; do
		run "dnsbad-$f" --policy "$T/pypi.json" "$EXT/$f"
		expect "dnsbad-$f" "ALLOWED dns events" \
			'[.[] | select(.type == "event" and .proto == "dns" and .verdict == "ALLOWED")] | length' 0
		expect_eq "dnsbad-$f" "frames with a payload passed" \
			"$(passed_payload_frames "dnsbad-$f" "$EXT/$f")" 0
	done
	ok "hostile and malformed DNS: nothing crashes, nothing passes"
}

case "$CASE" in
tunnels) case_tunnels ;;
fragments) case_fragments ;;
icmp-tunnel) case_icmp_tunnel ;;
corpus-deny) case_corpus_mode deny "$corpus_checks_deny" ;;
corpus-allow-all) case_corpus_mode allow-all "$corpus_checks_allow_all" ;;
corpus-all) case_corpus_all ;;
tc-ingress) case_tc_ingress ;;
bad-input) case_bad_input ;;
link-types) case_link_types ;;
large-frames) case_large_frames ;;
gso-superframes) case_gso_superframes ;;
attribution) case_attribution ;;
modes) case_modes ;;
gso-names) case_gso_names ;;
names-sni) need_tshark; case_names_sni ;;
names-resegment) need_tshark; case_names_resegment ;;
names-no-sni) need_tshark; case_names_no_sni ;;
names-http) need_tshark; case_names_http ;;
dns-tunnels) need_tshark; case_dns_tunnels ;;
*) fail "unknown case $CASE" ;;
esac
