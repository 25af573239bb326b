/* What goes on the wire: negotiated options, the MSS from the route's
 * MTU, Nagle and its switches, delayed ACKs, the orphan FIN_WAIT_2
 * timeout and SO_LINGER's wait. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static struct tcp_info info_of(struct ut_stack *st, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return ti;
}

TEST(the_handshake_negotiates_mss_window_scale_sack_and_timestamps_as_linux)
{
	struct tcpworld w;
	int c, s;

	tw_make(&w, 51, NULL);
	tw_pair(&w, PORT, &c, &s);
	struct tcp_info ci = info_of(w.c, c), si = info_of(w.s, s);
	CHECK_EQ(ci.tcpi_state, TCP_ESTABLISHED);
	CHECK(ci.tcpi_options & TCPI_OPT_TIMESTAMPS);
	CHECK(ci.tcpi_options & TCPI_OPT_SACK);
	CHECK(ci.tcpi_options & TCPI_OPT_WSCALE);
	/* tcp_rmem's maximum, 32 MiB as Linux 6.18's, needs a scale of 10 */
	CHECK_EQ(ci.tcpi_snd_wscale, 10);
	CHECK_EQ(ci.tcpi_rcv_wscale, 10);
	CHECK_EQ(si.tcpi_snd_wscale, 10);
	/* 1500 - 40, less 12 for the timestamp option on every segment */
	CHECK_EQ(ci.tcpi_snd_mss, 1448);
	CHECK_EQ(si.tcpi_snd_mss, 1448);
	/* The MSS announced was 1460; with timestamps agreed the active
	 * side counts 12 bytes of every segment out of it, as Linux's
	 * (the differential test saw the kernel do so on its loopback). */
	CHECK_EQ(ci.tcpi_advmss, 1448);
	CHECK_EQ(ci.tcpi_snd_cwnd, 10);
	CHECK_EQ(ci.tcpi_rto, 200000 + ci.tcpi_rtt); /* RTT + RTO_MIN-bounded var */
	/* Linux's SYN window: 44 segments of 1460; SYN-ACK: 45 of 1448 */
	unsigned syn_win = 0, synack_win = 0;
	for (unsigned i = 0; i < w.nev; i++) {
		if (w.ev[i].type != UT_TP_SEGMENT_SEND)
			continue;
		if (w.ev[i].flags == TCPHDR_SYN)
			syn_win = w.ev[i].window;
		if (w.ev[i].flags == (TCPHDR_SYN | TCPHDR_ACK))
			synack_win = w.ev[i].window;
	}
	CHECK_EQ(syn_win, 64240);
	CHECK_EQ(synack_win, 65160);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(the_mss_follows_the_route_mtu_and_tcp_maxseg)
{
	struct tcpworld w;
	struct ut_link_params lp;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT);
	int l, c, s, m = 500;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.mtu = 1000;
	tw_make(&w, 52, &lp);
	l = tw_listen(&w, PORT, 4);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK_EQ(info_of(w.c, c).tcpi_snd_mss, 948);
	ut_close(w.c, c);
	ut_close(w.s, s);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_MAXSEG, &m, sizeof(m)), 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = ut_accept(w.s, l, NULL, NULL);
	/* Linux clamps to 500 and then takes the timestamp option out */
	CHECK_EQ(info_of(w.c, c).tcpi_snd_mss, 488);
	/* the server learns the client's 500 from the SYN */
	CHECK(info_of(w.s, s).tcpi_snd_mss <= 500);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

static unsigned data_segments(const struct tcpworld *w, int host)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == host && w->ev[i].type == UT_TP_SEGMENT_SEND && w->ev[i].len)
			n++;
	return n;
}

TEST(nagle_holds_a_small_segment_while_one_is_unacknowledged_and_tcp_nodelay_does_not)
{
	struct tcpworld w;
	int c, s, on = 1;

	tw_make(&w, 53, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	tw_clear(&w);
	CHECK_EQ(ut_send(w.c, c, "a", 1, 0), 1);
	CHECK_EQ(ut_send(w.c, c, "b", 1, 0), 1);
	CHECK_EQ(ut_send(w.c, c, "c", 1, 0), 1);
	CHECK_EQ(data_segments(&w, 0), 1); /* b and c wait for the ACK of a */
	tw_run(&w, 1 * SEC);
	CHECK_EQ(data_segments(&w, 0), 2); /* then leave together */
	tw_clear(&w);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)), 0);
	CHECK_EQ(ut_send(w.c, c, "d", 1, 0), 1);
	CHECK_EQ(ut_send(w.c, c, "e", 1, 0), 1);
	CHECK_EQ(data_segments(&w, 0), 2);
	tw_run(&w, 1 * SEC);
	char buf[16];
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 5);
	CHECK(!memcmp(buf, "abcde", 5));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(tcp_cork_and_msg_more_hold_partial_segments_until_released)
{
	struct tcpworld w;
	int c, s, on = 1, off = 0;

	tw_make(&w, 54, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	tw_clear(&w);
	CHECK_EQ(ut_send(w.c, c, "head", 4, MSG_MORE), 4);
	CHECK_EQ(data_segments(&w, 0), 0);
	CHECK_EQ(ut_send(w.c, c, "body", 4, 0), 4);
	CHECK_EQ(data_segments(&w, 0), 1);
	tw_run(&w, 1 * SEC);
	tw_clear(&w);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)), 0);
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), 1);
	CHECK_EQ(ut_send(w.c, c, "y", 1, 0), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(data_segments(&w, 0), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_CORK, &off, sizeof(off)), 0);
	CHECK_EQ(data_segments(&w, 0), 1);
	tw_run(&w, 1 * SEC);
	char buf[16];
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 10);
	CHECK(!memcmp(buf, "headbodyxy", 10));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_lone_segment_is_acknowledged_after_the_delayed_ack_timeout_once_quick_acks_are_spent)
{
	struct tcpworld w;
	int c, s, on = 1;
	char buf[4];

	tw_make(&w, 55, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)), 0);
	/* spend the quick ACKs of the connection's start (closer together
	 * than the RTO, or Linux starts quick ACKs again) */
	for (int i = 0; i < 20; i++) {
		CHECK_EQ(ut_send(w.c, c, "q", 1, 0), 1);
		tw_run(&w, 100 * MS);
		CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 1);
	}
	tw_clear(&w);
	CHECK_EQ(ut_send(w.c, c, "z", 1, 0), 1);
	tw_run(&w, 100 * MS);
	/* the ACK left 40 ms after the segment arrived (10 ms one way) */
	uint64_t rx = 0, ack = 0;
	for (unsigned i = 0; i < w.nev; i++) {
		if (w.ev[i].host == 1 && w.ev[i].type == UT_TP_SEGMENT_RECV && w.ev[i].len == 1)
			rx = w.ev[i].t;
		if (w.ev[i].host == 1 && w.ev[i].type == UT_TP_SEGMENT_SEND && !w.ev[i].len && rx &&
		    !ack)
			ack = w.ev[i].t;
	}
	CHECK(rx && ack);
	CHECK_EQ(ack - rx, 40 * MS);
	CHECK(tw_counter(w.s, "TcpExt", "DelayedACKs") >= 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* Linux's delayed-ACK engine starts when the first data arrives
 * (tcp_event_data_recv sets ato); until then ato is 0, so the ACK owed
 * for a FIN on a connection that never received data leaves at once
 * rather than 40 ms later (packetdrill's close-remote-fin-then-close.pkt). */
TEST(a_fin_on_a_connection_that_received_no_data_is_acknowledged_at_once)
{
	struct tcpworld w;
	int c, s;
	char buf[4];

	tw_make(&w, 56, NULL);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 100 * MS);
	tw_clear(&w);
	CHECK_EQ(ut_shutdown(w.c, c, SHUT_WR), 0);
	tw_run(&w, 100 * MS);
	uint64_t fin = 0, ack = 0;
	for (unsigned i = 0; i < w.nev; i++) {
		const struct tw_event *e = &w.ev[i];
		if (e->host == 1 && e->type == UT_TP_SEGMENT_RECV && (e->flags & TCPHDR_FIN))
			fin = e->t;
		if (e->host == 1 && e->type == UT_TP_SEGMENT_SEND && fin && !ack)
			ack = e->t;
	}
	CHECK(fin && ack);
	CHECK(ack - fin <= 1 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	ut_close(w.s, s);
	ut_close(w.c, c);
	tw_done(&w);
}

TEST(an_orphan_in_fin_wait_2_is_freed_after_tcp_fin_timeout)
{
	struct tcpworld w;
	int c, s;

	tw_make(&w, 56, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_close(w.c, c), 0); /* the server never closes */
	tw_run(&w, 1 * SEC);
	CHECK(tw_saw_state(&w, 0, TCP_FIN_WAIT1, TCP_FIN_WAIT2));
	CHECK_EQ(w.c->tw_count, 1); /* held in a time-wait socket */
	tw_run(&w, 58 * SEC);
	CHECK_EQ(w.c->tw_count, 1);
	tw_run(&w, 2 * SEC);
	CHECK_EQ(w.c->tw_count, 0);
	CHECK(tw_saw_state(&w, 0, TCP_FIN_WAIT2, TCP_CLOSE));
	/* a late segment from the server now finds no socket: reset */
	CHECK_EQ(ut_send(w.s, s, "late", 4, 0), 4);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_count(&w, 0, UT_TP_TCP_SEND_RESET), 1);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(so_linger_with_a_timeout_makes_close_wait_for_the_fin_to_be_acknowledged)
{
	struct tcpworld w;
	struct linger lg = {1, 5};
	int c, s;

	tw_make(&w, 57, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_close(w.c, c), 0);
	/* FIN out (10 ms), ACK back (10 ms): the peer never received data,
	 * so its delayed-ACK engine has not started and it ACKs at once */
	CHECK_EQ(ut_sim_now(w.sim) - t0, 20 * MS);
	CHECK(tw_saw_state(&w, 0, TCP_FIN_WAIT1, TCP_FIN_WAIT2));
	ut_close(w.s, s);
	tw_done(&w);
}
