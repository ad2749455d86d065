#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egressd end to end on one kind of sandbox (veth, tap or vm): a lab of its
# own (tools/lab), egressd running in the lab's host namespace on the
# sandbox's host-side interface, egressctl driving it, and real clients
# (curl, dig) inside the sandbox against the lab's nginx and dnsmasq:
#
#   - allowed HTTPS (SNI), plain HTTP (Host) and DNS work; denied ones fail
#     fast: a reset connection or an NXDOMAIN with EDE 15, under a second,
#     including a denied name on an allowed name's (shared CDN) address and
#     an allowed name sent to an address DNS never gave it;
#   - every attempt is in `egressctl audit` with its verdict and host;
#   - a 100 MB upload to an allowed host arrives intact, one to a denied host
#     sends nothing;
#   - mode switches (deny, warn, deny) and rule changes (allow, remove)
#     reach the running sandbox;
#   - egressd killed with SIGKILL in the middle of an upload: denied stays
#     denied, allowed keeps working, the upload arrives intact, and egressd
#     restarted re-adopts the sandbox and its rules.
#
# Exit 77 (skip) only where the kind is vm and QEMU cannot boot a guest.
#
# usage: test_e2e.sh KIND LAB EGRESSD EGRESSCTL TAPRELAY

# One compound command: bash reads all of it before running any of it.
{
set -uo pipefail

if [[ $# -ne 5 ]]; then
	echo "usage: $0 veth|tap|vm LAB EGRESSD EGRESSCTL TAPRELAY" >&2
	exit 2
fi
KIND=$1
LAB=$(realpath "$2")
EGRESSD=$(realpath "$3")
EGRESSCTL=$(realpath "$4")
LAB_TAPRELAY=$(realpath "$5")
export LAB_TAPRELAY
HERE=$(dirname "$(realpath "$0")")
PROBE=$(cat "$HERE/probe.sh") || exit 1

if [[ $(id -u) -ne 0 ]]; then
	echo "Bail out! needs root (network namespaces, BPF)"
	exit 1
fi
for c in nginx dnsmasq curl dig jq nsenter; do
	if ! command -v "$c" >/dev/null; then
		echo "Bail out! $c is missing (sudo tools/deps)"
		exit 1
	fi
done

export LAB_PREFIX=${E2E_PREFIX:-ee$(($$ % 100000))}
P=$LAB_PREFIX
SB=sb
DIR=$(mktemp -d /tmp/ee-e2e.XXXXXX)
BPFFS=/sys/fs/bpf/ee-$P
SOCK=$DIR/egressd.sock
EPID=
UPLOAD_MB=100
UPLOAD_BYTES=$((UPLOAD_MB * 1048576))
failed=0
ran=0

lab() { "$LAB" "$@"; }
ctl() { "$EGRESSCTL" --socket "$SOCK" "$@"; }
inhost() { nsenter --net=/run/netns/"$P-host" "$@"; }

reap() {
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
}

cleanup() {
	set +e
	[[ -n $EPID ]] && kill -9 "$EPID" 2>/dev/null && reap "$EPID"
	[[ -d $BPFFS ]] && inhost "$EGRESSD" --cleanup --bpffs "$BPFFS" --socket "$SOCK" >/dev/null 2>&1
	lab down >/dev/null 2>&1
	rm -rf "$BPFFS"
	if [[ $failed -ne 0 && -f $DIR/egressd.log ]]; then
		echo "# egressd's log:"
		sed 's/^/#   /' "$DIR/egressd.log" | tail -30
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	ran=$((ran + 1))
	echo "ok - $KIND: $*"
}

fail() {
	ran=$((ran + 1))
	failed=$((failed + 1))
	echo "not ok - $KIND: $*"
}

bail() {
	echo "Bail out! $KIND: $*"
	exit 1
}

secs() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# The egressd and its socket; $! is egressd itself (nsenter execs it).
start_egressd() {
	nsenter --net=/run/netns/"$P-host" "$EGRESSD" --config "$DIR/egressd.json" \
		--state-dir "$DIR/state" --socket "$SOCK" --bpffs "$BPFFS" \
		--profile-dir "$DIR/profiles" --always "$DIR/always.json" --foreground \
		>>"$DIR/egressd.log" 2>&1 &
	EPID=$!
	disown "$EPID"
	for _ in $(seq 300); do
		[[ -S $SOCK ]] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$EPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# run BATCH-NAME SCRIPT: SCRIPT (sh, with probe.sh's c and d) in the sandbox,
# its lines into the associative array R by id. One exec per batch.
declare -A R
run() {
	local name=$1 script=$2 line out rc
	out=$(lab exec "$SB" -- sh -c "$PROBE
$script" 2>"$DIR/$name.err")
	rc=$?
	echo "$out" >"$DIR/$name.out"
	[[ $rc -eq 0 ]] || fail "batch $name: exec exited $rc: $(head -c 300 "$DIR/$name.err")"
	while IFS= read -r line; do
		[[ $line == *"|"* ]] && R[${line%%|*}]=$line
	done <<<"$out"
}

# field ID N: field N (1 = the id) of a result line
field() { cut -d'|' -f"$2" <<<"${R[$1]:-}"; }

# curl_ok ID BODY-REGEX DESCRIPTION
curl_ok() {
	local rc body
	rc=$(field "$1" 2)
	body=$(field "$1" 4)
	if [[ $rc == 0 && $body =~ $2 ]]; then
		ok "$3"
	else
		fail "$3: curl exited '$rc', body '$body', stderr '$(field "$1" 5)'"
	fi
}

# curl_denied ID RC-REGEX DESCRIPTION: failed with one of the exit statuses
# (7 refused, 35 TLS reset, 56 reset while receiving), in under a second
curl_denied() {
	local rc t err
	rc=$(field "$1" 2)
	t=$(field "$1" 3 | cut -d' ' -f1)
	err=$(field "$1" 5)
	if [[ $rc =~ ^($2)$ ]] && awk -v t="$t" 'BEGIN { exit !(t != "" && t < 1) }'; then
		ok "$3 (curl $rc in ${t}s: $err)"
	else
		fail "$3: curl exited '$rc' after '${t}'s, wanted $2 in < 1 s: $err; body '$(field "$1" 4)'"
	fi
}

# dig_denied ID DESCRIPTION: NXDOMAIN with EDE 15 (Blocked), under a second
dig_denied() {
	local st ede qt
	st=$(field "$1" 3)
	ede=$(field "$1" 4)
	qt=$(field "$1" 5)
	if [[ $st == NXDOMAIN && $ede == 15 && -n $qt && $qt -lt 1000 ]]; then
		ok "$2 (NXDOMAIN, EDE 15, ${qt} ms)"
	else
		fail "$2: got status '$st', EDE '$ede', query time '$qt' ms (${R[$1]:-no result})"
	fi
}

# dig_ok ID ANSWERS DESCRIPTION
dig_ok() {
	local st ans
	st=$(field "$1" 3)
	ans=$(field "$1" 6)
	if [[ $st == NOERROR && $ans == "$2" ]]; then
		ok "$3"
	else
		fail "$3: got status '$st', answers '$ans', wanted '$2'"
	fi
}

# not_at_resolver NAME DESCRIPTION: dnsmasq never saw the sandbox ask NAME
not_at_resolver() {
	if grep -Eq "query\[[A-Z]+\] $1 from ($IP4|$IP6)\$" "$LAB_DNS_LOG"; then
		fail "$2: the lab's resolver got the query for $1"
	else
		ok "$2"
	fi
}

# The audit log: `egressctl audit SB -j` (docs/protocol.md), read again
# until the event is there or AUDIT_WAIT seconds have passed (egressd
# writes events as it reads them from the data path, not at once).
AUDIT=
AUDIT_WAIT=${AUDIT_WAIT:-5}
AUDIT_ARGS=()
audit_fetch() {
	local out
	if ! out=$(ctl -j audit "$SB" "${AUDIT_ARGS[@]}" 2>&1); then
		AUDIT_ERR=$out
		AUDIT='{"events": []}'
		return 1
	fi
	AUDIT_ERR=
	AUDIT=$out
}

audit_count() {
	jq "[(.events // .)[] | select($1)] | length" <<<"$AUDIT" 2>/dev/null
}

# audit_has DESCRIPTION JQ-CONDITION: some event satisfies the condition
audit_has() {
	local n t0=$EPOCHREALTIME
	while :; do
		n=$(audit_count "$2")
		[[ ${n:-0} -gt 0 || -n $AUDIT_ERR ]] && break
		awk -v a="$t0" -v b="$EPOCHREALTIME" -v w="$AUDIT_WAIT" 'BEGIN { exit !(b - a < w) }' || break
		sleep 0.5
		audit_fetch
	done
	if [[ ${n:-0} -gt 0 ]]; then
		ok "audit: $1"
	elif [[ -n $AUDIT_ERR ]]; then
		fail "audit: $1: egressctl audit $SB: $AUDIT_ERR"
	else
		fail "audit: $1: no event with $2 among $(jq -c '[(.events // .)[] | [.verdict, .host, .proto, .dst, .would_deny]]' <<<"$AUDIT" 2>/dev/null | head -c 1500)"
	fi
}

# ---- the lab, the sandbox, egressd ------------------------------------------
t0=$EPOCHREALTIME
lab up >"$DIR/lab-up.log" 2>&1 || bail "tools/lab up failed: $(tail -5 "$DIR/lab-up.log")"
lab sandbox add "$KIND" "$SB" >"$DIR/lab-sb.log" 2>&1
rc=$?
if [[ $rc -eq 3 && $KIND == vm ]]; then
	cat "$DIR/lab-sb.log"
	echo "#"
	echo "# ***************************************************************"
	echo "# SKIP: the end-to-end suite on a microVM: QEMU cannot boot here"
	echo "# ***************************************************************"
	echo "#"
	exit 77
fi
[[ $rc -eq 0 ]] || bail "tools/lab sandbox add $KIND $SB exited $rc: $(tail -5 "$DIR/lab-sb.log")"
eval "$(lab env)"
IFACE=$LAB_SB_IFACE
IP4=$LAB_SB_IP4
IP6=$LAB_SB_IP6
echo "# lab $P: $KIND sandbox $SB on $IFACE ($IP4 $IP6), up in $(secs "$t0")s"
[[ $KIND == vm ]] && echo "# $(lab status | awk -v s="$SB" '$1 == s')"

mkdir -p "$DIR/profiles" "$DIR/state"
echo '{"default_mode": "deny", "event_window_ms": 0}' >"$DIR/egressd.json"
echo '{"deny": ["169.254.0.0/16"], "allow": []}' >"$DIR/always.json"
start_egressd || bail "egressd did not come up: $(tail -5 "$DIR/egressd.log")"
out=$(ctl sandbox add "$SB" --iface "$IFACE" 2>&1) || bail "egressctl sandbox add: $out"
sbid=$(ctl -j sandbox list | jq -r ".sandboxes[] | select(.name == \"$SB\") | .id")

# The sandbox resolves through the lab's dnsmasq, which is not on the host
# side of its interface (egressd's default resolvers): the policy says so.
cat >"$DIR/policy.json" <<EOF
{"mode": "deny", "allow": ["pypi.org", "docs.example.org"], "deny": [],
 "resolvers": ["$LAB_RESOLVER4", "$LAB_RESOLVER6"]}
EOF
out=$(ctl policy import "$DIR/policy.json" "$SB" 2>&1) || bail "egressctl policy import: $out"
got=$(ctl -j sandbox list | jq -c ".sandboxes[] | select(.name == \"$SB\") | [.mode, .resolvers]")
if [[ $got == "[\"deny\",[\"$LAB_RESOLVER4\",\"$LAB_RESOLVER6\"]]" ]]; then
	ok "egressd enforces $IFACE: deny, resolvers $LAB_RESOLVER4 $LAB_RESOLVER6"
else
	bail "the sandbox after policy import: $got"
fi

# ---- allowed and denied, in deny mode ---------------------------------------
SNI_DENIED="-4 --resolve evil.example.net:443:198.18.0.30 https://evil.example.net"
HOST_DENIED="-4 --resolve evil.example.net:80:198.18.0.30 http://evil.example.net"
run deny "
c https_ok https://pypi.org/
c http_ok http://docs.example.org/
d dns_ok pypi.org A
d dns_denied evil.example.com A
d dns_denied6 evil.example.com AAAA
c name_denied https://evil.example.com/
d dns_shared docs.example.org A
c sni_denied $SNI_DENIED
c host_denied $HOST_DENIED
c sni_denied6 -6 --resolve 'evil.example.net:443:[fd00:198:18::30]' https://evil.example.net/
c unbound_addr -4 --resolve pypi.org:443:198.18.0.11 https://pypi.org/
"
curl_ok https_ok "^lab pypi\.org https " "allowed HTTPS (SNI pypi.org)"
curl_ok http_ok "^lab docs\.example\.org http " "allowed plain HTTP (Host docs.example.org)"
dig_ok dns_ok "198.18.0.10 " "allowed DNS (pypi.org A)"
dig_denied dns_denied "denied DNS (evil.example.com A)"
dig_denied dns_denied6 "denied DNS (evil.example.com AAAA)"
not_at_resolver evil.example.com "a denied query never reaches the resolver"
curl_denied name_denied 6 "curl to a denied name fails at resolution"
dig_ok dns_shared "198.18.0.30 " "DNS of the allowed name on the shared address"
curl_denied sni_denied "35|56" "HTTPS to a denied name on the shared address is reset (SNI)"
curl_denied host_denied "52|56" "plain HTTP to a denied name on the shared address is reset (Host)"
curl_denied sni_denied6 "35|56" "HTTPS over IPv6 to a denied name on the shared address is reset"
curl_denied unbound_addr "7|35|56" "an allowed name to an address DNS never gave it is refused"

audit_fetch
audit_has "HTTPS to pypi.org allowed" '.verdict == "ALLOWED" and .host == "pypi.org" and .proto == "tls"'
audit_has "HTTP to docs.example.org allowed" '.verdict == "ALLOWED" and .host == "docs.example.org" and .proto == "http"'
audit_has "DNS query for pypi.org allowed" '.verdict == "ALLOWED" and .host == "pypi.org" and .proto == "dns"'
audit_has "DNS query for evil.example.com denied" '.verdict == "DENIED" and .host == "evil.example.com" and .proto == "dns"'
audit_has "HTTPS to evil.example.net denied" '.verdict == "DENIED" and .host == "evil.example.net" and .proto == "tls"'
audit_has "HTTP to evil.example.net denied" '.verdict == "DENIED" and .host == "evil.example.net" and .proto == "http"'
audit_has "HTTPS over IPv6 to evil.example.net denied" '.verdict == "DENIED" and .host == "evil.example.net" and (.dst | contains("fd00:198:18::30"))'
audit_has "the flow to 198.18.0.11:443 denied" '.verdict == "DENIED" and (.dst | startswith("198.18.0.11:443"))'
audit_has "events name the sandbox" ".sandbox == \"$SB\""

# ---- 100 MB uploads -----------------------------------------------------------
# The file stays in the sandbox for the upload egressd is killed in.
F=/tmp/e2e-upload
t0=$EPOCHREALTIME
run upload "
dd if=/dev/urandom of=$F bs=1M count=$UPLOAD_MB 2>/dev/null
echo \"sha|\$(sha256sum $F | cut -d' ' -f1)\"
c up_ok -m 240 -T $F https://pypi.org/upload/$SB-ok
c up_denied -T $F $SNI_DENIED/upload/$SB-denied
c up_denied_http -T $F $HOST_DENIED/upload/$SB-denied-http
"
sha=$(field sha 2)
if [[ $(field up_ok 2) == 0 && $(field up_ok 3 | cut -d' ' -f2) == "$UPLOAD_BYTES" &&
	-n $sha && $(sha256sum "$LAB_UPLOAD_DIR/$SB-ok" 2>/dev/null | cut -d' ' -f1) == "$sha" ]]; then
	ok "$UPLOAD_MB MB upload over HTTPS to pypi.org arrived intact ($(secs "$t0")s with the file made, curl $(field up_ok 3 | cut -d' ' -f1)s)"
else
	fail "$UPLOAD_MB MB upload to pypi.org: ${R[up_ok]:-no result}, sha256 sent '$sha', received '$(sha256sum "$LAB_UPLOAD_DIR/$SB-ok" 2>/dev/null | cut -d' ' -f1)'"
fi
rm -f "$LAB_UPLOAD_DIR/$SB-ok"
curl_denied up_denied "35|56" "upload over HTTPS to a denied name is reset"
curl_denied up_denied_http "52|55|56" "upload over HTTP to a denied name is reset"
sent_https=$(field up_denied 3 | cut -d' ' -f2)
sent_http=$(field up_denied_http 3 | cut -d' ' -f2)
if [[ $sent_https == 0 && ! -e $LAB_UPLOAD_DIR/$SB-denied && ! -e $LAB_UPLOAD_DIR/$SB-denied-http ]] &&
	! grep -q "/upload/$SB-denied" "$LAB_DIR/logs/nginx-access.log"; then
	ok "the denied uploads reached nothing: no file, no request in nginx's log (curl sent $sent_https and $sent_http body bytes)"
else
	fail "a denied upload reached the server: $(ls "$LAB_UPLOAD_DIR"; grep "/upload/$SB-denied" "$LAB_DIR/logs/nginx-access.log")"
fi

# ---- mode switches and rule changes on the running sandbox ------------------
out=$(ctl mode --sandbox "$SB" warn 2>&1) || fail "egressctl mode warn: $out"
run warn "
c warn_sni $SNI_DENIED
d warn_dns evil.example.com A
"
curl_ok warn_sni "^lab evil\.example\.net https 198\.18\.0\.30" "warn: the denied name on the shared address passes"
dig_ok warn_dns "198.18.0.40 " "warn: the denied DNS query is answered"
audit_fetch
audit_has "warn: HTTPS to evil.example.net allowed, would deny" '.verdict == "ALLOWED" and .host == "evil.example.net" and .proto == "tls" and .mode == "warn" and .would_deny == true'

t_deny=$(date -u +%Y-%m-%dT%H:%M:%SZ)
out=$(ctl mode --sandbox "$SB" deny 2>&1) || fail "egressctl mode deny: $out"
out=$(ctl allow github.com --sandbox "$SB" 2>&1) || fail "egressctl allow github.com: $out"
run allow "
c deny_sni $SNI_DENIED
d deny_dns evil.example.com A
c gh_ok https://github.com/
"
curl_denied deny_sni "35|56" "deny again: the denied name on the shared address is reset"
dig_denied deny_dns "deny again: denied DNS"
curl_ok gh_ok "^lab github\.com https " "a rule added (allow github.com) reaches the running sandbox"

out=$(ctl remove github.com --sandbox "$SB" 2>&1) || fail "egressctl remove github.com: $out"
run remove "
d gh_dns github.com A
c gh_bound -4 --resolve github.com:443:198.18.0.11 https://github.com/
"
dig_denied gh_dns "a rule removed (github.com): its DNS is denied"
curl_denied gh_bound "7|35|56" "a rule removed: github.com at the address it was bound to is reset"
AUDIT_ARGS=(--since "$t_deny")
audit_fetch
audit_has "deny again: HTTPS to evil.example.net denied in deny mode" '.verdict == "DENIED" and .host == "evil.example.net" and .proto == "tls" and .mode == "deny"'
AUDIT_ARGS=()
audit_fetch
audit_has "HTTPS to github.com allowed while the rule was there" '.verdict == "ALLOWED" and .host == "github.com" and .proto == "tls"'
audit_has "DNS query for github.com denied once the rule was removed" '.verdict == "DENIED" and .host == "github.com" and .proto == "dns"'

now=$(ctl -j sandbox list | jq -r ".sandboxes[] | select(.name == \"$SB\") | .id")
if [[ $now == "$sbid" ]] && kill -0 "$EPID" 2>/dev/null; then
	ok "all of that without re-adding the sandbox or restarting egressd"
else
	fail "the sandbox's id went from '$sbid' to '$now' or egressd died"
fi

# ---- egressd killed with SIGKILL during an upload -----------------------------
# The sandbox and this script signal each other through nginx: the sandbox
# PUTs /upload/$SB-go once its upload runs and /upload/$SB-checked when its
# checks are done; this script answers in /upload/$SB-signal.
rules_before=$(ctl -j list --sandbox "$SB" | jq -c '[.rules[].id] | sort')
rm -f "$LAB_UPLOAD_DIR/$SB-"*
t0=$EPOCHREALTIME
(
	run_out=$(lab exec "$SB" -- sh -c "$PROBE
wait_for() {
	i=0
	while [ \"\$(curl -s -m 2 http://pypi.org/upload/$SB-signal)\" != \"\$1\" ]; do
		i=\$((i + 1))
		[ \$i -lt 300 ] || { echo \"timeout|waiting for \$1\"; return 1; }
		sleep 0.2
	done
}
( c kill_up -m 240 --limit-rate 4M -T $F http://pypi.org/upload/$SB-kill ) >/tmp/e2e.kill &
up=\$!
sleep 1
echo go | curl -s -m 5 -T - http://pypi.org/upload/$SB-go
wait_for killed
c dead_sni $SNI_DENIED
c dead_host $HOST_DENIED
d dead_dns evil.example.com A
c dead_ok https://pypi.org/
d dead_dns_ok docs.example.org A
echo done | curl -s -m 5 -T - http://pypi.org/upload/$SB-checked
wait \$up
cat /tmp/e2e.kill
echo \"sha|\$(sha256sum $F | cut -d' ' -f1)\"
rm -f $F
" 2>&1)
	echo "$run_out" >"$DIR/kill.out"
) &
runner=$!

wait_file() {
	for _ in $(seq 600); do
		[[ -e $1 ]] && return 0
		kill -0 "$runner" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
if wait_file "$LAB_UPLOAD_DIR/$SB-go"; then
	sleep 1
	kill -9 "$EPID"
	reap "$EPID"
	t_kill=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	inprogress=$(find "$LAB_DIR/nginx/body" -type f 2>/dev/null | wc -l)
	done_before=$(grep -c "/upload/$SB-kill" "$LAB_DIR/logs/nginx-access.log")
	echo "# egressd killed $(secs "$t0")s into the upload ($inprogress request body in progress at nginx)"
	if [[ $inprogress -gt 0 && $done_before -eq 0 ]]; then
		ok "egressd killed (SIGKILL) while the upload was in progress"
	else
		fail "the upload was not in progress when egressd was killed (bodies in progress: $inprogress, finished: $done_before)"
	fi
	echo killed >"$LAB_UPLOAD_DIR/$SB-signal"
	wait_file "$LAB_UPLOAD_DIR/$SB-checked" || fail "the sandbox's checks without egressd did not finish"
	start_egressd || bail "egressd did not come back: $(tail -5 "$DIR/egressd.log")"
	echo "# egressd restarted $(secs "$t0")s into the upload"
	if grep -q "/upload/$SB-kill" "$LAB_DIR/logs/nginx-access.log"; then
		echo "# (the upload had already finished: the restart happened after it)"
	fi
else
	fail "the upload in the sandbox did not start"
fi
wait "$runner"
R=()
while IFS= read -r line; do
	[[ $line == *"|"* ]] && R[${line%%|*}]=$line
done <"$DIR/kill.out"
[[ -z ${R[timeout]:-} ]] || fail "the sandbox timed out $(field timeout 2)"

curl_denied dead_sni "35|56" "egressd dead: HTTPS to the denied name still reset"
curl_denied dead_host "52|56" "egressd dead: HTTP to the denied name still reset"
dig_denied dead_dns "egressd dead: denied DNS still NXDOMAIN"
curl_ok dead_ok "^lab pypi\.org https " "egressd dead: a new allowed HTTPS connection works"
dig_ok dead_dns_ok "198.18.0.30 " "egressd dead: allowed DNS works"
sha=$(field sha 2)
got=$(sha256sum "$LAB_UPLOAD_DIR/$SB-kill" 2>/dev/null | cut -d' ' -f1)
if [[ $(field kill_up 2) == 0 && $(field kill_up 3 | cut -d' ' -f2) == "$UPLOAD_BYTES" && -n $sha && $got == "$sha" ]]; then
	ok "the upload egressd was killed in arrived intact ($(field kill_up 3 | cut -d' ' -f1)s, sha256 $sha)"
else
	fail "the upload egressd was killed in: ${R[kill_up]:-no result}, sha256 sent '$sha', received '$got'"
fi
rm -f "$LAB_UPLOAD_DIR/$SB-"*

# What the data path decided while egressd was dead reaches the audit log
# once it is back, or is reported lost: nothing is dropped silently.
if [[ -n ${t_kill:-} ]]; then
	AUDIT_ARGS=(--since "$t_kill")
	audit_fetch
	audit_has "egressd dead: denied DNS (evil.example.com) recorded after the restart, or reported lost" \
		'(.verdict == "DENIED" and .host == "evil.example.com" and .proto == "dns") or has("lost")'
	audit_has "egressd dead: denied HTTPS (evil.example.net) recorded after the restart, or reported lost" \
		'(.verdict == "DENIED" and .host == "evil.example.net" and .proto == "tls") or has("lost")'
	AUDIT_ARGS=()
fi

rules_after=$(ctl -j list --sandbox "$SB" | jq -c '[.rules[].id] | sort')
if [[ $rules_after == "$rules_before" ]]; then
	ok "egressd restarted: the same rules ($rules_after)"
else
	fail "egressd restarted: rule ids $rules_before before, $rules_after after"
fi
got=$(ctl -j status | jq -c ".sandboxes[] | select(.name == \"$SB\") | [.id, .iface, .mode]")
if [[ $got == "[$sbid,\"$IFACE\",\"deny\"]" ]]; then
	ok "egressd restarted: status shows the sandbox re-adopted ($got)"
else
	fail "egressd restarted: status shows '$got', wanted [$sbid,\"$IFACE\",\"deny\"]"
fi
run after "
c after_ok https://pypi.org/
c after_sni $SNI_DENIED
d after_dns evil.example.com A
"
curl_ok after_ok "^lab pypi\.org https " "after the restart: allowed HTTPS"
curl_denied after_sni "35|56" "after the restart: the denied name on the shared address is reset"
dig_denied after_dns "after the restart: denied DNS"
out=$(ctl allow github.com --sandbox "$SB" 2>&1) || fail "egressctl allow github.com after the restart: $out"
run after2 "c after_gh https://github.com/"
curl_ok after_gh "^lab github\.com https " "after the restart: a new rule reaches the sandbox"

echo "1..$ran"
if [[ $failed -ne 0 ]]; then
	echo "# $KIND: $failed of $ran failed"
	exit 1
fi
echo "# $KIND: all $ran passed"
exit 0
}
