/* Internals of the simulated world (src/sim): the event queue in virtual
 * time and the links between hosts. */
#ifndef USERTCP_NET_SIMNET_H
#define USERTCP_NET_SIMNET_H

#include <stdbool.h>
#include <stdint.h>

#include "net/netem.h"
#include "net/random.h"
#include "net/skbuff.h"
#include "net/timeheap.h"
#include "usertcp/sim.h"

struct net_device;

/* A frame in flight: delivered at key.time; among equal times, in the
 * order it was scheduled (key.seq). */
struct sim_event {
	struct timeheap_key key; /* first: an element of the timeheap */
	struct sk_buff *skb;
	struct ut_sim_link *link;
	int dir; /* 0: a -> b, 1: b -> a */
};

struct sim_clock {
	struct ut_clock clock; /* first: ut_clock callbacks cast back */
	uint64_t now;
};

struct sim_host {
	struct ut_stack *stack;
	bool dirty; /* has frames to process now */
};

struct ut_sim_link {
	struct ut_sim *sim;
	struct net_device *dev[2];
	int host[2];		 /* indexes into sim->hosts */
	struct netem_dir dir[2]; /* 0: a -> b, 1: b -> a */
	bool up;
	struct ut_sim_link *next;
};

struct ut_sim {
	struct sim_clock clock;
	uint64_t seed;
	struct skb_pool *pool;
	struct sim_host *hosts;
	unsigned nhosts, hosts_cap;
	struct ut_sim_link *links;
	unsigned nlinks;
	struct timeheap events; /* of struct sim_event: frames in flight */
};

/* Link side: called by a simulated device's transmit. Consumes skb. */
void sim_link_transmit(struct ut_sim_link *link, int from_side, struct sk_buff *skb);
/* Delivery of a frame at its arrival time into the far device. */
void sim_link_deliver(struct ut_sim *sim, struct sim_event *ev);
void sim_link_free(struct ut_sim_link *link);
/* Marks host index h as having frames to process. */
void sim_host_wake(struct ut_sim *sim, int h);

#endif
