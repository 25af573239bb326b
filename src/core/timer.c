/* The cascading timer wheel declared in net/timer.h.
 *
 * Placement. A timer due delta = expires - clk jiffies ahead lives in tv1
 * slot (expires & 255) when delta < 256, otherwise at level L of tvn where
 * L is chosen so that 2^(8+6L) <= delta < 2^(14+6L), in slot
 * (expires >> (8+6L)) & 63. Writing s = 8+6L, that slot is cascaded at the
 * first jiffy J >= clk with J % 2^s == 0 and (J >> s) % 64 == slot, and
 * from the bounds on delta, J = (expires >> s) << s: never later than
 * expires, and close enough that the cascade re-files the timer at a lower
 * level (or in tv1) by the same rule. Every slot therefore has a single
 * cascade jiffy, which is what lets timer_run() jump over idle stretches
 * straight to the next slot that has work.
 *
 * Lists. Each slot holds a circular, doubly linked list shaped like an
 * hlist: next points to the following timer (the last one points back to
 * the first) and pprev points to the previous timer's next field (the
 * first timer's pprev points into the last timer). The slot head points at
 * the first timer. This gives O(1) append, prepend and unlink with only the
 * fields struct timer_list already has, and pprev != NULL still means
 * "pending".
 *
 * Order. Timers with equal expiry must run in arming order, yet they can be
 * spread over several levels: one armed long ago sits higher than one armed
 * recently. For equal expiry, a timer at a higher level was always armed
 * before any at a lower level (arming files by the current delta, which
 * only shrinks; a timer already pending sits at a level at least that
 * high). So arming appends at the tail, and a cascade prepends what it
 * moves, keeping the moved timers' own order. Cascades due at the same
 * jiffy run from the lowest level up, so that a timer from a higher level
 * lands in front of one cascaded from a lower level a moment earlier.
 *
 * Clock. base->clk is the next jiffy to process; while a timer function
 * runs it is the jiffy being processed, so a function can read the current
 * time there. Jiffies are capped at TIMER_CLK_LIMIT (2^63 - 1, millions of
 * years) so that clk + TIMER_MAX_DELTA and the cascade arithmetic never
 * wrap, even when a caller passes timer_next_expiry()'s UINT64_MAX
 * ("nothing pending") straight to timer_run().
 */
#include "net/timer.h"

#include "net/compiler.h"

#include <string.h>

#define TVR_MASK (TVR_SIZE - 1)
#define TVN_MASK (TVN_SIZE - 1)
#define TV1_WORDS (TVR_SIZE / 64)
#define TIMER_CLK_LIMIT (UINT64_MAX >> 1)

_Static_assert(TVR_SIZE % 64 == 0, "tv1_map must be whole words");
_Static_assert(TVN_SIZE == 64, "tvn_map holds one level per word");
_Static_assert(TVR_BITS + TVN_LEVELS * TVN_BITS == 32 && TIMER_MAX_DELTA == 0xffffffffULL,
	       "the top level must cover exactly the clamping horizon");
_Static_assert(TVR_SIZE + TVN_LEVELS * TVN_SIZE <= UINT16_MAX, "slot numbers fit timer->slot");

static inline unsigned level_shift(unsigned level)
{
	return TVR_BITS + level * TVN_BITS;
}

static inline struct timer_list **slot_head(struct timer_base *base, unsigned slot)
{
	if (slot < TVR_SIZE)
		return &base->tv1[slot];
	slot -= TVR_SIZE;
	return &base->tvn[slot / TVN_SIZE][slot % TVN_SIZE];
}

static inline void slot_mark(struct timer_base *base, unsigned slot)
{
	if (slot < TVR_SIZE) {
		base->tv1_map[slot / 64] |= 1ULL << (slot % 64);
	} else {
		slot -= TVR_SIZE;
		base->tvn_map[slot / TVN_SIZE] |= 1ULL << (slot % TVN_SIZE);
	}
}

static inline void slot_unmark(struct timer_base *base, unsigned slot)
{
	if (slot < TVR_SIZE) {
		base->tv1_map[slot / 64] &= ~(1ULL << (slot % 64));
	} else {
		slot -= TVR_SIZE;
		base->tvn_map[slot / TVN_SIZE] &= ~(1ULL << (slot % TVN_SIZE));
	}
}

/* ---- circular lists ---------------------------------------------------- */

static inline struct timer_list *list_prev(struct timer_list *t)
{
	return container_of(t->pprev, struct timer_list, next);
}

static inline void list_add_tail(struct timer_list **head, struct timer_list *t)
{
	struct timer_list *first = *head;

	if (!first) {
		t->next = t;
		t->pprev = &t->next;
		*head = t;
		return;
	}
	/* first->pprev is &last->next: t goes between last and first. */
	t->next = first;
	t->pprev = first->pprev;
	*first->pprev = t;
	first->pprev = &t->next;
}

static inline void list_add_head(struct timer_list **head, struct timer_list *t)
{
	/* In a ring, the new tail becomes the new head by moving the head. */
	list_add_tail(head, t);
	*head = t;
}

static inline void list_del(struct timer_list **head, struct timer_list *t)
{
	if (t->next == t) {
		*head = NULL;
	} else {
		*t->pprev = t->next;
		t->next->pprev = t->pprev;
		if (*head == t)
			*head = t->next;
	}
	t->next = NULL;
	t->pprev = NULL;
}

/* ---- placement --------------------------------------------------------- */

/* The slot for a timer due at expires, with clk <= expires <= clk + max. */
static inline unsigned slot_for(uint64_t clk, uint64_t expires)
{
	uint64_t delta = expires - clk;
	unsigned level;

	if (delta < TVR_SIZE)
		return (unsigned)(expires & TVR_MASK);
	/* 2^(8+6L) <= delta < 2^(14+6L): level from the top bit's position. */
	level = (unsigned)(63 - __builtin_clzll(delta) - TVR_BITS) / TVN_BITS;
	return TVR_SIZE + level * TVN_SIZE + (unsigned)((expires >> level_shift(level)) & TVN_MASK);
}

static void enqueue(struct timer_base *base, struct timer_list *t, bool front)
{
	unsigned slot = slot_for(base->clk, t->expires);
	struct timer_list **head = slot_head(base, slot);

	if (front)
		list_add_head(head, t);
	else
		list_add_tail(head, t);
	slot_mark(base, slot);
	t->slot = (uint16_t)slot;
}

static void detach(struct timer_base *base, struct timer_list *t)
{
	struct timer_list **head = slot_head(base, t->slot);

	list_del(head, t);
	if (!*head)
		slot_unmark(base, t->slot);
	base->pending--;
}

/* ---- finding work ------------------------------------------------------ */

/* Jiffy of the first non-empty tv1 slot at or after clk. tv1 only holds
 * timers due in [clk, clk + 255], so the scan starts at clk's slot and
 * wraps once around the 256 slots. */
static uint64_t tv1_next(const struct timer_base *base)
{
	unsigned start = (unsigned)(base->clk & TVR_MASK);
	unsigned w = start / 64;
	uint64_t word = base->tv1_map[w] & (~0ULL << (start % 64));

	/* TV1_WORDS + 1 words: the last look at the first word again covers
	 * its bits below start, which are the end of the window. */
	for (unsigned i = 0; i <= TV1_WORDS; i++) {
		if (word) {
			unsigned idx = ((w + i) % TV1_WORDS) * 64 + (unsigned)__builtin_ctzll(word);
			return base->clk + ((idx - start) & TVR_MASK);
		}
		word = base->tv1_map[(w + i + 1) % TV1_WORDS];
	}
	return UINT64_MAX;
}

/* Jiffy at which the next non-empty slot of a level cascades: the first
 * J >= clk on a 2^s boundary whose slot index (J >> s) % 64 is marked. */
static uint64_t tvn_next(const struct timer_base *base, unsigned level)
{
	uint64_t map = base->tvn_map[level];
	unsigned s = level_shift(level);
	uint64_t k0, rot;
	unsigned r;

	if (!map)
		return UINT64_MAX;
	k0 = (base->clk >> s) + ((base->clk & ((1ULL << s) - 1)) != 0);
	r = (unsigned)(k0 & TVN_MASK);
	rot = (map >> r) | (map << ((64 - r) & 63));
	return (k0 + (unsigned)__builtin_ctzll(rot)) << s;
}

/* The first jiffy >= clk with something to do: a tv1 slot to run or a
 * non-empty slot to cascade. Every jiffy before it would only cascade empty
 * slots, so skipping to it changes nothing. */
static uint64_t next_work(const struct timer_base *base)
{
	uint64_t next;

	if (!base->pending)
		return UINT64_MAX;
	next = tv1_next(base);
	for (unsigned level = 0; level < TVN_LEVELS; level++) {
		uint64_t j = tvn_next(base, level);

		if (j < next)
			next = j;
	}
	return next;
}

/* ---- running ----------------------------------------------------------- */

/* Re-files every timer of tvn[level][idx] one or more levels down; clk is
 * the slot's cascade jiffy. Walking from the tail and prepending each timer
 * puts the moved timers, in their own order, ahead of those already at
 * their destination (which were armed later: see the top of this file). */
static void cascade(struct timer_base *base, unsigned level, unsigned idx)
{
	struct timer_list **head = &base->tvn[level][idx];
	struct timer_list *first = *head, *t;
	unsigned from = TVR_SIZE + level * TVN_SIZE + idx;

	if (!first)
		return;
	*head = NULL;
	base->tvn_map[level] &= ~(1ULL << idx);
	t = list_prev(first);
	for (;;) {
		/* Read the link before enqueue() rewrites t's fields. */
		struct timer_list *prev = t == first ? NULL : list_prev(t);

		BUG_ON(t->expires < base->clk);
		enqueue(base, t, true);
		BUG_ON(t->slot == from);
		if (!prev)
			break;
		t = prev;
	}
}

static void cascade_at(struct timer_base *base, uint64_t j)
{
	for (unsigned level = 0; level < TVN_LEVELS; level++) {
		unsigned s = level_shift(level);
		unsigned idx;

		/* A level cascades only when every lower level's index wraps
		 * too, so stop at the first level whose boundary j is not. */
		if (j & ((1ULL << s) - 1))
			return;
		idx = (unsigned)((j >> s) & TVN_MASK);
		if (base->tvn_map[level] & (1ULL << idx))
			cascade(base, level, idx);
	}
}

/* Runs tv1's slot for jiffy j, one timer at a time from the head, so that
 * whatever the functions arm or cancel in this slot is seen: a timer armed
 * for j (or earlier) from a function is appended here and runs in turn, a
 * timer cancelled is simply no longer in the list. */
static unsigned run_slot(struct timer_base *base, uint64_t j)
{
	struct timer_list **head = &base->tv1[j & TVR_MASK];
	unsigned ran = 0;

	while (*head) {
		struct timer_list *t = *head;

		BUG_ON(t->expires != j);
		detach(base, t);
		base->running = t;
		t->function(t);
		base->running = NULL;
		ran++;
	}
	return ran;
}

/* ---- API --------------------------------------------------------------- */

void timer_base_init(struct timer_base *base, uint64_t now)
{
	memset(base, 0, sizeof(*base));
	base->clk = MIN(now, TIMER_CLK_LIMIT);
}

void timer_setup(struct timer_base *base, struct timer_list *timer, void (*fn)(struct timer_list *))
{
	timer->next = NULL;
	timer->pprev = NULL;
	timer->expires = 0;
	timer->function = fn;
	timer->base = base;
	timer->slot = 0;
}

/* A past expiry becomes clk (the jiffy it will actually run at, after the
 * timers already due then) and a too distant one clk + TIMER_MAX_DELTA;
 * timer->expires is rewritten so that it always tells the truth. Re-arming
 * counts as arming anew, also for the order among equal expiries. */
bool mod_timer(struct timer_list *timer, uint64_t expires)
{
	struct timer_base *base = timer->base;
	bool was_pending = timer_pending(timer);

	if (expires < base->clk)
		expires = base->clk;
	else if (expires - base->clk > TIMER_MAX_DELTA)
		expires = base->clk + TIMER_MAX_DELTA;
	/* Re-arming for the expiry it already has, in the slot it would be
	 * filed in now, as the last of that slot: detaching and appending
	 * would leave everything as it is. TCP re-arms its retransmission
	 * timer on every ACK, mostly for the same jiffy; Linux's
	 * __mod_timer returns early for an unchanged expiry the same way. */
	if (was_pending && timer->expires == expires &&
	    slot_for(base->clk, expires) == timer->slot &&
	    timer->next == *slot_head(base, timer->slot))
		return true;
	if (was_pending)
		detach(base, timer);
	timer->expires = expires;
	enqueue(base, timer, false);
	base->pending++;
	return was_pending;
}

bool del_timer(struct timer_list *timer)
{
	if (!timer_pending(timer))
		return false;
	detach(timer->base, timer);
	return true;
}

unsigned timer_run(struct timer_base *base, uint64_t now)
{
	unsigned ran = 0;

	/* Timer functions must not run the wheel they are called from. */
	BUG_ON(base->running);
	now = MIN(now, TIMER_CLK_LIMIT - 1);
	while (base->clk <= now) {
		uint64_t j = next_work(base);

		if (j > now) {
			base->clk = now + 1;
			break;
		}
		base->clk = j;
		cascade_at(base, j);
		ran += run_slot(base, j);
		base->clk = j + 1;
	}
	return ran;
}

uint64_t timer_next_expiry(const struct timer_base *base)
{
	return next_work(base);
}
