/* Packet buffer allocation: descriptors and size-classed data buffers kept
 * on free lists, so a warm pool serves the hot path without malloc.
 * See net/skbuff.h for the buffer layout and the sharing rules. */
#include "net/skbuff.h"

#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/netdevice.h"

/* Data buffer size classes. 2048 holds an Ethernet frame with headroom;
 * 65536+512 holds a reassembled 64 KiB IPv4 datagram with headroom. Larger
 * requests are served by malloc directly (class OVERSIZE) and never cached. */
static const uint32_t skb_class_size[] = {256, 2048, 16384, 65536 + 512};
#define SKB_NR_CLASSES ((int)ARRAY_SIZE(skb_class_size))
#define SKB_CLASS_OVERSIZE 0xff

/* Upper bound on memory parked on free lists: beyond it freed buffers go
 * back to malloc, so a burst does not pin memory for the pool's lifetime. */
#define SKB_CACHE_MAX_BYTES (16u << 20)

struct skb_free_buf {
	struct skb_free_buf *next;
};

struct skb_pool {
	struct sk_buff *free_skbs;
	struct skb_free_buf *free_bufs[SKB_NR_CLASSES];
	size_t limit_bytes;
	struct skb_pool_stats st;
};

struct skb_pool *skb_pool_create(size_t limit_bytes)
{
	struct skb_pool *pool = ut_calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->limit_bytes = limit_bytes;
	return pool;
}

void skb_pool_destroy(struct skb_pool *pool)
{
	if (!pool)
		return;
	while (pool->free_skbs) {
		struct sk_buff *skb = pool->free_skbs;
		pool->free_skbs = skb->next;
		free(skb);
	}
	for (int c = 0; c < SKB_NR_CLASSES; c++) {
		while (pool->free_bufs[c]) {
			struct skb_free_buf *b = pool->free_bufs[c];
			pool->free_bufs[c] = b->next;
			free(b);
		}
	}
	free(pool);
}

void skb_pool_get_stats(const struct skb_pool *pool, struct skb_pool_stats *st)
{
	*st = pool->st;
}

size_t skb_pool_in_use(const struct skb_pool *pool)
{
	return pool->st.in_use_skbs + pool->st.in_use_bufs;
}

size_t skb_pool_limit(const struct skb_pool *pool)
{
	return pool->limit_bytes;
}

void skb_pool_set_limit(struct skb_pool *pool, size_t limit_bytes)
{
	pool->limit_bytes = limit_bytes;
}

static struct sk_buff *skb_desc_alloc(struct skb_pool *pool)
{
	struct sk_buff *skb = pool->free_skbs;
	if (skb) {
		pool->free_skbs = skb->next;
	} else {
		skb = ut_malloc(sizeof(*skb));
		if (!skb)
			return NULL;
		pool->st.mallocs++;
	}
	pool->st.in_use_skbs++;
	return skb;
}

static void skb_desc_free(struct skb_pool *pool, struct sk_buff *skb)
{
	pool->st.in_use_skbs--;
	if (pool->st.cached_bytes + sizeof(*skb) > SKB_CACHE_MAX_BYTES) {
		free(skb);
		return;
	}
	skb->next = pool->free_skbs;
	pool->free_skbs = skb;
}

static bool skb_over_limit(const struct skb_pool *pool, size_t more)
{
	return pool->limit_bytes && pool->st.in_use_bytes + more > pool->limit_bytes;
}

/* A data buffer of at least size bytes plus the shared info. */
static uint8_t *skb_buf_alloc(struct skb_pool *pool, uint32_t size, uint8_t *cls,
			      uint32_t *capacity)
{
	uint8_t *buf;
	int c;

	for (c = 0; c < SKB_NR_CLASSES; c++)
		if (size <= skb_class_size[c])
			break;
	if (c == SKB_NR_CLASSES) {
		*cls = SKB_CLASS_OVERSIZE;
		*capacity = (size + 7u) & ~7u;
		buf = ut_malloc((size_t)*capacity + sizeof(struct skb_shared_info));
		if (buf)
			pool->st.mallocs++;
		return buf;
	}
	*cls = (uint8_t)c;
	*capacity = skb_class_size[c];
	if (pool->free_bufs[c]) {
		struct skb_free_buf *b = pool->free_bufs[c];
		pool->free_bufs[c] = b->next;
		pool->st.cached_bytes -= *capacity;
		return (uint8_t *)b;
	}
	buf = ut_malloc((size_t)*capacity + sizeof(struct skb_shared_info));
	if (buf)
		pool->st.mallocs++;
	return buf;
}

static void skb_buf_free(struct skb_pool *pool, uint8_t *head, uint8_t cls, uint32_t capacity)
{
	if (cls == SKB_CLASS_OVERSIZE || pool->st.cached_bytes + capacity > SKB_CACHE_MAX_BYTES) {
		free(head);
		return;
	}
	struct skb_free_buf *b = (struct skb_free_buf *)(void *)head;
	b->next = pool->free_bufs[cls];
	pool->free_bufs[cls] = b;
	pool->st.cached_bytes += capacity;
}

struct sk_buff *alloc_skb(struct skb_pool *pool, uint32_t size)
{
	struct sk_buff *skb;
	uint8_t *head, cls;
	uint32_t capacity;

	if (skb_over_limit(pool, sizeof(*skb) + size) || fault_should_fail())
		goto fail;
	skb = skb_desc_alloc(pool);
	if (!skb)
		goto fail;
	head = skb_buf_alloc(pool, size, &cls, &capacity);
	if (!head) {
		skb_desc_free(pool, skb);
		goto fail;
	}
	/* Field by field rather than memset and patch: for the 144-byte
	 * descriptor gcc's memset is a `rep stos`, whose start-up cost was
	 * the largest single item of a small segment's allocation in
	 * bench_pair's round trips. Every field is written, so the result
	 * is the zeroed descriptor with the fields below set, as before. */
	skb->next = skb->prev = NULL;
	skb->dev = NULL;
	skb->pool = pool;
	/* the union's larger member first, so that all of its bytes are 0 */
	skb->tcp_tsorted_anchor.next = skb->tcp_tsorted_anchor.prev = NULL;
	skb->mac_header = skb->network_header = skb->transport_header = SKB_HDR_UNSET;
	skb->head = skb->data = head;
	skb->end = head + capacity;
	skb->len = 0;
	skb->truesize = (uint32_t)(sizeof(*skb) + capacity + sizeof(struct skb_shared_info));
	skb->ip_summed = 0;
	skb->pkt_type = 0;
	skb->size_class = cls;
	skb->sk = NULL;
	skb->destructor = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(skb->cb); i++)
		skb->cb[i] = 0;
	skb_shinfo(skb)->dataref = 1;
	skb_shinfo(skb)->capacity = capacity;
	skb_shinfo(skb)->gso_size = 0;
	skb_shinfo(skb)->gso_segs = 0;
	skb_shinfo(skb)->gso_type = 0;
	skb_shinfo(skb)->flags = 0;
	pool->st.allocs++;
	pool->st.in_use_bufs++;
	pool->st.in_use_bytes += skb->truesize;
	return skb;
fail:
	pool->st.alloc_failures++;
	return NULL;
}

void kfree_skb(struct sk_buff *skb)
{
	struct skb_pool *pool;
	struct skb_shared_info *shinfo;

	if (!skb)
		return;
	/* a packet dropped on the way gives its charge back too */
	skb_orphan(skb);
	pool = skb->pool;
	shinfo = skb_shinfo(skb);
	pool->st.frees++;
	/* The pool counts each descriptor, and each buffer once, whatever
	 * the truesize sockets were charged. */
	pool->st.in_use_bytes -= sizeof(*skb);
	if (--shinfo->dataref == 0) {
		/* the lent memory this buffer referenced is released */
		if (shinfo->flags & SKBFL_ZEROCOPY_FRAG)
			net_zcopy_put(skb_zcopy_data(skb)->uarg);
		pool->st.in_use_bytes -= shinfo->capacity + sizeof(struct skb_shared_info);
		pool->st.in_use_bufs--;
		skb_buf_free(pool, skb->head, skb->size_class, shinfo->capacity);
	}
	skb_desc_free(pool, skb);
}

struct sk_buff *skb_clone(struct sk_buff *skb)
{
	struct skb_pool *pool = skb->pool;
	struct sk_buff *n;

	if (skb_over_limit(pool, sizeof(*n)) || fault_should_fail())
		goto fail;
	n = skb_desc_alloc(pool);
	if (!n)
		goto fail;
	memcpy(n, skb, sizeof(*n));
	n->next = n->prev = NULL;
	/* the charge stays with skb (Linux's __skb_clone leaves n->sk and
	 * its destructor unset) */
	n->sk = NULL;
	n->destructor = NULL;
	/* A clone keeps the truesize, as in Linux: a socket holding it holds
	 * the whole buffer (the sender may free its copy first: a clone
	 * handed over by loopback or the simulator). The pool counts only
	 * the new descriptor. */
	skb_shinfo(skb)->dataref++;
	pool->st.clones++;
	pool->st.in_use_bytes += sizeof(*n);
	return n;
fail:
	pool->st.alloc_failures++;
	return NULL;
}

struct sk_buff *skb_copy(const struct sk_buff *skb, struct skb_pool *pool)
{
	uint32_t headroom = skb_headroom(skb);
	struct sk_buff *n = alloc_skb(pool, headroom + skb->len);

	if (!n)
		return NULL;
	/* The headroom too, as Linux's skb_copy: a received buffer's link and
	 * network headers lie before data once pulled, and the offsets copied
	 * below must find them in the copy (TCP reads a segment's addresses
	 * from its IP header). A nonlinear buffer's pieces are gathered after
	 * its linear part: the copy is an ordinary buffer. */
	skb_reserve(n, headroom);
	memcpy(n->head, skb->data - headroom, headroom);
	skb_copy_bits(skb, 0, skb_put(n, skb->len), skb->len);
	if (skb_zcopy(skb))
		skb_zcopy_data(skb)->uarg->zerocopy = false;
	skb_copy_header(n, skb);
	return n;
}

void skb_copy_header(struct sk_buff *n, const struct sk_buff *old)
{
	n->dev = old->dev;
	n->tstamp = old->tstamp;
	n->protocol = old->protocol;
	n->mac_header = old->mac_header;
	n->network_header = old->network_header;
	n->transport_header = old->transport_header;
	n->ip_summed = old->ip_summed;
	n->pkt_type = old->pkt_type;
	memcpy(n->cb, old->cb, sizeof(n->cb));
	/* the copy is still the same GSO packet (Linux's copy_skb_header) */
	skb_shinfo(n)->gso_size = skb_shinfo(old)->gso_size;
	skb_shinfo(n)->gso_segs = skb_shinfo(old)->gso_segs;
	skb_shinfo(n)->gso_type = skb_shinfo(old)->gso_type;
}

/* Gives skb a private copy of its data (and the flat form of a nonlinear
 * one). */
static int skb_copy_data_in_place(struct sk_buff *skb)
{
	struct sk_buff *n = skb_copy(skb, skb->pool);

	if (!n)
		return -ENOBUFS;
	/* Swap the private buffer into skb and release skb's share of the old
	 * one through n, so accounting stays with the descriptors. */
	uint8_t *head = skb->head, *data = skb->data, *end = skb->end;
	uint32_t truesize = skb->truesize;
	uint8_t cls = skb->size_class;
	skb->head = n->head;
	skb->data = n->data;
	skb->end = n->end;
	skb->size_class = n->size_class;
	n->head = head;
	n->data = data;
	n->end = end;
	n->size_class = cls;
	/* A socket's charge is given back as it was taken: an owned
	 * buffer keeps its truesize (Linux's pskb_expand_head changes it
	 * only for a buffer without a socket). */
	if (!skb->sk) {
		skb->truesize = n->truesize;
		n->truesize = truesize;
	}
	kfree_skb(n);
	return 0;
}

int skb_unshare_data(struct sk_buff *skb)
{
	return skb_cloned(skb) ? skb_copy_data_in_place(skb) : 0;
}

int skb_linearize(struct sk_buff *skb)
{
	return skb_is_nonlinear(skb) ? skb_copy_data_in_place(skb) : 0;
}

void skb_queue_purge(struct sk_buff_head *list)
{
	struct sk_buff *skb;
	while ((skb = skb_dequeue(list)) != NULL)
		kfree_skb(skb);
}

void skb_queue_splice_tail_init(struct sk_buff_head *from, struct sk_buff_head *to)
{
	if (skb_queue_empty(from))
		return;
	if (to->prev)
		to->prev->next = from->next;
	else
		to->next = from->next;
	from->next->prev = to->prev;
	to->prev = from->prev;
	to->qlen += from->qlen;
	to->bytes += from->bytes;
	skb_queue_head_init(from);
}

uint32_t skb_copied_truesize(const struct sk_buff *skb)
{
	/* A driver's buffer for the frame: from its link header (or its
	 * data, when it has none set) to its end, behind NET_IP_ALIGN. */
	uint32_t end = (uint32_t)(skb->data - skb->head) + skb->len;
	uint32_t start = (uint32_t)(skb->data - skb->head);
	uint32_t fit, own;

	if (skb->mac_header != SKB_HDR_UNSET && skb->mac_header < start)
		start = skb->mac_header;
	fit = skb_truesize_for(skb->pool, NET_IP_ALIGN + end - start);
	own = MIN(skb->truesize, fit);

	return own > sizeof(struct sk_buff) ? own - (uint32_t)sizeof(struct sk_buff) : 0;
}

uint32_t skb_truesize_for(const struct skb_pool *pool, uint32_t size)
{
	uint32_t capacity = size;

	(void)pool;
	for (int c = 0; c < SKB_NR_CLASSES; c++) {
		if (size <= skb_class_size[c]) {
			capacity = skb_class_size[c];
			break;
		}
	}
	return (uint32_t)(sizeof(struct sk_buff) + capacity + sizeof(struct skb_shared_info));
}
