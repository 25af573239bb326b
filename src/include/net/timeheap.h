/* A binary min-heap of elements ordered by time, and among equal times by
 * the order they were pushed (Linux keeps a generic one in
 * include/linux/min_heap.h; this one knows its order, so comparing costs
 * no indirect call). The simulator's events and a device impairment's
 * held frames both live in one.
 *
 * Every element starts with a struct timeheap_key; the rest is the user's
 * and is copied in and out whole. The push sequence number makes every key
 * unique, so elements come out in one order whatever the heap's shape:
 * with a seeded world, simultaneous events are handled in the order they
 * were scheduled and a run repeats exactly.
 *
 * Costs: push and pop are O(log n) with one element copy per level; the
 * array grows by doubling, so a push allocates only when it is full. */
#ifndef USERTCP_NET_TIMEHEAP_H
#define USERTCP_NET_TIMEHEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timeheap_key {
	uint64_t time;
	uint64_t seq; /* set by timeheap_push */
};

struct timeheap {
	void *data; /* len elements of esize bytes */
	size_t esize;
	unsigned len, cap;
	unsigned first_cap; /* elements of the first allocation */
	unsigned max_cap;   /* capacity it never grows past; 0: no limit */
	uint64_t next_seq;
};

/* An empty heap of esize-byte elements (each starting with a struct
 * timeheap_key) that allocates nothing until the first push. */
void timeheap_init(struct timeheap *h, size_t esize, unsigned first_cap, unsigned max_cap);
/* Frees the array; the caller has released what the elements held. */
void timeheap_free(struct timeheap *h);
/* Copies elem in, stamped with the next sequence number. 0, -ENOMEM, or
 * -ENOBUFS when the heap holds max_cap elements. */
int timeheap_push(struct timeheap *h, const void *elem);
/* Moves the earliest element into out. The heap must not be empty. */
void timeheap_pop(struct timeheap *h, void *out);
/* Takes out every element for which drop(elem, arg) is true; drop may
 * release what the element holds. The rest keep their order. */
void timeheap_remove_if(struct timeheap *h, bool (*drop)(void *elem, void *arg), void *arg);

/* Element i of the array, in no particular order (for walking them all). */
static inline void *timeheap_elem(const struct timeheap *h, unsigned i)
{
	return (char *)h->data + (size_t)i * h->esize;
}

/* The earliest element's time, or UINT64_MAX when empty. */
static inline uint64_t timeheap_next(const struct timeheap *h)
{
	return h->len ? ((const struct timeheap_key *)h->data)->time : UINT64_MAX;
}

#endif
