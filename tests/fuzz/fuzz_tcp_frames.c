/* libFuzzer target: whole Ethernet frames into a stack that holds TCP
 * state. The stack (02:00:00:00:00:01, 10.0.0.1/24 and 2001:db8::1/64 on
 * eth0; its peer 10.0.0.2 and 2001:db8::2 at 02:00:00:00:00:02) has a
 * listener on port 80, a connection that listener accepted from
 * 10.0.0.2:40000, a connection it opened to 10.0.0.2:9000, a UDP socket
 * on port 53, and over IPv6 a dual-stack listener on port 81 with a
 * connection it accepted from [2001:db8::2]:40001 and a connection opened
 * to [2001:db8::2]:9001, all set up by real frames. The input is a
 * sequence of records [len_hi len_lo][ctl][frame]: the frame goes in as
 * it is, except that ctl bit 0 has the harness fill in correct IPv4
 * header and TCP/UDP checksums, under either family's pseudo-header (so
 * that mutations reach the protocols); ctl >> 1 advances the clock by
 * that many 10 ms steps. Frames are polled when the clock advances and
 * after the last record, so the frames in between reach the stack in one
 * batch, as a NIC's do, and GRO merges what it may of them. The
 * stack's connections use fixed secrets, so sequence numbers in the seeds
 * stay valid. After the input every descriptor is closed and 2000 s pass:
 * every socket must be freed and every buffer back in the pool.
 *
 * With FUZZ_TCP_FRAMES_SEEDS=DIR set, the program writes its seed inputs
 * (a data exchange, a close, an out-of-order burst, resets) into DIR and
 * exits: tests/fuzz/corpus/fuzz_tcp_frames was made that way. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_clock.h"
#include "net/ipv6.h"
#include "net/neighbour.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "usertcp/socket.h"
#include "usertcp/usertcp.h"

static const uint8_t our_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t peer_mac[6] = {2, 0, 0, 0, 0, 2};

/* The last seq and ack the stack sent from each of its TCP ports. */
#define SEEN_PORTS 6
struct seen {
	uint16_t port[SEEN_PORTS];
	uint32_t seq[SEEN_PORTS], ack[SEEN_PORTS];
};

static unsigned tx(void *ctx, const struct iovec *f, unsigned n)
{
	struct seen *s = ctx;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = f[i].iov_base, *t;
		if (f[i].iov_len < 14 + 20 + 20)
			continue;
		if (get_be16(p + 12) == ETH_P_IPV6) {
			if (f[i].iov_len < 14 + 40 + 20 || p[14 + 6] != IPPROTO_TCP)
				continue;
			t = p + 14 + 40;
		} else {
			if (p[14 + 9] != IPPROTO_TCP)
				continue;
			t = p + 14 + (size_t)(p[14] & 15) * 4;
		}
		if (t + 20 > p + f[i].iov_len)
			continue;
		uint16_t sport = get_be16(t);
		for (int k = 0; k < SEEN_PORTS; k++) {
			if (s->port[k] == sport || s->port[k] == 0) {
				s->port[k] = sport;
				s->seq[k] = get_be32(t + 4);
				s->ack[k] = get_be32(t + 8);
				break;
			}
		}
	}
	return n;
}

static uint32_t seen_seq(const struct seen *s, uint16_t port, uint32_t *ack)
{
	for (int k = 0; k < SEEN_PORTS; k++)
		if (s->port[k] == port) {
			if (ack)
				*ack = s->ack[k];
			return s->seq[k];
		}
	return 0;
}

/* The TCP or UDP checksum at l4 (l4len bytes) under IPv6's
 * pseudo-header, where the lengths allow (no extension headers). */
static void fix_checksums6(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *l4 = ip + 40;
	size_t plen = get_be16(ip + 4);
	size_t off = ip[6] == IPPROTO_TCP ? 16 : ip[6] == IPPROTO_UDP ? 6 : 0;
	struct in6_addr saddr, daddr;

	if (14 + 40 + plen > len || !off || plen < off + 2)
		return;
	memcpy(&saddr, ip + 8, 16);
	memcpy(&daddr, ip + 24, 16);
	l4[off] = l4[off + 1] = 0;
	uint16_t c = csum_ipv6(&saddr, &daddr, ip[6], l4, plen);
	if (ip[6] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put_be16(l4 + off, c);
}

/* Fills in the IPv4 header checksum and the TCP or UDP checksum of an
 * Ethernet frame of either family, where the lengths allow. */
static void fix_checksums(uint8_t *f, size_t len)
{
	if (len >= 14 + 40 && get_be16(f + 12) == ETH_P_IPV6) {
		fix_checksums6(f, len);
		return;
	}
	if (len < 14 + 20 || get_be16(f + 12) != ETH_P_IP)
		return;
	uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = get_be16(ip + 2);
	if (ihl < 20 || 14 + ihl > len)
		return;
	ip[10] = ip[11] = 0;
	uint16_t c = csum_fold(csum_partial(ip, ihl, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	if (tot < ihl || 14 + tot > len)
		return;
	uint8_t *l4 = ip + ihl;
	size_t l4len = tot - ihl;
	size_t off = ip[9] == IPPROTO_TCP ? 16 : ip[9] == IPPROTO_UDP ? 6 : 0;
	if (!off || l4len < off + 2)
		return;
	l4[off] = l4[off + 1] = 0;
	uint32_t saddr, daddr;
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	c = csum_tcpudp(saddr, daddr, ip[9], l4, l4len);
	if (ip[9] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	l4[off] = (uint8_t)(c >> 8);
	l4[off + 1] = (uint8_t)c;
}

/* Builds an Ethernet frame holding a TCP segment from the peer. */
static size_t tcp_frame(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			uint8_t flags, const uint8_t *opts, size_t optlen, const void *data,
			size_t dlen)
{
	size_t thl = 20 + optlen, tot = 20 + thl + dlen;
	memset(f, 0, 14 + tot);
	wire_eth_emit(f, our_mac, peer_mac, ETH_P_IP);
	uint8_t *ip = f + 14, *t = ip + 20;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	uint32_t src = inet_addr("10.0.0.2"), dst = inet_addr("10.0.0.1");
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	t[0] = (uint8_t)(sport >> 8);
	t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	for (int b = 0; b < 4; b++) {
		t[4 + b] = (uint8_t)(seq >> (24 - 8 * b));
		t[8 + b] = (uint8_t)(ack >> (24 - 8 * b));
	}
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	t[14] = 0xfa; /* window 64240 */
	t[15] = 0xf0;
	if (optlen)
		memcpy(t + 20, opts, optlen);
	if (dlen)
		memcpy(t + thl, data, dlen);
	fix_checksums(f, 14 + tot);
	return 14 + tot;
}

/* The same from [2001:db8::2] to [2001:db8::1]. */
static size_t tcp_frame6(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			 uint8_t flags, const uint8_t *opts, size_t optlen, const void *data,
			 size_t dlen)
{
	uint8_t v4[2048];
	size_t n = tcp_frame(v4, sport, dport, seq, ack, flags, opts, optlen, data, dlen);
	size_t tcp_len = n - 14 - 20;
	struct in6_addr src = {{{0x20, 0x01, 0x0d, 0xb8, [15] = 2}}};
	struct in6_addr dst = {{{0x20, 0x01, 0x0d, 0xb8, [15] = 1}}};

	wire_eth_emit(f, our_mac, peer_mac, ETH_P_IPV6);
	memset(f + 14, 0, 40);
	f[14] = 0x60;
	put_be16(f + 14 + 4, (uint16_t)tcp_len);
	f[14 + 6] = IPPROTO_TCP;
	f[14 + 7] = 64;
	memcpy(f + 14 + 8, &src, 16);
	memcpy(f + 14 + 24, &dst, 16);
	memcpy(f + 14 + 40, v4 + 14 + 20, tcp_len);
	fix_checksums6(f, 14 + 40 + tcp_len);
	return 14 + 40 + tcp_len;
}

#define NFDS 7
struct rig {
	struct tclock tc;
	struct seen seen;
	struct ut_stack *s;
	struct ut_dev *eth;
	/* listener, accepted, connected, udp; IPv6 listener, accepted,
	 * connected */
	int fds[NFDS];
	uint16_t cport, cport6; /* local ports of the opened connections */
};

static void run_until(struct rig *r, uint64_t end)
{
	fuzz_run_until(r->s, &r->tc, end);
}

static void input(struct rig *r, const uint8_t *f, size_t len)
{
	ut_dev_input(r->eth, f, len);
	ut_stack_poll(r->s);
}

static int rig_make(struct rig *r)
{
	static const struct ut_dev_driver drv = {.transmit = tx};
	/* MSS 1460, SACK permitted, timestamps, window scale 7 */
	static const uint8_t synopts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					    0, 1, 0,	0,    0, 0, 1, 3,  3, 7};
	struct ut_stack_config cfg;
	uint8_t f[128];

	memset(r, 0, sizeof(*r));
	r->tc.c.now_ns = tnow;
	r->tc.now = 1000000000ULL;
	ut_stack_config_init(&cfg);
	cfg.clock = &r->tc.c;
	cfg.seed = 1;
	if (ut_stack_create(&cfg, &r->s))
		return -1;
	if (ut_dev_create(r->s, "eth0", UT_DEV_ETHER, 1500, 0, our_mac, &drv, &r->seen, &r->eth) ||
	    ut_addr_add(r->s, r->eth, ut_ip_v4(inet_addr("10.0.0.1")), 24)) {
		ut_stack_destroy(r->s);
		return -1;
	}
	neigh_update(&r->s->arp_tbl, netdev_from_ut(r->eth), &(uint32_t){inet_addr("10.0.0.2")},
		     peer_mac, NUD_PERMANENT, true);

	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
	r->fds[0] = ut_socket(r->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_bind(r->s, r->fds[0], (struct sockaddr *)&sin, sizeof(sin));
	ut_listen(r->s, r->fds[0], 4);
	input(r, f,
	      tcp_frame(f, 40000, 80, 40000, 0, TCPHDR_SYN, synopts, sizeof(synopts), NULL, 0));
	input(r, f,
	      tcp_frame(f, 40000, 80, 40001, seen_seq(&r->seen, 80, NULL) + 1, TCPHDR_ACK, NULL, 0,
			NULL, 0));
	r->fds[1] = ut_accept4(r->s, r->fds[0], NULL, NULL, SOCK_NONBLOCK);

	struct sockaddr_in dst = {.sin_family = AF_INET,
				  .sin_port = htons(9000),
				  .sin_addr.s_addr = inet_addr("10.0.0.2")};
	r->fds[2] = ut_socket(r->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_connect(r->s, r->fds[2], (struct sockaddr *)&dst, sizeof(dst));
	ut_stack_poll(r->s);
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	ut_getsockname(r->s, r->fds[2], (struct sockaddr *)&me, &ml);
	r->cport = ntohs(me.sin_port);
	input(r, f,
	      tcp_frame(f, 9000, r->cport, 5000, seen_seq(&r->seen, r->cport, NULL) + 1,
			TCPHDR_SYN | TCPHDR_ACK, synopts, 4, NULL, 0));

	struct sockaddr_in u = {.sin_family = AF_INET, .sin_port = htons(53)};
	r->fds[3] = ut_socket(r->s, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ut_bind(r->s, r->fds[3], (struct sockaddr *)&u, sizeof(u));

	/* IPv6 at once: no DAD, no router solicitations */
	ut_sysctl_set(r->s, "net.ipv6.conf.eth0.accept_dad", 0);
	ut_sysctl_set(r->s, "net.ipv6.conf.eth0.router_solicitations", 0);
	ut_sysctl_set(r->s, "net.ipv6.conf.eth0.disable_ipv6", 0);
	struct in6_addr me6 = {{{0x20, 0x01, 0x0d, 0xb8, [15] = 1}}};
	struct in6_addr peer6 = {{{0x20, 0x01, 0x0d, 0xb8, [15] = 2}}};
	ut_addr_add(r->s, r->eth, ut_ip_v6(&me6), 64);
	neigh_update(&net_ipv6(r->s)->nd_tbl, netdev_from_ut(r->eth), &peer6, peer_mac,
		     NUD_PERMANENT, true);
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(81)};
	r->fds[4] = ut_socket(r->s, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_bind(r->s, r->fds[4], (struct sockaddr *)&sin6, sizeof(sin6));
	ut_listen(r->s, r->fds[4], 4);
	input(r, f,
	      tcp_frame6(f, 40001, 81, 40000, 0, TCPHDR_SYN, synopts, sizeof(synopts), NULL, 0));
	input(r, f,
	      tcp_frame6(f, 40001, 81, 40001, seen_seq(&r->seen, 81, NULL) + 1, TCPHDR_ACK, NULL, 0,
			 NULL, 0));
	r->fds[5] = ut_accept4(r->s, r->fds[4], NULL, NULL, SOCK_NONBLOCK);
	struct sockaddr_in6 dst6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(9001), .sin6_addr = peer6};
	r->fds[6] = ut_socket(r->s, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_connect(r->s, r->fds[6], (struct sockaddr *)&dst6, sizeof(dst6));
	ut_stack_poll(r->s);
	struct sockaddr_in6 me6s;
	socklen_t ml6 = sizeof(me6s);
	ut_getsockname(r->s, r->fds[6], (struct sockaddr *)&me6s, &ml6);
	r->cport6 = ntohs(me6s.sin6_port);
	input(r, f,
	      tcp_frame6(f, 9001, r->cport6, 6000, seen_seq(&r->seen, r->cport6, NULL) + 1,
			 TCPHDR_SYN | TCPHDR_ACK, synopts, 4, NULL, 0));
	return 0;
}

static void rig_done(struct rig *r)
{
	static char buf[65536];
	for (int k = 0; k < NFDS; k++) {
		if (k == 0 || k == 4) { /* listeners */
			int nfd;
			while ((nfd = ut_accept4(r->s, r->fds[k], NULL, NULL, 0)) >= 0)
				ut_close(r->s, nfd);
		} else {
			while (ut_recv(r->s, r->fds[k], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
		ut_close(r->s, r->fds[k]);
	}
	run_until(r, r->tc.now + 2000ULL * 1000000000ULL);
	/* Every connection ends and gives its memory back. */
	if (r->s->tcp_socks || r->s->tw_count || ut_stack_open_fds(r->s) ||
	    skb_pool_in_use(r->s->pool))
		__builtin_trap();
	ut_stack_destroy(r->s);
}

/* fuzz_vnet.c includes this file for its rig, seeds helpers included,
 * and brings its own entry points. */
#ifndef FUZZ_TCP_FRAMES_RIG_ONLY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[65536];
	struct rig r;

	if (rig_make(&r) < 0)
		return 0;
	size_t i = 0;
	while (i + 3 <= size) {
		size_t len = (size_t)data[i] << 8 | data[i + 1];
		uint8_t ctl = data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		memcpy(frame, data + i, len);
		i += len;
		if (ctl & 1)
			fix_checksums(frame, len);
		/* Frames of records that advance no clock are handed over
		 * together and taken in one poll, one device batch, so GRO
		 * may merge them (up to NAPI_POLL_WEIGHT a poll). */
		ut_dev_input(r.eth, frame, len);
		if (ctl >> 1)
			run_until(&r, r.tc.now + (uint64_t)(ctl >> 1) * 10000000ULL);
	}
	ut_stack_poll(r.s);
	rig_done(&r);
	return 0;
}

#endif

/* ---- seeds ------------------------------------------------------------------*/

struct seedbuf {
	uint8_t b[16384];
	size_t n;
};

static void seed_add(struct seedbuf *sb, const uint8_t *f, size_t len, uint8_t ctl)
{
	if (sb->n + 3 + len > sizeof(sb->b))
		return;
	sb->b[sb->n++] = (uint8_t)(len >> 8);
	sb->b[sb->n++] = (uint8_t)len;
	sb->b[sb->n++] = ctl;
	memcpy(sb->b + sb->n, f, len);
	sb->n += len;
}

static void seed_write(const char *dir, const char *name, const struct seedbuf *sb)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(sb->b, 1, sb->n, fp) != sb->n) {
		perror(path);
		exit(1);
	}
	fclose(fp);
}

#ifndef FUZZ_TCP_FRAMES_RIG_ONLY
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_TCP_FRAMES_SEEDS");
	uint8_t f[2048], payload[1000];
	struct seedbuf sb;
	struct rig r;
	uint32_t acc, con, ack, acc6, con6, ack6;

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	if (rig_make(&r) < 0)
		return 1;
	memset(payload, 'x', sizeof(payload));
	acc = seen_seq(&r.seen, 80, &ack);	/* the accepted connection */
	con = seen_seq(&r.seen, r.cport, NULL); /* the opened one */
	acc6 = seen_seq(&r.seen, 81, &ack6);
	con6 = seen_seq(&r.seen, r.cport6, NULL);
	rig_done(&r);

	/* data both ways on the accepted connection, then the peer's FIN */
	sb.n = 0;
	seed_add(&sb, f,
		 tcp_frame(f, 40000, 80, ack, acc, TCPHDR_ACK | TCPHDR_PSH, NULL, 0, payload, 500),
		 2);
	seed_add(&sb, f,
		 tcp_frame(f, 40000, 80, ack + 500, acc, TCPHDR_ACK | TCPHDR_FIN, NULL, 0, NULL, 0),
		 50);
	seed_write(dir, "data_fin", &sb);

	/* an out-of-order burst with a hole, then the hole filled */
	sb.n = 0;
	for (uint32_t k = 1; k < 6; k++)
		seed_add(&sb, f,
			 tcp_frame(f, 40000, 80, ack + k * 100, acc, TCPHDR_ACK, NULL, 0, payload,
				   100),
			 0);
	seed_add(&sb, f, tcp_frame(f, 40000, 80, ack, acc, TCPHDR_ACK, NULL, 0, payload, 100), 4);
	seed_write(dir, "ofo", &sb);

	/* data to the opened connection with a SACK block, an RST in the
	 * window (a challenge ACK), then an exact one */
	static const uint8_t sack[12] = {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	sb.n = 0;
	seed_add(&sb, f,
		 tcp_frame(f, 9000, r.cport, 5001, con + 1, TCPHDR_ACK, sack, sizeof(sack), payload,
			   300),
		 1);
	seed_add(&sb, f, tcp_frame(f, 9000, r.cport, 5401, con + 1, TCPHDR_RST, NULL, 0, NULL, 0),
		 1);
	seed_add(&sb, f, tcp_frame(f, 9000, r.cport, 5301, con + 1, TCPHDR_RST, NULL, 0, NULL, 0),
		 1);
	seed_write(dir, "sack_rst", &sb);

	/* a new connection to the listener, and a UDP datagram */
	static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};
	sb.n = 0;
	seed_add(&sb, f, tcp_frame(f, 41000, 80, 7000, 0, TCPHDR_SYN, mss, 4, NULL, 0), 0);
	tcp_frame(f, 5353, 53, 0, 0, 0, NULL, 0, payload, 12);
	f[14 + 9] = IPPROTO_UDP;
	f[14 + 20 + 4] = 0;
	f[14 + 20 + 5] = 20; /* UDP length 8 + 12 */
	f[14 + 2] = 0;
	f[14 + 3] = 20 + 20;
	seed_add(&sb, f, 14 + 40, 1);
	seed_write(dir, "syn_udp", &sb);

	/* over IPv6: data both ways and the peer's FIN on the accepted
	 * connection; data with a SACK block and an exact RST on the opened
	 * one; a new connection to the dual-stack listener */
	sb.n = 0;
	seed_add(&sb, f,
		 tcp_frame6(f, 40001, 81, ack6, acc6, TCPHDR_ACK | TCPHDR_PSH, NULL, 0, payload,
			    500),
		 2);
	seed_add(&sb, f,
		 tcp_frame6(f, 40001, 81, ack6 + 500, acc6, TCPHDR_ACK | TCPHDR_FIN, NULL, 0, NULL,
			    0),
		 50);
	seed_write(dir, "v6_data_fin", &sb);
	sb.n = 0;
	seed_add(&sb, f,
		 tcp_frame6(f, 9001, r.cport6, 6001, con6 + 1, TCPHDR_ACK, sack, sizeof(sack),
			    payload, 300),
		 1);
	seed_add(&sb, f,
		 tcp_frame6(f, 9001, r.cport6, 6301, con6 + 1, TCPHDR_RST, NULL, 0, NULL, 0), 1);
	seed_add(&sb, f, tcp_frame6(f, 41001, 81, 8000, 0, TCPHDR_SYN, mss, 4, NULL, 0), 0);
	seed_add(&sb, f, tcp_frame(f, 41002, 81, 9000, 0, TCPHDR_SYN, mss, 4, NULL, 0), 0);
	seed_write(dir, "v6_sack_rst_syn", &sb);
	exit(0);
}
#endif
