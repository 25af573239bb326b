#!/bin/sh
# nginx under usertcp run (epoll, accept4, sendfile from a file to a
# usertcp socket, TCP_NODELAY and TCP_NOPUSH) serving the kernel's curl a
# 20 MB file (SHA-256 compared) and 100 small files on one keep-alive
# connection, then the kernel's wrk loading it, beside the same nginx on
# the kernel's sockets in the same namespace (docs/BENCHMARKS.md). nginx
# runs with `master_process off; daemon off;`: both would fork, and a
# forked child does not have the parent's usertcp sockets (docs/RUN.md).
. "$(dirname "$0")/lib.sh"
need nginx curl wrk sha256sum
up

mkdir -p "$dir/www" "$dir/got" "$dir/tmp" || fail "cannot make $dir/www"
mkdata "$dir/www/big.bin" 20
head -c 1024 /dev/urandom > "$dir/www/1k.bin"
i=1
while [ $i -le 100 ]; do
	echo "file $i $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/www/f$i.txt"
	i=$((i + 1))
done

# conf NAME ADDR PORT: an nginx.conf of the test's own, everything under $dir.
conf() {
	cat > "$dir/$1.conf" << CONF
worker_processes 1;
master_process off;
daemon off;
pid $dir/$1.pid;
error_log $dir/$1.err info;
events { worker_connections 512; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 1000;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	types { application/octet-stream bin; text/plain txt; }
	server {
		listen $2:$3;
		root $dir/www;
	}
}
CONF
}

conf u $U 8080
bg timeout 120 "$bin" run --tap tap0 --ip $U/24 -- nginx -p "$dir" -c "$dir/u.conf" > "$dir/u.log" 2>&1
srv=$last
n=0
until nsx curl -s -o /dev/null --max-time 2 "http://$U:8080/1k.bin"; do
	n=$((n + 1))
	[ "$n" -le 50 ] || fail "nginx under usertcp run does not answer: $(cat "$dir/u.log" "$dir/u.err")"
	sleep 0.2
done

t0=$(now)
kcurl -o "$dir/got/big.bin" "http://$U:8080/big.bin" 2> "$dir/kcurl.err" ||
	fail "the kernel's curl from nginx under usertcp run: $(cat "$dir/kcurl.err")"
[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
	fail "the kernel's curl got $(size "$dir/got/big.bin") bytes from nginx, not the file"
echo "ok the kernel's curl fetched 20 MB from nginx under usertcp run in $(since "$t0") s, SHA-256 match"

r=$(kcurl -w '%{num_connects} %{http_code}\n' -o "$dir/got/f#1.txt" "http://$U:8080/f[1-100].txt") ||
	fail "curl f[1-100].txt: $r"
conns=$(echo "$r" | awk '{ n += $1 } END { print n }')
oks=$(echo "$r" | grep -c ' 200$')
[ "$oks" -eq 100 ] && [ "$conns" -eq 1 ] || fail "keep-alive: $oks of 100 answered 200, on $conns connections"
i=1
while [ $i -le 100 ]; do
	cmp -s "$dir/www/f$i.txt" "$dir/got/f$i.txt" || fail "keep-alive: f$i.txt differs"
	i=$((i + 1))
done
echo "ok 100 requests on one keep-alive connection to nginx under usertcp run, every body right"

# wrk: 2 threads, 20 connections, 3 seconds of 1 KB responses; then the
# same nginx on the kernel's sockets, in the same namespace (wrk and nginx
# on one host: loopback-like, with no tap in between), for scale.
# wrk_rate ADDR PORT WHAT: requests per second, none failed.
wrk_rate() {
	nsx timeout 30 wrk -t 2 -c 20 -d "${WRK_SECONDS:-3}s" "http://$1:$2/1k.bin" > "$dir/wrk.out" 2>&1 ||
		fail "wrk against $3: $(cat "$dir/wrk.out")"
	! grep -q -e 'Non-2xx' -e 'Socket errors' "$dir/wrk.out" || fail "wrk against $3: $(cat "$dir/wrk.out")"
	rate=$(awk '/^Requests\/sec:/ { print $2 }' "$dir/wrk.out")
	[ -n "$rate" ] || fail "wrk against $3 printed no rate: $(cat "$dir/wrk.out")"
	echo "$rate"
}
ur=$(wrk_rate $U 8080 "nginx under usertcp run") || exit 1
echo "ok the kernel's wrk against nginx under usertcp run: $ur requests/s, all answered 200"

kill -TERM "$srv"
wait "$srv"
rc=$?
# nginx catches SIGTERM itself ("exiting") and exits 0.
[ "$rc" -eq 0 ] || fail "nginx under usertcp run exited $rc on SIGTERM: $(tail -5 "$dir/u.err")"
# Nothing nginx found wrong with a call (a setsockopt, an ioctl, accept4,
# sendfile) on the way: it logs those as [alert] or [crit].
bad=$(grep -E '\[(alert|crit|emerg|error)\]' "$dir/u.err" | head -5)
[ -z "$bad" ] || fail "nginx under usertcp run logged: $bad"
echo "ok nginx under usertcp run stopped on SIGTERM, nothing logged above [warn]"

conf k $K 8081
bg timeout 60 nginx -p "$dir" -c "$dir/k.conf" > "$dir/k.log" 2>&1
ksrv=$last
wait_listen 8081
kr=$(wrk_rate $K 8081 "the kernel's nginx") || exit 1
echo "the kernel's wrk against nginx on the kernel's sockets (same namespace): $kr requests/s"
echo "nginx under usertcp run: $ur requests/s, $(awk -v a="$ur" -v b="$kr" 'BEGIN { printf "%.0f", 100 * a / b }') % of the kernel-served nginx's"
kill -TERM "$ksrv"
wait "$ksrv"
