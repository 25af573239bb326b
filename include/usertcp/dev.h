/* Network devices. A device moves frames between a stack and a medium:
 * a simulated link, a TAP or TUN interface, or a driver the application
 * provides (a tunnel, a test harness). Layer 2 devices carry Ethernet frames
 * and resolve neighbours with ARP (like TAP); layer 3 devices carry bare IPv4
 * packets (like TUN). Any device can mirror its traffic to a pcap file. */
#ifndef USERTCP_DEV_H
#define USERTCP_DEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ut_dev_type {
	UT_DEV_ETHER = 1,		/* Ethernet II frames, ARP (TAP) */
	UT_DEV_RAWIP = 2,		/* bare IPv4 packets (TUN) */
};

/* Checksum offload: the medium verifies received checksums, or fills in
 * transmitted transport checksums. Software does that work otherwise. */
#define UT_DEV_F_RX_CSUM 0x1
#define UT_DEV_F_TX_CSUM 0x2

struct ut_dev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
};

const char *ut_dev_name(const struct ut_dev *dev);
int ut_dev_ifindex(const struct ut_dev *dev);
enum ut_dev_type ut_dev_type(const struct ut_dev *dev);
unsigned ut_dev_mtu(const struct ut_dev *dev);
/* 68 <= mtu <= 65535 (IPv4's minimum and maximum), else -EINVAL. */
int ut_dev_set_mtu(struct ut_dev *dev, unsigned mtu);
/* The device's Ethernet address (zero for layer 3 devices). */
void ut_dev_hwaddr(const struct ut_dev *dev, uint8_t addr[6]);
void ut_dev_get_stats(const struct ut_dev *dev, struct ut_dev_stats *st);
struct ut_dev *ut_dev_by_name(struct ut_stack *stack, const char *name);

/* Mirrors every frame the device sends or receives to a pcap file
 * (nanosecond timestamps from the stack's clock; LINKTYPE_ETHERNET or
 * LINKTYPE_RAW), readable by tcpdump and Wireshark. Replaces any earlier
 * mirror. -errno from opening the file. */
int ut_dev_pcap_open(struct ut_dev *dev, const char *path);
/* Flushes and closes the mirror, if any. */
void ut_dev_pcap_close(struct ut_dev *dev);

/* ---- a device whose medium the application drives ----------------------*/

struct ut_dev_driver {
	/* Sends a batch of count frames; frames[i] is one frame, valid only
	 * during the call. Returns how many were taken; the rest count as
	 * tx_dropped. Required. */
	unsigned (*transmit)(void *ctx, const struct iovec *frames, unsigned count);
	/* Called once when the device is destroyed. Optional. */
	void (*destroy)(void *ctx);
};

/* Creates a device on stack with the given name (at most 15 bytes), type,
 * MTU, UT_DEV_F_* flags and hardware address (NULL: a random locally
 * administered one; ignored for UT_DEV_RAWIP). Received frames are handed
 * in with ut_dev_input(). */
int ut_dev_create(struct ut_stack *stack, const char *name, enum ut_dev_type type,
		  unsigned mtu, unsigned flags, const uint8_t *hwaddr,
		  const struct ut_dev_driver *driver, void *ctx, struct ut_dev **out);
/* Hands one received frame to the device (copied); the stack processes it at
 * its next ut_stack_poll(). -EMSGSIZE if larger than the MTU allows,
 * -ENOBUFS if the receive queue (1000 frames, as netdev_max_backlog) or
 * buffer memory is full; the frame then counts in rx_dropped. */
int ut_dev_input(struct ut_dev *dev, const void *frame, size_t len);

#ifdef __cplusplus
}
#endif
#endif
