#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Against what users run instead, in the same lab with the same clients:
#   nginx   a userspace SNI proxy: nginx `stream` with `ssl_preread` and a
#           `map` of allowed names, the sandbox's TLS going through it;
#   dnsmasq a DNS proxy filling an nftables set (`--nftset`) in the
#           sandbox's namespace, an nftables output chain dropping what is
#           not in the set (how egress sidecars work);
#   rules   nftables with one rule per CIDR (1k, 10k, 100k rules) on the
#           host's input, after `ct state established accept`;
# each against egressd with the same policy. Connection setup (TCP connect
# + TLS handshake; with the DNS query where DNS decides), TLS download rate
# (nginx) or iperf3 (rules), and the time a policy change takes to be
# enforced (a probe connecting in a loop until the new destination works).
#
#   bench/compare.sh BUILDDIR [--quick]     one JSON object on stdout
set -euo pipefail
BUILDDIR=$1
quick=${2:-}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lab.sh
. bench/lab.sh

if [[ -n $quick ]]; then
	reps=1 conns=200 gets=2 secs=1 sizes=(1000) changes=1
else
	reps=3 conns=2000 gets=7 secs=3 sizes=(1000 10000 100000) changes=5
fi

lab_init
lab_up
servers_up
egressd_start
out=$LAB_DIR/compare.jsonl
: >"$out"
emit() { jq -c "$@" >>"$out"; }

latency() {	# label, then egress-connect arguments
	local label=$1 r
	shift
	r=$(insb "$CONNECT" --count "$conns" --warmup 50 "$@") || true
	[[ -n $r ]] || r='{"p50_us": null, "p99_us": null}'
	emit --arg l "$label" '{what: "connect", label: $l} + .' <<<"$r"
	say "compare: connect $label: $(jq -c '{p50_us, p99_us, failed}' <<<"$r")"
}

# the time from the start of CMD... until the probe (egress-connect ARGS
# --probe, started before) connects: ms
change_ms() {
	local label=$1 probe_args=$2 t0 r
	shift 2
	# shellcheck disable=SC2086
	insb "$CONNECT" $probe_args --probe --timeout-ms 20000 >"$LAB_DIR/probe.out" &
	local probe=$!
	sleep 0.3
	t0=$(now_ns)
	"$@" >/dev/null
	wait "$probe" || true
	r=$(jq --argjson t0 "$t0" 'if .ok_realtime_ns == null then null else (.ok_realtime_ns - $t0) / 1e6 | . * 100 | round / 100 end' "$LAB_DIR/probe.out")
	emit -n --arg l "$label" --argjson ms "$r" '{what: "change", label: $l, ms: $ms}'
	say "compare: policy change $label: $r ms"
}

# ---- egressd, name rule (SNI checked, bound through DNS) -----------------------
egressd_named() {
	egressd_sandbox sb "$HIF" "{\"mode\": \"deny\", \"allow\": [\"$LAB_NAME\"], \"resolvers\": [\"$HOST_IP\"]}"
	insb "$CONNECT" --dns "$HOST_IP" --sni "$LAB_NAME" --count 1 --warmup 0 >/dev/null
}

# ---- nginx stream + ssl_preread --------------------------------------------------
nginx_proxy_conf() {	# the allowed names
	local n
	{
		echo "daemon on; pid $LAB_DIR/proxy.pid; error_log $LAB_DIR/proxy.err;"
		echo "worker_processes 1;"
		echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
		echo "events { worker_connections 1024; }"
		echo "stream {"
		echo "  map \$ssl_preread_server_name \$upstream {"
		for n in "$@"; do echo "    $n $HOST_IP:443;"; done
		echo "    default 127.0.0.1:9;"
		echo "  }"
		echo "  server { listen $HOST_IP:8443; ssl_preread on; proxy_pass \$upstream; }"
		echo "}"
	} >"$LAB_DIR/proxy.conf"
}
nginx_proxy_conf "$LAB_NAME"
inhost nginx -c "$LAB_DIR/proxy.conf" || die "the nginx proxy did not start"
sleep 0.2

for ((r = 0; r < reps; r++)); do
	latency none --addr "$HOST_IP" --sni "$LAB_NAME"
	latency nginx --addr "$HOST_IP" --port 8443 --sni "$LAB_NAME"
	egressd_named
	latency egressd --addr "$HOST_IP" --sni "$LAB_NAME"
	egressd_sandbox_del sb
done
for label in none nginx egressd; do
	port=443
	[[ $label == nginx ]] && port=8443
	[[ $label == egressd ]] && egressd_named
	g=$(insb "$CONNECT" --addr "$HOST_IP" --port "$port" --sni "$LAB_NAME" --get /big --count "$gets") || g='{"median_gbit_s": null}' 
	[[ $label == egressd ]] && egressd_sandbox_del sb
	emit --arg l "$label" '{what: "download", label: $l} + .' <<<"$g"
	say "compare: TLS download $label: $(jq -c . <<<"$g")"
done
# a policy change: a new name in the map, nginx reloaded
for ((i = 0; i < changes; i++)); do
	nginx_proxy_conf "$LAB_NAME" "new$i.example"
	change_ms nginx "--addr $HOST_IP --port 8443 --sni new$i.example" \
		inhost nginx -c "$LAB_DIR/proxy.conf" -s reload
done
# egressd: the same change, a new name allowed (its address, HOST_IP2,
# already bound to it by a DNS answer, as the proxy's clients resolve it too)
egressd_named
for ((i = 0; i < changes; i++)); do
	n=enew$i.new.example
	ctl allow "$n" --sandbox sb >/dev/null	# allowed: its query answered (binding)
	insb "$CONNECT" --dns "$HOST_IP" --sni "$n" --count 1 --warmup 0 >/dev/null
	ctl remove "$n" --sandbox sb >/dev/null
	change_ms egressd-name "--addr $HOST_IP2 --sni $n" ctl allow "$n" --sandbox sb
done
egressd_sandbox_del sb
kill "$(cat "$LAB_DIR/proxy.pid")" 2>/dev/null || true

# ---- dnsmasq --nftset + nftables, in the sandbox's namespace --------------------
dnsmasq_sidecar() {	# the allowed names
	local n args=()
	for n in "$@"; do args+=("--nftset=/$n/4#inet#ebe#allowed"); done
	if [[ -f $LAB_DIR/sidecar.pid ]]; then	# gone before the new one binds port 53
		local old
		old=$(cat "$LAB_DIR/sidecar.pid")
		kill "$old" 2>/dev/null || true
		wait "$old" 2>/dev/null || true
	fi
	nsenter --net=/run/netns/"$SBNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--listen-address=127.0.0.1 --bind-interfaces --user=root --pid-file= \
		--server="$HOST_IP" "${args[@]}" 2>>"$LAB_DIR/sidecar.log" &
	echo $! >"$LAB_DIR/sidecar.pid"
}
insb nft -f - <<NFT
table inet ebe {
	set allowed { type ipv4_addr; }
	chain out {
		type filter hook output priority 0; policy drop;
		oif lo accept
		ct state established,related accept
		ip daddr $HOST_IP udp dport 53 accept
		ip daddr @allowed accept
	}
}
NFT
dnsmasq_sidecar "$LAB_NAME"
for _ in $(seq 50); do
	insb "$CONNECT" --dns 127.0.0.1 --sni "$LAB_NAME" --count 1 --warmup 0 >/dev/null 2>&1 && break
	sleep 0.1
done
for ((r = 0; r < reps; r++)); do
	latency dnsmasq-nft --dns 127.0.0.1 --sni "$LAB_NAME"
done
# a policy change: dnsmasq restarted with one more --nftset (it reads its
# options only at start)
for ((i = 0; i < changes; i++)); do
	# every new name resolves to HOST_IP2: out of the set again before each
	insb nft delete element inet ebe allowed "{ $HOST_IP2 }" 2>/dev/null || true
	change_ms dnsmasq-nft "--dns 127.0.0.1 --sni dnew$i.new.example" \
		dnsmasq_sidecar "$LAB_NAME" "dnew$i.new.example"
done
kill "$(cat "$LAB_DIR/sidecar.pid")" 2>/dev/null || true
insb nft delete table inet ebe
for ((r = 0; r < reps; r++)); do
	latency dns-none --dns "$HOST_IP" --sni "$LAB_NAME"
	egressd_named
	latency dns-egressd --dns "$HOST_IP" --sni "$LAB_NAME"
	egressd_sandbox_del sb
done

# ---- one rule per CIDR: nftables against egressd --------------------------------
cidrs() {	# N distinct /32s in 198.18.1.0-198.19.255.255, then the server
	jq -rn --argjson n "$1" '
	  range(0; $n - 1) | 256 + . | "198.\(18 + (. / 65536 | floor)).\(. / 256 % 256 | floor).\(. % 256)/32"'
	echo "$HOST_IP/32"
}
for n in "${sizes[@]}"; do
	cidrs "$n" >"$LAB_DIR/cidrs"
	{
		echo "table ip ebe {"
		echo " chain in {"
		echo "  type filter hook input priority 0; policy accept;"
		echo "  iifname != \"$HIF\" accept"
		echo "  ct state established,related accept"
		sed 's/^/  ip daddr /; s/$/ accept/' "$LAB_DIR/cidrs"
		echo "  drop"
		echo " }"
		echo "}"
	} >"$LAB_DIR/rules.nft"
	t0=$(now_ns)
	inhost nft -f "$LAB_DIR/rules.nft"
	load=$(( ($(now_ns) - t0) / 1000000 ))
	emit -n --argjson n "$n" --argjson ms "$load" '{what: "load", label: "nft", rules: $n, ms: $ms}'
	say "compare: nft $n rules loaded in $load ms"
	for ((r = 0; r < reps; r++)); do
		latency "nft-$n" --addr "$HOST_IP" --sni "$LAB_NAME"
	done
	v=$(iperf "$HOST_IP" 1 "$secs")
	emit -n --argjson n "$n" --argjson v "$v" '{what: "iperf", label: "nft", rules: $n, gbit_s: $v}'
	change_ms "nft-$n" "--addr $HOST_IP2 --sni $LAB_NAME" \
		inhost nft insert rule ip ebe in ip daddr "$HOST_IP2" accept
	inhost nft delete table ip ebe

	jq -R . "$LAB_DIR/cidrs" | jq -s '{mode: "deny", allow: .}' >"$LAB_DIR/policy-cidrs.json"
	ctl sandbox add sb --iface "$HIF" >/dev/null
	t0=$(now_ns)
	ctl policy import "$LAB_DIR/policy-cidrs.json" sb >/dev/null
	load=$(( ($(now_ns) - t0) / 1000000 ))
	emit -n --argjson n "$n" --argjson ms "$load" '{what: "load", label: "egressd", rules: $n, ms: $ms}'
	say "compare: egressd $n rules imported in $load ms"
	for ((r = 0; r < reps; r++)); do
		latency "egressd-$n" --addr "$HOST_IP" --sni "$LAB_NAME"
	done
	v=$(iperf "$HOST_IP" 1 "$secs")
	emit -n --argjson n "$n" --argjson v "$v" '{what: "iperf", label: "egressd", rules: $n, gbit_s: $v}'
	change_ms "egressd-$n" "--addr $HOST_IP2 --sni $LAB_NAME" \
		ctl allow "$HOST_IP2" --sandbox sb
	egressd_sandbox_del sb
done
v=$(iperf "$HOST_IP" 1 "$secs")
emit -n --argjson v "$v" '{what: "iperf", label: "none", rules: 0, gbit_s: $v}'

jq -s --argjson reps "$reps" --argjson conns "$conns" '
  def med: map(select(. != null)) | sort | if length == 0 then null else .[length / 2 | floor] end;
  def r3: if . == null then null else . * 1000 | round / 1000 end;
  (map(select(.what == "connect")) | group_by(.label) | map({key: .[0].label,
     value: {p50_us: (map(.p50_us) | med), p99_us: (map(.p99_us) | med),
             failed: (map(.failed // 0) | add)}}) | from_entries) as $c |
  (map(select(.what == "change")) | group_by(.label) | map({key: .[0].label,
     value: {ms: (map(.ms) | med), runs: map(.ms)}}) | from_entries) as $ch |
  def ratio($a; $b): if $a == null or $b == null then null else $a / $b | r3 end;
  {
    config: {repeats: $reps, connections: $conns},
    connect: $c,
    change: $ch,
    download: (map(select(.what == "download")) | map({key: .label, value: (del(.what, .label))}) | from_entries),
    load: map(select(.what == "load") | del(.what)),
    iperf: map(select(.what == "iperf") | del(.what)),
    summary: {
      vs_nginx_connect_ratio: ratio($c.egressd.p50_us; $c.nginx.p50_us),
      vs_dnsmasq_nft_connect_ratio: ratio($c["dns-egressd"].p50_us; $c["dnsmasq-nft"].p50_us)
    }
  }' "$out"
