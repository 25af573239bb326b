/* The loopback device: what the stack sends to its own addresses comes
 * back in at the next poll, as through Linux's lo. */
#include <arpa/inet.h>

#include "net/stack.h"

static void loopback_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		/* Sent as soon as queued: the sender's charge goes now
		 * (Linux's loopback_xmit orphans first), and the receiving
		 * socket charges the buffer its own way. */
		skb_orphan(skbs[i]);
		/* The packet is ours in both directions: what was computed
		 * on the way out need not be verified on the way in. */
		skbs[i]->ip_summed = CHECKSUM_UNNECESSARY;
		skbs[i]->tstamp = 0;
		/* Onto the backlog without netif_rx's bound: what the stack
		 * sends itself is never dropped here (Linux's lo goes
		 * through netif_rx and would drop past netdev_max_backlog). */
		skb_queue_tail(&dev->backlog, skbs[i]);
	}
}

static const struct net_device_ops loopback_ops = {
	.ndo_start_xmit = loopback_xmit,
};

struct net_device *loopback_dev_create(struct ut_stack *stack)
{
	/* Linux's lo has a 64 KiB MTU and carries bare IP here. */
	struct net_device *dev = netdev_alloc(stack, "lo", UT_DEV_RAWIP, 65536, &loopback_ops, 0);
	if (!dev)
		return NULL;
	dev->features = UT_DEV_F_RX_CSUM | UT_DEV_F_TX_CSUM;
	if (ut_addr_add(stack, netdev_to_ut(dev), ut_ip_v4(htonl(INADDR_LOOPBACK)), 8) < 0) {
		netdev_free(dev);
		return NULL;
	}
	netdev_register(dev);
	return dev;
}
