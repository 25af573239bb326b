#!/bin/sh
# usertcp view and demo --html: a trace becomes one self-contained page
# (nothing fetched: no external script, style, font or image), the trace's
# events inside it with the narrative's words; text that could end the
# <script> element cannot; bad input is refused with the line and why, and
# a non-zero exit. (What the page shows is tests/tools/test_view_browser.sh.)
set -u
bin=$1
tmp=${2:-/tmp}
fail() {
	echo "FAIL: $*"
	exit 1
}

"$bin" demo --json --bytes 64K --loss 5 --seed 7 > "$tmp/view_cli.json" || fail "demo --json failed"
"$bin" view "$tmp/view_cli.json" -o "$tmp/view_cli.html" || fail "view exited $?"
[ -s "$tmp/view_cli.html" ] || fail "view wrote no page"
# self-contained: no element loads anything from anywhere
if grep -Eiq '<(script|img|iframe)[^>]* src=|<link[^>]*href=|@import|url\((https?:|//)|@font-face' "$tmp/view_cli.html"; then
	fail "the page loads something from outside itself"
fi
n=$(grep -c '^{"t":' "$tmp/view_cli.json")
m=$(grep -c '^{"t":.*,"text":"' "$tmp/view_cli.html")
[ "$n" -eq "$m" ] || fail "the page holds $m events of the trace's $n"
# the narrative's words, as the text trace prints them
grep -q '"text":"  0.000000 server  listen(fd 0, backlog 128) on 10.0.0.1:80: passive socket' \
	"$tmp/view_cli.html" || fail "the page lacks the narrative's listen() line"
m=$("$bin" view - -o - < "$tmp/view_cli.json" | grep -c '^{"t":.*,"text":"')
[ "$n" -eq "$m" ] || fail "view - -o - holds $m events of the trace's $n"
echo "ok view: a self-contained page with the trace's $n events and their narration"

# demo --html writes the page of what it ran, and the run is unchanged
r=$("$bin" demo --quiet --bytes 64K --loss 5 --seed 7 --html "$tmp/view_demo.html")
case $r in
"result: ok "*) ;;
*) fail "demo --html: $r" ;;
esac
m=$(grep -c '^{"t":.*,"text":"' "$tmp/view_demo.html")
[ "$n" -eq "$m" ] || fail "demo --html holds $m events, its --json $n"
grep -q '<title>usertcp view: usertcp demo --quiet --bytes 64K --loss 5 --seed 7 --html ' \
	"$tmp/view_demo.html" || fail "demo --html's page is not titled with its command"
echo "ok demo --html: the same $m events as demo --json"

# a trace of two connections (the second the first moved to port 81):
# both on the page and listed; --conn 2 keeps the second's events alone
{ cat "$tmp/view_cli.json"; sed 's/"sport":80,/"sport":81,/; s/"dport":80,/"dport":81,/' \
	"$tmp/view_cli.json"; } | grep '^{' > "$tmp/view_two.json"
err=$("$bin" view "$tmp/view_two.json" -o "$tmp/view_two.html" 2>&1) || fail "view of two connections: $err"
case $err in
*"holds 2 connections, all of them on the page"*"2  10.0.0.1:81 <-> 10.0.0.2:"*) ;;
*) fail "view of two connections does not list them: $err" ;;
esac
"$bin" view "$tmp/view_two.json" --conn 2 -o "$tmp/view_two2.html" || fail "view --conn 2"
grep -q '"sport":81,' "$tmp/view_two2.html" || fail "--conn 2 lost its own events"
grep -Eq '"(s|d)port":80,' "$tmp/view_two2.html" && fail "--conn 2 kept the other connection's events"
err=$("$bin" view "$tmp/view_two.json" --conn 3 -o "$tmp/view_two3.html" 2>&1)
[ $? -eq 1 ] && case $err in *"holds 2 connections, no connection 3"*) true ;; *) false ;; esac ||
	fail "--conn 3 of 2: $err"
echo "ok several connections: listed, all shown, --conn N keeps one"

# '</script>' inside a field stays text: every '<' in the data is \u003c
printf '%s\n' '{"t":1.000000000,"stack":"a","event":"usertcp:timer","fd":3,"what":"</script><script>document.title=1</script> <!--"}' \
	> "$tmp/view_evil.json"
"$bin" view "$tmp/view_evil.json" -o "$tmp/view_evil.html" || fail "view refused a well-formed line"
[ "$(grep -c '</script>' "$tmp/view_evil.html")" -eq 2 ] ||
	fail "a field's '</script>' reached the page as markup"
grep -q 'timer: \\u003c/script>\\u003cscript>document.title=1\\u003c/script> \\u003c!--' \
	"$tmp/view_evil.html" || fail "the field's text is not in the page, escaped"
echo "ok '</script>' in a field is escaped as \\u003c"

# bad input: a clear error naming the line, exit 1, no page left behind
bad() {
	want=$1
	shift
	printf '%s\n' "$@" > "$tmp/view_bad.json"
	rm -f "$tmp/view_bad.html"
	err=$("$bin" view "$tmp/view_bad.json" -o "$tmp/view_bad.html" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || fail "view of bad input ($want) exited $rc"
	case $err in
	*"$want"*) ;;
	*) fail "view of bad input says '$err', not '$want'" ;;
	esac
	[ ! -e "$tmp/view_bad.html" ] || fail "view left a page behind for bad input ($want)"
}
good='{"t":0.5,"stack":"a","event":"usertcp:timer","fd":1,"what":"x"}'
bad "view_bad.json:2: not a trace event: not a JSON object" "$good" 'hello'
bad "view_bad.json:1: not a trace event: an unterminated string" '{"t":1.0,"stack":"a'
bad "not a trace event: a nested value" '{"t":1.0,"event":"x","a":[1]}'
bad "\"sack\" is not a list" '{"t":1.0,"event":"x","sack":[[1]]}'
bad "\"sack\" is not a list" '{"t":1.0,"event":"x","sack":[[1,2],[3,4],[5,6],[7,8],[9,10]]}'
bad "a window scale out of range" '{"t":1.0,"event":"x","wscale":15}'
bad "not a trace event: \"t\" is not a time" '{"t":"soon","event":"usertcp:timer"}'
bad "without \"t\" and \"event\"" '{"stack":"a"}'
bad "a TCP state Linux does not name" '{"t":1,"event":"usertcp:close","state":"TCP_NAPPING"}'
bad "an address that is not" '{"t":1,"event":"usertcp:bind","saddr":"10.0.0.300"}'
bad "a port out of range" '{"t":1,"event":"usertcp:bind","sport":65536}'
bad "a missing ',' or '}'" '{"t":1,"event":"usertcp:bind" "x":1}'
bad "no trace events" '# only a heading' 'result: ok'
err=$("$bin" view "$tmp/does-not-exist.json" -o "$tmp/view_bad.html" 2>&1)
[ $? -eq 1 ] && case $err in *"does-not-exist.json: No such file"*) true ;; *) false ;; esac ||
	fail "a missing trace: $err"
"$bin" view "$tmp/view_cli.json" > /dev/null 2>&1
[ $? -eq 2 ] || fail "view without -o is not a usage error"
echo "ok bad input: refused with its line and why, exit 1, no page written"
