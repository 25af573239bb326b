/* Neighbour Discovery for tests: a stack with IPv6 up on its capture
 * device, ND messages as a peer on the link would send them, and the ND
 * messages the stack transmitted, parsed. */
#ifndef USERTCP_TESTND_H
#define USERTCP_TESTND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/wire.h"
#include "testnet.h"

#define ND_SEC 1000000000ULL
#define ND_MS 1000000ULL

/* The capture device's link-local address (fe80:: + EUI-64 of
 * testnet_mac), the peer's (of peer_mac), and the groups. */
extern const struct in6_addr nd_our_ll, nd_peer_ll, nd_all_nodes, nd_all_routers;

/* A stack with the capture device eth0 (Ethernet unless type says) and
 * no IPv4 address; IPv6 enabled on it (net.ipv6.conf.all.disable_ipv6
 * = 0). With settle, DAD has run to completion and the capture and the
 * counters seen so far are left behind (the capture is cleared). */
struct ut_stack *nd_stack(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type,
			  bool settle);

/* One ND message the stack sent, parsed: its Ethernet and IPv6 headers,
 * the ICMPv6 checksum verified, the options checked. */
struct nd_sent {
	struct wire_eth eth;
	struct wire_ipv6 ip;
	struct wire_nd_msg msg;
	struct wire_nd_opts opts;
};
/* Parses captured frame i; fails the test unless it is an ND message. */
void nd_frame(const struct capdev *cd, size_t i, struct nd_sent *out);
/* How many captured frames from index from on are ND messages of type. */
size_t nd_count(const struct capdev *cd, size_t from, uint8_t type);

/* An ND message as a peer sends it: m's body (wire_nd_emit) followed by
 * opts, under an IPv6 header with hop_limit, inside an Ethernet frame
 * from peer_mac to eth_dst (the group's 33:33 address when NULL and
 * daddr is a group, else testnet_mac). code non-zero is written over the
 * code byte, the checksum fixed to match. Handed to the device. */
void nd_inject(struct capdev *cd, const uint8_t *eth_dst, const struct in6_addr *saddr,
	       const struct in6_addr *daddr, uint8_t hop_limit, uint8_t code,
	       const struct wire_nd_msg *m, const uint8_t *opts, size_t opts_len);
/* The same with len bytes of ICMPv6 message given whole (truncated
 * messages; the checksum is filled in over them). */
void nd_inject_raw(struct capdev *cd, const uint8_t *eth_dst, const struct in6_addr *saddr,
		   const struct in6_addr *daddr, uint8_t hop_limit, uint8_t *icmp, size_t len);

/* A link-layer address option carrying mac (type ND_OPT_SOURCE_LL_ADDR
 * or ND_OPT_TARGET_LL_ADDR) written to buf; returns its length. */
size_t nd_opt_ll(uint8_t *buf, uint8_t type, const uint8_t mac[6]);

/* The state name of the ND entry for addr ("none" when there is none). */
const char *nd_state(struct ut_stack *stack, const char *addr);

#endif
