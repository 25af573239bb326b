/* Proportional rate reduction (RFC 6937, Linux's tcp_cwnd_reduction): in
 * fast recovery the window comes down to ssthresh gradually, each ACK
 * letting out ssthresh/prior_cwnd of what it reports delivered, instead
 * of stopping all sending until enough has drained and then sending a
 * burst. The peer's ACKs are written by hand (ackinject.h). */
#include "ackinject.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

static uint64_t out_segs(struct flight *f)
{
	return tw_counter(f->w.c, "Tcp", "OutSegs");
}

/* SACKs segments 1..upto and returns how many segments the ACK let out. */
static uint64_t sack_upto(struct flight *f, unsigned upto)
{
	uint64_t before = out_segs(f);
	struct ack_block b = flight_segs(f, 1, upto + 1);

	flight_ack_later(f, 0, 0, &b, 1);
	return out_segs(f) - before;
}

TEST(fast_recovery_sends_half_a_segment_per_segment_delivered_then_holds_ssthresh_in_flight)
{
	struct flight f;
	flight_setup(&f, 21, 20);
	struct tcp_sock *tp = f.tp;

	/* three SACKed: segment 0 lost, Recovery, ssthresh 5 of 10; PRR
	 * lets ceil(5 * 3 / 10) = 2 go: the retransmission and one new */
	CHECK_EQ(sack_upto(&f, 3), 2);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(tp->snd_ssthresh, 5);
	CHECK_EQ(tp->prior_cwnd, 10);
	CHECK_EQ(tp->prr_out, 2);
	/* then one segment per two delivered while more than ssthresh is
	 * in flight (ceil(5 * 4 / 10) = 2 sent in all, ceil(5 * 5 / 10) = 3) */
	CHECK_EQ(sack_upto(&f, 4), 0);
	CHECK_EQ(sack_upto(&f, 5), 1);
	CHECK_EQ(sack_upto(&f, 6), 0);
	/* in flight down to ssthresh: held there (RFC 6937's slow-start
	 * reduction bound), each delivery replaced once below it */
	CHECK_EQ(sack_upto(&f, 7), 0);
	CHECK_EQ(tcp_packets_in_flight(tp), 5);
	CHECK_EQ(sack_upto(&f, 8), 1);
	CHECK_EQ(tcp_packets_in_flight(tp), 5);
	CHECK_EQ(tp->prr_delivered, 8);
	CHECK_EQ(tp->prr_out, 4);
	flight_done(&f);
}

TEST(a_recovery_ends_with_cwnd_at_ssthresh_once_its_high_seq_is_acknowledged)
{
	struct flight f;
	flight_setup(&f, 22, 20);
	struct tcp_sock *tp = f.tp;

	CHECK_EQ(sack_upto(&f, 3), 2);
	uint32_t high_seq = tp->high_seq;
	CHECK(high_seq == f.una + 10 * f.mss);
	/* everything up to high_seq acknowledged: Recovery is over, cwnd
	 * is ssthresh, and grows from there by congestion avoidance */
	flight_ack_later(&f, high_seq, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK_EQ(tp->snd_ssthresh, 5);
	CHECK(tp->snd_cwnd >= 5 && tp->snd_cwnd <= 7);
	flight_done(&f);
}
