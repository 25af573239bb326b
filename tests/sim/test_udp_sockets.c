/* UDP sockets between two simulated hosts: sendto/recvfrom, connect,
 * errors from ICMP, truncation, peeking, timeouts, fragments, buffers. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

static int udp_bound(struct ut_stack *st, const char *ip, uint16_t port)
{
	struct sockaddr_in sa = tw_addr(ip, port);
	int fd = ut_socket(st, AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ut_bind(st, fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

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
	CHECK_EQ(from.sin_addr.s_addr, inet_addr(CLIENT_IP));
	CHECK(ntohs(from.sin_port) >= 32768 && ntohs(from.sin_port) <= 60999);
	CHECK_EQ(ut_sendto(w.s, s, "answer", 6, 0, (struct sockaddr *)&from, flen), 6);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 6);
	CHECK(!memcmp(buf, "answer", 6));
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 1);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_connected_socket_learns_econnrefused_from_port_unreachable)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 9);
	char buf[8];
	int c;

	tw_make(&w, 72, NULL);
	c = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&to, sizeof(to)), 0);
	CHECK_EQ(ut_send(w.c, c, "x", 1, 0), 1);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(tw_counter(w.s, "Udp", "NoPorts"), 1);
	/* unconnected: no destination */
	int d = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_send(w.c, d, "x", 1, 0), -1);
	CHECK_EQ(errno, EDESTADDRREQ);
	ut_close(w.c, c);
	ut_close(w.c, d);
	tw_done(&w);
}

TEST(recv_truncates_peeks_and_times_out_as_linux_does)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 7);
	struct timeval tv = {0, 250000};
	struct msghdr msg = {0};
	struct iovec iov;
	char buf[4];
	int s, c;

	tw_make(&w, 73, NULL);
	s = udp_bound(w.s, "0.0.0.0", 7);
	c = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_sendto(w.c, c, "0123456789", 10, 0, (struct sockaddr *)&to, sizeof(to)), 10);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_PEEK), 4);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_PEEK | MSG_TRUNC), 10);
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	CHECK_EQ(ut_recvmsg(w.s, s, &msg, 0), 4);
	CHECK(msg.msg_flags & MSG_TRUNC);
	CHECK(!memcmp(buf, "0123", 4));
	/* the rest of a datagram is gone: nothing left */
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_NEAR((double)(ut_sim_now(w.sim) - t0), 250.0 * MS, 1.0 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(large_datagrams_are_fragmented_and_oversized_ones_refused)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 7);
	static char big[70000], in[70000];
	int s, c, n;

	tw_make(&w, 74, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	c = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13);
	CHECK_EQ(ut_sendto(w.c, c, big, 10000, 0, (struct sockaddr *)&to, sizeof(to)), 10000);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_ioctl(w.s, s, FIONREAD, &n), 0);
	CHECK_EQ(n, 10000);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), 0), 10000);
	CHECK(!memcmp(in, big, 10000));
	CHECK(tw_counter(w.s, "Ip", "ReasmOKs") >= 1);
	CHECK_EQ(ut_sendto(w.c, c, big, 65508, 0, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EMSGSIZE);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(a_full_receive_buffer_drops_and_counts_rcvbuf_errors)
{
	struct tcpworld w;
	struct sockaddr_in to = tw_addr(SERVER_IP, 7);
	char buf[1000] = {0};
	int s, c, small = 4096;

	tw_make(&w, 75, NULL);
	s = udp_bound(w.s, SERVER_IP, 7);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	c = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	for (int i = 0; i < 20; i++)
		CHECK_EQ(ut_sendto(w.c, c, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)), 1000);
	tw_run(&w, 100 * MS);
	CHECK(tw_counter(w.s, "Udp", "RcvbufErrors") > 0);
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams") + tw_counter(w.s, "Udp", "RcvbufErrors"), 20);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(udp_bind_conflicts_and_so_reuseaddr_sharing)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, 5353);
	int a, b, on = 1;

	tw_make(&w, 76, NULL);
	a = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	b = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EADDRINUSE);
	ut_close(w.s, a);
	a = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_setsockopt(w.s, a, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_setsockopt(w.s, b, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ut_close(w.s, a);
	ut_close(w.s, b);
	tw_done(&w);
}
