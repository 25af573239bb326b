#!/bin/sh
# 1000 MB each direction between the kernel's nc and usertcp nc over a tap
# in a namespace of its own (scripts/netns-tap.sh), with the offloads
# (virtio-net headers, the default) and with --no-offload: wall-clock
# Gbit/s of each transfer, one run each, and the system calls usertcp's
# device made per MB moved (MB = 1,048,576 bytes of payload), from the
# device's counters that --nstat prints at exit: reads (rx, of which
# those that found the tap drained), writes (tx) and the ppoll sleeps
# that watched the tap (docs/BENCHMARKS.md, "usertcp nc over a tap").
# Needs root. Usage: scripts/tap-throughput.sh [USERTCP]
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/usertcp}
ns=vnetbench$$
sh "$here/netns-tap.sh" up $ns >/dev/null || exit 1
trap 'ip netns del $ns' EXIT
MB=${MB:-1000} # MB=50 for a quick try
n=0
run() { # mode dir opt
	port=$((7100 + $$ % 100 + n)); n=$((n + 1))
	if [ "$2" = k2u ]; then
		ip netns exec $ns timeout 200 $bin nc --nstat $3 --tap tap0 --ip 10.99.0.2/24 -l $port > /dev/null 2>"${TMPDIR:-/tmp}/tap-throughput.err" &
		up=$!
		sleep 0.5
		t0=$(date +%s.%N)
		head -c $((MB*1048576)) /dev/zero | ip netns exec $ns timeout 200 nc -N -q 0 10.99.0.2 $port
		wait $up
		t1=$(date +%s.%N)
	else
		ip netns exec $ns timeout 200 nc -l -p $port > /dev/null &
		kp=$!
		sleep 0.5
		t0=$(date +%s.%N)
		head -c $((MB*1048576)) /dev/zero | ip netns exec $ns timeout 200 $bin nc --nstat $3 --tap tap0 --ip 10.99.0.2/24 10.99.0.1 $port 2>"${TMPDIR:-/tmp}/tap-throughput.err"
		wait $kp
		t1=$(date +%s.%N)
	fi
	awk -v a=$t0 -v b=$t1 -v m=$MB -v l="$1 $2" '
		$1 ~ /^tap0:/ { sub(/^tap0:/, "", $1); v[$1] = $2 }
		END {
			printf "%-12s %6.2f s %6.2f Gbit/s  per MB: rx %6.1f (%5.1f empty) tx %6.1f poll %6.1f\n",
				l, b-a, m*1048576*8/(b-a)/1e9, v["rx_syscalls"]/m,
				v["rx_syscalls_empty"]/m, v["tx_syscalls"]/m, v["poll_waits"]/m
		}' "${TMPDIR:-/tmp}/tap-throughput.err"
}
run offload k2u ""
run offload u2k ""
run plain k2u --no-offload
run plain u2k --no-offload
