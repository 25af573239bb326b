/* The protocol-independent part of a socket (Linux's net/core/sock.c):
 * allocation with the default buffer sizes, the wake-up callbacks, pending
 * errors, the SOL_SOCKET options, timeouts and the iovec copy helpers. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/time.h>

#include "net/errqueue.h"
#include "net/fault.h"
#include "net/sock.h"
#include "net/sock_diag.h"
#include "net/netdevice.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"

static void sock_wake_file(struct sock *sk, unsigned events)
{
	struct socket *sock = sk->sk_socket;

	stack_wake(sk->sk_stack);
	if (sock && sock->file)
		file_wake(sock->file, events);
}

/* Urgent data announced: SIGURG to the descriptor's owner, a process or
 * (negative) a process group, as Linux's sk_send_sigurg; none without
 * F_SETOWN. */
void sk_send_sigurg(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;

	if (sock && sock->file && sock->file->f_owner)
		kill(sock->file->f_owner, SIGURG);
}

void sock_def_wakeup(struct sock *sk)
{
	sock_wake_file(sk, 0);
}

/* New data, or an urgent byte: Linux's sock_def_readable wakes readers
 * of both bands. */
static void sock_def_readable(struct sock *sk)
{
	sock_wake_file(sk, EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND);
}

static void sock_def_write_space(struct sock *sk)
{
	sock_wake_file(sk, EPOLLOUT | EPOLLWRNORM);
}

static void sock_def_error_report(struct sock *sk)
{
	sock_wake_file(sk, EPOLLERR);
}

uint64_t sock_gen_cookie(struct sock *sk)
{
	if (!sk->sk_cookie)
		sk->sk_cookie = ++sk->sk_stack->sock_cookie_gen;
	return sk->sk_cookie;
}

struct sock *sk_alloc(struct ut_stack *stack, int family, int type, int protocol,
		      const struct proto *prot)
{
	struct sock *sk = ut_calloc(1, prot->obj_size);

	if (!sk)
		return NULL;
	sk->sk_stack = stack;
	sk->sk_family = (uint16_t)family;
	sk->sk_type = (uint8_t)type;
	sk->sk_protocol = (uint8_t)protocol;
	sk->sk_prot = prot;
	sk->sk_state = TCP_CLOSE;
	sk->sk_sndbuf = (int)stack->sysctl.wmem_default;
	sk->sk_rcvbuf = (int)stack->sysctl.rmem_default;
	sk->sk_rcvlowat = 1;
	sk->sk_fd = -1;
	sk->sk_pacing_rate = ~0ull;
	sk->sk_max_pacing_rate = ~0ull;
	sk->sk_pmtudisc = IP_PMTUDISC_WANT;
	sk->mc_ttl = 1;
	sk->inet_flags = 1u << INET_FLAGS_MC_LOOP;
	/* inet6_create's defaults, harmless in an AF_INET sock (Linux's
	 * inet6_create: hop limits from the route, path MTU discovery as
	 * IPv4's, multicast looped back). */
	sk->sk_ipv6.hop_limit = -1;
	sk->sk_ipv6.mcast_hops = -1;
	sk->sk_ipv6.pmtudisc = IP_PMTUDISC_WANT;
	sk->sk_ipv6.mc_loop = 1;
	skb_queue_head_init(&sk->sk_receive_queue);
	skb_queue_head_init(&sk->sk_write_queue);
	skb_queue_head_init(&sk->sk_error_queue);
	sk->sk_state_change = sock_def_wakeup;
	sk->sk_data_ready = sock_def_readable;
	sk->sk_write_space = sock_def_write_space;
	sk->sk_error_report = sock_def_error_report;
	return sk;
}

void sk_free(struct sock *sk)
{
	/* Every path to here must have disarmed the sock's timers (Linux's
	 * inet_csk_destroy_sock warns on the same); three pointer tests. */
	BUG_ON(sk->sk_prot->timers_pending && sk->sk_prot->timers_pending(sk));
	/* each packet charged holds a reference: none is left in a device */
	BUG_ON(sk->sk_wmem_alloc != 0);
	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&sk->sk_write_queue);
	skb_queue_purge(&sk->sk_error_queue);
	free(sk);
}

void sock_put(struct sock *sk)
{
	BUG_ON(sk->sk_refcnt == 0);
	if (--sk->sk_refcnt == 0 && sk->sk_freed)
		sk_free(sk);
}

void sock_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	sk->sk_wmem_alloc -= (int)skb->truesize;
	sock_put(sk);
}

void sk_destroy(struct sock *sk)
{
	if (sk->sk_refcnt) {
		sk->sk_freed = true;
		return;
	}
	sk_free(sk);
}

void sock_graft(struct sock *sk, struct socket *sock)
{
	sock->sk = sk;
	sk->sk_socket = sock;
	sock_reset_flag(sk, SOCK_DEAD);
}

void sock_orphan(struct sock *sk)
{
	sk->sk_fd = -1;
	sock_set_flag(sk, SOCK_DEAD);
	if (sk->sk_socket)
		sk->sk_socket->sk = NULL;
	sk->sk_socket = NULL;
}

void sk_set_error(struct sock *sk, int err)
{
	sk->sk_err = err;
	sk->sk_error_report(sk);
}

int sock_error(struct sock *sk)
{
	int err = sk->sk_err;
	sk->sk_err = 0;
	return err;
}

/* ---- timeouts ------------------------------------------------------------*/

uint64_t sock_rcvtimeo(const struct sock *sk, bool noblock)
{
	if (noblock)
		return 0;
	return sk->sk_rcvtimeo ? sk->sk_rcvtimeo : UINT64_MAX;
}

uint64_t sock_sndtimeo(const struct sock *sk, bool noblock)
{
	if (noblock)
		return 0;
	return sk->sk_sndtimeo ? sk->sk_sndtimeo : UINT64_MAX;
}

uint64_t sock_deadline(const struct sock *sk, uint64_t timeo)
{
	uint64_t now = stack_now(sk->sk_stack);
	if (timeo == UINT64_MAX || now + timeo < now)
		return UINT64_MAX;
	return now + timeo;
}

int sk_wait(struct sock *sk, uint64_t deadline)
{
	if (deadline != UINT64_MAX && stack_now(sk->sk_stack) >= deadline)
		return -EAGAIN;
	int err = stack_wait(sk->sk_stack, deadline);
	return err == -ETIMEDOUT ? -EAGAIN : err;
}

/* ---- buffer memory: net.ipv4.tcp_mem ----------------------------------------
 *
 * Linux's sk_mem_* accounting (net/core/sock.c) for TCP. The stack-wide
 * total is in pages; tcp_mem[0..2] are its min, pressure and max marks:
 *   at or under min      every request is granted, and pressure ends;
 *   over pressure        pressure begins (TCPMemoryPressures): buffers stop
 *                        growing, windows shrink, queues are pruned;
 *   while in pressure    a socket still gets memory under its minimum
 *                        (tcp_rmem[0] / tcp_wmem[0]) or its fair share (max
 *                        divided among the TCP sockets alive);
 *   over max             nothing beyond the forced charges.
 * A refused receive drops the segment (the peer retransmits); a refused
 * send shrinks the send buffer and makes the writer wait. */

static long sk_mem_pages(int amt)
{
	return ((long)amt + SK_MEM_QUANTUM - 1) / SK_MEM_QUANTUM;
}

bool tcp_under_memory_pressure(const struct sock *sk)
{
	return sk->sk_stack->tcp_memory_pressure != 0;
}

bool tcp_out_of_memory(const struct sock *sk)
{
	const struct ut_stack *stack = sk->sk_stack;

	return sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	       stack->tcp_memory_allocated > stack->sysctl.tcp_mem[2];
}

/* Linux's tcp_enter_memory_pressure: remembers when, counts the episode. */
static void tcp_enter_memory_pressure(struct ut_stack *stack)
{
	if (stack->tcp_memory_pressure)
		return;
	stack->tcp_memory_pressure = MAX(stack_jiffies(stack), (uint64_t)1);
	NET_INC_STATS(stack, LINUX_MIB_TCPMEMORYPRESSURES);
}

/* Linux's tcp_leave_memory_pressure: the episode's length goes to
 * TCPMemoryPressuresChrono, in milliseconds. */
static void tcp_leave_memory_pressure(struct ut_stack *stack)
{
	uint64_t since = stack->tcp_memory_pressure;

	if (!since)
		return;
	uint64_t now = stack_jiffies(stack);
	stack->tcp_memory_pressure = 0;
	SNMP_ADD_STATS(stack, LINUX_MIB_TCPMEMORYPRESSURESCHRONO, now > since ? now - since : 0);
}

void sk_stream_moderate_sndbuf(struct sock *sk)
{
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	sk->sk_sndbuf = MAX(MIN(sk->sk_sndbuf, sk->sk_wmem_queued / 2), SOCK_MIN_SNDBUF);
}

enum sk_mem_kind { SK_MEM_SEND, SK_MEM_RECV };

/* Linux's __sk_mem_raise_allocated: pages were added to the socket's
 * forward allocation; keeps them (true) or takes them back (false). */
static bool sk_mem_raise_allocated(struct sock *sk, int size, long pages, enum sk_mem_kind kind)
{
	struct ut_stack *stack = sk->sk_stack;
	const long *limit = stack->sysctl.tcp_mem;
	long allocated = stack->tcp_memory_allocated += pages;

	if (allocated <= limit[0]) {
		tcp_leave_memory_pressure(stack);
		return true;
	}
	if (allocated > limit[1])
		tcp_enter_memory_pressure(stack);
	if (allocated <= limit[2]) {
		/* Every socket keeps a minimum buffer even under pressure. */
		if (kind == SK_MEM_RECV && sk->sk_rmem_alloc < stack->sysctl.tcp_rmem[0])
			return true;
		if (kind == SK_MEM_SEND && sk->sk_wmem_queued < stack->sysctl.tcp_wmem[0])
			return true;
		if (!stack->tcp_memory_pressure)
			return true;
		/* In pressure: only a socket holding less than its fair
		 * share of the max. */
		long mine =
			sk_mem_pages(sk->sk_wmem_queued + sk->sk_rmem_alloc + sk->sk_forward_alloc);
		if (limit[2] > (long)stack->tcp_socks * mine)
			return true;
	}
	if (kind == SK_MEM_SEND) {
		sk_stream_moderate_sndbuf(sk);
		/* A queue already at its (shrunk) buffer: the writer waits
		 * for ACKs anyway, so the charge is let through. */
		if (sk->sk_wmem_queued + size >= sk->sk_sndbuf)
			return true;
	}
	trace_sock_exceed_buf_limit(sk, size, kind == SK_MEM_RECV ? "receive" : "send");
	stack->tcp_memory_allocated -= pages;
	return false;
}

static bool sk_mem_schedule(struct sock *sk, int size, enum sk_mem_kind kind)
{
	long pages = sk_mem_pages(size);

	sk->sk_forward_alloc += (int)(pages * SK_MEM_QUANTUM);
	if (sk_mem_raise_allocated(sk, size, pages, kind))
		return true;
	sk->sk_forward_alloc -= (int)(pages * SK_MEM_QUANTUM);
	return false;
}

bool sk_wmem_schedule(struct sock *sk, int size)
{
	return size <= sk->sk_forward_alloc || sk_mem_schedule(sk, size, SK_MEM_SEND);
}

bool sk_rmem_schedule(struct sock *sk, int size)
{
	return size <= sk->sk_forward_alloc || sk_mem_schedule(sk, size, SK_MEM_RECV);
}

void sk_forced_mem_schedule(struct sock *sk, int size)
{
	int delta = size - sk->sk_forward_alloc;

	if (delta <= 0)
		return;
	long pages = sk_mem_pages(delta);
	sk->sk_forward_alloc += (int)(pages * SK_MEM_QUANTUM);
	sk->sk_stack->tcp_memory_allocated += pages;
}

void sk_mem_reclaim(struct sock *sk)
{
	struct ut_stack *stack = sk->sk_stack;
	long pages = sk->sk_forward_alloc / SK_MEM_QUANTUM;

	if (pages <= 0)
		return;
	sk->sk_forward_alloc -= (int)(pages * SK_MEM_QUANTUM);
	stack->tcp_memory_allocated -= pages;
	if (stack->tcp_memory_allocated < stack->sysctl.tcp_mem[0])
		tcp_leave_memory_pressure(stack);
}

/* ---- SOL_SOCKET options ---------------------------------------------------*/

static int get_int_opt(const void *optval, socklen_t optlen, int *val)
{
	if (optlen < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(val, optval, sizeof(int));
	return 0;
}

/* SO_RCVTIMEO/SO_SNDTIMEO, as Linux's sock_set_timeout: {0,0} is
 * forever; a negative time is "do not wait"; usec must be < 1 s. */
static int sock_set_timeout(uint64_t *timeo, const void *optval, socklen_t optlen)
{
	struct timeval tv;

	if (optlen < (socklen_t)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, optval, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*timeo = 1; /* 1 ns: expires at once */
		return 0;
	}
	if (tv.tv_sec == 0 && tv.tv_usec == 0) {
		*timeo = 0;
		return 0;
	}
	*timeo = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * NSEC_PER_USEC;
	return 0;
}

/* SO_BINDTODEVICE and SO_BINDTOIFINDEX (Linux's sock_bindtoindex):
 * the socket sends through that device only and, when it listens or is
 * unconnected, takes only what arrives on it; 0 unbinds. Rebinding needs
 * CAP_NET_RAW in Linux, which the stack's owner has. */
static int sock_bindtoindex(struct sock *sk, int ifindex)
{
	/* an index is taken unchecked, as Linux takes it: a socket may be
	 * bound to a device yet to come */
	if (ifindex < 0)
		return -EINVAL;
	sk->sk_bound_dev_if = ifindex;
	return 0;
}

static int sock_setbindtodevice(struct sock *sk, const void *optval, socklen_t optlen)
{
	char name[IFNAMSIZ] = {0};
	struct net_device *dev;

	if ((int)optlen < 0)
		return -EINVAL;
	/* a name, cut to IFNAMSIZ - 1; "" or nothing unbinds */
	memcpy(name, optval, MIN((size_t)optlen, sizeof(name) - 1));
	if (!name[0])
		return sock_bindtoindex(sk, 0);
	if (!(dev = dev_get_by_name(sk->sk_stack, name)))
		return -ENODEV;
	return sock_bindtoindex(sk, dev->ifindex);
}

int sock_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen)
{
	struct ut_stack *stack = sk->sk_stack;
	int val = 0, err;

	switch (optname) {
	case SO_BINDTODEVICE:
		return sock_setbindtodevice(sk, optval, optlen);
	case SO_RCVTIMEO:
		return sock_set_timeout(&sk->sk_rcvtimeo, optval, optlen);
	case SO_SNDTIMEO:
		return sock_set_timeout(&sk->sk_sndtimeo, optval, optlen);
	case SO_LINGER: {
		struct linger l;
		if (optlen < (socklen_t)sizeof(l))
			return -EINVAL;
		memcpy(&l, optval, sizeof(l));
		if (!l.l_onoff) {
			sock_reset_flag(sk, SOCK_LINGER);
		} else {
			/* Linux reads l_linger as unsigned: a negative one is
			 * a time beyond any (MAX_SCHEDULE_TIMEOUT), not 0,
			 * which would make close() send a RST. */
			sk->sk_lingertime = l.l_linger < 0 ? INT_MAX : l.l_linger;
			sock_set_flag(sk, SOCK_LINGER);
		}
		return 0;
	}
	case SO_MAX_PACING_RATE: {
		/* bytes per second: an int, or a 64-bit value when the
		 * caller passes 8 bytes; ~0U from an int means unlimited
		 * (Linux's sk_setsockopt). Any finite cap turns on TCP's
		 * internal pacing, as in Linux since 4.20. */
		uint64_t rate;
		if ((err = get_int_opt(optval, optlen, &val)) != 0)
			return err;
		rate = (unsigned)val == ~0u ? ~0ull : (unsigned)val;
		if (optlen >= (socklen_t)sizeof(uint64_t))
			memcpy(&rate, optval, sizeof(rate));
		if (rate != ~0ull && sk->sk_pacing_status == SK_PACING_NONE)
			sk->sk_pacing_status = SK_PACING_NEEDED;
		sk->sk_max_pacing_rate = rate;
		sk->sk_pacing_rate = MIN(sk->sk_pacing_rate, rate);
		return 0;
	}
	}
	if ((err = get_int_opt(optval, optlen, &val)) != 0)
		return err;
	switch (optname) {
	case SO_BINDTOIFINDEX:
		return sock_bindtoindex(sk, val);
	case SO_REUSEADDR:
		sk->sk_reuse = val != 0;
		return 0;
	case SO_REUSEPORT:
		sk->sk_reuseport = val != 0;
		return 0;
	case SO_KEEPALIVE:
		if (sk->sk_protocol == IPPROTO_TCP)
			tcp_set_keepalive(sk, val != 0);
		sock_valbool_flag(sk, SOCK_KEEPOPEN, val != 0);
		return 0;
	case SO_BROADCAST:
		sock_valbool_flag(sk, SOCK_BROADCAST, val != 0);
		return 0;
	case SO_NO_CHECK:
		/* UDP: send without a checksum (RFC 768 allows 0) */
		sk->sk_no_check_tx = val != 0;
		return 0;
	case SO_SNDBUF:
	case SO_SNDBUFFORCE: {
		/* Linux doubles the value (room for bookkeeping) and clamps
		 * it to net.core.wmem_max; the FORCE form (CAP_NET_ADMIN,
		 * which the stack's owner has) skips the clamp, takes a
		 * negative value as 0 and stops at INT_MAX / 2. */
		long v = optname == SO_SNDBUF ? MIN((long)(unsigned)val, stack->sysctl.wmem_max)
					      : MIN((long)MAX(val, 0), (long)INT_MAX / 2);
		sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
		sk->sk_sndbuf = (int)MAX(v * 2, SOCK_MIN_SNDBUF);
		sk->sk_write_space(sk);
		return 0;
	}
	case SO_RCVBUF:
	case SO_RCVBUFFORCE: {
		/* as SO_SNDBUF and SO_SNDBUFFORCE, with net.core.rmem_max */
		long v = optname == SO_RCVBUF ? MIN((long)(unsigned)val, stack->sysctl.rmem_max)
					      : MIN((long)MAX(val, 0), (long)INT_MAX / 2);
		sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
		sk->sk_rcvbuf = (int)MAX(v * 2, SOCK_MIN_RCVBUF);
		return 0;
	}
	case SO_RCVLOWAT:
		if (val < 0)
			val = INT32_MAX;
		/* Linux's tcp_set_rcvlowat caps a TCP socket's at half its
		 * receive buffer when SO_RCVBUF set one, else at half of
		 * tcp_rmem's maximum, so a full buffer still wakes poll. */
		if (sk->sk_protocol == IPPROTO_TCP) {
			long cap = (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
					   ? sk->sk_rcvbuf >> 1
					   : (long)stack->sysctl.tcp_rmem[2] >> 1;
			val = (int)MIN((long)val, cap);
		}
		sk->sk_rcvlowat = val ? val : 1;
		return 0;
	case SO_OOBINLINE:
		if (val)
			sock_set_flag(sk, SOCK_URGINLINE);
		else
			sock_reset_flag(sk, SOCK_URGINLINE);
		return 0;
	case SO_MARK:
		/* CAP_NET_ADMIN or CAP_NET_RAW in Linux, which the stack's
		 * owner has. The mark is kept, reported (getsockopt, the
		 * tcp_probe trace) and carried; no policy routing reads it. */
		sk->sk_mark = (uint32_t)val;
		return 0;
	case SO_DONTROUTE:
	case SO_PRIORITY:
		/* Linux lets 0..6 through and more with CAP_NET_ADMIN,
		 * which the stack's owner has (as for ports below 1024). */
		sk->sk_priority = (uint32_t)val;
		return 0;
	case SO_TIMESTAMP_OLD:
	case SO_TIMESTAMPNS_OLD:
	case SO_TIMESTAMP_NEW:
	case SO_TIMESTAMPNS_NEW:
		sock_set_timestamp(sk, optname, val != 0);
		return 0;
	case SO_SELECT_ERR_QUEUE:
		sock_valbool_flag(sk, SOCK_SELECT_ERR_QUEUE, val != 0);
		return 0;
	case SO_ZEROCOPY:
		/* TCP and UDP only, and only 0 or 1 (Linux 6.x's
		 * sk_setsockopt) */
		if (!((sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP) ||
		      (sk->sk_type == SOCK_DGRAM && sk->sk_protocol == IPPROTO_UDP)))
			return -EOPNOTSUPP;
		if (val < 0 || val > 1)
			return -EINVAL;
		sock_valbool_flag(sk, SOCK_ZEROCOPY, val != 0);
		return 0;
	case SO_TIMESTAMPING_OLD:
	case SO_TIMESTAMPING_NEW: {
		/* the flags, or a struct so_timestamping (flags, bind_phc)
		 * when exactly its size (Linux's sk_setsockopt) */
		int phc = 0;
		if (optlen == (socklen_t)(2 * sizeof(int)))
			memcpy(&phc, (const char *)optval + sizeof(int), sizeof(int));
		return sock_set_timestamping(sk, optname, val, phc);
	}
	case SO_TYPE:
	case SO_PROTOCOL:
	case SO_DOMAIN:
	case SO_ERROR:
	case SO_ACCEPTCONN:
		return -ENOPROTOOPT;
	}
	return -ENOPROTOOPT;
}

int sock_put_optval(void *optval, socklen_t *optlen, const void *v, size_t size)
{
	if ((int)*optlen < 0)
		return -EINVAL;
	size_t n = MIN((size_t)*optlen, size);
	if (n) /* optval may be NULL when optlen is 0 */
		memcpy(optval, v, n);
	*optlen = (socklen_t)n;
	return 0;
}

int sock_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen)
{
	int v = 0;

	switch (optname) {
	case SO_BINDTODEVICE: {
		/* the device's name and its NUL; nothing when unbound; a
		 * buffer shorter than IFNAMSIZ is EINVAL (Linux's
		 * sock_getbindtodevice) */
		struct net_device *dev;
		if (!sk->sk_bound_dev_if) {
			*optlen = 0;
			return 0;
		}
		if ((int)*optlen < IFNAMSIZ)
			return -EINVAL;
		if (!(dev = dev_get_by_index(sk->sk_stack, sk->sk_bound_dev_if)))
			return -ENODEV;
		*optlen = (socklen_t)strnlen(dev->name, IFNAMSIZ - 1) + 1;
		memcpy(optval, dev->name, *optlen - 1);
		((char *)optval)[*optlen - 1] = '\0';
		return 0;
	}
	case SO_BINDTOIFINDEX:
		v = sk->sk_bound_dev_if;
		break;
	case SO_MEMINFO: {
		/* Linux's sk_get_meminfo figures, as ss -m shows them */
		uint32_t mem[UT_SK_MEMINFO_VARS];
		sk_get_meminfo(sk, mem);
		return sock_put_optval(optval, optlen, mem, sizeof(mem));
	}
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		uint64_t t = optname == SO_RCVTIMEO ? sk->sk_rcvtimeo : sk->sk_sndtimeo;
		struct timeval tv = {0, 0};
		if (t > 1) {
			tv.tv_sec = (time_t)(t / NSEC_PER_SEC);
			tv.tv_usec = (suseconds_t)((t % NSEC_PER_SEC) / NSEC_PER_USEC);
		}
		return sock_put_optval(optval, optlen, &tv, sizeof(tv));
	}
	case SO_LINGER: {
		struct linger l = {sock_flag(sk, SOCK_LINGER), sk->sk_lingertime};
		return sock_put_optval(optval, optlen, &l, sizeof(l));
	}
	case SO_MAX_PACING_RATE:
		/* 8 bytes if the caller has room for them, else an int
		 * saturated at ~0U (Linux's sk_getsockopt). */
		if ((int)*optlen >= (int)sizeof(uint64_t))
			return sock_put_optval(optval, optlen, &sk->sk_max_pacing_rate,
					       sizeof(uint64_t));
		v = (int)(unsigned)MIN(sk->sk_max_pacing_rate, (uint64_t)~0u);
		break;
	case SO_REUSEADDR:
		v = sk->sk_reuse;
		break;
	case SO_REUSEPORT:
		v = sk->sk_reuseport;
		break;
	case SO_KEEPALIVE:
		v = sock_flag(sk, SOCK_KEEPOPEN);
		break;
	case SO_BROADCAST:
		v = sock_flag(sk, SOCK_BROADCAST);
		break;
	case SO_NO_CHECK:
		v = sk->sk_no_check_tx;
		break;
	case SO_SNDBUF:
		v = sk->sk_sndbuf;
		break;
	case SO_RCVBUF:
		v = sk->sk_rcvbuf;
		break;
	case SO_RCVLOWAT:
		v = sk->sk_rcvlowat;
		break;
	case SO_SNDLOWAT:
		/* Linux reports 1 and refuses to set it (ENOPROTOOPT). */
		v = 1;
		break;
	case SO_MARK:
		v = (int)sk->sk_mark;
		break;
	case SO_TYPE:
		v = sk->sk_type;
		break;
	case SO_PROTOCOL:
		v = sk->sk_protocol;
		break;
	case SO_DOMAIN:
		v = sk->sk_family; /* AF_INET6 for an IPv6 socket */
		break;
	case SO_ERROR:
		v = sock_error(sk);
		break;
	case SO_ACCEPTCONN:
		v = sk->sk_state == TCP_LISTEN;
		break;
	case SO_OOBINLINE:
		v = sock_flag(sk, SOCK_URGINLINE);
		break;
	case SO_DONTROUTE:
	case SO_PRIORITY:
		v = (int)sk->sk_priority;
		break;
	case SO_TIMESTAMP_OLD:
	case SO_TIMESTAMPNS_OLD:
	case SO_TIMESTAMP_NEW:
	case SO_TIMESTAMPNS_NEW: {
		/* each reads as set only for the form and unit last asked */
		bool ns = optname == SO_TIMESTAMPNS_OLD || optname == SO_TIMESTAMPNS_NEW;
		bool isnew = optname == SO_TIMESTAMP_NEW || optname == SO_TIMESTAMPNS_NEW;
		v = sock_flag(sk, SOCK_RCVTSTAMP) && sock_flag(sk, SOCK_RCVTSTAMPNS) == ns &&
		    sock_flag(sk, SOCK_TSTAMP_NEW) == isnew;
		break;
	}
	case SO_SELECT_ERR_QUEUE:
		v = sock_flag(sk, SOCK_SELECT_ERR_QUEUE);
		break;
	case SO_ZEROCOPY:
		v = sock_flag(sk, SOCK_ZEROCOPY);
		break;
	case SO_TIMESTAMPING_OLD:
	case SO_TIMESTAMPING_NEW: {
		/* struct so_timestamping; _NEW reads the flags only when they
		 * were set through it (Linux's sk_getsockopt) */
		int ts[2] = {0, 0};
		if (optname == SO_TIMESTAMPING_OLD || sock_flag(sk, SOCK_TSTAMP_NEW))
			ts[0] = (int)sk->sk_tsflags;
		if ((int)*optlen < 0)
			return -EINVAL;
		return sock_put_optval(optval, optlen, ts, sizeof(ts));
	}
	default:
		return -ENOPROTOOPT;
	}
	if ((int)*optlen < 0)
		return -EINVAL;
	return sock_put_optval(optval, optlen, &v, sizeof(v));
}

/* ---- iovec copies -----------------------------------------------------------*/

void iov_iter_init(struct iov_iter *i, const struct iovec *iov, unsigned long nr_segs, size_t count)
{
	i->iov = iov;
	i->nr_segs = nr_segs;
	i->iov_offset = 0;
	i->count = count;
}

static size_t iter_copy(struct iov_iter *i, void *buf, size_t bytes, bool to_user)
{
	size_t done = 0;

	bytes = MIN(bytes, i->count);
	while (done < bytes && i->nr_segs) {
		size_t avail = i->iov->iov_len - i->iov_offset;
		size_t n = MIN(avail, bytes - done);
		uint8_t *user = (uint8_t *)i->iov->iov_base + i->iov_offset;
		if (n) {
			if (to_user)
				memcpy(user, (uint8_t *)buf + done, n);
			else
				memcpy((uint8_t *)buf + done, user, n);
		}
		done += n;
		i->iov_offset += n;
		if (i->iov_offset == i->iov->iov_len) {
			i->iov++;
			i->nr_segs--;
			i->iov_offset = 0;
		}
	}
	i->count -= done;
	return done;
}

size_t copy_from_iter(void *to, size_t bytes, struct iov_iter *i)
{
	return iter_copy(i, to, bytes, false);
}

size_t copy_to_iter(const void *from, size_t bytes, struct iov_iter *i)
{
	return iter_copy(i, (void *)(uintptr_t)from, bytes, true);
}

/* A NULL base with a length is the one bad pointer a library can see; any
 * other invalid address is the caller's to get right (docs/TCP.md). */
size_t iov_iter_fault_offset(const struct iov_iter *i)
{
	size_t off = 0, skip = i->iov_offset;

	for (unsigned long k = 0; k < i->nr_segs && off < i->count; k++, skip = 0) {
		size_t n = MIN(i->iov[k].iov_len - skip, i->count - off);
		if (n && !i->iov[k].iov_base)
			return off;
		off += n;
	}
	return i->count;
}

ssize_t iov_length_checked(const struct iovec *iov, unsigned long nr_segs)
{
	size_t total = 0;

	for (unsigned long k = 0; k < nr_segs; k++) {
		if (iov[k].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[k].iov_len;
	}
	return (ssize_t)total;
}
