#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DNS enforcement (over UDP and TCP) and DNS binding with real servers, in network namespaces
# of this test's own (DESIGN sections 4 and 5):
#   edn-sbx<N>   the sandbox: veth edn-g<N>, 198.18.50.2, clients (dig, curl, ssh)
#   edn-host<N>  the host: veth edn-h<N>, 198.18.50.1 (dnsmasq, the resolver),
#                (prefix "edn", or $EGRESS_TEST_PREFIX)
#                servers on 198.18.51.0/24 (nginx TLS+HTTP, sshd)
# The data path is attached to edn-h<N> by dp-attach (XDP generic, tc egress)
# with the policy: deny, allow pkg.example.com and git.example.com, resolver
# 198.18.50.1. Nothing routes out of the namespaces.
#
# Needs root, dnsmasq, nginx, sshd, dig, curl, ssh, openssl; skips (77)
# without them.
set -u

DP_ATTACH=${DP_ATTACH:?DP_ATTACH must name the dp-attach program}
SFX=$$
PFX=${EGRESS_TEST_PREFIX:-edn}	# netns and interface names
SBX=$PFX-sbx$SFX
HOST=$PFX-host$SFX
VG=$PFX-g$SFX
VH=$PFX-h$SFX
VG=${VG:0:15}
VH=${VH:0:15}
WORK=$(mktemp -d /tmp/edn-dns.XXXXXX)
FAILED=0
DP_PID=

skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root"
for t in dnsmasq nginx dig curl ssh ssh-keygen openssl ip; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || skip "no $t"
done
[ -x /usr/sbin/sshd ] || skip "no sshd"

cleanup() {
	[ -n "$DP_PID" ] && kill "$DP_PID" 2>/dev/null && wait "$DP_PID" 2>/dev/null
	for f in "$WORK"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	ip netns del "$SBX" 2>/dev/null
	ip netns del "$HOST" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }
in_sbx() { ip netns exec "$SBX" "$@"; }
in_host() { ip netns exec "$HOST" "$@"; }

# ---- namespaces -------------------------------------------------------------
ip netns add "$SBX" || exit 1
ip netns add "$HOST" || exit 1
ip link add "$VG" netns "$SBX" type veth peer name "$VH" netns "$HOST" || exit 1
in_sbx ip link set lo up
in_host ip link set lo up
in_sbx ip addr add 198.18.50.2/24 dev "$VG"
in_host ip addr add 198.18.50.1/24 dev "$VH"
in_sbx ip link set "$VG" up
in_host ip link set "$VH" up
in_sbx ip route add 198.18.51.0/24 via 198.18.50.1
for a in 10 20 21 30; do
	in_host ip addr add 198.18.51.$a/32 dev lo
done

# ---- servers ----------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pkg.example.com \
	-addext "subjectAltName=DNS:pkg.example.com" \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1 || exit 1
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
daemon on;
user root;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $WORK/nginx;
	proxy_temp_path $WORK/nginx;
	fastcgi_temp_path $WORK/nginx;
	uwsgi_temp_path $WORK/nginx;
	scgi_temp_path $WORK/nginx;
	server {
		listen 198.18.51.10:443 ssl;
		listen 198.18.51.30:443 ssl;
		listen 198.18.51.10:80;
		ssl_certificate $WORK/cert.pem;
		ssl_certificate_key $WORK/key.pem;
		location / { return 200 "egress-ok\n"; }
	}
}
EOF
in_host nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" || exit 1

cat >"$WORK/dnsmasq.conf" <<EOF
no-resolv
no-hosts
bind-interfaces
listen-address=198.18.50.1
port=53
log-queries
log-facility=$WORK/dnsmasq.log
pid-file=$WORK/dnsmasq.pid
host-record=pkg.example.com,198.18.51.10
host-record=git.example.com,198.18.51.20
host-record=exfil.evil.example.org,198.18.51.10
EOF
in_host dnsmasq --conf-file="$WORK/dnsmasq.conf" --user=root --group=root || exit 1

ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key" || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client_key" || exit 1
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
mkdir -p /run/sshd
cat >"$WORK/sshd_config" <<EOF
ListenAddress 198.18.51.20
ListenAddress 198.18.51.21
Port 22
HostKey $WORK/host_key
AuthorizedKeysFile $WORK/authorized_keys
PidFile $WORK/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
EOF
in_host /usr/sbin/sshd -f "$WORK/sshd_config" || exit 1

# ---- the data path ----------------------------------------------------------
cat >"$WORK/policy.json" <<EOF
{"mode": "deny", "allow": ["pkg.example.com", "git.example.com"],
 "resolvers": ["198.18.50.1"]}
EOF
# not through in_host: a backgrounded function is a subshell, and $! must be
# dp-attach itself for the cleanup to stop it (ip netns exec execs it)
ip netns exec "$HOST" "$DP_ATTACH" --iface "$VH" --policy "$WORK/policy.json" \
	>"$WORK/events.log" 2>"$WORK/dp-attach.err" &
DP_PID=$!
for _ in $(seq 50); do
	grep -q '^ready' "$WORK/events.log" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q '^ready' "$WORK/events.log"; then
	cat "$WORK/dp-attach.err"
	echo "FAIL: dp-attach did not come up"
	exit 1
fi

SSH=(ssh -i "$WORK/client_key" -o BatchMode=yes -o StrictHostKeyChecking=no
     -o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 -o LogLevel=ERROR)

# ---- a denied name: NXDOMAIN with EDE 15 from XDP, never at the resolver -----
out=$(in_sbx dig @198.18.50.1 exfil.evil.example.org A +tries=1 +time=2 +edns 2>&1)
if grep -q 'status: NXDOMAIN' <<<"$out" && grep -q 'EDE: 15 (Blocked)' <<<"$out"; then
	pass "denied name: NXDOMAIN with EDE 15"
else
	fail "denied name not answered NXDOMAIN/EDE 15:"$'\n'"$out"
fi
ms=$(sed -n 's/^;; Query time: \([0-9]*\) msec.*/\1/p' <<<"$out")
if [ -n "$ms" ] && [ "$ms" -lt 10 ]; then
	pass "denied name answered in $ms ms"
else
	fail "denied name answered in '${ms}' ms"
fi
if grep -q 'exfil' "$WORK/dnsmasq.log"; then
	fail "the resolver saw the denied query"
else
	pass "the resolver never saw the denied query"
fi

# ---- an allowed name resolves, and curl reaches it ------------------------------
addr=$(in_sbx dig @198.18.50.1 pkg.example.com A +short +tries=1 +time=2)
if [ "$addr" = 198.18.51.10 ] && grep -q 'query\[A\] pkg.example.com' "$WORK/dnsmasq.log"; then
	pass "allowed name resolved by the resolver"
else
	fail "allowed name did not resolve: '$addr'"
fi
out=$(in_sbx curl -sS --max-time 5 --cacert "$WORK/cert.pem" \
	--resolve "pkg.example.com:443:$addr" https://pkg.example.com/ 2>&1)
[ "$out" = egress-ok ] && pass "curl https to the bound address" ||
	fail "curl https to the bound address: $out"
out=$(in_sbx curl -sS --max-time 5 --resolve "pkg.example.com:80:$addr" \
	http://pkg.example.com/ 2>&1)
[ "$out" = egress-ok ] && pass "curl http to the bound address" ||
	fail "curl http to the bound address: $out"

# ---- the allowed name to an address DNS never gave it: refused (RST) --------------
start=$(date +%s%N)
out=$(in_sbx curl -sS --max-time 5 --cacert "$WORK/cert.pem" \
	--resolve pkg.example.com:443:198.18.51.30 https://pkg.example.com/ 2>&1)
rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $rc = 7 ] && [ $elapsed -lt 2000 ]; then
	pass "curl --resolve to an unbound address refused at once ($elapsed ms)"
else
	fail "curl --resolve to an unbound address: rc=$rc after $elapsed ms: $out"
fi
sleep 0.3
grep -q 'DENIED host=198.18.51.30 proto=tcp reason=unbound-address' "$WORK/events.log" &&
	pass "audited as unbound-address" || fail "no unbound-address event"

# ---- DNS over TCP: names judged per query, answers bind --------------------------
start=$(date +%s%N)
out=$(in_sbx dig +tcp @198.18.50.1 tunnel.evil.example.org A +tries=1 +time=3 2>&1)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if grep -q 'connection reset' <<<"$out" && ! grep -q 'status: NOERROR' <<<"$out" &&
   [ $elapsed -lt 2000 ]; then
	pass "denied name over TCP: connection reset ($elapsed ms)"
else
	fail "denied name over TCP after $elapsed ms:"$'\n'"$out"
fi
sleep 0.3
if grep -q 'tunnel' "$WORK/dnsmasq.log"; then
	fail "the resolver saw the denied TCP query"
else
	pass "the resolver never saw the denied TCP query"
fi
grep -q 'DENIED host=tunnel.evil.example.org proto=dns' "$WORK/events.log" &&
	pass "denied TCP query audited" || fail "no event for the denied TCP query"

# git.example.com is asked over TCP only: its answer alone binds it (ssh below)
gaddr=$(in_sbx dig +tcp @198.18.50.1 git.example.com A +short +tries=1 +time=3)
if [ "$gaddr" = 198.18.51.20 ] && grep -q 'query\[A\] git.example.com' "$WORK/dnsmasq.log"; then
	pass "allowed name resolved over TCP"
else
	fail "allowed name over TCP did not resolve: '$gaddr'"
fi

# several queries on one connection: each judged; a denied one ends it
out=$(in_sbx dig +tcp +keepopen @198.18.50.1 pkg.example.com A git.example.com A \
	+short +tries=1 +time=3 2>&1)
if [ "$(grep -c '^198\.18\.51\.' <<<"$out")" = 2 ]; then
	pass "two allowed queries on one TCP connection"
else
	fail "two allowed queries on one TCP connection:"$'\n'"$out"
fi
out=$(in_sbx dig +tcp +keepopen @198.18.50.1 pkg.example.com A second.evil.example.org A \
	+short +tries=1 +time=3 2>&1)
sleep 0.3
if grep -q '^198\.18\.51\.10' <<<"$out" && grep -q 'connection reset' <<<"$out" &&
   ! grep -q 'second' "$WORK/dnsmasq.log"; then
	pass "a denied second query on a TCP connection: reset, never at the resolver"
else
	fail "a denied second query on a TCP connection:"$'\n'"$out"
fi

# ---- ssh (no name) to an address an allowed name resolved to ----------------------
if in_sbx "${SSH[@]}" "root@$gaddr" true; then
	pass "ssh to the address bound by the TCP answer $gaddr"
else
	fail "ssh to the address bound by the TCP answer '$gaddr'"
fi
if in_sbx "${SSH[@]}" root@198.18.51.21 true 2>/dev/null; then
	fail "ssh to an unbound address connected"
else
	pass "ssh to an unbound address refused"
fi

if [ $FAILED != 0 ]; then
	echo "--- events"; cat "$WORK/events.log"
	echo "--- dnsmasq"; cat "$WORK/dnsmasq.log"
	echo "--- dp-attach"; cat "$WORK/dp-attach.err"
	exit 1
fi
exit 0
