/* Two usertcp stacks in one process, talking over an in-memory link, beside
 * two lwIP stacks in the same harness when Debian's liblwip-dev is installed:
 * bulk throughput on one connection, connections per second closed with FIN
 * (the client through TIME_WAIT) and with RST, and 64-byte round trips per
 * second on one connection. Each line prints usertcp's figure, lwIP's and
 * their ratio (always usertcp / lwip). Figures only; the exit status is 1
 * when a call fails or a transfer delivers wrong bytes.
 *
 *   bench_pair [--usertcp-only] [bulk] [rr] [crr-rst] [crr-fin]  (default: all)
 *   BENCH_SECONDS=0.5 bench_pair         (seconds per timed run; default 2)
 *
 * The harness is the same for both stacks. One thread drives both ends;
 * neither stack has a thread of its own. The link is a function that copies
 * each frame once, into the receive queue of the other stack (at most 1000
 * frames, usertcp's netdev_max_backlog), where it waits until that stack is
 * polled. Frames are bare IPv4 packets (layer 3, no ARP), MTU 1500, and
 * both stacks compute and verify every checksum in software.
 *
 *  - usertcp: two stacks, each with a device from ut_dev_create
 *    (UT_DEV_RAWIP, no UT_DEV_F_* flags) whose transmit callback hands each
 *    frame to the other device with ut_dev_input; non-blocking ut_ sockets;
 *    ut_stack_poll on each stack.
 *  - lwIP: Debian's liblwip.so loaded twice with dlmopen(LM_ID_NEWLM), so
 *    each copy has globals of its own, called through pointers from dlsym;
 *    the raw (callback) API without lwIP's tcpip thread; each netif's
 *    output copies the packet into a pbuf of the other copy and queues it;
 *    polling a copy hands its queue to ip_input.
 *
 * A round (one bulk iteration, 64 round trips, one connection) reads each
 * stack's clock once: usertcp's stacks are inside ut_stack_batch_begin/end,
 * and lwIP's sys_check_timeouts runs once per copy at the round's start.
 * For round trips and RST connections the two stacks take turns, four
 * runs each; bulk and FIN connections are one run each. How to read the
 * figures, lwIP's build and the figures measured: docs/BENCHMARKS.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "usertcp/dev.h"
#include "usertcp/socket.h"
#include "usertcp/stack.h"

#ifdef BENCH_PAIR_LWIP
#include <dlfcn.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#endif

#define MTU 1500
#define BULK_CHUNK (64 * 1024) /* bytes per send() and recv() */
#define RR_LEN 64	       /* request and response */
#define RR_BATCH 64	       /* round trips per round */
#define PATTERN_PERIOD 251
#define VERIFY_EVERY 16
#define LINK_QUEUE 1000	 /* frames waiting in a stack's receive queue */
#define NLISTEN 32	 /* listeners for the connection figures */
#define SPORT0 5001	 /* their ports: SPORT0 .. SPORT0 + NLISTEN - 1 */
#define LPORT0 10000	 /* the clients' ports: LPORT0 .. LPORT0 + NLPORTS - 1 */
#define NLPORTS 40000	 /* so NLPORTS * NLISTEN distinct 4-tuples */
#define FIRST_CONNS 1000 /* the early rate printed for the FIN figure */
#define STALL_POLLS 1000000
#define DRAIN_LIMIT_S 10.0
#define CLIENT_IP 0x0a000001u /* 10.0.0.1, host order */
#define SERVER_IP 0x0a000002u /* 10.0.0.2 */

static double bench_seconds = 2.0;
static bool with_lwip = true;
static const char *lwip_skip; /* why lwIP's column is empty, or NULL */
static uint64_t link_frames;  /* frames the link carried, both ways */
static char pattern[BULK_CHUNK + PATTERN_PERIOD];
static char rbuf[BULK_CHUNK];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread, which runs both stacks: on a machine shared
 * with other work, the figure that others' load disturbs least. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A timed run: its start on the wall clock, the thread's CPU clock and
 * the link's frame count, and (bulk) when the sender stopped. */
struct run {
	double t0, c0, f0, t_stop;
};

static void run_start(struct run *r)
{
	r->f0 = (double)link_frames;
	r->c0 = cpu_s();
	r->t0 = now_s();
	r->t_stop = 0;
}

/* Bulk: true while the sender goes on, false from BENCH_SECONDS on. */
static bool run_sending(struct run *r)
{
	double t = now_s();

	if (r->t_stop == 0 && t - r->t0 >= bench_seconds)
		r->t_stop = t;
	return r->t_stop == 0;
}

/* What runs of a part add up to: operations, wall and CPU seconds, frames
 * on the link. */
struct tally {
	uint64_t n;
	double wall, cpu, frames;
};

/* Adds a run of n operations, the last ending at t. */
static void run_tally(const struct run *r, uint64_t n, double t, struct tally *tl)
{
	tl->n += n;
	tl->wall += t - r->t0;
	tl->cpu += cpu_s() - r->c0;
	tl->frames += (double)link_frames - r->f0;
}

static double tl_rate(const struct tally *tl)
{
	return (double)tl->n / tl->wall;
}

static double tl_per_cpu(const struct tally *tl)
{
	return (double)tl->n / tl->cpu;
}

static double tl_frames_per(const struct tally *tl)
{
	return tl->frames / (double)tl->n;
}

__attribute__((format(printf, 2, 3), noreturn)) static void fail(const char *who, const char *fmt,
								 ...)
{
	va_list ap;

	fprintf(stderr, "bench_pair: %s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* One figure's line; a negative value is unknown and prints as n/a. */
static void print_figure(const char *what, const char *unit, int prec, double ut, double lw)
{
	char u[32] = "n/a", l[64] = "n/a", r[32] = "n/a";

	if (ut >= 0)
		snprintf(u, sizeof(u), "%.*f %s", prec, ut, unit);
	if (lwip_skip)
		snprintf(l, sizeof(l), "skipped: %s", lwip_skip);
	else if (lw >= 0)
		snprintf(l, sizeof(l), "%.*f %s", prec, lw, unit);
	if (ut >= 0 && lw > 0 && !lwip_skip)
		snprintf(r, sizeof(r), "%.2f", ut / lw);
	if (lwip_skip)
		printf("%-23s usertcp %-16s lwip %s\n", what, u, l);
	else
		printf("%-23s usertcp %-16s lwip %-16s ratio %s\n", what, u, l, r);
	fflush(stdout);
}

/* v with prec decimals into buf, or "n/a" when negative (unknown). */
static const char *fmt_na(char *buf, size_t size, double v, int prec)
{
	if (v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.*f", prec, v);
	return buf;
}

/* The same figure per CPU second of the thread, with its ratio. */
static void print_per_cpu(const char *unit, int prec, double ut, double lw)
{
	char l[32], r[32];

	printf("#   per CPU second: usertcp %.*f %s, lwip %s %s, ratio %s\n", prec, ut, unit,
	       fmt_na(l, sizeof(l), lwip_skip ? -1 : lw, prec), unit,
	       fmt_na(r, sizeof(r), lwip_skip || lw <= 0 ? -1 : ut / lw, 2));
}

/* The bytes at stream offset k is k % PATTERN_PERIOD; one read in
 * VERIFY_EVERY is compared with it (as bench_tcp does). */
static void verify(const char *who, uint64_t reads, uint64_t off, const void *buf, size_t len)
{
	if (reads % VERIFY_EVERY == 0 && memcmp(buf, pattern + off % PATTERN_PERIOD, len))
		fail(who, "bulk: wrong bytes at offset %llu", (unsigned long long)off);
}

/* The figures of one stack's run of each part. */
struct bulk_result {
	uint64_t bytes;
	double dt, cpu, frames, drops;
};
struct crr_result {
	struct tally tl;
	double first_rate, tw_end, drops;
	bool exhausted;
};
struct rr_result {
	struct tally tl;
	double drops;
};

/* ---- usertcp: two stacks joined by ut_dev_create devices ------------------*/

struct ut_side {
	struct ut_stack *st;
	struct ut_dev *dev;
	struct ut_side *peer;
};

static struct ut_side ua, ub; /* client 10.0.0.1, server 10.0.0.2 */

#define UT_CHECK(call)                                                     \
	do {                                                               \
		if ((call) < 0)                                            \
			fail("usertcp", "%s: %s", #call, strerror(errno)); \
	} while (0)

/* The link: each frame copied once into the other device's receive queue;
 * a frame it refuses (queue full) counts in that device's rx_dropped. */
static unsigned ut_link_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct ut_side *s = ctx;

	for (unsigned i = 0; i < count; i++)
		(void)ut_dev_input(s->peer->dev, frames[i].iov_base, frames[i].iov_len);
	link_frames += count;
	return count;
}

static void ut_side_up(struct ut_side *s, const char *name, uint32_t ip, uint64_t seed)
{
	static const struct ut_dev_driver drv = {.transmit = ut_link_transmit};
	struct ut_stack_config cfg;
	int rc;

	ut_stack_config_init(&cfg);
	cfg.name = name;
	cfg.seed = seed;
	if ((rc = ut_stack_create(&cfg, &s->st)) < 0)
		fail("usertcp", "ut_stack_create: %s", strerror(-rc));
	if ((rc = ut_dev_create(s->st, "pair0", UT_DEV_RAWIP, MTU, 0, NULL, &drv, s, &s->dev)) < 0)
		fail("usertcp", "ut_dev_create: %s", strerror(-rc));
	if ((rc = ut_addr_add(s->st, s->dev, ut_ip_v4(htonl(ip)), 24)) < 0)
		fail("usertcp", "ut_addr_add: %s", strerror(-rc));
	/* Every client connection of the FIN figure stays in TIME_WAIT (lwIP
	 * has no such limit); Linux's default would drop those past 262,144. */
	if ((rc = ut_sysctl_set(s->st, "net.ipv4.tcp_max_tw_buckets", 1L << 24)) < 0)
		fail("usertcp", "tcp_max_tw_buckets: %s", strerror(-rc));
}

static void ut_pair_up(void)
{
	ut_side_up(&ua, "client", CLIENT_IP, 1);
	ut_side_up(&ub, "server", SERVER_IP, 2);
	ua.peer = &ub;
	ub.peer = &ua;
}

static double ut_drops(void)
{
	struct ut_dev_stats a, b;

	ut_dev_get_stats(ua.dev, &a);
	ut_dev_get_stats(ub.dev, &b);
	return (double)(a.rx_dropped + a.tx_dropped + b.rx_dropped + b.tx_dropped);
}

static void ut_pair_down(void)
{
	ut_stack_destroy(ua.st);
	ut_stack_destroy(ub.st);
}

static int ut_poll_pair(void)
{
	return ut_stack_poll(ua.st) + ut_stack_poll(ub.st);
}

/* Polls both stacks until neither has anything left to do. */
static void ut_settle(void)
{
	while (ut_poll_pair() > 0)
		;
}

static void ut_round_begin(void)
{
	ut_stack_batch_begin(ua.st);
	ut_stack_batch_begin(ub.st);
}

static void ut_round_end(void)
{
	ut_stack_batch_end(ub.st);
	ut_stack_batch_end(ua.st);
}

static struct sockaddr_in sin4(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(ip);
	sin.sin_port = htons(port);
	return sin;
}

static void ut_set_int(struct ut_stack *st, int fd, int level, int opt, int v)
{
	UT_CHECK(ut_setsockopt(st, fd, level, opt, &v, sizeof(v)));
}

static int ut_listener(uint16_t port)
{
	struct sockaddr_in sin = sin4(SERVER_IP, port);
	int l;

	UT_CHECK(l = ut_socket(ub.st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	ut_set_int(ub.st, l, SOL_SOCKET, SO_REUSEADDR, 1);
	UT_CHECK(ut_bind(ub.st, l, (struct sockaddr *)&sin, sizeof(sin)));
	UT_CHECK(ut_listen(ub.st, l, 4096));
	return l;
}

/* A connection from the client's port lport (0: the stack's choice) to the
 * listener l at sport: *c the client's end, *s the server's. */
static void ut_connect_pair(int l, uint16_t lport, uint16_t sport, bool linger0, int *c, int *s)
{
	struct sockaddr_in dst = sin4(SERVER_IP, sport);

	UT_CHECK(*c = ut_socket(ua.st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	if (lport) {
		struct sockaddr_in src = sin4(CLIENT_IP, lport);

		ut_set_int(ua.st, *c, SOL_SOCKET, SO_REUSEADDR, 1);
		UT_CHECK(ut_bind(ua.st, *c, (struct sockaddr *)&src, sizeof(src)));
	}
	if (linger0) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		UT_CHECK(ut_setsockopt(ua.st, *c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	}
	if (ut_connect(ua.st, *c, (struct sockaddr *)&dst, sizeof(dst)) == 0 ||
	    errno != EINPROGRESS)
		fail("usertcp", "connect: %s", strerror(errno));
	ut_settle();
	UT_CHECK(*s = ut_accept4(ub.st, l, NULL, NULL, SOCK_NONBLOCK));
}

/* Closes a part's listener l and connection (c, s), client first, and
 * destroys the stacks. */
static void ut_close_all(int l, int c, int s)
{
	UT_CHECK(ut_close(ua.st, c));
	ut_settle();
	UT_CHECK(ut_close(ub.st, s));
	UT_CHECK(ut_close(ub.st, l));
	ut_settle();
	ut_pair_down();
}

/* Reads exactly n bytes from fd of st: polls both stacks (the data were
 * just sent, so they wait in a receive queue), then reads, as an event
 * loop would. */
static void ut_recv_exact(struct ut_stack *st, int fd, void *buf, size_t n)
{
	size_t got = 0;
	unsigned idle = 0;

	while (got < n) {
		ssize_t r;

		if (ut_poll_pair() == 0 && ++idle > STALL_POLLS)
			fail("usertcp", "recv: nothing arrives");
		r = ut_recv(st, fd, (char *)buf + got, n - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0)
			fail("usertcp", "unexpected end of stream");
		else if (errno != EAGAIN)
			fail("usertcp", "recv: %s", strerror(errno));
	}
}

static void ut_bulk(struct bulk_result *res)
{
	uint64_t sent = 0, got = 0, reads = 0;
	struct run run;
	int l, c, s;

	ut_pair_up();
	l = ut_listener(SPORT0);
	ut_connect_pair(l, 0, SPORT0, false, &c, &s);
	run_start(&run);
	for (;;) {
		bool sending = run_sending(&run);

		ut_round_begin();
		while (sending) {
			ssize_t r = ut_send(ua.st, c, pattern + sent % PATTERN_PERIOD, BULK_CHUNK,
					    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN)
				fail("usertcp", "send: %s", strerror(errno));
			if (r <= 0)
				break;
			sent += (uint64_t)r;
			if (r < BULK_CHUNK)
				break;
		}
		ut_poll_pair();
		for (;;) {
			ssize_t r = ut_recv(ub.st, s, rbuf, sizeof(rbuf), MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN)
				fail("usertcp", "recv: %s", strerror(errno));
			if (r <= 0)
				break;
			verify("usertcp", ++reads, got, rbuf, (size_t)r);
			got += (uint64_t)r;
		}
		ut_round_end();
		if (!sending && got == sent)
			break;
		if (!sending && now_s() - run.t_stop > DRAIN_LIMIT_S)
			fail("usertcp", "bulk: %llu of %llu bytes arrived", (unsigned long long)got,
			     (unsigned long long)sent);
	}
	res->dt = now_s() - run.t0;
	res->cpu = cpu_s() - run.c0;
	res->bytes = got;
	res->frames = (double)link_frames - run.f0;
	res->drops = ut_drops();
	ut_close_all(l, c, s);
}

static void ut_rr(struct rr_result *res, double seconds)
{
	char req[RR_LEN], resp[RR_LEN];
	uint64_t n = 0;
	struct run run;
	double t;
	int l, c, s;

	ut_pair_up();
	l = ut_listener(SPORT0);
	ut_connect_pair(l, 0, SPORT0, false, &c, &s);
	ut_set_int(ua.st, c, IPPROTO_TCP, TCP_NODELAY, 1);
	ut_set_int(ub.st, s, IPPROTO_TCP, TCP_NODELAY, 1);
	memset(req, 'q', sizeof(req));
	run_start(&run);
	do {
		ut_round_begin();
		for (int i = 0; i < RR_BATCH; i++) {
			req[0] = (char)i;
			if (ut_send(ua.st, c, req, RR_LEN, MSG_NOSIGNAL) != RR_LEN)
				fail("usertcp", "send: %s", strerror(errno));
			ut_recv_exact(ub.st, s, resp, RR_LEN);
			if (ut_send(ub.st, s, resp, RR_LEN, MSG_NOSIGNAL) != RR_LEN)
				fail("usertcp", "send: %s", strerror(errno));
			ut_recv_exact(ua.st, c, resp, RR_LEN);
			if (memcmp(req, resp, RR_LEN))
				fail("usertcp", "rr: the response is not the request");
		}
		ut_round_end();
		n += RR_BATCH;
		t = now_s();
	} while (t - run.t0 < seconds);
	run_tally(&run, n, t, &res->tl);
	res->drops += ut_drops();
	ut_close_all(l, c, s);
}

/* Connections until BENCH_SECONDS are up: connect, accept, the client
 * closes (FIN, or RST with SO_LINGER {1, 0}), the server reads the end of
 * the stream (FIN) and closes. Client port and listener cycle so that no
 * 4-tuple repeats while its TIME_WAIT lasts. */
static void ut_crr(bool rst, double seconds, struct crr_result *res)
{
	int l[NLISTEN];
	uint64_t n = 0;
	struct run run;
	double t, t_first = 0;

	ut_pair_up();
	for (int k = 0; k < NLISTEN; k++)
		l[k] = ut_listener((uint16_t)(SPORT0 + k));
	run_start(&run);
	t = run.t0;
	do {
		unsigned k = (unsigned)(n / NLPORTS);
		int c, s;
		char b;

		if (k >= NLISTEN && !rst) {
			res->exhausted = true;
			break;
		}
		k %= NLISTEN; /* a RST leaves no TIME_WAIT: 4-tuples may repeat */
		ut_round_begin();
		ut_connect_pair(l[k], (uint16_t)(LPORT0 + n % NLPORTS), (uint16_t)(SPORT0 + k), rst,
				&c, &s);
		UT_CHECK(ut_close(ua.st, c));
		ut_settle();
		if (!rst && ut_recv(ub.st, s, &b, 1, MSG_DONTWAIT) != 0)
			fail("usertcp", "crr: no end of stream at the server");
		UT_CHECK(ut_close(ub.st, s));
		if (!rst) /* the server's FIN; its reset socket sends nothing */
			ut_settle();
		ut_round_end();
		t = now_s();
		if (++n == FIRST_CONNS)
			t_first = t;
	} while (t - run.t0 < seconds);
	{
		struct ut_sockstat ss;

		ut_sockstat_get(ua.st, &ss);
		res->tw_end = ss.tcp_tw;
	}
	run_tally(&run, n, t, &res->tl);
	res->first_rate = t_first > 0 ? FIRST_CONNS / (t_first - run.t0) : -1;
	res->drops += ut_drops();
	for (int k = 0; k < NLISTEN; k++)
		UT_CHECK(ut_close(ub.st, l[k]));
	ut_settle();
	ut_pair_down();
}

/* ---- lwIP: two copies of liblwip.so, each a stack ------------------------*/

#ifdef BENCH_PAIR_LWIP

/* The calls made into a copy of the library, each through a pointer from
 * that copy's dlsym. */
#define LW_FUNCS(X)                \
	X(lwip_init)               \
	X(netif_add)               \
	X(netif_set_up)            \
	X(netif_set_link_up)       \
	X(ip_input)                \
	X(sys_check_timeouts)      \
	X(pbuf_alloc)              \
	X(pbuf_free)               \
	X(pbuf_copy_partial)       \
	X(tcp_new)                 \
	X(tcp_bind)                \
	X(tcp_listen_with_backlog) \
	X(tcp_accept)              \
	X(tcp_connect)             \
	X(tcp_arg)                 \
	X(tcp_recv)                \
	X(tcp_err)                 \
	X(tcp_write)               \
	X(tcp_output)              \
	X(tcp_recved)              \
	X(tcp_close)               \
	X(tcp_abort)

struct lw_lib {
	void *h;
#define LW_MEMBER(f) __typeof__(&f) f;
	LW_FUNCS(LW_MEMBER)
#undef LW_MEMBER
	struct tcp_pcb **tw_pcbs; /* the copy's tcp_tw_pcbs */
};

/* One end of a connection, as the callbacks see it. */
struct lw_conn {
	struct lw_side *side;
	struct tcp_pcb *pcb;
	bool connected, eof, reset;
	size_t have; /* bytes in buf (round trips) */
	char buf[2 * RR_LEN];
	uint64_t got, reads; /* bulk */
	bool bulk;
};

struct lw_side {
	struct lw_lib lib;
	struct netif netif;
	struct lw_side *peer;
	struct pbuf *q[LINK_QUEUE]; /* received, waiting for the next poll */
	unsigned qh, qn;
	uint64_t drops;
	struct tcp_pcb *accepted;
	struct lw_conn *accept_conn; /* what an accepted pcb gets as its arg */
};

static struct lw_side la, lb;

#define LW_CHECK(call)                                         \
	do {                                                   \
		err_t e_ = (call);                             \
		if (e_ != ERR_OK)                              \
			fail("lwip", "%s: err %d", #call, e_); \
	} while (0)

/* Loads a copy with namespaces of its own; NULL, or why not. */
static const char *lw_load(struct lw_lib *lib)
{
	static char why[256];

	lib->h = dlmopen(LM_ID_NEWLM, BENCH_PAIR_LWIP, RTLD_NOW | RTLD_LOCAL);
	if (!lib->h) {
		snprintf(why, sizeof(why), "dlmopen: %s", dlerror());
		return why;
	}
#define LW_SYM(f)                                                                \
	if (!(lib->f = (__typeof__(lib->f))dlsym(lib->h, #f))) {                 \
		snprintf(why, sizeof(why), "%s has no %s", BENCH_PAIR_LWIP, #f); \
		return why;                                                      \
	}
	LW_FUNCS(LW_SYM)
#undef LW_SYM
	if (!(lib->tw_pcbs = (struct tcp_pcb **)dlsym(lib->h, "tcp_tw_pcbs"))) {
		snprintf(why, sizeof(why), "%s has no tcp_tw_pcbs", BENCH_PAIR_LWIP);
		return why;
	}
	lib->lwip_init();
	return NULL;
}

/* The link: the packet copied once into a pbuf of the other copy and
 * queued for its next poll. */
static err_t lw_output(struct netif *nif, struct pbuf *p, const ip4_addr_t *dst)
{
	struct lw_side *s = nif->state, *peer = s->peer;
	struct pbuf *q;

	(void)dst;
	link_frames++;
	if (peer->qn == LINK_QUEUE || !(q = peer->lib.pbuf_alloc(PBUF_RAW, p->tot_len, PBUF_RAM))) {
		s->drops++;
		return ERR_OK;
	}
	s->lib.pbuf_copy_partial(p, q->payload, p->tot_len, 0);
	peer->q[(peer->qh + peer->qn++) % LINK_QUEUE] = q;
	return ERR_OK;
}

static err_t lw_output6(struct netif *nif, struct pbuf *p, const ip6_addr_t *dst)
{
	(void)nif;
	(void)p;
	(void)dst;
	return ERR_IF; /* IPv6 is not used */
}

static err_t lw_netif_init(struct netif *nif)
{
	nif->name[0] = 'p';
	nif->name[1] = 'r';
	nif->mtu = MTU;
	nif->output = lw_output;
	nif->output_ip6 = lw_output6;
	return ERR_OK;
}

static void lw_side_up(struct lw_side *s, uint32_t ip)
{
	ip4_addr_t addr, mask, gw;

	addr.addr = htonl(ip);
	mask.addr = htonl(0xffffff00u);
	gw.addr = 0;
	if (!s->lib.netif_add(&s->netif, &addr, &mask, &gw, s, lw_netif_init, s->lib.ip_input))
		fail("lwip", "netif_add failed");
	s->lib.netif_set_up(&s->netif);
	s->lib.netif_set_link_up(&s->netif);
}

static void lw_pair_init(void)
{
	la.peer = &lb;
	lb.peer = &la;
	lw_side_up(&la, CLIENT_IP);
	lw_side_up(&lb, SERVER_IP);
}

/* Hands a copy what its queue held when the poll began. */
static int lw_poll(struct lw_side *s)
{
	unsigned n = s->qn;

	for (unsigned i = 0; i < n; i++) {
		struct pbuf *p = s->q[s->qh];

		s->qh = (s->qh + 1) % LINK_QUEUE;
		s->qn--;
		s->netif.input(p, &s->netif);
	}
	return (int)n;
}

static int lw_poll_pair(void)
{
	return lw_poll(&la) + lw_poll(&lb);
}

static void lw_settle(void)
{
	while (lw_poll_pair() > 0)
		;
}

static void lw_round_begin(void)
{
	la.lib.sys_check_timeouts();
	lb.lib.sys_check_timeouts();
}

static ip_addr_t lw_ip(uint32_t ip)
{
	ip_addr_t a;

	memset(&a, 0, sizeof(a));
	IP_SET_TYPE_VAL(a, IPADDR_TYPE_V4);
	ip_2_ip4(&a)->addr = htonl(ip);
	return a;
}

static err_t lw_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct lw_conn *cn = arg;
	struct lw_lib *lib;
	uint16_t len;

	(void)err;
	if (!cn) /* a pcb the application has let go of */
		return ERR_OK;
	lib = &cn->side->lib;
	if (!p) {
		cn->eof = true;
		return ERR_OK;
	}
	len = p->tot_len;
	if (cn->bulk) {
		lib->pbuf_copy_partial(p, rbuf, len, 0);
		verify("lwip", ++cn->reads, cn->got, rbuf, len);
		cn->got += len;
	} else {
		if (cn->have + len > sizeof(cn->buf))
			fail("lwip", "rr: more than was asked for arrived");
		lib->pbuf_copy_partial(p, cn->buf + cn->have, len, 0);
		cn->have += len;
	}
	lib->tcp_recved(pcb, len);
	lib->pbuf_free(p);
	return ERR_OK;
}

static void lw_err_cb(void *arg, err_t err)
{
	struct lw_conn *cn = arg;

	if (cn) {
		cn->reset = err == ERR_RST || err == ERR_ABRT;
		cn->pcb = NULL; /* lwIP has freed it */
	}
}

static err_t lw_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lw_conn *cn = arg;

	(void)pcb;
	cn->connected = err == ERR_OK;
	return ERR_OK;
}

static err_t lw_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lw_side *s = arg;
	struct lw_conn *cn = s->accept_conn;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	s->accepted = pcb;
	memset(cn, 0, sizeof(*cn));
	cn->side = s;
	cn->pcb = pcb;
	s->lib.tcp_arg(pcb, cn);
	s->lib.tcp_recv(pcb, lw_recv_cb);
	s->lib.tcp_err(pcb, lw_err_cb);
	return ERR_OK;
}

static struct tcp_pcb *lw_listener(uint16_t port)
{
	ip_addr_t a = lw_ip(SERVER_IP);
	struct tcp_pcb *pcb = lb.lib.tcp_new(), *lp;

	if (!pcb)
		fail("lwip", "tcp_new failed");
	ip_set_option(pcb, SOF_REUSEADDR);
	LW_CHECK(lb.lib.tcp_bind(pcb, &a, port));
	if (!(lp = lb.lib.tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG)))
		fail("lwip", "tcp_listen failed");
	lb.lib.tcp_arg(lp, &lb);
	lb.lib.tcp_accept(lp, lw_accept_cb);
	return lp;
}

/* A connection from lport (0: the stack's choice) to sport; cli and srv
 * are filled in for its two ends. */
static void lw_connect_pair(uint16_t lport, uint16_t sport, struct lw_conn *cli,
			    struct lw_conn *srv)
{
	ip_addr_t src = lw_ip(CLIENT_IP), dst = lw_ip(SERVER_IP);
	struct tcp_pcb *pcb = la.lib.tcp_new();

	if (!pcb)
		fail("lwip", "tcp_new failed");
	memset(cli, 0, sizeof(*cli));
	cli->side = &la;
	cli->pcb = pcb;
	if (lport) {
		ip_set_option(pcb, SOF_REUSEADDR);
		LW_CHECK(la.lib.tcp_bind(pcb, &src, lport));
	}
	la.lib.tcp_arg(pcb, cli);
	la.lib.tcp_recv(pcb, lw_recv_cb);
	la.lib.tcp_err(pcb, lw_err_cb);
	lb.accept_conn = srv;
	lb.accepted = NULL;
	LW_CHECK(la.lib.tcp_connect(pcb, &dst, sport, lw_connected_cb));
	lw_settle();
	if (!cli->connected || !lb.accepted)
		fail("lwip", "connect: not established");
}

/* Closes an end the application holds (FIN); it stops being told of it. */
static void lw_close(struct lw_conn *cn)
{
	struct lw_lib *lib = &cn->side->lib;

	if (!cn->pcb)
		return;
	lib->tcp_arg(cn->pcb, NULL);
	LW_CHECK(lib->tcp_close(cn->pcb));
	cn->pcb = NULL;
}

static unsigned lw_count(struct tcp_pcb *p)
{
	unsigned n = 0;

	for (; p; p = p->next)
		n++;
	return n;
}

/* Drops the client copy's TIME_WAIT pcbs, so that one part's leave no
 * work for the next. */
static void lw_flush_tw(void)
{
	while (*la.lib.tw_pcbs)
		la.lib.tcp_abort(*la.lib.tw_pcbs);
}

static void lw_bulk(struct bulk_result *res)
{
	static struct lw_conn cli, srv;
	struct tcp_pcb *lp = lw_listener(SPORT0);
	uint64_t sent = 0;
	struct run run;
	uint64_t d0 = la.drops + lb.drops;

	lw_connect_pair(0, SPORT0, &cli, &srv);
	srv.bulk = true;
	run_start(&run);
	for (;;) {
		bool sending = run_sending(&run);

		lw_round_begin();
		while (sending) {
			uint32_t room = tcp_sndbuf(cli.pcb);
			uint16_t len = (uint16_t)(room > 0xffff ? 0xffff : room);

			if (len == 0 || la.lib.tcp_write(cli.pcb, pattern + sent % PATTERN_PERIOD,
							 len, TCP_WRITE_FLAG_COPY) != ERR_OK)
				break;
			sent += len;
		}
		LW_CHECK(la.lib.tcp_output(cli.pcb));
		lw_poll_pair();
		if (!sending && srv.got == sent)
			break;
		if (!sending && now_s() - run.t_stop > DRAIN_LIMIT_S)
			fail("lwip", "bulk: %llu of %llu bytes arrived",
			     (unsigned long long)srv.got, (unsigned long long)sent);
	}
	res->dt = now_s() - run.t0;
	res->cpu = cpu_s() - run.c0;
	res->bytes = srv.got;
	res->frames = (double)link_frames - run.f0;
	res->drops = (double)(la.drops + lb.drops - d0);
	lw_close(&cli);
	lw_settle();
	if (!srv.eof)
		fail("lwip", "bulk: no end of stream at the server");
	lw_close(&srv);
	lb.lib.tcp_close(lp);
	lw_settle();
	lw_flush_tw();
}

static void lw_rr(struct rr_result *res, double seconds)
{
	static struct lw_conn cli, srv;
	struct tcp_pcb *lp = lw_listener(SPORT0);
	char req[RR_LEN];
	uint64_t n = 0, d0 = la.drops + lb.drops;
	struct run run;
	double t;

	lw_connect_pair(0, SPORT0, &cli, &srv);
	tcp_nagle_disable(cli.pcb);
	tcp_nagle_disable(srv.pcb);
	memset(req, 'q', sizeof(req));
	run_start(&run);
	do {
		lw_round_begin();
		for (int i = 0; i < RR_BATCH; i++) {
			unsigned idle = 0;

			req[0] = (char)i;
			LW_CHECK(la.lib.tcp_write(cli.pcb, req, RR_LEN, TCP_WRITE_FLAG_COPY));
			LW_CHECK(la.lib.tcp_output(cli.pcb));
			while (srv.have < RR_LEN)
				if (lw_poll_pair() == 0 && ++idle > STALL_POLLS)
					fail("lwip", "rr: the request does not arrive");
			srv.have -= RR_LEN;
			LW_CHECK(lb.lib.tcp_write(srv.pcb, srv.buf, RR_LEN, TCP_WRITE_FLAG_COPY));
			LW_CHECK(lb.lib.tcp_output(srv.pcb));
			while (cli.have < RR_LEN)
				if (lw_poll_pair() == 0 && ++idle > STALL_POLLS)
					fail("lwip", "rr: the response does not arrive");
			cli.have -= RR_LEN;
			if (memcmp(req, cli.buf, RR_LEN))
				fail("lwip", "rr: the response is not the request");
		}
		n += RR_BATCH;
		t = now_s();
	} while (t - run.t0 < seconds);
	run_tally(&run, n, t, &res->tl);
	res->drops += (double)(la.drops + lb.drops - d0);
	lw_close(&cli);
	lw_settle();
	lw_close(&srv);
	lb.lib.tcp_close(lp);
	lw_settle();
	lw_flush_tw();
}

static void lw_crr(bool rst, double seconds, struct crr_result *res)
{
	static struct lw_conn cli, srv;
	struct tcp_pcb *lp[NLISTEN];
	uint64_t n = 0, d0 = la.drops + lb.drops;
	struct run run;
	double t, t_first = 0;

	for (int k = 0; k < NLISTEN; k++)
		lp[k] = lw_listener((uint16_t)(SPORT0 + k));
	run_start(&run);
	t = run.t0;
	do {
		unsigned k = (unsigned)(n / NLPORTS);

		if (k >= NLISTEN && !rst) {
			res->exhausted = true;
			break;
		}
		k %= NLISTEN; /* a RST leaves no TIME_WAIT: 4-tuples may repeat */
		lw_round_begin();
		lw_connect_pair((uint16_t)(LPORT0 + n % NLPORTS), (uint16_t)(SPORT0 + k), &cli,
				&srv);
		if (rst) {
			la.lib.tcp_abort(cli.pcb); /* a RST; lwIP frees the pcb */
			lw_settle();
			if (!srv.reset)
				fail("lwip", "crr: the server saw no RST");
		} else {
			lw_close(&cli);
			lw_settle();
			if (!srv.eof)
				fail("lwip", "crr: no end of stream at the server");
			lw_close(&srv);
			lw_settle();
		}
		t = now_s();
		if (++n == FIRST_CONNS)
			t_first = t;
	} while (t - run.t0 < seconds);
	res->tw_end = lw_count(*la.lib.tw_pcbs);
	run_tally(&run, n, t, &res->tl);
	res->first_rate = t_first > 0 ? FIRST_CONNS / (t_first - run.t0) : -1;
	res->drops += (double)(la.drops + lb.drops - d0);
	for (int k = 0; k < NLISTEN; k++)
		lb.lib.tcp_close(lp[k]);
	lw_settle();
	lw_flush_tw();
}

static const char *lw_setup(void)
{
	const char *why;

	if ((why = lw_load(&la.lib)) || (why = lw_load(&lb.lib)))
		return why;
	lw_pair_init();
	return NULL;
}

#define LWIP_NOTE                                                                   \
	"# lwip " LWIP_VERSION_STRING ": Debian's liblwip.so loaded twice with\n"   \
	"#   dlmopen(LM_ID_NEWLM), globals apart, each copy called through dlsym\n" \
	"#   pointers; raw API, no tcpip thread (Debian builds NO_SYS 0, whose\n"   \
	"#   core-lock check passes while no tcpip thread exists); its build:\n"    \
	"#   TCP_MSS %d, TCP_WND %d, TCP_SND_BUF %d, TCP_SND_QUEUELEN %d, window\n" \
	"#   scale shift %d, TCP_MSL %d ms, malloc for memory and pools,\n"         \
	"#   LWIP_CHECKSUM_ON_COPY %d\n"

static void lw_note(void)
{
	printf(LWIP_NOTE, (int)TCP_MSS, (int)TCP_WND, (int)TCP_SND_BUF, (int)TCP_SND_QUEUELEN,
	       (int)TCP_RCV_SCALE, (int)TCP_MSL, (int)LWIP_CHECKSUM_ON_COPY);
}

#else /* !BENCH_PAIR_LWIP */

static void lw_bulk(struct bulk_result *res)
{
	memset(res, 0, sizeof(*res));
}

static void lw_rr(struct rr_result *res, double seconds)
{
	(void)seconds;
	memset(res, 0, sizeof(*res));
}

static void lw_crr(bool rst, double seconds, struct crr_result *res)
{
	(void)rst;
	(void)seconds;
	memset(res, 0, sizeof(*res));
}

static const char *lw_setup(void)
{
	return "liblwip-dev is not installed";
}

static void lw_note(void)
{
}

#endif

/* ---- the figures ------------------------------------------------------------*/

static void bench_bulk(void)
{
	struct bulk_result u, w = {0};
	char b1[32], b2[32], b3[32], b4[32];

	ut_bulk(&u);
	if (!lwip_skip)
		lw_bulk(&w);
	printf("# bulk: one connection, client -> server for %.2g s: usertcp %d KiB\n"
	       "#   non-blocking send()s until one is short, lwip tcp_write() while\n"
	       "#   tcp_sndbuf() has room, then one poll of each stack and every read\n"
	       "#   (usertcp recv() of %d KiB, lwip's recv callback copying the pbuf\n"
	       "#   out); 1 read in %d checked; usertcp %.0f MiB in %.2f s, lwip %s MiB\n"
	       "#   in %s s; frames on the link per MiB: usertcp %.0f, lwip %s; frames\n"
	       "#   dropped: usertcp %.0f, lwip %s\n",
	       bench_seconds, BULK_CHUNK / 1024, BULK_CHUNK / 1024, VERIFY_EVERY,
	       (double)u.bytes / (1 << 20), u.dt,
	       fmt_na(b1, sizeof(b1), lwip_skip ? -1 : (double)w.bytes / (1 << 20), 0),
	       fmt_na(b2, sizeof(b2), lwip_skip ? -1 : w.dt, 2),
	       u.frames / ((double)u.bytes / (1 << 20)),
	       lwip_skip ? "n/a"
			 : fmt_na(b3, sizeof(b3), w.frames / ((double)w.bytes / (1 << 20)), 0),
	       u.drops, lwip_skip ? "n/a" : fmt_na(b4, sizeof(b4), w.drops, 0));
	print_per_cpu("Gbit", 2, (double)u.bytes * 8 / u.cpu / 1e9,
		      lwip_skip ? -1 : (double)w.bytes * 8 / w.cpu / 1e9);
	print_figure("bulk throughput", "Gbit/s", 2, (double)u.bytes * 8 / u.dt / 1e9,
		     lwip_skip ? -1 : (double)w.bytes * 8 / w.dt / 1e9);
}

/* The RST and round-trip figures keep no state from one connection to
 * the next, so the two stacks take turns in SLICES runs each, and load
 * that comes and goes on the machine falls on both. */
#define SLICES 4

static void bench_crr(bool rst)
{
	struct crr_result u = {0}, w = {0};
	int slices = rst ? SLICES : 1; /* FIN: TIME_WAIT builds up over one run */
	char b1[32], b2[32], b3[32], b4[32];

	for (int i = 0; i < slices; i++) {
		ut_crr(rst, bench_seconds / slices, &u);
		if (!lwip_skip)
			lw_crr(rst, bench_seconds / slices, &w);
	}
	if (rst)
		printf("# connections, RST: connect, accept, the client closes with SO_LINGER\n"
		       "#   {1, 0} (usertcp) or tcp_abort (lwip), a RST; the server closes\n"
		       "#   (usertcp) or lwip frees its pcb on the RST; the stacks polled until\n"
		       "#   idle after each step; the stacks take turns, %d runs each;",
		       SLICES);
	else
		printf("# connections, FIN: connect, accept, the client closes (FIN), the server\n"
		       "#   sees the end of the stream and closes, the client's end stays in\n"
		       "#   TIME_WAIT (usertcp 60 s, in a hash; lwip 2 * TCP_MSL, on a list that\n"
		       "#   tcp_connect walks to check the 4-tuple); the stacks polled until\n"
		       "#   idle after each step; one run each;");
	printf("\n#   client port %d-%d bound with SO_REUSEADDR, listener %d-%d, in\n"
	       "#   turn, so no 4-tuple repeats%s;\n"
	       "#   connections: usertcp %llu, lwip %s%s;\n"
	       "#   frames on the link per connection: usertcp %.2f, lwip %s\n",
	       LPORT0, LPORT0 + NLPORTS - 1, SPORT0, SPORT0 + NLISTEN - 1,
	       rst ? " within 1,280,000" : "", (unsigned long long)u.tl.n,
	       fmt_na(b1, sizeof(b1), lwip_skip ? -1 : (double)w.tl.n, 0),
	       u.exhausted || w.exhausted ? " (stopped early: 4-tuples used up)" : "",
	       tl_frames_per(&u.tl),
	       fmt_na(b2, sizeof(b2), lwip_skip ? -1 : tl_frames_per(&w.tl), 2));
	if (!rst)
		printf("#   TIME_WAIT at the end: usertcp %.0f, lwip %s; the first %d "
		       "connections:\n"
		       "#   usertcp %s conn/s, lwip %s conn/s\n",
		       u.tw_end, fmt_na(b3, sizeof(b3), lwip_skip ? -1 : w.tw_end, 0), FIRST_CONNS,
		       fmt_na(b1, sizeof(b1), u.first_rate, 0),
		       fmt_na(b4, sizeof(b4), lwip_skip ? -1 : w.first_rate, 0));
	print_per_cpu("conn", 0, tl_per_cpu(&u.tl), lwip_skip ? -1 : tl_per_cpu(&w.tl));
	print_figure(rst ? "connections/s, RST" : "connections/s, FIN", "conn/s", 0, tl_rate(&u.tl),
		     lwip_skip ? -1 : tl_rate(&w.tl));
}

static void bench_crr_rst(void)
{
	bench_crr(true);
}

static void bench_crr_fin(void)
{
	bench_crr(false);
}

static void bench_rr(void)
{
	struct rr_result u = {0}, w = {0};
	char b1[32];

	for (int i = 0; i < SLICES; i++) {
		ut_rr(&u, bench_seconds / SLICES);
		if (!lwip_skip)
			lw_rr(&w, bench_seconds / SLICES);
	}
	printf("# round trips: %d bytes there and %d back on one connection, Nagle off on\n"
	       "#   both ends (TCP_NODELAY, tcp_nagle_disable), %d round trips a round;\n"
	       "#   the stacks take turns, %d runs each; frames on the link per round\n"
	       "#   trip: usertcp %.2f, lwip %s\n",
	       RR_LEN, RR_LEN, RR_BATCH, SLICES, tl_frames_per(&u.tl),
	       fmt_na(b1, sizeof(b1), lwip_skip ? -1 : tl_frames_per(&w.tl), 2));
	print_per_cpu("rt", 0, tl_per_cpu(&u.tl), lwip_skip ? -1 : tl_per_cpu(&w.tl));
	print_figure("round trips/s", "rt/s", 0, tl_rate(&u.tl), lwip_skip ? -1 : tl_rate(&w.tl));
}

static void ut_note(void)
{
	static const char *const names[] = {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"};
	struct ut_stack *st;
	char v[2][64];

	if (ut_stack_create(NULL, &st) < 0)
		fail("usertcp", "ut_stack_create");
	for (int i = 0; i < 2; i++) {
		long x[3];
		char n[64];

		for (int j = 0; j < 3; j++) {
			snprintf(n, sizeof(n), "%s.%s", names[i],
				 j == 0	  ? "min"
				 : j == 1 ? "default"
					  : "max");
			if (ut_sysctl_get(st, n, &x[j]) < 0)
				x[j] = -1;
		}
		snprintf(v[i], sizeof(v[i]), "%ld %ld %ld", x[0], x[1], x[2]);
	}
	ut_stack_destroy(st);
	printf("# usertcp: ut_dev_create devices (UT_DEV_RAWIP, MTU 1500, no checksum\n"
	       "#   flags), non-blocking ut_ sockets; its defaults: MSS 1460, cubic,\n"
	       "#   GRO on, tcp_rmem %s, tcp_wmem %s;\n"
	       "#   tcp_max_tw_buckets raised to 2^24\n",
	       v[0], v[1]);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} parts[] = {{"bulk", bench_bulk},
		     {"rr", bench_rr},
		     {"crr-rst", bench_crr_rst},
		     {"crr-fin", bench_crr_fin}};
	enum { NPARTS = sizeof(parts) / sizeof(parts[0]) };
	const char *env = getenv("BENCH_SECONDS");
	bool chosen[NPARTS] = {false}, any = false;

	if (env && *env) {
		char *end;
		double v = strtod(env, &end);
		if (*end || !(v > 0)) {
			fprintf(stderr, "bench_pair: BENCH_SECONDS=%s: not a positive number\n",
				env);
			return 2;
		}
		bench_seconds = v;
	}
	for (int i = 1; i < argc; i++) {
		bool known = false;
		if (strcmp(argv[i], "--usertcp-only") == 0) {
			with_lwip = false;
			continue;
		}
		for (size_t p = 0; p < NPARTS; p++) {
			if (strcmp(argv[i], parts[p].name) == 0)
				chosen[p] = known = any = true;
		}
		if (!known) {
			fprintf(stderr, "usage: bench_pair [--usertcp-only] [bulk] [rr] [crr-rst] "
					"[crr-fin]\n");
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)(i % PATTERN_PERIOD);
	lwip_skip = with_lwip ? lw_setup() : "--usertcp-only";
	printf("# two stacks in one process on one thread, joined by an in-memory link that\n"
	       "#   copies each frame once into the other stack's receive queue (at most\n"
	       "#   %d frames); bare IPv4 (layer 3), MTU %d, checksums computed and\n"
	       "#   checked in software; client 10.0.0.1, server 10.0.0.2; %.2g s per timed\n"
	       "#   run; one clock reading per stack per round (usertcp: ut_stack_batch_begin\n"
	       "#   and _end; lwip: sys_check_timeouts at the round's start); \"per CPU\n"
	       "#   second\": of the one thread, which other programs' load disturbs least\n",
	       LINK_QUEUE, MTU, bench_seconds);
	ut_note();
	if (!lwip_skip)
		lw_note();
	else
		printf("# lwip: skipped: %s\n", lwip_skip);
	printf("# ratio = usertcp / lwip\n");
	for (size_t p = 0; p < NPARTS; p++)
		if (chosen[p] || !any)
			parts[p].run();
	return 0;
}
