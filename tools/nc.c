/* usertcp nc: netcat over usertcp, on one of the host's TAP or TUN
 * interfaces.
 *
 *   usertcp nc --tap tap0 --ip 10.99.0.2/24 -l 7000         accept one
 *   usertcp nc --tap tap0 --ip 10.99.0.2/24 10.99.0.1 7000  connect
 *
 * Standard input goes to the connection, the connection to standard
 * output. At end of input the sending side is shut down (as `nc -N`
 * does: the peer reads end of file) and the program exits once the peer
 * has closed its side too, so a file sent either way arrives whole and
 * both ends finish on their own.
 *
 * Threads: the stack runs on its own thread; this thread receives (recv ->
 * stdout), a second one sends (stdin -> send), since a blocking read of
 * standard input cannot wait on a usertcp descriptor. A third waits for
 * SIGINT/SIGTERM/SIGHUP and wakes the other two with shutdown(SHUT_RDWR).
 *
 * The connection lives in this process, so it cannot outlive it as a
 * kernel socket outlives netcat: on a normal end the last close() waits
 * (SO_LINGER) until the peer has acknowledged everything, and when
 * interrupted the connection is aborted with a RST, so the peer is not
 * left waiting for an answer that no one will send. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <poll.h>
#include <unistd.h>

#include "tool.h"
#include "usertcp/socket.h"

#define NC_BUF (64 * 1024)
/* How long the final close may wait for the peer to acknowledge the last
 * data and our FIN before the program gives up and exits. */
#define NC_LINGER_S 10
/* How long an IPv6 address may take to become usable: DAD takes about a
 * second (RFC 4862 5.4), and a SLAAC address waits for an advertisement. */
#define NC_DAD_WAIT_MS 10000

struct nc {
	struct attach *at;
	struct ut_stack *stack; /* the connection's (stack 0 until one is made) */
	int fd;			/* the connection or, before it, the listener */
	bool verbose;
	const char *cc; /* --cc: TCP_CONGESTION for the socket, or NULL */
	bool zerocopy;	/* --zerocopy: MSG_ZEROCOPY sends */
	/* MSG_ZEROCOPY's bookkeeping (the sender thread's): sends made,
	 * sends notified, and of those how many the stack had to copy */
	uint32_t zc_sent, zc_done, zc_copied;
	const char *ifname; /* the interface attached, which names scopes */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool sending;	/* the sender thread is inside a call on fd */
	bool send_done; /* it has finished: shut down, or failed */
	bool closing;	/* fd is being closed: hands off */
	int send_err;	/* errno of a failed send, 0 */
	int stop_sig;	/* the signal that asked us to stop, 0 */
};

static void nc_usage(FILE *f)
{
	fprintf(f,
		"Usage: usertcp nc --tap IF --ip ADDR/PREFIX [options] HOST PORT\n"
		"       usertcp nc --tap IF --ip ADDR/PREFIX [options] -l [ADDR] PORT\n"
		"netcat over usertcp: connects to HOST PORT (or accepts one connection on\n"
		"PORT with -l), copies standard input to the connection and the connection\n"
		"to standard output. At end of input it shuts down its sending side (as\n"
		"nc -N) and exits once the peer has closed too. Exit status 1 when the\n"
		"connection fails (refused, timed out, reset).\n\n"
		"HOST and ADDR are numeric, IPv4 (10.99.0.1) or IPv6 (fd00:99::1, with\n"
		"brackets or without); a link-local IPv6 address names its interface:\n"
		"fe80::1%%tap0 (or its index). An IPv6 address turns on IPv6 (--ipv6).\n"
		"Without ADDR, -l listens on :: for both families (an IPv4 peer shows as\n"
		"::ffff:a.b.c.d), as a Linux socket does.\n\n"
		"Options:\n"
		"  -l               listen for one connection instead of connecting\n"
		"  -p PORT          with -l: the port to listen on; otherwise the local port\n"
		"  -s ADDR          the local address (connecting), or the one to listen on\n"
		"  -4, -6           IPv4 or IPv6 only: -4 listens on 0.0.0.0, -6 on ::\n"
		"                   without IPv4 (IPV6_V6ONLY); the other family's\n"
		"                   addresses are refused\n"
		"  -w SECONDS       give up connecting after SECONDS (default: the stack's\n"
		"                   SYN retries, about 2 minutes, as Linux)\n"
		"  -v               say when the connection is made or accepted\n"
		"  -n, -N           accepted for netcat's sake (addresses are numeric and\n"
		"                   end of input always shuts down the sending side)\n"
		"  -u               refused: usertcp nc speaks TCP only\n"
		"  --zerocopy       send with MSG_ZEROCOPY (SO_ZEROCOPY): the stack sends\n"
		"                   from nc's buffers instead of copying them; with -v,\n"
		"                   how many sends were notified and how many copied\n"
		"  --cc NAME        the connection's congestion control (TCP_CONGESTION),\n"
		"                   e.g. reno or cubic; default: the stack's\n"
		"%s%s%s",
		attach_opts_help, attach_threads_help, impair_opts_help);
}

static bool parse_port(const char *s, uint16_t *port)
{
	uint64_t v;
	if (!parse_u64(s, &v) || v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* ---- the sender: standard input -> connection ---------------------------------*/

/* The sender may use fd only between these two, and not once the main
 * thread has started closing it. */
static bool sender_enter(struct nc *nc)
{
	pthread_mutex_lock(&nc->mu);
	bool ok = !nc->closing;
	nc->sending = ok;
	pthread_mutex_unlock(&nc->mu);
	return ok;
}

static void sender_leave(struct nc *nc)
{
	pthread_mutex_lock(&nc->mu);
	nc->sending = false;
	pthread_cond_broadcast(&nc->cond);
	pthread_mutex_unlock(&nc->mu);
}

static int send_all(struct nc *nc, const char *p, size_t n)
{
	int flags = MSG_NOSIGNAL | (nc->zerocopy ? MSG_ZEROCOPY : 0);

	while (n) {
		ssize_t k = ut_send(nc->stack, nc->fd, p, n, flags);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (nc->zerocopy)
			nc->zc_sent++;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* --zerocopy: reads the notifications queued (each a range of send
 * numbers, Documentation/networking/msg_zerocopy.rst) without waiting. */
static void zc_reap(struct nc *nc)
{
	for (;;) {
		union {
			char buf[128];
			struct cmsghdr align;
		} ctl;
		struct msghdr msg = {0};
		struct cmsghdr *c;

		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		if (ut_recvmsg(nc->stack, nc->fd, &msg, MSG_ERRQUEUE) < 0)
			return;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			struct sock_extended_err ee;
			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				continue;
			nc->zc_done += ee.ee_data - ee.ee_info + 1;
			if (ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				nc->zc_copied += ee.ee_data - ee.ee_info + 1;
		}
	}
}

/* Waits until at most `pending` sends are unnotified: their memory is
 * lent to the stack until then. TCP completes sends in order. False when
 * the connection is being closed under us. */
static bool zc_wait(struct nc *nc, uint32_t pending)
{
	zc_reap(nc);
	while (nc->zc_sent - nc->zc_done > pending) {
		struct pollfd p = {.fd = nc->fd, .events = 0};
		sender_leave(nc);
		if (!sender_enter(nc))
			return false;
		(void)ut_poll(nc->stack, &p, 1, 100);
		zc_reap(nc);
	}
	return true;
}

#define NC_ZC_BUFS 4

static void *sender_main(void *arg)
{
	struct nc *nc = arg;
	/* With --zerocopy, a ring of buffers: one is filled while the
	 * others are lent to the stack; a buffer is reused once its send is
	 * notified. */
	unsigned nbufs = nc->zerocopy ? NC_ZC_BUFS : 1, cur = 0;
	char *ring = malloc((size_t)NC_BUF * nbufs);
	uint32_t last_send[NC_ZC_BUFS] = {0};
	int err = ring ? 0 : -ENOMEM;

	while (!err) {
		char *buf = ring + (size_t)cur * NC_BUF;
		if (nc->zerocopy && last_send[cur]) {
			if (!sender_enter(nc))
				break;
			bool ok = zc_wait(nc, nc->zc_sent - last_send[cur]);
			sender_leave(nc);
			if (!ok)
				break;
		}
		ssize_t n = read(STDIN_FILENO, buf, NC_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fprintf(stderr, "usertcp nc: read from standard input: %s\n",
				strerror(errno));
		if (n <= 0)
			break; /* end of input (or an unreadable one) */
		if (!sender_enter(nc))
			break;
		err = send_all(nc, buf, (size_t)n);
		last_send[cur] = nc->zc_sent;
		sender_leave(nc);
		cur = (cur + 1) % nbufs;
	}
	/* End of input: the peer reads end of file, and may still send. A
	 * failed send stops the receiver too, so the failure is reported. */
	if (sender_enter(nc)) {
		if (ut_shutdown(nc->stack, nc->fd, err ? SHUT_RDWR : SHUT_WR) < 0 && !err)
			err = -errno;
		/* every lent buffer back before the memory goes */
		if (nc->zerocopy && zc_wait(nc, 0) && nc->verbose)
			fprintf(stderr,
				"usertcp nc: zerocopy: %u sends notified, %u of them copied\n",
				nc->zc_done, nc->zc_copied);
		sender_leave(nc);
	}
	/* Memory still lent (a connection closed under the sender, whose
	 * queued data may yet be sent from it) stays for the life of the
	 * process rather than be freed under the stack. */
	if (!nc->zerocopy || nc->zc_done == nc->zc_sent)
		free(ring);
	pthread_mutex_lock(&nc->mu);
	nc->send_err = -err;
	nc->send_done = true;
	pthread_cond_broadcast(&nc->cond);
	pthread_mutex_unlock(&nc->mu);
	return NULL;
}

/* ---- signals ---------------------------------------------------------------------*/

static void *signal_main(void *arg)
{
	struct nc *nc = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		pthread_mutex_lock(&nc->mu);
		if (nc->stop_sig) {
			/* Asked twice: whatever is stuck, go now. */
			pthread_mutex_unlock(&nc->mu);
			_exit(128 + sig);
		}
		nc->stop_sig = sig;
		/* Wakes every call blocked on fd: accept and connect fail,
		 * recv returns end of file, send EPIPE. */
		if (nc->fd >= 0 && !nc->closing)
			ut_shutdown(nc->stack, nc->fd, SHUT_RDWR);
		pthread_cond_broadcast(&nc->cond);
		pthread_mutex_unlock(&nc->mu);
	}
	return NULL;
}

/* ---- making the connection ---------------------------------------------------------*/

/* --cc and --zerocopy: the socket's congestion control and SO_ZEROCOPY,
 * set before the handshake as a
 * program would with TCP_CONGESTION (an accepted connection takes its
 * listener's, as in Linux). */
static int nc_set_opts(struct nc *nc, int fd)
{
	int one = 1;

	/* --zerocopy too (an accepted connection inherits it, as Linux's) */
	if (nc->zerocopy &&
	    ut_setsockopt(nc->stack, fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0) {
		fprintf(stderr, "usertcp nc: SO_ZEROCOPY: %s\n", strerror(errno));
		return -1;
	}
	if (!nc->cc)
		return 0;
	if (ut_setsockopt(nc->stack, fd, IPPROTO_TCP, TCP_CONGESTION, nc->cc,
			  (socklen_t)strlen(nc->cc)) < 0) {
		fprintf(stderr, "usertcp nc: congestion control '%s': %s\n", nc->cc,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* A listener on sa on nc->stack, dual-stack unless v6only when it is
 * AF_INET6's ::, as the kernel's (net.ipv6.bindv6only 0); -1 after saying
 * why. */
static int nc_listener(struct nc *nc, const struct sockaddr *sa, socklen_t salen, bool v6only,
		       int type)
{
	char a[TOOL_HOST_STRLEN];
	int one = 1, lfd;

	lfd = ut_socket(nc->stack, sa->sa_family, type, 0);
	if (lfd < 0) {
		fprintf(stderr, "usertcp nc: socket: %s\n", strerror(errno));
		return -1;
	}
	ut_setsockopt(nc->stack, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6only)
		ut_setsockopt(nc->stack, lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (nc_set_opts(nc, lfd) < 0) {
		ut_close(nc->stack, lfd);
		return -1;
	}
	if (tool_bind_wait(nc->stack, lfd, sa, salen, NC_DAD_WAIT_MS) < 0 ||
	    ut_listen(nc->stack, lfd, 1) < 0) {
		fprintf(stderr, "usertcp nc: bind to %s port %u: %s\n",
			tool_sockaddr_host(nc->stack, nc->ifname, sa, a, sizeof(a)),
			tool_sockaddr_port(sa), strerror(errno));
		ut_close(nc->stack, lfd);
		return -1;
	}
	return lfd;
}

/* With --threads: a listener on every stack, since the kernel may steer
 * the peer's connection to any queue; the connection is the first one
 * any of them accepts, and its stack is the one nc goes on with. The
 * listeners are watched in turn (a ut_poll covers one stack): the first
 * for up to 50 ms, the others at once. -1: stopped or failed; else the
 * connection's descriptor on nc->stack. */
static int nc_accept_group(struct nc *nc, const struct sockaddr *sa, socklen_t salen, bool v6only,
			   struct sockaddr_storage *peer, socklen_t *plen)
{
	int lfd[UT_GROUP_MAX], cfd = -1;
	unsigned n = nc->at->n, made, won = 0;
	bool failed = false;

	for (made = 0; made < n; made++) {
		nc->stack = nc->at->stacks[made];
		lfd[made] = nc_listener(nc, sa, salen, v6only, SOCK_STREAM | SOCK_NONBLOCK);
		if (lfd[made] < 0)
			break;
	}
	failed = made < n;
	if (!failed && nc->verbose)
		fprintf(stderr, "Listening on %u stacks\n", n);
	while (!failed && cfd < 0) {
		pthread_mutex_lock(&nc->mu);
		bool stopped = nc->stop_sig != 0;
		pthread_mutex_unlock(&nc->mu);
		if (stopped)
			break;
		for (unsigned j = 0; j < n && cfd < 0 && !failed; j++) {
			struct pollfd p = {.fd = lfd[j], .events = POLLIN};
			if (ut_poll(nc->at->stacks[j], &p, 1, j == 0 ? 50 : 0) <= 0)
				continue;
			*plen = sizeof(*peer);
			cfd = ut_accept(nc->at->stacks[j], lfd[j], (struct sockaddr *)peer, plen);
			if (cfd < 0 && errno != EAGAIN) {
				fprintf(stderr, "usertcp nc: accept: %s\n", strerror(errno));
				failed = true;
			}
			won = j;
		}
	}
	/* One connection only: later ones are refused, as with netcat. */
	for (unsigned j = 0; j < made; j++)
		ut_close(nc->at->stacks[j], lfd[j]);
	pthread_mutex_lock(&nc->mu);
	nc->stack = nc->at->stacks[cfd >= 0 ? won : 0];
	nc->fd = cfd;
	pthread_mutex_unlock(&nc->mu);
	return cfd;
}

/* Accepts one connection on sa (nc_listener's), on every stack with
 * --threads. */
static int nc_listen(struct nc *nc, const struct sockaddr *sa, socklen_t salen, bool v6only)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char a[TOOL_HOST_STRLEN];
	int lfd, cfd;

	if (nc->at->n > 1) {
		if (nc_accept_group(nc, sa, salen, v6only, &peer, &plen) < 0)
			return -1;
		goto accepted;
	}
	if ((lfd = nc_listener(nc, sa, salen, v6only, SOCK_STREAM)) < 0)
		return -1;
	if (nc->verbose)
		fprintf(stderr, "Listening on %s %u\n",
			tool_sockaddr_host(nc->stack, nc->ifname, sa, a, sizeof(a)),
			tool_sockaddr_port(sa));
	pthread_mutex_lock(&nc->mu);
	nc->fd = lfd;
	bool stopped = nc->stop_sig != 0;
	pthread_mutex_unlock(&nc->mu);
	cfd = stopped ? -1 : ut_accept(nc->stack, lfd, (struct sockaddr *)&peer, &plen);
	int err = errno;
	/* One connection only: later ones are refused, as with netcat. */
	pthread_mutex_lock(&nc->mu);
	nc->fd = cfd;
	ut_close(nc->stack, lfd);
	stopped = nc->stop_sig != 0;
	pthread_mutex_unlock(&nc->mu);
	if (cfd < 0) {
		if (!stopped)
			fprintf(stderr, "usertcp nc: accept: %s\n", strerror(err));
		return -1;
	}
accepted:
	/* An IPv4 peer of a dual-stack listener shows as ::ffff:a.b.c.d, as
	 * the kernel's nc prints it. */
	if (nc->verbose)
		fprintf(stderr, "Connection received on %s %u\n",
			tool_sockaddr_host(nc->stack, nc->ifname, (struct sockaddr *)&peer, a,
					   sizeof(a)),
			tool_sockaddr_port((struct sockaddr *)&peer));
	return 0;
}

/* Blocking connect to dst (from src when given: -s or -p), or with -w a
 * non-blocking one waited on by poll, which is how netcat bounds it. */
static int nc_connect(struct nc *nc, const struct sockaddr *dst, socklen_t dlen,
		      const struct sockaddr *src, socklen_t slen, int timeout_ms)
{
	char a[TOOL_HOST_STRLEN];
	int fd, err = 0;

	fd = ut_socket(nc->stack, dst->sa_family, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "usertcp nc: socket: %s\n", strerror(errno));
		return -1;
	}
	if (nc_set_opts(nc, fd) < 0) {
		ut_close(nc->stack, fd);
		return -1;
	}
	if (src && tool_bind_wait(nc->stack, fd, src, slen, NC_DAD_WAIT_MS) < 0) {
		fprintf(stderr, "usertcp nc: bind to %s port %u: %s\n",
			tool_sockaddr_host(nc->stack, nc->ifname, src, a, sizeof(a)),
			tool_sockaddr_port(src), strerror(errno));
		ut_close(nc->stack, fd);
		return -1;
	}
	pthread_mutex_lock(&nc->mu);
	nc->fd = fd;
	bool stopped = nc->stop_sig != 0;
	pthread_mutex_unlock(&nc->mu);
	if (stopped)
		return -1;
	if (timeout_ms >= 0)
		ut_fcntl(nc->stack, fd, F_SETFL, O_NONBLOCK);
	if (ut_connect(nc->stack, fd, dst, dlen) < 0) {
		err = errno;
		if (err == EINPROGRESS && timeout_ms >= 0) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			socklen_t len = sizeof(err);
			int n = ut_poll(nc->stack, &p, 1, timeout_ms);
			if (n == 0)
				err = ETIMEDOUT;
			else if (n < 0 ||
				 ut_getsockopt(nc->stack, fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
	}
	if (timeout_ms >= 0)
		ut_fcntl(nc->stack, fd, F_SETFL, 0);
	pthread_mutex_lock(&nc->mu);
	stopped = nc->stop_sig != 0;
	pthread_mutex_unlock(&nc->mu);
	if (stopped)
		return -1;
	tool_sockaddr_host(nc->stack, nc->ifname, dst, a, sizeof(a));
	if (err) {
		fprintf(stderr, "usertcp nc: connect to %s port %u (tcp) failed: %s\n", a,
			tool_sockaddr_port(dst), strerror(err));
		return -1;
	}
	if (nc->verbose)
		fprintf(stderr, "Connection to %s %u port [tcp/*] succeeded!\n", a,
			tool_sockaddr_port(dst));
	return 0;
}

/* ---- the receiver: connection -> standard output, then the end ---------------------*/

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Returns the exit status. */
static int nc_copy(struct nc *nc)
{
	pthread_t tid;
	char *buf = malloc(NC_BUF);
	int recv_err = 0, status = 0;
	bool abort_conn = false;

	if (!buf || pthread_create(&tid, NULL, sender_main, nc)) {
		fprintf(stderr, "usertcp nc: cannot start the sender\n");
		free(buf);
		return 1;
	}
	pthread_detach(tid);
	for (;;) {
		ssize_t n = ut_recv(nc->stack, nc->fd, buf, NC_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			recv_err = errno;
		if (n <= 0)
			break;
		int err = write_all(STDOUT_FILENO, buf, (size_t)n);
		if (err) {
			fprintf(stderr, "usertcp nc: write to standard output: %s\n",
				strerror(-err));
			status = 1;
			abort_conn = true;
			break;
		}
	}
	free(buf);

	pthread_mutex_lock(&nc->mu);
	/* The peer has closed its side: wait for ours (end of input), unless
	 * the connection is already broken or we were interrupted. */
	if (!recv_err && !abort_conn)
		while (!nc->send_done && !nc->stop_sig)
			pthread_cond_wait(&nc->cond, &nc->mu);
	int err = recv_err ? recv_err : nc->send_done ? nc->send_err : 0;
	if (nc->stop_sig) {
		abort_conn = true;
	} else if (err) {
		/* EPIPE after a RST is the reset seen from the sending side. */
		fprintf(stderr, "usertcp nc: %s\n", strerror(err == EPIPE ? ECONNRESET : err));
		status = 1;
		abort_conn = true;
	}
	/* A sender blocked on a full window would never come back from a
	 * broken connection by itself. */
	if (abort_conn)
		ut_shutdown(nc->stack, nc->fd, SHUT_RDWR);
	nc->closing = true;
	while (nc->sending)
		pthread_cond_wait(&nc->cond, &nc->mu);
	pthread_mutex_unlock(&nc->mu);

	/* Both ways done: close waits until the peer has our FIN, so that
	 * nothing we sent is lost when the process (and its stack) ends. A
	 * broken or interrupted connection is aborted instead. */
	struct linger l = {.l_onoff = 1, .l_linger = abort_conn ? 0 : NC_LINGER_S};
	ut_setsockopt(nc->stack, nc->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	ut_close(nc->stack, nc->fd);
	nc->fd = -1;
	return status;
}

/* The family the socket gets: that of the address, else (listening on no
 * address) IPv6's, whose :: takes IPv4 too, unless -4. -4 and -6 refuse
 * the other family's addresses, as netcat's do. */
static int nc_family(const struct tool_addr *a, int want, const char *what)
{
	char text[UT_IP_STRLEN];

	if (!a)
		return want == AF_INET ? AF_INET : AF_INET6;
	if (!want || a->ip.family == want)
		return a->ip.family;
	ut_ip_ntop(a->ip, text, sizeof(text));
	fprintf(stderr, "usertcp nc: %s %s is not an %s address (%s)\n", what, text,
		want == AF_INET ? "IPv4" : "IPv6", want == AF_INET ? "-4" : "-6");
	return -1;
}

int cmd_nc(int argc, char **argv)
{
	struct attach_opts ao;
	struct attach at;
	struct nc nc = {.fd = -1};
	const char *args[3], *p_arg = NULL, *s_arg = NULL;
	struct tool_addr host, src;
	bool listen = false, have_host = false;
	int nargs = 0, want = 0, family, timeout_ms = -1, r, status = 1;
	uint16_t port = 0, sport = 0;
	uint64_t v;
	char why[160];
	pthread_t sig_tid;
	sigset_t set;

	attach_opts_init(&ao);
	ao.threads_ok = true;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((r = attach_opts_parse(&ao, argc, argv, &i, "usertcp nc")) < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			nc_usage(stdout);
			return 0;
		} else if (!strcmp(o, "-l")) {
			listen = true;
		} else if (!strcmp(o, "-v")) {
			nc.verbose = true;
			ao.verbose = true;
		} else if (!strcmp(o, "-4") || !strcmp(o, "-6")) {
			want = o[1] == '4' ? AF_INET : AF_INET6;
		} else if (!strcmp(o, "-u")) {
			/* Not silently TCP: the user asked for datagrams. */
			fprintf(stderr, "usertcp nc: -u: UDP is not supported by usertcp nc yet\n");
			return 2;
		} else if (!strcmp(o, "-n") || !strcmp(o, "-N")) {
			/* netcat habits, already our behaviour */
		} else if (!strcmp(o, "--zerocopy")) {
			nc.zerocopy = true;
		} else if (!strcmp(o, "--cc")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "usertcp nc: option --cc needs a value\n");
				return 2;
			}
			nc.cc = argv[++i];
		} else if (!strcmp(o, "-p") || !strcmp(o, "-w") || !strcmp(o, "-s")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "usertcp nc: option %s needs a value\n", o);
				return 2;
			}
			const char *val = argv[++i];
			if (!strcmp(o, "-p")) {
				p_arg = val;
			} else if (!strcmp(o, "-s")) {
				s_arg = val;
			} else if (!parse_u64(val, &v) || v < 1 || v > 86400) {
				fprintf(stderr, "usertcp nc: invalid timeout: '%s'\n", val);
				return 2;
			} else {
				timeout_ms = (int)v * 1000;
			}
		} else if (o[0] == '-' && o[1]) {
			fprintf(stderr, "usertcp nc: unknown option '%s'\n", o);
			nc_usage(stderr);
			return 2;
		} else if (nargs < 2) {
			args[nargs++] = o;
		} else {
			fprintf(stderr, "usertcp nc: too many arguments: '%s'\n", o);
			return 2;
		}
	}
	/* Connecting: HOST PORT. Listening: [ADDR] PORT, or -p PORT as
	 * netcat also takes it; -s ADDR is the local address either way. */
	const char *host_arg = NULL, *port_arg = NULL;
	if (listen) {
		if (nargs == 2) {
			host_arg = args[0];
			port_arg = args[1];
		} else if (nargs == 1) {
			port_arg = args[0];
		} else {
			port_arg = p_arg;
			p_arg = NULL;
		}
		if (host_arg && s_arg) {
			fprintf(stderr, "usertcp nc: -l: give the address once, with -s or before "
					"the port\n");
			return 2;
		}
		if (!host_arg)
			host_arg = s_arg;
		s_arg = NULL;
	} else if (nargs == 2) {
		host_arg = args[0];
		port_arg = args[1];
	}
	if (!port_arg || (!listen && !host_arg)) {
		fprintf(stderr, "usertcp nc: %s\n",
			listen ? "-l needs a PORT" : "HOST and PORT are needed (or -l PORT)");
		nc_usage(stderr);
		return 2;
	}
	if (!parse_port(port_arg, &port) || (p_arg && !parse_port(p_arg, &sport))) {
		fprintf(stderr, "usertcp nc: port number invalid: %s\n",
			parse_port(port_arg, &port) ? p_arg : port_arg);
		return 2;
	}
	if (host_arg) {
		if (tool_addr_parse(host_arg, &host, why, sizeof(why)) < 0) {
			fprintf(stderr, "usertcp nc: %s\n", why);
			return 2;
		}
		have_host = true;
	}
	if (s_arg && tool_addr_parse(s_arg, &src, why, sizeof(why)) < 0) {
		fprintf(stderr, "usertcp nc: -s: %s\n", why);
		return 2;
	}
	family = nc_family(have_host ? &host : NULL, want, listen ? "-l" : "host");
	if (family < 0)
		return 2;
	if (s_arg && src.ip.family != family) {
		fprintf(stderr, "usertcp nc: -s: the source and the host must be of one family\n");
		return 2;
	}
	/* An IPv6 peer or address needs IPv6 on the interface: asking for one
	 * asks for that too, as --ipv6 would. */
	if ((have_host && host.ip.family == AF_INET6) || want == AF_INET6)
		ao.ipv6 = true;

	/* Only the signal thread takes these; every other thread, the
	 * stack's included, inherits the mask. A write to a closed standard
	 * output is an error to report, not a death. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&nc.mu, NULL);
	pthread_cond_init(&nc.cond, NULL);

	if (attach_open(&ao, "usertcp nc", &at) < 0)
		return 1;
	nc.at = &at;
	nc.stack = at.stack;
	nc.ifname = ao.ifname;
	if (pthread_create(&sig_tid, NULL, signal_main, &nc)) {
		fprintf(stderr, "usertcp nc: cannot start the signal thread\n");
		attach_close(&at);
		return 1;
	}
	pthread_detach(sig_tid);

	struct sockaddr_storage ss, sl;
	socklen_t slen = 0, sllen = 0;
	struct tool_addr any = {.ip = family == AF_INET ? ut_ip_v4(INADDR_ANY)
							: ut_ip_v6(&in6addr_any)};
	const struct tool_addr *local = listen	? (have_host ? &host : &any)
					: s_arg ? &src
					: sport ? &any
						: NULL;
	if ((listen || have_host) &&
	    tool_sockaddr(nc.stack, nc.ifname, listen ? local : &host, family, port, &ss, &slen,
			  why, sizeof(why)) < 0) {
		fprintf(stderr, "usertcp nc: %s\n", why);
		status = 2;
	} else if (!listen && local &&
		   tool_sockaddr(nc.stack, nc.ifname, local, family, sport, &sl, &sllen, why,
				 sizeof(why)) < 0) {
		fprintf(stderr, "usertcp nc: -s: %s\n", why);
		status = 2;
	} else if (listen) {
		if (nc_listen(&nc, (struct sockaddr *)&ss, slen,
			      want == AF_INET6 && (!have_host || ut_ip_is_any(host.ip))) == 0)
			status = nc_copy(&nc);
	} else {
		tool_wait_source(nc.stack, &host, NC_DAD_WAIT_MS);
		if (nc_connect(&nc, (struct sockaddr *)&ss, slen,
			       local ? (struct sockaddr *)&sl : NULL, sllen, timeout_ms) == 0)
			status = nc_copy(&nc);
	}
	pthread_mutex_lock(&nc.mu);
	nc.closing = true;
	int sig = nc.stop_sig;
	if (nc.fd >= 0)
		ut_close(nc.stack, nc.fd);
	pthread_mutex_unlock(&nc.mu);
	attach_close(&at);
	if (sig)
		return 128 + sig;
	return status;
}
