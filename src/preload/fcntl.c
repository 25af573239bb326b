/* fcntl, ioctl and the dup family on usertcp descriptors.
 *
 * What belongs to the open file (O_NONBLOCK, the owner for SIGIO/SIGURG)
 * is the socket's, as in Linux, and shared by every duplicate; what
 * belongs to the descriptor (FD_CLOEXEC) is the kernel's own flag on the
 * reserved eventfd, so exec closes exactly the descriptors Linux would
 * close. A duplicate is the kernel's duplicate of that eventfd, entered
 * in the table with a reference to the same socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* After the kernel made nfd a duplicate of a descriptor: the table
 * follows (us NULL: the old one is the kernel's, so whatever nfd was
 * before, it is the kernel's now). */
static void follow_dup(int nfd, struct usock *us)
{
	if (nfd < 0)
		return;
	if (us)
		fdtable_install(nfd, us);
	else
		fdtable_remove(nfd);
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	struct usock *us;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	preload_resolve();
	if (!(us = usock_get(fd)))
		return libc.fcntl(fd, cmd, arg);
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = libc.fcntl(fd, cmd, arg);
		follow_dup(r, us);
		return (int)usock_done(us, r);
	case F_GETFL:
		/* the stack's socket is non-blocking; the program sees its
		 * own O_NONBLOCK (socket.c) */
		if (us->epoll)
			break;
		r = ut_fcntl(us->stack, us->fd, F_GETFL);
		if (r >= 0)
			r = (r & ~O_NONBLOCK) | (atomic_load(&us->nonblock) ? O_NONBLOCK : 0);
		return (int)usock_done(us, r);
	case F_SETFL:
		if (us->epoll)
			break;
		r = ut_fcntl(us->stack, us->fd, F_SETFL, (int)(intptr_t)arg | O_NONBLOCK);
		if (r == 0)
			atomic_store(&us->nonblock, ((int)(intptr_t)arg & O_NONBLOCK) != 0);
		return (int)usock_done(us, r);
	case F_GETOWN:
		if (!us->epoll)
			return (int)usock_done(us, ut_fcntl(us->stack, us->fd, cmd));
		break;
	case F_SETOWN:
		if (!us->epoll)
			return (int)usock_done(us, ut_fcntl(us->stack, us->fd, cmd,
							    (int)(intptr_t)arg));
		break;
	default:
		break;
	}
	/* FD_CLOEXEC and the rest: the descriptor's, the kernel's. */
	return (int)usock_done(us, libc.fcntl(fd, cmd, arg));
}

/* glibc 2.28 and later also export fcntl64, which programs built with
 * _FILE_OFFSET_BITS=64 call; on a 64-bit system it is the same call. */
EXPORT int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/* ioctl: FIONREAD, FIONBIO, SIOCATMARK, SIOCOUTQ... on a usertcp socket
 * are the stack's (ut_ioctl); requests about interfaces (SIOCGIFCONF and
 * the like) are answered by the stack too, which knows only its own. */
EXPORT int ioctl(int fd, unsigned long request, ...)
{
	struct usock *us;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.ioctl(fd, request, arg);
	if (request == FIONBIO && arg) {
		/* the program's O_NONBLOCK; the stack's socket stays
		 * non-blocking (socket.c) */
		int one = 1, r = ut_ioctl(us->stack, us->fd, FIONBIO, &one);
		if (r == 0)
			atomic_store(&us->nonblock, *(int *)arg != 0);
		return (int)usock_done(us, r);
	}
	return (int)usock_done(us, ut_ioctl(us->stack, us->fd, request, arg));
}

EXPORT int dup(int fd)
{
	struct usock *us;
	int r;

	preload_resolve();
	us = usock_get(fd);
	r = libc.dup(fd);
	if (!us)
		return r;
	follow_dup(r, us);
	return (int)usock_done(us, r);
}

EXPORT int dup3(int fd, int nfd, int flags)
{
	struct usock *us;
	int r;

	preload_resolve();
	us = usock_get(fd);
	r = libc.dup3(fd, nfd, flags);
	/* dup3 onto itself is EINVAL, so r >= 0 means a new duplicate */
	if (r >= 0)
		follow_dup(r, us);
	return us ? (int)usock_done(us, r) : r;
}

EXPORT int dup2(int fd, int nfd)
{
	struct usock *us;
	int r;

	preload_resolve();
	us = usock_get(fd);
	r = libc.dup2(fd, nfd);
	/* dup2 onto itself changes nothing */
	if (r >= 0 && fd != nfd)
		follow_dup(r, us);
	return us ? (int)usock_done(us, r) : r;
}
