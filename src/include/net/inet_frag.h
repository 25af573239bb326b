/* What IPv4 and IPv6 reassembly share (Linux's net/ipv4/inet_fragment.c,
 * include/net/inet_frag.h): a queue of fragments sorted by offset, and
 * the rules by which a fragment joins it (RFC 791, RFC 8200 4.5, RFC 5722,
 * and Linux's since the FragmentSmack fixes, CVE-2018-5391). */
#ifndef USERTCP_NET_INET_FRAG_H
#define USERTCP_NET_INET_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "net/ip.h"
#include "net/ipv6.h"
#include "net/skbuff.h"

#define INET_FRAG_FIRST_IN 0x1
#define INET_FRAG_LAST_IN 0x2

/* A held fragment's control block: its family's IP control block, then
 * the payload bytes [offset, end) it carries (Linux's ipfrag_skb_cb). */
struct inet_frag_cb {
	union {
		struct inet_skb_parm h4;
		struct inet6_skb_parm h6;
	};
	uint32_t offset, end;
};
#define INET_FRAG_CB(skb) ((struct inet_frag_cb *)(void *)((skb)->cb))
_Static_assert(sizeof(struct inet_frag_cb) <= sizeof(((struct sk_buff *)0)->cb),
	       "inet_frag_cb fits skb->cb");

/* The part of a reassembly queue that does not depend on the family. */
struct inet_frag_queue {
	uint8_t flags;		   /* INET_FRAG_* */
	uint32_t len;		   /* the datagram's payload length, once known */
	uint32_t meat;		   /* payload bytes held */
	uint64_t mem;		   /* truesize held */
	uint64_t stamp;		   /* arrival of the latest fragment */
	struct sk_buff *fragments; /* sorted by offset, linked by skb->next */
};

enum inet_frag_verdict {
	INET_FRAG_QUEUED,  /* held: the queue owns skb */
	INET_FRAG_DUP,	   /* every byte already held: drop skb, keep the queue */
	INET_FRAG_OVERLAP, /* new bytes over held ones: discard the datagram */
	INET_FRAG_CORRUPT, /* empty, or against the known length: discard it */
};

/* Adds the fragment skb carrying payload bytes [offset, end) to q; last:
 * no more fragments follow it (its end is the datagram's length). A
 * non-last fragment's end must already be a multiple of 8: the families
 * differ in what they do when it is not. On INET_FRAG_QUEUED skb is q's
 * (its truesize added to q->mem); otherwise the caller still owns it. */
enum inet_frag_verdict inet_frag_queue_insert(struct inet_frag_queue *q, struct sk_buff *skb,
					      uint32_t offset, uint32_t end, bool last);
/* Whether every byte of the datagram is held. */
static inline bool inet_frag_complete(const struct inet_frag_queue *q)
{
	return q->flags == (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) && q->meat == q->len;
}
/* Frees the held fragments. */
void inet_frag_free_fragments(struct inet_frag_queue *q);

#endif
