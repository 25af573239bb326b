/* ICMPv4 (RFC 792, RFC 1122 3.2.2) as Linux's net/ipv4/icmp.c runs it:
 * echo replies, errors sent under RFC 1122's prohibitions and Linux's two
 * rate limits, and errors received passed to the protocol that sent the
 * offending datagram. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/stack.h"

/* Linux quotes as much of the offending datagram as keeps the error within
 * 576 bytes (RFC 1812 4.3.2.3; RFC 792 asks for at least 64 bits). */
#define ICMP_ERR_MAX_TOTAL IPV4_MIN_REASM_SIZE
/* inet_peer_xrlim_allow's burst: six errors, then one per icmp_ratelimit. */
#define XRLIM_BURST_FACTOR 6
#define IPTOS_PREC_INTERNETCONTROL 0xc0
/* Types Linux knows by number only here (RFC 792, RFC 950). */
#define ICMP_TIMESTAMP_ 13
#define ICMP_ADDRESS_ 17
#define ICMP_ADDRESSREPLY_ 18
#define ICMP_NR_TYPES 18 /* Linux's NR_ICMP_TYPES */

static bool icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == 4 /* source quench */ ||
	       type == 5 /* redirect */ || type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/* Linux's icmpv4_mask_allow: types outside icmp_ratemask, and
 * "fragmentation needed" (PMTU discovery depends on it), are never limited. */
static bool icmp_mask_allow(const struct ut_stack *stack, uint8_t type, uint8_t code)
{
	if (type > 18)
		return true;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		return true;
	return !(stack->sysctl.icmp_ratemask & (1L << type));
}

void icmp_init(struct ut_stack *stack)
{
	/* The bucket starts full: the first errors are never refused. */
	stack->icmp_limit.credit = (uint64_t)stack->sysctl.icmp_msgs_burst;
	stack->icmp_limit.stamp = stack_jiffies(stack);
}

/* Linux's icmp_global_allow: icmp_msgs_per_sec tokens a second, at most
 * icmp_msgs_burst saved up. */
bool icmp_global_allow(struct ut_stack *stack)
{
	struct icmp_global_limit *g = &stack->icmp_limit;
	uint64_t now = stack_jiffies(stack);
	uint64_t delta = MIN(now - g->stamp, (uint64_t)HZ);

	if (delta >= HZ / 50) {
		uint64_t incr = (uint64_t)stack->sysctl.icmp_msgs_per_sec * delta / HZ;
		if (incr)
			g->stamp = now;
		g->credit = MIN(g->credit + incr, (uint64_t)stack->sysctl.icmp_msgs_burst);
	}
	if (!g->credit)
		return false;
	g->credit--;
	return true;
}

bool icmp_peer_allow(struct ut_stack *stack, uint32_t daddr, uint64_t timeout)
{
	uint64_t now = stack_jiffies(stack);
	struct icmp_peer_limit *p =
		&stack->icmp_peers[prandom_mix(daddr ^ stack->ip_idents_key) % ICMP_PEER_SLOTS];

	if (!timeout)
		return true;
	if (p->daddr != daddr) {
		p->daddr = daddr;
		p->tokens = XRLIM_BURST_FACTOR * timeout;
		p->stamp = now;
	}
	p->tokens = MIN(p->tokens + (now - p->stamp), XRLIM_BURST_FACTOR * timeout);
	p->stamp = now;
	if (p->tokens < timeout)
		return false;
	p->tokens -= timeout;
	return true;
}

void icmp_out_count(struct ut_stack *stack, uint8_t type)
{
	SNMP_INC_STATS(stack, ICMP_MIB_OUTMSGS);
	switch (type) {
	case ICMP_ECHOREPLY:
		SNMP_INC_STATS(stack, ICMP_MIB_OUTECHOREPS);
		break;
	case ICMP_ECHO:
		SNMP_INC_STATS(stack, ICMP_MIB_OUTECHOS);
		break;
	case ICMP_DEST_UNREACH:
		SNMP_INC_STATS(stack, ICMP_MIB_OUTDESTUNREACHS);
		break;
	case ICMP_TIME_EXCEEDED:
		SNMP_INC_STATS(stack, ICMP_MIB_OUTTIMEEXCDS);
		break;
	case ICMP_PARAMETERPROB:
		SNMP_INC_STATS(stack, ICMP_MIB_OUTPARMPROBS);
		break;
	default:
		break;
	}
}

void icmp_fill_csum(struct sk_buff *skb, uint32_t saddr, uint32_t daddr)
{
	(void)saddr;
	(void)daddr;
	put_be16(skb->data + 2, 0);
	put_be16(skb->data + 2, csum_fold(csum_partial(skb->data, skb->len, 0)));
}

/* Sends an ICMP message whose header and body are in skb (data at the
 * ICMP header, checksum filled here). */
static int icmp_push_reply(struct ut_stack *stack, struct sk_buff *skb, uint32_t saddr,
			   uint32_t daddr, uint8_t tos)
{
	struct ip_out_params p = {.saddr = saddr,
				  .daddr = daddr,
				  .protocol = IPPROTO_ICMP_,
				  .tos = tos,
				  .pmtudisc = IP_PMTUDISC_DONT};
	icmp_out_count(stack, skb->data[0]);
	return ip_send_skb(stack, skb, &p, icmp_fill_csum);
}

void icmp_send(struct sk_buff *skb_in, uint8_t type, uint8_t code, uint32_t info)
{
	struct ut_stack *stack = skb_in->dev ? skb_in->dev->stack : NULL;
	const uint8_t *iph = skb_network_header(skb_in);
	size_t avail, ihl, quote;
	uint32_t saddr, daddr, src;
	uint16_t frag_off, tot_len;
	struct fib_result res;
	struct sk_buff *skb;
	uint8_t *h;

	if (!stack || skb_in->network_header == SKB_HDR_UNSET)
		return;
	avail = (size_t)(skb_tail_pointer(skb_in) - iph);
	if (avail < IPV4_HLEN_MIN)
		return;
	ihl = (size_t)(iph[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN_MIN || ihl > avail)
		return;
	tot_len = get_be16(iph + 2);
	frag_off = get_be16(iph + 6);
	memcpy(&saddr, iph + 12, 4);
	memcpy(&daddr, iph + 16, 4);

	/* RFC 1122 3.2.2: no error about a datagram sent to a broadcast or
	 * multicast address, arrived as a link broadcast, from a source
	 * that does not name one host, or that is not a first fragment. */
	if (skb_in->pkt_type != PACKET_HOST || (IPCB(skb_in)->flags & IPSKB_BROADCAST))
		return;
	if (inet_addr_type(stack, daddr) == RTN_BROADCAST ||
	    inet_addr_type(stack, daddr) == RTN_MULTICAST)
		return;
	if (saddr == 0 || inet_addr_type(stack, saddr) == RTN_BROADCAST ||
	    inet_addr_type(stack, saddr) == RTN_MULTICAST)
		return;
	if (frag_off & IP_OFFMASK)
		return;
	/* Never an error about an error (only about queries), nor about a
	 * type nobody knows (Linux: inner type > NR_ICMP_TYPES). */
	if (iph[9] == IPPROTO_ICMP_ && icmp_is_error(type)) {
		if (avail < ihl + 1 || icmp_is_error(iph[ihl]) || iph[ihl] > ICMP_NR_TYPES)
			return;
	}

	if (ip_route_output(stack, saddr, &res) < 0)
		return;
	if (!icmp_mask_allow(stack, type, code)) {
		if (!icmp_global_allow(stack)) {
			SNMP_INC_STATS(stack, ICMP_MIB_OUTRATELIMITGLOBAL);
			return;
		}
		/* Linux exempts errors looped back to ourselves. */
		if (res.type != RTN_LOCAL &&
		    !icmp_peer_allow(stack, saddr,
				     msecs_to_jiffies((uint64_t)stack->sysctl.icmp_ratelimit))) {
			SNMP_INC_STATS(stack, ICMP_MIB_OUTRATELIMITHOST);
			return;
		}
	}

	quote = MIN(avail, (size_t)tot_len);
	quote = MIN(quote, (size_t)(ICMP_ERR_MAX_TOTAL - IPV4_HLEN_MIN - ICMP_HLEN));
	skb = stack_alloc_skb(stack, (uint32_t)(ICMP_HLEN + quote));
	if (!skb) {
		SNMP_INC_STATS(stack, ICMP_MIB_OUTERRORS);
		return;
	}
	h = skb_put(skb, (uint32_t)(ICMP_HLEN + quote));
	memcpy(h + ICMP_HLEN, iph, quote);
	wire_icmp_emit(h, type, code, info, quote);
	/* The error comes from the address the datagram was sent to when
	 * that is ours, else from the route's choice (Linux's icmp_send). */
	src = inet_addr_type(stack, daddr) == RTN_LOCAL ? daddr : 0;
	icmp_push_reply(stack, skb, src, saddr,
			(uint8_t)((iph[1] & 0x1e) | IPTOS_PREC_INTERNETCONTROL));
}

static void icmp_echo(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	struct sk_buff *reply;
	uint8_t *h;

	if (stack->sysctl.icmp_echo_ignore_all)
		return;
	/* RFC 1122 3.2.2.6: the reply carries the request's identifier,
	 * sequence number and data unchanged. */
	reply = stack_alloc_skb(stack, skb->len);
	if (!reply)
		return;
	h = skb_put(reply, skb->len);
	memcpy(h, skb->data, skb->len);
	h[0] = ICMP_ECHOREPLY;
	h[1] = 0;
	icmp_push_reply(stack, reply, (cb->flags & IPSKB_BROADCAST) ? 0 : cb->daddr, cb->saddr,
			cb->tos);
}

/* An error about something we sent: find the quoted datagram's protocol
 * and let it react (Linux's icmp_unreach / icmp_socket_deliver). */
static void icmp_unreach(struct sk_buff *skb, const struct wire_icmp *msg)
{
	struct ut_stack *stack = skb->dev->stack;
	const uint8_t *in = msg->payload;
	struct inet_skb_parm *cb = IPCB(skb);
	const struct net_protocol *proto;
	uint32_t from = cb->saddr;
	size_t ihl;

	/* RFC 792: the quote is the IP header plus at least 8 bytes. */
	if (msg->payload_len < IPV4_HLEN_MIN || (in[0] >> 4) != 4)
		goto bad;
	ihl = (size_t)(in[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN_MIN || msg->payload_len < ihl + 8)
		goto bad;
	proto = stack->inet_protos[in[9]];
	if (!proto || !proto->err_handler)
		return;
	memset(cb, 0, sizeof(*cb));
	memcpy(&cb->saddr, in + 12, 4);
	memcpy(&cb->daddr, in + 16, 4);
	cb->protocol = in[9];
	cb->ihl = (uint8_t)ihl;
	cb->tot_len = get_be16(in + 2);
	cb->id = get_be16(in + 4);
	if (!skb_pull(skb, (uint32_t)(ICMP_HLEN + ihl)))
		goto bad;
	proto->err_handler(skb, from, msg->type, msg->code, msg->rest);
	return;
bad:
	SNMP_INC_STATS(stack, ICMP_MIB_INERRORS);
}

void icmp_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct wire_icmp msg;
	enum wire_err err;

	/* Linux counts every message in InMsgs before any check, so the
	 * erroneous ones are included (RFC 2011: icmpInMsgs "includes all
	 * those counted by icmpInErrors"). */
	SNMP_INC_STATS(stack, ICMP_MIB_INMSGS);
	err = wire_icmp_parse(skb->data, skb->len, skb->ip_summed != CHECKSUM_UNNECESSARY, &msg);
	if (err == WIRE_ECSUM) {
		SNMP_INC_STATS(stack, ICMP_MIB_CSUMERRORS);
		goto error;
	}
	if (err != WIRE_OK)
		goto error;
	switch (msg.type) {
	case ICMP_ECHO:
		SNMP_INC_STATS(stack, ICMP_MIB_INECHOS);
		break;
	case ICMP_ECHOREPLY:
		SNMP_INC_STATS(stack, ICMP_MIB_INECHOREPS);
		break;
	case ICMP_DEST_UNREACH:
		SNMP_INC_STATS(stack, ICMP_MIB_INDESTUNREACHS);
		break;
	case ICMP_TIME_EXCEEDED:
		SNMP_INC_STATS(stack, ICMP_MIB_INTIMEEXCDS);
		break;
	case ICMP_PARAMETERPROB:
		SNMP_INC_STATS(stack, ICMP_MIB_INPARMPROBS);
		break;
	default:
		break;
	}
	/* RFC 1122 3.2.2: unknown types are silently discarded; Linux counts
	 * those past the last known type (NR_ICMP_TYPES) as errors. */
	if (msg.type > ICMP_NR_TYPES)
		goto error;
	/* Sent to a broadcast or multicast address (Linux's icmp_rcv): only
	 * queries are taken, echo and timestamp only when
	 * icmp_echo_ignore_broadcasts is 0 (RFC 1122 3.2.2.6, 3.2.2.8). An
	 * error or a reply sent to a broadcast is bogus. */
	if (IPCB(skb)->flags & IPSKB_BROADCAST) {
		if ((msg.type == ICMP_ECHO || msg.type == ICMP_TIMESTAMP_) &&
		    stack->sysctl.icmp_echo_ignore_broadcasts)
			goto error;
		if (msg.type != ICMP_ECHO && msg.type != ICMP_TIMESTAMP_ &&
		    msg.type != ICMP_ADDRESS_ && msg.type != ICMP_ADDRESSREPLY_)
			goto error;
	}
	switch (msg.type) {
	case ICMP_ECHO:
		icmp_echo(skb);
		break;
	case ICMP_ECHOREPLY:
		ping_rcv_reply(skb);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		icmp_unreach(skb, &msg);
		break;
	default:
		break; /* RFC 1122 3.2.2: unknown types are silently ignored */
	}
	kfree_skb(skb);
	return;
error:
	SNMP_INC_STATS(stack, ICMP_MIB_INERRORS);
	kfree_skb(skb);
}

static void icmp_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code, uint32_t info)
{
	/* An error about one of our ICMP messages: only echo requests have
	 * an owner to tell. */
	if (skb->len >= ICMP_HLEN && skb->data[0] == ICMP_ECHO)
		ping_err(skb, from, type, code, info);
}

const struct net_protocol icmp_protocol = {
	.handler = icmp_rcv,
	.err_handler = icmp_err,
};

int icmp_err_convert(uint8_t type, uint8_t code, bool *fatal)
{
	/* Linux's icmp_err_convert[] for destination unreachable codes
	 * 0..15: {errno, fatal}. */
	static const struct {
		int err;
		bool fatal;
	} unreach[16] = {
		{ENETUNREACH, false},  /* NET_UNREACH */
		{EHOSTUNREACH, false}, /* HOST_UNREACH */
		{ENOPROTOOPT, true},   /* PROT_UNREACH */
		{ECONNREFUSED, true},  /* PORT_UNREACH */
		{EMSGSIZE, false},     /* FRAG_NEEDED */
		{EOPNOTSUPP, false},   /* SR_FAILED */
		{ENETUNREACH, true},   /* NET_UNKNOWN */
		{EHOSTDOWN, true},     /* HOST_UNKNOWN */
		{ENONET, true},	       /* HOST_ISOLATED */
		{ENETUNREACH, true},   /* NET_ANO */
		{EHOSTUNREACH, true},  /* HOST_ANO */
		{ENETUNREACH, false},  /* NET_UNR_TOS */
		{EHOSTUNREACH, false}, /* HOST_UNR_TOS */
		{EHOSTUNREACH, true},  /* PKT_FILTERED */
		{EHOSTUNREACH, false}, /* PREC_VIOLATION */
		{EHOSTUNREACH, true},  /* PREC_CUTOFF */
	};

	*fatal = false;
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code < 16) {
			*fatal = unreach[code].fatal;
			return unreach[code].err;
		}
		return EHOSTUNREACH;
	case ICMP_TIME_EXCEEDED:
		return EHOSTUNREACH;
	case ICMP_PARAMETERPROB:
		*fatal = true;
		return EPROTO;
	}
	return 0;
}
