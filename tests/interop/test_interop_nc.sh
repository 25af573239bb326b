#!/bin/sh
# usertcp nc against the kernel's nc over a tap, both ways round: the
# kernel's nc to usertcp nc -l and usertcp nc to the kernel's nc -l, 50 MB
# each way at once, SHA-256 compared; the same over a TUN interface; a
# capture on the tap and usertcp's own, both clean for tshark.
. "$(dirname "$0")/lib.sh"
need nc sha256sum
up

mb=$(big 50 8)
nc_to_usertcp "$mb" 7001
nc_from_usertcp "$mb" 7002

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
check_pcap "$dir/tap.pcap" 100
check_pcap "$dir/usertcp.pcap" 100
