#!/bin/sh
# OpenBSD's nc under usertcp run (a poll() on standard input and a
# usertcp socket together) against the kernel's nc, 20 MB each way, SHA-256
# compared; and a program that exits with its connection open (bash's
# /dev/tcp) closes it on the way out, and so does one killed by SIGTERM
# or SIGHUP (the default action), which still ends by the signal: the
# kernel's peer reads the end of the stream rather than waiting for it.
. "$(dirname "$0")/lib.sh"
need nc bash python3 sha256sum
up

mkdata "$dir/u.bin" 20
mkdata "$dir/k.bin" 20

# usertcp run nc connecting; the kernel's nc listening.
rm -f "$dir/k.out"
bg timeout 60 nc -l -p 7000 > "$dir/k.out" < /dev/null
wait_listen 7000
t0=$(now)
nsx timeout 60 "$bin" run --tap tap0 --ip $U/24 -- nc -N $K 7000 < "$dir/u.bin" 2> "$dir/unc.err" ||
	fail "nc under usertcp run to the kernel's nc -l: $(cat "$dir/unc.err")"
wait_ok "$last" "the kernel's nc -l"
[ "$(sha "$dir/k.out")" = "$(sha "$dir/u.bin")" ] ||
	fail "the kernel's nc -l got $(size "$dir/k.out") bytes, not nc's file"
echo "ok nc under usertcp run sent 20 MB to the kernel's nc -l in $(since "$t0") s, intact"

# usertcp run nc listening; the kernel's nc connecting.
rm -f "$dir/u.out"
bg timeout 60 "$bin" run --tap tap0 --ip $U/24 -- nc -l -p 7001 > "$dir/u.out" < /dev/null
unc=$last
n=0
until nsx timeout 60 nc -N $U 7001 < "$dir/k.bin" 2> "$dir/knc.err"; do
	n=$((n + 1))
	[ "$n" -le 50 ] || fail "the kernel's nc to nc -l under usertcp run: $(cat "$dir/knc.err")"
	sleep 0.2
done
wait_ok "$unc" "nc -l under usertcp run"
[ "$(sha "$dir/u.out")" = "$(sha "$dir/k.bin")" ] ||
	fail "nc -l under usertcp run got $(size "$dir/u.out") bytes, not the kernel's file"
echo "ok the kernel's nc sent 20 MB to nc -l under usertcp run, intact"

# bash opens a connection on fd 3, reads a line and exits without
# closing it: the library's exit path must send the FIN.
cat > "$dir/eof.py" << PY
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("$K", 7002))
l.listen(1)
print("listening", flush=True)
c, _ = l.accept()
c.settimeout(10)
c.sendall(b"hello\n")
try:
    while c.recv(1000):
        pass
    print("end of stream", flush=True)
except OSError as e:
    print("no end of stream:", e, flush=True)
PY
bg timeout 30 python3 "$dir/eof.py" > "$dir/eof.out" 2>&1
peer=$last
wait_for "$dir/eof.out" listening || fail "the kernel's peer did not start: $(cat "$dir/eof.out")"
nsx timeout 30 "$bin" run --tap tap0 --ip $U/24 -- \
	bash -c "exec 3<>/dev/tcp/$K/7002; read -r l <&3; [ \"\$l\" = hello ] || exit 3; exit 0" ||
	fail "bash under usertcp run did not read the line (exit $?)"
wait "$peer"
grep -q "^end of stream" "$dir/eof.out" || fail "bash exited with its connection open: $(cat "$dir/eof.out")"
echo "ok a program exiting with its connection open sends the FIN"


# Killed by SIGTERM (15), then by SIGHUP (1), in the middle of sending: the
# kernel's nc sees the connection end at once (not at its timeout), and
# the program's exit status is the signal's. (Not SIGINT here: a shell
# starts background jobs with SIGINT ignored.)
for sig in 15 1; do
	bg "$bin" run --tap tap0 --ip $U/24 -- nc -l -p 7003 < /dev/zero > /dev/null
	unc=$last
	n=0
	while :; do
		rm -f "$dir/k.out"
		bg timeout 20 nc $U 7003 > "$dir/k.out"
		peer=$last
		sleep 0.5
		[ -s "$dir/k.out" ] && break
		n=$((n + 1))
		[ "$n" -le 20 ] || fail "nothing from nc -l under usertcp run"
	done
	t0=$(now)
	kill -$sig "$unc"
	wait "$unc"
	rc=$?
	[ "$rc" -eq $((128 + sig)) ] || fail "nc under usertcp run killed by signal $sig exited $rc"
	wait "$peer"
	prc=$?
	[ "$prc" -eq 0 ] || fail "after signal $sig the kernel's nc did not see the connection end (exit $prc)"
	echo "ok nc under usertcp run killed by signal $sig: the kernel's peer saw the end in $(since "$t0") s"
done
