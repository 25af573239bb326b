/* IPv6's share of a stack (Linux's net/ipv6/af_inet6.c, inet6_net_init
 * and inet6_init): its state (struct netns_ipv6), the upper-layer
 * protocols by Next Header, the ETH_P_IPV6 handler, the net.ipv6.*
 * settings, IPv6's part of the public address and route calls, and the
 * AF_INET6 socket family (creation, bind, names; the rest of its
 * proto_ops are AF_INET's). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/af_inet.h"
#include "net/route.h"
#include "net/tcp.h"
#include "net/transp_v6.h"
#include "net/fault.h"
#include "net/ip6_route.h"
#include "net/offload.h"
#include "net/ndisc.h"
#include "net/stack.h"

struct netns_ipv6 *net_ipv6(const struct ut_stack *stack)
{
	return stack->ipv6;
}

int inet6_add_protocol(struct ut_stack *stack, const struct inet6_protocol *prot, uint8_t nexthdr)
{
	if (stack->ipv6->inet6_protos[nexthdr])
		return -EEXIST;
	stack->ipv6->inet6_protos[nexthdr] = prot;
	return 0;
}

/* "No Next Header" (RFC 8200 4.7): whatever follows is ignored, which
 * Linux does by registering a handler that drops it. */
static void ipv6_nodata_rcv(struct sk_buff *skb)
{
	kfree_skb(skb);
}

static const struct inet6_protocol nodata_protocol = {
	.handler = ipv6_nodata_rcv,
};

/* ---- AF_INET6 sockets ---------------------------------------------------------*/

int inet6_check_sockaddr(const struct sockaddr *uaddr, socklen_t len,
			 const struct sockaddr_in6 **out, uint32_t *scope_id)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)uaddr;

	/* RFC 2133's sockaddr_in6 lacked sin6_scope_id; Linux still takes
	 * its 24 bytes (SIN6_LEN_RFC2133). */
	if (len < offsetof(struct sockaddr_in6, sin6_scope_id))
		return -EINVAL;
	if (sin6->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	*scope_id = len >= sizeof(struct sockaddr_in6) ? sin6->sin6_scope_id : 0;
	*out = sin6;
	return 0;
}

/* Whether addr means nothing without the interface it is on (Linux's
 * ipv6_addr_needs_scope_id): link-local unicast, and multicast of
 * interface or link scope. */
static bool ipv6_addr_needs_scope_id(const struct in6_addr *addr)
{
	unsigned type = ipv6_addr_type(addr);

	if (type & IPV6_ADDR_LINKLOCAL)
		return true;
	return (type & IPV6_ADDR_MULTICAST) &&
	       (IPV6_ADDR_SCOPE(type) == IPV6_ADDR_SCOPE_NODELOCAL ||
		IPV6_ADDR_SCOPE(type) == IPV6_ADDR_SCOPE_LINKLOCAL);
}

void inet6_put_sockaddr(struct sockaddr *uaddr, socklen_t *len, const struct in6_addr *addr,
			uint16_t port, int bound_dev_if)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = *addr;
	sin6.sin6_port = htons(port);
	if (ipv6_addr_needs_scope_id(addr))
		sin6.sin6_scope_id = (uint32_t)bound_dev_if;
	memcpy(uaddr, &sin6, MIN((size_t)*len, sizeof(sin6)));
	*len = sizeof(sin6);
}

int inet6_create(struct ut_stack *stack, struct socket *sock, int type, int protocol)
{
	const struct proto *prot;
	struct sock *sk;

	/* Linux's inet6_create: a protocol outside 0..255 is EINVAL. */
	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_TCP;
		prot = &tcpv6_prot;
		sock->ops = &inet6_stream_ops;
		break;
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_UDP;
		prot = &udpv6_prot;
		sock->ops = &inet6_dgram_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	sk = sk_alloc(stack, AF_INET6, type, protocol, prot);
	if (!sk) {
		sock->ops = NULL;
		return -ENOMEM;
	}
	/* RFC 3493 5.3: dual stack unless net.ipv6.bindv6only says not. */
	sk->sk_ipv6only = (uint8_t) !!net_ipv6(stack)->sysctl.bindv6only;
	sock_graft(sk, sock);
	if (sk->sk_prot->init)
		sk->sk_prot->init(sk);
	return 0;
}

int inet6_bind_sk(struct sock *sk, const struct sockaddr *uaddr, socklen_t len)
{
	struct ut_stack *stack = sk->sk_stack;
	const struct sockaddr_in6 *sin6;
	struct net_device *dev = NULL;
	uint32_t scope_id, v4addr;
	uint8_t saved_ipv6only;
	unsigned addr_type;
	uint16_t snum;
	int err;

	if ((err = inet6_check_sockaddr(uaddr, len, &sin6, &scope_id)) != 0)
		return err;
	addr_type = ipv6_addr_kind(&sin6->sin6_addr);
	if ((addr_type & IPV6_ADDR_MULTICAST) && sk->sk_type == SOCK_STREAM)
		return -EINVAL;
	snum = ntohs(sin6->sin6_port);
	if (sk->sk_state != TCP_CLOSE || sk->sk_num)
		return -EINVAL;
	if (addr_type == IPV6_ADDR_MAPPED) {
		uint8_t type;
		/* A v4-mapped address on a socket that refuses IPv4 makes
		 * no sense (Linux: EINVAL). */
		if (sk->sk_ipv6only)
			return -EINVAL;
		v4addr = ipv6_addr_v4(&sin6->sin6_addr);
		type = inet_addr_type(stack, v4addr);
		if (v4addr != htonl(INADDR_ANY) && type != RTN_LOCAL && type != RTN_MULTICAST &&
		    type != RTN_BROADCAST && !inet_can_nonlocal_bind(sk))
			return -EADDRNOTAVAIL;
	} else {
		v4addr = htonl(INADDR_ANY);
		if (addr_type != IPV6_ADDR_ANY) {
			/* A link-local address is one only on its link: the
			 * scope id names it, or the device the socket is
			 * already tied to (RFC 4007 11). */
			if (addr_type & IPV6_ADDR_LINKLOCAL) {
				if (scope_id) {
					if (sk->sk_bound_dev_if &&
					    sk->sk_bound_dev_if != (int)scope_id)
						return -EINVAL;
					sk->sk_bound_dev_if = (int)scope_id;
				}
				if (!sk->sk_bound_dev_if)
					return -EINVAL;
			}
			if (sk->sk_bound_dev_if) {
				dev = dev_get_by_index(stack, sk->sk_bound_dev_if);
				if (!dev)
					return -ENODEV;
			}
			v4addr = LOOPBACK4_IPV6;
			/* IP_FREEBIND is IPv6's too (Linux's
			 * ipv6_can_nonlocal_bind; usertcp has no
			 * ip6_nonlocal_bind) */
			if (!(addr_type & IPV6_ADDR_MULTICAST) &&
			    !inet_test_bit(sk, INET_FLAGS_FREEBIND) &&
			    !ipv6_chk_addr(stack, &sin6->sin6_addr, dev, false))
				return -EADDRNOTAVAIL;
		}
	}
	sk->sk_rcv_saddr = sk->sk_saddr = v4addr;
	sk->sk_v6_rcv_saddr = sin6->sin6_addr;
	if (!(addr_type & IPV6_ADDR_MULTICAST))
		inet6_sk(sk)->saddr = sin6->sin6_addr;
	/* An IPv6 address of our own takes no IPv4: the socket is v6-only
	 * from here (Linux's __inet6_bind). */
	saved_ipv6only = sk->sk_ipv6only;
	if (addr_type != IPV6_ADDR_ANY && addr_type != IPV6_ADDR_MAPPED)
		sk->sk_ipv6only = 1;
	err = sk->sk_prot->get_port(sk, snum);
	if (err) {
		sk->sk_ipv6only = saved_ipv6only;
		inet_reset_saddr(sk);
		return err == -ENOMEM ? -ENOMEM : -EADDRINUSE;
	}
	if (addr_type != IPV6_ADDR_ANY)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	sk->sk_dport = 0;
	inet_reset_daddr(sk);
	return 0;
}

static int inet6_bind(struct socket *sock, const struct sockaddr *uaddr, socklen_t len)
{
	return inet6_bind_sk(sock->sk, uaddr, len);
}

/* Linux's inet6_getname: the bound address, else the one output uses. */
static int inet6_getname(struct socket *sock, struct sockaddr *uaddr, socklen_t *len, int peer)
{
	struct sock *sk = sock->sk;

	if (peer) {
		if (!sk->sk_dport ||
		    ((TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_SYN_SENT))) && peer == 1))
			return -ENOTCONN;
		inet6_put_sockaddr(uaddr, len, &sk->sk_v6_daddr, sk->sk_dport, sk->sk_bound_dev_if);
	} else {
		const struct in6_addr *a = ipv6_addr_any(&sk->sk_v6_rcv_saddr)
						   ? &inet6_sk(sk)->saddr
						   : &sk->sk_v6_rcv_saddr;
		inet6_put_sockaddr(uaddr, len, a, sk->sk_num, sk->sk_bound_dev_if);
	}
	return 0;
}

const struct proto_ops inet6_stream_ops = {
	.release = inet_release,
	.bind = inet6_bind,
	.connect = inet_stream_connect,
	.accept = inet_accept,
	.getname = inet6_getname,
	.poll = inet_stream_poll,
	.ioctl = inet_stream_ioctl,
	.listen = inet_listen,
	.shutdown = inet_shutdown,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
};

const struct proto_ops inet6_dgram_ops = {
	.release = inet_release,
	.bind = inet6_bind,
	.connect = inet_dgram_connect,
	.accept = inet_dgram_accept,
	.getname = inet6_getname,
	.poll = udp_poll,
	.ioctl = inet_dgram_ioctl,
	.listen = inet_dgram_listen,
	.shutdown = inet_shutdown,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
};

static const struct net_proto_family inet6_family_ops = {
	.family = AF_INET6,
	.create = inet6_create,
};

/* ---- net.ipv6.* (the per-device net.ipv6.conf.* live in addrconf.c) -------*/

struct ipv6_ctl_entry {
	const char *name;
	size_t offset; /* in struct ipv6_sysctl */
	long min, max;
};

#define IPV6_CTL(name, field, lo, hi)                             \
	{                                                         \
		name, offsetof(struct ipv6_sysctl, field), lo, hi \
	}
#define IPV6_NEIGH_CTL(field, lo, hi)      \
	{"net.ipv6.neigh.default." #field, \
	 offsetof(struct ipv6_sysctl, neigh) + offsetof(struct neigh_parms, field), lo, hi},

/* Linux's names and the ranges it accepts. */
static const struct ipv6_ctl_entry ipv6_ctl_table[] = {
	IPV6_CTL("net.ipv6.bindv6only", bindv6only, 0, 1),
	IPV6_CTL("net.ipv6.ip6frag_high_thresh", ip6frag_high_thresh, 0, 1L << 30),
	IPV6_CTL("net.ipv6.ip6frag_low_thresh", ip6frag_low_thresh, 0, 1L << 30),
	IPV6_CTL("net.ipv6.ip6frag_time", ip6frag_time, 1, 3600),
	IPV6_CTL("net.ipv6.icmp.ratelimit", icmpv6_time, 0, 1L << 30),
	IPV6_CTL("net.ipv6.icmp.echo_ignore_all", icmpv6_echo_ignore_all, 0, 1),
	IPV6_CTL("net.ipv6.icmp.echo_ignore_multicast", icmpv6_echo_ignore_multicast, 0, 1),
	IPV6_CTL("net.ipv6.route.mtu_expires", ip6_rt_mtu_expires, 0, 1L << 30),
	IPV6_CTL("net.ipv6.route.min_adv_mss", ip6_rt_min_advmss, 1, 65535),
	NEIGH_PARMS_SYSCTLS(IPV6_NEIGH_CTL)};

#define IPV6_CONF_PREFIX "net.ipv6.conf."

static const struct ipv6_ctl_entry *ipv6_ctl_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ipv6_ctl_table); i++)
		if (strcmp(ipv6_ctl_table[i].name, name) == 0)
			return &ipv6_ctl_table[i];
	return NULL;
}

static long *ipv6_ctl_slot(const struct ut_stack *stack, const struct ipv6_ctl_entry *e)
{
	return (long *)(void *)((char *)&stack->ipv6->sysctl + e->offset);
}

static int ipv6_ctl_get(const struct ut_stack *stack, const char *name, long *value)
{
	const struct ipv6_ctl_entry *e;

	if (strncmp(name, IPV6_CONF_PREFIX, strlen(IPV6_CONF_PREFIX)) == 0)
		return addrconf_sysctl_get(stack, name, value);
	if (!(e = ipv6_ctl_find(name)))
		return -ENOENT;
	*value = *ipv6_ctl_slot(stack, e);
	return 0;
}

static int ipv6_ctl_set(struct ut_stack *stack, const char *name, long value)
{
	const struct ipv6_ctl_entry *e;

	if (strncmp(name, IPV6_CONF_PREFIX, strlen(IPV6_CONF_PREFIX)) == 0)
		return addrconf_sysctl_set(stack, name, value);
	if (!(e = ipv6_ctl_find(name)))
		return -ENOENT;
	if (value < e->min || value > e->max)
		return -EINVAL;
	*ipv6_ctl_slot(stack, e) = value;
	return 0;
}

static void ipv6_ctl_foreach(const struct ut_stack *stack,
			     void (*fn)(void *arg, const char *name, long value), void *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(ipv6_ctl_table); i++)
		fn(arg, ipv6_ctl_table[i].name, *ipv6_ctl_slot(stack, &ipv6_ctl_table[i]));
	addrconf_sysctl_foreach(stack, fn, arg);
}

static const struct ctl_table_ops ipv6_ctl_ops = {
	.prefix = "net.ipv6.",
	.get = ipv6_ctl_get,
	.set = ipv6_ctl_set,
	.foreach = ipv6_ctl_foreach,
};

static void ipv6_sysctl_defaults(struct ut_stack *stack, struct ipv6_sysctl *s)
{
	s->bindv6only = 0;
	s->ip6frag_high_thresh = 4 * 1024 * 1024;
	s->ip6frag_low_thresh = 3 * 1024 * 1024;
	s->ip6frag_time = 60; /* IPV6_FRAG_TIMEOUT, RFC 8200 4.5 */
	s->icmpv6_time = 1000;
	s->icmpv6_echo_ignore_all = 0;
	s->icmpv6_echo_ignore_multicast = 0;
	s->ip6_rt_mtu_expires = 600; /* RFC 8201 4: at least 5 minutes; Linux 10 */
	s->ip6_rt_min_advmss = IPV6_MIN_MTU - IPV6_HLEN - 20;
	/* net.ipv6.neigh.default.* start with the values of
	 * net.ipv4.neigh.default.*: Linux's nd_tbl and arp_tbl defaults
	 * are the same (stack.c has just set IPv4's). */
	s->neigh = stack->sysctl.neigh;
}

/* ---- `ip -6 addr` and `ip -6 route` -----------------------------------------*/

static int inet6_rtm_newaddr(struct ut_stack *stack, struct net_device *dev, struct ut_ip addr,
			     unsigned prefix_len)
{
	return inet6_addr_add(stack, dev, &addr.u.v6, prefix_len, IFA_F_PERMANENT,
			      INFINITY_LIFE_TIME, INFINITY_LIFE_TIME);
}

static int inet6_rtm_deladdr(struct ut_stack *stack, struct net_device *dev, struct ut_ip addr,
			     unsigned prefix_len)
{
	return inet6_addr_del(stack, dev, &addr.u.v6, prefix_len);
}

static int inet6_rtm_newroute(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len,
			      struct ut_ip gateway, struct net_device *dev)
{
	struct fib6_route r;
	struct in6_addr masked;

	if (prefix_len > 128)
		return -EINVAL;
	ipv6_addr_prefix(&masked, &dst.u.v6, prefix_len);
	if (!ipv6_addr_equal(&masked, &dst.u.v6))
		return -EINVAL; /* `ip route`'s "Invalid prefix for given prefix length" */
	memset(&r, 0, sizeof(r));
	r.dst = masked;
	r.prefix_len = (uint8_t)prefix_len;
	r.protocol = RTPROT_BOOT;
	r.metric = IP6_RT_PRIO_USER;
	if (!ut_ip_is_any(gateway)) {
		struct rt6_result res;

		/* Linux's ip6_validate_gw: a link-local gateway needs the
		 * device it is on; any other must be reachable on-link
		 * through a route that has no gateway of its own. */
		if (ipv6_addr_is_multicast(&gateway.u.v6))
			return -EINVAL;
		if (ipv6_addr_is_linklocal(&gateway.u.v6)) {
			if (!dev)
				return -ENODEV;
		} else {
			if (ip6_route_output(stack, &gateway.u.v6, dev ? dev->ifindex : 0, &res) ||
			    res.type != RTN_UNICAST ||
			    !ipv6_addr_equal(&res.nexthop, &gateway.u.v6))
				return -ENETUNREACH;
			dev = res.dev;
		}
		r.gateway = gateway.u.v6;
		r.flags |= RTF_GATEWAY;
	}
	if (!dev)
		return -ENODEV;
	if (!__in6_dev_get(dev) || __in6_dev_get(dev)->cnf.disable_ipv6)
		return -ENETDOWN;
	r.dev = dev;
	return ip6_route_add(stack, &r);
}

static int inet6_rtm_delroute(struct ut_stack *stack, struct ut_ip dst, unsigned prefix_len)
{
	if (prefix_len > 128)
		return -EINVAL;
	return ip6_route_del(stack, &dst.u.v6, prefix_len, NULL, NULL);
}

static int inet6_rtm_getroute(struct ut_stack *stack, struct ut_ip dst, struct ut_route_info *out)
{
	struct rt6_result res;
	struct in6_addr saddr;
	int err;

	err = ip6_route_output(stack, &dst.u.v6, 0, &res);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->dev = netdev_to_ut(res.dev);
	out->gateway = ut_ip_v6(&in6addr_any);
	if (!ipv6_addr_equal(&res.nexthop, &dst.u.v6))
		out->gateway = ut_ip_v6(&res.nexthop);
	if (res.type == RTN_LOCAL)
		saddr = dst.u.v6;
	else if (ipv6_dev_get_saddr(stack, res.dev, &dst.u.v6, &saddr) < 0)
		saddr = in6addr_any;
	out->prefsrc = ut_ip_v6(&saddr);
	out->prefix_len = res.prefix_len;
	out->local = res.type == RTN_LOCAL;
	return 0;
}

static const struct rtnl_af_ops inet6_rtnl_af_ops = {
	.family = AF_INET6,
	.newaddr = inet6_rtm_newaddr,
	.deladdr = inet6_rtm_deladdr,
	.newroute = inet6_rtm_newroute,
	.delroute = inet6_rtm_delroute,
	.getroute = inet6_rtm_getroute,
};

/* ---- the family's life in a stack -------------------------------------------*/

static int inet6_net_init(struct ut_stack *stack)
{
	struct netns_ipv6 *net = ut_calloc(1, sizeof(*net));
	int err;

	if (!net)
		return -ENOMEM;
	stack->ipv6 = net;
	ipv6_sysctl_defaults(stack, &net->sysctl);
	net->frag_ident_key = (uint32_t)prandom_u64(&stack->rng);
	/* The order of the notifiers matters when a device goes away:
	 * neighbours and routes through it first, then its addresses. */
	if ((err = ndisc_init(stack)) < 0)
		return err;
	if ((err = ip6_route_init(stack)) < 0)
		return err;
	if ((err = addrconf_init(stack)) < 0)
		return err;
	if ((err = icmpv6_init(stack)) < 0)
		return err;
	if ((err = ipv6_frag_init(stack)) < 0)
		return err;
	if ((err = inet6_add_protocol(stack, &nodata_protocol, NEXTHDR_NONE)) < 0)
		return err;
	if ((err = inet6_add_protocol(stack, &tcpv6_protocol, NEXTHDR_TCP)) < 0)
		return err;
	if ((err = inet6_add_protocol(stack, &udpv6_protocol, NEXTHDR_UDP)) < 0)
		return err;
	if ((err = sock_register(stack, &inet6_family_ops)) < 0)
		return err;
	if ((err = register_net_sysctl(stack, &ipv6_ctl_ops)) < 0)
		return err;
	if ((err = rtnl_af_register(stack, &inet6_rtnl_af_ops)) < 0)
		return err;
	if ((err = dev_add_offload(stack, &ipv6_packet_offload)) < 0)
		return err;
	return dev_add_pack(stack, ETH_P_IPV6, ipv6_rcv);
}

/* After the stack's devices are gone. */
static void inet6_net_exit(struct ut_stack *stack)
{
	if (!stack->ipv6)
		return;
	ipv6_frag_exit(stack);
	addrconf_cleanup(stack);
	ip6_route_cleanup(stack);
	ndisc_cleanup(stack);
	free(stack->ipv6);
	stack->ipv6 = NULL;
}

const struct pernet_operations inet6_net_ops = {
	.init = inet6_net_init,
	.exit = inet6_net_exit,
};
