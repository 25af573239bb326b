/* The socket calls, interposed: an AF_INET (and, by default, AF_INET6)
 * stream or datagram socket is usertcp's, every other descriptor the
 * kernel's. A call on a usertcp descriptor is the ut_ call of the same
 * name on its stack (usertcp/socket.h), which answers and sets errno as
 * Linux would; a call on any other descriptor goes on to the C library.
 *
 * The read/write family is here too: on a socket they are recv and send
 * without flags, as in Linux's sock_read_iter and sock_write_iter.
 *
 * Blocking. The stack's sockets are all non-blocking; O_NONBLOCK as the
 * program sees it is kept beside them (struct usock). A call that would
 * block tries, and while the stack answers EAGAIN waits in the kernel's
 * ppoll (usock_wait) and tries again, so that it sleeps where a signal
 * reaches it: a handler without SA_RESTART ends the call with EINTR, or
 * with the count of what it had already moved, as Linux's. A blocking
 * send on a stream goes on until all of it is queued, a MSG_WAITALL
 * receive until all of it came (or the end of the stream), as Linux's;
 * SO_SNDTIMEO and SO_RCVTIMEO bound the wait (EAGAIN, or the count). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* A descriptor number from the kernel for a new usertcp socket: an
 * eventfd, close-on-exec as the socket asked (SOCK_CLOEXEC), opened
 * before the socket as Linux takes the number before making the file
 * (so EMFILE comes first, and accept takes no connection it cannot give
 * a number). */
static int reserve_fd(int flags)
{
	return eventfd(0, (flags & SOCK_CLOEXEC) ? EFD_CLOEXEC : 0);
}

/* Installs utfd (a socket of type, O_NONBLOCK for the program if
 * nonblock) at the reserved number efd; on failure closes both. */
static int install(int efd, struct ut_stack *st, int utfd, int type, bool nonblock)
{
	struct usock *us = usock_alloc(st, utfd, false);

	if (us) {
		us->type = type;
		atomic_store(&us->nonblock, nonblock);
	}
	if (!us || fdtable_install_new(efd, us) < 0) {
		free(us);
		ut_close(st, utfd);
		libc.close(efd);
		errno = ENOMEM;
		return -1;
	}
	return efd;
}

static bool ours(int domain, int type)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return false;
	return domain == AF_INET || (domain == AF_INET6 && preload_inet6() == INET6_USERTCP);
}

/* Whether a call with flags waits on us. */
static bool blocks(struct usock *us, int flags)
{
	return !(flags & MSG_DONTWAIT) && !atomic_load(&us->nonblock);
}

EXPORT int socket(int domain, int type, int protocol)
{
	struct ut_stack *st;
	int efd, u, e;

	preload_resolve();
	if (domain == AF_INET6 && preload_inet6() == INET6_EAFNOSUPPORT) {
		/* as a kernel built without IPv6 answers: programs fall back
		 * to IPv4 */
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!ours(domain, type) || preload_starting())
		return libc.socket(domain, type, protocol);
	/* with several stacks, each new socket on the next: the
	 * connections a program opens spread over the queues, each
	 * connecting from a local port of its own stack's slice */
	if (!(st = preload_stack_next()))
		return -1;
	if ((efd = reserve_fd(type)) < 0)
		return -1;
	if ((u = ut_socket(st, domain, type | SOCK_NONBLOCK, protocol)) < 0) {
		e = errno;
		libc.close(efd);
		errno = e;
		return -1;
	}
	return install(efd, st, u, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC),
		       (type & SOCK_NONBLOCK) != 0);
}

/* ---- several stacks (USERTCP_THREADS) ---------------------------------------------
 * A socket lives on one stack: the one it was made on (socket() takes
 * each stack in turn), or, once bound to a port, the stack that port
 * belongs to (preload_port_stack), where the group hands the segments
 * for it that reach another queue. A listener lives on every stack, as
 * an application of the tools opens one per stack on one port
 * (usertcp/group.h): the kernel spreads the connections over the queues
 * and each stack's twin takes those of its own. Options set on the
 * socket are kept (sockopt_log) so that the socket can be made again,
 * the same, on another stack. */

/* Remembers an option set on us, the latest value of each; opts_lock
 * held. A failure to remember costs the socket's twins that option. */
static void sockopt_log(struct usock *us, int level, int name, const void *val, socklen_t len)
{
	struct sockopt_rec **pp = &us->opts, *o;

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->level == level && (*pp)->name == name)
			break;
	if (*pp && (*pp)->len == len) {
		memcpy((*pp)->val, val, len);
		return;
	}
	if (!(o = malloc(sizeof(*o) + len)))
		return;
	o->level = level;
	o->name = name;
	o->len = len;
	memcpy(o->val, val, len);
	o->next = *pp ? (*pp)->next : NULL;
	free(*pp);
	*pp = o;
}

/* A socket on stack st made as us was: its family, type and protocol,
 * then its options in the order they were set; opts_lock held. The
 * stack's descriptor, or -1 with errno. */
static int usock_remake(struct usock *us, struct ut_stack *st)
{
	int domain, type, proto, fd;
	socklen_t l = sizeof(int);

	if (ut_getsockopt(us->stack, us->fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0 ||
	    ut_getsockopt(us->stack, us->fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ||
	    ut_getsockopt(us->stack, us->fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l) < 0)
		return -1;
	if ((fd = ut_socket(st, domain, type | SOCK_NONBLOCK, proto)) < 0)
		return -1;
	for (const struct sockopt_rec *o = us->opts; o; o = o->next)
		(void)ut_setsockopt(st, fd, o->level, o->name, o->val, o->len);
	return fd;
}

/* The stack a bind of us to addr puts it on, when that is another than
 * its own: the owner of a non-zero port, for a socket still unbound. */
static struct ut_stack *bind_stack(struct usock *us, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint16_t be;
	unsigned port;

	if (preload_nstacks() < 2 || atomic_load(&us->span) || !addr)
		return NULL;
	/* (the program's address need not be aligned for its type) */
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		memcpy(&be, (const char *)addr + offsetof(struct sockaddr_in, sin_port),
		       sizeof(be));
	else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		memcpy(&be, (const char *)addr + offsetof(struct sockaddr_in6, sin6_port),
		       sizeof(be));
	else
		return NULL;
	port = ntohs(be);
	/* bound already (bind, connect and listen bind): the stack's own
	 * answer, EINVAL, from where it is */
	if (port == 0 || ut_getsockname(us->stack, us->fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    ((struct sockaddr_in *)&ss)->sin_port != 0)
		return NULL;
	struct ut_stack *to = preload_port_stack(port);
	return to != us->stack ? to : NULL;
}

/* bind on stack to: the socket made there again and bound; on success
 * it replaces the one on the old stack. A socket that has done nothing
 * yet but set options, as a program binds right after making it (a
 * call on it in another thread meanwhile may meet the old one). */
static int bind_moved(struct usock *us, struct ut_stack *to, const struct sockaddr *addr,
		      socklen_t len)
{
	struct ut_stack *old_st = us->stack;
	int fd, old_fd = us->fd, e;

	pthread_mutex_lock(&us->opts_lock);
	if ((fd = usock_remake(us, to)) < 0 || ut_bind(to, fd, addr, len) < 0) {
		e = errno;
		if (fd >= 0)
			ut_close(to, fd);
		pthread_mutex_unlock(&us->opts_lock);
		errno = e;
		return -1;
	}
	/* the epoll instances watching it watch the new one */
	epoll_follow(old_st, old_fd, to, fd);
	us->stack = to;
	us->fd = fd;
	pthread_mutex_unlock(&us->opts_lock);
	ut_close(old_st, old_fd);
	return 0;
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct ut_stack *to;
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.bind(fd, addr, len);
	if ((to = bind_stack(us, addr, len)))
		return (int)usock_done(us, bind_moved(us, to, addr, len));
	return (int)usock_done(us, ut_bind(us->stack, us->fd, addr, len));
}

/* The descriptor of us's twin on stack i of its span, -1 where it has
 * none or i is us's own stack (self, preload_stack_index of it):
 * descriptor numbers are each stack's own, so a twin is told from the
 * socket by its stack. */
static int span_twin(const struct usock_span *sp, unsigned i, int self)
{
	return (int)i == self ? -1 : atomic_load(&sp->fd[i]);
}

/* The listener us, listening on its own stack, made on every other one:
 * the same options, bound to the address it has, listening with the
 * same backlog. Again on a listener: the backlog changed on each.
 * opts_lock held. 0, or -1 with errno (none made then). */
static int listen_everywhere(struct usock *us, int backlog)
{
	struct usock_span *sp = atomic_load(&us->span);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int e, self = preload_stack_index(us->stack);

	if (sp) {
		for (unsigned i = 0; i < sp->n; i++) {
			int fd = span_twin(sp, i, self);
			if (fd >= 0)
				(void)ut_listen(preload_stack_at(i), fd, backlog);
		}
		return 0;
	}
	if (ut_getsockname(us->stack, us->fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    !(sp = usock_span_new(us, preload_nstacks())))
		return -1;
	for (unsigned i = 0; i < sp->n; i++) {
		struct ut_stack *st = preload_stack_at(i);
		int fd;

		if (st == us->stack)
			continue;
		if ((fd = usock_remake(us, st)) < 0)
			goto fail;
		atomic_store(&sp->fd[i], fd);
		if (ut_bind(st, fd, (struct sockaddr *)&ss, sl) < 0 ||
		    ut_listen(st, fd, backlog) < 0)
			goto fail;
	}
	/* a listener added to epoll instances before listen() is watched
	 * there on every stack */
	for (unsigned i = 0; i < sp->n; i++) {
		int fd = span_twin(sp, i, self);
		if (fd >= 0)
			epoll_follow(us->stack, us->fd, preload_stack_at(i), fd);
	}
	atomic_store(&us->span, sp);
	return 0;
fail:
	e = errno;
	for (unsigned i = 0; i < sp->n; i++) {
		int fd = span_twin(sp, i, self);
		if (fd >= 0)
			ut_close(preload_stack_at(i), fd);
	}
	free(sp);
	errno = e;
	return -1;
}

EXPORT int listen(int fd, int backlog)
{
	struct usock *us;
	int rc;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.listen(fd, backlog);
	pthread_mutex_lock(&us->opts_lock);
	rc = ut_listen(us->stack, us->fd, backlog);
	if (rc == 0 && preload_nstacks() > 1 && us->type == SOCK_STREAM)
		rc = listen_everywhere(us, backlog);
	pthread_mutex_unlock(&us->opts_lock);
	return (int)usock_done(us, rc);
}

/* accept on us without waiting: on a listener on every stack, each twin
 * in turn from the one after the last call's first, so that no stack's
 * connections wait behind another's. *st: the stack of the new socket. */
static int accept_any(struct usock *us, struct sockaddr *addr, socklen_t *len, int flags,
		      struct ut_stack **st)
{
	struct usock_span *sp = atomic_load(&us->span);
	unsigned start;

	*st = us->stack;
	if (!sp)
		return ut_accept4(us->stack, us->fd, addr, len, flags);
	start = atomic_fetch_add_explicit(&sp->next, 1, memory_order_relaxed);
	for (unsigned k = 0; k < sp->n; k++) {
		unsigned i = (start + k) % sp->n;
		int fd = atomic_load(&sp->fd[i]), u;

		if (fd < 0)
			continue;
		*st = preload_stack_at(i);
		if ((u = ut_accept4(*st, fd, addr, len, flags)) >= 0 || errno != EAGAIN)
			return u;
	}
	errno = EAGAIN;
	return -1;
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	uint64_t deadline = 0;
	struct ut_stack *st;
	struct usock *us;
	int efd, u, e;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.accept4(fd, addr, len, flags);
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		errno = EINVAL;
		return (int)usock_done(us, -1);
	}
	if ((efd = reserve_fd(flags)) < 0)
		return (int)usock_done(us, -1);
	while ((u = accept_any(us, addr, len, flags | SOCK_NONBLOCK, &st)) < 0 && errno == EAGAIN &&
	       blocks(us, 0))
		if (usock_wait(us, POLLIN, SO_RCVTIMEO, &deadline) < 0)
			break;
	if (u < 0) {
		e = errno;
		libc.close(efd);
		errno = e;
		return (int)usock_done(us, -1);
	}
	return (int)usock_done(us, install(efd, st, u, us->type, (flags & SOCK_NONBLOCK) != 0));
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	preload_resolve();
	if (!fdtable_is_usock(fd))
		return libc.accept(fd, addr, len);
	return accept4(fd, addr, len, 0);
}

/* A blocking connect: the stack's answers EINPROGRESS, then the wait for
 * the handshake's end, then connect again on the stack, which ends it as
 * Linux's blocking connect ends after its wait (__inet_stream_connect):
 * 0 and the socket connected (a later connect is EISCONN), or the error
 * with the socket disconnected (SO_ERROR consumed, unbound, ready to
 * connect afresh); EALREADY means the handshake still runs (a wake for
 * something else), and the wait goes on. Interrupted, it is EINTR and the
 * handshake goes on, as Linux's; SO_SNDTIMEO running out is EINPROGRESS,
 * as Linux's. */
EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	uint64_t deadline = 0;
	struct usock *us;
	int rc;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.connect(fd, addr, len);
	rc = ut_connect(us->stack, us->fd, addr, len);
	if (rc == 0 || errno != EINPROGRESS || !blocks(us, 0))
		return (int)usock_done(us, rc);
	do {
		if (usock_wait(us, POLLOUT, SO_SNDTIMEO, &deadline) < 0) {
			if (errno == EAGAIN)
				errno = EINPROGRESS;
			return (int)usock_done(us, -1);
		}
		rc = ut_connect(us->stack, us->fd, addr, len);
	} while (rc < 0 && errno == EALREADY);
	return (int)usock_done(us, rc);
}

EXPORT int shutdown(int fd, int how)
{
	struct usock *us;
	int rc;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.shutdown(fd, how);
	rc = ut_shutdown(us->stack, us->fd, how);
	/* a listener's twins stop listening with it */
	struct usock_span *sp = atomic_load(&us->span);
	int self = preload_stack_index(us->stack);
	for (unsigned i = 0; sp && i < sp->n; i++) {
		int tfd = span_twin(sp, i, self);
		if (tfd >= 0)
			(void)ut_shutdown(preload_stack_at(i), tfd, how);
	}
	return (int)usock_done(us, rc);
}

/* close: the number goes back to the kernel (the eventfd closes) and the
 * socket loses this descriptor's reference; it closes at the last one,
 * as Linux's file is released at its last fput. An epoll instance's
 * usertcp half goes with its kernel descriptor the same way. */
EXPORT int close(int fd)
{
	preload_resolve();
	fdtable_remove(fd);
	return libc.close(fd);
}

/* ---- sending and receiving --------------------------------------------------------*/

static size_t iov_total(const struct msghdr *msg)
{
	size_t total = 0;

	for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++)
		total += msg->msg_iov[i].iov_len;
	return total;
}

/* m: msg without its first done bytes, its iovecs in space (room for
 * msg's); no address or control data (they went with the first part). */
static void iov_advance(const struct msghdr *msg, size_t done, struct msghdr *m,
			struct iovec *space)
{
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++) {
		const struct iovec *v = &msg->msg_iov[i];
		if (done >= v->iov_len) {
			done -= v->iov_len;
			continue;
		}
		space[n].iov_base = (char *)v->iov_base + done;
		space[n++].iov_len = v->iov_len - done;
		done = 0;
	}
	m->msg_iov = space;
	m->msg_iovlen = n;
}

/* Room for the iovecs of a send or receive that continues after a part:
 * the thread's buffer (IOV_MAX of them fit), or NULL. */
static struct iovec *iov_space(const struct msghdr *msg)
{
	if ((size_t)msg->msg_iovlen * sizeof(struct iovec) > PRELOAD_COPY_BUF) {
		errno = EMSGSIZE;
		return NULL;
	}
	return thread_copy_buf();
}

/* sendmsg on us with Linux's blocking (see the top of the file). */
static ssize_t usock_sendmsg(struct usock *us, const struct msghdr *msg, int flags)
{
	uint64_t deadline = 0;
	size_t total, done = 0;
	struct iovec *space = NULL;

	/* A Fast Open connect (MSG_FASTOPEN) is the stack's own affair. */
	if (!blocks(us, flags) || (flags & MSG_FASTOPEN))
		return ut_sendmsg(us->stack, us->fd, msg, flags);
	total = iov_total(msg);
	for (;;) {
		struct msghdr m;
		const struct msghdr *mp = msg;

		if (done) {
			if (!space && !(space = iov_space(msg)))
				return (ssize_t)done;
			iov_advance(msg, done, &m, space);
			mp = &m;
		}
		ssize_t n = ut_sendmsg(us->stack, us->fd, mp, flags);
		if (n >= 0) {
			done += (size_t)n;
			if (done >= total || us->type != SOCK_STREAM)
				return (ssize_t)done;
			continue;
		}
		if (errno != EAGAIN || usock_wait(us, POLLOUT, SO_SNDTIMEO, &deadline) < 0)
			return done ? (ssize_t)done : -1;
	}
}

/* recvmsg on us with Linux's blocking (see the top of the file). */
static ssize_t usock_recvmsg(struct usock *us, struct msghdr *msg, int flags)
{
	uint64_t deadline = 0;
	size_t total, done = 0;
	struct iovec *space = NULL;
	bool all;

	if (!blocks(us, flags))
		return ut_recvmsg(us->stack, us->fd, msg, flags);
	all = (flags & MSG_WAITALL) && !(flags & MSG_PEEK) && us->type == SOCK_STREAM;
	total = iov_total(msg);
	for (;;) {
		struct msghdr m;
		struct msghdr *mp = msg;

		if (done) {
			if (!space && !(space = iov_space(msg)))
				return (ssize_t)done;
			iov_advance(msg, done, &m, space);
			mp = &m;
		}
		ssize_t n = ut_recvmsg(us->stack, us->fd, mp, flags & ~MSG_WAITALL);
		if (n > 0) {
			done += (size_t)n;
			if (mp != msg)
				msg->msg_flags |= m.msg_flags;
			if (!all || done >= total)
				return (ssize_t)done;
			continue;
		}
		if (n == 0)
			return (ssize_t)done; /* the end of the stream */
		if (errno != EAGAIN || usock_wait(us, POLLIN, SO_RCVTIMEO, &deadline) < 0)
			return done ? (ssize_t)done : -1;
	}
}

static ssize_t usock_send(struct usock *us, const void *buf, size_t len, int flags,
			  const struct sockaddr *dest, socklen_t dest_len)
{
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	struct msghdr msg = {.msg_name = (void *)(uintptr_t)dest,
			     .msg_namelen = dest_len,
			     .msg_iov = &iov,
			     .msg_iovlen = 1};

	/* send and write on a socket are sendto without an address, which
	 * the stack's sendto checks as Linux's (a NULL buffer, a length
	 * past INT_MAX...) before anything else */
	if (!blocks(us, flags))
		return ut_sendto(us->stack, us->fd, buf, len, flags, dest, dest_len);
	return usock_sendmsg(us, &msg, flags);
}

static ssize_t usock_recv(struct usock *us, void *buf, size_t len, int flags, struct sockaddr *src,
			  socklen_t *src_len)
{
	struct iovec iov = {buf, len};
	struct msghdr msg = {.msg_name = src,
			     .msg_namelen = src && src_len ? *src_len : 0,
			     .msg_iov = &iov,
			     .msg_iovlen = 1};
	ssize_t n;

	if (!blocks(us, flags))
		return ut_recvfrom(us->stack, us->fd, buf, len, flags, src, src_len);
	n = usock_recvmsg(us, &msg, flags);
	if (n >= 0 && src && src_len)
		*src_len = msg.msg_namelen;
	return n;
}

/* readv and writev: Linux's limit on the iovecs (EINVAL), which
 * recvmsg and sendmsg answer differently (EMSGSIZE). */
static bool iovcnt_ok(int iovcnt)
{
	if (iovcnt >= 0 && iovcnt <= IOV_MAX)
		return true;
	errno = EINVAL;
	return false;
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.read(fd, buf, len);
	if (!blocks(us, 0))
		return usock_done(us, ut_read(us->stack, us->fd, buf, len));
	return usock_done(us, usock_recv(us, buf, len, 0, NULL, NULL));
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.write(fd, buf, len);
	if (!blocks(us, 0))
		return usock_done(us, ut_write(us->stack, us->fd, buf, len));
	return usock_done(us, usock_send(us, buf, len, 0, NULL, 0));
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.readv(fd, iov, iovcnt);
	if (!blocks(us, 0) || !iovcnt_ok(iovcnt))
		return usock_done(us, ut_readv(us->stack, us->fd, iov, iovcnt));
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov,
			     .msg_iovlen = (size_t)iovcnt};
	return usock_done(us, usock_recvmsg(us, &msg, 0));
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.writev(fd, iov, iovcnt);
	if (!blocks(us, 0) || !iovcnt_ok(iovcnt))
		return usock_done(us, ut_writev(us->stack, us->fd, iov, iovcnt));
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov,
			     .msg_iovlen = (size_t)iovcnt};
	return usock_done(us, usock_sendmsg(us, &msg, 0));
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.send(fd, buf, len, flags);
	return usock_done(us, usock_send(us, buf, len, flags, NULL, 0));
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recv(fd, buf, len, flags);
	return usock_done(us, usock_recv(us, buf, len, flags, NULL, NULL));
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dest,
		      socklen_t dest_len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.sendto(fd, buf, len, flags, dest, dest_len);
	return usock_done(us, usock_send(us, buf, len, flags, dest, dest_len));
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
			socklen_t *src_len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recvfrom(fd, buf, len, flags, src, src_len);
	return usock_done(us, usock_recv(us, buf, len, flags, src, src_len));
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.sendmsg(fd, msg, flags);
	return usock_done(us, usock_sendmsg(us, msg, flags));
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recvmsg(fd, msg, flags);
	return usock_done(us, usock_recvmsg(us, msg, flags));
}

EXPORT int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.getsockopt(fd, level, optname, optval, optlen);
	return (int)usock_done(us,
			       ut_getsockopt(us->stack, us->fd, level, optname, optval, optlen));
}

EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	struct usock *us;
	int rc;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.setsockopt(fd, level, optname, optval, optlen);
	if (preload_nstacks() < 2)
		return (int)usock_done(us, ut_setsockopt(us->stack, us->fd, level, optname, optval,
							 optlen));
	/* with several stacks: kept for the socket's twins (above), and set
	 * on those it has */
	pthread_mutex_lock(&us->opts_lock);
	rc = ut_setsockopt(us->stack, us->fd, level, optname, optval, optlen);
	if (rc == 0 && optval && optlen <= 4096) {
		struct usock_span *sp = atomic_load(&us->span);
		int e = errno, self = preload_stack_index(us->stack);

		sockopt_log(us, level, optname, optval, optlen);
		for (unsigned i = 0; sp && i < sp->n; i++) {
			int tfd = span_twin(sp, i, self);
			if (tfd >= 0)
				(void)ut_setsockopt(preload_stack_at(i), tfd, level, optname,
						    optval, optlen);
		}
		errno = e;
	}
	pthread_mutex_unlock(&us->opts_lock);
	return (int)usock_done(us, rc);
}

EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.getsockname(fd, addr, len);
	return (int)usock_done(us, ut_getsockname(us->stack, us->fd, addr, len));
}

EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.getpeername(fd, addr, len);
	return (int)usock_done(us, ut_getpeername(us->stack, us->fd, addr, len));
}

/* ---- glibc's fortified variants (_FORTIFY_SOURCE) --------------------------
 * A program built with fortification calls these instead when the buffer's
 * size is known at compile time: the check, then the call. */
EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return read(fd, buf, len);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return recv(fd, buf, len, flags);
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
			      struct sockaddr *src, socklen_t *src_len)
{
	if (len > buflen)
		__chk_fail();
	return recvfrom(fd, buf, len, flags, src, src_len);
}

/* sendmmsg and recvmmsg: the messages one by one, as Linux's
 * __sys_sendmmsg and do_recvmmsg loop over ___sys_sendmsg and
 * ___sys_recvmsg. At most UIO_MAXIOV (1024) a call. An error after the
 * first message ends the call with the count done so far (Linux keeps
 * the error on the socket for the next call; here the next call meets
 * it again). recvmmsg's MSG_WAITFORONE makes every receive after the
 * first non-blocking, and its timeout is looked at after each message,
 * as Linux's. */
#define MMSG_MAX 1024

EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	struct usock *us;
	unsigned i;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.sendmmsg(fd, vec, vlen, flags);
	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	for (i = 0; i < vlen; i++) {
		ssize_t n = usock_sendmsg(us, &vec[i].msg_hdr, flags);
		if (n < 0) {
			if (i == 0)
				return (int)usock_done(us, -1);
			break;
		}
		vec[i].msg_len = (unsigned)n;
	}
	return (int)usock_done(us, (long)i);
}

EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)
{
	struct timespec left;
	struct usock *us;
	uint64_t deadline;
	unsigned i;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recvmmsg(fd, vec, vlen, flags, timeout);
	if (timeout &&
	    (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
		errno = EINVAL;
		return (int)usock_done(us, -1);
	}
	deadline = deadline_after(timeout);
	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	for (i = 0; i < vlen; i++) {
		ssize_t n = usock_recvmsg(us, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (n < 0) {
			if (i == 0)
				return (int)usock_done(us, -1);
			break;
		}
		vec[i].msg_len = (unsigned)n;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (timeout) {
			timeout_left(deadline, &left);
			*timeout = left;
			if (left.tv_sec == 0 && left.tv_nsec == 0) {
				i++;
				break;
			}
		}
	}
	return (int)usock_done(us, (long)i);
}

ssize_t usock_send_buf(struct usock *us, const void *buf, size_t len, int flags)
{
	return usock_send(us, buf, len, flags, NULL, 0);
}

ssize_t usock_recv_buf(struct usock *us, void *buf, size_t len)
{
	return usock_recv(us, buf, len, 0, NULL, NULL);
}
