/* epoll with usertcp sockets in it (fs/eventpoll.c's part in Linux).
 *
 * The epoll instance is the kernel's: epoll_create gives a kernel
 * descriptor, and the kernel's descriptors added to it are watched by the
 * kernel as always. The usertcp sockets added to it go into a usertcp
 * epoll instance of the same stack, the kernel instance's usertcp half,
 * made at the first such epoll_ctl and kept in the descriptor table under
 * the kernel instance's number (so it follows its dups and goes at its
 * last close). With several stacks (USERTCP_THREADS) the half is a
 * usertcp instance on each stack that has sockets in it (a listener, on
 * every stack, is in each), asked in turn under each stack's own lock.
 * Each socket is registered there with the program's own events and
 * data, so ut_epoll_wait fills in the program's events as they are;
 * level and edge triggering, EPOLLONESHOT and EPOLLEXCLUSIVE are the
 * stack's epoll's, as Linux's.
 *
 * epoll_wait asks the usertcp half, then the kernel's, without waiting;
 * when neither has an event it sleeps in the kernel's ppoll on the
 * kernel instance (readable when it has events) and the thread's waiter
 * eventfd (select.c), and asks again when either wakes.
 *
 * Linux's epoll instance is itself a file, readable while it has ready
 * items: a poll on it or another epoll instance watching it (nested) sees
 * that. The kernel instance knows only its kernel half; so the usertcp
 * half keeps an eventfd of its own in the kernel instance, readable while
 * the half has events: set or cleared at every wake of the stack (the
 * wake hook) and whenever the library looks at the half, under the
 * stack's lock, and never reported to the program. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "net/file.h"
#include "net/stack.h"
#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

static pthread_mutex_t half_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the halves' readiness in the kernel's instance ------------------------------*/

/* The mirror eventfd's event data in the kernel instance: "ut-ready". */
#define MIRROR_DATA 0x75742d7265616479ull

static pthread_mutex_t halves_lock = PTHREAD_MUTEX_INITIALIZER;
static struct usock *halves;
static atomic_uint nhalves;
atomic_uint epoll_watched_ready;

/* Kernel descriptors added to a kernel epoll instance (a bit each, never
 * cleared: a stale bit costs refreshes, not answers), so that an
 * instance nested before it had a usertcp half is known as watched when
 * it gets one. Numbers past the map count as watched. */
#define WATCHED_MAP_BITS 65536
static atomic_uchar watched_map[WATCHED_MAP_BITS / 8];

static void watched_mark(int fd)
{
	if (fd >= 0 && fd < WATCHED_MAP_BITS)
		atomic_fetch_or(&watched_map[fd / 8], (unsigned char)(1u << (fd % 8)));
}

static bool watched_marked(int fd)
{
	return fd >= WATCHED_MAP_BITS ||
	       (fd >= 0 && (atomic_load(&watched_map[fd / 8]) & (1u << (fd % 8))));
}

/* What stack i's part of the half ep has ready now (ready), under that
 * stack's lock and halves_lock: the mirror is set while any part has
 * events. */
static void mirror_set(struct usock *ep, unsigned i, bool ready)
{
	static const uint64_t one = 1;
	struct usock_span *sp = atomic_load(&ep->span);
	uint64_t v;
	ssize_t n;

	if (sp) {
		uint64_t bit = 1ull << i;
		v = ready ? atomic_fetch_or(&sp->ready, bit) | bit
			  : atomic_fetch_and(&sp->ready, ~bit) & ~bit;
		ready = v != 0;
	}
	if (ep->ready_efd < 0 || atomic_load(&ep->ready) == ready)
		return;
	atomic_store(&ep->ready, ready);
	if (ep->watched) {
		if (ready)
			atomic_fetch_add(&epoll_watched_ready, 1);
		else
			atomic_fetch_sub(&epoll_watched_ready, 1);
	}
	if (ready)
		n = libc.write(ep->ready_efd, &one, sizeof(one));
	else
		n = libc.read(ep->ready_efd, &v, sizeof(v));
	(void)n;
}

/* The instance of half ep on stack i, or -1: it has none there. */
static int half_part(struct usock *ep, unsigned i)
{
	struct usock_span *sp = atomic_load(&ep->span);

	if (sp)
		return i < sp->n ? atomic_load(&sp->fd[i]) : -1;
	return preload_stack_index(ep->stack) == (int)i ? ep->fd : -1;
}

void epoll_halves_refresh_locked(struct ut_stack *st)
{
	int i;

	if (!atomic_load_explicit(&nhalves, memory_order_acquire) ||
	    (i = preload_stack_index(st)) < 0)
		return;
	pthread_mutex_lock(&halves_lock);
	for (struct usock *ep = halves; ep; ep = ep->half_next) {
		int fd = half_part(ep, (unsigned)i);
		if (fd >= 0)
			mirror_set(ep, (unsigned)i, fd_poll_locked(st, fd) != 0);
	}
	pthread_mutex_unlock(&halves_lock);
}

void epoll_halves_refresh(struct ut_stack *st)
{
	stack_lock(st);
	epoll_halves_refresh_locked(st);
	stack_unlock(st);
}

/* Each stack's lock in turn, never two at once. */
void epoll_half_refresh(struct usock *ep)
{
	for (unsigned i = 0; i < preload_nstacks(); i++) {
		struct ut_stack *st = preload_stack_at(i);
		int fd = half_part(ep, i);

		if (fd < 0)
			continue;
		stack_lock(st);
		pthread_mutex_lock(&halves_lock);
		mirror_set(ep, i, fd_poll_locked(st, fd) != 0);
		pthread_mutex_unlock(&halves_lock);
		stack_unlock(st);
	}
}

/* The new half ep of kernel instance epfd gets its mirror (without one,
 * nothing else changes: the kernel sees the kernel half only). */
static void mirror_add(int epfd, struct usock *ep)
{
	struct epoll_event ev = {EPOLLIN, {.u64 = MIRROR_DATA}};
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (efd < 0)
		return;
	if (libc.epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev) < 0) {
		libc.close(efd);
		return;
	}
	pthread_mutex_lock(&halves_lock);
	ep->ready_efd = efd;
	ep->watched = watched_marked(epfd);
	ep->half_prev = NULL;
	ep->half_next = halves;
	if (halves)
		halves->half_prev = ep;
	halves = ep;
	atomic_fetch_add(&nhalves, 1);
	pthread_mutex_unlock(&halves_lock);
}

void epoll_half_release(struct usock *ep)
{
	if (ep->ready_efd < 0)
		return;
	pthread_mutex_lock(&halves_lock);
	if (ep->watched && atomic_load(&ep->ready))
		atomic_fetch_sub(&epoll_watched_ready, 1);
	if (ep->half_prev)
		ep->half_prev->half_next = ep->half_next;
	else
		halves = ep->half_next;
	if (ep->half_next)
		ep->half_next->half_prev = ep->half_prev;
	atomic_fetch_sub(&nhalves, 1);
	pthread_mutex_unlock(&halves_lock);
	libc.close(ep->ready_efd);
	ep->ready_efd = -1;
}

/* Drops the mirror's event from what the kernel instance reported. */
static int mirror_filter(struct epoll_event *events, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (events[i].data.u64 != MIRROR_DATA)
			events[k++] = events[i];
	return k;
}

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
		/* with several stacks, an instance on each stack that has
		 * sockets in it (half_fd) */
		if (preload_nstacks() > 1) {
			struct usock_span *sp = usock_span_new(half, preload_nstacks());
			if (!sp) {
				fdtable_remove(epfd);
				pthread_mutex_unlock(&half_lock);
				return NULL;
			}
			atomic_store(&half->span, sp);
		}
		ep = usock_get(epfd);
		if (ep)
			mirror_add(epfd, ep);
	}
	pthread_mutex_unlock(&half_lock);
	return ep;
}

/* The half's instance on stack i, made at the first socket of that stack
 * added to it; -1 with errno. */
static int half_fd(struct usock *ep, unsigned i)
{
	struct usock_span *sp = atomic_load(&ep->span);
	struct ut_stack *st = preload_stack_at(i);
	int fd;

	if (!sp)
		return ep->fd;
	if ((fd = atomic_load(&sp->fd[i])) >= 0)
		return fd;
	pthread_mutex_lock(&half_lock);
	if ((fd = atomic_load(&sp->fd[i])) < 0 && (fd = ut_epoll_create1(st, EPOLL_CLOEXEC)) >= 0)
		atomic_store(&sp->fd[i], fd);
	pthread_mutex_unlock(&half_lock);
	return fd;
}

/* ut_epoll_ctl for the socket us (on stack i as fd) in the half ep. */
static int half_ctl(struct usock *ep, unsigned i, int op, int fd, struct epoll_event *event)
{
	int hfd = half_fd(ep, i);

	if (hfd < 0)
		return -1;
	return ut_epoll_ctl(preload_stack_at(i), hfd, op, fd, event);
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct usock *us, *ep;
	int rc, e;

	preload_resolve();
	if (!(us = usock_get_sock(fd))) {
		if ((ep = usock_get(fd)) != NULL) {
			/* an instance with a usertcp half into another: its
			 * mirror must follow every change now */
			if (op == EPOLL_CTL_ADD && !ep->watched) {
				/* ready changes under halves_lock (mirror_set) */
				pthread_mutex_lock(&halves_lock);
				ep->watched = true;
				if (atomic_load(&ep->ready))
					atomic_fetch_add(&epoll_watched_ready, 1);
				pthread_mutex_unlock(&halves_lock);
			}
			usock_put(ep);
		}
		rc = libc.epoll_ctl(epfd, op, fd, event);
		if (rc == 0 && op == EPOLL_CTL_ADD)
			watched_mark(fd);
		return rc;
	}
	if (epfd == fd) {
		errno = EINVAL;
		rc = -1;
	} else if (!(ep = epoll_half(epfd, fd, us->stack))) {
		rc = -1;
	} else {
		struct usock_span *sp = atomic_load(&us->span);

		if (!sp) {
			rc = half_ctl(ep, (unsigned)preload_stack_index(us->stack), op, us->fd,
				      event);
			e = errno;
		} else {
			/* a listener on every stack: each twin in the half, with
			 * the program's events and data; the first twin's answer
			 * is the call's (they are alike: made alike, added
			 * alike) */
			rc = 0;
			e = 0;
			for (unsigned i = 0, first = 1; i < sp->n; i++) {
				int tfd = atomic_load(&sp->fd[i]), r;
				if (tfd < 0)
					continue;
				r = half_ctl(ep, i, op, tfd, event);
				if (first) {
					rc = r;
					e = errno;
					first = 0;
				}
			}
		}
		usock_put(ep);
		errno = e;
	}
	e = errno;
	usock_put(us);
	errno = e;
	return rc;
}

/* The half's events without waiting: each stack's instance asked in turn
 * (under its own lock), the first one asked changing from call to call
 * so that a busy stack does not keep another's events out of a short
 * array. */
static int half_wait(struct usock *ep, struct epoll_event *events, int maxevents)
{
	struct usock_span *sp = atomic_load(&ep->span);
	unsigned start;
	int n = 0;

	if (!sp)
		return ut_epoll_wait(ep->stack, ep->fd, events, maxevents, 0);
	start = atomic_fetch_add_explicit(&sp->next, 1, memory_order_relaxed);
	for (unsigned k = 0; k < sp->n && n < maxevents; k++) {
		unsigned i = (start + k) % sp->n;
		int fd = atomic_load(&sp->fd[i]), r;

		if (fd < 0)
			continue;
		if ((r = ut_epoll_wait(preload_stack_at(i), fd, events + n, maxevents - n, 0)) < 0)
			return n ? n : -1;
		n += r;
	}
	return n;
}

void epoll_follow(struct ut_stack *st, int fd, struct ut_stack *to, int tofd)
{
	int i = preload_stack_index(st), j = preload_stack_index(to);
	struct usock **held;
	unsigned n = 0, cap;

	if (i < 0 || j < 0 || !(cap = atomic_load(&nhalves)))
		return;
	if (!(held = malloc(cap * sizeof(*held))))
		return;
	/* The halves, each with a reference, collected under halves_lock;
	 * asked outside it, since a stack's lock is never taken under it.
	 * A half whose last reference is gone is on its way out. */
	pthread_mutex_lock(&halves_lock);
	for (struct usock *ep = halves; ep && n < cap; ep = ep->half_next) {
		int r = atomic_load(&ep->refs);
		while (r > 0 && !atomic_compare_exchange_weak(&ep->refs, &r, r + 1))
			;
		if (r > 0)
			held[n++] = ep;
	}
	pthread_mutex_unlock(&halves_lock);
	for (unsigned k = 0; k < n; k++) {
		struct epoll_event ev;
		int part = half_part(held[k], (unsigned)i);

		if (part >= 0 && ep_item_event(st, part, fd, &ev) == 0)
			(void)half_ctl(held[k], (unsigned)j, EPOLL_CTL_ADD, tofd, &ev);
		usock_put(held[k]);
	}
	free(held);
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
		if ((n = half_wait(ep, events, maxevents)) < 0)
			break;
		/* what it took may have emptied the half (edge-triggered or
		 * one-shot items reported, items found no longer ready) */
		if (atomic_load(&ep->ready))
			epoll_half_refresh(ep);
		if (n < maxevents && (k = libc.epoll_wait(epfd, events + n, maxevents - n, 0)) > 0)
			n += mirror_filter(events + n, k);
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
