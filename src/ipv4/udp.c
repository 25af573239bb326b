/* UDP receive (RFC 768, Linux's net/ipv4/udp.c). Until the socket layer
 * binds ports, every datagram finds no socket: it is checked, counted and
 * answered with port unreachable, as Linux answers a closed port. */
#include <string.h>

#include "net/stack.h"

static void udp_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	struct wire_udp udp;

	if (wire_udp_parse(skb->data, skb->len, &udp) != WIRE_OK) {
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		goto drop;
	}
	/* A zero checksum means the sender computed none (RFC 768). */
	if (udp.check && skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_tcpudp(cb->saddr, cb->daddr, IPPROTO_UDP_, skb->data, udp.len) != 0) {
		SNMP_INC_STATS(stack, UDP_MIB_CSUMERRORS);
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		goto drop;
	}
	SNMP_INC_STATS(stack, UDP_MIB_NOPORTS);
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
drop:
	kfree_skb(skb);
}

static void udp_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code,
		    uint32_t info)
{
	/* No UDP sockets yet, so nobody to tell. */
	(void)skb, (void)from, (void)type, (void)code, (void)info;
}

const struct net_protocol udp_protocol = {
	.handler = udp_rcv,
	.err_handler = udp_err,
};
