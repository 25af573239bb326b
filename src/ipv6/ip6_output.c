/* IPv6 transmit (Linux's net/ipv6/ip6_output.c): route, choose the source,
 * build the header in the headroom, fragment at the source what the path
 * MTU cannot carry (RFC 8200 4.5: routers never fragment IPv6), and hand
 * the result to Neighbour Discovery or, for a group, straight to the
 * device. */
#include <errno.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/ip6_route.h"
#include "net/stack.h"

/* Hops a packet to a group gets unless the sender says otherwise (Linux's
 * IPV6_DEFAULT_MCASTHOPS, RFC 3493 5.2). */
#define IPV6_DEFAULT_MCASTHOPS 1

uint32_t ipv6_select_ident(struct ut_stack *stack, const struct in6_addr *saddr,
			   const struct in6_addr *daddr)
{
	/* RFC 7739 5: identifications must not be predictable from one
	 * flow to another; per (source, destination) counters behind a
	 * secret hash keep each flow's unique while fragments may be in
	 * flight, as Linux's ipv6_select_ident over ip_idents. */
	uint64_t w[4], h = stack->ipv6->frag_ident_key;
	uint32_t id;

	memcpy(w, saddr, 16);
	memcpy(w + 2, daddr, 16);
	for (int i = 0; i < 4; i++)
		h = prandom_mix(h ^ w[i]);
	id = stack->ip_idents[h % IP_IDENTS_SZ]++;
	return id ? id : stack->ip_idents[h % IP_IDENTS_SZ]++;
}

int ip6_finish_output(struct net_device *dev, const struct in6_addr *nexthop, struct sk_buff *skb)
{
	struct ut_stack *stack = dev->stack;
	const uint8_t *ip6h = skb->data;

	skb->dev = dev;
	skb->protocol = ETH_P_IPV6;
	SNMP_ADD_STATS(stack, IPSTATS6_MIB_OUTOCTETS, skb->len);
	if (ip6h[24] == 0xff)
		SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTMCASTPKTS);
	if (dev->type == UT_DEV_RAWIP)
		return dev_queue_xmit(skb);
	if (ipv6_addr_is_multicast(nexthop)) {
		/* RFC 2464 7: a group is 33:33 and its low 32 bits; no
		 * solicitation. */
		uint8_t mac[ETH_ALEN];

		ipv6_eth_mc_map(nexthop, mac);
		eth_header(skb, mac, dev->dev_addr, ETH_P_IPV6);
		return dev_queue_xmit(skb);
	}
	return neigh_output(&stack->ipv6->nd_tbl, dev, nexthop, skb);
}

/* RFC 8200 4.5 fragmentation at the source (Linux's ip6_fragment, slow
 * path): the IPv6 header is the unfragmentable part (this stack adds no
 * extension headers of its own), a fragment header follows it in every
 * fragment, and each fragment but the last carries a multiple of 8 bytes
 * of what followed the header. */
static int ip6_fragment(struct ut_stack *stack, struct sk_buff *skb, const struct rt6_result *res)
{
	const uint8_t *ip6h = skb->data;
	struct in6_addr saddr, daddr;
	uint32_t left = skb->len - IPV6_HLEN, offset = 0, id;
	uint32_t chunk = (res->mtu - IPV6_HLEN - IPV6_FRAG_HLEN) & ~7u;
	uint8_t nexthdr = ip6h[6];
	int err = 0;

	memcpy(&saddr, ip6h + 8, 16);
	memcpy(&daddr, ip6h + 24, 16);
	id = ipv6_select_ident(stack, &saddr, &daddr);
	while (left > 0) {
		uint32_t len = left > chunk ? chunk : left;
		struct sk_buff *frag = stack_alloc_skb(stack, IPV6_HLEN + IPV6_FRAG_HLEN + len);
		uint8_t *h;

		if (!frag) {
			err = -ENOBUFS;
			break;
		}
		h = skb_put(frag, IPV6_HLEN + IPV6_FRAG_HLEN + len);
		memcpy(h, ip6h, IPV6_HLEN);
		h[6] = NEXTHDR_FRAGMENT;
		put_be16(h + 4, (uint16_t)(IPV6_FRAG_HLEN + len));
		wire_ipv6_frag_emit(h + IPV6_HLEN, nexthdr, (uint16_t)offset, left > len, id);
		memcpy(h + IPV6_HLEN + IPV6_FRAG_HLEN, ip6h + IPV6_HLEN + offset, len);
		skb_reset_network_header(frag);
		SNMP_INC_STATS(stack, IPSTATS6_MIB_FRAGCREATES);
		err = ip6_finish_output(res->dev, &res->nexthop, frag);
		if (err < 0 || err == NET_XMIT_DROP)
			break;
		err = 0;
		offset += len;
		left -= len;
	}
	SNMP_INC_STATS(stack, err ? IPSTATS6_MIB_FRAGFAILS : IPSTATS6_MIB_FRAGOKS);
	kfree_skb(skb);
	return err;
}

int ip6_xmit(struct ut_stack *stack, struct sk_buff *skb, const struct ip6_out_params *p,
	     void (*fill_csum)(struct sk_buff *skb, const struct in6_addr *saddr,
			       const struct in6_addr *daddr))
{
	const struct inet6_dev *idev;
	struct rt6_result res;
	struct wire_ipv6 ip;
	uint32_t seg_len;
	int err;

	err = ip6_route_output(stack, &p->daddr, p->oif, &res);
	if (err) {
		SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTNOROUTES);
		kfree_skb(skb);
		return err;
	}
	memset(&ip, 0, sizeof(ip));
	ip.saddr = p->saddr;
	if (ipv6_addr_any(&ip.saddr)) {
		/* RFC 6724 rule 1: a local destination's best source is
		 * itself. */
		if (res.type == RTN_LOCAL)
			ip.saddr = p->daddr;
		else if ((err = ipv6_dev_get_saddr(stack, res.dev, &p->daddr, &ip.saddr)) < 0) {
			SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTDISCARDS);
			kfree_skb(skb);
			return err;
		}
	}
	/* RFC 4291 2.5.3: the loopback address never leaves the node. The
	 * selection offers lo's ::1 for a destination beyond the link when
	 * no other address is usable yet (the device's still in DAD). */
	if (ipv6_addr_loopback(&ip.saddr) && res.dev != stack->loopback) {
		SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTDISCARDS);
		kfree_skb(skb);
		return -EADDRNOTAVAIL;
	}
	if (skb->len > 0xffff) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTREQUESTS);
	/* A GSO buffer leaves as segments: the path MTU concerns each. */
	seg_len = IPV6_HLEN + skb->len;
	if (skb_is_gso(skb))
		seg_len = MIN(seg_len, IPV6_HLEN + (uint32_t)(skb->data[12] >> 4) * 4 +
					       skb_shinfo(skb)->gso_size);
	if (seg_len > res.mtu && !skb_is_gso(skb) &&
	    (p->pmtudisc == IPV6_PMTUDISC_DO || p->pmtudisc == IPV6_PMTUDISC_PROBE)) {
		/* The sender asked not to fragment (IPV6_DONTFRAG's and
		 * IPV6_PMTUDISC_DO's EMSGSIZE). */
		SNMP_INC_STATS(stack, IPSTATS6_MIB_FRAGFAILS);
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	skb_reset_transport_header(skb);
	if (fill_csum &&
	    (res.dev == stack->loopback ||
	     (netif_csum_ok(res.dev) &&
	      (p->nexthdr == IPPROTO_TCP_ || p->nexthdr == IPPROTO_UDP_))) &&
	    seg_len <= res.mtu) {
		/* lo offloads checksums and trusts them on receipt, and a
		 * TAP or TUN with checksum offload has the kernel fill in
		 * TCP's and UDP's (ICMPv6's are computed here, as Linux
		 * computes them), as for IPv4 (ip_output.c). */
		skb->ip_summed = CHECKSUM_PARTIAL;
	} else if (fill_csum && !skb_is_gso(skb)) {
		/* a checksum in software reads the payload: lent memory is
		 * gathered first (skbuff.h) */
		if (skb_linearize(skb)) {
			kfree_skb(skb);
			return -ENOBUFS;
		}
		fill_csum(skb, &ip.saddr, &p->daddr);
	}
	idev = __in6_dev_get(res.dev);
	ip.tclass = p->tclass;
	ip.flow_label = p->flowlabel;
	ip.payload_len = (uint16_t)skb->len;
	ip.nexthdr = p->nexthdr;
	if (p->hop_limit >= 0)
		ip.hop_limit = (uint8_t)p->hop_limit;
	else if (res.type == RTN_MULTICAST)
		ip.hop_limit = IPV6_DEFAULT_MCASTHOPS;
	else
		ip.hop_limit =
			(uint8_t)(idev ? idev->cnf.hop_limit : stack->ipv6->devconf_dflt.hop_limit);
	ip.daddr = p->daddr;
	wire_ipv6_emit(skb_push(skb, IPV6_HLEN), &ip);
	skb_reset_network_header(skb);
	if (seg_len > res.mtu && !skb_is_gso(skb))
		return ip6_fragment(stack, skb, &res);
	return ip6_finish_output(res.dev, &res.nexthop, skb);
}

int ip6_send_skb(struct ut_stack *stack, struct sk_buff *skb, const struct ip6_out_params *p,
		 void (*fill_csum)(struct sk_buff *skb, const struct in6_addr *saddr,
				   const struct in6_addr *daddr))
{
	int err = ip6_xmit(stack, skb, p, fill_csum);

	/* A datagram's sender sees a device's drop as ENOBUFS, as from
	 * IPv4's ip_send_skb. */
	return err > 0 ? net_xmit_errno(err) : err;
}
