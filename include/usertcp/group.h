/* A stack per core: a group of stacks that share one interface, each on
 * its own queue of it, as Linux spreads one NIC's flows over its CPUs
 * with a receive queue per CPU (RSS) and nothing shared on the packet
 * path.
 *
 * The interface is a multi-queue TAP or TUN (`ip tuntap add dev tap0
 * mode tap multi_queue user $USER`): the kernel steers each flow to one
 * queue, and stack i of the group reads and writes queue i. Every stack
 * holds the same addresses and, on a TAP, the same Ethernet address, so
 * the kernel sees one host. Each stack keeps its own connections,
 * timers, buffers and counters and is driven by one thread at a time:
 * ut_group_run gives each its own thread, which runs the application's
 * code and the stack together (blocking calls drive the stack they are
 * made on), or ut_group_thread_start gives each a stack thread.
 *
 * How the work is split (docs/ARCHITECTURE.md, "A stack per core"):
 *  - flows: the kernel picks a flow's queue from a hash of its addresses
 *    and ports, and keeps a flow on the queue its replies were last
 *    written from; a connection lives on the stack whose queue got its
 *    first segment (a connection the kernel opened) or that opened it;
 *  - listeners: an application opens one listener on every stack, on the
 *    same port, as a SO_REUSEPORT group has one socket per thread; a
 *    listener accepts the connections whose flows reach its stack;
 *  - ports: net.ipv4.ip_local_port_range is cut into one slice per stack,
 *    so the ports a stack picks for connect() and bind(0) are its own;
 *  - misdirected segments: a TCP or UDP segment that finds no socket on
 *    the stack it reached, for a port in another stack's slice (the
 *    kernel forgot an idle flow's queue, or its flow table was full), is
 *    handed to that stack instead of being answered with a reset, as
 *    Linux's RPS hands a packet to another CPU's backlog; ARP replies and
 *    IPv6 neighbour advertisements reach every stack, so each learns the
 *    addresses of its neighbours whichever queue the answer came in on.
 *
 * Conventions as in usertcp/stack.h: 0 or a count, or a negative errno.
 */
#ifndef USERTCP_GROUP_H
#define USERTCP_GROUP_H

#include <stdint.h>

#include "usertcp/dev.h"
#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most stacks in a group (and queues of an interface: Linux's tun
 * allows 256). */
#define UT_GROUP_MAX 64

struct ut_group;

/* Creates n stacks (1 to UT_GROUP_MAX) from cfg (NULL: defaults), named
 * "NAME/0" ... "NAME/n-1" (a group of one: NAME), each with seeds of its
 * own drawn from cfg->seed, and mem_limit each. -EINVAL, -ENOMEM. */
int ut_group_create(const struct ut_stack_config *cfg, unsigned n, struct ut_group **out);
/* Stops the group's threads and destroys every stack. A group's stacks
 * go with their group, never by ut_stack_destroy: the other stacks hand
 * packets to them. */
void ut_group_destroy(struct ut_group *g);
unsigned ut_group_size(const struct ut_group *g);
/* Stack i, or NULL past the end. */
struct ut_stack *ut_group_stack(const struct ut_group *g, unsigned i);

/* Attaches stack i to queue i of the multi-queue TAP or TUN interface
 * ifname for every stack of the group, as ut_dev_open_tuntap does for
 * one (same flags and errors); every queue gets the same Ethernet
 * address (hwaddr, or one random one). devs, if not NULL, receives the
 * n devices. Also -EINVAL for an interface made without multi_queue
 * when n > 1 (ut_dev_tuntap_strerror says how to make one); a group of
 * one takes a plain interface or one queue of a multi_queue one. On
 * failure no queue stays attached. */
int ut_group_open_tuntap(struct ut_group *g, const char *ifname, enum ut_dev_type type,
			 unsigned flags, const uint8_t *hwaddr, struct ut_dev **devs);
/* Declares devs[0..n-1], devs[i] a device of stack i, the queues of one
 * interface, for devices an application drives (ut_dev_create): the
 * group then hands misdirected segments and neighbour answers between
 * them. ut_group_open_tuntap does this itself. Before any thread runs.
 * -EINVAL (a device of the wrong stack, or named differently), -ENOSPC
 * (more than 8 interfaces). */
int ut_group_add_queues(struct ut_group *g, struct ut_dev *const *devs);

/* Sets net.ipv4.ip_local_port_range for the group: each stack gets one
 * slice of [low, high] (the default, Linux's 32768-60999, is split at
 * ut_group_create). Each slice needs 2 ports at least: -EINVAL. Change
 * it here rather than on one stack, since the slices decide which stack
 * a misdirected segment belongs to. */
int ut_group_set_port_range(struct ut_group *g, unsigned low, unsigned high);
/* The stack whose slice holds port (host order): the stack a socket
 * bound to it belongs on, since a misdirected segment for it is handed
 * there. A port outside every slice: the stack set with
 * ut_group_set_port_home, else -1. */
int ut_group_port_owner(const struct ut_group *g, unsigned port);
/* Makes stack i the owner of the ports outside every slice (a server's
 * well-known ports): a segment for one that finds no socket on the stack
 * it reached is handed to stack i rather than refused there, so that a
 * socket that lives on one stack only (a datagram server on port 53)
 * gets its traffic whatever queue the kernel picks. -1 (the default):
 * such a segment is answered by the stack it reached. Before any thread
 * runs. -EINVAL for another i. */
int ut_group_set_port_home(struct ut_group *g, int i);

/* Runs fn(stack i, i, arg) on a thread of its own for every stack, the
 * calling thread taking stack 0, and returns when every one has
 * returned: fn's first non-zero result (by i), or 0. The threads drive
 * their stacks through their own calls (ut_epoll_wait, a blocking recv),
 * so a worker should wait in such a call rather than sleep on its own.
 * With pin, thread i is bound to CPU i modulo the CPUs the process may
 * use. -EINVAL while stack threads run, or errors of pthread_create. */
int ut_group_run(struct ut_group *g, int (*fn)(struct ut_stack *stack, unsigned i, void *arg),
		 void *arg, bool pin);

/* A stack thread for every stack (ut_stack_thread_start), for an
 * application that makes its calls from threads of its own; stop joins
 * them. */
int ut_group_thread_start(struct ut_group *g);
void ut_group_thread_stop(struct ut_group *g);

/* What crossed between stack i and the others. */
struct ut_group_stats {
	uint64_t steered_out;  /* misdirected segments handed to their stack */
	uint64_t steered_in;   /* segments handed to this stack */
	uint64_t steer_drops;  /* handed over, but this stack's queue of
				* them was full (1000, as netdev_max_backlog)
				* or a copy could not be made */
	uint64_t neigh_shared; /* ARP replies and neighbour advertisements
				* passed to the other stacks */
};
/* -EINVAL past the end. Safe from any thread. */
int ut_group_get_stats(const struct ut_group *g, unsigned i, struct ut_group_stats *st);

#ifdef __cplusplus
}
#endif
#endif
