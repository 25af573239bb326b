/* The listener's two queues (Linux's net/ipv4/inet_connection_sock.c and
 * request_sock.c): the SYN queue of request sockets for half-open
 * connections, each with its SYN-ACK retransmission timer, and the accept
 * queue of established connections waiting for accept(), bounded by the
 * listen() backlog. */
#include <errno.h>
#include <string.h>

#include "net/fault.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

static void reqsk_timer_handler(struct timer_list *t);

struct request_sock *reqsk_alloc(struct sock *listener)
{
	struct request_sock *req = ut_calloc(1, sizeof(*req));

	if (!req)
		return NULL;
	req->__req_common.skc_state = TCP_NEW_SYN_RECV;
	req->__req_common.skc_stack = listener->sk_stack;
	req->__req_common.skc_protocol = IPPROTO_TCP;
	/* A request is of its listener's family, even for an IPv4 SYN to
	 * a dual-stack AF_INET6 listener (Linux's ireq_family). */
	req->__req_common.skc_family = listener->sk_family;
	req->rsk_listener = listener;
	timer_setup(&listener->sk_stack->timers, &req->rsk_timer, reqsk_timer_handler);
	return req;
}

void reqsk_free(struct request_sock *req)
{
	del_timer(&req->rsk_timer);
	free(req->saved_syn);
	free(req);
}

int inet_csk_reqsk_queue_hash_add(struct sock *listener, struct request_sock *req,
				  uint32_t timeout_ms)
{
	struct request_sock_queue *q = &inet_csk(listener)->icsk_accept_queue;

	inet_ehash_insert(&listener->sk_stack->tcp_hashinfo, &req->__req_common);
	req->syn_next = q->syn_head;
	if (q->syn_head)
		q->syn_head->syn_pprev = &req->syn_next;
	q->syn_head = req;
	req->syn_pprev = &q->syn_head;
	req->in_syn_queue = true;
	q->qlen++;
	q->young++;
	mod_timer(&req->rsk_timer,
		  stack_jiffies(listener->sk_stack) + msecs_to_jiffies(timeout_ms));
	trace_reqsk(req, UT_TP_SYN_QUEUE_ADD, q->qlen, (uint32_t)listener->sk_max_ack_backlog,
		    NULL);
	return 0;
}

void inet_csk_reqsk_queue_drop(struct sock *listener, struct request_sock *req)
{
	struct request_sock_queue *q = &inet_csk(listener)->icsk_accept_queue;

	inet_ehash_remove(&listener->sk_stack->tcp_hashinfo, &req->__req_common);
	if (req->in_syn_queue) {
		*req->syn_pprev = req->syn_next;
		if (req->syn_next)
			req->syn_next->syn_pprev = req->syn_pprev;
		req->in_syn_queue = false;
		q->qlen--;
		if (!req->num_timeout && q->young)
			q->young--;
	}
	del_timer(&req->rsk_timer);
}

void inet_csk_reqsk_queue_drop_why(struct sock *listener, struct request_sock *req, const char *why)
{
	uint32_t qlen = inet_csk(listener)->icsk_accept_queue.qlen;

	trace_reqsk(req, UT_TP_SYN_QUEUE_DROP, req->in_syn_queue && qlen ? qlen - 1 : qlen,
		    (uint32_t)listener->sk_max_ack_backlog, why);
	inet_csk_reqsk_queue_drop(listener, req);
}

int tcp_rtx_synack(struct sock *listener, struct request_sock *req)
{
	struct ut_stack *stack = listener->sk_stack;
	int err = req->rsk_af_ops->send_synack(listener, req);

	if (err)
		return err;
	req->num_retrans++;
	TCP_INC_STATS(stack, TCP_MIB_RETRANSSEGS);
	NET_INC_STATS(stack, LINUX_MIB_TCPSYNRETRANS);
	trace_reqsk(req, UT_TP_TCP_RETRANSMIT_SYNACK, req->num_retrans,
		    (uint32_t)stack->sysctl.tcp_synack_retries, NULL);
	return 0;
}

/* The SYN-ACK went unanswered: send it again with backoff (1, 2, 4, 8,
 * 16 s), until net.ipv4.tcp_synack_retries (5) retries are spent. A
 * request whose final ACK was dropped because the accept queue was full
 * (acked) is retried the same way, which lets the client's next ACK
 * complete it once accept() made room (Linux's reqsk_timer_handler).
 *
 * With TCP_DEFER_ACCEPT (Linux's syn_ack_recalc), a request whose bare
 * ACK came lives at least as many timeouts as the deferral, and gets no
 * SYN-ACK until its last one, which asks the client once more for data
 * or an ACK that completes it. */
static void reqsk_timer_handler(struct timer_list *t)
{
	struct request_sock *req = from_timer(req, t, rsk_timer);
	struct sock *listener = req->rsk_listener;
	struct ut_stack *stack = listener->sk_stack;
	unsigned max_retries = (unsigned)stack->sysctl.tcp_synack_retries;
	unsigned defer = inet_csk(listener)->icsk_accept_queue.rskq_defer_accept;
	bool expire, resend;

	if (listener->sk_state != TCP_LISTEN)
		goto drop;
	expire = req->num_timeout >= max_retries;
	resend = true;
	if (defer) {
		expire = expire && (!req->acked || req->num_timeout >= defer);
		resend = !req->acked || req->num_timeout + 1u >= defer;
	}
	/* a failed resend of a request the client never acked ends it */
	if (!expire && (!resend || tcp_rtx_synack(listener, req) == 0 || req->acked)) {
		if (req->num_timeout++ == 0) {
			struct request_sock_queue *q = &inet_csk(listener)->icsk_accept_queue;
			if (q->young)
				q->young--;
		}
		uint64_t timeo = (uint64_t)TCP_TIMEOUT_INIT_MS << req->num_timeout;
		if (timeo > TCP_RTO_MAX_MS)
			timeo = TCP_RTO_MAX_MS;
		mod_timer(&req->rsk_timer, stack_jiffies(stack) + msecs_to_jiffies(timeo));
		return;
	}
drop:
	trace_reqsk(req, UT_TP_SYN_QUEUE_DROP, inet_csk(listener)->icsk_accept_queue.qlen - 1,
		    (uint32_t)listener->sk_max_ack_backlog, "SYN-ACK retries exhausted");
	inet_csk_reqsk_queue_drop(listener, req);
	reqsk_free(req);
}

bool inet_csk_accept_queue_full(const struct sock *sk)
{
	/* Linux's sk_acceptq_is_full: backlog + 1 connections fit. */
	return sk->sk_ack_backlog > sk->sk_max_ack_backlog;
}

void inet_csk_reqsk_queue_add(struct sock *listener, struct request_sock *req, struct sock *child)
{
	struct request_sock_queue *q = &inet_csk(listener)->icsk_accept_queue;

	req->sk = child;
	req->dl_next = NULL;
	if (q->rskq_accept_tail)
		q->rskq_accept_tail->dl_next = req;
	else
		q->rskq_accept_head = req;
	q->rskq_accept_tail = req;
	listener->sk_ack_backlog++;
	trace_reqsk(req, UT_TP_ACCEPT_QUEUE_ADD, (uint32_t)listener->sk_ack_backlog,
		    (uint32_t)listener->sk_max_ack_backlog, NULL);
	listener->sk_data_ready(listener);
}

static struct request_sock *reqsk_queue_remove(struct sock *listener)
{
	struct request_sock_queue *q = &inet_csk(listener)->icsk_accept_queue;
	struct request_sock *req = q->rskq_accept_head;

	if (!req)
		return NULL;
	q->rskq_accept_head = req->dl_next;
	if (!q->rskq_accept_head)
		q->rskq_accept_tail = NULL;
	listener->sk_ack_backlog--;
	return req;
}

struct sock *inet_csk_accept(struct sock *sk, int flags, int *err)
{
	struct request_sock_queue *q = &inet_csk(sk)->icsk_accept_queue;
	uint64_t timeo, deadline;
	struct request_sock *req;
	struct sock *child;

	if (sk->sk_state != TCP_LISTEN) {
		*err = -EINVAL;
		return NULL;
	}
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	deadline = sock_deadline(sk, timeo);
	while (!q->rskq_accept_head) {
		int w;
		if (!timeo) {
			*err = -EAGAIN;
			return NULL;
		}
		w = sk_wait(sk, deadline);
		if (w) {
			*err = w;
			return NULL;
		}
		if (sk->sk_state != TCP_LISTEN) {
			*err = -EINVAL;
			return NULL;
		}
	}
	req = reqsk_queue_remove(sk);
	child = req->sk;
	/* A Fast Open child still in SYN_RECV keeps its request for the
	 * SYN-ACK; reqsk_fastopen_remove frees it (Linux). */
	if (req->tfo_listener)
		req->sk = NULL;
	else
		reqsk_free(req);
	return child;
}

int inet_csk_listen_start(struct sock *sk, int backlog)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct inet_hashinfo *h = &sk->sk_stack->tcp_hashinfo;
	int err;

	memset(&icsk->icsk_accept_queue, 0, sizeof(icsk->icsk_accept_queue));
	tcp_sk(sk)->tfo.qlen = 0; /* TCP_FASTOPEN's length and key stay (Linux) */
	sk->sk_max_ack_backlog = backlog;
	sk->sk_ack_backlog = 0;
	/* The state changes first so the port check sees a listener. */
	tcp_set_state(sk, TCP_LISTEN);
	err = sk->sk_prot->get_port(sk, sk->sk_num);
	if (err) {
		sk->sk_state = TCP_CLOSE;
		return -EADDRINUSE;
	}
	inet_lhash_insert(h, sk);
	return 0;
}

/* The listener closes: half-open connections are forgotten, and
 * connections never accepted are reset (Linux's inet_csk_listen_stop). */
void inet_csk_listen_stop(struct sock *sk)
{
	struct request_sock_queue *q = &inet_csk(sk)->icsk_accept_queue;
	struct request_sock *req;

	while ((req = q->syn_head) != NULL) {
		inet_csk_reqsk_queue_drop_why(sk, req, "the listener closed");
		reqsk_free(req);
	}
	while ((req = reqsk_queue_remove(sk)) != NULL) {
		struct sock *child = req->sk;
		/* a Fast Open child lets go of the request, freed below */
		if (req->tfo_listener)
			reqsk_fastopen_remove(child, req, false);
		sock_hold(child);
		sock_orphan(child);
		sk->sk_stack->tcp_orphans++;
		child->sk_prot->disconnect(child, O_NONBLOCK);
		if (child->sk_state == TCP_CLOSE)
			inet_csk_destroy_sock(child);
		sock_put(child);
		reqsk_free(req);
	}
	tcp_fastopen_listen_stop(sk);
}
