#!/bin/sh
# ngircd, an IRC server on one event loop (poll or epoll, as built), under
# usertcp run with three scripted IRC clients from the kernel's side
# (python3 sockets): each registers, joins one channel and says a line
# there; each must see the other two's PRIVMSGs, and a private message
# from one to another must arrive. Then ngircd stops on SIGTERM.
. "$(dirname "$0")/lib.sh"
need ngircd python3
up

cat > "$dir/ngircd.conf" << CONF
[Global]
	Name = irc.usertcp.test
	Info = usertcp interop test
	Listen = $U
	Ports = 6667
	PidFile = $dir/ngircd.pid
	MotdPhrase = usertcp
[Limits]
	MaxConnectionsIP = 10
	PingTimeout = 120
[Options]
	DNS = no
	Ident = no
	PAM = no
	ConnectIPv6 = no
CONF

bg timeout 60 "$bin" run --tap tap0 --ip $U/24 -- ngircd -n -f "$dir/ngircd.conf" > "$dir/ngircd.log" 2>&1
srv=$last

cat > "$dir/clients.py" << 'PY'
import select, socket, sys, time

host = sys.argv[1]
nicks = ["alice", "bob", "carol"]
deadline = time.time() + 30


def connect():
    # ngircd takes a moment to start under usertcp run: retry.
    while True:
        try:
            return socket.create_connection((host, 6667), timeout=2)
        except OSError as e:
            if time.time() > deadline:
                sys.exit("cannot connect: %s" % e)
            time.sleep(0.2)


class Client:
    def __init__(self, nick):
        self.nick = nick
        self.s = connect()
        self.s.setblocking(False)
        self.buf = b""
        self.lines = []
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :%s of usertcp's test" % (nick, nick))

    def send(self, line):
        self.s.sendall((line + "\r\n").encode())

    def pump(self):
        data = self.s.recv(65536)
        if not data:
            sys.exit("%s: the server closed the connection; saw %r" % (self.nick, self.lines[-5:]))
        self.buf += data
        while b"\r\n" in self.buf:
            line, self.buf = self.buf.split(b"\r\n", 1)
            line = line.decode(errors="replace")
            if line.startswith("PING "):
                self.send("PONG " + line[5:])
            self.lines.append(line)


def wait(clients, done, what):
    while not all(done(c) for c in clients):
        left = deadline - time.time()
        if left <= 0:
            sys.exit("timed out waiting for %s: %s" % (what, {c.nick: c.lines[-3:] for c in clients}))
        r, _, _ = select.select([c.s for c in clients], [], [], left)
        for c in clients:
            if c.s in r:
                c.pump()


def saw(c, pred):
    return any(pred(l.split(" ")) for l in c.lines)


cs = [Client(n) for n in nicks]
# 001 RPL_WELCOME: registered.
wait(cs, lambda c: saw(c, lambda w: len(w) > 2 and w[1] == "001" and w[2] == c.nick), "registration")
for c in cs:
    c.send("JOIN #usertcp")
# 366 RPL_ENDOFNAMES: joined, the member list given.
wait(cs, lambda c: saw(c, lambda w: len(w) > 3 and w[1] == "366" and w[3] == "#usertcp"), "JOIN")


def members(c):
    # Those in the channel before c: the names list (353, "@" for an
    # operator); those after: their JOINs.
    m = set()
    for l in c.lines:
        w = l.split(" ")
        if len(w) > 5 and w[1] == "353" and w[4] == "#usertcp":
            m.update(n.lstrip(":@+") for n in w[5:])
        elif len(w) > 2 and w[1] == "JOIN":
            m.add(w[0][1:].split("!")[0])
    return m


# Every member knows of every other before anyone speaks.
wait(cs, lambda c: members(c) >= set(nicks), "the others in the channel")
for c in cs:
    c.send("PRIVMSG #usertcp :hello from %s" % c.nick)
cs[0].send("PRIVMSG carol :psst from alice")


def heard(c):
    for o in nicks:
        if o != c.nick and not saw(c, lambda w, o=o: len(w) > 3 and w[0].startswith(":" + o + "!")
                                   and w[1] == "PRIVMSG" and w[2] == "#usertcp"
                                   and " ".join(w[3:]) == ":hello from " + o):
            return False
    return c.nick != "carol" or saw(c, lambda w: w[0].startswith(":alice!") and w[1] == "PRIVMSG"
                                    and w[2] == "carol")


wait(cs, heard, "the channel's PRIVMSGs")
for c in cs:
    # A member never gets its own line back.
    if saw(c, lambda w: w[0].startswith(":" + c.nick + "!") and w[1] == "PRIVMSG"):
        sys.exit("%s got its own PRIVMSG back" % c.nick)
    c.send("QUIT :bye")
for c in cs:
    c.s.setblocking(True)
    c.s.settimeout(10)
    try:
        while c.s.recv(65536):
            pass
    except OSError as e:
        sys.exit("%s: no end of stream after QUIT: %s" % (c.nick, e))
    c.s.close()
print("three clients registered, joined #usertcp, each saw the other two's PRIVMSGs")
PY
nsx timeout 60 python3 "$dir/clients.py" $U > "$dir/clients.out" 2>&1 ||
	fail "IRC clients against ngircd under usertcp run: $(cat "$dir/clients.out") -- ngircd: $(tail -20 "$dir/ngircd.log")"
echo "ok $(cat "$dir/clients.out") (ngircd under usertcp run; $(grep -o 'IO subsystem: [a-z]*' "$dir/ngircd.log" | head -1))"

# To ngircd itself: timeout(1), handed a SIGTERM, passes it on to its
# process group as well, and a second SIGTERM after ngircd has put back
# SIG_DFL on its way out would end it by the signal, as on the kernel.
kill -TERM "$(pgrep -P "$srv")"
wait "$srv"
rc=$?
[ "$rc" -eq 0 ] || fail "ngircd under usertcp run exited $rc on SIGTERM: $(tail -5 "$dir/ngircd.log")"
echo "ok ngircd under usertcp run stopped on SIGTERM"
