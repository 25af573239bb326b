#!/bin/sh
# bench_view: how long the replay page (usertcp view) takes a step on a
# trace of 100,000 events, in headless Chromium (docs/BENCHMARKS.md,
# "bench_view"). A benchmark, never a test: it prints figures.
#
#   bench/bench_view.sh [USERTCP] [EVENTS]   (default build/usertcp, 100000)
#
# The trace is the first EVENTS lines of a 16 MB demo with 1% loss (a
# prefix of a trace is a trace). The page is opened at #bench=400: it
# takes 400 steps as a person would, every other one the next event
# (the arrow key) and the others a jump to a pseudo-random event (the
# timeline dragged), timing each from the call to the DOM updated (state
# rebuilt from its checkpoint, ladder, queues, state diagram, narration),
# and leaves the mean and the worst in its data-bench-* attributes. Also
# printed: the page's size, and the time from the script's start to the
# first moment drawn (parsing the events and building the checkpoints).
set -eu
bin=${1:-build/usertcp}
events=${2:-100000}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "bench_view: skipped: chromium is not installed (apt-get install chromium)"
	exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bytes=16M
while :; do
	"$bin" demo --json --bytes $bytes --loss 1 --seed 3 | grep '^{' | head -n "$events" > "$dir/trace.json"
	n=$(wc -l < "$dir/trace.json")
	[ "$n" -lt "$events" ] && [ "$bytes" != 256M ] && bytes=$(( ${bytes%M} * 2 ))M && continue
	break
done
"$bin" view "$dir/trace.json" -o "$dir/page.html"
size=$(wc -c < "$dir/page.html")
dom=$(HOME="$dir" timeout 300 "$browser" --headless --no-sandbox --disable-gpu \
	--user-data-dir="$dir/profile" --window-size=1280,900 \
	--dump-dom "file://$dir/page.html#bench=400" 2> /dev/null | grep -o '<div id="view"[^>]*>')
attr() { echo "$dom" | grep -o "$1=\"[^\"]*\"" | cut -d'"' -f2; }
echo "bench_view: $n events, page $((size / 1048576)) MB"
echo "  load (parse, checkpoints, first moment drawn): $(attr data-load-ms) ms"
echo "  a step ($(attr data-bench-steps) steps, half of them jumps): mean $(attr data-bench-ms-avg) ms, worst $(attr data-bench-ms-max) ms"
