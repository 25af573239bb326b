/* IPv4 routing: longest prefix match over a table kept sorted by prefix
 * length, so the first match is the longest. Lookup is O(routes); a host
 * has a handful (connected prefixes, a default route), which keeps a
 * linear scan of one cache-friendly array faster than Linux's LC-trie
 * would be at this size. */
#include <errno.h>
#include <string.h>

#include "net/addr.h"
#include "net/fault.h"
#include "net/stack.h"

void fib_table_init(struct fib_table *tbl)
{
	memset(tbl, 0, sizeof(*tbl));
	tbl->genid = 1;
}

void fib_cache_flush(struct ut_stack *stack)
{
	if (++stack->fib.genid == 0)
		stack->fib.genid = 1;
}

/* Routes through a device go with it (Linux's fib_netdev_event,
 * NETDEV_UNREGISTER). Whatever happens to a device, cached answers go
 * (Linux's fib_netdev_event flushes the route cache too): one may name
 * a device being freed. */
static void fib_netdev_event(unsigned long event, struct net_device *dev)
{
	if (event == NETDEV_UNREGISTER)
		fib_flush_dev(dev->stack, dev);
	fib_cache_flush(dev->stack);
}

int ip_fib_init(struct ut_stack *stack)
{
	fib_table_init(&stack->fib);
	return register_netdevice_notifier(stack, fib_netdev_event);
}

void fib_table_destroy(struct fib_table *tbl)
{
	free(tbl->routes);
	memset(tbl, 0, sizeof(*tbl));
}

int fib_route_insert(struct ut_stack *stack, const struct fib_route *r)
{
	struct fib_table *tbl = &stack->fib;
	unsigned i;

	for (i = 0; i < tbl->n; i++) {
		const struct fib_route *o = &tbl->routes[i];
		if (o->dst == r->dst && o->prefix_len == r->prefix_len &&
		    (o->dev == r->dev || !r->kernel))
			return -EEXIST;
	}
	if (tbl->n == tbl->cap) {
		unsigned cap = tbl->cap ? tbl->cap * 2 : 8;
		struct fib_route *nr = ut_realloc(tbl->routes, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		tbl->routes = nr;
		tbl->cap = cap;
	}
	/* Keep longest prefixes first; among equals, older routes first. */
	for (i = 0; i < tbl->n; i++)
		if (tbl->routes[i].prefix_len < r->prefix_len)
			break;
	memmove(&tbl->routes[i + 1], &tbl->routes[i], (tbl->n - i) * sizeof(*r));
	tbl->routes[i] = *r;
	tbl->n++;
	fib_cache_flush(stack);
	return 0;
}

int fib_route_remove(struct ut_stack *stack, uint32_t dst, uint8_t prefix_len,
		     const struct net_device *dev_or_null)
{
	struct fib_table *tbl = &stack->fib;
	for (unsigned i = 0; i < tbl->n; i++) {
		struct fib_route *r = &tbl->routes[i];
		if (r->dst == dst && r->prefix_len == prefix_len &&
		    (!dev_or_null || r->dev == dev_or_null)) {
			memmove(r, r + 1, (tbl->n - i - 1) * sizeof(*r));
			tbl->n--;
			fib_cache_flush(stack);
			return 0;
		}
	}
	return -ESRCH;
}

void fib_flush_dev(struct ut_stack *stack, const struct net_device *dev)
{
	struct fib_table *tbl = &stack->fib;
	unsigned j = 0;
	for (unsigned i = 0; i < tbl->n; i++)
		if (tbl->routes[i].dev != dev)
			tbl->routes[j++] = tbl->routes[i];
	tbl->n = j;
	fib_cache_flush(stack);
}

/* The longest-prefix route to daddr; with oif, only routes through that
 * device count (Linux's fib_lookup with flowi4_oif). */
static const struct fib_route *fib_lookup(const struct ut_stack *stack, uint32_t daddr, int oif)
{
	const struct fib_table *tbl = &stack->fib;
	for (unsigned i = 0; i < tbl->n; i++)
		if ((daddr & tbl->routes[i].mask) == tbl->routes[i].dst &&
		    (!oif || tbl->routes[i].dev->ifindex == oif))
			return &tbl->routes[i];
	return NULL;
}

uint8_t inet_addr_type(const struct ut_stack *stack, uint32_t addr)
{
	uint32_t h = ntohl(addr);

	if (addr == 0xffffffffu)
		return RTN_BROADCAST;
	if ((h >> 28) == 0xe)
		return RTN_MULTICAST;
	if ((h >> 24) == 127)
		return RTN_LOCAL;
	for (const struct net_device *dev = stack->devs; dev; dev = dev->next) {
		for (unsigned i = 0; i < dev->n_addrs; i++) {
			const struct in_ifaddr *ifa = &dev->addrs[i];
			if (ifa->ifa_local == addr)
				return RTN_LOCAL;
			if (ifa->ifa_prefixlen < 31 && ifa->ifa_broadcast == addr)
				return RTN_BROADCAST;
		}
	}
	return RTN_UNICAST;
}

uint32_t inet_select_addr(const struct net_device *dev, uint32_t daddr)
{
	for (unsigned i = 0; i < dev->n_addrs; i++)
		if ((dev->addrs[i].ifa_local & dev->addrs[i].ifa_mask) ==
		    (daddr & dev->addrs[i].ifa_mask))
			return dev->addrs[i].ifa_local;
	return dev->n_addrs ? dev->addrs[0].ifa_local : 0;
}

static inline unsigned fib_cache_slot(uint32_t addr)
{
	/* network order: the low bits of a host number are in the last byte */
	uint32_t h = ntohl(addr);
	return (h ^ (h >> 8) ^ (h >> 16)) % FIB_CACHE_SIZE;
}

uint8_t inet_addr_type_cached(struct ut_stack *stack, uint32_t addr)
{
	struct fib_table *tbl = &stack->fib;
	unsigned slot = fib_cache_slot(addr);

	if (tbl->type_cache[slot].genid == tbl->genid && tbl->type_cache[slot].addr == addr)
		return tbl->type_cache[slot].type;
	uint8_t type = inet_addr_type(stack, addr);
	tbl->type_cache[slot].addr = addr;
	tbl->type_cache[slot].genid = tbl->genid;
	tbl->type_cache[slot].type = type;
	return type;
}

static int ip_route_output_slow(struct ut_stack *stack, uint32_t daddr, int oif,
				struct fib_result *res)
{
	const struct fib_route *r;
	uint8_t type = inet_addr_type(stack, daddr);
	struct net_device *odev = NULL;

	if (oif && !(odev = dev_get_by_index(stack, oif)))
		return -ENODEV;

	memset(res, 0, sizeof(*res));
	if (type == RTN_LOCAL) {
		/* Our own address: out through lo, like Linux's local table. */
		if (!stack->loopback)
			return -ENETUNREACH;
		res->dev = stack->loopback;
		res->nexthop = daddr;
		res->prefsrc = daddr;
		res->type = RTN_LOCAL;
		res->prefix_len = 32;
		return 0;
	}
	/* Given a device (SO_BINDTODEVICE, IP_MULTICAST_IF), a multicast or
	 * limited broadcast leaves through it, and so does a destination
	 * with no route through it: Linux takes it to be on the link
	 * (ip_route_output_key_hash_rcu). */
	r = odev && (type == RTN_MULTICAST || daddr == 0xffffffffu) ? NULL
								    : fib_lookup(stack, daddr, oif);
	if (!r && odev) {
		res->dev = odev;
		res->nexthop = daddr;
		res->prefsrc = inet_select_addr(odev, daddr);
		res->type = type == RTN_BROADCAST || type == RTN_MULTICAST ? type : RTN_UNICAST;
		return 0;
	}
	if (!r) {
		/* The limited broadcast needs a route to pick a device. */
		return -ENETUNREACH;
	}
	res->dev = r->dev;
	res->nexthop = r->gateway ? r->gateway : daddr;
	res->prefsrc = r->prefsrc ? r->prefsrc : inet_select_addr(r->dev, res->nexthop);
	res->type = type == RTN_BROADCAST || type == RTN_MULTICAST ? type : RTN_UNICAST;
	res->prefix_len = r->prefix_len;
	return 0;
}

uint32_t ip_dev_mtu(const struct net_device *dev)
{
	return dev->mtu < 65535u ? dev->mtu : 65535u;
}

int ip_route_output_oif(struct ut_stack *stack, uint32_t daddr, int oif, struct fib_result *res)
{
	struct fib_table *tbl = &stack->fib;
	unsigned slot = fib_cache_slot(daddr);
	int err;

	/* the answer depends on the device asked for too (a socket bound
	 * to one asks on every packet it sends) */
	if (tbl->out_cache[slot].genid == tbl->genid && tbl->out_cache[slot].daddr == daddr &&
	    tbl->out_cache[slot].oif == oif) {
		*res = tbl->out_cache[slot].res;
		return 0;
	}
	err = ip_route_output_slow(stack, daddr, oif, res);
	if (!err) { /* a failure is not kept: it costs no more than asking */
		tbl->out_cache[slot].daddr = daddr;
		tbl->out_cache[slot].oif = oif;
		tbl->out_cache[slot].genid = tbl->genid;
		tbl->out_cache[slot].res = *res;
	}
	return err;
}

int ip_route_output(struct ut_stack *stack, uint32_t daddr, struct fib_result *res)
{
	return ip_route_output_oif(stack, daddr, 0, res);
}

/* ---- public route API (ip route) --------------------------------------*/

int inet_rtm_newroute(struct ut_stack *stack, struct ut_ip dst_ip, unsigned prefix_len,
		      struct ut_ip gw_ip, struct net_device *dev)
{
	uint32_t dst, gateway = 0;
	struct fib_route r;
	int err;

	if ((err = inet_addr_from_ut(dst_ip, &dst)) < 0)
		return err;
	/* No gateway, of whatever family, is an on-link route. */
	if (!ut_ip_is_any(gw_ip) && (err = inet_addr_from_ut(gw_ip, &gateway)) < 0)
		return err;
	if (prefix_len > 32)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.mask = inet_make_mask(prefix_len);
	if (dst & ~r.mask)
		return -EINVAL; /* as `ip route` says "Invalid prefix for given prefix length" */
	r.dst = dst;
	r.prefix_len = (uint8_t)prefix_len;
	r.gateway = gateway;
	if (gateway) {
		/* The gateway must be reachable on-link through a connected
		 * route (Linux: "Nexthop has invalid gateway", ENETUNREACH). */
		const struct fib_route *via = fib_lookup(stack, gateway, 0);
		if (!via || via->gateway || (dev && via->dev != dev))
			return -ENETUNREACH;
		dev = via->dev;
	}
	if (!dev)
		return -ENODEV;
	r.dev = dev;
	return fib_route_insert(stack, &r);
}

int inet_rtm_delroute(struct ut_stack *stack, struct ut_ip dst_ip, unsigned prefix_len)
{
	uint32_t dst;
	int err;

	if ((err = inet_addr_from_ut(dst_ip, &dst)) < 0)
		return err;
	if (prefix_len > 32)
		return -EINVAL;
	return fib_route_remove(stack, dst, (uint8_t)prefix_len, NULL);
}

int inet_rtm_getroute(struct ut_stack *stack, struct ut_ip dst_ip, struct ut_route_info *out)
{
	struct fib_result res;
	uint32_t daddr;
	int err;

	if ((err = inet_addr_from_ut(dst_ip, &daddr)) < 0)
		return err;
	err = ip_route_output(stack, daddr, &res);
	if (err)
		return err;
	out->dev = netdev_to_ut(res.dev);
	out->gateway = ut_ip_v4(res.nexthop == daddr ? 0 : res.nexthop);
	out->prefsrc = ut_ip_v4(res.prefsrc);
	out->prefix_len = res.prefix_len;
	out->local = res.type == RTN_LOCAL;
	return 0;
}
