/* UDP (RFC 768, Linux's net/ipv4/udp.c and datagram.c): datagram sockets
 * with the same lookup rules, errors and counters as Linux. A datagram for
 * no socket is checked, counted and answered with port unreachable. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "net/af_inet.h"
#include "net/icmp.h"
#include "net/route.h"
#include "net/stack.h"
#include "net/tcp.h"

/* What a queued datagram remembers of where it came from. */
struct udp_skb_cb {
	uint32_t saddr;
	uint16_t sport;
};
#define UDP_SKB_CB(skb) ((struct udp_skb_cb *)(void *)&(skb)->cb[0])

#define UDP_MAX_PAYLOAD (65535 - IPV4_HLEN_MIN - 8)

/* ---- lookup ---------------------------------------------------------------------*/

/* How well sk matches a datagram from saddr:sport to daddr:dport, as
 * Linux's compute_score: a bound address and a connected peer count;
 * a mismatch on either excludes the socket. -1: no match. */
static int udp_score(const struct sock *sk, uint32_t saddr, uint16_t sport, uint32_t daddr,
		     uint16_t dport)
{
	int score = 0;

	if (sk->sk_num != dport)
		return -1;
	if (sk->sk_rcv_saddr) {
		if (sk->sk_rcv_saddr != daddr)
			return -1;
		score += 4;
	}
	if (sk->sk_daddr) {
		if (sk->sk_daddr != saddr)
			return -1;
		score += 4;
	}
	if (sk->sk_dport) {
		if (sk->sk_dport != sport)
			return -1;
		score += 4;
	}
	return score;
}

static struct sock *udp_lookup(struct ut_stack *stack, uint32_t saddr, uint16_t sport,
			       uint32_t daddr, uint16_t dport)
{
	struct sock *best = NULL;
	int best_score = -1;

	for (struct sock_common *c = inet_lhash_chain(&stack->udp_hashinfo, dport); c;
	     c = c->skc_node_next) {
		struct sock *sk = container_of(c, struct sock, __sk_common);
		int score = udp_score(sk, saddr, sport, daddr, dport);
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	return best;
}

/* ---- receive ---------------------------------------------------------------------*/

/* Queues a datagram (data at the payload) on sk. Consumes skb. */
static void udp_queue_rcv(struct sock *sk, struct sk_buff *skb, uint32_t saddr, uint16_t sport)
{
	struct ut_stack *stack = sk->sk_stack;

	if (sk->sk_rmem_alloc + (int)skb->truesize > sk->sk_rcvbuf) {
		SNMP_INC_STATS(stack, UDP_MIB_RCVBUFERRORS);
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		kfree_skb(skb);
		return;
	}
	UDP_SKB_CB(skb)->saddr = saddr;
	UDP_SKB_CB(skb)->sport = sport;
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_rmem_alloc += (int)skb->truesize;
	SNMP_INC_STATS(stack, UDP_MIB_INDATAGRAMS);
	sk->sk_data_ready(sk);
}

static void udp_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct inet_skb_parm *cb = IPCB(skb);
	uint32_t saddr = cb->saddr, daddr = cb->daddr;
	bool mcast = (cb->flags & IPSKB_BROADCAST) || IN_MULTICAST(ntohl(daddr));
	struct wire_udp udp;
	struct sock *sk;

	if (wire_udp_parse(skb->data, skb->len, &udp) != WIRE_OK) {
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		goto drop;
	}
	/* A zero checksum means the sender computed none (RFC 768). */
	if (udp.check && skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_tcpudp(saddr, daddr, IPPROTO_UDP_, skb->data, udp.len) != 0) {
		SNMP_INC_STATS(stack, UDP_MIB_CSUMERRORS);
		SNMP_INC_STATS(stack, UDP_MIB_INERRORS);
		goto drop;
	}
	skb_trim(skb, udp.len);
	skb_pull(skb, 8);

	if (mcast) {
		/* Every matching socket gets its own copy (Linux's
		 * __udp4_lib_mcast_deliver). */
		struct sock *first = NULL;
		for (struct sock_common *c = inet_lhash_chain(&stack->udp_hashinfo, udp.dport); c;
		     c = c->skc_node_next) {
			struct sock *s2 = container_of(c, struct sock, __sk_common);
			if (udp_score(s2, saddr, udp.sport, daddr, udp.dport) < 0 &&
			    !(s2->sk_num == udp.dport && !s2->sk_daddr &&
			      (!s2->sk_rcv_saddr || s2->sk_rcv_saddr == daddr ||
			       inet_addr_type(stack, s2->sk_rcv_saddr) == RTN_BROADCAST)))
				continue;
			if (!first) {
				first = s2;
				continue;
			}
			struct sk_buff *copy = skb_clone(skb);
			if (copy)
				udp_queue_rcv(s2, copy, saddr, udp.sport);
		}
		if (first) {
			udp_queue_rcv(first, skb, saddr, udp.sport);
			return;
		}
		/* no error for broadcasts: Linux counts them apart */
		SNMP_INC_STATS(stack, UDP_MIB_IGNOREDMULTI);
		goto drop;
	}
	sk = udp_lookup(stack, saddr, udp.sport, daddr, udp.dport);
	if (sk) {
		udp_queue_rcv(sk, skb, saddr, udp.sport);
		return;
	}
	SNMP_INC_STATS(stack, UDP_MIB_NOPORTS);
	skb_push(skb, 8);
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
drop:
	kfree_skb(skb);
}

/* An ICMP error about a datagram we sent. Like Linux without IP_RECVERR,
 * only a connected socket hears of it, and only of hard errors (port
 * unreachable is ECONNREFUSED on its next call). */
static void udp_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code,
		    uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	const struct inet_skb_parm *ip = IPCB(skb);
	struct sock *sk;
	int err = 0;
	bool hard = false;

	(void)from, (void)info;
	if (skb->len < 8)
		return;
	uint16_t sport = get_be16(skb->data), dport = get_be16(skb->data + 2);
	sk = udp_lookup(stack, ip->daddr, dport, ip->saddr, sport);
	if (!sk || !sk->sk_daddr)
		return;
	err = icmp_err_convert(type, code, &hard);
	if (!err)
		return;
	/* Linux reports "fragmentation needed" as a hard EMSGSIZE unless
	 * path MTU discovery is off. */
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		hard = sk->sk_pmtudisc != IP_PMTUDISC_DONT;
	if (!hard || sk->sk_state != TCP_ESTABLISHED)
		return;
	sk_set_error(sk, err);
}

const struct net_protocol udp_protocol = {
	.handler = udp_rcv,
	.err_handler = udp_err,
};

/* ---- the socket ------------------------------------------------------------------*/

static int udp_get_port(struct sock *sk, uint16_t snum)
{
	struct inet_hashinfo *h = &sk->sk_stack->udp_hashinfo;
	int err = inet_csk_get_port(h, sk, snum);

	if (err)
		return err;
	if (!sk->__sk_common.skc_node_pprev)
		inet_lhash_insert(h, sk);
	return 0;
}

static void udp_unhash(struct sock *sk)
{
	struct inet_hashinfo *h = &sk->sk_stack->udp_hashinfo;

	inet_lhash_remove(h, sk);
	if (sk->__sk_common.skc_tb)
		inet_put_port(h, &sk->__sk_common);
}

static void udp_destroy(struct sock *sk)
{
	udp_unhash(sk);
	while (sk->sk_receive_queue.qlen) {
		struct sk_buff *skb = skb_dequeue(&sk->sk_receive_queue);
		sk->sk_rmem_alloc -= (int)skb->truesize;
		kfree_skb(skb);
	}
}

static void udp_close(struct sock *sk, uint64_t timeout)
{
	(void)timeout;
	sock_orphan(sk);
	sk->sk_state = TCP_CLOSE;
	udp_destroy(sk);
	sk_destroy(sk);
}

/* Linux's ip4_datagram_connect: remembers the peer, picks the source
 * address from the route. */
static int udp_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t len)
{
	const struct sockaddr_in *usin;
	struct fib_result res;
	int err;

	if ((err = inet_check_sockaddr(uaddr, len, false, &usin)) != 0)
		return err;
	if ((err = ip_route_output(sk->sk_stack, usin->sin_addr.s_addr, &res)) != 0)
		return err;
	if (res.type == RTN_BROADCAST && !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;
	if (!sk->sk_saddr) {
		sk->sk_saddr = res.prefsrc ? res.prefsrc
					   : inet_select_addr(res.dev, usin->sin_addr.s_addr);
		if (!sk->sk_rcv_saddr)
			sk->sk_rcv_saddr = sk->sk_saddr;
	}
	sk->sk_daddr = usin->sin_addr.s_addr;
	sk->sk_dport = ntohs(usin->sin_port);
	sk->sk_state = TCP_ESTABLISHED;
	return 0;
}

static int udp_disconnect(struct sock *sk, int flags)
{
	(void)flags;
	sk->sk_state = TCP_CLOSE;
	sk->sk_daddr = 0;
	sk->sk_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		sk->sk_rcv_saddr = sk->sk_saddr = 0;
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		udp_unhash(sk);
	return 0;
}

static void udp_fill_csum(struct sk_buff *skb, uint32_t saddr, uint32_t daddr)
{
	uint16_t c;

	put_be16(skb->data + 6, 0);
	c = csum_tcpudp(saddr, daddr, IPPROTO_UDP_, skb->data, skb->len);
	put_be16(skb->data + 6, c ? c : 0xffff);	/* 0 means "none" (RFC 768) */
}

static ssize_t udp_sendmsg(struct sock *sk, const struct msghdr *msg, size_t len, int flags)
{
	struct ut_stack *stack = sk->sk_stack;
	uint32_t daddr;
	uint16_t dport;
	struct fib_result res;
	struct sk_buff *skb;
	struct iov_iter it;
	int err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
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
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = sk->sk_daddr;
		dport = sk->sk_dport;
	}
	if (sk->sk_shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	if ((err = ip_route_output(stack, daddr, &res)) != 0) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTNOROUTES);
		return err;
	}
	if (res.type == RTN_BROADCAST && !sock_flag(sk, SOCK_BROADCAST))
		return -EACCES;
	skb = stack_alloc_skb(stack, (uint32_t)(8 + len));
	if (!skb) {
		SNMP_INC_STATS(stack, UDP_MIB_SNDBUFERRORS);
		return -ENOBUFS;
	}
	uint8_t *h = skb_put(skb, (uint32_t)(8 + len));
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	copy_from_iter(h + 8, len, &it);
	wire_udp_emit(h, sk->sk_num, dport, len, 0, 0);
	skb_reset_transport_header(skb);
	struct ip_out_params p = {
		.saddr = sk->sk_saddr,
		.daddr = daddr,
		.protocol = IPPROTO_UDP_,
		.tos = sk->sk_tos,
		.ttl = sk->sk_ttl ? sk->sk_ttl : -1,
		.pmtudisc = sk->sk_pmtudisc,
	};
	err = ip_send_skb(stack, skb, &p, udp_fill_csum);
	if (err)
		return err;
	SNMP_INC_STATS(stack, UDP_MIB_OUTDATAGRAMS);
	return (ssize_t)len;
}

static ssize_t udp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
			   int *addr_len)
{
	uint64_t timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	uint64_t deadline = sock_deadline(sk, timeo);
	struct sk_buff *skb;
	struct iov_iter it;
	size_t copied;

	while (!(skb = skb_peek(&sk->sk_receive_queue))) {
		int err = sock_error(sk);
		if (err)
			return -err;
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			return 0;
		if (!timeo)
			return -EAGAIN;
		err = sk_wait(sk, deadline);
		if (err)
			return err;
	}
	copied = MIN(len, (size_t)skb->len);
	if (copied < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	copy_to_iter(skb->data, copied, &it);
	if (msg->msg_name) {
		socklen_t nl = msg->msg_namelen;
		inet_put_sockaddr(msg->msg_name, &nl, UDP_SKB_CB(skb)->saddr, UDP_SKB_CB(skb)->sport);
		*addr_len = (int)nl;
	}
	if (flags & MSG_TRUNC)
		copied = skb->len;
	if (!(flags & MSG_PEEK)) {
		skb_unlink(skb, &sk->sk_receive_queue);
		sk->sk_rmem_alloc -= (int)skb->truesize;
		kfree_skb(skb);
	}
	return (ssize_t)copied;
}

static int udp_setsockopt(struct sock *sk, int level, int optname, const void *optval,
			  socklen_t optlen)
{
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	return ip_setsockopt(sk, optname, optval, optlen);
}

static int udp_getsockopt(struct sock *sk, int level, int optname, void *optval,
			  socklen_t *optlen)
{
	if (level != IPPROTO_IP)
		return -ENOPROTOOPT;
	return ip_getsockopt(sk, optname, optval, optlen);
}

/* Linux's datagram poll. */
unsigned udp_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	unsigned mask = 0;

	if (!sk)
		return EPOLLHUP;
	if (sk->sk_err)
		mask |= EPOLLERR;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= EPOLLHUP;
	if (!skb_queue_empty(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	return mask;
}

const struct proto udp_prot = {
	.name = "UDP",
	.obj_size = sizeof(struct sock),
	.close = udp_close,
	.connect = udp_connect,
	.disconnect = udp_disconnect,
	.setsockopt = udp_setsockopt,
	.getsockopt = udp_getsockopt,
	.sendmsg = udp_sendmsg,
	.recvmsg = udp_recvmsg,
	.get_port = udp_get_port,
	.unhash = udp_unhash,
	.destroy = udp_destroy,
};
