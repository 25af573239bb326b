/* The stack instance: everything a Linux network namespace (struct net)
 * holds, for one usertcp stack. No state lives anywhere else: there are no
 * writable globals in the library. */
#ifndef USERTCP_NET_STACK_H
#define USERTCP_NET_STACK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/file.h"
#include "net/hrtimer.h"
#include "net/icmp.h"
#include "net/inet_hashtables.h"
#include "net/ip.h"
#include "net/neighbour.h"
#include "net/netdevice.h"
#include "net/random.h"
#include "net/route.h"
#include "net/rtnetlink.h"
#include "net/skbuff.h"
#include "net/snmp.h"
#include "net/timer.h"
#include "usertcp/ping.h"
#include "usertcp/trace.h"
#include "usertcp/stack.h"

struct netns_ipv6;
struct stack_group_member;
struct ctl_table_ops;

/* net.ipv4.* settings this stack implements, with Linux's defaults. */
struct ipv4_sysctl {
	long ip_default_ttl;		  /* 64 */
	long ip_nonlocal_bind;		  /* 0: bind() takes only addresses of ours */
	long ip_forward;		  /* 0: a host, not a router */
	long ipfrag_high_thresh;	  /* 4 MiB: reassembly memory limit */
	long ipfrag_low_thresh;		  /* 3 MiB */
	long ipfrag_time;		  /* 30 s: reassembly timeout */
	long icmp_echo_ignore_all;	  /* 0 */
	long icmp_echo_ignore_broadcasts; /* 1 */
	long icmp_ratelimit; /* 1000 ms between errors per destination (documented, see icmp.c) */
	long icmp_ratemask;  /* 0x1818: dest unreach, source quench, time exceeded, param problem */
	long icmp_msgs_per_sec;	  /* 1000 */
	long icmp_msgs_burst;	  /* 50 */
	struct neigh_parms neigh; /* net.ipv4.neigh.default.* */

	/* TCP (Documentation/networking/ip-sysctl.rst defaults) */
	long tcp_syn_retries;		/* 6: SYN sent 7 times, ~127 s */
	long tcp_synack_retries;	/* 5 */
	long tcp_retries1;		/* 3 */
	long tcp_retries2;		/* 15 */
	long tcp_orphan_retries;	/* 0: means 8 */
	long tcp_fin_timeout;		/* 60 s in FIN_WAIT_2 for orphans */
	long tcp_keepalive_time;	/* 7200 s */
	long tcp_keepalive_intvl;	/* 75 s */
	long tcp_keepalive_probes;	/* 9 */
	long tcp_max_syn_backlog;	/* SYN queue limit (Linux sizes it by memory; 1024 here) */
	long tcp_abort_on_overflow;	/* 0 */
	long tcp_timestamps;		/* 1 */
	long tcp_window_scaling;	/* 1 */
	long tcp_sack;			/* 1 */
	long tcp_syncookies;		/* 1 */
	long tcp_rmem[3];		/* 4096 131072 33554432 */
	long tcp_wmem[3];		/* 4096 16384 4194304 */
	long tcp_mem[3];		/* pages: min pressure max (see stack.c) */
	long tcp_tw_reuse;		/* 2: loopback only */
	long tcp_max_tw_buckets;	/* 262144 */
	long tcp_min_snd_mss;		/* 48 */
	long tcp_base_mss;		/* 1024 */
	long tcp_slow_start_after_idle; /* 1 */
	long tcp_moderate_rcvbuf;	/* 1 */
	long tcp_adv_win_scale;		/* 1; unused since Linux 6.6 */
	long tcp_rfc1337;		/* 0 */
	long tcp_invalid_ratelimit;	/* 500 ms between ACKs to out-of-window segments */
	long tcp_challenge_ack_limit;	/* 1000 per second, randomised (RFC 5961 7) */
	long tcp_pacing_ss_ratio;	/* 200: pacing rate, % of cwnd/srtt, in slow start */
	long tcp_pacing_ca_ratio;	/* 120: the same in congestion avoidance */
	long tcp_recovery;		/* 1: RACK loss detection (TCP_RACK_* bits); 0: RFC 6675 */
	long tcp_reordering;		/* 3: initial reordering degree, segments */
	long tcp_max_reordering;	/* 300 */
	long tcp_early_retrans;		/* 3: tail-loss probes (RFC 8985 7) */
	long tcp_frto;			/* 2: F-RTO, SACK-enhanced (RFC 5682) */
	long tcp_min_rtt_wlen;		/* 300 s: window of the min_rtt filter */
	long tcp_dsack;			/* 1: report duplicate data (RFC 2883) */
	long tcp_ecn;			/* 2: accept ECN when asked; 1: ask too; 0: off */
	long tcp_ecn_fallback;		/* 1: a SYN resent without ECN after a timeout */
	long tcp_min_tso_segs;		/* 2: fewest segments a TSO buffer is cut for */
	long tcp_tso_win_divisor;	/* 3: a deferred buffer waits for 1/3 of cwnd */
	long tcp_tso_rtt_log;		/* 9: burst of 2^9 us of min_rtt added to autosize */
	long tcp_limit_output_bytes;	/* 4 MB: most a socket keeps in devices (TSQ) */
	long tcp_fastopen;		/* 1: TFO_* bits, client enabled */
	long tcp_fastopen_blackhole_timeout_sec; /* 0: blackhole detection off */
	/* usertcp's own: write-queue buffers of up to 64 KB cut into segments
	 * by software GSO, as Linux builds them (1); 0: one MSS a buffer */
	long tcp_gso_buffers;
	long tcp_stdurg;	     /* 0: the urgent pointer is one past the urgent byte (BSD) */
	long tcp_notsent_lowat;	     /* UINT_MAX: unsent bytes allowed (TCP_NOTSENT_LOWAT) */
	long ip_local_port_range[2]; /* 32768 60999 */
	/* net.core */
	long somaxconn;		     /* 4096 */
	long rmem_default, rmem_max; /* 212992, 4194304 */
	long wmem_default, wmem_max; /* 212992, 4194304 */
	/* fs.nr_open: the size limit of the descriptor table (EMFILE) */
	long nr_open; /* 1048576 */

	/* Settings whose value is text (ut_sysctl_get_str/set_str), kept
	 * in their own form; tcp_cong.c reads and writes them. */
	const struct tcp_congestion_ops *tcp_congestion_control; /* "cubic" */
	uint32_t tcp_allowed_congestion_control; /* bit i: tcp_cong.c's module i; "reno cubic" */
};

/* A family's share of a stack (Linux's struct pernet_operations): init
 * when the stack is made, exit when it is destroyed, after its devices.
 * stack.c walks a constant list of them, so the core names no protocol.
 * init returns 0 or -errno; exit must cope with a stack whose init
 * failed part-way or never ran (its fields still zero). */
struct pernet_operations {
	int (*init)(struct ut_stack *stack);
	void (*exit)(struct ut_stack *stack);
};

/* Settings a family keeps in its own state (Linux's
 * register_net_sysctl): every name starting with prefix is its. get and
 * set return 0, -ENOENT for a name it does not know, -EINVAL for a value
 * out of range; foreach lists each setting with its value. */
struct ctl_table_ops {
	const char *prefix; /* "net.ipv6." */
	int (*get)(const struct ut_stack *stack, const char *name, long *value);
	int (*set)(struct ut_stack *stack, const char *name, long value);
	void (*foreach)(const struct ut_stack *stack,
			void (*fn)(void *arg, const char *name, long value), void *arg);
};
#define NET_SYSCTL_DIRS_MAX 2
/* Registers ops with stack: 0 or -ENOSPC. Called when the stack is made. */
int register_net_sysctl(struct ut_stack *stack, const struct ctl_table_ops *ops);

/* How a blocking call waits when no stack thread runs: the simulator
 * installs one that moves the simulated world to its next event. Returns 0
 * when something happened, -ETIMEDOUT when the deadline was reached,
 * -EDEADLK when nothing can ever happen. Called without the stack lock. */
typedef int (*stack_wait_fn)(void *arg, uint64_t deadline_ns);

#define IP_IDENTS_SZ 2048

struct ut_stack {
	char name[32];
	const struct ut_clock *clock;
	/* Added to the clock for timestamps (SO_TIMESTAMP*): real time less
	 * the monotonic clock when the stack runs on it, else 0. */
	int64_t tstamp_offset;
	struct skb_pool *pool;
	int own_pool; /* the stack made the pool and frees it */
	struct timer_base timers;
	struct hrtimer_base hrtimers; /* ns-grained: TCP pacing */
	struct prandom_state rng;
	struct snmp_mib mib;
	struct ipv4_sysctl sysctl;

	struct net_device *devs; /* in ifindex order */
	int next_ifindex;
	struct net_device *loopback;

	/* What the families registered with the device layer (Linux's
	 * ptype_base and netdev_chain, global there, per stack here). */
	struct packet_type ptype_base[PTYPE_MAX];
	unsigned n_ptype;
	struct packet_offload offload_base[OFFLOAD_MAX];
	unsigned n_offload;
	/* socket()'s families by AF_* (Linux's net_families, global there) */
	const struct net_proto_family *net_families[AF_MAX];
	netdev_notifier_fn netdev_notifiers[NETDEV_NOTIFIER_MAX];
	unsigned n_netdev_notifiers;

	struct netns_ipv6 *ipv6; /* IPv6's share (src/ipv6/af_inet6.c); NULL: none */
	/* Settings a family keeps itself, beyond sysctl_table (Linux's
	 * register_net_sysctl): looked up by name prefix. */
	const struct ctl_table_ops *sysctl_dirs[NET_SYSCTL_DIRS_MAX];
	unsigned n_sysctl_dirs;
	/* `ip addr` and `ip route` by family (src/core/rtnetlink.c) */
	const struct rtnl_af_ops *rtnl_af[RTNL_AF_MAX];
	unsigned n_rtnl_af;
	struct fib_table fib;
	struct neigh_table arp_tbl;
	struct neigh_table *neigh_tables[NEIGH_NR_TABLES]; /* by NEIGH_*_TABLE; NULL: none */
	struct ipq_table frags;
	struct icmp_global_limit icmp_limit;
	struct icmp_peer_limit icmp_peers[ICMP_PEER_SLOTS];
	uint32_t ip_idents[IP_IDENTS_SZ];
	uint32_t ip_idents_key;

	const struct net_protocol *inet_protos[256];

	ut_ping_handler ping_fn;
	void *ping_arg;

	/* sockets */
	uint64_t sock_cookie_gen; /* the last socket cookie given (Linux's net->cookie_gen) */
	pthread_mutex_t lock;	  /* taken by every public entry point */
	bool lock_ready;
	bool in_call; /* the lock is held by a call or the thread */
	/* The thread holding the lock (pthread_self(), 0: none), for
	 * stack_lock_held(). Only the holder writes it; any thread may read
	 * it, so it is atomic. */
	_Atomic uintptr_t lock_owner;
	bool now_valid; /* now_cache holds this call's time */
	uint64_t now_cache;
	/* ut_stack_batch_begin's depth: while above 0, now_cache outlives
	 * calls and poll rounds, and only a wait reads the clock again. */
	unsigned batch;
	bool dying; /* being destroyed: send nothing more */
	struct fdtable fdt;
	struct inet_hashinfo tcp_hashinfo;
	struct inet_hashinfo udp_hashinfo;
	uint64_t isn_key[2];	      /* RFC 6528 F() secret */
	uint64_t ts_key[2];	      /* per-connection timestamp offsets */
	uint64_t port_key[2];	      /* RFC 6056 F() secret */
	uint64_t syncookie_key[2][2]; /* SYN cookie hashes */
	uint32_t tcp_orphans;	      /* closed-but-alive connections */
	uint32_t tw_count;
	uint32_t tcp_socks; /* tcp_sock objects alive */
	/* TCP Small Queues: sockets a device's release of their packets
	 * let write again, for the next poll (Linux's per-CPU tsq_tasklet
	 * list; tcp_tsq_run). Each holds a reference on its sock. */
	struct list_head tsq_list;
	long tcp_memory_allocated;    /* pages charged by TCP sockets (tcp_mem) */
	uint64_t tcp_memory_pressure; /* jiffy it began, 0: none (Linux's) */
	uint64_t challenge_second;    /* second the challenge ACK budget is for */
	uint32_t challenge_count;     /* challenge ACKs left in it */
	/* TCP Fast Open (tcp_fastopen.c): the stack's cookie keys (Linux's
	 * net->ipv4.tcp_fastopen_ctx, made at first use), the blackhole
	 * pause, and the client's cookies per destination (the Fast Open
	 * part of Linux's tcp_metrics), oldest replaced first. */
	struct {
		uint8_t nkeys;
		uint64_t key[2][2];
		uint64_t disable_stamp; /* jiffy of the last pause */
		uint32_t disable_times; /* pauses in a row */
		struct tcp_fastopen_metrics {
			struct in6_addr daddr; /* IPv4: v4-mapped */
			uint64_t used;	       /* jiffy, for replacement */
			uint16_t mss;
			int8_t cookie_len;
			bool cookie_exp;
			uint8_t try_exp;
			uint8_t cookie[16];
		} cache[64];
	} tfo;

	/* A stack per core (src/core/stack_group.c): the group this stack
	 * is one of, its mailbox for packets other stacks hand over. NULL:
	 * none. */
	struct stack_group_member *group;

	/* blocking and the stack thread (src/runtime/) */
	stack_wait_fn wait_fn;
	void *wait_arg;
	bool wake_pending;	     /* a socket woke: blocked threads re-check */
	uint64_t wake_seq;	     /* bumped on each wake, for waiters */
	struct stack_thread *thread; /* NULL: none */
	/* With a stack thread: what a call sent over loopback is taken in
	 * by the calling thread before the call returns, as on Linux
	 * (stack_unlock). The preload library sets it. */
	bool loopback_inline;
	/* ut_stack_set_wake_hook: told of each wake, for waiters outside
	 * the stack (the preload library's mixed poll). NULL: none. */
	void (*wake_hook)(void *arg);
	void *wake_hook_arg;

	/* tracing (src/core/trace.c): off while trace_fn is NULL */
	ut_trace_fn trace_fn;
	void *trace_arg;
};

/* The stack clock's time. Inside a call (the lock held, stack->in_call)
 * the clock is read once and the value kept until the call waits or ends,
 * as Linux reads its clock once per packet rather than at every use: a
 * real clock costs a clock_gettime each time. */
static inline uint64_t stack_now(const struct ut_stack *stack)
{
	struct ut_stack *s = (struct ut_stack *)(uintptr_t)stack;

	if (s->now_valid)
		return s->now_cache;
	uint64_t now = stack->clock->now_ns(stack->clock);
	if (s->in_call) {
		s->now_cache = now;
		s->now_valid = true;
	}
	return now;
}
/* The clock may have moved (a wait, a new poll round): read it again.
 * A new poll round inside a batch (ut_stack_batch_begin) keeps the
 * batch's time; a wait always reads again, or it would never end. */
static inline void stack_clock_refresh(struct ut_stack *stack)
{
	stack->now_valid = false;
}
/* The stack's jiffies (1 ms, Linux with HZ=1000) for timers. */
#define USEC_PER_JIFFY USEC_PER_MSEC
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
/* ut_stack_poll's work, for callers already holding the lock. */
int stack_poll_locked(struct ut_stack *stack);

/* The stack lock, taken by every public entry point (src/runtime/wait.c).
 * stack_unlock also flushes transmissions queued during the call and lets
 * blocked threads and the stack thread know that something changed. */
void stack_lock(struct ut_stack *stack);
void stack_unlock(struct ut_stack *stack);
/* Whether the calling thread holds the stack's lock. */
bool stack_lock_held(const struct ut_stack *stack);
/* For a public call an application may make from any thread, the stack
 * thread running or not: takes the lock unless this thread holds it
 * already (a call from a handler the stack runs), and says whether it
 * did, for stack_unlock_if. */
static inline bool stack_lock_unless_held(struct ut_stack *stack)
{
	if (stack_lock_held(stack))
		return false;
	stack_lock(stack);
	return true;
}
static inline void stack_unlock_if(struct ut_stack *stack, bool locked)
{
	if (locked)
		stack_unlock(stack);
}

/* Wakes the stack thread, if one runs, to poll now (the lock held). */
void stack_kick_thread(struct ut_stack *stack);
/* Called with the lock held, by a call that must block: waits until
 * something may have changed, then returns with the lock held again.
 * 0: re-check the condition; -ETIMEDOUT: the deadline (UINT64_MAX: none)
 * passed; -EDEADLK: nothing can ever happen (simulator, nothing pending). */
int stack_wait(struct ut_stack *stack, uint64_t deadline_ns);
/* Notes that a socket's readiness changed (see file_wake). */
static inline void stack_wake(struct ut_stack *stack)
{
	stack->wake_pending = true;
	stack->wake_seq++;
}

/* The loopback device (lo, 127.0.0.1/8), made with every stack. */
struct net_device *loopback_dev_create(struct ut_stack *stack);

#endif
