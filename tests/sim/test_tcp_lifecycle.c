/* The life of a TCP connection in the simulator, step by step as Linux
 * runs it: the states visited on each side, the segments on the wire and
 * the errno each call sees. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "ackinject.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static char states[512];

TEST(client_closing_first_visits_fin_wait_and_time_wait_while_server_passes_close_wait)
{
	struct tcpworld w;
	int c, s;
	char buf[16];

	tw_make(&w, 1, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_send(w.c, c, "hello", 5, 0), 5);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 5);
	CHECK_EQ(ut_close(w.c, c), 0);
	/* end of stream: recv returns 0 */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 1 * SEC);
	CHECK(!strcmp(tw_states(&w, 0, PORT, states, sizeof(states)),
		      "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT"));
	CHECK(!strcmp(tw_states(&w, 1, PORT, states, sizeof(states)),
		      "LISTEN SYN_RECV ESTABLISHED CLOSE CLOSE_WAIT LAST_ACK CLOSE"));
	/* the handshake: one SYN, one SYN-ACK */
	CHECK_EQ(tw_segments(&w, 0, 0x3f, TCPHDR_SYN), 1);
	CHECK_EQ(tw_segments(&w, 1, 0x3f, TCPHDR_SYN | TCPHDR_ACK), 1);
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_FIN, TCPHDR_FIN), 1);
	CHECK_EQ(tw_segments(&w, 1, TCPHDR_FIN, TCPHDR_FIN), 1);
	CHECK_EQ(w.c->tw_count, 1);
	/* TIME_WAIT lasts 60 s */
	tw_run(&w, 58 * SEC);
	CHECK_EQ(w.c->tw_count, 1);
	tw_run(&w, 2 * SEC);
	CHECK_EQ(w.c->tw_count, 0);
	CHECK(tw_saw_state(&w, 0, TCP_TIME_WAIT, TCP_CLOSE));
	CHECK_EQ(tw_counter(w.c, "Tcp", "ActiveOpens"), 1);
	CHECK_EQ(tw_counter(w.s, "Tcp", "PassiveOpens"), 1);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs"), 0);
	tw_done(&w);
}

TEST(server_closing_first_leaves_the_time_wait_on_the_server)
{
	struct tcpworld w;
	int c, s;
	char buf[16];

	tw_make(&w, 2, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_run(&w, 1 * SEC);
	CHECK(!strcmp(tw_states(&w, 0, PORT, states, sizeof(states)),
		      "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"));
	CHECK(!strcmp(tw_states(&w, 1, PORT, states, sizeof(states)),
		      "LISTEN SYN_RECV ESTABLISHED CLOSE FIN_WAIT1 FIN_WAIT2 TIME_WAIT"));
	CHECK_EQ(w.s->tw_count, 1);
	tw_done(&w);
}

/* An orphan in FIN_WAIT2 lives on as a time-wait socket; data from the
 * peer ends it with a reset. Its end is reported like any other
 * (FIN_WAIT2 -> CLOSE), so a trace shows every connection closing: the
 * soak once saw a new connection on the same 4-tuple begin while the old
 * one had last been reported in FIN_WAIT2. */
TEST(a_time_wait_socket_ended_by_data_after_close_reports_its_close)
{
	struct tcpworld w;
	int c, s;
	char buf[16];

	tw_make(&w, 3, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_run(&w, 100 * MS);
	CHECK_EQ(w.c->tw_count, 1);
	CHECK(!strcmp(tw_states(&w, 0, PORT, states, sizeof(states)),
		      "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2"));
	CHECK_EQ(ut_send(w.s, s, "late", 4, 0), 4);
	tw_run(&w, 100 * MS);
	CHECK_EQ(w.c->tw_count, 0);
	CHECK(!strcmp(tw_states(&w, 0, PORT, states, sizeof(states)),
		      "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"));
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	/* A reset in CLOSE_WAIT is EPIPE, as Linux's tcp_reset sets it. */
	CHECK_EQ(ut_send(w.s, s, "x", 1, MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(simultaneous_close_passes_through_closing_on_both_sides)
{
	struct tcpworld w;
	int c, s;

	tw_make(&w, 3, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	/* Both FINs are on the wire before either arrives. */
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 1 * SEC);
	CHECK(tw_saw_state(&w, 0, TCP_FIN_WAIT1, TCP_CLOSING));
	CHECK(tw_saw_state(&w, 1, TCP_FIN_WAIT1, TCP_CLOSING));
	CHECK(tw_saw_state(&w, 0, TCP_CLOSING, TCP_TIME_WAIT));
	CHECK(tw_saw_state(&w, 1, TCP_CLOSING, TCP_TIME_WAIT));
	tw_done(&w);
}

TEST(simultaneous_open_goes_from_syn_sent_through_syn_recv_to_established)
{
	struct tcpworld w;
	struct sockaddr_in ca = tw_addr(CLIENT_IP, 5000), sa = tw_addr(SERVER_IP, 6000);
	int a, b;

	tw_make(&w, 4, NULL);
	a = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	b = ut_socket(w.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_bind(w.c, a, (struct sockaddr *)&ca, sizeof(ca)), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* ARP first, so that both SYNs leave at once and cross. */
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	CHECK_EQ(ut_neigh_resolve(w.s, ipaddr(CLIENT_IP)), 0);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(ut_connect(w.c, a, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	CHECK_EQ(ut_connect(w.s, b, (struct sockaddr *)&ca, sizeof(ca)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	tw_run(&w, 1 * SEC);
	CHECK(!strcmp(tw_states(&w, 0, 0, states, sizeof(states)),
		      "SYN_SENT SYN_RECV ESTABLISHED"));
	CHECK(!strcmp(tw_states(&w, 1, 0, states, sizeof(states)),
		      "SYN_SENT SYN_RECV ESTABLISHED"));
	/* the second connect reports the result */
	CHECK_EQ(ut_connect(w.c, a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_connect(w.c, a, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EISCONN);
	CHECK_EQ(ut_send(w.c, a, "x", 1, 0), 1);
	tw_run(&w, 1 * SEC);
	char ch;
	CHECK_EQ(ut_recv(w.s, b, &ch, 1, 0), 1);
	CHECK_EQ(ch, 'x');
	CHECK_EQ(ut_close(w.c, a), 0);
	CHECK_EQ(ut_close(w.s, b), 0);
	tw_done(&w);
}

TEST(half_close_lets_the_other_side_keep_sending)
{
	struct tcpworld w;
	int c, s;
	char buf[64];

	tw_make(&w, 5, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_shutdown(w.c, c, SHUT_WR), 0);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	/* the client can no longer send: EPIPE (MSG_NOSIGNAL: no SIGPIPE) */
	CHECK_EQ(ut_send(w.c, c, "x", 1, MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	/* but it still receives */
	CHECK_EQ(ut_send(w.s, s, "after", 5, 0), 5);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 5);
	CHECK(!memcmp(buf, "after", 5));
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_run(&w, 1 * SEC);
	CHECK(!strcmp(tw_states(&w, 0, PORT, states, sizeof(states)),
		      "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT"));
	tw_done(&w);
}

/* Linux's tcp_cwnd_test lets a segment of at most one MSS carrying the FIN
 * out even when the congestion window is full, so that shutdown() after a
 * window's worth of data announces the end at once instead of one RTT
 * later (packetdrill's shutdown-rdwr-write-queue-close.pkt). */
TEST(the_fin_leaves_at_once_even_when_the_congestion_window_is_full)
{
	struct tcpworld w;
	struct ut_link_params lp;
	static char data[10 * 1460];
	int c, s;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	tw_make(&w, 6, &lp);
	tw_pair(&w, PORT, &c, &s);
	tw_clear(&w);
	/* ten full segments: the initial window, all in flight */
	CHECK_EQ(ut_send(w.c, c, data, sizeof(data), 0), (long)sizeof(data));
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_FIN, 0), 10);
	CHECK_EQ(ut_shutdown(w.c, c, SHUT_WR), 0);
	/* before any ACK could come back */
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_FIN, TCPHDR_FIN), 1);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs"), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(connect_to_a_closed_port_is_refused_by_a_reset)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, 9);
	int c;

	tw_make(&w, 6, NULL);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(tw_count(&w, 1, UT_TP_TCP_SEND_RESET), 1);
	CHECK_EQ(tw_count(&w, 0, UT_TP_TCP_RECEIVE_RESET), 1);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutRsts"), 1);
	CHECK_EQ(tw_counter(w.c, "Tcp", "AttemptFails"), 1);
	CHECK(tw_saw_state(&w, 0, TCP_SYN_SENT, TCP_CLOSE));
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_done(&w);
}

TEST(closing_with_unread_data_sends_a_reset_and_the_peer_sees_econnreset)
{
	struct tcpworld w;
	int c, s;
	char buf[16];

	tw_make(&w, 7, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_send(w.c, c, "unread", 6, 0), 6);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(ut_close(w.s, s), 0); /* 6 bytes never read */
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPAbortOnClose"), 1);
	CHECK_EQ(tw_segments(&w, 1, TCPHDR_RST, TCPHDR_RST), 1);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ECONNRESET);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_done(&w);
}

TEST(so_linger_zero_aborts_with_a_reset_and_no_time_wait)
{
	struct tcpworld w;
	struct linger lg = {1, 0};
	int c, s;
	char buf[4];

	tw_make(&w, 8, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_RST, TCPHDR_RST), 1);
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_FIN, TCPHDR_FIN), 0);
	CHECK_EQ(w.c->tw_count, 0);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ECONNRESET);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(a_port_in_time_wait_cannot_be_bound_until_the_time_wait_expires)
{
	struct tcpworld w;
	struct sockaddr_in ca = tw_addr(CLIENT_IP, 40000), sa = tw_addr(SERVER_IP, PORT);
	int l, c, s, c2;
	char buf[4];

	tw_make(&w, 9, NULL);
	l = tw_listen(&w, PORT, 4);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.c, c, (struct sockaddr *)&ca, sizeof(ca)), 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(w.c->tw_count, 1);
	c2 = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.c, c2, (struct sockaddr *)&ca, sizeof(ca)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	tw_run(&w, 60 * SEC);
	CHECK_EQ(w.c->tw_count, 0);
	CHECK_EQ(ut_bind(w.c, c2, (struct sockaddr *)&ca, sizeof(ca)), 0);
	CHECK_EQ(ut_connect(w.c, c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c2), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(bind_conflicts_follow_linux_rules)
{
	struct tcpworld w;
	struct sockaddr_in any = tw_addr("0.0.0.0", 7000), one = tw_addr(SERVER_IP, 7000);
	struct sockaddr_in bad = tw_addr("10.9.9.9", 7000);
	int on = 1, a, b, d;

	tw_make(&w, 10, NULL);
	a = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	b = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	d = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&bad, sizeof(bad)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&any, sizeof(any)), 0);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&any, sizeof(any)), -1);
	CHECK_EQ(errno, EINVAL); /* already bound */
	/* wildcard against specific address: conflict */
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&one, sizeof(one)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	/* SO_REUSEADDR on both, first one not listening: allowed */
	CHECK_EQ(ut_setsockopt(w.s, a, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_setsockopt(w.s, b, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&one, sizeof(one)), 0);
	/* ... but once one listens, the other cannot */
	CHECK_EQ(ut_listen(w.s, a, 1), 0);
	CHECK_EQ(ut_listen(w.s, b, 1), -1);
	CHECK_EQ(errno, EADDRINUSE);
	/* SO_REUSEPORT on both: allowed even while listening */
	CHECK_EQ(ut_setsockopt(w.s, d, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(w.s, d, (struct sockaddr *)&one, sizeof(one)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	CHECK_EQ(ut_close(w.s, a), 0);
	CHECK_EQ(ut_close(w.s, b), 0);
	CHECK_EQ(ut_close(w.s, d), 0);
	{
		int p = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
		int q = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
		CHECK_EQ(ut_setsockopt(w.s, p, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)), 0);
		CHECK_EQ(ut_setsockopt(w.s, q, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)), 0);
		CHECK_EQ(ut_bind(w.s, p, (struct sockaddr *)&one, sizeof(one)), 0);
		CHECK_EQ(ut_listen(w.s, p, 1), 0);
		CHECK_EQ(ut_bind(w.s, q, (struct sockaddr *)&one, sizeof(one)), 0);
		CHECK_EQ(ut_listen(w.s, q, 1), 0);
		CHECK_EQ(ut_close(w.s, p), 0);
		CHECK_EQ(ut_close(w.s, q), 0);
	}
	tw_done(&w);
}

TEST(ephemeral_ports_come_from_the_linux_range)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT), me;
	socklen_t len = sizeof(me);
	int l, c[20], s;

	tw_make(&w, 11, NULL);
	l = tw_listen(&w, PORT, 32);
	for (int i = 0; i < 20; i++) {
		c[i] = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
		CHECK_EQ(ut_connect(w.c, c[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
		len = sizeof(me);
		CHECK_EQ(ut_getsockname(w.c, c[i], (struct sockaddr *)&me, &len), 0);
		CHECK(ntohs(me.sin_port) >= 32768 && ntohs(me.sin_port) <= 60999);
		CHECK_EQ(me.sin_addr.s_addr, inet_addr(CLIENT_IP));
		for (int j = 0; j < i; j++) {
			struct sockaddr_in other;
			socklen_t ol = sizeof(other);
			ut_getsockname(w.c, c[j], (struct sockaddr *)&other, &ol);
			CHECK(other.sin_port != me.sin_port);
		}
		s = ut_accept(w.s, l, NULL, NULL);
		CHECK(s >= 0);
		CHECK_EQ(ut_close(w.s, s), 0);
	}
	for (int i = 0; i < 20; i++)
		CHECK_EQ(ut_close(w.c, c[i]), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

/* Segments the client sent, as its trace counted them. */
static unsigned client_sent(const struct tcpworld *w)
{
	return tw_count(w, 0, UT_TP_SEGMENT_SEND);
}

/* An orphan in FIN_WAIT2 and a socket in TIME_WAIT live as time-wait
 * sockets, which answer as Linux's tcp_timewait_state_process does: a
 * duplicate ACK gets nothing, and the ACKs that answer unacceptable
 * segments come at most one per net.ipv4.tcp_invalid_ratelimit, counted
 * in TCPACKSkippedFinWait2 and TCPACKSkippedTimeWait. Two such sockets
 * answering each other's ACKs would otherwise trade ACKs for ever. */
TEST(a_time_wait_socket_ignores_duplicate_acks_and_rate_limits_its_answers_to_bad_segments)
{
	struct tcpworld w;
	struct tw_tuple t;
	int c, s;
	uint32_t rcv_nxt, snd_nxt;
	unsigned before;

	tw_make(&w, 58, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_tuple_of(&w, c, &t);
	t.tsval += 100000; /* newer than any the server sends meanwhile: PAWS passes */
	rcv_nxt = tw_tcp_sk(w.c, c)->rcv_nxt;
	snd_nxt = tw_tcp_sk(w.c, c)->snd_nxt;
	CHECK_EQ(ut_close(w.c, c), 0); /* the server stays in CLOSE_WAIT */
	tw_run(&w, 1 * SEC);
	CHECK_EQ(w.c->tw_count, 1);
	CHECK(tw_saw_state(&w, 0, TCP_FIN_WAIT1, TCP_FIN_WAIT2));

	/* Duplicate ACKs of our FIN: nothing. */
	before = client_sent(&w);
	for (int i = 0; i < 10; i++)
		tw_inject_to_tuple(&w, &t, 0, TCPHDR_ACK, rcv_nxt, snd_nxt + 1, 0, NULL, 0, NULL,
				   0);
	CHECK_EQ(client_sent(&w), before);
	/* Far outside the window: one ACK, the rest skipped. */
	for (int i = 0; i < 10; i++)
		tw_inject_to_tuple(&w, &t, 0, TCPHDR_ACK, rcv_nxt + 100000000, snd_nxt + 1, 0, NULL,
				   0, "x", 1);
	CHECK_EQ(client_sent(&w), before + 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPACKSkippedFinWait2"), 9);
	/* Half a second on, one more. */
	tw_run(&w, 600 * SEC / 1000);
	tw_inject_to_tuple(&w, &t, 0, TCPHDR_ACK, rcv_nxt + 100000000, snd_nxt + 1, 0, NULL, 0, "x",
			   1);
	CHECK_EQ(client_sent(&w), before + 2);

	/* The server's FIN: TIME_WAIT, and the same limit there. */
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 1 * SEC);
	CHECK(tw_saw_state(&w, 0, TCP_FIN_WAIT2, TCP_TIME_WAIT));
	before = client_sent(&w);
	for (int i = 0; i < 10; i++)
		tw_inject_to_tuple(&w, &t, 0, TCPHDR_ACK, rcv_nxt + 100000000, snd_nxt + 1, 0, NULL,
				   0, "x", 1);
	CHECK_EQ(client_sent(&w), before + 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPACKSkippedTimeWait"), 9);
	tw_done(&w);
}
