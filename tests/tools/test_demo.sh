#!/bin/sh
# usertcp demo: the default run tells a connection's life in order and ends
# in 'result: ok'; with 5% loss both directions arrive intact for 50 seeds;
# the same seed prints the same bytes; --ipv6 tells the same life over
# AF_INET6 sockets; failures end in 'result: FAIL' with
# exit status 1 instead of hanging; --cc picks the congestion control and
# the summary reports it; the capture is well-formed for tshark.
set -u
bin=$1
tmp=${2:-/tmp}
fail() {
	echo "FAIL: $*"
	exit 1
}

# ---- the default run: the seeds' steps, in order, then result: ok ----------
out="$tmp/demo_default.txt"
"$bin" demo > "$out"
rc=$?
last=$(tail -n 1 "$out")
[ "$rc" -eq 0 ] || fail "default demo exited $rc: $last"
case $last in
"result: ok  1048576 bytes each way, SHA-256 match, "*" s simulated") ;;
*) fail "default demo's last line: $last" ;;
esac
prev=0
for step in "server  socket(AF_INET, SOCK_STREAM)" "server  bind(" "server  listen(" \
	"client  socket(AF_INET, SOCK_STREAM)" "client  connect(" "client  sent [S]" \
	"EINPROGRESS" "request socket added to the SYN queue" "server  sent [S.]" \
	"state SYN_SENT -> ESTABLISHED" "to the accept queue" "server  accept(" \
	"server  send(): " "server  recv(fd" \
	"client  close(" "ESTABLISHED -> FIN_WAIT1" "ESTABLISHED -> CLOSE_WAIT" \
	"= 0: end of file" "CLOSE_WAIT -> LAST_ACK" "FIN_WAIT1 -> FIN_WAIT2" \
	"FIN_WAIT2 -> TIME_WAIT" "LAST_ACK -> CLOSE" "TIME_WAIT -> CLOSE"; do
	n=$(grep -nF -m 1 -e "$step" "$out" | cut -d: -f1)
	[ -n "$n" ] || fail "default demo never says '$step'"
	[ "$n" -gt "$prev" ] || fail "'$step' (line $n) comes before an earlier step (line $prev)"
	prev=$n
done
# The first send fills a buffer up to the size goal: whole segments of
# 1448 bytes (Linux's tcp_xmit_size_goal), more than one of them.
first=$(grep -m 1 -oE "server  send\(\): [0-9]+ bytes copied into an sk_buff" "$out" |
	grep -oE "[0-9]+ bytes" | cut -d' ' -f1)
[ -n "$first" ] || fail "the server's send() copies into no sk_buff"
[ $((first % 1448)) -eq 0 ] && [ "$first" -gt 1448 ] ||
	fail "the server's first buffer holds $first bytes, not whole segments up to the size goal"
lines=$(wc -l < "$out")
[ "$lines" -lt 400 ] || fail "the default narrative is $lines lines: the data phase is not summarised"
echo "ok default demo: the life in order, $lines lines, $last"

# ---- --ipv6: the same life over IPv6, AF_INET6 sockets -----------------------
out="$tmp/demo_ipv6.txt"
"$bin" demo --ipv6 > "$out"
rc=$?
last=$(tail -n 1 "$out")
[ "$rc" -eq 0 ] || fail "demo --ipv6 exited $rc: $last"
case $last in
"result: ok  1048576 bytes each way, SHA-256 match, "*" s simulated") ;;
*) fail "demo --ipv6's last line: $last" ;;
esac
grep -q "^#   client fd00::2 ---- .* ---- server \[fd00::1\]:80 (IPv6)$" "$out" ||
	fail "demo --ipv6 does not name the IPv6 addresses"
prev=0
for step in "server  socket(AF_INET6, SOCK_STREAM)" "server  bind(fd 0, [fd00::1]:80)" \
	"client  socket(AF_INET6, SOCK_STREAM)" "client  connect(fd 0, [fd00::1]:80) from [fd00::2]:" \
	"client  sent [S]" "state SYN_SENT -> ESTABLISHED ([fd00::2]:" "server  accept(" \
	"ESTABLISHED -> FIN_WAIT1" "LAST_ACK -> CLOSE" "TIME_WAIT -> CLOSE"; do
	n=$(grep -nF -m 1 -e "$step" "$out" | cut -d: -f1)
	[ -n "$n" ] || fail "demo --ipv6 never says '$step'"
	[ "$n" -gt "$prev" ] || fail "--ipv6: '$step' (line $n) comes before an earlier step (line $prev)"
	prev=$n
done
# IPv6's header is 20 bytes longer than IPv4's: segments of 1428 bytes.
first=$(grep -m 1 -oE "client  send\(\): [0-9]+ bytes copied into an sk_buff" "$out" |
	grep -oE "[0-9]+ bytes" | cut -d' ' -f1)
[ -n "$first" ] && [ $((first % 1428)) -eq 0 ] ||
	fail "demo --ipv6: the first buffer holds '$first' bytes, not whole segments of 1428"
for seed in 1 2 3 4 5; do
	r=$("$bin" demo --ipv6 --quiet --loss 5 --bytes 256K --seed "$seed") ||
		fail "demo --ipv6 --loss 5 --seed $seed: $r"
done
echo "ok demo --ipv6: the life in order over AF_INET6 sockets, $last; 5 seeds with 5% loss"

# ---- 5% loss: 50 seeds, each direction intact ------------------------------
bad=0
for seed in $(seq 1 50); do
	r=$("$bin" demo --quiet --loss 5 --seed "$seed")
	rc=$?
	case $r in
	"result: ok "*) [ "$rc" -eq 0 ] || { echo "seed $seed: exit $rc with $r"; bad=$((bad + 1)); } ;;
	*) echo "seed $seed: $r (exit $rc)"; bad=$((bad + 1)) ;;
	esac
	[ "$(printf '%s\n' "$r" | wc -l)" -eq 1 ] || fail "--quiet printed more than the result line"
done
[ "$bad" -eq 0 ] || fail "$bad of 50 seeds failed with --loss 5"
echo "ok --loss 5: 50 seeds, all result: ok"

# ---- the same seed, the same bytes -------------------------------------------
"$bin" demo --json --bytes 256K --loss 5 --seed 7 > "$tmp/demo_json1.txt"
"$bin" demo --json --bytes 256K --loss 5 --seed 7 > "$tmp/demo_json2.txt"
cmp -s "$tmp/demo_json1.txt" "$tmp/demo_json2.txt" || fail "two runs with seed 7 differ"
"$bin" demo --json --bytes 256K --loss 5 --seed 8 > "$tmp/demo_json3.txt"
cmp -s "$tmp/demo_json1.txt" "$tmp/demo_json3.txt" && fail "seeds 7 and 8 print the same"
tail -n 1 "$tmp/demo_json1.txt" | grep -q '^result: ok ' || fail "--json did not end in result: ok"
n=$(sed '$d' "$tmp/demo_json1.txt" | grep -vc '^{"t":[0-9]*\.[0-9]\{9\},"stack":"[a-z]*","event":"[a-z_]*:[a-z_]*".*}$')
[ "$n" -eq 0 ] || fail "$n --json lines are not event objects"
if command -v python3 > /dev/null 2>&1; then
	sed '$d' "$tmp/demo_json1.txt" | python3 -c '
import json, sys
for n, line in enumerate(sys.stdin, 1):
    json.loads(line)
' || fail "--json printed a line that is not JSON"
fi
echo "ok --json: same seed, same bytes; every line an event object"

# ---- --cc: the module named, its summary, recovery told by segment number -----
out="$tmp/demo_dctcp.txt"
"$bin" demo --cc dctcp --rate 100mbit --ce-threshold 20 --bytes 4M > "$out" ||
	fail "demo --cc dctcp failed: $(tail -n 1 "$out")"
grep -q "congestion control dctcp on both hosts, ECN asked for by dctcp" "$out" ||
	fail "--cc dctcp: the heading does not name the module"
grep -q "congestion state Open -> CWR" "$out" || fail "--cc dctcp: no ECE reduction told"
grep -Eq "^#   client's dctcp: cwnd [0-9]+ ssthresh [0-9]+, [0-9]+ segments delivered \([1-9][0-9]* with ECE\)" "$out" ||
	fail "--cc dctcp: no summary with segments delivered with ECE"
grep -Eq "^#   client's dctcp: alpha [0-9]+/1024" "$out" || fail "--cc dctcp: no alpha"
out="$tmp/demo_reno.txt"
"$bin" demo --cc reno --loss 5 --seed 3 --bytes 256K > "$out" ||
	fail "demo --cc reno --loss 5 failed: $(tail -n 1 "$out")"
grep -q "^#   client's reno: cwnd" "$out" || fail "--cc reno: no summary for reno"
grep -Eq " client  segment [0-9]+ marked lost: .*\((RACK|NewReno|RFC 6675)\) \(seq [0-9]+:[0-9]+\)$" "$out" ||
	fail "--cc reno --loss 5: losses not told by segment number"
r=$("$bin" demo --cc bbr --quiet --bytes 256K)
case $r in
"result: ok "*) ;;
*) fail "demo --cc bbr: $r" ;;
esac
err=$("$bin" demo --cc vegas 2>&1 > /dev/null)
rc=$?
[ "$rc" -eq 2 ] || fail "an unknown --cc exited $rc"
case $err in
*"unknown congestion control 'vegas' (available: reno cubic bbr dctcp)"*) ;;
*) fail "an unknown --cc says: $err" ;;
esac
echo "ok --cc: dctcp reduces on ECE and reports alpha, reno's losses are numbered, bbr runs"

# ---- failures end, with a reason and exit status 1 ----------------------------
r=$("$bin" demo --loss 100 --quiet)
rc=$?
[ "$rc" -eq 1 ] || fail "--loss 100 exited $rc"
case $r in
"result: FAIL "*) ;;
*) fail "--loss 100: $r" ;;
esac
"$bin" demo --bytes 12Q > /dev/null 2>&1
[ $? -eq 2 ] || fail "a bad --bytes is not a usage error"
"$bin" demo --rate 10xbit > /dev/null 2>&1
[ $? -eq 2 ] || fail "a bad --rate is not a usage error"
echo "ok --loss 100 ends in $r"

# ---- the capture, as tshark sees it ------------------------------------------------
if ! command -v tshark > /dev/null 2>&1; then
	echo "skipped the capture check: tshark is not installed (apt-get install tshark)"
	exit 0
fi
check_pcap() {
	pcap=$1
	shift
	r=$("$bin" demo --quiet --pcap "$pcap" "$@")
	case $r in
	"result: ok "*) ;;
	*) fail "demo $* --pcap: $r" ;;
	esac
	n=$(tshark -r "$pcap" 2> /dev/null | wc -l)
	[ "$n" -gt 100 ] || fail "tshark read only $n packets from $pcap"
	# Port 80 would be read as HTTP, which our random bytes are not.
	report=$(tshark -r "$pcap" --disable-protocol http -o ip.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE -z expert,warn -q 2> /dev/null)
	if echo "$report" | grep -Eq 'Malformed|Checksum'; then
		echo "FAIL: tshark reports problems in $pcap ($*):"
		echo "$report"
		exit 1
	fi
	echo "ok $n packets, no malformed packets or bad checksums: demo $*"
}
check_pcap "$tmp/demo_clean.pcap" --bytes 256K
check_pcap "$tmp/demo_lossy.pcap" --bytes 256K --loss 5 --seed 3
check_pcap "$tmp/demo_ipv6.pcap" --ipv6 --bytes 256K --loss 5 --seed 3
n=$(tshark -r "$tmp/demo_ipv6.pcap" -Y 'ipv6 && tcp' 2> /dev/null | wc -l)
[ "$n" -gt 100 ] || fail "demo --ipv6's capture holds $n IPv6 TCP packets"
# The check must be able to fail: corruption is visible to it.
"$bin" demo --quiet --bytes 64K --corrupt 5 --pcap "$tmp/demo_corrupt.pcap" > /dev/null
tshark -r "$tmp/demo_corrupt.pcap" --disable-protocol http -o ip.check_checksum:TRUE \
	-o tcp.check_checksum:TRUE -z expert,warn -q 2> /dev/null | grep -q Checksum ||
	fail "tshark did not notice corrupted frames"
echo "ok corrupted frames are noticed"
