/* An intrusive red-black tree with Linux's rb_* names (usertcp's own
 * code, written from the textbook algorithm: Cormen et al., "Introduction
 * to Algorithms", chapter 13).
 *
 * The tree does not compare keys. A caller finds the place for a new node
 * by walking down from rb_root itself (it knows its key), links the node
 * there with rb_link_node(), then calls rb_insert_color() to restore the
 * red-black rules. This keeps the comparison inline and typed at every
 * user, as in Linux (TCP's retransmit queue is keyed by sequence number,
 * compared with after()).
 *
 * Rules kept after every rb_insert_color() and rb_erase(): the root is
 * black, a red node has no red child, and every path from a node down to
 * a leaf passes the same number of black nodes. So the height stays at
 * most 2 log2(n + 1): insert, erase and search are O(log n); rb_first,
 * rb_last are O(log n); rb_next, rb_prev are O(1) amortised over a walk,
 * O(log n) at worst.
 *
 * The colour lives in the low bit of the parent pointer (nodes are at
 * least 2-byte aligned), so a node is three pointers: 24 bytes on LP64,
 * the size an sk_buff gives it (skbuff.h).
 */
#ifndef USERTCP_NET_RBTREE_H
#define USERTCP_NET_RBTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rb_node {
	uintptr_t parent_colour; /* parent pointer | RB_BLACK bit */
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_RED 0u
#define RB_BLACK 1u
#define RB_ROOT ((struct rb_root){NULL})

#define rb_entry(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline struct rb_node *rb_parent(const struct rb_node *n)
{
	return (struct rb_node *)(n->parent_colour & ~(uintptr_t)1);
}

static inline bool RB_EMPTY_ROOT(const struct rb_root *root)
{
	return root->rb_node == NULL;
}

/* Links node as a child of parent at *link (one of parent's child
 * pointers, or &root->rb_node for an empty tree): red, no children. The
 * tree may break the rules until rb_insert_color(node, root). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent, struct rb_node **link)
{
	node->parent_colour = (uintptr_t)parent; /* red */
	node->rb_left = node->rb_right = NULL;
	*link = node;
}

/* Restores the rules after rb_link_node(node, ...). O(log n) recolourings,
 * at most two rotations. */
void rb_insert_color(struct rb_node *node, struct rb_root *root);
/* Removes node from the tree. O(log n), at most three rotations. The node's
 * own fields are left undefined. */
void rb_erase(struct rb_node *node, struct rb_root *root);
/* The leftmost (smallest) node, or NULL for an empty tree. */
struct rb_node *rb_first(const struct rb_root *root);
/* The rightmost (largest) node, or NULL for an empty tree. */
struct rb_node *rb_last(const struct rb_root *root);
/* The in-order successor of node, or NULL after the last. */
struct rb_node *rb_next(const struct rb_node *node);
/* The in-order predecessor of node, or NULL before the first. */
struct rb_node *rb_prev(const struct rb_node *node);

#endif
