/* Three options of Linux 6.x's stream sockets: TCP_INQ and its
 * TCP_CM_INQ control message, TCP_NOTSENT_LOWAT (and its sysctl) limiting
 * what waits unsent, and MSG_EOR closing a record's write-queue buffer. */
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8091

/* recvmsg of up to n bytes with room for one control message; the inq it
 * carried in *inq (-1: none). */
static ssize_t recv_inq(struct ut_stack *st, int fd, size_t n, int *inq)
{
	char b[4096];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {b, n};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	ssize_t rc;

	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	rc = ut_recvmsg(st, fd, &m, MSG_DONTWAIT);
	*inq = -1;
	cm = CMSG_FIRSTHDR(&m);
	if (rc >= 0 && cm && cm->cmsg_level == SOL_TCP && cm->cmsg_type == TCP_CM_INQ) {
		CHECK_EQ(m.msg_controllen, CMSG_SPACE(sizeof(int)));
		memcpy(inq, CMSG_DATA(cm), sizeof(*inq));
	}
	return rc;
}

TEST(tcp_inq_tells_each_read_how_many_bytes_are_left_and_one_after_the_fin)
{
	struct tcpworld w;
	int c, s, on = 1, v = 0, inq;
	socklen_t len = sizeof(v);

	tw_make(&w, 1, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(recv_inq(w.s, s, 10, &inq), -1);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_TCP, TCP_INQ, &v, sizeof(v)), 0);
	v = 2;
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_TCP, TCP_INQ, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_send(w.c, c, "0123456789", 10, MSG_DONTWAIT), 10);
	tw_run(&w, 100 * MS);
	CHECK_EQ(recv_inq(w.s, s, 2, &inq), 2);
	CHECK_EQ(inq, -1); /* off: no control message */
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_TCP, TCP_INQ, &on, sizeof(on)), 0);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_TCP, TCP_INQ, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(recv_inq(w.s, s, 3, &inq), 3);
	CHECK_EQ(inq, 5);
	CHECK_EQ(recv_inq(w.s, s, 5, &inq), 5);
	CHECK_EQ(inq, 0);
	ut_close(w.c, c);
	tw_run(&w, 100 * MS);
	/* the FIN: 1, so that the reader reads on to the end */
	CHECK_EQ(recv_inq(w.s, s, 5, &inq), 0);
	CHECK_EQ(inq, 1);
	ut_close(w.s, s);
	tw_done(&w);
}

static char big[200000];

static struct sock *sk_of(struct tcpworld *w, int c)
{
	return &tw_tcp_sk(w->c, c)->inet_conn.icsk_inet;
}

/* A nonblocking write of everything on a slow path: how much it took. */
static ssize_t fill(struct tcpworld *w, int c)
{
	ssize_t total = 0, n;

	while ((n = ut_send(w->c, c, big, sizeof(big), MSG_DONTWAIT)) > 0)
		total += n;
	CHECK_EQ(errno, EAGAIN);
	return total;
}

TEST(tcp_notsent_lowat_stops_writes_and_pollout_while_unsent_bytes_exceed_it)
{
	struct tcpworld w;
	int c, s, v = 0;
	socklen_t len = sizeof(v);
	ssize_t plain, limited;
	struct pollfd p;

	/* 10 Mbit/s, 20 ms each way: the send buffer fills long before the
	 * path drains it */
	tw_make_path(&w, 2, 10000000, 20 * MS, 1000, &c, &s);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_TCP, TCP_NOTSENT_LOWAT, &v, &len), 0);
	CHECK_EQ(v, 0); /* the sysctl's, UINT_MAX by default */
	plain = fill(&w, c);
	CHECK(sk_of(&w, c)->sk_wmem_queued >= sk_of(&w, c)->sk_sndbuf);
	tw_run(&w, 5 * SEC);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);

	tw_make_path(&w, 2, 10000000, 20 * MS, 1000, &c, &s);
	v = 4000;
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_TCP, TCP_NOTSENT_LOWAT, &v, &len), 0);
	CHECK_EQ(v, 4000);
	limited = fill(&w, c);
	/* it stopped on the unsent bytes, with room left in the send
	 * buffer, where the plain writer stopped on the buffer itself (a
	 * write takes whole buffers of up to size_goal, so how far below
	 * depends on where they fall) */
	CHECK(limited < plain);
	CHECK(sk_of(&w, c)->sk_wmem_queued < sk_of(&w, c)->sk_sndbuf);
	CHECK(tw_tcp_sk(w.c, c)->write_seq - tw_tcp_sk(w.c, c)->snd_nxt >= 4000u);
	p = (struct pollfd){c, POLLOUT, 0};
	CHECK_EQ(ut_poll(w.c, &p, 1, 0), 0);
	/* POLLOUT again once less than half the limit waits unsent */
	tw_run(&w, 200 * MS);
	CHECK(tw_tcp_sk(w.c, c)->write_seq - tw_tcp_sk(w.c, c)->snd_nxt < 2000u);
	CHECK_EQ(ut_poll(w.c, &p, 1, 0), 1);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);

	/* the sysctl, for sockets without the option */
	tw_make_path(&w, 2, 10000000, 20 * MS, 1000, &c, &s);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_notsent_lowat", 4000), 0);
	CHECK(fill(&w, c) < plain);
	CHECK(sk_of(&w, c)->sk_wmem_queued < sk_of(&w, c)->sk_sndbuf);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(msg_eor_ends_a_write_queue_buffer_so_the_next_write_starts_another)
{
	struct tcpworld w;
	struct sock *sk;
	int c, s, on = 1;

	tw_make(&w, 3, NULL);
	tw_pair(&w, PORT, &c, &s);
	sk = (struct sock *)tw_tcp_sk(w.c, c);
	/* corked, small writes wait in the write queue */
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_TCP, TCP_CORK, &on, sizeof(on)), 0);
	CHECK_EQ(ut_send(w.c, c, "ab", 2, MSG_DONTWAIT), 2);
	CHECK_EQ(ut_send(w.c, c, "cd", 2, MSG_DONTWAIT), 2);
	CHECK_EQ(skb_queue_len(&sk->sk_write_queue), 1u);
	CHECK_EQ(ut_send(w.c, c, "ef", 2, MSG_DONTWAIT | MSG_EOR), 2);
	CHECK_EQ(skb_queue_len(&sk->sk_write_queue), 1u);
	CHECK(TCP_SKB_CB(skb_peek(&sk->sk_write_queue))->eor);
	CHECK_EQ(tw_tcp_sk(w.c, c)->snd_nxt, tw_tcp_sk(w.c, c)->snd_una);
	/* the next write starts a buffer of its own; the record, no longer
	 * the last, leaves though corked (Linux's Nagle test) */
	CHECK_EQ(ut_send(w.c, c, "gh", 2, MSG_DONTWAIT), 2);
	CHECK_EQ(skb_queue_len(&sk->sk_write_queue), 1u);
	CHECK_EQ(skb_peek(&sk->sk_write_queue)->len, 2u);
	CHECK_EQ(tw_tcp_sk(w.c, c)->snd_nxt - tw_tcp_sk(w.c, c)->snd_una, 6u);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}
