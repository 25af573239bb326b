/* The two ECN bits of the IPv4 TOS byte (RFC 3168 5, Linux's
 * include/net/inet_ecn.h): their four codepoints, and marking a packet
 * Congestion Experienced in place of dropping it, as a router's AQM or
 * netem's `ecn` option does. */
#ifndef USERTCP_NET_INET_ECN_H
#define USERTCP_NET_INET_ECN_H

#include <stdbool.h>
#include <stdint.h>

#include "net/ip.h"
#include "net/sock.h"

enum {
	INET_ECN_NOT_ECT = 0, /* the sender does not speak ECN */
	INET_ECN_ECT_1 = 1,
	INET_ECN_ECT_0 = 2, /* what TCP sends (RFC 3168 6.1.2) */
	INET_ECN_CE = 3,    /* congestion experienced on the path */
	INET_ECN_MASK = 3,
};

static inline bool INET_ECN_is_ce(uint8_t dsfield)
{
	return (dsfield & INET_ECN_MASK) == INET_ECN_CE;
}

static inline bool INET_ECN_is_not_ect(uint8_t dsfield)
{
	return (dsfield & INET_ECN_MASK) == INET_ECN_NOT_ECT;
}

/* A socket's packets carry ECT(0) from now on, or no ECN codepoint (Linux
 * keeps the choice in the socket's TOS byte, which IP_TOS leaves alone,
 * and in its traffic class for IPv6, which IPV6_TCLASS leaves alone). */
static inline void INET_ECN_xmit(struct sock *sk)
{
	sk->sk_tos = (uint8_t)((sk->sk_tos & ~INET_ECN_MASK) | INET_ECN_ECT_0);
	sk->sk_ipv6.tclass = (uint8_t)((sk->sk_ipv6.tclass & ~INET_ECN_MASK) | INET_ECN_ECT_0);
}

static inline void INET_ECN_dontxmit(struct sock *sk)
{
	sk->sk_tos &= (uint8_t)~INET_ECN_MASK;
	sk->sk_ipv6.tclass &= (uint8_t)~INET_ECN_MASK;
}

/* Marks the IPv4 header at iph (ihl bytes, checked by the caller) CE if it
 * is ECN-capable, mending its checksum. True if the packet now carries CE
 * (it did already, or was marked); false for a Not-ECT packet, which a
 * marker must drop instead (RFC 3168 5). */
static inline bool IP_ECN_set_ce(uint8_t *iph, size_t ihl)
{
	uint8_t tos = iph[1];

	if (INET_ECN_is_not_ect(tos))
		return false;
	if (INET_ECN_is_ce(tos))
		return true;
	iph[1] = (uint8_t)(tos | INET_ECN_CE);
	ip_send_check(iph, ihl);
	return true;
}

#endif
