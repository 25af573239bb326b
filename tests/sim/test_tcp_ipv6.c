/* TCP over IPv6 and dual-stack AF_INET6 sockets: connections over IPv6,
 * v4-mapped connections both ways (RFC 4291 2.5.5.2, RFC 3493 3.7),
 * IPV6_V6ONLY, link-local addresses with their scope, bind and connect
 * refusals with the kernel's errno (each checked against Linux 6.x), the
 * IPv6 socket options, resets and SYN cookies over IPv6. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/transp_v6.h"
#include "net/simnet.h"
#include "tcpworld.h"
#include "testip6.h"
#include "testwire.h"
#include "test.h"
#include "usertcp/dev.h"
#include "usertcp/sim.h"

#define PORT 8080

static struct ut_stack *g_stack;
static int g_fd;

static bool readable(void *arg)
{
	(void)arg;
	char b;
	return ut_recv(g_stack, g_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0;
}

/* An AF_INET6 listener on addr:PORT of the server. */
static int listen6(struct tcpworld *w, const char *addr, bool v6only)
{
	struct sockaddr_in6 sin6 = tw_addr6(addr, PORT, 0);
	int one = 1, fd = ut_socket(w->s, AF_INET6, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	if (v6only)
		CHECK_EQ(ut_setsockopt(w->s, fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	CHECK_EQ(ut_bind(w->s, fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	CHECK_EQ(ut_listen(w->s, fd, 16), 0);
	return fd;
}

/* A non-blocking connect from the client to sa, run until it completes;
 * returns the connected descriptor. */
static int connect_client(struct tcpworld *w, int family, const struct sockaddr *sa, socklen_t len)
{
	int fd = ut_socket(w->c, family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	CHECK(fd >= 0);
	CHECK_EQ(ut_connect(w->c, fd, sa, len), -1);
	CHECK_EQ(errno, EINPROGRESS);
	tw_run(w, SEC);
	return fd;
}

static int accept_server(struct tcpworld *w, int lfd, struct sockaddr_in6 *peer)
{
	socklen_t len = sizeof(*peer);
	int fd = ut_accept(w->s, lfd, (struct sockaddr *)peer, &len);

	CHECK(fd >= 0);
	CHECK_EQ(len, sizeof(*peer));
	CHECK_EQ(ut_fcntl(w->s, fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static void check_sin6(const struct sockaddr_in6 *sin6, const char *addr, uint16_t port)
{
	char text[INET6_ADDRSTRLEN];

	CHECK_EQ(sin6->sin6_family, AF_INET6);
	CHECK(inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text)) != NULL);
	CHECK(strcmp(text, addr) == 0);
	if (port)
		CHECK_EQ(ntohs(sin6->sin6_port), port);
}

/* n bytes each way between c and s, compared. */
static void exchange(struct tcpworld *w, int c, int s, size_t n)
{
	char *out = malloc(n), *in = malloc(n);

	CHECK(out && in);
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(i * 7 + 3);
	CHECK_EQ(tw_transfer(w, c, s, out, in, n, NULL, 60 * SEC, NULL, NULL), n);
	CHECK(memcmp(out, in, n) == 0);
	memset(in, 0, n);
	/* and back */
	struct tcpworld *ww = w;
	struct ut_stack *tmp = ww->c;
	ww->c = ww->s;
	ww->s = tmp;
	CHECK_EQ(tw_transfer(ww, s, c, out, in, n, NULL, 60 * SEC, NULL, NULL), n);
	ww->s = ww->c;
	ww->c = tmp;
	CHECK(memcmp(out, in, n) == 0);
	free(out);
	free(in);
}

TEST(an_ipv6_connection_carries_data_both_ways_names_both_ends_and_closes_cleanly)
{
	struct tcpworld w;
	struct sockaddr_in6 peer, name;
	socklen_t len = sizeof(name);

	tw_make(&w, 601, NULL);
	tw_gro_off(&w); /* Ip6 InDelivers is counted per wire packet below */
	tw_enable_ipv6(&w);
	int lfd = listen6(&w, "::", false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	check_sin6(&peer, CLIENT_IP6, 0);
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&name, &len), 0);
	CHECK_EQ(len, sizeof(name));
	check_sin6(&name, CLIENT_IP6, ntohs(peer.sin6_port));
	len = sizeof(name);
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, SERVER_IP6, PORT);
	len = sizeof(name);
	CHECK_EQ(ut_getsockname(w.s, s, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, SERVER_IP6, PORT);

	exchange(&w, c, s, 200000);
	/* It went over IPv6, with the MSS IPv6's headers leave of 1500 (the
	 * client's sends count buffers of several segments once each). */
	CHECK(tw_counter(w.c, "Ip6", "OutRequests") > 10);
	CHECK(tw_counter(w.s, "Ip6", "InDelivers") > 100);
	/* with no loss on the link, nothing waited for a timer: every
	 * buffer of several segments was cut by IPv6's GSO */
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPTimeouts") +
			 tw_counter(w.s, "TcpExt", "TCPTimeouts"),
		 0);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs") + tw_counter(w.s, "Tcp", "RetransSegs"), 0);
	CHECK_EQ(tw_counter(w.c, "Ip", "OutRequests"), 0);
	CHECK_EQ(tw_tcp_sk(w.c, c)->mss_cache, 1500 - 40 - 20 - 12);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_run(&w, SEC);
	CHECK_EQ(tw_counter(w.c, "Tcp", "OutRsts") + tw_counter(w.s, "Tcp", "OutRsts"), 0);
	CHECK_EQ(w.c->tw_count, 1);
	tw_done(&w);
}

/* TCP hands the device buffers of several segments (GSO); one that
 * cannot cut them itself, as none here can, has the stack cut them by the
 * buffer's family. IPv6's were marked with IPv4's type and refused
 * (tx_dropped), so only single segments (timers, retransmissions) left:
 * 2 MB took minutes instead of well under a second. */
TEST(an_ipv6_bulk_transfer_leaves_in_wire_segments_with_nothing_dropped_by_the_device)
{
	struct tcpworld w;
	struct sockaddr_in6 peer;
	struct ut_dev_stats st;
	size_t n = 2 << 20;
	char *out = malloc(n), *in = malloc(n);

	CHECK(out && in);
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(i * 13 + 1);
	tw_make(&w, 607, NULL);
	tw_enable_ipv6(&w);
	int lfd = listen6(&w, "::", false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 60 * SEC, NULL, NULL), n);
	CHECK(memcmp(out, in, n) == 0);
	/* Within 2 s of simulated time, where the bug took minutes. */
	CHECK(ut_sim_now(w.sim) - t0 < 2 * SEC);
	ut_dev_get_stats(ut_sim_link_dev(w.link, 0), &st);
	CHECK_EQ(st.tx_dropped, 0);
	/* Several segments went as one buffer: fewer sends than segments. */
	CHECK(tw_counter(w.c, "Ip6", "OutRequests") < tw_counter(w.c, "Tcp", "OutSegs"));
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_run(&w, SEC);
	free(out);
	free(in);
	tw_done(&w);
}

TEST(an_ipv4_client_reaches_a_dual_stack_listener_which_sees_it_v4_mapped)
{
	struct tcpworld w;
	struct sockaddr_in6 peer, name;
	socklen_t len = sizeof(name);

	tw_make(&w, 602, NULL);
	tw_enable_ipv6(&w);
	int lfd = listen6(&w, "::", false);
	struct sockaddr_in dst = tw_addr(SERVER_IP, PORT);
	int c = connect_client(&w, AF_INET, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	check_sin6(&peer, "::ffff:" CLIENT_IP, 0);
	CHECK_EQ(ut_getsockname(w.s, s, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, "::ffff:" SERVER_IP, PORT);
	exchange(&w, c, s, 100000);
	/* over IPv4 all the way */
	CHECK_EQ(tw_counter(w.s, "Ip6", "OutRequests"), 0);
	CHECK_EQ(tw_tcp_sk(w.s, s)->mss_cache, 1500 - 20 - 20 - 12);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_run(&w, SEC);
	CHECK_EQ(tw_counter(w.c, "Tcp", "OutRsts") + tw_counter(w.s, "Tcp", "OutRsts"), 0);
	tw_done(&w);
}

TEST(an_ipv6_socket_connects_to_a_v4_mapped_address_over_ipv4)
{
	struct tcpworld w;
	struct sockaddr_in6 name;
	socklen_t len = sizeof(name);

	tw_make(&w, 603, NULL);
	tw_enable_ipv6(&w);
	int lfd = tw_listen(&w, PORT, 16);
	struct sockaddr_in6 dst = tw_addr6("::ffff:" SERVER_IP, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = ut_accept(w.s, lfd, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_fcntl(w.s, s, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, "::ffff:" CLIENT_IP, 0);
	len = sizeof(name);
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&name, &len), 0);
	check_sin6(&name, "::ffff:" SERVER_IP, PORT);
	exchange(&w, c, s, 50000);
	CHECK_EQ(tw_counter(w.c, "Ip6", "OutRequests"), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}

TEST(a_v6only_listener_takes_no_ipv4_and_an_ipv4_listener_shares_its_port)
{
	struct tcpworld w;

	tw_make(&w, 604, NULL);
	tw_enable_ipv6(&w);
	int l6 = listen6(&w, "::", true);
	struct sockaddr_in dst4 = tw_addr(SERVER_IP, PORT);
	int c = connect_client(&w, AF_INET, (struct sockaddr *)&dst4, sizeof(dst4));
	/* refused: nothing takes IPv4 on the port */
	int err = 0;
	socklen_t len = sizeof(err);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_EQ(ut_close(w.c, c), 0);
	/* An IPv4 listener can share the port (a v6-only wildcard takes no
	 * IPv4), and takes the next one. */
	int l4 = tw_listen(&w, PORT, 16);
	c = connect_client(&w, AF_INET, (struct sockaddr *)&dst4, sizeof(dst4));
	int s = ut_accept(w.s, l4, NULL, NULL);
	CHECK(s >= 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, l4), 0);
	CHECK_EQ(ut_close(w.s, l6), 0);
	tw_done(&w);
}

TEST(a_connection_to_a_closed_ipv6_port_is_refused_by_a_reset)
{
	struct tcpworld w;
	int err = 0;
	socklen_t len = sizeof(err);

	tw_make(&w, 605, NULL);
	tw_enable_ipv6(&w);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutRsts"), 1);
	CHECK_EQ(ut_close(w.c, c), 0);
	tw_done(&w);
}

/* A device's link-local address (fe80::/64 from its MAC). */
static struct in6_addr link_local_of(struct ut_dev *dev)
{
	struct in6_addr a;

	CHECK_EQ(ipv6_get_lladdr(netdev_from_ut(dev), &a, 0), 0);
	return a;
}

TEST(a_link_local_connection_needs_its_scope_and_reports_it_in_the_names)
{
	struct tcpworld w;
	struct sockaddr_in6 peer, name;
	socklen_t len = sizeof(name);
	char text[INET6_ADDRSTRLEN];

	tw_make(&w, 606, NULL);
	tw_enable_ipv6(&w);
	struct ut_dev *sdev = ut_sim_link_dev(w.link, 1), *cdev = ut_sim_link_dev(w.link, 0);
	struct in6_addr sll = link_local_of(sdev);
	int lfd = listen6(&w, "::", false);
	CHECK(inet_ntop(AF_INET6, &sll, text, sizeof(text)) != NULL);
	struct sockaddr_in6 dst = tw_addr6(text, PORT, 0);
	/* no scope: EINVAL, as Linux */
	int c = ut_socket(w.c, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&dst, sizeof(dst)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_close(w.c, c), 0);
	dst.sin6_scope_id = (uint32_t)ut_dev_ifindex(cdev);
	c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	CHECK_EQ(peer.sin6_scope_id, (uint32_t)ut_dev_ifindex(sdev));
	CHECK_EQ(ut_getpeername(w.c, c, (struct sockaddr *)&name, &len), 0);
	CHECK_EQ(name.sin6_scope_id, (uint32_t)ut_dev_ifindex(cdev));
	check_sin6(&name, text, PORT);
	exchange(&w, c, s, 20000);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}

/* bind() and connect() refusals, each with the errno Linux 6.x gives. */
TEST(bind_and_connect_refuse_what_linux_refuses_with_its_errno)
{
	struct tcpworld w;
	int one = 1;

	tw_make(&w, 607, NULL);
	tw_enable_ipv6(&w);
	static const struct {
		const char *addr;
		uint32_t scope;
		bool v6only;
		int err;
	} binds[] = {
		{"::ffff:10.0.0.1", 0, true, EINVAL},	      /* mapped on a v6-only socket */
		{"::ffff:10.9.9.9", 0, false, EADDRNOTAVAIL}, /* not our IPv4 address */
		{"fe80::1", 0, false, EINVAL},		      /* link-local without a scope */
		{"fe80::1", 99, false, ENODEV},		      /* a scope that is no device */
		{"ff02::1", 0, false, EINVAL},		      /* a group, for a stream socket */
		{"2001:db8::99", 0, false, EADDRNOTAVAIL},    /* not ours */
	};
	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		struct sockaddr_in6 a = tw_addr6(binds[i].addr, 0, binds[i].scope);
		int fd = ut_socket(w.c, AF_INET6, SOCK_STREAM, 0);
		if (binds[i].v6only)
			CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
					       sizeof(one)),
				 0);
		CHECK_EQ(ut_bind(w.c, fd, (struct sockaddr *)&a, sizeof(a)), -1);
		CHECK_EQ(errno, binds[i].err);
		CHECK_EQ(ut_close(w.c, fd), 0);
	}
	/* the RFC 2133 length (no scope id) is enough; one byte less is not;
	 * an AF_INET address is another family's */
	int fd = ut_socket(w.c, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = tw_addr6("::1", 0, 0);
	CHECK_EQ(ut_bind(w.c, fd, (struct sockaddr *)&any, 23), -1);
	CHECK_EQ(errno, EINVAL);
	struct sockaddr_in v4 = tw_addr(CLIENT_IP, 0);
	CHECK_EQ(ut_bind(w.c, fd, (struct sockaddr *)&v4, sizeof(struct sockaddr_in6)), -1);
	CHECK_EQ(errno, EAFNOSUPPORT);
	CHECK_EQ(ut_bind(w.c, fd, (struct sockaddr *)&any, 24), 0);
	/* IPV6_V6ONLY is settled by bind */
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_close(w.c, fd), 0);

	/* connect: a group is unreachable; so is IPv4 for a v6-only socket */
	fd = ut_socket(w.c, AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 group = tw_addr6("ff02::1", 80, 0);
	CHECK_EQ(ut_connect(w.c, fd, (struct sockaddr *)&group, sizeof(group)), -1);
	CHECK_EQ(errno, ENETUNREACH);
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
	struct sockaddr_in6 mapped = tw_addr6("::ffff:10.0.0.2", 80, 0);
	CHECK_EQ(ut_connect(w.c, fd, (struct sockaddr *)&mapped, sizeof(mapped)), -1);
	CHECK_EQ(errno, ENETUNREACH);
	CHECK_EQ(ut_close(w.c, fd), 0);
	tw_done(&w);
}

/* IPV6_* values and refusals, as Linux 6.x answers them for TCP. */
TEST(ipv6_socket_options_take_linux_ranges_and_report_the_defaults)
{
	struct tcpworld w;
	int v;
	socklen_t len = sizeof(v);

	tw_make(&w, 608, NULL);
	tw_enable_ipv6(&w);
	int fd = ut_socket(w.c, AF_INET6, SOCK_STREAM, 0);
	static const struct {
		int opt, val, err;
	} sets[] = {
		{IPV6_UNICAST_HOPS, -2, EINVAL}, {IPV6_UNICAST_HOPS, 256, EINVAL},
		{IPV6_UNICAST_HOPS, -1, 0},	 {IPV6_UNICAST_HOPS, 0, 0},
		{IPV6_TCLASS, -2, EINVAL},	 {IPV6_TCLASS, 256, EINVAL},
		{IPV6_MTU_DISCOVER, -1, EINVAL}, {IPV6_MTU_DISCOVER, 6, EINVAL},
		{IPV6_MTU_DISCOVER, 5, 0},	 {IPV6_RECVERR, 1, 0},
		{999, 1, ENOPROTOOPT},
	};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		v = sets[i].val;
		int rc = ut_setsockopt(w.c, fd, IPPROTO_IPV6, sets[i].opt, &v, sizeof(v));
		CHECK_EQ(rc, sets[i].err ? -1 : 0);
		if (sets[i].err)
			CHECK_EQ(errno, sets[i].err);
	}
	/* an int, not a byte */
	unsigned char b = 5;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &b, 1), -1);
	CHECK_EQ(errno, EINVAL);
	/* -1: the default hop limit, 64 */
	v = -1;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &len), 0);
	CHECK_EQ(v, 64);
	/* TCP keeps the ECN bits of the traffic class */
	v = 0xff;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IPV6, IPV6_TCLASS, &v, &len), 0);
	CHECK_EQ(v, 0xfc);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, &len), 0);
	CHECK_EQ(v, 5);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len), 0);
	CHECK_EQ(v, 0);
	/* no path yet */
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IPV6, IPV6_MTU, &v, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	/* IPv4's level works on an AF_INET6 socket; an unknown level does
	 * not */
	v = 0x10;
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 64);
	CHECK_EQ(ut_getsockopt(w.c, fd, 999, 1, &v, &len), -1);
	CHECK_EQ(errno, ENOPROTOOPT);
	CHECK_EQ(ut_close(w.c, fd), 0);
	/* an AF_INET socket has no IPv6 level */
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_setsockopt(w.c, fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), -1);
	CHECK_EQ(errno, ENOPROTOOPT);
	CHECK_EQ(ut_getsockopt(w.c, fd, IPPROTO_IPV6, IPV6_TCLASS, &v, &len), -1);
	CHECK_EQ(errno, EOPNOTSUPP);
	CHECK_EQ(ut_close(w.c, fd), 0);
	tw_done(&w);
}

TEST(a_connected_ipv6_socket_reports_its_path_mtu_and_hop_limit)
{
	struct tcpworld w;
	struct sockaddr_in6 peer;
	int v;
	socklen_t len = sizeof(v);

	tw_make(&w, 609, NULL);
	tw_enable_ipv6(&w);
	int lfd = listen6(&w, "::", false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_IPV6, IPV6_MTU, &v, &len), 0);
	CHECK_EQ(v, 1500);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &len), 0);
	CHECK_EQ(v, 64);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}

TEST(syn_cookies_carry_an_ipv6_connection_when_every_syn_gets_one)
{
	struct tcpworld w;
	struct sockaddr_in6 peer;

	tw_make(&w, 610, NULL);
	tw_enable_ipv6(&w);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_syncookies", 2), 0);
	int lfd = listen6(&w, "::", false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	check_sin6(&peer, CLIENT_IP6, 0);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesSent"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesRecv"), 1);
	exchange(&w, c, s, 30000);
	/* and an IPv4 one to the same dual-stack listener */
	struct sockaddr_in dst4 = tw_addr(SERVER_IP, PORT);
	int c4 = connect_client(&w, AF_INET, (struct sockaddr *)&dst4, sizeof(dst4));
	int s4 = accept_server(&w, lfd, &peer);
	check_sin6(&peer, "::ffff:" CLIENT_IP, 0);
	exchange(&w, c4, s4, 30000);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "SyncookiesRecv"), 2);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.c, c4), 0);
	CHECK_EQ(ut_close(w.s, s4), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}

TEST(a_blocking_recv_on_an_ipv6_connection_wakes_for_data)
{
	struct tcpworld w;
	struct sockaddr_in6 peer;

	tw_make(&w, 611, NULL);
	tw_enable_ipv6(&w);
	int lfd = listen6(&w, SERVER_IP6, false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	CHECK_EQ(ut_send(w.c, c, "hello", 5, 0), 5);
	g_stack = w.s;
	g_fd = s;
	CHECK(tw_run_until(&w, readable, NULL, SEC));
	char buf[8];
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}

/* Hands the client's device, from the server's side of the link, an
 * ICMPv6 Packet Too Big from a router (2001:db8::fe) quoting the
 * client's segment at seq with the given MTU (RFC 4443 3.2). */
static void inject_ptb(struct tcpworld *w, int fd, uint32_t seq, uint32_t mtu)
{
	struct in6_addr router = ip6_text("2001:db8::fe"), client = ip6_text(CLIENT_IP6),
			server = ip6_text(SERVER_IP6);
	struct tcp_sock *tp = tw_tcp_sk(w->c, fd);
	struct sock *sk = &tp->inet_conn.icsk_inet;
	uint8_t th[20], quoted[IPV6_HLEN + sizeof(th)], icmp[8 + sizeof(quoted)];
	uint8_t pkt[IPV6_HLEN + sizeof(icmp)], frame[ETH_HLEN + sizeof(pkt)];

	memset(th, 0, sizeof(th));
	put_be16(th, sk->sk_num);
	put_be16(th + 2, sk->sk_dport);
	put_be32(th + 4, seq);
	th[12] = 5 << 4;
	th[13] = TCPHDR_ACK;
	size_t ql = build_ipv6(quoted, &client, &server, IPPROTO_TCP, 64, th, sizeof(th));
	size_t il = build_icmp6(icmp, &router, &client, ICMPV6_PKT_TOOBIG, 0, mtu, quoted, ql);
	size_t pl = build_ipv6(pkt, &router, &client, IPPROTO_ICMPV6, 255, icmp, il);
	struct net_device *dev = netdev_from_ut(ut_sim_link_dev(w->link, 0));
	memcpy(frame, dev->dev_addr, 6);
	ut_dev_hwaddr(ut_sim_link_dev(w->link, 1), frame + 6);
	put_be16(frame + 12, ETH_P_IPV6);
	memcpy(frame + ETH_HLEN, pkt, pl);
	struct sk_buff *skb = alloc_skb(w->sim->pool, (uint32_t)(ETH_HLEN + pl));
	CHECK(skb);
	memcpy(skb_put(skb, (uint32_t)(ETH_HLEN + pl)), frame, ETH_HLEN + pl);
	skb->dev = dev;
	netif_receive_skb(skb);
	ut_stack_poll(w->c);
}

/* RFC 8201: a Packet Too Big for data in flight shrinks the MSS to what
 * the reported MTU leaves after IPv6's 40-byte header, and resends the
 * flight at once (Linux's tcp_v6_mtu_reduced, tcp_simple_retransmit),
 * with no timeout; one about data already acknowledged changes nothing
 * but the route's memory of the path. */
TEST(packet_too_big_shrinks_an_ipv6_connections_mss_and_resends_the_flight_without_a_timeout)
{
	static char out[300000], in[sizeof(out)];
	struct tcpworld w;
	struct sockaddr_in6 peer;
	size_t sent = 0;
	int v;
	socklen_t len = sizeof(v);

	tw_make(&w, 612, NULL);
	tw_enable_ipv6(&w);
	int lfd = listen6(&w, "::", false);
	struct sockaddr_in6 dst = tw_addr6(SERVER_IP6, PORT, 0);
	int c = connect_client(&w, AF_INET6, (struct sockaddr *)&dst, sizeof(dst));
	int s = accept_server(&w, lfd, &peer);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 13 + i / 777);
	ssize_t k = ut_send(w.c, c, out, sizeof(out), 0);
	CHECK(k > 0);
	sent = (size_t)k;
	uint32_t flight = tp->packets_out;
	CHECK(flight >= 2);
	/* an error about data below snd_una is out of window: ignored */
	inject_ptb(&w, c, tp->snd_una - 100, 1280);
	CHECK_EQ(tw_counter(w.c, "TcpExt", "OutOfWindowIcmps"), 1);
	CHECK_EQ(tp->mss_cache, 1500 - 40 - 20 - 12);
	inject_ptb(&w, c, tp->snd_una, 1280);
	CHECK_EQ(tw_counter(w.c, "Icmp6", "InPktTooBigs"), 2);
	CHECK_EQ(tp->mss_cache, 1280 - 40 - 20 - 12);
	CHECK_EQ(tp->inet_conn.icsk_ca_state, TCP_CA_Loss);
	CHECK(tp->retrans_out > 0);
	/* below IPv6's minimum MTU counts as the minimum (RFC 8200 5) */
	inject_ptb(&w, c, tp->snd_una, 600);
	CHECK_EQ(tp->mss_cache, 1280 - 40 - 20 - 12);
	CHECK_EQ(ut_getsockopt(w.c, c, IPPROTO_IPV6, IPV6_MTU, &v, &len), 0);
	CHECK_EQ(v, 1280);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, sizeof(out), &sent, 30 * SEC, NULL, NULL),
		 sizeof(out));
	CHECK_MEM_EQ(in, out, sizeof(out));
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPTimeouts"), 0);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}

/* lo has IPv6 on from the start, as on Linux, while the links wait for
 * net.ipv6.conf.*.disable_ipv6: ::1 answers with nothing on the wire. */
TEST(a_new_stack_connects_to_itself_over_the_ipv6_loopback_with_nothing_on_its_links)
{
	struct tcpworld w;
	struct sockaddr_in6 peer;
	socklen_t len = sizeof(peer);

	tw_make(&w, 613, NULL);
	struct sockaddr_in6 lo = tw_addr6("::1", PORT, 0);
	int lfd = ut_socket(w.s, AF_INET6, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, lfd, (struct sockaddr *)&lo, sizeof(lo)), 0);
	CHECK_EQ(ut_listen(w.s, lfd, 4), 0);
	int c = ut_socket(w.s, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(w.s, c, (struct sockaddr *)&lo, sizeof(lo)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	tw_run(&w, SEC);
	int s = ut_accept(w.s, lfd, (struct sockaddr *)&peer, &len);
	CHECK(s >= 0);
	check_sin6(&peer, "::1", 0);
	CHECK_EQ(ut_send(w.s, c, "ping", 4, 0), 4);
	tw_run(&w, SEC);
	char buf[8];
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), 4);
	/* the link carried nothing of IPv6 */
	CHECK_EQ(tw_counter(w.c, "Ip6", "InReceives"), 0);
	/* and a link's address is still refused: IPv6 is off there */
	struct sockaddr_in6 g = tw_addr6(SERVER_IP6, PORT, 0);
	CHECK_EQ(ut_addr_add(w.s, ut_sim_link_dev(w.link, 1), ipaddr(SERVER_IP6), 64), -EACCES);
	int x = ut_socket(w.s, AF_INET6, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, x, (struct sockaddr *)&g, sizeof(g)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	CHECK_EQ(ut_close(w.s, x), 0);
	CHECK_EQ(ut_close(w.s, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	CHECK_EQ(ut_close(w.s, lfd), 0);
	tw_done(&w);
}
