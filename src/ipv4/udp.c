/* UDP (RFC 768) as Linux's net/ipv4/udp.c and datagram.c run it: datagram
 * sockets with the same lookup rules, errno values and counters.
 *
 * Receiving: udp_rcv checks the datagram, finds the socket that matches
 * best (or every matching socket for a broadcast) in the stack's UDP
 * listening table, and queues the datagram on it; a datagram for no socket
 * is counted and answered with port unreachable. Sending: one datagram per
 * call, built in one buffer with one copy from the caller's iovec, handed
 * to ip_send_skb (which fragments it); MSG_MORE and UDP_CORK gather several
 * calls into one datagram as Linux does.
 *
 * Every bound socket is in two tables of stack->udp_hashinfo: the bind
 * table, where inet_csk_get_port applies the conflict rules (they are
 * Linux's UDP rules too: SO_REUSEADDR on both, or SO_REUSEPORT on both, or
 * addresses that do not overlap), and the listening table hashed by port,
 * which udp_rcv walks.
 *
 * Most of this is shared with UDP over IPv6 (src/ipv6/udp_ipv6.c, through
 * include/net/udp.h), as Linux's udp_lib_* are: the lookup and its
 * scores, queueing, corking, udp_recvmsg, the ports, SOL_UDP, poll and
 * close. An AF_INET6 socket without IPV6_V6ONLY takes IPv4 datagrams
 * here, and sends to v4-mapped peers through udp_sendmsg. */
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/epoll.h>

#include "net/errqueue.h"
#include "net/af_inet.h"
#include "net/icmp.h"
#include "net/route.h"
#include "net/stack.h"
#include "net/stack_group.h"
#include "net/tcp.h"
#include "net/transp_v6.h"
#include "net/udp.h"

/* What a queued datagram remembers: where it came from (an IPv4 source
 * v4-mapped), its family and the device it came in on (for the scope of a
 * link-local sender), and the memory charged to sk_rmem_alloc for it (a
 * broadcast's clone is charged its whole buffer, as in Linux, though it
 * shares the data). */
struct udp_skb_cb {
	struct in6_addr saddr;
	uint16_t sport;
	bool v6;
	int iif;
	uint32_t charge;
};
#define UDP_SKB_CB(skb) ((struct udp_skb_cb *)(void *)&(skb)->cb[0])
_Static_assert(sizeof(struct udp_skb_cb) <= sizeof(((struct sk_buff *)0)->cb), "udp_skb_cb");

/* UDPX_MIB relies on Udp and Udp6 listing their counters alike. */
_Static_assert(UDP6_MIB_NOPORTS - UDP6_MIB_INDATAGRAMS == UDP_MIB_NOPORTS - UDP_MIB_INDATAGRAMS &&
		       UDP6_MIB_INERRORS - UDP6_MIB_INDATAGRAMS ==
			       UDP_MIB_INERRORS - UDP_MIB_INDATAGRAMS &&
		       UDP6_MIB_OUTDATAGRAMS - UDP6_MIB_INDATAGRAMS ==
			       UDP_MIB_OUTDATAGRAMS - UDP_MIB_INDATAGRAMS &&
		       UDP6_MIB_RCVBUFERRORS - UDP6_MIB_INDATAGRAMS ==
			       UDP_MIB_RCVBUFERRORS - UDP_MIB_INDATAGRAMS &&
		       UDP6_MIB_SNDBUFERRORS - UDP6_MIB_INDATAGRAMS ==
			       UDP_MIB_SNDBUFERRORS - UDP_MIB_INDATAGRAMS &&
		       UDP6_MIB_CSUMERRORS - UDP6_MIB_INDATAGRAMS ==
			       UDP_MIB_CSUMERRORS - UDP_MIB_INDATAGRAMS &&
		       UDP6_MIB_IGNOREDMULTI - UDP6_MIB_INDATAGRAMS ==
			       UDP_MIB_IGNOREDMULTI - UDP_MIB_INDATAGRAMS,
	       "Udp and Udp6 counters in the same order");

/* The most a datagram can carry: an IPv4 packet of 65535 bytes less the
 * IP and UDP headers. */
#define UDP_MAX_PAYLOAD (IP_MAXPACKET - IPV4_HLEN_MIN - UDP_HLEN)

/* ---- lookup (shared with IPv6) ---------------------------------------------------*/

/* How well sk matches the datagram t, as Linux's compute_score (IPv4's and
 * IPv6's): a bound address, a connected peer address, a connected peer
 * port and a bound device each add to the score, and a mismatch on any of
 * them excludes the socket. Which address a socket is bound to in the
 * datagram's family is skc_v4_view's or skc_v6_view's answer, so an
 * AF_INET6 socket bound to :: without IPV6_V6ONLY takes IPv4 too, and for
 * IPv4 an AF_INET socket beats such a dual-stack one otherwise equal
 * (Linux scores the family 2 against 1). -1: no match. The same test
 * decides which sockets get a copy of a broadcast or multicast (Linux's
 * __udp_is_mcast_sock and __udp_v6_is_mcast_sock; sockets join no groups
 * here, and Linux's IPV6_MULTICAST_ALL default lets a socket without
 * memberships take every group the device is in). */
static int udp_score(const struct sock *sk, const struct udp_tuple *t)
{
	const struct sock_common *c = &sk->__sk_common;
	int score;

	if (sk->sk_num != t->dport)
		return -1;
	if (!t->v6) {
		uint32_t bound;
		if (!skc_v4_view(c, &bound))
			return -1;
		score = sk->sk_family == AF_INET ? 2 : 1;
		if (bound) {
			if (bound != t->daddr)
				return -1;
			score += 4;
		}
		if (sk->sk_daddr) {
			if (sk->sk_daddr != t->saddr)
				return -1;
			score += 4;
		}
	} else {
		const struct in6_addr *bound;
		if (!skc_v6_view(c, &bound))
			return -1;
		score = 2;
		if (!ipv6_addr_any(bound)) {
			if (!ipv6_addr_equal(bound, &t->daddr6))
				return -1;
			score += 4;
		}
		if (!ipv6_addr_any(&sk->sk_v6_daddr)) {
			if (!ipv6_addr_equal(&sk->sk_v6_daddr, &t->saddr6))
				return -1;
			score += 4;
		}
	}
	if (sk->sk_dport) {
		if (sk->sk_dport != t->sport)
			return -1;
		score += 4;
	}
	if (sk->sk_bound_dev_if) {
		if (sk->sk_bound_dev_if != t->dif)
			return -1;
		score += 4;
	}
	return score;
}

/* Can sk share datagrams with the best match of an SO_REUSEPORT group? */
static bool udp_reuseport_peer(const struct sock *sk, const struct sock *best)
{
	return sk->sk_reuseport && sk->sk_state != TCP_ESTABLISHED &&
	       sk->sk_family == best->sk_family && sk->sk_rcv_saddr == best->sk_rcv_saddr &&
	       ipv6_addr_equal(&sk->sk_v6_rcv_saddr, &best->sk_v6_rcv_saddr);
}

/* The highest score wins; among equals the socket bound last, which sits
 * first in the chain. When the winner is an unconnected member of an
 * SO_REUSEPORT group, one member of the group is chosen by a keyed hash
 * of the 4-tuple, so a flow always reaches the same socket and flows
 * spread over the group. O(sockets on the port's chain). */
struct sock *udp_lib_lookup(struct ut_stack *stack, const struct udp_tuple *t)
{
	struct inet_hashinfo *h = &stack->udp_hashinfo;
	struct sock *best = NULL;
	int best_score = -1;
	uint32_t members = 0, pick, hash;

	for (struct sock_common *c = inet_lhash_chain(h, t->dport); c; c = c->skc_node_next) {
		struct sock *sk = container_of(c, struct sock, __sk_common);
		int score = udp_score(sk, t);
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	if (!best || !best->sk_reuseport || best->sk_state == TCP_ESTABLISHED)
		return best;

	for (struct sock_common *c = inet_lhash_chain(h, t->dport); c; c = c->skc_node_next) {
		struct sock *sk = container_of(c, struct sock, __sk_common);
		if (udp_score(sk, t) == best_score && udp_reuseport_peer(sk, best))
			members++;
	}
	if (members < 2)
		return best;
	hash = t->v6 ? inet6_ehashfn(h, &t->daddr6, t->dport, &t->saddr6, t->sport)
		     : inet_ehashfn(h, t->daddr, t->dport, t->saddr, t->sport);
	/* Linux's reciprocal_scale: the hash's share of the group. */
	pick = (uint32_t)(((uint64_t)hash * members) >> 32);
	for (struct sock_common *c = inet_lhash_chain(h, t->dport); c; c = c->skc_node_next) {
		struct sock *sk = container_of(c, struct sock, __sk_common);
		if (udp_score(sk, t) == best_score && udp_reuseport_peer(sk, best) && pick-- == 0)
			return sk;
	}
	return best;
}

/* ---- receive -------------------------------------------------------------------*/

/* Queues a datagram (data at the payload) on sk, charging charge bytes to
 * its receive buffer. Consumes skb.
 *
 * Linux's __udp_enqueue_schedule_skb refuses a datagram only when the
 * memory already queued exceeds SO_RCVBUF, so one datagram always fits an
 * empty queue, however small the buffer, and the last one accepted may
 * overshoot it. Udp InDatagrams is counted when the application reads the
 * datagram (udp_recvmsg), not here, as in Linux. */
static void udp_queue_rcv(struct sock *sk, struct sk_buff *skb, const struct udp_tuple *t,
			  uint32_t charge)
{
	struct ut_stack *stack = sk->sk_stack;
	struct udp_skb_cb *cb = UDP_SKB_CB(skb);

	if (sk->sk_rmem_alloc > sk->sk_rcvbuf) {
		UDPX_INC_STATS(stack, t->v6, UDP_MIB_RCVBUFERRORS);
		UDPX_INC_STATS(stack, t->v6, UDP_MIB_INERRORS);
		kfree_skb(skb);
		return;
	}
	memset(cb, 0, sizeof(*cb));
	if (t->v6)
		cb->saddr = t->saddr6;
	else
		ipv6_addr_set_v4mapped(t->saddr, &cb->saddr);
	cb->sport = t->sport;
	cb->v6 = t->v6;
	cb->iif = t->dif;
	cb->charge = charge;
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_rmem_alloc += (int)charge;
	sk->sk_data_ready(sk);
}

bool udp_lib_unicast_rcv(struct ut_stack *stack, struct sk_buff *skb, const struct udp_tuple *t)
{
	struct sock *sk = udp_lib_lookup(stack, t);

	if (!sk)
		return false;
	udp_queue_rcv(sk, skb, t, skb->truesize);
	return true;
}

/* Linux's __udp4_lib_mcast_deliver and __udp6_lib_mcast_deliver: the
 * first socket in the chain gets the datagram itself and the others
 * clones. */
void udp_lib_mcast_deliver(struct ut_stack *stack, struct sk_buff *skb, const struct udp_tuple *t)
{
	struct sock *first = NULL;

	for (struct sock_common *c = inet_lhash_chain(&stack->udp_hashinfo, t->dport); c;
	     c = c->skc_node_next) {
		struct sock *sk = container_of(c, struct sock, __sk_common);
		struct sk_buff *copy;

		if (udp_score(sk, t) < 0)
			continue;
		if (!first) {
			first = sk;
			continue;
		}
		copy = skb_clone(skb);
		if (!copy) {
			/* Linux counts a failed clone as a receive buffer
			 * error of that socket. */
			UDPX_INC_STATS(stack, t->v6, UDP_MIB_RCVBUFERRORS);
			UDPX_INC_STATS(stack, t->v6, UDP_MIB_INERRORS);
			continue;
		}
		udp_queue_rcv(sk, copy, t, skb->truesize);
	}
	if (first) {
		udp_queue_rcv(first, skb, t, skb->truesize);
		return;
	}
	/* Nobody listens: no ICMP for a broadcast (RFC 1122 3.2.2) nor a
	 * multicast (RFC 4443 2.4 (e.3)), and Linux counts it apart from
	 * NoPorts. */
	UDPX_INC_STATS(stack, t->v6, UDP_MIB_IGNOREDMULTI);
	kfree_skb(skb);
}

/* A datagram for this host, data at the UDP header (Linux's
 * __udp4_lib_rcv). Consumes skb. */
static void udp_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	uint32_t saddr = cb->saddr, daddr = cb->daddr;
	bool mcast = (cb->flags & IPSKB_BROADCAST) || IN_MULTICAST(ntohl(daddr));
	struct udp_tuple t;
	struct wire_udp udp;

	if (wire_udp_parse(skb->data, skb->len, &udp) != WIRE_OK) {
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		goto drop;
	}
	/* A zero checksum means the sender computed none (RFC 768). A bad
	 * one is dropped silently (RFC 1122 4.1.3.4), even for no socket. */
	if (udp.check && skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_tcpudp(saddr, daddr, IPPROTO_UDP_, skb->data, udp.len) != 0) {
		SNMP_INC_STATS(stack, UDP_MIB_CSUMERRORS);
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		goto drop;
	}
	skb_trim(skb, udp.len);
	skb_pull(skb, UDP_HLEN);

	memset(&t, 0, sizeof(t));
	t.saddr = saddr;
	t.daddr = daddr;
	t.sport = udp.sport;
	t.dport = udp.dport;
	t.dif = skb->dev->ifindex;
	if (mcast) {
		udp_lib_mcast_deliver(stack, skb, &t);
		return;
	}
	if (udp_lib_unicast_rcv(stack, skb, &t))
		return;
	skb_push(skb, UDP_HLEN);
	if (stack_group_steer(skb, skb_network_header(skb), udp.dport))
		goto drop;
	SNMP_INC_STATS(stack, UDP_MIB_NOPORTS);
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
drop:
	kfree_skb(skb);
}

/* An ICMP error about a datagram we sent (Linux's __udp4_lib_err). Like
 * Linux without IP_RECVERR, only a connected socket hears of it, and only
 * of a hard error: its next send or receive fails with it (ECONNREFUSED
 * after port unreachable). Soft errors (net or host unreachable, time
 * exceeded) are ignored. IP_RECVERR queues every error (the quoted
 * payload, the ICMP type, code and sender) and makes it pending. An error for no socket counts in Icmp InErrors. */
static void udp_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code, uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	const struct inet_skb_parm *ip = IPCB(skb);
	struct sock *sk;
	bool hard = false;
	int err;

	if (skb->len < UDP_HLEN)
		return;
	/* The quoted datagram is one we sent: its source is us. */
	struct udp_tuple t = {
		.saddr = ip->daddr,
		.daddr = ip->saddr,
		.sport = get_be16(skb->data + 2),
		.dport = get_be16(skb->data),
		.dif = skb->dev->ifindex,
	};
	sk = udp_lib_lookup(stack, &t);
	if (!sk) {
		SNMP_INC_STATS(stack, ICMP_MIB_INERRORS);
		return;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		/* Path MTU discovery: Linux learns the MTU for the route and
		 * reports a hard EMSGSIZE, unless discovery is off. This stack
		 * keeps no per-route MTU, so only the error remains. */
		if (sk->sk_pmtudisc == IP_PMTUDISC_DONT)
			return;
		err = EMSGSIZE;
		hard = true;
	} else {
		err = icmp_err_convert(type, code, &hard);
	}
	if (!err)
		return;
	/* With IP_RECVERR every error is queued, and is the pending
	 * error, connected or not (Linux's __udp4_lib_err). */
	if (sk->sk_recverr)
		ip_icmp_error(sk, skb, err, from, type, code, info, t.saddr, htons(t.sport),
			      UDP_HLEN);
	else if (!hard || sk->sk_state != TCP_ESTABLISHED)
		return;
	sk_set_error(sk, err);
}

const struct net_protocol udp_protocol = {
	.handler = udp_rcv,
	.err_handler = udp_err,
};

/* ---- ports --------------------------------------------------------------------------*/

/* Binds sk to snum, or to a free ephemeral port when snum is 0, and puts it
 * in the table udp_rcv searches. An ephemeral port is searched as Linux's
 * udp_lib_get_port does: from a random place in
 * net.ipv4.ip_local_port_range, any parity (TCP's bind(0) prefers odd
 * ports; UDP does not). O(ports tried). 0, -EADDRINUSE or -ENOMEM. */
int udp_lib_get_port(struct sock *sk, uint16_t snum)
{
	struct ut_stack *stack = sk->sk_stack;
	struct inet_hashinfo *h = &stack->udp_hashinfo;
	int err;

	if (snum) {
		err = inet_csk_get_port(h, sk, snum);
	} else {
		uint32_t low = (uint32_t)stack->sysctl.ip_local_port_range[0];
		uint32_t high = (uint32_t)stack->sysctl.ip_local_port_range[1];
		uint32_t remaining = high >= low ? high - low + 1 : 1;
		uint32_t first = (uint32_t)(((uint64_t)prandom_u32(&stack->rng) * remaining) >> 32);

		err = -EADDRINUSE;
		for (uint32_t i = 0; i < remaining && err == -EADDRINUSE; i++)
			err = inet_csk_get_port(h, sk, (uint16_t)(low + (first + i) % remaining));
	}
	if (err)
		return err;
	if (!sk->__sk_common.skc_node_pprev)
		inet_lhash_insert(h, sk);
	return 0;
}

/* Takes sk out of both tables and forgets its port. */
void udp_lib_unhash(struct sock *sk)
{
	struct inet_hashinfo *h = &sk->sk_stack->udp_hashinfo;

	inet_lhash_remove(sk);
	if (sk->__sk_common.skc_tb)
		inet_put_port(h, &sk->__sk_common);
	sk->sk_num = 0;
}

/* ---- connect ------------------------------------------------------------------------*/

/* The destination a datagram to daddr really goes to: as in Linux's
 * output routing, INADDR_ANY means this host (the socket's source
 * address, else 127.0.0.1). */
static uint32_t udp_real_daddr(const struct sock *sk, uint32_t daddr)
{
	if (daddr != htonl(INADDR_ANY))
		return daddr;
	return sk->sk_saddr ? sk->sk_saddr : htonl(INADDR_LOOPBACK);
}

/* The device a datagram to daddr must leave through (Linux's
 * udp_sendmsg): the socket's (SO_BINDTODEVICE), else for a multicast
 * group IP_MULTICAST_IF's; 0: the route's. */
static int udp_oif(const struct sock *sk, uint32_t daddr)
{
	if (sk->sk_bound_dev_if)
		return sk->sk_bound_dev_if;
	return IN_MULTICAST(ntohl(daddr)) ? sk->mc_index : 0;
}

/* Routes a datagram to daddr: -ENETUNREACH (counted in Ip OutNoRoutes)
 * without a route, -EACCES for a broadcast without SO_BROADCAST. */
static int udp_route(struct sock *sk, uint32_t daddr, struct fib_result *res)
{
	int err = ip_route_output_oif(sk->sk_stack, daddr, udp_oif(sk, daddr), res);

	if (err) {
		if (err == -ENETUNREACH)
			SNMP_INC_STATS(sk->sk_stack, IPSTATS_MIB_OUTNOROUTES);
		return err;
	}
	if (res->type == RTN_BROADCAST && !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;
	return 0;
}

/* Linux's ip4_datagram_connect: remembers the peer, and takes the source
 * address from the route when the socket has none. The port was bound
 * already (inet_dgram_connect autobinds). Receiving then only accepts
 * datagrams from the peer. */
int ip4_datagram_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t len)
{
	const struct sockaddr_in *usin;
	struct fib_result res;
	uint32_t daddr, src;
	int err;

	if ((err = inet_check_sockaddr(uaddr, len, false, &usin)) != 0)
		return err;
	daddr = udp_real_daddr(sk, usin->sin_addr.s_addr);
	if ((err = udp_route(sk, daddr, &res)) != 0)
		return err;
	src = res.prefsrc ? res.prefsrc : inet_select_addr(res.dev, daddr);
	if (!sk->sk_saddr)
		sk->sk_saddr = src;
	if (!sk->sk_rcv_saddr)
		sk->sk_rcv_saddr = src;
	sk->sk_daddr = daddr;
	sk->sk_dport = ntohs(usin->sin_port);
	sk->sk_state = TCP_ESTABLISHED;
	return 0;
}

/* connect(AF_UNSPEC), either family: forgets the peer, and the address
 * and port unless bind() chose them (the IPv6 ones too, so that an
 * AF_INET6 socket connected over either family is dual-stack again). */
int udp_disconnect(struct sock *sk, int flags)
{
	(void)flags;
	sk->sk_state = TCP_CLOSE;
	inet_reset_daddr(sk);
	sk->sk_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		udp_lib_unhash(sk);
	return 0;
}

/* ---- send -----------------------------------------------------------------------*/

/* ip_send_skb's fill_csum: the checksum over the pseudo-header, header and
 * payload, once the source address is known. */
static void udp_fill_csum(struct sk_buff *skb, uint32_t saddr, uint32_t daddr)
{
	uint16_t c;

	put_be16(skb->data + 6, 0);
	c = csum_tcpudp(saddr, daddr, IPPROTO_UDP_, skb->data, skb->len);
	put_be16(skb->data + 6, c ? c : 0xffff); /* 0 means "none" (RFC 768) */
}

/* What Linux's sock_alloc_send_skb checks before a datagram's first
 * buffer: a pending error (from ICMP) is returned and cleared, and a
 * socket shut down for writing gives EPIPE (without SIGPIPE for UDP). */
int udp_send_check(struct sock *sk)
{
	int err = sock_error(sk);

	if (err)
		return -err;
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	return 0;
}

/* Puts the UDP header on skb (data at the payload's first byte minus
 * UDP_HLEN, len payload bytes) and sends it (Linux's udp_send_skb). The
 * checksum is filled in by ip_send_skb's callback unless SO_NO_CHECK.
 * Consumes skb. 0 or -errno; ENOBUFS counts in Udp SndbufErrors. */
static int udp_send_skb(struct sock *sk, struct sk_buff *skb, uint32_t saddr, uint32_t daddr,
			uint16_t dport, size_t len)
{
	struct ut_stack *stack = sk->sk_stack;
	int err;

	bool mcast = IN_MULTICAST(ntohl(daddr));

	wire_udp_emit(skb->data, sk->sk_num, dport, len, 0, 0);
	sock_tx_timestamp_dgram(sk, skb, udp_sk(sk)->tx_tsflags);
	struct ip_out_params p = {
		/* to a group, from IP_MULTICAST_IF's address if it gave one */
		.saddr = !saddr && mcast ? sk->mc_addr : saddr,
		.daddr = daddr,
		.protocol = IPPROTO_UDP_,
		.tos = sk->sk_tos,
		.ttl = mcast ? sk->mc_ttl : (sk->sk_ttl ? sk->sk_ttl : -1),
		.pmtudisc = sk->sk_pmtudisc,
		.oif = udp_oif(sk, daddr),
	};
	/* IP_MULTICAST_TTL 0 keeps a datagram on this host: Linux's
	 * ip_mc_output loops a copy to local members and sends nothing. */
	if (mcast && !sk->mc_ttl) {
		kfree_skb(skb);
		SNMP_INC_STATS(stack, UDP_MIB_OUTDATAGRAMS);
		return 0;
	}
	err = ip_send_skb(stack, skb, &p, sk->sk_no_check_tx ? NULL : udp_fill_csum);
	if (err) {
		if (err == -ENOBUFS)
			SNMP_INC_STATS(stack, UDP_MIB_SNDBUFERRORS);
		return err;
	}
	SNMP_INC_STATS(stack, UDP_MIB_OUTDATAGRAMS);
	return 0;
}

/* Forgets a corked datagram (Linux's udp_flush_pending_frames). */
static void udp_flush_pending(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);

	skb_queue_purge(&sk->sk_write_queue);
	sk->sk_wmem_queued = 0;
	up->pending = 0;
	up->pend_len = 0;
}

/* Sends the corked datagram as one (Linux's udp_push_pending_frames and
 * udp_v6_push_pending_frames): its pieces are copied into one buffer, a
 * second copy that only corked data pays, and sent by its family. */
int udp_push_pending(struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct sk_buff *skb, *piece;
	bool v6 = up->pending == AF_INET6;
	uint8_t *p;
	int err;

	if (!up->pending)
		return 0;
	skb = stack_alloc_skb(stack, UDP_HLEN + up->pend_len);
	if (!skb) {
		udp_flush_pending(sk);
		UDPX_INC_STATS(stack, v6, UDP_MIB_SNDBUFERRORS);
		return -ENOBUFS;
	}
	p = skb_put(skb, UDP_HLEN + up->pend_len) + UDP_HLEN;
	while ((piece = skb_dequeue(&sk->sk_write_queue)) != NULL) {
		memcpy(p, piece->data, piece->len);
		p += piece->len;
		kfree_skb(piece);
	}
	uint32_t saddr = up->pend_saddr, daddr = up->pend_daddr, len = up->pend_len;
	uint16_t dport = up->pend_dport;
	if (v6) {
		/* IPv6's send reads the corked addresses: forget them after */
		err = udp_v6_push_skb(sk, skb, len);
		udp_flush_pending(sk);
		return err;
	}
	udp_flush_pending(sk);
	return udp_send_skb(sk, skb, saddr, daddr, dport, len);
}

/* Adds len bytes from msg to the corked datagram, and sends it unless more
 * is to come. As in Linux's ip_append_data and ip6_append_data, a
 * datagram grown past what its family may carry is EMSGSIZE and the whole
 * of it is dropped. */
int udp_append_pending(struct sock *sk, const struct msghdr *msg, size_t len, bool corkreq)
{
	struct udp_sock *up = udp_sk(sk);

	if (len > up->pend_max - up->pend_len) {
		udp_flush_pending(sk);
		return -EMSGSIZE;
	}
	if (len) {
		struct sk_buff *piece = alloc_skb(sk->sk_stack->pool, (uint32_t)len);
		struct iov_iter it;
		if (!piece) {
			bool v6 = up->pending == AF_INET6;
			udp_flush_pending(sk);
			UDPX_INC_STATS(sk->sk_stack, v6, UDP_MIB_SNDBUFERRORS);
			return -ENOBUFS;
		}
		iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
		copy_from_iter(skb_put(piece, (uint32_t)len), len, &it);
		skb_queue_tail(&sk->sk_write_queue, piece);
		sk->sk_wmem_queued += (int)piece->truesize;
		up->pend_len += (uint32_t)len;
	}
	return corkreq ? 0 : udp_push_pending(sk);
}

/* Linux's udp_sendmsg. The port is bound already (inet_sendmsg
 * autobinds). Sends are immediate: the datagram is with IP (and the
 * device queue or the neighbour's queue) when this returns, so there is
 * no send buffer to wait for and MSG_DONTWAIT changes nothing; SO_SNDBUF
 * is kept but does not limit UDP. */
ssize_t udp_sendmsg(struct sock *sk, const struct msghdr *msg, size_t len, int flags)
{
	struct udp_sock *up = udp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	bool corkreq = up->corkflag || (flags & MSG_MORE);
	struct fib_result res;
	struct sk_buff *skb;
	struct iov_iter it;
	uint32_t daddr;
	uint16_t dport;
	int err;

	if (len > 0xffff)
		return -EMSGSIZE;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	up->tx_tsflags = sk->sk_tsflags;
	if ((err = sock_cmsg_tsflags(msg, &up->tx_tsflags)) != 0)
		return err;
	/* A corked datagram keeps its first call's destination: later calls
	 * only add to it, whatever address they name; an AF_INET6 socket's
	 * IPv6 datagram takes no IPv4 addition (Linux: EINVAL). */
	if (up->pending == AF_INET6)
		return -EINVAL;
	if (up->pending) {
		err = udp_append_pending(sk, msg, len, corkreq);
		return err ? err : (ssize_t)len;
	}
	if (msg->msg_name) {
		const struct sockaddr_in *usin = msg->msg_name;
		if (msg->msg_namelen < sizeof(*usin))
			return -EINVAL;
		if (usin->sin_family != AF_INET && usin->sin_family != AF_UNSPEC)
			return -EAFNOSUPPORT;
		daddr = usin->sin_addr.s_addr;
		dport = ntohs(usin->sin_port);
		if (!dport)
			return -EINVAL;
	} else {
		/* A connected socket's peer; sendto() with an address on a
		 * connected socket just uses that address (no EISCONN). */
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = sk->sk_daddr;
		dport = sk->sk_dport;
	}
	daddr = udp_real_daddr(sk, daddr);
	if ((err = udp_route(sk, daddr, &res)) != 0)
		return err;
	if (len > UDP_MAX_PAYLOAD)
		goto emsgsize;
	if ((err = udp_send_check(sk)) != 0)
		return err;
	if (corkreq) {
		up->pending = AF_INET;
		up->pend_max = UDP_MAX_PAYLOAD;
		up->pend_saddr = sk->sk_saddr ? sk->sk_saddr : res.prefsrc;
		up->pend_daddr = daddr;
		up->pend_dport = dport;
		up->pend_len = 0;
		err = udp_append_pending(sk, msg, len, true);
		return err ? err : (ssize_t)len;
	}
	skb = stack_alloc_skb(stack, (uint32_t)(UDP_HLEN + len));
	if (!skb) {
		SNMP_INC_STATS(stack, UDP_MIB_SNDBUFERRORS);
		return -ENOBUFS;
	}
	uint8_t *h = skb_put(skb, (uint32_t)(UDP_HLEN + len));
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	copy_from_iter(h + UDP_HLEN, len, &it);
	err = udp_send_skb(sk, skb, sk->sk_saddr, daddr, dport, len);
	if (err == -EMSGSIZE)
		goto emsgsize;
	return err ? err : (ssize_t)len;
emsgsize:
	/* Linux's ip_append_data: the error is queued too, naming the
	 * connected port (0 when not connected) and the route's MTU, which
	 * Linux's ipv4_mtu caps at IP_MAX_MTU (loopback's 65536). */
	ip_local_error(sk, EMSGSIZE, daddr,
		       sk->sk_state == TCP_ESTABLISHED ? htons(sk->sk_dport) : 0,
		       res.dev ? MIN(res.dev->mtu, 0xffffu) : 0);
	return -EMSGSIZE;
}

/* ---- receive calls -----------------------------------------------------------------*/

/* Linux's udp_recvmsg: one datagram per call.
 *  - A pending error (ECONNREFUSED after port unreachable on a connected
 *    socket) is returned, and cleared, before any queued datagram.
 *  - With nothing queued: EAGAIN at once for MSG_DONTWAIT or O_NONBLOCK,
 *    even after shutdown(SHUT_RD); a blocking call returns 0 after
 *    SHUT_RD, else waits until a datagram, an error or SO_RCVTIMEO
 *    (EAGAIN).
 *  - A short buffer cuts the datagram (the rest is lost) and sets
 *    MSG_TRUNC in msg_flags; the MSG_TRUNC flag returns the datagram's
 *    real length. MSG_PEEK leaves it queued.
 *  - MSG_ERRQUEUE reads the error queue, never waiting (inet_recv_error).
 *  - SO_TIMESTAMP(NS) and SO_TIMESTAMPING give the arrival time.
 * Udp InDatagrams (Udp6 for an IPv6 datagram) counts each datagram read
 * (not peeked). The sender is named in the socket's family, as Linux's
 * udpv6_recvmsg does: an IPv4 sender v4-mapped (RFC 3493 3.7), a
 * link-local one with the scope of the device it came in on (RFC 4007
 * 11). */
ssize_t udp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len)
{
	uint64_t timeo, deadline;
	struct sk_buff *skb;
	struct iov_iter it;
	size_t copied;

	if (flags & MSG_ERRQUEUE)
		return inet_recv_error(sk, msg, len, addr_len);
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	deadline = sock_deadline(sk, timeo);
	for (;;) {
		int err = sock_error(sk);
		if (err)
			return -err;
		if ((skb = skb_peek(&sk->sk_receive_queue)) != NULL)
			break;
		if (!timeo)
			return -EAGAIN;
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			return 0;
		err = sk_wait(sk, deadline);
		if (err == -EAGAIN)
			timeo = 0; /* timed out: one last look, as Linux takes */
		else if (err)
			return err;
	}
	copied = MIN(len, (size_t)skb->len);
	if (copied < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	copy_to_iter(skb->data, copied, &it);
	if (msg->msg_name) {
		const struct udp_skb_cb *cb = UDP_SKB_CB(skb);
		socklen_t nl = msg->msg_namelen;
		if (sk->sk_family == AF_INET6)
			inet6_put_sockaddr(msg->msg_name, &nl, &cb->saddr, cb->sport,
					   cb->v6 ? cb->iif : 0);
		else
			inet_put_sockaddr(msg->msg_name, &nl, ipv6_addr_v4(&cb->saddr), cb->sport);
		*addr_len = (int)nl;
	}
	sock_recv_timestamp(msg, sk, skb->tstamp, false);
	if (flags & MSG_TRUNC)
		copied = skb->len;
	if (!(flags & MSG_PEEK)) {
		skb_unlink(skb, &sk->sk_receive_queue);
		sk->sk_rmem_alloc -= (int)UDP_SKB_CB(skb)->charge;
		UDPX_INC_STATS(sk->sk_stack, UDP_SKB_CB(skb)->v6, UDP_MIB_INDATAGRAMS);
		kfree_skb(skb);
	}
	return (ssize_t)copied;
}

/* ---- options ------------------------------------------------------------------------*/

/* SOL_UDP options (Linux's udp_lib_setsockopt): UDP_CORK. Turning the
 * cork off sends what it held. */
int udp_lib_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen)
{
	struct udp_sock *up = udp_sk(sk);
	int val;

	if (optlen < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(&val, optval, sizeof(val));
	switch (optname) {
	case UDP_CORK:
		if (val) {
			up->corkflag = true;
		} else {
			up->corkflag = false;
			udp_push_pending(sk);
		}
		return 0;
	}
	return -ENOPROTOOPT;
}

/* SOL_UDP is ours; any other level goes to ip_setsockopt (IP_TTL, IP_TOS,
 * IP_MTU_DISCOVER), which refuses all but SOL_IP; SOL_SOCKET never
 * reaches here (sock_setsockopt). */
static int udp_setsockopt(struct sock *sk, int level, int optname, const void *optval,
			  socklen_t optlen)
{
	if (level == SOL_UDP)
		return udp_lib_setsockopt(sk, optname, optval, optlen);
	return ip_setsockopt(sk, level, optname, optval, optlen);
}

/* SOL_UDP's getsockopt (Linux's udp_lib_getsockopt). */
int udp_lib_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen)
{
	int val;

	if ((int)*optlen < 0)
		return -EINVAL;
	switch (optname) {
	case UDP_CORK:
		val = udp_sk(sk)->corkflag;
		return sock_put_optval(optval, optlen, &val, sizeof(val));
	}
	return -ENOPROTOOPT;
}

static int udp_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen)
{
	if (level == SOL_UDP)
		return udp_lib_getsockopt(sk, optname, optval, optlen);
	return ip_getsockopt(sk, level, optname, optval, optlen);
}

/* ---- poll, close ------------------------------------------------------------------*/

/* Linux's datagram_poll: readable with a datagram queued or after
 * SHUT_RD, EPOLLERR with a pending error or a queued one (and EPOLLPRI
 * with SO_SELECT_ERR_QUEUE), EPOLLHUP once shut down both
 * ways; always writable, since sends never wait for buffer space. */
unsigned udp_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	unsigned mask = 0;

	if (!sk)
		return EPOLLHUP;
	if (sk->sk_err || !skb_queue_empty(&sk->sk_error_queue))
		mask |= EPOLLERR | (sock_flag(sk, SOCK_SELECT_ERR_QUEUE) ? EPOLLPRI : 0);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= EPOLLHUP;
	if (!skb_queue_empty(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	return mask;
}

/* Frees what the socket holds: its place in the tables, the datagrams
 * queued for it (their memory uncharged) and any corked datagram. */
void udp_lib_destroy(struct sock *sk)
{
	struct sk_buff *skb;

	udp_lib_unhash(sk);
	sock_purge_err_queue(sk);
	while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) {
		sk->sk_rmem_alloc -= (int)UDP_SKB_CB(skb)->charge;
		kfree_skb(skb);
	}
	udp_flush_pending(sk);
}

/* close(): nothing to wait for; the sock goes at once (Linux's
 * udp_lib_close, sk_common_release). */
void udp_lib_close(struct sock *sk, uint64_t timeout)
{
	(void)timeout;
	sock_orphan(sk);
	sk->sk_state = TCP_CLOSE;
	udp_lib_destroy(sk);
	sk_destroy(sk);
}

const struct proto udp_prot = {
	.obj_size = sizeof(struct udp_sock),
	.close = udp_lib_close,
	.connect = ip4_datagram_connect,
	.disconnect = udp_disconnect,
	.setsockopt = udp_setsockopt,
	.getsockopt = udp_getsockopt,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.get_port = udp_lib_get_port,
	.unhash = udp_lib_unhash,
	.destroy = udp_lib_destroy,
};
