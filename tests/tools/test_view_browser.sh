#!/bin/sh
# The replay page in a real browser: headless Chromium opens the pages of
# a clean and of a lossy demo at named moments (#moment=syn_sent, accept,
# first_loss, time_wait) and at numbered steps (#step=N), and what the page
# shows (its DOM's data attributes: each side's TCP state, its SYN, accept,
# write, receive and out-of-order queues, the segments so far, the lost
# and retransmitted ones) is checked against the same numbers computed
# here from the trace. The narration is checked against the narrative
# `usertcp demo --verbose` prints. Screenshots are kept under
# TMP/view_screens/.
set -u
bin=$1
tmp=${2:-/tmp}
fail() {
	echo "FAIL: $*"
	exit 1
}
browser=
for b in chromium chromium-browser; do
	command -v "$b" > /dev/null 2>&1 && browser=$b && break
done
if [ -z "$browser" ]; then
	echo "skipped: chromium is not installed (apt-get install chromium)"
	exit 77
fi
if ! command -v python3 > /dev/null 2>&1; then
	echo "skipped: python3 is not installed"
	exit 77
fi
shots="$tmp/view_screens"
profile="$tmp/view_chromium_profile"
mkdir -p "$shots" "$profile"
# HOME too: chromium writes there, and a CI's may not be writable
chrome() {
	HOME="$profile" timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$profile" --no-first-run --hide-scrollbars "$@" 2> /dev/null
}
dump() { # page hash -> DOM on stdout
	chrome --virtual-time-budget=2000 --dump-dom "file://$1#$2"
}
shoot() { # page hash png
	chrome --window-size=1280,900 --virtual-time-budget=2000 --screenshot="$3" "file://$1#$2" > /dev/null
	[ -s "$3" ] || fail "no screenshot $3"
	[ "$(head -c 8 "$3" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] || fail "$3 is not a PNG"
}

# clean: 64K each way; lossy: 5% loss, recovery and retransmissions
"$bin" demo --json --bytes 64K > "$tmp/view_clean.json" || fail "the clean demo failed"
"$bin" demo --json --bytes 256K --loss 5 --seed 7 > "$tmp/view_lossy.json" ||
	fail "the lossy demo failed"
"$bin" demo --verbose --bytes 64K > "$tmp/view_clean.txt"
"$bin" demo --verbose --bytes 256K --loss 5 --seed 7 > "$tmp/view_lossy.txt"
"$bin" view "$tmp/view_clean.json" -o "$tmp/view_clean.html" || fail "view of the clean trace"
"$bin" "demo" --quiet --bytes 256K --loss 5 --seed 7 --html "$tmp/view_lossy.html" > /dev/null ||
	fail "demo --html of the lossy run"

# The check itself: the trace (JSON lines), the narrative, the DOM.
cat > "$tmp/view_check.py" << 'PY'
import json, re, sys

trace, narrative, dom, hashv = sys.argv[1:5]
E = [json.loads(l) for l in open(trace) if l.startswith('{')]
lines = set(l.rstrip('\n') for l in open(narrative))
html = open(dom).read()

def attrs(tag):
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))

m = re.search(r'<div id="view"[^>]*>', html)
if not m:
    sys.exit('no #view element in the DOM')
view = attrs(m.group(0))
if view.get('data-ready') != '1':
    sys.exit('the page did not finish loading (data-ready %r)' % view.get('data-ready'))
hosts = {}
for tag in re.findall(r'<div class="hostbox[^>]*>', html):
    a = attrs(tag)
    hosts[a['data-host']] = a
step = int(view['data-step'])

def first(pred):
    return next((i for i, e in enumerate(E) if pred(e)), None)

def setst(state):
    return lambda e: e['event'] == 'sock:inet_sock_set_state' and e['newstate'] == state

key, _, val = hashv.partition('=')
if key == 'moment':
    want = {
        'syn_sent': first(setst('TCP_SYN_SENT')),
        'accept': first(lambda e: e['event'] == 'usertcp:accept'),
        'time_wait': first(setst('TCP_TIME_WAIT')),
    }
    if val == 'first_loss':
        # the first segment sent that its receiver never got: no arrival
        # covers its bytes before the sender sends them again
        sends = [i for i, e in enumerate(E) if e['event'] == 'usertcp:segment_send' and e['len']]
        def lost(i):
            s = E[i]
            for j in range(i + 1, len(E)):
                e = E[j]
                if e['stack'] == s['stack'] and e['event'] == 'usertcp:segment_send' and e['seq'] == s['seq']:
                    return True
                if (e['stack'] != s['stack'] and e['event'] == 'usertcp:segment_recv'
                        and e['sport'] == s['sport'] and (s['seq'] - e['seq']) % 2**32 < max(e['len'], 1)):
                    return False
            return True
        want['first_loss'] = next((i for i in sends if lost(i)), None)
    if want[val] is None:
        if view.get('data-moment-found') != '0':
            sys.exit('moment %s is not in the trace, yet the page found it' % val)
        print('ok #%s: not in this trace, and the page says so' % hashv)
        sys.exit(0)
    if step != want[val]:
        sys.exit('#%s: the page is at event %d, the trace says %d' % (hashv, step, want[val]))
else:
    want_step = int(val)
    if step != want_step:
        sys.exit('#%s: the page is at event %d' % (hashv, step))

# each side's state and queues, from the events up to the step
exp = {}
for name in hosts:
    st = {'state': 'CLOSE', 'syn': 0, 'acc': 0, 'wq': 0, 'rq': 0, 'oq': 0}
    conn = False
    una = None
    for e in E[:step + 1]:
        if e['stack'] != name:
            continue
        ev = e['event']
        if ev == 'sock:inet_sock_set_state' and (e['dport'] or not conn):
            st['state'] = e['newstate'][4:]
            conn = conn or bool(e['dport'])
        if ev == 'sock:inet_sock_set_state' and e['oldstate'] == 'TCP_LISTEN':
            st['syn'] = st['acc'] = 0
        elif ev in ('usertcp:syn_queue_add', 'usertcp:syn_queue_drop'):
            st['syn'] = e['depth']
        elif ev == 'usertcp:accept_queue_add':
            st['syn'] = max(0, st['syn'] - 1)
            st['acc'] = e['depth']
        elif ev in ('usertcp:accept', 'usertcp:listen_overflow'):
            st['acc'] = e['depth']
        elif ev == 'usertcp:write_queue':
            if una is None:
                una = e['seq']
            st['wq'] = (e['end_seq'] - una) % 2**32
        elif ev == 'usertcp:write_queue_free':
            una = e['end_seq']
            st['wq'] = e['depth']
        elif ev in ('usertcp:receive_queue', 'usertcp:user_read'):
            st['rq'] = e['depth']
        elif ev in ('usertcp:ofo_queue', 'usertcp:ofo_queue_drain'):
            st['oq'] = e['depth']
    exp[name] = st
names = {'state': 'data-state', 'syn': 'data-syn-queue', 'acc': 'data-accept-queue',
         'wq': 'data-write-queue', 'rq': 'data-receive-queue', 'oq': 'data-ofo-queue'}
for name, st in exp.items():
    for k, attr in names.items():
        got = hosts[name].get(attr)
        if str(st[k]) != got:
            sys.exit('#%s: %s %s: the page shows %r, the trace says %r' % (hashv, name, attr, got, st[k]))

# segments: every one sent so far (both sides are traced), and the lost
sent = sum(1 for e in E[:step + 1] if e['event'] == 'usertcp:segment_send')
if view['data-segments'] != str(sent):
    sys.exit('#%s: %s segments shown, %d sent' % (hashv, view['data-segments'], sent))
sends = sum(1 for e in E if e['event'] == 'usertcp:segment_send')
arrived = sum(max(1, e.get('gso_segs', 1)) for e in E if e['event'] == 'usertcp:segment_recv')
if view['data-segments-total'] != str(sends):
    sys.exit('the page has %s segments, the trace %d' % (view['data-segments-total'], sends))
if view['data-lost-total'] != str(sends - arrived):
    sys.exit('the page marks %s segments lost; %d of %d never arrived' %
             (view['data-lost-total'], sends - arrived, sends))

# the narration: the narrative's own line for the event
m = re.search(r'<div id="narration"[^>]*>(.*?)</div>', html, re.S)
text = m.group(1).replace('&gt;', '>').replace('&lt;', '<').replace('&amp;', '&')
if E[step]['event'] != 'usertcp:mark_lost' and text not in lines:
    sys.exit('#%s: the narration %r is not a line of the narrative' % (hashv, text))
print('ok #%s: event %d (%s); %s; %s segments, %s lost' % (
    hashv, step, E[step]['event'],
    '; '.join('%s %s syn %d accept %d write %d receive %d ofo %d' % (
        n, s['state'], s['syn'], s['acc'], s['wq'], s['rq'], s['oq']) for n, s in exp.items()),
    view['data-segments'], view['data-lost']))
PY

check() { # kind hash: the DOM kept as view_dom_KIND_HASH.html
	dom="$tmp/view_dom_$1_$(echo "$2" | tr '=' '_').html"
	dump "$tmp/view_$1.html" "$2" > "$dom" || fail "chromium could not open view_$1.html#$2"
	python3 "$tmp/view_check.py" "$tmp/view_$1.json" "$tmp/view_$1.txt" "$dom" "$2" ||
		fail "view_$1.html#$2"
}
first_of() { # kind event: its first event's step
	n=$(grep '^{' "$tmp/view_$1.json" | grep -n -m 1 "\"event\":\"$2\"" | cut -d: -f1)
	[ -n "$n" ] || fail "the $1 trace has no $2"
	echo $((n - 1))
}
for kind in clean lossy; do
	for m in syn_sent accept first_loss time_wait; do
		check $kind moment=$m
	done
done
# the listener's queues as they fill: a request socket on the SYN queue,
# then the connection on the accept queue
check clean "step=$(first_of clean usertcp:syn_queue_add)"
check clean "step=$(first_of clean usertcp:accept_queue_add)"
# data held out of order behind the first loss, and the end
check lossy "step=$(first_of lossy usertcp:ofo_queue)"
last=$(($(grep -c '^{' "$tmp/view_lossy.json") - 1))
check lossy "step=$last"

shoot "$tmp/view_clean.html" "moment=accept" "$shots/clean-accept.png"
shoot "$tmp/view_lossy.html" "moment=first_loss" "$shots/lossy-first_loss.png"
shoot "$tmp/view_lossy.html" "moment=time_wait" "$shots/lossy-time_wait.png"

# the lossy page has losses and retransmissions; the clean one none
grep -Eq 'data-lost-total="[1-9]' "$tmp/view_dom_lossy_step_$last.html" ||
	fail "the lossy page marks no segment lost"
grep -Eq 'data-retransmitted="[1-9]' "$tmp/view_dom_lossy_step_$last.html" ||
	fail "the lossy page marks no retransmission"
grep -q 'data-lost-total="0"' "$tmp/view_dom_clean_moment_time_wait.html" ||
	fail "the clean page marks a segment lost"
grep -q 'data-retransmitted="0"' "$tmp/view_dom_clean_moment_time_wait.html" ||
	fail "the clean page marks a retransmission"
echo "ok the lossy page marks losses and retransmissions, the clean one none"

# a trace of one side only (as nc's or httpd's against the kernel): the
# peer is drawn untraced, its segments known by their arrival, and none of
# ours is called lost for want of the peer's events
grep '"stack":"client"' "$tmp/view_lossy.json" > "$tmp/view_one.json"
"$bin" view "$tmp/view_one.json" -o "$tmp/view_one.html" || fail "view of one side's trace"
dump "$tmp/view_one.html" "step=999999" > "$tmp/view_dom_one.html"
sends=$(grep -c '"event":"usertcp:segment_send"' "$tmp/view_one.json")
recvs=$(grep -c '"event":"usertcp:segment_recv"' "$tmp/view_one.json")
grep -q 'data-hosts="client,peer (not traced)"' "$tmp/view_dom_one.html" ||
	fail "one side's page does not show the peer as untraced"
grep -q "data-segments-total=\"$((sends + recvs))\"" "$tmp/view_dom_one.html" ||
	fail "one side's page does not hold its $sends sends and $recvs arrivals"
grep -q 'data-lost-total="0"' "$tmp/view_dom_one.html" ||
	fail "one side's page calls segments lost without the peer's events"
grep -q 'data-host="client" data-state="CLOSE"' "$tmp/view_dom_one.html" ||
	fail "one side's page does not end with the client in CLOSE"
echo "ok one side's trace: the peer untraced, $sends sends and $recvs arrivals, none lost"

# clicking a segment (#segment=ID does what the click does): its headers,
# relative seq, and what its arrival caused
dom=$(dump "$tmp/view_clean.html" "segment=0")
echo "$dom" | grep -q '<h2>Segment 0</h2>' || fail "#segment=0 opens no details"
echo "$dom" | grep -q '<td>flags</td><td>\[S\]</td>' || fail "segment 0 is not shown as the SYN"
echo "$dom" | grep -q '<td>seq</td><td>0 (relative)' || fail "the SYN's relative seq is not 0"
echo "$dom" | grep -q 'request socket added to the SYN queue (1 of 128)' ||
	fail "the SYN's arrival does not list the SYN queue's new request socket"
echo "ok #segment=0: the SYN's headers and what its arrival caused"
echo "ok screenshots in $shots"
