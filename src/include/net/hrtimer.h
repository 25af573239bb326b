/* High-resolution timers: expiry in nanoseconds of the stack's clock,
 * for what the 1 ms timer wheel (net/timer.h) is too coarse for. Linux
 * keeps such timers (hrtimers) apart from its wheel for the same reason;
 * TCP's pacing timer is one (tcp_pace_kick): at 100 Mbit/s a full-sized
 * segment lasts 116 us, so a jiffy-grained pacing timer releases about
 * nine segments at once and the bursts build a queue that pacing exists
 * to avoid.
 *
 * The pending timers of a base form a pairing heap threaded through the
 * timers themselves (Fredman, Sedgewick, Sleator and Tarjan, 1986):
 * arming allocates nothing and cannot fail, which the caller of a timer
 * relies on as Linux's hrtimer_start callers do. The simulator's
 * timeheap (net/timeheap.h) copies elements in and out, so a pending
 * timer could not be cancelled through a pointer to it; that is why this
 * heap is separate. Timers due at the same nanosecond run in the order
 * they were armed, so a seeded simulation repeats exactly.
 *
 * Costs: hrtimer_start O(1) (and a cancel when re-arming a pending
 * timer); hrtimer_cancel and running the earliest timer O(log n)
 * amortised; hrtimer_next_expiry O(1).
 *
 * Like the wheel, a base never reads a clock: its owner passes the time
 * to hrtimer_run() and asks hrtimer_next_expiry() when to call again. */
#ifndef USERTCP_NET_HRTIMER_H
#define USERTCP_NET_HRTIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "net/compiler.h"

/* What a timer function asks for, as in Linux. */
enum hrtimer_restart {
	HRTIMER_NORESTART, /* done (it may have re-armed itself with hrtimer_start) */
	HRTIMER_RESTART,   /* run again at the timer's expires, which it moved */
};

struct hrtimer_base;

struct hrtimer {
	/* Heap links: first child, next sibling, and the previous sibling
	 * (or the parent, for a first child). */
	struct hrtimer *child, *sibling, *prev;
	uint64_t expires; /* ns of the stack's clock */
	uint64_t seq;	  /* arming order, for equal expiries */
	enum hrtimer_restart (*function)(struct hrtimer *);
	struct hrtimer_base *base;
	bool queued;
};

struct hrtimer_base {
	struct hrtimer *root; /* the earliest pending timer, or NULL */
	uint64_t next_seq;
	uint32_t pending;	 /* timers armed */
	struct hrtimer *running; /* timer whose function is executing */
};

/* An empty base. */
void hrtimer_base_init(struct hrtimer_base *base);
/* Prepares a timer of base, not queued, that runs fn(timer) on expiry
 * (Linux's hrtimer_setup, with an absolute-time, monotonic clock). */
void hrtimer_setup(struct hrtimer_base *base, struct hrtimer *timer,
		   enum hrtimer_restart (*fn)(struct hrtimer *));
/* Arms the timer for the absolute time expires (ns), re-arming it if it
 * was queued (it then counts as armed anew, behind others due at the same
 * time). A time already past runs at the next hrtimer_run. Never fails. */
void hrtimer_start(struct hrtimer *timer, uint64_t expires);
/* Disarms the timer; true if it was queued. Safe on a timer that is not
 * queued and from any timer function, its own included. */
bool hrtimer_cancel(struct hrtimer *timer);

static inline bool hrtimer_is_queued(const struct hrtimer *timer)
{
	return timer->queued;
}

/* Runs every timer whose expiry is <= now, earliest first and equal
 * expiries in arming order. A function may start or cancel any timer; one
 * armed for <= now, even by its own function, runs in this same call.
 * A function that returns HRTIMER_RESTART without having re-armed the
 * timer is queued again at its expires. Must not be called from a timer
 * function. Returns the number of functions run. */
unsigned hrtimer_run(struct hrtimer_base *base, uint64_t now);
/* The earliest pending expiry, or UINT64_MAX when none is pending. */
static inline uint64_t hrtimer_next_expiry(const struct hrtimer_base *base)
{
	return base->root ? base->root->expires : UINT64_MAX;
}

#endif
