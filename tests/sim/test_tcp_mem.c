/* net.ipv4.tcp_mem: the stack-wide bound on TCP buffer memory, with
 * Linux's three marks. Many connections each holding out-of-order data
 * push the server over its marks: it must enter memory pressure, refuse
 * and prune rather than grow past the max, still deliver every byte, and
 * leave pressure once the memory is back. A writer refused memory waits
 * with a shrunken send buffer; an orphan holding data while TCP memory is
 * over the max is reset (TCPAbortOnMemory). Each scenario also runs with
 * the default marks, to show it really needs more than the small ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define CONNS 16
#define STREAM (2048 * 1024)

static void pattern(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 37u + seed * 101u + (i >> 8)) & 0xff);
}

static void set_tcp_mem(struct ut_stack *stack, long min, long pressure, long max)
{
	CHECK_EQ(ut_sysctl_set(stack, "net.ipv4.tcp_mem.min", min), 0);
	CHECK_EQ(ut_sysctl_set(stack, "net.ipv4.tcp_mem.pressure", pressure), 0);
	CHECK_EQ(ut_sysctl_set(stack, "net.ipv4.tcp_mem.max", max), 0);
}

static long tcp_mem_pages(struct ut_stack *stack)
{
	struct ut_sockstat st;
	ut_sockstat_get(stack, &st);
	return st.tcp_mem;
}

struct ofo_world {
	struct tcpworld w;
	int l, c[CONNS], s[CONNS];
	char *out[CONNS];
	long peak;     /* pages charged on the server, sampled */
	long peak_ofo; /* bytes held out of order, sampled */
	size_t got[CONNS];
};

static long server_ofo_bytes(struct ofo_world *o)
{
	long n = 0;
	for (int i = 0; i < CONNS; i++) {
		const struct tcp_sock *tp = tw_tcp_sk(o->w.s, o->s[i]);
		for (const struct sk_buff *skb = tp->out_of_order_queue.next; skb; skb = skb->next)
			n += (long)skb->truesize;
	}
	return n;
}

/* CONNS connections from client to server over a 20 ms path that loses 3%
 * of the client's segments, each sending STREAM bytes at once while the
 * server reads everything that is in order: every loss leaves the
 * segments behind it waiting on the server's out-of-order queues for a
 * retransmission. max_pages 0 keeps the default tcp_mem. */
static void ofo_world_run(struct ofo_world *o, uint64_t seed, long max_pages)
{
	struct ut_link_params lp;
	size_t sent[CONNS] = {0};
	int done = 0;

	memset(o, 0, sizeof(*o));
	tw_make(&o->w, seed, NULL);
	o->l = tw_listen(&o->w, PORT, 32);
	for (int i = 0; i < CONNS; i++) {
		struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
		o->c[i] = ut_socket(o->w.c, AF_INET, SOCK_STREAM, 0);
		CHECK(o->c[i] >= 0);
		CHECK_EQ(ut_connect(o->w.c, o->c[i], (struct sockaddr *)&sin, sizeof(sin)), 0);
		o->s[i] = ut_accept(o->w.s, o->l, NULL, NULL);
		CHECK(o->s[i] >= 0);
		CHECK_EQ(ut_fcntl(o->w.c, o->c[i], F_SETFL, O_NONBLOCK), 0);
		CHECK_EQ(ut_fcntl(o->w.s, o->s[i], F_SETFL, O_NONBLOCK), 0);
		o->out[i] = malloc(STREAM);
		CHECK(o->out[i] != NULL);
		pattern(o->out[i], STREAM, (unsigned)i);
	}
	if (max_pages)
		set_tcp_mem(o->w.s, max_pages / 2, max_pages * 3 / 4, max_pages);
	ut_link_params_init(&lp);
	lp.delay_ns = 50 * MS;
	lp.rate_bps = 200000000;
	CHECK_EQ(ut_sim_link_set_params(o->w.link, 1, &lp), 0);
	lp.loss = 0.005;
	CHECK_EQ(ut_sim_link_set_params(o->w.link, 0, &lp), 0);

	char **rcvd = calloc(CONNS, sizeof(*rcvd));
	CHECK(rcvd != NULL);
	for (int i = 0; i < CONNS; i++) {
		rcvd[i] = malloc(STREAM);
		CHECK(rcvd[i] != NULL);
	}
	uint64_t end = ut_sim_now(o->w.sim) + 300 * SEC;
	while (done < CONNS && ut_sim_now(o->w.sim) < end) {
		done = 0;
		for (int i = 0; i < CONNS; i++) {
			ssize_t k;
			if (sent[i] < STREAM && (k = ut_send(o->w.c, o->c[i], o->out[i] + sent[i],
							     STREAM - sent[i], 0)) > 0)
				sent[i] += (size_t)k;
			while (o->got[i] < STREAM &&
			       (k = ut_recv(o->w.s, o->s[i], rcvd[i] + o->got[i],
					    STREAM - o->got[i], 0)) > 0)
				o->got[i] += (size_t)k;
			done += o->got[i] == STREAM;
		}
		tw_run(&o->w, 1 * MS);
		o->peak = MAX(o->peak, tcp_mem_pages(o->w.s));
		o->peak_ofo = MAX(o->peak_ofo, server_ofo_bytes(o));
	}
	for (int i = 0; i < CONNS; i++) {
		CHECK_EQ(o->got[i], STREAM);
		CHECK_MEM_EQ(rcvd[i], o->out[i], STREAM);
		free(rcvd[i]);
	}
	free(rcvd);
}

/* Closes everything, checks every page came back; the world's
 * TCPMemoryPressuresChrono (ms spent in pressure) is returned. */
static uint64_t ofo_world_done(struct ofo_world *o)
{
	for (int i = 0; i < CONNS; i++) {
		CHECK_EQ(ut_close(o->w.c, o->c[i]), 0);
		CHECK_EQ(ut_close(o->w.s, o->s[i]), 0);
		free(o->out[i]);
	}
	CHECK_EQ(ut_close(o->w.s, o->l), 0);
	tw_run(&o->w, 1 * SEC);
	/* Every page is back and the pressure is over. */
	CHECK_EQ(tcp_mem_pages(o->w.s), 0);
	CHECK_EQ(tcp_mem_pages(o->w.c), 0);
	struct ut_sockstat st;
	ut_sockstat_get(o->w.s, &st);
	CHECK_EQ(st.tcp_memory_pressure, 0);
	uint64_t chrono = tw_counter(o->w.s, "TcpExt", "TCPMemoryPressuresChrono");
	tw_done(&o->w);
	return chrono;
}

static void print_world(const char *what, struct ofo_world *o)
{
	printf("    %s: %ld pages at most (%ld kB out of order); TCPMemoryPressures %llu "
	       "TCPOFOQueue %llu TCPOFODrop %llu TCPRcvQDrop %llu OfoPruned %llu; %.1f s\n",
	       what, o->peak, o->peak_ofo / 1024,
	       (unsigned long long)tw_counter(o->w.s, "TcpExt", "TCPMemoryPressures"),
	       (unsigned long long)tw_counter(o->w.s, "TcpExt", "TCPOFOQueue"),
	       (unsigned long long)tw_counter(o->w.s, "TcpExt", "TCPOFODrop"),
	       (unsigned long long)tw_counter(o->w.s, "TcpExt", "TCPRcvQDrop"),
	       (unsigned long long)tw_counter(o->w.s, "TcpExt", "OfoPruned"),
	       (double)ut_sim_now(o->w.sim) / 1e9);
}

enum { SMALL_MAX = 64 };

TEST(out_of_order_data_on_many_lossy_connections_takes_far_more_than_the_small_tcp_mem_below)
{
	struct ofo_world *o = calloc(1, sizeof(*o));

	CHECK(o != NULL);
	ofo_world_run(o, 701, 0);
	print_world("default tcp_mem", o);
	CHECK(o->peak > 2 * SMALL_MAX);
	CHECK_EQ(tw_counter(o->w.s, "TcpExt", "TCPMemoryPressures"), 0);
	CHECK_EQ(ofo_world_done(o), 0);
	free(o);
}

TEST(over_tcp_mem_the_server_enters_pressure_refuses_and_prunes_and_still_delivers_every_byte)
{
	struct ofo_world *o = calloc(1, sizeof(*o));

	CHECK(o != NULL);
	ofo_world_run(o, 701, SMALL_MAX);
	print_world("tcp_mem 32 48 64", o);
	/* Out-of-order data is never charged by force, and in-order data
	 * only into an empty receive queue: a page per connection at most
	 * beyond the max. */
	CHECK(o->peak <= SMALL_MAX + CONNS);
	CHECK(o->peak >= SMALL_MAX * 3 / 4);
	CHECK(tw_counter(o->w.s, "TcpExt", "TCPMemoryPressures") >= 1);
	CHECK(tw_counter(o->w.s, "TcpExt", "TCPOFODrop") +
		      tw_counter(o->w.s, "TcpExt", "OfoPruned") +
		      tw_counter(o->w.s, "TcpExt", "TCPRcvQDrop") >
	      0);
	/* Each episode ended, and its length was counted in milliseconds. */
	uint64_t chrono = ofo_world_done(o);
	printf("    TCPMemoryPressuresChrono %llu ms\n", (unsigned long long)chrono);
	CHECK(chrono > 0);
	free(o);
}

/* ---- the sending side ----------------------------------------------------*/

static void send_under_tcp_mem(long max_pages, long *peak, int *min_sndbuf, unsigned *eagains,
			       uint64_t *pressures)
{
	enum { N = 256 * 1024 };
	struct tcpworld w;
	int c, s;
	size_t sent = 0, got = 0;
	char *out = malloc(N), *in = malloc(N);

	CHECK(out && in);
	pattern(out, N, 3);
	tw_make(&w, 703, NULL);
	tw_pair(&w, PORT, &c, &s);
	if (max_pages)
		set_tcp_mem(w.c, max_pages / 2, max_pages / 2, max_pages);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	const struct sock *sk = &tp->inet_conn.icsk_inet;
	*peak = 0;
	*min_sndbuf = sk->sk_sndbuf;
	*eagains = 0;
	CHECK_EQ(ut_fcntl(w.c, c, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(w.s, s, F_SETFL, O_NONBLOCK), 0);
	uint64_t end = ut_sim_now(w.sim) + 60 * SEC;
	while (got < N && ut_sim_now(w.sim) < end) {
		ssize_t k;
		if (sent < N) {
			k = ut_send(w.c, c, out + sent, N - sent, 0);
			if (k > 0)
				sent += (size_t)k;
			else if (errno == EAGAIN)
				(*eagains)++;
			else
				CHECK_EQ(errno, EAGAIN);
		}
		while ((k = ut_recv(w.s, s, in + got, N - got, 0)) > 0)
			got += (size_t)k;
		*peak = MAX(*peak, tcp_mem_pages(w.c));
		*min_sndbuf = MIN(*min_sndbuf, sk->sk_sndbuf);
		tw_run(&w, 1 * MS);
	}
	CHECK_EQ(got, N);
	CHECK_MEM_EQ(in, out, N);
	*pressures = tw_counter(w.c, "TcpExt", "TCPMemoryPressures");
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tcp_mem_pages(w.c), 0);
	tw_done(&w);
	free(out);
	free(in);
}

TEST(a_writer_refused_tcp_mem_waits_with_a_shrunken_send_buffer_and_its_data_goes_through)
{
	long peak_default, peak_small;
	int sndbuf_default, sndbuf_small;
	unsigned eagain_default, eagain_small;
	uint64_t pressures_default, pressures_small;

	send_under_tcp_mem(0, &peak_default, &sndbuf_default, &eagain_default, &pressures_default);
	send_under_tcp_mem(4, &peak_small, &sndbuf_small, &eagain_small, &pressures_small);
	printf("    sender, default tcp_mem: %ld pages at most, send buffer >= %d; "
	       "tcp_mem max 4: %ld pages, send buffer down to %d, %u EAGAIN, "
	       "TCPMemoryPressures %llu\n",
	       peak_default, sndbuf_default, peak_small, sndbuf_small, eagain_small,
	       (unsigned long long)pressures_small);
	CHECK(peak_default > 16);
	CHECK_EQ(pressures_default, 0);
	/* Over the max a new buffer is let in only while the queue is
	 * below its shrunken buffer (Linux's sk_stream_moderate_sndbuf):
	 * a few buffers beyond the max (the 4,608 bytes of the shrunken
	 * buffer and the 1,280-byte heads of what it holds: 4 pages). The
	 * write queue's tail still takes copies up to its size goal, as in
	 * Linux, whose __sk_mem_raise_allocated forces a send charge for a
	 * socket over its buffer (it is stopped at the next buffer): a full
	 * 64 KB buffer, 16 pages, and a page's rounding at either end; never
	 * the default's load. */
	CHECK(peak_small <= 4 + 16 + 2);
	CHECK(pressures_small >= 1);
	CHECK(sndbuf_small < 16384); /* below tcp_wmem's default */
	CHECK(eagain_small > 0);
}

/* A blocking writer refused memory while its send buffer has room cannot
 * wait for its own ACKs: it sleeps 2 to 201 ms and tries again (Linux's
 * sk_stream_wait_memory), and its data goes through. */
TEST(a_blocking_writer_refused_tcp_mem_sleeps_and_retries_until_its_data_is_sent)
{
	enum { N = 48 * 1024 };
	struct tcpworld w;
	int c, s;
	char *out = malloc(N), *in = malloc(N);

	CHECK(out && in);
	pattern(out, N, 5);
	tw_make(&w, 711, NULL);
	tw_pair(&w, PORT, &c, &s);
	set_tcp_mem(w.c, 1, 1, 1);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(ut_send(w.c, c, out, N, 0), N);
	printf("    blocking send of %d bytes under tcp_mem max 1: %llu ms simulated, "
	       "TCPMemoryPressures %llu\n",
	       N, (unsigned long long)((ut_sim_now(w.sim) - t0) / MS),
	       (unsigned long long)tw_counter(w.c, "TcpExt", "TCPMemoryPressures"));
	CHECK(tw_counter(w.c, "TcpExt", "TCPMemoryPressures") >= 1);
	size_t got = 0;
	while (got < N) {
		ssize_t k = ut_recv(w.s, s, in + got, N - got, 0);
		CHECK(k > 0);
		got += (size_t)k;
	}
	CHECK_MEM_EQ(in, out, N);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
	free(out);
	free(in);
}

/* ---- orphans over the max --------------------------------------------------*/

/* The client queues more than the server (not reading) will take, so its
 * connection holds unsent data; then tcp_mem is lowered under what the
 * client holds. */
static void stuffed_pair(struct tcpworld *w, uint64_t seed, int *c, int *s)
{
	static char buf[64 * 1024];

	tw_make(w, seed, NULL);
	tw_pair(w, PORT, c, s);
	CHECK_EQ(ut_fcntl(w->c, *c, F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 100; i++) {
		ssize_t k;
		while ((k = ut_send(w->c, *c, buf, sizeof(buf), 0)) > 0)
			;
		CHECK(k < 0 && errno == EAGAIN);
		tw_run(w, 10 * MS);
	}
	CHECK(tw_tcp_sk(w->c, *c)->inet_conn.icsk_inet.sk_wmem_queued > 64 * 1024);
}

/* The simulator hands the receiver clones of the sender's buffers; once
 * the sender frees its copies the receiver alone holds them, and must be
 * charged for all of each, or its receive buffer would not bound it. */
TEST(a_receiver_that_does_not_read_holds_no_more_than_its_receive_buffer)
{
	struct tcpworld w;
	int c, s;

	stuffed_pair(&w, 709, &c, &s);
	const struct sock *sk = &tw_tcp_sk(w.s, s)->inet_conn.icsk_inet;
	CHECK_EQ(tw_tcp_sk(w.s, s)->rcv_wnd, 0);
	CHECK(sk->sk_rmem_alloc <= sk->sk_rcvbuf + 4096);
	CHECK(sk->sk_receive_queue.bytes < (uint32_t)sk->sk_rcvbuf);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(closing_with_unsent_data_while_tcp_memory_is_over_the_max_resets_the_connection)
{
	struct tcpworld w;
	int c, s;
	char b[16];

	stuffed_pair(&w, 705, &c, &s);
	CHECK(tcp_mem_pages(w.c) > 16);
	set_tcp_mem(w.c, 1, 1, 2);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnMemory"), 1);
	CHECK_EQ(tcp_mem_pages(w.c), 0);
	tw_run(&w, 100 * MS);
	/* The server learns of it from the RST. */
	CHECK_EQ(ut_fcntl(w.s, s, F_SETFL, O_NONBLOCK), 0);
	ssize_t k;
	while ((k = ut_recv(w.s, s, b, sizeof(b), 0)) > 0)
		;
	CHECK(k < 0 && errno == ECONNRESET);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(an_orphan_probing_a_zero_window_is_reset_when_tcp_memory_goes_over_the_max)
{
	struct tcpworld w;
	int c, s;
	struct ut_sockstat st;

	stuffed_pair(&w, 707, &c, &s);
	/* Closed under plentiful memory: it stays, an orphan in FIN_WAIT1
	 * behind its unsent data, probing the server's zero window. */
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnMemory"), 0);
	ut_sockstat_get(w.c, &st);
	CHECK_EQ(st.tcp_orphan, 1);
	tw_run(&w, 2 * SEC);
	ut_sockstat_get(w.c, &st);
	CHECK_EQ(st.tcp_orphan, 1);
	/* Memory runs short: at its next probe the orphan goes. */
	set_tcp_mem(w.c, 1, 1, 2);
	tw_run(&w, 10 * SEC);
	ut_sockstat_get(w.c, &st);
	CHECK_EQ(st.tcp_orphan, 0);
	CHECK_EQ(st.tcp_alloc, 0);
	CHECK_EQ(st.tcp_mem, 0);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPAbortOnMemory"), 1);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
}

TEST(tcp_mem_defaults_follow_linux_ratios_over_the_buffer_pool)
{
	struct ut_stack_config cfg;
	struct ut_stack *stack;
	long v[3];

	ut_stack_config_init(&cfg);
	cfg.mem_limit = 64u << 20;
	CHECK_EQ(ut_stack_create(&cfg, &stack), 0);
	CHECK_EQ(ut_sysctl_get(stack, "net.ipv4.tcp_mem.min", &v[0]), 0);
	CHECK_EQ(ut_sysctl_get(stack, "net.ipv4.tcp_mem.pressure", &v[1]), 0);
	CHECK_EQ(ut_sysctl_get(stack, "net.ipv4.tcp_mem.max", &v[2]), 0);
	/* L = a third of the pool's pages; min 3L/4, pressure L, max 3L/2. */
	CHECK_EQ(v[0], 4095);
	CHECK_EQ(v[1], 5461);
	CHECK_EQ(v[2], 8190);
	CHECK_EQ(ut_sysctl_set(stack, "net.ipv4.tcp_mem.max", 0), -EINVAL);
	ut_stack_destroy(stack);
}
