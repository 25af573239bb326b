/* libFuzzer target: frames with a virtio-net header in front, as the
 * kernel hands them to a TAP reader that asked for IFF_VNET_HDR and was
 * granted checksum and TSO offloads, into the stack of fuzz_tcp_frames.c
 * (its rig: listeners, accepted and opened connections over IPv4 and
 * IPv6, a UDP socket). The input is a sequence of records
 * [len_hi len_lo][ctl][10-byte header][frame]: len counts header and
 * frame; the header is parsed and applied as src/dev/tun.c does (a
 * header refused by the parser or not describing its frame drops the
 * frame), the frame then enters the stack. ctl bit 0: the harness fills
 * in correct IPv4 header and TCP/UDP checksums first (so that mutations
 * reach TCP); bit 1: the header is trusted about checksums (the stack
 * does not forward), else partial sums are completed in software; ctl >> 2
 * advances the clock by that many 10 ms steps. The device carries an
 * ingress impairment (a little loss, duplication, corruption and
 * reordering, seeded), so a large frame is cut into its wire packets
 * before it is impaired and GRO joins the survivors (src/dev/netdevice.c),
 * and a corrupted one meets the checksum it was vouched for with. Malformed headers (lengths past the frame, GSO types and frames
 * that disagree, GSO sizes of 0 or 1) must be refused without a read
 * outside the frame, and large GSO frames taken whole. At the end every
 * socket must be freed and every buffer back in the pool (rig_done).
 *
 * With FUZZ_VNET_SEEDS=DIR set, the program writes its seed inputs into
 * DIR and exits: tests/fuzz/corpus/fuzz_vnet was made that way. */
#define FUZZ_TCP_FRAMES_RIG_ONLY
#include "fuzz_tcp_frames.c"

#include "net/virtio_net.h"

static void input_vnet(struct rig *r, const uint8_t *rec, size_t len, bool trust)
{
	struct net_device *dev = netdev_from_ut(r->eth);
	struct wire_virtio_net_hdr h;
	struct sk_buff *skb;
	size_t flen;

	if (len < WIRE_VNET_HLEN)
		return;
	flen = len - WIRE_VNET_HLEN;
	if (wire_virtio_net_hdr_parse(rec, WIRE_VNET_HLEN, flen, &h) != WIRE_OK)
		return;
	/* Only a GSO frame may exceed the MTU (tun.c's rule). */
	if (flen > dev->mtu + dev->hard_header_len &&
	    (h.gso_type & (uint8_t)~VNET_HDR_GSO_ECN) == VNET_HDR_GSO_NONE)
		return;
	skb = netdev_alloc_skb_ip_align(dev, (uint32_t)flen);
	if (!skb)
		return;
	memcpy(skb_put(skb, (uint32_t)flen), rec + WIRE_VNET_HLEN, flen);
	if (virtio_net_hdr_to_skb(dev, skb, &h, trust)) {
		kfree_skb(skb);
		return;
	}
	netif_rx(skb);
	ut_stack_poll(r->s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[65536 + WIRE_VNET_HLEN];
	struct rig r;

	if (rig_make(&r) < 0)
		return 0;
	struct ut_link_params imp;
	ut_link_params_init(&imp);
	imp.loss = 0.02;
	imp.duplicate = 0.02;
	imp.corrupt = 0.02;
	imp.reorder = 0.05;
	if (ut_dev_set_netem(r.eth, UT_DEV_INGRESS, &imp, 1) < 0)
		__builtin_trap();
	size_t i = 0;
	while (i + 3 <= size) {
		size_t len = (size_t)data[i] << 8 | data[i + 1];
		uint8_t ctl = data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		memcpy(rec, data + i, len);
		i += len;
		if ((ctl & 1) && len > WIRE_VNET_HLEN)
			fix_checksums(rec + WIRE_VNET_HLEN, len - WIRE_VNET_HLEN);
		input_vnet(&r, rec, len, (ctl & 2) != 0);
		if (ctl >> 2)
			run_until(&r, r.tc.now + (uint64_t)(ctl >> 2) * 10000000ULL);
	}
	rig_done(&r);
	return 0;
}

/* A record: header h, then frame f. */
static void vseed_add(struct seedbuf *sb, const struct wire_virtio_net_hdr *h, const uint8_t *f,
		      size_t len, uint8_t ctl)
{
	static uint8_t rec[8192];
	wire_virtio_net_hdr_emit(rec, h);
	memcpy(rec + WIRE_VNET_HLEN, f, len);
	seed_add(sb, rec, WIRE_VNET_HLEN + len, ctl);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_VNET_SEEDS");
	static uint8_t f[8192], payload[4000];
	struct wire_virtio_net_hdr h;
	struct seedbuf sb;
	struct rig r;
	uint32_t acc, ack, acc6, ack6;

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	if (rig_make(&r) < 0)
		return 1;
	memset(payload, 'v', sizeof(payload));
	acc = seen_seq(&r.seen, 80, &ack);
	acc6 = seen_seq(&r.seen, 81, &ack6);
	rig_done(&r);

	/* a 4000-byte GSO frame of 1448-byte segments on the accepted
	 * connection, checksums vouched for; then a plain one, DATA_VALID */
	sb.n = 0;
	h = (struct wire_virtio_net_hdr){.flags = VNET_HDR_F_NEEDS_CSUM,
					 .gso_type = VNET_HDR_GSO_TCPV4,
					 .hdr_len = 14 + 20 + 20,
					 .gso_size = 1448,
					 .csum_start = 14 + 20,
					 .csum_offset = 16};
	vseed_add(&sb, &h, f,
		  tcp_frame(f, 40000, 80, ack, acc, TCPHDR_ACK | TCPHDR_PSH, NULL, 0, payload,
			    4000),
		  3);
	h = (struct wire_virtio_net_hdr){.flags = VNET_HDR_F_DATA_VALID};
	vseed_add(&sb, &h, f,
		  tcp_frame(f, 40000, 80, ack + 4000, acc, TCPHDR_ACK, NULL, 0, payload, 100), 7);
	seed_write(dir, "gso_v4", &sb);

	/* the same over IPv6, trusted and not */
	sb.n = 0;
	h = (struct wire_virtio_net_hdr){.flags = VNET_HDR_F_NEEDS_CSUM,
					 .gso_type = VNET_HDR_GSO_TCPV6,
					 .hdr_len = 14 + 40 + 20,
					 .gso_size = 600,
					 .csum_start = 14 + 40,
					 .csum_offset = 16};
	vseed_add(&sb, &h, f,
		  tcp_frame6(f, 40001, 81, ack6, acc6, TCPHDR_ACK | TCPHDR_PSH, NULL, 0, payload,
			     1800),
		  3);
	vseed_add(&sb, &h, f,
		  tcp_frame6(f, 40001, 81, ack6 + 1800, acc6, TCPHDR_ACK, NULL, 0, payload, 1800),
		  5);
	seed_write(dir, "gso_v6", &sb);

	/* malformed: checksum past the frame, a TCPv6 type on IPv4, a GSO
	 * size of 1, then a plain SYN with a zero header */
	static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};
	sb.n = 0;
	h = (struct wire_virtio_net_hdr){
		.flags = VNET_HDR_F_NEEDS_CSUM, .csum_start = 60, .csum_offset = 16};
	vseed_add(&sb, &h, f, tcp_frame(f, 40000, 80, ack, acc, TCPHDR_ACK, NULL, 0, NULL, 0), 1);
	h = (struct wire_virtio_net_hdr){.gso_type = VNET_HDR_GSO_TCPV6, .gso_size = 1448};
	vseed_add(&sb, &h, f, tcp_frame(f, 40000, 80, ack, acc, TCPHDR_ACK, NULL, 0, payload, 2000),
		  1);
	h = (struct wire_virtio_net_hdr){.gso_type = VNET_HDR_GSO_TCPV4, .gso_size = 1};
	vseed_add(&sb, &h, f, tcp_frame(f, 40000, 80, ack, acc, TCPHDR_ACK, NULL, 0, payload, 2000),
		  3);
	memset(&h, 0, sizeof(h));
	vseed_add(&sb, &h, f, tcp_frame(f, 41000, 80, 7000, 0, TCPHDR_SYN, mss, 4, NULL, 0), 1);
	seed_write(dir, "malformed", &sb);
	exit(0);
}
