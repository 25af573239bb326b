/* Hostile single segments: flag combinations that can never be valid,
 * options whose lengths lie, urgent pointers past the data, and LAND
 * segments (source equal to destination). Each is sent by an attacking
 * host (tests/lib/attacker.h) and must be handled as Linux handles it:
 * dropped where Linux drops it, processed where Linux processes it, and
 * never crash, leak, answer where Linux stays silent, or lose data. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "attacker.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"

#define PORT 8080

static void count_segment(struct attacker *a, uint32_t saddr, uint32_t daddr,
			  const struct wire_tcp *th, void *arg)
{
	unsigned *flags_seen = arg;

	(void)a;
	(void)saddr;
	(void)daddr;
	flags_seen[th->flags & 0x3f]++;
}

TEST(a_listener_answers_no_segment_that_is_syn_fin_syn_rst_or_has_no_syn)
{
	static const uint8_t bad[] = {
		TCPHDR_SYN | TCPHDR_FIN,
		TCPHDR_SYN | TCPHDR_RST,
		TCPHDR_SYN | TCPHDR_FIN | TCPHDR_PSH,
		0,
		TCPHDR_FIN,
		TCPHDR_PSH,
		TCPHDR_URG,
		TCPHDR_FIN | TCPHDR_PSH | TCPHDR_URG,
	};
	struct tcpworld w;
	struct attacker a;
	unsigned seen[64] = {0};
	int l;

	tw_make(&w, 501, NULL);
	attacker_add(&w, &a);
	a.on_segment = count_segment;
	a.arg = seen;
	l = listen_any(&w, PORT);
	uint64_t out0 = tw_counter(w.s, "Tcp", "OutSegs");
	for (unsigned i = 0; i < sizeof(bad); i++) {
		struct craft_tcp t = {
			.saddr = ip4(ATTACKER_IP),
			.daddr = ip4(SERVER_IP2),
			.sport = (uint16_t)(40000 + i),
			.dport = PORT,
			.seq = 1000u * i,
			.flags = bad[i],
			.window = 1000,
		};
		attacker_send_tcp(&a, &t);
	}
	tw_run(&w, 100 * MS);
	/* Linux's tcp_rcv_state_process in LISTEN: RST dropped, SYN with
	 * FIN dropped, anything without SYN dropped (drop reason
	 * TCP_FLAGS); none is answered and no request is made. */
	CHECK_EQ(tw_counter(w.s, "Tcp", "InSegs"), sizeof(bad));
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutSegs"), out0);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutRsts"), 0);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 0);
	CHECK_EQ(a.segments_seen, 0);

	/* The same listener answers a plain SYN: the attacker's path works. */
	struct craft_tcp syn = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = 41000,
		.dport = PORT,
		.seq = 77,
		.flags = TCPHDR_SYN,
		.window = 1000,
	};
	attacker_send_tcp(&a, &syn);
	tw_run(&w, 100 * MS);
	CHECK_EQ(seen[TCPHDR_SYN | TCPHDR_ACK], 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 1);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(segments_without_ack_rst_or_syn_are_dropped_unanswered_by_a_connection)
{
	static const uint8_t bad[] = {0, TCPHDR_FIN, TCPHDR_PSH, TCPHDR_URG,
				      TCPHDR_FIN | TCPHDR_PSH};
	struct tcpworld w;
	struct attacker a;
	int c, s;
	char buf[64];

	tw_make(&w, 503, NULL);
	attacker_add(&w, &a);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	struct tcp_sock *tp = tw_server_tp(&w, c, PORT);
	uint32_t rcv_nxt = tp->rcv_nxt;
	uint64_t out0 = tw_counter(w.s, "Tcp", "OutSegs");
	struct craft_tcp t = spoof_client(&w, c, PORT);
	for (unsigned i = 0; i < sizeof(bad); i++) {
		t.flags = bad[i];
		t.payload = "junk";
		t.len = 4;
		/* out of the window: with ACK this would draw an ACK */
		t.seq = rcv_nxt + 0x40000000u;
		attacker_send_tcp(&a, &t);
		/* in the window, even exactly at rcv_nxt */
		t.seq = rcv_nxt;
		attacker_send_tcp(&a, &t);
	}
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutSegs"), out0);
	CHECK_EQ(tp->rcv_nxt, rcv_nxt);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	/* The connection is untouched. */
	CHECK_EQ(ut_send(w.c, c, "ok", 2, 0), 2);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 2);
	CHECK_MEM_EQ(buf, "ok", 2);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(syn_fin_and_syn_rst_inside_a_connection_get_a_challenge_ack_not_a_reset)
{
	struct tcpworld w;
	struct attacker a;
	int c, s;
	char buf[8];

	tw_make(&w, 505, NULL);
	attacker_add(&w, &a);
	tw_pair(&w, PORT, &c, &s);
	tw_run(&w, 1 * SEC);
	struct tcp_sock *tp = tw_server_tp(&w, c, PORT);
	struct craft_tcp t = spoof_client(&w, c, PORT);
	/* SYN+FIN in the window: a SYN in a synchronized state (RFC 5961
	 * 4.2). */
	t.flags = TCPHDR_SYN | TCPHDR_FIN;
	t.seq = tp->rcv_nxt + 100;
	attacker_send_tcp(&a, &t);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPSYNChallenge"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPChallengeACK"), 1);
	/* SYN+RST in the window but not at rcv_nxt: the RST is checked
	 * first (RFC 9293's order, as Linux): a challenge ACK. */
	t.flags = TCPHDR_SYN | TCPHDR_RST;
	t.seq = tp->rcv_nxt + 100;
	attacker_send_tcp(&a, &t);
	tw_run(&w, 1 * SEC);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPChallengeACK"), 2);
	CHECK_EQ(tw_counter(w.s, "Tcp", "EstabResets"), 0);
	CHECK_EQ(ut_send(w.c, c, "alive", 5, 0), 5);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), 0), 5);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* The SYN-ACK's options, as the attacker saw them. */
struct synack_seen {
	unsigned n;
	struct wire_tcp_opts opts;
};

static void keep_synack(struct attacker *a, uint32_t saddr, uint32_t daddr,
			const struct wire_tcp *th, void *arg)
{
	struct synack_seen *ss = arg;

	(void)a;
	(void)saddr;
	(void)daddr;
	if ((th->flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		ss->n++;
		CHECK_EQ(wire_tcp_parse_options(th->opts, th->opts_len, true, &ss->opts), WIRE_OK);
	}
}

TEST(an_option_with_zero_or_overrunning_length_ends_the_option_walk_and_the_syn_is_still_served)
{
	/* MSS 1000, then a length-0 option, then window scale: Linux's
	 * tcp_parse_options stops at the silly length, keeps the MSS, never
	 * sees the window scale and still processes the SYN. */
	static const uint8_t zero_len[] = {TCPOPT_MSS, 4, 0x03, 0xe8, 30, 0, TCPOPT_WINDOW, 3, 5};
	/* Window scale, SACK-permitted, then an option claiming 40 bytes
	 * with 3 left: parsing stops there, what came before counts. */
	static const uint8_t overrun[] = {TCPOPT_WINDOW, 3, 5, TCPOPT_SACK_PERM, 2, 30, 40, 0};
	struct tcpworld w;
	struct attacker a;
	struct synack_seen ss;
	int l;

	tw_make(&w, 507, NULL);
	attacker_add(&w, &a);
	a.on_segment = keep_synack;
	a.arg = &ss;
	l = listen_any(&w, PORT);

	memset(&ss, 0, sizeof(ss));
	struct craft_tcp t = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = 42000,
		.dport = PORT,
		.seq = 1,
		.flags = TCPHDR_SYN,
		.window = 1000,
		.opts = zero_len,
		.opts_len = sizeof(zero_len),
	};
	attacker_send_tcp(&a, &t);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ss.n, 1);
	CHECK(!ss.opts.saw_wscale); /* we echo window scaling only if offered */
	CHECK(!ss.opts.sack_ok);

	memset(&ss, 0, sizeof(ss));
	t.sport = 42001;
	t.opts = overrun;
	t.opts_len = sizeof(overrun);
	attacker_send_tcp(&a, &t);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ss.n, 1);
	CHECK(ss.opts.saw_wscale);
	CHECK(ss.opts.sack_ok);
	CHECK_EQ(tw_counter(w.s, "Tcp", "InErrs"), 0);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(the_mss_read_before_a_bad_option_length_is_the_one_used)
{
	/* MSS 256, then an option claiming 200 bytes where 4 are left. */
	static const uint8_t opts[] = {TCPOPT_MSS, 4, 0x01, 0x00, 30, 200};
	static uint8_t rcvd[4096];
	/* The SYN carries data (ignored, as without Fast Open) holding an MSS
	 * option of 100 exactly where a walk that jumped the claimed 200
	 * bytes would land: 196 bytes into the data. */
	uint8_t bait[201] = {0};
	bait[196] = TCPOPT_MSS;
	bait[197] = 4;
	bait[199] = 100;
	char out[4096];
	struct tcpworld w;
	struct attacker a;
	struct raw_peer p;
	int l, s;

	tw_make(&w, 509, NULL);
	attacker_add(&w, &a);
	l = listen_any(&w, PORT);
	raw_peer_connect(&a, &p, 43000, PORT, opts, sizeof(opts), bait, sizeof(bait), rcvd,
			 sizeof(rcvd));
	tw_run(&w, 100 * MS);
	CHECK(p.established);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 3);
	CHECK_EQ(ut_send(w.s, s, out, sizeof(out), 0), (ssize_t)sizeof(out));
	tw_run(&w, 1 * SEC);
	CHECK_EQ(p.nrcvd, sizeof(out));
	CHECK_MEM_EQ(rcvd, out, sizeof(out));
	CHECK_EQ(p.max_seg, 256);
	raw_pair_done(&w, &p, l, s);
}

TEST(an_overrunning_option_on_a_data_segment_does_not_lose_its_data)
{
	static const uint8_t bad_opts[] = {TCPOPT_NOP, 30, 200};
	static uint8_t rcvd[64];
	struct tcpworld w;
	struct attacker a;
	struct raw_peer p;
	char buf[64];
	int l, s;

	s = raw_pair(&w, &a, &p, 511, PORT, 43001, rcvd, sizeof(rcvd), &l);
	struct craft_tcp t = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = 43001,
		.dport = PORT,
		.seq = p.snd_nxt,
		.ack = p.rcv_nxt,
		.flags = TCPHDR_ACK | TCPHDR_PSH,
		.window = 1000,
		.opts = bad_opts,
		.opts_len = sizeof(bad_opts),
		.payload = "payload",
		.len = 7,
	};
	attacker_send_tcp(&a, &t);
	p.snd_nxt += 7;
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), 7);
	CHECK_MEM_EQ(buf, "payload", 7);
	CHECK_EQ(tw_counter(w.s, "Tcp", "InErrs"), 0);
	raw_pair_done(&w, &p, l, s);
}

TEST(a_data_offset_beyond_the_segment_is_counted_in_InErrs_and_dropped)
{
	struct tcpworld w;
	struct attacker a;
	uint8_t seg[64], pkt[128];
	int l;

	tw_make(&w, 513, NULL);
	attacker_add(&w, &a);
	l = listen_any(&w, PORT);
	struct craft_tcp t = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = 44000,
		.dport = PORT,
		.seq = 1,
		.flags = TCPHDR_SYN,
		.window = 1000,
	};
	size_t n = build_tcp(seg, &t);
	seg[12] = 15 << 4; /* 60 bytes of header in a 20-byte segment */
	put_be16(seg + 16, 0);
	put_be16(seg + 16, csum_tcpudp(t.saddr, t.daddr, IPPROTO_TCP_, seg, n));
	attacker_send_ip(&a, pkt,
			 build_ipv4(pkt, t.saddr, t.daddr, IPPROTO_TCP_, 64, 0, 0, seg, n));
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.s, "Tcp", "InErrs"), 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 0);
	CHECK_EQ(a.segments_seen, 0);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(an_urgent_pointer_far_past_the_data_loses_no_byte_and_older_pointers_are_ignored)
{
	static uint8_t rcvd[16];
	struct tcpworld w;
	struct attacker a;
	struct raw_peer p;
	char buf[64];
	int l, s;

	s = raw_pair(&w, &a, &p, 515, PORT, 45000, rcvd, sizeof(rcvd), &l);
	/* The first pointer lies 64 KB past the data: a mark not yet
	 * arrived. Those that follow (at a segment's last byte, zero, none
	 * with a pointer set but no URG, one on a bare ACK) point before it
	 * and change nothing (Linux's tcp_check_urg), so every byte stays
	 * in the stream, in order, and recv(MSG_OOB) says the urgent byte
	 * has yet to come. */
	raw_peer_send(&p, TCPHDR_URG, 65535, "abc", 3);
	raw_peer_send(&p, TCPHDR_URG, 3, "def", 3);
	raw_peer_send(&p, TCPHDR_URG, 0, "ghi", 3);
	raw_peer_send(&p, 0, 40000, "jkl", 3);
	raw_peer_send(&p, TCPHDR_URG, 1, NULL, 0);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_DONTWAIT), 12);
	CHECK_MEM_EQ(buf, "abcdefghijkl", 12);
	CHECK_EQ(ut_recv(w.s, s, buf, sizeof(buf), MSG_OOB | MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	raw_pair_done(&w, &p, l, s);
}

TEST(a_land_syn_from_the_wire_is_a_martian_and_gets_no_answer)
{
	struct tcpworld w;
	struct attacker a;
	int l;

	tw_make(&w, 517, NULL);
	attacker_add(&w, &a);
	l = listen_any(&w, PORT);
	uint64_t out0 = tw_counter(w.s, "Ip", "OutRequests");
	/* Source address and port equal to the destination's. */
	struct craft_tcp t = {
		.saddr = ip4(SERVER_IP2),
		.daddr = ip4(SERVER_IP2),
		.sport = PORT,
		.dport = PORT,
		.seq = 1,
		.flags = TCPHDR_SYN,
		.window = 1000,
	};
	attacker_send_tcp(&a, &t);
	/* Only the address equal: the same. */
	t.sport = 1234;
	attacker_send_tcp(&a, &t);
	tw_run(&w, 1 * SEC);
	/* Linux drops a packet from the wire whose source is one of the
	 * host's addresses (accept_local=0) before TCP sees it. */
	CHECK_EQ(tw_counter(w.s, "Ip", "InReceives"), 2);
	CHECK_EQ(tw_counter(w.s, "Tcp", "InSegs"), 0);
	CHECK_EQ(tw_counter(w.s, "Ip", "OutRequests"), out0);
	CHECK_EQ(tw_count(&w, 1, UT_TP_SYN_QUEUE_ADD), 0);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(a_land_syn_over_loopback_ends_in_one_reset_as_in_linux)
{
	struct tcpworld w;
	uint8_t seg[64], pkt[128];
	int l;

	tw_make(&w, 519, NULL);
	l = listen_any(&w, PORT);
	struct craft_tcp t = {
		.saddr = ip4("127.0.0.1"),
		.daddr = ip4("127.0.0.1"),
		.sport = PORT,
		.dport = PORT,
		.seq = 1000,
		.flags = TCPHDR_SYN,
		.window = 1000,
	};
	size_t n =
		build_ipv4(pkt, t.saddr, t.daddr, IPPROTO_TCP_, 64, 0, 0, seg, build_tcp(seg, &t));
	struct sk_buff *skb = stack_alloc_skb(w.s, (uint32_t)n);
	CHECK(skb != NULL);
	memcpy(skb_put(skb, (uint32_t)n), pkt, n);
	skb->dev = w.s->loopback;
	dev_queue_xmit(skb);
	/* lo delivers at the stack's next polls; the world has no event
	 * for it, so poll by hand. */
	for (int i = 0; i < 8; i++)
		ut_stack_poll(w.s);
	tw_run(&w, 10 * SEC);
	/* The request's SYN-ACK comes back to the request itself; its ACK
	 * does not acknowledge the SYN-ACK, so the listener answers with a
	 * reset, which arrives in the window and ends the request
	 * (EmbryonicRsts). Nothing loops: three segments in all. */
	CHECK_EQ(tw_counter(w.s, "Tcp", "InSegs"), 3);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutSegs"), 2);
	CHECK_EQ(tw_counter(w.s, "Tcp", "OutRsts"), 1);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "EmbryonicRsts"), 1);
	CHECK_EQ(tw_count(&w, 1, UT_TP_TCP_RETRANSMIT_SYNACK), 0);
	/* The listener still serves a real client. */
	int c, s;
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	c = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(w.c, c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	s = ut_accept(w.s, l, NULL, NULL);
	CHECK(s >= 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.s, l);
	tw_done(&w);
}
