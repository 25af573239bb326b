/* The socket error queue and software timestamping (Linux keeps these in
 * net/core/sock.c, net/core/skbuff.c, net/ipv4/ip_sockglue.c and
 * net/ipv6/datagram.c; see net/errqueue.h for the contract). */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "net/errqueue.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"

#ifndef IPV6_RECVERR
#define IPV6_RECVERR 25
#endif

/* ---- the queue -------------------------------------------------------------*/

int sock_queue_err_skb(struct sock *sk, struct sk_buff *skb)
{
	/* Linux's sock_queue_err_skb: the buffer counts in sk_rmem_alloc
	 * (no tcp_mem page is taken for it: Linux's sock_rmem_free only
	 * gives back sk_rmem_alloc), and one that would fill the receive
	 * buffer is refused. */
	if ((long)sk->sk_rmem_alloc + skb->truesize >= (long)sk->sk_rcvbuf)
		return -ENOMEM;
	sk->sk_rmem_alloc += (int)skb->truesize;
	skb_queue_tail(&sk->sk_error_queue, skb);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_error_report(sk);
	return 0;
}

static bool is_icmp_err_skb(const struct sk_buff *skb)
{
	uint8_t origin = SKB_EXT_ERR(skb)->ee.ee_origin;
	return origin == SO_EE_ORIGIN_ICMP || origin == SO_EE_ORIGIN_ICMP6;
}

struct sk_buff *sock_dequeue_err_skb(struct sock *sk)
{
	struct sk_buff *skb = skb_dequeue(&sk->sk_error_queue), *next;
	bool icmp_next = false;

	if (!skb)
		return NULL;
	sk->sk_rmem_alloc -= (int)skb->truesize;
	/* The pending error becomes the next ICMP error's, or goes with the
	 * one just taken, as Linux's sock_dequeue_err_skb. */
	next = skb_peek(&sk->sk_error_queue);
	if (next && is_icmp_err_skb(next)) {
		icmp_next = true;
		sk->sk_err = SKB_EXT_ERR(next)->ee.ee_errno;
	}
	if (is_icmp_err_skb(skb) && !icmp_next)
		sk->sk_err = 0;
	if (next)
		sk->sk_error_report(sk);
	return skb;
}

void sock_purge_err_queue(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&sk->sk_error_queue)) != NULL) {
		sk->sk_rmem_alloc -= (int)skb->truesize;
		kfree_skb(skb);
	}
}

void skb_errqueue_purge(struct sock *sk)
{
	struct sk_buff *skb, *next;

	skb_queue_walk_safe(&sk->sk_error_queue, skb, next) {
		uint8_t origin = SKB_EXT_ERR(skb)->ee.ee_origin;
		if (origin == SO_EE_ORIGIN_ZEROCOPY || origin == SO_EE_ORIGIN_TIMESTAMPING)
			continue;
		skb_unlink(skb, &sk->sk_error_queue);
		sk->sk_rmem_alloc -= (int)skb->truesize;
		kfree_skb(skb);
	}
}

/* ---- control messages ----------------------------------------------------*/

void put_cmsg(struct msghdr *msg, int level, int type, size_t len, const void *data)
{
	size_t cmlen = CMSG_LEN(len), space = CMSG_SPACE(len);
	struct cmsghdr h;

	/* As Linux's put_cmsg: no room for even a header is MSG_CTRUNC and
	 * nothing written; a partial fit writes what fits. */
	if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (msg->msg_controllen < cmlen) {
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = msg->msg_controllen;
	}
	memset(&h, 0, sizeof(h));
	h.cmsg_level = level;
	h.cmsg_type = type;
	h.cmsg_len = cmlen;
	memcpy(msg->msg_control, &h, sizeof(h));
	memcpy(CMSG_DATA((struct cmsghdr *)msg->msg_control), data, cmlen - sizeof(h));
	if (space > msg->msg_controllen)
		space = msg->msg_controllen;
	msg->msg_control = (char *)msg->msg_control + space;
	msg->msg_controllen -= space;
}

/* ---- recvmsg(MSG_ERRQUEUE) -------------------------------------------------*/

static ssize_t recv_error_data(struct sk_buff *skb, struct msghdr *msg, size_t len)
{
	struct iov_iter it;
	size_t copied = skb->len;

	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	iov_iter_init(&it, msg->msg_iov, msg->msg_iovlen, len);
	copy_to_iter(skb->data, copied, &it);
	return (ssize_t)copied;
}

/* Linux's ip_recv_error, less what every family does (inet_recv_error):
 * the name and the IP_RECVERR control message. */
static void ip_recv_error_addrs(struct msghdr *msg, const struct sock_exterr_skb *serr,
				int *addr_len)
{
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in offender;
	} errhdr;

	/* An ICMP or local error names the destination it was about; a
	 * timestamp names nothing (Linux's ipv4_datagram_support_addr). */
	if (msg->msg_name && serr->has_addr) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = serr->port};
		memcpy(&sin.sin_addr, &serr->addr, 4);
		memcpy(msg->msg_name, &sin, MIN((size_t)msg->msg_namelen, sizeof(sin)));
		*addr_len = sizeof(sin);
	}
	memset(&errhdr, 0, sizeof(errhdr));
	errhdr.ee = serr->ee;
	if (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP) {
		errhdr.offender.sin_family = AF_INET;
		memcpy(&errhdr.offender.sin_addr, &serr->offender, 4);
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);
}

static void to_v6(struct in6_addr *out, const struct in6_addr *a, bool v6)
{
	if (v6) {
		*out = *a;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], a, 4);
}

/* Linux's ipv6_recv_error's part: the name is always filled (v4-mapped
 * for an IPv4 error), and the control message is IPV6_RECVERR's. */
static void ipv6_recv_error_addrs(struct msghdr *msg, const struct sock_exterr_skb *serr,
				  int *addr_len)
{
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in6 offender;
	} errhdr;

	if (msg->msg_name) {
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = serr->port};
		to_v6(&sin6.sin6_addr, &serr->addr, serr->v6);
		memcpy(msg->msg_name, &sin6, MIN((size_t)msg->msg_namelen, sizeof(sin6)));
		*addr_len = sizeof(sin6);
	}
	memset(&errhdr, 0, sizeof(errhdr));
	errhdr.ee = serr->ee;
	if (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP || serr->ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
		errhdr.offender.sin6_family = AF_INET6;
		to_v6(&errhdr.offender.sin6_addr, &serr->offender, serr->v6);
	}
	put_cmsg(msg, SOL_IPV6, IPV6_RECVERR, sizeof(errhdr), &errhdr);
}

ssize_t inet_recv_error(struct sock *sk, struct msghdr *msg, size_t len, int *addr_len)
{
	struct sk_buff *skb = sock_dequeue_err_skb(sk);
	ssize_t copied;

	if (!skb)
		return -EAGAIN;
	copied = recv_error_data(skb, msg, len);
	sock_recv_timestamp(msg, sk, skb->tstamp, true);
	if (sk->sk_family == AF_INET6)
		ipv6_recv_error_addrs(msg, SKB_EXT_ERR(skb), addr_len);
	else
		ip_recv_error_addrs(msg, SKB_EXT_ERR(skb), addr_len);
	msg->msg_flags |= MSG_ERRQUEUE;
	kfree_skb(skb);
	return copied;
}

/* ---- errors queued ---------------------------------------------------------*/

/* A buffer holding n bytes of data, for the error queue. */
static struct sk_buff *err_skb_alloc(struct sock *sk, const void *data, uint32_t n)
{
	struct sk_buff *skb = alloc_skb(sk->sk_stack->pool, n);

	if (!skb)
		return NULL;
	if (n)
		memcpy(skb_put(skb, n), data, n);
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->tstamp = 0;
	return skb;
}

static void err_skb_queue(struct sock *sk, struct sk_buff *skb)
{
	if (sock_queue_err_skb(sk, skb))
		kfree_skb(skb);
}

/* An ICMP or local error, as the error queue reports it. */
struct err_desc {
	int err;
	uint8_t origin, type, code;
	bool v6;
	uint32_t info;
	uint16_t port;		  /* the name's, network order */
	const void *daddr, *from; /* the name's address, the offender's (NULL: none) */
};

/* Queues an error with n bytes of data (Linux's ip_icmp_error and
 * ip_local_error build the same record). */
static void queue_error(struct sock *sk, const struct err_desc *d, const void *data, uint32_t n,
			uint64_t tstamp)
{
	struct sk_buff *skb = err_skb_alloc(sk, data, n);
	struct sock_exterr_skb *serr;
	size_t alen = d->v6 ? 16 : 4;

	if (!skb)
		return;
	skb->tstamp = tstamp;
	serr = SKB_EXT_ERR(skb);
	serr->ee.ee_errno = (uint32_t)d->err;
	serr->ee.ee_origin = d->origin;
	serr->ee.ee_type = d->type;
	serr->ee.ee_code = d->code;
	serr->ee.ee_info = d->info;
	serr->port = d->port;
	serr->v6 = d->v6;
	serr->has_addr = 1;
	memcpy(&serr->addr, d->daddr, alen);
	if (d->from)
		memcpy(&serr->offender, d->from, alen);
	err_skb_queue(sk, skb);
}

/* Linux's ip_icmp_error: the quoted datagram's payload, the ICMP message's
 * type, code and info, the sender of the error as offender. */
static void icmp_error_common(struct sock *sk, const struct sk_buff *skb, struct err_desc *d,
			      uint32_t payload_off)
{
	uint32_t n = skb->len > payload_off ? skb->len - payload_off : 0;

	queue_error(sk, d, skb->data + payload_off, n,
		    skb->tstamp ? sock_tstamp_of(sk, skb->tstamp) : 0);
}

void ip_icmp_error(struct sock *sk, const struct sk_buff *skb, int err, uint32_t from, uint8_t type,
		   uint8_t code, uint32_t info, uint32_t daddr, uint16_t port, uint32_t payload_off)
{
	struct err_desc d = {err, SO_EE_ORIGIN_ICMP, type, code, false, info, port, &daddr, &from};

	icmp_error_common(sk, skb, &d, payload_off);
}

void ipv6_icmp_error(struct sock *sk, const struct sk_buff *skb, int err,
		     const struct in6_addr *from, uint8_t type, uint8_t code, uint32_t info,
		     const struct in6_addr *daddr, uint16_t port, uint32_t payload_off)
{
	struct err_desc d = {err, SO_EE_ORIGIN_ICMP6, type, code, true, info, port, daddr, from};

	icmp_error_common(sk, skb, &d, payload_off);
}

static void local_error(struct sock *sk, int err, bool v6, const void *daddr, uint16_t port,
			uint32_t info)
{
	struct err_desc d = {err, SO_EE_ORIGIN_LOCAL, 0, 0, v6, info, port, daddr, NULL};

	queue_error(sk, &d, NULL, 0, 0);
}

void ip_local_error(struct sock *sk, int err, uint32_t daddr, uint16_t port, uint32_t info)
{
	if (sk->sk_recverr)
		local_error(sk, err, false, &daddr, port, info);
}

void ipv6_local_error(struct sock *sk, int err, const struct in6_addr *daddr, uint16_t port,
		      uint32_t info)
{
	if (inet6_sk(sk)->recverr)
		local_error(sk, err, true, daddr, port, info);
}

/* ---- timestamping ----------------------------------------------------------*/

uint64_t sock_tstamp_of(const struct sock *sk, uint64_t stack_ns)
{
	return stack_ns + (uint64_t)sk->sk_stack->tstamp_offset;
}

uint64_t sock_tstamp_now(const struct sock *sk)
{
	return sock_tstamp_of(sk, stack_now(sk->sk_stack));
}

void sock_set_timestamp(struct sock *sk, int optname, bool on)
{
	bool ns = optname == SO_TIMESTAMPNS_OLD || optname == SO_TIMESTAMPNS_NEW;
	bool isnew = optname == SO_TIMESTAMP_NEW || optname == SO_TIMESTAMPNS_NEW;

	if (on) {
		sock_valbool_flag(sk, SOCK_TSTAMP_NEW, isnew);
		sock_valbool_flag(sk, SOCK_RCVTSTAMPNS, ns);
		sock_set_flag(sk, SOCK_RCVTSTAMP);
	} else {
		sock_reset_flag(sk, SOCK_RCVTSTAMP);
		sock_reset_flag(sk, SOCK_RCVTSTAMPNS);
	}
}

int sock_set_timestamping(struct sock *sk, int optname, int flags, int bind_phc)
{
	uint32_t val = (uint32_t)flags;

	(void)bind_phc;
	if (val & ~(uint32_t)SOF_TIMESTAMPING_MASK_)
		return -EINVAL;
	if ((val & SOF_TIMESTAMPING_OPT_ID_TCP_) && !(val & SOF_TIMESTAMPING_OPT_ID))
		return -EINVAL;
	/* The key counts from here: for TCP a byte offset from the first
	 * byte not yet acknowledged (or, with OPT_ID_TCP, not yet written),
	 * so only a connection has one (Linux's sock_set_timestamping). */
	if ((val & SOF_TIMESTAMPING_OPT_ID) && !(sk->sk_tsflags & SOF_TIMESTAMPING_OPT_ID)) {
		if (sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM) {
			struct tcp_sock *tp = tcp_sk(sk);
			if (TCPF(sk->sk_state) & (TCPF(TCP_CLOSE) | TCPF(TCP_LISTEN)))
				return -EINVAL;
			sk->sk_tskey = (val & SOF_TIMESTAMPING_OPT_ID_TCP_) ? tp->write_seq
									    : tp->snd_una;
		} else {
			sk->sk_tskey = 0;
		}
	}
	if ((val & SOF_TIMESTAMPING_OPT_STATS) && !(val & SOF_TIMESTAMPING_OPT_TSONLY))
		return -EINVAL;
	/* A hardware clock to bind to needs a device that has one: none
	 * here has (Linux's sock_timestamping_bind_phc). */
	if (val & SOF_TIMESTAMPING_BIND_PHC)
		return sk->sk_bound_dev_if ? -EINVAL : -EOPNOTSUPP;
	sk->sk_tsflags = val;
	sock_valbool_flag(sk, SOCK_TSTAMP_NEW, optname == SO_TIMESTAMPING_NEW);
	return 0;
}

/* Whether received buffers carry a software stamp for sk: Linux stamps
 * them once any socket has asked (SO_TIMESTAMP or RX_SOFTWARE); here the
 * socket's own asking decides, as on a host where no other socket asks. */
static bool sock_rx_stamped(const struct sock *sk)
{
	return sock_flag(sk, SOCK_RCVTSTAMP) || (sk->sk_tsflags & SOF_TIMESTAMPING_RX_SOFTWARE);
}

void sock_recv_timestamp(struct msghdr *msg, struct sock *sk, uint64_t stack_ns, bool errq)
{
	uint32_t tsflags = sk->sk_tsflags;
	bool isnew = sock_flag(sk, SOCK_TSTAMP_NEW);
	uint64_t t;

	if (!stack_ns || (!errq && !sock_rx_stamped(sk)))
		return;
	t = errq ? stack_ns : sock_tstamp_of(sk, stack_ns);
	int64_t sec = (int64_t)(t / NSEC_PER_SEC), nsec = (int64_t)(t % NSEC_PER_SEC);
	if (sock_flag(sk, SOCK_RCVTSTAMP)) {
		/* x86-64: the _OLD and _NEW layouts are the same two longs */
		if (sock_flag(sk, SOCK_RCVTSTAMPNS)) {
			struct timespec ts = {.tv_sec = sec, .tv_nsec = nsec};
			put_cmsg(msg, SOL_SOCKET, isnew ? SO_TIMESTAMPNS_NEW : SO_TIMESTAMPNS_OLD,
				 sizeof(ts), &ts);
		} else {
			struct timeval tv = {.tv_sec = sec, .tv_usec = nsec / 1000};
			put_cmsg(msg, SOL_SOCKET, isnew ? SO_TIMESTAMP_NEW : SO_TIMESTAMP_OLD,
				 sizeof(tv), &tv);
		}
	}
	if ((tsflags & SOF_TIMESTAMPING_SOFTWARE) &&
	    ((tsflags & SOF_TIMESTAMPING_RX_SOFTWARE) || errq ||
	     !(tsflags & SOF_TIMESTAMPING_OPT_RX_FILTER_))) {
		struct scm_timestamping tss;
		memset(&tss, 0, sizeof(tss));
		tss.ts[0].tv_sec = sec;
		tss.ts[0].tv_nsec = nsec;
		put_cmsg(msg, SOL_SOCKET, isnew ? SO_TIMESTAMPING_NEW : SO_TIMESTAMPING_OLD,
			 sizeof(tss), &tss);
	}
}

void skb_tstamp_tx(struct sock *sk, const struct sk_buff *skb, uint32_t tskey, int tstype)
{
	uint32_t tsflags = sk->sk_tsflags;
	bool tsonly = tsflags & SOF_TIMESTAMPING_OPT_TSONLY;
	struct sk_buff *e;
	struct sock_exterr_skb *serr;

	e = err_skb_alloc(sk, skb ? skb->data : NULL, (skb && !tsonly) ? skb->len : 0);
	if (!e)
		return;
	e->tstamp = sock_tstamp_now(sk);
	serr = SKB_EXT_ERR(e);
	serr->ee.ee_errno = ENOMSG;
	serr->ee.ee_origin = SO_EE_ORIGIN_TIMESTAMPING;
	serr->ee.ee_info = (uint32_t)tstype;
	/* TCP's key counts bytes from where OPT_ID was set (Linux's
	 * __skb_complete_tx_timestamp subtracts sk_tskey). */
	if (tsflags & SOF_TIMESTAMPING_OPT_ID)
		serr->ee.ee_data = sk->sk_protocol == IPPROTO_TCP ? tskey - sk->sk_tskey : tskey;
	err_skb_queue(sk, e);
}

void sock_tx_timestamp_dgram(struct sock *sk, const struct sk_buff *skb, uint32_t tsflags)
{
	uint32_t key;

	if (!(tsflags & (SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_TX_SCHED)))
		return;
	key = sk->sk_tskey;
	if (sk->sk_tsflags & SOF_TIMESTAMPING_OPT_ID)
		sk->sk_tskey++;
	if (tsflags & SOF_TIMESTAMPING_TX_SCHED)
		skb_tstamp_tx(sk, skb, key, SCM_TSTAMP_SCHED);
	if (tsflags & SOF_TIMESTAMPING_TX_SOFTWARE)
		skb_tstamp_tx(sk, skb, key, SCM_TSTAMP_SND);
}

int sock_cmsg_tsflags(const struct msghdr *msg, uint32_t *tsflags)
{
	struct msghdr *m = (struct msghdr *)(uintptr_t)msg;

	if (!msg->msg_control || !msg->msg_controllen)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		uint32_t v;
		if (c->cmsg_level != SOL_SOCKET ||
		    (c->cmsg_type != SO_TIMESTAMPING_OLD && c->cmsg_type != SO_TIMESTAMPING_NEW))
			continue;
		if (c->cmsg_len != CMSG_LEN(sizeof(uint32_t)))
			return -EINVAL;
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		if (v & ~(uint32_t)SOF_TIMESTAMPING_TX_RECORD_MASK)
			return -EINVAL;
		*tsflags = (*tsflags & ~(uint32_t)SOF_TIMESTAMPING_TX_RECORD_MASK) | v;
	}
	return 0;
}
