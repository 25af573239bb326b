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
 * per-stack secrets. */
#include <string.h>

#include "net/ip.h"
#include "net/siphash.h"
#include "net/stack.h"
#include "net/tcp.h"

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

static uint32_t cookie_hash(struct ut_stack *stack, uint32_t saddr, uint32_t daddr, uint16_t sport,
			    uint16_t dport, uint32_t count, int c)
{
	return (uint32_t)siphash_4u32(saddr, daddr, ((uint32_t)sport << 16) | dport, count,
				      stack->syncookie_key[c]);
}

static uint32_t cookie_count(const struct ut_stack *stack)
{
	return (uint32_t)(stack_now(stack) / (60 * NSEC_PER_SEC));
}

uint32_t cookie_v4_init_sequence(const struct sock *listener, const struct sk_buff *skb,
				 const struct wire_tcp *th, uint16_t *mss)
{
	struct ut_stack *stack = listener->sk_stack;
	/* seen from our side: the SYN's destination is our address */
	uint32_t saddr = ip_hdr_daddr(skb), daddr = ip_hdr_saddr(skb);
	uint16_t sport = th->dport, dport = th->sport;
	uint32_t seq = th->seq;
	uint32_t count = cookie_count(stack);
	uint32_t mssind = 0;

	for (int i = (int)ARRAY_SIZE(msstab) - 1; i > 0; i--) {
		if (*mss >= msstab[i]) {
			mssind = (uint32_t)i;
			break;
		}
	}
	*mss = msstab[mssind];
	return cookie_hash(stack, saddr, daddr, sport, dport, 0, 0) + seq + (count << COOKIEBITS) +
	       ((cookie_hash(stack, saddr, daddr, sport, dport, count, 1) + mssind) & COOKIEMASK);
}

/* The MSS class a cookie holds, or -1 if it is not ours or too old. */
static int cookie_v4_check_sequence(struct ut_stack *stack, uint32_t saddr, uint32_t daddr,
				    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t cookie)
{
	uint32_t count = cookie_count(stack);
	uint32_t diff, mssind;

	cookie -= cookie_hash(stack, saddr, daddr, sport, dport, 0, 0) + seq;
	diff = (count - (cookie >> COOKIEBITS)) & ((uint32_t)-1 >> COOKIEBITS);
	if (diff >= MAX_SYNCOOKIE_AGE)
		return -1;
	mssind = (cookie - cookie_hash(stack, saddr, daddr, sport, dport, count - diff, 1)) &
		 COOKIEMASK;
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

struct sock *cookie_v4_check(struct sock *listener, struct sk_buff *skb, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts)
{
	struct ut_stack *stack = listener->sk_stack;
	struct request_sock *req;
	struct sock *child;
	int mssind;

	/* Only while cookies were sent recently (Linux's
	 * tcp_synq_no_recent_overflow). */
	if (stack_now(stack) - inet_csk(listener)->icsk_accept_queue.synq_overflow_ns >
	    (uint64_t)MAX_SYNCOOKIE_AGE * 60 * NSEC_PER_SEC)
		return NULL;
	mssind = cookie_v4_check_sequence(stack, ip_hdr_daddr(skb), ip_hdr_saddr(skb), th->dport,
					  th->sport, th->seq - 1, th->ack_seq - 1);
	if (mssind < 0) {
		NET_INC_STATS(stack, LINUX_MIB_SYNCOOKIESFAILED);
		return NULL;
	}
	NET_INC_STATS(stack, LINUX_MIB_SYNCOOKIESRECV);
	if (inet_csk_accept_queue_full(listener)) {
		NET_INC_STATS(stack, LINUX_MIB_LISTENOVERFLOWS);
		NET_INC_STATS(stack, LINUX_MIB_LISTENDROPS);
		return NULL;
	}
	req = reqsk_alloc(listener);
	if (!req)
		return NULL;
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
	child = tcp_v4_syn_recv_sock(listener, req);
	if (!child)
		reqsk_free(req);
	return child;
}
