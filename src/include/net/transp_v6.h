/* AF_INET6 sockets and the transports over IPv6 (Linux's
 * include/net/transp_v6.h and the socket half of include/net/ipv6.h):
 * socket creation and the proto_ops (af_inet6.c), IPv6's socket options
 * (ipv6_sockglue.c), TCP over IPv6 (tcp_ipv6.c) and UDP over IPv6
 * (udp_ipv6.c).
 *
 * An AF_INET6 socket is a struct sock of family AF_INET6 with its IPv6
 * addresses in skc_v6_daddr and skc_v6_rcv_saddr and its own part in
 * sk->sk_ipv6 (inet6_sk). Unless IPV6_V6ONLY is set it also speaks IPv4
 * to v4-mapped peers (RFC 4291 2.5.5.2, RFC 3493 3.7): such a connection
 * keeps the IPv4 addresses in skc_daddr and skc_rcv_saddr, the mapped
 * forms in the v6 fields, and runs over IPv4 (TCP's ipv6_mapped
 * operations), as Linux's does. */
#ifndef USERTCP_NET_TRANSP_V6_H
#define USERTCP_NET_TRANSP_V6_H

#include <netinet/in.h>
#include <stdbool.h>

#include "net/ipv6.h"
#include "net/sock.h"

struct inet_connection_sock_af_ops;

/* Linux's option numbers (include/uapi/linux/in6.h), which not every C
 * library names. */
#ifndef IPV6_MTU_DISCOVER
#define IPV6_MTU_DISCOVER 23
#endif
#ifndef IPV6_MTU
#define IPV6_MTU 24
#endif
#ifndef IPV6_RECVERR
#define IPV6_RECVERR 25
#endif
#define IPV6_PMTUDISC_INTERFACE 4
#define IPV6_PMTUDISC_OMIT 5

/* What an IPv6 socket binds a non-mapped IPv6 address with in its IPv4
 * fields (Linux's LOOPBACK4_IPV6, 127.0.0.6): an address no IPv4 packet
 * is ever for, so IPv4's lookups never find the socket. */
#define LOOPBACK4_IPV6 htonl(0x7f000006)

extern const struct proto_ops inet6_stream_ops;
extern const struct proto_ops inet6_dgram_ops;
extern const struct proto tcpv6_prot;
extern const struct proto udpv6_prot;
/* IPv6's entries for TCP and UDP (inet6_protos[6], [17]). */
extern const struct inet6_protocol tcpv6_protocol;
extern const struct inet6_protocol udpv6_protocol;
/* TCP's operations over IPv6, and over IPv4 for an AF_INET6 socket whose
 * peer is v4-mapped (Linux's ipv6_specific and ipv6_mapped). */
extern const struct inet_connection_sock_af_ops ipv6_specific;
extern const struct inet_connection_sock_af_ops ipv6_mapped;

/* ipv6_specific.conn_request, which ipv6_mapped shares: an IPv4 SYN (to
 * a dual-stack listener) makes an IPv4 request, an IPv6 one an IPv6
 * request. */
int tcp_v6_conn_request(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			const struct wire_tcp_opts *opts);
/* Linux's tcp_v4_destroy_sock, which IPv6's TCP sockets use too. */
void tcp_v4_destroy_sock(struct sock *sk);

/* socket(AF_INET6, type, protocol): as inet_create, with IPV6_V6ONLY from
 * net.ipv6.bindv6only. 0, -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENOMEM. */
int inet6_create(struct ut_stack *stack, struct socket *sock, int type, int protocol);

/* Checks a user sockaddr for AF_INET6, as Linux's callers do: shorter
 * than RFC 2133's 24 bytes (no sin6_scope_id) is -EINVAL, another family
 * -EAFNOSUPPORT. *scope_id is sin6_scope_id, 0 when the caller's struct
 * has none. */
int inet6_check_sockaddr(const struct sockaddr *uaddr, socklen_t len,
			 const struct sockaddr_in6 **out, uint32_t *scope_id);
/* Writes an AF_INET6 sockaddr to a user buffer of *len bytes (truncating
 * as Linux does) and sets *len to sizeof(struct sockaddr_in6); a
 * link-local address carries the scope id of the device bound_dev_if
 * (Linux's ipv6_iface_scope_id). */
void inet6_put_sockaddr(struct sockaddr *uaddr, socklen_t *len, const struct in6_addr *addr,
			uint16_t port, int bound_dev_if);

/* bind() for an AF_INET6 sock (Linux's __inet6_bind): v4-mapped
 * addresses (not with IPV6_V6ONLY), link-local ones with a scope, the
 * wildcard; then sk_prot->get_port. */
int inet6_bind_sk(struct sock *sk, const struct sockaddr *uaddr, socklen_t len);

/* SOL_IPV6 options (ipv6_sockglue.c), and SOL_IP for an AF_INET6
 * socket (it may speak IPv4). 0, -EINVAL, -ENOPROTOOPT, -ENOTCONN. */
int ipv6_setsockopt(struct sock *sk, int level, int optname, const void *optval, socklen_t optlen);
int ipv6_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen);

/* An ICMPv6 error as the errno a socket reports (Linux's
 * icmpv6_err_convert); *fatal for the hard ones (RFC 1122 4.2.3.9's
 * distinction, as IPv4's icmp_err_convert). */
int icmpv6_err_convert(uint8_t type, uint8_t code, bool *fatal);

#endif
