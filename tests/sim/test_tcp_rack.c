/* RACK (RFC 8985) loss detection, as Linux's tcp_recovery.c: segments are
 * judged lost by time (sent before one the peer delivered, and not
 * delivered within its RTT plus the reordering window), by the reorder
 * timer for those that may still arrive, lost retransmissions included;
 * reordering seen raises tp->reordering and D-SACKs widen the window.
 *
 * The link is taken down after the handshake, the client sends, and the
 * peer's ACKs are written by hand (ackinject.h), each 20 ms after the data
 * it answers: min_rtt is 20 ms and the reordering window 5 ms. */
#include <string.h>

#include "ackinject.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

/* The peer's answer, an RTT (20 ms) after what it answers: nothing
 * acknowledged, these blocks SACKed. */
static void sack_later(struct flight *r, const struct ack_block *b, unsigned n)
{
	flight_ack_later(r, 0, 0, b, n);
}

static uint64_t retrans(struct flight *r)
{
	return tw_counter(r->w.c, "Tcp", "RetransSegs");
}

TEST(one_sacked_segment_marks_the_earlier_ones_lost_when_the_reordering_window_has_passed)
{
	struct flight r;
	flight_setup(&r, 1, 10);
	struct tcp_sock *tp = r.tp;

	/* the last segment arrives an RTT later: the nine before it may be
	 * reordered, for min_rtt/4 more */
	struct ack_block b = flight_segs(&r, 9, 10);
	sack_later(&r, &b, 1);
	CHECK_EQ(tp->sacked_out, 1);
	CHECK_EQ(tp->lost_out, 0);
	CHECK_EQ(tp->inet_conn.icsk_pending, ICSK_TIME_REO_TIMEOUT);
	CHECK_EQ(retrans(&r), 0);
	/* the reorder timer: 5 ms and the 2 ms timer minimum */
	tw_run(&r.w, 8 * MS);
	CHECK_EQ(tp->lost_out, 9);
	/* each buffer marked is told in the trace (Linux marks whole
	 * buffers, their segments counted in lost_out): the nine segments */
	uint32_t lost_bytes = 0;
	for (unsigned i = 0; i < r.w.nev; i++)
		if (r.w.ev[i].host == 0 && r.w.ev[i].type == UT_TP_TCP_MARK_LOST)
			lost_bytes += r.w.ev[i].len;
	CHECK_EQ(lost_bytes, 9 * tp->mss_cache);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPSackRecovery"), 1);
	CHECK(retrans(&r) >= 1);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPTimeouts"), 0);
	flight_done(&r);
}

TEST(three_sacked_segments_mark_the_hole_lost_at_once_when_no_reordering_was_seen)
{
	struct flight r;
	flight_setup(&r, 2, 10);
	struct tcp_sock *tp = r.tp;

	struct ack_block b = flight_segs(&r, 1, 4);
	sack_later(&r, &b, 1);
	/* dupthresh reached: no reordering window, the head is lost now;
	 * the segments sent after the SACKed ones are not judged yet */
	CHECK_EQ(tp->lost_out, 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(retrans(&r), 1);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPFastRetrans"), 1);
	flight_done(&r);
}

TEST(a_lost_retransmission_is_found_by_rack_and_sent_again_without_a_timeout)
{
	struct flight r;
	flight_setup(&r, 3, 20);
	struct tcp_sock *tp = r.tp;

	struct ack_block b = flight_segs(&r, 1, 4);
	sack_later(&r, &b, 1);
	CHECK_EQ(retrans(&r), 1);		  /* segment 0 again */
	CHECK(tp->snd_nxt == r.una + 11 * r.mss); /* and segment 10, new */
	/* an RTT later segment 10, sent after the retransmission, is
	 * SACKed but segment 0 is not: the retransmission was lost too */
	struct ack_block b2[2] = {flight_segs(&r, 10, 11), flight_segs(&r, 1, 4)};
	sack_later(&r, b2, 2);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPLostRetransmit"), 1);
	CHECK(TCP_SKB_CB(skb_rb_first(&tp->tcp_rtx_queue))->sacked & TCPCB_SACKED_RETRANS);
	CHECK(retrans(&r) >= 2);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPTimeouts"), 0);
	flight_done(&r);
}

TEST(a_retransmission_sent_after_new_data_of_the_same_instant_is_not_lost_when_that_data_arrives)
{
	struct flight r;
	flight_setup(&r, 1, 20);
	struct tcp_sock *tp = r.tp;
	uint32_t una2 = r.una + 2 * r.mss;
	struct ack_block sack = flight_segs(&r, 3, 10);

	/* Two ACKs read in one batch, under one clock reading: the first
	 * frees room and new data (segments 10 on) goes out, the second
	 * SACKs 3 to 9 and segment 2 is retransmitted, after that data but
	 * with the same time stamp. */
	tw_run(&r.w, 20 * MS);
	tw_inject_ack(&r.w, r.c, una2, 0, NULL, 0);
	CHECK(after(tp->snd_nxt, r.una + 10 * r.mss));
	uint32_t new_end = tp->snd_nxt;
	tw_inject_ack(&r.w, r.c, una2, 0, &sack, 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(retrans(&r), 1);
	/* The new data arrives and is SACKed before the retransmission,
	 * which left after it: the retransmission is still on its way, not
	 * lost. (Ordered by sequence, as Linux breaks a tie of stamps, the
	 * new data would count as the later, and the retransmission would
	 * be sent again, a D-SACK later saying it was not lost.) */
	tw_run(&r.w, 10 * MS);
	struct ack_block all = {sack.start, new_end};
	tw_inject_ack(&r.w, r.c, una2, 0, &all, 1);
	CHECK_EQ(flight_ext(&r, "TCPLostRetransmit"), 0);
	CHECK_EQ(retrans(&r), 1);
	tw_inject_ack(&r.w, r.c, new_end, 0, NULL, 0);
	CHECK_EQ(tp->snd_una, new_end);
	flight_done(&r);
}

TEST(a_hole_filled_by_an_original_transmission_raises_the_reordering_degree)
{
	struct flight r;
	flight_setup(&r, 4, 10);
	struct tcp_sock *tp = r.tp;

	CHECK_EQ(tp->reordering, 3);
	struct ack_block b = flight_segs(&r, 3, 5);
	sack_later(&r, &b, 1);
	/* segment 1, never retransmitted, arrives after 3 and 4 */
	struct ack_block b2[2] = {flight_segs(&r, 1, 2), flight_segs(&r, 3, 5)};
	tw_inject_ack(&r.w, r.c, r.una, 0, b2, 2);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPSACKReorder"), 1);
	CHECK_EQ(tp->reord_seen, 1);
	CHECK_EQ(tp->reordering, 4); /* segment 1 was 4 segments below the highest SACK */
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	CHECK_EQ(ut_getsockopt(r.w.c, r.c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK_EQ(ti.tcpi_reordering, 4);
	/* three SACKed, but reordering was seen: the window still holds */
	CHECK_EQ(tp->sacked_out, 3);
	CHECK_EQ(tp->lost_out, 0);
	flight_done(&r);
}

TEST(a_dsack_after_reordering_widens_the_reordering_window_by_a_step)
{
	struct flight r;
	flight_setup(&r, 5, 10);
	struct tcp_sock *tp = r.tp;

	struct ack_block b = flight_segs(&r, 3, 5);
	sack_later(&r, &b, 1);
	struct ack_block b2[2] = {flight_segs(&r, 1, 2), flight_segs(&r, 3, 5)};
	tw_inject_ack(&r.w, r.c, r.una, 0, b2, 2);
	/* the reorder timer marks 0 and 2 lost and resends them */
	tw_run(&r.w, 10 * MS);
	CHECK_EQ(tp->lost_out, 2);
	CHECK_EQ(tp->rack.reo_wnd_steps, 1);
	/* both originals were only late: the peer reports segment 0 twice */
	struct ack_block d[2] = {flight_segs(&r, 0, 1), flight_segs(&r, 6, 7)};
	tw_inject_ack(&r.w, r.c, r.una + 5 * r.mss, 0, d, 2);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPDSACKRecv"), 1);
	CHECK_EQ(tp->rack.reo_wnd_steps, 2);
	CHECK_EQ(tp->rack.reo_wnd_persist, TCP_RACK_RECOVERY_THRESH);
	flight_done(&r);
}

TEST(a_widened_reordering_window_narrows_again_after_16_recoveries_without_dsacks)
{
	struct flight r;
	flight_setup(&r, 6, 10);
	struct tcp_sock *tp = r.tp;

	/* as if D-SACKs had widened it to three steps, one recovery ago */
	tp->rack.reo_wnd_steps = 3;
	tp->rack.reo_wnd_persist = 1;
	/* a recovery that ends with nothing undone uses up the last */
	struct ack_block b = flight_segs(&r, 1, 4);
	sack_later(&r, &b, 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(tp->rack.reo_wnd_steps, 3);
	flight_ack_later(&r, tp->high_seq, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK_EQ(tp->rack.reo_wnd_persist, 0);
	/* the next delivery finds no D-SACK pending: back to one step */
	CHECK_EQ(ut_send(r.w.c, r.c, "x", 1, 0), 1);
	flight_ack_later(&r, tp->snd_nxt, 0, NULL, 0);
	CHECK_EQ(tp->rack.reo_wnd_steps, 1);
	flight_done(&r);
}

TEST(an_echoed_timestamp_from_the_same_millisecond_counts_as_one_jiffy_so_the_reordering_window_survives)
{
	struct flight r;
	flight_recover(&r, 7, 10);
	struct tcp_sock *tp = r.tp;

	CHECK_EQ(tcp_min_rtt(tp), 20 * 1000);
	/* the retransmission of segment 0 is answered within its own
	 * millisecond: only a retransmission is newly acked (Karn: no
	 * sample from it), so the echoed timestamp measures the RTT, and
	 * it reads 0 ticks: "under a millisecond", taken as one tick, as
	 * Linux's tcp_rtt_tsopt_us. Taken as 0 the min RTT fell to 1 us,
	 * RACK's window (min_rtt/4) to nothing, and every reordered
	 * segment was retransmitted at the first SACK past it. */
	uint32_t tsecr = tw_client_tsval_at(&r.w, r.c, stack_now(r.w.c));
	uint32_t srtt = tp->srtt_us >> 3;
	tw_inject_ack(&r.w, r.c, r.una + 4 * r.mss, tsecr, NULL, 0);
	CHECK_EQ(tp->snd_una, r.una + 4 * r.mss);
	CHECK_EQ(tcp_min_rtt(tp), USEC_PER_JIFFY);
	CHECK_EQ(tp->rack.reo_wnd_steps, 1);
	/* and srtt moved an eighth of the way towards 1 ms, not 0 */
	uint32_t want = srtt - (srtt - 1000) / 8;
	CHECK((tp->srtt_us >> 3) + 2 >= want && (tp->srtt_us >> 3) <= want + 2);
	flight_done(&r);
}

TEST(a_one_segment_buffer_acknowledged_in_two_parts_stays_whole_and_its_completion_counts_as_reordering)
{
	struct flight r;
	flight_setup(&r, 8, 0);
	struct tcp_sock *tp = r.tp;
	static char chunk[400];

	/* ten sends of 400 bytes, each its own buffer of one segment
	 * (MSG_EOR), as packetdrill's eor/no-coalesce-retrans.pkt */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(ut_send(r.w.c, r.c, chunk, sizeof(chunk), MSG_EOR),
			 (ssize_t)sizeof(chunk));
	CHECK_EQ(tp->packets_out, 10);
	tw_run(&r.w, 20 * MS);
	/* half of the first acknowledged: the buffer is kept whole, as
	 * Linux's tcp_clean_rtx_queue keeps a buffer of one segment */
	tw_inject_ack(&r.w, r.c, r.una + 200, 0, NULL, 0);
	CHECK_EQ(tp->snd_una, r.una + 200);
	CHECK_EQ(TCP_SKB_CB(skb_rb_first(&tp->tcp_rtx_queue))->seq, r.una);
	CHECK_EQ(tp->packets_out, 10);
	CHECK_EQ(tp->reord_seen, 0);
	/* the rest of it: its start lies below the snd_una before this
	 * ACK, a hole filled by an original transmission */
	tw_inject_ack(&r.w, r.c, r.una + 400, 0, NULL, 0);
	CHECK_EQ(tp->packets_out, 9);
	CHECK_EQ(tp->reord_seen, 1);
	CHECK_EQ(tw_counter(r.w.c, "TcpExt", "TCPSACKReorder"), 1);
	CHECK_EQ(tp->reordering, 3); /* 400 bytes: less than three segments */
	/* three buffers SACKed past a hole: with reordering seen, RACK
	 * waits out its window instead of marking the hole at once */
	struct ack_block b = {r.una + 6 * 400, r.una + 9 * 400};
	tw_inject_ack(&r.w, r.c, r.una + 400, 0, &b, 1);
	CHECK_EQ(tp->sacked_out, 3);
	CHECK_EQ(tp->lost_out, 0);
	CHECK_EQ(tp->inet_conn.icsk_pending, ICSK_TIME_REO_TIMEOUT);
	tw_run(&r.w, 20 * MS);
	CHECK(tp->lost_out > 0);
	flight_done(&r);
}
