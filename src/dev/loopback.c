/* The loopback device: what the stack sends to its own addresses comes
 * back in at the next poll, as through Linux's lo. */
#include <arpa/inet.h>

#include "net/stack.h"

struct loopback_priv {
	struct sk_buff_head rxq;
};

static void loopback_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	struct loopback_priv *lo = dev->priv;
	for (unsigned i = 0; i < n; i++) {
		/* The packet is ours in both directions: what was computed
		 * on the way out need not be verified on the way in. */
		skbs[i]->ip_summed = CHECKSUM_UNNECESSARY;
		skbs[i]->tstamp = 0;
		skb_queue_tail(&lo->rxq, skbs[i]);
	}
}

static unsigned loopback_rx_batch(struct net_device *dev, struct sk_buff **skbs, unsigned max)
{
	struct loopback_priv *lo = dev->priv;
	return skb_dequeue_batch(&lo->rxq, skbs, max);
}

static bool loopback_rx_pending(const struct net_device *dev)
{
	const struct loopback_priv *lo = dev->priv;
	return !skb_queue_empty(&lo->rxq);
}

static void loopback_uninit(struct net_device *dev)
{
	struct loopback_priv *lo = dev->priv;
	skb_queue_purge(&lo->rxq);
}

static const struct net_device_ops loopback_ops = {
	.ndo_start_xmit = loopback_xmit,
	.ndo_rx_batch = loopback_rx_batch,
	.ndo_rx_pending = loopback_rx_pending,
	.ndo_uninit = loopback_uninit,
};

struct net_device *loopback_dev_create(struct ut_stack *stack)
{
	/* Linux's lo has a 64 KiB MTU and carries bare IP here. */
	struct net_device *dev = netdev_alloc(stack, "lo", UT_DEV_RAWIP, 65536, &loopback_ops,
					      sizeof(struct loopback_priv));
	if (!dev)
		return NULL;
	skb_queue_head_init(&((struct loopback_priv *)dev->priv)->rxq);
	dev->features = UT_DEV_F_RX_CSUM | UT_DEV_F_TX_CSUM;
	if (ut_addr_add(stack, netdev_to_ut(dev), htonl(0x7f000001), 8) < 0) {
		netdev_free(dev);
		return NULL;
	}
	return dev;
}
