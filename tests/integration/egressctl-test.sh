#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egressd for real with egressctl as its only client: every change is made
# with egressctl and checked with curl from a sandbox namespace to nginx on
# the host side (HTTPS by SNI, plain HTTP by Host, IPv4 and IPv6).
#
#   egressctl-test.sh EGRESSD EGRESSCTL
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=lib.sh
source ./lib.sh "$1" "$2"

setup_world

# The positive group test needs an egressd group. When the machine has none,
# one is made for the test and removed on exit (only then: an existing group
# is used as it is and left alone). It must exist before egressd starts,
# which gives the socket to that group.
if ! getent group egressd >/dev/null; then
	groupadd --system egressd
	CLEANUPS+=("groupdel egressd")
fi

start

# --- sandbox add returns only once enforcement is attached -------------------
pass "before any sandbox" https "$SB1" a.example
ctl sandbox add sb1 --iface "$HIF1" --mode deny >"$DIR/out"
block "right after sandbox add" https "$SB1" a.example
block "right after sandbox add (http)" http "$SB1" a.example
grep -q "^sb1 .* none .* ingress+egress .* deny " "$DIR/out" || fail "sandbox add table: $(cat "$DIR/out")"
ok "sandbox add returns attached: the very first request is denied"

ctl status >"$DIR/out"
grep -Eq "^sb1 +1 +$HIF1 +none +ingress\+egress +deny " "$DIR/out" || fail "status table: $(cat "$DIR/out")"
grep -Eq "^started +[0-9]{4}-[0-9]{2}-[0-9]{2}T" "$DIR/out" || fail "status started: $(cat "$DIR/out")"
[[ $(ctl -j status | jq -r '.sandboxes[0].attach | "\(.ingress) \(.xdp) \(.tc)"') == "tc none ingress+egress" ]] ||
	fail "status -j attach"
ok "status shows the attach mode (a veth: tc ingress and egress, no XDP)"

# --- allow / deny / remove with traffic before and after ---------------------
ctl allow a.example --sandbox sb1 >"$DIR/out"
id_a=$(awk '$3 == "a.example" { print $1 }' "$DIR/out")
[[ $id_a =~ ^[0-9]+$ ]] || fail "allow printed no id: $(cat "$DIR/out")"
pass "allowed name (https)" https "$SB1" a.example
pass "allowed name (http)" http "$SB1" a.example
block "other name (https)" https "$SB1" b.example
block "other name (http)" http "$SB1" b.example
block "the name as a suffix" https "$SB1" xa.example
ok "allow NAME: HTTPS by SNI and HTTP by Host"

ctl allow '*.w.example' --sandbox sb1 >/dev/null
pass "below a wildcard" https "$SB1" x.w.example
pass "deep below a wildcard (http)" http "$SB1" p.q.w.example
block "a wildcard's apex" https "$SB1" w.example
ctl deny deep.w.example --sandbox sb1 >/dev/null
block "deny wins over a wildcard allow" https "$SB1" deep.w.example
pass "the rest of the wildcard" https "$SB1" other.w.example
ok "*.wildcard allow, its apex not included, a deny wins"

ctl allow 198.18.0.1/32 --sandbox sb1 >"$DIR/out"
# a /32 is shown (and kept) as the address it is
id_ip=$(awk '$3 == "198.18.0.1" && $4 == "ip" { print $1 }' "$DIR/out")
[[ $id_ip =~ ^[0-9]+$ ]] || fail "allow CIDR printed no id: $(cat "$DIR/out")"
pass "any name to an allowed address" https "$SB1" b.example
pass "any Host to an allowed address" http "$SB1" b.example
block "a denied name to an allowed address" https "$SB1" deep.w.example
ctl remove "$id_ip" --sandbox sb1 >/dev/null
block "after removing the IP rule by id" https "$SB1" b.example
ctl allow fd00:e1::1 --sandbox sb1 >/dev/null
pass "IPv6 allow" https "$SB1" b.example fd00:e1::1
block "IPv6 rule does not cover IPv4" https "$SB1" b.example
ctl remove fd00:e1::1 --sandbox sb1 >/dev/null
block "IPv6 removed by text" https "$SB1" b.example fd00:e1::1
ok "IP rules (IPv4 CIDR, IPv6 address), removed by id and by text"

ctl remove a.example --sandbox sb1 >"$DIR/out"
grep -q "^$id_a .*a.example" "$DIR/out" || fail "remove by text printed: $(cat "$DIR/out")"
block "after remove by text" https "$SB1" a.example
# one rule out of many: the others stay enforced
pass "the wildcard after another rule's removal" https "$SB1" x.w.example
block "the deny after another rule's removal" https "$SB1" deep.w.example
ctl allow a.example --sandbox sb1 >/dev/null
pass "allowed again" https "$SB1" a.example
ok "remove by text"

id_a=$(ctl -j list --sandbox sb1 | jq '.rules[] | select(.pattern == "a.example") | .id')
[[ $(ctl -j allow A.Example. --sandbox sb1 | jq -c '[.rules[] | {id, pattern}]') == \
	"[{\"id\":$id_a,\"pattern\":\"a.example\"}]" ]] || fail "allow of a present rule"
[[ $(ctl -j list --sandbox sb1 | jq '[.rules[] | select(.pattern == "a.example")] | length') == 1 ]] ||
	fail "a rule added twice"
ok "a rule already present (in another spelling) keeps its id"

# a global rule reaches the sandbox; a global deny wins over its allow
ctl deny a.example >/dev/null
block "global deny" https "$SB1" a.example
ctl remove a.example >/dev/null
pass "global deny removed" https "$SB1" a.example
ok "global deny wins over a sandbox allow"

# --- modes ---------------------------------------------------------------------
[[ $(ctl mode --sandbox sb1) == deny ]] || fail "mode: $(ctl mode --sandbox sb1)"
ctl mode warn --sandbox sb1 >/dev/null
pass "warn mode" https "$SB1" b.example
ctl mode deny-all --sandbox sb1 >/dev/null
block "deny-all mode" https "$SB1" a.example
ctl mode allow-all --sandbox sb1 >/dev/null
pass "allow-all mode" https "$SB1" deep.w.example
ctl mode enforce --sandbox sb1 >"$DIR/out"
grep -q "^mode deny " "$DIR/out" || fail "enforce alias: $(cat "$DIR/out")"
block "deny mode again" https "$SB1" b.example
pass "deny mode again (allowed)" https "$SB1" a.example
[[ $(ctl -j mode --sandbox sb1 | jq -c .) == '{"mode":"deny","inherited":false}' ]] ||
	fail "mode -j: $(ctl -j mode --sandbox sb1)"
ok "mode warn, deny-all, allow-all, enforce with traffic"

# --- profiles --------------------------------------------------------------------
ctl profile list | grep -Eq "^lab +2 +the lab's web servers" || fail "profile list"
ctl profile show lab | grep -Eq "^allow +\*\.lab\.example" || fail "profile show"
block "before the profile" https "$SB1" lab.example
ctl allow --profile lab --sandbox sb1 >/dev/null
pass "profile name" https "$SB1" lab.example
pass "profile wildcard" http "$SB1" x.lab.example
ctl list --sandbox sb1 | grep -Eq "^[0-9]+ +allow +lab\.example +name +sandbox +sb1 +lab$" ||
	fail "list does not show the profile's rule: $(ctl list --sandbox sb1)"
ctl remove profile:lab --sandbox sb1 >/dev/null
block "after removing the profile" https "$SB1" lab.example
ctl allow --profile lab --sandbox sb1 >/dev/null
# a rule of its own on a profile's name: removing it leaves the profile's
ctl allow lab.example --sandbox sb1 >/dev/null
ctl remove lab.example --sandbox sb1 >/dev/null
pass "a profile's rule on a removed rule's name" https "$SB1" lab.example
ok "allow --profile / remove profile:P"

# the always scope: the CLI cannot override it
ctl allow blocked.example --sandbox sb1 >/dev/null
block "always deny" https "$SB1" blocked.example

# --- explain -----------------------------------------------------------------------
j=$(ctl -j explain sb1 a.example)
[[ $(jq -r '"\(.verdict) \(.scope) \(.rule.pattern) \(.rule.id)"' <<<"$j") == "ALLOWED sandbox a.example $(
	ctl -j list --sandbox sb1 | jq -r '.rules[] | select(.pattern == "a.example") | .id')" ]] ||
	fail "explain allowed: $j"
j=$(ctl -j explain sb1 x.lab.example 443)
[[ $(jq -r '"\(.verdict) \(.rule.profile)"' <<<"$j") == "ALLOWED lab" ]] || fail "explain profile: $j"
j=$(ctl -j explain sb1 b.example)
[[ $(jq -r '"\(.verdict) \(.scope) \(.rule)"' <<<"$j") == "DENIED default null" ]] || fail "explain default: $j"
j=$(ctl -j explain sb1 deep.w.example)
[[ $(jq -r '"\(.verdict) \(.scope) \(.rule.action)"' <<<"$j") == "DENIED sandbox deny" ]] || fail "explain deny: $j"
j=$(ctl -j explain sb1 BLOCKED.example.)
[[ $(jq -r '"\(.verdict) \(.scope)"' <<<"$j") == "DENIED always" ]] || fail "explain always: $j"
# DNS over TLS: a name rule does not allow it, an address rule does
j=$(ctl -j explain sb1 a.example 853)
[[ $(jq -r '"\(.verdict) \(.reason)"' <<<"$j") == "DENIED dot-blocked" ]] || fail "explain DoT: $j"
block "DoT to an allowed name" dot "$SB1" a.example
ctl allow 198.18.0.0/24 >/dev/null
j=$(ctl -j explain sb1 198.18.0.1 80)
[[ $(jq -r '"\(.verdict) \(.scope) \(.rule.pattern)"' <<<"$j") == "ALLOWED global 198.18.0.0/24" ]] ||
	fail "explain address: $j"
pass "global IP allow" http "$SB1" b.example
j=$(ctl -j explain sb1 198.18.0.1 853)
[[ $(jq -r '"\(.verdict) \(.scope)"' <<<"$j") == "ALLOWED global" ]] || fail "explain DoT address: $j"
pass "DoT to an allowed address" dot "$SB1" b.example
ctl remove 198.18.0.0/24 >/dev/null
# no address rule now: the names DNS bound to the address decide it
j=$(ctl -j explain sb1 198.18.0.1 80)
[[ $(jq -r '"\(.verdict) \(.rule.pattern) \(.bound | index("a.example") != null)"' <<<"$j") == "ALLOWED a.example true" ]] ||
	fail "explain a bound address after remove: $j"
j=$(ctl -j explain sb1 198.18.0.77 80)
[[ $(jq -r '"\(.verdict) \(.reason)"' <<<"$j") == "DENIED unbound-address" ]] ||
	fail "explain an unbound address: $j"
block "global IP allow removed" http "$SB1" b.example
ctl explain sb1 a.example >"$DIR/out"
for re in "^verdict +ALLOWED$" "^scope +sandbox$" "^rule +allow a\.example \(id [0-9]+\)$"; do
	grep -Eq "$re" "$DIR/out" || fail "explain table: $(cat "$DIR/out")"
done
ok "explain: verdict, rule and scope for allowed and denied names and addresses"

# --- list ---------------------------------------------------------------------------
ctl list --sandbox sb1 >"$DIR/out"
head -1 "$DIR/out" | grep -Eq "^ID +ACTION +PATTERN +KIND +SCOPE +SANDBOX +PROFILE$" || fail "list header"
[[ $(grep -Ec "^[0-9]+ +(allow|deny) " "$DIR/out") == "$(ctl -j list --sandbox sb1 | jq '.rules | length')" ]] ||
	fail "list and list -j disagree"
ctl -j list --sandbox sb1 | jq -e '.rules[] | select(.pattern == "*.w.example" and .kind == "wildcard"
	and .scope == "sandbox" and .sandbox == "sb1" and .profile == null)' >/dev/null ||
	fail "list -j rule object"
ctl -j list --sandbox sb1 | jq -e '.rules[] | select(.scope == "always")' >/dev/null ||
	fail "list -j lacks the always scope"
ok "list and -j list"

# --- policy export / import into another sandbox -------------------------------------
mac2=$(ip -n "$SB2" -j link show "$SIF2" | jq -r '.[0].address')
# sb2 in generic XDP (--attach skb), sb1 in the default (tc ingress on a veth)
ctl sandbox add sb2 --iface "$HIF2" --ip 198.18.1.2 --mac "$mac2" --attach skb >/dev/null
[[ $(ctl -j status | jq -r '.sandboxes[] | select(.name == "sb2") | .attach | "\(.ingress) \(.tc)"') == "skb egress" ]] ||
	fail "sb2 attach: $(ctl -j status | jq -c '.sandboxes[] | select(.name == "sb2") | .attach')"
block "sb2 inherits deny" https "$SB2" a.example 198.18.1.1
[[ $(ctl mode --sandbox sb2) == "deny (inherited from global)" ]] || fail "mode sb2: $(ctl mode --sandbox sb2)"
ctl mode warn >/dev/null
pass "sb2 follows the global mode (warn)" https "$SB2" a.example 198.18.1.1
[[ $(ctl mode) == warn && $(ctl mode --sandbox sb1) == deny ]] || fail "global mode reached sb1"
ctl mode deny >/dev/null
block "sb2 follows the global mode (deny)" https "$SB2" a.example 198.18.1.1
ok "a sandbox without a mode follows the global one"
ctl policy export sb1 >"$DIR/sb1.json"
ctl policy import "$DIR/sb1.json" sb2 >"$DIR/out"
grep -q "rules imported" "$DIR/out" || fail "import: $(cat "$DIR/out")"
norm='[.rules[] | {action, pattern, kind, scope, profile}] | sort_by(.pattern, .action)'
ctl -j list --sandbox sb1 | jq -c "$norm" >"$DIR/l1"
ctl -j list --sandbox sb2 | jq -c "$norm" >"$DIR/l2"
cmp -s "$DIR/l1" "$DIR/l2" || fail "imported rules differ: $(diff <(jq . "$DIR/l1") <(jq . "$DIR/l2"))"
[[ $(ctl -j list --sandbox sb1 | jq -c '.profiles | map(.name)') == \
	"$(ctl -j list --sandbox sb2 | jq -c '.profiles | map(.name)')" ]] || fail "imported profiles differ"
ctl policy export sb2 | jq -S . >"$DIR/sb2.json"
[[ $(jq -S . "$DIR/sb1.json") == "$(cat "$DIR/sb2.json")" ]] || fail "export of the import differs"
pass "sb2 after import" https "$SB2" a.example 198.18.1.1
pass "sb2 after import (profile)" http "$SB2" x.lab.example 198.18.1.1
block "sb2 after import (deny)" https "$SB2" deep.w.example 198.18.1.1
block "sb2 after import (default)" https "$SB2" b.example 198.18.1.1
ok "policy export | import into another sandbox: same list, same traffic"

# --ip: another source address is dropped
ip -n "$SB2" addr add 198.18.1.3/24 dev "$SIF2"
lookup "$SB2" a.example
block "a source address sb2 was not given" ip netns exec "$SB2" curl -sfk -o /dev/null --max-time 2 \
	--interface 198.18.1.3 --resolve a.example:443:198.18.1.1 https://a.example/
pass "sb2's own address" https "$SB2" a.example 198.18.1.1
ok "sandbox add --ip: frames from other sources are dropped"

# the global scope's policy: export, import, the same
ctl allow g1.example >/dev/null
ctl deny g2.example >/dev/null
ctl policy export >"$DIR/global.json"
[[ $(jq -c '[.allow, .deny, has("resolvers")]' "$DIR/global.json") == '[["g1.example"],["g2.example"],false]' ]] ||
	fail "global export: $(cat "$DIR/global.json")"
gbefore=$(ctl -j list | jq -cS .)
ctl policy import - <"$DIR/global.json" >/dev/null
[[ $(ctl -j list | jq -cS .) == "$gbefore" ]] || fail "global import changed the list"
ctl remove g1.example g2.example >/dev/null
ok "global policy export/import from standard input keeps rules and ids"

# --- bad input: one line, exit 1, nothing changed -------------------------------------
state() { { ctl -j list --sandbox sb1; ctl -j list; ctl -j sandbox list; ctl -j mode; } | jq -cS .; }
before=$(state)
echo '{"allow": ["good.example", "bad..example"]}' >"$DIR/bad.json"
echo '{"allow": ["good.example"], "profiles": ["lab", "nope"], "mode": "allow-all"}' >"$DIR/badprof.json"
nbad=0
bad() {
	local rc=0
	nbad=$((nbad + 1))
	ctl "$@" >"$DIR/bad.out" 2>"$DIR/bad.err" || rc=$?
	[[ $rc == 1 ]] || fail "'$*' exited $rc"
	[[ ! -s $DIR/bad.out ]] || fail "'$*' wrote to stdout: $(cat "$DIR/bad.out")"
	[[ $(wc -l <"$DIR/bad.err") == 1 ]] || fail "'$*' did not write one line: $(cat "$DIR/bad.err")"
	grep -q "^egressctl: " "$DIR/bad.err" || fail "'$*': $(cat "$DIR/bad.err")"
	[[ $(state) == "$before" ]] || fail "'$*' changed something"
}
bad allow bad..example --sandbox sb1
bad allow good.example bad..example --sandbox sb1
bad allow 'a b.example' --sandbox sb1
bad allow 198.18.0.0/33 --sandbox sb1
bad allow 198.18.300.1
bad deny fd00::/129 --sandbox sb1
bad allow good.example --sandbox ghost
bad allow good.example --sandbox 'bad name'
bad allow --profile nope --sandbox sb1
bad mode bogus --sandbox sb1
bad mode deny --sandbox ghost
bad mode bogus
bad remove 999999 --sandbox sb1
bad remove a.example nothere.example --sandbox sb1
bad remove "$(ctl -j list --sandbox sb1 | jq '.rules[] | select(.profile == "lab") | .id' | head -1)" --sandbox sb1
bad remove "$(ctl -j list | jq '.rules[] | select(.scope == "always") | .id' | head -1)"
bad sandbox add sb3 --iface ein-nosuch0
bad sandbox add sb1 --iface "$HIF1"
bad sandbox add sb3 --iface "$HIF1"
bad sandbox add sb3 --iface "$HIF2" --mode bogus
bad sandbox add sb3 --iface "$HIF2" --ip 198.18.1.300
bad sandbox del ghost
bad explain ghost a.example
bad explain sb1 '*.w.example'
bad explain sb1 a.example 70000
bad policy export ghost
bad policy import "$DIR/bad.json" sb1
bad policy import "$DIR/badprof.json" sb1
bad policy import "$DIR/nonexistent.json" sb1
bad policy import "$DIR/sb1.json" ghost
echo '{"allow": ["good.example"], "resolvers": ["198.18.0.1"]}' >"$DIR/withres.json"
bad policy import "$DIR/withres.json"
bad sandbox add sb3 --iface "$HIF2" --profile nope
bad list --sandbox ghost
bad profile show nope
bad frobnicate
ok "bad input: one line on stderr, exit 1, nothing changed ($nbad cases)"

# --- several clients at once -------------------------------------------------------------
pids=()
for i in $(seq 20); do
	ctl -j allow "c$i.par.example" --sandbox sb2 >"$DIR/par$i" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a parallel allow failed"; done
[[ $(cat "$DIR"/par* | jq -r '.rules[0].id' | sort -u | wc -l) == 20 ]] || fail "parallel ids not distinct"
[[ $(ctl -j list --sandbox sb2 | jq '[.rules[] | select(.pattern | test("^c[0-9]+\\.par\\.example$"))] | length') == 20 ]] ||
	fail "not all parallel rules present"
pass "a rule added in parallel" https "$SB2" c17.par.example 198.18.1.1
ok "20 egressctl clients at once: 20 rules, 20 distinct ids"

# --- who may use the socket ----------------------------------------------------------------
r=$(inhost setpriv --reuid=nobody --regid=nogroup --clear-groups "$EGRESSCTL" --socket "$SOCK" status 2>&1) &&
	fail "nobody got through: $r"
ok "nobody without the group: $r"
chmod 0666 "$SOCK"
r=$(inhost setpriv --reuid=nobody --regid=nogroup --clear-groups "$EGRESSCTL" --socket "$SOCK" \
	allow x.example 2>&1) && fail "nobody got through an open socket: $r"
[[ $r == *"only root or the egressd group"* ]] || fail "nobody, open socket: $r"
chmod 0660 "$SOCK"
ok "nobody refused by SO_PEERCRED even with the socket opened up"
[[ $(stat -c %G "$SOCK") == egressd ]] || fail "the socket's group is $(stat -c %G "$SOCK")"
inhost setpriv --reuid=nobody --regid=nogroup --groups=egressd "$EGRESSCTL" --socket "$SOCK" \
	allow grp.example --sandbox sb2 >/dev/null || fail "a member of egressd was refused"
ctl -j list --sandbox sb2 | jq -e '.rules[] | select(.pattern == "grp.example")' >/dev/null ||
	fail "the group member's rule is missing"
ok "a member of the egressd group is served"

# --- live update: a big import while requests run ----------------------------------------
jq -n '{mode: "deny", allow: (["a.example", "*.w.example"] + [range(10000) | "n\(.).bulk.example"]),
	deny: ["deep.w.example"], profiles: ["lab"]}' >"$DIR/big.json"
stop=$DIR/stop
pass "DNS to the resolver before the imports" dns a.example
(
	n=0 f=0
	while [[ ! -e $stop ]]; do
		rc=0
		https "$SB1" a.example || rc=$?
		(( rc == 0 )) || { f=$((f + 1)); echo "$(date +%T.%N) curl $rc" >>"$DIR/loop.fail"; }
		n=$((n + 1))
	done
	echo "$n $f" >"$DIR/loop"
) &
loop=$!
(
	n=0 f=0
	while [[ ! -e $stop ]]; do
		dns a.example || { f=$((f + 1)); echo "$(date +%T.%N) dns" >>"$DIR/loop.fail"; }
		n=$((n + 1))
	done
	echo "$n $f" >"$DIR/dnsloop"
) &
dnsloop=$!
sleep 0.3
for _ in 1 2 3; do
	ctl policy import "$DIR/big.json" sb1 >/dev/null
	echo "$(date +%T.%N) imported big" >>"$DIR/loop.fail"
	pass "a bulk name after import" https "$SB1" n9876.bulk.example
	ctl policy import "$DIR/sb1.json" sb1 >/dev/null
	echo "$(date +%T.%N) imported small" >>"$DIR/loop.fail"
	block "a bulk name after the small import" https "$SB1" n9876.bulk.example
done
touch "$stop"
wait "$loop" "$dnsloop"
read -r n f <"$DIR/loop"
(( n >= 10 )) || fail "only $n requests in the loop"
(( f == 0 )) || fail "$f of $n requests failed during policy imports: $(cat "$DIR/loop.fail")"
read -r dn df <"$DIR/dnsloop"
(( dn >= 10 )) || fail "only $dn DNS queries in the loop"
(( df == 0 )) || fail "$df of $dn DNS queries failed during policy imports: $(cat "$DIR/loop.fail")"
ok "$n requests and $dn DNS queries during 6 imports (10002 rules and back), none failed"

# --- revocation cuts an open connection ---------------------------------------------------
for proto in https http; do
	port=443; [[ $proto == http ]] && port=80
	in1 curl -sk -o "$DIR/dl" --max-time 30 --resolve "a.example:$port:198.18.0.1" \
		"$proto://a.example/big" 2>/dev/null &
	dl=$!
	for _ in $(seq 50); do [[ -s $DIR/dl ]] && break; sleep 0.1; done
	[[ -s $DIR/dl ]] || fail "$proto download did not start"
	ctl remove a.example --sandbox sb1 >/dev/null
	t0=$SECONDS
	rc=0
	wait "$dl" || rc=$?
	(( rc != 0 )) || fail "$proto download completed after revocation"
	(( SECONDS - t0 < 10 )) || fail "$proto download ran on $((SECONDS - t0)) s after revocation"
	size=$(stat -c %s "$DIR/dl")
	(( size < 64 * 1024 * 1024 )) || fail "$proto: all of it arrived"
	ctl allow a.example --sandbox sb1 >/dev/null
	ok "$proto: removing the rule stopped a running download (curl $rc after $size bytes)"
done

# --- SIGKILL and restart ----------------------------------------------------------------
rules_before=$(ctl -j list --sandbox sb1 | jq -cS .)
rules2_before=$(ctl -j list --sandbox sb2 | jq -cS .)
# a transfer that runs through the kill and the restart
lookup "$SB1" a.example
in1 curl -sk -o "$DIR/dl" --max-time 60 --resolve a.example:443:198.18.0.1 \
	https://a.example/big 2>/dev/null &
dl=$!
for _ in $(seq 50); do [[ -s $DIR/dl ]] && break; sleep 0.1; done
[[ -s $DIR/dl ]] || fail "download did not start"
kill -9 "$PID"
reap "$PID"
PID=
pass "allowed with egressd dead" https "$SB1" a.example
block "denied with egressd dead" https "$SB1" b.example
r=$(ctl status 2>&1) && fail "status without egressd: $r"
[[ $(wc -l <<<"$r") == 1 && $r == *"is egressd running?"* ]] || fail "status without egressd: $r"
ok "SIGKILL: enforcement holds, egressctl says egressd is not running"
start
[[ $(ctl -j list --sandbox sb1 | jq -cS .) == "$rules_before" ]] || fail "sb1 rules changed over restart"
[[ $(ctl -j list --sandbox sb2 | jq -cS .) == "$rules2_before" ]] || fail "sb2 rules changed over restart"
ctl status >"$DIR/out"
grep -Eq "^sb1 +1 +$HIF1 +none +ingress\+egress +deny " "$DIR/out" || fail "status after restart: $(cat "$DIR/out")"
grep -Eq "^sb2 +2 +$HIF2 +skb +egress +deny " "$DIR/out" || fail "status after restart: $(cat "$DIR/out")"
pass "allowed after restart" https "$SB1" a.example
block "denied after restart" https "$SB1" b.example
ok "restart: same rules and ids, both sandboxes attached"
kill -0 "$dl" 2>/dev/null || fail "a download did not survive SIGKILL and restart"
size=$(stat -c %s "$DIR/dl")
sleep 0.5
(( $(stat -c %s "$DIR/dl") > size )) || fail "the download made no progress after the restart"
kill "$dl"
wait "$dl" 2>/dev/null || true
ok "a download ran on through SIGKILL and restart ($(stat -c %s "$DIR/dl") bytes)"

# --- bash completion asks the daemon for names -----------------------------------------------
# shellcheck source=../../completion/egressctl disable=SC1091
source ../../completion/egressctl
COMP_WORDS=("$EGRESSCTL" --socket "$SOCK" allow --sandbox "")
[[ $(_egressctl_names 'sandbox list' sandboxes | tr '\n' ' ') == "sb1 sb2 " ]] ||
	fail "completion of sandboxes: $(_egressctl_names 'sandbox list' sandboxes)"
[[ $(_egressctl_names 'profile list' profiles) == lab ]] || fail "completion of profiles"
ok "bash completion lists sandboxes and profiles from egressd"

# --- sandbox del ------------------------------------------------------------------------------
ctl sandbox del sb2 >/dev/null
pass "sb2 unenforced after del" https "$SB2" b.example 198.18.1.1
[[ $(ctl -j sandbox list | jq -c '[.sandboxes[].name]') == '["sb1"]' ]] || fail "sandbox list after del"
ok "sandbox del detaches"
echo "all passed"
