/* Attacks as they happen, in the simulator, by an attacking host
 * (tests/lib/attacker.h) beside real connections: a SYN flood from
 * spoofed sources, blind injection into an established connection, a
 * SACK storm, a flood of tiny out-of-order segments and a peer that
 * announces an MSS of 1. Each time the victim must keep its memory bounded
 * and its connections whole, with Linux's counters telling what happened.
 * Wall-clock times are printed (never asserted): the simulator makes the
 * attack rates, the host's CPU pays for them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attacker.h"
#include "net/simnet.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"

#define PORT 8080
#define US 1000ULL

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The test's own dice (xorshift64*), fixed seed: the runs repeat. */
static uint64_t dice(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static size_t pool_bytes(const struct tcpworld *w)
{
	struct skb_pool_stats st;
	skb_pool_get_stats(w->sim->pool, &st);
	return st.in_use_bytes;
}

static void pattern(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 131u + seed * 7u + (i >> 9)) & 0xff);
}

/* Moves n bytes from sfd on host from to rfd on host to with non-blocking
 * calls, the world running step ns between rounds, each(arg) called once
 * per round, for at most limit. Returns the bytes received into in. */
static size_t pump(struct tcpworld *w, struct ut_stack *from, int sfd, struct ut_stack *to, int rfd,
		   const char *out, char *in, size_t n, uint64_t step, uint64_t limit,
		   void (*each)(void *), void *arg)
{
	size_t sent = 0, got = 0;
	uint64_t end = ut_sim_now(w->sim) + limit;

	CHECK_EQ(ut_fcntl(from, sfd, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(to, rfd, F_SETFL, O_NONBLOCK), 0);
	while (got < n && ut_sim_now(w->sim) < end) {
		ssize_t k;
		if (each)
			each(arg);
		if (sent < n && (k = ut_send(from, sfd, out + sent, n - sent, 0)) > 0)
			sent += (size_t)k;
		while (got < n && (k = ut_recv(to, rfd, in + got, n - got, 0)) > 0)
			got += (size_t)k;
		tw_run(w, step);
	}
	return got;
}

/* A client-server pair with the attacker beside it; rate_bps (0: none)
 * limits the link both ways, 10 ms of delay each way. */
static void attacked_pair(struct tcpworld *w, struct attacker *a, uint64_t seed, uint64_t rate_bps,
			  int *c, int *s)
{
	struct ut_link_params lp;

	tw_make(w, seed, NULL);
	attacker_add(w, a);
	tw_pair(w, PORT, c, s);
	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.rate_bps = rate_bps;
	CHECK_EQ(ut_sim_link_set_params(w->link, -1, &lp), 0);
	tw_run(w, 1 * SEC);
}

/* ---- SYN flood ----------------------------------------------------------*/

#define FLOOD_BACKLOG 128
#define LEGIT 100

TEST(a_spoofed_syn_flood_at_100000_per_second_leaves_every_legitimate_connection_through)
{
	struct tcpworld w;
	struct attacker a;
	int l, c[LEGIT], s[LEGIT];
	unsigned accepted = 0;
	uint64_t rnd = 0x5eed5eedULL;
	size_t peak_bytes = 0, base_bytes;
	uint32_t peak_qlen = 0;
	/* Linux's SYN options, so every cookie carries the full set. */
	static const uint8_t syn_opts[] = {TCPOPT_MSS,
					   4,
					   0x05,
					   0xb4,
					   TCPOPT_SACK_PERM,
					   2,
					   TCPOPT_TIMESTAMP,
					   10,
					   0,
					   0,
					   0,
					   1,
					   0,
					   0,
					   0,
					   0,
					   TCPOPT_NOP,
					   TCPOPT_WINDOW,
					   3,
					   7};

	tw_make(&w, 601, NULL);
	attacker_add(&w, &a);
	l = tw_listen(&w, PORT, FLOOD_BACKLOG);
	CHECK_EQ(ut_fcntl(w.s, l, F_SETFL, O_NONBLOCK), 0);
	struct sock *lsk = inet_lookup_listener(&w.s->tcp_hashinfo, 0, 0, ip4(SERVER_IP), PORT, 0);
	CHECK(lsk != NULL);
	CHECK_EQ(ut_neigh_resolve(w.c, ipaddr(SERVER_IP)), 0);
	tw_run(&w, 100 * MS);
	base_bytes = pool_bytes(&w);

	double t0 = wall_now();
	uint64_t start = ut_sim_now(w.sim), syns = 0;
	/* 1.5 s of flood, one SYN every 10 us; the client opens its
	 * connections 100 ms in, when the SYN queue has long been full. */
	for (uint64_t t = 0; t < 1500 * MS; t += 10 * US) {
		ut_sim_run_until(w.sim, start + t);
		uint64_t r = dice(&rnd);
		struct craft_tcp syn = {
			/* 198.18.0.0/15, the benchmarking range */
			.saddr = htonl(0xc6120000u | (uint32_t)(r & 0x1ffff)),
			.daddr = ip4(SERVER_IP),
			.sport = (uint16_t)(1024 + (r >> 17) % 64000),
			.dport = PORT,
			.seq = (uint32_t)(r >> 32),
			.flags = TCPHDR_SYN,
			.window = 64240,
			.opts = syn_opts,
			.opts_len = sizeof(syn_opts),
		};
		attacker_send_tcp(&a, &syn);
		syns++;
		if (t == 100 * MS)
			for (int i = 0; i < LEGIT; i++)
				c[i] = tw_connect_nb(&w, PORT);
		if (t % (1 * MS) == 0) {
			int fd;
			while (accepted < LEGIT &&
			       (fd = ut_accept4(w.s, l, NULL, NULL, SOCK_NONBLOCK)) >= 0)
				s[accepted++] = fd;
			size_t b = pool_bytes(&w);
			if (b > peak_bytes)
				peak_bytes = b;
			if (inet_csk(lsk)->icsk_accept_queue.qlen > peak_qlen)
				peak_qlen = inet_csk(lsk)->icsk_accept_queue.qlen;
		}
	}
	double t1 = wall_now();
	tw_run(&w, 10 * MS); /* the last SYNs arrive */
	printf("    SYN flood: %llu SYNs in 1.5 s simulated, %.2f s wall; peak buffer memory "
	       "%zu bytes over the idle %zu; SyncookiesSent %llu\n",
	       (unsigned long long)syns, t1 - t0, peak_bytes, base_bytes,
	       (unsigned long long)tw_counter(w.s, "TcpExt", "SyncookiesSent"));

	/* Every legitimate connection got through, by cookie. */
	CHECK_EQ(accepted, LEGIT);
	for (int i = 0; i < LEGIT; i++) {
		int err = -1;
		socklen_t len = sizeof(err);
		CHECK_EQ(ut_getsockopt(w.c, c[i], SOL_SOCKET, SO_ERROR, &err, &len), 0);
		CHECK_EQ(err, 0);
	}
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesRecv"), LEGIT);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesFailed"), 0);
	/* Every SYN but the first backlog's worth was answered by cookie. */
	CHECK(tw_counter(w.s, "TcpExt", "SyncookiesSent") >= syns + LEGIT - FLOOD_BACKLOG);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPReqQFullDrop"), 0);
	/* Memory: the SYN queue never passed the backlog, and the buffers
	 * in use stayed those of packets in flight, not one per SYN. */
	CHECK(peak_qlen <= FLOOD_BACKLOG);
	CHECK(peak_bytes < base_bytes + 2u * 1024 * 1024);

	/* Each connection carries data both ways. */
	for (int i = 0; i < LEGIT; i++) {
		CHECK_EQ(ut_send(w.c, c[i], "ping", 4, 0), 4);
		CHECK_EQ(ut_fcntl(w.s, s[i], F_SETFL, 0), 0);
	}
	for (int i = 0; i < LEGIT; i++) {
		char buf[8];
		CHECK_EQ(ut_recv(w.s, s[i], buf, sizeof(buf), 0), 4);
		CHECK_MEM_EQ(buf, "ping", 4);
		ut_close(w.s, s[i]);
		ut_close(w.c, c[i]);
	}
	ut_close(w.s, l);
	tw_done(&w);
}

/* ---- blind in-window injection ------------------------------------------*/

struct blind {
	struct attacker *a;
	struct tcp_sock *tp; /* the victim end (server) */
	struct craft_tcp t;  /* the spoofed 4-tuple */
	uint64_t rnd;
	unsigned rsts, syns, datas;
	unsigned unsent; /* data forgeries acking data never sent */
};

/* Every millisecond the attacker lands one RST, one SYN and one data
 * segment in the victim's window (a lucky guess: never exactly at
 * RCV.NXT), the data with an ACK field it cannot know. */
static void blind_inject(struct tcpworld *w, uint64_t elapsed, void *arg)
{
	struct blind *b = arg;
	uint32_t wnd = tcp_receive_window(b->tp);
	struct craft_tcp t = b->t;

	(void)w;
	(void)elapsed;
	if (wnd < 2)
		return;
	t.seq = b->tp->rcv_nxt + 1 + (uint32_t)(dice(&b->rnd) % (wnd - 1));
	t.flags = TCPHDR_RST;
	attacker_send_tcp(b->a, &t);
	b->rsts++;
	t.seq = b->tp->rcv_nxt + 1 + (uint32_t)(dice(&b->rnd) % (wnd - 1));
	t.flags = TCPHDR_SYN;
	attacker_send_tcp(b->a, &t);
	b->syns++;
	t.seq = b->tp->rcv_nxt + (uint32_t)(dice(&b->rnd) % wnd);
	t.flags = TCPHDR_ACK | TCPHDR_PSH;
	/* An ACK of data never sent, or older than any window. */
	t.ack = (b->datas & 1) ? b->tp->snd_nxt + 0x40000000u : b->tp->snd_una - 0x40000000u;
	b->unsent += b->datas & 1;
	t.payload = "EVILEVILEVILEVIL";
	t.len = 16;
	attacker_send_tcp(b->a, &t);
	b->datas++;
}

TEST(blind_in_window_rst_syn_and_data_leave_the_connection_and_its_data_whole)
{
	enum { N = 1 << 20 };
	struct tcpworld w;
	struct attacker a;
	struct blind b;
	int c, s;
	char *out = malloc(N), *in = malloc(N);

	CHECK(out && in);
	pattern(out, N, 3);
	/* 20 Mbit/s: the megabyte takes about half a second. */
	attacked_pair(&w, &a, 603, 20000000, &c, &s);
	memset(&b, 0, sizeof(b));
	b.a = &a;
	b.tp = tw_server_tp(&w, c, PORT);
	b.t = spoof_client(&w, c, PORT);
	b.rnd = 0xb11dULL;
	uint64_t start = ut_sim_now(w.sim);
	size_t got = tw_transfer(&w, c, s, out, in, N, NULL, 60 * SEC, blind_inject, &b);
	tw_run(&w, 10 * MS); /* the last forgeries arrive */
	double secs = (double)(ut_sim_now(w.sim) - start) / 1e9;
	printf("    blind injection: %u RST, %u SYN, %u data in %.2f s simulated; "
	       "TCPChallengeACK %llu, TCPACKSkippedChallenge %llu\n",
	       b.rsts, b.syns, b.datas, secs,
	       (unsigned long long)tw_counter(w.s, "TcpExt", "TCPChallengeACK"),
	       (unsigned long long)tw_counter(w.s, "TcpExt", "TCPACKSkippedChallenge"));

	CHECK_EQ(got, N);
	CHECK_MEM_EQ(in, out, N);
	CHECK_EQ(tw_counter(w.s, "Tcp", "EstabResets"), 0);
	CHECK(b.rsts > 100);
	/* Every SYN is counted (RFC 5961 4.2); challenge ACKs go out at most
	 * one per 500 ms on the connection (tcp_invalid_ratelimit), the rest
	 * are counted as skipped. */
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPSYNChallenge"), b.syns);
	uint64_t challenges = tw_counter(w.s, "TcpExt", "TCPChallengeACK");
	CHECK(challenges >= 1);
	CHECK(challenges <= (uint64_t)(secs / 0.5) + 1);
	/* Every forgery still in the window when it arrived asked for one
	 * (a few fell behind RCV.NXT on the way and were plain old), except
	 * data acknowledging what was never sent: in ESTABLISHED Linux drops
	 * that without an answer (tcp_rcv_established). */
	uint64_t asked = challenges + tw_counter(w.s, "TcpExt", "TCPACKSkippedChallenge");
	unsigned answerable = b.rsts + b.syns + b.datas - b.unsent;
	CHECK(asked <= answerable);
	CHECK(asked >= answerable * 9 / 10);
	/* The connection still works both ways. */
	CHECK_EQ(ut_send(w.s, s, "fine", 4, 0), 4);
	CHECK_EQ(ut_fcntl(w.c, c, F_SETFL, 0), 0);
	CHECK_EQ(ut_recv(w.c, c, in, 4, 0), 4);
	CHECK_MEM_EQ(in, "fine", 4);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* ---- SACK storm ---------------------------------------------------------*/

struct storm {
	struct attacker *a;
	struct tcp_sock *tp; /* the sender under attack (server) */
	struct craft_tcp t;
	uint64_t rnd;
	unsigned acks;
	int max_overshoot; /* largest sk_wmem_queued - sk_sndbuf */
	int sndbuf;	   /* sk_sndbuf then */
};

/* One ACK from the "client" with four SACK blocks: some real segments,
 * some cutting segments in two, and nonsense (reversed, past SND.NXT,
 * below SND.UNA, empty, everything but the first byte). The ACK field and
 * window are the receiver's own, as a malicious receiver would send. */
static void storm_ack(struct storm *st)
{
	struct tcp_sock *tp = st->tp;
	uint32_t una = tp->snd_una, nxt = tp->snd_nxt, span = nxt - una, mss = tp->mss_cache;
	uint8_t opts[2 + 2 + 8 * TCP_MAX_SACKS] = {TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK,
						   2 + 8 * TCP_MAX_SACKS};
	struct craft_tcp t = st->t;

	for (unsigned i = 0; i < TCP_MAX_SACKS; i++) {
		uint64_t r = dice(&st->rnd);
		uint32_t s = una, e = una;
		uint32_t k = span > mss ? (uint32_t)(r % (span / mss)) : 0;
		switch ((r >> 40) % 7) {
		case 0:
			s = una + k * mss;
			e = s + mss;
			break; /* one segment */
		case 1:
			s = una + k * mss + mss / 2;
			e = s + mss;
			break; /* two halves */
		case 2:
			s = una + k * mss + mss;
			e = una + k * mss;
			break; /* reversed */
		case 3:
			s = nxt + 1000;
			e = nxt + 5000;
			break; /* never sent */
		case 4:
			s = una - 0x20000000u;
			e = s + 1000;
			break; /* ancient */
		case 5:
			s = e = una + k * mss;
			break; /* empty */
		case 6:
			s = una + 1;
			e = nxt;
			break; /* all but one byte */
		}
		put_be32(opts + 4 + 8 * i, s);
		put_be32(opts + 8 + 8 * i, e);
	}
	t.seq = tp->rcv_nxt;
	t.ack = una;
	t.flags = TCPHDR_ACK;
	t.window = (uint16_t)MIN(tp->snd_wnd >> tp->snd_wscale, 65535u);
	t.opts = opts;
	t.opts_len = sizeof(opts);
	attacker_send_tcp(st->a, &t);
	st->acks++;
}

static void storm_round(void *arg)
{
	struct storm *st = arg;
	const struct sock *sk = &st->tp->inet_conn.icsk_inet;
	int over = sk->sk_wmem_queued - sk->sk_sndbuf;

	if (over > st->max_overshoot) {
		st->max_overshoot = over;
		st->sndbuf = sk->sk_sndbuf;
	}
	storm_ack(st);
}

/* A transfer of n bytes from server to client, with or without the storm;
 * returns the wall time it took. */
static double storm_run(bool attack, uint64_t seed, struct storm *st, size_t *peak)
{
	enum { N = 4 << 20 };
	struct tcpworld w;
	struct attacker a;
	int c, s;
	char *out = malloc(N), *in = malloc(N);

	CHECK(out && in);
	pattern(out, N, 5);
	attacked_pair(&w, &a, seed, 0, &c, &s);
	memset(st, 0, sizeof(*st));
	st->a = &a;
	st->tp = tw_server_tp(&w, c, PORT);
	st->t = spoof_client(&w, c, PORT);
	st->rnd = 0x5ac5ULL;
	st->max_overshoot = INT32_MIN;
	*peak = 0;
	double t0 = wall_now();
	/* 20 000 ACKs a second when attacking. */
	size_t got = pump(&w, w.s, s, w.c, c, out, in, N, 50 * US, 120 * SEC,
			  attack ? storm_round : NULL, st);
	double t1 = wall_now();
	*peak = pool_bytes(&w);
	CHECK_EQ(got, N);
	CHECK_MEM_EQ(in, out, N);
	CHECK_EQ(tw_counter(w.s, "Tcp", "EstabResets"), 0);
	printf("    SACK storm %s: %u forged ACKs, %llu ms simulated, %.2f s wall, "
	       "TCPSackRecovery %llu, RetransSegs %llu\n",
	       attack ? "on " : "off", st->acks, (unsigned long long)(ut_sim_now(w.sim) / MS),
	       t1 - t0, (unsigned long long)tw_counter(w.s, "TcpExt", "TCPSackRecovery"),
	       (unsigned long long)tw_counter(w.s, "Tcp", "RetransSegs"));
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
	return t1 - t0;
}

TEST(a_sack_storm_of_forged_and_nonsense_blocks_leaves_the_transfer_whole_and_memory_bounded)
{
	struct storm st;
	size_t peak;

	storm_run(false, 605, &st, &peak);
	storm_run(true, 605, &st, &peak);
	CHECK(st.acks > 1000);
	/* The send queue never outgrew the send buffer by more than Linux
	 * lets it: a writer appends to its tail buffer past the buffer (one
	 * full 64 KB buffer of slack, sk_stream_memory_free being asked only
	 * for a new one), and SACK blocks split buffers, each split costing
	 * a descriptor, until the queue is twice the send buffer and two
	 * full buffers (tcp_fragment's TCPWqueueTooBig). */
	CHECK(st.max_overshoot < st.sndbuf + 4 * 68 * 1024);
}

/* ---- a flood of tiny out-of-order segments -------------------------------*/

struct ofo_flood {
	struct attacker *a;
	struct tcp_sock *tp; /* the receiver under attack (server) */
	struct craft_tcp t;
	const char *stream; /* what the client sends, from base */
	uint32_t base;	    /* sequence number of stream[0] */
	size_t n;
	uint64_t rnd;
	unsigned segs;
	int max_over; /* largest sk_rmem_alloc - sk_rcvbuf */
	size_t peak_bytes;
	struct tcpworld *w;
};

/* Five 1-byte segments per round (50 000 a second), at odd distances beyond RCV.NXT all
 * over the window, each carrying the stream's true byte: a malicious
 * sender (or anyone who knows the data) making the receiver hold a buffer
 * per byte. */
static void ofo_round(void *arg)
{
	struct ofo_flood *f = arg;
	struct tcp_sock *tp = f->tp;
	const struct sock *sk = &tp->inet_conn.icsk_inet;
	uint32_t wnd = tcp_receive_window(tp);
	struct craft_tcp t = f->t;

	if (sk->sk_rmem_alloc - sk->sk_rcvbuf > f->max_over)
		f->max_over = sk->sk_rmem_alloc - sk->sk_rcvbuf;
	size_t b = pool_bytes(f->w);
	if (b > f->peak_bytes)
		f->peak_bytes = b;
	if (wnd < 4)
		return;
	for (int i = 0; i < 5; i++) {
		uint32_t seq = tp->rcv_nxt + 1 + 2 * (uint32_t)(dice(&f->rnd) % (wnd / 2 - 1));
		size_t off = seq - f->base;
		if (off >= f->n)
			continue;
		t.seq = seq;
		t.ack = tp->snd_nxt;
		t.flags = TCPHDR_ACK;
		t.window = (uint16_t)MIN(tp->snd_wnd >> tp->snd_wscale, 65535u);
		t.payload = f->stream + off;
		t.len = 1;
		attacker_send_tcp(f->a, &t);
		f->segs++;
	}
}

TEST(a_flood_of_tiny_out_of_order_segments_keeps_the_receive_buffer_bounded_and_the_data_whole)
{
	enum { N = 1 << 20 };
	struct tcpworld w;
	struct attacker a;
	struct ofo_flood f;
	int c, s;
	char *out = malloc(N), *in = malloc(N);

	CHECK(out && in);
	pattern(out, N, 9);
	attacked_pair(&w, &a, 607, 20000000, &c, &s);
	memset(&f, 0, sizeof(f));
	f.a = &a;
	f.w = &w;
	f.tp = tw_server_tp(&w, c, PORT);
	f.t = spoof_client(&w, c, PORT);
	f.stream = out;
	f.base = f.tp->rcv_nxt;
	f.n = N;
	f.rnd = 0x0f0ULL;
	f.max_over = INT32_MIN;
	double t0 = wall_now();
	size_t got = pump(&w, w.c, c, w.s, s, out, in, N, 100 * US, 120 * SEC, ofo_round, &f);
	double t1 = wall_now();
	const struct sock *sk = &f.tp->inet_conn.icsk_inet;
	printf("    tiny ofo flood: %u one-byte segments, %llu ms simulated, %.2f s wall; "
	       "rcvbuf %d, rmem over rcvbuf at most %d, peak buffers %zu bytes; TCPOFOQueue %llu "
	       "TCPOFODrop %llu OfoPruned %llu PruneCalled %llu\n",
	       f.segs, (unsigned long long)(ut_sim_now(w.sim) / MS), t1 - t0, sk->sk_rcvbuf,
	       f.max_over, f.peak_bytes,
	       (unsigned long long)tw_counter(w.s, "TcpExt", "TCPOFOQueue"),
	       (unsigned long long)tw_counter(w.s, "TcpExt", "TCPOFODrop"),
	       (unsigned long long)tw_counter(w.s, "TcpExt", "OfoPruned"),
	       (unsigned long long)tw_counter(w.s, "TcpExt", "PruneCalled"));
	CHECK_EQ(got, N);
	CHECK_MEM_EQ(in, out, N);
	CHECK(f.segs > 10000);
	CHECK(tw_counter(w.s, "TcpExt", "TCPOFOQueue") > 1000);
	/* The buffer was full and the defences worked: out-of-order data was
	 * pruned from the far end, or refused. */
	CHECK(tw_counter(w.s, "TcpExt", "OfoPruned") + tw_counter(w.s, "TcpExt", "TCPOFODrop") > 0);
	/* sk_rmem_alloc passes sk_rcvbuf by at most the in-order segment
	 * that made it pass (Linux lets one in), never by the flood. */
	CHECK(f.max_over <= 4096);
	CHECK(f.peak_bytes < (size_t)sk->sk_rcvbuf + 4u * 1024 * 1024);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	free(out);
	free(in);
}

/* ---- a peer announcing an MSS of 1 ---------------------------------------*/

static void tiny_mss_transfer(uint64_t seed, const uint8_t *opts, size_t opts_len,
			      uint32_t expect_mss)
{
	enum { N = 20000 };
	static uint8_t rcvd[N];
	char out[N];
	struct tcpworld w;
	struct attacker a;
	struct raw_peer p;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int l, s;

	pattern(out, N, 11);
	s = raw_pair_opts(&w, &a, &p, seed, PORT, 46000, opts, opts_len, rcvd, N, &l);
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK_EQ(ti.tcpi_snd_mss, expect_mss);
	CHECK_EQ(ut_send(w.s, s, out, N, 0), N);
	tw_run(&w, 10 * SEC);
	CHECK_EQ(p.nrcvd, N);
	CHECK_MEM_EQ(rcvd, out, N);
	CHECK_EQ(p.max_seg, expect_mss);
	CHECK(p.data_segments >= N / expect_mss);
	printf("    MSS 1 announced: %u data segments of at most %u bytes\n", p.data_segments,
	       p.max_seg);
	raw_pair_done(&w, &p, l, s);
}

TEST(a_peer_announcing_an_mss_of_1_gets_segments_of_tcp_min_snd_mss_48_and_all_its_data)
{
	static const uint8_t mss1[] = {TCPOPT_MSS, 4, 0, 1};
	tiny_mss_transfer(609, mss1, sizeof(mss1), 48);
}

TEST(with_timestamps_the_48_bytes_of_tcp_min_snd_mss_include_the_options_as_in_linux)
{
	/* Linux clamps the MSS to tcp_min_snd_mss before it takes out the
	 * 12 bytes of timestamps every segment carries: 36 bytes of data. */
	static const uint8_t mss1_ts[] = {
		TCPOPT_MSS, 4, 0, 1, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10, 0, 0,
		0,	    1, 0, 0, 0,		 0};
	tiny_mss_transfer(611, mss1_ts, sizeof(mss1_ts), 36);
}
