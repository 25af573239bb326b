/* ARP (RFC 826) for IPv4 over Ethernet, as Linux's net/ipv4/arp.c does
 * it: answer requests for our addresses, learn from what we hear, send
 * the requests the neighbour cache asks for, and tell a sender when its
 * next hop cannot be resolved. IPv4's neigh_ops, and its registration
 * with the device layer, are here. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "net/stack.h"
#include "net/stack_group.h"

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

/* The neighbour cache's solicitation: a request for n's address,
 * broadcast (dst_ha NULL) or unicast to dst_ha. */
static void arp_solicit(struct neighbour *n, const uint8_t *dst_ha)
{
	static const uint8_t zero_ha[ETH_ALEN];
	struct net_device *dev = n->dev;
	uint32_t tip, sip;

	memcpy(&tip, n->primary_key, sizeof(tip));
	/* Source address: the one of ours in the target's prefix, as Linux's
	 * arp_announce=0 picks (any local address; we prefer the subnet's). */
	sip = inet_select_addr(dev, tip);
	if (!sip)
		return;
	arp_send(dev, ARPOP_REQUEST, tip, dst_ha ? dst_ha : eth_bcast, zero_ha, sip);
}

/* A packet dropped because its next hop never answered: its sender is
 * told "host unreachable", as Linux's arp_error_report does through
 * ipv4_link_failure. */
static void arp_error_report(struct neighbour *n, struct sk_buff *skb)
{
	(void)n;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
}

/* ut_neigh_resolve's route: the next hop of a unicast route out of an
 * Ethernet device; nothing for local, broadcast and multicast
 * destinations or a layer 3 device, which have no neighbour to find. */
static int arp_nexthop(struct ut_stack *stack, const void *daddr, struct net_device **dev,
		       void *nexthop)
{
	struct fib_result res;
	uint32_t addr;
	int err;

	memcpy(&addr, daddr, sizeof(addr));
	*dev = NULL;
	err = ip_route_output(stack, addr, &res);
	if (err)
		return err;
	if (res.type != RTN_UNICAST || res.dev->type != UT_DEV_ETHER)
		return 0;
	*dev = res.dev;
	memcpy(nexthop, &res.nexthop, sizeof(res.nexthop));
	return 0;
}

static const struct neigh_ops arp_neigh_ops = {
	.family = AF_INET,
	.key_len = sizeof(uint32_t),
	.protocol = ETH_P_IP,
	.stats = NEIGH_STAT_LOOKUPS,
	.solicit = arp_solicit,
	.error_report = arp_error_report,
	.nexthop = arp_nexthop,
};

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
			neigh_update(&stack->arp_tbl, dev, &arp.sip, arp.sha, NUD_STALE, true);
		arp_send(dev, ARPOP_REPLY, arp.sip, arp.sha, arp.sha, arp.tip);
		goto out;
	}
	if (!arp.sip)
		goto out;
	/* A reply to us is the proof INCOMPLETE and PROBE wait for. Other
	 * ARP traffic updates an entry we already have, but makes none
	 * (Linux's arp_accept=0). */
	if (arp.op == ARPOP_REPLY && for_us && skb->pkt_type == PACKET_HOST) {
		neigh_update(&stack->arp_tbl, dev, &arp.sip, arp.sha, NUD_REACHABLE, false);
		/* The kernel answers on the queue its hash picks, which
		 * may be another stack's: each may be resolving. */
		stack_group_share(skb, skb->data);
	} else
		neigh_update(&stack->arp_tbl, dev, &arp.sip, arp.sha, NUD_STALE, false);
out:
	kfree_skb(skb);
}

/* A device going away takes its entries and the packets they hold with
 * it (Linux's arp_netdev_event, NETDEV_UNREGISTER). */
static void arp_netdev_event(unsigned long event, struct net_device *dev)
{
	if (event == NETDEV_UNREGISTER)
		neigh_ifdown(&dev->stack->arp_tbl, dev);
}

int arp_init(struct ut_stack *stack)
{
	int err = neigh_table_init(stack, NEIGH_ARP_TABLE, &stack->arp_tbl, &arp_neigh_ops,
				   &stack->sysctl.neigh);

	if (err)
		return err;
	if ((err = dev_add_pack(stack, ETH_P_ARP, arp_rcv)) < 0)
		return err;
	return register_netdevice_notifier(stack, arp_netdev_event);
}
