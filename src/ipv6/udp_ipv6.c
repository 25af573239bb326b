/* UDP over IPv6 (Linux's net/ipv6/udp.c and datagram.c): what names an
 * IPv6 address. The lookup, queueing, corking, the receive call, ports,
 * SOL_UDP options, poll and close are UDP's own and shared with IPv4
 * (src/ipv4/udp.c, include/net/udp.h).
 *
 * An AF_INET6 datagram socket is dual-stack unless IPV6_V6ONLY (RFC 3493
 * 3.7): bound to :: it takes IPv4 datagrams too, which IPv4's udp_rcv
 * delivers to it (skc_v4_view decides) and udp_recvmsg names v4-mapped;
 * a v4-mapped destination, in sendto() or connect(), is IPv4's to send
 * (Linux's udpv6_sendmsg hands it to udp_sendmsg with a sockaddr_in). */
#include <errno.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <string.h>

#include "net/errqueue.h"
#include "net/addrconf.h"
#include "net/af_inet.h"
#include "net/ip6_route.h"
#include "net/ipv6.h"
#include "net/stack.h"
#include "net/stack_group.h"
#include "net/tcp.h"
#include "net/transp_v6.h"
#include "net/udp.h"

/* RFC 2133's sockaddr_in6, without sin6_scope_id: the least Linux takes. */
#define SIN6_LEN_RFC2133 offsetof(struct sockaddr_in6, sin6_scope_id)

/* The most a datagram can carry without a jumbogram (RFC 8200 3: a 16-bit
 * Payload Length), less the UDP header: 65527. */
#define UDP6_MAX_PAYLOAD (IP_MAXPACKET - UDP_HLEN)

/* ---- send ---------------------------------------------------------------------------*/

/* ip6_send_skb's fill_csum. The checksum is mandatory over IPv6 (RFC 8200
 * 8.1), and a computed 0 goes out as 0xffff, since 0 would read as none. */
static void udp_v6_fill_csum(struct sk_buff *skb, const struct in6_addr *saddr,
			     const struct in6_addr *daddr)
{
	uint16_t c;

	put_be16(skb->data + 6, 0);
	c = csum_ipv6(saddr, daddr, IPPROTO_UDP_, skb->data, skb->len);
	put_be16(skb->data + 6, c ? c : 0xffff);
}

/* Puts the UDP header on skb (UDP_HLEN of room, then len payload bytes)
 * and sends it (Linux's udp_v6_send_skb) with the socket's traffic class
 * and path MTU discovery. Consumes skb. 0 or -errno; ENOBUFS counts in
 * Udp6 SndbufErrors. */
static int udp_v6_send_skb(struct sock *sk, struct sk_buff *skb, const struct in6_addr *saddr,
			   const struct in6_addr *daddr, uint16_t dport, int oif, int hop_limit,
			   uint32_t len)
{
	struct ut_stack *stack = sk->sk_stack;
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct ip6_out_params p = {
		.saddr = *saddr,
		.daddr = *daddr,
		.nexthdr = IPPROTO_UDP_,
		.tclass = np->tclass,
		.hop_limit = hop_limit,
		.oif = oif,
		.pmtudisc = np->pmtudisc,
	};
	int err;

	wire_udp_emit(skb->data, sk->sk_num, dport, len, 0, 0);
	sock_tx_timestamp_dgram(sk, skb, udp_sk(sk)->tx_tsflags);
	err = ip6_send_skb(stack, skb, &p, udp_v6_fill_csum);
	if (err) {
		if (err == -ENOBUFS)
			SNMP_INC_STATS(stack, UDP6_MIB_SNDBUFERRORS);
		return err;
	}
	SNMP_INC_STATS(stack, UDP6_MIB_OUTDATAGRAMS);
	return 0;
}

int udp_v6_push_skb(struct sock *sk, struct sk_buff *skb, uint32_t len)
{
	struct udp_sock *up = udp_sk(sk);

	return udp_v6_send_skb(sk, skb, &up->pend_saddr6, &up->pend_daddr6, up->pend_dport,
			       up->pend_oif, up->pend_hop_limit, len);
}

/* Whether addr means nothing without the interface it is on (Linux's
 * __ipv6_addr_needs_scope_id): link-local unicast, and multicast of
 * interface or link scope (RFC 4007 6). */
static bool udp_v6_needs_scope(const struct in6_addr *addr)
{
	unsigned type = ipv6_addr_type(addr);

	if (type & IPV6_ADDR_LINKLOCAL)
		return true;
	return (type & IPV6_ADDR_MULTICAST) &&
	       (IPV6_ADDR_SCOPE(type) == IPV6_ADDR_SCOPE_NODELOCAL ||
		IPV6_ADDR_SCOPE(type) == IPV6_ADDR_SCOPE_LINKLOCAL);
}

/* A datagram to the IPv4 address of a v4-mapped one (addr), port in
 * network order: IPv4's to send, unless the socket refuses IPv4 (Linux:
 * ENETUNREACH). */
static ssize_t udp_v6_send_mapped(struct sock *sk, const struct msghdr *msg, size_t len, int flags,
				  uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;
	struct msghdr m = *msg;

	if (sk->sk_ipv6only)
		return -ENETUNREACH;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = port;
	sin.sin_addr.s_addr = addr;
	m.msg_name = &sin;
	m.msg_namelen = sizeof(sin);
	return udp_sendmsg(sk, &m, len, flags);
}

/* Linux's udpv6_sendmsg; the port is bound already (inet_sendmsg
 * autobinds). Refusals in Linux's order, each errno checked against
 * Linux 6.x:
 *  - a name shorter than a family field, or of a family other than
 *    AF_INET6, AF_INET or AF_UNSPEC (taken as no name): EINVAL; an
 *    AF_INET6 name shorter than RFC 2133's 24 bytes: EINVAL;
 *  - a v4-mapped destination (or an AF_INET name) goes to udp_sendmsg,
 *    or is ENETUNREACH on a V6ONLY socket;
 *  - no name on an unconnected socket: EDESTADDRREQ; port 0: EINVAL;
 *  - a socket bound to a v4-mapped address has no IPv6 source:
 *    EAFNOSUPPORT; no route: ENETUNREACH;
 *  - more than 65527 bytes (the Payload Length's limit), or with
 *    IPV6_PMTUDISC_DO or PROBE more than the path MTU carries: EMSGSIZE
 *    (ip6_append_data).
 * Linux's udpv6_sendmsg does not refuse MSG_OOB, unlike IPv4's. */
static ssize_t udpv6_sendmsg(struct sock *sk, const struct msghdr *msg, size_t len, int flags)
{
	struct udp_sock *up = udp_sk(sk);
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	bool corkreq = up->corkflag || (flags & MSG_MORE);
	const struct sockaddr_in6 *sin6 = NULL;
	struct in6_addr daddr, saddr;
	struct rt6_result res;
	struct sk_buff *skb;
	struct iov_iter it;
	uint32_t max;
	uint16_t dport = 0;
	int err, oif = 0, hop_limit;

	up->tx_tsflags = sk->sk_tsflags;
	if ((err = sock_cmsg_tsflags(msg, &up->tx_tsflags)) != 0)
		return err;
	if (msg->msg_name) {
		const struct sockaddr *sa = msg->msg_name;
		if (msg->msg_namelen < offsetof(struct sockaddr, sa_data))
			return -EINVAL;
		switch (sa->sa_family) {
		case AF_INET6:
			if (msg->msg_namelen < SIN6_LEN_RFC2133)
				return -EINVAL;
			sin6 = msg->msg_name;
			break;
		case AF_INET:
			/* Linux lets an AF_INET6 socket name an IPv4 peer
			 * as AF_INET itself. */
			if (sk->sk_ipv6only)
				return -ENETUNREACH;
			return udp_sendmsg(sk, msg, len, flags);
		case AF_UNSPEC:
			break;
		default:
			return -EINVAL;
		}
	}
	if (sin6) {
		daddr = sin6->sin6_addr;
		dport = sin6->sin6_port;
		/* :: reaches this host, in the family of the bound address
		 * (the BSD convention Linux keeps). */
		if (ipv6_addr_any(&daddr) && ipv6_addr_v4mapped(&np->saddr))
			ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK), &daddr);
		if (ipv6_addr_v4mapped(&daddr))
			return udp_v6_send_mapped(sk, msg, len, flags, ipv6_addr_v4(&daddr), dport);
	} else if (!up->pending) {
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		if (ipv6_addr_v4mapped(&sk->sk_v6_daddr))
			return udp_v6_send_mapped(sk, msg, len, flags, sk->sk_daddr,
						  htons(sk->sk_dport));
	}
	/* A corked datagram keeps its first call's destination; an IPv4
	 * one is IPv4's to add to. */
	if (up->pending == AF_INET)
		return udp_sendmsg(sk, msg, len, flags);
	if (up->pending) {
		err = udp_append_pending(sk, msg, len, corkreq);
		return err ? err : (ssize_t)len;
	}
	if (sin6) {
		if (!sin6->sin6_port)
			return -EINVAL;
		if (msg->msg_namelen >= sizeof(*sin6) && sin6->sin6_scope_id &&
		    udp_v6_needs_scope(&daddr))
			oif = (int)sin6->sin6_scope_id;
	} else {
		if (sk->sk_state != TCP_ESTABLISHED)
			return -EDESTADDRREQ;
		daddr = sk->sk_v6_daddr;
		dport = htons(sk->sk_dport);
	}
	if (!oif)
		oif = sk->sk_bound_dev_if;
	if (ipv6_addr_any(&daddr))
		daddr = in6addr_loopback;
	/* A v4-mapped source cannot send IPv6 (Linux's ip6_dst_lookup_tail). */
	if (ipv6_addr_v4mapped(&np->saddr))
		return -EAFNOSUPPORT;
	err = ip6_route_output(stack, &daddr, oif, &res);
	if (err) {
		SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTNOROUTES);
		return err;
	}
	/* Linux's ip6_sk_dst_hoplimit: IPV6_MULTICAST_HOPS for a group,
	 * IPV6_UNICAST_HOPS otherwise; -1 leaves it to ip6_xmit (1 for a
	 * group, else the device's). */
	hop_limit = ipv6_addr_is_multicast(&daddr) ? np->mcast_hops : np->hop_limit;
	/* ip6_append_data: fragments may carry what the path MTU does not,
	 * unless the socket asked for path MTU discovery's DO or PROBE. */
	max = UDP6_MAX_PAYLOAD;
	if ((np->pmtudisc == IPV6_PMTUDISC_DO || np->pmtudisc == IPV6_PMTUDISC_PROBE) && res.dev)
		max = res.mtu > IPV6_HLEN + UDP_HLEN ? res.mtu - IPV6_HLEN - UDP_HLEN : 0;
	if (len > max) {
		/* queued too, with the path MTU (Linux's ip6_append_data) */
		ipv6_local_error(sk, EMSGSIZE, &daddr, dport,
				 max == UDP6_MAX_PAYLOAD ? (res.dev ? res.dev->mtu : 0) : res.mtu);
		return -EMSGSIZE;
	}
	if ((err = udp_send_check(sk)) != 0)
		return err;
	saddr = np->saddr;
	if (corkreq) {
		up->pending = AF_INET6;
		up->pend_max = max;
		up->pend_saddr6 = saddr;
		up->pend_daddr6 = daddr;
		up->pend_dport = ntohs(dport);
		up->pend_oif = oif;
		up->pend_hop_limit = hop_limit;
		up->pend_len = 0;
		err = udp_append_pending(sk, msg, len, true);
		return err ? err : (ssize_t)len;
	}
	skb = stack_alloc_skb(stack, (uint32_t)(UDP_HLEN + len));
	if (!skb) {
		SNMP_INC_STATS(stack, UDP6_MIB_SNDBUFERRORS);
		return -ENOBUFS;
	}
	uint8_t *h = skb_put(skb, (uint32_t)(UDP_HLEN + len));
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	copy_from_iter(h + UDP_HLEN, len, &it);
	err = udp_v6_send_skb(sk, skb, &saddr, &daddr, ntohs(dport), oif, hop_limit, (uint32_t)len);
	return err ? err : (ssize_t)len;
}

/* ---- connect ------------------------------------------------------------------------*/

/* After IPv4's connect of an AF_INET6 socket: its IPv6 view is the
 * v4-mapped forms (Linux's ip6_datagram_connect, ipv4_connected). */
static void udp_v6_mapped_connected(struct sock *sk)
{
	struct ipv6_pinfo *np = inet6_sk(sk);

	ipv6_addr_set_v4mapped(sk->sk_daddr, &sk->sk_v6_daddr);
	if (ipv6_addr_any(&np->saddr) || ipv6_addr_v4mapped(&np->saddr))
		ipv6_addr_set_v4mapped(sk->sk_saddr, &np->saddr);
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr) || ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
		ipv6_addr_set_v4mapped(sk->sk_rcv_saddr, &sk->sk_v6_rcv_saddr);
}

/* Linux's ip6_datagram_connect: remembers the peer and takes the source
 * address from the route when the socket has none; receiving then only
 * accepts datagrams from the peer. An AF_INET name or a v4-mapped address
 * connects over IPv4 (EAFNOSUPPORT and ENETUNREACH respectively on a
 * V6ONLY socket); a link-local peer needs its scope (EINVAL without one,
 * or with another than the device the socket is tied to). Connecting to
 * port 0 is allowed, as in Linux. */
static int ip6_datagram_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t len)
{
	struct ut_stack *stack = sk->sk_stack;
	struct ipv6_pinfo *np = inet6_sk(sk);
	const struct sockaddr_in6 *usin;
	struct in6_addr daddr, saddr;
	struct rt6_result res;
	uint32_t scope_id;
	unsigned type;
	int err;

	if (uaddr->sa_family == AF_INET) {
		if (sk->sk_ipv6only)
			return -EAFNOSUPPORT;
		if ((err = ip4_datagram_connect(sk, uaddr, len)) != 0)
			return err;
		udp_v6_mapped_connected(sk);
		return 0;
	}
	if ((err = inet6_check_sockaddr(uaddr, len, &usin, &scope_id)) != 0)
		return err;
	daddr = usin->sin6_addr;
	if (ipv6_addr_any(&daddr)) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
			ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK), &daddr);
		else
			daddr = in6addr_loopback;
	}
	type = ipv6_addr_kind(&daddr);
	if (type == IPV6_ADDR_MAPPED) {
		struct sockaddr_in sin;
		if (sk->sk_ipv6only)
			return -ENETUNREACH;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = usin->sin6_port;
		sin.sin_addr.s_addr = ipv6_addr_v4(&daddr);
		if ((err = ip4_datagram_connect(sk, (const struct sockaddr *)&sin, sizeof(sin))) !=
		    0)
			return err;
		udp_v6_mapped_connected(sk);
		return 0;
	}
	if (udp_v6_needs_scope(&daddr)) {
		if (scope_id) {
			if (sk->sk_bound_dev_if && sk->sk_bound_dev_if != (int)scope_id)
				return -EINVAL;
			sk->sk_bound_dev_if = (int)scope_id;
		}
		if (!sk->sk_bound_dev_if)
			return -EINVAL;
	}
	/* A socket bound to a v4-mapped address speaks IPv4 only. */
	if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr) || ipv6_addr_v4mapped(&np->saddr))
		return -EAFNOSUPPORT;
	err = ip6_route_output(stack, &daddr, sk->sk_bound_dev_if, &res);
	if (err) {
		SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTNOROUTES);
		return err;
	}
	saddr = np->saddr;
	if (ipv6_addr_any(&saddr)) {
		/* RFC 6724 rule 1: a local destination's best source is
		 * itself. */
		if (res.type == RTN_LOCAL)
			saddr = daddr;
		else if ((err = ipv6_dev_get_saddr(stack, res.dev, &daddr, &saddr)) < 0)
			return err;
		np->saddr = saddr;
	}
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr)) {
		/* Bound to the source now: no IPv4 reaches it (Linux's
		 * ip6_datagram_dst_update and LOOPBACK4_IPV6). */
		sk->sk_v6_rcv_saddr = saddr;
		sk->sk_rcv_saddr = LOOPBACK4_IPV6;
	}
	sk->sk_v6_daddr = daddr;
	sk->sk_daddr = 0;
	sk->sk_dport = ntohs(usin->sin6_port);
	sk->sk_state = TCP_ESTABLISHED;
	return 0;
}

/* ---- receive ------------------------------------------------------------------------*/

/* A datagram for this host, data at the UDP header and the network header
 * at the IPv6 header (Linux's __udp6_lib_rcv). Consumes skb.
 *  - Shorter than a UDP header, or a Length past the payload or below 8:
 *    Udp6 InErrors. A Length of 0 is the payload's (RFC 2675 4's
 *    jumbogram convention, which Linux applies to every datagram); a
 *    shorter Length than the payload cuts what follows it off.
 *  - The checksum is mandatory (RFC 8200 8.1): a zero one is dropped and
 *    counted with the bad ones in InCsumErrors and InErrors, before any
 *    lookup (so no port unreachable). Only a datagram that never left
 *    this host (lo, whose checksums are offloaded as Linux's are) is
 *    trusted without one.
 *  - A datagram to a group goes to every socket on its port
 *    (udp_lib_mcast_deliver); one to no socket is answered with port
 *    unreachable (RFC 4443 3.1) and counted in NoPorts. */
static void udpv6_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct udp_tuple t;
	uint32_t ulen;
	uint16_t check;

	if (skb->len < UDP_HLEN)
		goto discard;
	ulen = get_be16(skb->data + 4);
	if (ulen > skb->len)
		goto discard;
	if (ulen == 0)
		ulen = skb->len;
	if (ulen < UDP_HLEN)
		goto discard;
	skb_trim(skb, ulen);

	memset(&t, 0, sizeof(t));
	t.v6 = true;
	ipv6_hdr_saddr(skb, &t.saddr6);
	ipv6_hdr_daddr(skb, &t.daddr6);
	t.sport = get_be16(skb->data);
	t.dport = get_be16(skb->data + 2);
	t.dif = IP6CB(skb)->iif;
	check = get_be16(skb->data + 6);
	if (check == 0 && skb->dev != stack->loopback)
		goto csum_error;
	if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_ipv6(&t.saddr6, &t.daddr6, IPPROTO_UDP_, skb->data, ulen) != 0)
		goto csum_error;
	skb_pull(skb, UDP_HLEN);

	if (ipv6_addr_is_multicast(&t.daddr6)) {
		udp_lib_mcast_deliver(stack, skb, &t);
		return;
	}
	if (udp_lib_unicast_rcv(stack, skb, &t))
		return;
	skb_push(skb, UDP_HLEN);
	if (stack_group_steer(skb, skb_network_header(skb), t.dport)) {
		kfree_skb(skb);
		return;
	}
	SNMP_INC_STATS(stack, UDP6_MIB_NOPORTS);
	icmp6_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
	kfree_skb(skb);
	return;
csum_error:
	SNMP_INC_STATS(stack, UDP6_MIB_CSUMERRORS);
discard:
	SNMP_INC_STATS(stack, UDP6_MIB_INERRORS);
	kfree_skb(skb);
}

/* An ICMPv6 error about a datagram we sent (Linux's __udp6_lib_err),
 * skb->data at the quoted UDP header (icmpv6_notify saw 8 bytes of it)
 * and the network header at the quoted IPv6 header. As for IPv4 only a
 * connected socket hears of it, and only of a hard error: its next send
 * or receive fails with it (ECONNREFUSED after port unreachable). A
 * Packet Too Big is hard unless IPV6_PMTUDISC_DONT, and ignored with
 * INTERFACE or OMIT (Linux's ip6_sk_accept_pmtu); the route has learned
 * the MTU already (icmpv6_notify). IPV6_RECVERR queues every error and
 * makes it pending, as IPv4's IP_RECVERR. An error for no socket counts in Icmp6 InErrors. */
static void udpv6_err(struct sk_buff *skb, const struct in6_addr *from, uint8_t type, uint8_t code,
		      uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	struct udp_tuple t;
	struct sock *sk;
	bool fatal;
	int err;

	if (skb->len < UDP_HLEN)
		return;
	/* The quoted datagram is one we sent: its source is us. */
	memset(&t, 0, sizeof(t));
	t.v6 = true;
	ipv6_hdr_saddr(skb, &t.daddr6);
	ipv6_hdr_daddr(skb, &t.saddr6);
	t.sport = get_be16(skb->data + 2);
	t.dport = get_be16(skb->data);
	t.dif = skb->dev->ifindex;
	sk = udp_lib_lookup(stack, &t);
	if (!sk) {
		SNMP_INC_STATS(stack, ICMP6_MIB_INERRORS);
		return;
	}
	err = icmpv6_err_convert(type, code, &fatal);
	if (type == ICMPV6_PKT_TOOBIG) {
		uint8_t pmtudisc = inet6_sk(sk)->pmtudisc;
		if (pmtudisc == IPV6_PMTUDISC_INTERFACE || pmtudisc == IPV6_PMTUDISC_OMIT)
			return;
		fatal = pmtudisc != IPV6_PMTUDISC_DONT;
	}
	if (!err)
		return;
	if (inet6_sk(sk)->recverr)
		ipv6_icmp_error(sk, skb, err, from, type, code, info, &t.saddr6, htons(t.sport),
				UDP_HLEN);
	else if (!fatal || sk->sk_state != TCP_ESTABLISHED)
		return;
	sk_set_error(sk, err);
}

const struct inet6_protocol udpv6_protocol = {
	.handler = udpv6_rcv,
	.err_handler = udpv6_err,
};

/* ---- options ------------------------------------------------------------------------*/

/* SOL_UDP is UDP's; any other level is IPv6's (ipv6_setsockopt, which
 * takes SOL_IP's too: the socket may speak IPv4). */
static int udpv6_setsockopt(struct sock *sk, int level, int optname, const void *optval,
			    socklen_t optlen)
{
	if (level == SOL_UDP)
		return udp_lib_setsockopt(sk, optname, optval, optlen);
	return ipv6_setsockopt(sk, level, optname, optval, optlen);
}

static int udpv6_getsockopt(struct sock *sk, int level, int optname, void *optval,
			    socklen_t *optlen)
{
	if (level == SOL_UDP)
		return udp_lib_getsockopt(sk, optname, optval, optlen);
	return ipv6_getsockopt(sk, level, optname, optval, optlen);
}

/* UDP over IPv6 as the socket layer calls it (Linux's udpv6_prot). */
const struct proto udpv6_prot = {
	.obj_size = sizeof(struct udp_sock),
	.close = udp_lib_close,
	.connect = ip6_datagram_connect,
	.disconnect = udp_disconnect,
	.setsockopt = udpv6_setsockopt,
	.getsockopt = udpv6_getsockopt,
	.sendmsg = udpv6_sendmsg,
	.recvmsg = udp_recvmsg,
	.get_port = udp_lib_get_port,
	.unhash = udp_lib_unhash,
	.destroy = udp_lib_destroy,
};
