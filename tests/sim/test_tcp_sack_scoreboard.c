/* The SACK scoreboard against ACKs a real network delivers: reordered,
 * reneging or hostile. The counters (sacked_out, lost_out, retrans_out)
 * must always equal the marks on the retransmit queue; the stack stops
 * with BUG_ON otherwise, so a peer that can break them can crash it.
 *
 * The peer's ACKs here are written by hand and handed to the client's
 * device, while the link itself is down (nothing real gets through). */
#include <arpa/inet.h>
#include <string.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static void inject_ack(struct tcpworld *w, int fd, uint32_t ack, uint32_t sack_start,
		       uint32_t sack_end)
{
	tw_inject_to_client(w, fd, TCPHDR_ACK, tw_tcp_sk(w->c, fd)->rcv_nxt, ack, NULL, 0,
			    sack_start, sack_end);
}

/* Found by the soak (seed 349). After a partial ACK in SACK recovery the
 * head of the retransmit queue can be a segment already SACKed (here an
 * ACK that lags the SACK information it follows, as a reordered ACK
 * does). The fast retransmit marked that head lost without looking, so it
 * counted as both SACKed and lost, the counters no longer matched the
 * marks, and a later cumulative ACK took sacked_out below zero: BUG_ON.
 * Linux's tcp_skb_mark_lost never marks a SACKed segment lost. */
TEST(a_partial_ack_leaving_a_sacked_head_keeps_the_scoreboard_counts_true)
{
	struct tcpworld w;
	static char data[10 * 1448];
	int c, s, one = 1;

	tw_make(&w, 91, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	CHECK(tp->sack_ok);
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tw_run(&w, 1 * MS);
	CHECK_EQ(tp->packets_out, 10);
	uint32_t una = tp->snd_una, mss = 1448;

	/* segments 1..9 SACKed: recovery, segment 0 lost and resent */
	inject_ack(&w, c, una, una + mss, una + 10 * mss);
	CHECK_EQ(tp->sacked_out, 9);
	/* an ACK for segment 0 alone: the head is now SACKed segment 1 */
	inject_ack(&w, c, una + mss, 0, 0);
	CHECK_EQ(tp->packets_out, 9);
	CHECK_EQ(tp->sacked_out, 9);
	CHECK_EQ(tp->lost_out, 0);
	/* everything acknowledged: every count back to zero */
	inject_ack(&w, c, una + 10 * mss, 0, 0);
	CHECK_EQ(tp->packets_out, 0);
	CHECK_EQ(tp->sacked_out, 0);
	CHECK_EQ(tp->lost_out, 0);
	CHECK_EQ(tp->retrans_out, 0);

	ut_sim_link_set_up(w.link, true);
	/* the server never saw the data, so the connection ends in resets */
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
