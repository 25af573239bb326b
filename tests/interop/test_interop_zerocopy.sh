#!/bin/sh
# MSG_ZEROCOPY over a tap: usertcp nc --zerocopy sends 20 MB to the kernel's
# nc while receiving 20 MB from it, SHA-256 compared both ways. With the
# kernel's offloads (virtio-net headers: the kernel completes checksums)
# the tap's writev takes the payload from nc's own buffers, so every
# notification must say zero-copy (no SO_EE_CODE_ZEROCOPY_COPIED); with
# --no-offload usertcp computes each checksum in software, which gathers
# the payload first, so every one must say COPIED. A capture on the
# usertcp side (written from the same pieces) must be tshark-clean.
. "$(dirname "$0")/lib.sh"
need nc sha256sum
up

# zc_check FILE WANT: nc's "zerocopy: N sends notified, C of them copied"
# line in FILE, with C 0 (WANT=none) or C = N (WANT=all).
zc_check() {
	line=$(grep 'zerocopy:' "$1") || fail "no zerocopy summary from usertcp nc: $(cat "$1")"
	n=$(echo "$line" | sed 's/.*zerocopy: \([0-9]*\) sends notified, \([0-9]*\) of them copied.*/\1/')
	c=$(echo "$line" | sed 's/.*zerocopy: \([0-9]*\) sends notified, \([0-9]*\) of them copied.*/\2/')
	[ "$n" -gt 0 ] || fail "no send was notified: $line"
	case $2 in
	none) [ "$c" -eq 0 ] || fail "$c of $n zerocopy sends were copied with the offloads on" ;;
	all) [ "$c" -eq "$n" ] || fail "only $c of $n zerocopy sends said COPIED without the offloads" ;;
	esac
	echo "ok $line (expected: $2 copied)"
}

if $no_offload; then
	nc_to_usertcp 20 7031 --zerocopy
	zc_check "$dir/u.err" all
else
	nc_to_usertcp 20 7031 --zerocopy
	zc_check "$dir/u.err" none
	nc_from_usertcp 20 7032 --zerocopy -v
	zc_check "$dir/u.err" none
	nc_to_usertcp 2 7033 --zerocopy --pcap "$dir/zc.pcap"
	zc_check "$dir/u.err" none
	check_pcap "$dir/zc.pcap" 20 7033
fi
nc_to_usertcp 5 7034 --zerocopy --no-offload
zc_check "$dir/u.err" all
