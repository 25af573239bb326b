/* Impairments on a device with the kernel's offloads (ut_dev_set_netem on
 * a TAP or TUN with TSO): they act on wire packets all the same. A TCP
 * buffer leaving is cut, each packet impaired, and the packets that leave
 * the impairment together are joined again into one buffer for the
 * driver; a large frame the kernel hands in is cut into its packets
 * before it is impaired; and a damaged packet never hides behind a
 * checksum left to the far side or vouched for by the device. */
#include <string.h>

#include "net/gro.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

#define MSS 1448u
#define NSEG 8u
#define SEQ0 1000u
#ifndef MS
#define MS 1000000ULL
#endif

/* A TCP/IPv4 packet of payload bytes from 10.99.0.1:40000 to
 * 10.99.0.2:port, behind an Ethernet header if eth, its IP header
 * checksum done and its TCP checksum done too (or 0 when tcp_csum is
 * false: segmentation computes each segment's). */
static size_t build(uint8_t *f, bool eth, uint16_t port, uint32_t payload, bool tcp_csum)
{
	size_t nh = eth ? ETH_HLEN : 0, th = nh + IPV4_HLEN_MIN;

	memset(f, 0, th + TCP_HLEN_MIN);
	if (eth)
		wire_eth_emit(f, testnet_mac, peer_mac, ETH_P_IP);
	f[nh] = 0x45;
	put_be16(f + nh + 2, (uint16_t)(IPV4_HLEN_MIN + TCP_HLEN_MIN + payload));
	put_be16(f + nh + 4, 77);
	f[nh + 6] = 0x40; /* DF */
	f[nh + 8] = 64;
	f[nh + 9] = IPPROTO_TCP_;
	put_be32(f + nh + 12, 0x0a630001);
	put_be32(f + nh + 16, 0x0a630002);
	ip_send_check(f + nh, IPV4_HLEN_MIN);
	put_be16(f + th, 40000);
	put_be16(f + th + 2, port);
	put_be32(f + th + 4, SEQ0);
	put_be32(f + th + 8, 5);
	f[th + 12] = 5 << 4;
	f[th + 13] = TCPHDR_ACK | TCPHDR_PSH;
	put_be16(f + th + 14, 1000);
	for (uint32_t i = 0; i < payload; i++)
		f[th + TCP_HLEN_MIN + i] = (uint8_t)(i * 13 + 5);
	if (tcp_csum) {
		uint32_t s, d;
		memcpy(&s, f + nh + 12, 4);
		memcpy(&d, f + nh + 16, 4);
		put_be16(f + th + 16,
			 csum_tcpudp(s, d, IPPROTO_TCP_, f + th, TCP_HLEN_MIN + payload));
	}
	return th + TCP_HLEN_MIN + payload;
}

static struct sk_buff *skb_of(struct ut_stack *s, struct net_device *dev, const uint8_t *f,
			      size_t len)
{
	struct sk_buff *skb = alloc_skb(s->pool, (uint32_t)len);
	CHECK(skb != NULL);
	memcpy(skb_put(skb, (uint32_t)len), f, len);
	skb->dev = dev;
	return skb;
}

/* Makes skb (a frame at its link header, nh bytes of it) a TCP buffer of
 * NSEG segments of MSS. */
static void make_gso(struct sk_buff *skb, uint32_t nh)
{
	skb->protocol = ETH_P_IP;
	skb_reset_mac_header(skb);
	skb->network_header = (uint16_t)(skb->mac_header + nh);
	skb->transport_header = (uint16_t)(skb->network_header + IPV4_HLEN_MIN);
	skb_shinfo(skb)->gso_size = MSS;
	skb_shinfo(skb)->gso_segs = NSEG;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
}

/* A buffer of NSEG segments from the peer's address to port 80, framed
 * for dev (f holds its bytes, *len their count), as TCP or the kernel
 * would hand it over. */
static struct sk_buff *gso_buffer(struct ut_stack *s, struct net_device *dev, uint8_t *f,
				  size_t *len)
{
	bool eth = dev->type == UT_DEV_ETHER;
	struct sk_buff *skb;

	*len = build(f, eth, 80, NSEG * MSS, false);
	skb = skb_of(s, dev, f, *len);
	make_gso(skb, eth ? ETH_HLEN : 0);
	return skb;
}

/* Queues skb on cd's device and flushes the queue, the capture cleared
 * first. */
static void send_buffer(struct capdev *cd, struct sk_buff *skb)
{
	struct net_device *dev = netdev_from_ut(cd->dev);

	capdev_clear(cd);
	CHECK_EQ(dev_queue_xmit(skb), NET_XMIT_SUCCESS);
	netdev_flush_tx(dev);
}

TEST(an_egress_impairment_on_a_tso_device_drops_wire_packets_and_joins_the_survivors)
{
	static uint8_t f[NSEG * MSS + 100];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct ut_link_params p;
	unsigned seeds_with_loss = 0, joined_runs = 0;

	dev->features |= NETIF_F_HW_CSUM | NETIF_F_TSO;
	ut_link_params_init(&p);
	p.loss = 0.3;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		size_t len;
		struct sk_buff *skb = gso_buffer(s, dev, f, &len);
		struct ut_link_stats st;
		bool got[NSEG] = {false};
		unsigned survivors = 0, runs = 0;

		CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_EGRESS, &p, seed), 0);
		send_buffer(&cd, skb);
		/* Each frame the driver got is a run of consecutive
		 * segments, headers and bytes intact. */
		for (size_t i = 0; i < cd.n; i++) {
			const uint8_t *fr = cd.frames[i].data, *th = fr + ETH_HLEN + IPV4_HLEN_MIN;
			uint32_t tot, seq, plen;

			CHECK(cd.frames[i].len >= ETH_HLEN + IPV4_HLEN_MIN + TCP_HLEN_MIN);
			tot = get_be16(fr + ETH_HLEN + 2);
			CHECK_EQ(tot + ETH_HLEN, cd.frames[i].len);
			CHECK_EQ(csum_fold(csum_partial(fr + ETH_HLEN, IPV4_HLEN_MIN, 0)), 0);
			seq = get_be32(th + 4);
			plen = tot - IPV4_HLEN_MIN - TCP_HLEN_MIN;
			CHECK_EQ((seq - SEQ0) % MSS, 0);
			CHECK_EQ(plen % MSS, 0);
			CHECK(plen > 0 && seq - SEQ0 + plen <= NSEG * MSS);
			CHECK(memcmp(th + TCP_HLEN_MIN,
				     f + ETH_HLEN + IPV4_HLEN_MIN + TCP_HLEN_MIN + (seq - SEQ0),
				     plen) == 0);
			for (uint32_t k = (seq - SEQ0) / MSS; k < (seq - SEQ0 + plen) / MSS; k++) {
				CHECK(!got[k]);
				got[k] = true;
			}
		}
		for (unsigned k = 0; k < NSEG; k++) {
			survivors += got[k];
			runs += got[k] && (k == 0 || !got[k - 1]);
		}
		/* One frame a run: the survivors that left together were
		 * joined, none was joined across a loss. */
		CHECK_EQ(cd.n, runs);
		ut_dev_get_netem_stats(cd.dev, UT_DEV_EGRESS, &st);
		CHECK_EQ(st.lost, NSEG - survivors);
		seeds_with_loss += survivors < NSEG;
		joined_runs += survivors > runs;
		CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_EGRESS, NULL, 0), 0);
	}
	/* The seeds exercised both: losses, and runs of two or more. */
	CHECK(seeds_with_loss > 10);
	CHECK(joined_runs > 10);
	testnet_destroy(s, &cd);
}

TEST(the_capture_and_the_counters_see_the_wire_packets_the_driver_gets_joined)
{
	static uint8_t f[NSEG * MSS + 100];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct ut_link_params p;
	struct ut_dev_stats st;
	size_t len;
	struct sk_buff *skb = gso_buffer(s, dev, f, &len);

	dev->features |= NETIF_F_HW_CSUM | NETIF_F_TSO;
	ut_link_params_init(&p);
	p.delay_ns = 5 * MS;
	CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_EGRESS, &p, 1), 0);
	send_buffer(&cd, skb);
	CHECK_EQ(cd.n, 0); /* held for the delay */
	testnet_advance(s, &tc, 5 * MS);
	CHECK_EQ(cd.n, 1);
	CHECK_EQ(cd.frames[0].len, len);
	ut_dev_get_stats(cd.dev, &st);
	CHECK_EQ(st.tx_packets, NSEG);
	CHECK_EQ(st.tx_gso_packets, 1);
	CHECK_EQ(st.tx_gso_wire_packets, NSEG);
	testnet_destroy(s, &cd);
}

TEST(an_ingress_impairment_sees_the_wire_packets_of_a_large_frame_from_the_kernel)
{
	static uint8_t f[NSEG * MSS + 100];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_RAWIP, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct ut_link_params p;
	struct ut_link_stats ns;
	struct ut_dev_stats st;
	size_t len;
	struct sk_buff *skb = gso_buffer(s, dev, f, &len);

	ut_link_params_init(&p);
	p.loss = 0.3;
	CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_INGRESS, &p, 3), 0);
	/* as a TUN hands over the kernel's GSO frame, checksums vouched
	 * for (DATA_VALID) */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	CHECK_EQ(netif_rx(skb), NET_RX_SUCCESS);
	testnet_poll(s);
	ut_dev_get_netem_stats(cd.dev, UT_DEV_INGRESS, &ns);
	ut_dev_get_stats(cd.dev, &st);
	/* each of the eight packets took its own chance */
	CHECK_EQ(ns.sent, NSEG);
	CHECK(ns.lost > 0 && ns.lost < NSEG);
	CHECK_EQ(st.rx_packets, NSEG - ns.lost);
	CHECK_EQ(st.rx_dropped, 0);
	testnet_destroy(s, &cd);
}

TEST(a_corrupted_packet_the_device_vouched_for_is_checked_and_dropped)
{
	uint8_t f[1600];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_RAWIP, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct ut_link_params p;
	size_t len = build(f, false, 9, 1200, true);

	/* Unimpaired, the segment to a closed port is answered (RST). */
	capdev_clear(&cd);
	CHECK_EQ(capdev_inject(&cd, f, len), 0);
	CHECK_EQ(cd.n, 1);
	/* Damaged on the way in, whichever bit it is, it is never
	 * answered: a device's word (CHECKSUM_UNNECESSARY) does not cover
	 * what the impairment did after. */
	ut_link_params_init(&p);
	p.corrupt = 1.0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct sk_buff *skb = skb_of(s, dev, f, len);

		CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_INGRESS, &p, seed), 0);
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		capdev_clear(&cd);
		CHECK_EQ(netif_rx(skb), NET_RX_SUCCESS);
		testnet_poll(s);
		CHECK_EQ(cd.n, 0);
	}
	CHECK(testnet_counter(s, "Tcp", "InCsumErrors") > 0);
	testnet_destroy(s, &cd);
}
