/* The neighbour cache (Linux's net/core/neighbour.c): which link-layer
 * address answers for an on-link address of a family, with Linux's NUD
 * states and timing. The cache and its state machine are shared; each
 * family brings a table and its operations (struct neigh_ops: key length,
 * ethertype, how to solicit, how to report a failure). ARP
 * (src/ipv4/arp.c) is the only family yet; IPv6's neighbour discovery
 * will be a second table with 16-byte keys.
 *
 *   NONE -> INCOMPLETE: first packet; solicitations every retrans_time,
 *           packets held (up to unres_qlen_bytes) until resolved
 *   INCOMPLETE -> REACHABLE on a reply; -> FAILED after mcast_solicit
 *           solicitations unanswered (held packets dropped, senders told
 *           "host unreachable" by the family's error_report)
 *   REACHABLE -> STALE when reachable_time passes without confirmation
 *   STALE -> DELAY when used; DELAY -> REACHABLE if confirmed within
 *           delay_first_probe_time, else PROBE (unicast solicitations)
 *           -> FAILED
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

/* The settings of struct neigh_parms as each family's table names them
 * (net.ipv4.neigh.default.*, net.ipv6.neigh.default.*), with the ranges
 * Linux accepts: X(field, min, max). */
#define NEIGH_PARMS_SYSCTLS(X)                \
	X(base_reachable_time_ms, 1, 3600000) \
	X(retrans_time_ms, 10, 3600000)       \
	X(delay_first_probe_time, 1, 3600)    \
	X(gc_stale_time, 1, 86400)            \
	X(ucast_solicit, 0, 255)              \
	X(app_solicit, 0, 255)                \
	X(mcast_solicit, 0, 255)              \
	X(mcast_resolicit, 0, 255)            \
	X(unres_qlen_bytes, 0, 1L << 30)      \
	X(gc_thresh1, 0, 1L << 20)            \
	X(gc_thresh3, 1, 1L << 20)            \
	X(gc_interval, 1, 86400)

/* The longest key of any family: an IPv6 address. */
#define NEIGH_KEY_MAX 16

struct neighbour {
	struct neighbour *next; /* hash chain */
	struct neigh_table *tbl;
	struct net_device *dev;
	uint8_t ha[ETH_ALEN];
	uint8_t nud_state;
	uint8_t probes;
	uint64_t confirmed; /* jiffies of last reachability proof */
	uint64_t used;	    /* jiffies of last use for output */
	struct timer_list timer;
	struct sk_buff_head arp_queue; /* held while INCOMPLETE */
	/* The protocol address, tbl->ops->key_len bytes as the family keeps
	 * it (ARP: the IPv4 address in network order). Allocated with the
	 * entry, as Linux's primary_key, so a 4-byte key costs 4 bytes. */
	uint8_t primary_key[];
};

/* What a family gives the neighbour cache, constant for its lifetime.
 * Linux splits it between the static part of struct neigh_table (family,
 * key_len, protocol) and struct neigh_ops (solicit, error_report); one
 * constant table per family holds both here, and struct neigh_table is
 * only the state one stack keeps. */
struct neigh_ops {
	int family;	   /* AF_INET for ARP */
	uint8_t key_len;   /* bytes of primary_key: 4 for ARP, 16 for ND */
	uint16_t protocol; /* ethertype of the packets sent to a neighbour */
	/* The first of the table's counters (ARP's NEIGH_STAT_LOOKUPS, ND's
	 * NDISC_STAT_LOOKUPS): the eight /proc/net/stat/<table> figures
	 * follow it in NEIGH_STAT_* order. */
	uint16_t stats;
	/* Sends one solicitation for n out of n->dev, to dst_ha, or to every
	 * station when dst_ha is NULL (Linux's arp_solicit). */
	void (*solicit)(struct neighbour *n, const uint8_t *dst_ha);
	/* skb, a packet for n, is dropped because n could not be resolved:
	 * tells its sender (Linux's arp_error_report, "host unreachable").
	 * skb->data at the network header; does not consume skb. */
	void (*error_report)(struct neighbour *n, struct sk_buff *skb);
	/* For ut_neigh_resolve (ours, Linux has no such call): the device
	 * and the on-link next hop (key_len bytes) this host would send a
	 * packet for daddr (key_len bytes) through. *dev NULL when nothing
	 * there needs resolving (a local address, a layer 3 device). 0 or
	 * the routing error. */
	int (*nexthop)(struct ut_stack *stack, const void *daddr, struct net_device **dev,
		       void *nexthop);
};

/* Where each family's table sits in stack->neigh_tables (Linux's
 * NEIGH_*_TABLE indices). */
enum {
	NEIGH_ARP_TABLE = 0,
	NEIGH_ND_TABLE = 1, /* IPv6, to come */
	NEIGH_NR_TABLES,
};

struct neigh_table {
	const struct neigh_ops *ops;
	struct ut_stack *stack;
	/* The family's settings (ARP: net.ipv4.neigh.default.*, ND:
	 * net.ipv6.neigh.default.*), read at each use so a write applies at
	 * once. */
	const struct neigh_parms *parms;
	struct neighbour **hash;
	uint32_t hash_mask;
	uint32_t entries;
	uint32_t hash_rnd;
	uint64_t reachable_time; /* jiffies, randomised from base */
	uint64_t last_rand;	 /* jiffies reachable_time was drawn */
	struct timer_list gc_timer;
};

/* Makes tbl, one stack's table for the family ops describes, timed by
 * parms, and files it as stack->neigh_tables[index]. 0 or -ENOMEM. */
int neigh_table_init(struct ut_stack *stack, int index, struct neigh_table *tbl,
		     const struct neigh_ops *ops, const struct neigh_parms *parms);
/* Frees every entry and what it holds; tbl may never have been made. */
void neigh_table_destroy(struct neigh_table *tbl);
/* stack's table for family (AF_INET: ARP's), or NULL. */
struct neigh_table *neigh_find_table(struct ut_stack *stack, int family);

/* The entry for pkey (tbl->ops->key_len bytes) on dev, or NULL. */
struct neighbour *neigh_lookup(struct neigh_table *tbl, const struct net_device *dev,
			       const void *pkey);
/* Sends skb (a packet of the table's family, data at its network header)
 * to the on-link next hop pkey on dev, resolving it first if needed.
 * Consumes skb. 0, or -ENOBUFS if no entry could be made. */
int neigh_output(struct neigh_table *tbl, struct net_device *dev, const void *pkey,
		 struct sk_buff *skb);
/* Learns that pkey is at lladdr on dev. new_state is NUD_REACHABLE for a
 * proof (an ARP reply), NUD_STALE for a hint (a request naming its sender),
 * NUD_PERMANENT for a static entry.
 * create: make the entry if missing. Releases packets held for it. */
void neigh_update(struct neigh_table *tbl, struct net_device *dev, const void *pkey,
		  const uint8_t *lladdr, uint8_t new_state, bool create);
/* Drops every entry of dev (device going away). */
void neigh_ifdown(struct neigh_table *tbl, struct net_device *dev);
const char *neigh_state_name(uint8_t nud_state);

/* ARP (net/ipv4/arp.c). */
/* Makes the stack's ARP table and registers ARP with the device layer:
 * its ethertype's handler, and the flush of a device's entries when it
 * goes away (Linux's arp_init). 0 or -errno. */
int arp_init(struct ut_stack *stack);

#endif
