/* What UDP over IPv4 (src/ipv4/udp.c) and UDP over IPv6
 * (src/ipv6/udp_ipv6.c) share, as Linux's udp_lib_* functions: the UDP
 * sock and its corked datagram, the lookup with its scores, queueing a
 * datagram, the receive call, the ports, SOL_UDP options, poll and close.
 * What names an address is per family: each family's receive entry point
 * fills a struct udp_tuple, and the family of the datagram (not of the
 * socket) picks the counters, Udp or Udp6, as in Linux. */
#ifndef USERTCP_NET_UDP_H
#define USERTCP_NET_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/ipv6.h"
#include "net/snmp.h"
#include "net/sock.h"

/* A UDP sock (Linux's struct udp_sock): the datagram being gathered by
 * MSG_MORE or UDP_CORK. Its payload waits on sk_write_queue in the pieces
 * the calls gave; pending says which family sends it (Linux's
 * up->pending: 0, AF_INET or AF_INET6). */
struct udp_sock {
	struct sock sk; /* first: one pointer serves both views */
	bool corkflag;	/* UDP_CORK */
	uint8_t pending;
	uint32_t pend_saddr, pend_daddr; /* AF_INET */
	struct in6_addr pend_saddr6, pend_daddr6;
	int pend_oif, pend_hop_limit; /* AF_INET6 */
	uint16_t pend_dport;
	uint32_t pend_len; /* payload bytes gathered so far */
	uint32_t pend_max; /* the most payload the datagram may carry */
	/* SO_TIMESTAMPING's flags for the datagram being sent: the
	 * socket's, or those of the sendmsg's control message */
	uint32_t tx_tsflags;
};

static inline struct udp_sock *udp_sk(struct sock *sk)
{
	return (struct udp_sock *)sk;
}

/* A datagram as the lookup sees it: its family and addresses, ports (host
 * order) and the device it came in on. */
struct udp_tuple {
	bool v6;
	uint32_t saddr, daddr; /* IPv4, network order */
	struct in6_addr saddr6, daddr6;
	uint16_t sport, dport;
	int dif;
};

/* The Udp counter field, or its Udp6 twin for an IPv6 datagram (Linux's
 * UDPX_INC_STATS): the two groups list the same counters in the same
 * order (snmp.h). */
#define UDPX_MIB(v6, field)                                                               \
	((enum snmp_field)((v6) ? (int)(field)-UDP_MIB_INDATAGRAMS + UDP6_MIB_INDATAGRAMS \
				: (field)))
#define UDPX_INC_STATS(stack, v6, field) SNMP_INC_STATS(stack, UDPX_MIB(v6, field))

/* The socket for the datagram t, or NULL (Linux's __udp4_lib_lookup and
 * __udp6_lib_lookup). */
struct sock *udp_lib_lookup(struct ut_stack *stack, const struct udp_tuple *t);
/* A datagram (data at the payload) for this host: the best socket gets
 * it, else no one. Returns false, keeping skb, when no socket takes it
 * (the caller answers port unreachable). */
bool udp_lib_unicast_rcv(struct ut_stack *stack, struct sk_buff *skb, const struct udp_tuple *t);
/* A broadcast or multicast datagram: every matching socket gets it;
 * IgnoredMulti when none does. Consumes skb. */
void udp_lib_mcast_deliver(struct ut_stack *stack, struct sk_buff *skb, const struct udp_tuple *t);

/* Ports (Linux's udp_lib_get_port and udp_lib_unhash). */
int udp_lib_get_port(struct sock *sk, uint16_t snum);
void udp_lib_unhash(struct sock *sk);
/* connect(AF_UNSPEC) (Linux's __udp_disconnect). */
int udp_disconnect(struct sock *sk, int flags);

/* IPv4's connect and send, which an AF_INET6 socket uses for a v4-mapped
 * peer (Linux's __ip4_datagram_connect and udp_sendmsg). */
int ip4_datagram_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t len);
ssize_t udp_sendmsg(struct sock *sk, const struct msghdr *msg, size_t len, int flags);

/* What a send checks before its datagram: a pending error, SHUT_WR. */
int udp_send_check(struct sock *sk);
/* Corking, shared: adds len bytes of msg to the pending datagram (which
 * the caller started), sending it unless corkreq. */
int udp_append_pending(struct sock *sk, const struct msghdr *msg, size_t len, bool corkreq);
int udp_push_pending(struct sock *sk);
/* IPv6's half of udp_push_pending (udp_ipv6.c): sends skb (UDP_HLEN of
 * room, then len payload bytes) from the corked addresses. */
int udp_v6_push_skb(struct sock *sk, struct sk_buff *skb, uint32_t len);

/* The receive call, for both families: the sender's address is named in
 * the socket's family (an IPv4 sender v4-mapped for an AF_INET6 one). */
ssize_t udp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len);

/* SOL_UDP options. */
int udp_lib_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen);
int udp_lib_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen);

void udp_lib_destroy(struct sock *sk);
void udp_lib_close(struct sock *sk, uint64_t timeout);

#endif
