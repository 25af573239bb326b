/* ARP (RFC 826) for IPv4 over Ethernet, as Linux's net/ipv4/arp.c does
 * it: answer requests for our addresses, learn from what we hear, and send
 * the requests the neighbour cache asks for. */
#include <arpa/inet.h>
#include <string.h>

#include "net/stack.h"

static const uint8_t eth_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void arp_send(struct net_device *dev, uint16_t op, uint32_t tip, const uint8_t *dst_ha,
		     const uint8_t *tha, uint32_t sip)
{
	struct sk_buff *skb = stack_alloc_skb(dev->stack, ARP_HLEN);
	struct wire_arp arp;

	if (!skb)
		return;
	arp.op = op;
	memcpy(arp.sha, dev->dev_addr, ETH_ALEN);
	arp.sip = sip;
	memcpy(arp.tha, tha, ETH_ALEN);
	arp.tip = tip;
	wire_arp_emit(skb_put(skb, ARP_HLEN), &arp);
	/* Pad to the Ethernet minimum: short frames are padded by the NIC on
	 * real hardware; doing it here keeps captures identical. */
	if (ETH_ZLEN - ETH_HLEN > ARP_HLEN)
		memset(skb_put(skb, ETH_ZLEN - ETH_HLEN - ARP_HLEN), 0,
		       ETH_ZLEN - ETH_HLEN - ARP_HLEN);
	skb->dev = dev;
	eth_header(skb, dst_ha, dev->dev_addr, ETH_P_ARP);
	dev_queue_xmit(skb);
}

void arp_send_request(struct net_device *dev, uint32_t tip, const uint8_t *dst_ha)
{
	static const uint8_t zero_ha[ETH_ALEN];
	/* Source address: the one of ours in the target's prefix, as Linux's
	 * arp_announce=0 picks (any local address; we prefer the subnet's). */
	uint32_t sip = inet_select_addr(dev, tip);
	if (!sip)
		return;
	arp_send(dev, ARPOP_REQUEST, tip, dst_ha ? dst_ha : eth_bcast, zero_ha, sip);
}

static void arp_rcv(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct ut_stack *stack = dev->stack;
	struct wire_arp arp;
	bool for_us;

	if (wire_arp_parse(skb->data, skb->len, &arp) != WIRE_OK)
		goto out;
	/* RFC 826 and Linux: ignore requests/replies with a multicast or
	 * zero sender hardware address, and senders claiming a multicast or
	 * limited broadcast IP. */
	if ((arp.sha[0] & 1) || (arp.op != ARPOP_REQUEST && arp.op != ARPOP_REPLY))
		goto out;
	if (arp.sip == 0xffffffffu || inet_addr_type(stack, arp.sip) == RTN_MULTICAST)
		goto out;
	/* Linux's default arp_ignore=0: answer for any local address, on
	 * whichever device asks, but never for loopback or multicast. */
	if ((ntohl(arp.tip) >> 24) == 127 || inet_addr_type(stack, arp.tip) == RTN_MULTICAST)
		goto out;
	for_us = inet_addr_type(stack, arp.tip) == RTN_LOCAL;

	if (arp.op == ARPOP_REQUEST && for_us) {
		if (skb->pkt_type == PACKET_BROADCAST)
			SNMP_INC_STATS(stack, NEIGH_STAT_RCV_PROBES_MCAST);
		else
			SNMP_INC_STATS(stack, NEIGH_STAT_RCV_PROBES_UCAST);
		/* A request naming us tells us where its sender is; Linux
		 * records that as STALE (a hint, not a proof). An address
		 * probe (sender 0.0.0.0, RFC 5227) teaches nothing. */
		if (arp.sip)
			neigh_update(&stack->arp_tbl, dev, arp.sip, arp.sha, NUD_STALE, true);
		arp_send(dev, ARPOP_REPLY, arp.sip, arp.sha, arp.sha, arp.tip);
		goto out;
	}
	if (!arp.sip)
		goto out;
	/* A reply to us is the proof INCOMPLETE and PROBE wait for. Other
	 * ARP traffic updates an entry we already have, but makes none
	 * (Linux's arp_accept=0). */
	if (arp.op == ARPOP_REPLY && for_us && skb->pkt_type == PACKET_HOST)
		neigh_update(&stack->arp_tbl, dev, arp.sip, arp.sha, NUD_REACHABLE, false);
	else
		neigh_update(&stack->arp_tbl, dev, arp.sip, arp.sha, NUD_STALE, false);
out:
	kfree_skb(skb);
}

/* A device going away takes its entries and the packets they hold with
 * it (Linux's arp_netdev_event, NETDEV_UNREGISTER). */
static void arp_netdev_event(struct net_device *dev)
{
	neigh_ifdown(&dev->stack->arp_tbl, dev);
}

int arp_init(struct ut_stack *stack)
{
	int err = neigh_table_init(&stack->arp_tbl, stack);

	if (err)
		return err;
	if ((err = dev_add_pack(stack, ETH_P_ARP, arp_rcv)) < 0)
		return err;
	return register_netdevice_notifier(stack, arp_netdev_event);
}
