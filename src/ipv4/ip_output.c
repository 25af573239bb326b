/* IPv4 transmit (Linux's net/ipv4/ip_output.c): route, choose the source,
 * build the header in the headroom, fragment what the MTU cannot carry,
 * and hand the result to the neighbour layer. */
#include <errno.h>
#include <string.h>

#include "net/stack.h"

uint16_t ip_select_ident(struct ut_stack *stack, uint32_t saddr, uint32_t daddr, uint8_t protocol)
{
	uint64_t h = prandom_mix(((uint64_t)daddr << 32 | saddr) ^ ((uint64_t)protocol << 56) ^
				 stack->ip_idents_key);
	return (uint16_t)stack->ip_idents[h % IP_IDENTS_SZ]++;
}

/* Sends one complete IP packet (data at its header) toward res. */
static int ip_finish_output(struct ut_stack *stack, struct sk_buff *skb,
			    const struct fib_result *res)
{
	struct net_device *dev = res->dev;

	skb->dev = dev;
	skb->protocol = ETH_P_IP;
	SNMP_ADD_STATS(stack, IPSTATS_MIB_OUTOCTETS, skb->len);
	if (dev->type == UT_DEV_RAWIP)
		return dev_queue_xmit(skb);
	if (res->type == RTN_BROADCAST) {
		static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTBCASTPKTS);
		eth_header(skb, bcast, dev->dev_addr, ETH_P_IP);
		return dev_queue_xmit(skb);
	}
	if (res->type == RTN_MULTICAST) {
		/* RFC 1112 6.4: a group's Ethernet address is 01:00:5e
		 * and the group's low 23 bits; nothing to resolve (Linux's
		 * ip_eth_mc_map in arp_mc_map). */
		uint32_t g = ntohl(res->nexthop);
		const uint8_t mc[ETH_ALEN] = {
			0x01,	   0x00, 0x5e, (uint8_t)((g >> 16) & 0x7f), (uint8_t)(g >> 8),
			(uint8_t)g};
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTMCASTPKTS);
		eth_header(skb, mc, dev->dev_addr, ETH_P_IP);
		return dev_queue_xmit(skb);
	}
	return neigh_output(&stack->arp_tbl, dev, &res->nexthop, skb);
}

/* RFC 791 fragmentation (Linux's ip_do_fragment, slow path): each fragment
 * carries a copy of the header and a multiple of 8 payload bytes, the
 * last one with MF clear. Options are not sent by this stack, so none
 * need copying. */
static int ip_fragment(struct ut_stack *stack, struct sk_buff *skb, const struct fib_result *res)
{
	const uint8_t *iph = skb->data;
	uint32_t hlen = (uint32_t)(iph[0] & 0xf) * 4;
	uint32_t left = skb->len - hlen, offset = 0;
	uint32_t chunk = ((res->dev->mtu - hlen) & ~7u);
	uint16_t base_off = get_be16(iph + 6);
	int err = 0;

	while (left > 0) {
		uint32_t len = left > chunk ? chunk : left;
		struct sk_buff *frag = stack_alloc_skb(stack, hlen + len);
		uint8_t *h;
		uint16_t fo;

		if (!frag) {
			SNMP_INC_STATS(stack, IPSTATS_MIB_FRAGFAILS);
			err = -ENOBUFS;
			break;
		}
		h = skb_put(frag, hlen + len);
		memcpy(h, iph, hlen);
		memcpy(h + hlen, iph + hlen + offset, len);
		fo = (uint16_t)(((base_off & IP_OFFMASK) + offset / 8) | (base_off & IP_MF) |
				(left > len ? IP_MF : 0));
		put_be16(h + 2, (uint16_t)(hlen + len));
		put_be16(h + 6, fo);
		ip_send_check(h, hlen);
		skb_reset_network_header(frag);
		SNMP_INC_STATS(stack, IPSTATS_MIB_FRAGCREATES);
		err = ip_finish_output(stack, frag, res);
		if (err)
			break;
		offset += len;
		left -= len;
	}
	if (!err)
		SNMP_INC_STATS(stack, IPSTATS_MIB_FRAGOKS);
	kfree_skb(skb);
	return err;
}

int ip_queue_xmit(struct ut_stack *stack, struct sk_buff *skb, const struct ip_out_params *p,
		  void (*fill_csum)(struct sk_buff *skb, uint32_t saddr, uint32_t daddr))
{
	struct fib_result res;
	struct wire_ipv4 ip;
	uint32_t tot_len, seg_len;
	int err;

	err = ip_route_output_oif(stack, p->daddr, p->oif, &res);
	if (err) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTNOROUTES);
		kfree_skb(skb);
		return err;
	}
	tot_len = skb->len + IPV4_HLEN_MIN;
	if (tot_len > IP_MAXPACKET) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	/* Linux counts a request once it is routed and built: a datagram
	 * refused for want of a route is OutNoRoutes only. */
	SNMP_INC_STATS(stack, IPSTATS_MIB_OUTREQUESTS);
	/* A GSO buffer leaves as segments: DF and the MTU concern each of
	 * them (Linux's ip_finish_output_gso). */
	seg_len = tot_len;
	if (skb_is_gso(skb))
		seg_len = MIN(tot_len, IPV4_HLEN_MIN + (uint32_t)(skb->data[12] >> 4) * 4 +
					       skb_shinfo(skb)->gso_size);
	memset(&ip, 0, sizeof(ip));
	ip.tos = p->tos;
	ip.tot_len = (uint16_t)tot_len;
	ip.ttl = (uint8_t)(p->ttl > 0 ? p->ttl : stack->sysctl.ip_default_ttl);
	ip.protocol = p->protocol;
	ip.saddr = p->saddr ? p->saddr : res.prefsrc;
	ip.daddr = p->daddr;
	ip.frag_off = p->pmtudisc == IP_PMTUDISC_DO ||
				      (p->pmtudisc == IP_PMTUDISC_WANT && seg_len <= res.dev->mtu)
			      ? IP_DF
			      : 0;
	ip.id = ip_select_ident(stack, ip.saddr, ip.daddr, ip.protocol);

	skb_reset_transport_header(skb);
	if (fill_csum &&
	    (res.dev == stack->loopback ||
	     (netif_csum_ok(res.dev) &&
	      (p->protocol == IPPROTO_TCP_ || p->protocol == IPPROTO_UDP_))) &&
	    seg_len <= res.dev->mtu) {
		/* Linux's lo offloads checksums (CHECKSUM_PARTIAL) and its
		 * receive side trusts them: the transport checksum is never
		 * computed for a packet that stays in the host. A pcap of lo
		 * shows them unfilled, as tcpdump on Linux's lo does. A TAP
		 * or TUN the kernel granted checksum offload has the kernel
		 * fill in TCP's and UDP's, the two Linux offloads to a NIC
		 * (the driver seeds the pseudo-header sum); a datagram to be
		 * fragmented needs its checksum before. */
		skb->ip_summed = CHECKSUM_PARTIAL;
	} else if (fill_csum && !skb_is_gso(skb)) {
		/* a checksum in software reads the payload: lent memory is
		 * gathered first (skbuff.h) */
		if (skb_linearize(skb)) {
			kfree_skb(skb);
			return -ENOBUFS;
		}
		fill_csum(skb, ip.saddr, ip.daddr);
	}
	/* (a GSO buffer's checksums are computed per segment, by GSO) */
	wire_ipv4_emit(skb_push(skb, IPV4_HLEN_MIN), &ip);
	skb_reset_network_header(skb);

	return ip_output(stack, skb, &res);
}

int ip_send_skb(struct ut_stack *stack, struct sk_buff *skb, const struct ip_out_params *p,
		void (*fill_csum)(struct sk_buff *skb, uint32_t saddr, uint32_t daddr))
{
	int err = ip_queue_xmit(stack, skb, p, fill_csum);

	/* A datagram's sender sees a device's drop as ENOBUFS (Linux's
	 * ip_send_skb); only TCP reads the qdisc's answer itself. */
	return err > 0 ? net_xmit_errno(err) : err;
}

int ip_output(struct ut_stack *stack, struct sk_buff *skb, const struct fib_result *res)
{
	if (skb->len > res->dev->mtu && !skb_is_gso(skb)) {
		if (get_be16(skb->data + 6) & IP_DF) {
			/* Linux's ip_fragment with DF: EMSGSIZE to a local
			 * sender (forwarding answers FRAG_NEEDED before). */
			SNMP_INC_STATS(stack, IPSTATS_MIB_FRAGFAILS);
			kfree_skb(skb);
			return -EMSGSIZE;
		}
		return ip_fragment(stack, skb, res);
	}
	return ip_finish_output(stack, skb, res);
}
