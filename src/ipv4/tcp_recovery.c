/* Loss detection by time: RACK (RFC 8985, Linux's net/ipv4/tcp_recovery.c),
 * and NewReno's head-of-queue marking for connections without SACK.
 *
 * RACK remembers the most recently sent segment the peer has delivered
 * (acknowledged or SACKed) and its RTT. A segment sent before it and not
 * delivered within that RTT plus a reordering window is lost. The window
 * is a quarter of the min RTT, widened in steps when D-SACKs show RACK
 * was too quick, and 0 when no reordering has been seen and recovery is
 * under way or dupthresh segments are SACKed. Segments that may still
 * arrive arm the reorder timer, which shares the retransmit timer's slot
 * as in Linux. */
#include <inttypes.h>
#include <stdio.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

/* A segment stamped t1, the o1-th transmission, was sent after one
 * stamped t2, the o2-th. Linux breaks a tie of stamps by sequence
 * (tcp_skb_sent_after), which is the order of sending within one of its
 * bursts, new data going out after the retransmissions of the same ACK.
 * Here the clock is read once a batch of frames, and a retransmission
 * sent for a later ACK of the batch shares its stamp with new data sent
 * for an earlier one: by sequence the new data would look the later,
 * and once it was delivered the retransmission, still in flight behind
 * it, would be marked lost (a D-SACK then says it was not). The order of
 * transmission breaks the tie instead (RFC 8985 6.2's "sent after" is
 * about time), and sequence only within one transmission: the parts of
 * one buffer, split since, left in sequence order. */
static bool tcp_skb_sent_after(uint64_t t1, uint64_t t2, uint32_t o1, uint32_t o2, uint32_t seq1,
			       uint32_t seq2)
{
	uint32_t d = (o1 - o2) & TCP_TX_ORDER_MASK;

	if (t1 != t2)
		return t1 > t2;
	if (d)
		return d <= TCP_TX_ORDER_MASK / 2;
	return after(seq1, seq2);
}

/* The reordering window in us (RFC 8985 6.2 step 4; Linux's
 * tcp_rack_reo_wnd). */
static uint32_t tcp_rack_reo_wnd(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint64_t wnd;

	if (!tp->reord_seen) {
		/* No reordering seen: in recovery, or with dupthresh
		 * segments SACKed, mark at once. */
		if (inet_csk(sk)->icsk_ca_state >= TCP_CA_Recovery)
			return 0;
		if (tp->sacked_out >= tp->reordering &&
		    !(sk->sk_stack->sysctl.tcp_recovery & TCP_RACK_NO_DUPTHRESH))
			return 0;
	}
	/* min_rtt/4 per step: reordering is a property of the path, so the
	 * min RTT, not the smoothed one with its queueing, measures it.
	 * Never more than srtt. */
	wnd = (uint64_t)(tcp_min_rtt(tp) >> 2) * tp->rack.reo_wnd_steps;
	return (uint32_t)MIN(wnd, (uint64_t)(tp->srtt_us >> 3));
}

int32_t tcp_rack_skb_timeout(struct tcp_sock *tp, const struct sk_buff *skb, uint32_t reo_wnd,
			     uint64_t now_ns)
{
	int64_t elapsed_us = (int64_t)(now_ns - TCP_SKB_CB(skb)->sent_ns) / 1000;

	return (int32_t)((int64_t)tp->rack.rtt_us + reo_wnd - elapsed_us);
}

/* Tells a trace why RACK marked skb lost, in time: how long before the
 * last delivered segment it was sent. */
static void tcp_rack_trace_lost(struct sock *sk, const struct sk_buff *skb, bool was_retrans)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint64_t early_us = (tp->rack.mstamp - TCP_SKB_CB(skb)->sent_ns) / 1000;
	char when[48], why[160];

	if (!trace_enabled(sk->sk_stack))
		return;
	if (early_us)
		snprintf(when, sizeof(when), "%" PRIu64 ".%01" PRIu64 " ms before", early_us / 1000,
			 early_us % 1000 / 100);
	else
		snprintf(when, sizeof(when), "just ahead of"); /* same burst */
	if (was_retrans)
		snprintf(why, sizeof(why),
			 "its retransmission, sent %s the last delivered one, was lost too (RACK)",
			 when);
	else
		snprintf(why, sizeof(why), "sent %s the last delivered one (RACK)", when);
	trace_tcp_mark_lost(sk, skb, why);
}

/* The segments one pass of tcp_rack_detect_loss marked, first to last
 * by sequence, told to the trace in sequence order, as the queue was
 * walked before the walk followed send time. Only while tracing: O(the
 * segments from first to last). */
static void tcp_rack_trace_marked(struct sock *sk, struct sk_buff *first,
				  const struct sk_buff *last)
{
	for (struct sk_buff *skb = first; skb; skb = skb_rb_next(skb)) {
		struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
		if (tcb->rack_marked) {
			tcp_rack_trace_lost(sk, skb, tcb->rack_was_retrans);
			tcb->rack_marked = tcb->rack_was_retrans = 0;
		}
		if (skb == last)
			break;
	}
}

/* RFC 8985 6.2 step 5: every segment sent before the last delivered one
 * and outstanding longer than its RTT plus the window is lost; for the
 * others, *reo_timeout gets the longest wait, in us. A retransmission
 * counts by its own sent time, so a lost retransmission is found the
 * same way. The walk follows the send-time list (tsorted_sent_queue, as
 * Linux), SACKed segments already off it, and stops at the first segment
 * sent after the last delivered one: everything later was sent later.
 * Segments sent in the same instant as it are still judged, since
 * tcp_skb_sent_after breaks that tie by the order of transmission. */
static void tcp_rack_detect_loss(struct sock *sk, uint32_t *reo_timeout)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint64_t now = stack_now(sk->sk_stack);
	uint32_t reo_wnd = tcp_rack_reo_wnd(sk);
	bool tracing = trace_enabled(sk->sk_stack);
	struct sk_buff *skb, *n, *first = NULL, *last = NULL;

	*reo_timeout = 0;
	list_for_each_entry_safe(skb, n, &tp->tsorted_sent_queue, tcp_tsorted_anchor) {
		struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
		int32_t remaining;

		if (tcb->sent_ns > tp->rack.mstamp)
			break;
		/* marked lost, not yet retransmitted: nothing to learn */
		if ((tcb->sacked & TCPCB_LOST) && !(tcb->sacked & TCPCB_SACKED_RETRANS))
			continue;
		if (!tcp_skb_sent_after(tp->rack.mstamp, tcb->sent_ns, tp->rack.tx_order,
					tcb->tx_order, tp->rack.end_seq, tcb->end_seq))
			continue;
		remaining = tcp_rack_skb_timeout(tp, skb, reo_wnd, now);
		if (remaining <= 0) {
			bool was_retrans = tcb->sacked & TCPCB_SACKED_RETRANS;
			tcp_mark_skb_lost(sk, skb);
			if (tracing) {
				tcb->rack_marked = 1;
				tcb->rack_was_retrans = was_retrans;
				if (!first || before(tcb->seq, TCP_SKB_CB(first)->seq))
					first = skb;
				if (!last || after(tcb->seq, TCP_SKB_CB(last)->seq))
					last = skb;
			}
		} else if ((uint32_t)remaining > *reo_timeout) {
			*reo_timeout = (uint32_t)remaining;
		}
	}
	if (first)
		tcp_rack_trace_marked(sk, first, last);
}

bool tcp_rack_mark_lost(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t timeout;

	if (!tp->rack.advanced)
		return false;
	tp->rack.advanced = false; /* no new delivery, nothing new to find */
	tcp_rack_detect_loss(sk, &timeout);
	if (timeout) {
		uint32_t ms = (timeout + 999) / 1000 + TCP_TIMEOUT_MIN_MS;
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_REO_TIMEOUT,
					  MIN(ms, inet_csk(sk)->icsk_rto));
	}
	return timeout != 0;
}

/* RFC 8985 6.2 steps 1-2: a delivered segment moves RACK forward if it
 * was sent later than the one it holds. A retransmission delivered
 * sooner than the min RTT after it was sent cannot be what the peer
 * answered: the original was (Linux's rule, RFC 8985 6.2 step 2), so it
 * is ignored. */
void tcp_rack_advance(struct tcp_sock *tp, uint8_t sacked, uint32_t end_seq, uint32_t tx_order,
		      uint64_t xmit_ns, uint64_t now_ns)
{
	uint32_t rtt_us = (uint32_t)((now_ns - xmit_ns) / 1000);

	if (rtt_us < tcp_min_rtt(tp) && (sacked & TCPCB_RETRANS))
		return;
	tp->rack.advanced = true;
	tp->rack.rtt_us = rtt_us;
	if (tcp_skb_sent_after(xmit_ns, tp->rack.mstamp, tx_order, tp->rack.tx_order, end_seq,
			       tp->rack.end_seq)) {
		tp->rack.mstamp = xmit_ns;
		tp->rack.end_seq = end_seq;
		tp->rack.tx_order = tx_order;
	}
}

/* The reorder timer (RFC 8985 6.3): what was waiting has waited long
 * enough. Losses found start recovery, as an ACK would. */
void tcp_rack_reo_timeout(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t timeout, prior_inflight = tcp_packets_in_flight(tp);
	uint32_t lost = tp->lost;

	trace_tcp_event(sk, UT_TP_TIMER, "RACK reorder timeout");
	tcp_rack_detect_loss(sk, &timeout);
	if (prior_inflight != tcp_packets_in_flight(tp)) {
		if (inet_csk(sk)->icsk_ca_state != TCP_CA_Recovery) {
			tcp_enter_recovery(sk, false);
			if (!inet_csk(sk)->icsk_ca_ops->cong_control)
				tcp_cwnd_reduction(sk, 1, (int)(tp->lost - lost), 0);
		}
		tcp_xmit_retransmit_queue(sk);
	}
	if (inet_csk(sk)->icsk_pending != ICSK_TIME_RETRANS)
		tcp_rearm_rto(sk);
}

/* RFC 8985 6.2 step 4: D-SACKs mean RACK marked segments that were only
 * late. The window grows one step (a quarter of min_rtt) per round trip
 * with D-SACKs, and goes back to one step after TCP_RACK_RECOVERY_THRESH
 * recoveries without them. "A round trip" is judged by sequence here:
 * a D-SACK arriving before data sent after the last widening was
 * delivered belongs to the same round (Linux compares delivery counts
 * of its rate sample). delivered: this ACK delivered something. */
void tcp_rack_update_reo_wnd(struct sock *sk, bool delivered)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if ((sk->sk_stack->sysctl.tcp_recovery & TCP_RACK_STATIC_REO_WND) || !delivered)
		return;
	if (tp->rack.dsack_seen && tp->rack.last_delivered_seq &&
	    !after(tp->rack.end_seq, tp->rack.last_delivered_seq))
		tp->rack.dsack_seen = false;
	if (tp->rack.dsack_seen) {
		tp->rack.reo_wnd_steps = (uint8_t)MIN(0xffu, tp->rack.reo_wnd_steps + 1u);
		tp->rack.dsack_seen = false;
		tp->rack.last_delivered_seq = tp->snd_nxt;
		tp->rack.reo_wnd_persist = TCP_RACK_RECOVERY_THRESH;
	} else if (!tp->rack.reo_wnd_persist) {
		tp->rack.reo_wnd_steps = 1;
	}
}

/* Without SACK, NewReno (RFC 6582): the head is lost once dupthresh
 * duplicate ACKs arrived outside recovery, or on a partial ACK in it. */
void tcp_newreno_mark_lost(struct sock *sk, bool snd_una_advanced)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint8_t state = inet_csk(sk)->icsk_ca_state;

	if ((state < TCP_CA_Recovery && tp->sacked_out >= tp->reordering) ||
	    (state == TCP_CA_Recovery && snd_una_advanced)) {
		struct sk_buff *skb = tcp_rtx_queue_head(sk);
		uint32_t mss;
		if (!skb || (TCP_SKB_CB(skb)->sacked & TCPCB_LOST))
			return;
		mss = tcp_skb_mss(skb);
		/* Only the first segment of a buffer is the hole the
		 * duplicate ACKs point at: cut it off (Linux's
		 * tcp_newreno_mark_lost). */
		if (tcp_skb_pcount(skb) > 1 && skb->len > mss &&
		    tcp_fragment(sk, TCP_FRAG_IN_RTX_QUEUE, skb, mss, mss, GFP_ATOMIC))
			return;
		tcp_mark_skb_lost(sk, skb);
		trace_tcp_mark_lost(sk, skb,
				    state < TCP_CA_Recovery
					    ? "duplicate ACKs reached dupthresh (NewReno)"
					    : "a partial ACK left it the next hole (NewReno)");
	}
}
