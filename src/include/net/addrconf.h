/* IPv6 address configuration (Linux's net/ipv6/addrconf.c,
 * include/net/addrconf.h, include/net/if_inet6.h): each device's IPv6
 * state, its addresses with their DAD states and lifetimes, stateless
 * autoconfiguration (RFC 4862), router solicitation (RFC 4861 6.3.7),
 * source address selection (RFC 6724) and net.ipv6.conf.*. */
#ifndef USERTCP_NET_ADDRCONF_H
#define USERTCP_NET_ADDRCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "net/ipv6.h"
#include "net/netdevice.h"
#include "net/timer.h"

/* Address flags (Linux's IFA_F_*). */
#define IFA_F_SECONDARY 0x01
#define IFA_F_TEMPORARY IFA_F_SECONDARY
#define IFA_F_NODAD 0x02
#define IFA_F_OPTIMISTIC 0x04
#define IFA_F_DADFAILED 0x08
#define IFA_F_HOMEADDRESS 0x10
#define IFA_F_DEPRECATED 0x20
#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80
#define IFA_F_MANAGETEMPADDR 0x100
#define IFA_F_NOPREFIXROUTE 0x200

/* Where an address stands (Linux's enum INET6_IFADDR_STATE_*). */
enum inet6_ifaddr_state {
	INET6_IFADDR_STATE_PREDAD,  /* waiting for the device, or DAD's random delay */
	INET6_IFADDR_STATE_DAD,	    /* solicitations out, tentative */
	INET6_IFADDR_STATE_POSTDAD, /* unique: usable */
	INET6_IFADDR_STATE_ERRDAD,  /* a duplicate was found */
	INET6_IFADDR_STATE_DEAD,
};

#define INFINITY_LIFE_TIME 0xFFFFFFFFu

/* One IPv6 address on a device (Linux's struct inet6_ifaddr). */
struct inet6_ifaddr {
	struct inet6_ifaddr *next; /* the device's list, in the order added */
	struct inet6_dev *idev;
	struct in6_addr addr;
	uint8_t prefix_len;
	uint8_t scope;	/* IFA_HOST, IFA_LINK, IFA_GLOBAL (rtnetlink.h) */
	uint32_t flags; /* IFA_F_* */
	enum inet6_ifaddr_state state;
	uint32_t dad_probes;		  /* solicitations still to send */
	uint64_t dad_nonce;		  /* RFC 7527: our own solicitation looped back */
	uint32_t valid_lft, prefered_lft; /* s; INFINITY_LIFE_TIME: forever */
	uint64_t tstamp;		  /* jiffies the lifetimes were last set */
	/* It brought its prefix route (Linux's inet6_addr_add and the
	 * link-local's fe80::/64); an autoconfigured address relies on the
	 * advertisement's on-link route instead, as Linux's. */
	bool prefix_route;
	struct timer_list dad_timer;
};

/* Address scopes as rtnetlink reports them (ip -6 addr's "scope"). */
#define IFA_GLOBAL 0
#define IFA_SITE 200
#define IFA_LINK 253
#define IFA_HOST 254

/* A device's IPv6 state (Linux's struct inet6_dev), dev->ip6_ptr. */
struct inet6_dev {
	struct net_device *dev;
	struct inet6_ifaddr *addr_list;
	unsigned n_addrs;
	struct ipv6_devconf cnf;
	bool dead;
	uint32_t if_flags;    /* IF_RS_SENT, IF_RA_RCVD, IF_READY */
	uint32_t rs_probes;   /* router solicitations sent */
	uint64_t rs_interval; /* jiffies until the next, backing off */
	struct timer_list rs_timer;
	/* Runs when the next address lifetime on the device ends (preferred:
	 * deprecated; valid: removed), so the work is O(addresses) per
	 * event and nothing runs while no lifetime is finite. */
	struct timer_list lft_timer;
	/* From router advertisements (RFC 4861 6.3.4): 0 where none said. */
	uint32_t nd_reachable_time_ms, nd_retrans_time_ms;
	uint8_t ra_hop_limit;
	unsigned ra_mtu;
};
#define IF_RA_RCVD 0x20
#define IF_RS_SENT 0x10
#define IF_READY 0x80000000u /* IPv6 started on the device (addresses made) */

/* net.ipv6.conf.*.addr_gen_mode (Linux's IN6_ADDR_GEN_MODE_*): how the
 * link-local interface identifier is made. A layer 3 device (TUN) in
 * mode EUI64 gets RANDOM when it comes up, as Linux gives ARPHRD_NONE
 * devices. STABLE_PRIVACY needs a stable_secret, which usertcp does not
 * have: writing it is -EINVAL, as Linux answers without a secret. */
#define IN6_ADDR_GEN_MODE_EUI64 0
#define IN6_ADDR_GEN_MODE_NONE 1
#define IN6_ADDR_GEN_MODE_STABLE_PRIVACY 2
#define IN6_ADDR_GEN_MODE_RANDOM 3

/* RFC 4862 5.5.3 e): the valid lifetime an advertisement may shorten an
 * autoconfigured address to (Linux's MIN_VALID_LIFETIME). */
#define MIN_VALID_LIFETIME (2 * 3600)

static inline struct inet6_dev *__in6_dev_get(const struct net_device *dev)
{
	return dev->ip6_ptr;
}

/* usertcp's default for net.ipv6.conf.{all,default}.disable_ipv6 is 1
 * while issue 13 is under way; Linux's is 0. A device takes the default's
 * value when made (lo excepted: IPv6 is on there, as on Linux); writing 0 to a device's (or to all's, which writes
 * every device's) brings IPv6 up on it: the link-local address with DAD,
 * then router solicitation. Writing 1 takes it down again. */
#define USERTCP_IPV6_DISABLED_BY_DEFAULT 1

/* IPv6's part of bringing up the stack: net.ipv6.conf.* defaults, the
 * device notifier that makes and frees each device's inet6_dev, and the
 * sysctl names. 0 or -errno. */
int addrconf_init(struct ut_stack *stack);
void addrconf_cleanup(struct ut_stack *stack);

/* net.ipv6.conf.{all,default,<device>}.<name> (full names, as
 * ut_sysctl_get takes them): the table af_inet6.c registers hands these
 * names here. get/set: 0, -ENOENT (no such device or setting), -EINVAL
 * (out of range). Writing all.X writes default.X and every device's, as
 * Linux does for the settings it propagates (forwarding,
 * disable_ipv6). */
int addrconf_sysctl_get(const struct ut_stack *stack, const char *name, long *value);
int addrconf_sysctl_set(struct ut_stack *stack, const char *name, long value);
void addrconf_sysctl_foreach(const struct ut_stack *stack,
			     void (*fn)(void *arg, const char *name, long value), void *arg);

/* Adds addr/plen to dev (Linux's inet6_addr_add): the prefix route, DAD
 * unless IFA_F_NODAD or the device does not do it. valid and prefered in
 * s (INFINITY_LIFE_TIME: forever; an infinite valid lifetime makes the
 * address IFA_F_PERMANENT, which a failed DAD keeps, flagged, rather
 * than removes). 0, -EEXIST, -EINVAL (plen > 128, a multicast or
 * unspecified address, valid 0 or prefered > valid), -EACCES (IPv6
 * disabled on dev, as Linux's), -ENODEV (dev has no IPv6 state). max_addresses bounds autoconfigured addresses only,
 * as Linux's. */
int inet6_addr_add(struct ut_stack *stack, struct net_device *dev, const struct in6_addr *addr,
		   unsigned plen, uint32_t flags, uint32_t valid, uint32_t prefered);
/* -EADDRNOTAVAIL if dev has no such address. */
int inet6_addr_del(struct ut_stack *stack, struct net_device *dev, const struct in6_addr *addr,
		   unsigned plen);

/* Whether addr is one of ours (Linux's ipv6_chk_addr): on dev, or on any
 * device when dev is NULL; tentative addresses count only if
 * with_tentative. */
bool ipv6_chk_addr(struct ut_stack *stack, const struct in6_addr *addr,
		   const struct net_device *dev, bool with_tentative);
/* The address entry for addr, on dev or any device (dev NULL). */
struct inet6_ifaddr *ipv6_get_ifaddr(struct ut_stack *stack, const struct in6_addr *addr,
				     const struct net_device *dev);
/* Whether dev listens to the multicast group: all-nodes (ff02::1,
 * ff01::1), the solicited-node group of each of its addresses, tentative
 * ones included (RFC 4862 5.4.2), and all-routers when forwarding. */
bool ipv6_chk_mcast_addr(const struct net_device *dev, const struct in6_addr *group);
/* Chooses the source for a packet to daddr leaving through dev (Linux's
 * ipv6_dev_get_saddr, RFC 6724 5's rules that apply to a host: the same
 * address, the appropriate scope, no deprecated address, the outgoing
 * interface, the longest matching prefix). -EADDRNOTAVAIL when dev (or,
 * for a destination beyond the link, any device) has no usable address. */
int ipv6_dev_get_saddr(struct ut_stack *stack, const struct net_device *dev,
		       const struct in6_addr *daddr, struct in6_addr *saddr);
/* Dev's link-local address that has passed DAD (Linux's
 * ipv6_get_lladdr). -EADDRNOTAVAIL if none. */
int ipv6_get_lladdr(const struct net_device *dev, struct in6_addr *addr, uint32_t banned_flags);

/* From ndisc.c: a Neighbour Solicitation or Advertisement for one of our
 * tentative addresses came from another node (RFC 4862 5.4.3, 5.4.4):
 * the address is a duplicate (Linux's addrconf_dad_failure). */
void addrconf_dad_failure(struct sk_buff *skb, struct inet6_ifaddr *ifp);
/* From ndisc.c: a router advertisement's prefix information option
 * (RFC 4862 5.5.3; Linux's addrconf_prefix_rcv). */
void addrconf_prefix_rcv(struct net_device *dev, const struct wire_nd_prefix *pinfo);
/* From ndisc.c: a router advertisement arrived on dev; stop soliciting. */
void addrconf_ra_rcvd(struct net_device *dev);

#endif
