/* A stack per core (include/usertcp/group.h).
 *
 * Linux spreads one NIC over its CPUs with a receive queue per CPU: the
 * NIC hashes each flow to a queue (RSS), the CPU that drains the queue
 * runs the flow's TCP, and a socket's state is touched by that CPU
 * alone. A group does the same with stacks: one stack per queue of a
 * multi-queue TAP or TUN, each with its own lock, tables, timers and
 * buffer pool, so that nothing on the packet path is shared.
 *
 * What cannot be split by the kernel's steering is handled here, off the
 * packet path:
 *  - a segment that finds no socket on the stack it reached is handed to
 *    the stack whose slice of the local port range holds its destination
 *    port, as Linux's RPS queues a packet on another CPU's backlog
 *    (enqueue_to_backlog) and wakes that CPU. The handover is a copy into
 *    a mailbox with a lock of its own and an eventfd that wakes the other
 *    stack's thread: the stacks never take each other's locks;
 *  - an ARP reply or an IPv6 neighbour advertisement is passed to every
 *    stack, since the kernel answers a resolution on whichever queue its
 *    hash picks. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "net/fault.h"
#include "net/stack.h"
#include "net/stack_group.h"
#include "usertcp/group.h"
#include "usertcp/socket.h"

/* Frames waiting in one stack's mailbox at most: Linux's
 * netdev_max_backlog, the bound of the backlog RPS queues onto. */
#define GROUP_BACKLOG_MAX 1000
/* Interfaces whose queues a group spreads over. */
#define GROUP_IFS_MAX 8

/* One packet handed from a stack to another: a copy, since each stack's
 * buffers come from its own pool, which only its own thread may touch. */
struct steer_rec {
	struct steer_rec *next;
	struct net_device *dev; /* the receiving stack's queue */
	uint32_t len;
	uint16_t protocol;
	uint8_t pkt_type, ip_summed;
	bool shared; /* a neighbour answer passed to all, not a steered segment */
	uint16_t gso_size, gso_segs;
	uint32_t gso_type;
	uint8_t data[];
};

struct stack_group_member {
	struct ut_group *group;
	unsigned index;
	int efd;	      /* eventfd: readable while the mailbox may hold packets */
	pthread_mutex_t lock; /* the mailbox only, never with a stack's lock */
	struct steer_rec *head, **tail;
	unsigned qlen;
	atomic_bool pending;
	bool rx_steered; /* delivering a handed-over packet: never hand it on */
	_Atomic uint64_t steered_out, steered_in, steer_drops, neigh_shared;
};

struct ut_group {
	unsigned n;
	unsigned port_low, port_high;
	int port_home; /* the owner of ports outside every slice; -1: none */
	unsigned n_ifs;
	/* Per interface, its queue on each stack; fixed before threads run. */
	struct net_device *ifs[GROUP_IFS_MAX][UT_GROUP_MAX];
	struct ut_stack *stacks[UT_GROUP_MAX];
	struct stack_group_member members[UT_GROUP_MAX];
};

static inline uint64_t stat_inc(_Atomic uint64_t *c)
{
	return atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- the port slices ---------------------------------------------------------*/

static unsigned slice_start(const struct ut_group *g, unsigned i)
{
	unsigned span = g->port_high - g->port_low + 1;
	return g->port_low + (unsigned)((uint64_t)span * i / g->n);
}

/* The stack whose slice holds port (host order); outside the range the
 * home stack, if any, else -1. */
static int port_owner(const struct ut_group *g, unsigned port)
{
	if (port < g->port_low || port > g->port_high)
		return g->port_home;
	for (unsigned i = g->n; i-- > 0;)
		if (port >= slice_start(g, i))
			return (int)i;
	return -1;
}

UT_EXPORT int ut_group_set_port_range(struct ut_group *g, unsigned low, unsigned high)
{
	if (!g || low < 1 || high > 65535 || low > high || (high - low + 1) / g->n < 2)
		return -EINVAL;
	g->port_low = low;
	g->port_high = high;
	for (unsigned i = 0; i < g->n; i++) {
		struct ut_stack *s = g->stacks[i];
		unsigned end = i + 1 < g->n ? slice_start(g, i + 1) - 1 : high;
		stack_lock(s);
		s->sysctl.ip_local_port_range[0] = slice_start(g, i);
		s->sysctl.ip_local_port_range[1] = end;
		stack_unlock(s);
	}
	return 0;
}

UT_EXPORT int ut_group_port_owner(const struct ut_group *g, unsigned port)
{
	return g ? port_owner(g, port) : -1;
}

UT_EXPORT int ut_group_set_port_home(struct ut_group *g, int i)
{
	if (!g || i < -1 || i >= (int)g->n)
		return -EINVAL;
	g->port_home = i;
	return 0;
}

/* ---- handing packets over ----------------------------------------------------*/

/* The queue of stack `to` on the interface dev is a queue of; NULL if dev
 * belongs to no interface of the group. */
static struct net_device *group_peer_queue(const struct stack_group_member *m,
					   const struct net_device *dev, unsigned to)
{
	const struct ut_group *g = m->group;

	for (unsigned k = 0; k < g->n_ifs; k++)
		if (g->ifs[k][m->index] == dev)
			return g->ifs[k][to];
	return NULL;
}

/* A copy of skb from from to its end for stack `to`'s queue. shared: a
 * neighbour answer passed to every stack, whose checksum the receiver
 * checks again (it was not necessarily checked in full before it was
 * passed on); otherwise a segment that was checked (or vouched for by
 * the device) before it looked for a socket. */
static struct steer_rec *steer_rec_make(const struct sk_buff *skb, const uint8_t *from,
					struct net_device *to, bool shared)
{
	const uint8_t *end = skb->data + skb->len;
	struct steer_rec *r;
	uint32_t len;

	if (from < skb->head || from > end)
		return NULL;
	len = (uint32_t)(end - from);
	r = ut_malloc(sizeof(*r) + len);
	if (!r)
		return NULL;
	r->next = NULL;
	r->dev = to;
	r->len = len;
	r->protocol = skb->protocol;
	r->pkt_type = skb->pkt_type;
	r->ip_summed = shared ? CHECKSUM_NONE : CHECKSUM_UNNECESSARY;
	r->shared = shared;
	r->gso_size = skb_shinfo(skb)->gso_size;
	r->gso_segs = skb_shinfo(skb)->gso_segs;
	r->gso_type = skb_shinfo(skb)->gso_type;
	memcpy(r->data, from, len);
	return r;
}

/* Queues r on stack `to`'s mailbox and wakes it if the mailbox was empty
 * (an eventfd write is a system call; one per burst is enough, since the
 * receiver reads the eventfd before it empties the mailbox). */
static void group_post(struct ut_group *g, unsigned to, struct steer_rec *r)
{
	struct stack_group_member *t = &g->members[to];
	bool wake;

	pthread_mutex_lock(&t->lock);
	if (t->qlen >= GROUP_BACKLOG_MAX) {
		pthread_mutex_unlock(&t->lock);
		stat_inc(&t->steer_drops);
		free(r);
		return;
	}
	wake = t->head == NULL;
	*t->tail = r;
	t->tail = &r->next;
	t->qlen++;
	atomic_store_explicit(&t->pending, true, memory_order_release);
	pthread_mutex_unlock(&t->lock);
	if (wake) {
		uint64_t one = 1;
		ssize_t w = write(t->efd, &one, sizeof(one));
		(void)w; /* a counter at its limit is readable already */
	}
}

bool stack_group_steer(struct sk_buff *skb, const uint8_t *from, uint16_t dport)
{
	struct stack_group_member *m = skb->dev->stack->group;
	struct net_device *to;
	struct steer_rec *r;
	int owner;

	if (!m || m->rx_steered)
		return false;
	owner = port_owner(m->group, dport);
	if (owner < 0 || (unsigned)owner == m->index)
		return false;
	to = group_peer_queue(m, skb->dev, (unsigned)owner);
	if (!to)
		return false;
	r = steer_rec_make(skb, from, to, false);
	if (!r) {
		stat_inc(&m->group->members[owner].steer_drops);
		return true;
	}
	stat_inc(&m->steered_out);
	group_post(m->group, (unsigned)owner, r);
	return true;
}

void stack_group_share(struct sk_buff *skb, const uint8_t *from)
{
	struct stack_group_member *m = skb->dev->stack->group;

	if (!m || m->rx_steered)
		return;
	for (unsigned i = 0; i < m->group->n; i++) {
		struct net_device *to;
		struct steer_rec *r;

		if (i == m->index || !(to = group_peer_queue(m, skb->dev, i)))
			continue;
		r = steer_rec_make(skb, from, to, true);
		if (!r) {
			stat_inc(&m->group->members[i].steer_drops);
			continue;
		}
		stat_inc(&m->neigh_shared);
		group_post(m->group, i, r);
	}
}

bool stack_group_pending(const struct ut_stack *stack)
{
	const struct stack_group_member *m = stack->group;
	return m && atomic_load_explicit(&m->pending, memory_order_acquire);
}

int stack_group_fd(const struct ut_stack *stack)
{
	return stack->group ? stack->group->efd : -1;
}

int stack_group_rx(struct ut_stack *stack)
{
	struct stack_group_member *m = stack->group;
	struct steer_rec *r, *next;
	uint64_t cnt;
	int n = 0;

	if (!stack_group_pending(stack))
		return 0;
	/* The eventfd first: a sender that finds the mailbox empty after
	 * this takes it writes the eventfd again. */
	if (read(m->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: not written yet, or already read */
	}
	pthread_mutex_lock(&m->lock);
	r = m->head;
	m->head = NULL;
	m->tail = &m->head;
	m->qlen = 0;
	atomic_store_explicit(&m->pending, false, memory_order_relaxed);
	pthread_mutex_unlock(&m->lock);
	for (; r; r = next) {
		struct sk_buff *skb;

		next = r->next;
		skb = netdev_alloc_skb_ip_align(r->dev, r->len);
		if (!skb) {
			stat_inc(&m->steer_drops);
			free(r);
			continue;
		}
		memcpy(skb_put(skb, r->len), r->data, r->len);
		skb->protocol = r->protocol;
		skb->pkt_type = r->pkt_type;
		skb->ip_summed = r->ip_summed;
		skb->tstamp = stack_now(stack);
		skb_shinfo(skb)->gso_size = r->gso_size;
		skb_shinfo(skb)->gso_segs = r->gso_segs;
		skb_shinfo(skb)->gso_type = r->gso_type;
		skb_reset_mac_header(skb);
		skb_reset_network_header(skb);
		if (!r->shared)
			stat_inc(&m->steered_in);
		free(r);
		/* Straight to the protocol, past the device's counters, its
		 * capture and GRO: the frame was counted, captured and
		 * merged on the queue it came in on. */
		m->rx_steered = true;
		netif_deliver_skb(skb);
		m->rx_steered = false;
		n++;
	}
	return n;
}

static void member_drop_all(struct stack_group_member *m)
{
	struct steer_rec *r, *next;

	pthread_mutex_lock(&m->lock);
	for (r = m->head; r; r = next) {
		next = r->next;
		free(r);
	}
	m->head = NULL;
	m->tail = &m->head;
	m->qlen = 0;
	atomic_store(&m->pending, false);
	pthread_mutex_unlock(&m->lock);
}

/* ---- the group ------------------------------------------------------------------*/

UT_EXPORT int ut_group_create(const struct ut_stack_config *cfg, unsigned n, struct ut_group **out)
{
	struct ut_stack_config def, c;
	struct ut_group *g;
	char name[32];
	int err;

	if (!out || n < 1 || n > UT_GROUP_MAX)
		return -EINVAL;
	if (!cfg) {
		ut_stack_config_init(&def);
		cfg = &def;
	}
	g = ut_calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->port_home = -1;
	for (unsigned i = 0; i < n; i++) {
		struct stack_group_member *m = &g->members[i];

		m->efd = -1;
		c = *cfg;
		if (n > 1)
			snprintf(name, sizeof(name), "%.24s/%u", cfg->name ? cfg->name : "usertcp",
				 i);
		else
			snprintf(name, sizeof(name), "%s", cfg->name ? cfg->name : "usertcp");
		c.name = name;
		/* Each stack its own secrets and random choices, all of
		 * them repeatable from one seed. */
		if (cfg->seed)
			c.seed = cfg->seed + 0x9e3779b97f4a7c15ull * i;
		if ((err = ut_stack_create(&c, &g->stacks[i])) < 0)
			goto fail;
		g->n = i + 1;
		m->group = g;
		m->index = i;
		m->tail = &m->head;
		pthread_mutex_init(&m->lock, NULL);
		m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (m->efd < 0) {
			err = -errno;
			goto fail;
		}
		g->stacks[i]->group = m;
	}
	err = ut_group_set_port_range(g, (unsigned)g->stacks[0]->sysctl.ip_local_port_range[0],
				      (unsigned)g->stacks[0]->sysctl.ip_local_port_range[1]);
	if (err < 0)
		goto fail;
	*out = g;
	return 0;
fail:
	ut_group_destroy(g);
	return err;
}

UT_EXPORT void ut_group_destroy(struct ut_group *g)
{
	if (!g)
		return;
	ut_group_thread_stop(g);
	/* Handed-over packets name devices of the stacks about to go. */
	for (unsigned i = 0; i < g->n; i++)
		member_drop_all(&g->members[i]);
	for (unsigned i = 0; i < g->n; i++) {
		struct stack_group_member *m = &g->members[i];

		if (g->stacks[i])
			g->stacks[i]->group = NULL;
		ut_stack_destroy(g->stacks[i]);
		if (m->efd >= 0)
			close(m->efd);
		if (m->group)
			pthread_mutex_destroy(&m->lock);
	}
	free(g);
}

UT_EXPORT unsigned ut_group_size(const struct ut_group *g)
{
	return g ? g->n : 0;
}

UT_EXPORT struct ut_stack *ut_group_stack(const struct ut_group *g, unsigned i)
{
	return g && i < g->n ? g->stacks[i] : NULL;
}

UT_EXPORT int ut_group_add_queues(struct ut_group *g, struct ut_dev *const *devs)
{
	if (!g || !devs)
		return -EINVAL;
	if (g->n_ifs == GROUP_IFS_MAX)
		return -ENOSPC;
	for (unsigned i = 0; i < g->n; i++) {
		const struct net_device *d = devs[i] ? netdev_from_ut(devs[i]) : NULL;
		if (!d || d->stack != g->stacks[i] ||
		    strcmp(d->name, netdev_from_ut(devs[0])->name) != 0)
			return -EINVAL;
		for (unsigned k = 0; k < g->n_ifs; k++)
			if (g->ifs[k][i] == d)
				return -EINVAL;
	}
	for (unsigned i = 0; i < g->n; i++)
		g->ifs[g->n_ifs][i] = netdev_from_ut(devs[i]);
	g->n_ifs++;
	return 0;
}

UT_EXPORT int ut_group_open_tuntap(struct ut_group *g, const char *ifname, enum ut_dev_type type,
				   unsigned flags, const uint8_t *hwaddr, struct ut_dev **devs)
{
	struct ut_dev *d[UT_GROUP_MAX];
	uint8_t mac[ETH_ALEN];
	unsigned i;
	int err = 0;

	if (!g)
		return -EINVAL;
	/* One host to the kernel: every queue answers with one address. */
	if (hwaddr) {
		memcpy(mac, hwaddr, ETH_ALEN);
	} else {
		stack_lock(g->stacks[0]);
		eth_random_addr(g->stacks[0], mac);
		stack_unlock(g->stacks[0]);
	}
	for (i = 0; i < g->n; i++) {
		/* A group of one takes either kind of interface: a plain
		 * one, or one queue of a multi_queue one. */
		err = ut_dev_open_tuntap(g->stacks[i], ifname, type,
					 flags | (g->n > 1 ? UT_DEV_F_MULTI_QUEUE : 0), mac, &d[i]);
		if (err == -EINVAL && g->n == 1)
			err = ut_dev_open_tuntap(g->stacks[i], ifname, type,
						 flags | UT_DEV_F_MULTI_QUEUE, mac, &d[i]);
		if (err < 0)
			break;
	}
	if (!err)
		err = ut_group_add_queues(g, d);
	if (err < 0) {
		/* No queue left attached: the kernel would steer flows to
		 * a queue nobody reads. */
		while (i-- > 0) {
			stack_lock(g->stacks[i]);
			netdev_free(netdev_from_ut(d[i]));
			stack_unlock(g->stacks[i]);
		}
		return err;
	}
	if (devs)
		memcpy(devs, d, g->n * sizeof(d[0]));
	return 0;
}

UT_EXPORT int ut_group_thread_start(struct ut_group *g)
{
	int err;

	if (!g)
		return -EINVAL;
	for (unsigned i = 0; i < g->n; i++)
		if ((err = ut_stack_thread_start(g->stacks[i])) < 0) {
			ut_group_thread_stop(g);
			return err;
		}
	return 0;
}

UT_EXPORT void ut_group_thread_stop(struct ut_group *g)
{
	for (unsigned i = 0; g && i < g->n; i++)
		ut_stack_thread_stop(g->stacks[i]);
}

UT_EXPORT int ut_group_get_stats(const struct ut_group *g, unsigned i, struct ut_group_stats *st)
{
	const struct stack_group_member *m;

	if (!g || i >= g->n || !st)
		return -EINVAL;
	m = &g->members[i];
	st->steered_out = atomic_load_explicit(&m->steered_out, memory_order_relaxed);
	st->steered_in = atomic_load_explicit(&m->steered_in, memory_order_relaxed);
	st->steer_drops = atomic_load_explicit(&m->steer_drops, memory_order_relaxed);
	st->neigh_shared = atomic_load_explicit(&m->neigh_shared, memory_order_relaxed);
	return 0;
}

/* ---- a thread per stack ------------------------------------------------------*/

/* Workers start together: each waits until every thread exists, so a
 * failed pthread_create leaves no worker running fn. */
struct group_start {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state; /* 0: starting, 1: go, -1: abandoned */
};

struct group_worker {
	struct group_start *start;
	struct ut_group *g;
	unsigned i;
	int (*fn)(struct ut_stack *, unsigned, void *);
	void *arg;
	int cpu; /* -1: not pinned */
	int rc;
	pthread_t tid;
};

/* The i-th CPU (modulo their number) of those the process may run on. */
static int group_cpu(unsigned i)
{
	cpu_set_t set;
	int count, want, seen = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || (count = CPU_COUNT(&set)) == 0)
		return -1;
	want = (int)(i % (unsigned)count);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && seen++ == want)
			return c;
	return -1;
}

static void *group_worker_main(void *arg)
{
	struct group_worker *w = arg;

	/* top -H and perf tell the threads apart by name; the calling
	 * thread, stack 0's, keeps the application's. */
	if (w->i > 0) {
		char name[16];
		snprintf(name, sizeof(name), "ut-group/%u", w->i % 1000u);
		(void)pthread_setname_np(pthread_self(), name);
	}

	if (w->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	pthread_mutex_lock(&w->start->lock);
	while (w->start->state == 0)
		pthread_cond_wait(&w->start->cond, &w->start->lock);
	bool go = w->start->state > 0;
	pthread_mutex_unlock(&w->start->lock);
	if (go)
		w->rc = w->fn(w->g->stacks[w->i], w->i, w->arg);
	return NULL;
}

UT_EXPORT int ut_group_run(struct ut_group *g, int (*fn)(struct ut_stack *, unsigned, void *),
			   void *arg, bool pin)
{
	struct group_start start = {.state = 0};
	struct group_worker *w;
	unsigned started = 1;
	int err = 0;

	if (!g || !fn)
		return -EINVAL;
	for (unsigned i = 0; i < g->n; i++)
		if (g->stacks[i]->thread)
			return -EINVAL;
	w = ut_calloc(g->n, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&start.lock, NULL);
	pthread_cond_init(&start.cond, NULL);
	for (unsigned i = 0; i < g->n; i++)
		w[i] = (struct group_worker){.start = &start,
					     .g = g,
					     .i = i,
					     .fn = fn,
					     .arg = arg,
					     .cpu = pin ? group_cpu(i) : -1};
	for (unsigned i = 1; i < g->n; i++, started++)
		if ((err = pthread_create(&w[i].tid, NULL, group_worker_main, &w[i])) != 0)
			break;
	pthread_mutex_lock(&start.lock);
	start.state = err ? -1 : 1;
	pthread_cond_broadcast(&start.cond);
	pthread_mutex_unlock(&start.lock);
	if (!err)
		group_worker_main(&w[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(w[i].tid, NULL);
	pthread_cond_destroy(&start.cond);
	pthread_mutex_destroy(&start.lock);
	if (err) {
		free(w);
		return -err;
	}
	for (unsigned i = 0; i < g->n && !err; i++)
		err = w[i].rc;
	free(w);
	return err;
}
