/* usertcp's TCP against the Linux kernel's, over loopback, in one process
 * and one run: bulk throughput, connections per second (connect, 64-byte
 * echo, close), round trips per second on one connection, and memory per
 * idle established connection, and connections per second beside 0, 100,000
 * and 1,000,000 TIME_WAIT sockets (with bytes per TIME_WAIT socket). Each line prints usertcp's figure, the
 * kernel's and their ratio (always usertcp / linux). Figures only; the exit
 * status is 1 when a call fails or a transfer loses bytes.
 *
 *   bench_tcp [--usertcp-only] [bulk] [crr] [rr] [mem] [tw]   (default: all)
 *   BENCH_SECONDS=0.5 bench_tcp           (seconds per timed run; default 2)
 *
 * Both sides run the same code on the same thread through a table of calls
 * (struct api): for usertcp, the ut_* calls on one stack whose clients and
 * servers meet at 127.0.0.1 on its loopback device (MTU 65536, checksums
 * offloaded, as Linux's lo); for Linux, the system calls over 127.0.0.1.
 * Nothing else differs but pump(): usertcp's stack runs only when called
 * (ut_stack_poll, or inside a blocking call), while the kernel does its
 * loopback receive work inside send() and connect() themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>

#include "usertcp/socket.h"

#define BULK_CHUNK (64 * 1024) /* bytes per send() and recv() */
#define ECHO_LEN 64	       /* the connections/s exchange */
#define MEM_CONNS 10000	       /* idle connections for the memory figure */
#define DRAIN_LIMIT_S 10.0     /* a transfer that stalls this long failed */

/* ---- the two stacks behind one table of calls -----------------------------*/

struct api {
	const char *name;
	struct ut_stack *st; /* usertcp's stack; NULL for Linux */
	int (*socket)(struct ut_stack *, int, int, int);
	int (*bind)(struct ut_stack *, int, const struct sockaddr *, socklen_t);
	int (*listen)(struct ut_stack *, int, int);
	int (*accept)(struct ut_stack *, int, struct sockaddr *, socklen_t *);
	int (*connect)(struct ut_stack *, int, const struct sockaddr *, socklen_t);
	ssize_t (*send)(struct ut_stack *, int, const void *, size_t, int);
	ssize_t (*recv)(struct ut_stack *, int, void *, size_t, int);
	int (*close)(struct ut_stack *, int);
	int (*setsockopt)(struct ut_stack *, int, int, int, const void *, socklen_t);
	int (*getsockname)(struct ut_stack *, int, struct sockaddr *, socklen_t *);
};

static int lx_socket(struct ut_stack *st, int d, int t, int p)
{
	(void)st;
	return socket(d, t, p);
}

static int lx_bind(struct ut_stack *st, int fd, const struct sockaddr *a, socklen_t l)
{
	(void)st;
	return bind(fd, a, l);
}

static int lx_listen(struct ut_stack *st, int fd, int backlog)
{
	(void)st;
	return listen(fd, backlog);
}

static int lx_accept(struct ut_stack *st, int fd, struct sockaddr *a, socklen_t *l)
{
	(void)st;
	return accept(fd, a, l);
}

static int lx_connect(struct ut_stack *st, int fd, const struct sockaddr *a, socklen_t l)
{
	(void)st;
	return connect(fd, a, l);
}

static ssize_t lx_send(struct ut_stack *st, int fd, const void *b, size_t n, int fl)
{
	(void)st;
	return send(fd, b, n, fl);
}

static ssize_t lx_recv(struct ut_stack *st, int fd, void *b, size_t n, int fl)
{
	(void)st;
	return recv(fd, b, n, fl);
}

static int lx_close(struct ut_stack *st, int fd)
{
	(void)st;
	return close(fd);
}

static int lx_setsockopt(struct ut_stack *st, int fd, int lv, int o, const void *v, socklen_t l)
{
	(void)st;
	return setsockopt(fd, lv, o, v, l);
}

static int lx_getsockname(struct ut_stack *st, int fd, struct sockaddr *a, socklen_t *l)
{
	(void)st;
	return getsockname(fd, a, l);
}

static const struct api linux_api = {
	.name = "linux",
	.socket = lx_socket,
	.bind = lx_bind,
	.listen = lx_listen,
	.accept = lx_accept,
	.connect = lx_connect,
	.send = lx_send,
	.recv = lx_recv,
	.close = lx_close,
	.setsockopt = lx_setsockopt,
	.getsockname = lx_getsockname,
};

static const struct api usertcp_api = {
	.name = "usertcp",
	.socket = ut_socket,
	.bind = ut_bind,
	.listen = ut_listen,
	.accept = ut_accept,
	.connect = ut_connect,
	.send = ut_send,
	.recv = ut_recv,
	.close = ut_close,
	.setsockopt = ut_setsockopt,
	.getsockname = ut_getsockname,
};

/* Lets usertcp's stack process what is queued on its loopback device; the
 * kernel has already done so inside the call that queued it. */
static int pump(const struct api *a)
{
	return a->st ? ut_stack_poll(a->st) : 0;
}

/* ---- small helpers ---------------------------------------------------------*/

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the process (user and system, the kernel's loopback work in
 * system calls included): on a machine shared with other work, the
 * figure that other programs' load leaves alone. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const struct api *a, const char *what)
{
	fprintf(stderr, "bench_tcp: %s: %s: %s\n", a->name, what, strerror(errno));
	exit(1);
}

#define CHECK(a, call)                 \
	do {                           \
		if ((call) < 0)        \
			die(a, #call); \
	} while (0)

static double bench_seconds = 2.0;
static bool with_linux = true; /* false: --usertcp-only, for profiling */

/* One figure's line; a negative value is unknown and prints as n/a. */
static void print_figure(const char *what, const char *unit, int prec, double ut, double lx)
{
	char u[32] = "n/a", l[32] = "n/a", r[32] = "n/a";

	if (ut >= 0)
		snprintf(u, sizeof(u), "%.*f %s", prec, ut, unit);
	if (lx >= 0)
		snprintf(l, sizeof(l), "%.*f %s", prec, lx, unit);
	if (ut >= 0 && lx > 0)
		snprintf(r, sizeof(r), "%.2f", ut / lx);
	printf("%-23s usertcp %-16s linux %-16s ratio %s\n", what, u, l, r);
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

/* A listener on 127.0.0.1 at a port the system picks; *sin receives it. */
static int listener(const struct api *a, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int one = 1, l;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(a, l = a->socket(a->st, AF_INET, SOCK_STREAM, 0));
	CHECK(a, a->setsockopt(a->st, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CHECK(a, a->bind(a->st, l, (struct sockaddr *)sin, sizeof(*sin)));
	CHECK(a, a->listen(a->st, l, 4096));
	CHECK(a, a->getsockname(a->st, l, (struct sockaddr *)sin, &len));
	return l;
}

/* One connection through listener l: *c the client's end, *s the server's.
 * Blocking calls; usertcp's run its stack while they wait. */
static void connect_pair(const struct api *a, int l, const struct sockaddr_in *sin, int *c, int *s)
{
	CHECK(a, *c = a->socket(a->st, AF_INET, SOCK_STREAM, 0));
	CHECK(a, a->connect(a->st, *c, (const struct sockaddr *)sin, sizeof(*sin)));
	CHECK(a, *s = a->accept(a->st, l, NULL, NULL));
}

static void set_int(const struct api *a, int fd, int level, int opt, int v)
{
	CHECK(a, a->setsockopt(a->st, fd, level, opt, &v, sizeof(v)));
}

/* Abortive close on the next close(): a RST and no TIME_WAIT. */
static void set_linger0(const struct api *a, int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	CHECK(a, a->setsockopt(a->st, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
}

/* Blocking exact read of n bytes. */
static void recv_all(const struct api *a, int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = a->recv(a->st, fd, (char *)buf + got, n - got, 0);
		if (r < 0)
			die(a, "recv");
		if (r == 0) {
			fprintf(stderr, "bench_tcp: %s: unexpected end of stream\n", a->name);
			exit(1);
		}
		got += (size_t)r;
	}
}

/* ---- 1. bulk throughput ---------------------------------------------------*/

/* The byte at stream offset k is k % PATTERN_PERIOD: the sender sends
 * straight from pattern[sent % PATTERN_PERIOD], and the receiver compares
 * one read in VERIFY_EVERY against the same place, so a lost, duplicated or
 * corrupted byte is caught at a cost of a few per cent (the same on both
 * stacks). */
#define PATTERN_PERIOD 251
#define VERIFY_EVERY 16

/* Segments sent so far: usertcp's Tcp OutSegs, or the kernel's from
 * /proc/net/snmp (system-wide); -1 if unreadable. */
static double out_segs(const struct api *a)
{
	char names[1024], values[1024];
	FILE *f;
	double v = -1;

	if (a->st) {
		uint64_t n;
		return ut_counter_get(a->st, "Tcp", "OutSegs", &n) == 0 ? (double)n : -1;
	}
	if (!(f = fopen("/proc/net/snmp", "r")))
		return -1;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Tcp:", 4) || !fgets(values, sizeof(values), f))
			continue;
		char *sn, *sv, *n = strtok_r(names, " \n", &sn), *x = strtok_r(values, " \n", &sv);
		while (n && x) {
			if (!strcmp(n, "OutSegs"))
				v = strtod(x, NULL);
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return v;
}

/* One thread moves data client -> server with non-blocking calls: send
 * until the send buffer is full, let the stack run, read all that arrived.
 * Stops sending after `seconds` and stops the clock when the last byte is
 * read. Returns the bytes moved; sets *dt and *segs (segments sent in both
 * directions, -1: unknown). */
static uint64_t bulk_run(const struct api *a, double seconds, double *dt, double *segs)
{
	static char pattern[BULK_CHUNK + PATTERN_PERIOD], rbuf[BULK_CHUNK];
	struct sockaddr_in sin;
	uint64_t sent = 0, got = 0, reads = 0;
	int l = listener(a, &sin), c, s;
	double t0, t_stop = 0, segs0;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)(i % PATTERN_PERIOD);
	connect_pair(a, l, &sin, &c, &s);
	segs0 = out_segs(a);
	t0 = now_s();
	for (;;) {
		bool sending = t_stop == 0;
		double t = now_s();

		if (sending && t - t0 >= seconds) {
			t_stop = t;
			sending = false;
		}
		while (sending) {
			ssize_t r = a->send(a->st, c, pattern + sent % PATTERN_PERIOD, BULK_CHUNK,
					    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN)
				die(a, "send");
			if (r <= 0)
				break;
			sent += (uint64_t)r;
			if (r < BULK_CHUNK)
				break;
		}
		pump(a);
		for (;;) {
			ssize_t r = a->recv(a->st, s, rbuf, sizeof(rbuf), MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN)
				die(a, "recv");
			if (r <= 0)
				break;
			if (++reads % VERIFY_EVERY == 0 &&
			    memcmp(rbuf, pattern + got % PATTERN_PERIOD, (size_t)r)) {
				fprintf(stderr,
					"bench_tcp: %s: bulk: wrong bytes at offset "
					"%llu\n",
					a->name, (unsigned long long)got);
				exit(1);
			}
			got += (uint64_t)r;
		}
		if (!sending && got == sent)
			break;
		if (!sending && now_s() - t_stop > DRAIN_LIMIT_S) {
			fprintf(stderr, "bench_tcp: %s: bulk: %llu of %llu bytes arrived\n",
				a->name, (unsigned long long)got, (unsigned long long)sent);
			exit(1);
		}
	}
	*dt = now_s() - t0;
	*segs = segs0 < 0 ? -1 : out_segs(a) - segs0;
	CHECK(a, a->close(a->st, c));
	pump(a);
	CHECK(a, a->close(a->st, s));
	CHECK(a, a->close(a->st, l));
	pump(a);
	return got;
}

static void bench_bulk(const struct api *ut)
{
	double dt_ut, dt_lx = 0, sg_ut, sg_lx = -1;
	char b1[32], b2[32];
	/* The same wall time for both: moving usertcp's byte count through
	 * Linux would take several times as long. */
	uint64_t n_ut = bulk_run(ut, bench_seconds, &dt_ut, &sg_ut);
	uint64_t n_lx = with_linux ? bulk_run(&linux_api, bench_seconds, &dt_lx, &sg_lx) : 0;

	printf("# bulk: client -> server, %d KiB per send() and recv(), one thread,\n"
	       "#   non-blocking, default socket options, 1 read in %d checked;\n"
	       "#   usertcp %.0f MiB in %.2f s, linux %.0f MiB in %.2f s;\n"
	       "#   segments sent (data + ACKs): usertcp %s, linux %s\n",
	       BULK_CHUNK / 1024, VERIFY_EVERY, (double)n_ut / (1 << 20), dt_ut,
	       (double)n_lx / (1 << 20), dt_lx, fmt_na(b1, sizeof(b1), sg_ut, 0),
	       fmt_na(b2, sizeof(b2), sg_lx, 0));
	print_figure("bulk throughput", "Gbit/s", 2, (double)n_ut * 8 / dt_ut / 1e9,
		     with_linux ? (double)n_lx * 8 / dt_lx / 1e9 : -1);
}

/* ---- 2. connections per second -------------------------------------------*/

/* Each round: connect, accept, 64 bytes there and back, then the client
 * closes with SO_LINGER {1, 0} (a RST, no TIME_WAIT, so ephemeral ports
 * never run out) and the server closes its end. */
static double crr_run(const struct api *a, double seconds, double *segs_per_conn, double *per_cpu_s)
{
	char buf[ECHO_LEN];
	struct sockaddr_in sin;
	int l = listener(a, &sin);
	uint64_t n = 0;
	double segs0 = out_segs(a), c0 = cpu_s(), t0 = now_s(), t;

	memset(buf, 'e', sizeof(buf));
	do {
		int c, s;

		connect_pair(a, l, &sin, &c, &s);
		set_linger0(a, c);
		if (a->send(a->st, c, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
			die(a, "send");
		recv_all(a, s, buf, sizeof(buf));
		if (a->send(a->st, s, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf))
			die(a, "send");
		recv_all(a, c, buf, sizeof(buf));
		CHECK(a, a->close(a->st, c));
		pump(a); /* the RST reaches the server, as in the kernel */
		CHECK(a, a->close(a->st, s));
		n++;
		t = now_s();
	} while (t - t0 < seconds);
	if (per_cpu_s)
		*per_cpu_s = (double)n / (cpu_s() - c0);
	*segs_per_conn = segs0 < 0 ? -1 : (out_segs(a) - segs0) / (double)n;
	CHECK(a, a->close(a->st, l));
	pump(a);
	return (double)n / (t - t0);
}

static void bench_crr(const struct api *ut)
{
	double su, sx = -1, u = crr_run(ut, bench_seconds, &su, NULL),
		   x = with_linux ? crr_run(&linux_api, bench_seconds, &sx, NULL) : -1;
	char b1[32], b2[32];

	printf("# connections: connect, accept, %d bytes each way, close; client closes\n"
	       "#   with SO_LINGER {1, 0} (RST, no TIME_WAIT) on both stacks; blocking calls;\n"
	       "#   segments per connection: usertcp %s, linux %s\n",
	       ECHO_LEN, fmt_na(b1, sizeof(b1), su, 2), fmt_na(b2, sizeof(b2), sx, 2));
	print_figure("connections/s", "conn/s", 0, u, x);
}

/* ---- 3. round trips per second --------------------------------------------*/

/* batch: usertcp's 64 round trips between clock reads form one
 * ut_stack_batch_begin/end batch. */
static double rr_run(const struct api *a, double *segs_per_rt, bool batch, double *per_cpu_s)
{
	struct sockaddr_in sin;
	int l = listener(a, &sin), c, s;
	uint64_t n = 0;
	char b = 'p';
	double segs0, t0, t, c0;

	connect_pair(a, l, &sin, &c, &s);
	set_int(a, c, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int(a, s, IPPROTO_TCP, TCP_NODELAY, 1);
	segs0 = out_segs(a);
	c0 = cpu_s();
	t0 = now_s();
	do {
		/* 64 round trips between clock reads */
		if (batch && a->st)
			ut_stack_batch_begin(a->st);
		for (int i = 0; i < 64; i++) {
			if (a->send(a->st, c, &b, 1, MSG_NOSIGNAL) != 1)
				die(a, "send");
			recv_all(a, s, &b, 1);
			if (a->send(a->st, s, &b, 1, MSG_NOSIGNAL) != 1)
				die(a, "send");
			recv_all(a, c, &b, 1);
		}
		if (batch && a->st)
			ut_stack_batch_end(a->st);
		n += 64;
		t = now_s();
	} while (t - t0 < bench_seconds);
	*per_cpu_s = (double)n / (cpu_s() - c0);
	*segs_per_rt = segs0 < 0 ? -1 : (out_segs(a) - segs0) / (double)n;
	CHECK(a, a->close(a->st, c));
	pump(a);
	CHECK(a, a->close(a->st, s));
	CHECK(a, a->close(a->st, l));
	pump(a);
	return (double)n / (t - t0);
}

static void bench_rr(const struct api *ut)
{
	double su, sb, sx = -1, cu, cb, cx = -1, u = rr_run(ut, &su, false, &cu),
		       x = with_linux ? rr_run(&linux_api, &sx, false, &cx) : -1,
		       ub = rr_run(ut, &sb, true, &cb);
	char b1[32], b2[32], b3[32];

	printf("# round trips: 1 byte each way on one connection, TCP_NODELAY, blocking\n"
	       "#   calls, client and server on the same thread; segments per round trip:\n"
	       "#   usertcp %s, linux %s; \"batched\": usertcp's 64 round trips between\n"
	       "#   two clock reads of the benchmark in one ut_stack_batch_begin/end\n"
	       "#   (one clock reading, and one more per wait), beside linux's same figure\n",
	       fmt_na(b1, sizeof(b1), su, 2), fmt_na(b2, sizeof(b2), sx, 2));
	print_figure("round trips/s", "rt/s", 0, u, x);
	print_figure("round trips/s, batched", "rt/s", 0, ub, x);
	printf("# round trips per CPU second: usertcp %.0f, batched %.0f, linux %s\n", cu, cb,
	       fmt_na(b3, sizeof(b3), cx, 0));
}

/* ---- 4. memory per idle established connection ----------------------------*/

/* Kernel memory in slab objects: the sum of active objects times object
 * size over every cache in /proc/slabinfo (root only), else the Slab line
 * of /proc/meminfo. Sets *src to what was read; -1 if neither is readable. */
static double kernel_slab_bytes(const char **src)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");
	double sum = 0;

	if (f) {
		*src = "/proc/slabinfo, active objects x size, all caches";
		while (fgets(line, sizeof(line), f)) {
			char name[128];
			unsigned long active, total, size;
			if (sscanf(line, "%127s %lu %lu %lu", name, &active, &total, &size) == 4)
				sum += (double)active * (double)size;
		}
		fclose(f);
		return sum;
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	*src = "/proc/meminfo Slab (system-wide; /proc/slabinfo unreadable)";
	sum = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;
		if (sscanf(line, "Slab: %lu kB", &kb) == 1)
			sum = (double)kb * 1024;
	}
	fclose(f);
	return sum;
}

/* Opens n connections and returns the growth of `measure` per connection
 * (both ends: a client socket and the server socket accept() gave). */
static double mem_run(const struct api *a, unsigned n, double (*measure)(const char **),
		      const char **src)
{
	int *fds = malloc(2 * (size_t)n * sizeof(*fds));
	struct sockaddr_in sin;
	int l = listener(a, &sin), c, s;
	double before, after;

	if (!fds)
		die(a, "malloc");
	/* One connection made and closed first, so that buffer pools and
	 * tables reach their resting size before the first reading. */
	connect_pair(a, l, &sin, &c, &s);
	set_linger0(a, c);
	CHECK(a, a->close(a->st, c));
	pump(a);
	CHECK(a, a->close(a->st, s));
	while (pump(a) > 0)
		;
	before = measure(src);
	for (unsigned i = 0; i < n; i++)
		connect_pair(a, l, &sin, &fds[2 * i], &fds[2 * i + 1]);
	while (pump(a) > 0)
		;
	after = measure(src);
	for (unsigned i = 0; i < n; i++) {
		set_linger0(a, fds[2 * i]);
		CHECK(a, a->close(a->st, fds[2 * i]));
		pump(a);
		CHECK(a, a->close(a->st, fds[2 * i + 1]));
	}
	CHECK(a, a->close(a->st, l));
	while (pump(a) > 0)
		;
	free(fds);
	if (before < 0 || after < 0)
		return -1;
	return (after - before) / n;
}

/* Bytes of heap in use: glibc's arenas and its mmapped blocks. -1 when
 * mallinfo2() knows nothing (another allocator, as under ASan). */
static double measure_heap(const char **src)
{
	struct mallinfo2 mi = mallinfo2();
	double v = (double)mi.uordblks + (double)mi.hblkhd;

	*src = v > 0 ? "mallinfo2(): heap in use" : "n/a (mallinfo2() reports nothing)";
	return v > 0 ? v : -1;
}

static void bench_mem(const struct api *ut)
{
	const char *ut_src = "", *lx_src = "n/a";
	struct rlimit rl;
	unsigned n = MEM_CONNS;
	double u, x;

	/* Linux needs a descriptor per end: raise the soft limit to the hard
	 * one, and use fewer connections (on both stacks) if still short. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * (rlim_t)n + 64)
			n = rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur - 64) / 2 : 32;
	}
	u = mem_run(ut, n, measure_heap, &ut_src);
	x = with_linux ? mem_run(&linux_api, n, kernel_slab_bytes, &lx_src) : -1;
	printf("# memory: %u idle established connections on each stack; bytes per\n"
	       "#   connection = growth / %u, counting both ends (client + accepted socket)\n"
	       "#   usertcp: %s; linux: %s\n",
	       n, n, ut_src, lx_src);
	print_figure("memory/connection", "bytes", 0, u, x);
}

/* ---- main -------------------------------------------------------------------*/

/* Gives usertcp the host kernel's TCP buffer settings (min, default, max of
 * net.ipv4.tcp_rmem and tcp_wmem), so that both stacks start from and grow
 * to the same sizes: Linux's defaults changed across versions (recent
 * kernels raised tcp_rmem's maximum from 6 MiB to 32 MiB). Describes what
 * it did in note. */
static void copy_host_buffers(struct ut_stack *st, char *note, size_t size)
{
	static const char *const which[] = {"tcp_rmem", "tcp_wmem"};
	static const char *const field[] = {"min", "default", "max"};
	size_t used = 0;

	note[0] = 0;
	for (int w = 0; w < 2; w++) {
		char path[64], name[64];
		long v[3];
		FILE *f;
		int ok;

		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", which[w]);
		if (!(f = fopen(path, "r")))
			continue;
		ok = fscanf(f, "%ld %ld %ld", &v[0], &v[1], &v[2]) == 3;
		fclose(f);
		if (!ok)
			continue;
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "net.ipv4.%s.%s", which[w], field[i]);
			ok &= ut_sysctl_set(st, name, v[i]) == 0;
		}
		used += (size_t)snprintf(note + used, size - used, "%s%s %ld %ld %ld%s",
					 used ? ", " : "the host's ", which[w], v[0], v[1], v[2],
					 ok ? "" : " (not all taken)");
		if (used >= size)
			break;
	}
}

/* ---- 5. connections per second beside many TIME_WAIT sockets -------------*/

/* The TIME_WAIT sockets are the client ends of connections made to
 * TW_DESTS listeners on 127.0.0.1, ports TW_PORT0 and up (below the
 * ephemeral range, so they take none of its ports), round robin, each
 * closed by the client first (FIN; the server's close follows), which
 * leaves the client end in TIME_WAIT: count / TW_DESTS 4-tuples per
 * destination, about 3,900 at a million, so every ephemeral port holds
 * about 35 TIME_WAIT sockets to other destinations, as on a busy client
 * (a proxy or a crawler). Part 2's connections/s run then connects to a
 * listener of its own, whose destination has none, while they are
 * present.
 *
 * Two stacks (for Linux, two network namespaces) take turns: one never
 * holds a TIME_WAIT socket, the other gathers them, and the runs
 * alternate TW_REPS times at each level, each figure the best of its
 * runs, so that the load other programs put on a shared machine falls
 * on both alike. */
#define TW_DESTS 256
#define TW_PORT0 20000
#define TW_MAX_BUCKETS 2000000L /* net.ipv4.tcp_max_tw_buckets on both stacks */
#define TW_REPS 5

static const unsigned tw_levels[] = {0, 100000, 1000000};
enum { TW_NLEVELS = sizeof(tw_levels) / sizeof(tw_levels[0]) };

struct tw_result {
	double cps[TW_NLEVELS];	    /* connections/s beside them */
	double cpu[TW_NLEVELS];	    /* the same per CPU second */
	double present[TW_NLEVELS]; /* TIME_WAIT sockets counted before the runs */
	double fill_s;		    /* seconds to make the last level's sockets */
	double bytes_per_tw;	    /* memory growth per TIME_WAIT socket; -1 unknown */
	char mem_src[80];
};

/* TIME_WAIT sockets on the stack: usertcp's sockstat, or the "tw" field
 * of /proc/net/sockstat's TCP line (this network namespace's). */
static double tw_present(const struct api *a)
{
	char line[256];
	FILE *f;
	double v = -1;

	if (a->st) {
		struct ut_sockstat ss;
		ut_sockstat_get(a->st, &ss);
		return ss.tcp_tw;
	}
	if (!(f = fopen("/proc/net/sockstat", "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long inuse, orphan, tw;
		if (sscanf(line, "TCP: inuse %lu orphan %lu tw %lu", &inuse, &orphan, &tw) == 3)
			v = (double)tw;
	}
	fclose(f);
	return v;
}

/* Linux's two network namespaces (descriptors of /proc/self/ns/net);
 * -1 for usertcp, whose two stacks need no switching. */
static int tw_netns[2] = {-1, -1};

static void tw_enter(int which)
{
	if (tw_netns[which] >= 0 && setns(tw_netns[which], CLONE_NEWNET) < 0) {
		perror("bench_tcp: setns");
		exit(1);
	}
}

/* empty: the stack without TIME_WAIT sockets; full: the one that gathers
 * them. */
static void tw_run(const struct api *empty, const struct api *full, struct tw_result *r,
		   double (*measure)(const char **))
{
	struct sockaddr_in dst[TW_DESTS];
	int lfd[TW_DESTS], one = 1;
	unsigned made = 0;
	const char *src = "n/a";
	double segs, m0 = -1, m1 = -1, t0 = 0, run_s = bench_seconds / TW_REPS;
	const struct api *a = full;

	tw_enter(1);
	for (unsigned d = 0; d < TW_DESTS; d++) {
		memset(&dst[d], 0, sizeof(dst[d]));
		dst[d].sin_family = AF_INET;
		dst[d].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		dst[d].sin_port = htons((uint16_t)(TW_PORT0 + d));
		CHECK(a, lfd[d] = a->socket(a->st, AF_INET, SOCK_STREAM, 0));
		CHECK(a, a->setsockopt(a->st, lfd[d], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
		CHECK(a, a->bind(a->st, lfd[d], (struct sockaddr *)&dst[d], sizeof(dst[d])));
		CHECK(a, a->listen(a->st, lfd[d], 4096));
	}
	for (unsigned lv = 1; lv < TW_NLEVELS; lv++) {
		tw_enter(1);
		if (lv == TW_NLEVELS - 1) {
			m0 = measure(&src);
			t0 = now_s();
		}
		/* Until that many are counted: over loopback, both stacks
		 * let connect() take over a TIME_WAIT socket of the same
		 * 4-tuple older than a second (tcp_tw_reuse 2), so a few
		 * connections replace one instead of adding one. */
		while (tw_present(a) < tw_levels[lv]) {
			unsigned todo = tw_levels[lv] - (unsigned)tw_present(a);
			for (unsigned k = 0; k < todo; k++, made++) {
				unsigned d = made % TW_DESTS;
				int c, s;

				connect_pair(a, lfd[d], &dst[d], &c, &s);
				CHECK(a, a->close(a->st, c));
				pump(a); /* the FIN reaches the server, which answers */
				CHECK(a, a->close(a->st, s));
				pump(a); /* its FIN: the client enters TIME_WAIT */
			}
			while (pump(a) > 0)
				;
		}
		if (lv == TW_NLEVELS - 1) {
			r->fill_s = now_s() - t0;
			m1 = measure(&src);
		}
		r->present[lv] = tw_present(a);
		for (int rep = 0; rep < TW_REPS; rep++) {
			double cps, cpu;

			tw_enter(0);
			cps = crr_run(empty, run_s, &segs, &cpu);
			r->cps[0] = cps > r->cps[0] ? cps : r->cps[0];
			r->cpu[0] = cpu > r->cpu[0] ? cpu : r->cpu[0];
			tw_enter(1);
			cps = crr_run(full, run_s, &segs, &cpu);
			r->cps[lv] = cps > r->cps[lv] ? cps : r->cps[lv];
			r->cpu[lv] = cpu > r->cpu[lv] ? cpu : r->cpu[lv];
		}
	}
	tw_enter(0);
	r->present[0] = tw_present(empty);
	tw_enter(1);
	snprintf(r->mem_src, sizeof(r->mem_src), "%s", src);
	r->bytes_per_tw = m0 < 0 || m1 < 0 ? -1
					   : (m1 - m0) / (r->present[TW_NLEVELS - 1] -
							  r->present[TW_NLEVELS - 2]);
	for (unsigned d = 0; d < TW_DESTS; d++)
		CHECK(a, a->close(a->st, lfd[d]));
	pump(a);
}

/* A new network namespace with lo up and tcp_max_tw_buckets raised; the
 * process enters it. Its descriptor, or -1. */
static int tw_new_netns(void)
{
	struct ifreq ifr;
	int fd, ok = unshare(CLONE_NEWNET) == 0;
	FILE *f;

	if (ok) {
		/* A new namespace's lo starts down. */
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		ok = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
		ifr.ifr_flags |= IFF_UP;
		ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
		if (fd >= 0)
			close(fd);
	}
	if (ok && (f = fopen("/proc/sys/net/ipv4/tcp_max_tw_buckets", "w"))) {
		ok = fprintf(f, "%ld\n", TW_MAX_BUCKETS) > 0;
		ok = (fclose(f) == 0) && ok;
	} else {
		ok = 0;
	}
	return ok ? open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
}

/* Linux's side runs in a child process, in two network namespaces of its
 * own, so that its million TIME_WAIT sockets (held for 60 s) and the
 * raised tcp_max_tw_buckets never touch the host's loopback, which other
 * programs share. Needs CAP_SYS_ADMIN; false (and Linux's column n/a)
 * otherwise. */
static bool tw_run_linux(struct tw_result *r, const char **why)
{
	int p[2], ok = 0;
	pid_t pid;
	ssize_t got = 0;

	if (pipe(p) < 0 || (pid = fork()) < 0) {
		*why = "pipe or fork failed";
		return false;
	}
	if (pid == 0) {
		close(p[0]);
		tw_netns[0] = tw_new_netns();
		tw_netns[1] = tw_netns[0] >= 0 ? tw_new_netns() : -1;
		ok = tw_netns[1] >= 0;
		if (ok)
			tw_run(&linux_api, &linux_api, r, kernel_slab_bytes);
		if (write(p[1], &ok, sizeof(ok)) != sizeof(ok) ||
		    (ok && write(p[1], r, sizeof(*r)) != sizeof(*r)))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ok, sizeof(ok)) == sizeof(ok) && ok)
		got = read(p[0], r, sizeof(*r));
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (!ok || got != sizeof(*r)) {
		*why = "no network namespace of its own (unshare(CLONE_NEWNET) needs root), "
		       "or its lo or tcp_max_tw_buckets could not be set";
		return false;
	}
	return true;
}

static struct ut_stack *tw_stack(void)
{
	struct ut_stack *st;
	char note[160];
	int rc;

	if ((rc = ut_stack_create(NULL, &st)) < 0) {
		fprintf(stderr, "bench_tcp: ut_stack_create: %s\n", strerror(-rc));
		exit(1);
	}
	copy_host_buffers(st, note, sizeof(note));
	if (ut_sysctl_set(st, "net.ipv4.tcp_max_tw_buckets", TW_MAX_BUCKETS) < 0) {
		fprintf(stderr, "bench_tcp: tcp_max_tw_buckets not settable\n");
		exit(1);
	}
	return st;
}

static void bench_tw(const struct api *ut_main)
{
	struct tw_result u = {0}, x = {0};
	struct api empty = *ut_main, full = *ut_main;
	const char *why = "--usertcp-only";
	bool lx = false;
	char b1[32], b2[32], b3[32];

	/* Stacks of their own: the raised limit and a million sockets stay
	 * out of the other parts' way. */
	empty.st = tw_stack();
	full.st = tw_stack();
	tw_run(&empty, &full, &u, measure_heap);
	ut_stack_destroy(full.st);
	ut_stack_destroy(empty.st);
	if (with_linux)
		lx = tw_run_linux(&x, &why);
	printf("# TIME_WAIT: connections/s (part 2's run) to a listener of its own while\n"
	       "#   N client-side TIME_WAIT sockets are present, made by connect/accept/close\n"
	       "#   (client first) to %d listeners on 127.0.0.1:%d-%d round robin, N/%d\n"
	       "#   4-tuples per destination; tcp_max_tw_buckets %ld; runs alternate with\n"
	       "#   a stack that has none (best of %d each); linux in network namespaces\n"
	       "#   of its own%s%s\n"
	       "#   present (counted): usertcp %.0f / %.0f / %.0f, linux %s / %s / %s\n",
	       TW_DESTS, TW_PORT0, TW_PORT0 + TW_DESTS - 1, TW_DESTS, TW_MAX_BUCKETS, TW_REPS,
	       lx ? "" : ": n/a, ", lx ? "" : why, u.present[0], u.present[1], u.present[2],
	       fmt_na(b1, sizeof(b1), lx ? x.present[0] : -1, 0),
	       fmt_na(b2, sizeof(b2), lx ? x.present[1] : -1, 0),
	       fmt_na(b3, sizeof(b3), lx ? x.present[2] : -1, 0));
	printf("#   making the last %u: usertcp %.1f s, linux %s s\n"
	       "#   memory per TIME_WAIT socket: usertcp %s; linux %s\n",
	       tw_levels[TW_NLEVELS - 1] - tw_levels[TW_NLEVELS - 2], u.fill_s,
	       fmt_na(b1, sizeof(b1), lx ? x.fill_s : -1, 1), u.mem_src, lx ? x.mem_src : "n/a");
	for (unsigned lv = 0; lv < TW_NLEVELS; lv++) {
		char what[32];
		snprintf(what, sizeof(what), "conn/s, %uk TIME_WAIT", tw_levels[lv] / 1000);
		print_figure(what, "conn/s", 0, u.cps[lv], lx ? x.cps[lv] : -1);
	}
	for (unsigned lv = 0; lv < TW_NLEVELS; lv++) {
		char what[32];
		snprintf(what, sizeof(what), "conn/CPU-s, %uk TW", tw_levels[lv] / 1000);
		print_figure(what, "conn/s", 0, u.cpu[lv], lx ? x.cpu[lv] : -1);
	}
	print_figure("bytes/TIME_WAIT socket", "bytes", 0, u.bytes_per_tw,
		     lx ? x.bytes_per_tw : -1);
	printf("# with 1M TIME_WAIT / with none, per second and per CPU second: usertcp %.2f and\n"
	       "#   %.2f, linux %s and %s\n",
	       u.cps[TW_NLEVELS - 1] / u.cps[0], u.cpu[TW_NLEVELS - 1] / u.cpu[0],
	       fmt_na(b1, sizeof(b1), lx ? x.cps[TW_NLEVELS - 1] / x.cps[0] : -1, 2),
	       fmt_na(b2, sizeof(b2), lx ? x.cpu[TW_NLEVELS - 1] / x.cpu[0] : -1, 2));
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(const struct api *);
	} parts[] = {{"bulk", bench_bulk},
		     {"crr", bench_crr},
		     {"rr", bench_rr},
		     {"mem", bench_mem},
		     {"tw", bench_tw}};
	enum { NPARTS = sizeof(parts) / sizeof(parts[0]) };
	const char *env = getenv("BENCH_SECONDS");
	bool chosen[NPARTS] = {false}, any = false;
	struct api ut = usertcp_api;
	char note[160];
	int rc;

	if (env && *env) {
		char *end;
		double v = strtod(env, &end);
		if (*end || !(v > 0)) {
			fprintf(stderr, "bench_tcp: BENCH_SECONDS=%s: not a positive number\n",
				env);
			return 2;
		}
		bench_seconds = v;
	}
	for (int i = 1; i < argc; i++) {
		bool known = false;
		if (strcmp(argv[i], "--usertcp-only") == 0) {
			with_linux = false;
			continue;
		}
		for (size_t p = 0; p < NPARTS; p++) {
			if (strcmp(argv[i], parts[p].name) == 0)
				chosen[p] = known = any = true;
		}
		if (!known) {
			fprintf(stderr,
				"usage: bench_tcp [--usertcp-only] [bulk] [crr] [rr] [mem] [tw]\n");
			return 2;
		}
	}
	if ((rc = ut_stack_create(NULL, &ut.st)) < 0) {
		fprintf(stderr, "bench_tcp: ut_stack_create: %s\n", strerror(-rc));
		return 1;
	}
	copy_host_buffers(ut.st, note, sizeof(note));
	printf("# usertcp: one stack on the real clock, client and server over 127.0.0.1\n"
	       "#   on its lo (MTU 65536, checksums offloaded); linux: kernel sockets over\n"
	       "#   127.0.0.1; same process, same thread, same code; %.2g s per timed run\n"
	       "# buffers on both stacks: %s\n"
	       "# ratio = usertcp / linux\n",
	       bench_seconds, note[0] ? note : "usertcp's defaults (the host's are unreadable)");
	for (size_t p = 0; p < NPARTS; p++)
		if (chosen[p] || !any)
			parts[p].run(&ut);
	ut_stack_destroy(ut.st);
	return 0;
}
