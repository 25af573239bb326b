/* A running minimum or maximum over a sliding time window, kept in three
 * samples (Kathleen Nichols' algorithm, as Linux's include/linux/win_minmax.h
 * keeps it): the best, the second best of the later part of the window,
 * and the third best of the last part, so that when the best ages out the
 * next is already known. TCP uses it for min_rtt over
 * net.ipv4.tcp_min_rtt_wlen (RACK's reordering window, TLP). */
#ifndef USERTCP_NET_WIN_MINMAX_H
#define USERTCP_NET_WIN_MINMAX_H

#include <stdint.h>

struct minmax_sample {
	uint32_t t; /* when it was measured, in the caller's time unit */
	uint32_t v; /* the value */
};

struct minmax {
	struct minmax_sample s[3];
};

static inline uint32_t minmax_get(const struct minmax *m)
{
	return m->s[0].v;
}

/* Forgets every sample: meas, taken at t, stands for the whole window. */
static inline uint32_t minmax_reset(struct minmax *m, uint32_t t, uint32_t meas)
{
	m->s[0].t = m->s[1].t = m->s[2].t = t;
	m->s[0].v = m->s[1].v = m->s[2].v = meas;
	return meas;
}

/* Takes meas (taken at t) into a minimum over the last win time units and
 * returns the minimum. */
uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas);

#endif
