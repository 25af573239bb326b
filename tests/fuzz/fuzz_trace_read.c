/* libFuzzer target: the readers of usertcp plot (tools/trace_read.c) on
 * arbitrary bytes, as a pcap (when the bytes start with one of its magic
 * numbers) or as JSON lines. Beyond "no out-of-bounds read" (ASan) it
 * checks what a successful read promises: every record is a connection's
 * (both ports known), at most four SACK blocks, a captured segment's
 * end_seq counting its payload, SYN and FIN, and the connections found
 * accounting for no more segments than were read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                     \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static void check(const struct tr_trace *tr)
{
	struct tr_conn *conns = NULL;
	size_t segments = 0, total = 0;
	int n;

	for (size_t i = 0; i < tr->n; i++) {
		const struct tr_record *r = &tr->rec[i];
		REQUIRE(r->num_sacks <= TR_MAX_SACKS);
		REQUIRE(r->wscale >= -1 && r->wscale <= 14);
		REQUIRE(memchr(r->src.addr, '\0', sizeof(r->src.addr)));
		REQUIRE(memchr(r->dst.addr, '\0', sizeof(r->dst.addr)));
		if (tr->from_pcap) {
			REQUIRE(r->kind == TR_SEGMENT && r->seen == TR_SEEN_WIRE);
			REQUIRE(r->end_seq == r->seq + r->len + !!(r->flags & TR_FLAG_SYN) +
						      !!(r->flags & TR_FLAG_FIN));
		} else {
			REQUIRE(r->src.port && r->dst.port);
			REQUIRE(r->stack < tr->num_stacks);
		}
		if (r->kind == TR_SEGMENT && r->seen != TR_SEEN_RECV)
			segments++;
	}
	n = tr_connections(tr, &conns);
	if (n < 0)
		return;
	REQUIRE((size_t)n <= tr->n);
	for (int i = 0; i < n; i++) {
		REQUIRE(conns[i].first <= conns[i].last);
		total += conns[i].segments;
	}
	REQUIRE(total == segments);
	free(conns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_trace tr;
	char err[256];

	tr_init(&tr);
	err[0] = '\0';
	if (tr_read_buf(data, size, &tr, err, sizeof(err)) == 0)
		check(&tr);
	else
		REQUIRE(err[0] != '\0'); /* a refusal always says why */
	tr_free(&tr);
	return 0;
}
