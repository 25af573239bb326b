/* Frames to and from virtio-net headers (src/dev/virtio_net.c), without
 * the kernel: the partial checksum a header asks the kernel to complete
 * must come out as the checksum software computes, over IPv4 and IPv6, on
 * TAP and TUN; a header the kernel hands over must describe its frame or
 * the frame is refused; and the device layer hands a buffer whole only to
 * a device that segments that kind. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/netdevice.h"
#include "net/stack.h"
#include "net/virtio_net.h"
#include "net/wire.h"
#include "test.h"
#include "testnet.h"

static const uint8_t v6src[16] = {0xfd, 0, 0, 0x99, [15] = 1};
static const uint8_t v6dst[16] = {0xfd, 0, 0, 0x99, [15] = 2};

/* A TCP (or UDP) packet of payload bytes from 10.99.0.1 to 10.99.0.2 or
 * between v6src and v6dst, behind an Ethernet header if eth: its
 * checksum field holds junk, as a buffer left partial may. */
static size_t build(uint8_t *f, bool eth, bool v6, uint8_t proto, size_t payload)
{
	size_t nh = eth ? ETH_HLEN : 0, l4 = proto == IPPROTO_TCP_ ? 32 : 8;
	size_t ihl = v6 ? IPV6_HLEN : IPV4_HLEN_MIN, th = nh + ihl;

	memset(f, 0, th + l4);
	if (eth)
		wire_eth_emit(f, peer_mac, testnet_mac, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6) {
		f[nh] = 0x60;
		put_be16(f + nh + 4, (uint16_t)(l4 + payload));
		f[nh + 6] = proto;
		f[nh + 7] = 64;
		memcpy(f + nh + 8, v6src, 16);
		memcpy(f + nh + 24, v6dst, 16);
	} else {
		f[nh] = 0x45;
		put_be16(f + nh + 2, (uint16_t)(ihl + l4 + payload));
		f[nh + 6] = 0x40; /* DF */
		f[nh + 8] = 64;
		f[nh + 9] = proto;
		put_be32(f + nh + 12, 0x0a630001);
		put_be32(f + nh + 16, 0x0a630002);
		ip_send_check(f + nh, IPV4_HLEN_MIN);
	}
	put_be16(f + th, 40000);
	put_be16(f + th + 2, 80);
	if (proto == IPPROTO_TCP_) {
		put_be32(f + th + 4, 1000);
		f[th + 12] = 8 << 4; /* 32 bytes: with options */
		f[th + 13] = TCPHDR_ACK | TCPHDR_PSH;
		put_be16(f + th + 16, 0xbeef);
	} else {
		put_be16(f + th + 4, (uint16_t)(8 + payload));
		put_be16(f + th + 6, 0xbeef);
	}
	for (size_t i = 0; i < payload; i++)
		f[th + l4 + i] = (uint8_t)(i * 7 + 3);
	return th + l4 + payload;
}

/* The checksum software computes for the packet's transport message. */
static uint16_t soft_csum(const uint8_t *f, size_t len, bool eth, bool v6, uint8_t proto)
{
	static uint8_t c[70000];
	size_t nh = eth ? ETH_HLEN : 0, th = nh + (v6 ? IPV6_HLEN : IPV4_HLEN_MIN);
	size_t off = proto == IPPROTO_TCP_ ? 16 : 6;
	uint16_t r;

	memcpy(c, f, len);
	put_be16(c + th + off, 0);
	if (v6) {
		struct in6_addr s, d;
		memcpy(&s, v6src, 16);
		memcpy(&d, v6dst, 16);
		r = csum_ipv6(&s, &d, proto, c + th, len - th);
	} else {
		r = csum_tcpudp(htonl(0x0a630001), htonl(0x0a630002), proto, c + th, len - th);
	}
	return proto == IPPROTO_UDP_ && r == 0 ? 0xffff : r;
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

/* What the kernel does with a NEEDS_CSUM frame: sums from csum_start to
 * the end, the seed standing in the field, and stores the folded sum. */
static uint16_t kernel_complete(const uint8_t *f, size_t len, const struct wire_virtio_net_hdr *h,
				uint16_t seed)
{
	static uint8_t c[70000];
	memcpy(c, f, len);
	put_be16(c + h->csum_start + h->csum_offset, seed);
	return csum_fold(csum_partial(c + h->csum_start, len - h->csum_start, 0));
}

static void check_seed(enum ut_dev_type type, bool v6, uint8_t proto, size_t payload, bool gso)
{
	static uint8_t f[70000], before[70000];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, type, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	bool eth = type == UT_DEV_ETHER;
	size_t len = build(f, eth, v6, proto, payload), th = (eth ? 14 : 0) + (v6 ? 40 : 20);
	struct sk_buff *skb = skb_of(s, dev, f, len);
	struct wire_virtio_net_hdr h;
	uint16_t seed = 0;

	if (gso) {
		skb_shinfo(skb)->gso_size = 1448;
		skb_shinfo(skb)->gso_segs = (uint16_t)((payload + 1447) / 1448);
		skb_shinfo(skb)->gso_type = v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4;
	} else {
		skb->ip_summed = CHECKSUM_PARTIAL;
	}
	memcpy(before, f, len);
	CHECK_EQ(virtio_net_hdr_from_skb(dev, skb, &h, &seed), 0);
	CHECK_EQ(h.flags, VNET_HDR_F_NEEDS_CSUM);
	CHECK_EQ(h.csum_start, th);
	CHECK_EQ(h.csum_offset, proto == IPPROTO_TCP_ ? 16 : 6);
	if (gso) {
		CHECK_EQ(h.gso_type, v6 ? VNET_HDR_GSO_TCPV6 : VNET_HDR_GSO_TCPV4);
		CHECK_EQ(h.gso_size, 1448);
		CHECK_EQ(h.hdr_len, th + 32);
	} else {
		CHECK_EQ(h.gso_type, VNET_HDR_GSO_NONE);
	}
	CHECK_EQ(kernel_complete(f, len, &h, seed),
		 soft_csum(f, len, eth, v6, proto) == 0xffff && proto == IPPROTO_UDP_
			 ? 0
			 : soft_csum(f, len, eth, v6, proto));
	/* The buffer, perhaps TCP's queued original too, is left alone. */
	CHECK_MEM_EQ(skb->data, before, len);
	kfree_skb(skb);
	testnet_destroy(s, &cd);
}

TEST(a_gso_buffer_asks_the_kernel_for_the_checksum_software_would_compute)
{
	check_seed(UT_DEV_ETHER, false, IPPROTO_TCP_, 60000, true);
	check_seed(UT_DEV_ETHER, true, IPPROTO_TCP_, 60000, true);
	check_seed(UT_DEV_RAWIP, false, IPPROTO_TCP_, 5000, true);
	check_seed(UT_DEV_RAWIP, true, IPPROTO_TCP_, 5001, true);
}

TEST(a_partial_checksum_of_tcp_or_udp_is_left_to_the_kernel_with_the_right_seed)
{
	check_seed(UT_DEV_ETHER, false, IPPROTO_TCP_, 100, false);
	check_seed(UT_DEV_ETHER, false, IPPROTO_UDP_, 333, false);
	check_seed(UT_DEV_ETHER, true, IPPROTO_UDP_, 1, false);
	check_seed(UT_DEV_RAWIP, true, IPPROTO_TCP_, 0, false);
}

TEST(a_frame_with_nothing_left_partial_goes_with_a_zero_header)
{
	uint8_t f[200];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct sk_buff *skb = skb_of(s, dev, f, build(f, true, false, IPPROTO_UDP_, 50));
	struct wire_virtio_net_hdr h, zero;
	uint16_t seed = 0x1234;

	memset(&zero, 0, sizeof(zero));
	CHECK_EQ(virtio_net_hdr_from_skb(dev, skb, &h, &seed), 0);
	CHECK_MEM_EQ(&h, &zero, sizeof(h));
	/* ICMP left partial is nothing the kernel completes: refused, for
	 * software to do. */
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->data[14 + 9] = 1;
	CHECK_EQ(virtio_net_hdr_from_skb(dev, skb, &h, &seed), -EINVAL);
	kfree_skb(skb);
	testnet_destroy(s, &cd);
}

TEST(skb_checksum_help_completes_what_was_left_partial)
{
	uint8_t f[2000];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_RAWIP, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	size_t len = build(f, false, false, IPPROTO_TCP_, 1400);
	struct sk_buff *skb = skb_of(s, dev, f, len);

	skb->ip_summed = CHECKSUM_PARTIAL;
	CHECK_EQ(skb_checksum_help(dev, skb), 0);
	CHECK_EQ(get_be16(skb->data + 20 + 16), soft_csum(f, len, false, false, IPPROTO_TCP_));
	CHECK_EQ(skb->ip_summed, CHECKSUM_NONE);
	kfree_skb(skb);
	testnet_destroy(s, &cd);
}

/* A received frame and its header, applied. */
static int rx(struct ut_stack *s, struct net_device *dev, const uint8_t *f, size_t len,
	      const struct wire_virtio_net_hdr *h, bool trust, struct sk_buff **out)
{
	struct sk_buff *skb = skb_of(s, dev, f, len);
	int r = virtio_net_hdr_to_skb(dev, skb, h, trust);
	*out = skb;
	return r;
}

TEST(a_kernel_gso_frame_becomes_one_buffer_typed_as_gro_would)
{
	static uint8_t f[70000];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct wire_virtio_net_hdr h = {.flags = VNET_HDR_F_NEEDS_CSUM,
					.gso_type = VNET_HDR_GSO_TCPV4,
					.hdr_len = 66,
					.gso_size = 1448,
					.csum_start = 34,
					.csum_offset = 16};
	struct sk_buff *skb;

	size_t len = build(f, true, false, IPPROTO_TCP_, 3000);
	CHECK_EQ(rx(s, dev, f, len, &h, true, &skb), 0);
	CHECK_EQ(skb_shinfo(skb)->gso_size, 1448);
	CHECK_EQ(skb_shinfo(skb)->gso_segs, 3);
	CHECK_EQ(skb_shinfo(skb)->gso_type, SKB_GSO_TCPV4 | SKB_GSO_DODGY);
	CHECK_EQ(skb->ip_summed, CHECKSUM_UNNECESSARY);
	kfree_skb(skb);

	/* IPv6 with ECN: typed so. */
	len = build(f, true, true, IPPROTO_TCP_, 60000);
	h.gso_type = VNET_HDR_GSO_TCPV6 | VNET_HDR_GSO_ECN;
	h.csum_start = 54;
	CHECK_EQ(rx(s, dev, f, len, &h, true, &skb), 0);
	CHECK_EQ(skb_shinfo(skb)->gso_segs, 42);
	CHECK_EQ(skb_shinfo(skb)->gso_type, SKB_GSO_TCPV6 | SKB_GSO_DODGY | SKB_GSO_TCP_ECN);
	kfree_skb(skb);
	testnet_destroy(s, &cd);
}

TEST(a_gso_header_that_does_not_describe_its_frame_is_refused)
{
	static uint8_t f[70000];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct wire_virtio_net_hdr h4 = {.gso_type = VNET_HDR_GSO_TCPV4, .gso_size = 1448};
	struct wire_virtio_net_hdr h6 = {.gso_type = VNET_HDR_GSO_TCPV6, .gso_size = 1448};
	struct sk_buff *skb;
	size_t len;

	len = build(f, true, false, IPPROTO_TCP_, 3000);
	CHECK_EQ(rx(s, dev, f, len, &h6, true, &skb), -EINVAL); /* IPv4 called TCPv6 */
	kfree_skb(skb);
	len = build(f, true, true, IPPROTO_TCP_, 3000);
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL); /* IPv6 called TCPv4 */
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_UDP_, 3000);
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL); /* not TCP */
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_TCP_, 0);
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL); /* nothing to segment */
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_TCP_, 3000);
	put_be16(f + 14 + 2, 20000); /* IP length past the frame */
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL);
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_TCP_, 3000);
	f[14 + 20 + 12] = 0xf0; /* 60-byte TCP header: fine */
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), 0);
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_TCP_, 10);
	f[14 + 20 + 12] = 0xf0; /* 60 bytes of header in 42 */
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL);
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_TCP_, 3000);
	f[12] = 0x86; /* ethertype IPv6 on an IPv4 packet */
	f[13] = 0xdd;
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL);
	kfree_skb(skb);
	len = build(f, true, false, IPPROTO_TCP_, 3000);
	f[14 + 6] = 0x20; /* a fragment (MF) */
	CHECK_EQ(rx(s, dev, f, len, &h4, true, &skb), -EINVAL);
	kfree_skb(skb);
	testnet_destroy(s, &cd);
}

TEST(untrusted_partial_checksums_are_completed_and_nothing_is_vouched_for)
{
	uint8_t f[3000];
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_RAWIP, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	size_t len = build(f, false, false, IPPROTO_UDP_, 999);
	struct sk_buff *skb;
	struct wire_virtio_net_hdr h = {
		.flags = VNET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 6};
	uint16_t want = soft_csum(f, len, false, false, IPPROTO_UDP_);
	uint32_t sum = csum_tcpudp_nofold(htonl(0x0a630001), htonl(0x0a630002),
					  (uint16_t)(len - 20), IPPROTO_UDP_, 0);

	/* The kernel's partial form: the pseudo-header sum in the field. */
	put_be16(f + 20 + 6, (uint16_t)~csum_fold(sum));
	CHECK_EQ(rx(s, dev, f, len, &h, false, &skb), 0);
	CHECK_EQ(get_be16(skb->data + 20 + 6), want);
	CHECK_EQ(skb->ip_summed, CHECKSUM_NONE);
	kfree_skb(skb);
	/* Trusted, it is believed as it is. */
	CHECK_EQ(rx(s, dev, f, len, &h, true, &skb), 0);
	CHECK_EQ(skb->ip_summed, CHECKSUM_UNNECESSARY);
	kfree_skb(skb);
	/* DATA_VALID only when trusted. */
	h.flags = VNET_HDR_F_DATA_VALID;
	CHECK_EQ(rx(s, dev, f, len, &h, false, &skb), 0);
	CHECK_EQ(skb->ip_summed, CHECKSUM_NONE);
	kfree_skb(skb);
	CHECK_EQ(rx(s, dev, f, len, &h, true, &skb), 0);
	CHECK_EQ(skb->ip_summed, CHECKSUM_UNNECESSARY);
	kfree_skb(skb);
	testnet_destroy(s, &cd);
}

/* Hands dev a GSO buffer of 3 segments; returns how many frames its
 * driver was given. */
static size_t frames_for_one_buffer(struct ut_stack *s, struct capdev *cd, bool v6)
{
	static uint8_t f[8000];
	struct net_device *dev = netdev_from_ut(cd->dev);
	size_t len = build(f, true, v6, IPPROTO_TCP_, 3000);
	struct sk_buff *skb = skb_of(s, dev, f, len);

	skb->protocol = v6 ? ETH_P_IPV6 : ETH_P_IP;
	skb->network_header = (uint16_t)(skb->data - skb->head + 14);
	skb->transport_header = (uint16_t)(skb->network_header + (v6 ? 40 : 20));
	skb_shinfo(skb)->gso_size = 1448;
	skb_shinfo(skb)->gso_segs = 3;
	skb_shinfo(skb)->gso_type = v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4;
	capdev_clear(cd);
	CHECK_EQ(dev_queue_xmit(skb), NET_XMIT_SUCCESS);
	netdev_flush_tx(dev);
	return cd->n;
}

TEST(the_device_layer_hands_a_buffer_whole_only_to_a_device_that_segments_its_kind)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s =
		(test_clock_init(&tc, 0), testnet_stack(&tc, &cd, UT_DEV_ETHER, "10.99.0.2", 24));
	struct net_device *dev = netdev_from_ut(cd.dev);
	struct ut_link_params p;

	CHECK_EQ(frames_for_one_buffer(s, &cd, false), 3);
	dev->features |= NETIF_F_HW_CSUM | NETIF_F_TSO;
	CHECK_EQ(frames_for_one_buffer(s, &cd, false), 1);
	CHECK_EQ(frames_for_one_buffer(s, &cd, true), 3); /* no TSO6 */
	dev->features |= NETIF_F_TSO6;
	CHECK_EQ(frames_for_one_buffer(s, &cd, true), 1);
	CHECK(netif_csum_ok(dev));
	/* An egress impairment works on wire frames: it gets them cut
	 * (IP output still leaves checksums to the device: netem writes a
	 * whole one before it corrupts a frame); what leaves it together is
	 * joined again for a device with TSO (the driver gets one frame),
	 * not for one without it (three). */
	ut_link_params_init(&p);
	CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_EGRESS, &p, 1), 0);
	CHECK(netif_csum_ok(dev));
	CHECK_EQ(frames_for_one_buffer(s, &cd, false), 1);
	dev->features &= ~(unsigned)(NETIF_F_TSO | NETIF_F_TSO6);
	CHECK_EQ(frames_for_one_buffer(s, &cd, false), 3);
	dev->features |= NETIF_F_TSO | NETIF_F_TSO6;
	CHECK_EQ(ut_dev_set_netem(cd.dev, UT_DEV_EGRESS, NULL, 0), 0);
	CHECK_EQ(ut_dev_offloads(cd.dev),
		 UT_DEV_OFFLOAD_CSUM | UT_DEV_OFFLOAD_TSO4 | UT_DEV_OFFLOAD_TSO6);
	CHECK(ut_dev_offload_note(cd.dev) == NULL);
	testnet_destroy(s, &cd);
}
