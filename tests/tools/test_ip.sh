#!/bin/sh
# usertcp ip tcp_metrics: the endpoint's answer shown as ip(8) shows the
# kernel's TCP metrics, the flush asked with the endpoint's words, and
# clear refusals (an object other than tcp_metrics, a flush of one
# address, a stack that is not there). The endpoint here is a stand-in
# written in python3 that answers as src/core/sock_diag.c does and
# records the question; tests/sim/test_sock_diag.c holds the library's
# side to the cache itself.
set -u
bin=$1
tmp=${2:-/tmp}
fail() {
	echo "FAIL: $*"
	exit 1
}
command -v python3 > /dev/null 2>&1 || {
	echo "skipped: python3 is not installed (it plays the endpoint)"
	exit 77
}
XDG_RUNTIME_DIR=$tmp/ip_xdg.$$
export XDG_RUNTIME_DIR
if [ "$(id -u)" = 0 ]; then dir=/run/usertcp; else dir=$XDG_RUNTIME_DIR/usertcp; fi
mkdir -p "$dir" && chmod 700 "$dir" "$XDG_RUNTIME_DIR" 2> /dev/null
name=iptest-$$
log=$tmp/ip_questions.$$
trap 'kill $srv 2> /dev/null; rm -rf "$XDG_RUNTIME_DIR" "$dir/$name" "$log" "$log.ready"' EXIT

python3 - "$dir/$name" "$log" << 'PY' &
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o600)
s.listen(4)
open(log + ".ready", "w").close()  # listening: the socket file alone comes at bind()
answers = {
    b"tcp_metrics\n": b"192.0.2.1 1234 1460 9eaf5a0cbb5de33b 0\n"
                      b"2001:db8::7 5 0 - 0\n",
    b"tcp_metrics flush\n": b"",
}
while True:
    c, _ = s.accept()
    q = b""
    while not q.endswith(b"\n"):
        d = c.recv(64)
        if not d:
            break
        q += d
    with open(log, "ab") as f:
        f.write(q)
    c.sendall(answers.get(q, b"error: unknown request\n"))
    c.close()
PY
srv=$!
i=0
while [ ! -e "$log.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$log.ready" ] || fail "the stand-in endpoint did not start"

out=$("$bin" ip --stack "$name" tcp_metrics show) || fail "tcp_metrics show exited $?"
want='192.0.2.1 age 1.234sec fo_mss 1460 fo_cookie 9eaf5a0cbb5de33b
2001:db8::7 age 0.005sec'
[ "$out" = "$want" ] || fail "show printed '$out', not '$want'"
out=$("$bin" ip --stack "$name" tcp_metrics show 2001:db8::7) || fail "show ADDRESS exited $?"
[ "$out" = "2001:db8::7 age 0.005sec" ] || fail "show ADDRESS printed '$out'"
"$bin" ip --stack "$name" tcp_metrics flush all || fail "flush all exited $?"
grep -qx "tcp_metrics flush" "$log" || fail "flush did not ask the endpoint to flush"

"$bin" ip --stack "$name" tcp_metrics flush 192.0.2.1 2> "$tmp/ip_err.$$"
[ $? = 2 ] || fail "flush of one address was not refused"
grep -q "one address at a time is not supported" "$tmp/ip_err.$$" || fail "flush ADDRESS: no reason"
"$bin" ip route 2> "$tmp/ip_err.$$"
[ $? = 2 ] || fail "ip route was not refused"
grep -q "only the tcp_metrics object" "$tmp/ip_err.$$" || fail "ip route: no reason"
"$bin" ip --stack nosuch-$$ tcp_metrics 2> "$tmp/ip_err.$$"
[ $? = 1 ] || fail "a stack that is not there was not an error"
grep -q "is the stack running" "$tmp/ip_err.$$" || fail "a missing stack: no reason"
rm -f "$tmp/ip_err.$$"
echo "ok ip: tcp_metrics shown as ip shows them, flushed, and refusals explained"
