#!/bin/sh
# A stack per core over a multi-queue tap (--threads 2, usertcp/group.h):
# usertcp httpd with two stacks serves the kernel's curl (a 20 MB file,
# 100 keep-alive requests, 40 connections one after another and 20 at
# once), the kernel spreading the connections over both queues; usertcp nc
# with two stacks accepts the kernel's nc and connects to it, 20 MB each
# way, and over a multi-queue TUN; a single-queue interface refuses
# --threads 2 with the fix in the message, and --threads 1 takes a
# multi-queue one; with the kernel made to put every frame on queue 1
# (tun_steer.py), stack 1 hands stack 0's segments over to it.
. "$(dirname "$0")/lib.sh"
need curl nc sha256sum
up --multi-queue

httpd_site 20
httpd_start --threads 2 --nstat
grep -q "with 2 stacks" "$dir/httpd.log" || fail "httpd did not say it has 2 stacks: $(cat "$dir/httpd.log")"
httpd_big "2 stacks"
httpd_keepalive "2 stacks"
t0=$(now)
i=1
while [ $i -le 40 ]; do
	kcurl -o "$dir/got/f$i.txt" "http://$U/f$i.txt" || fail "curl f$i.txt"
	i=$((i + 1))
done
same_files f txt 40 "one after another"
echo "ok 40 connections one after another in $(since "$t0") s, every body right"
r=$(kcurl -Z --parallel-immediate --parallel-max 20 -w '%{num_connects}\n' -o "$dir/got/m#1.bin" "http://$U/m[1-20].bin" \
	2> "$dir/curl.err") || fail "parallel curl: $(cat "$dir/curl.err")"
same_files m bin 20 parallel
echo "ok 20 files at once, all intact"
httpd_stop
# Every connection was served, and both queues had their share of them.
opens=$(awk '$1 == "TcpPassiveOpens" { print $2 }' "$dir/httpd.log")
[ "${opens:-0}" -ge 60 ] || fail "httpd accepted ${opens:-no} connections: $(cat "$dir/httpd.log")"
for q in 0 1; do
	rx=$(awk -v n="tap0:q$q:rx_packets" '$1 == n { print $2 }' "$dir/httpd.log")
	[ "${rx:-0}" -gt 20 ] || fail "queue $q received ${rx:-no} frames: $(cat "$dir/httpd.log")"
done
echo "ok $opens connections over both queues (q0 $(awk '$1 == "tap0:q0:rx_packets" { print $2 }' "$dir/httpd.log"), q1 $(awk '$1 == "tap0:q1:rx_packets" { print $2 }' "$dir/httpd.log") frames)"

nc_to_usertcp 20 7001 --threads 2
nc_from_usertcp 20 7002 --threads 2

# A plain tap cannot take two queues; the message says how to make one.
ip -n "$ns" tuntap add dev tap1 mode tap && ip -n "$ns" link set tap1 up || fail "cannot make tap1"
out=$(nsx timeout 20 "$bin" nc --tap tap1 --ip 10.98.0.2/24 --threads 2 -l 7003 2>&1 < /dev/null)
[ $? -ne 0 ] || fail "--threads 2 on a single-queue tap did not fail"
echo "$out" | grep -q "multi_queue" || fail "--threads 2 on a single-queue tap: $out"
echo "ok --threads 2 on a single-queue tap refused: $out"
nc_to_usertcp 1 7004 --threads 1

# A multi-queue TUN: bare IP, no ARP to share; two stacks both ways.
ip -n "$ns" tuntap add dev tun0 mode tun multi_queue &&
	ip -n "$ns" addr add 10.97.0.1/24 dev tun0 &&
	ip -n "$ns" link set tun0 up || fail "cannot make tun0"
nc_data 5
bg timeout 60 "$bin" nc -v --tun tun0 --ip 10.97.0.2/24 --threads 2 -l 7005 \
	< "$dir/u.bin" > "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc --tun -l did not start: $(cat "$dir/u.err")"
nsx timeout 60 nc -N 10.97.0.2 7005 < "$dir/k.bin" > "$dir/k.out" || fail "kernel nc to tun0 exited $?"
wait_ok "$upid" "usertcp nc --tun --threads 2 -l: $(cat "$dir/u.err")"
nc_compare "kernel nc -> usertcp nc --tun --threads 2 -l"
echo "ok kernel nc -> usertcp nc --tun tun0 --threads 2 -l: 5 MB each way, SHA-256 match"

# The kernel made to put every frame on queue 1 (a steering program, as
# after it forgot which queue a flow belongs to): usertcp nc --threads 2
# connects from stack 0, and stack 1 hands each of that connection's
# segments over to it, and passes it the ARP reply; nothing is reset.
if ! out=$(nsx python3 "$here/tun_steer.py" tap0 1 2>&1); then
	echo "skipped the steering part: ${out#skipped: }"
	exit 0
fi
nc_from_usertcp 5 7006 --threads 2 --nstat
steered=$(awk '$1 == "tap0:q1:steered_out" { print $2 }' "$dir/u.err")
taken=$(awk '$1 == "tap0:q0:steered_in" { print $2 }' "$dir/u.err")
q0=$(awk '$1 == "tap0:q0:rx_packets" { print $2 }' "$dir/u.err")
[ "${steered:-0}" -gt 100 ] && [ "$taken" = "$steered" ] && [ "${q0:-1}" -eq 0 ] ||
	fail "steering: queue 0 read ${q0:-?} frames, stack 1 handed over ${steered:-?}, stack 0 took ${taken:-?}: $(cat "$dir/u.err")"
# Stack 1, which holds no connection, reset nothing: a segment it kept
# instead of handing it over would have met no socket there. (The owner's
# own resets, as nc's close with data still arriving may send one, are
# not the steering's; they are printed, not judged.)
grep -q "^stack1:TcpOutRsts" "$dir/u.err" && fail "stack 1 sent resets: $(grep 'TcpOutRsts' "$dir/u.err")"
grep -q "^stack0:TcpActiveOpens" "$dir/u.err" || fail "stack 0 opened no connection: $(cat "$dir/u.err")"
echo "ok every frame steered to queue 1: stack 1 handed $steered segments of stack 0's connection over, and reset none (stack 0: $(awk '$1 == "stack0:TcpOutRsts" { n = $2 } END { print n + 0 }' "$dir/u.err") resets)"
