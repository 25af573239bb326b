/* SYN cookies (Linux's net/ipv4/syncookies.c, after D. J. Bernstein):
 * when the SYN queue is full, the SYN-ACK's sequence number carries what
 * the request socket would have held, so a flood of SYNs from spoofed
 * addresses costs no memory and legitimate clients still connect.
 *
 *   ISN = H1(4-tuple) + client ISN + (minute << 24)
 *         + ((H2(4-tuple, minute) + MSS class) mod 2^24)
 *
 * With timestamps, the low 6 bits of our TSval carry the window scale,
 * SACK and ECN, and come back in the peer's TSecr. A cookie is good for
 * two minutes (Linux's MAX_SYNCOOKIE_AGE). The hashes are SipHash with
 * per-stack secrets. Both families' cookies are here (Linux's
 * net/ipv6/syncookies.c repeats these steps over IPv6 addresses). */
#include <string.h>

#include "net/ip.h"
#include "net/ipv6.h"
#include "net/siphash.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/transp_v6.h"

#define COOKIEBITS 24
#define COOKIEMASK ((1u << COOKIEBITS) - 1)
#define MAX_SYNCOOKIE_AGE 2
#define TSBITS 6
#define TSMASK ((1u << TSBITS) - 1)
#define TS_OPT_WSCALE_MASK 0xfu /* the peer's window scale; 0xf: none */
#define TS_OPT_SACK (1u << 4)
#define TS_OPT_ECN (1u << 5)

/* Linux's msstab: the MSS values cookies can express. */
static const uint16_t msstab[] = {536, 1300, 1440, 1460};

/* A connection as the cookie hashes see it, from our side. IPv4
 * addresses are put in their v4-mapped form, so both families share one
 * hash (Linux has one per family, each over the family's addresses). */
struct cookie_tuple {
	struct in6_addr laddr, raddr;
	uint16_t lport, rport;
};

static void cookie_tuple_v4(struct cookie_tuple *t, const struct sk_buff *skb,
			    const struct wire_tcp *th)
{
	memset(t, 0, sizeof(*t));
	/* the segment's destination is our side */
	ipv6_addr_set_v4mapped(ip_hdr_daddr(skb), &t->laddr);
	ipv6_addr_set_v4mapped(ip_hdr_saddr(skb), &t->raddr);
	t->lport = th->dport;
	t->rport = th->sport;
}

static void cookie_tuple_v6(struct cookie_tuple *t, const struct sk_buff *skb,
			    const struct wire_tcp *th)
{
	memset(t, 0, sizeof(*t));
	ipv6_hdr_daddr(skb, &t->laddr);
	ipv6_hdr_saddr(skb, &t->raddr);
	t->lport = th->dport;
	t->rport = th->sport;
}

static uint32_t cookie_hash(struct ut_stack *stack, const struct cookie_tuple *t, uint32_t count,
			    int c)
{
	struct {
		struct cookie_tuple t;
		uint32_t count;
	} in;

	memset(&in, 0, sizeof(in));
	in.t = *t;
	in.count = count;
	return (uint32_t)siphash(&in, sizeof(in), stack->syncookie_key[c]);
}

static uint32_t cookie_count(const struct ut_stack *stack)
{
	return (uint32_t)(stack_now(stack) / (60 * NSEC_PER_SEC));
}

static uint32_t cookie_init_sequence(struct ut_stack *stack, const struct cookie_tuple *t,
				     uint32_t seq, uint16_t *mss)
{
	uint32_t count = cookie_count(stack);
	uint32_t mssind = 0;

	for (int i = (int)ARRAY_SIZE(msstab) - 1; i > 0; i--) {
		if (*mss >= msstab[i]) {
			mssind = (uint32_t)i;
			break;
		}
	}
	*mss = msstab[mssind];
	return cookie_hash(stack, t, 0, 0) + seq + (count << COOKIEBITS) +
	       ((cookie_hash(stack, t, count, 1) + mssind) & COOKIEMASK);
}

uint32_t cookie_v4_init_sequence(const struct sock *listener, const struct sk_buff *skb,
				 const struct wire_tcp *th, uint16_t *mss)
{
	struct cookie_tuple t;

	cookie_tuple_v4(&t, skb, th);
	return cookie_init_sequence(listener->sk_stack, &t, th->seq, mss);
}

uint32_t cookie_v6_init_sequence(const struct sock *listener, const struct sk_buff *skb,
				 const struct wire_tcp *th, uint16_t *mss)
{
	struct cookie_tuple t;

	cookie_tuple_v6(&t, skb, th);
	return cookie_init_sequence(listener->sk_stack, &t, th->seq, mss);
}

/* The MSS class a cookie holds, or -1 if it is not ours or too old. */
static int cookie_check_sequence(struct ut_stack *stack, const struct cookie_tuple *t, uint32_t seq,
				 uint32_t cookie)
{
	uint32_t count = cookie_count(stack);
	uint32_t diff, mssind;

	cookie -= cookie_hash(stack, t, 0, 0) + seq;
	diff = (count - (cookie >> COOKIEBITS)) & ((uint32_t)-1 >> COOKIEBITS);
	if (diff >= MAX_SYNCOOKIE_AGE)
		return -1;
	mssind = (cookie - cookie_hash(stack, t, count - diff, 1)) & COOKIEMASK;
	return mssind < ARRAY_SIZE(msstab) ? (int)mssind : -1;
}

uint32_t cookie_init_timestamp(const struct request_sock *req, uint32_t ts_now)
{
	uint32_t options = req->wscale_ok ? req->snd_wscale : TS_OPT_WSCALE_MASK;
	uint32_t ts;

	if (req->sack_ok)
		options |= TS_OPT_SACK;
	if (req->ecn_ok)
		options |= TS_OPT_ECN;
	ts = (ts_now & ~TSMASK) | options;
	/* never ahead of the clock */
	if ((int32_t)(ts - ts_now) > 0)
		ts -= 1u << TSBITS;
	return ts;
}

/* Either family's ACK of a cookie, the tuple taken from its header; af_ops
 * the request's family's operations (Linux's cookie_v4_check and
 * cookie_v6_check, which share the same steps). */
static struct sock *cookie_check(struct sock *listener, struct sk_buff *skb,
				 const struct wire_tcp *th, const struct wire_tcp_opts *opts,
				 const struct cookie_tuple *t,
				 const struct inet_connection_sock_af_ops *af_ops)
{
	struct ut_stack *stack = listener->sk_stack;
	struct request_sock *req;
	struct sock *child;
	int mssind;

	/* Only while cookies were sent recently (Linux's
	 * tcp_synq_no_recent_overflow). */
	if (stack_now(stack) - inet_csk(listener)->icsk_accept_queue.synq_overflow_ns >
	    (uint64_t)MAX_SYNCOOKIE_AGE * 60 * NSEC_PER_SEC)
		return listener;
	mssind = cookie_check_sequence(stack, t, th->seq - 1, th->ack_seq - 1);
	if (mssind < 0) {
		NET_INC_STATS(stack, LINUX_MIB_SYNCOOKIESFAILED);
		return listener;
	}
	NET_INC_STATS(stack, LINUX_MIB_SYNCOOKIESRECV);
	/* A good cookie with no room for its connection: dropped, not
	 * reset, as Linux's (tcp_v4_syn_recv_sock's exit_overflow); the
	 * client, established, sends again, and a later ACK may find
	 * room. */
	if (inet_csk_accept_queue_full(listener)) {
		NET_INC_STATS(stack, LINUX_MIB_LISTENOVERFLOWS);
		NET_INC_STATS(stack, LINUX_MIB_LISTENDROPS);
		return NULL;
	}
	req = reqsk_alloc(listener);
	if (!req)
		return NULL;
	req->rsk_af_ops = af_ops;
	req->rcv_isn = th->seq - 1;
	req->snt_isn = th->ack_seq - 1;
	req->mss = msstab[mssind];
	/* The options come back in the timestamp echo. */
	if (opts->saw_tstamp && opts->tsecr && stack->sysctl.tcp_timestamps) {
		uint32_t o = opts->tsecr & TSMASK;
		req->tstamp_ok = true;
		req->sack_ok = (o & TS_OPT_SACK) && stack->sysctl.tcp_sack;
		req->wscale_ok = (o & TS_OPT_WSCALE_MASK) != TS_OPT_WSCALE_MASK &&
				 stack->sysctl.tcp_window_scaling;
		req->snd_wscale =
			req->wscale_ok ? (uint8_t)MIN(o & TS_OPT_WSCALE_MASK, TCP_MAX_WSCALE) : 0;
		/* ECN agreed in the SYN-ACK, still allowed (Linux's
		 * cookie_ecn_ok) */
		req->ecn_ok = (o & TS_OPT_ECN) && stack->sysctl.tcp_ecn;
	}
	tcp_openreq_init(listener, req, skb, th, opts, false);
	/* From here on, the same path as a request from the SYN queue. */
	child = inet_csk(listener)->icsk_af_ops->syn_recv_sock(listener, req);
	if (!child)
		reqsk_free(req);
	return child;
}

struct sock *cookie_v4_check(struct sock *listener, struct sk_buff *skb, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts)
{
	struct cookie_tuple t;

	cookie_tuple_v4(&t, skb, th);
	/* an IPv4 connection of a dual-stack listener runs as ipv6_mapped */
	return cookie_check(listener, skb, th, opts, &t,
			    listener->sk_family == AF_INET6 ? &ipv6_mapped : &ipv4_specific);
}

struct sock *cookie_v6_check(struct sock *listener, struct sk_buff *skb, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts)
{
	struct cookie_tuple t;

	cookie_tuple_v6(&t, skb, th);
	return cookie_check(listener, skb, th, opts, &t, &ipv6_specific);
}
