/* The fragment queue IPv4 and IPv6 reassembly share (Linux's
 * net/ipv4/inet_fragment.c): see net/inet_frag.h. */
#include "net/inet_frag.h"

/* True if [offset, end) lies within data already held: c is the held
 * fragment starting at or before offset, and the bytes may run on through
 * fragments that follow it without a gap. Linux (commit "net: ipv4: do
 * not handle duplicate fragments as overlapping", 2019) drops such a
 * fragment as a duplicate and keeps the queue; only a fragment that brings
 * new bytes while overlapping held ones discards the datagram (for IPv6,
 * RFC 5722 3 allows a duplicate to be dropped alone). (Linux looks within
 * one run of fragments that arrived in order; this looks across any
 * gapless stretch, which can only keep more datagrams.) */
static bool inet_frag_covered(const struct sk_buff *c, uint32_t offset, uint32_t end)
{
	uint32_t covered;

	if (!c || INET_FRAG_CB(c)->offset > offset || INET_FRAG_CB(c)->end <= offset)
		return false;
	covered = INET_FRAG_CB(c)->end;
	while (covered < end && c->next && INET_FRAG_CB(c->next)->offset == covered) {
		c = c->next;
		covered = INET_FRAG_CB(c)->end;
	}
	return end <= covered;
}

enum inet_frag_verdict inet_frag_queue_insert(struct inet_frag_queue *q, struct sk_buff *skb,
					      uint32_t offset, uint32_t end, bool last)
{
	struct sk_buff **pp, *prev = NULL, *next;

	if (last) {
		/* The last fragment fixes the length; it may not cut short
		 * data already held or disagree with an earlier last one. */
		if (end < q->len || ((q->flags & INET_FRAG_LAST_IN) && end != q->len))
			return INET_FRAG_CORRUPT;
		q->flags |= INET_FRAG_LAST_IN;
		q->len = end;
	} else if (end > q->len) {
		/* Bytes past a known end. */
		if (q->flags & INET_FRAG_LAST_IN)
			return INET_FRAG_CORRUPT;
		q->len = end;
	}
	/* An empty fragment: Linux discards the whole datagram. */
	if (end <= offset)
		return INET_FRAG_CORRUPT;

	/* Find the place in offset order; any overlap kills the datagram. */
	for (pp = &q->fragments; *pp && INET_FRAG_CB(*pp)->offset < offset; pp = &(*pp)->next)
		prev = *pp;
	next = *pp;
	if (inet_frag_covered(next && INET_FRAG_CB(next)->offset == offset ? next : prev, offset,
			      end))
		return INET_FRAG_DUP;
	if ((prev && INET_FRAG_CB(prev)->end > offset) ||
	    (next && INET_FRAG_CB(next)->offset < end))
		return INET_FRAG_OVERLAP;

	INET_FRAG_CB(skb)->offset = offset;
	INET_FRAG_CB(skb)->end = end;
	skb->next = next;
	*pp = skb;
	q->meat += end - offset;
	q->stamp = skb->tstamp;
	q->mem += skb->truesize;
	if (offset == 0)
		q->flags |= INET_FRAG_FIRST_IN;
	return INET_FRAG_QUEUED;
}

void inet_frag_free_fragments(struct inet_frag_queue *q)
{
	while (q->fragments) {
		struct sk_buff *skb = q->fragments;

		q->fragments = skb->next;
		skb->next = NULL;
		kfree_skb(skb);
	}
}
