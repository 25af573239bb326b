#!/bin/sh
# bench_cc_sim_kernel: bench_cc_sim's path built of the kernel's parts, with
# usertcp's flows and the Linux kernel's over it, printed beside the
# simulator's figures (docs/BENCHMARKS.md, "bench_cc_sim").
#
#   bench/bench_cc_sim_kernel.sh [BUILD_DIR]      (default build)
#
# bench_cc_sim runs usertcp's cubic and bbr over a simulated bottleneck:
# 100 Mbit/s, RTT 40 ms, a drop-tail queue of one BDP (330 frames). The
# kernel cannot run in the simulator, so this script builds that path out
# of namespaces, htb and a delay line, and runs both stacks' cubic and bbr
# over it with bench_cc_sim's schedule: one flow for 30 s (link use and
# queue over 5-30 s), then two flows, the second from 5 s (Jain's index
# over 20-30 s).
#
#   ns ks: iperf3 -c (the kernel's flows) --veth--+
#   ns kr: usertcp nc on taps tS1, tS2 -----------+-> kr forwards; out of
#       tA: htb 100 Mbit/s over a pfifo of 330 frames --> tap_delay --> tB:
#       ns kd (iperf3 -s, or nc -l for usertcp's flows); the ACKs back
#       through tap_delay, held 40 ms.
#
# Both stacks send wire-sized frames (the kernel's veth has gso_max_segs 1,
# usertcp runs with --no-offload), so the queue counts frames as the
# simulator's does. The delay is on the ACK path, in user space
# (bench/tap_delay.c), since this kernel build may lack sch_netem. The
# queue is sampled every 0.1 s (tc), where the simulator integrates it
# exactly; flows' throughput is counted at the queue's exit (tap_delay),
# where the simulator counts what the receivers read. A real path jitters
# as the simulator's plain rows do not, and its runs differ far more than
# a seed of the simulator: each stack and algorithm runs
# BENCH_CC_SIM_KERNEL_RUNS times (3), and the path's columns give medians,
# with every run's Jain index.
#
# A benchmark, never a test. Needs root, /dev/net/tun, iproute2 with tc's
# htb, iperf3 and the algorithm in the kernel (and netcat-openbsd for
# usertcp's column); without them it says `skipped:` and why. About two
# minutes of wall time per run of an algorithm.
#
# Environment: BENCH_CC_SIM_ALGOS (default "cubic,bbr"; dctcp is left out:
# this path has no queue that marks CE at a threshold),
# BENCH_CC_SIM_KERNEL_RUNS (3).
set -u

build=${1:-build}
sim=$build/bench/bench_cc_sim
tap_delay=$build/bench/tap_delay
algs=$(echo "${BENCH_CC_SIM_ALGOS:-cubic,bbr}" | tr ',' ' ')
secs=30
warm=5
start2=5
window=10
bdp=330
runs=${BENCH_CC_SIM_KERNEL_RUNS:-3}

skip() {
	echo "bench_cc_sim_kernel: skipped: $*"
	exit 0
}

[ -x "$tap_delay" ] || skip "$tap_delay not built (make bench builds it)"
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and taps"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip > /dev/null 2>&1 || skip "no ip (iproute2)"
command -v tc > /dev/null 2>&1 || skip "no tc (iproute2)"
command -v iperf3 > /dev/null 2>&1 || skip "no iperf3"
avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2> /dev/null)
usertcp=$build/usertcp
with_usertcp=yes
with_usertcp_why=
if [ ! -x "$usertcp" ]; then
	with_usertcp=
	with_usertcp_why="skipped: $usertcp not built"
elif ! nc -h 2>&1 | grep -q -- '-N'; then
	with_usertcp=
	with_usertcp_why="skipped: no netcat-openbsd (nc -N) to receive its flows"
else
	usertcp=$(realpath "$usertcp")
fi

ks=bccsk_s$$
kr=bccsk_r$$
kd=bccsk_d$$
dir=$(mktemp -d)
relay=
teardown() {
	[ -n "$relay" ] && kill "$relay" 2> /dev/null
	for n in $ks $kr $kd; do
		ip netns pids "$n" 2> /dev/null | xargs -r kill 2> /dev/null
		ip netns del "$n" 2> /dev/null
	done
}
trap 'teardown; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

now() {
	date +%s.%N
}

# The path, afresh for each run (the queue's counters start at 0, and no
# route metrics carry over).
path_up() {
	teardown
	relay=
	for n in $ks $kr $kd; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add s0 netns "$ks" type veth peer name r0 netns "$kr" &&
		ip -n "$kr" tuntap add tA mode tap && ip -n "$kd" tuntap add tB mode tap &&
		ip -n "$ks" addr add 10.7.1.1/24 dev s0 && ip -n "$kr" addr add 10.7.1.2/24 dev r0 &&
		ip -n "$kr" addr add 10.7.2.2/24 dev tA && ip -n "$kd" addr add 10.7.2.1/24 dev tB &&
		ip -n "$ks" link set s0 gso_max_segs 1 up && ip -n "$kr" link set r0 up &&
		ip -n "$kr" link set tA up && ip -n "$kd" link set tB up &&
		ip -n "$ks" route add default via 10.7.1.2 && ip -n "$kd" route add default via 10.7.2.2 ||
		return 1
	for f in 1 2; do
		ip -n "$kr" tuntap add tS$f mode tap && ip -n "$kr" addr add 10.7.$((2 + f)).2/24 dev tS$f &&
			ip -n "$kr" link set tS$f up || return 1
	done
	ip netns exec "$kr" sysctl -qw net.ipv4.ip_forward=1 || return 1
	for n in $ks $kd; do
		ip netns exec "$n" sysctl -qw net.ipv4.tcp_congestion_control="$1" \
			net.ipv4.tcp_no_metrics_save=1 \
			net.ipv4.tcp_wmem="4096 8388608 16777216" \
			net.ipv4.tcp_rmem="4096 8388608 16777216" 2> /dev/null || return 2
	done
	ip netns exec "$kr" tc qdisc add dev tA root handle 1: htb default 1 r2q 100 &&
		ip netns exec "$kr" tc class add dev tA parent 1: classid 1:1 htb rate 100mbit ceil 100mbit burst 3028 cburst 3028 &&
		ip netns exec "$kr" tc qdisc add dev tA parent 1:1 handle 10: pfifo limit $bdp || return 3
	"$tap_delay" "$kr" tA "$kd" tB 40000 > "$dir/relay" 2> "$dir/relay.err" &
	relay=$!
	sleep 0.5
	ip netns exec "$kd" ping -c 1 -W 2 10.7.1.1 > /dev/null 2>&1 || return 4
}

# Every 0.1 s: the time since the flows began, the queue in frames and
# the drops so far.
sampler() {
	while :; do
		ip netns exec "$kr" tc -s qdisc show dev tA 2> /dev/null |
			awk -v t="$(now)" -v t0="$1" '
				/^qdisc pfifo/ { p = 1; next }
				/^qdisc/ { p = 0 }
				p && /dropped/ { d = $7; sub(",", "", d) }
				p && /backlog/ { q = $3; sub("p", "", q) }
				END { printf "%.2f %s %s\n", t - t0, q, d }'
		sleep 0.1
	done
}

# run STACK ALG NFLOWS: the flows of STACK (linux or usertcp), then
# $dir/relay holds the seconds and $dir/queue the samples.
run() {
	path_up "$2"
	case $? in
	0) ;;
	2)
		echo "bench_cc_sim_kernel: $2: skipped: the namespaces' tcp_congestion_control cannot be" \
			"set to $2 (allowed on the host: $(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control))"
		return 1
		;;
	3) skip "tc cannot make an htb class with a pfifo under it" ;;
	*) skip "cannot build the path ($(cat "$dir/relay.err" 2> /dev/null))" ;;
	esac
	for f in 1 2; do
		if [ "$1" = linux ]; then
			ip netns exec "$kd" iperf3 -s -D -1 -p 520$f > /dev/null 2>&1
		else
			ip netns exec "$kd" nc -l -N 520$f > /dev/null 2>&1 &
		fi
	done
	sleep 0.5
	t0=$(now)
	kill -USR1 "$relay"
	sampler "$t0" > "$dir/queue" &
	samp=$!
	flow "$1" "$2" 1 $secs &
	c1=$!
	c2=
	if [ "$3" = 2 ]; then
		sleep $start2
		flow "$1" "$2" 2 $((secs - start2)) &
		c2=$!
	fi
	wait $c1 $c2
	kill $samp
	kill "$relay"
	wait "$relay" 2> /dev/null
	relay=
}

# flow STACK ALG N SECONDS: flow N (port 520N) for SECONDS. The kernel's
# from ns ks (iperf3); usertcp's from its own tap tSN in ns kr, in frames
# of wire size (--no-offload, as the kernel's gso_max_segs 1).
flow() {
	if [ "$1" = linux ]; then
		ip netns exec "$ks" iperf3 -c 10.7.2.1 -p "520$3" -t "$4" > /dev/null 2>&1
	else
		ip netns exec "$kr" timeout "$4" "$usertcp" nc --tap "tS$3" --ip 10.7.$((2 + $3)).1/24 \
			--gw 10.7.$((2 + $3)).2 --no-offload --cc "$2" 10.7.2.1 "520$3" \
			< /dev/zero > /dev/null 2>&1
	fi
}

# measure STACK: one run of each kind, its figures added to
# $dir/one.STACK (link use, mean and max queue, drops) and
# $dir/two.STACK (Jain, each flow's Mbit/s).
measure() {
	run "$1" "$alg" 1 || return 1
	# Link use over [warm, secs]: frame bytes out of the queue /
	# capacity; the queue's mean over the same interval and its maximum
	# over the run, in BDPs; the drops in the interval.
	u=$(awk -v w=$warm -v s=$secs '$1 > w && $1 <= s { b += $2 }
		END { printf "%.1f", b * 8 / (100e6 * (s - w)) * 100 }' "$dir/relay")
	q=$(awk -v w=$warm -v s=$secs -v bdp=$bdp '
		$2 != "" { if ($2 > max) max = $2 }
		$1 >= w && $1 <= s && $2 != "" { sum += $2; n++; if (d0 == "") d0 = $3; d1 = $3 }
		END { printf "%.3f %.3f %d", n ? sum / n / bdp : 0, max / bdp, d1 - d0 }' "$dir/queue")
	echo "$u $q" >> "$dir/one.$1"
	run "$1" "$alg" 2 || return 1
	# Jain's index over the last $window s, of each flow's payload bytes
	# out of the queue.
	awk -v from=$((secs - window)) -v s=$secs '
		$1 > from && $1 <= s {
			for (i = 3; i <= NF; i++) { split($i, pb, ":"); x[pb[1]] += pb[2] }
		}
		END {
			a = x[5201] * 8 / (s - from) / 1e6; b = x[5202] * 8 / (s - from) / 1e6
			printf "%.3f %.1f/%.1f\n", (a + b) * (a + b) / (2 * (a * a + b * b)), a, b }' \
		"$dir/relay" >> "$dir/two.$1"
}

# The simulator's rows, for the side by side.
simrows=$dir/sim
if [ -x "$sim" ]; then
	BENCH_CC_SIM_JITTER_US=0 BENCH_CC_SIM_ALGOS=$(echo "$algs" | tr ' ' ',') "$sim" > "$simrows" 2>&1
else
	echo "bench_cc_sim_kernel: $sim not built: the simulator's column stays empty"
	: > "$simrows"
fi
# simfig ALGO PREFIX: the simulator's figure on the row of ALGO whose
# text starts with PREFIX.
simfig() {
	awk -v a="$1" -v w="$2" 'substr($0, 1, 6) ~ "^" a " *$" && index(substr($0, 8, 40), w) == 1 {
		f = substr($0, 49, 12); sub(/ +$/, "", f); print f; exit }' "$simrows"
}
row() {
	printf '%-6s %-40s %-14s %-15s %-14s %s\n' "$1" "$2" "$3" "$4" "$5" "$6"
}

echo "# bench_cc_sim_kernel: bench_cc_sim's path (100 Mbit/s, RTT 40 ms, drop-tail $bdp frames) built"
echo "# from the kernel's parts: usertcp and the Linux kernel $(uname -r) over it, beside usertcp in"
echo "# the simulator; each path figure the median of $runs runs (a run: one flow, then two)."
[ -n "$with_usertcp" ] || echo "bench_cc_sim_kernel: usertcp's column: $with_usertcp_why"
row algo figure "usertcp (sim)" "usertcp (path)" "linux (path)" target
for alg in $algs; do
	case " $avail " in
	*" $alg "*) ;;
	*)
		echo "bench_cc_sim_kernel: $alg: skipped: the kernel here has no $alg" \
			"(tcp_available_congestion_control: $avail)"
		continue
		;;
	esac
	[ "$alg" = dctcp ] && {
		echo "bench_cc_sim_kernel: dctcp: skipped: this path has no queue that marks CE at a threshold"
		continue
	}

	: > "$dir/one.linux"
	: > "$dir/two.linux"
	: > "$dir/one.usertcp"
	: > "$dir/two.usertcp"
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		measure linux || continue 2
		[ -z "$with_usertcp" ] || measure usertcp || continue 2
	done
	mid=$(((runs + 1) / 2))
	# med STACK COLUMN: the median over the runs of a one-flow figure.
	med() {
		awk -v c="$2" '{ print $c }' "$dir/one.$1" | sort -n | sed -n "${mid}p"
	}
	# two STACK COLUMN: a figure of the run with the median Jain index;
	# COLUMN 3: every run's index, lowest first.
	two() {
		sort -n "$dir/two.$1" > "$dir/two.$1.sorted"
		if [ "$2" = 3 ]; then
			awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }' "$dir/two.$1.sorted"
		else
			sed -n "${mid}p" "$dir/two.$1.sorted" | awk -v c="$2" '{ print $c }'
		fi
	}
	# fig KIND STACK COLUMN [UNIT]: a path figure, or "-" without runs.
	fig() {
		[ -s "$dir/$1.$2" ] || {
			echo -
			return
		}
		if [ "$1" = one ]; then
			echo "$(med "$2" "$3")${4:-}"
		else
			two "$2" "$3"
		fi
	}
	row "$alg" "1 flow: link filled, $warm-$secs s" "$(simfig "$alg" "1 flow: link filled")" \
		"$(fig one usertcp 1 %)" "$(fig one linux 1 %)" ">= 95%"
	row "$alg" "1 flow: mean queue, $warm-$secs s" "$(simfig "$alg" "1 flow: mean queue")" \
		"$(fig one usertcp 2 " BDP")" "$(fig one linux 2 " BDP")" \
		"$([ "$alg" = bbr ] && echo "< 0.5 BDP" || echo -)"
	row "$alg" "1 flow: max queue, whole run" "$(simfig "$alg" "1 flow: max queue")" \
		"$(fig one usertcp 3 " BDP")" "$(fig one linux 3 " BDP")" -
	row "$alg" "1 flow: drops, $warm-$secs s" "$(simfig "$alg" "1 flow: drops")" \
		"$(fig one usertcp 4)" "$(fig one linux 4)" -
	row "$alg" "2 flows (2nd at $start2 s): Jain $((secs - window))-$secs s" \
		"$(simfig "$alg" "2 flows (2nd at")" "$(fig two usertcp 1)" "$(fig two linux 1)" ">= 0.95"
	row "$alg" "  Mbit/s of each (that run)" "$(simfig "$alg" "  Mbit/s of each")" \
		"$(fig two usertcp 2)" "$(fig two linux 2)" -
	row "$alg" "  Jain of each run, lowest first" - "$(fig two usertcp 3)" "$(fig two linux 3)" -
done
