/* The socket calls' contracts for TCP: the errno Linux gives in each
 * situation, options, non-blocking connect with SO_ERROR, SIGPIPE. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

TEST(socket_rejects_unknown_families_protocols_and_types_with_linux_errnos)
{
	struct tcpworld w;

	tw_make(&w, 41, NULL);
	CHECK_EQ(ut_socket(w.c, AF_INET6, SOCK_STREAM, IPPROTO_UDP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK_EQ(ut_socket(w.c, AF_INET, SOCK_STREAM, IPPROTO_UDP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK_EQ(ut_socket(w.c, AF_INET, SOCK_DGRAM, IPPROTO_TCP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	CHECK_EQ(ut_socket(w.c, AF_INET, 99, 0), -1);
	CHECK_EQ(errno, EINVAL);
	/* Linux's order: a family out of range, then the type, then a
	 * family in range that nothing registered. */
	CHECK_EQ(ut_socket(w.c, -1, 99, 0), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	CHECK_EQ(ut_socket(w.c, AF_MAX, SOCK_STREAM, 0), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	CHECK_EQ(ut_socket(w.c, AF_APPLETALK, 99, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_socket(w.c, AF_APPLETALK, SOCK_DGRAM, 0), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	int fd = ut_socket(w.c, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	CHECK(fd >= 0);
	CHECK_EQ(ut_close(w.c, fd), 0);
	CHECK_EQ(ut_close(w.c, fd), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(ut_send(w.c, 1234, "x", 1, 0), -1);
	CHECK_EQ(errno, EBADF);
	tw_done(&w);
}

TEST(descriptors_are_the_lowest_free_and_the_table_limit_gives_emfile)
{
	struct tcpworld w;
	int a, b, c;

	tw_make(&w, 42, NULL);
	CHECK_EQ(ut_sysctl_set(w.c, "fs.nr_open", 3), 0);
	a = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	b = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1);
	CHECK_EQ(c, 2);
	CHECK_EQ(ut_socket(w.c, AF_INET, SOCK_STREAM, 0), -1);
	CHECK_EQ(errno, EMFILE);
	CHECK_EQ(ut_close(w.c, b), 0);
	CHECK_EQ(ut_socket(w.c, AF_INET, SOCK_STREAM, 0), 1);
	CHECK_EQ(ut_stack_open_fds(w.c), 3);
	ut_close(w.c, 0);
	ut_close(w.c, 1);
	ut_close(w.c, 2);
	CHECK_EQ(ut_stack_open_fds(w.c), 0);
	tw_done(&w);
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig)
{
	(void)sig;
	got_sigpipe = 1;
}

TEST(unconnected_sockets_give_enotconn_to_recv_and_epipe_with_sigpipe_to_send)
{
	struct tcpworld w;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	char buf[4];
	int fd;

	tw_make(&w, 43, NULL);
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_recv(w.c, fd, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK_EQ(ut_getpeername(w.c, fd, (struct sockaddr *)&peer, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK_EQ(ut_shutdown(w.c, fd, SHUT_WR), -1);
	CHECK_EQ(errno, ENOTCONN);
	CHECK_EQ(ut_accept(w.c, fd, NULL, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_send(w.c, fd, "x", 1, MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	struct sigaction sa = {0}, old;
	sa.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &sa, &old);
	got_sigpipe = 0;
	CHECK_EQ(ut_send(w.c, fd, "x", 1, 0), -1);
	CHECK_EQ(errno, EPIPE);
	CHECK(got_sigpipe);
	sigaction(SIGPIPE, &old, NULL);
	CHECK_EQ(ut_close(w.c, fd), 0);
	tw_done(&w);
}

TEST(non_blocking_connect_to_a_closed_port_reports_econnrefused_through_so_error)
{
	struct tcpworld w;
	int fd, err = -1;
	socklen_t len = sizeof(err);

	tw_make(&w, 44, NULL);
	fd = tw_connect_nb(&w, 9);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, ECONNREFUSED);
	/* read once, then cleared */
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(ut_close(w.c, fd), 0);
	tw_done(&w);
}

TEST(connected_sockets_refuse_a_second_connect_and_listen)
{
	struct tcpworld w;
	struct sockaddr_in sa = tw_addr(SERVER_IP, PORT), me, peer;
	socklen_t len = sizeof(me);
	int c, s;

	tw_make(&w, 45, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EISCONN);
	CHECK_EQ(ut_listen(w.c, c, 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&peer, &len), 0);
	CHECK_EQ(peer.sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(ntohs(peer.sin_port), PORT);
	len = sizeof(me);
	CHECK_EQ(ut_getsockname(w.s, s, (struct sockaddr *)&me, &len), 0);
	CHECK_EQ(me.sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(ntohs(me.sin_port), PORT);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(options_read_back_as_linux_reports_them)
{
	struct tcpworld w;
	int fd, v, on = 1;
	socklen_t len = sizeof(v);

	tw_make(&w, 46, NULL);
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	CHECK_EQ(v, 16384);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	CHECK_EQ(v, 131072);
	v = 10000;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	CHECK_EQ(v, 20000); /* Linux doubles it */
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	CHECK_EQ(v, SOCK_STREAM);
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
	CHECK_EQ(v, 7200);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len), 0);
	CHECK_EQ(v, 75);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &len), 0);
	CHECK_EQ(v, 9);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_SYNCNT, &v, &len), 0);
	CHECK_EQ(v, 6);
	CHECK_EQ(ut_setsockopt(w.c, fd, 12345, 1, &on, sizeof(on)), -1);
	CHECK_EQ(errno, ENOPROTOOPT);
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_TCP, TCP_KEEPIDLE, &on, 2), -1);
	CHECK_EQ(errno, EINVAL);
	v = 0;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_fcntl(w.c, fd, F_GETFL) & O_NONBLOCK, 0);
	CHECK_EQ(ut_fcntl(w.c, fd, F_SETFL, O_NONBLOCK), 0);
	CHECK(ut_fcntl(w.c, fd, F_GETFL) & O_NONBLOCK);
	ut_close(w.c, fd);
	tw_done(&w);
}

/* Linux's do_ip_setsockopt takes the value of an integer IP option from a
 * single byte when the caller passes less than an int, and an empty one
 * as 0 (packetdrill's sack-route-refresh-ip-tos.pkt sets
 * IP_MTU_DISCOVER with optlen 1); IP_TTL alone wants at least a byte. */
TEST(a_connection_s_send_buffer_starts_at_linux_s_87040_bytes_and_grows_with_the_window)
{
	struct tcpworld w;
	int c, s, v;
	socklen_t len = sizeof(v);
	static char buf[65536];

	tw_make(&w, 47, NULL);
	tw_pair(&w, 8080, &c, &s);
	/* Linux's tcp_sndbuf_expand at the handshake: two initial windows
	 * of its worst-case segment, roundup_pow_of_two(1460 + 320 + 320)
	 * + 256 = 4352 bytes: 2 * 10 * 4352, as `ss -m` shows (tb87040) */
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	CHECK_EQ(v, 87040);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	CHECK_EQ(v, 87040);
	/* a bulk sender's window grows, and the buffer with it */
	for (int ms = 0; ms < 300; ms++) {
		while (ut_send(w.c, c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		while (ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		tw_run(&w, 1 * MS);
	}
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	CHECK(tp->snd_cwnd > 20);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	CHECK(v >= 2 * 4352 * (int)tp->snd_cwnd || v == w.c->sysctl.tcp_wmem[2]);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(ip_options_take_a_one_byte_value_as_linux_does)
{
	struct tcpworld w;
	int fd, v;
	socklen_t len = sizeof(v);
	unsigned char c = IP_PMTUDISC_DONT;

	tw_make(&w, 47, NULL);
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_IP, IP_MTU_DISCOVER, &c, 1), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_IP, IP_MTU_DISCOVER, &v, &len), 0);
	CHECK_EQ(v, IP_PMTUDISC_DONT);
	c = 0x10;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_IP, IP_TOS, &c, 1), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_IP, IP_TOS, &v, &len), 0);
	CHECK_EQ(v, 0x10);
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_IP, IP_TOS, &c, 0), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_IP, IP_TOS, &v, &len), 0);
	CHECK_EQ(v, 0);
	c = 7;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_IP, IP_TTL, &c, 1), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 7);
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_IP, IP_TTL, &c, 0), -1);
	CHECK_EQ(errno, EINVAL);
	ut_close(w.c, fd);
	tw_done(&w);
}

TEST(a_full_send_buffer_gives_eagain_without_blocking_and_waits_when_blocking)
{
	struct tcpworld w;
	static char big[1 << 20];
	struct timeval tv = {0, 200000};
	int c, s, n;

	tw_make(&w, 47, NULL);
	tw_pair(&w, PORT, &c, &s);
	/* the server never reads: the client's buffer fills */
	ssize_t total = 0, k;
	while ((k = ut_send(w.c, c, big, sizeof(big), MSG_DONTWAIT)) > 0) {
		total += k;
		tw_run(&w, 100 * MS);
	}
	CHECK_EQ(k, -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(total > 0);
	CHECK_EQ(ut_ioctl(w.s, s, FIONREAD, &n), 0);
	CHECK(n > 0);
	/* blocking with SO_SNDTIMEO: EAGAIN after the timeout */
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_send(w.c, c, big, sizeof(big), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(ut_sim_now(w.sim) - t0 >= 200 * MS);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* Found by the soak (seed 27): a connection reset while it waited in the
 * accept queue. Linux's accept returns it anyway (inet_accept takes a
 * child in CLOSE; __sys_accept4 asks getname with peer == 2, which allows
 * CLOSE), with the peer's address, and the reset surfaces on the first
 * call that reads the error. It never fails accept with ENOTCONN. */
TEST(accept_returns_a_connection_reset_in_the_accept_queue_with_its_peer_address)
{
	struct tcpworld w;
	struct linger lg = {1, 0};
	struct sockaddr_in peer, self;
	socklen_t pl = sizeof(peer), sl = sizeof(self);
	char b[8];
	int lfd, c, s;

	tw_make(&w, 48, NULL);
	lfd = tw_listen(&w, PORT, 4);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in dst = tw_addr(SERVER_IP, PORT);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&self, &sl), 0);
	tw_run(&w, 100 * MS);
	/* the client aborts before the server accepts: the child is reset */
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "Tcp", "EstabResets"), 1);
	s = ut_accept4(w.s, lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK);
	CHECK(s >= 0);
	CHECK_EQ(peer.sin_addr.s_addr, self.sin_addr.s_addr);
	CHECK_EQ(peer.sin_port, self.sin_port);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), 0), -1);
	CHECK_EQ(errno, ECONNRESET);
	CHECK_EQ(ut_recv(w.s, s, b, sizeof(b), 0), 0);
	ut_close(w.s, s);
	ut_close(w.s, lfd);
	tw_done(&w);
}

TEST(a_null_buffer_gives_efault_where_a_byte_would_be_copied_as_linux)
{
	struct tcpworld w;
	char b[8];
	struct iovec v[2] = {{b, 3}, {NULL, 4}};
	int c, s;

	tw_make(&w, 49, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_send(w.c, c, NULL, 10, MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EFAULT);
	/* Linux loses the whole chunk the bad vector falls in */
	memcpy(b, "abc", 3);
	CHECK_EQ(ut_writev(w.c, c, v, 2), -1);
	CHECK_EQ(errno, EFAULT);
	/* nothing to read: no byte is copied, so no fault */
	CHECK_EQ(ut_recv(w.s, s, NULL, 10, MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ut_send(w.c, c, "xyz", 3, MSG_DONTWAIT), 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, NULL, 10, MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EFAULT);
	/* what comes before the bad vector is read */
	CHECK_EQ(ut_readv(w.s, s, v, 2), 3);
	CHECK_MEM_EQ(b, "xyz", 3);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
