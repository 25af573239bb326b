/* The API boundary's addresses: the public calls take struct ut_ip
 * (usertcp/addr.h) for both families, while the stack inside is IPv4 and
 * works on network-order uint32_t. The other direction is ut_ip_v4(). */
#ifndef USERTCP_NET_ADDR_H
#define USERTCP_NET_ADDR_H

#include <errno.h>
#include <stdint.h>

#include "usertcp/addr.h"

/* The IPv4 address in a, network order, in *addr. -EAFNOSUPPORT for any
 * other family, IPv6 included, until the stack speaks it. */
static inline int inet_addr_from_ut(struct ut_ip a, uint32_t *addr)
{
	if (a.family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = a.u.v4.s_addr;
	return 0;
}

/* The address bytes of a, as a neighbour table of its family keys them. */
static inline const void *ut_ip_key(const struct ut_ip *a)
{
	return a->family == AF_INET6 ? (const void *)&a->u.v6 : (const void *)&a->u.v4;
}

#endif
