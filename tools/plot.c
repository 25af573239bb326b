/* usertcp plot: a connection drawn as the tools people debug TCP with draw
 * it, from a trace (JSON lines) or a capture (pcap).
 *
 * For each direction that carried data, A to B (A opened the connection)
 * and B to A, five SVG files:
 *   tsg-a2b.svg         tcptrace's time-sequence graph: each data segment
 *                       a vertical bar from seq to end_seq (retransmissions
 *                       in red), the ACK line, the receive-window line
 *                       (ack + window, scaled as the SYNs agreed), SACK
 *                       blocks, segments the sender marked lost and, when
 *                       the receiver's events are in the trace too, the
 *                       segments that never arrived
 *   cwnd-a2b.svg        cwnd, ssthresh and the data in flight
 *   rtt-a2b.svg         RTT samples, srtt and the RTO
 *   throughput-a2b.svg  goodput (bytes newly acknowledged) and the rate
 *                       sent, over a sliding window
 *   rwnd-a2b.svg        the receiver's advertised window, and the data
 *                       in flight against it
 * Sequence numbers are relative to the sender's ISN, as Wireshark shows
 * them (the first data byte is 1). A trace carries the sender's own state
 * (tcp:tcp_probe, usertcp:rtt_sample); from a capture the same graphs are
 * estimated from the segments, as tcptrace does, and say so. */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "svg.h"
#include "tool.h"

#define INFINITE_SSTHRESH 0x7fffffffu

/* Indices of records, in time order. */
struct idx {
	size_t *v;
	size_t n;
};

/* One direction of one connection, x sending to y. */
struct view {
	const struct tr_trace *tr;
	struct tr_endpoint x, y;
	const char *tag; /* "a2b" */
	double t0, t1;
	uint32_t isn;
	unsigned scale; /* y's window scale, as both SYNs agreed */
	bool syns_seen; /* both SYNs are in the file: scale is known */
	uint32_t mss;
	struct idx data;    /* x's segments, as seen at one place */
	struct idx acks;    /* y's segments, as seen at one place */
	struct idx state;   /* x's sender state (a trace) */
	struct idx rtt;	    /* x's RTT samples (a trace) */
	struct idx lost;    /* x's usertcp:mark_lost */
	struct idx arrived; /* x's segments as y received them, when the
			     * trace has both ends and data is the sent side */
	const char *data_where, *ack_where;
	char title_conn[2 * TR_ADDR_LEN + 32];
	uint64_t bytes; /* payload bytes, retransmissions not counted twice */
};

static double rel(const struct view *v, uint32_t seq)
{
	return (double)(uint32_t)(seq - v->isn);
}

static double tx(const struct view *v, double t)
{
	return t - v->t0;
}

/* A graph over the connection's time: the labels given, the y axis from 0
 * to a little above ymax. */
static struct svg_chart_spec time_spec(const struct view *v, const char *title,
				       const char *subtitle, const char *ylabel, const char *css,
				       double ymax)
{
	struct svg_chart_spec s = {0};
	double span = tx(v, v->t1);

	s.title = title;
	s.subtitle = subtitle;
	s.xlabel = "time (s)";
	s.ylabel = ylabel;
	s.css = css;
	s.xmax = span > 0 ? span : 1;
	s.ymax = ymax * 1.08;
	return s;
}

/* The window a segment of y advertised, in bytes: a SYN's is never
 * scaled (RFC 7323 2.2), the others by y's shift. */
static double adv_window(const struct view *v, const struct tr_record *r)
{
	return (double)r->window * (r->flags & TR_FLAG_SYN ? 1 : (double)(1u << v->scale));
}

static bool idx_push(struct idx *ix, size_t i)
{
	size_t *nv;

	/* grows by powers of two */
	if ((ix->n & (ix->n - 1)) == 0) {
		nv = realloc(ix->v, (ix->n ? ix->n * 2 : 1) * sizeof(*nv));
		if (!nv)
			return false;
		ix->v = nv;
	}
	ix->v[ix->n++] = i;
	return true;
}

static void idx_free(struct idx *ix)
{
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

struct keyed {
	double key, t;
	size_t i;
};

static int by_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sorts ix by time, the file's order among equal times. */
static int idx_sort(const struct tr_trace *tr, struct idx *ix)
{
	struct keyed *k = malloc((ix->n ? ix->n : 1) * sizeof(*k));

	if (!k)
		return -1;
	for (size_t j = 0; j < ix->n; j++)
		k[j] = (struct keyed){tr->rec[ix->v[j]].t, 0, ix->v[j]};
	qsort(k, ix->n, sizeof(*k), by_key);
	for (size_t j = 0; j < ix->n; j++)
		ix->v[j] = k[j].i;
	free(k);
	return 0;
}

static const struct tr_record *rec_at(const struct view *v, const struct idx *ix, size_t k)
{
	return &v->tr->rec[ix->v[k]];
}

static bool from_to(const struct tr_record *r, const struct tr_endpoint *a,
		    const struct tr_endpoint *b)
{
	return tr_endpoint_eq(&r->src, a) && tr_endpoint_eq(&r->dst, b);
}

static void view_free(struct view *v)
{
	idx_free(&v->data);
	idx_free(&v->acks);
	idx_free(&v->state);
	idx_free(&v->rtt);
	idx_free(&v->lost);
	idx_free(&v->arrived);
}

/* Chooses where each direction's segments are seen: the data where the
 * sender sent it (its trace, or a capture), else where the receiver got
 * it; the ACKs where the sender got them, else where they were sent. */
static int view_build(struct view *v, const struct tr_trace *tr, const struct tr_conn *c, bool ab)
{
	bool data_sent = false, ack_recv = false;
	bool isn_known = false, syn_ws_x = false, syn_ws_y = false, syn_y = false;
	unsigned ws_y = 0;
	uint32_t first_seq = 0;
	bool first_known = false;

	memset(v, 0, sizeof(*v));
	v->tr = tr;
	v->x = ab ? c->a : c->b;
	v->y = ab ? c->b : c->a;
	v->tag = ab ? "a2b" : "b2a";
	v->t0 = c->first;
	v->t1 = c->last;
	snprintf(v->title_conn, sizeof(v->title_conn), "%s:%u \xe2\x86\x92 %s:%u", v->x.addr,
		 v->x.port, v->y.addr, v->y.port);
	for (size_t i = 0; i < tr->n; i++) {
		const struct tr_record *r = &tr->rec[i];
		if (r->kind != TR_SEGMENT)
			continue;
		if (from_to(r, &v->x, &v->y)) {
			if (r->seen != TR_SEEN_RECV)
				data_sent = true;
			if ((r->flags & TR_FLAG_SYN) && !isn_known) {
				v->isn = r->seq;
				isn_known = true;
				syn_ws_x = r->wscale >= 0;
			}
			if (!first_known) {
				first_seq = r->seq - 1;
				first_known = true;
			}
		} else if (from_to(r, &v->y, &v->x)) {
			if (r->seen != TR_SEEN_SENT)
				ack_recv = true;
			if (r->flags & TR_FLAG_SYN)
				syn_y = true;
			if ((r->flags & TR_FLAG_SYN) && r->wscale >= 0) {
				syn_ws_y = true;
				ws_y = (unsigned)r->wscale;
			}
		}
	}
	/* Without the SYN, the first segment seen starts the count at 1, as
	 * Wireshark does. */
	if (!isn_known)
		v->isn = first_seq;
	/* RFC 7323 2.2: the window is scaled only when both SYNs offered it */
	v->scale = syn_ws_x && syn_ws_y ? ws_y : 0;
	v->syns_seen = isn_known && syn_y;
	v->data_where = data_sent ? (tr->from_pcap ? "on the wire" : "as sent") : "as received";
	v->ack_where = ack_recv ? (tr->from_pcap ? "on the wire" : "as received by the sender")
				: "as sent";
	for (size_t i = 0; i < tr->n; i++) {
		const struct tr_record *r = &tr->rec[i];
		bool ok = true;

		if (r->kind == TR_SEGMENT && from_to(r, &v->x, &v->y)) {
			bool sent = r->seen != TR_SEEN_RECV;
			if (sent == data_sent)
				ok = idx_push(&v->data, i);
			else if (data_sent)
				ok = idx_push(&v->arrived, i);
			if (sent == data_sent && r->len > v->mss)
				v->mss = r->len;
		} else if (r->kind == TR_SEGMENT && from_to(r, &v->y, &v->x)) {
			bool recv = r->seen != TR_SEEN_SENT;
			if (recv == ack_recv)
				ok = idx_push(&v->acks, i);
		} else if (from_to(r, &v->x, &v->y)) {
			if (r->kind == TR_RTT)
				ok = idx_push(&v->rtt, i);
			else if (r->kind == TR_MARK_LOST)
				ok = idx_push(&v->lost, i);
			if (ok && r->has_state)
				ok = idx_push(&v->state, i);
		}
		if (!ok)
			return -1;
	}
	if (!v->mss)
		v->mss = 1;
	if (idx_sort(tr, &v->data) < 0 || idx_sort(tr, &v->acks) < 0 ||
	    idx_sort(tr, &v->state) < 0 || idx_sort(tr, &v->rtt) < 0 ||
	    idx_sort(tr, &v->lost) < 0 || idx_sort(tr, &v->arrived) < 0)
		return -1;
	return 0;
}

static size_t data_segments(const struct view *v)
{
	size_t n = 0;
	for (size_t k = 0; k < v->data.n; k++)
		n += rec_at(v, &v->data, k)->len > 0;
	return n;
}

/* ---- the time-sequence graph ------------------------------------------------------*/

static const char tsg_css[] =
	".seg{stroke:#1f4e9c;stroke-width:1.6}.seg.retrans{stroke:#d62728;stroke-width:3}"
	".ack{stroke:#2ca02c;stroke-width:1.2}.rwnd{stroke:#e6a100;stroke-width:1.2}"
	".sack{stroke:#9467bd;stroke-width:3;stroke-opacity:0.7}"
	".lost{stroke:#d62728;stroke-width:1.6;fill:none}"
	".dropped{stroke:#000;stroke-width:1.2;fill:none}\n";

/* Whether the segment at data index k never reached the receiver: no
 * arrival covers its bytes between its sending and the next sending of
 * the same sequence number. Checked only when the trace has both ends. */
static bool never_arrived(const struct view *v, size_t k, const uint8_t *covered)
{
	return v->arrived.n && !covered[k];
}

/* Marks, in covered[k], each sent data segment that an arrival accounts
 * for: of the copies of a segment inside the arrival's bytes (GRO merges
 * several into one), the latest sent before it arrived. The sendings are
 * searched by sequence number, so a long trace stays fast. */
static int match_arrivals(const struct view *v, uint8_t *covered)
{
	struct keyed *ord = malloc((v->data.n ? v->data.n : 1) * sizeof(*ord));
	size_t n = 0;

	if (!ord)
		return -ENOMEM;
	for (size_t k = 0; k < v->data.n; k++) {
		const struct tr_record *r = rec_at(v, &v->data, k);
		if (r->len)
			ord[n++] = (struct keyed){rel(v, r->seq), r->t, k};
	}
	qsort(ord, n, sizeof(*ord), by_key);
	for (size_t a = 0; a < v->arrived.n; a++) {
		const struct tr_record *in = rec_at(v, &v->arrived, a);
		double lo_seq = rel(v, in->seq), hi_seq = rel(v, in->seq) + in->len;
		size_t lo = 0, hi = n;

		if (!in->len)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ord[mid].key < lo_seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* each group of copies of one sequence number in turn */
		for (size_t j = lo; j < n && ord[j].key < hi_seq;) {
			size_t best = SIZE_MAX, g = j;
			for (; g < n && ord[g].key == ord[j].key; g++) {
				const struct tr_record *out = rec_at(v, &v->data, ord[g].i);
				if (out->t <= in->t && rel(v, out->seq) + out->len <= hi_seq)
					best = g;
			}
			if (best != SIZE_MAX)
				covered[ord[best].i] = 1;
			j = g;
		}
	}
	free(ord);
	return 0;
}

static int write_tsg(const struct view *v, const char *path)
{
	struct svg_chart c;
	struct svg_chart_spec s;
	char title[320], sub[256];
	double ymax = 1;
	uint32_t snd_max = v->isn;
	uint8_t *covered = NULL;
	size_t retrans = 0, lost = 0, dropped = 0, sacks = 0;
	int err;

	for (size_t k = 0; k < v->data.n; k++)
		ymax = fmax(ymax, rel(v, rec_at(v, &v->data, k)->end_seq));
	for (size_t k = 0; k < v->acks.n; k++) {
		const struct tr_record *r = rec_at(v, &v->acks, k);
		if (r->flags & TR_FLAG_ACK)
			ymax = fmax(ymax, rel(v, r->ack));
	}
	snprintf(sub, sizeof(sub), "data %s, ACKs %s; sequence numbers relative to the ISN",
		 v->data_where, v->ack_where);
	snprintf(title, sizeof(title), "Time-sequence graph, %s", v->title_conn);
	s = time_spec(v, title, sub, "relative sequence number (bytes)", tsg_css, ymax);
	if ((err = svg_begin(&c, path, &s)) < 0)
		return err;
	if (v->arrived.n) {
		covered = calloc(v->data.n ? v->data.n : 1, 1);
		if (!covered) {
			svg_end(&c);
			return -ENOMEM;
		}
		if (match_arrivals(v, covered) < 0) {
			free(covered);
			svg_end(&c);
			return -ENOMEM;
		}
	}
	/* the receive window first, so that the data is drawn over it */
	if (v->acks.n) {
		svg_series_begin(&c, "rwnd", "receive window");
		for (size_t k = 0; k < v->acks.n; k++) {
			const struct tr_record *r = rec_at(v, &v->acks, k);
			if (!(r->flags & TR_FLAG_ACK))
				continue;
			double win = adv_window(v, r);
			svg_series_point(&c, tx(v, r->t), rel(v, r->ack) + win, true);
		}
		svg_series_end(&c);
		svg_series_begin(&c, "ack", "ACK");
		for (size_t k = 0; k < v->acks.n; k++) {
			const struct tr_record *r = rec_at(v, &v->acks, k);
			if (r->flags & TR_FLAG_ACK)
				svg_series_point(&c, tx(v, r->t), rel(v, r->ack), true);
		}
		svg_series_end(&c);
	}
	for (size_t k = 0; k < v->acks.n; k++) {
		const struct tr_record *r = rec_at(v, &v->acks, k);
		for (unsigned i = 0; i < r->num_sacks; i++) {
			double t = tx(v, r->t);
			svg_line(&c, t, rel(v, r->sacks[i][0]), t, rel(v, r->sacks[i][1]), "sack",
				 "data-t=\"%.9f\" data-start=\"%.0f\" data-end=\"%.0f\"", t,
				 rel(v, r->sacks[i][0]), rel(v, r->sacks[i][1]));
			sacks++;
		}
	}
	for (size_t k = 0; k < v->data.n; k++) {
		const struct tr_record *r = rec_at(v, &v->data, k);
		uint32_t end = r->seq + r->len;
		double t = tx(v, r->t);
		bool re;

		if (!r->len)
			continue; /* SYN, FIN, pure ACKs: no data to draw */
		/* bytes sent before: a retransmission, as tcptrace colours it */
		re = (int32_t)(r->seq - snd_max) < 0;
		if ((int32_t)(end - snd_max) > 0)
			snd_max = end;
		retrans += re;
		svg_line(&c, t, rel(v, r->seq), t, rel(v, end), re ? "seg retrans" : "seg",
			 "data-t=\"%.9f\" data-seq=\"%.0f\" data-end=\"%.0f\" data-len=\"%u\"", t,
			 rel(v, r->seq), rel(v, end), r->len);
		if (covered && never_arrived(v, k, covered)) {
			svg_mark(&c, 's', t, rel(v, end), "dropped",
				 "data-t=\"%.9f\" data-seq=\"%.0f\"", t, rel(v, r->seq));
			dropped++;
		}
	}
	for (size_t k = 0; k < v->lost.n; k++) {
		const struct tr_record *r = rec_at(v, &v->lost, k);
		double t = tx(v, r->t);
		svg_mark(&c, 'x', t, rel(v, r->seq), "lost", "data-t=\"%.9f\" data-seq=\"%.0f\"", t,
			 rel(v, r->seq));
		lost++;
	}
	svg_legend(&c, '-', "seg", "data segment");
	svg_legend(&c, '-', "seg retrans", "retransmission");
	svg_legend(&c, '-', "ack", "ACK");
	svg_legend(&c, '-', "rwnd", "receive window");
	if (sacks)
		svg_legend(&c, '-', "sack", "SACK block");
	if (lost)
		svg_legend(&c, 'x', "lost", "marked lost");
	if (dropped)
		svg_legend(&c, 's', "dropped", "never arrived");
	snprintf(sub, sizeof(sub),
		 "%zu data segments (%zu retransmitted), %zu SACK blocks, %zu marked lost%s; "
		 "window scale %u%s",
		 data_segments(v), retrans, sacks, lost,
		 v->arrived.n ? (dropped ? ", some never arrived" : ", all arrived") : "", v->scale,
		 v->syns_seen ? "" : " (no SYNs in the file: unknown)");
	svg_note(&c, sub);
	free(covered);
	return svg_end(&c);
}

/* ---- congestion window -----------------------------------------------------------*/

static const char cwnd_css[] = ".cwnd{stroke:#1f4e9c;stroke-width:1.6}"
			       ".ssthresh{stroke:#d62728;stroke-width:1.4;stroke-dasharray:6 3}"
			       ".inflight{stroke:#2ca02c;stroke-width:1.2}\n";

/* The data in flight from the segments alone: the highest sequence sent
 * minus the highest acknowledged, at each segment either way. */
static int flight_from_segments(const struct view *v, double **tv, double **fv, size_t *n)
{
	size_t a = 0, d = 0, m = 0, cap = v->data.n + v->acks.n + 1;
	uint32_t snd_max = 0, una = 0;
	bool have_max = false, have_una = false;

	*tv = malloc(cap * sizeof(double));
	*fv = malloc(cap * sizeof(double));
	if (!*tv || !*fv)
		return -ENOMEM;
	while (a < v->acks.n || d < v->data.n) {
		const struct tr_record *r;
		bool is_data =
			a == v->acks.n ||
			(d < v->data.n && rec_at(v, &v->data, d)->t <= rec_at(v, &v->acks, a)->t);
		if (is_data) {
			r = rec_at(v, &v->data, d++);
			if (!have_max || (int32_t)(r->end_seq - snd_max) > 0)
				snd_max = r->end_seq;
			have_max = true;
		} else {
			r = rec_at(v, &v->acks, a++);
			if (!(r->flags & TR_FLAG_ACK))
				continue;
			if (!have_una || (int32_t)(r->ack - una) > 0)
				una = r->ack;
			have_una = true;
		}
		if (!have_max || !have_una)
			continue;
		(*tv)[m] = tx(v, r->t);
		(*fv)[m] = (int32_t)(snd_max - una) > 0 ? (double)(uint32_t)(snd_max - una) : 0;
		m++;
	}
	*n = m;
	return 0;
}

static int write_cwnd(const struct view *v, const char *path)
{
	struct svg_chart c;
	struct svg_chart_spec s;
	char title[320], sub[256], ylabel[96];
	double ymax = 1, *ft = NULL, *fb = NULL;
	size_t fn = 0;
	bool state = v->state.n > 0;
	int err;

	if (!state && flight_from_segments(v, &ft, &fb, &fn) < 0) {
		free(ft);
		free(fb);
		return -ENOMEM;
	}
	for (size_t k = 0; k < v->state.n; k++) {
		const struct tr_record *r = rec_at(v, &v->state, k);
		ymax = fmax(ymax, r->cwnd);
		if (r->ssthresh < INFINITE_SSTHRESH)
			ymax = fmax(ymax, r->ssthresh);
		ymax = fmax(ymax, (double)(uint32_t)(r->snd_nxt - r->snd_una) / v->mss);
	}
	for (size_t k = 0; k < fn; k++)
		ymax = fmax(ymax, fb[k] / v->mss);
	snprintf(title, sizeof(title), "Congestion window, %s", v->title_conn);
	snprintf(sub, sizeof(sub), "%s",
		 state ? "the sender's own state (tcp:tcp_probe and the other sender events)"
		       : "estimated from the segments: no sender state in a capture");
	snprintf(ylabel, sizeof(ylabel), "segments (MSS %u bytes)", v->mss);
	s = time_spec(v, title, sub, ylabel, cwnd_css, ymax);
	if ((err = svg_begin(&c, path, &s)) < 0) {
		free(ft);
		free(fb);
		return err;
	}
	if (state) {
		bool any_ss = false;
		svg_series_begin(&c, "cwnd", "cwnd");
		for (size_t k = 0; k < v->state.n; k++) {
			const struct tr_record *r = rec_at(v, &v->state, k);
			svg_series_point(&c, tx(v, r->t), r->cwnd, true);
		}
		svg_series_end(&c);
		svg_series_begin(&c, "ssthresh", "ssthresh");
		for (size_t k = 0; k < v->state.n; k++) {
			const struct tr_record *r = rec_at(v, &v->state, k);
			if (r->ssthresh >= INFINITE_SSTHRESH)
				continue; /* slow start with no threshold yet */
			svg_series_point(&c, tx(v, r->t), r->ssthresh, true);
			any_ss = true;
		}
		svg_series_end(&c);
		svg_series_begin(&c, "inflight", "in flight");
		for (size_t k = 0; k < v->state.n; k++) {
			const struct tr_record *r = rec_at(v, &v->state, k);
			svg_series_point(&c, tx(v, r->t),
					 (double)(uint32_t)(r->snd_nxt - r->snd_una) / v->mss,
					 true);
		}
		svg_series_end(&c);
		svg_legend(&c, '-', "cwnd", "cwnd");
		if (any_ss)
			svg_legend(&c, '-', "ssthresh", "ssthresh");
		svg_legend(&c, '-', "inflight", "snd_nxt - snd_una");
		svg_note(&c, "cwnd and ssthresh in segments, as Linux counts them; in flight: "
			     "bytes sent and not yet acknowledged, over the MSS");
	} else {
		svg_series_begin(&c, "inflight", "in flight");
		for (size_t k = 0; k < fn; k++)
			svg_series_point(&c, ft[k], fb[k] / v->mss, true);
		svg_series_end(&c);
		svg_legend(&c, '-', "inflight", "in flight (estimated)");
		svg_note(&c, "in flight: the highest sequence sent minus the highest "
			     "acknowledged; cwnd is not on the wire");
	}
	free(ft);
	free(fb);
	return svg_end(&c);
}

/* ---- RTT -------------------------------------------------------------------------*/

static const char rtt_css[] = ".rtt{fill:#1f4e9c;stroke:none}"
			      ".srtt{stroke:#2ca02c;stroke-width:1.6}"
			      ".rto{stroke:#d62728;stroke-width:1.4;stroke-dasharray:6 3}\n";

struct rtt_point {
	double t, rtt_ms, srtt_ms, rto_ms;
};

/* RTT samples from the segments, as tcptrace takes them: an ACK that
 * covers exactly the end of a segment (Karn's rule: never one that was
 * retransmitted before the ACK came) gives the ACK's time minus the
 * segment's. srtt and the RTO follow RFC 6298 2.2-2.4, with Linux's
 * 200 ms floor. */
static int rtt_from_segments(const struct view *v, struct rtt_point **out, size_t *n)
{
	struct rtt_point *p = malloc((v->acks.n + 1) * sizeof(*p));
	/* first transmissions, in sequence order, and when each was first
	 * sent again (INFINITY: never) */
	struct first_tx {
		double seq, end, t, resent;
	} *ft = malloc((v->data.n + 1) * sizeof(*ft));
	uint32_t una = v->isn;
	double srtt = 0, rttvar = 0, snd_max = 0;
	bool first = true;
	size_t m = 0, nf = 0;

	if (!p || !ft) {
		free(p);
		free(ft);
		return -ENOMEM;
	}
	for (size_t k = 0; k < v->data.n; k++) {
		const struct tr_record *r = rec_at(v, &v->data, k);
		double s0 = rel(v, r->seq), s1 = rel(v, r->end_seq);
		if (s1 <= s0)
			continue;
		if (s0 >= snd_max) {
			ft[nf++] = (struct first_tx){s0, s1, r->t, INFINITY};
			snd_max = s1;
			continue;
		}
		/* a retransmission: every first transmission it overlaps */
		size_t lo = 0, hi = nf;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ft[mid].end <= s0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t j = lo; j < nf && ft[j].seq < s1; j++)
			if (r->t < ft[j].resent)
				ft[j].resent = r->t;
	}
	for (size_t a = 0; a < v->acks.n; a++) {
		const struct tr_record *ack = rec_at(v, &v->acks, a);
		if (!(ack->flags & TR_FLAG_ACK) || (int32_t)(ack->ack - una) <= 0)
			continue;
		una = ack->ack;
		double acked = rel(v, ack->ack);
		size_t lo = 0, hi = nf;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ft[mid].end < acked)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nf || ft[lo].end != acked || ft[lo].t > ack->t || ft[lo].resent <= ack->t)
			continue;
		double r_s = ack->t - ft[lo].t;
		if (first) {
			srtt = r_s;
			rttvar = r_s / 2;
			first = false;
		} else {
			rttvar = 0.75 * rttvar + 0.25 * fabs(srtt - r_s);
			srtt = 0.875 * srtt + 0.125 * r_s;
		}
		p[m].t = tx(v, ack->t);
		p[m].rtt_ms = r_s * 1e3;
		p[m].srtt_ms = srtt * 1e3;
		p[m].rto_ms = fmax(srtt + 4 * rttvar, 0.2) * 1e3;
		m++;
	}
	free(ft);
	*out = p;
	*n = m;
	return 0;
}

static int write_rtt(const struct view *v, const char *path)
{
	struct svg_chart c;
	struct svg_chart_spec s;
	struct rtt_point *p = NULL;
	char title[320], note[200];
	size_t n = 0;
	double ymax = 1;
	bool traced = v->rtt.n > 0;
	int err;

	if (traced) {
		p = malloc(v->rtt.n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (size_t k = 0; k < v->rtt.n; k++) {
			const struct tr_record *r = rec_at(v, &v->rtt, k);
			p[n].t = tx(v, r->t);
			p[n].rtt_ms = r->rtt_us / 1e3;
			p[n].srtt_ms = r->srtt_us / 1e3;
			p[n].rto_ms = r->rto_ms;
			n++;
		}
	} else if (rtt_from_segments(v, &p, &n) < 0) {
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++)
		ymax = fmax(ymax, fmax(p[k].rtt_ms, fmax(p[k].srtt_ms, p[k].rto_ms)));
	snprintf(title, sizeof(title), "Round-trip time, %s", v->title_conn);
	s = time_spec(v, title,
		      traced ? "the sender's samples and estimator (usertcp:rtt_sample)"
			     : "estimated from the segments (Karn's rule; RFC 6298 with "
			       "Linux's 200 ms floor)",
		      "milliseconds", rtt_css, ymax);
	if ((err = svg_begin(&c, path, &s)) < 0) {
		free(p);
		return err;
	}
	svg_series_begin(&c, "rto", "RTO");
	for (size_t k = 0; k < n; k++)
		svg_series_point(&c, p[k].t, p[k].rto_ms, true);
	svg_series_end(&c);
	svg_series_begin(&c, "srtt", "srtt");
	for (size_t k = 0; k < n; k++)
		svg_series_point(&c, p[k].t, p[k].srtt_ms, false);
	svg_series_end(&c);
	for (size_t k = 0; k < n; k++)
		svg_mark(&c, 'o', p[k].t, p[k].rtt_ms, "rtt",
			 "data-t=\"%.9f\" data-rtt-ms=\"%.3f\"", p[k].t, p[k].rtt_ms);
	svg_legend(&c, 'o', "rtt", "RTT sample");
	svg_legend(&c, '-', "srtt", "srtt");
	svg_legend(&c, '-', "rto", "RTO");
	snprintf(note, sizeof(note), "%zu samples", n);
	svg_note(&c, note);
	free(p);
	return svg_end(&c);
}

/* ---- throughput ------------------------------------------------------------------*/

static const char tput_css[] = ".goodput{stroke:#1f4e9c;stroke-width:1.6}"
			       ".sent{stroke:#e6a100;stroke-width:1.2}\n";

#define RATE_POINTS 400

/* The rate over the window w ending at each of RATE_POINTS instants
 * spread over 0..span, in Mbit/s, from events (t, bytes) in time order:
 * sampled evenly, so that a silence reads as the rate falling to 0. */
static void sliding_rate(const double *t, const double *b, size_t n, double w, double span,
			 double *rate)
{
	double sum = 0;
	size_t lo = 0, hi = 0;

	for (size_t i = 0; i < RATE_POINTS; i++) {
		double now = span * (double)i / (RATE_POINTS - 1);
		while (hi < n && t[hi] <= now)
			sum += b[hi++];
		while (lo < hi && t[lo] <= now - w)
			sum -= b[lo++];
		rate[i] = (lo < hi ? sum : 0) * 8 / w / 1e6;
	}
}

static int write_throughput(const struct view *v, const char *path)
{
	struct svg_chart c;
	struct svg_chart_spec s;
	size_t na = 0, nd = 0, cap = v->acks.n + v->data.n + 1;
	double *at = calloc(cap, sizeof(double)), *ab = calloc(cap, sizeof(double));
	double *dt = calloc(cap, sizeof(double)), *db = calloc(cap, sizeof(double));
	double *ar = calloc(RATE_POINTS, sizeof(double)), *dr = calloc(RATE_POINTS, sizeof(double));
	double span = tx(v, v->t1), w, ymax = 0.001;
	char title[320], sub[200];
	uint32_t una = v->isn;
	bool have_una = false;
	int err = -ENOMEM;

	if (!at || !ab || !dt || !db || !ar || !dr)
		goto out;
	/* a window of a twentieth of the connection: smooth enough to read,
	 * short enough to show a stall */
	w = fmin(fmax(span / 20, 0.001), 1.0);
	for (size_t k = 0; k < v->acks.n; k++) {
		const struct tr_record *r = rec_at(v, &v->acks, k);
		if (!(r->flags & TR_FLAG_ACK))
			continue;
		if (!have_una) {
			una = r->ack;
			have_una = true;
			continue;
		}
		if ((int32_t)(r->ack - una) <= 0)
			continue;
		at[na] = tx(v, r->t);
		ab[na] = (double)(uint32_t)(r->ack - una);
		una = r->ack;
		na++;
	}
	for (size_t k = 0; k < v->data.n; k++) {
		const struct tr_record *r = rec_at(v, &v->data, k);
		if (!r->len)
			continue;
		dt[nd] = tx(v, r->t);
		db[nd] = r->len;
		nd++;
	}
	sliding_rate(at, ab, na, w, span, ar);
	sliding_rate(dt, db, nd, w, span, dr);
	for (size_t k = 0; k < RATE_POINTS; k++)
		ymax = fmax(ymax, fmax(ar[k], dr[k]));
	snprintf(title, sizeof(title), "Throughput, %s", v->title_conn);
	snprintf(sub, sizeof(sub), "over a sliding window of %.3f s", w);
	s = time_spec(v, title, sub, "Mbit/s", tput_css, ymax);
	if ((err = svg_begin(&c, path, &s)) < 0)
		goto out;
	svg_series_begin(&c, "sent", "sent");
	for (size_t k = 0; k < RATE_POINTS; k++)
		svg_series_point(&c, span * (double)k / (RATE_POINTS - 1), dr[k], false);
	svg_series_end(&c);
	svg_series_begin(&c, "goodput", "goodput");
	for (size_t k = 0; k < RATE_POINTS; k++)
		svg_series_point(&c, span * (double)k / (RATE_POINTS - 1), ar[k], false);
	svg_series_end(&c);
	svg_legend(&c, '-', "goodput", "goodput");
	svg_legend(&c, '-', "sent", "sent (retrans. too)");
	svg_note(&c, "goodput: bytes newly acknowledged, each counted once when the ACK covering "
		     "it arrives; sent: every data byte sent, retransmissions too");
	err = svg_end(&c);
out:
	free(at);
	free(ab);
	free(dt);
	free(db);
	free(ar);
	free(dr);
	return err;
}

/* ---- receive window --------------------------------------------------------------*/

static const char rwnd_css[] = ".rwnd{stroke:#e6a100;stroke-width:1.6}"
			       ".inflight{stroke:#2ca02c;stroke-width:1.2}\n";

static int write_rwnd(const struct view *v, const char *path)
{
	struct svg_chart c;
	struct svg_chart_spec s;
	double ymax = 1, *ft = NULL, *fb = NULL;
	size_t fn = 0;
	char title[320], sub[200];
	int err;

	if (flight_from_segments(v, &ft, &fb, &fn) < 0) {
		free(ft);
		free(fb);
		return -ENOMEM;
	}
	for (size_t k = 0; k < v->acks.n; k++) {
		const struct tr_record *r = rec_at(v, &v->acks, k);
		double win = adv_window(v, r);
		ymax = fmax(ymax, win / 1024);
	}
	for (size_t k = 0; k < fn; k++)
		ymax = fmax(ymax, fb[k] / 1024);
	snprintf(title, sizeof(title), "Receive window, %s", v->title_conn);
	if (v->syns_seen)
		snprintf(sub, sizeof(sub), "advertised by %s:%u, window scale %u", v->y.addr,
			 v->y.port, v->scale);
	else
		snprintf(sub, sizeof(sub),
			 "advertised by %s:%u; the SYNs are not in the file, so the window "
			 "scale is unknown: the field is drawn unscaled",
			 v->y.addr, v->y.port);
	s = time_spec(v, title, sub, "KiB", rwnd_css, ymax);
	if ((err = svg_begin(&c, path, &s)) < 0) {
		free(ft);
		free(fb);
		return err;
	}
	svg_series_begin(&c, "rwnd", "receive window");
	for (size_t k = 0; k < v->acks.n; k++) {
		const struct tr_record *r = rec_at(v, &v->acks, k);
		double win = adv_window(v, r);
		svg_series_point(&c, tx(v, r->t), win / 1024, true);
	}
	svg_series_end(&c);
	svg_series_begin(&c, "inflight", "in flight");
	for (size_t k = 0; k < fn; k++)
		svg_series_point(&c, ft[k], fb[k] / 1024, true);
	svg_series_end(&c);
	svg_legend(&c, '-', "rwnd", "advertised window");
	svg_legend(&c, '-', "inflight", "in flight");
	svg_note(&c, "the window field times 2^scale (a SYN's unscaled); in flight: highest "
		     "sequence sent minus highest acknowledged");
	free(ft);
	free(fb);
	return svg_end(&c);
}

/* ---- the files -------------------------------------------------------------------*/

static int mkdir_p(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int plot_connection(const struct tr_trace *tr, const struct tr_conn *conn, const char *dir,
		    const char *prog, FILE *out)
{
	static const struct {
		const char *name;
		int (*write)(const struct view *v, const char *path);
	} graphs[] = {
		{"tsg", write_tsg},   {"cwnd", write_cwnd},
		{"rtt", write_rtt},   {"throughput", write_throughput},
		{"rwnd", write_rwnd},
	};
	struct view views[2];
	bool want[2];
	int err;

	if ((err = mkdir_p(dir)) < 0) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, dir, strerror(-err));
		return -1;
	}
	for (int d = 0; d < 2; d++) {
		if (view_build(&views[d], tr, conn, d == 0) < 0) {
			fprintf(stderr, "%s: out of memory\n", prog);
			view_free(&views[0]);
			if (d)
				view_free(&views[1]);
			return -1;
		}
		want[d] = data_segments(&views[d]) > 0;
	}
	if (!want[0] && !want[1])
		want[0] = true; /* a connection with no data: its handshake */
	for (int d = 0; d < 2 && !err; d++) {
		if (!want[d])
			continue;
		for (size_t g = 0; g < sizeof(graphs) / sizeof(graphs[0]); g++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s-%s.svg", dir, graphs[g].name,
				 views[d].tag);
			err = graphs[g].write(&views[d], path);
			if (err < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-err));
				break;
			}
			if (out)
				fprintf(out, "%s\n", path);
		}
	}
	view_free(&views[0]);
	view_free(&views[1]);
	return err < 0 ? -1 : 0;
}

/* ---- usertcp plot ----------------------------------------------------------------*/

static void plot_usage(FILE *f)
{
	fprintf(f, "Usage: usertcp plot FILE [--conn N] -o DIR\n"
		   "Draws a TCP connection as SVG graphs, from a trace (the JSON lines of\n"
		   "usertcp demo --json, or nc and httpd --trace json) or a pcap capture\n"
		   "(Ethernet or raw IP, either byte order, micro- or nanosecond stamps).\n"
		   "For each direction that carried data (a2b: from the side that opened\n"
		   "the connection; b2a: back), DIR gets:\n"
		   "  tsg-a2b.svg         time-sequence graph (tcptrace's): data segments,\n"
		   "                      retransmissions, ACKs, receive window, SACK blocks,\n"
		   "                      segments marked lost or never arrived\n"
		   "  cwnd-a2b.svg        cwnd, ssthresh and the data in flight\n"
		   "  rtt-a2b.svg         RTT samples, srtt and the RTO\n"
		   "  throughput-a2b.svg  goodput and the rate sent\n"
		   "  rwnd-a2b.svg        the advertised receive window\n"
		   "Sequence numbers are relative to the ISN, as Wireshark shows them.\n\n"
		   "Options:\n"
		   "  --conn N   the Nth connection of the file (1 is the first; the file's\n"
		   "             connections are listed when it has several)\n"
		   "  -o DIR     where the SVG files go (created if missing)\n");
}

static void list_connections(const struct tr_conn *c, int n, FILE *f)
{
	fprintf(f, "%-4s %-30s %-30s %9s %12s %12s %10s\n", "conn", "A (opened it)", "B",
		"segments", "bytes A->B", "bytes B->A", "duration");
	for (int i = 0; i < n; i++) {
		char a[TR_ADDR_LEN + 8], b[TR_ADDR_LEN + 8];
		snprintf(a, sizeof(a), "%s:%u", c[i].a.addr, c[i].a.port);
		snprintf(b, sizeof(b), "%s:%u", c[i].b.addr, c[i].b.port);
		fprintf(f, "%-4d %-30s %-30s %9zu %12llu %12llu %9.3fs\n", i + 1, a, b,
			c[i].segments, (unsigned long long)c[i].bytes_ab,
			(unsigned long long)c[i].bytes_ba, c[i].last - c[i].first);
	}
}

int cmd_plot(int argc, char **argv)
{
	const char *file = NULL, *dir = NULL;
	uint64_t pick = 0;
	struct tr_trace tr;
	struct tr_conn *conns = NULL;
	char err[256];
	int n, rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			plot_usage(stdout);
			return 0;
		} else if (!strcmp(o, "-o") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(o, "--conn") && i + 1 < argc) {
			if (!parse_u64(argv[i + 1], &pick) || pick == 0 || pick > 1000000) {
				fprintf(stderr,
					"plot: invalid value for --conn: '%s' (1 is the first "
					"connection)\n",
					argv[i + 1]);
				return 2;
			}
			i++;
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "plot: unknown or incomplete option '%s'\n", o);
			plot_usage(stderr);
			return 2;
		} else if (!file) {
			file = o;
		} else {
			fprintf(stderr, "plot: one file at a time ('%s' and '%s')\n", file, o);
			return 2;
		}
	}
	if (!file || !dir) {
		fprintf(stderr, "plot: %s\n",
			!file ? "which file? (a trace or a pcap)" : "where to? (-o DIR)");
		plot_usage(stderr);
		return 2;
	}
	tr_init(&tr);
	if (tr_read_file(file, &tr, err, sizeof(err)) < 0) {
		fprintf(stderr, "plot: %s: %s\n", file, err);
		goto out;
	}
	n = tr_connections(&tr, &conns);
	if (n < 0) {
		fprintf(stderr, "plot: out of memory\n");
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "plot: %s: no TCP connection in it\n", file);
		goto out;
	}
	if (pick > (uint64_t)n) {
		fprintf(stderr, "plot: %s: no connection %llu: it has %d:\n", file,
			(unsigned long long)pick, n);
		list_connections(conns, n, stderr);
		goto out;
	}
	if (!pick && n > 1) {
		list_connections(conns, n, stdout);
		printf("plotting connection 1 (--conn N picks another)\n");
	}
	if (!pick)
		pick = 1;
	rc = plot_connection(&tr, &conns[pick - 1], dir, "plot", stdout) < 0 ? 1 : 0;
out:
	free(conns);
	tr_free(&tr);
	return rc;
}
