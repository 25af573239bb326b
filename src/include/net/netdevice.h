/* Network devices inside the stack (Linux's struct net_device). The public
 * struct ut_dev is this struct under another name: the conversion helpers
 * below are the only place the two meet. */
#ifndef USERTCP_NET_NETDEVICE_H
#define USERTCP_NET_NETDEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "net/pcap.h"
#include "net/skbuff.h"
#include "net/wire.h"
#include "usertcp/dev.h"

struct ut_stack;
struct net_device;
struct netem_qdisc;
struct inet6_dev;

#ifndef IFNAMSIZ
#define IFNAMSIZ 16 /* as <net/if.h> */
#endif
/* Headroom every locally built packet reserves: Ethernet (14) plus 2 bytes
 * so the IP header is 4-byte aligned, plus IPv4 and TCP with full options. */
#define LL_RESERVED_SPACE 16
#define MAX_HEADER (LL_RESERVED_SPACE + IPV4_HLEN_MAX + TCP_HLEN_MAX)
/* Frames taken from one device per poll, as NAPI's default weight. */
#define NAPI_POLL_WEIGHT 64
/* Received frames a device's backlog may hold before netif_rx drops
 * (netdev_max_backlog). */
#define NETDEV_MAX_BACKLOG 1000
/* Headroom in front of a received Ethernet frame, so that the IP header
 * behind its 14 bytes starts on a 4-byte boundary (Linux's NET_IP_ALIGN). */
#define NET_IP_ALIGN 2
/* Transmit batch: queued frames are handed to the device this many at a
 * time (or at the end of each poll). */
#define NETDEV_TX_BATCH 64
/* Offloads a device may take in dev->features besides the public
 * UT_DEV_F_* (Linux's NETIF_F_*): a device without the segmentation
 * offload a buffer needs (NETIF_F_GSO for any, NETIF_F_TSO for TCP over
 * IPv4, NETIF_F_TSO6 over IPv6) gets it cut into frames by
 * dev_queue_xmit (software GSO). NETIF_F_HW_CSUM: the device fills in a
 * TCP or UDP checksum left partial (CHECKSUM_PARTIAL, the pseudo-header
 * sum seeded by the driver), so IP output leaves it to it. A TAP or TUN
 * with virtio-net headers sets them for what the kernel granted. */
#define NETIF_F_GSO (1u << 16)
#define NETIF_F_TSO (1u << 17)
#define NETIF_F_TSO6 (1u << 18)
#define NETIF_F_HW_CSUM (1u << 19)
/* The driver sends a nonlinear buffer (lent memory, MSG_ZEROCOPY) by
 * gathering its pieces, Linux's scatter-gather (NETIF_F_SG). */
#define NETIF_F_SG (1u << 21)
/* Generic receive offload (Linux's NETIF_F_GRO): the device's received
 * TCP segments of one flow are merged into larger buffers before the
 * stack sees them (src/core/gro.c). netdev_register turns it on for
 * every device, as Linux's register_netdevice adds NETIF_F_SOFT_FEATURES;
 * ut_dev_set_gro turns it off (`ethtool -K dev gro off`). */
#define NETIF_F_GRO (1u << 20)

/* What dev_queue_xmit tells the sender (Linux's NET_XMIT_* codes, all
 * non-negative so they cannot be mistaken for an errno). */
#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01 /* the device's queue refused the frame */
#define NET_XMIT_CN 0x02   /* taken, but the queue is congested */
/* A transport that is not TCP sees only the drop, as -ENOBUFS (Linux's
 * net_xmit_errno); congestion notification is not an error. */
#define net_xmit_eval(e) ((e) == NET_XMIT_CN ? 0 : (e))
#define net_xmit_errno(e) ((e) != NET_XMIT_CN ? -ENOBUFS : 0)

/* Linux's default txqueuelen for Ethernet and tun devices alike is 1000
 * (tun's was 500 before 5.x). */
#define NETDEV_DEFAULT_TX_QUEUE_LEN 1000u

struct net_device_ops {
	/* Takes ownership of all n skbs: sends, queues or frees each one. */
	void (*ndo_start_xmit)(struct net_device *dev, struct sk_buff **skbs, unsigned n);
	/* For a driver that reads its medium when polled (tun.c): moves up
	 * to max received frames into skbs[]; returns how many. A driver
	 * without it hands frames over with netif_rx instead. */
	unsigned (*ndo_rx_batch)(struct net_device *dev, struct sk_buff **skbs, unsigned max);
	/* Releases the driver's state (priv). Optional. */
	void (*ndo_uninit)(struct net_device *dev);
};

/* An IPv4 address on a device (Linux's struct in_ifaddr). */
struct in_ifaddr {
	uint32_t ifa_local; /* network byte order */
	uint32_t ifa_mask;  /* network byte order */
	uint32_t ifa_broadcast;
	uint8_t ifa_prefixlen;
};
#define IN_DEV_MAX_ADDRS 8

/* Return values of an rx handler (Linux's rx_handler_result). */
enum rx_handler_result {
	RX_HANDLER_CONSUMED, /* handler took the skb */
	RX_HANDLER_PASS,     /* continue into the stack */
};
typedef enum rx_handler_result (*rx_handler_func_t)(struct sk_buff *skb, void *data);

/* A receive handler for one ethertype (Linux's struct packet_type): the
 * device layer hands it every frame of that type, link header pulled,
 * skb->protocol and skb->pkt_type set. Consumes skb. Each family
 * registers its own with dev_add_pack when the stack is made, so the
 * device layer names none of them. */
struct packet_type {
	uint16_t type; /* ETH_P_*, host order */
	void (*func)(struct sk_buff *skb);
};
/* Handlers one stack holds: IPv4, ARP, IPv6. */
#define PTYPE_MAX 4

/* A family's offloads (Linux's struct packet_offload): its software
 * segmentation of GSO buffers, which skb_gso_segment finds by
 * skb->protocol, and its share of GRO, which napi_gro_receive finds the
 * same way (net/gro.h says what each callback must do), so the device
 * layer names no family. */
struct packet_offload {
	uint16_t type; /* ETH_P_*, host order */
	int (*gso_segment)(struct sk_buff *skb, struct sk_buff_head *segs);
	/* Linux's gro_receive: compares skb with the held packets of head
	 * and merges it into one, or marks it to go up alone; returns the
	 * held packet that must be flushed now, or NULL. NULL callback: the
	 * family's packets are never merged. */
	struct sk_buff *(*gro_receive)(struct sk_buff_head *head, struct sk_buff *skb);
	/* Linux's gro_complete: fixes the headers of a merged packet (two
	 * or more segments) before it goes up. 0 or -errno (then dropped). */
	int (*gro_complete)(struct sk_buff *skb);
};
#define OFFLOAD_MAX 2

/* Device events (Linux's netdevice notifier chain, NETDEV_* values):
 * NETDEV_REGISTER then NETDEV_UP once the driver has set the device up
 * (netdev_register; usertcp's devices are up from then on), and
 * NETDEV_UNREGISTER when it is going away, before its queues are purged.
 * A family makes its per-device state on the first and drops what it
 * keeps about dev (neighbours, routes through it) on the last. */
#define NETDEV_UP 1
#define NETDEV_REGISTER 5
#define NETDEV_UNREGISTER 6
#define NETDEV_CHANGEMTU 7
typedef void (*netdev_notifier_fn)(unsigned long event, struct net_device *dev);
#define NETDEV_NOTIFIER_MAX 8

/* The packets a device's GRO holds during one poll (Linux's
 * napi_struct's gro_hash lists, one list here: at most MAX_GRO_SKBS
 * flows are held, fewer than a hash's buckets would pay for). */
struct gro_list {
	struct sk_buff_head held; /* oldest first */
	/* This poll read one frame alone and holds nothing: GRO has nothing
	 * to merge it with, so it skips GRO's parse, and the protocols
	 * verify its checksums as on a device without GRO. */
	bool lone;
};

struct net_device {
	struct ut_stack *stack;
	struct net_device *next; /* stack's device list */
	char name[IFNAMSIZ];
	int ifindex;
	enum ut_dev_type type;
	unsigned mtu;		  /* IP MTU */
	unsigned hard_header_len; /* 14 for Ethernet, 0 for raw IP */
	unsigned features;	  /* UT_DEV_F_* */
	uint8_t dev_addr[ETH_ALEN];
	const struct net_device_ops *ops;
	void *priv;
	struct sk_buff_head txq;      /* queued until the batch is flushed */
	unsigned tx_queue_len;	      /* txq's limit (txqueuelen); 0: drop all */
	struct sk_buff_head backlog;  /* received, waiting for the poll (netif_rx) */
	struct pcap_writer pcap;      /* mirror; pcap.f NULL when off */
	rx_handler_func_t rx_handler; /* sees frames before the stack (tests, bridges) */
	void *rx_handler_data;
	struct ut_dev_stats stats;
	struct netem_qdisc *netem[2]; /* UT_DEV_EGRESS, UT_DEV_INGRESS; NULL: none */
	int fd;			      /* to wait on for received frames; -1: none */
	/* The last sleep (ppoll) on fd returned with fd not readable, and no
	 * poll has looked at the device since: the next poll skips the read
	 * that would find it empty (netdev_poll_rx). */
	bool rx_idle;
	struct in_ifaddr addrs[IN_DEV_MAX_ADDRS];
	unsigned n_addrs;
	struct inet6_dev *ip6_ptr; /* IPv6's state (addrconf.c); NULL: none */
	/* Why an offload the driver asked its medium for is off, for
	 * ut_dev_offload_note; NULL or empty: nothing was refused. */
	const char *offload_note;
	struct gro_list gro; /* flows GRO holds until the poll ends */
};

static inline struct net_device *netdev_from_ut(const struct ut_dev *d)
{
	return (struct net_device *)(void *)(uintptr_t)d;
}
static inline struct ut_dev *netdev_to_ut(struct net_device *dev)
{
	return (struct ut_dev *)(void *)dev;
}

/* Allocates a device with room for priv_size bytes of driver state (priv
 * points at it) and links it into the stack. NULL on ENOMEM. */
struct net_device *netdev_alloc(struct ut_stack *stack, const char *name, enum ut_dev_type type,
				unsigned mtu, const struct net_device_ops *ops, size_t priv_size);
/* The stack's device with index ifindex, or NULL (Linux's
 * dev_get_by_index). */
struct net_device *dev_get_by_index(struct ut_stack *stack, int ifindex);
/* The device named name (Linux's dev_get_by_name), or NULL. */
struct net_device *dev_get_by_name(struct ut_stack *stack, const char *name);
/* The device holding the IPv4 address addr (Linux's ip_dev_find), or NULL. */
struct net_device *ip_dev_find(struct ut_stack *stack, uint32_t addr);
/* Tells the families a new device is there and up (NETDEV_REGISTER,
 * NETDEV_UP): called by each driver once the device is set up (its
 * hardware address chosen). */
void netdev_register(struct net_device *dev);
/* Tells the families dev's MTU changed (NETDEV_CHANGEMTU). */
void netdev_notify_mtu(struct net_device *dev);
/* Unlinks and frees a device, its queues, its mirror and its neighbours. */
void netdev_free(struct net_device *dev);

/* Queues a fully built frame (link header included) for transmission; it is
 * mirrored to pcap and handed to the driver in a batch. A buffer of several
 * TCP segments is cut into them first, unless the device does that itself
 * (NETIF_F_TSO or NETIF_F_GSO). Consumes skb. NET_XMIT_SUCCESS, or
 * NET_XMIT_DROP when the device's queue is full (tx_queue_len frames wait;
 * 0 refuses every frame), as a Linux qdisc answers (TCP takes it as local
 * congestion), or when a buffer cannot be cut (counted in tx_dropped). */
int dev_queue_xmit(struct sk_buff *skb);
/* Hands the device's queued frames to its driver (through the egress
 * impairment, if any, which holds them until due). */
void netdev_flush_tx(struct net_device *dev);
/* Whether the device has frames to transmit now (queued, or due out of
 * its egress impairment). */
bool netdev_tx_pending(const struct net_device *dev);
/* When the device's impairments next release a frame, or UINT64_MAX. */
uint64_t netdev_next_deadline(const struct net_device *dev);
/* Receives up to budget frames from the device into the stack. Returns how
 * many frames were processed. */
unsigned netdev_poll_rx(struct net_device *dev, unsigned budget);
/* Whether received frames wait on the device's backlog: the stack must
 * poll now. (A driver with ndo_rx_batch has a descriptor to wait on.) */
static inline bool netif_rx_pending(const struct net_device *dev)
{
	return !skb_queue_empty(&dev->backlog);
}
/* Whether the backlog holds NETDEV_MAX_BACKLOG frames, so that netif_rx
 * would drop: a driver may ask before it spends a buffer on a frame. */
static inline bool netif_rx_backlog_full(const struct net_device *dev)
{
	return skb_queue_len(&dev->backlog) >= NETDEV_MAX_BACKLOG;
}
/* A driver's hand-over of one received frame (Linux's netif_rx): queued
 * on skb->dev's backlog until the next poll takes it into the stack. A
 * full backlog drops it, counted in rx_dropped. Consumes skb; returns
 * NET_RX_SUCCESS or NET_RX_DROP. */
int netif_rx(struct sk_buff *skb);
#define NET_RX_SUCCESS 0
#define NET_RX_DROP 1
/* A buffer for a received frame of up to len bytes on dev, NET_IP_ALIGN
 * bytes into it on Ethernet (Linux's netdev_alloc_skb_ip_align). NULL
 * when the pool is spent. */
struct sk_buff *netdev_alloc_skb_ip_align(struct net_device *dev, uint32_t len);
/* Entry of one received frame into the stack (mirror, rx handler, then by
 * link type and ethertype to the handler dev_add_pack registered).
 * Consumes skb. */
void netif_receive_skb(struct sk_buff *skb);
/* Registers func as the receive handler of ethertype type on stack
 * (Linux's dev_add_pack). 0, -EEXIST if type has one, -ENOSPC past
 * PTYPE_MAX. Called when the stack is made. */
int dev_add_pack(struct ut_stack *stack, uint16_t type, void (*func)(struct sk_buff *skb));
/* Registers ethertype po->type's offloads (Linux's dev_add_offload):
 * its segmentation and GRO callbacks, copied. 0, -EEXIST, -ENOSPC past
 * OFFLOAD_MAX. */
int dev_add_offload(struct ut_stack *stack, const struct packet_offload *po);
/* The offloads registered for ethertype type, or NULL. */
const struct packet_offload *gro_find_offload(const struct ut_stack *stack, uint16_t type);
/* Hands a received packet, link header pulled and skb->protocol set, to
 * the handler its ethertype registered with dev_add_pack (or drops it,
 * counted in rx_dropped, when there is none): the last step of receive,
 * for frames GRO did not hold and for what GRO flushes. Consumes skb. */
void netif_deliver_skb(struct sk_buff *skb);
/* Cuts a GSO buffer (skb_is_gso; skb->dev set) into wire segments,
 * appended to segs, by the segmentation its family registered for
 * skb->protocol (Linux's skb_gso_segment). Leaves skb alone. 0, or -errno
 * (-EPROTONOSUPPORT: none registered) with segs holding what was made,
 * to be purged. */
int skb_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
/* Registers fn to be told of each device event on stack, in the order
 * registered (Linux's register_netdevice_notifier). 0 or -ENOSPC past
 * NETDEV_NOTIFIER_MAX. Called when the stack is made. */
int register_netdevice_notifier(struct ut_stack *stack, netdev_notifier_fn fn);
/* Whether dev takes skb (a GSO buffer) whole: it segments that kind
 * itself and no egress impairment, which works on wire packets, stands
 * in between (the packets are joined again behind it for a device that
 * segments: netdev_flush_tx). */
bool netif_gso_ok(const struct net_device *dev, const struct sk_buff *skb);
/* Whether IP output may leave a TCP or UDP checksum to dev
 * (CHECKSUM_PARTIAL): it offloads checksums. An egress impairment that
 * corrupts such a frame writes the whole checksum first
 * (src/sched/sch_netem.c), so the damage still shows. */
static inline bool netif_csum_ok(const struct net_device *dev)
{
	return (dev->features & NETIF_F_HW_CSUM) != 0;
}
/* Mirrors a frame to the device's pcap file, if one is open. */
void netdev_mirror(struct net_device *dev, const struct sk_buff *skb);

/* A random locally administered unicast Ethernet address, drawn from the
 * stack's generator (Linux's eth_random_addr). */
void eth_random_addr(struct ut_stack *stack, uint8_t addr[ETH_ALEN]);
/* An Ethernet device's address: hwaddr, or a random one if NULL (no-op
 * for layer 3 devices). */
void netdev_set_hwaddr(struct net_device *dev, const uint8_t *hwaddr);
/* Builds an Ethernet header in front of skb->data. */
void eth_header(struct sk_buff *skb, const uint8_t *daddr, const uint8_t *saddr, uint16_t proto);

#endif
