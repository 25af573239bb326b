/* Drivers around the event-driven core: the stack lock, how a blocking
 * call waits, and the optional stack thread.
 *
 * The core never sleeps and never reads a clock by itself; a call that
 * must block asks stack_wait() to let time pass. Three cases:
 *  - a simulator host: the simulator's wait hook moves the whole simulated
 *    world to its next event, so every host makes progress while one
 *    application call blocks;
 *  - a stack thread runs the stack: the caller sleeps on a condition
 *    variable that the thread broadcasts whenever a socket woke up;
 *  - neither: the caller runs the stack itself (poll, then sleep until the
 *    next timer or a short device-polling interval).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/fault.h"
#include "net/stack.h"
#include "net/stack_group.h"
#include "usertcp/socket.h"

/* When no stack thread runs, a blocked call that waits on devices without
 * a descriptor (application devices fed by ut_dev_input from another
 * thread) polls them this often. */
#define DEVICE_POLL_INTERVAL_NS (1 * NSEC_PER_MSEC)
/* Device descriptors a wait watches at once; devices beyond are polled at
 * DEVICE_POLL_INTERVAL_NS. */
#define WAIT_MAX_FDS 16

struct stack_thread {
	pthread_t tid;
	pthread_cond_t wake_cond; /* application threads blocked in calls */
	int kick[2];		  /* pipe: wakes the stack thread */
	bool kicked;
	bool stop;
	uint64_t sleep_until; /* ns the thread sleeps until */
};

/* Which thread holds a stack's lock, so that ut_dev_input called from
 * inside the stack (a driver's transmit callback looping a frame back)
 * does not take the lock a second time. Kept in the stack rather than in
 * thread-local storage: the library has no per-process or per-thread
 * variables. A thread compares the owner with itself only: if it holds
 * the lock it wrote itself there last; if not, the field holds another
 * thread or 0, never itself (it wrote 0 when it let go). */
_Static_assert(sizeof(pthread_t) <= sizeof(uintptr_t), "pthread_t fits a uintptr_t");

static uintptr_t thread_token(void)
{
	return (uintptr_t)pthread_self();
}

static void stack_enter(struct ut_stack *stack)
{
	stack->in_call = true;
	if (!stack->batch)
		stack->now_valid = false;
	atomic_store_explicit(&stack->lock_owner, thread_token(), memory_order_relaxed);
}

static void stack_leave(struct ut_stack *stack)
{
	stack->in_call = false;
	if (!stack->batch)
		stack->now_valid = false;
	atomic_store_explicit(&stack->lock_owner, 0, memory_order_relaxed);
}

bool stack_lock_held(const struct ut_stack *stack)
{
	return atomic_load_explicit(&stack->lock_owner, memory_order_relaxed) == thread_token();
}

void stack_lock(struct ut_stack *stack)
{
	pthread_mutex_lock(&stack->lock);
	stack_enter(stack);
}

static void thread_kick(struct stack_thread *t)
{
	if (!t->kicked) {
		t->kicked = true;
		ssize_t n = write(t->kick[1], "k", 1);
		(void)n; /* a full pipe is already a kick */
	}
}

void stack_kick_thread(struct ut_stack *stack)
{
	if (stack->thread)
		thread_kick(stack->thread);
}

/* A socket woke: the threads blocked in calls re-check their conditions,
 * and so does whoever waits for the stack's sockets from outside it. */
static void wake_blocked(struct ut_stack *stack)
{
	stack->wake_pending = false;
	if (stack->thread)
		pthread_cond_broadcast(&stack->thread->wake_cond);
	if (stack->wake_hook)
		stack->wake_hook(stack->wake_hook_arg);
}

/* After a call changed the stack: wake blocked threads if a socket woke,
 * and the stack thread if work is now due earlier than it planned. */
static void thread_notify(struct ut_stack *stack)
{
	struct stack_thread *t = stack->thread;

	if (stack->wake_pending)
		wake_blocked(stack);
	if (ut_stack_next_deadline(stack) < t->sleep_until)
		thread_kick(t);
}

/* Linux's loopback transmit queues the packet for the receive softirq,
 * which runs when the sending call re-enables bottom halves, before the
 * call returns: a connect to 127.0.0.1 has its answer (SYN-ACK or RST),
 * a send its ACK, a close its FIN delivered by then. A stack thread
 * would take them in a moment later, which a program may see (a poll
 * right after the call); so the calling thread takes them in itself,
 * in rounds while each round's answers go out on loopback again. */
#define LOOPBACK_INLINE_ROUNDS 64

static void loopback_run(struct ut_stack *stack)
{
	struct net_device *lo = stack->loopback;

	for (int i = 0; i < LOOPBACK_INLINE_ROUNDS && lo && !skb_queue_empty(&lo->backlog); i++) {
		netdev_poll_rx(lo, NAPI_POLL_WEIGHT);
		stack_flush_tx(stack);
	}
}

void stack_unlock(struct ut_stack *stack)
{
	stack_flush_tx(stack);
	if (stack->thread && stack->loopback_inline)
		loopback_run(stack);
	if (stack->thread)
		thread_notify(stack);
	else if (stack->wake_pending)
		wake_blocked(stack);
	stack_leave(stack);
	pthread_mutex_unlock(&stack->lock);
}

/* Fills pfd[from..] with the descriptors of the stack's devices, and the
 * one a stack of a group is woken through when another hands it a
 * packet; sets *unwatched if some device has none (or there are too
 * many) and must be polled instead. Returns the number of entries used;
 * pfd has room for WAIT_MAX_FDS + 2. */
static unsigned device_pollfds(const struct ut_stack *stack, struct pollfd *pfd, unsigned from,
			       bool *unwatched)
{
	unsigned n = from;

	*unwatched = false;
	if (stack_group_fd(stack) >= 0)
		pfd[n++] = (struct pollfd){.fd = stack_group_fd(stack), .events = POLLIN};
	for (const struct net_device *dev = stack->devs; dev; dev = dev->next) {
		if (dev == stack->loopback)
			continue;
		if (dev->fd < 0 || n >= WAIT_MAX_FDS + 1) {
			*unwatched = true;
			continue;
		}
		pfd[n++] = (struct pollfd){.fd = dev->fd, .events = POLLIN};
	}
	return n;
}

/* After a sleep (ppoll's result rc): counts it on each device whose
 * descriptor it watched (pfd[from..nfds)) and marks the ones it found
 * unreadable, so their next poll skips a read that would return EAGAIN.
 * A failed ppoll (EINTR) filled in no revents: no marks then. The list is
 * walked again under the lock because a device may have gone while the
 * lock was free; a descriptor closed meanwhile reads POLLNVAL, never 0. */
static void device_after_wait(struct ut_stack *stack, const struct pollfd *pfd, unsigned from,
			      unsigned nfds, int rc)
{
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		for (unsigned i = from; dev->fd >= 0 && i < nfds; i++)
			if (pfd[i].fd == dev->fd) {
				dev->stats.poll_waits++;
				dev->rx_idle = rc >= 0 && pfd[i].revents == 0;
				break;
			}
}

static struct timespec *timeout_until(uint64_t next, uint64_t now, struct timespec *ts)
{
	if (next == UINT64_MAX)
		return NULL;
	uint64_t d = next > now ? next - now : 0;
	ts->tv_sec = (time_t)(d / NSEC_PER_SEC);
	ts->tv_nsec = (long)(d % NSEC_PER_SEC);
	return ts;
}

static int wait_on_thread(struct ut_stack *stack, uint64_t deadline)
{
	struct stack_thread *t = stack->thread;
	uint64_t seq = stack->wake_seq;

	stack_flush_tx(stack);
	thread_notify(stack);
	while (seq == stack->wake_seq) {
		stack_clock_refresh(stack);
		if (deadline != UINT64_MAX && stack_now(stack) >= deadline)
			return -ETIMEDOUT;
		stack_leave(stack);
		if (deadline == UINT64_MAX) {
			pthread_cond_wait(&t->wake_cond, &stack->lock);
		} else {
			struct timespec ts = {(time_t)(deadline / NSEC_PER_SEC),
					      (long)(deadline % NSEC_PER_SEC)};
			pthread_cond_timedwait(&t->wake_cond, &stack->lock, &ts);
		}
		/* the stack thread may have had the lock meanwhile */
		stack_enter(stack);
	}
	stack_clock_refresh(stack);
	return 0;
}

/* No stack thread: the blocked caller runs the stack itself, sleeping
 * until the next timer, a device's descriptor or the deadline. */
static int wait_by_polling(struct ut_stack *stack, uint64_t deadline)
{
	struct pollfd pfd[WAIT_MAX_FDS + 2];
	struct timespec ts;
	bool unwatched;
	unsigned nfds;

	stack_flush_tx(stack);
	if (stack_poll_locked(stack) > 0)
		return 0;
	uint64_t now = stack_now(stack);
	if (deadline != UINT64_MAX && now >= deadline)
		return -ETIMEDOUT;
	uint64_t next = ut_stack_next_deadline(stack);
	nfds = device_pollfds(stack, pfd, 0, &unwatched);
	if (next == UINT64_MAX && deadline == UINT64_MAX && nfds == 0 && !unwatched)
		return -EDEADLK;
	if (unwatched && next > now + DEVICE_POLL_INTERVAL_NS)
		next = now + DEVICE_POLL_INTERVAL_NS;
	if (deadline < next)
		next = deadline;
	stack_leave(stack);
	pthread_mutex_unlock(&stack->lock);
	int rc = ppoll(pfd, nfds, timeout_until(next, now, &ts), NULL);
	pthread_mutex_lock(&stack->lock);
	stack_enter(stack);
	device_after_wait(stack, pfd, 0, nfds, rc);
	stack_clock_refresh(stack); /* a batch's time too: the wait took time */
	stack_poll_locked(stack);
	return 0;
}

int stack_wait(struct ut_stack *stack, uint64_t deadline)
{
	if (stack->thread)
		return wait_on_thread(stack, deadline);
	if (stack->wait_fn) {
		stack_flush_tx(stack);
		stack->wake_pending = false;
		stack_leave(stack);
		pthread_mutex_unlock(&stack->lock);
		int rc = stack->wait_fn(stack->wait_arg, deadline);
		pthread_mutex_lock(&stack->lock);
		stack_enter(stack);
		stack_clock_refresh(stack);
		return rc;
	}
	return wait_by_polling(stack, deadline);
}

UT_EXPORT void ut_stack_set_wake_hook(struct ut_stack *stack, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&stack->lock);
	stack->wake_hook = fn;
	stack->wake_hook_arg = arg;
	pthread_mutex_unlock(&stack->lock);
}

/* ---- the stack thread ---------------------------------------------------------*/

static void *stack_thread_main(void *arg)
{
	struct ut_stack *stack = arg;
	struct stack_thread *t = stack->thread;

	/* A name for top -H and perf, as Linux names its threads (ksoftirqd/N). */
	(void)pthread_setname_np(pthread_self(), "ut-stack");

	pthread_mutex_lock(&stack->lock);
	stack_enter(stack);
	while (!t->stop) {
		stack_clock_refresh(stack);
		stack_poll_locked(stack);
		stack_flush_tx(stack);
		if (stack->wake_pending)
			wake_blocked(stack);
		uint64_t now = stack_now(stack);
		uint64_t next = ut_stack_next_deadline(stack);
		if (next <= now) {
			/* More is due at once (a device with a full batch
			 * waiting): let application threads have the lock
			 * between rounds, so a steady stream of input cannot
			 * lock them out. */
			stack_leave(stack);
			pthread_mutex_unlock(&stack->lock);
			sched_yield();
			pthread_mutex_lock(&stack->lock);
			stack_enter(stack);
			continue;
		}
		/* Sleep until the next timer, a kick (a call changed
		 * something, ut_dev_input queued a frame) or a device's
		 * descriptor becoming readable. */
		struct pollfd pfd[WAIT_MAX_FDS + 2];
		struct timespec ts;
		bool unwatched;
		pfd[0] = (struct pollfd){.fd = t->kick[0], .events = POLLIN};
		unsigned nfds = device_pollfds(stack, pfd, 1, &unwatched);
		if (unwatched && next > now + DEVICE_POLL_INTERVAL_NS)
			next = now + DEVICE_POLL_INTERVAL_NS;
		t->sleep_until = next;
		stack_leave(stack);
		pthread_mutex_unlock(&stack->lock);
		int rc = ppoll(pfd, nfds, timeout_until(next, now, &ts), NULL);

		pthread_mutex_lock(&stack->lock);
		stack_enter(stack);
		device_after_wait(stack, pfd, 1, nfds, rc);
		t->sleep_until = 0;
		if (t->kicked) {
			char buf[64];
			while (read(t->kick[0], buf, sizeof(buf)) > 0)
				;
			t->kicked = false;
		}
	}
	stack_leave(stack);
	pthread_mutex_unlock(&stack->lock);
	return NULL;
}

UT_EXPORT int ut_stack_thread_start(struct ut_stack *stack)
{
	struct stack_thread *t;
	pthread_condattr_t attr;
	int err;

	if (stack->clock != ut_clock_monotonic() || stack->wait_fn)
		return -EINVAL;
	pthread_mutex_lock(&stack->lock);
	if (stack->thread) {
		pthread_mutex_unlock(&stack->lock);
		return -EALREADY;
	}
	t = ut_calloc(1, sizeof(*t));
	if (!t) {
		pthread_mutex_unlock(&stack->lock);
		return -ENOMEM;
	}
	if (pipe2(t->kick, O_NONBLOCK | O_CLOEXEC) < 0) {
		err = -errno;
		free(t);
		pthread_mutex_unlock(&stack->lock);
		return err;
	}
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake_cond, &attr);
	pthread_condattr_destroy(&attr);
	stack->thread = t;
	err = pthread_create(&t->tid, NULL, stack_thread_main, stack);
	if (err) {
		stack->thread = NULL;
		pthread_cond_destroy(&t->wake_cond);
		close(t->kick[0]);
		close(t->kick[1]);
		free(t);
		pthread_mutex_unlock(&stack->lock);
		return -err;
	}
	pthread_mutex_unlock(&stack->lock);
	return 0;
}

UT_EXPORT void ut_stack_thread_stop(struct ut_stack *stack)
{
	struct stack_thread *t;

	pthread_mutex_lock(&stack->lock);
	t = stack->thread;
	if (!t) {
		pthread_mutex_unlock(&stack->lock);
		return;
	}
	t->stop = true;
	stack->wake_seq++;
	thread_kick(t);
	pthread_mutex_unlock(&stack->lock);
	pthread_join(t->tid, NULL);
	pthread_mutex_lock(&stack->lock);
	stack->thread = NULL;
	/* Threads still blocked in calls fall back to polling themselves. */
	pthread_cond_broadcast(&t->wake_cond);
	pthread_mutex_unlock(&stack->lock);
	pthread_cond_destroy(&t->wake_cond);
	close(t->kick[0]);
	close(t->kick[1]);
	free(t);
}
