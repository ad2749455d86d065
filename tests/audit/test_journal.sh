#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Audit events in a real journal: a systemd-journald of the test's own, in
# a private mount namespace (tmpfs over /run, /var/log/journal and
# /var/lib/systemd there, so the host's journal and catalog are neither
# seen nor touched), fed by journal-send through lib/journal.c, read back
# with journalctl -o json; the message catalog indexed by
# journalctl --update-catalog and shown by journalctl -x.
#
#   test_journal.sh JOURNAL_SEND CATALOG
set -euo pipefail

me=test_journal
send=$1
catalog=$2
journald=/lib/systemd/systemd-journald

if [[ ${3-} != --inner ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "$me: SKIP: needs root (mount namespace)"
		exit 77
	fi
	for cmd in unshare journalctl jq; do
		command -v $cmd >/dev/null || { echo "$me: $cmd is missing" >&2; exit 1; }
	done
	[[ -x $journald ]] || { echo "$me: $journald is missing" >&2; exit 1; }
	exec unshare --mount --propagation private "$0" "$send" "$catalog" --inner
fi

# ---- inside the private mount namespace ----------------------------------------
fail() {
	echo "$me: FAIL: $*" >&2
	exit 1
}

work=$(mktemp -d /tmp/egress-journal.XXXXXX)
jpid=
cleanup() {
	if [[ -n $jpid ]]; then
		kill "$jpid" 2>/dev/null || true
		wait "$jpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

mount -t tmpfs tmpfs /run
[[ -d /var/log/journal ]] && mount -t tmpfs tmpfs /var/log/journal
mount -t tmpfs tmpfs /var/lib/systemd
mkdir -p /run/systemd/journal /var/lib/systemd/catalog

cat >"$work/journald.conf" <<'EOF'
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
mount --bind "$work/journald.conf" /etc/systemd/journald.conf

SYSTEMD_LOG_TARGET=console "$journald" >"$work/journald.log" 2>&1 &
jpid=$!
for _ in $(seq 100); do
	[[ -S /run/systemd/journal/socket ]] && break
	sleep 0.05
done
[[ -S /run/systemd/journal/socket ]] || { cat "$work/journald.log" >&2; fail "journald did not start"; }

# ---- N events, every field back ------------------------------------------------------
sb=sb-$$
n=200
out=$("$send" "$sb" $n)
[[ $out == "sent $n dropped 0 errors 0" ]] || fail "journal-send: $out"
journalctl --sync 2>/dev/null || sleep 0.5

journalctl -o json --no-pager EGRESS_SANDBOX="$sb" >"$work/all.json"
got=$(wc -l <"$work/all.json")
[[ $got -eq $n ]] || fail "$got entries in the journal, want $n"

count() { jq -s "[.[] | select($1)] | length" "$work/all.json"; }
[[ $(count '.EGRESS_VERDICT == "DENIED"') -eq $((n / 2)) ]] || fail "denied entries"
[[ $(count '.EGRESS_VERDICT == "ALLOWED" and .EGRESS_WOULD_DENY == "0"') -eq $((n / 4)) ]] ||
	fail "allowed entries"
[[ $(count '.EGRESS_WOULD_DENY == "1" and .EGRESS_VERDICT == "ALLOWED"') -eq $((n / 4)) ]] ||
	fail "would-deny entries"
[[ $(count '.MESSAGE_ID == "f8dd2f5c8ef147fb99d1239ae7d59d75" and .PRIORITY == "4"') -eq $((n / 2)) ]] ||
	fail "MESSAGE_ID/PRIORITY of denied entries"
[[ $(count '.MESSAGE_ID == "6227362be17c417f9cdeb3a9bb94f01e" and .PRIORITY == "6"') -eq $((n / 4)) ]] ||
	fail "MESSAGE_ID/PRIORITY of allowed entries"
[[ $(count '.MESSAGE_ID == "019b5414f245431897057d1633485e8f" and .PRIORITY == "5"') -eq $((n / 4)) ]] ||
	fail "MESSAGE_ID/PRIORITY of would-deny entries"
[[ $(count '.SYSLOG_IDENTIFIER == "egressd"') -eq $n ]] || fail "SYSLOG_IDENTIFIER"

# every entry, every field, as journal-send made event i (i from the host name)
bad=$(jq -r --arg sb "$sb" '
	. as $e |
	($e.EGRESS_HOST | ltrimstr("h") | rtrimstr(".example.com") | tonumber) as $i |
	(if $i % 4 < 2 then
		{EGRESS_VERDICT: "DENIED", EGRESS_MODE: "deny", EGRESS_PROTO: "tls",
		 EGRESS_DST: "198.18.1.\($i % 250):443", EGRESS_RULE: "h\($i).example.com",
		 EGRESS_RULE_ID: "\(100 + $i)", EGRESS_SCOPE: "sandbox",
		 EGRESS_REASON: "deny-rule", EGRESS_WOULD_DENY: "1"}
	 elif $i % 4 == 2 then
		{EGRESS_VERDICT: "ALLOWED", EGRESS_MODE: "deny", EGRESS_PROTO: "dns",
		 EGRESS_DST: "198.18.1.\($i % 250):53", EGRESS_RULE: "*.example.com",
		 EGRESS_RULE_ID: "7", EGRESS_SCOPE: "global",
		 EGRESS_REASON: "allow-rule", EGRESS_WOULD_DENY: "0"}
	 else
		{EGRESS_VERDICT: "ALLOWED", EGRESS_MODE: "warn", EGRESS_PROTO: "http",
		 EGRESS_DST: "198.18.1.\($i % 250):80", EGRESS_RULE: "default",
		 EGRESS_RULE_ID: "0", EGRESS_SCOPE: "default",
		 EGRESS_REASON: "not-allowlisted", EGRESS_WOULD_DENY: "1"}
	 end) + {EGRESS_SANDBOX: $sb, EGRESS_SRC: "198.18.0.2:\(40000 + $i)",
		 EGRESS_GENERATION: "\(40 + $i)", EGRESS_COUNT: "\(1 + $i % 3)"} |
	to_entries[] | select($e[.key] != .value) |
	"event \($i): \(.key) is \($e[.key] // "missing"), want \(.value)"' "$work/all.json")
[[ -z $bad ]] || fail "fields differ:"$'\n'"$(head -20 <<<"$bad")"
# each of the N events once
[[ $(jq -r .EGRESS_HOST "$work/all.json" | sort -u | wc -l) -eq $n ]] || fail "duplicate entries"
jq -r 'select(.EGRESS_HOST == "h0.example.com") | .MESSAGE' "$work/all.json" |
	grep -qx "sandbox $sb: DENIED tls h0.example.com (198.18.1.0:443, mode: deny, rule: h0.example.com, reason: deny-rule)" ||
	fail "MESSAGE of event 0: $(jq -r 'select(.EGRESS_HOST == "h0.example.com") | .MESSAGE' "$work/all.json")"

# ---- the catalog: indexed, and shown by journalctl -x ---------------------------------
# journalctl reads catalogs from /usr/lib/systemd/catalog (and /usr/local):
# a copy of that directory with ours added, over it, in this namespace only
mkdir "$work/catalog"
cp -a /usr/lib/systemd/catalog/. "$work/catalog/" 2>/dev/null || true
cp "$catalog" "$work/catalog/egressd.catalog"
mount --bind "$work/catalog" /usr/lib/systemd/catalog
journalctl --update-catalog || fail "journalctl --update-catalog refused the catalog"
for id in f8dd2f5c8ef147fb99d1239ae7d59d75 019b5414f245431897057d1633485e8f \
	  6227362be17c417f9cdeb3a9bb94f01e f61a15983d1a42d39dd4f8c90654148e; do
	journalctl --list-catalog "$id" | grep -q egressd || fail "catalog has no entry $id"
done
journalctl -x --no-pager EGRESS_SANDBOX="$sb" EGRESS_HOST=h1.example.com >"$work/x.txt"
grep -q "Subject: egressd denied traffic of sandbox $sb to h1.example.com" "$work/x.txt" ||
	fail "journalctl -x shows no explanation: $(cat "$work/x.txt")"
grep -q "egressctl allow h1.example.com --sandbox $sb" "$work/x.txt" ||
	fail "journalctl -x does not say how to allow it"

# ---- a full queue: counted, said in one entry, nothing silent ---------------------------
sb2=flood-$$
m=3000
out=$("$send" "$sb2" $m 8)
read -r _ sent _ dropped _ errors <<<"$out"
[[ $errors -eq 0 && $((sent + dropped)) -eq $m ]] || fail "journal-send: $out"
journalctl --sync 2>/dev/null || sleep 0.5
got=$(journalctl -o json --no-pager EGRESS_SANDBOX="$sb2" | wc -l)
[[ $got -eq $sent ]] || fail "$got entries of $sb2, $sent sent"
said=$(journalctl -o json --no-pager MESSAGE_ID=f61a15983d1a42d39dd4f8c90654148e |
       jq -s 'map(.EGRESS_COUNT | tonumber) | add // 0')
[[ $said -eq $dropped ]] || fail "the journal says $said were not forwarded, $dropped were dropped"

echo "$me: $n events with every field, catalog shown by journalctl -x;" \
     "flood: $sent sent, $dropped dropped and reported"
