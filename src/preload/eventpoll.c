/* epoll with usertcp sockets in it (fs/eventpoll.c's part in Linux).
 *
 * The epoll instance is the kernel's: epoll_create gives a kernel
 * descriptor, and the kernel's descriptors added to it are watched by the
 * kernel as always. The usertcp sockets added to it go into a usertcp
 * epoll instance of the same stack, the kernel instance's usertcp half,
 * made at the first such epoll_ctl and kept in the descriptor table under
 * the kernel instance's number (so it follows its dups and goes at its
 * last close). Each socket is registered there with the program's own
 * events and data, so ut_epoll_wait fills in the program's events as they
 * are; level and edge triggering, EPOLLONESHOT and EPOLLEXCLUSIVE are the
 * stack's epoll's, as Linux's.
 *
 * epoll_wait asks the usertcp half, then the kernel's, without waiting;
 * when neither has an event it sleeps in the kernel's ppoll on the
 * kernel instance (readable when it has events) and the thread's waiter
 * eventfd (select.c), and asks again when either wakes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

static pthread_mutex_t half_lock = PTHREAD_MUTEX_INITIALIZER;

/* The usertcp half of kernel epoll instance epfd on stack st, made if
 * needed, with a reference; NULL with errno (EBADF, EINVAL: epfd is not
 * an epoll instance). */
static struct usock *epoll_half(int epfd, int sockfd, struct ut_stack *st)
{
	struct usock *ep;
	int u;

	if ((ep = usock_get(epfd)) != NULL) {
		if (ep->epoll)
			return ep;
		usock_put(ep);
		errno = EINVAL; /* a usertcp socket is no epoll instance */
		return NULL;
	}
	/* Is epfd a kernel epoll instance? The socket's reserved eventfd is
	 * in no epoll set, so deleting it answers ENOENT from an epoll
	 * instance, EINVAL from any other descriptor, EBADF from none. */
	if (libc.epoll_ctl(epfd, EPOLL_CTL_DEL, sockfd, NULL) == 0 || errno != ENOENT)
		return NULL;
	pthread_mutex_lock(&half_lock);
	if ((ep = usock_get(epfd)) == NULL) {
		if ((u = ut_epoll_create1(st, EPOLL_CLOEXEC)) < 0) {
			pthread_mutex_unlock(&half_lock);
			return NULL;
		}
		struct usock *half = usock_alloc(st, u, true);
		if (!half || fdtable_install_new(epfd, half) < 0) {
			free(half);
			ut_close(st, u);
			pthread_mutex_unlock(&half_lock);
			errno = ENOMEM;
			return NULL;
		}
		ep = usock_get(epfd);
	}
	pthread_mutex_unlock(&half_lock);
	return ep;
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct usock *us, *ep;
	int rc, e;

	preload_resolve();
	if (!(us = usock_get_sock(fd)))
		return libc.epoll_ctl(epfd, op, fd, event);
	if (epfd == fd) {
		errno = EINVAL;
		rc = -1;
	} else if (!(ep = epoll_half(epfd, fd, us->stack))) {
		rc = -1;
	} else {
		rc = ut_epoll_ctl(us->stack, ep->fd, op, us->fd, event);
		e = errno;
		usock_put(ep);
		errno = e;
	}
	e = errno;
	usock_put(us);
	errno = e;
	return rc;
}

static int epoll_split(int epfd, struct usock *ep, struct epoll_event *events, int maxevents,
		       const struct timespec *timeout, const sigset_t *sigmask)
{
	struct timespec left;
	struct waiter w;
	int efd, n = -1;

	if ((efd = waiter_fd()) < 0)
		return -1;
	uint64_t deadline = deadline_after(timeout);
	waiter_park(&w, efd);
	for (;;) {
		struct pollfd pfd[2] = {{.fd = epfd, .events = POLLIN},
					{.fd = efd, .events = POLLIN}};
		int k;

		waiter_drain(efd);
		if ((n = ut_epoll_wait(ep->stack, ep->fd, events, maxevents, 0)) < 0)
			break;
		if (n < maxevents && (k = libc.epoll_wait(epfd, events + n, maxevents - n, 0)) > 0)
			n += k;
		if (n > 0)
			break;
		const struct timespec *t = timeout_left(deadline, &left);
		if (t && t->tv_sec == 0 && t->tv_nsec == 0)
			break; /* n is 0: the time is up */
		if (libc.ppoll(pfd, 2, t, sigmask) < 0) {
			n = -1;
			break;
		}
	}
	int e = errno;
	waiter_unpark(&w);
	errno = e;
	return n;
}

/* epoll_pwait2's and epoll_pwait's common part: timeout NULL waits
 * forever. */
static int epoll_common(int epfd, struct epoll_event *events, int maxevents,
			const struct timespec *timeout, const sigset_t *sigmask)
{
	struct usock *ep = usock_get(epfd);
	int n;

	if (!ep) {
		/* closed by another thread since it was looked at */
		errno = EBADF;
		return -1;
	}
	if (!ep->epoll) {
		/* a socket: not an epoll instance */
		usock_put(ep);
		errno = EINVAL;
		return -1;
	}
	if (maxevents <= 0) {
		errno = EINVAL;
		n = -1;
	} else {
		n = epoll_split(epfd, ep, events, maxevents, timeout, sigmask);
	}
	return (int)usock_done(ep, n);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
		       const sigset_t *sigmask)
{
	struct timespec ts;

	preload_resolve();
	if (!fdtable_is_usock(epfd))
		return libc.epoll_pwait(epfd, events, maxevents, timeout, sigmask);
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000;
	}
	return epoll_common(epfd, events, maxevents, timeout >= 0 ? &ts : NULL, sigmask);
}

EXPORT int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	return epoll_pwait(epfd, events, maxevents, timeout, NULL);
}

/* Linux 5.11's epoll_pwait2: the timeout a timespec (glibc 2.35). */
EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
			const struct timespec *timeout, const sigset_t *sigmask)
{
	preload_resolve();
	if (!fdtable_is_usock(epfd)) {
		if (!libc.epoll_pwait2) {
			errno = ENOSYS;
			return -1;
		}
		return libc.epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
	}
	if (timeout &&
	    (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
		errno = EINVAL;
		return -1;
	}
	return epoll_common(epfd, events, maxevents, timeout, sigmask);
}
