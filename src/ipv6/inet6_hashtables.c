/* IPv6's lookups in the shared tables (Linux's net/ipv6/inet6_hashtables.c):
 * the established table under IPv6's hash of the 4-tuple, and the
 * listeners that take IPv6. The tables, the bind rules across families
 * and the port choice are shared (src/ipv4/inet_hashtables.c). */
#include "net/inet_hashtables.h"
#include "net/ipv6.h"
#include "net/tcp.h"

uint32_t inet6_ehashfn(const struct inet_hashinfo *h, const struct in6_addr *laddr, uint16_t lport,
		       const struct in6_addr *faddr, uint16_t fport)
{
	uint64_t l[2], f[2], x;

	memcpy(l, laddr, sizeof(l));
	memcpy(f, faddr, sizeof(f));
	x = inet_hash_mix64(l[0] ^ h->key[0]);
	x = inet_hash_mix64(x + (l[1] ^ h->key[1]));
	x = inet_hash_mix64(x + f[0]);
	x = inet_hash_mix64(x + f[1]);
	return (uint32_t)(inet_hash_mix64(x + (((uint64_t)lport << 16) | fport)) >> 16);
}

struct v6_tuple {
	const struct in6_addr *faddr, *laddr;
	uint16_t fport, lport;
};

static bool v6_tuple_match(const struct sock_common *skc, const void *arg)
{
	const struct v6_tuple *t = arg;

	return skc->skc_dport == t->fport && skc->skc_num == t->lport && skc_ehash_v6(skc) &&
	       ipv6_addr_equal(&skc->skc_v6_daddr, t->faddr) &&
	       ipv6_addr_equal(&skc->skc_v6_rcv_saddr, t->laddr);
}

struct sock_common *inet6_lookup_established(struct inet_hashinfo *h, const struct in6_addr *faddr,
					     uint16_t fport, const struct in6_addr *laddr,
					     uint16_t lport)
{
	struct v6_tuple t = {.faddr = faddr, .laddr = laddr, .fport = fport, .lport = lport};

	return inet_ehash_find(h, inet6_ehashfn(h, laddr, lport, faddr, fport), v6_tuple_match, &t);
}

/* An AF_INET6 listener bound to laddr beats one bound to the wildcard;
 * an AF_INET listener or a v4-mapped bind takes no IPv6. */
struct inet6_listener_key {
	const struct in6_addr *laddr;
	int dif;
};

static int inet6_listener_score(const struct sock_common *skc, const void *arg)
{
	const struct inet6_listener_key *k = arg;
	const struct in6_addr *bound;
	int dev = inet_listener_dev_score(skc, k->dif);

	if (!dev || !skc_v6_view(skc, &bound))
		return 0;
	if (ipv6_addr_equal(bound, k->laddr))
		return 4 + dev;
	return ipv6_addr_any(bound) ? 2 + dev : 0;
}

struct sock *inet6_lookup_listener(struct inet_hashinfo *h, const struct in6_addr *faddr,
				   uint16_t fport, const struct in6_addr *laddr, uint16_t lport,
				   int dif)
{
	struct inet6_listener_key k = {laddr, dif};

	return inet_lhash_lookup(h, lport, inet6_ehashfn(h, laddr, lport, faddr, fport),
				 inet6_listener_score, &k);
}
