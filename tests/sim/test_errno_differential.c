/* The socket API against the kernel's: the same scripted call sequences
 * (scenarios) run once on Linux's sockets and once on usertcp's, and every
 * step's answer must match (issue 15, item 6).
 *
 * A scenario is written once against struct api, a table of the socket
 * calls with two implementations: the kernel's system calls, and the ut_
 * calls on a usertcp stack of its own (fresh for each scenario, its
 * loopback at 127.0.0.1, driven inside blocking calls or by settle()).
 * Each step records its return value and errno, and where it matters the
 * poll revents, an option's value or an out-length. Nothing that may
 * legitimately differ is recorded: descriptors become 0 when valid,
 * ephemeral ports and sequence numbers are never looked at.
 *
 * The kernel half runs in a forked child inside a network namespace of its
 * own (unshare(CLONE_NEWNET), lo brought up with SIOCSIFFLAGS), so ports
 * and sysctls are that namespace's defaults and not the host's; it sends
 * its records back through a pipe. Without the right to make a namespace
 * the program prints "skipped: <why>" and exits 77.
 *
 * A difference fails the test with the scenario, the step and both answers,
 * unless the exceptions table below lists it with its reason, which
 * docs/TCP.md's "Where usertcp differs from Linux" gives as well.
 *
 * No scenario may hang: sockets are non-blocking, or bounded by
 * SO_RCVTIMEO/SO_SNDTIMEO, and the kernel's child runs under alarm(). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>

#include "test.h"
#include "usertcp/socket.h"

/* ---- the two implementations ------------------------------------------------*/

struct api {
	struct ut_stack *st; /* NULL: the kernel */
	int (*socket)(struct api *, int, int, int);
	int (*bind)(struct api *, int, const struct sockaddr *, socklen_t);
	int (*listen)(struct api *, int, int);
	int (*accept4)(struct api *, int, struct sockaddr *, socklen_t *, int);
	int (*connect)(struct api *, int, const struct sockaddr *, socklen_t);
	ssize_t (*send)(struct api *, int, const void *, size_t, int);
	ssize_t (*recv)(struct api *, int, void *, size_t, int);
	ssize_t (*sendto)(struct api *, int, const void *, size_t, int, const struct sockaddr *,
			  socklen_t);
	ssize_t (*recvfrom)(struct api *, int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(struct api *, int, const struct msghdr *, int);
	ssize_t (*recvmsg)(struct api *, int, struct msghdr *, int);
	ssize_t (*read)(struct api *, int, void *, size_t);
	ssize_t (*write)(struct api *, int, const void *, size_t);
	ssize_t (*readv)(struct api *, int, const struct iovec *, int);
	ssize_t (*writev)(struct api *, int, const struct iovec *, int);
	int (*shutdown)(struct api *, int, int);
	int (*close)(struct api *, int);
	int (*getsockname)(struct api *, int, struct sockaddr *, socklen_t *);
	int (*getpeername)(struct api *, int, struct sockaddr *, socklen_t *);
	int (*setsockopt)(struct api *, int, int, int, const void *, socklen_t);
	int (*getsockopt)(struct api *, int, int, int, void *, socklen_t *);
	int (*fcntl)(struct api *, int, int, int);
	int (*ioctl)(struct api *, int, unsigned long, int *);
	int (*poll)(struct api *, struct pollfd *, nfds_t, int);
	int (*epoll_create)(struct api *, int);
	int (*epoll_create1)(struct api *, int);
	int (*epoll_ctl)(struct api *, int, int, int, struct epoll_event *);
	int (*epoll_wait)(struct api *, int, struct epoll_event *, int, int);
	/* Lets every packet in flight arrive (usertcp: runs the stack until
	 * idle; the kernel did it inside the calls). */
	void (*settle)(struct api *);
};

/* Each call twice: k_name calls the system's name(), u_name calls
 * ut_name() on the api's stack. */
#define UNPAREN(...) __VA_ARGS__
#define WRAP(ret, name, params, ...)                       \
	static ret k_##name(struct api *a, UNPAREN params) \
	{                                                  \
		(void)a;                                   \
		return name(__VA_ARGS__);                  \
	}                                                  \
	static ret u_##name(struct api *a, UNPAREN params) \
	{                                                  \
		return ut_##name(a->st, __VA_ARGS__);      \
	}
WRAP(int, socket, (int d, int t, int p), d, t, p)
WRAP(int, bind, (int fd, const struct sockaddr *s, socklen_t l), fd, s, l)
WRAP(int, listen, (int fd, int b), fd, b)
WRAP(int, accept4, (int fd, struct sockaddr *s, socklen_t *l, int f), fd, s, l, f)
WRAP(int, connect, (int fd, const struct sockaddr *s, socklen_t l), fd, s, l)
WRAP(ssize_t, send, (int fd, const void *b, size_t n, int f), fd, b, n, f)
WRAP(ssize_t, recv, (int fd, void *b, size_t n, int f), fd, b, n, f)
WRAP(ssize_t, sendto,
     (int fd, const void *b, size_t n, int f, const struct sockaddr *s, socklen_t l), fd, b, n, f,
     s, l)
WRAP(ssize_t, recvfrom, (int fd, void *b, size_t n, int f, struct sockaddr *s, socklen_t *l), fd, b,
     n, f, s, l)
WRAP(ssize_t, sendmsg, (int fd, const struct msghdr *m, int f), fd, m, f)
WRAP(ssize_t, recvmsg, (int fd, struct msghdr *m, int f), fd, m, f)
WRAP(ssize_t, read, (int fd, void *b, size_t n), fd, b, n)
WRAP(ssize_t, write, (int fd, const void *b, size_t n), fd, b, n)
WRAP(ssize_t, readv, (int fd, const struct iovec *v, int n), fd, v, n)
WRAP(ssize_t, writev, (int fd, const struct iovec *v, int n), fd, v, n)
WRAP(int, shutdown, (int fd, int h), fd, h)
WRAP(int, close, (int fd), fd)
WRAP(int, getsockname, (int fd, struct sockaddr *s, socklen_t *l), fd, s, l)
WRAP(int, getpeername, (int fd, struct sockaddr *s, socklen_t *l), fd, s, l)
WRAP(int, setsockopt, (int fd, int lv, int o, const void *v, socklen_t l), fd, lv, o, v, l)
WRAP(int, getsockopt, (int fd, int lv, int o, void *v, socklen_t *l), fd, lv, o, v, l)
WRAP(int, fcntl, (int fd, int c, int arg), fd, c, arg)
WRAP(int, ioctl, (int fd, unsigned long r, int *arg), fd, r, arg)
WRAP(int, poll, (struct pollfd * p, nfds_t n, int t), p, n, t)
WRAP(int, epoll_create, (int s), s)
WRAP(int, epoll_create1, (int f), f)
WRAP(int, epoll_ctl, (int e, int op, int fd, struct epoll_event *ev), e, op, fd, ev)
WRAP(int, epoll_wait, (int e, struct epoll_event *ev, int n, int t), e, ev, n, t)

#define API(p)                                                                                  \
	{                                                                                       \
		NULL, p##_socket, p##_bind, p##_listen, p##_accept4, p##_connect, p##_send,     \
			p##_recv, p##_sendto, p##_recvfrom, p##_sendmsg, p##_recvmsg, p##_read, \
			p##_write, p##_readv, p##_writev, p##_shutdown, p##_close,              \
			p##_getsockname, p##_getpeername, p##_setsockopt, p##_getsockopt,       \
			p##_fcntl, p##_ioctl, p##_poll, p##_epoll_create, p##_epoll_create1,    \
			p##_epoll_ctl, p##_epoll_wait, p##_settle                               \
	}

static void k_settle(struct api *a)
{
	struct timespec ts = {0, 1000000};
	(void)a;
	nanosleep(&ts, NULL);
}

static const struct api kernel_api = API(k);

static void u_settle(struct api *a)
{
	int idle = 0;

	for (int i = 0; i < 1000 && idle < 3; i++)
		idle = ut_stack_poll(a->st) ? 0 : idle + 1;
}

static const struct api usertcp_api = API(u);

/* ---- recording ----------------------------------------------------------------*/

#define MAX_STEPS 192
struct rec {
	char step[96]; /* the call as written */
	int line;
	long rc;
	int err; /* errno when rc < 0, else 0 */
};
struct log {
	int n;
	bool overflow;
	struct rec r[MAX_STEPS];
};

static long record(struct log *l, const char *step, int line, long rc, int err)
{
	struct rec *r;

	if (l->n == MAX_STEPS) {
		l->overflow = true;
		return rc;
	}
	r = &l->r[l->n++];
	snprintf(r->step, sizeof(r->step), "%s", step);
	r->line = line;
	r->rc = rc;
	r->err = rc < 0 ? err : 0;
	return rc;
}

/* Scenarios see `a` (the api) and `l` (the log). */
#define R(expr)                                           \
	({                                                \
		errno = 0;                                \
		long r_rc_ = (long)(expr);                \
		record(l, #expr, __LINE__, r_rc_, errno); \
	})
/* A call returning a descriptor: recorded as 0 when valid. */
#define FD(expr)                                                       \
	({                                                             \
		errno = 0;                                             \
		int f_rc_ = (int)(expr);                               \
		record(l, #expr, __LINE__, f_rc_ < 0 ? -1 : 0, errno); \
		f_rc_;                                                 \
	})
/* A value the scenario computed. */
#define V(what, val) record(l, what, __LINE__, (long)(val), 0)

/* poll with timeout 0: revents of every condition. */
static long poll_mask(struct api *a, int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT | POLLPRI | POLLRDHUP, 0};
	int rc = a->poll(a, &p, 1, 0);
	return rc < 0 ? -1 : p.revents;
}
#define PM(fd) V("poll revents of " #fd, poll_mask(a, fd))

/* An int option as one step: its value, or -1 and the errno. */
static void getint(struct api *a, struct log *l, const char *what, int line, int fd, int level,
		   int opt)
{
	int v = 0;
	socklen_t len = sizeof(v);

	errno = 0;
	if (a->getsockopt(a, fd, level, opt, &v, &len) < 0)
		record(l, what, line, -1, errno);
	else
		record(l, what, line, v, 0);
}
#define GETINT(fd, level, opt) getint(a, l, "getsockopt " #level " " #opt, __LINE__, fd, level, opt)
#define SETINT(fd, level, opt, val)                                       \
	({                                                                \
		int s_v_ = (val);                                         \
		R(a->setsockopt(a, fd, level, opt, &s_v_, sizeof(s_v_))); \
	})

static struct sockaddr_in sin4(const char *ip, int port)
{
	struct sockaddr_in s = {0};
	s.sin_family = AF_INET;
	s.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}
#define SA(s) ((struct sockaddr *)&(s))

static int sock_nb(struct api *a, int type)
{
	return a->socket(a, AF_INET, type | SOCK_NONBLOCK, 0);
}

static void rcvtimeo(struct api *a, int fd, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	a->setsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	a->setsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A listener on 127.0.0.1:port (non-blocking). */
static int listener(struct api *a, struct log *l, int port, int backlog)
{
	struct sockaddr_in s = sin4("127.0.0.1", port);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, fd, SA(s), sizeof(s)));
	R(a->listen(a, fd, backlog));
	return fd;
}

/* A connected pair through a listener on port: *c the client, *s the
 * accepted socket, both non-blocking; returns the listener. */
static int pair(struct api *a, struct log *l, int port, int *c, int *s)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 8);
	*c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, *c, SA(sa), sizeof(sa)));
	a->settle(a);
	*s = FD(a->accept4(a, lfd, NULL, NULL, SOCK_NONBLOCK));
	a->settle(a);
	return lfd;
}

/* ---- the scenarios ---------------------------------------------------------------*/

#define SC(name) static void sc_##name(struct api *a, struct log *l, int port)
#define NOPORT (void)port
#define BADFD 777

SC(socket_arguments)
{
	NOPORT;
	int fd;
	R(a->socket(a, 9999, SOCK_STREAM, 0));
	R(a->socket(a, -1, SOCK_STREAM, 0));
	R(a->socket(a, AF_INET, 9999, 0));
	R(a->socket(a, AF_INET, 0, 0));
	R(a->socket(a, AF_INET, SOCK_STREAM | 0x100000, 0));
	R(a->socket(a, AF_INET, SOCK_STREAM, IPPROTO_UDP));
	R(a->socket(a, AF_INET, SOCK_DGRAM, IPPROTO_TCP));
	R(a->socket(a, AF_INET, SOCK_STREAM, 9999));
	R(a->socket(a, AF_INET, SOCK_STREAM, -1));
	R(a->socket(a, AF_INET, SOCK_SEQPACKET, 0));
	fd = FD(a->socket(a, AF_INET, SOCK_STREAM, IPPROTO_TCP));
	R(a->close(a, fd));
	fd = FD(a->socket(a, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
	R(a->fcntl(a, fd, F_GETFD, 0));
	R(a->close(a, fd));
}

SC(fresh_tcp_socket)
{
	NOPORT;
	struct sockaddr_in s;
	socklen_t len = sizeof(s);
	char b[4];
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->getsockname(a, fd, SA(s), &len));
	V("len", len);
	V("port", ntohs(s.sin_port));
	V("addr", s.sin_addr.s_addr);
	len = sizeof(s);
	R(a->getpeername(a, fd, SA(s), &len));
	R(a->send(a, fd, "x", 1, MSG_NOSIGNAL));
	R(a->recv(a, fd, b, sizeof(b), 0));
	R(a->recv(a, fd, b, 0, 0));
	R(a->shutdown(a, fd, SHUT_RDWR));
	R(a->accept4(a, fd, NULL, NULL, 0));
	PM(fd);
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	GETINT(fd, SOL_SOCKET, SO_ACCEPTCONN);
	R(a->close(a, fd));
	R(a->close(a, fd));
}

SC(fresh_tcp_socket_poll_and_shutdown_modes)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->shutdown(a, fd, SHUT_RD));
	R(a->shutdown(a, fd, SHUT_WR));
	R(a->shutdown(a, fd, 3));
	R(a->shutdown(a, fd, -1));
	PM(fd);
	R(a->close(a, fd));
}

SC(bind_address_checks)
{
	struct sockaddr_in s = sin4("127.0.0.1", port);
	union {
		struct sockaddr_storage ss;
		char room[1024];
	} bigger = {0};
	struct sockaddr_storage big = {0};
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, fd, SA(s), sizeof(s) - 1));
	R(a->bind(a, fd, SA(s), 0));
	R(a->bind(a, fd, NULL, sizeof(s)));
	s.sin_family = AF_INET6;
	R(a->bind(a, fd, SA(s), sizeof(s)));
	s.sin_family = AF_UNSPEC;
	R(a->bind(a, fd, SA(s), sizeof(s)));
	s = sin4("10.9.9.9", port);
	R(a->bind(a, fd, SA(s), sizeof(s)));
	memcpy(&big, &s, sizeof(s));
	((struct sockaddr_in *)&big)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	R(a->bind(a, fd, SA(big), sizeof(big) + 1));
	memcpy(&bigger, &big, sizeof(big));
	R(a->bind(a, fd, SA(bigger.ss), 1000));
	R(a->bind(a, fd, SA(big), (socklen_t)-1));
	R(a->bind(a, fd, SA(big), sizeof(big)));
	R(a->bind(a, fd, SA(big), sizeof(big)));
	R(a->close(a, fd));
}

SC(bind_unspec_wildcard_and_in_use)
{
	struct sockaddr_in s = sin4("0.0.0.0", port);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	int fd, fd2;
	s.sin_family = AF_UNSPEC;
	fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, fd, SA(s), sizeof(s)));
	fd2 = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, fd2, SA(lo), sizeof(lo)));
	R(a->close(a, fd));
	R(a->bind(a, fd2, SA(lo), sizeof(lo)));
	R(a->listen(a, fd2, 1));
	fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	R(a->bind(a, fd, SA(lo), sizeof(lo)));
	R(a->close(a, fd));
	R(a->close(a, fd2));
}

SC(bind_reuseaddr_second_listen)
{
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	int f1 = FD(sock_nb(a, SOCK_STREAM)), f2 = FD(sock_nb(a, SOCK_STREAM));
	SETINT(f1, SOL_SOCKET, SO_REUSEADDR, 1);
	SETINT(f2, SOL_SOCKET, SO_REUSEADDR, 1);
	R(a->bind(a, f1, SA(lo), sizeof(lo)));
	R(a->bind(a, f2, SA(lo), sizeof(lo)));
	R(a->listen(a, f1, 1));
	R(a->listen(a, f2, 1));
	R(a->close(a, f1));
	R(a->close(a, f2));
}

SC(bind_reuseport)
{
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	int f1 = FD(sock_nb(a, SOCK_STREAM)), f2 = FD(sock_nb(a, SOCK_STREAM));
	int f3 = FD(sock_nb(a, SOCK_STREAM));
	SETINT(f1, SOL_SOCKET, SO_REUSEPORT, 1);
	SETINT(f2, SOL_SOCKET, SO_REUSEPORT, 1);
	R(a->bind(a, f1, SA(lo), sizeof(lo)));
	R(a->bind(a, f2, SA(lo), sizeof(lo)));
	R(a->listen(a, f1, 1));
	R(a->listen(a, f2, 1));
	R(a->bind(a, f3, SA(lo), sizeof(lo)));
	GETINT(f1, SOL_SOCKET, SO_REUSEPORT);
	R(a->close(a, f1));
	R(a->close(a, f2));
	R(a->close(a, f3));
}

SC(bind_after_connect_and_listen)
{
	int c, s;
	struct sockaddr_in lo = sin4("127.0.0.1", port + 1);
	int lfd = pair(a, l, port, &c, &s);
	R(a->bind(a, c, SA(lo), sizeof(lo)));
	R(a->bind(a, lfd, SA(lo), sizeof(lo)));
	R(a->listen(a, c, 1));
	R(a->listen(a, s, 1));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(listen_cases)
{
	NOPORT;
	struct sockaddr_in s;
	socklen_t len = sizeof(s);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	int t = FD(sock_nb(a, SOCK_STREAM));
	R(a->listen(a, u, 1));
	R(a->listen(a, t, -1));
	R(a->getsockname(a, t, SA(s), &len));
	V("autobound port != 0", s.sin_port != 0);
	R(a->listen(a, t, 100000));
	R(a->listen(a, t, 0));
	GETINT(t, SOL_SOCKET, SO_ACCEPTCONN);
	PM(t);
	R(a->listen(a, BADFD, 1));
	R(a->close(a, u));
	R(a->close(a, t));
}

SC(accept_errors)
{
	int lfd = listener(a, l, port, 4);
	int t = FD(sock_nb(a, SOCK_STREAM));
	int u = FD(sock_nb(a, SOCK_DGRAM));
	int ep = FD(a->epoll_create1(a, 0));
	R(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->accept4(a, lfd, NULL, NULL, 0x4));
	R(a->accept4(a, t, NULL, NULL, 0));
	R(a->accept4(a, u, NULL, NULL, 0));
	R(a->accept4(a, ep, NULL, NULL, 0));
	R(a->accept4(a, BADFD, NULL, NULL, 0));
	R(a->close(a, ep));
	R(a->close(a, u));
	R(a->close(a, t));
	R(a->close(a, lfd));
}

SC(accept_with_a_bad_address_length_closes_the_connection)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port), peer;
	socklen_t len = (socklen_t)-1;
	char b[4];
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->accept4(a, lfd, SA(peer), &len, 0));
	a->settle(a);
	R(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(accept_address_lengths)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	struct sockaddr_in peer;
	socklen_t len = 4;
	int lfd = listener(a, l, port, 4);
	int c1 = FD(sock_nb(a, SOCK_STREAM)), c2 = FD(sock_nb(a, SOCK_STREAM)), s1, s2;
	R(a->connect(a, c1, SA(sa), sizeof(sa)));
	R(a->connect(a, c2, SA(sa), sizeof(sa)));
	a->settle(a);
	memset(&peer, 0xff, sizeof(peer));
	s1 = FD(a->accept4(a, lfd, SA(peer), &len, SOCK_NONBLOCK));
	V("len", len);
	V("family", peer.sin_family);
	V("untouched after len", peer.sin_addr.s_addr == 0xffffffff);
	len = 0;
	s2 = FD(a->accept4(a, lfd, NULL, &len, SOCK_CLOEXEC));
	V("len with NULL addr", len);
	R(a->fcntl(a, s2, F_GETFD, 0));
	R(a->fcntl(a, s1, F_GETFL, 0) & O_NONBLOCK);
	R(a->close(a, s1));
	R(a->close(a, s2));
	R(a->close(a, c1));
	R(a->close(a, c2));
	R(a->close(a, lfd));
}

SC(connect_argument_checks)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	union {
		struct sockaddr_storage ss;
		char room[1024];
	} big = {0};
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa) - 1));
	R(a->connect(a, fd, SA(sa), 1));
	R(a->connect(a, fd, NULL, sizeof(sa)));
	sa.sin_family = AF_INET6;
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	sa.sin_family = 77;
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	memcpy(&big.ss, &sa, sizeof(sa));
	((struct sockaddr_in *)&big.ss)->sin_family = AF_INET;
	R(a->connect(a, fd, SA(big.ss), sizeof(big.ss) + 4));
	R(a->connect(a, BADFD, SA(sa), sizeof(sa)));
	PM(fd);
	R(a->close(a, fd));
}

SC(connect_refused_blocking)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	char b[4];
	int fd = FD(a->socket(a, AF_INET, SOCK_STREAM, 0));
	rcvtimeo(a, fd, 500);
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	PM(fd);
	R(a->recv(a, fd, b, sizeof(b), MSG_DONTWAIT));
	R(a->send(a, fd, b, sizeof(b), MSG_NOSIGNAL));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->close(a, fd));
}

SC(connect_refused_nonblocking_then_listen)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(fd);
	R(a->listen(a, fd, 1));
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	R(a->listen(a, fd, 1));
	R(a->close(a, fd));
}

SC(connect_refused_nonblocking_connect_again)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	PM(fd);
	R(a->close(a, fd));
}

SC(connect_refused_then_getsockname)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port), me;
	socklen_t len = sizeof(me);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->getsockname(a, fd, SA(me), &len));
	V("address after the refusal", ntohl(me.sin_addr.s_addr));
	V("port after the refusal != 0", me.sin_port != 0);
	R(a->close(a, fd));
}

SC(connect_nonblocking_sequence)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(fd);
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->connect(a, lfd, SA(sa), sizeof(sa)));
	R(a->close(a, fd));
	R(a->close(a, lfd));
}

SC(connect_blocking_then_again)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	int fd = FD(a->socket(a, AF_INET, SOCK_STREAM, 0));
	rcvtimeo(a, fd, 500);
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	sa.sin_port = htons((uint16_t)(port + 1));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->close(a, fd));
	R(a->close(a, lfd));
}

SC(connect_unreachable_network)
{
	struct sockaddr_in sa = sin4("10.1.2.3", port);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "x", 1, 0, SA(sa), sizeof(sa)));
	R(a->close(a, fd));
	R(a->close(a, u));
}

/* A listener with backlog 0 takes one connection; the next SYN is dropped
 * and that client stays in SYN_SENT. */
static int stuck_in_syn_sent(struct api *a, struct log *l, int port, int *lfd, int *c1)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int c2;
	*lfd = listener(a, l, port, 0);
	*c1 = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, *c1, SA(sa), sizeof(sa)));
	a->settle(a);
	c2 = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c2, SA(sa), sizeof(sa)));
	a->settle(a);
	return c2;
}

SC(syn_sent_state)
{
	int lfd, c1, v = -1;
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port), peer;
	socklen_t len = sizeof(peer);
	int c = stuck_in_syn_sent(a, l, port, &lfd, &c1);
	PM(c);
	R(a->ioctl(a, c, SIOCOUTQ, &v));
	V("SIOCOUTQ", v);
	R(a->ioctl(a, c, SIOCOUTQNSD, &v));
	V("SIOCOUTQNSD", v);
	R(a->ioctl(a, c, SIOCINQ, &v));
	V("SIOCINQ", v);
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->getpeername(a, c, SA(peer), &len));
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->send(a, c, "abc", 3, MSG_NOSIGNAL));
	R(a->listen(a, c, 1));
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->close(a, c));
	R(a->close(a, c1));
	R(a->close(a, lfd));
}

SC(syn_sent_shutdown)
{
	int lfd, c1;
	char b[4];
	int c = stuck_in_syn_sent(a, l, port, &lfd, &c1);
	R(a->shutdown(a, c, SHUT_WR));
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->send(a, c, "abc", 3, MSG_NOSIGNAL));
	R(a->close(a, c));
	R(a->close(a, c1));
	R(a->close(a, lfd));
}

SC(connect_sndtimeo_then_again)
{
	int lfd, c1;
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int c = stuck_in_syn_sent(a, l, port, &lfd, &c1);
	R(a->close(a, c));
	c = FD(a->socket(a, AF_INET, SOCK_STREAM, 0));
	rcvtimeo(a, c, 100);
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->fcntl(a, c, F_SETFL, O_NONBLOCK));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->close(a, c));
	R(a->close(a, c1));
	R(a->close(a, lfd));
}

SC(connect_af_unspec_disconnects)
{
	int c, s;
	char b[4];
	struct sockaddr_in un = {0}, peer;
	socklen_t len = sizeof(peer);
	int lfd = pair(a, l, port, &c, &s);
	un.sin_family = AF_UNSPEC;
	R(a->connect(a, c, SA(un), sizeof(un)));
	a->settle(a);
	R(a->getpeername(a, c, SA(peer), &len));
	PM(c);
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->connect(a, c, SA(un), sizeof(sa_family_t)));
	R(a->connect(a, c, SA(un), 1));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(connected_basics)
{
	int c, s, v = -1;
	char b[16];
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int lfd = pair(a, l, port, &c, &s);
	R(a->getpeername(a, c, SA(peer), &len));
	V("peer port", ntohs(peer.sin_port));
	V("peer addr", ntohl(peer.sin_addr.s_addr));
	len = sizeof(peer);
	R(a->getsockname(a, s, SA(peer), &len));
	V("local port of the accepted socket", ntohs(peer.sin_port));
	PM(c);
	PM(s);
	R(a->send(a, c, "hello", 5, 0));
	a->settle(a);
	PM(s);
	R(a->ioctl(a, s, FIONREAD, &v));
	V("FIONREAD", v);
	R(a->recv(a, s, b, 2, MSG_PEEK));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->ioctl(a, lfd, FIONREAD, &v));
	R(a->ioctl(a, lfd, SIOCOUTQ, &v));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(zero_length_recv_and_send)
{
	int c, s;
	char b[4];
	int lfd = pair(a, l, port, &c, &s);
	R(a->recv(a, s, b, 0, 0));
	R(a->send(a, c, b, 0, 0));
	R(a->send(a, c, "ab", 2, 0));
	a->settle(a);
	R(a->recv(a, s, b, 0, 0));
	R(a->recv(a, s, NULL, 0, 0));
	R(a->read(a, s, b, 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->close(a, c));
	a->settle(a);
	R(a->recv(a, s, b, 0, 0));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recv_msg_trunc_with_null_buffer)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "0123456789", 10, 0));
	a->settle(a);
	R(a->recv(a, s, NULL, 4, MSG_TRUNC));
	R(a->recv(a, s, b, 2, MSG_TRUNC | MSG_PEEK));
	R(a->recv(a, s, b, sizeof(b), 0));
	V("first byte left", b[0]);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recv_errqueue_with_nothing_queued)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->fcntl(a, s, F_SETFL, 0));
	rcvtimeo(a, s, 200);
	R(a->recv(a, s, b, sizeof(b), MSG_ERRQUEUE));
	R(a->recv(a, c, b, sizeof(b), MSG_ERRQUEUE));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recv_timeout_and_waitall)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->fcntl(a, s, F_SETFL, 0));
	rcvtimeo(a, s, 100);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->send(a, c, "abc", 3, 0));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), MSG_WAITALL));
	R(a->recv(a, s, b, sizeof(b), MSG_DONTWAIT));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recv_oob)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(peer_shutdown_write)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, c, SHUT_WR));
	a->settle(a);
	PM(c);
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	R(a->send(a, s, "y", 1, MSG_NOSIGNAL));
	a->settle(a);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->shutdown(a, c, SHUT_WR));
	R(a->shutdown(a, s, SHUT_RDWR));
	a->settle(a);
	PM(c);
	PM(s);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(shutdown_read)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, s, SHUT_RD));
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->send(a, s, "x", 1, MSG_NOSIGNAL));
	a->settle(a);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(shutdown_listener)
{
	int lfd = listener(a, l, port, 4);
	R(a->shutdown(a, lfd, SHUT_WR));
	PM(lfd);
	R(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->shutdown(a, lfd, SHUT_RD));
	PM(lfd);
	R(a->accept4(a, lfd, NULL, NULL, 0));
	GETINT(lfd, SOL_SOCKET, SO_ACCEPTCONN);
	R(a->listen(a, lfd, 4));
	R(a->close(a, lfd));
}

SC(peer_closed)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->close(a, s));
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	a->settle(a);
	PM(c);
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(peer_closed_then_send_reports_epipe_via_so_error)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->close(a, s));
	a->settle(a);
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	a->settle(a);
	R(a->recv(a, c, b, sizeof(b), 0));
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(reset_by_linger_zero)
{
	int c, s;
	char b[16];
	struct linger lg = {1, 0};
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int lfd = pair(a, l, port, &c, &s);
	R(a->setsockopt(a, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(a->close(a, s));
	a->settle(a);
	PM(c);
	R(a->getpeername(a, c, SA(peer), &len));
	R(a->recv(a, c, b, sizeof(b), 0));
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->shutdown(a, c, SHUT_RDWR));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(reset_seen_by_so_error_first)
{
	int c, s;
	char b[16];
	struct linger lg = {1, 0};
	int lfd = pair(a, l, port, &c, &s);
	R(a->setsockopt(a, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(a->close(a, s));
	a->settle(a);
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	R(a->connect(a, c, (struct sockaddr *)&(struct sockaddr_in){0}, 16));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(reset_with_unread_data)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "abc", 3, 0));
	a->settle(a);
	R(a->close(a, s)); /* unread data: RST */
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(listener_closed_with_pending_connection)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	char b[4];
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(lfd);
	R(a->close(a, lfd));
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, c));
}

SC(send_variants_on_connected)
{
	int c, s;
	char b[16];
	struct sockaddr_in other = sin4("127.0.0.1", port + 3);
	int lfd = pair(a, l, port, &c, &s);
	R(a->sendto(a, c, "ab", 2, 0, SA(other), sizeof(other)));
	R(a->sendto(a, c, "ab", 2, 0, SA(other), 3));
	R(a->send(a, c, NULL, 0, 0));
	R(a->send(a, c, "ab", 2, MSG_OOB));
	R(a->send(a, c, "ab", 2, MSG_DONTWAIT | MSG_MORE));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(sendmsg_recvmsg_arguments)
{
	int c, s;
	char b[16];
	struct iovec iov = {b, sizeof(b)};
	struct msghdr m = {0};
	int lfd = pair(a, l, port, &c, &s);
	R(a->sendmsg(a, c, NULL, 0));
	R(a->recvmsg(a, s, NULL, 0));
	m.msg_iov = &iov;
	m.msg_iovlen = 1025;
	R(a->sendmsg(a, c, &m, 0));
	R(a->recvmsg(a, s, &m, 0));
	m.msg_iovlen = 0;
	R(a->sendmsg(a, c, &m, 0));
	m.msg_iovlen = 1;
	iov.iov_len = 3;
	R(a->sendmsg(a, c, &m, 0));
	a->settle(a);
	iov.iov_len = sizeof(b);
	m.msg_flags = 0x7777;
	R(a->recvmsg(a, s, &m, 0));
	V("msg_flags", m.msg_flags);
	V("msg_namelen", m.msg_namelen);
	R(a->recvmsg(a, s, &m, 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(readv_writev_vector_counts)
{
	int c, s;
	static struct iovec v[1025];
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	for (int i = 0; i < 1025; i++)
		v[i] = (struct iovec){b, 1};
	R(a->writev(a, c, v, 1025));
	R(a->writev(a, c, v, 1024));
	R(a->writev(a, c, v, 0));
	R(a->writev(a, c, v, -1));
	a->settle(a);
	R(a->readv(a, s, v, 1025));
	R(a->readv(a, s, v, -1));
	R(a->readv(a, s, v, 0));
	R(a->readv(a, s, v, 1024));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(read_write_on_epoll_and_bad_descriptors)
{
	NOPORT;
	char b[4];
	struct sockaddr_in sin;
	struct iovec iov = {b, sizeof(b)};
	int ep = FD(a->epoll_create1(a, 0));
	R(a->read(a, ep, b, sizeof(b)));
	R(a->write(a, ep, b, sizeof(b)));
	R(a->readv(a, ep, &iov, 1));
	R(a->writev(a, ep, &iov, 1));
	R(a->send(a, ep, b, sizeof(b), 0));
	R(a->recv(a, ep, b, sizeof(b), 0));
	R(a->shutdown(a, ep, SHUT_RD));
	R(a->listen(a, ep, 1));
	R(a->getsockname(a, ep, SA(sin), &(socklen_t){4}));
	R(a->read(a, BADFD, b, sizeof(b)));
	R(a->send(a, BADFD, b, sizeof(b), 0));
	R(a->close(a, ep));
}

SC(fcntl_flags)
{
	NOPORT;
	int fd = FD(a->socket(a, AF_INET, SOCK_STREAM, 0));
	R(a->fcntl(a, fd, F_GETFL, 0));
	R(a->fcntl(a, fd, F_SETFL, O_NONBLOCK | O_APPEND));
	R(a->fcntl(a, fd, F_GETFL, 0));
	R(a->fcntl(a, fd, F_SETFL, O_RDONLY));
	R(a->fcntl(a, fd, F_GETFL, 0));
	R(a->fcntl(a, fd, F_GETFD, 0));
	R(a->fcntl(a, fd, F_SETFD, FD_CLOEXEC));
	R(a->fcntl(a, fd, F_GETFD, 0));
	R(a->fcntl(a, fd, 9999, 0));
	R(a->fcntl(a, BADFD, F_GETFL, 0));
	R(a->close(a, fd));
}

SC(ioctl_requests)
{
	NOPORT;
	int v = 1;
	int fd = FD(a->socket(a, AF_INET, SOCK_STREAM, 0));
	int u = FD(a->socket(a, AF_INET, SOCK_DGRAM, 0));
	R(a->ioctl(a, fd, FIONBIO, &v));
	R(a->fcntl(a, fd, F_GETFL, 0) & O_NONBLOCK);
	v = 0;
	R(a->ioctl(a, fd, FIONBIO, &v));
	R(a->fcntl(a, fd, F_GETFL, 0) & O_NONBLOCK);
	R(a->ioctl(a, fd, FIONREAD, &v));
	V("FIONREAD on a fresh socket", v);
	R(a->ioctl(a, fd, SIOCOUTQ, &v));
	R(a->ioctl(a, fd, 0x5401 /* TCGETS */, &v));
	R(a->ioctl(a, u, FIONREAD, &v));
	V("FIONREAD UDP", v);
	R(a->ioctl(a, u, SIOCOUTQ, &v));
	V("SIOCOUTQ UDP", v);
	R(a->ioctl(a, BADFD, FIONREAD, &v));
	R(a->close(a, fd));
	R(a->close(a, u));
}

SC(getname_lengths)
{
	NOPORT;
	struct sockaddr_in s;
	socklen_t len;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	len = (socklen_t)-1;
	R(a->getsockname(a, fd, SA(s), &len));
	len = 0;
	R(a->getsockname(a, fd, SA(s), &len));
	V("len", len);
	len = 4;
	memset(&s, 0xee, sizeof(s));
	R(a->getsockname(a, fd, SA(s), &len));
	V("len", len);
	V("family", s.sin_family);
	V("port bytes untouched", s.sin_port == 0xeeee);
	len = 100;
	R(a->getsockname(a, fd, SA(s), &len));
	V("len", len);
	R(a->getsockname(a, BADFD, SA(s), &len));
	len = (socklen_t)-1;
	R(a->getpeername(a, fd, SA(s), &len));
	R(a->close(a, fd));
}

SC(setsockopt_errors)
{
	NOPORT;
	int v = 1;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_RCVBUF, &v, 2));
	R(a->setsockopt(a, fd, SOL_SOCKET, 9999, &v, sizeof(v)));
	R(a->setsockopt(a, fd, IPPROTO_TCP, 9999, &v, sizeof(v)));
	R(a->setsockopt(a, fd, IPPROTO_IP, 9999, &v, sizeof(v)));
	R(a->setsockopt(a, fd, 9999, 1, &v, sizeof(v)));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_KEEPALIVE, NULL, sizeof(v)));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_KEEPALIVE, &v, (socklen_t)-1));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_NODELAY, &v, 2));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_NODELAY, &v, 8));
	R(a->setsockopt(a, BADFD, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
	R(a->close(a, fd));
}

SC(getsockopt_errors_and_lengths)
{
	NOPORT;
	int v = 0;
	socklen_t len;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	len = sizeof(v);
	R(a->getsockopt(a, fd, SOL_SOCKET, 9999, &v, &len));
	R(a->getsockopt(a, fd, IPPROTO_TCP, 9999, &v, &len));
	R(a->getsockopt(a, fd, IPPROTO_IP, 9999, &v, &len));
	R(a->getsockopt(a, fd, 9999, 1, &v, &len));
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, &v, NULL));
	len = (socklen_t)-1;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, &v, &len));
	len = 0;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, &v, &len));
	V("len", len);
	len = 2;
	v = 0;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, &v, &len));
	V("len", len);
	V("v", v);
	len = 2;
	v = 0;
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len));
	V("len", len);
	V("v", v);
	len = 16;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, &v, &len));
	V("len", len);
	R(a->close(a, fd));
}

SC(socket_level_defaults)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	int u = FD(sock_nb(a, SOCK_DGRAM));
	GETINT(fd, SOL_SOCKET, SO_TYPE);
	GETINT(fd, SOL_SOCKET, SO_DOMAIN);
	GETINT(fd, SOL_SOCKET, SO_PROTOCOL);
	GETINT(u, SOL_SOCKET, SO_TYPE);
	GETINT(u, SOL_SOCKET, SO_PROTOCOL);
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	GETINT(fd, SOL_SOCKET, SO_KEEPALIVE);
	GETINT(fd, SOL_SOCKET, SO_REUSEADDR);
	GETINT(fd, SOL_SOCKET, SO_RCVLOWAT);
	GETINT(fd, SOL_SOCKET, SO_SNDLOWAT);
	GETINT(fd, SOL_SOCKET, SO_OOBINLINE);
	GETINT(fd, SOL_SOCKET, SO_BROADCAST);
	GETINT(u, SOL_SOCKET, SO_BROADCAST);
	GETINT(fd, SOL_SOCKET, SO_DONTROUTE);
	GETINT(fd, SOL_SOCKET, SO_PRIORITY);
	GETINT(fd, SOL_SOCKET, SO_MARK);
	R(a->close(a, fd));
	R(a->close(a, u));
}

SC(buffer_sizes)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	GETINT(fd, SOL_SOCKET, SO_RCVBUF);
	GETINT(fd, SOL_SOCKET, SO_SNDBUF);
	SETINT(fd, SOL_SOCKET, SO_RCVBUF, 10000);
	GETINT(fd, SOL_SOCKET, SO_RCVBUF);
	SETINT(fd, SOL_SOCKET, SO_SNDBUF, 10000);
	GETINT(fd, SOL_SOCKET, SO_SNDBUF);
	SETINT(fd, SOL_SOCKET, SO_RCVBUF, 1);
	GETINT(fd, SOL_SOCKET, SO_RCVBUF);
	SETINT(fd, SOL_SOCKET, SO_SNDBUF, 1);
	GETINT(fd, SOL_SOCKET, SO_SNDBUF);
	SETINT(fd, SOL_SOCKET, SO_RCVBUF, -5);
	GETINT(fd, SOL_SOCKET, SO_RCVBUF);
	R(a->close(a, fd));
}

SC(timeouts_and_linger)
{
	NOPORT;
	struct timeval tv = {0, 2000000};
	struct linger lg = {0, 0};
	socklen_t len;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
	tv = (struct timeval){-1, 0};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){1, 500000};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len));
	V("sec", tv.tv_sec);
	V("usec", tv.tv_usec);
	V("len", len);
	len = sizeof(tv);
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	V("sec", tv.tv_sec);
	V("usec", tv.tv_usec);
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, 4));
	lg = (struct linger){1, 7};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	memset(&lg, 0, sizeof(lg));
	len = sizeof(lg);
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, &len));
	V("onoff", lg.l_onoff);
	V("linger", lg.l_linger);
	V("len", len);
	R(a->close(a, fd));
}

SC(tcp_option_defaults)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
	GETINT(fd, IPPROTO_TCP, TCP_CORK);
	GETINT(fd, IPPROTO_TCP, TCP_MAXSEG);
	GETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE);
	GETINT(fd, IPPROTO_TCP, TCP_KEEPINTVL);
	GETINT(fd, IPPROTO_TCP, TCP_KEEPCNT);
	GETINT(fd, IPPROTO_TCP, TCP_SYNCNT);
	GETINT(fd, IPPROTO_TCP, TCP_LINGER2);
	GETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
	GETINT(fd, IPPROTO_TCP, TCP_QUICKACK);
	GETINT(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP);
	R(a->close(a, fd));
}

SC(tcp_option_ranges)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, IPPROTO_TCP, TCP_MAXSEG, 10);
	SETINT(fd, IPPROTO_TCP, TCP_MAXSEG, 1000);
	GETINT(fd, IPPROTO_TCP, TCP_MAXSEG);
	SETINT(fd, IPPROTO_TCP, TCP_MAXSEG, 70000);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE, 40000);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPINTVL, 0);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPCNT, 0);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPCNT, 200);
	SETINT(fd, IPPROTO_TCP, TCP_SYNCNT, 0);
	SETINT(fd, IPPROTO_TCP, TCP_SYNCNT, 128);
	SETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
	SETINT(fd, IPPROTO_TCP, TCP_LINGER2, -1);
	GETINT(fd, IPPROTO_TCP, TCP_LINGER2);
	SETINT(fd, IPPROTO_TCP, TCP_LINGER2, 100000);
	GETINT(fd, IPPROTO_TCP, TCP_LINGER2);
	SETINT(fd, IPPROTO_TCP, TCP_NODELAY, 5);
	GETINT(fd, IPPROTO_TCP, TCP_NODELAY);
	SETINT(fd, IPPROTO_TCP, TCP_CORK, 1);
	GETINT(fd, IPPROTO_TCP, TCP_CORK);
	R(a->close(a, fd));
}

SC(tcp_congestion_names)
{
	NOPORT;
	char name[32];
	socklen_t len = sizeof(name);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_CONGESTION, "nonexistent", 11));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 0));
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	V("name is reno", strcmp(name, "reno") == 0);
	V("len", len);
	len = 2;
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	V("len", len);
	R(a->close(a, fd));
}

SC(tcp_info_lengths)
{
	int c, s;
	unsigned char info[512];
	socklen_t len;
	int lfd = pair(a, l, port, &c, &s);
	len = 8;
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_INFO, info, &len));
	V("len 8", len);
	V("state", info[0]);
	len = 104;
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_INFO, info, &len));
	V("len 104", len);
	len = 0;
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_INFO, info, &len));
	V("len 0", len);
	len = sizeof(info);
	R(a->getsockopt(a, lfd, IPPROTO_TCP, TCP_INFO, info, &len));
	V("listener state", info[0]);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(tcp_info_full_length)
{
	int c, s;
	unsigned char info[512];
	socklen_t len = sizeof(info);
	int lfd = pair(a, l, port, &c, &s);
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_INFO, info, &len));
	V("len", len);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(tcp_save_syn)
{
	unsigned char buf[128];
	socklen_t len;
	int c, s;
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	SETINT(lfd, IPPROTO_TCP, TCP_SAVE_SYN, 1);
	SETINT(lfd, IPPROTO_TCP, TCP_SAVE_SYN, 3);
	GETINT(lfd, IPPROTO_TCP, TCP_SAVE_SYN);
	c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	s = FD(a->accept4(a, lfd, NULL, NULL, 0));
	GETINT(s, IPPROTO_TCP, TCP_SAVE_SYN);
	len = 10;
	R(a->getsockopt(a, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len));
	V("len wanted", len);
	memset(buf, 0, sizeof(buf));
	len = sizeof(buf);
	R(a->getsockopt(a, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len));
	V("len", len);
	V("IP version and header length", buf[0]);
	V("IP protocol", buf[9]);
	V("TCP data offset", buf[32]);
	V("TCP flags", buf[33]);
	len = sizeof(buf);
	R(a->getsockopt(a, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len));
	V("len once read", len);
	len = sizeof(buf);
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len));
	V("the client's len", len);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(tcp_repair_options)
{
	unsigned char w[20];
	socklen_t wlen = sizeof(w);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	int lfd = listener(a, l, port, 4);
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, 1);
	GETINT(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE);
	GETINT(fd, IPPROTO_TCP, TCP_REPAIR);
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR, 7);
	SETINT(lfd, IPPROTO_TCP, TCP_REPAIR, 1);
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR, 1);
	GETINT(fd, IPPROTO_TCP, TCP_REPAIR);
	GETINT(fd, IPPROTO_TCP, TCP_QUEUE_SEQ);
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, 3);
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, 2);
	GETINT(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE);
	SETINT(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, 1000);
	GETINT(fd, IPPROTO_TCP, TCP_QUEUE_SEQ);
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, 1);
	SETINT(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, 5000);
	GETINT(fd, IPPROTO_TCP, TCP_QUEUE_SEQ);
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, w, &wlen));
	wlen = 3;
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, w, &wlen));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_REPAIR_OPTIONS, w, 8));
	SETINT(fd, IPPROTO_TCP, TCP_REPAIR, 0);
	SETINT(fd, IPPROTO_TCP, TCP_TIMESTAMP, 5);
	R(a->close(a, fd));
	R(a->close(a, lfd));
}

SC(tcp_defer_accept_values)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 10);
	GETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT);
	SETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 100000);
	GETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT);
	SETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, -1);
	GETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT);
	R(a->close(a, fd));
}

SC(ip_options_of_linux_6)
{
	NOPORT;
	int c, s;
	unsigned char byte = 0;
	socklen_t blen = 1;
	char name[32];
	socklen_t nlen = sizeof(name);
	struct in_addr ia = {htonl(INADDR_LOOPBACK)};
	int lfd = pair(a, l, port, &c, &s);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	GETINT(c, IPPROTO_IP, IP_MTU);
	GETINT(lfd, IPPROTO_IP, IP_MTU);
	GETINT(u, IPPROTO_IP, IP_MTU);
	SETINT(u, IPPROTO_IP, IP_MTU, 1000);
	GETINT(u, IPPROTO_IP, IP_FREEBIND);
	SETINT(u, IPPROTO_IP, IP_FREEBIND, 1);
	GETINT(u, IPPROTO_IP, IP_FREEBIND);
	SETINT(u, IPPROTO_IP, IP_MULTICAST_TTL, 9);
	R(a->getsockopt(a, u, IPPROTO_IP, IP_MULTICAST_TTL, &byte, &blen));
	V("one byte", byte);
	V("its length", blen);
	SETINT(c, IPPROTO_IP, IP_MULTICAST_TTL, 9);
	SETINT(u, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
	GETINT(u, IPPROTO_IP, IP_MULTICAST_LOOP);
	R(a->setsockopt(a, u, IPPROTO_IP, IP_MULTICAST_IF, &ia, sizeof(ia)));
	memset(&ia, 0, sizeof(ia));
	nlen = sizeof(ia);
	R(a->getsockopt(a, u, IPPROTO_IP, IP_MULTICAST_IF, &ia, &nlen));
	V("IP_MULTICAST_IF", ntohl(ia.s_addr));
	ia.s_addr = htonl(0x0a090909);
	R(a->setsockopt(a, u, IPPROTO_IP, IP_MULTICAST_IF, &ia, sizeof(ia)));
	R(a->setsockopt(a, u, IPPROTO_IP, IP_MULTICAST_IF, &ia, 2));
	R(a->setsockopt(a, c, IPPROTO_IP, IP_MULTICAST_IF, &ia, sizeof(ia)));
	R(a->setsockopt(a, u, SOL_SOCKET, SO_BINDTODEVICE, "nosuchdev", 10));
	R(a->setsockopt(a, u, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	nlen = 4;
	R(a->getsockopt(a, u, SOL_SOCKET, SO_BINDTODEVICE, name, &nlen));
	nlen = sizeof(name);
	R(a->getsockopt(a, u, SOL_SOCKET, SO_BINDTODEVICE, name, &nlen));
	V("name length", nlen);
	V("name", name[0]);
	GETINT(u, SOL_SOCKET, SO_BINDTOIFINDEX);
	R(a->setsockopt(a, u, SOL_SOCKET, SO_BINDTODEVICE, "", 0));
	nlen = sizeof(name);
	R(a->getsockopt(a, u, SOL_SOCKET, SO_BINDTODEVICE, name, &nlen));
	V("name length unbound", nlen);
	SETINT(u, SOL_SOCKET, SO_BINDTOIFINDEX, 999);
	R(a->close(a, u));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(ip_options)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	GETINT(fd, IPPROTO_IP, IP_TTL);
	SETINT(fd, IPPROTO_IP, IP_TTL, 0);
	SETINT(fd, IPPROTO_IP, IP_TTL, 256);
	SETINT(fd, IPPROTO_IP, IP_TTL, 5);
	GETINT(fd, IPPROTO_IP, IP_TTL);
	SETINT(fd, IPPROTO_IP, IP_TTL, -1);
	GETINT(fd, IPPROTO_IP, IP_TTL);
	GETINT(fd, IPPROTO_IP, IP_TOS);
	SETINT(fd, IPPROTO_IP, IP_TOS, 0x10);
	GETINT(fd, IPPROTO_IP, IP_TOS);
	R(a->close(a, fd));
}

SC(options_linux_has)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	GETINT(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT);
	SETINT(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000);
	SETINT(fd, IPPROTO_TCP, TCP_INQ, 1);
	SETINT(fd, IPPROTO_IP, IP_FREEBIND, 1);
	SETINT(fd, SOL_SOCKET, SO_SNDLOWAT, 1);
	SETINT(fd, SOL_SOCKET, SO_RCVBUFFORCE, 100000);
	GETINT(fd, IPPROTO_IP, IP_MTU);
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	R(a->close(a, fd));
}

/* Urgent data (issue 15, item 2): the mark, the out-of-band byte, and
 * recv(MSG_OOB)'s errors before, while and after it is held. */
SC(urgent_data_out_of_band)
{
	int c, s, v = -1;
	char b[16] = {0};
	int lfd = pair(a, l, port, &c, &s);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	R(a->recv(a, lfd, b, sizeof(b), MSG_OOB));
	R(a->send(a, lfd, "x", 1, MSG_OOB));
	R(a->send(a, c, "abc", 3, MSG_OOB));
	a->settle(a);
	PM(s);
	R(a->ioctl(a, s, SIOCATMARK, &v));
	V("at the mark", v);
	R(a->ioctl(a, s, FIONREAD, &v));
	V("bytes before the mark", v);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->ioctl(a, s, SIOCATMARK, &v));
	V("at the mark", v);
	PM(s);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB | MSG_PEEK));
	V("urgent byte", b[0]);
	R(a->recv(a, s, b, 0, MSG_OOB | MSG_PEEK));
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	V("urgent byte", b[0]);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	/* a second mark, then the first byte read past it: the urgent byte
	 * is skipped and lost */
	R(a->send(a, c, "de", 2, MSG_OOB));
	R(a->send(a, c, "f", 1, 0));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	V("byte after the mark", b[0]);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	R(a->close(a, c));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(urgent_data_inline)
{
	int c, s, v = -1;
	char b[16] = {0};
	int lfd = pair(a, l, port, &c, &s);
	GETINT(s, SOL_SOCKET, SO_OOBINLINE);
	SETINT(s, SOL_SOCKET, SO_OOBINLINE, 1);
	GETINT(s, SOL_SOCKET, SO_OOBINLINE);
	R(a->send(a, c, "xy", 2, MSG_OOB));
	a->settle(a);
	PM(s);
	R(a->ioctl(a, s, SIOCATMARK, &v));
	V("at the mark", v);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->ioctl(a, s, SIOCATMARK, &v));
	V("at the mark", v);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	R(a->recv(a, s, b, sizeof(b), 0));
	V("urgent byte in the stream", b[0]);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

static volatile sig_atomic_t sigurg_seen;
static void on_sigurg(int sig)
{
	(void)sig;
	sigurg_seen++;
}

/* F_SETOWN's errors, F_GETOWN, and SIGURG to the owner on urgent data. */
SC(urgent_data_signals_the_owner)
{
	int c, s;
	char b[8];
	int lfd = pair(a, l, port, &c, &s);
	struct sigaction sa = {.sa_handler = on_sigurg}, old;
	sigaction(SIGURG, &sa, &old);
	R(a->fcntl(a, s, F_GETOWN, 0));
	R(a->fcntl(a, s, F_SETOWN, INT_MIN));
	R(a->fcntl(a, s, F_SETOWN, 0x3ffffff0));
	R(a->fcntl(a, s, F_SETOWN, -0x3ffffff0));
	R(a->fcntl(a, BADFD, F_SETOWN, getpid()));
	R(a->fcntl(a, s, F_SETOWN, getpid()));
	V("owner is this process", a->fcntl(a, s, F_GETOWN, 0) == getpid());
	sigurg_seen = 0;
	R(a->send(a, c, "u", 1, MSG_OOB));
	a->settle(a);
	V("SIGURG", sigurg_seen > 0);
	R(a->recv(a, s, b, sizeof(b), MSG_OOB));
	R(a->fcntl(a, s, F_SETOWN, 0));
	R(a->fcntl(a, s, F_GETOWN, 0));
	{
		int who = 0x3ffffff0;
		R(a->ioctl(a, s, FIOSETOWN, &who));
		who = -0x3ffffff0;
		R(a->ioctl(a, s, SIOCSPGRP, &who));
		who = getpid();
		R(a->ioctl(a, s, SIOCSPGRP, &who));
		who = 0;
		R(a->ioctl(a, s, FIOGETOWN, &who));
		V("ioctl owner is this process", who == getpid());
		R(a->ioctl(a, s, SIOCGPGRP, &who));
		V("ioctl owner is this process", who == getpid());
		who = 0;
		R(a->ioctl(a, s, FIOSETOWN, &who));
	}
	sigurg_seen = 0;
	R(a->send(a, c, "v", 1, MSG_OOB));
	a->settle(a);
	V("SIGURG", sigurg_seen > 0);
	sigaction(SIGURG, &old, NULL);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

/* TCP_INQ's values and its control message, whole and cut short. */
SC(tcp_inq_control_message)
{
	int c, s, inq = -1;
	char b[16];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {b, 2};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	int lfd = pair(a, l, port, &c, &s);
	GETINT(s, IPPROTO_TCP, TCP_INQ);
	SETINT(s, IPPROTO_TCP, TCP_INQ, 2);
	SETINT(s, IPPROTO_TCP, TCP_INQ, -1);
	SETINT(s, IPPROTO_TCP, TCP_INQ, 1);
	GETINT(s, IPPROTO_TCP, TCP_INQ);
	R(a->send(a, c, "hello", 5, 0));
	a->settle(a);
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	R(a->recvmsg(a, s, &m, 0));
	V("controllen", m.msg_controllen);
	V("flags", m.msg_flags);
	cm = CMSG_FIRSTHDR(&m);
	V("cmsg", cm ? cm->cmsg_level * 1000 + cm->cmsg_type : -1);
	if (cm)
		memcpy(&inq, CMSG_DATA(cm), sizeof(inq));
	V("inq", inq);
	m.msg_controllen = sizeof(struct cmsghdr) + 1;
	R(a->recvmsg(a, s, &m, MSG_PEEK));
	V("controllen", m.msg_controllen);
	V("flags", m.msg_flags);
	m.msg_control = NULL;
	m.msg_controllen = 0;
	R(a->recvmsg(a, s, &m, 0));
	V("flags", m.msg_flags);
	R(a->close(a, c));
	a->settle(a);
	iov.iov_len = sizeof(b);
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	R(a->recvmsg(a, s, &m, 0));
	cm = CMSG_FIRSTHDR(&m);
	inq = -1;
	if (cm)
		memcpy(&inq, CMSG_DATA(cm), sizeof(inq));
	V("inq after the FIN", inq);
	m.msg_controllen = sizeof(ctl.buf);
	R(a->recvmsg(a, s, &m, 0));
	V("controllen at the end", m.msg_controllen);
	R(a->close(a, s));
	R(a->close(a, lfd));
}

/* TCP_NOTSENT_LOWAT's values, and MSG_EOR accepted on a stream. */
SC(tcp_notsent_lowat_and_eor)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	GETINT(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
	SETINT(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000);
	GETINT(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
	SETINT(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT, -1);
	GETINT(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
	SETINT(c, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 0);
	PM(c);
	R(a->send(a, c, "ab", 2, MSG_EOR));
	R(a->send(a, c, "cd", 2, MSG_EOR | MSG_MORE));
	R(a->send(a, c, "e", 1, 0));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), 0));
	PM(c);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

/* A NULL buffer with a length: EFAULT where a byte would be copied, the
 * bytes before it where some were (syscall_bad_arg's scripts). */
SC(null_buffers_fault_where_a_byte_is_copied)
{
	int c, s;
	char b[8];
	struct iovec v[2] = {{b, 3}, {NULL, 4}};
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, NULL, 10, 0));
	R(a->write(a, c, NULL, 10));
	R(a->recv(a, s, NULL, 10, 0));
	memcpy(b, "abcdefgh", 8);
	R(a->writev(a, c, v, 2));
	R(a->send(a, c, "xyz", 3, 0));
	a->settle(a);
	R(a->recv(a, s, NULL, 10, 0));
	R(a->read(a, s, NULL, 10));
	R(a->readv(a, s, v, 2));
	R(a->recv(a, s, NULL, 1, MSG_TRUNC));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(udp_basics)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port), from;
	socklen_t len = sizeof(from);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	int r = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, r, SA(sa), sizeof(sa)));
	R(a->recv(a, r, b, sizeof(b), 0));
	R(a->send(a, u, "x", 1, 0));
	R(a->sendto(a, u, "hello", 5, 0, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "", 0, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(r);
	R(a->recvfrom(a, r, b, 2, MSG_PEEK | MSG_TRUNC, SA(from), &len));
	V("from port != 0", from.sin_port != 0);
	V("len", len);
	R(a->recv(a, r, b, 2, 0));
	R(a->recv(a, r, b, sizeof(b), 0));
	R(a->recv(a, r, b, sizeof(b), 0));
	R(a->getpeername(a, u, SA(from), &len));
	R(a->shutdown(a, u, SHUT_RDWR));
	R(a->close(a, u));
	R(a->close(a, r));
}

SC(udp_recvmsg_truncation_flags)
{
	char b[8];
	struct iovec iov = {b, 3};
	struct msghdr m = {0};
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int r = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, r, SA(sa), sizeof(sa)));
	R(a->sendto(a, r, "hello", 5, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	R(a->recvmsg(a, r, &m, 0));
	V("msg_flags", m.msg_flags);
	R(a->recvmsg(a, r, &m, MSG_ERRQUEUE));
	R(a->close(a, r));
}

SC(udp_connected_refused)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	R(a->send(a, u, "x", 1, 0));
	a->settle(a);
	PM(u);
	GETINT(u, SOL_SOCKET, SO_ERROR);
	R(a->send(a, u, "x", 1, 0));
	a->settle(a);
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->close(a, u));
}

SC(udp_sizes_and_disconnect)
{
	static char big[70000];
	struct sockaddr_in sa = sin4("127.0.0.1", port), un = {0};
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->sendto(a, u, big, sizeof(big), 0, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, big, 65507, 0, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, big, 65508, 0, SA(sa), sizeof(sa)));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	R(a->getpeername(a, u, SA(peer), &len));
	un.sin_family = AF_UNSPEC;
	R(a->connect(a, u, SA(un), sizeof(un)));
	R(a->getpeername(a, u, SA(peer), &len));
	R(a->sendto(a, u, big, 1, 0, SA(sa), 8));
	sa.sin_family = AF_INET6;
	R(a->sendto(a, u, big, 1, 0, SA(sa), sizeof(sa)));
	R(a->close(a, u));
}

SC(udp_poll_and_ioctl)
{
	int v = -1;
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	PM(u);
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	PM(u);
	R(a->sendto(a, u, "abcd", 4, 0, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "ab", 2, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(u);
	R(a->ioctl(a, u, FIONREAD, &v));
	V("FIONREAD", v);
	R(a->shutdown(a, u, SHUT_RD));
	PM(u);
	R(a->close(a, u));
}

SC(epoll_create_and_ctl_errors)
{
	NOPORT;
	struct epoll_event ev = {EPOLLIN, {0}};
	int fd = FD(sock_nb(a, SOCK_STREAM));
	int ep;
	R(a->epoll_create(a, 0));
	R(a->epoll_create(a, -1));
	R(a->epoll_create1(a, 0x1234));
	ep = FD(a->epoll_create1(a, EPOLL_CLOEXEC));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, &ev));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, &ev));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_DEL, fd, NULL));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_DEL, fd, NULL));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_MOD, fd, &ev));
	R(a->epoll_ctl(a, ep, 99, fd, &ev));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, ep, &ev));
	R(a->epoll_ctl(a, fd, EPOLL_CTL_ADD, fd, &ev));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, BADFD, &ev));
	R(a->epoll_ctl(a, BADFD, EPOLL_CTL_ADD, fd, &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, &ev));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_MOD, fd, &ev));
	ev.events = EPOLLIN;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_MOD, fd, &ev));
	R(a->close(a, ep));
	R(a->close(a, fd));
}

SC(epoll_wait_errors)
{
	NOPORT;
	struct epoll_event ev[4];
	int fd = FD(sock_nb(a, SOCK_STREAM));
	int ep = FD(a->epoll_create1(a, 0));
	R(a->epoll_wait(a, ep, ev, 0, 0));
	R(a->epoll_wait(a, ep, ev, -1, 0));
	R(a->epoll_wait(a, fd, ev, 4, 0));
	R(a->epoll_wait(a, BADFD, ev, 4, 0));
	R(a->epoll_wait(a, ep, ev, 4, 0));
	R(a->epoll_wait(a, ep, ev, 4, 10));
	R(a->close(a, ep));
	R(a->close(a, fd));
}

/* Adds fds to a fresh epoll instance and records what one epoll_wait says
 * about each (by its place in the list, not its number). */
static void epoll_masks(struct api *a, struct log *l, const int *fds, int n)
{
	struct epoll_event ev[8];
	int ep = FD(a->epoll_create1(a, 0)), got;
	for (int i = 0; i < n; i++) {
		struct epoll_event e = {EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI, {.u32 = i}};
		R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fds[i], &e));
	}
	got = (int)R(a->epoll_wait(a, ep, ev, 8, 0));
	for (int i = 0; i < n; i++) {
		long mask = 0;
		for (int j = 0; j < got; j++)
			if ((int)ev[j].data.u32 == i)
				mask = ev[j].events;
		V("epoll events of the fd", mask);
	}
	R(a->close(a, ep));
}

SC(epoll_masks_fresh_bound_listening)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int f[4];
	f[0] = FD(sock_nb(a, SOCK_STREAM));
	f[1] = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, f[1], SA(sa), sizeof(sa)));
	f[2] = listener(a, l, port + 1, 4);
	f[3] = FD(sock_nb(a, SOCK_DGRAM));
	epoll_masks(a, l, f, 4);
	for (int i = 0; i < 4; i++)
		R(a->close(a, f[i]));
}

SC(epoll_masks_connected_and_pending)
{
	int c, s, f[3];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	f[0] = pair(a, l, port, &c, &s);
	f[1] = c;
	f[2] = s;
	epoll_masks(a, l, f, 3);
	c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->send(a, f[1], "data", 4, 0));
	a->settle(a);
	epoll_masks(a, l, f, 3);
	R(a->close(a, c));
	for (int i = 0; i < 3; i++)
		R(a->close(a, f[i]));
}

SC(epoll_masks_after_shutdowns)
{
	int c, s, f[2];
	int lfd = pair(a, l, port, &c, &s);
	f[0] = c;
	f[1] = s;
	R(a->shutdown(a, c, SHUT_WR));
	a->settle(a);
	epoll_masks(a, l, f, 2);
	R(a->shutdown(a, s, SHUT_WR));
	a->settle(a);
	epoll_masks(a, l, f, 2);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(epoll_masks_after_reset)
{
	int c, s, f[1];
	struct linger lg = {1, 0};
	int lfd = pair(a, l, port, &c, &s);
	R(a->setsockopt(a, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(a->close(a, s));
	a->settle(a);
	f[0] = c;
	epoll_masks(a, l, f, 1);
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(epoll_edge_triggered_and_oneshot)
{
	int c, s;
	char b[16];
	struct epoll_event ev = {EPOLLIN | EPOLLET, {0}}, out[2];
	int lfd = pair(a, l, port, &c, &s);
	int ep = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, s, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->send(a, c, "ab", 2, 0));
	a->settle(a);
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->epoll_wait(a, ep, out, 2, 0));
	ev.events = EPOLLIN | EPOLLONESHOT;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_MOD, s, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->close(a, s));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->close(a, ep));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(poll_arguments)
{
	NOPORT;
	struct pollfd p[2];
	int fd = FD(sock_nb(a, SOCK_STREAM));
	p[0] = (struct pollfd){BADFD, POLLIN, 0};
	p[1] = (struct pollfd){-1, POLLIN, 0};
	R(a->poll(a, p, 2, 0));
	V("revents of a bad fd", p[0].revents);
	V("revents of -1", p[1].revents);
	p[0] = (struct pollfd){fd, 0, 0};
	R(a->poll(a, p, 1, 0));
	V("revents with no events asked", p[0].revents);
	R(a->poll(a, p, 0, 5));
	p[0] = (struct pollfd){fd, POLLIN, 0};
	R(a->poll(a, p, 1, 0));
	V("revents POLLIN only", p[0].revents);
	R(a->close(a, fd));
}

SC(poll_masks_through_a_connection_lifetime)
{
	int c, s;
	char b[16];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	PM(lfd);
	c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(lfd);
	PM(c);
	s = FD(a->accept4(a, lfd, NULL, NULL, SOCK_NONBLOCK));
	PM(lfd);
	PM(s);
	R(a->send(a, s, "x", 1, 0));
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	PM(c);
	R(a->shutdown(a, s, SHUT_WR));
	a->settle(a);
	PM(c);
	PM(s);
	R(a->close(a, c));
	a->settle(a);
	PM(s);
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(descriptor_reuse_and_double_close)
{
	NOPORT;
	char b[4];
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->close(a, fd));
	R(a->close(a, fd));
	R(a->recv(a, fd, b, sizeof(b), 0));
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, b, &(socklen_t){4}));
	R(a->close(a, -1));
}

SC(rcvlowat_and_poll)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	SETINT(s, SOL_SOCKET, SO_RCVLOWAT, 4);
	GETINT(s, SOL_SOCKET, SO_RCVLOWAT);
	R(a->send(a, c, "ab", 2, 0));
	a->settle(a);
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	SETINT(s, SOL_SOCKET, SO_RCVLOWAT, -3);
	GETINT(s, SOL_SOCKET, SO_RCVLOWAT);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(keepalive_and_nodelay_on_connected)
{
	int c, s;
	int lfd = pair(a, l, port, &c, &s);
	SETINT(c, SOL_SOCKET, SO_KEEPALIVE, 1);
	GETINT(c, SOL_SOCKET, SO_KEEPALIVE);
	SETINT(c, IPPROTO_TCP, TCP_NODELAY, 1);
	GETINT(c, IPPROTO_TCP, TCP_NODELAY);
	GETINT(c, IPPROTO_TCP, TCP_MAXSEG);
	GETINT(s, IPPROTO_TCP, TCP_MAXSEG);
	GETINT(lfd, SOL_SOCKET, SO_ACCEPTCONN);
	GETINT(s, SOL_SOCKET, SO_ACCEPTCONN);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(sigpipe_free_send_after_shutdown)
{
	int c, s;
	char b[4];
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, c, SHUT_RDWR));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	R(a->sendto(a, c, "x", 1, MSG_NOSIGNAL, NULL, 0));
	R(a->recv(a, c, b, sizeof(b), 0));
	PM(c);
	a->settle(a);
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(peek_and_waitall_nonblocking)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "abcdef", 6, 0));
	a->settle(a);
	R(a->recv(a, s, b, 3, MSG_PEEK));
	R(a->recv(a, s, b, sizeof(b), MSG_PEEK));
	R(a->recv(a, s, b, sizeof(b), MSG_WAITALL));
	R(a->recv(a, s, b, sizeof(b), MSG_PEEK));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recvfrom_on_tcp_fills_no_address)
{
	int c, s;
	char b[16];
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "ab", 2, 0));
	a->settle(a);
	R(a->recvfrom(a, s, b, sizeof(b), 0, SA(from), &len));
	V("len", len);
	len = (socklen_t)-1;
	R(a->recvfrom(a, s, b, sizeof(b), 0, SA(from), &len));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(listening_socket_data_calls)
{
	char b[4];
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int v = 0;
	int lfd = listener(a, l, port, 4);
	R(a->send(a, lfd, "x", 1, MSG_NOSIGNAL));
	R(a->recv(a, lfd, b, sizeof(b), 0));
	R(a->recv(a, lfd, b, 0, 0));
	R(a->getpeername(a, lfd, SA(peer), &len));
	R(a->ioctl(a, lfd, SIOCOUTQNSD, &v));
	R(a->ioctl(a, lfd, SIOCATMARK, &v));
	R(a->shutdown(a, lfd, SHUT_RDWR));
	R(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->close(a, lfd));
}

SC(connect_af_unspec_on_listener_and_fresh)
{
	struct sockaddr_in un = {0};
	int lfd = listener(a, l, port, 4);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	un.sin_family = AF_UNSPEC;
	R(a->connect(a, fd, SA(un), sizeof(un)));
	R(a->connect(a, lfd, SA(un), sizeof(un)));
	GETINT(lfd, SOL_SOCKET, SO_ACCEPTCONN);
	R(a->accept4(a, lfd, NULL, NULL, 0));
	PM(lfd);
	R(a->listen(a, lfd, 4));
	R(a->close(a, fd));
	R(a->close(a, lfd));
}

SC(bind_port_zero_and_wildcard_conflicts)
{
	struct sockaddr_in any = sin4("0.0.0.0", port), lo = sin4("127.0.0.1", port), me;
	struct sockaddr_in zero = sin4("127.0.0.1", 0);
	socklen_t len = sizeof(me);
	int f1 = FD(sock_nb(a, SOCK_STREAM)), f2 = FD(sock_nb(a, SOCK_STREAM));
	int f3 = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, f1, SA(any), sizeof(any)));
	R(a->bind(a, f2, SA(lo), sizeof(lo)));
	R(a->bind(a, f3, SA(zero), sizeof(zero)));
	R(a->getsockname(a, f3, SA(me), &len));
	V("port chosen != 0", me.sin_port != 0);
	V("address kept", ntohl(me.sin_addr.s_addr));
	R(a->close(a, f1));
	R(a->close(a, f2));
	R(a->close(a, f3));
}

SC(bind_multicast_and_broadcast_addresses)
{
	struct sockaddr_in mc = sin4("224.0.0.1", port), bc = sin4("255.255.255.255", port);
	struct sockaddr_in other = sin4("127.0.0.2", port);
	int t = FD(sock_nb(a, SOCK_STREAM)), u = FD(sock_nb(a, SOCK_DGRAM));
	int t2 = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, u, SA(mc), sizeof(mc)));
	R(a->bind(a, t, SA(bc), sizeof(bc)));
	R(a->bind(a, t2, SA(other), sizeof(other)));
	R(a->close(a, t));
	R(a->close(a, t2));
	R(a->close(a, u));
}

SC(connect_from_wildcard_bound_socket)
{
	struct sockaddr_in any = sin4("0.0.0.0", port + 1), sa = sin4("127.0.0.1", port), me;
	socklen_t len = sizeof(me);
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, c, SA(any), sizeof(any)));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->getsockname(a, c, SA(me), &len));
	V("local address", ntohl(me.sin_addr.s_addr));
	V("local port", ntohs(me.sin_port));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(socket_options_that_cannot_be_set)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, SOL_SOCKET, SO_TYPE, 1);
	SETINT(fd, SOL_SOCKET, SO_ERROR, 1);
	SETINT(fd, SOL_SOCKET, SO_ACCEPTCONN, 1);
	SETINT(fd, SOL_SOCKET, SO_PROTOCOL, 1);
	SETINT(fd, SOL_SOCKET, SO_DOMAIN, 1);
	SETINT(fd, SOL_SOCKET, SO_SNDLOWAT, 1);
	GETINT(fd, SOL_SOCKET, SO_SNDLOWAT);
	R(a->close(a, fd));
}

SC(tcp_options_on_a_udp_socket)
{
	NOPORT;
	int v = 1;
	socklen_t len = sizeof(v);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	SETINT(u, IPPROTO_TCP, TCP_NODELAY, 1);
	R(a->getsockopt(a, u, IPPROTO_TCP, TCP_NODELAY, &v, &len));
	R(a->getsockopt(a, u, IPPROTO_UDP, 9999, &v, &len));
	R(a->setsockopt(a, u, IPPROTO_UDP, 9999, &v, sizeof(v)));
	R(a->getsockopt(a, u, 9999, 1, &v, &len));
	R(a->setsockopt(a, u, 9999, 1, &v, sizeof(v)));
	GETINT(u, IPPROTO_IP, IP_TTL);
	R(a->close(a, u));
}

SC(timeout_option_lengths)
{
	NOPORT;
	struct timeval tv = {0, 0};
	socklen_t len;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	len = 4;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	V("len", len);
	len = 0;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	V("len", len);
	len = 100;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	V("len", len);
	tv = (struct timeval){0, 999999};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){0, 1000000};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){0, -1};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv) + 8));
	R(a->close(a, fd));
}

SC(linger_lengths)
{
	NOPORT;
	struct linger lg = {1, 5};
	socklen_t len;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg) + 4));
	len = 4;
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, &len));
	V("len", len);
	lg = (struct linger){1, -1};
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	len = sizeof(lg);
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_LINGER, &lg, &len));
	/* beyond any time: Linux's value depends on its HZ */
	V("linger not 0", lg.l_linger != 0);
	R(a->close(a, fd));
}

SC(tcp_user_timeout_and_keepalive_values)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000);
	GETINT(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32767);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32768);
	GETINT(fd, IPPROTO_TCP, TCP_KEEPIDLE);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPINTVL, 32768);
	SETINT(fd, IPPROTO_TCP, TCP_KEEPCNT, 127);
	GETINT(fd, IPPROTO_TCP, TCP_KEEPCNT);
	SETINT(fd, IPPROTO_TCP, TCP_SYNCNT, 127);
	GETINT(fd, IPPROTO_TCP, TCP_SYNCNT);
	SETINT(fd, IPPROTO_TCP, TCP_QUICKACK, 0);
	GETINT(fd, IPPROTO_TCP, TCP_QUICKACK);
	SETINT(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, -1);
	SETINT(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, 100);
	GETINT(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP);
	R(a->close(a, fd));
}

SC(tcp_congestion_on_connected)
{
	int c, s;
	char name[16];
	socklen_t len = sizeof(name);
	int lfd = pair(a, l, port, &c, &s);
	R(a->setsockopt(a, c, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5));
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	V("cubic", strcmp(name, "cubic") == 0);
	/* 20 bytes, past TCP_CA_NAME_MAX (16): no module has that name. */
	R(a->setsockopt(a, c, IPPROTO_TCP, TCP_CONGESTION, "cubicXXXXXXXXXXXXXXXXX", 20));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(ioctl_on_connected)
{
	int c, s, v = -1;
	int lfd = pair(a, l, port, &c, &s);
	R(a->ioctl(a, c, SIOCATMARK, &v));
	V("SIOCATMARK", v);
	R(a->ioctl(a, c, SIOCOUTQ, &v));
	V("SIOCOUTQ", v);
	R(a->ioctl(a, c, FIONBIO, NULL));
	R(a->ioctl(a, c, FIONREAD, NULL));
	R(a->send(a, c, "abcd", 4, 0));
	a->settle(a);
	R(a->ioctl(a, s, SIOCINQ, &v));
	V("SIOCINQ", v);
	R(a->ioctl(a, c, SIOCOUTQ, &v));
	V("SIOCOUTQ after the ACK", v);
	R(a->shutdown(a, c, SHUT_WR));
	a->settle(a);
	R(a->ioctl(a, s, SIOCINQ, &v));
	V("SIOCINQ with the FIN", v);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(half_close_then_data_then_close)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, c, SHUT_WR));
	a->settle(a);
	R(a->send(a, s, "reply", 5, 0));
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->close(a, s));
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->recv(a, c, b, sizeof(b), MSG_PEEK));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(close_with_unsent_data_delivers_it_before_fin)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "bye", 3, 0));
	R(a->close(a, c));
	a->settle(a);
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->send(a, s, "x", 1, MSG_NOSIGNAL));
	a->settle(a);
	R(a->send(a, s, "x", 1, MSG_NOSIGNAL));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(shutdown_twice_and_after_reset)
{
	int c, s;
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, c, SHUT_WR));
	R(a->shutdown(a, c, SHUT_WR));
	R(a->shutdown(a, c, SHUT_RD));
	R(a->shutdown(a, c, SHUT_RDWR));
	a->settle(a);
	PM(c);
	PM(s);
	R(a->shutdown(a, s, SHUT_RD));
	R(a->shutdown(a, s, SHUT_WR));
	a->settle(a);
	PM(c);
	PM(s);
	R(a->shutdown(a, c, SHUT_RDWR));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(udp_more_errors)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port), zero = sin4("127.0.0.1", 0);
	struct sockaddr_in any = sin4("0.0.0.0", port);
	int u = FD(sock_nb(a, SOCK_DGRAM)), u2 = FD(sock_nb(a, SOCK_DGRAM));
	R(a->sendto(a, u, "x", 1, 0, SA(zero), sizeof(zero)));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->bind(a, u2, SA(any), sizeof(any)));
	R(a->connect(a, u2, SA(zero), sizeof(zero)));
	R(a->shutdown(a, u, SHUT_WR));
	R(a->sendto(a, u, "x", 1, 0, SA(sa), sizeof(sa)));
	R(a->recv(a, u, NULL, 0, 0));
	R(a->recv(a, u, b, sizeof(b), MSG_OOB));
	R(a->send(a, u, "x", 1, MSG_OOB));
	R(a->close(a, u));
	R(a->close(a, u2));
}

SC(udp_truncation_with_null_buffer_and_peek)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "hello", 5, 0, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "ab", 2, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->recv(a, u, NULL, 0, MSG_PEEK | MSG_TRUNC));
	R(a->recv(a, u, b, 0, 0));
	R(a->recv(a, u, b, sizeof(b), MSG_TRUNC));
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->close(a, u));
}

SC(udp_recvfrom_address_lengths)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port), from;
	socklen_t len;
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	for (int i = 0; i < 3; i++)
		R(a->sendto(a, u, "hi", 2, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	len = 0;
	R(a->recvfrom(a, u, b, sizeof(b), 0, SA(from), &len));
	V("len", len);
	len = 4;
	memset(&from, 0, sizeof(from));
	R(a->recvfrom(a, u, b, sizeof(b), 0, SA(from), &len));
	V("len", len);
	V("family", from.sin_family);
	len = (socklen_t)-1;
	R(a->recvfrom(a, u, b, sizeof(b), 0, SA(from), &len));
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->close(a, u));
}

SC(udp_recvmsg_name_lengths)
{
	char b[8];
	struct sockaddr_storage from;
	struct iovec iov = {b, sizeof(b)};
	struct msghdr m = {0};
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "hi", 2, 0, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "hi", 2, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_name = &from;
	m.msg_namelen = 1000;
	R(a->recvmsg(a, u, &m, 0));
	V("namelen", m.msg_namelen);
	m.msg_namelen = 2;
	R(a->recvmsg(a, u, &m, 0));
	V("namelen", m.msg_namelen);
	m.msg_namelen = (socklen_t)-1;
	R(a->recvmsg(a, u, &m, 0));
	R(a->close(a, u));
}

SC(udp_sendmsg_name_lengths)
{
	/* room for the lengths tried: sanitizers read all msg_namelen bytes */
	union {
		struct sockaddr_storage ss;
		char room[1024];
	} to = {0};
	struct iovec iov = {"x", 1};
	struct msghdr m = {0};
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	memcpy(&to.ss, &sa, sizeof(sa));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_name = &to;
	m.msg_namelen = 1000;
	R(a->sendmsg(a, u, &m, 0));
	m.msg_namelen = 8;
	R(a->sendmsg(a, u, &m, 0));
	m.msg_namelen = 0;
	R(a->sendmsg(a, u, &m, 0));
	R(a->sendto(a, u, "x", 1, 0, SA(to.ss), 1000));
	R(a->sendto(a, u, "x", 1, 0, NULL, 16));
	R(a->close(a, u));
}

SC(udp_connected_then_sendto_elsewhere)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port), sb = sin4("127.0.0.1", port + 1);
	int r1 = FD(sock_nb(a, SOCK_DGRAM)), r2 = FD(sock_nb(a, SOCK_DGRAM));
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, r1, SA(sa), sizeof(sa)));
	R(a->bind(a, r2, SA(sb), sizeof(sb)));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, "to-b", 4, 0, SA(sb), sizeof(sb)));
	R(a->send(a, u, "to-a", 4, 0));
	a->settle(a);
	R(a->recv(a, r1, b, sizeof(b), 0));
	R(a->recv(a, r2, b, sizeof(b), 0));
	R(a->sendto(a, r2, "back", 4, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->close(a, u));
	R(a->close(a, r1));
	R(a->close(a, r2));
}

SC(udp_options)
{
	NOPORT;
	int u = FD(sock_nb(a, SOCK_DGRAM));
	GETINT(u, SOL_SOCKET, SO_RCVBUF);
	GETINT(u, SOL_SOCKET, SO_SNDBUF);
	SETINT(u, SOL_SOCKET, SO_BROADCAST, 1);
	GETINT(u, SOL_SOCKET, SO_BROADCAST);
	GETINT(u, IPPROTO_IP, IP_MULTICAST_TTL);
	GETINT(u, IPPROTO_IP, IP_MULTICAST_LOOP);
	SETINT(u, IPPROTO_IP, IP_MULTICAST_TTL, 300);
	SETINT(u, IPPROTO_IP, IP_MULTICAST_TTL, -1);
	GETINT(u, IPPROTO_IP, IP_MULTICAST_TTL);
	R(a->close(a, u));
}

SC(epoll_nested_and_closed_members)
{
	int c, s;
	struct epoll_event ev = {EPOLLIN, {0}}, out[4];
	int lfd = pair(a, l, port, &c, &s);
	int e1 = FD(a->epoll_create1(a, 0)), e2 = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, e1, EPOLL_CTL_ADD, s, &ev));
	R(a->epoll_ctl(a, e2, EPOLL_CTL_ADD, e1, &ev));
	R(a->epoll_ctl(a, e1, EPOLL_CTL_ADD, e2, &ev));
	R(a->epoll_wait(a, e2, out, 4, 0));
	R(a->send(a, c, "x", 1, 0));
	a->settle(a);
	R(a->epoll_wait(a, e2, out, 4, 0));
	V("events of the inner epoll", out[0].events);
	PM(e1);
	R(a->close(a, s));
	R(a->epoll_wait(a, e1, out, 4, 0));
	R(a->epoll_ctl(a, e1, EPOLL_CTL_DEL, s, NULL));
	R(a->close(a, e2));
	R(a->close(a, e1));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(epoll_nested_instance_follows_its_members)
{
	int c, s;
	char b[8];
	struct epoll_event ev = {EPOLLIN, {0}}, out[4];
	int lfd = pair(a, l, port, &c, &s);
	int inner = FD(a->epoll_create1(a, 0)), outer = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, outer, EPOLL_CTL_ADD, inner, &ev));
	R(a->epoll_ctl(a, inner, EPOLL_CTL_ADD, s, &ev));
	R(a->epoll_wait(a, outer, out, 4, 0));
	PM(inner);
	R(a->send(a, c, "ab", 2, 0));
	a->settle(a);
	R(a->epoll_wait(a, outer, out, 4, 0));
	PM(inner);
	/* drained by a read: the inner instance has nothing ready now */
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->epoll_wait(a, outer, out, 4, 0));
	PM(inner);
	/* edge-triggered: ready until the inner instance reported it */
	ev.events = EPOLLIN | EPOLLET;
	R(a->epoll_ctl(a, inner, EPOLL_CTL_MOD, s, &ev));
	R(a->send(a, c, "cd", 2, 0));
	a->settle(a);
	R(a->epoll_wait(a, outer, out, 4, 0));
	R(a->epoll_wait(a, inner, out, 4, 0));
	R(a->epoll_wait(a, outer, out, 4, 0));
	PM(inner);
	R(a->epoll_ctl(a, inner, EPOLL_CTL_DEL, s, NULL));
	R(a->send(a, c, "ef", 2, 0));
	a->settle(a);
	R(a->epoll_wait(a, outer, out, 4, 0));
	R(a->close(a, outer));
	R(a->close(a, inner));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(epoll_masks_during_connect_refused_and_syn_sent)
{
	int lfd, c1, f[2];
	struct sockaddr_in sa = sin4("127.0.0.1", port + 5);
	f[0] = stuck_in_syn_sent(a, l, port, &lfd, &c1);
	f[1] = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, f[1], SA(sa), sizeof(sa)));
	a->settle(a);
	epoll_masks(a, l, f, 2);
	R(a->close(a, f[0]));
	R(a->close(a, f[1]));
	R(a->close(a, c1));
	R(a->close(a, lfd));
}

SC(epoll_event_flags)
{
	NOPORT;
	struct epoll_event ev = {0, {0}}, out[2];
	int fd = FD(sock_nb(a, SOCK_STREAM));
	int ep = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	V("events with none asked", out[0].events);
	ev.events = EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_DEL, fd, NULL));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, &ev));
	ev.events = EPOLLOUT | EPOLLEXCLUSIVE;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, &ev));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, fd, NULL));
	R(a->close(a, ep));
	R(a->close(a, fd));
}

SC(fcntl_on_epoll_and_accepted)
{
	int c, s;
	int lfd = pair(a, l, port, &c, &s);
	int ep = FD(a->epoll_create1(a, EPOLL_CLOEXEC));
	R(a->fcntl(a, ep, F_GETFL, 0));
	R(a->fcntl(a, ep, F_GETFD, 0));
	R(a->fcntl(a, ep, F_SETFL, O_NONBLOCK));
	R(a->fcntl(a, ep, F_GETFL, 0));
	R(a->fcntl(a, s, F_GETFL, 0));
	R(a->fcntl(a, lfd, F_GETFL, 0));
	R(a->fcntl(a, s, F_GETFD, 0));
	R(a->close(a, ep));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(accept_after_the_client_reset)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port), peer;
	struct linger lg = {1, 0};
	socklen_t len = sizeof(peer);
	char b[4];
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM)), s;
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->setsockopt(a, c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(a->close(a, c));
	a->settle(a);
	PM(lfd);
	s = FD(a->accept4(a, lfd, SA(peer), &len, SOCK_NONBLOCK));
	if (s >= 0) {
		V("peer port", ntohs(peer.sin_port) != 0);
		PM(s);
		R(a->recv(a, s, b, sizeof(b), 0));
		R(a->recv(a, s, b, sizeof(b), 0));
		R(a->close(a, s));
	}
	R(a->close(a, lfd));
}

SC(accept_after_the_client_closed)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	char b[4];
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM)), s;
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->send(a, c, "hi", 2, 0));
	R(a->close(a, c));
	a->settle(a);
	s = FD(a->accept4(a, lfd, NULL, NULL, SOCK_NONBLOCK));
	PM(s);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->send(a, s, "x", 1, MSG_NOSIGNAL));
	a->settle(a);
	R(a->send(a, s, "x", 1, MSG_NOSIGNAL));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(blocking_accept_with_timeout)
{
	int lfd = listener(a, l, port, 4);
	R(a->fcntl(a, lfd, F_SETFL, 0));
	rcvtimeo(a, lfd, 100);
	R(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->close(a, lfd));
}

SC(blocking_send_fills_with_timeout)
{
	int c, s;
	static char big[1 << 16];
	long total = 0, rc = 0;
	int lfd = pair(a, l, port, &c, &s);
	R(a->fcntl(a, c, F_SETFL, 0));
	SETINT(c, SOL_SOCKET, SO_SNDBUF, 4096);
	SETINT(s, SOL_SOCKET, SO_RCVBUF, 4096);
	rcvtimeo(a, c, 100);
	for (int i = 0; i < 200 && rc >= 0; i++) {
		rc = a->send(a, c, big, sizeof(big), 0);
		if (rc > 0)
			total += rc;
	}
	V("a send failed at last", rc < 0);
	V("errno EAGAIN", rc < 0 && errno == EAGAIN);
	V("something was sent", total > 0);
	PM(s);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(ipv6_socket_basics)
{
	struct sockaddr_in6 s6 = {0}, me;
	struct sockaddr_in s4 = sin4("127.0.0.1", port);
	socklen_t len = sizeof(me);
	int fd = FD(a->socket(a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)port);
	s6.sin6_addr = in6addr_loopback;
	R(a->bind(a, fd, SA(s4), sizeof(s4)));
	R(a->bind(a, fd, SA(s6), sizeof(s6) - 1));
	R(a->bind(a, fd, SA(s6), sizeof(s6)));
	R(a->getsockname(a, fd, SA(me), &len));
	V("len", len);
	V("port", ntohs(me.sin6_port));
	GETINT(fd, IPPROTO_IPV6, IPV6_V6ONLY);
	GETINT(fd, SOL_SOCKET, SO_DOMAIN);
	R(a->socket(a, AF_INET6, SOCK_STREAM, 9999));
	R(a->close(a, fd));
}

SC(tcp_info_fields_on_loopback)
{
	int c, s;
	struct ut_tcp_info ti;
	socklen_t len = sizeof(ti);
	int lfd = pair(a, l, port, &c, &s);
	memset(&ti, 0, sizeof(ti));
	R(a->getsockopt(a, c, IPPROTO_TCP, TCP_INFO, &ti, &len));
	V("tcpi_state", ti.tcpi_state);
	V("tcpi_ca_state", ti.tcpi_ca_state);
	V("tcpi_options", ti.tcpi_options);
	V("tcpi_snd_wscale", ti.tcpi_snd_wscale);
	V("tcpi_rcv_wscale", ti.tcpi_rcv_wscale);
	V("tcpi_snd_mss", ti.tcpi_snd_mss);
	V("tcpi_advmss", ti.tcpi_advmss);
	V("tcpi_pmtu", ti.tcpi_pmtu);
	V("tcpi_snd_cwnd", ti.tcpi_snd_cwnd);
	V("tcpi_reordering", ti.tcpi_reordering);
	V("tcpi_snd_ssthresh", ti.tcpi_snd_ssthresh);
	V("tcpi_unacked", ti.tcpi_unacked);
	V("tcpi_retransmits", ti.tcpi_retransmits);
	V("tcpi_ecn_mode", ti.tcpi_ecn_mode);
	V("tcpi_received_ce", ti.tcpi_received_ce);
	V("tcpi_received_e0_bytes", ti.tcpi_received_e0_bytes);
	V("tcpi_delivered_e0_bytes", ti.tcpi_delivered_e0_bytes);
	V("tcpi_accecn_fail_mode", ti.tcpi_accecn_fail_mode);
	len = sizeof(ti);
	R(a->getsockopt(a, lfd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	V("listener tcpi_state", ti.tcpi_state);
	V("listener tcpi_sacked (backlog)", ti.tcpi_sacked);
	V("listener tcpi_unacked (queue)", ti.tcpi_unacked);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(options_inherited_by_accepted_sockets)
{
	int c, s;
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	SETINT(lfd, IPPROTO_TCP, TCP_NODELAY, 1);
	SETINT(lfd, SOL_SOCKET, SO_KEEPALIVE, 1);
	SETINT(lfd, IPPROTO_TCP, TCP_KEEPIDLE, 77);
	SETINT(lfd, SOL_SOCKET, SO_RCVBUF, 20000);
	SETINT(lfd, SOL_SOCKET, SO_SNDBUF, 30000);
	SETINT(lfd, IPPROTO_IP, IP_TOS, 0x20);
	SETINT(lfd, IPPROTO_IP, IP_TTL, 33);
	c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	s = FD(a->accept4(a, lfd, NULL, NULL, 0));
	GETINT(s, IPPROTO_TCP, TCP_NODELAY);
	GETINT(s, SOL_SOCKET, SO_KEEPALIVE);
	GETINT(s, IPPROTO_TCP, TCP_KEEPIDLE);
	GETINT(s, SOL_SOCKET, SO_RCVBUF);
	GETINT(s, SOL_SOCKET, SO_SNDBUF);
	GETINT(s, IPPROTO_IP, IP_TOS);
	GETINT(s, IPPROTO_IP, IP_TTL);
	R(a->fcntl(a, s, F_GETFL, 0) & O_NONBLOCK);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(shutdown_read_then_peer_sends)
{
	int c, s, v = -1;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, s, SHUT_RD));
	R(a->send(a, c, "abc", 3, 0));
	a->settle(a);
	PM(s);
	R(a->ioctl(a, s, FIONREAD, &v));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	PM(c);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(connect_to_itself)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port), peer;
	socklen_t len = sizeof(peer);
	char b[8];
	int fd = FD(a->socket(a, AF_INET, SOCK_STREAM, 0));
	rcvtimeo(a, fd, 500);
	R(a->bind(a, fd, SA(sa), sizeof(sa)));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->getpeername(a, fd, SA(peer), &len));
	R(a->send(a, fd, "me", 2, MSG_DONTWAIT));
	a->settle(a);
	R(a->recv(a, fd, b, sizeof(b), MSG_DONTWAIT));
	R(a->close(a, fd));
}

SC(connect_to_the_wildcard_address)
{
	struct sockaddr_in any = sin4("0.0.0.0", port), peer;
	socklen_t len = sizeof(peer);
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM));
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->connect(a, c, SA(any), sizeof(any)));
	a->settle(a);
	R(a->getpeername(a, c, SA(peer), &len));
	V("TCP peer address", ntohl(peer.sin_addr.s_addr));
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->connect(a, u, SA(any), sizeof(any)));
	len = sizeof(peer);
	R(a->getpeername(a, u, SA(peer), &len));
	V("UDP peer address", ntohl(peer.sin_addr.s_addr));
	len = sizeof(peer);
	R(a->getsockname(a, u, SA(peer), &len));
	V("UDP local address", ntohl(peer.sin_addr.s_addr));
	R(a->close(a, u));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(time_wait_port_rebind)
{
	int c, s, f1, f2;
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = pair(a, l, port, &c, &s);
	R(a->close(a, lfd));
	R(a->close(a, s)); /* the server closes first: its port goes TIME_WAIT */
	a->settle(a);
	R(a->close(a, c));
	a->settle(a);
	f1 = FD(sock_nb(a, SOCK_STREAM));
	R(a->bind(a, f1, SA(sa), sizeof(sa)));
	f2 = FD(sock_nb(a, SOCK_STREAM));
	SETINT(f2, SOL_SOCKET, SO_REUSEADDR, 1);
	R(a->bind(a, f2, SA(sa), sizeof(sa)));
	R(a->close(a, f1));
	R(a->close(a, f2));
}

SC(tcp_and_udp_share_a_port_number)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int t = FD(sock_nb(a, SOCK_STREAM)), u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, t, SA(sa), sizeof(sa)));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->close(a, t));
	R(a->close(a, u));
}

SC(sendto_on_unconnected_tcp)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL, SA(sa), sizeof(sa)));
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL, SA(sa), 4));
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN, SA(sa), 4));
	R(a->close(a, fd));
	R(a->close(a, lfd));
}

/* Fast Open's options and MSG_FASTOPEN's errors. A fresh namespace has
 * net.ipv4.tcp_fastopen=1 (client only): no server gives a cookie, so
 * every Fast Open connect here asks for one and goes in progress. */
SC(fastopen_options_on_a_fresh_socket)
{
	NOPORT;
	uint8_t key[32], got[32];
	socklen_t len = sizeof(got);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	GETINT(fd, IPPROTO_TCP, TCP_FASTOPEN);
	GETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT);
	GETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN, -1);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN, 5);
	GETINT(fd, IPPROTO_TCP, TCP_FASTOPEN);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 2);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1);
	GETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, 2);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, 1);
	GETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE);
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_FASTOPEN, key, 2));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_FASTOPEN_KEY, key, 10));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_FASTOPEN_KEY, key, 16));
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_FASTOPEN_KEY, got, &len));
	V("TCP_FASTOPEN_KEY length", len);
	V("TCP_FASTOPEN_KEY the key set", memcmp(got, key, 16) == 0);
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_FASTOPEN_KEY, key, 32));
	len = 20;
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_FASTOPEN_KEY, got, &len));
	V("TCP_FASTOPEN_KEY length, 20 asked", len);
	R(a->close(a, fd));
}

SC(fastopen_sendto_and_connect_errors)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	int lfd = listener(a, l, port, 4);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN, &unspec, sizeof(unspec)));
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN, NULL, 0));
	/* no cookie: the SYN asks for one, the call is in progress (the
	 * kernel's loopback completes the handshake inside the call, so
	 * nothing is asked before settling) */
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(fd);
	R(a->sendto(a, fd, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN, SA(sa), sizeof(sa)));
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN, 1);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1);
	SETINT(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, 1);
	R(a->sendto(a, lfd, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN, SA(sa), sizeof(sa)));
	SETINT(lfd, IPPROTO_TCP, TCP_FASTOPEN, 3);
	GETINT(lfd, IPPROTO_TCP, TCP_FASTOPEN);
	SETINT(lfd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, 1);
	SETINT(lfd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1);
	/* TCP_FASTOPEN_CONNECT without a cookie: connect as usual */
	int c = FD(sock_nb(a, SOCK_STREAM));
	SETINT(c, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1);
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	R(a->send(a, c, "ab", 2, MSG_NOSIGNAL));
	R(a->close(a, c));
	/* a NULL buffer: no data in the SYN, the call in progress */
	int n = FD(sock_nb(a, SOCK_STREAM));
	R(a->sendto(a, n, NULL, 1, MSG_NOSIGNAL | MSG_FASTOPEN, SA(sa), sizeof(sa)));
	R(a->close(a, n));
	R(a->close(a, fd));
	R(a->close(a, lfd));
}

SC(sendmsg_with_control_messages_on_tcp)
{
	int c, s;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {"ab", 2};
	struct msghdr m = {0};
	int lfd = pair(a, l, port, &c, &s);
	memset(&ctl, 0, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = &ctl;
	m.msg_controllen = sizeof(ctl);
	ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
	ctl.h.cmsg_level = SOL_SOCKET;
	ctl.h.cmsg_type = 9999;
	R(a->sendmsg(a, c, &m, 0));
	ctl.h.cmsg_level = IPPROTO_TCP;
	R(a->sendmsg(a, c, &m, 0));
	ctl.h.cmsg_len = 1000;
	R(a->sendmsg(a, c, &m, 0));
	m.msg_controllen = 4;
	R(a->sendmsg(a, c, &m, 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recvmsg_control_length_comes_back_zero)
{
	int c, s;
	char b[16], ctl[64];
	struct iovec iov = {b, sizeof(b)};
	struct msghdr m = {0};
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "abc", 3, 0));
	a->settle(a);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	R(a->recvmsg(a, s, &m, 0));
	V("msg_controllen", m.msg_controllen);
	V("msg_flags", m.msg_flags);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(send_flags_on_tcp)
{
	int c, s;
	char b[32];
	int lfd = pair(a, l, port, &c, &s);
	R(a->send(a, c, "a", 1, MSG_EOR));
	R(a->send(a, c, "b", 1, MSG_CONFIRM));
	R(a->send(a, c, "c", 1, MSG_DONTROUTE));
	R(a->send(a, c, "d", 1, MSG_MORE));
	R(a->send(a, c, "e", 1, 0x40000000 /* MSG_CMSG_CLOEXEC */));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), MSG_CMSG_CLOEXEC));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(cork_holds_then_uncork_sends)
{
	int c, s;
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	SETINT(c, IPPROTO_TCP, TCP_CORK, 1);
	R(a->send(a, c, "abc", 3, 0));
	a->settle(a);
	SETINT(c, IPPROTO_TCP, TCP_CORK, 0);
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(priority_and_tos_values)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, SOL_SOCKET, SO_PRIORITY, 6);
	GETINT(fd, SOL_SOCKET, SO_PRIORITY);
	SETINT(fd, IPPROTO_IP, IP_TOS, 0x1ff);
	GETINT(fd, IPPROTO_IP, IP_TOS);
	SETINT(fd, IPPROTO_IP, IP_TOS, 0x03);
	GETINT(fd, IPPROTO_IP, IP_TOS);
	R(a->close(a, fd));
}

SC(getsockname_of_connected_udp)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port), me;
	socklen_t len = sizeof(me);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->getsockname(a, u, SA(me), &len));
	V("port before", ntohs(me.sin_port));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	len = sizeof(me);
	R(a->getsockname(a, u, SA(me), &len));
	V("address after", ntohl(me.sin_addr.s_addr));
	V("port after != 0", me.sin_port != 0);
	R(a->close(a, u));
}

SC(udp_poll_after_refusal_and_so_error)
{
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	R(a->send(a, u, "x", 1, 0));
	a->settle(a);
	PM(u);
	R(a->recv(a, u, b, sizeof(b), 0));
	PM(u);
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->close(a, u));
}

SC(udp_unconnected_sendto_unreachable_port)
{
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->sendto(a, u, "x", 1, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(u);
	GETINT(u, SOL_SOCKET, SO_ERROR);
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->close(a, u));
}

SC(poll_events_subsets)
{
	int c, s;
	struct pollfd p[2];
	int lfd = pair(a, l, port, &c, &s);
	p[0] = (struct pollfd){c, POLLOUT, 0};
	p[1] = (struct pollfd){s, POLLIN, 0};
	R(a->poll(a, p, 2, 0));
	V("c revents", p[0].revents);
	V("s revents", p[1].revents);
	R(a->shutdown(a, c, SHUT_WR));
	a->settle(a);
	p[0] = (struct pollfd){c, POLLIN, 0};
	p[1] = (struct pollfd){s, POLLRDHUP, 0};
	R(a->poll(a, p, 2, 0));
	V("c revents", p[0].revents);
	V("s revents", p[1].revents);
	p[1] = (struct pollfd){s, POLLPRI, 0};
	R(a->poll(a, p, 2, 10));
	V("s revents POLLPRI", p[1].revents);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(epoll_level_triggered_until_drained)
{
	int c, s;
	char b[16];
	struct epoll_event ev = {EPOLLIN | EPOLLRDHUP, {0}}, out[2];
	int lfd = pair(a, l, port, &c, &s);
	int ep = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, s, &ev));
	R(a->send(a, c, "abcd", 4, 0));
	a->settle(a);
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->recv(a, s, b, 2, 0));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->recv(a, s, b, sizeof(b), 0));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->close(a, c));
	a->settle(a);
	R(a->epoll_wait(a, ep, out, 2, 0));
	V("events after the FIN", out[0].events);
	R(a->close(a, ep));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(epoll_listener_readiness)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	struct epoll_event ev = {EPOLLIN | EPOLLOUT, {0}}, out[2];
	int lfd = listener(a, l, port, 4);
	int ep = FD(a->epoll_create1(a, 0));
	int c = FD(sock_nb(a, SOCK_STREAM)), s;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, lfd, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->epoll_wait(a, ep, out, 2, 0));
	V("listener events", out[0].events);
	s = FD(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->close(a, ep));
	R(a->close(a, s));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(reads_after_reset_in_close_wait)
{
	int c, s;
	char b[16];
	struct linger lg = {1, 0};
	int lfd = pair(a, l, port, &c, &s);
	R(a->shutdown(a, s, SHUT_WR));
	a->settle(a);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->setsockopt(a, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(a->close(a, s));
	a->settle(a);
	PM(c);
	R(a->recv(a, c, b, sizeof(b), 0));
	R(a->send(a, c, "x", 1, MSG_NOSIGNAL));
	GETINT(c, SOL_SOCKET, SO_ERROR);
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(listen_backlog_zero_takes_one)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 0);
	int c1 = FD(sock_nb(a, SOCK_STREAM)), c2 = FD(sock_nb(a, SOCK_STREAM)), s;
	R(a->connect(a, c1, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->connect(a, c2, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(c1);
	PM(c2);
	s = FD(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->accept4(a, lfd, NULL, NULL, 0));
	R(a->close(a, s));
	R(a->close(a, c1));
	R(a->close(a, c2));
	R(a->close(a, lfd));
}

SC(ipv6_socket_errors)
{
	struct sockaddr_in6 s6 = {0};
	struct sockaddr_in s4 = sin4("127.0.0.1", port);
	int fd = FD(a->socket(a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
	int u = FD(a->socket(a, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0));
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)port);
	R(a->connect(a, fd, SA(s4), sizeof(s4)));
	R(a->connect(a, fd, SA(s6), 8));
	SETINT(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	GETINT(fd, IPPROTO_IPV6, IPV6_V6ONLY);
	R(a->sendto(a, u, "x", 1, 0, SA(s4), sizeof(s4)));
	GETINT(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
	R(a->socket(a, AF_INET6, SOCK_DGRAM, IPPROTO_TCP));
	R(a->close(a, fd));
	R(a->close(a, u));
}

SC(getsockopt_null_optval_and_zero_length)
{
	NOPORT;
	socklen_t len = 0;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->getsockopt(a, fd, SOL_SOCKET, SO_TYPE, NULL, &len));
	V("len", len);
	len = 0;
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_NODELAY, NULL, &len));
	V("len", len);
	len = 0;
	R(a->getsockopt(a, fd, IPPROTO_TCP, TCP_INFO, NULL, &len));
	V("len", len);
	R(a->setsockopt(a, fd, SOL_SOCKET, SO_KEEPALIVE, NULL, 0));
	R(a->setsockopt(a, fd, IPPROTO_TCP, TCP_NODELAY, NULL, 0));
	R(a->close(a, fd));
}

SC(tcp_maxseg_on_connected_and_listener)
{
	int c, s;
	int lfd = pair(a, l, port, &c, &s);
	SETINT(c, IPPROTO_TCP, TCP_MAXSEG, 1000);
	GETINT(c, IPPROTO_TCP, TCP_MAXSEG);
	SETINT(lfd, IPPROTO_TCP, TCP_MAXSEG, 1200);
	GETINT(lfd, IPPROTO_TCP, TCP_MAXSEG);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(maxseg_set_before_connect_is_used)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM)), s;
	SETINT(c, IPPROTO_TCP, TCP_MAXSEG, 1000);
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	s = FD(a->accept4(a, lfd, NULL, NULL, 0));
	GETINT(c, IPPROTO_TCP, TCP_MAXSEG);
	GETINT(s, IPPROTO_TCP, TCP_MAXSEG);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(keepalive_on_listener_and_udp)
{
	int lfd = listener(a, l, port, 4);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	SETINT(lfd, SOL_SOCKET, SO_KEEPALIVE, 1);
	GETINT(lfd, SOL_SOCKET, SO_KEEPALIVE);
	SETINT(u, SOL_SOCKET, SO_KEEPALIVE, 1);
	GETINT(u, SOL_SOCKET, SO_KEEPALIVE);
	SETINT(u, SOL_SOCKET, SO_REUSEADDR, 1);
	GETINT(u, SOL_SOCKET, SO_REUSEADDR);
	R(a->close(a, u));
	R(a->close(a, lfd));
}

SC(udp_reuseaddr_shares_a_port)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u1 = FD(sock_nb(a, SOCK_DGRAM)), u2 = FD(sock_nb(a, SOCK_DGRAM));
	int u3 = FD(sock_nb(a, SOCK_DGRAM));
	SETINT(u1, SOL_SOCKET, SO_REUSEADDR, 1);
	SETINT(u2, SOL_SOCKET, SO_REUSEADDR, 1);
	R(a->bind(a, u1, SA(sa), sizeof(sa)));
	R(a->bind(a, u2, SA(sa), sizeof(sa)));
	R(a->bind(a, u3, SA(sa), sizeof(sa)));
	R(a->close(a, u1));
	R(a->close(a, u2));
	R(a->close(a, u3));
}

SC(udp_send_after_shutdown_and_recv_after_shut_rd)
{
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	R(a->shutdown(a, u, SHUT_RD));
	R(a->send(a, u, "x", 1, 0));
	a->settle(a);
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->shutdown(a, u, SHUT_WR));
	R(a->send(a, u, "x", 1, 0));
	PM(u);
	R(a->close(a, u));
}

SC(udp_zero_length_datagrams)
{
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port), from;
	socklen_t len = sizeof(from);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, u, SA(sa), sizeof(sa)));
	R(a->sendto(a, u, NULL, 0, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(u);
	R(a->recvfrom(a, u, b, sizeof(b), 0, SA(from), &len));
	V("len", len);
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->close(a, u));
}

SC(accept4_flags_combinations)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM)), s;
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->accept4(a, lfd, NULL, NULL, SOCK_NONBLOCK | 0x80));
	R(a->accept4(a, lfd, NULL, NULL, O_APPEND));
	s = FD(a->accept4(a, lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	R(a->fcntl(a, s, F_GETFD, 0));
	R(a->fcntl(a, s, F_GETFL, 0));
	R(a->close(a, s));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(epoll_create_flags_and_sizes)
{
	NOPORT;
	int e1 = FD(a->epoll_create(a, 1));
	int e2 = FD(a->epoll_create(a, 100000));
	int e3 = FD(a->epoll_create1(a, EPOLL_CLOEXEC));
	R(a->fcntl(a, e1, F_GETFD, 0));
	R(a->fcntl(a, e3, F_GETFD, 0));
	R(a->epoll_create1(a, O_NONBLOCK));
	R(a->close(a, e1));
	R(a->close(a, e2));
	R(a->close(a, e3));
}

SC(epoll_mod_changes_the_mask)
{
	int c, s;
	struct epoll_event ev = {EPOLLIN, {0}}, out[2];
	int lfd = pair(a, l, port, &c, &s);
	int ep = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, c, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	ev.events = EPOLLOUT;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_MOD, c, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	V("events", out[0].events);
	ev.events = 0;
	R(a->epoll_ctl(a, ep, EPOLL_CTL_MOD, c, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->close(a, ep));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(epoll_hup_and_err_reported_without_asking)
{
	int c, s;
	struct epoll_event ev = {0, {0}}, out[2];
	struct linger lg = {1, 0};
	int lfd = pair(a, l, port, &c, &s);
	int ep = FD(a->epoll_create1(a, 0));
	R(a->epoll_ctl(a, ep, EPOLL_CTL_ADD, c, &ev));
	R(a->epoll_wait(a, ep, out, 2, 0));
	R(a->setsockopt(a, s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(a->close(a, s));
	a->settle(a);
	R(a->epoll_wait(a, ep, out, 2, 0));
	V("events", out[0].events);
	R(a->close(a, ep));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(poll_many_descriptors_with_duplicates)
{
	int c, s;
	struct pollfd p[4];
	int lfd = pair(a, l, port, &c, &s);
	p[0] = (struct pollfd){c, POLLIN | POLLOUT, 0};
	p[1] = (struct pollfd){c, POLLIN, 0};
	p[2] = (struct pollfd){lfd, POLLIN, 0};
	p[3] = (struct pollfd){s, POLLOUT, 0};
	R(a->poll(a, p, 4, 0));
	for (int i = 0; i < 4; i++)
		V("revents", p[i].revents);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(recv_into_several_vectors)
{
	int c, s;
	char b1[2], b2[3], b3[10];
	struct iovec v[3] = {{b1, 2}, {b2, 3}, {b3, 10}};
	struct iovec w[3] = {{"ab", 2}, {NULL, 0}, {"cdefg", 5}};
	int lfd = pair(a, l, port, &c, &s);
	R(a->writev(a, c, w, 3));
	a->settle(a);
	R(a->readv(a, s, v, 3));
	V("b2[2]", b2[2]);
	V("b3[1]", b3[1]);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(writev_with_null_zero_length_vectors)
{
	int c, s;
	struct iovec w[2] = {{NULL, 0}, {NULL, 0}};
	int lfd = pair(a, l, port, &c, &s);
	R(a->writev(a, c, w, 2));
	R(a->writev(a, c, NULL, 0));
	R(a->readv(a, s, w, 2));
	R(a->readv(a, s, NULL, 0));
	R(a->read(a, s, NULL, 0));
	R(a->recv(a, s, NULL, 0, 0));
	R(a->readv(a, s, NULL, 1));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(rcvbuf_locks_survive_connect)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = listener(a, l, port, 4);
	int c = FD(sock_nb(a, SOCK_STREAM)), s;
	SETINT(c, SOL_SOCKET, SO_RCVBUF, 50000);
	SETINT(c, SOL_SOCKET, SO_SNDBUF, 50000);
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	s = FD(a->accept4(a, lfd, NULL, NULL, 0));
	GETINT(c, SOL_SOCKET, SO_RCVBUF);
	GETINT(c, SOL_SOCKET, SO_SNDBUF);
	R(a->close(a, s));
	R(a->close(a, c));
	R(a->close(a, lfd));
}

SC(so_error_is_cleared_by_reading_it)
{
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	R(a->recv(a, fd, b, sizeof(b), 0));
	R(a->send(a, fd, b, 1, MSG_NOSIGNAL));
	PM(fd);
	R(a->close(a, fd));
}

SC(recv_error_before_so_error)
{
	char b[4];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int fd = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	a->settle(a);
	R(a->recv(a, fd, b, sizeof(b), 0));
	GETINT(fd, SOL_SOCKET, SO_ERROR);
	R(a->recv(a, fd, b, sizeof(b), 0));
	R(a->connect(a, fd, SA(sa), sizeof(sa)));
	R(a->close(a, fd));
}

SC(listen_on_socket_bound_to_a_used_port_with_reuseaddr)
{
	int c, s;
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int lfd = pair(a, l, port, &c, &s);
	int f = FD(sock_nb(a, SOCK_STREAM));
	R(a->close(a, lfd));
	SETINT(f, SOL_SOCKET, SO_REUSEADDR, 1);
	R(a->bind(a, f, SA(sa), sizeof(sa)));
	R(a->listen(a, f, 4));
	R(a->close(a, f));
	R(a->close(a, c));
	R(a->close(a, s));
}

SC(ipv6_loopback_connection)
{
	struct sockaddr_in6 s6 = {0}, peer;
	socklen_t len = sizeof(peer);
	char b[8];
	int lfd = FD(a->socket(a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0));
	int c = FD(a->socket(a, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0)), s;
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)port);
	s6.sin6_addr = in6addr_loopback;
	R(a->bind(a, lfd, SA(s6), sizeof(s6)));
	R(a->listen(a, lfd, 4));
	R(a->connect(a, c, SA(s6), sizeof(s6)));
	a->settle(a);
	s = FD(a->accept4(a, lfd, SA(peer), &len, SOCK_NONBLOCK));
	V("len", len);
	V("family", peer.sin6_family);
	R(a->send(a, c, "v6", 2, 0));
	a->settle(a);
	R(a->recv(a, s, b, sizeof(b), 0));
	PM(c);
	GETINT(c, IPPROTO_TCP, TCP_MAXSEG);
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(buffer_force_options)
{
	NOPORT;
	int fd = FD(sock_nb(a, SOCK_STREAM));
	SETINT(fd, SOL_SOCKET, SO_RCVBUFFORCE, 1000000);
	GETINT(fd, SOL_SOCKET, SO_RCVBUF);
	SETINT(fd, SOL_SOCKET, SO_SNDBUFFORCE, 3000000);
	GETINT(fd, SOL_SOCKET, SO_SNDBUF);
	SETINT(fd, SOL_SOCKET, SO_RCVBUFFORCE, -7);
	GETINT(fd, SOL_SOCKET, SO_RCVBUF);
	SETINT(fd, SOL_SOCKET, SO_SNDBUFFORCE, 1);
	GETINT(fd, SOL_SOCKET, SO_SNDBUF);
	R(a->close(a, fd));
}

/* ---- the error queue and timestamps ---------------------------------------------*/

/* One recvmsg(MSG_ERRQUEUE) into no data buffer: what it returned, its
 * flags and name length, each control message's level, type and length,
 * and the extended error's fields (never a time or an address that may
 * differ). */
static void errq_read(struct api *a, struct log *l, int fd)
{
	union {
		char b[256];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_in6 name;
	char byte;
	struct iovec iov = {&byte, 0};
	struct msghdr m = {0};

	m.msg_name = &name;
	m.msg_namelen = sizeof(name);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	if (R(a->recvmsg(a, fd, &m, MSG_ERRQUEUE)) < 0)
		return;
	V("msg_flags", m.msg_flags);
	V("msg_namelen", m.msg_namelen);
	V("msg_controllen", m.msg_controllen);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		V("cmsg level", c->cmsg_level);
		V("cmsg type", c->cmsg_type);
		V("cmsg len", c->cmsg_len);
		if (c->cmsg_type == IP_RECVERR && c->cmsg_level == SOL_IP) {
			struct sock_extended_err ee;
			struct sockaddr_in off;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			memcpy(&off, CMSG_DATA(c) + sizeof(ee), sizeof(off));
			V("ee_errno", ee.ee_errno);
			V("ee_origin", ee.ee_origin);
			V("ee_type", ee.ee_type);
			V("ee_code", ee.ee_code);
			V("ee_info", ee.ee_info);
			V("ee_data", ee.ee_data);
			V("offender family", off.sin_family);
		}
	}
}

SC(errqueue_udp_ip_recverr)
{
	char b[8];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	GETINT(u, IPPROTO_IP, IP_RECVERR);
	errq_read(a, l, u);
	SETINT(u, IPPROTO_IP, IP_RECVERR, 1);
	GETINT(u, IPPROTO_IP, IP_RECVERR);
	R(a->sendto(a, u, "one", 3, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(u);
	/* the error is pending as well as queued: recv reports it */
	R(a->recv(a, u, b, sizeof(b), 0));
	R(a->sendto(a, u, "two", 3, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	GETINT(u, SOL_SOCKET, SO_ERROR);
	PM(u);
	errq_read(a, l, u);
	GETINT(u, SOL_SOCKET, SO_ERROR);
	errq_read(a, l, u);
	GETINT(u, SOL_SOCKET, SO_ERROR);
	PM(u);
	errq_read(a, l, u);
	SETINT(u, SOL_SOCKET, SO_SELECT_ERR_QUEUE, 1);
	GETINT(u, SOL_SOCKET, SO_SELECT_ERR_QUEUE);
	/* off drops what was queued */
	R(a->sendto(a, u, "three", 5, 0, SA(sa), sizeof(sa)));
	a->settle(a);
	PM(u);
	SETINT(u, IPPROTO_IP, IP_RECVERR, 0);
	errq_read(a, l, u);
	R(a->close(a, u));
}

SC(errqueue_udp_local_emsgsize)
{
	static char big[70000];
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int u = FD(sock_nb(a, SOCK_DGRAM));
	SETINT(u, IPPROTO_IP, IP_RECVERR, 1);
	R(a->sendto(a, u, big, 65508, 0, SA(sa), sizeof(sa)));
	PM(u);
	errq_read(a, l, u);
	R(a->sendto(a, u, big, sizeof(big), 0, SA(sa), sizeof(sa)));
	errq_read(a, l, u);
	R(a->close(a, u));
}

SC(timestamping_options)
{
	NOPORT;
	int ts[2] = {0, 0}, v;
	socklen_t len = sizeof(ts);
	int t = FD(sock_nb(a, SOCK_STREAM)), u = FD(sock_nb(a, SOCK_DGRAM));
	GETINT(t, SOL_SOCKET, SO_TIMESTAMP);
	SETINT(t, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	GETINT(t, SOL_SOCKET, SO_TIMESTAMPNS);
	GETINT(t, SOL_SOCKET, SO_TIMESTAMP);
	GETINT(t, SOL_SOCKET, SO_TIMESTAMP_NEW);
	SETINT(t, SOL_SOCKET, SO_TIMESTAMP_NEW, 1);
	GETINT(t, SOL_SOCKET, SO_TIMESTAMP_NEW);
	GETINT(t, SOL_SOCKET, SO_TIMESTAMPNS);
	SETINT(t, SOL_SOCKET, SO_TIMESTAMP_NEW, 0);
	GETINT(t, SOL_SOCKET, SO_TIMESTAMP_NEW);
	for (int bit = 0; bit < 32; bit++) {
		if (bit == 15) /* BIND_PHC: below */
			continue;
		SETINT(u, SOL_SOCKET, SO_TIMESTAMPING, (int)(1u << bit));
	}
	SETINT(u, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_BIND_PHC);
	SETINT(u, SOL_SOCKET, SO_TIMESTAMPING, (1 << 16) | SOF_TIMESTAMPING_OPT_ID);
	SETINT(u, SOL_SOCKET, SO_TIMESTAMPING,
	       SOF_TIMESTAMPING_OPT_STATS | SOF_TIMESTAMPING_OPT_TSONLY);
	SETINT(t, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_OPT_ID);
	SETINT(t, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE);
	v = SOF_TIMESTAMPING_SOFTWARE;
	R(a->setsockopt(a, u, SOL_SOCKET, SO_TIMESTAMPING, &v, 2));
	ts[0] = SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RX_SOFTWARE;
	R(a->setsockopt(a, u, SOL_SOCKET, SO_TIMESTAMPING, ts, sizeof(ts)));
	R(a->getsockopt(a, u, SOL_SOCKET, SO_TIMESTAMPING, ts, &len));
	V("len", len);
	V("flags", ts[0]);
	V("bind_phc", ts[1]);
	len = sizeof(ts);
	R(a->getsockopt(a, u, SOL_SOCKET, SO_TIMESTAMPING_NEW, ts, &len));
	V("len", len);
	V("flags", ts[0]);
	len = 4;
	R(a->getsockopt(a, u, SOL_SOCKET, SO_TIMESTAMPING, ts, &len));
	V("len", len);
	errq_read(a, l, t);
	R(a->close(a, t));
	R(a->close(a, u));
}

SC(timestamping_tcp_tx_and_rx)
{
	char b[128];
	union {
		char b[256];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {b, sizeof(b)};
	struct msghdr m = {0};
	int c, s;
	int lfd = pair(a, l, port, &c, &s);
	SETINT(lfd, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_OPT_ID);
	SETINT(c, SOL_SOCKET, SO_TIMESTAMPING,
	       SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_ACK |
		       SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID);
	SETINT(s, SOL_SOCKET, SO_TIMESTAMPING,
	       SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
	SETINT(s, SOL_SOCKET, SO_TIMESTAMP, 1);
	a->settle(a); /* Linux turns receive stamping on from a work queue */
	R(a->send(a, c, b, 100, 0));
	a->settle(a);
	PM(c);
	errq_read(a, l, c);
	errq_read(a, l, c);
	errq_read(a, l, c);
	errq_read(a, l, c);
	PM(c);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	R(a->recvmsg(a, s, &m, 0));
	V("msg_controllen", m.msg_controllen);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		V("cmsg level", cm->cmsg_level);
		V("cmsg type", cm->cmsg_type);
		V("cmsg len", cm->cmsg_len);
	}
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(timestamping_udp_tx_tsonly_and_cmsg)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	union {
		char b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)"cm", 2};
	struct msghdr m = {0};
	struct cmsghdr *cm;
	uint32_t flags = SOF_TIMESTAMPING_TX_SOFTWARE;
	int r = FD(sock_nb(a, SOCK_DGRAM)), u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, r, SA(sa), sizeof(sa)));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	SETINT(u, SOL_SOCKET, SO_TIMESTAMPING,
	       SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
		       SOF_TIMESTAMPING_OPT_TSONLY);
	R(a->send(a, u, "a", 1, 0));
	R(a->send(a, u, "b", 1, 0));
	a->settle(a);
	PM(u);
	errq_read(a, l, u);
	errq_read(a, l, u);
	errq_read(a, l, u);
	SETINT(u, SOL_SOCKET, SO_TIMESTAMPING, SOF_TIMESTAMPING_SOFTWARE);
	memset(&ctl, 0, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_TIMESTAMPING;
	cm->cmsg_len = CMSG_LEN(sizeof(flags));
	memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
	R(a->sendmsg(a, u, &m, 0));
	a->settle(a);
	errq_read(a, l, u);
	flags = SOF_TIMESTAMPING_SOFTWARE;
	memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
	R(a->sendmsg(a, u, &m, 0));
	a->settle(a);
	errq_read(a, l, u);
	R(a->close(a, u));
	R(a->close(a, r));
}

SC(zerocopy_and_mark_options)
{
	NOPORT;
	int t = FD(sock_nb(a, SOCK_STREAM)), u = FD(sock_nb(a, SOCK_DGRAM));
	GETINT(t, SOL_SOCKET, SO_ZEROCOPY);
	SETINT(t, SOL_SOCKET, SO_ZEROCOPY, 2);
	SETINT(t, SOL_SOCKET, SO_ZEROCOPY, -1);
	SETINT(t, SOL_SOCKET, SO_ZEROCOPY, 1);
	GETINT(t, SOL_SOCKET, SO_ZEROCOPY);
	SETINT(u, SOL_SOCKET, SO_ZEROCOPY, 1);
	GETINT(u, SOL_SOCKET, SO_ZEROCOPY);
	SETINT(t, SOL_SOCKET, SO_ZEROCOPY, 0);
	GETINT(t, SOL_SOCKET, SO_ZEROCOPY);
	SETINT(t, SOL_SOCKET, SO_MARK, 77);
	GETINT(t, SOL_SOCKET, SO_MARK);
	SETINT(u, SOL_SOCKET, SO_MARK, -1);
	GETINT(u, SOL_SOCKET, SO_MARK);
	R(a->close(a, t));
	R(a->close(a, u));
}

SC(zerocopy_tcp_sends_and_notifications)
{
	static char b[3000];
	int c, s, n = FD(sock_nb(a, SOCK_STREAM));
	int lfd = pair(a, l, port, &c, &s);
	SETINT(n, SOL_SOCKET, SO_ZEROCOPY, 1);
	/* not connected: EPIPE, and no number taken */
	R(a->send(a, n, b, 100, MSG_ZEROCOPY | MSG_NOSIGNAL));
	errq_read(a, l, n);
	/* without SO_ZEROCOPY the flag is ignored */
	R(a->send(a, s, b, 100, MSG_ZEROCOPY));
	SETINT(c, SOL_SOCKET, SO_ZEROCOPY, 1);
	R(a->send(a, c, b, 0, MSG_ZEROCOPY));
	R(a->send(a, c, b, sizeof(b), MSG_ZEROCOPY));
	a->settle(a);
	PM(c);
	PM(s);
	errq_read(a, l, c);
	errq_read(a, l, c);
	errq_read(a, l, s);
	R(a->send(a, c, b, 10, MSG_ZEROCOPY));
	a->settle(a);
	R(a->send(a, c, b, 10, MSG_ZEROCOPY));
	a->settle(a);
	errq_read(a, l, c);
	PM(c);
	R(a->close(a, n));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(zerocopy_udp_sends_and_notifications)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int r = FD(sock_nb(a, SOCK_DGRAM)), u = FD(sock_nb(a, SOCK_DGRAM));
	R(a->bind(a, r, SA(sa), sizeof(sa)));
	R(a->connect(a, u, SA(sa), sizeof(sa)));
	SETINT(u, SOL_SOCKET, SO_ZEROCOPY, 1);
	R(a->send(a, u, "a", 1, MSG_ZEROCOPY));
	R(a->send(a, u, "bc", 2, MSG_ZEROCOPY));
	a->settle(a);
	PM(u);
	errq_read(a, l, u);
	errq_read(a, l, u);
	R(a->close(a, u));
	R(a->close(a, r));
}

/* ---- the C library's calls the ut_ api does not have -------------------------------
 * Run on the kernel's half and through the preload library only (the
 * table's libc flag): the descriptor calls of files in general (dup,
 * fcntl's descriptor flags, pread, splice, sendfile), and select and
 * epoll with a kernel descriptor beside a socket. They call the C library
 * by name; their sockets come from the api as the others' do. */

SC(dup_then_close_one_copy)
{
	int c, s, d, e;
	char b[8];
	int lfd = pair(a, l, port, &c, &s);
	d = FD(dup(c));
	R(fcntl(d, F_GETFD));
	R(close(c));
	a->settle(a);
	PM(s);
	R(send(d, "x", 1, 0));
	a->settle(a);
	R(recv(s, b, sizeof(b), 0));
	e = FD(dup2(d, c));
	V("dup2 gives the number asked", e == c);
	V("dup2 onto itself", dup2(d, d) == d);
	R(dup3(d, d, 0));
	R(dup3(d, c, 0x1234));
	e = FD(dup3(d, c, O_CLOEXEC));
	V("dup3 gives the number asked", e == c);
	R(fcntl(c, F_GETFD));
	R(fcntl(d, F_GETFD));
	R(getsockopt(c, SOL_SOCKET, SO_TYPE, b, &(socklen_t){sizeof(int)}));
	R(close(d));
	a->settle(a);
	PM(s);
	R(send(c, "yz", 2, 0));
	a->settle(a);
	R(recv(s, b, sizeof(b), 0));
	R(close(c));
	a->settle(a);
	PM(s);
	R(recv(s, b, sizeof(b), 0));
	R(send(d, "x", 1, 0));
	R(dup(d));
	R(dup2(d, c));
	R(dup(BADFD));
	R(close(s));
	R(close(lfd));
}

SC(fcntl_cloexec_and_dupfd)
{
	NOPORT;
	int fd = FD(a->socket(a, AF_INET, SOCK_STREAM, 0)), n, m;
	R(fcntl(fd, F_GETFD));
	R(fcntl(fd, F_SETFD, FD_CLOEXEC));
	R(fcntl(fd, F_GETFD));
	n = FD(fcntl(fd, F_DUPFD_CLOEXEC, 0));
	R(fcntl(n, F_GETFD));
	V("a new number", n != fd);
	m = FD(fcntl(fd, F_DUPFD, 200));
	V("at least the number asked", m >= 200);
	R(fcntl(m, F_GETFD));
	R(fcntl(fd, F_DUPFD, -1));
	R(fcntl(fd, F_DUPFD_CLOEXEC, INT_MAX));
	R(fcntl(fd, F_SETFD, 0));
	R(fcntl(fd, F_GETFD));
	R(fcntl(n, F_GETFD));
	/* the file status flags are the file's, shared by the copies */
	R(fcntl(fd, F_GETFL));
	R(fcntl(n, F_SETFL, O_NONBLOCK));
	R(fcntl(fd, F_GETFL));
	R(fcntl(m, F_GETFL));
	R(close(fd));
	R(fcntl(fd, F_GETFD));
	R(fcntl(n, F_GETFL));
	R(close(n));
	R(close(m));
}

SC(positioned_io_and_seek_on_a_socket)
{
	int c, s;
	char b[8];
	struct iovec v = {b, sizeof(b)};
	int lfd = pair(a, l, port, &c, &s);
	R(send(s, "abc", 3, 0));
	a->settle(a);
	R(pread(c, b, sizeof(b), 0));
	R(pwrite(c, "x", 1, 0));
	R(preadv(c, &v, 1, 0));
	R(pwritev(c, &v, 1, 0));
	R(lseek(c, 0, SEEK_CUR));
	R(lseek(c, 1, SEEK_SET));
	R(pread(c, b, sizeof(b), -1));
	R(read(c, b, sizeof(b)));
	R(close(c));
	R(close(s));
	R(close(lfd));
}

SC(splice_argument_checks_on_a_socket)
{
	int c, s, p[2];
	loff_t off = 0;
	int lfd = pair(a, l, port, &c, &s);
	R(pipe2(p, O_NONBLOCK));
	/* neither side a pipe */
	R(splice(c, NULL, s, NULL, 10, 0));
	/* an offset on the socket's side, or on the pipe's */
	R(splice(c, &off, p[1], NULL, 10, 0));
	R(splice(p[0], NULL, c, &off, 10, 0));
	R(splice(p[0], &off, c, NULL, 10, 0));
	R(splice(c, NULL, p[1], NULL, 10, 0x100));
	R(splice(BADFD, NULL, p[1], NULL, 10, 0));
	R(splice(c, NULL, BADFD, NULL, 10, 0));
	/* the pipe's ends the wrong way round */
	R(splice(c, NULL, p[0], NULL, 10, 0));
	R(splice(p[1], NULL, c, NULL, 10, 0));
	R(splice(c, NULL, p[1], NULL, 0, 0));
	R(close(p[0]));
	R(close(p[1]));
	R(close(c));
	R(close(s));
	R(close(lfd));
}

SC(splice_moves_bytes_between_a_socket_and_a_pipe)
{
	static char page[4096];
	int c, s, p[2], q[2];
	char b[16];
	int lfd = pair(a, l, port, &c, &s);
	R(pipe2(p, O_NONBLOCK));
	R(pipe2(q, O_NONBLOCK));
	/* socket to pipe: what came, at most len */
	R(splice(c, NULL, p[1], NULL, 10, 0));
	R(send(s, "hello", 5, 0));
	a->settle(a);
	R(splice(c, NULL, p[1], NULL, 3, 0));
	R(splice(c, NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK));
	R(read(p[0], b, sizeof(b)));
	/* a full pipe, then room again */
	R(fcntl(q[1], F_SETPIPE_SZ, 4096));
	R(write(q[1], page, sizeof(page)));
	R(send(s, "x", 1, 0));
	a->settle(a);
	R(splice(c, NULL, q[1], NULL, 10, 0));
	R(read(q[0], page, sizeof(page)));
	R(splice(c, NULL, q[1], NULL, 10, 0));
	R(read(q[0], b, sizeof(b)));
	/* pipe to socket: what the pipe holds, at most len */
	R(splice(p[0], NULL, c, NULL, 10, 0));
	R(write(p[1], "world!", 6));
	R(splice(p[0], NULL, c, NULL, 4, SPLICE_F_MORE));
	R(splice(p[0], NULL, c, NULL, 10, 0));
	a->settle(a);
	R(recv(s, b, sizeof(b), 0));
	R(splice(p[0], NULL, c, NULL, 10, SPLICE_F_NONBLOCK));
	/* a pipe without a writer ends; one without a reader is EPIPE */
	R(close(p[1]));
	R(splice(p[0], NULL, c, NULL, 10, 0));
	R(close(q[0]));
	R(send(s, "y", 1, 0));
	a->settle(a);
	R(splice(c, NULL, q[1], NULL, 10, 0));
	/* the end of the stream */
	R(close(q[1]));
	R(pipe2(q, O_NONBLOCK));
	R(shutdown(s, SHUT_WR));
	a->settle(a);
	R(splice(c, NULL, q[1], NULL, 10, 0));
	R(splice(c, NULL, q[1], NULL, 10, 0));
	R(splice(lfd, NULL, q[1], NULL, 10, 0));
	R(close(p[0]));
	R(close(q[0]));
	R(close(q[1]));
	R(close(c));
	R(close(s));
	R(close(lfd));
}

SC(sendfile_from_a_file)
{
	int c, s;
	char b[32];
	off_t off = 0;
	int mf = memfd_create("errno-differential", MFD_CLOEXEC);
	int lfd = pair(a, l, port, &c, &s);
	R(write(mf, "hello world", 11));
	R(sendfile(c, mf, &off, 5));
	V("offset", off);
	R(lseek(mf, 0, SEEK_CUR));
	R(sendfile(c, mf, NULL, 100));
	R(lseek(mf, 6, SEEK_SET));
	R(sendfile(c, mf, NULL, 100));
	R(lseek(mf, 0, SEEK_CUR));
	a->settle(a);
	R(recv(s, b, sizeof(b), 0));
	off = 3;
	R(sendfile(c, mf, &off, 0));
	off = -1;
	R(sendfile(c, mf, &off, 5));
	R(sendfile(c, BADFD, NULL, 5));
	R(sendfile(mf, c, NULL, 5));
	R(sendfile(s, c, NULL, 5));
	R(shutdown(c, SHUT_WR));
	off = 0;
	R(sendfile(c, mf, &off, 5));
	V("offset after the failure", off);
	R(close(mf));
	R(close(c));
	R(close(s));
	R(close(lfd));
}

SC(sendmmsg_and_recvmmsg)
{
	static char big[70000];
	char rb[4][8];
	struct iovec siov[3] = {{(void *)"a", 1}, {(void *)"bc", 2}, {big, sizeof(big)}};
	struct iovec riov[4] = {{rb[0], 8}, {rb[1], 8}, {rb[2], 8}, {rb[3], 8}};
	struct mmsghdr sv[3], rv[4];
	struct timespec ts = {0, -1};
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	int c, s, u1 = FD(sock_nb(a, SOCK_DGRAM)), u2 = FD(sock_nb(a, SOCK_DGRAM)), lfd;
	memset(sv, 0, sizeof(sv));
	memset(rv, 0, sizeof(rv));
	for (int i = 0; i < 3; i++) {
		sv[i].msg_hdr.msg_iov = &siov[i];
		sv[i].msg_hdr.msg_iovlen = 1;
	}
	for (int i = 0; i < 4; i++) {
		rv[i].msg_hdr.msg_iov = &riov[i];
		rv[i].msg_hdr.msg_iovlen = 1;
	}
	R(sendmmsg(u2, sv, 2, 0));
	R(a->bind(a, u1, SA(sa), sizeof(sa)));
	R(a->connect(a, u2, SA(sa), sizeof(sa)));
	R(sendmmsg(u2, sv, 0, 0));
	/* the third is too big: the count of those sent */
	R(sendmmsg(u2, sv, 3, 0));
	V("first length", sv[0].msg_len);
	V("second length", sv[1].msg_len);
	R(sendmmsg(u2, sv + 2, 1, 0));
	a->settle(a);
	R(recvmmsg(u1, rv, 4, 0, NULL));
	V("first length", rv[0].msg_len);
	V("second length", rv[1].msg_len);
	R(recvmmsg(u1, rv, 4, 0, NULL));
	R(recvmmsg(u1, rv, 0, 0, NULL));
	R(recvmmsg(u1, rv, 4, 0, &ts));
	ts = (struct timespec){5, 0};
	R(sendmmsg(u2, sv, 1, 0));
	a->settle(a);
	R(recvmmsg(u1, rv, 4, MSG_WAITFORONE, &ts));
	V("timeout left", ts.tv_sec >= 4);
	R(sendmmsg(BADFD, sv, 1, 0));
	R(recvmmsg(BADFD, rv, 1, 0, NULL));
	R(a->close(a, u1));
	R(a->close(a, u2));
	lfd = pair(a, l, port + 1, &c, &s);
	R(sendmmsg(c, sv, 2, 0));
	a->settle(a);
	R(recvmmsg(s, rv, 4, 0, NULL));
	V("first length", rv[0].msg_len);
	R(recvmmsg(lfd, rv, 1, 0, NULL));
	R(sendmmsg(lfd, sv, 1, MSG_NOSIGNAL));
	R(a->close(a, c));
	R(a->close(a, s));
	R(a->close(a, lfd));
}

SC(accept_ppoll_and_epoll_pwait2)
{
	struct sockaddr_in sa = sin4("127.0.0.1", port);
	struct pollfd p;
	struct timespec ts = {0, 0};
	struct epoll_event ev = {EPOLLOUT, {0}}, out[2];
	sigset_t mask;
	int one = 1, lfd = listener(a, l, port, 4), s, ep;
	int c = FD(sock_nb(a, SOCK_STREAM));
	R(a->connect(a, c, SA(sa), sizeof(sa)));
	a->settle(a);
	s = FD(accept(lfd, NULL, NULL));
	R(fcntl(s, F_GETFL));
	R(accept(lfd, NULL, NULL));
	R(accept(lfd, NULL, &(socklen_t){0}));
	R(ioctl(s, FIONBIO, &one));
	R(fcntl(s, F_GETFL));
	sigemptyset(&mask);
	p = (struct pollfd){s, POLLIN | POLLOUT, 0};
	R(ppoll(&p, 1, &ts, &mask));
	V("revents", p.revents);
	ts.tv_nsec = 1000000000;
	R(ppoll(&p, 1, &ts, &mask));
	ts.tv_nsec = 0;
	ep = FD(epoll_create1(0));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	R(epoll_pwait2(ep, out, 2, &ts, &mask));
	V("events", out[0].events);
	R(epoll_pwait2(ep, out, 0, &ts, NULL));
	ts.tv_nsec = -1;
	R(epoll_pwait2(ep, out, 2, &ts, NULL));
	R(epoll_pwait2(s, out, 2, NULL, NULL));
	R(close(ep));
	R(close(s));
	R(close(c));
	R(close(lfd));
}

/* select's answer as one value: the count, then a bit per set and slot. */
static long select_bits(int n, const fd_set *r, const fd_set *w, const fd_set *x, const int *fds,
			int nfds)
{
	long bits = n;
	for (int i = 0; i < nfds; i++) {
		bits = bits * 8 + (FD_ISSET(fds[i], r) ? 1 : 0) + (FD_ISSET(fds[i], w) ? 2 : 0) +
		       (FD_ISSET(fds[i], x) ? 4 : 0);
	}
	return bits;
}

static long select_now(const int *fds, int nfds, int timeout_ms)
{
	fd_set r, w, x;
	int max = -1, n;
	struct timeval tv = {0, timeout_ms * 1000};

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	for (int i = 0; i < nfds; i++) {
		FD_SET(fds[i], &r);
		FD_SET(fds[i], &w);
		FD_SET(fds[i], &x);
		max = fds[i] > max ? fds[i] : max;
	}
	n = select(max + 1, &r, &w, &x, &tv);
	return n < 0 ? -1 : select_bits(n, &r, &w, &x, fds, nfds);
}

SC(select_with_sockets_and_a_pipe)
{
	int c, s, p[2];
	char b[8];
	fd_set r;
	struct timeval tv = {0, 0};
	struct timespec ts = {0, 10 * 1000 * 1000};
	int lfd = pair(a, l, port, &c, &s);
	int fresh = FD(sock_nb(a, SOCK_STREAM));
	R(pipe(p));
	V("select", select_now((int[]){c, s, lfd, fresh, p[0], p[1]}, 6, 0));
	R(send(c, "x", 1, 0));
	a->settle(a);
	V("select", select_now((int[]){c, s, lfd, p[0]}, 4, 0));
	R(write(p[1], "y", 1));
	V("select", select_now((int[]){s, p[0]}, 2, 10));
	R(recv(s, b, sizeof(b), 0));
	R(read(p[0], b, sizeof(b)));
	V("select", select_now((int[]){s, p[0]}, 2, 10));
	R(send(c, "!", 1, MSG_OOB));
	a->settle(a);
	V("select", select_now((int[]){s}, 1, 0));
	R(shutdown(c, SHUT_WR));
	a->settle(a);
	V("select", select_now((int[]){s, c}, 2, 0));
	FD_ZERO(&r);
	FD_SET(s, &r);
	R(select(-1, &r, NULL, NULL, &tv));
	tv.tv_usec = -1;
	R(select(s + 1, &r, NULL, NULL, &tv));
	FD_ZERO(&r);
	FD_SET(fresh, &r);
	R(pselect(fresh + 1, &r, NULL, NULL, &ts, NULL));
	R(close(fresh));
	FD_SET(fresh, &r);
	tv.tv_usec = 0;
	R(select(fresh + 1, &r, NULL, NULL, &tv));
	R(close(p[0]));
	R(close(p[1]));
	R(close(c));
	R(close(s));
	R(close(lfd));
}

/* epoll_wait's answer as one value: the count, then the OR of the events'
 * data (each member's a bit of its own) and of their masks, so that the
 * order the events come in does not count. */
static long epoll_bits(int ep, int timeout)
{
	struct epoll_event out[8];
	long data = 0, mask = 0;
	int n = epoll_wait(ep, out, 8, timeout);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		data |= (long)out[i].data.u64;
		mask |= out[i].events;
	}
	return ((long)n << 40) | (data << 32) | mask;
}
#define EW(ep, t) V("epoll_wait of " #ep, epoll_bits(ep, t))

SC(epoll_with_a_socket_and_a_pipe)
{
	int c, s, p[2];
	char b[8];
	struct epoll_event ev = {EPOLLIN | EPOLLRDHUP, {.u64 = 1}};
	struct epoll_event pev = {EPOLLIN, {.u64 = 2}};
	sigset_t mask;
	int lfd = pair(a, l, port, &c, &s);
	int ep = FD(epoll_create1(EPOLL_CLOEXEC));
	R(pipe(p));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &pev));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	EW(ep, 0);
	R(write(p[1], "y", 1));
	EW(ep, 10);
	R(send(c, "x", 1, 0));
	a->settle(a);
	EW(ep, 0);
	R(read(p[0], b, sizeof(b)));
	EW(ep, 0);
	R(recv(s, b, sizeof(b), 0));
	EW(ep, 10);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 4;
	R(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
	R(send(c, "x", 1, 0));
	a->settle(a);
	EW(ep, 0);
	EW(ep, 0);
	sigemptyset(&mask);
	R(epoll_pwait(ep, (struct epoll_event[1]){0}, 1, 0, &mask));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL));
	R(close(c));
	a->settle(a);
	EW(ep, 0);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	EW(ep, 0);
	R(close(s));
	EW(ep, 0);
	R(close(ep));
	R(close(p[0]));
	R(close(p[1]));
	R(close(lfd));
}

/* ---- the table of scenarios and the exceptions --------------------------------*/

struct scenario {
	const char *name;
	void (*fn)(struct api *, struct log *, int);
	/* calls the C library by name: the kernel's half and the preload
	 * library's only */
	bool libc;
};
#define S(name)                         \
	{                               \
#name, sc_##name, false \
	}
#define L(name)                        \
	{                              \
#name, sc_##name, true \
	}
static const struct scenario scenarios[] = {
	S(socket_arguments),
	S(fresh_tcp_socket),
	S(fresh_tcp_socket_poll_and_shutdown_modes),
	S(bind_address_checks),
	S(bind_unspec_wildcard_and_in_use),
	S(bind_reuseaddr_second_listen),
	S(bind_reuseport),
	S(bind_after_connect_and_listen),
	S(listen_cases),
	S(accept_errors),
	S(accept_with_a_bad_address_length_closes_the_connection),
	S(accept_address_lengths),
	S(connect_argument_checks),
	S(connect_refused_blocking),
	S(connect_refused_nonblocking_then_listen),
	S(connect_refused_nonblocking_connect_again),
	S(connect_refused_then_getsockname),
	S(connect_nonblocking_sequence),
	S(connect_blocking_then_again),
	S(connect_unreachable_network),
	S(syn_sent_state),
	S(syn_sent_shutdown),
	S(connect_sndtimeo_then_again),
	S(connect_af_unspec_disconnects),
	S(connected_basics),
	S(zero_length_recv_and_send),
	S(recv_msg_trunc_with_null_buffer),
	S(recv_errqueue_with_nothing_queued),
	S(recv_timeout_and_waitall),
	S(recv_oob),
	S(peer_shutdown_write),
	S(shutdown_read),
	S(shutdown_listener),
	S(peer_closed),
	S(peer_closed_then_send_reports_epipe_via_so_error),
	S(reset_by_linger_zero),
	S(reset_seen_by_so_error_first),
	S(reset_with_unread_data),
	S(listener_closed_with_pending_connection),
	S(send_variants_on_connected),
	S(sendmsg_recvmsg_arguments),
	S(readv_writev_vector_counts),
	S(read_write_on_epoll_and_bad_descriptors),
	S(fcntl_flags),
	S(ioctl_requests),
	S(getname_lengths),
	S(setsockopt_errors),
	S(getsockopt_errors_and_lengths),
	S(socket_level_defaults),
	S(buffer_sizes),
	S(timeouts_and_linger),
	S(tcp_option_defaults),
	S(tcp_option_ranges),
	S(tcp_congestion_names),
	S(tcp_info_lengths),
	S(tcp_info_full_length),
	S(tcp_save_syn),
	S(tcp_repair_options),
	S(tcp_defer_accept_values),
	S(ip_options_of_linux_6),
	S(ip_options),
	S(options_linux_has),
	S(urgent_data_out_of_band),
	S(urgent_data_inline),
	S(urgent_data_signals_the_owner),
	S(tcp_inq_control_message),
	S(tcp_notsent_lowat_and_eor),
	S(null_buffers_fault_where_a_byte_is_copied),
	S(udp_basics),
	S(udp_recvmsg_truncation_flags),
	S(udp_connected_refused),
	S(udp_sizes_and_disconnect),
	S(udp_poll_and_ioctl),
	S(epoll_create_and_ctl_errors),
	S(epoll_wait_errors),
	S(epoll_masks_fresh_bound_listening),
	S(epoll_masks_connected_and_pending),
	S(epoll_masks_after_shutdowns),
	S(epoll_masks_after_reset),
	S(epoll_edge_triggered_and_oneshot),
	S(poll_arguments),
	S(poll_masks_through_a_connection_lifetime),
	S(descriptor_reuse_and_double_close),
	S(rcvlowat_and_poll),
	S(keepalive_and_nodelay_on_connected),
	S(sigpipe_free_send_after_shutdown),
	S(peek_and_waitall_nonblocking),
	S(recvfrom_on_tcp_fills_no_address),
	S(listening_socket_data_calls),
	S(connect_af_unspec_on_listener_and_fresh),
	S(bind_port_zero_and_wildcard_conflicts),
	S(bind_multicast_and_broadcast_addresses),
	S(connect_from_wildcard_bound_socket),
	S(socket_options_that_cannot_be_set),
	S(tcp_options_on_a_udp_socket),
	S(timeout_option_lengths),
	S(linger_lengths),
	S(tcp_user_timeout_and_keepalive_values),
	S(tcp_congestion_on_connected),
	S(ioctl_on_connected),
	S(half_close_then_data_then_close),
	S(close_with_unsent_data_delivers_it_before_fin),
	S(shutdown_twice_and_after_reset),
	S(udp_more_errors),
	S(udp_truncation_with_null_buffer_and_peek),
	S(udp_recvfrom_address_lengths),
	S(udp_recvmsg_name_lengths),
	S(udp_sendmsg_name_lengths),
	S(udp_connected_then_sendto_elsewhere),
	S(udp_options),
	S(epoll_nested_and_closed_members),
	S(epoll_nested_instance_follows_its_members),
	S(epoll_masks_during_connect_refused_and_syn_sent),
	S(epoll_event_flags),
	S(fcntl_on_epoll_and_accepted),
	S(accept_after_the_client_reset),
	S(accept_after_the_client_closed),
	S(blocking_accept_with_timeout),
	S(blocking_send_fills_with_timeout),
	S(ipv6_socket_basics),
	S(tcp_info_fields_on_loopback),
	S(options_inherited_by_accepted_sockets),
	S(shutdown_read_then_peer_sends),
	S(connect_to_itself),
	S(connect_to_the_wildcard_address),
	S(time_wait_port_rebind),
	S(tcp_and_udp_share_a_port_number),
	S(sendto_on_unconnected_tcp),
	S(fastopen_options_on_a_fresh_socket),
	S(fastopen_sendto_and_connect_errors),
	S(sendmsg_with_control_messages_on_tcp),
	S(recvmsg_control_length_comes_back_zero),
	S(send_flags_on_tcp),
	S(cork_holds_then_uncork_sends),
	S(priority_and_tos_values),
	S(getsockname_of_connected_udp),
	S(udp_poll_after_refusal_and_so_error),
	S(udp_unconnected_sendto_unreachable_port),
	S(poll_events_subsets),
	S(epoll_level_triggered_until_drained),
	S(epoll_listener_readiness),
	S(reads_after_reset_in_close_wait),
	S(listen_backlog_zero_takes_one),
	S(ipv6_socket_errors),
	S(getsockopt_null_optval_and_zero_length),
	S(tcp_maxseg_on_connected_and_listener),
	S(maxseg_set_before_connect_is_used),
	S(keepalive_on_listener_and_udp),
	S(udp_reuseaddr_shares_a_port),
	S(udp_send_after_shutdown_and_recv_after_shut_rd),
	S(udp_zero_length_datagrams),
	S(accept4_flags_combinations),
	S(epoll_create_flags_and_sizes),
	S(epoll_mod_changes_the_mask),
	S(epoll_hup_and_err_reported_without_asking),
	S(poll_many_descriptors_with_duplicates),
	S(recv_into_several_vectors),
	S(writev_with_null_zero_length_vectors),
	S(rcvbuf_locks_survive_connect),
	S(so_error_is_cleared_by_reading_it),
	S(recv_error_before_so_error),
	S(listen_on_socket_bound_to_a_used_port_with_reuseaddr),
	S(ipv6_loopback_connection),
	S(buffer_force_options),
	S(errqueue_udp_ip_recverr),
	S(errqueue_udp_local_emsgsize),
	S(timestamping_options),
	S(timestamping_tcp_tx_and_rx),
	S(timestamping_udp_tx_tsonly_and_cmsg),
	S(zerocopy_and_mark_options),
	S(zerocopy_tcp_sends_and_notifications),
	S(zerocopy_udp_sends_and_notifications),
	L(dup_then_close_one_copy),
	L(fcntl_cloexec_and_dupfd),
	L(positioned_io_and_seek_on_a_socket),
	L(splice_argument_checks_on_a_socket),
	L(splice_moves_bytes_between_a_socket_and_a_pipe),
	L(sendfile_from_a_file),
	L(select_with_sockets_and_a_pipe),
	L(epoll_with_a_socket_and_a_pipe),
	L(sendmmsg_and_recvmmsg),
	L(accept_ppoll_and_epoll_pwait2),
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

/* Differences that stay, each with its reason (also in docs/TCP.md, "Where
 * usertcp differs from Linux"). A step matches when its scenario is the
 * same and its call text contains `step`. */
struct exception {
	const char *scenario;
	const char *step;
	const char *why;
};
static const struct exception exceptions[] = {
	{NULL, NULL, NULL},
};

/* Differences that only the run through the preload library shows (its
 * own calls, docs/RUN.md), each with its reason; that run honours the
 * table above as well. */
static const struct exception preload_exceptions[] = {
	{NULL, NULL, NULL},
};

static bool exception_used[sizeof(exceptions) / sizeof(exceptions[0])];
static bool preload_exception_used[sizeof(preload_exceptions) / sizeof(preload_exceptions[0])];

static const struct exception *excepted_in(const struct exception *table, bool *used,
					   const char *scenario, const char *step)
{
	for (const struct exception *e = table; e->scenario; e++)
		if (!strcmp(e->scenario, scenario) && strstr(step, e->step)) {
			used[e - table] = true;
			return e;
		}
	return NULL;
}

static const struct exception *excepted(const char *scenario, const char *step, bool preload)
{
	const struct exception *e = excepted_in(exceptions, exception_used, scenario, step);

	if (!e && preload)
		e = excepted_in(preload_exceptions, preload_exception_used, scenario, step);
	return e;
}

/* ---- running the halves ---------------------------------------------------------*/

static int scenario_port(size_t i)
{
	return 20000 + (int)i * 8;
}

/* Brings lo up in the namespace just made. */
static bool lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	close(fd);
	return ok;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

static bool read_all(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t r = read(fd, c, n);
		if (r <= 0)
			return false;
		c += r;
		n -= (size_t)r;
	}
	return true;
}

/* A half's child, after its status byte: every scenario on the kernel's
 * api, each log sent back through out. */
static void run_scenarios(int out)
{
	struct api a = kernel_api;
	static struct log lg;

	for (size_t i = 0; i < NSCEN; i++) {
		memset(&lg, 0, sizeof(lg));
		scenarios[i].fn(&a, &lg, scenario_port(i));
		if (!write_all(out, &lg, sizeof(lg)))
			_exit(1);
	}
	_exit(0);
}

/* Status bytes of a half's child other than an errno of unshare. */
#define ST_NO_LO 255
#define ST_NOT_PRELOADED 254
#define ST_NO_EXEC 253

/* Linux stamps received packets only while some socket of the system
 * wants it, and turns that on from a work queue when the first one asks
 * (net_enable_timestamp): on a loaded machine the work may run after a
 * scenario's packet arrived, unstamped. A socket that keeps SO_TIMESTAMP
 * through the whole run, and has seen its own datagram stamped, turns it
 * on before the scenarios. Returns it (closed with the child). */
static int receive_stamps_on(void)
{
	struct sockaddr_in self = sin4("127.0.0.1", 19999);
	union {
		char b[CMSG_SPACE(sizeof(struct timeval))];
		struct cmsghdr align;
	} ctl;
	struct timespec nap = {0, 10 * 1000 * 1000};
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)) < 0 ||
	    bind(fd, SA(self), sizeof(self)) < 0)
		return fd;
	for (int i = 0; i < 200; i++) {
		char byte;
		struct iovec iov = {&byte, 1};
		struct msghdr m = {0};

		sendto(fd, "t", 1, 0, SA(self), sizeof(self));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof(ctl.b);
		if (recvmsg(fd, &m, 0) == 1 && m.msg_controllen > 0)
			break;
		nanosleep(&nap, NULL);
	}
	return fd;
}

/* The kernel's half, in a child: a status byte (0: ran; else the errno of
 * unshare or ST_NO_LO), then each scenario's log. */
static void kernel_child(int out)
{
	unsigned char status = 0;

	alarm(120);
	if (unshare(CLONE_NEWNET) < 0)
		status = (unsigned char)(errno ? errno : 1);
	else if (!lo_up())
		status = ST_NO_LO;
	if (!write_all(out, &status, 1) || status)
		_exit(0);
	(void)receive_stamps_on();
	run_scenarios(out);
}

/* The preload half (issue 17): this program again, executed with
 * libusertcp-preload.so in LD_PRELOAD and the descriptor of the pipe in
 * PRELOAD_OUT_ENV, runs the kernel's api as an unmodified program would:
 * its plain C library calls are the library's, which serves them from a
 * stack of its own (no interface: loopback only) on a stack thread. The
 * child enters a network namespace of its own before the exec, with lo
 * left down, so that a call the library let through to the kernel
 * answers unlike the kernel's half instead of reaching the host; and the
 * first socket must be an eventfd underneath, or the library is not
 * there. It runs from a constructor, before the harness's main. */
#define PRELOAD_OUT_ENV "USERTCP_DIFF_PRELOAD_OUT"

__attribute__((constructor)) static void preload_child(void)
{
	const char *v = getenv(PRELOAD_OUT_ENV);
	unsigned char status = 0;
	int out, fd;

	if (!v)
		return;
	out = atoi(v);
	alarm(120);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || !test_fd_is_eventfd(fd))
		status = ST_NOT_PRELOADED;
	if (fd >= 0)
		close(fd);
	if (!write_all(out, &status, 1) || status)
		_exit(0);
	run_scenarios(out);
}

/* Before the exec, in the child: the namespace, the environment. */
static void preload_exec(int out, const char *so)
{
	unsigned char status = ST_NO_EXEC;
	char num[16];

	if (unshare(CLONE_NEWNET) < 0) {
		status = (unsigned char)(errno ? errno : 1);
		goto fail;
	}
	snprintf(num, sizeof(num), "%d", out);
	setenv(PRELOAD_OUT_ENV, num, 1);
	setenv("LD_PRELOAD", so, 1);
	/* no interface: the stack's loopback only */
	unsetenv("USERTCP_TAP");
	unsetenv("USERTCP_TUN");
	unsetenv("USERTCP_IP");
	setenv("USERTCP_DIAG", "off", 1);
	/* the sanitizers' runtime is not the first library then */
	setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
	execl("/proc/self/exe", "test_errno_differential", (char *)NULL);
fail:
	(void)write_all(out, &status, 1);
	_exit(0);
}

/* Runs a half in a child and reads its logs into logs[]: 1 when it ran,
 * 0 when no namespace could be made (why set), -1 when it failed. With
 * so, the preload half through that library. */
static int run_half(struct log *logs, const char *so, const char **why)
{
	int p[2], st;
	unsigned char status;
	pid_t pid;
	int ok = 1;

	if (pipe(p) < 0 || (pid = fork()) < 0) {
		*why = "pipe or fork failed";
		return 0;
	}
	if (pid == 0) {
		close(p[0]);
		if (so)
			preload_exec(p[1], so);
		kernel_child(p[1]);
	}
	close(p[1]);
	if (!read_all(p[0], &status, 1)) {
		*why = "the child died before it started";
		ok = -1;
	} else if (status == ST_NO_LO) {
		*why = "lo could not be brought up in a new network namespace";
		ok = 0;
	} else if (status == ST_NOT_PRELOADED) {
		*why = "the preload library did not take the program's first socket";
		ok = -1;
	} else if (status == ST_NO_EXEC) {
		*why = "the program could not execute itself with the preload library";
		ok = -1;
	} else if (status) {
		*why = "unshare(CLONE_NEWNET) is not permitted";
		ok = 0;
	} else {
		for (size_t i = 0; i < NSCEN && ok == 1; i++)
			if (!read_all(p[0], &logs[i], sizeof(logs[i]))) {
				fprintf(stderr, "the %s child stopped at scenario %s\n",
					so ? "preload" : "kernel's", scenarios[i].name);
				*why = "a child stopped";
				ok = -1;
			}
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	return ok;
}

static void describe(char *buf, size_t n, const struct rec *r)
{
	if (r->rc < 0 && r->err)
		snprintf(buf, n, "%ld errno %s (%s)", r->rc, strerrorname_np(r->err) ?: "?",
			 strerror(r->err));
	else
		snprintf(buf, n, "%ld (0x%lx)", r->rc, (unsigned long)r->rc);
}

struct tally {
	int differences, known, steps;
};

/* One scenario's logs, the kernel's and the other's (usertcp's own api,
 * or the kernel's through the preload library), step by step. */
static void compare(const struct scenario *sc, const struct log *kl, const struct log *ol,
		    bool preload, struct tally *t)
{
	const char *who = preload ? "preload" : "usertcp";
	int n = kl->n > ol->n ? kl->n : ol->n;

	CHECK(!kl->overflow && !ol->overflow);
	for (int j = 0; j < n; j++) {
		const struct rec *kr = &kl->r[j], *ur = &ol->r[j];
		const struct exception *e;
		char kb[96], ub[96];

		t->steps++;
		if (j < kl->n && j < ol->n && kr->line == ur->line && kr->rc == ur->rc &&
		    kr->err == ur->err)
			continue;
		if (j >= kl->n || j >= ol->n || kr->line != ur->line) {
			printf("DIFF %s: the steps part at step %d\n", sc->name, j + 1);
			t->differences++;
			break;
		}
		describe(kb, sizeof(kb), kr);
		describe(ub, sizeof(ub), ur);
		e = excepted(sc->name, kr->step, preload);
		printf("%s %s step %d (line %d: %s)\n    kernel:  %s\n    %s: %s\n",
		       e ? "known" : "DIFF", sc->name, j + 1, kr->line, kr->step, kb, who, ub);
		if (e) {
			printf("    why: %s\n", e->why);
			t->known++;
		} else {
			t->differences++;
		}
	}
}

/* An exception no step needed: usertcp caught up, or this kernel differs
 * from the one it was written against (say so, not fail). */
static void unused_exceptions(const struct exception *table, const bool *used)
{
	for (const struct exception *e = table; e->scenario; e++)
		if (!used[e - table])
			printf("note: exception not needed here: %s, %s\n", e->scenario, e->step);
}

static struct log kernel_logs[NSCEN];

/* The kernel's half, or exit 77 where no namespace can be made. */
static void kernel_half(void)
{
	const char *why = NULL;
	int k;

	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	k = run_half(kernel_logs, NULL, &why);
	if (k == 0) {
		printf("skipped: %s\n", why);
		exit(77);
	}
	CHECK(k == 1);
}

TEST(every_scenario_answers_as_the_kernel_in_a_namespace_of_its_own)
{
	static struct log ul;
	struct tally t = {0};

	kernel_half();
	for (size_t i = 0; i < NSCEN; i++) {
		struct api a = usertcp_api;
		struct ut_stack *st;

		if (scenarios[i].libc)
			continue;
		CHECK_EQ(ut_stack_create(NULL, &st), 0);
		a.st = st;
		memset(&ul, 0, sizeof(ul));
		scenarios[i].fn(&a, &ul, scenario_port(i));
		ut_stack_destroy(st);
		compare(&scenarios[i], &kernel_logs[i], &ul, false, &t);
	}
	unused_exceptions(exceptions, exception_used);
	printf("%zu scenarios, %d steps: %d differences, %d known\n", NSCEN, t.steps, t.differences,
	       t.known);
	CHECK_EQ(t.differences, 0);
}

/* Issue 17: the same scenarios as an unmodified program under the preload
 * library (libc -> libusertcp-preload.so -> ut_), against the kernel's.
 * A test of its own in CTest (test_errno_differential_preload). The
 * library is USERTCP_PRELOAD_SO's, else the build's (USERTCP_PRELOAD_BUILT,
 * from tests/CMakeLists.txt). */
TEST(every_scenario_answers_as_the_kernel_through_the_preload_library)
{
	static struct log pl[NSCEN];
	const char *so = getenv("USERTCP_PRELOAD_SO"), *why = NULL;
	struct tally t = {0};
	int k;

#ifdef USERTCP_PRELOAD_BUILT
	if (!so || !*so)
		so = USERTCP_PRELOAD_BUILT;
#endif
	if (!so || !*so) {
		printf("    USERTCP_PRELOAD_SO must name libusertcp-preload.so\n");
		CHECK(so && *so);
	}
	kernel_half();
	fflush(stdout);
	k = run_half(pl, so, &why);
	if (k != 1)
		printf("    the preload half: %s\n", why);
	CHECK_EQ(k, 1);
	for (size_t i = 0; i < NSCEN; i++)
		compare(&scenarios[i], &kernel_logs[i], &pl[i], true, &t);
	unused_exceptions(preload_exceptions, preload_exception_used);
	printf("%zu scenarios through the preload library, %d steps: %d differences, %d known\n",
	       NSCEN, t.steps, t.differences, t.known);
	CHECK_EQ(t.differences, 0);
}
