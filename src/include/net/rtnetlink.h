/* What `ip addr` and `ip route` reach in each family (Linux's rtnetlink,
 * where RTM_NEWADDR, RTM_NEWROUTE and RTM_GETROUTE go to the handlers
 * each family registers with rtnl_register): the public ut_addr_* and
 * ut_route_* calls (src/core/rtnetlink.c) find the family of their
 * address here, so the core names neither IPv4 nor IPv6. */
#ifndef USERTCP_NET_RTNETLINK_H
#define USERTCP_NET_RTNETLINK_H

#include "usertcp/addr.h"
#include "usertcp/stack.h"

struct ut_stack;
struct net_device;

struct rtnl_af_ops {
	int family;
	/* The public calls' work for an address of this family (the
	 * family checked, dev not NULL), with their errors. */
	int (*newaddr)(struct ut_stack *stack, struct net_device *dev, struct ut_ip addr,
		       unsigned prefix_len);
	int (*deladdr)(struct ut_stack *stack, struct net_device *dev, struct ut_ip addr,
		       unsigned prefix_len);
	/* gateway is of this family or unspecified; dev may be NULL. */
	int (*newroute)(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len,
			struct ut_ip gateway, struct net_device *dev);
	int (*delroute)(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len);
	int (*getroute)(struct ut_stack *stack, struct ut_ip dst, struct ut_route_info *out);
};

/* Families with a table, at most. */
#define RTNL_AF_MAX 2

/* Registers ops with stack: 0, -EEXIST, -ENOSPC. Called when the stack
 * is made. */
int rtnl_af_register(struct ut_stack *stack, const struct rtnl_af_ops *ops);

#endif
