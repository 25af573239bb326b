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
#include <unistd.h>

#include "tool.h"
#include "usertcp/socket.h"

#define NC_BUF (64 * 1024)
/* How long the final close may wait for the peer to acknowledge the last
 * data and our FIN before the program gives up and exits. */
#define NC_LINGER_S 10

struct nc {
	struct ut_stack *stack;
	int fd; /* the connection or, before it, the listener */
	bool verbose;
	const char *cc; /* --cc: TCP_CONGESTION for the socket, or NULL */
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
		"       usertcp nc --tap IF --ip ADDR/PREFIX [options] -l [-p] PORT\n"
		"netcat over usertcp: connects to HOST PORT (or accepts one connection on\n"
		"PORT with -l), copies standard input to the connection and the connection\n"
		"to standard output. At end of input it shuts down its sending side (as\n"
		"nc -N) and exits once the peer has closed too. Exit status 1 when the\n"
		"connection fails (refused, timed out, reset).\n\n"
		"Options:\n"
		"  -l               listen for one connection instead of connecting\n"
		"  -p PORT          with -l: the port to listen on; otherwise the local port\n"
		"  -w SECONDS       give up connecting after SECONDS (default: the stack's\n"
		"                   SYN retries, about 2 minutes, as Linux)\n"
		"  -v               say when the connection is made or accepted\n"
		"  -n, -N           accepted for netcat's sake (addresses are numeric and\n"
		"                   end of input always shuts down the sending side)\n"
		"  --cc NAME        the connection's congestion control (TCP_CONGESTION),\n"
		"                   e.g. reno or cubic; default: the stack's\n"
		"%s%s",
		attach_opts_help, impair_opts_help);
}

static bool parse_port(const char *s, uint16_t *port)
{
	uint64_t v;
	if (!parse_u64(s, &v) || v < 1 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static const char *addr_str(uint32_t addr, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = addr};
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
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
	while (n) {
		ssize_t k = ut_send(nc->stack, nc->fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void *sender_main(void *arg)
{
	struct nc *nc = arg;
	char *buf = malloc(NC_BUF);
	int err = buf ? 0 : -ENOMEM;

	while (!err) {
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
		sender_leave(nc);
	}
	/* End of input: the peer reads end of file, and may still send. A
	 * failed send stops the receiver too, so the failure is reported. */
	if (sender_enter(nc)) {
		if (ut_shutdown(nc->stack, nc->fd, err ? SHUT_RDWR : SHUT_WR) < 0 && !err)
			err = -errno;
		sender_leave(nc);
	}
	free(buf);
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

/* --cc: the socket's congestion control, set before the handshake as a
 * program would with TCP_CONGESTION (an accepted connection takes its
 * listener's, as in Linux). */
static int nc_set_cc(struct nc *nc, int fd)
{
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

static int nc_listen(struct nc *nc, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = addr};
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	char a[INET_ADDRSTRLEN];
	int one = 1, lfd, cfd;

	lfd = ut_socket(nc->stack, AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		fprintf(stderr, "usertcp nc: socket: %s\n", strerror(errno));
		return -1;
	}
	ut_setsockopt(nc->stack, lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (nc_set_cc(nc, lfd) < 0) {
		ut_close(nc->stack, lfd);
		return -1;
	}
	if (ut_bind(nc->stack, lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    ut_listen(nc->stack, lfd, 1) < 0) {
		fprintf(stderr, "usertcp nc: %s\n", strerror(errno));
		ut_close(nc->stack, lfd);
		return -1;
	}
	if (nc->verbose)
		fprintf(stderr, "Listening on %s %u\n", addr_str(addr, a), port);
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
	if (nc->verbose)
		fprintf(stderr, "Connection received on %s %u\n", addr_str(peer.sin_addr.s_addr, a),
			ntohs(peer.sin_port));
	return 0;
}

/* Blocking connect, or with -w a non-blocking one waited on by poll, which
 * is how netcat bounds it. */
static int nc_connect(struct nc *nc, uint32_t daddr, uint16_t dport, uint16_t sport, int timeout_ms)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(dport), .sin_addr.s_addr = daddr};
	char a[INET_ADDRSTRLEN];
	int fd, err = 0;

	fd = ut_socket(nc->stack, AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "usertcp nc: socket: %s\n", strerror(errno));
		return -1;
	}
	if (nc_set_cc(nc, fd) < 0) {
		ut_close(nc->stack, fd);
		return -1;
	}
	if (sport) {
		struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(sport)};
		if (ut_bind(nc->stack, fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
			fprintf(stderr, "usertcp nc: bind to port %u: %s\n", sport,
				strerror(errno));
			ut_close(nc->stack, fd);
			return -1;
		}
	}
	pthread_mutex_lock(&nc->mu);
	nc->fd = fd;
	bool stopped = nc->stop_sig != 0;
	pthread_mutex_unlock(&nc->mu);
	if (stopped)
		return -1;
	if (timeout_ms >= 0)
		ut_fcntl(nc->stack, fd, F_SETFL, O_NONBLOCK);
	if (ut_connect(nc->stack, fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
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
	if (err) {
		fprintf(stderr, "usertcp nc: connect to %s port %u (tcp) failed: %s\n",
			addr_str(daddr, a), dport, strerror(err));
		return -1;
	}
	if (nc->verbose)
		fprintf(stderr, "Connection to %s %u port [tcp/*] succeeded!\n", addr_str(daddr, a),
			dport);
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

int cmd_nc(int argc, char **argv)
{
	struct attach_opts ao;
	struct attach at;
	struct nc nc = {.fd = -1};
	const char *host = NULL, *port_arg = NULL, *p_arg = NULL;
	bool listen = false;
	int timeout_ms = -1, r, status = 1;
	uint16_t port = 0, sport = 0;
	uint32_t daddr = 0;
	uint64_t v;
	pthread_t sig_tid;
	sigset_t set;

	attach_opts_init(&ao);
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
		} else if (!strcmp(o, "-n") || !strcmp(o, "-N")) {
			/* netcat habits, already our behaviour */
		} else if (!strcmp(o, "--cc")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "usertcp nc: option --cc needs a value\n");
				return 2;
			}
			nc.cc = argv[++i];
		} else if (!strcmp(o, "-p") || !strcmp(o, "-w")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "usertcp nc: option %s needs a value\n", o);
				return 2;
			}
			const char *val = argv[++i];
			if (!strcmp(o, "-p")) {
				p_arg = val;
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
		} else if (!listen && !host) {
			host = o;
		} else if (!port_arg) {
			port_arg = o;
		} else {
			fprintf(stderr, "usertcp nc: too many arguments: '%s'\n", o);
			return 2;
		}
	}
	/* `-l 7000` and `-l -p 7000` both listen on 7000; a host given before
	 * -l is ignored, as the listening address is ours. */
	if (listen && !port_arg && host) {
		port_arg = host;
		host = NULL;
	}
	if (listen && !port_arg) {
		port_arg = p_arg;
		p_arg = NULL;
	}
	if (!port_arg || (!listen && !host)) {
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
	if (!listen && !parse_ipv4(host, &daddr)) {
		fprintf(stderr, "usertcp nc: %s: HOST must be an IPv4 address (no name lookup)\n",
			host);
		return 2;
	}

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
	nc.stack = at.stack;
	if (pthread_create(&sig_tid, NULL, signal_main, &nc)) {
		fprintf(stderr, "usertcp nc: cannot start the signal thread\n");
		attach_close(&at);
		return 1;
	}
	pthread_detach(sig_tid);

	if ((listen ? nc_listen(&nc, ao.addr, port)
		    : nc_connect(&nc, daddr, port, sport, timeout_ms)) == 0)
		status = nc_copy(&nc);
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
