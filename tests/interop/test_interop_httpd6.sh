#!/bin/sh
# usertcp httpd over IPv6, to the kernel's curl over a tap: listening on
# :: by default (both families), it serves a 50 MB file to
# curl -g 'http://[fd00:99::2]/' (SHA-256 compared), 100 keep-alive
# requests on one connection, a request to its link-local address with
# the zone (RFC 6874's %25), and an IPv4 request to the same socket, each
# client logged as [addr]:port, the IPv4 one v4-mapped; a second httpd
# bound by --listen '[ADDR]:PORT' to one IPv6 address refuses IPv4. The
# capture of the small requests is clean for tshark, HTTP included.
. "$(dirname "$0")/lib.sh"
need curl ping sha256sum
up
K6=fd00:99::1
U6=fd00:99::2
nsx ip -6 addr add "$K6/64" dev tap0 nodad || fail "cannot address tap0"

httpd_site 50
bg timeout 120 "$bin" httpd -v --tap tap0 --ip "$U/24" --ip "$U6/64" --root "$dir/www" \
	> "$dir/httpd.log" 2>&1
hpid=$last
wait_for "$dir/httpd.log" "serving" || fail "httpd did not start: $(cat "$dir/httpd.log")"
grep -q "on http://\[::\]:80/ (every address, IPv4 and IPv6)" "$dir/httpd.log" ||
	fail "httpd does not say it listens on :: for both families: $(cat "$dir/httpd.log")"
wait_ping6 "$U6" "$dir/httpd.log"

t0=$(now)
r=$(kcurl -g -o "$dir/got/big.bin" -w '%{http_code} %{size_download}' "http://[$U6]/big.bin") ||
	fail "curl -g http://[$U6]/big.bin: $r"
[ "${r%% *}" = 200 ] || fail "big.bin over IPv6: status ${r%% *}"
[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
	fail "big.bin over IPv6: got ${r#* } bytes of $(size "$dir/www/big.bin"), not the file"
rm -f "$dir/got/big.bin"
echo "ok curl -g fetched big.bin (50 MB) from [$U6] in $(since "$t0") s, SHA-256 match"
grep -q "^\[$K6\]:[0-9]* \"GET /big.bin HTTP/1.1\" 200 52428800$" "$dir/httpd.log" ||
	fail "httpd -v did not log the IPv6 client as [$K6]:port: $(tail -3 "$dir/httpd.log")"

capture_start "$dir/tap.pcap"
# curl's globbing leaves a bracketed IPv6 host alone.
t0=$(now)
r=$(kcurl -w '%{num_connects} %{http_code}\n' -o "$dir/got/f#1.txt" "http://[$U6]/f[1-100].txt") ||
	fail "curl f[1-100].txt over IPv6: $r"
conns=$(echo "$r" | awk '{ n += $1 } END { print n }')
oks=$(echo "$r" | grep -c ' 200$')
[ "$oks" -eq 100 ] && [ "$conns" -eq 1 ] || fail "keep-alive over IPv6: $oks answered 200 on $conns connections"
same_files f txt 100 "keep-alive over IPv6"
echo "ok 100 keep-alive requests on 1 IPv6 connection in $(since "$t0") s, every body right"

# The link-local address, with its zone in the URL.
usertcp_ll "$dir/httpd.log"
r=$(kcurl -g -o "$dir/got/ll.txt" -w '%{http_code}' "http://[$ull%25tap0]/f7.txt") ||
	fail "curl http://[$ull%25tap0]/: $r"
[ "$r" = 200 ] && cmp -s "$dir/got/ll.txt" "$dir/www/f7.txt" || fail "f7.txt over link-local: status $r"
grep -q "^\[$kll%tap0\]:[0-9]* \"GET /f7.txt HTTP/1.1\" 200 " "$dir/httpd.log" ||
	fail "httpd -v did not log the link-local client with its scope: $(tail -3 "$dir/httpd.log")"
echo "ok f7.txt from [$ull%tap0], logged as from [$kll%tap0]"

# IPv4 to the same socket: a v4-mapped peer.
r=$(kcurl -o "$dir/got/v4.txt" -w '%{http_code}' "http://$U/f9.txt") || fail "curl http://$U/: $r"
[ "$r" = 200 ] && cmp -s "$dir/got/v4.txt" "$dir/www/f9.txt" || fail "f9.txt over IPv4: status $r"
grep -q "^\[::ffff:$K\]:[0-9]* \"GET /f9.txt HTTP/1.1\" 200 " "$dir/httpd.log" ||
	fail "httpd -v did not log the IPv4 client as [::ffff:$K]:port: $(tail -3 "$dir/httpd.log")"
echo "ok f9.txt over IPv4 from the dual-stack listener, logged as [::ffff:$K]"
capture_stop
httpd_stop

# --listen '[ADDR]:PORT': that IPv6 address only.
bg timeout 60 "$bin" httpd --tap tap0 --ip "$U/24" --ip "$U6/64" --listen "[$U6]:8080" --root "$dir/www" \
	> "$dir/httpd.log" 2>&1
hpid=$last
wait_for "$dir/httpd.log" "serving" || fail "httpd --listen did not start: $(cat "$dir/httpd.log")"
grep -q "serving .* on http://\[$U6\]:8080/$" "$dir/httpd.log" ||
	fail "httpd --listen [$U6]:8080 says: $(cat "$dir/httpd.log")"
r=$(kcurl -g -o /dev/null -w '%{http_code}' "http://[$U6]:8080/f3.txt") || fail "curl [$U6]:8080: $r"
[ "$r" = 200 ] || fail "[$U6]:8080: status $r"
kcurl -o /dev/null "http://$U:8080/f3.txt" 2> "$dir/curl.err" &&
	fail "an httpd bound to $U6 answered on $U"
grep -q "Connection refused\|Failed to connect" "$dir/curl.err" || fail "curl to $U:8080: $(cat "$dir/curl.err")"
echo "ok --listen [$U6]:8080 serves there and refuses IPv4"
httpd_stop

check_pcap "$dir/tap.pcap" 200 80
echo "ok $name"
