/* ACKs written by hand for the loss-recovery tests: handed to the client's
 * device as if the server had sent them on the client's connection, with
 * any SACK blocks (D-SACKs included) and any echoed timestamp, so a test
 * can play exactly the peer RFC 6675, 8985, 2883 and 3522 describe. */
#ifndef USERTCP_TESTS_ACKINJECT_H
#define USERTCP_TESTS_ACKINJECT_H

#include <stddef.h>
#include <stdint.h>

#include "tcpworld.h"

struct ack_block {
	uint32_t start, end;
};

/* A segment to the client's connection fd as if from the server: flags,
 * seq, ack, window 2000 (scaled as agreed), a timestamp with TSval past
 * ts_recent (PAWS passes) and TSecr tsecr, the n (at most 3) SACK blocks
 * in this order, and len bytes of data. Both checksums valid. Processed at
 * once. */
void tw_inject_segment(struct tcpworld *w, int fd, uint8_t flags, uint32_t seq, uint32_t ack,
		       uint32_t tsecr, const struct ack_block *blocks, unsigned n, const void *data,
		       size_t len);

/* A pure ACK of ack on the client's connection fd: window 2000 (scaled as
 * agreed), a timestamp with TSval past ts_recent and TSecr tsecr, and the
 * n (at most 3) SACK blocks in this order. Processed at once. */
void tw_inject_ack(struct tcpworld *w, int fd, uint32_t ack, uint32_t tsecr,
		   const struct ack_block *blocks, unsigned n);

/* The TSval the client put on a segment it sent at simulated time t_ns. */
uint32_t tw_client_tsval_at(struct tcpworld *w, int fd, uint64_t t_ns);

#endif
