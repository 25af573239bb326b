/* Neighbour Discovery for IPv6 (RFC 4861), as Linux's net/ipv6/ndisc.c
 * behaves: the ND table on the shared neighbour cache (its solicitations,
 * its failure reports, its next hops), the messages a host receives
 * (neighbour solicitations and advertisements, router advertisements; a
 * host ignores router solicitations and, here, redirects), and the ones it
 * sends (NS, NA, RS). Duplicate address detection and autoconfiguration
 * live in addrconf.c; ndisc.c tells it what it hears.
 *
 * Counting follows Linux: icmpv6_rcv counts Icmp6InMsgs and the type's
 * Icmp6In* counter before it hands a message here, so an ND message
 * dropped as invalid moves those and nothing else (Linux's ndisc_rcv
 * only logs). What ndisc.c sends counts Ip6OutRequests (Linux counts it
 * on the ip6_output path these messages bypass), then Icmp6OutMsgs and
 * the type's Icmp6Out* counter once the device took the packet. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addrconf.h"
#include "net/ip6_route.h"
#include "net/ndisc.h"
#include "net/stack.h"
#include "net/stack_group.h"

/* ff02::1 (RFC 4291 2.7.1). */
static const struct in6_addr all_nodes = {{{0xff, 0x02, [15] = 0x01}}};

/* The longest message ndisc.c builds: an NS with a source link-layer
 * address option (8 bytes on Ethernet) and a nonce option (8 bytes). */
#define NDISC_MAX_SEND 64

/* Whether a is a solicited-node group, in ff02::1:ff00:0/104: where DAD
 * probes go (RFC 4291 2.7.1). */
static bool ipv6_addr_is_solict_mult(const struct in6_addr *a)
{
	static const uint8_t prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	return memcmp(a->s6_addr, prefix, sizeof(prefix)) == 0;
}

/* The link-layer address a device puts in its options: none on a layer 3
 * device (Linux's ndisc_opt_addr_space is 0 when dev->addr_len is). */
static bool ndisc_dev_has_lladdr(const struct net_device *dev)
{
	return dev->type == UT_DEV_ETHER;
}

/* The address in a link-layer option, if its length is what this device
 * uses (Linux's ndisc_opt_addr_data: Ethernet's 6 bytes take one 8-byte
 * unit, so the option data is exactly 6 bytes plus padding: 6). */
static const uint8_t *ndisc_opt_lladdr(const uint8_t *data, uint8_t len,
				       const struct net_device *dev)
{
	if (!data || !ndisc_dev_has_lladdr(dev))
		return NULL;
	return len == ETH_ALEN ? data : NULL;
}

static enum snmp_field ndisc_out_counter(uint8_t type)
{
	switch (type) {
	case NDISC_ROUTER_SOLICITATION:
		return ICMP6_MIB_OUTROUTERSOLICITS;
	case NDISC_NEIGHBOUR_SOLICITATION:
		return ICMP6_MIB_OUTNEIGHBORSOLICITS;
	default:
		return ICMP6_MIB_OUTNEIGHBORADVERTISEMENTS;
	}
}

/* Puts the IPv6 header (hop limit 255, RFC 4861 6.1, 7.1) in front of the
 * ND message in skb and sends it out of dev to daddr, which is on-link
 * (or a group: ip6_finish_output maps it to 33:33:xx). Consumes skb. */
static void ndisc_send_skb(struct net_device *dev, struct sk_buff *skb, uint8_t type,
			   const struct in6_addr *saddr, const struct in6_addr *daddr)
{
	struct ut_stack *stack = dev->stack;
	struct wire_ipv6 ip = {
		.payload_len = (uint16_t)skb->len,
		.nexthdr = NEXTHDR_ICMP,
		.hop_limit = 255,
		.saddr = *saddr,
		.daddr = *daddr,
	};
	int err;

	skb_reset_transport_header(skb);
	wire_ipv6_emit(skb_push(skb, IPV6_HLEN), &ip);
	skb_reset_network_header(skb);
	skb->dev = dev;
	skb->protocol = ETH_P_IPV6;
	SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTREQUESTS);
	err = ip6_finish_output(dev, daddr, skb);
	if (err >= 0 && net_xmit_eval(err) == 0) {
		SNMP_INC_STATS(stack, ndisc_out_counter(type));
		SNMP_INC_STATS(stack, ICMP6_MIB_OUTMSGS);
	}
}

/* Builds an ND message of type m->type whose options are already in
 * opts, and sends it. */
static void ndisc_build_and_send(struct net_device *dev, const struct wire_nd_msg *m,
				 const uint8_t *opts, size_t opts_len, const struct in6_addr *saddr,
				 const struct in6_addr *daddr)
{
	size_t body = wire_nd_msg_len(m->type);
	struct sk_buff *skb = stack_alloc_skb(dev->stack, (uint32_t)(IPV6_HLEN + body + opts_len));
	uint8_t *buf;

	if (!skb)
		return;
	buf = skb_put(skb, (uint32_t)(body + opts_len));
	memcpy(buf + body, opts, opts_len);
	wire_nd_emit(buf, m, opts_len, saddr, daddr);
	ndisc_send_skb(dev, skb, m->type, saddr, daddr);
}

/* The nonce option of RFC 3971 5.3.2 as RFC 7527 uses it: six bytes,
 * the smallest option. */
static size_t ndisc_opt_emit_nonce(uint8_t *buf, uint64_t nonce)
{
	buf[0] = ND_OPT_NONCE;
	buf[1] = 1;
	for (int i = 0; i < ND_OPT_NONCE_LEN; i++)
		buf[2 + i] = (uint8_t)(nonce >> (8 * (ND_OPT_NONCE_LEN - 1 - i)));
	return 8;
}

static uint64_t ndisc_opt_nonce(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < ND_OPT_NONCE_LEN; i++)
		v = v << 8 | p[i];
	return v;
}

void ndisc_send_ns(struct net_device *dev, const struct in6_addr *target,
		   const struct in6_addr *daddr, const struct in6_addr *saddr, uint64_t nonce)
{
	struct wire_nd_msg m = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = *target};
	uint8_t opts[NDISC_MAX_SEND];
	size_t olen = 0;

	/* RFC 4861 4.3: no source link-layer option from the unspecified
	 * address (DAD, RFC 4862 5.4.2). */
	if (!ipv6_addr_any(saddr) && ndisc_dev_has_lladdr(dev))
		olen += wire_nd_opt_emit_lladdr(opts, ND_OPT_SOURCE_LL_ADDR, dev->dev_addr,
						ETH_ALEN);
	if (nonce)
		olen += ndisc_opt_emit_nonce(opts + olen, nonce);
	ndisc_build_and_send(dev, &m, opts, olen, saddr, daddr);
}

void ndisc_send_rs(struct net_device *dev, const struct in6_addr *saddr,
		   const struct in6_addr *daddr)
{
	struct wire_nd_msg m = {.type = NDISC_ROUTER_SOLICITATION};
	uint8_t opts[NDISC_MAX_SEND];
	size_t olen = 0;

	/* RFC 4861 4.1: the source link-layer option only from a real
	 * source address. */
	if (!ipv6_addr_any(saddr) && ndisc_dev_has_lladdr(dev))
		olen += wire_nd_opt_emit_lladdr(opts, ND_OPT_SOURCE_LL_ADDR, dev->dev_addr,
						ETH_ALEN);
	ndisc_build_and_send(dev, &m, opts, olen, saddr, daddr);
}

/* An NA for our address target to daddr (Linux's ndisc_send_na). The
 * target link-layer option when asked for (the solicitation was
 * multicast, or the NA is unsolicited). The source is the target itself
 * (RFC 4861 7.2.4). */
static void ndisc_send_na(struct net_device *dev, const struct in6_addr *daddr,
			  const struct in6_addr *target, bool router, bool solicited, bool override,
			  bool inc_opt)
{
	struct wire_nd_msg m = {
		.type = NDISC_NEIGHBOUR_ADVERTISEMENT,
		.target = *target,
		.router = router,
		.solicited = solicited,
		.override = override,
	};
	uint8_t opts[NDISC_MAX_SEND];
	size_t olen = 0;

	if (inc_opt && ndisc_dev_has_lladdr(dev))
		olen += wire_nd_opt_emit_lladdr(opts, ND_OPT_TARGET_LL_ADDR, dev->dev_addr,
						ETH_ALEN);
	ndisc_build_and_send(dev, &m, opts, olen, target, daddr);
}

void ndisc_send_unsol_na(struct net_device *dev, const struct in6_addr *addr)
{
	struct inet6_dev *idev = __in6_dev_get(dev);
	struct inet6_ifaddr *ifp = ipv6_get_ifaddr(dev->stack, addr, dev);

	/* Only an address that has passed DAD is announced (Linux's
	 * ndisc_send_unsol_na skips tentative and failed ones). */
	if (!idev || !ifp || (ifp->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return;
	ndisc_send_na(dev, &all_nodes, addr, idev->cnf.forwarding != 0, false, true, true);
}

/* ---- the ND table's operations --------------------------------------------*/

/* A solicitation for n: from the source of the packet waiting for n when
 * that address is ours and usable (Linux's ndisc_solicit), else from the
 * device's link-local address; to n's solicited-node group, or unicast
 * to n itself when probing (dst_ha given). */
static void nd_solicit(struct neighbour *n, const uint8_t *dst_ha)
{
	struct net_device *dev = n->dev;
	struct ut_stack *stack = dev->stack;
	struct sk_buff *held = skb_peek(&n->arp_queue);
	struct in6_addr target, saddr, daddr;
	bool have_saddr = false;

	memcpy(&target, n->primary_key, sizeof(target));
	if (held && held->len >= IPV6_HLEN) {
		memcpy(&saddr, held->data + 8, sizeof(saddr));
		have_saddr = ipv6_chk_addr(stack, &saddr, dev, false);
	}
	/* Linux's ndisc_send_ns falls back on the link-local address that
	 * passed DAD and sends nothing without one. */
	if (!have_saddr && ipv6_get_lladdr(dev, &saddr, IFA_F_TENTATIVE | IFA_F_OPTIMISTIC) < 0)
		return;
	if (dst_ha)
		daddr = target;
	else
		addrconf_addr_solict_mult(&target, &daddr);
	ndisc_send_ns(dev, &target, &daddr, &saddr, 0);
}

/* A packet dropped because its next hop never answered: "address
 * unreachable" to its sender (RFC 4443 3.1 code 3; Linux's
 * ndisc_error_report through ip6_link_failure). */
static void nd_error_report(struct neighbour *n, struct sk_buff *skb)
{
	(void)n;
	icmp6_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

/* ut_neigh_resolve's route: the next hop of a unicast route out of an
 * Ethernet device; nothing to resolve for a local or multicast
 * destination or a layer 3 device. */
static int nd_nexthop(struct ut_stack *stack, const void *daddr, struct net_device **dev,
		      void *nexthop)
{
	struct rt6_result res;
	struct in6_addr dst;
	int err;

	memcpy(&dst, daddr, sizeof(dst));
	*dev = NULL;
	err = ip6_route_output(stack, &dst, 0, &res);
	if (err)
		return err;
	if (res.type != RTN_UNICAST || !res.dev || res.dev->type != UT_DEV_ETHER)
		return 0;
	*dev = res.dev;
	memcpy(nexthop, &res.nexthop, sizeof(res.nexthop));
	return 0;
}

static const struct neigh_ops nd_neigh_ops = {
	.family = AF_INET6,
	.key_len = sizeof(struct in6_addr),
	.protocol = ETH_P_IPV6,
	.stats = NDISC_STAT_LOOKUPS,
	.solicit = nd_solicit,
	.error_report = nd_error_report,
	.nexthop = nd_nexthop,
};

/* ---- receiving -------------------------------------------------------------*/

/* What ndisc_rcv read of one message, shared by the handlers. */
struct ndisc_in {
	struct sk_buff *skb;
	struct net_device *dev;
	struct ut_stack *stack;
	struct in6_addr saddr, daddr;
	struct wire_nd_msg msg;
	struct wire_nd_opts opts;
};

static struct neigh_table *nd_tbl(struct ut_stack *stack)
{
	return &net_ipv6(stack)->nd_tbl;
}

/* RFC 4861 7.2.3 and 7.1.1 (Linux's ndisc_recv_ns). */
static void ndisc_recv_ns(struct ndisc_in *in)
{
	struct net_device *dev = in->dev;
	struct ut_stack *stack = in->stack;
	bool dad = ipv6_addr_any(&in->saddr);
	bool inc = ipv6_addr_is_multicast(&in->daddr);
	const uint8_t *lladdr = NULL;
	struct inet6_ifaddr *ifp;
	struct inet6_dev *idev;
	uint64_t nonce = 0;

	if (ipv6_addr_is_multicast(&in->msg.target))
		return;
	/* 7.1.1: a DAD probe goes to a solicited-node group. */
	if (dad && !ipv6_addr_is_solict_mult(&in->daddr))
		return;
	if (in->opts.src_lladdr) {
		lladdr = ndisc_opt_lladdr(in->opts.src_lladdr, in->opts.src_lladdr_len, dev);
		/* A length this link does not use, or an option from the
		 * unspecified address (7.1.1), makes the NS invalid. */
		if (!lladdr || dad)
			return;
	}
	/* RFC 7527: the nonce is taken from the smallest form only, as
	 * Linux does; the option's length byte sits just before its data. */
	if (dad && in->opts.nonce && in->opts.nonce[-1] == 1)
		nonce = ndisc_opt_nonce(in->opts.nonce);

	ifp = ipv6_get_ifaddr(stack, &in->msg.target, dev);
	if (!ifp)
		return; /* no proxy or anycast answers here */
	idev = ifp->idev;
	if (ifp->flags & (IFA_F_TENTATIVE | IFA_F_OPTIMISTIC)) {
		if (!dad)
			return; /* RFC 4862 5.4.3: not yet ours to answer for */
		/* Our own probe come back (a looped link) is no duplicate
		 * (RFC 7527 4.2). */
		if (nonce && nonce == ifp->dad_nonce)
			return;
		if (!(ifp->flags & IFA_F_DADFAILED))
			addrconf_dad_failure(in->skb, ifp);
		return;
	}
	if (dad) {
		/* Someone probes for an address we hold: defend it to all
		 * nodes (RFC 4861 7.2.4), unsolicited, overriding. */
		ndisc_send_na(dev, &all_nodes, &in->msg.target, idev->cnf.forwarding != 0, false,
			      true, true);
		return;
	}
	SNMP_INC_STATS(stack, inc ? NDISC_STAT_RCV_PROBES_MCAST : NDISC_STAT_RCV_PROBES_UCAST);
	/* The solicitor's address is a hint, not a proof: STALE (7.2.3).
	 * A multicast NS without it teaches nothing; a unicast one makes an
	 * entry to resolve the answer's destination, as Linux's. */
	if (lladdr)
		neigh_update(nd_tbl(stack), dev, &in->saddr, lladdr, NUD_STALE, true);
	/* Linux sets the override flag and the target option only in
	 * answer to a multicast solicitation (7.2.4 lets a unicast answer
	 * omit the option). */
	ndisc_send_na(dev, &in->saddr, &in->msg.target, idev->cnf.forwarding != 0, true, inc, inc);
}

/* RFC 4861 7.2.5 and 7.1.2 (Linux's ndisc_recv_na and the override
 * rules of its neigh_update). */
static void ndisc_recv_na(struct ndisc_in *in)
{
	struct net_device *dev = in->dev;
	struct ut_stack *stack = in->stack;
	struct neigh_table *tbl = nd_tbl(stack);
	const uint8_t *lladdr = NULL;
	struct inet6_ifaddr *ifp;
	struct neighbour *n;
	uint8_t ha[ETH_ALEN];
	bool changed;

	if (ipv6_addr_is_multicast(&in->msg.target))
		return;
	/* 7.1.2: a solicited NA is never sent to a group. */
	if (ipv6_addr_is_multicast(&in->daddr) && in->msg.solicited)
		return;
	if (in->opts.tgt_lladdr) {
		lladdr = ndisc_opt_lladdr(in->opts.tgt_lladdr, in->opts.tgt_lladdr_len, dev);
		if (!lladdr)
			return;
	}
	ifp = ipv6_get_ifaddr(stack, &in->msg.target, dev);
	if (ifp) {
		/* RFC 4862 5.4.4: someone holds the address we probe for.
		 * An NA for an address we already hold changes nothing. */
		if ((ifp->flags & IFA_F_TENTATIVE) && !(ifp->flags & IFA_F_DADFAILED))
			addrconf_dad_failure(in->skb, ifp);
		return;
	}
	n = neigh_lookup(tbl, dev, &in->msg.target);
	/* An NA makes no entry (Linux's accept_untracked_na 0), and a FAILED
	 * one waits for the next resolution. */
	if (!n || (n->nud_state & NUD_FAILED))
		return;
	if (!(n->nud_state & NUD_VALID)) {
		/* INCOMPLETE: only an NA naming the address resolves it. */
		if (lladdr)
			neigh_update(tbl, dev, &in->msg.target, lladdr,
				     in->msg.solicited ? NUD_REACHABLE : NUD_STALE, false);
		return;
	}
	if (n->nud_state & NUD_PERMANENT)
		return;
	memcpy(ha, lladdr ? lladdr : n->ha, ETH_ALEN);
	changed = memcmp(ha, n->ha, ETH_ALEN) != 0;
	if (changed && !in->msg.override) {
		/* Another address without the override flag: a REACHABLE
		 * entry becomes STALE, keeping its address; others are
		 * left alone. */
		if (n->nud_state & NUD_REACHABLE) {
			n->nud_state = NUD_STALE;
			del_timer(&n->timer);
		}
		return;
	}
	if (in->msg.solicited)
		neigh_update(tbl, dev, &in->msg.target, ha, NUD_REACHABLE, false);
	else if (changed)
		neigh_update(tbl, dev, &in->msg.target, ha, NUD_STALE, false);
}

/* RFC 4861 6.2.6: a host silently discards router solicitations; a
 * router learns the solicitor's address from them (Linux's
 * ndisc_recv_rs). */
static void ndisc_recv_rs(struct ndisc_in *in)
{
	struct inet6_dev *idev = __in6_dev_get(in->dev);
	const uint8_t *lladdr;

	if (!idev || !idev->cnf.forwarding || ipv6_addr_any(&in->saddr))
		return;
	lladdr = ndisc_opt_lladdr(in->opts.src_lladdr, in->opts.src_lladdr_len, in->dev);
	if (lladdr)
		neigh_update(nd_tbl(in->stack), in->dev, &in->saddr, lladdr, NUD_STALE, true);
}

/* accept_ra 1 takes advertisements on a host only, 2 on a router too
 * (Linux's ipv6_accept_ra). */
static bool ndisc_accept_ra(const struct inet6_dev *idev)
{
	return idev->cnf.forwarding ? idev->cnf.accept_ra == 2 : idev->cnf.accept_ra != 0;
}

/* The default route through the advertising router (RFC 4861 6.3.4):
 * made or refreshed for the router lifetime, removed when it is 0 (Linux's
 * rt6_add_dflt_router and the expiry it sets). */
static void ndisc_ra_defrtr(struct ndisc_in *in, struct inet6_dev *idev)
{
	struct ut_stack *stack = in->stack;
	static const struct in6_addr any;
	uint32_t lifetime = in->msg.router_lifetime;
	struct fib6_route r = {
		.prefix_len = 0,
		.protocol = RTPROT_RA,
		.flags = RTF_DEFAULT | RTF_GATEWAY | RTF_EXPIRES | RTF_ADDRCONF,
		.metric = IP6_RT_PRIO_USER,
		.gateway = in->saddr,
		.dev = in->dev,
	};

	/* An advertisement from one of our own addresses is not taken as
	 * a router (Linux's accept_ra_from_local 0). */
	if (ipv6_chk_addr(stack, &in->saddr, in->dev, false))
		return;
	if (lifetime) {
		/* Made, or refreshed with the new expiry (ip6_route_add). */
		r.expires = stack_jiffies(stack) + (uint64_t)lifetime * HZ;
		ip6_route_add(stack, &r);
	} else {
		ip6_route_del(stack, &any, 0, in->dev, &in->saddr);
	}
	/* Linux's accept_ra_min_hop_limit 1: any non-zero value is taken
	 * as the device's hop limit. */
	if (in->msg.cur_hop_limit) {
		idev->cnf.hop_limit = in->msg.cur_hop_limit;
		idev->ra_hop_limit = in->msg.cur_hop_limit;
	}
}

/* RFC 4861 6.3.4 and 6.1.2 (Linux's ndisc_router_discovery). */
static void ndisc_recv_ra(struct ndisc_in *in)
{
	struct net_device *dev = in->dev;
	struct inet6_dev *idev = __in6_dev_get(dev);
	const uint8_t *lladdr = NULL;

	/* 6.1.2: only a link-local source is a router on this link. */
	if (!ipv6_addr_is_linklocal(&in->saddr))
		return;
	if (!idev || idev->dead)
		return;
	if (in->opts.src_lladdr) {
		lladdr = ndisc_opt_lladdr(in->opts.src_lladdr, in->opts.src_lladdr_len, dev);
		if (!lladdr)
			return;
	}
	if (ndisc_accept_ra(idev)) {
		addrconf_ra_rcvd(dev);
		if (idev->cnf.accept_ra_defrtr)
			ndisc_ra_defrtr(in, idev);
		/* Linux keeps a time of 0 ("unspecified") from replacing a
		 * known one, and raises a tiny one to a floor: 10 ms for the
		 * retransmission timer, 100 ms for the reachable time. */
		if (in->msg.retrans_timer)
			idev->nd_retrans_time_ms = MAX(in->msg.retrans_timer, 10u);
		if (in->msg.reachable_time)
			idev->nd_reachable_time_ms = MAX(in->msg.reachable_time, 100u);
	}
	/* The router's address is learnt even when its advice is not
	 * taken (Linux processes the options after skip_linkparms). */
	if (lladdr)
		neigh_update(nd_tbl(in->stack), dev, &in->saddr, lladdr, NUD_STALE, true);
	if (!ndisc_accept_ra(idev))
		return;
	if (idev->cnf.accept_ra_pinfo && in->opts.num_prefixes) {
		struct wire_nd_prefix p;
		size_t off = 0;

		while (wire_nd_next_prefix(in->msg.opts, in->msg.opts_len, &off, &p)) {
			addrconf_prefix_rcv(dev, &p);
			/* A prefix may have taken the device down (a
			 * duplicate link-local with accept_dad 2). */
			if (__in6_dev_get(dev) != idev)
				return;
		}
	}
	/* 6.3.4: an MTU option below the minimum or above what the link
	 * carries is ignored. */
	if (in->opts.saw_mtu && idev->cnf.accept_ra_mtu && in->opts.mtu >= IPV6_MIN_MTU &&
	    in->opts.mtu <= dev->mtu) {
		idev->cnf.mtu6 = in->opts.mtu;
		idev->ra_mtu = in->opts.mtu;
	}
}

void ndisc_rcv(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct ndisc_in in = {.skb = skb, .dev = dev, .stack = dev->stack};
	const uint8_t *nh = skb_network_header(skb);
	struct wire_icmp6 icmp;

	if (!net_ipv6(in.stack) || !__in6_dev_get(dev))
		goto out;
	/* RFC 6980: ND messages are never fragmented; Linux's
	 * suppress_frag_ndisc (1) drops reassembled ones. */
	if (IP6CB(skb)->flags & IP6SKB_REASSEMBLED)
		goto out;
	/* RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2: a hop limit of 255 proves the
	 * message was not forwarded; code 0. */
	if (nh[7] != 255)
		goto out;
	if (wire_icmp6_parse(skb->data, skb->len, NULL, NULL, &icmp) != WIRE_OK || icmp.code != 0)
		goto out;
	if (wire_nd_parse(&icmp, &in.msg) != WIRE_OK)
		goto out;
	if (wire_nd_parse_options(in.msg.opts, in.msg.opts_len, &in.opts) != WIRE_OK)
		goto out;
	ipv6_hdr_saddr(skb, &in.saddr);
	ipv6_hdr_daddr(skb, &in.daddr);
	switch (in.msg.type) {
	case NDISC_NEIGHBOUR_SOLICITATION:
		ndisc_recv_ns(&in);
		break;
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		ndisc_recv_na(&in);
		/* As ARP's replies: every stack of a group learns it. */
		stack_group_share(skb, nh);
		break;
	case NDISC_ROUTER_SOLICITATION:
		ndisc_recv_rs(&in);
		break;
	case NDISC_ROUTER_ADVERTISEMENT:
		ndisc_recv_ra(&in);
		break;
	default:
		/* Redirects (8.3) are not followed yet: a host keeps its
		 * routes whatever accept_redirects says. */
		break;
	}
out:
	kfree_skb(skb);
}

/* A device going away takes its entries and what they hold with it
 * (Linux's ndisc_netdev_event, NETDEV_UNREGISTER). */
static void ndisc_netdev_event(unsigned long event, struct net_device *dev)
{
	struct netns_ipv6 *ipv6 = net_ipv6(dev->stack);

	if (event == NETDEV_UNREGISTER && ipv6)
		neigh_ifdown(&ipv6->nd_tbl, dev);
}

int ndisc_init(struct ut_stack *stack)
{
	struct netns_ipv6 *ipv6 = net_ipv6(stack);
	int err;

	if (!ipv6)
		return -EINVAL;
	err = neigh_table_init(stack, NEIGH_ND_TABLE, &ipv6->nd_tbl, &nd_neigh_ops,
			       &ipv6->sysctl.neigh);
	if (err)
		return err;
	return register_netdevice_notifier(stack, ndisc_netdev_event);
}

void ndisc_cleanup(struct ut_stack *stack)
{
	struct netns_ipv6 *ipv6 = net_ipv6(stack);

	if (ipv6)
		neigh_table_destroy(&ipv6->nd_tbl);
}
