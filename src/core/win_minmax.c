/* Windowed min/max filters (Linux's lib/win_minmax.c, after Kathleen
 * Nichols): three samples stand for the whole window. */
#include "net/win_minmax.h"

uint32_t minmax_reset(struct minmax *m, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = {.t = t, .v = meas};

	m->s[0] = m->s[1] = m->s[2] = val;
	return meas;
}

/* The best sample is still the best; age the candidates. When the best
 * fell out of the window, the second takes its place (and the third, if
 * the second is out too). When a quarter (half) of the window passed with
 * no new second (third) choice, the newest sample becomes it, so that the
 * candidates spread over the window. */
static uint32_t minmax_subwin_update(struct minmax *m, uint32_t win,
				     const struct minmax_sample *val)
{
	uint32_t dt = val->t - m->s[0].t;

	if (dt > win) {
		m->s[0] = m->s[1];
		m->s[1] = m->s[2];
		m->s[2] = *val;
		if (val->t - m->s[0].t > win) {
			m->s[0] = m->s[1];
			m->s[1] = m->s[2];
			m->s[2] = *val;
		}
	} else if (m->s[1].t == m->s[0].t && dt > win / 4) {
		m->s[2] = m->s[1] = *val;
	} else if (m->s[2].t == m->s[1].t && dt > win / 2) {
		m->s[2] = *val;
	}
	return m->s[0].v;
}

uint32_t minmax_running_max(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = {.t = t, .v = meas};

	/* a new best, or every candidate too old: start over */
	if (val.v >= m->s[0].v || val.t - m->s[2].t > win)
		return minmax_reset(m, t, meas);
	if (val.v >= m->s[1].v)
		m->s[2] = m->s[1] = val;
	else if (val.v >= m->s[2].v)
		m->s[2] = val;
	return minmax_subwin_update(m, win, &val);
}

uint32_t minmax_running_min(struct minmax *m, uint32_t win, uint32_t t, uint32_t meas)
{
	struct minmax_sample val = {.t = t, .v = meas};

	if (val.v <= m->s[0].v || val.t - m->s[2].t > win)
		return minmax_reset(m, t, meas);
	if (val.v <= m->s[1].v)
		m->s[2] = m->s[1] = val;
	else if (val.v <= m->s[2].v)
		m->s[2] = val;
	return minmax_subwin_update(m, win, &val);
}
