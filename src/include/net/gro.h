/* Generic receive offload (Linux's include/net/gro.h and net/core/gro.c):
 * the TCP segments of one flow that a device receives in one poll are
 * merged into one buffer of up to 64 KB, so the layers above run once
 * for many wire segments. The core (src/core/gro.c) holds the packets
 * and flushes them; each family decides what may be merged through the
 * gro_receive and gro_complete callbacks of its struct packet_offload
 * (IPv4 and TCP over IPv4 in src/ipv4/tcp_offload.c, IPv6 and TCP over
 * IPv6 in src/ipv6/ip6_offload.c).
 *
 * What a family's gro_receive is handed: skb with its link header pulled
 * (skb->data at the network header), skb->protocol set, and the held
 * packets of head each marked same_flow when their link header and
 * protocol match skb's (flush cleared). It checks skb's headers (every
 * length before use) and its checksums, clears same_flow on held packets
 * of other flows, merges skb into the matching one with skb_gro_receive
 * (setting skb's same_flow), or sets skb's flush to send it up alone; it
 * returns the held packet that must go up now (the flow's held packet
 * when skb could not join it, or when skb ended it), or NULL. A packet
 * neither merged nor flushed is held as a new flow.
 *
 * A merged packet looks like what Linux hands a receiver after GRO: one
 * network header with its length fixed, the first segment's TCP header
 * with the last's PSH and FIN, the payloads in order, gso_size the
 * segment size, gso_segs the count, gso_type SKB_GSO_TCPV4 or TCPV6, and
 * ip_summed CHECKSUM_UNNECESSARY (every segment's checksum was checked
 * before it was merged). */
#ifndef USERTCP_NET_GRO_H
#define USERTCP_NET_GRO_H

#include <stdbool.h>
#include <stdint.h>

#include "net/skbuff.h"

struct net_device;

/* Flows one device holds at a time (Linux's MAX_GRO_SKBS): a ninth
 * flushes the oldest. */
#define MAX_GRO_SKBS 8
/* The largest merged packet, from its network header: IPv4's total
 * length field, and IPv6's payload length without jumbograms (Linux's
 * GRO_LEGACY_MAX_SIZE, 65536, which its skb_gro_receive must stay
 * under). */
#define GRO_MAX_SIZE 65535u

/* GRO's state of a packet, in skb->cb while GRO owns it (Linux's
 * napi_gro_cb). "Held" fields belong to a packet on the held list;
 * "scratch" fields are set afresh for each packet compared. */
struct napi_gro_cb {
	uint32_t len;	   /* held: payload bytes merged */
	uint16_t count;	   /* held: segments merged, 1 for a lone packet */
	uint16_t mss;	   /* held: the first segment's payload length */
	uint16_t first_id; /* held: the first IPv4 identification */
	uint16_t flush_id; /* scratch, held: 0 when skb's IPv4 id continues the count */
	uint8_t id_same;   /* scratch, held: skb's IPv4 id equals the first */
	uint8_t is_atomic; /* held: DF set, so fixed ids are allowed (RFC 6864) */
	uint8_t id_mode;   /* held: GRO_ID_* */
	uint8_t same_flow; /* scratch: held and skb are of one flow; skb: merged */
	uint8_t flush;	   /* scratch: held: skb must not join it; skb: go up alone */
	uint8_t csum_ok;   /* skb: its transport checksum was verified */
	uint16_t thoff;	   /* skb: transport header's offset from skb->data */
	uint16_t ip_id;	   /* skb: its IPv4 identification */
};
#define NAPI_GRO_CB(skb) ((struct napi_gro_cb *)(void *)(skb)->cb)
_Static_assert(sizeof(struct napi_gro_cb) <= sizeof(((struct sk_buff *)0)->cb),
	       "napi_gro_cb fits in skb->cb");

/* How a held IPv4 flow's identifications run, decided at its second
 * segment (Linux's is_atomic and flush_id rules): counting up by one a
 * segment, as a TSO sender's do, or fixed, allowed only with DF. */
#define GRO_ID_UNDECIDED 0
#define GRO_ID_COUNTING 1
#define GRO_ID_FIXED 2

/* Where GRO hands packets on: up(ctx, dev, skb, count) takes a packet
 * that goes on, count the wire segments in it (1 for one neither merged
 * nor held); drop(ctx, dev, skb) takes a merged one whose family could
 * not complete it. Receive hands packets up the stack; the transmit
 * side's re-join (netdev_flush_tx, behind an impairment) to the driver. */
struct gro_sink {
	void (*up)(void *ctx, struct net_device *dev, struct sk_buff *skb, unsigned count);
	void (*drop)(void *ctx, struct net_device *dev, struct sk_buff *skb);
};

/* The core of napi_gro_receive for any list of held packets: merges skb
 * (link header pulled, skb->protocol and the mac header set) into a held
 * flow of head, holds it as a new flow, or hands it to sink, after any
 * held packet of its flow it may not follow. Consumes skb. */
void gro_merge(struct net_device *dev, struct sk_buff_head *head, struct sk_buff *skb,
	       const struct gro_sink *sink, void *ctx);
/* Hands every packet of head to sink, oldest first, merged ones
 * completed by their family. */
void gro_flush_list(struct net_device *dev, struct sk_buff_head *head, const struct gro_sink *sink,
		    void *ctx);

/* Takes one received packet of skb->dev (link header pulled, protocol
 * set): merges it into a held flow, holds it, or hands it up with
 * netif_deliver_skb, flushing first any held packet of its flow it may
 * not follow (Linux's napi_gro_receive). Devices without NETIF_F_GRO and
 * ethertypes without a gro_receive hand every packet straight up.
 * Consumes skb. */
void napi_gro_receive(struct sk_buff *skb);
/* Hands up every packet dev holds, oldest first (Linux's napi_gro_flush,
 * at the end of each poll: napi_complete_done). */
void napi_gro_flush(struct net_device *dev);
/* Frees what dev holds without handing it up (the device is going). */
void gro_list_purge(struct net_device *dev);
/* Appends len payload bytes to the held packet *pp (Linux's
 * skb_gro_receive): the first merge moves the held packet into a buffer
 * from the pool with room for GRO_MAX_SIZE (its bytes copied once; the
 * driver's buffer may be shared and is never written), which replaces
 * it on head and in *pp. Counts the segment, and adds the charge of
 * skb, the frame the payload came in (skb_copied_truesize), to the
 * packet's. 0, -E2BIG when the result would pass GRO_MAX_SIZE, -ENOBUFS
 * when the pool is spent. */
int skb_gro_receive(struct sk_buff_head *head, struct sk_buff **pp, const uint8_t *payload,
		    uint32_t len, const struct sk_buff *skb);

#endif
