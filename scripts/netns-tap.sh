#!/bin/sh
# A network namespace with a TAP (or TUN) interface in it, for trying usertcp
# against the Linux kernel without touching the host's own network.
#
#   scripts/netns-tap.sh up NAME [--tun] [--multi-queue] [--ifname IF] [--net PREFIX]
#   scripts/netns-tap.sh down NAME
#
# The kernel side and usertcp share the interface's link, as a host and the
# virtual machine on its tap would:
#
#   namespace NAME:  kernel 10.99.0.1/24 on tap0  <->  usertcp 10.99.0.2/24
#
# The interface lives in the namespace, so the kernel's tools run there
# (ip netns exec NAME nc ...) and usertcp opens it from there too
# (ip netns exec NAME usertcp nc --tap tap0 ...). Nothing outside the
# namespace changes; `down` removes the namespace and everything in it.
# Needs root (CAP_SYS_ADMIN for the namespace, CAP_NET_ADMIN for the tap).
set -eu

usage() {
	cat <<EOF
Usage: $0 up NAME [--tun] [--multi-queue] [--ifname IF] [--net A.B.C]
       $0 down NAME
up:   creates network namespace NAME holding interface IF (default tap0, or
      tun0 with --tun), addressed A.B.C.1/24 (default 10.99.0.1/24) and up,
      with loopback up. usertcp takes A.B.C.2/24 on the same interface.
      --multi-queue makes IF with multi_queue, for usertcp's --threads N
      (a stack per queue).
down: deletes namespace NAME and its interfaces.
EOF
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
name=$2
shift 2
mode=tap
mq=
ifname=
net=10.99.0
while [ $# -gt 0 ]; do
	case $1 in
	--tun) mode=tun ;;
	--multi-queue) mq=multi_queue ;;
	--ifname) [ $# -ge 2 ] || usage; ifname=$2; shift ;;
	--net) [ $# -ge 2 ] || usage; net=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ -n "$ifname" ] || ifname=${mode}0

case $cmd in
up)
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: needs root to create a namespace and a $mode interface (try: sudo $0 up $name)" >&2
		exit 1
	fi
	if [ ! -c /dev/net/tun ]; then
		echo "$0: /dev/net/tun is missing (try: modprobe tun)" >&2
		exit 1
	fi
	if ip netns list | grep -qw "^$name"; then
		echo "$0: namespace $name exists already (remove it: $0 down $name)" >&2
		exit 1
	fi
	ip netns add "$name"
	# Undo a half-made namespace if a later step fails.
	trap 'ip netns del "$name" 2>/dev/null' EXIT
	ip -n "$name" link set lo up
	ip -n "$name" tuntap add dev "$ifname" mode "$mode" $mq
	ip -n "$name" addr add "$net.1/24" dev "$ifname"
	ip -n "$name" link set "$ifname" up
	trap - EXIT
	dev=--$mode
	threads=${mq:+ --threads 2}
	cat <<EOF
namespace $name: $ifname ($mode${mq:+, multi_queue}) up, kernel $net.1/24; usertcp takes $net.2/24.
Next, in one terminal, the kernel's netcat listens:
  sudo ip netns exec $name nc -l -p 7000
and in another, usertcp's connects to it (type lines in either):
  sudo ip netns exec $name usertcp nc $dev $ifname --ip $net.2/24 $net.1 7000
or usertcp serves files and the kernel's curl fetches them:
  sudo ip netns exec $name usertcp httpd $dev $ifname --ip $net.2/24$threads --root . &
  sudo ip netns exec $name curl http://$net.2/README.md
(usertcp is build/usertcp in a build tree.) When done: sudo $0 down $name
EOF
	;;
down)
	if [ "$(id -u)" -ne 0 ]; then
		echo "$0: needs root (try: sudo $0 down $name)" >&2
		exit 1
	fi
	ip netns del "$name"
	echo "namespace $name removed"
	;;
*)
	usage
	;;
esac
