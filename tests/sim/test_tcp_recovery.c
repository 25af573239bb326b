/* The recovery state machine as Linux 6.x runs it (tcp_fastretrans_alert):
 * the states Open, Disorder, Recovery and Loss entered and left where
 * Linux does, each change traced as tcp:tcp_cong_state_set, and RFC 6675's
 * loss marking kept for net.ipv4.tcp_recovery=0. The peer's ACKs are
 * written by hand (ackinject.h). */
#include "ackinject.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

static bool saw_ca(const struct tcpworld *w, int oldstate, int newstate)
{
	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == 0 && w->ev[i].type == UT_TP_TCP_CONG_STATE_SET &&
		    w->ev[i].oldstate == oldstate && w->ev[i].newstate == newstate)
			return true;
	return false;
}

TEST(the_congestion_states_change_and_are_traced_where_linux_changes_them)
{
	struct flight f;
	flight_setup(&f, 51, 10);
	struct tcp_sock *tp = f.tp;

	/* one segment SACKed: Disorder, waiting out the reordering window */
	struct ack_block b = flight_segs(&f, 9, 10);
	flight_ack_later(&f, 0, 0, &b, 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Disorder);
	CHECK(saw_ca(&f.w, TCP_CA_Open, TCP_CA_Disorder));
	/* the reorder timer finds the rest lost: Recovery */
	tw_run(&f.w, 10 * MS);
	CHECK(saw_ca(&f.w, TCP_CA_Disorder, TCP_CA_Recovery));
	/* everything acknowledged: back to Open */
	flight_ack_later(&f, tp->snd_nxt, 0, NULL, 0);
	CHECK(saw_ca(&f.w, TCP_CA_Recovery, TCP_CA_Open));
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	flight_done(&f);
}

TEST(with_tcp_recovery_0_losses_are_marked_by_rfc_6675_counting_sacked_segments)
{
	struct flight f;
	flight_setup(&f, 52, 10);
	struct tcp_sock *tp = f.tp;

	CHECK_EQ(ut_sysctl_set(f.w.c, "net.ipv4.tcp_recovery", 0), 0);
	/* one SACKed: no reorder timer, nothing lost */
	struct ack_block b = flight_segs(&f, 1, 2);
	flight_ack_later(&f, 0, 0, &b, 1);
	CHECK(tp->inet_conn.icsk_pending != ICSK_TIME_REO_TIMEOUT);
	tw_run(&f.w, 20 * MS);
	CHECK_EQ(tp->lost_out, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Disorder);
	/* four SACKed: a segment with three SACKed above it is lost
	 * (IsLost), here segment 0, and goes at once */
	struct ack_block b2 = flight_segs(&f, 1, 5);
	tw_inject_ack(&f.w, f.c, f.una, 0, &b2, 1);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(tp->lost_out, 1);
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 1);
	flight_done(&f);
}

TEST(without_sack_three_duplicate_acks_start_newreno_recovery_and_partial_acks_resend_the_next_hole)
{
	struct flight f;
	flight_setup_sack(&f, 53, 20, false);
	struct tcp_sock *tp = f.tp;

	/* the first ACK changes the window, so it is no duplicate (RFC
	 * 5681 2); then duplicate ACKs stand for segments delivered */
	flight_ack_later(&f, 0, 0, NULL, 0);
	CHECK_EQ(tp->sacked_out, 0);
	tw_inject_ack(&f.w, f.c, f.una, 0, NULL, 0);
	tw_inject_ack(&f.w, f.c, f.una, 0, NULL, 0);
	CHECK_EQ(tp->sacked_out, 2);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Disorder);
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 0);
	/* the third: the head is lost (RFC 6582) */
	tw_inject_ack(&f.w, f.c, f.una, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK_EQ(flight_ext(&f, "TCPRenoRecovery"), 1);
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 1);
	/* a partial ACK: the next hole is lost too, and goes as soon as
	 * PRR lets a segment out (more than ssthresh is in flight: one per
	 * two delivered) */
	flight_ack_later(&f, f.una + 2 * f.mss, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	CHECK(TCP_SKB_CB(skb_rb_first(&tp->tcp_rtx_queue))->sacked & TCPCB_LOST);
	for (int i = 0; i < 2 && tw_counter(f.w.c, "Tcp", "RetransSegs") < 2; i++)
		tw_inject_ack(&f.w, f.c, f.una + 2 * f.mss, 0, NULL, 0);
	CHECK_EQ(tw_counter(f.w.c, "Tcp", "RetransSegs"), 2);
	CHECK(TCP_SKB_CB(skb_rb_first(&tp->tcp_rtx_queue))->sacked & TCPCB_SACKED_RETRANS);
	/* an ACK of exactly high_seq holds Recovery, so that its
	 * duplicates cannot start a false one (RFC 6582 4.1); an ACK
	 * beyond it ends it */
	flight_ack_later(&f, tp->high_seq, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Recovery);
	if (tp->snd_nxt == tp->high_seq)
		CHECK_EQ(ut_send(f.w.c, f.c, "more", 4, 0), 4);
	flight_ack_later(&f, tp->snd_nxt, 0, NULL, 0);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	CHECK_EQ(tp->sacked_out, 0);
	flight_done(&f);
}
