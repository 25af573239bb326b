/* TCP over IPv6 (Linux's net/ipv6/tcp_ipv6.c): connect(), including the
 * v4-mapped case that hands the connection to IPv4; the receive entry
 * point's IPv6 half (checksum, established lookup; the rest is shared
 * with IPv4 through tcp_rcv_dispatch); ICMPv6 errors and Packet Too Big;
 * segments sent without a full socket (RST, the ACKs of time-wait and
 * request sockets, SYN-ACKs); ISNs and timestamp offsets over IPv6
 * addresses (RFC 6528). Everything that does not name an address is
 * TCP's own and shared with IPv4. */
#include <errno.h>
#include <string.h>

#include "net/addrconf.h"
#include "net/af_inet.h"
#include "net/ip6_route.h"
#include "net/ipv6.h"
#include "net/siphash.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/trace_events.h"
#include "net/transp_v6.h"

/* ---- secrets (RFC 6528, Linux's secure_tcpv6_seq) ------------------------------------*/

struct tcpv6_tuple {
	struct in6_addr saddr, daddr;
	uint32_t ports;
};

static uint32_t secure_tcpv6_seq(struct ut_stack *stack, const struct in6_addr *saddr,
				 const struct in6_addr *daddr, uint16_t sport, uint16_t dport)
{
	struct tcpv6_tuple t;

	memset(&t, 0, sizeof(t));
	t.saddr = *saddr;
	t.daddr = *daddr;
	t.ports = ((uint32_t)sport << 16) | dport;
	/* M + F(...), M ticking every 64 ns as IPv4's (RFC 6528 3) */
	return (uint32_t)siphash(&t, sizeof(t), stack->isn_key) + (uint32_t)(stack_now(stack) >> 6);
}

static uint32_t secure_tcpv6_ts_off(struct ut_stack *stack, const struct in6_addr *saddr,
				    const struct in6_addr *daddr)
{
	struct tcpv6_tuple t;

	memset(&t, 0, sizeof(t));
	t.saddr = *saddr;
	t.daddr = *daddr;
	return (uint32_t)siphash(&t, sizeof(t), stack->ts_key);
}

/* ---- sending ------------------------------------------------------------------------*/

static void tcp_v6_fill_csum(struct sk_buff *skb, const struct in6_addr *saddr,
			     const struct in6_addr *daddr)
{
	put_be16(skb->data + 16, 0);
	put_be16(skb->data + 16, csum_ipv6(saddr, daddr, IPPROTO_TCP_, skb->data, skb->len));
}

/* The device a packet to daddr must leave by when the address means
 * nothing beyond one link (RFC 4007 6): the socket's, else the one the
 * segment being answered came in on. */
static int tcp_v6_oif(const struct in6_addr *daddr, int bound, const struct sk_buff *in)
{
	if (bound)
		return bound;
	if (in && in->dev && (ipv6_addr_type(daddr) & (IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MULTICAST)))
		return in->dev->ifindex;
	return 0;
}

/* ipv6_specific.queue_xmit (Linux's inet6_csk_xmit): a segment of sk's
 * connection, with the socket's traffic class, hop limit and device. */
static int tcp_v6_xmit(struct sock *sk, struct sk_buff *skb)
{
	struct ut_stack *stack = sk->sk_stack;
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct ip6_out_params p = {
		.saddr = np->saddr,
		.daddr = sk->sk_v6_daddr,
		.nexthdr = IPPROTO_TCP_,
		.tclass = np->tclass,
		.hop_limit = np->hop_limit,
		.oif = sk->sk_bound_dev_if,
		.pmtudisc = np->pmtudisc,
	};

	if (stack->dying) {
		kfree_skb(skb);
		return -ENETDOWN;
	}
	return ip6_xmit(stack, skb, &p, tcp_v6_fill_csum);
}

/* A segment with no full socket behind it (Linux's tcp_v6_send_response). */
static void tcp_v6_send_ctl(struct ut_stack *stack, const struct in6_addr *saddr,
			    const struct in6_addr *daddr, struct wire_tcp *th,
			    const struct wire_tcp_opts *opts, int oif, uint8_t tclass)
{
	uint8_t optbuf[TCP_HLEN_MAX - TCP_HLEN_MIN];
	struct ip6_out_params p = {
		.saddr = *saddr,
		.daddr = *daddr,
		.nexthdr = IPPROTO_TCP_,
		.tclass = tclass,
		.hop_limit = -1,
		.oif = oif,
		.pmtudisc = IPV6_PMTUDISC_WANT,
	};
	struct sk_buff *skb;

	if (stack->dying)
		return;
	skb = stack_alloc_skb(stack, 0);
	if (!skb)
		return;
	th->opts = optbuf;
	th->opts_len = opts ? wire_tcp_emit_options(optbuf, opts) : 0;
	uint8_t *h = skb_push(skb, (uint32_t)(TCP_HLEN_MIN + th->opts_len));
	wire_tcp_emit(h, th);
	skb_reset_transport_header(skb);
	TCP_INC_STATS(stack, TCP_MIB_OUTSEGS);
	trace_tcp_segment_send(stack, -1, ut_ip_v6(saddr), ut_ip_v6(daddr), th, 0, NULL);
	ip6_send_skb(stack, skb, &p, tcp_v6_fill_csum);
}

/* A RST answering the segment in skb (Linux's tcp_v6_send_reset). */
static void tcp_v6_send_reset(struct ut_stack *stack, const struct sk_buff *skb,
			      const struct wire_tcp *in, struct sock *sk)
{
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	struct in6_addr saddr, daddr;
	struct wire_tcp th;

	/* Never answer a reset with a reset (RFC 9293 3.10.7.1), nor a
	 * segment sent to a group. */
	if (in->flags & TCPHDR_RST)
		return;
	if (skb->pkt_type != PACKET_HOST)
		return;
	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	if (ipv6_addr_is_multicast(&daddr))
		return;
	memset(&th, 0, sizeof(th));
	th.sport = in->dport;
	th.dport = in->sport;
	th.flags = TCPHDR_RST;
	if (in->flags & TCPHDR_ACK) {
		th.seq = in->ack_seq;
	} else {
		th.ack_seq = tcb->end_seq;
		th.flags |= TCPHDR_ACK;
	}
	TCP_INC_STATS(stack, TCP_MIB_OUTRSTS);
	trace_tcp_send_reset(stack, ut_ip_v6(&daddr), ut_ip_v6(&saddr), &th, sk);
	tcp_v6_send_ctl(stack, &daddr, &saddr, &th, NULL,
			tcp_v6_oif(&saddr, sk ? sk->sk_bound_dev_if : 0, skb), 0);
}

static void tcp_v6_send_ack(struct ut_stack *stack, const struct sock_common *c, uint32_t seq,
			    uint32_t ack, uint32_t win, uint32_t tsval, uint32_t tsecr, bool ts,
			    uint8_t tclass)
{
	struct wire_tcp th;
	struct wire_tcp_opts opts;

	memset(&th, 0, sizeof(th));
	memset(&opts, 0, sizeof(opts));
	th.sport = c->skc_num;
	th.dport = c->skc_dport;
	th.seq = seq;
	th.ack_seq = ack;
	th.flags = TCPHDR_ACK;
	th.window = (uint16_t)MIN(win, 65535u);
	if (ts) {
		opts.saw_tstamp = true;
		opts.tsval = tsval;
		opts.tsecr = tsecr;
	}
	tcp_v6_send_ctl(stack, &c->skc_v6_rcv_saddr, &c->skc_v6_daddr, &th, &opts,
			c->skc_bound_dev_if, tclass);
}

/* A time-wait socket's ACK (Linux's tcp_v6_timewait_ack). */
static void tcp_v6_timewait_ack(struct inet_timewait_sock *tw)
{
	struct sock_common *c = &tw->__tw_common;
	struct ut_stack *stack = c->skc_stack;

	tcp_v6_send_ack(stack, c, tw->tw_snd_nxt, tw->tw_rcv_nxt,
			tw->tw_rcv_wnd >> tw->tw_rcv_wscale,
			tcp_time_stamp(stack) + tw->tw_ts_offset, tw->tw_ts_recent,
			tw->tw_tstamp_ok, 0);
}

/* ipv6_specific.send_ack (Linux's tcp_v6_reqsk_send_ack). */
static void tcp_v6_reqsk_send_ack(struct sock *listener, struct request_sock *req)
{
	struct ut_stack *stack = listener->sk_stack;

	tcp_v6_send_ack(stack, &req->__req_common, req->snt_isn + 1, req->rcv_isn + 1,
			req->rcv_wnd >> req->rcv_wscale, tcp_time_stamp(stack) + req->ts_off,
			req->ts_recent, req->tstamp_ok, inet6_sk(listener)->tclass);
}

/* ipv6_specific.send_synack (Linux's tcp_v6_send_synack). */
static int tcp_v6_send_synack(struct sock *listener, struct request_sock *req)
{
	struct ut_stack *stack = listener->sk_stack;
	const struct sock_common *c = &req->__req_common;
	struct ipv6_pinfo *np = inet6_sk(listener);
	uint8_t optbuf[TCP_HLEN_MAX - TCP_HLEN_MIN];
	struct ip6_out_params p = {
		.saddr = c->skc_v6_rcv_saddr,
		.daddr = c->skc_v6_daddr,
		.nexthdr = IPPROTO_TCP_,
		.tclass = np->tclass,
		.hop_limit = np->hop_limit,
		.oif = c->skc_bound_dev_if,
		.pmtudisc = IPV6_PMTUDISC_WANT,
	};
	struct wire_tcp_opts opts;
	struct wire_tcp th;
	struct sk_buff *skb;

	if (stack->dying)
		return -ENETDOWN;
	skb = stack_alloc_skb(stack, 0);
	if (!skb)
		return -ENOBUFS;
	tcp_synack_header(listener, req, &th, &opts);
	th.opts = optbuf;
	th.opts_len = wire_tcp_emit_options(optbuf, &opts);
	uint8_t *h = skb_push(skb, (uint32_t)(TCP_HLEN_MIN + th.opts_len));
	wire_tcp_emit(h, &th);
	skb_reset_transport_header(skb);
	TCP_INC_STATS(stack, TCP_MIB_OUTSEGS);
	trace_tcp_segment_send(stack, -1, ut_ip_v6(&p.saddr), ut_ip_v6(&p.daddr), &th, 0, NULL);
	return ip6_send_skb(stack, skb, &p, tcp_v6_fill_csum);
}

/* ---- routes ---------------------------------------------------------------------------*/

/* The path MTU toward daddr, or IPv6's minimum link MTU (RFC 8200 5)
 * when there is no route. 0 or -errno. */
static int tcp_v6_route_mtu(struct ut_stack *stack, const struct in6_addr *daddr, int oif,
			    uint32_t *mtu)
{
	struct rt6_result res;
	int err = ip6_route_output(stack, daddr, oif, &res);

	*mtu = err == 0 && res.dev ? res.mtu : IPV6_MIN_MTU;
	return err;
}

/* The MSS a path MTU allows to announce (Linux's ip6_default_advmss):
 * the MTU less the headers, no less than net.ipv6.route.min_adv_mss, no
 * more than the largest payload without a jumbogram. */
static uint32_t ip6_default_advmss(struct ut_stack *stack, uint32_t mtu)
{
	uint32_t mss = mtu - IPV6_HLEN - TCP_HLEN_MIN;
	uint32_t min = (uint32_t)net_ipv6(stack)->sysctl.ip6_rt_min_advmss;

	if (mtu < IPV6_HLEN + TCP_HLEN_MIN || mss < min)
		mss = min;
	return MIN(mss, (uint32_t)(IP_MAXPACKET - TCP_HLEN_MIN));
}

/* ipv6_specific.rebuild_header */
static int tcp_v6_rebuild_header(struct sock *sk, uint32_t *mtu)
{
	return tcp_v6_route_mtu(sk->sk_stack, &sk->sk_v6_daddr, sk->sk_bound_dev_if, mtu);
}

/* ---- connect -------------------------------------------------------------------------*/

/* connect() to a v4-mapped address: the connection is IPv4's (RFC 4291
 * 2.5.5.2), its IPv6 view the mapped forms (Linux's tcp_v6_connect). */
static int tcp_v6_connect_mapped(struct sock *sk, const struct sockaddr_in6 *usin)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct sockaddr_in sin;
	int err;

	if (sk->sk_ipv6only)
		return -ENETUNREACH;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = usin->sin6_port;
	sin.sin_addr.s_addr = ipv6_addr_v4(&usin->sin6_addr);
	/* The mapped peer is in place before the socket is hashed: the
	 * tables hash it as IPv4 by it. */
	sk->sk_v6_daddr = usin->sin6_addr;
	icsk->icsk_af_ops = &ipv6_mapped;
	err = tcp_v4_connect(sk, (const struct sockaddr *)&sin, sizeof(sin));
	if (err) {
		icsk->icsk_af_ops = &ipv6_specific;
		memset(&sk->sk_v6_daddr, 0, sizeof(sk->sk_v6_daddr));
		return err;
	}
	ipv6_addr_set_v4mapped(sk->sk_saddr, &inet6_sk(sk)->saddr);
	ipv6_addr_set_v4mapped(sk->sk_rcv_saddr, &sk->sk_v6_rcv_saddr);
	return 0;
}

static int tcp_v6_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t addr_len)
{
	struct ut_stack *stack = sk->sk_stack;
	struct ipv6_pinfo *np = inet6_sk(sk);
	struct tcp_sock *tp = tcp_sk(sk);
	const struct sockaddr_in6 *usin;
	struct in6_addr daddr, saddr;
	struct rt6_result res;
	uint32_t scope_id;
	unsigned addr_type;
	int err;

	if ((err = inet6_check_sockaddr(uaddr, addr_len, &usin, &scope_id)) != 0)
		return err;
	daddr = usin->sin6_addr;
	/* connect() to :: reaches this host (RFC 4291 2.5.2 says it is no
	 * destination; BSD and Linux route it to the loopback). */
	if (ipv6_addr_any(&daddr)) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
			ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK), &daddr);
		else
			daddr = in6addr_loopback;
	}
	addr_type = ipv6_addr_kind(&daddr);
	if (addr_type & IPV6_ADDR_MULTICAST)
		return -ENETUNREACH;
	if (addr_type & IPV6_ADDR_LINKLOCAL) {
		/* The scope id names the link; a socket tied to another
		 * device cannot reach it (Linux: EINVAL). */
		if (addr_len >= sizeof(struct sockaddr_in6) && scope_id) {
			if (sk->sk_bound_dev_if && sk->sk_bound_dev_if != (int)scope_id)
				return -EINVAL;
			sk->sk_bound_dev_if = (int)scope_id;
		}
		if (!sk->sk_bound_dev_if)
			return -EINVAL;
	}
	if (addr_type == IPV6_ADDR_MAPPED) {
		struct sockaddr_in6 mapped = *usin;
		mapped.sin6_addr = daddr;
		return tcp_v6_connect_mapped(sk, &mapped);
	}
	/* A socket bound to a v4-mapped address speaks IPv4 only. */
	if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
		return -EAFNOSUPPORT;

	err = ip6_route_output(stack, &daddr, sk->sk_bound_dev_if, &res);
	if (err) {
		SNMP_INC_STATS(stack, IPSTATS6_MIB_OUTNOROUTES);
		return err;
	}
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr)) {
		err = ipv6_dev_get_saddr(stack, res.dev, &daddr, &saddr);
		if (err)
			return err;
		sk->sk_v6_rcv_saddr = saddr;
	} else {
		saddr = sk->sk_v6_rcv_saddr;
	}
	np->saddr = saddr;
	sk->sk_v6_daddr = daddr;
	/* the IPv4 fields say "no IPv4 here" (Linux's LOOPBACK4_IPV6) */
	sk->sk_daddr = sk->sk_rcv_saddr = sk->sk_saddr = LOOPBACK4_IPV6;
	sk->sk_dport = ntohs(usin->sin6_port);
	tcp_set_state(sk, TCP_SYN_SENT);
	err = inet_hash_connect(&stack->tcp_hashinfo, sk);
	if (err) {
		tcp_set_state(sk, TCP_CLOSE);
		if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
			inet_reset_saddr(sk);
		inet_reset_daddr(sk);
		sk->sk_dport = 0;
		return err;
	}
	/* (In repair both are what TCP_QUEUE_SEQ and TCP_TIMESTAMP set.) */
	if (!tp->write_seq && !tp->repair)
		tp->write_seq = secure_tcpv6_seq(stack, &saddr, &daddr, sk->sk_num, sk->sk_dport);
	if (!tp->repair)
		tp->tsoffset = secure_tcpv6_ts_off(stack, &saddr, &daddr);
	inet_csk(sk)->icsk_pmtu_cookie = res.dev ? res.mtu : IPV6_MIN_MTU;
	tp->advmss = (uint16_t)ip6_default_advmss(stack, inet_csk(sk)->icsk_pmtu_cookie);
	trace_tcp_event(sk, UT_TP_CONNECT, "connect()");
	err = tcp_connect(sk);
	if (err) {
		tcp_set_state(sk, TCP_CLOSE);
		sk->sk_dport = 0;
		return err;
	}
	return 0;
}

/* ---- passive open ---------------------------------------------------------------------*/

int tcp_v6_conn_request(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			const struct wire_tcp_opts *opts)
{
	struct in6_addr saddr;

	/* An IPv4 SYN reached a dual-stack listener (Linux's
	 * tcp_v6_conn_request hands it to tcp_v4_conn_request). */
	if (skb->protocol == ETH_P_IP)
		return tcp_conn_request(&ipv6_mapped, sk, skb, th, opts);
	/* A v4-mapped source inside IPv6 is no one's address (RFC 4291
	 * 2.5.5.2: never on the wire); nor is a group's SYN answered. */
	ipv6_hdr_saddr(skb, &saddr);
	if (ipv6_addr_v4mapped(&saddr)) {
		SNMP_INC_STATS(sk->sk_stack, IPSTATS6_MIB_INHDRERRORS);
		kfree_skb(skb);
		return 0;
	}
	if (skb->pkt_type != PACKET_HOST) {
		kfree_skb(skb);
		return 0;
	}
	return tcp_conn_request(&ipv6_specific, sk, skb, th, opts);
}

/* ipv6_specific.init_req (Linux's tcp_v6_init_req): the addresses, and
 * for a link-local peer the device the SYN came in on. */
static void tcp_v6_init_req(struct request_sock *req, const struct sock *listener,
			    const struct sk_buff *skb)
{
	struct sock_common *c = &req->__req_common;

	ipv6_hdr_daddr(skb, &c->skc_v6_rcv_saddr);
	ipv6_hdr_saddr(skb, &c->skc_v6_daddr);
	c->skc_rcv_saddr = c->skc_daddr = LOOPBACK4_IPV6;
	c->skc_bound_dev_if = tcp_v6_oif(&c->skc_v6_daddr, listener->sk_bound_dev_if, skb);
}

static uint32_t tcp_v6_route_req(const struct sock *listener, const struct request_sock *req)
{
	uint32_t mtu;

	(void)tcp_v6_route_mtu(listener->sk_stack, &req->__req_common.skc_v6_daddr,
			       req->__req_common.skc_bound_dev_if, &mtu);
	return ip6_default_advmss(listener->sk_stack, mtu);
}

static uint32_t tcp_v6_init_seq(const struct sock *listener, const struct sk_buff *skb,
				const struct wire_tcp *th)
{
	struct in6_addr saddr, daddr;

	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	return secure_tcpv6_seq(listener->sk_stack, &daddr, &saddr, th->dport, th->sport);
}

static uint32_t tcp_v6_init_ts_off(const struct sock *listener, const struct sk_buff *skb)
{
	struct in6_addr saddr, daddr;

	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	return secure_tcpv6_ts_off(listener->sk_stack, &daddr, &saddr);
}

/* ---- ICMPv6 errors (Linux's tcp_v6_err) -----------------------------------------------*/

static void tcp_v6_err(struct sk_buff *skb, const struct in6_addr *from, uint8_t type, uint8_t code,
		       uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	struct in6_addr qsaddr, qdaddr;
	struct sock_common *skc;
	struct tcp_sock *tp;
	struct sock *sk;
	uint16_t sport, dport;
	bool fatal;
	uint32_t seq;
	int err;

	(void)from;
	if (skb->len < 8)
		return;
	sport = get_be16(skb->data);
	dport = get_be16(skb->data + 2);
	seq = get_be32(skb->data + 4);
	/* the quoted packet is one we sent: its source is us */
	ipv6_hdr_saddr(skb, &qsaddr);
	ipv6_hdr_daddr(skb, &qdaddr);
	skc = inet6_lookup_established(&stack->tcp_hashinfo, &qdaddr, dport, &qsaddr, sport);
	if (!skc) {
		SNMP_INC_STATS(stack, ICMP6_MIB_INERRORS);
		return;
	}
	if (skc->skc_state == TCP_TIME_WAIT)
		return;
	if (skc->skc_state == TCP_NEW_SYN_RECV) {
		/* As Linux's tcp_v6_err: the errors icmpv6_err_convert calls
		 * fatal abort the request (Packet Too Big is not one). */
		(void)icmpv6_err_convert(type, code, &fatal);
		tcp_req_err((struct request_sock *)skc, seq, fatal);
		return;
	}
	sk = container_of(skc, struct sock, __sk_common);
	tp = tcp_sk(sk);
	/* Only errors about data in flight count (RFC 5927 4.1); a Fast
	 * Open child's SYN-ACK is in flight too (Linux). */
	if (sk->sk_state != TCP_LISTEN &&
	    !between(seq, tp->tfo.rsk ? tp->tfo.rsk->snt_isn : tp->snd_una, tp->snd_nxt)) {
		NET_INC_STATS(stack, LINUX_MIB_OUTOFWINDOWICMPS);
		return;
	}
	if (type == ICMPV6_PKT_TOOBIG) {
		/* Path MTU discovery (RFC 8201): the route learned the MTU
		 * already (icmpv6_notify); shrink the MSS and resend what no
		 * longer fits (Linux's tcp_v6_mtu_reduced). */
		uint32_t mtu = MAX(info, (uint32_t)IPV6_MIN_MTU);
		if (sk->sk_state == TCP_LISTEN || inet6_sk(sk)->pmtudisc == IPV6_PMTUDISC_DONT ||
		    mtu >= inet_csk(sk)->icsk_pmtu_cookie)
			return;
		tcp_sync_mss(sk, mtu);
		tcp_simple_retransmit(sk);
		return;
	}
	err = icmpv6_err_convert(type, code, &fatal);
	/* Before the handshake completes every error that got this far
	 * ends the connection, soft ones (host unreachable, time exceeded)
	 * as much as hard ones: Linux's tcp_v6_err does not ask icmp_err_convert's
	 * fatal here (RFC 1122 4.2.3.9 would wait). That covers a
	 * simultaneous open and a Fast Open child not yet accepted, which
	 * stays in the accept queue, closed, its error for the first read
	 * after the SYN's data; one already accepted is treated as
	 * connected. */
	if ((TCPF(sk->sk_state) & (TCPF(TCP_SYN_SENT) | TCPF(TCP_SYN_RECV))) &&
	    !(tp->tfo.rsk && !tp->tfo.rsk->sk)) {
		tcp_done_with_error(sk, err);
		return;
	}
	/* Established: with IPV6_RECVERR the error is the application's at
	 * once; without, a soft error reported if the connection times out
	 * (Linux's tcp_v6_err). */
	if (sk->sk_state != TCP_LISTEN && inet6_sk(sk)->recverr) {
		sk->sk_err = err;
		sk->sk_error_report(sk);
	} else {
		sk->sk_err_soft = err;
	}
}

/* ---- receive ---------------------------------------------------------------------------*/

static struct sock *tcp_v6_lookup_listener(struct ut_stack *stack, const struct sk_buff *skb,
					   const struct wire_tcp *th)
{
	struct in6_addr saddr, daddr;

	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	return inet6_lookup_listener(&stack->tcp_hashinfo, &saddr, th->sport, &daddr, th->dport,
				     skb->dev ? skb->dev->ifindex : 0);
}

static const struct tcp_rcv_family tcp_v6_rcv_family = {
	.lookup_listener = tcp_v6_lookup_listener,
	.send_reset = tcp_v6_send_reset,
	.timewait_ack = tcp_v6_timewait_ack,
	.cookie_check = cookie_v6_check,
};

/* Linux's tcp_v6_rcv: skb->data at the TCP header, the network header at
 * the IPv6 header. */
static void tcp_v6_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct in6_addr saddr, daddr;
	struct wire_tcp_opts opts;
	struct sock_common *skc;
	uint32_t payload_len;
	struct wire_tcp th;
	uint8_t tclass;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	TCP_INC_STATS(stack, TCP_MIB_INSEGS);
	if (wire_tcp_parse(skb->data, skb->len, &th) != WIRE_OK)
		goto bad_packet;
	ipv6_hdr_saddr(skb, &saddr);
	ipv6_hdr_daddr(skb, &daddr);
	if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_ipv6(&saddr, &daddr, IPPROTO_TCP_, skb->data, skb->len) != 0) {
		TCP_INC_STATS(stack, TCP_MIB_CSUMERRORS);
		goto bad_packet;
	}
	/* the traffic class straddles the first two bytes (RFC 8200 3) */
	tclass = (uint8_t)(get_be16(ipv6_hdr(skb)) >> 4);
	payload_len = (uint32_t)th.payload_len;
	tcp_rcv_fill_cb(skb, &th, &opts, tclass);
	skc = inet6_lookup_established(&stack->tcp_hashinfo, &saddr, th.sport, &daddr, th.dport);
	trace_tcp_segment_recv(stack, ut_ip_v6(&saddr), ut_ip_v6(&daddr), &th, &opts, payload_len,
			       skb_shinfo(skb)->gso_segs, skc);
	tcp_rcv_dispatch(skb, &th, &opts, skc, &tcp_v6_rcv_family);
	return;
discard:
	kfree_skb(skb);
	return;
bad_packet:
	TCP_INC_STATS(stack, TCP_MIB_INERRS);
	kfree_skb(skb);
}

const struct inet6_protocol tcpv6_protocol = {
	.handler = tcp_v6_rcv,
	.err_handler = tcp_v6_err,
};

/* ---- the family's tables ----------------------------------------------------------------*/

const struct inet_connection_sock_af_ops ipv6_specific = {
	.queue_xmit = tcp_v6_xmit,
	.conn_request = tcp_v6_conn_request,
	.syn_recv_sock = tcp_syn_recv_sock,
	.rebuild_header = tcp_v6_rebuild_header,
	.net_header_len = IPV6_HLEN,
	.gso_type = SKB_GSO_TCPV6,
	.setsockopt = ipv6_setsockopt,
	.getsockopt = ipv6_getsockopt,
	.init_req = tcp_v6_init_req,
	.route_req = tcp_v6_route_req,
	.init_seq = tcp_v6_init_seq,
	.init_ts_off = tcp_v6_init_ts_off,
	.cookie_init_seq = cookie_v6_init_sequence,
	.send_synack = tcp_v6_send_synack,
	.send_ack = tcp_v6_reqsk_send_ack,
};

/* Linux's tcp_v6_init_sock. */
static void tcp_v6_init_sock(struct sock *sk)
{
	tcp_init_sock(sk);
	inet_csk(sk)->icsk_af_ops = &ipv6_specific;
}

/* TCP over IPv6 as the socket layer calls it (Linux's tcpv6_prot): TCP's
 * own calls, IPv6's connect and setup. */
const struct proto tcpv6_prot = {
	.obj_size = sizeof(struct tcp_sock),
	.init = tcp_v6_init_sock,
	.close = tcp_close,
	.connect = tcp_v6_connect,
	.disconnect = tcp_disconnect,
	.accept = inet_csk_accept,
	.shutdown = tcp_shutdown,
	.setsockopt = tcp_setsockopt,
	.getsockopt = tcp_getsockopt,
	.sendmsg = tcp_sendmsg,
	.recvmsg = tcp_recvmsg,
	.get_port = tcp_get_port,
	.unhash = tcp_unhash,
	.destroy = tcp_v4_destroy_sock,
	.timers_pending = tcp_timers_pending,
};
