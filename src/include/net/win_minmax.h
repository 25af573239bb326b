/* The windowed minimum or maximum of a series of samples, kept in three
 * samples of constant space (Kathleen Nichols' algorithm, as Linux's
 * include/linux/win_minmax.h): the best in the window, and the best of the
 * later part of it, so that when the best ages out a good second is at
 * hand. TCP keeps its min RTT with it, BBR its max bandwidth. */
#ifndef USERTCP_NET_WIN_MINMAX_H
#define USERTCP_NET_WIN_MINMAX_H

#include <stdint.h>

struct minmax_sample {
	uint32_t t; /* when it was taken, in the caller's unit */
	uint32_t v; /* its value */
};

struct minmax {
	struct minmax_sample s[3]; /* best, second best, third best */
};

static inline uint32_t minmax_get(const struct minmax *m)
{
	return m->s[0].v;
}

/* Forgets everything: meas, taken at t, is the best. Returns meas. */
uint32_t minmax_reset(struct minmax *m, uint32_t t, uint32_t meas);
/* Adds meas taken at t to a window win long. Returns the best in it. */
uint32_t minmax_running_max(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas);
uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas);

#endif
