/* Devices whose medium the application drives (ut_dev_create): frames out
 * go to the application's transmit callback in batches, frames in are
 * handed over with ut_dev_input and wait in a bounded queue for the poll. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"

struct app_dev_priv {
	struct ut_dev_driver driver;
	void *ctx;
	/* UT_DEV_DRIVER_TX_COMPLETION: frames the driver took and has not
	 * yet reported sent, oldest first (a NIC's transmit ring) */
	struct sk_buff_head inflight;
};

static void app_dev_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	struct app_dev_priv *p = dev->priv;
	struct iovec iov[NETDEV_TX_BATCH];
	unsigned sent, done = 0;

	while (done < n) {
		unsigned k = MIN(n - done, (unsigned)NETDEV_TX_BATCH);
		for (unsigned i = 0; i < k; i++) {
			iov[i].iov_base = skbs[done + i]->data;
			iov[i].iov_len = skbs[done + i]->len;
		}
		sent = p->driver.transmit(p->ctx, iov, k);
		if (sent > k)
			sent = k;
		dev->stats.tx_dropped += k - sent;
		for (unsigned i = 0; i < k; i++) {
			/* what the driver took stays until it says it left */
			if (i < sent && (p->driver.flags & UT_DEV_DRIVER_TX_COMPLETION))
				skb_queue_tail(&p->inflight, skbs[done + i]);
			else
				kfree_skb(skbs[done + i]);
		}
		done += k;
	}
}

static void app_dev_uninit(struct net_device *dev)
{
	struct app_dev_priv *p = dev->priv;

	skb_queue_purge(&p->inflight);
	if (p->driver.destroy)
		p->driver.destroy(p->ctx);
}

static const struct net_device_ops app_dev_ops = {
	.ndo_start_xmit = app_dev_xmit,
	.ndo_uninit = app_dev_uninit,
};

void netdev_set_hwaddr(struct net_device *dev, const uint8_t *hwaddr)
{
	if (dev->type != UT_DEV_ETHER)
		return;
	if (hwaddr)
		memcpy(dev->dev_addr, hwaddr, ETH_ALEN);
	else
		eth_random_addr(dev->stack, dev->dev_addr);
}

/* Locally administered (bit 1 of the first byte) and unicast (bit 0
 * clear), as IEEE 802 asks of made-up addresses. */
void eth_random_addr(struct ut_stack *stack, uint8_t addr[ETH_ALEN])
{
	uint64_t r = prandom_u64(&stack->rng);
	memcpy(addr, &r, ETH_ALEN);
	addr[0] = (uint8_t)((addr[0] & 0xfe) | 0x02);
}

UT_EXPORT int ut_dev_create(struct ut_stack *stack, const char *name, enum ut_dev_type type,
			    unsigned mtu, unsigned flags, const uint8_t *hwaddr,
			    const struct ut_dev_driver *driver, void *ctx, struct ut_dev **out)
{
	struct net_device *dev;
	struct app_dev_priv *p;

	if (!name || strlen(name) >= IFNAMSIZ || !driver || !driver->transmit ||
	    (type != UT_DEV_ETHER && type != UT_DEV_RAWIP) || mtu < IPV4_MIN_MTU ||
	    mtu > IP_MAXPACKET)
		return -EINVAL;
	if (ut_dev_by_name(stack, name))
		return -EEXIST;
	dev = netdev_alloc(stack, name, type, mtu, &app_dev_ops, sizeof(*p));
	if (!dev)
		return -ENOMEM;
	p = dev->priv;
	p->driver = *driver;
	p->ctx = ctx;
	skb_queue_head_init(&p->inflight);
	dev->features = flags & (UT_DEV_F_RX_CSUM | UT_DEV_F_TX_CSUM | UT_DEV_F_RX_ANY_SIZE);
	netdev_set_hwaddr(dev, hwaddr);
	netdev_register(dev);
	*out = netdev_to_ut(dev);
	return 0;
}

UT_EXPORT int ut_dev_input(struct ut_dev *d, const void *frame, size_t len)
{
	struct net_device *dev = netdev_from_ut(d);
	struct ut_stack *stack = dev->stack;
	struct sk_buff *skb;
	bool locked;
	int err = 0;

	if (dev->ops != &app_dev_ops)
		return -EINVAL;
	/* From another thread (a tunnel's reader, packetdrill) the stack's
	 * lock guards the queue and the buffer pool; from inside the stack
	 * (a transmit callback looping a frame back) it is already held. */
	locked = stack_lock_unless_held(stack);
	size_t max = (dev->features & UT_DEV_F_RX_ANY_SIZE) ? IP_MAXPACKET : dev->mtu;
	if (len > max + dev->hard_header_len) {
		dev->stats.rx_dropped++;
		err = -EMSGSIZE;
	} else if (netif_rx_backlog_full(dev) ||
		   !(skb = netdev_alloc_skb_ip_align(dev, (uint32_t)len))) {
		/* A full backlog is known before a buffer is spent on the
		 * frame and its copy. */
		dev->stats.rx_dropped++;
		err = -ENOBUFS;
	} else {
		memcpy(skb_put(skb, (uint32_t)len), frame, len);
		skb->tstamp = stack_now(stack);
		netif_rx(skb);
		stack_kick_thread(stack);
	}
	stack_unlock_if(stack, locked);
	return err;
}

UT_EXPORT int ut_dev_tx_completed(struct ut_dev *d, unsigned count)
{
	struct net_device *dev = netdev_from_ut(d);
	struct ut_stack *stack = dev->stack;
	struct app_dev_priv *p;
	struct sk_buff *skb;
	unsigned n = 0;
	bool locked;

	if (dev->ops != &app_dev_ops)
		return -EINVAL;
	p = dev->priv;
	locked = stack_lock_unless_held(stack);
	/* each buffer's destructor gives its socket the charge back */
	while (n < count && (skb = skb_dequeue(&p->inflight)) != NULL) {
		kfree_skb(skb);
		n++;
	}
	stack_unlock_if(stack, locked);
	return (int)n;
}
