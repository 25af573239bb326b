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

/* The largest datagram skb stands for on the next link: a packet GRO
 * merged leaves as its segments, so the MTU is judged against one of
 * them (Linux's ip_exceeds_mtu, skb_gso_validate_network_len). */
static uint32_t ip_forward_wire_len(const struct sk_buff *skb, uint32_t ihl)
{
	uint32_t thlen;

	if (!skb_is_gso(skb) || skb->len < ihl + TCP_HLEN_MIN)
		return skb->len;
	thlen = (uint32_t)(skb->data[ihl + 12] >> 4) * 4;
	return MIN(skb->len, ihl + thlen + skb_shinfo(skb)->gso_size);
}

/* A merged packet whose segments are too big for the next link without
 * DF: cut into its segments, each fragmented by ip_output (Linux's
 * ip_finish_output_gso does the same). */
static void ip_forward_gso_fragment(struct ut_stack *stack, struct sk_buff *skb,
				    const struct fib_result *res)
{
	struct sk_buff_head segs;
	struct sk_buff *seg;

	skb_queue_head_init(&segs);
	if (skb_gso_segment(skb, &segs) < 0) {
		skb_queue_purge(&segs);
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTDISCARDS);
		kfree_skb(skb);
		return;
	}
	kfree_skb(skb);
	while ((seg = skb_dequeue(&segs)) != NULL) {
		skb_shinfo(seg)->gso_size = 0;
		skb_shinfo(seg)->gso_segs = 0;
		skb_shinfo(seg)->gso_type = 0;
		ip_output(stack, seg, res);
	}
}

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
	if (ip_forward_wire_len(skb, cb->ihl) > res.dev->mtu && (cb->frag_off & IP_DF)) {
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
	if (skb_is_gso(skb) && ip_forward_wire_len(skb, cb->ihl) > res.dev->mtu) {
		ip_forward_gso_fragment(stack, skb, &res);
		return;
	}
	ip_output(stack, skb, &res);
	return;
drop:
	kfree_skb(skb);
}
