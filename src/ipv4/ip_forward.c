/* IPv4 forwarding, for hosts with net.ipv4.ip_forward = 1 (Linux's
 * net/ipv4/ip_forward.c and the routing errors of route.c's ip_error):
 *   - a packet whose TTL would reach 0 is dropped with ICMP time exceeded
 *     (RFC 1812 5.3.1), counted in InHdrErrors as Linux does;
 *   - a destination with no route gets ICMP net unreachable (InNoRoutes);
 *   - a packet too big for the next link with DF set gets ICMP
 *     fragmentation needed carrying that link's MTU (RFC 1191), counted
 *     in FragFails; without DF it is fragmented;
 *   - otherwise the TTL is decremented, the header checksum updated, and
 *     the packet sent on (ForwDatagrams).
 * Link-layer broadcasts are never forwarded. ICMP redirects (Linux sends
 * them by default) are not implemented. */
#include "net/stack.h"

void ip_forward(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	struct fib_result res;
	uint8_t *iph;

	if (skb->pkt_type != PACKET_HOST)
		goto drop;
	if (cb->ttl <= 1) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_INHDRERRORS);
		icmp_send(skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0);
		goto drop;
	}
	if (ip_route_output(stack, cb->daddr, &res) < 0 || res.type != RTN_UNICAST) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_INNOROUTES);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0);
		goto drop;
	}
	if (skb->len > res.dev->mtu && (cb->frag_off & IP_DF)) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_FRAGFAILS);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, res.dev->mtu);
		goto drop;
	}
	/* The bytes may be shared (a simulated sender's retransmission
	 * copy, a pcap mirror): write only to a private copy. */
	if (skb_unshare_data(skb) < 0) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTDISCARDS);
		goto drop;
	}
	iph = skb->data;
	iph[8]--;
	ip_send_check(iph, cb->ihl);
	SNMP_INC_STATS(stack, IPSTATS_MIB_OUTFORWDATAGRAMS);
	ip_output(stack, skb, &res);
	return;
drop:
	kfree_skb(skb);
}
