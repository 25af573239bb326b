#!/bin/sh
# What the kernel's peer sees when a program under usertcp run ends
# (docs/RUN.md, "Killed processes"):
#  - killed by SIGKILL, or crashing (SIGSEGV): nothing. The stack dies with
#    the process, so no FIN and no RST leave; the peer's connection stays
#    established, and what it sends goes unanswered (its retransmissions
#    pile up) until something answers for the address again: a new
#    usertcp stack on the same tap, knowing no such connection, answers
#    the next retransmission with a RST, as Linux does for a segment of a
#    connection it does not have (a rebooted host).
#  - exiting with data it never read: RST (Linux's rule, RFC 2525 2.17),
#    the same as the kernel's own for the same program; exiting having
#    read everything: FIN.
. "$(dirname "$0")/lib.sh"
need python3 ss
up

# The kernel's client: connects (trying for up to 30 s) to the server
# under usertcp run, reads its greeting, then, once the file named by
# argv[2] exists (the server is dead), expects silence for 1.5 s, sends a
# line, and waits (up to 25 s) for what comes: it prints what it saw at
# each step.
cat > "$dir/peer.py" << 'PY'
import os, socket, sys, time
host, dead = sys.argv[1], sys.argv[2]
deadline = time.time() + 30
while True:
    try:
        s = socket.create_connection((host, 7200), timeout=1)
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.2)
s.settimeout(10)
if s.recv(100) != b"hi\n":
    sys.exit("no greeting")
print("connected", flush=True)
while not os.path.exists(dead):
    time.sleep(0.05)
s.settimeout(1.5)
try:
    d = s.recv(100)
    print("FIN" if not d else "data", flush=True)
    sys.exit(1)
except socket.timeout:
    print("silence", flush=True)
except ConnectionResetError:
    print("RST", flush=True)
    sys.exit(1)
s.sendall(b"anyone there?\n")
print("sent", flush=True)
s.settimeout(25)
try:
    d = s.recv(100)
    print("FIN" if not d else "data", flush=True)
except socket.timeout:
    print("no answer", flush=True)
except ConnectionResetError:
    print("reset", flush=True)
PY

# The server under usertcp run: greets the one client, then waits; with
# argument "crash" it dies of SIGSEGV when told (the file in argv[2]).
cat > "$dir/server.py" << 'PY'
import ctypes, os, socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 7200))
l.listen(1)
c, _ = l.accept()
c.sendall(b"hi\n")
while True:
    if sys.argv[3] == "crash" and os.path.exists(sys.argv[2]):
        ctypes.string_at(0)
    time.sleep(0.05)
PY

# kconn: the kernel's connection to port 7200, as ss shows it.
kconn() {
	nsx ss -tinH state established "( dport = :7200 )"
}

for how in SIGKILL SIGSEGV; do
	rm -f "$dir/dead" "$dir/crash" "$dir/peer.out"
	bg "$bin" run --tap tap0 --ip $U/24 -- python3 "$dir/server.py" $U "$dir/crash" \
		"$([ $how = SIGSEGV ] && echo crash || echo wait)" > "$dir/server.log" 2>&1
	srv=$last
	bg timeout 60 python3 "$dir/peer.py" $U "$dir/dead" > "$dir/peer.out" 2>&1
	peer=$last
	# up to 30 s: under CI's load the program under usertcp run once
	# took over 10 s to start listening
	wait_for "$dir/peer.out" connected 30 || fail "$how: the kernel's client did not connect: $(cat "$dir/peer.out" "$dir/server.log")"
	if [ $how = SIGKILL ]; then
		kill -KILL "$srv"
	else
		touch "$dir/crash"
	fi
	wait "$srv"
	rc=$?
	sig=$([ $how = SIGKILL ] && echo 9 || echo 11)
	[ "$rc" -eq $((128 + sig)) ] || fail "$how: the server under usertcp run ended with status $rc"
	touch "$dir/dead"
	wait_for "$dir/peer.out" sent 5 || fail "$how: $(cat "$dir/peer.out")"
	grep -q silence "$dir/peer.out" || fail "$how: the kernel's peer did not see silence: $(cat "$dir/peer.out")"
	# Still established on the kernel's side, and what it sent is
	# unacknowledged and retransmitted: nothing answers.
	sleep 1
	st=$(kconn)
	echo "$st" | grep -q 'unacked:' || fail "$how: the kernel's connection: '$st' (established, data unacknowledged, expected)"
	# (backoff: the retransmission timer fired and doubled, unanswered)
	echo "$st" | grep -q 'backoff:[1-9]' || fail "$how: the kernel's retransmission timer never fired: '$st'"
	echo "ok $how: the kernel's peer saw no FIN and no RST; its data went unanswered ($(echo "$st" | grep -o 'backoff:[0-9]*'), $(echo "$st" | grep -o 'unacked:[0-9]*'))"
	# Something answers for the address again: a new stack on the tap.
	bg timeout 30 "$bin" run --tap tap0 --ip $U/24 -- \
		python3 -c 'import socket, time; s = socket.socket(); time.sleep(30)' > "$dir/again.log" 2>&1
	again=$last
	wait_for "$dir/peer.out" 'reset\|FIN\|data\|no answer' 28 || fail "$how: the kernel's peer: $(cat "$dir/peer.out")"
	wait "$peer"
	kill "$again" 2> /dev/null
	wait "$again"
	grep -q reset "$dir/peer.out" || fail "$how: after a new stack came up the kernel's peer saw: $(tail -1 "$dir/peer.out")"
	echo "ok $how: once a new usertcp stack held the tap, the kernel's next retransmission was answered with a RST"
done

# A program that exits with data unread resets its connection; one that
# read everything ends it with a FIN. The same program on the kernel's
# sockets (in the namespace, to its own address) gives the same.
cat > "$dir/listen.py" << 'PY'
import socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(1)
print("listening", flush=True)
c, _ = l.accept()
c.sendall(b"x" * 1000)
c.settimeout(10)
try:
    while c.recv(1000):
        pass
    print("FIN", flush=True)
except ConnectionResetError:
    print("RST", flush=True)
except socket.timeout:
    print("nothing", flush=True)
PY
# bash keeps a connection on fd 3 (/dev/tcp) and exits without closing
# it: Linux's closing of the process's descriptors, or the library's at
# exit under usertcp run, ends it. Python's os._exit ends the process
# without exit's handlers (and without closing its socket objects).
cat > "$dir/exit.py" << 'PY'
import os, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.settimeout(10)
if sys.argv[3] == "read":
    got = 0
    while got < 1000:
        got += len(s.recv(1000))
else:
    s.recv(1, socket.MSG_PEEK)
os._exit(0)
PY
port=7300
for mode in unread read; do
	want=$([ $mode = unread ] && echo RST || echo FIN)
	if [ $mode = unread ]; then
		script="exec 3<>/dev/tcp/$K/\$1; read -r -t 10 -n 1 x <&3 || exit 3; exit 0"
	else
		script="exec 3<>/dev/tcp/$K/\$1; read -r -t 10 -N 1000 x <&3 || exit 3; exit 0"
	fi
	for where in kernel usertcp kernel-_exit usertcp-_exit; do
		port=$((port + 1))
		rm -f "$dir/listen.out"
		bg timeout 20 python3 "$dir/listen.py" $K $port > "$dir/listen.out" 2>&1
		lpid=$last
		wait_for "$dir/listen.out" listening || fail "the kernel's listener: $(cat "$dir/listen.out")"
		case $where in
		kernel) nsx timeout 20 bash -c "$script" bash $port ;;
		usertcp) nsx timeout 20 "$bin" run --tap tap0 --ip $U/24 -- bash -c "$script" bash $port ;;
		kernel-_exit) nsx timeout 20 python3 "$dir/exit.py" $K $port $mode ;;
		usertcp-_exit) nsx timeout 20 "$bin" run --tap tap0 --ip $U/24 -- python3 "$dir/exit.py" $K $port $mode ;;
		esac || fail "data $mode, $where (exit $?)"
		wait "$lpid"
		got=$(tail -1 "$dir/listen.out")
		[ "$got" = "$want" ] || fail "a program exiting, data $mode, $where: its peer saw $got, not $want"
	done
	echo "ok a program exiting (exit and _exit) with the data $mode: its peer sees $want, under usertcp run as on the kernel's sockets"
done
