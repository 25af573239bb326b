#!/bin/sh
# IPv6 over a TUN interface (bare IP: no Neighbour Discovery, no link
# addresses), both ways round: usertcp nc --tun to the kernel's nc -6 -l
# and the kernel's nc -6 to usertcp nc -l, 5 MB each way at once, SHA-256
# compared; the kernel's ping -6 to usertcp and usertcp ping -6 to the
# kernel; usertcp's capture clean for tshark.
. "$(dirname "$0")/lib.sh"
need nc ping sha256sum
up
K6=fd00:98::1 U6=fd00:98::2
ip -n "$ns" tuntap add dev tun0 mode tun &&
	ip -n "$ns" link set tun0 up &&
	ip -n "$ns" -6 addr add "$K6/64" dev tun0 nodad || fail "cannot make tun0 with $K6"

# usertcp -> kernel
nc_data 5
bg timeout 60 nc -6 -N -l -p 7101 < "$dir/k.bin" > "$dir/k.out"
kpid=$last
wait_listen 7101
{
	cat "$dir/u.bin"
	while [ "$(size "$dir/u.out")" -lt "$(size "$dir/k.bin")" ]; do sleep 0.05; done
} | nsx timeout 60 "$bin" nc --tun tun0 --ip $U6/64 --pcap "$dir/usertcp.pcap" $K6 7101 \
	> "$dir/u.out" 2> "$dir/u.err" || fail "usertcp nc --tun over IPv6: $(cat "$dir/u.err")"
wait_ok "$kpid" "kernel nc -6 -l on tun0"
nc_compare "usertcp nc --tun -> kernel nc -6 -l"
echo "ok usertcp nc --tun tun0 [$U6] -> kernel nc -6 -l [$K6]: 5 MB each way, SHA-256 match"
check_pcap "$dir/usertcp.pcap" 100 7101

# kernel -> usertcp
nc_data 5
bg timeout 60 "$bin" nc -v --tun tun0 --ip $U6/64 -l 7102 \
	< "$dir/u.bin" > "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
nsx timeout 60 nc -6 -N $U6 7102 < "$dir/k.bin" > "$dir/k.out" || fail "kernel nc -6 exited $?"
wait_ok "$upid" "usertcp nc -l over tun0"
nc_compare "kernel nc -6 -> usertcp nc -l --tun"
grep -q "Connection received on $K6" "$dir/u.err" ||
	fail "usertcp nc -l named its peer otherwise: $(cat "$dir/u.err")"
echo "ok kernel nc -6 [$K6] -> usertcp nc -l --tun tun0 [$U6]: 5 MB each way, SHA-256 match"

# ping -6 both ways
bg timeout 30 "$bin" nc -v --tun tun0 --ip $U6/64 -l 7103 > /dev/null 2> "$dir/p.err"
ppid=$last
wait_for "$dir/p.err" "Listening on" || fail "usertcp nc -l for ping did not start: $(cat "$dir/p.err")"
nsx ping -6 -c 3 -i 0.2 -W 2 $U6 > "$dir/ping.out" 2>&1 ||
	fail "the kernel's ping -6 to usertcp over tun0: $(cat "$dir/ping.out")"
kill "$ppid" 2> /dev/null
wait "$ppid" 2> /dev/null
echo "ok kernel ping -6 $U6 over tun0: $(grep -o '[0-9]* received' "$dir/ping.out")"
nsx timeout 30 "$bin" ping -6 --tun tun0 --ip $U6/64 -c 3 $K6 > "$dir/uping.out" 2>&1 ||
	fail "usertcp ping -6 to the kernel over tun0: $(cat "$dir/uping.out")"
echo "ok usertcp ping -6 $K6 over tun0: $(grep -o '[0-9]* received' "$dir/uping.out")"
