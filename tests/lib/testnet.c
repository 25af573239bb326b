#include "testnet.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "net/wire.h"
#include "test.h"

const uint8_t testnet_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t testnet_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};

static uint64_t test_clock_now(const struct ut_clock *c)
{
	return ((const struct test_clock *)(const void *)c)->now;
}

void test_clock_init(struct test_clock *tc, uint64_t start_ns)
{
	tc->clock.now_ns = test_clock_now;
	tc->now = start_ns;
}

static unsigned capdev_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct capdev *cd = ctx;
	for (unsigned i = 0; i < count; i++) {
		if (cd->n == cd->cap) {
			cd->cap = cd->cap ? cd->cap * 2 : 64;
			cd->frames = realloc(cd->frames, cd->cap * sizeof(*cd->frames));
			CHECK(cd->frames != NULL);
		}
		struct cap_frame *f = &cd->frames[cd->n++];
		f->len = frames[i].iov_len;
		f->data = malloc(f->len ? f->len : 1);
		CHECK(f->data != NULL);
		memcpy(f->data, frames[i].iov_base, f->len);
		f->when = cd->clock->now;
	}
	return count;
}

uint32_t ip4(const char *s)
{
	struct in_addr a;
	CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

struct ut_stack *testnet_stack(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type,
			       const char *addr, unsigned prefix)
{
	static const struct ut_dev_driver drv = {.transmit = capdev_transmit};
	struct ut_stack_config cfg;
	struct ut_stack *stack;

	memset(cd, 0, sizeof(*cd));
	ut_stack_config_init(&cfg);
	cfg.clock = &tc->clock;
	cfg.seed = 42;
	cfg.name = "test";
	CHECK(ut_stack_create(&cfg, &stack) == 0);
	cd->stack = stack;
	cd->clock = tc;
	CHECK(ut_dev_create(stack, "eth0", type, 1500, 0, testnet_mac, &drv, cd, &cd->dev) == 0);
	if (addr)
		CHECK(ut_addr_add(stack, cd->dev, ipaddr(addr), prefix) == 0);
	return stack;
}

uint64_t testnet_counter(struct ut_stack *stack, const char *group, const char *name)
{
	uint64_t v = 0;
	CHECK_EQ(ut_counter_get(stack, group, name, &v), 0);
	return v;
}

void capdev_clear(struct capdev *cd)
{
	for (size_t i = 0; i < cd->n; i++)
		free(cd->frames[i].data);
	cd->n = 0;
}

void testnet_destroy(struct ut_stack *stack, struct capdev *cd)
{
	ut_stack_destroy(stack);
	capdev_clear(cd);
	free(cd->frames);
	cd->frames = NULL;
	cd->cap = 0;
}

void testnet_poll(struct ut_stack *stack)
{
	for (int i = 0; i < 1000; i++)
		if (ut_stack_poll(stack) == 0 &&
		    ut_stack_next_deadline(stack) > ut_stack_now(stack))
			return;
	CHECK(!"stack never went idle");
}

int capdev_inject(struct capdev *cd, const void *frame, size_t len)
{
	int err = ut_dev_input(cd->dev, frame, len);
	testnet_poll(cd->stack);
	return err;
}

void testnet_advance(struct ut_stack *stack, struct test_clock *tc, uint64_t ns)
{
	uint64_t end = tc->now + ns;
	for (;;) {
		uint64_t d = ut_stack_next_deadline(stack);
		if (d > end)
			break;
		if (d > tc->now)
			tc->now = d;
		testnet_poll(stack);
	}
	tc->now = end;
	testnet_poll(stack);
}

size_t build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t proto,
		 const void *payload, size_t len)
{
	wire_eth_emit(buf, dst, src, proto);
	if (len)
		memcpy(buf + ETH_HLEN, payload, len);
	return ETH_HLEN + len;
}

size_t build_ipv4(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint8_t proto, uint8_t ttl,
		  uint16_t id, uint16_t frag_off, const void *payload, size_t len)
{
	struct wire_ipv4 ip;
	memset(&ip, 0, sizeof(ip));
	ip.tot_len = (uint16_t)(IPV4_HLEN_MIN + len);
	ip.id = id;
	ip.frag_off = frag_off;
	ip.ttl = ttl;
	ip.protocol = proto;
	ip.saddr = saddr;
	ip.daddr = daddr;
	wire_ipv4_emit(buf, &ip);
	if (len)
		memcpy(buf + IPV4_HLEN_MIN, payload, len);
	return IPV4_HLEN_MIN + len;
}

size_t build_icmp(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest, const void *data,
		  size_t len)
{
	if (len)
		memcpy(buf + ICMP_HLEN, data, len);
	wire_icmp_emit(buf, type, code, rest, len);
	return ICMP_HLEN + len;
}

size_t build_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], uint32_t sip,
		 const uint8_t tha[6], uint32_t tip)
{
	struct wire_arp a;
	a.op = op;
	memcpy(a.sha, sha, 6);
	a.sip = sip;
	memcpy(a.tha, tha, 6);
	a.tip = tip;
	return wire_arp_emit(buf, &a);
}

size_t build_ipv4_echo(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint16_t id, uint16_t seq,
		       const void *data, size_t len)
{
	uint8_t icmp[ICMP_HLEN + 1500];
	size_t n;

	CHECK(len <= sizeof(icmp) - ICMP_HLEN);
	n = build_icmp(icmp, ICMP_ECHO, 0, (uint32_t)id << 16 | seq, data, len);
	return build_ipv4(buf, saddr, daddr, IPPROTO_ICMP_, 64, 1, 0, icmp, n);
}

size_t build_ipv4_udp(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		      const void *payload, size_t len, bool csum)
{
	uint8_t udp[UDP_HLEN + 1500];
	size_t n;

	CHECK(len <= sizeof(udp) - UDP_HLEN);
	if (len)
		memcpy(udp + UDP_HLEN, payload, len);
	/* Without addresses wire_udp_emit leaves the checksum 0. */
	n = wire_udp_emit(udp, sport, dport, len, csum ? saddr : 0, csum ? daddr : 0) + len;
	return build_ipv4(buf, saddr, daddr, IPPROTO_UDP_, 64, 1, 0, udp, n);
}

void testnet_inject_ip(struct capdev *cd, const uint8_t *dst_mac, const void *pkt, size_t len)
{
	static uint8_t frame[ETH_HLEN + 65536];

	if (ut_dev_type(cd->dev) != UT_DEV_ETHER) {
		CHECK_EQ(capdev_inject(cd, pkt, len), 0);
		return;
	}
	CHECK(len <= sizeof(frame) - ETH_HLEN);
	len = build_eth(frame, dst_mac ? dst_mac : testnet_mac, peer_mac, ETH_P_IP, pkt, len);
	CHECK_EQ(capdev_inject(cd, frame, len), 0);
}

void testnet_inject_arp(struct capdev *cd, uint16_t op, const uint8_t *eth_dst, const uint8_t *sha,
			const char *sip, const uint8_t *tha, const char *tip)
{
	uint8_t arp[ARP_HLEN], frame[64];
	size_t len;

	build_arp(arp, op, sha, ip4(sip), tha, ip4(tip));
	len = build_eth(frame, eth_dst, sha, ETH_P_ARP, arp, sizeof(arp));
	CHECK_EQ(capdev_inject(cd, frame, len), 0);
}

struct ut_stack *testnet_host(struct test_clock *tc, struct capdev *cd, enum ut_dev_type type)
{
	static const uint8_t zero[6];
	struct ut_stack *s;

	test_clock_init(tc, 0);
	s = testnet_stack(tc, cd, type, "10.0.0.1", 24);
	if (type == UT_DEV_ETHER) {
		testnet_inject_arp(cd, ARPOP_REQUEST, testnet_bcast, peer_mac, "10.0.0.2", zero,
				   "10.0.0.1");
		capdev_clear(cd);
	}
	return s;
}

static void ping_log_event(void *arg, const struct ut_ping_event *ev)
{
	struct ping_log *log = arg;

	if (ev->kind == UT_PING_REPLY)
		log->replies++;
	else
		log->errors++;
	log->last = *ev;
	log->last.data = NULL;
	memset(log->data, 0, sizeof(log->data));
	if (ev->data && ev->len <= sizeof(log->data))
		memcpy(log->data, ev->data, ev->len);
}

void ping_log_attach(struct ut_stack *stack, struct ping_log *log)
{
	memset(log, 0, sizeof(*log));
	ut_ping_set_handler(stack, ping_log_event, log);
}

void testnet_frame_ip(const struct capdev *cd, size_t i, struct wire_ipv4 *ip)
{
	const uint8_t *p;
	size_t len;
	struct wire_eth eth;

	CHECK(i < cd->n);
	p = cd->frames[i].data;
	len = cd->frames[i].len;
	if (ut_dev_type(cd->dev) == UT_DEV_ETHER) {
		CHECK_EQ(wire_eth_parse(p, len, &eth), WIRE_OK);
		CHECK_EQ(eth.proto, ETH_P_IP);
		p = eth.payload;
		len = eth.payload_len;
	}
	CHECK_EQ(wire_ipv4_parse(p, len, true, ip), WIRE_OK);
}

void testnet_frame_icmp(const struct capdev *cd, size_t i, struct wire_ipv4 *ip,
			struct wire_icmp *icmp)
{
	testnet_frame_ip(cd, i, ip);
	CHECK_EQ(ip->protocol, IPPROTO_ICMP_);
	CHECK_EQ(wire_icmp_parse(ip->payload, ip->payload_len, true, icmp), WIRE_OK);
}
