#!/bin/sh
# A v4-mapped connection: the kernel's IPv4 nc to usertcp nc -l, which
# listens on :: by default (one AF_INET6 socket for both families, as a
# Linux socket with net.ipv6.bindv6only 0), 50 MB each way, SHA-256
# compared, the peer shown as ::ffff:10.99.0.1 as the kernel's nc shows
# it; -4 listens on 0.0.0.0 and shows the plain IPv4 peer; -6 listens on
# :: without IPv4 (IPV6_V6ONLY), so the kernel's IPv4 nc is refused. The
# capture of a mapped connection is clean for tshark.
. "$(dirname "$0")/lib.sh"
need nc sha256sum
up

# nc_to_usertcp starts usertcp nc -v --ip $U/24 -l PORT, with IPv6 on too.
nc_to_usertcp 50 7001 --ipv6
grep -q "^Listening on :: 7001$" "$dir/u.err" || fail "not listening on ::: $(cat "$dir/u.err")"
grep -q "^Connection received on ::ffff:$K [0-9]*$" "$dir/u.err" ||
	fail "the IPv4 peer is not shown v4-mapped: $(cat "$dir/u.err")"
echo "ok usertcp nc -l printed: $(grep '^Connection received' "$dir/u.err")"

nc_to_usertcp 5 7002 -4
grep -q "^Listening on 0.0.0.0 7002$" "$dir/u.err" || fail "-4: $(cat "$dir/u.err")"
grep -q "^Connection received on $K [0-9]*$" "$dir/u.err" || fail "-4: $(cat "$dir/u.err")"
echo "ok -4: $(grep '^Listening' "$dir/u.err"), $(grep '^Connection received' "$dir/u.err")"

# -6: IPv6 only, so the kernel's IPv4 SYN finds no listener: a RST.
bg timeout 20 "$bin" nc -v -6 --tap tap0 --ip "$U/24" -l 7003 < /dev/null > "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on :: 7003" || fail "-6 -l did not start: $(cat "$dir/u.err")"
echo x | nsx timeout 10 nc -v -n -N "$U" 7003 > /dev/null 2> "$dir/k.err" &&
	fail "the kernel's IPv4 nc reached a -6 listener"
grep -q "Connection refused" "$dir/k.err" || fail "IPv4 to a -6 listener: $(cat "$dir/k.err")"
kill "$upid"
wait "$upid" 2> /dev/null
echo "ok -6: the IPv4 connection is refused"

capture_start "$dir/tap.pcap"
nc_to_usertcp 1 7004 --pcap "$dir/usertcp.pcap"
capture_stop
grep -q "^Connection received on ::ffff:$K " "$dir/u.err" || fail "not v4-mapped: $(cat "$dir/u.err")"
check_pcap "$dir/tap.pcap" 40 7004
check_pcap "$dir/usertcp.pcap" 40 7004
echo "ok $name"
