#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The question names an independent dissector (Wireshark's tshark) reads in
# the queries of the DNS captures, one "frame<TAB>names" line per query
# (names comma-separated when there are several), as pinned in tshark/.
#   tshark-names.sh CORPUS_DIR OUT_DIR    writes OUT_DIR/<capture>.tsv
#   tshark-names.sh --check CORPUS_DIR PIN_DIR
#                                         compares with the pins (exit 77
#                                         without tshark)
set -eu

captures="ndpi-dns-tunnel-iodine ndpi-dns2tcp_tunnel ndpi-dns_exfiltration
zeek-dns-max-compression-depth suricata-dns-forward-pointer zeek-dns-invalid-names
ndpi-malformed_dns zeek-dns-https-rr-ech ndpi-dns_fragmented"

check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
corpus=$1
out=$2

if ! command -v tshark >/dev/null 2>&1; then
	echo "tshark not found" >&2
	exit 77
fi

names() {
	tshark -r "$corpus/external/$1.pcap" -Y 'dns.flags.response == 0' \
		-T fields -e frame.number -e dns.qry.name 2>/dev/null
}

status=0
for c in $captures; do
	if [ $check -eq 1 ]; then
		if ! names "$c" | cmp -s - "$out/$c.tsv"; then
			echo "$c: tshark reads other names than tshark/$c.tsv" >&2
			status=1
		fi
	else
		names "$c" > "$out/$c.tsv"
	fi
done
exit $status
