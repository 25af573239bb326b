#!/bin/sh
# The nc and httpd transfers through usertcp's own impairments on the tap
# (--delay, --loss, --reorder, --dup, --corrupt: netem without the kernel's
# help), both directions impaired. Everything must arrive intact, the
# impairments must have acted (their counts, printed with -v), and the
# captures stay clean, except where corruption is asked for, which tshark
# must then see (so the capture check is known to be able to fail).
. "$(dirname "$0")/lib.sh"
need nc curl sha256sum
up

imp="--delay 5 --loss 2 --reorder 5 --dup 1"

# impaired WHAT: both directions lost and reordered something.
impaired() {
	out=$(grep "impairments out of tap0" "$dir/u.err")
	in=$(grep "impairments into tap0" "$dir/u.err")
	case "$out $in" in
	*" 0 lost"* | *" 0 reordered"*) fail "$1: the impairments did nothing: $out / $in" ;;
	esac
	[ -n "$out" ] && [ -n "$in" ] || fail "$1: no impairment counts: $(cat "$dir/u.err")"
	echo "ok $1: ${out#*impairments }; ${in#*impairments }"
}

# 5 ms each way and 2% loss: about 1 MB/s, so a few MB.
capture_start "$dir/tap.pcap"
# shellcheck disable=SC2086 # $imp is a list of options
nc_to_usertcp 2 7201 $imp --seed 7 --pcap "$dir/usertcp.pcap"
capture_stop
impaired "usertcp nc -l"
check_pcap "$dir/tap.pcap" 1000 7201
check_pcap "$dir/usertcp.pcap" 1000 7201
# shellcheck disable=SC2086
nc_from_usertcp 2 7202 -v $imp --seed 8
impaired "usertcp nc"

httpd_site 2
# shellcheck disable=SC2086
httpd_start -v $imp --corrupt 2 --seed 9
capture_start "$dir/corrupt.pcap"
httpd_big "$imp --corrupt 2"
capture_stop
httpd_keepalive "$imp --corrupt 2"
httpd_stop
cp "$dir/httpd.log" "$dir/u.err"
impaired "usertcp httpd"
grep "impairments out of tap0" "$dir/u.err" | grep -qv " 0 corrupted" || fail "nothing was corrupted"
if captured "$dir/corrupt.pcap"; then
	pcap_problems "$dir/corrupt.pcap" > /dev/null
	n=$(wc -l < "$dir/corrupt.pcap.problems")
	[ "$n" -gt 0 ] || fail "tshark sees nothing wrong in a capture of corrupted frames"
	echo "ok tshark sees $n bad packets where usertcp corrupted frames, and the data still arrived whole"
fi
