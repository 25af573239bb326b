#!/bin/sh
# Runs packetdrill scripts against usertcp through build/libusertcp-packetdrill.so
# (docs/packetdrill.md). packetdrill itself is fetched and built by hand,
# never by this project; give the path of its binary.
#
#   scripts/packetdrill.sh PACKETDRILL SCRIPT.pkt...
#
# Each script runs in a network namespace of its own, from its own
# directory, with the options packetdrill's run_all.py gives the variant
# PD_IP_VERSION names (ipv4, the default; ipv6; ipv4-mapped-ipv6), and the
# same addresses, MTU and mode for the adapter. The scripts' shell commands (`../common/defaults.sh`, sysctl)
# are meant for the kernel under test; in the namespace they touch nothing
# of the host's, and a tun0 is there for defaults.sh's `tc qdisc` to find.
# usertcp gets its own settings from the adapter (its defaults are
# defaults.sh's).
#
# Environment: SO (the adapter; default build/libusertcp-packetdrill.so),
# PD_IP_VERSION (ipv4, ipv6 or ipv4-mapped-ipv6; as run_all.py, a script
# whose name ends in v6.pkt runs only in ipv6 and one ending in v4.pkt
# never does: those are reported as "skip"),
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
# defaults.sh sets cubic in each script's namespace, which a namespace
# other than the first may only do when the host allows it: otherwise
# every script fails on its first line, for nothing of usertcp's.
if ! grep -qw cubic /proc/sys/net/ipv4/tcp_allowed_congestion_control 2>/dev/null; then
	echo "$0: the host does not allow cubic in other namespaces (allowed:" \
		"$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control 2>/dev/null));" \
		"sysctl -w net.ipv4.tcp_allowed_congestion_control=\"reno cubic\" lets defaults.sh set it" >&2
	exit 2
fi
timeout_s=${PD_TIMEOUT:-120}
log=${PD_LOG:-}
[ -z "$log" ] || mkdir -p "$log"
# run_all.py's options per variant. Its ipv4 local address is the
# gateway's too (192.168.0.1); usertcp's would then be its own gateway, so
# 192.168.0.2 in the same /16 stands in.
# TFO_COOKIE is the Fast Open cookie the server scripts' key
# (a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4, defaults.sh's) gives the remote
# address toward the local one: SipHash of the two addresses, so it
# follows the local address (3021b9d889017eeb is run_all.py's, for
# 192.168.0.1).
ipv=${PD_IP_VERSION:-ipv4}
case $ipv in
ipv4 | ipv4-mapped-ipv6)
	local_ip=192.168.0.2 gateway_ip=192.168.0.1
	set_opts="--netmask_ip=255.255.0.0 --remote_ip=192.0.2.1
		-D TFO_COOKIE=de4f234f0f433a55 -D CODE=host_unreachable"
	so_net="gateway=$gateway_ip prefix=16"
	if [ "$ipv" = ipv4 ]; then
		set_opts="$set_opts -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR"
	else
		set_opts="$set_opts -D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR"
	fi
	;;
ipv6)
	local_ip=fd3d:a0b:17d6::1 gateway_ip=fd3d:a0b:17d6:8888::1
	# 1520 so that the MSS is 1460 as in the IPv4 scripts' packets
	set_opts="--mtu=1520 --remote_ip=fd3d:fa7b:d17d::1
		-D TFO_COOKIE=c1d1e9742a47a9bc
		-D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR"
	so_net="gateway=$gateway_ip prefix=48 mtu=1520"
	;;
*)
	echo "$0: PD_IP_VERSION must be ipv4, ipv6 or ipv4-mapped-ipv6" >&2
	exit 2
	;;
esac
# The scripts' shell commands ask the kernel with nstat and `ip
# tcp_metrics` (defaults.sh flushes the Fast Open cookies before every
# script; fastopen/ reads counters). The adapter publishes its stack's
# diagnostics endpoint under USERTCP_DIAG, and two wrappers first in the
# commands' PATH send those questions to it through usertcp's own nstat
# and ip tcp_metrics; every other ip command goes to ip(8).
usertcp_bin=$(dirname "$so")/usertcp
real_ip=$(command -v ip)
shims=$(mktemp -d)
trap 'rm -rf "$shims"' EXIT
if [ -x "$usertcp_bin" ]; then
	printf '#!/bin/sh\nexec "%s" nstat --stack "$USERTCP_DIAG" "$@"\n' "$usertcp_bin" >"$shims/nstat"
	printf '#!/bin/sh\ncase $1 in tcp_metrics | tcpmetrics) exec "%s" ip --stack "$USERTCP_DIAG" "$@" ;; esac\nexec "%s" "$@"\n' \
		"$usertcp_bin" "$real_ip" >"$shims/ip"
	chmod +x "$shims/nstat" "$shims/ip"
fi
passed=0 failed=0 skipped=0 nscript=0
for pkt in "$@"; do
	dir=$(dirname "$pkt") base=$(basename "$pkt")
	case $ipv:$base in
	ipv6:*v4.pkt | ipv4*:*v6.pkt)
		echo "skip $pkt"
		skipped=$((skipped + 1))
		continue
		;;
	esac
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
	# the kernel; those set before its first call or packet go to usertcp
	# as adapter flags. One set later changes the script's namespace, from
	# where the adapter takes it as it happens (docs/packetdrill.md).
	# A command continued over lines (`sysctl -q \` and one setting a
	# line) is joined first; every setting of a sysctl command counts.
	# A vector (tcp_rmem, tcp_wmem: "MIN DEFAULT MAX") becomes usertcp's
	# three names, .min, .default and .max.
	sysctls=$(grep -v '^[[:space:]]*//' "$pkt" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' |
		awk '/^[[:space:]]*\+?[0-9.]+(\.\.\.[0-9.]+)?[[:space:]]+[^`[:space:]]/ { exit } { print }' |
		grep -E 'sysctl' |
		sed -E 's#(/proc/sys/|sysctl( -[a-z]+)* +)(net[./]ipv4[./]tcp_[rw]mem)="?([0-9]+) +([0-9]+) +([0-9]+)"?#\1\3.min=\4 \1\3.default=\5 \1\3.max=\6#g' |
		grep -oE '(^|[ /])net[./]ipv4[./][a-z0-9_.]+=[^ `\\;]+' |
		sed -E 's#^[ /]##; s#^([^=]*)#\1\n#' |
		sed -E '/^[^=]/y#/#.#' | paste -d '' - - | tr '\n' ' ')
	# A script that names its own IPv4 addresses (fastopen/server's
	# simple*.pkt and opt34/*.pkt: their cookies are of those addresses)
	# gets them, as run_all.py would. When its local address is the
	# usual gateway's (192.168.0.1), the gateway moves to 192.168.0.254,
	# and TFO_COOKIE is that address's.
	s_local=$local_ip s_opts=$set_opts s_gw=$gateway_ip s_net=$so_net
	if [ "$ipv" != ipv6 ]; then
		a=$(sed -n 's/^--remote_ip=\([0-9.]*\).*/\1/p' "$pkt" | head -n 1)
		[ -z "$a" ] || s_opts=$(echo "$s_opts" | sed "s/--remote_ip=[^ ]*/--remote_ip=$a/")
		a=$(sed -n 's/^--local_ip=\([0-9.]*\).*/\1/p' "$pkt" | head -n 1)
		if [ -n "$a" ] && [ "$a" = "$gateway_ip" ]; then
			s_local=$a s_gw=192.168.0.254
			s_net=$(echo "$so_net" | sed "s/gateway=[^ ]*/gateway=$s_gw/")
			s_opts=$(echo "$s_opts" | sed "s/TFO_COOKIE=[^ ]*/TFO_COOKIE=3021b9d889017eeb/")
		elif [ -n "$a" ]; then
			s_local=$a
		fi
	fi
	nscript=$((nscript + 1))
	diag=pd-$$-$nscript
	(cd "$dir" && PATH="$shims:$PATH" USERTCP_DIAG=$diag timeout -k 5 "$timeout_s" unshare -n sh -c '
		ip link set lo up
		ip tuntap add dev tun0 mode tun 2>/dev/null || true
		exec "$@"' sh "$pd" --send_omit_free --ip_version=$ipv \
		--local_ip=$s_local --gateway_ip=$s_gw $s_opts \
		--so_filename="$so" \
		--so_flags="ip_version=$ipv ip=$s_local $s_net $sysctls${PD_FLAGS:-}" \
		"$run") >"$out" 2>&1
	rc=$?
	[ -z "$note" ] || rm -f "$dir/$run"
	rm -f "/run/usertcp/.nstat.$diag" # usertcp nstat's history of it
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
echo "packetdrill ($ipv): $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
