/* IPv6 address configuration, as Linux's net/ipv6/addrconf.c behaves:
 * each device's IPv6 state (made when the device registers, started when
 * it comes up with disable_ipv6 0), its addresses with duplicate address
 * detection (RFC 4862 5.4, RFC 7527 nonces) and lifetimes, stateless
 * autoconfiguration from router advertisements (RFC 4862 5.5), router
 * solicitation (RFC 4861 6.3.7 with RFC 7559's backoff), source address
 * selection (RFC 6724) and net.ipv6.conf.{all,default,<device>}.*.
 *
 * Memory: one inet6_dev per device and one inet6_ifaddr per address,
 * each with its own timers; nothing is allocated per packet. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/fault.h"
#include "net/ip6_route.h"
#include "net/ndisc.h"
#include "net/stack.h"

static const struct in6_addr any_addr;
static const struct in6_addr all_routers = {{{0xff, 0x02, [15] = 0x02}}};

static struct inet6_ifaddr *ipv6_add_addr(struct inet6_dev *idev, const struct in6_addr *addr,
					  unsigned plen, uint32_t flags, uint32_t valid,
					  uint32_t prefered, bool prefix_route);
static void ipv6_del_addr(struct inet6_ifaddr *ifp);
static void addrconf_dad_start(struct inet6_ifaddr *ifp);
static void addrconf_dev_up(struct inet6_dev *idev);
static void addrconf_ifdown(struct net_device *dev, bool unregister);
static void addrconf_lft_check(struct inet6_dev *idev);

static struct ut_stack *idev_stack(const struct inet6_dev *idev)
{
	return idev->dev->stack;
}

/* The stack's loopback device. lo registers while the stack is being
 * made, before stack->loopback is set: the first device is lo. */
static bool addrconf_is_loopback(const struct net_device *dev)
{
	return dev == dev->stack->loopback || !dev->stack->loopback;
}

/* rtnetlink's scope of an address (ip -6 addr's "scope"). */
static uint8_t addrconf_scope(const struct in6_addr *addr)
{
	unsigned type = ipv6_addr_type(addr);

	if (type & IPV6_ADDR_LOOPBACK)
		return IFA_HOST;
	if (type & IPV6_ADDR_LINKLOCAL)
		return IFA_LINK;
	if (type & IPV6_ADDR_SITELOCAL)
		return IFA_SITE;
	return IFA_GLOBAL;
}

static uint64_t jiffies_of(const struct inet6_dev *idev)
{
	return stack_jiffies(idev_stack(idev));
}

/* The retransmission time DAD and ND use on idev: what a router
 * advertised (RFC 4861 6.3.4), else net.ipv6.neigh.default.retrans_time_ms;
 * never under 10 ms (Linux's HZ/100 floor). */
static uint64_t addrconf_retrans(const struct inet6_dev *idev)
{
	long ms = idev->nd_retrans_time_ms
			  ? (long)idev->nd_retrans_time_ms
			  : net_ipv6(idev_stack(idev))->sysctl.neigh.retrans_time_ms;

	return MAX(msecs_to_jiffies((uint64_t)MAX(ms, 0L)), (uint64_t)HZ / 100);
}

/* ---- lookups ------------------------------------------------------------*/

static struct inet6_ifaddr *idev_find(const struct inet6_dev *idev, const struct in6_addr *addr)
{
	for (struct inet6_ifaddr *ifp = idev->addr_list; ifp; ifp = ifp->next)
		if (ipv6_addr_equal(&ifp->addr, addr))
			return ifp;
	return NULL;
}

struct inet6_ifaddr *ipv6_get_ifaddr(struct ut_stack *stack, const struct in6_addr *addr,
				     const struct net_device *dev)
{
	if (dev)
		return dev->ip6_ptr ? idev_find(dev->ip6_ptr, addr) : NULL;
	for (struct net_device *d = stack->devs; d; d = d->next) {
		struct inet6_ifaddr *ifp = d->ip6_ptr ? idev_find(d->ip6_ptr, addr) : NULL;

		if (ifp)
			return ifp;
	}
	return NULL;
}

bool ipv6_chk_addr(struct ut_stack *stack, const struct in6_addr *addr,
		   const struct net_device *dev, bool with_tentative)
{
	struct inet6_ifaddr *ifp = ipv6_get_ifaddr(stack, addr, dev);

	if (!ifp)
		return false;
	/* A failed address stays tentative (IFA_F_DADFAILED with it). */
	return with_tentative || !(ifp->flags & IFA_F_TENTATIVE);
}

bool ipv6_chk_mcast_addr(const struct net_device *dev, const struct in6_addr *group)
{
	static const struct in6_addr all_nodes_ll = {{{0xff, 0x02, [15] = 0x01}}};
	static const struct in6_addr all_nodes_node = {{{0xff, 0x01, [15] = 0x01}}};
	static const struct in6_addr routers[3] = {
		{{{0xff, 0x01, [15] = 0x02}}},
		{{{0xff, 0x02, [15] = 0x02}}},
		{{{0xff, 0x05, [15] = 0x02}}},
	};
	const struct inet6_dev *idev = __in6_dev_get(dev);

	if (!idev || idev->cnf.disable_ipv6 || !ipv6_addr_is_multicast(group))
		return false;
	if (ipv6_addr_equal(group, &all_nodes_ll) || ipv6_addr_equal(group, &all_nodes_node))
		return true;
	/* A router joins the all-routers groups (RFC 4291 2.7.1). */
	if (idev->cnf.forwarding)
		for (unsigned i = 0; i < 3; i++)
			if (ipv6_addr_equal(group, &routers[i]))
				return true;
	/* RFC 4862 5.4.2: the solicited-node group of a tentative address
	 * is joined before its probes go out. */
	for (const struct inet6_ifaddr *ifp = idev->addr_list; ifp; ifp = ifp->next) {
		struct in6_addr snm;

		addrconf_addr_solict_mult(&ifp->addr, &snm);
		if (ipv6_addr_equal(group, &snm))
			return true;
	}
	return false;
}

int ipv6_get_lladdr(const struct net_device *dev, struct in6_addr *addr, uint32_t banned_flags)
{
	const struct inet6_dev *idev = __in6_dev_get(dev);

	if (!idev)
		return -EADDRNOTAVAIL;
	for (const struct inet6_ifaddr *ifp = idev->addr_list; ifp; ifp = ifp->next) {
		if (ifp->scope == IFA_LINK && !(ifp->flags & banned_flags) &&
		    !(ifp->flags & IFA_F_DADFAILED)) {
			*addr = ifp->addr;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

/* ---- source address selection (RFC 6724 5) --------------------------------*/

/* Bits two addresses share from the start. */
static unsigned ipv6_common_prefix(const struct in6_addr *a, const struct in6_addr *b)
{
	for (unsigned i = 0; i < 16; i++) {
		uint8_t x = a->s6_addr[i] ^ b->s6_addr[i];

		if (x) {
			unsigned n = i * 8;

			while (!(x & 0x80)) {
				x <<= 1;
				n++;
			}
			return n;
		}
	}
	return 128;
}

struct saddr_ctx {
	const struct in6_addr *daddr;
	unsigned dscope;
	const struct net_device *dev;
};

/* Whether candidate a beats b under the rules a host applies (RFC 6724
 * 5: 1 same address, 2 appropriate scope, 3 avoid deprecated, 5 the
 * outgoing interface, 8 longest matching prefix), as Linux's
 * ipv6_get_saddr_eval in that order. */
static bool saddr_better(const struct saddr_ctx *c, const struct inet6_ifaddr *a,
			 const struct inet6_ifaddr *b)
{
	unsigned sa = IPV6_ADDR_SCOPE(ipv6_addr_type(&a->addr));
	unsigned sb = IPV6_ADDR_SCOPE(ipv6_addr_type(&b->addr));
	bool da, db, oa, ob;
	unsigned pa, pb;

	if (ipv6_addr_equal(&a->addr, c->daddr) != ipv6_addr_equal(&b->addr, c->daddr))
		return ipv6_addr_equal(&a->addr, c->daddr);
	if (sa != sb) {
		if (sa < sb)
			return sa >= c->dscope;
		return sb < c->dscope;
	}
	da = a->flags & IFA_F_DEPRECATED;
	db = b->flags & IFA_F_DEPRECATED;
	if (da != db)
		return !da;
	oa = c->dev && a->idev->dev == c->dev;
	ob = c->dev && b->idev->dev == c->dev;
	if (oa != ob)
		return oa;
	pa = MIN(ipv6_common_prefix(&a->addr, c->daddr), (unsigned)a->prefix_len);
	pb = MIN(ipv6_common_prefix(&b->addr, c->daddr), (unsigned)b->prefix_len);
	return pa > pb;
}

static const struct inet6_ifaddr *
saddr_scan(const struct saddr_ctx *c, const struct inet6_dev *idev, const struct inet6_ifaddr *best)
{
	if (!idev || idev->cnf.disable_ipv6)
		return best;
	for (const struct inet6_ifaddr *ifp = idev->addr_list; ifp; ifp = ifp->next) {
		/* Tentative and failed addresses are not ours to send from
		 * (RFC 4862 5.4). */
		if (ifp->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			continue;
		if (!best || saddr_better(c, ifp, best))
			best = ifp;
	}
	return best;
}

int ipv6_dev_get_saddr(struct ut_stack *stack, const struct net_device *dev,
		       const struct in6_addr *daddr, struct in6_addr *saddr)
{
	unsigned dtype = ipv6_addr_type(daddr);
	struct saddr_ctx c = {.daddr = daddr, .dscope = IPV6_ADDR_SCOPE(dtype), .dev = dev};
	const struct inet6_ifaddr *best = NULL;

	/* A multicast or link-scoped destination is reached through dev
	 * only, so only its addresses qualify (Linux). */
	if (dev && ((dtype & IPV6_ADDR_MULTICAST) || c.dscope <= IPV6_ADDR_SCOPE_LINKLOCAL)) {
		best = saddr_scan(&c, __in6_dev_get(dev), NULL);
	} else {
		for (struct net_device *d = stack->devs; d; d = d->next)
			best = saddr_scan(&c, __in6_dev_get(d), best);
	}
	if (!best)
		return -EADDRNOTAVAIL;
	*saddr = best->addr;
	return 0;
}

/* ---- addresses ---------------------------------------------------------------*/

/* The prefix route an address brings (Linux's addrconf_prefix_route
 * from inet6_addr_add): proto kernel, metric 256. */
static void addrconf_prefix_route_add(struct inet6_ifaddr *ifp)
{
	struct fib6_route r = {
		.prefix_len = ifp->prefix_len,
		.protocol = RTPROT_KERNEL,
		.metric = IP6_RT_PRIO_ADDRCONF,
		.dev = ifp->idev->dev,
	};

	if (!ifp->prefix_route)
		return;
	ipv6_addr_prefix(&r.dst, &ifp->addr, ifp->prefix_len);
	ip6_route_add(idev_stack(ifp->idev), &r);
}

/* Removes ifp's prefix route unless another address on the device still
 * needs it (Linux's check_cleanup_prefix_route). */
static void addrconf_prefix_route_del(struct inet6_ifaddr *ifp)
{
	struct inet6_dev *idev = ifp->idev;
	struct in6_addr dst;

	if (!ifp->prefix_route)
		return;
	for (const struct inet6_ifaddr *o = idev->addr_list; o; o = o->next)
		if (o != ifp && o->prefix_route && o->prefix_len == ifp->prefix_len &&
		    ipv6_prefix_equal(&o->addr, &ifp->addr, ifp->prefix_len))
			return;
	ipv6_addr_prefix(&dst, &ifp->addr, ifp->prefix_len);
	ip6_route_del(idev_stack(idev), &dst, ifp->prefix_len, idev->dev, NULL);
}

static void addrconf_dad_timer(struct timer_list *t);

static struct inet6_ifaddr *ipv6_add_addr(struct inet6_dev *idev, const struct in6_addr *addr,
					  unsigned plen, uint32_t flags, uint32_t valid,
					  uint32_t prefered, bool prefix_route)
{
	struct inet6_ifaddr *ifp = ut_calloc(1, sizeof(*ifp));
	struct inet6_ifaddr **pp;

	if (!ifp)
		return NULL;
	ifp->idev = idev;
	ifp->addr = *addr;
	ifp->prefix_len = (uint8_t)plen;
	ifp->scope = addrconf_scope(addr);
	/* Every address starts tentative unless it is not to be probed
	 * (Linux's ipv6_add_addr); addrconf_dad_start clears it when DAD
	 * does not apply. */
	ifp->flags = flags | (flags & IFA_F_NODAD ? 0 : IFA_F_TENTATIVE);
	ifp->state = INET6_IFADDR_STATE_PREDAD;
	ifp->valid_lft = valid;
	ifp->prefered_lft = prefered;
	ifp->tstamp = jiffies_of(idev);
	ifp->prefix_route = prefix_route && !(flags & IFA_F_NOPREFIXROUTE) && plen < 128;
	timer_setup(&idev_stack(idev)->timers, &ifp->dad_timer, addrconf_dad_timer);
	for (pp = &idev->addr_list; *pp; pp = &(*pp)->next)
		;
	*pp = ifp;
	idev->n_addrs++;
	addrconf_prefix_route_add(ifp);
	addrconf_lft_check(idev);
	return ifp;
}

/* Unlinks and frees ifp with its timer and prefix route. */
static void ipv6_del_addr(struct inet6_ifaddr *ifp)
{
	struct inet6_dev *idev = ifp->idev;
	struct inet6_ifaddr **pp;

	for (pp = &idev->addr_list; *pp && *pp != ifp; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = ifp->next;
	idev->n_addrs--;
	ifp->state = INET6_IFADDR_STATE_DEAD;
	del_timer(&ifp->dad_timer);
	addrconf_prefix_route_del(ifp);
	free(ifp);
}

int inet6_addr_add(struct ut_stack *stack, struct net_device *dev, const struct in6_addr *addr,
		   unsigned plen, uint32_t flags, uint32_t valid, uint32_t prefered)
{
	struct inet6_dev *idev = __in6_dev_get(dev);
	struct inet6_ifaddr *ifp;

	(void)stack;
	if (plen > 128 || ipv6_addr_is_multicast(addr) || ipv6_addr_any(addr))
		return -EINVAL;
	/* Linux's inet6_addr_add: a zero valid lifetime, or a preferred
	 * one beyond it, is refused. */
	if (!valid || prefered > valid)
		return -EINVAL;
	if (!idev || idev->dead)
		return -ENODEV;
	/* Linux's ipv6_add_addr refuses a device with IPv6 disabled with
	 * EACCES (`ip -6 addr add` says "IPv6 is disabled on this
	 * device"). */
	if (idev->cnf.disable_ipv6)
		return -EACCES;
	if (idev_find(idev, addr))
		return -EEXIST;
	/* What the user may set; the state flags are the stack's. */
	flags &= IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE;
	if (valid == INFINITY_LIFE_TIME)
		flags |= IFA_F_PERMANENT;
	ifp = ipv6_add_addr(idev, addr, plen, flags, valid, prefered, true);
	if (!ifp)
		return -ENOMEM;
	addrconf_dad_start(ifp);
	return 0;
}

int inet6_addr_del(struct ut_stack *stack, struct net_device *dev, const struct in6_addr *addr,
		   unsigned plen)
{
	struct inet6_dev *idev = __in6_dev_get(dev);
	struct inet6_ifaddr *ifp;

	(void)stack;
	if (!idev)
		return -ENODEV;
	ifp = idev_find(idev, addr);
	if (!ifp || ifp->prefix_len != plen)
		return -EADDRNOTAVAIL;
	ipv6_del_addr(ifp);
	addrconf_lft_check(idev);
	return 0;
}

/* ---- lifetimes (RFC 4862 5.5.4) ---------------------------------------------*/

/* Deprecates the addresses whose preferred lifetime ended, removes those
 * whose valid lifetime ended, and arms the device's timer for the next
 * such moment (Linux's addrconf_verify, per device here). */
static void addrconf_lft_check(struct inet6_dev *idev)
{
	uint64_t now = jiffies_of(idev);
	uint64_t next = UINT64_MAX;
	struct inet6_ifaddr *ifp = idev->addr_list;

	while (ifp) {
		struct inet6_ifaddr *nx = ifp->next;
		uint64_t age = (now - ifp->tstamp) / HZ;

		/* Linux's addrconf_verify passes over a permanent address
		 * only when nothing about it can expire. */
		if ((ifp->flags & IFA_F_PERMANENT) && ifp->prefered_lft == INFINITY_LIFE_TIME) {
			ifp = nx;
			continue;
		}
		if (ifp->valid_lft != INFINITY_LIFE_TIME) {
			if (age >= ifp->valid_lft) {
				ipv6_del_addr(ifp);
				ifp = nx;
				continue;
			}
			next = MIN(next, ifp->tstamp + (uint64_t)ifp->valid_lft * HZ);
		}
		if (ifp->prefered_lft != INFINITY_LIFE_TIME) {
			if (age >= ifp->prefered_lft)
				ifp->flags |= IFA_F_DEPRECATED;
			else
				next = MIN(next, ifp->tstamp + (uint64_t)ifp->prefered_lft * HZ);
		}
		ifp = nx;
	}
	if (next == UINT64_MAX)
		del_timer(&idev->lft_timer);
	else
		mod_timer(&idev->lft_timer, next);
}

static void addrconf_lft_timer(struct timer_list *t)
{
	struct inet6_dev *idev = from_timer(idev, t, lft_timer);

	addrconf_lft_check(idev);
}

/* ---- router solicitation (RFC 4861 6.3.7, RFC 7559) -------------------------*/

/* RFC 7559 (RFC 3315 14's formula, as Linux's rfc3315_s14_backoff_*):
 * the first interval is irt * [0.9, 1.1]; each next one doubles it with
 * the same jitter, until it would pass mrt, then mrt * [0.9, 1.1]. */
static uint64_t rs_jitter(struct ut_stack *stack, uint64_t base, uint64_t lo_permille)
{
	return base * (lo_permille + prandom_below(&stack->rng, 201)) / 1000;
}

static bool addrconf_accept_ra(const struct inet6_dev *idev)
{
	return idev->cnf.forwarding ? idev->cnf.accept_ra == 2 : idev->cnf.accept_ra != 0;
}

static void addrconf_rs_timer(struct timer_list *t)
{
	struct inet6_dev *idev = from_timer(idev, t, rs_timer);
	struct ut_stack *stack = idev_stack(idev);
	struct in6_addr lladdr;
	uint64_t next;

	if (idev->dead || idev->cnf.forwarding || (idev->if_flags & IF_RA_RCVD))
		return;
	if (idev->cnf.rtr_solicits >= 0 && idev->rs_probes >= (uint64_t)idev->cnf.rtr_solicits)
		return; /* no router answered: Linux gives up quietly */
	if (ipv6_get_lladdr(idev->dev, &lladdr, IFA_F_TENTATIVE) < 0)
		return;
	idev->rs_probes++;
	ndisc_send_rs(idev->dev, &lladdr, &all_routers);
	next = rs_jitter(stack, idev->rs_interval, 1900);
	if (next > (uint64_t)idev->cnf.rtr_solicit_max_interval)
		next = rs_jitter(stack, (uint64_t)idev->cnf.rtr_solicit_max_interval, 900);
	idev->rs_interval = next;
	/* After the last one, Linux waits only rtr_solicit_delay. */
	if (idev->cnf.rtr_solicits >= 0 && idev->rs_probes == (uint64_t)idev->cnf.rtr_solicits)
		next = (uint64_t)idev->cnf.rtr_solicit_delay;
	mod_timer(&idev->rs_timer, jiffies_of(idev) + next);
}

/* The first solicitation goes out as soon as the link-local address
 * passed DAD: DAD's random delay already spread hosts out (Linux's
 * addrconf_dad_completed; RFC 4861 6.3.7 allows skipping the delay
 * then). */
static void addrconf_rs_start(struct inet6_dev *idev, const struct inet6_ifaddr *ifp)
{
	struct ut_stack *stack = idev_stack(idev);

	if (ifp->scope != IFA_LINK || addrconf_is_loopback(idev->dev) ||
	    !addrconf_accept_ra(idev) || idev->cnf.rtr_solicits == 0 ||
	    (idev->if_flags & IF_RS_SENT))
		return;
	ndisc_send_rs(idev->dev, &ifp->addr, &all_routers);
	idev->rs_interval =
		rs_jitter(stack, (uint64_t)MAX(idev->cnf.rtr_solicit_interval, 0L), 900);
	idev->rs_probes = 1;
	idev->if_flags |= IF_RS_SENT;
	mod_timer(&idev->rs_timer, jiffies_of(idev) + idev->rs_interval);
}

void addrconf_ra_rcvd(struct net_device *dev)
{
	struct inet6_dev *idev = __in6_dev_get(dev);

	/* Linux notes an advertisement only once it has solicited one;
	 * the solicitations stop then. */
	if (!idev || !(idev->if_flags & IF_RS_SENT))
		return;
	idev->if_flags |= IF_RA_RCVD;
	del_timer(&idev->rs_timer);
}

/* ---- duplicate address detection (RFC 4862 5.4) ------------------------------*/

static void addrconf_dad_completed(struct inet6_ifaddr *ifp)
{
	struct inet6_dev *idev = ifp->idev;

	ifp->flags &= ~(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DADFAILED);
	ifp->state = INET6_IFADDR_STATE_POSTDAD;
	/* Linux announces the address (RFC 4861 7.2.6) when ndisc_notify
	 * is set for the device or for all. */
	if ((idev->cnf.ndisc_notify || net_ipv6(idev_stack(idev))->devconf_all.ndisc_notify) &&
	    idev->dev->type == UT_DEV_ETHER)
		ndisc_send_unsol_na(idev->dev, &ifp->addr);
	addrconf_rs_start(idev, ifp);
}

/* Each probe: a solicitation for the address from :: to its
 * solicited-node group, retrans_time apart; once dad_transmits went
 * unanswered for another retrans_time, the address is ours (Linux's
 * addrconf_dad_work). */
static void addrconf_dad_timer(struct timer_list *t)
{
	struct inet6_ifaddr *ifp = from_timer(ifp, t, dad_timer);
	struct inet6_dev *idev = ifp->idev;
	struct in6_addr mcaddr;

	if (ifp->state != INET6_IFADDR_STATE_DAD || idev->dead)
		return;
	if (ifp->dad_probes == 0) {
		addrconf_dad_completed(ifp);
		return;
	}
	ifp->dad_probes--;
	mod_timer(&ifp->dad_timer, jiffies_of(idev) + addrconf_retrans(idev));
	addrconf_addr_solict_mult(&ifp->addr, &mcaddr);
	ndisc_send_ns(idev->dev, &ifp->addr, &mcaddr, &any_addr, ifp->dad_nonce);
}

static void addrconf_dad_start(struct inet6_ifaddr *ifp)
{
	struct inet6_dev *idev = ifp->idev;
	struct ut_stack *stack = idev_stack(idev);
	const struct ipv6_devconf *all = &net_ipv6(stack)->devconf_all;
	struct net_device *dev = idev->dev;
	uint64_t delay;

	/* No probes on a link without neighbour discovery (lo, TUN: Linux's
	 * IFF_LOOPBACK and IFF_NOARP), when DAD is off both for all and the
	 * device, or for an address that asks for none. */
	if (dev->type != UT_DEV_ETHER || addrconf_is_loopback(dev) ||
	    (all->accept_dad < 1 && idev->cnf.accept_dad < 1) || !(ifp->flags & IFA_F_TENTATIVE) ||
	    (ifp->flags & IFA_F_NODAD)) {
		addrconf_dad_completed(ifp);
		return;
	}
	ifp->state = INET6_IFADDR_STATE_DAD;
	ifp->dad_probes = (uint32_t)MAX(idev->cnf.dad_transmits, 0L);
	ifp->dad_nonce = 0;
	/* RFC 7527: a random non-zero 48-bit nonce tells our own probe,
	 * looped back, from another node's. */
	if (all->enhanced_dad || idev->cnf.enhanced_dad)
		while (!ifp->dad_nonce)
			ifp->dad_nonce = prandom_u64(&stack->rng) >> 16;
	/* RFC 4862 5.4.2: the first probe after a random delay in
	 * [0, MAX_RTR_SOLICITATION_DELAY), rtr_solicit_delay as Linux. */
	delay = prandom_below(&stack->rng, (uint64_t)MAX(idev->cnf.rtr_solicit_delay, 1L));
	mod_timer(&ifp->dad_timer, jiffies_of(idev) + delay);
}

/* The address fe80::/64 + EUI-64 of dev's MAC, which Linux takes its
 * interface down for when it is a duplicate and accept_dad > 1 (RFC
 * 4862 5.4.5: the hardware address is likely duplicated too). */
static bool addrconf_is_eui64_lladdr(const struct inet6_dev *idev, const struct in6_addr *addr)
{
	struct in6_addr ll = {{{0xfe, 0x80}}};

	if (idev->dev->type != UT_DEV_ETHER)
		return false;
	addrconf_ifid_eui48(&ll, idev->dev->dev_addr);
	return ipv6_addr_equal(&ll, addr);
}

void addrconf_dad_failure(struct sk_buff *skb, struct inet6_ifaddr *ifp)
{
	struct inet6_dev *idev = ifp->idev;
	struct ut_stack *stack = idev_stack(idev);
	const struct ipv6_devconf *all = &net_ipv6(stack)->devconf_all;

	(void)skb;
	/* Only a probe in progress can fail (Linux's addrconf_dad_end). */
	if (ifp->state != INET6_IFADDR_STATE_DAD)
		return;
	del_timer(&ifp->dad_timer);
	ifp->state = INET6_IFADDR_STATE_ERRDAD;
	if ((all->accept_dad > 1 || idev->cnf.accept_dad > 1) && !idev->cnf.disable_ipv6 &&
	    addrconf_is_eui64_lladdr(idev, &ifp->addr)) {
		idev->cnf.disable_ipv6 = 1;
		addrconf_ifdown(idev->dev, false);
		return;
	}
	/* A configured (permanent) address stays, unusable, flagged
	 * dadfailed; an autoconfigured one goes (Linux's addrconf_dad_stop). */
	if (ifp->flags & IFA_F_PERMANENT) {
		ifp->flags |= IFA_F_TENTATIVE | IFA_F_DADFAILED;
		return;
	}
	ipv6_del_addr(ifp);
	addrconf_lft_check(idev);
}

/* ---- stateless autoconfiguration (RFC 4862 5.5.3) ----------------------------*/

/* The on-link prefix's route (RFC 4861 6.3.4): made or refreshed for the
 * valid lifetime, removed when it is 0 (Linux: proto ra, metric 256). */
static void addrconf_prefix_onlink(struct inet6_dev *idev, const struct wire_nd_prefix *p)
{
	struct ut_stack *stack = idev_stack(idev);
	struct fib6_route r = {
		.prefix_len = p->prefix_len,
		.protocol = RTPROT_RA,
		.flags = RTF_ADDRCONF | RTF_PREFIX_RT,
		.metric = IP6_RT_PRIO_ADDRCONF,
		.dev = idev->dev,
	};

	ipv6_addr_prefix(&r.dst, &p->prefix, p->prefix_len);
	/* An address's own prefix route is left alone: Linux's RA handling
	 * looks only for its own (RTF_ADDRCONF | RTF_PREFIX_RT) route, and
	 * adding one beside a permanent route of the same metric fails. */
	for (const struct inet6_ifaddr *o = idev->addr_list; o; o = o->next)
		if (o->prefix_route && o->prefix_len == p->prefix_len &&
		    ipv6_prefix_equal(&o->addr, &r.dst, p->prefix_len))
			return;
	if (!p->valid_lft) {
		ip6_route_del(stack, &r.dst, p->prefix_len, idev->dev, &any_addr);
		return;
	}
	if (p->valid_lft != INFINITY_LIFE_TIME) {
		r.flags |= RTF_EXPIRES;
		r.expires = jiffies_of(idev) + (uint64_t)p->valid_lft * HZ;
	}
	/* Made, or refreshed with the new expiry (ip6_route_add). */
	ip6_route_add(stack, &r);
}

static void addrconf_prefix_autoconf(struct inet6_dev *idev, const struct wire_nd_prefix *p)
{
	struct in6_addr addr;
	struct inet6_ifaddr *ifp;
	uint32_t valid = p->valid_lft, prefered = p->preferred_lft;

	/* An interface identifier of 64 bits (RFC 4291 2.5.1) from the
	 * Ethernet address: only a /64 makes an address (Linux logs "prefix
	 * with wrong length"). */
	if (p->prefix_len != 64 || idev->dev->type != UT_DEV_ETHER)
		return;
	memcpy(addr.s6_addr, p->prefix.s6_addr, 8);
	addrconf_ifid_eui48(&addr, idev->dev->dev_addr);
	ifp = idev_find(idev, &addr);
	if (!ifp) {
		if (!valid)
			return;
		/* max_addresses counts every address of the device, as
		 * Linux's ipv6_count_addresses; 0 is no limit. */
		if (idev->cnf.max_addresses > 0 &&
		    idev->n_addrs >= (unsigned)idev->cnf.max_addresses)
			return;
		/* The on-link route, not the address, covers the prefix
		 * (Linux adds none for an autoconfigured address). */
		ifp = ipv6_add_addr(idev, &addr, 64, IFA_F_MANAGETEMPADDR, valid, prefered, false);
		if (ifp)
			addrconf_dad_start(ifp);
		return;
	}
	if (ifp->flags & IFA_F_PERMANENT)
		return;
	{
		/* RFC 4862 5.5.3 e): a lifetime longer than two hours, or
		 * than what remains, is taken; a shorter one may only
		 * bring what remains down to two hours, so a forged RA
		 * cannot end the address at once. */
		uint64_t now = jiffies_of(idev);
		uint64_t elapsed = (now - ifp->tstamp) / HZ;
		uint32_t stored = ifp->valid_lft == INFINITY_LIFE_TIME ? INFINITY_LIFE_TIME
				  : ifp->valid_lft > elapsed ? (uint32_t)(ifp->valid_lft - elapsed)
							     : 0;

		if (stored)
			valid = MAX(valid, MIN(stored, (uint32_t)MIN_VALID_LIFETIME));
		if (prefered > valid)
			prefered = valid;
		ifp->valid_lft = valid;
		ifp->prefered_lft = prefered;
		ifp->tstamp = now;
		ifp->flags &= ~IFA_F_DEPRECATED;
		addrconf_lft_check(idev);
	}
}

void addrconf_prefix_rcv(struct net_device *dev, const struct wire_nd_prefix *pinfo)
{
	struct inet6_dev *idev = __in6_dev_get(dev);
	unsigned type = ipv6_addr_type(&pinfo->prefix);

	if (!idev || idev->dead || idev->cnf.disable_ipv6)
		return;
	/* RFC 4862 5.5.3 b), c): the link-local prefix is never taken from
	 * an advertisement, nor is a preferred lifetime beyond the valid
	 * one; Linux ignores multicast prefixes too. */
	if (type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL))
		return;
	if (pinfo->preferred_lft > pinfo->valid_lft)
		return;
	if (pinfo->prefix_len > 128)
		return;
	if (pinfo->onlink)
		addrconf_prefix_onlink(idev, pinfo);
	if (pinfo->autoconf && idev->cnf.autoconf)
		addrconf_prefix_autoconf(idev, pinfo);
}

/* ---- devices --------------------------------------------------------------------*/

/* An interface identifier for RANDOM mode: 64 random bits, drawn again
 * if they fall on a reserved identifier (RFC 5453: all zero, or the
 * subnet anycast range fdff:ffff:ffff:ff80-ffff). */
static void addrconf_ifid_random(struct ut_stack *stack, struct in6_addr *addr)
{
	static const uint8_t anycast[7] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint64_t id;

	do {
		id = prandom_u64(&stack->rng);
		for (int i = 0; i < 8; i++)
			addr->s6_addr[8 + i] = (uint8_t)(id >> (56 - 8 * i));
	} while (!id || (memcmp(addr->s6_addr + 8, anycast, 7) == 0 && addr->s6_addr[15] >= 0x80));
}

/* Starts IPv6 on a device that is up with disable_ipv6 0 (Linux's
 * addrconf_notify NETDEV_UP): ::1 on lo without DAD (init_loopback);
 * the link-local address, probed, on others (addrconf_addr_gen). */
static void addrconf_dev_up(struct inet6_dev *idev)
{
	struct net_device *dev = idev->dev;
	struct ut_stack *stack = dev->stack;
	struct in6_addr addr = {{{0xfe, 0x80}}};
	struct inet6_ifaddr *ifp;

	if (idev->dead || idev->cnf.disable_ipv6 || (idev->if_flags & IF_READY))
		return;
	idev->if_flags = IF_READY;
	idev->rs_probes = 0;
	if (addrconf_is_loopback(dev)) {
		static const struct in6_addr lo = {{{[15] = 1}}};

		ifp = ipv6_add_addr(idev, &lo, 128, IFA_F_PERMANENT | IFA_F_NODAD,
				    INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, false);
		if (ifp)
			addrconf_dad_start(ifp);
		return;
	}
	/* Linux gives a layer 3 device (ARPHRD_NONE: a TUN) in EUI-64 mode
	 * a random identifier instead, having no hardware address. */
	if (dev->type != UT_DEV_ETHER && idev->cnf.addr_gen_mode == IN6_ADDR_GEN_MODE_EUI64)
		idev->cnf.addr_gen_mode = IN6_ADDR_GEN_MODE_RANDOM;
	switch (idev->cnf.addr_gen_mode) {
	case IN6_ADDR_GEN_MODE_EUI64:
		addrconf_ifid_eui48(&addr, dev->dev_addr);
		break;
	case IN6_ADDR_GEN_MODE_RANDOM:
		addrconf_ifid_random(stack, &addr);
		break;
	default:
		return; /* NONE: no link-local address */
	}
	ifp = ipv6_add_addr(idev, &addr, 64, IFA_F_PERMANENT, INFINITY_LIFE_TIME,
			    INFINITY_LIFE_TIME, true);
	if (ifp)
		addrconf_dad_start(ifp);
}

/* Stops IPv6 on dev: its addresses, their routes and its neighbours go
 * (Linux's addrconf_ifdown); the inet6_dev itself only when the device
 * is going away. */
static void addrconf_ifdown(struct net_device *dev, bool unregister)
{
	struct inet6_dev *idev = __in6_dev_get(dev);
	struct ut_stack *stack = dev->stack;

	if (!idev)
		return;
	del_timer(&idev->rs_timer);
	while (idev->addr_list)
		ipv6_del_addr(idev->addr_list);
	del_timer(&idev->lft_timer);
	idev->if_flags = 0;
	idev->rs_probes = 0;
	ip6_route_flush_dev(stack, dev);
	if (net_ipv6(stack)->nd_tbl.hash)
		neigh_ifdown(&net_ipv6(stack)->nd_tbl, dev);
	if (unregister) {
		idev->dead = true;
		dev->ip6_ptr = NULL;
		free(idev);
	}
}

/* Makes dev's IPv6 state with the default settings (Linux's
 * ipv6_add_dev): none for a link that cannot carry IPv6's minimum MTU. */
static struct inet6_dev *ipv6_add_dev(struct net_device *dev)
{
	struct ut_stack *stack = dev->stack;
	struct inet6_dev *idev;

	if (dev->ip6_ptr)
		return dev->ip6_ptr;
	if (dev->mtu < IPV6_MIN_MTU)
		return NULL;
	idev = ut_calloc(1, sizeof(*idev));
	if (!idev)
		return NULL;
	idev->dev = dev;
	idev->cnf = net_ipv6(stack)->devconf_dflt;
	idev->cnf.mtu6 = dev->mtu;
	/* No DAD where there is no neighbour discovery: Linux marks lo and
	 * IFF_NOARP devices' accept_dad -1. */
	if (dev->type != UT_DEV_ETHER || addrconf_is_loopback(dev))
		idev->cnf.accept_dad = -1;
	/* While links start with IPv6 off (USERTCP_IPV6_DISABLED_BY_DEFAULT),
	 * lo starts with it on, as on Linux: ::1 answers at once and
	 * nothing new goes on any link. */
	if (addrconf_is_loopback(dev))
		idev->cnf.disable_ipv6 = 0;
	timer_setup(&stack->timers, &idev->rs_timer, addrconf_rs_timer);
	timer_setup(&stack->timers, &idev->lft_timer, addrconf_lft_timer);
	dev->ip6_ptr = idev;
	return idev;
}

static void addrconf_netdev_event(unsigned long event, struct net_device *dev)
{
	struct inet6_dev *idev = __in6_dev_get(dev);

	if (!net_ipv6(dev->stack))
		return;
	switch (event) {
	case NETDEV_REGISTER:
		ipv6_add_dev(dev);
		break;
	case NETDEV_UP:
		if (idev)
			addrconf_dev_up(idev);
		break;
	case NETDEV_CHANGEMTU:
		/* Below IPv6's minimum the device loses IPv6; back above
		 * it, it gets it again (Linux). */
		if (dev->mtu < IPV6_MIN_MTU) {
			addrconf_ifdown(dev, true);
		} else if (!idev) {
			idev = ipv6_add_dev(dev);
			if (idev)
				addrconf_dev_up(idev);
		} else {
			idev->cnf.mtu6 = dev->mtu;
		}
		break;
	case NETDEV_UNREGISTER:
		addrconf_ifdown(dev, true);
		break;
	default:
		break;
	}
}

/* ---- net.ipv6.conf.* ------------------------------------------------------------*/

/* disable_ipv6 on one device: 1 takes IPv6 down on it, 0 brings it up
 * (Linux's dev_disable_change). */
static void addrconf_disable_dev(struct inet6_dev *idev, long value)
{
	long old = idev->cnf.disable_ipv6;

	idev->cnf.disable_ipv6 = value;
	if (!old == !value)
		return;
	if (value)
		addrconf_ifdown(idev->dev, false);
	else
		addrconf_dev_up(idev);
}

/* forwarding on one device: a router sends no solicitations and listens
 * to all-routers (ipv6_chk_mcast_addr reads it); Linux's
 * dev_forward_change. */
static void addrconf_forward_dev(struct inet6_dev *idev, long value)
{
	idev->cnf.forwarding = value;
	if (value)
		del_timer(&idev->rs_timer);
}

/* How a value is shown: as kept, or kept in ms and shown in seconds
 * (Linux's proc_dointvec_jiffies for the router_solicitation_* times). */
enum conf_kind { CONF_INT, CONF_SECS };

struct conf_entry {
	const char *name;
	size_t off;
	long min, max;
	enum conf_kind kind;
	/* For the settings Linux acts on when written (disable_ipv6,
	 * forwarding): what a write does to a device. Writing one to all
	 * writes it to default and to every device as well. */
	void (*apply)(struct inet6_dev *idev, long value);
};

#define CONF(n, field, lo, hi, k)                                        \
	{                                                                \
		n, offsetof(struct ipv6_devconf, field), lo, hi, k, NULL \
	}
#define CONF_ACT(n, field, lo, hi, fn)                                        \
	{                                                                     \
		n, offsetof(struct ipv6_devconf, field), lo, hi, CONF_INT, fn \
	}
/* Linux's names and ranges (proc_dointvec
 * settings take any int; the router_solicitation_* times are seconds). */
static const struct conf_entry conf_table[] = {
	CONF_ACT("forwarding", forwarding, INT_MIN, INT_MAX, addrconf_forward_dev),
	CONF("hop_limit", hop_limit, 1, 255, CONF_INT),
	CONF("mtu", mtu6, IPV6_MIN_MTU, 65535, CONF_INT),
	CONF("accept_ra", accept_ra, INT_MIN, INT_MAX, CONF_INT),
	CONF("accept_redirects", accept_redirects, INT_MIN, INT_MAX, CONF_INT),
	CONF("autoconf", autoconf, INT_MIN, INT_MAX, CONF_INT),
	CONF("dad_transmits", dad_transmits, INT_MIN, INT_MAX, CONF_INT),
	CONF("router_solicitations", rtr_solicits, -1, INT_MAX, CONF_INT),
	CONF("router_solicitation_interval", rtr_solicit_interval, 0, INT_MAX / HZ, CONF_SECS),
	CONF("router_solicitation_max_interval", rtr_solicit_max_interval, 0, INT_MAX / HZ,
	     CONF_SECS),
	CONF("router_solicitation_delay", rtr_solicit_delay, 0, INT_MAX / HZ, CONF_SECS),
	CONF("max_addresses", max_addresses, INT_MIN, INT_MAX, CONF_INT),
	CONF("accept_ra_defrtr", accept_ra_defrtr, INT_MIN, INT_MAX, CONF_INT),
	CONF("accept_ra_pinfo", accept_ra_pinfo, INT_MIN, INT_MAX, CONF_INT),
	CONF("accept_ra_mtu", accept_ra_mtu, INT_MIN, INT_MAX, CONF_INT),
	CONF_ACT("disable_ipv6", disable_ipv6, 0, 1, addrconf_disable_dev),
	CONF("accept_dad", accept_dad, INT_MIN, INT_MAX, CONF_INT),
	CONF("ndisc_notify", ndisc_notify, INT_MIN, INT_MAX, CONF_INT),
	CONF("keep_addr_on_down", keep_addr_on_down, INT_MIN, INT_MAX, CONF_INT),
	CONF("addr_gen_mode", addr_gen_mode, IN6_ADDR_GEN_MODE_EUI64, IN6_ADDR_GEN_MODE_RANDOM,
	     CONF_INT),
	CONF("enhanced_dad", enhanced_dad, INT_MIN, INT_MAX, CONF_INT),
};
#undef CONF
#undef CONF_ACT

#define CONF_PREFIX "net.ipv6.conf."

static long *conf_slot(struct ipv6_devconf *cnf, const struct conf_entry *e)
{
	return (long *)(void *)((char *)cnf + e->off);
}

/* Splits "net.ipv6.conf.<dir>.<name>": the directory's settings (and
 * device, NULL for all and default) and the entry. -ENOENT otherwise. */
static int conf_lookup(const struct ut_stack *stack, const char *name, struct ipv6_devconf **cnf,
		       struct inet6_dev **idev, const struct conf_entry **entry)
{
	struct netns_ipv6 *ipv6 = net_ipv6(stack);
	const char *dir, *leaf;
	size_t dlen;

	if (!ipv6 || strncmp(name, CONF_PREFIX, strlen(CONF_PREFIX)) != 0)
		return -ENOENT;
	dir = name + strlen(CONF_PREFIX);
	leaf = strrchr(dir, '.');
	if (!leaf)
		return -ENOENT;
	dlen = (size_t)(leaf - dir);
	leaf++;
	*entry = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(conf_table); i++)
		if (strcmp(conf_table[i].name, leaf) == 0)
			*entry = &conf_table[i];
	if (!*entry)
		return -ENOENT;
	*idev = NULL;
	if (dlen == 3 && strncmp(dir, "all", 3) == 0) {
		*cnf = &ipv6->devconf_all;
		return 0;
	}
	if (dlen == 7 && strncmp(dir, "default", 7) == 0) {
		*cnf = &ipv6->devconf_dflt;
		return 0;
	}
	for (struct net_device *d = stack->devs; d; d = d->next) {
		if (d->ip6_ptr && strlen(d->name) == dlen && strncmp(d->name, dir, dlen) == 0) {
			*idev = d->ip6_ptr;
			*cnf = &(*idev)->cnf;
			return 0;
		}
	}
	return -ENOENT;
}

int addrconf_sysctl_get(const struct ut_stack *stack, const char *name, long *value)
{
	struct ipv6_devconf *cnf;
	struct inet6_dev *idev;
	const struct conf_entry *e;
	int err = conf_lookup(stack, name, &cnf, &idev, &e);

	if (err)
		return err;
	*value = *conf_slot(cnf, e);
	if (e->kind == CONF_SECS)
		*value /= 1000;
	return 0;
}

int addrconf_sysctl_set(struct ut_stack *stack, const char *name, long value)
{
	struct netns_ipv6 *ipv6 = net_ipv6(stack);
	struct ipv6_devconf *cnf;
	struct inet6_dev *idev;
	const struct conf_entry *e;
	int err = conf_lookup(stack, name, &cnf, &idev, &e);
	long *slot;

	if (err)
		return err;
	if (value < e->min || value > e->max)
		return -EINVAL;
	/* A device's MTU can be no more than the link's (Linux's
	 * addrconf_sysctl_mtu). */
	if (e->off == offsetof(struct ipv6_devconf, mtu6) && idev && value > (long)idev->dev->mtu)
		return -EINVAL;
	/* STABLE_PRIVACY needs a secret usertcp does not keep. */
	if (e->off == offsetof(struct ipv6_devconf, addr_gen_mode) &&
	    value == IN6_ADDR_GEN_MODE_STABLE_PRIVACY)
		return -EINVAL;
	if (e->kind == CONF_SECS)
		value *= 1000;
	if (e->apply && idev) {
		e->apply(idev, value);
		return 0;
	}
	slot = conf_slot(cnf, e);
	*slot = value;
	/* Linux's addrconf_disable_change and addrconf_fixup_forwarding. */
	if (e->apply && cnf == &ipv6->devconf_all) {
		*conf_slot(&ipv6->devconf_dflt, e) = value;
		for (struct net_device *d = stack->devs; d; d = d->next)
			if (d->ip6_ptr)
				e->apply(d->ip6_ptr, value);
	}
	return 0;
}

static void conf_foreach_dir(const char *dir, const struct ipv6_devconf *cnf,
			     void (*fn)(void *arg, const char *name, long value), void *arg)
{
	char name[sizeof(CONF_PREFIX) + IFNAMSIZ + 48];

	for (size_t i = 0; i < ARRAY_SIZE(conf_table); i++) {
		const struct conf_entry *e = &conf_table[i];
		long v = *conf_slot((struct ipv6_devconf *)(uintptr_t)cnf, e);

		snprintf(name, sizeof(name), CONF_PREFIX "%s.%s", dir, e->name);
		fn(arg, name, e->kind == CONF_SECS ? v / 1000 : v);
	}
}

void addrconf_sysctl_foreach(const struct ut_stack *stack,
			     void (*fn)(void *arg, const char *name, long value), void *arg)
{
	struct netns_ipv6 *ipv6 = net_ipv6(stack);

	if (!ipv6)
		return;
	conf_foreach_dir("all", &ipv6->devconf_all, fn, arg);
	conf_foreach_dir("default", &ipv6->devconf_dflt, fn, arg);
	for (struct net_device *d = stack->devs; d; d = d->next)
		if (d->ip6_ptr)
			conf_foreach_dir(d->name, &d->ip6_ptr->cnf, fn, arg);
}

/* ---- the stack's share ----------------------------------------------------------*/

/* Linux's defaults (ipv6_devconf and ipv6_devconf_dflt). */
static void addrconf_devconf_defaults(struct ipv6_devconf *c)
{
	*c = (struct ipv6_devconf){
		.forwarding = 0,
		.hop_limit = 64,
		.mtu6 = IPV6_MIN_MTU,
		.accept_ra = 1,
		.accept_ra_defrtr = 1,
		.accept_ra_pinfo = 1,
		.accept_ra_mtu = 1,
		.accept_redirects = 1,
		.autoconf = 1,
		.dad_transmits = 1,
		.accept_dad = 1,
		.enhanced_dad = 1,
		.rtr_solicits = -1,
		.rtr_solicit_interval = 4000,
		.rtr_solicit_max_interval = 3600000,
		.rtr_solicit_delay = 1000,
		.max_addresses = 16,
		.disable_ipv6 = USERTCP_IPV6_DISABLED_BY_DEFAULT,
		.addr_gen_mode = IN6_ADDR_GEN_MODE_EUI64,
		.ndisc_notify = 0,
		.keep_addr_on_down = 0,
	};
}

int addrconf_init(struct ut_stack *stack)
{
	struct netns_ipv6 *ipv6 = net_ipv6(stack);

	if (!ipv6)
		return -EINVAL;
	addrconf_devconf_defaults(&ipv6->devconf_all);
	addrconf_devconf_defaults(&ipv6->devconf_dflt);
	/* all's accept_dad is 0: the larger of all's and a device's
	 * applies, so the device's 1 decides (Linux's ipv6_devconf). */
	ipv6->devconf_all.accept_dad = 0;
	return register_netdevice_notifier(stack, addrconf_netdev_event);
}

void addrconf_cleanup(struct ut_stack *stack)
{
	/* Devices are freed before the families' exit, each taking its
	 * inet6_dev with it (NETDEV_UNREGISTER); any left are freed here
	 * without touching routes, whose table may be gone already. */
	for (struct net_device *d = stack->devs; d; d = d->next) {
		struct inet6_dev *idev = d->ip6_ptr;

		if (!idev)
			continue;
		while (idev->addr_list) {
			struct inet6_ifaddr *ifp = idev->addr_list;

			idev->addr_list = ifp->next;
			del_timer(&ifp->dad_timer);
			free(ifp);
		}
		del_timer(&idev->rs_timer);
		del_timer(&idev->lft_timer);
		d->ip6_ptr = NULL;
		free(idev);
	}
}
