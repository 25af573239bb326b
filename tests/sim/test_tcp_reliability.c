/* Losses, timeouts and flow control: each loss the issue names, the
 * retransmission timer's limits, keepalive, zero windows and the listen
 * backlog, asserted on states, segments, counters and errno. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/neighbour.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

/* Drops every frame in one direction (0: client to server) while on. */
static void blackhole(struct tcpworld *w, int dir, bool on)
{
	struct ut_link_params lp;
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = on ? 1.0 : 0.0;
	CHECK_EQ(ut_sim_link_set_params(w->link, dir, &lp), 0);
}

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 131 + seed) >> 3);
}

TEST(a_lost_syn_is_retransmitted_after_the_initial_one_second_rto)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT);
	int l, c, s;

	tw_make(&w, 21, NULL);
	l = tw_listen(&w, PORT, 4);
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	tw_run(&w, 1 * SEC);
	blackhole(&w, 0, true);
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 500 * MS);
	blackhole(&w, 0, false);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_fcntl(w.c, c, F_SETFL, 0), 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* SYN at t0-0.5 s, again at +1 s, answered one RTT later */
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0), 520.0 * MS, 1.0 * MS);
	CHECK_EQ(tw_segments(&w, 0, 0x3f, TCPHDR_SYN), 2);
	CHECK_EQ(tw_count(&w, 0, UT_TP_TCP_RETRANSMIT_SKB), 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPSynRetrans"), 1);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_lost_syn_ack_is_retransmitted_by_the_request_socket_timer)
{
	struct tcpworld w;
	int l, c, s;

	tw_make(&w, 22, NULL);
	l = tw_listen(&w, PORT, 4);
	CHECK_EQ(ut_neigh_resolve(w.s, ipaddr(CLIENT_IP)), 0);
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	tw_run(&w, 1 * SEC);
	blackhole(&w, 1, true);
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 500 * MS);
	blackhole(&w, 1, false);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 1);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	/* the client's SYN timer (1 s) and the server's SYN-ACK timer
	 * (1 s) both fire; either way the handshake completes */
	CHECK(tw_count(&w, 1, UT_TP_TCP_RETRANSMIT_SYNACK) >= 1);
	CHECK(tw_saw_state(&w, 0, TCP_SYN_SENT, TCP_ESTABLISHED));
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_lost_final_ack_is_recovered_by_the_first_data_segment)
{
	struct tcpworld w;
	int l, c, s;
	char buf[8];

	tw_make(&w, 23, NULL);
	l = tw_listen(&w, PORT, 4);
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	CHECK_EQ(ut_neigh_resolve(w.s, ipaddr(CLIENT_IP)), 0);
	tw_run(&w, 1 * SEC);
	c = tw_connect_nb(&w, PORT);
	/* SYN reaches the server at 10 ms; SYN-ACK the client at 20 ms;
	 * drop the client's ACK. */
	tw_run(&w, 15 * MS);
	blackhole(&w, 0, true);
	tw_run(&w, 10 * MS);
	blackhole(&w, 0, false);
	CHECK(tw_saw_state(&w, 0, TCP_SYN_SENT, TCP_ESTABLISHED));
	CHECK_EQ(tw_count(&w, 1, UT_TP_ACCEPT_QUEUE_ADD), 0);
	/* data carries the ACK: the server completes the handshake */
	CHECK_EQ(ut_send(w.c, c, "data", 4, 0), 4);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 4);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_lost_fin_is_retransmitted_and_the_close_completes)
{
	struct tcpworld w;
	int c, s;
	char buf[8];

	tw_make(&w, 24, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	blackhole(&w, 0, true);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_run(&w, 100 * MS);
	blackhole(&w, 0, false);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_FIN, TCPHDR_FIN), 2);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 1 * SEC);
	CHECK(tw_saw_state(&w, 1, TCP_LAST_ACK, TCP_CLOSE));
	tw_done(&w);
}

struct outage {
	uint64_t at, len;
	bool done;
};

static void outage_step(struct tcpworld *w, uint64_t t, void *arg)
{
	struct outage *o = arg;
	if (o->done || t < o->at)
		return;
	blackhole(w, 0, t < o->at + o->len);
	o->done = t >= o->at + o->len;
}

/* Sends n bytes from client to server with the link dropping everything
 * from outage_at for outage_len, and checks they arrive intact. */
static void transfer_with_outage(uint64_t seed, size_t n, uint64_t outage_at, uint64_t outage_len)
{
	struct tcpworld w;
	static char out[1 << 20], in[1 << 20];
	struct outage o = {outage_at, outage_len, false};
	struct ut_link_stats st;
	int c, s;

	tw_make(&w, seed, NULL);
	tw_pair(&w, PORT, &c, &s);
	fill(out, n, (unsigned)seed);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 600 * SEC, outage_step, &o), n);
	CHECK(!memcmp(in, out, n));
	/* the outage did take data (the premise), and it was sent again */
	ut_sim_link_get_stats(w.link, 0, &st);
	CHECK(st.lost > 0);
	CHECK(tw_counter(w.c, "Tcp", "RetransSegs") > 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(data_lost_at_the_start_of_a_transfer_arrives_intact)
{
	transfer_with_outage(31, 200000, 0, 5 * MS);
}

TEST(data_lost_in_the_middle_of_a_transfer_arrives_intact)
{
	/* longer than the 20 ms round trip: a whole flight is lost, however
	 * the sender spaces its bursts */
	transfer_with_outage(32, 500000, 60 * MS, 25 * MS);
}

TEST(data_lost_at_the_end_of_a_transfer_arrives_intact)
{
	/* 20 kB leave in the first two round trips; lose the tail */
	transfer_with_outage(33, 20000, 15 * MS, 30 * MS);
}

/* A 300 kB transfer over a link losing 1% of frames, with SACK agreed or
 * not (net.ipv4.tcp_sack on the client, which then offers no
 * SACK-permitted). */
static void transfer_with_random_loss(bool sack)
{
	struct tcpworld w;
	struct ut_link_params lp;
	static char out[300000], in[300000];
	size_t n = sizeof(out);
	int c, s;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = 0.01;
	tw_make(&w, 34, &lp);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_sack", sack), 0);
	tw_pair(&w, PORT, &c, &s);
	fill(out, n, 7);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 600 * SEC, NULL, NULL), n);
	CHECK(!memcmp(in, out, n));
	CHECK(tw_counter(w.c, "TcpExt", sack ? "TCPSackRecovery" : "TCPRenoRecovery") >= 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", sack ? "TCPRenoRecovery" : "TCPSackRecovery"), 0);
	CHECK(tw_counter(w.c, "TcpExt", "TCPFastRetrans") >= 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(sacked_holes_are_retransmitted_in_fast_recovery_when_sack_is_agreed)
{
	transfer_with_random_loss(true);
}

TEST(three_duplicate_acks_trigger_fast_retransmit_and_newreno_recovery_without_sack)
{
	transfer_with_random_loss(false);
}

TEST(retransmission_timeout_after_tcp_retries2_ends_in_etimedout)
{
	struct tcpworld w;
	int c, s;
	char buf[8];

	tw_make(&w, 25, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	/* A static ARP entry (ip neigh ... nud permanent): the peer's segments
	 * vanish beyond reach of ARP, so no ICMP host unreachable softens
	 * the error: ETIMEDOUT, as Linux reports. */
	neigh_update(&w.c->arp_tbl, netdev_from_ut(ut_sim_link_dev(w.link, 0)),
		     &(uint32_t){inet_addr(SERVER_IP)},
		     netdev_from_ut(ut_sim_link_dev(w.link, 1))->dev_addr, NUD_PERMANENT, true);
	ut_sim_link_set_up(w.link, false);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_send(w.c, c, "lost", 4, 0), 4);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	/* 15 retries from a 200 ms-ish RTO, capped at 120 s: ~924.6 s
	 * (Linux's tcp_model_timeout), plus the initial RTO. */
	double secs = (double)(ut_sim_now(w.sim) - t0) / SEC;
	CHECK(secs > 900 && secs < 1000);
	/* a tail-loss probe (the segment again, at about 2 RTTs), then 15
	 * retransmissions by the RTO, as Linux sends them */
	CHECK_EQ(tw_count(&w, 0, UT_TP_TCP_RETRANSMIT_SKB), 16);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnTimeout"), 1);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* A firewall in front of the server: TCP frames vanish, ARP is answered. */
static enum rx_handler_result drop_tcp(struct sk_buff *skb, void *data)
{
	(void)data;
	if (skb->len >= ETH_HLEN + IPV4_HLEN_MIN && get_be16(skb->data + 12) == ETH_P_IP &&
	    skb->data[ETH_HLEN + 9] == IPPROTO_TCP_) {
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	return RX_HANDLER_PASS;
}

/* SYNs that vanish (the neighbour still answers ARP): six retries, then
 * ETIMEDOUT, 127 s after the first SYN (Linux's tcp_syn_retries 6). */
TEST(connect_gives_up_with_etimedout_after_six_syn_retries_in_about_127_seconds)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT);
	struct net_device *sdev;
	int c;

	tw_make(&w, 26, NULL);
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	tw_run(&w, 1 * SEC);
	sdev = netdev_from_ut(ut_sim_link_dev(w.link, 1));
	sdev->rx_handler = drop_tcp;
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0) / SEC, 127.0, 0.01);
	CHECK_EQ(tw_segments(&w, 0, 0x3f, TCPHDR_SYN), 7);
	sdev->rx_handler = NULL;
	ut_close(w.c, c);
	tw_done(&w);
}

/* A blocking connect from the client with the link down (the server's
 * address resolved a second before, if resolved): it must fail with
 * EHOSTUNREACH, an ICMP host unreachable sent; the seconds it took. */
static double connect_over_a_dead_link(bool resolved)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT);
	int c;

	tw_make(&w, 26, NULL);
	if (resolved) {
		CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
		tw_run(&w, 1 * SEC);
	}
	ut_sim_link_set_up(w.link, false);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EHOSTUNREACH);
	double t = (double)(ut_sim_now(w.sim) - t0) / SEC;
	CHECK(tw_counter(w.c, "Icmp", "OutDestUnreachs") >= 1);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	tw_done(&w);
	return t;
}

/* The link is down: once the neighbour cannot be resolved, a SYN held for
 * it comes back as ICMP host unreachable (Linux's arp_error_report and
 * ipv4_link_failure), and tcp_v4_err ends a connect in SYN_SENT on it at
 * once, soft error or not: connect() says EHOSTUNREACH when ARP gives up,
 * 3 s for an address never resolved (three probes a second apart), the
 * "No route to host" a Linux user sees for an absent neighbour, not after
 * the SYN retries. The transmitted SYN's IP control block must read as
 * cleared for that: TCP's sent time once lay where IP keeps its flags,
 * looked like IPSKB_BROADCAST, and hid the error. */
TEST(connect_reports_ehostunreach_when_the_neighbour_cannot_be_resolved)
{
	CHECK_NEAR(connect_over_a_dead_link(false), 3.0, 0.01);
}

/* One resolved before the link went down is given up later, when the
 * entry, unconfirmed, has gone stale and its probes go unanswered; the
 * connect ends then, still before its SYN retries would (127 s). */
TEST(connect_reports_ehostunreach_when_a_known_neighbour_stops_answering)
{
	double t = connect_over_a_dead_link(true);

	CHECK(t > 15 && t < 127);
}

TEST(keepalive_probes_end_a_silent_connection_with_etimedout)
{
	struct tcpworld w;
	int c, s, on = 1, idle = 10, intvl = 5, cnt = 3;
	char buf[8];

	tw_make(&w, 27, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)), 0);
	/* while the peer answers, probes keep the connection alive */
	tw_run(&w, 60 * SEC);
	CHECK(tw_counter(w.c, "TcpExt", "TCPKeepAlive") >= 4);
	CHECK(tw_saw_state(&w, 0, TCP_SYN_SENT, TCP_ESTABLISHED));
	ut_sim_link_set_up(w.link, false);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ETIMEDOUT);
	/* at most idle + cnt * intvl after the last answer */
	CHECK((ut_sim_now(w.sim) - t0) <= 25 * SEC);
	ut_sim_link_set_up(w.link, true);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_full_receive_buffer_closes_the_window_and_probes_reopen_it)
{
	struct tcpworld w;
	static char out[200000], in[200000];
	size_t sent = 0, n = sizeof(out);
	int l, c, s, small = 4096;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT);

	tw_make(&w, 28, NULL);
	l = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_setsockopt(w.s, l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_listen(w.s, l, 4), 0);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa));
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	fill(out, n, 3);
	/* the server does not read for 10 s */
	while (ut_sim_now(w.sim) < 12 * SEC) {
		ssize_t k = ut_send(w.c, c, out + sent, n - sent, 0);
		if (k > 0)
			sent += (size_t)k;
		tw_run(&w, 10 * MS);
	}
	CHECK(sent < n);
	CHECK(tw_counter(w.s, "TcpExt", "TCPToZeroWindowAdv") >= 1);
	CHECK(tw_counter(w.c, "TcpExt", "TCPWinProbe") >= 1);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, &sent, 300 * SEC, NULL, NULL), n);
	CHECK(!memcmp(in, out, n));
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_full_accept_queue_drops_the_final_ack_and_counts_listen_overflows)
{
	struct tcpworld w;
	int l, c[4], s;

	tw_make(&w, 29, NULL);
	l = tw_listen(&w, PORT, 2); /* backlog 2: three connections fit */
	c[0] = tw_connect_nb(&w, PORT);
	c[1] = tw_connect_nb(&w, PORT);
	tw_run(&w, 100 * MS);
	/* two more at once: both SYNs find room, only one final ACK does */
	c[2] = tw_connect_nb(&w, PORT);
	c[3] = tw_connect_nb(&w, PORT);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "ListenOverflows"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "ListenDrops"), 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_LISTEN_OVERFLOW), 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_ACCEPT_QUEUE_ADD), 3);
	/* accept makes room; the SYN-ACK timer lets the last one in */
	for (int i = 0; i < 4; i++) {
		s = ut_accept(w.s, l, NULL, NULL);
		CHECK(s >= 0);
		ut_close(w.s, s);
	}
	CHECK(tw_count(&w, 1, UT_TP_TCP_RETRANSMIT_SYNACK) >= 1);
	for (int i = 0; i < 4; i++)
		ut_close(w.c, c[i]);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(non_blocking_calls_say_eagain_and_blocking_ones_wait_or_time_out)
{
	struct tcpworld w;
	struct timeval tv = {0, 300000};
	int l, c, s;
	char buf[8];

	tw_make(&w, 30, NULL);
	l = tw_listen(&w, PORT, 4);
	ut_fcntl(w.s, l, F_SETFL, O_NONBLOCK);
	CHECK_EQ(ut_accept(w.s, l, NULL, NULL), -1);
	CHECK_EQ(errno, EAGAIN);
	c = tw_connect_nb(&w, PORT);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET},
			    sizeof(struct sockaddr_in)),
		 -1);
	CHECK_EQ(errno, EALREADY);
	tw_run(&w, 1 * SEC);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	/* blocking recv with SO_RCVTIMEO: EAGAIN after 300 ms of silence */
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0), 300.0 * MS, 1.0 * MS);
	/* MSG_DONTWAIT on a blocking socket */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	/* MSG_PEEK leaves the data; MSG_WAITALL waits for all of it */
	CHECK_EQ(ut_send(w.c, c, "abcd", 4, 0), 4);
	CHECK_EQ(ut_recv(w.s, s, buf, 2, MSG_PEEK), 2);
	CHECK_EQ(ut_recv(w.s, s, buf, 4, MSG_WAITALL), 4);
	CHECK(!memcmp(buf, "abcd", 4));
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}
