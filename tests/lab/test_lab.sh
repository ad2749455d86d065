#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The lab itself, without egressd: brings it up under a prefix of its own
# with one sandbox of each kind (veth, tap, microVM) and checks from inside
# each that HTTPS (verified against the lab CA), plain HTTP, DNS (CNAME
# chains, several addresses, NXDOMAIN), ssh and a 100 MB upload work, that
# the host-side tap receives GSO super-frames, and that `down` leaves
# nothing behind. The microVM part is skipped, loudly, where QEMU cannot
# boot at all.
#
# usage: test_lab.sh LAB TAPRELAY
set -uo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 LAB TAPRELAY" >&2
	exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
for c in nginx dnsmasq /usr/sbin/sshd curl dig ssh tcpdump openssl; do
	if ! command -v "$c" >/dev/null; then
		echo "SKIP: $c is missing (sudo tools/deps)"
		exit 77
	fi
done

LAB_TAPRELAY=$(realpath "$2")
export LAB_TAPRELAY
export LAB_PREFIX=${LAB_TEST_PREFIX:-lt$(($$ % 100000))}
LAB=$1
P=$LAB_PREFIX
TMP=$(mktemp -d)
UPLOAD_MB=100
failed=0
ran=0

lab() {
	"$LAB" "$@"
}

cleanup() {
	lab down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	ran=$((ran + 1))
	echo "ok - $*"
}

fail() {
	ran=$((ran + 1))
	failed=$((failed + 1))
	echo "not ok - $*"
}

# check DESCRIPTION EXPECTED ACTUAL: equality.
check() {
	if [[ $2 == "$3" ]]; then
		ok "$1"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# check_re DESCRIPTION REGEX ACTUAL
check_re() {
	if [[ $3 =~ $2 ]]; then
		ok "$1"
	else
		fail "$1: '$3' does not match '$2'"
	fi
}

t0=$EPOCHREALTIME
if ! lab up; then
	echo "Bail out! tools/lab up failed"
	exit 1
fi
echo "# up: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
eval "$(lab env)"

# No route out: neither the host namespace nor a sandbox reaches anything
# but the lab's own addresses.
check "host namespace has no IPv4 default route" "" "$(ip -n "$LAB_HOST_NS" route show default)"
check "host namespace has no IPv6 default route" "" "$(ip -n "$LAB_HOST_NS" -6 route show default)"
check "host namespace does not forward" "0" "$(lab exec host sysctl -n net.ipv4.ip_forward)"

sandboxes=(v t)
lab sandbox add veth v || fail "sandbox add veth"
lab sandbox add tap t || fail "sandbox add tap"
t0=$EPOCHREALTIME
lab sandbox add vm m
rc=$?
if [[ $rc -eq 0 ]]; then
	sandboxes+=(m)
	echo "# microVM: $(lab status | awk '$1 == "m" {print $8, $9, $10}')," \
		"add took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
elif [[ $rc -eq 3 ]]; then
	echo "#"
	echo "# ***************************************************************"
	echo "# SKIP: the microVM sandbox: QEMU cannot boot here"
	echo "# ***************************************************************"
	echo "#"
else
	fail "sandbox add vm (exit $rc)"
fi
eval "$(lab env)"
lab status

# Again: idempotent, and nothing changes.
before=$(lab status)
lab up >/dev/null && lab sandbox add veth v && lab sandbox add tap t
check "up and sandbox add are idempotent" "$before" "$(lab status)"

sb_var() {
	local v="LAB_${1^^}_$2"
	echo "${!v}"
}

for s in "${sandboxes[@]}"; do
	kind=$(sb_var "$s" KIND)
	ip4=$(sb_var "$s" IP4)
	ip6=$(sb_var "$s" IP6)
	iface=$(sb_var "$s" IFACE)
	echo "# sandbox $s: $kind, host side $iface, $ip4 $ip6"

	check "$kind: host side $iface exists in $LAB_HOST_NS" 0 \
		"$(ip -n "$LAB_HOST_NS" link show "$iface" >/dev/null 2>&1; echo $?)"
	out=$(lab exec "$s" -- sh -c 'ip route show default; ip -6 route show default')
	check_re "$kind: default routes via the host side only" \
		"^default via 198\.19\.[0-9]+\.1 .*default via fd00:198:19:[0-9]+::1 " "$(echo $out)"

	out=$(lab exec "$s" -- curl -sS -m 10 https://pypi.org/)
	check "$kind: HTTPS (IPv6, lab CA as the system bundle)" "lab pypi.org https fd00:198:18::10" "$out"
	out=$(lab exec "$s" -- curl -4 -sS -m 10 --cacert "$LAB_CA" https://files.pythonhosted.org/)
	check "$kind: HTTPS (IPv4, through a CNAME chain)" "lab files.pythonhosted.org https 198.18.0.20" "$out"
	lab exec "$s" -- curl -sS -m 10 -o /dev/null https://198.18.0.30/ 2>/dev/null
	check "$kind: HTTPS to a name the certificate lacks fails verification" 60 "$?"
	out=$(lab exec "$s" -- curl -4 -sS -m 10 http://docs.example.org/)
	check "$kind: plain HTTP, IPv4" "lab docs.example.org http 198.18.0.30" "$out"
	out=$(lab exec "$s" -- curl -6 -sS -m 10 http://evil.example.net/)
	check "$kind: plain HTTP, IPv6, shared address" "lab evil.example.net http fd00:198:18::30" "$out"
	out=$(lab exec "$s" -- curl -sS -m 10 http://v6only.example.org/)
	check "$kind: plain HTTP to an IPv6-only name" "lab v6only.example.org http fd00:198:18::61" "$out"
	lab exec "$s" -- curl -sS -m 10 -o /dev/null http://no-such-name.example.org/ 2>/dev/null
	check "$kind: an unknown name does not resolve" 6 "$?"

	out=$(lab exec "$s" -- dig +short +time=2 +tries=1 multi.example.org A | sort | tr '\n' ' ')
	check "$kind: dig, several addresses" "198.18.0.50 198.18.0.51 " "$out"
	out=$(lab exec "$s" -- dig +short +time=2 +tries=1 tracker.example.com AAAA | tr '\n' ' ')
	check "$kind: dig, a CNAME" "exfil.example.net. fd00:198:18::41 " "$out"
	out=$(lab exec "$s" -- dig +time=2 +tries=1 @"$LAB_RESOLVER6" no-such-name.example.org A)
	check_re "$kind: dig over IPv6, NXDOMAIN" "status: NXDOMAIN" "$out"
	check_re "$kind: the resolver logs the sandbox's queries" \
		"query\[A\] multi\.example\.org from $ip4" "$(cat "$LAB_DNS_LOG")"

	out=$(lab exec "$s" -- ssh -i "$LAB_SSH_KEY" -o UserKnownHostsFile="$LAB_SSH_KNOWN_HOSTS" \
		-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 \
		root@ssh.lab.test 'echo $SSH_CLIENT')
	check_re "$kind: ssh to the lab's sshd" "^($ip4|$ip6) [0-9]+ 22$" "$out"

	lab exec "$s" -- sh -c 'echo out; echo err >&2; exit 7' >"$TMP/o" 2>"$TMP/e"
	rc=$?
	check "$kind: exec passes stdout, stderr and the exit status" "out|err|7" \
		"$(cat "$TMP/o")|$(cat "$TMP/e")|$rc"

	# The upload; on the tap kinds, with a capture of the host side.
	cap=
	if [[ $kind != veth ]]; then
		cap=$TMP/$s.pcap
		lab exec host timeout 120 tcpdump -i "$iface" -nn -q -s 128 -c 20 -w "$cap" \
			"tcp dst port 443 and greater 3000" 2>"$TMP/tcpdump.log" &
		tcpdump_pid=$!
		for ((i = 0; i < 50; i++)); do
			grep -q listening "$TMP/tcpdump.log" && break
			sleep 0.1
		done
	fi
	f=/tmp/lab-$P-$s.upload
	t0=$EPOCHREALTIME
	out=$(lab exec "$s" -- sh -c "dd if=/dev/urandom of=$f bs=1M count=$UPLOAD_MB 2>/dev/null &&
		sha256sum $f && curl -sS -m 120 -T $f -w '%{http_code} %{size_upload}' -o /dev/null \
		https://pypi.org/upload/$s; rc=\$?; rm -f $f; exit \$rc")
	rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	sent=$(echo "$out" | awk 'NR == 1 {print $1}')
	status=$(echo "$out" | awk 'NR == 2 {print $1, $2}')
	check "$kind: ${UPLOAD_MB} MB upload ($secs s)" "0 201 $((UPLOAD_MB * 1048576))" "$rc $status"
	got=$(sha256sum "$LAB_UPLOAD_DIR/$s" 2>/dev/null | cut -d' ' -f1)
	if [[ -n $sent && $sent == "$got" ]]; then
		ok "$kind: the upload arrived intact (sha256 $sent)"
	else
		fail "$kind: the upload's checksum: sent '$sent', received '$got'"
	fi
	rm -f "$LAB_UPLOAD_DIR/$s"

	if [[ -n $cap ]]; then
		wait "$tcpdump_pid"
		big=$(tcpdump -r "$cap" -nn -q 2>/dev/null | awk '{print $NF}' | sort -n | tail -1)
		n=$(tcpdump -r "$cap" -nn -q 2>/dev/null | wc -l)
		if [[ $n -gt 0 && ${big:-0} -gt 1500 ]]; then
			ok "$kind: the host side $iface receives GSO super-frames ($n frames > 3000 bytes, largest TCP payload $big)"
		else
			fail "$kind: no frame larger than the MTU on $iface ($n captured)"
		fi
	fi
	if [[ $kind == tap ]]; then
		kill -USR1 "$(cat "$LAB_DIR/sb/$s/taprelay.pid")"
		sleep 0.2
		gso=$(awk '$1 == "guest_to_host_gso" {print $2}' "$LAB_DIR/sb/$s/taprelay.stats")
		max=$(awk '$1 == "guest_to_host_max_len" {print $2}' "$LAB_DIR/sb/$s/taprelay.stats")
		if [[ ${gso:-0} -gt 0 && ${max:-0} -gt 1514 ]]; then
			ok "$kind: egress-taprelay relayed $gso GSO frames, the largest $max bytes"
		else
			fail "$kind: egress-taprelay relayed no GSO frame (gso=$gso max=$max)"
		fi
	fi
done

t0=$EPOCHREALTIME
lab sandbox del t || fail "sandbox del tap"
check "sandbox del removes the tap's host side" 1 \
	"$(ip -n "$LAB_HOST_NS" link show "$LAB_T_IFACE" >/dev/null 2>&1; echo $?)"
lab down || fail "down"
echo "# down: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')s"
check "down leaves no namespace" "" "$(ip netns list | awk '{print $1}' | grep "^$P-")"
check "down leaves no /etc/netns entry" "" "$(find /etc/netns -maxdepth 1 -name "$P-*" 2>/dev/null)"
check "down leaves no run state" 1 "$([[ -e $LAB_DIR ]]; echo $?)"
check "down is idempotent" 0 "$(lab down >/dev/null 2>&1; echo $?)"
check "status says down" "lab $P: down" "$(lab status)"

echo "1..$ran"
if [[ $failed -ne 0 ]]; then
	echo "# $failed of $ran failed"
	exit 1
fi
echo "# all $ran passed"
[[ " ${sandboxes[*]} " == *" m "* ]] || echo "# (microVM skipped: QEMU cannot boot here)"
exit 0
