#!/bin/sh
# The nc and httpd transfers through a path that loses 2% of the packets
# each way on the kernel's side (iptables' statistic match in the
# namespace: the CI machine's kernel has no netem). Everything must arrive
# intact; the loss must really have happened; the capture stays clean.
. "$(dirname "$0")/lib.sh"
need nc curl iptables sha256sum
up

# The kernel hands its TCP segments to netfilter before segmenting them
# (GSO): without this, one drop would take 45 segments at once.
nsx ip link set tap0 gso_max_segs 1 2> /dev/null
for chain in "INPUT -i tap0" "OUTPUT -o tap0"; do
	# shellcheck disable=SC2086 # the chain and its interface option
	nsx iptables -A $chain -m statistic --mode random --probability 0.02 -j DROP ||
		skip "iptables cannot drop at random here (xt_statistic missing?)"
done
# Smaller than on a clean path: usertcp's sending recovers from some
# losses only by its retransmission timer (200 ms each), which makes it
# several times slower than the kernel's here.
nc_to_usertcp 8 7101
nc_from_usertcp 8 7102 --nstat
# --nstat's counters, under nstat's names: the losses were seen and repaired
retrans=$(awk '$1 == "TcpRetransSegs" { print $2 }' "$dir/u.err")
[ "${retrans:-0}" -gt 0 ] || fail "usertcp nc --nstat shows no TcpRetransSegs: $(head -5 "$dir/u.err")"
grep -q '^TcpExtTCPDelivered ' "$dir/u.err" || fail "usertcp nc --nstat shows no TcpExtTCPDelivered"
echo "ok usertcp nc --nstat: TcpRetransSegs $retrans"

httpd_site 16
httpd_start
httpd_big "2% loss each way"
capture_start "$dir/tap.pcap"
httpd_keepalive "2% loss each way"
capture_stop
httpd_stop

dropped=$(nsx iptables -L -n -v -x | awk '$3 == "DROP" { n += $1 } END { print n + 0 }')
[ "$dropped" -gt 100 ] || fail "iptables dropped only $dropped packets: the path was not lossy"
echo "ok iptables dropped $dropped packets on the way"
check_pcap "$dir/tap.pcap" 150 "80 7101-7102"
