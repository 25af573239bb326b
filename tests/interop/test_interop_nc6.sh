#!/bin/sh
# usertcp nc against the kernel's nc over IPv6 on a tap, both ways round,
# 50 MB each way at once, SHA-256 compared: first with usertcp's address
# from SLAAC (scapy's router advertisement of fd00:99::/64, as in
# test_interop_slaac6), then over link-local addresses with their scope
# (fe80::...%tap0). usertcp nc -l listens on :: (dual stack) and must show
# each peer as the kernel's nc does; captures on the tap and usertcp's own
# must be clean for tshark.
. "$(dirname "$0")/lib.sh"
need nc ping sha256sum
need_scapy
up
K6=fd00:99::1
nsx ip -6 addr add "$K6/64" dev tap0 nodad || fail "cannot address tap0"

# nc6_to_usertcp PORT WHAT: usertcp nc -l is running ($upid, started with
# u.bin as input); the kernel's nc -6 connects to $target and both send
# 50 MB at once.
nc6_to_usertcp() {
	t0=$(now)
	nsx timeout 60 nc -6 -N "$target" "$1" < "$dir/k.bin" > "$dir/k.out" ||
		fail "kernel nc -6 $target $1 exited $?: $(cat "$dir/u.err")"
	wait_ok "$upid" "usertcp nc -l ($2): $(cat "$dir/u.err")"
	nc_compare "kernel nc -6 -> usertcp nc -l ($2)"
	echo "ok kernel nc -6 -> usertcp nc -l at $target ($2): 50 MB each way in $(since "$t0") s, SHA-256 match"
}

# nc6_from_usertcp PORT WHAT [usertcp options] HOST: usertcp nc connects
# to the kernel's nc -6 -l, 50 MB each way; usertcp keeps its input open
# until it has all of the kernel's file (the kernel's nc -l stops sending
# once its peer has closed). The kernel's -v line, with the peer it saw,
# is left in k.err.
nc6_from_usertcp() {
	port=$1 what=$2
	shift 2
	bg timeout 60 nc -6 -n -v -N -l -p "$port" < "$dir/k.bin" > "$dir/k.out" 2> "$dir/k.err"
	kpid=$last
	wait_listen "$port"
	want=$(size "$dir/k.bin")
	{
		cat "$dir/u.bin"
		n=0
		while [ "$(size "$dir/u.out")" -lt "$want" ] && [ $n -lt 1200 ]; do
			sleep 0.05
			n=$((n + 1))
		done
	} > "$dir/u.fifo" &
	feeder=$!
	pids="$pids $feeder"
	bg timeout 60 "$bin" nc -v --tap tap0 "$@" "$port" < "$dir/u.fifo" > "$dir/u.out" 2> "$dir/u.err"
	upid=$last
	t0=$(now)
	# The caller may advertise a prefix now: usertcp waits for an address.
	[ -z "${on_start:-}" ] || $on_start
	wait_ok "$upid" "usertcp nc $* ($what): $(cat "$dir/u.err")"
	wait "$feeder"
	wait_ok "$kpid" "kernel nc -6 -l ($what): $(cat "$dir/k.err")"
	nc_compare "usertcp nc -> kernel nc -6 -l ($what)"
	echo "ok usertcp nc -> kernel nc -6 -l at ${*##* } ($what): 50 MB each way in $(since "$t0") s, SHA-256 match"
}
rm -f "$dir/u.fifo"
mkfifo "$dir/u.fifo" || fail "cannot make a fifo"

# ---- SLAAC: the kernel to usertcp ------------------------------------------------
nc_data 50
bg timeout 60 "$bin" nc -v --tap tap0 --ipv6 -l 7001 < "$dir/u.bin" > "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on :: 7001" || fail "usertcp nc -l did not listen on ::: $(cat "$dir/u.err")"
ra_send
usertcp_ll "$dir/u.err"
target=fd00:99::${ull#fe80::}
wait_ping6 "$target" "$dir/u.err"
nc6_to_usertcp 7001 SLAAC
grep -q "^Connection received on $K6 [0-9]*$" "$dir/u.err" ||
	fail "usertcp nc -l -v did not show the peer as $K6: $(cat "$dir/u.err")"
echo "ok usertcp nc -l printed: $(grep '^Connection received' "$dir/u.err")"

# ---- SLAAC: usertcp to the kernel ------------------------------------------------
# A fresh usertcp (a new MAC) with no IPv6 address until the advertisement
# comes: nc waits for a source address rather than failing.
nc_data 50
on_start=ra_send
nc6_from_usertcp 7002 SLAAC --ipv6 "$K6"
on_start=
src=$(sed -n 's/^Connection received on \(fd00:99::[0-9a-f:]*\) [0-9]*$/\1/p' "$dir/k.err")
case $src in
fd00:99::*ff:fe*) ;;
*) fail "the kernel saw the connection come from '$src', not a SLAAC address: $(cat "$dir/k.err")" ;;
esac
grep -q "^Connection to $K6 7002 port \[tcp/\*\] succeeded!$" "$dir/u.err" ||
	fail "usertcp nc -v did not say it connected: $(cat "$dir/u.err")"
echo "ok the kernel saw usertcp connect from its SLAAC address $src"

# ---- link-local, with the scope: the kernel to usertcp -----------------------------
nc_data 50
bg timeout 60 "$bin" nc -v --tap tap0 --ipv6 -l 7003 < "$dir/u.bin" > "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
usertcp_ll "$dir/u.err"
target=$ull%tap0
nc6_to_usertcp 7003 link-local
grep -q "^Connection received on $kll%tap0 [0-9]*$" "$dir/u.err" ||
	fail "usertcp nc -l -v did not show the peer as $kll%tap0: $(cat "$dir/u.err")"
echo "ok usertcp nc -l printed: $(grep '^Connection received' "$dir/u.err")"

# ---- link-local, with the scope: usertcp to the kernel -----------------------------
nc_data 50
nc6_from_usertcp 7004 link-local --ipv6 "$kll%tap0"
grep -q "^Connection received on fe80::[0-9a-f:]*%tap0 [0-9]*$" "$dir/k.err" ||
	fail "the kernel did not see a link-local peer: $(cat "$dir/k.err")"
grep -q "^Connection to $kll%tap0 7004 port \[tcp/\*\] succeeded!$" "$dir/u.err" ||
	fail "usertcp nc -v did not name the peer with its scope: $(cat "$dir/u.err")"
echo "ok usertcp nc connected to $kll%tap0 from its link-local address"

# A link-local address without its interface is refused, with the fix.
"$bin" nc --tap tap0 --ipv6 "$kll" 7005 > /dev/null 2> "$dir/noscope.err" < /dev/null
rc=$?
[ "$rc" -eq 2 ] && grep -q "is link-local: name its interface too" "$dir/noscope.err" ||
	fail "a link-local address without scope: exit $rc, $(cat "$dir/noscope.err")"
echo "ok $kll without its scope is refused: $(cat "$dir/noscope.err")"

# ---- captures: 1 MB each way over link-local, on the tap and usertcp's own ----------
capture_start "$dir/tap.pcap"
nc_data 1
bg timeout 60 "$bin" nc -v --tap tap0 --ipv6 --pcap "$dir/usertcp.pcap" -l 7006 \
	< "$dir/u.bin" > "$dir/u.out" 2> "$dir/u.err"
upid=$last
wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
usertcp_ll "$dir/u.err"
t0=$(now)
nsx timeout 60 nc -6 -N "$ull%tap0" 7006 < "$dir/k.bin" > "$dir/k.out" ||
	fail "kernel nc -6 exited $?: $(cat "$dir/u.err")"
wait_ok "$upid" "usertcp nc -l --pcap: $(cat "$dir/u.err")"
nc_compare "kernel nc -6 -> usertcp nc -l --pcap"
capture_stop
check_pcap "$dir/tap.pcap" 40 7006
check_pcap "$dir/usertcp.pcap" 40 7006
echo "ok $name"
