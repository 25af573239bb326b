/* IPv6 routing (Linux's net/ipv6/route.c, ip6_fib.c): routes looked up
 * by longest prefix (then lowest metric), the routes addresses and
 * router advertisements make, and path MTUs learned from Packet Too Big
 * (RFC 8201), remembered per destination for ip6_rt_mtu_expires. */
#ifndef USERTCP_NET_IP6_ROUTE_H
#define USERTCP_NET_IP6_ROUTE_H

#include <stdint.h>

#include "net/ipv6.h"

/* Where a route came from (Linux's RTPROT_*). */
#define RTPROT_KERNEL 2 /* an address's prefix, fe80::/64 */
#define RTPROT_BOOT 3	/* added by the user (ut_route_add) */
#define RTPROT_RA 9	/* a router advertisement */

/* Route flags (Linux's RTF_*). */
#define RTF_GATEWAY 0x0002
#define RTF_ADDRCONF 0x40000
#define RTF_DEFAULT 0x10000
#define RTF_EXPIRES 0x400000
#define RTF_PREFIX_RT 0x80000

/* Linux's default metrics: a user route 1024, an address's prefix
 * route 256, a router advertisement's default route 1024. */
#define IP6_RT_PRIO_USER 1024
#define IP6_RT_PRIO_ADDRCONF 256

struct fib6_route {
	struct in6_addr dst; /* already masked to prefix_len */
	uint8_t prefix_len;
	uint8_t protocol; /* RTPROT_* */
	uint32_t flags;	  /* RTF_* */
	uint32_t metric;
	struct in6_addr gateway; /* ::: on-link */
	struct net_device *dev;
	uint64_t expires; /* jiffies; 0: never (RTF_EXPIRES clear) */
};

/* Makes the stack's table, and has it flushed of a device's routes when
 * the device goes away. 0 or -errno. */
int ip6_route_init(struct ut_stack *stack);
void ip6_route_cleanup(struct ut_stack *stack);

/* Adds a route. The same prefix, device, metric and gateway again: a
 * route with a lifetime takes r's lifetime (or none), 0; a permanent one
 * is -EEXIST. -EINVAL, -ENOMEM. */
int ip6_route_add(struct ut_stack *stack, const struct fib6_route *r);
/* Removes the route to dst/plen (through dev, unless NULL; with
 * gateway, unless NULL). 0 or -ESRCH. */
int ip6_route_del(struct ut_stack *stack, const struct in6_addr *dst, unsigned plen,
		  const struct net_device *dev, const struct in6_addr *gateway);
/* Drops every route through dev. */
void ip6_route_flush_dev(struct ut_stack *stack, const struct net_device *dev);

/* The route for a packet this host sends to daddr: one of our addresses
 * goes out of lo (RTN_LOCAL); a multicast or link-local destination needs
 * oif (its scope) and goes out of it; otherwise the longest matching
 * prefix, restricted to oif when given. 0 or -ENETUNREACH
 * (-EHOSTUNREACH... as Linux: -ENETUNREACH when nothing matches). */
int ip6_route_output(struct ut_stack *stack, const struct in6_addr *daddr, int oif,
		     struct rt6_result *res);

/* Learns from a Packet Too Big that the path to daddr carries mtu bytes
 * (never below IPV6_MIN_MTU, RFC 8201 4; never above what it was):
 * remembered for net.ipv6.route.mtu_expires. */
void rt6_pmtu_update(struct ut_stack *stack, const struct in6_addr *daddr, unsigned mtu);
/* The path MTU toward daddr through dev: learned, else dev's IPv6 MTU. */
unsigned rt6_path_mtu(struct ut_stack *stack, const struct in6_addr *daddr,
		      const struct net_device *dev);

#endif
