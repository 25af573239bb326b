/* The stack instance: creation with Linux's defaults, the poll loop that
 * drives it, and its settings by sysctl name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/af_inet.h"
#include "net/fault.h"
#include "net/ipv6.h"
#include "net/stack.h"
#include "net/stack_group.h"
#include "net/tcp.h"
#include "usertcp/socket.h"

#define STACK_DEFAULT_MEM_LIMIT (64u << 20)

/* The families a stack is made of, set up in this order and torn down in
 * the reverse (Linux's pernet_list, filled at boot there; constant here,
 * as the library has no writable globals). */
static const struct pernet_operations *const pernet_list[] = {
	&inet_net_ops,
	&inet6_net_ops,
};

UT_EXPORT void ut_stack_config_init(struct ut_stack_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

static void ipv4_sysctl_defaults(struct ipv4_sysctl *s)
{
	s->ip_default_ttl = 64;
	s->ip_forward = 0;
	s->ipfrag_high_thresh = 4 * 1024 * 1024;
	s->ipfrag_low_thresh = 3 * 1024 * 1024;
	s->ipfrag_time = 30;
	s->icmp_echo_ignore_all = 0;
	s->icmp_echo_ignore_broadcasts = 1;
	s->icmp_ratelimit = 1000;
	s->icmp_ratemask = 0x1818;
	s->icmp_msgs_per_sec = 1000;
	s->icmp_msgs_burst = 50;
	s->neigh.base_reachable_time_ms = 30000;
	s->neigh.retrans_time_ms = 1000;
	s->neigh.delay_first_probe_time = 5;
	s->neigh.gc_stale_time = 60;
	s->neigh.ucast_solicit = 3;
	s->neigh.app_solicit = 0;
	s->neigh.mcast_solicit = 3;
	s->neigh.mcast_resolicit = 0;
	s->neigh.unres_qlen_bytes = 212992;
	s->neigh.gc_thresh1 = 128;
	s->neigh.gc_thresh3 = 1024;
	s->neigh.gc_interval = 30;

	s->tcp_syn_retries = 6;
	s->tcp_synack_retries = 5;
	s->tcp_retries1 = 3;
	s->tcp_retries2 = 15;
	s->tcp_orphan_retries = 0;
	s->tcp_fin_timeout = 60;
	s->tcp_keepalive_time = 7200;
	s->tcp_keepalive_intvl = 75;
	s->tcp_keepalive_probes = 9;
	s->tcp_max_syn_backlog = 1024;
	s->tcp_abort_on_overflow = 0;
	s->tcp_timestamps = 1;
	s->tcp_window_scaling = 1;
	s->tcp_sack = 1;
	s->tcp_syncookies = 1;
	s->tcp_fastopen = TFO_CLIENT_ENABLE;
	s->tcp_fastopen_blackhole_timeout_sec = 0;
	s->tcp_rmem[0] = 4096;
	s->tcp_rmem[1] = 131072;
	s->tcp_rmem[2] = 33554432; /* 32 MiB since Linux 6.18 (6 MiB before) */
	s->tcp_wmem[0] = 4096;
	s->tcp_wmem[1] = 16384;
	s->tcp_wmem[2] = 4194304;
	s->tcp_tw_reuse = 2;
	s->tcp_max_tw_buckets = 262144;
	s->tcp_min_snd_mss = 48;
	s->tcp_base_mss = 1024;
	s->tcp_slow_start_after_idle = 1;
	s->tcp_moderate_rcvbuf = 1;
	s->tcp_adv_win_scale = 1;
	s->tcp_rfc1337 = 0;
	s->tcp_invalid_ratelimit = 500;
	s->tcp_challenge_ack_limit = 1000;
	s->tcp_pacing_ss_ratio = 200;
	s->tcp_pacing_ca_ratio = 120;
	s->tcp_recovery = 1;
	s->tcp_reordering = 3;
	s->tcp_max_reordering = 300;
	s->tcp_early_retrans = 3;
	s->tcp_frto = 2;
	s->tcp_min_rtt_wlen = 300;
	tcp_congestion_defaults(s);
	s->tcp_dsack = 1;
	s->tcp_ecn = 2;
	s->tcp_ecn_fallback = 1;
	s->tcp_min_tso_segs = 2;
	s->tcp_tso_win_divisor = 3;
	s->tcp_tso_rtt_log = 9;
	/* Linux's default since 6.16, as the host's 6.18 reads it (1 MB
	 * before) */
	s->tcp_limit_output_bytes = 4 << 20;
	s->tcp_gso_buffers = 1;
	s->tcp_stdurg = 0;
	s->tcp_notsent_lowat = UINT32_MAX;
	s->ip_local_port_range[0] = 32768;
	s->ip_local_port_range[1] = 60999;
	s->somaxconn = 4096;
	/* Linux 6.18 raised the maxima to 4 MiB; the defaults stay 212992 */
	s->rmem_default = s->wmem_default = 212992;
	s->rmem_max = s->wmem_max = 4194304;
	s->nr_open = 1048576;
}

/* net.ipv4.tcp_mem, in pages of SK_MEM_QUANTUM. Linux sizes it from the
 * machine's memory at boot (tcp_init: L = a 16th of the buffer pages, at
 * least 128; min = 3L/4, pressure = L, max = 3L/2). usertcp's memory for
 * packets is its buffer pool, which holds nothing else, so L is a third of
 * the pool: TCP enters pressure when it holds a third of the pool and is
 * refused at half, leaving the rest for arriving frames, ARP, UDP and the
 * transmit path. The 64 MiB default pool gives 4095 5461 8190; a
 * simulator's 1 GiB shared pool 65535 87381 131070 per host. (Every pool
 * is created with a limit: ut_stack_create's mem_limit, or its default.) */
static void tcp_mem_defaults(struct ipv4_sysctl *s, size_t pool_limit)
{
	long limit = MAX((long)(pool_limit / SK_MEM_QUANTUM) / 3, 128L);

	s->tcp_mem[0] = limit / 4 * 3;
	s->tcp_mem[1] = limit;
	s->tcp_mem[2] = s->tcp_mem[0] * 2;
}

/* The four Tcp entries RFC 2012 defines as constants, set once when the
 * stack is made (Linux's tcp_mib_init): RtoAlgorithm 1 ("other"), the RTO
 * bounds in ms, and MaxConn -1 (no fixed limit), kept unsigned as Linux
 * keeps it (nstat shows 18446744073709551615). */
static void tcp_mib_init(struct ut_stack *stack)
{
	SNMP_ADD_STATS(stack, TCP_MIB_RTOALGORITHM, 1);
	SNMP_ADD_STATS(stack, TCP_MIB_RTOMIN, TCP_RTO_MIN_MS);
	SNMP_ADD_STATS(stack, TCP_MIB_RTOMAX, TCP_RTO_MAX_MS);
	SNMP_ADD_STATS(stack, TCP_MIB_MAXCONN, UINT64_MAX);
}

int stack_create_with_pool(const struct ut_stack_config *cfg, struct skb_pool *pool,
			   struct ut_stack **out)
{
	struct ut_stack *stack = ut_calloc(1, sizeof(*stack));
	int err = -ENOMEM;

	if (!stack)
		return -ENOMEM;
	snprintf(stack->name, sizeof(stack->name), "%s", cfg->name ? cfg->name : "usertcp");
	stack->clock = cfg->clock ? cfg->clock : ut_clock_monotonic();
	if (stack->clock == ut_clock_monotonic())
		stack->tstamp_offset = ut_clock_realtime_offset();
	if (pool) {
		stack->pool = pool;
	} else {
		stack->pool =
			skb_pool_create(cfg->mem_limit ? cfg->mem_limit : STACK_DEFAULT_MEM_LIMIT);
		if (!stack->pool)
			goto fail;
		stack->own_pool = 1;
	}
	prandom_seed(&stack->rng, cfg->seed ? cfg->seed : prandom_os_seed());
	ipv4_sysctl_defaults(&stack->sysctl);
	tcp_mem_defaults(&stack->sysctl, skb_pool_limit(stack->pool));
	timer_base_init(&stack->timers, stack_jiffies(stack));
	hrtimer_base_init(&stack->hrtimers);
	INIT_LIST_HEAD(&stack->tsq_list);
	stack->next_ifindex = 1;
	stack->ip_idents_key = (uint32_t)prandom_u64(&stack->rng);
	for (int i = 0; i < IP_IDENTS_SZ; i++)
		stack->ip_idents[i] = (uint32_t)prandom_u64(&stack->rng);
	tcp_mib_init(stack);
	for (int i = 0; i < 2; i++) {
		stack->isn_key[i] = prandom_u64(&stack->rng);
		stack->ts_key[i] = prandom_u64(&stack->rng);
		stack->port_key[i] = prandom_u64(&stack->rng);
		stack->syncookie_key[0][i] = prandom_u64(&stack->rng);
		stack->syncookie_key[1][i] = prandom_u64(&stack->rng);
	}
	{
		pthread_mutexattr_t ma;
		pthread_mutexattr_init(&ma);
		pthread_mutex_init(&stack->lock, &ma);
		pthread_mutexattr_destroy(&ma);
		stack->lock_ready = true;
	}
	if ((err = inet_hashinfo_init(&stack->tcp_hashinfo, stack)) < 0)
		goto fail;
	if ((err = inet_hashinfo_init(&stack->udp_hashinfo, stack)) < 0)
		goto fail;
	for (size_t i = 0; i < ARRAY_SIZE(pernet_list); i++)
		if ((err = pernet_list[i]->init(stack)) < 0)
			goto fail;
	stack->loopback = loopback_dev_create(stack);
	if (!stack->loopback) {
		err = -ENOMEM;
		goto fail;
	}
	*out = stack;
	return 0;
fail:
	ut_stack_destroy(stack);
	return err;
}

UT_EXPORT int ut_stack_create(const struct ut_stack_config *cfg, struct ut_stack **out)
{
	struct ut_stack_config def;
	if (!cfg) {
		ut_stack_config_init(&def);
		cfg = &def;
	}
	return stack_create_with_pool(cfg, NULL, out);
}

UT_EXPORT void ut_stack_destroy(struct ut_stack *stack)
{
	if (!stack)
		return;
	if (stack->lock_ready) {
		ut_stack_thread_stop(stack);
		/* Sockets still open are freed without a word on the wire:
		 * the devices and peers may already be gone. */
		stack->dying = true;
		stack_close_all_fds(stack);
		tcp_stack_destroy(stack);
		/* Every TCP object went with it: a socket that survives
		 * here would be freed with the stack's memory while a timer
		 * or a queue still points at it. */
		BUG_ON(stack->tcp_socks != 0 || stack->tw_count != 0);
	}
	inet_hashinfo_destroy(&stack->tcp_hashinfo);
	inet_hashinfo_destroy(&stack->udp_hashinfo);
	while (stack->devs)
		netdev_free(stack->devs);
	/* what the devices held has given its sockets back; those waiting
	 * to write again are let go without writing (dying) */
	tcp_tsq_run(stack);
	for (size_t i = ARRAY_SIZE(pernet_list); i-- > 0;)
		pernet_list[i]->exit(stack);
	if (stack->own_pool)
		skb_pool_destroy(stack->pool);
	if (stack->lock_ready)
		pthread_mutex_destroy(&stack->lock);
	free(stack);
}

struct sk_buff *stack_alloc_skb(struct ut_stack *stack, uint32_t size)
{
	struct sk_buff *skb = alloc_skb(stack->pool, MAX_HEADER + size);
	if (skb)
		skb_reserve(skb, MAX_HEADER);
	return skb;
}

void stack_flush_tx(struct ut_stack *stack)
{
	/* Every call and every poll ends here, mostly with nothing queued:
	 * a device with an empty queue and no egress impairment is passed
	 * over without a call (netdev_tx_pending would say false). */
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		if ((!skb_queue_empty(&dev->txq) || dev->netem[UT_DEV_EGRESS]) &&
		    netdev_tx_pending(dev))
			netdev_flush_tx(dev);
}

UT_EXPORT int ut_stack_poll(struct ut_stack *stack)
{
	stack_lock(stack);
	int work = stack_poll_locked(stack);
	stack_unlock(stack);
	return work;
}

int stack_poll_locked(struct ut_stack *stack)
{
	int work = 0;

	if (!stack->batch)
		stack_clock_refresh(stack);

	/* Receive first, as NAPI does from the softirq: each device gives
	 * at most NAPI_POLL_WEIGHT frames so none starves the others. */
	for (struct net_device *dev = stack->devs; dev; dev = dev->next)
		work += (int)netdev_poll_rx(dev, NAPI_POLL_WEIGHT);
	/* Then what the group's other stacks handed over, as a CPU's RPS
	 * backlog is drained after its own NIC queue. */
	work += stack_group_rx(stack);
	/* hrtimers first: pacing releases segments due by now before the
	 * jiffy's timers (RTO, delayed ACK) look at the connection. */
	work += (int)hrtimer_run(&stack->hrtimers, stack_now(stack));
	work += (int)timer_run(&stack->timers, stack_jiffies(stack));
	stack_flush_tx(stack);
	/* Sockets whose packets the devices let go of since may write
	 * again (TCP Small Queues), as Linux's tsq tasklet runs after the
	 * softirq that freed them; what they send goes out now. */
	if (!list_empty(&stack->tsq_list)) {
		work += tcp_tsq_run(stack);
		stack_flush_tx(stack);
	}
	return work;
}

UT_EXPORT uint64_t ut_stack_next_deadline(const struct ut_stack *stack)
{
	uint64_t next = UINT64_MAX;
	if (stack_group_pending(stack) || !list_empty(&stack->tsq_list))
		return stack_now(stack);
	for (const struct net_device *dev = stack->devs; dev; dev = dev->next) {
		if (netif_rx_pending(dev))
			return stack_now(stack);
		next = MIN(next, netdev_next_deadline(dev));
	}
	uint64_t j = timer_next_expiry(&stack->timers);
	if (j != UINT64_MAX)
		next = MIN(next, j * NSEC_PER_MSEC);
	return MIN(next, hrtimer_next_expiry(&stack->hrtimers));
}

UT_EXPORT void ut_stack_batch_begin(struct ut_stack *stack)
{
	stack_lock(stack);
	if (stack->batch++ == 0) {
		stack_clock_refresh(stack);
		(void)stack_now(stack); /* inside a call: kept in now_cache */
	}
	stack_unlock(stack);
}

UT_EXPORT void ut_stack_batch_end(struct ut_stack *stack)
{
	stack_lock(stack);
	if (stack->batch > 0 && --stack->batch == 0)
		stack_clock_refresh(stack);
	stack_unlock(stack);
}

UT_EXPORT uint64_t ut_stack_now(const struct ut_stack *stack)
{
	return stack_now(stack);
}

UT_EXPORT const char *ut_stack_name(const struct ut_stack *stack)
{
	return stack->name;
}

/* ---- sysctl ---------------------------------------------------------------*/

struct sysctl_entry {
	const char *name;
	size_t offset; /* in struct ipv4_sysctl */
	long min, max;
};

#define SYSCTL_IPV4(field, lo, hi)                                              \
	{                                                                       \
		"net.ipv4." #field, offsetof(struct ipv4_sysctl, field), lo, hi \
	}
#define SYSCTL_NEIGH(field, lo, hi)        \
	{"net.ipv4.neigh.default." #field, \
	 offsetof(struct ipv4_sysctl, neigh) + offsetof(struct neigh_parms, field), lo, hi},

/* Ranges are those Linux accepts (proc_dointvec_minmax bounds). */
static const struct sysctl_entry sysctl_table[] = {
	SYSCTL_IPV4(ip_default_ttl, 1, 255),
	SYSCTL_IPV4(ip_nonlocal_bind, 0, 1),
	SYSCTL_IPV4(ip_forward, 0, 1),
	SYSCTL_IPV4(ipfrag_high_thresh, 0, 1L << 30),
	SYSCTL_IPV4(ipfrag_low_thresh, 0, 1L << 30),
	SYSCTL_IPV4(ipfrag_time, 1, 3600),
	SYSCTL_IPV4(icmp_echo_ignore_all, 0, 1),
	SYSCTL_IPV4(icmp_echo_ignore_broadcasts, 0, 1),
	SYSCTL_IPV4(icmp_ratelimit, 0, 1000000),
	SYSCTL_IPV4(icmp_ratemask, 0, 0x7fffffff),
	SYSCTL_IPV4(icmp_msgs_per_sec, 0, 1000000),
	SYSCTL_IPV4(icmp_msgs_burst, 0, 1000000),
	NEIGH_PARMS_SYSCTLS(SYSCTL_NEIGH) SYSCTL_IPV4(tcp_syn_retries, 1, 127),
	SYSCTL_IPV4(tcp_synack_retries, 0, 255),
	SYSCTL_IPV4(tcp_retries1, 0, 255),
	SYSCTL_IPV4(tcp_retries2, 0, 255),
	SYSCTL_IPV4(tcp_orphan_retries, 0, 255),
	SYSCTL_IPV4(tcp_fin_timeout, 1, 86400),
	SYSCTL_IPV4(tcp_keepalive_time, 1, 32767),
	SYSCTL_IPV4(tcp_keepalive_intvl, 1, 32767),
	SYSCTL_IPV4(tcp_keepalive_probes, 1, 127),
	SYSCTL_IPV4(tcp_max_syn_backlog, 1, 1L << 24),
	SYSCTL_IPV4(tcp_abort_on_overflow, 0, 1),
	SYSCTL_IPV4(tcp_timestamps, 0, 2),
	SYSCTL_IPV4(tcp_window_scaling, 0, 1),
	SYSCTL_IPV4(tcp_sack, 0, 1),
	SYSCTL_IPV4(tcp_syncookies, 0, 2),
	SYSCTL_IPV4(tcp_tw_reuse, 0, 2),
	SYSCTL_IPV4(tcp_max_tw_buckets, 0, 1L << 24),
	SYSCTL_IPV4(tcp_min_snd_mss, 48, 65535),
	SYSCTL_IPV4(tcp_base_mss, 48, 65535),
	SYSCTL_IPV4(tcp_slow_start_after_idle, 0, 1),
	SYSCTL_IPV4(tcp_moderate_rcvbuf, 0, 1),
	SYSCTL_IPV4(tcp_adv_win_scale, -31, 31),
	SYSCTL_IPV4(tcp_rfc1337, 0, 1),
	SYSCTL_IPV4(tcp_invalid_ratelimit, 0, 3600000),
	SYSCTL_IPV4(tcp_challenge_ack_limit, 0, 0x7fffffff),
	SYSCTL_IPV4(tcp_pacing_ss_ratio, 0, 1000), /* Linux's bounds */
	SYSCTL_IPV4(tcp_pacing_ca_ratio, 0, 1000),
	SYSCTL_IPV4(tcp_recovery, 0, 7),
	SYSCTL_IPV4(tcp_reordering, 1, 300),
	SYSCTL_IPV4(tcp_max_reordering, 1, 0x7fffffff),
	SYSCTL_IPV4(tcp_early_retrans, 0, 4),
	SYSCTL_IPV4(tcp_frto, 0, 2),
	SYSCTL_IPV4(tcp_min_rtt_wlen, 0, 86400 * 7),
	SYSCTL_IPV4(tcp_dsack, 0, 1),
	SYSCTL_IPV4(tcp_ecn, 0, 2),
	SYSCTL_IPV4(tcp_ecn_fallback, 0, 1),
	SYSCTL_IPV4(tcp_min_tso_segs, 1, 1024), /* Linux's bounds */
	SYSCTL_IPV4(tcp_tso_win_divisor, 0, 0x7fffffff),
	SYSCTL_IPV4(tcp_tso_rtt_log, 0, 0xff),
	SYSCTL_IPV4(tcp_limit_output_bytes, 0, 0x7fffffff), /* any int >= 0 (Linux's) */
	SYSCTL_IPV4(tcp_stdurg, 0, 1),
	SYSCTL_IPV4(tcp_notsent_lowat, 0, UINT32_MAX),		 /* Linux's proc_douintvec */
	SYSCTL_IPV4(tcp_fastopen, -0x7fffffffL - 1, 0x7fffffff), /* any int (proc_dointvec) */
	SYSCTL_IPV4(tcp_fastopen_blackhole_timeout_sec, 0, 0x7fffffff),
	{"usertcp.tcp_gso_buffers", offsetof(struct ipv4_sysctl, tcp_gso_buffers), 0, 1},
	/* Linux's vector sysctls, one entry per element */
	{"net.ipv4.tcp_rmem.min", offsetof(struct ipv4_sysctl, tcp_rmem[0]), 1, 1L << 30},
	{"net.ipv4.tcp_rmem.default", offsetof(struct ipv4_sysctl, tcp_rmem[1]), 1, 1L << 30},
	{"net.ipv4.tcp_rmem.max", offsetof(struct ipv4_sysctl, tcp_rmem[2]), 1, 1L << 30},
	{"net.ipv4.tcp_wmem.min", offsetof(struct ipv4_sysctl, tcp_wmem[0]), 1, 1L << 30},
	{"net.ipv4.tcp_wmem.default", offsetof(struct ipv4_sysctl, tcp_wmem[1]), 1, 1L << 30},
	{"net.ipv4.tcp_wmem.max", offsetof(struct ipv4_sysctl, tcp_wmem[2]), 1, 1L << 30},
	{"net.ipv4.tcp_mem.min", offsetof(struct ipv4_sysctl, tcp_mem[0]), 1, 1L << 40},
	{"net.ipv4.tcp_mem.pressure", offsetof(struct ipv4_sysctl, tcp_mem[1]), 1, 1L << 40},
	{"net.ipv4.tcp_mem.max", offsetof(struct ipv4_sysctl, tcp_mem[2]), 1, 1L << 40},
	{"net.ipv4.ip_local_port_range.min", offsetof(struct ipv4_sysctl, ip_local_port_range[0]),
	 1, 65535},
	{"net.ipv4.ip_local_port_range.max", offsetof(struct ipv4_sysctl, ip_local_port_range[1]),
	 1, 65535},
	{"net.core.somaxconn", offsetof(struct ipv4_sysctl, somaxconn), 0, 1L << 30},
	{"net.core.rmem_default", offsetof(struct ipv4_sysctl, rmem_default), 2304, 1L << 30},
	{"net.core.rmem_max", offsetof(struct ipv4_sysctl, rmem_max), 2304, 1L << 30},
	{"net.core.wmem_default", offsetof(struct ipv4_sysctl, wmem_default), 4608, 1L << 30},
	{"net.core.wmem_max", offsetof(struct ipv4_sysctl, wmem_max), 4608, 1L << 30},
	{"fs.nr_open", offsetof(struct ipv4_sysctl, nr_open), 1, 1L << 30},
};

static const struct sysctl_entry *sysctl_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++)
		if (strcmp(sysctl_table[i].name, name) == 0)
			return &sysctl_table[i];
	return NULL;
}

static long *sysctl_slot(const struct ut_stack *stack, const struct sysctl_entry *e)
{
	return (long *)(void *)((char *)(uintptr_t)&stack->sysctl + e->offset);
}

/* Settings whose value is text, as Linux's proc handlers show and take
 * it: each has its own reader and writer (NULL: read-only). */
struct sysctl_str_entry {
	const char *name;
	int (*get)(const struct ut_stack *stack, char *buf, size_t len);
	int (*set)(struct ut_stack *stack, const char *val);
};

static const struct sysctl_str_entry sysctl_str_table[] = {
	{"net.ipv4.tcp_congestion_control", tcp_get_default_congestion_control,
	 tcp_set_default_congestion_control},
	{"net.ipv4.tcp_available_congestion_control", tcp_get_available_congestion_control, NULL},
	{"net.ipv4.tcp_allowed_congestion_control", tcp_get_allowed_congestion_control,
	 tcp_set_allowed_congestion_control},
	{"net.ipv4.tcp_fastopen_key", tcp_fastopen_get_key_str, tcp_fastopen_set_key_str},
};

static const struct sysctl_str_entry *sysctl_str_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_str_table); i++)
		if (strcmp(sysctl_str_table[i].name, name) == 0)
			return &sysctl_str_table[i];
	return NULL;
}

int register_net_sysctl(struct ut_stack *stack, const struct ctl_table_ops *ops)
{
	if (stack->n_sysctl_dirs == NET_SYSCTL_DIRS_MAX)
		return -ENOSPC;
	stack->sysctl_dirs[stack->n_sysctl_dirs++] = ops;
	return 0;
}

/* The family's table that name belongs to, or NULL. */
static const struct ctl_table_ops *sysctl_dir_find(const struct ut_stack *stack, const char *name)
{
	for (unsigned i = 0; i < stack->n_sysctl_dirs; i++)
		if (strncmp(name, stack->sysctl_dirs[i]->prefix,
			    strlen(stack->sysctl_dirs[i]->prefix)) == 0)
			return stack->sysctl_dirs[i];
	return NULL;
}

static int sysctl_get_locked(const struct ut_stack *stack, const char *name, long *value)
{
	const struct sysctl_entry *e = sysctl_find(name);
	const struct ctl_table_ops *dir;

	if (!e && (dir = sysctl_dir_find(stack, name)))
		return dir->get(stack, name, value);
	if (!e)
		return sysctl_str_find(name) ? -EINVAL : -ENOENT;
	*value = *sysctl_slot(stack, e);
	return 0;
}

UT_EXPORT int ut_sysctl_get(const struct ut_stack *stack, const char *name, long *value)
{
	bool locked = stack_lock_unless_held((struct ut_stack *)(uintptr_t)stack);
	int err = sysctl_get_locked(stack, name, value);

	stack_unlock_if((struct ut_stack *)(uintptr_t)stack, locked);
	return err;
}

static int sysctl_set_locked(struct ut_stack *stack, const char *name, long value)
{
	const struct sysctl_entry *e = sysctl_find(name);
	const struct ctl_table_ops *dir;

	if (!e && (dir = sysctl_dir_find(stack, name)))
		return dir->set(stack, name, value);
	if (!e)
		return sysctl_str_find(name) ? -EINVAL : -ENOENT;
	if (value < e->min || value > e->max)
		return -EINVAL;
	*sysctl_slot(stack, e) = value;
	return 0;
}

UT_EXPORT int ut_sysctl_set(struct ut_stack *stack, const char *name, long value)
{
	bool locked = stack_lock_unless_held(stack);
	int err = sysctl_set_locked(stack, name, value);

	stack_unlock_if(stack, locked);
	return err;
}

static int sysctl_get_str_locked(const struct ut_stack *stack, const char *name, char *buf,
				 size_t len)
{
	const struct sysctl_str_entry *se = sysctl_str_find(name);
	const struct sysctl_entry *e;
	int n;

	if (se)
		return se->get(stack, buf, len);
	e = sysctl_find(name);
	if (!e) {
		long v;
		int err = ut_sysctl_get(stack, name, &v);

		if (err)
			return err;
		n = snprintf(buf, len, "%ld", v);
		return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
	}
	n = snprintf(buf, len, "%ld", *sysctl_slot(stack, e));
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

UT_EXPORT int ut_sysctl_get_str(const struct ut_stack *stack, const char *name, char *buf,
				size_t len)
{
	bool locked = stack_lock_unless_held((struct ut_stack *)(uintptr_t)stack);
	int err = sysctl_get_str_locked(stack, name, buf, len);

	stack_unlock_if((struct ut_stack *)(uintptr_t)stack, locked);
	return err;
}

static int sysctl_set_str_locked(struct ut_stack *stack, const char *name, const char *value)
{
	const struct sysctl_str_entry *se = sysctl_str_find(name);
	char *end;
	long v;

	if (se)
		return se->set ? se->set(stack, value) : -EACCES;
	if (!sysctl_find(name) && !sysctl_dir_find(stack, name))
		return -ENOENT;
	errno = 0;
	v = strtol(value, &end, 0);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == value || *end)
		return -EINVAL;
	return ut_sysctl_set(stack, name, v);
}

UT_EXPORT int ut_sysctl_set_str(struct ut_stack *stack, const char *name, const char *value)
{
	bool locked = stack_lock_unless_held(stack);
	int err = sysctl_set_str_locked(stack, name, value);

	stack_unlock_if(stack, locked);
	return err;
}

static void sysctl_foreach_locked(const struct ut_stack *stack,
				  void (*fn)(void *arg, const char *name, long value), void *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_table); i++)
		fn(arg, sysctl_table[i].name, *sysctl_slot(stack, &sysctl_table[i]));
	for (unsigned i = 0; i < stack->n_sysctl_dirs; i++)
		stack->sysctl_dirs[i]->foreach(stack, fn, arg);
}

UT_EXPORT void ut_sysctl_foreach(const struct ut_stack *stack,
				 void (*fn)(void *arg, const char *name, long value), void *arg)
{
	bool locked = stack_lock_unless_held((struct ut_stack *)(uintptr_t)stack);

	sysctl_foreach_locked(stack, fn, arg);
	stack_unlock_if((struct ut_stack *)(uintptr_t)stack, locked);
}
