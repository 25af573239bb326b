/* IPv6 on a layer 3 (TUN) capture device, beside testip6.h's Ethernet
 * host: no neighbour discovery stands between the stack and any peer,
 * so a test reads every ICMPv6 message as it leaves. Addresses as text. */
#ifndef USERTCP_TESTNET6_H
#define USERTCP_TESTNET6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/wire.h"
#include "testip6.h"
#include "testnet.h"

/* testnet_host's stack on a layer 3 device, with IPv6 enabled on eth0
 * (and lo) and 2001:db8::1/64 on it, no router solicitations; the
 * capture is empty and the counters zero. */
struct ut_stack *testnet_host6(struct test_clock *tc, struct capdev *cd);

/* testip6.h's build_ipv6 and build_icmp6 with addresses as text. */
size_t build_ipv6_text(uint8_t *buf, const char *src, const char *dst, uint8_t nexthdr, uint8_t hop,
		       const void *payload, size_t len);
size_t build_icmp6_text(uint8_t *buf, const char *src, const char *dst, uint8_t type, uint8_t code,
			uint32_t rest, const void *data, size_t len);
/* An IPv6 packet (hop limit 64) whose payload is a fragment header (next
 * header nexthdr, byte offset off, M flag more, identification id) and
 * then payload. */
size_t build_ipv6_frag(uint8_t *buf, const char *src, const char *dst, uint8_t nexthdr, uint32_t id,
		       uint16_t off, bool more, const void *payload, size_t len);
/* Hands a bare IPv6 packet to the layer 3 device and polls (fails the
 * test if the device refuses it). */
void testnet_inject6(struct capdev *cd, const void *pkt, size_t len);
/* The IPv6 packet in captured frame i of a layer 3 device; fails the test
 * unless it parses. */
void testnet_frame_ip6_l3(const struct capdev *cd, size_t i, struct wire_ipv6 *ip);
/* The same, carrying ICMPv6 straight after the header (checksum
 * verified). */
void testnet_frame_icmp6_l3(const struct capdev *cd, size_t i, struct wire_ipv6 *ip,
			    struct wire_icmp6 *icmp);

#endif
