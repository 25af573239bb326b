#!/bin/sh
# Unmodified programs on usertcp (usertcp run, docs/RUN.md) against the
# kernel's over a tap: curl (and wget) under usertcp run fetching a 20 MB
# file from the kernel's python3 -m http.server, and the kernel's curl fetching it
# from python3 -m http.server under usertcp run (a threaded server on
# poll(), 10 clients at once), each file's SHA-256 compared, and the
# kernel's ab with 500 requests; then the server stops on SIGTERM and
# leaves no process behind.
. "$(dirname "$0")/lib.sh"
need curl python3 sha256sum
up

mkdir -p "$dir/www" "$dir/got" || fail "cannot make $dir/www"
mkdata "$dir/www/big.bin" 20
for i in 1 2 3 4 5 6 7 8 9 10; do
	mkdata "$dir/www/m$i.bin" 1
done

# curl on usertcp, the server the kernel's.
bg python3 -m http.server --bind $K --directory "$dir/www" 8000 > "$dir/khttp.log" 2>&1
wait_listen 8000
t0=$(now)
nsx timeout 60 "$bin" run --tap tap0 --ip $U/24 -- curl -sS --max-time 50 -o "$dir/got/big.bin" \
	"http://$K:8000/big.bin" 2> "$dir/ucurl.err" || fail "curl under usertcp run: $(cat "$dir/ucurl.err")"
[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
	fail "curl under usertcp run got $(size "$dir/got/big.bin") bytes, not the file"
echo "ok curl under usertcp run fetched 20 MB from the kernel's http.server in $(since "$t0") s, intact"

# wget too (its own poll/select and read loop), if installed.
if command -v wget > /dev/null 2>&1; then
	rm -f "$dir/got/big.bin"
	nsx timeout 60 "$bin" run --tap tap0 --ip $U/24 -- wget -q -T 50 -O "$dir/got/big.bin" \
		"http://$K:8000/big.bin" 2> "$dir/uwget.err" || fail "wget under usertcp run: $(cat "$dir/uwget.err")"
	[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
		fail "wget under usertcp run got $(size "$dir/got/big.bin") bytes, not the file"
	echo "ok wget under usertcp run fetched 20 MB from the kernel's http.server, intact"
else
	echo "skipped the wget part: wget is not installed"
fi

# The server on usertcp, curl the kernel's.
bg "$bin" run --tap tap0 --ip $U/24 -- python3 -m http.server --bind $U --directory "$dir/www" 8001 \
	> "$dir/uhttp.log" 2>&1
srv=$last
wait_http "http://$U:8001/m1.bin" "http.server under usertcp run does not answer" "$dir/uhttp.log"
t0=$(now)
rm -f "$dir/got/big.bin"
kcurl -o "$dir/got/big.bin" "http://$U:8001/big.bin" 2> "$dir/kcurl.err" ||
	fail "the kernel's curl from http.server under usertcp run: $(cat "$dir/kcurl.err")"
[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
	fail "the kernel's curl got $(size "$dir/got/big.bin") bytes, not the file"
echo "ok the kernel's curl fetched 20 MB from http.server under usertcp run in $(since "$t0") s, intact"

kcurl -Z --parallel-immediate --parallel-max 10 -o "$dir/got/m#1.bin" "http://$U:8001/m[1-10].bin" \
	2> "$dir/kcurl.err" || fail "10 at once: $(cat "$dir/kcurl.err")"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(sha "$dir/got/m$i.bin")" = "$(sha "$dir/www/m$i.bin")" ] || fail "10 at once: m$i.bin differs"
done
echo "ok 10 files at once from http.server under usertcp run, all intact"

# The kernel's ab loading it: 500 requests, 10 at a time, none failed.
if command -v ab > /dev/null 2>&1; then
	nsx timeout 120 ab -q -n 500 -c 10 "http://$U:8001/m1.bin" > "$dir/ab.out" 2>&1 ||
		fail "ab against http.server under usertcp run: $(tail -5 "$dir/ab.out")"
	grep -q '^Complete requests: *500$' "$dir/ab.out" && grep -q '^Failed requests: *0$' "$dir/ab.out" ||
		fail "ab: $(grep -E 'requests' "$dir/ab.out")"
	echo "ok the kernel's ab: 500 requests to http.server under usertcp run, none failed, $(awk '/^Requests per second/ { print $4 }' "$dir/ab.out") per second"
else
	echo "skipped the ab part: ab is not installed"
fi

kill -TERM "$srv"
wait_gone "$srv" "http.server under usertcp run did not stop on SIGTERM"
echo "ok http.server under usertcp run stopped on SIGTERM"
