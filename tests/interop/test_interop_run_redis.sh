#!/bin/sh
# redis-server under usertcp run (epoll, its own event loop, background
# threads) with the kernel's redis-cli: SET and GET of a 1 MB value,
# compared byte for byte; the kernel's redis-benchmark against it beside a
# kernel redis-server in the same namespace (docs/BENCHMARKS.md); and
# redis-cli under usertcp run against the kernel's redis-server, the same
# 1 MB value both ways.
. "$(dirname "$0")/lib.sh"
need redis-server redis-cli redis-benchmark sha256sum
up

mkdata "$dir/v.bin" 1
mkdir -p "$dir/kdata" "$dir/udata" || fail "cannot make $dir/udata"

# server DIR ADDR PORT: a redis-server with nothing saved to disk.
server_args() {
	echo "--port $3 --bind $2 --dir $dir/$1 --save '' --appendonly no --protected-mode no --daemonize no --logfile ''"
}

# setget WHAT CLI...: SET the value with CLI (redis-cli -x puts standard
# input as the last argument), GET it back and compare; --raw prints it
# as it is, with a newline after.
setget() {
	what=$1
	shift
	r=$("$@" -x SET big < "$dir/v.bin" 2>&1) || fail "$what: SET: $r"
	[ "$r" = OK ] || fail "$what: SET answered $r"
	"$@" --raw GET big > "$dir/got.out" 2> "$dir/cli.err" || fail "$what: GET: $(cat "$dir/cli.err")"
	[ "$(size "$dir/got.out")" -eq $(($(size "$dir/v.bin") + 1)) ] ||
		fail "$what: GET gave $(size "$dir/got.out") bytes for a value of $(size "$dir/v.bin")"
	[ "$(head -c "$(size "$dir/v.bin")" "$dir/got.out" | sha256sum | cut -d' ' -f1)" = "$(sha "$dir/v.bin")" ] ||
		fail "$what: GET gave another value"
	r=$("$@" STRLEN big 2>&1)
	[ "$r" = "$(size "$dir/v.bin")" ] || fail "$what: STRLEN answered $r"
}

# bench WHAT HOST PORT: the kernel's redis-benchmark, SET and GET per second.
bench() {
	nsx timeout 60 redis-benchmark -h "$2" -p "$3" -q -n "${REDIS_BENCH_N:-20000}" -t set,get \
		> "$dir/bench.out" 2>&1 || fail "redis-benchmark against $1: $(cat "$dir/bench.out")"
	tr '\r' '\n' < "$dir/bench.out" | awk '/^(SET|GET): [0-9.]+ requests per second/ { printf "%s %s  ", $1, $2 }'
}

eval "bg timeout 120 $bin run --tap tap0 --ip $U/24 -- redis-server $(server_args udata $U 6380)" > "$dir/u.log" 2>&1
srv=$last
n=0
until [ "$(nsx redis-cli -h $U -p 6380 PING 2> /dev/null)" = PONG ]; do
	n=$((n + 1))
	[ "$n" -le 50 ] || fail "redis-server under usertcp run does not answer: $(cat "$dir/u.log")"
	sleep 0.2
done
setget "the kernel's redis-cli -> redis-server under usertcp run" nsx timeout 30 redis-cli -h $U -p 6380
echo "ok the kernel's redis-cli: SET and GET of 1 MB to redis-server under usertcp run, the same value back"
ub=$(bench "redis-server under usertcp run" $U 6380) || exit 1
echo "$ub" | grep -q 'SET:.*GET:' || fail "redis-benchmark printed no figures: $(cat "$dir/bench.out")"
echo "ok the kernel's redis-benchmark against redis-server under usertcp run: $ub(requests per second)"
kill -TERM "$srv"
wait "$srv"
rc=$?
[ "$rc" -eq 0 ] || fail "redis-server under usertcp run exited $rc on SIGTERM: $(tail -5 "$dir/u.log")"
echo "ok redis-server under usertcp run stopped on SIGTERM"

eval "bg timeout 120 redis-server $(server_args kdata $K 6379)" > "$dir/k.log" 2>&1
ksrv=$last
wait_listen 6379
kb=$(bench "the kernel's redis-server" $K 6379) || exit 1
echo "the kernel's redis-benchmark against a kernel redis-server (same namespace): $kb(requests per second)"

setget "redis-cli under usertcp run -> the kernel's redis-server" nsx timeout 30 "$bin" run --tap tap0 --ip $U/24 -- \
	redis-cli -h $K -p 6379
echo "ok redis-cli under usertcp run: SET and GET of 1 MB to the kernel's redis-server, the same value back"
kill -TERM "$ksrv"
wait "$ksrv"
