/* IPv4 addresses on devices (Linux's net/ipv4/devinet.c): adding one also
 * makes the connected route for its prefix, as `ip addr add` does. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/addr.h"
#include "net/stack.h"

int inet_rtm_newaddr(struct ut_stack *stack, struct net_device *dev, struct ut_ip ip,
		     unsigned prefix_len)
{
	struct in_ifaddr *ifa;
	struct fib_route r;
	uint32_t addr;
	int err;

	if ((err = inet_addr_from_ut(ip, &addr)) < 0)
		return err;
	if (prefix_len > 32 || addr == 0 || addr == 0xffffffffu)
		return -EINVAL;
	for (unsigned i = 0; i < dev->n_addrs; i++)
		if (dev->addrs[i].ifa_local == addr)
			return -EEXIST;
	if (dev->n_addrs == IN_DEV_MAX_ADDRS)
		return -ENOSPC;
	ifa = &dev->addrs[dev->n_addrs];
	ifa->ifa_local = addr;
	ifa->ifa_prefixlen = (uint8_t)prefix_len;
	ifa->ifa_mask = inet_make_mask(prefix_len);
	ifa->ifa_broadcast = prefix_len < 31 ? (addr | ~ifa->ifa_mask) : 0;

	/* The connected route (proto kernel scope link src addr). Another
	 * address in the same prefix on this device shares it. */
	memset(&r, 0, sizeof(r));
	r.dst = addr & ifa->ifa_mask;
	r.mask = ifa->ifa_mask;
	r.prefix_len = (uint8_t)prefix_len;
	r.kernel = 1;
	r.prefsrc = addr;
	r.dev = dev;
	if (dev != stack->loopback) {
		err = fib_route_insert(stack, &r);
		if (err && err != -EEXIST)
			return err;
	}
	dev->n_addrs++;
	fib_cache_flush(stack);
	return 0;
}

int inet_rtm_deladdr(struct ut_stack *stack, struct net_device *dev, struct ut_ip ip,
		     unsigned prefix_len)
{
	uint32_t addr;
	int err;

	if ((err = inet_addr_from_ut(ip, &addr)) < 0)
		return err;
	for (unsigned i = 0; i < dev->n_addrs; i++) {
		struct in_ifaddr *ifa = &dev->addrs[i];
		if (ifa->ifa_local != addr || ifa->ifa_prefixlen != prefix_len)
			continue;
		uint32_t prefix = addr & ifa->ifa_mask;
		memmove(ifa, ifa + 1, (dev->n_addrs - i - 1) * sizeof(*ifa));
		dev->n_addrs--;
		/* also for the prefsrc rewritten below, which no call flushes */
		fib_cache_flush(stack);
		/* Remove the connected route unless another address of the
		 * device still lives in that prefix; then the route must stop
		 * naming the deleted address as its source (Linux promotes
		 * the secondary address and re-adds its routes). */
		for (unsigned j = 0; j < dev->n_addrs; j++) {
			if (dev->addrs[j].ifa_prefixlen != prefix_len ||
			    (dev->addrs[j].ifa_local & dev->addrs[j].ifa_mask) != prefix)
				continue;
			for (unsigned k = 0; k < stack->fib.n; k++) {
				struct fib_route *r = &stack->fib.routes[k];
				if (r->dev == dev && r->dst == prefix &&
				    r->prefix_len == prefix_len && r->prefsrc == addr)
					r->prefsrc = dev->addrs[j].ifa_local;
			}
			return 0;
		}
		fib_route_remove(stack, prefix, (uint8_t)prefix_len, dev);
		/* The last address gone: Linux's fib_disable_ip flushes every
		 * route through the device, so nothing leaves it with source
		 * 0.0.0.0. */
		if (dev->n_addrs == 0)
			fib_flush_dev(stack, dev);
		return 0;
	}
	return -EADDRNOTAVAIL;
}
