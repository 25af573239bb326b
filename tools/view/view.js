/* The replay page's script. It draws; it does not narrate: each event's
 * words ("text") were written by usertcp's narrative printer in C.
 *
 * One step is one trace event. What each side holds at a step (its TCP
 * state, queue depths, congestion window) is rebuilt from the checkpoint
 * saved every CHECK events by replaying at most CHECK - 1 events, and the
 * ladder draws only the rows in view, so a step costs the same at event
 * 10 as at event 100,000. */
(function () {
  'use strict';
  var tStart = performance.now();

  var data = JSON.parse(document.getElementById('trace').textContent);
  var E = data.events;
  var N = E.length;
  var view = document.getElementById('view');
  var $ = function (id) { return document.getElementById(id); };
  var CHECK = 256;       /* events between state checkpoints */
  var ROW = 18;          /* ladder: pixels per row (one row per segment event) */

  /* ---- the two hosts: the one sending the first SYN on the left ---------- */
  var names = [];
  E.forEach(function (e) { if (names.indexOf(e.stack) < 0) names.push(e.stack); });
  for (var i = 0; i < N; i++) {
    if (E[i].event === 'usertcp:segment_send' && E[i].flags === 'S') {
      var first = E[i].stack;
      names.splice(names.indexOf(first), 1);
      names.unshift(first);
      break;
    }
  }
  var traced = [true, names.length > 1];
  var H = [names[0], names.length > 1 ? names[1] : 'peer (not traced)'];
  var hostOf = new Int8Array(N);
  for (i = 0; i < N; i++) hostOf[i] = E[i].stack === H[0] ? 0 : E[i].stack === H[1] ? 1 : -1;

  /* ---- segments: each send matched with its arrival ----------------------- */
  /* A segment is {s, r: event indexes of its send and its arrival (-1:
   * none), from: host, lost, rtx}. A receive GRO merged (gso_segs > 1)
   * is the arrival of each wire segment it stands for. */
  var segs = [];
  var segOf = new Int32Array(N).fill(-1);
  var byKey = new Map();   /* from|seq|ack|flags|len -> segment ids waiting to arrive */
  var bySeq = new Map();   /* from|seq -> data segment ids waiting to arrive */
  var sentData = new Set();
  function take(map, key) {
    var q = map.get(key);
    while (q && q.length) {
      var id = q.shift();
      if (segs[id].r < 0) return id;
    }
    return -1;
  }
  function put(map, key, id) {
    var q = map.get(key);
    if (!q) map.set(key, q = []);
    q.push(id);
  }
  for (i = 0; i < N; i++) {
    var e = E[i], h = hostOf[i];
    if (h < 0) continue;
    if (e.event === 'usertcp:segment_send') {
      var id = segs.length;
      var rtx = false;
      if (e.len > 0 || /[SF]/.test(e.flags)) {
        var k = h + '|' + e.seq + '|' + e.flags.replace(/[P.]/g, '');
        rtx = sentData.has(k);
        sentData.add(k);
      }
      segs.push({ s: i, r: -1, from: h, lost: false, rtx: rtx });
      segOf[i] = id;
      put(byKey, h + '|' + e.seq + '|' + e.ack_seq + '|' + e.flags + '|' + e.len, id);
      if (e.len > 0) put(bySeq, (h) + '|' + e.seq, id);
    } else if (e.event === 'usertcp:segment_recv') {
      var from = 1 - h, got = -1;
      if (e.gso_segs > 1) {
        var cur = e.seq >>> 0, end = (e.seq + e.len) >>> 0, guard = e.gso_segs + 1;
        while (cur !== end && guard-- > 0) {
          var sid = take(bySeq, from + '|' + cur);
          if (sid < 0) break;
          segs[sid].r = i;
          if (got < 0) got = sid;
          cur = (cur + E[segs[sid].s].len) >>> 0;
        }
      } else {
        got = take(byKey, from + '|' + e.seq + '|' + e.ack_seq + '|' + e.flags + '|' + e.len);
        if (got >= 0) segs[got].r = i;
      }
      if (got < 0) {
        got = segs.length;
        segs.push({ s: -1, r: i, from: from, lost: false, rtx: false });
      }
      segOf[i] = got;
    }
  }
  /* Sent to a traced host and never received: lost on the way. */
  segs.forEach(function (g) { if (g.r < 0 && traced[1 - g.from]) g.lost = true; });
  var firstEv = function (g) { return g.s >= 0 ? g.s : g.r; };

  /* Relative sequence numbers, as Wireshark shows them: from each side's
   * ISN (its SYN's seq). */
  var isn = [null, null];
  segs.forEach(function (g) {
    var e = E[firstEv(g)];
    if (isn[g.from] === null && /S/.test(e.flags)) isn[g.from] = e.seq >>> 0;
  });
  function rel(h, v) { return isn[h] === null ? v : ((v - isn[h]) >>> 0); }

  /* ---- ladder rows: one per segment event, in trace order ----------------- */
  var rowOf = new Int32Array(N);     /* rows begun up to and including event i */
  var rows = 0;
  for (i = 0; i < N; i++) {
    if (segOf[i] >= 0) rows++;
    rowOf[i] = rows;
  }
  /* a lost segment travels as far as half a delivered one's span */
  var spans = segs.filter(function (g) { return g.s >= 0 && g.r >= 0; })
    .map(function (g) { return rowOf[g.r] - rowOf[g.s]; }).sort(function (a, b) { return a - b; });
  var typical = spans.length ? Math.max(1, spans[spans.length >> 1]) : 2;
  segs.forEach(function (g) {
    g.y1 = g.s >= 0 ? rowOf[g.s] : rowOf[g.r] - 0.6;
    g.y2 = g.r >= 0 ? rowOf[g.r] : g.y1 + (g.lost ? typical / 2 : 1.0);
  });
  var rowEvent = new Int32Array(rows + 2);
  for (i = N - 1; i >= 0; i--) if (segOf[i] >= 0) rowEvent[rowOf[i]] = i;
  var maxSpan = 1;
  segs.forEach(function (g) { maxSpan = Math.max(maxSpan, g.y2 - g.y1); });
  /* segments by first row, for the visible window */
  var segStart = segs.map(function (g, n) { return n; }).sort(function (a, b) { return segs[a].y1 - segs[b].y1; });

  /* ---- what each side holds, step by step -------------------------------- */
  var STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT',
    'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];
  var CA = ['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'];
  function stateNo(name) { var n = STATES.indexOf(String(name).replace(/^TCP_/, '')); return n < 0 ? 0 : n; }
  /* per host fields */
  var F = { state: 0, from: 1, syn: 2, backlog: 3, acc: 4, wq: 5, wlim: 6, rq: 7, rlim: 8, oq: 9,
    wend: 10, una: 11, cwnd: 12, ca: 13, conn: 14, listening: 15, nowrite: 16 };
  var NF = 17, G = 2 * NF; /* then: segments, lost, retransmitted so far */
  var NS = G + 3;
  function fresh() { var s = new Float64Array(NS); s[F.state] = s[NF + F.state] = 7; s[F.nowrite] = s[NF + F.nowrite] = 1; return s; }
  function apply(st, i) {
    var e = E[i], h = hostOf[i], g = segOf[i];
    if (g >= 0 && firstEv(segs[g]) === i) {
      st[G]++;
      if (segs[g].lost) st[G + 1]++;
      if (segs[g].rtx) st[G + 2]++;
    }
    if (h < 0) return;
    var b = h * NF;
    switch (e.event) {
      case 'sock:inet_sock_set_state':
        /* the side's connection; its listener only until there is one */
        if (e.dport || !st[b + F.conn]) {
          st[b + F.from] = stateNo(e.oldstate);
          st[b + F.state] = stateNo(e.newstate);
          if (e.dport) st[b + F.conn] = 1;
        }
        if (e.newstate === 'TCP_LISTEN') st[b + F.listening] = 1;
        /* a listener that stops takes its queues with it (the requests
         * it drops are traced; the unaccepted connections are not) */
        if (e.oldstate === 'TCP_LISTEN') st[b + F.syn] = st[b + F.acc] = 0;
        break;
      case 'usertcp:listen':
        st[b + F.backlog] = e.limit;
        break;
      case 'usertcp:syn_queue_add':
      case 'usertcp:syn_queue_drop':
        st[b + F.syn] = e.depth; st[b + F.backlog] = e.limit;
        break;
      case 'usertcp:accept_queue_add':
        st[b + F.syn] = Math.max(0, st[b + F.syn] - 1);
        st[b + F.acc] = e.depth; st[b + F.backlog] = e.limit;
        break;
      case 'usertcp:listen_overflow':
      case 'usertcp:accept':
        st[b + F.acc] = e.depth;
        break;
      case 'usertcp:write_queue':
        if (st[b + F.nowrite]) { st[b + F.una] = e.seq; st[b + F.nowrite] = 0; }
        st[b + F.wend] = e.end_seq;
        st[b + F.wq] = (e.end_seq - st[b + F.una]) >>> 0;
        st[b + F.wlim] = e.limit;
        break;
      case 'usertcp:write_queue_free':
        st[b + F.una] = e.end_seq; st[b + F.nowrite] = 0;
        st[b + F.wq] = e.depth; st[b + F.wlim] = e.limit;
        break;
      case 'usertcp:receive_queue':
      case 'usertcp:user_read':
        st[b + F.rq] = e.depth; st[b + F.rlim] = e.limit;
        break;
      case 'usertcp:ofo_queue':
      case 'usertcp:ofo_queue_drain':
        st[b + F.oq] = e.depth; if (e.limit) st[b + F.rlim] = e.limit;
        break;
      case 'tcp:tcp_cong_state_set':
        st[b + F.ca] = Math.max(0, CA.indexOf(String(e.ca_state).replace(/^TCP_CA_/, '')));
        break;
    }
    if (e.cwnd !== undefined) st[b + F.cwnd] = e.cwnd;
  }
  /* checkpoint c holds the state after events [0, c * CHECK) */
  var checkpoints = [];
  (function () {
    var st = fresh();
    for (var n = 0; n < N; n++) {
      if (n % CHECK === 0) checkpoints.push(st.slice());
      apply(st, n);
    }
  })();
  function stateAt(step) {
    var c = Math.floor(step / CHECK), st = checkpoints[c].slice();
    for (var n = c * CHECK; n <= step; n++) apply(st, n);
    return st;
  }

  /* ---- named moments --------------------------------------------------------- */
  var moments = {};
  function firstWhere(fn) { for (var n = 0; n < N; n++) if (fn(E[n], n)) return n; return -1; }
  var lostSeg = segs.filter(function (g) { return g.lost; }).sort(function (a, b) { return a.s - b.s; })[0];
  [['syn_sent', 'SYN sent', function (e) { return e.event === 'sock:inet_sock_set_state' && e.newstate === 'TCP_SYN_SENT'; }],
   ['established', 'handshake complete', function (e) { return e.event === 'sock:inet_sock_set_state' && e.newstate === 'TCP_ESTABLISHED'; }],
   ['accept', 'accept()', function (e) { return e.event === 'usertcp:accept'; }],
   ['first_loss', 'the first loss', lostSeg ? function (e, n) { return n === lostSeg.s; }
     : function (e) { return e.event === 'usertcp:mark_lost' || e.event === 'tcp:tcp_retransmit_skb'; }],
   ['first_retransmit', 'the first retransmission', function (e) { return e.event === 'tcp:tcp_retransmit_skb'; }],
   ['close', 'the first close()', function (e) { return e.event === 'usertcp:close'; }],
   ['time_wait', 'TIME_WAIT', function (e) { return e.event === 'sock:inet_sock_set_state' && e.newstate === 'TCP_TIME_WAIT'; }]
  ].forEach(function (m) {
    var n = firstWhere(m[2]);
    if (n < 0) return;
    moments[m[0]] = n;
    var o = document.createElement('option');
    o.value = m[0]; o.textContent = m[1] + ' (event ' + n + ')';
    $('moment').appendChild(o);
  });

  /* ---- drawing ------------------------------------------------------------------- */
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
  }
  function secs(t) { return Number(t).toFixed(6); }
  function label(g) {
    var e = E[firstEv(g)], to = 1 - g.from;
    var s = '[' + e.flags + '] ' + rel(g.from, e.seq);
    if (e.len) s += ':' + rel(g.from, e.seq + e.len);
    if (/\./.test(e.flags)) s += ' ack ' + rel(to, e.ack_seq);
    s += ' win ' + e.window + ' len ' + e.len;
    if (e.gso_segs > 1 && g.s < 0) s += ' (GRO ' + e.gso_segs + ')';
    if (g.rtx) s += ' RETRANSMITTED';
    if (g.lost) s += ' LOST';
    return s;
  }

  var ladder = $('ladder');
  function drawLadder(step, st) {
    var W = ladder.clientWidth || 700, Hh = ladder.clientHeight || 640;
    var x0 = 80, x1 = W - 60, top = 30;
    var vis = Math.floor((Hh - top - 10) / ROW);
    var cur = rowOf[step];
    var first = Math.max(0, cur - Math.floor(vis / 2));
    var yOf = function (r) { return top + (r - first) * ROW; };
    var out = [];
    out.push('<defs><marker id="ah0" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#1f6fb2"/></marker>' +
      '<marker id="ah1" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#c0561a"/></marker></defs>');
    out.push('<text class="host" x="' + x0 + '" y="14" text-anchor="middle" fill="#1f6fb2">' + esc(H[0]) + '</text>');
    out.push('<text class="host" x="' + x1 + '" y="14" text-anchor="middle" fill="#c0561a">' + esc(H[1]) + '</text>');
    out.push('<line x1="' + x0 + '" y1="20" x2="' + x0 + '" y2="' + Hh + '" stroke="#1f6fb2" stroke-width="2"/>');
    out.push('<line x1="' + x1 + '" y1="20" x2="' + x1 + '" y2="' + Hh + '" stroke="#c0561a" stroke-width="2" ' + (traced[1] ? '' : 'stroke-dasharray="4 4"') + '/>');
    var yn = yOf(cur) + 4;
    out.push('<line class="nowline" x1="0" x2="' + W + '" y1="' + yn + '" y2="' + yn + '"/>');
    /* the time of each row where it changes */
    var lastT = null;
    for (var r = Math.max(1, first); r <= Math.min(rows, first + vis); r++) {
      var tr = Number(E[rowEvent[r]].t).toFixed(3);
      if (tr !== lastT) out.push('<text x="2" y="' + (yOf(r) + 4) + '" fill="#888">' + tr + '</text>');
      lastT = tr;
    }
    var lo = first - maxSpan - 1, hi = first + vis + 1;
    /* binary search the first segment starting at or after lo */
    var a = 0, b = segStart.length;
    while (a < b) { var m = (a + b) >> 1; if (segs[segStart[m]].y1 < lo) a = m + 1; else b = m; }
    for (var n = a; n < segStart.length; n++) {
      var id = segStart[n], g = segs[id];
      if (g.y1 > hi) break;
      if (g.y2 < first - 1) continue;
      var fx = g.from ? x1 : x0, tx = g.from ? x0 : x1;
      var ya = yOf(g.y1), yb = yOf(g.y2);
      var xe = tx;
      if (g.lost) xe = fx + (tx - fx) * 0.5;
      else if (g.r < 0) xe = fx + (tx - fx) * 0.9;
      var future = firstEv(g) > step;
      var cls = 'seg' + (future ? ' future' : '') + (g.lost ? ' lost' : '') + (g.rtx ? ' rtx' : '') + (id === selected ? ' sel' : '');
      var col = g.from ? '#c0561a' : '#1f6fb2';
      var s = '<g class="' + cls + '" data-seg="' + id + '">';
      /* in flight at this step: drawn as far as it has come */
      if (!future && g.r > step && !g.lost) {
        var f = Math.min(1, Math.max(0, (cur - g.y1) / Math.max(0.01, g.y2 - g.y1)));
        var xm = fx + (tx - fx) * f, ym = ya + (yb - ya) * f;
        s += '<line x1="' + fx + '" y1="' + ya + '" x2="' + xm + '" y2="' + ym + '" stroke="' + col + '" stroke-width="1.6"/>';
        s += '<line x1="' + xm + '" y1="' + ym + '" x2="' + tx + '" y2="' + yb + '" stroke="' + col + '" stroke-opacity="0.25" stroke-width="1.6"/>';
      } else {
        s += '<line x1="' + fx + '" y1="' + ya + '" x2="' + xe + '" y2="' + yb + '" stroke="' + col + '" stroke-width="1.6"' + (g.lost ? '' : ' marker-end="url(#ah' + g.from + ')"') + '/>';
      }
      if (g.lost) {
        var lx = xe, ly = yb;
        s += '<path d="M' + (lx - 5) + ',' + (ly - 5) + 'L' + (lx + 5) + ',' + (ly + 5) + 'M' + (lx - 5) + ',' + (ly + 5) + 'L' + (lx + 5) + ',' + (ly - 5) + '" stroke="#c81e1e" stroke-width="2.2"/>';
      }
      /* a wide invisible line to click */
      s += '<line x1="' + fx + '" y1="' + ya + '" x2="' + xe + '" y2="' + yb + '" stroke="transparent" stroke-width="10"/>';
      var lyb = g.s >= 0 ? ya - 3 : yb - 3;
      if (!future && (g.s >= 0 || !traced[g.from]))
        s += '<text x="' + (g.from ? x1 - 6 : x0 + 6) + '" y="' + lyb + '" text-anchor="' + (g.from ? 'end' : 'start') + '" fill="' + col + '">' + esc(label(g)) + '</text>';
      s += '</g>';
      out.push(s);
    }
    ladder.innerHTML = out.join('');
  }

  /* The state diagram: RFC 9293's eleven states and the transitions of
   * its figure 5, with Linux's names; each side's state lit in its
   * colour, and the transition that took it there. */
  var NODES = {
    CLOSE: [270, 18], LISTEN: [130, 78], SYN_SENT: [410, 78], SYN_RECV: [130, 148],
    ESTABLISHED: [270, 200], FIN_WAIT1: [110, 262], CLOSE_WAIT: [430, 262],
    FIN_WAIT2: [110, 336], CLOSING: [270, 300], LAST_ACK: [430, 336], TIME_WAIT: [270, 378]
  };
  /* The two edges back to CLOSE go round the outside (route x). */
  var EDGES = [
    ['CLOSE', 'LISTEN', 'passive open'], ['CLOSE', 'SYN_SENT', 'active open: send SYN'],
    ['LISTEN', 'SYN_RECV', 'rcv SYN: send SYN,ACK'], ['LISTEN', 'SYN_SENT', 'send SYN'],
    ['SYN_SENT', 'SYN_RECV', 'rcv SYN: simultaneous open'], ['SYN_RECV', 'ESTABLISHED', 'rcv ACK of SYN'],
    ['SYN_SENT', 'ESTABLISHED', 'rcv SYN,ACK: send ACK'], ['SYN_RECV', 'FIN_WAIT1', 'close: send FIN'],
    ['SYN_RECV', 'LISTEN', 'rcv RST'],
    ['ESTABLISHED', 'FIN_WAIT1', 'close: send FIN'], ['ESTABLISHED', 'CLOSE_WAIT', 'rcv FIN: send ACK'],
    ['FIN_WAIT1', 'FIN_WAIT2', 'rcv ACK of FIN'], ['FIN_WAIT1', 'CLOSING', 'rcv FIN: send ACK'],
    ['FIN_WAIT1', 'TIME_WAIT', 'rcv FIN,ACK'], ['FIN_WAIT2', 'TIME_WAIT', 'rcv FIN: send ACK'],
    ['CLOSING', 'TIME_WAIT', 'rcv ACK of FIN'], ['CLOSE_WAIT', 'LAST_ACK', 'close: send FIN'],
    ['LAST_ACK', 'CLOSE', 'rcv ACK of FIN', 508], ['TIME_WAIT', 'CLOSE', 'timeout 2*MSL', 30],
    ['LISTEN', 'CLOSE', 'close'], ['SYN_SENT', 'CLOSE', 'close']
  ];
  function nodeName(n) { var s = STATES[n]; return s === 'NEW_SYN_RECV' ? 'SYN_RECV' : s; }
  var stateSvg = $('states');
  var edgeBoth = {};
  EDGES.forEach(function (ed) { edgeBoth[ed[0] + '>' + ed[1]] = true; });
  (function () {
    var out = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#888"/></marker>' +
      '<linearGradient id="both"><stop offset="50%" stop-color="#cfe3f6"/><stop offset="50%" stop-color="#f8d6bd"/></linearGradient></defs>'];
    EDGES.forEach(function (ed, n) {
      var a = NODES[ed[0]], b = NODES[ed[1]];
      /* end at the box's edge (boxes 96 x 22) */
      var dx = b[0] - a[0], dy = b[1] - a[1];
      var clip = function (p, sx, sy) {
        var t = Math.min(sx ? 48 / Math.abs(sx) : 1e9, sy ? 11 / Math.abs(sy) : 1e9);
        return [p[0] + sx * t, p[1] + sy * t];
      };
      var d;
      if (ed[3]) {
        var side = ed[3] > a[0] ? 48 : -48;
        d = 'M' + (a[0] + side) + ',' + a[1] + 'H' + ed[3] + 'V' + b[1] + 'H' + (b[0] + (ed[3] > b[0] ? 48 : -48));
      } else {
        /* an edge whose reverse exists is moved aside, so both show */
        var len = Math.sqrt(dx * dx + dy * dy) || 1, off = edgeBoth[ed[1] + '>' + ed[0]] ? 5 : 0;
        var ox = -dy / len * off, oy = dx / len * off;
        var p2 = clip(a, dx, dy), q2 = clip(b, -dx, -dy);
        d = 'M' + (p2[0] + ox) + ',' + (p2[1] + oy) + 'L' + (q2[0] + ox) + ',' + (q2[1] + oy);
      }
      out.push('<path class="edge" id="edge' + n + '" d="' + d + '"><title>' + ed[0] + ' \u2192 ' + ed[1] + ': ' + ed[2] + '</title></path>');
    });
    Object.keys(NODES).forEach(function (k) {
      var p = NODES[k];
      out.push('<g class="node" id="node-' + k + '"><rect x="' + (p[0] - 48) + '" y="' + (p[1] - 11) + '" width="96" height="22" rx="5"/>' +
        '<text x="' + p[0] + '" y="' + (p[1] + 4) + '" text-anchor="middle">' + k + '</text></g>');
    });
    stateSvg.innerHTML = out.join('');
  })();
  var edgeIndex = {};
  EDGES.forEach(function (ed, n) { edgeIndex[ed[0] + '>' + ed[1]] = n; });
  function drawStates(st) {
    var lit = stateSvg.querySelectorAll('.on0,.on1,.last0,.last1');
    for (var n = 0; n < lit.length; n++) lit[n].classList.remove('on0', 'on1', 'last0', 'last1');
    for (var h = 0; h < 2; h++) {
      if (!traced[h]) continue;
      var b = h * NF, s = nodeName(st[b + F.state]);
      var node = document.getElementById('node-' + s);
      if (node) node.classList.add('on' + h);
      var ed = edgeIndex[nodeName(st[b + F.from]) + '>' + s];
      if (ed !== undefined) document.getElementById('edge' + ed).classList.add('last' + h);
    }
  }

  /* each side's queues against their limits */
  var hostsDiv = $('hosts');
  var QUEUES = [
    ['syn', 'SYN queue', F.syn, F.backlog, 'syn-queue', 'request sockets'],
    ['acc', 'accept queue', F.acc, F.backlog, 'accept-queue', 'connections'],
    ['wq', 'write queue', F.wq, F.wlim, 'write-queue', 'bytes'],
    ['rq', 'receive queue', F.rq, F.rlim, 'receive-queue', 'bytes'],
    ['oq', 'out-of-order', F.oq, F.rlim, 'ofo-queue', 'bytes']
  ];
  var hostEls = [0, 1].map(function (h) {
    var d = document.createElement('div');
    d.className = 'hostbox h' + h;
    d.dataset.host = H[h];
    var html = '<h3>' + esc(H[h]) + ' <span class="st"></span></h3><div class="cc"></div>';
    QUEUES.forEach(function (q) {
      html += '<div class="q q-' + q[0] + '" title="' + q[1] + ' (' + q[5] + ')"><span>' + q[1] + '</span><div class="bar"><div class="fill"></div><span class="num"></span></div></div>';
    });
    d.innerHTML = html;
    hostsDiv.appendChild(d);
    return d;
  });
  function drawHosts(st) {
    for (var h = 0; h < 2; h++) {
      var d = hostEls[h], b = h * NF;
      if (!traced[h]) {
        d.querySelector('.st').textContent = '(its events are not in the trace)';
        d.querySelectorAll('.q').forEach(function (q) { q.style.display = 'none'; });
        continue;
      }
      var sname = STATES[st[b + F.state]];
      d.dataset.state = sname;
      d.querySelector('.st').textContent = sname;
      d.querySelector('.cc').textContent = st[b + F.cwnd] ? 'cwnd ' + st[b + F.cwnd] + ' segments, congestion state ' + CA[st[b + F.ca]] : '';
      QUEUES.forEach(function (q) {
        var v = st[b + q[2]], lim = st[b + q[3]];
        d.dataset[q[4].replace(/-(.)/g, function (m, c) { return c.toUpperCase(); })] = v;
        var row = d.querySelector('.q-' + q[0]);
        var listener = q[0] === 'syn' || q[0] === 'acc';
        row.style.display = listener && !st[b + F.listening] ? 'none' : '';
        /* the accept queue holds backlog + 1 (Linux's sk_acceptq_is_full) */
        var cap = q[0] === 'acc' ? lim + 1 : lim;
        row.querySelector('.fill').style.width = (cap ? Math.min(100, 100 * v / cap) : 0) + '%';
        row.querySelector('.num').textContent = v + (lim ? ' of ' + lim : '') + (q[5] === 'bytes' ? ' B' : '');
      });
      d.dataset.backlog = st[b + F.backlog];
      d.dataset.writeLimit = st[b + F.wlim];
      d.dataset.receiveLimit = st[b + F.rlim];
    }
  }

  var logEl = $('log');
  function drawLog(step) {
    var out = [];
    for (var n = Math.max(0, step - 11); n <= step; n++)
      out.push('<li data-step="' + n + '"' + (n === step ? ' class="cur"' : '') + '>' + esc(E[n].text) + '</li>');
    logEl.innerHTML = out.join('');
    logEl.scrollTop = logEl.scrollHeight;
  }

  /* ---- a segment's details ------------------------------------------------------ */
  var selected = -1;
  function showSegment(id) {
    selected = id;
    var g = segs[id], e = E[firstEv(g)], to = 1 - g.from;
    var rows = [
      ['from', H[g.from] + ' ' + e.saddr + ':' + e.sport],
      ['to', H[to] + ' ' + e.daddr + ':' + e.dport],
      ['flags', '[' + e.flags + ']'],
      ['seq', rel(g.from, e.seq) + ' (relative), ' + (e.seq >>> 0) + ' (absolute)'],
      ['end_seq', rel(g.from, e.end_seq) + ' (relative)'],
      ['ack', /\./.test(e.flags) ? rel(to, e.ack_seq) + ' (relative), ' + (e.ack_seq >>> 0) + ' (absolute)' : '(no ACK flag)'],
      ['window', e.window + ' (as on the wire, unscaled)'],
      ['len', e.len + ' bytes of payload'],
      ['sent', g.s >= 0 ? secs(E[g.s].t) + ' s (event ' + g.s + ')' + (g.rtx ? ', a retransmission' : '') : '(not in the trace)'],
      ['arrived', g.r >= 0 ? secs(E[g.r].t) + ' s (event ' + g.r + ')' + (E[g.r].gso_segs > 1 ? ', one of ' + E[g.r].gso_segs + ' merged by GRO' : '') : g.lost ? 'never: lost on the way' : '(not in the trace)']
    ];
    var html = '<h2>Segment ' + id + '</h2><table>' + rows.map(function (r) { return '<tr><td>' + r[0] + '</td><td>' + esc(r[1]) + '</td></tr>'; }).join('') + '</table>';
    /* what it caused: the receiver's events at its arrival, until the
     * next segment arrives there */
    if (g.r >= 0) {
      html += '<h2>What its arrival caused</h2><ol start="' + g.r + '">';
      for (var n = g.r, c = 0; n < N && c < 40; n++) {
        if (n > g.r && (E[n].t !== E[g.r].t || (E[n].event === 'usertcp:segment_recv' && E[n].stack === E[g.r].stack))) break;
        if (E[n].stack !== E[g.r].stack) continue;
        html += '<li data-step="' + n + '">' + esc(E[n].text) + '</li>';
        c++;
      }
      html += '</ol>';
    } else if (g.s >= 0) {
      html += '<h2>At its sending</h2><ol start="' + g.s + '"><li data-step="' + g.s + '">' + esc(E[g.s].text) + '</li></ol>';
    }
    $('detail-body').innerHTML = html;
    $('detail').hidden = false;
    view.dataset.selected = id;
    go(firstEv(g) > step ? firstEv(g) : step);
  }
  $('detail-close').onclick = function () { $('detail').hidden = true; selected = -1; delete view.dataset.selected; go(step); };
  ladder.addEventListener('click', function (ev) {
    var g = ev.target.closest('[data-seg]');
    if (g) showSegment(Number(g.dataset.seg));
  });
  function stepClick(ev) { var li = ev.target.closest('[data-step]'); if (li) go(Number(li.dataset.step)); }
  logEl.addEventListener('click', stepClick);
  $('detail-body').addEventListener('click', stepClick);

  /* ---- the timeline ----------------------------------------------------------------- */
  var step = 0;
  var scrub = $('scrub');
  scrub.max = String(N - 1);
  function go(n) {
    var t0 = performance.now();
    step = Math.max(0, Math.min(N - 1, n | 0));
    var st = stateAt(step);
    var e = E[step];
    $('narration').textContent = e.text;
    $('pos').textContent = 'event ' + step + ' of ' + (N - 1) + ', t = ' + secs(e.t) + ' s';
    scrub.value = String(step);
    $('seg-count').textContent = st[G] + ' of ' + segs.length + ' so far, ' + st[G + 1] + ' lost, ' + st[G + 2] + ' retransmitted';
    drawLadder(step, st);
    drawStates(st);
    drawHosts(st);
    drawLog(step);
    view.dataset.step = step;
    view.dataset.event = e.event;
    view.dataset.time = e.t;
    view.dataset.segments = st[G];
    view.dataset.lost = st[G + 1];
    view.dataset.retransmitted = st[G + 2];
    var ms = performance.now() - t0;
    view.dataset.stepMs = ms.toFixed(2);
    /* the address names the moment, to come back to or pass on */
    clearTimeout(hashTimer);
    hashTimer = setTimeout(function () {
      if (history.replaceState) history.replaceState(null, '', '#step=' + step);
    }, 400);
    return ms;
  }
  var hashTimer = null;

  var timer = null;
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    $('b-play').innerHTML = on ? '||' : '&#x25B6;';
    if (!on) return;
    var rate = Number($('speed').value), last = performance.now(), acc = 0;
    timer = setInterval(function () {
      var now = performance.now();
      acc += (now - last) * rate / 1000; last = now;
      var k = Math.floor(acc);
      if (k < 1) return;
      acc -= k;
      if (step >= N - 1) { play(false); return; }
      go(step + k);
    }, 30);
  }
  function segStep(dir) {
    for (var n = step + dir; n >= 0 && n < N; n += dir) if (segOf[n] >= 0) return go(n);
  }
  /* a clicked button gives the keys back to the page (space would press
   * it again) */
  Array.prototype.forEach.call(document.querySelectorAll('#controls button'), function (b) {
    b.addEventListener('mouseup', function () { b.blur(); });
  });
  $('b-first').onclick = function () { go(0); };
  $('b-last').onclick = function () { go(N - 1); };
  $('b-prev').onclick = function () { go(step - 1); };
  $('b-next').onclick = function () { go(step + 1); };
  $('b-prev-seg').onclick = function () { segStep(-1); };
  $('b-next-seg').onclick = function () { segStep(1); };
  $('b-play').onclick = function () { play(!timer); };
  $('speed').onchange = function () { if (timer) play(true); };
  scrub.addEventListener('input', function () { go(Number(scrub.value)); });
  $('moment').onchange = function () { var m = this.value; if (m in moments) go(moments[m]); };
  document.addEventListener('keydown', function (ev) {
    if (ev.target.tagName === 'SELECT' || ev.target.tagName === 'INPUT' && ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    var k = ev.key, done = true;
    if (k === 'ArrowRight') go(step + 1);
    else if (k === 'ArrowLeft') go(step - 1);
    else if (k === 'n') segStep(1);
    else if (k === 'p') segStep(-1);
    else if (k === ' ') play(!timer);
    else if (k === 'Home') go(0);
    else if (k === 'End') go(N - 1);
    else if (k === 'PageDown') go(step + 100);
    else if (k === 'PageUp') go(step - 100);
    else if (k === 'Escape') $('detail-close').onclick();
    else done = false;
    if (done) ev.preventDefault();
  });

  /* #step=N, #moment=NAME, #segment=ID (opens its details), #bench=K
   * (K timed steps, half of them jumps, each with the style and layout it
   * causes; the figures in data-bench-*). data-load-ms: from the
   * script's start (the events parsed) to the first moment drawn. */
  function fromHash() {
    var h = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var p = kv.split('=');
      if (p[0]) h[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || '');
    });
    if (h.moment !== undefined) {
      view.dataset.moment = h.moment;
      if (h.moment in moments) { view.dataset.momentFound = '1'; go(moments[h.moment]); }
      else { view.dataset.momentFound = '0'; go(0); }
    } else if (h.step !== undefined) {
      go(Number(h.step));
    } else {
      go(0);
    }
    if (!view.dataset.loadMs) view.dataset.loadMs = (performance.now() - tStart).toFixed(1);
    if (h.segment !== undefined && segs[Number(h.segment)]) showSegment(Number(h.segment));
    if (h.bench !== undefined) bench(Math.max(1, Number(h.bench) || 200));
  }
  function bench(k) {
    var total = 0, worst = 0, seed = 12345;
    for (var n = 0; n < k; n++) {
      var target;
      if (n % 2) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; target = seed % N; }
      else target = step + 1 < N ? step + 1 : 0;
      var t0 = performance.now();
      go(target);
      void document.body.offsetHeight; /* style and layout too */
      var ms = performance.now() - t0;
      total += ms; worst = Math.max(worst, ms);
    }
    view.dataset.benchSteps = k;
    view.dataset.benchMsAvg = (total / k).toFixed(3);
    view.dataset.benchMsMax = worst.toFixed(3);
  }

  $('title').textContent = data.title;
  view.dataset.events = N;
  view.dataset.segmentsTotal = segs.length;
  view.dataset.lostTotal = segs.filter(function (g) { return g.lost; }).length;
  view.dataset.hosts = H.join(',');
  view.dataset.moments = Object.keys(moments).join(',');
  window.addEventListener('hashchange', fromHash);
  window.addEventListener('resize', function () { go(step); });
  fromHash();
  view.dataset.ready = '1';
})();
