/* The receive window against the receive memory. A receiver must never
 * offer more window than its receive buffer (sk_rcvbuf, charged by each
 * buffer's truesize) can hold of the buffers it is actually handed, so a
 * sender that keeps within the window never makes it prune or drop
 * (Linux 6.x: tp->scaling_ratio, measured from skb->len / skb->truesize,
 * turns memory into window in tcp_win_from_space). Here a fast sender
 * fills a receiver whose application reads slowly or in bursts, over a
 * link with no loss and no rate limit, so that a window's worth of frames
 * arrives in one poll and GRO merges it, as a TAP reader gets the
 * kernel's bursts. Before the merged packets were charged per wire
 * frame, a 64 KB block holding a dozen frames cost three times what the
 * window had counted on, and these receivers pruned hundreds of times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/netdevice.h"
#include "net/simnet.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

static void pattern(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 31u + (i >> 10)) & 0xff);
}

static const char *const drop_counters[] = {"PruneCalled", "RcvPruned",	  "OfoPruned",
					    "TCPOFODrop",  "TCPRcvQDrop", "TCPOFOQueue"};

static void print_counters(struct tcpworld *w)
{
	printf("    receiver:");
	for (size_t i = 0; i < sizeof(drop_counters) / sizeof(drop_counters[0]); i++)
		printf(" %s %llu", drop_counters[i],
		       (unsigned long long)tw_counter(w->s, "TcpExt", drop_counters[i]));
	printf("; sender: RetransSegs %llu TCPLossProbes %llu TCPTimeouts %llu TCPWinProbe %llu; "
	       "receiver DelayedACKLost %llu\n",
	       (unsigned long long)tw_counter(w->c, "Tcp", "RetransSegs"),
	       (unsigned long long)tw_counter(w->c, "TcpExt", "TCPLossProbes"),
	       (unsigned long long)tw_counter(w->c, "TcpExt", "TCPTimeouts"),
	       (unsigned long long)tw_counter(w->c, "TcpExt", "TCPWinProbe"),
	       (unsigned long long)tw_counter(w->s, "TcpExt", "DelayedACKLost"));
}

static void check_nothing_pruned(struct tcpworld *w)
{
	for (size_t i = 0; i < sizeof(drop_counters) / sizeof(drop_counters[0]); i++)
		CHECK_EQ(tw_counter(w->s, "TcpExt", drop_counters[i]), 0);
	/* the sender's only retransmissions are tail loss probes (the
	 * delayed ACK of a window's last segment outlasts the probe timeout),
	 * which the receiver reports as duplicates: nothing was dropped */
	CHECK_EQ(tw_counter(w->c, "Tcp", "RetransSegs"),
		 tw_counter(w->c, "TcpExt", "TCPLossProbes"));
	CHECK_EQ(tw_counter(w->s, "TcpExt", "DelayedACKLost"),
		 tw_counter(w->c, "TcpExt", "TCPLossProbes"));
}

/* How far the receiver has committed past its buffer: what it holds plus
 * what the window still open would cost at the measured ratio, less
 * sk_rcvbuf (negative: within it). */
static long overcommit(struct tcpworld *w, int s)
{
	struct tcp_sock *tp = tw_tcp_sk(w->s, s);
	const struct sock *sk = &tp->inet_conn.icsk_inet;
	uint32_t open = tp->rcv_wup + tp->rcv_wnd - tp->rcv_nxt;

	return (long)sk->sk_rmem_alloc + tcp_space_from_win(tp, (int)open) - sk->sk_rcvbuf;
}

/* Sends n bytes from the client as fast as the windows allow while the
 * server's application reads at most chunk bytes every period; checks
 * every byte arrived intact. Returns the largest overcommit seen. */
static long slow_reader(struct tcpworld *w, int c, int s, size_t n, size_t chunk, uint64_t period)
{
	char *out = malloc(n), *in = malloc(n);
	size_t sent = 0, got = 0;
	uint64_t next_read = ut_sim_now(w->sim), start = next_read;
	long peak = -(1L << 30);

	CHECK(out && in);
	pattern(out, n);
	while (got < n && ut_sim_now(w->sim) - start < 600 * SEC) {
		if (sent < n) {
			ssize_t k = ut_send(w->c, c, out + sent, n - sent, 0);
			if (k > 0)
				sent += (size_t)k;
		}
		if (ut_sim_now(w->sim) >= next_read) {
			size_t want = MIN(chunk, n - got), had = 0;
			while (had < want) {
				ssize_t k = ut_recv(w->s, s, in + got + had, want - had, 0);
				if (k <= 0)
					break;
				had += (size_t)k;
			}
			got += had;
			next_read += period;
		}
		tw_run(w, 1 * MS);
		peak = MAX(peak, overcommit(w, s));
	}
	CHECK_EQ(got, n);
	CHECK_MEM_EQ(in, out, n);
	free(out);
	free(in);
	return peak;
}

static void slow_reader_test(uint64_t seed, uint64_t one_way, long rcvbuf, size_t chunk,
			     uint64_t period)
{
	struct tcpworld w;
	int c, s;
	long peak;

	tw_make_path(&w, seed, 0, one_way, 0, &c, &s);
	if (rcvbuf)
		CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVBUF, &(int){(int)rcvbuf},
				       sizeof(int)),
			 0);
	peak = slow_reader(&w, c, s, 4u << 20, chunk, period);
	print_counters(&w);
	printf("    scaling_ratio %u/256, sk_rcvbuf %d, at most %ld bytes committed past it\n",
	       tw_tcp_sk(w.s, s)->scaling_ratio, tw_tcp_sk(w.s, s)->inet_conn.icsk_inet.sk_rcvbuf,
	       MAX(peak, 0L));
	check_nothing_pruned(&w);
	/* What it held plus what its open window invited never passed its
	 * buffer by more than a few frames' charge (the segment in hand may
	 * overshoot, as in Linux). Charging GRO's blocks, it was 30 to
	 * 100 KB. */
	CHECK(peak <= 4L * (long)skb_truesize_for(w.sim->pool, NET_IP_ALIGN + 1514));
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

/* 16 KB every 100 ms: the window stays small and the buffer full. */
TEST(a_receiver_that_reads_slowly_never_prunes_data_its_window_invited)
{
	slow_reader_test(11, 1 * MS, 0, 16 * 1024, 100 * MS);
}

/* 64 KB at a time, with 100 ms between: the window opens and shuts. */
TEST(a_receiver_that_reads_in_bursts_never_prunes_data_its_window_invited)
{
	slow_reader_test(12, 5 * MS, 0, 64 * 1024, 100 * MS);
}

/* SO_RCVBUF fixes the buffer (no autotuning, no growth in
 * tcp_clamp_window): the window alone must keep within it. */
TEST(a_receiver_with_a_fixed_receive_buffer_never_prunes_data_its_window_invited)
{
	slow_reader_test(13, 2 * MS, 64 * 1024, 32 * 1024, 50 * MS);
}

/* The initial window's ten segments, sent at once, reach the server in
 * one poll and leave GRO merged; the server does not read. It is charged
 * what the wire frames would be (Linux's skb_gro_receive adds each
 * frame's truesize), not the 16 KB or 64 KB blocks GRO copied them into,
 * and the ratio it measures from the first full segment it gets is more
 * than the default half (a frame's payload is more than half its
 * charge); the window clamp follows the ratio. */
TEST(packets_gro_merged_are_charged_what_their_wire_frames_were_and_set_the_window_ratio)
{
	struct tcpworld w;
	int c, s;
	static char buf[10 * 1448];
	struct tcp_sock *tp;
	const struct sock *sk;
	struct ut_dev_stats st;
	uint32_t frame;

	tw_make_path(&w, 14, 0, 5 * MS, 0, &c, &s);
	tp = tw_tcp_sk(w.s, s);
	sk = &tp->inet_conn.icsk_inet;
	CHECK_EQ(tp->scaling_ratio, TCP_DEFAULT_SCALING_RATIO);
	CHECK_EQ(ut_send(w.c, c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	tw_run(&w, 50 * MS);
	ut_dev_get_stats(ut_sim_link_dev(w.link, 1), &st);
	CHECK(st.rx_gro_packets >= 1);
	CHECK_EQ(sk->sk_receive_queue.bytes, sizeof(buf));
	/* a frame of 1514 bytes in a driver's buffer */
	frame = skb_truesize_for(w.sim->pool, NET_IP_ALIGN + 1514);
	printf("    10 frames of 1448 bytes (%llu GRO packets): charged %d bytes, a frame %u, "
	       "scaling_ratio %u/256\n",
	       (unsigned long long)st.rx_gro_packets, sk->sk_rmem_alloc, frame, tp->scaling_ratio);
	CHECK(sk->sk_rmem_alloc <= (int)(10 * frame));
	CHECK(tp->scaling_ratio > TCP_DEFAULT_SCALING_RATIO);
	CHECK(tp->window_clamp == (uint32_t)tcp_full_space(sk));
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}
