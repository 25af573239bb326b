/* Delivery-rate estimation as Linux's tcp_rate.c does it: every ACK gives
 * a sample of segments delivered over the longer of the send and ACK
 * intervals, which over a bottleneck of known rate must come out at that
 * rate; and a sender that runs out of data marks its samples
 * application-limited, so that they are not taken for the path's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define BUF (256 * 1024)

struct pair {
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp; /* the client's, the sender */
	char *buf;
};

static void pair_make(struct pair *p, uint64_t seed, uint64_t rate_bps, uint64_t one_way_ns,
		      unsigned queue_limit)
{
	tw_make_path(&p->w, seed, rate_bps, one_way_ns, queue_limit, &p->c, &p->s);
	p->tp = tw_tcp_sk(p->w.c, p->c);
	p->buf = calloc(1, BUF);
	CHECK(p->buf);
}

/* One millisecond: the client writes a segment (one), or all it can
 * (bulk), or nothing; the server reads everything. */
enum write_mode { WRITE_NONE, WRITE_ONE, WRITE_BULK };
static void pair_step(struct pair *p, enum write_mode mode)
{
	if (mode == WRITE_ONE)
		CHECK_EQ(ut_send(p->w.c, p->c, p->buf, p->tp->mss_cache, 0),
			 (ssize_t)p->tp->mss_cache);
	else if (mode == WRITE_BULK)
		while (ut_send(p->w.c, p->c, p->buf, BUF, 0) > 0)
			;
	while (ut_recv(p->w.s, p->s, p->buf, BUF, 0) > 0)
		;
	tw_run(&p->w, 1 * MS);
}

static void pair_done(struct pair *p)
{
	ut_close(p->w.c, p->c);
	ut_close(p->w.s, p->s);
	free(p->buf);
	tw_done(&p->w);
}

/* segments per second the sample kept in tp says */
static double kept_rate(const struct tcp_sock *tp)
{
	return tp->rate_interval_us ? tp->rate_delivered * 1e6 / tp->rate_interval_us : 0;
}

TEST(a_bottleneck_of_known_rate_gives_delivery_rate_samples_at_that_rate)
{
	struct pair p;
	double lo = 1e9, hi = 0;
	unsigned samples = 0;

	/* 10 Mbit/s, 20 ms RTT, a queue of 100 frames */
	pair_make(&p, 31, 10000000, 10 * MS, 100);
	struct tcp_sock *tp = p.tp;
	uint32_t frame = tp->mss_cache + tp->tcp_header_len + 20 + 14; /* TCP, IP, Ethernet */
	double link = 10e6 / 8 / frame;				       /* segments per second */
	for (unsigned ms = 0; ms < 5000; ms++) {
		pair_step(&p, WRITE_BULK);
		/* every 10 ms, the kept sample: never above the link, slow
		 * start's bursts included (the send phase of a burst is
		 * short, its ACK phase is the bottleneck's); after slow
		 * start, at it */
		if (ms % 10 == 0 && tp->rate_interval_us) {
			double r = kept_rate(tp);
			if (r > hi)
				hi = r;
			if (ms >= 1000) {
				CHECK(!tp->rate_app_limited);
				if (r < lo)
					lo = r;
				samples++;
			}
		}
	}
	printf("    link %.1f segments/s; %u samples from %.1f to %.1f\n", link, samples, lo, hi);
	/* Samples count segments: a buffer cut at the peer's window edge,
	 * which need not fall on a segment boundary, sends a short one
	 * (Linux's tcp_mss_split_point), and the link carries more of
	 * those a second than full ones. The rate in segments is the link's
	 * times segments sent per full segment's worth of bytes. */
	double per_full = (double)tp->data_segs_out * tp->mss_cache / (tp->snd_nxt - tp->isn - 1);
	CHECK(per_full >= 1.0 && per_full < 1.03);
	/* A sample ends on an ACK, and an ACK may cover two segments
	 * (delayed ACKs); its start is the delivered count when the newest
	 * buffer it acknowledges was sent, and a buffer carries several
	 * segments (tcp_tso_autosize, tcp_min_tso_segs 2), so an ACK ending
	 * inside one counts the window from that buffer's start: a sample
	 * over about 60 segments can be up to a buffer's worth short (4
	 * segments, under 7 %), besides the short segments' share. Where
	 * the buffers fall moves with what each is charged (here the 56 of
	 * 60 came with Linux's 1,280-byte head per buffer). */
	CHECK_NEAR(lo, link * per_full, link * 0.07);
	CHECK_NEAR(hi, link * per_full, link * 0.03);
	/* every segment delivered was counted, by TCPDelivered too */
	CHECK_EQ(tw_counter(p.w.c, "TcpExt", "TCPDelivered"), tp->delivered);
	CHECK(tp->delivered > 4 * (uint32_t)link);
	pair_done(&p);
}

/* The reverse path holds ACKs up to 8 ms and lets them go in order, so
 * they arrive in clumps (ACK compression), while the sender, writing a
 * segment every 2 ms, sends evenly: measured from the ACKs alone a clump
 * looks like a burst of delivery. The send phase of the same segments
 * keeps the sample at the rate they were sent. */
TEST(acks_arriving_in_clumps_do_not_raise_the_delivery_rate_above_the_sending_rate)
{
	struct pair p;
	struct ut_link_params back;
	double hi = 0;

	pair_make(&p, 33, 10000000, 10 * MS, 100);
	ut_link_params_init(&back);
	back.rate_bps = 10000000;
	back.delay_ns = 10 * MS;
	back.jitter_ns = 8 * MS;
	CHECK_EQ(ut_sim_link_set_params(p.w.link, 1, &back), 0);
	for (unsigned ms = 0; ms < 3000; ms++) {
		pair_step(&p, ms % 2 == 0 ? WRITE_ONE : WRITE_NONE);
		if (ms >= 500 && p.tp->rate_interval_us && kept_rate(p.tp) > hi)
			hi = kept_rate(p.tp);
	}
	printf("    500 segments/s sent; highest sample %.1f\n", hi);
	CHECK(hi <= 500 * 1.05);
	pair_done(&p);
}

TEST(an_application_limited_sender_marks_its_samples_and_a_bulk_one_clears_the_mark)
{
	struct pair p;

	/* 100 Mbit/s, 20 ms RTT; the application writes one segment
	 * every 50 ms, far less than the path carries */
	pair_make(&p, 32, 100000000, 10 * MS, 1000);
	struct tcp_sock *tp = p.tp;
	double link = 100e6 / 8 / (tp->mss_cache + tp->tcp_header_len + 34);
	for (unsigned ms = 0; ms < 2000; ms++)
		pair_step(&p, ms % 50 == 0 ? WRITE_ONE : WRITE_NONE);
	printf("    app-limited: %u segments over %u us kept (%.0f segments/s), app-limited %d\n",
	       tp->rate_delivered, tp->rate_interval_us, kept_rate(tp), tp->rate_app_limited);
	CHECK(tp->delivered >= 39);
	CHECK(tp->rate_app_limited);
	CHECK(kept_rate(tp) < link / 10);
	/* the application now writes all it can: the samples measure the
	 * path, and the first of them replaces the app-limited one */
	for (unsigned ms = 0; ms < 2000; ms++)
		pair_step(&p, WRITE_BULK);
	printf("    bulk: %.0f segments/s kept, app-limited %d (link %.0f)\n", kept_rate(tp),
	       tp->rate_app_limited, link);
	CHECK(!tp->rate_app_limited);
	CHECK_NEAR(kept_rate(tp), link, link * 0.05);
	pair_done(&p);
}
