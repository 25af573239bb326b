/* IPv4 reassembly (Linux's net/ipv4/ip_fragment.c and inet_fragment.c).
 *
 * Fragments wait in a queue per (source, destination, id, protocol), kept
 * sorted by offset. The policy is Linux's since the FragmentSmack fixes
 * (CVE-2018-5391, Linux 4.19):
 *   - memory is bounded by net.ipv4.ipfrag_high_thresh (4 MiB): past it new
 *     fragments are dropped (ReasmFails), nothing already held is evicted;
 *   - a fragment overlapping another discards the whole datagram
 *     (ReasmOverlaps), except a duplicate (bytes all already held), which
 *     is simply dropped;
 *   - a fragment contradicting the known length, or carrying no data,
 *     discards the datagram (ReasmFails);
 *   - a datagram still incomplete after net.ipv4.ipfrag_time (30 s) is
 *     dropped (ReasmTimeout, ReasmFails) with an ICMP time exceeded
 *     (fragment reassembly) to the sender if its first fragment arrived
 *     (RFC 792, RFC 1122 3.3.2);
 *   - a datagram that would exceed 65535 bytes is dropped (ReasmFails).
 */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/inet_frag.h"
#include "net/stack.h"

#define IPQ_HASH_SIZE 1024

struct ipq {
	struct ipq *next; /* hash chain */
	struct ut_stack *stack;
	uint32_t saddr, daddr;
	uint16_t id;
	uint8_t protocol;
	struct inet_frag_queue q; /* the fragments (inet_fragment.c) */
	struct timer_list timer;
};

int ipq_table_init(struct ipq_table *t, struct ut_stack *stack)
{
	memset(t, 0, sizeof(*t));
	t->hash = ut_calloc(IPQ_HASH_SIZE, sizeof(*t->hash));
	if (!t->hash)
		return -ENOMEM;
	t->hash_mask = IPQ_HASH_SIZE - 1;
	t->hash_rnd = (uint32_t)prandom_u64(&stack->rng);
	return 0;
}

static uint32_t ipq_hash(const struct ipq_table *t, uint32_t saddr, uint32_t daddr, uint16_t id,
			 uint8_t protocol)
{
	uint64_t k = ((uint64_t)saddr << 32 | daddr) ^
		     ((uint64_t)id << 8 | protocol) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(prandom_mix(k ^ t->hash_rnd) & t->hash_mask);
}

/* Unhashes and frees q with its fragments. */
static void ipq_kill(struct ipq *q)
{
	struct ipq_table *t = &q->stack->frags;
	struct ipq **pp = &t->hash[ipq_hash(t, q->saddr, q->daddr, q->id, q->protocol)];

	while (*pp != q)
		pp = &(*pp)->next;
	*pp = q->next;
	del_timer(&q->timer);
	inet_frag_free_fragments(&q->q);
	t->mem -= q->q.mem;
	t->nqueues--;
	free(q);
}

void ipq_table_destroy(struct ipq_table *t)
{
	if (!t->hash)
		return;
	for (uint32_t i = 0; i <= t->hash_mask; i++)
		while (t->hash[i])
			ipq_kill(t->hash[i]);
	free(t->hash);
	t->hash = NULL;
}

static void ip_expire(struct timer_list *timer)
{
	struct ipq *q = from_timer(q, timer, timer);
	struct ut_stack *stack = q->stack;

	SNMP_INC_STATS(stack, IPSTATS_MIB_REASMFAILS);
	SNMP_INC_STATS(stack, IPSTATS_MIB_REASMTIMEOUT);
	if ((q->q.flags & INET_FRAG_FIRST_IN) && q->q.fragments) {
		/* The first fragment is at the head: it carries the
		 * transport header the sender needs to match the error. */
		struct sk_buff *head = q->q.fragments;
		IPCB(head)->flags = 0;
		icmp_send(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
	}
	ipq_kill(q);
}

static struct ipq *ipq_find(struct ut_stack *stack, const struct inet_skb_parm *cb)
{
	struct ipq_table *t = &stack->frags;
	uint32_t h = ipq_hash(t, cb->saddr, cb->daddr, cb->id, cb->protocol);
	struct ipq *q;

	for (q = t->hash[h]; q; q = q->next)
		if (q->saddr == cb->saddr && q->daddr == cb->daddr && q->id == cb->id &&
		    q->protocol == cb->protocol)
			return q;
	q = ut_calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->stack = stack;
	q->saddr = cb->saddr;
	q->daddr = cb->daddr;
	q->id = cb->id;
	q->protocol = cb->protocol;
	timer_setup(&stack->timers, &q->timer, ip_expire);
	mod_timer(&q->timer, stack_jiffies(stack) + (uint64_t)stack->sysctl.ipfrag_time * HZ);
	q->next = t->hash[h];
	t->hash[h] = q;
	t->nqueues++;
	return q;
}

/* Joins the fragments of a complete queue into one datagram. */
static struct sk_buff *ip_frag_reasm(struct ipq *q)
{
	struct ut_stack *stack = q->stack;
	struct sk_buff *head = q->q.fragments, *skb, *frag;
	uint32_t ihl = IPCB(head)->ihl;
	uint32_t total = ihl + q->q.len;
	uint8_t *p;

	if (total > IP_MAXPACKET)
		return NULL;
	skb = alloc_skb(stack->pool, total);
	if (!skb)
		return NULL;
	p = skb_put(skb, total);
	memcpy(p, head->data, ihl);
	for (frag = head; frag; frag = frag->next) {
		uint32_t fihl = INET_FRAG_CB(frag)->h4.ihl;
		memcpy(p + ihl + INET_FRAG_CB(frag)->offset, frag->data + fihl,
		       INET_FRAG_CB(frag)->end - INET_FRAG_CB(frag)->offset);
	}
	/* The whole datagram's header: full length, no fragment bits (DF
	 * kept), valid checksum for anyone who quotes it later. */
	put_be16(p + 2, (uint16_t)total);
	put_be16(p + 6, get_be16(p + 6) & IP_DF);
	ip_send_check(p, ihl);
	skb->dev = head->dev;
	/* The datagram arrived when its last piece did (Linux sets the
	 * queue's stamp from every fragment and gives it to the result). */
	skb->tstamp = q->q.stamp;
	skb->protocol = head->protocol;
	skb->pkt_type = head->pkt_type;
	skb_reset_network_header(skb);
	*IPCB(skb) = INET_FRAG_CB(head)->h4;
	IPCB(skb)->tot_len = (uint16_t)total;
	IPCB(skb)->frag_off &= IP_DF;
	IPCB(skb)->flags |= IPSKB_REASSEMBLED;
	return skb;
}

struct sk_buff *ip_defrag(struct ut_stack *stack, struct sk_buff *skb)
{
	struct ipq_table *t = &stack->frags;
	struct inet_skb_parm *cb = IPCB(skb);
	struct sk_buff *whole;
	uint32_t offset, end;
	bool last;
	struct ipq *q;

	SNMP_INC_STATS(stack, IPSTATS_MIB_REASMREQDS);
	if (t->mem + skb->truesize > (uint64_t)stack->sysctl.ipfrag_high_thresh)
		goto fail;
	q = ipq_find(stack, cb);
	if (!q)
		goto fail;

	offset = (uint32_t)(cb->frag_off & IP_OFFMASK) * 8;
	end = offset + cb->tot_len - cb->ihl;
	last = !(cb->frag_off & IP_MF);
	/* Non-final fragments carry multiples of 8 bytes (RFC 791); Linux
	 * trims any excess rather than failing. */
	if (!last)
		end &= ~7u;
	switch (inet_frag_queue_insert(&q->q, skb, offset, end, last)) {
	case INET_FRAG_QUEUED:
		break;
	case INET_FRAG_DUP:
		kfree_skb(skb);
		return NULL;
	case INET_FRAG_OVERLAP:
		SNMP_INC_STATS(stack, IPSTATS_MIB_REASM_OVERLAPS);
		goto discard;
	case INET_FRAG_CORRUPT:
		goto discard;
	}
	t->mem += skb->truesize;

	if (inet_frag_complete(&q->q)) {
		whole = ip_frag_reasm(q);
		ipq_kill(q);
		if (!whole) {
			SNMP_INC_STATS(stack, IPSTATS_MIB_REASMFAILS);
			return NULL;
		}
		SNMP_INC_STATS(stack, IPSTATS_MIB_REASMOKS);
		return whole;
	}
	return NULL;

discard:
	ipq_kill(q);
fail:
	SNMP_INC_STATS(stack, IPSTATS_MIB_REASMFAILS);
	kfree_skb(skb);
	return NULL;
}
