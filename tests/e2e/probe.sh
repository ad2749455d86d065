# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced at the top of every script test_e2e.sh runs inside a sandbox (one
# exec per batch: a microVM exec costs a round trip over its serial port).
# POSIX sh with busybox tools; each check prints one line:
#
#   c ID CURL-ARGS...   ID|curl status|time_total size_upload|body|stderr
#   d ID DIG-ARGS...    ID|dig status|rcode|EDE code|query time ms|answers

c() {
	_id=$1
	shift
	rm -f /tmp/e2e.body /tmp/e2e.err
	_w=$(curl -sS -m 10 -o /tmp/e2e.body -w '%{time_total} %{size_upload}' "$@" 2>/tmp/e2e.err)
	_rc=$?
	echo "$_id|$_rc|$_w|$(head -c 200 /tmp/e2e.body 2>/dev/null | tr '\n|' '  ')|$(tr '\n|' '  ' </tmp/e2e.err)"
}

d() {
	_id=$1
	shift
	_out=$(dig +time=2 +tries=1 +edns "$@" 2>&1)
	_rc=$?
	_st=$(echo "$_out" | sed -n 's/.*status: \([A-Z]*\).*/\1/p')
	_ede=$(echo "$_out" | sed -n 's/.*EDE: \([0-9]*\).*/\1/p')
	_qt=$(echo "$_out" | sed -n 's/.*Query time: \([0-9]*\) msec.*/\1/p')
	_ans=$(echo "$_out" | awk '/ANSWER SECTION/ { f = 1; next } f && /^$/ { f = 0 } f { print $NF }' | tr '\n' ' ')
	echo "$_id|$_rc|$_st|$_ede|$_qt|$_ans"
}
