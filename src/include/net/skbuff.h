/* Packet buffers, shaped like Linux's struct sk_buff.
 *
 * An sk_buff is a small descriptor pointing into a data buffer:
 *
 *   head            data                 tail = data + len        end
 *   |-- headroom ---|------ packet ------|------- tailroom -------|[shinfo]
 *
 * Each layer on the way down pushes its header into the headroom (skb_push)
 * without moving the payload; each layer on the way up pulls its header off
 * (skb_pull). Buffers are linear, with one exception: a MSG_ZEROCOPY
 * buffer's payload stays in the memory the application lent (below).
 *
 * skb_clone() makes a second descriptor sharing the same data, counted in
 * the shared info at the end of the buffer (Linux's skb_shinfo()->dataref):
 * TCP keeps the original on its retransmission queue and transmits a clone.
 * Shared data must be treated as read-only; skb_copy() gives a private copy.
 *
 * Descriptors and data buffers come from a struct skb_pool, with free lists
 * per size class, so that once the pool is warm the hot path never calls
 * malloc. A pool may have a byte limit; past it alloc_skb fails (NULL), which
 * callers report as ENOBUFS, as Linux does when an skb allocation fails.
 *
 * Not thread-safe: a pool and its buffers belong to one stack (or one
 * simulated world) and are touched only by the thread running it.
 */
#ifndef USERTCP_NET_SKBUFF_H
#define USERTCP_NET_SKBUFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/compiler.h"
#include "net/list.h"
#include "net/rbtree.h"

struct net_device;
struct skb_pool;
struct sock;

/* ip_summed: what is known about the checksum (Linux's meanings). */
#define CHECKSUM_NONE 0	       /* nothing verified: software must check */
#define CHECKSUM_UNNECESSARY 1 /* device verified it on receive */
#define CHECKSUM_PARTIAL 2     /* on transmit: device will fill it in */

/* pkt_type: how the frame was addressed at layer 2. */
#define PACKET_HOST 0
#define PACKET_BROADCAST 1
#define PACKET_MULTICAST 2

struct sk_buff {
	/* An skb sits on one queue at a time: a list (next, prev), or TCP's
	 * retransmit queue, a tree keyed by sequence (rbnode, tcp.h). The
	 * tree node shares its room with next, prev and dev as in Linux:
	 * dev is meaningful only from the IP layer down, and TCP's queued
	 * originals never get that far (their clones do). */
	union {
		struct {
			struct sk_buff *next, *prev; /* queue linkage */
			struct net_device *dev;
		};
		struct rb_node rbnode;
	};
	struct skb_pool *pool;
	/* Linux keeps TCP's send-time list anchor in a union with fields
	 * that a queued original does not use; here those are the device
	 * timestamp and the header offsets, which only the layers below
	 * TCP set, on the clone they are handed. tcp_output.c gives a clone
	 * the values of a fresh skb for them (tcp_skb_clone_for_xmit). */
	union {
		struct {
			uint64_t tstamp;   /* ns on the stack's clock: arrival or queueing */
			uint16_t protocol; /* ethertype, host order */
			uint16_t mac_header, network_header,
				transport_header; /* offsets from head */
		};
		struct list_head tcp_tsorted_anchor;
	};
	uint8_t *head, *data, *end;
	uint32_t len;	   /* bytes from data; tail = data + len */
	uint32_t truesize; /* memory charged: descriptor + buffer */
	uint8_t ip_summed, pkt_type;
	uint8_t size_class; /* pool bookkeeping */
	/* The socket that sent the packet and is charged its truesize
	 * while a device holds it (Linux's skb->sk with sk_wmem_alloc), and
	 * what gives the charge back (Linux's skb->destructor: TCP's
	 * tcp_wfree). Set only on what a socket hands down; a clone or a
	 * copy starts without one. NULL, NULL: nobody is charged. The
	 * charge holds a reference on the socket (sock_hold), so that a
	 * socket closed while its packets wait in a device outlives them. */
	struct sock *sk;
	void (*destructor)(struct sk_buff *skb);
	/* Control buffer: each layer keeps its per-packet state here while it
	 * owns the skb (IPCB, TCP_SKB_CB), as in Linux. 56 bytes: TCP's
	 * per-segment state grew by its GSO size and count (Linux's is 48
	 * bytes, but keeps its rate-sample times in 32-bit fields). */
	uint64_t cb[7];
};
/* The tree node and the send-time anchor live in unions so that the
 * descriptor does not grow with them: 160 bytes on LP64 (136 before TSO
 * grew cb from 48 to 56 bytes, 144 before TCP Small Queues added the
 * owner and its destructor; the pools' descriptor size class and every
 * per-packet cost assume it). A change to cb (TSO's per-skb state) or
 * to the owner changes this figure on purpose: adjust it with the
 * change. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct sk_buff) == 160,
	       "struct sk_buff is 160 bytes on LP64");

/* Lives at skb->end, after the data, shared by every clone of the buffer. */
struct skb_shared_info {
	uint32_t dataref;  /* descriptors pointing at this buffer */
	uint32_t capacity; /* bytes from head to end */
	/* A buffer holding several wire segments (Linux's GSO): each carries
	 * gso_size payload bytes, the last one the rest; gso_segs of them.
	 * gso_size 0: an ordinary packet. */
	uint16_t gso_size, gso_segs;
	uint16_t gso_type; /* SKB_GSO_* */
	uint8_t flags;	   /* SKBFL_* */
	uint8_t unused;
};

/* shinfo->flags. SKBFL_ZEROCOPY_FRAG: the payload is not in this buffer
 * but in memory the application lent (MSG_ZEROCOPY): the buffer holds a
 * struct skb_zcopy_data describing it (below). */
#define SKBFL_ZEROCOPY_FRAG 0x1u
#define skb_shinfo(skb) ((struct skb_shared_info *)(void *)((skb)->end))

/* gso_type: which protocol's rules cut the buffer (Linux's). */
#define SKB_GSO_TCPV4 0x1u
/* From a source that is not trusted to have built it right (a virtio-net
 * header from a TAP): its headers are checked before it is believed. */
#define SKB_GSO_DODGY 0x2u
#define SKB_GSO_TCP_ECN 0x4u /* its first segment carries CWR */
#define SKB_GSO_TCPV6 0x10u

/* True when skb must be cut into gso_size segments before a device that
 * cannot do it takes it (Linux's skb_is_gso). */
static inline bool skb_is_gso(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->gso_size != 0;
}

struct sk_buff_head {
	struct sk_buff *next, *prev;
	uint32_t qlen;
	uint32_t bytes; /* sum of skb->len on the queue */
};

#define SKB_HDR_UNSET 0xffff

/* ---- pools ---------------------------------------------------------------*/
struct skb_pool_stats {
	uint64_t allocs, frees, clones, alloc_failures;
	uint64_t mallocs;    /* buffers obtained from malloc (pool misses) */
	size_t in_use_skbs;  /* descriptors outstanding */
	size_t in_use_bufs;  /* data buffers outstanding */
	size_t in_use_bytes; /* descriptors and buffers outstanding,
					 * each buffer once however shared */
	size_t cached_bytes; /* held on free lists */
};

/* Creates a pool. limit_bytes bounds the memory of buffers outstanding
 * (0: no limit). Returns NULL on allocation failure. */
struct skb_pool *skb_pool_create(size_t limit_bytes);
/* Frees the pool and its free lists. Buffers still outstanding are a leak in
 * the caller; the pool is freed anyway and they must not be used again. */
void skb_pool_destroy(struct skb_pool *pool);
void skb_pool_get_stats(const struct skb_pool *pool, struct skb_pool_stats *st);
/* Descriptors plus buffers outstanding: 0 when everything came back. */
size_t skb_pool_in_use(const struct skb_pool *pool);
/* Changes the byte limit (0: none). */
void skb_pool_set_limit(struct skb_pool *pool, size_t limit_bytes);
/* The pool's limit in bytes (0: none). */
size_t skb_pool_limit(const struct skb_pool *pool);

/* The truesize alloc_skb(pool, size) would charge: for sizing buffers in
 * whole packets (send buffer autotuning). */
uint32_t skb_truesize_for(const struct skb_pool *pool, uint32_t size);
/* What skb's bytes are charged once copied into another buffer and skb
 * freed (GRO's merge, TCP's coalescing): its truesize less its
 * descriptor, as Linux moves a buffer's fragments and their truesize,
 * but no more than a driver's buffer for the frame (from its link
 * header) would be: the copy frees skb's block, so bytes that came in a
 * larger one (a clone or copy of a sender's 64 KB buffer, in the
 * simulator or on lo) leave no more behind than a received frame. */
uint32_t skb_copied_truesize(const struct sk_buff *skb);

/* ---- the sending socket's charge ----------------------------------------*/
/* Gives the sending socket its charge back now (Linux's skb_orphan): a
 * device is done with the packet (written, serialised, read by the
 * application that drives it), though the buffer may live on (handed
 * to the receiver in the simulator). kfree_skb does it too. */
static inline void skb_orphan(struct sk_buff *skb)
{
	if (skb->destructor) {
		skb->destructor(skb);
		skb->destructor = NULL;
	}
	skb->sk = NULL;
}

/* ---- allocation ----------------------------------------------------------*/
/* An skb with at least size bytes of room, all of it tailroom (data == head,
 * len 0): reserve headroom with skb_reserve. NULL when the pool limit is hit
 * or memory runs out. O(1) when the size class has a free buffer. */
struct sk_buff *alloc_skb(struct skb_pool *pool, uint32_t size);
/* Gives the sending socket's charge back (skb_orphan) and releases the
 * descriptor; the data buffer goes back to the pool when its last clone
 * is released. Accepts NULL. */
void kfree_skb(struct sk_buff *skb);
/* A new descriptor sharing skb's data (read-only for both). NULL on failure. */
struct sk_buff *skb_clone(struct sk_buff *skb);
/* A private copy (same headroom, same data) from pool. NULL on failure. */
struct sk_buff *skb_copy(const struct sk_buff *skb, struct skb_pool *pool);
/* Gives n old's metadata: device, times, header offsets, checksum state,
 * control block and GSO fields (Linux's copy_skb_header). */
void skb_copy_header(struct sk_buff *n, const struct sk_buff *old);
/* Makes skb's data private (copy-on-write) if it is shared. 0 or -ENOBUFS. */
int skb_unshare_data(struct sk_buff *skb);

/* ---- data pointers -------------------------------------------------------*/
static inline uint8_t *skb_tail_pointer(const struct sk_buff *skb)
{
	return skb->data + skb->len;
}
static inline uint32_t skb_headroom(const struct sk_buff *skb)
{
	return (uint32_t)(skb->data - skb->head);
}
static inline uint32_t skb_tailroom(const struct sk_buff *skb)
{
	return (uint32_t)(skb->end - skb_tail_pointer(skb));
}
/* Moves data and tail forward by len on an empty skb: headroom to fill later
 * with skb_push. */
static inline void skb_reserve(struct sk_buff *skb, uint32_t len)
{
	BUG_ON(skb->len != 0 || len > skb_tailroom(skb));
	skb->data += len;
}
/* Extends the data at the tail; returns where the new bytes go. The caller
 * sized the skb: running past the end is a bug. */
static inline uint8_t *skb_put(struct sk_buff *skb, uint32_t len)
{
	uint8_t *tail = skb_tail_pointer(skb);
	BUG_ON(len > skb_tailroom(skb));
	skb->len += len;
	return tail;
}
/* Extends the data at the front into the headroom; returns the new data. */
static inline uint8_t *skb_push(struct sk_buff *skb, uint32_t len)
{
	BUG_ON(len > skb_headroom(skb));
	skb->data -= len;
	skb->len += len;
	return skb->data;
}
/* Removes len bytes from the front (a header being consumed). Returns the new
 * data pointer, or NULL (and changes nothing) if the packet is shorter:
 * received lengths come from the wire and are checked here. */
static inline uint8_t *skb_pull(struct sk_buff *skb, uint32_t len)
{
	if (len > skb->len)
		return NULL;
	skb->len -= len;
	skb->data += len;
	return skb->data;
}
/* Cuts the packet to len bytes if it is longer (link padding, IP tot_len). */
static inline void skb_trim(struct sk_buff *skb, uint32_t len)
{
	if (len < skb->len)
		skb->len = len;
}
/* True while another descriptor shares this data: writing it would change
 * the other's packet too (a queued retransmission, a pcap mirror). */
static inline bool skb_cloned(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->dataref > 1;
}

/* ---- zerocopy: payload in the application's memory ----------------------
 * A MSG_ZEROCOPY send (Documentation/networking/msg_zerocopy.rst) queues
 * buffers that reference the caller's memory instead of copying it. Such a
 * buffer (SKBFL_ZEROCOPY_FRAG: nonlinear, in Linux's word) keeps a struct
 * skb_zcopy_data at skb->head, before any headroom: up to MAX_SKB_FRAGS
 * pieces of that memory (as many as Linux's page fragments per skb) and
 * the struct ubuf_info whose reference keeps the lender waiting. As in
 * Linux, skb->len counts every byte and the pieces hold its last data_len:
 * the linear part, skb_headlen(), is what skb->data points at (none for a
 * buffer of TCP's queues, the headers for one on its way to a device).
 * Only what reads payload needs to know: the helpers below read, trim and
 * split it, and skb_linearize() gathers it for whatever cannot (a
 * software checksum, GSO, an impairment, a device that takes whole
 * frames: dev_queue_xmit). The last reference to the ubuf_info gone
 * (every buffer acknowledged or dropped), its owner is told
 * (ops->complete): for MSG_ZEROCOPY, a notification on the error queue.
 * msg_zerocopy.c. */
#define MAX_SKB_FRAGS 17

struct ubuf_info;
struct ubuf_info_ops {
	/* the last reference went: the memory is the application's again */
	void (*complete)(struct ubuf_info *uarg);
};
struct ubuf_info {
	const struct ubuf_info_ops *ops;
	uint32_t refcnt;
	/* false once any byte was copied out of the lent memory to be
	 * sent (a device that takes only whole frames): reported as
	 * SO_EE_CODE_ZEROCOPY_COPIED */
	bool zerocopy;
};

struct skb_frag {
	const uint8_t *base;
	uint32_t len;
};

struct skb_zcopy_data {
	struct ubuf_info *uarg;
	uint32_t nr_frags;
	uint32_t data_len; /* bytes in frags: the last data_len of skb->len */
	struct skb_frag frags[MAX_SKB_FRAGS];
};

static inline bool skb_zcopy(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->flags & SKBFL_ZEROCOPY_FRAG;
}
static inline struct skb_zcopy_data *skb_zcopy_data(const struct sk_buff *skb)
{
	return (struct skb_zcopy_data *)(void *)skb->head;
}
static inline struct ubuf_info *skb_zcopy_uarg(const struct sk_buff *skb)
{
	return skb_zcopy(skb) ? skb_zcopy_data(skb)->uarg : NULL;
}
static inline bool skb_is_nonlinear(const struct sk_buff *skb)
{
	return skb_zcopy(skb);
}
/* The bytes at skb->data (all of them for an ordinary buffer). */
static inline uint32_t skb_headlen(const struct sk_buff *skb)
{
	return skb_zcopy(skb) ? skb->len - skb_zcopy_data(skb)->data_len : skb->len;
}
static inline void net_zcopy_get(struct ubuf_info *uarg)
{
	uarg->refcnt++;
}
/* Drops a reference; the last one completes the lender's send. */
void net_zcopy_put(struct ubuf_info *uarg);

/* An empty zerocopy buffer holding a reference to uarg. NULL on failure. */
struct sk_buff *alloc_skb_zcopy(struct skb_pool *pool, struct ubuf_info *uarg);
/* Appends len bytes at base to its payload: merged with the last piece
 * when they follow it in memory. False (nothing added) when all
 * MAX_SKB_FRAGS pieces are taken. */
bool skb_zcopy_add_frag(struct sk_buff *skb, const uint8_t *base, uint32_t len);
/* Copies len bytes from offset off of skb's data (its linear part, then
 * its pieces): Linux's skb_copy_bits. */
void skb_copy_bits(const struct sk_buff *skb, uint32_t off, void *to, uint32_t len);
/* Drops the first len bytes of a zerocopy buffer without a linear part
 * (TCP's queues). */
void skb_zcopy_pull(struct sk_buff *skb, uint32_t len);
/* A zerocopy buffer holding the bytes of skb (no linear part) from offset
 * len on, which skb gives up: it keeps its first len. NULL on failure. */
struct sk_buff *skb_zcopy_split(struct sk_buff *skb, uint32_t len);
/* A buffer to transmit skb (a zerocopy buffer of TCP's queues): the same
 * pieces of lent memory, and headroom free bytes in front for the headers;
 * the control block and GSO fields come along. NULL on failure. */
struct sk_buff *skb_zcopy_clone_for_xmit(const struct sk_buff *skb, uint32_t headroom);
/* Gathers a nonlinear skb's pieces into its own buffer, in place (Linux's
 * skb_linearize): the lender's send is then no longer zero-copy (its
 * notification says COPIED). 0, or -ENOBUFS with skb unchanged. */
int skb_linearize(struct sk_buff *skb);
struct iovec;
/* Describes skb's bytes from offset off (within its linear part) on as
 * iovecs for writev: the rest of the linear part, then each piece. Fills
 * at most 1 + MAX_SKB_FRAGS; returns how many. */
int skb_to_iovec(const struct sk_buff *skb, struct iovec *iov, uint32_t off);

static inline void skb_reset_network_header(struct sk_buff *skb)
{
	skb->network_header = (uint16_t)(skb->data - skb->head);
}
static inline void skb_reset_transport_header(struct sk_buff *skb)
{
	skb->transport_header = (uint16_t)(skb->data - skb->head);
}
static inline void skb_reset_mac_header(struct sk_buff *skb)
{
	skb->mac_header = (uint16_t)(skb->data - skb->head);
}
static inline uint8_t *skb_network_header(const struct sk_buff *skb)
{
	return skb->head + skb->network_header;
}
static inline uint8_t *skb_transport_header(const struct sk_buff *skb)
{
	return skb->head + skb->transport_header;
}
static inline uint8_t *skb_mac_header(const struct sk_buff *skb)
{
	return skb->head + skb->mac_header;
}

/* ---- queues (no locking: one thread owns a stack) ------------------------
 * A doubly linked list with its ends in the head: list->next is the first
 * skb, list->prev the last; the first skb's prev and the last's next are
 * NULL. No sentinel cast, so every pointer is really an sk_buff. */
static inline void skb_queue_head_init(struct sk_buff_head *list)
{
	list->next = list->prev = NULL;
	list->qlen = 0;
	list->bytes = 0;
}
static inline bool skb_queue_empty(const struct sk_buff_head *list)
{
	return list->qlen == 0;
}
static inline uint32_t skb_queue_len(const struct sk_buff_head *list)
{
	return list->qlen;
}
static inline struct sk_buff *skb_peek(const struct sk_buff_head *list)
{
	return list->next;
}
static inline struct sk_buff *skb_peek_tail(const struct sk_buff_head *list)
{
	return list->prev;
}
/* Inserts newsk between prev and next, either of which may be NULL for
 * the head or the tail of list. */
static inline void skb_insert_between(struct sk_buff *newsk, struct sk_buff *prev,
				      struct sk_buff *next, struct sk_buff_head *list)
{
	newsk->next = next;
	newsk->prev = prev;
	if (next)
		next->prev = newsk;
	else
		list->prev = newsk;
	if (prev)
		prev->next = newsk;
	else
		list->next = newsk;
	list->qlen++;
	list->bytes += newsk->len;
}
static inline void skb_queue_tail(struct sk_buff_head *list, struct sk_buff *newsk)
{
	skb_insert_between(newsk, list->prev, NULL, list);
}
static inline void skb_queue_head(struct sk_buff_head *list, struct sk_buff *newsk)
{
	skb_insert_between(newsk, NULL, list->next, list);
}
static inline void skb_unlink(struct sk_buff *skb, struct sk_buff_head *list)
{
	if (skb->next)
		skb->next->prev = skb->prev;
	else
		list->prev = skb->prev;
	if (skb->prev)
		skb->prev->next = skb->next;
	else
		list->next = skb->next;
	skb->next = skb->prev = NULL;
	list->qlen--;
	list->bytes -= skb->len;
}
static inline struct sk_buff *skb_dequeue(struct sk_buff_head *list)
{
	struct sk_buff *skb = skb_peek(list);
	if (skb)
		skb_unlink(skb, list);
	return skb;
}
/* Moves up to max skbs from the head of list into skbs[]; returns how
 * many (a driver's receive batch). */
static inline unsigned skb_dequeue_batch(struct sk_buff_head *list, struct sk_buff **skbs,
					 unsigned max)
{
	unsigned n = 0;
	struct sk_buff *skb;

	while (n < max && (skb = skb_dequeue(list)) != NULL)
		skbs[n++] = skb;
	return n;
}
/* Frees every skb on the list. */
void skb_queue_purge(struct sk_buff_head *list);
/* Moves every skb of from to the tail of to, leaving from empty. O(1). */
void skb_queue_splice_tail_init(struct sk_buff_head *from, struct sk_buff_head *to);

#define skb_queue_walk(queue, skb) for (skb = (queue)->next; skb; skb = skb->next)
#define skb_queue_walk_safe(queue, skb, tmp) \
	for (skb = (queue)->next; skb && ((tmp = skb->next), 1); skb = tmp)

#endif
