/* Simulated links and the Ethernet devices at their ends.
 *
 * A frame handed to a link direction goes through, in netem's order:
 *   1. link down?            dropped (down_drops)
 *   2. larger than the MTU?  dropped (mtu_drops), as a switch would
 *   3. loss                  dropped (lost)
 *   4. duplication           a clone follows the original
 *   5. corruption            one random bit flipped (copy-on-write, since
 *                            the sender may still hold the data for
 *                            retransmission)
 *   6. queue and rate        waits for the wire behind earlier frames; a
 *                            full queue (queue_limit) drops at the tail
 *   7. delay and jitter      arrival = end of serialisation + delay +-
 *                            jitter, never before the previous arrival
 *   8. reordering            a reordered frame is held reorder_delay_ns
 *                            longer and later frames may pass it
 * Each direction has its own generator seeded from the world's seed and
 * the link's position, so adding traffic on one link never changes the
 * dice thrown on another. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/fault.h"
#include "net/simnet.h"
#include "net/stack.h"

#define SIM_DEFAULT_QUEUE_LIMIT 1000
#define SIM_DEFAULT_REORDER_DELAY (1 * NSEC_PER_MSEC)

struct sim_dev_priv {
	struct ut_sim_link *link;
	int side;
	struct sk_buff_head rxq;
};

UT_EXPORT void ut_link_params_init(struct ut_link_params *p)
{
	memset(p, 0, sizeof(*p));
	p->mtu = 1500;
	p->queue_limit = SIM_DEFAULT_QUEUE_LIMIT;
	p->reorder_delay_ns = SIM_DEFAULT_REORDER_DELAY;
}

static bool prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0 && !isnan(p);
}

static int link_params_check(const struct ut_link_params *p)
{
	if (!prob_ok(p->loss) || !prob_ok(p->duplicate) || !prob_ok(p->reorder) ||
	    !prob_ok(p->corrupt) || p->mtu < 68 || p->mtu > 65535 || p->queue_limit == 0)
		return -EINVAL;
	return 0;
}

static void sim_dev_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	struct sim_dev_priv *p = dev->priv;
	for (unsigned i = 0; i < n; i++)
		sim_link_transmit(p->link, p->side, skbs[i]);
}

static unsigned sim_dev_rx_batch(struct net_device *dev, struct sk_buff **skbs,
				 unsigned max)
{
	struct sim_dev_priv *p = dev->priv;
	return skb_dequeue_batch(&p->rxq, skbs, max);
}

static bool sim_dev_rx_pending(const struct net_device *dev)
{
	const struct sim_dev_priv *p = dev->priv;
	return !skb_queue_empty(&p->rxq);
}

static void sim_dev_uninit(struct net_device *dev)
{
	struct sim_dev_priv *p = dev->priv;
	skb_queue_purge(&p->rxq);
	if (p->link)
		p->link->dev[p->side] = NULL;
}

static const struct net_device_ops sim_dev_ops = {
	.ndo_start_xmit = sim_dev_xmit,
	.ndo_rx_batch = sim_dev_rx_batch,
	.ndo_rx_pending = sim_dev_rx_pending,
	.ndo_uninit = sim_dev_uninit,
};

static int sim_host_index(const struct ut_sim *sim, const struct ut_stack *stack)
{
	for (unsigned i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].stack == stack)
			return (int)i;
	return -1;
}

static int sim_link_dir_init(struct sim_link_dir *d, const struct ut_link_params *p,
			     uint64_t seed)
{
	d->params = *p;
	prandom_seed(&d->rng, seed);
	d->dep_cap = p->queue_limit + 1;
	d->departures = ut_calloc(d->dep_cap, sizeof(*d->departures));
	return d->departures ? 0 : -ENOMEM;
}

static struct net_device *sim_dev_create(struct ut_sim_link *link, int side,
					 struct ut_stack *stack, unsigned mtu)
{
	char name[IFNAMSIZ];
	unsigned eths = 0;
	struct net_device *dev;
	struct sim_dev_priv *p;

	for (struct net_device *d = stack->devs; d; d = d->next)
		if (d->ops == &sim_dev_ops)
			eths++;
	snprintf(name, sizeof(name), "eth%u", eths);
	dev = netdev_alloc(stack, name, UT_DEV_ETHER, mtu, &sim_dev_ops, sizeof(*p));
	if (!dev)
		return NULL;
	p = dev->priv;
	p->link = link;
	p->side = side;
	skb_queue_head_init(&p->rxq);
	eth_random_addr(stack, dev->dev_addr);
	return dev;
}

UT_EXPORT int ut_sim_link_add(struct ut_sim *sim, struct ut_stack *a, struct ut_stack *b,
			      const struct ut_link_params *params,
			      struct ut_sim_link **out)
{
	struct ut_link_params def;
	struct ut_sim_link *link;
	int err = -ENOMEM;

	if (!params) {
		ut_link_params_init(&def);
		params = &def;
	}
	if (link_params_check(params) || a == b)
		return -EINVAL;
	link = ut_calloc(1, sizeof(*link));
	if (!link)
		return -ENOMEM;
	link->sim = sim;
	link->up = true;
	link->host[0] = sim_host_index(sim, a);
	link->host[1] = sim_host_index(sim, b);
	if (link->host[0] < 0 || link->host[1] < 0) {
		free(link);
		return -EINVAL;
	}
	for (int d = 0; d < 2; d++) {
		uint64_t seed = prandom_mix(sim->seed ^ prandom_mix(((uint64_t)sim->nlinks << 1) | (uint64_t)d));
		if ((err = sim_link_dir_init(&link->dir[d], params, seed)) < 0)
			goto fail;
	}
	link->dev[0] = sim_dev_create(link, 0, a, params->mtu);
	link->dev[1] = sim_dev_create(link, 1, b, params->mtu);
	if (!link->dev[0] || !link->dev[1])
		goto fail;
	link->next = sim->links;
	sim->links = link;
	sim->nlinks++;
	*out = link;
	return 0;
fail:
	if (link->dev[0])
		netdev_free(link->dev[0]);
	if (link->dev[1])
		netdev_free(link->dev[1]);
	free(link->dir[0].departures);
	free(link->dir[1].departures);
	free(link);
	return err;
}

void sim_link_free(struct ut_sim_link *link)
{
	for (int s = 0; s < 2; s++) {
		if (link->dev[s])
			((struct sim_dev_priv *)link->dev[s]->priv)->link = NULL;
		free(link->dir[s].departures);
	}
	free(link);
}

UT_EXPORT struct ut_dev *ut_sim_link_dev(const struct ut_sim_link *link, int side)
{
	return side == 0 || side == 1 ? netdev_to_ut(link->dev[side]) : NULL;
}

UT_EXPORT int ut_sim_link_set_params(struct ut_sim_link *link, int direction,
				     const struct ut_link_params *params)
{
	if (link_params_check(params) || direction < -1 || direction > 1)
		return -EINVAL;
	for (int d = 0; d < 2; d++) {
		struct sim_link_dir *ld = &link->dir[d];
		if (direction != -1 && direction != d)
			continue;
		if (params->queue_limit + 1 > ld->dep_cap) {
			/* Re-pack the ring of departures into a larger one. */
			uint64_t *n = ut_calloc(params->queue_limit + 1, sizeof(*n));
			if (!n)
				return -ENOMEM;
			for (unsigned i = 0; i < ld->dep_count; i++)
				n[i] = ld->departures[(ld->dep_head + i) % ld->dep_cap];
			free(ld->departures);
			ld->departures = n;
			ld->dep_head = 0;
			ld->dep_cap = params->queue_limit + 1;
		}
		ld->params = *params;
	}
	for (int s = 0; s < 2; s++)
		if (link->dev[s])
			link->dev[s]->mtu = params->mtu;
	return 0;
}

/* The event heap's order; (time, seq) is unique, and an array sorted by it
 * is a valid min-heap. */
static int sim_event_cmp(const void *a, const void *b)
{
	const struct sim_event *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

UT_EXPORT void ut_sim_link_set_up(struct ut_sim_link *link, bool up)
{
	struct ut_sim *sim = link->sim;
	unsigned kept = 0;

	if (link->up && !up) {
		/* Every frame in flight (queued, on the wire or propagating) is
		 * lost now, even if the link comes back before it would have
		 * arrived, and the wire is left free. */
		for (unsigned i = 0; i < sim->heap_len; i++) {
			struct sim_event *ev = &sim->heap[i];
			if (ev->link == link) {
				link->dir[ev->dir].stats.down_drops++;
				kfree_skb(ev->skb);
			} else {
				sim->heap[kept++] = *ev;
			}
		}
		if (kept != sim->heap_len) {
			sim->heap_len = kept;
			qsort(sim->heap, kept, sizeof(*sim->heap), sim_event_cmp);
		}
		for (int d = 0; d < 2; d++) {
			link->dir[d].busy_until = 0;
			link->dir[d].last_arrival = 0;
			link->dir[d].dep_head = 0;
			link->dir[d].dep_count = 0;
		}
	}
	link->up = up;
}

UT_EXPORT void ut_sim_link_get_stats(const struct ut_sim_link *link, int direction,
				     struct ut_link_stats *st)
{
	if (direction == 0 || direction == 1) {
		*st = link->dir[direction].stats;
		return;
	}
	memset(st, 0, sizeof(*st));
}

static bool chance(struct sim_link_dir *d, double p)
{
	return p > 0.0 && prandom_double(&d->rng) < p;
}

/* Frames still waiting for (or on) the wire at time now. */
static unsigned sim_queue_depth(struct sim_link_dir *d, uint64_t now)
{
	while (d->dep_count && d->departures[d->dep_head] <= now) {
		d->dep_head = (d->dep_head + 1) % d->dep_cap;
		d->dep_count--;
	}
	return d->dep_count;
}

static void sim_schedule(struct ut_sim_link *link, int dir, struct sk_buff *skb)
{
	struct ut_sim *sim = link->sim;
	struct sim_link_dir *d = &link->dir[dir];
	const struct ut_link_params *p = &d->params;
	uint64_t now = sim->clock.now, start, done, arrival;
	struct sim_event ev;

	if (sim_queue_depth(d, now) >= p->queue_limit) {
		d->stats.queue_drops++;
		kfree_skb(skb);
		return;
	}
	/* Serialisation: the frame starts when the wire is free. */
	start = MAX(now, d->busy_until);
	done = start;
	if (p->rate_bps)
		done += (uint64_t)(((unsigned __int128)skb->len * 8 * NSEC_PER_SEC +
				    p->rate_bps - 1) / p->rate_bps);
	d->busy_until = done;
	d->departures[(d->dep_head + d->dep_count) % d->dep_cap] = done;
	d->dep_count++;

	arrival = done + p->delay_ns;
	if (p->jitter_ns) {
		uint64_t span = 2 * p->jitter_ns + 1;
		int64_t j = (int64_t)prandom_below(&d->rng, span) - (int64_t)p->jitter_ns;
		arrival = j < 0 && (uint64_t)-j > arrival - done ? done : (uint64_t)((int64_t)arrival + j);
	}
	if (chance(d, p->reorder)) {
		d->stats.reordered++;
		arrival += p->reorder_delay_ns;
	} else {
		/* A wire keeps order: jitter never lets a frame pass the
		 * one before it. */
		arrival = MAX(arrival, d->last_arrival);
		d->last_arrival = arrival;
	}
	ev.time = arrival;
	ev.skb = skb;
	ev.link = link;
	ev.dir = dir;
	if (sim_event_push(sim, &ev) < 0) {
		kfree_skb(skb);
		return;
	}
}

void sim_link_transmit(struct ut_sim_link *link, int from_side, struct sk_buff *skb)
{
	struct sim_link_dir *d;
	struct sk_buff *dup = NULL;

	if (!link) {
		kfree_skb(skb);
		return;
	}
	d = &link->dir[from_side];
	d->stats.sent++;
	if (!link->up) {
		d->stats.down_drops++;
		goto drop;
	}
	if (skb->len > d->params.mtu + ETH_HLEN) {
		d->stats.mtu_drops++;
		goto drop;
	}
	if (chance(d, d->params.loss)) {
		d->stats.lost++;
		goto drop;
	}
	if (chance(d, d->params.duplicate)) {
		dup = skb_clone(skb);
		if (dup)
			d->stats.duplicated++;
	}
	if (chance(d, d->params.corrupt) && skb->len && skb_unshare_data(skb) == 0) {
		uint64_t bit = prandom_below(&d->rng, (uint64_t)skb->len * 8);
		skb->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		d->stats.corrupted++;
	}
	sim_schedule(link, from_side, skb);
	if (dup)
		sim_schedule(link, from_side, dup);
	return;
drop:
	kfree_skb(skb);
}

void sim_link_deliver(struct ut_sim *sim, struct sim_event *ev)
{
	struct ut_sim_link *link = ev->link;
	int to = 1 - ev->dir;
	struct net_device *dev = link->dev[to];
	struct sim_dev_priv *p;
	struct sim_link_dir *d = &link->dir[ev->dir];

	if (!link->up) {
		d->stats.down_drops++;
		goto drop;
	}
	if (!dev)
		goto drop;
	p = dev->priv;
	if (skb_queue_len(&p->rxq) >= NETDEV_MAX_BACKLOG) {
		dev->stats.rx_dropped++;
		goto drop;
	}
	d->stats.delivered++;
	d->stats.bytes_delivered += ev->skb->len;
	/* The frame now belongs to the receiving host. */
	ev->skb->tstamp = 0;
	ev->skb->dev = dev;
	ev->skb->ip_summed = CHECKSUM_NONE;
	skb_queue_tail(&p->rxq, ev->skb);
	sim_host_wake(sim, link->host[to]);
	return;
drop:
	kfree_skb(ev->skb);
}
