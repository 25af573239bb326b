/* ACKs written by hand for the loss-recovery tests: handed to the client's
 * device as if the server had sent them on the client's connection, with
 * any SACK blocks (D-SACKs included) and any echoed timestamp, so a test
 * can play exactly the peer RFC 6675, 8985, 2883 and 3522 describe. */
#ifndef USERTCP_TESTS_ACKINJECT_H
#define USERTCP_TESTS_ACKINJECT_H

#include <stdbool.h>
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

/* The same with the IP header's TOS byte (DSCP and ECN bits) set. */
void tw_inject_segment_tos(struct tcpworld *w, int fd, uint8_t tos, uint8_t flags, uint32_t seq,
			   uint32_t ack, uint32_t tsecr, const struct ack_block *blocks, unsigned n,
			   const void *data, size_t len);

/* The client connection's addresses and ports, and a TSval past its
 * ts_recent: what tw_inject_to_tuple needs, kept so that segments can
 * still reach the connection once its socket has become a time-wait
 * socket. */
struct tw_tuple {
	uint32_t laddr, faddr; /* the client's, the server's */
	uint16_t lport, fport;
	uint32_t tsval;
};
void tw_tuple_of(struct tcpworld *w, int fd, struct tw_tuple *t);
/* tw_inject_segment_tos to the connection t names, socket or not. */
void tw_inject_to_tuple(struct tcpworld *w, const struct tw_tuple *t, uint8_t tos, uint8_t flags,
			uint32_t seq, uint32_t ack, uint32_t tsecr, const struct ack_block *blocks,
			unsigned n, const void *data, size_t len);

/* A pure ACK of ack on the client's connection fd: window 2000 (scaled as
 * agreed), a timestamp with TSval past ts_recent and TSecr tsecr, and the
 * n (at most 3) SACK blocks in this order. Processed at once. */
void tw_inject_ack(struct tcpworld *w, int fd, uint32_t ack, uint32_t tsecr,
		   const struct ack_block *blocks, unsigned n);

/* The TSval the client put on a segment it sent at simulated time t_ns. */
uint32_t tw_client_tsval_at(struct tcpworld *w, int fd, uint64_t t_ns);

/* A flight for the loss-recovery tests: a connection (RTT 40 ms at the
 * handshake) whose client has queued `queued` segments (at most 20: the send buffer) and
 * sent the first ten, its initial window, into a link now down. */
struct flight {
	struct tcpworld w;
	int c, s;
	struct tcp_sock *tp;
	uint32_t una, mss; /* snd_una when the flight left, the MSS */
	uint64_t sent_ns;  /* when it left (client clock) */
};
void flight_setup(struct flight *f, uint64_t seed, unsigned queued);
/* The same, with SACK agreed or not (net.ipv4.tcp_sack on the client). */
void flight_setup_sack(struct flight *f, uint64_t seed, unsigned queued, bool sack);
/* The link back up, the descriptors closed, the world checked (tw_done). */
void flight_done(struct flight *f);
/* Segments [from, to) of the flight, as a SACK block. */
struct ack_block flight_segs(const struct flight *f, unsigned from, unsigned to);
/* The peer's answer 20 ms later: ack (0: snd_una of the flight), TSecr
 * tsecr, these blocks. */
void flight_ack_later(struct flight *f, uint32_t ack, uint32_t tsecr, const struct ack_block *b,
		      unsigned n);
/* flight_setup(seed, queued), then segments 1..3 SACKed an RTT later:
 * segment 0 retransmitted in Recovery, ssthresh 5. */
void flight_recover(struct flight *f, uint64_t seed, unsigned queued);
/* The client's TcpExt counter name. */
uint64_t flight_ext(struct flight *f, const char *name);

#endif
