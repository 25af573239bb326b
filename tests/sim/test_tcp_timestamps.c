/* Timestamps (RFC 7323) on a connection driven frame by frame: when the
 * stack takes a peer's TSval as TS.Recent, and PAWS against it; an ACK of
 * data never sent. */
#include <string.h>

#include "net/tcp.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"
#include "usertcp/socket.h"

struct peer {
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
	uint32_t iss;	  /* the stack's ISN */
	uint32_t snd_nxt; /* the peer's next sequence number */
};

/* Sends a segment from 10.0.0.2:40000 to the stack's port 80 with a
 * timestamp option (and SYN options when flags has SYN). */
static void send_seg(struct peer *p, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t tsval,
		     const void *data, size_t len)
{
	uint8_t seg[1500], pkt[1600];
	struct wire_tcp_opts o = {.saw_tstamp = true, .tsval = tsval};
	if (flags & TCPHDR_SYN) {
		o.saw_mss = true;
		o.mss = 1460;
		o.sack_ok = true;
	}
	size_t olen = wire_tcp_options_len(&o);
	uint8_t opts[40];
	wire_tcp_emit_options(opts, &o);
	struct wire_tcp th = {.sport = 40000,
			      .dport = 80,
			      .seq = seq,
			      .ack_seq = ack,
			      .hdr_len = (uint8_t)(20 + olen),
			      .flags = flags,
			      .window = 64000,
			      .opts = opts,
			      .opts_len = olen,
			      .payload = data,
			      .payload_len = len};
	size_t n = wire_tcp_emit(seg, &th);
	if (len) {
		memcpy(seg + n, data, len);
		n += len;
	}
	uint16_t c = csum_tcpudp(ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_TCP, seg, n);
	seg[16] = (uint8_t)(c >> 8);
	seg[17] = (uint8_t)c;
	size_t m = build_ipv4(pkt, ip4("10.0.0.2"), ip4("10.0.0.1"), IPPROTO_TCP, 64, 1, 0, seg, n);
	CHECK_EQ(capdev_inject(&p->cd, pkt, m), 0);
}

/* The TCP header of the last frame the stack sent. */
static struct wire_tcp last_sent(struct peer *p)
{
	struct wire_ipv4 ip;
	struct wire_tcp th;
	CHECK(p->cd.n > 0);
	testnet_frame_ip(&p->cd, p->cd.n - 1, &ip);
	CHECK_EQ(wire_tcp_parse(ip.payload, ip.payload_len, &th), WIRE_OK);
	return th;
}

/* A connection accepted from the peer, timestamps agreed (peer TSval 100,
 * 101 for the handshake). Returns the accepted descriptor. */
static int handshake(struct peer *p, int *lfd)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
	memset(p, 0, sizeof(*p));
	test_clock_init(&p->tc, 1000000000ULL);
	p->s = testnet_stack(&p->tc, &p->cd, UT_DEV_RAWIP, "10.0.0.1", 24);
	*lfd = ut_socket(p->s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_bind(p->s, *lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(p->s, *lfd, 4), 0);
	send_seg(p, 1000, 0, TCPHDR_SYN, 100, NULL, 0);
	struct wire_tcp synack = last_sent(p);
	CHECK_EQ(synack.flags, TCPHDR_SYN | TCPHDR_ACK);
	p->iss = synack.seq;
	p->snd_nxt = 1001;
	send_seg(p, p->snd_nxt, p->iss + 1, TCPHDR_ACK, 101, NULL, 0);
	int fd = ut_accept4(p->s, *lfd, NULL, NULL, SOCK_NONBLOCK);
	CHECK(fd >= 0);
	return fd;
}

TEST(an_ack_of_data_never_sent_does_not_move_ts_recent)
{
	struct peer p;
	int lfd, fd;
	char buf[64];

	fd = handshake(&p, &lfd);
	/* A segment acknowledging data the stack never sent, with a TSval
	 * far ahead: Linux discards it in tcp_ack before TS.Recent is
	 * replaced (FLAG_UPDATE_TS_RECENT), so it cannot poison PAWS. */
	size_t sent_before = p.cd.n;
	send_seg(&p, p.snd_nxt, p.iss + 1 + 5000, TCPHDR_ACK, 1000000, "poison", 6);
	CHECK_EQ(ut_recv(p.s, fd, buf, sizeof(buf), 0), -1);
	/* In ESTABLISHED Linux drops it without an answer
	 * (tcp_rcv_established; packetdrill's ts_recent/invalid_ack.pkt). */
	CHECK_EQ(p.cd.n, sent_before);
	/* The next honest segment, TSval 102, passes PAWS and is taken. */
	send_seg(&p, p.snd_nxt, p.iss + 1, TCPHDR_ACK | TCPHDR_PSH, 102, "hello", 5);
	CHECK_EQ(ut_recv(p.s, fd, buf, sizeof(buf), 0), 5);
	CHECK_MEM_EQ(buf, "hello", 5);
	CHECK_EQ(testnet_counter(p.s, "TcpExt", "PAWSEstab"), 0);
	/* The stack echoes 102, not the poisoned value. */
	testnet_advance(p.s, &p.tc, 200 * 1000000ULL);
	struct wire_tcp ack = last_sent(&p);
	struct wire_tcp_opts o;
	CHECK_EQ(wire_tcp_parse_options(ack.opts, ack.opts_len, ack.flags & TCPHDR_SYN, &o),
		 WIRE_OK);
	CHECK(o.saw_tstamp);
	CHECK_EQ(o.tsecr, 102);
	CHECK_EQ(ut_close(p.s, fd), 0);
	CHECK_EQ(ut_close(p.s, lfd), 0);
	testnet_destroy(p.s, &p.cd);
}

TEST(an_older_tsval_than_ts_recent_is_rejected_by_paws)
{
	struct peer p;
	int lfd, fd;
	char buf[64];

	fd = handshake(&p, &lfd);
	send_seg(&p, p.snd_nxt, p.iss + 1, TCPHDR_ACK | TCPHDR_PSH, 5000, "one", 3);
	p.snd_nxt += 3;
	CHECK_EQ(ut_recv(p.s, fd, buf, sizeof(buf), 0), 3);
	/* RFC 7323 5.3: TSval older than TS.Recent: dropped, ACKed. */
	send_seg(&p, p.snd_nxt, p.iss + 1, TCPHDR_ACK | TCPHDR_PSH, 4000, "two", 3);
	CHECK_EQ(ut_recv(p.s, fd, buf, sizeof(buf), 0), -1);
	CHECK_EQ(testnet_counter(p.s, "TcpExt", "PAWSEstab"), 1);
	CHECK_EQ(ut_close(p.s, fd), 0);
	CHECK_EQ(ut_close(p.s, lfd), 0);
	testnet_destroy(p.s, &p.cd);
}
