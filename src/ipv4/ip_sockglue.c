/* IP-level socket options (Linux's net/ipv4/ip_sockglue.c), shared by TCP
 * and UDP sockets: IP_TTL, IP_TOS, IP_MTU_DISCOVER, IP_MTU, IP_FREEBIND,
 * IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_MULTICAST_IF and IP_RECVERR. */
#include <errno.h>
#include <string.h>

#include "net/af_inet.h"
#include "net/errqueue.h"
#include "net/inet_ecn.h"
#include "net/ip.h"
#include "net/netdevice.h"
#include "net/route.h"
#include "net/stack.h"
#include "net/tcp.h"

/* IP_MULTICAST_IF: an ip_mreqn, an ip_mreq or a bare address, told apart
 * by length as Linux does; the address names the device when no index
 * does. */
static int ip_set_mcast_if(struct sock *sk, const void *optval, socklen_t optlen)
{
	struct ip_mreqn mreq;
	struct net_device *dev;

	if (sk->sk_type == SOCK_STREAM || optlen < (socklen_t)sizeof(struct in_addr))
		return -EINVAL;
	memset(&mreq, 0, sizeof(mreq));
	if (optlen >= (socklen_t)sizeof(struct ip_mreqn))
		memcpy(&mreq, optval, sizeof(mreq));
	else if (optlen >= (socklen_t)sizeof(struct ip_mreq))
		memcpy(&mreq, optval, sizeof(struct ip_mreq)); /* its interface is imr_address */
	else
		memcpy(&mreq.imr_address, optval, sizeof(struct in_addr));
	if (!mreq.imr_ifindex) {
		if (mreq.imr_address.s_addr == htonl(INADDR_ANY)) {
			sk->mc_index = 0;
			sk->mc_addr = 0;
			return 0;
		}
		dev = ip_dev_find(sk->sk_stack, mreq.imr_address.s_addr);
		if (dev)
			mreq.imr_ifindex = dev->ifindex;
	} else {
		dev = dev_get_by_index(sk->sk_stack, mreq.imr_ifindex);
	}
	if (!dev)
		return -EADDRNOTAVAIL;
	/* a socket bound to a device sends through no other */
	if (sk->sk_bound_dev_if && mreq.imr_ifindex != sk->sk_bound_dev_if)
		return -EINVAL;
	sk->mc_index = mreq.imr_ifindex;
	sk->mc_addr = mreq.imr_address.s_addr;
	return 0;
}

/* IP_MTU: the path MTU toward a connected socket's peer (Linux's
 * dst_mtu of the socket's route): TCP's as it knows it, else the route's.
 * False when the socket has no peer or no route. */
static bool ip_sk_path_mtu(struct sock *sk, int *mtu)
{
	struct fib_result res;

	if (!sk->sk_dport || !sk->sk_daddr)
		return false;
	if (sk->sk_protocol == IPPROTO_TCP && inet_csk(sk)->icsk_pmtu_cookie) {
		*mtu = (int)inet_csk(sk)->icsk_pmtu_cookie;
		return true;
	}
	if (ip_route_output_oif(sk->sk_stack, sk->sk_daddr, sk->sk_bound_dev_if, &res) || !res.dev)
		return false;
	*mtu = (int)ip_dev_mtu(res.dev);
	return true;
}

int ip_setsockopt(struct sock *sk, int level, int optname, const void *optval, socklen_t optlen)
{
	int val = 0;

	if (level != SOL_IP)
		return -ENOPROTOOPT;

	/* As Linux's do_ip_setsockopt: an int when there is room for one,
	 * else one unsigned byte; nothing at all reads as 0. */
	if (optlen >= (socklen_t)sizeof(int)) {
		memcpy(&val, optval, sizeof(int));
	} else if (optlen >= 1) {
		unsigned char c;
		memcpy(&c, optval, 1);
		val = c;
	}
	switch (optname) {
	case IP_MULTICAST_IF:
		return ip_set_mcast_if(sk, optval, optlen);
	case IP_FREEBIND:
		if (optlen < 1)
			return -EINVAL;
		inet_assign_bit(sk, INET_FLAGS_FREEBIND, val != 0);
		return 0;
	case IP_MULTICAST_LOOP:
		/* Kept and reported: without group membership (no
		 * IP_ADD_MEMBERSHIP yet) nothing sent is looped back, as
		 * on Linux when no local socket joined the group. */
		if (optlen < 1)
			return -EINVAL;
		inet_assign_bit(sk, INET_FLAGS_MC_LOOP, val != 0);
		return 0;
	case IP_MULTICAST_TTL:
		if (sk->sk_type == SOCK_STREAM || optlen < 1)
			return -EINVAL;
		if (val == -1) /* the default */
			val = 1;
		if (val < 0 || val > 255)
			return -EINVAL;
		sk->mc_ttl = (uint8_t)val;
		return 0;
	case IP_TTL:
		if (optlen < 1)
			return -EINVAL;
		/* -1 restores net.ipv4.ip_default_ttl */
		if (val != -1 && (val < 1 || val > 255))
			return -EINVAL;
		sk->sk_ttl = val < 0 ? 0 : (uint8_t)val;
		return 0;
	case IP_TOS:
		/* TCP keeps the two ECN bits for itself, as Linux does: the
		 * application's value cannot change what ECN put there. */
		if (sk->sk_type == SOCK_STREAM)
			val = (val & ~INET_ECN_MASK) | (sk->sk_tos & INET_ECN_MASK);
		sk->sk_tos = (uint8_t)val;
		return 0;
	case IP_MTU_DISCOVER:
		if (val < IP_PMTUDISC_DONT || val > IP_PMTUDISC_DO)
			return -EINVAL;
		sk->sk_pmtudisc = (uint8_t)val;
		return 0;
	case IP_RECVERR:
		/* off drops the errors queued, not the stamps (Linux) */
		sk->sk_recverr = val != 0;
		if (!val)
			skb_errqueue_purge(sk);
		return 0;
	}
	return -ENOPROTOOPT;
}

int ip_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen)
{
	int val;

	/* Linux's do_ip_getsockopt answers another level so, where its
	 * setsockopt says ENOPROTOOPT. */
	if (level != SOL_IP)
		return -EOPNOTSUPP;

	switch (optname) {
	case IP_MULTICAST_IF: {
		struct in_addr a = {sk->mc_addr};
		return sock_put_optval(optval, optlen, &a, sizeof(a));
	}
	case IP_MTU:
		if (!ip_sk_path_mtu(sk, &val))
			return -ENOTCONN;
		break;
	case IP_FREEBIND:
		val = inet_test_bit(sk, INET_FLAGS_FREEBIND);
		break;
	case IP_MULTICAST_LOOP:
		val = inet_test_bit(sk, INET_FLAGS_MC_LOOP);
		break;
	case IP_MULTICAST_TTL:
		val = sk->mc_ttl;
		break;
	case IP_TTL:
		val = sk->sk_ttl ? sk->sk_ttl : (int)sk->sk_stack->sysctl.ip_default_ttl;
		break;
	case IP_TOS:
		val = sk->sk_tos;
		break;
	case IP_MTU_DISCOVER:
		val = sk->sk_pmtudisc;
		break;
	case IP_RECVERR:
		val = sk->sk_recverr;
		break;
	default:
		return -ENOPROTOOPT;
	}
	/* Linux's do_ip_getsockopt answers a shorter buffer with one byte
	 * when the value fits in one. */
	if (*optlen > 0 && *optlen < (socklen_t)sizeof(int) && val >= 0 && val <= 255) {
		unsigned char c = (unsigned char)val;
		*optlen = 1;
		return sock_put_optval(optval, optlen, &c, 1);
	}
	return sock_put_optval(optval, optlen, &val, sizeof(val));
}
