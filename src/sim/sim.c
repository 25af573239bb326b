/* The simulated world: hosts on one virtual clock, and a run loop that
 * jumps from event to event. An "event" is either a frame arriving at a
 * device (kept in a time-ordered heap, net/timeheap.h: by time, then by
 * scheduling order) or a host's own next deadline (a timer). Nothing ever waits in
 * real time, and all choices are seeded, so runs repeat exactly. */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/simnet.h"
#include "net/stack.h"

/* Memory for all packet buffers of a world: generous, since the simulated
 * hosts share it; each host's own protocol limits still apply. */
#define SIM_POOL_LIMIT (1024u << 20)
/* Room for events in the first allocation of the heap; it doubles as
 * needed. */
#define SIM_EVENTS_FIRST 256

static uint64_t sim_clock_now(const struct ut_clock *clock)
{
	return ((const struct sim_clock *)(const void *)clock)->now;
}

UT_EXPORT int ut_sim_create(uint64_t seed, struct ut_sim **out)
{
	struct ut_sim *sim = ut_calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->clock.clock.now_ns = sim_clock_now;
	sim->seed = seed;
	timeheap_init(&sim->events, sizeof(struct sim_event), SIM_EVENTS_FIRST, 0);
	sim->pool = skb_pool_create(SIM_POOL_LIMIT);
	if (!sim->pool) {
		free(sim);
		return -ENOMEM;
	}
	*out = sim;
	return 0;
}

UT_EXPORT void ut_sim_destroy(struct ut_sim *sim)
{
	if (!sim)
		return;
	for (unsigned i = 0; i < sim->events.len; i++)
		kfree_skb(((struct sim_event *)timeheap_elem(&sim->events, i))->skb);
	timeheap_free(&sim->events);
	/* Hosts go first: their devices point into the links. */
	for (unsigned i = 0; i < sim->nhosts; i++)
		ut_stack_destroy(sim->hosts[i].stack);
	while (sim->links) {
		struct ut_sim_link *l = sim->links;
		sim->links = l->next;
		sim_link_free(l);
	}
	free(sim->hosts);
	skb_pool_destroy(sim->pool);
	free(sim);
}

UT_EXPORT uint64_t ut_sim_now(const struct ut_sim *sim)
{
	return sim->clock.now;
}

UT_EXPORT const struct ut_clock *ut_sim_clock(const struct ut_sim *sim)
{
	return &sim->clock.clock;
}

static int sim_wait(void *arg, uint64_t deadline);

UT_EXPORT int ut_sim_host_add(struct ut_sim *sim, const char *name, struct ut_stack **out)
{
	struct ut_stack_config cfg;
	struct ut_stack *stack;
	int err;

	if (sim->nhosts == sim->hosts_cap) {
		unsigned cap = sim->hosts_cap ? sim->hosts_cap * 2 : 4;
		struct sim_host *h = ut_realloc(sim->hosts, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		sim->hosts = h;
		sim->hosts_cap = cap;
	}
	ut_stack_config_init(&cfg);
	cfg.clock = &sim->clock.clock;
	/* Host n's randomness depends on the world seed and n only, so a
	 * scenario replays exactly; the +1 keeps the seed non-zero. */
	cfg.seed = prandom_mix(sim->seed ^ ((uint64_t)(sim->nhosts + 1) << 40)) | 1;
	cfg.name = name;
	err = stack_create_with_pool(&cfg, sim->pool, &stack);
	if (err)
		return err;
	sim->hosts[sim->nhosts].stack = stack;
	sim->hosts[sim->nhosts].dirty = false;
	/* A blocking socket call on this host moves the whole world on. */
	stack->wait_fn = sim_wait;
	stack->wait_arg = sim;
	sim->nhosts++;
	*out = stack;
	return 0;
}

void sim_host_wake(struct ut_sim *sim, int h)
{
	sim->hosts[h].dirty = true;
}

/* ---- the run loop ---------------------------------------------------------*/

static uint64_t sim_next_time(const struct ut_sim *sim)
{
	uint64_t t = timeheap_next(&sim->events);
	for (unsigned i = 0; i < sim->nhosts; i++) {
		uint64_t d = sim->hosts[i].dirty ? sim->clock.now
						 : ut_stack_next_deadline(sim->hosts[i].stack);
		if (d < t)
			t = d;
	}
	return t;
}

/* Processes everything due at the current time. */
static void sim_step(struct ut_sim *sim)
{
	uint64_t now = sim->clock.now;

	while (sim->events.len && timeheap_next(&sim->events) <= now) {
		struct sim_event ev;
		timeheap_pop(&sim->events, &ev);
		sim_link_deliver(sim, &ev);
	}
	/* Hosts in a fixed order: same seed, same interleaving. */
	for (unsigned i = 0; i < sim->nhosts; i++) {
		struct sim_host *h = &sim->hosts[i];
		if (h->dirty || ut_stack_next_deadline(h->stack) <= now) {
			h->dirty = false;
			ut_stack_poll(h->stack);
		}
	}
}

/* The wait hook of every host (see stack_wait): one step of the world, at
 * its next event if that comes before the deadline. */
static int sim_wait(void *arg, uint64_t deadline)
{
	struct ut_sim *sim = arg;
	uint64_t t = sim_next_time(sim);

	if (t == UINT64_MAX && deadline == UINT64_MAX)
		return -EDEADLK;
	if (t > deadline) {
		if (deadline > sim->clock.now)
			sim->clock.now = deadline;
		return -ETIMEDOUT;
	}
	if (t > sim->clock.now)
		sim->clock.now = t;
	sim_step(sim);
	return 0;
}

UT_EXPORT int ut_sim_run_until_cond(struct ut_sim *sim, bool (*done)(void *arg), void *arg,
				    uint64_t deadline)
{
	for (;;) {
		if (done && done(arg))
			return 0;
		uint64_t t = sim_next_time(sim);
		if (t > deadline) {
			if (deadline > sim->clock.now)
				sim->clock.now = deadline;
			return done ? -ETIMEDOUT : 0;
		}
		if (t > sim->clock.now)
			sim->clock.now = t;
		sim_step(sim);
	}
}

UT_EXPORT int ut_sim_run_until(struct ut_sim *sim, uint64_t t)
{
	ut_sim_run_until_cond(sim, NULL, NULL, t);
	return 0;
}

UT_EXPORT int ut_sim_run_for(struct ut_sim *sim, uint64_t dt)
{
	return ut_sim_run_until(sim, sim->clock.now + dt);
}
