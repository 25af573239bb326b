#!/bin/sh
# usertcp nc --trace json against the kernel's nc, then usertcp plot of
# that trace and of nc's own capture of the same transfer: the graphs are
# well-formed, and usertcp's data to the kernel draws the same marks from
# both (the capture taken with --no-offload, so that its frames are the
# wire segments the trace tells, not 64 KB buffers); a segment mark for
# every data segment the trace says usertcp sent.
plot=$1
. "$(dirname "$0")/lib.sh"
need nc python3
up

nc_from_usertcp 1 7401 --trace json --no-offload --pcap "$dir/u.pcap"
cp "$dir/u.err" "$dir/trace.json"
"$plot" plot "$dir/trace.json" -o "$dir/g-trace" > "$dir/plot.log" 2>&1 ||
	fail "plot of nc's trace: $(cat "$dir/plot.log")"
"$plot" plot "$dir/u.pcap" -o "$dir/g-pcap" > "$dir/plot.log" 2>&1 ||
	fail "plot of nc's capture: $(cat "$dir/plot.log")"
PLOT_TAGS=a2b python3 "$here/../tools/plot_check.py" same "$dir/g-trace" "$dir/g-pcap" ||
	fail "the trace's and the capture's usertcp-to-kernel marks differ"
marks=$(python3 "$here/../tools/plot_check.py" marks "$dir/g-trace")
sent=$(grep -c '"event":"usertcp:segment_send".*"sport":[1-9][0-9]*,"daddr":"'"$K"'","dport":7401,.*"len":[1-9]' "$dir/trace.json")
case $marks in
*"'seg': $sent,"*) ;;
*) fail "$sent data segments sent, the graph has: $marks" ;;
esac
echo "ok usertcp nc --trace json, plot of the trace and of the capture agree: $marks"
