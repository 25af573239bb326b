/* Sockets as the kernel layers them (include/net/sock.h, include/linux/net.h):
 *
 *   descriptor -> struct file -> struct socket -> struct sock
 *
 * A descriptor indexes the stack's file table. The file holds the open
 * flags (O_NONBLOCK) and the epoll watchers. The socket is the BSD-socket
 * face (type, SS_* state, the proto_ops of its family and type). The sock is
 * the protocol's object; TCP's (struct tcp_sock) begins with a struct
 * inet_connection_sock which begins with a struct sock, so one pointer
 * serves all three views, as in Linux.
 *
 * struct sock_common is the part a sock shares with the lighter objects
 * that also live in the lookup tables: request sockets (half-open
 * connections, state TCP_NEW_SYN_RECV) and time-wait sockets
 * (TCP_TIME_WAIT).
 *
 * Locking: one lock per stack (ut_stack.lock), taken by every public entry
 * point; nothing below the entry points locks.
 */
#ifndef USERTCP_NET_SOCK_H
#define USERTCP_NET_SOCK_H

#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <netinet/tcp.h>

#include "net/skbuff.h"
#include "net/timer.h"

struct ut_stack;
struct sock;
struct socket;
struct file;
struct inet_bind_bucket;

/* TCP states, numbered as Linux numbers them (include/net/tcp_states.h):
 * traces and getsockopt(TCP_INFO) report these values. The C library's
 * <netinet/tcp.h> already declares TCP_ESTABLISHED (1) .. TCP_CLOSING (11)
 * with Linux's numbers; the two Linux adds are here. */
#define TCP_NEW_SYN_RECV 12
#define TCP_MAX_STATES 13
#define TCPF(state) (1u << (state))

/* socket->state (include/uapi/linux/net.h). */
enum socket_state { SS_FREE, SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING };

/* sk->sk_shutdown bits. */
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define SHUTDOWN_MASK 3

/* sk->sk_userlocks: a size the application fixed with setsockopt, which
 * automatic tuning must not change. */
#define SOCK_SNDBUF_LOCK 1
#define SOCK_RCVBUF_LOCK 2
#define SOCK_BINDADDR_LOCK 4
#define SOCK_BINDPORT_LOCK 8

/* sk->sk_flags bits (enum sock_flags). */
enum sock_flags {
	SOCK_DEAD,     /* detached from its socket: an orphan */
	SOCK_DONE,     /* the peer will send no more (FIN received or reset) */
	SOCK_KEEPOPEN, /* SO_KEEPALIVE */
	SOCK_LINGER,   /* SO_LINGER on */
	SOCK_BROADCAST,
	SOCK_NOSPACE,	       /* a writer found the send buffer full: wake it
				 * when space returns (Linux keeps this bit in
				 * socket->flags) */
	SOCK_URGINLINE,	       /* SO_OOBINLINE: the urgent byte stays in the stream */
	SOCK_RCVTSTAMP,	       /* SO_TIMESTAMP(NS): receive stamps as control messages */
	SOCK_RCVTSTAMPNS,      /* ... in ns (SO_TIMESTAMPNS) */
	SOCK_TSTAMP_NEW,       /* asked with the _NEW option: _NEW control messages */
	SOCK_SELECT_ERR_QUEUE, /* SO_SELECT_ERR_QUEUE: a datagram socket's queued
				* error also polls as EPOLLPRI */
	SOCK_ZEROCOPY,	       /* SO_ZEROCOPY: MSG_ZEROCOPY sends lend their memory */
};

/* sk_reuse values (Linux's): SO_REUSEADDR's 0 and 1, and TCP_REPAIR's
 * force, with which bind() takes a port whatever holds it. */
#define SK_NO_REUSE 0
#define SK_CAN_REUSE 1
#define SK_FORCE_REUSE 2

/* sk->inet_flags bits (Linux's INET_FLAGS_*). */
enum inet_flags {
	INET_FLAGS_FREEBIND, /* IP_FREEBIND: bind() takes an address not (yet) ours */
	INET_FLAGS_MC_LOOP,  /* IP_MULTICAST_LOOP (on by default) */
};

struct sock_common {
	uint32_t skc_daddr;	/* foreign address, network order */
	uint32_t skc_rcv_saddr; /* bound local address, network order */
	uint16_t skc_dport;	/* foreign port, host order */
	uint16_t skc_num;	/* local port, host order */
	uint8_t skc_state;	/* TCP_* (UDP uses ESTABLISHED/CLOSE) */
	uint8_t skc_reuse;	/* SO_REUSEADDR */
	uint8_t skc_reuseport;	/* SO_REUSEPORT */
	uint8_t skc_protocol;	/* IPPROTO_* */
	uint32_t skc_hash;	/* of the 4-tuple, for the established table */
	/* AF_INET or AF_INET6. An AF_INET6 socket talking IPv4 (a
	 * v4-mapped peer, RFC 4291 2.5.5.2) keeps the IPv4 addresses in
	 * skc_daddr and skc_rcv_saddr too, and is found by IPv4's lookups,
	 * as Linux's is. */
	uint16_t skc_family;
	uint8_t skc_ipv6only; /* IPV6_V6ONLY: no IPv4 through this socket */
	/* The device the socket is tied to (ifindex; 0: none): the scope
	 * of a link-local address it bound or connected to (Linux's
	 * skc_bound_dev_if, which SO_BINDTODEVICE sets too). */
	int skc_bound_dev_if;
	struct in6_addr skc_v6_daddr, skc_v6_rcv_saddr; /* AF_INET6 only */
	/* In the established table: the tag of the link to skc_node_next
	 * (src/ipv4/inet_hashtables.c); fills the hole before the pointers. */
	uint32_t skc_node_next_tag;
	/* Listening table chain (doubly linked), or established table chain
	 * (singly linked, tagged; skc_node_pprev then only says "hashed"). */
	struct sock_common *skc_node_next, **skc_node_pprev;
	/* owners of the bind bucket skc_tb */
	struct sock_common *skc_bind_next, **skc_bind_pprev;
	struct inet_bind_bucket *skc_tb;
	struct ut_stack *skc_stack;
};

/* Per-type operations on a socket (Linux's struct proto_ops: inet_stream_ops,
 * inet_dgram_ops). Return 0/count or -errno. Blocking ones take the file's
 * O_NONBLOCK through flags (MSG_DONTWAIT / O_NONBLOCK). */
struct proto_ops {
	int (*release)(struct socket *sock);
	int (*bind)(struct socket *sock, const struct sockaddr *addr, socklen_t len);
	int (*connect)(struct socket *sock, const struct sockaddr *addr, socklen_t len, int flags);
	int (*accept)(struct socket *sock, struct socket *newsock, int flags);
	/* peer: 0 own address, 1 peer (ENOTCONN unless connected), 2 peer for
	 * accept (a child already closed still has one), as Linux. */
	int (*getname)(struct socket *sock, struct sockaddr *addr, socklen_t *len, int peer);
	/* EPOLL* mask of what is ready now. */
	unsigned (*poll)(struct socket *sock);
	int (*ioctl)(struct socket *sock, unsigned long cmd, int *arg);
	int (*listen)(struct socket *sock, int backlog);
	int (*shutdown)(struct socket *sock, int how);
	int (*setsockopt)(struct socket *sock, int level, int optname, const void *optval,
			  socklen_t optlen);
	int (*getsockopt)(struct socket *sock, int level, int optname, void *optval,
			  socklen_t *optlen);
	ssize_t (*sendmsg)(struct socket *sock, const struct msghdr *msg, size_t len, int flags);
	ssize_t (*recvmsg)(struct socket *sock, struct msghdr *msg, size_t len, int flags);
};

/* Per-protocol operations on a sock (Linux's struct proto: tcp_prot, udp_prot). */
struct proto {
	size_t obj_size;
	/* Sets up a new sock of the protocol (optional; Linux's init: TCP's
	 * state, and the family's operations its socket will use). */
	void (*init)(struct sock *sk);
	void (*close)(struct sock *sk, uint64_t timeout_ns);
	int (*connect)(struct sock *sk, const struct sockaddr *addr, socklen_t len);
	int (*disconnect)(struct sock *sk, int flags);
	struct sock *(*accept)(struct sock *sk, int flags, int *err);
	void (*shutdown)(struct sock *sk, int how);
	int (*setsockopt)(struct sock *sk, int level, int optname, const void *optval,
			  socklen_t optlen);
	int (*getsockopt)(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen);
	ssize_t (*sendmsg)(struct sock *sk, const struct msghdr *msg, size_t len, int flags);
	ssize_t (*recvmsg)(struct sock *sk, struct msghdr *msg, size_t len, int flags,
			   int *addr_len);
	/* Binds the local port (0: choose one). 0 or -EADDRINUSE. */
	int (*get_port)(struct sock *sk, uint16_t snum);
	void (*unhash)(struct sock *sk);
	/* Frees protocol state (queues, timers) before the sock is freed. */
	void (*destroy)(struct sock *sk);
	/* Whether any of the sock's timers is still armed (optional). sk_free
	 * asks it: a timer left on the wheel would fire on freed memory. */
	bool (*timers_pending)(const struct sock *sk);
};

/* What an AF_INET6 socket adds to an inet socket (Linux's struct
 * ipv6_pinfo, which Linux allocates beside the sock; usertcp keeps it in
 * every sock: 24 bytes). */
struct ipv6_pinfo {
	struct in6_addr saddr; /* source used on output (np->saddr) */
	int16_t hop_limit;     /* IPV6_UNICAST_HOPS; -1: the route's device's */
	int16_t mcast_hops;    /* IPV6_MULTICAST_HOPS; -1: 1 */
	uint8_t tclass;	       /* IPV6_TCLASS */
	uint8_t pmtudisc;      /* IPV6_MTU_DISCOVER: IPV6_PMTUDISC_* */
	uint8_t recverr : 1;   /* IPV6_RECVERR */
	uint8_t mc_loop : 1;   /* IPV6_MULTICAST_LOOP */
};

struct sock {
	struct sock_common __sk_common;
#define sk_daddr __sk_common.skc_daddr
#define sk_rcv_saddr __sk_common.skc_rcv_saddr
#define sk_dport __sk_common.skc_dport
#define sk_num __sk_common.skc_num
#define sk_state __sk_common.skc_state
#define sk_reuse __sk_common.skc_reuse
#define sk_reuseport __sk_common.skc_reuseport
#define sk_protocol __sk_common.skc_protocol
#define sk_stack __sk_common.skc_stack
#define sk_family __sk_common.skc_family
#define sk_ipv6only __sk_common.skc_ipv6only
#define sk_v6_daddr __sk_common.skc_v6_daddr
#define sk_v6_rcv_saddr __sk_common.skc_v6_rcv_saddr
#define sk_bound_dev_if __sk_common.skc_bound_dev_if
	uint32_t sk_saddr;   /* source address used on output */
	uint8_t sk_type;     /* SOCK_STREAM / SOCK_DGRAM */
	uint8_t sk_shutdown; /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	uint8_t sk_userlocks;
	uint8_t sk_tos, sk_ttl; /* IP_TOS; IP_TTL (0: default) */
	uint8_t sk_pmtudisc;	/* IP_MTU_DISCOVER */
	uint8_t sk_no_check_tx;
	/* IPv4 options Linux keeps in struct inet_sock: IP_FREEBIND and the
	 * multicast sending options (IP_MULTICAST_TTL, _LOOP, _IF). */
	uint8_t inet_flags;	   /* 1 << INET_FLAGS_* */
	uint8_t mc_ttl;		   /* 1 unless set */
	int mc_index;		   /* IP_MULTICAST_IF's device (0: the route's) */
	uint32_t mc_addr;	   /* and its source address (0: the device's) */
	uint8_t sk_recverr;	   /* IP_RECVERR: errors go to sk_error_queue too */
	struct ipv6_pinfo sk_ipv6; /* AF_INET6 only; see inet6_sk */
	uint32_t sk_refcnt;	   /* holds while input or a timer works on it */
	bool sk_freed;		   /* destroyed; memory goes at the last put */
	int sk_err;		   /* pending error, reported once (SO_ERROR) */
	int sk_err_soft;	   /* last ICMP error, reported on timeout */
	uint32_t sk_flags;	   /* 1 << SOCK_* */
	uint64_t sk_cookie;	   /* sock_gen_cookie's: unique in the stack, 0 until asked */
	int sk_fd;		   /* for traces: the descriptor, -1 if none (yet) or orphaned */
	int sk_sndbuf, sk_rcvbuf;  /* bytes */
	int sk_wmem_queued;	   /* truesize on the write queue */
	/* truesize of the packets it sent that a device still holds
	 * (Linux's sk_wmem_alloc, without its bias of one): charged by
	 * skb_set_owner_w, given back by the packet's destructor */
	int sk_wmem_alloc;
	int sk_rmem_alloc;    /* truesize on the receive (and ofo) queues */
	int sk_forward_alloc; /* TCP: bytes charged to tcp_mem, not yet used */
	int sk_rcvlowat;
	uint32_t sk_priority;	/* SO_PRIORITY: kept and reported, nothing queues by it */
	uint32_t sk_mark;	/* SO_MARK: kept and reported, nothing routes by it */
	int sk_lingertime;	/* seconds */
	int sk_max_ack_backlog; /* listen backlog */
	int sk_ack_backlog;	/* connections waiting in the accept queue */
	uint64_t sk_rcvtimeo, sk_sndtimeo; /* ns; 0: forever */
	/* Pacing (bytes per second; ~0: unlimited): the rate TCP computes
	 * and the cap SO_MAX_PACING_RATE puts on it. Enforced by TCP itself
	 * only when sk_pacing_status asks for it, as Linux's internal pacing
	 * (a module such as BBR, or SO_MAX_PACING_RATE). */
	uint64_t sk_pacing_rate, sk_max_pacing_rate;
	uint8_t sk_pacing_status; /* SK_PACING_* */
	struct sk_buff_head sk_receive_queue;
	struct sk_buff_head sk_write_queue;
	/* ICMP and local errors, transmit timestamps (net/errqueue.h) */
	struct sk_buff_head sk_error_queue;
	uint32_t sk_tsflags; /* SO_TIMESTAMPING's SOF_TIMESTAMPING_* */
	uint32_t sk_tskey;   /* OPT_ID's counter (TCP: the sequence it counts from) */
	uint32_t sk_zckey;   /* the next MSG_ZEROCOPY notification's number */
	struct socket *sk_socket;
	const struct proto *sk_prot;
	/* Readiness changed: tell epoll watchers and blocked threads. */
	void (*sk_state_change)(struct sock *sk);
	void (*sk_data_ready)(struct sock *sk);
	void (*sk_write_space)(struct sock *sk);
	void (*sk_error_report)(struct sock *sk);
};

/* ---- a connection's addresses, for code that does not know their family --
 *
 * TCP's family-independent files move a connection's addresses from one
 * object to another, and forget them, only through these, so that the
 * width of an address is known here and in the family's own files, not in
 * every caller (Linux's inet_csk_clone_lock and inet_twsk_alloc copy them
 * the same way; IPv6's addresses would join the copies here). */

/* A request's addresses become its child's: the local one is bound and
 * is the source its output uses. */
static inline void sk_addrs_from_req(struct sock *sk, const struct sock_common *req)
{
	sk->sk_rcv_saddr = sk->sk_saddr = req->skc_rcv_saddr;
	sk->sk_daddr = req->skc_daddr;
	sk->sk_v6_rcv_saddr = sk->sk_ipv6.saddr = req->skc_v6_rcv_saddr;
	sk->sk_v6_daddr = req->skc_v6_daddr;
	sk->sk_bound_dev_if = req->skc_bound_dev_if;
}
/* A connection's addresses, as its time-wait socket keeps them: the local
 * one it is bound to, or else the one its output used. */
static inline void skc_addrs_from_sk(struct sock_common *skc, const struct sock *sk)
{
	skc->skc_daddr = sk->sk_daddr;
	skc->skc_rcv_saddr = sk->sk_rcv_saddr ? sk->sk_rcv_saddr : sk->sk_saddr;
	skc->skc_family = sk->sk_family;
	skc->skc_ipv6only = sk->sk_ipv6only;
	skc->skc_v6_daddr = sk->sk_v6_daddr;
	skc->skc_v6_rcv_saddr = IN6_IS_ADDR_UNSPECIFIED(&sk->sk_v6_rcv_saddr) ? sk->sk_ipv6.saddr
									      : sk->sk_v6_rcv_saddr;
	skc->skc_bound_dev_if = sk->sk_bound_dev_if;
}
/* Forgets the local address, bound and used (Linux's inet_reset_saddr). */
static inline void inet_reset_saddr(struct sock *sk)
{
	sk->sk_rcv_saddr = sk->sk_saddr = 0;
	memset(&sk->sk_v6_rcv_saddr, 0, sizeof(sk->sk_v6_rcv_saddr));
	memset(&sk->sk_ipv6.saddr, 0, sizeof(sk->sk_ipv6.saddr));
}
/* Forgets the foreign address. */
static inline void inet_reset_daddr(struct sock *sk)
{
	sk->sk_daddr = 0;
	memset(&sk->sk_v6_daddr, 0, sizeof(sk->sk_v6_daddr));
}
/* An AF_INET6 socket's own part (Linux's inet6_sk). */
static inline struct ipv6_pinfo *inet6_sk(struct sock *sk)
{
	return &sk->sk_ipv6;
}

/* sk_pacing_status (Linux's enum sk_pacing; Linux's SK_PACING_FQ, pacing
 * left to the fq qdisc, has no counterpart: usertcp has no qdisc) */
#define SK_PACING_NONE 0
#define SK_PACING_NEEDED 1

struct socket {
	enum socket_state state;
	short type;
	const struct proto_ops *ops;
	struct sock *sk;
	struct file *file;
};

/* An address family's socket() (Linux's struct net_proto_family): the
 * family registers it in each stack from its pernet init (sock_register,
 * src/socket.c), and ut_socket finds it by domain, so the system-call
 * layer names no family. create fills sock's ops and sock: 0 or -errno
 * (-EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENOMEM). */
struct net_proto_family {
	int family;
	int (*create)(struct ut_stack *stack, struct socket *sock, int type, int protocol);
};
/* 0, -EINVAL for a family out of range, -EEXIST if one is registered. */
int sock_register(struct ut_stack *stack, const struct net_proto_family *ops);

static inline bool inet_test_bit(const struct sock *sk, enum inet_flags f)
{
	return sk->inet_flags & (1u << f);
}
static inline void inet_assign_bit(struct sock *sk, enum inet_flags f, bool on)
{
	sk->inet_flags = on ? (uint8_t)(sk->inet_flags | (1u << f))
			    : (uint8_t)(sk->inet_flags & ~(1u << f));
}
/* bind() may take an address that is not (yet) the host's: IP_FREEBIND,
 * or net.ipv4.ip_nonlocal_bind (Linux's inet_can_nonlocal_bind). */
bool inet_can_nonlocal_bind(const struct sock *sk);
/* The socket's cookie, given on first use from a counter of the stack
 * (Linux's sock_gen_cookie), so never 0 and never reused within it. */
uint64_t sock_gen_cookie(struct sock *sk);

static inline bool sock_flag(const struct sock *sk, enum sock_flags f)
{
	return sk->sk_flags & (1u << f);
}
static inline void sock_set_flag(struct sock *sk, enum sock_flags f)
{
	sk->sk_flags |= 1u << f;
}
static inline void sock_reset_flag(struct sock *sk, enum sock_flags f)
{
	sk->sk_flags &= ~(1u << f);
}
static inline void sock_valbool_flag(struct sock *sk, enum sock_flags f, bool on)
{
	if (on)
		sock_set_flag(sk, f);
	else
		sock_reset_flag(sk, f);
}

/* ---- TCP buffer memory: net.ipv4.tcp_mem (src/core/sock.c) ---------------
 *
 * Besides its own sk_sndbuf and sk_rcvbuf, every TCP socket charges the
 * truesize of what it queues to one stack-wide total, counted in pages
 * (stack->tcp_memory_allocated) and bounded by net.ipv4.tcp_mem, as Linux
 * does. A socket takes whole pages ahead (sk_forward_alloc) and charges
 * buffers against them, so the total moves once a page, not once a packet.
 * Invariant: sk_forward_alloc + sk_rmem_alloc + sk_wmem_queued is the
 * socket's pages times SK_MEM_QUANTUM. UDP is not charged (Linux's udp_mem
 * is not implemented). */
#define SK_MEM_QUANTUM 4096

/* Room for size more bytes: true when the socket's forward allocation holds
 * them or the stack-wide total may grow (Linux's sk_wmem_schedule and
 * sk_rmem_schedule: above tcp_mem's pressure mark only sockets under their
 * minimum or their fair share get memory, above its max none). */
bool sk_wmem_schedule(struct sock *sk, int size);
bool sk_rmem_schedule(struct sock *sk, int size);
/* Charges size whatever the limits (a FIN, a split segment, the first
 * segment of an empty receive queue), as Linux's sk_forced_mem_schedule. */
void sk_forced_mem_schedule(struct sock *sk, int size);
/* Returns whole unused pages to the stack-wide total. */
void sk_mem_reclaim(struct sock *sk);
/* Linux's SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF for 64-bit builds: twice the
 * truesize of a small skb. */
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304

/* Whether the stack is in TCP memory pressure (Linux's
 * tcp_under_memory_pressure). */
bool tcp_under_memory_pressure(const struct sock *sk);
/* Whether TCP memory is above tcp_mem's max (Linux's tcp_out_of_memory:
 * checked for orphans, which are reset rather than kept). */
bool tcp_out_of_memory(const struct sock *sk);
/* Linux's sk_stream_moderate_sndbuf: under pressure a socket's send buffer
 * shrinks to half of what it has queued (not below SOCK_MIN_SNDBUF). */
void sk_stream_moderate_sndbuf(struct sock *sk);

static inline void sk_mem_charge(struct sock *sk, int size)
{
	sk->sk_forward_alloc -= size;
}
static inline void sk_mem_uncharge(struct sock *sk, int size)
{
	sk->sk_forward_alloc += size;
	if (sk->sk_forward_alloc >= SK_MEM_QUANTUM)
		sk_mem_reclaim(sk);
}
/* A buffer joins (leaves) the receive or out-of-order queue: Linux's
 * skb_set_owner_r (sock_rfree). The caller scheduled the memory. */
static inline void sk_rmem_charge(struct sock *sk, const struct sk_buff *skb)
{
	sk->sk_rmem_alloc += (int)skb->truesize;
	sk_mem_charge(sk, (int)skb->truesize);
}
static inline void sk_rmem_uncharge(struct sock *sk, const struct sk_buff *skb)
{
	sk->sk_rmem_alloc -= (int)skb->truesize;
	sk_mem_uncharge(sk, (int)skb->truesize);
}
/* A buffer joins (leaves) the write or retransmit queue: Linux's
 * sk_wmem_queued_add with sk_mem_charge (tcp_wmem_free_skb). */
static inline void sk_wmem_charge(struct sock *sk, const struct sk_buff *skb)
{
	sk->sk_wmem_queued += (int)skb->truesize;
	sk_mem_charge(sk, (int)skb->truesize);
}
static inline void sk_wmem_uncharge(struct sock *sk, const struct sk_buff *skb)
{
	sk->sk_wmem_queued -= (int)skb->truesize;
	sk_mem_uncharge(sk, (int)skb->truesize);
}
/* A buffer joins the write or retransmit queue whatever tcp_mem says (a
 * FIN, a SYN, the second half of a split segment), as Linux charges them
 * through sk_forced_mem_schedule. */
static inline void sk_wmem_charge_forced(struct sock *sk, const struct sk_buff *skb)
{
	sk_forced_mem_schedule(sk, (int)skb->truesize);
	sk_wmem_charge(sk, skb);
}

/* ---- generic sock helpers (src/core/sock.c) -----------------------------*/
/* Allocates a zeroed sock of prot->obj_size with Linux's defaults for the
 * buffers and the callbacks. NULL on allocation failure. */
struct sock *sk_alloc(struct ut_stack *stack, int family, int type, int protocol,
		      const struct proto *prot);
/* Frees the sock's memory (its protocol destroy already ran). */
void sk_free(struct sock *sk);
/* Keeps sk's memory alive across processing that may destroy it (a
 * segment moving it to TIME_WAIT, a timer closing it): sk_destroy defers
 * the free to the last sock_put. */
static inline void sock_hold(struct sock *sk)
{
	sk->sk_refcnt++;
}
void sock_put(struct sock *sk);
/* Frees sk now, or at the last sock_put if someone holds it. */
void sk_destroy(struct sock *sk);
/* Charges sk for skb, which it hands to a device, until destructor
 * (sock_wfree, or TCP's tcp_wfree) gives the charge back: the packet's
 * truesize in sk_wmem_alloc and a reference on sk (Linux's
 * skb_set_owner_w). */
static inline void skb_set_owner_w(struct sk_buff *skb, struct sock *sk,
				   void (*destructor)(struct sk_buff *skb))
{
	skb_orphan(skb);
	sock_hold(sk);
	skb->sk = sk;
	skb->destructor = destructor;
	sk->sk_wmem_alloc += (int)skb->truesize;
}
/* The plain destructor: the charge and the reference go (Linux's
 * sock_wfree, without its write-space wake: nothing here waits on
 * sk_wmem_alloc). */
void sock_wfree(struct sk_buff *skb);
/* Attaches sk to sock (sock->sk, sk->sk_socket). */
void sock_graft(struct sock *sk, struct socket *sock);
/* Detaches sk from its socket: it becomes an orphan (SOCK_DEAD). */
void sock_orphan(struct sock *sk);
/* The default callbacks: wake whoever watches the socket. */
void sock_def_wakeup(struct sock *sk);
void sk_send_sigurg(struct sock *sk);
/* Records err as the socket's pending error and reports it. */
void sk_set_error(struct sock *sk, int err);
/* Returns and clears the pending error (0 if none): SO_ERROR's contract. */
int sock_error(struct sock *sk);

/* SOL_SOCKET options common to every socket (sock_setsockopt). */
int sock_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen);
int sock_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen);

/* Copies an option's value out as getsockopt does: at most *optlen bytes,
 * *optlen set to what was copied; -EINVAL for a negative length. */
int sock_put_optval(void *optval, socklen_t *optlen, const void *v, size_t size);

/* How long a call may block: ns, UINT64_MAX for forever, 0 for never. */
uint64_t sock_rcvtimeo(const struct sock *sk, bool noblock);
uint64_t sock_sndtimeo(const struct sock *sk, bool noblock);
/* Turns a relative timeout into a deadline on the stack clock. */
uint64_t sock_deadline(const struct sock *sk, uint64_t timeo);

/* Sleeps until something may have changed (see stack_wait) or the
 * deadline passes. 0: re-check the condition; -EAGAIN: the deadline
 * (UINT64_MAX: none) passed; -EDEADLK: nothing can ever happen. */
int sk_wait(struct sock *sk, uint64_t deadline);

/* Copies from/to an iovec array, consuming it as it goes (Linux's
 * copy_from_iter). */
struct iov_iter {
	const struct iovec *iov;
	unsigned long nr_segs;
	size_t iov_offset; /* into iov[0] */
	size_t count;	   /* bytes left */
};
void iov_iter_init(struct iov_iter *i, const struct iovec *iov, unsigned long nr_segs,
		   size_t count);
size_t copy_from_iter(void *to, size_t bytes, struct iov_iter *i);
/* Lends up to len bytes of the iterator's memory to a zerocopy buffer
 * (msg_zerocopy.c): returns how many it took, fewer when the buffer's
 * pieces ran out. */
size_t skb_zerocopy_iter_stream(struct sk_buff *skb, struct iov_iter *it, size_t len);
/* A MSG_ZEROCOPY send's ubuf_info: uarg (the unsent tail buffer's)
 * extended when the numbers allow, else a new one taking the socket's next
 * number. NULL when no memory (ENOBUFS). */
struct ubuf_info *msg_zerocopy_realloc(struct sock *sk, size_t size, struct ubuf_info *uarg);
/* The send failed before lending anything: its number is given back and,
 * with have_uref, the send's own reference dropped. */
void msg_zerocopy_put_abort(struct ubuf_info *uarg, bool have_uref);
/* sendmsg(MSG_ZEROCOPY) on a UDP socket: the protocol's sendmsg, and the
 * notification (msg_zerocopy.c). */
ssize_t udp_sendmsg_zerocopy(struct sock *sk, const struct msghdr *msg, size_t len, int flags);
size_t copy_to_iter(const void *from, size_t bytes, struct iov_iter *i);
/* The bytes before the first that lies in a vector with a NULL base (the
 * whole count when none does): where Linux's copy from or to the caller
 * would fault (EFAULT). */
size_t iov_iter_fault_offset(const struct iov_iter *i);
/* Total length of an iovec array; -EINVAL if it overflows ssize_t. */
ssize_t iov_length_checked(const struct iovec *iov, unsigned long nr_segs);

#endif
