/* Simulated links and the Ethernet devices at their ends.
 *
 * A frame handed to a link direction is dropped if the link is down
 * (down_drops) or the frame is larger than the link's MTU (mtu_drops), as
 * a switch would; otherwise it goes through netem's steps (loss,
 * duplication, corruption, queue and rate, delay and jitter, reordering:
 * src/sched/sch_netem.c) and arrives as an event of the world. Each
 * direction has its own generator seeded from the world's seed and the
 * link's position, so adding traffic on one link never changes the dice
 * thrown on another. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/fault.h"
#include "net/simnet.h"
#include "net/stack.h"

struct sim_dev_priv {
	struct ut_sim_link *link;
	int side;
};

static void sim_dev_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	struct sim_dev_priv *p = dev->priv;
	for (unsigned i = 0; i < n; i++)
		sim_link_transmit(p->link, p->side, skbs[i]);
}

static void sim_dev_uninit(struct net_device *dev)
{
	struct sim_dev_priv *p = dev->priv;
	if (p->link)
		p->link->dev[p->side] = NULL;
}

static const struct net_device_ops sim_dev_ops = {
	.ndo_start_xmit = sim_dev_xmit,
	.ndo_uninit = sim_dev_uninit,
};

static int sim_host_index(const struct ut_sim *sim, const struct ut_stack *stack)
{
	for (unsigned i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].stack == stack)
			return (int)i;
	return -1;
}

static struct net_device *sim_dev_create(struct ut_sim_link *link, int side, struct ut_stack *stack,
					 unsigned mtu)
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
	eth_random_addr(stack, dev->dev_addr);
	return dev;
}

UT_EXPORT int ut_sim_link_add(struct ut_sim *sim, struct ut_stack *a, struct ut_stack *b,
			      const struct ut_link_params *params, struct ut_sim_link **out)
{
	struct ut_link_params def;
	struct ut_sim_link *link;
	int err = -ENOMEM;

	if (!params) {
		ut_link_params_init(&def);
		params = &def;
	}
	if (netem_params_check(params) || a == b)
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
		uint64_t seed = prandom_mix(
			sim->seed ^ prandom_mix(((uint64_t)sim->nlinks << 1) | (uint64_t)d));
		if ((err = netem_dir_init(&link->dir[d], params, seed)) < 0)
			goto fail;
	}
	link->dev[0] = sim_dev_create(link, 0, a, params->mtu);
	link->dev[1] = sim_dev_create(link, 1, b, params->mtu);
	if (!link->dev[0] || !link->dev[1]) {
		err = -ENOMEM;
		goto fail;
	}
	link->next = sim->links;
	sim->links = link;
	sim->nlinks++;
	netdev_register(link->dev[0]);
	netdev_register(link->dev[1]);
	*out = link;
	return 0;
fail:
	if (link->dev[0])
		netdev_free(link->dev[0]);
	if (link->dev[1])
		netdev_free(link->dev[1]);
	netem_dir_free(&link->dir[0]);
	netem_dir_free(&link->dir[1]);
	free(link);
	return err;
}

void sim_link_free(struct ut_sim_link *link)
{
	for (int s = 0; s < 2; s++) {
		if (link->dev[s])
			((struct sim_dev_priv *)link->dev[s]->priv)->link = NULL;
		netem_dir_free(&link->dir[s]);
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
	if (netem_params_check(params) || direction < -1 || direction > 1)
		return -EINVAL;
	for (int d = 0; d < 2; d++) {
		int err;
		if ((direction == -1 || direction == d) &&
		    (err = netem_dir_set_params(&link->dir[d], params)) < 0)
			return err;
	}
	for (int s = 0; s < 2; s++)
		if (link->dev[s])
			link->dev[s]->mtu = params->mtu;
	return 0;
}

/* A frame of a link going down: lost, and counted so. */
static bool sim_event_drop_down(void *elem, void *arg)
{
	struct sim_event *ev = elem;

	if (ev->link != arg)
		return false;
	ev->link->dir[ev->dir].stats.down_drops++;
	kfree_skb(ev->skb);
	return true;
}

UT_EXPORT void ut_sim_link_set_up(struct ut_sim_link *link, bool up)
{
	if (link->up && !up) {
		/* Every frame in flight (queued, on the wire or propagating) is
		 * lost now, even if the link comes back before it would have
		 * arrived, and the wire is left free. */
		timeheap_remove_if(&link->sim->events, sim_event_drop_down, link);
		netem_dir_reset(&link->dir[0], link->sim->clock.now);
		netem_dir_reset(&link->dir[1], link->sim->clock.now);
	}
	link->up = up;
}

UT_EXPORT void ut_sim_link_get_stats(const struct ut_sim_link *link, int direction,
				     struct ut_link_stats *st)
{
	if (direction == 0 || direction == 1) {
		netem_dir_get_stats(&link->dir[direction], link->sim->clock.now, st);
		return;
	}
	memset(st, 0, sizeof(*st));
}

void sim_link_transmit(struct ut_sim_link *link, int from_side, struct sk_buff *skb)
{
	struct netem_dir *d;
	struct sk_buff *out[2];
	uint64_t when[2];
	unsigned n;

	if (!link) {
		kfree_skb(skb);
		return;
	}
	/* The sender is done with the frame once the link has it: a link
	 * stands for the path, whose queue is a router's, not the sending
	 * host's (a host's NIC is never the bottleneck a scenario sets up).
	 * Charged until serialised, a rate-limited link's queue would be
	 * the sender's own qdisc, which TCP Small Queues keeps nearly
	 * empty: no queue would build there for CUBIC, BBR or DCTCP to see. */
	skb_orphan(skb);
	d = &link->dir[from_side];
	d->stats.sent++;
	if (!link->up) {
		d->stats.down_drops++;
		kfree_skb(skb);
		return;
	}
	if (skb->len > d->params.mtu + ETH_HLEN) {
		d->stats.mtu_drops++;
		kfree_skb(skb);
		return;
	}
	n = netem_enqueue(d, skb, link->sim->clock.now, out, when);
	for (unsigned i = 0; i < n; i++) {
		struct sim_event ev = {
			.key.time = when[i], .skb = out[i], .link = link, .dir = from_side};
		if (timeheap_push(&link->sim->events, &ev) < 0)
			kfree_skb(out[i]);
	}
}

void sim_link_deliver(struct ut_sim *sim, struct sim_event *ev)
{
	struct ut_sim_link *link = ev->link;
	int to = 1 - ev->dir;
	struct net_device *dev = link->dev[to];
	struct netem_dir *d = &link->dir[ev->dir];
	uint32_t len = ev->skb->len;

	if (!link->up) {
		d->stats.down_drops++;
		goto drop;
	}
	if (!dev)
		goto drop;
	/* The frame now belongs to the receiving host. */
	ev->skb->tstamp = 0;
	ev->skb->dev = dev;
	ev->skb->ip_summed = CHECKSUM_NONE;
	if (netif_rx(ev->skb) != NET_RX_SUCCESS)
		return; /* a full backlog: counted in the device's rx_dropped */
	d->stats.delivered++;
	d->stats.bytes_delivered += len;
	sim_host_wake(sim, link->host[to]);
	return;
drop:
	kfree_skb(ev->skb);
}
