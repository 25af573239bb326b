/* The tail-loss probe (RFC 8985 7, Linux's tcp_early_retrans=3): when the
 * ACKs stop, a probe about two RTTs after the last transmission (new data
 * if the peer's window allows, else the last segment again) draws the
 * SACK that lets RACK repair the tail, instead of waiting for the RTO. Its
 * ACK tells whether it repaired a loss (then cwnd is reduced, through
 * CWR) or both copies arrived (a D-SACK or duplicate ACK: no loss).
 *
 * The link has a 20 ms RTT; segments are lost by taking it down while
 * they are sent. */
#include <string.h>

#include "ackinject.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static char data[20 * 1448];
static char got[20 * 1448];

static struct tcp_sock *pair(struct tcpworld *w, uint64_t seed, int *c, int *s)
{
	int one = 1;

	tw_make(w, seed, NULL);
	/* the window figures below are Reno's halving */
	CHECK_EQ(ut_sysctl_set_str(w->c, "net.ipv4.tcp_congestion_control", "reno"), 0);
	tw_pair(w, PORT, c, s);
	CHECK_EQ(ut_setsockopt(w->c, *c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	/* some round trips of small messages: srtt comes down from the
	 * handshake's 40 ms (ARP resolution) toward the path's 20 ms, and
	 * min_rtt is 20 ms */
	for (int i = 0; i < 10; i++) {
		CHECK_EQ(ut_send(w->c, *c, "x", 1, 0), 1);
		tw_run(w, 30 * MS);
		CHECK_EQ(ut_recv(w->s, *s, got, sizeof(got), MSG_DONTWAIT), 1);
	}
	tw_run(w, 100 * MS);
	return tw_tcp_sk(w->c, *c);
}

static void done(struct tcpworld *w, int c, int s)
{
	ut_sim_link_set_up(w->link, true);
	ut_close(w->c, c);
	ut_close(w->s, s);
	tw_done(w);
}

/* Sends n bytes into a dead link: every segment of it is lost. */
static void send_lost(struct tcpworld *w, int c, size_t n)
{
	ut_sim_link_set_up(w->link, false);
	CHECK_EQ(ut_send(w->c, c, data, n, 0), (ssize_t)n);
	ut_sim_link_set_up(w->link, true);
}

TEST(a_lost_tail_is_recovered_by_a_loss_probe_in_a_few_rtts_not_by_the_rto)
{
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp = pair(&w, 11, &c, &s);
	uint32_t mss = tp->mss_cache;

	CHECK(tp->inet_conn.icsk_rto >= 200);
	send_lost(&w, c, 3 * mss);
	/* the probe is due at 2 srtt + 2 ms, well before the RTO */
	CHECK_EQ(tp->inet_conn.icsk_pending, ICSK_TIME_LOSS_PROBE);
	/* srtt about 25 ms: the probe at about 53 ms, the RTO after 200 */
	CHECK(tp->srtt_us >> 3 > 24000 && tp->srtt_us >> 3 < 27000);
	CHECK(tp->inet_conn.icsk_rto > 200);
	CHECK(tcp_min_rtt(tp) < 21000);
	tw_run(&w, 45 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 0);
	tw_run(&w, 15 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 1);
	CHECK(tp->tlp_retrans); /* nothing new to send: the last segment */
	/* its SACK lets RACK mark the two before it lost at once: three
	 * RTTs more and everything is there, 160 ms after it was sent,
	 * before the RTO would even have retransmitted */
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, got, sizeof(got), MSG_DONTWAIT), (ssize_t)(3 * mss));
	CHECK_EQ(tp->packets_out, 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPTimeouts"), 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPSackRecovery"), 1);
	done(&w, c, s);
}

TEST(a_loss_probe_sends_new_data_when_the_peer_window_allows)
{
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp = pair(&w, 12, &c, &s);
	uint32_t mss = tp->mss_cache;

	/* ten segments fill cwnd, two wait: the probe is the eleventh */
	send_lost(&w, c, 12 * mss);
	uint32_t nxt = tp->snd_nxt;
	CHECK_EQ(tp->packets_out, 10);
	tw_run(&w, 60 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 1);
	CHECK(!tp->tlp_retrans);
	CHECK(tp->snd_nxt == nxt + mss);
	CHECK(tp->tlp_high_seq == tp->snd_nxt);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs"), 0);
	done(&w, c, s);
}

TEST(a_probe_that_repaired_a_loss_reduces_cwnd_through_cwr)
{
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp = pair(&w, 13, &c, &s);
	uint32_t mss = tp->mss_cache;

	send_lost(&w, c, mss);
	/* one segment out: the probe waits for a delayed ACK as well, but
	 * no longer than the RTO */
	tw_run(&w, 400 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPTimeouts"), 0);
	CHECK_EQ(ut_recv(w.s, s, got, sizeof(got), MSG_DONTWAIT), (ssize_t)mss);
	CHECK(tp->tlp_high_seq != 0); /* judged by the first ACK beyond it */
	CHECK_EQ(tp->snd_cwnd, 10);
	CHECK_EQ(ut_send(w.c, c, data, mss, 0), (ssize_t)mss);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbeRecovery"), 1);
	CHECK_EQ(tp->tlp_high_seq, 0);
	CHECK_EQ(tp->snd_ssthresh, 5);
	CHECK_EQ(tp->snd_cwnd, 5);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Open);
	done(&w, c, s);
}

TEST(a_dsack_of_the_probe_shows_no_loss_and_leaves_cwnd_alone)
{
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp = pair(&w, 14, &c, &s);
	uint32_t mss = tp->mss_cache;

	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, mss, 0), (ssize_t)mss);
	uint32_t seq = tp->snd_una;
	tw_run(&w, 400 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 1);
	/* the peer had it all along: the probe comes back D-SACKed */
	struct ack_block d = {seq, seq + mss};
	tw_inject_ack(&w, c, seq + mss, 0, &d, 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKRecv"), 1);
	CHECK_EQ(tp->tlp_high_seq, 0);
	ut_sim_link_set_up(w.link, true);
	CHECK_EQ(ut_send(w.c, c, data, mss, 0), (ssize_t)mss);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbeRecovery"), 0);
	CHECK_EQ(tp->snd_cwnd, 10);
	done(&w, c, s);
}
