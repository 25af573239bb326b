#!/bin/sh
# IPv6 against the kernel over a tap: usertcp's link-local address (after
# duplicate address detection) and fd00:99::2/64 answer the kernel's
# ping -6, plain and 3000 bytes long (fragmented both ways); each side
# finds the other by Neighbour Discovery; usertcp ping -6 from the tap to
# the kernel (and IPv4's ping beside it); the captures on the tap and
# usertcp's own are clean for tshark.
. "$(dirname "$0")/lib.sh"
need ping nc
up
K6=fd00:99::1
U6=fd00:99::2
nsx ip -6 addr add "$K6/64" dev tap0 nodad || fail "cannot address tap0 with $K6"

capture_start "$dir/tap.pcap"
# A usertcp stack on the tap, kept there by nc -l until the kernel's nc
# closes the connection at the end.
bg timeout 60 "$bin" nc --tap tap0 --ip "$U/24" --ip "$U6/64" --pcap "$dir/usertcp.pcap" \
	-l 7000 > "$dir/u.out" 2> "$dir/u.err"
upid=$last

# DAD takes usertcp's addresses about a second (RFC 4862 5.4).
n=0
until nsx ping -6 -c 1 -W 1 "$U6" > "$dir/ping.out" 2>&1; do
	n=$((n + 1))
	[ "$n" -le 10 ] || fail "usertcp never answered ping -6 $U6: $(cat "$dir/ping.out" "$dir/u.err")"
done

nsx ping -6 -c 3 -i 0.2 "$U6" > "$dir/ping.out" 2>&1 ||
	fail "ping -6 $U6: $(cat "$dir/ping.out")"
grep -q '3 packets transmitted, 3 received' "$dir/ping.out" || fail "ping -6 lost replies: $(cat "$dir/ping.out")"
echo "ok the kernel's ping -6 $U6: 3 of 3 answered"

# usertcp's link-local address is fe80::/64 with the modified EUI-64 of
# its MAC (RFC 4291 appendix A), which the kernel learned by ND.
mac=$(nsx ip -6 neigh show "$U6" dev tap0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
[ -n "$mac" ] || fail "the kernel has no link-layer address for $U6: $(nsx ip -6 neigh show dev tap0)"
# shellcheck disable=SC2046 # the six bytes, one word each
set -- $(echo "$mac" | tr ':' ' ')
ll=$(printf 'fe80::%x:%x:%x:%x' $(((0x$1 ^ 2) << 8 | 0x$2)) $((0x$3 << 8 | 0xff)) \
	$((0xfe00 | 0x$4)) $((0x$5 << 8 | 0x$6)))
nsx ping -6 -c 2 -i 0.2 "$ll%tap0" > "$dir/ping.out" 2>&1 ||
	fail "ping -6 $ll%tap0: $(cat "$dir/ping.out")"
echo "ok the kernel's ping -6 $ll%tap0 (usertcp's link-local address): 2 of 2 answered"

# 3000 bytes: the kernel fragments the request, usertcp reassembles it and
# fragments its reply, the kernel reassembles that.
nsx ping -6 -c 2 -i 0.2 -s 3000 "$U6" > "$dir/ping.out" 2>&1 ||
	fail "ping -6 -s 3000 $U6: $(cat "$dir/ping.out")"
grep -q '3008 bytes from' "$dir/ping.out" || fail "no 3008-byte reply: $(cat "$dir/ping.out")"
echo "ok the kernel's ping -6 -s 3000 $U6: fragmented both ways, answered"

# Both neighbour caches hold each other.
nsx ip -6 neigh show "$U6" dev tap0 | grep -Eq 'lladdr .*(REACHABLE|STALE|DELAY|PROBE)' ||
	fail "the kernel has no entry for $U6: $(nsx ip -6 neigh show dev tap0)"

echo bye | nsx timeout 10 nc -N "$U" 7000 > /dev/null || fail "kernel nc to usertcp nc -l"
wait_ok "$upid" "usertcp nc -l --ip $U6/64: $(cat "$dir/u.err")"

# The other way round: usertcp ping -6 from a stack of its own on the tap
# (once nc has let go of it) to the kernel, and IPv4 beside it. Each new
# stack has a new MAC, so each takes addresses the kernel has not cached.
nsx timeout 30 "$bin" ping --tap tap0 --ip 10.99.0.3/24 --ip fd00:99::3/64 -c 3 -i 0.2 "$K6" \
	> "$dir/uping.out" 2>&1 || fail "usertcp ping -6 $K6: $(cat "$dir/uping.out")"
grep -q '^3 packets transmitted, 3 received' "$dir/uping.out" &&
	[ "$(grep -c "^64 bytes from $K6: icmp_seq=[1-3] ttl=64 time=" "$dir/uping.out")" = 3 ] ||
	fail "usertcp ping -6 $K6: $(cat "$dir/uping.out")"
echo "ok usertcp ping -6 --tap tap0 $K6: 3 of 3 answered by the kernel"
nsx timeout 30 "$bin" ping --tap tap0 --ip 10.99.0.4/24 -c 2 -i 0.2 "$K" > "$dir/uping.out" 2>&1 &&
	grep -q '^2 packets transmitted, 2 received' "$dir/uping.out" ||
	fail "usertcp ping $K: $(cat "$dir/uping.out")"
echo "ok usertcp ping --tap tap0 $K: 2 of 2 answered by the kernel"

capture_stop
check_pcap "$dir/tap.pcap" 12
check_pcap "$dir/usertcp.pcap" 12
if captured "$dir/tap.pcap"; then
	for t in 135 136; do
		[ -n "$(tshark -r "$dir/tap.pcap" -Y "icmpv6.type == $t" 2> /dev/null)" ] ||
			fail "no ICMPv6 type $t (Neighbour Discovery) in the capture"
	done
fi
echo "ok $name"
