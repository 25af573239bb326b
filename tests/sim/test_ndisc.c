/* Neighbour Discovery (RFC 4861) on the shared neighbour cache, driven
 * frame by frame: the stack at 2001:db8::1 (and its link-local address)
 * resolves and answers the peer at 2001:db8::2, whose part the test
 * plays. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/ndisc.h"
#include "net/simnet.h"
#include "net/stack.h"
#include "test.h"
#include "testnd.h"
#include "testwire.h"

static const struct in6_addr ours = {{{0x20, 0x01, 0x0d, 0xb8, [15] = 1}}};
static const struct in6_addr peer = {{{0x20, 0x01, 0x0d, 0xb8, [15] = 2}}};
static const uint8_t other_mac[6] = {0x02, 0, 0, 0, 0, 0x77};

/* A stack whose eth0 holds its link-local address and 2001:db8::1/64,
 * both past DAD, the capture empty. */
static struct ut_stack *host(struct test_clock *tc, struct capdev *cd)
{
	struct ut_stack *s = nd_stack(tc, cd, UT_DEV_ETHER, true);

	/* The one router solicitation went during the settling: no more
	 * to mix with what the tests count. */
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.eth0.router_solicitations", 1), 0);
	CHECK_EQ(inet6_addr_add(s, netdev_from_ut(cd->dev), &ours, 64, IFA_F_NODAD,
				INFINITY_LIFE_TIME, INFINITY_LIFE_TIME),
		 0);
	testnet_poll(s);
	capdev_clear(cd);
	return s;
}

static struct neigh_table *nd_tbl(struct ut_stack *s)
{
	return &net_ipv6(s)->nd_tbl;
}

/* Hands the ND table an IPv6 packet from src to the on-link dst, as
 * ip6_finish_output does. */
static void send_to(struct ut_stack *s, struct capdev *cd, const struct in6_addr *src,
		    const struct in6_addr *dst)
{
	struct sk_buff *skb = stack_alloc_skb(s, IPV6_HLEN + 8);
	struct wire_ipv6 ip = {.payload_len = 8,
			       .nexthdr = NEXTHDR_NONE,
			       .hop_limit = 64,
			       .saddr = *src,
			       .daddr = *dst};

	CHECK(skb != NULL);
	wire_ipv6_emit(skb_put(skb, IPV6_HLEN + 8), &ip);
	memset(skb->data + IPV6_HLEN, 0, 8);
	skb_reset_network_header(skb);
	skb->dev = netdev_from_ut(cd->dev);
	CHECK_EQ(neigh_output(nd_tbl(s), netdev_from_ut(cd->dev), dst, skb), 0);
	testnet_poll(s);
}

/* An advertisement for target from the peer, unicast to us. */
static void inject_na(struct capdev *cd, const struct in6_addr *target, bool solicited,
		      bool override, const uint8_t *tll)
{
	struct wire_nd_msg m = {.type = NDISC_NEIGHBOUR_ADVERTISEMENT,
				.target = *target,
				.solicited = solicited,
				.override = override};
	uint8_t opt[8];

	if (tll)
		nd_opt_ll(opt, ND_OPT_TARGET_LL_ADDR, tll);
	nd_inject(cd, NULL, target, &ours, 255, 0, &m, opt, tll ? sizeof(opt) : 0);
}

static void check_lladdr(struct ut_stack *s, const char *addr, const uint8_t mac[6])
{
	struct ut_neigh_info ni;

	CHECK_EQ(ut_neigh_get(s, ipaddr(addr), &ni), 0);
	CHECK_MEM_EQ(ni.lladdr, mac, 6);
}

TEST(resolution_solicits_the_solicited_node_group_and_a_solicited_advertisement_makes_it_reachable)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);
	static const uint8_t snm_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x02};
	struct in6_addr snm = ip6_text("ff02::1:ff00:2");
	uint64_t arp_lookups = testnet_counter(s, "ArpCache", "lookups");
	uint64_t ns_out = testnet_counter(s, "Icmp6", "OutNeighborSolicits");

	send_to(s, &cd, &ours, &peer);
	CHECK_EQ(cd.n, 1); /* the solicitation; the packet is held */
	nd_frame(&cd, 0, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_SOLICITATION);
	CHECK_MEM_EQ(f.eth.dst, snm_mac, 6);
	CHECK_MEM_EQ(f.eth.src, testnet_mac, 6);
	/* From the held packet's source, ours (Linux's ndisc_solicit). */
	CHECK_MEM_EQ(&f.ip.saddr, &ours, 16);
	CHECK_MEM_EQ(&f.ip.daddr, &snm, 16);
	CHECK_EQ(f.ip.hop_limit, 255);
	CHECK_MEM_EQ(&f.msg.target, &peer, 16);
	CHECK(f.opts.src_lladdr != NULL);
	CHECK_MEM_EQ(f.opts.src_lladdr, testnet_mac, 6);
	CHECK(f.opts.nonce == NULL);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "INCOMPLETE") == 0);

	inject_na(&cd, &peer, true, true, peer_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "REACHABLE") == 0);
	check_lladdr(s, "2001:db8::2", peer_mac);
	CHECK_EQ(cd.n, 2); /* the held packet leaves at once */
	struct wire_eth eth;
	CHECK_EQ(wire_eth_parse(cd.frames[1].data, cd.frames[1].len, &eth), WIRE_OK);
	CHECK_MEM_EQ(eth.dst, peer_mac, 6);
	CHECK_EQ(eth.proto, ETH_P_IPV6);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutNeighborSolicits"), ns_out + 1);
	/* The ND table counts in NdiscCache, not ArpCache. */
	CHECK(testnet_counter(s, "NdiscCache", "lookups") > 0);
	CHECK_EQ(testnet_counter(s, "ArpCache", "lookups"), arp_lookups);
	testnet_destroy(s, &cd);
}

TEST(unanswered_resolution_solicits_three_times_a_second_apart_from_the_link_local_then_fails)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);
	uint64_t t0 = tc.now;

	CHECK_EQ(ut_neigh_resolve(s, ipaddr("2001:db8::9")), 0);
	testnet_advance(s, &tc, 2500 * ND_MS);
	CHECK_EQ(cd.n, 3);
	for (size_t i = 0; i < 3; i++) {
		nd_frame(&cd, i, &f);
		CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_SOLICITATION);
		/* Nothing held: Linux's ndisc_send_ns takes the link-local. */
		CHECK_MEM_EQ(&f.ip.saddr, &nd_our_ll, 16);
		CHECK_EQ((cd.frames[i].when - t0) / ND_MS, 1000 * i);
	}
	CHECK(strcmp(nd_state(s, "2001:db8::9"), "INCOMPLETE") == 0);
	testnet_advance(s, &tc, ND_SEC);
	CHECK(strcmp(nd_state(s, "2001:db8::9"), "FAILED") == 0);
	CHECK_EQ(testnet_counter(s, "NdiscCache", "res_failed"), 1);
	CHECK_EQ(cd.n, 3);
	testnet_destroy(s, &cd);
}

TEST(a_multicast_solicitation_gets_a_solicited_overriding_advertisement_and_the_solicitor_is_learnt)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);
	struct in6_addr snm = ip6_text("ff02::1:ff00:1");
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = ours};
	uint8_t opt[8];
	uint64_t out = testnet_counter(s, "Icmp6", "OutMsgs");

	nd_opt_ll(opt, ND_OPT_SOURCE_LL_ADDR, peer_mac);
	nd_inject(&cd, NULL, &peer, &snm, 255, 0, &ns, opt, sizeof(opt));
	CHECK_EQ(cd.n, 1);
	nd_frame(&cd, 0, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_ADVERTISEMENT);
	CHECK_MEM_EQ(f.eth.dst, peer_mac, 6);
	CHECK_MEM_EQ(&f.ip.saddr, &ours, 16);
	CHECK_MEM_EQ(&f.ip.daddr, &peer, 16);
	CHECK_EQ(f.ip.hop_limit, 255);
	CHECK_MEM_EQ(&f.msg.target, &ours, 16);
	CHECK(f.msg.solicited);
	CHECK(f.msg.override);
	CHECK(!f.msg.router);
	CHECK(f.opts.tgt_lladdr != NULL);
	CHECK_MEM_EQ(f.opts.tgt_lladdr, testnet_mac, 6);
	/* Learnt STALE; the answer's use of it made it DELAY, as Linux's. */
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "DELAY") == 0);
	check_lladdr(s, "2001:db8::2", peer_mac);
	CHECK_EQ(testnet_counter(s, "NdiscCache", "rcv_probes_mcast"), 1);
	CHECK_EQ(testnet_counter(s, "NdiscCache", "rcv_probes_ucast"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutNeighborAdvertisements"), 1);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutMsgs"), out + 1);
	testnet_destroy(s, &cd);
}

TEST(a_unicast_solicitation_gets_an_advertisement_without_override_or_target_option)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = ours};
	uint8_t opt[8];

	nd_opt_ll(opt, ND_OPT_SOURCE_LL_ADDR, peer_mac);
	nd_inject(&cd, NULL, &peer, &ours, 255, 0, &ns, opt, sizeof(opt));
	CHECK_EQ(cd.n, 1);
	nd_frame(&cd, 0, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_ADVERTISEMENT);
	CHECK(f.msg.solicited);
	CHECK(!f.msg.override);
	CHECK(f.opts.tgt_lladdr == NULL);
	CHECK_EQ(testnet_counter(s, "NdiscCache", "rcv_probes_ucast"), 1);
	testnet_destroy(s, &cd);
}

TEST(a_dad_probe_for_an_address_we_hold_is_answered_to_all_nodes)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);
	struct in6_addr any, snm = ip6_text("ff02::1:ff00:1");
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = ours};

	memset(&any, 0, sizeof(any));
	nd_inject(&cd, NULL, &any, &snm, 255, 0, &ns, NULL, 0);
	CHECK_EQ(cd.n, 1);
	nd_frame(&cd, 0, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_ADVERTISEMENT);
	CHECK_MEM_EQ(&f.ip.daddr, &nd_all_nodes, 16);
	CHECK(!f.msg.solicited);
	CHECK(f.msg.override);
	CHECK(f.opts.tgt_lladdr != NULL);
	CHECK(ipv6_chk_addr(s, &ours, NULL, false)); /* ours still */
	CHECK_EQ(testnet_counter(s, "NdiscCache", "rcv_probes_mcast"), 0);
	testnet_destroy(s, &cd);
}

TEST(advertisements_update_an_entry_by_rfc_4861_7_2_5s_override_rules)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);

	send_to(s, &cd, &ours, &peer);
	inject_na(&cd, &peer, true, true, peer_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "REACHABLE") == 0);
	/* Another address without override: REACHABLE becomes STALE and
	 * keeps the address it had. */
	inject_na(&cd, &peer, false, false, other_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "STALE") == 0);
	check_lladdr(s, "2001:db8::2", peer_mac);
	/* The same address, solicited: REACHABLE again. */
	inject_na(&cd, &peer, true, false, peer_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "REACHABLE") == 0);
	/* The same address, unsolicited: nothing changes. */
	inject_na(&cd, &peer, false, true, peer_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "REACHABLE") == 0);
	/* No option, solicited: a confirmation of what is known. */
	inject_na(&cd, &peer, true, false, NULL);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "REACHABLE") == 0);
	check_lladdr(s, "2001:db8::2", peer_mac);
	/* Another address with override, unsolicited: taken, STALE. */
	inject_na(&cd, &peer, false, true, other_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "STALE") == 0);
	check_lladdr(s, "2001:db8::2", other_mac);
	/* An advertisement makes no entry of its own (accept_untracked_na
	 * 0). */
	struct in6_addr stranger = ip6_text("2001:db8::3");
	inject_na(&cd, &stranger, false, true, other_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::3"), "none") == 0);
	testnet_destroy(s, &cd);
}

TEST(a_reachable_entry_goes_stale_then_delay_then_probes_by_unicast_and_fails)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);

	send_to(s, &cd, &ours, &peer);
	inject_na(&cd, &peer, true, true, peer_mac);
	/* reachable_time is drawn from [15 s, 45 s). */
	testnet_advance(s, &tc, 46 * ND_SEC);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "STALE") == 0);
	capdev_clear(&cd);
	send_to(s, &cd, &ours, &peer);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "DELAY") == 0);
	CHECK_EQ(cd.n, 1); /* sent at once to the stale address */
	testnet_advance(s, &tc, 5 * ND_SEC);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "PROBE") == 0);
	CHECK_EQ(cd.n, 2);
	nd_frame(&cd, 1, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_SOLICITATION);
	CHECK_MEM_EQ(f.eth.dst, peer_mac, 6);
	CHECK_MEM_EQ(&f.ip.daddr, &peer, 16);
	testnet_advance(s, &tc, 3 * ND_SEC);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "FAILED") == 0);
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_SOLICITATION), 3);
	testnet_destroy(s, &cd);
}

TEST(a_host_neither_answers_nor_learns_from_router_solicitations)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	struct wire_nd_msg rs = {.type = NDISC_ROUTER_SOLICITATION};
	uint8_t opt[8];

	nd_opt_ll(opt, ND_OPT_SOURCE_LL_ADDR, peer_mac);
	nd_inject(&cd, NULL, &nd_peer_ll, &nd_all_routers, 255, 0, &rs, opt, sizeof(opt));
	nd_inject(&cd, NULL, &nd_peer_ll, &nd_all_nodes, 255, 0, &rs, opt, sizeof(opt));
	nd_inject(&cd, NULL, &nd_peer_ll, &nd_our_ll, 255, 0, &rs, opt, sizeof(opt));
	CHECK_EQ(cd.n, 0);
	CHECK(strcmp(nd_state(s, "fe80::ff:fe00:2"), "none") == 0);
	testnet_destroy(s, &cd);
}

/* A valid message of one type, and malformed ones made from it by
 * changing what a case names (a field left zero keeps the valid one's). */
struct good_msg {
	uint8_t type, opt_type;
	const char *src, *dst, *target;
	bool solicited;
};
struct bad_case {
	const char *what;
	const char *src, *dst, *target;
	uint8_t hop_limit; /* 0: 255 */
	uint8_t code;
	bool no_opt;	 /* without the link-layer option */
	uint8_t opt[2];	 /* type and length of a malformed option */
	size_t truncate; /* non-zero: only this many bytes of the message */
};

static void inject_bad(struct capdev *cd, const struct good_msg *g, const struct bad_case *c)
{
	struct wire_nd_msg m = {.type = g->type,
				.target = ip6_text(c->target ? c->target : g->target),
				.solicited = g->solicited,
				.override = true};
	struct in6_addr src = ip6_text(c->src ? c->src : g->src);
	struct in6_addr dst = ip6_text(c->dst ? c->dst : g->dst);
	uint8_t hop = c->hop_limit ? c->hop_limit : 255, opts[16] = {0}, msg[128];
	size_t olen = 0, len;

	if (c->opt[0]) {
		/* Its length byte as given, over 16 bytes of zeros. */
		opts[0] = c->opt[0];
		opts[1] = c->opt[1];
		olen = 16;
	} else if (!c->no_opt) {
		olen = nd_opt_ll(opts, g->opt_type, peer_mac);
	}
	if (!c->truncate) {
		nd_inject(cd, NULL, &src, &dst, hop, c->code, &m, opts, olen);
		return;
	}
	memcpy(msg + wire_nd_msg_len(g->type), opts, olen);
	len = wire_nd_emit(msg, &m, olen, &src, &dst);
	CHECK(c->truncate < len);
	nd_inject_raw(cd, NULL, &src, &dst, hop, msg, c->truncate);
}

TEST(malformed_solicitations_are_dropped_with_no_answer_and_nothing_learnt)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	static const struct good_msg ns = {NDISC_NEIGHBOUR_SOLICITATION,
					   ND_OPT_SOURCE_LL_ADDR,
					   "2001:db8::2",
					   "ff02::1:ff00:1",
					   "2001:db8::1",
					   false};
	static const struct bad_case cases[] = {
		{.what = "hop limit 254", .hop_limit = 254},
		{.what = "code 1", .code = 1},
		{.what = "an option of length 0", .opt = {ND_OPT_SOURCE_LL_ADDR, 0}},
		{.what = "truncated to 20 bytes", .truncate = 20},
		{.what = "an option running past the end", .truncate = 28},
		{.what = "a multicast target", .dst = "ff02::1", .target = "ff02::1"},
		{.what = "a 14-byte source link-layer option", .opt = {ND_OPT_SOURCE_LL_ADDR, 2}},
		{.what = "DAD with a source link-layer option", .src = "::"},
		{.what = "DAD to a unicast destination",
		 .src = "::",
		 .dst = "2001:db8::1",
		 .no_opt = true},
	};
	uint64_t out = testnet_counter(s, "Icmp6", "OutMsgs");
	uint64_t in = testnet_counter(s, "Icmp6", "InNeighborSolicits");

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		inject_bad(&cd, &ns, &cases[i]);
		if (cd.n || strcmp(nd_state(s, "2001:db8::2"), "none") != 0 ||
		    testnet_counter(s, "NdiscCache", "rcv_probes_mcast") ||
		    testnet_counter(s, "NdiscCache", "rcv_probes_ucast"))
			test_fail(__FILE__, __LINE__, "%s was taken", cases[i].what);
	}
	CHECK(ipv6_chk_addr(s, &ours, NULL, false));
	/* icmpv6_rcv counted each, as Linux's does before ndisc_rcv; none
	 * is an ICMPv6 error. */
	CHECK_EQ(testnet_counter(s, "Icmp6", "InNeighborSolicits"), in + ARRAY_SIZE(cases));
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	CHECK_EQ(testnet_counter(s, "Icmp6", "OutMsgs"), out);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(malformed_advertisements_leave_an_incomplete_entry_incomplete)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	static const struct good_msg na = {NDISC_NEIGHBOUR_ADVERTISEMENT,
					   ND_OPT_TARGET_LL_ADDR,
					   "2001:db8::2",
					   "2001:db8::1",
					   "2001:db8::2",
					   true};
	static const struct bad_case cases[] = {
		{.what = "hop limit 64", .hop_limit = 64},
		{.what = "code 3", .code = 3},
		{.what = "solicited to a group", .dst = "ff02::1"},
		{.what = "a multicast target", .target = "ff02::1:ff00:2"},
		{.what = "an option of length 0", .opt = {ND_OPT_TARGET_LL_ADDR, 0}},
		{.what = "a 14-byte target link-layer option", .opt = {ND_OPT_TARGET_LL_ADDR, 2}},
		{.what = "truncated to 23 bytes", .truncate = 23},
		{.what = "no target link-layer option", .no_opt = true},
	};

	uint64_t in = testnet_counter(s, "Icmp6", "InNeighborAdvertisements");

	send_to(s, &cd, &ours, &peer);
	capdev_clear(&cd);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		inject_bad(&cd, &na, &cases[i]);
		if (cd.n || strcmp(nd_state(s, "2001:db8::2"), "INCOMPLETE") != 0)
			test_fail(__FILE__, __LINE__, "%s was taken", cases[i].what);
	}
	/* A good one still resolves it. */
	CHECK_EQ(testnet_counter(s, "Icmp6", "InNeighborAdvertisements"), in + ARRAY_SIZE(cases));
	inject_na(&cd, &peer, true, true, peer_mac);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "REACHABLE") == 0);
	CHECK_EQ(testnet_counter(s, "Icmp6", "InErrors"), 0);
	testnet_destroy(s, &cd);
}

TEST(an_unsolicited_advertisement_announces_an_address_to_all_nodes)
{
	struct test_clock tc;
	struct capdev cd;
	struct nd_sent f;
	struct ut_stack *s = host(&tc, &cd);

	ndisc_send_unsol_na(netdev_from_ut(cd.dev), &ours);
	testnet_poll(s);
	CHECK_EQ(cd.n, 1);
	nd_frame(&cd, 0, &f);
	CHECK_EQ(f.msg.type, NDISC_NEIGHBOUR_ADVERTISEMENT);
	CHECK_MEM_EQ(&f.ip.daddr, &nd_all_nodes, 16);
	CHECK(!f.msg.solicited);
	CHECK(f.msg.override);
	CHECK_MEM_EQ(f.opts.tgt_lladdr, testnet_mac, 6);
	testnet_destroy(s, &cd);
}

/* Two stacks on a simulated Ethernet link, IPv6 on from the start. */
struct nd_world {
	struct ut_sim *sim;
	struct ut_stack *a, *b;
	struct ut_sim_link *link;
};

static void world_make(struct nd_world *w)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.delay_ns = ND_MS;
	CHECK_EQ(ut_sim_create(7, &w->sim), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "a", &w->a), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "b", &w->b), 0);
	CHECK_EQ(ut_sysctl_set(w->a, "net.ipv6.conf.default.disable_ipv6", 0), 0);
	CHECK_EQ(ut_sysctl_set(w->b, "net.ipv6.conf.default.disable_ipv6", 0), 0);
	CHECK_EQ(ut_sim_link_add(w->sim, w->a, w->b, &lp, &w->link), 0);
}

static void world_done(struct nd_world *w)
{
	ut_sim_run_for(w->sim, 120 * ND_SEC);
	CHECK_EQ(skb_pool_in_use(w->sim->pool), 0);
	ut_sim_destroy(w->sim);
}

static const char *state_of(struct ut_stack *s, const char *addr, uint8_t mac[6])
{
	struct ut_neigh_info ni;

	if (ut_neigh_get(s, ipaddr(addr), &ni) < 0)
		return "none";
	memcpy(mac, ni.lladdr, 6);
	return ni.state;
}

TEST(two_hosts_on_a_link_pass_dad_and_resolve_each_other_through_solicitations)
{
	struct nd_world w;
	struct ut_dev *da, *db;
	uint8_t mac[6];

	world_make(&w);
	da = ut_sim_link_dev(w.link, 0);
	db = ut_sim_link_dev(w.link, 1);
	CHECK_EQ(ut_addr_add(w.a, da, ipaddr("2001:db8::1"), 64), 0);
	CHECK_EQ(ut_addr_add(w.b, db, ipaddr("2001:db8::2"), 64), 0);
	ut_sim_run_for(w.sim, 3 * ND_SEC);
	struct in6_addr a1 = ip6_text("2001:db8::1"), b2 = ip6_text("2001:db8::2");
	CHECK(ipv6_chk_addr(w.a, &a1, NULL, false));
	CHECK(ipv6_chk_addr(w.b, &b2, NULL, false));
	struct in6_addr lla, llb;
	CHECK_EQ(ipv6_get_lladdr(netdev_from_ut(da), &lla, IFA_F_TENTATIVE), 0);
	CHECK_EQ(ipv6_get_lladdr(netdev_from_ut(db), &llb, IFA_F_TENTATIVE), 0);

	CHECK_EQ(ut_neigh_resolve(w.a, ipaddr("2001:db8::2")), 0);
	ut_sim_run_for(w.sim, 100 * ND_MS);
	CHECK(strcmp(state_of(w.a, "2001:db8::2", mac), "REACHABLE") == 0);
	CHECK_MEM_EQ(mac, netdev_from_ut(db)->dev_addr, 6);
	/* b learnt a from the solicitation's source: a's link-local, which
	 * the solicitation came from. */
	char text[64];
	CHECK(inet_ntop(AF_INET6, &lla, text, sizeof(text)) != NULL);
	CHECK(strcmp(state_of(w.b, text, mac), "none") != 0);
	CHECK_MEM_EQ(mac, netdev_from_ut(da)->dev_addr, 6);
	/* b confirms what it learnt by a unicast probe once DELAY ends. */
	ut_sim_run_for(w.sim, 6 * ND_SEC);
	CHECK(strcmp(state_of(w.b, text, mac), "REACHABLE") == 0);
	world_done(&w);
}

TEST(a_packet_whose_next_hop_never_answers_comes_back_as_address_unreachable)
{
	struct test_clock tc;
	struct capdev cd;
	static struct ping_log log;
	struct ut_stack *s = host(&tc, &cd);

	ping_log_attach(s, &log);
	CHECK_EQ(ut_ping_send(s, ipaddr("2001:db8::9"), 7, 1, "x", 1), 0);
	testnet_poll(s);
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_SOLICITATION), 1);
	struct nd_sent f;
	nd_frame(&cd, 0, &f);
	CHECK_MEM_EQ(&f.ip.saddr, &ours, 16); /* the held echo's source */
	testnet_advance(s, &tc, 10 * ND_SEC);
	CHECK(strcmp(nd_state(s, "2001:db8::9"), "FAILED") == 0);
	/* RFC 4443 3.1: code 3, from ourselves, as Linux's ping6 shows. */
	CHECK_EQ(log.errors, 1);
	CHECK_EQ(log.last.icmp_type, ICMPV6_DEST_UNREACH);
	CHECK_EQ(log.last.icmp_code, ICMPV6_ADDR_UNREACH);
	CHECK_IP_EQ(log.last.from, ipaddr("2001:db8::1"));
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(random_nd_messages_are_read_within_their_bounds_and_leave_the_stack_working)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	static const uint8_t types[] = {NDISC_ROUTER_SOLICITATION, NDISC_ROUTER_ADVERTISEMENT,
					NDISC_NEIGHBOUR_SOLICITATION, NDISC_NEIGHBOUR_ADVERTISEMENT,
					NDISC_REDIRECT};
	static const uint8_t kinds[] = {ND_OPT_SOURCE_LL_ADDR,
					ND_OPT_TARGET_LL_ADDR,
					ND_OPT_PREFIX_INFO,
					ND_OPT_REDIRECT_HDR,
					ND_OPT_MTU,
					ND_OPT_NONCE,
					99};
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; i < 3000; i++) {
		uint8_t msg[200];
		size_t len;

		/* xorshift: the same messages each run. */
		for (size_t j = 0; j < sizeof(msg); j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			msg[j] = (uint8_t)x;
		}
		msg[0] = types[x % ARRAY_SIZE(types)];
		msg[1] = 0;
		len = wire_nd_msg_len(msg[0]);
		/* Options that mostly parse: a known kind, a small length,
		 * now and then a wrong one. */
		for (size_t off = len; off + 8 <= sizeof(msg); off += (size_t)msg[off + 1] * 8) {
			msg[off] = kinds[msg[off] % ARRAY_SIZE(kinds)];
			msg[off + 1] = msg[off + 1] % 5;
			if (msg[off] == ND_OPT_PREFIX_INFO && msg[off + 1])
				msg[off + 1] = 4;
			if (!msg[off + 1])
				break;
		}
		len = x >> 60 ? len + (size_t)((x >> 8) % (sizeof(msg) - len)) : (x >> 20) % len;
		if (msg[0] == NDISC_NEIGHBOUR_SOLICITATION ||
		    msg[0] == NDISC_NEIGHBOUR_ADVERTISEMENT)
			memcpy(msg + 8, (x & 1) ? &ours : &peer, 16);
		nd_inject_raw(&cd, NULL, &nd_peer_ll, (x & 2) ? &nd_all_nodes : &nd_our_ll, 255,
			      msg, len);
	}
	testnet_advance(s, &tc, 20 * ND_SEC);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	/* Still answers a solicitation. */
	capdev_clear(&cd);
	struct in6_addr snm = ip6_text("ff02::1:ff00:1");
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = nd_our_ll};
	uint8_t opt[8];
	nd_opt_ll(opt, ND_OPT_SOURCE_LL_ADDR, other_mac);
	struct in6_addr from = ip6_text("fe80::77");
	nd_inject(&cd, NULL, &from, &snm, 255, 0, &ns, opt, sizeof(opt));
	CHECK_EQ(nd_count(&cd, 0, NDISC_NEIGHBOUR_ADVERTISEMENT), 1);
	testnet_destroy(s, &cd);
}

TEST(a_solicitation_that_came_in_fragments_is_dropped_after_reassembly)
{
	struct test_clock tc;
	struct capdev cd;
	struct ut_stack *s = host(&tc, &cd);
	struct in6_addr snm = ip6_text("ff02::1:ff00:1");
	struct wire_nd_msg ns = {.type = NDISC_NEIGHBOUR_SOLICITATION, .target = ours};
	static const uint8_t snm_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
	uint8_t msg[32], pkt[128], frame[160];
	size_t len;

	nd_opt_ll(msg + 24, ND_OPT_SOURCE_LL_ADDR, peer_mac);
	len = wire_nd_emit(msg, &ns, 8, &peer, &snm);
	CHECK_EQ(len, 32);
	/* RFC 6980: two fragments of 16 bytes each. */
	for (int i = 0; i < 2; i++) {
		struct wire_ipv6 ip = {.payload_len = IPV6_FRAG_HLEN + 16,
				       .nexthdr = NEXTHDR_FRAGMENT,
				       .hop_limit = 255,
				       .saddr = peer,
				       .daddr = snm};

		wire_ipv6_emit(pkt, &ip);
		wire_ipv6_frag_emit(pkt + IPV6_HLEN, NEXTHDR_ICMP, (uint16_t)(16 * i), i == 0,
				    0x1234);
		memcpy(pkt + IPV6_HLEN + IPV6_FRAG_HLEN, msg + 16 * i, 16);
		size_t n = build_eth(frame, snm_mac, peer_mac, ETH_P_IPV6, pkt,
				     IPV6_HLEN + IPV6_FRAG_HLEN + 16);
		CHECK_EQ(capdev_inject(&cd, frame, n), 0);
	}
	CHECK_EQ(testnet_counter(s, "Ip6", "ReasmOKs"), 1);
	CHECK_EQ(cd.n, 0);
	CHECK(strcmp(nd_state(s, "2001:db8::2"), "none") == 0);
	CHECK_EQ(skb_pool_in_use(s->pool), 0);
	testnet_destroy(s, &cd);
}

TEST(an_echo_between_two_hosts_resolves_both_ways_and_is_answered)
{
	struct nd_world w;
	static struct ping_log log;
	uint8_t mac[6];

	world_make(&w);
	CHECK_EQ(ut_addr_add(w.a, ut_sim_link_dev(w.link, 0), ipaddr("2001:db8::1"), 64), 0);
	CHECK_EQ(ut_addr_add(w.b, ut_sim_link_dev(w.link, 1), ipaddr("2001:db8::2"), 64), 0);
	ut_sim_run_for(w.sim, 3 * ND_SEC);
	ping_log_attach(w.a, &log);
	CHECK_EQ(ut_ping_send(w.a, ipaddr("2001:db8::2"), 9, 1, "hello", 5), 0);
	ut_sim_run_for(w.sim, 100 * ND_MS);
	CHECK_EQ(log.replies, 1);
	CHECK_EQ(log.errors, 0);
	CHECK_IP_EQ(log.last.from, ipaddr("2001:db8::2"));
	/* a's solicitation came from 2001:db8::1 (the echo's source), so b
	 * knows a by that address too and answered without soliciting. */
	CHECK(strcmp(state_of(w.a, "2001:db8::2", mac), "REACHABLE") == 0);
	CHECK(strcmp(state_of(w.b, "2001:db8::1", mac), "none") != 0);
	CHECK_MEM_EQ(mac, netdev_from_ut(ut_sim_link_dev(w.link, 0))->dev_addr, 6);
	/* Its two DAD probes (link-local, 2001:db8::2) and nothing more. */
	CHECK_EQ(testnet_counter(w.b, "Icmp6", "OutNeighborSolicits"), 2);
	world_done(&w);
}
