#!/bin/sh
# usertcp nc against the kernel's nc over a tap, both ways round: the
# kernel's nc to usertcp nc -l and usertcp nc to the kernel's nc -l, 50 MB
# each way at once, SHA-256 compared, with the kernel's offloads (virtio-net
# headers, 64 KB frames) and again with --no-offload (plain frames); the
# same over a TUN interface; captures on the tap and usertcp's own, both
# clean for tshark, with and without offloads.
. "$(dirname "$0")/lib.sh"
need nc sha256sum
up

nc_to_usertcp 50 7001
nc_from_usertcp 50 7002
nc_to_usertcp 50 7011 --no-offload
nc_from_usertcp 50 7012 --no-offload

# A TUN interface beside the tap: bare IP, no ARP.
ip -n "$ns" tuntap add dev tun0 mode tun &&
	ip -n "$ns" addr add 10.98.0.1/24 dev tun0 &&
	ip -n "$ns" link set tun0 up || fail "cannot make tun0"
nc_data 5
bg timeout 60 nc -N -l -p 7004 < "$dir/k.bin" > "$dir/k.out"
kpid=$last
wait_listen 7004
{
	cat "$dir/u.bin"
	while [ "$(size "$dir/u.out")" -lt "$(size "$dir/k.bin")" ]; do sleep 0.05; done
} | nsx timeout 60 "$bin" nc --tun tun0 --ip 10.98.0.2/24 10.98.0.1 7004 \
	> "$dir/u.out" 2> "$dir/u.err" || fail "usertcp nc --tun: $(cat "$dir/u.err")"
wait_ok "$kpid" "kernel nc -l on tun0"
nc_compare "usertcp nc --tun"
echo "ok usertcp nc --tun tun0 -> kernel nc -l: 5 MB each way, SHA-256 match"

capture_start "$dir/tap.pcap"
nc_to_usertcp 1 7003 --pcap "$dir/usertcp.pcap"
capture_stop
# 1 MB each way is about 16 frames of 64 KB each way with the offloads,
# and their ACKs: at least 40 packets in all.
check_pcap "$dir/tap.pcap" 40 7003
check_pcap "$dir/usertcp.pcap" 40 7003
# With the offloads, TCP buffers cross the tap whole both ways: frames
# larger than the MTU from each side (none with USERTCP_INTEROP_OFFLOAD=off).
if $no_offload; then
	echo "skipped the check for frames over 1514 bytes: every usertcp command has --no-offload"
elif captured "$dir/tap.pcap"; then
	for src in $U $K; do
		big=$(tshark -r "$dir/tap.pcap" -Y "ip.src == $src && frame.len > 1514" \
			2> /dev/null | wc -l)
		[ "$big" -gt 0 ] || fail "no frame over 1514 bytes from $src on the tap: offloads off?"
		echo "ok with offloads $big frames over 1514 bytes from $src on the tap"
	done
fi

# Without offloads the kernel segments and checksums its frames for the tap
# (a descriptor without virtio-net headers turns the offloads an earlier
# one was granted off) and usertcp sends wire-sized, checksummed frames:
# every TCP checksum in both captures must verify.
capture_start "$dir/tap-plain.pcap"
nc_to_usertcp 1 7013 --no-offload --pcap "$dir/usertcp-plain.pcap"
capture_stop
capture_plain "$dir/tap-plain.pcap"
capture_plain "$dir/usertcp-plain.pcap"
check_pcap "$dir/tap-plain.pcap" 100 7013
check_pcap "$dir/usertcp-plain.pcap" 100 7013
big=$(tshark -r "$dir/tap-plain.pcap" -Y 'frame.len > 1514' 2> /dev/null | wc -l)
[ "$big" -eq 0 ] || fail "$big frames over 1514 bytes on the tap without offloads"
echo "ok without offloads no frame on the tap is over 1514 bytes"
