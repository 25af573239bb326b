/* The stack instance: everything a Linux network namespace (struct net)
 * holds, for one usertcp stack. No state lives anywhere else: there are no
 * writable globals in the library. */
#ifndef USERTCP_NET_STACK_H
#define USERTCP_NET_STACK_H

#include <stdint.h>

#include "net/icmp.h"
#include "net/ip.h"
#include "net/neighbour.h"
#include "net/netdevice.h"
#include "net/random.h"
#include "net/route.h"
#include "net/skbuff.h"
#include "net/snmp.h"
#include "net/timer.h"
#include "usertcp/ping.h"
#include "usertcp/stack.h"

/* net.ipv4.* settings this stack implements, with Linux's defaults. */
struct ipv4_sysctl {
	long ip_default_ttl;		/* 64 */
	long ip_forward;		/* 0: a host, not a router */
	long ipfrag_high_thresh;	/* 4 MiB: reassembly memory limit */
	long ipfrag_low_thresh;		/* 3 MiB */
	long ipfrag_time;		/* 30 s: reassembly timeout */
	long icmp_echo_ignore_all;	/* 0 */
	long icmp_echo_ignore_broadcasts; /* 1 */
	long icmp_ratelimit;		/* 1000 ms between errors per destination (documented, see icmp.c) */
	long icmp_ratemask;		/* 0x1818: dest unreach, source quench, time exceeded, param problem */
	long icmp_msgs_per_sec;		/* 1000 */
	long icmp_msgs_burst;		/* 50 */
	struct neigh_parms neigh;	/* net.ipv4.neigh.default.* */
};

#define IP_IDENTS_SZ 2048

struct ut_stack {
	char name[32];
	const struct ut_clock *clock;
	struct skb_pool *pool;
	int own_pool;			/* the stack made the pool and frees it */
	struct timer_base timers;
	struct prandom_state rng;
	struct snmp_mib mib;
	struct ipv4_sysctl sysctl;

	struct net_device *devs;	/* in ifindex order */
	int next_ifindex;
	struct net_device *loopback;

	struct fib_table fib;
	struct neigh_table arp_tbl;
	struct ipq_table frags;
	struct icmp_global_limit icmp_limit;
	struct icmp_peer_limit icmp_peers[ICMP_PEER_SLOTS];
	uint32_t ip_idents[IP_IDENTS_SZ];
	uint32_t ip_idents_key;

	const struct net_protocol *inet_protos[256];

	ut_ping_handler ping_fn;
	void *ping_arg;
};

static inline uint64_t stack_now(const struct ut_stack *stack)
{
	return stack->clock->now_ns(stack->clock);
}
/* The stack's jiffies (1 ms) for timers. */
static inline uint64_t stack_jiffies(const struct ut_stack *stack)
{
	return stack_now(stack) / NSEC_PER_MSEC;
}
static inline uint64_t msecs_to_jiffies(uint64_t ms)
{
	return ms * HZ / 1000;
}
/* Allocates a packet buffer with MAX_HEADER headroom reserved for size
 * bytes of payload. NULL when buffer memory is exhausted. */
struct sk_buff *stack_alloc_skb(struct ut_stack *stack, uint32_t size);

/* Creates a stack sharing an existing pool (used by the simulator, whose
 * hosts pass frames to each other without copying). */
int stack_create_with_pool(const struct ut_stack_config *cfg, struct skb_pool *pool,
			   struct ut_stack **out);
/* Transmits everything queued on every device. */
void stack_flush_tx(struct ut_stack *stack);

/* The loopback device (lo, 127.0.0.1/8), made with every stack. */
struct net_device *loopback_dev_create(struct ut_stack *stack);

#endif
