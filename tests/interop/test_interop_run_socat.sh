#!/bin/sh
# socat under usertcp run, relaying between a usertcp socket and a kernel
# one in the same process: TCP on usertcp (the tap) to an AF_UNIX socket
# (the kernel's), both ways round, 20 MB each way through the relay,
# SHA-256 compared; and socat relaying TCP to TCP (a usertcp listener to
# the kernel's listener across the tap). Each half-close crosses the relay
# (socat passes an end of stream on as shutdown(SHUT_WR)) and socat ends
# on its own once both directions have.
. "$(dirname "$0")/lib.sh"
need socat sha256sum
up

mkdata "$dir/k.bin" 20
mkdata "$dir/u.bin" 20

# check WHAT: each end got the other's file; the end that connected
# first sent k.bin into k.out, the far one u.bin into u.out.
check() {
	[ "$(sha "$dir/k.out")" = "$(sha "$dir/u.bin")" ] ||
		fail "$1: the first end got $(size "$dir/k.out") bytes of $(size "$dir/u.bin"), not the file"
	[ "$(sha "$dir/u.out")" = "$(sha "$dir/k.bin")" ] ||
		fail "$1: the far end got $(size "$dir/u.out") bytes of $(size "$dir/k.bin"), not the file"
}

# wait_socket PATH WHAT LOG: waits up to 10 s for a listener on the
# AF_UNIX socket PATH; fails naming WHAT, with LOG, if none comes.
wait_socket() {
	n=0
	until [ -S "$1" ]; do
		n=$((n + 1))
		[ "$n" -le 100 ] || fail "$2 did not listen on $1: $(cat "$3")"
		sleep 0.1
	done
}

# 1. The kernel's socat connects across the tap to socat under usertcp run,
# which relays to a kernel AF_UNIX listener (another socat), once that
# listens: the relay connects to it as soon as the kernel's socat arrives.
rm -f "$dir/k.out" "$dir/u.out" "$dir/a.sock"
bg timeout 60 socat -t 30 UNIX-LISTEN:"$dir/a.sock" STDIO < "$dir/u.bin" > "$dir/u.out" 2> "$dir/unix.err"
far=$last
wait_socket "$dir/a.sock" "the kernel's socat UNIX-LISTEN" "$dir/unix.err"
bg timeout 60 "$bin" run --tap tap0 --ip $U/24 -- \
	socat -t 30 TCP-LISTEN:7100,bind=$U,reuseaddr UNIX-CONNECT:"$dir/a.sock" 2> "$dir/relay.err"
relay=$last
t0=$(now)
n=0
until nsx timeout 60 socat -t 30 TCP:$U:7100 STDIO < "$dir/k.bin" > "$dir/k.out" 2> "$dir/k.err"; do
	n=$((n + 1))
	[ "$n" -le 50 ] || fail "the kernel's socat to socat under usertcp run: $(cat "$dir/k.err" "$dir/relay.err")"
	sleep 0.2
done
wait_ok "$relay" "socat TCP-LISTEN -> UNIX-CONNECT under usertcp run: $(cat "$dir/relay.err")"
wait_ok "$far" "the kernel's socat UNIX-LISTEN: $(cat "$dir/unix.err")"
check "TCP (usertcp) -> AF_UNIX (kernel)"
echo "ok socat under usertcp run relayed 20 MB each way between a usertcp TCP socket and a kernel AF_UNIX one in $(since "$t0") s, SHA-256 match"

# 2. The reverse: socat under usertcp run listens on AF_UNIX and connects
# across the tap to the kernel's TCP listener.
rm -f "$dir/k.out" "$dir/u.out" "$dir/b.sock"
bg timeout 60 socat -t 30 TCP-LISTEN:7101,bind=$K,reuseaddr STDIO < "$dir/u.bin" > "$dir/u.out" 2> "$dir/k.err"
far=$last
wait_listen 7101
bg timeout 60 "$bin" run --tap tap0 --ip $U/24 -- \
	socat -t 30 UNIX-LISTEN:"$dir/b.sock" TCP:$K:7101 2> "$dir/relay.err"
relay=$last
t0=$(now)
wait_socket "$dir/b.sock" "socat under usertcp run" "$dir/relay.err"
timeout 60 socat -t 30 UNIX-CONNECT:"$dir/b.sock" STDIO < "$dir/k.bin" > "$dir/k.out" 2> "$dir/unix.err" ||
	fail "socat UNIX-CONNECT to socat under usertcp run: $(cat "$dir/unix.err" "$dir/relay.err")"
wait_ok "$relay" "socat UNIX-LISTEN -> TCP under usertcp run: $(cat "$dir/relay.err")"
wait_ok "$far" "the kernel's socat TCP-LISTEN: $(cat "$dir/k.err")"
check "AF_UNIX (kernel) -> TCP (usertcp)"
echo "ok socat under usertcp run relayed 20 MB each way between a kernel AF_UNIX socket and a usertcp TCP one in $(since "$t0") s, SHA-256 match"

# 3. TCP to TCP: the kernel's socat connects to socat under usertcp run,
# which connects back across the tap to the kernel's listener; both of
# the relay's sockets are usertcp's.
rm -f "$dir/k.out" "$dir/u.out"
bg timeout 60 socat -t 30 TCP-LISTEN:7102,bind=$K,reuseaddr STDIO < "$dir/u.bin" > "$dir/u.out" 2> "$dir/far.err"
far=$last
wait_listen 7102
bg timeout 60 "$bin" run --tap tap0 --ip $U/24 -- \
	socat -t 30 TCP-LISTEN:7103,bind=$U,reuseaddr TCP:$K:7102 2> "$dir/relay.err"
relay=$last
t0=$(now)
n=0
until nsx timeout 60 socat -t 30 TCP:$U:7103 STDIO < "$dir/k.bin" > "$dir/k.out" 2> "$dir/k.err"; do
	n=$((n + 1))
	[ "$n" -le 50 ] || fail "the kernel's socat to socat under usertcp run: $(cat "$dir/k.err" "$dir/relay.err")"
	sleep 0.2
done
wait_ok "$relay" "socat TCP-LISTEN -> TCP under usertcp run: $(cat "$dir/relay.err")"
wait_ok "$far" "the kernel's socat TCP-LISTEN: $(cat "$dir/far.err")"
check "TCP -> TCP"
echo "ok socat under usertcp run relayed 20 MB each way from a usertcp listener to the kernel's across the tap in $(since "$t0") s, SHA-256 match"
