/* Socket records for the diagnostics endpoint (Linux's inet_diag.c and
 * tcp_diag.c, which answer ss): every TCP socket in the tables (the
 * listening table, then the established table with its half-open and
 * TIME_WAIT entries) and every bound UDP socket, with what ss shows of
 * each: addresses, queues, the pending timer, memory, and for a full TCP
 * socket its tcp_info and congestion control. Called with the stack
 * locked (src/core/sock_diag.c). */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "net/ipv6.h"
#include "net/sock_diag.h"
#include "net/stack.h"
#include "net/tcp.h"

static uint32_t ms_until(const struct ut_stack *stack, const struct timer_list *t)
{
	uint64_t now = stack_jiffies(stack);
	return t->expires > now ? (uint32_t)(t->expires - now) : 0;
}

/* A new record for skc: what every socket has (its addresses, owner,
 * stack, protocol); NULL without memory. */
static struct ut_diag_sock *diag_record(struct diag_buf *b, const struct sock_common *skc,
					uint8_t protocol, unsigned stack_idx)
{
	struct ut_diag_sock *r = diag_buf_record(b);

	if (!r)
		return NULL;
	r->protocol = protocol;
	r->stack = stack_idx;
	r->fd = -1;
	r->uid = (uint32_t)getuid();
	r->pid = (uint32_t)getpid();
	r->family = (uint8_t)skc->skc_family;
	r->v6only = skc->skc_ipv6only;
	r->lport = skc->skc_num;
	r->rport = skc->skc_dport;
	r->ifindex = skc->skc_bound_dev_if;
	if (skc->skc_family == AF_INET6) {
		memcpy(r->laddr, &skc->skc_v6_rcv_saddr, 16);
		memcpy(r->raddr, &skc->skc_v6_daddr, 16);
	} else {
		memcpy(r->laddr, &skc->skc_rcv_saddr, 4);
		memcpy(r->raddr, &skc->skc_daddr, 4);
	}
	return r;
}

/* ss -m's figures (Linux's sk_get_meminfo): t is what devices hold of
 * the socket's packets (sk_wmem_alloc, TCP Small Queues' charge, without
 * Linux's bias of one). Nothing charges a socket for option memory, and
 * there is no backlog: those read 0. */
void sk_get_meminfo(const struct sock *sk, uint32_t *mem)
{
	memset(mem, 0, sizeof(uint32_t) * UT_SK_MEMINFO_VARS);
	mem[UT_SK_MEMINFO_RMEM_ALLOC] = (uint32_t)sk->sk_rmem_alloc;
	mem[UT_SK_MEMINFO_RCVBUF] = (uint32_t)sk->sk_rcvbuf;
	mem[UT_SK_MEMINFO_WMEM_ALLOC] = (uint32_t)sk->sk_wmem_alloc;
	mem[UT_SK_MEMINFO_SNDBUF] = (uint32_t)sk->sk_sndbuf;
	mem[UT_SK_MEMINFO_FWD_ALLOC] = (uint32_t)sk->sk_forward_alloc;
	mem[UT_SK_MEMINFO_WMEM_QUEUED] = (uint32_t)sk->sk_wmem_queued;
}

static void diag_full_tcp(struct ut_diag_sock *r, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct inet_connection_sock *icsk = inet_csk(sk);

	r->state = sk->sk_state;
	r->fd = sk->sk_fd;
	r->cookie = sock_gen_cookie(sk);
	if (sk->sk_state == TCP_LISTEN) {
		r->recvq = (uint32_t)sk->sk_ack_backlog;
		r->sendq = (uint32_t)sk->sk_max_ack_backlog;
	} else {
		r->recvq = after(tp->rcv_nxt, tp->copied_seq) ? tp->rcv_nxt - tp->copied_seq : 0;
		r->sendq = tp->write_seq - tp->snd_una;
	}
	/* which timer, as Linux's inet_sk_diag_fill tells them apart */
	if (timer_pending(&icsk->icsk_retransmit_timer)) {
		bool probe = icsk->icsk_pending == ICSK_TIME_PROBE0;
		r->timer = probe ? UT_DIAG_TIMER_PERSIST : UT_DIAG_TIMER_ON;
		r->retransmits = probe ? icsk->icsk_probes_out : icsk->icsk_retransmits;
		r->timer_ms = ms_until(sk->sk_stack, &icsk->icsk_retransmit_timer);
	} else if (timer_pending(&icsk->sk_timer)) {
		r->timer = UT_DIAG_TIMER_KEEPALIVE;
		r->retransmits = icsk->icsk_probes_out;
		r->timer_ms = ms_until(sk->sk_stack, &icsk->sk_timer);
	}
	sk_get_meminfo(sk, r->skmem);
	if (icsk->icsk_ca_ops)
		snprintf(r->cc, sizeof(r->cc), "%s", icsk->icsk_ca_ops->name);
	tcp_get_info(sk, &r->info);
	r->has_info = 1;
}

static int diag_emit_tcp(struct diag_buf *b, struct sock_common *skc, unsigned stack_idx)
{
	struct ut_diag_sock *r = diag_record(b, skc, IPPROTO_TCP, stack_idx);

	if (!r)
		return -ENOMEM;
	if (skc->skc_state == TCP_NEW_SYN_RECV) {
		struct request_sock *req = (struct request_sock *)skc;
		r->state = TCP_SYN_RECV;
		r->timer = UT_DIAG_TIMER_ON;
		r->retransmits = req->num_retrans;
		r->timer_ms = ms_until(skc->skc_stack, &req->rsk_timer);
	} else if (skc->skc_state == TCP_TIME_WAIT) {
		struct inet_timewait_sock *tw = (struct inet_timewait_sock *)skc;
		r->state = tw->tw_substate;
		r->timer = UT_DIAG_TIMER_TIMEWAIT;
		r->timer_ms = ms_until(skc->skc_stack, &tw->tw_timer);
	} else {
		diag_full_tcp(r, container_of(skc, struct sock, __sk_common));
	}
	return 0;
}

static int diag_emit_udp(struct diag_buf *b, struct sock *sk, unsigned stack_idx)
{
	struct ut_diag_sock *r = diag_record(b, &sk->__sk_common, IPPROTO_UDP, stack_idx);

	if (!r)
		return -ENOMEM;
	r->state = sk->sk_state;
	r->fd = sk->sk_fd;
	r->cookie = sock_gen_cookie(sk);
	r->recvq = (uint32_t)sk->sk_rmem_alloc; /* Linux's udp_rqueue_get */
	sk_get_meminfo(sk, r->skmem);
	return 0;
}

int inet_diag_dump(struct ut_stack *stack, unsigned stack_idx, struct diag_buf *b)
{
	struct inet_hashinfo *h = &stack->tcp_hashinfo, *u = &stack->udp_hashinfo;
	int err;

	for (uint32_t i = 0; i <= h->lhash_mask; i++)
		for (struct sock_common *skc = h->lhash[i]; skc; skc = skc->skc_node_next)
			if ((err = diag_emit_tcp(b, skc, stack_idx)) < 0)
				return err;
	/* an established chain ends where its tag says no successor
	 * follows (inet_hashtables.h), not at a NULL */
	for (uint32_t i = 0; i <= h->ehash_mask; i++) {
		struct sock_common *skc = h->ehash[i].first;
		uint32_t tag = h->ehash[i].tag;
		while (skc) {
			if ((err = diag_emit_tcp(b, skc, stack_idx)) < 0)
				return err;
			if (!(tag & INET_EHASH_MORE))
				break;
			tag = skc->skc_node_next_tag;
			skc = skc->skc_node_next;
		}
	}
	for (uint32_t i = 0; i <= u->lhash_mask; i++)
		for (struct sock_common *skc = u->lhash[i]; skc; skc = skc->skc_node_next)
			if ((err = diag_emit_udp(b, container_of(skc, struct sock, __sk_common),
						 stack_idx)) < 0)
				return err;
	return 0;
}

/* ---- ip tcp_metrics ----------------------------------------------------------------*/

struct tcp_metrics_dump {
	struct diag_buf *b;
	int err;
};

static void tcp_metrics_line(void *arg, const struct tcp_fastopen_metrics *m, uint64_t age_ms)
{
	struct tcp_metrics_dump *t = arg;
	char addr[INET6_ADDRSTRLEN], cookie[2 * sizeof(m->cookie) + 1] = "-";

	if (t->err)
		return;
	/* IPv4 destinations are kept v4-mapped, and shown as ip shows them */
	if (ipv6_addr_v4mapped(&m->daddr))
		inet_ntop(AF_INET, &m->daddr.s6_addr[12], addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, &m->daddr, addr, sizeof(addr));
	for (int i = 0; i < m->cookie_len && i < (int)sizeof(m->cookie); i++)
		snprintf(cookie + 2 * i, sizeof(cookie) - 2 * (size_t)i, "%02x", m->cookie[i]);
	t->err = diag_buf_printf(t->b, "%s %llu %u %s %d\n", addr, (unsigned long long)age_ms,
				 m->mss, cookie, m->cookie_exp ? 1 : 0);
}

int inet_diag_tcp_metrics(struct ut_stack *stack, struct diag_buf *b, bool flush)
{
	struct tcp_metrics_dump t = {b, 0};

	if (flush) {
		tcp_fastopen_metrics_flush(stack);
		return 0;
	}
	tcp_fastopen_metrics_foreach(stack, tcp_metrics_line, &t);
	return t.err;
}
