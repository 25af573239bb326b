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
need_scapy
up
FAR=fd00:aa::1
nsx ip -6 addr add fd00:99::1/64 dev tap0 nodad || fail "cannot address tap0"
nsx ip -6 addr add "$FAR/128" dev tap0 nodad || fail "cannot add $FAR"

bg timeout 60 "$bin" nc --tap tap0 --ip "$U/24" --ipv6 --pcap "$dir/usertcp.pcap" -l 7000 \
	> "$dir/u.out" 2> "$dir/u.err"
upid=$last
ra_send

# Its interface identifier (the EUI-64 of its MAC) is the one SLAAC puts
# after the prefix.
usertcp_ll "$dir/u.err"
slaac=fd00:99::${ull#fe80::}
wait_ping6 "$slaac" "$dir/u.err"
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
