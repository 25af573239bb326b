/* A two-host simulated world for TCP tests: client 10.0.0.1 and server
 * 10.0.0.2 on one link, with a trace recorder that remembers every event
 * so tests can assert the states visited and the segments on the wire. */
#ifndef USERTCP_TESTS_TCPWORLD_H
#define USERTCP_TESTS_TCPWORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "testaddr.h"
#include "usertcp/usertcp.h"
#include "usertcp/socket.h"
#include "usertcp/trace.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

struct tw_event {
	enum ut_trace_type type;
	int host; /* 0 client, 1 server */
	int oldstate, newstate;
	uint8_t flags;
	uint32_t seq, ack, len, window;
	uint16_t sport, dport;
	uint64_t t;
	int fd;
	uint32_t depth, limit;
};

struct tcpworld {
	struct ut_sim *sim;
	struct ut_stack *c, *s; /* client, server */
	struct ut_sim_link *link;
	struct tw_event *ev;
	unsigned nev, cap;
	bool print; /* echo events (USERTCP_TEST_TRACE=1) */
};

void tw_make(struct tcpworld *w, uint64_t seed, const struct ut_link_params *lp);
/* A world whose link has this rate (0: unlimited), one-way delay and
 * queue limit (0: the default) both ways, and a connected non-blocking
 * pair on port 8080, for long flows: no event log. */
void tw_make_path(struct tcpworld *w, uint64_t seed, uint64_t rate_bps, uint64_t one_way_ns,
		  unsigned queue_limit, int *cfd, int *sfd);
/* The same, with the receiver's buffer (net.ipv4.tcp_rmem's default) set
 * first, for a test of the sender that the receive window must not limit:
 * a window that grows once a round trip, as Linux's receiver grows it,
 * falls behind a sender in slow start or BBR's STARTUP. */
void tw_make_path_rmem(struct tcpworld *w, uint64_t seed, uint64_t rate_bps, uint64_t one_way_ns,
		       unsigned queue_limit, long rmem, int *cfd, int *sfd);
/* Turns GRO off on both ends of the world's link (ut_dev_set_gro), for
 * tests that count what each wire segment makes the receiver do (its
 * ACKs, its per-packet counters and probes): GRO, on by default, hands
 * the receiver one packet per run of merged segments, as Linux's does. */
void tw_gro_off(struct tcpworld *w);
/* Every descriptor must be closed by the test; runs the world on (TIME_WAIT
 * and every timer expire), checks that no buffer and no TCP object is
 * left, destroys it. */
void tw_done(struct tcpworld *w);

struct sockaddr_in tw_addr(const char *ip, uint16_t port);
/* IPv6 on the world's link as well: CLIENT_IP6 and SERVER_IP6 (/64),
 * with link-local addresses, no duplicate address detection and no
 * router solicitations (a world of two hosts has no router); the world
 * runs until the addresses are usable. */
void tw_enable_ipv6(struct tcpworld *w);
#define SERVER_IP6 "2001:db8::2"
#define CLIENT_IP6 "2001:db8::1"
/* An AF_INET6 address ("::ffff:10.0.0.2" for a v4-mapped one), with
 * sin6_scope_id scope. */
struct sockaddr_in6 tw_addr6(const char *ip, uint16_t port, uint32_t scope);
#define SERVER_IP "10.0.0.2"
#define CLIENT_IP "10.0.0.1"
/* socket + SO_REUSEADDR(0) + bind + listen on the server; returns fd. */
int tw_listen(struct tcpworld *w, uint16_t port, int backlog);
/* A non-blocking connect from the client (expects EINPROGRESS). */
int tw_connect_nb(struct tcpworld *w, uint16_t port);
/* Client connects (blocking), server accepts (blocking): *cfd, *sfd. */
void tw_pair(struct tcpworld *w, uint16_t port, int *cfd, int *sfd);
/* The same, keeping the listener open in *lfd. */
void tw_pair_listening(struct tcpworld *w, uint16_t port, int *lfd, int *cfd, int *sfd);
/* Closes the three descriptors tw_pair_listening made. */
void tw_pair_close(struct tcpworld *w, int lfd, int cfd, int sfd);

/* Runs until cond(arg) or timeout of simulated time; false on timeout. */
bool tw_run_until(struct tcpworld *w, bool (*cond)(void *), void *arg, uint64_t timeout);
void tw_run(struct tcpworld *w, uint64_t dt);

/* A one-way transfer from the client's c to the server's s with
 * non-blocking calls, the world running 1 ms between attempts, for at
 * most limit of simulated time. *sent (may be NULL) carries how much was
 * already sent on entry and comes back updated; returns bytes received
 * into in. each(w, elapsed, arg), if set, runs before every attempt (to
 * change the link mid-transfer). */
size_t tw_transfer(struct tcpworld *w, int c, int s, const char *out, char *in, size_t n,
		   size_t *sent, uint64_t limit,
		   void (*each)(struct tcpworld *w, uint64_t elapsed, void *arg), void *arg);

/* Recorded events. */
unsigned tw_count(const struct tcpworld *w, int host, enum ut_trace_type type);
/* Did host go through oldstate -> newstate? */
bool tw_saw_state(const struct tcpworld *w, int host, int oldstate, int newstate);
/* Number of segments host sent with exactly these flags set among mask. */
unsigned tw_segments(const struct tcpworld *w, int host, uint8_t mask, uint8_t flags);
/* The sequence of states host visited ("SYN_SENT ESTABLISHED ..."), from
 * the inet_sock_set_state events of connections on port (0: any). */
const char *tw_states(const struct tcpworld *w, int host, uint16_t port, char *buf, size_t n);
void tw_clear(struct tcpworld *w);

uint64_t tw_counter(struct ut_stack *s, const char *group, const char *name);

/* The tcp_sock behind descriptor fd of stack (internal state, for tests
 * that check it or build segments from it). */
struct tcp_sock;
struct tcp_sock *tw_tcp_sk(struct ut_stack *stack, int fd);

/* Hands the client's device a segment as if the server had sent it on the
 * client's connection fd: flags (TCPHDR bits), seq, ack, a window of
 * 2000 (scaled as agreed), timestamps with a TSval past ts_recent (PAWS
 * passes), one SACK block if sack_end != sack_start, and len bytes of
 * data. Both checksums valid. Processed at once. */
void tw_inject_to_client(struct tcpworld *w, int fd, uint8_t flags, uint32_t seq, uint32_t ack,
			 const void *data, size_t len, uint32_t sack_start, uint32_t sack_end);
/* The same with the IP header's TOS byte set to tos (ECN codepoints). */
void tw_inject_to_client_tos(struct tcpworld *w, int fd, uint8_t tos, uint8_t flags, uint32_t seq,
			     uint32_t ack, const void *data, size_t len, uint32_t sack_start,
			     uint32_t sack_end);

#endif
