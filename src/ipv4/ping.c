/* Echo for applications (the role of Linux's net/ipv4/ping.c): requests
 * out, replies and the errors they provoke back to the registered
 * handler. */
#include <errno.h>
#include <string.h>

#include "net/addr.h"
#include "net/ipv6.h"
#include "net/stack.h"

UT_EXPORT void ut_ping_set_handler(struct ut_stack *stack, ut_ping_handler fn, void *arg)
{
	stack->ping_fn = fn;
	stack->ping_arg = arg;
}

static int ping_send(struct ut_stack *stack, struct ut_ip daddr, uint16_t id, uint16_t seq,
		     const void *data, size_t len)
{
	struct ip_out_params p = {.protocol = IPPROTO_ICMP_, .pmtudisc = IP_PMTUDISC_WANT};
	struct sk_buff *skb;
	uint8_t *h;
	int err;

	if (daddr.family == AF_INET6)
		return ping6_send(stack, &daddr.u.v6, id, seq, data, len);
	if ((err = inet_addr_from_ut(daddr, &p.daddr)) < 0)
		return err;
	/* The largest echo payload an IPv4 datagram can carry. */
	if (len > IP_MAXPACKET - IPV4_HLEN_MIN - ICMP_HLEN)
		return -EMSGSIZE;
	skb = stack_alloc_skb(stack, (uint32_t)(ICMP_HLEN + len));
	if (!skb)
		return -ENOBUFS;
	h = skb_put(skb, (uint32_t)(ICMP_HLEN + len));
	if (len)
		memcpy(h + ICMP_HLEN, data, len);
	wire_icmp_emit(h, ICMP_ECHO, 0, (uint32_t)id << 16 | seq, len);
	icmp_out_count(stack, ICMP_ECHO);
	err = ip_send_skb(stack, skb, &p, icmp_fill_csum);
	stack_flush_tx(stack);
	return err;
}

UT_EXPORT int ut_ping_send(struct ut_stack *stack, struct ut_ip daddr, uint16_t id, uint16_t seq,
			   const void *data, size_t len)
{
	bool locked = stack_lock_unless_held(stack);
	int err = ping_send(stack, daddr, id, seq, data, len);

	stack_unlock_if(stack, locked);
	return err;
}

void ping_rcv_reply(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct ut_ping_event ev;

	if (!stack->ping_fn || skb->len < ICMP_HLEN)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = UT_PING_REPLY;
	ev.from = ut_ip_v4(IPCB(skb)->saddr);
	ev.id = get_be16(skb->data + 4);
	ev.seq = get_be16(skb->data + 6);
	ev.ttl = IPCB(skb)->ttl;
	ev.data = skb->data + ICMP_HLEN;
	ev.len = skb->len - ICMP_HLEN;
	ev.when_ns = skb->tstamp;
	stack->ping_fn(stack->ping_arg, &ev);
}

void ping_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code, uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	struct ut_ping_event ev;

	if (!stack->ping_fn)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = UT_PING_ERROR;
	ev.from = ut_ip_v4(from);
	ev.id = get_be16(skb->data + 4);
	ev.seq = get_be16(skb->data + 6);
	ev.icmp_type = type;
	ev.icmp_code = code;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		ev.mtu = (uint16_t)info;
	ev.when_ns = skb->tstamp;
	stack->ping_fn(stack->ping_arg, &ev);
}
