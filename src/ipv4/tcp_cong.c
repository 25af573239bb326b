/* Pluggable congestion control (Linux's net/ipv4/tcp_cong.c): the modules
 * by name, the per-stack default and allowed set
 * (net.ipv4.tcp_congestion_control, tcp_allowed_congestion_control), the
 * calls into a socket's module at the points Linux makes them, and Reno
 * (RFC 5681), which every module may borrow from. Counts are in segments,
 * as Linux keeps cwnd.
 *
 * Linux registers modules at run time; usertcp's are compiled in, so the
 * registry is a constant table and what varies per stack (the default and
 * which modules unprivileged sockets may pick) lives in stack->sysctl. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/tcp.h"
#include "net/trace_events.h"

/* Every module, in the order Linux's tcp_available_congestion_control
 * lists them on a kernel that has them (reno registers first). */
static const struct tcp_congestion_ops *const tcp_ca_modules[] = {
	&tcp_reno,
	&tcp_cubic,
	&tcp_bbr,
	&tcp_dctcp,
};
_Static_assert(ARRAY_SIZE(tcp_ca_modules) <= 32, "tcp_allowed_congestion_control is a bitmask");

const struct tcp_congestion_ops *tcp_ca_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tcp_ca_modules); i++)
		if (strcmp(tcp_ca_modules[i]->name, name) == 0)
			return tcp_ca_modules[i];
	return NULL;
}

static uint32_t tcp_ca_bit(const struct tcp_congestion_ops *ca)
{
	for (size_t i = 0; i < ARRAY_SIZE(tcp_ca_modules); i++)
		if (tcp_ca_modules[i] == ca)
			return 1u << i;
	return 0;
}

/* Allowed to every socket (Linux's TCP_CONG_NON_RESTRICTED flag, kept per
 * stack here because the modules are shared and constant). */
static bool tcp_ca_allowed(const struct ut_stack *stack, const struct tcp_congestion_ops *ca)
{
	return (stack->sysctl.tcp_allowed_congestion_control & tcp_ca_bit(ca)) != 0;
}

void tcp_congestion_defaults(struct ipv4_sysctl *s)
{
	/* CONFIG_DEFAULT_TCP_CONG is cubic; Linux makes the default
	 * non-restricted, and reno and bbr are so by their flags:
	 * "reno cubic bbr", as a Linux with tcp_bbr and tcp_dctcp loaded
	 * shows. dctcp is restricted: an unprivileged TCP_CONGESTION gets
	 * EPERM until it is allowed or made the default. */
	s->tcp_congestion_control = &tcp_cubic;
	s->tcp_allowed_congestion_control = tcp_ca_bit(&tcp_cubic);
	for (size_t i = 0; i < ARRAY_SIZE(tcp_ca_modules); i++)
		if (tcp_ca_modules[i]->flags & TCP_CONG_NON_RESTRICTED)
			s->tcp_allowed_congestion_control |= 1u << i;
}

/* ---- the sysctls, as text (ut_sysctl_get_str / ut_sysctl_set_str) ------------------------*/

static int tcp_ca_list(const struct ut_stack *stack, char *buf, size_t len, bool allowed_only)
{
	size_t off = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(tcp_ca_modules); i++) {
		const struct tcp_congestion_ops *ca = tcp_ca_modules[i];
		int n;
		if (allowed_only && !tcp_ca_allowed(stack, ca))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? " " : "", ca->name);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}

int tcp_get_available_congestion_control(const struct ut_stack *stack, char *buf, size_t len)
{
	return tcp_ca_list(stack, buf, len, false);
}

int tcp_get_allowed_congestion_control(const struct ut_stack *stack, char *buf, size_t len)
{
	return tcp_ca_list(stack, buf, len, true);
}

int tcp_get_default_congestion_control(const struct ut_stack *stack, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", stack->sysctl.tcp_congestion_control->name);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* The default for new sockets. As in Linux, the default is always allowed
 * (it becomes non-restricted). -ENOENT for a name no module has. */
int tcp_set_default_congestion_control(struct ut_stack *stack, const char *name)
{
	const struct tcp_congestion_ops *ca = tcp_ca_find(name);

	if (!ca)
		return -ENOENT;
	stack->sysctl.tcp_congestion_control = ca;
	stack->sysctl.tcp_allowed_congestion_control |= tcp_ca_bit(ca);
	return 0;
}

/* A list of names separated by spaces (or tabs, newlines), replacing the
 * allowed set as Linux's tcp_set_allowed_congestion_control does: every
 * name must exist (-ENOENT, nothing changed), the modules not named are
 * no longer allowed. */
int tcp_set_allowed_congestion_control(struct ut_stack *stack, const char *val)
{
	uint32_t mask = 0;
	const char *p = val;

	while (*p) {
		char name[TCP_CA_NAME_MAX];
		size_t n = strcspn(p, " \t\n");
		const struct tcp_congestion_ops *ca;

		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(name))
			return -ENOENT;
		memcpy(name, p, n);
		name[n] = '\0';
		ca = tcp_ca_find(name);
		if (!ca)
			return -ENOENT;
		mask |= tcp_ca_bit(ca);
		p += n;
	}
	stack->sysctl.tcp_allowed_congestion_control = mask;
	return 0;
}

/* ---- a socket's module ---------------------------------------------------------------------*/

/* A new socket takes the stack's default (Linux's
 * tcp_assign_congestion_control), its state zeroed for init to fill. */
void tcp_assign_congestion_control(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	icsk->icsk_ca_ops = sk->sk_stack->sysctl.tcp_congestion_control;
	memset(icsk->icsk_ca_priv, 0, sizeof(icsk->icsk_ca_priv));
	icsk->icsk_ca_initialized = false;
	icsk->icsk_ca_setsockopt = false;
}

/* A passively opened child keeps the module its listener chose with
 * TCP_CONGESTION, or takes the default (Linux's tcp_ca_openreq_child). */
void tcp_ca_openreq_child(struct sock *sk, const struct sock *listener)
{
	const struct inet_connection_sock *licsk = inet_csk(listener);
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (licsk->icsk_ca_setsockopt) {
		icsk->icsk_ca_ops = licsk->icsk_ca_ops;
		icsk->icsk_ca_setsockopt = true;
	} else {
		tcp_assign_congestion_control(sk);
	}
	tcp_set_ca_state(sk, TCP_CA_Open);
}

/* The module starts on this connection: from tcp_init_transfer once the
 * handshake is over, or at TCP_CONGESTION on a connected socket. */
void tcp_init_congestion_control(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (icsk->icsk_ca_ops->init)
		icsk->icsk_ca_ops->init(sk);
	icsk->icsk_ca_initialized = true;
}

/* The module lets go of the connection (Linux's
 * tcp_cleanup_congestion_control, from tcp_v4_destroy_sock). */
void tcp_cleanup_congestion_control(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (icsk->icsk_ca_initialized && icsk->icsk_ca_ops->release)
		icsk->icsk_ca_ops->release(sk);
	icsk->icsk_ca_initialized = false;
}

static void tcp_reinit_congestion_control(struct sock *sk, const struct tcp_congestion_ops *ca)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	tcp_cleanup_congestion_control(sk);
	icsk->icsk_ca_ops = ca;
	icsk->icsk_ca_setsockopt = true;
	memset(icsk->icsk_ca_priv, 0, sizeof(icsk->icsk_ca_priv));
	if (!(TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN))))
		tcp_init_congestion_control(sk);
}

/* TCP_CONGESTION (Linux's tcp_set_congestion_control): asking for the
 * module in use succeeds whatever the lists say; otherwise -ENOENT for an
 * unknown name and -EPERM for one outside tcp_allowed_congestion_control
 * unless cap_net_admin. */
int tcp_set_congestion_control(struct sock *sk, const char *name, bool cap_net_admin)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_congestion_ops *ca = tcp_ca_find(name);

	if (ca == icsk->icsk_ca_ops) {
		icsk->icsk_ca_setsockopt = true;
		return 0;
	}
	if (!ca)
		return -ENOENT;
	if (!tcp_ca_allowed(sk->sk_stack, ca) && !cap_net_admin)
		return -EPERM;
	tcp_reinit_congestion_control(sk, ca);
	return 0;
}

void tcp_update_rto_time(struct tcp_sock *tp, uint32_t now_ms)
{
	if (tp->rto_stamp) {
		tp->total_rto_time += now_ms - tp->rto_stamp;
		tp->rto_stamp = 0;
	}
}

void tcp_set_ca_state(struct sock *sk, uint8_t ca_state)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	/* The module hears every entry, a repeated one too (a second RTO
	 * enters Loss again), as Linux calls set_state unconditionally;
	 * the trace reports changes only. */
	if (icsk->icsk_ca_ops->set_state)
		icsk->icsk_ca_ops->set_state(sk, ca_state);
	if (icsk->icsk_ca_state == ca_state)
		return;
	/* An RTO episode lasts while the state is Loss. */
	if (icsk->icsk_ca_state == TCP_CA_Loss)
		tcp_update_rto_time(tcp_sk(sk), tcp_time_stamp(sk->sk_stack));
	trace_tcp_cong_state_set(sk, icsk->icsk_ca_state, ca_state);
	icsk->icsk_ca_state = ca_state;
}

/* ---- Reno (RFC 5681) -------------------------------------------------------------------------*/

/* Slow start: one segment more per segment acknowledged, up to ssthresh.
 * Returns what is left of acked once ssthresh is reached (RFC 5681 3.1;
 * Linux's tcp_slow_start, with RFC 3465's limit of counting ACKed bytes). */
uint32_t tcp_slow_start(struct tcp_sock *tp, uint32_t acked)
{
	uint32_t cwnd = MIN(tp->snd_cwnd + acked, tp->snd_ssthresh);

	acked -= cwnd - tp->snd_cwnd;
	tp->snd_cwnd = MIN(cwnd, tp->snd_cwnd_clamp);
	return acked;
}

/* Congestion avoidance: one segment more per w segments ACKed; w = cwnd
 * gives one per round trip (RFC 5681 3.1, equation 3). */
void tcp_cong_avoid_ai(struct tcp_sock *tp, uint32_t w, uint32_t acked)
{
	if (tp->snd_cwnd_cnt >= w) {
		tp->snd_cwnd_cnt = 0;
		tp->snd_cwnd++;
	}
	tp->snd_cwnd_cnt += acked;
	if (tp->snd_cwnd_cnt >= w) {
		uint32_t delta = tp->snd_cwnd_cnt / w;
		tp->snd_cwnd_cnt -= delta * w;
		tp->snd_cwnd += delta;
	}
	tp->snd_cwnd = MIN(tp->snd_cwnd, tp->snd_cwnd_clamp);
}

void tcp_reno_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	(void)ack;
	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}
	tcp_cong_avoid_ai(tp, tp->snd_cwnd, acked);
}

/* RFC 5681 3.1 equation 4: half of what is in flight, at least two
 * segments (Linux's tcp_reno_ssthresh uses cwnd, the same for a
 * cwnd-limited sender). */
uint32_t tcp_reno_ssthresh(struct sock *sk)
{
	return MAX(tcp_sk(sk)->snd_cwnd >> 1, 2u);
}

/* A reduction proved spurious: back to the window before it, or keep
 * what has grown since (Linux's tcp_reno_undo_cwnd). */
uint32_t tcp_reno_undo_cwnd(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return MAX(tp->snd_cwnd, tp->prior_cwnd);
}

const struct tcp_congestion_ops tcp_reno = {
	.name = "reno",
	.flags = TCP_CONG_NON_RESTRICTED,
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.undo_cwnd = tcp_reno_undo_cwnd,
};

/* ---- calls into the module ---------------------------------------------------------------*/

void tcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	inet_csk(sk)->icsk_ca_ops->cong_avoid(sk, ack, acked);
}

void tcp_ca_event(struct sock *sk, enum tcp_ca_event event)
{
	const struct tcp_congestion_ops *ca = inet_csk(sk)->icsk_ca_ops;

	if (ca->cwnd_event)
		ca->cwnd_event(sk, event);
}

void tcp_in_ack_event(struct sock *sk, uint32_t flags)
{
	const struct tcp_congestion_ops *ca = inet_csk(sk)->icsk_ca_ops;

	if (ca->in_ack_event)
		ca->in_ack_event(sk, flags);
}
