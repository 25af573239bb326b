/* TCP Fast Open (RFC 7413) as Linux 6.x does it: data in the SYN, and in
 * the SYN-ACK, for a client that holds a cookie the server gave it before
 * (Linux's net/ipv4/tcp_fastopen.c, with the Fast Open parts of its
 * tcp.c, tcp_input.c, tcp_output.c, tcp_minisocks.c and tcp_metrics.c).
 *
 * Server: a SYN with a valid cookie (SipHash-2-4 of the SYN's addresses
 * under the listener's key, or the stack's) makes the child socket at
 * once, in SYN_RECV, with the SYN's data readable, on the accept queue;
 * the SYN-ACK acknowledges the data. A SYN with an empty option asks for
 * a cookie, which the SYN-ACK carries (RFC 7413 4.1.2). The listener's
 * TCP_FASTOPEN queue length bounds the children not yet out of SYN_RECV.
 *
 * Client: sendmsg(MSG_FASTOPEN) connects and puts what fits in the SYN
 * when a cookie for the destination is cached, else sends a cookie
 * request; TCP_FASTOPEN_CONNECT makes connect() return at once and the
 * first write send the SYN. SYN data the SYN-ACK leaves unacknowledged is
 * sent again (RFC 7413 4.2.2), and timeouts of Fast Open connections
 * pause Fast Open for the stack (net.ipv4.tcp_fastopen_blackhole_timeout_sec).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/af_inet.h"
#include "net/ip.h"
#include "net/ipv6.h"
#include "net/siphash.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

#define TCP_FASTOPEN_RST_HOLD_MS 60000u /* a reset child's request counts this long */
#define MAX_TCP_OPTION_SPACE 40u

/* ---- keys and cookies --------------------------------------------------------------*/

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A key of 16 bytes as SipHash's two words, as Linux reads it. */
static void tcp_fastopen_key_from_bytes(uint64_t key[2], const uint8_t *bytes)
{
	key[0] = get_le64(bytes);
	key[1] = get_le64(bytes + 8);
}

static void tcp_fastopen_key_to_bytes(uint8_t *bytes, const uint64_t key[2])
{
	put_le64(bytes, key[0]);
	put_le64(bytes + 8, key[1]);
}

/* The stack's key is made the first time a server needs one, unless the
 * sysctl set it before (Linux's tcp_fastopen_init_key_once). */
static void tcp_fastopen_init_key_once(struct ut_stack *stack)
{
	if (stack->tfo.nkeys)
		return;
	stack->tfo.key[0][0] = prandom_u64(&stack->rng);
	stack->tfo.key[0][1] = prandom_u64(&stack->rng);
	stack->tfo.nkeys = 1;
}

/* The keys a listener's cookies are made with: its own (TCP_FASTOPEN_KEY)
 * or else the stack's (Linux's tcp_fastopen_get_ctx). */
static uint8_t tcp_fastopen_get_keys(const struct sock *sk, const uint64_t (**keys)[2])
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tp->tfo.nkeys) {
		*keys = tp->tfo.key;
		return tp->tfo.nkeys;
	}
	*keys = sk->sk_stack->tfo.key;
	return sk->sk_stack->tfo.nkeys;
}

/* The cookie for the SYN in syn: SipHash of its source and destination
 * addresses, as they lie in its network header, 8 bytes little-endian
 * (Linux's __tcp_fastopen_cookie_gen_cipher). */
static void tcp_fastopen_cookie_gen_cipher(const struct request_sock *req,
					   const struct sk_buff *syn, const uint64_t key[2],
					   uint8_t cookie[TCP_FASTOPEN_COOKIE_SIZE])
{
	uint64_t h;

	if (req->rsk_af_ops->net_header_len == IPV4_HLEN_MIN)
		h = siphash(ip_hdr(syn) + 12, 8, key);
	else
		h = siphash(ipv6_hdr(syn) + 8, 32, key);
	put_le64(cookie, h);
}

/* Which key made the SYN's cookie: 1 the primary, 2 the backup, 0 none.
 * valid gets the primary's cookie (Linux's tcp_fastopen_cookie_gen_check). */
static int tcp_fastopen_cookie_gen_check(struct sock *sk, struct request_sock *req,
					 const struct sk_buff *syn,
					 const struct wire_tcp_opts *opts,
					 uint8_t valid[TCP_FASTOPEN_COOKIE_SIZE])
{
	const uint64_t(*keys)[2];
	uint8_t n = tcp_fastopen_get_keys(sk, &keys);
	uint8_t other[TCP_FASTOPEN_COOKIE_SIZE];

	for (uint8_t i = 0; i < n; i++) {
		uint8_t *c = i == 0 ? valid : other;
		tcp_fastopen_cookie_gen_cipher(req, syn, keys[i], c);
		if (opts->fastopen_len == TCP_FASTOPEN_COOKIE_SIZE &&
		    memcmp(c, opts->fastopen_cookie, TCP_FASTOPEN_COOKIE_SIZE) == 0)
			return i + 1;
	}
	return 0;
}

/* ---- the client's cookie cache (Linux's tcp_fastopen_cache_get/set) ---------------*/

static void tcp_fastopen_peer(const struct sock *sk, struct in6_addr *daddr)
{
	if (inet_csk(sk)->icsk_af_ops->net_header_len == IPV4_HLEN_MIN)
		ipv6_addr_set_v4mapped(sk->sk_daddr, daddr);
	else
		*daddr = sk->sk_v6_daddr;
}

/* The entry for sk's peer; with create, a new one (replacing the least
 * recently used) when there is none. */
static struct tcp_fastopen_metrics *tcp_fastopen_metrics(struct sock *sk, bool create)
{
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_fastopen_metrics *m, *oldest = &stack->tfo.cache[0];
	struct in6_addr daddr;

	tcp_fastopen_peer(sk, &daddr);
	for (size_t i = 0; i < ARRAY_SIZE(stack->tfo.cache); i++) {
		m = &stack->tfo.cache[i];
		if (m->used && memcmp(&m->daddr, &daddr, sizeof(daddr)) == 0) {
			m->used = MAX(stack_jiffies(stack), 1u);
			return m;
		}
		if (m->used < oldest->used)
			oldest = m;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	oldest->daddr = daddr;
	oldest->cookie_len = -1;
	oldest->used = MAX(stack_jiffies(stack), 1u);
	return oldest;
}

static void tcp_fastopen_cache_get(struct sock *sk, uint16_t *mss, struct tcp_fastopen_request *fo)
{
	struct tcp_fastopen_metrics *m = tcp_fastopen_metrics(sk, false);

	if (!m)
		return;
	if (m->mss)
		*mss = m->mss;
	fo->cookie_len = m->cookie_len < 0 ? 0 : m->cookie_len;
	fo->cookie_exp = m->cookie_exp;
	memcpy(fo->cookie, m->cookie, sizeof(fo->cookie));
	/* A cookie request that went unanswered in kind 34 is tried in
	 * kind 254 (try_exp 1), and back (2). */
	if (fo->cookie_len <= 0 && m->try_exp == 1)
		fo->cookie_exp = true;
}

static void tcp_fastopen_cache_set(struct sock *sk, uint16_t mss, const struct wire_tcp_opts *opts,
				   uint8_t try_exp)
{
	struct tcp_fastopen_metrics *m = tcp_fastopen_metrics(sk, true);

	if (mss)
		m->mss = mss;
	if (opts && opts->saw_fastopen && opts->fastopen_len > 0) {
		m->cookie_len = opts->fastopen_len;
		m->cookie_exp = opts->fastopen_exp;
		memcpy(m->cookie, opts->fastopen_cookie, (size_t)opts->fastopen_len);
	} else if (try_exp > m->try_exp && m->cookie_len <= 0 && !m->cookie_exp) {
		m->try_exp = try_exp;
	}
}

/* What `ip tcp_metrics` shows of the cache, and its flush (Linux's
 * tcp_metrics_nl_cmd_get/del, Fast Open's part). */
void tcp_fastopen_metrics_foreach(struct ut_stack *stack, tcp_fastopen_metrics_fn fn, void *arg)
{
	uint64_t now = stack_jiffies(stack);

	for (size_t i = 0; i < ARRAY_SIZE(stack->tfo.cache); i++) {
		const struct tcp_fastopen_metrics *m = &stack->tfo.cache[i];
		if (m->used)
			fn(arg, m, now > m->used ? (now - m->used) * 1000 / HZ : 0);
	}
}

void tcp_fastopen_metrics_flush(struct ut_stack *stack)
{
	memset(stack->tfo.cache, 0, sizeof(stack->tfo.cache));
}

/* ---- the blackhole pause (Linux's tcp_fastopen_active_*) ----------------------------*/

/* A middlebox seems to eat Fast Open: the stack stops using it for
 * blackhole_timeout_sec, doubled for each pause in a row up to 64 times. */
static void tcp_fastopen_active_disable(struct sock *sk)
{
	struct ut_stack *stack = sk->sk_stack;

	if (!stack->sysctl.tcp_fastopen_blackhole_timeout_sec)
		return;
	stack->tfo.disable_stamp = stack_jiffies(stack);
	stack->tfo.disable_times++;
	NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENBLACKHOLE);
	trace_tcp_event(sk, UT_TP_ERROR, "Fast Open paused: blackhole suspected");
}

static bool tcp_fastopen_active_should_disable(struct sock *sk)
{
	struct ut_stack *stack = sk->sk_stack;
	uint64_t timeout_s = (uint64_t)stack->sysctl.tcp_fastopen_blackhole_timeout_sec;
	uint32_t times = stack->tfo.disable_times;

	if (!timeout_s || !times)
		return false;
	timeout_s <<= MIN(times - 1, 6u);
	if (stack_jiffies(stack) < stack->tfo.disable_stamp + msecs_to_jiffies(timeout_s * 1000))
		return true;
	/* The pause is over: a connection that works shows it (below). */
	tcp_sk(sk)->tfo.syn_fastopen_ch = true;
	return false;
}

void tcp_fastopen_active_detect_blackhole(struct sock *sk, bool expired)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t timeouts = inet_csk(sk)->icsk_retransmits;

	if ((tp->tfo.syn_fastopen || tp->tfo.syn_data || tp->tfo.syn_data_acked) &&
	    (timeouts == 2 || (timeouts < 2 && expired))) {
		tcp_fastopen_active_disable(sk);
		NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPFASTOPENACTIVEFAIL);
	}
}

void tcp_fastopen_active_disable_ofo_check(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *skb;

	if (!tp->tfo.syn_fastopen)
		return;
	if (!tp->data_segs_in) {
		/* Nothing arrived in order but a FIN beyond a hole: the
		 * data the server sent was dropped on the way. */
		skb = skb_peek(&tp->out_of_order_queue);
		if (skb && skb->next == (struct sk_buff *)(void *)&tp->out_of_order_queue &&
		    (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN))
			tcp_fastopen_active_disable(sk);
	} else if (tp->tfo.syn_fastopen_ch && sk->sk_stack->tfo.disable_times) {
		sk->sk_stack->tfo.disable_times = 0;
	}
}

/* ---- client ---------------------------------------------------------------------------*/

static bool tcp_fastopen_no_cookie(const struct sock *sk, long flag)
{
	return (sk->sk_stack->sysctl.tcp_fastopen & flag) || tcp_sk(sk)->tfo.no_cookie;
}

/* Whether the SYN may carry data: a cookie cached, or none needed; the
 * SYN then gets the option it takes (Linux's tcp_fastopen_cookie_check). */
static bool tcp_fastopen_cookie_check(struct sock *sk, uint16_t *mss,
				      struct tcp_fastopen_request *fo)
{
	tcp_fastopen_cache_get(sk, mss, fo);
	if (tcp_fastopen_active_should_disable(sk)) {
		fo->cookie_len = -1;
		return false;
	}
	if (tcp_fastopen_no_cookie(sk, TFO_CLIENT_NO_COOKIE)) {
		fo->cookie_len = -1;
		return true;
	}
	if (fo->cookie_len > 0)
		return true;
	tcp_sk(sk)->tfo.client_fail = TFO_COOKIE_UNAVAILABLE;
	return false;
}

bool tcp_fastopen_defer_connect(struct sock *sk, struct tcp_fastopen_request *fo)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint16_t mss;

	if (!tp->tfo.connect || tp->tfo.req)
		return false;
	memset(fo, 0, sizeof(*fo));
	if (tcp_fastopen_cookie_check(sk, &mss, fo)) {
		tp->tfo.defer_connect = true;
		return true;
	}
	/* No cookie: the SYN goes now, asking for one. */
	tp->tfo.req = fo;
	return false;
}

void tcp_fastopen_syn_option(struct sock *sk, struct wire_tcp_opts *o)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct tcp_fastopen_request *fo = tp->tfo.req;

	if (!fo || fo->cookie_len < 0)
		return;
	o->saw_fastopen = true;
	o->fastopen_len = fo->cookie_len;
	o->fastopen_exp = fo->cookie_exp;
	memcpy(o->fastopen_cookie, fo->cookie, (size_t)fo->cookie_len);
	if (wire_tcp_options_len(o) > MAX_TCP_OPTION_SPACE) {
		o->saw_fastopen = false;
		return;
	}
	tp->tfo.syn_fastopen = true;
	tp->tfo.syn_fastopen_exp = fo->cookie_exp;
}

int tcp_send_syn_data(struct sock *sk, struct sk_buff *syn, struct sk_buff **sent)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_fastopen_request *fo = tp->tfo.req;
	uint16_t mss = tp->advmss;
	struct sk_buff *syn_data;
	int32_t room;
	size_t space;
	int err;

	*sent = NULL;
	if (!tcp_fastopen_cookie_check(sk, &mss, fo))
		goto fallback;
	/* What fits in the SYN: an MSS by the path (and the MSS this peer
	 * gave last time, and TCP_MAXSEG), less the whole option space in
	 * case a middlebox adds options (Linux). */
	room = (int32_t)MIN(inet_csk(sk)->icsk_pmtu_cookie, (uint32_t)IP_MAXPACKET) -
	       inet_csk(sk)->icsk_af_ops->net_header_len - TCP_HLEN_MIN;
	room = MIN(room, (int32_t)mss);
	if (tp->user_mss)
		room = MIN(room, (int32_t)tp->user_mss);
	room -= (int32_t)MAX_TCP_OPTION_SPACE;
	space = room > 0 ? MIN((size_t)room, fo->size) : 0;
	if (!fo->data)
		space = 0;
	syn_data = stack_alloc_skb(stack, (uint32_t)space);
	if (!syn_data)
		goto fallback;
	if (space)
		copy_from_iter(skb_put(syn_data, (uint32_t)space), space, fo->data);
	if (space == fo->size)
		fo->data = NULL; /* nothing left for tcp_sendmsg */
	fo->copied = space;
	TCP_SKB_CB(syn_data)->seq = TCP_SKB_CB(syn)->seq;
	TCP_SKB_CB(syn_data)->end_seq = TCP_SKB_CB(syn)->end_seq + (uint32_t)space;
	TCP_SKB_CB(syn_data)->tcp_flags = TCP_SKB_CB(syn)->tcp_flags;
	TCP_SKB_CB(syn_data)->sacked = 0;
	tcp_skb_pcount_set(syn_data, 1);
	TCP_SKB_CB(syn_data)->tcp_gso_size = 0;
	syn_data->truesize = tcp_skb_base_truesize(stack) + (uint32_t)space;
	skb_queue_tail(&sk->sk_write_queue, syn_data);
	sk_wmem_charge_forced(sk, syn_data);
	tp->write_seq += (uint32_t)space;
	if (space)
		tcp_chrono_start(sk, TCP_CHRONO_BUSY);
	err = tcp_transmit_skb(sk, syn_data, true);
	TCP_SKB_CB(syn)->sent_ns = TCP_SKB_CB(syn_data)->sent_ns;
	/* The SYN and its data went as one segment; they stay two buffers,
	 * so that a SYN-ACK acknowledging the SYN alone leaves the data to
	 * be sent again (Linux). */
	TCP_SKB_CB(syn_data)->seq++;
	TCP_SKB_CB(syn_data)->tcp_flags = TCPHDR_ACK | TCPHDR_PSH;
	if (!err) {
		tp->tfo.syn_data = fo->copied > 0;
		*sent = syn_data;
		goto done;
	}
	/* Not sent: the data waits on the write queue for the handshake. */
fallback:
	/* A plain SYN, with a cookie request */
	if (fo->cookie_len > 0)
		fo->cookie_len = 0;
	err = tcp_transmit_skb(sk, syn, true);
	if (err)
		tp->tfo.syn_fastopen = false;
done:
	fo->cookie_len = -1; /* a SYN sent again carries no option */
	return err;
}

int tcp_sendmsg_fastopen(struct sock *sk, const struct msghdr *msg, struct iov_iter *it, int flags,
			 size_t *copied)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct sockaddr *uaddr = msg->msg_name;
	struct tcp_fastopen_request fo;
	int err;

	if (!(sk->sk_stack->sysctl.tcp_fastopen & TFO_CLIENT_ENABLE) ||
	    (uaddr && msg->msg_namelen >= sizeof(uaddr->sa_family) &&
	     uaddr->sa_family == AF_UNSPEC))
		return -EOPNOTSUPP;
	if (tp->tfo.req)
		return -EALREADY; /* another Fast Open is under way */
	memset(&fo, 0, sizeof(fo));
	fo.data = it;
	fo.size = it->count; /* what the write offers (sendmsg's fault check cut it) */
	tp->tfo.req = &fo;
	if (tp->tfo.defer_connect) {
		err = tcp_connect(sk);
		if (err) {
			/* as a failed connect leaves it (tcp_v4_connect) */
			tcp_set_state(sk, TCP_CLOSE);
			sk->sk_dport = 0;
		}
	}
	err = __inet_stream_connect(sk->sk_socket, uaddr, uaddr ? msg->msg_namelen : 0,
				    (flags & MSG_DONTWAIT) ? O_NONBLOCK : 0, true);
	*copied = fo.copied;
	tp->tfo.req = NULL;
	tp->tfo.defer_connect = false;
	return err;
}

/* Data that came with a SYN or SYN-ACK, into the receive queue (Linux's
 * tcp_fastopen_add_skb). */
static void tcp_fastopen_add_skb(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *data;

	if (TCP_SKB_CB(skb)->end_seq == tp->rcv_nxt)
		return;
	data = skb_clone(skb);
	if (!data)
		return;
	sk_forced_mem_schedule(sk, (int)data->truesize);
	sk_rmem_charge(sk, data);
	TCP_SKB_CB(data)->seq++;
	TCP_SKB_CB(data)->tcp_flags &= (uint8_t)~TCPHDR_SYN;
	tp->rcv_nxt = TCP_SKB_CB(data)->end_seq;
	skb_queue_tail(&sk->sk_receive_queue, data);
	trace_tcp_queue(sk, UT_TP_RECEIVE_QUEUE, data, data->len, &sk->sk_receive_queue);
	tp->tfo.syn_data_acked = true;
	tp->bytes_received = data->len;
	tp->data_segs_in = 1;
	if (TCP_SKB_CB(data)->tcp_flags & TCPHDR_FIN)
		tcp_fin(sk);
}

bool tcp_rcv_fastopen_synack(struct sock *sk, struct sk_buff *synack, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	struct sk_buff *data = tp->tfo.syn_data ? tcp_rtx_queue_head(sk) : NULL;
	uint16_t mss = opts->saw_mss ? opts->mss : 0;
	bool got_cookie = opts->saw_fastopen && opts->fastopen_len > 0;
	uint8_t try_exp = 0;

	(void)th;
	if (!tp->tfo.syn_fastopen) {
		/* an unsolicited cookie is ignored */
		got_cookie = false;
	} else if (!tp->total_retrans && !(opts->saw_fastopen && opts->fastopen_len >= 0) &&
		   !tp->tfo.syn_data) {
		/* A cookie asked for and not given: ask in the other kind
		 * next time (254 after 34, then 34 again). */
		try_exp = tp->tfo.syn_fastopen_exp ? 2 : 1;
	}
	tcp_fastopen_cache_set(sk, mss, got_cookie ? opts : NULL, try_exp);

	if (data) {
		/* The SYN-ACK acknowledged the SYN alone: the data goes
		 * again, not counted as congestion (RFC 7413 4.2.2). */
		tp->tfo.client_fail = tp->total_retrans ? TFO_SYN_RETRANSMITTED
							: TFO_DATA_NOT_ACKED;
		for (struct sk_buff *s = data; s; s = skb_rb_next(s))
			tcp_mark_skb_lost(sk, s);
		tcp_non_congestion_loss_retransmit(sk);
		NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENACTIVEFAIL);
		trace_tcp_event(sk, UT_TP_TCP_RETRANSMIT_SKB,
				"Fast Open SYN data not acknowledged");
		return true;
	}
	tp->tfo.syn_data_acked = tp->tfo.syn_data;
	if (tp->tfo.syn_data_acked) {
		NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENACTIVE);
		/* the SYN and its data count as one delivery (Linux) */
		if (tp->delivered > 1)
			--tp->delivered;
	}
	tcp_fastopen_add_skb(sk, synack);
	return false;
}

/* ---- server -----------------------------------------------------------------------------*/

/* Room for one more child in SYN_RECV: a reset child's request is let
 * go once its minute is over (Linux's tcp_fastopen_queue_check). */
static bool tcp_fastopen_queue_check(struct sock *sk)
{
	struct tcp_fastopen_sock *q = &tcp_sk(sk)->tfo;
	struct request_sock *req;

	if (!q->max_qlen)
		return false;
	if (q->qlen >= q->max_qlen) {
		req = q->rst_head;
		if (!req || req->rst_expires > stack_now(sk->sk_stack)) {
			NET_INC_STATS(sk->sk_stack, LINUX_MIB_TCPFASTOPENLISTENOVERFLOW);
			return false;
		}
		q->rst_head = req->dl_next;
		if (!q->rst_head)
			q->rst_tail = NULL;
		q->qlen--;
		reqsk_free(req);
	}
	return true;
}

/* The child of a SYN that brought a valid cookie (Linux's
 * tcp_fastopen_create_child): made, hashed and queued for accept() by
 * the family's syn_recv_sock, then given the SYN's data, its SYN-ACK
 * timer, and the request to send that SYN-ACK again. */
static struct sock *tcp_fastopen_create_child(struct sock *sk, struct sk_buff *skb,
					      const struct wire_tcp *th, struct request_sock *req)
{
	struct sock *child;
	struct tcp_sock *tp;

	if (inet_csk_accept_queue_full(sk))
		return NULL;
	child = inet_csk(sk)->icsk_af_ops->syn_recv_sock(sk, req);
	if (!child)
		return NULL;
	tcp_sk(sk)->tfo.qlen++;
	tp = tcp_sk(child);
	tp->tfo.rsk = req;
	req->tfo_listener = true;
	sock_hold(sk); /* the request names its listener until it goes */
	/* The SYN's window is never scaled (RFC 7323 2.2). */
	tp->snd_wnd = th->window;
	tp->max_window = tp->snd_wnd;
	inet_csk_reset_xmit_timer(child, ICSK_TIME_RETRANS, TCP_TIMEOUT_INIT_MS);
	tcp_init_transfer(child);
	tp->rcv_nxt = TCP_SKB_CB(skb)->seq + 1;
	tcp_fastopen_add_skb(child, skb);
	req->rcv_nxt = tp->rcv_nxt;
	tp->rcv_wup = tp->rcv_nxt;
	trace_tcp_event(child, UT_TP_ACCEPT_QUEUE_ADD, "Fast Open child made at the SYN");
	return child;
}

struct sock *tcp_try_fastopen(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			      const struct wire_tcp_opts *opts, struct request_sock *req)
{
	struct ut_stack *stack = sk->sk_stack;
	bool syn_data = TCP_SKB_CB(skb)->end_seq != TCP_SKB_CB(skb)->seq + 1;
	uint8_t valid[TCP_FASTOPEN_COOKIE_SIZE];
	const uint64_t(*keys)[2];
	bool have_valid = false;
	int ret = 0;
	struct sock *child;

	req->tfo_cookie_len = -1;
	if (opts->saw_fastopen && opts->fastopen_len == 0)
		NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENCOOKIEREQD);
	if (!((stack->sysctl.tcp_fastopen & TFO_SERVER_ENABLE) &&
	      (syn_data || (opts->saw_fastopen && opts->fastopen_len >= 0)) &&
	      tcp_fastopen_queue_check(sk)))
		return NULL;
	if (tcp_fastopen_no_cookie(sk, TFO_SERVER_COOKIE_NOT_REQD))
		goto fastopen;
	if (!opts->saw_fastopen || opts->fastopen_len < 0)
		return NULL;
	have_valid = tcp_fastopen_get_keys(sk, &keys) > 0;
	if (opts->fastopen_len == 0) {
		/* a cookie request: the SYN-ACK carries the cookie */
		if (have_valid)
			tcp_fastopen_cookie_gen_cipher(req, skb, keys[0], valid);
	} else {
		ret = tcp_fastopen_cookie_gen_check(sk, req, skb, opts, valid);
		if (!ret) {
			NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENPASSIVEFAIL);
		} else {
fastopen:
			/* A valid cookie (or none needed): the data is taken
			 * now, even none; without a child, the SYN-ACK
			 * acknowledges the ISN alone and carries the cookie. */
			child = tcp_fastopen_create_child(sk, skb, th, req);
			if (child) {
				if (ret == 2) {
					/* made with the backup key: the
					 * client gets the primary's */
					req->tfo_cookie_len = TCP_FASTOPEN_COOKIE_SIZE;
					req->tfo_cookie_exp = opts->fastopen_exp;
					memcpy(req->tfo_cookie, valid, sizeof(valid));
					NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENPASSIVEALTKEY);
				}
				NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENPASSIVE);
				return child;
			}
			NET_INC_STATS(stack, LINUX_MIB_TCPFASTOPENPASSIVEFAIL);
		}
	}
	if (have_valid) {
		req->tfo_cookie_len = TCP_FASTOPEN_COOKIE_SIZE;
		req->tfo_cookie_exp = opts->saw_fastopen && opts->fastopen_exp;
		memcpy(req->tfo_cookie, valid, sizeof(valid));
	}
	return NULL;
}

void reqsk_fastopen_remove(struct sock *child, struct request_sock *req, bool reset)
{
	struct sock *lsk = req->rsk_listener;
	struct tcp_fastopen_sock *q = &tcp_sk(lsk)->tfo;

	tcp_sk(child)->tfo.rsk = NULL;
	q->qlen--;
	req->tfo_listener = false;
	if (req->sk) {
		/* not accepted yet: accept() or the listener's close frees it */
		goto out;
	}
	if (!reset || lsk->sk_state != TCP_LISTEN) {
		reqsk_free(req);
		goto out;
	}
	/* A child reset by its peer keeps counting against the queue for a
	 * minute: spoofed SYNs with data cannot fill it faster than that
	 * (Linux, after the CoNEXT 2011 paper). */
	req->rst_expires =
		stack_now(lsk->sk_stack) + (uint64_t)TCP_FASTOPEN_RST_HOLD_MS * NSEC_PER_MSEC;
	req->dl_next = NULL;
	if (q->rst_tail)
		q->rst_tail->dl_next = req;
	else
		q->rst_head = req;
	q->rst_tail = req;
	q->qlen++;
out:
	sock_put(lsk);
}

void tcp_fastopen_listen_stop(struct sock *sk)
{
	struct tcp_fastopen_sock *q = &tcp_sk(sk)->tfo;
	struct request_sock *req;

	while ((req = q->rst_head) != NULL) {
		q->rst_head = req->dl_next;
		q->qlen--;
		reqsk_free(req);
	}
	q->rst_tail = NULL;
}

void tcp_fastopen_synack_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	struct request_sock *req = tp->tfo.rsk;
	struct ut_stack *stack = sk->sk_stack;
	/* one try more than a request socket gets (Linux) */
	unsigned max_retries = icsk->icsk_syn_retries
				       ? icsk->icsk_syn_retries
				       : (unsigned)stack->sysctl.tcp_synack_retries + 1;
	uint64_t timeo;

	if (req->num_timeout >= max_retries) {
		tcp_write_err(sk);
		return;
	}
	if (icsk->icsk_retransmits == 1)
		tcp_enter_loss(sk);
	/* Sent even without memory to spare: an accepted child should not
	 * give up easily (Linux ignores the error too). */
	tcp_rtx_synack(sk, req);
	req->num_timeout++;
	if (!icsk->icsk_retransmits) {
		tp->total_rto_recoveries++;
		tp->rto_stamp = MAX(tcp_time_stamp(stack), 1u);
	}
	icsk->icsk_retransmits++;
	tp->total_rto++;
	if (!tp->retrans_stamp)
		tp->retrans_stamp = MAX(tcp_time_stamp(stack), 1u);
	timeo = MIN((uint64_t)TCP_TIMEOUT_INIT_MS << req->num_timeout, (uint64_t)TCP_RTO_MAX_MS);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, (uint32_t)timeo);
}

int tcp_fastopen_check_req(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			   const struct wire_tcp_opts *opts)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct request_sock *req = tp->tfo.rsk;
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	uint32_t win_end = req->rcv_nxt + req->rcv_wnd;
	uint8_t flags = th->flags;
	bool paws_reject = opts->saw_tstamp && req->tstamp_ok &&
			   (int32_t)(req->ts_recent - opts->tsval) > 1 && !(flags & TCPHDR_RST);
	bool in_window;

	/* A retransmitted SYN: the SYN-ACK was lost. */
	if (tcb->seq == req->rcv_isn && flags == TCPHDR_SYN && !paws_reject) {
		if (!tcp_oow_rate_limited(sk, LINUX_MIB_TCPACKSKIPPEDSYNRECV))
			tcp_rtx_synack(sk, req);
		return -1;
	}
	/* RFC 9293 3.10.7.4's test against the window the SYN-ACK offered */
	in_window = tcb->seq == req->rcv_nxt ||
		    (after(tcb->end_seq, req->rcv_nxt) && before(tcb->seq, win_end)) ||
		    (tcb->seq == win_end && tcb->seq == tcb->end_seq);
	if (paws_reject || !in_window) {
		/* out of the window: ACK and drop (Linux's tcp_check_req) */
		if (!(flags & TCPHDR_RST) &&
		    !tcp_oow_rate_limited(sk, LINUX_MIB_TCPACKSKIPPEDSYNRECV))
			tcp_send_ack(sk);
		if (paws_reject)
			NET_INC_STATS(sk->sk_stack, LINUX_MIB_PAWSESTABREJECTED);
		return -1;
	}
	if (opts->saw_tstamp && !after(tcb->seq, req->rcv_nxt))
		req->ts_recent = opts->tsval;
	if (tcb->seq == req->rcv_isn)
		flags &= (uint8_t)~TCPHDR_SYN; /* the SYN again, with more */
	if (flags & (TCPHDR_RST | TCPHDR_SYN)) {
		TCP_INC_STATS(sk->sk_stack, TCP_MIB_ATTEMPTFAILS);
		if (!(flags & TCPHDR_RST))
			return 1; /* a bad SYN gets a reset; the child lives on */
		reqsk_fastopen_remove(sk, req, true);
		tcp_reset(sk);
		return -1;
	}
	return (flags & TCPHDR_ACK) ? 0 : -1;
}

void tcp_fastopen_synrecv_done(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct request_sock *req = tp->tfo.rsk;

	/* the handshake's RTT, if the SYN-ACK went once */
	if (!tp->srtt_us && req->num_retrans == 0 && req->synack_sent_ns) {
		uint64_t rtt = (stack_now(sk->sk_stack) - req->synack_sent_ns) / NSEC_PER_USEC;
		tcp_rtt_estimator(sk, (long)MAX(rtt, 1u));
		tcp_set_rto(sk);
	}
	tcp_update_rto_time(tp, tcp_time_stamp(sk->sk_stack));
	inet_csk(sk)->icsk_retransmits = 0;
	reqsk_fastopen_remove(sk, req, false);
	tcp_rearm_rto(sk);
}

void tcp_fastopen_listen(struct sock *sk, int backlog)
{
	long tfo = sk->sk_stack->sysctl.tcp_fastopen;

	if ((tfo & TFO_SERVER_WO_SOCKOPT1) && (tfo & TFO_SERVER_ENABLE) &&
	    !tcp_sk(sk)->tfo.max_qlen) {
		tcp_sk(sk)->tfo.max_qlen =
			(uint32_t)MIN((unsigned)backlog, (unsigned)sk->sk_stack->sysctl.somaxconn);
		tcp_fastopen_init_key_once(sk->sk_stack);
	}
}

/* ---- socket options and the sysctl --------------------------------------------------*/

int tcp_fastopen_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ut_stack *stack = sk->sk_stack;
	int val;

	if (optname == TCP_FASTOPEN_KEY) {
		const uint8_t *key = optval;
		/* a primary key, and maybe a backup for rotation */
		if (optlen != TCP_FASTOPEN_KEY_LENGTH && optlen != 2 * TCP_FASTOPEN_KEY_LENGTH)
			return -EINVAL;
		if (!optval)
			return -EFAULT;
		tp->tfo.nkeys = (uint8_t)(optlen / TCP_FASTOPEN_KEY_LENGTH);
		tcp_fastopen_key_from_bytes(tp->tfo.key[0], key);
		if (tp->tfo.nkeys == 2)
			tcp_fastopen_key_from_bytes(tp->tfo.key[1], key + TCP_FASTOPEN_KEY_LENGTH);
		return 0;
	}
	if (optname != TCP_FASTOPEN && optname != TCP_FASTOPEN_CONNECT &&
	    optname != TCP_FASTOPEN_NO_COOKIE)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (!optval)
		return -EFAULT;
	memcpy(&val, optval, sizeof(val));
	switch (optname) {
	case TCP_FASTOPEN:
		if (val < 0 || !(TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN))))
			return -EINVAL;
		tcp_fastopen_init_key_once(stack);
		tp->tfo.max_qlen = (uint32_t)MIN((unsigned)val, (unsigned)stack->sysctl.somaxconn);
		return 0;
	case TCP_FASTOPEN_CONNECT:
		if (val > 1 || val < 0)
			return -EINVAL;
		if (!(stack->sysctl.tcp_fastopen & TFO_CLIENT_ENABLE))
			return -EOPNOTSUPP;
		if (sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		tp->tfo.connect = val;
		return 0;
	default: /* TCP_FASTOPEN_NO_COOKIE */
		if (val > 1 || val < 0 ||
		    !(TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN))))
			return -EINVAL;
		tp->tfo.no_cookie = val;
		return 0;
	}
}

int tcp_fastopen_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int len, val;

	if (!optlen)
		return -EFAULT;
	len = (int)*optlen;
	switch (optname) {
	case TCP_FASTOPEN_KEY: {
		uint8_t keys[2 * TCP_FASTOPEN_KEY_LENGTH];
		const uint64_t(*k)[2];
		uint8_t n = tcp_fastopen_get_keys(sk, &k);
		for (uint8_t i = 0; i < n; i++)
			tcp_fastopen_key_to_bytes(keys + i * TCP_FASTOPEN_KEY_LENGTH, k[i]);
		if (len < 0)
			return -EINVAL;
		len = MIN(len, (int)n * TCP_FASTOPEN_KEY_LENGTH);
		*optlen = (socklen_t)len;
		if (len && !optval)
			return -EFAULT;
		memcpy(optval, keys, (size_t)len);
		return 0;
	}
	case TCP_FASTOPEN:
		val = (int)tp->tfo.max_qlen;
		break;
	case TCP_FASTOPEN_CONNECT:
		val = tp->tfo.connect;
		break;
	case TCP_FASTOPEN_NO_COOKIE:
		val = tp->tfo.no_cookie;
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (len < 0)
		return -EINVAL;
	len = MIN(len, (int)sizeof(int));
	*optlen = (socklen_t)len;
	if (len && !optval)
		return -EFAULT;
	memcpy(optval, &val, (size_t)len);
	return 0;
}

/* "xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxxxx[,...backup]": each group a 32-bit
 * word of the key, little-endian in its bytes (Linux's
 * proc_tcp_fastopen_key). No key yet reads as zeros. */
int tcp_fastopen_get_key_str(const struct ut_stack *stack, char *buf, size_t len)
{
	uint8_t n = stack->tfo.nkeys ? stack->tfo.nkeys : 1;
	size_t off = 0;

	for (uint8_t i = 0; i < n; i++) {
		uint8_t b[TCP_FASTOPEN_KEY_LENGTH] = {0};
		uint32_t w[4];
		int r;
		if (stack->tfo.nkeys)
			tcp_fastopen_key_to_bytes(b, stack->tfo.key[i]);
		for (int j = 0; j < 4; j++)
			w[j] = (uint32_t)b[4 * j] | (uint32_t)b[4 * j + 1] << 8 |
			       (uint32_t)b[4 * j + 2] << 16 | (uint32_t)b[4 * j + 3] << 24;
		r = snprintf(buf + off, len - off, "%s%08x-%08x-%08x-%08x", i ? "," : "", w[0],
			     w[1], w[2], w[3]);
		if (r < 0 || (size_t)r >= len - off)
			return -ENOSPC;
		off += (size_t)r;
	}
	return 0;
}

static int tcp_fastopen_parse_key(const char *s, const char **end, uint64_t key[2])
{
	uint8_t b[TCP_FASTOPEN_KEY_LENGTH];

	for (int j = 0; j < 4; j++) {
		uint32_t w = 0;
		int digits = 0;
		if (j && *s++ != '-')
			return -EINVAL;
		for (; digits < 9; digits++, s++) {
			int v = *s >= '0' && *s <= '9'	 ? *s - '0'
				: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
				: *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
							 : -1;
			if (v < 0)
				break;
			w = w << 4 | (uint32_t)v;
		}
		if (digits == 0 || digits > 8)
			return -EINVAL;
		for (int k = 0; k < 4; k++)
			b[4 * j + k] = (uint8_t)(w >> (8 * k));
	}
	*end = s;
	tcp_fastopen_key_from_bytes(key, b);
	return 0;
}

int tcp_fastopen_set_key_str(struct ut_stack *stack, const char *val)
{
	uint64_t key[2][2];
	const char *s = val;
	uint8_t n = 1;

	if (tcp_fastopen_parse_key(s, &s, key[0]))
		return -EINVAL;
	if (*s == ',') {
		if (tcp_fastopen_parse_key(s + 1, &s, key[1]))
			return -EINVAL;
		n = 2;
	}
	if (*s && *s != '\n')
		return -EINVAL;
	memcpy(stack->tfo.key, key, sizeof(key));
	stack->tfo.nkeys = n;
	return 0;
}
