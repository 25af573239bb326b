/* Delivery-rate estimation (Linux's net/ipv4/tcp_rate.c, after the IETF
 * draft "Delivery Rate Estimation", draft-cheng-iccrg-delivery-rate-
 * estimation): every ACK yields a sample of how many segments the network
 * delivered over how long, for congestion modules that steer by rate
 * (BBR) and for tcpi_delivery_rate.
 *
 * Each segment remembers, when sent, how much had been delivered until
 * then (tp->delivered) and when the last delivery happened. When it is
 * ACKed or SACKed, the difference gives the segments delivered during its
 * round trip, over the longer of two intervals: the time the sender took
 * to send the flight it belongs to (send phase) and the time the ACKs took
 * to come back for it (ACK phase). Taking the longer one keeps ACK
 * compression, and bursts sent faster than the bottleneck drains them,
 * from inflating the estimate.
 *
 * A sender that has nothing to send is application-limited: a sample from
 * such a stretch measures the application, not the path, and is marked
 * so that a module does not mistake it for the path's bandwidth. */
#include "net/tcp.h"

/* A segment is being sent (new or retransmitted): it carries the
 * connection's delivery state with it. With nothing in flight the flight
 * starts now, so the sample of its first ACK spans exactly this send and
 * that ACK. */
void tcp_rate_skb_sent(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *scb = TCP_SKB_CB(skb);

	if (!tp->packets_out) {
		uint64_t tstamp_us = scb->sent_ns / NSEC_PER_USEC;
		tp->first_tx_mstamp = tstamp_us;
		tp->delivered_mstamp = tstamp_us;
	}
	scb->first_tx_mstamp = tp->first_tx_mstamp;
	scb->delivered_mstamp = tp->delivered_mstamp;
	scb->delivered = tp->delivered;
	scb->is_app_limited = tp->app_limited ? 1 : 0;
}

/* t1/seq1 was sent after t2/seq2: later, or at the same instant and
 * further in sequence (Linux's tcp_skb_sent_after). */
static bool tcp_skb_sent_after(uint64_t t1, uint64_t t2, uint32_t seq1, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && after(seq1, seq2));
}

/* skb was ACKed or SACKed by the ACK being processed. The sample is taken
 * from the most recently sent of the segments this ACK delivers: its
 * flight is the newest the ACK tells about. A SACKed segment counts once:
 * its delivered_mstamp is cleared so the cumulative ACK that later covers
 * it is no sample again. */
void tcp_rate_skb_delivered(struct sock *sk, struct sk_buff *skb, struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_skb_cb *scb = TCP_SKB_CB(skb);
	uint64_t tx_tstamp;

	if (!scb->delivered_mstamp)
		return;
	tx_tstamp = scb->sent_ns / NSEC_PER_USEC;
	if (!rs->prior_delivered ||
	    tcp_skb_sent_after(tx_tstamp, tp->first_tx_mstamp, scb->end_seq, rs->last_end_seq)) {
		rs->prior_delivered = scb->delivered;
		rs->prior_mstamp = scb->delivered_mstamp;
		rs->is_app_limited = scb->is_app_limited;
		rs->is_retrans = (scb->sacked & TCPCB_EVER_RETRANS) != 0;
		rs->last_end_seq = scb->end_seq;
		/* The flight that follows starts with this segment's send. */
		tp->first_tx_mstamp = tx_tstamp;
		/* The send phase: from the first send of its flight to it. */
		rs->interval_us = (int64_t)(tx_tstamp - scb->first_tx_mstamp);
	}
	if (scb->sacked & TCPCB_SACKED_ACKED)
		scb->delivered_mstamp = 0;
}

/* The sample of one ACK, once it has been processed: delivered segments
 * newly ACKed or SACKed, lost newly marked lost. rs->delivered and
 * rs->interval_us are -1 when the ACK gives no valid sample. */
void tcp_rate_gen(struct sock *sk, uint32_t delivered, uint32_t lost, bool is_sack_reneg,
		  struct rate_sample *rs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int64_t snd_us, ack_us;

	/* The app-limited stretch ends once what was in flight when it
	 * began has been delivered. */
	if (tp->app_limited && after(tp->delivered, tp->app_limited))
		tp->app_limited = 0;
	if (delivered)
		tp->delivered_mstamp = tp->tcp_mstamp;
	rs->acked_sacked = delivered;
	rs->losses = (int)lost;
	/* No timing information, or SACKs were reneged: what they had said
	 * delivered may not have been. */
	if (!rs->prior_mstamp || is_sack_reneg) {
		rs->delivered = -1;
		rs->interval_us = -1;
		return;
	}
	rs->delivered = (int32_t)(tp->delivered - rs->prior_delivered);
	rs->delivered_ce = (int32_t)(tp->delivered_ce - rs->prior_delivered_ce);
	snd_us = rs->interval_us;
	ack_us = (int64_t)(tp->tcp_mstamp - rs->prior_mstamp);
	rs->interval_us = MAX(snd_us, ack_us);
	rs->snd_interval_us = (uint32_t)snd_us;
	rs->rcv_interval_us = (uint32_t)ack_us;
	/* An interval under the min RTT cannot be right: a segment cannot
	 * be delivered and ACKed faster than a round trip. It happens when a
	 * spurious retransmission is ACKed for the original. */
	if (rs->interval_us < (int64_t)tcp_min_rtt(tp)) {
		rs->interval_us = -1;
		return;
	}
	/* Keep the last sample that was not app-limited, or an app-limited
	 * one that shows more than the one kept (it is a lower bound). */
	if (!rs->is_app_limited ||
	    (uint64_t)rs->delivered * tp->rate_interval_us >=
		    (uint64_t)tp->rate_delivered * (uint64_t)rs->interval_us) {
		tp->rate_delivered = (uint32_t)rs->delivered;
		tp->rate_interval_us = (uint32_t)rs->interval_us;
		tp->rate_app_limited = rs->is_app_limited;
	}
}

/* Called when the application sends: if the sender is about to run dry
 * (less than a segment unsent, the window not the limit, every lost
 * segment retransmitted), what is in flight now marks the end of an
 * app-limited stretch. Linux also asks that nothing of the socket waits in
 * a qdisc or the device; usertcp has no qdisc and its devices send at
 * once, so that holds. */
void tcp_rate_check_app_limited(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (tp->write_seq - tp->snd_nxt < tp->mss_cache &&
	    tcp_packets_in_flight(tp) < tcp_snd_cwnd(tp) && tp->lost_out <= tp->retrans_out) {
		uint32_t mark = tp->delivered + tcp_packets_in_flight(tp);
		tp->app_limited = mark ? mark : 1;
	}
}
