# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The lab the through-the-kernel benchmarks share (sourced by through.sh,
# compare.sh and control.sh): a host namespace with the servers (iperf3,
# nginx with TLS, dnsmasq) and a sandbox namespace behind a veth, and,
# when egress-taprelay is built, behind a tap pair as a VMM's virtio-net
# backend makes it. Addresses only from 198.18.0.0/15, no route out.
#
#   host 198.18.0.1/24 (+ .3) <-veth-> 198.18.0.2/24 sandbox
#   host 198.18.1.1/24        <-tap--> 198.18.1.2/24 sandbox (egress-taprelay)
#   host 198.18.2.1/24        <-veth-> 198.18.2.2/24 sandbox (the pair: never
#                                      anything attached, for paired timings)
#
# Callers set BUILDDIR and call lab_init; lab_cleanup runs on EXIT.

# shellcheck disable=SC2034 # these are read by the scripts that source this
LAB_P=ebe$$
HOSTNS=$LAB_P-h
SBNS=$LAB_P-s
HIF=${LAB_P}h0
SIF=${LAB_P}s0
HTAP=${LAB_P}h1
STAP=${LAB_P}s1
PIF=${LAB_P}h2
PSIF=${LAB_P}s2
HOST_IP=198.18.0.1
HOST_IP2=198.18.0.3
SB_IP=198.18.0.2
HOST_TAP_IP=198.18.1.1
SB_TAP_IP=198.18.1.2
HOST_PAIR_IP=198.18.2.1
SB_PAIR_IP=198.18.2.2
LAB_NAME=lab.example
LAB_DIR=
LAB_BPFFS=/sys/fs/bpf/ebe-$$
LAB_SOCK=
EGRESSD_PID=
TAPRELAY=
TAPRELAY_WHY=

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

inhost() { nsenter --net=/run/netns/"$HOSTNS" "$@"; }	# keeps /sys and bpffs
insb() { nsenter --net=/run/netns/"$SBNS" "$@"; }
ctl() { inhost "$EGRESSCTL" --socket "$LAB_SOCK" "$@"; }
now_ns() { local t=$EPOCHREALTIME; echo "${t/./}000"; }

# Median of the numbers on stdin (null when there are none).
median() { jq -s 'map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end'; }

lab_init() {
	EGRESSD=$BUILDDIR/agent/egressd
	EGRESSCTL=$BUILDDIR/cli/egressctl
	CONNECT=$BUILDDIR/bench/egress-connect
	EMPTY_XDP=$BUILDDIR/bpf/empty.bpf.o
	EMPTY_TC=$BUILDDIR/bench/empty_tc.bpf.o
	local f
	for f in "$EGRESSD" "$EGRESSCTL" "$CONNECT" "$EMPTY_XDP" "$EMPTY_TC"; do
		[[ -e $f ]] || die "$f is missing (build it first)"
	done
	for f in iperf3 nginx dnsmasq nft jq openssl; do
		command -v "$f" >/dev/null || die "$f is missing (tools/deps installs it)"
	done
	# the tap relay of the lab, when it is built
	for f in "${EGRESS_TAPRELAY:-}" "$BUILDDIR/tools/taprelay/egress-taprelay"; do
		[[ -n $f && -x $f ]] && { TAPRELAY=$f; break; }
	done
	[[ -n $TAPRELAY ]] || TAPRELAY_WHY="egress-taprelay is not built ($BUILDDIR/tools/taprelay/egress-taprelay; EGRESS_TAPRELAY= overrides)"
	LAB_DIR=$(mktemp -d /tmp/ebe-lab.XXXXXX)
	chmod 0755 "$LAB_DIR"	# nginx workers read www/
	LAB_SOCK=$LAB_DIR/egressd.sock
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
}

lab_cleanup() {
	set +e
	egressd_stop
	local p
	for p in "$LAB_DIR"/*.pid; do
		[[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 0.1
	ip netns del "$HOSTNS" 2>/dev/null
	ip netns del "$SBNS" 2>/dev/null
	rm -rf "$LAB_BPFFS"
	[[ -n $LAB_DIR ]] && rm -rf "$LAB_DIR"
}

lab_up() {
	ip netns add "$HOSTNS"
	ip netns add "$SBNS"
	ip -n "$HOSTNS" link set lo up
	ip -n "$SBNS" link set lo up
	ip -n "$HOSTNS" link add "$HIF" type veth peer name "$SIF" netns "$SBNS"
	ip -n "$HOSTNS" addr add "$HOST_IP/24" dev "$HIF"
	ip -n "$HOSTNS" addr add "$HOST_IP2/24" dev "$HIF"
	ip -n "$SBNS" addr add "$SB_IP/24" dev "$SIF"
	ip -n "$HOSTNS" link set "$HIF" up
	ip -n "$SBNS" link set "$SIF" up
	ip -n "$HOSTNS" link add "$PIF" type veth peer name "$PSIF" netns "$SBNS"
	ip -n "$HOSTNS" addr add "$HOST_PAIR_IP/24" dev "$PIF"
	ip -n "$SBNS" addr add "$SB_PAIR_IP/24" dev "$PSIF"
	ip -n "$HOSTNS" link set "$PIF" up
	ip -n "$SBNS" link set "$PSIF" up
	if [[ -n $TAPRELAY ]]; then
		"$TAPRELAY" --daemon --pidfile "$LAB_DIR/taprelay.pid" \
			--guest-ns "$SBNS" --guest-tap "$STAP" \
			--host-ns "$HOSTNS" --host-tap "$HTAP" 2>>"$LAB_DIR/taprelay.log" || {
			TAPRELAY_WHY="egress-taprelay failed: $(tail -1 "$LAB_DIR/taprelay.log")"
			TAPRELAY=
		}
	fi
	if [[ -n $TAPRELAY ]]; then
		ip -n "$HOSTNS" addr add "$HOST_TAP_IP/24" dev "$HTAP"
		ip -n "$SBNS" addr add "$SB_TAP_IP/24" dev "$STAP"
		ip -n "$HOSTNS" link set "$HTAP" up
		ip -n "$SBNS" link set "$STAP" up
	fi
	insb ping -c1 -W2 "$HOST_IP" >/dev/null || die "the lab's veth does not pass traffic"
	insb ping -c1 -W2 "$HOST_PAIR_IP" >/dev/null || die "the lab's pair veth does not pass traffic"
}

# iperf3, nginx (TLS on 443: / and a large /big), dnsmasq (the lab's names:
# *.example is HOST_IP, *.new.example HOST_IP2).
servers_up() {
	local d=$LAB_DIR
	mkdir -p "$d/www"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=$LAB_NAME" -days 2 -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
	echo hello >"$d/www/index.html"
	head -c $((64 << 20)) /dev/zero >"$d/www/big"
	cat >"$d/nginx.conf" <<-NGX
	daemon on;
	pid $d/nginx.pid;
	error_log $d/nginx.err;
	worker_processes 1;
	events { worker_connections 1024; }
	http {
		access_log off;
		keepalive_timeout 0;
		server {
			listen 443 ssl;
			ssl_certificate $d/cert.pem;
			ssl_certificate_key $d/key.pem;
			ssl_session_cache off;
			ssl_session_tickets off;
			root $d/www;
		}
	}
	NGX
	inhost nginx -c "$d/nginx.conf" || die "nginx did not start"
	inhost iperf3 -s -D -B "0.0.0.0" --pidfile "$d/iperf3.pid" >/dev/null
	# the lab's names, a long TTL so that DNS bindings outlive the run
	nsenter --net=/run/netns/"$HOSTNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address="$HOST_IP" --bind-interfaces --user=root --pid-file= \
		--local-ttl=3600 --host-record="$LAB_NAME,$HOST_IP" \
		--address="/example/$HOST_IP" --address="/new.example/$HOST_IP2" 2>>"$d/dnsmasq.log" &
	echo $! >"$d/dnsmasq.pid"
	local i
	for i in $(seq 50); do
		[[ -f $d/iperf3.pid ]] && insb "$CONNECT" --addr "$HOST_IP" --sni "$LAB_NAME" \
			--count 1 --warmup 0 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "the lab's servers did not come up"
}

# ---- egressd ------------------------------------------------------------------

# EGRESSD_XDP_MODE: egressd's xdp_mode for the sandboxes (default auto)
egressd_start() {
	mkdir -p "$LAB_DIR/state" "$LAB_DIR/profiles"
	echo "{\"default_mode\": \"deny\", \"xdp_mode\": \"${EGRESSD_XDP_MODE:-auto}\"}" >"$LAB_DIR/egressd.json"
	echo '{"deny": [], "allow": []}' >"$LAB_DIR/always.json"
	nsenter --net=/run/netns/"$HOSTNS" "$EGRESSD" --config "$LAB_DIR/egressd.json" \
		--state-dir "$LAB_DIR/state" --socket "$LAB_SOCK" --bpffs "$LAB_BPFFS" \
		--profile-dir "$LAB_DIR/profiles" --always "$LAB_DIR/always.json" --foreground \
		>>"$LAB_DIR/egressd.log" 2>&1 &
	EGRESSD_PID=$!
	disown "$EGRESSD_PID"
	local i
	for i in $(seq 100); do
		[[ -S $LAB_SOCK ]] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$EGRESSD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$LAB_DIR/egressd.log" >&2
	die "egressd did not come up"
}

egressd_stop() {
	[[ -n $EGRESSD_PID ]] || return 0
	kill "$EGRESSD_PID" 2>/dev/null
	local i
	for _ in $(seq 50); do kill -0 "$EGRESSD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$EGRESSD_PID" 2>/dev/null
	EGRESSD_PID=
	[[ -d $LAB_BPFFS ]] && inhost "$EGRESSD" --cleanup --bpffs "$LAB_BPFFS" \
		--socket "$LAB_SOCK" >/dev/null 2>&1
	rm -rf "$LAB_BPFFS"
}

# A sandbox on IFACE whose policy is the JSON document POLICY.
egressd_sandbox() {
	local name=$1 iface=$2 policy=$3
	ctl sandbox add "$name" --iface "$iface" >/dev/null || die "sandbox add $name failed"
	printf '%s\n' "$policy" >"$LAB_DIR/policy-$name.json"
	ctl policy import "$LAB_DIR/policy-$name.json" "$name" >/dev/null ||
		die "policy import for $name failed"
}

egressd_sandbox_del() { ctl sandbox del "$1" >/dev/null; }

# ---- the programs compared: none, empty XDP (native, generic), empty tc ---------

attach() {
	local how=$1 dev=$2
	case $how in
	none) ;;
	xdp-native) inhost ip link set dev "$dev" xdpdrv obj "$EMPTY_XDP" sec xdp.frags ;;
	xdp-generic) inhost ip link set dev "$dev" xdpgeneric obj "$EMPTY_XDP" sec xdp.frags ;;
	tc-ingress)
		inhost tc qdisc replace dev "$dev" clsact
		inhost tc filter add dev "$dev" ingress bpf da obj "$EMPTY_TC" sec tc
		;;
	*) die "attach: $how?" ;;
	esac
}

detach() {
	local how=$1 dev=$2
	case $how in
	xdp-native) inhost ip link set dev "$dev" xdpdrv off ;;
	xdp-generic) inhost ip link set dev "$dev" xdpgeneric off ;;
	tc-ingress) inhost tc filter del dev "$dev" ingress ;;
	esac
	return 0
}

# iperf3 from the sandbox: Gbit/s received, or null.
iperf() {
	local dst=$1 streams=$2 secs=$3 out
	out=$(insb iperf3 -c "$dst" -P "$streams" -t "$secs" -J 2>/dev/null) || { echo null; return 0; }
	jq '.end.sum_received.bits_per_second / 1e9 | . * 1000 | round / 1000' <<<"$out" 2>/dev/null || echo null
}
