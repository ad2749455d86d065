#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egressd for real: a host namespace with nginx, a sandbox namespace behind a
# veth, egressd attached to the host side. Rules change while curl runs from
# the sandbox; egressd is killed with SIGKILL and restarted; a non-root
# client without the egressd group is refused.
#
#   egressd-test.sh EGRESSD CTL_CLIENT
set -euo pipefail

EGRESSD=$1
CLIENT=$2
P=eag$$
HOST=$P-h
SB=$P-s
HIF=eag${$}h0
SIF=eag${$}s0
DIR=$(mktemp -d "${EAG_TMP:-/tmp}/eag-test.XXXXXX")
BPFFS=/sys/fs/bpf/eag-$$
SOCK=$DIR/egressd.sock
PID=

reap() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; }
fail() { echo "FAIL: $*" >&2; [[ -f $DIR/egressd.log ]] && tail -20 "$DIR/egressd.log" >&2; exit 1; }
ok() { echo "ok: $*"; }

cleanup() {
	set +e
	[[ -n $PID ]] && kill -9 "$PID" 2>/dev/null && reap "$PID"
	[[ -d $BPFFS ]] && inhost "$EGRESSD" --cleanup --bpffs "$BPFFS" --socket "$SOCK" >/dev/null 2>&1
	[[ -f $DIR/nginx.pid ]] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null
	ip netns del "$HOST" 2>/dev/null
	ip netns del "$SB" 2>/dev/null
	cp "$DIR/egressd.log" /tmp/eag-last.log 2>/dev/null
	rm -rf "$BPFFS" "$DIR"
}
trap cleanup EXIT

# nsenter keeps /sys (and with it bpffs) as it is; ip netns exec would not
inhost() { nsenter --net=/run/netns/"$HOST" "$@"; }
insb() { ip netns exec "$SB" "$@"; }
ctl() { inhost "$CLIENT" "$SOCK" "$@"; }
req() { ctl "$1" | tee -a "$DIR/replies"; }
expect_ok() { local r; r=$(req "$1"); [[ $(jq -r .ok <<<"$r") == true ]] || fail "$1 -> $r"; echo "$r"; }
expect_err() { local r; r=$(req "$1"); [[ $(jq -r .code <<<"$r") == "$2" ]] || fail "$1 -> $r (wanted $2)"; }
reachable() { insb curl -s -o /dev/null --max-time 2 "http://198.18.0.1:8080/" ; }
# an ICMP echo to the host in an 802.1Q frame (VLAN 5), sent raw from the guest
send_tagged() {
	insb python3 - "$SIF" <<'PY'
import socket, struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff

dev = sys.argv[1]
src = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
icmp = struct.pack("!BBHHH", 8, 0, 0, 0x5eed, 1) + b"tagged"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                 socket.inet_aton("198.18.0.2"), socket.inet_aton("198.18.0.1"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
s.send(b"\xff" * 6 + src + struct.pack("!HHH", 0x8100, 5, 0x0800) + ip + icmp)
PY
}
# vlan_refused: a tagged frame sent now is audited as refused (reason vlan)
vlan_refused() {
	local before after
	before=$(ctl '{"v":1,"cmd":"audit","args":{"sandbox":"sb1"}}' | jq '[.result.events[] | select(.reason == "vlan")] | length')
	send_tagged
	for _ in $(seq 40); do
		after=$(ctl '{"v":1,"cmd":"audit","args":{"sandbox":"sb1"}}' | jq '[.result.events[] | select(.reason == "vlan" and .verdict == "DENIED")] | length')
		[[ $after -gt $before ]] && return 0
		sleep 0.05
	done
	return 1
}

start() {
	# nsenter execs egressd: $! is egressd itself, for kill -9
	nsenter --net=/run/netns/"$HOST" "$EGRESSD" --config "$DIR/egressd.json" \
		--state-dir "$DIR/state" --socket "$SOCK" --bpffs "$BPFFS" \
		--profile-dir "$DIR/profiles" --always "$DIR/always.json" --foreground \
		>>"$DIR/egressd.log" 2>&1 &
	PID=$!
	disown "$PID"	# no job notice when it is killed; bash still reaps it
	for _ in $(seq 100); do
		[[ -S $SOCK ]] && ctl '{"v":1,"cmd":"status"}' >/dev/null 2>&1 && return 0
		kill -0 "$PID" 2>/dev/null || fail "egressd exited"
		sleep 0.1
	done
	fail "egressd did not come up"
}

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
cat >"$DIR/nginx.conf" <<NGX
daemon on;
pid $DIR/nginx.pid;
error_log $DIR/nginx.err;
events { worker_connections 64; }
http { access_log off; server { listen 198.18.0.1:8080; root $DIR/www; } }
NGX
inhost nginx -c "$DIR/nginx.conf"
cat >"$DIR/profiles/lab.json" <<'J'
{"name": "lab", "description": "the lab's web server", "allow": ["198.18.0.1", "lab.example"]}
J
echo '{"default_mode": "deny", "event_window_ms": 0}' >"$DIR/egressd.json"
echo '{"deny": ["169.254.0.0/16"], "allow": []}' >"$DIR/always.json"

reachable || fail "nginx unreachable before egressd"
ok "nginx reachable without egressd"

start
# attach modes: the default on a veth is the tc ingress classifier; XDP on request
r=$(expect_ok "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"$HIF\",\"xdp_mode\":\"skb\"}}")
[[ $(jq -r .result.sandbox.attach.xdp <<<"$r") =~ skb ]] || fail "attach mode skb: $r"
inhost ip link show "$HIF" | grep -q xdpgeneric || fail "no generic XDP on $HIF"
inhost tc filter show dev "$HIF" ingress | grep -q tc_from_sandbox && fail "tc ingress and XDP both on $HIF"
inhost tc filter show dev "$HIF" egress | grep -q tc_to_sandbox || fail "no tc filter on $HIF"
! reachable || fail "reachable in deny mode without rules (XDP)"
vlan_refused || fail "a VLAN-tagged frame was not refused (XDP)"
expect_ok '{"v":1,"cmd":"sandbox.del","args":{"name":"sb1"}}' >/dev/null
inhost ip link show "$HIF" | grep -q xdp && fail "XDP left on $HIF after sandbox.del"
reachable || fail "unreachable after sandbox.del"
ok "xdp_mode skb: generic XDP attached and enforcing, detached by sandbox.del"
r=$(expect_ok "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"$HIF\"}}")
[[ $(jq -r '.result.sandbox.attach | "\(.ingress) \(.xdp) \(.tc)"' <<<"$r") == "tc none ingress+egress" ]] ||
	fail "attach mode: $r"
inhost ip link show "$HIF" | grep -q xdp && fail "XDP on $HIF in the default mode"
inhost tc filter show dev "$HIF" ingress | grep -q "pref 1 .*tc_from_sandbox" ||
	fail "no tc ingress filter first on $HIF: $(inhost tc filter show dev "$HIF" ingress)"
inhost tc filter show dev "$HIF" egress | grep -q tc_to_sandbox || fail "no tc filter on $HIF"
ok "sandbox.add attached (default on a veth: tc ingress, first on its hook, and egress)"
vlan_refused || fail "a VLAN-tagged frame was not refused (tc ingress)"
ok "a VLAN-tagged frame from the guest refused in both attach modes (tc: the tag out of the frame)"

! reachable || fail "reachable in deny mode without rules"
ok "denied without a rule"

r=$(expect_ok '{"v":1,"cmd":"rule.add","args":{"action":"allow","rules":["198.18.0.1"],"sandbox":"sb1"}}')
id=$(jq -r '.result.rules[0].id' <<<"$r")
reachable || fail "unreachable after allow"
ok "allowed after rule.add (rule $id)"

r=$(expect_ok '{"v":1,"cmd":"explain","args":{"sandbox":"sb1","target":"198.18.0.1","port":8080}}')
[[ $(jq -r .result.verdict <<<"$r") == ALLOWED && $(jq -r .result.rule.id <<<"$r") == "$id" ]] ||
	fail "explain: $r"
r=$(expect_ok '{"v":1,"cmd":"explain","args":{"sandbox":"sb1","target":"169.254.169.254"}}')
[[ $(jq -r .result.scope <<<"$r") == always ]] || fail "explain always: $r"
ok "explain names the deciding rule and scope"

expect_ok '{"v":1,"cmd":"rule.add","args":{"action":"deny","rules":["198.18.0.0/24"]}}' >/dev/null
! reachable || fail "reachable after a global deny"
ok "a global deny wins over a sandbox allow"
expect_ok '{"v":1,"cmd":"rule.remove","args":{"items":["198.18.0.0/24"]}}' >/dev/null
reachable || fail "unreachable after removing the global deny"

expect_ok "{\"v\":1,\"cmd\":\"rule.remove\",\"args\":{\"items\":[$id],\"sandbox\":\"sb1\"}}" >/dev/null
! reachable || fail "reachable after rule.remove"
ok "denied after rule.remove"

expect_ok '{"v":1,"cmd":"mode.set","args":{"sandbox":"sb1","mode":"warn"}}' >/dev/null
reachable || fail "warn mode blocked"
expect_ok '{"v":1,"cmd":"mode.set","args":{"sandbox":"sb1","mode":"enforce"}}' >/dev/null
! reachable || fail "enforce mode let it through"
ok "mode warn/enforce"

expect_ok '{"v":1,"cmd":"rule.add","args":{"action":"allow","profiles":["lab"],"sandbox":"sb1"}}' >/dev/null
reachable || fail "profile lab did not allow"
ok "profile rules enforced"
# SIGHUP: a profile's new contents reach the scopes using it
sed -i 's/"198.18.0.1", //' "$DIR/profiles/lab.json"
kill -HUP "$PID"
sleep 0.5
! reachable || fail "profile update did not reach sb1"
sed -i 's/"allow": \[/"allow": ["198.18.0.1", /' "$DIR/profiles/lab.json"
kill -HUP "$PID"
sleep 0.5
reachable || fail "profile restored did not reach sb1"
ok "profile reload (SIGHUP) reaches the sandbox"

# one rule end to end: request, map update, state written, reply
for i in $(seq 5); do
	CTL_TIME=1 ctl "{\"v\":1,\"cmd\":\"rule.add\",\"args\":{\"action\":\"deny\",\"rules\":[\"t$i.example\"],\"sandbox\":\"sb1\"}}" 2>>"$DIR/times" >/dev/null
done
ok "one rule.add round trip (us): $(sort -n "$DIR/times" | tr '\n' ' ')"

before=$(ctl '{"v":1,"cmd":"rule.list","args":{"sandbox":"sb1"}}' | jq -c '[.result.rules[] | {id, pattern, scope}]')

# malformed, unknown, oversized-ish and truncated requests: error replies
expect_err 'not json' EINVAL
expect_err '{"v":2,"cmd":"status"}' EPROTO
expect_err '{"v":1,"cmd":"nope"}' EINVAL
expect_err '{"v":1,"cmd":"rule.add","args":{"action":"allow","rules":["bad..name"],"sandbox":"sb1"}}' EINVAL
expect_err '{"v":1,"cmd":"sandbox.del","args":{"name":"ghost"}}' ENOENT
expect_err '{"v":1,"cmd":"audit","args":{"sandbox":"ghost"}}' ENOENT
ok "error replies"

# a client that never finishes its request does not hold up the others,
# and is told so when its time is up
inhost env CTL_PARTIAL=1 "$CLIENT" "$SOCK" '{"v":1,"cmd":"status"' >"$DIR/slow" 2>&1 &
slow=$!
pids=()
for i in $(seq 8); do
	ctl '{"v":1,"cmd":"sandbox.list"}' '{"v":1,"cmd":"status"}' >"$DIR/c$i" &
	pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 8); do
	[[ $(jq -s 'map(.ok) | all' <"$DIR/c$i") == true ]] || fail "concurrent client $i: $(cat "$DIR/c$i")"
done
kill -0 "$slow" 2>/dev/null || fail "the slow client was dropped early"
ok "8 concurrent clients served while one holds an unfinished request"
wait "$slow" || true
[[ $(jq -r .code <"$DIR/slow") == ETIMEDOUT ]] || fail "slow client: $(cat "$DIR/slow")"
ok "the unfinished request timed out with an error reply"

# a request longer than the limit: an error reply, the daemon carries on
r=$(head -c $((64 * 1024 * 1024 + 16)) /dev/zero | tr '\0' a | inhost "$CLIENT" "$SOCK" || true)
[[ $(jq -r .code <<<"$r") == E2BIG ]] || fail "oversized: $r"
expect_ok '{"v":1,"cmd":"status"}' >/dev/null
ok "oversized request refused (E2BIG)"

# non-root without the egressd group
# the socket opened up to everyone: SO_PEERCRED still refuses
chmod 0755 "$DIR"
chmod 0666 "$SOCK"
r=$(inhost setpriv --reuid=nobody --regid=nogroup --clear-groups "$CLIENT" "$SOCK" '{"v":1,"cmd":"status"}' 2>&1 || true)
[[ $(jq -r .code <<<"$r" 2>/dev/null) == EACCES ]] || fail "nobody: $r"
ok "nobody refused with EACCES (even with the socket opened up)"

# SIGKILL: enforcement holds; a restart adopts without a second attach
prog_before=$(inhost tc filter show dev "$HIF" ingress | grep -o 'tc_from_sandbox.* id [0-9]*' || true)
[[ -n $prog_before ]] || fail "no tc ingress program before the restart"
key_before=$(bpftool -j map lookup pinned "$BPFFS/config" key 0 0 0 0 | jq -c .)
flows_before=$(bpftool -j map lookup pinned "$BPFFS/flows" key 1 0 0 0 | jq -c .)
kill -9 "$PID"
reap "$PID"
kill -0 "$PID" 2>/dev/null && fail "egressd survived SIGKILL"
PID=
reachable || fail "allowed traffic stopped with egressd dead"
ok "enforcement holds after SIGKILL"
start
grep -q "adopted the data path" "$DIR/egressd.log" || fail "no adoption"
grep -q "sandbox sb1: adopted" "$DIR/egressd.log" || fail "sb1 not adopted"
prog_after=$(inhost tc filter show dev "$HIF" ingress | grep -o 'tc_from_sandbox.* id [0-9]*' || true)
[[ $prog_before == "$prog_after" ]] || fail "tc ingress re-attached: $prog_before -> $prog_after"
[[ $(inhost tc filter show dev "$HIF" ingress | grep -c tc_from_sandbox) == 1 ]] || fail "tc ingress attached twice"
[[ $(inhost tc filter show dev "$HIF" egress | grep -c tc_to_sandbox) == 1 ]] || fail "tc attached twice"
after=$(ctl '{"v":1,"cmd":"rule.list","args":{"sandbox":"sb1"}}' | jq -c '[.result.rules[] | {id, pattern, scope}]')
[[ $before == "$after" ]] || fail "rules changed over restart: $before -> $after"
reachable || fail "unreachable after restart"
[[ $key_before == "$(bpftool -j map lookup pinned "$BPFFS/config" key 0 0 0 0 | jq -c .)" ]] ||
	fail "the name hash key changed over a restart"
[[ $flows_before == "$(bpftool -j map lookup pinned "$BPFFS/flows" key 1 0 0 0 | jq -c .)" ]] ||
	fail "the flow table was replaced over a restart"
r=$(expect_ok '{"v":1,"cmd":"explain","args":{"sandbox":"sb1","target":"LAB.example."}}')
[[ $(jq -r .result.rule.profile <<<"$r") == lab ]] || fail "name rule lost over restart: $r"
expect_ok '{"v":1,"cmd":"rule.remove","args":{"items":["profile:lab"],"sandbox":"sb1"}}' >/dev/null
! reachable || fail "reachable after removing the profile (after restart)"
ok "restart adopted: same programs, same rules, still enforcing"

# drift: a sandbox in the state whose ingress program went away is attached again
kill -9 "$PID"; reap "$PID"; PID=
inhost tc filter del dev "$HIF" ingress
reachable || fail "still enforcing with the tc ingress program removed"
start
grep -q "drift: sandbox sb1: nothing decided $HIF's frames; attaching" "$DIR/egressd.log" ||
	fail "drift not reported"
inhost tc filter show dev "$HIF" ingress | grep -q tc_from_sandbox || fail "tc ingress not re-attached"
! reachable || fail "not enforcing after drift repair"
ok "drift reported and repaired"

# sandbox.del detaches and forgets
expect_ok '{"v":1,"cmd":"sandbox.del","args":{"name":"sb1"}}' >/dev/null
inhost tc filter show dev "$HIF" ingress | grep -q tc_from_sandbox && fail "tc ingress left after sandbox.del"
inhost tc filter show dev "$HIF" egress | grep -q tc_to_sandbox && fail "tc left after sandbox.del"
[[ $(bpftool -j map dump pinned "$BPFFS/sandboxes" | jq length) == 0 ]] || fail "sandbox entry left"
reachable || fail "traffic blocked after sandbox.del"
expect_ok "{\"v\":1,\"cmd\":\"sandbox.add\",\"args\":{\"name\":\"sb1\",\"iface\":\"$HIF\"}}" >/dev/null
! reachable || fail "not enforcing after sandbox.add again"
ok "sandbox.del detached; add again enforces"

# a corrupt state file is refused
kill -TERM "$PID"; reap "$PID"; PID=
inhost tc filter show dev "$HIF" ingress | grep -q tc_from_sandbox || fail "SIGTERM detached tc ingress"
! reachable || fail "not enforcing after SIGTERM"
ok "SIGTERM leaves enforcement in place"
printf 'x' >>"$DIR/state/state.json"
if inhost "$EGRESSD" --config "$DIR/egressd.json" --state-dir "$DIR/state" --socket "$SOCK" \
	--bpffs "$BPFFS" --profile-dir "$DIR/profiles" --always "$DIR/always.json" 2>"$DIR/corrupt.log"; then
	fail "started on a corrupt state"
fi
grep -q "truncated or extended" "$DIR/corrupt.log" || fail "unclear error: $(cat "$DIR/corrupt.log")"
ok "corrupt state refused: $(head -1 "$DIR/corrupt.log")"

inhost "$EGRESSD" --cleanup --bpffs "$BPFFS" --socket "$SOCK" >/dev/null 2>&1 || fail "cleanup"
inhost tc filter show dev "$HIF" ingress | grep -q tc_from_sandbox && fail "tc ingress still attached after --cleanup"
[[ -e $BPFFS ]] && fail "pins left after --cleanup"
reachable || fail "traffic blocked after --cleanup"
ok "--cleanup detached and unpinned"
echo "all passed"
