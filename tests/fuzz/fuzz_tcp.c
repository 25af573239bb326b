/* libFuzzer target: a stateful TCP session. A stack on a layer 3 device
 * holds a listener (10.0.0.1:80), an accepted connection from
 * 10.0.0.2:40000 and a connection it opened to 10.0.0.2:9000, all made by
 * real handshakes. The input's first byte sets the session up: bit 0 has
 * the peer's SYN ask for ECN (the accepted connection then uses it), bit 1
 * has the stack ask for ECN on the connection it opens and the peer agree,
 * bits 2-3 pick the congestion control every socket starts with (cubic,
 * reno, bbr, dctcp), bit 6 has the listener take Fast Open (RFC 7413)
 * without cookies, so that any SYN with data to port 80 makes a child at
 * once with its data, and bit 7 with cookies of a fixed key, so that the
 * cookies of fuzzed SYNs are checked. The rest interleaves four kinds of
 * record:
 *
 *   [0x00|tuple][len_hi len_lo][TCP header and payload]  a segment
 *   [0x01][call][arg]                                    a socket call
 *                                     (sends, reads, options, MSG_OOB,
 *                                     SIOCATMARK, TCP_INQ, MSG_ZEROCOPY,
 *                                     ...)
 *   [0x02][n]                                            n * 10 ms pass
 *   [0x03][ecn]                                          later segments
 *                                                        carry ECN field ecn
 *
 * For a segment the harness writes the ports of the chosen 4-tuple, can
 * make seq and ack relative to the connection's real numbers (so mutated
 * segments land in the window; the edges of SACK blocks then count from
 * the last sequence number the stack sent, as signed 32-bit offsets, so
 * that SACKs reach the scoreboard), fixes the checksum unless told not to,
 * and wraps it in an IPv4 header. At the end every descriptor is closed
 * and 2000 s pass: then every socket must be freed and every buffer back
 * in the pool, or the run traps. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz_clock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "usertcp/socket.h"
#include "usertcp/usertcp.h"

/* What the stack last sent on each connection (per local port). */
struct seen {
	uint32_t seq[3], ack[3];
	bool synack;
};

static int tuple_of(uint16_t sport, uint16_t dport)
{
	if (sport == 80 && dport == 40000)
		return 0;
	if (dport == 9000)
		return 1;
	return 2;
}

static unsigned tx(void *ctx, const struct iovec *f, unsigned n)
{
	struct seen *s = ctx;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = f[i].iov_base;
		size_t len = f[i].iov_len;
		if (len < 20 || p[9] != IPPROTO_TCP)
			continue;
		size_t ihl = (size_t)(p[0] & 15) * 4;
		if (len < ihl + 20)
			continue;
		const uint8_t *t = p + ihl;
		int k = tuple_of((uint16_t)(t[0] << 8 | t[1]), (uint16_t)(t[2] << 8 | t[3]));
		s->seq[k] = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 |
			    t[7];
		s->ack[k] = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | (uint32_t)t[10] << 8 |
			    t[11];
	}
	return n;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* Wraps a TCP segment from 10.0.0.2 in IPv4 and feeds it to the device. */
static void inject(struct ut_dev *dev, uint8_t *tcp, size_t len, bool fix_csum, uint8_t ecn)
{
	static uint8_t pkt[20 + 65515];
	uint8_t *ip = pkt;

	if (len > 65515)
		len = 65515;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = ecn & 3;
	ip[2] = (uint8_t)((20 + len) >> 8);
	ip[3] = (uint8_t)(20 + len);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put32(ip + 12, 0x0a000002);
	put32(ip + 16, 0x0a000001);
	uint16_t c = fold(sum16(ip, 20, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	memcpy(ip + 20, tcp, len);
	if (fix_csum && len >= 20) {
		uint8_t *t = ip + 20;
		t[16] = t[17] = 0;
		uint32_t s = sum16(ip + 12, 8, 0) + IPPROTO_TCP + (uint32_t)len;
		c = fold(sum16(t, len, s));
		t[16] = (uint8_t)(c >> 8);
		t[17] = (uint8_t)c;
	}
	ut_dev_input(dev, pkt, 20 + len);
}

static void segment(struct ut_dev *dev, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags, const uint8_t *opts, size_t optlen)
{
	uint8_t t[60];
	memset(t, 0, sizeof(t));
	t[0] = (uint8_t)(sport >> 8);
	t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = flags;
	t[14] = 0xff;
	t[15] = 0xff;
	if (optlen)
		memcpy(t + 20, opts, optlen);
	inject(dev, t, 20 + optlen, true, 0);
}

/* Makes the edges of the SACK blocks in a segment's options offsets from
 * base. Every length is checked against the header's: the input is
 * hostile. */
static void sack_relative(uint8_t *seg, size_t len, uint32_t base)
{
	size_t doff = (size_t)(seg[12] >> 4) * 4;
	size_t i = 20;

	if (doff > len)
		doff = len;
	while (i < doff) {
		uint8_t kind = seg[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || seg[i + 1] < 2 || seg[i + 1] > doff - i)
			break;
		if (kind == 5)
			for (size_t b = i + 2; b + 4 <= i + seg[i + 1]; b += 4) {
				uint32_t v = (uint32_t)seg[b] << 24 | (uint32_t)seg[b + 1] << 16 |
					     (uint32_t)seg[b + 2] << 8 | seg[b + 3];
				put32(seg + b, base + v);
			}
		i += seg[i + 1];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t synopts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					    0, 1, 0,	0,    0, 0, 1, 3,  3, 7};
	static const struct ut_dev_driver drv = {.transmit = tx};
	struct tclock tc = {.c = {.now_ns = tnow}, .now = 1000000000ULL};
	struct ut_stack_config cfg;
	struct seen seen;
	struct ut_stack *s;
	struct ut_dev *tun;
	int fds[3] = {-1, -1, -1}; /* listener, accepted, connected */
	uint32_t peer_nxt[3] = {40001, 5001, 0};
	static const char *const ccs[4] = {"cubic", "reno", "bbr", "dctcp"};
	uint8_t setup = size ? data[0] : 0, ecn = 0;

	memset(&seen, 0, sizeof(seen));
	ut_stack_config_init(&cfg);
	cfg.clock = &tc.c;
	cfg.seed = 1;
	if (ut_stack_create(&cfg, &s))
		return 0;
	if (ut_dev_create(s, "tun0", UT_DEV_RAWIP, 1500, 0, NULL, &drv, &seen, &tun) ||
	    ut_addr_add(s, tun, ut_ip_v4(inet_addr("10.0.0.1")), 24)) {
		ut_stack_destroy(s);
		return 0;
	}
	/* A module the stack does not have leaves cubic. */
	(void)ut_sysctl_set_str(s, "net.ipv4.tcp_congestion_control", ccs[(setup >> 2) & 3]);
	if (setup & 2)
		ut_sysctl_set(s, "net.ipv4.tcp_ecn", 1);
	/* Write-queue buffers: one MSS each (Linux's layout off), or larger
	 * bursts per buffer than the default autosizing gives. */
	if (setup & 0x10)
		ut_sysctl_set(s, "usertcp.tcp_gso_buffers", 0);
	if (setup & 0x20)
		ut_sysctl_set(s, "net.ipv4.tcp_min_tso_segs", 16);
	if (setup & 0xc0) {
		/* Fast Open on the listener (0x400: without TCP_FASTOPEN) */
		ut_sysctl_set(s, "net.ipv4.tcp_fastopen",
			      TFO_CLIENT_ENABLE | TFO_SERVER_ENABLE | TFO_SERVER_WO_SOCKOPT1 |
				      (setup & 0x40 ? TFO_SERVER_COOKIE_NOT_REQD : 0));
		ut_sysctl_set_str(s, "net.ipv4.tcp_fastopen_key", "1-2-3-4");
	}
	/* the listener and a connection it accepted */
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
	fds[0] = ut_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_bind(s, fds[0], (struct sockaddr *)&sin, sizeof(sin));
	ut_listen(s, fds[0], 4);
	segment(tun, 40000, 80, 40000, 0, TCPHDR_SYN | (setup & 1 ? TCPHDR_ECE | TCPHDR_CWR : 0),
		synopts, sizeof(synopts));
	ut_stack_poll(s);
	segment(tun, 40000, 80, 40001, seen.seq[0] + 1, TCPHDR_ACK, NULL, 0);
	ut_stack_poll(s);
	fds[1] = ut_accept4(s, fds[0], NULL, NULL, SOCK_NONBLOCK);
	/* and one it opened */
	struct sockaddr_in dst = {.sin_family = AF_INET,
				  .sin_port = htons(9000),
				  .sin_addr.s_addr = inet_addr("10.0.0.2")};
	fds[2] = ut_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ut_connect(s, fds[2], (struct sockaddr *)&dst, sizeof(dst));
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	ut_getsockname(s, fds[2], (struct sockaddr *)&me, &ml);
	uint16_t cport = ntohs(me.sin_port);
	segment(tun, 9000, cport, 5000, seen.seq[1] + 1,
		TCPHDR_SYN | TCPHDR_ACK | (setup & 2 ? TCPHDR_ECE : 0), synopts, 4);
	ut_stack_poll(s);
	peer_nxt[2] = 777;

	size_t i = 1;
	static uint8_t seg[65535];
	static char buf[65536];
	while (i < size) {
		uint8_t op = data[i++];
		if ((op & 3) == 0) {
			if (i + 2 > size)
				break;
			size_t len = (size_t)data[i] << 8 | data[i + 1];
			i += 2;
			if (len > size - i)
				len = size - i;
			if (len > sizeof(seg))
				len = sizeof(seg);
			memcpy(seg, data + i, len);
			i += len;
			int k = (op >> 2) % 3;
			if (len >= 4 && (op & 0x10)) {
				/* ports of the chosen 4-tuple */
				uint16_t sp = k == 0   ? 40000
					      : k == 1 ? 9000
						       : (uint16_t)(30000 + (op >> 5));
				uint16_t dp = k == 0 ? 80 : k == 1 ? cport : 80;
				seg[0] = (uint8_t)(sp >> 8);
				seg[1] = (uint8_t)sp;
				seg[2] = (uint8_t)(dp >> 8);
				seg[3] = (uint8_t)dp;
			}
			if (len >= 12 && (op & 0x20) && k < 2) {
				/* seq and ack relative to the connection's own */
				uint32_t rs = ((uint32_t)seg[4] << 24 | (uint32_t)seg[5] << 16 |
					       (uint32_t)seg[6] << 8 | seg[7]);
				uint32_t ra = ((uint32_t)seg[8] << 24 | (uint32_t)seg[9] << 16 |
					       (uint32_t)seg[10] << 8 | seg[11]);
				put32(seg + 4, seen.ack[k] + (uint32_t)(int16_t)rs);
				put32(seg + 8, seen.seq[k] + (uint32_t)(int16_t)ra);
				sack_relative(seg, len, seen.seq[k]);
			}
			inject(tun, seg, len, !(op & 0x40), ecn);
			ut_stack_poll(s);
		} else if ((op & 3) == 1) {
			if (i + 2 > size)
				break;
			uint8_t call = data[i], arg = data[i + 1];
			i += 2;
			int fd = fds[1 + (call & 1)];
			int one = 1;
			switch ((call >> 1) % 20) {
			case 0:
				/* odd lengths up to 64 KB: buffers that end off a
				 * segment boundary, appended to while unsent, or
				 * closed to that by MSG_EOR */
				ut_send(s, fd, buf,
					arg & 1 ? (size_t)arg * 97 : (size_t)arg * 255 + 1,
					MSG_DONTWAIT | MSG_NOSIGNAL | (arg & 2 ? MSG_EOR : 0));
				break;
			case 1:
				ut_recv(s, fd, buf, (size_t)arg * 257 + 1, MSG_DONTWAIT);
				break;
			case 2:
				ut_shutdown(s, fd, arg % 3);
				break;
			case 3:
				ut_setsockopt(s, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				break;
			case 4:
				ut_setsockopt(s, fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
				break;
			case 5: {
				int nfd = ut_accept4(s, fds[0], NULL, NULL, SOCK_NONBLOCK);
				if (nfd >= 0)
					ut_close(s, nfd);
				break;
			}
			case 6: {
				struct linger lg = {1, 0};
				if (arg & 1)
					ut_setsockopt(s, fd, SOL_SOCKET, SO_LINGER, &lg,
						      sizeof(lg));
				ut_close(s, fd);
				fds[1 + (call & 1)] = -1;
				break;
			}
			case 7:
				ut_recv(s, fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK);
				break;
			case 8: /* the congestion control, mid-connection */
				ut_setsockopt(s, fd, IPPROTO_TCP, TCP_CONGESTION, ccs[arg & 3],
					      (socklen_t)strlen(ccs[arg & 3]));
				break;
			case 9: { /* pacing capped at arg * 10 kB/s */
				unsigned rate = (unsigned)arg * 10000u;
				ut_setsockopt(s, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &rate,
					      sizeof(rate));
				break;
			}
			case 10:
			case 11: {
				socklen_t len = (socklen_t)arg;
				ut_getsockopt(s, fd, IPPROTO_TCP,
					      (call >> 1) % 18 == 10 ? TCP_INFO : TCP_CC_INFO, buf,
					      &len);
				break;
			}
			/* Urgent data, both ways: the peer's pointers (any URG
			 * segment above) meet reads at and past the mark. */
			case 12:
				ut_send(s, fd, buf, (size_t)arg + 1,
					MSG_DONTWAIT | MSG_NOSIGNAL | MSG_OOB);
				break;
			case 13:
				ut_recv(s, fd, buf, arg & 2, MSG_OOB | (arg & 1 ? MSG_PEEK : 0));
				break;
			case 14: {
				int v = arg & 1;
				ut_setsockopt(s, fd, SOL_SOCKET, SO_OOBINLINE, &v, sizeof(v));
				break;
			}
			case 15: {
				int v;
				ut_ioctl(s, fd, arg & 1 ? SIOCATMARK : FIONREAD, &v);
				break;
			}
			case 16: { /* TCP_INQ's control message, in arg bytes of room */
				static char ctl[256];
				struct iovec iov = {buf, (size_t)arg * 13};
				struct msghdr m = {.msg_iov = &iov,
						   .msg_iovlen = 1,
						   .msg_control = ctl,
						   .msg_controllen = arg};
				ut_setsockopt(s, fd, IPPROTO_TCP, TCP_INQ, &one, sizeof(one));
				ut_recvmsg(s, fd, &m, MSG_DONTWAIT);
				break;
			}
			case 17: { /* TCP_NOTSENT_LOWAT, 0: the sysctl's */
				int v = arg * 256;
				ut_setsockopt(s, fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v));
				break;
			}
			case 18: { /* MSG_ZEROCOPY from buf (static: lent until the
				    * end), in up to 24 pieces that may not touch,
				    * so buffers run out of pieces: split at the
				    * window and SACK edges, trimmed by ACKs */
				struct iovec iov[24];
				struct msghdr m = {.msg_iov = iov};
				size_t piece = (size_t)(arg >> 3) * 61 + 1, at = 0;
				ut_setsockopt(s, fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
				for (m.msg_iovlen = 0; m.msg_iovlen < (size_t)(arg & 7) * 3 + 1;
				     m.msg_iovlen++) {
					iov[m.msg_iovlen].iov_base = buf + at;
					iov[m.msg_iovlen].iov_len = piece;
					at += piece + (arg & 1);
				}
				ut_sendmsg(s, fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL | MSG_ZEROCOPY);
				break;
			}
			case 19: { /* its notifications */
				static char ctl[128];
				struct msghdr m = {.msg_control = ctl,
						   .msg_controllen = sizeof(ctl)};
				ut_recvmsg(s, fd, &m, MSG_ERRQUEUE);
				break;
			}
			}
			ut_stack_poll(s);
		} else if ((op & 3) == 2) {
			if (i >= size)
				break;
			fuzz_run_until(s, &tc, tc.now + (uint64_t)data[i++] * 10000000ULL);
		} else {
			if (i >= size)
				break;
			ecn = data[i++] & 3;
		}
	}
	(void)peer_nxt;
	for (int k = 0; k < 3; k++)
		if (fds[k] >= 0)
			ut_close(s, fds[k]);
	int nfd;
	while ((nfd = ut_accept4(s, fds[0], NULL, NULL, 0)) >= 0)
		ut_close(s, nfd);
	fuzz_run_until(s, &tc, tc.now + 2000ULL * 1000000000ULL);
	/* Every connection ends and gives its memory back. */
	if (s->tcp_socks || s->tw_count || ut_stack_open_fds(s) || skb_pool_in_use(s->pool))
		__builtin_trap();
	ut_stack_destroy(s);
	return 0;
}
