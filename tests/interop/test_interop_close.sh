#!/bin/sh
# Refusals and closes between the kernel and usertcp, with the states on
# both sides: the kernel's connect to a closed usertcp port is refused by a
# RST (nc says "Connection refused"), and usertcp's to a closed kernel port
# too; the kernel closing first (the kernel's socket ends in TIME_WAIT,
# usertcp's goes CLOSE_WAIT -> LAST_ACK -> CLOSE), and usertcp closing
# first (usertcp FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT, the kernel's socket
# CLOSE_WAIT, then gone without TIME_WAIT). ss -tan shows the kernel's
# side, usertcp's --trace its own. The whole capture is clean for tshark.
. "$(dirname "$0")/lib.sh"
need nc ss
up
capture_start "$dir/tap.pcap"

# in_order FILE STEP...: each step appears in FILE after the one before.
in_order() {
	f=$1
	shift
	prev=0
	for step in "$@"; do
		n=$(grep -nF -m 1 -e "$step" "$f" | cut -d: -f1)
		[ -n "$n" ] || fail "usertcp's trace never says '$step':
$(grep 'state ' "$f")"
		[ "$n" -gt "$prev" ] || fail "usertcp's trace says '$step' too early"
		prev=$n
	done
}

# kernel_state STATE PORT: the kernel has a socket to or from PORT in STATE.
kernel_state() {
	nsx ss -Htan state "$1" "( sport = :$2 or dport = :$2 )" | grep -q .
}

# wait_state STATE PORT
wait_state() {
	n=0
	until kernel_state "$1" "$2"; do
		n=$((n + 1))
		[ $n -le 100 ] || fail "the kernel's socket on port $2 never reached $1: $(nsx ss -tan)"
		sleep 0.05
	done
}

# ---- refused, both ways ------------------------------------------------------
# (bg must not be run in a pipeline: a pipeline's parts are subshells,
# which would keep its $last to themselves.)
echo "for the one that is open" > "$dir/in.txt"
bg timeout 30 "$bin" nc -v --trace --tap tap0 --ip $U/24 -l 7301 < "$dir/in.txt" \
	> "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
nsx timeout 10 nc -v -w 5 $U 7302 < /dev/null > "$dir/k.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "the kernel's nc to a closed usertcp port exited $rc: $(cat "$dir/k.out")"
grep -q "Connection refused" "$dir/k.out" || fail "the kernel's nc did not say refused: $(cat "$dir/k.out")"
grep -q "sent \[R" "$dir/u.err" || fail "usertcp's trace shows no RST sent: $(grep -v ' usertcp:' "$dir/u.err")"
echo "ok the kernel's connect to a closed usertcp port: RST, and nc says: $(grep -o 'failed: .*' "$dir/k.out")"
nsx timeout 10 nc -N $U 7301 < /dev/null > "$dir/k.out" || fail "the kernel's nc to the open port failed"
wait_ok "$upid" "usertcp nc -l after the refused connect"
grep -q "for the one that is open" "$dir/k.out" || fail "the open port did not answer"

nsx timeout 10 "$bin" nc --tap tap0 --ip $U/24 $K 7303 < /dev/null > "$dir/u.out" 2> "$dir/u.err"
rc=$?
[ $rc -eq 1 ] || fail "usertcp nc to a closed kernel port exited $rc"
grep -q "connect to $K port 7303 (tcp) failed: Connection refused" "$dir/u.err" ||
	fail "usertcp nc to a closed kernel port said: $(cat "$dir/u.err")"
echo "ok usertcp's connect to a closed kernel port: $(cat "$dir/u.err")"

# ---- the kernel closes first ---------------------------------------------------
# usertcp's input is a fifo we hold open (fd 5): it will not close until
# told. Opened for reading and writing, the fifo does not block.
rm -f "$dir/in.fifo"
mkfifo "$dir/in.fifo"
exec 5<> "$dir/in.fifo"
bg timeout 30 "$bin" nc -v --trace --tap tap0 --ip $U/24 -l 7304 < "$dir/in.fifo" \
	> "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
echo "from the kernel" > "$dir/in.txt"
bg timeout 30 nc -N $U 7304 < "$dir/in.txt" > "$dir/k.out"
kpid=$last
wait_for "$dir/u.err" "ESTABLISHED -> CLOSE_WAIT" || fail "usertcp never saw the kernel's FIN"
wait_state fin-wait-2 7304
echo "from usertcp" >&5
exec 5>&-
wait_ok "$upid" "usertcp nc -l: $(cat "$dir/u.err" | grep -v ' usertcp:' | tail -5)"
wait_ok "$kpid" "the kernel's nc"
wait_state time-wait 7304
in_order "$dir/u.err" "SYN_RECV -> ESTABLISHED" "ESTABLISHED -> CLOSE_WAIT" "CLOSE_WAIT -> LAST_ACK" \
	"LAST_ACK -> CLOSE"
grep -q "from the kernel" "$dir/u.out" && grep -q "from usertcp" "$dir/k.out" || fail "data lost in the close"
echo "ok the kernel closed first: kernel FIN_WAIT2 then TIME_WAIT (ss); usertcp CLOSE_WAIT -> LAST_ACK -> CLOSE (trace)"

# ---- usertcp closes first ------------------------------------------------------
echo "from usertcp" > "$dir/in.txt"
bg timeout 30 "$bin" nc -v --trace --tap tap0 --ip $U/24 -l 7305 < "$dir/in.txt" \
	> "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
exec 5<> "$dir/in.fifo"
bg timeout 30 nc -N $U 7305 < "$dir/in.fifo" > "$dir/k.out"
kpid=$last
wait_for "$dir/u.err" "FIN_WAIT1 -> FIN_WAIT2" || fail "usertcp's FIN was not acknowledged"
wait_state close-wait 7305
echo "from the kernel" >&5
exec 5>&-
wait_ok "$upid" "usertcp nc -l: $(cat "$dir/u.err" | grep -v ' usertcp:' | tail -5)"
wait_ok "$kpid" "the kernel's nc"
in_order "$dir/u.err" "SYN_RECV -> ESTABLISHED" "ESTABLISHED -> FIN_WAIT1" "FIN_WAIT1 -> FIN_WAIT2" \
	"FIN_WAIT2 -> TIME_WAIT"
sleep 0.2
! kernel_state time-wait 7305 || fail "the kernel's socket is in TIME_WAIT though usertcp closed first"
! kernel_state last-ack 7305 || fail "the kernel's socket is still in LAST_ACK: our last ACK was lost"
grep -q "from the kernel" "$dir/u.out" && grep -q "from usertcp" "$dir/k.out" || fail "data lost in the close"
echo "ok usertcp closed first: usertcp FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT (trace); kernel CLOSE_WAIT, then gone (ss)"

capture_stop
check_pcap "$dir/tap.pcap" 20 7301-7305
if captured "$dir/tap.pcap"; then
	n=$(tshark -r "$dir/tap.pcap" -Y "ip.src == $U && tcp.srcport == 7302 && tcp.flags.reset == 1" 2> /dev/null | wc -l)
	[ "$n" -ge 1 ] || fail "the capture shows no RST from usertcp's closed port"
	echo "ok the capture shows usertcp's RST for the closed port"
fi
