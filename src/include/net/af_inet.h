/* The AF_INET family (Linux's net/ipv4/af_inet.c): socket creation and the
 * proto_ops shared by TCP and UDP sockets, which hand protocol work to
 * sk->sk_prot. */
#ifndef USERTCP_NET_AF_INET_H
#define USERTCP_NET_AF_INET_H

#include <netinet/in.h>
#include <stdbool.h>

#include "net/sock.h"

extern const struct proto_ops inet_stream_ops;
extern const struct proto_ops inet_dgram_ops;
extern const struct proto tcp_prot;
extern const struct proto udp_prot;
/* UDP's entry in inet_protos (udp.c). */
extern const struct net_protocol udp_protocol;

/* IPv4's share of a stack (Linux's inet_init and the pernet parts of
 * arp, fib, icmp and fragments): made and destroyed by stack.c. */
extern const struct pernet_operations inet_net_ops;

/* socket(AF_INET, type, protocol) for an allocated socket: picks the
 * protocol (0: TCP for SOCK_STREAM, UDP for SOCK_DGRAM), allocates the
 * sock. 0, -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENOMEM. */
int inet_create(struct ut_stack *stack, struct socket *sock, int type, int protocol);

/* Checks a user sockaddr for AF_INET: -EINVAL if too short, -EAFNOSUPPORT
 * for another family (AF_UNSPEC is accepted when allow_unspec, with
 * INADDR_ANY, as Linux's bind does). */
int inet_check_sockaddr(const struct sockaddr *uaddr, socklen_t len, bool allow_unspec,
			const struct sockaddr_in **out);
/* Writes sin to a user sockaddr of *len bytes (truncating as Linux does)
 * and sets *len to sizeof(struct sockaddr_in). */
void inet_put_sockaddr(struct sockaddr *uaddr, socklen_t *len, uint32_t addr, uint16_t port);

/* bind() for any inet sock: address checks (EADDRNOTAVAIL for an address
 * not on this host), then sk_prot->get_port. */
int inet_bind_sk(struct sock *sk, const struct sockaddr *uaddr, socklen_t len);
/* Binds an unbound sock to an ephemeral port (send/listen/connect on an
 * unbound socket). 0 or -EAGAIN (no free port, Linux's errno here). */
int inet_autobind(struct sock *sk);

/* SOL_IP options (ip_sockglue.c), and what an AF_INET socket answers
 * for any level other than its protocol's: 0, -EINVAL, -ENOPROTOOPT
 * (getsockopt at a level other than SOL_IP: -EOPNOTSUPP, as Linux). */
int ip_setsockopt(struct sock *sk, int level, int optname, const void *optval, socklen_t optlen);
int ip_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen);

/* The proto_ops of inet_stream_ops and inet_dgram_ops, which AF_INET6's
 * share (as Linux's inet6_stream_ops call inet_stream_connect,
 * inet_accept, ...): everything but bind and getname is the same for both
 * families. */
int inet_release(struct socket *sock);
int inet_stream_connect(struct socket *sock, const struct sockaddr *uaddr, socklen_t len,
			int flags);
/* connect()'s work, and a Fast Open sendmsg's (is_sendmsg: uaddr may be
 * NULL, a deferred connect is in progress rather than done). */
int __inet_stream_connect(struct socket *sock, const struct sockaddr *uaddr, socklen_t len,
			  int flags, bool is_sendmsg);
int inet_dgram_connect(struct socket *sock, const struct sockaddr *uaddr, socklen_t len, int flags);
int inet_listen(struct socket *sock, int backlog);
int inet_accept(struct socket *sock, struct socket *newsock, int flags);
int inet_dgram_accept(struct socket *sock, struct socket *newsock, int flags);
int inet_dgram_listen(struct socket *sock, int backlog);
int inet_shutdown(struct socket *sock, int how);
ssize_t inet_sendmsg(struct socket *sock, const struct msghdr *msg, size_t len, int flags);
ssize_t inet_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags);
int inet_setsockopt(struct socket *sock, int level, int optname, const void *optval,
		    socklen_t optlen);
int inet_getsockopt(struct socket *sock, int level, int optname, void *optval, socklen_t *optlen);
unsigned inet_stream_poll(struct socket *sock);
int inet_stream_ioctl(struct socket *sock, unsigned long cmd, int *arg);
int inet_dgram_ioctl(struct socket *sock, unsigned long cmd, int *arg);

/* UDP's readiness (udp.c). */
unsigned udp_poll(struct socket *sock);

#endif
