/* The SACK scoreboard with ten thousand segments in flight: the
 * retransmit queue is a tree searched by sequence (tcp_sacktag_bsearch),
 * and these tests prove it marks what it must at a scale where the old
 * list walk cost a thousand times more per ACK.
 *
 * The path is long and fast (10 Gbit/s, 100 ms), the windows large, and
 * Reno's slow start doubles the flight each round trip; once it has more
 * than 8,000 segments out, half of the data segments sent during the
 * next round trip are lost, while the ACKs all come back. The sender then
 * recovers a flight of 10,000 segments or more from SACK blocks. */
#include <fcntl.h>
#include <stdlib.h>

#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define ONE_WAY (50 * MS)
#define RATE 10000000000ULL
#define TOTAL (64u * 1024 * 1024)

struct run {
	struct tcp_sock *tp;
	struct ut_sim_link *link;
	uint32_t max_packets_out;
	uint32_t max_sacked_out;
	uint64_t loss_from, loss_until; /* elapsed ns; 0: not yet */
	unsigned checks;
};

/* The queue agrees with itself: contiguous and in sequence order from
 * snd_una to snd_nxt, its marks counted in sacked_out, lost_out and
 * retrans_out (in segments), and the send-time list holding exactly the
 * unSACKed buffers, oldest first. O(n): run now and then. */
static void check_queue(struct run *r)
{
	struct tcp_sock *tp = r->tp;
	struct sock *sk = &tp->inet_conn.icsk_inet;
	uint32_t seq = tp->snd_una, n = 0, sacked = 0, lost = 0, retrans = 0, unsacked = 0;
	uint32_t bufs = 0, pcount;
	uint64_t last_sent = 0;
	struct sk_buff *skb;

	skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
		const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
		if (bufs == 0)
			CHECK(!after(tcb->seq, seq) && after(tcb->end_seq, seq));
		else
			CHECK_EQ(tcb->seq, seq);
		seq = tcb->end_seq;
		/* the counters count segments, and a buffer may be several */
		pcount = tcp_skb_pcount(skb);
		n += pcount;
		bufs++;
		if (tcb->sacked & TCPCB_SACKED_ACKED)
			sacked += pcount;
		if (tcb->sacked & TCPCB_LOST)
			lost += pcount;
		if (tcb->sacked & TCPCB_SACKED_RETRANS)
			retrans += pcount;
		unsacked += !(tcb->sacked & TCPCB_SACKED_ACKED);
		/* the search finds each buffer by any sequence inside it */
		if ((bufs & 63) == 0) {
			CHECK(tcp_sacktag_bsearch(sk, tcb->seq) == skb);
			CHECK(tcp_sacktag_bsearch(sk, tcb->end_seq - 1) == skb);
		}
	}
	CHECK_EQ(seq, bufs ? tp->snd_nxt : seq);
	CHECK_EQ(n, tp->packets_out);
	CHECK_EQ(sacked, tp->sacked_out);
	CHECK_EQ(lost, tp->lost_out);
	CHECK_EQ(retrans, tp->retrans_out);
	list_for_each_entry(skb, &tp->tsorted_sent_queue, tcp_tsorted_anchor) {
		CHECK(!(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED));
		CHECK(TCP_SKB_CB(skb)->sent_ns >= last_sent);
		last_sent = TCP_SKB_CB(skb)->sent_ns;
		unsacked--;
	}
	CHECK_EQ(unsacked, 0);
	r->checks++;
}

static void set_data_loss(struct run *r, double loss)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.delay_ns = ONE_WAY;
	lp.rate_bps = RATE;
	lp.queue_limit = 65536;
	lp.loss = loss;
	/* direction 0: client to server, the data; the ACKs are never lost */
	CHECK_EQ(ut_sim_link_set_params(r->link, 0, &lp), 0);
}

static void each(struct tcpworld *w, uint64_t elapsed, void *arg)
{
	struct run *r = arg;
	(void)w;

	if (r->tp->packets_out > r->max_packets_out)
		r->max_packets_out = r->tp->packets_out;
	if (r->tp->sacked_out > r->max_sacked_out)
		r->max_sacked_out = r->tp->sacked_out;
	if (!r->loss_from && r->tp->packets_out > 8000) {
		r->loss_from = elapsed;
		set_data_loss(r, 0.5);
	} else if (r->loss_from && !r->loss_until && elapsed >= r->loss_from + 2 * ONE_WAY) {
		r->loss_until = elapsed;
		set_data_loss(r, 0);
	}
	if (r->tp->packets_out > 1000 ? elapsed % (20 * MS) == 0 : elapsed % MS == 0)
		check_queue(r);
}

static void make_world(struct tcpworld *w, int *c, int *s, struct run *r)
{
	struct ut_link_params lp;
	struct ut_stack *stacks[2];
	int one = 1;

	ut_link_params_init(&lp);
	lp.delay_ns = ONE_WAY;
	lp.rate_bps = RATE;
	lp.queue_limit = 65536;
	tw_make(w, 7, &lp);
	ut_trace_set(w->c, NULL, NULL);
	ut_trace_set(w->s, NULL, NULL);
	stacks[0] = w->c;
	stacks[1] = w->s;
	/* Windows of 64 MB each way, so that the flight is set by cwnd. */
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(ut_sysctl_set(stacks[i], "net.ipv4.tcp_rmem.max", 64L << 20), 0);
		CHECK_EQ(ut_sysctl_set(stacks[i], "net.ipv4.tcp_wmem.max", 64L << 20), 0);
	}
	tw_pair(w, PORT, c, s);
	CHECK_EQ(ut_fcntl(w->c, *c, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(w->s, *s, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_setsockopt(w->c, *c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	/* Reno: slow start runs on to the loss (no HyStart exit) */
	CHECK_EQ(ut_setsockopt(w->c, *c, IPPROTO_TCP, TCP_CONGESTION, "reno", 4), 0);
	*r = (struct run){.tp = tw_tcp_sk(w->c, *c), .link = w->link};
	CHECK(r->tp->sack_ok);
}

TEST(ten_thousand_segments_in_flight_with_half_lost_are_all_delivered_and_counted_true)
{
	struct tcpworld w;
	struct run r;
	int c, s;
	char *out = malloc(TOTAL), *in = malloc(TOTAL);

	CHECK(out && in);
	for (size_t i = 0; i < TOTAL; i++)
		out[i] = (char)(i * 2654435761u >> 13);
	make_world(&w, &c, &s, &r);
	uint64_t retrans0 = tw_counter(w.c, "Tcp", "RetransSegs");

	size_t got = tw_transfer(&w, c, s, out, in, TOTAL, NULL, 120 * SEC, each, &r);
	CHECK_EQ(got, TOTAL);
	CHECK_MEM_EQ(in, out, TOTAL);
	/* the scale asked for: a flight of 10,000, thousands of them SACKed */
	CHECK(r.max_packets_out >= 10000);
	CHECK(r.max_sacked_out >= 2000);
	CHECK(r.loss_until != 0);
	CHECK(r.checks > 100);

	struct ut_link_stats st;
	ut_sim_link_get_stats(w.link, 0, &st);
	CHECK(st.lost >= 2000);
	/* Every lost segment was retransmitted, and only those: a segment
	 * the peer had SACKed but the search missed would be resent as lost
	 * (and come back as a D-SACK). One retransmission per loss, lost
	 * retransmissions included. */
	uint64_t retrans = tw_counter(w.c, "Tcp", "RetransSegs") - retrans0;
	CHECK_EQ(retrans, st.lost);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPDSACKRecv"), 0);
	CHECK(tw_counter(w.c, "TcpExt", "TCPSackRecovery") >= 1);
	/* all acknowledged (the last ACKs are a one-way delay behind the
	 * data): every count back to zero, the queues empty */
	tw_run(&w, 4 * ONE_WAY);
	check_queue(&r);
	CHECK_EQ(r.tp->packets_out, 0);
	CHECK_EQ(r.tp->sacked_out, 0);
	CHECK_EQ(r.tp->lost_out, 0);
	CHECK_EQ(r.tp->retrans_out, 0);
	CHECK(tcp_rtx_queue_empty(&r.tp->inet_conn.icsk_inet));
	CHECK(list_empty(&r.tp->tsorted_sent_queue));
	CHECK(r.tp->highest_sack == NULL);

	free(out);
	free(in);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}
