#!/bin/sh
# IPv6 under usertcp run (AF_INET6 sockets are usertcp's by default,
# docs/RUN.md): python3 -m http.server on [::] under usertcp run serves the
# kernel's curl over IPv6 and over IPv4 on the same dual-stack socket (the
# IPv4 client logged as ::ffff:10.99.0.1); curl under usertcp run fetches
# from the kernel's http.server over IPv6; every file's SHA-256 compared.
# With USERTCP_INET6=eafnosupport the program's AF_INET6 socket is refused.
. "$(dirname "$0")/lib.sh"
need curl python3 sha256sum
up
K6=fd00:99::1
U6=fd00:99::2
nsx ip -6 addr add "$K6/64" dev tap0 nodad || fail "cannot address tap0"

mkdir -p "$dir/www" "$dir/got" || fail "cannot make $dir/www"
mkdata "$dir/www/big.bin" 10

bg "$bin" run --tap tap0 --ip $U/24 --ip $U6/64 -- python3 -m http.server --bind :: \
	--directory "$dir/www" 8000 > "$dir/uhttp.log" 2>&1
srv=$last
# (duplicate address detection first: about a second)
n=0
until nsx curl -sS -g -o "$dir/got/big6.bin" --max-time 5 "http://[$U6]:8000/big.bin" 2> "$dir/curl6.err"; do
	n=$((n + 1))
	[ "$n" -le 30 ] || fail "http.server on [::] under usertcp run: $(cat "$dir/curl6.err") $(cat "$dir/uhttp.log")"
	sleep 0.3
done
[ "$(sha "$dir/got/big6.bin")" = "$(sha "$dir/www/big.bin")" ] || fail "over IPv6: not the file"
echo "ok the kernel's curl fetched 10 MB over IPv6 from http.server on [::] under usertcp run, intact"
kcurl -o "$dir/got/big4.bin" "http://$U:8000/big.bin" 2> "$dir/curl4.err" ||
	fail "over IPv4 to the [::] socket: $(cat "$dir/curl4.err")"
[ "$(sha "$dir/got/big4.bin")" = "$(sha "$dir/www/big.bin")" ] || fail "over IPv4: not the file"
wait_for "$dir/uhttp.log" "^::ffff:$K " || fail "the IPv4 client is not logged as ::ffff:$K: $(cat "$dir/uhttp.log")"
echo "ok and over IPv4 from the same dual-stack socket, the client seen as ::ffff:$K"
kill -TERM "$srv"
wait "$srv"

# curl under usertcp run, over IPv6, from the kernel's http.server: at
# once, the library waiting out duplicate address detection at the first
# socket, rather than curl's connect finding the address tentative.
bg python3 -m http.server --bind "$K6" --directory "$dir/www" 8001 > "$dir/khttp.log" 2>&1
wait_listen 8001
rm -f "$dir/got/big6.bin"
nsx timeout 60 "$bin" run --tap tap0 --ip $U6/64 -- curl -sS -g --max-time 20 -o "$dir/got/big6.bin" \
	"http://[$K6]:8001/big.bin" 2> "$dir/ucurl6.err" ||
	fail "curl under usertcp run over IPv6: $(cat "$dir/ucurl6.err")"
[ "$(sha "$dir/got/big6.bin")" = "$(sha "$dir/www/big.bin")" ] || fail "curl under usertcp run over IPv6: not the file"
echo "ok curl under usertcp run fetched 10 MB over IPv6 from the kernel's http.server, intact"

# USERTCP_INET6=eafnosupport: refused, as by a kernel without IPv6.
out=$(nsx "$bin" run --inet6 eafnosupport --tap tap0 --ip $U/24 -- python3 -c '
import socket
try:
    socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    print("made")
except OSError as e:
    print(e.errno == 97 and "EAFNOSUPPORT" or e)
') || fail "--inet6 eafnosupport: python exited $?"
[ "$out" = EAFNOSUPPORT ] || fail "--inet6 eafnosupport: $out"
echo "ok --inet6 eafnosupport refuses an AF_INET6 socket with EAFNOSUPPORT"
