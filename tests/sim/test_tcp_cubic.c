/* CUBIC (RFC 9438) as Linux's tcp_cubic runs it, watched in simulated
 * long-lived flows: the window after a loss follows
 * W(t) = C (t - K)^3 + Wmax, the reduction is to 717/1024, fast
 * convergence lowers Wmax, a short-RTT flow grows as fast as Reno would
 * (the TCP-friendly region), idle time does not count as time on the
 * curve, and HyStart leaves slow start on an ACK train or on RTT growth.
 * The expected values come from the RFC's formulas, with C = 0.4 and
 * beta = 0.7 as Linux approximates them (410/1024 and 717/1024). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "ackinject.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define CUBIC_C (410.0 / 1024.0)
#define CUBIC_BETA (717.0 / 1024.0)

struct flow {
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp;
	char *buf;
};

#define FLOW_BUF (256 * 1024)

static void flow_make(struct flow *f, uint64_t seed, uint64_t rate_bps, uint64_t one_way_ns,
		      unsigned queue_limit)
{
	tw_make_path(&f->w, seed, rate_bps, one_way_ns, queue_limit, &f->c, &f->s);
	f->tp = tw_tcp_sk(f->w.c, f->c);
	f->buf = calloc(1, FLOW_BUF);
	CHECK(f->buf);
}

/* A bulk sender that never runs dry and a reader that keeps up, in 1 ms
 * steps for dt; each(f, arg) after every step. */
static void flow_run(struct flow *f, uint64_t dt, void (*each)(struct flow *f, void *arg),
		     void *arg)
{
	uint64_t end = ut_sim_now(f->w.sim) + dt;

	while (ut_sim_now(f->w.sim) < end) {
		while (ut_send(f->w.c, f->c, f->buf, FLOW_BUF, 0) > 0)
			;
		while (ut_recv(f->w.s, f->s, f->buf, FLOW_BUF, 0) > 0)
			;
		tw_run(&f->w, 1 * MS);
		if (each)
			each(f, arg);
	}
}

static void flow_done(struct flow *f)
{
	ut_close(f->w.c, f->c);
	ut_close(f->w.s, f->s);
	free(f->buf);
	tw_done(&f->w);
}

/* What fast recovery leaves behind after a single loss: cwnd at the
 * module's ssthresh, the window before it kept (Linux's
 * tcp_enter_recovery, then PRR ending at ssthresh). */
static void one_loss(struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;

	tp->prior_cwnd = tp->snd_cwnd;
	tp->snd_ssthresh = inet_csk(sk)->icsk_ca_ops->ssthresh(sk);
	tp->snd_cwnd = tp->snd_ssthresh;
	tp->snd_cwnd_cnt = 0;
}

/* W(t) of RFC 9438 4.2 from Wmax and the window after the reduction. */
static double cubic_w(double t, double wmax, double w0)
{
	double k = cbrt((wmax - w0) / CUBIC_C);
	return CUBIC_C * pow(t - k, 3) + wmax;
}

/* ---- the curve after one loss ---------------------------------------------------------*/

struct curve {
	uint32_t loss_at_cwnd; /* lose once when cwnd reaches this */
	uint32_t second_loss_below;
	uint64_t second_loss_after; /* ns after the first epoch began */
	int phase;		    /* 0 before, 1 waiting for the epoch, 2 on the curve */
	uint32_t una_at_loss;
	double wmax, w0;
	uint64_t epoch_ns;
	unsigned samples, bad;
	double worst_t;
	uint32_t worst_cwnd;
	double worst_lo, worst_hi;
	double rtt_s;
	uint32_t cwnd_at_k; /* the window when t = K */
	bool second_done;
	uint32_t w_second;
	uint64_t retrans_on_curve; /* RetransSegs at the last sample */
};

static void curve_loss(struct flow *f, struct curve *cv)
{
	cv->wmax = f->tp->snd_cwnd;
	one_loss(f->tp);
	cv->w0 = f->tp->snd_cwnd;
	cv->una_at_loss = f->tp->snd_una;
	cv->phase = 1;
}

static void curve_each(struct flow *f, void *arg)
{
	struct curve *cv = arg;
	struct tcp_sock *tp = f->tp;
	uint64_t now = ut_sim_now(f->w.sim);

	if (cv->phase == 0) {
		if (tp->snd_cwnd >= cv->loss_at_cwnd)
			curve_loss(f, cv);
		return;
	}
	if (cv->phase == 1) {
		/* the epoch begins with the first ACK after the reduction */
		if (tp->snd_una != cv->una_at_loss) {
			cv->epoch_ns = now;
			cv->phase = 2;
		}
		return;
	}
	double t = (double)(now - cv->epoch_ns) / 1e9;
	double k = cbrt((cv->wmax - cv->w0) / CUBIC_C);
	if (cv->second_loss_below && !cv->second_done &&
	    now - cv->epoch_ns >= cv->second_loss_after) {
		/* a second loss below the last Wmax */
		cv->second_done = true;
		cv->w_second = tp->snd_cwnd;
		curve_loss(f, cv);
		/* fast convergence: Wmax = W (1 + beta) / 2 */
		cv->wmax = floor(cv->w_second * (1.0 + CUBIC_BETA) / 2.0);
		return;
	}
	if (t > 2 * k)
		return;
	if (fabs(t - k) < 0.0005)
		cv->cwnd_at_k = tp->snd_cwnd;
	/* ACKs come a window at a time, once an RTT; each sets the window
	 * one RTT ahead on the curve. So cwnd now lies between W(t) and
	 * W(t + RTT), give or take the rounding of whole segments. */
	cv->retrans_on_curve = tw_counter(f->w.c, "Tcp", "RetransSegs");
	double lo = floor(cubic_w(t, cv->wmax, cv->w0)) - 2;
	double hi = ceil(cubic_w(t + cv->rtt_s, cv->wmax, cv->w0)) + 2;
	cv->samples++;
	if (tp->snd_cwnd < lo || tp->snd_cwnd > hi) {
		if (!cv->bad++) {
			cv->worst_t = t;
			cv->worst_cwnd = tp->snd_cwnd;
			cv->worst_lo = lo;
			cv->worst_hi = hi;
		}
	}
}

static void curve_report(const struct curve *cv)
{
	if (cv->bad)
		printf("    first off the curve: t %.3f s cwnd %u, want %.1f..%.1f (Wmax %.0f, W0 "
		       "%.0f, K %.3f s); %u of %u samples off\n",
		       cv->worst_t, cv->worst_cwnd, cv->worst_lo, cv->worst_hi, cv->wmax, cv->w0,
		       cbrt((cv->wmax - cv->w0) / CUBIC_C), cv->bad, cv->samples);
}

TEST(after_one_loss_the_window_follows_the_cubic_curve_back_to_wmax_and_beyond)
{
	struct flow f;
	struct curve cv = {.loss_at_cwnd = 100, .rtt_s = 0.2};

	flow_make(&f, 21, 100000000, 100 * MS, 0);
	flow_run(&f, 30 * SEC, curve_each, &cv);
	CHECK_EQ(cv.phase, 2);
	/* Wmax at least 100; beta cut it to 717/1024 */
	CHECK(cv.wmax >= 100);
	CHECK_EQ(cv.w0, floor(cv.wmax * 717 / 1024));
	double k = cbrt((cv.wmax - cv.w0) / CUBIC_C);
	CHECK(cv.samples > (unsigned)(2 * k * 1000) - 10);
	curve_report(&cv);
	CHECK_EQ(cv.bad, 0);
	/* at t = K the window is back at Wmax: the plateau */
	CHECK_NEAR(cv.cwnd_at_k, cv.wmax, 2);
	/* no real loss happened on this path while the curve was followed
	 * (long after it, at 30 s, cubic's window passes what the link's
	 * round trip and queue hold) */
	CHECK_EQ(cv.retrans_on_curve, 0);
	flow_done(&f);
}

TEST(fast_convergence_lowers_wmax_when_a_loss_comes_below_the_last_one)
{
	struct flow f;
	/* the second loss 1 s into the first epoch, when cwnd is still
	 * well under the first Wmax */
	struct curve cv = {.loss_at_cwnd = 100,
			   .rtt_s = 0.2,
			   .second_loss_below = 1,
			   .second_loss_after = 1 * SEC};

	flow_make(&f, 22, 100000000, 100 * MS, 0);
	flow_run(&f, 30 * SEC, curve_each, &cv);
	CHECK(cv.second_done);
	CHECK(cv.w_second < 95);
	/* the plateau is at W (1 + beta) / 2, not at W */
	CHECK_EQ(cv.w0, floor(cv.w_second * 717.0 / 1024));
	curve_report(&cv);
	CHECK_EQ(cv.bad, 0);
	CHECK_NEAR(cv.cwnd_at_k, floor(cv.w_second * 1741.0 / 2048), 2);
	CHECK(cv.cwnd_at_k + 4 < cv.w_second);
	flow_done(&f);
}

TEST(a_loss_cuts_the_window_to_717_of_1024_and_cubic_undo_restores_it)
{
	struct tcpworld w;
	static char data[40 * 1448];
	int c, s, one = 1, sndbuf = 1 << 20;

	tw_make(&w, 23, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	struct sock *sk = (struct sock *)tp;
	CHECK(inet_csk(sk)->icsk_ca_ops == &tcp_cubic);
	/* a window of 40 in congestion avoidance, all of it sent into a
	 * link that is down */
	tp->snd_cwnd = 40;
	tp->snd_ssthresh = 40;
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, 1 * MS);
	CHECK_EQ(tp->packets_out, 40);
	/* the peer SACKs all but the first: fast recovery */
	uint32_t una = tp->snd_una, mss = 1448;
	tw_inject_ack(&w, c, una, 0, &(struct ack_block){una + mss, una + 40 * mss}, 1);
	CHECK_EQ(inet_csk(sk)->icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(tp->snd_ssthresh, 40 * 717 / 1024); /* 28; Reno would say 20 */
	CHECK_EQ(tp->snd_cwnd, 28);
	CHECK_EQ(tp->prior_cwnd, 40);
	CHECK_EQ(tcp_cubic.undo_cwnd(sk), 40);
	tw_inject_ack(&w, c, una + 40 * mss, 0, NULL, 0);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* ---- the TCP-friendly region -------------------------------------------------------------*/

struct friendly {
	int phase;
	double w0;
	uint64_t loss_ns;
	uint32_t cwnd_at_end;
	uint64_t rtt_us;
};

static void friendly_each(struct flow *f, void *arg)
{
	struct friendly *fr = arg;
	uint64_t now = ut_sim_now(f->w.sim);

	if (fr->phase == 0 && f->tp->snd_cwnd >= 100) {
		one_loss(f->tp);
		fr->w0 = f->tp->snd_cwnd;
		fr->loss_ns = now;
		fr->phase = 1;
	} else if (fr->phase == 1 && now - fr->loss_ns >= 400 * MS) {
		fr->cwnd_at_end = f->tp->snd_cwnd;
		fr->rtt_us = f->tp->srtt_us >> 3;
		fr->phase = 2;
	}
}

TEST(on_a_short_rtt_path_the_window_grows_as_fast_as_reno_would_after_a_loss)
{
	struct flow f;
	struct friendly fr = {0};

	/* a 2 ms path (3 ms RTT with the reader's 1 ms turns): the cubic
	 * curve would take K ~ 4 s, over 1000 RTTs, to get back to Wmax;
	 * Reno with CUBIC's beta adds 3 (1 - beta) / (1 + beta) ~ 0.53
	 * segment per RTT (RFC 9438 4.3) */
	flow_make(&f, 24, 1000000000, 1 * MS, 0);
	flow_run(&f, 3 * SEC, friendly_each, &fr);
	CHECK_EQ(fr.phase, 2);
	double rtts = 400000.0 / (double)fr.rtt_us;
	double alpha = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	double reno = fr.w0 + alpha * rtts;
	double cubic = cubic_w(0.4 + fr.rtt_us / 1e6, fr.w0 / CUBIC_BETA, fr.w0);
	printf("    after 400 ms (%.0f RTTs): cwnd %u, Reno-friendly %.1f, the curve alone %.1f\n",
	       rtts, fr.cwnd_at_end, reno, cubic);
	CHECK(cubic + 20 < reno); /* the region decides here */
	CHECK_NEAR(fr.cwnd_at_end, reno, reno * 0.1);
	flow_done(&f);
}

/* ---- a path whose RTT is shorter than a jiffy, with loss ------------------------------*/

/* Bytes delivered in dt over a 1 Gbit/s path with 150 us each way and
 * 3 % loss both ways, the sender running algo. */
static uint64_t lossy_short_path_bytes(const char *algo, uint64_t seed, uint64_t dt)
{
	struct flow f;
	struct ut_link_params lp;
	uint64_t got = 0, end;
	ssize_t r;

	flow_make(&f, seed, 1000000000, 150000, 0);
	CHECK_EQ(ut_setsockopt(f.w.c, f.c, IPPROTO_TCP, TCP_CONGESTION, algo,
			       (socklen_t)strlen(algo)),
		 0);
	ut_link_params_init(&lp);
	lp.rate_bps = 1000000000;
	lp.delay_ns = 150000;
	lp.loss = 0.03;
	CHECK_EQ(ut_sim_link_set_params(f.w.link, -1, &lp), 0);
	end = ut_sim_now(f.w.sim) + dt;
	while (ut_sim_now(f.w.sim) < end) {
		while (ut_send(f.w.c, f.c, f.buf, FLOW_BUF, 0) > 0)
			;
		while ((r = ut_recv(f.w.s, f.s, f.buf, FLOW_BUF, 0)) > 0)
			got += (uint64_t)r;
		tw_run(&f.w, 50000);
	}
	flow_done(&f);
	return got;
}

/* Linux's cubic computes cnt from the curve at most once per jiffy (250
 * Hz by default), so on a 0.3 ms path the cnt an epoch starts with
 * (about cwnd) carries the window up for the rest of its 4 ms jiffy.
 * With 1 ms jiffies the next jiffy's cnt stopped growth and the window
 * stayed near 2: CUBIC made a fifth of Reno's goodput here. */
TEST(on_a_path_shorter_than_a_jiffy_with_loss_cubic_keeps_pace_with_reno)
{
	uint64_t reno = 0, cubic = 0;

	for (uint64_t seed = 2; seed <= 4; seed++) {
		reno += lossy_short_path_bytes("reno", seed, 2 * SEC);
		cubic += lossy_short_path_bytes("cubic", seed, 2 * SEC);
	}
	printf("    3 seeds x 2 s, 0.3 ms RTT, 3 %% loss: reno %.1f Mbit/s, cubic %.1f Mbit/s\n",
	       (double)reno * 8 / 6e6, (double)cubic * 8 / 6e6);
	CHECK(cubic * 10 >= reno * 6);
}

/* ---- idle time is not time on the curve ------------------------------------------------*/

TEST(an_idle_sender_resumes_on_the_curve_where_it_left_it)
{
	struct flow f;
	struct curve cv = {.loss_at_cwnd = 100, .rtt_s = 0.2};

	flow_make(&f, 25, 100000000, 100 * MS, 0);
	/* the window stays over idle time; only the curve's clock is at
	 * stake */
	CHECK_EQ(ut_sysctl_set(f.w.c, "net.ipv4.tcp_slow_start_after_idle", 0), 0);
	/* run until 1 s into the epoch, well before K (~4.2 s) */
	while (cv.phase < 2 || ut_sim_now(f.w.sim) - cv.epoch_ns < 1 * SEC)
		flow_run(&f, 1 * MS, curve_each, &cv);
	/* stop writing; let everything be ACKed, then 10 s of silence */
	tw_run(&f.w, 10 * SEC);
	while (ut_recv(f.w.s, f.s, f.buf, FLOW_BUF, 0) > 0)
		;
	uint32_t before = f.tp->snd_cwnd;
	/* two RTTs of sending again */
	flow_run(&f, 400 * MS, NULL, NULL);
	/* on the curve, 1.4 s into the epoch plus an RTT ahead; had the
	 * idle time counted it would be past K, growing by half a window per
	 * RTT */
	double want = cubic_w(1.4 + 0.2 + 0.2, cv.wmax, cv.w0);
	printf("    cwnd %u before the idle time, %u after, the curve says %.1f\n", before,
	       f.tp->snd_cwnd, want);
	CHECK(f.tp->snd_cwnd <= ceil(want) + 2);
	CHECK(f.tp->snd_cwnd >= before);
	flow_done(&f);
}

/* ---- HyStart ------------------------------------------------------------------------------*/

TEST(hystart_leaves_slow_start_when_the_ack_train_outlasts_half_the_min_rtt)
{
	struct flow f;

	/* 20 Mbit/s (0.6 ms a frame; an ACK every two: 1.2 ms apart, one
	 * train), 40 ms RTT: a BDP of 66 segments. The train of a window
	 * lasts longer than 20 ms once ~33 segments of a round are ACKed. */
	flow_make(&f, 26, 20000000, 20 * MS, 10000);
	flow_run(&f, 2 * SEC, NULL, NULL);
	uint64_t train = tw_counter(f.w.c, "TcpExt", "TCPHystartTrainDetect");
	uint64_t train_cwnd = tw_counter(f.w.c, "TcpExt", "TCPHystartTrainCwnd");
	printf("    train exit at cwnd %llu, ssthresh %u\n", (unsigned long long)train_cwnd,
	       f.tp->snd_ssthresh);
	CHECK_EQ(train, 1);
	CHECK_EQ(tw_counter(f.w.c, "TcpExt", "TCPHystartDelayDetect"), 0);
	/* slow start ended where it was detected: once the ACKs of a round
	 * span 20 ms, ~33 segments ACKed into the round, the window about
	 * the BDP; without HyStart it would double on into the queue */
	CHECK_EQ(f.tp->snd_ssthresh, train_cwnd);
	CHECK(train_cwnd >= 33 && train_cwnd <= 100);
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 0);
	flow_done(&f);
}

TEST(hystart_lets_a_paced_sender_s_ack_train_run_the_whole_min_rtt_before_it_ends_slow_start)
{
	struct flow f;
	unsigned rate = 125000000; /* 1 Gbit/s: a cap that never binds here */

	/* The path of the test above. A sender that paces (here because
	 * SO_MAX_PACING_RATE asks for it, as fq would) spreads a window
	 * over the whole RTT, so its ACK train is judged against the whole
	 * min RTT plus hystart_ack_delay (1 ms here: four 64 KB buffers at
	 * the pacing rate take longer), not half of it, as Linux's
	 * hystart_update: slow start runs about a round longer. */
	flow_make(&f, 26, 20000000, 20 * MS, 10000);
	CHECK_EQ(ut_setsockopt(f.w.c, f.c, SOL_SOCKET, SO_MAX_PACING_RATE, &rate, sizeof(rate)), 0);
	flow_run(&f, 2 * SEC, NULL, NULL);
	uint64_t train_cwnd = tw_counter(f.w.c, "TcpExt", "TCPHystartTrainCwnd");
	uint64_t delay_cwnd = tw_counter(f.w.c, "TcpExt", "TCPHystartDelayCwnd");
	printf("    train exit at cwnd %llu, delay exit at %llu, ssthresh %u\n",
	       (unsigned long long)train_cwnd, (unsigned long long)delay_cwnd, f.tp->snd_ssthresh);
	CHECK_EQ(tw_counter(f.w.c, "TcpExt", "TCPHystartTrainDetect") +
			 tw_counter(f.w.c, "TcpExt", "TCPHystartDelayDetect"),
		 1);
	/* the unpaced sender above stops at 74 segments; judged against
	 * half the min RTT, this paced one would stop at 111 */
	CHECK(train_cwnd + delay_cwnd > 150);
	flow_done(&f);
}

TEST(hystart_leaves_slow_start_when_the_rtt_of_a_round_grows_by_an_eighth)
{
	struct flow f;

	/* 4 Mbit/s (3 ms a frame: ACKs 6 ms apart, never a train), 20 ms
	 * RTT plus the frame: a BDP of ~8 segments, so a queue builds from
	 * the initial window on. At cwnd 16 (hystart_low_window) the
	 * round's RTT is over the min by more than 4 ms (HYSTART_DELAY_MIN,
	 * since min/8 is less). */
	flow_make(&f, 27, 4000000, 10 * MS, 10000);
	flow_run(&f, 2 * SEC, NULL, NULL);
	uint64_t delay_cwnd = tw_counter(f.w.c, "TcpExt", "TCPHystartDelayCwnd");
	printf("    delay exit at cwnd %llu, ssthresh %u\n", (unsigned long long)delay_cwnd,
	       f.tp->snd_ssthresh);
	CHECK_EQ(tw_counter(f.w.c, "TcpExt", "TCPHystartDelayDetect"), 1);
	CHECK_EQ(tw_counter(f.w.c, "TcpExt", "TCPHystartTrainDetect"), 0);
	CHECK_EQ(f.tp->snd_ssthresh, delay_cwnd);
	CHECK(delay_cwnd >= 16 && delay_cwnd < 40);
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 0);
	flow_done(&f);
}
