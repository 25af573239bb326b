/* The red-black tree under TCP's retransmit queue: random inserts and
 * erases against a reference set, with the tree's rules checked after
 * every operation (order, parent links, a black root, no red node with a
 * red child, one black height on every path), and walks both ways. */
#include "net/rbtree.h"

#include <stdlib.h>

#include "test.h"

#define NKEYS 512

struct item {
	struct rb_node node;
	unsigned key;
	bool in_tree;
};

static uint64_t rnd(uint64_t *s)
{
	/* splitmix64: seeded and reproducible */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void insert(struct rb_root *root, struct item *it)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (it->key < rb_entry(parent, struct item, node)->key)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&it->node, parent, link);
	rb_insert_color(&it->node, root);
	it->in_tree = true;
}

static bool red(const struct rb_node *n)
{
	return n && !(n->parent_colour & RB_BLACK);
}

/* Checks the subtree at n (keys within [lo, hi]); returns its black
 * height, counting the NULL leaves as one. *count gets its size. */
static int check_subtree(const struct rb_node *n, const struct rb_node *parent, unsigned lo,
			 unsigned hi, unsigned *count)
{
	if (!n)
		return 1;
	const struct item *it = rb_entry(n, struct item, node);
	CHECK(rb_parent(n) == parent);
	CHECK(it->key >= lo && it->key <= hi);
	CHECK(it->in_tree);
	if (red(n)) {
		CHECK(!red(n->rb_left));
		CHECK(!red(n->rb_right));
	}
	(*count)++;
	int l = check_subtree(n->rb_left, n, lo, it->key, count);
	int r = check_subtree(n->rb_right, n, it->key, hi, count);
	CHECK_EQ(l, r);
	return l + (red(n) ? 0 : 1);
}

static void check_tree(const struct rb_root *root, const struct item *items, unsigned expect)
{
	unsigned count = 0, walked = 0, prev_key = 0;
	int bh;

	CHECK(!red(root->rb_node));
	bh = check_subtree(root->rb_node, NULL, 0, ~0u, &count);
	CHECK_EQ(count, expect);
	/* height <= 2 log2(n + 1): black height >= half the height */
	CHECK(expect == 0 || (1u << (bh - 1)) <= 2 * (expect + 1));
	/* walk forward: every key in order, each once */
	for (const struct rb_node *n = rb_first(root); n; n = rb_next(n)) {
		const struct item *it = rb_entry(n, struct item, node);
		CHECK(walked == 0 || it->key >= prev_key);
		prev_key = it->key;
		walked++;
	}
	CHECK_EQ(walked, expect);
	/* and back */
	walked = 0;
	for (const struct rb_node *n = rb_last(root); n; n = rb_prev(n)) {
		const struct item *it = rb_entry(n, struct item, node);
		CHECK(walked == 0 || it->key <= prev_key);
		prev_key = it->key;
		walked++;
	}
	CHECK_EQ(walked, expect);
	(void)items;
}

TEST(an_empty_tree_has_no_first_or_last_node)
{
	struct rb_root root = RB_ROOT;

	CHECK(RB_EMPTY_ROOT(&root));
	CHECK(rb_first(&root) == NULL);
	CHECK(rb_last(&root) == NULL);
}

TEST(ascending_inserts_keep_the_tree_balanced_and_in_order)
{
	static struct item items[NKEYS];
	struct rb_root root = RB_ROOT;

	/* The retransmit queue's pattern: every key larger than the last. */
	for (unsigned i = 0; i < NKEYS; i++) {
		items[i] = (struct item){.key = i};
		insert(&root, &items[i]);
		check_tree(&root, items, i + 1);
	}
	CHECK(rb_entry(rb_first(&root), struct item, node)->key == 0);
	CHECK(rb_entry(rb_last(&root), struct item, node)->key == NKEYS - 1);
	/* and removal from the front, as cumulative ACKs do */
	for (unsigned i = 0; i < NKEYS; i++) {
		CHECK(rb_first(&root) == &items[i].node);
		rb_erase(&items[i].node, &root);
		items[i].in_tree = false;
		check_tree(&root, items, NKEYS - i - 1);
	}
	CHECK(RB_EMPTY_ROOT(&root));
}

TEST(random_inserts_and_erases_match_a_reference_set_after_every_operation)
{
	static struct item items[NKEYS];
	struct rb_root root = RB_ROOT;
	uint64_t seed = 12;
	unsigned present = 0;

	for (unsigned i = 0; i < NKEYS; i++)
		items[i] = (struct item){.key = (unsigned)(rnd(&seed) % 300)}; /* duplicates too */
	for (unsigned op = 0; op < 20000; op++) {
		struct item *it = &items[rnd(&seed) % NKEYS];
		if (it->in_tree) {
			rb_erase(&it->node, &root);
			it->in_tree = false;
			present--;
		} else {
			insert(&root, it);
			present++;
		}
		/* the full check is O(n): every operation for the first
		 * thousands, then every 16th */
		if (op < 4000 || op % 16 == 0)
			check_tree(&root, items, present);
	}
	/* the tree holds exactly the reference set */
	unsigned in_ref = 0;
	for (unsigned i = 0; i < NKEYS; i++)
		in_ref += items[i].in_tree;
	CHECK_EQ(in_ref, present);
	for (unsigned i = 0; i < NKEYS; i++) {
		if (!items[i].in_tree)
			continue;
		rb_erase(&items[i].node, &root);
		items[i].in_tree = false;
		check_tree(&root, items, --present);
	}
	CHECK(RB_EMPTY_ROOT(&root));
}

TEST(next_and_prev_step_through_neighbours_from_any_node)
{
	static struct item items[64];
	struct rb_root root = RB_ROOT;

	for (unsigned i = 0; i < 64; i++) {
		items[i] = (struct item){.key = (i * 37) % 64}; /* a permutation */
		insert(&root, &items[i]);
	}
	for (unsigned i = 0; i < 64; i++) {
		const struct rb_node *n = &items[i].node;
		unsigned k = items[i].key;
		const struct rb_node *next = rb_next(n), *prev = rb_prev(n);
		if (k == 63)
			CHECK(next == NULL);
		else
			CHECK_EQ(rb_entry(next, struct item, node)->key, k + 1);
		if (k == 0)
			CHECK(prev == NULL);
		else
			CHECK_EQ(rb_entry(prev, struct item, node)->key, k - 1);
	}
}
