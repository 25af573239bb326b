/* MSG_ZEROCOPY with SO_ZEROCOPY, as Linux (Documentation/networking/
 * msg_zerocopy.rst): the send buffers reference the caller's memory, not
 * a copy of it; each send is numbered; once every byte of a send is
 * acknowledged (or dropped) the error queue says so with a range of
 * numbers (SO_EE_ORIGIN_ZEROCOPY), COPIED when the bytes had to be copied
 * to leave (the simulator's devices take whole frames, as Linux's tun and
 * loopback). Client 10.0.0.1, server 10.0.0.2, 10 ms apart; every test
 * closes its descriptors and ends with the leak check. */
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <poll.h>
#include <string.h>

#include "net/skbuff.h"
#include "net/stack.h"
#include "tcpworld.h"
#include "test.h"

static void set_int(struct ut_stack *st, int fd, int level, int name, int v)
{
	CHECK_EQ(ut_setsockopt(st, fd, level, name, &v, sizeof(v)), 0);
}

/* One notification: -1 when the error queue had none (EAGAIN). */
struct zc_note {
	int n;
	uint32_t lo, hi;
	uint8_t code;
};

static struct zc_note read_note(struct ut_stack *st, int fd)
{
	union {
		char buf[128];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {0};
	struct zc_note z = {.n = -1};

	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if (ut_recvmsg(st, fd, &msg, MSG_ERRQUEUE) < 0) {
		CHECK_EQ(errno, EAGAIN);
		return z;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		struct sock_extended_err ee;
		if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
			continue;
		memcpy(&ee, CMSG_DATA(c), sizeof(ee));
		CHECK_EQ(ee.ee_origin, SO_EE_ORIGIN_ZEROCOPY);
		CHECK_EQ(ee.ee_errno, 0);
		z.n = 1;
		z.lo = ee.ee_info;
		z.hi = ee.ee_data;
		z.code = ee.ee_code;
	}
	CHECK_EQ(z.n, 1);
	return z;
}

static unsigned poll_now(struct ut_stack *st, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	CHECK(ut_poll(st, &p, 1, 0) >= 0);
	return (unsigned)p.revents;
}

/* Reads what the server has into in[*got..n). */
static void drain(struct tcpworld *w, int s, char *in, size_t *got, size_t n)
{
	for (int i = 0; i < 20000 && *got < n; i++) {
		ssize_t r = ut_recv(w->s, s, in + *got, n - *got, MSG_DONTWAIT);
		if (r > 0)
			*got += (size_t)r;
		else
			tw_run(w, 1 * MS);
	}
}

static size_t pool_in_use(struct tcpworld *w)
{
	struct skb_pool_stats st;
	skb_pool_get_stats(w->c->pool, &st);
	return st.in_use_bytes;
}

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(seed + i * 7 + (i >> 9));
}

TEST(a_zerocopy_send_is_notified_once_acknowledged_with_its_number_and_copied)
{
	static char out[4000], in[8000];
	struct tcpworld w;
	struct zc_note z;
	size_t got = 0;
	int c, s;

	tw_make(&w, 1, NULL);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	fill(out, sizeof(out), 1);
	CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_ZEROCOPY), (ssize_t)sizeof(out));
	/* in flight, not acknowledged: the memory is still lent */
	CHECK_EQ(read_note(w.c, c).n, -1);
	CHECK(!(poll_now(w.c, c) & POLLERR));
	tw_run(&w, 100 * MS);
	CHECK(poll_now(w.c, c) & POLLERR);
	z = read_note(w.c, c);
	CHECK_EQ(z.lo, 0);
	CHECK_EQ(z.hi, 0);
	CHECK_EQ(z.code, SO_EE_CODE_ZEROCOPY_COPIED);
	CHECK(!(poll_now(w.c, c) & POLLERR));
	/* the next send takes the next number */
	CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_ZEROCOPY), (ssize_t)sizeof(out));
	tw_run(&w, 100 * MS);
	z = read_note(w.c, c);
	CHECK_EQ(z.lo, 1);
	CHECK_EQ(z.hi, 1);
	CHECK_EQ(read_note(w.c, c).n, -1);
	drain(&w, s, in, &got, sizeof(in));
	CHECK_EQ(got, sizeof(in));
	CHECK(!memcmp(in, out, sizeof(out)) && !memcmp(in + 4000, out, sizeof(out)));
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(notifications_of_consecutive_sends_merge_into_one_range)
{
	static char out[3000];
	struct tcpworld w;
	struct zc_note z;
	int c, s;

	tw_make(&w, 2, NULL);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_ZEROCOPY), (ssize_t)sizeof(out));
		tw_run(&w, 100 * MS);
	}
	z = read_note(w.c, c);
	CHECK_EQ(z.lo, 0);
	CHECK_EQ(z.hi, 2);
	CHECK_EQ(read_note(w.c, c).n, -1);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(the_send_buffer_references_the_callers_memory_rather_than_copying_it)
{
	enum { N = 512 * 1024 };
	static char out[N], in[N];
	struct tcpworld w;
	size_t before, got = 0;
	int c, s;

	tw_make(&w, 3, NULL);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_SOCKET, SO_SNDBUF, 4 << 20);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	fill(out, N, 3);
	before = pool_in_use(&w);
	CHECK_EQ(ut_send(w.c, c, out, N, MSG_ZEROCOPY | MSG_DONTWAIT), (ssize_t)N);
	/* queued whole, yet the pool holds descriptors and the frame of
	 * the first window in flight, not 512 KB of data (a plain send of
	 * the same is checked below to hold it) */
	CHECK(pool_in_use(&w) - before < N / 4);
	/* what has not left yet is read from the caller's memory when it
	 * leaves: a change made now reaches the peer */
	memset(out + N - 1000, 'Z', 1000);
	drain(&w, s, in, &got, N);
	CHECK_EQ(got, (size_t)N);
	CHECK(!memcmp(in, out, N));
	CHECK_EQ(in[N - 1], 'Z');
	tw_run(&w, 100 * MS);
	CHECK_EQ(read_note(w.c, c).lo, 0);

	/* the same through a plain send: the pool holds the bytes */
	before = pool_in_use(&w);
	CHECK_EQ(ut_send(w.c, c, out, N, MSG_DONTWAIT), (ssize_t)N);
	CHECK(pool_in_use(&w) - before >= N / 2);
	got = 0;
	drain(&w, s, in, &got, N);
	CHECK_EQ(got, (size_t)N);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(lost_segments_are_resent_from_the_lent_memory_and_acked_parts_trimmed)
{
	enum { N = 300 * 1000 };
	static char out[N], in[N];
	struct ut_link_params lp;
	struct tcpworld w;
	struct zc_note z;
	size_t got = 0;
	int c, s;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = 0.03;
	tw_make(&w, 4, &lp);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_SOCKET, SO_SNDBUF, 4 << 20);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	fill(out, N, 4);
	/* three sends, each from its own part of the memory */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(ut_send(w.c, c, out + i * (N / 3), N / 3, MSG_ZEROCOPY | MSG_DONTWAIT),
			 (ssize_t)(N / 3));
	drain(&w, s, in, &got, N);
	CHECK_EQ(got, (size_t)N);
	CHECK(!memcmp(in, out, N));
	CHECK(tw_counter(w.c, "Tcp", "RetransSegs") > 0);
	for (int i = 0; i < 200 && !(poll_now(w.c, c) & POLLERR); i++)
		tw_run(&w, 10 * MS);
	/* the three sends shared unsent buffers: one range 0..2 */
	z = read_note(w.c, c);
	CHECK_EQ(z.lo, 0);
	CHECK_EQ(z.hi, 2);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(an_iovec_of_more_pieces_than_a_buffer_holds_spills_into_a_second_pushed_segment)
{
	static char out[64], in[64];
	struct iovec iov[18];
	struct msghdr msg = {0};
	struct tcpworld w;
	size_t got = 0;
	int c, s;

	tw_make(&w, 5, NULL);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	fill(out, sizeof(out), 5);
	/* every other byte: no piece continues the one before */
	for (int i = 0; i < 18; i++)
		iov[i] = (struct iovec){out + 2 * i, 1};
	msg.msg_iov = iov;
	msg.msg_iovlen = 18;
	tw_clear(&w);
	CHECK_EQ(ut_sendmsg(w.c, c, &msg, MSG_ZEROCOPY), 18);
	drain(&w, s, in, &got, 18);
	CHECK_EQ(got, 18);
	for (int i = 0; i < 18; i++)
		CHECK_EQ(in[i], out[2 * i]);
	/* 17 pieces in the first buffer, the 18th in a second: two data
	 * segments, both pushed (Linux's MAX_SKB_FRAGS) */
	CHECK_EQ(tw_segments(&w, 0, TCPHDR_PSH, TCPHDR_PSH), 2);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(a_send_that_fails_gives_its_number_back)
{
	static char out[1000];
	struct sockaddr_in sa = tw_addr(SERVER_IP, 8080);
	struct tcpworld w;
	int l, c, s;

	tw_make(&w, 6, NULL);
	l = tw_listen(&w, 8080, 4);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_ZEROCOPY | MSG_NOSIGNAL), -1);
	CHECK_EQ(errno, EPIPE);
	tw_run(&w, 100 * MS);
	CHECK_EQ(read_note(w.c, c).n, -1);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_ZEROCOPY), (ssize_t)sizeof(out));
	tw_run(&w, 100 * MS);
	CHECK_EQ(read_note(w.c, c).lo, 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l), 0);
	tw_done(&w);
}

TEST(without_so_zerocopy_msg_zerocopy_copies_and_notifies_nothing)
{
	static char out[2000], in[2000];
	struct tcpworld w;
	size_t got = 0;
	int c, s;

	tw_make(&w, 7, NULL);
	tw_pair(&w, 8080, &c, &s);
	fill(out, sizeof(out), 7);
	CHECK_EQ(ut_send(w.c, c, out, sizeof(out), MSG_ZEROCOPY), (ssize_t)sizeof(out));
	memset(out, 0, sizeof(out)); /* copied: the change does not travel */
	drain(&w, s, in, &got, sizeof(in));
	fill(out, sizeof(out), 7);
	CHECK(!memcmp(in, out, sizeof(out)));
	CHECK_EQ(read_note(w.c, c).n, -1);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(so_zerocopy_takes_0_or_1)
{
	struct tcpworld w;
	int t, u, v = 2;
	socklen_t len = sizeof(v);

	tw_make(&w, 8, NULL);
	t = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	u = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK(t >= 0 && u >= 0);
	CHECK_EQ(ut_setsockopt(w.c, t, SOL_SOCKET, SO_ZEROCOPY, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	set_int(w.c, t, SOL_SOCKET, SO_ZEROCOPY, 1);
	set_int(w.c, u, SOL_SOCKET, SO_ZEROCOPY, 1);
	v = 0;
	CHECK_EQ(ut_getsockopt(w.c, t, SOL_SOCKET, SO_ZEROCOPY, &v, &len), 0);
	CHECK_EQ(v, 1);
	set_int(w.c, t, SOL_SOCKET, SO_ZEROCOPY, 0);
	CHECK_EQ(ut_getsockopt(w.c, t, SOL_SOCKET, SO_ZEROCOPY, &v, &len), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(ut_close(w.c, t), 0);
	CHECK_EQ(ut_close(w.c, u), 0);
	tw_done(&w);
}

TEST(a_udp_zerocopy_send_is_notified_at_once_as_copied)
{
	struct sockaddr_in sa = tw_addr(SERVER_IP, 9000);
	char buf[100];
	struct tcpworld w;
	struct zc_note z;
	int u, r;

	tw_make(&w, 9, NULL);
	r = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_bind(w.s, r, (struct sockaddr *)&sa, sizeof(sa)), 0);
	u = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	set_int(w.c, u, SOL_SOCKET, SO_ZEROCOPY, 1);
	memset(buf, 'u', sizeof(buf));
	for (int i = 0; i < 2; i++)
		CHECK_EQ(ut_sendto(w.c, u, buf, sizeof(buf), MSG_ZEROCOPY, (struct sockaddr *)&sa,
				   sizeof(sa)),
			 (ssize_t)sizeof(buf));
	z = read_note(w.c, u);
	CHECK_EQ(z.lo, 0);
	CHECK_EQ(z.hi, 1);
	CHECK_EQ(z.code, SO_EE_CODE_ZEROCOPY_COPIED);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, r, buf, sizeof(buf), MSG_DONTWAIT), (ssize_t)sizeof(buf));
	CHECK_EQ(ut_close(w.c, u), 0);
	CHECK_EQ(ut_close(w.s, r), 0);
	tw_done(&w);
}

TEST(closing_a_socket_with_lent_memory_in_flight_leaks_nothing_and_notifies_no_one)
{
	enum { N = 200 * 1000 };
	static char out[N];
	struct tcpworld w;
	int c, s;

	tw_make(&w, 10, NULL);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_SOCKET, SO_SNDBUF, 4 << 20);
	set_int(w.c, c, SOL_SOCKET, SO_ZEROCOPY, 1);
	CHECK_EQ(ut_send(w.c, c, out, N, MSG_ZEROCOPY | MSG_DONTWAIT), (ssize_t)N);
	tw_run(&w, 5 * MS);
	/* the server's close with data unread resets; the client's socket
	 * drops its queue, lent memory and all */
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_done(&w);
}
