/* IPv4 socket options beyond TTL and TOS, as Linux's ip_sockglue.c and
 * sock.c answer them: IP_MTU (the path MTU of a connected socket),
 * IP_FREEBIND and net.ipv4.ip_nonlocal_bind (binding an address that is
 * not the host's), the multicast sending options (IP_MULTICAST_TTL, _IF,
 * _LOOP) on the wire, and SO_BINDTODEVICE / SO_BINDTOIFINDEX, which tie a
 * socket's sending and a listener's accepting to one device. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"

#define PORT 8080

static int get_int(struct ut_stack *st, int fd, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);
	CHECK_EQ(ut_getsockopt(st, fd, level, name, &v, &len), 0);
	return v;
}

static void set_int(struct ut_stack *st, int fd, int level, int name, int v)
{
	CHECK_EQ(ut_setsockopt(st, fd, level, name, &v, sizeof(v)), 0);
}

TEST(ip_mtu_is_enotconn_until_connected_then_the_path_mtu)
{
	struct tcpworld w;
	struct ut_tcp_info ti;
	struct sockaddr_in lo = tw_addr("127.0.0.1", PORT + 1);
	socklen_t len = sizeof(int);
	int v, c, s, u, l, lc, ls;

	tw_make(&w, 1, NULL);
	u = ut_socket(w.c, AF_INET, SOCK_DGRAM, 0);
	CHECK_EQ(ut_getsockopt(w.c, u, IPPROTO_IP, IP_MTU, &v, &len), -1);
	CHECK_EQ(errno, ENOTCONN);
	/* IP_MTU is read-only */
	v = 1000;
	CHECK_EQ(ut_setsockopt(w.c, u, IPPROTO_IP, IP_MTU, &v, sizeof(v)), -1);
	CHECK_EQ(errno, ENOPROTOOPT);
	struct sockaddr_in peer = tw_addr(SERVER_IP, 9);
	CHECK_EQ(ut_connect(w.c, u, (struct sockaddr *)&peer, sizeof(peer)), 0);
	CHECK_EQ(get_int(w.c, u, IPPROTO_IP, IP_MTU), 1500);

	tw_pair(&w, PORT, &c, &s);
	CHECK_EQ(get_int(w.c, c, IPPROTO_IP, IP_MTU), 1500);
	CHECK_EQ(get_int(w.s, s, IPPROTO_IP, IP_MTU), 1500);

	/* over lo (MTU 65536) the route's MTU stops at IPv4's largest
	 * datagram, 65535, as Linux's ipv4_mtu */
	l = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&lo, sizeof(lo)), 0);
	CHECK_EQ(ut_listen(w.s, l, 4), 0);
	lc = ut_socket(w.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_connect(w.s, lc, (struct sockaddr *)&lo, sizeof(lo));
	tw_run(&w, 10 * MS);
	ls = ut_accept(w.s, l, NULL, NULL);
	CHECK(ls >= 0);
	CHECK_EQ(get_int(w.s, lc, IPPROTO_IP, IP_MTU), 65535);
	len = sizeof(ti);
	CHECK_EQ(ut_getsockopt(w.s, lc, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK_EQ(ti.tcpi_pmtu, 65535);
	CHECK_EQ(ti.tcpi_advmss, 65483); /* 65535 - 40, less 12 for timestamps */

	ut_close(w.s, lc);
	ut_close(w.s, ls);
	ut_close(w.s, l);
	ut_close(w.c, u);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(ip_freebind_lets_bind_take_an_address_that_is_not_the_hosts)
{
	struct tcpworld w;
	struct sockaddr_in far = tw_addr("192.0.2.77", PORT);
	int a, b;

	tw_make(&w, 2, NULL);
	a = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&far, sizeof(far)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	CHECK_EQ(get_int(w.s, a, IPPROTO_IP, IP_FREEBIND), 0);
	set_int(w.s, a, IPPROTO_IP, IP_FREEBIND, 1);
	CHECK_EQ(get_int(w.s, a, IPPROTO_IP, IP_FREEBIND), 1);
	CHECK_EQ(ut_bind(w.s, a, (struct sockaddr *)&far, sizeof(far)), 0);
	/* net.ipv4.ip_nonlocal_bind does it for every socket */
	b = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	far.sin_port = htons(PORT + 1);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&far, sizeof(far)), -1);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.ip_nonlocal_bind", 1), 0);
	CHECK_EQ(ut_bind(w.s, b, (struct sockaddr *)&far, sizeof(far)), 0);
	ut_close(w.s, a);
	ut_close(w.s, b);
	tw_done(&w);
}

/* A UDP datagram to a group, from a host whose device the test reads. */
static size_t send_to_group(struct ut_stack *st, struct capdev *cd, int u)
{
	struct sockaddr_in g = {.sin_family = AF_INET, .sin_port = htons(5000)};

	g.sin_addr.s_addr = ip4("239.1.2.3");
	capdev_clear(cd);
	CHECK_EQ(ut_sendto(st, u, "x", 1, 0, (struct sockaddr *)&g, sizeof(g)), 1);
	testnet_poll(st);
	return cd->n;
}

TEST(multicast_options_set_the_ttl_and_source_of_datagrams_to_a_group)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *st = testnet_host(&tc, &cd, UT_DEV_ETHER);
	struct wire_ipv4 ip;
	struct in_addr a;
	struct ip_mreqn mreqn;
	socklen_t len;
	unsigned char byte;
	int u = ut_socket(st, AF_INET, SOCK_DGRAM, 0), t = ut_socket(st, AF_INET, SOCK_STREAM, 0);

	/* ip route add 224.0.0.0/4 dev eth0 */
	CHECK_EQ(ut_route_add(st, ipaddr("224.0.0.0"), 4, ipaddr("0.0.0.0"), cd.dev), 0);
	/* the defaults: TTL 1, looped, the route's device */
	CHECK_EQ(get_int(st, u, IPPROTO_IP, IP_MULTICAST_TTL), 1);
	CHECK_EQ(get_int(st, u, IPPROTO_IP, IP_MULTICAST_LOOP), 1);
	CHECK_EQ(send_to_group(st, &cd, u), 1);
	testnet_frame_ip(&cd, 0, &ip);
	CHECK_EQ(ip.ttl, 1);
	CHECK_EQ(ip.saddr, ip4("10.0.0.1"));
	/* to 01:00:5e and the group's low 23 bits, with nothing resolved */
	static const uint8_t group_mac[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
	CHECK_MEM_EQ(cd.frames[0].data, group_mac, 6);

	set_int(st, u, IPPROTO_IP, IP_MULTICAST_TTL, 7);
	CHECK_EQ(send_to_group(st, &cd, u), 1);
	testnet_frame_ip(&cd, 0, &ip);
	CHECK_EQ(ip.ttl, 7);
	/* a short buffer reads one byte, as Linux's do_ip_getsockopt */
	len = 1;
	CHECK_EQ(ut_getsockopt(st, u, IPPROTO_IP, IP_MULTICAST_TTL, &byte, &len), 0);
	CHECK_EQ(len, 1);
	CHECK_EQ(byte, 7);
	/* -1 restores the default; 256 and TCP sockets are refused */
	set_int(st, u, IPPROTO_IP, IP_MULTICAST_TTL, -1);
	CHECK_EQ(get_int(st, u, IPPROTO_IP, IP_MULTICAST_TTL), 1);
	int bad = 256;
	CHECK_EQ(ut_setsockopt(st, u, IPPROTO_IP, IP_MULTICAST_TTL, &bad, sizeof(bad)), -1);
	CHECK_EQ(errno, EINVAL);
	bad = 3;
	CHECK_EQ(ut_setsockopt(st, t, IPPROTO_IP, IP_MULTICAST_TTL, &bad, sizeof(bad)), -1);
	CHECK_EQ(errno, EINVAL);
	/* TTL 0 keeps the datagram on the host */
	set_int(st, u, IPPROTO_IP, IP_MULTICAST_TTL, 0);
	CHECK_EQ(send_to_group(st, &cd, u), 0);
	set_int(st, u, IPPROTO_IP, IP_MULTICAST_TTL, 1);

	/* IP_MULTICAST_IF by address: an address of ours, or none at all */
	a.s_addr = ip4("10.9.9.9");
	CHECK_EQ(ut_setsockopt(st, u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	a.s_addr = ip4("10.0.0.1");
	CHECK_EQ(ut_setsockopt(st, u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)), 0);
	memset(&a, 0, sizeof(a));
	len = sizeof(a);
	CHECK_EQ(ut_getsockopt(st, u, IPPROTO_IP, IP_MULTICAST_IF, &a, &len), 0);
	CHECK_EQ(len, sizeof(a));
	CHECK_EQ(a.s_addr, ip4("10.0.0.1"));
	/* by index, as an ip_mreqn: a device that does not exist is refused */
	memset(&mreqn, 0, sizeof(mreqn));
	mreqn.imr_ifindex = 99;
	CHECK_EQ(ut_setsockopt(st, u, IPPROTO_IP, IP_MULTICAST_IF, &mreqn, sizeof(mreqn)), -1);
	CHECK_EQ(errno, EADDRNOTAVAIL);
	mreqn.imr_ifindex = ut_dev_ifindex(cd.dev);
	CHECK_EQ(ut_setsockopt(st, u, IPPROTO_IP, IP_MULTICAST_IF, &mreqn, sizeof(mreqn)), 0);
	CHECK_EQ(send_to_group(st, &cd, u), 1);
	CHECK_EQ(ut_setsockopt(st, t, IPPROTO_IP, IP_MULTICAST_IF, &mreqn, sizeof(mreqn)), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(testnet_counter(st, "IpExt", "OutMcastPkts"), 3);

	ut_close(st, u);
	ut_close(st, t);
	testnet_destroy(st, &cd);
}

TEST(so_bindtodevice_names_the_device_and_unbinds_with_an_empty_name)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *st = testnet_host(&tc, &cd, UT_DEV_ETHER);
	char name[IFNAMSIZ];
	socklen_t len;
	int fd = ut_socket(st, AF_INET, SOCK_STREAM, 0);

	CHECK_EQ(ut_setsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, "nosuch0", 8), -1);
	CHECK_EQ(errno, ENODEV);
	len = sizeof(name);
	CHECK_EQ(ut_getsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(ut_setsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 4), 0);
	len = sizeof(name);
	CHECK_EQ(ut_getsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), 0);
	CHECK_EQ(len, 5);
	CHECK_MEM_EQ(name, "eth0", 5);
	CHECK_EQ(get_int(st, fd, SOL_SOCKET, SO_BINDTOIFINDEX), ut_dev_ifindex(cd.dev));
	/* a buffer too short for any name */
	len = 4;
	CHECK_EQ(ut_getsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(ut_setsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, "", 1), 0);
	CHECK_EQ(get_int(st, fd, SOL_SOCKET, SO_BINDTOIFINDEX), 0);
	set_int(st, fd, SOL_SOCKET, SO_BINDTOIFINDEX, ut_dev_ifindex(cd.dev));
	CHECK_EQ(get_int(st, fd, SOL_SOCKET, SO_BINDTOIFINDEX), ut_dev_ifindex(cd.dev));
	/* an index is taken unchecked, as Linux takes it; reading the name
	 * of a device that is not there is ENODEV */
	set_int(st, fd, SOL_SOCKET, SO_BINDTOIFINDEX, 77);
	len = sizeof(name);
	CHECK_EQ(ut_getsockopt(st, fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len), -1);
	CHECK_EQ(errno, ENODEV);
	ut_close(st, fd);
	testnet_destroy(st, &cd);
}

TEST(a_socket_bound_to_a_device_sends_through_it_and_no_other)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *st = testnet_host(&tc, &cd, UT_DEV_ETHER);
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(9)};
	int u = ut_socket(st, AF_INET, SOCK_DGRAM, 0);

	peer.sin_addr.s_addr = ip4("10.0.0.2");
	CHECK_EQ(ut_setsockopt(st, u, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5), 0);
	capdev_clear(&cd);
	CHECK_EQ(ut_sendto(st, u, "x", 1, 0, (struct sockaddr *)&peer, sizeof(peer)), 1);
	testnet_poll(st);
	CHECK_EQ(cd.n, 1);
	/* tied to lo, the datagram does not leave by eth0 (Linux takes a
	 * destination with no route through the device to be on its link) */
	CHECK_EQ(ut_setsockopt(st, u, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3), 0);
	capdev_clear(&cd);
	CHECK_EQ(ut_sendto(st, u, "x", 1, 0, (struct sockaddr *)&peer, sizeof(peer)), 1);
	testnet_poll(st);
	CHECK_EQ(cd.n, 0);
	ut_close(st, u);
	testnet_destroy(st, &cd);
}

static int connect_over_lo(struct tcpworld *w, uint16_t port)
{
	struct sockaddr_in sin = tw_addr("127.0.0.1", port);
	int fd = ut_socket(w->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = -1;
	socklen_t len = sizeof(err);

	CHECK_EQ(ut_connect(w->s, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
	tw_run(w, 10 * MS);
	CHECK_EQ(ut_getsockopt(w->s, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	ut_close(w->s, fd);
	return err;
}

TEST(a_listener_bound_to_a_device_accepts_only_what_arrives_on_it)
{
	struct tcpworld w;
	struct sockaddr_in any = tw_addr("0.0.0.0", PORT);
	int l, c, s;

	tw_make(&w, 3, NULL);
	l = ut_socket(w.s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&any, sizeof(any)), 0);
	CHECK_EQ(ut_listen(w.s, l, 4), 0);
	CHECK_EQ(ut_setsockopt(w.s, l, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5), 0);
	/* a SYN over lo finds no listener: reset, refused */
	CHECK_EQ(connect_over_lo(&w, PORT), ECONNREFUSED);
	/* the client's SYN arrives on eth0: accepted */
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 1500 * MS);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	/* unbound again, lo's SYN finds it */
	CHECK_EQ(ut_setsockopt(w.s, l, SOL_SOCKET, SO_BINDTODEVICE, "", 0), 0);
	CHECK_EQ(connect_over_lo(&w, PORT), 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}
