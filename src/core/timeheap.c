/* The time-ordered heap declared in net/timeheap.h. Elements are moved
 * into a hole rather than swapped: sifting copies each element it passes
 * once, and the moving one once at the end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/fault.h"
#include "net/timeheap.h"

static bool key_before(const struct timeheap_key *a, const struct timeheap_key *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static const struct timeheap_key *key_at(const struct timeheap *h, unsigned i)
{
	return timeheap_elem(h, i);
}

void timeheap_init(struct timeheap *h, size_t esize, unsigned first_cap, unsigned max_cap)
{
	memset(h, 0, sizeof(*h));
	h->esize = esize;
	h->first_cap = first_cap;
	h->max_cap = max_cap;
}

void timeheap_free(struct timeheap *h)
{
	free(h->data);
	h->data = NULL;
	h->len = h->cap = 0;
}

static int timeheap_grow(struct timeheap *h)
{
	unsigned cap = h->cap ? h->cap * 2 : h->first_cap;
	void *data;

	if (h->max_cap && h->cap >= h->max_cap)
		return -ENOBUFS;
	data = ut_realloc(h->data, (size_t)cap * h->esize);
	if (!data)
		return -ENOMEM;
	h->data = data;
	h->cap = cap;
	return 0;
}

int timeheap_push(struct timeheap *h, const void *elem)
{
	struct timeheap_key key;
	unsigned i;

	if (h->len == h->cap) {
		int err = timeheap_grow(h);
		if (err)
			return err;
	}
	memcpy(&key, elem, sizeof(key));
	key.seq = h->next_seq++;
	/* Sift up: parents later than the new key move down into the hole. */
	for (i = h->len++; i > 0;) {
		unsigned parent = (i - 1) / 2;
		if (!key_before(&key, key_at(h, parent)))
			break;
		memcpy(timeheap_elem(h, i), timeheap_elem(h, parent), h->esize);
		i = parent;
	}
	memcpy(timeheap_elem(h, i), elem, h->esize);
	memcpy(timeheap_elem(h, i), &key, sizeof(key));
	return 0;
}

void timeheap_pop(struct timeheap *h, void *out)
{
	unsigned i = 0, n = --h->len;
	/* The last element fills the root's hole; it stays at index n, past
	 * the end, while the sift-down (which writes below n) finds its
	 * place. */
	const struct timeheap_key *last = key_at(h, n);

	memcpy(out, h->data, h->esize);
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m;
		if (l >= n)
			break;
		m = r < n && key_before(key_at(h, r), key_at(h, l)) ? r : l;
		if (!key_before(key_at(h, m), last))
			break;
		memcpy(timeheap_elem(h, i), timeheap_elem(h, m), h->esize);
		i = m;
	}
	if (i != n)
		memcpy(timeheap_elem(h, i), last, h->esize);
}

static int key_cmp(const void *a, const void *b)
{
	const struct timeheap_key *x = a, *y = b;
	return key_before(x, y) ? -1 : key_before(y, x);
}

void timeheap_remove_if(struct timeheap *h, bool (*drop)(void *elem, void *arg), void *arg)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < h->len; i++) {
		if (drop(timeheap_elem(h, i), arg))
			continue;
		if (kept != i)
			memcpy(timeheap_elem(h, kept), timeheap_elem(h, i), h->esize);
		kept++;
	}
	if (kept != h->len) {
		/* Keys are unique, and an array sorted by them is a heap. */
		h->len = kept;
		qsort(h->data, kept, h->esize, key_cmp);
	}
}
