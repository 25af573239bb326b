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

#endif
