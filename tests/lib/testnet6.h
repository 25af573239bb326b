/* IPv6 for the one-stack harness (testnet.h): a host with IPv6 up on its
 * capture device, and builders and readers for the IPv6 and ICMPv6
 * packets a peer would send or receive. */
#ifndef USERTCP_TESTNET6_H
#define USERTCP_TESTNET6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/wire.h"
#include "testnet.h"

/* testnet_host's stack on a layer 3 (TUN) device, which needs no
 * neighbour discovery, with IPv6 enabled on eth0 and 2001:db8::1/64 on
 * it; the capture is empty. */
struct ut_stack *testnet_host6(struct test_clock *tc, struct capdev *cd);

/* An IPv6 header (40 bytes) followed by payload. */
size_t build_ipv6(uint8_t *buf, const char *src, const char *dst, uint8_t nexthdr, uint8_t hop,
		  const void *payload, size_t len);
/* An ICMPv6 message with its checksum for src -> dst. */
size_t build_icmp6(uint8_t *buf, const char *src, const char *dst, uint8_t type, uint8_t code,
		   uint32_t rest, const void *data, size_t len);
/* An IPv6 packet whose payload is a fragment header (next header
 * nexthdr, byte offset off, M flag more, identification id) and then
 * payload. */
size_t build_ipv6_frag(uint8_t *buf, const char *src, const char *dst, uint8_t nexthdr, uint32_t id,
		       uint16_t off, bool more, const void *payload, size_t len);
/* Injects an IPv6 packet and polls the stack (fails the test if the
 * device refuses it). */
void testnet_inject6(struct capdev *cd, const void *pkt, size_t len);
/* The IPv6 packet in captured frame i; fails the test unless it parses. */
void testnet_frame_ipv6(const struct capdev *cd, size_t i, struct wire_ipv6 *ip);
/* The same, carrying ICMPv6 straight after the header, whose checksum
 * is verified too. */
void testnet_frame_icmp6(const struct capdev *cd, size_t i, struct wire_ipv6 *ip,
			 struct wire_icmp6 *icmp);

#endif
