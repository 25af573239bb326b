/* IPv4 receive (Linux's net/ipv4/ip_input.c): validate the header against
 * the frame, decide whether the packet is ours, reassemble fragments, and
 * deliver to the transport protocol. Every drop is counted under Linux's
 * name for it. */
#include <arpa/inet.h>
#include <string.h>

#include "net/inet_ecn.h"
#include "net/stack.h"

static bool ip_is_loopback(uint32_t addr)
{
	return (ntohl(addr) >> 24) == 127;
}

static bool ip_is_zeronet(uint32_t addr)
{
	return (ntohl(addr) >> 24) == 0;
}

static void ip_local_deliver(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	const struct net_protocol *proto;

	if (cb->frag_off & (IP_MF | IP_OFFMASK)) {
		skb = ip_defrag(stack, skb);
		if (!skb)
			return;
		cb = IPCB(skb);
	}
	/* The transport sees its own header at skb->data. */
	skb_reset_network_header(skb);
	skb_pull(skb, cb->ihl);
	skb_reset_transport_header(skb);
	proto = stack->inet_protos[cb->protocol];
	if (!proto) {
		/* RFC 1122 3.2.2.1: protocol unreachable. Broadcasts get no
		 * error (icmp_send checks). */
		SNMP_INC_STATS(stack, IPSTATS_MIB_INUNKNOWNPROTOS);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
		kfree_skb(skb);
		return;
	}
	SNMP_INC_STATS(stack, IPSTATS_MIB_INDELIVERS);
	proto->handler(skb);
}

void ip_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	struct wire_ipv4 ip;
	enum wire_err err;
	uint8_t type;

	SNMP_INC_STATS(stack, IPSTATS_MIB_INRECEIVES);
	SNMP_ADD_STATS(stack, IPSTATS_MIB_INOCTETS, skb->len);
	/* Frames addressed to another station never reach here (eth_rcv). */
	err = wire_ipv4_parse(skb->data, skb->len, skb->ip_summed != CHECKSUM_UNNECESSARY, &ip);
	switch (err) {
	case WIRE_OK:
		break;
	case WIRE_ETOTLEN:
		/* Shorter than its own total length: Linux counts it as a
		 * truncated packet, not a header error. */
		if (skb->len >= IPV4_HLEN_MIN && get_be16(skb->data + 2) > skb->len) {
			SNMP_INC_STATS(stack, IPSTATS_MIB_INTRUNCATEDPKTS);
			goto drop;
		}
		goto hdr_error;
	case WIRE_ECSUM:
		SNMP_INC_STATS(stack, IPSTATS_MIB_CSUMERRORS);
		goto hdr_error;
	default:
		goto hdr_error;
	}
	/* The ECN codepoint of every datagram received (InNoECTPkts,
	 * InECT1Pkts, InECT0Pkts, InCEPkts). Linux's ip_rcv_core counts it
	 * before the header checksum is checked; here a damaged header is
	 * not counted. A packet GRO merged counts each of its segments, as
	 * Linux adds gso_segs (InReceives counts it once, as Linux's does). */
	SNMP_ADD_STATS(stack, (enum snmp_field)(IPSTATS_MIB_NOECTPKTS + (ip.tos & INET_ECN_MASK)),
		       MAX(1u, (uint32_t)skb_shinfo(skb)->gso_segs));
	/* Link-layer padding past tot_len is not part of the datagram. */
	skb_trim(skb, ip.tot_len);
	skb_reset_network_header(skb);

	memset(cb, 0, sizeof(*cb));
	cb->saddr = ip.saddr;
	cb->daddr = ip.daddr;
	cb->tot_len = ip.tot_len;
	cb->frag_off = ip.frag_off;
	cb->id = ip.id;
	cb->ttl = ip.ttl;
	cb->tos = ip.tos;
	cb->protocol = ip.protocol;
	cb->ihl = ip.hdr_len;

	/* RFC 1122 3.2.1.3: a source that is broadcast or multicast is a
	 * martian and is dropped silently. */
	type = inet_addr_type_cached(stack, ip.saddr);
	if (type == RTN_BROADCAST || type == RTN_MULTICAST)
		goto addr_error;
	/* Martians only lo may carry (Linux's ip_route_input_slow with
	 * route_localnet=0 and accept_local=0), dropped without a counter
	 * as Linux does: 127/8 or 0/8 as destination, 0/8 as source except
	 * toward the limited broadcast, and our own addresses (127/8
	 * included) as source. */
	if (skb->dev != stack->loopback &&
	    (ip_is_loopback(ip.daddr) || ip_is_zeronet(ip.daddr) || type == RTN_LOCAL ||
	     (ip_is_zeronet(ip.saddr) && ip.daddr != 0xffffffffu)))
		goto drop;

	type = inet_addr_type_cached(stack, ip.daddr);
	if (type == RTN_LOCAL) {
		ip_local_deliver(skb);
		return;
	}
	if (type == RTN_BROADCAST) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_INBCASTPKTS);
		cb->flags |= IPSKB_BROADCAST;
		ip_local_deliver(skb);
		return;
	}
	if (stack->sysctl.ip_forward && type == RTN_UNICAST) {
		ip_forward(skb);
		return;
	}
	/* Not ours and this stack does not forward (ip_forward=0): Linux's
	 * ip_route_input fails with EHOSTUNREACH, counted as InAddrErrors. */
addr_error:
	SNMP_INC_STATS(stack, IPSTATS_MIB_INADDRERRORS);
	goto drop;
hdr_error:
	SNMP_INC_STATS(stack, IPSTATS_MIB_INHDRERRORS);
drop:
	kfree_skb(skb);
}
