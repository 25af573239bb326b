/* ICMP echo from an application, as Linux's ping sockets (SOCK_DGRAM,
 * IPPROTO_ICMP and IPPROTO_ICMPV6) give it: send echo requests with an
 * identifier and sequence number to an IPv4 or IPv6 address, receive the
 * matching replies and the ICMP or ICMPv6 errors they provoke. */
#ifndef USERTCP_PING_H
#define USERTCP_PING_H

#include <stddef.h>
#include <stdint.h>

#include "usertcp/addr.h"
#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ut_ping_kind {
	UT_PING_REPLY = 1, /* an echo reply */
	UT_PING_ERROR = 2, /* an ICMP error about one of our requests, or a
				 * local failure (neighbour unreachable) */
};

struct ut_ping_event {
	enum ut_ping_kind kind;
	struct ut_ip from; /* replier, or the host reporting the error (AF_INET
			    * for ICMP, AF_INET6 for ICMPv6) */
	uint16_t id, seq;
	uint8_t ttl;		      /* of the reply's IP header; IPv6: its hop limit */
	uint8_t icmp_type, icmp_code; /* for errors: ICMP (or ICMPv6) type and code */
	uint16_t mtu;		      /* next-hop MTU of "fragmentation needed" (RFC 1191)
				       * or of ICMPv6 Packet Too Big (RFC 8201) */
	const uint8_t *data;	      /* echo payload (replies only) */
	size_t len;		      /* payload bytes */
	uint64_t when_ns;	      /* arrival, on the stack's clock */
};

typedef void (*ut_ping_handler)(void *arg, const struct ut_ping_event *ev);

/* Registers the function that receives echo replies and errors for echo
 * requests sent with ut_ping_send (NULL: none). */
void ut_ping_set_handler(struct ut_stack *stack, ut_ping_handler fn, void *arg);

/* Sends an echo request of len payload bytes to daddr: ICMP for AF_INET,
 * ICMPv6 (RFC 4443 4.1) for AF_INET6. A link-local or multicast IPv6
 * destination goes out of the device the route lookup picks without one
 * (the first with IPv6 up that reaches it): the call names no device.
 * Returns 0, or -ENETUNREACH (no route), -EHOSTUNREACH, -EADDRNOTAVAIL (no
 * IPv6 source address to send from), -EMSGSIZE (len > 65507 for IPv4,
 * 65527 for IPv6), -ENOBUFS, -EAFNOSUPPORT (another family, or IPv6 not
 * running in the stack). */
int ut_ping_send(struct ut_stack *stack, struct ut_ip daddr, uint16_t id, uint16_t seq,
		 const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
