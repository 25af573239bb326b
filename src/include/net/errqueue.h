/* The socket error queue and timestamping (Linux's include/linux/errqueue.h,
 * net/core/sock.c, net/core/skbuff.c, net/ipv4/ip_sockglue.c and
 * net/ipv6/datagram.c; src/core/sock_errqueue.c).
 *
 * sk->sk_error_queue holds buffers that report something about the
 * socket's own traffic rather than carry data from the peer: ICMP errors
 * (IP_RECVERR, IPV6_RECVERR), local errors (EMSGSIZE), and transmit
 * timestamps (SO_TIMESTAMPING). recvmsg(MSG_ERRQUEUE) takes one at a time,
 * its data and a control message describing it (struct sock_extended_err
 * and the offender's address). Each buffer's truesize counts in
 * sk_rmem_alloc while queued, and one that would take sk_rmem_alloc to
 * sk_rcvbuf is dropped, as Linux's sock_queue_err_skb.
 */
#ifndef USERTCP_NET_ERRQUEUE_H
#define USERTCP_NET_ERRQUEUE_H

#include <time.h> /* struct timespec, for linux/errqueue.h */
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net/skbuff.h"

struct sock;

/* Flags newer than some C libraries' <linux/net_tstamp.h> (Linux 6.2,
 * 6.9 and 6.16). */
#define SOF_TIMESTAMPING_OPT_ID_TCP_ (1 << 16)
#define SOF_TIMESTAMPING_OPT_RX_FILTER_ (1 << 17)
#define SOF_TIMESTAMPING_TX_COMPLETION_ (1 << 18)
/* Every flag Linux 6.18's setsockopt accepts (SOF_TIMESTAMPING_MASK). */
#define SOF_TIMESTAMPING_MASK_ ((SOF_TIMESTAMPING_TX_COMPLETION_ << 1) - 1)
#define SOF_TIMESTAMPING_TX_SW_ANY_ \
	(SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_ACK)

/* The errqueue buffer's control block (Linux's struct sock_exterr_skb).
 * Linux keeps an offset into the quoted packet for the address recvmsg
 * names; here the address itself is kept, so a buffer need not hold the
 * quoted header. */
struct sock_exterr_skb {
	struct sock_extended_err ee;
	struct in6_addr addr;	  /* msg_name: the quoted destination (v4: first 4 bytes) */
	struct in6_addr offender; /* who sent the ICMP error */
	uint16_t port;		  /* msg_name's port, network order */
	uint8_t v6;		  /* addr and offender are IPv6 */
	uint8_t has_addr;	  /* msg_name is filled (Linux's ipv4_datagram_support_addr) */
};
#define SKB_EXT_ERR(skb) ((struct sock_exterr_skb *)(void *)&(skb)->cb[0])
_Static_assert(sizeof(struct sock_exterr_skb) <= sizeof(((struct sk_buff *)0)->cb),
	       "sock_exterr_skb fits in skb->cb");

/* Queues skb on sk's error queue and reports it (EPOLLERR). 0, or
 * -ENOMEM when the receive buffer has no room (the caller frees skb). */
int sock_queue_err_skb(struct sock *sk, struct sk_buff *skb);
/* Takes the first buffer off the queue (NULL: empty). sk_err follows the
 * ICMP error behind it, as Linux's sock_dequeue_err_skb. */
struct sk_buff *sock_dequeue_err_skb(struct sock *sk);
/* Frees what the error queue holds (at close). */
void sock_purge_err_queue(struct sock *sk);
/* Frees the errors queued, keeping timestamps and zero-copy notices:
 * IP_RECVERR turned off (Linux's skb_errqueue_purge). */
void skb_errqueue_purge(struct sock *sk);

/* recvmsg(MSG_ERRQUEUE) of an AF_INET socket (ip_recv_error) and of an
 * AF_INET6 one (ipv6_recv_error); inet_recv_error picks by family.
 * Never blocks: -EAGAIN when the queue is empty. */
ssize_t inet_recv_error(struct sock *sk, struct msghdr *msg, size_t len, int *addr_len);

/* An ICMP error about a datagram sk sent, queued when IP_RECVERR is on
 * (Linux's ip_icmp_error): skb->data at the quoted transport header; the
 * payload begins payload_off bytes after it. daddr and port: the quoted
 * destination (network order). */
void ip_icmp_error(struct sock *sk, const struct sk_buff *skb, int err, uint32_t from, uint8_t type,
		   uint8_t code, uint32_t info, uint32_t daddr, uint16_t port,
		   uint32_t payload_off);
void ipv6_icmp_error(struct sock *sk, const struct sk_buff *skb, int err,
		     const struct in6_addr *from, uint8_t type, uint8_t code, uint32_t info,
		     const struct in6_addr *daddr, uint16_t port, uint32_t payload_off);
/* A local error (Linux's ip_local_error and ipv6_local_error): EMSGSIZE
 * for a datagram too large, info the MTU. */
void ip_local_error(struct sock *sk, int err, uint32_t daddr, uint16_t port, uint32_t info);
void ipv6_local_error(struct sock *sk, int err, const struct in6_addr *daddr, uint16_t port,
		      uint32_t info);

/* ---- timestamping ----------------------------------------------------------*/

/* The time a timestamp reports, ns: the stack clock plus its offset to
 * real time (Linux's ktime_get_real). */
uint64_t sock_tstamp_now(const struct sock *sk);
/* A stack-clock instant (skb->tstamp) as a timestamp. */
uint64_t sock_tstamp_of(const struct sock *sk, uint64_t stack_ns);

/* SO_TIMESTAMPING's setsockopt (Linux's sock_set_timestamping): flags
 * and bind_phc from the int or struct so_timestamping form. */
int sock_set_timestamping(struct sock *sk, int optname, int flags, int bind_phc);
/* SO_TIMESTAMP / SO_TIMESTAMPNS (_OLD and _NEW). */
void sock_set_timestamp(struct sock *sk, int optname, bool on);

/* Writes a control message as Linux's put_cmsg: MSG_CTRUNC when it does
 * not fit, and msg_control moves past what was written (the system-call
 * layer turns that into msg_controllen). */
void put_cmsg(struct msghdr *msg, int level, int type, size_t len, const void *data);

/* The receive timestamps a recvmsg returns for a buffer that arrived at
 * stack_ns (Linux's sock_recv_timestamp / tcp_recv_timestamp):
 * SCM_TIMESTAMP(NS) with SO_TIMESTAMP(NS), SCM_TIMESTAMPING with
 * SOF_TIMESTAMPING_SOFTWARE. errq: the buffer is an error queue's, whose
 * stamp is already real time. */
void sock_recv_timestamp(struct msghdr *msg, struct sock *sk, uint64_t stack_ns, bool errq);

/* A transmit timestamp of type tstype (SCM_TSTAMP_*) for skb, which the
 * socket asked for, looped onto its error queue (Linux's
 * __skb_tstamp_tx): a copy of the packet's data (none with
 * OPT_TSONLY) and, with OPT_ID, the key tskey. */
void skb_tstamp_tx(struct sock *sk, const struct sk_buff *skb, uint32_t tskey, int tstype);
/* A datagram's transmit stamps (SCHED, then SND), when tsflags ask for
 * them; its OPT_ID key is the socket's counter, advanced once per
 * datagram (Linux's ip_setup_cork and __ip_append_data). skb holds the
 * datagram from its transport header. */
void sock_tx_timestamp_dgram(struct sock *sk, const struct sk_buff *skb, uint32_t tsflags);
/* The SO_TIMESTAMPING control message of a sendmsg (Linux's
 * __sock_cmsg_send): *tsflags gets the record flags it names, replacing
 * the socket's. 0 or -EINVAL. */
int sock_cmsg_tsflags(const struct msghdr *msg, uint32_t *tsflags);

#endif
