/* IPv4 routing (Linux's fib): a table of prefixes searched by longest
 * prefix match, with connected routes made when addresses are added and
 * local/broadcast recognition for received packets. */
#ifndef USERTCP_NET_ROUTE_H
#define USERTCP_NET_ROUTE_H

#include <arpa/inet.h>
#include <stdint.h>

#include "usertcp/addr.h"
#include "usertcp/stack.h"

struct ut_stack;
struct net_device;

/* Route types (Linux's RTN_*). */
#define RTN_UNICAST 1
#define RTN_LOCAL 2
#define RTN_BROADCAST 3
#define RTN_MULTICAST 5

struct fib_route {
	uint32_t dst; /* network order, already masked */
	uint32_t mask;
	uint8_t prefix_len;
	uint8_t kernel;	  /* made by an address (proto kernel) */
	uint32_t gateway; /* 0: on-link */
	uint32_t prefsrc;
	struct net_device *dev;
};

struct fib_result {
	struct net_device *dev;
	uint32_t nexthop; /* gateway, or the destination when on-link */
	uint32_t prefsrc;
	uint8_t type; /* RTN_* */
	uint8_t prefix_len;
};

/* Entries of the caches below, direct-mapped by address. */
#define FIB_CACHE_SIZE 4

struct fib_table {
	struct fib_route *routes; /* sorted by prefix_len, longest first */
	unsigned n, cap;
	/* Every packet sent asks ip_route_output, and every one received
	 * asks inet_addr_type twice, the same questions about the same few
	 * addresses. Their answers are kept here while genid stays what it
	 * was when they were taken; whatever can change an answer (a route,
	 * an address, a device coming or going) moves genid on
	 * (fib_cache_flush), as Linux's rt_cache_flush moves rt_genid,
	 * which the routes cached in sockets (sk_dst_cache) and in the old
	 * routing cache were checked against. genid is never 0, so an
	 * entry still zeroed never matches. */
	uint32_t genid;
	struct {
		uint32_t daddr, genid;
		int oif; /* the device asked for (0: any) */
		struct fib_result res;
	} out_cache[FIB_CACHE_SIZE];
	struct {
		uint32_t addr, genid;
		uint8_t type;
	} type_cache[FIB_CACHE_SIZE];
};

void fib_table_init(struct fib_table *tbl);
/* Makes the stack's table and has it flushed of a device's routes when
 * the device goes away (Linux's ip_fib_init). 0 or -errno. */
int ip_fib_init(struct ut_stack *stack);
/* IPv4's share of the public address and route calls (struct
 * rtnl_af_ops, registered by af_inet.c): devinet.c's addresses and
 * route.c's routes. */
int inet_rtm_newaddr(struct ut_stack *stack, struct net_device *dev, struct ut_ip addr,
		     unsigned prefix_len);
int inet_rtm_deladdr(struct ut_stack *stack, struct net_device *dev, struct ut_ip addr,
		     unsigned prefix_len);
int inet_rtm_newroute(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len,
		      struct ut_ip gateway, struct net_device *dev);
int inet_rtm_delroute(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len);
int inet_rtm_getroute(struct ut_stack *stack, struct ut_ip dst, struct ut_route_info *out);
void fib_table_destroy(struct fib_table *tbl);
int fib_route_insert(struct ut_stack *stack, const struct fib_route *r);
int fib_route_remove(struct ut_stack *stack, uint32_t dst, uint8_t prefix_len,
		     const struct net_device *dev_or_null);
/* Drops every route through dev. */
void fib_flush_dev(struct ut_stack *stack, const struct net_device *dev);
/* Forgets every answer cached by ip_route_output and
 * inet_addr_type_cached: routes, addresses or devices changed. */
void fib_cache_flush(struct ut_stack *stack);

/* Classifies daddr for this host: RTN_LOCAL (one of ours, 127/8 included),
 * RTN_BROADCAST (limited or a directed broadcast of ours), RTN_MULTICAST,
 * or RTN_UNICAST (someone else's). */
uint8_t inet_addr_type(const struct ut_stack *stack, uint32_t addr);
/* The same answer, from the stack's cache when it holds it (the receive
 * path asks it twice per packet). */
uint8_t inet_addr_type_cached(struct ut_stack *stack, uint32_t addr);
/* The route for a packet this host sends to daddr: local destinations go
 * through the loopback device. 0 or -ENETUNREACH. */
int ip_route_output(struct ut_stack *stack, uint32_t daddr, struct fib_result *res);
/* The same, out through device oif when oif is not 0 (a socket bound to
 * a device, a multicast interface): -ENODEV when there is no such
 * device. */
/* An IPv4 route's MTU through dev: the device's, within the largest
 * IPv4 datagram (Linux's ipv4_mtu caps it at IP_MAX_MTU, 65535, so lo's
 * 65536 reads 65535). */
uint32_t ip_dev_mtu(const struct net_device *dev);
int ip_route_output_oif(struct ut_stack *stack, uint32_t daddr, int oif, struct fib_result *res);
/* The source address to use toward daddr through dev: the route's prefsrc,
 * else the first address of dev in the same prefix, else dev's first. */
uint32_t inet_select_addr(const struct net_device *dev, uint32_t daddr);

static inline uint32_t inet_make_mask(unsigned prefix_len)
{
	uint32_t host = prefix_len ? ~0u << (32 - prefix_len) : 0;
	return htonl(host);
}

#endif
