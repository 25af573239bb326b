/* Neighbour Discovery for IPv6 (RFC 4861; Linux's net/ipv6/ndisc.c,
 * include/net/ndisc.h): the ND neighbour table on the shared cache
 * (src/core/neighbour.c), and the messages it sends and receives. */
#ifndef USERTCP_NET_NDISC_H
#define USERTCP_NET_NDISC_H

#include <stdint.h>

#include "net/ipv6.h"

/* Makes the stack's ND table (NEIGH_ND_TABLE) with ndisc's neigh_ops and
 * net.ipv6.neigh.default.*, and the flush of a device's entries when it
 * goes away (Linux's ndisc_init). 0 or -errno. */
int ndisc_init(struct ut_stack *stack);
void ndisc_cleanup(struct ut_stack *stack);

/* An ND message (types 133-137) that icmpv6_rcv validated the checksum
 * of: skb->data at the ICMPv6 header, network header at the IPv6
 * header. Checks the hop limit is 255 and code 0 (RFC 4861 6.1, 7.1),
 * then handles it. Consumes skb. As in Linux, icmpv6_rcv has already
 * counted Icmp6InMsgs and the type's Icmp6In* counter; an invalid ND
 * message is dropped without counting more (not Icmp6InErrors: Linux's
 * ndisc_rcv only logs it). A reassembled one is dropped (RFC 6980). */
void ndisc_rcv(struct sk_buff *skb);

/* Sends a Neighbour Solicitation for target out of dev to daddr (the
 * solicited-node group, or the neighbour for unicast probes), from saddr
 * (:: for DAD: no source link-layer option then, RFC 4862 5.4.2); nonce
 * non-zero adds the nonce option (RFC 7527). */
void ndisc_send_ns(struct net_device *dev, const struct in6_addr *target,
		   const struct in6_addr *daddr, const struct in6_addr *saddr, uint64_t nonce);
/* Sends a Router Solicitation out of dev to all-routers (ff02::2), from
 * saddr (:: when no link-local address has passed DAD: then without the
 * source link-layer option, RFC 4861 4.1). */
void ndisc_send_rs(struct net_device *dev, const struct in6_addr *saddr,
		   const struct in6_addr *daddr);
/* Sends an unsolicited Neighbour Advertisement for one of dev's addresses
 * to all-nodes (ndisc_notify, RFC 4861 7.2.6). */
void ndisc_send_unsol_na(struct net_device *dev, const struct in6_addr *addr);

#endif
