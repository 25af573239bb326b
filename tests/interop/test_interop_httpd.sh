#!/bin/sh
# usertcp httpd served to the kernel's curl over a tap: a 100 MB file
# (SHA-256 compared), 100 keep-alive requests on one connection, 20
# connections at once, pipelined requests, the error statuses, and a clean
# stop on SIGTERM with a connection still open. The capture of the small
# requests is clean for tshark, HTTP included.
. "$(dirname "$0")/lib.sh"
need curl nc sha256sum
up

httpd_site 100
httpd_start
httpd_big

capture_start "$dir/tap.pcap"
httpd_keepalive

# 20 transfers at once, each on its own connection.
t0=$(now)
r=$(kcurl -Z --parallel-immediate --parallel-max 20 -w '%{num_connects}\n' -o "$dir/got/m#1.bin" "http://$U/m[1-20].bin" \
	2> "$dir/curl.err") || fail "parallel curl: $(cat "$dir/curl.err")"
conns=$(echo "$r" | awk '{ n += $1 } END { print n }')
[ "$conns" -ge 10 ] || fail "parallel: only $conns connections"
same_files m bin 20 parallel
echo "ok 20 files at once on $conns connections in $(since "$t0") s, all intact"

# Statuses, as curl sees them.
status() {
	want=$1
	shift
	got=$(kcurl -o /dev/null -w '%{http_code}' "$@")
	[ "$got" = "$want" ] || fail "curl $*: status $got, not $want"
}
status 200 "http://$U/sub/a.txt"
status 301 "http://$U/sub"
status 404 "http://$U/sub/"
status 404 "http://$U/nothing.here"
status 400 --path-as-is "http://$U/../../etc/passwd"
status 400 --path-as-is "http://$U/sub/%2e%2e/%2e%2e/etc/passwd"
status 405 -X POST -d x "http://$U/f1.txt"
status 405 -X DELETE "http://$U/f1.txt"
status 414 "http://$U/$(head -c 9000 /dev/zero | tr '\0' a)"
len=$(kcurl -I "http://$U/m1.bin" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[ "$len" = 262144 ] || fail "HEAD m1.bin: Content-Length '$len'"
ln -s /etc "$dir/www/etc"
status 404 "http://$U/etc/passwd"
echo "ok statuses: 200, 301, 404, 400 for .., 405, 414, HEAD's Content-Length, no way out of the root"

# Two requests in one write (pipelined): two answers, in order.
printf 'GET /f1.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /f2.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' |
	nsx timeout 20 nc -N $U 80 > "$dir/pipelined.out" || fail "pipelined requests: nc exited $?"
[ "$(grep -c '^HTTP/1.1 200 OK' "$dir/pipelined.out")" -eq 2 ] || fail "pipelined: $(cat "$dir/pipelined.out")"
grep -q "^$(cat "$dir/www/f1.txt")" "$dir/pipelined.out" && grep -q "^$(cat "$dir/www/f2.txt")" "$dir/pipelined.out" ||
	fail "pipelined: bodies missing"
echo "ok two pipelined requests, two answers, then the connection closed"
capture_stop
check_pcap "$dir/tap.pcap" 300 80

# A client that stays connected (its input open 3 s more) does not keep
# httpd from stopping: it gets our FIN, httpd waits a moment for its own
# and then closes anyway.
bg sh -c "{ printf 'GET /f3.txt HTTP/1.1\r\nHost: t\r\n\r\n'; sleep 3; } | timeout 20 nc $U 80" \
	> "$dir/idle.out"
idle=$last
wait_for "$dir/idle.out" "^file 3 of 100" || fail "the idle client got no answer"
httpd_stop
wait "$idle" || fail "the idle client ended with $?"
