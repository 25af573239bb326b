/* The neighbour cache and its NUD state machine, with Linux's timing
 * (net/core/neighbour.c), for any family: what is particular to one
 * (the key's length, how to solicit, how to report a failure) comes
 * through the table's neigh_ops. See net/neighbour.h for the state
 * diagram. Entries live in a hash table keyed by (device, address) with a
 * secret hash seed, so lookup is O(1) and an attacker cannot aim at one
 * chain. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "net/fault.h"
#include "net/stack.h"

/* A table's own counters: ARP's ArpCache, ND's NdiscCache (Linux's
 * NEIGH_CACHE_STAT_INC, /proc/net/stat/<table>). */
#define NEIGH_CACHE_STAT_INC(tbl, field) \
	SNMP_INC_STATS((tbl)->stack,     \
		       (enum snmp_field)((tbl)->ops->stats + ((field)-NEIGH_STAT_LOOKUPS)))

#define NEIGH_HASH_SIZE 256

static const struct neigh_parms *parms(const struct neigh_table *tbl)
{
	return tbl->parms;
}

static uint64_t jiffies_now(const struct neigh_table *tbl)
{
	return stack_jiffies(tbl->stack);
}

/* Linux draws reachable_time uniformly from [base/2, 3*base/2) and draws
 * again every 300 s, so neighbours do not expire in lockstep. */
static void neigh_rand_reach_time(struct neigh_table *tbl)
{
	uint64_t base = msecs_to_jiffies((uint64_t)parms(tbl)->base_reachable_time_ms);
	tbl->reachable_time = base / 2 + (base ? prandom_below(&tbl->stack->rng, base) : 0);
	tbl->last_rand = jiffies_now(tbl);
}

/* The key is taken 4 bytes at a time, each word mixed into the seeded
 * state before the next goes in, so a 16-byte key cannot be made to
 * collide by cancelling its words against each other. */
static uint32_t neigh_hash(const struct neigh_table *tbl, const struct net_device *dev,
			   const void *pkey)
{
	const uint8_t *key = pkey;
	uint64_t h = (uint32_t)dev->ifindex ^ tbl->hash_rnd;

	for (unsigned i = 0; i < tbl->ops->key_len; i += 4) {
		uint32_t w;
		memcpy(&w, key + i, sizeof(w));
		if (i)
			h = prandom_mix(h);
		h ^= (uint64_t)w << 32;
	}
	return (uint32_t)(prandom_mix(h) & tbl->hash_mask);
}

static void neigh_gc_timer(struct timer_list *t);

int neigh_table_init(struct ut_stack *stack, int index, struct neigh_table *tbl,
		     const struct neigh_ops *ops, const struct neigh_parms *parms)
{
	/* The hash takes whole 4-byte words. */
	BUG_ON(index < 0 || index >= NEIGH_NR_TABLES || ops->key_len % 4 ||
	       ops->key_len > NEIGH_KEY_MAX);
	memset(tbl, 0, sizeof(*tbl));
	tbl->ops = ops;
	tbl->stack = stack;
	tbl->parms = parms;
	tbl->hash = ut_calloc(NEIGH_HASH_SIZE, sizeof(*tbl->hash));
	if (!tbl->hash)
		return -ENOMEM;
	tbl->hash_mask = NEIGH_HASH_SIZE - 1;
	tbl->hash_rnd = (uint32_t)prandom_u64(&stack->rng);
	neigh_rand_reach_time(tbl);
	timer_setup(&stack->timers, &tbl->gc_timer, neigh_gc_timer);
	stack->neigh_tables[index] = tbl;
	return 0;
}

struct neigh_table *neigh_find_table(struct ut_stack *stack, int family)
{
	for (int i = 0; i < NEIGH_NR_TABLES; i++)
		if (stack->neigh_tables[i] && stack->neigh_tables[i]->ops->family == family)
			return stack->neigh_tables[i];
	return NULL;
}

static void neigh_destroy(struct neighbour *n)
{
	del_timer(&n->timer);
	skb_queue_purge(&n->arp_queue);
	n->tbl->entries--;
	free(n);
}

void neigh_table_destroy(struct neigh_table *tbl)
{
	if (!tbl->hash)
		return;
	for (int i = 0; i < NEIGH_NR_TABLES; i++)
		if (tbl->stack->neigh_tables[i] == tbl)
			tbl->stack->neigh_tables[i] = NULL;
	for (uint32_t i = 0; i <= tbl->hash_mask; i++) {
		while (tbl->hash[i]) {
			struct neighbour *n = tbl->hash[i];
			tbl->hash[i] = n->next;
			neigh_destroy(n);
		}
	}
	del_timer(&tbl->gc_timer);
	free(tbl->hash);
	tbl->hash = NULL;
}

const char *neigh_state_name(uint8_t s)
{
	switch (s) {
	case NUD_NONE:
		return "NONE";
	case NUD_INCOMPLETE:
		return "INCOMPLETE";
	case NUD_REACHABLE:
		return "REACHABLE";
	case NUD_STALE:
		return "STALE";
	case NUD_DELAY:
		return "DELAY";
	case NUD_PROBE:
		return "PROBE";
	case NUD_FAILED:
		return "FAILED";
	case NUD_NOARP:
		return "NOARP";
	case NUD_PERMANENT:
		return "PERMANENT";
	default:
		return "?";
	}
}

struct neighbour *neigh_lookup(struct neigh_table *tbl, const struct net_device *dev,
			       const void *pkey)
{
	struct neighbour *n;
	NEIGH_CACHE_STAT_INC(tbl, NEIGH_STAT_LOOKUPS);
	for (n = tbl->hash[neigh_hash(tbl, dev, pkey)]; n; n = n->next) {
		if (n->dev == dev && memcmp(n->primary_key, pkey, tbl->ops->key_len) == 0) {
			NEIGH_CACHE_STAT_INC(tbl, NEIGH_STAT_HITS);
			return n;
		}
	}
	return NULL;
}

/* Removes entries nobody needs: FAILED ones, and ones unused for
 * gc_stale_time that are not being resolved. With force, also every STALE
 * entry (the table is full). Returns how many went. */
static unsigned neigh_collect(struct neigh_table *tbl, bool force)
{
	uint64_t now = jiffies_now(tbl);
	uint64_t stale = (uint64_t)parms(tbl)->gc_stale_time * HZ;
	unsigned freed = 0;

	for (uint32_t i = 0; i <= tbl->hash_mask; i++) {
		struct neighbour **pp = &tbl->hash[i];
		while (*pp) {
			struct neighbour *n = *pp;
			bool busy = n->nud_state & (NUD_PERMANENT | NUD_IN_TIMER);
			bool old = now - n->used >= stale;
			if (!busy && (n->nud_state == NUD_FAILED || old ||
				      (force && n->nud_state == NUD_STALE))) {
				*pp = n->next;
				neigh_destroy(n);
				freed++;
				continue;
			}
			pp = &n->next;
		}
	}
	return freed;
}

static void neigh_gc_timer(struct timer_list *t)
{
	struct neigh_table *tbl = from_timer(tbl, t, gc_timer);
	uint64_t now = jiffies_now(tbl);

	if (now - tbl->last_rand >= 300 * HZ)
		neigh_rand_reach_time(tbl);
	/* Like Linux's periodic work: below gc_thresh1 nothing is collected. */
	if (tbl->entries >= (uint32_t)parms(tbl)->gc_thresh1)
		neigh_collect(tbl, false);
	if (tbl->entries)
		mod_timer(&tbl->gc_timer, now + (uint64_t)parms(tbl)->gc_interval * HZ);
}

static void neigh_timer_handler(struct timer_list *t);

static struct neighbour *neigh_create(struct neigh_table *tbl, struct net_device *dev,
				      const void *pkey)
{
	struct neighbour *n;
	uint32_t h;

	if (tbl->entries >= (uint32_t)parms(tbl)->gc_thresh3) {
		NEIGH_CACHE_STAT_INC(tbl, NEIGH_STAT_FORCED_GC_RUNS);
		if (!neigh_collect(tbl, true) || tbl->entries >= (uint32_t)parms(tbl)->gc_thresh3) {
			NEIGH_CACHE_STAT_INC(tbl, NEIGH_STAT_TABLE_FULLS);
			return NULL;
		}
	}
	n = ut_calloc(1, sizeof(*n) + tbl->ops->key_len);
	if (!n)
		return NULL;
	n->tbl = tbl;
	n->dev = dev;
	memcpy(n->primary_key, pkey, tbl->ops->key_len);
	n->nud_state = NUD_NONE;
	n->used = jiffies_now(tbl);
	skb_queue_head_init(&n->arp_queue);
	timer_setup(&tbl->stack->timers, &n->timer, neigh_timer_handler);
	h = neigh_hash(tbl, dev, pkey);
	n->next = tbl->hash[h];
	tbl->hash[h] = n;
	tbl->entries++;
	if (!timer_pending(&tbl->gc_timer))
		mod_timer(&tbl->gc_timer,
			  jiffies_now(tbl) + (uint64_t)parms(tbl)->gc_interval * HZ);
	return n;
}

static unsigned neigh_max_probes(const struct neighbour *n)
{
	const struct neigh_parms *p = parms(n->tbl);
	return (unsigned)(p->ucast_solicit + p->app_solicit +
			  (n->nud_state & NUD_PROBE ? p->mcast_resolicit : p->mcast_solicit));
}

static uint64_t neigh_retrans(const struct neighbour *n)
{
	/* Linux never probes faster than HZ/100. */
	return MAX(msecs_to_jiffies((uint64_t)parms(n->tbl)->retrans_time_ms), (uint64_t)HZ / 100);
}

/* One solicitation: unicast to the address we had while ucast probes
 * remain in PROBE, broadcast otherwise. Linux makes this choice inside
 * each family's solicit (arp_solicit, ndisc_solicit); it is made once
 * here, and the family's solicit only sends. */
static void neigh_probe(struct neighbour *n)
{
	const struct neigh_parms *p = parms(n->tbl);
	long probes = n->probes;
	const uint8_t *dst_ha = NULL;

	if (n->nud_state & NUD_PROBE) {
		probes -= p->ucast_solicit;
		if (probes < 0)
			dst_ha = n->ha;
	}
	n->probes++;
	n->tbl->ops->solicit(n, dst_ha);
}

static void neigh_set_state(struct neighbour *n, uint8_t state)
{
	n->nud_state = state;
}

/* Sends the held packets now that the address is known. */
static void neigh_flush_queue(struct neighbour *n)
{
	struct sk_buff *skb;
	while ((skb = skb_dequeue(&n->arp_queue)) != NULL) {
		eth_header(skb, n->ha, n->dev->dev_addr, n->tbl->ops->protocol);
		dev_queue_xmit(skb);
	}
}

/* A packet for n is dropped because n cannot be resolved: the family
 * tells its sender (Linux's neigh_invalidate calls ops->error_report for
 * each held packet; a local ping prints "Destination Host Unreachable"). */
static void neigh_report_drop(struct neighbour *n, struct sk_buff *skb)
{
	skb_reset_network_header(skb);
	n->tbl->ops->error_report(n, skb);
	kfree_skb(skb);
}

/* Resolution failed: every held packet is dropped and its sender told. */
static void neigh_fail_queue(struct neighbour *n)
{
	struct sk_buff *skb;
	NEIGH_CACHE_STAT_INC(n->tbl, NEIGH_STAT_RES_FAILED);
	while ((skb = skb_dequeue(&n->arp_queue)) != NULL)
		neigh_report_drop(n, skb);
}

static void neigh_timer_handler(struct timer_list *t)
{
	struct neighbour *n = from_timer(n, t, timer);
	const struct neigh_parms *p = parms(n->tbl);
	uint64_t now = jiffies_now(n->tbl);
	uint64_t next = now + HZ;

	if (n->nud_state & NUD_REACHABLE) {
		if (now - n->confirmed < n->tbl->reachable_time) {
			next = n->confirmed + n->tbl->reachable_time;
		} else if (now - n->used < (uint64_t)p->delay_first_probe_time * HZ) {
			/* Used recently: give upper layers a moment to
			 * confirm before probing. */
			neigh_set_state(n, NUD_DELAY);
			next = now + (uint64_t)p->delay_first_probe_time * HZ;
		} else {
			neigh_set_state(n, NUD_STALE);
			return; /* STALE waits without a timer */
		}
	} else if (n->nud_state & NUD_DELAY) {
		if (now - n->confirmed < (uint64_t)p->delay_first_probe_time * HZ) {
			neigh_set_state(n, NUD_REACHABLE);
			next = n->confirmed + n->tbl->reachable_time;
		} else {
			neigh_set_state(n, NUD_PROBE);
			n->probes = 0;
			next = now + neigh_retrans(n);
			neigh_probe(n);
		}
	} else {
		/* INCOMPLETE or PROBE: another solicitation, or give up. */
		if (n->probes >= neigh_max_probes(n)) {
			neigh_set_state(n, NUD_FAILED);
			neigh_fail_queue(n);
			return;
		}
		next = now + neigh_retrans(n);
		neigh_probe(n);
	}
	mod_timer(&n->timer, next);
}

static int neigh_start_resolve(struct neighbour *n);

/* Makes sure n can carry skb: resolves, holds, or sends. Linux's
 * __neigh_event_send. Consumes skb. */
static int neigh_event_send(struct neighbour *n, struct sk_buff *skb)
{
	const struct neigh_parms *p = parms(n->tbl);
	uint64_t now = jiffies_now(n->tbl);
	int start;

	n->used = now;
	if (n->nud_state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE))
		goto send;
	if (n->nud_state & NUD_STALE) {
		/* A stale address is still used at once; confirmation is
		 * sought only if nothing confirms it within the delay. */
		neigh_set_state(n, NUD_DELAY);
		mod_timer(&n->timer, now + (uint64_t)p->delay_first_probe_time * HZ);
		goto send;
	}
	start = neigh_start_resolve(n);
	if (start < 0) {
		neigh_set_state(n, NUD_FAILED);
		neigh_report_drop(n, skb);
		return -EHOSTUNREACH;
	}
	/* INCOMPLETE: hold the packet, dropping the oldest beyond the byte
	 * limit (unres_qlen_bytes). */
	while (!skb_queue_empty(&n->arp_queue) &&
	       n->arp_queue.bytes + skb->truesize > (uint64_t)p->unres_qlen_bytes) {
		kfree_skb(skb_dequeue(&n->arp_queue));
		NEIGH_CACHE_STAT_INC(n->tbl, NEIGH_STAT_UNRES_DISCARDS);
	}
	if (skb->truesize > (uint64_t)p->unres_qlen_bytes) {
		kfree_skb(skb);
		NEIGH_CACHE_STAT_INC(n->tbl, NEIGH_STAT_UNRES_DISCARDS);
	} else {
		skb_queue_tail(&n->arp_queue, skb);
	}
	/* The first solicitation goes once the packet is held, so the
	 * family can take its source address from it (Linux's
	 * __neigh_event_send probes after queueing; ndisc_solicit reads
	 * the queue). */
	if (start)
		neigh_probe(n);
	return 0;
send:
	eth_header(skb, n->ha, n->dev->dev_addr, n->tbl->ops->protocol);
	return dev_queue_xmit(skb);
}

/* Starts resolving n if it is not under way: 1 when the first
 * solicitation is now due (the caller sends it with neigh_probe), 0 when
 * nothing is to be done, -EHOSTUNREACH when solicitations are off. */
static int neigh_start_resolve(struct neighbour *n)
{
	const struct neigh_parms *p = parms(n->tbl);

	n->used = jiffies_now(n->tbl);
	if (!(n->nud_state == NUD_NONE || (n->nud_state & NUD_FAILED)))
		return 0;
	if (p->mcast_solicit + p->app_solicit == 0)
		return -EHOSTUNREACH;
	neigh_set_state(n, NUD_INCOMPLETE);
	n->probes = (uint8_t)p->ucast_solicit;
	mod_timer(&n->timer, jiffies_now(n->tbl) + neigh_retrans(n));
	return 1;
}

int neigh_output(struct neigh_table *tbl, struct net_device *dev, const void *pkey,
		 struct sk_buff *skb)
{
	struct neighbour *n = neigh_lookup(tbl, dev, pkey);
	if (!n) {
		n = neigh_create(tbl, dev, pkey);
		if (!n) {
			kfree_skb(skb);
			return -ENOBUFS;
		}
	}
	return neigh_event_send(n, skb);
}

void neigh_update(struct neigh_table *tbl, struct net_device *dev, const void *pkey,
		  const uint8_t *lladdr, uint8_t new_state, bool create)
{
	struct neighbour *n = neigh_lookup(tbl, dev, pkey);
	uint64_t now = jiffies_now(tbl);
	bool changed;

	if (!n) {
		if (!create)
			return;
		n = neigh_create(tbl, dev, pkey);
		if (!n)
			return;
	}
	if (n->nud_state & NUD_PERMANENT)
		return;
	changed = memcmp(n->ha, lladdr, ETH_ALEN) != 0;
	if (new_state == NUD_STALE && (n->nud_state & NUD_VALID) && !changed)
		return; /* a hint changes nothing we already know */
	memcpy(n->ha, lladdr, ETH_ALEN);
	if (new_state & NUD_PERMANENT) {
		/* A static entry (ip neigh add ... nud permanent): never
		 * probed, never expires. */
		neigh_set_state(n, NUD_PERMANENT);
		del_timer(&n->timer);
	} else if (new_state & NUD_REACHABLE) {
		n->confirmed = now;
		neigh_set_state(n, NUD_REACHABLE);
		mod_timer(&n->timer, now + tbl->reachable_time);
	} else {
		neigh_set_state(n, NUD_STALE);
		del_timer(&n->timer);
	}
	neigh_flush_queue(n);
}

void neigh_ifdown(struct neigh_table *tbl, struct net_device *dev)
{
	if (!tbl->hash)
		return;
	for (uint32_t i = 0; i <= tbl->hash_mask; i++) {
		struct neighbour **pp = &tbl->hash[i];
		while (*pp) {
			struct neighbour *n = *pp;
			if (n->dev == dev) {
				*pp = n->next;
				neigh_destroy(n);
				continue;
			}
			pp = &n->next;
		}
	}
}

static int neigh_get_locked(struct ut_stack *stack, struct ut_ip ip, struct ut_neigh_info *out)
{
	/* The table of the address's family: none (IPv6 until it has
	 * Neighbour Discovery) is -EAFNOSUPPORT. */
	struct neigh_table *tbl = neigh_find_table(stack, ip.family);
	const void *addr = ut_ip_key(&ip);

	if (!tbl)
		return -EAFNOSUPPORT;
	for (struct net_device *dev = stack->devs; dev; dev = dev->next) {
		struct neighbour *n = neigh_lookup(tbl, dev, addr);
		if (n) {
			out->dev = netdev_to_ut(dev);
			out->addr = ip;
			memcpy(out->lladdr, n->ha, ETH_ALEN);
			out->state = neigh_state_name(n->nud_state);
			return 0;
		}
	}
	return -ENOENT;
}

UT_EXPORT int ut_neigh_get(struct ut_stack *stack, struct ut_ip ip, struct ut_neigh_info *out)
{
	bool locked = stack_lock_unless_held(stack);
	int err = neigh_get_locked(stack, ip, out);

	stack_unlock_if(stack, locked);
	return err;
}

static int neigh_resolve_locked(struct ut_stack *stack, struct ut_ip ip)
{
	struct neigh_table *tbl = neigh_find_table(stack, ip.family);
	uint8_t nexthop[NEIGH_KEY_MAX];
	struct net_device *dev;
	struct neighbour *n;
	int err;

	if (!tbl)
		return -EAFNOSUPPORT;
	err = tbl->ops->nexthop(stack, ut_ip_key(&ip), &dev, nexthop);
	if (err)
		return err;
	if (!dev)
		return 0; /* nothing to resolve */
	n = neigh_lookup(tbl, dev, nexthop);
	if (!n && !(n = neigh_create(tbl, dev, nexthop)))
		return -ENOBUFS;
	err = neigh_start_resolve(n);
	if (err > 0) {
		neigh_probe(n);
		err = 0;
	}
	stack_flush_tx(stack);
	return err;
}

UT_EXPORT int ut_neigh_resolve(struct ut_stack *stack, struct ut_ip ip)
{
	bool locked = stack_lock_unless_held(stack);
	int err = neigh_resolve_locked(stack, ip);

	stack_unlock_if(stack, locked);
	return err;
}
