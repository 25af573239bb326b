/* usertcp-soak: a deterministic soak of the TCP stack in the simulator.
 *
 * From a seed, it builds a world of 2 to 4 hosts joined in a full mesh of
 * links and runs a random workload: many connections opening and closing
 * (non-blocking calls, readiness from epoll), random transfer sizes,
 * shutdowns (SHUT_WR, SHUT_RD, SHUT_RDWR), aborts (SO_LINGER {1, 0}),
 * lingering closes, small socket buffers, keepalive; and impairments that
 * change mid-run: delay, jitter, loss, duplication, reordering, corruption
 * (which the checksum catches), rate, queue limits, ECN marking (netem's
 * ecn and a queue-length step marker, half the hosts asking for ECN), link
 * flaps, partitions of a host, and corruption with the checksums fixed up
 * (which TCP cannot catch: see vcorrupt_rx for which fields that may touch
 * and why). Half the worlds are dual-stack: IPv6 on every host (link-local
 * addresses with DAD, router solicitation, Neighbour Discovery beside ARP)
 * and an IPv6 prefix on every link, with ICMPv6 echoes of random sizes
 * (fragmented past the MTU) between the hosts; their listeners are
 * dual-stack AF_INET6 sockets, and each connection goes over IPv6, over
 * IPv4 from an AF_INET socket, or over IPv4 from an AF_INET6 socket to a
 * v4-mapped address (the corruption past the checksums touches IPv4
 * segments only).
 *
 * Invariants, checked as the run goes (the first one broken stops the seed,
 * printed with the simulated time and the command that replays it):
 *  - data: every byte an application reads is the byte its peer wrote at
 *    that offset, never beyond what the peer wrote; end of file arrives only
 *    after the peer shut down writing, and only once every byte written was
 *    read (a connection closed cleanly delivered everything). Whatever else
 *    is lost must surface as an error: when the network heals and every
 *    application finishes, each connection must end in end of file or an
 *    error within a bounded time (no silent hang);
 *  - errno: a call fails only with an errno Linux gives in that situation;
 *  - states: every sock:inet_sock_set_state event is an edge of RFC 9293's
 *    diagram (with Linux's CLOSE for CLOSED, the child socket's CLOSE ->
 *    SYN_RECV and time-wait sockets' FIN_WAIT2 substate), and continues
 *    from the state the same connection was last reported in;
 *  - timers: no timer armed on a freed socket (sk_free's BUG_ON, which this
 *    program turns into a failing seed);
 *  - closing: once every descriptor is closed, every TCP object (full,
 *    request and time-wait sockets) is gone within 20 simulated minutes;
 *  - echo: every ICMPv6 echo reply carries the bytes its request carried, for
 *    a request that was sent; an error about one is of a kind the network
 *    can cause (the neighbour unreachable, reassembly timed out);
 *  - memory: every packet buffer is back in the pool at the end;
 *  - progress: a seed ends within SEED_WALL_LIMIT of real time (a livelock,
 *    such as two sockets trading ACKs for ever, is a failing seed with its
 *    replay line, not a run that never ends).
 *
 * Usage: usertcp-soak [--seed N | --seeds A-B] [--events N] [--quiet]
 *                     [--trace]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/addrconf.h"
#include "net/ipv6.h"
#include "net/netdevice.h"
#include "net/route.h"
#include "net/simnet.h"
#include "net/skbuff.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/wire.h"
#include "usertcp/socket.h"
#include "usertcp/trace.h"
#include "usertcp/usertcp.h"

#define MS ((uint64_t)1000000)
#define SEC ((uint64_t)1000000000)

#define MAX_HOSTS 4
#define MAX_LINKS 6
#define MAX_CONNS 4096 /* records kept per seed */
#define MAX_LIVE 40    /* connections open at once */
#define MAX_FDS 1024
#define NLISTEN 2
#define BASE_PORT 5000
#define ID_BYTES 8 /* the client's stream starts with the connection id */

/* How long the network gets to settle every connection once healed, and
 * how long the stacks get to free everything once the descriptors are
 * closed. The longest legitimate wait is a retransmission timeout of
 * tcp_retries2 (about 924.6 s from a 200 ms RTO) behind an RTO already
 * backed off to 120 s, or 8 orphan retries, plus 60 s of TIME_WAIT or of
 * tcp_fin_timeout: 20 minutes bound both with room to spare. */
#define DRAIN_LIMIT (30 * 60 * SEC)
#define CLOSE_LIMIT (20 * 60 * SEC)

/* ---- the workload's own random numbers (never the stacks') ------------*/

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* Uniform in [0, n). */
static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static uint64_t rnd_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static bool chance(struct rng *r, double p)
{
	return (double)(rnd(r) >> 11) * 0x1.0p-53 < p;
}

/* ---- the model of what the applications did ---------------------------*/

/* What an endpoint does once it has written everything it meant to. */
enum plan { PLAN_SHUT_WR, PLAN_CLOSE, PLAN_WAIT_EOF, PLAN_NMAX };

struct conn;

struct ep {
	int host, fd;	/* fd -1 once closed */
	struct conn *c; /* NULL: accepted, id not read yet */
	int side;	/* 0 client (writes stream 0), 1 server */
	uint64_t sent, to_send, rcvd;
	uint8_t idbuf[ID_BYTES]; /* server: the id as it arrives */
	enum plan plan;
	bool connecting, eof, shut_wr, shut_rd, closed, aborted, finishing;
	bool aborted_unhealed; /* aborted while the links could still lose its reset */
	bool want_out;	       /* EPOLLOUT registered */
	int err;	       /* first error a call reported */
	/* IPv6 addresses; an IPv4 connection's in their v4-mapped form,
	 * as a dual-stack socket names them */
	struct in6_addr laddr, raddr;
	uint16_t lport, rport;
};

struct conn {
	unsigned id;
	struct ep *ep[2]; /* client, server (NULL until accepted) */
	bool tainted;	  /* a segment of it was corrupted past the checksum */
};

struct host {
	struct ut_stack *stack;
	int epfd;
	int lfd[NLISTEN];
	int ufd; /* a UDP socket on UDP_PORT (dual-stack AF_INET6 in a dual-stack world) */
	uint32_t addr[MAX_HOSTS];	  /* addr[j]: this host's address on the link to j */
	struct in6_addr addr6[MAX_HOSTS]; /* the same in a dual-stack world */
	struct ep *by_fd[MAX_FDS];
};

struct link {
	struct ut_sim_link *l;
	int a, b;
	bool up;
	uint64_t up_at;	    /* when a flap ends; 0: not down */
	double vcorrupt[2]; /* valid-checksum corruption at side 0's, 1's receiver */
	int vside[2];	    /* rx handler context: which side */
};

struct soak {
	uint64_t seed;
	unsigned events;
	bool trace, quiet;
	struct rng r;  /* workload choices */
	struct rng vr; /* valid-checksum corruption choices */
	struct ut_sim *sim;
	unsigned nhosts, nlinks;
	struct host h[MAX_HOSTS];
	struct link links[MAX_LINKS];
	struct link *link_of[MAX_HOSTS][MAX_HOSTS];
	struct conn *conns[MAX_CONNS];
	unsigned nconns;
	struct ep **eps; /* every endpoint ever made, grown as needed */
	unsigned neps, eps_cap;
	bool healed;
	bool v6;		  /* a dual-stack world */
	uint64_t wall_start;	  /* real time the seed began, ns */
	unsigned steps;		  /* simulator steps since the clock was last read */
	uint16_t ping_len[65536]; /* payload bytes of each echo sequence sent */
	/* UDP datagrams: each one's length, sender, receiver and whether it
	 * went over IPv6 */
	uint16_t udp_len[65536];
	uint8_t udp_from[65536], udp_to[65536], udp_v6[65536];
	uint32_t udp_sent;
	uint64_t udp_rcvd, udp_send_errs;
	uint32_t pings_sent; /* sequence numbers used (wrapping at 65536) */
	uint64_t ping_replies, ping_errors;
	uint64_t blind; /* echoes and datagrams damaged past their checksum by the links */
	/* state continuity, per connection: (host, 4-tuple) -> last state */
	struct st_slot {
		uint64_t key;
		uint16_t sport;
		int state;
		bool used;
	} * st;
	unsigned st_cap, st_used;
	/* the first failure */
	bool failed;
	char why[512];
	uint64_t fail_t;
	/* figures for the summary */
	uint64_t bytes, opened, accepted, errors, vcorrupted, tainted, ghosts, eofs, aborts;
	uint64_t opened6, opened_mapped; /* of opened: over IPv6; AF_INET6 to v4-mapped */
	uint8_t buf[65536];
};

static struct soak *g_soak; /* for the abort handler and the rx handler */
static const char *g_argv0;

static void fail(struct soak *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct soak *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	s->fail_t = ut_sim_now(s->sim);
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
}

static void narrate(struct soak *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void narrate(struct soak *s, const char *fmt, ...)
{
	va_list ap;
	uint64_t t = ut_sim_now(s->sim);

	if (!s->trace)
		return;
	printf("soak %" PRIu64 ".%06" PRIu64 " ", t / SEC, (t % SEC) / 1000);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Byte off of stream dir of connection id: the client's stream begins with
 * the id (so the server learns which connection it accepted), the rest
 * comes from a keyed generator. */
static uint8_t gen_byte(uint64_t seed, unsigned id, int dir, uint64_t off)
{
	if (dir == 0 && off < ID_BYTES)
		return (uint8_t)((uint64_t)id >> (8 * off));
	uint64_t w = mix64(seed ^ ((uint64_t)id << 32) ^ ((uint64_t)dir << 63) ^ (off >> 3));
	return (uint8_t)(w >> (8 * (off & 7)));
}

static void gen_fill(struct soak *s, unsigned id, int dir, uint64_t off, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = gen_byte(s->seed, id, dir, off + i);
}

/* An address as text: dotted for an IPv4 (v4-mapped) one. */
static const char *addr_text(const struct in6_addr *a, char *buf, size_t n)
{
	if (IN6_IS_ADDR_V4MAPPED(a))
		inet_ntop(AF_INET, a->s6_addr + 12, buf, (socklen_t)n);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)n);
	return buf;
}

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static struct in6_addr addr_v4(uint32_t a)
{
	struct in6_addr m = {{{[10] = 0xff, [11] = 0xff}}};

	memcpy(m.s6_addr + 12, &a, 4);
	return m;
}

/* The address and port of a sockaddr of either family, IPv4 mapped. */
static struct in6_addr sa_addr(const struct sockaddr_storage *ss, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		*port = ntohs(sin->sin_port);
		return addr_v4(sin->sin_addr.s_addr);
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	*port = ntohs(sin6->sin6_port);
	return sin6->sin6_addr;
}

static const char *ep_name(const struct ep *e, char *buf, size_t n)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	snprintf(buf, n, "h%d fd %d (conn %u %s %s:%u > %s:%u)", e->host, e->fd,
		 e->c ? e->c->id : 0, e->side ? "server" : "client",
		 addr_text(&e->laddr, la, sizeof(la)), e->lport,
		 addr_text(&e->raddr, ra, sizeof(ra)), e->rport);
	return buf;
}

/* ---- state transitions --------------------------------------------------*/

/* The edges of RFC 9293's diagram (section 3.3.2), in Linux's names: CLOSE
 * is CLOSED; Linux's child socket is born CLOSE -> SYN_RECV from a request
 * socket (NEW_SYN_RECV, which reports no state events); a time-wait socket
 * carries FIN_WAIT2 after an orphan's FIN was acknowledged and ends it
 * after tcp_fin_timeout. Any state may go to CLOSE (reset, abort, timeout),
 * except that LISTEN and SYN_SENT go nowhere else either. */
static bool edge_allowed(int from, int to)
{
	if (to == TCP_CLOSE)
		return from != TCP_CLOSE;
	switch (from) {
	case TCP_CLOSE:
		return to == TCP_LISTEN || to == TCP_SYN_SENT || to == TCP_SYN_RECV;
	case TCP_LISTEN:
		return false;
	case TCP_SYN_SENT:
		/* simultaneous open goes through SYN_RECV */
		return to == TCP_ESTABLISHED || to == TCP_SYN_RECV;
	case TCP_SYN_RECV:
		return to == TCP_ESTABLISHED || to == TCP_FIN_WAIT1;
	case TCP_ESTABLISHED:
		return to == TCP_FIN_WAIT1 || to == TCP_CLOSE_WAIT;
	case TCP_FIN_WAIT1:
		/* FIN_WAIT1 -> TIME_WAIT: our FIN acknowledged by the peer's FIN */
		return to == TCP_FIN_WAIT2 || to == TCP_CLOSING || to == TCP_TIME_WAIT;
	case TCP_FIN_WAIT2:
		return to == TCP_TIME_WAIT;
	case TCP_CLOSING:
		return to == TCP_TIME_WAIT;
	case TCP_CLOSE_WAIT:
		return to == TCP_LAST_ACK;
	default:
		/* LAST_ACK and TIME_WAIT end only in CLOSE */
		return false;
	}
}

/* 32 bits of an event's address for st_key: an IPv4 one itself (a
 * v4-mapped one's IPv4 part, the same connection as an AF_INET6 socket
 * reports it), an IPv6 one folded. */
static uint32_t ev_addr32(struct ut_ip a)
{
	uint32_t w[4];

	if (a.family != AF_INET6)
		return a.u.v4.s_addr;
	memcpy(w, &a.u.v6, sizeof(w));
	if (IN6_IS_ADDR_V4MAPPED(&a.u.v6))
		return w[3];
	return (w[0] * 0x9e3779b1u) ^ (w[1] * 0x85ebca6bu) ^ (w[2] * 0xc2b2ae35u) ^ w[3];
}

static uint64_t st_key(int host, uint32_t saddr, uint32_t daddr, uint16_t dport)
{
	return (uint64_t)host << 62 ^ (uint64_t)saddr << 24 ^ (uint64_t)daddr ^
	       (uint64_t)dport << 40;
}

static struct st_slot *st_find(struct soak *s, uint64_t key, uint16_t sport, bool add)
{
	if (add && (s->st_used + 1) * 2 > s->st_cap) {
		struct st_slot *old = s->st;
		unsigned oc = s->st_cap;
		s->st_cap = oc ? oc * 2 : 256;
		s->st = calloc(s->st_cap, sizeof(*s->st));
		if (!s->st)
			abort();
		s->st_used = 0;
		for (unsigned i = 0; i < oc; i++)
			if (old[i].used) {
				struct st_slot *n = st_find(s, old[i].key, old[i].sport, true);
				n->state = old[i].state;
			}
		free(old);
	}
	if (!s->st_cap)
		return NULL;
	unsigned i = (unsigned)(mix64(key ^ sport) & (s->st_cap - 1));
	for (;; i = (i + 1) & (s->st_cap - 1)) {
		struct st_slot *e = &s->st[i];
		if (!e->used) {
			if (!add)
				return NULL;
			e->used = true;
			e->key = key;
			e->sport = sport;
			e->state = TCP_CLOSE;
			s->st_used++;
			return e;
		}
		if (e->key == key && e->sport == sport)
			return e;
	}
}

/* Open addressing with deletion by re-inserting the rest of the cluster. */
static void st_del(struct soak *s, struct st_slot *e)
{
	unsigned i = (unsigned)(e - s->st);
	e->used = false;
	s->st_used--;
	for (i = (i + 1) & (s->st_cap - 1); s->st[i].used; i = (i + 1) & (s->st_cap - 1)) {
		struct st_slot t = s->st[i];
		s->st[i].used = false;
		s->st_used--;
		struct st_slot *n = st_find(s, t.key, t.sport, true);
		n->state = t.state;
	}
}

static int host_of_stack(const char *name)
{
	return name[1] - '0';
}

static void on_state(struct soak *s, const struct ut_trace_event *ev)
{
	int host = host_of_stack(ev->stack_name);
	const char *o = ut_tcp_state_name(ev->oldstate), *n = ut_tcp_state_name(ev->newstate);

	if (!edge_allowed(ev->oldstate, ev->newstate)) {
		fail(s, "state: h%d port %u: %s -> %s is not an edge of RFC 9293's diagram", host,
		     ev->sport, o, n);
		return;
	}
	/* A connect reports SYN_SENT before it chooses its port (Linux's
	 * tcp_v4_connect does the same), so a connection is known by its
	 * port only from its next event on. */
	if (ev->sport == 0)
		return;
	uint64_t key = st_key(host, ev_addr32(ev->saddr), ev_addr32(ev->daddr), ev->dport);
	struct st_slot *e = st_find(s, key, ev->sport, false);
	int last = e ? e->state : TCP_CLOSE;
	if (last != ev->oldstate && !(ev->oldstate == TCP_SYN_SENT && !e)) {
		fail(s, "state: h%d port %u -> %u: reported %s -> %s, but its last state was %s",
		     host, ev->sport, ev->dport, o, n, ut_tcp_state_name(last));
		return;
	}
	if (ev->newstate == TCP_CLOSE) {
		if (e)
			st_del(s, e);
	} else {
		if (!e)
			e = st_find(s, key, ev->sport, true);
		e->state = ev->newstate;
	}
}

static void on_trace(const struct ut_trace_event *ev, void *arg)
{
	struct soak *s = arg;

	if (s->trace) {
		char line[1024];
		ut_trace_format_text(ev, line, sizeof(line));
		printf("%s\n", line);
	}
	if (ev->type == UT_TP_INET_SOCK_SET_STATE)
		on_state(s, ev);
	else if (ev->type == UT_TP_TCP_DESTROY_SOCK && ev->newstate != TCP_CLOSE)
		fail(s, "state: h%d port %u destroyed in %s", host_of_stack(ev->stack_name),
		     ev->sport, ut_tcp_state_name(ev->newstate));
}

/* ---- corruption that the checksum cannot see ----------------------------*/

static bool tuple_is(const struct ep *e, const struct in6_addr *a, uint16_t ap,
		     const struct in6_addr *b, uint16_t bp)
{
	return addr_eq(&e->laddr, a) && e->lport == ap && addr_eq(&e->raddr, b) && e->rport == bp;
}

static struct conn *conn_by_tuple(struct soak *s, const struct in6_addr *a, uint16_t ap,
				  const struct in6_addr *b, uint16_t bp)
{
	/* newest first: a tuple is reused once its connection is gone */
	for (unsigned i = s->neps; i-- > 0;) {
		struct ep *e = s->eps[i];
		if (e->c && tuple_is(e, a, ap, b, bp))
			return e->c;
	}
	return NULL;
}

static void taint(struct soak *s, const struct in6_addr *a, uint16_t ap, const struct in6_addr *b,
		  uint16_t bp)
{
	/* Every record of the tuple, either way round: the corrupted segment
	 * may land on any of them (the tuple may be reused later too, which
	 * costs only some checking). */
	for (unsigned i = 0; i < s->neps; i++) {
		struct ep *e = s->eps[i];
		if (!e->c || e->c->tainted)
			continue;
		if (tuple_is(e, a, ap, b, bp) || tuple_is(e, b, bp, a, ap)) {
			e->c->tainted = true;
			s->tainted++;
		}
	}
}

/* An rx handler on every simulated device: with the link's vcorrupt
 * probability it flips one bit of a received TCP/IPv4 frame and then makes
 * both checksums valid again, as a corrupting middlebox or a bad memory bit
 * before checksumming would. What TCP does with such a segment is
 * undetectable by design, so the field is chosen in two classes:
 *  - fields whose corruption can cost delivery but never deliver wrong
 *    bytes (ack, window, flags other than FIN and URG, options, IP
 *    TOS/ID/TTL): the data invariant still holds for the connection;
 *  - fields that move or change payload bytes (sequence number, data
 *    offset, FIN, ports, the payload itself, and URG and the urgent
 *    pointer, which take a byte out of the stream as urgent data, as
 *    Linux's receiver does): the connection is tainted, and only the
 *    invariants that need no trust in its bytes apply. */
static enum rx_handler_result vcorrupt_rx(struct sk_buff *skb, void *data)
{
	struct soak *s = g_soak;
	struct link *lk = data;
	int side = skb->dev == netdev_from_ut(ut_sim_link_dev(lk->l, 0)) ? 0 : 1;
	uint8_t *p, *ip, *th;
	size_t len, ihl, tot, doff;
	uint32_t saddr, daddr;
	uint16_t sport, dport;

	if (!(lk->vcorrupt[side] > 0) || !chance(&s->vr, lk->vcorrupt[side]))
		return RX_HANDLER_PASS;
	if (skb_unshare_data(skb))
		return RX_HANDLER_PASS;
	p = skb->data;
	len = skb->len;
	if (len < ETH_HLEN + 40 || get_be16(p + 12) != 0x0800)
		return RX_HANDLER_PASS;
	ip = p + ETH_HLEN;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = get_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != IPPROTO_TCP || tot > len - ETH_HLEN ||
	    tot < ihl + 20 || (get_be16(ip + 6) & 0x3fff))
		return RX_HANDLER_PASS;
	th = ip + ihl;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff > tot - ihl)
		return RX_HANDLER_PASS;
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	/* A frame the link already corrupted (checksum wrong) stays as it
	 * is: fixing its checksum would smuggle that corruption through. */
	if (csum_fold(csum_partial(ip, ihl, 0)) != 0 ||
	    csum_fold(csum_partial(th, tot - ihl,
				   csum_tcpudp_nofold(saddr, daddr, (uint16_t)(tot - ihl),
						      IPPROTO_TCP, 0))) != 0)
		return RX_HANDLER_PASS;
	sport = get_be16(th);
	dport = get_be16(th + 2);

	size_t paylen = tot - ihl - doff;
	size_t off; /* byte of the IP packet to flip a bit of */
	uint8_t bit = (uint8_t)(1u << below(&s->vr, 8));
	bool unsafe = false;
	switch (below(&s->vr, 10)) {
	case 0: /* acknowledgment number */
		off = ihl + 8 + below(&s->vr, 4);
		break;
	case 1: /* window, urgent pointer */
		off = ihl + (chance(&s->vr, 0.7) ? 14 : 18) + below(&s->vr, 2);
		unsafe = off >= ihl + 18;
		break;
	case 2: /* flags but FIN */
		off = ihl + 13;
		bit = (uint8_t)(2u << below(&s->vr, 7));
		unsafe = bit == TCPHDR_URG;
		break;
	case 3: /* IP TOS, ID, TTL */
		off = (size_t[]){1, 4, 5, 8}[below(&s->vr, 4)];
		break;
	case 4:
	case 5: /* options, if any */
		if (doff == 20)
			return RX_HANDLER_PASS;
		off = ihl + 20 + below(&s->vr, doff - 20);
		break;
	case 6: /* sequence number */
		off = ihl + 4 + below(&s->vr, 4);
		unsafe = true;
		break;
	case 7: /* ports, data offset or FIN */
		off = ihl + (size_t[]){0, 1, 2, 3, 12, 13}[below(&s->vr, 6)];
		if (off == ihl + 13)
			bit = 1;
		unsafe = true;
		break;
	default: /* payload */
		if (!paylen)
			return RX_HANDLER_PASS;
		off = ihl + doff + below(&s->vr, paylen);
		unsafe = true;
		break;
	}
	ip[off] ^= bit;
	/* Both checksums made valid again. */
	ip[10] = ip[11] = 0;
	put_be16(ip + 10, csum_fold(csum_partial(ip, ihl, 0)));
	th[16] = th[17] = 0;
	put_be16(th + 16, csum_tcpudp(saddr, daddr, IPPROTO_TCP, th, tot - ihl));
	skb->ip_summed = CHECKSUM_NONE;
	s->vcorrupted++;
	if (unsafe) {
		struct in6_addr d6 = addr_v4(daddr), s6 = addr_v4(saddr);
		taint(s, &d6, dport, &s6, sport);
		/* a changed port may land on another connection */
		taint(s, &d6, get_be16(th + 2), &s6, get_be16(th));
	}
	narrate(s, "vcorrupt: frame to h%d, IP byte %zu bit 0x%02x%s, checksums fixed",
		side ? lk->b : lk->a, off, bit, unsafe ? " (connection tainted)" : "");
	return RX_HANDLER_PASS;
}

/* ---- the applications -----------------------------------------------------*/

static bool errno_expected(int e)
{
	switch (e) {
	case ECONNRESET:   /* RST received, or the peer closed with unread data */
	case ETIMEDOUT:	   /* retransmissions, SYN retries, keepalive */
	case EPIPE:	   /* writing after the connection was reset or shut */
	case ECONNREFUSED: /* RST answering our SYN */
	case EHOSTUNREACH: /* ARP failed while retrying (soft error on timeout) */
	case ENOTCONN:	   /* reading a connection that never completed */
		return true;
	default:
		return false;
	}
}

static void ep_error(struct soak *s, struct ep *e, const char *call, int err)
{
	char nb[160];

	if (!errno_expected(err)) {
		fail(s, "errno: %s on %s gave %s", call, ep_name(e, nb, sizeof(nb)), strerror(err));
		return;
	}
	if (!e->err) {
		e->err = err;
		s->errors++;
	}
	narrate(s, "%s: %s gave %s", ep_name(e, nb, sizeof(nb)), call, strerror(err));
}

static void ep_watch(struct soak *s, struct ep *e)
{
	struct host *h = &s->h[e->host];
	bool out = e->connecting || (e->c && e->sent < e->to_send && !e->shut_wr && !e->err);
	if (out == e->want_out)
		return;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0)};
	ev.data.u32 = (uint32_t)e->fd;
	if (ut_epoll_ctl(h->stack, h->epfd, EPOLL_CTL_MOD, e->fd, &ev) != 0)
		fail(s, "epoll_ctl MOD fd %d: %s", e->fd, strerror(errno));
	e->want_out = out;
}

static struct ep *ep_new(struct soak *s, int host, int fd, int side)
{
	struct ep *e = calloc(1, sizeof(*e));
	struct host *h = &s->h[host];
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};

	if (s->neps == s->eps_cap) {
		s->eps_cap = s->eps_cap ? s->eps_cap * 2 : 256;
		s->eps = realloc(s->eps, s->eps_cap * sizeof(*s->eps));
	}
	if (!e || !s->eps || fd >= MAX_FDS)
		abort();
	e->host = host;
	e->fd = fd;
	e->side = side;
	e->plan = (enum plan)below(&s->r, PLAN_NMAX);
	e->finishing = s->healed;
	/* Sizes: mostly small, some large, a few nothing at all. */
	switch (below(&s->r, 8)) {
	case 0:
		e->to_send = 0;
		break;
	case 1:
	case 2:
	case 3:
		e->to_send = rnd_range(&s->r, 1, 2000);
		break;
	case 4:
	case 5:
	case 6:
		e->to_send = rnd_range(&s->r, 2000, 60000);
		break;
	default:
		e->to_send = rnd_range(&s->r, 60000, 400000);
		break;
	}
	if (side == 0)
		e->to_send += ID_BYTES;
	ev.data.u32 = (uint32_t)fd;
	if (ut_epoll_ctl(h->stack, h->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		fail(s, "epoll_ctl ADD fd %d: %s", fd, strerror(errno));
	h->by_fd[fd] = e;
	s->eps[s->neps++] = e;
	return e;
}

static void ep_close(struct soak *s, struct ep *e, bool abort_it)
{
	struct host *h = &s->h[e->host];
	char nb[160];

	if (e->closed)
		return;
	if (abort_it) {
		struct linger lg = {1, 0};
		if (ut_setsockopt(h->stack, e->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0)
			fail(s, "SO_LINGER fd %d: %s", e->fd, strerror(errno));
		e->aborted = true;
		e->aborted_unhealed = !s->healed;
		s->aborts++;
	}
	narrate(s, "%s: %s", ep_name(e, nb, sizeof(nb)),
		abort_it ? "abort (linger 0 close)" : "close");
	/* close takes the descriptor out of the epoll set by itself. */
	if (ut_close(h->stack, e->fd) != 0)
		fail(s, "close fd %d: %s", e->fd, strerror(errno));
	h->by_fd[e->fd] = NULL;
	e->closed = true;
	e->fd = -1;
}

static void ep_shutdown(struct soak *s, struct ep *e, int how)
{
	struct host *h = &s->h[e->host];
	char nb[160];

	narrate(s, "%s: shutdown(%s)", ep_name(e, nb, sizeof(nb)),
		how == SHUT_WR	 ? "SHUT_WR"
		: how == SHUT_RD ? "SHUT_RD"
				 : "SHUT_RDWR");
	if (ut_shutdown(h->stack, e->fd, how) != 0) {
		/* ENOTCONN: the connection is already gone (reset), as Linux. */
		if (errno != ENOTCONN)
			fail(s, "shutdown fd %d: %s", e->fd, strerror(errno));
		return;
	}
	if (how != SHUT_RD)
		e->shut_wr = true;
	if (how != SHUT_WR)
		e->shut_rd = true;
}

static struct ep *peer_of(const struct ep *e)
{
	return e->c ? e->c->ep[!e->side] : NULL;
}

/* Checks n bytes just read at offset e->rcvd. */
static void check_bytes(struct soak *s, struct ep *e, const uint8_t *p, size_t n)
{
	char nb[160];
	struct ep *peer = peer_of(e);

	if (!e->c || e->c->tainted)
		return;
	if (!peer || e->rcvd + n > peer->sent) {
		fail(s, "data: %s read %zu bytes at %" PRIu64 " but its peer wrote only %" PRIu64,
		     ep_name(e, nb, sizeof(nb)), n, e->rcvd, peer ? peer->sent : 0);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] != gen_byte(s->seed, e->c->id, !e->side, e->rcvd + i)) {
			fail(s,
			     "data: %s read a wrong byte at offset %" PRIu64
			     " (0x%02x, written 0x%02x)",
			     ep_name(e, nb, sizeof(nb)), e->rcvd + i, p[i],
			     gen_byte(s->seed, e->c->id, !e->side, e->rcvd + i));
			return;
		}
}

/* The server learns its connection from the id its client writes first. */
static void bind_server(struct soak *s, struct ep *e, const uint8_t *p, size_t n)
{
	char nb[160];
	size_t k = n < ID_BYTES - e->rcvd ? n : ID_BYTES - e->rcvd;
	uint64_t id = 0;

	memcpy(e->idbuf + e->rcvd, p, k);
	if (e->rcvd + k < ID_BYTES)
		return;
	for (int i = ID_BYTES - 1; i >= 0; i--)
		id = id << 8 | e->idbuf[i];
	struct conn *c = id && id <= s->nconns ? s->conns[id - 1] : NULL;
	bool tuple_ok = c && tuple_is(c->ep[0], &e->raddr, e->rport, &e->laddr, e->lport);
	if (!c || !tuple_ok || c->ep[1]) {
		/* Two things explain it, and such a stream is not checked:
		 * corruption past the checksum, and a child a SYN cookie
		 * made from a stray segment of a connection already gone
		 * (a cookie is checked against seq and ack together, so a
		 * late segment whose two offsets nearly match passes, in
		 * Linux as here); it reads that connection's stream from
		 * the middle. */
		struct conn *t = conn_by_tuple(s, &e->raddr, e->rport, &e->laddr, e->lport);
		uint64_t cookies = 0;
		ut_counter_get(s->h[e->host].stack, "TcpExt", "SyncookiesRecv", &cookies);
		if (cookies && t && !t->tainted) {
			/* the ghost's FIN may reach the live client in
			 * sequence: that stream is not checked either */
			t->tainted = true;
			s->ghosts++;
		} else if (!(t && t->tainted) && !(c && c->tainted) && !cookies)
			fail(s, "data: %s read connection id %" PRIu64 ", which is %s",
			     ep_name(e, nb, sizeof(nb)), id,
			     !c		? "unknown"
			     : c->ep[1] ? "accepted already"
					: "another 4-tuple's");
		e->rcvd = UINT64_MAX / 2; /* unchecked from here */
		return;
	}
	c->ep[1] = e;
	e->c = c;
	narrate(s, "%s: accepted connection identified", ep_name(e, nb, sizeof(nb)));
}

static void ep_readable(struct soak *s, struct ep *e)
{
	struct host *h = &s->h[e->host];
	char nb[160];

	for (int round = 0; round < 4 && !e->closed; round++) {
		size_t want = (size_t)rnd_range(&s->r, 1, sizeof(s->buf));
		ssize_t n = ut_recv(h->stack, e->fd, s->buf, want, 0);
		if (n > 0) {
			if (!e->c && e->rcvd < ID_BYTES) {
				bind_server(s, e, s->buf, (size_t)n);
				if (e->c)
					check_bytes(s, e, s->buf, (size_t)n);
			} else {
				check_bytes(s, e, s->buf, (size_t)n);
			}
			e->rcvd += (uint64_t)n;
			s->bytes += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			if (e->eof)
				return;
			struct ep *peer = peer_of(e);
			e->eof = true;
			s->eofs++;
			narrate(s, "%s: end of file after %" PRIu64 " bytes",
				ep_name(e, nb, sizeof(nb)), e->rcvd);
			/* After a reset, recv gives the error once and end of
			 * file from then on (Linux's tcp_reset sets RCV_SHUTDOWN),
			 * and the error may have gone to send: the loss was
			 * reported, so the checks below do not apply. */
			if (e->c && !e->c->tainted && !e->shut_rd && !e->err) {
				/* A server closed before it read the id never
				 * wrote (it writes only once identified). */
				if (!peer && e->rcvd == 0)
					;
				else if (!peer ||
					 !(peer->shut_wr || (peer->closed && !peer->aborted)))
					fail(s,
					     "data: %s read end of file, but its peer never shut "
					     "down writing",
					     ep_name(e, nb, sizeof(nb)));
				else if (e->rcvd != peer->sent)
					fail(s,
					     "data: %s read end of file after %" PRIu64
					     " bytes, but its peer wrote %" PRIu64,
					     ep_name(e, nb, sizeof(nb)), e->rcvd, peer->sent);
			}
			return;
		}
		if (errno == EAGAIN)
			return;
		ep_error(s, e, "recv", errno);
		return;
	}
}

static void ep_writable(struct soak *s, struct ep *e)
{
	struct host *h = &s->h[e->host];

	if (e->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (ut_getsockopt(h->stack, e->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			fail(s, "SO_ERROR fd %d: %s", e->fd, strerror(errno));
		e->connecting = false;
		if (err) {
			ep_error(s, e, "connect", err);
			return;
		}
	}
	if (!e->c || e->shut_wr || e->err)
		return;
	for (int round = 0; round < 4 && e->sent < e->to_send; round++) {
		size_t want = (size_t)rnd_range(&s->r, 1, sizeof(s->buf));
		if (want > e->to_send - e->sent)
			want = (size_t)(e->to_send - e->sent);
		gen_fill(s, e->c->id, e->side, e->sent, s->buf, want);
		ssize_t n = ut_send(h->stack, e->fd, s->buf, want, MSG_NOSIGNAL);
		if (n > 0) {
			e->sent += (uint64_t)n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			ep_error(s, e, "send", n == 0 ? EIO : errno);
		return;
	}
}

/* What an endpoint does after its I/O: the plan, once its part is done. */
static void ep_advance(struct soak *s, struct ep *e)
{
	if (e->closed)
		return;
	if (e->err) {
		ep_close(s, e, false);
		return;
	}
	if (e->connecting)
		return;
	if (!e->c) {
		/* A server that has not read its id: done at end of file;
		 * when finishing, its FIN draws a reset from a client that
		 * is gone. */
		if (e->eof || e->shut_rd)
			ep_close(s, e, false);
		else if (e->finishing && !e->shut_wr)
			ep_shutdown(s, e, SHUT_WR);
		return;
	}
	if (e->sent < e->to_send && !e->shut_wr)
		return;
	enum plan plan = e->finishing ? PLAN_SHUT_WR : e->plan;
	switch (plan) {
	case PLAN_SHUT_WR:
		if (!e->shut_wr)
			ep_shutdown(s, e, SHUT_WR);
		if (e->eof || e->shut_rd)
			ep_close(s, e, false);
		break;
	case PLAN_CLOSE:
		ep_close(s, e, false);
		break;
	case PLAN_WAIT_EOF:
		if (e->eof || e->shut_rd)
			ep_close(s, e, false);
		break;
	default:
		break;
	}
}

static void accept_all(struct soak *s, int host, int lfd)
{
	struct host *h = &s->h[host];
	char nb[160];

	for (;;) {
		struct sockaddr_storage peer, self;
		socklen_t pl = sizeof(peer), sl = sizeof(self);
		int fd = ut_accept4(h->stack, lfd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK);
		if (fd < 0) {
			/* A child reset in the queue is still accepted, as
			 * Linux: nothing but EAGAIN is expected here. */
			if (errno != EAGAIN)
				fail(s, "accept4 on h%d: %s", host, strerror(errno));
			return;
		}
		struct ep *e = ep_new(s, host, fd, 1);
		if (ut_getsockname(h->stack, fd, (struct sockaddr *)&self, &sl) != 0)
			fail(s, "getsockname: %s", strerror(errno));
		e->laddr = sa_addr(&self, &e->lport);
		e->raddr = sa_addr(&peer, &e->rport);
		s->accepted++;
		narrate(s, "%s: accepted", ep_name(e, nb, sizeof(nb)));
		/* A second child for the tuple of one client connection: a
		 * SYN cookie took a stray segment of the dead first child's
		 * connection for a handshake (see bind_server). It continues
		 * the client's sequence space, so it may read the id and
		 * pass for the server while the client's end of file came
		 * from the first child, or its FIN may end the client's
		 * stream early, as in Linux. The first child counts whether
		 * or not it read the id. */
		struct conn *t = conn_by_tuple(s, &e->raddr, e->rport, &e->laddr, e->lport);
		if (t && !t->tainted) {
			bool first = false;
			for (unsigned i = s->neps - 1; i-- > 0 && s->eps[i] != t->ep[0];) {
				struct ep *o = s->eps[i];
				first |= o->side == 1 &&
					 tuple_is(o, &e->laddr, e->lport, &e->raddr, e->rport);
			}
			if (first) {
				t->tainted = true;
				s->ghosts++;
			}
		}
	}
}

/* Every host's application: one epoll_wait without blocking, and the
 * work each ready descriptor has. */
static void udp_drain(struct soak *s, int host);

static void serve(struct soak *s)
{
	for (unsigned hi = 0; hi < s->nhosts && !s->failed; hi++) {
		struct host *h = &s->h[hi];
		struct epoll_event evs[64];
		udp_drain(s, (int)hi);
		int n = ut_epoll_wait(h->stack, h->epfd, evs, 64, 0);
		if (n < 0) {
			fail(s, "epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n && !s->failed; i++) {
			int fd = (int)evs[i].data.u32;
			bool listener = false;
			for (int l = 0; l < NLISTEN; l++)
				if (h->lfd[l] == fd) {
					accept_all(s, (int)hi, fd);
					listener = true;
				}
			struct ep *e = listener ? NULL : h->by_fd[fd];
			if (!e)
				continue;
			if (evs[i].events & EPOLLOUT)
				ep_writable(s, e);
			if (!e->closed &&
			    (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				ep_readable(s, e);
			ep_advance(s, e);
			if (!e->closed)
				ep_watch(s, e);
		}
	}
}

/* ---- the workload's actions -----------------------------------------------*/

static unsigned live_eps(const struct soak *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->neps; i++)
		n += !s->eps[i]->closed;
	return n;
}

static struct ep *random_live(struct soak *s)
{
	unsigned n = live_eps(s), k;
	if (!n)
		return NULL;
	k = (unsigned)below(&s->r, n);
	for (unsigned i = 0; i < s->neps; i++)
		if (!s->eps[i]->closed && k-- == 0)
			return s->eps[i];
	return NULL;
}

static void set_int(struct soak *s, int host, int fd, int level, int opt, int v)
{
	if (ut_setsockopt(s->h[host].stack, fd, level, opt, &v, sizeof(v)) != 0)
		fail(s, "setsockopt %d/%d fd %d: %s", level, opt, fd, strerror(errno));
}

static void act_connect(struct soak *s)
{
	if (live_eps(s) >= MAX_LIVE || s->nconns == MAX_CONNS)
		return;
	int a = (int)below(&s->r, s->nhosts);
	int b = (int)((unsigned)(a + 1 + (int)below(&s->r, s->nhosts - 1)) % s->nhosts);
	struct host *h = &s->h[a];
	struct sockaddr_storage dst, self;
	socklen_t sl = sizeof(self), dl;
	uint16_t port = (uint16_t)(BASE_PORT + below(&s->r, NLISTEN));
	char nb[160];
	int family = AF_INET;

	/* In a dual-stack world, over IPv6, over IPv4 from an AF_INET
	 * socket, or over IPv4 from an AF_INET6 one (v4-mapped); the
	 * listeners are dual-stack AF_INET6 sockets there. */
	memset(&dst, 0, sizeof(dst));
	unsigned how = s->v6 ? (unsigned)below(&s->r, 3) : 1;
	s->opened6 += how == 0;
	s->opened_mapped += how == 2;
	if (how == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&dst;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = s->h[b].addr[a];
		sin->sin_port = htons(port);
		dl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;
		sin6->sin6_family = family = AF_INET6;
		sin6->sin6_addr = how == 0 ? s->h[b].addr6[a] : addr_v4(s->h[b].addr[a]);
		sin6->sin6_port = htons(port);
		dl = sizeof(*sin6);
	}
	int fd = ut_socket(h->stack, family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fail(s, "socket: %s", strerror(errno));
		return;
	}
	/* Options before connect: small buffers (zero windows, window
	 * updates), no Nagle, keepalive with a short idle time. */
	if (chance(&s->r, 0.2))
		set_int(s, a, fd, SOL_SOCKET, SO_RCVBUF, (int)rnd_range(&s->r, 256, 16384));
	if (chance(&s->r, 0.2))
		set_int(s, a, fd, SOL_SOCKET, SO_SNDBUF, (int)rnd_range(&s->r, 256, 16384));
	if (chance(&s->r, 0.3))
		set_int(s, a, fd, IPPROTO_TCP, TCP_NODELAY, 1);
	/* the connecting side on reno, bbr or dctcp now and then (the
	 * default, and the accepting side, cubic); dctcp asks for ECN
	 * whatever tcp_ecn says and falls back to Reno when refused */
	if (chance(&s->r, 0.4)) {
		const char *cc = chance(&s->r, 0.5) ? "reno" : chance(&s->r, 0.6) ? "bbr" : "dctcp";
		if (ut_setsockopt(h->stack, fd, IPPROTO_TCP, TCP_CONGESTION, cc,
				  (socklen_t)strlen(cc)))
			fail(s, "TCP_CONGESTION %s: %s", cc, strerror(errno));
	}
	if (chance(&s->r, 0.2)) {
		set_int(s, a, fd, SOL_SOCKET, SO_KEEPALIVE, 1);
		set_int(s, a, fd, IPPROTO_TCP, TCP_KEEPIDLE, (int)rnd_range(&s->r, 1, 30));
		set_int(s, a, fd, IPPROTO_TCP, TCP_KEEPINTVL, (int)rnd_range(&s->r, 1, 10));
		set_int(s, a, fd, IPPROTO_TCP, TCP_KEEPCNT, (int)rnd_range(&s->r, 1, 5));
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->id = ++s->nconns;
	s->conns[c->id - 1] = c;
	struct ep *e = ep_new(s, a, fd, 0);
	e->c = c;
	c->ep[0] = e;
	e->raddr = sa_addr(&dst, &e->rport);
	s->opened++;
	int rc = ut_connect(h->stack, fd, (struct sockaddr *)&dst, dl);
	if (rc == 0 || errno == EINPROGRESS) {
		e->connecting = rc != 0;
		if (ut_getsockname(h->stack, fd, (struct sockaddr *)&self, &sl) == 0) {
			e->laddr = sa_addr(&self, &e->lport);
		}
	} else if (errno == EADDRNOTAVAIL) {
		/* every port to that destination busy (TIME_WAIT): Linux's answer */
		e->err = EADDRNOTAVAIL;
	} else {
		ep_error(s, e, "connect", errno);
	}
	narrate(s, "%s: connect", ep_name(e, nb, sizeof(nb)));
	ep_watch(s, e);
	ep_advance(s, e);
}

static void act_endpoint(struct soak *s)
{
	struct ep *e = random_live(s);
	if (!e || s->healed)
		return;
	switch (below(&s->r, 10)) {
	case 0:
	case 1:
		ep_close(s, e, true);
		break;
	case 2:
		ep_close(s, e, false);
		break;
	case 3:
		ep_shutdown(s, e, SHUT_RD);
		break;
	case 4:
		ep_shutdown(s, e, SHUT_RDWR);
		break;
	case 5:
		if (!e->shut_wr)
			ep_shutdown(s, e, SHUT_WR);
		break;
	case 6: {
		/* A lingering close: the call waits (the world runs) until the
		 * FIN is acknowledged or the time is up. */
		struct linger lg = {1, (int)rnd_range(&s->r, 1, 3)};
		if (ut_setsockopt(s->h[e->host].stack, e->fd, SOL_SOCKET, SO_LINGER, &lg,
				  sizeof(lg)) != 0)
			fail(s, "SO_LINGER: %s", strerror(errno));
		ep_close(s, e, false);
		break;
	}
	default:
		/* more to send */
		e->to_send += rnd_range(&s->r, 1, 100000);
		if (!e->closed)
			ep_watch(s, e);
		break;
	}
}

static void random_params(struct soak *s, struct ut_link_params *p, double *vcorrupt)
{
	ut_link_params_init(p);
	p->delay_ns = rnd_range(&s->r, 0, 50) * MS + below(&s->r, MS);
	if (chance(&s->r, 0.3))
		p->jitter_ns = below(&s->r, p->delay_ns / 2 + 1);
	if (chance(&s->r, 0.4))
		p->loss = chance(&s->r, 0.2) ? 0.3 : (double)below(&s->r, 100) / 1000.0;
	if (chance(&s->r, 0.2))
		p->duplicate = (double)below(&s->r, 50) / 1000.0;
	if (chance(&s->r, 0.2)) {
		p->reorder = (double)below(&s->r, 100) / 1000.0;
		p->reorder_delay_ns = rnd_range(&s->r, 1, 30) * MS;
	}
	if (chance(&s->r, 0.2))
		p->corrupt = (double)below(&s->r, 50) / 1000.0;
	if (chance(&s->r, 0.3))
		p->rate_bps = rnd_range(&s->r, 1, 1000) * 1000000ULL;
	if (chance(&s->r, 0.1))
		p->queue_limit = (unsigned)rnd_range(&s->r, 5, 100);
	/* ECN marking: loss marks ECT packets CE (netem's ecn), and a step
	 * marker at a random queue length */
	if (chance(&s->r, 0.2)) {
		p->ecn = true;
		if (chance(&s->r, 0.5))
			p->ce_threshold = (unsigned)rnd_range(&s->r, 1, 50);
	}
	*vcorrupt = chance(&s->r, 0.15) ? (double)rnd_range(&s->r, 1, 20) / 1000.0 : 0.0;
}

static void act_impair(struct soak *s)
{
	struct link *lk = &s->links[below(&s->r, s->nlinks)];
	struct ut_link_params p;
	double vc;
	int dir = (int)below(&s->r, 3) - 1;

	random_params(s, &p, &vc);
	if (ut_sim_link_set_params(lk->l, dir, &p) != 0)
		fail(s, "ut_sim_link_set_params: rejected");
	/* direction 0 is a -> b, received at b (side 1) */
	if (dir != 1)
		lk->vcorrupt[1] = vc;
	if (dir != 0)
		lk->vcorrupt[0] = vc;
	narrate(s,
		"link h%d-h%d dir %d: delay %" PRIu64 " us jitter %" PRIu64
		" us loss %.3f dup %.3f reorder %.3f corrupt %.3f rate %" PRIu64
		" queue %u ecn %d ce_threshold %u vcorrupt %.3f",
		lk->a, lk->b, dir, p.delay_ns / 1000, p.jitter_ns / 1000, p.loss, p.duplicate,
		p.reorder, p.corrupt, p.rate_bps, p.queue_limit, p.ecn, p.ce_threshold, vc);
}

static void link_down(struct soak *s, struct link *lk, uint64_t dur)
{
	uint64_t until = ut_sim_now(s->sim) + dur;
	ut_sim_link_set_up(lk->l, false);
	lk->up = false;
	if (until > lk->up_at)
		lk->up_at = until;
}

static void act_flap(struct soak *s)
{
	/* Short flaps cost a few segments; long ones outlast RTOs, SYN
	 * retries, keepalive and even tcp_retries2. */
	uint64_t dur = chance(&s->r, 0.8) ? rnd_range(&s->r, 1, 3000) * MS
					  : rnd_range(&s->r, 3, 1200) * SEC;
	if (chance(&s->r, 0.7)) {
		struct link *lk = &s->links[below(&s->r, s->nlinks)];
		narrate(s, "link h%d-h%d down for %" PRIu64 " ms", lk->a, lk->b, dur / MS);
		link_down(s, lk, dur);
	} else {
		int h = (int)below(&s->r, s->nhosts);
		narrate(s, "partition: h%d cut off for %" PRIu64 " ms", h, dur / MS);
		for (unsigned i = 0; i < s->nlinks; i++)
			if (s->links[i].a == h || s->links[i].b == h)
				link_down(s, &s->links[i], dur);
	}
}

static void links_restore(struct soak *s)
{
	uint64_t now = ut_sim_now(s->sim);
	for (unsigned i = 0; i < s->nlinks; i++) {
		struct link *lk = &s->links[i];
		if (!lk->up && lk->up_at <= now) {
			ut_sim_link_set_up(lk->l, true);
			lk->up = true;
			lk->up_at = 0;
			narrate(s, "link h%d-h%d up", lk->a, lk->b);
		}
	}
}

/* ---- running the world ------------------------------------------------------*/

/* Real seconds one seed may take: a few hundred milliseconds is usual. */
#define SEED_WALL_LIMIT (120 * SEC)

static uint64_t wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* The progress invariant, read every 4096 steps of the simulator. */
static void check_progress(struct soak *s)
{
	if (++s->steps < 4096)
		return;
	s->steps = 0;
	if (!s->failed && wall_now() - s->wall_start > SEED_WALL_LIMIT)
		fail(s,
		     "progress: %" PRIu64
		     " s of real time and the seed has not ended (a livelock?)",
		     SEED_WALL_LIMIT / SEC);
}

static bool step_check(void *arg)
{
	struct soak *s = arg;

	check_progress(s);
	return s->failed;
}

/* Runs dt of simulated time, the checks seeing every step, with the
 * applications served every slice. */
static void run_for(struct soak *s, uint64_t dt, uint64_t slice)
{
	uint64_t end = ut_sim_now(s->sim) + dt;
	while (!s->failed && ut_sim_now(s->sim) < end) {
		uint64_t t = ut_sim_now(s->sim) + slice;
		if (t > end)
			t = end;
		ut_sim_run_until_cond(s->sim, step_check, s, t);
		links_restore(s);
		serve(s);
	}
}

/* ---- ICMPv6 echo in dual-stack worlds ------------------------------------*/

#define PING_ID 0x5e6

/* Whether got differs from want only as the links can damage a message
 * past its checksum: a few single-bit flips (a corrupting link flips one
 * bit of a frame, and each fragment of a datagram is a frame of its own)
 * whose changes cancel in the Internet checksum, which cannot tell a bit
 * set in one 16-bit word from the same bit cleared in another (RFC 1071:
 * its sum is the same). Both start at an even offset of the checksummed
 * message (the payload behind an 8-byte ICMPv6 or UDP header), so their
 * 16-bit words are the message's. */
static bool checksum_blind_damage(const uint8_t *want, const uint8_t *got, size_t n)
{
	unsigned flips = 0;

	for (size_t i = 0; i < n; i++)
		for (unsigned x = want[i] ^ got[i]; x; x &= x - 1)
			flips++;
	return flips >= 2 && flips <= 4 &&
	       csum_partial(want, n, 0) % 0xffff == csum_partial(got, n, 0) % 0xffff;
}

static void ping_fill(struct soak *s, uint16_t seq, uint8_t *p, size_t n)
{
	gen_fill(s, seq, 2, 0, p, n);
}

static void on_ping(void *arg, const struct ut_ping_event *ev)
{
	struct soak *s = g_soak;
	char from[UT_IP_STRLEN];

	(void)arg;
	if (!s || s->failed)
		return;
	ut_ip_ntop(ev->from, from, sizeof(from));
	if (ev->id != PING_ID || ev->from.family != AF_INET6) {
		fail(s, "echo event of id %u from %s: none was sent", ev->id, from);
	} else if (ev->kind == UT_PING_ERROR) {
		/* A neighbour that never answered (a link down, a host cut
		 * off) and a reassembly that timed out are what the
		 * network does; anything else is not. */
		if (!(ev->icmp_type == ICMPV6_DEST_UNREACH &&
		      ev->icmp_code == ICMPV6_ADDR_UNREACH) &&
		    !(ev->icmp_type == ICMPV6_TIME_EXCEED && ev->icmp_code == ICMPV6_EXC_FRAGTIME))
			fail(s, "ICMPv6 error type %u code %u from %s about echo %u", ev->icmp_type,
			     ev->icmp_code, from, ev->seq);
		s->ping_errors++;
	} else {
		uint8_t want[4096];
		size_t n = s->ping_len[ev->seq];

		if (s->pings_sent <= ev->seq)
			fail(s, "echo reply %u from %s: never sent", ev->seq, from);
		else if (ev->len != n)
			fail(s, "echo reply %u from %s: %zu bytes, %zu sent", ev->seq, from,
			     ev->len, n);
		else {
			ping_fill(s, ev->seq, want, n);
			if (memcmp(want, ev->data, n) == 0)
				;
			else if (checksum_blind_damage(want, ev->data, n)) {
				narrate(s,
					"echo reply %u from %s: bit flips its checksum cannot see",
					ev->seq, from);
				s->blind++;
			} else
				fail(s, "echo reply %u from %s: bytes differ from the request",
				     ev->seq, from);
		}
		s->ping_replies++;
	}
}

static void act_ping6(struct soak *s)
{
	struct link *lk = &s->links[below(&s->r, s->nlinks)];
	int from = chance(&s->r, 0.5) ? lk->a : lk->b, to = from == lk->a ? lk->b : lk->a;
	uint16_t seq = (uint16_t)s->pings_sent;
	/* up to 4000 bytes: past 1500, fragments both ways */
	size_t n = chance(&s->r, 0.8) ? (size_t)below(&s->r, 1400) : (size_t)below(&s->r, 4000);
	uint8_t data[4096];
	int err;

	if (s->pings_sent >= 65536)
		return; /* every sequence number used: replies stay unambiguous */
	ping_fill(s, seq, data, n);
	s->ping_len[seq] = (uint16_t)n;
	s->pings_sent++;
	err = ut_ping_send(s->h[from].stack, ut_ip_v6(&s->h[to].addr6[from]), PING_ID, seq, data,
			   n);
	/* -ENOBUFS from a full queue, -EADDRNOTAVAIL while DAD runs */
	if (err < 0 && err != -ENOBUFS && err != -EADDRNOTAVAIL)
		fail(s, "ut_ping_send to h%d: %s", to, strerror(-err));
}

/* ---- UDP datagrams of both families -------------------------------------*/

#define UDP_PORT 6000

/* A datagram's bytes: its sequence number, then bytes of the seed's
 * stream for it. */
static void udp_fill(struct soak *s, uint16_t seq, uint8_t *p, size_t n)
{
	put_be16(p, seq);
	gen_fill(s, seq, 3, 0, p + 2, n - 2);
}

/* A datagram from one host to a neighbour across a random link: over
 * IPv6, or over IPv4 (from a dual-stack socket, to a v4-mapped address),
 * up to 4000 bytes (fragmented past 1500). */
static void act_udp(struct soak *s)
{
	struct link *lk = &s->links[below(&s->r, s->nlinks)];
	int from = chance(&s->r, 0.5) ? lk->a : lk->b, to = from == lk->a ? lk->b : lk->a;
	struct host *h = &s->h[from];
	uint16_t seq = (uint16_t)s->udp_sent;
	size_t n =
		2 + (chance(&s->r, 0.8) ? (size_t)below(&s->r, 1400) : (size_t)below(&s->r, 4000));
	bool v6 = s->v6 && chance(&s->r, 0.5);
	struct sockaddr_storage dst;
	socklen_t dl;
	uint8_t data[4096];

	if (s->udp_sent >= 65536)
		return; /* every sequence number used */
	memset(&dst, 0, sizeof(dst));
	if (s->v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&dst;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(UDP_PORT);
		sin6->sin6_addr = v6 ? s->h[to].addr6[from] : addr_v4(s->h[to].addr[from]);
		dl = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&dst;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(UDP_PORT);
		sin->sin_addr.s_addr = s->h[to].addr[from];
		dl = sizeof(*sin);
	}
	udp_fill(s, seq, data, n);
	s->udp_len[seq] = (uint16_t)n;
	s->udp_from[seq] = (uint8_t)from;
	s->udp_to[seq] = (uint8_t)to;
	s->udp_v6[seq] = v6;
	s->udp_sent++;
	if (ut_sendto(h->stack, h->ufd, data, n, MSG_DONTWAIT, (struct sockaddr *)&dst, dl) < 0) {
		/* a full device queue, a source still in DAD, a neighbour
		 * never resolved (its queue dropped) */
		if (errno != ENOBUFS && errno != EAGAIN && errno != EADDRNOTAVAIL &&
		    errno != EHOSTUNREACH)
			fail(s, "sendto h%d over %s: %s", to, v6 ? "IPv6" : "IPv4",
			     strerror(errno));
		s->udp_send_errs++;
	}
}

/* Every datagram a host reads is one sent to it, whole, named by its
 * sender's address on the link and family it took (IPv4 v4-mapped on a
 * dual-stack socket); a duplicating link may deliver one twice. */
static void udp_drain(struct soak *s, int host)
{
	struct host *h = &s->h[host];
	uint8_t buf[4200], want[4096];

	while (!s->failed) {
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		ssize_t n = ut_recvfrom(h->stack, h->ufd, buf, sizeof(buf), MSG_DONTWAIT,
					(struct sockaddr *)&src, &sl);
		if (n < 0) {
			if (errno != EAGAIN)
				fail(s, "recvfrom on h%d: %s", host, strerror(errno));
			return;
		}
		uint16_t seq = n >= 2 ? get_be16(buf) : 0, port;
		if (n < 2 || seq >= s->udp_sent || s->udp_to[seq] != host) {
			fail(s, "udp: h%d read %zd bytes (seq %u) never sent to it", host, n, seq);
			return;
		}
		int from = s->udp_from[seq];
		struct in6_addr got = sa_addr(&src, &port);
		char ga[INET6_ADDRSTRLEN];
		/* The sender's address of the family the datagram took: the
		 * one on this link once DAD passed it, before that another
		 * of its addresses (its link-local, or one on another link:
		 * RFC 6724's rules 2 and 5), as Linux chooses. */
		bool v6 = !IN6_IS_ADDR_V4MAPPED(&got);
		bool ours = v6 ? ipv6_chk_addr(s->h[from].stack, &got, NULL, false)
			       : inet_addr_type(s->h[from].stack, ipv6_addr_v4(&got)) == RTN_LOCAL;
		if (v6 != (bool)s->udp_v6[seq] || !ours || port != UDP_PORT)
			fail(s, "udp: datagram %u from h%d over %s named %s port %u, not one of its own",
			     seq, from, s->udp_v6[seq] ? "IPv6" : "IPv4",
			     addr_text(&got, ga, sizeof(ga)), port);
		if ((size_t)n != s->udp_len[seq]) {
			fail(s, "udp: datagram %u from h%d: %zd bytes, %u sent", seq, from, n,
			     s->udp_len[seq]);
			return;
		}
		udp_fill(s, seq, want, (size_t)n);
		if (memcmp(want, buf, (size_t)n) == 0)
			;
		else if (checksum_blind_damage(want, buf, (size_t)n)) {
			narrate(s, "udp: datagram %u from h%d: bit flips its checksum cannot see",
				seq, from);
			s->blind++;
		} else
			fail(s, "udp: datagram %u from h%d: bytes differ from those sent", seq,
			     from);
		s->udp_rcvd++;
	}
}

static void world_make(struct soak *s)
{
	struct ut_link_params p;

	if (ut_sim_create(s->seed, &s->sim) != 0)
		abort();
	s->nhosts = 2 + (unsigned)below(&s->r, MAX_HOSTS - 1);
	s->v6 = chance(&s->r, 0.5);
	for (unsigned i = 0; i < s->nhosts; i++) {
		char name[16];
		snprintf(name, sizeof(name), "h%u", i);
		if (ut_sim_host_add(s->sim, name, &s->h[i].stack) != 0)
			abort();
		/* half the hosts ask for ECN (the rest accept it when asked) */
		if (chance(&s->r, 0.5) && ut_sysctl_set(s->h[i].stack, "net.ipv4.tcp_ecn", 1) != 0)
			abort();
		/* dctcp is not allowed by default (as in Linux) */
		if (ut_sysctl_set_str(s->h[i].stack, "net.ipv4.tcp_allowed_congestion_control",
				      "reno cubic bbr dctcp") != 0)
			abort();
		ut_trace_set(s->h[i].stack, on_trace, s);
		/* IPv6 on lo and every link's device as it is made */
		if (s->v6 && ut_sysctl_set(s->h[i].stack, "net.ipv6.conf.all.disable_ipv6", 0) != 0)
			abort();
		ut_ping_set_handler(s->h[i].stack, on_ping, NULL);
	}
	/* A full mesh: link k between a and b carries 10.0.k.0/24, a at .1
	 * and b at .2, so every pair talks directly. */
	for (unsigned a = 0; a < s->nhosts; a++)
		for (unsigned b = a + 1; b < s->nhosts; b++) {
			struct link *lk = &s->links[s->nlinks];
			double vc;
			random_params(s, &p, &vc);
			if (ut_sim_link_add(s->sim, s->h[a].stack, s->h[b].stack, &p, &lk->l) != 0)
				abort();
			lk->a = (int)a;
			lk->b = (int)b;
			lk->up = true;
			lk->vcorrupt[0] = lk->vcorrupt[1] = vc;
			uint32_t net = htonl(0x0a000000u | (s->nlinks << 8));
			s->h[a].addr[b] = net | htonl(1);
			s->h[b].addr[a] = net | htonl(2);
			if (ut_addr_add(s->h[a].stack, ut_sim_link_dev(lk->l, 0),
					ut_ip_v4(s->h[a].addr[b]), 24) ||
			    ut_addr_add(s->h[b].stack, ut_sim_link_dev(lk->l, 1),
					ut_ip_v4(s->h[b].addr[a]), 24))
				abort();
			/* and 2001:db8:k::/64, a at ::1 and b at ::2 */
			if (s->v6) {
				struct in6_addr net6 = {{{0x20, 0x01, 0x0d, 0xb8}}};

				net6.s6_addr[4] = (uint8_t)(s->nlinks >> 8);
				net6.s6_addr[5] = (uint8_t)s->nlinks;
				s->h[a].addr6[b] = s->h[b].addr6[a] = net6;
				s->h[a].addr6[b].s6_addr[15] = 1;
				s->h[b].addr6[a].s6_addr[15] = 2;
				if (ut_addr_add(s->h[a].stack, ut_sim_link_dev(lk->l, 0),
						ut_ip_v6(&s->h[a].addr6[b]), 64) ||
				    ut_addr_add(s->h[b].stack, ut_sim_link_dev(lk->l, 1),
						ut_ip_v6(&s->h[b].addr6[a]), 64))
					abort();
			}
			for (int side = 0; side < 2; side++) {
				struct net_device *d = netdev_from_ut(ut_sim_link_dev(lk->l, side));
				d->rx_handler = vcorrupt_rx;
				d->rx_handler_data = lk;
			}
			s->link_of[a][b] = s->link_of[b][a] = lk;
			s->nlinks++;
		}
	for (unsigned i = 0; i < s->nhosts; i++) {
		struct host *h = &s->h[i];
		h->epfd = ut_epoll_create1(h->stack, 0);
		if (h->epfd < 0)
			abort();
		/* A small backlog on one listener: SYN queue overflow, SYN
		 * cookies, accept queue overflow. */
		for (int l = 0; l < NLISTEN; l++) {
			struct sockaddr_in sin = {.sin_family = AF_INET};
			struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
			struct epoll_event ev = {.events = EPOLLIN};
			/* dual-stack AF_INET6 listeners in a dual-stack world */
			int fam = s->v6 ? AF_INET6 : AF_INET;
			const struct sockaddr *sa = s->v6 ? (const struct sockaddr *)&sin6
							  : (const struct sockaddr *)&sin;
			socklen_t sal = s->v6 ? sizeof(sin6) : sizeof(sin);
			sin.sin_port = sin6.sin6_port = htons((uint16_t)(BASE_PORT + l));
			h->lfd[l] = ut_socket(h->stack, fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (h->lfd[l] < 0 || ut_bind(h->stack, h->lfd[l], sa, sal) != 0 ||
			    ut_listen(h->stack, h->lfd[l], l ? (int)rnd_range(&s->r, 1, 4) : 64) !=
				    0)
				abort();
			ev.data.u32 = (uint32_t)h->lfd[l];
			if (ut_epoll_ctl(h->stack, h->epfd, EPOLL_CTL_ADD, h->lfd[l], &ev) != 0)
				abort();
		}
		/* the UDP socket: dual-stack AF_INET6 in a dual-stack world */
		struct sockaddr_in uin = {.sin_family = AF_INET, .sin_port = htons(UDP_PORT)};
		struct sockaddr_in6 uin6 = {.sin6_family = AF_INET6, .sin6_port = htons(UDP_PORT)};
		h->ufd = ut_socket(h->stack, s->v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK,
				   0);
		if (h->ufd < 0 ||
		    ut_bind(h->stack, h->ufd,
			    s->v6 ? (const struct sockaddr *)&uin6 : (const struct sockaddr *)&uin,
			    s->v6 ? sizeof(uin6) : sizeof(uin)) != 0)
			abort();
	}
}

static void heal(struct soak *s)
{
	struct ut_link_params p;

	s->healed = true;
	narrate(s, "workload over: links healed, every application finishes");
	ut_link_params_init(&p);
	p.delay_ns = 5 * MS;
	for (unsigned i = 0; i < s->nlinks; i++) {
		struct link *lk = &s->links[i];
		ut_sim_link_set_params(lk->l, -1, &p);
		ut_sim_link_set_up(lk->l, true);
		lk->up = true;
		lk->up_at = 0;
		lk->vcorrupt[0] = lk->vcorrupt[1] = 0;
	}
	for (unsigned i = 0; i < s->neps; i++) {
		struct ep *e = s->eps[i];
		e->finishing = true;
		if (!e->closed) {
			ep_advance(s, e);
			if (!e->closed)
				ep_watch(s, e);
		}
	}
}

static bool all_closed(void *arg)
{
	struct soak *s = arg;

	check_progress(s);
	if (s->failed)
		return true;
	for (unsigned i = 0; i < s->nhosts; i++)
		if (s->h[i].stack->tcp_socks || s->h[i].stack->tw_count)
			return false;
	return true;
}

/* The listeners' SYN queues hold request sockets, which are not counted
 * in tcp_socks; once the listeners close they must go too. */
static void finish(struct soak *s)
{
	uint64_t t0;
	char nb[160];

	/* Drain: every application finishes its part; each connection must
	 * end (end of file or an error) while the network is healthy. The
	 * service slice grows while nothing is left but waiting. */
	t0 = ut_sim_now(s->sim);
	while (!s->failed && live_eps(s) && ut_sim_now(s->sim) - t0 < DRAIN_LIMIT) {
		uint64_t slice = ut_sim_now(s->sim) - t0 < 10 * SEC ? 10 * MS : 500 * MS;
		run_for(s, slice, slice);
	}
	for (unsigned i = 0; i < s->neps && !s->failed; i++) {
		struct ep *e = s->eps[i];
		struct ep *peer = peer_of(e);
		if (e->closed)
			continue;
		/* One wait TCP never ends: FIN_WAIT2 with the socket still
		 * held, when the peer's application had closed and its orphan
		 * then died (tcp_orphan_retries, no reset sent, as Linux's
		 * tcp_write_err). tcp_fin_timeout covers only orphans. */
		struct ut_tcp_info ti;
		socklen_t tl = sizeof(ti);
		bool have_ti = ut_getsockopt(s->h[e->host].stack, e->fd, IPPROTO_TCP, TCP_INFO, &ti,
					     &tl) == 0;
		if (have_ti && ti.tcpi_state == TCP_FIN_WAIT2 && (!peer || peer->closed)) {
			ep_close(s, e, false);
			continue;
		}
		/* The other wait TCP never ends: a half-open connection. The
		 * peer aborted while the links still dropped frames, and its
		 * reset, sent once and never repeated (RFC 9293 3.10.7.1), was
		 * lost; with nothing to send or resend, this end sends nothing
		 * that would draw another, and without keepalive it waits for
		 * ever, as Linux's does. A server that never read the id finds
		 * its client by the 4-tuple. */
		struct conn *pc = e->c ? NULL
				       : conn_by_tuple(s, &e->raddr, e->rport, &e->laddr, e->lport);
		struct ep *pe = e->c ? peer : pc ? pc->ep[!e->side] : NULL;
		if (have_ti && pe && pe->aborted_unhealed && ti.tcpi_unacked == 0 &&
		    ti.tcpi_notsent_bytes == 0) {
			narrate(s,
				"%s: half-open, its peer's reset lost before the links healed "
				"and nothing to send: closed",
				ep_name(e, nb, sizeof(nb)));
			ep_close(s, e, false);
			continue;
		}
		/* Liveness needs trust in the connection's sequence numbers:
		 * an ACK whose sequence number was corrupted ahead of the
		 * peer's, checksums fixed, is in the window and sets snd_wl1
		 * past every later segment, so a zero window it carried is
		 * never lifted (RFC 9293 3.10.7.4's update rule; Linux is
		 * stuck the same way). A tainted connection may wait for ever. */
		if (e->c && e->c->tainted) {
			narrate(s, "%s: tainted, still open after the drain: closed",
				ep_name(e, nb, sizeof(nb)));
			ep_close(s, e, false);
			continue;
		}
		fail(s,
		     "liveness: %s still open %" PRIu64 " s after the network healed: sent %" PRIu64
		     "/%" PRIu64 " read %" PRIu64 "%s%s%s",
		     ep_name(e, nb, sizeof(nb)), DRAIN_LIMIT / SEC, e->sent, e->to_send, e->rcvd,
		     e->eof ? " eof" : "", e->shut_wr ? " shut_wr" : "",
		     e->connecting ? " connecting" : "");
	}
	if (s->failed)
		return;
	for (unsigned i = 0; i < s->nhosts; i++) {
		struct host *h = &s->h[i];
		for (int l = 0; l < NLISTEN; l++)
			ut_close(h->stack, h->lfd[l]);
		ut_close(h->stack, h->ufd);
		ut_close(h->stack, h->epfd);
		if (ut_stack_open_fds(h->stack) != 0) {
			fail(s, "fds: h%u still has %u descriptors open", i,
			     ut_stack_open_fds(h->stack));
			return;
		}
	}
	t0 = ut_sim_now(s->sim);
	if (ut_sim_run_until_cond(s->sim, all_closed, s, t0 + CLOSE_LIMIT) != 0 && !s->failed) {
		for (unsigned i = 0; i < s->nhosts; i++)
			if (s->h[i].stack->tcp_socks || s->h[i].stack->tw_count)
				fail(s,
				     "closing: h%u holds %u TCP sockets and %u time-wait sockets "
				     "%" PRIu64 " s after every descriptor closed",
				     i, s->h[i].stack->tcp_socks, s->h[i].stack->tw_count,
				     CLOSE_LIMIT / SEC);
		return;
	}
	/* Whatever is still in flight or held by ARP and reassembly drains
	 * within the same bound. */
	ut_sim_run_for(s->sim, CLOSE_LIMIT);
	size_t inuse = skb_pool_in_use(s->sim->pool);
	if (inuse && !s->failed)
		fail(s, "memory: %zu packet buffers (and their data) not back in the pool", inuse);
}

static void on_abort(int sig)
{
	char line[512];
	(void)sig;
	if (g_soak) {
		int n = snprintf(line, sizeof(line),
				 "soak: seed %" PRIu64
				 " stopped in the stack at %.6f s; replay: %s --seed %" PRIu64
				 " --events %u --trace\n",
				 g_soak->seed, (double)ut_sim_now(g_soak->sim) / 1e9, g_argv0,
				 g_soak->seed, g_soak->events);
		if (n > 0)
			(void)!write(2, line,
				     (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	signal(SIGABRT, SIG_DFL);
	abort();
}

static bool run_seed(uint64_t seed, unsigned events, bool trace, bool quiet)
{
	struct soak *s = calloc(1, sizeof(*s));
	bool ok;

	if (!s)
		abort();
	s->seed = seed;
	s->events = events;
	s->trace = trace;
	s->quiet = quiet;
	s->r.s = mix64(seed ^ 0x50a4ULL);
	s->vr.s = mix64(seed ^ 0xc0de5ULL);
	g_soak = s;
	s->wall_start = wall_now();
	world_make(s);
	for (unsigned i = 0; i < events && !s->failed; i++) {
		unsigned what = (unsigned)below(&s->r, 100);
		if (what < 45)
			act_connect(s);
		else if (what < 75)
			act_endpoint(s);
		else if (what < 90)
			act_impair(s);
		else if (s->v6 && what < 93)
			act_ping6(s);
		else if (what < 97)
			act_udp(s);
		else
			act_flap(s);
		/* between actions: mostly a moment, sometimes seconds */
		uint64_t dt = chance(&s->r, 0.9) ? rnd_range(&s->r, 1, 100) * MS
						 : rnd_range(&s->r, 1, 20) * SEC;
		run_for(s, dt, 5 * MS);
	}
	if (!s->failed) {
		heal(s);
		finish(s);
	}
	ok = !s->failed;
	if (!ok) {
		printf("soak: seed %" PRIu64 " FAILED at %.6f s: %s\n", seed,
		       (double)s->fail_t / 1e9, s->why);
		printf("soak: replay: %s --seed %" PRIu64 " --events %u --trace\n", g_argv0, seed,
		       events);
	} else if (!quiet) {
		printf("soak: seed %" PRIu64 " ok: %u hosts, %" PRIu64 " connections (%" PRIu64
		       " accepted), %" PRIu64 " bytes read, %" PRIu64 " ends of file, %" PRIu64
		       " errors, %" PRIu64 " aborts, %" PRIu64
		       " frames corrupted past the checksum (%" PRIu64 " taints), %" PRIu64
		       " SYN-cookie ghosts, %.1f s simulated\n",
		       seed, s->nhosts, s->opened, s->accepted, s->bytes, s->eofs, s->errors,
		       s->aborts, s->vcorrupted, s->tainted, s->ghosts,
		       (double)ut_sim_now(s->sim) / 1e9);
		if (s->v6)
			printf("soak: seed %" PRIu64 " dual-stack: %" PRIu64
			       " connections over IPv6, %" PRIu64
			       " from AF_INET6 to v4-mapped; %" PRIu32 " ICMPv6 echoes, %" PRIu64
			       " replies, %" PRIu64 " errors\n",
			       seed, s->opened6, s->opened_mapped, s->pings_sent, s->ping_replies,
			       s->ping_errors);
		printf("soak: seed %" PRIu64 " UDP: %" PRIu32 " datagrams sent (%" PRIu64
		       " refused by the stack), %" PRIu64 " read; %" PRIu64
		       " echoes and datagrams with bit flips their checksum cannot see\n",
		       seed, s->udp_sent, s->udp_send_errs, s->udp_rcvd, s->blind);
	}
	g_soak = NULL;
	ut_sim_destroy(s->sim);
	for (unsigned i = 0; i < s->neps; i++)
		free(s->eps[i]);
	free(s->eps);
	for (unsigned i = 0; i < s->nconns; i++)
		free(s->conns[i]);
	free(s->st);
	free(s);
	return ok;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: usertcp-soak [--seed N | --seeds A-B] [--events N] [--quiet] [--trace]\n"
		"  --seed N      one seed (default 1)\n"
		"  --seeds A-B   every seed from A to B\n"
		"  --events N    workload actions per seed (default 150)\n"
		"  --quiet       print failures and the summary only\n"
		"  --trace       narrate every trace event and workload action (for a replay)\n");
}

int main(int argc, char **argv)
{
	uint64_t first = 1, last = 1;
	unsigned events = 150, failed = 0;
	bool trace = false, quiet = false;
	struct timespec t0, t1;

	g_argv0 = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--seed") && i + 1 < argc) {
			first = last = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(a, "--seeds") && i + 1 < argc) {
			char *end;
			first = strtoull(argv[++i], &end, 0);
			last = *end == '-' ? strtoull(end + 1, NULL, 0) : first;
			if (last < first) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(a, "--events") && i + 1 < argc) {
			events = (unsigned)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--trace")) {
			trace = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	signal(SIGABRT, on_abort);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t seed = first; seed <= last; seed++) {
		if (!run_seed(seed, events, trace, quiet))
			failed++;
		fflush(stdout);
		if (seed == UINT64_MAX)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
#ifdef USERTCP_SOAK_SANITIZED
	/* Said wherever this build runs, so a short range is not mistaken
	 * for the plain build's thousand. */
	printf("soak: ASan+UBSan build: a seed costs about ten times the plain build's, so CTest "
	       "runs"
	       " 200 seeds here and 1,000 in the plain build\n");
#endif
	printf("soak: seeds %" PRIu64 "-%" PRIu64 ", %u events each: %" PRIu64 " passed, %u failed"
	       " (%.1f s)\n",
	       first, last, events, last - first + 1 - failed, failed,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return failed ? 1 : 0;
}
