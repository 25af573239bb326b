/* What usertcp plot reads from a trace beyond the segments' headers: the
 * SACK blocks of each segment event (the same as on the wire), a SYN's
 * window scale (to scale the window field as the receiver meant it), and
 * usertcp:rtt_sample, one event per RTT measurement with the estimator
 * after it (srtt and the RTO the socket then holds). Watched with a
 * handler of the test's own on each stack. */
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/tcp.h"
#include "segwatch.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define MAXE 4096

struct evlog {
	struct ut_trace_event ev[MAXE];
	unsigned n;
};

static struct evlog at_c, at_s;
static struct segwatch wire_c;

static void record(const struct ut_trace_event *ev, void *arg)
{
	struct evlog *l = arg;

	if (ev->type != UT_TP_SEGMENT_SEND && ev->type != UT_TP_SEGMENT_RECV &&
	    ev->type != UT_TP_RTT_SAMPLE)
		return;
	CHECK(l->n < MAXE);
	if (l->n < MAXE)
		l->ev[l->n++] = *ev;
}

/* A world over a 10 ms link each way losing loss of the packets, both
 * stacks' events recorded from the start. */
static void watched_world(struct tcpworld *w, uint64_t seed, double loss)
{
	struct ut_link_params lp;

	memset(&at_c, 0, sizeof(at_c));
	memset(&at_s, 0, sizeof(at_s));
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = loss;
	tw_make(w, seed, &lp);
	ut_trace_set(w->c, record, &at_c);
	ut_trace_set(w->s, record, &at_s);
}

static bool same_sacks(const struct ut_trace_event *e, const struct seg_seen *s)
{
	if (e->num_sacks != s->num_sacks)
		return false;
	for (unsigned i = 0; i < e->num_sacks; i++)
		if (e->sacks[i].start != s->sacks[i].start || e->sacks[i].end != s->sacks[i].end)
			return false;
	return true;
}

/* A transfer over a link that drops 5 % of the packets: the client's
 * segment_recv events carry the SACK blocks of the segments its device
 * received, one for one, and each such ACK is one the server's
 * segment_send events show with the same blocks. The SYN and the SYN-ACK
 * show their window scale, sent and received alike. */
TEST(segment_events_carry_the_sack_blocks_on_the_wire_and_a_syns_window_scale)
{
	struct tcpworld w;
	const size_t n = 300 * 1448;
	char *out = calloc(1, n), *in = calloc(1, n);
	unsigned recv = 0, with_sacks = 0, syns = 0;
	int c, s;

	CHECK(out && in);
	watched_world(&w, 7, 0.05);
	tw_gro_off(&w); /* one segment_recv per wire segment */
	segwatch_attach(&wire_c, ut_sim_link_dev(w.link, 0));
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 60 * SEC, NULL, NULL), n);
	segwatch_detach(ut_sim_link_dev(w.link, 0));
	ut_trace_set(w.c, NULL, NULL);
	ut_trace_set(w.s, NULL, NULL);

	for (unsigned i = 0; i < at_c.n; i++) {
		const struct ut_trace_event *e = &at_c.ev[i];
		if (e->type != UT_TP_SEGMENT_RECV)
			continue;
		CHECK(recv < wire_c.n);
		if (recv >= wire_c.n)
			break;
		CHECK_EQ(e->seq, wire_c.seen[recv].seq);
		CHECK(same_sacks(e, &wire_c.seen[recv]));
		if (e->num_sacks) {
			bool sent = false;
			with_sacks++;
			for (unsigned k = 0; k < at_s.n && !sent; k++) {
				const struct ut_trace_event *o = &at_s.ev[k];
				sent = o->type == UT_TP_SEGMENT_SEND && o->seq == e->seq &&
				       o->ack_seq == e->ack_seq &&
				       same_sacks(o, &wire_c.seen[recv]);
			}
			CHECK(sent);
		}
		recv++;
	}
	CHECK_EQ(recv, wire_c.n);
	CHECK(with_sacks > 5); /* the losses made the server SACK */
	/* the window scale each SYN offered, as both ends read it */
	for (unsigned h = 0; h < 2; h++) {
		const struct evlog *l = h ? &at_s : &at_c;
		const struct tcp_sock *tp = tw_tcp_sk(h ? w.s : w.c, h ? s : c);
		for (unsigned i = 0; i < l->n; i++) {
			const struct ut_trace_event *e = &l->ev[i];
			if (!(e->tcp_flags & TCPHDR_SYN) || e->type == UT_TP_RTT_SAMPLE)
				continue;
			CHECK(e->wscale_ok);
			/* what this host sent is its rcv_wscale, what it got
			 * the peer's: its snd_wscale */
			CHECK_EQ(e->wscale,
				 e->type == UT_TP_SEGMENT_SEND ? tp->rcv_wscale : tp->snd_wscale);
			syns++;
		}
		for (unsigned i = 0; i < l->n; i++)
			if (!(l->ev[i].tcp_flags & TCPHDR_SYN))
				CHECK(!l->ev[i].wscale_ok);
	}
	CHECK(syns >= 4); /* SYN and SYN-ACK, each sent and received (again if lost) */
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* Over a 10 ms link each way, every RTT sample is about 20 ms (the
 * handshake's 40: the SYN waited for ARP's round trip); the event
 * carries the estimator after the sample: the last one's srtt and RTO
 * are the socket's (RFC 6298 2.3, Linux's srtt_us >> 3 and icsk_rto).
 * The server takes its first sample from the handshake (the SYN-ACK to
 * the ACK), as Linux's tcp_synack_rtt_meas. */
TEST(rtt_sample_events_give_each_measurement_and_the_estimator_after_it)
{
	struct tcpworld w;
	const size_t n = 40 * 1448;
	char *out = calloc(1, n), *in = calloc(1, n);
	const struct ut_trace_event *last = NULL;
	const struct tcp_sock *tp;
	unsigned samples = 0;
	int c, s;

	CHECK(out && in);
	watched_world(&w, 8, 0);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 10 * SEC, NULL, NULL), n);
	ut_trace_set(w.c, NULL, NULL);
	ut_trace_set(w.s, NULL, NULL);

	for (unsigned i = 0; i < at_c.n; i++) {
		const struct ut_trace_event *e = &at_c.ev[i];
		if (e->type != UT_TP_RTT_SAMPLE)
			continue;
		/* the SYN's waited for ARP first: one more round trip */
		uint32_t max = samples ? 25000 : 45000;
		if (!(e->rtt_us >= 20000 && e->rtt_us < max))
			test_fail(__FILE__, __LINE__, "sample %u: rtt_us %u", samples, e->rtt_us);
		CHECK(e->srtt_us > 0);
		CHECK(e->rto_ms >= 200);
		CHECK_EQ(e->dport, PORT);
		samples++;
		last = e;
	}
	CHECK(samples >= 5);
	CHECK(last != NULL);
	tp = tw_tcp_sk(w.c, c);
	if (last) {
		CHECK_EQ(last->srtt_us, tp->srtt_us >> 3);
		CHECK_EQ(last->rto_ms, inet_csk((struct sock *)tp)->icsk_rto);
	}
	/* the server's handshake sample */
	samples = 0;
	for (unsigned i = 0; i < at_s.n; i++)
		if (at_s.ev[i].type == UT_TP_RTT_SAMPLE) {
			CHECK(at_s.ev[i].rtt_us >= 20000 && at_s.ev[i].rtt_us < 25000);
			CHECK_EQ(at_s.ev[i].sport, PORT);
			samples++;
		}
	CHECK(samples >= 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}
