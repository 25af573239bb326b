#!/bin/sh
# usertcp run --threads 2 over a multi-queue tap (docs/RUN.md, "Several
# stacks"): python's threaded http.server under usertcp run with two
# stacks serves the kernel's curl 60 connections (40 one after another,
# 20 at once) and a 20 MB file, every body intact, the kernel spreading
# the connections over both queues and each stack's listener taking those
# of its queue (--nstat's per-queue counters at exit, nothing handed
# between the stacks; --pcap's file a queue); usertcp ss sees the
# running program's listener on both stacks; then curl under usertcp run
# --threads 2 fetches 10 files at once from the kernel's http.server, its
# connections going out from both stacks; a datagram server under usertcp
# run --threads 2, on one stack (port 5353 is outside every slice: stack
# 0's), answers 40 datagrams from as many kernel sockets, those the
# kernel put on queue 1 handed to stack 0; the same server over a
# multi-queue TUN; on a single-queue tap the first socket fails, with the
# fix in the message.
. "$(dirname "$0")/lib.sh"
need curl python3 sha256sum
up --multi-queue

httpd_site 20

# fetch_each HOST:PORT N WHAT: the kernel's curl fetches f1.txt .. fN.txt,
# a connection each, and every body must be www's.
fetch_each() {
	rm -f "$dir/got/f"*.txt
	i=1
	while [ $i -le "$2" ]; do
		kcurl -o "$dir/got/f$i.txt" "http://$1/f$i.txt" 2> "$dir/kcurl.err" ||
			fail "$3: curl f$i.txt: $(cat "$dir/kcurl.err")"
		i=$((i + 1))
	done
	same_files f txt "$2" "$3"
}

# ---- a server under usertcp run --threads 2 ---------------------------------
diag=threads-$$
bg "$bin" run --tap tap0 --ip $U/24 --threads 2 --nstat --diag "$diag" --pcap "$dir/srv.pcap" -- \
	python3 -m http.server --bind $U --directory "$dir/www" 8003 > "$dir/uhttp.log" 2>&1
srv=$last
wait_http "http://$U:8003/f1.txt" "http.server under usertcp run --threads 2 does not answer" "$dir/uhttp.log"
t0=$(now)
fetch_each $U:8003 40 "one after another"
echo "ok 40 connections one after another to http.server under usertcp run --threads 2 in $(since "$t0") s, every body right"
kcurl -Z --parallel-immediate --parallel-max 20 -o "$dir/got/m#1.bin" "http://$U:8003/m[1-20].bin" \
	2> "$dir/kcurl.err" || fail "20 at once: $(cat "$dir/kcurl.err")"
same_files m bin 20 "20 at once"
echo "ok 20 files at once, all intact"
kcurl -o "$dir/got/big.bin" "http://$U:8003/big.bin" 2> "$dir/kcurl.err" ||
	fail "the kernel's curl, 20 MB: $(cat "$dir/kcurl.err")"
[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
	fail "the kernel's curl got $(size "$dir/got/big.bin") bytes, not the file"
echo "ok 20 MB from http.server under usertcp run --threads 2, intact"

# The running program answers usertcp ss and nstat for both its stacks:
# its listener is on each.
out=$("$bin" ss -tln --stack "$diag" 2>&1) || fail "usertcp ss --stack $diag: $out"
n=$(echo "$out" | grep -c ":8003")
[ "$n" -eq 2 ] || fail "usertcp ss shows $n listeners on port 8003, not one a stack: $out"
opens=$("$bin" nstat --stack "$diag" -a TcpPassiveOpens | awk '$1 == "TcpPassiveOpens" { print $2 }')
[ "${opens:-0}" -ge 61 ] || fail "usertcp nstat: TcpPassiveOpens ${opens:-none}, fewer than the 61 connections"
echo "ok usertcp ss shows the listener on both stacks; nstat counts $opens connections accepted"

kill -TERM "$srv"
wait_gone "$srv" "http.server under usertcp run --threads 2 did not stop on SIGTERM"
grep -q "^#usertcp run: the stack's counters at exit" "$dir/uhttp.log" ||
	fail "--nstat printed no counters at exit: $(tail -5 "$dir/uhttp.log")"
for q in 0 1; do
	rx=$(awk -v n="tap0:q$q:rx_packets" '$1 == n { print $2 }' "$dir/uhttp.log")
	[ "${rx:-0}" -gt 20 ] || fail "queue $q received ${rx:-no} frames: $(cat "$dir/uhttp.log")"
done
# Each connection was the listener's on the stack its queue feeds: none
# had to be handed to another stack.
steered=$(awk '$1 ~ /^tap0:q[01]:steered_out$/ { s += $2 } END { print s + 0 }' "$dir/uhttp.log")
[ "$steered" -eq 0 ] || fail "$steered segments were handed between the stacks: $(cat "$dir/uhttp.log")"
# A capture a queue, as the tools' --threads: FILE and FILE.q1.
for f in "$dir/srv.pcap" "$dir/srv.pcap.q1"; do
	[ "$(size "$f")" -gt 10000 ] || fail "--pcap: $f has $(size "$f") bytes"
done
echo "ok both queues carried connections (q0 $(awk '$1 == "tap0:q0:rx_packets" { print $2 }' "$dir/uhttp.log"), q1 $(awk '$1 == "tap0:q1:rx_packets" { print $2 }' "$dir/uhttp.log") frames), none handed over"

# ---- a client under usertcp run --threads 2 ---------------------------------
bg python3 -m http.server --bind $K --directory "$dir/www" 8004 > "$dir/khttp.log" 2>&1
wait_listen 8004
rm -f "$dir/got/m"*.bin
nsx timeout 60 "$bin" run --tap tap0 --ip $U/24 --threads 2 --nstat -- curl -sS --max-time 50 \
	-Z --parallel-immediate --parallel-max 10 -o "$dir/got/m#1.bin" "http://$K:8004/m[1-10].bin" \
	2> "$dir/ucurl.err" || fail "curl under usertcp run --threads 2: $(cat "$dir/ucurl.err")"
same_files m bin 10 "curl under usertcp run --threads 2"
# The kernel answers a flow on the queue it came from: both queues took
# replies, so both stacks had connections.
for q in 0 1; do
	rx=$(awk -v n="tap0:q$q:rx_packets" '$1 == n { print $2 }' "$dir/ucurl.err")
	[ "${rx:-0}" -gt 20 ] || fail "curl's queue $q received ${rx:-no} frames: $(cat "$dir/ucurl.err")"
done
echo "ok curl under usertcp run --threads 2 fetched 10 files at once from the kernel, all intact, over both stacks (q0 $(awk '$1 == "tap0:q0:rx_packets" { print $2 }' "$dir/ucurl.err"), q1 $(awk '$1 == "tap0:q1:rx_packets" { print $2 }' "$dir/ucurl.err") frames)"

# ---- a datagram server under usertcp run --threads 2 -------------------------
cat > "$dir/udpecho.py" << 'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.2", 5353))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d.upper(), a)
PY
cat > "$dir/udpask.py" << 'PY'
import socket
ok = 0
for i in range(40):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(3)
    c.sendto(b"ping%d" % i, ("10.99.0.2", 5353))
    try:
        ok += c.recvfrom(100)[0] == b"PING%d" % i
    except socket.timeout:
        pass
    c.close()
print(ok)
PY
bg "$bin" run --tap tap0 --ip $U/24 --threads 2 --nstat -- python3 "$dir/udpecho.py" > "$dir/udp.log" 2>&1
usrv=$last
sleep 1
got=$(nsx timeout 150 python3 "$dir/udpask.py") || fail "the kernel's datagrams: $got"
[ "$got" = 40 ] || fail "$got of 40 datagrams answered by the server under usertcp run --threads 2: $(cat "$dir/udp.log")"
kill -TERM "$usrv"
wait_gone "$usrv" "the datagram server under usertcp run --threads 2 did not stop on SIGTERM"
handed=$(awk '$1 == "tap0:q1:steered_out" { print $2 }' "$dir/udp.log")
[ "${handed:-0}" -gt 0 ] && [ "$(awk '$1 == "tap0:q0:steered_in" { print $2 }' "$dir/udp.log")" = "$handed" ] ||
	fail "queue 1 handed ${handed:-no} datagrams to stack 0: $(cat "$dir/udp.log")"
echo "ok 40 datagrams from 40 kernel sockets answered by one server under usertcp run --threads 2, the $handed queue 1 got handed to its stack"

# ---- a multi-queue TUN: bare IP, no ARP to share -----------------------------
ip -n "$ns" tuntap add dev tun0 mode tun multi_queue &&
	ip -n "$ns" addr add 10.97.0.1/24 dev tun0 &&
	ip -n "$ns" link set tun0 up || fail "cannot make tun0"
bg "$bin" run --tun tun0 --ip 10.97.0.2/24 --threads 2 --nstat -- \
	python3 -m http.server --bind 10.97.0.2 --directory "$dir/www" 8005 > "$dir/utun.log" 2>&1
tsrv=$last
wait_http "http://10.97.0.2:8005/f1.txt" "http.server under usertcp run --tun --threads 2 does not answer" \
	"$dir/utun.log"
fetch_each 10.97.0.2:8005 20 "over a multi-queue tun"
kill -TERM "$tsrv"
wait_gone "$tsrv" "http.server under usertcp run --tun --threads 2 did not stop on SIGTERM"
for q in 0 1; do
	rx=$(awk -v n="tun0:q$q:rx_packets" '$1 == n { print $2 }' "$dir/utun.log")
	[ "${rx:-0}" -gt 5 ] || fail "tun0 queue $q received ${rx:-no} frames: $(cat "$dir/utun.log")"
done
echo "ok 20 connections to http.server under usertcp run --tun tun0 --threads 2, every body right, both queues used"

# A plain tap cannot take two queues: the program's first socket fails,
# and the library says how to make one that can.
ip -n "$ns" tuntap add dev tap1 mode tap && ip -n "$ns" link set tap1 up || fail "cannot make tap1"
out=$(nsx timeout 20 "$bin" run --tap tap1 --ip 10.98.0.2/24 --threads 2 -- \
	python3 -c 'import socket; socket.socket()' 2>&1)
[ $? -ne 0 ] || fail "a socket under --threads 2 on a single-queue tap did not fail"
echo "$out" | grep -q "multi_queue" || fail "--threads 2 on a single-queue tap: $out"
echo "ok --threads 2 on a single-queue tap: the first socket fails, and the message says how to make one"
