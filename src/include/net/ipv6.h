/* IPv6 addresses: their kinds and scopes (RFC 4291), the multicast groups
 * and interface identifiers Neighbour Discovery and autoconfiguration
 * derive from them (RFC 4861, RFC 4862), and v4-mapped addresses (RFC 4291
 * 2.5.5.2), with Linux's names (include/net/ipv6.h, include/net/addrconf.h,
 * net/ipv6/addrconf_core.c). */
#ifndef NET_IPV6_H
#define NET_IPV6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include "net/compiler.h"
#include "net/neighbour.h"
#include "net/skbuff.h"
#include "net/timer.h"
#include "net/wire.h"

struct ut_stack;
struct net_device;

/* ipv6_addr_type's result: a kind, and for unicast and multicast the
 * scope (Linux's IPV6_ADDR_* bits). */
#define IPV6_ADDR_ANY 0x0000U
#define IPV6_ADDR_UNICAST 0x0001U
#define IPV6_ADDR_MULTICAST 0x0002U
#define IPV6_ADDR_LOOPBACK 0x0010U
#define IPV6_ADDR_LINKLOCAL 0x0020U
#define IPV6_ADDR_SITELOCAL 0x0040U
#define IPV6_ADDR_COMPATv4 0x0080U
#define IPV6_ADDR_SCOPE_MASK 0x00f0U
#define IPV6_ADDR_MAPPED 0x1000U
/* The scope, in the bits above the kind: one of the scopes below. */
#define IPV6_ADDR_SCOPE_TYPE(scope) ((unsigned)(scope) << 16)
#define IPV6_ADDR_SCOPE(type) (((type) >> 16) & 0x0f)

/* Multicast scopes (RFC 4291 2.7, the low nibble of the second byte). */
#define IPV6_ADDR_SCOPE_NODELOCAL 0x01
#define IPV6_ADDR_SCOPE_LINKLOCAL 0x02
#define IPV6_ADDR_SCOPE_SITELOCAL 0x05
#define IPV6_ADDR_SCOPE_ORGLOCAL 0x08
#define IPV6_ADDR_SCOPE_GLOBAL 0x0e

/* The kind and scope of an address, as Linux's ipv6_addr_type: the
 * loopback address counts as link-local and the unspecified address has
 * no scope (RFC 6724 3.4); v4-mapped and v4-compatible addresses count
 * as global (RFC 6724 3.3); unique local addresses (fc00::/7, RFC 4193)
 * are global in scope; a multicast address has the scope its second
 * byte names. */
unsigned ipv6_addr_type(const struct in6_addr *addr);
/* The kind alone, without the scope (Linux's ipv6_addr_type, where the
 * function above is Linux's __ipv6_addr_type): what a socket call
 * compares with IPV6_ADDR_ANY or IPV6_ADDR_MAPPED. */
static inline unsigned ipv6_addr_kind(const struct in6_addr *addr)
{
	return ipv6_addr_type(addr) & 0xffffU;
}

static inline bool ipv6_addr_equal(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static inline bool ipv6_addr_any(const struct in6_addr *a)
{
	static const struct in6_addr zero;

	return ipv6_addr_equal(a, &zero);
}

static inline bool ipv6_addr_loopback(const struct in6_addr *a)
{
	static const struct in6_addr one = {{{[15] = 1}}};

	return ipv6_addr_equal(a, &one);
}

static inline bool ipv6_addr_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

/* fe80::/10 (RFC 4291 2.5.6). */
static inline bool ipv6_addr_is_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

/* ::ffff:a.b.c.d, an IPv4 address seen through an AF_INET6 socket. */
static inline bool ipv6_addr_v4mapped(const struct in6_addr *a)
{
	static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(a->s6_addr, prefix, sizeof(prefix)) == 0;
}

/* The v4-mapped form of addr (network order). */
static inline void ipv6_addr_set_v4mapped(uint32_t addr, struct in6_addr *out)
{
	memset(out->s6_addr, 0, 10);
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	memcpy(out->s6_addr + 12, &addr, 4);
}

/* The IPv4 address (network order) of a v4-mapped address. */
static inline uint32_t ipv6_addr_v4(const struct in6_addr *a)
{
	uint32_t v;

	memcpy(&v, a->s6_addr + 12, 4);
	return v;
}

/* The first plen bits of addr, the rest zero (Linux's ipv6_addr_prefix);
 * plen above 128 counts as 128. */
void ipv6_addr_prefix(struct in6_addr *out, const struct in6_addr *addr, unsigned plen);
/* Whether a and b share their first plen bits. */
bool ipv6_prefix_equal(const struct in6_addr *a, const struct in6_addr *b, unsigned plen);

/* The solicited-node multicast group of addr: the prefix ff02::1:ff00:0/104
 * followed by addr's low 24 bits (RFC 4291 2.7.1), which Neighbour
 * Solicitations for addr are sent to (Linux's addrconf_addr_solict_mult). */
void addrconf_addr_solict_mult(const struct in6_addr *addr, struct in6_addr *out);
/* The Ethernet group a multicast address maps to: 33:33 and its low 32
 * bits (RFC 2464 7; Linux's ipv6_eth_mc_map). */
void ipv6_eth_mc_map(const struct in6_addr *addr, uint8_t mac[6]);
/* The modified EUI-64 interface identifier of an Ethernet address (RFC
 * 4291 appendix A, RFC 2464 4: ff:fe in the middle, the
 * universal/local bit inverted), written into the low 64 bits of addr
 * (Linux's addrconf_ifid_eui48). */
void addrconf_ifid_eui48(struct in6_addr *addr, const uint8_t mac[6]);

/* ---- the IPv6 layer of a stack --------------------------------------------
 *
 * Files (net/ipv6/ in Linux): af_inet6.c (the family's share of a stack,
 * inet6_net_ops), ip6_input.c (ipv6_rcv, the extension-header walk),
 * ip6_output.c (ip6_xmit, fragmentation, neighbour output), route.c
 * (routes by longest prefix, path MTU), addrconf.c (per-device state,
 * addresses, DAD, SLAAC, router solicitation, source selection,
 * net.ipv6.conf.*), ndisc.c (Neighbour Discovery, the ND neighbour
 * table), icmp.c (ICMPv6: echo, errors, rate limits), reassembly.c
 * (fragment reassembly), ping.c (echo for applications). */

/* What the IPv6 layer learned about a received packet, kept in skb->cb
 * while it travels up (Linux's struct inet6_skb_parm, IP6CB). Offsets
 * are from the network header. */
struct inet6_skb_parm {
	int iif;		/* ifindex it arrived on */
	uint16_t nhoff;		/* the Next Header byte that names the current header */
	uint16_t thoff;		/* the upper-layer header, once found */
	uint16_t frag_max_size; /* largest fragment of a reassembled packet */
	uint8_t flags;		/* IP6SKB_* */
	uint8_t nexthdr;	/* the upper-layer protocol delivered */
};
#define IP6SKB_REASSEMBLED 0x01
#define IP6SKB_MULTICAST 0x02 /* sent to a multicast group */
#define IP6SKB_HOPBYHOP 0x04
#define IP6CB(skb) ((struct inet6_skb_parm *)(void *)((skb)->cb))

/* The IPv6 header of a packet received (ipv6_rcv set the offset), and its
 * addresses, which TCP and UDP read from it as they do IPv4's. */
static inline const uint8_t *ipv6_hdr(const struct sk_buff *skb)
{
	BUG_ON(skb->network_header == SKB_HDR_UNSET);
	return skb_network_header(skb);
}
static inline void ipv6_hdr_saddr(const struct sk_buff *skb, struct in6_addr *out)
{
	memcpy(out, ipv6_hdr(skb) + 8, sizeof(*out));
}
static inline void ipv6_hdr_daddr(const struct sk_buff *skb, struct in6_addr *out)
{
	memcpy(out, ipv6_hdr(skb) + 24, sizeof(*out));
}

/* An upper-layer protocol of IPv6 (Linux's struct inet6_protocol). */
struct inet6_protocol {
	/* A packet for us: skb->data at the upper-layer header, network
	 * header at the IPv6 header, IP6CB filled (nexthdr, thoff).
	 * Consumes skb. */
	void (*handler)(struct sk_buff *skb);
	/* An ICMPv6 error about a packet we sent: skb->data at the quoted
	 * upper-layer header (at least 8 bytes of it), network header at
	 * the quoted IPv6 header; from is the host that reported it.
	 * Does not consume. */
	void (*err_handler)(struct sk_buff *skb, const struct in6_addr *from, uint8_t type,
			    uint8_t code, uint32_t info);
};

/* net.ipv6.conf.{all,default,<dev>}.*, Linux's defaults (struct
 * ipv6_devconf). Times in ms, as Linux's *_interval sysctls. */
struct ipv6_devconf {
	long forwarding;	       /* 0: a host */
	long hop_limit;		       /* 64 */
	long mtu6;		       /* the device's IPv6 MTU (default: the device's) */
	long accept_ra;		       /* 1: when not forwarding */
	long accept_ra_defrtr;	       /* 1 */
	long accept_ra_pinfo;	       /* 1 */
	long accept_ra_mtu;	       /* 1 */
	long accept_redirects;	       /* 1 */
	long autoconf;		       /* 1: SLAAC from prefix information */
	long dad_transmits;	       /* 1 */
	long accept_dad;	       /* 1 */
	long enhanced_dad;	       /* 1: nonces (RFC 7527) */
	long rtr_solicits;	       /* -1: until a router answers */
	long rtr_solicit_interval;     /* 4000 ms */
	long rtr_solicit_max_interval; /* 3600000 ms */
	long rtr_solicit_delay;	       /* 1000 ms */
	long max_addresses;	       /* 16 */
	long disable_ipv6;	       /* see addrconf.h */
	long addr_gen_mode;	       /* 0: EUI-64 */
	long ndisc_notify;	       /* 0 */
	long keep_addr_on_down;	       /* 0 */
};

/* net.ipv6.* that are not per device. */
struct ipv6_sysctl {
	long bindv6only;		   /* 0 */
	long ip6frag_high_thresh;	   /* 4 MiB */
	long ip6frag_low_thresh;	   /* 3 MiB */
	long ip6frag_time;		   /* 60 s (IPV6_FRAG_TIMEOUT) */
	long icmpv6_time;		   /* net.ipv6.icmp.ratelimit: 1000 ms */
	long icmpv6_echo_ignore_all;	   /* 0 */
	long icmpv6_echo_ignore_multicast; /* 0 */
	long ip6_rt_mtu_expires;	   /* 600 s: a learned path MTU is forgotten */
	long ip6_rt_min_advmss;		   /* 1220: 1280 - 40 - 20 */
	struct neigh_parms neigh;	   /* net.ipv6.neigh.default.* */
};

struct fib6_table;
struct frag6_table;
struct inet6_dev;

/* IPv6's share of one stack (Linux's struct netns_ipv6), allocated by
 * inet6_net_ops.init and hung from stack->ipv6. */
struct netns_ipv6 {
	struct ipv6_sysctl sysctl;
	struct ipv6_devconf devconf_all, devconf_dflt;
	struct neigh_table nd_tbl;
	struct fib6_table *fib6;
	struct frag6_table *frags;
	const struct inet6_protocol *inet6_protos[256];
	uint32_t frag_ident_key; /* fragment identifications (ipv6_select_ident) */
};

/* IPv6's entry in the stack's pernet_list (af_inet6.c). */
struct pernet_operations;
extern const struct pernet_operations inet6_net_ops;

/* The stack's IPv6 state; NULL before inet6_net_ops.init. */
struct netns_ipv6 *net_ipv6(const struct ut_stack *stack);

/* Registers prot for next header value nexthdr (Linux's
 * inet6_add_protocol). 0 or -EEXIST. */
int inet6_add_protocol(struct ut_stack *stack, const struct inet6_protocol *prot, uint8_t nexthdr);

/* ---- input (ip6_input.c) ---------------------------------------------------*/

/* The ETH_P_IPV6 handler: validates the header, decides whether the
 * packet is ours (an address of ours, or a group we listen to), walks its
 * extension headers (bounded: IP6_MAX_EXT_HDRS), reassembles, and
 * delivers to the upper layer. Consumes skb. */
void ipv6_rcv(struct sk_buff *skb);
/* Extension headers one packet may carry before the upper layer; past it
 * the packet is dropped (Linux bounds the walk by the packet's length
 * only; usertcp bounds it by count too, so a chain of 8-byte headers
 * costs a bounded amount of work per packet). */
#define IP6_MAX_EXT_HDRS 16

/* ---- output (ip6_output.c) ------------------------------------------------*/

struct ip6_out_params {
	struct in6_addr saddr; /* ::: chosen by source address selection */
	struct in6_addr daddr;
	uint8_t nexthdr; /* upper-layer protocol */
	uint8_t tclass;
	int hop_limit;	    /* < 0: the route's device's hop_limit */
	uint32_t flowlabel; /* 20 bits */
	int oif;	    /* ifindex to send from (scope of a link-local
				* destination); 0: by route */
	uint8_t pmtudisc;   /* IPV6_PMTUDISC_*: fragment (WANT/DONT) or refuse */
};
/* Linux's IPV6_PMTUDISC_* (IPV6_MTU_DISCOVER values). */
#define IPV6_PMTUDISC_DONT 0
#define IPV6_PMTUDISC_WANT 1
#define IPV6_PMTUDISC_DO 2
#define IPV6_PMTUDISC_PROBE 3

/* The result of a route lookup (ip6_route_output). */
struct rt6_result {
	struct net_device *dev;
	struct in6_addr nexthop; /* the gateway, or the destination on-link */
	uint8_t type;		 /* RTN_UNICAST, RTN_LOCAL, RTN_MULTICAST */
	uint8_t prefix_len;
	unsigned mtu; /* path MTU: the device's, or learned (PTB) */
};

/* Puts an IPv6 header in front of skb->data (the upper-layer header and
 * payload, with MAX_HEADER headroom) and sends it (Linux's ip6_xmit):
 * route, source selection, fragmentation when larger than the path MTU
 * (unless pmtudisc is DO or PROBE: -EMSGSIZE), neighbour output.
 * fill_csum, if given, fills the upper-layer checksum once the addresses
 * are known. Consumes skb. NET_XMIT_* (>= 0) or -ENETUNREACH,
 * -EHOSTUNREACH, -EADDRNOTAVAIL, -EMSGSIZE, -ENOBUFS. */
int ip6_xmit(struct ut_stack *stack, struct sk_buff *skb, const struct ip6_out_params *p,
	     void (*fill_csum)(struct sk_buff *skb, const struct in6_addr *saddr,
			       const struct in6_addr *daddr));
/* ip6_xmit for datagrams: a device's drop is -ENOBUFS. */
int ip6_send_skb(struct ut_stack *stack, struct sk_buff *skb, const struct ip6_out_params *p,
		 void (*fill_csum)(struct sk_buff *skb, const struct in6_addr *saddr,
				   const struct in6_addr *daddr));
/* Sends a complete IPv6 packet (data at its header) out of dev to the
 * on-link neighbour nexthop (a multicast destination maps to its Ethernet
 * group without resolution). Consumes skb. NET_XMIT_* or -errno. */
int ip6_finish_output(struct net_device *dev, const struct in6_addr *nexthop, struct sk_buff *skb);
/* A fragment identification for a packet from saddr to daddr (RFC 7739:
 * unpredictable; Linux's ipv6_select_ident). */
uint32_t ipv6_select_ident(struct ut_stack *stack, const struct in6_addr *saddr,
			   const struct in6_addr *daddr);

/* ---- fragment reassembly (reassembly.c) -----------------------------------*/

/* Makes and frees the stack's reassembly table (bounded by
 * ip6frag_high_thresh; queues time out after ip6frag_time). */
int ipv6_frag_init(struct ut_stack *stack);
void ipv6_frag_exit(struct ut_stack *stack);
/* A fragment: data and network header at the IPv6 header, the fragment
 * header at frag_off bytes from it, IP6CB(skb)->nhoff at the Next Header
 * byte naming it. Returns the whole packet when this fragment completes
 * it: data and network header at its IPv6 header, the fragment header
 * removed, the byte at nhoff set to the fragment header's Next Header,
 * the payload length fixed, IP6SKB_REASSEMBLED set; else NULL. Consumes
 * skb either way. An atomic fragment (offset 0, no M flag, RFC 6946) is
 * returned at once with its fragment header removed. */
struct sk_buff *ipv6_frag_rcv(struct sk_buff *skb, unsigned frag_off);

/* ---- ICMPv6 (icmp.c) -------------------------------------------------------*/

/* Registers ICMPv6 with the stack (inet6_protos[58]). */
int icmpv6_init(struct ut_stack *stack);
/* Sends an ICMPv6 error about skb (network header at its IPv6 header)
 * back to its source (Linux's icmp6_send): never about an ICMPv6 error or
 * an ND message, nor to a multicast or unspecified source, nor about a
 * packet to a multicast group (but Packet Too Big and Parameter Problem
 * code 2, RFC 4443 2.4 e); rate limited per destination by
 * net.ipv6.icmp.ratelimit and globally by net.ipv4.icmp_msgs_per_sec and
 * icmp_msgs_burst (Linux shares them between the families). The error
 * quotes as much of skb as fits the minimum MTU. Does not consume. */
void icmp6_send(struct sk_buff *skb, uint8_t type, uint8_t code, uint32_t info);
/* Parameter problem pointing at byte pos of the packet (Linux's
 * icmpv6_param_prob). Does not consume. */
static inline void icmpv6_param_prob(struct sk_buff *skb, uint8_t code, uint32_t pos)
{
	icmp6_send(skb, ICMPV6_PARAMPROB, code, pos);
}
/* Counts an ICMPv6 message leaving: OutMsgs and its type's Out counter
 * (Linux counts every ICMPv6 message it builds, ND's included). */
void icmpv6_out_count(struct ut_stack *stack, uint8_t type);
/* ip6_send_skb's fill_csum for ICMPv6: the checksum over the message at
 * skb->data and the pseudo-header (RFC 4443 2.3). */
void icmpv6_fill_csum(struct sk_buff *skb, const struct in6_addr *saddr,
		      const struct in6_addr *daddr);

/* Steps over the extension headers of the packet in buf[0..len) from
 * start (the first of them, named by *nexthdr) without processing them
 * (Linux's ipv6_skip_exthdr): returns the offset of the upper-layer
 * header and sets *nexthdr to its type, or -1 when a header runs past
 * len, "no next header" ends the chain, or more than IP6_MAX_EXT_HDRS
 * follow each other. A fragment header with a non-zero offset stops the
 * walk there (*nexthdr NEXTHDR_FRAGMENT: what follows is no header);
 * *frag_off is the last fragment header's offset and flags (0: none). */
int ipv6_skip_exthdr(const uint8_t *buf, size_t len, size_t start, uint8_t *nexthdr,
		     uint16_t *frag_off);

/* ---- echo for applications (ping.c) ----------------------------------------*/

/* ut_ping_send's AF_INET6 branch: an echo request to daddr. 0 or -errno. */
int ping6_send(struct ut_stack *stack, const struct in6_addr *daddr, uint16_t id, uint16_t seq,
	       const void *data, size_t len);
/* An echo reply (skb->data at its ICMPv6 header, checksum verified, network
 * header at the IPv6 header) for the application. Does not consume. */
void ping6_rcv_reply(struct sk_buff *skb);
/* An ICMPv6 error quoting one of our echo requests (skb->data at the
 * quoted ICMPv6 header, 8 bytes of it at least). Does not consume. */
void ping6_err(struct sk_buff *skb, const struct in6_addr *from, uint8_t type, uint8_t code,
	       uint32_t info);

#endif
