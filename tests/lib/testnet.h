/* Test harness for driving one stack by hand: a clock the test moves, a
 * device whose transmitted frames the test reads and into which it injects
 * frames, and builders for the frames a peer would send. */
#ifndef USERTCP_TESTNET_H
#define USERTCP_TESTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testaddr.h"
#include "usertcp/usertcp.h"

/* A clock the test owns. */
struct test_clock {
	struct ut_clock clock; /* first */
	uint64_t now;	       /* ns */
};
void test_clock_init(struct test_clock *tc, uint64_t start_ns);

/* A captured frame. */
struct cap_frame {
	uint8_t *data;
	size_t len;
	uint64_t when; /* test clock at transmission */
};

/* A device on a stack whose transmissions are recorded. */
struct capdev {
	struct ut_stack *stack;
	struct test_clock *clock;
	struct ut_dev *dev;
	struct cap_frame *frames;
	size_t n, cap;
};

/* A stack on a test clock (seed fixed) with a capture device "eth0" of the
 * given type, 1500 MTU, MAC 02:00:00:00:00:01, address addr/prefix.
 * Aborts the test on failure. */
struct ut_stack *testnet_stack(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type,
			       const char *addr, unsigned prefix);
/* Destroys the stack and frees the captured frames. */
void testnet_destroy(struct ut_stack *stack, struct capdev *cd);
/* Forgets the captured frames. */
void capdev_clear(struct capdev *cd);
/* Hands one frame to the device (as if received) and polls the stack. */
int capdev_inject(struct capdev *cd, const void *frame, size_t len);
/* Polls the stack until it has nothing to do now. */
void testnet_poll(struct ut_stack *stack);
/* Moves the clock forward by ns, running every timer due on the way in
 * order (stops at each deadline), then polls. */
void testnet_advance(struct ut_stack *stack, struct test_clock *tc, uint64_t ns);

/* A counter by its Linux name; fails the test if there is no such counter. */
uint64_t testnet_counter(struct ut_stack *stack, const char *group, const char *name);

/* "10.0.0.1" -> network order. Aborts on a bad string. */
uint32_t ip4(const char *s);

/* A stack at 10.0.0.1/24 on a fresh test clock with a capture device of
 * the given type; on Ethernet it already knows the peer 10.0.0.2 at
 * peer_mac (from an ARP request it answered) and the capture is empty. */
struct ut_stack *testnet_host(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type);
/* The IPv4 packet in captured frame i (after the Ethernet header on an
 * Ethernet device), header checksum verified; fails the test otherwise. */
struct wire_ipv4;
struct wire_icmp;
void testnet_frame_ip(const struct capdev *cd, size_t i, struct wire_ipv4 *ip);
/* The same, carrying ICMP, whose checksum is verified too. */
void testnet_frame_icmp(const struct capdev *cd, size_t i, struct wire_ipv4 *ip,
			struct wire_icmp *icmp);

extern const uint8_t testnet_bcast[6]; /* ff:ff:ff:ff:ff:ff */
extern const uint8_t testnet_mac[6];   /* the capture device's MAC */
extern const uint8_t peer_mac[6];      /* 02:00:00:00:00:02 */

/* Frame builders: each writes into buf (big enough) and returns the length. */
size_t build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t proto,
		 const void *payload, size_t len);
/* An IPv4 header (20 bytes, checksum filled) followed by payload. */
size_t build_ipv4(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint8_t proto, uint8_t ttl,
		  uint16_t id, uint16_t frag_off, const void *payload, size_t len);
/* ICMP header + data with a correct checksum. */
size_t build_icmp(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest, const void *data,
		  size_t len);
/* ARP over Ethernet (28 bytes). */
size_t build_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t sip,
		 const uint8_t tha[6], uint32_t tip);
/* An IPv4 datagram (TTL 64, id 1) carrying an ICMP echo request. */
size_t build_ipv4_echo(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint16_t id, uint16_t seq,
		       const void *data, size_t len);
/* An IPv4 datagram (TTL 64, id 1) carrying UDP, with the checksum filled
 * in, or 0 (none, as RFC 768 allows) when csum is false. */
size_t build_ipv4_udp(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		      const void *payload, size_t len, bool csum);

/* Hands an IPv4 packet to the device as the peer would send it: inside an
 * Ethernet frame from peer_mac to dst_mac (testnet_mac when NULL) on an
 * Ethernet device, as it is on a layer 3 one. Fails the test if the
 * device refuses it. */
void testnet_inject_ip(struct capdev *cd, const uint8_t *dst_mac, const void *pkt, size_t len);
/* Hands the device an ARP message in an Ethernet frame from sha to
 * eth_dst; addresses as strings ("10.0.0.2"). */
void testnet_inject_arp(struct capdev *cd, uint16_t op, const uint8_t *eth_dst, const uint8_t *sha,
			const char *sip, const uint8_t *tha, const char *tip);

/* What a stack's ping handler was given: how many replies and errors, the
 * last event (its data pointer cleared) and the last payload (as much as
 * fits). Large: keep it static. */
struct ping_log {
	int replies, errors;
	struct ut_ping_event last;
	uint8_t data[65536];
};
/* Clears log and makes it the stack's ping handler. */
void ping_log_attach(struct ut_stack *stack, struct ping_log *log);

#endif
