#!/bin/sh
# The addresses usertcp nc and usertcp httpd take: IPv4, IPv6 with or
# without brackets, a link-local one with its %scope, [ADDR]:PORT for
# httpd's --listen, -4 and -6. Accepted forms get as far as opening the
# interface (which does not exist here: exit 1, "there is no interface");
# bad ones are refused first with exit 2 and a message that says what is
# wrong. Needs no root and no interface.
set -u
bin=$1
tmp=${2:-/tmp}
out="$tmp/addr_args.txt"
IF=utnone0
fail() {
	echo "FAIL: $*"
	exit 1
}

# accepted TOOL ARGS...: parsed, then stopped by the missing interface.
accepted() {
	"$bin" "$@" < /dev/null > "$out" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] && grep -q "there is no interface named $IF" "$out" ||
		fail "usertcp $* was not accepted (exit $rc): $(cat "$out")"
}

# refused MESSAGE TOOL ARGS...: exit 2, with MESSAGE on standard error.
refused() {
	msg=$1
	shift
	"$bin" "$@" < /dev/null > "$out" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "usertcp $* exited $rc, not 2: $(cat "$out")"
	grep -qF -e "$msg" "$out" || fail "usertcp $* says '$(cat "$out")', not '$msg'"
}

nc="nc --tap $IF --ip 10.99.0.2/24"
# shellcheck disable=SC2086 # $nc is several words on purpose
{
	accepted $nc 10.99.0.1 7000
	accepted $nc fd00:99::1 7000
	accepted $nc "[fd00:99::1]" 7000
	accepted $nc "fe80::1%tap0" 7000
	accepted $nc "[fe80::1%2]" 7000
	accepted $nc ::ffff:10.99.0.1 7000
	accepted $nc -6 fd00:99::1 7000
	accepted $nc -4 10.99.0.1 7000
	accepted $nc -s fd00:99::2 -p 4000 fd00:99::1 7000
	accepted $nc -l 7000
	accepted $nc -l :: 7000
	accepted $nc -l fd00:99::2 7000
	accepted $nc -l -s "fe80::2%tap0" -p 7000
	accepted $nc -6 -l 7000
	accepted $nc -4 -l 7000

	refused "fe80::1 is link-local: name its interface too, as fe80::1%IF" $nc fe80::1 7000
	refused "'10.99.0.1%tap0': a %scope is only for IPv6 addresses" $nc 10.99.0.1%tap0 7000
	refused "'[10.99.0.1]': brackets are only for IPv6 addresses" $nc "[10.99.0.1]" 7000
	refused "'[fd00:99::1': missing ']'" $nc "[fd00:99::1" 7000
	refused "'fd00:99::zz' is not an IPv4 or IPv6 address (numeric only: no name lookup)" \
		$nc fd00:99::zz 7000
	refused "'example.org' is not an IPv4 or IPv6 address (numeric only" $nc example.org 7000
	refused "'fe80::1%': the scope after '%' is not an interface" $nc "fe80::1%" 7000
	refused "host fd00:99::1 is not an IPv4 address (-4)" $nc -4 fd00:99::1 7000
	refused "host 10.99.0.1 is not an IPv6 address (-6)" $nc -6 10.99.0.1 7000
	refused "-l 10.99.0.2 is not an IPv6 address (-6)" $nc -6 -l 10.99.0.2 7000
	refused "-s: the source and the host must be of one family" $nc -s 10.99.0.2 fd00:99::1 7000
	# Bare IPv6 text has no port: this is one address, and no PORT.
	refused "HOST and PORT are needed" $nc fd00:99::1:7000
	refused "-u: UDP is not supported by usertcp nc yet" $nc -u fd00:99::1 7000
}
echo "ok usertcp nc: IPv4, IPv6, [IPv6], %scope, -4/-6, -s accepted; bad forms refused with the reason"

httpd="httpd --tap $IF --ip 10.99.0.2/24 --root $tmp"
# shellcheck disable=SC2086
{
	accepted $httpd
	accepted $httpd --listen ::
	accepted $httpd --listen fd00:99::2
	accepted $httpd --listen "[fd00:99::2]:8080"
	accepted $httpd --listen "[fe80::2%tap0]:8080"
	accepted $httpd --listen 10.99.0.2:8080
	accepted $httpd --listen 10.99.0.2
	accepted $httpd -6
	accepted $httpd -4 --port 8080

	refused "'[fd00:99::2]8080': after ']' only ':PORT' may follow" $httpd --listen "[fd00:99::2]8080"
	refused "'[fd00:99::2]:0': the port after ':' is not 1 to 65535" $httpd --listen "[fd00:99::2]:0"
	refused "'[fd00:99::2]:65536': the port after ':' is not 1 to 65535" \
		$httpd --listen "[fd00:99::2]:65536"
	refused "'10.99.0.2:http': the port after ':' is not 1 to 65535" $httpd --listen 10.99.0.2:http
	refused "fe80::2 is link-local: name its interface too" $httpd --listen fe80::2
	refused "'[10.99.0.2]': brackets are only for IPv6 addresses" $httpd --listen "[10.99.0.2]:80"
	refused "--listen: not an IPv4 address (-4)" $httpd -4 --listen fd00:99::2
	refused "--listen: not an IPv6 address (-6)" $httpd -6 --listen 10.99.0.2
}
echo "ok usertcp httpd: --listen ADDR and [ADDR]:PORT, -4/-6 accepted; bad forms refused with the reason"
