/* IPv6-level socket options (Linux's net/ipv6/ipv6_sockglue.c), shared by
 * TCP and UDP sockets of family AF_INET6: IPV6_V6ONLY, IPV6_UNICAST_HOPS,
 * IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_TCLASS, IPV6_RECVERR,
 * IPV6_MTU_DISCOVER and IPV6_MTU. An AF_INET6 socket may speak IPv4 (to a
 * v4-mapped peer), so SOL_IP's options are IPv4's. The errno of each
 * refusal is the kernel's (checked against Linux 6.x). */
#include <errno.h>
#include <string.h>

#include "net/errqueue.h"
#include "net/addrconf.h"
#include "net/af_inet.h"
#include "net/inet_ecn.h"
#include "net/ip6_route.h"
#include "net/stack.h"
#include "net/transp_v6.h"

/* The route toward a connected socket's IPv6 peer, if it has one. */
static bool ipv6_sk_route(struct sock *sk, struct rt6_result *res)
{
	if (sk->sk_family != AF_INET6 || !sk->sk_dport || ipv6_addr_any(&sk->sk_v6_daddr) ||
	    ipv6_addr_v4mapped(&sk->sk_v6_daddr))
		return false;
	return ip6_route_output(sk->sk_stack, &sk->sk_v6_daddr, sk->sk_bound_dev_if, res) == 0 &&
	       res->dev;
}

int ipv6_setsockopt(struct sock *sk, int level, int optname, const void *optval, socklen_t optlen)
{
	struct ipv6_pinfo *np = inet6_sk(sk);
	int val = 0;

	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (level != SOL_IPV6)
		return -ENOPROTOOPT;
	/* As Linux's do_ipv6_setsockopt: every option here takes an int. */
	if (optlen >= (socklen_t)sizeof(int))
		memcpy(&val, optval, sizeof(int));
	switch (optname) {
	case IPV6_V6ONLY:
		if (optlen < (socklen_t)sizeof(int))
			return -EINVAL;
		/* Only before bind: the tables decided what the bound
		 * socket takes (Linux: EINVAL once it has a port). */
		if (sk->sk_num)
			return -EINVAL;
		sk->sk_ipv6only = val != 0;
		return 0;
	case IPV6_UNICAST_HOPS:
		if (optlen < (socklen_t)sizeof(int) || val > 255 || val < -1)
			return -EINVAL;
		np->hop_limit = (int16_t)val;
		return 0;
	case IPV6_MULTICAST_HOPS:
		if (sk->sk_type == SOCK_STREAM)
			return -ENOPROTOOPT;
		if (optlen < (socklen_t)sizeof(int) || val > 255 || val < -1)
			return -EINVAL;
		np->mcast_hops = (int16_t)val;
		return 0;
	case IPV6_MULTICAST_LOOP:
		if (optlen < (socklen_t)sizeof(int))
			return -EINVAL;
		if (val != (val != 0))
			return -EINVAL;
		np->mc_loop = val != 0;
		return 0;
	case IPV6_TCLASS:
		if (optlen < (socklen_t)sizeof(int) || val < -1 || val > 0xff)
			return -EINVAL;
		/* -1: the default, 0 */
		if (val == -1)
			val = 0;
		/* TCP keeps the ECN bits for itself, as with IP_TOS. */
		if (sk->sk_type == SOCK_STREAM)
			val = (val & ~INET_ECN_MASK) | (np->tclass & INET_ECN_MASK);
		np->tclass = (uint8_t)val;
		return 0;
	case IPV6_RECVERR:
		if (optlen < (socklen_t)sizeof(int))
			return -EINVAL;
		np->recverr = val != 0;
		if (!val)
			skb_errqueue_purge(sk);
		return 0;
	case IPV6_MTU_DISCOVER:
		if (optlen < (socklen_t)sizeof(int))
			return -EINVAL;
		if (val < IPV6_PMTUDISC_DONT || val > IPV6_PMTUDISC_OMIT)
			return -EINVAL;
		np->pmtudisc = (uint8_t)val;
		return 0;
	}
	return -ENOPROTOOPT;
}

int ipv6_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen)
{
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct rt6_result res;
	int val;

	if (level == SOL_IP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (level != SOL_IPV6)
		return -ENOPROTOOPT;
	switch (optname) {
	case IPV6_V6ONLY:
		val = sk->sk_ipv6only;
		break;
	case IPV6_UNICAST_HOPS:
	case IPV6_MULTICAST_HOPS:
		val = optname == IPV6_UNICAST_HOPS ? np->hop_limit : np->mcast_hops;
		if (optname == IPV6_MULTICAST_HOPS && val < 0) {
			val = 1; /* IPV6_DEFAULT_MCASTHOPS */
			break;
		}
		/* -1: what the packets get, the route's device's hop limit
		 * (Linux's ip6_dst_hoplimit), else net.ipv6.conf.all's. */
		if (val < 0) {
			const struct inet6_dev *idev;
			if (ipv6_sk_route(sk, &res) && (idev = __in6_dev_get(res.dev)) != NULL)
				val = (int)idev->cnf.hop_limit;
			else
				val = (int)net_ipv6(sk->sk_stack)->devconf_all.hop_limit;
		}
		break;
	case IPV6_MULTICAST_LOOP:
		val = np->mc_loop;
		break;
	case IPV6_TCLASS:
		val = np->tclass;
		break;
	case IPV6_RECVERR:
		val = np->recverr;
		break;
	case IPV6_MTU_DISCOVER:
		val = np->pmtudisc;
		break;
	case IPV6_MTU:
		/* The path MTU of a connected socket (Linux: ENOTCONN when
		 * it has no route). */
		if (!ipv6_sk_route(sk, &res))
			return -ENOTCONN;
		val = (int)res.mtu;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return sock_put_optval(optval, optlen, &val, sizeof(val));
}
