/* Generic receive offload's core (Linux's net/core/gro.c): the packets a
 * device holds during one poll, the comparison of link headers, the
 * merge of payloads into one buffer, and the flush that hands them up.
 * What may be merged is each family's to say (net/gro.h); this file
 * names none of them.
 *
 * Cost: a merged segment's payload is copied once into the held buffer,
 * the first segment of a flow once more when its second arrives (the
 * driver's buffer may be shared with a sender's clone in the simulator
 * or on lo, so it is never written), and the first 16 KB once more if
 * the flow outgrows them (gro_grow); the buffers come from the stack's
 * pool (its 16 KB and 64 KB classes), so nothing is allocated with
 * malloc per packet once the pool is warm. In exchange IP and TCP run once per merged
 * packet instead of once per wire segment. */
#include <errno.h>
#include <string.h>

#include "net/gro.h"
#include "net/netdevice.h"
#include "net/stack.h"

/* Where the rx side's packets go: up the stack, GRO's figures counted
 * under Linux's per-queue names (struct ut_dev_stats). */
static void gro_rx_up(void *ctx, struct net_device *dev, struct sk_buff *skb, unsigned count)
{
	(void)ctx;
	if (count > 1) {
		dev->stats.rx_gro_packets++;
		dev->stats.rx_gro_wire_packets += count;
	}
	netif_deliver_skb(skb);
}

static void gro_rx_drop(void *ctx, struct net_device *dev, struct sk_buff *skb)
{
	(void)ctx;
	dev->stats.rx_dropped++;
	kfree_skb(skb);
}

static const struct gro_sink gro_rx_sink = {.up = gro_rx_up, .drop = gro_rx_drop};

/* Hands a held packet on: a merged one after its family has fixed its
 * headers, a lone one as it came (Linux's napi_gro_complete, which skips
 * gro_complete for a single segment). */
static void gro_complete_one(struct net_device *dev, struct sk_buff *skb,
			     const struct gro_sink *sink, void *ctx)
{
	const struct packet_offload *po;
	uint16_t count = NAPI_GRO_CB(skb)->count;

	if (count > 1) {
		po = gro_find_offload(dev->stack, skb->protocol);
		if (!po || !po->gro_complete || po->gro_complete(skb) < 0) {
			sink->drop(ctx, dev, skb);
			return;
		}
	}
	sink->up(ctx, dev, skb, count);
}

void gro_flush_list(struct net_device *dev, struct sk_buff_head *head, const struct gro_sink *sink,
		    void *ctx)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(head)) != NULL)
		gro_complete_one(dev, skb, sink, ctx);
}

void napi_gro_flush(struct net_device *dev)
{
	gro_flush_list(dev, &dev->gro.held, &gro_rx_sink, NULL);
}

void gro_list_purge(struct net_device *dev)
{
	skb_queue_purge(&dev->gro.held);
}

/* Whether held and skb came with the same link header (Linux's
 * gro_list_prepare compares the Ethernet headers whole): a layer 3
 * device has none, so only the ethertype counts. */
static bool gro_same_link(const struct net_device *dev, const struct sk_buff *p,
			  const struct sk_buff *skb)
{
	if (p->protocol != skb->protocol)
		return false;
	if (dev->hard_header_len == 0)
		return true;
	return memcmp(skb_mac_header(p), skb_mac_header(skb), dev->hard_header_len) == 0;
}

void gro_merge(struct net_device *dev, struct sk_buff_head *head, struct sk_buff *skb,
	       const struct gro_sink *sink, void *ctx)
{
	const struct packet_offload *po;
	struct sk_buff *p, *pp;

	/* A buffer that is already several segments (a TAP's GSO frame
	 * from the kernel, src/dev/virtio_net.c) goes on as it is, as
	 * Linux's GRO lets GSO packets by; what is held goes first, so no
	 * flow's bytes arrive out of order. */
	if (skb_is_gso(skb)) {
		gro_flush_list(dev, head, sink, ctx);
		goto normal;
	}
	po = gro_find_offload(dev->stack, skb->protocol);
	if (!po || !po->gro_receive)
		goto normal;
	skb_queue_walk(head, p) {
		NAPI_GRO_CB(p)->flush = 0;
		NAPI_GRO_CB(p)->same_flow = gro_same_link(dev, p, skb);
	}
	memset(NAPI_GRO_CB(skb), 0, sizeof(struct napi_gro_cb));
	pp = po->gro_receive(head, skb);
	if (pp) {
		/* Its flow ends here: what it holds goes on before skb. */
		skb_unlink(pp, head);
		gro_complete_one(dev, pp, sink, ctx);
	}
	if (NAPI_GRO_CB(skb)->same_flow) {
		kfree_skb(skb); /* its payload is in the held packet now */
		return;
	}
	if (NAPI_GRO_CB(skb)->flush)
		goto normal;
	/* A new flow. Past MAX_GRO_SKBS the oldest goes on to make room
	 * (Linux's gro_flush_oldest). */
	if (skb_queue_len(head) >= MAX_GRO_SKBS)
		gro_complete_one(dev, skb_dequeue(head), sink, ctx);
	NAPI_GRO_CB(skb)->count = 1;
	skb_queue_tail(head, skb);
	return;
normal:
	sink->up(ctx, dev, skb, 1);
}

void napi_gro_receive(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	if (!(dev->features & NETIF_F_GRO) || dev->gro.lone) {
		netif_deliver_skb(skb);
		return;
	}
	gro_merge(dev, &dev->gro.held, skb, &gro_rx_sink, NULL);
}

/* A held packet's buffer grows in two steps, a 16 KB one first, then one
 * with room for GRO_MAX_SIZE, so that a flow merging only a few segments
 * in a poll does not hold a 64 KB block, and the bytes copied again at
 * the second step stay under 16 KB. What the packet is charged does not
 * depend on the buffer: see skb_gro_receive. */
#define GRO_FIRST_BUF 16384u

/* Moves the held packet p into a larger buffer with room for at least
 * need bytes of network packet behind its link header, in p's place on
 * head. */
static struct sk_buff *gro_grow(struct sk_buff_head *head, struct sk_buff *p, uint32_t need)
{
	uint32_t mac_len = (uint32_t)(p->data - skb_mac_header(p));
	struct sk_buff *n, *prev = p->prev, *next = p->next;
	uint32_t size = NET_IP_ALIGN + mac_len + need;
	long shift;

	size = size <= GRO_FIRST_BUF ? GRO_FIRST_BUF : NET_IP_ALIGN + mac_len + GRO_MAX_SIZE;
	n = alloc_skb(p->pool, size);
	if (!n)
		return NULL;
	skb_reserve(n, NET_IP_ALIGN + mac_len);
	memcpy(n->data - mac_len, skb_mac_header(p), mac_len);
	memcpy(skb_put(n, p->len), p->data, p->len);
	n->dev = p->dev;
	n->tstamp = p->tstamp;
	n->protocol = p->protocol;
	n->pkt_type = p->pkt_type;
	n->ip_summed = p->ip_summed;
	shift = (long)(n->data - n->head) - (long)(p->data - p->head);
	n->mac_header = (uint16_t)((long)p->mac_header + shift);
	n->network_header = (uint16_t)((long)p->network_header + shift);
	n->transport_header = (uint16_t)((long)p->transport_header + shift);
	memcpy(n->cb, p->cb, sizeof(n->cb));
	/* the charge of the frame it holds (skb_gro_receive) */
	n->truesize = skb_copied_truesize(p) + (uint32_t)sizeof(struct sk_buff);
	skb_unlink(p, head);
	skb_insert_between(n, prev, next, head);
	kfree_skb(p);
	return n;
}

int skb_gro_receive(struct sk_buff_head *head, struct sk_buff **pp, const uint8_t *payload,
		    uint32_t len, const struct sk_buff *skb)
{
	struct sk_buff *p = *pp;

	if (p->len + len > GRO_MAX_SIZE)
		return -E2BIG;
	if (skb_cloned(p) || skb_tailroom(p) < len) {
		p = gro_grow(head, p, p->len + len);
		if (!p)
			return -ENOBUFS;
		*pp = p;
	}
	memcpy(skb_put(p, len), payload, len);
	/* The merged packet is charged what its wire frames were, as
	 * Linux's skb_gro_receive adds each frame's truesize (less the
	 * frame's descriptor, which is freed), not what the block it was
	 * copied into happens to be: a 64 KB block holding a dozen frames
	 * would charge the socket three times what the frames did, and two
	 * frames in a 16 KB block four times. The receive window is sized
	 * from this charge, so it must follow the data, as Linux's does. */
	p->truesize += skb_copied_truesize(skb);
	head->bytes += len; /* the queue counts the bytes of what it holds */
	NAPI_GRO_CB(p)->count++;
	NAPI_GRO_CB(p)->len += len;
	return 0;
}
