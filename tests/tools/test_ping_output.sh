#!/bin/sh
# usertcp ping prints what Linux's ping prints, and with --delay 10 every
# reply shows time=20.0 ms.
set -u
bin=$1
tmp=${2:-/tmp}
out=$tmp/ping_output.txt
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

"$bin" ping -c 4 --delay 10 > "$out" || fail "exit status $?"
head -1 "$out" | grep -qx 'PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.' || fail "header line"
[ "$(grep -c '^64 bytes from 10.0.0.2: icmp_seq=[1-4] ttl=64 time=20.0 ms$' "$out")" = 4 ] || fail "reply lines"
grep -qx -- '--- 10.0.0.2 ping statistics ---' "$out" || fail "statistics header"
grep -qx '4 packets transmitted, 4 received, 0% packet loss, time 3020ms' "$out" || fail "statistics line"
grep -qx 'rtt min/avg/max/mdev = 20.000/20.000/20.000/0.000 ms' "$out" || fail "rtt line"

# Losses are reported as ping reports them, and a run is reproducible.
"$bin" ping -c 50 --delay 2 --loss 30 --seed 3 > "$out.1" || true
"$bin" ping -c 50 --delay 2 --loss 30 --seed 3 > "$out.2" || true
cmp -s "$out.1" "$out.2" || fail "same seed, different output"
grep -Eq '^50 packets transmitted, [0-9]+ received, [0-9.]+% packet loss, time [0-9]+ms$' "$out.1" || fail "loss statistics"
grep -q ', 0% packet loss' "$out.1" && fail "30% loss lost nothing"

# An unreachable neighbour and a missing route, as Linux reports them.
"$bin" ping -c 1 10.0.0.9 > "$out" && fail "unreachable host gave status 0"
grep -qx 'From 10.0.0.1 icmp_seq=1 Destination Host Unreachable' "$out" || fail "host unreachable"
"$bin" ping -c 1 192.0.2.1 > "$out" 2>&1 && fail "no route gave status 0"
grep -qx 'ping: connect: Network is unreachable' "$out" || fail "network unreachable"

# IPv6 (-6, or an IPv6 destination): iputils' lines for ICMPv6.
"$bin" ping -6 -c 2 --delay 10 > "$out" || fail "-6: exit status $?"
head -1 "$out" | grep -qx 'PING 2001:db8::2(2001:db8::2) 56 data bytes' || fail "-6 header line"
[ "$(grep -c '^64 bytes from 2001:db8::2: icmp_seq=[1-2] ttl=64 time=20.0 ms$' "$out")" = 2 ] ||
	fail "-6 reply lines"
grep -qx '2 packets transmitted, 2 received, 0% packet loss, time 1020ms' "$out" || fail "-6 statistics"
"$bin" ping -c 1 2001:db8::9 > "$out" && fail "unreachable IPv6 host gave status 0"
grep -qx 'From 2001:db8::1 icmp_seq=1 Destination unreachable: Address unreachable' "$out" ||
	fail "IPv6 address unreachable"
"$bin" ping -c 1 2001:db9::1 > "$out" 2>&1 && fail "no IPv6 route gave status 0"
grep -qx 'ping: connect: Network is unreachable' "$out" || fail "IPv6 network unreachable"
"$bin" ping -6 10.0.0.2 > "$out" 2>&1; [ $? = 2 ] || fail "-6 with an IPv4 address accepted"

# Bad options are refused with a message and status 2.
"$bin" ping -c 0 > "$out" 2>&1; [ $? = 2 ] || fail "-c 0 accepted"
"$bin" ping --loss 120 > "$out" 2>&1; [ $? = 2 ] || fail "--loss 120 accepted"
"$bin" ping --delay abc > "$out" 2>&1; [ $? = 2 ] || fail "--delay abc accepted"
echo "ok ping output"
