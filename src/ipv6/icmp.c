/* ICMPv6 (RFC 4443) as Linux's net/ipv6/icmp.c runs it: echo replies,
 * errors sent under RFC 4443 2.4's prohibitions and Linux's two rate
 * limits, errors received handed to the protocol that sent the offending
 * packet (Packet Too Big teaching the path MTU first, RFC 8201), and ND
 * messages passed to ndisc.c. */
#include <errno.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/ip6_route.h"
#include "net/ndisc.h"
#include "net/stack.h"
#include "net/transp_v6.h"

/* Types with this bit are informational, the rest errors (RFC 4443 2.1). */
#define ICMPV6_INFOMSG_MASK 0x80
/* An error carries as much of the offending packet as keeps it within
 * the minimum MTU (RFC 4443 2.4 c). */
#define ICMPV6_ERR_MAX_QUOTE (IPV6_MIN_MTU - IPV6_HLEN - ICMPV6_HLEN)

static bool icmpv6_is_nd(uint8_t type)
{
	return type >= NDISC_ROUTER_SOLICITATION && type <= NDISC_REDIRECT;
}

/* Linux's icmpv6_mask_allow with net.ipv6.icmp.ratemask at its default,
 * "0-1,3-127": Packet Too Big (PMTU discovery depends on it, RFC 8201)
 * and every informational type are never limited. */
static bool icmpv6_mask_allow(uint8_t type)
{
	return type == ICMPV6_PKT_TOOBIG || (type & ICMPV6_INFOMSG_MASK);
}

/* Linux's icmpv6_xrlim_allow: net.ipv6.icmp.ratelimit between errors to
 * one destination, shorter for a destination reached through a shorter
 * prefix (shifted right by one for every 32 bits the route's prefix
 * lacks of 128), since such a route covers many hosts. The buckets are
 * IPv4's (Linux keeps both families' in its inet_peer cache), keyed by a
 * keyed hash of the address. */
static bool icmpv6_peer_allow(struct ut_stack *stack, const struct in6_addr *daddr,
			      unsigned prefix_len)
{
	uint64_t tmo = msecs_to_jiffies((uint64_t)net_ipv6(stack)->sysctl.icmpv6_time);
	uint64_t hi, lo;

	if (prefix_len < 128)
		tmo >>= (128 - prefix_len) >> 5;
	memcpy(&hi, daddr->s6_addr, 8);
	memcpy(&lo, daddr->s6_addr + 8, 8);
	return icmp_peer_allow(
		stack, (uint32_t)prandom_mix(hi ^ prandom_mix(lo ^ stack->ip_idents_key)), tmo);
}

void icmpv6_out_count(struct ut_stack *stack, uint8_t type)
{
	SNMP_INC_STATS(stack, ICMP6_MIB_OUTMSGS);
	switch (type) {
	case ICMPV6_DEST_UNREACH:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTDESTUNREACHS);
		break;
	case ICMPV6_PKT_TOOBIG:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTPKTTOOBIGS);
		break;
	case ICMPV6_TIME_EXCEED:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTTIMEEXCDS);
		break;
	case ICMPV6_PARAMPROB:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTPARMPROBLEMS);
		break;
	case ICMPV6_ECHO_REQUEST:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTECHOS);
		break;
	case ICMPV6_ECHO_REPLY:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTECHOREPLIES);
		break;
	case NDISC_ROUTER_SOLICITATION:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTROUTERSOLICITS);
		break;
	case NDISC_NEIGHBOUR_SOLICITATION:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTNEIGHBORSOLICITS);
		break;
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTNEIGHBORADVERTISEMENTS);
		break;
	default:
		break;
	}
}

static void icmpv6_in_count(struct ut_stack *stack, uint8_t type)
{
	static const struct {
		uint8_t type;
		enum snmp_field field;
	} in[] = {
		{ICMPV6_DEST_UNREACH, ICMP6_MIB_INDESTUNREACHS},
		{ICMPV6_PKT_TOOBIG, ICMP6_MIB_INPKTTOOBIGS},
		{ICMPV6_TIME_EXCEED, ICMP6_MIB_INTIMEEXCDS},
		{ICMPV6_PARAMPROB, ICMP6_MIB_INPARMPROBLEMS},
		{ICMPV6_ECHO_REQUEST, ICMP6_MIB_INECHOS},
		{ICMPV6_ECHO_REPLY, ICMP6_MIB_INECHOREPLIES},
		{NDISC_ROUTER_SOLICITATION, ICMP6_MIB_INROUTERSOLICITS},
		{NDISC_ROUTER_ADVERTISEMENT, ICMP6_MIB_INROUTERADVERTISEMENTS},
		{NDISC_NEIGHBOUR_SOLICITATION, ICMP6_MIB_INNEIGHBORSOLICITS},
		{NDISC_NEIGHBOUR_ADVERTISEMENT, ICMP6_MIB_INNEIGHBORADVERTISEMENTS},
		{NDISC_REDIRECT, ICMP6_MIB_INREDIRECTS},
	};

	for (size_t i = 0; i < ARRAY_SIZE(in); i++)
		if (in[i].type == type)
			SNMP_INC_STATS(stack, in[i].field);
}

void icmpv6_fill_csum(struct sk_buff *skb, const struct in6_addr *saddr,
		      const struct in6_addr *daddr)
{
	put_be16(skb->data + 2, 0);
	put_be16(skb->data + 2, csum_ipv6(saddr, daddr, NEXTHDR_ICMP, skb->data, skb->len));
}

/* Sends the ICMPv6 message in skb (data at its header; checksum filled
 * once the source is chosen). */
static int icmpv6_push(struct ut_stack *stack, struct sk_buff *skb, struct ip6_out_params *p)
{
	p->nexthdr = NEXTHDR_ICMP;
	p->hop_limit = -1;
	p->pmtudisc = IPV6_PMTUDISC_DONT;
	icmpv6_out_count(stack, skb->data[0]);
	return ip6_send_skb(stack, skb, p, icmpv6_fill_csum);
}

/* Linux's is_ineligible (RFC 4443 2.4 e.1): no error about an ICMPv6
 * error, nor (as this stack's contract adds to e.2's redirect) about any
 * ND message; a packet whose ICMPv6 type cannot be read is treated as
 * an error, unless it is a later fragment, which quotes no header. */
static bool icmpv6_ineligible(const uint8_t *ip6h, size_t avail)
{
	uint8_t nexthdr = ip6h[6], type;
	uint16_t frag_off;
	int off = ipv6_skip_exthdr(ip6h, avail, IPV6_HLEN, &nexthdr, &frag_off);

	if (off < 0 || nexthdr != NEXTHDR_ICMP)
		return false;
	if ((size_t)off >= avail)
		return frag_off == 0;
	type = ip6h[off];
	return !(type & ICMPV6_INFOMSG_MASK) || icmpv6_is_nd(type);
}

/* RFC 4443 2.4 e.3 lets a Parameter Problem about a packet to a group
 * through when it reports an unrecognised option whose type's two high
 * bits are 10 (RFC 8200 4.2: "discard and send even to multicast";
 * Linux's opt_unrec). */
static bool icmpv6_opt_unrec(const uint8_t *ip6h, size_t avail, uint32_t pos)
{
	return pos < avail && (ip6h[pos] & 0xc0) == 0x80;
}

void icmp6_send(struct sk_buff *skb_in, uint8_t type, uint8_t code, uint32_t info)
{
	struct ut_stack *stack = skb_in->dev ? skb_in->dev->stack : NULL;
	struct ip6_out_params p;
	struct in6_addr saddr, daddr;
	struct rt6_result res;
	const uint8_t *ip6h;
	struct sk_buff *skb;
	size_t avail, quote;
	unsigned stype;
	bool limited;
	uint8_t *h;

	if (!stack || !net_ipv6(stack) || skb_in->network_header == SKB_HDR_UNSET)
		return;
	ip6h = skb_network_header(skb_in);
	if (skb_tail_pointer(skb_in) < ip6h + IPV6_HLEN)
		return;
	avail = (size_t)(skb_tail_pointer(skb_in) - ip6h);
	memcpy(&saddr, ip6h + 8, sizeof(saddr));
	memcpy(&daddr, ip6h + 24, sizeof(daddr));

	memset(&p, 0, sizeof(p));
	p.daddr = saddr;
	/* The error comes from the address the packet was sent to when
	 * that is one of ours (a link-local one only on the device it
	 * came in on, Linux's ipv6_chk_addr), else from source selection. */
	if (!ipv6_addr_is_multicast(&daddr) &&
	    ipv6_chk_addr(stack, &daddr, ipv6_addr_is_linklocal(&daddr) ? skb_in->dev : NULL,
			  false))
		p.saddr = daddr;
	/* RFC 4443 2.4 e.3, e.4: nothing about a packet sent to a group or
	 * as a link-layer broadcast or multicast, but Packet Too Big and
	 * the unrecognised option that asks for it. */
	if (ipv6_addr_is_multicast(&daddr) || skb_in->pkt_type != PACKET_HOST ||
	    (IP6CB(skb_in)->flags & IP6SKB_MULTICAST)) {
		if (type != ICMPV6_PKT_TOOBIG &&
		    !(type == ICMPV6_PARAMPROB && code == ICMPV6_UNK_OPTION &&
		      icmpv6_opt_unrec(ip6h, avail, info)))
			return;
		memset(&p.saddr, 0, sizeof(p.saddr));
	}
	/* RFC 4443 2.4 e.5: the source must name one node. */
	stype = ipv6_addr_type(&saddr);
	if (stype == IPV6_ADDR_ANY || (stype & IPV6_ADDR_MULTICAST))
		return;
	/* A link-local source is reached through the device the packet
	 * came in on (its zone, RFC 4007). */
	if (stype & IPV6_ADDR_LINKLOCAL)
		p.oif = IP6CB(skb_in)->iif ? IP6CB(skb_in)->iif : skb_in->dev->ifindex;
	if (icmpv6_ineligible(ip6h, avail))
		return;

	/* Linux's icmpv6_global_allow and icmpv6_xrlim_allow: a packet that
	 * came over lo, and the types outside the ratemask, are not
	 * limited; the rest take a token of the bucket IPv4 shares
	 * (counted in Icmp's OutRateLimitGlobal, as Linux does), then one of
	 * the destination's unless it is ours. */
	limited = skb_in->dev != stack->loopback && !icmpv6_mask_allow(type);
	if (limited && !icmp_global_allow(stack)) {
		SNMP_INC_STATS(stack, ICMP_MIB_OUTRATELIMITGLOBAL);
		return;
	}
	if (ip6_route_output(stack, &saddr, p.oif, &res) < 0)
		return;
	if (limited && res.dev != stack->loopback &&
	    !icmpv6_peer_allow(stack, &saddr, res.prefix_len)) {
		SNMP_INC_STATS(stack, ICMP6_MIB_RATELIMITHOST);
		return;
	}

	quote = MIN(avail, (size_t)ICMPV6_ERR_MAX_QUOTE);
	skb = stack_alloc_skb(stack, (uint32_t)(ICMPV6_HLEN + quote));
	if (!skb) {
		/* Linux counts OutErrors when it cannot build the message. */
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTERRORS);
		return;
	}
	h = skb_put(skb, (uint32_t)(ICMPV6_HLEN + quote));
	memcpy(h + ICMPV6_HLEN, ip6h, quote);
	h[0] = type;
	h[1] = code;
	put_be16(h + 2, 0);
	put_be32(h + 4, info);
	icmpv6_push(stack, skb, &p);
}

static void icmpv6_echo_reply(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct ip6_out_params p;
	struct in6_addr daddr;
	struct sk_buff *reply;
	uint8_t *h;

	memset(&p, 0, sizeof(p));
	ipv6_hdr_saddr(skb, &p.daddr);
	ipv6_hdr_daddr(skb, &daddr);
	if (ipv6_addr_is_multicast(&daddr) && net_ipv6(stack)->sysctl.icmpv6_echo_ignore_multicast)
		return;
	/* Answered from the address asked, unless that was a group: then
	 * source selection picks one (Linux's icmpv6_echo_reply). */
	if (!ipv6_addr_is_multicast(&daddr) && !(IP6CB(skb)->flags & IP6SKB_MULTICAST))
		p.saddr = daddr;
	/* A link-local requester is answered on the link it asked from. */
	if (ipv6_addr_is_linklocal(&p.daddr))
		p.oif = IP6CB(skb)->iif ? IP6CB(skb)->iif : skb->dev->ifindex;
	/* Linux reflects the request's traffic class. */
	p.tclass = (uint8_t)((get_be16(ipv6_hdr(skb)) >> 4) & 0xff);
	/* RFC 4443 4.2: identifier, sequence number and data unchanged.
	 * (Echo replies are outside the ratemask: never limited.) */
	reply = stack_alloc_skb(stack, skb->len);
	if (!reply)
		return;
	h = skb_put(reply, skb->len);
	memcpy(h, skb->data, skb->len);
	h[0] = ICMPV6_ECHO_REPLY;
	h[1] = 0;
	icmpv6_push(stack, reply, &p);
}

/* An error about a packet we sent (Linux's icmpv6_notify): the quote must
 * hold an IPv6 header and, past its extension headers, 8 bytes of the
 * upper layer (RFC 4443 3: "as much of invoking packet as possible"). */
static bool icmpv6_notify(struct sk_buff *skb, const struct wire_icmp6 *msg)
{
	struct ut_stack *stack = skb->dev->stack;
	const struct inet6_protocol *prot;
	const uint8_t *in = msg->payload;
	struct in6_addr from, qdaddr;
	uint16_t frag_off;
	uint8_t nexthdr;
	int off;

	/* (Linux reads the quoted header without checking its version.) */
	if (msg->payload_len < IPV6_HLEN)
		return false;
	nexthdr = in[6];
	off = ipv6_skip_exthdr(in, msg->payload_len, IPV6_HLEN, &nexthdr, &frag_off);
	if (off < 0 || (size_t)off + 8 > msg->payload_len)
		return false;
	ipv6_hdr_saddr(skb, &from);
	memcpy(&qdaddr, in + 24, sizeof(qdaddr));
	/* RFC 8201 4: the path toward the quoted destination carries no more
	 * than the reported MTU (route.c keeps it at 1280 or above). */
	if (msg->type == ICMPV6_PKT_TOOBIG)
		rt6_pmtu_update(stack, &qdaddr, msg->rest);
	prot = net_ipv6(stack)->inet6_protos[nexthdr];
	if (!prot || !prot->err_handler)
		return true;
	skb->network_header = (uint16_t)(in - skb->head);
	skb_pull(skb, (uint32_t)(ICMPV6_HLEN + (size_t)off));
	skb_reset_transport_header(skb);
	IP6CB(skb)->nexthdr = nexthdr;
	IP6CB(skb)->thoff = (uint16_t)off;
	prot->err_handler(skb, &from, msg->type, msg->code, msg->rest);
	return true;
}

static void icmpv6_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct in6_addr saddr, daddr;
	struct wire_icmp6 msg;
	enum wire_err err;

	/* Every message counts in InMsgs, the erroneous ones too (RFC 4293
	 * icmpStatsInMsgs; Linux counts before the checksum). */
	SNMP_INC_STATS(stack, ICMP6_MIB_INMSGS);
	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	if (skb->ip_summed == CHECKSUM_UNNECESSARY)
		err = wire_icmp6_parse(skb->data, skb->len, NULL, NULL, &msg);
	else
		err = wire_icmp6_parse(skb->data, skb->len, &saddr, &daddr, &msg);
	if (err == WIRE_ECSUM) {
		SNMP_INC_STATS(stack, ICMP6_MIB_CSUMERRORS);
		goto error;
	}
	if (err != WIRE_OK)
		goto error;
	icmpv6_in_count(stack, msg.type);

	switch (msg.type) {
	case ICMPV6_ECHO_REQUEST:
		if (!net_ipv6(stack)->sysctl.icmpv6_echo_ignore_all)
			icmpv6_echo_reply(skb);
		break;
	case ICMPV6_ECHO_REPLY:
		ping6_rcv_reply(skb);
		break;
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
		ndisc_rcv(skb);
		return;
	default:
		/* RFC 4443 2.4 a, b: an unknown informational message is
		 * dropped; an unknown error goes up like a known one. */
		if (msg.type & ICMPV6_INFOMSG_MASK)
			break;
		if (!icmpv6_notify(skb, &msg))
			goto error;
		break;
	}
	kfree_skb(skb);
	return;
error:
	SNMP_INC_STATS(stack, ICMP6_MIB_INERRORS);
	kfree_skb(skb);
}

/* An error about one of our ICMPv6 messages: only echo requests have an
 * owner to tell (Linux's icmpv6_err). */
static void icmpv6_err(struct sk_buff *skb, const struct in6_addr *from, uint8_t type, uint8_t code,
		       uint32_t info)
{
	if (!(type & ICMPV6_INFOMSG_MASK) && skb->len >= ICMPV6_HLEN &&
	    skb->data[0] == ICMPV6_ECHO_REQUEST)
		ping6_err(skb, from, type, code, info);
}

static const struct inet6_protocol icmpv6_protocol = {
	.handler = icmpv6_rcv,
	.err_handler = icmpv6_err,
};

int icmpv6_init(struct ut_stack *stack)
{
	return inet6_add_protocol(stack, &icmpv6_protocol, NEXTHDR_ICMP);
}

/* ---- errors as a socket reports them ---------------------------------------------*/

/* Destination Unreachable by code (RFC 4443 3.1), as Linux's tab_unreach:
 * what the application sees and whether it ends a connection attempt. */
static const struct {
	int err;
	bool fatal;
} icmpv6_unreach_errs[] = {
	[ICMPV6_NOROUTE] = {ENETUNREACH, false},
	[ICMPV6_ADM_PROHIBITED] = {EACCES, true},
	[ICMPV6_NOT_NEIGHBOUR] = {EHOSTUNREACH, false}, /* beyond scope, RFC 4443 */
	[ICMPV6_ADDR_UNREACH] = {EHOSTUNREACH, false},
	[ICMPV6_PORT_UNREACH] = {ECONNREFUSED, true},
	[5] = {EACCES, true}, /* source address failed ingress/egress policy */
	[6] = {EACCES, true}, /* reject route to destination */
};

int icmpv6_err_convert(uint8_t type, uint8_t code, bool *fatal)
{
	*fatal = false;
	switch (type) {
	case ICMPV6_DEST_UNREACH:
		if (code < ARRAY_SIZE(icmpv6_unreach_errs)) {
			*fatal = icmpv6_unreach_errs[code].fatal;
			return icmpv6_unreach_errs[code].err;
		}
		*fatal = true;
		return EPROTO;
	case ICMPV6_PKT_TOOBIG:
		return EMSGSIZE;
	case ICMPV6_PARAMPROB:
		*fatal = true;
		return EPROTO;
	case ICMPV6_TIME_EXCEED:
		return EHOSTUNREACH;
	}
	return EPROTO;
}
