/* Timers on a hierarchical timing wheel, one wheel per stack.
 *
 * Time on the wheel is counted in jiffies of 1 ms (Linux with HZ=1000). The
 * wheel is the classic cascading design Linux used before 4.8 (Varghese and
 * Lauck's scheme 6): a 256-slot first level holds timers due within 256
 * jiffies at exact slot precision, and four 64-slot levels hold the rest,
 * each slot cascading down into finer levels when the base reaches it.
 * Costs: arming and cancelling are O(1) (an hlist insert or unlink and a
 * bitmap bit); running is O(timers due) plus O(slots cascaded), and idle
 * stretches are skipped in O(1) per wheel level by jumping straight to the
 * next non-empty slot, so a simulated hour of idleness costs nothing.
 * Unlike Linux's post-4.8 wheel, expiry is exact: a timer runs when the base
 * reaches exactly its expires jiffy, which keeps simulated runs precise
 * (a 40 ms delayed ACK is 40 ms, not 40-47 ms).
 *
 * Timers due more than 2^32-1 jiffies ahead (about 49 days) are clamped to
 * that horizon, as Linux's old wheel did.
 *
 * The wheel never reads a clock: its owner passes the current jiffy to
 * timer_run() and asks timer_next_expiry() when to call again.
 */
#ifndef USERTCP_NET_TIMER_H
#define USERTCP_NET_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "net/compiler.h"

#define HZ 1000
#define TVR_BITS 8
#define TVN_BITS 6
#define TVR_SIZE (1 << TVR_BITS)
#define TVN_SIZE (1 << TVN_BITS)
#define TVN_LEVELS 4 /* tv2..tv5 */
#define TIMER_MAX_DELTA 0xffffffffULL

struct timer_base;

struct timer_list {
	/* A slot is a ring shaped like an hlist: the first timer's pprev
	 * points at the last timer's next, so appending is O(1) too.
	 * pprev != NULL <=> pending. */
	struct timer_list *next, **pprev;
	uint64_t expires; /* jiffy at which it runs */
	void (*function)(struct timer_list *);
	struct timer_base *base;
	uint16_t slot; /* index in base->vec, valid when pending */
};

struct timer_base {
	uint64_t clk; /* next jiffy to process */
	struct timer_list *tv1[TVR_SIZE];
	struct timer_list *tvn[TVN_LEVELS][TVN_SIZE];
	uint64_t tv1_map[TVR_SIZE / 64]; /* bit set <=> slot non-empty */
	uint64_t tvn_map[TVN_LEVELS];
	uint32_t pending;	    /* timers armed */
	struct timer_list *running; /* timer whose function is executing */
};

/* Starts an empty wheel whose first unprocessed jiffy is now. */
void timer_base_init(struct timer_base *base, uint64_t now);

/* Prepares a timer: not pending, runs fn(timer) on expiry. Recover the
 * enclosing object with container_of (from_timer). */
void timer_setup(struct timer_base *base, struct timer_list *timer,
		 void (*fn)(struct timer_list *));

/* Arms or re-arms the timer to run at jiffy expires. A past expiry is
 * rewritten to the base's current jiffy (it runs at the next timer_run,
 * after timers already due then); one beyond the horizon is rewritten to
 * clk + TIMER_MAX_DELTA. Re-arming for the same expiry counts as arming
 * anew (it moves behind others due then). Returns true if it was pending.
 * O(1). */
bool mod_timer(struct timer_list *timer, uint64_t expires);

/* Disarms the timer. Returns true if it was pending. O(1). Safe on a timer
 * that is not pending, and from inside any timer function (including its
 * own). */
bool del_timer(struct timer_list *timer);

static inline bool timer_pending(const struct timer_list *timer)
{
	return timer->pprev != 0;
}

/* Runs every timer whose expiry is <= now, in expiry order (timers with the
 * same expiry run in the order they were armed), and leaves base->clk at
 * now + 1 (a now earlier than clk does nothing: the wheel never rewinds).
 * While a timer function runs, base->clk equals the jiffy being processed,
 * its own expires. A timer function may arm, re-arm or delete any timer,
 * itself included; a timer armed for a jiffy <= now from inside a timer
 * function runs in this same call. Must not be called from inside a timer
 * function. Returns the number of timer functions run. */
unsigned timer_run(struct timer_base *base, uint64_t now);

/* The earliest jiffy at which timer_run has work, never later than any
 * pending timer's expiry: exact when that work is a first-level slot,
 * otherwise the jiffy (a multiple of 256) at which a higher-level slot
 * cascades. UINT64_MAX when nothing is pending. O(levels). */
uint64_t timer_next_expiry(const struct timer_base *base);

#define from_timer(var, timer_ptr, field) container_of(timer_ptr, __typeof__(*var), field)

#endif
