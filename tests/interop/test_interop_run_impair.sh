#!/bin/sh
# usertcp's own impairments under usertcp run (--loss, --delay ..., passed
# to the preload library as USERTCP_IMPAIR and read by the tools' parser):
# python's http.server under usertcp run on a path that loses 2% of
# packets each way and delays them 5 ms serves the kernel's curl 5 MB
# intact, and the running program's stack, asked with usertcp nstat,
# counts the retransmissions the losses cost, and --nstat prints them
# when the program ends; bad values are refused before it starts.
. "$(dirname "$0")/lib.sh"
need curl python3 sha256sum
up

mkdir -p "$dir/www" "$dir/got" || fail "cannot make $dir/www"
mkdata "$dir/www/f.bin" 5

name=impair-$$
bg "$bin" run --tap tap0 --ip $U/24 --loss 2 --delay 5 --seed 7 --diag "$name" --nstat -- \
	python3 -m http.server --bind $U --directory "$dir/www" 8002 > "$dir/uhttp.log" 2>&1
srv=$last
wait_http "http://$U:8002/" "http.server under usertcp run --loss does not answer" "$dir/uhttp.log"
kcurl -o "$dir/got/f.bin" "http://$U:8002/f.bin" 2> "$dir/kcurl.err" ||
	fail "the kernel's curl over the lossy path: $(cat "$dir/kcurl.err")"
[ "$(sha "$dir/got/f.bin")" = "$(sha "$dir/www/f.bin")" ] ||
	fail "the kernel's curl got $(size "$dir/got/f.bin") bytes over the lossy path, not the file"
retrans=$("$bin" nstat --stack "$name" -a TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }')
[ "${retrans:-0}" -gt 0 ] ||
	fail "no retransmission on a path losing 2%: the impairments were not applied"
echo "ok 5 MB from http.server under usertcp run --loss 2 --delay 5, intact, $retrans segments retransmitted"
kill -TERM "$srv"
wait_gone "$srv" "http.server under usertcp run did not stop on SIGTERM"
grep -q "^#usertcp run: the stack's counters at exit" "$dir/uhttp.log" ||
	fail "--nstat printed no counters at exit: $(tail -3 "$dir/uhttp.log")"
atexit=$(awk '$1 == "TcpRetransSegs" { print $2 }' "$dir/uhttp.log")
[ "${atexit:-0}" -ge "$retrans" ] ||
	fail "--nstat says TcpRetransSegs ${atexit:-0} at exit, fewer than the $retrans seen running"
grep -q "^tap0:tx_packets " "$dir/uhttp.log" || fail "--nstat printed no device counters"
echo "ok --nstat: TcpRetransSegs $atexit and the device's counters printed when the program ended"

"$bin" run --tap tap0 --ip $U/24 --loss many -- true 2> "$dir/bad.err"
[ $? = 2 ] || fail "--loss many was not refused"
grep -q "loss" "$dir/bad.err" || fail "--loss many: no reason given: $(cat "$dir/bad.err")"
echo "ok usertcp run refuses --loss many before starting the program"
