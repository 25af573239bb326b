/* UDP over IPv6 and AF_INET6 datagram sockets, held to Linux 6.x:
 * datagrams both ways with their names, dual-stack sockets taking IPv4
 * v4-mapped and sending to v4-mapped peers over IPv4, IPV6_V6ONLY,
 * connect and disconnect, port unreachable and Packet Too Big, the
 * mandatory checksum (RFC 8200 8.1), malformed lengths, and the errno of
 * every refusal (each checked against the kernel with a Python socket
 * script in a network namespace). Between two simulated hosts
 * (tcpworld), or one host whose layer 3 device a test reads and feeds
 * (testnet6). Every test closes its descriptors and ends with the leak
 * check. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "net/transp_v6.h"
#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"
#include "testnet6.h"
#include "testwire.h"
#include "usertcp/dev.h"
#include "usertcp/sim.h"

#define PORT 5000

static int udp6_socket(struct ut_stack *st, bool v6only)
{
	int fd = ut_socket(st, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0), on = 1;

	CHECK(fd >= 0);
	if (v6only)
		CHECK_EQ(ut_setsockopt(st, fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)), 0);
	return fd;
}

static int udp6_bound(struct ut_stack *st, const char *addr, uint16_t port, bool v6only)
{
	struct sockaddr_in6 sa = tw_addr6(addr, port, 0);
	int fd = udp6_socket(st, v6only);

	CHECK_EQ(ut_bind(st, fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static ssize_t send6(struct ut_stack *st, int fd, const void *buf, size_t n, const char *addr,
		     uint16_t port)
{
	struct sockaddr_in6 sa = tw_addr6(addr, port, 0);

	return ut_sendto(st, fd, buf, n, 0, (struct sockaddr *)&sa, sizeof(sa));
}

static void check_sin6(const struct sockaddr_in6 *sin6, const char *addr, uint16_t port)
{
	char text[INET6_ADDRSTRLEN];

	CHECK_EQ(sin6->sin6_family, AF_INET6);
	CHECK(inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text)) != NULL);
	CHECK(strcmp(text, addr) == 0);
	CHECK_EQ(ntohs(sin6->sin6_port), port);
}

static uint16_t port6(struct ut_stack *st, int fd)
{
	struct sockaddr_in6 sa;
	socklen_t len = sizeof(sa);

	CHECK_EQ(ut_getsockname(st, fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin6_port);
}

static void udp6_done(struct tcpworld *w)
{
	CHECK_EQ(ut_stack_open_fds(w->c), 0);
	CHECK_EQ(ut_stack_open_fds(w->s), 0);
	tw_done(w);
}

static void host_done(struct ut_stack *s, struct capdev *cd)
{
	CHECK_EQ(ut_stack_open_fds(s), 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, cd);
}

/* ---- datagrams and names ---------------------------------------------------*/

TEST(a_datagram_to_an_ipv6_socket_arrives_with_the_senders_sockaddr_in6_and_the_reply_returns)
{
	struct tcpworld w;
	struct sockaddr_in6 from;
	socklen_t len = sizeof(from);
	char buf[64];

	tw_make(&w, 801, NULL);
	tw_enable_ipv6(&w);
	int s = udp6_bound(w.s, "::", PORT, false);
	int c = udp6_socket(w.c, false);
	CHECK_EQ(send6(w.c, c, "ping6", 5, SERVER_IP6, PORT), 5);
	uint16_t cport = port6(w.c, c);
	CHECK(cport >= 32768 && cport <= 60999);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 5);
	CHECK_MEM_EQ(buf, "ping6", 5);
	CHECK_EQ(len, sizeof(from));
	check_sin6(&from, CLIENT_IP6, cport);
	CHECK_EQ(from.sin6_scope_id, 0);
	/* the reply to the name received */
	CHECK_EQ(ut_sendto(w.s, s, "pong6!", 6, 0, (struct sockaddr *)&from, len), 6);
	tw_run(&w, 100 * MS);
	len = sizeof(from);
	CHECK_EQ(ut_recvfrom(w.c, c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 6);
	CHECK_MEM_EQ(buf, "pong6!", 6);
	check_sin6(&from, SERVER_IP6, PORT);
	/* counted as IPv6's, not IPv4's */
	CHECK_EQ(tw_counter(w.c, "Udp6", "OutDatagrams"), 1);
	CHECK_EQ(tw_counter(w.s, "Udp6", "InDatagrams"), 1);
	CHECK_EQ(tw_counter(w.s, "Udp6", "OutDatagrams"), 1);
	CHECK_EQ(tw_counter(w.c, "Udp6", "InDatagrams"), 1);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams") + tw_counter(w.s, "Udp", "InDatagrams"), 0);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp6_done(&w);
}

/* A device's link-local address (fe80::/64 from its MAC). */
static struct in6_addr link_local_of(struct ut_dev *dev)
{
	struct in6_addr a;

	CHECK_EQ(ipv6_get_lladdr(netdev_from_ut(dev), &a, 0), 0);
	return a;
}

TEST(a_link_local_sender_is_named_with_the_scope_of_the_device_it_came_in_on)
{
	struct tcpworld w;
	struct sockaddr_in6 from, dst;
	socklen_t len = sizeof(from);
	char text[INET6_ADDRSTRLEN], ctext[INET6_ADDRSTRLEN];
	char buf[16];

	tw_make(&w, 802, NULL);
	tw_enable_ipv6(&w);
	struct ut_dev *sdev = ut_sim_link_dev(w.link, 1), *cdev = ut_sim_link_dev(w.link, 0);
	struct in6_addr sll = link_local_of(sdev), cll = link_local_of(cdev);
	CHECK(inet_ntop(AF_INET6, &sll, text, sizeof(text)) != NULL);
	CHECK(inet_ntop(AF_INET6, &cll, ctext, sizeof(ctext)) != NULL);
	int s = udp6_bound(w.s, "::", PORT, false);
	int c = udp6_socket(w.c, false);
	dst = tw_addr6(text, PORT, (uint32_t)ut_dev_ifindex(cdev));
	/* connect() needs the scope (Linux: EINVAL without it) */
	struct sockaddr_in6 noscope = tw_addr6(text, PORT, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&noscope, sizeof(noscope)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CHECK_EQ(ut_send(w.c, c, "ll", 2, 0), 2);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 2);
	check_sin6(&from, ctext, port6(w.c, c));
	CHECK_EQ(from.sin6_scope_id, (uint32_t)ut_dev_ifindex(sdev));
	/* the name received is enough to answer */
	CHECK_EQ(ut_sendto(w.s, s, "back", 4, 0, (struct sockaddr *)&from, len), 4);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), 4);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp6_done(&w);
}

/* ---- dual stack -----------------------------------------------------------------*/

TEST(a_dual_stack_socket_receives_an_ipv4_datagram_as_v4_mapped_and_replies_over_ipv4)
{
	struct tcpworld w;
	struct sockaddr_in6 from;
	struct sockaddr_in from4, dst = tw_addr(SERVER_IP, PORT);
	socklen_t len = sizeof(from);
	char buf[16];

	tw_make(&w, 803, NULL);
	tw_enable_ipv6(&w);
	int s = udp6_bound(w.s, "::", PORT, false);
	int c = ut_socket(w.c, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK(c >= 0);
	CHECK_EQ(ut_sendto(w.c, c, "four", 4, 0, (struct sockaddr *)&dst, sizeof(dst)), 4);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4);
	CHECK_EQ(len, sizeof(from));
	struct sockaddr_in name4;
	socklen_t l4 = sizeof(name4);
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&name4, &l4), 0);
	check_sin6(&from, "::ffff:10.0.0.1", ntohs(name4.sin_port));
	/* an IPv4 datagram counts in Udp, whatever the socket's family */
	CHECK_EQ(tw_counter(w.s, "Udp", "InDatagrams"), 1);
	CHECK_EQ(tw_counter(w.s, "Udp6", "InDatagrams"), 0);
	CHECK_EQ(ut_sendto(w.s, s, "back", 4, 0, (struct sockaddr *)&from, len), 4);
	CHECK_EQ(tw_counter(w.s, "Udp", "OutDatagrams"), 1);
	CHECK_EQ(tw_counter(w.s, "Ip6", "OutRequests"), 0);
	tw_run(&w, 100 * MS);
	l4 = sizeof(from4);
	CHECK_EQ(ut_recvfrom(w.c, c, buf, sizeof(buf), 0, (struct sockaddr *)&from4, &l4), 4);
	CHECK_MEM_EQ(buf, "back", 4);
	CHECK_EQ(from4.sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(ntohs(from4.sin_port), PORT);
	/* the AF_INET socket beats the dual-stack one for IPv4 once it
	 * shares the port (Linux scores the family) */
	int on = 1;
	CHECK_EQ(ut_close(w.s, s), 0);
	s = udp6_socket(w.s, false);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	struct sockaddr_in6 any6 = tw_addr6("::", PORT, 0);
	CHECK_EQ(ut_bind(w.s, s, (struct sockaddr *)&any6, sizeof(any6)), 0);
	int s4 = ut_socket(w.s, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_setsockopt(w.s, s4, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	struct sockaddr_in any4 = tw_addr("0.0.0.0", PORT);
	CHECK_EQ(ut_bind(w.s, s4, (struct sockaddr *)&any4, sizeof(any4)), 0);
	/* bound last would win among equals: bind the AF_INET6 one again
	 * last by reopening it */
	CHECK_EQ(ut_close(w.s, s), 0);
	s = udp6_socket(w.s, false);
	CHECK_EQ(ut_setsockopt(w.s, s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(w.s, s, (struct sockaddr *)&any6, sizeof(any6)), 0);
	CHECK_EQ(ut_sendto(w.c, c, "who", 3, 0, (struct sockaddr *)&dst, sizeof(dst)), 3);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s4, buf, sizeof(buf), 0), 3);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, s4);
	udp6_done(&w);
}

TEST(an_ipv6_socket_sends_to_a_v4_mapped_address_over_ipv4)
{
	struct tcpworld w;
	struct sockaddr_in from, sa4 = tw_addr(SERVER_IP, PORT);
	struct sockaddr_in6 name, peer;
	socklen_t len = sizeof(from);
	char buf[16];

	tw_make(&w, 804, NULL);
	tw_enable_ipv6(&w);
	int s = ut_socket(w.s, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_bind(w.s, s, (struct sockaddr *)&sa4, sizeof(sa4)), 0);
	int c = udp6_socket(w.c, false);
	CHECK_EQ(send6(w.c, c, "mapped", 6, "::ffff:10.0.0.2", PORT), 6);
	/* an AF_INET name works on an AF_INET6 socket too, as in Linux */
	CHECK_EQ(ut_sendto(w.c, c, "plain", 5, 0, (struct sockaddr *)&sa4, sizeof(sa4)), 5);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 2);
	CHECK_EQ(tw_counter(w.c, "Udp6", "OutDatagrams"), 0);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 6);
	CHECK_MEM_EQ(buf, "mapped", 6);
	CHECK_EQ(from.sin_addr.s_addr, inet_addr(CLIENT_IP));
	CHECK_EQ(ntohs(from.sin_port), port6(w.c, c));
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 5);
	/* connected to a v4-mapped peer: IPv4 both ways, names v4-mapped */
	struct sockaddr_in6 dst = tw_addr6("::ffff:10.0.0.2", PORT, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&dst, sizeof(dst)), 0);
	len = sizeof(name);
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, "::ffff:10.0.0.1", port6(w.c, c));
	len = sizeof(peer);
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&peer, &len), 0);
	check_sin6(&peer, "::ffff:10.0.0.2", PORT);
	CHECK_EQ(ut_send(w.c, c, "conn", 4, 0), 4);
	tw_run(&w, 100 * MS);
	len = sizeof(from);
	CHECK_EQ(ut_recvfrom(w.s, s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len), 4);
	CHECK_EQ(ut_sendto(w.s, s, "ans", 3, 0, (struct sockaddr *)&from, len), 3);
	tw_run(&w, 100 * MS);
	len = sizeof(peer);
	CHECK_EQ(ut_recvfrom(w.c, c, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len), 3);
	check_sin6(&peer, "::ffff:10.0.0.2", PORT);
	CHECK_EQ(tw_counter(w.c, "Udp6", "OutDatagrams"), 0);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 3);
	ut_close(w.c, c);
	ut_close(w.s, s);
	udp6_done(&w);
}

TEST(ipv6_v6only_refuses_ipv4_both_ways)
{
	struct tcpworld w;
	struct sockaddr_in dst = tw_addr(SERVER_IP, PORT);
	char buf[16];

	tw_make(&w, 805, NULL);
	tw_enable_ipv6(&w);
	int s = udp6_bound(w.s, "::", PORT, true);
	/* it leaves IPv4's port free (checked against Linux) */
	int s4 = ut_socket(w.s, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int c = ut_socket(w.c, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_sendto(w.c, c, "four", 4, 0, (struct sockaddr *)&dst, sizeof(dst)), 4);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(tw_counter(w.s, "Udp", "NoPorts"), 1);
	CHECK_EQ(tw_counter(w.s, "Icmp", "OutDestUnreachs"), 1);
	struct sockaddr_in same = tw_addr("0.0.0.0", PORT);
	CHECK_EQ(ut_bind(w.s, s4, (struct sockaddr *)&same, sizeof(same)), 0);
	/* and sends none */
	int c6 = udp6_socket(w.c, true);
	CHECK_EQ(send6(w.c, c6, "x", 1, "::ffff:10.0.0.2", PORT), -1);
	CHECK_EQ(errno, ENETUNREACH);
	CHECK_EQ(ut_sendto(w.c, c6, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)), -1);
	CHECK_EQ(errno, ENETUNREACH);
	CHECK_EQ(tw_counter(w.c, "Udp", "OutDatagrams"), 1); /* c's alone */
	ut_close(w.c, c);
	ut_close(w.c, c6);
	ut_close(w.s, s);
	ut_close(w.s, s4);
	udp6_done(&w);
}

/* ---- connect -------------------------------------------------------------------------*/

TEST(a_connected_ipv6_socket_hears_only_its_peer_until_af_unspec_disconnects_it)
{
	struct tcpworld w;
	struct sockaddr_in6 name;
	socklen_t len = sizeof(name);
	char buf[16];

	tw_make(&w, 806, NULL);
	tw_enable_ipv6(&w);
	int s = udp6_socket(w.s, false);
	int a = udp6_bound(w.c, "::", 6001, false), b = udp6_bound(w.c, "::", 6002, false);
	struct sockaddr_in6 peer = tw_addr6(CLIENT_IP6, 6001, 0);
	CHECK_EQ(ut_connect(w.s, s, (struct sockaddr *)&peer, sizeof(peer)), 0);
	/* bound to the route's source and an ephemeral port */
	CHECK_EQ(ut_getsockname(w.s, s, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, SERVER_IP6, port6(w.s, s));
	len = sizeof(name);
	CHECK_EQ(ut_getpeername(w.s, s, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, CLIENT_IP6, 6001);
	uint16_t sport = port6(w.s, s);
	CHECK_EQ(ut_send(w.s, s, "hi", 2, 0), 2);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.c, a, buf, sizeof(buf), 0), 2);
	/* the peer's datagrams arrive; another port's do not */
	CHECK_EQ(send6(w.c, a, "from-a", 6, SERVER_IP6, sport), 6);
	CHECK_EQ(send6(w.c, b, "from-b", 6, SERVER_IP6, sport), 6);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 6);
	CHECK_MEM_EQ(buf, "from-a", 6);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(tw_counter(w.s, "Udp6", "NoPorts"), 1);
	/* AF_UNSPEC: no peer, no address (bind chose neither), no port */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	CHECK_EQ(ut_connect(w.s, s, &unspec, sizeof(unspec)), 0);
	len = sizeof(name);
	CHECK_EQ(ut_getpeername(w.s, s, (struct sockaddr *)&name, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	len = sizeof(name);
	CHECK_EQ(ut_getsockname(w.s, s, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, "::", 0);
	CHECK_EQ(ut_send(w.s, s, "x", 1, 0), -1);
	CHECK_EQ(errno, EDESTADDRREQ);
	ut_close(w.c, a);
	ut_close(w.c, b);
	ut_close(w.s, s);
	udp6_done(&w);
}

TEST(a_closed_port_answers_port_unreachable_and_a_connected_socket_sees_econnrefused)
{
	struct tcpworld w;
	char buf[16];
	int err;
	socklen_t len = sizeof(err);

	tw_make(&w, 807, NULL);
	tw_enable_ipv6(&w);
	int c = udp6_socket(w.c, false), u = udp6_socket(w.c, false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, 9, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CHECK_EQ(ut_send(w.c, c, "knock", 5, 0), 5);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "Udp6", "NoPorts"), 1);
	CHECK_EQ(tw_counter(w.s, "Icmp6", "OutDestUnreachs"), 1);
	CHECK_EQ(tw_counter(w.c, "Icmp6", "InDestUnreachs"), 1);
	/* the error is the next call's, once */
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	/* an unconnected sender hears nothing of it (Linux without
	 * IPV6_RECVERR); after the rate limit's second, a second error */
	tw_run(&w, 2 * SEC);
	CHECK_EQ(send6(w.c, u, "knock", 5, SERVER_IP6, 9), 5);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "Udp6", "NoPorts"), 2);
	CHECK_EQ(ut_recv(w.c, u, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(send6(w.c, u, "again", 5, SERVER_IP6, 9), 5);
	ut_close(w.c, c);
	ut_close(w.c, u);
	tw_run(&w, 100 * MS);
	udp6_done(&w);
}

/* ---- the wire: one host and its layer 3 device --------------------------------------*/

/* A UDP datagram from 2001:db8::2 to dst: header with Length field ulen
 * (the real length when negative) and checksum check_mode (0: right, 1:
 * wrong, 2: zero), then payload; ip_len bytes of it (all when 0) in the
 * IPv6 packet. The checksum covers the Length field's bytes (all of them
 * when it is 0). */
static size_t build_udp6(uint8_t *pkt, const char *dst, uint16_t dport, int ulen, int check_mode,
			 const void *payload, size_t n, size_t ip_len)
{
	uint8_t udp[256];
	struct in6_addr s = ip6_text("2001:db8::2"), d = ip6_text(dst);
	size_t total = UDP_HLEN + n;
	size_t covered;

	put_be16(udp, 4000);
	put_be16(udp + 2, dport);
	put_be16(udp + 4, (uint16_t)(ulen < 0 ? (int)total : ulen));
	put_be16(udp + 6, 0);
	memcpy(udp + UDP_HLEN, payload, n);
	covered = ulen <= 0 ? total : MIN((size_t)ulen, total);
	uint16_t c = csum_ipv6(&s, &d, IPPROTO_UDP, udp, covered);
	if (c == 0)
		c = 0xffff;
	if (check_mode == 1)
		c ^= 0x0101;
	if (check_mode == 2)
		c = 0;
	put_be16(udp + 6, c);
	return build_ipv6_text(pkt, "2001:db8::2", dst, NEXTHDR_UDP, 64, udp,
			       ip_len ? ip_len : total);
}

TEST(malformed_and_badly_checksummed_datagrams_are_dropped_and_counted)
{
	static const struct {
		const char *what;
		int ulen, check_mode;
		size_t ip_len; /* 0: the whole datagram */
		int delivered; /* payload bytes read, -1: none */
		uint64_t inerrors, csum;
	} rows[] = {
		{"well formed", -1, 0, 0, 5, 0, 0},
		{"wrong checksum", -1, 1, 0, -1, 1, 1},
		/* RFC 8200 8.1: mandatory over IPv6 */
		{"zero checksum", -1, 2, 0, -1, 1, 1},
		{"Length past the payload", 20, 0, 0, -1, 1, 0},
		{"Length below the header", 4, 0, 0, -1, 1, 0},
		{"shorter than a header", -1, 0, 6, -1, 1, 0},
		/* the bytes past the Length are not the datagram's */
		{"Length short of the payload", 11, 0, 0, 3, 0, 0},
		/* RFC 2675's jumbogram Length, which Linux takes for any */
		{"Length zero", 0, 0, 0, 5, 0, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct test_clock tc;
		struct capdev cd;
		struct ut_stack *s = testnet_host6(&tc, &cd);
		uint8_t pkt[512];
		char buf[64];
		int fd = udp6_bound(s, "::", 7000, false);
		size_t n = build_udp6(pkt, "2001:db8::1", 7000, rows[i].ulen, rows[i].check_mode,
				      "hello", 5, rows[i].ip_len);

		testnet_inject6(&cd, pkt, n);
		ssize_t got = ut_recv(s, fd, buf, sizeof(buf), 0);
		if (got != rows[i].delivered)
			fprintf(stderr, "row %zu (%s): got %zd\n", i, rows[i].what, got);
		CHECK_EQ(got, rows[i].delivered);
		if (got > 0)
			CHECK_MEM_EQ(buf, "hello", (size_t)got);
		CHECK_EQ(testnet_counter(s, "Udp6", "InErrors"), rows[i].inerrors);
		CHECK_EQ(testnet_counter(s, "Udp6", "InCsumErrors"), rows[i].csum);
		CHECK_EQ(testnet_counter(s, "Udp6", "InDatagrams"), got >= 0 ? 1u : 0u);
		/* no error goes back for any of them */
		CHECK_EQ(cd.n, 0);
		/* and the same to a closed port: still no port unreachable
		 * for a bad one */
		n = build_udp6(pkt, "2001:db8::1", 7001, rows[i].ulen, rows[i].check_mode, "hello",
			       5, rows[i].ip_len);
		testnet_inject6(&cd, pkt, n);
		CHECK_EQ(cd.n, got >= 0 ? 1u : 0u);
		CHECK_EQ(testnet_counter(s, "Udp6", "NoPorts"), got >= 0 ? 1u : 0u);
		ut_close(s, fd);
		host_done(s, &cd);
	}
}

TEST(port_unreachable_on_the_wire_quotes_the_datagram_and_a_group_gets_none)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct wire_icmp6 icmp;
	uint8_t pkt[512];
	char buf[16];
	struct ut_stack *s = testnet_host6(&tc, &cd);
	size_t n = build_udp6(pkt, "2001:db8::1", 7001, -1, 0, "hello", 5, 0);

	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(cd.n, 1);
	testnet_frame_icmp6_l3(&cd, 0, &ip, &icmp);
	CHECK_EQ(icmp.type, ICMPV6_DEST_UNREACH);
	CHECK_EQ(icmp.code, ICMPV6_PORT_UNREACH);
	CHECK_EQ(icmp.payload_len, n);
	CHECK_MEM_EQ(icmp.payload, pkt, n);
	CHECK_EQ(testnet_counter(s, "Udp6", "NoPorts"), 1);
	/* to all nodes: no socket, no error (RFC 4443 2.4 e.3), counted
	 * apart */
	capdev_clear(&cd);
	n = build_udp6(pkt, "ff02::1", 7001, -1, 0, "hello", 5, 0);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(cd.n, 0);
	CHECK_EQ(testnet_counter(s, "Udp6", "IgnoredMulti"), 1);
	CHECK_EQ(testnet_counter(s, "Udp6", "NoPorts"), 1);
	/* every socket on the port gets a group's datagram */
	int on = 1, a = udp6_socket(s, false), b = udp6_socket(s, false);
	struct sockaddr_in6 any = tw_addr6("::", 7001, 0);
	CHECK_EQ(ut_setsockopt(s, a, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_setsockopt(s, b, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)), 0);
	CHECK_EQ(ut_bind(s, a, (struct sockaddr *)&any, sizeof(any)), 0);
	CHECK_EQ(ut_bind(s, b, (struct sockaddr *)&any, sizeof(any)), 0);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(ut_recv(s, a, buf, sizeof(buf), 0), 5);
	CHECK_EQ(ut_recv(s, b, buf, sizeof(buf), 0), 5);
	CHECK_EQ(testnet_counter(s, "Udp6", "InDatagrams"), 2);
	ut_close(s, a);
	ut_close(s, b);
	host_done(s, &cd);
}

TEST(a_datagram_leaves_with_the_hop_limit_and_traffic_class_set_and_a_valid_checksum)
{
	struct test_clock tc;
	struct capdev cd;
	struct wire_ipv6 ip;
	struct ut_stack *s = testnet_host6(&tc, &cd);
	int fd = udp6_socket(s, false), hops = 7, tclass = 0x28;

	CHECK_EQ(ut_setsockopt(s, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)), 0);
	CHECK_EQ(ut_setsockopt(s, fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass)), 0);
	CHECK_EQ(send6(s, fd, "abc", 3, "2001:db8::2", 53), 3);
	CHECK_EQ(cd.n, 1);
	testnet_frame_ip6_l3(&cd, 0, &ip);
	CHECK_EQ(ip.nexthdr, NEXTHDR_UDP);
	CHECK_EQ(ip.hop_limit, 7);
	CHECK_EQ(ip.tclass, 0x28);
	CHECK_EQ(ip.payload_len, UDP_HLEN + 3);
	CHECK_EQ(get_be16(ip.payload + 2), 53);
	CHECK_EQ(get_be16(ip.payload + 4), UDP_HLEN + 3);
	CHECK(get_be16(ip.payload + 6) != 0);
	CHECK_EQ(csum_ipv6(&ip.saddr, &ip.daddr, IPPROTO_UDP, ip.payload, ip.payload_len), 0);
	CHECK_IP_EQ(ut_ip_v6(&ip.saddr), ipaddr("2001:db8::1"));
	/* to a group: IPV6_MULTICAST_HOPS, 1 by default (RFC 3493 5.2) */
	struct sockaddr_in6 group = tw_addr6("ff02::1", 53, (uint32_t)ut_dev_ifindex(cd.dev));
	CHECK_EQ(ut_sendto(s, fd, "g", 1, 0, (struct sockaddr *)&group, sizeof(group)), 1);
	CHECK_EQ(cd.n, 2);
	testnet_frame_ip6_l3(&cd, 1, &ip);
	CHECK_EQ(ip.hop_limit, 1);
	CHECK_EQ(testnet_counter(s, "Udp6", "OutDatagrams"), 2);
	ut_close(s, fd);
	host_done(s, &cd);
}

TEST(datagrams_too_big_for_ipv6_or_for_the_path_with_pmtudisc_do_are_emsgsize)
{
	static char big[65600];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host6(&tc, &cd);
	int fd = udp6_socket(s, false), v = IPV6_PMTUDISC_DO;

	/* 65535 less the UDP header, fragmented (checked against Linux) */
	CHECK_EQ(send6(s, fd, big, 65528, "2001:db8::2", 9), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(send6(s, fd, big, 65527, "2001:db8::2", 9), 65527);
	CHECK(cd.n > 40);
	CHECK_EQ(testnet_counter(s, "Ip6", "FragCreates"), cd.n);
	/* over IPv4 (v4-mapped), IPv4's 65507 */
	CHECK_EQ(send6(s, fd, big, 65508, "::ffff:10.0.0.2", 9), -1);
	CHECK_EQ(errno, EMSGSIZE);
	/* DO: the path MTU (1500) less 48 bytes of headers */
	CHECK_EQ(ut_setsockopt(s, fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v)), 0);
	capdev_clear(&cd);
	CHECK_EQ(send6(s, fd, big, 1453, "2001:db8::2", 9), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(send6(s, fd, big, 1452, "2001:db8::2", 9), 1452);
	CHECK_EQ(cd.n, 1);
	ut_close(s, fd);
	host_done(s, &cd);
}

TEST(packet_too_big_tells_a_connected_socket_emsgsize_and_shrinks_what_do_may_send)
{
	static char big[2000];
	struct test_clock tc;
	struct capdev cd;
	uint8_t quote[1500], msg[1600], pkt[1700];
	char buf[16];
	struct ut_stack *s = testnet_host6(&tc, &cd);
	int fd = udp6_socket(s, false), v = IPV6_PMTUDISC_DO;
	struct sockaddr_in6 dst = tw_addr6("2001:db8::2", 9, 0);

	CHECK_EQ(ut_setsockopt(s, fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v)), 0);
	CHECK_EQ(ut_connect(s, fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	CHECK_EQ(ut_send(s, fd, big, 1400, 0), 1400);
	CHECK_EQ(cd.n, 1);
	size_t q = MIN(cd.frames[0].len, (size_t)1232);
	memcpy(quote, cd.frames[0].data, q);
	size_t n = build_icmp6_text(msg, "2001:db8::fe", "2001:db8::1", ICMPV6_PKT_TOOBIG, 0, 1280,
				    quote, q);
	n = build_ipv6_text(pkt, "2001:db8::fe", "2001:db8::1", NEXTHDR_ICMP, 64, msg, n);
	testnet_inject6(&cd, pkt, n);
	CHECK_EQ(ut_recv(s, fd, buf, sizeof(buf), 0), -1);
	CHECK_EQ(errno, EMSGSIZE);
	/* the route learned 1280: 1232 bytes fit, 1233 do not */
	CHECK_EQ(ut_send(s, fd, big, 1233, 0), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK_EQ(ut_send(s, fd, big, 1232, 0), 1232);
	int mtu;
	socklen_t len = sizeof(mtu);
	CHECK_EQ(ut_getsockopt(s, fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &len), 0);
	CHECK_EQ(mtu, 1280);
	ut_close(s, fd);
	host_done(s, &cd);
}

/* ---- refusals --------------------------------------------------------------------------*/

enum call { BIND, CONNECT, SENDTO };

/* A sockaddr_in6 of addr, or (family AF_INET) a sockaddr_in of the IPv4
 * text, or a bare family, in *ss; returns its length. */
static socklen_t make_name(struct sockaddr_storage *ss, int family, const char *addr, uint16_t port,
			   uint32_t scope)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 a = tw_addr6(addr, port, scope);
		memcpy(ss, &a, sizeof(a));
		return sizeof(a);
	}
	if (family == AF_INET) {
		struct sockaddr_in a = tw_addr(addr, port);
		memcpy(ss, &a, sizeof(a));
		return sizeof(a);
	}
	ss->ss_family = (sa_family_t)family;
	return sizeof(struct sockaddr_in6);
}

/* Each refusal with the errno Linux 6.x gives (a Python script against
 * the kernel, in a namespace with 10.0.0.1/24 and 2001:db8::1/64 on a
 * veth), and the cases it allows that one might expect refused. */
TEST(bind_connect_and_sendto_refuse_what_linux_refuses_with_its_errno)
{
	static const struct {
		enum call call;
		const char *bound; /* bind this first (NULL: no) */
		bool v6only;
		int family;
		const char *addr;
		uint16_t port;
		socklen_t len; /* 0: the family's */
		size_t size;   /* sendto's bytes (0: 1) */
		int err;       /* 0: allowed */
	} rows[] = {
		{BIND, NULL, true, AF_INET6, "::ffff:10.0.0.1", 0, 0, 0, EINVAL},
		{BIND, NULL, false, AF_INET6, "::ffff:10.0.0.9", 0, 0, 0, EADDRNOTAVAIL},
		{BIND, NULL, false, AF_INET6, "2001:db8::9", 0, 0, 0, EADDRNOTAVAIL},
		{BIND, NULL, false, AF_INET6, "fe80::1", 0, 0, 0, EINVAL},
		{BIND, NULL, false, AF_INET6, "::", 0, 23, 0, EINVAL},
		{BIND, NULL, false, AF_INET6, "::", 0, 24, 0, 0},
		{BIND, NULL, false, AF_INET, "10.0.0.1", 0, 0, 0, EINVAL},
		{BIND, "::", false, AF_INET6, "::", 0, 0, 0, EINVAL},
		{CONNECT, NULL, true, AF_INET6, "::ffff:10.0.0.2", 9, 0, 0, ENETUNREACH},
		{CONNECT, NULL, true, AF_INET, "10.0.0.2", 9, 0, 0, EAFNOSUPPORT},
		{CONNECT, NULL, false, AF_INET, "10.0.0.2", 9, 0, 0, 0},
		{CONNECT, NULL, false, AF_INET6, "fe80::2", 9, 0, 0, EINVAL},
		{CONNECT, NULL, false, AF_INET6, "2001:db8::2", 9, 23, 0, EINVAL},
		{CONNECT, NULL, false, AF_INET6, "2001:db9::2", 9, 0, 0, ENETUNREACH},
		{CONNECT, NULL, false, AF_INET6, "2001:db8::2", 0, 0, 0, 0},
		{CONNECT, NULL, false, AF_UNIX, NULL, 0, 0, 0, EAFNOSUPPORT},
		{CONNECT, "::ffff:10.0.0.1", false, AF_INET6, "2001:db8::2", 9, 0, 0, EAFNOSUPPORT},
		{CONNECT, "2001:db8::1", false, AF_INET6, "::ffff:10.0.0.2", 9, 0, 0, ENETUNREACH},
		{SENDTO, NULL, true, AF_INET6, "::ffff:10.0.0.2", 9, 0, 0, ENETUNREACH},
		{SENDTO, NULL, true, AF_INET, "10.0.0.2", 9, 0, 0, ENETUNREACH},
		{SENDTO, NULL, false, AF_INET, "10.0.0.2", 9, 0, 0, 0},
		{SENDTO, NULL, false, AF_INET6, "2001:db8::2", 0, 0, 0, EINVAL},
		{SENDTO, NULL, false, 0, NULL, 0, 0, 0, EDESTADDRREQ},
		{SENDTO, NULL, false, AF_INET6, "2001:db9::2", 9, 0, 0, ENETUNREACH},
		{SENDTO, NULL, false, AF_INET6, "2001:db8::2", 9, 23, 0, EINVAL},
		{SENDTO, NULL, false, AF_INET6, "2001:db8::2", 9, 24, 0, 0},
		{SENDTO, NULL, false, AF_INET6, "2001:db8::2", 9, 1, 0, EINVAL},
		{SENDTO, NULL, false, AF_UNIX, NULL, 0, 0, 0, EINVAL},
		{SENDTO, NULL, false, AF_INET6, "2001:db8::2", 9, 0, 65528, EMSGSIZE},
		{SENDTO, NULL, false, AF_INET6, "::ffff:10.0.0.2", 9, 0, 65508, EMSGSIZE},
		{SENDTO, "::ffff:10.0.0.1", false, AF_INET6, "2001:db8::2", 9, 0, 0, EAFNOSUPPORT},
		{SENDTO, "2001:db8::1", false, AF_INET6, "::ffff:10.0.0.2", 9, 0, 0, ENETUNREACH},
	};
	static char payload[65600];

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct test_clock tc;
		struct capdev cd;
		struct ut_stack *s = testnet_host6(&tc, &cd);
		struct sockaddr_storage ss;
		socklen_t len = 0;
		int fd = udp6_socket(s, rows[i].v6only), rc;

		if (rows[i].bound) {
			struct sockaddr_in6 b = tw_addr6(rows[i].bound, 0, 0);
			CHECK_EQ(ut_bind(s, fd, (struct sockaddr *)&b, sizeof(b)), 0);
		}
		if (rows[i].family)
			len = make_name(&ss, rows[i].family, rows[i].addr, rows[i].port, 0);
		if (rows[i].len)
			len = rows[i].len;
		errno = 0;
		switch (rows[i].call) {
		case BIND:
			rc = ut_bind(s, fd, (struct sockaddr *)&ss, len);
			break;
		case CONNECT:
			rc = ut_connect(s, fd, (struct sockaddr *)&ss, len);
			break;
		default:
			rc = (int)ut_sendto(s, fd, payload, rows[i].size ? rows[i].size : 1, 0,
					    rows[i].family ? (struct sockaddr *)&ss : NULL, len);
			break;
		}
		if ((rows[i].err ? -1 : 0) != (rc < 0 ? -1 : 0) || (rc < 0 && errno != rows[i].err))
			fprintf(stderr, "row %zu: rc %d errno %d, want %d\n", i, rc, errno,
				rows[i].err);
		if (rows[i].err) {
			CHECK_EQ(rc, -1);
			CHECK_EQ(errno, rows[i].err);
		} else {
			CHECK(rc >= 0);
		}
		ut_close(s, fd);
		host_done(s, &cd);
	}
}

TEST(udp_is_the_protocol_of_ipv6_datagram_sockets_and_sol_udp_is_its_level)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = testnet_host6(&tc, &cd);
	int v, fd = ut_socket(s, AF_INET6, SOCK_DGRAM, IPPROTO_UDP), on = 1;
	socklen_t len = sizeof(v);

	CHECK(fd >= 0);
	CHECK_EQ(ut_getsockopt(s, fd, SOL_SOCKET, SO_PROTOCOL, &v, &len), 0);
	CHECK_EQ(v, IPPROTO_UDP);
	CHECK_EQ(ut_socket(s, AF_INET6, SOCK_DGRAM, IPPROTO_TCP), -1);
	CHECK_EQ(errno, EPROTONOSUPPORT);
	/* UDP_CORK gathers two sends into one IPv6 datagram */
	CHECK_EQ(ut_setsockopt(s, fd, SOL_UDP, UDP_CORK, &on, sizeof(on)), 0);
	CHECK_EQ(send6(s, fd, "one,", 4, "2001:db8::2", 9), 4);
	CHECK_EQ(send6(s, fd, "two", 3, "2001:db8::2", 10), 3);
	CHECK_EQ(cd.n, 0);
	on = 0;
	CHECK_EQ(ut_setsockopt(s, fd, SOL_UDP, UDP_CORK, &on, sizeof(on)), 0);
	CHECK_EQ(cd.n, 1);
	struct wire_ipv6 ip;
	testnet_frame_ip6_l3(&cd, 0, &ip);
	CHECK_EQ(ip.payload_len, UDP_HLEN + 7);
	CHECK_EQ(get_be16(ip.payload + 2), 9);
	CHECK_MEM_EQ(ip.payload + UDP_HLEN, "one,two", 7);
	CHECK_EQ(csum_ipv6(&ip.saddr, &ip.daddr, IPPROTO_UDP, ip.payload, ip.payload_len), 0);
	/* IPv6's levels answer the rest */
	len = sizeof(v);
	CHECK_EQ(ut_getsockopt(s, fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), 0);
	CHECK_EQ(v, 0);
	ut_close(s, fd);
	host_done(s, &cd);
}
