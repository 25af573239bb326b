/* Where sockets are found (Linux's include/net/inet_hashtables.h):
 *
 *  - the bind table (bhash): one inet_bind_bucket per local port in use,
 *    listing every socket bound to it (listening, connected, time-wait),
 *    which is where bind() applies the conflict rules;
 *  - the established table (ehash): connected sockets, request sockets
 *    and time-wait sockets, hashed on the 4-tuple with a secret key, so
 *    each arriving segment finds its connection in O(1);
 *  - the listening table (lhash): listening sockets (and, for UDP, every
 *    bound socket) hashed on the local port.
 *
 * One struct inet_hashinfo per protocol per stack. The established table
 * doubles when it holds more entries than buckets, so lookups stay O(1)
 * from ten connections to millions; its chains are singly linked with
 * tagged links (struct inet_ehash_slot), newest first, so that adding or
 * removing a new connection and looking up one that is not there read no
 * other socket, however many TIME_WAIT sockets share the chains.
 */
#ifndef USERTCP_NET_INET_HASHTABLES_H
#define USERTCP_NET_INET_HASHTABLES_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include "net/sock.h"

struct inet_bind_bucket {
	uint16_t port;
	/* Linux's fastreuse: -1 when the bucket was made by connect()'s
	 * port search (it may be shared by other outgoing connections whose
	 * 4-tuples differ, but not by bind()). */
	int8_t fastreuse;
	struct sock_common *owners;    /* bound sockets, listening or connected */
	struct sock_common *tw_owners; /* time-wait sockets holding the port */
	struct inet_bind_bucket *next;
};

/* A slot of the established table: its first socket and the tag of the
 * link to it. A tag is the socket's 4-tuple hash with the low bit
 * replaced by "the socket has a successor", so a lookup that misses
 * compares hashes without touching a socket, and stops at the last one
 * without reading its next pointer: with a million TIME_WAIT sockets in
 * the table, a cold socket read is a cache (and TLB) miss, and a new
 * connection's lookups (the tuple check of connect() and the SYN's) are
 * misses. Each socket's skc_node_next_tag tags its own next link. */
struct inet_bind_bucket_chunk;

struct inet_ehash_slot {
	struct sock_common *first;
	uint32_t tag;
};

struct inet_hashinfo {
	struct ut_stack *stack;
	struct inet_ehash_slot *ehash;
	uint32_t ehash_mask, ehash_count;
	struct sock_common **lhash; /* by local port */
	uint32_t lhash_mask;
	struct inet_bind_bucket **bhash; /* by local port */
	uint32_t bhash_mask, bhash_count;
	/* where the bind buckets come from (src/ipv4/inet_hashtables.c) */
	struct inet_bind_bucket_chunk *bucket_chunks;
	struct inet_bind_bucket *bucket_free;
	uint64_t key[2]; /* siphash key for the tables */
	/* RFC 6056 algorithm 4 (Linux's table_perturb): per-bucket offsets
	 * so that successive connections to one destination do not walk the
	 * port range in a predictable order. */
	uint16_t perturb[256];
	/* Ports connect()'s search has looked at since the table was made
	 * (Linux keeps no such count): what tests read to see that the
	 * search ends at its first port unless ports really run short. */
	uint64_t connect_port_tries;
};

int inet_hashinfo_init(struct inet_hashinfo *h, struct ut_stack *stack);
/* Frees the tables (the sockets in them belong to their owners). */
void inet_hashinfo_destroy(struct inet_hashinfo *h);

/* The 4-tuple hash (keyed: remote peers cannot aim collisions), of IPv4
 * and of IPv6 (src/ipv6/inet6_hashtables.c). */
uint32_t inet_ehashfn(const struct inet_hashinfo *h, uint32_t laddr, uint16_t lport, uint32_t faddr,
		      uint16_t fport);
uint32_t inet6_ehashfn(const struct inet_hashinfo *h, const struct in6_addr *laddr, uint16_t lport,
		       const struct in6_addr *faddr, uint16_t fport);

/* A keyed mix of 64 bits: two rounds of a multiply-xorshift finaliser.
 * Like Linux (which uses jhash for the tables, keeping SipHash for ISNs
 * and ports), the tables need only a secret an attacker cannot see, not
 * a cryptographic hash. */
static inline uint64_t inet_hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Whether skc is in the established table under IPv6's hash: an AF_INET6
 * connection whose peer is not v4-mapped (Linux's sk_ehashfn choice). */
static inline bool skc_ehash_v6(const struct sock_common *skc)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	return skc->skc_family == AF_INET6 &&
	       memcmp(skc->skc_v6_daddr.s6_addr, mapped, sizeof(mapped)) != 0;
}
/* The address a bound socket takes IPv4 on: its own (AF_INET), the
 * wildcard or the v4-mapped one (AF_INET6 without IPV6_V6ONLY), in
 * *addr; false when it takes no IPv4. */
bool skc_v4_view(const struct sock_common *skc, uint32_t *addr);
/* The address an AF_INET6 socket takes IPv6 on (not a v4-mapped one);
 * false for an AF_INET socket or a v4-mapped bind. */
bool skc_v6_view(const struct sock_common *skc, const struct in6_addr **addr);

/* Binds sk to local port snum (host order) with Linux's conflict rules
 * (SO_REUSEADDR, SO_REUSEPORT, wildcard against specific addresses,
 * sockets in TIME_WAIT); snum 0 picks a free port in
 * net.ipv4.ip_local_port_range, odd ones first as Linux's bind(0) does.
 * 0, -EADDRINUSE or -ENOMEM. */
int inet_csk_get_port(struct inet_hashinfo *h, struct sock *sk, uint16_t snum);
/* Adds skc to bucket tb's owners (time-wait sockets inherit a bucket). */
void inet_bind_hash(struct sock_common *skc, struct inet_bind_bucket *tb);
/* Removes skc from its bind bucket, freeing the bucket when it empties. */
void inet_put_port(struct inet_hashinfo *h, struct sock_common *skc);

/* For connect(): chooses a local port (RFC 6056 algorithm 4, stepping by
 * two from a keyed-hash offset as Linux does) that makes the 4-tuple
 * unique, binds to it and inserts sk in the established table. If sk is
 * already bound it only checks uniqueness. 0, -EADDRNOTAVAIL (every port
 * in use: what Linux returns) or -ENOMEM. */
int inet_hash_connect(struct inet_hashinfo *h, struct sock *sk);

/* Established table. */
/* The link tag's low bit: the socket it leads to has a successor. */
#define INET_EHASH_MORE 1u
/* The socket for hash in the established table that match() accepts,
 * or NULL: reads only the sockets whose tag matches and those with a
 * successor. */
static inline struct sock_common *
inet_ehash_find(const struct inet_hashinfo *h, uint32_t hash,
		bool (*match)(const struct sock_common *skc, const void *arg), const void *arg)
{
	const struct inet_ehash_slot *slot = &h->ehash[hash & h->ehash_mask];
	struct sock_common *skc = slot->first;
	uint32_t tag = slot->tag;

	while (skc) {
		if (((tag ^ hash) & ~INET_EHASH_MORE) == 0 && skc->skc_hash == hash &&
		    match(skc, arg))
			return skc;
		if (!(tag & INET_EHASH_MORE))
			break;
		tag = skc->skc_node_next_tag;
		skc = skc->skc_node_next;
	}
	return NULL;
}
int inet_ehash_insert(struct inet_hashinfo *h, struct sock_common *skc);
void inet_ehash_remove(struct inet_hashinfo *h, struct sock_common *skc);
/* The connection for a segment from faddr:fport to laddr:lport, or NULL.
 * O(1) expected. */
struct sock_common *inet_lookup_established(struct inet_hashinfo *h, uint32_t faddr, uint16_t fport,
					    uint32_t laddr, uint16_t lport);

/* The same for IPv6 (src/ipv6/inet6_hashtables.c): only AF_INET6
 * connections that are not v4-mapped. */
struct sock_common *inet6_lookup_established(struct inet_hashinfo *h, const struct in6_addr *faddr,
					     uint16_t fport, const struct in6_addr *laddr,
					     uint16_t lport);
/* Listening table. */
int inet_lhash_insert(struct inet_hashinfo *h, struct sock *sk);
void inet_lhash_remove(struct sock *sk);
/* The listening socket for a segment to laddr:lport: a socket bound to
 * laddr beats one bound to the wildcard; among SO_REUSEPORT peers one is
 * chosen by the 4-tuple hash, so a connection always lands on the same
 * one. NULL if none. */
struct sock *inet_lookup_listener(struct inet_hashinfo *h, uint32_t faddr, uint16_t fport,
				  uint32_t laddr, uint16_t lport, int dif);
/* A listener's fit for a segment that arrived on device dif: 1 unbound,
 * 2 bound to dif, 0 bound to another (SO_BINDTODEVICE). */
int inet_listener_dev_score(const struct sock_common *skc, int dif);
/* The walk both share: the listener on lport that score (> 0: fits,
 * higher: better) likes best, a SO_REUSEPORT group's member chosen by
 * tuple_hash. */
struct sock *inet_lhash_lookup(struct inet_hashinfo *h, uint16_t lport, uint32_t tuple_hash,
			       int (*score)(const struct sock_common *skc, const void *arg),
			       const void *arg);
/* The IPv6 listener for a segment to laddr:lport: AF_INET6 listeners
 * only, bound to laddr before the wildcard, SO_REUSEPORT groups as
 * above. */
struct sock *inet6_lookup_listener(struct inet_hashinfo *h, const struct in6_addr *faddr,
				   uint16_t fport, const struct in6_addr *laddr, uint16_t lport,
				   int dif);
/* The chain of the listening table holding port lport (for protocols with
 * their own matching rules, such as UDP). */
static inline struct sock_common *inet_lhash_chain(const struct inet_hashinfo *h, uint16_t lport)
{
	return h->lhash[lport & h->lhash_mask];
}

#endif
