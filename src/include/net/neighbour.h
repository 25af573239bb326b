/* The neighbour cache (Linux's net/core/neighbour.c with ARP as its only
 * protocol): which link-layer address answers for an on-link IPv4 address,
 * with Linux's NUD states and timing.
 *
 *   NONE -> INCOMPLETE: first packet; broadcast requests every retrans_time,
 *           packets held (up to unres_qlen_bytes) until resolved
 *   INCOMPLETE -> REACHABLE on a reply; -> FAILED after mcast_solicit
 *           requests unanswered (held packets dropped, senders told
 *           "host unreachable")
 *   REACHABLE -> STALE when reachable_time passes without confirmation
 *   STALE -> DELAY when used; DELAY -> REACHABLE if confirmed within
 *           delay_first_probe_time, else PROBE (unicast requests) -> FAILED
 *   Unused STALE and FAILED entries are collected after gc_stale_time.
 */
#ifndef USERTCP_NET_NEIGHBOUR_H
#define USERTCP_NET_NEIGHBOUR_H

#include <stdint.h>

#include "net/skbuff.h"
#include "net/timer.h"
#include "net/wire.h"

struct ut_stack;
struct net_device;

/* Linux's NUD_* values (include/uapi/linux/neighbour.h). */
#define NUD_NONE 0x00
#define NUD_INCOMPLETE 0x01
#define NUD_REACHABLE 0x02
#define NUD_STALE 0x04
#define NUD_DELAY 0x08
#define NUD_PROBE 0x10
#define NUD_FAILED 0x20
#define NUD_NOARP 0x40
#define NUD_PERMANENT 0x80
#define NUD_IN_TIMER (NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE)
#define NUD_VALID (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)
#define NUD_CONNECTED (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE)

/* net.ipv4.neigh.default.* (times in ms). */
struct neigh_parms {
	long base_reachable_time_ms; /* 30000 */
	long retrans_time_ms;	     /* 1000 */
	long delay_first_probe_time; /* 5 (s) */
	long gc_stale_time;	     /* 60 (s) */
	long ucast_solicit;	     /* 3 */
	long app_solicit;	     /* 0 */
	long mcast_solicit;	     /* 3 */
	long mcast_resolicit;	     /* 0 */
	long unres_qlen_bytes;	     /* 212992 */
	long gc_thresh1;	     /* 128: below it, no collection */
	long gc_thresh3;	     /* 1024: hard limit on entries */
	long gc_interval;	     /* 30 (s) */
};

struct neighbour {
	struct neighbour *next; /* hash chain */
	struct neigh_table *tbl;
	struct net_device *dev;
	uint32_t primary_key; /* IPv4 address, network order */
	uint8_t ha[ETH_ALEN];
	uint8_t nud_state;
	uint8_t probes;
	uint64_t confirmed; /* jiffies of last reachability proof */
	uint64_t used;	    /* jiffies of last use for output */
	struct timer_list timer;
	struct sk_buff_head arp_queue; /* held while INCOMPLETE */
};

struct neigh_table {
	struct ut_stack *stack;
	struct neighbour **hash;
	uint32_t hash_mask;
	uint32_t entries;
	uint32_t hash_rnd;
	uint64_t reachable_time; /* jiffies, randomised from base */
	uint64_t last_rand;	 /* jiffies reachable_time was drawn */
	struct timer_list gc_timer;
};

int neigh_table_init(struct neigh_table *tbl, struct ut_stack *stack);
void neigh_table_destroy(struct neigh_table *tbl);

struct neighbour *neigh_lookup(struct neigh_table *tbl, const struct net_device *dev, uint32_t key);
/* Sends skb (an IPv4 packet, data at the IP header) to the on-link next hop
 * nexthop on dev, resolving it first if needed. Consumes skb. 0, or
 * -ENOBUFS if no entry could be made. */
int neigh_output(struct neigh_table *tbl, struct net_device *dev, uint32_t nexthop,
		 struct sk_buff *skb);
/* Learns that key is at lladdr on dev. new_state is NUD_REACHABLE for a
 * proof (an ARP reply), NUD_STALE for a hint (a request naming its sender),
 * NUD_PERMANENT for a static entry.
 * create: make the entry if missing. Releases packets held for it. */
void neigh_update(struct neigh_table *tbl, struct net_device *dev, uint32_t key,
		  const uint8_t *lladdr, uint8_t new_state, bool create);
/* Drops every entry of dev (device going away). */
void neigh_ifdown(struct neigh_table *tbl, struct net_device *dev);
const char *neigh_state_name(uint8_t nud_state);

/* ARP (net/ipv4/arp.c). */
/* Makes the stack's ARP table and registers ARP with the device layer:
 * its ethertype's handler, and the flush of a device's entries when it
 * goes away (Linux's arp_init). 0 or -errno. */
int arp_init(struct ut_stack *stack);
/* Broadcasts (dst_ha NULL) or unicasts a request for tip out of dev. */
void arp_send_request(struct net_device *dev, uint32_t tip, const uint8_t *dst_ha);

#endif
