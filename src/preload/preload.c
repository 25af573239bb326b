/* libusertcp-preload.so: unmodified, dynamically linked programs on
 * usertcp (docs/RUN.md). Loaded with LD_PRELOAD (usertcp run sets it),
 * the library defines the C library's socket calls; the program's calls
 * reach these definitions first, and each one either serves a usertcp
 * descriptor or passes the call on to the C library's own definition,
 * found here once with dlsym(RTLD_NEXT).
 *
 * This file: finding the C library's calls, the stack (configured from
 * the environment and started at the first socket the program opens, on
 * a stack thread of its own; with USERTCP_THREADS=N a group of N, each
 * on its own queue of the interface and its own thread), fork, and the
 * exit, where the program's
 * connections are closed so that their peers see a FIN, as they would
 * from Linux closing the descriptors of a process that exits. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "net/stack.h"
#include "preload.h"
#include "tool.h" /* the tools' impairment options, for USERTCP_IMPAIR */
#include "usertcp/diag.h"
#include "usertcp/trace.h"
#include "usertcp/usertcp.h"

struct libc_calls libc;

#define NEXT(name) libc.name = (__typeof__(libc.name))dlsym(RTLD_NEXT, #name)

static void resolve_all(void)
{
	NEXT(socket);
	NEXT(bind);
	NEXT(listen);
	NEXT(accept);
	NEXT(accept4);
	NEXT(connect);
	NEXT(shutdown);
	NEXT(close);
	NEXT(read);
	NEXT(write);
	NEXT(readv);
	NEXT(writev);
	NEXT(send);
	NEXT(recv);
	NEXT(sendto);
	NEXT(recvfrom);
	NEXT(sendmsg);
	NEXT(recvmsg);
	NEXT(getsockopt);
	NEXT(setsockopt);
	NEXT(getsockname);
	NEXT(getpeername);
	NEXT(fcntl);
	NEXT(ioctl);
	NEXT(dup);
	NEXT(dup2);
	NEXT(dup3);
	NEXT(poll);
	NEXT(ppoll);
	NEXT(select);
	NEXT(pselect);
	NEXT(epoll_ctl);
	NEXT(epoll_wait);
	NEXT(epoll_pwait);
	NEXT(epoll_pwait2);
	NEXT(sendmmsg);
	NEXT(recvmmsg);
	NEXT(pread);
	NEXT(pwrite);
	NEXT(preadv);
	NEXT(pwritev);
	NEXT(sendfile);
	NEXT(splice);
	NEXT(lseek);
	NEXT(sigaction);
}

static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

void preload_resolve(void)
{
	pthread_once(&resolve_once, resolve_all);
}

/* ---- configuration ------------------------------------------------------------*/

static enum inet6_route inet6 = INET6_USERTCP;

enum inet6_route preload_inet6(void)
{
	return inet6;
}

static bool env_flag(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0;
}

/* "ADDR/PREFIX", IPv4's prefix 1 to 32, IPv6's 1 to 128. */
static int parse_prefix(const char *s, size_t len, struct ut_ip *ip, unsigned *prefix)
{
	char buf[UT_IP_STRLEN + 8], *slash, *end;
	unsigned long p;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	if (ut_ip_pton(buf, ip) < 0)
		return -1;
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || p < 1 || p > (ip->family == AF_INET6 ? 128u : 32u))
		return -1;
	*prefix = (unsigned)p;
	return 0;
}

/* ---- the stack ------------------------------------------------------------------*/

static pthread_once_t stack_once = PTHREAD_ONCE_INIT;
static struct ut_group *group;
/* USERTCP_THREADS: the group's stacks and their queues of the interface
 * (none: loopback only); stack and dev are the first's. */
static unsigned nstacks;
static struct ut_stack *stacks[UT_GROUP_MAX], *stack;
static struct ut_dev *devs[UT_GROUP_MAX], *dev;
static atomic_uint next_stack;
static struct ut_diag *diag;
static int stack_err;
/* The process whose stack it is: a child made by vfork shares this
 * memory without fork's handlers (below), and its _exit must close
 * nothing of its parent's. */
static pid_t stack_pid;
static bool pcap_on;
/* The IPv6 address of USERTCP_IP, if any (family 0: none). */
static struct ut_ip addr6;
/* In a child of fork: the parent's stack has no thread here and its
 * interface is the parent's. */
static bool forked;

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "usertcp-preload: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* USERTCP_IMPAIR: the tools' impairment options, as words ("--delay 10
 * --loss 1"; usertcp run passes its own), read by the tools' own parser
 * and applied to the interface in both directions as netem would. 0, or
 * -errno after saying why. */
static int stack_impair(const char *env)
{
	char *copy = strdup(env), *words[64], *save = NULL;
	struct impair_opts imp;
	uint64_t seed = 0;
	int n = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == (int)(sizeof(words) / sizeof(words[0]))) {
			say("USERTCP_IMPAIR: too many words");
			err = -EINVAL;
			goto out;
		}
		words[n++] = w;
	}
	impair_opts_init(&imp);
	for (int i = 0; i < n; i++) {
		int r = impair_opts_parse(&imp, n, words, &i, "usertcp-preload: USERTCP_IMPAIR");
		if (r <= 0) {
			if (r == 0)
				say("USERTCP_IMPAIR: '%s' is not an impairment option (--delay MS, "
				    "--loss PCT ...: usertcp run --help)",
				    words[i]);
			err = -EINVAL;
			goto out;
		}
	}
	if (!imp.any)
		goto out;
	if (!dev) {
		say("USERTCP_IMPAIR needs an interface (USERTCP_TAP or USERTCP_TUN)");
		err = -EINVAL;
		goto out;
	}
	/* the seed's losses repeat; without one each run draws its own */
	if (getenv("USERTCP_SEED"))
		seed = strtoull(getenv("USERTCP_SEED"), NULL, 10);
	if (!seed && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)ut_stack_now(stack);
	/* every queue impaired alike, each with losses of its own, as the
	 * tools' --threads */
	for (unsigned i = 0; i < nstacks; i++) {
		/* --mtu shrinks the device itself, as the tools do */
		if (imp.link.mtu != 1500 && (err = ut_dev_set_mtu(devs[i], imp.link.mtu)) < 0) {
			say("USERTCP_IMPAIR --mtu %u: %s", imp.link.mtu, strerror(-err));
			goto out;
		}
		if ((err = ut_dev_set_netem(devs[i], UT_DEV_BOTH, &imp.link, seed + i)) < 0) {
			say("USERTCP_IMPAIR: %s", strerror(-err));
			goto out;
		}
	}
out:
	free(copy);
	return err;
}

/* Addresses, routes, capture and trace from the environment on every
 * stack just created, as the tools set up each stack of a group
 * (tools/attach.c): the same addresses and routes on each, so the
 * kernel sees one host; a capture file per queue. 0, or -errno after
 * saying why. */
static int stack_configure(void)
{
	const char *ips = getenv("USERTCP_IP"), *gw = getenv("USERTCP_GW");
	const char *pcap = getenv("USERTCP_PCAP");
	int err;

	for (const char *p = ips; p && *p;) {
		size_t len = strcspn(p, ",");
		struct ut_ip ip;
		unsigned prefix;

		if (parse_prefix(p, len, &ip, &prefix) < 0) {
			say("USERTCP_IP wants ADDR/PREFIX[,ADDR/PREFIX], e.g. 10.99.0.2/24, not "
			    "'%s'",
			    ips);
			return -EINVAL;
		}
		if (!dev) {
			say("USERTCP_IP needs an interface (USERTCP_TAP or USERTCP_TUN)");
			return -EINVAL;
		}
		for (unsigned i = 0; i < nstacks; i++)
			if ((err = ut_addr_add(stacks[i], devs[i], ip, prefix)) < 0) {
				say("USERTCP_IP %s: %s", ips, strerror(-err));
				return err;
			}
		if (ip.family == AF_INET6 && !addr6.family)
			addr6 = ip;
		p += len;
		if (*p == ',')
			p++;
	}
	if (gw && *gw) {
		struct ut_ip g;
		if (ut_ip_pton(gw, &g) < 0) {
			say("USERTCP_GW wants an address, not '%s'", gw);
			return -EINVAL;
		}
		struct ut_ip any = g.family == AF_INET ? ut_ip_v4(INADDR_ANY) : (struct ut_ip){0};
		any.family = g.family;
		for (unsigned i = 0; i < nstacks; i++)
			if ((err = ut_route_add(stacks[i], any, 0, g, NULL)) < 0) {
				say("USERTCP_GW %s: %s", gw, strerror(-err));
				return err;
			}
	}
	/* queue 0 to FILE, queue i to FILE.qi, as the tools' --threads */
	for (unsigned i = 0; pcap && *pcap && dev && i < nstacks; i++) {
		char path[4096];
		if (i == 0)
			snprintf(path, sizeof(path), "%s", pcap);
		else
			snprintf(path, sizeof(path), "%s.q%u", pcap, i);
		if ((err = ut_dev_pcap_open(devs[i], path)) < 0) {
			say("USERTCP_PCAP %s: %s", path, strerror(-err));
			return err;
		}
		pcap_on = true;
	}
	for (unsigned i = 0; env_flag("USERTCP_TRACE") && i < nstacks; i++)
		ut_trace_set(stacks[i], ut_trace_print_text, stderr);
	if (getenv("USERTCP_IMPAIR") && (err = stack_impair(getenv("USERTCP_IMPAIR"))) < 0)
		return err;
	return 0;
}

/* Set on the thread starting the stack: the library's own sockets then
 * (the device code asks the kernel about the interface through an
 * AF_INET socket) are the kernel's, not the stack's being made. */
static _Thread_local bool starting;

bool preload_starting(void)
{
	return starting;
}

/* An IPv6 address is tentative through duplicate address detection
 * (RFC 4862 5.4, a second by default), and a tentative address can be
 * neither a source nor bound (EADDRNOTAVAIL). Linux's addresses are
 * configured long before the programs that use them start; this stack
 * is born with the program, so its first socket waits (up to 3 s) until
 * the address can be bound, rather than have the program's first
 * connect or bind fail. */
static void wait_dad(void)
{
	struct sockaddr_in6 sin6;
	struct timespec nap = {0, 50 * 1000 * 1000};
	unsigned k = 0;

	if (addr6.family != AF_INET6)
		return;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = addr6.u.v6;
	/* each stack runs its own detection, at the same time: the 3 s are
	 * for all of them */
	for (int i = 0; i < 60 && k < nstacks; i++) {
		int fd = ut_socket(stacks[k], AF_INET6, SOCK_DGRAM, 0), r;
		if (fd < 0)
			return;
		r = ut_bind(stacks[k], fd, (struct sockaddr *)&sin6, sizeof(sin6));
		ut_close(stacks[k], fd);
		if (r == 0 || errno != EADDRNOTAVAIL) {
			k++;
			continue;
		}
		nanosleep(&nap, NULL);
	}
}

static void stack_start(void)
{
	const char *tap = getenv("USERTCP_TAP"), *tun = getenv("USERTCP_TUN");
	const char *threads = getenv("USERTCP_THREADS"), *name = getenv("USERTCP_DIAG");
	struct ut_stack_config cfg;
	char why[512], diag_name[64], *end;
	unsigned long n = 1;
	int err;

	ut_stack_config_init(&cfg);
	cfg.name = "run";
	if (getenv("USERTCP_SEED"))
		cfg.seed = strtoull(getenv("USERTCP_SEED"), NULL, 10);
	if (threads && *threads) {
		errno = 0;
		n = strtoul(threads, &end, 10);
		if (errno || *end || n < 1 || n > UT_GROUP_MAX) {
			say("USERTCP_THREADS wants 1 to %d, not '%s'", UT_GROUP_MAX, threads);
			err = -EINVAL;
			goto fail;
		}
	}
	if ((err = ut_group_create(&cfg, (unsigned)n, &group)) < 0) {
		say("cannot create the stack: %s", strerror(-err));
		goto fail;
	}
	nstacks = ut_group_size(group);
	for (unsigned i = 0; i < nstacks; i++)
		stacks[i] = ut_group_stack(group, i);
	stack = stacks[0];
	stack_pid = getpid();
	/* A socket bound to a port outside every slice (a server's, a
	 * datagram socket on port 53) lives on stack 0 (socket.c): its
	 * segments reaching another queue are handed there. */
	ut_group_set_port_home(group, 0);
	for (unsigned i = 0; i < nstacks; i++) {
		/* What the program sends to itself over loopback is there
		 * when the call returns, as on Linux (stack_unlock). */
		stacks[i]->loopback_inline = true;
		/* IPv6 as a Linux host has it, so that a program's AF_INET6
		 * sockets (a server on [::], dual-stack) work on the stack
		 * they are sent to. */
		if (inet6 == INET6_USERTCP)
			ut_sysctl_set(stacks[i], "net.ipv6.conf.all.disable_ipv6", 0);
	}
	if ((tap && *tap) || (tun && *tun)) {
		const char *ifname = tap && *tap ? tap : tun;
		enum ut_dev_type type = tap && *tap ? UT_DEV_ETHER : UT_DEV_RAWIP;
		/* impairments act on wire packets with the offloads on too
		 * (ut_dev_set_netem), as the tools' */
		unsigned flags = env_flag("USERTCP_NO_OFFLOAD") ? UT_DEV_F_NO_OFFLOAD : 0;

		err = ut_group_open_tuntap(group, ifname, type, flags, NULL, devs);
		if (err < 0) {
			say("%s", ut_dev_tuntap_strerror(err, ifname, type, why, sizeof(why)));
			goto fail;
		}
		dev = devs[0];
	}
	if ((err = stack_configure()) < 0)
		goto fail;
	/* Each stack has a loopback of its own: what one sends to 127.0.0.1
	 * reaches its own sockets. A listener is on every stack, but a
	 * datagram socket, or a connection's far end, on one: with the
	 * loopbacks as queues of the group, a segment for a port no socket
	 * of the sender's stack holds is handed to the port's stack, as one
	 * from the interface is. */
	if (nstacks > 1) {
		struct ut_dev *los[UT_GROUP_MAX];
		for (unsigned i = 0; i < nstacks; i++)
			los[i] = ut_dev_by_name(stacks[i], "lo");
		if ((err = ut_group_add_queues(group, los)) < 0) {
			say("cannot join the stacks' loopbacks: %s", strerror(-err));
			goto fail;
		}
	}
	/* A wake on any stack reaches every parked waiter: a thread may
	 * wait on sockets of several stacks at once (select.c). */
	for (unsigned i = 0; i < nstacks; i++)
		ut_stack_set_wake_hook(stacks[i], waiter_wake_all, stacks[i]);
	if ((err = ut_group_thread_start(group)) < 0) {
		say("cannot start the stack thread: %s", strerror(-err));
		goto fail;
	}
	/* A program killed by SIGTERM, SIGINT ... closes its connections
	 * too (signal.c); without it, it still runs. */
	signal_exit_start();
	wait_dad();
	/* What `usertcp ss` and `usertcp nstat` ask, as for the other tools;
	 * USERTCP_DIAG=off: none. */
	if (!name || strcmp(name, "off") != 0) {
		if (!name || !*name) {
			snprintf(diag_name, sizeof(diag_name), "run-%d", (int)getpid());
			name = diag_name;
		}
		if (ut_group_diag_start(group, name, &diag) < 0)
			diag = NULL;
	}
	return;
fail:
	if (group)
		ut_group_destroy(group);
	group = NULL;
	stack = NULL;
	dev = NULL;
	memset(stacks, 0, sizeof(stacks));
	memset(devs, 0, sizeof(devs));
	nstacks = 0;
	stack_err = err < 0 ? -err : ENETDOWN;
}

bool preload_stack_lock_held(void)
{
	for (unsigned i = 0; stack && i < nstacks; i++)
		if (stack_lock_held(stacks[i]))
			return true;
	return false;
}

unsigned preload_nstacks(void)
{
	return nstacks;
}

struct ut_stack *preload_stack_at(unsigned i)
{
	return i < nstacks ? stacks[i] : NULL;
}

int preload_stack_index(const struct ut_stack *st)
{
	for (unsigned i = 0; i < nstacks; i++)
		if (stacks[i] == st)
			return (int)i;
	return -1;
}

struct ut_stack *preload_stack_next(void)
{
	struct ut_stack *st = preload_stack();

	if (!st || nstacks < 2)
		return st;
	return stacks[atomic_fetch_add_explicit(&next_stack, 1, memory_order_relaxed) % nstacks];
}

struct ut_stack *preload_port_stack(unsigned port)
{
	int i = ut_group_port_owner(group, port);

	return stacks[i >= 0 && (unsigned)i < nstacks ? (unsigned)i : 0];
}

struct ut_stack *preload_stack(void)
{
	if (forked) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	starting = true;
	pthread_once(&stack_once, stack_start);
	starting = false;
	if (!stack)
		errno = stack_err;
	return stack;
}

/* ---- fork and exit --------------------------------------------------------------*/

/* The child of a fork has the parent's memory but not its stack thread,
 * and the interface is the parent's: the usertcp descriptors it inherited
 * become the plain eventfds they are underneath (socket calls on them
 * answer ENOTSOCK), and it opens no usertcp socket (docs/RUN.md). */
static void atfork_child(void)
{
	if (!stack)
		return;
	forked = true;
	fdtable_clear(false);
	signal_exit_forget();
}

bool preload_stack_owner(void)
{
	return stack && !forked && getpid() == stack_pid;
}

static atomic_bool exited;

void preload_exit(void)
{
	if (!preload_stack_owner() || atomic_exchange(&exited, true))
		return;
	/* What Linux does for a process that exits: every descriptor is
	 * closed, each socket's last reference with it, so connections send
	 * their FIN (or RST, data unread). Linux then goes on finishing them
	 * without the process; here the stack goes with the process, so it
	 * is given a moment (up to a second) to get its FINs acknowledged. */
	if (fdtable_clear(true)) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		for (int i = 0; i < 100; i++) {
			unsigned left = 0;
			for (unsigned k = 0; k < nstacks; k++) {
				struct ut_sockstat ss;
				ut_sockstat_get(stacks[k], &ss);
				left += ss.tcp_alloc;
			}
			if (left == 0)
				break;
			nanosleep(&ts, NULL);
		}
	}
	ut_diag_stop(diag);
	diag = NULL;
	ut_group_thread_stop(group);
	for (unsigned i = 0; pcap_on && i < nstacks; i++)
		ut_dev_pcap_close(devs[i]);
	/* USERTCP_NSTAT=1 (usertcp run --nstat): the counters, as the tools
	 * print them at exit */
	if (env_flag("USERTCP_NSTAT")) {
		fprintf(stderr, "#usertcp run: the stack's counters at exit\n");
		counters_print(stacks, nstacks, stderr);
		if (dev)
			dev_stats_print(devs, nstacks, group, "usertcp run", stderr);
	}
}

__attribute__((constructor)) static void preload_init(void)
{
	const char *v = getenv("USERTCP_INET6");

	preload_resolve();
	fdtable_init();
	if (v && !strcmp(v, "kernel"))
		inet6 = INET6_KERNEL;
	else if (v && !strcmp(v, "eafnosupport"))
		inet6 = INET6_EAFNOSUPPORT;
	else if (v && *v && strcmp(v, "usertcp") != 0)
		say("USERTCP_INET6 is usertcp, kernel or eafnosupport, not '%s'", v);
	pthread_atfork(NULL, NULL, atfork_child);
}

__attribute__((destructor)) static void preload_fini(void)
{
	preload_exit();
}
