/* Generic receive offload (src/core/gro.c, the families' gro_receive in
 * src/ipv4/tcp_offload.c and src/ipv6/ip6_offload.c): frames handed to a
 * device in one poll, and what the stack's IP handlers are given for
 * them. The IPv4 and IPv6 handlers are swapped for a recorder, so that
 * each test reads the packets GRO made: headers, lengths, gso fields. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "net/gro.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static struct sk_buff_head got; /* what reached the IP handlers, in order */

static void record(struct sk_buff *skb)
{
	skb_queue_tail(&got, skb);
}

struct rig {
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
};

static void rig_make(struct rig *r)
{
	test_clock_init(&r->tc, 1000000000ull);
	r->s = testnet_stack(&r->tc, &r->cd, UT_DEV_ETHER, "10.0.0.1", 24);
	skb_queue_head_init(&got);
	for (unsigned i = 0; i < r->s->n_ptype; i++)
		if (r->s->ptype_base[i].type == ETH_P_IP || r->s->ptype_base[i].type == ETH_P_IPV6)
			r->s->ptype_base[i].func = record;
}

static void rig_destroy(struct rig *r)
{
	skb_queue_purge(&got);
	testnet_destroy(r->s, &r->cd);
}

/* One TCP segment as a peer would send it; fields left 0 take the
 * defaults of seg_defaults. */
struct seg {
	bool v6;
	uint16_t sport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t ttl, tos;
	bool no_df;
	uint16_t id, frag; /* frag: the IPv4 MF and offset bits */
	uint16_t len;
	uint8_t opt[12], optlen;
	bool ip_opt, bad_csum;
};

#define SEQ0 1000000u
#define MSS 1000u

static struct seg seg_at(uint32_t seq, uint16_t id)
{
	struct seg g = {.sport = 40000,
			.seq = seq,
			.ack = 5000,
			.flags = TCPHDR_ACK,
			.win = 512,
			.ttl = 64,
			.len = MSS,
			.id = id};
	return g;
}

/* The payload byte at sequence number seq: every packet's bytes can be
 * checked against where they claim to be. */
static uint8_t pattern(uint32_t seq)
{
	return (uint8_t)(seq * 7 + (seq >> 8));
}

static size_t build_seg(uint8_t *f, const struct seg *g)
{
	uint8_t *ip = f + ETH_HLEN, *th;
	uint32_t iphl = g->v6 ? IPV6_HLEN : (g->ip_opt ? 24u : 20u);
	uint32_t thl = TCP_HLEN_MIN + g->optlen, tcp_len = thl + g->len;

	memcpy(f, testnet_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put_be16(f + 12, g->v6 ? ETH_P_IPV6 : ETH_P_IP);
	memset(ip, 0, iphl);
	th = ip + iphl;
	memset(th, 0, thl);
	put_be16(th, g->sport);
	put_be16(th + 2, 80);
	put_be32(th + 4, g->seq);
	put_be32(th + 8, g->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = g->flags;
	put_be16(th + 14, g->win);
	memcpy(th + TCP_HLEN_MIN, g->opt, g->optlen);
	for (uint32_t i = 0; i < g->len; i++)
		th[thl + i] = pattern(g->seq + i);
	if (g->v6) {
		struct in6_addr sa, da;
		put_be32(ip, 0x60000000u | ((uint32_t)g->tos << 20));
		put_be16(ip + 4, (uint16_t)tcp_len);
		ip[6] = IPPROTO_TCP;
		ip[7] = g->ttl;
		CHECK_EQ(inet_pton(AF_INET6, "2001:db8::2", ip + 8), 1);
		CHECK_EQ(inet_pton(AF_INET6, "2001:db8::1", ip + 24), 1);
		memcpy(&sa, ip + 8, 16);
		memcpy(&da, ip + 24, 16);
		put_be16(th + 16, csum_ipv6(&sa, &da, IPPROTO_TCP, th, tcp_len));
	} else {
		uint32_t sa = ip4("10.0.0.2"), da = ip4("10.0.0.1");
		ip[0] = (uint8_t)(0x40 | iphl / 4);
		ip[1] = g->tos;
		put_be16(ip + 2, (uint16_t)(iphl + tcp_len));
		put_be16(ip + 4, g->id);
		put_be16(ip + 6, (uint16_t)((g->no_df ? 0 : IP_DF) | g->frag));
		ip[8] = g->ttl;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, &sa, 4);
		memcpy(ip + 16, &da, 4);
		if (g->ip_opt)
			ip[20] = 1, ip[21] = 1, ip[22] = 1, ip[23] = 0; /* NOPs, EOL */
		put_be16(ip + 10, csum_fold(csum_partial(ip, iphl, 0)));
		put_be16(th + 16, csum_tcpudp(sa, da, IPPROTO_TCP, th, tcp_len));
	}
	if (g->bad_csum)
		th[16] ^= 0x5a;
	return ETH_HLEN + iphl + tcp_len;
}

/* Hands g to the device without polling: frames handed over together
 * are one batch for the next poll. */
static void put(struct rig *r, const struct seg *g)
{
	static uint8_t f[ETH_HLEN + 60 + 60 + 2000];
	size_t n = build_seg(f, g);
	CHECK_EQ(ut_dev_input(r->cd.dev, f, n), 0);
}

/* The segment count of each packet recorded, oldest first, as "2,1". */
static const char *counts(char *buf, size_t size)
{
	struct sk_buff *skb;
	size_t o = 0;

	buf[0] = 0;
	skb_queue_walk(&got, skb) {
		unsigned c = skb_shinfo(skb)->gso_segs ? skb_shinfo(skb)->gso_segs : 1;
		o += (size_t)snprintf(buf + o, size - o, "%s%u", o ? "," : "", c);
	}
	return buf;
}

/* The merged packet's payload is the segments' bytes, in order. */
static void check_payload(const struct sk_buff *skb, uint32_t hl, uint32_t seq, uint32_t len)
{
	CHECK_EQ(skb->len, hl + len);
	for (uint32_t i = 0; i < len; i += 97)
		CHECK_EQ(skb->data[hl + i], pattern(seq + i));
}

TEST(contiguous_ipv4_segments_of_one_poll_go_up_as_one_packet_with_their_count_and_fixed_headers)
{
	struct rig r;
	struct ut_dev_stats st;

	rig_make(&r);
	for (unsigned i = 0; i < 5; i++) {
		struct seg g = seg_at(SEQ0 + i * MSS, (uint16_t)(100 + i));
		if (i == 4)
			g.flags |= TCPHDR_PSH;
		put(&r, &g);
	}
	testnet_poll(r.s);
	CHECK_EQ(skb_queue_len(&got), 1);
	struct sk_buff *skb = skb_peek(&got);
	const uint8_t *ip = skb->data, *th = ip + 20;
	CHECK_EQ(skb->protocol, ETH_P_IP);
	CHECK_EQ(get_be16(ip + 2), 20 + 20 + 5 * MSS);
	CHECK_EQ(get_be16(ip + 4), 100); /* the first's id */
	CHECK_EQ(csum_fold(csum_partial(ip, 20, 0)), 0);
	CHECK_EQ(get_be32(th + 4), SEQ0);
	CHECK_EQ(th[13], TCPHDR_ACK | TCPHDR_PSH); /* the last's PSH */
	CHECK_EQ(skb_shinfo(skb)->gso_size, MSS);
	CHECK_EQ(skb_shinfo(skb)->gso_segs, 5);
	CHECK_EQ(skb_shinfo(skb)->gso_type, SKB_GSO_TCPV4);
	CHECK_EQ(skb->ip_summed, CHECKSUM_UNNECESSARY);
	check_payload(skb, 40, SEQ0, 5 * MSS);
	/* Charged what the five frames were in the driver's buffers, less
	 * the four descriptors freed (Linux's skb_gro_receive adds each
	 * merged frame's truesize), not the 16 KB block the payloads were
	 * copied into: TCP sizes its window from this charge. */
	uint32_t frame = skb_truesize_for(r.s->pool, NET_IP_ALIGN + ETH_HLEN + 40 + MSS);
	printf("    5 frames of %u bytes: charged %u (a frame %u, the block %u)\n", MSS,
	       skb->truesize, frame, skb_truesize_for(r.s->pool, 16384));
	CHECK_EQ(skb->truesize, 5 * frame - 4 * (uint32_t)sizeof(struct sk_buff));
	ut_dev_get_stats(r.cd.dev, &st);
	CHECK_EQ(st.rx_packets, 5);
	CHECK_EQ(st.rx_gro_packets, 1);
	CHECK_EQ(st.rx_gro_wire_packets, 5);
	rig_destroy(&r);
}

TEST(contiguous_ipv6_segments_of_one_poll_go_up_as_one_packet_with_their_count_and_fixed_headers)
{
	struct rig r;

	rig_make(&r);
	for (unsigned i = 0; i < 3; i++) {
		struct seg g = seg_at(SEQ0 + i * MSS, 0);
		g.v6 = true;
		put(&r, &g);
	}
	testnet_poll(r.s);
	CHECK_EQ(skb_queue_len(&got), 1);
	struct sk_buff *skb = skb_peek(&got);
	CHECK_EQ(skb->protocol, ETH_P_IPV6);
	CHECK_EQ(get_be16(skb->data + 4), 20 + 3 * MSS);
	CHECK_EQ(skb_shinfo(skb)->gso_size, MSS);
	CHECK_EQ(skb_shinfo(skb)->gso_segs, 3);
	CHECK_EQ(skb_shinfo(skb)->gso_type, SKB_GSO_TCPV6);
	CHECK_EQ(skb->ip_summed, CHECKSUM_UNNECESSARY);
	check_payload(skb, 60, SEQ0, 3 * MSS);
	rig_destroy(&r);
}

/* Each row: a first segment A (held), a segment B changed as the row
 * says, and C, which continues B (or A, when B carries nothing): what
 * goes up, as the segment count of each packet in order. */
struct refusal {
	const char *what;
	void (*change)(struct seg *b);
	const char *expect;
};

static void other_port(struct seg *b)
{
	b->sport = 40001;
}
static void hole(struct seg *b)
{
	b->seq += 100;
}
static void overlap(struct seg *b)
{
	b->seq -= 500;
}
static void other_ack(struct seg *b)
{
	b->ack += 1;
}
static void other_window(struct seg *b)
{
	b->win += 1;
}
static void other_option(struct seg *b)
{
	b->opt[5] ^= 1;
}
static void psh(struct seg *b)
{
	b->flags |= TCPHDR_PSH;
}
static void fin(struct seg *b)
{
	b->flags |= TCPHDR_FIN;
}
static void rst(struct seg *b)
{
	b->flags |= TCPHDR_RST;
}
static void urg(struct seg *b)
{
	b->flags |= TCPHDR_URG;
}
static void cwr(struct seg *b)
{
	b->flags |= TCPHDR_CWR;
}
static void other_tos(struct seg *b)
{
	b->tos = 0x10;
}
static void other_ttl(struct seg *b)
{
	b->ttl = 63;
}
static void no_df(struct seg *b)
{
	b->no_df = true;
}
static void ip_options(struct seg *b)
{
	b->ip_opt = true;
}
static void fragment(struct seg *b)
{
	b->frag = IP_MF;
}
static void bad_checksum(struct seg *b)
{
	b->bad_csum = true;
}
static void id_jump(struct seg *b)
{
	b->id += 5;
	b->no_df = true;
}
static void longer(struct seg *b)
{
	b->len = MSS + 200;
}
static void shorter(struct seg *b)
{
	b->len = MSS / 2;
}
static void pure_ack(struct seg *b)
{
	b->len = 0;
}

static const struct refusal refusals[] = {
	{"another connection: both held, each merging its own", other_port, "2,1"},
	{"a hole: A goes up, B starts anew", hole, "1,2"},
	{"an overlap", overlap, "1,2"},
	{"another ACK", other_ack, "1,2"},
	{"another window", other_window, "1,2"},
	{"changed options", other_option, "1,2"},
	{"PSH: merged, then the packet ends", psh, "2,1"},
	{"FIN: merged, then the packet ends", fin, "2,1"},
	{"RST: never merged, up alone", rst, "1,1,1"},
	{"URG: never merged, up alone", urg, "1,1,1"},
	{"CWR: leads a packet of its own", cwr, "1,2"},
	{"another TOS", other_tos, "1,2"},
	{"another TTL", other_ttl, "1,2"},
	{"DF cleared", no_df, "1,2"},
	{"IP options: up alone at once", ip_options, "1,1,1"},
	{"a fragment: up alone at once", fragment, "1,1,1"},
	{"a bad checksum: up alone at once, unverified", bad_checksum, "1,1,1"},
	{"an IP id that does not count on, without DF", id_jump, "1,2"},
	{"longer than the first", longer, "1,2"},
	{"shorter than the first: merged, then the packet ends", shorter, "2,1"},
	{"no payload: ends the packet, up alone", pure_ack, "1,1,1"},
};

TEST(every_rule_that_refuses_a_merge_sends_the_segments_up_as_linux_does)
{
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		const struct refusal *row = &refusals[i];
		struct seg a = seg_at(SEQ0, 100), b, c;
		char buf[64];
		struct rig r;

		rig_make(&r);
		/* timestamps on every segment, so that options can differ */
		a.optlen = 12;
		memcpy(a.opt, (const uint8_t[]){1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9}, 12);
		b = a;
		b.seq = SEQ0 + MSS;
		b.id = 101;
		row->change(&b);
		c = b;
		c.flags = TCPHDR_ACK;
		c.seq = b.seq + b.len;
		c.len = MSS;
		c.id = (uint16_t)(b.id + 1);
		c.bad_csum = c.ip_opt = false;
		c.frag = 0;
		if (row->change == other_port) {
			c = a; /* continues A */
			c.seq = SEQ0 + MSS;
			c.id = 101;
		}
		put(&r, &a);
		put(&r, &b);
		put(&r, &c);
		testnet_poll(r.s);
		if (strcmp(counts(buf, sizeof(buf)), row->expect) != 0)
			fprintf(stderr, "    row \"%s\": got %s, want %s\n", row->what, buf,
				row->expect);
		CHECK(strcmp(buf, row->expect) == 0);
		if (row->change == bad_checksum)
			CHECK(skb_peek(&got)->ip_summed != CHECKSUM_UNNECESSARY);
		rig_destroy(&r);
	}
}

TEST(a_merged_packet_stops_short_of_64_kilobytes)
{
	struct rig r;
	char buf[64];

	rig_make(&r);
	for (unsigned i = 0; i < 50; i++) {
		struct seg g = seg_at(SEQ0 + i * 1448, (uint16_t)(100 + i));
		g.len = 1448;
		put(&r, &g);
	}
	testnet_poll(r.s);
	/* 40 bytes of headers and 45 segments make 65200 bytes; a 46th
	 * would pass 65535 */
	CHECK_STR(counts(buf, sizeof(buf)), "45,5");
	CHECK_EQ(skb_peek(&got)->len, 40 + 45 * 1448);
	check_payload(skb_peek_tail(&got), 40, SEQ0 + 45 * 1448, 5 * 1448);
	rig_destroy(&r);
}

TEST(the_end_of_a_poll_flushes_what_gro_holds_and_gro_off_merges_nothing)
{
	struct rig r;
	char buf[64];

	rig_make(&r);
	for (unsigned i = 0; i < 3; i++) {
		struct seg g = seg_at(SEQ0 + i * MSS, (uint16_t)(100 + i));
		put(&r, &g);
	}
	testnet_poll(r.s);
	CHECK_STR(counts(buf, sizeof(buf)), "3");
	/* the next poll's segments continue the flow but start a packet */
	for (unsigned i = 3; i < 5; i++) {
		struct seg g = seg_at(SEQ0 + i * MSS, (uint16_t)(100 + i));
		put(&r, &g);
	}
	testnet_poll(r.s);
	CHECK_STR(counts(buf, sizeof(buf)), "3,2");
	CHECK(ut_dev_gro(r.cd.dev));
	ut_dev_set_gro(r.cd.dev, false);
	for (unsigned i = 5; i < 8; i++) {
		struct seg g = seg_at(SEQ0 + i * MSS, (uint16_t)(100 + i));
		put(&r, &g);
	}
	testnet_poll(r.s);
	CHECK_STR(counts(buf, sizeof(buf)), "3,2,1,1,1");
	rig_destroy(&r);
}

TEST(a_frame_alone_in_its_poll_skips_gro_and_leaves_its_checksum_to_the_protocol)
{
	struct rig r;
	char buf[64];
	struct seg g = seg_at(SEQ0, 100);

	rig_make(&r);
	/* One frame, nothing held: up as it came, its checksum not yet
	 * looked at (GRO's parse would have verified it and said so). */
	put(&r, &g);
	testnet_poll(r.s);
	CHECK_STR(counts(buf, sizeof(buf)), "1");
	CHECK_EQ(skb_peek_tail(&got)->ip_summed, CHECKSUM_NONE);
	/* The same with a wrong checksum: it goes up for TCP to refuse, as
	 * on a device without GRO. */
	g = seg_at(SEQ0 + MSS, 101);
	g.bad_csum = true;
	put(&r, &g);
	testnet_poll(r.s);
	CHECK_STR(counts(buf, sizeof(buf)), "1,1");
	CHECK_EQ(skb_peek_tail(&got)->ip_summed, CHECKSUM_NONE);
	/* Two frames in a poll go through GRO: merged, checksums verified. */
	for (unsigned i = 2; i < 4; i++) {
		g = seg_at(SEQ0 + i * MSS, (uint16_t)(100 + i));
		put(&r, &g);
	}
	testnet_poll(r.s);
	CHECK_STR(counts(buf, sizeof(buf)), "1,1,2");
	CHECK_EQ(skb_peek_tail(&got)->ip_summed, CHECKSUM_UNNECESSARY);
	rig_destroy(&r);
}

TEST(a_ninth_flow_sends_the_oldest_held_one_up)
{
	struct rig r;
	char buf[64];

	rig_make(&r);
	for (unsigned f = 0; f < MAX_GRO_SKBS + 1; f++) {
		struct seg g = seg_at(SEQ0, 100);
		g.sport = (uint16_t)(40000 + f);
		put(&r, &g);
	}
	struct seg g = seg_at(SEQ0 + MSS, 101); /* continues flow 0, gone up */
	put(&r, &g);
	testnet_poll(r.s);
	CHECK_EQ(skb_queue_len(&got), MAX_GRO_SKBS + 2);
	CHECK_EQ(get_be16(skb_peek(&got)->data + 20), 40000);
	CHECK_STR(counts(buf, sizeof(buf)), "1,1,1,1,1,1,1,1,1,1");
	rig_destroy(&r);
}

/* ---- a whole connection ------------------------------------------------------------*/

/* n bytes from client to server over the default world (10 ms each way,
 * no rate limit: a flight arrives in one poll); returns the server's
 * TCP InSegs, the packets its receive path ran for. */
static uint64_t bulk(bool gro, size_t n, uint64_t *gro_packets)
{
	static char out[2 << 20], in[2 << 20];
	struct ut_dev_stats st;
	struct ut_tcp_info ti;
	socklen_t len = sizeof(ti);
	struct tcpworld w;
	uint64_t insegs;
	int c, s;

	for (size_t i = 0; i < n; i++)
		out[i] = (char)(i * 131 + (i >> 9));
	memset(in, 0, n);
	tw_make(&w, 77, NULL);
	if (!gro)
		tw_gro_off(&w);
	tw_pair(&w, 80, &c, &s);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 60000 * MS, NULL, NULL), n);
	CHECK(memcmp(out, in, n) == 0);
	insegs = tw_counter(w.s, "Tcp", "InSegs");
	ut_dev_get_stats(ut_sim_link_dev(w.link, 1), &st);
	*gro_packets = st.rx_gro_packets;
	/* segs_in counts wire segments either way */
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK(ti.tcpi_segs_in >= n / 1448);
	CHECK_EQ(ut_close(w.c, c), 0);
	CHECK_EQ(ut_close(w.s, s), 0);
	tw_done(&w);
	return insegs;
}

TEST(a_bulk_transfer_delivers_the_same_bytes_with_gro_on_and_off_in_fewer_receive_calls_with_it_on)
{
	uint64_t on_merged, off_merged;
	uint64_t on = bulk(true, 2 << 20, &on_merged);
	uint64_t off = bulk(false, 2 << 20, &off_merged);

	CHECK_EQ(off_merged, 0);
	CHECK(on_merged > 0);
	/* at least half the receive path's work saved */
	CHECK(on * 2 < off);
}

/* g as the device layer would hand it to GRO: link header pulled. */
static struct sk_buff *seg_skb(struct rig *r, const struct seg *g)
{
	static uint8_t f[ETH_HLEN + 60 + 60 + 4000];
	size_t n = build_seg(f, g);
	struct sk_buff *skb = alloc_skb(r->s->pool, (uint32_t)n + 64);

	CHECK(skb != NULL);
	skb_reserve(skb, 64);
	memcpy(skb_put(skb, (uint32_t)n), f, n);
	skb->dev = netdev_from_ut(r->cd.dev);
	skb->protocol = g->v6 ? ETH_P_IPV6 : ETH_P_IP;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb_pull(skb, ETH_HLEN);
	skb_reset_network_header(skb);
	return skb;
}

/* A buffer that already holds several segments (a TAP's GSO frame from
 * the kernel) is not merged: it goes up as it came, and what GRO held of
 * its flow goes up first, so the bytes stay in order. */
TEST(a_gso_buffer_goes_up_unmerged_after_what_gro_held_of_its_flow)
{
	struct rig r;
	char buf[64];

	rig_make(&r);
	struct seg a = seg_at(SEQ0, 100), b = seg_at(SEQ0 + MSS, 101);
	struct seg big = seg_at(SEQ0 + 2 * MSS, 102);
	big.len = 3 * MSS;
	napi_gro_receive(seg_skb(&r, &a));
	napi_gro_receive(seg_skb(&r, &b));
	struct sk_buff *gso = seg_skb(&r, &big);
	skb_shinfo(gso)->gso_size = MSS;
	skb_shinfo(gso)->gso_segs = 3;
	skb_shinfo(gso)->gso_type = SKB_GSO_TCPV4;
	gso->ip_summed = CHECKSUM_UNNECESSARY;
	napi_gro_receive(gso);
	/* and the segment after it starts a packet of its own */
	struct seg c = seg_at(SEQ0 + 5 * MSS, 103);
	napi_gro_receive(seg_skb(&r, &c));
	napi_gro_flush(netdev_from_ut(r.cd.dev));
	CHECK_STR(counts(buf, sizeof(buf)), "2,3,1");
	struct sk_buff *second = skb_peek(&got)->next;
	CHECK_EQ(get_be32(skb_peek(&got)->data + 20 + 4), SEQ0);
	CHECK_EQ(get_be32(second->data + 20 + 4), SEQ0 + 2 * MSS);
	CHECK_EQ(skb_shinfo(second)->gso_size, MSS);
	check_payload(second, 40, SEQ0 + 2 * MSS, 3 * MSS);
	CHECK_EQ(get_be32(skb_peek_tail(&got)->data + 20 + 4), SEQ0 + 5 * MSS);
	rig_destroy(&r);
}
