#!/bin/sh
# Captures from usertcp ping are well-formed for tshark: no malformed
# packets, no bad checksums (IPv4 checksum checking switched on), for a
# clean run and for a lossy, fragmenting, reordering one, over IPv4 and
# over IPv6.
set -u
bin=$1
tmp=${2:-/tmp}
if ! command -v tshark >/dev/null 2>&1; then
	echo "skipped: tshark is not installed (apt-get install tshark)"
	exit 77
fi
check() {
	pcap=$1
	shift
	"$bin" ping "$@" --pcap "$pcap" > /dev/null
	[ -s "$pcap" ] || { echo "FAIL: no capture written for $*"; exit 1; }
	n=$(tshark -r "$pcap" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || { echo "FAIL: tshark read no packets from $pcap"; exit 1; }
	report=$(tshark -r "$pcap" -o ip.check_checksum:TRUE -z expert,warn -q 2>/dev/null)
	if echo "$report" | grep -Eq 'Malformed|Checksum|Errors|Warns'; then
		echo "FAIL: tshark reports problems in $pcap ($*):"
		echo "$report"
		exit 1
	fi
	echo "ok $n packets, no malformed packets or bad checksums: $*"
}
check "$tmp/ping_clean.pcap" -c 5 --delay 10
check "$tmp/ping_lossy.pcap" -c 50 --delay 3 --jitter 1 --loss 10 --dup 5 --reorder 10 --seed 9
check "$tmp/ping_frag.pcap" -c 5 -s 4000 --delay 1
# IPv6: Neighbour Discovery, ICMPv6 echo, fragments (tshark checks the
# ICMPv6 checksum, which covers the pseudo-header, by default).
check "$tmp/ping6_clean.pcap" -6 -c 5 --delay 10
check "$tmp/ping6_lossy.pcap" -6 -c 50 --delay 3 --jitter 1 --loss 10 --dup 5 --reorder 10 --seed 9
check "$tmp/ping6_frag.pcap" -6 -c 5 -s 4000 --delay 1
# The check must be able to fail: corruption is visible to it.
"$bin" ping -c 30 --corrupt 50 --pcap "$tmp/ping_corrupt.pcap" > /dev/null
if ! tshark -r "$tmp/ping_corrupt.pcap" -o ip.check_checksum:TRUE -z expert,warn -q 2>/dev/null |
	grep -q Checksum; then
	echo "FAIL: tshark did not notice corrupted frames"
	exit 1
fi
echo "ok corrupted frames are noticed"
