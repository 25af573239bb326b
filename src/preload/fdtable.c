/* The table from the process's descriptor numbers to usertcp sockets, as
 * Linux's fdtable maps numbers to struct file.
 *
 * Each usertcp socket holds a real descriptor (an eventfd, opened by the
 * caller), so the number comes from the kernel's own allocator: it never
 * collides with a file opened later, stays under FD_SETSIZE as long as the
 * program's other descriptors do, and close-on-exec is the kernel's flag
 * on it. The table is an array indexed by that number; a descriptor the
 * kernel owns reads NULL there, which costs an interposed read() on a file
 * one atomic load.
 *
 * Lifetime: a usock has one reference per descriptor naming it (dup adds
 * one) and one per call in progress, as Linux's file has per fget. A
 * reference is taken under the stripe lock of its slot, so that close()
 * on another thread cannot free it between the load and the increment;
 * the last usock_put closes the stack's socket (the FIN leaves then, as
 * on Linux at the last fput, not at the close() of one of several
 * descriptors). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "preload.h"

#define STRIPES 64

static _Atomic(struct usock *) *fdtable;
static unsigned fdtable_size;
static pthread_mutex_t stripe[STRIPES];
static pthread_once_t fdtable_once = PTHREAD_ONCE_INIT;
static int fdtable_err;

static void fdtable_setup(void)
{
	struct rlimit rl;
	unsigned n = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FDTABLE_MAX
			    ? FDTABLE_MAX
			    : (unsigned)rl.rlim_max;
	if (n < 1024)
		n = 1024;
	for (unsigned i = 0; i < STRIPES; i++)
		pthread_mutex_init(&stripe[i], NULL);
	fdtable = calloc(n, sizeof(*fdtable));
	if (!fdtable) {
		fdtable_err = -ENOMEM;
		return;
	}
	fdtable_size = n;
}

int fdtable_init(void)
{
	pthread_once(&fdtable_once, fdtable_setup);
	return fdtable_err;
}

static bool in_table(int fd)
{
	return fd >= 0 && fdtable && (unsigned)fd < fdtable_size;
}

bool fdtable_is_usock(int fd)
{
	return in_table(fd) && atomic_load_explicit(&fdtable[fd], memory_order_acquire) != NULL;
}

atomic_bool preload_dying;

void preload_dying_wait(void)
{
	for (;;)
		pause();
}

struct usock *usock_get(int fd)
{
	struct usock *us;

	if (!in_table(fd) || !atomic_load_explicit(&fdtable[fd], memory_order_acquire))
		return NULL;
	if (atomic_load_explicit(&preload_dying, memory_order_relaxed))
		preload_dying_wait();
	pthread_mutex_lock(&stripe[fd % STRIPES]);
	us = atomic_load_explicit(&fdtable[fd], memory_order_acquire);
	if (us)
		atomic_fetch_add(&us->refs, 1);
	pthread_mutex_unlock(&stripe[fd % STRIPES]);
	return us;
}

struct usock *usock_get_sock(int fd)
{
	struct usock *us = usock_get(fd);

	if (us && us->epoll) {
		usock_put(us);
		return NULL;
	}
	return us;
}

struct usock_span *usock_span_new(struct usock *us, unsigned n)
{
	struct usock_span *sp = calloc(1, sizeof(*sp) + n * sizeof(sp->fd[0]));
	int self = preload_stack_index(us->stack);

	if (!sp) {
		errno = ENOMEM;
		return NULL;
	}
	sp->n = n;
	for (unsigned i = 0; i < n; i++)
		atomic_init(&sp->fd[i], (int)i == self ? us->fd : -1);
	return sp;
}

void usock_close_stack(struct usock *us)
{
	struct usock_span *sp = atomic_load(&us->span);

	if (atomic_exchange(&us->closed, true))
		return;
	if (!sp) {
		ut_close(us->stack, us->fd);
		return;
	}
	for (unsigned i = 0; i < sp->n; i++) {
		int fd = atomic_load(&sp->fd[i]);
		if (fd >= 0)
			ut_close(preload_stack_at(i), fd);
	}
}

void usock_put(struct usock *us)
{
	if (atomic_fetch_sub(&us->refs, 1) != 1)
		return;
	if (us->epoll)
		epoll_half_release(us);
	usock_close_stack(us);
	for (struct sockopt_rec *o = us->opts, *next; o; o = next) {
		next = o->next;
		free(o);
	}
	pthread_mutex_destroy(&us->opts_lock);
	free(atomic_load(&us->span));
	free(us);
}

long usock_done(struct usock *us, long rc)
{
	int e = errno;

	if (atomic_load_explicit(&epoll_watched_ready, memory_order_relaxed)) {
		struct usock_span *sp = atomic_load(&us->span);
		if (!sp || us->epoll) {
			epoll_halves_refresh(us->stack);
		} else {
			for (unsigned i = 0; i < sp->n; i++)
				if (atomic_load(&sp->fd[i]) >= 0)
					epoll_halves_refresh(preload_stack_at(i));
		}
	}
	usock_put(us);
	if (atomic_load_explicit(&preload_dying, memory_order_relaxed))
		preload_dying_wait();
	errno = e;
	return rc;
}

/* Puts us (NULL: nothing) at fd under its stripe lock; returns what was
 * there, whose reference the caller now holds. */
static struct usock *fdtable_swap(int fd, struct usock *us)
{
	struct usock *old;

	pthread_mutex_lock(&stripe[fd % STRIPES]);
	old = atomic_exchange_explicit(&fdtable[fd], us, memory_order_acq_rel);
	pthread_mutex_unlock(&stripe[fd % STRIPES]);
	return old;
}

struct usock *usock_alloc(struct ut_stack *stack, int utfd, bool epoll)
{
	struct usock *us = calloc(1, sizeof(*us));

	if (!us)
		return NULL;
	us->stack = stack;
	us->fd = utfd;
	us->epoll = epoll;
	us->ready_efd = -1;
	atomic_init(&us->refs, 1);
	atomic_init(&us->nonblock, false);
	atomic_init(&us->closed, false);
	atomic_init(&us->span, NULL);
	pthread_mutex_init(&us->opts_lock, NULL);
	return us;
}

int fdtable_install_new(int fd, struct usock *us)
{
	struct usock *old;

	if (fdtable_init() < 0 || !in_table(fd))
		return -ENOMEM;
	old = fdtable_swap(fd, us);
	/* The number was free in the kernel a moment ago, so nothing of
	 * ours can be there; were it (a close we did not see), it goes. */
	if (old)
		usock_put(old);
	return 0;
}

void fdtable_install(int fd, struct usock *us)
{
	struct usock *old;

	if (!in_table(fd))
		return;
	atomic_fetch_add(&us->refs, 1);
	old = fdtable_swap(fd, us);
	if (old)
		usock_put(old);
}

bool fdtable_remove(int fd)
{
	struct usock *old;

	if (!fdtable_is_usock(fd))
		return false;
	old = fdtable_swap(fd, NULL);
	if (!old)
		return false;
	usock_put(old);
	return true;
}

unsigned fdtable_clear(bool close_them)
{
	unsigned n = 0;

	for (unsigned fd = 0; fdtable && fd < fdtable_size; fd++) {
		if (!atomic_load_explicit(&fdtable[fd], memory_order_acquire))
			continue;
		struct usock *old = fdtable_swap((int)fd, NULL);
		if (!old)
			continue;
		n++;
		if (!close_them)
			continue;
		usock_close_stack(old);
		usock_put(old);
	}
	return n;
}
