/* usertcp against the Linux kernel over a TAP interface, one TCP stream each
 * way, with the kernel's offloads (virtio-net headers, the default) and
 * without (UT_DEV_F_NO_OFFLOAD), beside the kernel against itself over a
 * veth pair in the same run (the anchor): throughput and CPU seconds per GB
 * on each side (issue 14, item 6). Figures only; the exit status is 1 when a
 * call fails or a transfer delivers wrong bytes. Needs root and
 * /dev/net/tun; otherwise it prints `skipped: <why>` and exits 0.
 *
 *   bench_tap [k2u] [u2k] [offload] [no-offload]   (rows; default: all four)
 *   bench_tap --no-veth           (leave out the veth anchor)
 *   bench_tap --veth-plain        (a veth row with one segment a packet too,
 *                                  the no-offload rows' anchor)
 *   bench_tap --veth-only         (the veth rows alone)
 *   bench_tap --nstat             (every counter that moved, both sides)
 *   bench_tap --repeat 3          (three passes, each with its own anchor)
 *   MB=100 bench_tap, bench_tap --mb 100   (MB of 1,048,576 bytes per run;
 *                                  default 1024)
 *   BENCH_SECONDS=2 bench_tap     (each sender stops after 2 s instead, or
 *                                  at MB if also set)
 *
 * The kernel's side is a child process per stream that enters a network
 * namespace of this run's (setns) and uses plain sockets. usertcp's side is
 * this process: one stack on the real clock with its stack thread, one
 * device opened on the namespace's tap (ut_dev_open_tuntap, with the
 * namespace entered for that call only), one ut_ socket on the main thread.
 * The namespaces (tap: bt-tap-PID; veth: bt-va-PID and bt-vb-PID) are made
 * with iproute2 and deleted at exit, on failure and on SIGINT, SIGTERM,
 * SIGHUP and the stall watchdog's SIGALRM.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>

#include "usertcp/dev.h"
#include "usertcp/group.h"
#include "usertcp/socket.h"

#define CHUNK (64 * 1024)  /* bytes per send() and recv(), both sides */
#define PATTERN_PERIOD 251 /* byte k of the stream is k % 251 */
#define VERIFY_EVERY 16	   /* the receiver compares one read in 16 */
#define MAX_STREAMS 16	   /* kernel peers per run (one per queue, later) */
#define PORT0 5201	   /* stream i of a run listens on PORT0 + i */
#define MIB 1048576.0	   /* an "MB" of the per-MB figures, as tap-throughput.sh */
#define GB 1e9		   /* a "GB" of the s/GB figures; Gbit/s is 1e9 bits */
#define TAP_IF "tap0"	   /* in the tap namespace, as scripts/netns-tap.sh */
#define TAP_KERNEL "10.99.0.1"
#define TAP_USERTCP "10.99.0.2"
#define VETH_A "10.98.0.1" /* va, in bt-va-PID: the veth anchor's sender */
#define VETH_B "10.98.0.2" /* vb, in bt-vb-PID: its receiver */

/* ---- what to run ----------------------------------------------------------*/

static unsigned max_queues = 1;			 /* --queues N: rows for 1 .. N queues */
static bool group_only;				 /* --group-only: no plain (stack thread) rows */
static bool show_nstat;				 /* --nstat: every counter that moved, per row */
static uint64_t limit_bytes = 1024 * 1048576ull; /* per run; 0: time only */
static double limit_s;				 /* per run; 0: size only */
static unsigned watchdog_s;			 /* a run that takes longer stalled */
static char pattern[CHUNK + PATTERN_PERIOD];

/* ---- cleaning up what the run made ----------------------------------------*/

static const char *ip_path;
static char ns_tap[32], ns_va[32], ns_vb[32];
static pid_t owner;			     /* only this process cleans up */
static volatile pid_t kids[MAX_STREAMS * 2]; /* peers alive, 0 where none */

/* Runs `ip ARGS...` and returns its exit status (-1: could not run it).
 * fork, execve and waitpid only, so that the signal handlers may call it;
 * quiet: its output goes to /dev/null. */
static int ip_argv(char *const argv[], bool quiet)
{
	extern char **environ;
	int st;
	pid_t p = fork();

	if (p < 0)
		return -1;
	if (p == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
		}
		execve(ip_path, argv, environ);
		_exit(127);
	}
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ip(NULL-terminated words): the same, with its errors shown. */
static int ip(const char *first, ...)
{
	char *argv[24];
	const char *w = first;
	int n = 0;
	va_list ap;

	argv[n++] = (char *)"ip";
	va_start(ap, first);
	while (w && n < 23) {
		argv[n++] = (char *)w;
		w = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[n] = NULL;
	return ip_argv(argv, false);
}

static void ns_del(char *name)
{
	char *argv[] = {(char *)"ip", (char *)"netns", (char *)"del", name, NULL};

	if (name[0]) {
		ip_argv(argv, true);
		name[0] = 0;
	}
}

/* Kills the peers still alive and deletes the namespaces. Called at exit
 * and from the signal handlers (async-signal-safe calls only). */
static void cleanup(void)
{
	if (getpid() != owner)
		return;
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
	}
	ns_del(ns_tap);
	ns_del(ns_va);
	ns_del(ns_vb);
}

static void on_signal(int sig)
{
	static const char stalled[] = "bench_tap: a run stalled (watchdog); cleaning up\n";

	if (sig == SIGALRM && write(2, stalled, sizeof(stalled) - 1) < 0) {
		/* nothing to do about it */
	}
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static _Noreturn void die(const char *what, int err)
{
	fprintf(stderr, "bench_tap: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ---- clocks and counters --------------------------------------------------*/

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* User plus system CPU seconds of the process (RUSAGE_SELF: every thread)
 * or of the calling thread (RUSAGE_THREAD); *sys, if asked for, the
 * system part (the kernel's work in system calls, softirq included). */
static double cpu_of(int who, double *sys)
{
	struct rusage ru;

	getrusage(who, &ru);
	if (sys)
		*sys = tv_s(ru.ru_stime);
	return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

/* The kernel's counters of the reading thread's namespace, as nstat names
 * them (TcpRetransSegs, TcpExtTCPLossProbes): /proc/net/snmp and netstat. */
#define NSTAT_MAX 512
struct nstat {
	unsigned n;
	char name[NSTAT_MAX][48];
	uint64_t v[NSTAT_MAX];
};

static void nstat_read(struct nstat *s)
{
	static const char *const files[] = {"/proc/net/snmp", "/proc/net/netstat"};
	static char names[8192], values[8192];

	s->n = 0;
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		if (!f)
			continue;
		while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
			char *sn, *sv, *n = strtok_r(names, " \n", &sn);
			char *x = strtok_r(values, " \n", &sv), *group = n;
			if (!n || !x)
				continue;
			group[strlen(group) - 1] = 0; /* the colon */
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
			for (; n && x && s->n < NSTAT_MAX;
			     n = strtok_r(NULL, " \n", &sn), x = strtok_r(NULL, " \n", &sv)) {
				snprintf(s->name[s->n], sizeof(s->name[0]), "%s%s", group, n);
				s->v[s->n++] = strtoull(x, NULL, 10);
			}
		}
		fclose(f);
	}
}

static uint64_t nstat_get(const struct nstat *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->v[i];
	return 0;
}

/* "name delta" for every counter that moved from a to b, into out. */
static void nstat_diff(const struct nstat *a, const struct nstat *b, char *out, size_t size)
{
	size_t used = 0;

	out[0] = 0;
	for (unsigned i = 0; i < b->n && used < size; i++) {
		uint64_t d = b->v[i] - nstat_get(a, b->name[i]);
		if (d && d < (1ull << 62))
			used += (size_t)snprintf(out + used, size - used, " %s %" PRIu64,
						 b->name[i], d);
	}
}

/* The drops of interface ifname in /proc/net/dev (the reading thread's
 * namespace): what it dropped receiving and sending. For a tap, tx_drop
 * counts frames for usertcp that found the tun queue full. */
static void netdev_drops(const char *ifname, uint64_t *rx_drop, uint64_t *tx_drop)
{
	char line[512];
	FILE *f = fopen("/proc/net/dev", "r");

	*rx_drop = *tx_drop = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *name = line;
		unsigned long long v[16];

		if (!colon)
			continue;
		*colon = 0;
		while (*name == ' ')
			name++;
		if (strcmp(name, ifname))
			continue;
		if (sscanf(colon + 1,
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
			   &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) == 16) {
			*rx_drop = v[3];
			*tx_drop = v[11];
		}
	}
	fclose(f);
}

/* CPU seconds of every ksoftirqd thread: softirq work the kernel deferred
 * there is charged to neither side. */
static double ksoftirqd_s(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	double ticks = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, "(ksoftirqd/")) {
			char *p = strrchr(buf, ')');
			unsigned long ut, st;
			/* after the comm: state ppid pgrp session tty tpgid flags
			 * minflt cminflt majflt cmajflt utime stime */
			if (p &&
			    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				   &ut, &st) == 2)
				ticks += (double)(ut + st);
		}
		fclose(f);
	}
	closedir(d);
	return ticks / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds the whole machine spent busy (every CPU, anything not idle
 * or waiting for I/O), from /proc/stat: this run and other work alike. */
static double machine_busy_s(void)
{
	unsigned long long v[10] = {0}, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	for (int i = 0; i < n && i < 8; i++)
		if (i != 3 && i != 4) /* idle, iowait */
			busy += v[i];
	return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

/* ---- one stream, on either stack ------------------------------------------*/

/* The calls a stream makes: on usertcp's stack st, or on the kernel's
 * sockets when st is NULL. */
static ssize_t io_send(struct ut_stack *st, int fd, const void *b, size_t n)
{
	return st ? ut_send(st, fd, b, n, 0) : send(fd, b, n, 0);
}

static ssize_t io_recv(struct ut_stack *st, int fd, void *b, size_t n)
{
	return st ? ut_recv(st, fd, b, n, 0) : recv(fd, b, n, 0);
}

static int io_shutdown(struct ut_stack *st, int fd, int how)
{
	return st ? ut_shutdown(st, fd, how) : shutdown(fd, how);
}

/* What one end of a stream saw. The times are CLOCK_MONOTONIC, which every
 * process and namespace shares: a run's wall time is the receiver's
 * t_last minus the sender's t_first. cpu: the CPU seconds of the end's
 * process over the transfer. */
struct xfer {
	uint64_t bytes;
	double t_first, t_last, cpu, cpu_sys;
	int err;			 /* errno of the call that failed, 0 if none */
	char what[40];			 /* which call */
	bool bad;			 /* the receiver found wrong bytes */
	uint64_t retrans;		 /* TcpRetransSegs of the end's stack over the run */
	char nstat[2048];		 /* a kernel end's counters that moved (nstat_diff) */
	uint64_t if_rx_drop, if_tx_drop; /* a kernel end's interface, over the run */
};

static void xfer_fail(struct xfer *x, const char *what, int err)
{
	x->err = err ? err : EIO;
	snprintf(x->what, sizeof(x->what), "%s", what);
}

/* Sends the pattern in CHUNK-byte blocking calls until limit_bytes or
 * limit_s, then shuts down its half and waits for the receiver's close, so
 * that the ACKs of the tail count in the sender's CPU. */
static void send_stream(struct ut_stack *st, int fd, struct xfer *x)
{
	static char sink[CHUNK];
	uint64_t calls = 0;
	ssize_t n;

	x->t_first = now_s();
	for (;;) {
		size_t len = CHUNK;
		if (limit_bytes && limit_bytes - x->bytes < len)
			len = (size_t)(limit_bytes - x->bytes);
		n = io_send(st, fd, pattern + x->bytes % PATTERN_PERIOD, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			xfer_fail(x, "send", errno);
			return;
		}
		x->bytes += (uint64_t)n;
		if (limit_bytes && x->bytes >= limit_bytes)
			break;
		if (limit_s > 0 && (++calls & 15) == 0 && now_s() - x->t_first >= limit_s)
			break;
	}
	if (io_shutdown(st, fd, SHUT_WR) < 0) {
		xfer_fail(x, "shutdown", errno);
		return;
	}
	while ((n = io_recv(st, fd, sink, sizeof(sink))) != 0)
		if (n < 0 && errno != EINTR) {
			xfer_fail(x, "recv (the receiver's close)", errno);
			return;
		}
	x->t_last = now_s();
}

/* Reads until the sender's end of stream, checking one read in
 * VERIFY_EVERY against the pattern. */
static void recv_stream(struct ut_stack *st, int fd, struct xfer *x)
{
	static char buf[CHUNK];
	uint64_t reads = 0;
	ssize_t n;

	x->t_first = x->t_last = now_s();
	while ((n = io_recv(st, fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			xfer_fail(x, "recv", errno);
			return;
		}
		if (++reads % VERIFY_EVERY == 0 &&
		    memcmp(buf, pattern + x->bytes % PATTERN_PERIOD, (size_t)n))
			x->bad = true;
		x->bytes += (uint64_t)n;
		x->t_last = now_s();
	}
}

/* ---- the kernel's side: a child process in a namespace --------------------*/

enum role { SENDER, RECEIVER };

struct peer {
	const char *ns, *ifname; /* its namespace, and the interface it uses */
	enum role role;
	int cpu;		 /* >= 0: pinned to that CPU */
	struct sockaddr_in addr; /* SENDER: connects to it; RECEIVER: listens on it */
	pid_t pid;
	int ctl, res; /* the parent's ends: 'G' to a sender; ready byte, result */
	struct xfer x;
};

static void write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

static bool read_all(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return true;
}

/* The child: enters the namespace, makes its socket, says 'R' (or 'E' and
 * the failure), and when told (a sender) or when connected to (a receiver)
 * moves the stream, then writes its struct xfer. Never returns. */
static void peer_main(struct peer *p, int ctl, int res)
{
	struct xfer *x = &p->x;
	char path[64], go;
	int fd = -1, ns, one = 1;
	static struct nstat ns0, ns1;
	uint64_t rx0, tx0;
	double cpu0, sys0;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	alarm(watchdog_s + 10); /* outlive the parent's watchdog a little */
	memset(x, 0, sizeof(*x));
	if (p->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(p->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			xfer_fail(x, "sched_setaffinity", errno);
			goto fail;
		}
	}
	snprintf(path, sizeof(path), "/run/netns/%s", p->ns);
	if ((ns = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(ns, CLONE_NEWNET) < 0) {
		xfer_fail(x, "setns", errno);
		goto fail;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		xfer_fail(x, "socket", errno);
		goto fail;
	}
	if (p->role == RECEIVER) {
		int l = fd;
		if (setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(l, (struct sockaddr *)&p->addr, sizeof(p->addr)) < 0 || listen(l, 1) < 0) {
			xfer_fail(x, "bind/listen", errno);
			goto fail;
		}
		write_all(res, "R", 1);
		if ((fd = accept(l, NULL, NULL)) < 0) {
			xfer_fail(x, "accept", errno);
			goto done;
		}
		close(l);
	} else {
		write_all(res, "R", 1);
		if (!read_all(ctl, &go, 1))
			_exit(1);
		if (connect(fd, (struct sockaddr *)&p->addr, sizeof(p->addr)) < 0) {
			xfer_fail(x, "connect", errno);
			goto done;
		}
	}
	netdev_drops(p->ifname, &rx0, &tx0);
	nstat_read(&ns0);
	cpu0 = cpu_of(RUSAGE_SELF, &sys0);
	if (p->role == SENDER)
		send_stream(NULL, fd, x);
	else
		recv_stream(NULL, fd, x);
	close(fd);
	x->cpu = cpu_of(RUSAGE_SELF, &x->cpu_sys) - cpu0;
	x->cpu_sys -= sys0;
	nstat_read(&ns1);
	x->retrans = nstat_get(&ns1, "TcpRetransSegs") - nstat_get(&ns0, "TcpRetransSegs");
	nstat_diff(&ns0, &ns1, x->nstat, sizeof(x->nstat));
	netdev_drops(p->ifname, &x->if_rx_drop, &x->if_tx_drop);
	x->if_rx_drop -= rx0;
	x->if_tx_drop -= tx0;
done:
	write_all(res, x, sizeof(*x));
	_exit(0);
fail:
	write_all(res, "E", 1);
	write_all(res, x, sizeof(*x));
	_exit(1);
}

static void kid_add(pid_t pid)
{
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i] == 0) {
			kids[i] = pid;
			return;
		}
}

static void kid_reaped(pid_t pid)
{
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* Forks the peer and waits until its socket is made (a receiver's listens).
 * false, with p->x saying why, if it failed. Call it while this process
 * has no thread but the main one: the child is a copy of it. */
static bool peer_start(struct peer *p)
{
	int ctl[2], res[2];
	char ready = 0;

	if (pipe2(ctl, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		die("pipe", errno);
	fflush(NULL);
	if ((p->pid = fork()) < 0)
		die("fork", errno);
	if (p->pid == 0) {
		close(ctl[1]);
		close(res[0]);
		peer_main(p, ctl[0], res[1]);
	}
	kid_add(p->pid);
	close(ctl[0]);
	close(res[1]);
	p->ctl = ctl[1];
	p->res = res[0];
	memset(&p->x, 0, sizeof(p->x));
	if (read_all(p->res, &ready, 1) && ready == 'R')
		return true;
	if (ready != 'E' || !read_all(p->res, &p->x, sizeof(p->x)))
		xfer_fail(&p->x, "the peer process", EIO);
	return false;
}

static void peer_go(struct peer *p)
{
	write_all(p->ctl, "G", 1);
}

/* Collects the peer's struct xfer and reaps it. */
static void peer_finish(struct peer *p)
{
	if (p->pid <= 0)
		return;
	if (!read_all(p->res, &p->x, sizeof(p->x)) && !p->x.err)
		xfer_fail(&p->x, "the peer process ended early", EIO);
	close(p->ctl);
	close(p->res);
	waitpid(p->pid, NULL, 0);
	kid_reaped(p->pid);
	p->pid = 0;
}

static struct sockaddr_in sin_of(const char *ip_addr, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip_addr, &sin.sin_addr);
	return sin;
}

/* ---- a run's figures ------------------------------------------------------*/

struct result {
	bool ok;
	uint64_t bytes;
	double wall;
	double cpu[2];		   /* s: usertcp (veth: the sender), the kernel (veth: receiver) */
	double cpu_sys[2];	   /* the system part of each */
	double cpu_app, cpu_stack; /* usertcp's application and stack threads */
	unsigned queues;	   /* > 0: a group, one thread per stack doing both */
	char streams[64];	   /* the group's streams per stack */
	uint64_t retrans[2];
	char nstat[2][2048];		 /* --nstat: the two sides' counters that moved */
	uint64_t if_rx_drop, if_tx_drop; /* the kernel's tap (veth: va and vb summed) */
	double ksoftirqd, busy, span;	 /* CPU s; span: wall s the counters covered */
	struct ut_dev_stats dev;
	unsigned offloads;
};

static double gbps(const struct result *r)
{
	return r->ok && r->wall > 0 ? (double)r->bytes * 8 / r->wall / 1e9 : -1;
}

static double per_gb(const struct result *r, double s)
{
	return r->bytes ? s / ((double)r->bytes / GB) : 0;
}

/* Checks the two ends of a stream and takes their figures into r. */
static void result_take(struct result *r, const struct xfer *snd, const struct xfer *rcv)
{
	const struct xfer *e[2] = {snd, rcv};

	r->ok = true;
	for (int i = 0; i < 2; i++) {
		if (e[i]->err) {
			fprintf(stderr, "bench_tap: %s: %s: %s\n", i ? "receiver" : "sender",
				e[i]->what, strerror(e[i]->err));
			r->ok = false;
		}
	}
	if (r->ok && (rcv->bad || rcv->bytes != snd->bytes)) {
		fprintf(stderr,
			"bench_tap: wrong bytes: %" PRIu64 " sent, %" PRIu64 " received%s\n",
			snd->bytes, rcv->bytes, rcv->bad ? ", not the pattern sent" : "");
		r->ok = false;
	}
	r->bytes = rcv->bytes;
	r->wall = rcv->t_last - snd->t_first;
}

/* Starts the machine-wide counters of a run. */
static void around_begin(struct result *r)
{
	r->ksoftirqd = -ksoftirqd_s();
	r->busy = -machine_busy_s();
	r->span = -now_s();
}

static void around_end(struct result *r)
{
	r->ksoftirqd += ksoftirqd_s();
	r->busy += machine_busy_s();
	r->span += now_s();
}

/* ---- the anchor: the kernel against itself over a veth pair ---------------*/

/* The veth sender's CPU (BENCH_TAP_VETH_CPU; -1, the default: not pinned,
 * as no side of the tap rows is). A veth hands each packet to the backlog
 * of the CPU its sender runs on, so a sender that moves between CPUs can
 * reorder its packets, and TCP then retransmits spuriously (DSACKs):
 * hundreds to thousands of segments in some 1 GB runs. Pinned to CPU 0,
 * it retransmitted none but ran at 9.2-9.7 Gbit/s against 11.4-11.7
 * unpinned, alternating three runs each on the shared 2-CPU machine. */
static int veth_cpu = -1;

/* The kernel to itself over the veth pair: one stream va -> vb. plain
 * (--veth-plain): the veth's GSO limited to one segment (gso_max_segs 1)
 * for the run, so that TCP sends and the veth carries 1,448-byte
 * segments, one a packet, as over the tap without offloads (checksums
 * stay offloaded: a veth never computes them). Not the default anchor:
 * on the development machine it ran at 0.3-0.4 Gbit/s, with thousands
 * of spurious retransmissions (DSACKs, TCPSACKReorder) whether the
 * sender was pinned or not, and half a CPU in ksoftirqd. */
static void run_veth(bool plain, struct result *r)
{
	const char *segs = plain ? "1" : "65535";
	struct peer rcv = {.ns = ns_vb, .ifname = "vb", .role = RECEIVER, .cpu = -1};
	struct peer snd = {.ns = ns_va, .ifname = "va", .role = SENDER, .cpu = veth_cpu};
	static int port = PORT0;

	memset(r, 0, sizeof(*r));
	rcv.addr = snd.addr = sin_of(VETH_B, port++);
	if (!peer_start(&rcv) || !peer_start(&snd)) {
		struct xfer *x = rcv.x.err ? &rcv.x : &snd.x;
		fprintf(stderr, "bench_tap: veth peer: %s: %s\n", x->what, strerror(x->err));
		peer_finish(&snd);
		peer_finish(&rcv);
		return;
	}
	if (ip("-n", ns_va, "link", "set", "va", "gso_max_segs", segs, NULL) != 0 ||
	    ip("-n", ns_vb, "link", "set", "vb", "gso_max_segs", segs, NULL) != 0)
		fprintf(stderr, "bench_tap: cannot set the veth's gso_max_segs to %s\n", segs);
	alarm(watchdog_s);
	around_begin(r);
	peer_go(&snd);
	peer_finish(&snd);
	peer_finish(&rcv);
	around_end(r);
	alarm(0);
	result_take(r, &snd.x, &rcv.x);
	r->cpu[0] = snd.x.cpu;
	r->cpu[1] = rcv.x.cpu;
	r->cpu_sys[0] = snd.x.cpu_sys;
	r->cpu_sys[1] = rcv.x.cpu_sys;
	r->retrans[0] = snd.x.retrans;
	r->retrans[1] = rcv.x.retrans;
	snprintf(r->nstat[0], sizeof(r->nstat[0]), "%s", snd.x.nstat);
	snprintf(r->nstat[1], sizeof(r->nstat[1]), "%s", rcv.x.nstat);
	r->if_rx_drop = snd.x.if_rx_drop + rcv.x.if_rx_drop;
	r->if_tx_drop = snd.x.if_tx_drop + rcv.x.if_tx_drop;
}

/* ---- usertcp against the kernel over the tap -------------------------------*/

enum dir { K2U, U2K }; /* the kernel sends, usertcp receives; the reverse */

static const uint8_t usertcp_mac[6] = {0x02, 0x75, 0x74, 0x00, 0x00, 0x02};

/* usertcp's buffers from the host's net.ipv4.tcp_rmem and tcp_wmem (the
 * namespaces' copies of them), so that both stacks grow to the same
 * sizes; the note says which were taken. */
static void copy_host_buffers(struct ut_stack *st, char *note, size_t size)
{
	static const char *const which[] = {"tcp_rmem", "tcp_wmem"};
	static const char *const field[] = {"min", "default", "max"};
	size_t used = 0;

	note[0] = 0;
	for (int w = 0; w < 2 && used < size; w++) {
		char path[64], name[64];
		long v[3];
		bool ok;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", which[w]);
		if (!(f = fopen(path, "r")))
			continue;
		ok = fscanf(f, "%ld %ld %ld", &v[0], &v[1], &v[2]) == 3;
		fclose(f);
		for (int i = 0; ok && i < 3; i++) {
			snprintf(name, sizeof(name), "net.ipv4.%s.%s", which[w], field[i]);
			ok = ut_sysctl_set(st, name, v[i]) == 0;
		}
		if (ok)
			used += (size_t)snprintf(note + used, size - used, "%s%s %ld %ld %ld",
						 used ? ", " : "", which[w], v[0], v[1], v[2]);
	}
}

static char buffers_note[128];

struct strbuf {
	char *p;
	size_t size, used;
};

/* ut_counter_foreach's callback: "name value" of the non-zero ones, as
 * nstat names them (the stack is new, so its counters are the run's). */
static void counter_add(void *arg, const char *group, const char *name, uint64_t value)
{
	struct strbuf *b = arg;

	if (value && value < (1ull << 62) && b->used < b->size)
		b->used += (size_t)snprintf(b->p + b->used, b->size - b->used, " %s%s %" PRIu64,
					    group, name, value);
}

/* This thread alone into the tap's namespace (a tun descriptor's
 * interface is looked up there), and back: tap_ns_enter returns what
 * tap_ns_leave needs. */
static int tap_ns_enter(void)
{
	char path[64];
	int self, ns;

	snprintf(path, sizeof(path), "/run/netns/%s", ns_tap);
	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (ns = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(ns, CLONE_NEWNET) < 0)
		die("setns into the tap's namespace", errno);
	close(ns);
	return self;
}

static void tap_ns_leave(int self)
{
	if (setns(self, CLONE_NEWNET) < 0)
		die("setns back", errno);
	close(self);
}

/* One stack on the tap, opened from inside the tap's namespace (the tun
 * descriptor's interface is looked up there) with this thread alone
 * switching to it and back; addressed, and with its stack thread running.
 * NULL, with the reason shown, on failure. */
static struct ut_stack *usertcp_open(unsigned flags, struct ut_dev **dev)
{
	struct ut_stack *st = NULL;
	char why[256];
	int self, err;

	if ((err = ut_stack_create(NULL, &st)) < 0) {
		fprintf(stderr, "bench_tap: ut_stack_create: %s\n", strerror(-err));
		return NULL;
	}
	copy_host_buffers(st, buffers_note, sizeof(buffers_note));
	self = tap_ns_enter();
	/* With --queues the tap is made multi_queue: this is its one queue. */
	err = ut_dev_open_tuntap(st, TAP_IF, UT_DEV_ETHER,
				 flags | (max_queues > 1 ? UT_DEV_F_MULTI_QUEUE : 0), usertcp_mac,
				 dev);
	tap_ns_leave(self);
	if (err < 0) {
		fprintf(stderr, "bench_tap: %s\n",
			ut_dev_tuntap_strerror(err, TAP_IF, UT_DEV_ETHER, why, sizeof(why)));
		goto fail;
	}
	if (ut_dev_offload_note(*dev))
		printf("# note: %s\n", ut_dev_offload_note(*dev));
	struct in_addr a;
	inet_pton(AF_INET, TAP_USERTCP, &a);
	if ((err = ut_addr_add(st, *dev, ut_ip_v4(a.s_addr), 24)) < 0 ||
	    (err = ut_stack_thread_start(st)) < 0) {
		fprintf(stderr, "bench_tap: usertcp setup: %s\n", strerror(-err));
		goto fail;
	}
	return st;
fail:
	ut_stack_destroy(st);
	return NULL;
}

/* ---- several queues: a stack per queue (usertcp/group.h) ----------------*/

/* One stream per queue: queues kernel peers, ports base + i, and a group
 * of as many stacks on the tap's queues, each driven by a thread of its
 * own from inside its calls (ut_group_run). u->k: stack i connects to
 * peer i and sends. k->u: every stack listens on every port, since the
 * kernel steers each connection to a queue by its hash, and a stack's
 * thread reads whatever connections reach it through its ut_epoll. */
struct mq_run {
	enum dir dir;
	unsigned n;
	int base;
	struct peer *peers;
	struct xfer x[MAX_STREAMS]; /* usertcp's end of each stream */
	atomic_uint ready, done;
	atomic_uint served[MAX_STREAMS]; /* k->u: the streams each stack read */
};

/* A k->u connection being read on a stack: its stream's bytes so far. */
struct mq_conn {
	int fd;
	unsigned stream; /* its port's index */
	uint64_t bytes, reads;
	double t_first;
};

static void mq_read(struct ut_stack *st, struct mq_run *m, unsigned i, struct mq_conn *c)
{
	static _Thread_local char buf[CHUNK];
	ssize_t n;

	while ((n = ut_recv(st, c->fd, buf, sizeof(buf), 0)) > 0) {
		if (++c->reads % VERIFY_EVERY == 0 &&
		    memcmp(buf, pattern + c->bytes % PATTERN_PERIOD, (size_t)n))
			m->x[c->stream].bad = true;
		c->bytes += (uint64_t)n;
	}
	if (n == 0 || errno != EAGAIN) {
		/* The stream's end (or its failure). */
		struct xfer *x = &m->x[c->stream];
		atomic_fetch_add(&m->done, 1);
		x->bytes = c->bytes;
		x->t_first = c->t_first;
		x->t_last = now_s();
		if (n < 0)
			xfer_fail(x, "recv", errno);
		atomic_fetch_add(&m->served[i], 1);
		ut_close(st, c->fd);
		c->fd = -1;
	}
}

static int mq_worker(struct ut_stack *st, unsigned i, void *arg)
{
	struct mq_run *m = arg;
	struct mq_conn conns[MAX_STREAMS];
	struct epoll_event evs[MAX_STREAMS * 2];
	int l[MAX_STREAMS], ep = -1;

	if (m->dir == U2K) {
		struct xfer *x = &m->x[i];
		int fd = ut_socket(st, AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || ut_connect(st, fd, (struct sockaddr *)&m->peers[i].addr,
					 sizeof(m->peers[i].addr)) < 0)
			xfer_fail(x, "usertcp connect", errno);
		else
			send_stream(st, fd, x);
		if (fd >= 0)
			ut_close(st, fd);
		return 0;
	}
	ep = ut_epoll_create1(st, 0);
	for (unsigned k = 0; k < m->n; k++) {
		struct sockaddr_in me = sin_of(TAP_USERTCP, m->base + (int)k);
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = k};
		conns[k].fd = -1;
		l[k] = ut_socket(st, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (l[k] < 0 || ut_bind(st, l[k], (struct sockaddr *)&me, sizeof(me)) < 0 ||
		    ut_listen(st, l[k], 4) < 0 ||
		    ut_epoll_ctl(st, ep, EPOLL_CTL_ADD, l[k], &ev) < 0)
			xfer_fail(&m->x[MAX_STREAMS - 1], "usertcp listen", errno);
	}
	atomic_fetch_add(&m->ready, 1);
	while (atomic_load(&m->done) < m->n) {
		int nev = ut_epoll_wait(st, ep, evs, MAX_STREAMS * 2, 50);
		for (int e = 0; e < nev; e++) {
			uint64_t k = evs[e].data.u64;
			if (k < MAX_STREAMS) {
				/* A listener: take what it holds. */
				int fd;
				while ((fd = ut_accept4(st, l[k], NULL, NULL, SOCK_NONBLOCK)) >=
				       0) {
					unsigned slot = 0;
					while (slot < MAX_STREAMS && conns[slot].fd >= 0)
						slot++;
					if (slot == MAX_STREAMS) {
						ut_close(st, fd);
						continue;
					}
					conns[slot] = (struct mq_conn){.fd = fd,
								       .stream = (unsigned)k,
								       .t_first = now_s()};
					struct epoll_event ev = {.events = EPOLLIN,
								 .data.u64 = MAX_STREAMS + slot};
					ut_epoll_ctl(st, ep, EPOLL_CTL_ADD, fd, &ev);
					mq_read(st, m, i, &conns[slot]);
				}
			} else if (conns[k - MAX_STREAMS].fd >= 0) {
				mq_read(st, m, i, &conns[k - MAX_STREAMS]);
			}
		}
		/* Stack 0's thread starts the kernel's senders once every
		 * stack listens. */
		if (i == 0 && atomic_load(&m->ready) == m->n) {
			atomic_fetch_add(&m->ready, 1);
			for (unsigned k = 0; k < m->n; k++)
				peer_go(&m->peers[k]);
		}
	}
	for (unsigned k = 0; k < m->n; k++)
		if (l[k] >= 0)
			ut_close(st, l[k]);
	for (unsigned k = 0; k < MAX_STREAMS; k++)
		if (conns[k].fd >= 0)
			ut_close(st, conns[k].fd);
	ut_close(st, ep);
	return 0;
}

static void run_usertcp_mq(enum dir dir, unsigned flags, unsigned queues, struct result *r)
{
	static int port = PORT0 + 1000;
	static struct mq_run m;
	struct peer peers[MAX_STREAMS];
	struct ut_group *g = NULL;
	struct ut_dev *devs[MAX_STREAMS];
	char why[256];
	int self, err;
	double cpu0, sys0;
	unsigned started = 0;

	memset(&m, 0, sizeof(m));
	m.dir = dir;
	m.n = queues;
	m.base = port;
	m.peers = peers;
	port += (int)queues;
	for (unsigned k = 0; k < queues; k++) {
		peers[k] = (struct peer){.ns = ns_tap,
					 .ifname = TAP_IF,
					 .role = dir == K2U ? SENDER : RECEIVER,
					 .cpu = -1};
		peers[k].addr = dir == K2U ? sin_of(TAP_USERTCP, m.base + (int)k)
					   : sin_of(TAP_KERNEL, m.base + (int)k);
		if (!peer_start(&peers[k])) {
			fprintf(stderr, "bench_tap: kernel peer: %s: %s\n", peers[k].x.what,
				strerror(peers[k].x.err));
			peer_finish(&peers[k]);
			goto out;
		}
		started++;
	}
	if ((err = ut_group_create(NULL, queues, &g)) < 0) {
		fprintf(stderr, "bench_tap: ut_group_create: %s\n", strerror(-err));
		goto out;
	}
	for (unsigned k = 0; k < queues; k++)
		copy_host_buffers(ut_group_stack(g, k), buffers_note, sizeof(buffers_note));
	self = tap_ns_enter();
	err = ut_group_open_tuntap(g, TAP_IF, UT_DEV_ETHER, flags, usertcp_mac, devs);
	tap_ns_leave(self);
	if (err < 0) {
		fprintf(stderr, "bench_tap: %s\n",
			ut_dev_tuntap_strerror(err, TAP_IF, UT_DEV_ETHER, why, sizeof(why)));
		goto out;
	}
	r->offloads = ut_dev_offloads(devs[0]);
	for (unsigned k = 0; k < queues; k++) {
		struct in_addr a;
		inet_pton(AF_INET, TAP_USERTCP, &a);
		if ((err = ut_addr_add(ut_group_stack(g, k), devs[k], ut_ip_v4(a.s_addr), 24)) <
		    0) {
			fprintf(stderr, "bench_tap: usertcp setup: %s\n", strerror(-err));
			goto out;
		}
	}
	alarm(watchdog_s);
	around_begin(r);
	cpu0 = cpu_of(RUSAGE_SELF, &sys0);
	if ((err = ut_group_run(g, mq_worker, &m, true)) < 0)
		fprintf(stderr, "bench_tap: ut_group_run: %s\n", strerror(-err));
	r->cpu[0] = cpu_of(RUSAGE_SELF, &r->cpu_sys[0]) - cpu0;
	r->cpu_sys[0] -= sys0;
	r->cpu_stack = r->cpu[0]; /* each thread is both */
	for (unsigned k = 0; k < queues; k++)
		peer_finish(&peers[k]);
	started = 0;
	around_end(r);
	alarm(0);
	/* The streams summed: bytes, both sides' CPU, and the wall time from
	 * the first send to the last byte received. */
	r->ok = true;
	double first = 1e300, last = 0;
	for (unsigned k = 0; k < queues; k++) {
		struct xfer *snd = dir == K2U ? &peers[k].x : &m.x[k];
		struct xfer *rcv = dir == K2U ? &m.x[k] : &peers[k].x;
		struct result one;
		memset(&one, 0, sizeof(one));
		result_take(&one, snd, rcv);
		r->ok &= one.ok;
		r->bytes += rcv->bytes;
		first = snd->t_first < first ? snd->t_first : first;
		last = rcv->t_last > last ? rcv->t_last : last;
		r->cpu[1] += peers[k].x.cpu;
		r->cpu_sys[1] += peers[k].x.cpu_sys;
		r->retrans[1] += peers[k].x.retrans;
		r->if_rx_drop += peers[k].x.if_rx_drop;
		r->if_tx_drop += peers[k].x.if_tx_drop;
	}
	r->wall = last - first;
	for (unsigned k = 0; k < queues; k++) {
		struct ut_dev_stats d;
		uint64_t rt = 0;
		ut_dev_get_stats(devs[k], &d);
		r->dev.rx_packets += d.rx_packets;
		r->dev.tx_packets += d.tx_packets;
		r->dev.rx_syscalls += d.rx_syscalls;
		r->dev.rx_syscalls_empty += d.rx_syscalls_empty;
		r->dev.tx_syscalls += d.tx_syscalls;
		r->dev.poll_waits += d.poll_waits;
		r->dev.rx_gro_packets += d.rx_gro_packets;
		r->dev.rx_gro_wire_packets += d.rx_gro_wire_packets;
		r->dev.rx_dropped += d.rx_dropped;
		r->dev.tx_dropped += d.tx_dropped;
		ut_counter_get(ut_group_stack(g, k), "Tcp", "RetransSegs", &rt);
		r->retrans[0] += rt;
	}
	r->queues = queues;
	{
		char *p = r->streams;
		size_t used = 0;
		for (unsigned k = 0; k < queues && used < sizeof(r->streams); k++)
			used += (size_t)snprintf(p + used, sizeof(r->streams) - used, " %u",
						 dir == K2U ? atomic_load(&m.served[k]) : 1);
	}
out:
	for (unsigned k = 0; k < started; k++) {
		kill(peers[k].pid, SIGKILL);
		peer_finish(&peers[k]);
	}
	ut_group_destroy(g);
}

/* One row: usertcp on the tap in direction dir, with the device flags
 * (0: the offloads; UT_DEV_F_NO_OFFLOAD: plain frames), against the
 * kernel in the tap's namespace, over `queues` queues: one stack, one
 * device, one stream for a single queue; run_usertcp_mq for more. */
static void run_usertcp(enum dir dir, unsigned flags, unsigned queues, struct result *r)
{
	static int port = PORT0 + 100;
	struct peer peer = {
		.ns = ns_tap, .ifname = TAP_IF, .role = dir == K2U ? SENDER : RECEIVER, .cpu = -1};
	struct xfer ux;
	struct ut_stack *st;
	struct ut_dev *dev = NULL;
	uint64_t retrans0 = 0, retrans1 = 0;
	double cpu0, sys0, app0;
	int fd = -1, l = -1;

	memset(r, 0, sizeof(*r));
	memset(&ux, 0, sizeof(ux));
	if (queues != 1) {
		run_usertcp_mq(dir, flags, queues, r);
		return;
	}
	/* The peer first, while this process has one thread to copy. */
	peer.addr = dir == K2U ? sin_of(TAP_USERTCP, port) : sin_of(TAP_KERNEL, port);
	port++;
	if (!peer_start(&peer)) {
		fprintf(stderr, "bench_tap: kernel peer: %s: %s\n", peer.x.what,
			strerror(peer.x.err));
		peer_finish(&peer);
		return;
	}
	if (!(st = usertcp_open(flags, &dev))) {
		kill(peer.pid, SIGKILL);
		peer_finish(&peer);
		return;
	}
	r->offloads = ut_dev_offloads(dev);
	alarm(watchdog_s);
	around_begin(r);
	if (dir == K2U) {
		struct sockaddr_in me = sin_of(TAP_USERTCP, ntohs(peer.addr.sin_port));
		if ((l = ut_socket(st, AF_INET, SOCK_STREAM, 0)) < 0 ||
		    ut_bind(st, l, (struct sockaddr *)&me, sizeof(me)) < 0 ||
		    ut_listen(st, l, 1) < 0)
			xfer_fail(&ux, "usertcp listen", errno);
		else
			peer_go(&peer);
		if (!ux.err && (fd = ut_accept(st, l, NULL, NULL)) < 0)
			xfer_fail(&ux, "usertcp accept", errno);
	} else {
		if ((fd = ut_socket(st, AF_INET, SOCK_STREAM, 0)) < 0 ||
		    ut_connect(st, fd, (struct sockaddr *)&peer.addr, sizeof(peer.addr)) < 0)
			xfer_fail(&ux, "usertcp connect", errno);
	}
	if (!ux.err) {
		ut_counter_get(st, "Tcp", "RetransSegs", &retrans0);
		cpu0 = cpu_of(RUSAGE_SELF, &sys0);
		app0 = cpu_of(RUSAGE_THREAD, NULL);
		if (dir == K2U)
			recv_stream(st, fd, &ux);
		else
			send_stream(st, fd, &ux);
		r->cpu[0] = cpu_of(RUSAGE_SELF, &r->cpu_sys[0]) - cpu0;
		r->cpu_sys[0] -= sys0;
		r->cpu_app = cpu_of(RUSAGE_THREAD, NULL) - app0;
		r->cpu_stack = r->cpu[0] - r->cpu_app;
		ut_counter_get(st, "Tcp", "RetransSegs", &retrans1);
	}
	struct strbuf b = {r->nstat[0], sizeof(r->nstat[0]), 0};
	r->nstat[0][0] = 0;
	ut_counter_foreach(st, counter_add, &b);
	if (fd >= 0)
		ut_close(st, fd);
	if (l >= 0)
		ut_close(st, l);
	if (ux.err)
		kill(peer.pid, SIGKILL);
	peer_finish(&peer);
	around_end(r);
	alarm(0);
	ut_stack_thread_stop(st);
	ut_dev_get_stats(dev, &r->dev);
	ut_stack_destroy(st);
	if (dir == K2U)
		result_take(r, &peer.x, &ux);
	else
		result_take(r, &ux, &peer.x);
	r->cpu[1] = peer.x.cpu;
	r->cpu_sys[1] = peer.x.cpu_sys;
	r->retrans[0] = retrans1 - retrans0;
	r->retrans[1] = peer.x.retrans;
	snprintf(r->nstat[1], sizeof(r->nstat[1]), "%s", peer.x.nstat);
	r->if_rx_drop = peer.x.if_rx_drop;
	r->if_tx_drop = peer.x.if_tx_drop;
}

/* ---- printing --------------------------------------------------------------*/

static void fmt(char *buf, size_t size, double v, int prec, const char *unit)
{
	if (v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.*f%s", prec, v, unit);
}

/* The row's line, then its `#` details. anchor: the veth row's result for
 * the ratio, or NULL. */
static void print_row(const char *label, bool usertcp, const struct result *r,
		      const struct result *anchor)
{
	char g[32], c0[32], c1[32], ratio[32] = "n/a";
	double mb = (double)r->bytes / MIB;

	fmt(g, sizeof(g), gbps(r), 2, " Gbit/s");
	fmt(c0, sizeof(c0), r->ok ? per_gb(r, r->cpu[0]) : -1, 2, " s/GB");
	fmt(c1, sizeof(c1), r->ok ? per_gb(r, r->cpu[1]) : -1, 2, " s/GB");
	if (anchor && gbps(anchor) > 0 && gbps(r) >= 0)
		snprintf(ratio, sizeof(ratio), "%.2f", gbps(r) / gbps(anchor));
	if (usertcp)
		printf("%-20s usertcp %-13s  cpu u %-10s  kernel %-10s  ratio %s\n", label, g, c0,
		       c1, anchor ? ratio : "n/a (no veth row)");
	else
		printf("%-20s linux   %-13s  cpu send %-10s  recv %s\n", label, g, c0, c1);
	if (!r->ok) {
		fflush(stdout);
		return;
	}
	printf("#   %.0f MB in %.2f s; of the cpu, system time: %s %.2f, %s %.2f s/GB; "
	       "retransmitted segments: %" PRIu64 ", %" PRIu64 "\n",
	       mb, r->wall, usertcp ? "usertcp" : "send", per_gb(r, r->cpu_sys[0]),
	       usertcp ? "kernel" : "recv", per_gb(r, r->cpu_sys[1]), r->retrans[0], r->retrans[1]);
	if (usertcp) {
		const struct ut_dev_stats *d = &r->dev;
		if (r->queues)
			printf("#   usertcp: %u stacks on %u queues, one thread each "
			       "(ut_group_run); "
			       "streams per stack:%s\n",
			       r->queues, r->queues, r->streams);
		else
			printf("#   usertcp threads: application %.2f s/GB, stack %.2f s/GB\n",
			       per_gb(r, r->cpu_app), per_gb(r, r->cpu_stack));
		printf("#   offloads granted:%s%s%s\n",
		       r->offloads & UT_DEV_OFFLOAD_CSUM ? " csum" : "",
		       r->offloads & UT_DEV_OFFLOAD_TSO4 ? " tso4" : "",
		       r->offloads ? "" : " none");
		printf("#   " TAP_IF " per MB: rx %.1f (%.1f empty) tx %.1f poll %.1f; frames "
		       "per MB: in %.1f, out %.1f; GRO built %" PRIu64 " from %" PRIu64
		       " frames; usertcp dropped rx %" PRIu64 " tx %" PRIu64 "\n",
		       (double)d->rx_syscalls / mb, (double)d->rx_syscalls_empty / mb,
		       (double)d->tx_syscalls / mb, (double)d->poll_waits / mb,
		       (double)d->rx_packets / mb, (double)d->tx_packets / mb, d->rx_gro_packets,
		       d->rx_gro_wire_packets, d->rx_dropped, d->tx_dropped);
	}
	printf("#   kernel %s dropped: rx %" PRIu64 " tx %" PRIu64
	       "; ksoftirqd %.2f s/GB; machine busy %.2f of %.2f CPU-s, %.2f s/GB "
	       "beyond both sides\n",
	       usertcp ? "tap0" : "veth", r->if_rx_drop, r->if_tx_drop, per_gb(r, r->ksoftirqd),
	       r->busy, r->span * (double)sysconf(_SC_NPROCESSORS_ONLN),
	       per_gb(r, r->busy - r->cpu[0] - r->cpu[1]));
	if (show_nstat)
		printf("#   nstat %s:%s\n#   nstat %s:%s\n", usertcp ? "usertcp" : "sender",
		       r->nstat[0], usertcp ? "kernel" : "receiver", r->nstat[1]);
	fflush(stdout);
}

/* ---- setting up ------------------------------------------------------------*/

static const char *find_ip(void)
{
	static const char *const where[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* scripts/netns-tap.sh's layout: namespace ns_tap holding tap0, the
 * kernel at 10.99.0.1/24, usertcp to take 10.99.0.2. */
static bool setup_tap(void)
{
	snprintf(ns_tap, sizeof(ns_tap), "bt-tap-%d", (int)owner);
	if (ip("netns", "add", ns_tap, NULL) != 0) {
		ns_tap[0] = 0;
		return false;
	}
	return ip("-n", ns_tap, "link", "set", "lo", "up", NULL) == 0 &&
	       ip("-n", ns_tap, "tuntap", "add", "dev", TAP_IF, "mode", "tap",
		  max_queues > 1 ? "multi_queue" : NULL, NULL) == 0 &&
	       ip("-n", ns_tap, "addr", "add", TAP_KERNEL "/24", "dev", TAP_IF, NULL) == 0 &&
	       ip("-n", ns_tap, "link", "set", TAP_IF, "up", NULL) == 0;
}

/* Two namespaces joined by a veth pair: va (10.98.0.1) in ns_va, vb
 * (10.98.0.2) in ns_vb, the kernel's defaults otherwise. */
static bool setup_veth(void)
{
	snprintf(ns_va, sizeof(ns_va), "bt-va-%d", (int)owner);
	snprintf(ns_vb, sizeof(ns_vb), "bt-vb-%d", (int)owner);
	if (ip("netns", "add", ns_va, NULL) != 0) {
		ns_va[0] = 0;
		return false;
	}
	if (ip("netns", "add", ns_vb, NULL) != 0) {
		ns_vb[0] = 0;
		return false;
	}
	return ip("-n", ns_va, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns",
		  ns_vb, NULL) == 0 &&
	       ip("-n", ns_va, "addr", "add", VETH_A "/24", "dev", "va", NULL) == 0 &&
	       ip("-n", ns_vb, "addr", "add", VETH_B "/24", "dev", "vb", NULL) == 0 &&
	       ip("-n", ns_va, "link", "set", "lo", "up", NULL) == 0 &&
	       ip("-n", ns_vb, "link", "set", "lo", "up", NULL) == 0 &&
	       ip("-n", ns_va, "link", "set", "va", "up", NULL) == 0 &&
	       ip("-n", ns_vb, "link", "set", "vb", "up", NULL) == 0;
}

static int skipped(const char *why)
{
	printf("skipped: %s\n", why);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_tap [--no-veth | --veth-only] [--veth-plain] [--nstat] [--repeat N]\n"
		"                 [--mb N] [--queues N] [--group-only] [k2u] [u2k] [offload]\n"
		"                 [no-offload]\n"
		"  --queues N: rows for 1 to N queues of a multi_queue tap, a usertcp stack and\n"
		"  one stream per queue (--mb is then per stream); --group-only: those rows alone\n"
		"  MB=N: MB per run (default 1024); BENCH_SECONDS=S: senders stop after S s;\n"
		"  BENCH_TAP_VETH_CPU=C: pin the veth sender to CPU C\n");
	exit(2);
}

static bool parse_pos(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return *s && !*end && *v > 0;
}

int main(int argc, char **argv)
{
	bool want_dir[2] = {false}, want_mode[2] = {false}, any_dir = false, any_mode = false;
	bool with_veth = true, veth_only = false, veth_plain = false, failed = false;
	const char *env;
	unsigned repeat = 1;
	struct utsname un;
	double v;

	if ((env = getenv("BENCH_TAP_VETH_CPU")) && *env)
		veth_cpu = atoi(env);
	if ((env = getenv("MB")) && *env) {
		if (!parse_pos(env, &v))
			usage();
		limit_bytes = (uint64_t)(v * MIB);
	}
	if ((env = getenv("BENCH_SECONDS")) && *env) {
		if (!parse_pos(env, &v))
			usage();
		limit_s = v;
		if (!getenv("MB"))
			limit_bytes = 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-veth"))
			with_veth = false;
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc &&
			 parse_pos(argv[i + 1], &v) && v < 100)
			repeat = (unsigned)v, i++;
		else if (!strcmp(argv[i], "--veth-plain"))
			veth_plain = true;
		else if (!strcmp(argv[i], "--veth-only"))
			veth_only = true;
		else if (!strcmp(argv[i], "--nstat"))
			show_nstat = true;
		else if (!strcmp(argv[i], "--group-only"))
			group_only = true;
		else if (!strcmp(argv[i], "--queues") && i + 1 < argc &&
			 parse_pos(argv[i + 1], &v) && v <= MAX_STREAMS)
			max_queues = (unsigned)v, i++;
		else if (!strcmp(argv[i], "--mb") && i + 1 < argc && parse_pos(argv[i + 1], &v))
			limit_bytes = (uint64_t)(v * MIB), i++;
		else if (!strcmp(argv[i], "k2u") || !strcmp(argv[i], "u2k"))
			want_dir[argv[i][0] == 'u'] = any_dir = true;
		else if (!strcmp(argv[i], "offload") || !strcmp(argv[i], "no-offload"))
			want_mode[argv[i][0] == 'n'] = any_mode = true;
		else
			usage();
	}
	/* Time for a run at 50 MB/s, or its seconds, and a minute more. */
	watchdog_s = 60 + (limit_bytes ? (unsigned)(limit_bytes / 50000000) : 0) +
		     (unsigned)(limit_s * 3);

	if (geteuid() != 0)
		return skipped("needs root (network namespaces, a TAP interface and a veth pair)");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		return skipped("/dev/net/tun is missing (modprobe tun)");
	if (!(ip_path = find_ip()))
		return skipped("iproute2's ip is not installed");
	owner = getpid();
	atexit(cleanup);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)(i % PATTERN_PERIOD);

	if (!setup_tap()) {
		cleanup();
		return skipped("cannot make a network namespace with a tap (ip netns add, ip "
			       "tuntap add)");
	}
	if (with_veth && !setup_veth()) {
		fprintf(stderr, "bench_tap: no veth pair (ip link add type veth); the veth row "
				"is left out\n");
		ns_del(ns_va);
		ns_del(ns_vb);
		with_veth = false;
	}

	uname(&un);
	printf("# bench_tap: one TCP stream per run, %d bytes per send() and recv() on both "
	       "sides\n",
	       CHUNK);
	if (limit_bytes)
		printf("#   %.0f MB (1,048,576 bytes) per run%s\n", (double)limit_bytes / MIB,
		       limit_s > 0 ? " or BENCH_SECONDS, whichever first" : "");
	else
		printf("#   %.2g s of sending per run (BENCH_SECONDS)\n", limit_s);
	printf("# Linux %s, %ld CPUs; load average at start: ", un.release,
	       sysconf(_SC_NPROCESSORS_ONLN));
	{
		double la[3] = {0};
		FILE *f = fopen("/proc/loadavg", "r");
		if (f && fscanf(f, "%lf %lf %lf", &la[0], &la[1], &la[2]) == 3)
			printf("%.2f %.2f %.2f\n", la[0], la[1], la[2]);
		else
			printf("unknown\n");
		if (f)
			fclose(f);
	}
	printf("# tap: namespace %s, the kernel's sockets at " TAP_KERNEL " on " TAP_IF
	       ", usertcp at " TAP_USERTCP "\n"
	       "#   (one stack, its stack thread, one ut_ socket on the main thread)\n"
	       "# veth: the kernel to itself, %s (va " VETH_A ") -> %s (vb " VETH_B
	       "), the kernel's\n"
	       "#   defaults (TSO/GSO: 64 KB packets); with --veth-plain a no-offload row "
	       "too: gso_max_segs 1,\n"
	       "#   one 1,448-byte segment a packet (checksums still not computed)\n",
	       ns_tap, with_veth ? ns_va : "(left out)", with_veth ? ns_vb : "(left out)");
	printf("# Gbit/s: payload bits / (receiver's last byte - sender's first send()), "
	       "CLOCK_MONOTONIC\n"
	       "# cpu s/GB: user + system CPU seconds per 1e9 bytes of payload of each side's "
	       "process over\n"
	       "#   its transfer (getrusage RUSAGE_SELF; usertcp's: its application and stack "
	       "threads).\n"
	       "#   System time includes the kernel's softirq work done inside the side's "
	       "system calls:\n"
	       "#   usertcp's write() on the tap runs the kernel's IP and TCP receive of the "
	       "frame\n"
	       "#   (tun_get_user -> netif_receive_skb), so usertcp is charged, in u->k, for "
	       "most of the\n"
	       "#   kernel receiver's TCP work and, in k->u, for the kernel sender's ACK "
	       "processing and\n"
	       "#   the data it sends in answer; only what finds the kernel's socket busy in "
	       "a call of\n"
	       "#   its own waits in its backlog for that call. Over veth, likewise, the "
	       "sender's send()\n"
	       "#   runs the receiver's TCP and the receiver's recv() the sender's ACKs. "
	       "ksoftirqd's work\n"
	       "#   is neither side's; \"beyond both sides\" is the machine's busy time less "
	       "the two sides':\n"
	       "#   ksoftirqd, interrupts, and other programs (the machine is shared); /proc/stat "
	       "counts\n"
	       "#   in ticks, so it can come out a little below zero\n"
	       "# ratio = usertcp Gbit/s / the veth offload row's (--veth-plain: the no-offload "
	       "rows / its)\n");
	fflush(stdout);

	for (unsigned pass = 0; pass < repeat; pass++) {
		struct result anchor = {0}, plain = {0};
		if (with_veth) {
			run_veth(false, &anchor);
			print_row("veth k->k offload", false, &anchor, NULL);
			failed |= !anchor.ok;
		}
		for (int mode = 0; mode < 2; mode++) {
			const char *mname = mode ? "no-offload" : "offload";
			const struct result *ref = anchor.ok ? &anchor : NULL;
			char label[40];
			if (any_mode && !want_mode[mode])
				continue;
			if (mode && with_veth && veth_plain) {
				run_veth(true, &plain);
				print_row("veth k->k no-offload", false, &plain, NULL);
				failed |= !plain.ok;
				ref = plain.ok ? &plain : NULL;
			}
			/* Rows for 1, 2, ... --queues N queues. */
			for (unsigned queues = 1; queues <= (veth_only ? 0 : max_queues);
			     queues++) {
				for (int d = 0; d < 2; d++) {
					struct result r;
					if (any_dir && !want_dir[d])
						continue;
					unsigned fl = mode ? UT_DEV_F_NO_OFFLOAD : 0;
					if (queues == 1 && !group_only) {
						snprintf(label, sizeof(label), "tap %s %s",
							 d == K2U ? "k->u" : "u->k", mname);
						run_usertcp((enum dir)d, fl, 1, &r);
						print_row(label, true, &r, ref);
						failed |= !r.ok;
					}
					if (max_queues == 1 && !group_only)
						continue;
					/* With --queues, every count of queues
					 * through the group, one thread per stack,
					 * 1 included, so the rows compare alike. */
					snprintf(label, sizeof(label), "tap %s %s x%u",
						 d == K2U ? "k->u" : "u->k", mname, queues);
					run_usertcp_mq((enum dir)d, fl, queues, &r);
					print_row(label, true, &r, ref);
					failed |= !r.ok;
				}
			}
		}
	}
	printf("# usertcp's buffers: %s\n",
	       buffers_note[0] ? buffers_note : "usertcp's defaults (the host's are unreadable)");
	cleanup();
	return failed ? 1 : 0;
}
