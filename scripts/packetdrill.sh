#!/bin/sh
# Runs packetdrill scripts against usertcp through build/libusertcp-packetdrill.so
# (docs/packetdrill.md). packetdrill itself is fetched and built by hand,
# never by this project; give the path of its binary.
#
#   scripts/packetdrill.sh PACKETDRILL SCRIPT.pkt...
#
# Each script runs in a network namespace of its own, from its own
# directory, with the options packetdrill's run_all.py gives the IPv4
# variant. The scripts' shell commands (`../common/defaults.sh`, sysctl)
# are meant for the kernel under test; in the namespace they touch nothing
# of the host's, and a tun0 is there for defaults.sh's `tc qdisc` to find.
# usertcp gets its own settings from the adapter (its defaults are
# defaults.sh's).
#
# Environment: SO (the adapter; default build/libusertcp-packetdrill.so),
# PD_FLAGS (more --so_flags words), PD_TIMEOUT (seconds per script, 120),
# PD_LOG (a directory for each script's output; default: not kept),
# PD_NO_CODE=1 (run each script with its `%{ }%` code blocks removed, or
# replaced by a no-op shell command where one sets a time of its own:
# packetdrill evaluates those blocks with the host's getsockopt(TCP_INFO),
# which knows nothing of usertcp's sockets, so with them a script can only
# fail; without them it is judged on its packets and calls alone. The
# verdict then says "(no code)").
# Prints one line per script, "pass" or "FAIL" (or "TIMEOUT") and its path,
# then a count.
set -u
[ $# -ge 2 ] || { echo "usage: $0 PACKETDRILL SCRIPT.pkt..." >&2; exit 2; }
pd=$(realpath "$1"); shift
so=$(realpath "${SO:-build/libusertcp-packetdrill.so}")
[ -x "$pd" ] || { echo "$0: $pd is not an executable" >&2; exit 2; }
[ -f "$so" ] || { echo "$0: $so not found (run make)" >&2; exit 2; }
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
	echo "$0: needs root for a network namespace per script (unshare -n)" >&2
	exit 2
fi
timeout_s=${PD_TIMEOUT:-120}
log=${PD_LOG:-}
[ -z "$log" ] || mkdir -p "$log"
local_ip=192.168.0.2
passed=0 failed=0
for pkt in "$@"; do
	dir=$(dirname "$pkt") base=$(basename "$pkt")
	out=$(mktemp)
	run=$base note=
	if [ "${PD_NO_CODE:-0}" = 1 ] && grep -q '%{' "$pkt"; then
		# beside the original, for its relative paths (../common/...)
		run=.nocode.$$.$base note=" (no code)"
		# A block at +0 goes with its line; one at a later time leaves a
		# no-op shell command there, which keeps the time but costs a
		# few milliseconds of fork and exec that packetdrill then
		# charges to what follows.
		perl -0pe 's/^[ \t]*\+0[ \t]+%\{(?:(?!\}%).)*\}%[ \t]*(?:\/\/[^\n]*)?\n//gms;
			s/%\{.*?\}%/`true`/gs' \
			"$pkt" > "$dir/$run" || exit 2
	fi
	# The sysctls a script sets in its shell commands (`sysctl -q
	# net.ipv4.X=V`, `sysctls.py /proc/sys/net/ipv4/X=V`) are meant for
	# the kernel; hand them to usertcp as adapter flags. Every script that
	# does this sets them before its first call, so applying them at the
	# start is what the script asked for.
	sysctls=$(grep -v '^[[:space:]]*//' "$pkt" |
		grep -oE '(sysctl( -[a-z]+)* +|/proc/sys/)net[./]ipv4[./][a-z0-9_]+=[^ `\\;]+' |
		sed -E 's#^(sysctl( -[a-z]+)* +|/proc/sys/)##; s#^([^=]*)#\1\n#' |
		sed -E '/^[^=]/y#/#.#' | paste -d '' - - | tr '\n' ' ')
	(cd "$dir" && timeout -k 5 "$timeout_s" unshare -n sh -c '
		ip link set lo up
		ip tuntap add dev tun0 mode tun 2>/dev/null || true
		exec "$@"' sh "$pd" --send_omit_free --ip_version=ipv4 \
		--local_ip=$local_ip --gateway_ip=192.168.0.1 \
		--netmask_ip=255.255.0.0 --remote_ip=192.0.2.1 \
		-D TFO_COOKIE=3021b9d889017eeb -D CODE=host_unreachable \
		-D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR \
		--so_filename="$so" --so_flags="ip=$local_ip $sysctls${PD_FLAGS:-}" \
		"$run") >"$out" 2>&1
	rc=$?
	[ -z "$note" ] || rm -f "$dir/$run"
	if [ $rc = 0 ]; then
		verdict=pass passed=$((passed + 1))
	elif [ $rc = 124 ] || [ $rc = 137 ]; then
		verdict=TIMEOUT failed=$((failed + 1))
	else
		verdict=FAIL failed=$((failed + 1))
	fi
	echo "$verdict $pkt$note"
	if [ -n "$log" ]; then
		cp "$out" "$log/$(echo "$pkt" | tr / _).log"
	fi
	rm -f "$out"
done
echo "packetdrill: $passed passed, $failed failed"
[ $failed = 0 ]
