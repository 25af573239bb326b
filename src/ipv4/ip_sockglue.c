/* IP-level socket options (Linux's net/ipv4/ip_sockglue.c), shared by TCP
 * and UDP sockets: IP_TTL, IP_TOS, IP_MTU_DISCOVER, IP_RECVERR. */
#include <errno.h>
#include <string.h>

#include "net/af_inet.h"
#include "net/errqueue.h"
#include "net/inet_ecn.h"
#include "net/ip.h"
#include "net/stack.h"

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
	return sock_put_optval(optval, optlen, &val, sizeof(val));
}
