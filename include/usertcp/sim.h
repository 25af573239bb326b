/* The simulated network: a world of hosts, each a full usertcp stack, joined
 * by links with a rate, a one-way delay, jitter, loss, duplication,
 * reordering, corruption, an MTU and a queue limit. No privileges and no
 * kernel devices are needed.
 *
 * The world runs in virtual time driven by the next event: waiting costs
 * nothing, so a simulated minute of idleness passes in microseconds. Every
 * random choice (impairments, and each host's own randomness) comes from
 * generators seeded from the world's seed, so a run is reproducible bit for
 * bit from its seed: same seed, same packets, same pcap bytes.
 *
 * A world and its hosts are driven by one thread.
 */
#ifndef USERTCP_SIM_H
#define USERTCP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "usertcp/dev.h"
#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ut_sim;
struct ut_sim_link;

/* Creates an empty world at virtual time 0. -ENOMEM. */
int ut_sim_create(uint64_t seed, struct ut_sim **out);
/* Destroys the world with all its hosts, links and frames in flight. */
void ut_sim_destroy(struct ut_sim *sim);

uint64_t ut_sim_now(const struct ut_sim *sim);
const struct ut_clock *ut_sim_clock(const struct ut_sim *sim);

/* Adds a host: a stack on the world's clock, seeded from the world's seed
 * and the host's position. The world owns it (do not ut_stack_destroy it). */
int ut_sim_host_add(struct ut_sim *sim, const char *name, struct ut_stack **out);

/* Joins hosts a and b with an Ethernet link: each gets a new device
 * (eth0, eth1... in the order they are made). params applies to both
 * directions (NULL: ut_link_params_init). */
int ut_sim_link_add(struct ut_sim *sim, struct ut_stack *a, struct ut_stack *b,
		    const struct ut_link_params *params, struct ut_sim_link **out);
/* side 0: a's device, side 1: b's device. */
struct ut_dev *ut_sim_link_dev(const struct ut_sim_link *link, int side);
/* Changes one direction (0: a to b, 1: b to a) or both (-1). Frames already
 * in flight keep the timing they were given. -EINVAL for bad values. */
int ut_sim_link_set_params(struct ut_sim_link *link, int direction,
			   const struct ut_link_params *params);
/* Takes the link down (frames in flight and new ones are dropped) or up. */
void ut_sim_link_set_up(struct ut_sim_link *link, bool up);
void ut_sim_link_get_stats(const struct ut_sim_link *link, int direction, struct ut_link_stats *st);

/* Runs the world until virtual time t (events at exactly t included).
 * Returns 0. */
int ut_sim_run_until(struct ut_sim *sim, uint64_t t);
/* Runs for dt ns of virtual time. */
int ut_sim_run_for(struct ut_sim *sim, uint64_t dt);
/* Runs until done(arg) returns true (checked after every event) or virtual
 * time reaches deadline. Returns 0 if done, -ETIMEDOUT otherwise. */
int ut_sim_run_until_cond(struct ut_sim *sim, bool (*done)(void *arg), void *arg,
			  uint64_t deadline);

#ifdef __cplusplus
}
#endif
#endif
