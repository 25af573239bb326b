/* The bind, established and listening tables shared by IPv4 and IPv6:
 * which binds of a port conflict across the two families (the answers of
 * Linux 6.x, recorded from the kernel with two sockets per pair), which
 * listener an IPv4 or IPv6 segment finds, and that a connection is found
 * only by its own family's lookup (or IPv4's, for a v4-mapped peer). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/inet_hashtables.h"
#include "net/ipv6.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "test.h"
#include "testwire.h"

enum kind { V4ANY, V4LO, V6ANY, V6ANY_ONLY, V6LO, V6MAPPED_LO, NKINDS };

static const char *const kind_name[NKINDS] = {"0.0.0.0",     "127.0.0.1", "[::]",
					      "[::] v6only", "[::1]",	  "[::ffff:127.0.0.1]"};

/* A bare sock bound as kind would be by bind(). */
static void make_sock(struct sock *sk, struct ut_stack *stack, enum kind k)
{
	memset(sk, 0, sizeof(*sk));
	sk->sk_stack = stack;
	sk->sk_family = k <= V4LO ? AF_INET : AF_INET6;
	sk->sk_state = TCP_CLOSE;
	switch (k) {
	case V4ANY:
		break;
	case V4LO:
		sk->sk_rcv_saddr = htonl(INADDR_LOOPBACK);
		break;
	case V6ANY:
		break;
	case V6ANY_ONLY:
		sk->sk_ipv6only = 1;
		break;
	case V6LO:
		sk->sk_v6_rcv_saddr = ip6_text("::1");
		break;
	case V6MAPPED_LO:
		sk->sk_v6_rcv_saddr = ip6_text("::ffff:127.0.0.1");
		sk->sk_rcv_saddr = htonl(INADDR_LOOPBACK);
		break;
	default:
		break;
	}
}

static struct ut_stack *new_stack(void)
{
	struct ut_stack_config cfg;
	struct ut_stack *s;

	ut_stack_config_init(&cfg);
	cfg.seed = 7;
	CHECK_EQ(ut_stack_create(&cfg, &s), 0);
	return s;
}

/* Linux 6.x's answers: whether the second bind of a port fails with
 * EADDRINUSE after the first (row first, column second). */
static const bool conflicts[NKINDS][NKINDS] = {
	/*               v4any v4lo v6any v6only v6lo mapped */
	[V4ANY] = {1, 1, 1, 0, 0, 1}, [V4LO] = {1, 1, 1, 0, 0, 1},
	[V6ANY] = {1, 1, 1, 1, 1, 1}, [V6ANY_ONLY] = {0, 0, 1, 1, 1, 0},
	[V6LO] = {0, 0, 1, 1, 1, 0},  [V6MAPPED_LO] = {1, 1, 1, 0, 0, 1},
};

TEST(binds_of_one_port_conflict_across_families_as_linux_decides)
{
	struct ut_stack *s = new_stack();

	for (int a = 0; a < NKINDS; a++) {
		for (int b = 0; b < NKINDS; b++) {
			struct sock sa, sb;
			int err;

			make_sock(&sa, s, (enum kind)a);
			make_sock(&sb, s, (enum kind)b);
			CHECK_EQ(inet_csk_get_port(&s->tcp_hashinfo, &sa, 5000), 0);
			err = inet_csk_get_port(&s->tcp_hashinfo, &sb, 5000);
			if (err != (conflicts[a][b] ? -EADDRINUSE : 0))
				test_fail(__FILE__, __LINE__, "%s then %s: %d", kind_name[a],
					  kind_name[b], err);
			if (!err)
				inet_put_port(&s->tcp_hashinfo, &sb.__sk_common);
			inet_put_port(&s->tcp_hashinfo, &sa.__sk_common);
		}
	}
	ut_stack_destroy(s);
}

static void listen_on(struct ut_stack *s, struct sock *sk, enum kind k)
{
	make_sock(sk, s, k);
	sk->sk_num = 80;
	sk->sk_state = TCP_LISTEN;
	inet_lhash_insert(&s->tcp_hashinfo, sk);
}

TEST(an_ipv4_segment_finds_a_dual_stack_listener_unless_v6only_and_prefers_an_ipv4_one)
{
	struct ut_stack *s = new_stack();
	struct inet_hashinfo *h = &s->tcp_hashinfo;
	struct sock v6any, v6only, v4any, mapped;
	uint32_t lo = htonl(INADDR_LOOPBACK), peer = htonl(0x7f000002);
	struct in6_addr lo6 = ip6_text("::1"), peer6 = ip6_text("::2");

	listen_on(s, &v6only, V6ANY_ONLY);
	CHECK(inet_lookup_listener(h, peer, 4000, lo, 80, 0) == NULL);
	CHECK(inet6_lookup_listener(h, &peer6, 4000, &lo6, 80, 0) == &v6only);
	listen_on(s, &v6any, V6ANY);
	CHECK(inet_lookup_listener(h, peer, 4000, lo, 80, 0) == &v6any);
	listen_on(s, &v4any, V4ANY);
	CHECK(inet_lookup_listener(h, peer, 4000, lo, 80, 0) == &v4any);
	/* An address beats the wildcard, even of the other family. */
	listen_on(s, &mapped, V6MAPPED_LO);
	CHECK(inet_lookup_listener(h, peer, 4000, lo, 80, 0) == &mapped);
	CHECK(inet_lookup_listener(h, peer, 4000, htonl(0x7f000003), 80, 0) == &v4any);
	/* A v4-mapped bind takes no IPv6; IPv4 listeners neither. */
	inet_lhash_remove(&v6only);
	CHECK(inet6_lookup_listener(h, &peer6, 4000, &lo6, 80, 0) == &v6any);
	inet_lhash_remove(&v6any);
	CHECK(inet6_lookup_listener(h, &peer6, 4000, &lo6, 80, 0) == NULL);
	inet_lhash_remove(&v4any);
	inet_lhash_remove(&mapped);
	ut_stack_destroy(s);
}

TEST(a_connection_is_found_by_its_own_familys_lookup_and_a_v4_mapped_one_by_ipv4s)
{
	struct ut_stack *s = new_stack();
	struct inet_hashinfo *h = &s->tcp_hashinfo;
	struct sock c6, c4, cm;
	struct in6_addr a = ip6_text("2001:db8::1"), b = ip6_text("2001:db8::2");

	make_sock(&c6, s, V6ANY);
	c6.sk_v6_rcv_saddr = a;
	c6.sk_v6_daddr = b;
	c6.sk_num = 1000;
	c6.sk_dport = 2000;
	CHECK_EQ(inet_ehash_insert(h, &c6.__sk_common), 0);
	CHECK(inet6_lookup_established(h, &b, 2000, &a, 1000) == &c6.__sk_common);
	CHECK(inet6_lookup_established(h, &a, 2000, &b, 1000) == NULL);
	CHECK(inet_lookup_established(h, 0, 2000, 0, 1000) == NULL);

	make_sock(&c4, s, V4ANY);
	c4.sk_rcv_saddr = htonl(0x0a000001);
	c4.sk_daddr = htonl(0x0a000002);
	c4.sk_num = 1000;
	c4.sk_dport = 2000;
	CHECK_EQ(inet_ehash_insert(h, &c4.__sk_common), 0);
	CHECK(inet_lookup_established(h, c4.sk_daddr, 2000, c4.sk_rcv_saddr, 1000) ==
	      &c4.__sk_common);

	/* An AF_INET6 socket to ::ffff:10.0.0.3 speaks IPv4. */
	make_sock(&cm, s, V6ANY);
	ipv6_addr_set_v4mapped(htonl(0x0a000001), &cm.sk_v6_rcv_saddr);
	ipv6_addr_set_v4mapped(htonl(0x0a000003), &cm.sk_v6_daddr);
	cm.sk_rcv_saddr = htonl(0x0a000001);
	cm.sk_daddr = htonl(0x0a000003);
	cm.sk_num = 1000;
	cm.sk_dport = 2000;
	CHECK_EQ(inet_ehash_insert(h, &cm.__sk_common), 0);
	CHECK(inet_lookup_established(h, cm.sk_daddr, 2000, cm.sk_rcv_saddr, 1000) ==
	      &cm.__sk_common);
	CHECK(inet6_lookup_established(h, &cm.sk_v6_daddr, 2000, &cm.sk_v6_rcv_saddr, 1000) ==
	      NULL);
	inet_ehash_remove(h, &c6.__sk_common);
	inet_ehash_remove(h, &c4.__sk_common);
	inet_ehash_remove(h, &cm.__sk_common);
	ut_stack_destroy(s);
}
