/* Send buffers the size Linux builds them: write-queue buffers of up to
 * 64 KB counted in segments (tcp_skb_pcount), cut by the windows
 * (tcp_fragment), by partial ACKs (tcp_trim_head) and at SACK edges
 * (tcp_match_skb_to_sack), retransmitted a segment at a time, and cut
 * into wire segments by software GSO (tcp4_gso_segment) with Linux's flag
 * rules. Each test turns usertcp.tcp_gso_buffers on itself. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/ip.h"
#include "net/offload.h"
#include "net/tcp.h"
#include "segwatch.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080
#define MSS 1448u

/* Two hosts with buffers on (or off), connected over a 20 ms RTT; ACKs
 * from the server can be dropped (block_acks) so that the test plays them
 * with tw_inject_to_client. At this RTT and the initial pacing rate (about
 * 1.4 MB/s) Linux's autosizing makes buffers of tcp_min_tso_segs
 * segments (a millisecond's worth is less than one): min_tso sets it. */
static void tso_pair(struct tcpworld *w, uint64_t seed, long buffers, long min_tso, int *c, int *s)
{
	tw_make(w, seed, NULL);
	CHECK_EQ(ut_sysctl_set(w->c, "usertcp.tcp_gso_buffers", buffers), 0);
	CHECK_EQ(ut_sysctl_set(w->s, "usertcp.tcp_gso_buffers", buffers), 0);
	CHECK_EQ(ut_sysctl_set(w->c, "net.ipv4.tcp_min_tso_segs", min_tso), 0);
	tw_pair(w, PORT, c, s);
}

/* Drops every frame from the server to the client while on. */
static void block_acks(struct tcpworld *w, bool on)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.delay_ns = 10 * MS;
	lp.loss = on ? 1.0 : 0.0;
	CHECK_EQ(ut_sim_link_set_params(w->link, 1, &lp), 0);
}

/* Ends a test's connection: ACKs flow again, both ends closed, the world
 * drained and leak-checked. */
static void tso_end(struct tcpworld *w, int c, int s)
{
	block_acks(w, false);
	ut_close(w->c, c);
	ut_close(w->s, s);
	tw_done(w);
}

/* The data segments sw saw, each of which must be one MSS at seq. */
static unsigned data_segments_at(const struct segwatch *sw, uint32_t seq)
{
	unsigned data = 0;

	for (unsigned i = 0; i < sw->n; i++) {
		if (!sw->seen[i].len)
			continue;
		data++;
		CHECK_EQ(sw->seen[i].seq, seq);
		CHECK_EQ(sw->seen[i].len, MSS);
	}
	return data;
}

static struct sk_buff_head *write_queue(struct tcp_sock *tp)
{
	return &tp->inet_conn.icsk_inet.sk_write_queue;
}

/* Buffers on the retransmit tree; also checks that the send-time list
 * holds exactly the ones not SACKed, which every split must keep true. */
static unsigned rtx_queue_len(struct tcp_sock *tp)
{
	unsigned n = 0, unsacked = 0, listed = 0;
	struct sk_buff *skb;
	struct list_head *pos;

	skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
		n++;
		if (!(TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED))
			unsacked++;
	}
	for (pos = tp->tsorted_sent_queue.next; pos != &tp->tsorted_sent_queue; pos = pos->next)
		listed++;
	CHECK_EQ(listed, unsacked);
	return n;
}

static void fill(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(i * 7 + 3);
}

/* An ACK from the server for the client's connection c, acknowledging ack,
 * with one SACK block [sack_start, sack_end) unless they are equal. */
static void ack_client(struct tcpworld *w, int c, uint32_t ack, uint32_t sack_start,
		       uint32_t sack_end)
{
	struct tcp_sock *tp = tw_tcp_sk(w->c, c);
	tw_inject_to_client(w, c, TCPHDR_ACK, tp->rcv_nxt, ack, NULL, 0, sack_start, sack_end);
}

static char big[200000];

TEST(buffers_grow_to_the_size_goal_while_they_wait_and_are_one_mss_with_buffers_off)
{
	struct tcpworld w;
	int c, s, on = 1, off = 0, sndbuf = 400000;

	for (long buffers = 1; buffers >= 0; buffers--) {
		tso_pair(&w, 81, buffers, 2, &c, &s);
		struct tcp_sock *tp = tw_tcp_sk(w.c, c);
		CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
		block_acks(&w, true);
		/* small writes append to the unsent tail */
		CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)), 0);
		CHECK_EQ(ut_send(w.c, c, big, 100, 0), 100);
		CHECK_EQ(ut_send(w.c, c, big, 200, 0), 200);
		CHECK_EQ(skb_queue_len(write_queue(tp)), 1u);
		CHECK_EQ(skb_peek(write_queue(tp))->len, 300u);
		CHECK_EQ(ut_setsockopt(w.c, c, IPPROTO_TCP, TCP_CORK, &off, sizeof(off)), 0);
		CHECK_EQ(skb_queue_len(write_queue(tp)), 0u);
		/* a large write: cwnd takes nine segments of the first buffer
		 * (with buffers, none waits: nothing is in flight, so no ACK
		 * is due, tcp_tso_should_defer); what tso_fragment left of it
		 * is the tail again and fills up, so the rest waits in
		 * buffers of the size goal, the last one short */
		CHECK_EQ(ut_send(w.c, c, big, 150000, MSG_DONTWAIT), 150000);
		uint32_t goal = buffers ? tp->gso_segs * MSS : MSS;
		if (buffers) {
			/* whole segments up to Linux's size goal: what 64 KB or
			 * half the peer's largest window holds */
			CHECK(tp->gso_segs > 1);
			CHECK(goal <= 65536 && goal <= tp->max_window / 2 + MSS);
		}
		uint32_t out = tp->packets_out - 1;
		CHECK_EQ(out, 9u);
		struct sk_buff *skb;
		unsigned n = 0, full = 0;
		skb_queue_walk(write_queue(tp), skb) {
			n++;
			full += skb->len == goal;
		}
		CHECK_EQ(n, (150000 - out * MSS + goal - 1) / goal);
		CHECK_EQ(full, n - 1);
		tso_end(&w, c, s);
	}
}

TEST(the_congestion_window_and_autosizing_cut_buffers_and_packets_out_counts_segments)
{
	struct tcpworld w;
	int c, s;

	/* tcp_min_tso_segs 2 (Linux's default): five buffers of two; 8: the
	 * congestion window's quota (half of cwnd, tcp_cwnd_test) cuts at
	 * five, so two buffers of five. The rest waits in one buffer. */
	for (long min_tso = 2; min_tso <= 8; min_tso += 6) {
		uint32_t per = min_tso == 2 ? 2 : 5;
		tso_pair(&w, 82, 1, min_tso, &c, &s);
		struct tcp_sock *tp = tw_tcp_sk(w.c, c);
		block_acks(&w, true);
		CHECK_EQ(ut_send(w.c, c, big, 30000, 0), 30000);
		CHECK_EQ(tp->packets_out, 10u);
		CHECK_EQ(rtx_queue_len(tp), 10 / per);
		struct sk_buff *skb;
		skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
			CHECK_EQ(tcp_skb_pcount(skb), per);
			CHECK_EQ(skb->len, per * MSS);
		}
		CHECK_EQ(tp->snd_nxt - tp->snd_una, 10 * MSS);
		CHECK_EQ(skb_queue_len(write_queue(tp)), 1u);
		CHECK_EQ(TCP_SKB_CB(skb_peek(write_queue(tp)))->seq, tp->snd_nxt);
		CHECK_EQ(skb_peek(write_queue(tp))->len, 30000 - 10 * MSS);
		CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPOrigDataSent"), 10);
		tso_end(&w, c, s);
	}
}

/* tcp_tso_should_defer (Linux 6.18): a buffer the congestion window cuts
 * short waits for the next ACK when that ACK is due within min(srtt/2,
 * 1 ms) of now, to go out larger; when the ACK is further off, the part
 * the window allows goes now, for a smooth ACK clock. */
TEST(a_buffer_the_window_cuts_short_waits_only_for_an_ack_due_within_a_millisecond)
{
	struct tcpworld w;
	int c, s, sndbuf = 400000;

	/* buffers of eight segments; the initial window of ten goes at t0 */
	tso_pair(&w, 85, 1, 8, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	block_acks(&w, true);
	CHECK_EQ(ut_send(w.c, c, big, 100000, MSG_DONTWAIT), 100000);
	CHECK_EQ(tp->packets_out, 10u);
	uint32_t una = tp->snd_una;
	uint64_t srtt_ns = (uint64_t)(tp->srtt_us >> 3) * 1000;
	CHECK(srtt_ns > 10 * MS); /* the handshake's 20 ms */
	tw_run(&w, srtt_ns);
	/* An ACK for nine: cwnd 19, one in flight. Two whole buffers go;
	 * the third could send two of its eight, but the oldest segment in
	 * flight, sent one srtt ago, is ACKed any moment: it waits. */
	ack_client(&w, c, una + 9 * MSS, 0, 0);
	CHECK_EQ(tp->snd_cwnd, 19u);
	CHECK_EQ(tp->packets_out, 1u + 16u);
	/* A tenth of a millisecond later that ACK comes. The oldest in
	 * flight is now the burst just sent, ACKed an srtt from now: the
	 * four segments the window allows go now. */
	tw_run(&w, MS / 10);
	ack_client(&w, c, una + 10 * MSS, 0, 0);
	CHECK_EQ(tp->snd_cwnd, 20u);
	CHECK_EQ(tp->packets_out, 20u);
	tso_end(&w, c, s);
}

TEST(the_wire_carries_mss_segments_with_psh_on_the_last_of_each_buffer)
{
	struct tcpworld w;
	struct segwatch *sw = calloc(1, sizeof(*sw));
	static char in[5000];
	int c, s;

	tso_pair(&w, 83, 1, 2, &c, &s);
	segwatch_attach(sw, ut_sim_link_dev(w.link, 1));
	fill(big, 5000);
	CHECK_EQ(ut_send(w.c, c, big, 5000, 0), 5000);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), MSG_DONTWAIT), 5000);
	CHECK(memcmp(in, big, 5000) == 0);
	/* Two buffers of two segments (tcp_min_tso_segs at this rate): GSO
	 * leaves PSH on the last segment of each, and Linux's
	 * __tcp_transmit_skb puts it on every buffer of several segments,
	 * not only on the one that ends the write: segments 2 and 4. */
	unsigned data = 0, psh = 0;
	for (unsigned i = 0; i < sw->n; i++) {
		if (!sw->seen[i].len)
			continue;
		CHECK(sw->seen[i].len <= MSS);
		data++;
		if (sw->seen[i].flags & TCPHDR_PSH) {
			psh++;
			CHECK(data == 2 || data == 4);
			CHECK_EQ(sw->seen[i].len, data == 4 ? 5000 - 3 * MSS : MSS);
		}
	}
	CHECK_EQ(data, 4u);
	CHECK_EQ(psh, 2u);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	free(sw);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* tcp4_gso_segment on a hand-built buffer: CWR|PSH|FIN|ACK, 250 bytes in
 * segments of 100. */
TEST(gso_puts_cwr_on_the_first_segment_psh_and_fin_on_the_last_and_fixes_every_header)
{
	struct skb_pool *pool = skb_pool_create(0);
	struct sk_buff_head segs;
	struct sk_buff *skb = alloc_skb(pool, 1024), *seg;
	struct wire_ipv4 ip;
	struct wire_tcp th;
	uint32_t saddr = inet_addr("10.0.0.1"), daddr = inet_addr("10.0.0.2");
	uint8_t *p;

	skb_reserve(skb, 64);
	p = skb_put(skb, IPV4_HLEN_MIN + TCP_HLEN_MIN + 250);
	memset(&ip, 0, sizeof(ip));
	ip.tot_len = (uint16_t)skb->len;
	ip.id = 0xfffe; /* wraps */
	ip.ttl = 64;
	ip.protocol = IPPROTO_TCP_;
	ip.saddr = saddr;
	ip.daddr = daddr;
	wire_ipv4_emit(p, &ip);
	memset(&th, 0, sizeof(th));
	th.sport = 1000;
	th.dport = 2000;
	th.seq = 0xffffff00u; /* wraps too */
	th.ack_seq = 77;
	th.window = 100;
	th.flags = TCPHDR_CWR | TCPHDR_PSH | TCPHDR_FIN | TCPHDR_ACK;
	wire_tcp_emit(p + IPV4_HLEN_MIN, &th);
	for (unsigned i = 0; i < 250; i++)
		p[IPV4_HLEN_MIN + TCP_HLEN_MIN + i] = (uint8_t)i;
	skb->protocol = ETH_P_IP;
	skb_reset_network_header(skb);
	skb->transport_header = (uint16_t)(skb->network_header + IPV4_HLEN_MIN);
	skb_shinfo(skb)->gso_size = 100;
	skb_shinfo(skb)->gso_segs = 3;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;

	skb_queue_head_init(&segs);
	CHECK_EQ(inet_gso_segment(skb, &segs), 0);
	CHECK_EQ(skb_queue_len(&segs), 3u);
	unsigned i = 0;
	skb_queue_walk(&segs, seg) {
		struct wire_ipv4 sip;
		struct wire_tcp st;
		uint32_t plen = i < 2 ? 100 : 50;
		CHECK_EQ(wire_ipv4_parse(seg->data, seg->len, true, &sip), WIRE_OK);
		CHECK_EQ(sip.tot_len, IPV4_HLEN_MIN + TCP_HLEN_MIN + plen);
		CHECK_EQ(sip.id, (uint16_t)(0xfffe + i));
		CHECK_EQ(wire_tcp_parse(sip.payload, sip.payload_len, &st), WIRE_OK);
		CHECK_EQ(st.seq, 0xffffff00u + 100 * i);
		CHECK_EQ(st.payload_len, plen);
		CHECK_EQ(st.payload[0], (uint8_t)(100 * i));
		CHECK_EQ(csum_fold(csum_tcpudp_nofold(
				 saddr, daddr, (uint16_t)sip.payload_len, IPPROTO_TCP_,
				 csum_partial(sip.payload, sip.payload_len, 0))),
			 0);
		CHECK_EQ(!!(st.flags & TCPHDR_CWR), i == 0);
		CHECK_EQ(!!(st.flags & TCPHDR_PSH), i == 2);
		CHECK_EQ(!!(st.flags & TCPHDR_FIN), i == 2);
		CHECK(st.flags & TCPHDR_ACK);
		i++;
	}
	skb_queue_purge(&segs);
	kfree_skb(skb);
	skb_pool_destroy(pool);
}

TEST(a_partial_ack_trims_the_head_buffer_and_counts_its_whole_segments)
{
	struct tcpworld w;
	int c, s;

	tso_pair(&w, 84, 1, 8, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	block_acks(&w, true);
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS, 0), (ssize_t)(10 * MSS));
	uint32_t una = tp->snd_una;
	CHECK_EQ(tp->packets_out, 10u);
	tw_run(&w, 20 * MS);
	/* two and a half segments of the first buffer */
	ack_client(&w, c, una + 2 * MSS + MSS / 2, 0, 0);
	struct sk_buff *head = skb_rb_first(&tp->tcp_rtx_queue);
	CHECK_EQ(TCP_SKB_CB(head)->seq, una + 2 * MSS + MSS / 2);
	CHECK_EQ(head->len, 2 * MSS + MSS / 2);
	CHECK_EQ(tcp_skb_pcount(head), 3u); /* two and a half left: three */
	CHECK_EQ(tp->packets_out, 8u);
	CHECK_EQ(rtx_queue_len(tp), 2u);
	tso_end(&w, c, s);
}

TEST(a_sack_block_splits_buffers_at_its_edges_in_whole_segments)
{
	struct tcpworld w;
	int c, s;

	tso_pair(&w, 85, 1, 8, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	block_acks(&w, true);
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS, 0), (ssize_t)(10 * MSS));
	uint32_t una = tp->snd_una;
	/* an RTT later (an ACK at once would sample an RTT of 0, and RACK
	 * would call the rest lost) */
	tw_run(&w, 20 * MS);
	/* segments 2..3 of the first buffer (0..4), the block's edges a
	 * little inside them: only whole segments are marked */
	ack_client(&w, c, una, una + 2 * MSS, una + 4 * MSS + 10);
	unsigned n = 0;
	uint32_t seqs[8], pcounts[8];
	uint8_t marks[8];
	struct sk_buff *skb;
	skb_rbtree_walk(skb, &tp->tcp_rtx_queue) {
		CHECK(n < 8);
		seqs[n] = TCP_SKB_CB(skb)->seq - una;
		pcounts[n] = tcp_skb_pcount(skb);
		marks[n] = TCP_SKB_CB(skb)->sacked & TCPCB_SACKED_ACKED;
		n++;
	}
	CHECK_EQ(n, 4u);
	CHECK_EQ(seqs[0], 0u);
	CHECK_EQ(pcounts[0], 2u);
	CHECK_EQ(marks[0], 0);
	CHECK_EQ(seqs[1], 2 * MSS);
	CHECK_EQ(pcounts[1], 2u);
	CHECK_EQ(marks[1], TCPCB_SACKED_ACKED);
	CHECK_EQ(seqs[2], 4 * MSS);
	CHECK_EQ(pcounts[2], 1u);
	CHECK_EQ(marks[2], 0);
	CHECK_EQ(seqs[3], 5 * MSS);
	CHECK_EQ(pcounts[3], 5u);
	CHECK_EQ(tp->sacked_out, 2u);
	CHECK_EQ(tp->packets_out, 10u);
	tso_end(&w, c, s);
}

TEST(a_lost_middle_segment_of_a_buffer_is_retransmitted_alone)
{
	struct tcpworld w;
	struct segwatch *sw = calloc(1, sizeof(*sw));
	int c, s;

	tso_pair(&w, 86, 1, 8, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	block_acks(&w, true);
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS, 0), (ssize_t)(10 * MSS));
	uint32_t una = tp->snd_una;
	tw_run(&w, 30 * MS);
	segwatch_attach(sw, ut_sim_link_dev(w.link, 1));
	/* segment 0 acknowledged, 2..9 SACKed: segment 1 is the hole */
	ack_client(&w, c, una + MSS, una + 2 * MSS, una + 10 * MSS);
	tw_run(&w, 30 * MS);
	unsigned data = data_segments_at(sw, una + MSS);
	CHECK_EQ(data, 1u);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs"), 1);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	free(sw);
	tso_end(&w, c, s);
}

TEST(the_tail_loss_probe_resends_only_the_last_segment_of_the_last_buffer)
{
	struct tcpworld w;
	struct segwatch *sw = calloc(1, sizeof(*sw));
	int c, s;

	tso_pair(&w, 88, 1, 8, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	block_acks(&w, true);
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS, 0), (ssize_t)(10 * MSS));
	uint32_t una = tp->snd_una;
	CHECK_EQ(tcp_skb_pcount(skb_rb_last(&tp->tcp_rtx_queue)), 5u);
	tw_run(&w, 15 * MS); /* the originals are in */
	segwatch_attach(sw, ut_sim_link_dev(w.link, 1));
	tw_run(&w, 100 * MS); /* the probe timeout (2 RTTs), not yet the RTO */
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPLossProbes"), 1);
	unsigned data = data_segments_at(sw, una + 9 * MSS);
	CHECK_EQ(data, 1u);
	/* the buffer was cut before its last segment (RFC 8985 7.3) */
	CHECK_EQ(tcp_skb_pcount(skb_rb_last(&tp->tcp_rtx_queue)), 1u);
	CHECK_EQ(tp->packets_out, 10u);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	free(sw);
	tso_end(&w, c, s);
}

TEST(the_retransmission_timeout_resends_one_segment_of_the_head_buffer)
{
	struct tcpworld w;
	struct segwatch *sw = calloc(1, sizeof(*sw));
	int c, s;

	tso_pair(&w, 89, 1, 8, &c, &s);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	block_acks(&w, true);
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS, 0), (ssize_t)(10 * MSS));
	uint32_t una = tp->snd_una;
	tw_run(&w, 150 * MS); /* past the loss probe */
	segwatch_attach(sw, ut_sim_link_dev(w.link, 1));
	tw_run(&w, 350 * MS); /* the RTO, not yet its backed-off second */
	CHECK_EQ(tw_counter(w.c, "TcpExt", "TCPTimeouts"), 1);
	unsigned data = data_segments_at(sw, una);
	/* cwnd 1 after the timeout: one segment, cut from its buffer */
	CHECK_EQ(data, 1u);
	CHECK_EQ(tcp_skb_pcount(skb_rb_first(&tp->tcp_rtx_queue)), 1u);
	CHECK_EQ(tp->packets_out, 10u);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	free(sw);
	tso_end(&w, c, s);
}

TEST(a_large_write_is_charged_little_over_its_bytes_and_does_not_block)
{
	struct tcpworld w;
	int c, s, sndbuf = 200000; /* sk_sndbuf 400000 */

	tso_pair(&w, 87, 1, 2, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	block_acks(&w, true);
	/* Linux takes it all at once, its buffers charged as their bytes
	 * plus one head each (truesize per byte copied in, on top of
	 * tcp_stream_alloc_skb's 1280): a few buffers of many segments, so
	 * the heads add little */
	CHECK_EQ(ut_send(w.c, c, big, 200000, MSG_DONTWAIT), 200000);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	struct sock *sk = &tp->inet_conn.icsk_inet;
	unsigned buffers = rtx_queue_len(tp) + skb_queue_len(write_queue(tp));
	CHECK_EQ(sk->sk_wmem_queued, 200000 + (int)(buffers * tcp_skb_base_truesize(w.c)));
	CHECK(buffers * tcp_skb_base_truesize(w.c) < 200000 / 10);
	tso_end(&w, c, s);
}

/* A later write joins the rest of a buffer the congestion window cut,
 * and the wire still carries full segments, as from Linux's buffers
 * (eor/no-coalesce-large.pkt). */
TEST(a_write_joining_the_short_rest_of_a_cut_buffer_still_leaves_full_segments)
{
	struct tcpworld w;
	struct segwatch *sw = calloc(1, sizeof(*sw));
	static char in[2 * (10 * MSS + 400)];
	uint32_t start;
	unsigned data = 0;
	int c, s;

	tso_pair(&w, 84, 1, 10, &c, &s);
	segwatch_attach(sw, ut_sim_link_dev(w.link, 1));
	start = tw_tcp_sk(w.c, c)->snd_nxt;
	fill(big, sizeof(in));
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS + 400, 0), 10 * MSS + 400);
	CHECK_EQ(tw_tcp_sk(w.c, c)->snd_nxt - start, 10 * MSS);
	CHECK_EQ(ut_send(w.c, c, big + 10 * MSS + 400, 10 * MSS + 400, 0), 10 * MSS + 400);
	tw_run(&w, 300 * MS);
	CHECK_EQ(ut_recv(w.s, s, in, sizeof(in), MSG_DONTWAIT), (ssize_t)sizeof(in));
	CHECK(memcmp(in, big, sizeof(in)) == 0);
	for (unsigned i = 0; i < sw->n; i++) {
		if (!sw->seen[i].len)
			continue;
		data++;
		if (sw->seen[i].seq + sw->seen[i].len != start + sizeof(in))
			CHECK_EQ(sw->seen[i].len, MSS);
	}
	CHECK_EQ(data, 21u);
	segwatch_detach(ut_sim_link_dev(w.link, 1));
	free(sw);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

/* The rest of the write queue's tail, cut by the congestion window, takes
 * the next write's bytes up to the size goal, as Linux appends page
 * fragments to it; so a write queues what Linux's queues before the send
 * buffer stops it (blocking/blocking-write.pkt: 60,000 bytes, not 51,000). */
TEST(the_rest_of_a_buffer_the_window_cut_fills_to_the_size_goal)
{
	struct tcpworld w;
	int c, s, sndbuf = 200000;
	uint32_t goal, start;

	tso_pair(&w, 88, 1, 10, &c, &s);
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	block_acks(&w, true);
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	struct sock *sk = &tp->inet_conn.icsk_inet;
	tcp_send_mss(sk, &goal, 0);
	CHECK(goal > 10 * MSS);
	start = tp->snd_nxt;
	/* one buffer: the initial window's ten segments go, the rest (5000
	 * bytes, a block of its own) waits */
	CHECK_EQ(ut_send(w.c, c, big, 10 * MSS + 5000, MSG_DONTWAIT), (ssize_t)(10 * MSS + 5000));
	CHECK_EQ(tp->snd_nxt - start, 10 * MSS);
	CHECK_EQ(skb_queue_len(write_queue(tp)), 1u);
	CHECK_EQ(skb_peek(write_queue(tp))->len, 5000u);
	/* the next write fills the rest to the goal, then a new buffer */
	CHECK_EQ(ut_send(w.c, c, big, goal, MSG_DONTWAIT), (ssize_t)goal);
	CHECK_EQ(skb_queue_len(write_queue(tp)), 2u);
	CHECK_EQ(skb_peek(write_queue(tp))->len, goal);
	CHECK_EQ(skb_peek_tail(write_queue(tp))->len, 5000u);
	tso_end(&w, c, s);
}
