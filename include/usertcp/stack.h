/* A usertcp stack instance: the equivalent of one Linux network namespace,
 * with its own devices, addresses, routes, neighbour cache, settings
 * (sysctls), counters and timers. Many instances may live in one process
 * (a simulated world holds one per host); an instance is driven by one
 * thread at a time.
 *
 * The core is event-driven: ut_stack_poll() receives a batch from every
 * device, runs due timers and transmits what was queued;
 * ut_stack_next_deadline() tells when to call it again. Drivers around it
 * (the simulator, a stack thread, blocking calls) decide how to wait.
 *
 * The calls on addresses, routes, neighbours, settings and echo
 * (ut_addr_*, ut_route_*, ut_neigh_*, ut_sysctl_*, ut_ping_send) take the
 * stack's lock, so an application may make them from any thread while the
 * stack thread (usertcp/socket.h) runs.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno value on failure. Addresses are struct ut_ip (usertcp/addr.h), by
 * value, of either family: IPv4, or IPv6 once it is on
 * (net.ipv6.conf.*.disable_ipv6, docs/IPV6.md); an address of no family
 * the stack speaks gets -EAFNOSUPPORT, and the addresses a call reports
 * are of the family it was asked about.
 */
#ifndef USERTCP_STACK_H
#define USERTCP_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "usertcp/addr.h"
#include "usertcp/clock.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ut_stack;
struct ut_dev;

struct ut_stack_config {
	const struct ut_clock *clock; /* NULL: ut_clock_monotonic() */
	uint64_t seed;		      /* secrets and random choices; 0: from getrandom() */
	size_t mem_limit;	      /* packet buffer memory, bytes; 0: 64 MiB */
	const char *name;	      /* for traces and messages; NULL: "usertcp" */
};

/* Fills cfg with the defaults above. */
void ut_stack_config_init(struct ut_stack_config *cfg);

/* Creates a stack. Returns 0 and sets *out, or -ENOMEM / -EINVAL. */
int ut_stack_create(const struct ut_stack_config *cfg, struct ut_stack **out);

/* Destroys the stack, its devices and every buffer it holds. */
void ut_stack_destroy(struct ut_stack *stack);

/* One round of work at the clock's current time: a receive batch from each
 * device, every timer now due, then transmission of everything queued.
 * Returns the number of packets received plus timers run (0: idle). */
int ut_stack_poll(struct ut_stack *stack);

/* When ut_stack_poll next has work, in ns on the stack's clock: the current
 * time if a device holds received frames, the next timer otherwise, or
 * UINT64_MAX if nothing is pending. */
uint64_t ut_stack_next_deadline(const struct ut_stack *stack);

/* The stack clock's current time in ns. */
uint64_t ut_stack_now(const struct ut_stack *stack);

/* A batch: the stack reads its clock once, at ut_stack_batch_begin, and
 * every call and ut_stack_poll until ut_stack_batch_end uses that time,
 * as Linux reads the time once for a batch of packets rather than at
 * each use. Without a batch the clock is read once per call and once per
 * poll round, which is most of the cost of a call that does little (a
 * small send or recv, a poll that finds one frame). A call that waits
 * (blocks, or ut_epoll_wait with a timeout) reads the clock again, and
 * the rest of the batch uses that reading. Keep a batch to a burst of
 * work with no sleeping or long computing in between: timers, RTT
 * samples and pacing all take their time from it. Batches nest; the
 * outermost ut_stack_batch_end ends it. */
void ut_stack_batch_begin(struct ut_stack *stack);
void ut_stack_batch_end(struct ut_stack *stack);
const char *ut_stack_name(const struct ut_stack *stack);

/* ---- addresses and routes (ip addr / ip route) ---------------------------*/

/* Adds addr/prefix_len to dev, with the connected route for its prefix, as
 * `ip addr add` does. -EEXIST if present, -EINVAL for a bad prefix or an
 * unspecified or broadcast-all address, -ENOSPC if dev holds as many as it
 * can, -EAFNOSUPPORT for a family the stack does not speak. An IPv6
 * address gets duplicate address detection (docs/IPV6.md), and -EACCES
 * where IPv6 is disabled on dev, as Linux's. ut_addr_del: -EADDRNOTAVAIL
 * if dev has no such address. */
int ut_addr_add(struct ut_stack *stack, struct ut_dev *dev, struct ut_ip addr, unsigned prefix_len);
int ut_addr_del(struct ut_stack *stack, struct ut_dev *dev, struct ut_ip addr, unsigned prefix_len);

/* Adds a route to dst/prefix_len via gateway (unspecified, ut_ip_is_any:
 * directly connected) out of dev (NULL: the device whose connected prefix
 * holds the gateway). prefix_len 0 with dst 0.0.0.0 is the default route.
 * For IPv6, :: with prefix_len 0; a link-local gateway needs dev (-ENODEV
 * without). -EEXIST, -ENETUNREACH (gateway not on any connected prefix),
 * -EINVAL, -EAFNOSUPPORT (dst of no family the stack speaks, or a
 * gateway of another family than dst's). */
int ut_route_add(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len,
		 struct ut_ip gateway, struct ut_dev *dev);
int ut_route_del(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len);

/* The route the stack would use for daddr (ip route get). -ENETUNREACH,
 * -EAFNOSUPPORT. The addresses reported have daddr's family. */
struct ut_route_info {
	struct ut_dev *dev;
	struct ut_ip gateway; /* unspecified (0.0.0.0): on-link */
	struct ut_ip prefsrc; /* source address the stack would choose */
	unsigned prefix_len;  /* of the matching route */
	int local;	      /* daddr is one of ours */
};
int ut_route_get(struct ut_stack *stack, struct ut_ip daddr, struct ut_route_info *out);

/* ---- neighbours (ip neigh) -----------------------------------------------*/

struct ut_neigh_info {
	struct ut_dev *dev;
	struct ut_ip addr;
	uint8_t lladdr[6];
	const char *state; /* Linux's NUD name: "REACHABLE", "STALE"... */
};
/* The cache entry for addr (the next hop, on any device). -ENOENT,
 * -EAFNOSUPPORT. */
int ut_neigh_get(struct ut_stack *stack, struct ut_ip addr, struct ut_neigh_info *out);
/* Starts resolving the next hop toward addr now, without sending anything
 * else (what the first packet would trigger; like arping). 0 if already
 * valid or resolution started, -ENETUNREACH without a route,
 * -EAFNOSUPPORT. */
int ut_neigh_resolve(struct ut_stack *stack, struct ut_ip addr);

/* ---- settings: Linux's sysctl names and defaults ------------------------*/

/* Reads or writes a setting by its Linux name, e.g. "net.ipv4.ip_default_ttl"
 * or "net.ipv4.neigh.default.retrans_time_ms". -ENOENT for an unknown
 * name, -EINVAL for a value out of the range Linux accepts. */
int ut_sysctl_get(const struct ut_stack *stack, const char *name, long *value);
int ut_sysctl_set(struct ut_stack *stack, const char *name, long value);
/* The same as text, for every setting: numbers in decimal, and the
 * settings whose value is text, which the numeric calls refuse with
 * -EINVAL: net.ipv4.tcp_congestion_control ("cubic"),
 * tcp_available_congestion_control (read-only: -EACCES) and
 * tcp_allowed_congestion_control ("reno cubic", names separated by
 * spaces), as Linux's /proc/sys shows and takes them. get: -ENOSPC if len
 * is too small; set: -ENOENT for an unknown setting or congestion module,
 * -EINVAL for a number out of range or not a number. */
int ut_sysctl_get_str(const struct ut_stack *stack, const char *name, char *buf, size_t len);
int ut_sysctl_set_str(struct ut_stack *stack, const char *name, const char *value);
/* Calls fn for every numeric setting, in a stable order. */
void ut_sysctl_foreach(const struct ut_stack *stack,
		       void (*fn)(void *arg, const char *name, long value), void *arg);

/* ---- counters: Linux's SNMP names (nstat, /proc/net/snmp) ---------------*/

/* Reads a counter, e.g. ("Ip", "InReceives") or ("Icmp", "OutEchoReps").
 * 0 and *value, or -ENOENT. */
int ut_counter_get(const struct ut_stack *stack, const char *group, const char *name,
		   uint64_t *value);
/* Calls fn for every counter, in /proc/net/snmp order. */
void ut_counter_foreach(const struct ut_stack *stack,
			void (*fn)(void *arg, const char *group, const char *name, uint64_t value),
			void *arg);

/* ---- socket memory: the TCP line of Linux's /proc/net/sockstat ----------*/

struct ut_sockstat {
	unsigned tcp_alloc;	 /* TCP sockets alive (not TIME_WAIT) */
	unsigned tcp_orphan;	 /* of those, closed by the application */
	unsigned tcp_tw;	 /* TIME_WAIT sockets */
	long tcp_mem;		 /* pages of 4096 bytes charged to TCP
					 * buffers, net.ipv4.tcp_mem's unit */
	int tcp_memory_pressure; /* 1 while TCP is in memory pressure */
};

/* Fills *out. */
void ut_sockstat_get(const struct ut_stack *stack, struct ut_sockstat *out);

#ifdef __cplusplus
}
#endif
#endif
