#!/bin/sh
# SLAAC against a router advertisement on a tap: scapy, in the namespace,
# advertises fd00:99::/64 (on-link, autonomous) and a default route from
# the kernel's link-local address; usertcp, started with --ipv6 and no
# IPv6 address of its own, configures fd00:99:: + the EUI-64 of its MAC
# (RFC 4862 5.5.3) after DAD, answers the kernel's ping -6 there, and
# answers a ping from an address outside the prefix through the default
# route the advertisement gave it.
. "$(dirname "$0")/lib.sh"
need ping nc
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import scapy.all' 2> /dev/null ||
	skip "python3-scapy is not installed (apt-get install python3-scapy)"
up
P=fd00:99::
FAR=fd00:aa::1
nsx ip -6 addr add "${P}1/64" dev tap0 nodad || fail "cannot address tap0"
nsx ip -6 addr add "$FAR/128" dev tap0 nodad || fail "cannot add $FAR"
kmac=$(nsx cat /sys/class/net/tap0/address)

bg timeout 60 "$bin" nc --tap tap0 --ip "$U/24" --ipv6 --pcap "$dir/usertcp.pcap" -l 7000 \
	> "$dir/u.out" 2> "$dir/u.err"
upid=$last
# The kernel gives tap0 its link-local address once usertcp holds the
# other end (carrier).
n=0
until kll=$(nsx ip -6 addr show dev tap0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }') &&
	[ -n "$kll" ]; do
	n=$((n + 1))
	[ "$n" -le 100 ] || fail "tap0 has no link-local address"
	sleep 0.05
done

# The advertisement, as a router would send it to all nodes.
nsx "$py" - "$kll" "$kmac" <<'PY' > "$dir/ra.err" 2>&1 || fail "scapy: $(cat "$dir/ra.err")"
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, sendp
src, mac = sys.argv[1], sys.argv[2]
ra = (Ether(src=mac, dst="33:33:00:00:00:01") /
      IPv6(src=src, dst="ff02::1", hlim=255) /
      ICMPv6ND_RA(routerlifetime=1800) /
      ICMPv6NDOptSrcLLAddr(lladdr=mac) /
      ICMPv6NDOptPrefixInfo(prefix="fd00:99::", prefixlen=64, L=1, A=1,
                            validlifetime=3600, preferredlifetime=1800))
sendp(ra, iface="tap0", verbose=False)
PY

# All nodes answer from their link-local address, usertcp among them: its
# interface identifier (the EUI-64 of its MAC) is the one SLAAC puts
# after the prefix.
n=0
ll=
while [ -z "$ll" ]; do
	nsx ping -6 -c 2 -i 0.2 -W 1 "ff02::1%tap0" > "$dir/all.out" 2>&1
	ll=$(sed -n 's/.* from \(fe80::[0-9a-f:]*\)%tap0: .*/\1/p' "$dir/all.out" | grep -vx "$kll" | head -1)
	n=$((n + 1))
	[ "$n" -le 10 ] || fail "usertcp's link-local address never answered all-nodes: $(cat "$dir/all.out" "$dir/u.err")"
done
slaac=fd00:99::${ll#fe80::}

# DAD takes the new address about a second.
n=0
until nsx ping -6 -c 1 -W 1 "$slaac" > "$dir/ping.out" 2>&1; do
	n=$((n + 1))
	[ "$n" -le 10 ] || fail "usertcp never answered at its SLAAC address $slaac: $(cat "$dir/ping.out" "$dir/u.err")"
done
nsx ping -6 -c 3 -i 0.2 "$slaac" > "$dir/ping.out" 2>&1 && grep -q '3 received' "$dir/ping.out" ||
	fail "ping -6 $slaac: $(cat "$dir/ping.out")"
echo "ok usertcp configured $slaac from the advertisement and answers it"

# From outside the prefix: only the default route can carry the reply.
nsx ping -6 -c 3 -i 0.2 -I "$FAR" "$slaac" > "$dir/ping.out" 2>&1 &&
	grep -q '3 received' "$dir/ping.out" || fail "ping -6 -I $FAR $slaac: $(cat "$dir/ping.out")"
echo "ok a ping from $FAR is answered through the advertised default route"

echo bye | nsx timeout 10 nc -N "$U" 7000 > /dev/null || fail "kernel nc to usertcp nc -l"
wait_ok "$upid" "usertcp nc -l --ipv6: $(cat "$dir/u.err")"
check_pcap "$dir/usertcp.pcap" 10
echo "ok $name"
