/* poll, ppoll, select and pselect over any mix of descriptors, and the
 * waiters that let a usertcp socket's readiness reach the kernel's
 * waiting without busy polling (fs/select.c's part in Linux).
 *
 * A set of kernel descriptors only is the kernel's call, untouched. A set
 * with usertcp sockets is split: the sockets are asked with ut_poll
 * without waiting, the kernel's descriptors with ppoll; if neither half
 * is ready, the thread sleeps in the kernel's ppoll on the kernel half
 * plus an eventfd of its own, which the stack's wake hook writes whenever
 * one of its sockets woke (usertcp/socket.h, ut_stack_set_wake_hook).
 * The thread parks its eventfd before asking the sockets and empties it
 * before each round, so a wake between the question and the sleep ends
 * the sleep at once rather than being lost. Sleeping in the kernel also
 * means a signal interrupts the wait (EINTR) and ppoll's signal mask
 * applies, as for a kernel socket. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* ---- time ------------------------------------------------------------------------*/

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t deadline_after(const struct timespec *timeout)
{
	if (!timeout)
		return UINT64_MAX;
	return now_ns() + (uint64_t)timeout->tv_sec * 1000000000u + (uint64_t)timeout->tv_nsec;
}

const struct timespec *timeout_left(uint64_t deadline, struct timespec *ts)
{
	if (deadline == UINT64_MAX)
		return NULL;
	uint64_t now = now_ns(), d = deadline > now ? deadline - now : 0;
	ts->tv_sec = (time_t)(d / 1000000000u);
	ts->tv_nsec = (long)(d % 1000000000u);
	return ts;
}

/* ---- the waiters -----------------------------------------------------------------*/

static pthread_mutex_t waiters_lock = PTHREAD_MUTEX_INITIALIZER;
static struct waiter *waiters;
static atomic_uint nwaiters;

/* What a thread keeps: its eventfd and its scratch arrays, freed when the
 * thread exits. */
struct thread_state {
	int efd;
	struct poll_scratch scratch;
	void *copy_buf;
};
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

static void thread_state_free(void *p)
{
	struct thread_state *ts = p;

	if (ts->efd >= 0)
		libc.close(ts->efd);
	free(ts->scratch.kfds);
	free(ts->scratch.ufds);
	free(ts->scratch.kidx);
	free(ts->scratch.uidx);
	free(ts->scratch.us);
	free(ts->scratch.selfds);
	free(ts->copy_buf);
	free(ts);
}

static void thread_key_make(void)
{
	pthread_key_create(&thread_key, thread_state_free);
}

static struct thread_state *thread_state(void)
{
	struct thread_state *ts;

	pthread_once(&thread_key_once, thread_key_make);
	ts = pthread_getspecific(thread_key);
	if (ts)
		return ts;
	ts = calloc(1, sizeof(*ts));
	if (!ts) {
		errno = ENOMEM;
		return NULL;
	}
	ts->efd = -1;
	pthread_setspecific(thread_key, ts);
	return ts;
}

int waiter_fd(void)
{
	struct thread_state *ts = thread_state();

	if (!ts)
		return -1;
	if (ts->efd < 0)
		ts->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return ts->efd;
}

void *thread_copy_buf(void)
{
	struct thread_state *ts = thread_state();

	if (ts && !ts->copy_buf && !(ts->copy_buf = malloc(PRELOAD_COPY_BUF)))
		errno = ENOMEM;
	return ts ? ts->copy_buf : NULL;
}

struct poll_scratch *poll_scratch(size_t n)
{
	struct thread_state *ts = thread_state();
	struct poll_scratch *s;

	if (!ts)
		return NULL;
	s = &ts->scratch;
	if (!s->selfds && !(s->selfds = calloc(FD_SETSIZE, sizeof(*s->selfds))))
		goto nomem;
	if (n <= s->cap)
		return s;
	size_t cap = n < 64 ? 64 : n;
	struct pollfd *k = realloc(s->kfds, cap * sizeof(*k));
	if (k)
		s->kfds = k;
	struct pollfd *u = realloc(s->ufds, cap * sizeof(*u));
	if (u)
		s->ufds = u;
	int *ki = realloc(s->kidx, cap * sizeof(*ki));
	if (ki)
		s->kidx = ki;
	int *ui = realloc(s->uidx, cap * sizeof(*ui));
	if (ui)
		s->uidx = ui;
	struct usock **us = realloc(s->us, cap * sizeof(*us));
	if (us)
		s->us = us;
	if (!k || !u || !ki || !ui || !us)
		goto nomem;
	s->cap = cap;
	return s;
nomem:
	errno = ENOMEM;
	return NULL;
}

void waiter_park(struct waiter *w, int efd)
{
	w->efd = efd;
	w->prev = NULL;
	pthread_mutex_lock(&waiters_lock);
	w->next = waiters;
	if (waiters)
		waiters->prev = w;
	waiters = w;
	atomic_fetch_add(&nwaiters, 1);
	pthread_mutex_unlock(&waiters_lock);
}

void waiter_unpark(struct waiter *w)
{
	pthread_mutex_lock(&waiters_lock);
	if (w->prev)
		w->prev->next = w->next;
	else
		waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	atomic_fetch_sub(&nwaiters, 1);
	pthread_mutex_unlock(&waiters_lock);
}

void waiter_drain(int efd)
{
	uint64_t v;

	while (libc.read(efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

void waiter_wake_all(void *arg)
{
	static const uint64_t one = 1;

	epoll_halves_refresh_locked(arg);
	/* Most wakes find nobody parked: one load. */
	if (!atomic_load_explicit(&nwaiters, memory_order_acquire))
		return;
	int e = errno;
	pthread_mutex_lock(&waiters_lock);
	for (struct waiter *w = waiters; w; w = w->next) {
		ssize_t n = libc.write(w->efd, &one, sizeof(one));
		(void)n; /* a full counter is already a wake */
	}
	pthread_mutex_unlock(&waiters_lock);
	errno = e;
}

/* ---- a blocking call's wait ----------------------------------------------------- */

/* A signal the thread's own fault raises (a bad access, a trap), which
 * cannot be what interrupted a sleep; sanitizers and crash reporters
 * catch these without SA_RESTART. */
static bool synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGTRAP || sig == SIGSYS;
}

/* Whether Linux would restart a call a signal interrupted: only if every
 * handler that may have run asked for it (SA_RESTART). Which signal came
 * is not known here, so every caught one is looked at; it happens once a
 * signal, not once a call. */
static bool signals_restart(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP || synchronous(sig) ||
		    sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN &&
		    !(sa.sa_flags & SA_RESTART))
			return false;
	}
	return true;
}

int usock_poll(struct usock *us, short events, short *revents)
{
	struct usock_span *sp = atomic_load(&us->span);
	struct pollfd pfd = {.fd = us->fd, .events = events};
	int rc;

	*revents = 0;
	if (!sp) {
		rc = ut_poll(us->stack, &pfd, 1, 0);
		*revents = pfd.revents;
		return rc;
	}
	/* a listener on every stack: ready when any of its twins is; each
	 * asked under its own stack's lock, one at a time */
	for (unsigned i = 0; i < sp->n; i++) {
		if ((pfd.fd = atomic_load(&sp->fd[i])) < 0)
			continue;
		pfd.revents = 0;
		if ((rc = ut_poll(preload_stack_at(i), &pfd, 1, 0)) < 0)
			return rc;
		*revents |= pfd.revents;
	}
	return *revents != 0;
}

int usock_wait(struct usock *us, short events, int timeo_opt, uint64_t *deadline)
{
	struct timespec left;
	short revents;
	struct waiter w;
	bool timed;
	int efd, rc;

	if (*deadline == 0) {
		struct timeval tv = {0, 0};
		socklen_t len = sizeof(tv);
		ut_getsockopt(us->stack, us->fd, SOL_SOCKET, timeo_opt, &tv, &len);
		if (tv.tv_sec == 0 && tv.tv_usec == 0) {
			*deadline = UINT64_MAX;
		} else {
			struct timespec ts = {tv.tv_sec, tv.tv_usec * 1000};
			*deadline = deadline_after(&ts);
		}
	}
	timed = *deadline != UINT64_MAX;
	if ((efd = waiter_fd()) < 0)
		return -1;
	waiter_park(&w, efd);
	for (;;) {
		struct pollfd wake = {.fd = efd, .events = POLLIN};

		waiter_drain(efd);
		if ((rc = usock_poll(us, events, &revents)) != 0)
			break; /* ready (or the stack's error): try the call */
		const struct timespec *t = timeout_left(*deadline, &left);
		if (t && t->tv_sec == 0 && t->tv_nsec == 0) {
			errno = EAGAIN;
			rc = -1;
			break;
		}
		if (libc.ppoll(&wake, 1, t, NULL) < 0) {
			if (errno == EINTR && !timed && signals_restart())
				continue;
			rc = -1;
			break;
		}
	}
	int e = errno;
	waiter_unpark(&w);
	errno = e;
	return rc < 0 ? -1 : 0;
}

/* ---- poll ------------------------------------------------------------------------*/

/* ut_poll without waiting on the usertcp half of a split poll, s->ufds[0
 * .. nu): the sockets of one stack that sit together asked in one call
 * under that stack's lock (with one stack, all of them at once), a
 * listener on every stack through its twins. The number of entries with
 * events, or -1. */
static int poll_usocks(struct poll_scratch *s, nfds_t nu)
{
	int ready = 0, r;

	for (nfds_t j = 0, k; j < nu; j = k) {
		struct usock *us = s->us[j];

		k = j + 1;
		if (atomic_load(&us->span)) {
			if ((r = usock_poll(us, s->ufds[j].events, &s->ufds[j].revents)) < 0)
				return -1;
			ready += r > 0;
			continue;
		}
		while (k < nu && s->us[k]->stack == us->stack && !atomic_load(&s->us[k]->span))
			k++;
		if ((r = ut_poll(us->stack, &s->ufds[j], k - j, 0)) < 0)
			return -1;
		ready += r;
	}
	return ready;
}

int preload_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		 const sigset_t *sigmask)
{
	static const struct timespec zero = {0, 0};
	struct poll_scratch *s;
	nfds_t nk = 0, nu = 0;
	struct waiter w;
	int efd, rc = -1;

	if (!(s = poll_scratch(nfds + 1)) || (efd = waiter_fd()) < 0)
		return -1;
	for (nfds_t i = 0; i < nfds; i++) {
		struct usock *us = usock_get(fds[i].fd);
		fds[i].revents = 0;
		if (us && us->epoll) {
			/* an epoll instance is the kernel's to poll, its usertcp
			 * half seen through its mirror (eventpoll.c), which a
			 * call that took the half's events may have left set */
			if (atomic_load(&us->ready))
				epoll_half_refresh(us);
			usock_put(us);
			us = NULL;
		}
		if (us) {
			s->us[nu] = us;
			s->ufds[nu] = (struct pollfd){.fd = us->fd, .events = fds[i].events};
			s->uidx[nu++] = (int)i;
		} else {
			s->kfds[nk] = fds[i];
			s->kidx[nk++] = (int)i;
		}
	}
	s->kfds[nk] = (struct pollfd){.fd = efd, .events = POLLIN};
	uint64_t deadline = deadline_after(timeout);
	waiter_park(&w, efd);
	for (;;) {
		struct timespec left;
		int ru = 0, rk;

		waiter_drain(efd);
		if (nu && (ru = poll_usocks(s, nu)) < 0)
			break;
		rk = libc.ppoll(s->kfds, nk + 1, ru > 0 ? &zero : timeout_left(deadline, &left),
				sigmask);
		if (rk < 0)
			break;
		if (s->kfds[nk].revents)
			rk--;
		/* something ready, or the time is up (nothing ready, or only
		 * our eventfd at the deadline: a zero timeout makes one round
		 * however busy the stack is) */
		if (ru + rk > 0 || !s->kfds[nk].revents ||
		    (deadline != UINT64_MAX && timeout_left(deadline, &left)->tv_sec == 0 &&
		     left.tv_nsec == 0)) {
			for (nfds_t j = 0; j < nk; j++)
				fds[s->kidx[j]].revents = s->kfds[j].revents;
			for (nfds_t j = 0; j < nu; j++)
				fds[s->uidx[j]].revents = s->ufds[j].revents;
			rc = ru + rk;
			break;
		}
		/* only our eventfd: a socket woke; ask again */
	}
	int e = errno;
	waiter_unpark(&w);
	for (nfds_t j = 0; j < nu; j++)
		usock_put(s->us[j]);
	if (atomic_load_explicit(&preload_dying, memory_order_relaxed))
		preload_dying_wait();
	errno = e;
	return rc;
}

static bool any_usock(const struct pollfd *fds, nfds_t nfds)
{
	for (nfds_t i = 0; i < nfds; i++)
		if (fdtable_is_usock(fds[i].fd))
			return true;
	return false;
}

EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec ts;

	preload_resolve();
	if (!any_usock(fds, nfds))
		return libc.poll(fds, nfds, timeout);
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000;
	}
	return preload_poll(fds, nfds, timeout < 0 ? NULL : &ts, NULL);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		 const sigset_t *sigmask)
{
	preload_resolve();
	if (!any_usock(fds, nfds))
		return libc.ppoll(fds, nfds, timeout, sigmask);
	if (timeout &&
	    (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
		errno = EINVAL;
		return -1;
	}
	return preload_poll(fds, nfds, timeout, sigmask);
}

EXPORT int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return poll(fds, nfds, timeout);
}

EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
		       const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return ppoll(fds, nfds, timeout, sigmask);
}

/* ---- select ------------------------------------------------------------------------
 * As poll, each descriptor of the sets asked for what Linux's select asks
 * (fs/select.c): readable is POLLIN, POLLHUP or POLLERR; writable POLLOUT
 * or POLLERR; exceptional POLLPRI. */
#define SEL_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX (POLLPRI)

static bool any_usock_in(int nfds, const fd_set *r, const fd_set *w, const fd_set *e)
{
	for (int fd = 0; fd < nfds; fd++)
		if (((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))) &&
		    fdtable_is_usock(fd))
			return true;
	return false;
}

static int select_split(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
			const sigset_t *sigmask)
{
	struct poll_scratch *s = poll_scratch(1);
	nfds_t n = 0;
	int rc, count = 0;

	if (!s)
		return -1;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) |
				   (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				   (e && FD_ISSET(fd, e) ? POLLPRI : 0));
		if (ev)
			s->selfds[n++] = (struct pollfd){.fd = fd, .events = ev};
	}
	/* preload_poll uses the other scratch arrays, not selfds */
	rc = preload_poll(s->selfds, n, timeout, sigmask);
	if (rc < 0)
		return -1;
	for (nfds_t i = 0; i < n; i++)
		if (s->selfds[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (nfds_t i = 0; i < n; i++) {
		const struct pollfd *p = &s->selfds[i];
		if (r && (p->events & POLLIN) && (p->revents & SEL_IN)) {
			FD_SET(p->fd, r);
			count++;
		}
		if (w && (p->events & POLLOUT) && (p->revents & SEL_OUT)) {
			FD_SET(p->fd, w);
			count++;
		}
		if (e && (p->events & POLLPRI) && (p->revents & SEL_EX)) {
			FD_SET(p->fd, e);
			count++;
		}
	}
	return count;
}

EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct timespec ts;
	uint64_t deadline;
	int rc;

	preload_resolve();
	if (nfds < 0 || nfds > FD_SETSIZE || !any_usock_in(nfds, r, w, e))
		return libc.select(nfds, r, w, e, tv);
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0)) {
		errno = EINVAL;
		return -1;
	}
	if (tv) {
		ts.tv_sec = tv->tv_sec + tv->tv_usec / 1000000;
		ts.tv_nsec = (long)(tv->tv_usec % 1000000) * 1000;
	}
	deadline = deadline_after(tv ? &ts : NULL);
	rc = select_split(nfds, r, w, e, tv ? &ts : NULL, NULL);
	/* Linux writes back the time that was left */
	if (tv) {
		int err = errno;
		timeout_left(deadline, &ts);
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
		errno = err;
	}
	return rc;
}

EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
		   const sigset_t *sigmask)
{
	preload_resolve();
	if (nfds < 0 || nfds > FD_SETSIZE || !any_usock_in(nfds, r, w, e))
		return libc.pselect(nfds, r, w, e, timeout, sigmask);
	if (timeout &&
	    (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
		errno = EINVAL;
		return -1;
	}
	return select_split(nfds, r, w, e, timeout, sigmask);
}
