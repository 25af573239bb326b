/* TCP_DEFER_ACCEPT as Linux keeps it: a listener given a number of
 * seconds holds each new connection in its SYN queue, dropping the
 * client's bare ACK, until data arrives (then accept() returns it with the
 * data) or the deferral runs out (then the last SYN-ACK asks the client for
 * an ACK that completes it). The seconds are kept as SYN-ACK timeouts and
 * read back as the time those last. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>

#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static int defer_of(struct ut_stack *st, int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, &len), 0);
	CHECK_EQ(len, sizeof(v));
	return v;
}

static void set_defer(struct ut_stack *st, int fd, int secs)
{
	CHECK_EQ(ut_setsockopt(st, fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)), 0);
}

/* 1 s, then 2, 4, 8 ... up to 120 s per timeout: a value reads back as
 * the sum of the fewest timeouts that reach it. */
TEST(tcp_defer_accept_reads_back_as_whole_syn_ack_timeouts)
{
	struct tcpworld w;
	int fd;

	tw_make(&w, 1, NULL);
	fd = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(defer_of(w.s, fd), 0);
	set_defer(w.s, fd, 1);
	CHECK_EQ(defer_of(w.s, fd), 1);
	set_defer(w.s, fd, 3);
	CHECK_EQ(defer_of(w.s, fd), 3);
	set_defer(w.s, fd, 5);
	CHECK_EQ(defer_of(w.s, fd), 7);
	set_defer(w.s, fd, 10);
	CHECK_EQ(defer_of(w.s, fd), 15);
	/* past 64 s the timeouts stop doubling at 120 s */
	set_defer(w.s, fd, 200);
	CHECK_EQ(defer_of(w.s, fd), 247);
	set_defer(w.s, fd, -5);
	CHECK_EQ(defer_of(w.s, fd), 0);
	ut_close(w.s, fd);
	tw_done(&w);
}

/* A world whose client knows the server's link address already, so the
 * first SYN is not held for ARP. */
static void make_world(struct tcpworld *w, uint64_t seed)
{
	tw_make(w, seed, NULL);
	CHECK_EQ(ut_neigh_resolve(w->c, ipaddr(SERVER_IP)), 0);
	tw_run(w, 100 * MS);
}

/* accept() that does not wait (a blocking one would run the world) */
static int accept_nb(struct tcpworld *w, int l)
{
	CHECK_EQ(ut_fcntl(w->s, l, F_SETFL, O_NONBLOCK), 0);
	return ut_accept4(w->s, l, NULL, NULL, 0);
}

TEST(a_deferring_listener_hands_over_a_connection_only_with_its_first_data)
{
	struct tcpworld w;
	char buf[16];
	int l, c, s;

	make_world(&w, 2);
	l = tw_listen(&w, PORT, 8);
	set_defer(w.s, l, 10);
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 500 * MS);
	/* the client thinks it is connected; the server dropped its ACK */
	CHECK_EQ(tw_tcp_sk(w.c, c)->inet_conn.icsk_inet.sk_state, TCP_ESTABLISHED);
	CHECK_EQ(accept_nb(&w, l), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPDeferAcceptDrop"), 1);
	/* nor does the SYN-ACK timer resend while it waits for data */
	tw_run(&w, 3 * SEC);
	CHECK_EQ(accept_nb(&w, l), -1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPSynRetrans"), 0);

	CHECK_EQ(ut_send(w.c, c, "hello", 5, 0), 5);
	tw_run(&w, 100 * MS);
	s = accept_nb(&w, l);
	CHECK(s >= 0);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), 5);
	CHECK_MEM_EQ(buf, "hello", 5);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(a_bare_ack_completes_the_handshake_once_the_deferral_has_run_out)
{
	struct tcpworld w;
	int l, c, s;

	make_world(&w, 3);
	l = tw_listen(&w, PORT, 8);
	set_defer(w.s, l, 1); /* one SYN-ACK timeout */
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 800 * MS);
	CHECK_EQ(accept_nb(&w, l), -1);
	/* at the timeout the SYN-ACK goes again; the client's ACK of it
	 * now completes the connection, without data */
	tw_run(&w, 1500 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPSynRetrans"), 1);
	s = accept_nb(&w, l);
	CHECK(s >= 0);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(without_tcp_defer_accept_the_bare_ack_completes_the_handshake_at_once)
{
	struct tcpworld w;
	int l, c, s;

	make_world(&w, 4);
	l = tw_listen(&w, PORT, 8);
	set_defer(w.s, l, 10);
	set_defer(w.s, l, 0);
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 500 * MS);
	s = accept_nb(&w, l);
	CHECK(s >= 0);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPDeferAcceptDrop"), 0);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}
