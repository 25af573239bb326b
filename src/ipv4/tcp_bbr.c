/* BBR (Bottleneck Bandwidth and Round-trip propagation time), version 1,
 * as Linux's net/ipv4/tcp_bbr.c runs it (Cardwell et al., "BBR:
 * Congestion-Based Congestion Control", ACM Queue 2016;
 * draft-cardwell-iccrg-bbr-congestion-control-00).
 *
 * BBR does not react to loss as such. It models the path with two
 * numbers: the bottleneck bandwidth, the max of the delivery-rate samples
 * (tcp_rate.c) over the last 10 round trips, and the propagation RTT, the
 * min RTT over the last 10 s. It sets the pacing rate to a gain times the
 * bandwidth and cwnd to a gain times the bandwidth-delay product, and
 * moves through four modes:
 *
 *   STARTUP    gains 2/ln2 (2.89): doubles the rate each round, until the
 *              bandwidth stops growing by 25% for three rounds;
 *   DRAIN      pacing gain ln2/2: empties the queue STARTUP built, until
 *              what is in flight is one BDP;
 *   PROBE_BW   cwnd gain 2 and a cycle of eight pacing gains, one per min
 *              RTT: 5/4 (probe for more), 3/4 (drain what that queued),
 *              then 1 six times; it starts at a random phase other than
 *              the drain one;
 *   PROBE_RTT  when the min RTT is 10 s old: cwnd 4 for at least 200 ms
 *              and a round trip, to see the path with no queue, then back.
 *
 * Rates are in segments per us scaled by 2^24 (BW_SCALE), gains by 2^8
 * (BBR_SCALE), as in Linux. BBR asks for TCP's internal pacing at init
 * (sk_pacing_status), as Linux's bbr_init does. Not here: Linux's long-term ("policer") bandwidth sampling
 * (lt_bw), which needs Linux's tp->lost count. */
#include <string.h>

#include "net/tcp.h"

#define BW_SCALE 24
#define BW_UNIT (1u << BW_SCALE)
#define BBR_SCALE 8 /* scaling factor for fractions in BBR (e.g. gains) */
#define BBR_UNIT (1u << BBR_SCALE)

enum bbr_mode {
	BBR_STARTUP,   /* ramp up sending rate rapidly to fill pipe */
	BBR_DRAIN,     /* drain any queue created during startup */
	BBR_PROBE_BW,  /* discover, share bw: pace around estimated bw */
	BBR_PROBE_RTT, /* cut inflight to min to probe min_rtt */
};

#define CYCLE_LEN 8 /* number of phases in a pacing gain cycle */

/* Linux's constants */
static const uint32_t bbr_bw_rtts = CYCLE_LEN + 2;   /* max-bw filter: 10 rounds */
static const uint32_t bbr_min_rtt_win_sec = 10;	     /* min-RTT filter: 10 s */
static const uint32_t bbr_probe_rtt_mode_ms = 200;   /* at least this long in PROBE_RTT */
static const uint64_t bbr_min_tso_rate = 1200000;    /* below it, 1 segment per TSO burst */
static const uint32_t bbr_pacing_margin_percent = 1; /* pace 1% below the estimate */
/* 2/ln(2): the smallest gain that doubles the delivery rate each round */
static const uint32_t bbr_high_gain = BBR_UNIT * 2885 / 1000 + 1;
/* its inverse: drains the queue of one STARTUP round in one round */
static const uint32_t bbr_drain_gain = BBR_UNIT * 1000 / 2885;
static const uint32_t bbr_cwnd_gain = BBR_UNIT * 2; /* cwnd in PROBE_BW: 2 BDP */
static const uint32_t bbr_pacing_gain[CYCLE_LEN] = {
	BBR_UNIT * 5 / 4, BBR_UNIT * 3 / 4, BBR_UNIT, BBR_UNIT,
	BBR_UNIT,	  BBR_UNIT,	    BBR_UNIT, BBR_UNIT,
};
static const uint32_t bbr_cycle_rand = 7;      /* random start among the phases but the 3/4 */
static const uint32_t bbr_cwnd_min_target = 4; /* the least cwnd: ACKs every other segment */
static const uint32_t bbr_full_bw_thresh = BBR_UNIT * 5 / 4; /* 25% more bw: still growing */
static const uint32_t bbr_full_bw_cnt = 3;		     /* rounds without it: pipe full */
static const uint32_t bbr_extra_acked_gain = BBR_UNIT;
static const uint32_t bbr_extra_acked_win_rtts = 5;
static const uint32_t bbr_ack_epoch_acked_reset_thresh = 1u << 20;
static const uint32_t bbr_extra_acked_max_us = 100 * 1000;

/* Per-connection state, in icsk_ca_priv (Linux's struct bbr, without the
 * long-term sampling fields). */
struct bbr {
	uint64_t cycle_mstamp;	       /* us: this gain-cycle phase began */
	uint64_t ack_epoch_mstamp;     /* us: the ACK-aggregation epoch began */
	struct minmax bw;	       /* max delivery rate, segments/us << 24 */
	uint32_t min_rtt_us;	       /* min RTT in the min_rtt_win_sec window */
	uint32_t min_rtt_stamp;	       /* jiffy of min_rtt_us */
	uint32_t probe_rtt_done_stamp; /* jiffy PROBE_RTT may end */
	uint32_t rtt_cnt;	       /* packet-timed rounds so far */
	uint32_t next_rtt_delivered;   /* tp->delivered at the end of this round */
	uint32_t pacing_gain;	       /* << 8 */
	uint32_t cwnd_gain;	       /* << 8 */
	uint32_t prior_cwnd;	       /* cwnd before loss recovery or PROBE_RTT */
	uint32_t full_bw;	       /* the bw STARTUP's growth is measured from */
	uint32_t ack_epoch_acked;      /* segments (S)ACKed in the epoch */
	uint16_t extra_acked[2];       /* max excess delivered in each of two windows */
	uint8_t mode;		       /* enum bbr_mode */
	uint8_t prev_ca_state;	       /* ca_state at the previous ACK */
	bool packet_conservation;      /* first round of recovery */
	bool round_start;	       /* this ACK starts a round */
	bool idle_restart;	       /* restarting after idle */
	bool probe_rtt_round_done;     /* a round at 4 segments in PROBE_RTT */
	bool full_bw_reached;	       /* STARTUP found the pipe full */
	bool has_seen_rtt;	       /* an RTT sample set the pacing rate */
	uint8_t full_bw_cnt;	       /* rounds without 25% bw growth */
	uint8_t cycle_idx;	       /* phase in bbr_pacing_gain */
	uint8_t extra_acked_win_rtts;  /* age of extra_acked[idx], rounds */
	uint8_t extra_acked_win_idx;
};
_Static_assert(sizeof(struct bbr) <= TCP_CA_PRIV_SIZE, "bbr fits icsk_ca_priv");

static inline struct bbr *bbr_ca(const struct sock *sk)
{
	return (struct bbr *)inet_csk_ca(sk);
}

static inline uint32_t tcp_jiffies32(const struct sock *sk)
{
	return (uint32_t)stack_jiffies(sk->sk_stack);
}

static bool bbr_full_bw_reached(const struct sock *sk)
{
	return bbr_ca(sk)->full_bw_reached;
}

static uint32_t bbr_max_bw(const struct sock *sk)
{
	return minmax_get(&bbr_ca(sk)->bw);
}

/* The bandwidth the model uses (Linux's lt_bw would stand in here). */
static uint32_t bbr_bw(const struct sock *sk)
{
	return bbr_max_bw(sk);
}

static uint16_t bbr_extra_acked(const struct sock *sk)
{
	const struct bbr *bbr = bbr_ca(sk);

	return MAX(bbr->extra_acked[0], bbr->extra_acked[1]);
}

/* bytes per second for rate (segments/us << 24) times gain, less the 1%
 * margin that keeps the queue from growing when the estimate is right */
static uint64_t bbr_rate_bytes_per_sec(const struct sock *sk, uint64_t rate, uint32_t gain)
{
	uint32_t mss = tcp_sk(sk)->mss_cache;

	rate *= mss;
	rate *= gain;
	rate >>= BBR_SCALE;
	rate *= 1000000u / 100u * (100u - bbr_pacing_margin_percent);
	return rate >> BW_SCALE;
}

static uint64_t bbr_bw_to_pacing_rate(const struct sock *sk, uint32_t bw, uint32_t gain)
{
	uint64_t rate = bbr_rate_bytes_per_sec(sk, bw, gain);

	return MIN(rate, sk->sk_max_pacing_rate);
}

/* Before any bandwidth sample: cwnd over the RTT (1 ms without one),
 * times STARTUP's gain. */
static void bbr_init_pacing_rate_from_rtt(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint64_t bw;
	uint32_t rtt_us;

	if (tp->srtt_us) {
		rtt_us = MAX(tp->srtt_us >> 3, 1u);
		bbr->has_seen_rtt = true;
	} else {
		rtt_us = 1000;
	}
	bw = (uint64_t)tp->snd_cwnd * BW_UNIT / rtt_us;
	sk->sk_pacing_rate = bbr_bw_to_pacing_rate(sk, (uint32_t)bw, bbr_high_gain);
}

/* The pacing rate for bw and gain; never lowered before the pipe is
 * known to be full (STARTUP's estimate only grows). */
static void bbr_set_pacing_rate(struct sock *sk, uint32_t bw, uint32_t gain)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint64_t rate = bbr_bw_to_pacing_rate(sk, bw, gain);

	if (!bbr->has_seen_rtt && tp->srtt_us)
		bbr_init_pacing_rate_from_rtt(sk);
	if (bbr_full_bw_reached(sk) || rate > sk->sk_pacing_rate)
		sk->sk_pacing_rate = rate;
}

/* Segments per TSO burst: 1 at low rates (Linux's bbr_min_tso_segs). */
static uint32_t bbr_min_tso_segs(struct sock *sk)
{
	return sk->sk_pacing_rate < (bbr_min_tso_rate >> 3) ? 1 : 2;
}

/* The segments the sender may put in one burst at this pacing rate:
 * about 1 ms worth (sk_pacing_shift 10), at least bbr_min_tso_segs, at
 * most 127 (Linux's tcp_tso_autosize as BBR uses it). */
static uint32_t bbr_tso_segs_goal(struct sock *sk)
{
	uint32_t mss = MAX(tcp_sk(sk)->mss_cache, 1u);
	uint64_t segs = (sk->sk_pacing_rate >> 10) / mss;

	segs = MAX(segs, (uint64_t)bbr_min_tso_segs(sk));
	return (uint32_t)MIN(segs, 0x7Fu);
}

/* cwnd before recovery or PROBE_RTT, to go back to */
static void bbr_save_cwnd(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);

	if (bbr->prev_ca_state < TCP_CA_Recovery && bbr->mode != BBR_PROBE_RTT)
		bbr->prior_cwnd = tp->snd_cwnd;
	else
		bbr->prior_cwnd = MAX(bbr->prior_cwnd, tp->snd_cwnd);
}

static void bbr_check_probe_rtt_done(struct sock *sk);

/* Sending again after idle while app-limited: pace at the estimate, no
 * faster (a burst would only fill a queue). */
static void bbr_cwnd_event(struct sock *sk, enum tcp_ca_event event)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);

	if (event == CA_EVENT_TX_START && tp->app_limited) {
		bbr->idle_restart = true;
		bbr->ack_epoch_mstamp = tp->tcp_mstamp;
		bbr->ack_epoch_acked = 0;
		if (bbr->mode == BBR_PROBE_BW)
			bbr_set_pacing_rate(sk, bbr_bw(sk), BBR_UNIT);
		else if (bbr->mode == BBR_PROBE_RTT)
			bbr_check_probe_rtt_done(sk);
	}
}

/* gain times the bandwidth-delay product, in segments, rounded up */
static uint32_t bbr_bdp(const struct sock *sk, uint32_t bw, uint32_t gain)
{
	const struct bbr *bbr = bbr_ca(sk);
	uint64_t w;

	if (bbr->min_rtt_us == ~0u) /* no RTT yet */
		return TCP_INIT_CWND;
	w = (uint64_t)bw * bbr->min_rtt_us;
	return (uint32_t)((((w * gain) >> BBR_SCALE) + BW_UNIT - 1) / BW_UNIT);
}

/* Room for the bursts the sender and receiver make: three TSO bursts,
 * an even count (delayed ACKs), two more in the probing phase. */
static uint32_t bbr_quantization_budget(struct sock *sk, uint32_t cwnd)
{
	const struct bbr *bbr = bbr_ca(sk);

	cwnd += 3 * bbr_tso_segs_goal(sk);
	cwnd = (cwnd + 1) & ~1u;
	if (bbr->mode == BBR_PROBE_BW && bbr->cycle_idx == 0)
		cwnd += 2;
	return cwnd;
}

static uint32_t bbr_inflight(struct sock *sk, uint32_t bw, uint32_t gain)
{
	return bbr_quantization_budget(sk, bbr_bdp(sk, bw, gain));
}

/* What will be in the network when the next segment leaves. Linux looks
 * ahead to the earliest departure time pacing gives it; without pacing
 * that is now, so only the probing phase's next burst is added. */
static uint32_t bbr_packets_in_net_at_edt(struct sock *sk, uint32_t inflight_now)
{
	if (bbr_ca(sk)->pacing_gain > BBR_UNIT)
		return inflight_now + bbr_tso_segs_goal(sk);
	return inflight_now;
}

/* cwnd headroom for ACK aggregation seen in the last 5-10 rounds, at most
 * 100 ms of the bandwidth */
static uint32_t bbr_ack_aggregation_cwnd(struct sock *sk)
{
	uint32_t max_aggr_cwnd, aggr_cwnd = 0;

	if (bbr_extra_acked_gain && bbr_full_bw_reached(sk)) {
		max_aggr_cwnd = (uint32_t)((uint64_t)bbr_bw(sk) * bbr_extra_acked_max_us / BW_UNIT);
		aggr_cwnd = (bbr_extra_acked_gain * bbr_extra_acked(sk)) >> BBR_SCALE;
		aggr_cwnd = MIN(aggr_cwnd, max_aggr_cwnd);
	}
	return aggr_cwnd;
}

/* Loss recovery: the first round conserves packets (one out per one
 * delivered), the end restores the cwnd from before. */
static bool bbr_set_cwnd_to_recover_or_restore(struct sock *sk, const struct rate_sample *rs,
					       uint32_t acked, uint32_t *new_cwnd)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint8_t prev_state = bbr->prev_ca_state, state = inet_csk(sk)->icsk_ca_state;
	uint32_t cwnd = tp->snd_cwnd;

	/* an ACK for P segments releases at most 2P: take the losses out
	 * here, slow start toward the target in bbr_set_cwnd */
	if (rs->losses > 0)
		cwnd = (uint32_t)MAX((int64_t)cwnd - rs->losses, 1);
	if (state == TCP_CA_Recovery && prev_state != TCP_CA_Recovery) {
		bbr->packet_conservation = true;
		bbr->next_rtt_delivered = tp->delivered; /* the round starts now */
		cwnd = tcp_packets_in_flight(tp) + acked;
	} else if (prev_state >= TCP_CA_Recovery && state < TCP_CA_Recovery) {
		cwnd = MAX(cwnd, bbr->prior_cwnd);
		bbr->packet_conservation = false;
	}
	bbr->prev_ca_state = state;
	if (bbr->packet_conservation) {
		*new_cwnd = MAX(cwnd, tcp_packets_in_flight(tp) + acked);
		return true;
	}
	*new_cwnd = cwnd;
	return false;
}

/* cwnd toward gain * BDP (plus headroom), by at most what was delivered;
 * before the pipe is full it only grows. */
static void bbr_set_cwnd(struct sock *sk, const struct rate_sample *rs, uint32_t acked, uint32_t bw,
			 uint32_t gain)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint32_t cwnd = tp->snd_cwnd, target_cwnd;

	if (!acked)
		goto done;
	if (bbr_set_cwnd_to_recover_or_restore(sk, rs, acked, &cwnd))
		goto done;
	target_cwnd = bbr_bdp(sk, bw, gain);
	target_cwnd += bbr_ack_aggregation_cwnd(sk);
	target_cwnd = bbr_quantization_budget(sk, target_cwnd);
	if (bbr_full_bw_reached(sk))
		cwnd = MIN(cwnd + acked, target_cwnd);
	else if (cwnd < target_cwnd || tp->delivered < TCP_INIT_CWND)
		cwnd = cwnd + acked;
	cwnd = MAX(cwnd, bbr_cwnd_min_target);
done:
	tp->snd_cwnd = MIN(cwnd, tp->snd_cwnd_clamp);
	if (bbr->mode == BBR_PROBE_RTT) /* drain the queue, see the min RTT */
		tp->snd_cwnd = MIN(tp->snd_cwnd, bbr_cwnd_min_target);
}

/* Each phase lasts a min RTT; the probing one longer, until in flight
 * reaches 5/4 BDP or a loss says there is no room; the draining one
 * shorter, once in flight is down to one BDP. */
static bool bbr_is_next_cycle_phase(struct sock *sk, const struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	bool is_full_length = (int64_t)(tp->delivered_mstamp - bbr->cycle_mstamp) > bbr->min_rtt_us;
	uint32_t inflight, bw;

	if (bbr->pacing_gain == BBR_UNIT)
		return is_full_length;
	inflight = bbr_packets_in_net_at_edt(sk, rs->prior_in_flight);
	bw = bbr_max_bw(sk);
	if (bbr->pacing_gain > BBR_UNIT)
		return is_full_length &&
		       (rs->losses || inflight >= bbr_inflight(sk, bw, bbr->pacing_gain));
	return is_full_length || inflight <= bbr_inflight(sk, bw, BBR_UNIT);
}

static void bbr_advance_cycle_phase(struct sock *sk)
{
	struct bbr *bbr = bbr_ca(sk);

	bbr->cycle_idx = (uint8_t)((bbr->cycle_idx + 1) & (CYCLE_LEN - 1));
	bbr->cycle_mstamp = tcp_sk(sk)->delivered_mstamp;
}

static void bbr_update_cycle_phase(struct sock *sk, const struct rate_sample *rs)
{
	if (bbr_ca(sk)->mode == BBR_PROBE_BW && bbr_is_next_cycle_phase(sk, rs))
		bbr_advance_cycle_phase(sk);
}

static void bbr_reset_startup_mode(struct sock *sk)
{
	bbr_ca(sk)->mode = BBR_STARTUP;
}

/* PROBE_BW starts at a random phase, never the draining one, so that
 * flows sharing a bottleneck do not probe in step. */
static void bbr_reset_probe_bw_mode(struct sock *sk)
{
	struct bbr *bbr = bbr_ca(sk);

	bbr->mode = BBR_PROBE_BW;
	bbr->cycle_idx =
		(uint8_t)(CYCLE_LEN - 1 - prandom_below(&sk->sk_stack->rng, bbr_cycle_rand));
	bbr_advance_cycle_phase(sk);
}

static void bbr_reset_mode(struct sock *sk)
{
	if (!bbr_full_bw_reached(sk))
		bbr_reset_startup_mode(sk);
	else
		bbr_reset_probe_bw_mode(sk);
}

/* A new bandwidth sample, and the round count: a round ends when a
 * segment sent after the round began is delivered. */
static void bbr_update_bw(struct sock *sk, const struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint64_t bw;

	bbr->round_start = false;
	if (rs->delivered < 0 || rs->interval_us <= 0)
		return; /* no valid sample */
	if (!before(rs->prior_delivered, bbr->next_rtt_delivered)) {
		bbr->next_rtt_delivered = tp->delivered;
		bbr->rtt_cnt++;
		bbr->round_start = true;
		bbr->packet_conservation = false;
	}
	bw = (uint64_t)rs->delivered * BW_UNIT / (uint64_t)rs->interval_us;
	/* An app-limited sample shows the application, not the path: it
	 * counts only if it shows at least what the filter holds. */
	if (!rs->is_app_limited || bw >= bbr_max_bw(sk))
		minmax_running_max(&bbr->bw, bbr_bw_rtts, bbr->rtt_cnt, (uint32_t)bw);
}

/* Data ACKed beyond what bw explains over an epoch: the aggregation the
 * ACK stream shows (Wi-Fi, GRO, stretch ACKs), kept as the max of two
 * windows of 5 rounds. */
static void bbr_update_ack_aggregation(struct sock *sk, const struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint32_t epoch_us, expected_acked, extra_acked;

	if (!bbr_extra_acked_gain || rs->acked_sacked <= 0 || rs->delivered < 0 ||
	    rs->interval_us <= 0)
		return;
	if (bbr->round_start) {
		bbr->extra_acked_win_rtts = (uint8_t)MIN(0x1Fu, bbr->extra_acked_win_rtts + 1u);
		if (bbr->extra_acked_win_rtts >= bbr_extra_acked_win_rtts) {
			bbr->extra_acked_win_rtts = 0;
			bbr->extra_acked_win_idx = bbr->extra_acked_win_idx ? 0 : 1;
			bbr->extra_acked[bbr->extra_acked_win_idx] = 0;
		}
	}
	epoch_us = (uint32_t)(tp->delivered_mstamp - bbr->ack_epoch_mstamp);
	expected_acked = (uint32_t)((uint64_t)bbr_bw(sk) * epoch_us / BW_UNIT);
	/* ACKs slower than expected, or a very old epoch: start again */
	if (bbr->ack_epoch_acked <= expected_acked ||
	    bbr->ack_epoch_acked + rs->acked_sacked >= bbr_ack_epoch_acked_reset_thresh) {
		bbr->ack_epoch_acked = 0;
		bbr->ack_epoch_mstamp = tp->delivered_mstamp;
		expected_acked = 0;
	}
	bbr->ack_epoch_acked = MIN(0xFFFFFu, bbr->ack_epoch_acked + rs->acked_sacked);
	extra_acked = bbr->ack_epoch_acked - expected_acked;
	extra_acked = MIN(extra_acked, tp->snd_cwnd);
	if (extra_acked > bbr->extra_acked[bbr->extra_acked_win_idx])
		bbr->extra_acked[bbr->extra_acked_win_idx] = (uint16_t)MIN(extra_acked, 0xFFFFu);
}

/* STARTUP ends when three rounds in a row brought less than 25% more
 * bandwidth (not counting app-limited rounds). */
static void bbr_check_full_bw_reached(struct sock *sk, const struct rate_sample *rs)
{
	struct bbr *bbr = bbr_ca(sk);
	uint32_t bw_thresh;

	if (bbr_full_bw_reached(sk) || !bbr->round_start || rs->is_app_limited)
		return;
	bw_thresh = (uint32_t)((uint64_t)bbr->full_bw * bbr_full_bw_thresh >> BBR_SCALE);
	if (bbr_max_bw(sk) >= bw_thresh) {
		bbr->full_bw = bbr_max_bw(sk);
		bbr->full_bw_cnt = 0;
		return;
	}
	++bbr->full_bw_cnt;
	bbr->full_bw_reached = bbr->full_bw_cnt >= bbr_full_bw_cnt;
}

/* STARTUP -> DRAIN once the pipe is full, DRAIN -> PROBE_BW once in
 * flight is down to one BDP. */
static void bbr_check_drain(struct sock *sk, const struct rate_sample *rs)
{
	struct bbr *bbr = bbr_ca(sk);

	(void)rs;
	if (bbr->mode == BBR_STARTUP && bbr_full_bw_reached(sk)) {
		bbr->mode = BBR_DRAIN;
		tcp_sk(sk)->snd_ssthresh = bbr_inflight(sk, bbr_max_bw(sk), BBR_UNIT);
	}
	if (bbr->mode == BBR_DRAIN &&
	    bbr_packets_in_net_at_edt(sk, tcp_packets_in_flight(tcp_sk(sk))) <=
		    bbr_inflight(sk, bbr_max_bw(sk), BBR_UNIT))
		bbr_reset_probe_bw_mode(sk);
}

static void bbr_check_probe_rtt_done(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);

	if (!(bbr->probe_rtt_done_stamp && after(tcp_jiffies32(sk), bbr->probe_rtt_done_stamp)))
		return;
	bbr->min_rtt_stamp = tcp_jiffies32(sk); /* the next PROBE_RTT in 10 s */
	tp->snd_cwnd = MAX(tp->snd_cwnd, bbr->prior_cwnd);
	bbr_reset_mode(sk);
}

/* The min-RTT filter: a lower RTT, or any RTT once the min is 10 s old.
 * An expired min sends BBR to PROBE_RTT: cwnd 4 for 200 ms and a round,
 * so that the queue drains and the path's own RTT shows. */
static void bbr_update_min_rtt(struct sock *sk, const struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);
	uint32_t now = tcp_jiffies32(sk);
	bool filter_expired;

	filter_expired = after(now, bbr->min_rtt_stamp + bbr_min_rtt_win_sec * 1000u);
	if (rs->rtt_us >= 0 &&
	    (rs->rtt_us < bbr->min_rtt_us || (filter_expired && !rs->is_ack_delayed))) {
		bbr->min_rtt_us = (uint32_t)rs->rtt_us;
		bbr->min_rtt_stamp = now;
	}
	if (bbr_probe_rtt_mode_ms > 0 && filter_expired && !bbr->idle_restart &&
	    bbr->mode != BBR_PROBE_RTT) {
		bbr->mode = BBR_PROBE_RTT;
		bbr_save_cwnd(sk);
		bbr->probe_rtt_done_stamp = 0;
	}
	if (bbr->mode == BBR_PROBE_RTT) {
		/* the low rate of this mode is no bandwidth sample */
		uint32_t mark = tp->delivered + tcp_packets_in_flight(tp);
		tp->app_limited = mark ? mark : 1;
		if (!bbr->probe_rtt_done_stamp &&
		    tcp_packets_in_flight(tp) <= bbr_cwnd_min_target) {
			bbr->probe_rtt_done_stamp = now + bbr_probe_rtt_mode_ms;
			bbr->probe_rtt_round_done = false;
			bbr->next_rtt_delivered = tp->delivered;
		} else if (bbr->probe_rtt_done_stamp) {
			if (bbr->round_start)
				bbr->probe_rtt_round_done = true;
			if (bbr->probe_rtt_round_done)
				bbr_check_probe_rtt_done(sk);
		}
	}
	/* idle restart ends with the first ACK of new data */
	if (rs->delivered > 0)
		bbr->idle_restart = false;
}

static void bbr_update_gains(struct sock *sk)
{
	struct bbr *bbr = bbr_ca(sk);

	switch (bbr->mode) {
	case BBR_STARTUP:
		bbr->pacing_gain = bbr_high_gain;
		bbr->cwnd_gain = bbr_high_gain;
		break;
	case BBR_DRAIN:
		bbr->pacing_gain = bbr_drain_gain; /* slow, to drain */
		bbr->cwnd_gain = bbr_high_gain;	   /* keep cwnd */
		break;
	case BBR_PROBE_BW:
		bbr->pacing_gain = bbr_pacing_gain[bbr->cycle_idx];
		bbr->cwnd_gain = bbr_cwnd_gain;
		break;
	case BBR_PROBE_RTT:
		bbr->pacing_gain = BBR_UNIT;
		bbr->cwnd_gain = BBR_UNIT;
		break;
	}
}

static void bbr_update_model(struct sock *sk, const struct rate_sample *rs)
{
	bbr_update_bw(sk, rs);
	bbr_update_ack_aggregation(sk, rs);
	bbr_update_cycle_phase(sk, rs);
	bbr_check_full_bw_reached(sk, rs);
	bbr_check_drain(sk, rs);
	bbr_update_min_rtt(sk, rs);
	bbr_update_gains(sk);
}

/* cong_control: on every ACK, the model, then pacing rate and cwnd */
static void bbr_main(struct sock *sk, uint32_t ack, int flag, const struct rate_sample *rs)
{
	struct bbr *bbr = bbr_ca(sk);
	uint32_t bw;

	(void)ack;
	(void)flag;
	bbr_update_model(sk, rs);
	bw = bbr_bw(sk);
	bbr_set_pacing_rate(sk, bw, bbr->pacing_gain);
	bbr_set_cwnd(sk, rs, rs->acked_sacked, bw, bbr->cwnd_gain);
}

static void bbr_init(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct bbr *bbr = bbr_ca(sk);

	memset(bbr, 0, sizeof(*bbr));
	tp->snd_ssthresh = TCP_INFINITE_SSTHRESH;
	bbr->next_rtt_delivered = tp->delivered;
	bbr->prev_ca_state = TCP_CA_Open;
	bbr->min_rtt_us = tcp_min_rtt(tp);
	bbr->min_rtt_stamp = tcp_jiffies32(sk);
	minmax_reset(&bbr->bw, bbr->rtt_cnt, 0);
	bbr_init_pacing_rate_from_rtt(sk);
	/* BBR's model assumes paced sending: no qdisc here, so TCP paces */
	if (sk->sk_pacing_status == SK_PACING_NONE)
		sk->sk_pacing_status = SK_PACING_NEEDED;
	bbr_reset_startup_mode(sk);
	bbr_update_gains(sk);
	bbr->ack_epoch_mstamp = tp->tcp_mstamp;
}

/* A send buffer of three windows (Linux's bbr_sndbuf_expand). */
static uint32_t bbr_sndbuf_expand(struct sock *sk)
{
	(void)sk;
	return 3;
}

/* A reduction proved spurious: nothing to restore (BBR made none), but
 * the pipe may not be full after all. */
static uint32_t bbr_undo_cwnd(struct sock *sk)
{
	struct bbr *bbr = bbr_ca(sk);

	bbr->full_bw = 0;
	bbr->full_bw_cnt = 0;
	return tcp_sk(sk)->snd_cwnd;
}

/* BBR keeps ssthresh out of the way; it notes the cwnd to come back to. */
static uint32_t bbr_ssthresh(struct sock *sk)
{
	bbr_save_cwnd(sk);
	return tcp_sk(sk)->snd_ssthresh;
}

/* A timeout counts as the end of a round, and STARTUP's growth test
 * starts over. */
static void bbr_set_state(struct sock *sk, uint8_t new_state)
{
	struct bbr *bbr = bbr_ca(sk);

	if (new_state == TCP_CA_Loss) {
		bbr->prev_ca_state = TCP_CA_Loss;
		bbr->full_bw = 0;
		bbr->round_start = true;
	}
}

/* TCP_CC_INFO: Linux's struct ut_tcp_bbr_info. */
static size_t bbr_get_info(struct sock *sk, union ut_tcp_cc_info *info)
{
	struct bbr *bbr = bbr_ca(sk);
	uint64_t bw = bbr_bw(sk);

	bw = bw * tcp_sk(sk)->mss_cache * 1000000u;
	bw >>= BW_SCALE;
	memset(&info->bbr, 0, sizeof(info->bbr));
	info->bbr.bbr_bw_lo = (uint32_t)bw;
	info->bbr.bbr_bw_hi = (uint32_t)(bw >> 32);
	info->bbr.bbr_min_rtt = bbr->min_rtt_us;
	info->bbr.bbr_pacing_gain = bbr->pacing_gain;
	info->bbr.bbr_cwnd_gain = bbr->cwnd_gain;
	return sizeof(info->bbr);
}

const struct tcp_congestion_ops tcp_bbr = {
	.name = "bbr",
	.flags = TCP_CONG_NON_RESTRICTED,
	.init = bbr_init,
	.cong_control = bbr_main,
	.sndbuf_expand = bbr_sndbuf_expand,
	.undo_cwnd = bbr_undo_cwnd,
	.cwnd_event = bbr_cwnd_event,
	.ssthresh = bbr_ssthresh,
	.min_tso_segs = bbr_min_tso_segs,
	.get_info = bbr_get_info,
	.set_state = bbr_set_state,
};
