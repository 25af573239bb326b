/* Segment arrival (Linux's net/ipv4/tcp_input.c), in the order of RFC 9293
 * 3.10.7: the SYN-SENT handshake, then for synchronized states the
 * sequence check, RST, SYN, ACK (RTT, congestion control, fast
 * retransmit and NewReno recovery), and the data with its receive and
 * out-of-order queues, FIN, and the ACKs owed for them. A SYN to a
 * listener starts a request socket here too (tcp_conn_request). */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/errqueue.h"
#include "net/inet_ecn.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

/* What an ACK did, for the recovery state machine (Linux's FLAG_* bits,
 * Linux's values). */
#define FLAG_DATA 0x01		     /* the segment carried data */
#define FLAG_WIN_UPDATE 0x02	     /* the window was updated */
#define FLAG_DATA_ACKED 0x04	     /* new data acknowledged */
#define FLAG_RETRANS_DATA_ACKED 0x08 /* ... some of which was retransmitted */
#define FLAG_SYN_ACKED 0x10	     /* our SYN acknowledged */
#define FLAG_DATA_SACKED 0x20	     /* new SACK information */
#define FLAG_ECE 0x40		     /* ECE in this ACK */
#define FLAG_LOST_RETRANS 0x80	     /* a retransmission was found lost */
#define FLAG_ORIG_SACK_ACKED 0x200   /* never-retransmitted data (S)ACKed */
#define FLAG_SND_UNA_ADVANCED 0x400  /* snd_una moved */
#define FLAG_DSACKING_ACK 0x800	     /* the SACK blocks held a D-SACK */
#define FLAG_SET_XMIT_TIMER 0x1000   /* arm the TLP or RTO timer */
#define FLAG_SACK_RENEGING 0x2000    /* snd_una reached a SACKed segment */
#define FLAG_DSACK_TLP 0x20000	     /* the D-SACK was for a loss probe */
#define FLAG_ACKED (FLAG_DATA_ACKED | FLAG_SYN_ACKED)
#define FLAG_NOT_DUP (FLAG_DATA | FLAG_WIN_UPDATE | FLAG_ACKED)
#define FLAG_CA_ALERT (FLAG_DATA_SACKED | FLAG_ECE | FLAG_DSACKING_ACK)
#define FLAG_FORWARD_PROGRESS (FLAG_ACKED | FLAG_DATA_SACKED)

/* What tcp_fastretrans_alert asks tcp_ack to send (Linux's REXMIT_*). */
enum { REXMIT_NONE, REXMIT_LOST, REXMIT_NEW };

/* What the SACK blocks of one ACK told (Linux's tcp_sacktag_state). */
struct tcp_sacktag_state {
	uint64_t first_sackt; /* ns: sent time of the first never-retransmitted segment SACKed */
	uint64_t last_sackt;  /* ns: ... of the last one */
	uint32_t reord;	      /* lowest sequence found reordered */
	uint32_t fack;	      /* highest sequence SACKed so far */
	uint32_t sack_delivered;
	int flag;
	struct rate_sample *rate; /* the ACK's delivery-rate sample (tcp_rate.c) */
};

/* ---- RTT and RTO (RFC 6298 with Linux's refinements) -------------------------------*/

void tcp_rtt_estimator(struct sock *sk, long mrtt_us)
{
	struct tcp_sock *tp = tcp_sk(sk);
	long m = mrtt_us;
	uint32_t srtt = tp->srtt_us;
	const uint32_t rto_min_us = TCP_RTO_MIN_MS * 1000;

	if (m <= 0)
		m = 1;
	if (srtt != 0) {
		m -= (long)(srtt >> 3); /* m is now the error in the estimate */
		srtt += (uint32_t)m;	/* srtt = 7/8 srtt + 1/8 new */
		if (m < 0) {
			m = -m;
			m -= (long)(tp->mdev_us >> 2);
			/* An RTT falling below the estimate should not
			 * inflate the deviation as much (Linux's damping). */
			if (m > 0)
				m >>= 3;
		} else {
			m -= (long)(tp->mdev_us >> 2);
		}
		tp->mdev_us += (uint32_t)m; /* mdev = 3/4 mdev + 1/4 new */
		if (tp->mdev_us > tp->mdev_max_us) {
			tp->mdev_max_us = tp->mdev_us;
			if (tp->mdev_max_us > tp->rttvar_us)
				tp->rttvar_us = tp->mdev_max_us;
		}
		/* Once per flight, let rttvar decay toward the largest
		 * deviation seen in that flight. */
		if (after(tp->snd_una, tp->rtt_seq)) {
			if (tp->mdev_max_us < tp->rttvar_us)
				tp->rttvar_us -= (tp->rttvar_us - tp->mdev_max_us) >> 2;
			tp->rtt_seq = tp->snd_nxt;
			tp->mdev_max_us = rto_min_us;
		}
	} else {
		/* RFC 6298 2.2: the first measurement. */
		srtt = (uint32_t)m << 3;
		tp->mdev_us = (uint32_t)m << 1;
		tp->rttvar_us = MAX(tp->mdev_us, rto_min_us);
		tp->mdev_max_us = tp->rttvar_us;
		tp->rtt_seq = tp->snd_nxt;
	}
	tp->srtt_us = MAX(1u, srtt);
}

/* RTO = SRTT + max(4 * RTTVAR, 200 ms), at most 120 s (Linux's
 * __tcp_set_rto with rttvar kept at least TCP_RTO_MIN). */
void tcp_set_rto(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t rto_us = (tp->srtt_us >> 3) + tp->rttvar_us;
	uint32_t rto = (rto_us + 999) / 1000;

	inet_csk(sk)->icsk_rto = MIN(MAX(rto, TCP_RTO_MIN_MS), TCP_RTO_MAX_MS);
}

/* The windowed min RTT: RACK's reordering window and the TLP timeout are
 * drawn from it. A sample from an ACK that may have been delayed and is
 * above the minimum tells nothing (Linux's tcp_update_rtt_min). A zero
 * sample counts as one jiffy, as Linux's `rtt_us ? : jiffies_to_usecs(1)`:
 * the window must never collapse to nothing, which would leave RACK no
 * reordering window at all (min_rtt/4 = 0). */
static void tcp_update_rtt_min(struct sock *sk, uint32_t rtt_us)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t wlen_ms = (uint32_t)sk->sk_stack->sysctl.tcp_min_rtt_wlen * 1000;
	uint32_t now_ms = (uint32_t)(stack_now(sk->sk_stack) / NSEC_PER_MSEC);

	minmax_running_min(&tp->rtt_min, wlen_ms, now_ms, rtt_us ? rtt_us : USEC_PER_JIFFY);
}

/* RTT samples of one ACK: seq_rtt from the oldest segment newly acked
 * and never retransmitted (Karn), sack_rtt from the oldest such segment
 * newly SACKed, ca_rtt from the newest. Without them the echoed
 * timestamp measures it (RFC 7323 4.1, only for an ACK of new data). */
static void tcp_ack_update_rtt(struct sock *sk, int flag, long seq_rtt_us, long sack_rtt_us,
			       long *ca_rtt)
{
	long ca_rtt_us = *ca_rtt;
	struct tcp_sock *tp = tcp_sk(sk);

	if (seq_rtt_us < 0)
		seq_rtt_us = sack_rtt_us;
	if (seq_rtt_us < 0 && tp->saw_tstamp && tp->rcv_tsecr && tp->tstamp_ok &&
	    (flag & FLAG_ACKED)) {
		/* Timestamps tick in milliseconds: an echo from this same
		 * tick says "under 1 ms", which Linux's tcp_rtt_tsopt_us
		 * (min_delta 1) takes as one tick, never as 0. */
		uint32_t delta = tcp_time_stamp(sk->sk_stack) + tp->tsoffset - tp->rcv_tsecr;
		if (delta < 0x7fffffffu / 1000)
			seq_rtt_us = ca_rtt_us = (long)(delta ? delta : 1) * 1000;
	}
	if (seq_rtt_us < 0)
		return;
	if (ca_rtt_us < 0)
		ca_rtt_us = seq_rtt_us;
	*ca_rtt = ca_rtt_us; /* for the rate sample and the module */
	tcp_update_rtt_min(sk, (uint32_t)ca_rtt_us);
	tcp_rtt_estimator(sk, seq_rtt_us);
	tcp_set_rto(sk);
	/* A valid sample ends any backoff (RFC 6298 5.7 / Karn). */
	inet_csk(sk)->icsk_backoff = 0;
	trace_tcp_rtt_sample(sk, seq_rtt_us);
}

/* The handshake's RTT on the passive side, from the SYN-ACK to the ACK
 * that completes it, when the SYN-ACK went once (Linux's
 * tcp_synack_rtt_meas): a sample for srtt and for the windowed min RTT
 * alike (tcpi_min_rtt, ss's minrtt, RACK's window before any data). */
void tcp_synack_rtt_meas(struct sock *sk, long rtt_us)
{
	tcp_update_rtt_min(sk, (uint32_t)rtt_us);
	tcp_rtt_estimator(sk, rtt_us);
	tcp_set_rto(sk);
	trace_tcp_rtt_sample(sk, rtt_us);
}

/* ---- options negotiated in the handshake --------------------------------------------*/

void tcp_mss_update_from_opts(struct tcp_sock *tp, const struct wire_tcp_opts *opts)
{
	uint16_t mss = opts->saw_mss ? opts->mss : TCP_MSS_DEFAULT;

	if (tp->user_mss && tp->user_mss < mss)
		mss = tp->user_mss;
	tp->rx_opt_mss_clamp = mss;
}

/* ---- PAWS (RFC 7323 5) -----------------------------------------------------------------*/

bool tcp_paws_reject(const struct tcp_sock *tp, const struct wire_tcp_opts *opts)
{
	if (!tp->tstamp_ok || !opts->saw_tstamp || !tp->ts_recent_stamp)
		return false;
	if ((int32_t)(tp->ts_recent - opts->tsval) <= 1)
		return false;
	return true;
}

/* Linux's tcp_store_ts_recent: the peer's TSval to echo, and when it was
 * taken, in seconds (PAWS, RFC 7323 5.5, ages it). A stamp of 0 means
 * "none held", so a TSval taken in the stack's first second is stamped 1. */
void tcp_store_ts_recent(struct sock *sk, uint32_t tsval)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->ts_recent = tsval;
	tp->ts_recent_stamp = stack_now(sk->sk_stack) / NSEC_PER_SEC;
	if (!tp->ts_recent_stamp)
		tp->ts_recent_stamp = 1;
}

static void tcp_replace_ts_recent(struct sock *sk, const struct wire_tcp_opts *opts, uint32_t seq)
{
	struct tcp_sock *tp = tcp_sk(sk);

	/* RFC 7323 4.3: take TSval from the segment that covers the last
	 * ACK we sent, if it is not older than what we hold. */
	if (opts->saw_tstamp && !after(seq, tp->rcv_wup) &&
	    ((int32_t)(opts->tsval - tp->ts_recent) >= 0 || !tp->ts_recent_stamp))
		tcp_store_ts_recent(sk, opts->tsval);
}

/* ---- congestion control state -----------------------------------------------------------*/

void tcp_clear_retrans(struct tcp_sock *tp)
{
	tp->retrans_out = 0;
	tp->lost_out = 0;
	tp->undo_marker = 0;
	tp->undo_retrans = -1;
	tp->sacked_out = 0;
}

/* Something of the retransmit queue was sent twice, now or before. */
static bool tcp_any_retrans_done(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct sk_buff *skb;

	if (tp->retrans_out)
		return true;
	skb = tcp_rtx_queue_head(sk);
	return skb && (TCP_SKB_CB(skb)->sacked & TCPCB_EVER_RETRANS);
}

/* The ACK in hand echoes a TSval we sent before when (our TSval clock
 * without its offset): it answers a transmission older than when. */
static bool tcp_tsopt_ecr_before(const struct tcp_sock *tp, uint32_t when)
{
	return tp->saw_tstamp && tp->rcv_tsecr && before(tp->rcv_tsecr - tp->tsoffset, when);
}

/* The ACK of a retransmitted segment answers its original transmission,
 * as the echoed timestamp shows: the retransmission was spurious. */
static bool tcp_skb_spurious_retrans(const struct tcp_sock *tp, const struct sk_buff *skb)
{
	return (TCP_SKB_CB(skb)->sacked & TCPCB_RETRANS) &&
	       tcp_tsopt_ecr_before(tp, (uint32_t)(TCP_SKB_CB(skb)->sent_ns / NSEC_PER_MSEC));
}

void tcp_mark_skb_lost(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	/* A SACKed segment is no hole. */
	if (tcb->sacked & TCPCB_SACKED_ACKED)
		return;
	if (tcb->sacked & TCPCB_LOST) {
		if (tcb->sacked & TCPCB_SACKED_RETRANS) {
			/* Its retransmission was lost too: it must go
			 * again (RACK's lost-retransmission detection). */
			tcp_verify_retransmit_hint(tp, skb);
			tcb->sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
			tp->retrans_out -= tcp_skb_pcount(skb);
			tp->lost += tcp_skb_pcount(skb);
			NET_ADD_STATS(sk->sk_stack, LINUX_MIB_TCPLOSTRETRANSMIT,
				      tcp_skb_pcount(skb));
		}
	} else {
		tcp_verify_retransmit_hint(tp, skb);
		tcb->sacked |= TCPCB_LOST;
		tp->lost_out += tcp_skb_pcount(skb);
		tp->lost += tcp_skb_pcount(skb);
	}
}

/* ---- reordering ----------------------------------------------------------------------------*/

/* The end of the highest SACKed segment, or snd_una when none is (or,
 * without SACK, when sacked_out counts duplicate ACKs). O(1): kept by
 * tcp_sacktag_one (tp->highest_sack). */
static uint32_t tcp_highest_sack_seq(const struct tcp_sock *tp)
{
	if (!tp->sacked_out || !tp->highest_sack)
		return tp->snd_una;
	return TCP_SKB_CB(tp->highest_sack)->end_seq;
}

/* A segment below the highest SACKed one arrived without having been
 * retransmitted: the network reorders, by at least the distance between
 * them. reordering grows to that distance, in segments, up to
 * tcp_max_reordering (Linux's tcp_check_sack_reordering). ts: found by
 * timestamps. */
static void tcp_check_sack_reordering(struct sock *sk, uint32_t low_seq, int ts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tp->mss_cache;
	uint32_t fack = tcp_highest_sack_seq(tp);
	uint32_t metric;

	if (!before(low_seq, fack))
		return;
	metric = fack - low_seq;
	if (mss && metric > tp->reordering * mss)
		tp->reordering = MIN((metric + mss - 1) / mss,
				     (uint32_t)sk->sk_stack->sysctl.tcp_max_reordering);
	tp->reord_seen++;
	NET_INC_STATS(sk->sk_stack, ts ? LINUX_MIB_TCPTSREORDER : LINUX_MIB_TCPSACKREORDER);
}

/* Without SACK, sacked_out counts duplicate ACKs. More of them than
 * segments in flight less the holes means they were reordering, not
 * segments leaving (Linux's tcp_limit_reno_sacked). */
static bool tcp_limit_reno_sacked(struct tcp_sock *tp)
{
	uint32_t holes = MIN(MAX(tp->lost_out, 1u), tp->packets_out);

	if (tp->sacked_out + holes > tp->packets_out) {
		tp->sacked_out = tp->packets_out - holes;
		return true;
	}
	return false;
}

static void tcp_check_reno_reordering(struct sock *sk, uint32_t addend)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_limit_reno_sacked(tp))
		return;
	tp->reordering =
		MIN(tp->packets_out + addend, (uint32_t)sk->sk_stack->sysctl.tcp_max_reordering);
	tp->reord_seen++;
	NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPRENOREORDER);
}

/* Reno: each duplicate ACK stands for one segment delivered. */
static void tcp_add_reno_sack(struct sock *sk, int num_dupack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t prior_sacked = tp->sacked_out;

	if (!num_dupack)
		return;
	tp->sacked_out += (uint32_t)num_dupack;
	tcp_check_reno_reordering(sk, 0);
	if (tp->sacked_out > prior_sacked)
		tp->delivered += tp->sacked_out - prior_sacked;
}

/* Reno: a cumulative ACK of acked segments filled one hole; the rest
 * were counted already by duplicate ACKs. */
static void tcp_remove_reno_sacks(struct sock *sk, uint32_t acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (acked > 0) {
		tp->delivered += acked > tp->sacked_out + 1 ? acked - tp->sacked_out : 1;
		if (acked - 1 >= tp->sacked_out)
			tp->sacked_out = 0;
		else
			tp->sacked_out -= acked - 1;
	}
	tcp_check_reno_reordering(sk, acked);
}

static void tcp_reset_reno_sack(struct tcp_sock *tp)
{
	tp->sacked_out = 0;
}

/* ---- PRR: proportional rate reduction (RFC 6937) ------------------------------------------*/

/* A reduction begins: ssthresh from the congestion module, and from now
 * on cwnd follows PRR (Linux's tcp_init_cwnd_reduction). */
/* The next new data segment tells the peer its ECE was heard, or that the
 * window was cut for a loss (RFC 3168 6.1.2): CWR. */
static void tcp_ecn_queue_cwr(struct tcp_sock *tp)
{
	if (tp->ecn_flags & TCP_ECN_OK)
		tp->ecn_flags |= TCP_ECN_QUEUE_CWR;
}

static void tcp_init_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->high_seq = tp->snd_nxt;
	tp->tlp_high_seq = 0;
	tp->snd_cwnd_cnt = 0;
	tp->prior_cwnd = tp->snd_cwnd;
	tp->prr_delivered = 0;
	tp->prr_out = 0;
	tp->snd_ssthresh = inet_csk(sk)->icsk_ca_ops->ssthresh(sk);
	tcp_ecn_queue_cwr(tp);
}

/* RFC 6937 3: while more is in flight than ssthresh, send in proportion
 * to what is delivered (ssthresh/prior_cwnd of it); once below, grow
 * back to ssthresh at most as fast as slow start (PRR-SSRB), one extra
 * segment on an ACK that moved snd_una without a new loss. The first ACK
 * of recovery always lets one segment go: the fast retransmit. */
void tcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked, int newly_lost, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int delta = (int)tp->snd_ssthresh - (int)tcp_packets_in_flight(tp);
	int sndcnt = 0;

	if (newly_acked_sacked <= 0 || !tp->prior_cwnd)
		return;
	tp->prr_delivered += (uint32_t)newly_acked_sacked;
	if (delta < 0) {
		uint64_t dividend =
			(uint64_t)tp->snd_ssthresh * tp->prr_delivered + tp->prior_cwnd - 1;
		sndcnt = (int)(dividend / tp->prior_cwnd) - (int)tp->prr_out;
	} else {
		sndcnt = MAX((int)tp->prr_delivered - (int)tp->prr_out, newly_acked_sacked);
		if ((flag & FLAG_SND_UNA_ADVANCED) && !newly_lost)
			sndcnt++;
		sndcnt = MIN(delta, sndcnt);
	}
	sndcnt = MAX(sndcnt, tp->prr_out ? 0 : 1);
	tp->snd_cwnd = tcp_packets_in_flight(tp) + (uint32_t)sndcnt;
}

/* The reduction is over: cwnd settles at ssthresh, unless the reduction
 * was undone (Linux's tcp_end_cwnd_reduction). */
static void tcp_end_cwnd_reduction(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (inet_csk(sk)->icsk_ca_ops->cong_control)
		return;
	if (tp->snd_ssthresh < TCP_INFINITE_SSTHRESH &&
	    (inet_csk(sk)->icsk_ca_state == TCP_CA_CWR || tp->undo_marker)) {
		tp->snd_cwnd = tp->snd_ssthresh;
		tp->snd_cwnd_stamp = stack_now(sk->sk_stack);
	}
	tcp_ca_event(sk, CA_EVENT_COMPLETE_CWR);
}

void tcp_enter_cwr(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->prior_ssthresh = 0; /* a congestion signal: never undone */
	if (inet_csk(sk)->icsk_ca_state < TCP_CA_CWR) {
		tp->undo_marker = 0;
		tcp_init_cwnd_reduction(sk);
		tcp_set_ca_state(sk, TCP_CA_CWR);
	}
}

static void tcp_try_keep_open(struct sock *sk);

/* ---- undo (Linux's tcp_try_undo_*; RFC 3522 with timestamps, RFC 3708 with D-SACK) -----*/

/* ssthresh as the congestion module would restore it: the larger of
 * ssthresh and 3/4 of cwnd (Linux's tcp_current_ssthresh). */
uint32_t tcp_current_ssthresh(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_in_cwnd_reduction(sk))
		return tp->snd_ssthresh;
	return MAX(tp->snd_ssthresh, (tp->snd_cwnd >> 1) + (tp->snd_cwnd >> 2));
}

/* Remember where this episode began, to tell later whether every
 * retransmission of it was needed. */
static void tcp_init_undo(struct tcp_sock *tp)
{
	tp->undo_marker = tp->snd_una;
	tp->undo_retrans = (int)tp->retrans_out;
	if (tp->tlp_high_seq && tp->tlp_retrans)
		tp->undo_retrans++;
	if (!tp->undo_retrans)
		tp->undo_retrans = -1;
}

/* The reduction was a mistake: cwnd and ssthresh back as they were. */
static void tcp_undo_cwnd_reduction(struct sock *sk, bool unmark_loss)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (unmark_loss) {
		struct sk_buff *skb;
		skb_rbtree_walk(skb, &tp->tcp_rtx_queue)
			TCP_SKB_CB(skb)->sacked &= (uint8_t)~TCPCB_LOST;
		tp->lost_out = 0;
	}
	if (tp->prior_ssthresh) {
		tp->snd_cwnd = icsk->icsk_ca_ops->undo_cwnd ? icsk->icsk_ca_ops->undo_cwnd(sk)
							    : MAX(tp->snd_cwnd, tp->prior_cwnd);
		if (tp->prior_ssthresh > tp->snd_ssthresh)
			tp->snd_ssthresh = tp->prior_ssthresh;
	}
	tp->snd_cwnd_stamp = stack_now(sk->sk_stack);
	tp->undo_marker = 0;
	tp->rack.advanced = true; /* look at the losses again */
}

/* The original transmission, not the retransmission, was acknowledged
 * (RFC 3522's Eifel detection with timestamps). */
static bool tcp_packet_delayed(const struct tcp_sock *tp)
{
	return tp->retrans_stamp && tcp_tsopt_ecr_before(tp, tp->retrans_stamp);
}

/* Every retransmission proven unneeded (D-SACKed), or the first was not
 * needed at all (timestamps). */
static bool tcp_may_undo(const struct tcp_sock *tp)
{
	return tp->undo_marker && (!tp->undo_retrans || tcp_packet_delayed(tp));
}

/* Without SACK, stay in recovery until something above high_seq is
 * acknowledged, or a duplicate ACK of high_seq would start a false fast
 * retransmit (RFC 6582 4.1). */
static bool tcp_is_non_sack_preventing_reopen(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->snd_una == tp->high_seq && tcp_is_reno(tp)) {
		if (!tcp_any_retrans_done(sk))
			tp->retrans_stamp = 0;
		return true;
	}
	return false;
}

/* Recovery or Loss ended with high_seq acknowledged. */
static bool tcp_try_undo_recovery(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_may_undo(tp)) {
		tcp_undo_cwnd_reduction(sk, false);
		NET_INC_STATS(sk->sk_stack, inet_csk(sk)->icsk_ca_state == TCP_CA_Loss
						    ? LINUX_MIB_TCPLOSSUNDO
						    : LINUX_MIB_TCPFULLUNDO);
	} else if (tp->rack.reo_wnd_persist) {
		tp->rack.reo_wnd_persist--;
	}
	if (tcp_is_non_sack_preventing_reopen(sk))
		return true;
	tcp_set_ca_state(sk, TCP_CA_Open);
	tp->is_sack_reneg = false;
	return false;
}

/* D-SACKs showed every retransmission of the episode was a duplicate
 * (RFC 3708): the loss was reordering. RACK's window stays wide longer. */
static bool tcp_try_undo_dsack(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->undo_marker && !tp->undo_retrans) {
		tp->rack.reo_wnd_persist =
			(uint8_t)MIN(TCP_RACK_RECOVERY_THRESH, tp->rack.reo_wnd_persist + 1);
		tcp_undo_cwnd_reduction(sk, false);
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPDSACKUNDO);
		return true;
	}
	return false;
}

/* In Loss, after an ACK of new data: undo if timestamps (or F-RTO,
 * frto_undo) show the timeout was spurious. */
static bool tcp_try_undo_loss(struct sock *sk, bool frto_undo)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (frto_undo || tcp_may_undo(tp)) {
		tcp_undo_cwnd_reduction(sk, true);
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPLOSSUNDO);
		if (frto_undo)
			NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPSPURIOUSRTOS);
		inet_csk(sk)->icsk_retransmits = 0;
		if (tcp_is_non_sack_preventing_reopen(sk))
			return true;
		if (frto_undo || tcp_is_sack(tp)) {
			tcp_set_ca_state(sk, TCP_CA_Open);
			tp->is_sack_reneg = false;
		}
		return true;
	}
	return false;
}

static bool tcp_force_fast_retransmit(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	return after(tcp_highest_sack_seq(tp), tp->snd_una + tp->reordering * tp->mss_cache);
}

/* A partial ACK in Recovery: if it acknowledged an original transmission
 * (timestamps), the hole was reordering; undo once no retransmission is
 * out. Otherwise it may call for more retransmission (*do_lost). */
static bool tcp_try_undo_partial(struct sock *sk, uint32_t prior_snd_una, bool *do_lost)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->undo_marker && tcp_packet_delayed(tp)) {
		tcp_check_sack_reordering(sk, prior_snd_una, 1);
		/* Retransmissions still out: go on clocking out new data,
		 * marking nothing more lost. */
		if (tp->retrans_out)
			return true;
		if (!tcp_any_retrans_done(sk))
			tp->retrans_stamp = 0;
		tcp_undo_cwnd_reduction(sk, true);
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPPARTIALUNDO);
		tcp_try_keep_open(sk);
	} else {
		*do_lost = tcp_force_fast_retransmit(sk);
	}
	return false;
}

/* ---- the states Open, Disorder, CWR, Recovery, Loss ----------------------------------------*/

/* Open, or Disorder while SACKed, lost or retransmitted data is out. */
static void tcp_try_keep_open(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t state = TCP_CA_Open;

	if (tcp_left_out(tp) || tcp_any_retrans_done(sk))
		state = TCP_CA_Disorder;
	if (inet_csk(sk)->icsk_ca_state != state) {
		tcp_set_ca_state(sk, state);
		tp->high_seq = tp->snd_nxt;
	}
}

static void tcp_try_to_open(struct sock *sk, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tcp_any_retrans_done(sk))
		tp->retrans_stamp = 0;
	if (flag & FLAG_ECE)
		tcp_enter_cwr(sk);
	if (inet_csk(sk)->icsk_ca_state != TCP_CA_CWR)
		tcp_try_keep_open(sk);
}

void tcp_enter_recovery(struct sock *sk, bool ece_ack)
{
	struct tcp_sock *tp = tcp_sk(sk);

	NET_INC_STATS(sk->sk_stack,
		      tcp_is_reno(tp) ? LINUX_MIB_TCPRENORECOVERY : LINUX_MIB_TCPSACKRECOVERY);
	tp->prior_ssthresh = 0;
	tcp_init_undo(tp);
	if (!tcp_in_cwnd_reduction(sk)) {
		if (!ece_ack)
			tp->prior_ssthresh = tcp_current_ssthresh(sk);
		tcp_init_cwnd_reduction(sk);
	}
	tcp_set_ca_state(sk, TCP_CA_Recovery);
}

/* Puts skb, SACKed until now, back on the send-time list where its send
 * time belongs, after any sent at the same time (the peer reneged,
 * RFC 2018 8, so it is outstanding again). Walks from the newest: O(n),
 * on this rare path only. */
static void tcp_tsorted_reinsert(struct tcp_sock *tp, struct sk_buff *skb)
{
	struct list_head *pos = tp->tsorted_sent_queue.prev;

	while (pos != &tp->tsorted_sent_queue &&
	       TCP_SKB_CB(list_entry(pos, struct sk_buff, tcp_tsorted_anchor))->sent_ns >
		       TCP_SKB_CB(skb)->sent_ns)
		pos = pos->prev;
	list_add(&skb->tcp_tsorted_anchor, pos);
}

/* The RTO marks every segment lost but those SACKed and those sent too
 * recently to be judged (RACK's rule, RFC 8985 6.3). A SACKed head means
 * the peer dropped what it had SACKed (reneging, RFC 2018 8): the SACK
 * marks are forgotten then (Linux's tcp_timeout_mark_lost). */
static void tcp_timeout_mark_lost(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *head = tcp_rtx_queue_head(sk), *skb;
	uint64_t now = stack_now(sk->sk_stack);
	bool is_reneg = head && (TCP_SKB_CB(head)->sacked & TCPCB_SACKED_ACKED);

	if (is_reneg) {
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPSACKRENEGING);
		tp->sacked_out = 0;
		tp->is_sack_reneg = true;
		tp->highest_sack = NULL;
	} else if (tcp_is_reno(tp)) {
		tcp_reset_reno_sack(tp);
	}
	skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
		if (is_reneg) {
			if (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED)
				tcp_tsorted_reinsert(tp, skb);
			TCP_SKB_CB(skb)->sacked &= (uint8_t)~TCPCB_SACKED_ACKED;
		} else if (skb != head && tcp_rack_skb_timeout(tp, skb, 0, now) > 0)
			continue;
		tcp_mark_skb_lost(sk, skb);
	}
}

/* The retransmission timer fired (RFC 5681 3.1, RFC 6298 5; Linux's
 * tcp_enter_loss): ssthresh is cut once per episode, cwnd drops to what
 * is in flight plus one, and F-RTO may later find the timeout spurious. */
void tcp_enter_loss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	bool new_recovery = icsk->icsk_ca_state < TCP_CA_Recovery;
	uint32_t reordering = (uint32_t)sk->sk_stack->sysctl.tcp_reordering;

	tcp_timeout_mark_lost(sk);
	if (icsk->icsk_ca_state <= TCP_CA_Disorder || !after(tp->high_seq, tp->snd_una) ||
	    (icsk->icsk_ca_state == TCP_CA_Loss && !icsk->icsk_retransmits)) {
		tp->prior_ssthresh = tcp_current_ssthresh(sk);
		tp->prior_cwnd = tp->snd_cwnd;
		tp->snd_ssthresh = icsk->icsk_ca_ops->ssthresh(sk);
		tcp_ca_event(sk, CA_EVENT_LOSS);
		tcp_init_undo(tp);
	}
	tp->snd_cwnd = tcp_packets_in_flight(tp) + 1;
	tp->snd_cwnd_cnt = 0;
	tp->snd_cwnd_stamp = stack_now(sk->sk_stack);
	/* A timeout after many duplicate ACKs in Disorder: the reordering
	 * estimate was too high. */
	if (icsk->icsk_ca_state <= TCP_CA_Disorder && tp->sacked_out >= reordering)
		tp->reordering = MIN(tp->reordering, reordering);
	tcp_set_ca_state(sk, TCP_CA_Loss);
	tp->high_seq = tp->snd_nxt;
	tcp_ecn_queue_cwr(tp);
	tp->tlp_high_seq = 0;
	/* F-RTO (RFC 5682 3.1 step 1) unless another recovery was under
	 * way, repeated timeouts of the same segment excepted (3.2). */
	tp->frto = sk->sk_stack->sysctl.tcp_frto && (new_recovery || icsk->icsk_retransmits);
}

/* An ACK in Loss: undo if the timeout proves spurious (timestamps, or
 * F-RTO: RFC 5682 3.1 with SACK), send new data for F-RTO's second step,
 * or retransmit what is lost. */
static void tcp_process_loss(struct sock *sk, int flag, int num_dupack, int *rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);
	bool recovered = !before(tp->snd_una, tp->high_seq);

	if ((flag & FLAG_SND_UNA_ADVANCED) && tcp_try_undo_loss(sk, false))
		return;
	if (tp->frto) {
		/* Step 3.b: data never retransmitted was (S)ACKed, so not
		 * everything was lost: the timeout was spurious. */
		if ((flag & FLAG_ORIG_SACK_ACKED) && tcp_try_undo_loss(sk, true))
			return;
		if (after(tp->snd_nxt, tp->high_seq)) {
			if ((flag & FLAG_DATA_SACKED) || num_dupack)
				tp->frto = 0; /* step 3.a: the loss was real */
		} else if ((flag & FLAG_SND_UNA_ADVANCED) && !recovered) {
			tp->high_seq = tp->snd_nxt;
			/* Step 2.b: send new data if the window allows
			 * (after tcp_ack grew cwnd), else give up F-RTO. */
			if (!skb_queue_empty(&sk->sk_write_queue) &&
			    after(tcp_wnd_end(tp), tp->snd_nxt)) {
				*rexmit = REXMIT_NEW;
				return;
			}
			tp->frto = 0;
		}
	}
	if (recovered) {
		/* Step 2.a, and the end of an ordinary Loss episode. */
		tcp_try_undo_recovery(sk);
		return;
	}
	if (tcp_is_reno(tp)) {
		/* A duplicate ACK after F-RTO's new data: some of it was
		 * delivered. */
		if (after(tp->snd_nxt, tp->high_seq) && num_dupack)
			tcp_add_reno_sack(sk, num_dupack);
		else if (flag & FLAG_SND_UNA_ADVANCED)
			tcp_reset_reno_sack(tp);
	}
	*rexmit = REXMIT_LOST;
}

/* Evidence enough to start fast recovery: a loss marked, or (RFC 6675
 * marking, tcp_recovery=0) more than reordering segments SACKed or
 * duplicate-ACKed. */
static bool tcp_time_to_recover(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->lost_out)
		return true;
	if (!tcp_is_rack(sk) && tp->sacked_out + 1 > tp->reordering)
		return true;
	return false;
}

/* RFC 6675's IsLost() for tcp_recovery=0: a segment not SACKed, with at
 * least reordering SACKed segments above it, is lost. Walks from the top
 * of the queue. The fast retransmit marks the head besides. */
static void tcp_update_scoreboard(struct sock *sk, bool fast_rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t above = 0;
	struct sk_buff *skb;

	if (!tcp_is_sack(tp))
		return;
	for (skb = tcp_rtx_queue_tail(sk); skb; skb = skb_rb_prev(skb)) {
		struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
		if (tcb->sacked & TCPCB_SACKED_ACKED) {
			above += tcp_skb_pcount(skb);
			continue;
		}
		if (above >= tp->reordering &&
		    !(tcb->sacked & (TCPCB_LOST | TCPCB_SACKED_RETRANS))) {
			tcp_mark_skb_lost(sk, skb);
			trace_tcp_mark_lost(sk, skb,
					    "dupthresh SACKed segments above it (RFC 6675)");
		}
	}
	if (fast_rexmit) {
		skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
			if (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED)
				continue;
			if (!(TCP_SKB_CB(skb)->sacked & TCPCB_LOST)) {
				tcp_mark_skb_lost(sk, skb);
				trace_tcp_mark_lost(sk, skb, "the fast retransmit (RFC 6675)");
			}
			break;
		}
	}
}

/* Loss detection for this ACK: RACK (tcp_recovery=1), or NewReno's
 * head-of-queue rule without SACK (Linux's tcp_identify_packet_loss). */
static void tcp_identify_packet_loss(struct sock *sk, int *ack_flag)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tcp_rtx_queue_empty(sk))
		return;
	if (tcp_is_reno(tp)) {
		tcp_newreno_mark_lost(sk, *ack_flag & FLAG_SND_UNA_ADVANCED);
	} else if (tcp_is_rack(sk)) {
		uint32_t prior_retrans = tp->retrans_out;
		if (tcp_rack_mark_lost(sk))
			*ack_flag &= ~FLAG_SET_XMIT_TIMER;
		if (prior_retrans > tp->retrans_out)
			*ack_flag |= FLAG_LOST_RETRANS;
	}
}

/* snd_una reached a segment the peer had SACKed: it has dropped data it
 * SACKed (RFC 2018 8 allows it). Wait a little for the ACK that should
 * follow, then time out, which forgets the SACK marks (Linux's
 * tcp_check_sack_reneging). */
static bool tcp_check_sack_reneging(struct sock *sk, int *ack_flag)
{
	if ((*ack_flag & FLAG_SACK_RENEGING) && (*ack_flag & FLAG_SND_UNA_ADVANCED)) {
		struct tcp_sock *tp = tcp_sk(sk);
		uint32_t delay_ms = MAX((tp->srtt_us >> 4) / 1000, 10u);

		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, delay_ms);
		*ack_flag &= ~FLAG_SET_XMIT_TIMER;
		return true;
	}
	return false;
}

/* The recovery state machine, run for every ACK that is a duplicate,
 * carries SACK or D-SACK information or ECE, or arrives outside Open
 * (Linux's tcp_fastretrans_alert): leaves a state where Linux leaves it,
 * undoes what proves spurious, marks losses and enters Recovery. */
static void tcp_fastretrans_alert(struct sock *sk, uint32_t prior_snd_una, int num_dupack,
				  int *ack_flag, int *rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	int flag = *ack_flag;
	bool ece_ack = flag & FLAG_ECE;
	bool fast_rexmit = false;
	bool do_lost = num_dupack || ((flag & FLAG_DATA_SACKED) && tcp_force_fast_retransmit(sk));

	if (!tp->packets_out && tp->sacked_out)
		tp->sacked_out = 0;
	/* ECE: the reduction is a congestion signal, never undone. */
	if (ece_ack)
		tp->prior_ssthresh = 0;
	if (tcp_check_sack_reneging(sk, ack_flag))
		return;

	/* Leave the state once high_seq is acknowledged. */
	if (icsk->icsk_ca_state == TCP_CA_Open) {
		tp->retrans_stamp = 0;
	} else if (!before(tp->snd_una, tp->high_seq)) {
		switch (icsk->icsk_ca_state) {
		case TCP_CA_CWR:
			/* Held until something above high_seq is
			 * acknowledged, so that CWR reached the peer. */
			if (tp->snd_una != tp->high_seq) {
				tcp_end_cwnd_reduction(sk);
				tcp_set_ca_state(sk, TCP_CA_Open);
			}
			break;
		case TCP_CA_Recovery:
			if (tcp_is_reno(tp))
				tcp_reset_reno_sack(tp);
			if (tcp_try_undo_recovery(sk))
				return;
			tcp_end_cwnd_reduction(sk);
			break;
		}
	}

	switch (icsk->icsk_ca_state) {
	case TCP_CA_Recovery:
		if (!(flag & FLAG_SND_UNA_ADVANCED)) {
			if (tcp_is_reno(tp))
				tcp_add_reno_sack(sk, num_dupack);
		} else if (tcp_try_undo_partial(sk, prior_snd_una, &do_lost)) {
			return;
		}
		if (tcp_try_undo_dsack(sk))
			tcp_try_to_open(sk, flag);
		tcp_identify_packet_loss(sk, ack_flag);
		if (icsk->icsk_ca_state != TCP_CA_Recovery) {
			if (!tcp_time_to_recover(sk))
				return;
			/* Undone, but a loss is evident: recover again. */
			tcp_enter_recovery(sk, ece_ack);
		}
		break;
	case TCP_CA_Loss:
		tcp_process_loss(sk, flag, num_dupack, rexmit);
		tcp_identify_packet_loss(sk, ack_flag);
		if (!(icsk->icsk_ca_state == TCP_CA_Open || (*ack_flag & FLAG_LOST_RETRANS)))
			return;
		/* undone, or a retransmission lost: as in Open */
		fallthrough;
	default:
		if (tcp_is_reno(tp)) {
			if (flag & FLAG_SND_UNA_ADVANCED)
				tcp_reset_reno_sack(tp);
			tcp_add_reno_sack(sk, num_dupack);
		}
		if (icsk->icsk_ca_state <= TCP_CA_Disorder)
			tcp_try_undo_dsack(sk);
		tcp_identify_packet_loss(sk, ack_flag);
		if (!tcp_time_to_recover(sk)) {
			tcp_try_to_open(sk, flag);
			return;
		}
		tcp_enter_recovery(sk, ece_ack);
		fast_rexmit = true;
	}
	if (!tcp_is_rack(sk) && do_lost)
		tcp_update_scoreboard(sk, fast_rexmit);
	*rexmit = REXMIT_LOST;
}

/* Sends what the state machine asked for (Linux's tcp_xmit_recovery). */
static void tcp_xmit_recovery(struct sock *sk, int rexmit)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (rexmit == REXMIT_NONE || sk->sk_state == TCP_SYN_SENT)
		return;
	if (rexmit == REXMIT_NEW) {
		/* F-RTO step 2.b: new data, not retransmissions. */
		if (!skb_queue_empty(&sk->sk_write_queue))
			tcp_write_xmit(sk, tcp_current_mss(sk), TCP_NAGLE_OFF);
		if (after(tp->snd_nxt, tp->high_seq))
			return;
		tp->frto = 0;
	}
	tcp_xmit_retransmit_queue(sk);
}

/* The ACK of a tail-loss probe (RFC 8985 7.4, Linux's
 * tcp_process_tlp_ack): a D-SACK of the probe or a duplicate ACK shows
 * both copies arrived, so nothing was lost; an ACK beyond the probe
 * without one shows the probe repaired a loss: reduce cwnd as for any
 * loss (through CWR, left at once). */
static void tcp_process_tlp_ack(struct sock *sk, uint32_t ack, int flag)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (before(ack, tp->tlp_high_seq))
		return;
	if (!tp->tlp_retrans) {
		tp->tlp_high_seq = 0; /* the probe was new data */
	} else if (flag & FLAG_DSACK_TLP) {
		tp->tlp_high_seq = 0;
	} else if (after(ack, tp->tlp_high_seq)) {
		tcp_init_cwnd_reduction(sk);
		tcp_set_ca_state(sk, TCP_CA_CWR);
		tcp_end_cwnd_reduction(sk);
		tcp_try_keep_open(sk);
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPLOSSPROBERECOVERY);
	} else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED))) {
		tp->tlp_high_seq = 0;
	}
}

/* After an ACK: the tail-loss probe if it applies, else the RTO. */
void tcp_set_xmit_timer(struct sock *sk)
{
	if (!tcp_schedule_loss_probe(sk, true))
		tcp_rearm_rto(sk);
}

/* ---- the SACK scoreboard (RFC 2018, RFC 2883, RFC 6675; Linux's tcp_sacktag) ----*/

/* Counts a D-SACK (RFC 2883): the peer got this range twice. Returns the
 * segments it covers, 0 if it is dubious: longer than any window, or
 * more duplicates than we ever retransmitted (Linux's tcp_dsack_seen). */
static uint32_t tcp_dsack_seen(struct tcp_sock *tp, uint32_t start_seq, uint32_t end_seq,
			       struct tcp_sacktag_state *state)
{
	uint32_t seq_len, dup_segs = 1;

	if (!before(start_seq, end_seq))
		return 0;
	seq_len = end_seq - start_seq;
	if (seq_len > tp->max_window)
		return 0;
	if (seq_len > tp->mss_cache)
		dup_segs = (seq_len + tp->mss_cache - 1) / tp->mss_cache;
	else if (tp->tlp_high_seq && tp->tlp_high_seq == end_seq)
		state->flag |= FLAG_DSACK_TLP;
	tp->dsack_dups += dup_segs;
	if (tp->dsack_dups > tp->total_retrans)
		return 0;
	/* RACK widens its window for D-SACKs that reordering explains,
	 * not for those of a loss probe (RFC 8985 6.2 step 4). */
	if (tp->reord_seen && !(state->flag & FLAG_DSACK_TLP))
		tp->rack.dsack_seen = true;
	state->flag |= FLAG_DSACKING_ACK;
	state->sack_delivered += dup_segs; /* a spurious retransmission arrived */
	return dup_segs;
}

/* RFC 2883 4: the first block is a D-SACK if it lies below the ACK, or
 * inside the second block (Linux's tcp_check_dsack). */
static bool tcp_check_dsack(struct sock *sk, uint32_t ack, const struct wire_tcp_opts *opts,
			    uint32_t prior_snd_una, struct tcp_sacktag_state *state)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t start0 = opts->sacks[0].start, end0 = opts->sacks[0].end;
	uint32_t dup_segs;

	if (before(start0, ack)) {
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPDSACKRECV);
	} else if (opts->num_sacks > 1) {
		uint32_t start1 = opts->sacks[1].start, end1 = opts->sacks[1].end;
		if (after(end0, end1) || before(start0, start1))
			return false;
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPDSACKOFORECV);
	} else {
		return false;
	}
	dup_segs = tcp_dsack_seen(tp, start0, end0, state);
	if (!dup_segs) {
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPDSACKIGNOREDDUBIOUS);
		return false;
	}
	NET_ADD_STATS(sk->sk_stack, LINUX_MIB_TCPDSACKRECVSEGS, dup_segs);
	/* A duplicate of data acknowledged already, within this episode:
	 * one retransmission fewer left to prove spurious. */
	if (tp->undo_marker && tp->undo_retrans > 0 && !after(end0, prior_snd_una) &&
	    after(end0, tp->undo_marker))
		tp->undo_retrans = MAX(0, tp->undo_retrans - (int)dup_segs);
	return true;
}

/* A block may be used if it lies within what is outstanding; a D-SACK
 * may also lie below snd_una, within the current episode (Linux's
 * tcp_is_sackblock_valid). */
static bool tcp_is_sackblock_valid(const struct tcp_sock *tp, bool is_dsack, uint32_t start_seq,
				   uint32_t end_seq)
{
	if (after(end_seq, tp->snd_nxt) || !before(start_seq, end_seq))
		return false;
	if (!before(start_seq, tp->snd_nxt))
		return false;
	if (after(start_seq, tp->snd_una))
		return true;
	if (!is_dsack || !tp->undo_marker)
		return false;
	if (after(end_seq, tp->snd_una))
		return false;
	if (!before(start_seq, tp->undo_marker))
		return true;
	if (!after(end_seq, tp->undo_marker))
		return false;
	return !before(start_seq, end_seq - tp->max_window);
}

struct sk_buff *tcp_sacktag_bsearch(struct sock *sk, uint32_t seq)
{
	struct rb_node *n = tcp_sk(sk)->tcp_rtx_queue.rb_node;
	struct sk_buff *found = NULL;

	/* The queue's segments are contiguous and ordered, so their ends
	 * are too: descend to the leftmost end after seq. */
	while (n) {
		struct sk_buff *skb = skb_rb_entry(n);
		if (after(TCP_SKB_CB(skb)->end_seq, seq)) {
			found = skb;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return found;
}

/* Marks one segment SACKed (Linux's tcp_sacktag_one): a lost segment is
 * no longer lost, RACK learns its sent time, and a never-retransmitted
 * segment SACKed below the highest SACKed one is reordering. */
static void tcp_sacktag_one(struct sock *sk, struct tcp_sacktag_state *state, struct sk_buff *skb,
			    bool dup_sack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	uint32_t pcount = tcp_skb_pcount(skb);
	uint8_t sacked = tcb->sacked;

	if (dup_sack && (sacked & TCPCB_RETRANS)) {
		if (tp->undo_marker && tp->undo_retrans > 0 && after(tcb->end_seq, tp->undo_marker))
			tp->undo_retrans = MAX(0, tp->undo_retrans - (int)pcount);
		if ((sacked & TCPCB_SACKED_ACKED) && before(tcb->seq, state->reord))
			state->reord = tcb->seq;
	}
	if (!after(tcb->end_seq, tp->snd_una))
		return;
	if (!(sacked & TCPCB_SACKED_ACKED)) {
		tcp_rack_advance(tp, sacked, tcb->end_seq, tcb->tx_order, tcb->sent_ns,
				 stack_now(sk->sk_stack));
		if (sacked & TCPCB_SACKED_RETRANS) {
			/* A retransmission not marked lost is thought to
			 * be still in flight: it keeps its mark. */
			if (sacked & TCPCB_LOST) {
				sacked &= (uint8_t) ~(TCPCB_LOST | TCPCB_SACKED_RETRANS);
				tp->lost_out -= pcount;
				tp->retrans_out -= pcount;
			}
		} else {
			if (!(sacked & TCPCB_RETRANS)) {
				/* A hole filled by an original: reordering */
				if (before(tcb->seq, state->fack) && before(tcb->seq, state->reord))
					state->reord = tcb->seq;
				if (!after(tcb->end_seq, tp->high_seq))
					state->flag |= FLAG_ORIG_SACK_ACKED;
				if (!state->first_sackt)
					state->first_sackt = tcb->sent_ns;
				state->last_sackt = tcb->sent_ns;
			}
			if (sacked & TCPCB_LOST) {
				sacked &= (uint8_t)~TCPCB_LOST;
				tp->lost_out -= pcount;
			}
		}
		sacked |= TCPCB_SACKED_ACKED;
		/* Delivered: nothing for RACK to judge any more. */
		list_del(&skb->tcp_tsorted_anchor);
		if (!tp->highest_sack || after(tcb->end_seq, TCP_SKB_CB(tp->highest_sack)->end_seq))
			tp->highest_sack = skb;
		state->flag |= FLAG_DATA_SACKED;
		tp->sacked_out += pcount;
		state->sack_delivered += pcount;
		tcp_rate_skb_delivered(sk, skb, state->rate);
		if (after(tcb->end_seq, state->fack))
			state->fack = tcb->end_seq;
	}
	/* D-SACK of a retransmission still marked in flight: it arrived. */
	if (dup_sack && (sacked & TCPCB_SACKED_RETRANS)) {
		sacked &= (uint8_t)~TCPCB_SACKED_RETRANS;
		tp->retrans_out -= pcount;
	}
	tcb->sacked = sacked;
}

/* Whether skb lies within the SACK block [start_seq, end_seq) (Linux's
 * tcp_match_skb_to_sack): 1 if so, 0 if not, -errno if it could not be
 * split. A buffer of several segments that the block covers in part is
 * first cut at the block's edge, rounded to whole segments of its MSS
 * (a block inside a segment marks none of it, as the peer holds only
 * part), so that its covered part can be marked. */
static int tcp_match_skb_to_sack(struct sock *sk, struct sk_buff *skb, uint32_t start_seq,
				 uint32_t end_seq)
{
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	bool in_sack = !after(start_seq, tcb->seq) && !before(end_seq, tcb->end_seq);
	uint32_t mss, pkt_len;
	int err;

	if (tcp_skb_pcount(skb) > 1 && !in_sack && after(tcb->end_seq, start_seq)) {
		mss = tcp_skb_mss(skb);
		in_sack = !after(start_seq, tcb->seq);
		if (!in_sack) {
			/* the block starts inside: keep what lies before */
			pkt_len = start_seq - tcb->seq;
			if (pkt_len < mss)
				pkt_len = mss;
		} else {
			/* the block ends inside: keep what it covers */
			pkt_len = end_seq - tcb->seq;
			if (pkt_len < mss)
				return -EINVAL;
		}
		/* whole segments only, or the short last one */
		if (pkt_len > mss) {
			uint32_t new_len = (pkt_len / mss) * mss;
			if (!in_sack && new_len < pkt_len)
				new_len += mss;
			pkt_len = new_len;
		}
		if (pkt_len >= skb->len && !in_sack)
			return 0;
		err = tcp_fragment(sk, TCP_FRAG_IN_RTX_QUEUE, skb, pkt_len, mss, GFP_ATOMIC);
		if (err < 0)
			return err;
	}
	return in_sack;
}

/* Marks the retransmit queue's segments that the SACK blocks cover
 * (Linux's tcp_sacktag_write_queue), after checking the first block for a
 * D-SACK. Blocks are taken in sequence order, so reordering is judged
 * against what was SACKed before. A buffer of several segments
 * partly covered is cut at the block's edges (tcp_match_skb_to_sack); a
 * single segment partly covered stays unmarked. O(log n) to find a
 * block's first buffer, then O(buffers it covers). Returns FLAG_* bits. */
static int tcp_sacktag_write_queue(struct sock *sk, const struct wire_tcp_opts *opts, uint32_t ack,
				   uint32_t prior_snd_una, struct tcp_sacktag_state *state)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct wire_tcp_sack_block blocks[TCP_MAX_SACKS];
	bool dup[TCP_MAX_SACKS];
	uint32_t prior_fack = tcp_highest_sack_seq(tp);
	unsigned n = MIN(opts->num_sacks, (unsigned)TCP_MAX_SACKS);
	bool found_dup;

	state->flag = 0;
	state->reord = tp->snd_nxt;
	state->fack = prior_fack;
	found_dup = tcp_check_dsack(sk, ack, opts, prior_snd_una, state);
	if (before(ack, prior_snd_una - tp->max_window))
		return 0;
	if (!tp->packets_out)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		blocks[i] = opts->sacks[i];
		dup[i] = i == 0 && found_dup;
	}
	/* in order of sequence (insertion sort: at most four) */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && after(blocks[j - 1].start, blocks[j].start); j--) {
			struct wire_tcp_sack_block b = blocks[j];
			bool d = dup[j];
			blocks[j] = blocks[j - 1];
			dup[j] = dup[j - 1];
			blocks[j - 1] = b;
			dup[j - 1] = d;
		}
	for (unsigned i = 0; i < n; i++) {
		uint32_t start = blocks[i].start, end = blocks[i].end;
		struct sk_buff *skb;

		if (!tcp_is_sackblock_valid(tp, dup[i], start, end))
			continue;
		if (!dup[i] && !after(end, prior_snd_una))
			continue;
		/* Every segment before this one ends at or below start. */
		for (skb = tcp_sacktag_bsearch(sk, start); skb; skb = skb_rb_next(skb)) {
			struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
			int in_sack;
			if (!before(tcb->seq, end))
				break;
			if (!after(tcb->end_seq, start))
				continue;
			in_sack = tcp_match_skb_to_sack(sk, skb, start, end);
			if (in_sack < 0)
				break;
			if (in_sack)
				tcp_sacktag_one(sk, state, skb, dup[i]);
		}
	}
	if (inet_csk(sk)->icsk_ca_state != TCP_CA_Loss || tp->undo_marker)
		if (before(state->reord, prior_fack))
			tcp_check_sack_reordering(sk, state->reord, 0);
out:
	tp->delivered += state->sack_delivered;
	return state->flag;
}

static void tcp_sndbuf_expand(struct sock *sk);

/* Send buffers grow only while TCP memory is plentiful: not in pressure
 * and under tcp_mem's min (Linux's tcp_should_expand_sndbuf). */
static bool tcp_should_expand_sndbuf(const struct sock *sk)
{
	return !tcp_under_memory_pressure(sk) &&
	       sk->sk_stack->tcp_memory_allocated < sk->sk_stack->sysctl.tcp_mem[0];
}

/* ---- ACK processing -------------------------------------------------------------------*/

/* The cumulative ACK ends inside skb, a buffer of several segments: its
 * acknowledged bytes are trimmed off, and the segments that left with
 * them are returned, to be counted delivered (Linux's tcp_tso_acked). 0
 * when the ACK covers no whole segment of it. */
static uint32_t tcp_tso_acked(struct sock *sk, struct sk_buff *skb, uint32_t ack)
{
	uint32_t packets_acked = tcp_skb_pcount(skb);

	tcp_trim_head(sk, skb, ack - TCP_SKB_CB(skb)->seq);
	packets_acked -= tcp_skb_pcount(skb);
	if (packets_acked)
		BUG_ON(tcp_skb_pcount(skb) == 0 ||
		       !before(TCP_SKB_CB(skb)->seq, TCP_SKB_CB(skb)->end_seq));
	return packets_acked;
}

/* Removes what the cumulative ACK covers from the retransmit queue
 * (Linux's tcp_clean_rtx_queue), counts it delivered, feeds RACK and the
 * reordering detector, and takes the RTT samples (Karn: none from a
 * retransmitted segment). *pkts_acked gets the segments removed. */
/* SO_TIMESTAMPING's ACK stamp, once the byte asked for is cumulatively
 * acknowledged (Linux's tcp_ack_tstamp, which a SACK does not fire). */
static void tcp_ack_tstamp(struct sock *sk, struct sk_buff *skb, uint32_t ack)
{
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	if (likely(!tcb->txstamp_ack) || !before(tcb->tskey, ack))
		return;
	tcb->txstamp_ack = 0; /* a later ACK of the rest does not repeat it */
	skb_tstamp_tx(sk, skb, tcb->tskey, SCM_TSTAMP_ACK);
}

static int tcp_clean_rtx_queue(struct sock *sk, uint32_t ack, uint32_t prior_fack,
			       struct tcp_sacktag_state *sack, uint32_t *pkts_acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t now = stack_now(sk->sk_stack);
	uint64_t first_ackt = 0, last_ackt = 0;
	long seq_rtt_us = -1, sack_rtt_us = -1, ca_rtt_us = -1;
	uint32_t reord = tp->snd_nxt;
	struct sk_buff *skb;
	int flag = 0;
	uint32_t acked_pkts = 0;

	while ((skb = tcp_rtx_queue_head(sk)) != NULL) {
		struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
		uint8_t sacked = tcb->sacked;
		uint32_t pcount = tcp_skb_pcount(skb);
		bool fully_acked = true;

		tcp_ack_tstamp(sk, skb, ack);
		if (after(tcb->end_seq, ack)) {
			/* Partly acknowledged. A buffer of one segment stays
			 * whole, as in Linux's tcp_clean_rtx_queue: its bytes
			 * stay charged, and when the rest is acknowledged its
			 * start, below the snd_una of that ACK, reads as a
			 * hole filled by an original transmission
			 * (tcp_check_sack_reordering below: reord_seen, which
			 * gives RACK its reordering window). Of a larger one
			 * the acked bytes go, and the whole segments among
			 * them are delivered (tcp_tso_acked); an ACK that
			 * covers none of its segments acknowledges nothing
			 * here (no FLAG_DATA_ACKED, as Linux). */
			if (pcount == 1 || !after(ack, tcb->seq) || (tcb->tcp_flags & TCPHDR_SYN))
				break;
			pcount = tcp_tso_acked(sk, skb, ack);
			if (!pcount)
				break;
			fully_acked = false;
		}
		if (sacked & TCPCB_RETRANS) {
			if (sacked & TCPCB_SACKED_RETRANS)
				tp->retrans_out -= pcount;
			flag |= FLAG_RETRANS_DATA_ACKED;
		} else if (!(sacked & TCPCB_SACKED_ACKED)) {
			last_ackt = tcb->sent_ns;
			if (!first_ackt)
				first_ackt = last_ackt;
			if (before(tcb->seq, reord))
				reord = tcb->seq;
			if (!after(tcb->end_seq, tp->high_seq))
				flag |= FLAG_ORIG_SACK_ACKED;
		}
		if (sacked & TCPCB_SACKED_ACKED) {
			tp->sacked_out -= pcount;
		} else if (tcp_is_sack(tp)) {
			tp->delivered += pcount;
			if (!tcp_skb_spurious_retrans(tp, skb))
				tcp_rack_advance(tp, sacked, tcb->end_seq, tcb->tx_order,
						 tcb->sent_ns, now);
		}
		if (sacked & TCPCB_LOST)
			tp->lost_out -= pcount;
		tp->packets_out -= pcount;
		acked_pkts += pcount;
		tcp_rate_skb_delivered(sk, skb, sack->rate);
		if (tcb->tcp_flags & TCPHDR_SYN)
			flag |= FLAG_SYN_ACKED;
		else
			flag |= FLAG_DATA_ACKED;
		if (!fully_acked)
			break;
		tcp_rtx_queue_unlink_and_free(skb, sk);
	}
	/* The new head was SACKed: the peer should have acknowledged it. */
	if (skb && (TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED))
		flag |= FLAG_SACK_RENEGING;

	if (first_ackt && !(flag & FLAG_RETRANS_DATA_ACKED)) {
		seq_rtt_us = (long)((now - first_ackt) / NSEC_PER_USEC);
		ca_rtt_us = (long)((now - last_ackt) / NSEC_PER_USEC);
	}
	if (sack->first_sackt) {
		sack_rtt_us = (long)((now - sack->first_sackt) / NSEC_PER_USEC);
		ca_rtt_us = (long)((now - sack->last_sackt) / NSEC_PER_USEC);
	}
	if (flag & FLAG_ACKED) {
		flag |= FLAG_SET_XMIT_TIMER; /* TLP or RTO */
		if (tcp_is_reno(tp)) {
			tcp_remove_reno_sacks(sk, acked_pkts);
			/* Without SACK marks, an ACK covering a
			 * retransmission cannot prove the original got
			 * through. */
			if (flag & FLAG_RETRANS_DATA_ACKED)
				flag &= ~FLAG_ORIG_SACK_ACKED;
		} else if (before(reord, prior_fack)) {
			/* A hole filled by an original transmission */
			tcp_check_sack_reordering(sk, reord, 0);
		}
	}
	if ((flag & FLAG_ACKED) || sack_rtt_us >= 0)
		tcp_ack_update_rtt(sk, flag, seq_rtt_us, sack_rtt_us, &ca_rtt_us);
	sack->rate->rtt_us = ca_rtt_us;
	if ((flag & FLAG_ACKED) && inet_csk(sk)->icsk_ca_ops->pkts_acked) {
		struct ack_sample sample = {
			.pkts_acked = acked_pkts,
			.rtt_us = (int32_t)ca_rtt_us,
			.in_flight = tp->mss_cache * (tp->delivered - sack->rate->prior_delivered),
		};
		inet_csk(sk)->icsk_ca_ops->pkts_acked(sk, &sample);
	}
	if (tp->sacked_out + tp->lost_out > tp->packets_out) {
		tp->sacked_out = tp->packets_out > tp->lost_out ? tp->packets_out - tp->lost_out
								: 0;
	}
	*pkts_acked = acked_pkts;
	return flag;
}

static bool tcp_may_update_window(const struct tcp_sock *tp, uint32_t ack, uint32_t ack_seq,
				  uint32_t nwin)
{
	/* RFC 9293 3.10.7.4 fifth: SND.WL1 < SEG.SEQ, or WL1 == SEQ and
	 * WL2 <= SEG.ACK (Linux also takes a larger window from the same
	 * segment). */
	return after(ack, tp->snd_una) || after(ack_seq, tp->snd_wl1) ||
	       (ack_seq == tp->snd_wl1 && (nwin > tp->snd_wnd || !before(ack, tp->snd_una)));
}

static int tcp_ack_update_window(struct sock *sk, const struct wire_tcp *th, uint32_t ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t nwin = th->window;
	int flag = 0;

	if (!(th->flags & TCPHDR_SYN))
		nwin <<= tp->snd_wscale;
	if (tcp_may_update_window(tp, ack, th->seq, nwin)) {
		tp->snd_wl1 = th->seq;
		if (tp->snd_wnd != nwin) {
			flag |= FLAG_WIN_UPDATE;
			tp->snd_wnd = nwin;
			/* Data that waited for this window after a long
			 * silence goes out on a restarted cwnd (Linux). */
			if (!skb_queue_empty(&sk->sk_write_queue))
				tcp_slow_start_after_idle_check(sk);
		}
		if (nwin > tp->max_window) {
			tp->max_window = nwin;
			tcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
		}
	}
	return flag;
}

/* At most one ACK per net.ipv4.tcp_invalid_ratelimit (500 ms) answers
 * out-of-window segments on one connection, so a blind attacker cannot
 * make us amplify his traffic (Linux's __tcp_oow_rate_limited). */
bool tcp_oow_rate_limited(struct sock *sk, int mib)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t now = stack_now(sk->sk_stack);
	uint64_t limit = (uint64_t)sk->sk_stack->sysctl.tcp_invalid_ratelimit * NSEC_PER_MSEC;

	if (tp->last_oow_ack_time && now - tp->last_oow_ack_time < limit) {
		NET_INC_STATS(sk->sk_stack, (enum snmp_field)mib);
		return true;
	}
	tp->last_oow_ack_time = now;
	return false;
}

/* RFC 5961: tell a possibly spoofed sender where we really are. Besides
 * the per-connection limit, the stack allows about
 * net.ipv4.tcp_challenge_ack_limit challenge ACKs per second in all; the
 * budget of each second is randomised between half and one and a half
 * times the limit, so an off-path attacker cannot count our challenge
 * ACKs to learn a connection's sequence numbers (CVE-2016-5696, Linux
 * 4.7's fix). */
static void tcp_send_challenge_ack(struct sock *sk)
{
	struct ut_stack *stack = sk->sk_stack;
	uint64_t second = stack_now(stack) / NSEC_PER_SEC;
	uint32_t limit = (uint32_t)stack->sysctl.tcp_challenge_ack_limit;

	if (tcp_oow_rate_limited(sk, LINUX_MIB_TCPACKSKIPPEDCHALLENGE))
		return;
	if (stack->challenge_second != second) {
		stack->challenge_second = second;
		stack->challenge_count =
			limit / 2 + (uint32_t)prandom_below(&stack->rng, limit ? limit : 1);
	}
	if (!stack->challenge_count)
		return;
	stack->challenge_count--;
	NET_INC_STATS(stack, LINUX_MIB_TCPCHALLENGEACK);
	tcp_send_ack(sk);
}

/* ACKs freed send buffer, or what they let go freed TCP_NOTSENT_LOWAT's
 * room: wake a writer only if one found no room and it is writable again
 * (Linux's tcp_check_space / tcp_new_space), so an edge-triggered EPOLLOUT
 * is not repeated for every ACK. */
static void tcp_check_space(struct sock *sk)
{
	if (sk->sk_socket && sock_flag(sk, SOCK_NOSPACE)) {
		sk_stream_write_space(sk);
		if (!sock_flag(sk, SOCK_NOSPACE))
			tcp_chrono_stop(sk, TCP_CHRONO_SNDBUF_LIMITED);
	}
}

/* Sends what the segment in hand allowed, then sees whether a writer may
 * go on: after the sending, since TCP_NOTSENT_LOWAT counts unsent bytes
 * (Linux's tcp_data_snd_check). */
static void tcp_data_snd_check(struct sock *sk)
{
	tcp_push_pending_frames(sk);
	tcp_check_space(sk);
}

/* Returns > 0 if the ACK was acceptable and processed, 0 for an old
 * (duplicate-range) ACK that can be ignored, TCP_ACK_TOO_OLD for one below
 * SND.UNA - MAX.SND.WND (a challenge ACK is due, RFC 5961 5.2) and
 * TCP_ACK_UNSENT for an ACK of data never sent. The order is Linux's
 * tcp_ack: window, SACK blocks, the retransmit queue, the loss probe,
 * the recovery state machine, the timers, the congestion window, and
 * last what recovery retransmits. */
/* What the ACK delivered, counted (Linux's tcp_newly_delivered). An ACK
 * with ECE counts all of it as delivered CE-marked, as Linux's
 * tcp_count_delivered does: DCTCP's alpha is the ratio of the two. */
static uint32_t tcp_newly_delivered(struct sock *sk, uint32_t prior_delivered, int flag)
{
	uint32_t delivered = tcp_sk(sk)->delivered - prior_delivered;

	SNMP_ADD_STATS(sk->sk_stack, LINUX_MIB_TCPDELIVERED, delivered);
	if (flag & FLAG_ECE) {
		tcp_sk(sk)->delivered_ce += delivered;
		SNMP_ADD_STATS(sk->sk_stack, LINUX_MIB_TCPDELIVEREDCE, delivered);
	}
	return delivered;
}

/* The window after an ACK (Linux's tcp_cong_control): a module with
 * cong_control sets it itself from the rate sample. Otherwise PRR takes
 * it down while a reduction lasts (RFC 6937), and elsewhere the module
 * grows it through cong_avoid, by the segments newly delivered, on an
 * ACK of new data, while the window was what limited the sender (Linux's
 * tcp_is_cwnd_limited, which each module's cong_avoid asks there). The
 * pacing rate follows. */
static void tcp_cong_control(struct sock *sk, uint32_t ack, uint32_t acked_sacked, int flag,
			     const struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct inet_connection_sock *icsk = inet_csk(sk);
	uint32_t prior_cwnd = tp->snd_cwnd;

	if (icsk->icsk_ca_ops->cong_control) {
		icsk->icsk_ca_ops->cong_control(sk, ack, flag, rs);
	} else if (tcp_in_cwnd_reduction(sk)) {
		tcp_cwnd_reduction(sk, (int)acked_sacked, rs->losses, flag);
	} else if ((flag & FLAG_DATA_ACKED) && acked_sacked && tcp_is_cwnd_limited(tp)) {
		tcp_cong_avoid(sk, ack, acked_sacked);
	}
	if (tp->snd_cwnd > prior_cwnd && tcp_should_expand_sndbuf(sk))
		tcp_sndbuf_expand(sk);
	/* a module with cong_control sets its own pacing rate */
	if (!icsk->icsk_ca_ops->cong_control)
		tcp_update_pacing_rate(sk);
}

#define TCP_ACK_TOO_OLD (-1)
#define TCP_ACK_UNSENT (-2)
/* predicted: the segment passed header prediction (tcp_header_predicted),
 * Linux's tcp_ack called without FLAG_SLOWPATH. */
static int tcp_ack(struct sock *sk, const struct sk_buff *skb, const struct wire_tcp *th,
		   const struct wire_tcp_opts *opts, bool has_data, bool predicted)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ut_stack *stack = sk->sk_stack;
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	struct rate_sample rs = {.rtt_us = -1};
	struct tcp_sacktag_state sack_state = {.rate = &rs};
	uint32_t ack_ev_flags = CA_ACK_SLOWPATH;
	uint32_t prior_snd_una = tp->snd_una;
	uint32_t ack = th->ack_seq;
	uint32_t prior_in_flight = tcp_packets_in_flight(tp);
	uint32_t prior_packets = tp->packets_out;
	uint32_t delivered = tp->delivered, lost = tp->lost;
	bool sack_blocks = tcp_is_sack(tp) && opts->num_sacks;
	int num_dupack = 0, rexmit = REXMIT_NONE;
	uint32_t prior_fack, acked = 0;
	bool fast;
	int flag = 0;

	/* The echoed timestamp, for undo and spurious-retransmission tests. */
	tp->saw_tstamp = opts->saw_tstamp;
	tp->rcv_tsecr = opts->saw_tstamp ? opts->tsecr : 0;

	if (before(ack, prior_snd_una)) {
		/* RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND is
		 * suspicious. */
		if (before(ack, prior_snd_una - tp->max_window))
			return TCP_ACK_TOO_OLD;
		/* Older than snd_una, it may still carry SACK or D-SACK
		 * news: tag it, and see whether to undo or send. */
		if (sack_blocks) {
			flag |= tcp_sacktag_write_queue(sk, opts, ack, prior_snd_una, &sack_state);
			tcp_fastretrans_alert(sk, prior_snd_una, num_dupack, &flag, &rexmit);
			tcp_xmit_recovery(sk, rexmit);
		}
		return 0;
	}
	if (after(ack, tp->snd_nxt))
		return TCP_ACK_UNSENT;
	tcp_mstamp_refresh(tp, stack); /* one clock read per ACK */
	rs.prior_in_flight = prior_in_flight;
	/* Only a segment whose ACK is acceptable may replace TS.Recent, as
	 * in Linux (FLAG_UPDATE_TS_RECENT): one acknowledging data never
	 * sent must not move the PAWS reference for the real peer. */
	tcp_replace_ts_recent(sk, opts, tcb->seq);

	/* A FIN counts as data, as in Linux (seq != end_seq). */
	if (has_data || tcb->seq != tcb->end_seq)
		flag |= FLAG_DATA;
	if (after(ack, prior_snd_una)) {
		flag |= FLAG_SND_UNA_ADVANCED;
		icsk->icsk_retransmits = 0;
	}
	prior_fack = tcp_highest_sack_seq(tp);
	fast = predicted && (flag & FLAG_SND_UNA_ADVANCED);
	if (fast) {
		/* Linux's fast path in tcp_ack: the window is the one we
		 * hold (header prediction checked it) and the ACK only moves
		 * forward, so the window update reduces to SND.WL1, and
		 * there are no SACK blocks and no ECE to look at. Linux also
		 * marks the ACK a window update; here the flag stays for
		 * windows that changed, as tcp_ack_update_window sets it. */
		tp->snd_wl1 = tcb->seq;
		ack_ev_flags = CA_ACK_WIN_UPDATE;
		NET_INC_STATS(stack, LINUX_MIB_TCPHPACKS);
	} else {
		/* Linux counts a segment without data that takes this way
		 * as a pure ACK, whatever it acknowledges. */
		if (!(flag & FLAG_DATA))
			NET_INC_STATS(stack, LINUX_MIB_TCPPUREACKS);
		flag |= tcp_ack_update_window(sk, th, ack);
	}
	tp->bytes_acked += ack - prior_snd_una; /* Linux's tcp_snd_una_update */
	tp->snd_una = ack;
	/* Urgent mode ends once its pointer is acknowledged; outside it
	 * snd_up follows snd_una (Linux's tcp_clean_rtx_queue). */
	if (between(tp->snd_up, prior_snd_una, ack))
		tp->snd_up = ack;
	tp->rcv_tstamp = stack_now(stack);
	/* An answer resets the probe count (RFC 1122 4.2.2.17: a peer that
	 * answers keeps the connection), but not the probing's start: that
	 * goes only when the window opens, so TCP_USER_TIMEOUT still ends a
	 * window that stays shut (Linux 6.x). */
	icsk->icsk_probes_out = 0;
	sk->sk_err_soft = 0;

	if (!fast) {
		if (sack_blocks)
			flag |= tcp_sacktag_write_queue(sk, opts, ack, prior_snd_una, &sack_state);
		if (flag & FLAG_WIN_UPDATE)
			ack_ev_flags |= CA_ACK_WIN_UPDATE;
		/* ECN-Echo: the peer saw congestion on our data (RFC 3168
		 * 6.1.2). */
		if ((th->flags & TCPHDR_ECE) && !(th->flags & TCPHDR_SYN) &&
		    (tp->ecn_flags & TCP_ECN_OK)) {
			flag |= FLAG_ECE;
			ack_ev_flags |= CA_ACK_ECE;
		}
	}
	if (!prior_packets) {
		tcp_in_ack_event(sk, ack_ev_flags);
		/* Nothing was outstanding; a D-SACK may still undo. */
		if (flag & FLAG_DSACKING_ACK)
			tcp_fastretrans_alert(sk, prior_snd_una, num_dupack, &flag, &rexmit);
		if (tp->tlp_high_seq)
			tcp_process_tlp_ack(sk, ack, flag);
		goto out;
	}
	flag |= tcp_clean_rtx_queue(sk, ack, prior_fack, &sack_state, &acked);
	/* the SYN's own acknowledgment frees no data */
	if ((flag & FLAG_SND_UNA_ADVANCED) &&
	    !((flag & FLAG_SYN_ACKED) && ack == prior_snd_una + 1))
		trace_tcp_write_queue_free(sk, prior_snd_una);
	if (flag & FLAG_ACKED) {
		if (!tp->retrans_out && !tp->lost_out)
			icsk->icsk_retrans_start_ns = 0;
		else if (tp->packets_out)
			icsk->icsk_retrans_start_ns = stack_now(stack);
	} else if (!tp->packets_out) {
		icsk->icsk_retrans_start_ns = 0;
	}
	tcp_rack_update_reo_wnd(sk, tp->delivered != delivered);
	if (tp->tlp_high_seq)
		tcp_process_tlp_ack(sk, ack, flag);

	/* A duplicate ACK (RFC 5681 2) acknowledges nothing new, carries
	 * no data, does not change the window, and is no D-SACK. Such an
	 * ACK, one with SACK or D-SACK news or ECE, or any ACK outside Open
	 * goes through the recovery state machine (tcp_ack_is_dubious). */
	if (!(flag & FLAG_NOT_DUP) || (flag & FLAG_CA_ALERT) ||
	    icsk->icsk_ca_state != TCP_CA_Open) {
		if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK)))
			num_dupack = 1;
		tcp_fastretrans_alert(sk, prior_snd_una, num_dupack, &flag, &rexmit);
	}
	if (flag & FLAG_SET_XMIT_TIMER)
		tcp_set_xmit_timer(sk);

	delivered = tcp_newly_delivered(sk, delivered, flag);
	/* The module hears of the ACK once delivered and delivered_ce
	 * count all it acknowledged, as since Linux 6.14 ("move
	 * tcp_in_ack_event() later"): DCTCP's round closes on this ACK's
	 * own deliveries. */
	tcp_in_ack_event(sk, ack_ev_flags);
	lost = tp->lost - lost;
	tcp_rate_gen(sk, delivered, lost, tp->is_sack_reneg, &rs);
	tcp_cong_control(sk, ack, delivered, flag, &rs);
	tcp_xmit_recovery(sk, rexmit);

out:
	/* The scoreboard counts segments of the retransmit queue. */
	BUG_ON(tp->sacked_out > tp->packets_out || tp->lost_out > tp->packets_out ||
	       tp->retrans_out > tp->packets_out);
	if ((flag & FLAG_ACKED) && tcp_rtx_queue_empty(sk))
		tcp_chrono_stop(sk, TCP_CHRONO_BUSY);
	if (!tp->packets_out && (icsk->icsk_pending == ICSK_TIME_RETRANS ||
				 icsk->icsk_pending == ICSK_TIME_LOSS_PROBE ||
				 icsk->icsk_pending == ICSK_TIME_REO_TIMEOUT))
		inet_csk_clear_xmit_timer(sk, icsk->icsk_pending);
	/* A window that opened ends zero-window probing. */
	if ((flag & FLAG_WIN_UPDATE) && icsk->icsk_pending == ICSK_TIME_PROBE0) {
		struct sk_buff *head = skb_peek(&sk->sk_write_queue);
		if (!head || !after(TCP_SKB_CB(head)->end_seq, tcp_wnd_end(tp))) {
			icsk->icsk_backoff = 0;
			icsk->icsk_probes_tstamp = 0;
			inet_csk_clear_xmit_timer(sk, ICSK_TIME_PROBE0);
		}
	}
	return 1;
}

/* ---- receiving data -----------------------------------------------------------------------*/

static void tcp_enter_quickack_mode(struct sock *sk, uint32_t max_quickacks)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t quickacks = tp->rcv_wnd / (2 * MAX(icsk->icsk_ack.rcv_mss, 1u));

	if (quickacks == 0)
		quickacks = 2;
	quickacks = MIN(quickacks, max_quickacks);
	if (quickacks > icsk->icsk_ack.quick)
		icsk->icsk_ack.quick = (uint8_t)quickacks;
	icsk->icsk_ack.pingpong = false;
	icsk->icsk_ack.ato = TCP_ATO_MIN_MS;
}

static bool tcp_in_quickack_mode(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	return icsk->icsk_ack.quick && !icsk->icsk_ack.pingpong;
}

/* ---- ECN at the receiver (RFC 3168 6.1.3), as Linux's tcp_ecn_* -----------------------*/

/* The codepoint of received data (Linux's tcp_ecn_check_ce): CE makes our
 * ACKs carry ECE until the sender's CWR, and the first ACK go at once (the
 * sender may be down to a tiny window). A module that needs ECN (DCTCP)
 * hears every CE and every ECT without CE. Not-ECT data after ECT is
 * likely a retransmission: ACKed at once too. */
static void tcp_ecn_check_ce(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!(tp->ecn_flags & TCP_ECN_OK))
		return;
	switch (TCP_SKB_CB(skb)->ip_dsfield & INET_ECN_MASK) {
	case INET_ECN_NOT_ECT:
		if (tp->ecn_flags & TCP_ECN_SEEN)
			tcp_enter_quickack_mode(sk, 2);
		break;
	case INET_ECN_CE:
		if (tcp_ca_needs_ecn(sk))
			tcp_ca_event(sk, CA_EVENT_ECN_IS_CE);
		if (!(tp->ecn_flags & TCP_ECN_DEMAND_CWR)) {
			tcp_enter_quickack_mode(sk, 2);
			tp->ecn_flags |= TCP_ECN_DEMAND_CWR;
		}
		tp->ecn_flags |= TCP_ECN_SEEN;
		break;
	default:
		if (tcp_ca_needs_ecn(sk))
			tcp_ca_event(sk, CA_EVENT_ECN_NO_CE);
		tp->ecn_flags |= TCP_ECN_SEEN;
		break;
	}
}

/* The sender reduced its window (CWR): stop echoing, and ACK this data at
 * once, its window may be small (Linux's tcp_ecn_accept_cwr). */
static void tcp_ecn_accept_cwr(struct sock *sk, const struct sk_buff *skb)
{
	if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_CWR) {
		tcp_sk(sk)->ecn_flags &= (uint8_t)~TCP_ECN_DEMAND_CWR;
		if (TCP_SKB_CB(skb)->seq != TCP_SKB_CB(skb)->end_seq)
			inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_NOW;
	}
}

void tcp_initialize_rcv_mss(struct sock *sk)
{
	/* Linux's tcp_initialize_rcv_mss: a guess of the peer's segment
	 * size until data shows it, never above 536, so quick-ACK mode at
	 * the start of a connection gets its full budget. */
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t hint = MIN((uint32_t)tp->advmss, tp->mss_cache);

	hint = MIN(hint, tp->rcv_wnd / 2);
	hint = MIN(hint, TCP_MSS_DEFAULT);
	hint = MAX(hint, TCP_MIN_MSS);
	inet_csk(sk)->icsk_ack.rcv_mss = (uint16_t)hint;
}

/* The window the buffer holds changed with the ratio: the clamp follows
 * it (Linux's tcp_measure_rcv_mss through tcp_set_window_clamp), a lower
 * clamp taking rcv_ssthresh down with it, a higher one letting it rise
 * to the window already offered; the autotuner's measure of a round
 * trip's reading is no more than the new clamp. */
static void tcp_scaling_ratio_changed(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t old = tp->window_clamp;
	uint32_t clamp = (uint32_t)MAX(tcp_full_space(sk), SOCK_MIN_RCVBUF / 2);

	clamp = MIN(clamp, 65535u << tp->rcv_wscale); /* what the field can say */
	tp->window_clamp = clamp;
	if (clamp < old)
		tp->rcv_ssthresh = MIN(tp->rcv_ssthresh, clamp);
	else
		tp->rcv_ssthresh = MAX(tp->rcv_ssthresh, MIN(tp->rcv_wnd, clamp));
	if (tp->window_clamp < tp->rcvq_space_space)
		tp->rcvq_space_space = tp->window_clamp;
}

/* Learns the peer's segment size from what arrives (Linux's
 * tcp_measure_rcv_mss), so receiver SWS avoidance uses real sizes. A
 * packet GRO merged is measured by its segments' size (gso_size), not
 * its whole length, as Linux measures it.
 *
 * When the segment size it learns changes (in practice the first full
 * segment, against the initial 536-byte guess), it also measures what
 * the peer's data costs in receive memory: skb->len / skb->truesize, as
 * tp->scaling_ratio. From then on the window offered for a buffer of
 * sk_rcvbuf bytes is what that much memory holds of such segments
 * (tcp_win_from_space), so a sender that keeps within the window never
 * makes the receiver prune (Linux 6.6's replacement of the fixed
 * tcp_adv_win_scale share). Like Linux, it is measured only then, not
 * per segment (a division per packet). */
static void tcp_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t len = skb_shinfo(skb)->gso_size ? skb_shinfo(skb)->gso_size : skb->len;

	if (len >= icsk->icsk_ack.rcv_mss) {
		if (len != icsk->icsk_ack.rcv_mss && skb->truesize) {
			uint64_t val =
				((uint64_t)skb->len << TCP_RMEM_TO_WIN_SCALE) / skb->truesize;
			uint8_t old = tp->scaling_ratio;

			tp->scaling_ratio = (uint8_t)(val ? MIN(val, 255u) : 1u);
			if (tp->scaling_ratio != old)
				tcp_scaling_ratio_changed(sk);
		}
		icsk->icsk_ack.rcv_mss = (uint16_t)MIN(len, tp->advmss ? tp->advmss : len);
	} else if (len >= TCP_MSS_DEFAULT) {
		icsk->icsk_ack.pending |= ICSK_ACK_PUSHED;
	}
}

/* ---- the receiver's RTT (Linux's tcp_rcv_rtt_*), for TCP_INFO's tcpi_rcv_rtt ------------*/

/* A sample from the timestamps is smoothed by 1/8; one from the window
 * only lowers the estimate, since data that trickles in (an application
 * stalled, a sender limited) makes it long without the path being slow. */
static void tcp_rcv_rtt_update(struct tcp_sock *tp, uint32_t sample_us, bool win_dep)
{
	uint32_t est = tp->rcv_rtt_est.rtt_us;

	if (!est)
		est = sample_us << 3;
	else if (!win_dep)
		est = est - (est >> 3) + sample_us;
	else if ((sample_us << 3) < est)
		est = sample_us << 3;
	tp->rcv_rtt_est.rtt_us = est;
}

/* Without timestamps: a window announced at time T is filled by data the
 * sender sent after seeing it, so rcv_nxt passing T's right edge takes at
 * least one round trip. rcv_nxt is the end of skb, in-order data that
 * usertcp reports before moving rcv_nxt past it. */
static void tcp_rcv_rtt_measure(struct tcp_sock *tp, const struct sk_buff *skb)
{
	uint32_t rcv_nxt = TCP_SKB_CB(skb)->end_seq;

	if (tp->rcv_rtt_est.time) {
		if (before(rcv_nxt, tp->rcv_rtt_est.seq))
			return;
		tcp_rcv_rtt_update(tp, (uint32_t)MAX(tp->tcp_mstamp - tp->rcv_rtt_est.time, 1u),
				   true);
	}
	tp->rcv_rtt_est.seq = rcv_nxt + tp->rcv_wnd;
	tp->rcv_rtt_est.time = tp->tcp_mstamp;
}

/* With timestamps: a full segment echoing a TSval not measured yet tells
 * how long ago we sent it (ms, at least 1). */
static void tcp_rcv_rtt_measure_ts(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t delta;

	if (!tp->saw_tstamp || !tp->rcv_tsecr || tp->rcv_tsecr == tp->rcv_rtt_last_tsecr)
		return;
	tp->rcv_rtt_last_tsecr = tp->rcv_tsecr;
	if (skb->len < inet_csk(sk)->icsk_ack.rcv_mss)
		return;
	delta = tcp_time_stamp(sk->sk_stack) + tp->tsoffset - tp->rcv_tsecr;
	if (delta < 0x7fffffffu / USEC_PER_MSEC)
		tcp_rcv_rtt_update(tp, MAX(delta, 1u) * USEC_PER_MSEC, false);
}

/* Linux's __tcp_grow_window: a segment that costs more memory than the
 * measured ratio promises still grows the window while the window is
 * small enough that the buffer's maximum could hold such segments (the
 * window and the segment's worth halved together until the segment
 * fits; 0 if the window is already past that). */
static uint32_t __tcp_grow_window(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	int truesize = tcp_win_from_space(tp, (int)MIN(skb->truesize, 0x7fffffffu)) >> 1;
	int window = tcp_win_from_space(tp, (int)sk->sk_stack->sysctl.tcp_rmem[2]) >> 1;

	while ((int)tp->rcv_ssthresh <= window) {
		if (truesize <= (int)skb->len)
			return 2u * inet_csk(sk)->icsk_ack.rcv_mss;
		truesize >>= 1;
		window >>= 1;
	}
	return 0;
}

/* Grows rcv_ssthresh, the bound on the window we offer (Linux's
 * tcp_grow_window): by two segments for a segment whose memory the
 * window accounts for (its truesize at the measured ratio holds its
 * payload), at least twice the segment's length, never past the clamp
 * or what the free memory holds (tcp_space). In TCP memory pressure it
 * falls back to four segments instead. */
static void tcp_grow_window(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int room =
		MIN((int)MIN(tp->window_clamp, 0x7fffffffu), tcp_space(sk)) - (int)tp->rcv_ssthresh;
	uint32_t incr;

	if (room <= 0)
		return;
	if (tcp_under_memory_pressure(sk)) {
		tp->rcv_ssthresh = MIN(tp->rcv_ssthresh, 4u * tp->advmss);
		return;
	}
	if (tcp_win_from_space(tp, (int)MIN(skb->truesize, 0x7fffffffu)) <= (int)skb->len)
		incr = 2u * tp->advmss;
	else
		incr = __tcp_grow_window(sk, skb);
	if (incr) {
		incr = MAX(incr, 2u * skb->len);
		tp->rcv_ssthresh += MIN((uint32_t)room, incr);
	}
}

/* Data arrived: delayed-ACK timing (Linux's tcp_event_data_recv) and the
 * growth of the window we offer (tcp_grow_window). */
static void tcp_event_data_recv(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	uint64_t now = stack_now(sk->sk_stack);

	icsk->icsk_ack.pending |= ICSK_ACK_SCHED;
	tcp_measure_rcv_mss(sk, skb);
	tcp_rcv_rtt_measure(tp, skb);
	tcp_rcv_rtt_measure_ts(sk, skb);
	if (!icsk->icsk_ack.ato) {
		tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		icsk->icsk_ack.ato = TCP_ATO_MIN_MS;
	} else if (icsk->icsk_ack.lrcvtime) {
		uint64_t m = (now - icsk->icsk_ack.lrcvtime) / NSEC_PER_MSEC;
		if (m <= TCP_ATO_MIN_MS / 2) {
			icsk->icsk_ack.ato = (icsk->icsk_ack.ato >> 1) + TCP_ATO_MIN_MS / 2;
		} else if (m < icsk->icsk_ack.ato) {
			icsk->icsk_ack.ato = (icsk->icsk_ack.ato >> 1) + (uint32_t)m;
			if (icsk->icsk_ack.ato > icsk->icsk_rto)
				icsk->icsk_ack.ato = icsk->icsk_rto;
		} else if (m > icsk->icsk_rto) {
			/* A long pause: start quick ACKs again. */
			tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		}
	}
	icsk->icsk_ack.lrcvtime = now;
	tcp_ecn_check_ce(sk, skb);
	if (skb->len >= 128)
		tcp_grow_window(sk, skb);
}

/* ---- D-SACK (RFC 2883) ----------------------------------------------------------------*/

/* Reports duplicate data [seq, end_seq) in the first block of the next SACK
 * option (Linux's tcp_dsack_set, net.ipv4.tcp_dsack): below RCV.NXT it is
 * an old duplicate (TCPDSACKOldSent), above it one already held out of
 * order (TCPDSACKOfoSent). The sender learns that a retransmission was
 * spurious (RFC 2883 4). Only on connections that agreed SACK. */
static void tcp_dsack_set(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!tp->sack_ok || !sk->sk_stack->sysctl.tcp_dsack)
		return;
	NET_INC_STATS(sk->sk_stack, before(seq, tp->rcv_nxt) ? LINUX_MIB_TCPDSACKOLDSENT
							     : LINUX_MIB_TCPDSACKOFOSENT);
	tp->dsack = true;
	tp->duplicate_sack[0].start = seq;
	tp->duplicate_sack[0].end = end_seq;
}

/* More duplicate data: widens the pending D-SACK block when it touches it
 * (Linux's tcp_dsack_extend through tcp_sack_extend); a disjoint range
 * keeps the block already there, one block being all RFC 2883 reports. */
static void tcp_dsack_extend(struct sock *sk, uint32_t seq, uint32_t end_seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct wire_tcp_sack_block *sp = &tp->duplicate_sack[0];

	if (!tp->dsack) {
		tcp_dsack_set(sk, seq, end_seq);
		return;
	}
	if (!after(seq, sp->end) && !after(sp->start, end_seq)) {
		if (before(seq, sp->start))
			sp->start = seq;
		if (after(end_seq, sp->end))
			sp->end = end_seq;
	}
}

/* A segment that failed the sequence or PAWS test is answered with an ACK;
 * if it held data we already have, the ACK says so with a D-SACK block
 * (Linux's tcp_send_dupack). */
static void tcp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	if (tcb->end_seq != tcb->seq && before(tcb->seq, tp->rcv_nxt)) {
		uint32_t end_seq = tcb->end_seq;

		NET_INC_STATS(sk->sk_stack, LINUX_MIB_DELAYEDACKLOST);
		tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		if (after(end_seq, tp->rcv_nxt))
			end_seq = tp->rcv_nxt;
		tcp_dsack_set(sk, tcb->seq, end_seq);
	}
	tcp_send_ack(sk);
}

/* Our SACK blocks describe the out-of-order queue: the block holding the
 * newest segment first (RFC 2018 4), then the rest, at most four. */
static void tcp_sack_update(struct tcp_sock *tp, uint32_t seq, uint32_t end_seq)
{
	struct wire_tcp_sack_block blocks[TCP_MAX_SACKS];
	struct wire_tcp_sack_block cur = {seq, end_seq};
	unsigned n = 0;
	struct sk_buff *skb;

	/* The contiguous range of the ofo queue containing the new data. */
	skb_queue_walk(&tp->out_of_order_queue, skb) {
		uint32_t s = TCP_SKB_CB(skb)->seq, e = TCP_SKB_CB(skb)->end_seq;
		if (!after(s, cur.end) && !before(e, cur.start)) {
			if (before(s, cur.start))
				cur.start = s;
			if (after(e, cur.end))
				cur.end = e;
		}
	}
	blocks[n++] = cur;
	for (unsigned i = 0; i < tp->num_sacks && n < TCP_MAX_SACKS; i++) {
		struct wire_tcp_sack_block b = tp->selective_acks[i];
		if (!after(b.start, cur.end) && !before(b.end, cur.start))
			continue; /* merged into cur */
		if (!after(b.end, tp->rcv_nxt))
			continue;
		blocks[n++] = b;
	}
	memcpy(tp->selective_acks, blocks, n * sizeof(blocks[0]));
	tp->num_sacks = (uint8_t)n;
}

static void tcp_sack_remove(struct tcp_sock *tp)
{
	unsigned n = 0;

	if (skb_queue_empty(&tp->out_of_order_queue)) {
		tp->num_sacks = 0;
		return;
	}
	for (unsigned i = 0; i < tp->num_sacks; i++)
		if (after(tp->selective_acks[i].end, tp->rcv_nxt))
			tp->selective_acks[n++] = tp->selective_acks[i];
	tp->num_sacks = (uint8_t)n;
}

void tcp_fin(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_SCHED;
	sk->sk_shutdown |= RCV_SHUTDOWN;
	sock_set_flag(sk, SOCK_DONE);

	switch (sk->sk_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
		/* The peer is done sending: we wait for our application
		 * to close. Its FIN will carry our ACK (pingpong). */
		tcp_set_state(sk, TCP_CLOSE_WAIT);
		inet_csk(sk)->icsk_ack.pingpong = true;
		break;
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break; /* a retransmitted FIN */
	case TCP_FIN_WAIT1:
		/* Simultaneous close (RFC 9293 3.6 case 2). */
		tcp_send_ack(sk);
		tcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		tcp_send_ack(sk);
		tcp_time_wait(sk, TCP_TIME_WAIT, 0);
		return;
	default:
		break;
	}
	/* Nothing beyond the FIN can arrive: the ofo queue is useless. */
	while ((skb = skb_dequeue(&tp->out_of_order_queue)) != NULL) {
		sk_rmem_uncharge(sk, skb);
		kfree_skb(skb);
	}
	/* Linux's tcp_sack_reset: the D-SACK pending goes too. */
	tp->num_sacks = 0;
	tp->dsack = false;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

/* rcv_nxt moves past received data (Linux's tcp_rcv_nxt_update): RFC
 * 4898's tcpEStatsAppHCThruOctetsReceived counts the advance. */
static void tcp_rcv_nxt_update(struct tcp_sock *tp, uint32_t seq)
{
	tp->bytes_received += seq - tp->rcv_nxt;
	tp->rcv_nxt = seq;
}

/* Appends skb to the receive queue. Its memory is charged already: by the
 * caller for new data, on the ofo queue for data moving over. */
static void tcp_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);

	skb_queue_tail(&sk->sk_receive_queue, skb);
	tcp_rcv_nxt_update(tp, TCP_SKB_CB(skb)->end_seq);
	trace_tcp_queue(sk, UT_TP_RECEIVE_QUEUE, skb, skb->len, &sk->sk_receive_queue);
}

void tcp_repair_finish_connect(struct sock *sk)
{
	tcp_set_state(sk, TCP_ESTABLISHED);
	tcp_init_transfer(sk);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk->sk_write_space(sk);
	}
}

void tcp_repair_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	tcp_queue_rcv(sk, skb);
}

/* Moves segments that became in-order from the ofo queue to the receive
 * queue (Linux's tcp_ofo_queue). Returns true if a FIN was among them. */
static bool tcp_ofo_queue(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t dsack_high = tp->rcv_nxt;
	uint32_t moved_seq = tp->rcv_nxt, moved_end = tp->rcv_nxt; /* for the trace */
	struct sk_buff *skb;
	bool fin = false;

	while ((skb = skb_peek(&tp->out_of_order_queue)) != NULL) {
		struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
		if (after(tcb->seq, tp->rcv_nxt))
			break;
		/* Held data the segment that filled the hole carried again
		 * is a duplicate too (Linux's tcp_ofo_queue). */
		if (before(tcb->seq, dsack_high)) {
			uint32_t dsack = dsack_high;
			if (before(tcb->end_seq, dsack_high))
				dsack_high = tcb->end_seq;
			tcp_dsack_extend(sk, tcb->seq, dsack);
		}
		skb_unlink(skb, &tp->out_of_order_queue);
		if (!after(tcb->end_seq, tp->rcv_nxt)) {
			/* wholly duplicate */
			sk_rmem_uncharge(sk, skb);
			kfree_skb(skb);
			continue;
		}
		if (before(tcb->seq, tp->rcv_nxt)) {
			skb_pull(skb, tp->rcv_nxt - tcb->seq);
			tcb->seq = tp->rcv_nxt;
		}
		tcp_queue_rcv(sk, skb);
		moved_end = tcb->end_seq;
		if (tcb->tcp_flags & TCPHDR_FIN) {
			fin = true;
			break;
		}
	}
	if (after(moved_end, moved_seq))
		trace_tcp_ofo_queue_drain(sk, moved_seq, moved_end);
	return fin;
}

/* Frees out-of-order data from the far end (Linux's tcp_prune_ofo_queue),
 * an eighth of the receive buffer at a time, until the socket has room for
 * need more bytes under sk_rcvbuf and the stack is out of memory pressure.
 * Data below in_skb's sequence stays: the segment in hand is the one to
 * lose, not data that came before it. True if anything was freed
 * (OfoPruned); our SACK blocks then describe what is left. */
static bool tcp_prune_ofo_queue(struct sock *sk, const struct sk_buff *in_skb, int need)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;
	bool pruned = false;
	int goal = sk->sk_rcvbuf >> 3;

	while ((skb = skb_peek_tail(&tp->out_of_order_queue)) != NULL) {
		if (after(TCP_SKB_CB(in_skb)->seq, TCP_SKB_CB(skb)->seq))
			break;
		skb_unlink(skb, &tp->out_of_order_queue);
		goal -= (int)skb->truesize;
		sk_rmem_uncharge(sk, skb);
		kfree_skb(skb);
		pruned = true;
		if (goal <= 0) {
			if (sk->sk_rmem_alloc + need <= sk->sk_rcvbuf &&
			    !tcp_under_memory_pressure(sk))
				break;
			goal = sk->sk_rcvbuf >> 3;
		}
	}
	if (!pruned)
		return false;
	NET_INC_STATS(sk->sk_stack, LINUX_MIB_OFOPRUNED);
	tp->num_sacks = 0;
	if (!skb_queue_empty(&tp->out_of_order_queue)) {
		struct sk_buff *last = skb_peek_tail(&tp->out_of_order_queue);
		tcp_sack_update(tp, TCP_SKB_CB(last)->seq, TCP_SKB_CB(last)->end_seq);
	}
	return true;
}

/* The receive memory is full (Linux's tcp_clamp_window): while TCP
 * memory is plentiful the buffer grows to what is held (not past
 * tcp_rmem[2]); if what is held is still more, the window bound falls
 * to two segments. */
static void tcp_clamp_window(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	long rmem2 = stack->sysctl.tcp_rmem[2];

	inet_csk(sk)->icsk_ack.quick = 0;
	if (sk->sk_rcvbuf < rmem2 && !(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !tcp_under_memory_pressure(sk) &&
	    stack->tcp_memory_allocated < stack->sysctl.tcp_mem[0])
		sk->sk_rcvbuf = (int)MIN((long)sk->sk_rmem_alloc, rmem2);
	if (sk->sk_rmem_alloc > sk->sk_rcvbuf)
		tp->rcv_ssthresh = MIN(tp->window_clamp, 2u * tp->advmss);
}

/* The socket is over its receive buffer, or tcp_mem refused it memory
 * (Linux's tcp_prune_queue). A full buffer is clamped (above); under
 * pressure the window stops growing: no more than four segments are
 * offered until the pressure ends. Then out-of-order data goes. 0 if the
 * socket now has room for need more bytes, -1 (RcvPruned) if not. A
 * sender that keeps within the window we offer should never bring us
 * here: the window is sized from the memory its segments cost. */
static int tcp_prune_queue(struct sock *sk, const struct sk_buff *in_skb, int need)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;

	NET_INC_STATS(stack, LINUX_MIB_PRUNECALLED);
	if (sk->sk_rmem_alloc >= sk->sk_rcvbuf)
		tcp_clamp_window(sk);
	else if (tcp_under_memory_pressure(sk))
		tp->rcv_ssthresh = MIN(tp->rcv_ssthresh, 4u * tp->advmss);
	if (sk->sk_rmem_alloc + need <= sk->sk_rcvbuf)
		return 0;
	tcp_prune_ofo_queue(sk, in_skb, need);
	if (sk->sk_rmem_alloc + need <= sk->sk_rcvbuf)
		return 0;
	NET_INC_STATS(stack, LINUX_MIB_RCVPRUNED);
	return -1;
}

/* Room for skb on a receive queue (Linux's tcp_try_rmem_schedule): within
 * sk_rcvbuf (need is what must fit under it: the whole buffer for
 * out-of-order data; 0 for in-order data, which Linux lets overshoot by
 * one buffer) and within tcp_mem, pruning to make it. 0, or -1: drop. */
static int tcp_try_rmem_schedule(struct sock *sk, const struct sk_buff *skb, int need)
{
	int size = (int)skb->truesize;

	if (sk->sk_rmem_alloc + need > sk->sk_rcvbuf || !sk_rmem_schedule(sk, size)) {
		if (tcp_prune_queue(sk, skb, need) < 0)
			return -1;
		while (!sk_rmem_schedule(sk, size))
			if (!tcp_prune_ofo_queue(sk, skb, need))
				return -1;
	}
	return 0;
}

/* Copies data onto the tail of the previous buffer when it has room, so
 * a stream of small segments does not cost a buffer each (Linux's
 * tcp_try_coalesce, skb_try_coalesce). Room already charged (a buffer
 * charged for all of its memory) takes the bytes for nothing, as Linux's
 * copy into tailroom does; room that is not (a buffer GRO built, charged
 * per wire frame) takes from's charge along with its bytes, as Linux
 * moves a buffer's fragments and their truesize, up to the whole
 * buffer's. The caller scheduled from's truesize. */
static bool tcp_try_coalesce(struct sock *sk, struct sk_buff_head *q, struct sk_buff *to,
			     struct sk_buff *from)
{
	uint32_t whole, delta = 0;

	if (!to || skb_cloned(to) || (TCP_SKB_CB(to)->tcp_flags & TCPHDR_FIN) ||
	    TCP_SKB_CB(to)->end_seq != TCP_SKB_CB(from)->seq || skb_tailroom(to) < from->len)
		return false;
	memcpy(skb_put(to, from->len), from->data, from->len);
	q->bytes += from->len;
	TCP_SKB_CB(to)->end_seq = TCP_SKB_CB(from)->end_seq;
	TCP_SKB_CB(to)->tcp_flags |= TCP_SKB_CB(from)->tcp_flags & (TCPHDR_FIN | TCPHDR_PSH);
	to->tstamp = from->tstamp; /* the latest arrival, for SO_TIMESTAMP (Linux) */
	whole = skb_truesize_for(to->pool, skb_shinfo(to)->capacity);
	if (to->truesize < whole)
		delta = MIN(skb_copied_truesize(from), whole - to->truesize);
	if (delta) {
		to->truesize += delta;
		sk->sk_rmem_alloc += (int)delta;
		sk_mem_charge(sk, (int)delta);
	}
	return true;
}

static void tcp_data_queue_ofo(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct sk_buff_head *q = &tp->out_of_order_queue;
	uint32_t seq = TCP_SKB_CB(skb)->seq, end_seq = TCP_SKB_CB(skb)->end_seq;
	struct sk_buff *prev = NULL, *cur, *tmp;

	tcp_ecn_check_ce(sk, skb);
	if (tcp_try_rmem_schedule(sk, skb, (int)skb->truesize)) {
		NET_INC_STATS(stack, LINUX_MIB_TCPOFODROP);
		sk->sk_data_ready(sk);
		kfree_skb(skb);
		return;
	}
	NET_INC_STATS(stack, LINUX_MIB_TCPOFOQUEUE);
	/* the segments GRO merged into it, duplicates included, as Linux */
	tp->rcv_ooopack += MAX(1u, (unsigned)skb_shinfo(skb)->gso_segs);
	inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_SCHED;

	/* Find where it goes: after the last segment starting before it. */
	skb_queue_walk(q, cur) {
		if (after(TCP_SKB_CB(cur)->seq, seq))
			break;
		prev = cur;
	}
	if (prev && !before(TCP_SKB_CB(prev)->end_seq, end_seq)) {
		/* Already have all of it. */
		NET_INC_STATS(stack, LINUX_MIB_TCPOFOMERGE);
		kfree_skb(skb);
		tcp_dsack_set(sk, seq, end_seq);
		tcp_sack_update(tp, seq, end_seq);
		return;
	}
	/* Its start overlaps the segment before it: that part is a duplicate. */
	if (prev && after(TCP_SKB_CB(prev)->end_seq, seq))
		tcp_dsack_set(sk, seq, TCP_SKB_CB(prev)->end_seq);
	/* Drop later segments it covers entirely; the first one it covers in
	 * part is a duplicate up to its end (Linux's merge_right). */
	for (cur = prev ? prev->next : q->next; cur; cur = tmp) {
		tmp = cur->next;
		if (!after(end_seq, TCP_SKB_CB(cur)->seq))
			break;
		if (after(TCP_SKB_CB(cur)->end_seq, end_seq)) {
			tcp_dsack_extend(sk, TCP_SKB_CB(cur)->seq, end_seq);
			break;
		}
		tcp_dsack_extend(sk, TCP_SKB_CB(cur)->seq, TCP_SKB_CB(cur)->end_seq);
		skb_unlink(cur, q);
		sk_rmem_uncharge(sk, cur);
		kfree_skb(cur);
		NET_INC_STATS(stack, LINUX_MIB_TCPOFOMERGE);
	}
	if (prev && !(TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) &&
	    tcp_try_coalesce(sk, q, prev, skb)) {
		/* Linux counts no collapse here (TCPRcvCollapsed is
		 * tcp_collapse's, which usertcp has not) */
		trace_tcp_queue(sk, UT_TP_OFO_QUEUE, skb, skb->len, q);
		kfree_skb(skb);
	} else {
		skb_insert_between(skb, prev, prev ? prev->next : q->next, q);
		sk_rmem_charge(sk, skb);
		trace_tcp_queue(sk, UT_TP_OFO_QUEUE, skb, skb->len, q);
	}
	tcp_sack_update(tp, seq, end_seq);
}

/* Linux's tcp_data_queue: data (and FIN) of an acceptable segment. Takes
 * skb (data at the payload). */
static void tcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	if (tcb->seq == tcb->end_seq) {
		kfree_skb(skb);
		return;
	}
	tcp_ecn_accept_cwr(sk, skb);
	/* A D-SACK not sent by now is forgotten: this segment's ACK reports
	 * its own (Linux's tcp_data_queue). */
	tp->dsack = false;

	if (tcb->seq == tp->rcv_nxt) {
		bool fin;
		if (tcp_receive_window(tp) == 0) {
			/* Linux drops in-order data at a zero window and
			 * answers at once. */
			NET_INC_STATS(stack, LINUX_MIB_TCPZEROWINDOWDROP);
			goto out_of_window;
		}
queue_and_out:
		/* An empty receive queue always takes one buffer (Linux's
		 * forced charge), so a connection cannot starve under tcp_mem. */
		if (skb_queue_empty(&sk->sk_receive_queue)) {
			sk_forced_mem_schedule(sk, (int)skb->truesize);
		} else if (tcp_try_rmem_schedule(sk, skb, 0)) {
			NET_INC_STATS(stack, LINUX_MIB_TCPRCVQDROP);
			sk->sk_data_ready(sk);
			kfree_skb(skb);
			return;
		}
		if (skb->len)
			tcp_event_data_recv(sk, skb);
		fin = tcb->tcp_flags & TCPHDR_FIN;
		{
			struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);
			if (!fin && tail &&
			    tcp_try_coalesce(sk, &sk->sk_receive_queue, tail, skb)) {
				NET_INC_STATS(stack, LINUX_MIB_TCPRCVCOALESCE);
				tcp_rcv_nxt_update(tp, tcb->end_seq);
				/* its bytes joined the tail: traced as added,
				 * so the queue's depth is told as it grows */
				trace_tcp_queue(sk, UT_TP_RECEIVE_QUEUE, skb, skb->len,
						&sk->sk_receive_queue);
				kfree_skb(skb);
				skb = tail;
			} else {
				sk_rmem_charge(sk, skb);
				tcp_queue_rcv(sk, skb);
			}
		}
		if (!skb_queue_empty(&tp->out_of_order_queue)) {
			if (tcp_ofo_queue(sk))
				fin = true;
			/* Filling a hole deserves an immediate ACK. */
			if (skb_queue_empty(&tp->out_of_order_queue))
				inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_PUSHED;
		}
		if (tp->num_sacks)
			tcp_sack_remove(tp);
		if (fin)
			tcp_fin(sk);
		if (!sock_flag(sk, SOCK_DEAD) && sk->sk_state != TCP_CLOSE)
			sk->sk_data_ready(sk);
		return;
	}

	if (!after(tcb->end_seq, tp->rcv_nxt)) {
		/* A retransmission of data we have: the ACK was lost. The
		 * ACK this earns reports the duplicate (RFC 2883 4.1.1). */
		NET_INC_STATS(stack, LINUX_MIB_DELAYEDACKLOST);
		tcp_dsack_set(sk, tcb->seq, tcb->end_seq);
out_of_window:
		tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
		inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_SCHED;
		tcp_send_ack(sk);
		kfree_skb(skb);
		return;
	}
	/* Beyond the window: ACK to say where the window is. */
	if (!before(tcb->seq, tp->rcv_nxt + tcp_receive_window(tp)))
		goto out_of_window;

	if (before(tcb->seq, tp->rcv_nxt)) {
		/* Partly new: cut off what we have, and report it
		 * (RFC 2883 4.1.1). */
		tcp_dsack_set(sk, tcb->seq, tp->rcv_nxt);
		skb_pull(skb, tp->rcv_nxt - tcb->seq);
		tcb->seq = tp->rcv_nxt;
		if (!tcp_receive_window(tp))
			goto out_of_window;
		goto queue_and_out;
	}
	tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
	tcp_data_queue_ofo(sk, skb);
}

/* Sends an ACK now or schedules a delayed one (Linux's
 * __tcp_ack_snd_check): at once after more than one full segment, in
 * quick-ACK mode, or when out-of-order data is held; otherwise within the
 * delayed-ACK timeout (40 ms minimum). */
static void tcp_ack_snd_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (!(icsk->icsk_ack.pending & ICSK_ACK_SCHED))
		return;
	if ((tp->rcv_nxt - tp->rcv_wup > icsk->icsk_ack.rcv_mss &&
	     __tcp_select_window(sk) >= tp->rcv_wnd) ||
	    tcp_in_quickack_mode(sk) ||
	    (icsk->icsk_ack.pending & (ICSK_ACK_PUSHED | ICSK_ACK_NOW)) ||
	    !skb_queue_empty(&tp->out_of_order_queue)) {
		tcp_send_ack(sk);
		return;
	}
	NET_INC_STATS(sk->sk_stack, LINUX_MIB_DELAYEDACKS);
	tcp_send_delayed_ack(sk);
}

void tcp_cleanup_rbuf(struct sock *sk, uint32_t copied)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);
	bool time_to_ack = false;

	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		return;
	if (icsk->icsk_ack.pending & ICSK_ACK_SCHED) {
		/* Delayed ACKs frequently hit locked sockets during bulk
		 * receive: once we have read, ACK what is pending if a
		 * full segment or more is owed. */
		if (tp->rcv_nxt - tp->rcv_wup > icsk->icsk_ack.rcv_mss ||
		    (copied > 0 && (icsk->icsk_ack.pending & ICSK_ACK_PUSHED) &&
		     !icsk->icsk_ack.pingpong && !sk->sk_rmem_alloc))
			time_to_ack = true;
	}
	/* The application made room: if the window we could offer now is at
	 * least double what the peer believes, tell it (a window update,
	 * RFC 9293 3.8.6.2.2). */
	if (copied > 0 && !time_to_ack && !(sk->sk_shutdown & RCV_SHUTDOWN)) {
		uint32_t rcv_window_now = tcp_receive_window(tp);
		if (2 * rcv_window_now <= tp->window_clamp) {
			uint32_t new_window = __tcp_select_window(sk);
			if (new_window && new_window >= 2 * rcv_window_now)
				time_to_ack = true;
		}
	}
	if (time_to_ack)
		tcp_send_ack(sk);
}

/* Receive buffer autotuning (Linux's tcp_rcv_space_adjust, "dynamic right
 * sizing"): once per RTT, if the application read more than the buffer
 * space measured, grow the buffer so the window can keep up. */
void tcp_rcv_space_adjust(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	uint64_t now = stack_now(stack);
	uint32_t copied;
	uint64_t rtt_ns = (uint64_t)(tp->srtt_us >> 3) * NSEC_PER_USEC;

	if (!tp->rcvq_space_time) {
		tp->rcvq_space_time = now;
		tp->rcvq_space_seq = tp->copied_seq;
		tp->rcvq_space_space = MIN(tp->rcv_wnd, TCP_INIT_CWND * tp->advmss);
		return;
	}
	if (!rtt_ns || now - tp->rcvq_space_time < rtt_ns)
		return;
	copied = tp->copied_seq - tp->rcvq_space_seq;
	if (copied > tp->rcvq_space_space) {
		if (stack->sysctl.tcp_moderate_rcvbuf && !(sk->sk_userlocks & SOCK_RCVBUF_LOCK)) {
			/* A window of twice what was read per RTT, and the
			 * memory such a window of the peer's segments takes
			 * at the measured ratio (Linux's tcp_space_from_win);
			 * the clamp follows the buffer. */
			uint64_t rcvbuf = (uint64_t)tcp_space_from_win(
				tp, (int)MIN((uint64_t)copied * 2, 0x7fffffffu));
			if (rcvbuf > (uint64_t)stack->sysctl.tcp_rmem[2])
				rcvbuf = (uint64_t)stack->sysctl.tcp_rmem[2];
			if (rcvbuf > (uint64_t)sk->sk_rcvbuf) {
				sk->sk_rcvbuf = (int)rcvbuf;
				tp->window_clamp =
					MAX(tp->window_clamp, (uint32_t)tcp_full_space(sk));
			}
		}
		tp->rcvq_space_space = copied;
	}
	tp->rcvq_space_seq = tp->copied_seq;
	tp->rcvq_space_time = now;
}

/* ---- RST -----------------------------------------------------------------------------*/

void tcp_reset(struct sock *sk)
{
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
	}
	sk->sk_err = err;
	trace_tcp_event(sk, UT_TP_TCP_RECEIVE_RESET, NULL);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_error_report(sk);
	tcp_done(sk);
}

/* ---- connection established ---------------------------------------------------------------*/

/* Send buffer autotuning (Linux's tcp_sndbuf_expand): room for twice the
 * congestion window (or the reordering degree, if larger) of segments,
 * so the application can keep the pipe full while a window's worth waits
 * for its ACKs. A segment's share is Linux's worst case, not usertcp's
 * own buffer size: a non-TSO skb per segment, its head a power-of-two
 * kmalloc of MSS + MAX_TCP_HEADER + skb_shared_info, plus the struct
 * sk_buff: roundup_pow_of_two(1460 + 320 + 320) + 256 = 4352 bytes on
 * x86-64. sk_sndbuf is what getsockopt(SO_SNDBUF) and `ss -m` show, and
 * a program sizes its writes by it, so it is Linux's figure; usertcp
 * charges its queue by its own buffers against it. */
#define TCP_SNDBUF_MAX_TCP_HEADER 320u /* Linux's MAX_TCP_HEADER, x86-64 */
#define TCP_SNDBUF_SHINFO 320u	       /* SKB_DATA_ALIGN(sizeof(skb_shared_info)) */
#define TCP_SNDBUF_SKB 256u	       /* SKB_DATA_ALIGN(sizeof(struct sk_buff)) */
static void tcp_sndbuf_expand(struct sock *sk)
{
	const struct tcp_congestion_ops *ca_ops = inet_csk(sk)->icsk_ca_ops;
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	uint32_t nr_segs, per_mss;
	uint64_t sndmem;

	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	per_mss = MAX((uint32_t)tp->rx_opt_mss_clamp, tp->mss_cache) + TCP_SNDBUF_MAX_TCP_HEADER +
		  TCP_SNDBUF_SHINFO;
	per_mss = roundup_pow_of_two(per_mss) + TCP_SNDBUF_SKB;
	nr_segs = MAX(TCP_INIT_CWND, tp->snd_cwnd);
	nr_segs = MAX(nr_segs, tp->reordering + 1);
	/* windows of send buffer: 2 (CUBIC's 1.7 in fast recovery, rounded
	 * up for an application slow to answer EPOLLOUT), or what the
	 * module asks (BBR: 3) */
	sndmem = ca_ops->sndbuf_expand ? ca_ops->sndbuf_expand(sk) : 2;
	sndmem *= (uint64_t)nr_segs * per_mss;
	if (sndmem > (uint64_t)stack->sysctl.tcp_wmem[2])
		sndmem = (uint64_t)stack->sysctl.tcp_wmem[2];
	if ((int)sndmem > sk->sk_sndbuf) {
		sk->sk_sndbuf = (int)sndmem;
		if (sk->sk_socket)
			sk->sk_write_space(sk);
	}
}

void tcp_init_buffer_space(struct sock *sk)
{
	tcp_sndbuf_expand(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t maxwin = (uint32_t)MAX(tcp_full_space(sk), 0);

	if (!tp->window_clamp || tp->window_clamp > maxwin * 4u)
		tp->window_clamp = MAX(maxwin * 4u, 4u * tp->advmss);
	if (tp->rcv_ssthresh > tp->window_clamp)
		tp->rcv_ssthresh = tp->window_clamp;
	tp->rcvq_space_space = MIN(tp->rcv_wnd, TCP_INIT_CWND * (uint32_t)tp->advmss);
	tp->rcvq_space_seq = tp->copied_seq;
	tp->rcvq_space_time = stack_now(sk->sk_stack);
}

/* The pacing rate follows cwnd/srtt: twice it in slow start while cwnd is
 * under half of ssthresh (tcp_pacing_ss_ratio, 200 %), 1.2 times it after
 * (tcp_pacing_ca_ratio, 120 %), so that a flow can still grow; capped by
 * SO_MAX_PACING_RATE (Linux's tcp_update_pacing_rate). srtt_us holds
 * 8 x the RTT, hence the 8 in the scale. Without an RTT sample the rate
 * has no bound yet. */
void tcp_update_pacing_rate(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct ipv4_sysctl *sysctl = &sk->sk_stack->sysctl;
	uint64_t rate = (uint64_t)tp->mss_cache * (USEC_PER_SEC / 100) * 8;

	rate *= (uint64_t)(tp->snd_cwnd < tp->snd_ssthresh / 2 ? sysctl->tcp_pacing_ss_ratio
							       : sysctl->tcp_pacing_ca_ratio);
	rate *= MAX(tp->snd_cwnd, tp->packets_out);
	if (tp->srtt_us)
		rate /= tp->srtt_us;
	sk->sk_pacing_rate = MIN(rate, sk->sk_max_pacing_rate);
}

void tcp_init_transfer(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);

	tcp_init_buffer_space(sk);
	/* A SYN's timeouts end with the handshake. */
	tcp_update_rto_time(tp, tcp_time_stamp(sk->sk_stack));
	/* RFC 6298 5.7: a SYN or SYN-ACK was retransmitted and no RTT was
	 * measured: start data with a 3 s RTO. */
	if (!tp->srtt_us && tp->total_retrans)
		icsk->icsk_rto = TCP_TIMEOUT_FALLBACK_MS;
	tp->snd_cwnd = TCP_INIT_CWND;
	if (tp->total_retrans > 1)
		tp->snd_cwnd = 1; /* RFC 5681 3.1: SYN lost more than once */
	tp->lsndtime = stack_now(sk->sk_stack);
	tp->snd_cwnd_stamp = tp->lsndtime;
	tp->rcv_tstamp = tp->lsndtime;
	/* The handshake counts as the last receipt (Linux's
	 * tcp_finish_connect and tcp_create_openreq_child set lrcvtime):
	 * tcpi_last_data_recv of a connection that never got data is its
	 * age, and the first data's ATO estimate starts from it. */
	icsk->icsk_ack.lrcvtime = tp->lsndtime;
	/* The module starts with the connection (its initial window set). */
	if (!icsk->icsk_ca_initialized)
		tcp_init_congestion_control(sk);
	tcp_update_pacing_rate(sk);
	/* No quick-ACK mode here: as in Linux's tcp_init_transfer, the
	 * delayed-ACK engine starts with the first data received. */
	if (sock_flag(sk, SOCK_KEEPOPEN))
		inet_csk_reset_keepalive_timer(sk, (uint64_t)tcp_keepalive_time_s(tp) * 1000);
}

/* Options from the SYN-ACK we received (active open). */
static void tcp_apply_synack_options(struct sock *sk, const struct wire_tcp_opts *opts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;

	tp->wscale_ok = opts->saw_wscale && stack->sysctl.tcp_window_scaling;
	if (tp->wscale_ok) {
		tp->snd_wscale = (uint8_t)MIN(opts->wscale, TCP_MAX_WSCALE);
	} else {
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
		tp->window_clamp = MIN(tp->window_clamp, 65535u);
	}
	tp->tstamp_ok = opts->saw_tstamp && stack->sysctl.tcp_timestamps;
	tp->tcp_header_len = TCP_HLEN_MIN + (tp->tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
	/* As Linux's tcp_rcv_synsent_state_process: with timestamps on,
	 * every segment we receive carries 12 bytes of them, so the data a
	 * segment holds at most (what tcpi_advmss reports, and the unit of
	 * the receive window's growth) is 12 bytes less than the MSS we
	 * announced. */
	if (tp->tstamp_ok)
		tp->advmss = (uint16_t)(tp->advmss - TCPOLEN_TSTAMP_ALIGNED);
	if (!tp->tstamp_ok)
		tp->tsoffset = 0;
	tp->sack_ok = opts->sack_ok && stack->sysctl.tcp_sack;
	tcp_mss_update_from_opts(tp, opts);
}

/* RFC 9293 3.10.7.3: a segment in SYN-SENT. */
static int tcp_rcv_synsent_state_process(struct sock *sk, struct sk_buff *skb,
					 const struct wire_tcp *th,
					 const struct wire_tcp_opts *opts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	bool fastopen_fail;

	if (th->flags & TCPHDR_ACK) {
		/* first: the ACK must cover our SYN and nothing unsent */
		if (!after(th->ack_seq, tp->isn) || after(th->ack_seq, tp->snd_nxt)) {
			if (th->flags & TCPHDR_RST) {
				kfree_skb(skb);
				return 0;
			}
			return 1; /* RST for a bad ACK */
		}
		if (opts->saw_tstamp && opts->tsecr &&
		    (int32_t)(opts->tsecr - (tcp_time_stamp(stack) + tp->tsoffset)) > 0) {
			/* echo of a timestamp we never sent */
			return 1;
		}
		/* second: an acceptable RST refuses the connection */
		if (th->flags & TCPHDR_RST) {
			tcp_reset(sk);
			kfree_skb(skb);
			return 0;
		}
		/* fourth: SYN */
		if (!(th->flags & TCPHDR_SYN)) {
			kfree_skb(skb);
			return 0;
		}
		tcp_apply_synack_options(sk, opts);
		/* ECN holds if the SYN-ACK has ECE and not CWR (RFC 3168
		 * 6.1.1, Linux's tcp_ecn_rcv_synack). */
		if ((tp->ecn_flags & TCP_ECN_OK) &&
		    (!(th->flags & TCPHDR_ECE) || (th->flags & TCPHDR_CWR)))
			tp->ecn_flags &= (uint8_t)~TCP_ECN_OK;
		tp->rcv_nxt = th->seq + 1;
		tp->rcv_wup = tp->rcv_nxt;
		tp->copied_seq = tp->rcv_nxt;
		tp->snd_wl1 = th->seq;
		if (tp->tstamp_ok)
			tcp_store_ts_recent(sk, opts->tsval);
		/* the SYN-ACK's window is not scaled (RFC 7323 2.2) */
		tp->snd_wnd = th->window;
		tp->max_window = tp->snd_wnd;
		tcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
		tcp_initialize_rcv_mss(sk);
		tcp_ack(sk, skb, th, opts, false, false);
		tp->snd_wnd = th->window; /* tcp_ack may have scaled it */
		tp->snd_wl1 = th->seq;
		tcp_set_state(sk, TCP_ESTABLISHED);
		tcp_init_transfer(sk);
		/* Fast Open: the cookie kept, unacknowledged SYN data sent
		 * again (with the ACK), data of the SYN-ACK queued. */
		fastopen_fail = (tp->tfo.syn_fastopen || tp->tfo.syn_data) &&
				tcp_rcv_fastopen_synack(sk, skb, th, opts);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			sk->sk_write_space(sk);
		}
		/* The third step of the handshake; with a Fast Open writer
		 * waiting to send the rest of its data, the ACK waits to ride
		 * on it (Linux's "save one ACK" for sk_write_pending). */
		if (!fastopen_fail && tp->tfo.req && tp->tfo.req->data) {
			struct inet_connection_sock *icsk = inet_csk(sk);
			icsk->icsk_ack.lrcvtime = stack_now(stack);
			tcp_enter_quickack_mode(sk, TCP_MAX_QUICKACKS);
			icsk->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_TIMER;
			icsk->icsk_ack.timeout =
				stack_jiffies(stack) + msecs_to_jiffies(TCP_DELACK_MAX_MS);
			mod_timer(&icsk->icsk_delack_timer, icsk->icsk_ack.timeout);
		} else if (!fastopen_fail) {
			tcp_send_ack(sk);
		}
		kfree_skb(skb);
		tcp_push_pending_frames(sk);
		return 0;
	}

	if (th->flags & TCPHDR_RST) {
		kfree_skb(skb);
		return 0;
	}
	if (th->flags & TCPHDR_SYN) {
		/* Simultaneous open (RFC 9293 3.5): both sides sent SYN. */
		tcp_set_state(sk, TCP_SYN_RECV);
		tcp_apply_synack_options(sk, opts);
		/* ECN holds if their SYN asked for it too (tcp_ecn_rcv_syn). */
		if ((tp->ecn_flags & TCP_ECN_OK) &&
		    (th->flags & (TCPHDR_ECE | TCPHDR_CWR)) != (TCPHDR_ECE | TCPHDR_CWR))
			tp->ecn_flags &= (uint8_t)~TCP_ECN_OK;
		if (tp->tstamp_ok)
			tcp_store_ts_recent(sk, opts->tsval);
		tp->rcv_nxt = th->seq + 1;
		tp->rcv_wup = tp->rcv_nxt;
		tp->copied_seq = tp->rcv_nxt;
		tp->snd_wnd = th->window;
		tp->snd_wl1 = th->seq;
		tp->max_window = tp->snd_wnd;
		tcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
		tcp_send_synack(sk);
	}
	kfree_skb(skb);
	return 0;
}

/* ---- passive open: a SYN for a listener -------------------------------------------------*/

void tcp_openreq_init(struct sock *listener, struct request_sock *req, const struct sk_buff *skb,
		      const struct wire_tcp *th, const struct wire_tcp_opts *opts,
		      bool has_syn_opts)
{
	const struct inet_connection_sock_af_ops *af_ops = req->rsk_af_ops;
	struct ut_stack *stack = listener->sk_stack;
	struct tcp_sock *ltp = tcp_sk(listener);
	uint32_t advmss;
	int full_space;

	af_ops->init_req(req, listener, skb);
	req->__req_common.skc_num = th->dport;
	req->__req_common.skc_dport = th->sport;
	advmss = af_ops->route_req(listener, req);
	if (ltp->user_mss && advmss > ltp->user_mss)
		advmss = ltp->user_mss;
	req->mss_adv = (uint16_t)advmss;
	if (has_syn_opts) {
		req->mss = opts->saw_mss ? opts->mss : TCP_MSS_DEFAULT;
		req->tstamp_ok = opts->saw_tstamp && stack->sysctl.tcp_timestamps;
		req->sack_ok = opts->sack_ok && stack->sysctl.tcp_sack;
		req->wscale_ok = opts->saw_wscale && stack->sysctl.tcp_window_scaling;
		req->snd_wscale = req->wscale_ok ? (uint8_t)MIN(opts->wscale, TCP_MAX_WSCALE) : 0;
	}
	/* TCP_MAXSEG on the listener bounds the peer's MSS, whether it came
	 * in the SYN or back in a cookie (Linux's user_mss in mss_clamp). */
	if (ltp->user_mss && req->mss > ltp->user_mss)
		req->mss = ltp->user_mss;
	if (req->tstamp_ok) {
		req->ts_recent = opts->tsval;
		req->ts_off = af_ops->init_ts_off(listener, skb);
	}
	full_space = tcp_full_space(listener);
	req->window_clamp = ltp->window_clamp;
	tcp_select_initial_window(stack, full_space,
				  advmss - (req->tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0),
				  &req->rcv_wnd, &req->window_clamp, req->wscale_ok,
				  &req->rcv_wscale);
}

/* A SYN asking for ECN (ECE and CWR, RFC 3168 6.1.1) is agreed to when
 * net.ipv4.tcp_ecn is 1 or 2, unless the SYN itself was ECN-capable (a
 * SYN must not be; a path that makes it so is not to be trusted), or
 * always when the listener's module needs ECN (Linux's
 * tcp_ecn_create_request). */
static void tcp_ecn_create_request(struct request_sock *req, const struct sk_buff *skb,
				   const struct wire_tcp *th, const struct sock *listener)
{
	bool ect = !INET_ECN_is_not_ect(TCP_SKB_CB(skb)->ip_dsfield);

	if ((th->flags & (TCPHDR_ECE | TCPHDR_CWR)) != (TCPHDR_ECE | TCPHDR_CWR))
		return;
	if ((!ect && listener->sk_stack->sysctl.tcp_ecn) || tcp_ca_needs_ecn(listener))
		req->ecn_ok = true;
}

int tcp_conn_request(const struct inet_connection_sock_af_ops *af_ops, struct sock *sk,
		     struct sk_buff *skb, const struct wire_tcp *th,
		     const struct wire_tcp_opts *opts)
{
	struct ut_stack *stack = sk->sk_stack;
	struct request_sock *req;
	struct sock *child;
	bool want_cookie = stack->sysctl.tcp_syncookies == 2;

	/* The SYN queue is bounded by the backlog. When it is full, Linux
	 * answers with a SYN cookie (net.ipv4.tcp_syncookies=1): the
	 * connection lives in the sequence number until the ACK returns,
	 * and costs no memory meanwhile. */
	if (inet_csk_reqsk_queue_is_full(sk)) {
		if (!stack->sysctl.tcp_syncookies) {
			NET_INC_STATS(stack, LINUX_MIB_TCPREQQFULLDROP);
			trace_tcp_syn_drop(sk, skb, th, "SYN dropped: SYN queue full");
			goto drop;
		}
		want_cookie = true;
	}
	/* Accept queue full: drop the SYN; the client will retry. */
	if (sk->sk_ack_backlog > sk->sk_max_ack_backlog) {
		NET_INC_STATS(stack, LINUX_MIB_LISTENOVERFLOWS);
		trace_tcp_event(sk, UT_TP_LISTEN_OVERFLOW, "SYN dropped: accept queue full");
		goto drop;
	}
	if (want_cookie) {
		struct request_sock cookie_req;
		memset(&cookie_req, 0, sizeof(cookie_req));
		cookie_req.__req_common.skc_stack = stack;
		cookie_req.rsk_listener = sk;
		cookie_req.rsk_af_ops = af_ops;
		tcp_openreq_init(sk, &cookie_req, skb, th, opts, true);
		tcp_ecn_create_request(&cookie_req, skb, th, sk);
		cookie_req.rcv_isn = th->seq;
		cookie_req.snt_isn = af_ops->cookie_init_seq(sk, skb, th, &cookie_req.mss);
		if (cookie_req.tstamp_ok)
			cookie_req.cookie_tsval = cookie_init_timestamp(
				&cookie_req, tcp_time_stamp(stack) + cookie_req.ts_off);
		inet_csk(sk)->icsk_accept_queue.synq_overflow_ns = stack_now(stack);
		NET_INC_STATS(stack, LINUX_MIB_SYNCOOKIESSENT);
		trace_tcp_syn_drop(sk, skb, th, "SYN queue full: answered with a SYN cookie");
		af_ops->send_synack(sk, &cookie_req);
		kfree_skb(skb);
		return 0;
	}
	req = reqsk_alloc(sk);
	if (!req)
		goto drop;
	req->rsk_af_ops = af_ops;
	tcp_openreq_init(sk, req, skb, th, opts, true);
	tcp_ecn_create_request(req, skb, th, sk);
	req->rcv_isn = th->seq;
	req->snt_isn = af_ops->init_seq(sk, skb, th);
	tcp_reqsk_record_syn(sk, req, skb, th);
	/* Fast Open (tcp_fastopen.c): a valid cookie makes the child now,
	 * in the accept queue with the SYN's data; else the SYN-ACK may
	 * carry a cookie. */
	child = tcp_try_fastopen(sk, skb, th, opts, req);
	if (child) {
		af_ops->send_synack(child, req);
		req->synack_sent_ns = stack_now(stack);
		kfree_skb(skb);
		return 0;
	}
	inet_csk_reqsk_queue_hash_add(sk, req, TCP_TIMEOUT_INIT_MS);
	/* If it cannot be sent now, the request's timer tries again. */
	af_ops->send_synack(sk, req);
	req->synack_sent_ns = stack_now(stack);
	kfree_skb(skb);
	return 0;
drop:
	NET_INC_STATS(stack, LINUX_MIB_LISTENDROPS);
	kfree_skb(skb);
	return 0;
}

/* TCP_SAVE_SYN: a copy of the SYN's headers for the connection to hand
 * out once (Linux's tcp_reqsk_record_syn). The TCP header sits just before
 * skb->data, the IP header from the network header on, the link header
 * (kept only for TCP_SAVE_SYN 2, on a device that has one) before that.
 * A SYN answered by cookie keeps nothing, as in Linux. */
void tcp_reqsk_record_syn(const struct sock *listener, struct request_sock *req,
			  const struct sk_buff *skb, const struct wire_tcp *th)
{
	uint8_t save = tcp_sk(listener)->save_syn;
	const uint8_t *nh = skb_network_header(skb), *tcph = skb->data - th->hdr_len;
	uint32_t mac = 0, net = (uint32_t)(tcph - nh);
	struct saved_syn *ss;

	if (!save)
		return;
	if (save == 2 && skb->dev && skb->dev->type == UT_DEV_ETHER &&
	    skb->network_header > skb->mac_header)
		mac = (uint32_t)(skb->network_header - skb->mac_header);
	ss = ut_malloc(sizeof(*ss) + mac + net + th->hdr_len);
	if (!ss)
		return;
	ss->mac_hdrlen = mac;
	ss->network_hdrlen = net;
	ss->tcp_hdrlen = th->hdr_len;
	memcpy(ss->data, nh - mac, mac + net + th->hdr_len);
	req->saved_syn = ss;
}

/* ---- urgent data (RFC 9293 3.8.5, RFC 6093) ------------------------------------------------*/

/* A segment with URG announces urgent data up to its pointer (Linux's
 * tcp_check_urg). The pointer is the peer's word, checked before use: a
 * 16-bit offset from the segment's sequence number, one past the urgent
 * byte unless net.ipv4.tcp_stdurg (RFC 1122 4.2.2.4: at the byte). One
 * pointing into data already read or received, or not beyond the one
 * held, changes nothing; the comparisons are modulo 2^32, so any value is
 * harmless. A new mark tells the owner (SIGURG). */
static void tcp_check_urg(struct sock *sk, const struct wire_tcp *th)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t ptr = th->urg_ptr;

	if (ptr && !sk->sk_stack->sysctl.tcp_stdurg)
		ptr--;
	ptr += th->seq;
	if (after(tp->copied_seq, ptr) || before(ptr, tp->rcv_nxt))
		return; /* already read, or already received: not replayed */
	if (tp->urg_data && !after(ptr, tp->urg_seq))
		return; /* the same mark again, or an older one */
	sk_send_sigurg(sk);
	/* The old urgent byte, out of band and next to read, would be read
	 * in the stream once the mark moves on: skip it now (Linux). */
	if (tp->urg_seq == tp->copied_seq && tp->urg_data && !sock_flag(sk, SOCK_URGINLINE) &&
	    tp->copied_seq != tp->rcv_nxt) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
		tp->copied_seq++;
		if (skb && !before(tp->copied_seq, TCP_SKB_CB(skb)->end_seq)) {
			skb_unlink(skb, &sk->sk_receive_queue);
			sk_rmem_uncharge(sk, skb);
			kfree_skb(skb);
		}
	}
	tp->urg_data = TCP_URG_NOTYET;
	tp->urg_seq = ptr;
}

/* Step six of RFC 9293 3.10.7.4: take a new urgent pointer, and the
 * urgent byte when this segment carries it, kept aside for
 * recv(MSG_OOB) (Linux's tcp_urg). skb->data is the segment's payload. */
static void tcp_urg(struct sock *sk, const struct sk_buff *skb, const struct wire_tcp *th)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (th->flags & TCPHDR_URG)
		tcp_check_urg(sk, th);
	if (tp->urg_data == TCP_URG_NOTYET) {
		uint32_t ptr = tp->urg_seq - th->seq - !!(th->flags & TCPHDR_SYN);
		if (ptr < skb->len) {
			tp->urg_data = (uint16_t)(TCP_URG_VALID | skb->data[ptr]);
			if (!sock_flag(sk, SOCK_DEAD))
				sk->sk_data_ready(sk);
		}
	}
}

/* ---- the state machine --------------------------------------------------------------------*/

/* Header prediction (Linux's pred_flags test at the top of
 * tcp_rcv_established, with the conditions of tcp_fast_path_check): an
 * established connection's next segment is most often the next in order,
 * with ACK and maybe PSH alone set, the window we already hold, and no
 * option but an aligned timestamp (NOP, NOP, TS, 10 bytes) when
 * timestamps are on, not older than the one we echo. Such a segment needs
 * none of the slow path's tests (PAWS, sequence acceptability, RST, SYN),
 * and tcp_ack's window update, SACK and ECE work reduce to SND.WL1.
 * Linux keeps the prediction in pred_flags and switches it off while
 * out-of-order data waits, the receive window is shut or the receive
 * buffer is full; here those are tested directly, per segment, so no
 * path can leave a stale prediction behind. The ACK must lie in
 * [SND.UNA, SND.NXT]: anything else is the slow path's to judge. */
static bool tcp_header_predicted(const struct sock *sk, const struct sk_buff *skb,
				 const struct wire_tcp *th, const struct wire_tcp_opts *opts)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);

	if ((th->flags & (uint8_t)~TCPHDR_PSH) != TCPHDR_ACK || tcb->seq != tp->rcv_nxt ||
	    ((uint32_t)th->window << tp->snd_wscale) != tp->snd_wnd || tp->snd_wnd > tp->max_window)
		return false;
	if (tp->tstamp_ok) {
		/* The header is still in the buffer before the payload. */
		const uint8_t *o = skb->data - th->hdr_len + TCP_HLEN_MIN;
		if (th->hdr_len != TCP_HLEN_MIN + 12 || o[0] != 1 || o[1] != 1 || o[2] != 8 ||
		    o[3] != 10 || !opts->saw_tstamp || (int32_t)(opts->tsval - tp->ts_recent) < 0)
			return false;
	} else if (th->hdr_len != TCP_HLEN_MIN) {
		return false;
	}
	if (before(th->ack_seq, tp->snd_una) || after(th->ack_seq, tp->snd_nxt))
		return false;
	/* Data that would need memory beyond what the socket has taken
	 * ahead goes the slow way, as in Linux. */
	if (skb->len && (int)skb->truesize > sk->sk_forward_alloc)
		return false;
	return skb_queue_empty(&tp->out_of_order_queue) && tp->rcv_wnd && tcp_receive_window(tp) &&
	       sk->sk_rmem_alloc < sk->sk_rcvbuf && !tp->urg_data;
}

int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			  const struct wire_tcp_opts *opts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	bool has_data = skb->len > 0;
	int acceptable;

	/* Linux's tcp_rcv_established reports every segment an established
	 * socket receives, before anything is checked or changed. */
	if (sk->sk_state == TCP_ESTABLISHED) {
		trace_tcp_probe(sk, skb->len);
		if (tcp_header_predicted(sk, skb, th, opts)) {
			/* Linux's fast path: the ACK, then the data in order
			 * (TCPHPHits counts the segments with data), then
			 * what the slow path does after them. */
			if (has_data)
				NET_INC_STATS(stack, LINUX_MIB_TCPHPHITS);
			tcp_ack(sk, skb, th, opts, has_data, true);
			tcp_data_queue(sk, skb);
			if (sk->sk_state != TCP_CLOSE) {
				tcp_data_snd_check(sk);
				tcp_ack_snd_check(sk);
			}
			return 0;
		}
	}
	switch (sk->sk_state) {
	case TCP_CLOSE:
		return 1;
	case TCP_LISTEN:
		if (th->flags & TCPHDR_ACK)
			return 1;
		if (th->flags & TCPHDR_RST)
			goto discard;
		if (th->flags & TCPHDR_SYN) {
			if (th->flags & TCPHDR_FIN)
				goto discard;
			return inet_csk(sk)->icsk_af_ops->conn_request(sk, skb, th, opts);
		}
		goto discard;
	case TCP_SYN_SENT:
		return tcp_rcv_synsent_state_process(sk, skb, th, opts);
	}
	/* A passive Fast Open child answers as its request would until the
	 * handshake completes (Linux's tcp_check_req with fastopen). */
	if (tp->tfo.rsk && (acceptable = tcp_fastopen_check_req(sk, skb, th, opts)) != 0) {
		if (acceptable > 0)
			return 1;
		goto discard;
	}

	/* A segment with none of ACK, RST and SYN (no flags at all, a bare
	 * FIN, PSH or URG) can never be acceptable in a synchronized state.
	 * Linux drops it before PAWS and the sequence check (drop reason
	 * TCP_FLAGS, no counter), so it is never answered: otherwise every
	 * such segment out of the window would draw an ACK, a reflector for
	 * spoofed traffic. */
	if (!(th->flags & (TCPHDR_ACK | TCPHDR_RST | TCPHDR_SYN)))
		goto discard;

	/* first: sequence number acceptability (RFC 9293 3.10.7.4), with
	 * PAWS before it (RFC 7323 5.3). */
	/* A reset is accepted even if it fails PAWS (Linux). */
	if (!(th->flags & TCPHDR_RST) && tcp_paws_reject(tp, opts)) {
		NET_INC_STATS(stack, LINUX_MIB_PAWSESTABREJECTED);
		tcp_send_dupack(sk, skb);
		goto discard;
	}
	if (before(tcb->end_seq, tp->rcv_wup) ||
	    after(tcb->seq, tp->rcv_nxt + tcp_receive_window(tp))) {
		/* Not acceptable: ACK it (unless RST) and drop. A SYN in
		 * SYN_RECV for a simultaneous open falls through below. */
		if (!(th->flags & TCPHDR_RST)) {
			if (th->flags & TCPHDR_SYN)
				goto syn_challenge;
			/* Data segments are always answered; bare ones at
			 * most every 500 ms. */
			if (tcb->seq != tcb->end_seq ||
			    !tcp_oow_rate_limited(sk, LINUX_MIB_TCPACKSKIPPEDSEQ))
				tcp_send_dupack(sk, skb);
		}
		goto discard;
	}

	/* second: RST (RFC 5961 3.2: only exactly at RCV.NXT resets; in
	 * the window otherwise, a challenge ACK). */
	if (th->flags & TCPHDR_RST) {
		if (tcb->seq == tp->rcv_nxt ||
		    (sk->sk_state == TCP_SYN_RECV && !after(tcb->seq, tp->rcv_nxt)))
			tcp_reset(sk);
		else
			tcp_send_challenge_ack(sk);
		goto discard;
	}

	/* fourth: a SYN in a synchronized state gets a challenge ACK
	 * (RFC 5961 4.2), never a reset of the connection. */
	if (th->flags & TCPHDR_SYN) {
syn_challenge:
		if (sk->sk_state == TCP_SYN_RECV && (th->flags & TCPHDR_ACK) &&
		    tcb->seq + 1 == tcb->end_seq && tcb->seq + 1 == tp->rcv_nxt &&
		    th->ack_seq == tp->snd_nxt) {
			/* the SYN-ACK of a simultaneous open */
		} else {
			NET_INC_STATS(stack, LINUX_MIB_TCPSYNCHALLENGE);
			tcp_send_challenge_ack(sk);
			goto discard;
		}
	}

	/* fifth: the ACK field */
	if (!(th->flags & TCPHDR_ACK))
		goto discard;
	acceptable = tcp_ack(sk, skb, th, opts, has_data, false);
	if (acceptable <= 0) {
		if (sk->sk_state == TCP_SYN_RECV)
			return 1;
		/* Linux's established path drops an ACK of unsent data
		 * without a word (tcp_rcv_established); the other states
		 * answer it with a challenge ACK (tcp_rcv_state_process). */
		if (acceptable == TCP_ACK_UNSENT && sk->sk_state == TCP_ESTABLISHED)
			goto discard;
		if (acceptable < 0) {
			tcp_send_challenge_ack(sk);
			goto discard;
		}
	}

	/* a Fast Open child that left SYN_RECV before its final ACK (a FIN
	 * came with the SYN, or the application closed) lets go of its
	 * request now */
	if (tp->tfo.rsk && sk->sk_state != TCP_SYN_RECV)
		tcp_fastopen_synrecv_done(sk);
	switch (sk->sk_state) {
	case TCP_SYN_RECV:
		tcp_set_state(sk, TCP_ESTABLISHED);
		tp->snd_una = th->ack_seq;
		tp->snd_wnd = (uint32_t)th->window << tp->snd_wscale;
		tp->snd_wl1 = tcb->seq;
		if (tp->snd_wnd > tp->max_window)
			tp->max_window = tp->snd_wnd;
		tcp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
		if (!tp->isn || tp->packets_out == 0)
			inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
		if (tp->tfo.rsk)
			tcp_fastopen_synrecv_done(sk); /* transfer began at the SYN */
		else
			tcp_init_transfer(sk);
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			sk->sk_write_space(sk);
		}
		break;
	case TCP_FIN_WAIT1:
		if (tp->snd_una != tp->write_seq)
			break;
		/* Our FIN is acknowledged. */
		tcp_set_state(sk, TCP_FIN_WAIT2);
		sk->sk_shutdown |= SEND_SHUTDOWN;
		if (!sock_flag(sk, SOCK_DEAD)) {
			sk->sk_state_change(sk);
			break;
		}
		{
			int linger2 = tp->linger2 ? tp->linger2
						  : (int)stack->sysctl.tcp_fin_timeout;
			uint32_t tmo = (uint32_t)linger2 * 1000;
			if (tp->linger2 < 0) {
				tcp_done(sk);
				NET_INC_STATS(stack, LINUX_MIB_TCPABORTONDATA);
				return 1;
			}
			if (tcb->end_seq != tcb->seq &&
			    after(tcb->end_seq - !!(th->flags & TCPHDR_FIN), tp->rcv_nxt)) {
				/* data after close: RFC 1122 4.2.2.13 */
				tcp_done(sk);
				NET_INC_STATS(stack, LINUX_MIB_TCPABORTONDATA);
				return 1;
			}
			if (tmo > TCP_TIMEWAIT_LEN_MS) {
				inet_csk_reset_keepalive_timer(sk, tmo - TCP_TIMEWAIT_LEN_MS);
			} else if (th->flags & TCPHDR_FIN) {
				/* The FIN is processed below; wait for it. */
				inet_csk_reset_keepalive_timer(sk, tmo);
			} else {
				tcp_time_wait(sk, TCP_FIN_WAIT2, tmo);
				goto discard;
			}
		}
		break;
	case TCP_CLOSING:
		if (tp->snd_una == tp->write_seq) {
			tcp_time_wait(sk, TCP_TIME_WAIT, 0);
			goto discard;
		}
		break;
	case TCP_LAST_ACK:
		if (tp->snd_una == tp->write_seq) {
			tcp_done(sk);
			goto discard;
		}
		break;
	}

	/* sixth: the URG bit */
	tcp_urg(sk, skb, th);

	/* seventh: the data */
	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (!before(tcb->seq, tp->rcv_nxt))
			goto discard_keep_state;
		fallthrough;
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
		/* RFC 1122 4.2.2.13: new data once reading is shut down
		 * resets the connection. As Linux, whatever shut reading:
		 * close, shutdown(SHUT_RD), or the peer's own FIN (then the
		 * data lies beyond the end of the stream, which the
		 * application has been told of already). */
		if ((sk->sk_shutdown & RCV_SHUTDOWN) && tcb->end_seq != tcb->seq &&
		    after(tcb->end_seq - !!(th->flags & TCPHDR_FIN), tp->rcv_nxt)) {
			NET_INC_STATS(stack, LINUX_MIB_TCPABORTONDATA);
			tcp_reset(sk);
			return 1;
		}
		fallthrough;
	case TCP_ESTABLISHED:
		tcp_data_queue(sk, skb);
		skb = NULL;
		break;
	default:
		goto discard_keep_state;
	}

	if (sk->sk_state != TCP_CLOSE) {
		tcp_data_snd_check(sk);
		tcp_ack_snd_check(sk);
	}
	return 0;

discard_keep_state:
	if (sk->sk_state != TCP_CLOSE) {
		tcp_data_snd_check(sk);
		tcp_ack_snd_check(sk);
	}
discard:
	kfree_skb(skb);
	return 0;
}

void tcp_simple_retransmit(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t mss = tcp_current_mss(sk);
	struct sk_buff *s;

	/* As Linux's: each wire segment's length against tcp_current_mss; a
	 * segment that no longer fits the path was dropped on it.
	 * tcp_mark_skb_lost leaves SACKed ones alone and takes a dropped
	 * retransmission off retrans_out. */
	/* A Fast Open SYN went as one segment with its data, but they are
	 * two buffers here: being told it was too big, take both as lost
	 * (Linux). */
	bool syn_data = tp->tfo.syn_data && sk->sk_state == TCP_SYN_SENT;

	skb_rbtree_walk(s, &tp->tcp_rtx_queue) {
		if (syn_data || tcp_skb_seglen(s) > mss)
			tcp_mark_skb_lost(sk, s);
	}
	if (!tp->lost_out)
		return;
	if (tcp_is_reno(tp))
		tcp_limit_reno_sacked(tp);

	/* Not congestion (RFC 1191 section 6.4; Linux's
	 * tcp_simple_retransmit): the same data is in flight in smaller
	 * units, so cwnd stays. */
	tcp_non_congestion_loss_retransmit(sk);
}

/* Resends what is marked lost without calling it congestion (Linux's
 * tcp_non_congestion_loss_retransmit, for a smaller path MTU and for Fast
 * Open's SYN data the peer did not take): in Loss the ACKs that follow
 * send the rest of the lost segments instead of starting a fast recovery
 * that would cut cwnd; ssthresh is where the congestion module would
 * restore it, and with no undo_marker the episode is never undone, for
 * the drops were real. */
void tcp_non_congestion_loss_retransmit(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (inet_csk(sk)->icsk_ca_state != TCP_CA_Loss) {
		tp->high_seq = tp->snd_nxt;
		tp->snd_ssthresh = tcp_current_ssthresh(sk);
		tp->prior_ssthresh = 0;
		tp->undo_marker = 0;
		tcp_set_ca_state(sk, TCP_CA_Loss);
	}
	tcp_xmit_retransmit_queue(sk);
}
