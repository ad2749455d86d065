# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The integration tests' world: a host namespace with nginx (HTTPS on 443,
# plain HTTP on 80, one certificate for every name), two sandbox namespaces
# behind veths, egressd attached on the host side, egressctl its only client.
# Addresses: 198.18.0.0/24 and fd00:e1::/64 for sb1, 198.18.1.0/24 for sb2;
# no default route anywhere.
#
#   source lib.sh EGRESSD EGRESSCTL

EGRESSD=$1
EGRESSCTL=$2
P=ein$$
HOST=$P-h
SB1=$P-s1
SB2=$P-s2
HIF1=ein${$}h1
SIF1=ein${$}s1
HIF2=ein${$}h2
SIF2=ein${$}s2
DIR=$(mktemp -d "${EIN_TMP:-/tmp}/ein-test.XXXXXX")
BPFFS=/sys/fs/bpf/ein-$$
SOCK=$DIR/run/egressd.sock
PID=
CLEANUPS=()

reap() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; }
fail() {
	echo "FAIL: $*" >&2
	[[ -f $DIR/egressd.log ]] && tail -20 "$DIR/egressd.log" >&2
	exit 1
}
ok() { echo "ok: $*"; }

cleanup() {
	set +e
	# curl loops and downloads a failed check left running
	local j
	for j in $(jobs -p); do kill "$j" 2>/dev/null; done
	for c in "${CLEANUPS[@]}"; do eval "$c"; done
	[[ -n $PID ]] && kill -9 "$PID" 2>/dev/null && reap "$PID"
	[[ -d $BPFFS ]] && inhost "$EGRESSD" --cleanup --bpffs "$BPFFS" --socket "$SOCK" >/dev/null 2>&1
	[[ -f $DIR/nginx.pid ]] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null
	[[ -f $DIR/dnsmasq.pid ]] && kill "$(cat "$DIR/dnsmasq.pid")" 2>/dev/null
	[[ -f $DIR/dnsmasq2.pid ]] && kill "$(cat "$DIR/dnsmasq2.pid")" 2>/dev/null
	ip netns del "$HOST" 2>/dev/null
	ip netns del "$SB1" 2>/dev/null
	ip netns del "$SB2" 2>/dev/null
	cp "$DIR/egressd.log" /tmp/ein-last.log 2>/dev/null
	rm -rf "$BPFFS" "$DIR"
}
trap cleanup EXIT

# nsenter keeps /sys (and with it bpffs) as it is; ip netns exec would not
inhost() { nsenter --net=/run/netns/"$HOST" "$@"; }
in1() { ip netns exec "$SB1" "$@"; }
in2() { ip netns exec "$SB2" "$@"; }
ctl() { inhost "$EGRESSCTL" --socket "$SOCK" "$@"; }

# Asks the sandbox's resolver for NAME first, as a client would: in deny
# mode a name's flows go only to addresses DNS bound to it. Every name
# resolves to the host side of the sandbox's link; a denied one gets
# NXDOMAIN and binds nothing.
lookup() {
	local ns=$1 name=$2 server=198.18.0.1

	[[ $ns == "$SB2" ]] && server=198.18.1.1
	ip netns exec "$ns" dig +short +tries=1 +time=2 @"$server" "$name" A "$name" AAAA \
		>/dev/null 2>&1 || true
}
# HTTPS to NAME (SNI and Host) at the host, from namespace ns: 0 when it answered
https() {
	local ns=$1 name=$2 addr=${3:-198.18.0.1}
	lookup "$ns" "$name"
	ip netns exec "$ns" curl -sfk -o /dev/null --max-time 3 \
		--resolve "$name:443:$addr" "https://$name/"
}
# plain HTTP with Host: NAME
http() {
	local ns=$1 name=$2 addr=${3:-198.18.0.1}
	lookup "$ns" "$name"
	ip netns exec "$ns" curl -sf -o /dev/null --max-time 3 \
		--resolve "$name:80:$addr" "http://$name/"
}
# TLS to port 853, as DNS over TLS goes
dot() {
	local ns=$1 name=$2 addr=${3:-198.18.0.1}
	lookup "$ns" "$name"
	ip netns exec "$ns" curl -sfk -o /dev/null --max-time 3 \
		--resolve "$name:853:$addr" "https://$name:853/"
}
# a DNS query to sb1's resolver: 0 when a.example's address came back
dns() { [[ $(ip netns exec "$SB1" dig +short +tries=1 +time=2 @198.18.0.1 "$1") == 198.18.0.1 ]]; }
# expect CMD... to succeed / fail, with a message
pass() { local m=$1; shift; "$@" || fail "$m: '$*' failed"; }
block() { local m=$1; shift; ! "$@" || fail "$m: '$*' got through"; }

# the rule list of a scope as JSON, for comparing before and after
snapshot() { ctl -j list "$@" | jq -cS .; }

start() {
	mkdir -p "$DIR/run"
	# nsenter execs egressd: $! is egressd itself, for kill -9
	nsenter --net=/run/netns/"$HOST" "$EGRESSD" --config "$DIR/egressd.json" \
		--state-dir "$DIR/state" --socket "$SOCK" --bpffs "$BPFFS" \
		--profile-dir "$DIR/profiles" --always "$DIR/always.json" --foreground \
		>>"$DIR/egressd.log" 2>&1 &
	PID=$!
	disown "$PID"	# no job notice when it is killed; bash still reaps it
	for _ in $(seq 100); do
		[[ -S $SOCK ]] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || fail "egressd exited"
		sleep 0.1
	done
	fail "egressd did not come up"
}

setup_world() {
	ip netns add "$HOST"
	ip netns add "$SB1"
	ip netns add "$SB2"
	ip -n "$HOST" link add "$HIF1" type veth peer name "$SIF1" netns "$SB1"
	ip -n "$HOST" link add "$HIF2" type veth peer name "$SIF2" netns "$SB2"
	ip -n "$HOST" addr add 198.18.0.1/24 dev "$HIF1"
	ip -n "$HOST" addr add fd00:e1::1/64 dev "$HIF1" nodad
	ip -n "$HOST" addr add 198.18.1.1/24 dev "$HIF2"
	ip -n "$SB1" addr add 198.18.0.2/24 dev "$SIF1"
	ip -n "$SB1" addr add fd00:e1::2/64 dev "$SIF1" nodad
	ip -n "$SB2" addr add 198.18.1.2/24 dev "$SIF2"
	for ns in "$HOST" "$SB1" "$SB2"; do ip -n "$ns" link set lo up; done
	ip -n "$HOST" link set "$HIF1" up
	ip -n "$HOST" link set "$HIF2" up
	ip -n "$SB1" link set "$SIF1" up
	ip -n "$SB2" link set "$SIF2" up

	mkdir -p "$DIR/profiles" "$DIR/www"
	chmod 0755 "$DIR"	# nginx workers read www
	echo hello >"$DIR/www/index.html"
	# a large file served slowly, for a transfer that lasts
	truncate -s 64M "$DIR/www/big"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ein.test \
		-keyout "$DIR/key.pem" -out "$DIR/cert.pem" 2>/dev/null
	cat >"$DIR/nginx.conf" <<NGX
daemon on;
pid $DIR/nginx.pid;
error_log $DIR/nginx.err;
worker_processes 1;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $DIR/tmp;
	proxy_temp_path $DIR/tmp;
	fastcgi_temp_path $DIR/tmp;
	uwsgi_temp_path $DIR/tmp;
	scgi_temp_path $DIR/tmp;
	server {
		listen 80;
		listen [::]:80;
		listen 443 ssl;
		listen [::]:443 ssl;
		listen 853 ssl;
		ssl_certificate $DIR/cert.pem;
		ssl_certificate_key $DIR/key.pem;
		root $DIR/www;
		location = /big { limit_rate 256k; }
	}
}
NGX
	mkdir -p "$DIR/tmp"
	inhost nginx -c "$DIR/nginx.conf" -e "$DIR/nginx.err"
	# DNS on the host side, the sandboxes' default resolvers (the host side of
	# their links): every name is the host side itself
	inhost dnsmasq --no-resolv --no-hosts --bind-interfaces --listen-address=198.18.0.1 \
		--except-interface=lo --address=/#/198.18.0.1 --address=/#/fd00:e1::1 --user=root \
		--pid-file="$DIR/dnsmasq.pid" --log-facility="$DIR/dnsmasq.log"
	inhost dnsmasq --no-resolv --no-hosts --bind-interfaces --listen-address=198.18.1.1 \
		--except-interface=lo --address=/#/198.18.1.1 --user=root \
		--pid-file="$DIR/dnsmasq2.pid" --log-facility="$DIR/dnsmasq2.log"
	cat >"$DIR/profiles/lab.json" <<'J'
{"name": "lab", "description": "the lab's web servers", "allow": ["lab.example", "*.lab.example"]}
J
	echo '{"default_mode": "deny", "default_profiles": [], "event_window_ms": 0}' >"$DIR/egressd.json"
	echo '{"deny": ["blocked.example", "169.254.0.0/16"], "allow": []}' >"$DIR/always.json"
}
