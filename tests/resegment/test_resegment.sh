#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# egress-resegment against the shared corpus, judged by tshark: the same
# SNI before and after, pieces with the expected sequence numbers, lengths,
# flags, payload bytes and valid checksums, every other packet untouched.
#
# usage: test_resegment.sh TOOL CORPUS_DIR

set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 TOOL CORPUS_DIR" >&2
	exit 2
fi
TOOL=$1
EXT=$2/external

if ! command -v tshark >/dev/null || ! command -v editcap >/dev/null; then
	echo "SKIP: tshark and editcap are needed"
	exit 77
fi
if [ ! -d "$EXT" ]; then
	echo "SKIP: no corpus at $EXT"
	exit 77
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

KYBER=$EXT/zeek-chrome-1250-tls-x25519-kyber.pcap
KYBER_CLIENT=0.0.51.217
MTU300=$EXT/suricata-tls-client-hello-frag-mtu300.pcap
MTU300_CLIENT=10.20.0.14
MTU300_SERVER=142.251.111.105
REASMS=$EXT/ndpi-tls_2_reasms.pcapng
REASMS_CLIENT=25.137.80.32
ECH6=$EXT/ndpi-tls_ech.pcapng
ECH6_CLIENT=2001:b07:a3d:c112:ce16:b409:3d0a:9177
SLL=$EXT/ndpi-dns2tcp_tunnel.pcap
SLL_CLIENT=192.168.20.211

NTEST=0
NFAIL=0

pass() {
	NTEST=$((NTEST + 1))
	echo "ok $NTEST - $1"
}

fail() {
	NTEST=$((NTEST + 1))
	NFAIL=$((NFAIL + 1))
	echo "not ok $NTEST - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $(printf '%s' "$2" | head -c 300)" \
			"actual:   $(printf '%s' "$3" | head -c 300)"
	fi
}

tsh() {
	tshark -n "$@" 2>/dev/null
}

# A display filter for packets sent from ADDR.
from_filter() {
	case $1 in
	*:*) echo "ipv6.src==$1" ;;
	*) echo "ip.src==$1" ;;
	esac
}

# sni FILE [tshark options]: the ClientHello server names, comma separated.
sni() {
	local f=$1
	shift
	tsh -r "$f" -o tcp.desegment_tcp_streams:TRUE "$@" \
		-Y 'tls.handshake.type==1' -T fields \
		-e tls.handshake.extensions_server_name | sort -u | paste -sd, -
}

count() {
	local f=$1
	shift
	tsh -r "$f" "$@" | wc -l
}

encap() {
	capinfos -E "$1" 2>/dev/null | sed -n 's/^File encapsulation: *//p'
}

filetype() {
	capinfos -t "$1" 2>/dev/null | sed -n 's/^File type: *//p'
}

# relink IN OUT LINKTYPE STRIP PREFIX: copy a little-endian microsecond
# pcap, replacing the first STRIP bytes of each packet with the bytes
# given in hex by PREFIX, under another link type.
relink() {
	xxd -p "$1" | tr -d '\n' |
	awk -v lt="$3" -v strip="$4" -v prefix="$5" '
	function le32(p) {
		return h[substr(s, p, 2)] + 256 * h[substr(s, p + 2, 2)] \
		       + 65536 * h[substr(s, p + 4, 2)] \
		       + 16777216 * h[substr(s, p + 6, 2)]
	}
	function hex32(v) {
		return sprintf("%02x%02x%02x%02x", v % 256, int(v / 256) % 256,
			       int(v / 65536) % 256, int(v / 16777216) % 256)
	}
	BEGIN {
		for (i = 0; i < 256; i++)
			h[sprintf("%02x", i)] = i
	}
	{
		s = $0
		if (substr(s, 1, 8) != "d4c3b2a1")
			exit 1
		printf "%s%s", substr(s, 1, 40), hex32(lt)
		grow = length(prefix) / 2 - strip
		for (p = 49; p < length(s); p += 32 + cl * 2) {
			cl = le32(p + 16)
			wl = le32(p + 24)
			printf "%s%s%s%s%s\n", substr(s, p, 16), hex32(cl + grow),
				hex32(wl + grow), prefix,
				substr(s, p + 32 + strip * 2, (cl - strip) * 2)
		}
	}' | xxd -r -p >"$2"
}

# segments FILE FILTER: "seq len syn fin psh rst payload" per TCP segment
# with payload that matches FILTER, in capture order.
segments() {
	tsh -r "$1" -o tcp.desegment_tcp_streams:FALSE \
		-Y "($2) && tcp.len>0" -T fields -E separator=' ' \
		-e tcp.seq_raw -e tcp.len -e tcp.flags.syn -e tcp.flags.fin \
		-e tcp.flags.push -e tcp.flags.reset -e tcp.payload |
	awk 'function b(v) { return v == "1" || v == "True" }
	{ printf "%.0f %d %d %d %d %d %s\n", $1, $2, b($3), b($4), b($5), b($6), $7 }'
}

# cut_segments MSS: what the segments on stdin become once cut.
cut_segments() {
	awk -v m="$1" '{
		seq = $1; len = $2; syn = $3; fin = $4; psh = $5; rst = $6
		n = int((len + m - 1) / m)
		for (i = 0; i < n; i++) {
			off = i * m
			l = len - off < m ? len - off : m
			s = i == 0 ? seq : (seq + syn + off) % 4294967296
			last = i == n - 1
			printf "%.0f %d %d %d %d %d %s\n", s, l, i == 0 ? syn : 0,
				last ? fin : 0, last ? psh : 0, last ? rst : 0,
				substr($7, off * 2 + 1, l * 2)
		}
	}'
}

# Time, lengths, sequence number and checksums of each packet outside FILTER.
others() {
	tsh -r "$1" -Y "!(($2) && tcp.len>0)" -T fields \
		-e frame.time_epoch -e frame.len -e frame.cap_len \
		-e tcp.seq_raw -e tcp.checksum -e ip.id -e ip.checksum
}

# check_case NAME IN SELECT MSS [tool options]: run the tool and compare.
# SELECT is the display filter for the side that should be cut. With
# REVERSE=1 pieces may come in any order; with WANT_SNI=1 the original
# must carry an SNI; SNI_OPTS are extra tshark options for reading it.
check_case() {
	local name=$1 in=$2 sel=$3 mss=$4
	shift 4
	local out=$TMP/$name.pcap err=$TMP/$name.err
	local want got n_in n_sel n_exp

	if ! "$TOOL" --mss "$mss" "$@" "$in" "$out" 2>"$err"; then
		fail "$name: tool exits 0" "$(cat "$err")"
		return
	fi
	pass "$name: tool exits 0"

	case $(filetype "$in") in
	*"- pcap") want="Wireshark/tcpdump/... - pcap" ;;
	*) want="Wireshark/tcpdump/... - nanosecond pcap" ;;
	esac
	expect_eq "$name: output is $want" "$want" "$(filetype "$out")"
	expect_eq "$name: link type kept" "$(encap "$in")" "$(encap "$out")"

	want=$(sni "$in" ${SNI_OPTS:-})
	got=$(sni "$out" ${SNI_OPTS:-})
	if [ "${WANT_SNI:-0}" = 1 ] && [ -z "$want" ]; then
		fail "$name: original carries an SNI"
	fi
	expect_eq "$name: same SNI ($want)" "$want" "$got"

	segments "$in" "$sel" | cut_segments "$mss" >"$TMP/$name.want"
	segments "$out" "$sel" >"$TMP/$name.got"
	if [ "${REVERSE:-0}" = 1 ]; then
		sort -o "$TMP/$name.want" "$TMP/$name.want"
		sort -o "$TMP/$name.got" "$TMP/$name.got"
	fi
	n_exp=$(wc -l <"$TMP/$name.want")
	if cmp -s "$TMP/$name.want" "$TMP/$name.got"; then
		pass "$name: $n_exp pieces with the right seq, length, flags, bytes"
	else
		fail "$name: $n_exp pieces with the right seq, length, flags, bytes" \
			"$(diff "$TMP/$name.want" "$TMP/$name.got" | cut -c1-120 | head -6)"
	fi

	n_in=$(count "$in")
	n_sel=$(count "$in" -Y "($sel) && tcp.len>0")
	expect_eq "$name: packet count" "$((n_in - n_sel + n_exp))" \
		"$(count "$out")"

	expect_eq "$name: no bad checksum on a piece" 0 \
		"$(count "$out" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
			-Y "($sel) && tcp.len>0 && (tcp.checksum.status==0 || ip.checksum.status==0)")"
	expect_eq "$name: every piece has a verified TCP checksum" "$n_exp" \
		"$(count "$out" -o tcp.check_checksum:TRUE \
			-Y "($sel) && tcp.len>0 && tcp.checksum.status==1")"
	expect_eq "$name: every IPv4 piece has a verified header checksum" \
		"$(count "$out" -Y "($sel) && tcp.len>0 && ip")" \
		"$(count "$out" -o ip.check_checksum:TRUE \
			-Y "($sel) && tcp.len>0 && ip.checksum.status==1")"

	if cmp -s <(others "$in" "$sel") <(others "$out" "$sel"); then
		pass "$name: other packets unchanged"
	else
		fail "$name: other packets unchanged"
	fi
}

kyber_hello_pieces() {
	count "$TMP/$1.pcap" -Y "ip.src==$KYBER_CLIENT && tcp.len>0 && tcp.seq>=1 && tcp.seq<=1756"
}

# The cases the enforcer depends on: the client side is cut.
WANT_SNI=1
check_case kyber-1448 "$KYBER" "$(from_filter $KYBER_CLIENT)" 1448
expect_eq "kyber-1448: 1756-byte hello in 2 pieces" 2 "$(kyber_hello_pieces kyber-1448)"
id=$(tsh -r "$KYBER" -Y 'frame.number==4' -T fields -e ip.id)
expect_eq "kyber-1448: IP ID counts up per piece" \
	"$(printf '%s\n0x%04x' "$id" $(((id + 1) & 0xffff)))" \
	"$(tsh -r "$TMP/kyber-1448.pcap" -Y 'frame.number==4 || frame.number==5' -T fields -e ip.id)"
expect_eq "kyber-1448: second piece stamped 1 us after the first" 1 \
	"$(tsh -r "$TMP/kyber-1448.pcap" -Y 'frame.number==4 || frame.number==5' \
		-T fields -e frame.time_epoch | paste -sd' ' - |
		awk '{ printf "%.0f", ($2 - $1) * 1e6 }')"
check_case kyber-1 "$KYBER" "$(from_filter $KYBER_CLIENT)" 1
expect_eq "kyber-1: 1756-byte hello in 1756 pieces" 1756 "$(kyber_hello_pieces kyber-1)"
for mss in 1 7; do
	check_case mtu300-$mss "$MTU300" "$(from_filter $MTU300_CLIENT)" $mss
	check_case reasms-$mss "$REASMS" "$(from_filter $REASMS_CLIENT)" $mss
done

# IPv6 with TCP options, nanosecond stamps.
check_case ech6-5 "$ECH6" "$(from_filter $ECH6_CLIENT)" 5
check_case ech6-from-11 "$ECH6" "$(from_filter $ECH6_CLIENT)" 11 --from $ECH6_CLIENT

# Byte offsets in the Kyber capture: 24-byte file header, frames 1-3 of
# 54 bytes each behind 16-byte record headers, so the hello (frame 4) has
# its IP header at 264 and its TCP header at 284.
KYBER_HELLO_IP=$((24 + 3 * (16 + 54) + 16 + 14))
KYBER_HELLO_TCP=$((KYBER_HELLO_IP + 20))

# patch FILE OFFSET HEX...: overwrite bytes of a copy of the Kyber capture.
patch_kyber() {
	local out=$1 off=$2
	shift 2
	cp "$KYBER" "$out"
	chmod u+w "$out"
	printf "$(printf '\\x%s' "$@")" |
		dd of="$out" bs=1 conv=notrunc status=none seek="$off"
}

# TCP Fast Open: the hello rides on a SYN, which keeps the first piece.
patch_kyber "$TMP/tfo-in.pcap" $((KYBER_HELLO_TCP + 13)) 02
expect_eq "tfo: input hello is a SYN" 1 \
	"$(count "$TMP/tfo-in.pcap" -Y 'tcp.flags.syn==1 && tcp.len==1756')"
check_case tfo-500 "$TMP/tfo-in.pcap" "$(from_filter $KYBER_CLIENT)" 500

# Urgent data ending at byte 100 of the hello: the pointer follows it.
patch_kyber "$TMP/urg-in.pcap" $((KYBER_HELLO_TCP + 13)) 30 00 00 00 00 00 64
"$TOOL" --mss 40 "$TMP/urg-in.pcap" "$TMP/urg.pcap"
expect_eq "urg: pointer moves with each piece, cleared past it" \
	"$(printf '1 100\n1 60\n1 20\n0 0')" \
	"$(tsh -r "$TMP/urg.pcap" -Y "ip.src==$KYBER_CLIENT && tcp.len>0" -T fields \
		-E separator=' ' -e tcp.flags.urg -e tcp.urgent_pointer | head -4 |
		sed 's/True/1/; s/False/0/')"

# Other link types, made from the Ethernet capture: raw IP, Linux cooked
# v2, and an 802.1Q tag inside Ethernet.
SLL2_HDR=0800000000000002000100060200000000010000
VLAN_HDR=02000000000202000000000181000064
relink "$MTU300" "$TMP/raw-in.pcap" 101 14 ""
check_case raw-3 "$TMP/raw-in.pcap" "$(from_filter $MTU300_CLIENT)" 3
expect_eq "raw-3: raw IP link type" "Raw IP" "$(encap "$TMP/raw-3.pcap")"
relink "$MTU300" "$TMP/sll2-in.pcap" 276 14 "$SLL2_HDR"
check_case sll2-7 "$TMP/sll2-in.pcap" "$(from_filter $MTU300_CLIENT)" 7
expect_eq "sll2-7: Linux cooked v2 link type" "Linux cooked-mode capture v2" \
	"$(encap "$TMP/sll2-7.pcap")"
relink "$MTU300" "$TMP/vlan-in.pcap" 1 12 "$VLAN_HDR"
expect_eq "vlan: input carries an 802.1Q tag" 62 "$(count "$TMP/vlan-in.pcap" -Y 'vlan.id==100')"
check_case vlan-7 "$TMP/vlan-in.pcap" "$(from_filter $MTU300_CLIENT)" 7

# Linux cooked capture (no ClientHello SNI in it).
WANT_SNI=0
check_case sll-3 "$SLL" "$(from_filter $SLL_CLIENT)" 3
expect_eq "sll-3: Linux cooked link type" "Linux cooked-mode capture v1" \
	"$(encap "$TMP/sll-3.pcap")"

# Side selection: both sides, or one address.
check_case mtu300-all-100 "$MTU300" "tcp" 100 --all
check_case mtu300-from-server-50 "$MTU300" "$(from_filter $MTU300_SERVER)" 50 \
	--from $MTU300_SERVER

# Pieces last first; tshark only reorders streams whose start it saw.
REVERSE=1
SNI_OPTS="-o tcp.reassemble_out_of_order:TRUE"
WANT_SNI=1
check_case kyber-rev-7 "$KYBER" "$(from_filter $KYBER_CLIENT)" 7 --reverse
check_case mtu300-rev-1 "$MTU300" "$(from_filter $MTU300_CLIENT)" 1 --reverse
first=$(tsh -r "$TMP/kyber-rev-7.pcap" -Y "ip.src==$KYBER_CLIENT && tcp.len>0" \
	-T fields -e tcp.seq -e tcp.len | head -1)
expect_eq "kyber-rev-7: last piece of the hello comes first" \
	"$(printf '%s\t%s' 1751 6)" "$first"
REVERSE=0
SNI_OPTS=
WANT_SNI=0

# Packets captured short are copied as they are.
editcap -F pcap -s 100 "$KYBER" "$TMP/trunc-in.pcap"
"$TOOL" --mss 1 "$TMP/trunc-in.pcap" "$TMP/trunc.pcap"
expect_eq "truncated packets copied" \
	"$(tsh -r "$TMP/trunc-in.pcap" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e tcp.seq_raw)" \
	"$(tsh -r "$TMP/trunc.pcap" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e tcp.seq_raw)"

# An IP fragment is copied as it is: set More Fragments on the hello.
patch_kyber "$TMP/frag-in.pcap" $((KYBER_HELLO_IP + 6)) 20
"$TOOL" --mss 1 "$TMP/frag-in.pcap" "$TMP/frag.pcap"
expect_eq "fragment: hello copied whole, 74-byte segment cut" $((15 - 1 + 74)) \
	"$(count "$TMP/frag.pcap")"
expect_eq "fragment: the 1810-byte frame is still there" 1 \
	"$(count "$TMP/frag.pcap" -Y 'frame.len==1810 && ip.flags.mf==1')"

# Bad input: non-zero exit and one line on stderr.
# bad_input NAME ARGS...
bad_input() {
	local name=$1 rc lines
	shift
	"$TOOL" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	lines=$(wc -l <"$TMP/bad.err")
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && [ ! -s "$TMP/bad.out" ]; then
		pass "bad input, $name: exit $rc, $(cat "$TMP/bad.err")"
	else
		fail "bad input, $name: non-zero exit and one stderr line" \
			"exit $rc, $lines stderr lines" "$(cat "$TMP/bad.err")"
	fi
}

echo "not a capture" >"$TMP/text.pcap"
editcap -F pcap -T user0 "$KYBER" "$TMP/user0.pcap"
bad_input "missing file" --mss 7 "$TMP/absent.pcap" "$TMP/o.pcap"
bad_input "not a capture" --mss 7 "$TMP/text.pcap" "$TMP/o.pcap"
bad_input "unsupported link type" --mss 7 "$TMP/user0.pcap" "$TMP/o.pcap"
bad_input "unwritable output" --mss 7 "$KYBER" "$TMP/no/such/dir/o.pcap"
bad_input "mss 0" --mss 0 "$KYBER" "$TMP/o.pcap"
bad_input "mss 65536" --mss 65536 "$KYBER" "$TMP/o.pcap"
bad_input "mss -1" --mss -1 "$KYBER" "$TMP/o.pcap"
bad_input "mss abc" --mss abc "$KYBER" "$TMP/o.pcap"
bad_input "mss 7x" --mss 7x "$KYBER" "$TMP/o.pcap"
bad_input "mss without value" "$KYBER" "$TMP/o.pcap" --mss
bad_input "no mss" "$KYBER" "$TMP/o.pcap"
bad_input "unknown option" --mss 7 --bogus "$KYBER" "$TMP/o.pcap"
bad_input "unknown short option" --mss 7 -x "$KYBER" "$TMP/o.pcap"
bad_input "bad --from" --mss 7 --from nowhere "$KYBER" "$TMP/o.pcap"
bad_input "--from with --all" --mss 7 --from 10.0.0.1 --all "$KYBER" "$TMP/o.pcap"
bad_input "one file" --mss 7 "$KYBER"
bad_input "three files" --mss 7 "$KYBER" "$TMP/o.pcap" "$TMP/p.pcap"
[ -e "$TMP/o.pcap" ] && fail "no output left behind by failed runs" || pass "no output left behind by failed runs"

if "$TOOL" --help >/dev/null 2>&1; then
	pass "--help exits 0"
else
	fail "--help exits 0"
fi

echo "1..$NTEST"
if [ $NFAIL -ne 0 ]; then
	echo "# $NFAIL of $NTEST failed"
	exit 1
fi
echo "# all $NTEST passed"
