/* CUBIC (RFC 9438), Linux's default congestion control, as Linux's
 * net/ipv4/tcp_cubic.c runs it: after a loss the window follows
 *
 *	W(t) = C (t - K)^3 + Wmax,	K = cbrt(Wmax (1 - beta) / C)
 *
 * from beta * Wmax back up to the window where the loss happened (Wmax),
 * flat around it, then faster beyond. t runs from the start of the epoch
 * (the first ACK after the reduction) plus the min RTT, in Linux's fixed
 * point: 1/1024 s (BICTCP_HZ = 10) and jiffies of Linux's default
 * CONFIG_HZ, 250 (4 ms; the rest of usertcp counts 1 ms jiffies).
 * C is bic_scale/1024 = 41/1024 ~ 0.4 and beta 717/1024 ~ 0.7.
 *
 * Why cubic keeps Linux's 250 Hz jiffy: bictcp_update computes cnt (the
 * ACKs per segment of growth) from the curve at most once per jiffy; an
 * ACK in the same jiffy as the last computation only applies the
 * TCP-friendly bound, so a cnt found at an epoch's start (about cwnd,
 * since the curve's target there lies one segment above cwnd) holds for
 * the rest of that jiffy while cwnd grows. When the RTT is well under a
 * jiffy that is how the window regrows after a loss, and the jiffy's
 * length sets how far: with 1 ms jiffies the next jiffy's target sat at
 * the plateau (cnt = 100 cwnd) and the window stayed near 2 segments. In
 * the simulator, 0.3 ms RTT and 3 % loss each way: Reno 147-168 Mbit/s,
 * CUBIC 27-41 with 1 ms jiffies and 117-200 with 4 ms (over a tap, 30
 * against 102-145, the kernel's CUBIC 87-180). The kernel bench_cc runs
 * against, like Debian's and Ubuntu's, is built with HZ = 250.
 *
 * Besides the curve: fast convergence (a flow whose Wmax shrinks gives
 * way sooner: Wmax is set below the window at loss), the TCP-friendly
 * region (never slower than Reno with the same beta would be, RFC 9438
 * 4.3), and HyStart (Ha and Rhee), which leaves slow start before the
 * first loss when the ACKs of a round stop arriving as a train within the
 * min RTT, or when the round's RTT grows by an eighth of the min RTT
 * (clamped to 4..16 ms). Linux's module parameters are constants here,
 * at Linux's defaults. */
#include <string.h>

#include "net/tcp.h"

#define BICTCP_BETA_SCALE 1024 /* scale of beta */
#define BICTCP_HZ 10	       /* t in units of 1/1024 s */
#define CUBIC_HZ 250u	       /* jiffies per second: Linux's default CONFIG_HZ */
#define CUBIC_JIFFY_NS (NSEC_PER_SEC / CUBIC_HZ)

#define HYSTART_ACK_TRAIN 0x1
#define HYSTART_DELAY 0x2
#define HYSTART_MIN_SAMPLES 8	 /* RTT samples per round for the delay test */
#define HYSTART_DELAY_MIN 4000u	 /* us */
#define HYSTART_DELAY_MAX 16000u /* us */
#define HYSTART_DELAY_THRESH(x) MIN(MAX((x), HYSTART_DELAY_MIN), HYSTART_DELAY_MAX)

/* Linux's module parameters, at their defaults */
static const int fast_convergence = 1;
static const uint32_t beta = 717; /* = 0.7 * 1024 */
static const int tcp_friendliness = 1;
static const int hystart = 1;
static const int hystart_detect = HYSTART_ACK_TRAIN | HYSTART_DELAY;
static const uint32_t hystart_low_window = 16;
static const uint32_t hystart_ack_delta_us = 2000;

/* Derived as Linux derives them at module load from bic_scale = 41:
 * cube_rtt_scale = bic_scale * 10 (C in the curve's fixed point), and
 * beta_scale = 8 * (1024 + beta) / 3 / (1024 - beta): Reno-emulation's
 * ACKs per segment of growth, << 3 (RFC 9438 4.3's alpha = 3(1-b)/(1+b)). */
#define CUBE_RTT_SCALE (41u * 10u)
#define BETA_SCALE ((8u * (BICTCP_BETA_SCALE + 717u) / 3u) / (BICTCP_BETA_SCALE - 717u))
/* 2^(10 + 3 * BICTCP_HZ) / (bic_scale * 10): cube_factor * (Wmax - cwnd)
 * cubed-rooted is K in 1/1024 s. */
#define CUBE_FACTOR ((1ull << (10 + 3 * BICTCP_HZ)) / CUBE_RTT_SCALE)

/* Per-connection state, in icsk_ca_priv (Linux's struct bictcp). */
struct bictcp {
	uint32_t cnt;		   /* grow cwnd by 1 after this many ACKed segments */
	uint32_t last_max_cwnd;	   /* Wmax: the window before the last reduction */
	uint32_t last_cwnd;	   /* cwnd when cnt was last computed */
	uint32_t last_time;	   /* jiffy it was computed */
	uint32_t bic_origin_point; /* the curve's plateau: Wmax, or cwnd if above */
	uint32_t bic_K;		   /* 1/1024 s from the epoch's start to the plateau */
	uint32_t delay_min;	   /* us: min RTT seen */
	uint32_t epoch_start;	   /* jiffy the epoch began; 0: none */
	uint32_t ack_cnt;	   /* segments ACKed, for Reno emulation */
	uint32_t tcp_cwnd;	   /* the window Reno would have */
	uint16_t unused;	   /* everything above is reset together */
	uint8_t sample_cnt;	   /* HyStart: RTT samples this round */
	uint8_t found;		   /* HyStart: slow start's exit found */
	uint32_t round_start;	   /* us: HyStart round began */
	uint32_t end_seq;	   /* the round ends when this is ACKed */
	uint32_t last_ack;	   /* us: last ACK of the current train */
	uint32_t curr_rtt;	   /* us: min RTT of the round */
};
_Static_assert(sizeof(struct bictcp) <= TCP_CA_PRIV_SIZE, "bictcp fits icsk_ca_priv");
_Static_assert(BETA_SCALE == 15, "Linux's beta_scale for beta 717");

static inline struct bictcp *cubic_ca(const struct sock *sk)
{
	return (struct bictcp *)inet_csk_ca(sk);
}

static inline uint32_t tcp_jiffies32(const struct sock *sk)
{
	return (uint32_t)(stack_now(sk->sk_stack) / CUBIC_JIFFY_NS);
}

/* Linux's usecs_to_jiffies: rounded up. */
static inline uint32_t cubic_usecs_to_jiffies(uint32_t us)
{
	return (uint32_t)(((uint64_t)us * NSEC_PER_USEC + CUBIC_JIFFY_NS - 1) / CUBIC_JIFFY_NS);
}

/* HyStart's clock: the one read for this ACK (Linux's bictcp_clock_us). */
static inline uint32_t bictcp_clock_us(const struct sock *sk)
{
	return (uint32_t)tcp_sk(sk)->tcp_mstamp;
}

static void bictcp_reset(struct bictcp *ca)
{
	memset(ca, 0, offsetof(struct bictcp, unused));
	ca->found = 0;
}

static void bictcp_hystart_reset(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);

	ca->round_start = ca->last_ack = bictcp_clock_us(sk);
	ca->end_seq = tp->snd_nxt;
	ca->curr_rtt = ~0u;
	ca->sample_cnt = 0;
}

static void cubictcp_init(struct sock *sk)
{
	bictcp_reset(cubic_ca(sk));
	if (hystart)
		bictcp_hystart_reset(sk);
}

/* The first send after idle: the curve must not count the idle time as
 * time spent probing, so the epoch moves forward by it. */
static void cubictcp_cwnd_event(struct sock *sk, enum tcp_ca_event event)
{
	if (event == CA_EVENT_TX_START) {
		struct bictcp *ca = cubic_ca(sk);
		uint32_t now = tcp_jiffies32(sk);
		int32_t delta = (int32_t)(now - (uint32_t)(tcp_sk(sk)->lsndtime / CUBIC_JIFFY_NS));

		if (ca->epoch_start && delta > 0) {
			ca->epoch_start += (uint32_t)delta;
			if (after(ca->epoch_start, now))
				ca->epoch_start = now;
		}
	}
}

/* floor(cbrt(a)) (Linux approximates it with a table and a Newton step;
 * the exact root differs from it by at most a unit of 1/1024 s). */
static uint32_t cubic_root(uint64_t a)
{
	uint32_t lo = 0, hi = 2642246; /* 2642245^3 < 2^64 <= 2642246^3 */

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if ((uint64_t)mid * mid * mid <= a)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* How many ACKed segments per segment of growth (ca->cnt) for the window
 * to follow the curve over the next RTT (Linux's bictcp_update). */
static void bictcp_update(struct sock *sk, uint32_t cwnd, uint32_t acked)
{
	struct bictcp *ca = cubic_ca(sk);
	uint32_t now = tcp_jiffies32(sk);
	uint32_t delta, bic_target, max_cnt;
	uint64_t offs, t;

	ca->ack_cnt += acked;
	/* At most once per jiffy; and the same cwnd within HZ/32 needs no
	 * new target. A reduction sets epoch_start to 0, which forces one. */
	if (ca->last_cwnd == cwnd && (int32_t)(now - ca->last_time) <= (int32_t)(CUBIC_HZ / 32))
		return;
	if (ca->epoch_start && now == ca->last_time)
		goto tcp_friendliness;
	ca->last_cwnd = cwnd;
	ca->last_time = now;

	if (ca->epoch_start == 0) {
		ca->epoch_start = now;
		ca->ack_cnt = acked;
		ca->tcp_cwnd = cwnd;
		if (ca->last_max_cwnd <= cwnd) {
			ca->bic_K = 0;
			ca->bic_origin_point = cwnd;
		} else {
			ca->bic_K = cubic_root(CUBE_FACTOR * (ca->last_max_cwnd - cwnd));
			ca->bic_origin_point = ca->last_max_cwnd;
		}
	}

	/* t: time since the epoch began, one min RTT ahead (the window
	 * set now is the one in flight an RTT later), in 1/1024 s */
	t = (uint64_t)(int64_t)(int32_t)(now - ca->epoch_start);
	t += cubic_usecs_to_jiffies(ca->delay_min);
	t <<= BICTCP_HZ;
	t /= CUBIC_HZ;
	offs = t < ca->bic_K ? ca->bic_K - t : t - ca->bic_K;
	/* C * (t - K)^3, back to segments */
	delta = (uint32_t)((CUBE_RTT_SCALE * offs * offs * offs) >> (10 + 3 * BICTCP_HZ));
	bic_target = t < ca->bic_K ? ca->bic_origin_point - delta : ca->bic_origin_point + delta;

	if (bic_target > cwnd)
		ca->cnt = cwnd / (bic_target - cwnd);
	else
		ca->cnt = 100 * cwnd; /* at or above the target: barely grow */
	/* With no loss seen yet the curve knows nothing; grow at least 5%
	 * per RTT. */
	if (ca->last_max_cwnd == 0 && ca->cnt > 20)
		ca->cnt = 20;

tcp_friendliness:
	/* The TCP-friendly region (RFC 9438 4.3): count the window Reno with
	 * CUBIC's beta would have reached, and never grow slower than it. */
	if (tcp_friendliness) {
		delta = (cwnd * BETA_SCALE) >> 3;
		while (ca->ack_cnt > delta) {
			ca->ack_cnt -= delta;
			ca->tcp_cwnd++;
		}
		if (ca->tcp_cwnd > cwnd) {
			delta = ca->tcp_cwnd - cwnd;
			max_cnt = cwnd / delta;
			if (ca->cnt > max_cnt)
				ca->cnt = max_cnt;
		}
	}
	/* at most 1.5x per RTT: one segment per two ACKed */
	ca->cnt = MAX(ca->cnt, 2u);
}

static void cubictcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);

	(void)ack;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	bictcp_update(sk, tp->snd_cwnd, acked);
	tcp_cong_avoid_ai(tp, ca->cnt, acked);
}

/* A loss: Wmax is the window now (with fast convergence, less if it is
 * below the last Wmax: the flow is giving way), the new epoch starts at
 * the next ACK, and ssthresh is beta * cwnd. */
static uint32_t cubictcp_recalc_ssthresh(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);

	ca->epoch_start = 0;
	if (tp->snd_cwnd < ca->last_max_cwnd && fast_convergence)
		ca->last_max_cwnd =
			(tp->snd_cwnd * (BICTCP_BETA_SCALE + beta)) / (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = tp->snd_cwnd;
	return MAX((tp->snd_cwnd * beta) / BICTCP_BETA_SCALE, 2u);
}

/* After a timeout everything starts over, HyStart too. */
static void cubictcp_state(struct sock *sk, uint8_t new_state)
{
	if (new_state == TCP_CA_Loss) {
		bictcp_reset(cubic_ca(sk));
		bictcp_hystart_reset(sk);
	}
}

/* The ACK-train threshold is widened by the time four full GSO buffers
 * take at the pacing rate, at most 1 ms (Linux's hystart_ack_delay):
 * TSO-sized buffers leave, and GRO hands their ACKs over, in bunches,
 * which would otherwise end a train early. The pacing rate is set on
 * every ACK (tcp_update_pacing_rate) whether or not anything paces. */
static uint32_t hystart_ack_delay(const struct sock *sk)
{
	uint64_t rate = sk->sk_pacing_rate;

	if (!rate)
		return 0;
	return (uint32_t)MIN((uint64_t)USEC_PER_MSEC,
			     (uint64_t)TCP_GSO_MAX_SIZE * 4 * USEC_PER_SEC / rate);
}

static void hystart_update(struct sock *sk, uint32_t delay)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct bictcp *ca = cubic_ca(sk);
	uint32_t threshold;

	/* a new round once the round's last segment is ACKed */
	if (after(tp->snd_una, ca->end_seq))
		bictcp_hystart_reset(sk);
	if (tp->snd_cwnd < hystart_low_window)
		return;

	if (hystart_detect & HYSTART_ACK_TRAIN) {
		uint32_t now = bictcp_clock_us(sk);

		/* ACKs arriving within 2 ms of each other are one train: the
		 * data went out back to back. A train that lasts longer than
		 * half the min RTT means the window already fills the path
		 * (without pacing, the sender emits it in half an RTT; a
		 * paced one may spread it over the whole RTT, so the whole
		 * min RTT then). */
		if ((int32_t)(now - ca->last_ack) <= (int32_t)hystart_ack_delta_us) {
			ca->last_ack = now;
			threshold = ca->delay_min + hystart_ack_delay(sk);
			if (sk->sk_pacing_status == SK_PACING_NONE)
				threshold >>= 1;
			if ((int32_t)(now - ca->round_start) > (int32_t)threshold) {
				ca->found = 1;
				NET_INC_STATS(stack, LINUX_MIB_TCPHYSTARTTRAINDETECT);
				SNMP_ADD_STATS(stack, LINUX_MIB_TCPHYSTARTTRAINCWND, tp->snd_cwnd);
				tp->snd_ssthresh = tp->snd_cwnd;
			}
		}
	}

	if (hystart_detect & HYSTART_DELAY) {
		/* the round's min RTT, over at least 8 samples, against the
		 * min RTT: a queue is building */
		if (ca->curr_rtt > delay)
			ca->curr_rtt = delay;
		if (ca->sample_cnt < HYSTART_MIN_SAMPLES) {
			ca->sample_cnt++;
		} else if (ca->curr_rtt >
			   ca->delay_min + HYSTART_DELAY_THRESH(ca->delay_min >> 3)) {
			ca->found = 1;
			NET_INC_STATS(stack, LINUX_MIB_TCPHYSTARTDELAYDETECT);
			SNMP_ADD_STATS(stack, LINUX_MIB_TCPHYSTARTDELAYCWND, tp->snd_cwnd);
			tp->snd_ssthresh = tp->snd_cwnd;
		}
	}
}

static void cubictcp_acked(struct sock *sk, const struct ack_sample *sample)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct bictcp *ca = cubic_ca(sk);
	uint32_t delay;

	if (sample->rtt_us < 0)
		return;
	/* RTTs right after a reduction still carry the old queue */
	if (ca->epoch_start && (int32_t)(tcp_jiffies32(sk) - ca->epoch_start) < (int32_t)CUBIC_HZ)
		return;
	delay = sample->rtt_us ? (uint32_t)sample->rtt_us : 1u;
	if (ca->delay_min == 0 || ca->delay_min > delay)
		ca->delay_min = delay;
	if (!ca->found && tcp_in_slow_start(tp) && hystart)
		hystart_update(sk, delay);
}

const struct tcp_congestion_ops tcp_cubic = {
	.name = "cubic",
	.init = cubictcp_init,
	.ssthresh = cubictcp_recalc_ssthresh,
	.cong_avoid = cubictcp_cong_avoid,
	.set_state = cubictcp_state,
	.undo_cwnd = tcp_reno_undo_cwnd,
	.cwnd_event = cubictcp_cwnd_event,
	.pkts_acked = cubictcp_acked,
};
