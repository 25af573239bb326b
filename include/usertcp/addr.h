/* IP addresses in the public API, one type for both families.
 *
 * struct ut_ip carries its family with the address, so that a call taking
 * or reporting an address (ut_addr_add, ut_route_get, ut_ping_send, trace
 * events ...) has one signature for IPv4 and IPv6. The stack speaks IPv6
 * below its transports (docs/IPV6.md); an address of no family it speaks
 * gets -EAFNOSUPPORT.
 *
 * An address is passed and returned by value, not through a const pointer.
 * It is 20 bytes, so the copy costs nothing beside what any of these calls
 * does; a value cannot be NULL, outlive what it points to or alias an
 * output; and a call site reads as it did with a bare uint32_t:
 *
 *     ut_addr_add(st, dev, ut_ip_v4(inet_addr("10.0.0.1")), 24);
 *     ut_route_add(st, ut_ip_v4(INADDR_ANY), 0, gw, NULL);   (default route)
 *
 * Build addresses with the helpers below rather than field by field: they
 * zero the bytes the family does not use, so that two equal addresses are
 * equal byte for byte too.
 */
#ifndef USERTCP_ADDR_H
#define USERTCP_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ut_ip {
	sa_family_t family; /* AF_INET or AF_INET6; AF_UNSPEC (0): no address */
	union {
		struct in_addr v4; /* network order, as in struct sockaddr_in */
		struct in6_addr v6;
	} u;
};

/* Room for the text of either family with its NUL, as inet_ntop needs. */
#define UT_IP_STRLEN INET6_ADDRSTRLEN

/* The IPv4 address addr, in network order (inet_addr's, s_addr's). */
static inline struct ut_ip ut_ip_v4(uint32_t addr)
{
	struct ut_ip a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.u.v4.s_addr = addr;
	return a;
}

/* The IPv6 address *addr. */
static inline struct ut_ip ut_ip_v6(const struct in6_addr *addr)
{
	struct ut_ip a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	a.u.v6 = *addr;
	return a;
}

/* True for the unspecified address of either family, 0.0.0.0 or ::, and
 * for a struct of no family (all zero): what the calls read as "none"
 * (an on-link route's gateway). */
static inline bool ut_ip_is_any(struct ut_ip a)
{
	switch (a.family) {
	case AF_UNSPEC:
		return true;
	case AF_INET:
		return a.u.v4.s_addr == 0;
	case AF_INET6:
		return IN6_IS_ADDR_UNSPECIFIED(&a.u.v6);
	default:
		return false;
	}
}

/* True if a and b are the same address of the same family (an IPv4
 * address never equals its IPv4-mapped IPv6 form). Only the bytes of the
 * family count. */
static inline bool ut_ip_equal(struct ut_ip a, struct ut_ip b)
{
	if (a.family != b.family)
		return false;
	switch (a.family) {
	case AF_INET:
		return a.u.v4.s_addr == b.u.v4.s_addr;
	case AF_INET6:
		return memcmp(&a.u.v6, &b.u.v6, sizeof(a.u.v6)) == 0;
	default:
		return true;
	}
}

/* Parses text of either family, as inet_pton reads it: dotted decimal
 * ("10.0.0.1", all four parts) or RFC 4291 text ("fe80::1"). Returns 0 and
 * sets *out, or -EINVAL (*out untouched). */
int ut_ip_pton(const char *text, struct ut_ip *out);

/* Writes addr as inet_ntop does ("10.0.0.1", "2001:db8::1") into buf of
 * len bytes, NUL included; UT_IP_STRLEN is always enough. Returns 0,
 * -ENOSPC if len is too small, -EAFNOSUPPORT for a family other than
 * AF_INET and AF_INET6; on failure buf holds "" (if len > 0). */
int ut_ip_ntop(struct ut_ip addr, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
