/* poll on usertcp descriptors, between two simulated hosts: what each
 * revents holds for TCP and UDP sockets and epoll descriptors, POLLNVAL,
 * timeouts in simulated time, and Linux's error numbers. */
#include <errno.h>
#include <string.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "test.h"
#include "tcpworld.h"
#include "testnet.h"
#include "usertcp/socket.h"

#define PORT 6000

/* Two hosts on a link with 1 ms of one-way delay: the client (w.c,
 * 10.0.0.1) and the server (w.s, 10.0.0.2). */
static void world_make(struct tcpworld *w)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	tw_make(w, 11, &lp);
}

TEST(poll_reports_pollnval_for_a_closed_descriptor_and_ignores_negative_ones)
{
	struct tcpworld w;
	struct pollfd p[4];
	int s;

	world_make(&w);
	s = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK(s >= 0);
	memset(p, 0, sizeof(p));
	p[0].fd = 55;
	p[0].events = POLLIN;
	p[1].fd = -1;
	p[1].events = POLLIN | POLLOUT;
	p[1].revents = 0x7fff; /* overwritten with 0 */
	p[2].fd = s;
	p[2].events = POLLOUT;
	p[3].fd = -7;
	CHECK_EQ(ut_poll(w.c, p, 4, 0), 2);
	CHECK_EQ(p[0].revents, POLLNVAL);
	CHECK_EQ(p[1].revents, 0);
	CHECK_EQ(p[2].revents, POLLOUT);
	CHECK_EQ(p[3].revents, 0);
	/* POLLNVAL alone is a result: no waiting */
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_poll(w.c, p, 1, 1000), 1);
	CHECK_EQ(ut_sim_now(w.sim), t0);
	CHECK_EQ(ut_close(w.c, s), 0);
	tw_done(&w);
}

TEST(poll_refuses_more_entries_than_the_descriptor_limit_with_einval)
{
	struct tcpworld w;
	struct pollfd p[17];

	world_make(&w);
	memset(p, 0, sizeof(p));
	for (int i = 0; i < 17; i++)
		p[i].fd = -1;
	CHECK_EQ(ut_sysctl_set(w.c, "fs.nr_open", 16), 0);
	CHECK_EQ(ut_poll(w.c, p, 16, 0), 0);
	CHECK_EQ(ut_poll(w.c, p, 17, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_poll(w.c, NULL, 1, 0), -1);
	CHECK_EQ(errno, EFAULT);
	tw_done(&w);
}

TEST(poll_with_nothing_ready_returns_zero_after_the_timeout_in_simulated_time)
{
	struct tcpworld w;
	struct pollfd p;
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	uint64_t t0;

	world_make(&w);
	p.fd = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, p.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	p.events = POLLIN;
	t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_poll(w.s, &p, 1, 0), 0);
	CHECK_EQ(ut_sim_now(w.sim), t0);
	CHECK_EQ(ut_poll(w.s, &p, 1, 100), 0);
	CHECK_EQ(p.revents, 0);
	CHECK_EQ(ut_sim_now(w.sim) - t0, 100 * MS);
	/* no descriptors at all: a plain sleep */
	CHECK_EQ(ut_poll(w.s, NULL, 0, 40), 0);
	CHECK_EQ(ut_sim_now(w.sim) - t0, 140 * MS);
	CHECK_EQ(ut_close(w.s, p.fd), 0);
	tw_done(&w);
}

TEST(poll_forever_in_a_world_where_nothing_can_happen_fails_with_edeadlk)
{
	struct tcpworld w;
	struct pollfd p;

	world_make(&w);
	p.fd = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	p.events = POLLIN;
	CHECK_EQ(ut_poll(w.c, &p, 1, -1), -1);
	CHECK_EQ(errno, EDEADLK);
	CHECK_EQ(ut_close(w.c, p.fd), 0);
	tw_done(&w);
}

TEST(poll_wakes_when_a_udp_datagram_arrives)
{
	struct tcpworld w;
	struct pollfd p[2];
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int tx;
	uint64_t t0;
	char buf[16];

	world_make(&w);
	memset(p, 0, sizeof(p));
	p[0].fd = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, p[0].fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	p[0].events = POLLIN | POLLRDNORM;
	p[1].fd = -1;
	tx = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_sendto(w.c, tx, "data", 4, 0, (struct sockaddr *)&sin, sizeof(sin)), 4);
	t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_poll(w.s, p, 2, -1), 1);
	CHECK_EQ(ut_sim_now(w.sim) - t0, 3 * MS); /* ARP round trip, then the datagram */
	CHECK_EQ(p[0].revents, POLLIN | POLLRDNORM);
	CHECK_EQ(ut_recv(w.s, p[0].fd, buf, sizeof(buf), 0), 4);
	CHECK_EQ(ut_poll(w.s, p, 2, 0), 0);
	CHECK_EQ(ut_close(w.c, tx), 0);
	CHECK_EQ(ut_close(w.s, p[0].fd), 0);
	tw_done(&w);
}

TEST(poll_reports_tcp_readiness_within_the_events_asked_for)
{
	struct tcpworld w;
	struct pollfd p[2];
	int l, c, s;
	char buf[16];

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	memset(p, 0, sizeof(p));
	p[0].fd = s;
	p[0].events = POLLIN | POLLOUT;
	p[1].fd = l;
	p[1].events = POLLIN;
	/* connected, nothing to read: writable; the listener is idle */
	CHECK_EQ(ut_poll(w.s, p, 2, 0), 1);
	CHECK_EQ(p[0].revents, POLLOUT);
	CHECK_EQ(p[1].revents, 0);
	p[0].events = POLLIN;
	CHECK_EQ(ut_poll(w.s, p, 2, 0), 0);

	CHECK_EQ(ut_send(w.c, c, "abc", 3, 0), 3);
	CHECK_EQ(ut_poll(w.s, p, 2, 1000), 1);
	CHECK_EQ(p[0].revents, POLLIN);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 3);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(poll_on_a_listener_reports_pollin_when_a_connection_can_be_accepted)
{
	struct tcpworld w;
	struct pollfd p;
	struct sockaddr_in sin = tw_addr("10.0.0.2", PORT);
	int c, s;

	world_make(&w);
	p.fd = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, p.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w.s, p.fd, 8), 0);
	p.events = POLLIN;
	CHECK_EQ(ut_poll(w.s, &p, 1, 0), 0);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	CHECK_EQ(ut_poll(w.s, &p, 1, -1), 1);
	CHECK_EQ(p.revents, POLLIN);
	s = ut_accept(w.s, p.fd, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_poll(w.s, &p, 1, 0), 0);
	tw_pair_close(&w, p.fd, c, s);
	tw_done(&w);
}

TEST(poll_reports_peer_fin_as_pollrdhup_and_a_reset_as_pollerr_and_pollhup)
{
	struct tcpworld w;
	struct pollfd p;
	struct linger lg = {1, 0};
	int l, c, s;
	char buf[8];

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	p.fd = s;
	p.events = POLLIN | POLLRDHUP;
	CHECK_EQ(ut_shutdown(w.c, c, SHUT_WR), 0);
	CHECK_EQ(ut_poll(w.s, &p, 1, 1000), 1);
	CHECK_EQ(p.revents, POLLIN | POLLRDHUP);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);

	/* POLLERR and POLLHUP come even when not asked for */
	p.events = 0;
	CHECK_EQ(ut_poll(w.s, &p, 1, 0), 0);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_poll(w.s, &p, 1, 1000), 1);
	CHECK_EQ(p.revents, POLLERR | POLLHUP);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(poll_on_an_epoll_descriptor_reports_pollin_while_it_has_ready_items)
{
	struct tcpworld w;
	struct pollfd p;
	struct epoll_event ev = {.events = EPOLLIN};
	int l, c, s;
	char buf[8];

	world_make(&w);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	p.fd = ut_epoll_create1(w.s, 0);
	p.events = POLLIN | POLLOUT;
	CHECK_EQ(ut_epoll_ctl(w.s, p.fd, EPOLL_CTL_ADD, s, &ev), 0);
	CHECK_EQ(ut_poll(w.s, &p, 1, 0), 0);
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), 1);
	CHECK_EQ(ut_poll(w.s, &p, 1, 1000), 1);
	CHECK_EQ(p.revents, POLLIN);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 1);
	CHECK_EQ(ut_poll(w.s, &p, 1, 0), 0);
	CHECK_EQ(ut_close(w.s, p.fd), 0);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}
