/* The device layer (Linux's net/core/dev.c): registering devices, the
 * batched transmit queue, the receive backlog and its poll, and the
 * dispatch of received frames by link type and ethertype. */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/gro.h"
#include "net/netem.h"
#include "net/offload.h"
#include "net/stack.h"

struct net_device *dev_get_by_index(struct ut_stack *stack, int ifindex)
{
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		if (dev->ifindex == ifindex)
			return dev;
	return NULL;
}

struct net_device *dev_get_by_name(struct ut_stack *stack, const char *name)
{
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		if (strncmp(dev->name, name, IFNAMSIZ) == 0)
			return dev;
	return NULL;
}

struct net_device *ip_dev_find(struct ut_stack *stack, uint32_t addr)
{
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		for (unsigned i = 0; i < dev->n_addrs; i++)
			if (dev->addrs[i].ifa_local == addr)
				return dev;
	return NULL;
}

struct net_device *netdev_alloc(struct ut_stack *stack, const char *name, enum ut_dev_type type,
				unsigned mtu, const struct net_device_ops *ops, size_t priv_size)
{
	struct net_device *dev, **pp;

	dev = ut_calloc(1, sizeof(*dev) + priv_size);
	if (!dev)
		return NULL;
	dev->stack = stack;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->ifindex = stack->next_ifindex++;
	dev->type = type;
	dev->mtu = mtu;
	dev->hard_header_len = type == UT_DEV_ETHER ? ETH_HLEN : 0;
	dev->ops = ops;
	dev->fd = -1;
	dev->priv = priv_size ? (void *)(dev + 1) : NULL;
	skb_queue_head_init(&dev->txq);
	dev->tx_queue_len = NETDEV_DEFAULT_TX_QUEUE_LEN;
	skb_queue_head_init(&dev->backlog);
	skb_queue_head_init(&dev->gro.held);
	for (pp = &stack->devs; *pp; pp = &(*pp)->next)
		;
	*pp = dev;
	return dev;
}

static void call_netdevice_notifiers(unsigned long event, struct net_device *dev)
{
	struct ut_stack *stack = dev->stack;

	for (unsigned i = 0; i < stack->n_netdev_notifiers; i++)
		stack->netdev_notifiers[i](event, dev);
}

void netdev_register(struct net_device *dev)
{
	/* GRO is on for every device, as Linux's register_netdevice adds
	 * NETIF_F_SOFT_FEATURES (GSO and GRO) to what the driver set. */
	dev->features |= NETIF_F_GRO;
	call_netdevice_notifiers(NETDEV_REGISTER, dev);
	call_netdevice_notifiers(NETDEV_UP, dev);
}

void netdev_notify_mtu(struct net_device *dev)
{
	call_netdevice_notifiers(NETDEV_CHANGEMTU, dev);
}

void netdev_free(struct net_device *dev)
{
	struct ut_stack *stack = dev->stack;
	struct net_device **pp;

	for (pp = &stack->devs; *pp && *pp != dev; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = dev->next;
	call_netdevice_notifiers(NETDEV_UNREGISTER, dev);
	skb_queue_purge(&dev->txq);
	netem_qdisc_destroy(dev->netem[UT_DEV_EGRESS]);
	netem_qdisc_destroy(dev->netem[UT_DEV_INGRESS]);
	skb_queue_purge(&dev->backlog);
	gro_list_purge(dev);
	if (dev->ops->ndo_uninit)
		dev->ops->ndo_uninit(dev);
	pcap_writer_close(&dev->pcap);
	if (stack->loopback == dev)
		stack->loopback = NULL;
	free(dev);
}

void netdev_mirror(struct net_device *dev, const struct sk_buff *skb)
{
	struct iovec iov[1 + MAX_SKB_FRAGS];
	int n;

	if (!dev->pcap.f)
		return;
	n = skb_to_iovec(skb, iov, 0);
	pcap_writer_writev(&dev->pcap, stack_now(dev->stack), iov, n, skb->len);
}

/* Queues one wire-sized frame; the batch goes to the driver when it fills
 * or the queue does. */
static void dev_queue_xmit_one(struct net_device *dev, struct sk_buff *skb)
{
	skb_queue_tail(&dev->txq, skb);
	if (skb_queue_len(&dev->txq) >= MIN(NETDEV_TX_BATCH, dev->tx_queue_len))
		netdev_flush_tx(dev);
}

bool netif_gso_ok(const struct net_device *dev, const struct sk_buff *skb)
{
	uint32_t type = skb_shinfo(skb)->gso_type;

	if (dev->netem[UT_DEV_EGRESS])
		return false;
	if (dev->features & NETIF_F_GSO)
		return true;
	if (type & SKB_GSO_TCPV4)
		return (dev->features & NETIF_F_TSO) != 0;
	if (type & SKB_GSO_TCPV6)
		return (dev->features & NETIF_F_TSO6) != 0;
	return false;
}

int dev_queue_xmit(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct sk_buff_head segs;
	struct sk_buff *seg;

	/* The queue is the device's qdisc, bounded as Linux's pfifo by
	 * txqueuelen, and a buffer is enqueued whole, before it is cut (as
	 * Linux's qdisc holds GSO buffers). Frames reach the driver when a
	 * batch fills or the queue does, so only a limit of 0 (a `pfifo
	 * limit 0`, a device told to refuse everything) drops here; the
	 * caller learns of it, as a Linux sender learns of a qdisc drop. */
	if (skb_queue_len(&dev->txq) >= dev->tx_queue_len) {
		dev->stats.tx_dropped++;
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	/* Lent memory (a nonlinear buffer) goes on as it is only to a
	 * driver that gathers, with nothing between that works on whole
	 * frames: an impairment, or GSO done here (Linux's
	 * validate_xmit_skb linearizes for a device without NETIF_F_SG). */
	if (skb_is_nonlinear(skb) &&
	    (!(dev->features & NETIF_F_SG) || dev->netem[UT_DEV_EGRESS] ||
	     (skb_is_gso(skb) && !netif_gso_ok(dev, skb))) &&
	    skb_linearize(skb)) {
		dev->stats.tx_dropped++;
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	/* Software GSO (Linux's validate_xmit_skb): what the device cannot
	 * cut, the stack cuts here, so the driver, the impairment and the
	 * capture all see wire-sized frames. */
	if (!skb_is_gso(skb) || netif_gso_ok(dev, skb)) {
		dev_queue_xmit_one(dev, skb);
		return NET_XMIT_SUCCESS;
	}
	skb_queue_head_init(&segs);
	if (skb_gso_segment(skb, &segs)) {
		skb_queue_purge(&segs);
		dev->stats.tx_dropped++;
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	/* The sending socket is charged for the segments instead, each
	 * held by the device as long as it is (Linux's tcp_gso_segment
	 * moves the destructor and the truesize to them). */
	if (skb->sk)
		skb_queue_walk(&segs, seg)
			skb_set_owner_w(seg, skb->sk, skb->destructor);
	kfree_skb(skb);
	while ((seg = skb_dequeue(&segs)) != NULL)
		dev_queue_xmit_one(dev, seg);
	return NET_XMIT_SUCCESS;
}

/* The ethertype of a packet on a layer 3 device, from its IP version
 * nibble (a TUN device without packet information gives nothing else to
 * go on; Linux's tun_get_user reads the nibble the same way). 0: neither
 * version, which no handler takes. */
static uint16_t l3_protocol(const struct sk_buff *skb)
{
	if (skb->len == 0)
		return 0;
	switch (skb->data[0] >> 4) {
	case 4:
		return ETH_P_IP;
	case 6:
		return ETH_P_IPV6;
	default:
		return 0;
	}
}

/* The ethertype of a frame at its link header: Ethernet's type field, or
 * on a layer 3 device the IP version's (l3_protocol); 0 for a frame too
 * short to say. */
static uint16_t frame_protocol(const struct net_device *dev, const struct sk_buff *skb)
{
	if (dev->type != UT_DEV_ETHER)
		return l3_protocol(skb);
	return skb->len < ETH_HLEN ? 0 : get_be16(skb->data + 12);
}

/* The hand-over to the driver. The mirror sees frames here, after any
 * impairment, as tcpdump on Linux sees them after the qdisc: what a
 * capture shows is what went on the wire. */
static void netdev_xmit_batch(struct net_device *dev, struct sk_buff **batch, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += batch[i]->len;
		netdev_mirror(dev, batch[i]);
	}
	dev->ops->ndo_start_xmit(dev, batch, n);
}

/* ---- re-joining what an impairment let through --------------------------
 *
 * An impairment acts on wire packets, so a device with one gets its TCP
 * buffers cut first (netif_gso_ok). On a device that segments TCP
 * itself (a TAP or TUN with the kernel's TSO), the packets that leave
 * the impairment together are joined again, by GRO's own rules (one
 * flow, the next byte, headers and options alike; src/core/gro.c), into
 * buffers the driver hands over whole: 1 % loss then drops 1 % of wire
 * packets, not 1 % of 64 KB buffers (Linux's netem would drop a GSO
 * buffer whole, which is why its users turn TSO off), and the device
 * still writes one frame per buffer. A damaged packet fails GRO's
 * checksum test and goes alone, its checksum as the damage left it. The
 * capture and tx_packets see the wire packets, before they are joined. */

struct tx_rejoin {
	struct sk_buff *batch[NETDEV_TX_BATCH];
	unsigned n;
};

static void tx_rejoin_send(struct net_device *dev, struct tx_rejoin *r)
{
	if (r->n)
		dev->ops->ndo_start_xmit(dev, r->batch, r->n);
	r->n = 0;
}

static void tx_rejoin_add(struct net_device *dev, struct tx_rejoin *r, struct sk_buff *skb)
{
	r->batch[r->n++] = skb;
	if (r->n == NETDEV_TX_BATCH)
		tx_rejoin_send(dev, r);
}

static void tx_rejoin_up(void *ctx, struct net_device *dev, struct sk_buff *skb, unsigned count)
{
	/* the link header GRO looked past goes back in front */
	skb_push(skb, dev->hard_header_len);
	if (count > 1) {
		dev->stats.tx_gso_packets++;
		dev->stats.tx_gso_wire_packets += count;
	}
	tx_rejoin_add(dev, ctx, skb);
}

static void tx_rejoin_drop(void *ctx, struct net_device *dev, struct sk_buff *skb)
{
	(void)ctx;
	dev->stats.tx_dropped++;
	kfree_skb(skb);
}

static const struct gro_sink tx_rejoin_sink = {.up = tx_rejoin_up, .drop = tx_rejoin_drop};

/* Whether the packets an impairment releases are joined for dev. */
static bool netdev_tx_rejoins(const struct net_device *dev)
{
	return (dev->features & (NETIF_F_TSO | NETIF_F_TSO6)) != 0;
}

/* The frames of q due at now, to the driver in batches, joined. */
static void netdev_flush_rejoined(struct net_device *dev, struct netem_qdisc *q, uint64_t now)
{
	struct sk_buff_head held;
	struct tx_rejoin r = {.n = 0};
	struct sk_buff *skb;

	skb_queue_head_init(&held);
	while ((skb = netem_qdisc_dequeue(q, now)) != NULL) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += skb->len;
		netdev_mirror(dev, skb);
		if (skb->len < dev->hard_header_len) {
			tx_rejoin_add(dev, &r, skb);
			continue;
		}
		skb_reset_mac_header(skb);
		skb->protocol = frame_protocol(dev, skb);
		skb_pull(skb, dev->hard_header_len);
		gro_merge(dev, &held, skb, &tx_rejoin_sink, &r);
	}
	gro_flush_list(dev, &held, &tx_rejoin_sink, &r);
	tx_rejoin_send(dev, &r);
}

void netdev_flush_tx(struct net_device *dev)
{
	struct netem_qdisc *q = dev->netem[UT_DEV_EGRESS];
	struct sk_buff *batch[NETDEV_TX_BATCH], *skb;
	unsigned n;

	if (q) {
		uint64_t now = stack_now(dev->stack);
		while ((skb = skb_dequeue(&dev->txq)))
			netem_qdisc_enqueue(q, skb, now);
		if (netdev_tx_rejoins(dev)) {
			netdev_flush_rejoined(dev, q, now);
			return;
		}
		do {
			for (n = 0; n < NETDEV_TX_BATCH && (skb = netem_qdisc_dequeue(q, now)); n++)
				batch[n] = skb;
			if (n)
				netdev_xmit_batch(dev, batch, n);
		} while (n == NETDEV_TX_BATCH);
		return;
	}
	while (!skb_queue_empty(&dev->txq)) {
		for (n = 0; n < NETDEV_TX_BATCH && (skb = skb_dequeue(&dev->txq)); n++)
			batch[n] = skb;
		netdev_xmit_batch(dev, batch, n);
	}
}

bool netdev_tx_pending(const struct net_device *dev)
{
	const struct netem_qdisc *q = dev->netem[UT_DEV_EGRESS];

	if (!skb_queue_empty(&dev->txq))
		return true;
	/* The clock is read only for a device with an impairment. */
	return q && netem_qdisc_next(q) <= stack_now(dev->stack);
}

uint64_t netdev_next_deadline(const struct net_device *dev)
{
	uint64_t t = UINT64_MAX;
	for (int d = 0; d < 2; d++)
		if (dev->netem[d])
			t = MIN(t, netem_qdisc_next(dev->netem[d]));
	return t;
}

/* The per-device receive queue. Linux keeps one per CPU (softnet_data's
 * input_pkt_queue), fed by netif_rx and drained by the backlog's NAPI
 * poll; with one thread per stack, one per device keeps each device's
 * frames to its own poll weight. */
int netif_rx(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	if (netif_rx_backlog_full(dev)) {
		dev->stats.rx_dropped++;
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	skb_queue_tail(&dev->backlog, skb);
	return NET_RX_SUCCESS;
}

struct sk_buff *netdev_alloc_skb_ip_align(struct net_device *dev, uint32_t len)
{
	struct sk_buff *skb = alloc_skb(dev->stack->pool, len + NET_IP_ALIGN);

	if (skb) {
		/* A layer 3 frame starts with the IP header: no shift. */
		skb_reserve(skb, dev->type == UT_DEV_ETHER ? NET_IP_ALIGN : 0);
		skb->dev = dev;
	}
	return skb;
}

static unsigned netdev_rx_batch(struct net_device *dev, struct sk_buff **skbs, unsigned max)
{
	if (dev->ops->ndo_rx_batch)
		return dev->ops->ndo_rx_batch(dev, skbs, max);
	return skb_dequeue_batch(&dev->backlog, skbs, max);
}

/* A large frame the kernel handed over (a TAP's or TUN's GSO frame) meets
 * an ingress impairment as the wire packets it stands for: it is cut as
 * the kernel's own segmentation would have cut it (IP ids counting up,
 * each checksum computed), and each packet is impaired alone; GRO joins
 * the survivors again once they are due. A frame whose headers cannot be
 * cut is dropped. Consumes skb. */
static void netdev_impair_segments(struct net_device *dev, struct netem_qdisc *q,
				   struct sk_buff *skb, uint64_t now)
{
	struct sk_buff_head segs;
	struct sk_buff *seg;
	uint32_t nh = dev->hard_header_len, ihl;
	uint16_t proto;

	skb_queue_head_init(&segs);
	if (skb->len < nh + IPV4_HLEN_MIN)
		goto drop;
	proto = frame_protocol(dev, skb);
	if (proto == ETH_P_IP)
		ihl = (uint32_t)(skb->data[nh] & 0xf) * 4;
	else if (proto == ETH_P_IPV6)
		ihl = IPV6_HLEN;
	else
		goto drop;
	if (ihl < IPV4_HLEN_MIN || skb->len < nh + ihl + TCP_HLEN_MIN)
		goto drop;
	skb->protocol = proto;
	skb_reset_mac_header(skb);
	skb->network_header = (uint16_t)(skb->mac_header + nh);
	skb->transport_header = (uint16_t)(skb->network_header + ihl);
	if (skb_gso_segment(skb, &segs))
		goto drop;
	kfree_skb(skb);
	while ((seg = skb_dequeue(&segs)) != NULL)
		netem_qdisc_enqueue(q, seg, now);
	return;
drop:
	skb_queue_purge(&segs);
	dev->stats.rx_dropped++;
	kfree_skb(skb);
}

unsigned netdev_poll_rx(struct net_device *dev, unsigned budget)
{
	struct netem_qdisc *q = dev->netem[UT_DEV_INGRESS];
	struct sk_buff *batch[NAPI_POLL_WEIGHT], *skb;
	uint64_t now = q ? stack_now(dev->stack) : 0;
	unsigned n, done = 0;
	/* A sleep just found the descriptor unreadable (the wake was a
	 * timer's or a kick's): a read would cost a system call to learn it is
	 * empty. A frame that arrived since keeps the descriptor readable, so
	 * the next sleep returns at once for it: skipping delays it by one
	 * round of the loop, never past a sleep. The hint serves one poll. */
	bool idle = dev->rx_idle;

	dev->rx_idle = false;
	while (!idle && done < budget) {
		unsigned want = MIN(budget - done, (unsigned)NAPI_POLL_WEIGHT);
		n = netdev_rx_batch(dev, batch, want);
		/* A request and its answer, one frame a poll, is the common
		 * case of an interactive connection: nothing to merge. */
		dev->gro.lone = !q && n == 1 && want > 1 && !done &&
				skb_queue_empty(&dev->gro.held);
		for (unsigned i = 0; i < n; i++) {
			batch[i]->dev = dev;
			if (!q)
				netif_receive_skb(batch[i]);
			else if (skb_is_gso(batch[i]))
				netdev_impair_segments(dev, q, batch[i], now);
			else
				netem_qdisc_enqueue(q, batch[i], now);
		}
		dev->gro.lone = false;
		done += n;
		if (n < want)
			break;
	}
	if (q) {
		/* Frames the impairment held enter the stack when due, stamped
		 * with the time they arrive. */
		done = 0;
		while (done < budget && (skb = netem_qdisc_dequeue(q, now))) {
			skb->tstamp = 0;
			netif_receive_skb(skb);
			done++;
		}
	}
	/* The end of the poll ends GRO's batch (Linux's napi_complete_done
	 * flushes what napi_gro_receive held): nothing waits for the next
	 * poll, so GRO delays no packet past the batch it came in. */
	napi_gro_flush(dev);
	return done;
}

void eth_header(struct sk_buff *skb, const uint8_t *daddr, const uint8_t *saddr, uint16_t proto)
{
	uint8_t *h = skb_push(skb, ETH_HLEN);
	wire_eth_emit(h, daddr, saddr, proto);
	skb_reset_mac_header(skb);
	skb->protocol = proto;
}

/* The handler registered for ethertype type, or NULL. A linear scan: a
 * stack has two or three, fewer than a hash's buckets. */
static const struct packet_type *ptype_find(const struct ut_stack *stack, uint16_t type)
{
	for (unsigned i = 0; i < stack->n_ptype; i++)
		if (stack->ptype_base[i].type == type)
			return &stack->ptype_base[i];
	return NULL;
}

int dev_add_pack(struct ut_stack *stack, uint16_t type, void (*func)(struct sk_buff *skb))
{
	if (ptype_find(stack, type))
		return -EEXIST;
	if (stack->n_ptype == PTYPE_MAX)
		return -ENOSPC;
	stack->ptype_base[stack->n_ptype++] = (struct packet_type){.type = type, .func = func};
	return 0;
}

const struct packet_offload *gro_find_offload(const struct ut_stack *stack, uint16_t type)
{
	for (unsigned i = 0; i < stack->n_offload; i++)
		if (stack->offload_base[i].type == type)
			return &stack->offload_base[i];
	return NULL;
}

int dev_add_offload(struct ut_stack *stack, const struct packet_offload *po)
{
	if (gro_find_offload(stack, po->type))
		return -EEXIST;
	if (stack->n_offload == OFFLOAD_MAX)
		return -ENOSPC;
	stack->offload_base[stack->n_offload++] = *po;
	return 0;
}

int skb_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs)
{
	const struct packet_offload *po = gro_find_offload(skb->dev->stack, skb->protocol);

	if (!po || !po->gso_segment)
		return -EPROTONOSUPPORT;
	return po->gso_segment(skb, segs);
}

int register_netdevice_notifier(struct ut_stack *stack, netdev_notifier_fn fn)
{
	if (stack->n_netdev_notifiers == NETDEV_NOTIFIER_MAX)
		return -ENOSPC;
	stack->netdev_notifiers[stack->n_netdev_notifiers++] = fn;
	return 0;
}

static bool eth_is_broadcast(const uint8_t *a)
{
	return (a[0] & a[1] & a[2] & a[3] & a[4] & a[5]) == 0xff;
}

/* Ethernet receive (Linux's eth_type_trans): classify the frame by its
 * destination and strip the header. Frames for other stations are
 * dropped here, as a NIC not in promiscuous mode would. */
static void eth_rcv(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct wire_eth eth;

	if (wire_eth_parse(skb->data, skb->len, &eth) != WIRE_OK)
		goto drop;
	skb_reset_mac_header(skb);
	if (eth_is_broadcast(eth.dst))
		skb->pkt_type = PACKET_BROADCAST;
	else if (eth.dst[0] & 1)
		skb->pkt_type = PACKET_MULTICAST;
	else if (memcmp(eth.dst, dev->dev_addr, ETH_ALEN) == 0)
		skb->pkt_type = PACKET_HOST;
	else
		goto drop;
	skb->protocol = eth.proto;
	skb_pull(skb, ETH_HLEN);
	napi_gro_receive(skb);
	return;
drop:
	dev->stats.rx_dropped++;
	kfree_skb(skb);
}

void netif_deliver_skb(struct sk_buff *skb)
{
	const struct packet_type *pt = ptype_find(skb->dev->stack, skb->protocol);

	/* An ethertype no family registered is dropped and counted in
	 * rx_dropped (Linux keeps a separate rx_nohandler). */
	if (!pt) {
		skb->dev->stats.rx_dropped++;
		kfree_skb(skb);
		return;
	}
	pt->func(skb);
}

/* Receive as Linux's __netif_receive_skb_core runs it, with GRO placed
 * after the mirror and the rx handler: rx_packets and rx_bytes count
 * wire frames (as a Linux driver counts them before napi_gro_receive),
 * and the capture and handlers see what crossed the wire, as the
 * transmit side's mirror does. (Linux's own taps sit after GRO and see
 * the merged packets; here a capture stays a record of the wire.) */
void netif_receive_skb(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	uint16_t proto;

	dev->stats.rx_packets++;
	dev->stats.rx_bytes += skb->len;
	if (!skb->tstamp)
		skb->tstamp = stack_now(dev->stack);
	netdev_mirror(dev, skb);
	if (dev->rx_handler && dev->rx_handler(skb, dev->rx_handler_data) == RX_HANDLER_CONSUMED)
		return;
	if (dev->features & UT_DEV_F_RX_CSUM)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (dev->type == UT_DEV_ETHER) {
		eth_rcv(skb);
		return;
	}
	/* A layer 3 device carries bare IP: its version picks the handler
	 * from the same table Ethernet's ethertype does. */
	proto = l3_protocol(skb);
	if (!ptype_find(dev->stack, proto)) {
		dev->stats.rx_dropped++;
		kfree_skb(skb);
		return;
	}
	skb->protocol = proto;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	napi_gro_receive(skb);
}

/* ---- public device API ----------------------------------------------------*/

UT_EXPORT const char *ut_dev_name(const struct ut_dev *d)
{
	return netdev_from_ut(d)->name;
}

UT_EXPORT int ut_dev_ifindex(const struct ut_dev *d)
{
	return netdev_from_ut(d)->ifindex;
}

UT_EXPORT enum ut_dev_type ut_dev_type(const struct ut_dev *d)
{
	return netdev_from_ut(d)->type;
}

UT_EXPORT unsigned ut_dev_mtu(const struct ut_dev *d)
{
	return netdev_from_ut(d)->mtu;
}

UT_EXPORT int ut_dev_set_mtu(struct ut_dev *d, unsigned mtu)
{
	/* RFC 791: every host must take 68-byte datagrams unfragmented;
	 * IPv4's total length field bounds the top. */
	if (mtu < IPV4_MIN_MTU || mtu > IP_MAXPACKET)
		return -EINVAL;
	netdev_from_ut(d)->mtu = mtu;
	netdev_notify_mtu(netdev_from_ut(d));
	return 0;
}

UT_EXPORT unsigned ut_dev_txqueuelen(const struct ut_dev *d)
{
	return netdev_from_ut(d)->tx_queue_len;
}

UT_EXPORT void ut_dev_set_txqueuelen(struct ut_dev *d, unsigned len)
{
	struct net_device *dev = netdev_from_ut(d);
	struct ut_stack *stack = dev->stack;
	/* Any thread may change it while a stack thread runs (the
	 * packetdrill adapter mirrors a script's `tc qdisc` this way). */
	bool locked = stack_lock_unless_held(stack);

	dev->tx_queue_len = len;
	stack_unlock_if(stack, locked);
}

UT_EXPORT void ut_dev_hwaddr(const struct ut_dev *d, uint8_t addr[6])
{
	memcpy(addr, netdev_from_ut(d)->dev_addr, ETH_ALEN);
}

UT_EXPORT void ut_dev_get_stats(const struct ut_dev *d, struct ut_dev_stats *st)
{
	*st = netdev_from_ut(d)->stats;
}

UT_EXPORT void ut_dev_set_gro(struct ut_dev *d, bool on)
{
	struct net_device *dev = netdev_from_ut(d);
	bool locked = stack_lock_unless_held(dev->stack);

	if (on) {
		dev->features |= NETIF_F_GRO;
	} else {
		/* What it held goes up now, in order, as Linux's
		 * netdev_update_features leaves nothing held. */
		napi_gro_flush(dev);
		dev->features &= ~NETIF_F_GRO;
	}
	stack_unlock_if(dev->stack, locked);
}

UT_EXPORT bool ut_dev_gro(const struct ut_dev *d)
{
	return (netdev_from_ut(d)->features & NETIF_F_GRO) != 0;
}

UT_EXPORT struct ut_dev *ut_dev_by_name(struct ut_stack *stack, const char *name)
{
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		if (strcmp(dev->name, name) == 0)
			return netdev_to_ut(dev);
	return NULL;
}

UT_EXPORT int ut_dev_pcap_open(struct ut_dev *d, const char *path)
{
	struct net_device *dev = netdev_from_ut(d);
	pcap_writer_close(&dev->pcap);
	return pcap_writer_open(&dev->pcap, path,
				dev->type == UT_DEV_ETHER ? LINKTYPE_ETHERNET : LINKTYPE_RAW);
}

UT_EXPORT void ut_dev_pcap_close(struct ut_dev *d)
{
	pcap_writer_close(&netdev_from_ut(d)->pcap);
}

/* ---- impairments ------------------------------------------------------------*/

UT_EXPORT int ut_dev_set_netem(struct ut_dev *d, int direction, const struct ut_link_params *params,
			       uint64_t seed)
{
	struct net_device *dev = netdev_from_ut(d);
	struct ut_stack *stack = dev->stack;
	struct ut_link_params p;
	int err = 0;

	if (direction < UT_DEV_BOTH || direction > UT_DEV_INGRESS)
		return -EINVAL;
	if (params) {
		p = *params;
		p.mtu = IP_MAXPACKET; /* the device's own MTU applies */
		if (netem_params_check(&p) < 0)
			return -EINVAL;
	}
	bool locked = stack_lock_unless_held(stack); /* callable from a stack callback too */
	for (int dir = UT_DEV_EGRESS; dir <= UT_DEV_INGRESS && !err; dir++) {
		struct netem_qdisc *old = dev->netem[dir];
		if (direction != UT_DEV_BOTH && direction != dir)
			continue;
		if (!params) {
			dev->netem[dir] = NULL;
			netem_qdisc_destroy(old);
		} else if (old) {
			/* What it holds and its generator carry on. */
			err = netem_dir_set_params(&old->dir, &p);
		} else {
			dev->netem[dir] =
				netem_qdisc_create(&p, prandom_mix(seed ^ (uint64_t)(dir + 1)));
			if (!dev->netem[dir])
				err = -ENOMEM;
		}
	}
	stack_unlock_if(stack, locked);
	return err;
}

UT_EXPORT void ut_dev_get_netem_stats(const struct ut_dev *d, int direction,
				      struct ut_link_stats *st)
{
	struct net_device *dev = netdev_from_ut(d);

	memset(st, 0, sizeof(*st));
	if (direction != UT_DEV_EGRESS && direction != UT_DEV_INGRESS)
		return;
	bool locked = stack_lock_unless_held(dev->stack);
	if (dev->netem[direction])
		netem_dir_get_stats(&dev->netem[direction]->dir, stack_now(dev->stack), st);
	stack_unlock_if(dev->stack, locked);
}

UT_EXPORT unsigned ut_dev_offloads(const struct ut_dev *d)
{
	unsigned f = netdev_from_ut(d)->features, o = 0;

	if (f & NETIF_F_HW_CSUM)
		o |= UT_DEV_OFFLOAD_CSUM;
	if (f & NETIF_F_TSO)
		o |= UT_DEV_OFFLOAD_TSO4;
	if (f & NETIF_F_TSO6)
		o |= UT_DEV_OFFLOAD_TSO6;
	return o;
}

UT_EXPORT const char *ut_dev_offload_note(const struct ut_dev *d)
{
	const char *note = netdev_from_ut(d)->offload_note;
	return note && *note ? note : NULL;
}

UT_EXPORT int ut_dev_fd(const struct ut_dev *d)
{
	return netdev_from_ut(d)->fd;
}
