/* IPv6 reassembly (RFC 8200 4.5; Linux's net/ipv6/reassembly.c).
 *
 * Fragments wait in a queue per (source, destination, identification),
 * and the arrival device too when the destination is link-local or a
 * group (Linux's fq_find: the same addresses on two links are two
 * conversations). The queue's rules are IPv4's (inet_fragment.c), with
 * IPv6's own checks around them, as Linux's:
 *   - a non-last fragment whose length is not a multiple of 8, or a
 *     fragment ending past 65535 bytes, is answered with a parameter
 *     problem (RFC 8200 4.5) and dropped (InHdrErrors);
 *   - a first fragment without the whole header chain through the
 *     upper-layer header is dropped with a parameter problem code 3 (RFC
 *     8200 4.5, RFC 7112 5; InHdrErrors);
 *   - an overlap discards the whole datagram (RFC 5722 3; ReasmFails);
 *     an exact duplicate is dropped alone;
 *   - memory is bounded by net.ipv6.ip6frag_high_thresh (4 MiB): past it
 *     new fragments are dropped (ReasmFails) and nothing held is evicted
 *     (Linux since 4.17: ip6frag_low_thresh no longer starts an evictor);
 *   - a datagram still incomplete after net.ipv6.ip6frag_time (60 s) is
 *     dropped (ReasmTimeout, ReasmFails) with a time exceeded (code 1) to
 *     its source if its first fragment arrived (RFC 8200 4.5);
 *   - an atomic fragment (offset 0, M clear) is no fragment: it is taken
 *     at once, with no queue (RFC 6946 4).
 */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/inet_frag.h"
#include "net/stack.h"

#define FQ_HASH_SIZE 1024
/* The largest payload an IPv6 header's length field can give (no
 * jumbograms, RFC 2675). */
#define IPV6_MAXPLEN 0xffff

struct frag_queue {
	struct frag_queue *next; /* hash chain */
	struct ut_stack *stack;
	struct in6_addr saddr, daddr;
	uint32_t id;
	int iif;		  /* 0 unless the destination is scoped to a link */
	uint16_t max_size;	  /* largest fragment, IPv6 header included */
	struct inet_frag_queue q; /* the fragments, data at their payload */
	struct timer_list timer;
};

struct frag6_table {
	struct frag_queue **hash;
	uint32_t nqueues;
	uint64_t mem; /* truesize of held fragments */
	uint64_t hash_rnd;
};

static uint32_t fq_hash(const struct frag6_table *t, const struct in6_addr *saddr,
			const struct in6_addr *daddr, uint32_t id, int iif)
{
	uint64_t w[4], h = t->hash_rnd ^ ((uint64_t)id << 32 | (uint32_t)iif);

	memcpy(w, saddr, 16);
	memcpy(w + 2, daddr, 16);
	for (int i = 0; i < 4; i++)
		h = prandom_mix(h ^ w[i]);
	return (uint32_t)(h & (FQ_HASH_SIZE - 1));
}

int ipv6_frag_init(struct ut_stack *stack)
{
	struct netns_ipv6 *net = net_ipv6(stack);
	struct frag6_table *t = ut_calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->hash = ut_calloc(FQ_HASH_SIZE, sizeof(*t->hash));
	if (!t->hash) {
		free(t);
		return -ENOMEM;
	}
	t->hash_rnd = prandom_u64(&stack->rng);
	net->frags = t;
	return 0;
}

/* Unhashes and frees fq with its fragments. */
static void fq_kill(struct frag_queue *fq)
{
	struct frag6_table *t = net_ipv6(fq->stack)->frags;
	struct frag_queue **pp = &t->hash[fq_hash(t, &fq->saddr, &fq->daddr, fq->id, fq->iif)];

	while (*pp != fq)
		pp = &(*pp)->next;
	*pp = fq->next;
	del_timer(&fq->timer);
	inet_frag_free_fragments(&fq->q);
	t->mem -= fq->q.mem;
	t->nqueues--;
	free(fq);
}

void ipv6_frag_exit(struct ut_stack *stack)
{
	struct netns_ipv6 *net = net_ipv6(stack);
	struct frag6_table *t = net ? net->frags : NULL;

	if (!t)
		return;
	for (uint32_t i = 0; i < FQ_HASH_SIZE; i++)
		while (t->hash[i])
			fq_kill(t->hash[i]);
	free(t->hash);
	free(t);
	net->frags = NULL;
}

static void ip6_frag_expire(struct timer_list *timer)
{
	struct frag_queue *fq = from_timer(fq, timer, timer);
	struct ut_stack *stack = fq->stack;
	struct sk_buff *head = fq->q.fragments;
	struct net_device *dev = NULL;

	SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMFAILS);
	SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMTIMEOUT);
	/* RFC 8200 4.5: time exceeded only if the first fragment came; it
	 * heads the queue and is what the error quotes, so the sender can
	 * match it (its network header still at its IPv6 header). As
	 * Linux, only while the device it came in on still exists. */
	if ((fq->q.flags & INET_FRAG_FIRST_IN) && head)
		for (dev = stack->devs; dev && dev->ifindex != INET_FRAG_CB(head)->h6.iif;)
			dev = dev->next;
	if (dev) {
		head->dev = dev;
		icmp6_send(head, ICMPV6_TIME_EXCEED, ICMPV6_EXC_FRAGTIME, 0);
	}
	fq_kill(fq);
}

static struct frag_queue *fq_find(struct ut_stack *stack, const struct in6_addr *saddr,
				  const struct in6_addr *daddr, uint32_t id, int iif)
{
	struct frag6_table *t = net_ipv6(stack)->frags;
	uint32_t h = fq_hash(t, saddr, daddr, id, iif);
	struct frag_queue *fq;

	for (fq = t->hash[h]; fq; fq = fq->next)
		if (fq->id == id && fq->iif == iif && ipv6_addr_equal(&fq->saddr, saddr) &&
		    ipv6_addr_equal(&fq->daddr, daddr))
			return fq;
	fq = ut_calloc(1, sizeof(*fq));
	if (!fq)
		return NULL;
	fq->stack = stack;
	fq->saddr = *saddr;
	fq->daddr = *daddr;
	fq->id = id;
	fq->iif = iif;
	timer_setup(&stack->timers, &fq->timer, ip6_frag_expire);
	mod_timer(&fq->timer,
		  stack_jiffies(stack) + (uint64_t)net_ipv6(stack)->sysctl.ip6frag_time * HZ);
	fq->next = t->hash[h];
	t->hash[h] = fq;
	t->nqueues++;
	return fq;
}

/* Removes the fragment header at frag_off of skb (data at its IPv6
 * header) by moving what precedes it up over it; the Next Header byte at
 * IP6CB's nhoff takes the fragment header's. */
static int ip6_frag_strip(struct sk_buff *skb, unsigned frag_off)
{
	uint8_t nexthdr;

	if (skb_cloned(skb) && skb_unshare_data(skb) < 0)
		return -ENOBUFS;
	nexthdr = skb->data[frag_off];
	skb->data[IP6CB(skb)->nhoff] = nexthdr;
	memmove(skb->data + IPV6_FRAG_HLEN, skb->data, frag_off);
	skb_pull(skb, IPV6_FRAG_HLEN);
	skb_reset_network_header(skb);
	put_be16(skb->data + 4, (uint16_t)(skb->len - IPV6_HLEN));
	return 0;
}

/* Linux's ipv6frag_thdr_truncated: a first fragment must reach past the
 * upper-layer header's fixed part (RFC 8200 4.5, RFC 7112 5): 20 bytes of
 * TCP, 8 of UDP or ICMPv6, a byte of anything else. */
static bool ip6_frag_thdr_truncated(const struct sk_buff *skb)
{
	uint8_t nexthdr = skb->data[6];
	uint16_t frag_off;
	int off = ipv6_skip_exthdr(skb->data, skb->len, IPV6_HLEN, &nexthdr, &frag_off);
	size_t need;

	if (off < 0 || (frag_off & IP6_OFFSET))
		return false;
	switch (nexthdr) {
	case NEXTHDR_TCP:
		need = 20;
		break;
	case NEXTHDR_UDP:
	case NEXTHDR_ICMP:
		need = 8;
		break;
	default:
		need = 1;
		break;
	}
	return (size_t)off + need > skb->len;
}

/* Joins a complete queue's fragments into one packet: the head's
 * unfragmentable part (its IPv6 header and the extension headers before
 * the fragment header), then the payload. */
static struct sk_buff *ip6_frag_reasm(struct frag_queue *fq)
{
	struct ut_stack *stack = fq->stack;
	struct sk_buff *head = fq->q.fragments, *skb, *frag;
	const uint8_t *nh = skb_network_header(head);
	uint32_t unfrag = (uint32_t)(head->data - nh) - IPV6_FRAG_HLEN;
	uint32_t total = unfrag + fq->q.len;
	uint8_t *p;

	/* The unfragmentable part counts toward the payload length too. */
	if (total - IPV6_HLEN > IPV6_MAXPLEN)
		return NULL;
	skb = alloc_skb(stack->pool, total);
	if (!skb)
		return NULL;
	p = skb_put(skb, total);
	memcpy(p, nh, unfrag);
	p[INET_FRAG_CB(head)->h6.nhoff] = nh[unfrag]; /* the fragment header's Next Header */
	put_be16(p + 4, (uint16_t)(total - IPV6_HLEN));
	for (frag = head; frag; frag = frag->next)
		memcpy(p + unfrag + INET_FRAG_CB(frag)->offset, frag->data,
		       INET_FRAG_CB(frag)->end - INET_FRAG_CB(frag)->offset);
	skb->dev = head->dev;
	/* The packet arrived when its last piece did (Linux gives it the
	 * queue's stamp). */
	skb->tstamp = fq->q.stamp;
	skb->protocol = head->protocol;
	skb->pkt_type = head->pkt_type;
	skb_reset_network_header(skb);
	*IP6CB(skb) = INET_FRAG_CB(head)->h6;
	IP6CB(skb)->flags |= IP6SKB_REASSEMBLED;
	IP6CB(skb)->frag_max_size = fq->max_size;
	return skb;
}

/* Answers a malformed fragment with a parameter problem pointing at pos
 * (Linux counts these as header errors, not reassembly failures). */
static void ip6_frag_prob(struct ut_stack *stack, struct sk_buff *skb, uint8_t code, uint32_t pos)
{
	SNMP_INC_STATS(stack, IPSTATS6_MIB_INHDRERRORS);
	icmpv6_param_prob(skb, code, pos);
	kfree_skb(skb);
}

struct sk_buff *ipv6_frag_rcv(struct sk_buff *skb, unsigned frag_off)
{
	struct ut_stack *stack = skb->dev->stack;
	struct frag6_table *t = net_ipv6(stack)->frags;
	struct in6_addr saddr, daddr;
	uint32_t offset, end, id;
	struct frag_queue *fq;
	struct sk_buff *whole;
	uint16_t fo;
	bool last;
	int iif;

	/* A second fragment header in a packet already reassembled (or
	 * taken as atomic): Linux's IP6SKB_FRAGMENTED check, a header
	 * error pointing at it. */
	if ((IP6CB(skb)->flags & IP6SKB_REASSEMBLED) || frag_off < IPV6_HLEN ||
	    skb->len < frag_off + IPV6_FRAG_HLEN) {
		ip6_frag_prob(stack, skb, ICMPV6_HDR_FIELD, frag_off);
		return NULL;
	}
	SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMREQDS);
	fo = get_be16(skb->data + frag_off + 2);
	id = get_be32(skb->data + frag_off + 4);
	if (!(fo & (IP6_OFFSET | IP6_MF))) {
		/* RFC 6946 4: an atomic fragment is processed as a whole
		 * packet, apart from any queue of the same identification. */
		if (ip6_frag_strip(skb, frag_off) < 0) {
			SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMFAILS);
			kfree_skb(skb);
			return NULL;
		}
		SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMOKS);
		IP6CB(skb)->flags |= IP6SKB_REASSEMBLED;
		IP6CB(skb)->frag_max_size = (uint16_t)MIN(skb->len + IPV6_FRAG_HLEN, 0xffffu);
		return skb;
	}
	if (ip6_frag_thdr_truncated(skb)) {
		ip6_frag_prob(stack, skb, ICMPV6_HDR_INCOMP, 0);
		return NULL;
	}

	offset = fo & IP6_OFFSET;
	end = offset + (skb->len - frag_off - IPV6_FRAG_HLEN);
	last = !(fo & IP6_MF);
	/* RFC 8200 4.5: past the largest packet, point at the offset. */
	if (end > IPV6_MAXPLEN) {
		ip6_frag_prob(stack, skb, ICMPV6_HDR_FIELD, frag_off + 2);
		return NULL;
	}
	/* RFC 8200 4.5: a fragment that is not the last carries a multiple
	 * of 8 bytes, else a parameter problem at the payload length. */
	if (!last && (end & 7)) {
		ip6_frag_prob(stack, skb, ICMPV6_HDR_FIELD, 4);
		return NULL;
	}

	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	iif = (ipv6_addr_type(&daddr) & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL))
		      ? skb->dev->ifindex
		      : 0;
	if (t->mem + skb->truesize > (uint64_t)net_ipv6(stack)->sysctl.ip6frag_high_thresh)
		goto fail;
	fq = fq_find(stack, &saddr, &daddr, id, iif);
	if (!fq)
		goto fail;

	/* Held with data at the fragment's payload, network header at its
	 * IPv6 header (the head's unfragmentable part is rebuilt from it). */
	skb_pull(skb, frag_off + IPV6_FRAG_HLEN);
	switch (inet_frag_queue_insert(&fq->q, skb, offset, end, last)) {
	case INET_FRAG_QUEUED:
		break;
	case INET_FRAG_DUP:
		kfree_skb(skb);
		return NULL;
	case INET_FRAG_OVERLAP: /* RFC 5722 3: the whole datagram goes */
	case INET_FRAG_CORRUPT:
		fq_kill(fq);
		goto fail;
	}
	t->mem += skb->truesize;
	fq->max_size =
		(uint16_t)MAX(fq->max_size, MIN(frag_off + IPV6_FRAG_HLEN + skb->len, 0xffffu));

	if (inet_frag_complete(&fq->q)) {
		whole = ip6_frag_reasm(fq);
		fq_kill(fq);
		if (!whole) {
			SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMFAILS);
			return NULL;
		}
		SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMOKS);
		return whole;
	}
	return NULL;

fail:
	SNMP_INC_STATS(stack, IPSTATS6_MIB_REASMFAILS);
	kfree_skb(skb);
	return NULL;
}
