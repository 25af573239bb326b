/* Undoing a window reduction that proves spurious, as Linux's
 * tcp_try_undo_*: by D-SACKs reporting every retransmission a duplicate
 * (RFC 3708), by an echoed timestamp older than the first retransmission
 * (RFC 3522), and after a timeout by F-RTO (RFC 5682); and the timeout
 * that follows SACK reneging. The peer's ACKs are written by hand
 * (ackinject.h): segment 0 of a ten-segment flight is thought lost when
 * 1..3 are SACKed, then shown not to have been. */
#include "ackinject.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

TEST(a_dsack_of_the_only_retransmission_undoes_the_reduction)
{
	struct flight f;
	flight_recover(&f, 31, 20);
	struct tcp_sock *tp = f.tp;

	/* the original of segment 0 arrives late: the whole flight is
	 * acknowledged, Recovery ends with cwnd at ssthresh */
	flight_ack_later(&f, f.una + 10 * f.mss, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK(tp->snd_cwnd < 10);
	CHECK_EQ(tp->undo_retrans, 1);
	/* then the retransmission, which the peer reports as a duplicate:
	 * no retransmission was needed, the reduction is taken back */
	struct ack_block d = flight_segs(&f, 0, 1);
	tw_inject_ack(&f.w, f.c, f.una + 10 * f.mss, 0, &d, 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKRecv"), 1);
	CHECK_EQ(tp->undo_retrans, 0);
	CHECK_EQ(flight_ext(&f, "TCPDSACKUndo"), 1);
	CHECK_EQ(tp->snd_cwnd, 10);
	CHECK_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	flight_done(&f);
}

TEST(a_timestamp_older_than_the_retransmission_undoes_the_recovery_at_its_end)
{
	struct flight f;
	flight_recover(&f, 32, 20);
	struct tcp_sock *tp = f.tp;
	uint32_t tsval0 = tw_client_tsval_at(&f.w, f.c, f.sent_ns);

	/* an ACK of everything echoing the first transmission's TSval: the
	 * original of segment 0 got there, the retransmission was not
	 * needed (Eifel detection) */
	CHECK(tp->retrans_stamp > tsval0 - tp->tsoffset);
	flight_ack_later(&f, tp->snd_nxt, tsval0, NULL, 0);
	CHECK_EQ(flight_ext(&f, "TCPFullUndo"), 1);
	CHECK(tp->snd_cwnd >= 10);
	CHECK_EQ(tp->snd_ssthresh, TCP_INFINITE_SSTHRESH);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	flight_done(&f);
}

TEST(a_partial_ack_of_an_original_undoes_once_no_retransmission_is_out)
{
	struct flight f;
	flight_recover(&f, 33, 20);
	struct tcp_sock *tp = f.tp;
	uint32_t tsval0 = tw_client_tsval_at(&f.w, f.c, f.sent_ns);

	/* 0..3 acknowledged, echoing the original: segment 0 was only
	 * reordered, four segments deep */
	flight_ack_later(&f, f.una + 4 * f.mss, tsval0, NULL, 0);
	CHECK_EQ(flight_ext(&f, "TCPPartialUndo"), 1);
	CHECK_EQ(flight_ext(&f, "TCPTSReorder"), 1);
	CHECK_EQ(tp->reordering, 4);
	CHECK(tp->snd_cwnd >= 10);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	flight_done(&f);
}

TEST(without_proof_a_recovery_is_not_undone)
{
	struct flight f;
	flight_recover(&f, 34, 20);
	struct tcp_sock *tp = f.tp;

	/* an ACK of everything echoing nothing older than the
	 * retransmission: the reduction stands */
	flight_ack_later(&f, tp->snd_nxt, 0, NULL, 0);
	CHECK_EQ(flight_ext(&f, "TCPFullUndo"), 0);
	CHECK_EQ(tp->snd_ssthresh, 5);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	flight_done(&f);
}

TEST(frto_finds_a_timeout_spurious_when_data_never_retransmitted_is_acknowledged)
{
	struct flight f;
	flight_setup(&f, 35, 20);
	struct tcp_sock *tp = f.tp;

	/* no ACK at all: the loss probe, then the RTO */
	tw_run(&f.w, 330 * MS);
	CHECK_EQ(flight_ext(&f, "TCPLossProbes"), 1);
	CHECK_EQ(flight_ext(&f, "TCPTimeouts"), 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Loss);
	CHECK_EQ(tp->snd_cwnd, 1);
	CHECK(tp->frto);
	uint32_t nxt = tp->snd_nxt;
	/* the ACK of the retransmitted head: F-RTO sends new data, not
	 * more retransmissions (RFC 5682 3.1 step 2.b) */
	tw_inject_ack(&f.w, f.c, f.una + f.mss, 0, NULL, 0);
	CHECK(after(tp->snd_nxt, nxt));
	/* the probe was new data: the RTO's head is the one retransmission */
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 1);
	/* the next ACK covers segment 1, sent once: the timeout was
	 * spurious (step 3.b) and is undone */
	tw_inject_ack(&f.w, f.c, f.una + 2 * f.mss, 0, NULL, 0);
	CHECK_EQ(flight_ext(&f, "TCPSpuriousRTOs"), 1);
	CHECK_EQ(flight_ext(&f, "TCPLossUndo"), 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK(tp->snd_cwnd >= 10);
	CHECK_EQ(tp->lost_out, 0);
	flight_done(&f);
}

TEST(an_ack_stopping_at_a_sacked_segment_brings_the_timeout_forward_and_forgets_the_sacks)
{
	struct flight f;
	flight_setup(&f, 36, 10);
	struct tcp_sock *tp = f.tp;

	struct ack_block b = flight_segs(&f, 1, 10);
	flight_ack_later(&f, 0, 0, &b, 1);
	CHECK_EQ(tp->sacked_out, 9);
	/* segment 0 acknowledged, and the ACK stops at SACKed segment 1:
	 * the peer threw away what it had SACKed */
	tw_inject_ack(&f.w, f.c, f.una + f.mss, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_pending, ICSK_TIME_RETRANS);
	/* the timeout at max(srtt/2, 10 ms), not the RTO's 200 ms and more */
	tw_run(&f.w, 30 * MS);
	CHECK_EQ(flight_ext(&f, "TCPSACKReneging"), 1);
	CHECK_EQ(flight_ext(&f, "TCPTimeouts"), 1);
	CHECK_EQ(tp->sacked_out, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Loss);
	flight_done(&f);
}
