/* UDP sockets between two simulated hosts (client 10.0.0.1, server
 * 10.0.0.2, 10 ms apart), held to what Linux does: socket types, ports and
 * bind sharing, which socket a datagram reaches, connect and its errors
 * from ICMP, receive flags and timeouts, fragments, buffers, broadcasts,
 * corking, options and poll. Every test closes its descriptors and ends
 * with the leak check (no descriptor, no buffer left). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

static int udp_socket(struct ut_stack *st)
{
	int fd = ut_socket(st, AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	return fd;
}

static int udp_bound(struct ut_stack *st, const char *ip, uint16_t port)
{
	struct sockaddr_in sa = tw_addr(ip, port);
	int fd = udp_socket(st);
	CHECK_EQ(ut_bind(st, fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* A socket with SO_REUSEADDR (or SO_REUSEPORT) bound to ip:port. */
static int udp_bound_opt(struct ut_stack *st, const char *ip, uint16_t port, int opt)
{
	struct sockaddr_in sa = tw_addr(ip, port);
	int fd = udp_socket(st), on = 1;
	CHECK_EQ(ut_setsockopt(st, fd, SOL_SOCKET, opt, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(st, fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static uint16_t local_port(struct ut_stack *st, int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	CHECK_EQ(ut_getsockname(st, fd, (struct sockaddr *)&sa, &len), 0);
	CHECK_EQ(len, sizeof(sa));
	return ntohs(sa.sin_port);
}

static ssize_t send_to(struct ut_stack *st, int fd, const void *buf, size_t n, int flags,
		       const char *ip, uint16_t port)
{
	struct sockaddr_in sa = tw_addr(ip, port);
	return ut_sendto(st, fd, buf, n, flags, (struct sockaddr *)&sa, sizeof(sa));
}

/* Everything queued on fd now, without waiting: the number of datagrams. */
static int drain(struct ut_stack *st, int fd)
{
	char buf[2048];
	int n = 0;
	while (ut_recv(st, fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	CHECK_EQ(errno, EAGAIN);
	return n;
}

static unsigned poll_now(struct ut_stack *st, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
	CHECK(ut_poll(st, &p, 1, 0) >= 0);
	return (unsigned)p.revents;
}

static void udp_done(struct tcpworld *w)
{
	CHECK_EQ(ut_stack_open_fds(w->c), 0);
	CHECK_EQ(ut_stack_open_fds(w->s), 0);
	tw_done(w);
}

/* ---- sockets and ports -------------------------------------------------------*/

TEST(udp_is_the_protocol_of_datagram_sockets_only)
{
	struct tcpworld w;
	int a, b, v;
	socklen_t len = sizeof(v);

	tw_make(&w, 70, NULL);
	a = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	b = ut_socket(w.c, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK(a >= 0 && b >= 0);
	CHECK_EQ(ut_getsockopt(w.c, b, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	CHECK_EQ(v, SOCK_DGRAM);
	CHECK_EQ(ut_getsockopt(w.c, a, SOL_SOCKET, SO_PROTOCOL, &v, &len), 0);
	CHECK_EQ(v, IPPROTO_UDP);
	CHECK_EQ(ut_socket(w.c, AF_INET, SOCK_STREAM, IPPROTO_UDP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK_EQ(ut_socket(w.c, AF_INET, SOCK_DGRAM, IPPROTO_TCP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK_EQ(ut_listen(w.c, a, 5), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	CHECK_EQ(ut_accept(w.c, a, NULL, NULL), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	ut_close(w.c, a);
	ut_close(w.c, b);
	udp_done(&w);
}

TEST(the_first_send_binds_an_ephemeral_port_of_either_parity)
{
	struct tcpworld w;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, fds[20], even = 0;

	tw_make(&w, 77, NULL);
	fd = udp_socket(w.c);
	CHECK_EQ(ut_getsockname(w.c, fd, (struct sockaddr *)&sa, &len), 0);
	CHECK_EQ(sa.sin_addr.s_addr, htonl(INADDR_ANY));
	CHECK_EQ(sa.sin_port, 0);
	CHECK_EQ(send_to(w.c, fd, "x", 1, 0, SERVER_IP, 9), 1);
	uint16_t port = local_port(w.c, fd);
	CHECK(port >= 32768 && port <= 60999);
	CHECK_EQ(ut_getpeername(w.c, fd, (struct sockaddr *)&sa, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	/* Later sends keep the port. */
	CHECK_EQ(send_to(w.c, fd, "x", 1, 0, SERVER_IP, 9), 1);
	CHECK_EQ(local_port(w.c, fd), port);
	/* bind(0) picks from the range too; unlike TCP's bind(0), UDP does
	 * not prefer odd ports (Linux's udp_lib_get_port). */
	for (int i = 0; i < 20; i++) {
		fds[i] = udp_bound(w.c, "0.0.0.0", 0);
		uint16_t p = local_port(w.c, fds[i]);
		CHECK(p >= 32768 && p <= 60999);
		even += p % 2 == 0;
	}
	CHECK(even > 0);
	for (int i = 0; i < 20; i++)
		ut_close(w.c, fds[i]);
	ut_close(w.c, fd);
	udp_done(&w);
}

TEST(udp_bind_conflicts_and_so_reuseaddr_sharing)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, 5353), any = tw_addr("0.0.0.0", 5353);
	struct sockaddr_in lo = tw_addr("127.0.0.1", 5353), other = tw_addr("10.0.0.7", 5353);
	int a, b, c, on = 1;

	tw_make(&w, 76, NULL);
	a = udp_socket(w.s);
	b = udp_socket(w.s);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	/* the wildcard overlaps every address; two addresses do not */
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&any, sizeof(any)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&lo, sizeof(lo)), 0);
	/* an address not of this host */
	c = udp_socket(w.s);
	CHECK_EQ(ut_bind(w.s, c, (struct sockaddr *)&other, sizeof(other)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	/* a bound socket cannot bind again */
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&lo, sizeof(lo)), -1);
	CHECK_EQ(errno, EINVAL);
	ut_close(w.s, a);
	ut_close(w.s, b);
	ut_close(w.s, c);

	/* SO_REUSEADDR on both: they share the port, and a unicast
	 * datagram goes to the one bound last, as in Linux. */
	a = udp_socket(w.s);
	b = udp_socket(w.s);
	CHECK_EQ(ut_setsockopt(w.s, a, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_setsockopt(w.s, b, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&sa, sizeof(sa)), 0);
	c = udp_socket(w.c);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send_to(w.c, c, "q", 1, 0, SERVER_IP, 5353), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(drain(w.s, a), 0);
	CHECK_EQ(drain(w.s, b), 3);
	ut_close(w.s, a);
	ut_close(w.s, b);
	ut_close(w.c, c);
	udp_done(&w);
}

TEST(so_reuseport_spreads_flows_over_the_group_and_keeps_each_flow_on_one_socket)
{
	struct tcpworld w;
	enum { FLOWS = 16 };
	int s[2], c[FLOWS], got[2] = {0, 0}, owner[FLOWS];
	uint16_t ports[FLOWS];

	tw_make(&w, 78, NULL);
	s[0] = udp_bound_opt(w.s, "0.0.0.0", 4000, SO_REUSEPORT);
	s[1] = udp_bound_opt(w.s, "0.0.0.0", 4000, SO_REUSEPORT);
	/* without the option, no third member */
	int x = udp_socket(w.s);
	struct sockaddr_in sa = tw_addr("0.0.0.0", 4000);
	CHECK_EQ(ut_bind(w.s, x, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	ut_close(w.s, x);
	for (int i = 0; i < FLOWS; i++) {
		c[i] = udp_socket(w.c);
		CHECK_EQ(send_to(w.c, c[i], "a", 1, 0, SERVER_IP, 4000), 1);
		CHECK_EQ(send_to(w.c, c[i], "b", 1, 0, SERVER_IP, 4000), 1);
		ports[i] = local_port(w.c, c[i]);
		owner[i] = -1;
	}
	tw_run(&w, 100 * MS);
	for (int k = 0; k < 2; k++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		char b;
		while (ut_recvfrom(w.s, s[k], &b, 1, MSG_DONTWAIT, (struct sockaddr *)&from,
				   &flen) == 1) {
			int i = 0;
			while (i < FLOWS && ports[i] != ntohs(from.sin_port))
				i++;
			CHECK(i < FLOWS);
			CHECK(owner[i] == -1 || owner[i] == k);
			owner[i] = k;
			got[k]++;
		}
	}
	CHECK_EQ(got[0] + got[1], 2 * FLOWS);
	CHECK(got[0] > 0 && got[1] > 0);
	for (int i = 0; i < FLOWS; i++)
		ut_close(w.c, c[i]);
	ut_close(w.s, s[0]);
	ut_close(w.s, s[1]);
	udp_done(&w);
}

TEST(the_most_specific_socket_gets_the_datagram)
{
	struct tcpworld w;
	struct sockaddr_in peer = tw_addr(CLIENT_IP, 3000), from;
	socklen_t flen = sizeof(from);
	char b;
	int wild, bound, conn, x, y, z;

	tw_make(&w, 79, NULL);
	/* bound last would win among equals; the scores must decide */
	conn = udp_bound_opt(w.s, SERVER_IP, 7, SO_REUSEADDR);
	CHECK_EQ(ut_connect(w.s, conn, (struct sockaddr *)&peer, sizeof(peer)), 0);
	bound = udp_bound_opt(w.s, SERVER_IP, 7, SO_REUSEADDR);
	wild = udp_bound_opt(w.s, "0.0.0.0", 7, SO_REUSEADDR);
	x = udp_bound(w.c, CLIENT_IP, 3000); /* the connected socket's peer */
	y = udp_socket(w.c);
	CHECK_EQ(send_to(w.c, x, "x", 1, 0, SERVER_IP, 7), 1);
	CHECK_EQ(send_to(w.c, y, "y", 1, 0, SERVER_IP, 7), 1);
	/* from the server to itself over lo: only the wildcard matches */
	z = udp_socket(w.s);
	CHECK_EQ(send_to(w.s, z, "z", 1, 0, "127.0.0.1", 7), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, conn, &b, 1, MSG_DONTWAIT), 1);
	CHECK_EQ(b, 'x');
	CHECK_EQ(ut_recv(w.s, bound, &b, 1, MSG_DONTWAIT), 1);
	CHECK_EQ(b, 'y');
	CHECK_EQ(ut_recvfrom(w.s, wild, &b, 1, MSG_DONTWAIT, (struct sockaddr *)&from, &flen), 1);
	CHECK_EQ(b, 'z');
	CHECK_EQ(from.sin_addr.s_addr, inet_addr("127.0.0.1"));
	CHECK_EQ(ntohs(from.sin_port), local_port(w.s, z));
	CHECK_EQ(drain(w.s, conn) + drain(w.s, bound) + drain(w.s, wild), 0);
	ut_close(w.s, conn);
	ut_close(w.s, bound);
	ut_close(w.s, wild);
	ut_close(w.s, z);
	ut_close(w.c, x);
	ut_close(w.c, y);
	udp_done(&w);
}

/* ---- sending and receiving ---------------------------------------------------*/

TEST(datagrams_travel_both_ways_with_the_sender_address_reported)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 53), from;
	socklen_t flen = sizeof(from);
	char buf[64];
	int s, c;

	tw_make(&w, 71, NULL);
	s = udp_bound(w.s, SERVER_IP, 53);
	c = ut_socket(w.c, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK_EQ(ut_sendto(w.c, c, "query", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
	CHECK(!memcmp(buf, "query", 5));
	CHECK_EQ(flen, sizeof(from));
	CHECK_EQ(from.sin_family, AF_INET);
	CHECK_EQ(from.sin_addr.s_addr, inet_addr(CLIENT_IP));
	CHECK(ntohs(from.sin_port) >= 32768 && ntohs(from.sin_port) <= 60999);
	CHECK_EQ(ut_sendto(w.s, s, "answer", 6, 0, (struct sockaddr *)&from, flen), 6);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 6);
	CHECK(!memcmp(buf, "answer", 6));
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 1);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 1);
	CHECK_EQ(tw_counter(w.c, "Udp", "InDatagrams"), 1);
	CHECK_EQ(tw_counter(w.s, "Udp", "OutDatagrams"), 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(datagram_boundaries_hold_through_gathered_sends_and_scattered_receives)
{
	struct tcpworld w;
	struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}}, in[2];
	struct msghdr msg = {0};
	char p[3], q[8];
	int s, c;

	tw_make(&w, 80, NULL);
	s = udp_bound(w.s, SERVER_IP, 9);
	c = udp_socket(w.c);
	struct sockaddr_in to = tw_addr(SERVER_IP, 9);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&to, sizeof(to)), 0);
	CHECK_EQ(ut_writev(w.c, c, out, 3), 6);
	CHECK_EQ(ut_send(w.c, c, "", 0, 0), 0); /* an empty datagram is one too */
	CHECK_EQ(ut_send(w.c, c, "gh", 2, 0), 2);
	in[0].iov_base = p;
	in[0].iov_len = sizeof(p);
	in[1].iov_base = q;
	in[1].iov_len = sizeof(q);
	msg.msg_iov = in;
	msg.msg_iovlen = 2;
	CHECK_EQ(ut_recvmsg(w.s, s, &msg, 0), 6);
	CHECK(!memcmp(p, "abc", 3) && !memcmp(q, "def", 3));
	CHECK_EQ(msg.msg_flags, 0);
	CHECK_EQ(ut_recvmsg(w.s, s, &msg, 0), 0);
	CHECK_EQ(ut_recvmsg(w.s, s, &msg, 0), 2);
	CHECK(!memcmp(p, "gh", 2));
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 3);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(recv_truncates_peeks_and_times_out_as_linux_does)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 7);
	struct timeval tv = {0, 250000};
	struct msghdr msg = {0};
	struct iovec iov;
	char buf[4];
	int s, c, nb, n;

	tw_make(&w, 73, NULL);
	s = udp_bound(w.s, "0.0.0.0", 7);
	c = udp_socket(w.c);
	CHECK_EQ(ut_sendto(w.c, c, "0123456789", 10, 0, (struct sockaddr *)&to, sizeof(to)), 10);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_ioctl(w.s, s, FIONREAD, &n), 0);
	CHECK_EQ(n, 10);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_PEEK), 4);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_PEEK | MSG_TRUNC), 10);
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 0); /* peeking reads nothing */
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	CHECK_EQ(ut_recvmsg(w.s, s, &msg, 0), 4);
	CHECK(msg.msg_flags & MSG_TRUNC);
	CHECK(!memcmp(buf, "0123", 4));
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 1);
	/* the rest of a datagram is gone: nothing left */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	/* no error queue without IP_RECVERR */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_ERRQUEUE), -1);
	CHECK_EQ(errno, EAGAIN);
	/* O_NONBLOCK as well as MSG_DONTWAIT */
	nb = ut_socket(w.s, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_recv(w.s, nb, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	ut_close(w.s, nb);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0), 250.0 * MS, 1.0 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(a_blocking_recv_waits_for_the_datagram_in_simulated_time)
{
	struct tcpworld w;
	char buf[8];
	int s, c;

	tw_make(&w, 81, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	c = udp_socket(w.c);
	tw_run(&w, 5 * MS);
	CHECK_EQ(send_to(w.c, c, "late", 4, 0, SERVER_IP, 7), 4);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 4);
	/* ARP request and reply, then the datagram: three 10 ms crossings */
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0), 30.0 * MS, 1.0 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(shutdown_makes_a_blocking_recv_return_zero_and_send_fail_with_epipe)
{
	struct tcpworld w;
	char buf[8];
	int s;

	tw_make(&w, 82, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	/* Unconnected: Linux says ENOTCONN, yet shuts the socket down. */
	CHECK_EQ(ut_shutdown(w.s, s, SHUT_RD), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK_EQ(poll_now(w.s, s) & (POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 0);
	/* Linux's datagram receive returns EAGAIN before it looks at the
	 * shutdown when it may not wait. */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ut_shutdown(w.s, s, SHUT_WR), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK(poll_now(w.s, s) & POLLHUP);
	CHECK_EQ(send_to(w.s, s, "x", 1, MSG_NOSIGNAL, CLIENT_IP, 7), -1);
	CHECK_EQ(errno, EPIPE);
	CHECK_EQ(tw_counter(w.s, "Udp", "OutDatagrams"), 0);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(sendto_checks_the_destination_as_linux_does)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, 7);
	int c = 0;

	tw_make(&w, 83, NULL);
	c = udp_socket(w.c);
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa) - 1), -1);
	CHECK_EQ(errno, EINVAL);
	sa.sin_family = AF_INET6;
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	sa = tw_addr(SERVER_IP, 0);
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(send_to(w.c, c, "x", 1, MSG_OOB, SERVER_IP, 7), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	/* no route: counted in Ip OutNoRoutes */
	CHECK_EQ(send_to(w.c, c, "x", 1, 0, "192.168.1.1", 7), -1);
	CHECK_EQ(errno, ENETUNREACH);
	CHECK_EQ(tw_counter(w.c, "Ip", "OutNoRoutes"), 1);
	struct sockaddr_in far = tw_addr("192.168.1.1", 7);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&far, sizeof(far)), -1);
	CHECK_EQ(errno, ENETUNREACH);
	CHECK_EQ(tw_counter(w.c, "Ip", "OutNoRoutes"), 2);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 0);
	ut_close(w.c, c);
	udp_done(&w);
}

TEST(a_datagram_to_this_host_goes_over_loopback_and_inaddr_any_means_this_host)
{
	struct tcpworld w;
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	char buf[8];
	int s, c;

	tw_make(&w, 84, NULL);
	s = udp_bound(w.s, "0.0.0.0", 9000);
	c = udp_socket(w.s);
	CHECK_EQ(send_to(w.s, c, "lo", 2, 0, "127.0.0.1", 9000), 2);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 2);
	CHECK_EQ(from.sin_addr.s_addr, inet_addr("127.0.0.1"));
	CHECK_EQ(send_to(w.s, c, "me", 2, 0, SERVER_IP, 9000), 2);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 2);
	CHECK_EQ(from.sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(send_to(w.s, c, "any", 3, 0, "0.0.0.0", 9000), 3);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 3);
	CHECK(!memcmp(buf, "any", 3));
	ut_close(w.s, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(large_datagrams_are_fragmented_and_oversized_ones_refused)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 7);
	static char big[70000], in[70000];
	int s, c, n;

	tw_make(&w, 74, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	c = udp_socket(w.c);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13);
	CHECK_EQ(ut_sendto(w.c, c, big, 10000, 0, (struct sockaddr *)&to, sizeof(to)), 10000);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_ioctl(w.s, s, FIONREAD, &n), 0);
	CHECK_EQ(n, 10000);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), 10000);
	CHECK(!memcmp(in, big, 10000));
	CHECK_EQ(tw_counter(w.c, "Ip", "FragCreates"), 7); /* 1480 bytes each */
	CHECK_EQ(tw_counter(w.s, "Ip", "ReasmOKs"), 1);
	/* the largest datagram IPv4 can carry, then one byte more */
	CHECK_EQ(ut_sendto(w.c, c, big, 65507, 0, (struct sockaddr *)&to, sizeof(to)), 65507);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), 65507);
	CHECK(!memcmp(in, big, 65507));
	CHECK_EQ(ut_sendto(w.c, c, big, 65508, 0, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(ut_sendto(w.c, c, big, 65536, 0, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EMSGSIZE);
	/* IP_PMTUDISC_DO: too big for the link is EMSGSIZE, not fragments */
	int pmtu = IP_PMTUDISC_DO;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)), 0);
	CHECK_EQ(ut_sendto(w.c, c, big, 1473, 0, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(ut_sendto(w.c, c, big, 1472, 0, (struct sockaddr *)&to, sizeof(to)), 1472);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), 1472);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 3);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

/* ---- connect and errors ---------------------------------------------------------*/

TEST(a_connected_socket_sends_to_its_peer_and_hears_only_from_it)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 53), sa, from;
	socklen_t len = sizeof(sa), flen = sizeof(from);
	char buf[16];
	int s, s2, c;

	tw_make(&w, 85, NULL);
	s = udp_bound(w.s, SERVER_IP, 53);
	s2 = udp_bound(w.s, SERVER_IP, 54);
	c = udp_socket(w.c);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&to, sizeof(to)), 0);
	/* connect bound the port and chose the source from the route */
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&sa, &len), 0);
	CHECK_EQ(sa.sin_addr.s_addr, inet_addr(CLIENT_IP));
	uint16_t cport = ntohs(sa.sin_port);
	CHECK(cport >= 32768 && cport <= 60999);
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&sa, &len), 0);
	CHECK_EQ(sa.sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(ntohs(sa.sin_port), 53);
	CHECK_EQ(ut_send(w.c, c, "hello", 5, 0), 5);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
	CHECK_EQ(ntohs(from.sin_port), cport);
	CHECK_EQ(ut_sendto(w.s, s, "back", 4, 0, (struct sockaddr *)&from, flen), 4);
	CHECK_EQ(ut_read(w.c, c, buf, sizeof(buf)), 4);
	/* From another port of the peer: not for the connected socket,
	 * which leaves nobody on the client's port. */
	CHECK_EQ(ut_sendto(w.s, s2, "other", 5, 0, (struct sockaddr *)&from, flen), 5);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(tw_counter(w.c, "Udp", "NoPorts"), 1);
	/* sendto() on a connected socket just uses the address given */
	CHECK_EQ(send_to(w.c, c, "to54", 4, 0, SERVER_IP, 54), 4);
	CHECK_EQ(ut_recv(w.s, s2, buf, sizeof(buf), 0), 4);
	CHECK(!memcmp(buf, "to54", 4));
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, s2);
	udp_done(&w);
}

TEST(connect_af_unspec_dissolves_the_association)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 53), sa;
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	socklen_t len = sizeof(sa);
	char buf[4];
	int c, b;

	tw_make(&w, 86, NULL);
	c = udp_socket(w.c);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&to, sizeof(to)), 0);
	CHECK_EQ(ut_connect(w.c, c, &unspec, sizeof(unspec)), 0);
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&sa, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	/* the port connect() chose is given back, with the address */
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&sa, &len), 0);
	CHECK_EQ(sa.sin_port, 0);
	CHECK_EQ(sa.sin_addr.s_addr, htonl(INADDR_ANY));
	/* send() binds a port again before it finds no destination, as
	 * Linux's inet_send_prepare does */
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), -1);
	CHECK_EQ(errno, EDESTADDRREQ);
	CHECK(local_port(w.c, c) >= 32768);
	/* a port bind() chose stays */
	b = udp_bound(w.c, "0.0.0.0", 5000);
	CHECK_EQ(ut_connect(w.c, b, (struct sockaddr *)&to, sizeof(to)), 0);
	CHECK_EQ(ut_connect(w.c, b, &unspec, sizeof(unspec)), 0);
	CHECK_EQ(local_port(w.c, b), 5000);
	/* and the socket still receives on it, from anyone */
	int s = udp_socket(w.s);
	CHECK_EQ(send_to(w.s, s, "y", 1, 0, CLIENT_IP, 5000), 1);
	CHECK_EQ(ut_recv(w.c, b, buf, sizeof(buf), 0), 1);
	/* connect to another family */
	to.sin_family = AF_INET6;
	CHECK_EQ(ut_connect(w.c, b, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	ut_close(w.c, c);
	ut_close(w.c, b);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(a_connected_socket_learns_econnrefused_from_port_unreachable)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 9);
	char buf[8];
	int c, d, err;
	socklen_t len = sizeof(err);

	tw_make(&w, 72, NULL);
	c = udp_socket(w.c);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&to, sizeof(to)), 0);
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), 1);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(tw_counter(w.s, "Udp", "NoPorts"), 1);
	CHECK_EQ(tw_counter(w.s, "Icmp", "OutDestUnreachs"), 1);
	/* Reported once. The next error waits in SO_ERROR, makes poll say
	 * POLLERR, and fails the next send too (Linux's
	 * sock_alloc_send_skb), which then sends nothing. */
	CHECK_EQ(ut_send(w.c, c, "y", 1, 0), 1);
	tw_run(&w, 100 * MS);
	CHECK(poll_now(w.c, c) & POLLERR);
	CHECK_EQ(ut_send(w.c, c, "z", 1, 0), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 2);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(poll_now(w.c, c), POLLOUT);
	/* unconnected: no destination */
	d = udp_socket(w.c);
	CHECK_EQ(ut_send(w.c, d, "x", 1, 0), -1);
	CHECK_EQ(errno, EDESTADDRREQ);
	ut_close(w.c, c);
	ut_close(w.c, d);
	udp_done(&w);
}

TEST(an_unconnected_socket_is_not_told_of_port_unreachable)
{
	struct tcpworld w;
	char buf[8];
	int c, err;
	socklen_t len = sizeof(err);

	tw_make(&w, 87, NULL);
	c = udp_socket(w.c);
	CHECK_EQ(send_to(w.c, c, "x", 1, 0, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.c, "Icmp", "InDestUnreachs"), 1);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(tw_counter(w.c, "Icmp", "InErrors"), 0);
	ut_close(w.c, c);
	udp_done(&w);
}

TEST(an_icmp_error_for_a_closed_socket_counts_in_icmp_inerrors)
{
	struct tcpworld w;
	int c;

	tw_make(&w, 88, NULL);
	c = udp_socket(w.c);
	CHECK_EQ(send_to(w.c, c, "x", 1, 0, SERVER_IP, 9), 1);
	ut_close(w.c, c);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.c, "Icmp", "InDestUnreachs"), 1);
	CHECK_EQ(tw_counter(w.c, "Icmp", "InErrors"), 1);
	udp_done(&w);
}

TEST(the_pending_error_comes_before_a_queued_datagram)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 9);
	char buf[8];
	int c, s;

	tw_make(&w, 89, NULL);
	s = udp_bound(w.s, SERVER_IP, 9);
	c = udp_socket(w.c);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&to, sizeof(to)), 0);
	CHECK_EQ(send_to(w.s, s, "early", 5, 0, CLIENT_IP, local_port(w.c, c)), 5);
	tw_run(&w, 100 * MS);
	ut_close(w.s, s);
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), 1);
	tw_run(&w, 100 * MS);
	/* A datagram is queued and an error pending: Linux's
	 * __skb_recv_udp looks at the error first. */
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), 5);
	CHECK(!memcmp(buf, "early", 5));
	ut_close(w.c, c);
	udp_done(&w);
}

/* ---- buffers ----------------------------------------------------------------------*/

TEST(a_full_receive_buffer_drops_and_counts_rcvbuf_errors)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 7);
	char buf[1000] = {0};
	int s, c, small = 4096, got;

	tw_make(&w, 75, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	c = udp_socket(w.c);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(ut_sendto(w.c, c, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)),
			 1000);
	tw_run(&w, 100 * MS);
	CHECK(tw_counter(w.s, "Udp", "RcvbufErrors") > 0);
	CHECK_EQ(tw_counter(w.s, "Udp", "InErrors"), tw_counter(w.s, "Udp", "RcvbufErrors"));
	/* InDatagrams counts datagrams the application reads, as Linux's
	 * udp_recvmsg does: none yet. */
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 0);
	got = drain(w.s, s);
	CHECK(got > 0);
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), got);
	CHECK_EQ(got + tw_counter(w.s, "Udp", "RcvbufErrors"), 20);
	/* read, the buffer takes datagrams again */
	CHECK_EQ(ut_sendto(w.c, c, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)), 1000);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 1000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(an_empty_queue_takes_one_datagram_however_small_the_receive_buffer)
{
	struct tcpworld w;
	static char buf[3000];
	int s, c, tiny = 1, v;
	socklen_t len = sizeof(v);

	tw_make(&w, 90, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	CHECK_EQ(v, 2304); /* Linux's SOCK_MIN_RCVBUF */
	c = udp_socket(w.c);
	CHECK_EQ(send_to(w.c, c, buf, sizeof(buf), 0, SERVER_IP, 7), 3000);
	CHECK_EQ(send_to(w.c, c, buf, sizeof(buf), 0, SERVER_IP, 7), 3000);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "Udp", "RcvbufErrors"), 1);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), 3000);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

TEST(a_send_without_buffer_memory_fails_with_enobufs_and_counts_sndbuf_errors)
{
	struct tcpworld w;
	static char big[10000];
	char buf[8];
	int s, c;

	tw_make(&w, 95, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	c = udp_socket(w.c);
	CHECK_EQ(send_to(w.c, c, "warm", 4, 0, SERVER_IP, 7), 4); /* ARP done */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 4);
	skb_pool_set_limit(w.sim->pool, skb_pool_in_use(w.sim->pool) + 4096);
	CHECK_EQ(send_to(w.c, c, big, sizeof(big), 0, SERVER_IP, 7), -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK_EQ(tw_counter(w.c, "Udp", "SndbufErrors"), 1);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 1);
	/* corked data that cannot be held fails the same way */
	CHECK_EQ(send_to(w.c, c, big, sizeof(big), MSG_MORE, SERVER_IP, 7), -1);
	CHECK_EQ(errno, ENOBUFS);
	CHECK_EQ(tw_counter(w.c, "Udp", "SndbufErrors"), 2);
	skb_pool_set_limit(w.sim->pool, 0);
	CHECK_EQ(send_to(w.c, c, "ok", 2, 0, SERVER_IP, 7), 2);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 2);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}

/* ---- broadcast ----------------------------------------------------------------------*/

TEST(broadcasts_need_so_broadcast_and_reach_every_wildcard_socket_on_the_port)
{
	struct tcpworld w;
	struct sockaddr_in bc = tw_addr("10.0.0.255", 6000);
	char buf[8];
	int a, b, spec, c, on = 1;

	tw_make(&w, 91, NULL);
	a = udp_bound_opt(w.s, "0.0.0.0", 6000, SO_REUSEADDR);
	b = udp_bound_opt(w.s, "0.0.0.0", 6000, SO_REUSEADDR);
	spec = udp_bound_opt(w.s, SERVER_IP, 6000, SO_REUSEADDR);
	c = udp_socket(w.c);
	CHECK_EQ(ut_sendto(w.c, c, "all", 3, 0, (struct sockaddr *)&bc, sizeof(bc)), -1);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&bc, sizeof(bc)), -1);
	CHECK_EQ(errno, EACCES);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)), 0);
	CHECK_EQ(ut_sendto(w.c, c, "all", 3, 0, (struct sockaddr *)&bc, sizeof(bc)), 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, a, buf, sizeof(buf), MSG_DONTWAIT), 3);
	CHECK_EQ(ut_recv(w.s, b, buf, sizeof(buf), MSG_DONTWAIT), 3);
	CHECK(!memcmp(buf, "all", 3));
	/* bound to the unicast address: not for a broadcast (Linux's
	 * __udp_is_mcast_sock) */
	CHECK_EQ(ut_recv(w.s, spec, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 2);
	/* nobody on the port: counted apart, never answered */
	bc.sin_port = htons(6001);
	CHECK_EQ(ut_sendto(w.c, c, "none", 4, 0, (struct sockaddr *)&bc, sizeof(bc)), 4);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "Udp", "IgnoredMulti"), 1);
	CHECK_EQ(tw_counter(w.s, "Udp", "NoPorts"), 0);
	CHECK_EQ(tw_counter(w.s, "Icmp", "OutDestUnreachs"), 0);
	ut_close(w.c, c);
	ut_close(w.s, a);
	ut_close(w.s, b);
	ut_close(w.s, spec);
	udp_done(&w);
}

/* ---- corking ---------------------------------------------------------------------*/

TEST(msg_more_and_udp_cork_gather_one_datagram)
{
	struct tcpworld w;
	static char big[60000];
	char buf[64];
	int s, s2, c, v = 1;
	socklen_t len = sizeof(v);

	tw_make(&w, 92, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	s2 = udp_bound(w.s, SERVER_IP, 8);
	c = udp_socket(w.c);
	/* MSG_MORE: the first call's destination holds for the datagram */
	CHECK_EQ(send_to(w.c, c, "ab", 2, MSG_MORE, SERVER_IP, 7), 2);
	CHECK_EQ(send_to(w.c, c, "cd", 2, MSG_MORE, SERVER_IP, 8), 2);
	CHECK_EQ(send_to(w.c, c, "ef", 2, 0, SERVER_IP, 8), 2);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 6);
	CHECK(!memcmp(buf, "abcdef", 6));
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 1);
	/* UDP_CORK: held until the cork comes off */
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_UDP, UDP_CORK, &v, sizeof(v)), 0);
	v = 0;
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_UDP, UDP_CORK, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(send_to(w.c, c, "gh", 2, 0, SERVER_IP, 8), 2);
	CHECK_EQ(send_to(w.c, c, "ij", 2, 0, SERVER_IP, 7), 2);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s2, buf, sizeof(buf), MSG_DONTWAIT), -1);
	v = 0;
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_UDP, UDP_CORK, &v, sizeof(v)), 0);
	CHECK_EQ(ut_recv(w.s, s2, buf, sizeof(buf), 0), 4);
	CHECK(!memcmp(buf, "ghij", 4));
	/* grown past 65507 bytes: EMSGSIZE, and the whole datagram goes */
	CHECK_EQ(send_to(w.c, c, big, sizeof(big), MSG_MORE, SERVER_IP, 7), 60000);
	CHECK_EQ(send_to(w.c, c, big, 6000, MSG_MORE, SERVER_IP, 7), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(send_to(w.c, c, "k", 1, 0, SERVER_IP, 7), 1);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 1);
	CHECK_EQ(buf[0], 'k');
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 3);
	/* closing a corked socket drops what it held */
	CHECK_EQ(send_to(w.c, c, "lost", 4, MSG_MORE, SERVER_IP, 7), 4);
	ut_close(w.c, c);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ut_close(w.s, s);
	ut_close(w.s, s2);
	udp_done(&w);
}

/* ---- options and poll ---------------------------------------------------------------*/

TEST(ip_level_options_apply_to_the_socket_and_unknown_ones_are_refused)
{
	struct tcpworld w;
	int c, v;
	socklen_t len = sizeof(v);

	tw_make(&w, 93, NULL);
	c = udp_socket(w.c);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 64);
	v = 5;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 5);
	v = 0;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_IP, IP_TTL, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	/* UDP keeps the ECN bits TCP would clear */
	v = 0x13;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_IP, IP_TOS, &v, &len), 0);
	CHECK_EQ(v, 0x13);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_UDP, 12345, &v, sizeof(v)), -1);
	CHECK_EQ(errno, ENOPROTOOPT);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_UDP, UDP_CORK, &v, 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), -1);
	CHECK_EQ(errno, ENOPROTOOPT);
	/* Linux's ip_getsockopt answers a level not its own with
	 * EOPNOTSUPP, where setsockopt says ENOPROTOOPT (checked against
	 * Linux 6.x) */
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_TCP, TCP_NODELAY, &v, &len), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	ut_close(w.c, c);
	udp_done(&w);
}

TEST(poll_says_writable_at_once_and_readable_with_a_datagram_queued)
{
	struct tcpworld w;
	char buf[8];
	int s, c;

	tw_make(&w, 94, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	c = udp_socket(w.c);
	CHECK_EQ(poll_now(w.s, s), POLLOUT);
	CHECK_EQ(send_to(w.c, c, "p", 1, 0, SERVER_IP, 7), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(poll_now(w.s, s), POLLIN | POLLOUT);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 1);
	CHECK_EQ(poll_now(w.s, s), POLLOUT);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp_done(&w);
}
