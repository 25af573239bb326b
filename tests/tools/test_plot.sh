#!/bin/sh
# usertcp plot and usertcp demo --plot: the SVG graphs are well-formed and
# agree with the trace they were drawn from (segment, retransmission, lost,
# SACK and never-arrived marks counted against the events; the largest
# relative sequence number against the bytes sent), for a clean and a lossy
# demo; the trace and the pcap of the same run give the same
# time-sequence marks, the capture read in either byte order, with
# microsecond stamps and as raw IP; demo --plot draws what plot draws from
# the demo's --json; a file with two connections lists them; bad input
# (a truncated pcap, garbage JSON, an unknown --conn) ends with a clear
# error and a non-zero exit, not a crash.
set -u
bin=$1
tmp=${2:-/tmp}/plot
here=$(dirname "$0")
fail() {
	echo "FAIL: $*"
	exit 1
}
if ! command -v python3 >/dev/null 2>&1; then
	echo "skipped: python3 is not installed (it checks the SVGs)"
	exit 77
fi
check="python3 $here/plot_check.py"
rm -rf "$tmp"
mkdir -p "$tmp" || fail "cannot create $tmp"

# run NAME DEMO-OPTIONS...: the demo's trace, its capture and its own
# --plot, then plot of the trace and of the capture
run() {
	name=$1
	shift
	"$bin" demo --bytes 256K "$@" --json > "$tmp/$name.json" || fail "demo $* --json failed"
	"$bin" demo --bytes 256K "$@" --quiet --pcap "$tmp/$name.pcap" \
		--plot "$tmp/$name-demo" > "$tmp/$name-demo.out" ||
		fail "demo $* --plot failed: $(cat "$tmp/$name-demo.out")"
	"$bin" plot "$tmp/$name.json" -o "$tmp/$name-json" > "$tmp/$name-json.out" 2>&1 ||
		fail "plot of $name.json failed: $(cat "$tmp/$name-json.out")"
	"$bin" plot "$tmp/$name.pcap" -o "$tmp/$name-pcap" > "$tmp/$name-pcap.out" 2>&1 ||
		fail "plot of $name.pcap failed: $(cat "$tmp/$name-pcap.out")"
	$check trace "$tmp/$name.json" "$tmp/$name-json" 262144 ||
		fail "$name: the graphs of the trace disagree with it"
	# demo --plot reads the same events as plot reads from --json
	for f in "$tmp/$name-json"/*.svg; do
		cmp -s "$f" "$tmp/$name-demo/$(basename "$f")" ||
			fail "$name: demo --plot's $(basename "$f") differs from plot's"
	done
}

# ---- a clean run: both directions agree between trace and capture ---------
run clean
$check same "$tmp/clean-json" "$tmp/clean-pcap" ||
	fail "clean: the trace's and the capture's time-sequence marks differ"

# ---- a lossy run: retransmissions, SACKs, losses, drops -------------------
run lossy --loss 5 --seed 7
# The capture is the client's: the server's segments the link dropped never
# reach it, so only the client's direction is the same in both.
PLOT_TAGS=a2b $check same "$tmp/lossy-json" "$tmp/lossy-pcap" ||
	fail "lossy: the trace's and the capture's client-to-server marks differ"
counts=$($check marks "$tmp/lossy-json")
echo "lossy a2b: $counts"
for k in retrans lost sack dropped; do
	case $counts in
	*"'$k': 0"*) fail "the lossy demo's graph has no $k marks: $counts" ;;
	esac
done

# ---- the capture in other forms: big-endian, microseconds, raw IP ----------
python3 "$here/plot_check.py" pcap-variants "$tmp/lossy.pcap" "$tmp" ||
	fail "cannot write the capture's variants"
for v in be_usec raw; do
	"$bin" plot "$tmp/$v.pcap" -o "$tmp/lossy-$v" > /dev/null 2>&1 ||
		fail "plot of the $v capture failed"
	$check same "$tmp/lossy-pcap" "$tmp/lossy-$v" ||
		fail "the $v capture draws differently"
done

# ---- two connections in one file ------------------------------------------
cat "$tmp/clean.json" "$tmp/lossy.json" > "$tmp/two.json"
"$bin" plot "$tmp/two.json" -o "$tmp/two" > "$tmp/two.out" 2>&1 || fail "plot of two.json failed"
grep -q '^2 ' "$tmp/two.out" || fail "two connections, no table: $(cat "$tmp/two.out")"
grep -q 'plotting connection 1' "$tmp/two.out" || fail "which connection is drawn is not said"
"$bin" plot "$tmp/two.json" --conn 2 -o "$tmp/two2" > /dev/null 2>&1 || fail "--conn 2 failed"
$check same "$tmp/lossy-json" "$tmp/two2" || fail "--conn 2 is not the second connection"

# ---- bad input: a clear error and a non-zero exit ---------------------------
# expect_error WHAT WORDS plot-arguments...
expect_error() {
	what=$1
	words=$2
	shift 2
	"$bin" plot "$@" > "$tmp/err.out" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] || fail "$what: exit status 0"
	[ "$rc" -lt 128 ] || fail "$what: killed by a signal ($rc)"
	grep -q "$words" "$tmp/err.out" || fail "$what: no '$words' in: $(cat "$tmp/err.out")"
}
size=$(wc -c < "$tmp/lossy.pcap")
head -c $((size - 100)) "$tmp/lossy.pcap" > "$tmp/cut.pcap"
expect_error "a pcap cut in a packet" "truncated pcap: packet [0-9]* claims" "$tmp/cut.pcap" -o "$tmp/x"
head -c 30 "$tmp/lossy.pcap" > "$tmp/cut2.pcap"
expect_error "a pcap cut in a record header" "truncated pcap" "$tmp/cut2.pcap" -o "$tmp/x"
head -c 10 "$tmp/lossy.pcap" > "$tmp/cut3.pcap"
expect_error "a pcap cut in its file header" "truncated pcap" "$tmp/cut3.pcap" -o "$tmp/x"
head -n 20 "$tmp/clean.json" > "$tmp/garbage.json"
printf '{"t":1.5,"stack":"client","event":"usertcp:segment_send","seq":\n' >> "$tmp/garbage.json"
expect_error "garbage JSON" "line 21: not valid JSON" "$tmp/garbage.json" -o "$tmp/x"
printf 'hello\nworld\n' > "$tmp/words.txt"
expect_error "no trace at all" "no JSON trace events" "$tmp/words.txt" -o "$tmp/x"
expect_error "an unknown connection" "no connection 3: it has 2" "$tmp/two.json" --conn 3 -o "$tmp/x"
expect_error "--conn 0" "invalid value for --conn" "$tmp/two.json" --conn 0 -o "$tmp/x"
expect_error "a missing file" "No such file" "$tmp/none.json" -o "$tmp/x"
expect_error "no -o" "where to" "$tmp/clean.json"
echo "ok: plot"
