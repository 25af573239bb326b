/* TCP over IPv4 (Linux's net/ipv4/tcp_ipv4.c): the receive entry point
 * that finds each segment's socket (established, request, time-wait or
 * listener) or answers with a reset, ICMP errors, connect(), the child
 * socket of a completed handshake, ISNs and timestamp offsets (RFC 6528),
 * and segments sent without a full socket (RST, the ACKs of time-wait and
 * request sockets, SYN-ACKs). */
#include <errno.h>
#include <string.h>

#include "net/errqueue.h"
#include "net/af_inet.h"
#include "net/ipv6.h"
#include "net/route.h"
#include "net/siphash.h"
#include "net/stack.h"
#include "net/stack_group.h"
#include "net/tcp.h"
#include "net/trace_events.h"
#include "net/transp_v6.h"

/* ---- secrets (RFC 6528, Linux's secure_tcp_seq) --------------------------------------*/

uint32_t secure_tcp_seq(struct ut_stack *stack, uint32_t saddr, uint32_t daddr, uint16_t sport,
			uint16_t dport)
{
	/* ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
	 * M a clock ticking every 64 ns as Linux's (RFC 6528 3). */
	uint32_t hash = (uint32_t)siphash_4u32(saddr, daddr, ((uint32_t)sport << 16) | dport, 0,
					       stack->isn_key);
	return hash + (uint32_t)(stack_now(stack) >> 6);
}

uint32_t secure_tcp_ts_off(struct ut_stack *stack, uint32_t saddr, uint32_t daddr)
{
	/* A per-pair random offset hides the host's uptime (Linux 4.10+). */
	return (uint32_t)siphash_4u32(saddr, daddr, 0, 0, stack->ts_key);
}

/* ---- sending ------------------------------------------------------------------------*/

static void tcp_v4_fill_csum(struct sk_buff *skb, uint32_t saddr, uint32_t daddr)
{
	put_be16(skb->data + 16, 0);
	put_be16(skb->data + 16, csum_tcpudp(saddr, daddr, IPPROTO_TCP_, skb->data, skb->len));
}

/* ipv4_specific.queue_xmit: a segment of sk's connection. */
static int tcp_v4_xmit(struct sock *sk, struct sk_buff *skb)
{
	struct ut_stack *stack = sk->sk_stack;
	struct ip_out_params p = {
		.saddr = sk->sk_saddr,
		.daddr = sk->sk_daddr,
		.protocol = IPPROTO_TCP_,
		.tos = sk->sk_tos,
		.ttl = sk->sk_ttl ? sk->sk_ttl : -1,
		.pmtudisc = sk->sk_pmtudisc,
		.oif = sk->sk_bound_dev_if,
	};

	if (stack->dying) {
		kfree_skb(skb);
		return -ENETDOWN;
	}
	return ip_queue_xmit(stack, skb, &p, tcp_v4_fill_csum);
}

/* A segment with no socket behind it (RST, bare ACK). */
static void tcp_v4_send_ctl(struct ut_stack *stack, uint32_t saddr, uint32_t daddr,
			    struct wire_tcp *th, const struct wire_tcp_opts *opts, int fd,
			    struct sock *sk)
{
	uint8_t optbuf[TCP_HLEN_MAX - TCP_HLEN_MIN];
	struct ip_out_params p = {.saddr = saddr,
				  .daddr = daddr,
				  .protocol = IPPROTO_TCP_,
				  .ttl = -1,
				  .pmtudisc = IP_PMTUDISC_WANT};
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
	trace_tcp_segment_send(stack, fd, ut_ip_v4(saddr), ut_ip_v4(daddr), th, 0, sk);
	ip_send_skb(stack, skb, &p, tcp_v4_fill_csum);
}

/* A RST with no socket behind it (Linux's tcp_v4_send_reset), answering
 * the segment in skb. */
static void tcp_v4_send_reset(struct ut_stack *stack, const struct sk_buff *skb,
			      const struct wire_tcp *in, struct sock *sk)
{
	const struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	uint32_t saddr = ip_hdr_saddr(skb), daddr = ip_hdr_daddr(skb);
	struct wire_tcp th;

	/* Never answer a reset with a reset (RFC 9293 3.10.7.1). */
	if (in->flags & TCPHDR_RST)
		return;
	/* Only for a segment addressed to us alone. */
	if (skb->pkt_type != PACKET_HOST || inet_addr_type(stack, daddr) != RTN_LOCAL)
		return;
	memset(&th, 0, sizeof(th));
	th.sport = in->dport;
	th.dport = in->sport;
	th.flags = TCPHDR_RST;
	if (in->flags & TCPHDR_ACK) {
		/* <SEQ=SEG.ACK><CTL=RST> */
		th.seq = in->ack_seq;
	} else {
		/* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		th.ack_seq = tcb->end_seq;
		th.flags |= TCPHDR_ACK;
	}
	TCP_INC_STATS(stack, TCP_MIB_OUTRSTS);
	trace_tcp_send_reset(stack, ut_ip_v4(daddr), ut_ip_v4(saddr), &th, sk);
	tcp_v4_send_ctl(stack, daddr, saddr, &th, NULL, -1, NULL);
}

/* An ACK with no full socket behind it (Linux's tcp_v4_send_ack): for
 * time-wait and request sockets. */
static void tcp_v4_send_ack(struct ut_stack *stack, uint32_t saddr, uint32_t daddr, uint16_t sport,
			    uint16_t dport, uint32_t seq, uint32_t ack, uint32_t win,
			    uint32_t tsval, uint32_t tsecr, bool ts, uint8_t flags)
{
	struct wire_tcp th;
	struct wire_tcp_opts opts;

	memset(&th, 0, sizeof(th));
	memset(&opts, 0, sizeof(opts));
	th.sport = sport;
	th.dport = dport;
	th.seq = seq;
	th.ack_seq = ack;
	th.flags = flags;
	th.window = (uint16_t)MIN(win, 65535u);
	if (ts) {
		opts.saw_tstamp = true;
		opts.tsval = tsval;
		opts.tsecr = tsecr;
	}
	tcp_v4_send_ctl(stack, saddr, daddr, &th, &opts, -1, NULL);
}

/* A time-wait socket's ACK (Linux's tcp_v4_timewait_ack): its sequence
 * state, its window, its timestamps. */
static void tcp_v4_timewait_ack(struct inet_timewait_sock *tw)
{
	struct sock_common *c = &tw->__tw_common;
	struct ut_stack *stack = c->skc_stack;

	tcp_v4_send_ack(stack, c->skc_rcv_saddr, c->skc_daddr, c->skc_num, c->skc_dport,
			tw->tw_snd_nxt, tw->tw_rcv_nxt, tw->tw_rcv_wnd >> tw->tw_rcv_wscale,
			tcp_time_stamp(stack) + tw->tw_ts_offset, tw->tw_ts_recent,
			tw->tw_tstamp_ok, TCPHDR_ACK);
}

/* ipv4_specific.send_ack: a request socket's ACK, acknowledging the SYN
 * with the window and timestamps the SYN-ACK gave (Linux's
 * tcp_v4_reqsk_send_ack). */
static void tcp_v4_reqsk_send_ack(struct sock *listener, struct request_sock *req)
{
	struct ut_stack *stack = listener->sk_stack;

	tcp_v4_send_ack(stack, req->__req_common.skc_rcv_saddr, req->__req_common.skc_daddr,
			req->__req_common.skc_num, req->__req_common.skc_dport, req->snt_isn + 1,
			req->rcv_isn + 1, req->rcv_wnd >> req->rcv_wscale,
			tcp_time_stamp(stack) + req->ts_off, req->ts_recent, req->tstamp_ok,
			TCPHDR_ACK);
}

/* ipv4_specific.send_synack */
static int tcp_v4_send_synack(struct sock *listener, struct request_sock *req)
{
	struct ut_stack *stack = listener->sk_stack;
	struct wire_tcp th;
	struct wire_tcp_opts opts;
	uint8_t optbuf[TCP_HLEN_MAX - TCP_HLEN_MIN];
	struct ip_out_params p = {
		.saddr = req->__req_common.skc_rcv_saddr,
		.daddr = req->__req_common.skc_daddr,
		.protocol = IPPROTO_TCP_,
		.tos = listener->sk_tos,
		.ttl = listener->sk_ttl ? listener->sk_ttl : -1,
		.pmtudisc = IP_PMTUDISC_WANT,
		.oif = req->__req_common.skc_bound_dev_if,
	};
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
	trace_tcp_segment_send(stack, -1, ut_ip_v4(p.saddr), ut_ip_v4(p.daddr), &th, 0, NULL);
	return ip_send_skb(stack, skb, &p, tcp_v4_fill_csum);
}

/* ---- routes ---------------------------------------------------------------------------*/

/* The device MTU toward daddr (through oif when not 0), or IPv4's
 * smallest datagram every host reassembles (RFC 791: 576) when there is
 * no route. 0 or -errno. */
static int tcp_v4_route_mtu(struct ut_stack *stack, uint32_t daddr, int oif, uint32_t *mtu)
{
	struct fib_result res;
	int err = ip_route_output_oif(stack, daddr, oif, &res);

	*mtu = err == 0 && res.dev ? ip_dev_mtu(res.dev) : IPV4_MIN_REASM_SIZE;
	return err;
}

/* The MSS a path MTU allows to announce (Linux's ipv4_default_advmss): the
 * MTU less the headers, within the largest IPv4 datagram (65535). */
static uint32_t ipv4_default_advmss(uint32_t mtu)
{
	return MIN(mtu, (uint32_t)IP_MAXPACKET) - IPV4_HLEN_MIN - TCP_HLEN_MIN;
}

/* ipv4_specific.rebuild_header */
static int tcp_v4_rebuild_header(struct sock *sk, uint32_t *mtu)
{
	return tcp_v4_route_mtu(sk->sk_stack, sk->sk_daddr, sk->sk_bound_dev_if, mtu);
}

/* ---- connect -------------------------------------------------------------------------*/

int tcp_v4_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t addr_len)
{
	struct ut_stack *stack = sk->sk_stack;
	struct tcp_sock *tp = tcp_sk(sk);
	const struct sockaddr_in *usin;
	struct fib_result res;
	uint32_t daddr, saddr;
	int err;

	if ((err = inet_check_sockaddr(uaddr, addr_len, false, &usin)) != 0)
		return err;
	daddr = usin->sin_addr.s_addr;
	/* Linux routes a connect to 0.0.0.0 to this host. */
	if (daddr == 0)
		daddr = sk->sk_rcv_saddr ? sk->sk_rcv_saddr : htonl(INADDR_LOOPBACK);
	err = ip_route_output_oif(stack, daddr, sk->sk_bound_dev_if, &res);
	if (err) {
		SNMP_INC_STATS(stack, IPSTATS_MIB_OUTNOROUTES);
		return err == -ENODEV ? -ENETUNREACH : err;
	}
	if (res.type == RTN_BROADCAST || res.type == RTN_MULTICAST)
		return -ENETUNREACH;
	saddr = sk->sk_rcv_saddr;
	if (!saddr) {
		saddr = res.prefsrc ? res.prefsrc : inet_select_addr(res.dev, daddr);
		if (!saddr)
			return -EADDRNOTAVAIL;
		sk->sk_rcv_saddr = saddr;
	}
	sk->sk_saddr = saddr;
	sk->sk_daddr = daddr;
	sk->sk_dport = ntohs(usin->sin_port);
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
	/* A socket reconnecting after connect(AF_UNSPEC) keeps the sequence
	 * space tcp_disconnect moved on (Linux). */
	/* (In repair both are what TCP_QUEUE_SEQ and TCP_TIMESTAMP set.) */
	if (!tp->write_seq && !tp->repair)
		tp->write_seq = secure_tcp_seq(stack, saddr, daddr, sk->sk_num, sk->sk_dport);
	if (!tp->repair)
		tp->tsoffset = secure_tcp_ts_off(stack, saddr, daddr);
	inet_csk(sk)->icsk_pmtu_cookie = res.dev ? ip_dev_mtu(res.dev) : IPV4_MIN_REASM_SIZE;
	tp->advmss = (uint16_t)ipv4_default_advmss(inet_csk(sk)->icsk_pmtu_cookie);
	trace_tcp_event(sk, UT_TP_CONNECT, "connect()");
	err = tcp_connect(sk);
	if (err) {
		tcp_set_state(sk, TCP_CLOSE);
		sk->sk_dport = 0;
		return err;
	}
	return 0;
}

/* ---- passive open: a SYN's request, the child of a completed handshake ---------------*/

/* ipv4_specific.conn_request. IPv4 has nothing to check before the shared
 * code: Linux's drops SYNs sent to a broadcast or multicast address here,
 * which tcp_v4_rcv has already dropped (PACKET_HOST only). */
static int tcp_v4_conn_request(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			       const struct wire_tcp_opts *opts)
{
	return tcp_conn_request(&ipv4_specific, sk, skb, th, opts);
}

/* ipv4_specific.init_req: the request is seen from our side, the segment's
 * destination its local address (Linux's tcp_v4_init_req). */
static void tcp_v4_init_req(struct request_sock *req, const struct sock *listener,
			    const struct sk_buff *skb)
{
	req->__req_common.skc_rcv_saddr = ip_hdr_daddr(skb);
	req->__req_common.skc_daddr = ip_hdr_saddr(skb);
	/* a listener bound to a device answers through it (Linux's
	 * inet_request_bound_dev_if) */
	req->__req_common.skc_bound_dev_if = listener->sk_bound_dev_if;
	/* For a dual-stack AF_INET6 listener the request, and the child,
	 * see the peer as v4-mapped (RFC 4291 2.5.5.2). */
	if (listener->sk_family == AF_INET6) {
		ipv6_addr_set_v4mapped(req->__req_common.skc_rcv_saddr,
				       &req->__req_common.skc_v6_rcv_saddr);
		ipv6_addr_set_v4mapped(req->__req_common.skc_daddr,
				       &req->__req_common.skc_v6_daddr);
	}
}

/* ipv4_specific.route_req */
static uint32_t tcp_v4_route_req(const struct sock *listener, const struct request_sock *req)
{
	uint32_t mtu;

	(void)tcp_v4_route_mtu(listener->sk_stack, req->__req_common.skc_daddr,
			       req->__req_common.skc_bound_dev_if, &mtu);
	return ipv4_default_advmss(mtu);
}

/* ipv4_specific.init_seq (Linux's tcp_v4_init_seq) */
static uint32_t tcp_v4_init_seq(const struct sock *listener, const struct sk_buff *skb,
				const struct wire_tcp *th)
{
	return secure_tcp_seq(listener->sk_stack, ip_hdr_daddr(skb), ip_hdr_saddr(skb), th->dport,
			      th->sport);
}

/* ipv4_specific.init_ts_off (Linux's tcp_v4_init_ts_off) */
static uint32_t tcp_v4_init_ts_off(const struct sock *listener, const struct sk_buff *skb)
{
	return secure_tcp_ts_off(listener->sk_stack, ip_hdr_daddr(skb), ip_hdr_saddr(skb));
}

struct sock *tcp_syn_recv_sock(struct sock *listener, struct request_sock *req)
{
	struct sock *child = tcp_create_openreq_child(listener, req);

	if (!child)
		return NULL;
	/* The child takes the request's place in the established table and
	 * shares the listener's port. A request rebuilt from a SYN cookie was
	 * never in the SYN queue nor hashed, and dropping it changes nothing. */
	inet_csk_reqsk_queue_drop(listener, req);
	if (listener->__sk_common.skc_tb)
		inet_bind_hash(&child->__sk_common, listener->__sk_common.skc_tb);
	inet_ehash_insert(&listener->sk_stack->tcp_hashinfo, &child->__sk_common);
	inet_csk_reqsk_queue_add(listener, req, child);
	return child;
}

/* ---- ICMP errors ------------------------------------------------------------------------*/

/* An ICMP error quoting a SYN-ACK of a request socket (Linux's
 * tcp_req_err, for both families): one quoting another sequence number
 * is out of window; an aborting one drops the request, counted as a
 * listen drop. */
void tcp_req_err(struct request_sock *req, uint32_t seq, bool abort)
{
	struct sock *listener = req->rsk_listener;

	if (seq != req->snt_isn) {
		NET_INC_STATS(listener->sk_stack, LINUX_MIB_OUTOFWINDOWICMPS);
	} else if (abort) {
		trace_reqsk(req, UT_TP_SYN_QUEUE_DROP,
			    inet_csk(listener)->icsk_accept_queue.qlen - 1,
			    (uint32_t)listener->sk_max_ack_backlog, "ICMP error for the SYN-ACK");
		inet_csk_reqsk_queue_drop(listener, req);
		NET_INC_STATS(listener->sk_stack, LINUX_MIB_LISTENDROPS);
		reqsk_free(req);
	}
}

static void tcp_v4_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code,
		       uint32_t info)
{
	struct ut_stack *stack = skb->dev->stack;
	const struct inet_skb_parm *ip = IPCB(skb);
	uint16_t sport, dport;
	uint32_t seq;
	struct sock_common *skc;
	struct sock *sk;
	struct tcp_sock *tp;
	bool fatal = false;
	int err;

	(void)from;
	if (skb->len < 8)
		return;
	sport = get_be16(skb->data);
	dport = get_be16(skb->data + 2);
	seq = get_be32(skb->data + 4);
	/* The quoted segment is one we sent: its source is us. */
	skc = inet_lookup_established(&stack->tcp_hashinfo, ip->daddr, dport, ip->saddr, sport);
	if (!skc) {
		SNMP_INC_STATS(stack, ICMP_MIB_INERRORS); /* as Linux's tcp_v4_err */
		return;
	}
	if (skc->skc_state == TCP_TIME_WAIT)
		return;
	if (skc->skc_state == TCP_NEW_SYN_RECV) {
		/* Linux's tcp_v4_err aborts a request only for errors that
		 * say the client cannot be reached at all: net or host
		 * unreachable, time exceeded, a parameter problem. A port
		 * or protocol unreachable, or fragmentation needed, leaves
		 * it to its SYN-ACK timer. */
		tcp_req_err((struct request_sock *)skc, seq,
			    type == ICMP_PARAMETERPROB || type == ICMP_TIME_EXCEEDED ||
				    (type == ICMP_DEST_UNREACH &&
				     (code == ICMP_NET_UNREACH || code == ICMP_HOST_UNREACH)));
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
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code == ICMP_FRAG_NEEDED) {
			/* Path MTU discovery (RFC 1191): shrink the MSS and
			 * resend what no longer fits. */
			uint32_t mtu = info;
			if (sk->sk_pmtudisc == IP_PMTUDISC_DONT || mtu < IPV4_MIN_MTU ||
			    mtu >= inet_csk(sk)->icsk_pmtu_cookie)
				return;
			tcp_sync_mss(sk, mtu);
			tcp_simple_retransmit(sk);
			return;
		}
		break;
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		break;
	default:
		return;
	}
	err = icmp_err_convert(type, code, &fatal);
	/* Before the handshake completes every error that got this far
	 * ends the connection, soft ones (host unreachable, time exceeded)
	 * as much as hard ones: Linux's tcp_v4_err does not ask icmp_err_convert's
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
	/* Established: with IP_RECVERR the error is the application's at
	 * once (it is not queued: TCP's error queue holds stamps); without,
	 * a soft error reported if the connection times out (Linux's
	 * tcp_v4_err). */
	if (sk->sk_recverr) {
		sk->sk_err = err;
		sk->sk_error_report(sk);
	} else {
		sk->sk_err_soft = err;
	}
}

/* ---- receive ------------------------------------------------------------------------------*/

/* The segment's control block from its header; the header is pulled, the
 * payload trimmed to its length (Linux's tcp_v4_fill_cb and
 * tcp_v6_fill_cb, and the pulls before them). dsfield: the IPv4 TOS or
 * the IPv6 traffic class. */
void tcp_rcv_fill_cb(struct sk_buff *skb, struct wire_tcp *th, struct wire_tcp_opts *opts,
		     uint8_t dsfield)
{
	struct tcp_skb_cb *tcb = TCP_SKB_CB(skb);
	uint32_t payload_len = (uint32_t)th->payload_len;

	/* As Linux, a segment with damaged options is still processed, with
	 * the options that could be read; the verdict is for tests. */
	(void)wire_tcp_parse_options(th->opts, th->opts_len, th->flags & TCPHDR_SYN, opts);
	memset(tcb, 0, sizeof(*tcb));
	tcb->seq = th->seq;
	tcb->end_seq =
		th->seq + payload_len + !!(th->flags & TCPHDR_SYN) + !!(th->flags & TCPHDR_FIN);
	tcb->tcp_flags = th->flags;
	tcb->sent_ns = skb->tstamp;
	tcb->ip_dsfield = dsfield;
	/* The header stays readable through th; the skb keeps the payload.
	 * The network layer's control block is gone: whoever needs the
	 * addresses again (a reset, a request, a cookie) reads them from
	 * the network header, which stays in the buffer before skb->data. */
	skb_pull(skb, th->hdr_len);
	skb_trim(skb, payload_len);
	th->opts = NULL;
	th->opts_len = 0;
	th->payload = NULL;
}

static void tcp_do_rcv(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
		       const struct wire_tcp_opts *opts, const struct tcp_rcv_family *fam)
{
	struct ut_stack *stack = sk->sk_stack;

	sock_hold(sk);
	/* RFC 4898's tcpEStatsPerfSegsIn, counted by full sockets only, as
	 * Linux's tcp_segs_in (a listener's are the requests'), in wire
	 * segments: a packet GRO merged counts each of its segments. */
	if (sk->sk_state != TCP_LISTEN) {
		uint32_t segs = MAX(1u, (uint32_t)skb_shinfo(skb)->gso_segs);
		tcp_sk(sk)->segs_in += segs;
		if (th->payload_len)
			tcp_sk(sk)->data_segs_in += segs;
	}
	if (tcp_rcv_state_process(sk, skb, th, opts)) {
		fam->send_reset(stack, skb, th, sk);
		kfree_skb(skb);
	}
	sock_put(sk);
}

void tcp_rcv_dispatch(struct sk_buff *skb, const struct wire_tcp *th,
		      const struct wire_tcp_opts *opts, struct sock_common *skc,
		      const struct tcp_rcv_family *fam)
{
	struct ut_stack *stack = skb->dev->stack;
	struct sock *sk;

	if (skc) {
		if (skc->skc_state == TCP_TIME_WAIT) {
			struct inet_timewait_sock *tw = (struct inet_timewait_sock *)skc;
			switch (tcp_timewait_state_process(tw, skb, th, opts)) {
			case TCP_TW_SYN: {
				/* A new connection reusing the 4-tuple: the
				 * time-wait socket gives way to the listener. */
				struct sock *lsk = fam->lookup_listener(stack, skb, th);
				if (lsk) {
					inet_twsk_kill(tw, "a new SYN takes over the 4-tuple");
					tcp_do_rcv(lsk, skb, th, opts, fam);
					return;
				}
				fam->timewait_ack(tw);
				goto discard;
			}
			case TCP_TW_ACK:
				fam->timewait_ack(tw);
				goto discard;
			case TCP_TW_RST:
				fam->send_reset(stack, skb, th, NULL);
				inet_twsk_kill(tw, "data after close: reset sent");
				goto discard;
			case TCP_TW_SUCCESS:
				goto discard;
			}
		}
		if (skc->skc_state == TCP_NEW_SYN_RECV) {
			struct request_sock *req = (struct request_sock *)skc;
			struct sock *listener = req->rsk_listener;
			struct sock *child;
			bool rst;
			if (listener->sk_state != TCP_LISTEN) {
				inet_csk_reqsk_queue_drop_why(listener, req,
							      "the listener no longer listens");
				reqsk_free(req);
				goto no_socket;
			}
			child = tcp_check_req(listener, req, skb, th, opts, &rst);
			if (!child) {
				if (rst)
					fam->send_reset(stack, skb, th, listener);
				goto discard;
			}
			/* The final ACK (maybe with data) for the new child. */
			tcp_do_rcv(child, skb, th, opts, fam);
			return;
		}
		sk = container_of(skc, struct sock, __sk_common);
		tcp_do_rcv(sk, skb, th, opts, fam);
		return;
	}
	sk = fam->lookup_listener(stack, skb, th);
	if (sk) {
		/* A bare ACK for a listener may answer a SYN cookie. */
		if ((th->flags & (TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK)) == TCPHDR_ACK &&
		    inet_csk(sk)->icsk_accept_queue.synq_overflow_ns) {
			struct sock *child = fam->cookie_check(sk, skb, th, opts);
			if (!child)
				goto discard;
			if (child != sk) {
				tcp_do_rcv(child, skb, th, opts, fam);
				return;
			}
		}
		tcp_do_rcv(sk, skb, th, opts, fam);
		return;
	}
no_socket:
	/* A stack of a group: the connection may live on another stack,
	 * whose queue the kernel stopped steering it to. */
	if (stack_group_steer(skb, skb_network_header(skb), th->dport))
		goto discard;
	/* RFC 9293 3.10.7.1: a segment for no connection gets a reset. */
	fam->send_reset(stack, skb, th, NULL);
discard:
	kfree_skb(skb);
}

/* The listener for an IPv4 segment: an AF_INET one, or an AF_INET6 one
 * that takes IPv4 (the tables decide). */
static struct sock *tcp_v4_lookup_listener(struct ut_stack *stack, const struct sk_buff *skb,
					   const struct wire_tcp *th)
{
	return inet_lookup_listener(&stack->tcp_hashinfo, ip_hdr_saddr(skb), th->sport,
				    ip_hdr_daddr(skb), th->dport, skb->dev ? skb->dev->ifindex : 0);
}

static const struct tcp_rcv_family tcp_v4_rcv_family = {
	.lookup_listener = tcp_v4_lookup_listener,
	.send_reset = tcp_v4_send_reset,
	.timewait_ack = tcp_v4_timewait_ack,
	.cookie_check = cookie_v4_check,
};

static void tcp_v4_rcv(struct sk_buff *skb)
{
	struct ut_stack *stack = skb->dev->stack;
	struct wire_tcp th;
	/* IPCB shares skb->cb with TCP_SKB_CB: keep what lookups use */
	uint32_t saddr = IPCB(skb)->saddr, daddr = IPCB(skb)->daddr;
	uint8_t tos = IPCB(skb)->tos;
	struct wire_tcp_opts opts;
	struct sock_common *skc;
	uint32_t payload_len;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	TCP_INC_STATS(stack, TCP_MIB_INSEGS);
	if (wire_tcp_parse(skb->data, skb->len, &th) != WIRE_OK)
		goto bad_packet;
	if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
	    csum_tcpudp(saddr, daddr, IPPROTO_TCP_, skb->data, skb->len) != 0) {
		TCP_INC_STATS(stack, TCP_MIB_CSUMERRORS);
		goto bad_packet;
	}
	payload_len = (uint32_t)th.payload_len;
	tcp_rcv_fill_cb(skb, &th, &opts, tos);
	skc = inet_lookup_established(&stack->tcp_hashinfo, saddr, th.sport, daddr, th.dport);
	trace_tcp_segment_recv(stack, ut_ip_v4(saddr), ut_ip_v4(daddr), &th, &opts, payload_len,
			       skb_shinfo(skb)->gso_segs, skc);
	tcp_rcv_dispatch(skb, &th, &opts, skc, &tcp_v4_rcv_family);
	return;
discard:
	kfree_skb(skb);
	return;
bad_packet:
	TCP_INC_STATS(stack, TCP_MIB_INERRS);
	kfree_skb(skb);
}

const struct net_protocol tcp_protocol = {
	.handler = tcp_v4_rcv,
	.err_handler = tcp_v4_err,
};

/* ---- the family's tables --------------------------------------------------------------*/

const struct inet_connection_sock_af_ops ipv4_specific = {
	.queue_xmit = tcp_v4_xmit,
	.conn_request = tcp_v4_conn_request,
	.syn_recv_sock = tcp_syn_recv_sock,
	.rebuild_header = tcp_v4_rebuild_header,
	.net_header_len = IPV4_HLEN_MIN,
	.gso_type = SKB_GSO_TCPV4,
	.setsockopt = ip_setsockopt,
	.getsockopt = ip_getsockopt,
	.init_req = tcp_v4_init_req,
	.route_req = tcp_v4_route_req,
	.init_seq = tcp_v4_init_seq,
	.init_ts_off = tcp_v4_init_ts_off,
	.cookie_init_seq = cookie_v4_init_sequence,
	.send_synack = tcp_v4_send_synack,
	.send_ack = tcp_v4_reqsk_send_ack,
};

/* An AF_INET6 socket's connection to a v4-mapped peer runs over IPv4:
 * IPv4's functions, but IPv6's conn_request (which tells the families
 * apart) and IPv6's socket options (Linux's ipv6_mapped, kept in
 * tcp_ipv6.c there; here beside the functions it shares). */
const struct inet_connection_sock_af_ops ipv6_mapped = {
	.queue_xmit = tcp_v4_xmit,
	.conn_request = tcp_v6_conn_request,
	.syn_recv_sock = tcp_syn_recv_sock,
	.rebuild_header = tcp_v4_rebuild_header,
	.net_header_len = IPV4_HLEN_MIN,
	.gso_type = SKB_GSO_TCPV4,
	.setsockopt = ipv6_setsockopt,
	.getsockopt = ipv6_getsockopt,
	.init_req = tcp_v4_init_req,
	.route_req = tcp_v4_route_req,
	.init_seq = tcp_v4_init_seq,
	.init_ts_off = tcp_v4_init_ts_off,
	.cookie_init_seq = cookie_v4_init_sequence,
	.send_synack = tcp_v4_send_synack,
	.send_ack = tcp_v4_reqsk_send_ack,
};

/* A new IPv4 TCP socket (Linux's tcp_v4_init_sock): TCP's state, and
 * IPv4 under it. */
static void tcp_v4_init_sock(struct sock *sk)
{
	tcp_init_sock(sk);
	inet_csk(sk)->icsk_af_ops = &ipv4_specific;
}

/* Linux's tcp_v4_destroy_sock (which IPv6's calls too): timers off,
 * queues freed, port released. */
void tcp_v4_destroy_sock(struct sock *sk)
{
	tcp_clear_xmit_timers(sk);
	tcp_cleanup_congestion_control(sk);
	tcp_write_queue_purge(sk);
	tcp_rcv_queues_purge(sk);
	free(tcp_sk(sk)->saved_syn);
	tcp_sk(sk)->saved_syn = NULL;
	sock_purge_err_queue(sk);
	/* Every page goes back to tcp_mem; anything left means a queue's
	 * charge and its buffers disagree. */
	sk_mem_reclaim(sk);
	BUG_ON(sk->sk_forward_alloc || sk->sk_rmem_alloc || sk->sk_wmem_queued);
	if (sk->__sk_common.skc_tb)
		inet_put_port(&sk->sk_stack->tcp_hashinfo, &sk->__sk_common);
}

/* TCP over IPv4 as the socket layer calls it (Linux keeps tcp_prot here
 * too): the calls are TCP's own (tcp.c), connect and the socket's setup
 * the family's. */
const struct proto tcp_prot = {
	.obj_size = sizeof(struct tcp_sock),
	.init = tcp_v4_init_sock,
	.close = tcp_close,
	.connect = tcp_v4_connect,
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

/* Frees every TCP object the stack still holds (time-wait and request
 * sockets, orphans) when the stack is destroyed. */
void tcp_stack_destroy(struct ut_stack *stack)
{
	struct inet_hashinfo *h = &stack->tcp_hashinfo;

	if (!h->ehash)
		return;
	for (uint32_t i = 0; i <= h->ehash_mask; i++) {
		struct sock_common *skc;
		while ((skc = h->ehash[i].first) != NULL) {
			if (skc->skc_state == TCP_TIME_WAIT) {
				inet_twsk_kill((struct inet_timewait_sock *)skc, "stack destroyed");
			} else if (skc->skc_state == TCP_NEW_SYN_RECV) {
				struct request_sock *req = (struct request_sock *)skc;
				inet_csk_reqsk_queue_drop(req->rsk_listener, req);
				reqsk_free(req);
			} else {
				struct sock *sk = container_of(skc, struct sock, __sk_common);
				if (!sock_flag(sk, SOCK_DEAD)) {
					sock_orphan(sk);
					stack->tcp_orphans++;
				}
				tcp_set_state(sk, TCP_CLOSE);
				inet_ehash_remove(h, skc);
				inet_csk_destroy_sock(sk);
			}
		}
	}
}
