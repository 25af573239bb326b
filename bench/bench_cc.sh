#!/bin/sh
# bench_cc: usertcp's sender beside the Linux kernel's, over the same
# impaired path (docs/BENCHMARKS.md, "bench_cc").
#
#   bench/bench_cc.sh [USERTCP]          (default build/usertcp)
#
# One TAP interface in a network namespace of its own (scripts/netns-tap.sh):
# the kernel on one side, `usertcp nc` on the other. usertcp's impairments
# (--delay, --loss, --reorder: netem in user space) act on both directions
# of the tap, so the kernel's segments and usertcp's, and the ACKs of
# each, cross the same path. For each path and seed the same file is sent
# twice: kernel -> usertcp (the kernel's sender) and usertcp -> kernel
# (usertcp's), both with the congestion control being measured, and the
# goodput of each is the file's size over the time from the sender's start
# to the receiver's exit (once it has read everything and the close).
#
# Paths: RTT 0.1, 10 and 50 ms x loss 0, 0.1, 1 and 3 % x reordering 0 and
# 5 %, three seeds each, cubic then bbr. Each line gives the median over
# the seeds of usertcp's goodput and the kernel's, and their ratio
# (usertcp / linux); the last line per algorithm is the geometric mean of
# the ratios. A benchmark, never a test: nothing fails because a figure is
# low. The exit status is 1 only if a transfer loses or corrupts data.
#
# Environment (to take a shorter look):
#   BENCH_CC_ALGS      algorithms (default "cubic bbr")
#   BENCH_CC_RTTS      RTTs in ms (default "0.1 10 50")
#   BENCH_CC_LOSSES    loss in % (default "0 0.1 1 3")
#   BENCH_CC_REORDERS  reordering in % (default "0 5")
#   BENCH_CC_SEEDS     seeds per path (default 3)
#   BENCH_CC_SECONDS   the length a transfer is sized for (default 2)
#
# Needs root (a namespace and a tap), /dev/net/tun, iproute2 and
# netcat-openbsd; without them it says `skipped:` and why.
set -u

usertcp=${1:-build/usertcp}
algs=${BENCH_CC_ALGS:-cubic bbr}
rtts=${BENCH_CC_RTTS:-0.1 10 50}
losses=${BENCH_CC_LOSSES:-0 0.1 1 3}
reorders=${BENCH_CC_REORDERS:-0 5}
nseeds=${BENCH_CC_SEEDS:-3}
secs=${BENCH_CC_SECONDS:-2}
here=$(cd "$(dirname "$0")/.." && pwd)

skip() {
	echo "bench_cc: skipped: $*"
	exit 0
}

[ -x "$usertcp" ] || skip "$usertcp not built (run make)"
[ "$(id -u)" = 0 ] || skip "needs root for a network namespace and a tap"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip > /dev/null 2>&1 || skip "no ip (iproute2)"
nc -h 2>&1 | grep -q -- '-N' || skip "no netcat-openbsd (nc -N)"
avail=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)

usertcp=$(realpath "$usertcp")
ns=bench_cc_$$
dir=$(mktemp -d)
K=10.99.0.1
U=10.99.0.2
trap 'ip netns del $ns 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
"$here/scripts/netns-tap.sh" up "$ns" > /dev/null || skip "cannot make a namespace with a tap"
nsx() {
	ip netns exec "$ns" "$@"
}

now() {
	date +%s.%N
}

# bytes RTT_MS LOSS_PCT: sized for about $secs seconds at the rate the
# Mathis formula gives for the path (1.22 MSS / (RTT sqrt(p))), capped
# by what a tap moves (about 1 Gbit/s here), between 1 and 128 MiB.
size_for() {
	awk -v rtt="$1" -v p="$2" -v s="$secs" 'BEGIN {
		rate = 125e6
		if (p > 0) { m = 1.22 * 1448 / (rtt / 1000 * sqrt(p / 100)); if (m < rate) rate = m }
		b = rate * s; if (b < 1048576) b = 1048576; if (b > 134217728) b = 134217728
		printf "%d", b }'
}

# Waits (up to 10 s) for a listener on PORT in the namespace.
wait_listen() {
	i=0
	while [ $i -lt 200 ]; do
		grep -q "Listening on" "$1" 2>/dev/null && return 0
		nsx ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

status=0
port=20000
# one WHO ALG IMPAIRMENTS FILE SIZE: one transfer; sets res to its goodput
# in Mbit/s, or "lost" if the receiver did not get every byte.
one() {
	who=$1 alg=$2 imp=$3 file=$4 bytes=$5
	port=$((port + 1))
	: > "$dir/listen.log"
	if [ "$who" = linux ]; then
		# shellcheck disable=SC2086 # $imp is a list of options
		nsx "$usertcp" nc --tap tap0 --ip $U/24 $imp -v -l "$port" \
			< /dev/null 2> "$dir/listen.log" | wc -c > "$dir/got" &
		rpid=$!
		wait_listen "$dir/listen.log" "$port" || { res=lost; return; }
		t0=$(now)
		nsx nc -N $U "$port" < "$file" > /dev/null 2>&1
	else
		nsx nc -l -N "$port" < /dev/null 2> /dev/null | wc -c > "$dir/got" &
		rpid=$!
		wait_listen /dev/null "$port" || { res=lost; return; }
		t0=$(now)
		# shellcheck disable=SC2086
		nsx "$usertcp" nc --tap tap0 --ip $U/24 $imp --cc "$alg" $K "$port" \
			< "$file" > /dev/null 2> "$dir/send.log"
	fi
	# The transfer ends when the receiver has read everything and seen
	# the close, not when the sender exits: the kernel's nc exits as soon
	# as its last bytes are in the socket buffer (the receiver, its input
	# empty, shut down its side at once), up to a send buffer earlier.
	wait $rpid
	t1=$(now)
	got=$(cat "$dir/got" 2>/dev/null || echo 0)
	if [ "$got" != "$bytes" ]; then
		res=lost
		echo "bench_cc: $who sent $bytes bytes, $got arrived ($imp): $(cat "$dir/send.log" "$dir/listen.log" 2>/dev/null | tail -3)" >&2
		status=1
		return
	fi
	res=$(awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", b * 8 / (z - a) / 1e6 }')
}

median() {
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "lost"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "# bench_cc: goodput (Mbit/s, median of $nseeds seeds) of the same bytes sent by usertcp and by"
echo "# the Linux kernel $(uname -r) over one tap impaired by usertcp in both directions;"
echo "# ratio = usertcp / linux. Transfers are sized for about $secs s each."
for alg in $algs; do
	case " $avail " in
	*" $alg "*) ;;
	*)
		echo "bench_cc: $alg: skipped: the kernel here has no $alg (tcp_available_congestion_control: $avail)"
		continue
		;;
	esac
	if ! nsx sysctl -qw net.ipv4.tcp_congestion_control="$alg" 2> /dev/null; then
		# In a namespace other than the host's, Linux lets root choose only
		# what the host's tcp_allowed_congestion_control lists (EPERM).
		echo "bench_cc: $alg: skipped: the namespace's tcp_congestion_control cannot be set to $alg" \
			"(allowed on the host: $(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control 2>/dev/null);" \
			"add it with sysctl -w net.ipv4.tcp_allowed_congestion_control=\"... $alg\")"
		continue
	fi
	logsum=0 n=0
	for rtt in $rtts; do
		delay=$(awk -v r="$rtt" 'BEGIN { printf "%g", r / 2 }')
		for loss in $losses; do
			bytes=$(size_for "$rtt" "$loss")
			head -c "$bytes" /dev/urandom > "$dir/data"
			for reo in $reorders; do
				u= l=
				s=1
				while [ $s -le "$nseeds" ]; do
					imp="--delay $delay --seed $s"
					[ "$loss" = 0 ] || imp="$imp --loss $loss"
					[ "$reo" = 0 ] || imp="$imp --reorder $reo"
					one usertcp "$alg" "$imp" "$dir/data" "$bytes"
					u="$u $res"
					one linux "$alg" "$imp" "$dir/data" "$bytes"
					l="$l $res"
					s=$((s + 1))
				done
				um=$(echo "$u" | tr ' ' '\n' | grep -v lost | tr '\n' ' ' | median)
				lm=$(echo "$l" | tr ' ' '\n' | grep -v lost | tr '\n' ' ' | median)
				ratio=$(awk -v a="$um" -v b="$lm" 'BEGIN {
					if (a == "lost" || b == "lost" || b == 0) print "-"; else printf "%.2f", a / b }')
				printf '%-5s rtt %4s ms  loss %3s %%  reorder %s %%   usertcp %9s Mbit/s   linux %9s Mbit/s   ratio %s\n' \
					"$alg" "$rtt" "$loss" "$reo" "$um" "$lm" "$ratio"
				if [ "$ratio" != - ]; then
					logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN { printf "%.6f", s + log(r) }')
					n=$((n + 1))
				fi
			done
		done
	done
	[ $n -eq 0 ] || awk -v s="$logsum" -v n="$n" -v a="$alg" \
		'BEGIN { printf "%-5s geometric mean of the ratios over %d paths: %.2f\n", a, n, exp(s / n) }'
done
exit $status
