/* Watches the TCP segments a device of a simulated host receives: its
 * rx handler records each segment's IP TOS byte, flags, sequence numbers
 * and SACK blocks, and can mark ECN-capable packets CE on the way in (as a
 * congested router would), so a test sees what crossed the wire and can
 * play the path. Other frames pass untouched. */
#ifndef USERTCP_TESTS_SEGWATCH_H
#define USERTCP_TESTS_SEGWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "usertcp/dev.h"

#define SEGWATCH_MAX 4096

struct seg_seen {
	uint8_t tos;   /* the IP header's TOS byte as received (before marking) */
	uint8_t flags; /* TCPHDR_* */
	uint32_t seq, ack, len;
	uint16_t urg_ptr; /* the urgent pointer field, whatever URG says */
	uint8_t num_sacks;
	struct {
		uint32_t start, end;
	} sacks[4];
};

struct segwatch {
	struct seg_seen seen[SEGWATCH_MAX];
	unsigned n;	   /* segments recorded (at most SEGWATCH_MAX kept) */
	bool mark_ce_data; /* mark ECT segments with data CE */
};

/* Records the segments dev receives from now on (sw zeroed first). */
void segwatch_attach(struct segwatch *sw, struct ut_dev *dev);
void segwatch_detach(struct ut_dev *dev);
/* Segments recorded with (flags & mask) == want. */
unsigned segwatch_count(const struct segwatch *sw, uint8_t mask, uint8_t want);

#endif
