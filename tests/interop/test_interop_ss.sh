#!/bin/sh
# usertcp ss and usertcp nstat against a running usertcp httpd, as ss and
# nstat are used against the kernel: with 100 connections held open by the
# kernel's side, `ss -tin` lists each of them with its TCP_INFO fields,
# `ss -tl` the listener with its backlog, a port filter and a state filter
# pick what they name; `nstat` shows the counters moving between two calls;
# without a running stack named, both say how to start one.
. "$(dirname "$0")/lib.sh"
need curl python3
up

name=ss-test-$$
httpd_site 1
httpd_start --diag "$name"

# 100 connections from the kernel, held open until $dir/release appears.
rm -f "$dir/release"
bg python3 -c '
import os, socket, sys, time
s = [socket.create_connection(("'$U'", 80)) for _ in range(100)]
print("ready", flush=True)
t = time.time()
while not os.path.exists(sys.argv[1]) and time.time() - t < 150:
    time.sleep(0.1)
' "$dir/release" > "$dir/hold.out" 2>&1
holder=$last
wait_for "$dir/hold.out" ready 30 || fail "the kernel could not open 100 connections: $(cat "$dir/hold.out")"
sleep 0.3

"$bin" ss -tin --stack "$name" > "$dir/ss.out" 2>&1 || fail "usertcp ss -tin: $(cat "$dir/ss.out")"
head -1 "$dir/ss.out" | grep -q "^State *Recv-Q *Send-Q *Local Address:Port *Peer Address:Port" ||
	fail "ss -tin: no header: $(head -3 "$dir/ss.out")"
est=$(grep -c "^ESTAB .* \[::ffff:$U\]:80 " "$dir/ss.out")
[ "$est" -eq 100 ] || fail "ss -tin listed $est connections, not 100: $(head -20 "$dir/ss.out")"
info=$(grep -c "^	 cubic .*wscale:[0-9]*,[0-9]* rto:[0-9.]* rtt:[0-9.]*/[0-9.]* .*mss:1448 .*cwnd:[0-9]* .*segs_in:[0-9]* .*minrtt:[0-9.]* snd_wnd:[0-9]*" "$dir/ss.out")
[ "$info" -eq 100 ] || fail "ss -tin: $info of 100 connections with their TCP_INFO line: $(sed -n 2,3p "$dir/ss.out")"
echo "ok usertcp ss -tin: 100 connections, each with cc, wscale, rto, rtt, mss, cwnd, segs, minrtt, snd_wnd"
echo "   $(sed -n 2p "$dir/ss.out")"
echo "   $(sed -n 3p "$dir/ss.out")"

"$bin" ss -tl -H --stack "$name" > "$dir/ssl.out" 2>&1 || fail "usertcp ss -tl: $(cat "$dir/ssl.out")"
grep -q "^LISTEN *0 *[1-9][0-9]* *\*:80 *\*:\*" "$dir/ssl.out" ||
	fail "ss -tl: no listener on port 80 with its backlog: $(cat "$dir/ssl.out")"
[ "$(grep -c . "$dir/ssl.out")" -eq 1 ] || fail "ss -tl listed more than the listener: $(cat "$dir/ssl.out")"
echo "ok usertcp ss -tl: $(cat "$dir/ssl.out")"

one=$(grep "^ESTAB" "$dir/ss.out" | head -1 | awk '{ print $5 }')
port=${one##*:}
"$bin" ss -tn -H --stack "$name" "( dport = :$port )" > "$dir/ssf.out" 2>&1 || fail "ss with a port filter: $(cat "$dir/ssf.out")"
[ "$(grep -c "^ESTAB" "$dir/ssf.out")" -eq 1 ] || fail "ss ( dport = :$port ): $(cat "$dir/ssf.out")"
"$bin" ss -tn -H --stack "$name" state listening > "$dir/sss.out" 2>&1 || fail "ss state listening: $(cat "$dir/sss.out")"
grep -q "^LISTEN" "$dir/sss.out" && ! grep -q "^ESTAB" "$dir/sss.out" || fail "ss state listening: $(cat "$dir/sss.out")"
"$bin" ss -tnmoe -H --stack "$name" > "$dir/ssm.out" 2>&1 || fail "ss -tnmoe: $(cat "$dir/ssm.out")"
grep -q "skmem:(r[0-9]*,rb[0-9]*,t0,tb[0-9]*,f[0-9]*,w[0-9]*,o0,bl0,d0)" "$dir/ssm.out" || fail "ss -m: $(head -2 "$dir/ssm.out")"
grep -q "uid:0 sk:[0-9a-f]* fd:[0-9]* stack:0" "$dir/ssm.out" || fail "ss -e: $(head -2 "$dir/ssm.out")"
echo "ok usertcp ss: a port filter, a state filter, -m, -o and -e"

# nstat: what moved between two calls.
"$bin" nstat --stack "$name" -r > /dev/null 2>&1 || fail "usertcp nstat -r"
kcurl -o /dev/null "http://$U/f1.txt" || fail "curl f1.txt"
"$bin" nstat --stack "$name" > "$dir/nstat.out" 2>&1 || fail "usertcp nstat: $(cat "$dir/nstat.out")"
grep -q "^TcpPassiveOpens  *1 " "$dir/nstat.out" || fail "nstat after one more connection: $(cat "$dir/nstat.out")"
"$bin" nstat --stack "$name" -a TcpPassiveOpens > "$dir/nstat2.out" 2>&1 || fail "nstat -a"
opens=$(awk '$1 == "TcpPassiveOpens" { print $2 }' "$dir/nstat2.out")
[ "${opens:-0}" -ge 101 ] || fail "nstat -a: TcpPassiveOpens ${opens:-missing}: $(cat "$dir/nstat2.out")"
echo "ok usertcp nstat: TcpPassiveOpens moved by 1 between two calls ($opens in all)"

touch "$dir/release"
wait "$holder" 2> /dev/null
httpd_stop
# The endpoint went with the stack, and the tools say so.
out=$("$bin" ss -t --stack "$name" 2>&1) && fail "ss of a stopped stack succeeded: $out"
echo "$out" | grep -q "is the stack running" || fail "ss of a stopped stack: $out"
echo "ok with the stack gone: $out"
