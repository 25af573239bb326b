/* TCP_INFO as Linux 6.18 fills it (tcp_get_info): the 280-byte struct
 * tcp_info (struct ut_tcp_info), cut to a shorter optlen; the counters of
 * RFC 4898 that Linux keeps (segments and bytes each way, retransmitted
 * bytes, out-of-order segments, RTO episodes) against what crossed the
 * simulated wire; a listener's queue. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sock.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define MSS 1448 /* 1500 - 40 - 12 (timestamps) */

static struct ut_tcp_info info_of(struct ut_stack *st, int fd)
{
	struct ut_tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0xa5, sizeof(ti));
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK_EQ(len, sizeof(ti));
	return ti;
}

/* Where Linux 6.x puts the fields (an application built against
 * <linux/tcp.h> reads them there), and what a short or long optlen gets. */
TEST(tcp_info_has_linux_6x_layout_and_a_shorter_optlen_gets_its_first_bytes)
{
	struct tcpworld w;
	unsigned char full[300], part[300];
	struct tcp_info glibc;
	socklen_t len;
	int c, s;

	CHECK_EQ(sizeof(struct ut_tcp_info), 280);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_rto), 8);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_last_data_sent), 44);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_total_retrans), 100);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_pacing_rate), 104);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_segs_out), 136);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_delivery_rate), 160);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_delivered), 192);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_bytes_sent), 200);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_rcv_ooopack), 224);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_rehash), 236);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_total_rto), 240);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_total_rto_time), 244);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_received_ce), 248);
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_received_ce_bytes), 272);
	/* the C library's struct is the first part */
	CHECK_EQ(offsetof(struct ut_tcp_info, tcpi_total_retrans),
		 offsetof(struct tcp_info, tcpi_total_retrans));

	tw_make(&w, 1, NULL);
	tw_pair(&w, PORT, &c, &s);
	len = sizeof(full);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_INFO, full, &len), 0);
	CHECK_EQ(len, 280);
	memset(part, 0, sizeof(part));
	len = 104;
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_INFO, part, &len), 0);
	CHECK_EQ(len, 104);
	CHECK_MEM_EQ(part, full, 104);
	CHECK_EQ(part[104], 0);
	len = sizeof(glibc);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_INFO, &glibc, &len), 0);
	CHECK_EQ(len, sizeof(glibc));
	CHECK_EQ(glibc.tcpi_snd_mss, MSS);
	len = 0;
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_INFO, part, &len), 0);
	CHECK_EQ(len, 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* A clean transfer of 100 full segments over 10 ms each way at 10
 * Mbit/s: what each side counts matches what the other counts and what
 * the link carried. */
TEST(tcp_info_counts_segments_and_bytes_each_way_as_the_link_carried_them)
{
	struct tcpworld w;
	struct ut_link_params lp;
	struct ut_link_stats up, down;
	const size_t n = 100 * MSS;
	char *out = calloc(1, n), *in = calloc(1, n);
	struct ut_tcp_info ci, si;
	int c, s;

	CHECK(out && in);
	ut_link_params_init(&lp);
	lp.rate_bps = 10000000;
	lp.delay_ns = 10 * MS;
	tw_make(&w, 2, &lp);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 10000 * MS, NULL, NULL), n);
	tw_run(&w, 300 * MS); /* the last delayed ACK */
	ci = info_of(w.c, c);
	si = info_of(w.s, s);
	ut_sim_link_get_stats(w.link, 0, &up);
	ut_sim_link_get_stats(w.link, 1, &down);

	CHECK_EQ(ci.tcpi_state, TCP_ESTABLISHED);
	CHECK_EQ(ci.tcpi_ca_state, TCP_CA_Open);
	CHECK_EQ(ci.tcpi_total_retrans, 0);
	CHECK_EQ(ci.tcpi_bytes_sent, n);
	CHECK_EQ(ci.tcpi_bytes_retrans, 0);
	/* 100 MSS of data; a buffer cut at the peer's window edge may send
	 * one short segment more (Linux's tcp_mss_split_point does too) */
	CHECK(ci.tcpi_data_segs_out >= 100 && ci.tcpi_data_segs_out <= 101);
	/* snd_una moved past the SYN and every byte */
	CHECK_EQ(ci.tcpi_bytes_acked, n + 1);
	CHECK_EQ(si.tcpi_bytes_received, n);
	CHECK_EQ(si.tcpi_data_segs_in, ci.tcpi_data_segs_out);
	CHECK_EQ(si.tcpi_bytes_acked, 0);
	/* every segment one side sent, the other received, and the link
	 * carried (ARP aside: it is no segment) */
	CHECK_EQ(ci.tcpi_segs_out, si.tcpi_segs_in);
	/* the SYN-ACK went from the request socket, before the server's
	 * socket existed (the SYN counts on it, as Linux's child's segs_in
	 * starts at 1) */
	CHECK_EQ(si.tcpi_segs_out + 1, ci.tcpi_segs_in);
	CHECK(ci.tcpi_segs_out <= up.sent && up.sent - ci.tcpi_segs_out <= 2);
	CHECK(si.tcpi_segs_out <= down.sent && down.sent - si.tcpi_segs_out <= 2);
	CHECK(si.tcpi_segs_out > 1 && si.tcpi_segs_out < 100);	/* delayed ACKs */
	CHECK_EQ(ci.tcpi_delivered, ci.tcpi_data_segs_out + 1); /* the data and the SYN */
	CHECK_EQ(si.tcpi_rcv_ooopack, 0);
	/* RTT: 20 ms and a segment's serialisation, in us */
	CHECK(ci.tcpi_min_rtt >= 20000 && ci.tcpi_min_rtt < 25000);
	CHECK(ci.tcpi_rtt >= ci.tcpi_min_rtt);
	CHECK(ci.tcpi_rto >= 200000 + ci.tcpi_rtt); /* in us, TCP_RTO_MIN-bounded */
	CHECK_EQ(si.tcpi_ato, 40000);		    /* in us: TCP_ATO_MIN */
	printf("    delivery rate %llu bytes/s, min RTT %u us, %u segments out, %u in\n",
	       (unsigned long long)ci.tcpi_delivery_rate, ci.tcpi_min_rtt, ci.tcpi_segs_out,
	       ci.tcpi_segs_in);
	/* With buffers the last sample may be of the tail, a buffer or
	 * two whose ACK waited for the delayed-ACK timer: at least a third
	 * of the link's rate, and never above it. */
	CHECK(ci.tcpi_delivery_rate > 400000 && ci.tcpi_delivery_rate <= 1250000);
	CHECK_EQ(ci.tcpi_pmtu, 1500);
	CHECK_EQ(ci.tcpi_snd_mss, MSS);
	CHECK_EQ(si.tcpi_rcv_mss, MSS);
	CHECK_EQ(ci.tcpi_snd_wnd, tw_tcp_sk(w.c, c)->snd_wnd);
	CHECK_EQ(si.tcpi_rcv_wnd, tw_tcp_sk(w.s, s)->rcv_wnd);
	CHECK(ci.tcpi_last_data_sent >= 300 && ci.tcpi_last_data_sent < 400);
	CHECK(si.tcpi_last_data_recv >= 300 && si.tcpi_last_data_recv < 400);
	CHECK(ci.tcpi_last_ack_recv < 300);
	CHECK_EQ(ci.tcpi_notsent_bytes, 0);
	CHECK_EQ(ci.tcpi_total_rto, 0);
	/* the receiver's own estimate, from the timestamps its ACKs got
	 * echoed: a round trip and the sender's queue */
	printf("    receiver's RTT %u us, the sender's srtt %u us\n", si.tcpi_rcv_rtt, ci.tcpi_rtt);
	CHECK(si.tcpi_rcv_rtt >= 20000 && si.tcpi_rcv_rtt <= ci.tcpi_rtt + 10000);
	CHECK_EQ(ci.tcpi_rcv_rtt, 0); /* the client received no data */
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* The link goes down for 1.5 s under data: two timeouts in one episode,
 * whose length TCP_INFO counts while it lasts and keeps once the state
 * leaves Loss; data written but not sent is notsent_bytes. */
TEST(tcp_info_counts_rto_episodes_their_time_and_the_bytes_retransmitted)
{
	struct tcpworld w;
	struct ut_link_params lp;
	char out[16 * MSS] = {0}, in[16 * MSS];
	struct ut_tcp_info ci;
	struct tcp_sock *tp;
	size_t sent = 0;
	int c, s;

	ut_link_params_init(&lp);
	lp.delay_ns = 5 * MS;
	tw_make(&w, 3, &lp);
	tw_gro_off(&w); /* the episodes' timing assumes an ACK per two segments */
	tw_pair(&w, PORT, &c, &s);
	tp = tw_tcp_sk(w.c, c);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, MSS, &sent, 1000 * MS, NULL, NULL), MSS);
	tw_run(&w, 100 * MS); /* its delayed ACK */
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_DONTWAIT), (ssize_t)sizeof(out));
	ci = info_of(w.c, c);
	/* ten segments in flight (the initial window), the rest not sent */
	CHECK_EQ(ci.tcpi_unacked, 10);
	CHECK_EQ(ci.tcpi_notsent_bytes, sizeof(out) - 10 * MSS);
	/* RTOs at about 210 ms and 630 ms */
	tw_run(&w, 1000 * MS);
	ci = info_of(w.c, c);
	CHECK_EQ(ci.tcpi_ca_state, TCP_CA_Loss);
	CHECK_EQ(ci.tcpi_total_rto, 2);
	CHECK_EQ(ci.tcpi_total_rto_recoveries, 1);
	CHECK_EQ(ci.tcpi_retransmits, 2);
	/* the episode under way: since the first timeout */
	CHECK(ci.tcpi_total_rto_time > 700 && ci.tcpi_total_rto_time < 800);
	CHECK_EQ(ci.tcpi_bytes_retrans, 2 * MSS);
	ut_sim_link_set_up(w.link, true);
	sent = sizeof(out); /* all written already */
	CHECK_EQ(tw_transfer(&w, c, s, out, in, sizeof(out), &sent, 10000 * MS, NULL, NULL),
		 sizeof(out));
	tw_run(&w, 300 * MS); /* the last ACKs */
	ci = info_of(w.c, c);
	CHECK_EQ(ci.tcpi_ca_state, TCP_CA_Open);
	CHECK_EQ(ci.tcpi_retransmits, 0);
	CHECK_EQ(ci.tcpi_total_rto_recoveries, 1);
	CHECK(ci.tcpi_total_rto >= 2);
	/* the episode ended: its length stays */
	uint32_t kept = ci.tcpi_total_rto_time;
	CHECK(kept >= 700);
	tw_run(&w, 500 * MS);
	CHECK_EQ(info_of(w.c, c).tcpi_total_rto_time, kept);
	CHECK_EQ(ci.tcpi_bytes_retrans, (uint64_t)tp->total_retrans * MSS);
	CHECK_EQ(ci.tcpi_total_retrans, tp->total_retrans);
	CHECK_EQ(ci.tcpi_bytes_sent, sizeof(out) + MSS + ci.tcpi_bytes_retrans);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* Random loss: the receiver queues out of order what arrives past a
 * hole, and counts each such segment once. */
TEST(tcp_info_counts_segments_received_out_of_order)
{
	struct tcpworld w;
	struct ut_link_params lp;
	const size_t n = 400 * MSS;
	char *out = calloc(1, n), *in = calloc(1, n);
	struct ut_tcp_info si;
	int c, s;

	CHECK(out && in);
	ut_link_params_init(&lp);
	lp.rate_bps = 20000000;
	lp.delay_ns = 5 * MS;
	tw_make(&w, 4, &lp);
	tw_pair(&w, PORT, &c, &s);
	lp.loss = 0.03;
	CHECK_EQ(ut_sim_link_set_params(w.link, 0, &lp), 0);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 60000 * MS, NULL, NULL), n);
	si = info_of(w.s, s);
	printf("    %u segments out of order, TCPOFOQueue %llu\n", si.tcpi_rcv_ooopack,
	       (unsigned long long)tw_counter(w.s, "TcpExt", "TCPOFOQueue"));
	CHECK(si.tcpi_rcv_ooopack > 0);
	CHECK_EQ(si.tcpi_rcv_ooopack, tw_counter(w.s, "TcpExt", "TCPOFOQueue"));
	CHECK_EQ(si.tcpi_bytes_received, n);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* With timestamps the receiver measures the round trip from each full
 * segment echoing a TSval it has not measured from (Linux's
 * tcp_rcv_rtt_measure_ts); 20 segments are less than the window it
 * announced, so this is the only measure that completes. */
TEST(tcp_info_rcv_rtt_comes_from_echoed_timestamps)
{
	struct tcpworld w;
	struct ut_link_params lp;
	char out[20 * MSS] = {0}, in[20 * MSS];
	struct ut_tcp_info si;
	int c, s;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	tw_make(&w, 7, &lp);
	tw_pair(&w, PORT, &c, &s);
	CHECK(info_of(w.s, s).tcpi_options & TCPI_OPT_TIMESTAMPS);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, sizeof(out), NULL, 5000 * MS, NULL, NULL),
		 sizeof(out));
	si = info_of(w.s, s);
	CHECK(tw_tcp_sk(w.s, s)->rcv_wnd > sizeof(out));
	printf("    receiver's RTT %u us from timestamps\n", si.tcpi_rcv_rtt);
	/* 20 ms, and what a TSval echoed late adds (the data that follows
	 * the handshake echoes the SYN-ACK's, a delayed ACK's arrives late) */
	CHECK(si.tcpi_rcv_rtt >= 20000 && si.tcpi_rcv_rtt <= 35000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* Without timestamps the receiver measures the round trip by how long the
 * data filling a window it announced takes to arrive (Linux's
 * tcp_rcv_rtt_measure): at least one RTT, 20 ms here. */
TEST(tcp_info_rcv_rtt_comes_from_the_window_without_timestamps)
{
	struct tcpworld w;
	struct ut_link_params lp;
	const size_t n = 200 * 1460;
	char *out = calloc(1, n), *in = calloc(1, n);
	struct ut_tcp_info si;
	int c, s;

	CHECK(out && in);
	ut_link_params_init(&lp);
	lp.rate_bps = 10000000;
	lp.delay_ns = 10 * MS;
	tw_make(&w, 6, &lp);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_timestamps", 0), 0);
	tw_pair(&w, PORT, &c, &s);
	CHECK(!(info_of(w.s, s).tcpi_options & TCPI_OPT_TIMESTAMPS));
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 10000 * MS, NULL, NULL), n);
	si = info_of(w.s, s);
	printf("    receiver's RTT %u us without timestamps\n", si.tcpi_rcv_rtt);
	CHECK(si.tcpi_rcv_rtt >= 20000 && si.tcpi_rcv_rtt < 100000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

static ssize_t send_some(struct tcpworld *w, int c, const char *buf, size_t n)
{
	ssize_t r = ut_send(w->c, c, buf, n, MSG_DONTWAIT);
	return r < 0 ? 0 : r;
}

/* The send-time chronographs (Linux's tcp_chrono_*): busy while data waits
 * to be sent or acknowledged; of that, limited by the peer's window while
 * a receiver that does not read keeps it shut, and by the send buffer while
 * the writer finds it full. */
TEST(tcp_info_times_busy_rwnd_limited_and_sndbuf_limited_sending)
{
	struct tcpworld w;
	struct ut_link_params lp;
	const size_t n = 4 << 20;
	char *out = calloc(1, n), *in = calloc(1, n);
	struct ut_tcp_info ci;
	size_t sent = 0, got = 0;
	int c, s;

	CHECK(out && in);
	ut_link_params_init(&lp);
	lp.rate_bps = 100000000;
	lp.delay_ns = 5 * MS;
	tw_make(&w, 8, &lp);
	tw_pair(&w, PORT, &c, &s);
	ci = info_of(w.c, c);
	CHECK_EQ(ci.tcpi_busy_time, 0); /* nothing sent yet */
	/* one small write, unacknowledged for a round trip: busy only */
	sent = (size_t)send_some(&w, c, out, 1000);
	CHECK_EQ(sent, 1000);
	tw_run(&w, 2 * MS);
	ci = info_of(w.c, c);
	CHECK_EQ(ci.tcpi_busy_time, 2000);
	CHECK_EQ(ci.tcpi_rwnd_limited + ci.tcpi_sndbuf_limited, 0);
	/* 1 s of writing to a receiver that does not read */
	for (int ms = 0; ms < 1000; ms++) {
		sent += (size_t)send_some(&w, c, out + sent, n - sent);
		tw_run(&w, MS);
	}
	ci = info_of(w.c, c);
	printf("    not read: busy %llu us, rwnd-limited %llu us, sndbuf-limited %llu us\n",
	       (unsigned long long)ci.tcpi_busy_time, (unsigned long long)ci.tcpi_rwnd_limited,
	       (unsigned long long)ci.tcpi_sndbuf_limited);
	CHECK(ci.tcpi_busy_time >= 990000 && ci.tcpi_busy_time <= 1002000);
	CHECK(ci.tcpi_rwnd_limited + ci.tcpi_sndbuf_limited >= 900000);
	CHECK(ci.tcpi_sndbuf_limited > 0);
	/* read it all: busy until the last ACK, then nothing is timed */
	while (got < sent || sent < n) {
		ssize_t r;
		sent += (size_t)send_some(&w, c, out + sent, n - sent);
		while ((r = ut_recv(w.s, s, in, n, MSG_DONTWAIT)) > 0)
			got += (size_t)r;
		tw_run(&w, MS);
	}
	tw_run(&w, 300 * MS);
	ci = info_of(w.c, c);
	uint64_t busy = ci.tcpi_busy_time;
	tw_run(&w, 500 * MS);
	ci = info_of(w.c, c);
	printf("    then read: busy %llu us, rwnd-limited %llu us, sndbuf-limited %llu us\n",
	       (unsigned long long)ci.tcpi_busy_time, (unsigned long long)ci.tcpi_rwnd_limited,
	       (unsigned long long)ci.tcpi_sndbuf_limited);
	CHECK_EQ(ci.tcpi_busy_time, busy);
	CHECK(ci.tcpi_busy_time >= ci.tcpi_rwnd_limited + ci.tcpi_sndbuf_limited);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* A send buffer large enough for all that is written and a small receive
 * buffer that is not read: the window, not the buffer, holds the sender
 * back. */
TEST(tcp_info_times_a_sender_held_back_by_the_peer_s_window)
{
	struct tcpworld w;
	struct ut_link_params lp;
	const size_t n = 160 << 10;
	char *out = calloc(1, n);
	struct ut_tcp_info ci;
	int c, s, big = 2 << 20, small = 32 << 10;

	CHECK(out);
	ut_link_params_init(&lp);
	lp.rate_bps = 100000000;
	lp.delay_ns = 5 * MS;
	tw_make(&w, 9, &lp);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)), 0);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	CHECK_EQ(ut_send(w.c, c, out, n, MSG_DONTWAIT), (ssize_t)n);
	tw_run(&w, 1000 * MS);
	ci = info_of(w.c, c);
	printf("    busy %llu us, rwnd-limited %llu us, sndbuf-limited %llu us\n",
	       (unsigned long long)ci.tcpi_busy_time, (unsigned long long)ci.tcpi_rwnd_limited,
	       (unsigned long long)ci.tcpi_sndbuf_limited);
	CHECK_EQ(ci.tcpi_sndbuf_limited, 0);
	CHECK(ci.tcpi_rwnd_limited >= 900000);
	CHECK(ci.tcpi_busy_time >= ci.tcpi_rwnd_limited && ci.tcpi_busy_time <= 1000000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
}

/* A listener reports its accept queue against its backlog, as Linux's
 * tcp_get_info, and nothing of a connection. */
TEST(tcp_info_of_a_listener_is_its_accept_queue_and_backlog)
{
	struct tcpworld w;
	struct ut_tcp_info li;
	int l, c1, c2;

	tw_make(&w, 5, NULL);
	l = tw_listen(&w, PORT, 7);
	c1 = tw_connect_nb(&w, PORT);
	c2 = tw_connect_nb(&w, PORT);
	tw_run(&w, 1500 * MS); /* ARP, and the SYN that waited for it resent */
	li = info_of(w.s, l);
	CHECK_EQ(li.tcpi_state, TCP_LISTEN);
	CHECK_EQ(li.tcpi_unacked, 2);
	CHECK_EQ(li.tcpi_sacked, 7);
	CHECK_EQ(li.tcpi_rtt, 0);
	CHECK_EQ(li.tcpi_segs_in, 0);
	CHECK_EQ(li.tcpi_snd_cwnd, TCP_INIT_CWND);
	ut_close(w.c, c1);
	ut_close(w.c, c2);
	ut_close(w.s, l);
	tw_done(&w);
}
