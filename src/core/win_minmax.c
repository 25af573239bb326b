/* The windowed minimum of win_minmax.h (Linux's lib/win_minmax.c, the
 * algorithm written out afresh from its description). */
#include "net/win_minmax.h"

/* The best sample may have aged out of the window, or the later samples
 * may be too close to it to cover the window once it ages out: promote
 * or refresh them. */
static uint32_t minmax_subwin_update(struct minmax *m, uint32_t win,
				     const struct minmax_sample *val)
{
	uint32_t age = val->t - m->s[0].t;

	if (age > win) {
		/* The best is too old: the second becomes the best, and
		 * perhaps the third too if the second is also too old. */
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2] = *val;
		if (val->t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
			m->s[2] = *val;
		}
	} else if (m->s[1].t == m->s[0].t && age > win / 4) {
		/* A quarter of the window passed with a single best:
		 * start a second choice for the rest of it. */
		m->s[2] = m->s[1] = *val;
	} else if (m->s[2].t == m->s[1].t && age > win / 2) {
		/* Half the window passed: start a third choice. */
		m->s[2] = *val;
	}
	return m->s[0].v;
}

uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = {.t = t, .v = meas};

	/* A new best, or nothing measured for a whole window. */
	if (val.v <= m->s[0].v || val.t - m->s[2].t > win)
		return minmax_reset(m, t, meas);
	if (val.v <= m->s[1].v)
		m->s[2] = m->s[1] = val;
	else if (val.v <= m->s[2].v)
		m->s[2] = val;
	return minmax_subwin_update(m, win, &val);
}
