/* poll and epoll on usertcp descriptors: Linux's fs/select.c (do_poll) and
 * fs/eventpoll.c, same semantics and error numbers.
 *
 * An epoll instance (struct eventpoll) holds one item (struct epitem) per
 * watched descriptor, and a ready list of the items that may have
 * something to report. A watched file keeps the items that watch it on
 * file->f_ep; when a protocol says the file's readiness changed
 * (file_wake), each of those items whose interest matches the hint goes on
 * its instance's ready list. epoll_wait only looks at the ready list: it
 * polls each item there again, reports what is really ready, and keeps
 * level-triggered items on the list for the next call. Its cost is the
 * number of ready items, never the number watched.
 *
 *   - level-triggered (default): reported by every wait while ready;
 *   - EPOLLET: reported once per wakeup of the file (new data, new space,
 *     state change), then off the list until the next one;
 *   - EPOLLONESHOT: reported once, then disabled (interest cleared) until
 *     EPOLL_CTL_MOD arms it again.
 * EPOLLERR and EPOLLHUP are always in an item's interest, as in Linux.
 *
 * An epoll descriptor may itself be watched (by poll, or by another epoll
 * instance): it is readable while its ready list holds a ready item.
 * Nesting is limited as Linux limits it: no loops, and at most
 * EP_MAX_NESTS instances above one another (ELOOP otherwise).
 *
 * Items hold no reference to the file they watch (as in Linux): the item
 * goes when the file is released for good (eventpoll_release), not when
 * its descriptor is closed while a call in progress still holds the file.
 *
 * Everything here runs under the stack lock. Memory: one allocation per
 * item at EPOLL_CTL_ADD and one per instance; poll and epoll_wait
 * allocate nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "net/compiler.h"
#include "net/fault.h"
#include "net/list.h"
#include "net/file.h"
#include "net/sock.h"
#include "net/stack.h"
#include "usertcp/socket.h"

/* Linux's limits: how deep epoll instances may watch one another, and the
 * most events one epoll_wait may ask for. */
#define EP_MAX_NESTS 4
#define EP_MAX_EVENTS ((int)(INT_MAX / sizeof(struct epoll_event)))

/* Bits that say how to report rather than what: EPOLLONESHOT's disabling
 * keeps only these, so a disabled item matches no event at all. */
#define EP_PRIVATE_BITS                                                       \
	((unsigned)EPOLLWAKEUP | (unsigned)EPOLLONESHOT | (unsigned)EPOLLET | \
	 (unsigned)EPOLLEXCLUSIVE)
/* The only events an EPOLLEXCLUSIVE item may ask for. */
#define EPOLLEXCLUSIVE_OK_BITS                                                              \
	((unsigned)EPOLLIN | (unsigned)EPOLLOUT | (unsigned)EPOLLERR | (unsigned)EPOLLHUP | \
	 (unsigned)EPOLLWAKEUP | (unsigned)EPOLLET | (unsigned)EPOLLEXCLUSIVE)

/* ---- the objects ------------------------------------------------------------*/

struct epitem {
	struct list_head rdllink;  /* on ep->rdllist while possibly ready */
	struct list_head itemlink; /* on ep->items, always */
	struct epitem *fl_next;	   /* file->f_ep: every item watching file */
	struct epitem **fl_pprev;
	struct eventpoll *ep;	  /* the instance this item belongs to */
	struct file *file;	  /* watched; no reference held */
	int fd;			  /* with file, the key (Linux's epoll_filefd) */
	struct epoll_event event; /* interest (+ ERR, HUP) and the caller's data */
};

struct eventpoll {
	struct list_head rdllist; /* items that may be ready, oldest first */
	struct list_head items;	  /* every item of this instance */
	struct file *file;	  /* the instance's own file */
	/* scratch for the nesting check (ep_loop_check) */
	bool check_mark;
	int check_depth;
	struct eventpoll *check_next;
};

static inline bool ep_is_linked(const struct epitem *epi)
{
	return !list_empty(&epi->rdllink);
}

/* ---- readiness ---------------------------------------------------------------*/

static unsigned ep_eventpoll_poll(struct eventpoll *ep, int depth);

/* What file has ready now (EPOLL* bits). depth counts the epoll instances
 * already being polled above this one, to bound the recursion. */
static unsigned ep_file_poll(struct file *file, int depth)
{
	if (file->kind == FILE_EPOLL)
		return file->ep ? ep_eventpoll_poll(file->ep, depth + 1) : 0;
	return file_poll(file);
}

/* What the item should report now: the file's readiness within its
 * interest (0 for an item EPOLLONESHOT disabled). */
static unsigned ep_item_poll(const struct epitem *epi, int depth)
{
	return ep_file_poll(epi->file, depth) & epi->event.events;
}

/* An epoll file is readable while one of its ready items really is. Items
 * found not ready leave the list on the way, as in Linux (they come back
 * at their file's next wakeup). Cost: the ready items up to the first
 * really ready one. */
static unsigned ep_eventpoll_poll(struct eventpoll *ep, int depth)
{
	struct epitem *epi, *n;

	/* ep_loop_check keeps nesting within EP_MAX_NESTS; this is a guard. */
	if (depth > EP_MAX_NESTS + 1)
		return 0;
	list_for_each_entry_safe(epi, n, &ep->rdllist, rdllink) {
		if (ep_item_poll(epi, depth))
			return EPOLLIN | EPOLLRDNORM;
		list_del_init(&epi->rdllink);
	}
	return 0;
}

/* The instance has a (new) ready item: threads blocked in epoll_wait or
 * poll re-check, and instances watching this one hear of it. */
static void ep_wake(struct eventpoll *ep)
{
	stack_wake(ep->file->stack);
	if (ep->file->f_ep)
		file_wake(ep->file, EPOLLIN | EPOLLRDNORM);
}

/* A watched file's readiness may have changed (Linux's ep_poll_callback). */
static void ep_poll_callback(struct epitem *epi, unsigned events)
{
	/* Disabled by EPOLLONESHOT until EPOLL_CTL_MOD. */
	if (!(epi->event.events & ~EP_PRIVATE_BITS))
		return;
	/* A hint that says what changed lets uninterested items sleep on;
	 * no hint (0) may be anything. */
	if (events && !(events & epi->event.events))
		return;
	if (!ep_is_linked(epi))
		list_add_tail(&epi->rdllink, &epi->ep->rdllist);
	ep_wake(epi->ep);
}

unsigned fd_poll_locked(struct ut_stack *stack, int fd)
{
	struct file *file = fget(stack, fd);
	unsigned mask;

	if (!file)
		return 0;
	mask = ep_file_poll(file, 0);
	fput(file);
	return mask;
}

void file_wake(struct file *file, unsigned events)
{
	struct epitem *epi, *next;

	stack_wake(file->stack);
	for (epi = file->f_ep; epi; epi = next) {
		next = epi->fl_next;
		ep_poll_callback(epi, events);
	}
}

/* ---- items ---------------------------------------------------------------------*/

/* The item of ep watching (file, fd), or NULL. Cost: the number of epoll
 * instances watching file (usually one). */
static struct epitem *ep_find(const struct eventpoll *ep, const struct file *file, int fd)
{
	for (struct epitem *epi = file->f_ep; epi; epi = epi->fl_next)
		if (epi->ep == ep && epi->fd == fd)
			return epi;
	return NULL;
}

int ep_item_event(struct ut_stack *stack, int epfd, int fd, struct epoll_event *event)
{
	struct file *file, *tfile = NULL;
	struct epitem *epi;
	int rc = -EBADF;

	stack_lock(stack);
	file = fget(stack, epfd);
	if (file && (tfile = fget(stack, fd))) {
		rc = -EINVAL;
		if (file->kind == FILE_EPOLL) {
			epi = ep_find(file->ep, tfile, fd);
			rc = epi ? 0 : -ENOENT;
			if (epi)
				*event = epi->event;
		}
	}
	if (tfile)
		fput(tfile);
	if (file)
		fput(file);
	stack_unlock(stack);
	return rc;
}

static void ep_remove(struct epitem *epi)
{
	*epi->fl_pprev = epi->fl_next;
	if (epi->fl_next)
		epi->fl_next->fl_pprev = epi->fl_pprev;
	list_del_init(&epi->itemlink);
	if (ep_is_linked(epi))
		list_del_init(&epi->rdllink);
	free(epi);
}

static int ep_insert(struct eventpoll *ep, const struct epoll_event *event, struct file *file,
		     int fd)
{
	struct epitem *epi = ut_calloc(1, sizeof(*epi));

	if (!epi)
		return -ENOMEM;
	INIT_LIST_HEAD(&epi->rdllink);
	epi->ep = ep;
	epi->file = file;
	epi->fd = fd;
	epi->event = *event;
	list_add_tail(&epi->itemlink, &ep->items);
	epi->fl_next = file->f_ep;
	if (file->f_ep)
		file->f_ep->fl_pprev = &epi->fl_next;
	file->f_ep = epi;
	epi->fl_pprev = &file->f_ep;

	/* Already ready: the next wait reports it without a new wakeup. */
	if (ep_item_poll(epi, 1)) {
		list_add_tail(&epi->rdllink, &ep->rdllist);
		ep_wake(ep);
	}
	return 0;
}

static void ep_modify(struct eventpoll *ep, struct epitem *epi, const struct epoll_event *event)
{
	epi->event = *event;
	/* Re-arms an EPOLLONESHOT item, and makes an EPOLLET item report
	 * again what is ready now. */
	if (ep_item_poll(epi, 1) && !ep_is_linked(epi)) {
		list_add_tail(&epi->rdllink, &ep->rdllist);
		ep_wake(ep);
	}
}

void eventpoll_release(struct file *file)
{
	while (file->f_ep)
		ep_remove(file->f_ep);
}

void ep_free(struct eventpoll *ep)
{
	while (!list_empty(&ep->items))
		ep_remove(list_first_entry(&ep->items, struct epitem, itemlink));
	free(ep);
}

/* ---- nesting: Linux's ep_loop_check ----------------------------------------------*/

struct ep_check {
	struct eventpoll *inserting_into;
	struct eventpoll *marked; /* instances visited, to unmark */
};

static void ep_check_mark(struct ep_check *c, struct eventpoll *ep, int depth)
{
	ep->check_mark = true;
	ep->check_depth = depth;
	ep->check_next = c->marked;
	c->marked = ep;
}

static void ep_check_clear(struct ep_check *c)
{
	while (c->marked) {
		struct eventpoll *ep = c->marked;
		c->marked = ep->check_next;
		ep->check_mark = false;
		ep->check_next = NULL;
	}
}

/* Levels of epoll instances below ep (0: it watches none); more than
 * EP_MAX_NESTS if c->inserting_into is among them (a loop) or they go too
 * deep. Each instance is visited once. */
static int ep_depth_down(struct ep_check *c, struct eventpoll *ep, int depth)
{
	struct epitem *epi;
	int result = 0;

	if (ep->check_mark)
		return ep->check_depth;
	list_for_each_entry(epi, &ep->items, itemlink) {
		if (epi->file->kind != FILE_EPOLL)
			continue;
		struct eventpoll *child = epi->file->ep;
		if (child == c->inserting_into || depth > EP_MAX_NESTS)
			result = EP_MAX_NESTS + 1;
		else
			result = MAX(result, ep_depth_down(c, child, depth + 1) + 1);
		if (result > EP_MAX_NESTS)
			break;
	}
	ep_check_mark(c, ep, result);
	return result;
}

/* Levels of epoll instances watching ep, directly or not (0: none). */
static int ep_depth_up(struct ep_check *c, struct eventpoll *ep)
{
	int result = 0;

	if (ep->check_mark)
		return ep->check_depth;
	for (struct epitem *epi = ep->file->f_ep; epi; epi = epi->fl_next)
		result = MAX(result, ep_depth_up(c, epi->ep) + 1);
	ep_check_mark(c, ep, result);
	return result;
}

/* May ep watch the epoll instance to? Not if ep is already below to (a
 * loop), nor if the chain through them would nest more than EP_MAX_NESTS
 * deep. 0 or -ELOOP, Linux's answer to both. */
static int ep_loop_check(struct eventpoll *ep, struct eventpoll *to)
{
	struct ep_check c = {.inserting_into = ep, .marked = NULL};
	int down, up;

	down = ep_depth_down(&c, to, 0);
	ep_check_clear(&c);
	if (down > EP_MAX_NESTS)
		return -ELOOP;
	up = ep_depth_up(&c, ep);
	ep_check_clear(&c);
	return down + 1 + up > EP_MAX_NESTS ? -ELOOP : 0;
}

/* ---- epoll_wait ------------------------------------------------------------------*/

/* Copies up to maxevents ready events (Linux's ep_send_events): each item
 * on the ready list is polled again; those with nothing to report leave the
 * list; level-triggered ones go back at its tail (so a small maxevents
 * still serves every ready item in turn); edge-triggered ones leave until
 * their next wakeup; one-shot ones are disabled. Items not reached stay at
 * the front. Returns the count, or -EFAULT when events is NULL and there
 * was something to report (the item stays ready). Cost: O(items visited). */
static int ep_send_events(struct eventpoll *ep, struct epoll_event *events, int maxevents)
{
	struct list_head txlist;
	int res = 0;

	INIT_LIST_HEAD(&txlist);
	list_splice_init(&ep->rdllist, &txlist);
	while (!list_empty(&txlist) && res < maxevents) {
		struct epitem *epi = list_first_entry(&txlist, struct epitem, rdllink);
		unsigned revents;

		list_del_init(&epi->rdllink);
		revents = ep_item_poll(epi, 0);
		if (!revents)
			continue;
		if (!events) {
			list_add(&epi->rdllink, &txlist);
			if (!res)
				res = -EFAULT;
			break;
		}
		events[res].events = revents;
		events[res].data = epi->event.data;
		res++;
		if (epi->event.events & EPOLLONESHOT)
			epi->event.events &= EP_PRIVATE_BITS;
		else if (!(epi->event.events & EPOLLET))
			list_add_tail(&epi->rdllink, &ep->rdllist);
	}
	list_splice_init(&txlist, &ep->rdllist);
	return res;
}

/* timeout in ms (negative: forever) as a deadline on the stack clock. */
static uint64_t poll_deadline(const struct ut_stack *stack, int timeout)
{
	if (timeout < 0)
		return UINT64_MAX;
	return stack_now(stack) + (uint64_t)timeout * NSEC_PER_MSEC;
}

/* Ends a call: unlocks, and turns -errno into -1 with errno set. */
static int unlock_ret(struct ut_stack *stack, long rc)
{
	stack_unlock(stack);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return (int)rc;
}

UT_EXPORT int ut_epoll_wait(struct ut_stack *stack, int epfd, struct epoll_event *events,
			    int maxevents, int timeout)
{
	struct eventpoll *ep;
	struct file *file;
	uint64_t deadline;
	bool timed_out = timeout == 0;
	long rc;

	stack_lock(stack);
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return unlock_ret(stack, -EINVAL);
	file = fget(stack, epfd);
	if (!file)
		return unlock_ret(stack, -EBADF);
	if (file->kind != FILE_EPOLL) {
		rc = -EINVAL;
		goto put;
	}
	ep = file->ep;
	deadline = poll_deadline(stack, timeout);
	/* As Linux's ep_poll: once the time is up, one last look. */
	for (;;) {
		if (!list_empty(&ep->rdllist)) {
			rc = ep_send_events(ep, events, maxevents);
			if (rc)
				break;
		}
		if (timed_out) {
			rc = 0;
			break;
		}
		rc = stack_wait(stack, deadline);
		if (rc == -ETIMEDOUT)
			timed_out = true;
		else if (rc < 0)
			break; /* -EDEADLK: nothing could ever wake us */
	}
put:
	fput(file);
	return unlock_ret(stack, rc);
}

/* ---- epoll_create, epoll_ctl ---------------------------------------------------------*/

static int do_epoll_create(struct ut_stack *stack, int flags)
{
	struct eventpoll *ep;
	struct file *file;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = ut_calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	INIT_LIST_HEAD(&ep->rdllist);
	INIT_LIST_HEAD(&ep->items);
	file = alloc_file(stack, FILE_EPOLL, O_RDWR);
	if (!file) {
		free(ep);
		return -ENOMEM;
	}
	file->ep = ep;
	ep->file = file;
	file->cloexec = (flags & EPOLL_CLOEXEC) != 0;
	fd = fd_install(stack, file);
	if (fd < 0)
		fput(file); /* frees ep too (ep_free) */
	return fd;
}

UT_EXPORT int ut_epoll_create1(struct ut_stack *stack, int flags)
{
	stack_lock(stack);
	return unlock_ret(stack, do_epoll_create(stack, flags));
}

UT_EXPORT int ut_epoll_create(struct ut_stack *stack, int size)
{
	/* size only has to be positive, as in Linux since 2.6.8. */
	stack_lock(stack);
	return unlock_ret(stack, size <= 0 ? -EINVAL : do_epoll_create(stack, 0));
}

/* The checks run in Linux's order (do_epoll_ctl), so that a call with
 * several faults fails with Linux's errno. */
UT_EXPORT int ut_epoll_ctl(struct ut_stack *stack, int epfd, int op, int fd,
			   struct epoll_event *event)
{
	struct epoll_event epds = {0};
	struct file *file, *tfile;
	struct eventpoll *ep;
	struct epitem *epi;
	long rc;

	stack_lock(stack);
	/* Every op but DEL reads the event (DEL has ignored it since 2.6.9). */
	if (op != EPOLL_CTL_DEL) {
		if (!event)
			return unlock_ret(stack, -EFAULT);
		epds = *event;
	}
	file = fget(stack, epfd);
	if (!file)
		return unlock_ret(stack, -EBADF);
	tfile = fget(stack, fd);
	if (!tfile) {
		rc = -EBADF;
		goto put_file;
	}
	/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND, without which Linux drops it
	 * silently; there is no system suspend to hold off here. */
	epds.events &= ~(unsigned)EPOLLWAKEUP;

	rc = -EINVAL;
	if (file == tfile || file->kind != FILE_EPOLL)
		goto put;
	/* EPOLLEXCLUSIVE: only at ADD, only with the plain events, and not
	 * on an epoll descriptor. It only changes which of several waiters
	 * Linux wakes; here every waiter re-checks, which is correct too. */
	if (op != EPOLL_CTL_DEL && (epds.events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			goto put;
		if (op == EPOLL_CTL_ADD &&
		    (tfile->kind == FILE_EPOLL || (epds.events & ~EPOLLEXCLUSIVE_OK_BITS)))
			goto put;
	}
	ep = file->ep;
	if (op == EPOLL_CTL_ADD && tfile->kind == FILE_EPOLL) {
		rc = ep_loop_check(ep, tfile->ep);
		if (rc)
			goto put;
	}

	epi = ep_find(ep, tfile, fd);
	rc = -EINVAL;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (epi) {
			rc = -EEXIST;
			break;
		}
		epds.events |= EPOLLERR | EPOLLHUP;
		rc = ep_insert(ep, &epds, tfile, fd);
		break;
	case EPOLL_CTL_DEL:
		if (!epi) {
			rc = -ENOENT;
			break;
		}
		ep_remove(epi);
		rc = 0;
		break;
	case EPOLL_CTL_MOD:
		if (!epi) {
			rc = -ENOENT;
			break;
		}
		/* An exclusive item cannot be modified (EINVAL). */
		if (!(epi->event.events & EPOLLEXCLUSIVE)) {
			epds.events |= EPOLLERR | EPOLLHUP;
			ep_modify(ep, epi, &epds);
			rc = 0;
		}
		break;
	}
put:
	fput(tfile);
put_file:
	fput(file);
	return unlock_ret(stack, rc);
}

/* ---- poll ------------------------------------------------------------------------*/

/* POLL* (the pollfd's short) and EPOLL* bits are the same numbers on most
 * architectures; where they differ, map them one by one (Linux's
 * demangle_poll/mangle_poll). The comparisons fold at compile time. */
static const struct {
	short poll;
	unsigned epoll;
} poll_bits[] = {
	{POLLIN, EPOLLIN},	   {POLLPRI, EPOLLPRI},	      {POLLOUT, EPOLLOUT},
	{POLLERR, EPOLLERR},	   {POLLHUP, EPOLLHUP},	      {POLLRDNORM, EPOLLRDNORM},
	{POLLRDBAND, EPOLLRDBAND}, {POLLWRNORM, EPOLLWRNORM}, {POLLWRBAND, EPOLLWRBAND},
	{POLLMSG, EPOLLMSG},	   {POLLRDHUP, EPOLLRDHUP},
};

static bool poll_bits_same(void)
{
	return POLLIN == EPOLLIN && POLLPRI == EPOLLPRI && POLLOUT == EPOLLOUT &&
	       POLLERR == EPOLLERR && POLLHUP == EPOLLHUP && POLLRDNORM == EPOLLRDNORM &&
	       POLLRDBAND == EPOLLRDBAND && POLLWRNORM == EPOLLWRNORM &&
	       POLLWRBAND == EPOLLWRBAND && POLLMSG == EPOLLMSG && POLLRDHUP == EPOLLRDHUP;
}

static unsigned demangle_poll(short events)
{
	unsigned mask = 0;

	if (poll_bits_same())
		return (unsigned short)events;
	for (size_t i = 0; i < ARRAY_SIZE(poll_bits); i++)
		if (events & poll_bits[i].poll)
			mask |= poll_bits[i].epoll;
	return mask;
}

static short mangle_poll(unsigned mask)
{
	unsigned short events = 0;

	if (poll_bits_same())
		return (short)(unsigned short)mask;
	for (size_t i = 0; i < ARRAY_SIZE(poll_bits); i++)
		if (mask & poll_bits[i].epoll)
			events |= (unsigned short)poll_bits[i].poll;
	return (short)events;
}

/* One pass over the array (Linux's do_pollfd for each entry): revents is
 * what is ready within events, plus POLLERR and POLLHUP always; POLLNVAL
 * for a descriptor that is not open; 0 for a negative one. Returns how
 * many entries have revents set. */
static int do_pollfds(struct ut_stack *stack, struct pollfd *fds, nfds_t nfds)
{
	int count = 0;

	for (nfds_t i = 0; i < nfds; i++) {
		struct pollfd *pfd = &fds[i];
		struct file *file;
		unsigned mask = 0;

		pfd->revents = 0;
		if (pfd->fd < 0)
			continue;
		file = fget(stack, pfd->fd);
		if (!file) {
			pfd->revents = POLLNVAL;
			count++;
			continue;
		}
		mask = ep_file_poll(file, 0) & (demangle_poll(pfd->events) | EPOLLERR | EPOLLHUP);
		fput(file);
		pfd->revents = mangle_poll(mask);
		if (pfd->revents)
			count++;
	}
	return count;
}

UT_EXPORT int ut_poll(struct ut_stack *stack, struct pollfd *fds, nfds_t nfds, int timeout)
{
	bool timed_out = timeout == 0;
	uint64_t deadline;
	long rc;

	stack_lock(stack);
	/* Linux refuses more entries than the process may open (EINVAL). */
	if (nfds > (nfds_t)stack->sysctl.nr_open)
		return unlock_ret(stack, -EINVAL);
	if (nfds && !fds)
		return unlock_ret(stack, -EFAULT);
	deadline = poll_deadline(stack, timeout);
	/* As Linux's do_poll: once the time is up, one last pass. */
	for (;;) {
		rc = do_pollfds(stack, fds, nfds);
		if (rc || timed_out)
			break;
		rc = stack_wait(stack, deadline);
		if (rc == -ETIMEDOUT)
			timed_out = true;
		else if (rc < 0)
			break; /* -EDEADLK */
	}
	return unlock_ret(stack, rc);
}
