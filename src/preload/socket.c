/* The socket calls, interposed: an AF_INET (and, by default, AF_INET6)
 * stream or datagram socket is usertcp's, every other descriptor the
 * kernel's. A call on a usertcp descriptor is the ut_ call of the same
 * name on its stack (usertcp/socket.h), which answers and sets errno as
 * Linux would; a call on any other descriptor goes on to the C library.
 *
 * The read/write family is here too: on a socket they are recv and send
 * without flags, as in Linux's sock_read_iter and sock_write_iter. */
#include <errno.h>
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

/* Installs utfd at the reserved number efd; on failure closes both. */
static int install(int efd, struct ut_stack *st, int utfd)
{
	if (fdtable_install_new(efd, st, utfd, false) < 0) {
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
	if (!(st = preload_stack()))
		return -1;
	if ((efd = reserve_fd(type)) < 0)
		return -1;
	if ((u = ut_socket(st, domain, type, protocol)) < 0) {
		e = errno;
		libc.close(efd);
		errno = e;
		return -1;
	}
	return install(efd, st, u);
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.bind(fd, addr, len);
	return (int)usock_done(us, ut_bind(us->stack, us->fd, addr, len));
}

EXPORT int listen(int fd, int backlog)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.listen(fd, backlog);
	return (int)usock_done(us, ut_listen(us->stack, us->fd, backlog));
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
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
	if ((u = ut_accept4(us->stack, us->fd, addr, len, flags)) < 0) {
		e = errno;
		libc.close(efd);
		errno = e;
		return (int)usock_done(us, -1);
	}
	return (int)usock_done(us, install(efd, us->stack, u));
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	preload_resolve();
	if (!fdtable_is_usock(fd))
		return libc.accept(fd, addr, len);
	return accept4(fd, addr, len, 0);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.connect(fd, addr, len);
	return (int)usock_done(us, ut_connect(us->stack, us->fd, addr, len));
}

EXPORT int shutdown(int fd, int how)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.shutdown(fd, how);
	return (int)usock_done(us, ut_shutdown(us->stack, us->fd, how));
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

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.read(fd, buf, len);
	return usock_done(us, ut_read(us->stack, us->fd, buf, len));
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.write(fd, buf, len);
	return usock_done(us, ut_write(us->stack, us->fd, buf, len));
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.readv(fd, iov, iovcnt);
	return usock_done(us, ut_readv(us->stack, us->fd, iov, iovcnt));
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.writev(fd, iov, iovcnt);
	return usock_done(us, ut_writev(us->stack, us->fd, iov, iovcnt));
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.send(fd, buf, len, flags);
	return usock_done(us, ut_send(us->stack, us->fd, buf, len, flags));
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recv(fd, buf, len, flags);
	return usock_done(us, ut_recv(us->stack, us->fd, buf, len, flags));
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dest,
		      socklen_t dest_len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.sendto(fd, buf, len, flags, dest, dest_len);
	return usock_done(us, ut_sendto(us->stack, us->fd, buf, len, flags, dest, dest_len));
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
			socklen_t *src_len)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recvfrom(fd, buf, len, flags, src, src_len);
	return usock_done(us, ut_recvfrom(us->stack, us->fd, buf, len, flags, src, src_len));
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.sendmsg(fd, msg, flags);
	return usock_done(us, ut_sendmsg(us->stack, us->fd, msg, flags));
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct usock *us;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.recvmsg(fd, msg, flags);
	return usock_done(us, ut_recvmsg(us->stack, us->fd, msg, flags));
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

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.setsockopt(fd, level, optname, optval, optlen);
	return (int)usock_done(us,
			       ut_setsockopt(us->stack, us->fd, level, optname, optval, optlen));
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
		ssize_t n = ut_sendmsg(us->stack, us->fd, &vec[i].msg_hdr, flags);
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
		ssize_t n = ut_recvmsg(us->stack, us->fd, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE);
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
