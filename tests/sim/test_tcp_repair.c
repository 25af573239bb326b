/* TCP_REPAIR as checkpoint/restore tools use it (CRIU's steps): a
 * connection with data both ways in its queues, some of it sent and not
 * yet acknowledged, is read out in repair mode, closed without a word to
 * the peer, and rebuilt in a new socket that carries on as if nothing had
 * happened: the peer sees no handshake, no reset, and gets every byte
 * once. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static void set_int(struct ut_stack *st, int fd, int name, int v)
{
	CHECK_EQ(ut_setsockopt(st, fd, IPPROTO_TCP, name, &v, sizeof(v)), 0);
}

static int get_int(struct ut_stack *st, int fd, int name)
{
	int v = 0;
	socklen_t len = sizeof(v);
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, name, &v, &len), 0);
	return v;
}

/* What CRIU keeps of a connection. */
struct image {
	struct sockaddr_in self, peer;
	uint32_t snd_una, copied_seq, tsval;
	uint8_t *outq, *inq;
	int outq_len, inq_len;
	struct ut_tcp_info info;
	struct tcp_repair_window win;
};

static void dump(struct ut_stack *st, int fd, struct image *im)
{
	socklen_t len = sizeof(im->self);
	struct msghdr m = {0};
	struct iovec iov;

	CHECK_EQ(ut_getsockname(st, fd, (struct sockaddr *)&im->self, &len), 0);
	len = sizeof(im->peer);
	CHECK_EQ(ut_getpeername(st, fd, (struct sockaddr *)&im->peer, &len), 0);
	len = sizeof(im->info);
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_INFO, &im->info, &len), 0);
	set_int(st, fd, TCP_REPAIR, TCP_REPAIR_ON);
	CHECK_EQ(ut_ioctl(st, fd, TIOCOUTQ, &im->outq_len), 0);
	CHECK_EQ(ut_ioctl(st, fd, FIONREAD, &im->inq_len), 0);
	/* the send queue: sent or not, everything not yet acknowledged */
	set_int(st, fd, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	im->snd_una = (uint32_t)get_int(st, fd, TCP_QUEUE_SEQ) - (uint32_t)im->outq_len;
	im->outq = malloc((size_t)im->outq_len + 1);
	iov.iov_base = im->outq;
	iov.iov_len = (size_t)im->outq_len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	CHECK_EQ(ut_recvmsg(st, fd, &m, MSG_PEEK), im->outq_len);
	/* the receive queue: what the application has not read */
	set_int(st, fd, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	im->copied_seq = (uint32_t)get_int(st, fd, TCP_QUEUE_SEQ) - (uint32_t)im->inq_len;
	im->inq = malloc((size_t)im->inq_len + 1);
	iov.iov_base = im->inq;
	iov.iov_len = (size_t)im->inq_len;
	CHECK_EQ(ut_recvmsg(st, fd, &m, MSG_PEEK), im->inq_len);
	len = sizeof(im->win);
	CHECK_EQ(ut_getsockopt(st, fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &im->win, &len), 0);
	im->tsval = (uint32_t)get_int(st, fd, TCP_TIMESTAMP);
	/* without repair's PEEK a read is refused */
	char b;
	CHECK_EQ(ut_recv(st, fd, &b, 1, MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EPERM);
}

static int restore(struct ut_stack *st, const struct image *im)
{
	int fd = ut_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct tcp_repair_opt opts[4] = {
		{TCPOPT_MAXSEG, im->info.tcpi_snd_mss + 12},
		{TCPOPT_WINDOW,
		 im->info.tcpi_snd_wscale | (uint32_t)im->info.tcpi_rcv_wscale << 16},
		{TCPOPT_SACK_PERMITTED, 0},
		{TCPOPT_TIMESTAMP, 0},
	};

	CHECK(fd >= 0);
	set_int(st, fd, TCP_REPAIR, TCP_REPAIR_ON);
	set_int(st, fd, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	set_int(st, fd, TCP_QUEUE_SEQ, (int)im->snd_una);
	set_int(st, fd, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	set_int(st, fd, TCP_QUEUE_SEQ, (int)im->copied_seq);
	set_int(st, fd, TCP_TIMESTAMP, (int)im->tsval);
	CHECK_EQ(ut_bind(st, fd, (const struct sockaddr *)&im->self, sizeof(im->self)), 0);
	/* no SYN: established at once */
	CHECK_EQ(ut_connect(st, fd, (const struct sockaddr *)&im->peer, sizeof(im->peer)), 0);
	CHECK_EQ(ut_setsockopt(st, fd, IPPROTO_TCP, TCP_REPAIR_OPTIONS, opts, sizeof(opts)), 0);
	if (im->inq_len)
		CHECK_EQ(ut_send(st, fd, im->inq, (size_t)im->inq_len, 0), im->inq_len);
	/* the windows once the receive queue is back (rcv_wup <= rcv_nxt) */
	CHECK_EQ(ut_setsockopt(st, fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &im->win, sizeof(im->win)),
		 0);
	set_int(st, fd, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	if (im->outq_len)
		CHECK_EQ(ut_send(st, fd, im->outq, (size_t)im->outq_len, 0), im->outq_len);
	set_int(st, fd, TCP_REPAIR, TCP_REPAIR_OFF);
	return fd;
}

static void fill(char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (char)(i * 7 + seed);
}

TEST(a_connection_taken_apart_in_repair_mode_is_rebuilt_and_carries_on)
{
	struct tcpworld w;
	struct image im;
	char to_client[3000], to_server[1000], got[4000];
	int c, s, c2;

	fill(to_client, sizeof(to_client), 1);
	fill(to_server, sizeof(to_server), 2);
	tw_make(&w, 1, NULL);
	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(ut_fcntl(w.c, c, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(w.s, s, F_SETFL, O_NONBLOCK), 0);
	/* the client has 3000 bytes it has not read, and 1000 it sent
	 * that the server will only get after the restore */
	CHECK_EQ(ut_send(w.s, s, to_client, sizeof(to_client), 0), (ssize_t)sizeof(to_client));
	tw_run(&w, 100 * MS);
	ut_sim_link_set_up(w.link, false);
	CHECK_EQ(ut_send(w.c, c, to_server, sizeof(to_server), 0), (ssize_t)sizeof(to_server));
	tw_run(&w, 10 * MS);

	dump(w.c, c, &im);
	CHECK_EQ(im.outq_len, (int)sizeof(to_server));
	CHECK_EQ(im.inq_len, (int)sizeof(to_client));
	CHECK_MEM_EQ(im.outq, to_server, sizeof(to_server));
	CHECK_MEM_EQ(im.inq, to_client, sizeof(to_client));
	/* closed in repair mode: not a FIN, not a reset */
	uint64_t rsts = tw_counter(w.c, "Tcp", "OutRsts");
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(tw_counter(w.c, "Tcp", "OutRsts"), rsts);

	c2 = restore(w.c, &im);
	CHECK_EQ(tw_counter(w.c, "Tcp", "ActiveOpens"), 1); /* no handshake */
	ut_sim_link_set_up(w.link, true);
	tw_run(&w, 3 * SEC);
	/* the server gets the 1000 bytes once; the client its 3000 */
	CHECK_EQ(ut_recv(w.s, s, got, sizeof(got), 0), (ssize_t)sizeof(to_server));
	CHECK_MEM_EQ(got, to_server, sizeof(to_server));
	CHECK_EQ(ut_recv(w.c, c2, got, sizeof(got), 0), (ssize_t)sizeof(to_client));
	CHECK_MEM_EQ(got, to_client, sizeof(to_client));
	/* and the connection goes on both ways */
	CHECK_EQ(ut_send(w.c, c2, "after", 5, 0), 5);
	CHECK_EQ(ut_send(w.s, s, "again", 5, 0), 5);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, got, sizeof(got), 0), 5);
	CHECK_MEM_EQ(got, "after", 5);
	CHECK_EQ(ut_recv(w.c, c2, got, sizeof(got), 0), 5);
	CHECK_MEM_EQ(got, "again", 5);
	CHECK_EQ(tw_counter(w.s, "Tcp", "EstabResets"), 0);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutRsts"), 0);
	CHECK_EQ(tw_counter(w.c, "Tcp", "OutRsts"), rsts);
	free(im.outq);
	free(im.inq);
	ut_close(w.c, c2);
	ut_close(w.s, s);
	tw_run(&w, 100 * MS);
	tw_done(&w);
}

TEST(repair_options_answer_as_linux_outside_repair_mode)
{
	struct tcpworld w;
	struct tcp_repair_window win;
	socklen_t len = sizeof(win);
	int fd, v = 5, l;

	tw_make(&w, 2, NULL);
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	/* every queue option wants repair mode first */
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &win, &len), -1);
	CHECK_EQ(errno, EPERM);
	v = 7;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_TCP, TCP_REPAIR, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	set_int(w.c, fd, TCP_REPAIR, TCP_REPAIR_ON);
	CHECK_EQ(get_int(w.c, fd, TCP_REPAIR), 1);
	v = TCP_QUEUES_NR;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	/* the queue's sequence without a queue chosen */
	len = sizeof(v);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_TCP, TCP_QUEUE_SEQ, &v, &len), -1);
	CHECK_EQ(errno, EINVAL);
	/* not connected: as any unconnected socket (Linux checks the state
	 * before the repair queue) */
	CHECK_EQ(ut_send(w.c, fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	ut_close(w.c, fd);
	/* a listener cannot be repaired */
	l = tw_listen(&w, PORT, 4);
	v = TCP_REPAIR_ON;
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_REPAIR, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EPERM);
	ut_close(w.s, l);
	tw_done(&w);
}
