/* IPv6 routes (Linux's net/ipv6/route.c and ip6_fib.c, in the form a host
 * needs): one table kept longest prefix first and, within a prefix, lowest
 * metric first, so the first match is the route; and the path MTUs that
 * Packet Too Big messages teach, kept per destination (Linux's route
 * exceptions) in a fixed, set-associative cache so that learning one costs
 * no allocation and a flood of them evicts only the oldest. */
#include <errno.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/fault.h"
#include "net/ip6_route.h"
#include "net/stack.h"

/* Learned path MTUs: PMTU_SETS sets of PMTU_WAYS entries each, a set
 * chosen by a keyed hash of the destination (keyed so that a sender
 * cannot aim every destination at one set). */
#define PMTU_SETS 256
#define PMTU_WAYS 4

struct rt6_pmtu {
	struct in6_addr daddr;
	unsigned mtu;	  /* 0: empty */
	uint64_t expires; /* jiffies */
};

struct fib6_table {
	struct fib6_route *routes;
	unsigned n, cap;
	uint64_t pmtu_key;
	struct rt6_pmtu pmtu[PMTU_SETS][PMTU_WAYS];
};

static struct fib6_table *fib6(const struct ut_stack *stack)
{
	return stack->ipv6->fib6;
}

static bool fib6_expired(const struct ut_stack *stack, const struct fib6_route *r)
{
	return (r->flags & RTF_EXPIRES) && r->expires <= stack_jiffies(stack);
}

static void fib6_remove_at(struct fib6_table *t, unsigned i)
{
	memmove(&t->routes[i], &t->routes[i + 1], (t->n - i - 1) * sizeof(t->routes[0]));
	t->n--;
}

int ip6_route_add(struct ut_stack *stack, const struct fib6_route *r)
{
	struct fib6_table *t = fib6(stack);
	unsigned i;

	if (r->prefix_len > 128 || !r->dev)
		return -EINVAL;
	for (i = 0; i < t->n; i++) {
		struct fib6_route *o = &t->routes[i];

		/* Linux's fib6_add_rt2node: the same prefix, device,
		 * metric and gateway is the same route (two routers give
		 * two default routes). A route with a lifetime that comes
		 * again (a router advertisement repeating itself) takes the
		 * new lifetime, or none; a permanent one stays as it is. */
		if (o->prefix_len == r->prefix_len && ipv6_addr_equal(&o->dst, &r->dst) &&
		    o->dev == r->dev && o->metric == r->metric &&
		    ipv6_addr_equal(&o->gateway, &r->gateway)) {
			if (fib6_expired(stack, o)) {
				fib6_remove_at(t, i);
				break;
			}
			if (!(o->flags & RTF_EXPIRES))
				return -EEXIST;
			o->flags = (o->flags & ~RTF_EXPIRES) | (r->flags & RTF_EXPIRES);
			o->expires = r->expires;
			return 0;
		}
	}
	if (t->n == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 8;
		struct fib6_route *nr = ut_realloc(t->routes, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->routes = nr;
		t->cap = cap;
	}
	for (i = 0; i < t->n; i++) {
		const struct fib6_route *o = &t->routes[i];

		if (o->prefix_len < r->prefix_len ||
		    (o->prefix_len == r->prefix_len && o->metric > r->metric))
			break;
	}
	memmove(&t->routes[i + 1], &t->routes[i], (t->n - i) * sizeof(*r));
	t->routes[i] = *r;
	ipv6_addr_prefix(&t->routes[i].dst, &r->dst, r->prefix_len);
	t->n++;
	return 0;
}

int ip6_route_del(struct ut_stack *stack, const struct in6_addr *dst, unsigned plen,
		  const struct net_device *dev, const struct in6_addr *gateway)
{
	struct fib6_table *t = fib6(stack);

	for (unsigned i = 0; i < t->n; i++) {
		const struct fib6_route *r = &t->routes[i];

		if (r->prefix_len != plen || !ipv6_addr_equal(&r->dst, dst) ||
		    (dev && r->dev != dev) || (gateway && !ipv6_addr_equal(&r->gateway, gateway)))
			continue;
		fib6_remove_at(t, i);
		return 0;
	}
	return -ESRCH;
}

void ip6_route_flush_dev(struct ut_stack *stack, const struct net_device *dev)
{
	struct fib6_table *t = fib6(stack);

	for (unsigned i = t->n; i-- > 0;)
		if (t->routes[i].dev == dev)
			fib6_remove_at(t, i);
}

/* The best route to daddr, through oif's device when oif is not 0.
 * Expired routes are dropped as the walk meets them (Linux collects them
 * in its garbage collector; the effect on lookups is the same). */
static const struct fib6_route *fib6_lookup(struct ut_stack *stack, const struct in6_addr *daddr,
					    int oif)
{
	struct fib6_table *t = fib6(stack);

	for (unsigned i = 0; i < t->n;) {
		const struct fib6_route *r = &t->routes[i];

		if (fib6_expired(stack, r)) {
			fib6_remove_at(t, i);
			continue;
		}
		if ((!oif || r->dev->ifindex == oif) &&
		    ipv6_prefix_equal(daddr, &r->dst, r->prefix_len))
			return r;
		i++;
	}
	return NULL;
}

/* Whether IPv6 runs on dev (it has an inet6_dev with disable_ipv6 clear). */
static bool ip6_dev_up(const struct net_device *dev)
{
	const struct inet6_dev *idev = __in6_dev_get(dev);

	return idev && !idev->dead && !idev->cnf.disable_ipv6;
}

int ip6_route_output(struct ut_stack *stack, const struct in6_addr *daddr, int oif,
		     struct rt6_result *res)
{
	const struct fib6_route *r;
	struct net_device *dev;

	memset(res, 0, sizeof(*res));
	res->nexthop = *daddr;
	/* One of ours (::1 included, once lo has it): out of lo, as
	 * Linux's local table sends it (RTN_LOCAL). */
	if (ipv6_chk_addr(stack, daddr, NULL, false)) {
		if (!stack->loopback)
			return -ENETUNREACH;
		res->dev = stack->loopback;
		res->type = RTN_LOCAL;
		res->prefix_len = 128;
		res->mtu = rt6_path_mtu(stack, daddr, res->dev);
		return 0;
	}
	if (ipv6_addr_is_multicast(daddr)) {
		/* Linux keeps an ff00::/8 route on every IPv6 device; a
		 * group is reached through the one the caller names, else
		 * through the first device that runs IPv6 (lo aside). */
		if (oif) {
			dev = dev_get_by_index(stack, oif);
			if (!dev || !ip6_dev_up(dev))
				return -ENETUNREACH;
		} else {
			for (dev = stack->devs; dev; dev = dev->next)
				if (dev != stack->loopback && ip6_dev_up(dev))
					break;
			if (!dev)
				return -ENETUNREACH;
		}
		res->dev = dev;
		res->type = RTN_MULTICAST;
		res->prefix_len = 8;
		res->mtu = rt6_path_mtu(stack, daddr, dev);
		return 0;
	}
	r = fib6_lookup(stack, daddr, oif);
	if (!r) {
		/* A link-local destination through a device with IPv6 but
		 * no fe80::/64 route yet is still on that link (RFC 4291
		 * 2.5.6: never routed beyond it). */
		if (oif && ipv6_addr_is_linklocal(daddr) && (dev = dev_get_by_index(stack, oif)) &&
		    ip6_dev_up(dev)) {
			res->dev = dev;
			res->type = RTN_UNICAST;
			res->prefix_len = 64;
			res->mtu = rt6_path_mtu(stack, daddr, dev);
			return 0;
		}
		return -ENETUNREACH;
	}
	res->dev = r->dev;
	res->type = RTN_UNICAST;
	res->prefix_len = r->prefix_len;
	if (r->flags & RTF_GATEWAY)
		res->nexthop = r->gateway;
	res->mtu = rt6_path_mtu(stack, daddr, r->dev);
	return 0;
}

/* ---- path MTU (RFC 8201) ---------------------------------------------------*/

static struct rt6_pmtu *pmtu_set(struct ut_stack *stack, const struct in6_addr *daddr)
{
	struct fib6_table *t = fib6(stack);
	uint64_t h = t->pmtu_key;
	uint64_t w[2];

	memcpy(w, daddr, sizeof(w));
	h = prandom_mix(h ^ w[0]);
	h = prandom_mix(h ^ w[1]);
	return t->pmtu[h % PMTU_SETS];
}

static struct rt6_pmtu *pmtu_find(struct ut_stack *stack, const struct in6_addr *daddr)
{
	struct rt6_pmtu *set = pmtu_set(stack, daddr);

	for (int i = 0; i < PMTU_WAYS; i++) {
		if (!set[i].mtu || !ipv6_addr_equal(&set[i].daddr, daddr))
			continue;
		/* RFC 8201 4: a learned PMTU is aged out so that a path
		 * that grows again is found (Linux: mtu_expires, 600 s). */
		if (set[i].expires <= stack_jiffies(stack)) {
			set[i].mtu = 0;
			return NULL;
		}
		return &set[i];
	}
	return NULL;
}

void rt6_pmtu_update(struct ut_stack *stack, const struct in6_addr *daddr, unsigned mtu)
{
	uint64_t expires =
		stack_jiffies(stack) +
		msecs_to_jiffies((uint64_t)stack->ipv6->sysctl.ip6_rt_mtu_expires * 1000);
	struct rt6_pmtu *e = pmtu_find(stack, daddr), *set;
	struct rt6_result res;

	/* RFC 8201 4: a node never sets a PMTU below the IPv6 minimum
	 * link MTU (the reported value may be lower: 1280 is used). */
	if (mtu < IPV6_MIN_MTU)
		mtu = IPV6_MIN_MTU;
	if (e) {
		/* A PTB reporting more than what we know is stale. */
		if (mtu < e->mtu) {
			e->mtu = mtu;
			e->expires = expires;
		}
		return;
	}
	/* Nothing to learn when the route's device already says less. */
	if (ip6_route_output(stack, daddr, 0, &res) == 0 && mtu >= res.mtu)
		return;
	set = pmtu_set(stack, daddr);
	e = &set[0];
	for (int i = 0; i < PMTU_WAYS; i++) {
		if (!set[i].mtu) {
			e = &set[i];
			break;
		}
		if (set[i].expires < e->expires)
			e = &set[i];
	}
	e->daddr = *daddr;
	e->mtu = mtu;
	e->expires = expires;
}

unsigned rt6_path_mtu(struct ut_stack *stack, const struct in6_addr *daddr,
		      const struct net_device *dev)
{
	const struct inet6_dev *idev = __in6_dev_get(dev);
	unsigned mtu = idev && idev->cnf.mtu6 > 0 ? (unsigned)idev->cnf.mtu6 : dev->mtu;
	const struct rt6_pmtu *e = pmtu_find(stack, daddr);

	return e && e->mtu < mtu ? e->mtu : mtu;
}

/* ---- the table's life -------------------------------------------------------*/

static void ip6_route_netdev_event(unsigned long event, struct net_device *dev)
{
	if (event == NETDEV_UNREGISTER && dev->stack->ipv6 && dev->stack->ipv6->fib6)
		ip6_route_flush_dev(dev->stack, dev);
}

int ip6_route_init(struct ut_stack *stack)
{
	struct fib6_table *t = ut_calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->pmtu_key = prandom_u64(&stack->rng);
	stack->ipv6->fib6 = t;
	return register_netdevice_notifier(stack, ip6_route_netdev_event);
}

void ip6_route_cleanup(struct ut_stack *stack)
{
	struct fib6_table *t = stack->ipv6 ? stack->ipv6->fib6 : NULL;

	if (!t)
		return;
	free(t->routes);
	free(t);
	stack->ipv6->fib6 = NULL;
}
