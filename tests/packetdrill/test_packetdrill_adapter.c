/* The packetdrill adapter driven by hand, as packetdrill drives it: the
 * shared object is loaded with dlopen, set up through
 * packetdrill_interface_init and used only through the table it fills
 * (system calls, netdev_send, netdev_receive), so that CI proves the
 * adapter without packetdrill itself. The program does not link usertcp:
 * everything comes from the shared object named by $USERTCP_PD_SO. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "packetdrill_interface.h"
#include "test.h"

#define PEER "192.0.2.1"
/* packetdrill's run_all.py addresses for its ipv6 variant */
#define PEER6 "fd3d:fa7b:d17d::1"
#define LOCAL6 "fd3d:a0b:17d6::1"
#define IPV6_FLAGS "ip_version=ipv6 ip=" LOCAL6 " gateway=fd3d:a0b:17d6:8888::1 prefix=48 mtu=1520"
#define PEER_PORT 40000
#define PORT 8080

struct adapter {
	void *handle;
	struct packetdrill_interface ifc;
};

static void adapter_open(struct adapter *a, const char *flags)
{
	const char *path = getenv("USERTCP_PD_SO");
	packetdrill_interface_init_t init;

	CHECK(path != NULL);
	/* packetdrill adds RTLD_DEEPBIND, which the sanitizers' runtime
	 * refuses; the object exports one symbol, so it changes nothing. */
	a->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!a->handle)
		test_fail(__FILE__, __LINE__, "dlopen: %s", dlerror());
	*(void **)&init = dlsym(a->handle, "packetdrill_interface_init");
	CHECK(init != NULL);
	memset(&a->ifc, 0, sizeof(a->ifc));
	init(flags, &a->ifc);
	/* every entry packetdrill may call is there */
	void (*const *fn)(void) = (void (*const *)(void)) & a->ifc.free;
	size_t n = (sizeof(a->ifc) - offsetof(struct packetdrill_interface, free)) / sizeof(*fn);
	for (size_t i = 0; i < n; i++)
		CHECK(fn[i] != NULL);
}

static void adapter_close(struct adapter *a)
{
	a->ifc.free(a->ifc.userdata);
	dlclose(a->handle);
}

/* ---- building and reading packets ----------------------------------------------*/

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* The TCP checksum over the pseudo-header of the IPv4 header at ip. */
static uint16_t tcp_csum(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
	uint32_t sum = csum_add(0, ip + 12, 8);
	sum += 6 + (uint32_t)tcp_len;
	return csum_fold(csum_add(sum, tcp, tcp_len));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The TCP checksum over the pseudo-header of the IPv6 header at ip (RFC
 * 8200 8.1: both addresses, the upper-layer length, the next header). */
static uint16_t tcp6_csum(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
	uint32_t sum = csum_add(0, ip + 8, 32);
	sum += (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xffff) + IPPROTO_TCP;
	return csum_fold(csum_add(sum, tcp, tcp_len));
}

/* The TCP header and payload of a segment from the peer at tcp, its
 * checksum left 0. */
static size_t build_tcp(uint8_t *tcp, uint8_t flags, uint32_t seq, uint32_t ack,
			const uint8_t *opts, size_t optlen, const void *data, size_t len)
{
	size_t tcp_len = 20 + optlen + len;

	memset(tcp, 0, tcp_len);
	put16(tcp, PEER_PORT);
	put16(tcp + 2, PORT);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = flags;
	put16(tcp + 14, 29200);
	if (optlen)
		memcpy(tcp + 20, opts, optlen);
	if (len)
		memcpy(tcp + 20 + optlen, data, len);
	return tcp_len;
}

/* An IPv6 packet from PEER6 to dst carrying one TCP segment; returns its
 * length. */
static size_t build_segment6(uint8_t *buf, const char *dst, uint8_t flags, uint32_t seq,
			     uint32_t ack, const uint8_t *opts, size_t optlen, const void *data,
			     size_t len)
{
	uint8_t *tcp = buf + 40;
	size_t tcp_len = build_tcp(tcp, flags, seq, ack, opts, optlen, data, len);

	memset(buf, 0, 40);
	buf[0] = 0x60;
	put16(buf + 4, (uint16_t)tcp_len);
	buf[6] = IPPROTO_TCP;
	buf[7] = 64;
	inet_pton(AF_INET6, PEER6, buf + 8);
	inet_pton(AF_INET6, dst, buf + 24);
	put16(tcp + 16, tcp6_csum(buf, tcp, tcp_len));
	return 40 + tcp_len;
}

/* An IPv4 packet from the peer carrying one TCP segment; returns its length. */
static size_t build_segment(uint8_t *buf, const char *dst, uint8_t flags, uint32_t seq,
			    uint32_t ack, const uint8_t *opts, size_t optlen, const void *data,
			    size_t len)
{
	uint8_t *tcp = buf + 20;
	size_t tcp_len = build_tcp(tcp, flags, seq, ack, opts, optlen, data, len);

	memset(buf, 0, 20);
	buf[0] = 0x45;
	put16(buf + 2, (uint16_t)(20 + tcp_len));
	buf[8] = 64;
	buf[9] = IPPROTO_TCP;
	inet_pton(AF_INET, PEER, buf + 12);
	inet_pton(AF_INET, dst, buf + 16);
	put16(buf + 10, csum_fold(csum_add(0, buf, 20)));
	put16(tcp + 16, tcp_csum(buf, tcp, tcp_len));
	return 20 + tcp_len;
}

/* A segment the stack sent, checked and taken apart. */
struct seg {
	int version;	       /* of the IP header: 4 or 6 */
	uint32_t saddr, daddr; /* IPv4 */
	uint8_t saddr6[16], daddr6[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	int mss, wscale; /* -1: option absent */
	bool sack_ok, ts;
	const uint8_t *data;
	size_t len;
	long long time_usecs;
	uint8_t pkt[2048];
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* netdev_receive until a packet comes, for at most 3 s. Every length is
 * checked before the bytes it covers are read. */
static void receive_segment(struct adapter *a, struct seg *s)
{
	size_t n = 0;
	int rc = -1;

	for (int tries = 0; tries < 30 && rc != 0; tries++) {
		n = sizeof(s->pkt);
		rc = a->ifc.netdev_receive(a->ifc.userdata, s->pkt, &n, &s->time_usecs);
	}
	CHECK_EQ(rc, 0);
	CHECK(n >= 20);
	const uint8_t *ip = s->pkt;
	size_t ihl;
	s->version = ip[0] >> 4;
	if (s->version == 6) {
		/* no extension headers: TCP follows the fixed header */
		ihl = 40;
		CHECK(n >= ihl);
		CHECK_EQ(get16(ip + 4), n - ihl);
		CHECK_EQ(ip[6], IPPROTO_TCP);
		memcpy(s->saddr6, ip + 8, 16);
		memcpy(s->daddr6, ip + 24, 16);
	} else {
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		CHECK_EQ(s->version, 4);
		CHECK(ihl >= 20 && ihl <= n);
		CHECK_EQ(get16(ip + 2), n);
		CHECK_EQ(csum_fold(csum_add(0, ip, ihl)), 0);
		CHECK_EQ(ip[9], IPPROTO_TCP);
		memcpy(&s->saddr, ip + 12, 4);
		memcpy(&s->daddr, ip + 16, 4);
	}

	const uint8_t *tcp = ip + ihl;
	size_t tcp_len = n - ihl;
	CHECK(tcp_len >= 20);
	size_t doff = (size_t)(tcp[12] >> 4) * 4;
	CHECK(doff >= 20 && doff <= tcp_len);
	if (s->version == 6)
		CHECK_EQ(tcp6_csum(ip, tcp, tcp_len), 0);
	else
		CHECK_EQ(tcp_csum(ip, tcp, tcp_len), 0);
	s->sport = get16(tcp);
	s->dport = get16(tcp + 2);
	s->seq = get32(tcp + 4);
	s->ack = get32(tcp + 8);
	s->flags = tcp[13];
	s->window = get16(tcp + 14);
	s->mss = s->wscale = -1;
	s->sack_ok = s->ts = false;
	for (size_t i = 20; i < doff;) {
		uint8_t kind = tcp[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		CHECK(i + 1 < doff);
		size_t olen = tcp[i + 1];
		CHECK(olen >= 2 && i + olen <= doff);
		if (kind == 2 && olen == 4)
			s->mss = get16(tcp + i + 2);
		else if (kind == 3 && olen == 3)
			s->wscale = tcp[i + 2];
		else if (kind == 4 && olen == 2)
			s->sack_ok = true;
		else if (kind == 8 && olen == 10)
			s->ts = true;
		i += olen;
	}
	s->data = tcp + doff;
	s->len = tcp_len - doff;
}

static long long now_usecs(struct adapter *a)
{
	struct timeval tv;
	CHECK_EQ(a->ifc.gettimeofday(a->ifc.userdata, &tv, NULL), 0);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int listen_on_port(struct adapter *a)
{
	void *u = a->ifc.userdata;
	struct sockaddr_in sin;
	int one = 1;
	int fd = a->ifc.socket(u, AF_INET, SOCK_STREAM, IPPROTO_TCP);

	CHECK(fd >= 0);
	CHECK_EQ(a->ifc.setsockopt(u, fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(PORT);
	CHECK_EQ(a->ifc.bind(u, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(a->ifc.listen(u, fd, 1), 0);
	return fd;
}

/* <mss 1000,sackOK,nop,nop,nop,wscale 7>, as packetdrill's scripts send */
static const uint8_t syn_opts[] = {2, 4, 0x03, 0xe8, 4, 2, 1, 1, 1, 3, 3, 7};

TEST(a_syn_sent_with_netdev_send_to_a_listener_comes_back_as_a_syn_ack_through_netdev_receive)
{
	struct adapter a;
	static struct seg s;
	uint8_t pkt[256];
	size_t n;

	adapter_open(&a, "ip=192.168.0.2");
	void *u = a.ifc.userdata;
	int lfd = listen_on_port(&a);

	/* nothing sent yet: netdev_receive says so and packetdrill asks again */
	n = sizeof(pkt);
	long long t;
	CHECK_EQ(a.ifc.netdev_receive(u, pkt, &n, &t), -1);
	CHECK_EQ(n, 0);

	long long before = now_usecs(&a);
	n = build_segment(pkt, "192.168.0.2", TH_SYN, 1000, 0, syn_opts, sizeof(syn_opts), NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	receive_segment(&a, &s);
	CHECK_EQ(s.saddr, inet_addr("192.168.0.2"));
	CHECK_EQ(s.daddr, inet_addr(PEER));
	CHECK_EQ(s.sport, PORT);
	CHECK_EQ(s.dport, PEER_PORT);
	CHECK_EQ(s.flags, TH_SYN | TH_ACK);
	CHECK_EQ(s.ack, 1001);
	CHECK_EQ(s.len, 0);
	/* the answer packetdrill's scripts expect of Linux with defaults.sh:
	 * <mss 1460,nop,nop,sackOK,nop,wscale 8> (tcp_rmem[2] of 15 MiB
	 * asks for scale 8), no timestamps since the SYN had none */
	CHECK_EQ(s.mss, 1460);
	CHECK_EQ(s.wscale, 8);
	CHECK(s.sack_ok);
	CHECK(!s.ts);
	/* stamped on the clock gettimeofday reads */
	CHECK(s.time_usecs >= before);
	CHECK(s.time_usecs <= now_usecs(&a));

	/* the handshake's last ACK: accept returns, data flows both ways */
	uint32_t iss = s.seq;
	n = build_segment(pkt, "192.168.0.2", TH_ACK, 1001, iss + 1, NULL, 0, NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	int fd = a.ifc.accept(u, lfd, NULL, NULL);
	CHECK(fd >= 0);
	CHECK_EQ(a.ifc.write(u, fd, "hello", 5), 5);
	receive_segment(&a, &s);
	CHECK_EQ(s.flags, TH_ACK | TH_PSH);
	CHECK_EQ(s.seq, iss + 1);
	CHECK_EQ(s.len, 5);
	CHECK(!memcmp(s.data, "hello", 5));

	n = build_segment(pkt, "192.168.0.2", TH_ACK | TH_PSH, 1001, iss + 6, NULL, 0, "world", 5);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	char buf[16];
	CHECK_EQ(a.ifc.read(u, fd, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "world", 5));
	int inq = -1;
	CHECK_EQ(a.ifc.ioctl(u, fd, FIONREAD, &inq), 0);
	CHECK_EQ(inq, 0);

	CHECK_EQ(a.ifc.close(u, fd), 0);
	receive_segment(&a, &s); /* the ACK of "world" or our FIN */
	CHECK(s.flags & TH_ACK);
	CHECK_EQ(a.ifc.close(u, lfd), 0);
	adapter_close(&a);
}

TEST(the_flags_string_sets_the_address_the_route_and_sysctls)
{
	struct adapter a;
	static struct seg s;
	uint8_t pkt[256];
	size_t n;

	adapter_open(&a, "ip=10.1.2.3,prefix=24 gateway=10.1.2.1 net.ipv4.tcp_sack=0");
	void *u = a.ifc.userdata;
	int lfd = listen_on_port(&a);
	n = build_segment(pkt, "10.1.2.3", TH_SYN, 7, 0, syn_opts, sizeof(syn_opts), NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	receive_segment(&a, &s);
	CHECK_EQ(s.saddr, inet_addr("10.1.2.3"));
	CHECK_EQ(s.daddr, inet_addr(PEER)); /* off-link, through the gateway */
	CHECK_EQ(s.flags, TH_SYN | TH_ACK);
	CHECK(!s.sack_ok);
	/* a packet for an address the stack does not have is not answered */
	n = build_segment(pkt, "192.168.0.2", TH_SYN, 7, 0, syn_opts, sizeof(syn_opts), NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	n = sizeof(s.pkt);
	CHECK_EQ(a.ifc.netdev_receive(u, s.pkt, &n, &s.time_usecs), -1);
	CHECK_EQ(a.ifc.close(u, lfd), 0);
	adapter_close(&a);
}

TEST(calls_usertcp_lacks_fail_as_a_system_call_would)
{
	struct adapter a;
	int fds[2];

	adapter_open(&a, NULL);
	void *u = a.ifc.userdata;
	errno = 0;
	CHECK_EQ(a.ifc.pipe(u, fds), -1);
	CHECK_EQ(errno, ENOSYS);
	CHECK_EQ(a.ifc.close(u, 99), -1);
	CHECK_EQ(errno, EBADF);
	CHECK_EQ(a.ifc.netdev_send(u, "", 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(a.ifc.usleep(u, 1000), 0);
	adapter_close(&a);
}

static void sin6_of(struct sockaddr_in6 *sin6, const char *addr, uint16_t port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	CHECK_EQ(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
}

TEST(in_the_ipv6_mode_a_handshake_and_data_cross_the_adapter_as_ipv6_packets)
{
	struct adapter a;
	static struct seg s;
	struct sockaddr_in6 sin6, peer;
	socklen_t peer_len = sizeof(peer);
	uint8_t pkt[256], addr6[16];
	long long t;
	size_t n;

	adapter_open(&a, IPV6_FLAGS);
	void *u = a.ifc.userdata;
	/* bound to the local address, as packetdrill binds in ipv6 mode */
	int lfd = a.ifc.socket(u, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	CHECK(lfd >= 0);
	sin6_of(&sin6, LOCAL6, PORT);
	CHECK_EQ(a.ifc.bind(u, lfd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	CHECK_EQ(a.ifc.listen(u, lfd, 1), 0);

	/* IPv6 coming up on tun0 sent nothing: no duplicate address
	 * detection, no router solicitation, which a script does not expect */
	n = sizeof(pkt);
	CHECK_EQ(a.ifc.netdev_receive(u, pkt, &n, &t), -1);
	CHECK_EQ(n, 0);

	n = build_segment6(pkt, LOCAL6, TH_SYN, 1000, 0, syn_opts, sizeof(syn_opts), NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	receive_segment(&a, &s);
	CHECK_EQ(s.version, 6);
	inet_pton(AF_INET6, LOCAL6, addr6);
	CHECK(!memcmp(s.saddr6, addr6, 16));
	/* off-link, through the gateway of the default route */
	inet_pton(AF_INET6, PEER6, addr6);
	CHECK(!memcmp(s.daddr6, addr6, 16));
	CHECK_EQ(s.sport, PORT);
	CHECK_EQ(s.dport, PEER_PORT);
	CHECK_EQ(s.flags, TH_SYN | TH_ACK);
	CHECK_EQ(s.ack, 1001);
	/* run_all.py's MTU of 1520 leaves the IPv4 scripts' MSS of 1460
	 * under IPv6's 40-byte header */
	CHECK_EQ(s.mss, 1460);
	CHECK_EQ(s.wscale, 8);
	CHECK(s.sack_ok);

	uint32_t iss = s.seq;
	n = build_segment6(pkt, LOCAL6, TH_ACK, 1001, iss + 1, NULL, 0, NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	int fd = a.ifc.accept(u, lfd, (struct sockaddr *)&peer, &peer_len);
	CHECK(fd >= 0);
	CHECK_EQ(peer_len, sizeof(peer));
	CHECK_EQ(peer.sin6_family, AF_INET6);
	CHECK_EQ(ntohs(peer.sin6_port), PEER_PORT);
	CHECK(!memcmp(&peer.sin6_addr, addr6, 16));

	CHECK_EQ(a.ifc.write(u, fd, "hello", 5), 5);
	receive_segment(&a, &s);
	CHECK_EQ(s.version, 6);
	CHECK_EQ(s.flags, TH_ACK | TH_PSH);
	CHECK_EQ(s.seq, iss + 1);
	CHECK_EQ(s.len, 5);
	CHECK(!memcmp(s.data, "hello", 5));

	n = build_segment6(pkt, LOCAL6, TH_ACK | TH_PSH, 1001, iss + 6, NULL, 0, "world", 5);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	char buf[16];
	CHECK_EQ(a.ifc.read(u, fd, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "world", 5));

	CHECK_EQ(a.ifc.close(u, fd), 0);
	receive_segment(&a, &s); /* the ACK of "world" or our FIN */
	CHECK_EQ(s.version, 6);
	CHECK(s.flags & TH_ACK);
	CHECK_EQ(a.ifc.close(u, lfd), 0);
	adapter_close(&a);
}

TEST(in_the_v4_mapped_mode_an_af_inet6_listener_answers_an_ipv4_syn_and_names_its_peer_v4_mapped)
{
	struct adapter a;
	static struct seg s;
	struct sockaddr_in6 sin6, peer;
	socklen_t peer_len = sizeof(peer);
	uint8_t pkt[256], mapped[16];
	size_t n;

	adapter_open(&a, "ip_version=ipv4-mapped-ipv6 ip=192.168.0.2");
	void *u = a.ifc.userdata;
	/* packetdrill binds a v4-mapped script's socket to the mapped local
	 * address */
	int lfd = a.ifc.socket(u, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	CHECK(lfd >= 0);
	sin6_of(&sin6, "::ffff:192.168.0.2", PORT);
	CHECK_EQ(a.ifc.bind(u, lfd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	CHECK_EQ(a.ifc.listen(u, lfd, 1), 0);

	n = build_segment(pkt, "192.168.0.2", TH_SYN, 1000, 0, syn_opts, sizeof(syn_opts), NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	receive_segment(&a, &s);
	CHECK_EQ(s.version, 4);
	CHECK_EQ(s.saddr, inet_addr("192.168.0.2"));
	CHECK_EQ(s.daddr, inet_addr(PEER));
	CHECK_EQ(s.flags, TH_SYN | TH_ACK);
	CHECK_EQ(s.mss, 1460); /* IPv4's header, not IPv6's */

	uint32_t iss = s.seq;
	n = build_segment(pkt, "192.168.0.2", TH_ACK | TH_PSH, 1001, iss + 1, NULL, 0, "hi", 2);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	int fd = a.ifc.accept(u, lfd, (struct sockaddr *)&peer, &peer_len);
	CHECK(fd >= 0);
	CHECK_EQ(peer.sin6_family, AF_INET6);
	CHECK_EQ(ntohs(peer.sin6_port), PEER_PORT);
	inet_pton(AF_INET6, "::ffff:" PEER, mapped);
	CHECK(!memcmp(&peer.sin6_addr, mapped, 16));
	char buf[8];
	CHECK_EQ(a.ifc.read(u, fd, buf, sizeof(buf)), 2);
	CHECK(!memcmp(buf, "hi", 2));

	CHECK_EQ(a.ifc.close(u, fd), 0);
	receive_segment(&a, &s);
	CHECK_EQ(s.version, 4);
	CHECK_EQ(a.ifc.close(u, lfd), 0);
	adapter_close(&a);
}

TEST(in_the_v4_mapped_mode_an_af_inet6_socket_connects_to_a_v4_mapped_peer_with_ipv4_packets)
{
	struct adapter a;
	static struct seg s;
	struct sockaddr_in6 sin6;
	uint8_t pkt[256];
	size_t n;

	adapter_open(&a, "ip_version=ipv4-mapped-ipv6 ip=192.168.0.2");
	void *u = a.ifc.userdata;
	int fd = a.ifc.socket(u, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	CHECK(fd >= 0);
	/* the local port fixed so that the peer's segments can be built */
	sin6_of(&sin6, "::ffff:192.168.0.2", PORT);
	CHECK_EQ(a.ifc.bind(u, fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	/* non-blocking: this thread plays the peer */
	CHECK_EQ(a.ifc.fcntl(u, fd, F_SETFL, O_NONBLOCK), 0);
	sin6_of(&sin6, "::ffff:" PEER, PEER_PORT);
	errno = 0;
	CHECK_EQ(a.ifc.connect(u, fd, (struct sockaddr *)&sin6, sizeof(sin6)), -1);
	CHECK_EQ(errno, EINPROGRESS);

	receive_segment(&a, &s);
	CHECK_EQ(s.version, 4);
	CHECK_EQ(s.saddr, inet_addr("192.168.0.2"));
	CHECK_EQ(s.daddr, inet_addr(PEER));
	CHECK_EQ(s.sport, PORT);
	CHECK_EQ(s.dport, PEER_PORT);
	CHECK_EQ(s.flags, TH_SYN);
	CHECK_EQ(s.mss, 1460);
	CHECK(s.ts); /* defaults.sh's tcp_timestamps=1 */

	/* a SYN-ACK without timestamps, so that the data segment below needs
	 * none either */
	uint32_t iss = s.seq;
	n = build_segment(pkt, "192.168.0.2", TH_SYN | TH_ACK, 5000, iss + 1, syn_opts,
			  sizeof(syn_opts), NULL, 0);
	CHECK_EQ(a.ifc.netdev_send(u, pkt, n), 0);
	receive_segment(&a, &s); /* the handshake's ACK */
	CHECK_EQ(s.version, 4);
	CHECK_EQ(s.flags, TH_ACK);
	CHECK_EQ(s.ack, 5001);
	int err = -1;
	socklen_t len = sizeof(err);
	CHECK_EQ(a.ifc.getsockopt(u, fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);

	CHECK_EQ(a.ifc.write(u, fd, "ping", 4), 4);
	receive_segment(&a, &s);
	CHECK_EQ(s.version, 4);
	CHECK_EQ(s.seq, iss + 1);
	CHECK_EQ(s.len, 4);
	CHECK(!memcmp(s.data, "ping", 4));

	CHECK_EQ(a.ifc.close(u, fd), 0);
	receive_segment(&a, &s); /* the FIN */
	CHECK_EQ(s.version, 4);
	CHECK(s.flags & TH_FIN);
	adapter_close(&a);
}

/* The set-up runs in a child, since a refused flag ends the process. The
 * child makes no CHECKs (a failed one would go on running the tests
 * there): a set-up it cannot even start exits 3, apart from the adapter's
 * EXIT_FAILURE. Returns the exit status, with what the child wrote to
 * standard error in err. */
static int exit_status_of_opening(const char *flags, char *err, size_t errlen)
{
	const char *path = getenv("USERTCP_PD_SO");
	int status, pipefd[2];
	ssize_t got;
	size_t used = 0;

	CHECK(path != NULL);
	CHECK_EQ(pipe(pipefd), 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct packetdrill_interface ifc;
		packetdrill_interface_init_t init;
		void *h;

		close(pipefd[0]);
		if (dup2(pipefd[1], STDERR_FILENO) < 0)
			_exit(3);
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h)
			_exit(3);
		*(void **)&init = dlsym(h, "packetdrill_interface_init");
		if (!init)
			_exit(3);
		memset(&ifc, 0, sizeof(ifc));
		init(flags, &ifc);
		ifc.free(ifc.userdata);
		_exit(0);
	}
	close(pipefd[1]);
	while (used + 1 < errlen && (got = read(pipefd[0], err + used, errlen - 1 - used)) > 0)
		used += (size_t)got;
	err[used] = '\0';
	close(pipefd[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

TEST(an_address_of_the_other_family_than_ip_version_names_ends_the_set_up_with_a_message)
{
	static const char *const refused[] = {
		"ip_version=ipv6 ip=192.168.0.2",
		"ip_version=ipv4-mapped-ipv6 ip=" LOCAL6,
		"ip=" LOCAL6 " gateway=192.168.0.1",
		"ip=192.168.0.2 prefix=48",
		"ip_version=ipv5",
	};
	char err[512];

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CHECK_EQ(exit_status_of_opening(refused[i], err, sizeof(err)), EXIT_FAILURE);
		CHECK(strstr(err, "usertcp-packetdrill: ") != NULL);
	}
	/* the same words, each of the mode's family, are taken */
	CHECK_EQ(exit_status_of_opening(IPV6_FLAGS, err, sizeof(err)), 0);
	CHECK_EQ(exit_status_of_opening("ip_version=ipv6", err, sizeof(err)), 0);
	CHECK_EQ(exit_status_of_opening("ip_version=ipv4-mapped-ipv6 ip=192.168.0.2", err,
					sizeof(err)),
		 0);
	CHECK_EQ(err[0], '\0');
}
