#!/bin/sh
# ssh under usertcp run to the kernel's sshd (a configuration, host key
# and client key of the test's own; key authentication, no host key
# check): a command's output, 5 MB down (cat of a file, SHA-256 compared)
# and 5 MB up (into a file on the kernel's side, the same).
. "$(dirname "$0")/lib.sh"
need ssh ssh-keygen /usr/sbin/sshd sha256sum
up

# sshd's privilege separation directory is built in (/run/sshd); made
# here when the system has none (openssh-server's service makes it),
# and removed after.
rmrun=
if [ ! -d /run/sshd ]; then
	mkdir -m 0755 /run/sshd || skip "cannot make /run/sshd for sshd"
	rmrun=/run/sshd
fi
trap 'cleanup; [ -n "$rmrun" ] && rmdir "$rmrun"' EXIT

rm -f "$dir/host" "$dir/host.pub" "$dir/id" "$dir/id.pub"
ssh-keygen -q -t ed25519 -N '' -f "$dir/host" || fail "ssh-keygen (host key)"
ssh-keygen -q -t ed25519 -N '' -f "$dir/id" || fail "ssh-keygen (client key)"
cp "$dir/id.pub" "$dir/authorized_keys"
cat > "$dir/sshd_config" << CONF
Port 2222
ListenAddress $K
HostKey $dir/host
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
LogLevel VERBOSE
CONF
mkdata "$dir/down.bin" 5
mkdata "$dir/up.bin" 5
rm -f "$dir/up.out" "$dir/down.out"

bg timeout 60 /usr/sbin/sshd -D -e -f "$dir/sshd_config" > "$dir/sshd.log" 2>&1
wait_listen 2222

# ussh COMMAND...: ssh under usertcp run to the kernel's sshd.
ussh() {
	nsx timeout 30 "$bin" run --tap tap0 --ip $U/24 -- ssh -F /dev/null -i "$dir/id" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
		-o LogLevel=ERROR -p 2222 -l "$(id -un)" $K "$@"
}

r=$(ussh echo hello from the kernel 2> "$dir/ssh.err") ||
	fail "ssh under usertcp run: $(cat "$dir/ssh.err") -- sshd: $(tail -5 "$dir/sshd.log")"
[ "$r" = "hello from the kernel" ] || fail "ssh under usertcp run: echo gave '$r'"
grep -q "Accepted publickey" "$dir/sshd.log" || fail "sshd did not accept the key: $(tail -5 "$dir/sshd.log")"
echo "ok ssh under usertcp run: key authentication to the kernel's sshd, echo answered"

t0=$(now)
ussh cat "$dir/down.bin" > "$dir/down.out" 2> "$dir/ssh.err" ||
	fail "ssh under usertcp run, cat: $(cat "$dir/ssh.err")"
[ "$(sha "$dir/down.out")" = "$(sha "$dir/down.bin")" ] ||
	fail "ssh cat: got $(size "$dir/down.out") bytes of $(size "$dir/down.bin"), not the file"
echo "ok ssh under usertcp run: 5 MB down (cat) in $(since "$t0") s, SHA-256 match"

t0=$(now)
ussh "cat > $dir/up.out" < "$dir/up.bin" 2> "$dir/ssh.err" ||
	fail "ssh under usertcp run, cat >: $(cat "$dir/ssh.err")"
[ "$(sha "$dir/up.out")" = "$(sha "$dir/up.bin")" ] ||
	fail "ssh cat >: the kernel's side got $(size "$dir/up.out") bytes of $(size "$dir/up.bin"), not the file"
echo "ok ssh under usertcp run: 5 MB up in $(since "$t0") s, SHA-256 match"
