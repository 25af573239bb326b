/* The AF_INET socket family (Linux's net/ipv4/af_inet.c): socket creation
 * and the proto_ops of stream and datagram sockets, which check the
 * socket-level state (SS_*) and hand the protocol work to sk->sk_prot. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "net/af_inet.h"
#include "net/offload.h"
#include "net/route.h"
#include "net/stack.h"
#include "net/tcp.h"

/* ---- addresses --------------------------------------------------------------*/

int inet_check_sockaddr(const struct sockaddr *uaddr, socklen_t len, bool allow_unspec,
			const struct sockaddr_in **out)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)uaddr;

	if (len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (sin->sin_family != AF_INET) {
		/* Linux's bind accepts AF_UNSPEC with INADDR_ANY, for old
		 * programs that never set the family. */
		if (!(allow_unspec && sin->sin_family == AF_UNSPEC &&
		      sin->sin_addr.s_addr == htonl(INADDR_ANY)))
			return -EAFNOSUPPORT;
	}
	*out = sin;
	return 0;
}

void inet_put_sockaddr(struct sockaddr *uaddr, socklen_t *len, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	sin.sin_port = htons(port);
	memcpy(uaddr, &sin, MIN((size_t)*len, sizeof(sin)));
	*len = sizeof(sin);
}

/* ---- creation ---------------------------------------------------------------*/

int inet_create(struct ut_stack *stack, struct socket *sock, int type, int protocol)
{
	const struct proto *prot;
	struct sock *sk;

	/* Linux's inet_create refuses a protocol number outside 0..255
	 * with EINVAL before it looks for one of the type. */
	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_TCP;
		prot = &tcp_prot;
		sock->ops = &inet_stream_ops;
		break;
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		protocol = IPPROTO_UDP;
		prot = &udp_prot;
		sock->ops = &inet_dgram_ops;
		break;
	default:
		/* Raw and other socket types are not implemented. */
		return -ESOCKTNOSUPPORT;
	}
	sk = sk_alloc(stack, AF_INET, type, protocol, prot);
	if (!sk) {
		sock->ops = NULL;
		return -ENOMEM;
	}
	sock_graft(sk, sock);
	if (sk->sk_prot->init)
		sk->sk_prot->init(sk);
	return 0;
}

int inet_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (sk) {
		/* SO_LINGER makes close() wait for the data to go out. */
		uint64_t timeout =
			sock_flag(sk, SOCK_LINGER) ? (uint64_t)sk->sk_lingertime * NSEC_PER_SEC : 0;
		sock->sk = NULL;
		sk->sk_prot->close(sk, timeout);
	}
	return 0;
}

/* ---- bind -----------------------------------------------------------------------*/

bool inet_can_nonlocal_bind(const struct sock *sk)
{
	return sk->sk_stack->sysctl.ip_nonlocal_bind || inet_test_bit(sk, INET_FLAGS_FREEBIND);
}

int inet_bind_sk(struct sock *sk, const struct sockaddr *uaddr, socklen_t len)
{
	const struct sockaddr_in *sin;
	uint16_t snum;
	uint8_t type;
	int err;

	if ((err = inet_check_sockaddr(uaddr, len, true, &sin)) != 0)
		return err;
	snum = ntohs(sin->sin_port);
	type = inet_addr_type(sk->sk_stack, sin->sin_addr.s_addr);
	/* Only an address of this host, the wildcard, or a broadcast or
	 * multicast address (datagram sockets) can be bound. */
	if (sin->sin_addr.s_addr != htonl(INADDR_ANY) && type != RTN_LOCAL &&
	    type != RTN_MULTICAST && type != RTN_BROADCAST && !inet_can_nonlocal_bind(sk))
		return -EADDRNOTAVAIL;
	/* Ports below 1024 need CAP_NET_BIND_SERVICE in Linux; a user-space
	 * stack belongs to its process, which may bind them. */
	if (sk->sk_state != TCP_CLOSE || sk->sk_num)
		return -EINVAL;
	sk->sk_rcv_saddr = sk->sk_saddr = sin->sin_addr.s_addr;
	if (type == RTN_MULTICAST || type == RTN_BROADCAST)
		sk->sk_saddr = 0; /* sent from the route's address */
	err = sk->sk_prot->get_port(sk, snum);
	if (err) {
		sk->sk_rcv_saddr = sk->sk_saddr = 0;
		return err == -ENOMEM ? -ENOMEM : -EADDRINUSE;
	}
	if (sk->sk_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	sk->sk_daddr = 0;
	sk->sk_dport = 0;
	return 0;
}

static int inet_bind(struct socket *sock, const struct sockaddr *uaddr, socklen_t len)
{
	return inet_bind_sk(sock->sk, uaddr, len);
}

int inet_autobind(struct sock *sk)
{
	if (!sk->sk_num && sk->sk_prot->get_port(sk, 0) != 0)
		return -EAGAIN;
	return 0;
}

/* ---- connect ----------------------------------------------------------------------*/

int __inet_stream_connect(struct socket *sock, const struct sockaddr *uaddr, socklen_t len,
			  int flags, bool is_sendmsg)
{
	struct sock *sk = sock->sk;
	uint64_t timeo, deadline;
	int err;

	/* uaddr is NULL for a write after TCP_FASTOPEN_CONNECT's connect:
	 * the address is the socket's already. */
	if (uaddr) {
		if (len < sizeof(uaddr->sa_family))
			return -EINVAL;
		if (uaddr->sa_family == AF_UNSPEC) {
			/* connect(AF_UNSPEC) aborts the connection (Linux's
			 * tcp_disconnect). */
			err = sk->sk_prot->disconnect(sk, flags);
			sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
			return err;
		}
	}
	switch (sock->state) {
	case SS_CONNECTED:
		return -EISCONN;
	case SS_CONNECTING:
		/* A Fast Open connect deferred to the first write counts as
		 * connected to connect(), in progress to that write. */
		if (sk->sk_protocol == IPPROTO_TCP && tcp_sk(sk)->tfo.defer_connect)
			err = is_sendmsg ? -EINPROGRESS : -EISCONN;
		else
			err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		if (sk->sk_state != TCP_CLOSE)
			return -EISCONN;
		err = sk->sk_prot->connect(sk, uaddr, len);
		if (err < 0)
			return err;
		sock->state = SS_CONNECTING;
		if (sk->sk_protocol == IPPROTO_TCP && tcp_sk(sk)->tfo.defer_connect)
			return 0;
		err = -EINPROGRESS;
		break;
	default:
		return -EINVAL;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if (TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV))) {
		if (!timeo)
			return err; /* EINPROGRESS or EALREADY */
		deadline = sock_deadline(sk, timeo);
		while (TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV))) {
			int w = sk_wait(sk, deadline);
			/* SO_SNDTIMEO ran out: Linux returns what the call
			 * had found, EINPROGRESS for the connect that sent
			 * the SYN and EALREADY for a later one. */
			if (w == -EAGAIN)
				return err;
			if (w < 0)
				return w;
		}
	}
	/* The handshake ended: connected, or closed by RST or timeout. */
	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk);
		/* As Linux, the failed socket is disconnected: its automatic
		 * source address, its shutdown bits and the end of stream
		 * go, so that it polls as a fresh socket and can connect or
		 * listen again. */
		sock->state = SS_UNCONNECTED;
		if (sk->sk_prot->disconnect(sk, flags))
			sock->state = SS_DISCONNECTING;
		return err ? -err : -ECONNABORTED;
	}
	sock->state = SS_CONNECTED;
	return 0;
}

int inet_stream_connect(struct socket *sock, const struct sockaddr *uaddr, socklen_t len, int flags)
{
	/* connect() always has an address, if only of length 0 */
	if (!uaddr || len < sizeof(uaddr->sa_family))
		return -EINVAL;
	return __inet_stream_connect(sock, uaddr, len, flags, false);
}

int inet_dgram_connect(struct socket *sock, const struct sockaddr *uaddr, socklen_t len, int flags)
{
	struct sock *sk = sock->sk;
	(void)flags;

	if (len < sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family == AF_UNSPEC)
		return sk->sk_prot->disconnect(sk, flags);
	if (!sk->sk_num && inet_autobind(sk))
		return -EAGAIN;
	return sk->sk_prot->connect(sk, uaddr, len);
}

/* ---- listen, accept -----------------------------------------------------------------*/

int inet_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err;

	if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
		return -EINVAL;
	if (!(TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN))))
		return -EINVAL;
	/* Calling listen() again only changes the backlog. */
	sk->sk_max_ack_backlog = backlog;
	if (sk->sk_state != TCP_LISTEN) {
		tcp_fastopen_listen(sk, backlog);
		err = inet_csk_listen_start(sk, backlog);
		if (err)
			return err;
	}
	return 0;
}

int inet_accept(struct socket *sock, struct socket *newsock, int flags)
{
	struct sock *sk1 = sock->sk;
	struct sock *sk2;
	int err = -EINVAL;

	sk2 = sk1->sk_prot->accept(sk1, flags, &err);
	if (!sk2)
		return err;
	sock_graft(sk2, newsock);
	newsock->state = SS_CONNECTED;
	return 0;
}

int inet_dgram_accept(struct socket *sock, struct socket *newsock, int flags)
{
	(void)sock, (void)newsock, (void)flags;
	return -EOPNOTSUPP;
}

int inet_dgram_listen(struct socket *sock, int backlog)
{
	(void)sock, (void)backlog;
	return -EOPNOTSUPP;
}

/* ---- names --------------------------------------------------------------------------*/

static int inet_getname(struct socket *sock, struct sockaddr *uaddr, socklen_t *len, int peer)
{
	struct sock *sk = sock->sk;

	if (peer) {
		if (!sk->sk_dport ||
		    ((TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_SYN_SENT))) && peer == 1))
			return -ENOTCONN;
		inet_put_sockaddr(uaddr, len, sk->sk_daddr, sk->sk_dport);
	} else {
		uint32_t addr = sk->sk_rcv_saddr ? sk->sk_rcv_saddr : sk->sk_saddr;
		inet_put_sockaddr(uaddr, len, addr, sk->sk_num);
	}
	return 0;
}

/* ---- shutdown -------------------------------------------------------------------------*/

int inet_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	/* SHUT_RD (0), SHUT_WR (1), SHUT_RDWR (2) become the RCV_SHUTDOWN
	 * and SEND_SHUTDOWN bits. */
	how++;
	if (sock->state == SS_CONNECTING) {
		if (TCPF(sk->sk_state) &
		    (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV) | TCPF(TCP_CLOSE)))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}
	switch (sk->sk_state) {
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		/* shutting down reading stops listening */
		fallthrough;
	case TCP_SYN_SENT:
		err = sk->sk_prot->disconnect(sk, O_NONBLOCK);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	case TCP_CLOSE:
		err = -ENOTCONN;
		fallthrough;
	default:
		sk->sk_shutdown |= (uint8_t)how;
		if (sk->sk_prot->shutdown)
			sk->sk_prot->shutdown(sk, how);
		break;
	}
	sk->sk_state_change(sk);
	return err;
}

/* ---- data -------------------------------------------------------------------------------*/

ssize_t inet_sendmsg(struct socket *sock, const struct msghdr *msg, size_t len, int flags)
{
	struct sock *sk = sock->sk;

	/* Datagram sockets get a port at their first send. */
	if (sk->sk_type == SOCK_DGRAM && inet_autobind(sk))
		return -EAGAIN;
	if (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP && (flags & MSG_ZEROCOPY))
		return udp_sendmsg_zerocopy(sk, msg, len, flags);
	return sk->sk_prot->sendmsg(sk, msg, len, flags);
}

ssize_t inet_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	struct sock *sk = sock->sk;
	int addr_len = 0;
	ssize_t rc = sk->sk_prot->recvmsg(sk, msg, len, flags, &addr_len);

	if (rc >= 0 && msg->msg_name)
		msg->msg_namelen = (socklen_t)addr_len;
	return rc;
}

int inet_setsockopt(struct socket *sock, int level, int optname, const void *optval,
		    socklen_t optlen)
{
	return sock->sk->sk_prot->setsockopt(sock->sk, level, optname, optval, optlen);
}

int inet_getsockopt(struct socket *sock, int level, int optname, void *optval, socklen_t *optlen)
{
	return sock->sk->sk_prot->getsockopt(sock->sk, level, optname, optval, optlen);
}

unsigned inet_stream_poll(struct socket *sock)
{
	return tcp_poll(sock);
}

int inet_stream_ioctl(struct socket *sock, unsigned long cmd, int *arg)
{
	return tcp_ioctl(sock->sk, cmd, arg);
}

int inet_dgram_ioctl(struct socket *sock, unsigned long cmd, int *arg)
{
	struct sock *sk = sock->sk;

	switch (cmd) {
	case FIONREAD: {
		/* The size of the next datagram, as Linux's udp_ioctl. */
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
		*arg = skb ? (int)skb->len : 0;
		return 0;
	}
	case TIOCOUTQ:
		*arg = 0;
		return 0;
	}
	return -ENOTTY;
}

const struct proto_ops inet_stream_ops = {
	.release = inet_release,
	.bind = inet_bind,
	.connect = inet_stream_connect,
	.accept = inet_accept,
	.getname = inet_getname,
	.poll = inet_stream_poll,
	.ioctl = inet_stream_ioctl,
	.listen = inet_listen,
	.shutdown = inet_shutdown,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
};

const struct proto_ops inet_dgram_ops = {
	.release = inet_release,
	.bind = inet_bind,
	.connect = inet_dgram_connect,
	.accept = inet_dgram_accept,
	.getname = inet_getname,
	.poll = udp_poll,
	.ioctl = inet_dgram_ioctl,
	.listen = inet_dgram_listen,
	.shutdown = inet_shutdown,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
};

/* ---- the family's share of a stack ----------------------------------------*/

static const struct net_proto_family inet_family_ops = {
	.family = AF_INET,
	.create = inet_create,
};

/* Linux's inet_init, per stack, in its order: the transport protocols
 * into inet_protos, ARP, then routing, ICMP's rate limit and reassembly,
 * and IP's receive handler last, once everything it reaches is in place.
 * ARP's table is made before the fragments' because each draws its hash
 * seed from the stack's generator, in that order since before the split. */
static const struct rtnl_af_ops inet_rtnl_af_ops = {
	.family = AF_INET,
	.newaddr = inet_rtm_newaddr,
	.deladdr = inet_rtm_deladdr,
	.newroute = inet_rtm_newroute,
	.delroute = inet_rtm_delroute,
	.getroute = inet_rtm_getroute,
};

static int inet_net_init(struct ut_stack *stack)
{
	int err;

	stack->inet_protos[IPPROTO_ICMP_] = &icmp_protocol;
	stack->inet_protos[IPPROTO_UDP_] = &udp_protocol;
	stack->inet_protos[IPPROTO_TCP_] = &tcp_protocol;
	if ((err = arp_init(stack)) < 0)
		return err;
	if ((err = ip_fib_init(stack)) < 0)
		return err;
	icmp_init(stack);
	if ((err = ipq_table_init(&stack->frags, stack)) < 0)
		return err;
	if ((err = sock_register(stack, &inet_family_ops)) < 0)
		return err;
	if ((err = rtnl_af_register(stack, &inet_rtnl_af_ops)) < 0)
		return err;
	if ((err = dev_add_offload(stack, &ip_packet_offload)) < 0)
		return err;
	return dev_add_pack(stack, ETH_P_IP, ip_rcv);
}

/* After the stack's devices are gone, so nothing refers to the tables. */
static void inet_net_exit(struct ut_stack *stack)
{
	ipq_table_destroy(&stack->frags);
	neigh_table_destroy(&stack->arp_tbl);
	fib_table_destroy(&stack->fib);
}

const struct pernet_operations inet_net_ops = {
	.init = inet_net_init,
	.exit = inet_net_exit,
};
