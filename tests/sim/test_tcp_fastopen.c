/* TCP Fast Open (RFC 7413), both ends usertcp: the cookie request and the
 * cookie, data in the SYN delivered to accept() before the handshake
 * completes, SYN data the server does not take sent again, the keys and
 * their rotation, TCP_FASTOPEN_CONNECT's deferred SYN, the listener's
 * queue bound, the blackhole pause and the calls' errors as Linux's. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

/* A listener taking Fast Open with a queue of qlen. */
static int tfo_listen(struct tcpworld *w, int qlen)
{
	int l = ut_socket(w->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);

	CHECK(l >= 0);
	CHECK_EQ(ut_setsockopt(w->s, l, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)), 0);
	CHECK_EQ(ut_bind(w->s, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w->s, l, 16), 0);
	return l;
}

/* sendto(MSG_FASTOPEN) of len bytes on a new non-blocking socket; its
 * result in *rc (errno in *err). */
static int tfo_sendto(struct tcpworld *w, const char *data, size_t len, ssize_t *rc, int *err)
{
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	int c = ut_socket(w->c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	CHECK(c >= 0);
	errno = 0;
	*rc = ut_sendto(w->c, c, data, len, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin));
	*err = errno;
	return c;
}

/* Bytes of data the client's SYNs carried (the wire's record). */
static uint32_t syn_data_sent(const struct tcpworld *w)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == 0 && w->ev[i].type == UT_TP_SEGMENT_SEND &&
		    (w->ev[i].flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN)
			n += w->ev[i].len;
	return n;
}

static int accept_one(struct tcpworld *w, int l)
{
	int s = -1;

	for (int i = 0; i < 100 && s < 0; i++) {
		s = ut_accept(w->s, l, NULL, NULL);
		if (s < 0)
			tw_run(w, 1 * MS);
	}
	CHECK(s >= 0);
	return s;
}

static struct ut_tcp_info tfo_info(struct ut_stack *st, int fd)
{
	struct ut_tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return ti;
}

/* One connection of the client to a Fast Open listener that gets the
 * client a cookie, closed again. */
static void tfo_get_cookie(struct tcpworld *w, int l)
{
	ssize_t rc;
	int err, c, s;

	c = tfo_sendto(w, "", 0, &rc, &err);
	CHECK_EQ(rc, -1);
	CHECK_EQ(err, EINPROGRESS);
	tw_run(w, 100 * MS);
	s = accept_one(w, l);
	ut_close(w->c, c);
	ut_close(w->s, s);
	tw_run(w, 100 * MS);
}

TEST(a_client_without_a_cookie_asks_for_one_and_its_next_syn_carries_data)
{
	struct tcpworld w;
	char buf[64];
	ssize_t rc;
	int err, l, c, s;

	tw_make(&w, 1501, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = tfo_listen(&w, 16);
	/* No cookie yet: the SYN asks for one and carries nothing. */
	c = tfo_sendto(&w, "hello", 5, &rc, &err);
	CHECK_EQ(rc, -1);
	CHECK_EQ(err, EINPROGRESS);
	tw_run(&w, 100 * MS);
	CHECK_EQ(syn_data_sent(&w), 0);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenCookieReqd"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 0);
	CHECK_EQ(tfo_info(w.c, c).tcpi_fastopen_client_fail, TFO_COOKIE_UNAVAILABLE);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 100 * MS);

	/* With the cookie the data goes in the SYN and sendto says so. */
	tw_clear(&w);
	c = tfo_sendto(&w, "hello", 5, &rc, &err);
	CHECK_EQ(rc, 5);
	tw_run(&w, 100 * MS);
	CHECK_EQ(syn_data_sent(&w), 5);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPFastOpenActive"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 1);
	s = accept_one(&w, l);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK(tfo_info(w.c, c).tcpi_options & TCPI_OPT_SYN_DATA);
	CHECK(tfo_info(w.s, s).tcpi_options & TCPI_OPT_SYN_DATA);
	CHECK_EQ(ut_send(w.s, s, "back", 4, 0), 4);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 4);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(the_server_hands_the_syn_data_to_accept_before_the_handshake_completes)
{
	struct tcpworld w;
	char buf[64];
	ssize_t rc;
	int err, l, c, s;

	tw_make(&w, 1502, NULL); /* 10 ms each way */
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = tfo_listen(&w, 16);
	tfo_get_cookie(&w, l);
	c = tfo_sendto(&w, "early data", 10, &rc, &err);
	CHECK_EQ(rc, 10);
	/* The SYN is in, the client's ACK not yet: the child is on the
	 * accept queue in SYN_RECV with the data readable. */
	tw_run(&w, 15 * MS);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(tfo_info(w.s, s).tcpi_state, TCP_SYN_RECV);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 10);
	CHECK(memcmp(buf, "early data", 10) == 0);
	/* It may answer at once, in SYN_RECV (Linux). */
	CHECK_EQ(ut_send(w.s, s, "reply", 5, 0), 5);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tfo_info(w.s, s).tcpi_state, TCP_ESTABLISHED);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 5);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(syn_data_the_server_does_not_acknowledge_is_sent_again_after_the_handshake)
{
	struct tcpworld w;
	char buf[64];
	ssize_t rc;
	int err, l, c, s;

	tw_make(&w, 1503, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = tfo_listen(&w, 16);
	tfo_get_cookie(&w, l);
	/* The server stops taking Fast Open: its SYN-ACK acknowledges the
	 * ISN alone. */
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", 0), 0);
	c = tfo_sendto(&w, "resend me", 9, &rc, &err);
	CHECK_EQ(rc, 9);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPFastOpenActiveFail"), 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPFastOpenActive"), 0);
	CHECK_EQ(tfo_info(w.c, c).tcpi_fastopen_client_fail, TFO_DATA_NOT_ACKED);
	CHECK(!(tfo_info(w.c, c).tcpi_options & TCPI_OPT_SYN_DATA));
	s = accept_one(&w, l);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 9);
	CHECK(memcmp(buf, "resend me", 9) == 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_cookie_of_the_backup_key_is_taken_and_the_client_learns_the_primary_one)
{
	struct tcpworld w;
	uint8_t a[16], ab[32], got[32];
	socklen_t len = sizeof(got);
	ssize_t rc;
	int err, l, c, s;

	memset(a, 0xa1, sizeof(a));
	memset(ab, 0xb2, 16);
	memcpy(ab + 16, a, 16);
	tw_make(&w, 1504, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = tfo_listen(&w, 16);
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN_KEY, a, sizeof(a)), 0);
	tfo_get_cookie(&w, l);
	/* Key rotation: b primary, a the backup. */
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN_KEY, ab, sizeof(ab)), 0);
	CHECK_EQ(ut_getsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN_KEY, got, &len), 0);
	CHECK_EQ(len, 32);
	CHECK(memcmp(got, ab, 32) == 0);
	c = tfo_sendto(&w, "old", 3, &rc, &err);
	CHECK_EQ(rc, 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassiveAltKey"), 1);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 100 * MS);
	/* The SYN-ACK brought the primary key's cookie: no backup needed. */
	c = tfo_sendto(&w, "new", 3, &rc, &err);
	CHECK_EQ(rc, 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 2);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassiveAltKey"), 1);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	/* A cookie of neither key is refused, and the data waits for the
	 * handshake. */
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN_KEY, a, sizeof(a)), 0);
	tw_run(&w, 100 * MS);
	c = tfo_sendto(&w, "bad", 3, &rc, &err);
	CHECK_EQ(rc, 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassiveFail"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 2);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(the_stack_key_is_read_and_written_as_linux_writes_it)
{
	struct tcpworld w;
	char buf[128];

	tw_make(&w, 1505, NULL);
	CHECK_EQ(ut_sysctl_get_str(w.s, "net.ipv4.tcp_fastopen_key", buf, sizeof(buf)), 0);
	CHECK(strcmp(buf, "00000000-00000000-00000000-00000000") == 0);
	CHECK_EQ(ut_sysctl_set_str(w.s, "net.ipv4.tcp_fastopen_key",
				   "a0bf63f7-ed803d81-cd641d30-cebc4a90,1-2-3-4"),
		 0);
	CHECK_EQ(ut_sysctl_get_str(w.s, "net.ipv4.tcp_fastopen_key", buf, sizeof(buf)), 0);
	CHECK(strcmp(buf,
		     "a0bf63f7-ed803d81-cd641d30-cebc4a90,00000001-00000002-00000003-00000004") ==
	      0);
	CHECK(ut_sysctl_set_str(w.s, "net.ipv4.tcp_fastopen_key", "a0bf63f7-ed803d81") < 0);
	CHECK(ut_sysctl_set_str(w.s, "net.ipv4.tcp_fastopen_key", "123456789-0-0-0") < 0);
	tw_done(&w);
}

TEST(tcp_fastopen_connect_with_a_cookie_returns_at_once_and_the_first_write_sends_the_syn)
{
	struct tcpworld w;
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	struct pollfd p;
	char buf[16];
	int one = 1, l, c, s;

	tw_make(&w, 1506, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = tfo_listen(&w, 16);
	/* Without a cookie it connects as usual, asking for one. */
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)), 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	tw_run(&w, 100 * MS);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 100 * MS);

	tw_clear(&w);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)), 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	/* connected as far as connect() is concerned; nothing sent yet */
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EISCONN);
	tw_run(&w, 50 * MS);
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_SYN, TCPHDR_SYN), 0);
	p.fd = c;
	p.events = POLLOUT;
	CHECK_EQ(ut_poll(w.c, &p, 1, 0), 1);
	CHECK(p.revents & POLLOUT);
	CHECK_EQ(ut_send(w.c, c, "deferred", 8, 0), 8);
	tw_run(&w, 100 * MS);
	CHECK_EQ(syn_data_sent(&w), 8);
	s = accept_one(&w, l);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 8);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(no_cookie_is_needed_when_both_ends_say_so)
{
	struct tcpworld w;
	ssize_t rc;
	int err, l, c, s, one = 1;
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);

	tw_make(&w, 1507, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen",
			       TFO_SERVER_ENABLE | TFO_SERVER_COOKIE_NOT_REQD),
		 0);
	l = tfo_listen(&w, 16);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &one, sizeof(one)), 0);
	rc = ut_sendto(w.c, c, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin));
	err = errno;
	CHECK_EQ(rc, 1);
	(void)err;
	tw_run(&w, 100 * MS);
	CHECK_EQ(syn_data_sent(&w), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 1);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(the_fast_open_queue_length_bounds_the_children_still_in_syn_recv)
{
	struct tcpworld w;
	struct ut_link_params lp;
	ssize_t rc;
	int err, l, c[2], s[2];

	tw_make(&w, 1508, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = tfo_listen(&w, 1);
	tfo_get_cookie(&w, l);
	/* The server's SYN-ACKs are lost: the first child stays in SYN_RECV. */
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = 1.0;
	CHECK_EQ(ut_sim_link_set_params(w.link, 1, &lp), 0);
	c[0] = tfo_sendto(&w, "one", 3, &rc, &err);
	CHECK_EQ(rc, 3);
	tw_run(&w, 50 * MS);
	c[1] = tfo_sendto(&w, "two", 3, &rc, &err);
	CHECK_EQ(rc, 3);
	tw_run(&w, 50 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenListenOverflow"), 1);
	lp.loss = 0;
	CHECK_EQ(ut_sim_link_set_params(w.link, 1, &lp), 0);
	tw_run(&w, 3 * SEC);
	/* the first child sent its SYN-ACK again, which acknowledged the
	 * SYN's data */
	CHECK(tw_counter(w.s, "TcpExt", "TCPSynRetrans") >= 1);
	CHECK(tfo_info(w.c, c[0]).tcpi_options & TCPI_OPT_SYN_DATA);
	CHECK_EQ(tfo_info(w.c, c[0]).tcpi_state, TCP_ESTABLISHED);
	s[0] = accept_one(&w, l);
	s[1] = accept_one(&w, l);
	for (int i = 0; i < 2; i++) {
		ut_close(w.c, c[i]);
		ut_close(w.s, s[i]);
	}
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(timeouts_of_fast_open_syns_pause_fast_open_for_the_blackhole_timeout)
{
	struct tcpworld w;
	struct ut_link_params lp;
	ssize_t rc;
	int err, l, c;

	tw_make(&w, 1509, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_fastopen_blackhole_timeout_sec", 3600), 0);
	l = tfo_listen(&w, 16);
	tfo_get_cookie(&w, l);
	/* A middlebox eats every SYN with data. */
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = 1.0;
	CHECK_EQ(ut_sim_link_set_params(w.link, 0, &lp), 0);
	c = tfo_sendto(&w, "lost", 4, &rc, &err);
	CHECK_EQ(rc, 4);
	/* the third timeout in a row (after 1, 2 and 4 s) pauses it */
	tw_run(&w, 6 * SEC);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPFastOpenBlackhole"), 0);
	tw_run(&w, 2 * SEC);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPFastOpenBlackhole"), 1);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPFastOpenActiveFail"), 1);
	ut_close(w.c, c);
	lp.loss = 0;
	CHECK_EQ(ut_sim_link_set_params(w.link, 0, &lp), 0);
	tw_run(&w, 100 * MS);
	/* Paused: the next SYN carries neither cookie nor data. */
	tw_clear(&w);
	c = tfo_sendto(&w, "later", 5, &rc, &err);
	CHECK_EQ(rc, -1);
	CHECK_EQ(err, EINPROGRESS);
	tw_run(&w, 100 * MS);
	CHECK_EQ(syn_data_sent(&w), 0);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenCookieReqd"), 1);
	ut_close(w.c, c);
	c = accept_one(&w, l);
	ut_close(w.s, c);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(fast_open_calls_fail_with_linux_errors)
{
	struct tcpworld w;
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	uint8_t key[10] = {0};
	int v, c, l, s;

	tw_make(&w, 1510, NULL);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	v = 2;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	v = -1;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_KEY, key, sizeof(key)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, MSG_FASTOPEN, &unspec, sizeof(unspec)), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	/* no address: the connect it implies has none */
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, MSG_FASTOPEN, NULL, 0), -1);
	CHECK_EQ(errno, EINVAL);
	/* the client side off (net.ipv4.tcp_fastopen bit 1) */
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_fastopen", 0), 0);
	v = 1;
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_fastopen", 1), 0);
	ut_close(w.c, c);
	/* once connected: EISCONN, and the options that need CLOSE refuse */
	tw_pair_listening(&w, PORT, &l, &c, &s);
	CHECK_EQ(ut_sendto(w.c, c, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EISCONN);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	/* a listener may take TCP_FASTOPEN; it reads back */
	v = 5;
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)), 0);
	v = 0;
	socklen_t len = sizeof(v);
	CHECK_EQ(ut_getsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN, &v, &len), 0);
	CHECK_EQ(v, 5);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(a_cookie_request_left_unanswered_is_made_again_in_the_experimental_option)
{
	struct tcpworld w;
	ssize_t rc;
	int err, l, c, s;

	tw_make(&w, 1511, NULL);
	l = tfo_listen(&w, 16); /* the server side is off: no cookie */
	c = tfo_sendto(&w, "", 0, &rc, &err);
	tw_run(&w, 100 * MS);
	CHECK(!tw_tcp_sk(w.c, c)->tfo.syn_fastopen_exp);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 100 * MS);
	/* RFC 7413's kind 34 drew nothing: the next request is in kind 254
	 * (magic 0xF989), which the server, now on, answers in kind. */
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	c = tfo_sendto(&w, "", 0, &rc, &err);
	tw_run(&w, 100 * MS);
	CHECK(tw_tcp_sk(w.c, c)->tfo.syn_fastopen_exp);
	/* counted even while the server side was off, as Linux counts it */
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenCookieReqd"), 2);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 100 * MS);
	c = tfo_sendto(&w, "exp", 3, &rc, &err);
	CHECK_EQ(rc, 3);
	tw_run(&w, 100 * MS);
	CHECK(tw_tcp_sk(w.c, c)->tfo.syn_fastopen_exp);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPFastOpenPassive"), 1);
	s = accept_one(&w, l);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}
