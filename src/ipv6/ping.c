/* Echo for applications over IPv6 (the role of Linux's net/ipv6/ping.c):
 * ut_ping_send's AF_INET6 requests out, their replies and the ICMPv6
 * errors they provoke back to the handler ut_ping_set_handler named. */
#include <errno.h>
#include <string.h>

#include "net/ip6_route.h"
#include "net/stack.h"

/* Linux's ping6 refuses what one IPv6 packet cannot carry: 65535 bytes
 * of payload less the ICMPv6 header (its packet socket's limit, without
 * jumbograms). */
#define PING6_MAX_PAYLOAD (0xffff - ICMPV6_HLEN)

int ping6_send(struct ut_stack *stack, const struct in6_addr *daddr, uint16_t id, uint16_t seq,
	       const void *data, size_t len)
{
	struct ip6_out_params p;
	struct sk_buff *skb;
	uint8_t *h;
	int err;

	if (!net_ipv6(stack))
		return -EAFNOSUPPORT;
	if (len > PING6_MAX_PAYLOAD)
		return -EMSGSIZE;
	memset(&p, 0, sizeof(p));
	p.daddr = *daddr;
	p.nexthdr = NEXTHDR_ICMP;
	p.hop_limit = -1;
	p.pmtudisc = IPV6_PMTUDISC_WANT;
	/* A link-local or multicast destination needs a device (its zone,
	 * RFC 4007); ut_ping_send names none, so the one the route lookup
	 * chooses without one is used (the first with the prefix). */
	if (ipv6_addr_is_linklocal(daddr) || ipv6_addr_is_multicast(daddr)) {
		struct rt6_result res;

		if ((err = ip6_route_output(stack, daddr, 0, &res)) < 0)
			return err;
		p.oif = res.dev->ifindex;
	}
	skb = stack_alloc_skb(stack, (uint32_t)(ICMPV6_HLEN + len));
	if (!skb)
		return -ENOBUFS;
	h = skb_put(skb, (uint32_t)(ICMPV6_HLEN + len));
	if (len)
		memcpy(h + ICMPV6_HLEN, data, len);
	h[0] = ICMPV6_ECHO_REQUEST;
	h[1] = 0;
	put_be16(h + 2, 0);
	put_be16(h + 4, id);
	put_be16(h + 6, seq);
	icmpv6_out_count(stack, ICMPV6_ECHO_REQUEST);
	err = ip6_send_skb(stack, skb, &p, icmpv6_fill_csum);
	stack_flush_tx(stack);
	return err;
}

void ping6_rcv_reply(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct ut_ping_event ev;
	struct in6_addr from;

	if (!stack->ping_fn || skb->len < ICMPV6_HLEN)
		return;
	memset(&ev, 0, sizeof(ev));
	ipv6_hdr_saddr(skb, &from);
	ev.kind = UT_PING_REPLY;
	ev.from = ut_ip_v6(&from);
	ev.id = get_be16(skb->data + 4);
	ev.seq = get_be16(skb->data + 6);
	ev.ttl = ipv6_hdr(skb)[7]; /* the hop limit */
	ev.data = skb->data + ICMPV6_HLEN;
	ev.len = skb->len - ICMPV6_HLEN;
	ev.when_ns = skb->tstamp;
	stack->ping_fn(stack->ping_arg, &ev);
}

void ping6_err(struct sk_buff *skb, const struct in6_addr *from, uint8_t type, uint8_t code,
	       uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	struct ut_ping_event ev;

	if (!stack->ping_fn || skb->len < ICMPV6_HLEN)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = UT_PING_ERROR;
	ev.from = ut_ip_v6(from);
	ev.id = get_be16(skb->data + 4);
	ev.seq = get_be16(skb->data + 6);
	ev.icmp_type = type;
	ev.icmp_code = code;
	/* Packet Too Big's MTU field is 32 bits; the event's 16 hold any
	 * link's below the jumbogram sizes. */
	if (type == ICMPV6_PKT_TOOBIG)
		ev.mtu = (uint16_t)MIN(info, 0xffffu);
	ev.when_ns = skb->tstamp;
	stack->ping_fn(stack->ping_arg, &ev);
}
