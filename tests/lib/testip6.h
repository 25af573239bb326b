/* IPv6 beside testnet.h: a capture-device stack with IPv6 on, and the
 * frames an IPv6 peer would send it. */
#ifndef USERTCP_TESTIP6_H
#define USERTCP_TESTIP6_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "testnet.h"

struct wire_ipv6;
struct wire_icmp6;

/* testnet_stack's device with IPv6 on (net.ipv6.conf.default.disable_ipv6
 * 0 before the device is made) and addr/prefix on it without duplicate
 * address detection, so that it is usable at once; the capture holds
 * whatever the device sent while coming up, then is cleared. The peer
 * (peer_mac) is known at peer_addr (NULL: not), as after its Neighbour
 * Solicitation. */
struct ut_stack *testip6_host(struct test_clock *tc, struct capdev *cd, const char *addr,
			      unsigned prefix, const char *peer_addr);
/* An IPv6 header (40 bytes) followed by payload. */
size_t build_ipv6(uint8_t *buf, const struct in6_addr *saddr, const struct in6_addr *daddr,
		  uint8_t nexthdr, uint8_t hop_limit, const void *payload, size_t len);
/* An ICMPv6 message with a correct checksum for saddr -> daddr. */
size_t build_icmp6(uint8_t *buf, const struct in6_addr *saddr, const struct in6_addr *daddr,
		   uint8_t type, uint8_t code, uint32_t rest, const void *data, size_t len);
/* A whole IPv6 packet (hop limit 64) carrying an echo request. */
size_t build_ipv6_echo(uint8_t *buf, const char *saddr, const char *daddr, uint16_t id,
		       uint16_t seq, const void *data, size_t len);
/* Hands an IPv6 packet to the device in an Ethernet frame from peer_mac
 * to dst_mac (testnet_mac when NULL). */
void testnet_inject_ip6(struct capdev *cd, const uint8_t *dst_mac, const void *pkt, size_t len);
/* The IPv6 packet in captured frame i (after its Ethernet header, which
 * must say IPv6); fails the test otherwise. */
void testnet_frame_ip6(const struct capdev *cd, size_t i, struct wire_ipv6 *ip);
/* The same carrying ICMPv6 (checksum verified). */
void testnet_frame_icmp6(const struct capdev *cd, size_t i, struct wire_ipv6 *ip,
			 struct wire_icmp6 *icmp);

/* Answers, as the peer at peer_mac, every Neighbour Solicitation in the
 * captured frames from index from on: a solicited advertisement (S and
 * O set) for its target. Returns how many it answered. */
size_t testip6_answer_ns(struct capdev *cd, size_t from);

#endif
