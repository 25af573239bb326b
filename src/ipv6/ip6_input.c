/* IPv6 receive (Linux's net/ipv6/ip6_input.c and exthdrs.c): validate the
 * header against the frame, decide whether the packet is ours, walk its
 * extension headers in the order RFC 8200 4.1 fixes, reassemble, and
 * deliver to the upper layer. Every drop is counted under Linux's name for
 * it. */
#include <string.h>

#include "net/addrconf.h"
#include "net/inet_ecn.h"
#include "net/ipv6.h"
#include "net/stack.h"

/* What an unrecognised option asks of us: its type's two high bits (RFC
 * 8200 4.2). true: skip it and go on; false: the packet is dropped (and
 * answered when the bits say so). */
static bool ip6_tlvopt_unknown(struct sk_buff *skb, unsigned optoff, bool multicast)
{
	switch (ipv6_hdr(skb)[optoff] >> 6) {
	case 0: /* skip over the option */
		return true;
	case 1: /* discard silently */
		break;
	case 3: /* discard; answer only a unicast destination */
		if (multicast)
			break;
		/* fallthrough */
	case 2: /* discard and answer, even a group */
		icmpv6_param_prob(skb, ICMPV6_UNK_OPTION, optoff);
		break;
	}
	return false;
}

/* The options of a hop-by-hop or destination options header at off (from
 * the network header). A host knows Pad1, PadN and the router alert
 * (meaningful to routers only); a jumbo payload option is an error in
 * any packet this stack can receive, since its payload length field is
 * not zero (RFC 2675 3). false: the packet was dropped. */
static bool ip6_parse_tlv(struct sk_buff *skb, const struct wire_ipv6_ext *ext, unsigned off,
			  bool multicast)
{
	struct wire_ipv6_tlv tlv;
	size_t pos = 0, at = 0;

	for (; wire_ipv6_tlv_next(ext, &pos, &tlv); at = pos) {
		/* The option's type byte, from the network header: the
		 * options start after the header's two fixed bytes. */
		unsigned optoff = off + 2 + (unsigned)at;

		switch (tlv.type) {
		case IPV6_TLV_PAD1:
		case IPV6_TLV_PADN:
		case IPV6_TLV_ROUTERALERT:
			break;
		case IPV6_TLV_JUMBO:
			/* Linux's ipv6_hop_jumbo: the payload length must
			 * be 0 and the jumbo length above 65535. */
			icmpv6_param_prob(skb, ICMPV6_HDR_FIELD, optoff + 2);
			return false;
		default:
			if (!ip6_tlvopt_unknown(skb, optoff, multicast))
				return false;
		}
	}
	return true;
}

/* The walk from the header after the IPv6 header to the upper layer
 * (Linux's ip6_input_finish and ip6_protocol_deliver_rcu). skb->data at
 * the IPv6 header. Consumes skb. */
static void ip6_input_finish(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct netns_ipv6 *net = stack->ipv6;
	bool multicast = IP6CB(skb)->flags & IP6SKB_MULTICAST;
	unsigned off = IPV6_HLEN, nhoff = 6, hdrs = 0;
	const struct inet6_protocol *prot;
	struct wire_ipv6_ext ext;
	uint8_t nexthdr = skb->data[6];

	for (;;) {
		IP6CB(skb)->nhoff = (uint16_t)nhoff;
		switch (nexthdr) {
		case NEXTHDR_HOP:
			/* RFC 8200 4.1: only right after the IPv6 header,
			 * where ipv6_rcv handled it. */
			if (off != IPV6_HLEN) {
				SNMP_INC_STATS(stack, IPSTATS6_MIB_INUNKNOWNPROTOS);
				icmpv6_param_prob(skb, ICMPV6_UNK_NEXTHDR, nhoff);
				goto drop;
			}
			break;
		case NEXTHDR_DEST:
		case NEXTHDR_ROUTING:
		case NEXTHDR_FRAGMENT:
			break;
		default:
			goto upper;
		}
		if (++hdrs > IP6_MAX_EXT_HDRS)
			goto hdr_error;
		switch (wire_ipv6_ext_parse(nexthdr, skb->data + off, skb->len - off, &ext)) {
		case WIRE_OK:
			break;
		case WIRE_EOPTLEN:
			/* Options that run past their header: Linux's
			 * ip6_parse_tlv fails and the packet is a header
			 * error. */
			goto hdr_error;
		default:
			/* A header longer than what is left: Linux points a
			 * parameter problem at the payload length. */
			icmpv6_param_prob(skb, ICMPV6_HDR_FIELD, 4);
			goto hdr_error;
		}
		switch (nexthdr) {
		case NEXTHDR_HOP:
			break; /* its options were read by ipv6_rcv */
		case NEXTHDR_DEST:
			if (!ip6_parse_tlv(skb, &ext, off, multicast))
				goto drop;
			break;
		case NEXTHDR_ROUTING:
			/* RFC 8200 4.4: with no segments left the header is
			 * ignored; otherwise a host processes none of the
			 * types (type 0 is deprecated by RFC 5095, and type
			 * 2 and segment routing are not implemented), so
			 * it points a parameter problem at the type. */
			if (ext.rt.segments_left == 0)
				break;
			icmpv6_param_prob(skb, ICMPV6_HDR_FIELD, off + 2);
			goto hdr_error;
		case NEXTHDR_FRAGMENT:
			skb = ipv6_frag_rcv(skb, off);
			if (!skb)
				return;
			/* The reassembled packet's fragment header is gone:
			 * the walk resumes where it was, at the header that
			 * followed it. */
			multicast = IP6CB(skb)->flags & IP6SKB_MULTICAST;
			nexthdr = skb->data[nhoff];
			continue;
		}
		nhoff = off;
		off += (unsigned)ext.hdr_len;
		nexthdr = ext.nexthdr;
	}
upper:
	prot = net->inet6_protos[nexthdr];
	if (!prot) {
		/* RFC 8200 4: an unrecognised Next Header is a parameter
		 * problem pointing at it. */
		SNMP_INC_STATS(stack, IPSTATS6_MIB_INUNKNOWNPROTOS);
		icmpv6_param_prob(skb, ICMPV6_UNK_NEXTHDR, nhoff);
		goto drop;
	}
	IP6CB(skb)->nexthdr = nexthdr;
	IP6CB(skb)->thoff = (uint16_t)off;
	skb_pull(skb, off);
	skb_reset_transport_header(skb);
	SNMP_INC_STATS(stack, IPSTATS6_MIB_INDELIVERS);
	prot->handler(skb);
	return;
hdr_error:
	SNMP_INC_STATS(stack, IPSTATS6_MIB_INHDRERRORS);
drop:
	kfree_skb(skb);
}

void ipv6_rcv(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct ut_stack *stack = dev->stack;
	const struct inet6_dev *idev = __in6_dev_get(dev);
	struct inet6_skb_parm *cb = IP6CB(skb);
	struct wire_ipv6 ip;
	unsigned saddr_type, daddr_type;

	if (!idev || idev->dead || idev->cnf.disable_ipv6) {
		/* Linux's ipv6_rcv drops what arrives on a device without
		 * IPv6 as a discard. */
		SNMP_INC_STATS(stack, IPSTATS6_MIB_INDISCARDS);
		goto drop;
	}
	SNMP_INC_STATS(stack, IPSTATS6_MIB_INRECEIVES);
	SNMP_ADD_STATS(stack, IPSTATS6_MIB_INOCTETS, skb->len);
	switch (wire_ipv6_parse(skb->data, skb->len, &ip)) {
	case WIRE_OK:
		break;
	case WIRE_ETOTLEN:
		/* Shorter than its payload length says: cut on the way,
		 * a truncated packet as Linux counts it. */
		SNMP_INC_STATS(stack, IPSTATS6_MIB_INTRUNCATEDPKTS);
		goto drop;
	default:
		goto hdr_error;
	}
	/* per segment of a packet GRO merged, as Linux's ipv6_rcv_core */
	SNMP_ADD_STATS(stack,
		       (enum snmp_field)(IPSTATS6_MIB_NOECTPKTS + (ip.tclass & INET_ECN_MASK)),
		       MAX(1u, (uint32_t)skb_shinfo(skb)->gso_segs));
	/* Link-layer padding past the payload is not part of the packet. */
	skb_trim(skb, IPV6_HLEN + ip.payload_len);
	skb_reset_network_header(skb);
	memset(cb, 0, sizeof(*cb));
	cb->iif = dev->ifindex;
	cb->nhoff = 6;

	saddr_type = ipv6_addr_type(&ip.saddr);
	daddr_type = ipv6_addr_type(&ip.daddr);
	/* Linux's ipv6_rcv_core: a group as source (RFC 4291 2.7), a
	 * loopback address arriving from outside (RFC 4291 2.5.3), a
	 * v4-mapped source (RFC 4038 4.2: it would bypass IPv4's
	 * filtering), an interface-local group from outside (RFC 4291
	 * 2.7), and a group of reserved scope 0 are all header errors. */
	if ((saddr_type & IPV6_ADDR_MULTICAST) || (saddr_type & IPV6_ADDR_MAPPED))
		goto hdr_error;
	if (dev != stack->loopback &&
	    ((saddr_type & IPV6_ADDR_LOOPBACK) || (daddr_type & IPV6_ADDR_LOOPBACK)))
		goto hdr_error;
	if ((daddr_type & IPV6_ADDR_MULTICAST) && dev != stack->loopback &&
	    (ip.daddr.s6_addr[1] & 0x0f) == IPV6_ADDR_SCOPE_NODELOCAL)
		goto hdr_error;
	if ((daddr_type & IPV6_ADDR_MULTICAST) && (ip.daddr.s6_addr[1] & 0x0f) == 0)
		goto hdr_error;

	/* The hop-by-hop header is read by every node on the path, before
	 * any routing decision (RFC 8200 4.3). */
	if (ip.nexthdr == NEXTHDR_HOP) {
		struct wire_ipv6_ext ext;

		if (wire_ipv6_ext_parse(NEXTHDR_HOP, skb->data + IPV6_HLEN, ip.payload_len, &ext) !=
		    WIRE_OK)
			goto hdr_error;
		cb->flags |= IP6SKB_HOPBYHOP;
		if (!ip6_parse_tlv(skb, &ext, IPV6_HLEN, daddr_type & IPV6_ADDR_MULTICAST))
			goto drop;
	}

	if (daddr_type & IPV6_ADDR_MULTICAST) {
		/* Delivered only to a group this device listens to
		 * (Linux's ip6_mc_input); the others are not for us. */
		SNMP_INC_STATS(stack, IPSTATS6_MIB_INMCASTPKTS);
		if (!ipv6_chk_mcast_addr(dev, &ip.daddr))
			goto drop;
		cb->flags |= IP6SKB_MULTICAST;
		ip6_input_finish(skb);
		return;
	}
	/* Ours: a link-local address only on the device it belongs to (RFC
	 * 4007 9: its scope is that link); any other on any device, the
	 * weak host model Linux follows. A tentative address takes nothing
	 * but Neighbour Discovery, which reaches it through its
	 * solicited-node group (RFC 4862 5.4). */
	if (ipv6_chk_addr(stack, &ip.daddr, (daddr_type & IPV6_ADDR_LINKLOCAL) ? dev : NULL,
			  false)) {
		ip6_input_finish(skb);
		return;
	}
	/* Another host's: this stack does not forward IPv6 (forwarding is
	 * 0), which Linux's ip6_forward counts as an address error. */
	SNMP_INC_STATS(stack, IPSTATS6_MIB_INADDRERRORS);
	goto drop;
hdr_error:
	SNMP_INC_STATS(stack, IPSTATS6_MIB_INHDRERRORS);
drop:
	kfree_skb(skb);
}
