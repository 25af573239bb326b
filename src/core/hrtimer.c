/* High-resolution timers on a pairing heap (net/hrtimer.h).
 *
 * The heap. Every pending timer is a node; the root is the earliest. A
 * node's children form a list through sibling, and prev points back to
 * the previous sibling, or to the parent for the first child, so that any
 * node can be cut out in O(1). Two heaps meet by "linking": the later
 * root becomes the first child of the earlier. Removing the root leaves
 * its children, which are combined by the classic two passes: link them
 * in pairs left to right, then link the pairs right to left. That second
 * pass is what gives the O(log n) amortised bound (a single left-to-right
 * pass can cost O(n) every time).
 *
 * Order. Keys are (expires, seq) with seq from a per-base counter at
 * arming, so no two keys are equal and the run order does not depend on
 * the heap's shape. */
#include "net/hrtimer.h"

#include <stddef.h>

static bool hrtimer_before(const struct hrtimer *a, const struct hrtimer *b)
{
	return a->expires < b->expires || (a->expires == b->expires && a->seq < b->seq);
}

/* Links two roots; returns the new root, the earlier of the two. */
static struct hrtimer *hrtimer_link(struct hrtimer *a, struct hrtimer *b)
{
	if (hrtimer_before(b, a)) {
		struct hrtimer *t = a;
		a = b;
		b = t;
	}
	b->sibling = a->child;
	if (a->child)
		a->child->prev = b;
	b->prev = a;
	a->child = b;
	a->sibling = NULL;
	a->prev = NULL;
	return a;
}

/* Combines a list of siblings into one heap; returns its root (NULL for
 * an empty list). */
static struct hrtimer *hrtimer_merge_pairs(struct hrtimer *first)
{
	struct hrtimer *pairs = NULL, *root = NULL;

	/* Left to right, in pairs; the results are pushed on a list through
	 * sibling, so it holds them last pair first. */
	while (first) {
		struct hrtimer *a = first, *b = a->sibling, *m;
		if (!b) {
			a->prev = NULL;
			a->sibling = pairs;
			pairs = a;
			break;
		}
		first = b->sibling;
		m = hrtimer_link(a, b);
		m->sibling = pairs;
		pairs = m;
	}
	/* Right to left, into one. */
	while (pairs) {
		struct hrtimer *next = pairs->sibling;
		pairs->sibling = NULL;
		pairs->prev = NULL;
		root = root ? hrtimer_link(root, pairs) : pairs;
		pairs = next;
	}
	return root;
}

void hrtimer_base_init(struct hrtimer_base *base)
{
	base->root = NULL;
	base->next_seq = 0;
	base->pending = 0;
	base->running = NULL;
}

void hrtimer_setup(struct hrtimer_base *base, struct hrtimer *timer,
		   enum hrtimer_restart (*fn)(struct hrtimer *))
{
	timer->child = timer->sibling = timer->prev = NULL;
	timer->expires = 0;
	timer->seq = 0;
	timer->function = fn;
	timer->base = base;
	timer->queued = false;
}

static void hrtimer_enqueue(struct hrtimer *timer)
{
	struct hrtimer_base *base = timer->base;

	timer->child = timer->sibling = timer->prev = NULL;
	timer->seq = base->next_seq++;
	timer->queued = true;
	base->pending++;
	base->root = base->root ? hrtimer_link(base->root, timer) : timer;
}

bool hrtimer_cancel(struct hrtimer *timer)
{
	struct hrtimer_base *base = timer->base;
	struct hrtimer *sub;

	if (!timer->queued)
		return false;
	sub = hrtimer_merge_pairs(timer->child);
	if (timer == base->root) {
		base->root = sub;
	} else {
		/* Cut the subtree out of its parent's list of children. */
		if (timer->prev->child == timer)
			timer->prev->child = timer->sibling;
		else
			timer->prev->sibling = timer->sibling;
		if (timer->sibling)
			timer->sibling->prev = timer->prev;
		if (sub)
			base->root = hrtimer_link(base->root, sub);
	}
	timer->child = timer->sibling = timer->prev = NULL;
	timer->queued = false;
	base->pending--;
	return true;
}

void hrtimer_start(struct hrtimer *timer, uint64_t expires)
{
	hrtimer_cancel(timer);
	timer->expires = expires;
	hrtimer_enqueue(timer);
}

unsigned hrtimer_run(struct hrtimer_base *base, uint64_t now)
{
	unsigned ran = 0;

	while (base->root && base->root->expires <= now) {
		struct hrtimer *timer = base->root;
		enum hrtimer_restart r;

		hrtimer_cancel(timer);
		base->running = timer;
		r = timer->function(timer);
		base->running = NULL;
		ran++;
		if (r == HRTIMER_RESTART && !timer->queued)
			hrtimer_enqueue(timer);
	}
	return ran;
}
