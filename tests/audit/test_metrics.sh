#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The metrics egressd serves: the full set passes `promtool check metrics`,
# and the HTTP endpoint of lib/metrics.c answers curl (200 with the text
# format on /metrics, 404 elsewhere, 405 for other methods), over IPv4 and
# IPv6 loopback inside a network namespace of the test's own.
#
#   test_metrics.sh METRICS_SERVE
set -euo pipefail

me=test_metrics
serve=$1

fail() {
	echo "$me: FAIL: $*" >&2
	exit 1
}

if [[ $(id -u) -ne 0 ]]; then
	echo "$me: SKIP: needs root (network namespace)"
	exit 77
fi
for cmd in ip curl promtool; do
	command -v $cmd >/dev/null || fail "$cmd is missing (tools/deps installs it)"
done

ns=egaud-m$$
work=$(mktemp -d /tmp/egress-metrics.XXXXXX)
pids=()
cleanup() {
	for fd in "${fds[@]:-}"; do
		[[ -n $fd ]] && eval "exec $fd>&-" 2>/dev/null || true
	done
	for pid in "${pids[@]:-}"; do
		[[ -n $pid ]] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
fds=()
trap cleanup EXIT

# ---- the rendered set: promtool's lint ------------------------------------------------
"$serve" --dump >"$work/dump.txt"
promtool check metrics <"$work/dump.txt" >"$work/lint.txt" 2>&1 ||
	fail "promtool check metrics: $(cat "$work/lint.txt")"
[[ ! -s $work/lint.txt ]] || fail "promtool check metrics: $(cat "$work/lint.txt")"
# promtool does lint: a counter without _total is refused
printf '# HELP x_count Things.\n# TYPE x_count counter\nx_count 1\n' |
	promtool check metrics >/dev/null 2>&1 && fail "promtool accepts a bad counter name"
grep -qx 'egress_decisions_total{sandbox="web",verdict="denied",proto="quic"} 2' "$work/dump.txt" ||
	fail "no decisions sample in the dump"
grep -qx 'egress_decisions_total{sandbox="ci \\"runner\\"\\\\1",verdict="allowed",proto="http"} 9' "$work/dump.txt" ||
	fail "escaped sandbox label"

# ---- HTTP in a namespace of our own -------------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up

serve_on() {	# ADDR: starts the server, sets port, keeps its stdin open
	local addr=$1 out=$work/serve.$RANDOM
	mkfifo "$out.in"
	ip netns exec "$ns" "$serve" "$addr" <"$out.in" >"$out" 2>&1 &
	pids+=($!)
	exec {fd}>"$out.in"
	fds+=("$fd")
	for _ in $(seq 100); do
		grep -q '^port ' "$out" 2>/dev/null && break
		sleep 0.05
	done
	port=$(awk '/^port /{print $2}' "$out")
	[[ -n $port && $port -gt 0 ]] || fail "metrics-serve $addr: $(cat "$out")"
	last_fd=$fd
}

check_http() {	# BASE URL
	local base=$1 code
	code=$(ip netns exec "$ns" curl -sS -o "$work/body" -D "$work/headers" \
		-w '%{http_code}' "$base/metrics")
	[[ $code == 200 ]] || fail "GET $base/metrics: $code"
	grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$work/headers" ||
		fail "content type: $(cat "$work/headers")"
	promtool check metrics <"$work/body" >"$work/lint.txt" 2>&1 ||
		fail "promtool check metrics on the scrape: $(cat "$work/lint.txt")"
	[[ ! -s $work/lint.txt ]] || fail "promtool: $(cat "$work/lint.txt")"
	# the same families as the dump
	diff <(grep '^# TYPE' "$work/dump.txt") <(grep '^# TYPE' "$work/body") >/dev/null ||
		fail "the scrape has other families than the rendered set"
	local d1 d2
	d1=$(awk '/^egress_ringbuf_drains_total /{print $2}' "$work/body")
	ip netns exec "$ns" curl -sS -o "$work/body2" "$base/metrics"
	d2=$(awk '/^egress_ringbuf_drains_total /{print $2}' "$work/body2")
	[[ $d2 -eq $((d1 + 1)) ]] || fail "second scrape is not rendered anew ($d1, $d2)"

	code=$(ip netns exec "$ns" curl -sS -o /dev/null -w '%{http_code}' "$base/")
	[[ $code == 404 ]] || fail "GET $base/: $code, want 404"
	code=$(ip netns exec "$ns" curl -sS -o /dev/null -w '%{http_code}' "$base/metricsx")
	[[ $code == 404 ]] || fail "GET $base/metricsx: $code, want 404"
	code=$(ip netns exec "$ns" curl -sS -o /dev/null -w '%{http_code}' -X POST -d x "$base/metrics")
	[[ $code == 405 ]] || fail "POST $base/metrics: $code, want 405"
}

serve_on 127.0.0.1:0
check_http "http://127.0.0.1:$port"
v4port=$port
# the port is taken: a second server there is refused with one clear line
if ip netns exec "$ns" "$serve" "127.0.0.1:$v4port" </dev/null >"$work/dup" 2>&1; then
	fail "a second server on a taken port started"
fi
grep -q "cannot serve metrics on 127.0.0.1:$v4port" "$work/dup" || fail "error line: $(cat "$work/dup")"
"$serve" "localhost:1" </dev/null >"$work/bad" 2>&1 && fail "a host name was accepted"
grep -q "invalid metrics address" "$work/bad" || fail "error line: $(cat "$work/bad")"

serve_on '[::1]:0'
check_http "http://[::1]:$port"

# closing stdin stops the servers
for fd in "${fds[@]}"; do eval "exec $fd>&-"; done
fds=()
for pid in "${pids[@]}"; do
	wait "$pid" || fail "metrics-serve exited with an error"
done
pids=()

echo "$me: promtool accepts the full set; /metrics served over IPv4 and IPv6 in $ns"
