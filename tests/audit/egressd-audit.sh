#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egressd's audit trail for real: a host namespace with nginx and dnsmasq,
# a sandbox namespace behind a veth, egressd attached to the host side.
#
#   egressd-audit.sh CASE EGRESSD EGRESSCTL AUDIT_FLOOD
#
#   traffic    known numbers of allowed and denied HTTP connections (curl)
#              and DNS queries (dig): exactly those in `egressctl audit`
#              (--json, --verdict, --since), in two `audit -f` streams
#              started before the traffic, in a private systemd-journald,
#              and in the metrics (promtool); a follower that does not read
#              is told what it lost while another gets everything
#   flood      the ring overfilled while egressd is down: after the restart,
#              written + lost + suppressed adds up to the decisions made
#   restart    events of traffic while egressd is down are logged after it
#   torn       a log whose last record was cut short: egressd starts, says
#              so in a notice, keeps every whole record and goes on logging
#              (journald forwarding on, and no journald to take it)
#   ratelimit  many connections to one denied host: few events, whose
#              counts add up to the connections
set -euo pipefail

CASE=$1
EGRESSD=$2
CTL=$3
FLOOD=$4
me=egressd_$CASE
journald=/lib/systemd/systemd-journald

if [[ $(id -u) -ne 0 ]]; then
	echo "$me: SKIP: needs root (namespaces, BPF)"
	exit 77
fi
# the traffic case runs in a mount namespace of its own: its journald
# (over a tmpfs /run) is the only one egressd can reach there; the torn
# case too, with no journald at all
if [[ ($CASE == traffic || $CASE == torn) && ${EWI_INNER-} != 1 ]]; then
	exec env EWI_INNER=1 unshare --mount --propagation private "$0" "$@"
fi

P=ewi$$
HOST=$P-h
SB=$P-s
HIF=ewi${$}h0
SIF=ewi${$}s0
DIR=$(mktemp -d /tmp/ewi-audit.XXXXXX)
chmod 0755 "$DIR"	# nginx workers read www/
BPFFS=/sys/fs/bpf/ewi-$$
SOCK=$DIR/egressd.sock
PID=
JPID=
BG=()

reap() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; }
fail() {
	echo "$me: FAIL: $*" >&2
	[[ -f $DIR/egressd.log ]] && grep -v '^lib\(bpf\|xdp\)' "$DIR/egressd.log" | tail -20 >&2
	exit 1
}
ok() { echo "$me: ok: $*"; }

cleanup() {
	set +e
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	[[ -n $PID ]] && kill -9 "$PID" 2>/dev/null && reap "$PID"
	[[ -d $BPFFS ]] && inhost "$EGRESSD" --cleanup --bpffs "$BPFFS" --socket "$SOCK" >/dev/null 2>&1
	[[ -f $DIR/nginx.pid ]] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null
	[[ -f $DIR/dnsmasq.pid ]] && kill "$(cat "$DIR/dnsmasq.pid")" 2>/dev/null
	ip netns del "$HOST" 2>/dev/null
	ip netns del "$SB" 2>/dev/null
	[[ -d $BPFFS ]] && rm -rf "$BPFFS"
	[[ -n $JPID ]] && kill "$JPID" 2>/dev/null && wait "$JPID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

inhost() { nsenter --net=/run/netns/"$HOST" "$@"; }
insb() { ip netns exec "$SB" "$@"; }
ctl() { "$CTL" --socket "$SOCK" "$@"; }

start() {
	# nsenter execs egressd: $! is egressd itself, for kill -9
	nsenter --net=/run/netns/"$HOST" "$EGRESSD" --config "$DIR/egressd.json" --state-dir "$DIR/state" \
		--socket "$SOCK" --bpffs "$BPFFS" --profile-dir "$DIR/profiles" \
		--always "$DIR/always.json" --foreground >>"$DIR/egressd.log" 2>&1 &
	PID=$!
	disown "$PID"
	for _ in $(seq 100); do
		[[ -S $SOCK ]] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || fail "egressd exited"
		sleep 0.1
	done
	fail "egressd did not come up"
}
stop9() { kill -9 "$PID"; reap "$PID"; PID=; }

# egressd's own numbers: status --json .events
events() { ctl --json status | jq -r ".events.$1"; }
# every event of sb1 in the log, one JSON object a line
audit_json() { ctl --json audit sb1 "$@" | jq -c '.events[]'; }
# waits until egressd has written n events (this run)
written_at_least() {
	for _ in $(seq 100); do
		[[ $(events written) -ge $1 ]] && return 0
		sleep 0.1
	done
	fail "egressd wrote $(events written) events, want $1"
}

http() {	# HOST: one connection from the sandbox; prints the HTTP code (000: refused)
	insb curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
		--resolve "$1:8080:198.18.0.1" "http://$1:8080/" || true
}
dns() {	# NAME: one query from the sandbox; prints the status
	insb dig +time=2 +tries=1 +noall +comments "@198.18.0.1" "$1" A |
		sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# ---- the lab --------------------------------------------------------------------------
private_journald() {
	mount -t tmpfs tmpfs /run
	[[ -d /var/log/journal ]] && mount -t tmpfs tmpfs /var/log/journal
	mount -t tmpfs tmpfs /var/lib/systemd
	mkdir -p /run/systemd/journal
	cat >"$DIR/journald.conf" <<-'EOF'
	[Journal]
	Storage=volatile
	RateLimitIntervalSec=0
	RateLimitBurst=0
	ReadKMsg=no
	ForwardToSyslog=no
	ForwardToKMsg=no
	ForwardToConsole=no
	ForwardToWall=no
	EOF
	mount --bind "$DIR/journald.conf" /etc/systemd/journald.conf
	SYSTEMD_LOG_TARGET=console "$journald" >"$DIR/journald.log" 2>&1 &
	JPID=$!
	for _ in $(seq 100); do
		[[ -S /run/systemd/journal/socket ]] && return 0
		sleep 0.05
	done
	fail "journald did not start: $(cat "$DIR/journald.log")"
}

lab() {	# CONFIG: egressd.json
	ip netns add "$HOST"
	ip netns add "$SB"
	ip -n "$HOST" link add "$HIF" type veth peer name "$SIF" netns "$SB"
	ip -n "$HOST" addr add 198.18.0.1/24 dev "$HIF"
	ip -n "$SB" addr add 198.18.0.2/24 dev "$SIF"
	ip -n "$HOST" link set lo up
	ip -n "$HOST" link set "$HIF" up
	ip -n "$SB" link set lo up
	ip -n "$SB" link set "$SIF" up

	mkdir -p "$DIR/profiles" "$DIR/www"
	echo hello >"$DIR/www/index.html"
	cat >"$DIR/nginx.conf" <<-NGX
	daemon on;
	pid $DIR/nginx.pid;
	error_log $DIR/nginx.err;
	events { worker_connections 256; }
	http { access_log off; server { listen 198.18.0.1:8080; root $DIR/www; } }
	NGX
	inhost nginx -c "$DIR/nginx.conf"
	inhost dnsmasq --no-resolv --no-hosts --listen-address=198.18.0.1 --bind-interfaces \
		--pid-file="$DIR/dnsmasq.pid" --log-facility="$DIR/dnsmasq.log" \
		--address=/allowed.example/198.18.0.1 --address=/denied.example/198.18.0.1
	echo "$1" >"$DIR/egressd.json"
	echo '{"deny": ["169.254.0.0/16"], "allow": []}' >"$DIR/always.json"
	start
	ctl sandbox add sb1 --iface "$HIF" >/dev/null
	ctl allow allowed.example --sandbox sb1 >/dev/null
	# a name's connections go to the addresses DNS bound to it: ask once
	[[ $(dns allowed.example) == NOERROR ]] || fail "allowed.example does not resolve"
	[[ $(http allowed.example) == 200 ]] || fail "allowed.example is not reachable"
	[[ $(http denied.example) == 000 ]] || fail "denied.example is reachable"
	written_at_least 3
}

# ---- traffic -----------------------------------------------------------------------------
case_traffic() {
	private_journald
	lab '{"default_mode": "deny", "event_window_ms": 0, "metrics": "127.0.0.1:9469"}'
	local base na=5 nd=7 qa=3 qd=4 n mid
	base=$(audit_json | wc -l)	# the two of lab()

	# two followers from before the traffic: everything as JSON, denied as text
	# (simple commands: $! is egressctl itself)
	"$CTL" --socket "$SOCK" --json audit sb1 -f >"$DIR/f_all" 2>&1 &
	BG+=($!)
	"$CTL" --socket "$SOCK" audit sb1 -f --verdict denied >"$DIR/f_denied" 2>&1 &
	BG+=($!)
	sleep 0.5

	for _ in $(seq $na); do [[ $(http allowed.example) == 200 ]] || fail "allowed HTTP failed"; done
	for _ in $(seq $qa); do [[ $(dns allowed.example) == NOERROR ]] || fail "allowed DNS failed"; done
	sleep 1.1
	mid=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sleep 1.1
	for _ in $(seq $nd); do [[ $(http denied.example) == 000 ]] || fail "denied HTTP passed"; done
	for _ in $(seq $qd); do [[ $(dns denied.example) == NXDOMAIN ]] || fail "denied DNS not NXDOMAIN"; done
	n=$((base + na + nd + qa + qd))
	written_at_least $n
	sleep 0.3
	kill -INT "${BG[0]}"
	kill -TERM "${BG[1]}"
	wait "${BG[0]}" || fail "audit -f did not exit 0 on SIGINT: $(cat "$DIR/f_all")"
	wait "${BG[1]}" || fail "audit -f --verdict denied did not exit 0"
	BG=()

	# the log: exactly those, every field
	audit_json >"$DIR/all"
	[[ $(wc -l <"$DIR/all") -eq $n ]] || fail "$(wc -l <"$DIR/all") events in the log, want $n"
	count() { jq -s "[.[] | select($1)] | length" "${2:-$DIR/all}"; }
	[[ $(count '.proto == "http" and .verdict == "ALLOWED" and .host == "allowed.example"') -eq $((na + 1)) ]] ||
		fail "allowed HTTP events: $(count '.proto == "http" and .verdict == "ALLOWED"')"
	[[ $(count '.proto == "http" and .verdict == "DENIED" and .host == "denied.example" and .reason == "not-allowlisted"') -eq $((nd + 1)) ]] ||
		fail "denied HTTP events"
	[[ $(count '.proto == "dns" and .verdict == "ALLOWED" and .rule == "allowed.example" and .dst == "198.18.0.1:53"') -eq $((qa + 1)) ]] ||
		fail "allowed DNS events"
	[[ $(count '.proto == "dns" and .verdict == "DENIED" and .rule == "default"') -eq $qd ]] ||
		fail "denied DNS events"
	[[ $(count '.sandbox == "sb1" and .count == 1 and (.src | startswith("198.18.0.2:")) and .mode == "deny" and (.time | test("^[0-9-]+T[0-9:.]+([+-][0-9:]+|Z)$"))') -eq $n ]] ||
		fail "fields: $(head -1 "$DIR/all")"
	jq -s -e 'map(.time) == (map(.time) | sort)' "$DIR/all" >/dev/null || fail "not in time order"
	ok "the log has exactly the $((n - base)) decisions (+$base), every field"

	# text, --verdict, --since
	[[ $(ctl audit sb1 | grep -c '  DENIED   denied.example  (mode: deny)$') -eq $((nd + qd + 1)) ]] ||
		fail "text form: $(ctl audit sb1 | head -3)"
	[[ $(ctl audit sb1 --verdict denied | wc -l) -eq $((nd + qd + 1)) ]] || fail "--verdict denied"
	[[ $(ctl audit sb1 --verdict allowed | wc -l) -eq $((na + qa + 2)) ]] || fail "--verdict allowed"
	[[ $(ctl audit sb1 --since "$mid" | wc -l) -eq $((nd + qd)) ]] ||
		fail "--since $mid: $(ctl audit sb1 --since "$mid" | wc -l) lines, want $((nd + qd))"
	[[ $(ctl audit sb1 --since 10m | wc -l) -eq $n ]] || fail "--since 10m"
	[[ $(ctl audit sb1 --since 2099-01-01T00:00:00Z | wc -l) -eq 0 ]] || fail "--since the future"
	ctl audit ghost >/dev/null 2>&1 && fail "audit of an unknown sandbox succeeded"
	ok "audit text, --verdict, --since"

	# the followers saw the same
	jq -c 'select(.event) | .event' "$DIR/f_all" >"$DIR/f_all.ev"
	diff <(jq -c 'del(.time)' "$DIR/all") <(jq -c 'del(.time)' "$DIR/f_all.ev") >/dev/null ||
		fail "audit -f --json differs from the log"
	[[ $(grep -c '  DENIED   denied.example  (mode: deny)$' "$DIR/f_denied") -eq $((nd + qd + 1)) &&
	   $(wc -l <"$DIR/f_denied") -eq $((nd + qd + 1)) ]] || fail "audit -f --verdict denied: $(cat "$DIR/f_denied")"
	ok "two followers: backlog and stream, nothing missing, nothing twice"

	# journald
	journalctl --sync 2>/dev/null || sleep 0.5
	journalctl -o json --no-pager EGRESS_SANDBOX=sb1 >"$DIR/journal"
	[[ $(wc -l <"$DIR/journal") -eq $n ]] || fail "$(wc -l <"$DIR/journal") journal entries, want $n"
	[[ $(count '.EGRESS_VERDICT == "DENIED" and .MESSAGE_ID == "f8dd2f5c8ef147fb99d1239ae7d59d75" and .EGRESS_HOST == "denied.example"' "$DIR/journal") -eq $((nd + qd + 1)) ]] ||
		fail "denied journal entries"
	[[ $(count '.EGRESS_PROTO == "dns" and .EGRESS_VERDICT == "ALLOWED" and .EGRESS_RULE == "allowed.example"' "$DIR/journal") -eq $((qa + 1)) ]] ||
		fail "allowed DNS journal entries"
	ok "journald has the same $n entries"

	# metrics, from inside the host namespace
	inhost curl -sS -o "$DIR/metrics" "http://127.0.0.1:9469/metrics" || fail "no metrics"
	promtool check metrics <"$DIR/metrics" >"$DIR/lint" 2>&1 || fail "promtool: $(cat "$DIR/lint")"
	[[ ! -s $DIR/lint ]] || fail "promtool: $(cat "$DIR/lint")"
	m() { awk -v k="$1" '$1 == k { print $2 }' "$DIR/metrics"; }
	[[ $(m 'egress_decisions_total{sandbox="sb1",verdict="allowed",proto="http"}') == $((na + 1)) ]] ||
		fail "metric allowed http: $(grep decisions "$DIR/metrics")"
	[[ $(m 'egress_decisions_total{sandbox="sb1",verdict="denied",proto="http"}') == $((nd + 1)) ]] || fail "metric denied http"
	[[ $(m 'egress_decisions_total{sandbox="sb1",verdict="allowed",proto="dns"}') == $((qa + 1)) ]] || fail "metric allowed dns"
	[[ $(m 'egress_decisions_total{sandbox="sb1",verdict="denied",proto="dns"}') == "$qd" ]] || fail "metric denied dns"
	[[ $(m 'egress_dns_queries_total{verdict="allowed"}') == $((qa + 1)) && $(m 'egress_dns_queries_total{verdict="denied"}') == "$qd" ]] ||
		fail "dns queries metric"
	[[ $(m egress_events_written_total) == "$n" && $(m egress_events_emitted_total) == "$n" &&
	   $(m egress_events_lost_total) == 0 && $(m egress_events_journal_total) == "$n" ]] ||
		fail "event metrics: $(grep '^egress_events' "$DIR/metrics")"
	[[ $(m 'egress_rules{scope="sandbox"}') == 1 && $(m 'egress_rules{scope="always"}') == 1 ]] || fail "rules metric"
	[[ $(m 'egress_map_entries{map="sandboxes"}') == 1 ]] || fail "map fill metric"
	grep -q '^egress_build_info{version="' "$DIR/metrics" || fail "no build info"
	ok "metrics: decisions, DNS queries, events, rules, maps; promtool accepts them"

	# a follower that does not read, another that does, and a burst
	mkfifo "$DIR/go"
	sh -c 'echo $$ >"$1/slow.pid"; exec "$2" --socket "$3" --json audit sb1 -f' _ "$DIR" "$CTL" "$SOCK" |
		{ read -r _ <"$DIR/go"; cat; } >"$DIR/slow" &
	BG+=($!)
	sh -c 'echo $$ >"$1/fast.pid"; exec "$2" --socket "$3" --json audit sb1 -f' _ "$DIR" "$CTL" "$SOCK" >"$DIR/fast" &
	BG+=($!)
	sleep 0.5
	local burst=20000 t0 t1 out
	out=$(inhost "$FLOOD" "$BPFFS" "$HIF" $burst)
	t0=$(date +%s%N)
	ctl status >/dev/null || fail "status during the burst"
	t1=$(date +%s%N)
	[[ $(( (t1 - t0) / 1000000 )) -lt 2000 ]] || fail "status took $(( (t1 - t0) / 1000000 )) ms with a stuck follower"
	read -r _ _ _ emitted _ lost _ _ <<<"$out"
	written_at_least $((n + emitted))
	sleep 0.5
	echo go >"$DIR/go"
	sleep 1
	kill -TERM "$(cat "$DIR/slow.pid")" "$(cat "$DIR/fast.pid")"
	wait "${BG[@]}" || true
	BG=()
	local fast_ev fast_lost slow_ev slow_lost
	fast_ev=$(jq -s '[.[] | select(.event.proto == "udp")] | length' "$DIR/fast")
	fast_lost=$(jq -s '[.[] | .lost // 0] | add' "$DIR/fast")
	slow_ev=$(jq -s '[.[] | select(.event.proto == "udp")] | length' "$DIR/slow")
	slow_lost=$(jq -s '[.[] | .lost // 0] | add' "$DIR/slow")
	[[ $((fast_ev + fast_lost)) -eq $burst && $fast_ev -eq $emitted ]] ||
		fail "the reading follower: $fast_ev events + $fast_lost lost, burst $burst ($out)"
	[[ $slow_lost -gt 0 && $((slow_ev + slow_lost)) -eq $burst ]] ||
		fail "the stuck follower: $slow_ev events + $slow_lost lost, want $burst with some lost"
	ok "a stuck follower lost $slow_lost of $burst from its stream (and was told), the other got all, status stayed fast"
}

# ---- flood -----------------------------------------------------------------------------------
case_flood() {
	lab '{"default_mode": "deny", "event_window_ms": 0, "metrics": "off", "journal": false}'
	local frames=40000 out emitted lost suppressed before
	before=$(audit_json | wc -l)
	stop9
	out=$(inhost "$FLOOD" "$BPFFS" "$HIF" $frames)
	read -r _ _ _ emitted _ lost _ suppressed <<<"$out"
	[[ $lost -gt 0 ]] || fail "the ring did not overflow: $out"
	start
	written_at_least "$emitted"
	sleep 0.5
	local logged logged_lost
	logged=$(( $(audit_json | wc -l) - before ))
	logged_lost=$(ctl --json audit sb1 | jq .lost)
	[[ $logged -eq $emitted ]] || fail "$logged events logged, $emitted emitted"
	[[ $logged_lost -eq $lost ]] || fail "$logged_lost recorded lost, $lost lost"
	[[ $((logged + logged_lost + suppressed)) -eq $frames ]] ||
		fail "written $logged + lost $logged_lost + suppressed $suppressed != $frames decisions"
	[[ $(events written) -eq $emitted ]] || fail "status: written $(events written)"
	[[ $(cat "$DIR/state/events_lost") -eq $lost ]] || fail "lost counter not kept"
	ok "$frames decisions while down: written $logged + lost $logged_lost + suppressed $suppressed"
	# no loss is recorded twice over a restart
	stop9
	start
	sleep 0.5
	[[ $(ctl --json audit sb1 | jq .lost) -eq $lost ]] || fail "losses recorded again after a restart"
	ok "losses recorded once over restarts"
}

# ---- restart ---------------------------------------------------------------------------------
case_restart() {
	lab '{"default_mode": "deny", "event_window_ms": 0, "metrics": "off", "journal": false}'
	local before t_kill
	before=$(audit_json | wc -l)
	stop9
	sleep 1.1	# --since has whole seconds
	t_kill=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	sleep 1.1
	for _ in 1 2 3; do [[ $(http denied.example) == 000 ]] || fail "denied with egressd down passed"; done
	for _ in 1 2; do [[ $(http allowed.example) == 200 ]] || fail "allowed with egressd down failed"; done
	[[ $(dns denied.example) == NXDOMAIN ]] || fail "DNS with egressd down"
	start
	written_at_least 6
	sleep 0.3
	[[ $(audit_json | wc -l) -eq $((before + 6)) ]] || fail "$(audit_json | wc -l) events, want $((before + 6))"
	[[ $(ctl --json audit sb1 --since "$t_kill" | jq '[.events[] | select(.host == "denied.example" and .verdict == "DENIED")] | length') -eq 4 ]] ||
		fail "the denials made while egressd was down: $(ctl --json audit sb1 --since "$t_kill")"
	[[ $(ctl --json audit sb1 --since "$t_kill" | jq '[.events[] | select(.host == "allowed.example")] | length') -eq 2 ]] ||
		fail "the allowed connections made while egressd was down"
	[[ $(ctl --json audit sb1 | jq .lost) -eq 0 ]] || fail "losses recorded"
	ok "6 decisions made while egressd was down are in the log, at their own time"
}

# ---- torn ------------------------------------------------------------------------------------
case_torn() {
	mount -t tmpfs tmpfs /run	# no journald socket
	lab '{"default_mode": "deny", "event_window_ms": 0, "metrics": "off", "journal": true}'
	for _ in 1 2 3; do http denied.example >/dev/null; done
	written_at_least 5
	sleep 0.3
	local before seg size
	before=$(audit_json | wc -l)
	stop9
	seg=$(ls "$DIR/state/audit"/seg-*.log | sort | tail -1)
	size=$(stat -c %s "$seg")
	truncate -s $((size - 7)) "$seg"
	start
	[[ $(audit_json | wc -l) -eq $((before - 1)) ]] || fail "$(audit_json | wc -l) events after the cut, want $((before - 1))"
	ctl --json audit sb1 | jq -e '.notices[] | select(.notice | test("dropped [0-9]+ bytes of an incomplete record"))' >/dev/null ||
		fail "no notice of the torn record: $(ctl --json audit sb1 | jq -c .notices)"
	for _ in 1 2; do http denied.example >/dev/null; done
	written_at_least 2
	sleep 0.3
	[[ $(audit_json | wc -l) -eq $((before + 1)) ]] || fail "not logging after the cut"
	ctl audit sb1 | tail -1 | grep -q 'DENIED   denied.example' || fail "the last line"
	ok "torn tail skipped and noted; $before - 1 + 2 events"
}

# ---- ratelimit -------------------------------------------------------------------------------
case_ratelimit() {
	lab '{"default_mode": "deny", "event_window_ms": 3000, "metrics": "off", "journal": false}'
	local conns=60 events sum
	sleep 3.1	# lab()'s denial's window is over
	local t0=$SECONDS
	for _ in $(seq 6); do
		for _ in $(seq 10); do http denied.example >/dev/null & done
		wait
	done
	[[ $((SECONDS - t0)) -lt 3 ]] || echo "$me: the connections took $((SECONDS - t0)) s"
	sleep 3.1
	[[ $(http denied.example) == 000 ]] || fail "denied passed"	# ends the window
	conns=$((conns + 1))
	sleep 0.5
	ctl --json audit sb1 | jq -c '[.events[] | select(.host == "denied.example")][1:][]' >"$DIR/rl"
	events=$(wc -l <"$DIR/rl")
	sum=$(jq -s 'map(.count) | add' "$DIR/rl")
	[[ $sum -eq $conns ]] || fail "counts add up to $sum, want $conns ($(jq -c .count "$DIR/rl" | tr '\n' ' '))"
	[[ $events -le 4 ]] || fail "$events events for $conns connections"
	[[ $(events suppressed) -eq $((conns - events)) ]] || fail "suppressed $(events suppressed)"
	ok "$conns connections to one denied host: $events events, counts $(jq -c .count "$DIR/rl" | tr '\n' ' ')"
}

case $CASE in
traffic | flood | restart | torn | ratelimit) "case_$CASE" ;;
*) echo "usage: $0 traffic|flood|restart|torn|ratelimit EGRESSD EGRESSCTL AUDIT_FLOOD" >&2; exit 2 ;;
esac
echo "$me: all passed"
