/* Red-black tree (see net/rbtree.h), written from Cormen et al.,
 * "Introduction to Algorithms", 3rd ed., chapter 13: RB-INSERT-FIXUP,
 * RB-TRANSPLANT, RB-DELETE and RB-DELETE-FIXUP, with NULL standing for
 * the book's black sentinel. Where the book reads x.p of a sentinel, the
 * deletion carries x's parent in a variable of its own instead. */
#include "net/rbtree.h"

#include "net/compiler.h"

static inline bool rb_is_red(const struct rb_node *n)
{
	return n && !(n->parent_colour & RB_BLACK);
}
static inline bool rb_is_black(const struct rb_node *n)
{
	return !rb_is_red(n); /* NULL leaves are black */
}
static inline void rb_set_black(struct rb_node *n)
{
	n->parent_colour |= RB_BLACK;
}
static inline void rb_set_red(struct rb_node *n)
{
	n->parent_colour &= ~(uintptr_t)RB_BLACK;
}
static inline unsigned rb_colour(const struct rb_node *n)
{
	return (unsigned)(n->parent_colour & RB_BLACK);
}
static inline void rb_set_colour(struct rb_node *n, unsigned colour)
{
	n->parent_colour = (n->parent_colour & ~(uintptr_t)RB_BLACK) | colour;
}
static inline void rb_set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_colour = (uintptr_t)p | (n->parent_colour & RB_BLACK);
}

/* Makes child take old's place under old's parent (or at the root). */
static void rb_replace_child(struct rb_root *root, struct rb_node *old, struct rb_node *child)
{
	struct rb_node *p = rb_parent(old);

	if (!p)
		root->rb_node = child;
	else if (p->rb_left == old)
		p->rb_left = child;
	else
		p->rb_right = child;
	if (child)
		rb_set_parent(child, p);
}

/* x's right child y rises into x's place; x becomes y's left child. */
static void rb_rotate_left(struct rb_root *root, struct rb_node *x)
{
	struct rb_node *y = x->rb_right;

	x->rb_right = y->rb_left;
	if (y->rb_left)
		rb_set_parent(y->rb_left, x);
	rb_replace_child(root, x, y);
	y->rb_left = x;
	rb_set_parent(x, y);
}

/* The mirror image: x's left child y rises, x becomes its right child. */
static void rb_rotate_right(struct rb_root *root, struct rb_node *x)
{
	struct rb_node *y = x->rb_left;

	x->rb_left = y->rb_right;
	if (y->rb_right)
		rb_set_parent(y->rb_right, x);
	rb_replace_child(root, x, y);
	y->rb_right = x;
	rb_set_parent(x, y);
}

void rb_insert_color(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *p;

	/* Only a red node under a red parent breaks a rule. The parent is
	 * red, so it is not the root and the grandparent exists. */
	while ((p = rb_parent(z)) && rb_is_red(p)) {
		struct rb_node *g = rb_parent(p);
		bool left = p == g->rb_left;
		struct rb_node *uncle = left ? g->rb_right : g->rb_left;

		if (rb_is_red(uncle)) {
			/* Case 1: push the grandparent's blackness down, and
			 * look again two levels up. */
			rb_set_black(p);
			rb_set_black(uncle);
			rb_set_red(g);
			z = g;
			continue;
		}
		if (z == (left ? p->rb_right : p->rb_left)) {
			/* Case 2: bend the inner grandchild outwards. */
			if (left)
				rb_rotate_left(root, p);
			else
				rb_rotate_right(root, p);
			z = p;
			p = rb_parent(z);
		}
		/* Case 3: the parent rises above the grandparent. */
		rb_set_black(p);
		rb_set_red(g);
		if (left)
			rb_rotate_right(root, g);
		else
			rb_rotate_left(root, g);
	}
	rb_set_black(root->rb_node);
}

/* RB-DELETE-FIXUP: x (possibly NULL) under parent carries an extra black
 * from the node removed; move it up or absorb it with rotations. */
static void rb_erase_fixup(struct rb_root *root, struct rb_node *x, struct rb_node *parent)
{
	while (x != root->rb_node && rb_is_black(x)) {
		bool left = x == parent->rb_left;
		/* x's side is one black short, so its sibling has a black
		 * height of at least one: never NULL. */
		struct rb_node *w = left ? parent->rb_right : parent->rb_left;

		BUG_ON(!w);
		if (rb_is_red(w)) {
			/* Case 1: make the sibling black by rotating it up. */
			rb_set_black(w);
			rb_set_red(parent);
			if (left)
				rb_rotate_left(root, parent);
			else
				rb_rotate_right(root, parent);
			w = left ? parent->rb_right : parent->rb_left;
			BUG_ON(!w);
		}
		if (rb_is_black(w->rb_left) && rb_is_black(w->rb_right)) {
			/* Case 2: take one black off both sides; the parent
			 * carries the extra black now. */
			rb_set_red(w);
			x = parent;
			parent = rb_parent(x);
			continue;
		}
		if (rb_is_black(left ? w->rb_right : w->rb_left)) {
			/* Case 3: the sibling's red child goes to the outer
			 * side. */
			struct rb_node *inner = left ? w->rb_left : w->rb_right;
			rb_set_black(inner);
			rb_set_red(w);
			if (left)
				rb_rotate_right(root, w);
			else
				rb_rotate_left(root, w);
			w = left ? parent->rb_right : parent->rb_left;
			BUG_ON(!w);
		}
		/* Case 4: rotating the sibling up pays the extra black. */
		rb_set_colour(w, rb_colour(parent));
		rb_set_black(parent);
		rb_set_black(left ? w->rb_right : w->rb_left);
		if (left)
			rb_rotate_left(root, parent);
		else
			rb_rotate_right(root, parent);
		x = root->rb_node;
		break;
	}
	if (x)
		rb_set_black(x);
}

void rb_erase(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *x, *x_parent;
	unsigned removed_colour = rb_colour(z);

	if (!z->rb_left) {
		x = z->rb_right;
		x_parent = rb_parent(z);
		rb_replace_child(root, z, x);
	} else if (!z->rb_right) {
		x = z->rb_left;
		x_parent = rb_parent(z);
		rb_replace_child(root, z, x);
	} else {
		/* Two children: z's successor y (leftmost of the right
		 * subtree, no left child) takes z's place and colour; the
		 * colour lost is y's own. */
		struct rb_node *y = z->rb_right;
		while (y->rb_left)
			y = y->rb_left;
		removed_colour = rb_colour(y);
		x = y->rb_right;
		if (rb_parent(y) == z) {
			x_parent = y;
		} else {
			x_parent = rb_parent(y);
			rb_replace_child(root, y, x);
			y->rb_right = z->rb_right;
			rb_set_parent(y->rb_right, y);
		}
		rb_replace_child(root, z, y);
		y->rb_left = z->rb_left;
		rb_set_parent(y->rb_left, y);
		rb_set_colour(y, rb_colour(z));
	}
	if (removed_colour == RB_BLACK)
		rb_erase_fixup(root, x, x_parent);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (n)
		while (n->rb_left)
			n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (n)
		while (n->rb_right)
			n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *p;

	if (node->rb_right) {
		struct rb_node *n = node->rb_right;
		while (n->rb_left)
			n = n->rb_left;
		return n;
	}
	/* Up until we leave a left subtree: that parent comes next. */
	while ((p = rb_parent(node)) && node == p->rb_right)
		node = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *p;

	if (node->rb_left) {
		struct rb_node *n = node->rb_left;
		while (n->rb_right)
			n = n->rb_right;
		return n;
	}
	while ((p = rb_parent(node)) && node == p->rb_left)
		node = p;
	return p;
}
