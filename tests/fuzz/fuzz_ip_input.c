/* libFuzzer target: raw frames into the whole receive path of a stack with
 * an Ethernet and a layer 3 device, IPv4 and IPv6 addresses, default
 * routes, and (first input bit) forwarding on. The input is a sequence of
 * frames, each [length: 2 bytes][control: 1 byte][frame]; control bit 0
 * picks the device, bit 7 makes the stack send an echo over IPv4 and one
 * over IPv6 (so ARP and ND resolution and held packets are in play), the
 * rest advance the clock in 250 ms steps. IPv6 brings its extension
 * headers, reassembly and ICMPv6 errors into play. After
 * the last frame, 100 s pass deadline by deadline, and then every buffer
 * must be back in the pool: nothing the input did may leak or strand a
 * packet. */
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include "usertcp/usertcp.h"
#include "net/stack.h"
struct tclock {
	struct ut_clock c;
	uint64_t now;
};
static uint64_t tnow(const struct ut_clock *c)
{
	return ((const struct tclock *)(const void *)c)->now;
}
static unsigned tx(void *ctx, const struct iovec *f, unsigned n)
{
	(void)ctx;
	(void)f;
	return n;
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ut_dev_driver drv = {.transmit = tx};
	struct tclock tc = {.c = {.now_ns = tnow}, .now = 0};
	struct ut_stack_config cfg;
	struct ut_stack *s;
	struct ut_dev *eth, *tun;
	ut_stack_config_init(&cfg);
	cfg.clock = &tc.c;
	cfg.seed = 1;
	if (ut_stack_create(&cfg, &s))
		return 0;
	ut_sysctl_set(s, "net.ipv6.conf.default.disable_ipv6", 0);
	uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	ut_dev_create(s, "eth0", UT_DEV_ETHER, 1500, 0, mac, &drv, NULL, &eth);
	ut_dev_create(s, "tun0", UT_DEV_RAWIP, 1500, 0, NULL, &drv, NULL, &tun);
	ut_addr_add(s, eth, ut_ip_v4(inet_addr("10.0.0.1")), 24);
	ut_addr_add(s, tun, ut_ip_v4(inet_addr("10.0.1.1")), 24);
	ut_route_add(s, ut_ip_v4(INADDR_ANY), 0, ut_ip_v4(inet_addr("10.0.0.254")), NULL);
	struct in6_addr a6, any6, gw6, peer6;
	memset(&any6, 0, sizeof(any6));
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	ut_addr_add(s, eth, ut_ip_v6(&a6), 64);
	inet_pton(AF_INET6, "2001:db8:1::1", &a6);
	ut_addr_add(s, tun, ut_ip_v6(&a6), 64);
	inet_pton(AF_INET6, "2001:db8::fe", &gw6);
	ut_route_add(s, ut_ip_v6(&any6), 0, ut_ip_v6(&gw6), NULL);
	inet_pton(AF_INET6, "2001:db8::2", &peer6);
	if (size && (data[0] & 1))
		ut_sysctl_set(s, "net.ipv4.ip_forward", 1);
	/* Input: a sequence of [len_hi len_lo dev/time byte][frame]. */
	size_t i = 1;
	while (i + 3 <= size) {
		size_t len = (size_t)data[i] << 8 | data[i + 1];
		uint8_t ctl = data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		ut_dev_input((ctl & 1) ? tun : eth, data + i, len);
		i += len;
		tc.now += (uint64_t)(ctl >> 1) * 250000000ULL;
		ut_stack_poll(s);
		if (ctl & 0x80) {
			ut_ping_send(s, ut_ip_v4(inet_addr("10.0.0.2")), 1, 1, data + i - len, len);
			ut_ping_send(s, ut_ip_v6(&peer6), 1, 1, data + i - len, len);
		}
	}
	uint64_t end = tc.now + 100ULL * 1000000000ULL;
	for (int k = 0; k < 100000; k++) {
		uint64_t d = ut_stack_next_deadline(s);
		if (d > end)
			break;
		if (d > tc.now)
			tc.now = d;
		ut_stack_poll(s);
	}
	if (skb_pool_in_use(s->pool) != 0) {
		/* Held ARP packets or fragments would be legitimate only before
		 * their timers; after 100 s everything must be back. */
		__builtin_trap();
	}
	ut_stack_destroy(s);
	return 0;
}
