#!/usr/bin/env python3
"""Checks the SVG graphs usertcp plot wrote against the trace they came from.

    plot_check.py marks DIR                 print the time-sequence marks
    plot_check.py trace TRACE DIR BYTES     check DIR against the JSON trace
    plot_check.py same DIR1 DIR2 [DIRS]     the marks of DIR1 and DIR2 agree
    plot_check.py pcap-variants IN OUTDIR   write IN as big-endian, microsecond
                                            and raw-IP captures

Every SVG must be well-formed XML. The counts compared:
  data-segment marks   == the sender's usertcp:segment_send events with data
  retransmission marks == the wire segments of its tcp:tcp_retransmit_skb
                          events (a buffer of two MSS goes out as two)
  lost marks           == its usertcp:mark_lost events
  SACK marks           == the SACK blocks of the segments it received
  never-arrived marks  == data segments it sent that the peer's trace never
                          received
  RTT sample marks     == its usertcp:rtt_sample events, value for value
  the largest relative end of a data segment == the bytes sent + 1 (the SYN
  takes sequence number 0, as Wireshark shows it)
Exit status 0 when all hold; otherwise 1, with what differs."""
import glob
import json
import os
import struct
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
GRAPHS = ("tsg", "cwnd", "rtt", "throughput", "rwnd")
errors = []


def fail(msg):
    errors.append(msg)


def classes(el):
    return set(el.get("class", "").split())


def marks(path):
    """The marks of a time-sequence graph, by kind; legend entries carry
    no data-* attributes and are not counted."""
    root = ET.parse(path).getroot()
    out = {"seg": [], "retrans": [], "lost": [], "sack": [], "dropped": []}
    for el in root.iter():
        c = classes(el)
        if el.get("data-t") is None:
            continue
        if "seg" in c:
            seg = (el.get("data-seq"), el.get("data-end"))
            out["seg"].append(seg)
            if "retrans" in c:
                out["retrans"].append(seg)
        for k in ("lost", "sack", "dropped"):
            if k in c:
                out[k].append((el.get("data-seq") or el.get("data-start"),
                               el.get("data-end")))
    return out


def check_wellformed(d):
    files = sorted(glob.glob(os.path.join(d, "*.svg")))
    if not files:
        fail(f"{d}: no SVG files")
    for f in files:
        try:
            root = ET.parse(f).getroot()
        except ET.ParseError as e:
            fail(f"{f}: not well-formed XML: {e}")
            continue
        if root.tag != NS + "svg":
            fail(f"{f}: the root is {root.tag}, not svg")
        # axes a person can read: tick labels, two axis labels, a legend
        texts = [t for t in root.iter(NS + "text")]
        kinds = {}
        for t in texts:
            for c in classes(t):
                kinds[c] = kinds.get(c, 0) + 1
        if kinds.get("ticklabel", 0) < 4 or kinds.get("axislabel", 0) != 2 or \
                kinds.get("legendtext", 0) < 1 or kinds.get("title", 0) != 1:
            fail(f"{f}: missing tick labels, axis labels, legend or title: {kinds}")
    return files


def load_trace(path):
    evs = []
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                evs.append(json.loads(line))
    return evs


def endpoints(evs):
    """The connection's two ends, A the one whose SYN came first."""
    for e in evs:
        if e["event"] == "usertcp:segment_send" and e.get("flags") == "S":
            return (e["saddr"], e["sport"]), (e["daddr"], e["dport"])
    raise SystemExit("no SYN in the trace")


def sent_by(evs, src, dst, event):
    return [e for e in evs if e["event"] == event and
            (e.get("saddr"), e.get("sport")) == src and
            (e.get("daddr"), e.get("dport")) == dst]


def check_trace(trace, d, nbytes):
    evs = load_trace(trace)
    check_wellformed(d)
    a, b = endpoints(evs)
    for tag, x, y in (("a2b", a, b), ("b2a", b, a)):
        path = os.path.join(d, f"tsg-{tag}.svg")
        for g in GRAPHS:
            if not os.path.exists(os.path.join(d, f"{g}-{tag}.svg")):
                fail(f"{d}: no {g}-{tag}.svg")
        if not os.path.exists(path):
            continue
        m = marks(path)
        # the sender's trace: what it sent, retransmitted, marked lost
        # and received
        sends = [e for e in sent_by(evs, x, y, "usertcp:segment_send") if e["len"] > 0]
        mss = max(e["len"] for e in sends)
        retrans = sum((e["len"] + mss - 1) // mss
                      for e in sent_by(evs, x, y, "tcp:tcp_retransmit_skb"))
        lost = sent_by(evs, x, y, "usertcp:mark_lost")
        acks = [e for e in sent_by(evs, y, x, "usertcp:segment_recv")]
        sacks = sum(len(e.get("sack", [])) for e in acks)
        arrived = sum(max(1, e.get("gso_segs", 1))
                      for e in sent_by(evs, x, y, "usertcp:segment_recv") if e["len"] > 0)
        want = {"seg": len(sends), "retrans": retrans, "lost": len(lost), "sack": sacks,
                "dropped": len(sends) - arrived}
        for k, n in want.items():
            if len(m[k]) != n:
                fail(f"{path}: {len(m[k])} {k} marks, the trace says {n}")
        # the RTT graph: one mark per sample the sender took
        root = ET.parse(os.path.join(d, f"rtt-{tag}.svg")).getroot()
        rtt_marks = [el for el in root.iter() if "rtt" in classes(el) and el.get("data-t")]
        rtt_events = sent_by(evs, x, y, "usertcp:rtt_sample")
        if len(rtt_marks) != len(rtt_events):
            fail(f"rtt-{tag}.svg: {len(rtt_marks)} RTT samples, the trace has "
                 f"{len(rtt_events)}")
        elif [round(float(el.get("data-rtt-ms")) * 1000) for el in rtt_marks] != \
                [e["rtt_us"] for e in rtt_events]:
            fail(f"rtt-{tag}.svg: the RTT samples differ from the trace's")
        top = max(int(e) for _, e in m["seg"])
        if top != nbytes + 1:
            fail(f"{path}: the largest relative sequence number is {top}, "
                 f"{nbytes} bytes were sent (want {nbytes + 1})")
        print(f"{tag}: " + ", ".join(f"{len(m[k])} {k}" for k in want))


def check_same(dirs, tags):
    base = dirs[0]
    for tag in tags:
        ref = marks(os.path.join(base, f"tsg-{tag}.svg"))
        for other in dirs[1:]:
            got = marks(os.path.join(other, f"tsg-{tag}.svg"))
            for k in ("seg", "retrans", "sack"):
                if ref[k] != got[k]:
                    fail(f"tsg-{tag}.svg: the {k} marks of {base} ({len(ref[k])}) and "
                         f"{other} ({len(got[k])}) differ")


def pcap_variants(src, outdir):
    """The same capture in the other byte order with microsecond stamps,
    and as raw IP (link type 101) without the Ethernet header."""
    data = open(src, "rb").read()
    magic, vmaj, vmin, zone, sig, snap, link = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xa1b23c4d or link != 1:
        raise SystemExit(f"{src}: expected a little-endian nanosecond Ethernet pcap")
    be = [struct.pack(">IHHiIII", 0xa1b2c3d4, vmaj, vmin, zone, sig, snap, link)]
    raw = [struct.pack("<IHHiIII", magic, vmaj, vmin, zone, sig, snap, 101)]
    off = 24
    while off < len(data):
        sec, nsec, cap, orig = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + cap]
        off += 16 + cap
        # microseconds: exact, the simulator's stamps are whole microseconds
        be.append(struct.pack(">IIII", sec, nsec // 1000, cap, orig) + frame)
        raw.append(struct.pack("<IIII", sec, nsec, cap - 14, orig - 14) + frame[14:])
    open(os.path.join(outdir, "be_usec.pcap"), "wb").write(b"".join(be))
    open(os.path.join(outdir, "raw.pcap"), "wb").write(b"".join(raw))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd = sys.argv[1]
    if cmd == "marks":
        m = marks(os.path.join(sys.argv[2], "tsg-a2b.svg"))
        print({k: len(v) for k, v in m.items()})
    elif cmd == "trace":
        check_trace(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "same":
        dirs = sys.argv[2:]
        check_wellformed(dirs[0])
        tags = [t for t in ("a2b", "b2a") if os.environ.get("PLOT_TAGS", "a2b b2a").count(t)]
        check_same(dirs, tags)
    elif cmd == "pcap-variants":
        pcap_variants(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
    for e in errors:
        print("FAIL: " + e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
