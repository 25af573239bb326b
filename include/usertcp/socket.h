/* The socket API: POSIX names and argument lists with a ut_ prefix and the
 * stack as first argument, returning what Linux returns and setting errno to
 * what Linux sets in the same situation.
 *
 * Descriptors are small integers indexing the stack's own descriptor table
 * (not the process's): descriptor -> file -> socket -> sock, as in the
 * kernel. They are meaningful only with the stack that made them.
 *
 * Types and constants are the system's own (<sys/socket.h>, <netinet/in.h>,
 * <netinet/tcp.h>, <poll.h>, <sys/epoll.h>, <fcntl.h>), so code written for
 * Linux sockets ports by adding the prefix and the stack argument.
 *
 * Blocking: a blocking call sleeps until its condition holds, as in the
 * kernel. How it sleeps depends on who drives the stack:
 *  - no stack thread: the call drives the stack itself (in the simulator,
 *    the whole simulated world moves on, so simulated time advances while
 *    the call waits). In the simulator a call that could never be woken
 *    (nothing anywhere left to happen) fails with EDEADLK instead of
 *    hanging the program;
 *  - a stack thread (ut_stack_thread_start): the calling thread sleeps on
 *    a condition variable until the stack thread's work changes something.
 * Every entry point takes the stack's lock, so application threads may
 * share a stack with the stack thread and with each other.
 */
#ifndef USERTCP_SOCKET_H
#define USERTCP_SOCKET_H

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "usertcp/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

int ut_socket(struct ut_stack *stack, int domain, int type, int protocol);
int ut_bind(struct ut_stack *stack, int fd, const struct sockaddr *addr, socklen_t len);
int ut_listen(struct ut_stack *stack, int fd, int backlog);
int ut_accept(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len);
int ut_accept4(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len, int flags);
int ut_connect(struct ut_stack *stack, int fd, const struct sockaddr *addr, socklen_t len);

ssize_t ut_send(struct ut_stack *stack, int fd, const void *buf, size_t len, int flags);
ssize_t ut_recv(struct ut_stack *stack, int fd, void *buf, size_t len, int flags);
ssize_t ut_sendto(struct ut_stack *stack, int fd, const void *buf, size_t len, int flags,
		  const struct sockaddr *dest, socklen_t dest_len);
ssize_t ut_recvfrom(struct ut_stack *stack, int fd, void *buf, size_t len, int flags,
		    struct sockaddr *src, socklen_t *src_len);
ssize_t ut_sendmsg(struct ut_stack *stack, int fd, const struct msghdr *msg, int flags);
ssize_t ut_recvmsg(struct ut_stack *stack, int fd, struct msghdr *msg, int flags);
ssize_t ut_read(struct ut_stack *stack, int fd, void *buf, size_t len);
ssize_t ut_write(struct ut_stack *stack, int fd, const void *buf, size_t len);
ssize_t ut_readv(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt);
ssize_t ut_writev(struct ut_stack *stack, int fd, const struct iovec *iov, int iovcnt);

int ut_shutdown(struct ut_stack *stack, int fd, int how);
int ut_close(struct ut_stack *stack, int fd);

int ut_getsockname(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len);
int ut_getpeername(struct ut_stack *stack, int fd, struct sockaddr *addr, socklen_t *len);
int ut_setsockopt(struct ut_stack *stack, int fd, int level, int optname, const void *optval,
		  socklen_t optlen);
int ut_getsockopt(struct ut_stack *stack, int fd, int level, int optname, void *optval,
		  socklen_t *optlen);
/* F_GETFL / F_SETFL (O_NONBLOCK) and F_GETFD / F_SETFD (FD_CLOEXEC, kept
 * but meaningless here). The third argument is an int. */
int ut_fcntl(struct ut_stack *stack, int fd, int cmd, ...);
/* FIONREAD (bytes readable) and FIONBIO, as ioctl(2). */
int ut_ioctl(struct ut_stack *stack, int fd, unsigned long request, int *arg);

/* timeout in ms; -1: forever. */
int ut_poll(struct ut_stack *stack, struct pollfd *fds, nfds_t nfds, int timeout);

int ut_epoll_create(struct ut_stack *stack, int size);
int ut_epoll_create1(struct ut_stack *stack, int flags);
int ut_epoll_ctl(struct ut_stack *stack, int epfd, int op, int fd, struct epoll_event *event);
int ut_epoll_wait(struct ut_stack *stack, int epfd, struct epoll_event *events, int maxevents,
		  int timeout);

/* ---- TCP_INFO and TCP_CC_INFO ---------------------------------------------
 * getsockopt(IPPROTO_TCP, TCP_INFO) fills Linux 6.18's struct tcp_info (280
 * bytes, <linux/tcp.h>), declared here as struct ut_tcp_info because the C
 * library's struct tcp_info (<netinet/tcp.h>) stops at tcpi_total_retrans;
 * its first 104 bytes are that struct, so code reading the C library's
 * struct still works. A shorter optlen gets the first optlen bytes, and
 * optlen says how many were written, as Linux. Times are in microseconds
 * unless named otherwise (the last_* fields: ms), rates in bytes per
 * second, counts in segments. */
struct ut_tcp_info {
	uint8_t tcpi_state; /* TCP_ESTABLISHED ... */
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits; /* RTOs in a row for the segment at snd_una */
	uint8_t tcpi_probes;	  /* zero-window or keepalive probes unanswered */
	uint8_t tcpi_backoff;
	uint8_t tcpi_options; /* TCPI_OPT_* */
	uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	uint8_t tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;

	uint32_t tcpi_rto;
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;

	uint32_t tcpi_unacked; /* listener: the accept queue's length */
	uint32_t tcpi_sacked;  /* listener: its backlog */
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets; /* always 0, as in Linux since 4.15 */

	uint32_t tcpi_last_data_sent; /* ms ago */
	uint32_t tcpi_last_ack_sent;  /* always 0: Linux does not keep it */
	uint32_t tcpi_last_data_recv; /* ms ago */
	uint32_t tcpi_last_ack_recv;  /* ms ago */

	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt; /* smoothed */
	uint32_t tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd;
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;

	uint32_t tcpi_rcv_rtt; /* the receiver's RTT estimate (0: none) */
	uint32_t tcpi_rcv_space;

	uint32_t tcpi_total_retrans;

	uint64_t tcpi_pacing_rate; /* ~0: no limit */
	uint64_t tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked;    /* RFC 4898 tcpEStatsAppHCThruOctetsAcked */
	uint64_t tcpi_bytes_received; /* RFC 4898 tcpEStatsAppHCThruOctetsReceived */
	uint32_t tcpi_segs_out;	      /* RFC 4898 tcpEStatsPerfSegsOut */
	uint32_t tcpi_segs_in;	      /* RFC 4898 tcpEStatsPerfSegsIn */

	uint32_t tcpi_notsent_bytes;
	uint32_t tcpi_min_rtt;
	uint32_t tcpi_data_segs_in;  /* RFC 4898 tcpEStatsDataSegsIn */
	uint32_t tcpi_data_segs_out; /* RFC 4898 tcpEStatsDataSegsOut */

	uint64_t tcpi_delivery_rate;

	uint64_t tcpi_busy_time;      /* sending data */
	uint64_t tcpi_rwnd_limited;   /* of which limited by the peer's window */
	uint64_t tcpi_sndbuf_limited; /* of which limited by the send buffer */

	uint32_t tcpi_delivered;
	uint32_t tcpi_delivered_ce;

	uint64_t tcpi_bytes_sent;    /* RFC 4898 tcpEStatsPerfHCDataOctetsOut */
	uint64_t tcpi_bytes_retrans; /* RFC 4898 tcpEStatsPerfOctetsRetrans */
	uint32_t tcpi_dsack_dups;    /* RFC 4898 tcpEStatsStackDSACKDups */
	uint32_t tcpi_reord_seen;    /* reorderings detected */

	uint32_t tcpi_rcv_ooopack; /* segments received out of order */

	uint32_t tcpi_snd_wnd; /* the peer's window, scaled: bytes */
	uint32_t tcpi_rcv_wnd; /* ours, scaled: bytes */

	uint32_t tcpi_rehash; /* always 0: one path, nothing to rehash to */

	uint16_t tcpi_total_rto;	    /* RTOs, SYN and SYN-ACK ones too */
	uint16_t tcpi_total_rto_recoveries; /* episodes of them */
	uint32_t tcpi_total_rto_time;	    /* ms spent in them, the current one too */

	/* Linux 6.18's Accurate ECN counters (RFC 9768). usertcp speaks
	 * classic ECN (RFC 3168) only, so they stay 0, as Linux's do on a
	 * connection that did not negotiate AccECN. */
	uint32_t tcpi_received_ce; /* CE-marked segments received (AccECN) */
	uint32_t tcpi_delivered_e1_bytes;
	uint32_t tcpi_delivered_e0_bytes;
	uint32_t tcpi_delivered_ce_bytes;
	uint32_t tcpi_received_e1_bytes;
	uint32_t tcpi_received_e0_bytes;
	uint32_t tcpi_received_ce_bytes;
	uint32_t tcpi_ecn_mode : 2; /* UT_TCPI_ECN_MODE_* */
	uint32_t tcpi_accecn_opt_seen : 2;
	uint32_t tcpi_accecn_fail_mode : 4;
	uint32_t tcpi_options2 : 24;
};
_Static_assert(sizeof(struct ut_tcp_info) == 280, "Linux 6.18's struct tcp_info");

/* tcpi_ecn_mode: which ECN the connection uses (Linux's ECN_MODE_*). */
#define UT_TCPI_ECN_MODE_DISABLED 0
#define UT_TCPI_ECN_MODE_RFC3168 1
#define UT_TCPI_ECN_MODE_ACCECN 2
#define UT_TCPI_ECN_MODE_PENDING 3

/* TCP_CC_INFO: what the socket's congestion module reports, Linux's
 * <linux/inet_diag.h> structs; optlen comes back as the size of the
 * module's struct (0 for reno and cubic). */
struct ut_tcp_bbr_info {	  /* bbr */
	uint32_t bbr_bw_lo;	  /* max-filtered bandwidth, bytes/s: low 32 bits */
	uint32_t bbr_bw_hi;	  /* high 32 bits */
	uint32_t bbr_min_rtt;	  /* us */
	uint32_t bbr_pacing_gain; /* << 8 */
	uint32_t bbr_cwnd_gain;	  /* << 8 */
};
struct ut_tcp_dctcp_info {	 /* dctcp and its fallback dctcp-reno */
	uint16_t dctcp_enabled;	 /* 0: ECN was not agreed, the socket runs Reno */
	uint16_t dctcp_ce_state; /* 1: the last data received carried CE */
	uint32_t dctcp_alpha;	 /* fraction of segments marked, << 10 */
	uint32_t dctcp_ab_ecn;	 /* bytes acknowledged with ECE this round */
	uint32_t dctcp_ab_tot;	 /* bytes acknowledged this round */
};
union ut_tcp_cc_info {
	struct ut_tcp_bbr_info bbr;
	struct ut_tcp_dctcp_info dctcp;
};

/* ---- driving the stack from a thread of its own ----------------------------
 * Starts a thread that runs ut_stack_poll whenever work is due, sleeping in
 * between; from then on application threads may make blocking calls
 * concurrently. Only for stacks on a real clock (not simulator hosts).
 * Returns 0, -EALREADY, -EINVAL (simulated clock) or -errno from
 * pthread_create. */
int ut_stack_thread_start(struct ut_stack *stack);
/* Stops and joins the stack thread (no-op if none). */
void ut_stack_thread_stop(struct ut_stack *stack);

/* Calls fn(arg) each time a socket of the stack woke (its readiness may
 * have changed), as blocked calls are woken, for code that waits for the
 * stack's sockets from outside it: in the kernel's poll beside other
 * descriptors, woken through an eventfd that fn writes (the preload
 * library, docs/RUN.md). fn runs with the stack's lock held, on whichever
 * thread made the change: it must be quick and must not call into the
 * stack. NULL removes it. */
void ut_stack_set_wake_hook(struct ut_stack *stack, void (*fn)(void *arg), void *arg);

/* Descriptors open in this stack (sockets and epoll instances). */
unsigned ut_stack_open_fds(const struct ut_stack *stack);

#ifdef __cplusplus
}
#endif
#endif
