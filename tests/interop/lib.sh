# Sourced by tests/interop/test_*.sh, which run usertcp against the Linux
# kernel's own tools over a tap interface in a network namespace made for
# the test (scripts/netns-tap.sh) and removed when it ends, however it ends.
#
#   namespace $ns:  kernel 10.99.0.1/24 on tap0  <->  usertcp 10.99.0.2/24
#
# Arguments: $1 the usertcp program, $2 a directory for the test's files.
# Without root, /dev/net/tun or `ip netns` the test prints `skipped: <why>`
# and exits 77, which CTest reports as skipped: never as passed.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
name=$(basename "$0" .sh)
dir=${2:-/tmp}/$name
K=10.99.0.1
U=10.99.0.2
pids=
ns=

# USERTCP_INTEROP_OFFLOAD=off (CTest's *_no_offload runs of every test):
# each usertcp command gets --no-offload, so the whole test runs on plain
# frames, without virtio-net headers and the kernel's offloads; every
# capture then has complete TCP checksums, which check_pcap verifies.
no_offload=false
if [ "${USERTCP_INTEROP_OFFLOAD:-on}" = off ]; then
	no_offload=true
	mkdir -p "$dir" || exit 1
	# (ss and nstat attach to nothing: they ask a running stack)
	printf '#!/bin/sh\ncmd=$1\nshift\ncase $cmd in ss | nstat) exec %s "$cmd" "$@" ;; esac\nexec %s "$cmd" --no-offload "$@"\n' "$bin" "$bin" > "$dir/usertcp-no-offload"
	chmod +x "$dir/usertcp-no-offload"
	bin=$dir/usertcp-no-offload
	echo "every usertcp command with --no-offload (USERTCP_INTEROP_OFFLOAD=off)"
fi

skip() {
	echo "skipped: $*"
	exit 77
}

# The programs under usertcp run are the system's, uninstrumented. In a
# sanitizer build the library needs AddressSanitizer's runtime loaded
# before it, which usertcp run preloads, and some programs do not survive
# that runtime preloaded, whatever the library: curl waits for ever in
# its first setlocale. The library's own code runs under the sanitizers
# in test_preload and test_errno_differential_preload; these tests run it
# under real programs in the plain build.
case $name in
test_interop_run*)
	if ldd "$1" 2> /dev/null | grep -q libasan; then
		skip "a sanitizer build: uninstrumented programs would run with AddressSanitizer's runtime preloaded, which curl does not survive even without usertcp (the library runs under the sanitizers in test_preload and test_errno_differential_preload; this test runs in the plain build)"
	fi
	;;
esac

fail() {
	echo "FAIL: $*"
	exit 1
}

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	# The data files are large; what is left helps only when a test failed.
	rm -f "$dir"/*.bin "$dir"/*.out
}

# Runs in the namespace.
nsx() {
	ip netns exec "$ns" "$@"
}

# Starts a command in the namespace in the background, remembered for
# cleanup; its pid is in $last. Standard input is the caller's: the shell
# gives a background command /dev/null unless it redirects its own, and
# fd 0 itself is replaced before that redirection, hence fd 3. Fd 5 is the
# test's own (the writing end of a fifo), which the command must not hold.
bg() {
	{ ip netns exec "$ns" "$@" <&3 3<&- 5>&- & } 3<&0
	last=$!
	pids="$pids $last"
}

now() {
	date +%s.%N
}

since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

size() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

# mkdata FILE MEGABYTES
mkdata() {
	head -c "$(($2 * 1048576))" /dev/urandom > "$1"
}

# Waits up to $3 seconds (default 10) for file $1 to contain $2.
wait_for() {
	n=0
	while ! grep -q -e "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -le $((${3:-10} * 20)) ] || return 1
		sleep 0.05
	done
}

# Waits for a kernel socket listening on port $1 in the namespace.
wait_listen() {
	n=0
	while ! nsx ss -Htln "( sport = :$1 )" | grep -q .; do
		n=$((n + 1))
		[ "$n" -le 200 ] || fail "nothing listens on port $1 in the namespace"
		sleep 0.05
	done
}

# Waits up to 10 s for $1 (a URL in the namespace) to answer; fails with
# $2 and the server's log $3 if it does not.
wait_http() {
	n=0
	until nsx curl -s -o /dev/null --max-time 2 "$1"; do
		n=$((n + 1))
		[ "$n" -le 50 ] || fail "$2: $(cat "$3")"
		sleep 0.2
	done
}

# Waits up to 5 s for the process $1 to be gone; fails with $2 if not.
wait_gone() {
	n=0
	while kill -0 "$1" 2> /dev/null; do
		n=$((n + 1))
		[ "$n" -le 50 ] || fail "$2"
		sleep 0.1
	done
}

# Waits for the background process $1; fails with $2 if it ran longer than
# its own timeout or exited non-zero.
wait_ok() {
	wait "$1"
	rc=$?
	[ "$rc" -eq 0 ] || fail "$2 (exit $rc)"
}

# Starts tcpdump on tap0 in the namespace, writing whole frames to $1 as
# they come (without --immediate-mode, frames wait in the kernel's ring
# for up to a second, and those still there when it stops are lost).
capture_start() {
	if ! command -v tcpdump > /dev/null 2>&1; then
		# check_pcap then says the check of this file was skipped
		cap_pid=
		cap_skipped="${cap_skipped:-} $1"
		echo "skipped the kernel-side capture $1: tcpdump is not installed"
		return 0
	fi
	rm -f "$1" "$1.log"
	# A large buffer (KiB): tcpdump writing every frame as it comes falls
	# behind bursts of 20 transfers at once on a busy machine.
	bg tcpdump -i tap0 -s 0 -B 65536 -U --immediate-mode -n -w "$1" 2> "$1.log"
	cap_pid=$last
	wait_for "$1.log" "listening on" || fail "tcpdump did not start: $(cat "$1.log")"
}

capture_stop() {
	[ -n "$cap_pid" ] || return 0
	sleep 0.2	# the last frames
	kill -INT "$cap_pid"
	wait "$cap_pid" 2>/dev/null
}

# The packets of capture $1 that tshark finds malformed, in error, or with
# a bad IP or TCP checksum. The payload on ports $2 (a list such as
# "80 7000-7009"), if given, is read as opaque data: random bytes that a
# dissector (Thrift's heuristic, HTTP mid-stream) would otherwise take for
# its protocol and call malformed. A tshark that fails (a bad option) fails
# the test: printing nothing must mean nothing wrong, not nothing checked.
pcap_problems() {
	# A capture with holes (tcpdump says it dropped frames) loses
	# response headers, and tshark then parses body bytes as HTTP; the
	# IP and TCP checks still hold for what it has.
	nohttp=
	dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$1.log" 2> /dev/null)
	if [ "${dropped:-0}" -gt 0 ]; then
		echo "note: tcpdump dropped $dropped frames of $1: HTTP not dissected there" >&2
		nohttp="--disable-protocol http"
	fi
	decode=""
	for ports in ${2:-}; do
		decode="$decode -d tcp.port==$ports,data"
	done
	# Under the offloads (the default) TCP checksums on the tap are
	# partial both ways: the kernel and usertcp each leave the other to
	# fill them in, holding only the pseudo-header sum, and a capture
	# shows them so, as tcpdump on any Linux device with checksum
	# offload does. tshark would call every one bad; they are checked
	# in captures taken without offloads (capture_plain), and the
	# partial sums by tests/dev/test_virtio_net.
	tcpcheck=TRUE
	tcpbad='|| (tcp.checksum.status == 0 && !tcp.checksum.ffff)'
	case " ${cap_plain:-} " in
	*" $1 "*) ;;
	*)
		if ! $no_offload; then
			tcpcheck=FALSE
			tcpbad=
		fi
		;;
	esac
	# A TCP checksum of 0xFFFF where tshark computes 0x0000 is the same
	# one's-complement zero (RFC 1624) and valid: Linux writes it when it
	# completes a partial checksum for the tap (skb_checksum_help turns a
	# folded 0 into CSUM_MANGLED_0). tshark calls it a bad checksum
	# (tcp.checksum.ffff); it is not one.
	# shellcheck disable=SC2086 # one word per option, on purpose
	tshark -r "$1" $nohttp $decode \
		-o tcp.check_checksum:$tcpcheck -o ip.check_checksum:TRUE \
		-Y "_ws.malformed || (_ws.expert.severity == error && !tcp.checksum.ffff) || ip.checksum.status == 0 $tcpbad" \
		> "$1.problems" 2> "$1.tshark-err" ||
		fail "tshark could not check $1: $(grep -v 'Running as user' "$1.tshark-err" | head -3)"
	cat "$1.problems"
}

# Marks capture $1 as taken with usertcp's --no-offload: plain frames
# both ways, every TCP checksum complete and checked.
capture_plain() {
	cap_plain="${cap_plain:-} $1"
}

# True when capture $1 exists to be read: tshark is installed and
# tcpdump was there to write it (capture_start).
captured() {
	command -v tshark > /dev/null 2>&1 || return 1
	case " ${cap_skipped:-} " in
	*" $1 "*) return 1 ;;
	esac
	return 0
}

# Reads capture $1 with tshark: at least $2 packets, nothing malformed, no
# expert error, no bad IP checksum, and no bad TCP checksum in a capture
# marked capture_plain ($3: as for pcap_problems).
check_pcap() {
	if ! command -v tshark > /dev/null 2>&1; then
		echo "skipped the capture check of $1: tshark is not installed"
		return 0
	fi
	case " ${cap_skipped:-} " in
	*" $1 "*)
		echo "skipped the capture check of $1: tcpdump is not installed"
		return 0
		;;
	esac
	[ -s "$1" ] || fail "no capture in $1"
	n=$(tshark -r "$1" 2> /dev/null | wc -l)
	[ "$n" -ge "$2" ] || fail "tshark read only $n packets from $1"
	pcap_problems "$1" "${3:-}" > /dev/null
	bad=$(head -20 "$1.problems")
	[ -z "$bad" ] || fail "tshark finds problems in $1:
$bad"
	case " ${cap_plain:-} " in
	*" $1 "*) sums="no bad IP or TCP checksums" ;;
	*) sums="no bad IP checksums (TCP's partial: offloads)" ;;
	esac
	$no_offload && sums="no bad IP or TCP checksums (every usertcp command with --no-offload)"
	echo "ok $(basename "$1"): $n packets, none malformed, no expert errors, $sums"
}

# Skips unless every named program is installed.
need() {
	for t in "$@"; do
		command -v "$t" > /dev/null 2>&1 ||
			skip "$t is not installed (.ci/run installs it)"
	done
	# The tests use OpenBSD's nc (-N, -l -p together); the traditional
	# one has neither.
	case " $* " in
	*" nc "*) nc -h 2>&1 | grep -q -- '-N' ||
		skip "nc is not OpenBSD's netcat (apt-get install netcat-openbsd)" ;;
	esac
}

# Makes the namespace, after need has had its say; arguments go to
# scripts/netns-tap.sh up (--multi-queue).
up() {
	mkdir -p "$dir" || fail "cannot make $dir"
	ns=ut-$name-$$
	trap cleanup EXIT
	# A signal (even SIGPIPE, from | head) must still run cleanup.
	trap 'exit 1' HUP INT PIPE TERM
	if ! out=$(sh "$here/../../scripts/netns-tap.sh" up "$ns" "$@" 2>&1); then
		ns=
		case $out in
		*"Operation not permitted"* | *"Permission denied"*)
			skip "cannot create a network namespace here: $out" ;;
		esac
		fail "scripts/netns-tap.sh up: $out"
	fi
}

# ---- transfers -----------------------------------------------------------------

# Both files of a transfer, $1 MB each, and what each side received.
nc_data() {
	mkdata "$dir/k.bin" "$1"
	mkdata "$dir/u.bin" "$1"
	rm -f "$dir/k.out" "$dir/u.out"
}

nc_compare() {
	[ "$(sha "$dir/u.out")" = "$(sha "$dir/k.bin")" ] ||
		fail "$1: usertcp received $(size "$dir/u.out") bytes of $(size "$dir/k.bin"), not the kernel's file"
	[ "$(sha "$dir/k.out")" = "$(sha "$dir/u.bin")" ] ||
		fail "$1: the kernel received $(size "$dir/k.out") bytes of $(size "$dir/u.bin"), not usertcp's file"
}

# nc_to_usertcp MB PORT [usertcp options]: the kernel's nc connects to
# usertcp nc -l, each sends MB megabytes at once, each must get the other's
# file whole, and both must end on their own.
nc_to_usertcp() {
	mb=$1 port=$2
	shift 2
	nc_data "$mb"
	t0=$(now)
	bg timeout 120 "$bin" nc -v --tap tap0 --ip $U/24 "$@" -l "$port" \
		< "$dir/u.bin" > "$dir/u.out" 2> "$dir/u.err"
	upid=$last
	wait_for "$dir/u.err" "Listening on" || fail "usertcp nc -l did not start: $(cat "$dir/u.err")"
	nsx timeout 120 nc -N $U "$port" < "$dir/k.bin" > "$dir/k.out" || fail "kernel nc exited $?"
	wait_ok "$upid" "usertcp nc -l $*: $(cat "$dir/u.err")"
	nc_compare "kernel nc -> usertcp nc -l${*:+ $*}"
	echo "ok kernel nc -> usertcp nc -l${*:+ $*}: $mb MB each way in $(since "$t0") s, SHA-256 match"
}

# nc_from_usertcp MB PORT [usertcp options]: usertcp nc connects to the
# kernel's nc -l, and the same. usertcp keeps its sending side open until
# it has all the kernel's file, because the kernel's nc -l stops sending
# as soon as its peer has closed.
nc_from_usertcp() {
	mb=$1 port=$2
	shift 2
	nc_data "$mb"
	bg timeout 120 nc -N -l -p "$port" < "$dir/k.bin" > "$dir/k.out"
	kpid=$last
	wait_listen "$port"
	t0=$(now)
	want=$(size "$dir/k.bin")
	{
		cat "$dir/u.bin"
		n=0
		while [ "$(size "$dir/u.out")" -lt "$want" ] && [ $n -lt 2400 ]; do
			sleep 0.05
			n=$((n + 1))
		done
	} | nsx timeout 120 "$bin" nc --tap tap0 --ip $U/24 "$@" $K "$port" \
		> "$dir/u.out" 2> "$dir/u.err" || fail "usertcp nc $*: $(cat "$dir/u.err")"
	wait_ok "$kpid" "kernel nc -l"
	nc_compare "usertcp nc${*:+ $*} -> kernel nc -l"
	echo "ok usertcp nc${*:+ $*} -> kernel nc -l: $mb MB each way in $(since "$t0") s, SHA-256 match"
}

# The site httpd serves: big.bin of $1 MB, f1.txt .. f100.txt (each
# different), m1.bin .. m20.bin of 256 KB, sub/ without an index.
httpd_site() {
	rm -rf "$dir/www" "$dir/got"
	mkdir -p "$dir/www/sub" "$dir/got"
	mkdata "$dir/www/big.bin" "$1"
	i=1
	while [ $i -le 100 ]; do
		echo "file $i of 100 $(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/www/f$i.txt"
		[ $i -le 20 ] && head -c 262144 /dev/urandom > "$dir/www/m$i.bin"
		i=$((i + 1))
	done
	echo "in sub" > "$dir/www/sub/a.txt"
}

# same_files NAME EXT N WHAT: got/NAME1.EXT .. got/NAME<N>.EXT are www's.
same_files() {
	i=1
	while [ $i -le "$3" ]; do
		cmp -s "$dir/www/$1$i.$2" "$dir/got/$1$i.$2" || fail "$4: $1$i.$2 differs"
		i=$((i + 1))
	done
}

# httpd_start [options]: usertcp httpd on port 80 serving $dir/www.
httpd_start() {
	bg timeout 280 "$bin" httpd --tap tap0 --ip $U/24 --root "$dir/www" "$@" > "$dir/httpd.log" 2>&1
	hpid=$last
	wait_for "$dir/httpd.log" "serving" || fail "httpd did not start: $(cat "$dir/httpd.log")"
}

# SIGTERM: httpd must end by itself, promptly and with status 0.
httpd_stop() {
	t0=$(now)
	kill -TERM "$hpid"
	wait_ok "$hpid" "httpd after SIGTERM: $(cat "$dir/httpd.log")"
	grep -q "stopped by SIGTERM" "$dir/httpd.log" || fail "httpd did not say it stopped"
	echo "ok httpd stopped on SIGTERM in $(since "$t0") s"
}

# curl in the namespace, with a time limit.
kcurl() {
	nsx timeout 120 curl -sS --max-time 100 "$@"
}

httpd_big() {
	t0=$(now)
	r=$(kcurl -o "$dir/got/big.bin" -w '%{http_code} %{size_download}' "http://$U/big.bin") ||
		fail "curl big.bin: $r"
	[ "${r%% *}" = 200 ] || fail "big.bin: status ${r%% *}"
	[ "$(sha "$dir/got/big.bin")" = "$(sha "$dir/www/big.bin")" ] ||
		fail "big.bin: got ${r#* } bytes of $(size "$dir/www/big.bin"), not the file"
	echo "ok curl fetched big.bin ($(($(size "$dir/www/big.bin") / 1048576)) MB${*:+, $*}) in $(since "$t0") s, SHA-256 match"
	rm -f "$dir/got/big.bin"
}

# 100 requests on one connection: curl reuses it for every URL of a glob.
httpd_keepalive() {
	t0=$(now)
	r=$(kcurl -w '%{num_connects} %{http_code}\n' -o "$dir/got/f#1.txt" "http://$U/f[1-100].txt") ||
		fail "curl f[1-100].txt: $r"
	conns=$(echo "$r" | awk '{ n += $1 } END { print n }')
	oks=$(echo "$r" | grep -c ' 200$')
	[ "$oks" -eq 100 ] || fail "keep-alive: $oks of 100 requests answered 200"
	[ "$conns" -eq 1 ] || fail "keep-alive: 100 requests took $conns connections"
	same_files f txt 100 keep-alive
	echo "ok 100 keep-alive requests on 1 connection${*:+ ($*)} in $(since "$t0") s, every body right"
}

# ---- IPv6 ----------------------------------------------------------------------

# Skips unless /usr/bin/python3 has scapy, which sends the router
# advertisements.
need_scapy() {
	py=/usr/bin/python3
	[ -x "$py" ] && "$py" -c 'import scapy.all' 2> /dev/null ||
		skip "python3-scapy is not installed (apt-get install python3-scapy)"
}

# The kernel's link-local address on tap0, into $kll: the kernel gives
# tap0 one once usertcp holds the other end (carrier).
kernel_ll() {
	n=0
	until kll=$(nsx ip -6 addr show dev tap0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }') &&
		[ -n "$kll" ]; do
		n=$((n + 1))
		[ "$n" -le 100 ] || fail "tap0 has no link-local address"
		sleep 0.05
	done
}

# ra_send: advertises fd00:99::/64 (on-link, autonomous) and a default
# route from the kernel's link-local address, as a router would to all
# nodes; usertcp configures fd00:99:: + its EUI-64 from it (SLAAC).
ra_send() {
	kernel_ll
	kmac=$(nsx cat /sys/class/net/tap0/address)
	nsx "$py" - "$kll" "$kmac" <<'PY' > "$dir/ra.err" 2>&1 || fail "scapy: $(cat "$dir/ra.err")"
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, sendp
src, mac = sys.argv[1], sys.argv[2]
ra = (Ether(src=mac, dst="33:33:00:00:00:01") /
      IPv6(src=src, dst="ff02::1", hlim=255) /
      ICMPv6ND_RA(routerlifetime=1800) /
      ICMPv6NDOptSrcLLAddr(lladdr=mac) /
      ICMPv6NDOptPrefixInfo(prefix="fd00:99::", prefixlen=64, L=1, A=1,
                            validlifetime=3600, preferredlifetime=1800))
sendp(ra, iface="tap0", verbose=False)
PY
}

# usertcp's link-local address, into $ull: all nodes answer a ping to
# ff02::1 from theirs, usertcp among them once its DAD is done. $1: what
# to show if it never answers.
usertcp_ll() {
	kernel_ll
	n=0
	ull=
	while [ -z "$ull" ]; do
		nsx ping -6 -c 2 -i 0.2 -W 1 "ff02::1%tap0" > "$dir/all.out" 2>&1
		ull=$(sed -n 's/.* from \(fe80::[0-9a-f:]*\)%tap0: .*/\1/p' "$dir/all.out" | grep -vx "$kll" | head -1)
		n=$((n + 1))
		[ "$n" -le 10 ] || fail "usertcp's link-local address never answered all-nodes: $(cat "$dir/all.out" ${1:-})"
	done
}

# Waits until the kernel's ping -6 reaches $1 (usertcp's address, whose
# DAD takes about a second); $2: what to show if it never does.
wait_ping6() {
	n=0
	until nsx ping -6 -c 1 -W 1 "$1" > "$dir/ping.out" 2>&1; do
		n=$((n + 1))
		[ "$n" -le 10 ] || fail "usertcp never answered at $1: $(cat "$dir/ping.out" ${2:-})"
	done
}

# ---- preconditions ------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "not root: the interop tests make a network namespace and a tap interface"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (modprobe tun)"
command -v ip > /dev/null 2>&1 || skip "ip (iproute2) is not installed"
ip netns list > /dev/null 2>&1 || skip "ip netns is unavailable"
