/* TCP Small Queues (Linux's TSQ): a socket keeps only a little of its data
 * in a device that drains slowly and sends the rest as the device lets go
 * of its packets; net.ipv4.tcp_limit_output_bytes caps what it keeps; a
 * socket closed while a device still holds its packets outlives them.
 *
 * Two stacks on one test clock, joined by devices the test drives: the
 * sender's device reports its transmissions complete only when the test
 * moves a frame on to the receiver (UT_DEV_DRIVER_TX_COMPLETION), the
 * receiver's hands its frames straight back. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "testaddr.h"
#include "testnet.h"
#include "test.h"
#include "usertcp/usertcp.h"

#define PORT 8080
#define US 1000ULL
#define SLOW_MAX 512

struct slow_frame {
	size_t len;
	uint8_t data[1600];
};

/* The sender's device: frames wait in fifo until slow_drain moves them. */
struct slow_dev {
	struct ut_dev *dev;
	struct slow_frame fifo[SLOW_MAX];
	unsigned head, n;
};

struct tsq_world {
	struct test_clock tc;
	struct ut_stack *a, *b; /* a sends through the slow device */
	struct slow_dev slow;
	struct ut_dev *bdev;
	int c, s;	    /* a's connected socket, b's accepted one */
	bool tx_completion; /* the slow device reports its completions */
};

static unsigned slow_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct slow_dev *sd = ctx;
	unsigned i;

	for (i = 0; i < count && sd->n < SLOW_MAX; i++) {
		struct slow_frame *f = &sd->fifo[(sd->head + sd->n) % SLOW_MAX];
		CHECK(frames[i].iov_len <= sizeof(f->data));
		f->len = frames[i].iov_len;
		memcpy(f->data, frames[i].iov_base, f->len);
		sd->n++;
	}
	return i;
}

/* b's frames reach a at once. */
static unsigned fast_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct tsq_world *w = ctx;

	for (unsigned i = 0; i < count; i++)
		CHECK_EQ(ut_dev_input(w->slow.dev, frames[i].iov_base, frames[i].iov_len), 0);
	return count;
}

static void tsq_poll(struct tsq_world *w)
{
	for (int i = 0; i < 4; i++) {
		ut_stack_poll(w->a);
		ut_stack_poll(w->b);
	}
}

/* The device finishes sending its oldest frame, a millisecond after the
 * last (12 Mbit/s): b receives it. */
static void slow_drain(struct tsq_world *w)
{
	struct slow_frame *f = &w->slow.fifo[w->slow.head];

	CHECK(w->slow.n > 0);
	w->tc.now += MS;
	CHECK_EQ(ut_dev_input(w->bdev, f->data, f->len), 0);
	w->slow.head = (w->slow.head + 1) % SLOW_MAX;
	w->slow.n--;
	CHECK_EQ(ut_dev_tx_completed(w->slow.dev, 1), w->tx_completion ? 1 : 0);
	tsq_poll(w);
}

/* Connects a to b; rtt_ns is the handshake's round trip, which sets the
 * pacing rate (and so the millisecond's worth TSQ allows). */
static void tsq_make(struct tsq_world *w, uint64_t rtt_ns, bool tx_completion)
{
	const struct ut_dev_driver slow_drv = {.transmit = slow_transmit,
					       .flags = tx_completion ? UT_DEV_DRIVER_TX_COMPLETION
								      : 0};
	const struct ut_dev_driver fast_drv = {.transmit = fast_transmit};
	struct ut_stack_config cfg;
	struct sockaddr_in sa;
	int l, one = 1;

	memset(w, 0, sizeof(*w));
	w->tx_completion = tx_completion;
	test_clock_init(&w->tc, 1000 * MS);
	ut_stack_config_init(&cfg);
	cfg.clock = &w->tc.clock;
	cfg.seed = 7;
	CHECK_EQ(ut_stack_create(&cfg, &w->a), 0);
	CHECK_EQ(ut_stack_create(&cfg, &w->b), 0);
	CHECK_EQ(ut_dev_create(w->a, "tun0", UT_DEV_RAWIP, 1500, 0, NULL, &slow_drv, &w->slow,
			       &w->slow.dev),
		 0);
	CHECK_EQ(ut_dev_create(w->b, "tun0", UT_DEV_RAWIP, 1500, 0, NULL, &fast_drv, w, &w->bdev),
		 0);
	CHECK_EQ(ut_addr_add(w->a, w->slow.dev, ipaddr("10.0.0.1"), 24), 0);
	/* One segment a buffer, so that buffers and frames are the same
	 * thing here (TSQ counts buffers; the device sees frames). */
	CHECK_EQ(ut_sysctl_set(w->a, "usertcp.tcp_gso_buffers", 0), 0);
	CHECK_EQ(ut_addr_add(w->b, w->bdev, ipaddr("10.0.0.2"), 24), 0);

	l = ut_socket(w->b, AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(PORT);
	CHECK_EQ(ut_bind(w->b, l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_listen(w->b, l, 4), 0);
	w->c = ut_socket(w->a, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_setsockopt(w->a, w->c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	sa.sin_addr.s_addr = ip4("10.0.0.2");
	CHECK_EQ(ut_connect(w->a, w->c, (struct sockaddr *)&sa, sizeof(sa)), -1);
	tsq_poll(w);
	w->tc.now += rtt_ns; /* the SYN's way there and the SYN-ACK's back */
	while (w->slow.n)
		slow_drain(w);
	w->s = ut_accept4(w->b, l, NULL, NULL, SOCK_NONBLOCK);
	CHECK(w->s >= 0);
	CHECK_EQ(ut_close(w->b, l), 0);
	CHECK_EQ(tw_tcp_sk(w->a, w->c)->inet_conn.icsk_inet.sk_state, TCP_ESTABLISHED);
}

static void tsq_done(struct tsq_world *w)
{
	ut_stack_destroy(w->a);
	ut_stack_destroy(w->b);
}

static struct sock *tsq_sk(struct tsq_world *w)
{
	return &tw_tcp_sk(w->a, w->c)->inet_conn.icsk_inet;
}

/* Sends n bytes from a to b through the slow device, draining a frame at
 * a time; returns the most frames the device ever held. */
static unsigned tsq_transfer(struct tsq_world *w, size_t n)
{
	static char out[1 << 20], in[1 << 20];
	size_t sent = 0, got = 0;
	unsigned most = 0;

	CHECK(n <= sizeof(out));
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(i * 7 + 3);
	while (got < n) {
		ssize_t k;
		if (sent < n && (k = ut_send(w->a, w->c, out + sent, n - sent, 0)) > 0)
			sent += (size_t)k;
		tsq_poll(w);
		most = MAX(most, w->slow.n);
		if (w->slow.n)
			slow_drain(w);
		while ((k = ut_recv(w->b, w->s, in + got, n - got, 0)) > 0)
			got += (size_t)k;
		CHECK(w->slow.n || sent < n || got == n || tsq_sk(w)->sk_wmem_alloc == 0);
	}
	CHECK(!memcmp(in, out, n));
	return most;
}

TEST(a_socket_keeps_about_two_buffers_in_a_device_that_drains_slowly_and_sends_the_rest_as_it_drains)
{
	static char data[32 * 1024];
	struct tsq_world w;
	struct tcp_sock *tp;
	uint32_t nxt;

	tsq_make(&w, 10 * MS, true);
	tp = tw_tcp_sk(w.a, w.c);
	CHECK_EQ(ut_send(w.a, w.c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tsq_poll(&w);
	/* cwnd allows 10 segments, but after two buffers (the second let
	 * through by the one-buffer rule) and one more under the limit, the
	 * socket waits for the device: it is throttled, and what it keeps
	 * there is charged to it. */
	CHECK(tp->snd_cwnd >= TCP_INIT_CWND);
	CHECK(tp->packets_out < TCP_INIT_CWND);
	CHECK(tp->tsq_flags & TSQF_THROTTLED);
	CHECK_EQ(w.slow.n, tp->packets_out);
	CHECK(tsq_sk(&w)->sk_wmem_alloc > 0);
	/* ss -m's t (SO_MEMINFO) tells that charge */
	uint32_t mem[UT_SK_MEMINFO_VARS];
	socklen_t mlen = sizeof(mem);
	CHECK_EQ(ut_getsockopt(w.a, w.c, SOL_SOCKET, SO_MEMINFO, mem, &mlen), 0);
	CHECK_EQ(mem[UT_SK_MEMINFO_WMEM_ALLOC], tsq_sk(&w)->sk_wmem_alloc);
	/* Each frame the device lets go of lets the socket send again, at
	 * the next poll, and the device never holds more. */
	while (w.slow.n) {
		CHECK(w.slow.n <= 3);
		nxt = tp->snd_nxt;
		slow_drain(&w);
		CHECK(after(tp->snd_nxt, nxt) || tp->write_seq == tp->snd_nxt);
	}
	CHECK_EQ(tp->write_seq, tp->snd_nxt);
	CHECK_EQ(ut_getsockopt(w.a, w.c, SOL_SOCKET, SO_MEMINFO, mem, &mlen), 0);
	CHECK_EQ(mem[UT_SK_MEMINFO_WMEM_ALLOC], 0);
	CHECK_EQ(tsq_sk(&w)->sk_wmem_alloc, 0);
	ut_close(w.a, w.c);
	ut_close(w.b, w.s);
	tsq_done(&w);
}

TEST(a_bulk_transfer_through_a_slow_device_never_keeps_more_than_a_few_frames_there)
{
	struct tsq_world w;
	unsigned most;

	/* With its completions reported, the socket keeps three one-segment buffers
	 * there (two, and one more while under twice a buffer's truesize,
	 * more than a millisecond at its pacing rate); its window never
	 * fills, so it does not grow either (Linux's tcp_is_cwnd_limited). */
	tsq_make(&w, 10 * MS, true);
	most = tsq_transfer(&w, 400 * 1024);
	CHECK_EQ(most, 3);
	ut_close(w.a, w.c);
	ut_close(w.b, w.s);
	tsq_done(&w);

	tsq_make(&w, 10 * MS, false);
	/* Without them the device's queue holds the window, which grows. */
	most = tsq_transfer(&w, 400 * 1024);
	CHECK(most > 20);
	ut_close(w.a, w.c);
	ut_close(w.b, w.s);
	tsq_done(&w);
}

TEST(net_ipv4_tcp_limit_output_bytes_caps_what_a_fast_socket_keeps_in_a_device)
{
	static char data[32 * 1024];
	struct tsq_world w;
	long v;

	CHECK_EQ(ut_stack_create(NULL, &w.a), 0);
	CHECK_EQ(ut_sysctl_get(w.a, "net.ipv4.tcp_limit_output_bytes", &v), 0);
	CHECK_EQ(v, 4 << 20); /* Linux 6.16's default */
	ut_stack_destroy(w.a);

	/* A 100 us round trip: a millisecond at the pacing rate is more
	 * than the whole window, which leaves at once. */
	tsq_make(&w, 100 * US, true);
	CHECK_EQ(ut_send(w.a, w.c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tsq_poll(&w);
	CHECK_EQ(tw_tcp_sk(w.a, w.c)->packets_out, TCP_INIT_CWND);
	CHECK_EQ(w.slow.n, TCP_INIT_CWND);
	while (w.slow.n)
		slow_drain(&w);
	ut_close(w.a, w.c);
	ut_close(w.b, w.s);
	tsq_done(&w);

	/* The sysctl caps it: past 0 bytes only the one-buffer rule lets
	 * anything through, two buffers of two segments. */
	tsq_make(&w, 100 * US, true);
	CHECK_EQ(ut_sysctl_set(w.a, "net.ipv4.tcp_limit_output_bytes", 0), 0);
	CHECK_EQ(ut_send(w.a, w.c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tsq_poll(&w);
	CHECK(w.slow.n < TCP_INIT_CWND);
	CHECK_EQ(tw_tcp_sk(w.a, w.c)->packets_out, w.slow.n);
	CHECK(tw_tcp_sk(w.a, w.c)->tsq_flags & TSQF_THROTTLED);
	while (w.slow.n)
		slow_drain(&w);
	ut_close(w.a, w.c);
	ut_close(w.b, w.s);
	tsq_done(&w);
}

TEST(a_socket_closed_while_a_device_holds_its_packets_is_freed_when_the_device_lets_them_go)
{
	static char data[32 * 1024];
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct tsq_world w;

	tsq_make(&w, 10 * MS, true);
	CHECK_EQ(ut_send(w.a, w.c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tsq_poll(&w);
	CHECK(w.slow.n > 0);
	/* An abort: the connection is gone at once, its sock waits for the
	 * packets the device still holds (each holds a reference). */
	CHECK_EQ(ut_setsockopt(w.a, w.c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ut_close(w.a, w.c), 0);
	tsq_poll(&w);
	CHECK(w.slow.n > 1);
	CHECK_EQ(w.a->tcp_socks, 0);
	/* The device lets go of them one by one: the last frees the sock
	 * (AddressSanitizer and the leak check see to the rest). */
	while (w.slow.n)
		slow_drain(&w);
	ut_close(w.b, w.s);
	tsq_done(&w);

	/* Or the stack goes first, with the device still holding them. */
	tsq_make(&w, 10 * MS, true);
	CHECK_EQ(ut_send(w.a, w.c, data, sizeof(data), 0), (ssize_t)sizeof(data));
	tsq_poll(&w);
	CHECK(w.slow.n > 0);
	CHECK_EQ(ut_close(w.a, w.c), 0);
	ut_close(w.b, w.s);
	tsq_done(&w);
}
