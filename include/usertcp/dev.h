/* Network devices. A device moves frames between a stack and a medium:
 * a simulated link, a TAP or TUN interface, or a driver the application
 * provides (a tunnel, a test harness). Layer 2 devices carry Ethernet frames
 * and resolve neighbours with ARP (like TAP); layer 3 devices carry bare IPv4
 * packets (like TUN). Any device can mirror its traffic to a pcap file. */
#ifndef USERTCP_DEV_H
#define USERTCP_DEV_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ut_dev_type {
	UT_DEV_ETHER = 1, /* Ethernet II frames, ARP (TAP) */
	UT_DEV_RAWIP = 2, /* bare IPv4 packets (TUN) */
};

/* Checksum offload: the medium verifies received checksums, or fills in
 * transmitted transport checksums. Software does that work otherwise. */
#define UT_DEV_F_RX_CSUM 0x1
#define UT_DEV_F_TX_CSUM 0x2
/* Received packets may be larger than the MTU, up to IPv4's 65535 bytes:
 * what Linux's tun accepts from its writer, which checks no MTU (packetdrill
 * writes packets as GRO would have merged them). ut_dev_create only. */
#define UT_DEV_F_RX_ANY_SIZE 0x4
/* ut_dev_open_tuntap only: plain frames, without virtio-net headers and
 * so without the kernel's offloads (the tools' --no-offload). */
#define UT_DEV_F_NO_OFFLOAD 0x8
/* ut_dev_open_tuntap only: attach one more queue of an interface made
 * with multi_queue (IFF_MULTI_QUEUE), as each stack of a group does
 * (usertcp/group.h). Without it such an interface refuses: -EINVAL. */
#define UT_DEV_F_MULTI_QUEUE 0x10

/* A device's counters, as Linux's struct rtnl_link_stats64 has them:
 * rx_packets and rx_bytes count frames as they came off the medium,
 * before GRO. GRO's figures take the names of Linux's per-queue
 * statistics (`ynl --family netdev --dump qstats-get`: rx-hw-gro-packets
 * and rx-hw-gro-wire-packets, which Linux keeps for GRO done by the
 * device; Linux counts its software GRO nowhere): packets GRO built
 * from two or more wire segments, and the wire segments in them. */
struct ut_dev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t rx_gro_packets, rx_gro_wire_packets;
	/* The system calls the device cost, for the figures per megabyte a
	 * poll-mode driver is judged by (0 on a device without a descriptor:
	 * simulated links, ut_dev_create). A TAP/TUN descriptor moves one
	 * frame per call: rx_syscalls counts every read, the ones that found
	 * the interface drained (EAGAIN, which end a poll's batch short of its
	 * limit) included, and rx_syscalls_empty those alone; tx_syscalls
	 * every write, one per frame handed to the kernel, refused or not.
	 * poll_waits counts the sleeps (ppoll) of the stack thread or of a
	 * blocked call without one that watched the device's descriptor; one
	 * sleep watching two devices counts on each. A poll that follows a sleep
 * which found the descriptor unreadable makes no read at all: a frame
 * that came since keeps it readable, and the next sleep returns at once
 * for it (docs/BENCHMARKS.md, "System calls per megabyte"). */
	uint64_t rx_syscalls, rx_syscalls_empty, tx_syscalls, poll_waits;
	/* Behind an egress impairment on a device that segments TCP itself
	 * (a TAP or TUN with TSO), the wire packets that leave the
	 * impairment together are joined again into buffers the driver
	 * hands over whole (ut_dev_set_netem): buffers joined from two or
	 * more packets, and the packets in them. tx_packets counts the
	 * wire packets. */
	uint64_t tx_gso_packets, tx_gso_wire_packets;
};

const char *ut_dev_name(const struct ut_dev *dev);
int ut_dev_ifindex(const struct ut_dev *dev);
enum ut_dev_type ut_dev_type(const struct ut_dev *dev);
unsigned ut_dev_mtu(const struct ut_dev *dev);
/* 68 <= mtu <= 65535 (IPv4's minimum and maximum), else -EINVAL. */
int ut_dev_set_mtu(struct ut_dev *dev, unsigned mtu);
/* The device's transmit queue limit in frames (Linux's txqueuelen, and the
 * limit of the pfifo qdisc Linux gives a device by default); 1000 unless
 * set. usertcp hands queued frames to the driver whenever a batch or the
 * queue fills, so the limit refuses frames only when it is 0: the device
 * then drops every frame it is given (tx_dropped), as one with a `tc
 * qdisc ... pfifo limit 0` does, and TCP treats the drop as local
 * congestion: it retries every 500 ms (TCP_RESOURCE_PROBE_INTERVAL)
 * without backing off, and TCP_USER_TIMEOUT bounds how long. Safe from
 * any thread. */
unsigned ut_dev_txqueuelen(const struct ut_dev *dev);
void ut_dev_set_txqueuelen(struct ut_dev *dev, unsigned len);
/* The device's Ethernet address (zero for layer 3 devices). */
void ut_dev_hwaddr(const struct ut_dev *dev, uint8_t addr[6]);
void ut_dev_get_stats(const struct ut_dev *dev, struct ut_dev_stats *st);
struct ut_dev *ut_dev_by_name(struct ut_stack *stack, const char *name);
/* Generic receive offload (Linux's NETIF_F_GRO, on for every device):
 * the TCP segments of one flow received in one poll are merged into
 * packets of up to 64 KB before IP and TCP see them, under Linux's rules
 * (same flow, in sequence, same ACK, window and options, no PSH, FIN,
 * RST, URG or SYN but on the last; docs/ARCHITECTURE.md). Captures and
 * rx_packets still see wire frames. ut_dev_set_gro(dev, false) is
 * `ethtool -K dev gro off`: what is held goes up at once. Safe from any
 * thread. */
void ut_dev_set_gro(struct ut_dev *dev, bool on);
bool ut_dev_gro(const struct ut_dev *dev);

/* Mirrors every frame the device sends or receives to a pcap file
 * (nanosecond timestamps from the stack's clock; LINKTYPE_ETHERNET or
 * LINKTYPE_RAW), readable by tcpdump and Wireshark. Replaces any earlier
 * mirror. -errno from opening the file. */
int ut_dev_pcap_open(struct ut_dev *dev, const char *path);
/* Flushes and closes the mirror, if any. */
void ut_dev_pcap_close(struct ut_dev *dev);

/* Impairments of one direction of a medium, as Linux's netem applies them:
 * a simulated link's (ut_sim_link_add) or a device's own (ut_dev_set_netem).
 * Probabilities are in [0, 1]. */
struct ut_link_params {
	uint64_t rate_bps;	   /* serialisation rate; 0: unlimited */
	uint64_t delay_ns;	   /* one-way propagation delay */
	uint64_t jitter_ns;	   /* each packet's delay varies uniformly by +-jitter,
				 * but packets stay in order, as on a wire */
	double loss;		   /* packet dropped */
	double duplicate;	   /* packet delivered twice */
	double reorder;		   /* packet held back by reorder_delay_ns so that
				 * later packets overtake it */
	uint64_t reorder_delay_ns; /* default 1 ms */
	double corrupt;		   /* one random bit of the frame flipped */
	unsigned mtu;		   /* IP MTU of the link and its devices; 1500 */
	unsigned queue_limit;	   /* frames waiting for the wire; 1000, as Linux's
				 * default txqueuelen; beyond it: tail drop */
	bool ecn;		   /* netem's ecn: a frame loss picks is marked CE
				 * instead when it is ECN-capable (ECT) */
	unsigned ce_threshold;	   /* a step marker (DCTCP's K): an ECT frame
				 * that finds more than this many frames
				 * waiting is marked CE; 0: off */
};

/* Per-direction counts, for checking impairments did what was asked. */
struct ut_link_stats {
	uint64_t sent;	    /* frames handed to the link */
	uint64_t delivered; /* frames handed to the far device (dups included) */
	uint64_t lost, duplicated, reordered, corrupted;
	uint64_t queue_drops; /* over queue_limit */
	uint64_t ce_marked;   /* marked CE (ecn, ce_threshold) */
	uint64_t mtu_drops;   /* larger than the link MTU */
	uint64_t down_drops;  /* link was down */
	uint64_t bytes_delivered;
	/* The queue for the wire (frames waiting or being serialised, as
	 * queue_limit counts them), for measuring what a sender leaves
	 * standing at a bottleneck. queue_len and queue_bytes are the queue
	 * when the stats were read; the maxima are over the direction's life.
	 * queue_integral (frame-ns) and queue_bytes_integral (byte-ns)
	 * accumulate the queue over time up to queue_time_ns, the virtual
	 * time of the reading: the mean queue between two readings a and b
	 * is (b.queue_integral - a.queue_integral) / (b.queue_time_ns -
	 * a.queue_time_ns). */
	uint64_t queue_len, queue_max;
	uint64_t queue_bytes, queue_bytes_max;
	uint64_t queue_integral, queue_bytes_integral;
	uint64_t queue_time_ns;
};

/* A perfect 1500-byte link: no rate limit, no delay, no impairment. */
void ut_link_params_init(struct ut_link_params *p);

/* ---- impairments on any device (netem) -----------------------------------*/

#define UT_DEV_EGRESS 0	 /* frames the stack sends */
#define UT_DEV_INGRESS 1 /* frames the stack receives */
#define UT_DEV_BOTH (-1)

/* Impairs a device's traffic exactly as a simulated link would (same
 * order of steps, same parameters), in one direction or both, so that an
 * application can meet delay, loss, reordering and a slow link on a real
 * device with no kernel support. Frames are held in the device and
 * released by ut_stack_poll when due (ut_stack_next_deadline accounts for
 * them). Each direction draws from its own generator seeded from seed, so
 * a run's choices repeat. params->mtu is ignored (the device's MTU
 * applies); NULL params removes the impairment, dropping what it held.
 * Each step acts on wire packets, also on a TAP or TUN with the
 * kernel's offloads (ut_dev_offloads), where a frame may be a TCP buffer
 * of up to 64 KB: such a buffer is cut into the packets it stands for
 * before they are impaired (Linux's netem would lose or delay it whole,
 * which is why its users turn TSO and GRO off), and the packets that
 * leave the impairment together are joined again, by GRO's rules, into
 * one buffer for the driver (struct ut_dev_stats: tx_gso_packets); the
 * ones received are joined by GRO as any device's are. A damaged packet
 * gets its whole checksum written first, so the damage shows.
 * -EINVAL for bad values or direction, -ENOMEM. */
int ut_dev_set_netem(struct ut_dev *dev, int direction, const struct ut_link_params *params,
		     uint64_t seed);
/* The impairment's counts for UT_DEV_EGRESS or UT_DEV_INGRESS (zero if
 * none is set). */
void ut_dev_get_netem_stats(const struct ut_dev *dev, int direction, struct ut_link_stats *st);

/* ---- TAP and TUN interfaces of the host's kernel --------------------------*/

/* Attaches to the kernel interface ifname, which must already exist, as
 * QEMU does (`ip tuntap add dev tap0 mode tap user $USER`): a TAP
 * (type UT_DEV_ETHER, Ethernet frames and ARP) or a TUN (UT_DEV_RAWIP, bare
 * IP packets, IPv4 kept and the rest dropped). The usertcp device takes the
 * interface's name and MTU; a TAP device gets hwaddr, or a random locally
 * administered address if NULL, since usertcp is a host of its own on the
 * tap's link, as a virtual machine is. The descriptor is non-blocking:
 * each ut_stack_poll reads a batch and each flush writes the stack's
 * transmit batch. By default frames carry virtio-net headers
 * (IFF_VNET_HDR) and the kernel is asked for checksum and TCP
 * segmentation offloads (ut_dev_offloads says which it granted;
 * ut_dev_offload_note why one is off; a refusal falls back, down to
 * plain frames, and never fails the call). flags: UT_DEV_F_* (none is
 * needed; UT_DEV_F_NO_OFFLOAD asks for plain frames).
 * Errors: -ENOENT (no /dev/net/tun), -ENODEV (no such interface), -EPERM
 * (not allowed: CAP_NET_ADMIN or the interface's owner is needed),
 * -EBUSY (another process holds it), -EINVAL (a TUN interface opened as
 * TAP or the reverse, or a bad argument), -EEXIST (the stack has a device
 * of that name), -ENOMEM. ut_dev_tuntap_strerror explains each. */
int ut_dev_open_tuntap(struct ut_stack *stack, const char *ifname, enum ut_dev_type type,
		       unsigned flags, const uint8_t *hwaddr, struct ut_dev **out);
/* The kernel's offloads a TAP or TUN device works with (0 for any other
 * device, and with UT_DEV_F_NO_OFFLOAD): UT_DEV_OFFLOAD_CSUM, the kernel
 * fills in the TCP and UDP checksums usertcp leaves partial and vouches
 * for those it hands over; UT_DEV_OFFLOAD_TSO4 and _TSO6, a TCP buffer of
 * up to 64 KB over IPv4 or IPv6 leaves as one frame that the kernel
 * segments, and the kernel's own large frames come in whole. */
#define UT_DEV_OFFLOAD_CSUM 0x1
#define UT_DEV_OFFLOAD_TSO4 0x2
#define UT_DEV_OFFLOAD_TSO6 0x4
unsigned ut_dev_offloads(const struct ut_dev *dev);
/* A sentence saying which offload the kernel refused when the device was
 * opened, why, and what the device does instead (fewer offloads, or
 * plain frames with checksums and segmentation in software); NULL when
 * every offload asked for was granted or none was asked for. An
 * application shows it once, as the tools do. */
const char *ut_dev_offload_note(const struct ut_dev *dev);
/* Writes into buf (and returns it) a sentence for the error err from
 * ut_dev_open_tuntap: the cause, and the command that fixes it. */
const char *ut_dev_tuntap_strerror(int err, const char *ifname, enum ut_dev_type type, char *buf,
				   size_t len);
/* The descriptor a driver loop can wait on for received frames (POLLIN),
 * or -1 if the device has none. The stack thread and blocking calls wait
 * on it by themselves. */
int ut_dev_fd(const struct ut_dev *dev);

/* ---- a device whose medium the application drives ----------------------*/

struct ut_dev_driver {
	/* Sends a batch of count frames; frames[i] is one frame, valid only
	 * during the call. Returns how many were taken; the rest count as
	 * tx_dropped. Required. */
	unsigned (*transmit)(void *ctx, const struct iovec *frames, unsigned count);
	/* Called once when the device is destroyed. Optional. */
	void (*destroy)(void *ctx);
	/* UT_DEV_DRIVER_* (0: none). */
	unsigned flags;
};

/* The driver reports when the frames it took have left its medium, with
 * ut_dev_tx_completed (a NIC's transmit completion). Until then the
 * device holds them, and the sockets that sent them are charged for
 * them, which is what TCP Small Queues limits: a TCP socket keeps about
 * two buffers in a device that drains slowly and sends the rest as it
 * drains (net.ipv4.tcp_limit_output_bytes). Without it a frame is done
 * with as soon as transmit returns. */
#define UT_DEV_DRIVER_TX_COMPLETION 0x1u

/* Creates a device on stack with the given name (at most 15 bytes), type,
 * MTU, UT_DEV_F_* flags and hardware address (NULL: a random locally
 * administered one; ignored for UT_DEV_RAWIP). Received frames are handed
 * in with ut_dev_input(). */
int ut_dev_create(struct ut_stack *stack, const char *name, enum ut_dev_type type, unsigned mtu,
		  unsigned flags, const uint8_t *hwaddr, const struct ut_dev_driver *driver,
		  void *ctx, struct ut_dev **out);
/* Hands one received frame to the device (copied); the stack processes it at
 * its next ut_stack_poll(), and a stack thread is woken for it. Any thread
 * may call it: it takes the stack's lock unless the caller already holds
 * it (a transmit callback of the same stack). A transmit callback must not
 * hand frames to a second stack that runs a stack thread of its own and
 * feeds the first back the same way: each would wait for the other's lock.
 * -EMSGSIZE if larger than the MTU allows (or 65535 bytes of IP with
 * UT_DEV_F_RX_ANY_SIZE), -ENOBUFS if the receive queue
 * (1000 frames, as netdev_max_backlog) or buffer memory is full; the frame
 * then counts in rx_dropped. */
int ut_dev_input(struct ut_dev *dev, const void *frame, size_t len);
/* For a driver with UT_DEV_DRIVER_TX_COMPLETION: the count oldest frames
 * its transmit took have left its medium (in the order they were taken).
 * Any thread may call it, with the same locking as ut_dev_input; a
 * socket that waited for them writes at the stack's next poll, for
 * which a stack thread is woken. Returns how many frames were completed
 * (fewer when fewer were held), or -EINVAL for another kind of device. */
int ut_dev_tx_completed(struct ut_dev *dev, unsigned count);

#ifdef __cplusplus
}
#endif
#endif
