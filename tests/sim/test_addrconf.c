/* IPv6 address configuration, driven frame by frame: the link-local
 * address and its duplicate address detection, router solicitation,
 * what a router advertisement configures (default route, SLAAC
 * addresses and their lifetimes), source selection and
 * net.ipv6.conf.*. The test plays the other nodes on the link. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/ip6_route.h"
#include "net/stack.h"
#include "test.h"
#include "testnd.h"
#include "testwire.h"

static struct net_device *eth0(const struct capdev *cd)
{
	return netdev_from_ut(cd->dev);
}

static struct inet6_ifaddr *ifaddr(struct ut_stack *s, const char *text)
{
	struct in6_addr a = ip6_text(text);

	return ipv6_get_ifaddr(s, &a, NULL);
}

static long conf(struct ut_stack *s, const char *name)
{
	long v = -12345;

	CHECK_EQ(ut_sysctl_get(s, name, &v), 0);
	return v;
}

/* The next hop the stack would use for text, or :: when it has no route. */
static struct in6_addr route_via(struct ut_stack *s, const char *text)
{
	struct in6_addr d = ip6_text(text), none;
	struct rt6_result res;

	memset(&none, 0, sizeof(none));
	if (ip6_route_output(s, &d, 0, &res) != 0)
		return none;
	return res.nexthop;
}

/* A router advertisement from the peer's link-local address to all
 * nodes with its source link-layer option, and the options in extra. */
static void inject_ra(struct capdev *cd, uint16_t lifetime, const uint8_t *extra, size_t extra_len)
{
	struct wire_nd_msg m = {.type = NDISC_ROUTER_ADVERTISEMENT,
				.cur_hop_limit = 32,
				.router_lifetime = lifetime};
	uint8_t opts[256];
	size_t n = nd_opt_ll(opts, ND_OPT_SOURCE_LL_ADDR, peer_mac);

	if (extra_len)
		memcpy(opts + n, extra, extra_len);
	nd_inject(cd, NULL, &nd_peer_ll, &nd_all_nodes, 255, 0, &m, opts, n + extra_len);
}

static size_t prefix_opt(uint8_t *buf, const char *prefix, uint8_t plen, bool onlink, bool autoconf,
			 uint32_t valid, uint32_t preferred)
{
	struct wire_nd_prefix p = {.prefix_len = plen,
				   .onlink = onlink,
				   .autoconf = autoconf,
				   .valid_lft = valid,
				   .preferred_lft = preferred,
				   .prefix = ip6_text(prefix)};

	return wire_nd_opt_emit_prefix(buf, &p);
}

static void inject_ra_prefix(struct capdev *cd, const char *prefix, uint32_t valid,
			     uint32_t preferred)
{
	uint8_t opt[ND_OPT_PREFIX_INFO_LEN];

	prefix_opt(opt, prefix, 64, true, true, valid, preferred);
	inject_ra(cd, 1800, opt, sizeof(opt));
}

TEST(a_link_local_address_is_tentative_until_its_dad_probe_goes_unanswered_for_retrans_time)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, false);
	struct inet6_ifaddr *ifp = ipv6_get_ifaddr(s, &nd_our_ll, eth0(&cd));
	static const uint8_t snm_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
	struct in6_addr snm = ip6_text("ff02::1:ff00:1"), any;

	memset(&any, 0, sizeof(any));
	CHECK(ifp != NULL);
	CHECK(ifp->flags & IFA_F_TENTATIVE);
	CHECK_EQ(ifp->state, INET6_IFADDR_STATE_DAD);
	CHECK_EQ(ifp->prefix_len, 64);
	CHECK_EQ(ifp->scope, IFA_LINK);
	CHECK(!ipv6_chk_addr(s, &nd_our_ll, NULL, false));
	CHECK(ipv6_chk_addr(s, &nd_our_ll, NULL, true));
	/* The solicited-node group is joined before the probe goes. */
	CHECK(ipv6_chk_mcast_addr(eth0(&cd), &snm));

	/* One probe within the random delay of up to a second. */
	testnet_advance(s, &tc, 999 * ND_MS);
	CHECK_EQ(cd.n, 1);
	nd_frame(&cd, 0, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_SOLICITATION);
	CHECK_MEM_EQ(f.eth.dst, snm_mac, 6);
	CHECK_MEM_EQ(&f.ip.saddr, &any, 16);
	CHECK_MEM_EQ(&f.ip.daddr, &snm, 16);
	CHECK_EQ(f.ip.hop_limit, 255);
	CHECK_MEM_EQ(&f.msg.target, &nd_our_ll, 16);
	CHECK(f.opts.src_lladdr == NULL); /* RFC 4861 4.3: none from :: */
	CHECK(f.opts.nonce != NULL);	  /* RFC 7527, enhanced_dad 1 */
	CHECK(ifp->dad_nonce != 0);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(f.opts.nonce[i], (uint8_t)(ifp->dad_nonce >> (40 - 8 * i)));

	/* retrans_time (1000 ms) after the probe it is ours. */
	uint64_t sent = cd.frames[0].when;
	testnet_advance(s, &tc, sent + 999 * ND_MS - tc.now);
	CHECK(ifp->flags & IFA_F_TENTATIVE);
	testnet_advance(s, &tc, ND_MS);
	CHECK(!(ifp->flags & IFA_F_TENTATIVE));
	CHECK_EQ(ifp->state, INET6_IFADDR_STATE_POSTDAD);
	CHECK(ipv6_chk_addr(s, &nd_our_ll, NULL, false));
	/* fe80::/64 goes out of eth0 to the destination itself. */
	struct in6_addr peer = ip6_text("fe80::99");
	struct rt6_result res;
	CHECK_EQ(ip6_route_output(s, &peer, ut_dev_ifindex(cd.dev), &res), 0);
	CHECK(res.dev == eth0(&cd));
	CHECK_MEM_EQ(&res.nexthop, &peer, 16);
	/* The router solicitation follows at once from the new address. */
	CHECK_EQ(cd.n, 2);
	nd_frame(&cd, 1, &f);
	CHECK_EQ(f.msg.type, NDISC_ROUTER_SOLICITATION);
	CHECK_MEM_EQ(&f.ip.saddr, &nd_our_ll, 16);
	CHECK_MEM_EQ(&f.ip.daddr, &nd_all_routers, 16);
	CHECK(f.opts.src_lladdr != NULL);
	CHECK_MEM_EQ(f.opts.src_lladdr, testnet_mac, 6);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutNeighborSolicits"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutRouterSolicits"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutMsgs"), 2);
	CHECK_EQ(testnet_counter(s, "Ip6", "OutRequests"), 2);
	testnet_destroy(s, &cd);
}

TEST(a_neighbour_advertisement_for_the_tentative_address_fails_dad_and_no_solicitation_follows)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, false);
	struct inet6_ifaddr *ifp = ipv6_get_ifaddr(s, &nd_our_ll, NULL);
	struct wire_nd_msg na = {
		.type = NDISC_NEIGHBOUR_ADVERTISEMENT, .target = nd_our_ll, .override = true};
	uint8_t opt[8];

	testnet_advance(s, &tc, 999 * ND_MS);
	CHECK_EQ(cd.n, 1);
	/* The holder of the address defends it (RFC 4862 5.4.4). */
	nd_opt_ll(opt, ND_OPT_TARGET_LL_ADDR, peer_mac);
	nd_inject(&cd, NULL, &nd_our_ll, &nd_all_nodes, 255, 0, &na, opt, sizeof(opt));
	CHECK(ifp == ipv6_get_ifaddr(s, &nd_our_ll, NULL)); /* kept, flagged */
	CHECK(ifp->flags & IFA_F_DADFAILED);
	CHECK(ifp->flags & IFA_F_TENTATIVE);
	CHECK_EQ(ifp->state, INET6_IFADDR_STATE_ERRDAD);
	CHECK(!ipv6_chk_addr(s, &nd_our_ll, NULL, false));
	struct in6_addr ll;
	CHECK_EQ(ipv6_get_lladdr(eth0(&cd), &ll, IFA_F_TENTATIVE), -EADDRNOTAVAIL);
	testnet_advance(s, &tc, 30 * ND_SEC);
	CHECK_EQ(cd.n, 1); /* no more probes, no solicitation */
	testnet_destroy(s, &cd);
}

TEST(another_nodes_dad_probe_for_the_same_address_fails_dad_but_our_own_looped_back_does_not)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, false);
	struct inet6_ifaddr *ifp = ipv6_get_ifaddr(s, &nd_our_ll, NULL);
	struct in6_addr any, snm = ip6_text("ff02::1:ff00:1");
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = nd_our_ll};
	uint8_t nonce[8] = {ND_OPT_NONCE, 1, 1, 2, 3, 4, 5, 6};

	memset(&any, 0, sizeof(any));
	testnet_advance(s, &tc, 999 * ND_MS);
	CHECK_EQ(cd.n, 1);
	/* Our probe, as a looped link hands it back: same nonce. */
	CHECK_EQ(ut_dev_input(cd.dev, cd.frames[0].data, cd.frames[0].len), 0);
	testnet_poll(s);
	CHECK(ifp->flags & IFA_F_TENTATIVE);
	CHECK(!(ifp->flags & IFA_F_DADFAILED));
	/* Another node's, with its own nonce. */
	nd_inject(&cd, NULL, &any, &snm, 255, 0, &ns, nonce, sizeof(nonce));
	CHECK(ifp->flags & IFA_F_DADFAILED);
	CHECK_EQ(ifp->state, INET6_IFADDR_STATE_ERRDAD);
	testnet_destroy(s, &cd);
}

TEST(with_accept_dad_2_a_duplicate_eui64_link_local_disables_ipv6_on_the_device)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, false);
	struct in6_addr any, snm = ip6_text("ff02::1:ff00:1");
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = nd_our_ll};

	memset(&any, 0, sizeof(any));
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.accept_dad", 2), 0);
	testnet_advance(s, &tc, 999 * ND_MS);
	nd_inject(&cd, NULL, &any, &snm, 255, 0, &ns, NULL, 0);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.disable_ipv6"), 1);
	CHECK(eth0(&cd)->ip6_ptr->addr_list == NULL);
	CHECK(ipv6_get_ifaddr(s, &nd_our_ll, NULL) == NULL);
	struct in6_addr peer = ip6_text("fe80::99");
	struct rt6_result res;
	CHECK(ip6_route_output(s, &peer, ut_dev_ifindex(cd.dev), &res) != 0 ||
	      res.dev != eth0(&cd));
	testnet_advance(s, &tc, 30 * ND_SEC);
	CHECK_EQ(cd.n, 1);
	testnet_destroy(s, &cd);
}

TEST(accept_dad_0_on_device_and_all_makes_the_address_usable_at_once_and_dad_transmits_0_after_the_delay_alone)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;
	struct inet6_ifaddr *ifp;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, NULL, 0);
	/* Linux takes the larger of all's (0) and the device's. */
	CHECK_EQ(conf(s, "net.ipv6.conf.all.accept_dad"), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.accept_dad", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	testnet_poll(s);
	ifp = ipv6_get_ifaddr(s, &nd_our_ll, NULL);
	CHECK(ifp && !(ifp->flags & IFA_F_TENTATIVE));
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_SOLICITATION), 0);
	CHECK_EQ(nd_count(&cd, 0, NDISC_ROUTER_SOLICITATION), 1);
	testnet_destroy(s, &cd);

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, NULL, 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.dad_transmits", 0), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	ifp = ipv6_get_ifaddr(s, &nd_our_ll, NULL);
	CHECK(ifp && (ifp->flags & IFA_F_TENTATIVE));
	testnet_advance(s, &tc, ND_SEC);
	CHECK(!(ifp->flags & IFA_F_TENTATIVE));
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_SOLICITATION), 0);
	testnet_destroy(s, &cd);
}

/* When each router solicitation left, in ms, up to max of them. */
static size_t rs_times(const struct capdev *cd, uint64_t *ms, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cd->n && n < max; i++) {
		struct nd_sent f;

		nd_frame(cd, i, &f);
		if (f.msg.type == NDISC_ROUTER_SOLICITATION)
			ms[n++] = cd->frames[i].when / ND_MS;
	}
	return n;
}

TEST(router_solicitations_back_off_exponentially_to_the_maximum_until_an_advertisement_arrives)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, false);
	uint64_t t[16];
	size_t n;

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitation_max_interval", 20), 0);
	testnet_advance(s, &tc, 90 * ND_SEC);
	n = rs_times(&cd, t, 16);
	CHECK(n >= 5);
	/* RFC 7559: 4 s * [0.9, 1.1], then doubling * [0.95, 1.05] ... */
	CHECK(t[1] - t[0] >= 3600 && t[1] - t[0] <= 4400);
	CHECK((t[2] - t[1]) * 10 >= (t[1] - t[0]) * 19 && (t[2] - t[1]) * 10 <= (t[1] - t[0]) * 21);
	/* ... until past the maximum (20 s): then 20 s * [0.9, 1.1]
	 * (the fourth interval, 32 s doubled, is past it). */
	for (size_t i = 2; i < n; i++)
		CHECK(t[i] - t[i - 1] <= 22000);
	for (size_t i = 4; i < n; i++)
		CHECK(t[i] - t[i - 1] >= 18000);

	/* An advertisement stops them. */
	inject_ra(&cd, 0, NULL, 0);
	size_t before = nd_count(&cd, 0, NDISC_ROUTER_SOLICITATION);
	testnet_advance(s, &tc, 200 * ND_SEC);
	CHECK_EQ(nd_count(&cd, 0, NDISC_ROUTER_SOLICITATION), before);
	testnet_destroy(s, &cd);
}

TEST(router_solicitations_stop_after_router_solicitations_unanswered_and_none_when_forwarding)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s;

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, NULL, 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitations", 3), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	testnet_advance(s, &tc, 600 * ND_SEC);
	CHECK_EQ(nd_count(&cd, 0, NDISC_ROUTER_SOLICITATION), 3);
	testnet_destroy(s, &cd);

	test_clock_init(&tc, 0);
	s = testnet_stack(&tc, &cd, UT_DEV_ETHER, NULL, 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.all.forwarding", 1), 0);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.forwarding"), 1);
	CHECK_EQ(conf(s, "net.ipv6.conf.default.forwarding"), 1);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	testnet_advance(s, &tc, 60 * ND_SEC);
	CHECK_EQ(nd_count(&cd, 0, NDISC_ROUTER_SOLICITATION), 0);
	/* A router listens to all-routers. */
	CHECK(ipv6_chk_mcast_addr(eth0(&cd), &nd_all_routers));
	testnet_destroy(s, &cd);
}

TEST(an_advertisement_makes_the_default_route_an_autoconfigured_address_and_sets_hop_limit_and_mtu)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	uint8_t opts[64];
	size_t n = prefix_opt(opts, "2001:db8:1::", 64, true, true, 7200, 3600);

	n += wire_nd_opt_emit_mtu(opts + n, 1400);
	inject_ra(&cd, 1800, opts, n);
	struct in6_addr gw = route_via(s, "2001:db8:99::1");
	CHECK_MEM_EQ(&gw, &nd_peer_ll, 16);
	struct in6_addr onlink = route_via(s, "2001:db8:1::5"), want = ip6_text("2001:db8:1::5");
	CHECK_MEM_EQ(&onlink, &want, 16);
	CHECK(strcmp(nd_state(s, "fe80::ff:fe00:2"), "STALE") == 0);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.hop_limit"), 32);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.mtu"), 1400);

	/* prefix + EUI-64, probed like any address. */
	struct inet6_ifaddr *ifp = ifaddr(s, "2001:db8:1::ff:fe00:1");
	CHECK(ifp != NULL);
	CHECK(ifp->flags & IFA_F_TENTATIVE);
	CHECK(!(ifp->flags & IFA_F_PERMANENT));
	CHECK(ifp->flags & IFA_F_MANAGETEMPADDR); /* ip's "dynamic mngtmpaddr" */
	CHECK(!(ifp->flags & IFA_F_NOPREFIXROUTE));
	CHECK_EQ(ifp->valid_lft, 7200);
	CHECK_EQ(ifp->prefered_lft, 3600);
	testnet_advance(s, &tc, 3 * ND_SEC);
	CHECK(!(ifp->flags & IFA_F_TENTATIVE));
	struct in6_addr dst = ip6_text("2001:db8:99::1"), src;
	CHECK_EQ(ipv6_dev_get_saddr(s, eth0(&cd), &dst, &src), 0);
	CHECK_MEM_EQ(&src, &ifp->addr, 16);

	/* The on-link route is the advertisement's, not the address's:
	 * it outlives the address. */
	CHECK_EQ(inet6_addr_del(s, eth0(&cd), &ifp->addr, 64), 0);
	onlink = route_via(s, "2001:db8:1::5");
	CHECK_MEM_EQ(&onlink, &want, 16);

	/* A router lifetime of 0 withdraws the default route. */
	inject_ra(&cd, 0, NULL, 0);
	gw = route_via(s, "2001:db8:99::1");
	struct in6_addr none;
	memset(&none, 0, sizeof(none));
	CHECK_MEM_EQ(&gw, &none, 16);
	testnet_destroy(s, &cd);
}

TEST(an_autoconfigured_address_is_deprecated_when_preferred_ends_and_removed_when_valid_ends)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	uint64_t t0 = tc.now;

	inject_ra_prefix(&cd, "2001:db8:2::", 20, 10);
	struct inet6_ifaddr *ifp = ifaddr(s, "2001:db8:2::ff:fe00:1");
	CHECK(ifp != NULL);
	testnet_advance(s, &tc, t0 + 9 * ND_SEC - tc.now);
	CHECK(!(ifp->flags & IFA_F_DEPRECATED));
	testnet_advance(s, &tc, t0 + 10 * ND_SEC - tc.now);
	CHECK(ifp->flags & IFA_F_DEPRECATED);
	/* Deprecated: another address is preferred as a source (RFC 6724
	 * rule 3) when one of the same scope exists. */
	CHECK_EQ(inet6_addr_add(s, eth0(&cd),
				&(struct in6_addr){{{0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 1}}}, 64,
				IFA_F_NODAD, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME),
		 0);
	struct in6_addr dst = ip6_text("2001:db8:2::9"), src, want = ip6_text("2001:db8:3::1");
	CHECK_EQ(ipv6_dev_get_saddr(s, eth0(&cd), &dst, &src), 0);
	CHECK_MEM_EQ(&src, &want, 16);
	testnet_advance(s, &tc, t0 + 20 * ND_SEC - tc.now);
	CHECK(ifaddr(s, "2001:db8:2::ff:fe00:1") == NULL);
	testnet_destroy(s, &cd);
}

TEST(an_advertisement_may_shorten_an_autoconfigured_address_only_to_two_hours)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);

	inject_ra_prefix(&cd, "2001:db8:4::", 10000, 5000);
	struct inet6_ifaddr *ifp = ifaddr(s, "2001:db8:4::ff:fe00:1");
	CHECK(ifp != NULL);
	CHECK_EQ(ifp->valid_lft, 10000);
	/* RFC 4862 5.5.3 e): 60 s asked, 10000 s remain: two hours. */
	inject_ra_prefix(&cd, "2001:db8:4::", 60, 30);
	CHECK_EQ(ifp->valid_lft, MIN_VALID_LIFETIME);
	CHECK_EQ(ifp->prefered_lft, 30);
	/* Two hours or less remain: kept as it is. */
	testnet_advance(s, &tc, 100 * ND_SEC);
	inject_ra_prefix(&cd, "2001:db8:4::", 60, 30);
	CHECK_EQ(ifp->valid_lft, MIN_VALID_LIFETIME - 100);
	/* Longer than two hours: taken. */
	inject_ra_prefix(&cd, "2001:db8:4::", 20000, 10000);
	CHECK_EQ(ifp->valid_lft, 20000);
	CHECK_EQ(ifp->prefered_lft, 10000);
	/* A longer one than remains, under two hours, too. */
	inject_ra_prefix(&cd, "2001:db8:4::", 100, 50);
	CHECK_EQ(ifp->valid_lft, MIN_VALID_LIFETIME);
	inject_ra_prefix(&cd, "2001:db8:4::", 7300, 50);
	CHECK_EQ(ifp->valid_lft, 7300);
	testnet_destroy(s, &cd);
}

/* One malformed advertisement and what it must not have done. */
struct ra_case {
	const char *what;
	const char *src;
	uint8_t hop_limit, code;
	uint8_t opts[64];
	size_t opts_len;
};

TEST(malformed_advertisements_configure_nothing)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	struct ra_case cases[] = {
		{"a global source", "2001:db8::1", 255, 0, {0}, 0},
		{"hop limit 254", "fe80::ff:fe00:2", 254, 0, {0}, 0},
		{"code 1", "fe80::ff:fe00:2", 255, 1, {0}, 0},
		{"an option of length 0", "fe80::ff:fe00:2", 255, 0, {ND_OPT_MTU, 0}, 8},
		{"a prefix option of the wrong size",
		 "fe80::ff:fe00:2",
		 255,
		 0,
		 {ND_OPT_PREFIX_INFO, 3},
		 24},
		{"a source link-layer option of 14 bytes",
		 "fe80::ff:fe00:2",
		 255,
		 0,
		 {ND_OPT_SOURCE_LL_ADDR, 2},
		 16},
	};
	uint8_t pfx[ND_OPT_PREFIX_INFO_LEN];
	uint64_t in = testnet_counter(s, "Icmp6", "InRouterAdvertisements");

	prefix_opt(pfx, "2001:db8:5::", 64, true, true, 7200, 3600);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ra_case *c = &cases[i];
		struct wire_nd_msg m = {.type = NDISC_ROUTER_ADVERTISEMENT,
					.cur_hop_limit = 7,
					.router_lifetime = 1800};
		struct in6_addr src = ip6_text(c->src);
		uint8_t opts[128];

		memcpy(opts, c->opts, c->opts_len);
		memcpy(opts + c->opts_len, pfx, sizeof(pfx));
		nd_inject(&cd, NULL, &src, &nd_all_nodes, c->hop_limit, c->code, &m, opts,
			  c->opts_len + sizeof(pfx));
		struct in6_addr gw = route_via(s, "2001:db8:99::1"), none;
		memset(&none, 0, sizeof(none));
		if (memcmp(&gw, &none, 16) != 0 || ifaddr(s, "2001:db8:5::ff:fe00:1") ||
		    conf(s, "net.ipv6.conf.eth0.hop_limit") != 64 ||
		    strcmp(nd_state(s, c->src), "none") != 0)
			test_fail(__FILE__, __LINE__, "%s was taken", c->what);
	}
	/* Counted by icmpv6_rcv, as Linux's; not errors. */
	CHECK_EQ(testnet_counter(s, "Icmp6", "InRouterAdvertisements"), in + ARRAY_SIZE(cases));
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(cd.n, 0);

	/* Prefix options alone that are ignored, in an otherwise good RA. */
	uint8_t opts[4 * ND_OPT_PREFIX_INFO_LEN + 8];
	size_t n = 0;
	n += prefix_opt(opts + n, "2001:db8:6::", 64, true, true, 100, 200); /* preferred > valid */
	n += prefix_opt(opts + n, "fe80::", 64, true, true, 7200, 3600);     /* link-local */
	n += prefix_opt(opts + n, "2001:db8:7::", 48, false, true, 7200, 3600); /* not a /64 */
	n += prefix_opt(opts + n, "2001:db8:8::", 64, false, true, 0, 0);	/* valid 0 */
	n += wire_nd_opt_emit_mtu(opts + n, 1279);				/* below 1280 */
	inject_ra(&cd, 1800, opts, n);
	CHECK(eth0(&cd)->ip6_ptr->n_addrs == 1); /* the link-local alone */
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.mtu"), 1500);
	struct in6_addr r6 = route_via(s, "2001:db8:6::1"), gw = route_via(s, "2001:db8:99::1");
	CHECK_MEM_EQ(&r6, &gw, 16); /* through the router: not on-link */
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(accept_ra_0_ignores_advertisements_but_the_router_is_still_a_neighbour)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.accept_ra", 0), 0);
	inject_ra_prefix(&cd, "2001:db8:1::", 7200, 3600);
	struct in6_addr gw = route_via(s, "2001:db8:99::1"), none;
	memset(&none, 0, sizeof(none));
	CHECK_MEM_EQ(&gw, &none, 16);
	CHECK(ifaddr(s, "2001:db8:1::ff:fe00:1") == NULL);
	CHECK(strcmp(nd_state(s, "fe80::ff:fe00:2"), "STALE") == 0);
	testnet_destroy(s, &cd);
}

static unsigned drop_frames(void *ctx, const struct iovec *frames, unsigned count)
{
	(void)ctx;
	(void)frames;
	return count;
}

TEST(net_ipv6_conf_has_linux_names_ranges_and_all_writes_default_and_every_device)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	static const struct {
		const char *name;
		long value;
	} defaults[] = {
		{"forwarding", 0},
		{"hop_limit", 64},
		{"mtu", 1500},
		{"accept_ra", 1},
		{"accept_ra_defrtr", 1},
		{"accept_ra_pinfo", 1},
		{"accept_ra_mtu", 1},
		{"accept_redirects", 1},
		{"autoconf", 1},
		{"dad_transmits", 1},
		{"accept_dad", 1},
		{"enhanced_dad", 1},
		{"router_solicitations", -1},
		{"router_solicitation_interval", 4},
		{"router_solicitation_max_interval", 3600},
		{"router_solicitation_delay", 1},
		{"max_addresses", 16},
		{"disable_ipv6", 0},
		{"addr_gen_mode", 0},
		{"ndisc_notify", 0},
		{"keep_addr_on_down", 0},
	};
	char name[96];

	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		snprintf(name, sizeof(name), "net.ipv6.conf.eth0.%s", defaults[i].name);
		if (conf(s, name) != defaults[i].value)
			test_fail(__FILE__, __LINE__, "%s is %ld", name, conf(s, name));
	}
	CHECK_EQ(conf(s, "net.ipv6.conf.default.disable_ipv6"), 0); /* all wrote it */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.hop_limit", 0), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.hop_limit", 256), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.hop_limit", 255), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.mtu", 1279), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.mtu", 1501), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.mtu", 1280), 0);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 2), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitations", -2), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.addr_gen_mode", 2), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.addr_gen_mode", 4), -EINVAL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitation_interval", 7), 0);
	CHECK_EQ(eth0(&cd)->ip6_ptr->cnf.rtr_solicit_interval, 7000);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth1.hop_limit", 1), -ENOENT);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.no_such", 1), -ENOENT);
	long v;
	CHECK_EQ(ut_sysctl_get(s, "net.ipv6.conf.eth0", &v), -ENOENT);
	/* Other settings written to all stay in all. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.all.hop_limit", 9), 0);
	CHECK_EQ(conf(s, "net.ipv6.conf.default.hop_limit"), 64);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.hop_limit"), 255);
	/* A new device takes default's values. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.default.hop_limit", 17), 0);
	static const struct ut_dev_driver drv = {.transmit = drop_frames};
	static const uint8_t mac2[6] = {2, 0, 0, 0, 0, 0x11};
	struct ut_dev *d2;
	CHECK_EQ(ut_dev_create(s, "eth1", UT_DEV_ETHER, 1500, 0, mac2, &drv, NULL, &d2), 0);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth1.hop_limit"), 17);
	testnet_destroy(s, &cd);
}

static void count_conf(void *arg, const char *name, long value)
{
	(void)value;
	if (strncmp(name, "net.ipv6.conf.", 14) == 0)
		(*(int *)arg)++;
}

TEST(net_ipv6_conf_lists_all_default_and_each_device)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	int n = 0;

	ut_sysctl_foreach(s, count_conf, &n);
	CHECK_EQ(n, 4 * 21); /* all, default, lo, eth0 */
	testnet_destroy(s, &cd);
}

TEST(disable_ipv6_takes_addresses_and_routes_away_and_enabling_again_probes_anew)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	struct in6_addr a = ip6_text("2001:db8::1");
	struct in6_addr lo = ip6_text("::1");

	CHECK(ipv6_chk_addr(s, &lo, NULL, false)); /* lo has ::1 */
	CHECK_EQ(ut_addr_add(s, cd.dev, ut_ip_v6(&a), 64), 0);
	testnet_advance(s, &tc, 3 * ND_SEC);
	CHECK(ipv6_chk_addr(s, &a, NULL, false));
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 1), 0);
	CHECK(ipv6_get_ifaddr(s, &a, NULL) == NULL);
	CHECK(ipv6_get_ifaddr(s, &nd_our_ll, NULL) == NULL);
	struct in6_addr d = ip6_text("2001:db8::2");
	struct rt6_result res;
	CHECK(ip6_route_output(s, &d, 0, &res) != 0);
	CHECK_EQ(ut_addr_add(s, cd.dev, ut_ip_v6(&a), 64), -EACCES);
	capdev_clear(&cd);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.disable_ipv6", 0), 0);
	struct inet6_ifaddr *ifp = ipv6_get_ifaddr(s, &nd_our_ll, NULL);
	CHECK(ifp && (ifp->flags & IFA_F_TENTATIVE));
	testnet_advance(s, &tc, 3 * ND_SEC);
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_SOLICITATION), 1);
	CHECK(!(ifp->flags & IFA_F_TENTATIVE));
	testnet_destroy(s, &cd);
}

TEST(a_device_whose_mtu_falls_below_1280_loses_ipv6_and_gets_it_back_above)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);

	CHECK(eth0(&cd)->ip6_ptr != NULL);
	CHECK_EQ(ut_dev_set_mtu(cd.dev, 1000), 0);
	CHECK(eth0(&cd)->ip6_ptr == NULL);
	long v;
	CHECK_EQ(ut_sysctl_get(s, "net.ipv6.conf.eth0.mtu", &v), -ENOENT);
	CHECK_EQ(ut_dev_set_mtu(cd.dev, 1400), 0);
	CHECK(eth0(&cd)->ip6_ptr != NULL);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.mtu"), 1400);
	CHECK(ipv6_get_ifaddr(s, &nd_our_ll, NULL) != NULL);
	testnet_destroy(s, &cd);
}

TEST(a_layer_3_device_gets_a_random_link_local_address_without_dad)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_RAWIP, false);
	struct inet6_ifaddr *ifp = eth0(&cd)->ip6_ptr->addr_list;

	CHECK(ifp != NULL);
	CHECK(ipv6_addr_is_linklocal(&ifp->addr));
	CHECK(!(ifp->flags & IFA_F_TENTATIVE));
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.addr_gen_mode"), IN6_ADDR_GEN_MODE_RANDOM);
	/* Solicitation without a link-layer option, no DAD probe. */
	testnet_advance(s, &tc, ND_SEC);
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_SOLICITATION), 0);
	CHECK(cd.n >= 1);
	struct wire_ipv6 ip;
	CHECK_EQ(wire_ipv6_parse(cd.frames[0].data, cd.frames[0].len, &ip), WIRE_OK);
	CHECK_EQ(ip.payload[0], NDISC_ROUTER_SOLICITATION);
	CHECK_EQ(ip.payload_len, 8);
	testnet_destroy(s, &cd);
}

TEST(source_selection_prefers_the_destination_scope_then_the_longest_prefix)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	struct in6_addr a1 = ip6_text("2001:db8:1::1"), a2 = ip6_text("2001:db8:2::1"), src, d;

	CHECK_EQ(inet6_addr_add(s, eth0(&cd), &a1, 64, IFA_F_NODAD, INFINITY_LIFE_TIME,
				INFINITY_LIFE_TIME),
		 0);
	CHECK_EQ(inet6_addr_add(s, eth0(&cd), &a2, 64, IFA_F_NODAD, INFINITY_LIFE_TIME,
				INFINITY_LIFE_TIME),
		 0);
	d = ip6_text("fe80::5");
	CHECK_EQ(ipv6_dev_get_saddr(s, eth0(&cd), &d, &src), 0);
	CHECK_MEM_EQ(&src, &nd_our_ll, 16);
	d = ip6_text("2001:db8:2::7");
	CHECK_EQ(ipv6_dev_get_saddr(s, eth0(&cd), &d, &src), 0);
	CHECK_MEM_EQ(&src, &a2, 16);
	d = ip6_text("2001:db8:1::7");
	CHECK_EQ(ipv6_dev_get_saddr(s, eth0(&cd), &d, &src), 0);
	CHECK_MEM_EQ(&src, &a1, 16);
	/* Rule 1: the destination itself. */
	CHECK_EQ(ipv6_dev_get_saddr(s, eth0(&cd), &a2, &src), 0);
	CHECK_MEM_EQ(&src, &a2, 16);
	CHECK_EQ(inet6_addr_add(s, eth0(&cd), &a2, 64, 0, INFINITY_LIFE_TIME, INFINITY_LIFE_TIME),
		 -EEXIST);
	CHECK_EQ(inet6_addr_add(s, eth0(&cd), &nd_all_nodes, 64, 0, 100, 100), -EINVAL);
	CHECK_EQ(inet6_addr_add(s, eth0(&cd), &a2, 129, 0, 100, 100), -EINVAL);
	CHECK_EQ(inet6_addr_del(s, eth0(&cd), &a2, 64), 0);
	CHECK_EQ(inet6_addr_del(s, eth0(&cd), &a2, 64), -EADDRNOTAVAIL);
	testnet_destroy(s, &cd);
}

TEST(routes_from_advertisements_end_with_their_lifetimes_and_leave_an_address_route_alone)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	struct in6_addr a = ip6_text("2001:db8:9::1"), none, v;
	uint8_t opts[3 * ND_OPT_PREFIX_INFO_LEN];
	size_t n = 0;
	uint64_t t0 = tc.now;

	memset(&none, 0, sizeof(none));
	CHECK_EQ(inet6_addr_add(s, eth0(&cd), &a, 64, IFA_F_NODAD, INFINITY_LIFE_TIME,
				INFINITY_LIFE_TIME),
		 0);
	n += prefix_opt(opts + n, "2001:db8:1::", 64, true, false, 20, 20);
	n += prefix_opt(opts + n, "2001:db8:2::", 64, true, false, 100, 100);
	n += prefix_opt(opts + n, "2001:db8:9::", 64, true, false, 5, 5);
	inject_ra(&cd, 10, opts, n);
	struct in6_addr want1 = ip6_text("2001:db8:1::5"), want9 = ip6_text("2001:db8:9::5");
	v = route_via(s, "2001:db8:1::5");
	CHECK_MEM_EQ(&v, &want1, 16);
	/* A prefix with valid lifetime 0 loses its route at once. */
	n = prefix_opt(opts, "2001:db8:2::", 64, true, false, 0, 0);
	inject_ra(&cd, 10, opts, n);
	v = route_via(s, "2001:db8:2::5");
	struct in6_addr gw = route_via(s, "2001:db8:99::1");
	CHECK_MEM_EQ(&v, &gw, 16); /* through the router, no longer on-link */
	testnet_advance(s, &tc, t0 + 11 * ND_SEC - tc.now);
	v = route_via(s, "2001:db8:99::1");
	CHECK_MEM_EQ(&v, &none, 16); /* the router's lifetime is over */
	v = route_via(s, "2001:db8:1::5");
	CHECK_MEM_EQ(&v, &want1, 16);
	v = route_via(s, "2001:db8:9::5");
	CHECK_MEM_EQ(&v, &want9, 16); /* the address's own route stays */
	testnet_advance(s, &tc, t0 + 21 * ND_SEC - tc.now);
	v = route_via(s, "2001:db8:1::5");
	CHECK_MEM_EQ(&v, &none, 16);
	v = route_via(s, "2001:db8:9::5");
	CHECK_MEM_EQ(&v, &want9, 16);
	testnet_destroy(s, &cd);
}

TEST(ndisc_notify_announces_an_address_once_it_passed_dad)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	struct in6_addr a = ip6_text("2001:db8::1");

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.all.ndisc_notify", 1), 0);
	CHECK_EQ(conf(s, "net.ipv6.conf.eth0.ndisc_notify"), 0); /* all's stays all's */
	CHECK_EQ(ut_addr_add(s, cd.dev, ut_ip_v6(&a), 64), 0);
	testnet_advance(s, &tc, 3 * ND_SEC);
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_ADVERTISEMENT), 1);
	for (size_t i = 0; i < cd.n; i++) {
		nd_frame(&cd, i, &f);
		if (f.msg.type != NDISC_NEIGHBOUR_ADVERTISEMENT)
			continue;
		CHECK_MEM_EQ(&f.msg.target, &a, 16);
		CHECK_MEM_EQ(&f.ip.daddr, &nd_all_nodes, 16);
		CHECK(f.msg.override && !f.msg.solicited);
	}
	testnet_destroy(s, &cd);
}

TEST(max_addresses_bounds_autoconfigured_addresses_only)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = nd_stack(&tc, &cd, UT_DEV_ETHER, true);
	struct in6_addr a = ip6_text("2001:db8::1");

	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.max_addresses", 2), 0);
	CHECK_EQ(ut_addr_add(s, cd.dev, ut_ip_v6(&a), 64), 0); /* the link-local and this */
	inject_ra_prefix(&cd, "2001:db8:1::", 7200, 3600);
	CHECK(ifaddr(s, "2001:db8:1::ff:fe00:1") == NULL);
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.max_addresses", 0), 0); /* no limit */
	inject_ra_prefix(&cd, "2001:db8:1::", 7200, 3600);
	CHECK(ifaddr(s, "2001:db8:1::ff:fe00:1") != NULL);
	/* autoconf 0 takes no address from a prefix. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.autoconf", 0), 0);
	inject_ra_prefix(&cd, "2001:db8:2::", 7200, 3600);
	CHECK(ifaddr(s, "2001:db8:2::ff:fe00:1") == NULL);
	testnet_destroy(s, &cd);
}
