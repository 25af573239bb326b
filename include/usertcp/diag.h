/* Asking a running stack what ss and nstat ask the kernel.
 *
 * A program that runs a stack (or a group of them) may publish a
 * diagnostics endpoint: a Unix stream socket named after the stack, in a
 * directory only its owner can enter, answered by a thread of the
 * library's. `usertcp ss` and `usertcp nstat` connect to it. Each
 * connection asks one question, a line, and reads the answer to its end:
 *
 *   "sockets\n"  every TCP socket in the tables (listening, connected,
 *                half open, TIME_WAIT) and every bound UDP socket of
 *                every stack, as struct ut_diag_sock records one after
 *                another (each starting with its size), the way Linux's
 *                sock_diag answers ss with inet_diag_msg and its
 *                attributes;
 *   "counters\n" every counter, summed over the stacks, a line each:
 *                "Group Name Value" (what nstat reads from
 *                /proc/net/snmp and /proc/net/netstat);
 *   "tcp_metrics\n"
 *                what the stacks remember per destination (the Fast
 *                Open part of Linux's TCP metrics), a line each:
 *                "ADDR AGE_MS MSS COOKIE EXP", the cookie in hex or
 *                "-", EXP 1 for the experimental option's;
 *   "tcp_metrics flush\n"
 *                forgets them (`ip tcp_metrics flush`); an empty answer.
 *
 * Where: $XDG_RUNTIME_DIR/usertcp/NAME, or /run/usertcp/NAME for root,
 * or /tmp/usertcp-UID/NAME when XDG_RUNTIME_DIR is not set; the
 * directory is made mode 0700 and the socket 0600, and the thread also
 * checks each caller's credentials (SO_PEERCRED): only the same user, or
 * root, is answered. Starting an endpoint removes those in the directory
 * nobody answers at (programs killed), with their `usertcp nstat`
 * histories, and histories whose endpoint is gone, once a minute old.
 *
 * Conventions as in usertcp/stack.h: 0 or a negative errno.
 */
#ifndef USERTCP_DIAG_H
#define USERTCP_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "usertcp/socket.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ut_stack;
struct ut_group;
struct ut_diag;

/* The timer a socket has pending (ss -o's names). */
enum {
	UT_DIAG_TIMER_NONE,
	UT_DIAG_TIMER_ON,	 /* retransmission (also SYN-ACK, loss probe) */
	UT_DIAG_TIMER_KEEPALIVE, /* keepalive, or FIN_WAIT2's */
	UT_DIAG_TIMER_TIMEWAIT,
	UT_DIAG_TIMER_PERSIST, /* zero-window probe */
};

/* SO_MEMINFO's and ss -m's memory figures (Linux's SK_MEMINFO_*). */
enum {
	UT_SK_MEMINFO_RMEM_ALLOC,
	UT_SK_MEMINFO_RCVBUF,
	UT_SK_MEMINFO_WMEM_ALLOC,
	UT_SK_MEMINFO_SNDBUF,
	UT_SK_MEMINFO_FWD_ALLOC,
	UT_SK_MEMINFO_WMEM_QUEUED,
	UT_SK_MEMINFO_OPTMEM,
	UT_SK_MEMINFO_BACKLOG,
	UT_SK_MEMINFO_DROPS,
	UT_SK_MEMINFO_VARS,
};

/* One socket, as an answer to "sockets". Addresses are in network order;
 * an IPv4 address fills the first 4 bytes. A record's size may grow in
 * later versions: readers step by size. */
struct ut_diag_sock {
	uint32_t size;	  /* of this record */
	uint8_t family;	  /* AF_INET, AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t state;	  /* TCP_* (Linux's numbers); UDP: ESTABLISHED or CLOSE */
	uint8_t timer;	  /* UT_DIAG_TIMER_* */
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
	uint32_t recvq, sendq; /* a listener: its accept queue and backlog */
	uint32_t timer_ms;     /* until the timer runs */
	uint32_t retransmits;  /* the timer's retries so far */
	int32_t fd;	       /* the descriptor, -1 if none (orphaned, half open) */
	uint32_t stack;	       /* which stack of the group holds it */
	int32_t ifindex;       /* SO_BINDTODEVICE's, or 0 */
	uint32_t uid;	       /* the owner (the process's) */
	uint32_t pid;	       /* the process that holds it */
	uint32_t v6only;       /* IPV6_V6ONLY (an AF_INET6 socket) */
	uint64_t cookie;       /* SO_COOKIE */
	uint32_t skmem[UT_SK_MEMINFO_VARS];
	char cc[16];	   /* congestion control (TCP, full sockets) */
	uint32_t has_info; /* info is filled (TCP, full sockets) */
	struct ut_tcp_info info;
};

/* Starts answering for one stack, or for every stack of a group, at the
 * endpoint called name (letters, digits, '.', '-', '_'; at most 64).
 * -EEXIST if a live endpoint already has that name (a dead one left by a
 * program that was killed is replaced). */
int ut_diag_start(struct ut_stack *stack, const char *name, struct ut_diag **out);
int ut_group_diag_start(struct ut_group *g, const char *name, struct ut_diag **out);
/* Stops answering, removes the endpoint and frees d. Call it before the
 * stacks are destroyed. */
void ut_diag_stop(struct ut_diag *d);
/* The endpoint's path. */
const char *ut_diag_path(const struct ut_diag *d);
/* The directory endpoints live in, for this user (see above); made if
 * make is set. 0 or -errno. */
int ut_diag_dir(char *buf, size_t len, int make);

#ifdef __cplusplus
}
#endif

#endif
