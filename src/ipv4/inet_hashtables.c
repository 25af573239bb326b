/* The bind, established and listening tables (Linux's
 * net/ipv4/inet_hashtables.c and the port half of inet_connection_sock.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "net/fault.h"
#include "net/ipv6.h"
#include "net/siphash.h"
#include "net/stack.h"
#include "net/tcp.h"

#define EHASH_INITIAL 256u
/* The bind table starts small and doubles with the ports in use, up to
 * one slot per port, where no chain is longer than one bucket: a busy
 * client holds a bucket on every port of the ephemeral range (28,232 by
 * default), and connect()'s port search looks one up per step. */
#define BHASH_INITIAL 4096u
#define BHASH_MAX 65536u
#define LHASH_SIZE 256u
/* Bind buckets come from chunks of this many, so that a busy client's
 * 28,232 buckets lie together (about a megabyte) instead of scattered
 * between its time-wait sockets: connect()'s port search reads one per
 * step, and a bucket on a page of its own costs a TLB miss as well as a
 * cache miss. Freed buckets are kept for reuse until the table goes. */
#define BUCKETS_PER_CHUNK 256u

struct inet_bind_bucket_chunk {
	struct inet_bind_bucket_chunk *next;
	struct inet_bind_bucket tb[BUCKETS_PER_CHUNK];
};

/* The established table's slots: a large table is asked to sit on huge
 * pages, since each new connection's lookups land on random slots of
 * it (16 bytes a slot: 32 MB with a million time-wait sockets). */
#define EHASH_HUGE_BYTES (2u << 20)

static struct inet_ehash_slot *ehash_alloc(uint32_t n)
{
	size_t bytes = (size_t)n * sizeof(struct inet_ehash_slot);
	void *p;

	if (bytes < EHASH_HUGE_BYTES)
		return ut_calloc(n, sizeof(struct inet_ehash_slot));
	if (fault_should_fail())
		return NULL;
	/* n is a power of two, so bytes is a multiple of the alignment. */
	p = aligned_alloc(EHASH_HUGE_BYTES, bytes);
	if (!p)
		return NULL;
	(void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only */
	memset(p, 0, bytes);
	return p;
}

int inet_hashinfo_init(struct inet_hashinfo *h, struct ut_stack *stack)
{
	memset(h, 0, sizeof(*h));
	h->stack = stack;
	h->ehash = ehash_alloc(EHASH_INITIAL);
	h->lhash = ut_calloc(LHASH_SIZE, sizeof(*h->lhash));
	h->bhash = ut_calloc(BHASH_INITIAL, sizeof(*h->bhash));
	if (!h->ehash || !h->lhash || !h->bhash) {
		inet_hashinfo_destroy(h);
		return -ENOMEM;
	}
	h->ehash_mask = EHASH_INITIAL - 1;
	h->lhash_mask = LHASH_SIZE - 1;
	h->bhash_mask = BHASH_INITIAL - 1;
	h->key[0] = prandom_u64(&stack->rng);
	h->key[1] = prandom_u64(&stack->rng);
	for (unsigned i = 0; i < ARRAY_SIZE(h->perturb); i++)
		h->perturb[i] = (uint16_t)prandom_u32(&stack->rng);
	return 0;
}

void inet_hashinfo_destroy(struct inet_hashinfo *h)
{
	while (h->bucket_chunks) {
		struct inet_bind_bucket_chunk *c = h->bucket_chunks;
		h->bucket_chunks = c->next;
		free(c);
	}
	h->bucket_free = NULL;
	free(h->ehash);
	free(h->lhash);
	free(h->bhash);
	h->ehash = NULL;
	h->lhash = NULL;
	h->bhash = NULL;
}

/* A keyed mix of the 4-tuple, computed for every arriving segment. Like
 * Linux (which uses jhash here, keeping SipHash for ISNs and ports), the
 * table needs only a secret an attacker cannot see, not a cryptographic
 * hash: two rounds of a 64-bit multiply-xorshift finaliser over the
 * words XORed with per-table random keys. */
uint32_t inet_ehashfn(const struct inet_hashinfo *h, uint32_t laddr, uint16_t lport, uint32_t faddr,
		      uint16_t fport)
{
	uint64_t a = (((uint64_t)laddr << 32) | faddr) ^ h->key[0];
	uint64_t b = ((((uint64_t)lport << 16) | fport) ^ h->key[1]);
	return (uint32_t)(inet_hash_mix64(a + inet_hash_mix64(b)) >> 16);
}

/* ---- chains ----------------------------------------------------------------*/

static void chain_add(struct sock_common **head, struct sock_common *skc)
{
	skc->skc_node_next = *head;
	if (*head)
		(*head)->skc_node_pprev = &skc->skc_node_next;
	*head = skc;
	skc->skc_node_pprev = head;
}

static void chain_del(struct sock_common *skc)
{
	if (!skc->skc_node_pprev)
		return;
	*skc->skc_node_pprev = skc->skc_node_next;
	if (skc->skc_node_next)
		skc->skc_node_next->skc_node_pprev = skc->skc_node_pprev;
	skc->skc_node_next = NULL;
	skc->skc_node_pprev = NULL;
}

/* ---- established table -------------------------------------------------------*/

/* Puts skc first in slot: reads no other socket (the old first one's tag
 * moves into skc's own link). */
static void ehash_push(struct inet_ehash_slot *slot, struct sock_common *skc)
{
	skc->skc_node_next = slot->first;
	skc->skc_node_next_tag = slot->tag;
	slot->first = skc;
	slot->tag = (skc->skc_hash & ~INET_EHASH_MORE) | (skc->skc_node_next ? INET_EHASH_MORE : 0);
	/* Singly linked: pprev only marks the socket as hashed. */
	skc->skc_node_pprev = &skc->skc_node_next;
}

/* Doubles the table: O(n) once per doubling, O(1) amortised per insert.
 * Each chain is walked from its end so that it keeps its order (newest
 * first) in the new table. */
static void ehash_grow(struct inet_hashinfo *h)
{
	uint32_t nsize = (h->ehash_mask + 1) * 2;
	struct inet_ehash_slot *nt = ehash_alloc(nsize);

	if (!nt)
		return; /* keep the old table: longer chains, still correct */
	for (uint32_t i = 0; i <= h->ehash_mask; i++) {
		struct sock_common *rev = NULL, *skc = h->ehash[i].first, *next;
		/* Reverse the chain through skc_node_next, then push each. */
		for (; skc; skc = next) {
			next = skc->skc_node_next;
			skc->skc_node_next = rev;
			rev = skc;
		}
		for (skc = rev; skc; skc = next) {
			next = skc->skc_node_next;
			ehash_push(&nt[skc->skc_hash & (nsize - 1)], skc);
		}
	}
	free(h->ehash);
	h->ehash = nt;
	h->ehash_mask = nsize - 1;
}

int inet_ehash_insert(struct inet_hashinfo *h, struct sock_common *skc)
{
	/* At most one entry per two slots: a lookup that misses (a new
	 * connection's, in connect() and for its SYN) then reads a socket
	 * only in the tenth of slots that hold two or more. */
	if (h->ehash_count >= (h->ehash_mask + 1) / 2)
		ehash_grow(h);
	/* An IPv6 connection is found by IPv6's lookup, under IPv6's hash;
	 * one of an AF_INET6 socket to a v4-mapped peer by IPv4's (Linux's
	 * sk_ehashfn). */
	if (skc_ehash_v6(skc))
		skc->skc_hash = inet6_ehashfn(h, &skc->skc_v6_rcv_saddr, skc->skc_num,
					      &skc->skc_v6_daddr, skc->skc_dport);
	else
		skc->skc_hash = inet_ehashfn(h, skc->skc_rcv_saddr, skc->skc_num, skc->skc_daddr,
					     skc->skc_dport);
	ehash_push(&h->ehash[skc->skc_hash & h->ehash_mask], skc);
	h->ehash_count++;
	return 0;
}

/* Unlinks skc, walking its chain from the start: a new connection is
 * first or near it, so removing it reads no TIME_WAIT socket; the
 * predecessor's incoming tag loses its "more" bit when skc was last. */
void inet_ehash_remove(struct inet_hashinfo *h, struct sock_common *skc)
{
	struct inet_ehash_slot *slot;
	struct sock_common **pp;
	uint32_t *ptag, *prev_tag = NULL;

	if (!skc->skc_node_pprev)
		return;
	slot = &h->ehash[skc->skc_hash & h->ehash_mask];
	pp = &slot->first;
	ptag = &slot->tag;
	while (*pp != skc) {
		prev_tag = ptag;
		ptag = &(*pp)->skc_node_next_tag;
		pp = &(*pp)->skc_node_next;
	}
	*pp = skc->skc_node_next;
	*ptag = skc->skc_node_next_tag;
	if (!*pp && prev_tag)
		*prev_tag &= ~INET_EHASH_MORE;
	skc->skc_node_next = NULL;
	skc->skc_node_next_tag = 0;
	skc->skc_node_pprev = NULL;
	h->ehash_count--;
}

struct v4_tuple {
	uint32_t faddr, laddr;
	uint16_t fport, lport;
};

static bool v4_tuple_match(const struct sock_common *skc, const void *arg)
{
	const struct v4_tuple *t = arg;

	return skc->skc_daddr == t->faddr && skc->skc_dport == t->fport &&
	       skc->skc_num == t->lport && skc->skc_rcv_saddr == t->laddr && !skc_ehash_v6(skc);
}

struct sock_common *inet_lookup_established(struct inet_hashinfo *h, uint32_t faddr, uint16_t fport,
					    uint32_t laddr, uint16_t lport)
{
	struct v4_tuple t = {.faddr = faddr, .laddr = laddr, .fport = fport, .lport = lport};

	return inet_ehash_find(h, inet_ehashfn(h, laddr, lport, faddr, fport), v4_tuple_match, &t);
}

/* ---- listening table ----------------------------------------------------------*/

int inet_lhash_insert(struct inet_hashinfo *h, struct sock *sk)
{
	chain_add(&h->lhash[sk->sk_num & h->lhash_mask], &sk->__sk_common);
	return 0;
}

void inet_lhash_remove(struct sock *sk)
{
	if (!sk->__sk_common.skc_node_pprev)
		return;
	chain_del(&sk->__sk_common);
}

struct sock *inet_lhash_lookup(struct inet_hashinfo *h, uint16_t lport, uint32_t tuple_hash,
			       int (*score)(const struct sock_common *skc, const void *arg),
			       const void *arg)
{
	struct sock *best = NULL;
	int best_score = 0;
	unsigned matches = 0;
	uint32_t phash = tuple_hash | 1;

	for (struct sock_common *skc = h->lhash[lport & h->lhash_mask]; skc;
	     skc = skc->skc_node_next) {
		struct sock *sk = container_of(skc, struct sock, __sk_common);
		int sc;

		if (skc->skc_num != lport || skc->skc_state != TCP_LISTEN)
			continue;
		sc = score(skc, arg);
		if (sc <= 0)
			continue;
		if (sc > best_score) {
			best = sk;
			best_score = sc;
			matches = 1;
		} else if (sc == best_score && sk->sk_reuseport && best->sk_reuseport) {
			/* SO_REUSEPORT group: pick by 4-tuple hash, stable
			 * for a given connection (reservoir choice keyed by
			 * the hash, so each member gets its share). */
			matches++;
			if ((phash % matches) == 0)
				best = sk;
			phash = phash * 2654435761u + 1;
		}
	}
	return best;
}

int inet_listener_dev_score(const struct sock_common *skc, int dif)
{
	if (!skc->skc_bound_dev_if)
		return 1;
	return skc->skc_bound_dev_if == dif ? 2 : 0;
}

struct inet_listener_key {
	uint32_t laddr;
	int dif;
};

/* How well a listener fits an IPv4 segment to laddr arriving on device
 * dif (0: not at all). A listener bound to another device takes none;
 * then a bound address beats the wildcard, an AF_INET listener an
 * AF_INET6 one (which takes IPv4 too unless IPV6_V6ONLY, RFC 3493 5.3),
 * and one bound to the device an unbound one (Linux's compute_score). */
static int inet_listener_score(const struct sock_common *skc, const void *arg)
{
	const struct inet_listener_key *k = arg;
	int dev = inet_listener_dev_score(skc, k->dif), fam = skc->skc_family == AF_INET;
	uint32_t bound;

	if (!dev || !skc_v4_view(skc, &bound))
		return 0;
	if (bound == k->laddr)
		return 8 + 2 * fam + dev;
	if (bound == 0)
		return 4 + 2 * fam + dev;
	return 0;
}

struct sock *inet_lookup_listener(struct inet_hashinfo *h, uint32_t faddr, uint16_t fport,
				  uint32_t laddr, uint16_t lport, int dif)
{
	struct inet_listener_key k = {laddr, dif};

	return inet_lhash_lookup(h, lport, inet_ehashfn(h, laddr, lport, faddr, fport),
				 inet_listener_score, &k);
}

/* ---- the bind table -------------------------------------------------------------*/

static struct inet_bind_bucket **bhash_slot(struct inet_hashinfo *h, uint16_t port)
{
	return &h->bhash[port & h->bhash_mask];
}

static struct inet_bind_bucket *bucket_find(struct inet_hashinfo *h, uint16_t port)
{
	for (struct inet_bind_bucket *tb = *bhash_slot(h, port); tb; tb = tb->next)
		if (tb->port == port)
			return tb;
	return NULL;
}

/* Doubles the bind table (at most BHASH_MAX slots). */
static void bhash_grow(struct inet_hashinfo *h)
{
	uint32_t nsize = (h->bhash_mask + 1) * 2;
	struct inet_bind_bucket **nt = ut_calloc(nsize, sizeof(*nt));

	if (!nt)
		return; /* keep the old table: longer chains, still correct */
	for (uint32_t i = 0; i <= h->bhash_mask; i++) {
		struct inet_bind_bucket *tb = h->bhash[i], *next;
		for (; tb; tb = next) {
			next = tb->next;
			tb->next = nt[tb->port & (nsize - 1)];
			nt[tb->port & (nsize - 1)] = tb;
		}
	}
	free(h->bhash);
	h->bhash = nt;
	h->bhash_mask = nsize - 1;
}

static struct inet_bind_bucket *bucket_create(struct inet_hashinfo *h, uint16_t port)
{
	struct inet_bind_bucket *tb;

	if (h->bhash_count >= h->bhash_mask + 1 && h->bhash_mask + 1 < BHASH_MAX)
		bhash_grow(h);
	if (!h->bucket_free) {
		struct inet_bind_bucket_chunk *c = ut_calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->next = h->bucket_chunks;
		h->bucket_chunks = c;
		for (unsigned i = BUCKETS_PER_CHUNK; i-- > 0;) {
			c->tb[i].next = h->bucket_free;
			h->bucket_free = &c->tb[i];
		}
	}
	tb = h->bucket_free;
	h->bucket_free = tb->next;
	memset(tb, 0, sizeof(*tb));
	tb->port = port;
	tb->next = *bhash_slot(h, port);
	*bhash_slot(h, port) = tb;
	h->bhash_count++;
	return tb;
}

static void bucket_destroy(struct inet_hashinfo *h, struct inet_bind_bucket *tb)
{
	struct inet_bind_bucket **pp = bhash_slot(h, tb->port);

	while (*pp != tb)
		pp = &(*pp)->next;
	*pp = tb->next;
	h->bhash_count--;
	tb->next = h->bucket_free;
	h->bucket_free = tb;
}

void inet_bind_hash(struct sock_common *skc, struct inet_bind_bucket *tb)
{
	/* Time-wait sockets on a list of their own: binding and unbinding
	 * a live socket then touches only the port's other live sockets,
	 * not the (cold) time-wait ones a busy port gathers. */
	struct sock_common **head = skc->skc_state == TCP_TIME_WAIT ? &tb->tw_owners : &tb->owners;

	skc->skc_tb = tb;
	skc->skc_num = tb->port;
	skc->skc_bind_next = *head;
	if (*head)
		(*head)->skc_bind_pprev = &skc->skc_bind_next;
	*head = skc;
	skc->skc_bind_pprev = head;
}

void inet_put_port(struct inet_hashinfo *h, struct sock_common *skc)
{
	struct inet_bind_bucket *tb = skc->skc_tb;

	if (!tb)
		return;
	*skc->skc_bind_pprev = skc->skc_bind_next;
	if (skc->skc_bind_next)
		skc->skc_bind_next->skc_bind_pprev = skc->skc_bind_pprev;
	skc->skc_bind_next = NULL;
	skc->skc_bind_pprev = NULL;
	skc->skc_tb = NULL;
	if (!tb->owners && !tb->tw_owners)
		bucket_destroy(h, tb);
}

bool skc_v4_view(const struct sock_common *skc, uint32_t *addr)
{
	if (skc->skc_family != AF_INET6) {
		*addr = skc->skc_rcv_saddr;
		return true;
	}
	if (skc->skc_ipv6only)
		return false;
	if (ipv6_addr_any(&skc->skc_v6_rcv_saddr)) {
		*addr = 0;
		return true;
	}
	if (ipv6_addr_v4mapped(&skc->skc_v6_rcv_saddr)) {
		*addr = ipv6_addr_v4(&skc->skc_v6_rcv_saddr);
		return true;
	}
	return false;
}

bool skc_v6_view(const struct sock_common *skc, const struct in6_addr **addr)
{
	if (skc->skc_family != AF_INET6 || ipv6_addr_v4mapped(&skc->skc_v6_rcv_saddr))
		return false;
	*addr = &skc->skc_v6_rcv_saddr;
	return true;
}

/* Do the bound addresses of a and b overlap? Each is looked at as the
 * IPv4 it takes and the IPv6 it takes; they overlap where both take a
 * family and, in it, bind the same address or either the wildcard. This
 * gives Linux's answers (inet_rcv_saddr_equal and ipv6_rcv_saddr_equal
 * with match_wildcard) for every pair of AF_INET and AF_INET6 sockets,
 * IPV6_V6ONLY and v4-mapped addresses included: an AF_INET6 wildcard
 * without V6ONLY conflicts with any IPv4 bind of its port, a v4-mapped
 * bind only with IPv4 ones, an IPv6 address never with IPv4. */
static bool rcv_saddr_overlap(const struct sock_common *a, const struct sock_common *b)
{
	const struct in6_addr *a6, *b6;
	uint32_t a4, b4;

	if (skc_v4_view(a, &a4) && skc_v4_view(b, &b4) && (a4 == b4 || a4 == 0 || b4 == 0))
		return true;
	return skc_v6_view(a, &a6) && skc_v6_view(b, &b6) &&
	       (ipv6_addr_equal(a6, b6) || ipv6_addr_any(a6) || ipv6_addr_any(b6));
}

/* Linux's inet_bind_conflict for an explicit bind (relax = true): two
 * sockets may share a port when
 *  - both set SO_REUSEADDR and the existing one is not listening, or
 *  - both set SO_REUSEPORT (one user here, so the uid check always holds),
 * or when their bound addresses do not overlap. */
static bool inet_bind_conflict(const struct sock *sk, const struct inet_bind_bucket *tb, bool relax)
{
	const struct sock_common *sk2 = tb->owners;

	/* TCP_REPAIR restores a connection onto the port it had */
	if (sk->sk_reuse == SK_FORCE_REUSE)
		return false;

	for (int tw = 0; tw < 2; tw++, sk2 = tb->tw_owners)
		for (; sk2; sk2 = sk2->skc_bind_next) {
			if (sk2 == &sk->__sk_common)
				continue;
			if (!rcv_saddr_overlap(&sk->__sk_common, sk2))
				continue;
			if (sk->sk_reuse && sk2->skc_reuse && sk2->skc_state != TCP_LISTEN) {
				if (!relax)
					return true;
				continue;
			}
			if (sk->sk_reuseport && sk2->skc_reuseport)
				continue;
			return true;
		}
	return false;
}

int inet_csk_get_port(struct inet_hashinfo *h, struct sock *sk, uint16_t snum)
{
	struct ut_stack *stack = h->stack;
	struct inet_bind_bucket *tb;

	/* Already bound (listen after bind): only re-check the rules, since
	 * a listener may not share what a bound socket could. */
	if (sk->__sk_common.skc_tb)
		return inet_bind_conflict(sk, sk->__sk_common.skc_tb, true) ? -EADDRINUSE : 0;
	if (snum == 0) {
		/* bind(0): Linux's inet_csk_find_open_port searches the range
		 * from a random offset, odd ports first (even ones are left
		 * for connect()), then the other parity. */
		uint32_t low = (uint32_t)stack->sysctl.ip_local_port_range[0];
		uint32_t high = (uint32_t)stack->sysctl.ip_local_port_range[1];
		uint32_t remaining = high >= low ? high - low + 1 : 1;
		uint32_t offset = prandom_u32(&stack->rng) % remaining;
		for (int parity = 1; parity >= 0 && !snum; parity--) {
			for (uint32_t i = 0; i < remaining; i++) {
				uint32_t port = low + (offset + i) % remaining;
				if ((port & 1) != (uint32_t)parity)
					continue;
				tb = bucket_find(h, (uint16_t)port);
				if (!tb || !inet_bind_conflict(sk, tb, false)) {
					snum = (uint16_t)port;
					break;
				}
			}
		}
		if (!snum)
			return -EADDRINUSE;
	}
	tb = bucket_find(h, snum);
	if (tb) {
		/* The same rules whoever holds it, connect()ed sockets too. */
		if (inet_bind_conflict(sk, tb, true))
			return -EADDRINUSE;
	} else {
		tb = bucket_create(h, snum);
		if (!tb)
			return -ENOMEM;
	}
	tb->fastreuse = 0;
	inet_bind_hash(&sk->__sk_common, tb);
	return 0;
}

/* Can sk, bound to lport, connect to its destination without duplicating
 * a 4-tuple? A time-wait socket holding the tuple may be taken over when
 * net.ipv4.tcp_tw_reuse allows (2: loopback only) and its timestamps
 * guarantee old duplicates are rejected (Linux's tcp_twsk_unique). */
static bool inet_tuple_unique(struct inet_hashinfo *h, const struct sock *sk, uint16_t lport,
			      struct inet_timewait_sock **twp)
{
	bool v6 = skc_ehash_v6(&sk->__sk_common);
	struct sock_common *skc = v6 ? inet6_lookup_established(h, &sk->sk_v6_daddr, sk->sk_dport,
								&sk->sk_v6_rcv_saddr, lport)
				     : inet_lookup_established(h, sk->sk_daddr, sk->sk_dport,
							       sk->sk_rcv_saddr, lport);

	*twp = NULL;
	if (!skc)
		return true;
	if (skc->skc_state == TCP_TIME_WAIT) {
		struct inet_timewait_sock *tw = (struct inet_timewait_sock *)skc;
		long reuse = h->stack->sysctl.tcp_tw_reuse;
		bool loopback = v6 ? ipv6_addr_loopback(&sk->sk_v6_daddr)
				   : (ntohl(sk->sk_daddr) >> 24) == 127;
		if (tw->tw_ts_recent_stamp && (reuse == 1 || (reuse == 2 && loopback)) &&
		    stack_now(h->stack) / NSEC_PER_SEC > tw->tw_ts_recent_stamp) {
			*twp = tw;
			return true;
		}
	}
	return false;
}

/* RFC 6056 F(local address, remote address, remote port) with a secret
 * key, for the family the connection speaks (Linux's inet_sk_port_offset
 * and inet6_sk_port_offset). */
static uint64_t inet_sk_port_offset(const struct sock *sk, const uint64_t key[2])
{
	struct {
		struct in6_addr saddr, daddr;
		uint32_t dport;
	} v6;

	if (!skc_ehash_v6(&sk->__sk_common))
		return siphash_4u32(sk->sk_rcv_saddr, sk->sk_daddr, sk->sk_dport, 0, key);
	memset(&v6, 0, sizeof(v6));
	v6.saddr = sk->sk_v6_rcv_saddr;
	v6.daddr = sk->sk_v6_daddr;
	v6.dport = sk->sk_dport;
	return siphash(&v6, sizeof(v6), key);
}

int inet_hash_connect(struct inet_hashinfo *h, struct sock *sk)
{
	struct ut_stack *stack = h->stack;
	struct inet_timewait_sock *tw = NULL;
	struct inet_bind_bucket *tb;

	if (sk->sk_num) {
		/* Bound by bind(): the port is fixed; the tuple must be free. */
		if (!inet_tuple_unique(h, sk, sk->sk_num, &tw))
			return -EADDRNOTAVAIL;
		if (tw) {
			NET_INC_STATS(stack, LINUX_MIB_TIMEWAITRECYCLED);
			inet_twsk_kill(tw, "its 4-tuple reused by a new connection");
		}
		return inet_ehash_insert(h, &sk->__sk_common);
	}

	/* RFC 6056 algorithm 4, as Linux's __inet_hash_connect: the offset is
	 * a keyed hash of the destination plus a per-bucket perturbation that
	 * advances with each connection, so the sequence of ports one
	 * destination sees is unpredictable but ports are not reused
	 * immediately. Even ports first, stepping by two. */
	uint32_t low = (uint32_t)stack->sysctl.ip_local_port_range[0];
	uint32_t high = (uint32_t)stack->sysctl.ip_local_port_range[1];
	uint32_t remaining = high >= low ? high - low + 1 : 1;
	uint64_t fhash = inet_sk_port_offset(sk, stack->port_key);
	uint32_t index = (uint32_t)(fhash >> 32) & (ARRAY_SIZE(h->perturb) - 1);
	uint32_t offset = ((uint32_t)fhash + h->perturb[index]) % remaining;
	offset &= ~1u;

	for (uint32_t parity = 0; parity < 2; parity++) {
		for (uint32_t i = 0; i < remaining; i += 2) {
			uint32_t port = low + (offset + i + parity) % remaining;
			h->connect_port_tries++;
			tb = bucket_find(h, (uint16_t)port);
			if (tb) {
				/* A port bound by bind() is never shared by
				 * connect()'s search; one made by connect() may
				 * be, if the 4-tuple differs. */
				if (tb->fastreuse >= 0)
					continue;
				if (!inet_tuple_unique(h, sk, (uint16_t)port, &tw))
					continue;
			} else {
				tb = bucket_create(h, (uint16_t)port);
				if (!tb)
					return -ENOMEM;
				tb->fastreuse = -1;
			}
			h->perturb[index] = (uint16_t)(h->perturb[index] + i + 2);
			/* Bound before the time-wait socket goes: were it the
			 * bucket's last owner, killing it first would free
			 * the bucket under the new socket. */
			inet_bind_hash(&sk->__sk_common, tb);
			if (tw) {
				NET_INC_STATS(stack, LINUX_MIB_TIMEWAITRECYCLED);
				inet_twsk_kill(tw, "its 4-tuple reused by a new connection");
			}
			return inet_ehash_insert(h, &sk->__sk_common);
		}
	}
	return -EADDRNOTAVAIL;
}
