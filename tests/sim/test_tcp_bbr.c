/* BBR v1 as Linux's tcp_bbr runs it, watched through TCP_CC_INFO (its
 * bandwidth and min-RTT estimates and its gains, which tell its mode) on
 * a simulated bottleneck: STARTUP at 2/ln2 until the bandwidth stops
 * growing, PROBE_RTT at four segments for 200 ms when the min RTT is 10 s
 * old, PROBE_BW's eight-phase gain cycle with cwnd at two BDPs, and the
 * windowed filters (max bandwidth over 10 rounds, min RTT over 10 s).
 * BBR paces (sk_pacing_status, the pacing hrtimer releasing each segment
 * at its own time), so DRAIN drains STARTUP's queue at its pacing gain
 * and BBR is in PROBE_BW a few round trips later, long before its first
 * PROBE_RTT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define BUF (256 * 1024)
#define GAIN_HIGH (256 * 2885 / 1000 + 1) /* 2/ln2 << 8 */
#define GAIN_DRAIN (256 * 1000 / 2885)

enum mode { STARTUP, DRAIN, PROBE_BW, PROBE_RTT };
static const char *const mode_name[] = {"STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT"};

struct bbrflow {
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp;
	char *buf;
	double link; /* segments per second */
	/* from TCP_CC_INFO after each step */
	double bw;	  /* segments per second */
	uint32_t min_rtt; /* us */
	uint32_t pacing_gain, cwnd_gain;
	enum mode mode;
};

static void bbr_view(struct bbrflow *f)
{
	union ut_tcp_cc_info info;
	socklen_t len = sizeof(info);

	CHECK_EQ(ut_getsockopt(f->w.c, f->c, IPPROTO_TCP, TCP_CC_INFO, &info, &len), 0);
	CHECK_EQ(len, sizeof(struct ut_tcp_bbr_info));
	f->bw = (((uint64_t)info.bbr.bbr_bw_hi << 32) | info.bbr.bbr_bw_lo) /
		(double)f->tp->mss_cache;
	f->min_rtt = info.bbr.bbr_min_rtt;
	f->pacing_gain = info.bbr.bbr_pacing_gain;
	f->cwnd_gain = info.bbr.bbr_cwnd_gain;
	if (f->cwnd_gain == GAIN_HIGH)
		f->mode = f->pacing_gain == GAIN_HIGH ? STARTUP : DRAIN;
	else if (f->cwnd_gain == 512)
		f->mode = PROBE_BW;
	else
		f->mode = PROBE_RTT;
}

/* 10 Mbit/s, 20 ms each way, a queue of 1000 frames; bbr on the sender,
 * and a receive buffer of 4 MB so that STARTUP outruns no window */
static void bbrflow_make(struct bbrflow *f, uint64_t seed)
{
	tw_make_path_rmem(&f->w, seed, 10000000, 20 * MS, 1000, 4 << 20, &f->c, &f->s);
	f->tp = tw_tcp_sk(f->w.c, f->c);
	CHECK_EQ(ut_setsockopt(f->w.c, f->c, IPPROTO_TCP, TCP_CONGESTION, "bbr", 4), 0);
	f->buf = calloc(1, BUF);
	CHECK(f->buf);
	f->link = 10e6 / 8 / (f->tp->mss_cache + f->tp->tcp_header_len + 20 + 14);
	bbr_view(f);
}

/* 1 ms of a bulk transfer */
static void bbrflow_step(struct bbrflow *f)
{
	while (ut_send(f->w.c, f->c, f->buf, BUF, 0) > 0)
		;
	while (ut_recv(f->w.s, f->s, f->buf, BUF, 0) > 0)
		;
	tw_run(&f->w, 1 * MS);
	bbr_view(f);
}

/* Runs until BBR is in PROBE_BW, at most 15 s. */
static void bbrflow_until_probe_bw(struct bbrflow *f)
{
	for (unsigned ms = 0; ms < 15000 && f->mode != PROBE_BW; ms++)
		bbrflow_step(f);
	CHECK_EQ(f->mode, PROBE_BW);
}

static void bbrflow_done(struct bbrflow *f)
{
	ut_close(f->w.c, f->c);
	ut_close(f->w.s, f->s);
	free(f->buf);
	tw_done(&f->w);
}

/* cwnd BBR aims at: gain x BDP from its own estimates, plus three bursts
 * of ~1 ms at the pacing rate (at least 2 segments), even */
static uint32_t bbr_target(const struct bbrflow *f, double gain)
{
	double bdp = f->bw * f->min_rtt / 1e6 * gain;
	uint64_t tso = ((struct sock *)f->tp)->sk_pacing_rate / 1024 / f->tp->mss_cache;
	uint32_t cwnd = (uint32_t)(bdp + 0.999) + 3 * (uint32_t)(tso < 2     ? 2
								 : tso > 127 ? 127
									     : tso);
	return (cwnd + 1) & ~1u;
}

TEST(bbr_starts_up_at_2_over_ln2_until_the_bandwidth_stops_growing_for_three_rounds)
{
	struct bbrflow f;
	uint64_t full_at = 0, drain_at = 0;
	uint32_t rounds_since_full = 0, last_delivered = 0;

	bbrflow_make(&f, 41);
	CHECK_EQ(f.mode, STARTUP);
	for (unsigned ms = 0; ms < 3000 && !drain_at; ms++) {
		bbrflow_step(&f);
		if (!full_at && f.bw >= f.link * 0.97) {
			full_at = ms;
			last_delivered = f.tp->delivered;
		}
		/* rounds after the bandwidth reached the link: a round is
		 * what was in flight at its start, delivered */
		if (full_at && f.tp->delivered - last_delivered >= f.tp->packets_out) {
			rounds_since_full++;
			last_delivered = f.tp->delivered;
		}
		if (f.mode == DRAIN)
			drain_at = ms;
		else
			CHECK_EQ(f.mode, STARTUP);
	}
	printf("    bw at the link (%.0f segments/s) at %llu ms, DRAIN at %llu ms (~%u rounds "
	       "later); bw %.0f, cwnd %u, min RTT %u us\n",
	       f.link, (unsigned long long)full_at, (unsigned long long)drain_at, rounds_since_full,
	       f.bw, f.tp->snd_cwnd, f.min_rtt);
	CHECK(full_at > 0 && drain_at > full_at);
	/* three rounds without 25% more, counted from the first round the
	 * bandwidth no longer grew */
	CHECK(rounds_since_full >= 2 && rounds_since_full <= 5);
	CHECK_NEAR(f.bw, f.link, f.link * 0.03);
	/* the path's 40 ms plus the serialisation of one buffer: its RTT
	 * sample ends at its last segment, and bbr's autosizing makes
	 * buffers of one to three segments here (1.2 ms each) */
	CHECK(f.min_rtt >= 40000 + 1100 && f.min_rtt <= 40000 + 3 * 1200 + 300);
	/* the pacing rate: bandwidth x gain, 1% under */
	CHECK_EQ(f.pacing_gain, GAIN_DRAIN);
	/* STARTUP's cwnd reached 2/ln2 BDP, DRAIN's ssthresh is one BDP */
	CHECK(f.tp->snd_cwnd + 4 >= bbr_target(&f, GAIN_HIGH / 256.0));
	CHECK_NEAR(f.tp->snd_ssthresh, bbr_target(&f, 1.0), 3);
	bbrflow_done(&f);
}

TEST(bbr_drains_the_startup_queue_and_enters_probe_bw_once_in_flight_is_one_bdp)
{
	struct bbrflow f;
	unsigned drain_at = 0, probe_bw_at = 0;
	uint32_t inflight_at_exit = 0, bdp = 0;

	bbrflow_make(&f, 44);
	for (unsigned ms = 0; ms < 3000 && !probe_bw_at; ms++) {
		bbrflow_step(&f);
		if (!drain_at && f.mode == DRAIN)
			drain_at = ms;
		if (f.mode == PROBE_BW) {
			probe_bw_at = ms;
			inflight_at_exit = tcp_packets_in_flight(f.tp);
			bdp = bbr_target(&f, 1.0);
		} else {
			/* never through PROBE_RTT: the min RTT is fresh */
			CHECK(f.mode == STARTUP || f.mode == DRAIN);
		}
	}
	printf("    DRAIN at %u ms, PROBE_BW at %u ms with %u in flight (target %u)\n", drain_at,
	       probe_bw_at, inflight_at_exit, bdp);
	CHECK(drain_at > 0 && probe_bw_at > drain_at);
	/* Pacing at 1/2.89 of the bandwidth drains what STARTUP queued
	 * (at most 1.89 BDP) within a few round trips of ~41 ms, and Linux's
	 * bbr_check_drain leaves at the first ACK that finds in flight at
	 * most BBR's one-BDP target (the BDP plus its quantisation budget);
	 * the flow is read here each millisecond, so allow one more. */
	CHECK(probe_bw_at - drain_at <= 10 * 42);
	CHECK(inflight_at_exit <= bdp + 1);
	bbrflow_done(&f);
}

TEST(bbr_probes_rtt_at_four_segments_for_200_ms_when_its_min_rtt_is_10_s_old)
{
	struct bbrflow f;
	uint64_t in_at = 0, out_at = 0;
	uint32_t cwnd_before = 0, max_in = 0;

	bbrflow_make(&f, 42);
	for (unsigned ms = 0; ms < 12000 && !out_at; ms++) {
		uint32_t cwnd = f.tp->snd_cwnd;
		bbrflow_step(&f);
		if (!in_at && f.mode == PROBE_RTT) {
			in_at = ms;
			cwnd_before = cwnd;
		}
		if (in_at && f.mode == PROBE_RTT && f.tp->snd_cwnd > max_in)
			max_in = f.tp->snd_cwnd;
		if (in_at && f.mode != PROBE_RTT)
			out_at = ms;
	}
	printf("    PROBE_RTT from %llu to %llu ms, cwnd %u before, at most %u in it, %u "
	       "after, then %s\n",
	       (unsigned long long)in_at, (unsigned long long)out_at, cwnd_before, max_in,
	       f.tp->snd_cwnd, mode_name[f.mode]);
	/* the min RTT was taken in the first round trips */
	CHECK(in_at >= 10000 && in_at <= 10300);
	CHECK(max_in <= 4);
	/* 200 ms once in flight is down to 4, and a round trip */
	CHECK(out_at - in_at >= 200 && out_at - in_at <= 600);
	/* the pipe was full already: back to PROBE_BW, the window restored
	 * to PROBE_BW's 2 BDP (paced, BBR drained STARTUP's queue and was
	 * in PROBE_BW before) */
	CHECK_EQ(f.mode, PROBE_BW);
	CHECK_NEAR(cwnd_before, bbr_target(&f, 2.0), 4);
	CHECK_NEAR(f.tp->snd_cwnd, bbr_target(&f, 2.0), 4);
	/* the path's 40 ms plus the serialisation of one buffer: its RTT
	 * sample ends at its last segment, and bbr's autosizing makes
	 * buffers of one to three segments here (1.2 ms each) */
	CHECK(f.min_rtt >= 40000 + 1100 && f.min_rtt <= 40000 + 3 * 1200 + 300);
	bbrflow_done(&f);
}

TEST(bbr_probe_bw_cycles_its_pacing_gain_and_holds_cwnd_at_two_bdp)
{
	struct bbrflow f;
	unsigned seen[3] = {0}, order_bad = 0, phases = 0;
	uint32_t prev = 0;
	uint64_t phase_start = 0, short_phase = 0;

	bbrflow_make(&f, 43);
	bbrflow_until_probe_bw(&f);
	for (unsigned ms = 0; ms < 4000; ms++) {
		bbrflow_step(&f);
		CHECK_EQ(f.mode, PROBE_BW);
		uint32_t g = f.pacing_gain;
		seen[g == 320 ? 0 : g == 192 ? 1 : 2]++;
		if (prev && g != prev) {
			/* 5/4 is followed by 3/4, 3/4 by 1 */
			if ((prev == 320 && g != 192) || (prev == 192 && g != 256))
				order_bad++;
			/* a probing or steady phase lasts at least a min RTT */
			if (prev != 192 && phase_start && ms - phase_start < f.min_rtt / 1000)
				short_phase++;
			phase_start = ms;
			phases++;
		}
		prev = g;
		/* the pacing rate: bandwidth x gain, 1% under */
		double want = f.bw * f.tp->mss_cache * g / 256 * 0.99;
		CHECK_NEAR(((struct sock *)f.tp)->sk_pacing_rate, want, want * 0.01 + 2);
	}
	/* in a steady phase, cwnd is 2 BDP plus the burst allowance */
	for (unsigned ms = 0; ms < 2000 && (f.pacing_gain != 256 || prev != 256); ms++) {
		prev = f.pacing_gain;
		bbrflow_step(&f);
	}
	for (unsigned ms = 0; ms < 50; ms++)
		bbrflow_step(&f);
	printf("    %u phase changes; ms at 5/4, 3/4, 1: %u %u %u; cwnd %u, 2 BDP + bursts %u\n",
	       phases, seen[0], seen[1], seen[2], f.tp->snd_cwnd, bbr_target(&f, 2.0));
	CHECK(seen[0] && seen[1] && seen[2]);
	CHECK(phases >= 6);
	CHECK_EQ(order_bad, 0);
	CHECK_EQ(short_phase, 0);
	/* six of eight phases at 1 */
	CHECK(seen[2] > 2 * (seen[0] + seen[1]));
	/* plus what bbr adds for ACK aggregation (bbr_ack_aggregation_cwnd):
	 * the receiver reads once a millisecond, and its ACKs come in
	 * clumps of a few segments */
	CHECK(f.tp->snd_cwnd + 2 >= bbr_target(&f, 2.0) &&
	      f.tp->snd_cwnd <= bbr_target(&f, 2.0) + 6);
	bbrflow_done(&f);
}

TEST(bbr_keeps_its_max_bandwidth_for_10_rounds_after_the_link_slows)
{
	struct bbrflow f;
	struct ut_link_params lp;
	uint64_t drop_at = 0;
	uint32_t delivered_at_drop = 0, inflight = 0;

	bbrflow_make(&f, 44);
	bbrflow_until_probe_bw(&f);
	for (unsigned ms = 0; ms < 500; ms++)
		bbrflow_step(&f);
	double old_bw = f.bw;
	CHECK_NEAR(old_bw, f.link, f.link * 0.03);
	/* the link halves */
	ut_link_params_init(&lp);
	lp.rate_bps = 5000000;
	lp.delay_ns = 20 * MS;
	lp.queue_limit = 1000;
	CHECK_EQ(ut_sim_link_set_params(f.w.link, 0, &lp), 0);
	delivered_at_drop = f.tp->delivered;
	inflight = f.tp->packets_out;
	/* rounds from here: whole windows delivered */
	unsigned rounds = 0;
	uint32_t mark = delivered_at_drop;
	for (unsigned ms = 0; ms < 10000 && !drop_at; ms++) {
		bbrflow_step(&f);
		if (f.tp->delivered - mark >= inflight) {
			rounds++;
			mark = f.tp->delivered;
			inflight = f.tp->packets_out;
		}
		if (f.bw < old_bw * 0.9)
			drop_at = ms;
	}
	printf("    %.0f segments/s held for %u rounds (%llu ms), then %.0f (link now %.0f)\n",
	       old_bw, rounds, (unsigned long long)drop_at, f.bw, f.link / 2);
	CHECK(drop_at > 0);
	/* the filter spans 10 rounds; counted here by windows, about one */
	CHECK(rounds >= 8 && rounds <= 12);
	for (unsigned ms = 0; ms < 2000; ms++)
		bbrflow_step(&f);
	CHECK_NEAR(f.bw, f.link / 2, f.link / 2 * 0.05);
	bbrflow_done(&f);
}

TEST(bbr_keeps_its_min_rtt_for_10_s_after_the_path_gets_longer)
{
	struct bbrflow f;
	struct ut_link_params lp;
	uint32_t at_9s = 0;

	bbrflow_make(&f, 45);
	for (unsigned ms = 0; ms < 2000; ms++)
		bbrflow_step(&f);
	uint32_t first = f.min_rtt;
	/* 20 ms more each way from 2 s on */
	ut_link_params_init(&lp);
	lp.rate_bps = 10000000;
	lp.delay_ns = 40 * MS;
	lp.queue_limit = 1000;
	CHECK_EQ(ut_sim_link_set_params(f.w.link, -1, &lp), 0);
	for (unsigned ms = 2000; ms < 12000; ms++) {
		bbrflow_step(&f);
		if (ms == 9000)
			at_9s = f.min_rtt;
	}
	printf("    min RTT %u us, %u us at 9 s, %u us at 12 s\n", first, at_9s, f.min_rtt);
	CHECK_NEAR(first, 41300, 1000);
	CHECK_EQ(at_9s, first);
	/* BBR sends buffers of two segments at this rate (bbr_min_tso_segs)
	 * once it probes again: an RTT sample runs from the buffer's send to
	 * the ACK of its last segment, one frame's time (1.2 ms at 10 Mbit/s)
	 * behind the first, as Linux samples it */
	CHECK_NEAR(f.min_rtt, 81300 + 1211, 1500);
	bbrflow_done(&f);
}

TEST(bbr_is_chosen_by_name_and_reports_nothing_through_tcp_cc_info_for_cubic)
{
	struct tcpworld w;
	union ut_tcp_cc_info info;
	socklen_t len = sizeof(info);
	int c, s;

	tw_make(&w, 46, NULL);
	tw_pair(&w, 8080, &c, &s);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_CC_INFO, &info, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3), 0);
	/* init ran on the connected socket: STARTUP's gains */
	len = sizeof(info);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_CC_INFO, &info, &len), 0);
	CHECK_EQ(len, sizeof(struct ut_tcp_bbr_info));
	CHECK_EQ(info.bbr.bbr_pacing_gain, GAIN_HIGH);
	CHECK_EQ(info.bbr.bbr_cwnd_gain, GAIN_HIGH);
	CHECK_EQ(tw_tcp_sk(w.c, c)->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	CHECK(((struct sock *)tw_tcp_sk(w.c, c))->sk_pacing_rate > 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
