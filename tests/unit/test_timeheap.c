/* The time-ordered heap under the simulator's events and a device
 * impairment's held frames: earliest first, equal times in push order
 * (what makes a seeded world repeat), its size limit, and removal. */
#include "net/timeheap.h"

#include <errno.h>

#include "test.h"

struct item {
	struct timeheap_key key;
	unsigned id;	 /* push order */
	uint8_t pad[20]; /* an element larger than its key, of an odd size */
};

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64: seeded and reproducible */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void push(struct timeheap *h, uint64_t time, unsigned id)
{
	struct item it = {.key.time = time, .id = id};

	CHECK_EQ(timeheap_push(h, &it), 0);
}

static bool before(const struct item *a, const struct item *b)
{
	return a->key.time < b->key.time || (a->key.time == b->key.time && a->id < b->id);
}

/* Pops one element, checking that it came before everything left. */
static void pop_first(struct timeheap *h, struct item *it)
{
	uint64_t next = timeheap_next(h);

	timeheap_pop(h, it);
	CHECK_EQ(it->key.time, next);
	for (unsigned i = 0; i < h->len; i++)
		CHECK(before(it, timeheap_elem(h, i)));
}

static unsigned drain_in_order(struct timeheap *h)
{
	struct item it;
	unsigned n = 0;

	for (; h->len; n++)
		pop_first(h, &it);
	CHECK_EQ(timeheap_next(h), UINT64_MAX);
	return n;
}

TEST(elements_come_out_earliest_first_and_equal_times_in_push_order)
{
	struct timeheap h;
	uint64_t seed = 7;
	unsigned id = 0, out = 0;

	timeheap_init(&h, sizeof(struct item), 4, 0);
	CHECK_EQ(timeheap_next(&h), UINT64_MAX);
	/* Few distinct times, so that most elements tie; pops interleaved
	 * with pushes, as the simulator does. */
	for (unsigned round = 0; round < 50; round++) {
		struct item it;
		for (unsigned i = 0; i < 100; i++)
			push(&h, rnd(&seed) % 16, id++);
		for (unsigned i = 0; i < 30; i++, out++)
			pop_first(&h, &it);
	}
	out += drain_in_order(&h);
	CHECK_EQ(out, id);
	timeheap_free(&h);
}

TEST(a_heap_with_a_limit_refuses_past_it)
{
	struct timeheap h;

	timeheap_init(&h, sizeof(struct item), 4, 16);
	for (unsigned i = 0; i < 16; i++)
		push(&h, 100 - i, i);
	struct item it = {.key.time = 1};
	CHECK_EQ(timeheap_push(&h, &it), -ENOBUFS);
	CHECK_EQ(h.len, 16);
	CHECK_EQ(timeheap_next(&h), 85);
	CHECK_EQ(drain_in_order(&h), 16);
	timeheap_free(&h);
}

static bool drop_odd(void *elem, void *arg)
{
	struct item *it = elem;

	if (!(it->id & 1))
		return false;
	(*(unsigned *)arg)++;
	return true;
}

TEST(removed_elements_leave_the_rest_in_order)
{
	struct timeheap h;
	uint64_t seed = 11;
	unsigned dropped = 0;

	timeheap_init(&h, sizeof(struct item), 8, 0);
	for (unsigned i = 0; i < 500; i++)
		push(&h, rnd(&seed) % 64, i);
	timeheap_remove_if(&h, drop_odd, &dropped);
	CHECK_EQ(dropped, 250);
	CHECK_EQ(h.len, 250);
	for (unsigned i = 0; i < h.len; i++)
		CHECK(!(((struct item *)timeheap_elem(&h, i))->id & 1));
	/* Still a heap, and pushes after the removal keep FIFO order. */
	push(&h, 0, 1000);
	push(&h, 0, 1001);
	CHECK_EQ(drain_in_order(&h), 252);
	timeheap_free(&h);
}
