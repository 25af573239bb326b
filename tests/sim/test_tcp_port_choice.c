/* connect()'s choice of a local port beside TIME_WAIT sockets (Linux's
 * __inet_hash_connect): a port whose bucket holds TIME_WAIT sockets to
 * other destinations is taken at the first try, whatever their number;
 * where the ports really run short for one destination the search walks
 * the even ports, then the odd ones, and fails with EADDRNOTAVAIL after
 * trying each once; net.ipv4.tcp_tw_reuse lets a connection take over a
 * TIME_WAIT socket of its own 4-tuple (TcpExt TWRecycled). The tries are
 * read from the table's connect_port_tries count. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define LOW 40000
#define NPORTS 32 /* net.ipv4.ip_local_port_range 40000 40031 */
#define DPORT0 9000

static void small_range(struct tcpworld *w)
{
	CHECK_EQ(ut_sysctl_set(w->c, "net.ipv4.ip_local_port_range.min", LOW), 0);
	CHECK_EQ(ut_sysctl_set(w->c, "net.ipv4.ip_local_port_range.max", LOW + NPORTS - 1), 0);
}

static uint64_t tries(const struct tcpworld *w)
{
	return w->c->tcp_hashinfo.connect_port_tries;
}

static uint16_t local_port(struct tcpworld *w, int fd)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);

	CHECK_EQ(ut_getsockname(w->c, fd, (struct sockaddr *)&me, &len), 0);
	return ntohs(me.sin_port);
}

/* A connection from the client to the server's dport, accepted on l and
 * closed by the client first, so that the client's end stays in
 * TIME_WAIT. Returns the client's local port. */
static uint16_t leave_time_wait(struct tcpworld *w, int l, uint16_t dport)
{
	struct sockaddr_in sa = tw_addr(SERVER_IP, dport);
	int c = ut_socket(w->c, AF_INET, SOCK_STREAM, 0), s;
	uint16_t port;
	char buf[4];

	CHECK_EQ(ut_connect(w->c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	port = local_port(w, c);
	s = ut_accept(w->s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w->c, c), 0);
	CHECK_EQ(ut_recv(w->s, s, buf, sizeof(buf), 0), 0);
	CHECK_EQ(ut_close(w->s, s), 0);
	tw_run(w, 30 * MS); /* the server's FIN and the last ACK */
	return port;
}

/* Four destinations (ports of the server) each get as many connections
 * as there are even ports: every even port then holds four TIME_WAIT
 * sockets, one per destination. A fifth destination's connect takes the
 * first port it tries; one of the four, whose even ports are all held,
 * walks all of them and takes an odd port, as Linux does. */
TEST(time_wait_sockets_to_other_destinations_never_lengthen_the_port_search)
{
	struct tcpworld w;
	int l[5], c, s;
	uint64_t before;
	uint16_t port;

	tw_make(&w, 21, NULL);
	small_range(&w);
	for (int d = 0; d < 5; d++)
		l[d] = tw_listen(&w, DPORT0 + d, 64);
	for (int d = 0; d < 4; d++) {
		for (int i = 0; i < NPORTS / 2; i++) {
			port = leave_time_wait(&w, l[d], DPORT0 + d);
			/* Linux's search: even ports first */
			CHECK_EQ(port % 2, 0);
			CHECK(port >= LOW && port < LOW + NPORTS);
		}
	}
	CHECK_EQ(w.c->tw_count, 4 * NPORTS / 2);

	before = tries(&w);
	{
		struct sockaddr_in sa = tw_addr(SERVER_IP, DPORT0 + 4);
		c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
		CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	CHECK_EQ(tries(&w) - before, 1);
	CHECK_EQ(local_port(&w, c) % 2, 0);
	s = ut_accept(w.s, l[4], NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);

	before = tries(&w);
	{
		struct sockaddr_in sa = tw_addr(SERVER_IP, DPORT0);
		c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
		CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	CHECK_EQ(tries(&w) - before, NPORTS / 2 + 1);
	CHECK_EQ(local_port(&w, c) % 2, 1);
	s = ut_accept(w.s, l[0], NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	for (int d = 0; d < 5; d++)
		CHECK_EQ(ut_close(w.s, l[d]), 0);
	tw_done(&w);
}

/* Every port of the range in TIME_WAIT to one destination: the next
 * connect to it tries each port once and fails with EADDRNOTAVAIL, as
 * Linux's does, while one to another destination still takes the first
 * port it tries. With net.ipv4.tcp_tw_reuse 1, once a second has passed
 * since the TIME_WAIT sockets' last timestamps, it takes over the first
 * one it meets (the range here is not loopback, which the default, 2,
 * would require). */
TEST(where_ports_run_short_the_search_tries_each_once_then_tw_reuse_takes_over_one)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, DPORT0), other = tw_addr(SERVER_IP, DPORT0 + 1);
	uint64_t before, recycled0, recycled1;
	int l, l2, c, s;
	bool seen[NPORTS] = {false};

	tw_make(&w, 22, NULL);
	small_range(&w);
	l = tw_listen(&w, DPORT0, 64);
	l2 = tw_listen(&w, DPORT0 + 1, 4);
	for (int i = 0; i < NPORTS; i++) {
		uint16_t port = leave_time_wait(&w, l, DPORT0);
		CHECK(port >= LOW && port < LOW + NPORTS);
		CHECK(!seen[port - LOW]);
		seen[port - LOW] = true;
		/* the even half first, then the odd */
		CHECK_EQ(port % 2, i < NPORTS / 2 ? 0 : 1);
	}
	CHECK_EQ(w.c->tw_count, NPORTS);

	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	before = tries(&w);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	CHECK_EQ(tries(&w) - before, NPORTS);
	CHECK_EQ(ut_close(w.c, c), 0);

	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	before = tries(&w);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&other, sizeof(other)), 0);
	CHECK_EQ(tries(&w) - before, 1);
	s = ut_accept(w.s, l2, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 100 * MS);
	CHECK_EQ(w.c->tw_count, NPORTS + 1);

	CHECK_EQ(ut_counter_get(w.c, "TcpExt", "TWRecycled", &recycled0), 0);
	CHECK_EQ(recycled0, 0);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_tw_reuse", 1), 0);
	tw_run(&w, 2 * SEC);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	before = tries(&w);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(tries(&w) - before, 1);
	CHECK_EQ(ut_counter_get(w.c, "TcpExt", "TWRecycled", &recycled1), 0);
	CHECK_EQ(recycled1, 1);
	CHECK_EQ(w.c->tw_count, NPORTS); /* one taken over, the other destination's stays */
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	CHECK_EQ(ut_close(w.s, l2), 0);
	tw_done(&w);
}
