/* TCP (RFC 9293) as Linux implements it: the connection sock, request and
 * time-wait mini-sockets, and the functions the tcp*.c files share
 * (Linux's include/net/tcp.h, inet_connection_sock.h, request_sock.h,
 * inet_timewait_sock.h).
 */
#ifndef USERTCP_NET_TCP_H
#define USERTCP_NET_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/inet_hashtables.h"
#include "net/list.h"
#include "net/rbtree.h"
#include "net/win_minmax.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/wire.h"
#include "usertcp/socket.h"

struct ut_stack;

/* ---- constants (include/net/tcp.h) ----------------------------------------*/
#ifndef TCP_MSS_DEFAULT
#define TCP_MSS_DEFAULT 536u /* RFC 1122, when the peer sends no MSS */
#endif
#define TCP_MIN_MSS 88u /* smallest mss_cache Linux computes */
#define MAX_TCP_WINDOW 32767u
#define TCP_MAX_WSCALE 14u
#define TCP_INIT_CWND 10u /* RFC 6928 */
#define TCP_INFINITE_SSTHRESH 0x7fffffffu
#define TCP_FASTRETRANS_THRESH 3
#define TCP_RTO_MAX_MS 120000u
#define TCP_RTO_MIN_MS 200u
#define TCP_TIMEOUT_INIT_MS 1000u     /* RFC 6298 2.1 */
#define TCP_TIMEOUT_FALLBACK_MS 3000u /* RFC 1122, after a lost SYN-ACK */
#define TCP_DELACK_MAX_MS 200u
#define TCP_DELACK_MIN_MS 40u
#define TCP_ATO_MIN_MS 40u
#define TCP_TIMEWAIT_LEN_MS 60000u
/* The share of receive memory (truesize) offered as window is
 * tp->scaling_ratio / 2^TCP_RMEM_TO_WIN_SCALE (Linux 6.6 and later, which
 * retired tcp_adv_win_scale); until a segment is measured, half. */
#define TCP_RMEM_TO_WIN_SCALE 8
#define TCP_DEFAULT_SCALING_RATIO (1u << (TCP_RMEM_TO_WIN_SCALE - 1))
#define TCP_RESOURCE_PROBE_INTERVAL_MS 500u
#define TCP_MAX_QUICKACKS 16u
#define TCP_TIMEOUT_MIN_MS 2u /* Linux's TCP_TIMEOUT_MIN: the shortest timer */

/* Buffers of the write queue (Linux's GSO limits for a socket): at most
 * 64 KB of payload (sk_gso_max_size) and as many segments as that holds;
 * a buffer autosizes to about 2^-10 s of data at the pacing rate
 * (sk_pacing_shift). */
#define TCP_GSO_MAX_SIZE 65536u
#define TCP_GSO_MAX_SEGS 65535u
#define TCP_PACING_SHIFT 10
/* The most tcp_sendmsg copies and charges at once (Linux's page fragment
 * of 32 KB). */
#define TCP_COPY_CHUNK 32768u

/* Which queue tcp_fragment cuts a buffer of (Linux's enum tcp_queue). */
enum tcp_queue { TCP_FRAG_IN_WRITE_QUEUE, TCP_FRAG_IN_RTX_QUEUE };
/* Allocation context, kept for Linux's signatures: the pools never sleep. */
typedef unsigned gfp_t;
#define GFP_ATOMIC 0u

/* TCP_SKB_CB()->sacked bits */
#define TCPCB_SACKED_ACKED 0x01	  /* covered by a SACK block */
#define TCPCB_SACKED_RETRANS 0x02 /* retransmitted, not yet acknowledged */
#define TCPCB_LOST 0x04		  /* marked lost by recovery */
#define TCPCB_EVER_RETRANS 0x80	  /* retransmitted at least once (Karn) */
#define TCPCB_RETRANS (TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS)

/* Per-segment state on the write, retransmit, receive and out-of-order
 * queues, kept in skb->cb (Linux's TCP_SKB_CB). 56 bytes, all of skb->cb.
 * The transmit clone is handed to IP with its first bytes cleared, where
 * IP keeps its own control block (IPCB, 20 bytes): what TCP reads of a
 * segment after it was sent (its sent time, its rate state) lies beyond
 * them, as Linux keeps tx state behind IP's header area. */
/* Bits of a transmission's order number (tcp_skb_cb tx_order): two
 * transmissions of one socket under one clock reading compare correctly
 * through the wrap while fewer than 256 others came between them (a
 * batch's ACKs release far fewer buffers than that; past it RACK would
 * misjudge which of two was sent first, as Linux's tie-break by
 * sequence misjudges a retransmission). */
#define TCP_TX_ORDER_BITS 9
#define TCP_TX_ORDER_MASK ((1u << TCP_TX_ORDER_BITS) - 1)

struct tcp_skb_cb {
	uint32_t seq;	  /* first sequence number */
	uint32_t end_seq; /* seq + SYN + FIN + payload */
	/* Linux's tcp_gso_segs and tcp_gso_size: the wire segments this
	 * buffer stands for, and the payload of each (0 when one segment). */
	uint16_t tcp_gso_segs;
	uint16_t tcp_gso_size;
	uint8_t tcp_flags; /* TCPHDR_* */
	uint8_t sacked;	   /* TCPCB_* */
	/* sent segments: delivery-rate state when last sent (tcp_rate.c,
	 * Linux's tx.is_app_limited). rack_marked and rack_was_retrans
	 * hold, for one pass of tcp_rack_detect_loss while tracing, what it
	 * marked, so that the trace can list it in sequence order
	 * (tcp_recovery.c). tx_order: tp->tx_order at the last
	 * transmission, which orders the segments of one time stamp
	 * (tcp_recovery.c); its 9 bits take the last free ones of the
	 * block, which stays 56 bytes. */
	/* eor: MSG_EOR ended a record here, so nothing may be appended to
	 * this buffer nor merged into it (Linux's TCP_SKB_CB(skb)->eor). */
	uint16_t is_app_limited : 1, rack_marked : 1, rack_was_retrans : 1, eor : 1,
		tx_order : TCP_TX_ORDER_BITS;
	/* SO_TIMESTAMPING asked for stamps of the byte tskey: when it is
	 * sent (SCHED, SND: every transmission) and when it is cumulatively
	 * acknowledged (ACK: once). Linux keeps the first two and the key
	 * in skb_shinfo (tx_flags, tskey), txstamp_ack here. */
	uint16_t txstamp_sched : 1, txstamp_snd : 1, txstamp_ack : 1;
	uint32_t delivered; /* sent segments: tp->delivered when last sent */
	uint32_t tskey;
	uint64_t sent_ns; /* last transmission, for RTT samples */
	union {
		struct {			   /* sent segments */
			uint64_t first_sent_ns;	   /* first transmission */
			uint64_t first_tx_mstamp;  /* us: tp->first_tx_mstamp when sent */
			uint64_t delivered_mstamp; /* us: tp->delivered_mstamp when sent;
						    * 0 once SACKed (counted) */
		};
		/* received segments: the TOS byte, for ECN (Linux keeps
		 * ip_dsfield here too). IPCB shares skb->cb and is gone by
		 * then; the addresses are read from the network header
		 * (ip_hdr_saddr), as Linux reads them, so nothing here
		 * depends on the address family. */
		uint8_t ip_dsfield;
	};
};
#define TCP_SKB_CB(skb) ((struct tcp_skb_cb *)(void *)&(skb)->cb[0])
/* No address lives in the control block: an IPv6 segment's 32 bytes of
 * addresses would not fit beside the send-time state, and the block stays
 * one size whatever the family. A field added here changes this figure on
 * purpose. */
_Static_assert(sizeof(struct tcp_skb_cb) == 56, "tcp_skb_cb holds no address of any family");
/* The bytes of a transmit clone that IP may use as its IPCB, cleared
 * before IP sees the clone (Linux's __tcp_transmit_skb does the same). */
#define TCP_SKB_CB_IP_AREA 24u
_Static_assert(offsetof(struct tcp_skb_cb, sent_ns) >= TCP_SKB_CB_IP_AREA,
	       "TCP's transmit state lies beyond IP's control block");
_Static_assert(sizeof(struct tcp_skb_cb) <= sizeof(((struct sk_buff *)0)->cb),
	       "tcp_skb_cb fits in skb->cb");

/* ---- request and time-wait mini-sockets -----------------------------------*/
struct request_sock {
	struct sock_common __req_common;	    /* state TCP_NEW_SYN_RECV, in ehash */
	struct request_sock *dl_next;		    /* accept queue link */
	struct request_sock *syn_next, **syn_pprev; /* the listener's SYN queue */
	struct sock *rsk_listener;
	/* The request's family's operations: an IPv4 SYN to a dual-stack
	 * AF_INET6 listener makes an IPv4 request (Linux's rsk_ops and
	 * af_specific, chosen by the SYN's family, not the listener's). */
	const struct inet_connection_sock_af_ops *rsk_af_ops;
	struct sock *sk;	     /* the child, once established */
	struct timer_list rsk_timer; /* SYN-ACK retransmission */
	uint32_t rcv_isn, snt_isn;
	uint32_t ts_recent, ts_off;
	uint32_t rcv_wnd, window_clamp;
	uint64_t synack_sent_ns; /* first SYN-ACK, for the RTT */
	uint16_t mss;		 /* the peer's, clamped */
	uint16_t mss_adv;	 /* the MSS we announce */
	uint8_t num_retrans, num_timeout;
	uint8_t snd_wscale, rcv_wscale;
	bool tstamp_ok, sack_ok, wscale_ok;
	bool ecn_ok; /* the SYN asked for ECN and we agreed (RFC 3168 6.1.1) */
	/* The client's final ACK came and was dropped (accept queue full,
	 * or TCP_DEFER_ACCEPT waiting for data): Linux's inet_rsk()->acked. */
	bool acked;
	uint32_t cookie_tsval; /* SYN cookie: TSval carrying the options */
	bool in_syn_queue;
	struct saved_syn *saved_syn; /* TCP_SAVE_SYN: handed to the child */
	/* Fast Open (tcp_fastopen.c): the cookie option the SYN-ACK carries
	 * (tfo_cookie_len -1: none); tfo_listener while a Fast Open child
	 * in SYN_RECV holds the request (Linux's tcp_request_sock's
	 * tfo_listener), and the end of the data its SYN brought (rcv_nxt);
	 * rst_expires: for one on the listener's reset list, when it goes. */
	int8_t tfo_cookie_len;
	bool tfo_cookie_exp, tfo_listener;
	uint8_t tfo_cookie[TCP_FASTOPEN_COOKIE_MAX];
	uint32_t rcv_nxt;
	uint64_t rst_expires;
};

/* The headers of a SYN kept for TCP_SAVED_SYN (Linux's struct saved_syn):
 * the link header (TCP_SAVE_SYN 2), then IP's and TCP's, options
 * included. */
struct saved_syn {
	uint32_t mac_hdrlen, network_hdrlen, tcp_hdrlen;
	uint8_t data[];
};

struct inet_timewait_sock {
	struct sock_common __tw_common; /* state TCP_TIME_WAIT, in ehash */
	uint8_t tw_substate;		/* TCP_TIME_WAIT or TCP_FIN_WAIT2 */
	uint8_t tw_rcv_wscale;
	bool tw_tstamp_ok;
	uint32_t tw_rcv_nxt, tw_snd_nxt, tw_rcv_wnd;
	uint32_t tw_ts_recent, tw_ts_offset;
	uint64_t tw_ts_recent_stamp;   /* s */
	uint64_t tw_last_oow_ack_time; /* ns of the last ACK to an out-of-window segment */
	struct timer_list tw_timer;
};

/* The accept queue of a listener and its SYN queue count
 * (Linux's struct request_sock_queue). */
struct request_sock_queue {
	struct request_sock *rskq_accept_head, *rskq_accept_tail;
	struct request_sock *syn_head; /* SYN queue: half-open connections */
	uint64_t synq_overflow_ns;     /* last SYN cookie sent (0: never) */
	uint32_t qlen;		       /* SYN queue: request socks waiting */
	uint32_t young;		       /* of which never retransmitted */
	/* TCP_DEFER_ACCEPT, as Linux keeps it: the number of SYN-ACK
	 * timeouts (1, 2, 4 ... s) a request waits for data after the
	 * client's bare ACK. */
	uint8_t rskq_defer_accept;
};

/* Congestion control, behind an ops table with Linux's hooks
 * (include/net/tcp.h's struct tcp_congestion_ops). */
#define TCP_CA_NAME_MAX 16   /* TCP_CONGESTION's buffer, the name's NUL included */
#define TCP_CA_PRIV_SIZE 104 /* icsk_ca_priv: each module's state (Linux's size) */

/* Events a module hears through cwnd_event (Linux's enum tcp_ca_event). */
enum tcp_ca_event {
	CA_EVENT_TX_START,     /* first transmission when nothing was in flight */
	CA_EVENT_CWND_RESTART, /* congestion window restart after idle */
	CA_EVENT_COMPLETE_CWR, /* the end of a window reduction */
	CA_EVENT_LOSS,	       /* a retransmission timeout */
	CA_EVENT_ECN_NO_CE,    /* ECT data arrived without CE after CE */
	CA_EVENT_ECN_IS_CE,    /* CE data arrived after ECT without CE */
};

/* in_ack_event flags (Linux's enum tcp_ca_ack_event_flags) */
#define CA_ACK_SLOWPATH (1u << 0)   /* processed outside the fast path */
#define CA_ACK_WIN_UPDATE (1u << 1) /* the ACK updated the window */
#define CA_ACK_ECE (1u << 2)	    /* the ACK carried ECE */

/* What an ACK acknowledged, for pkts_acked (Linux's struct ack_sample). */
struct ack_sample {
	uint32_t pkts_acked;
	int32_t rtt_us; /* -1: no sample (Karn) */
	uint32_t in_flight;
};

/* One delivery-rate sample per ACK (Linux's struct rate_sample, filled by
 * tcp_rate.c, read by cong_control modules such as BBR). Times in us. */
struct rate_sample {
	uint64_t prior_mstamp;	     /* start of the interval */
	uint32_t prior_delivered;    /* tp->delivered at prior_mstamp */
	uint32_t prior_delivered_ce; /* tp->delivered_ce at prior_mstamp */
	int32_t delivered;	     /* packets delivered over the interval */
	int32_t delivered_ce;	     /* of which CE-marked */
	int64_t interval_us;	     /* the interval; -1: no valid sample */
	uint32_t snd_interval_us;
	uint32_t rcv_interval_us;
	int64_t rtt_us;		  /* RTT of the last packet (S)ACKed; -1: none */
	int losses;		  /* packets marked lost by this ACK */
	uint32_t acked_sacked;	  /* packets newly (S)ACKed by this ACK */
	uint32_t prior_in_flight; /* in flight before this ACK */
	uint32_t last_end_seq;	  /* end_seq of the most recently sent packet */
	bool is_app_limited;	  /* the sample is from an app-limited stretch */
	bool is_retrans;	  /* the sample is from a retransmission */
	bool is_ack_delayed;	  /* the ACK was (probably) delayed */
};

struct sock;
struct tcp_congestion_ops {
	const char *name;
	uint32_t flags; /* TCP_CONG_* */
	/* required: the slow-start threshold after a loss */
	uint32_t (*ssthresh)(struct sock *sk);
	/* required unless cong_control: grow cwnd on an ACK */
	void (*cong_avoid)(struct sock *sk, uint32_t ack, uint32_t acked);
	/* optional */
	void (*set_state)(struct sock *sk, uint8_t new_state);
	void (*cwnd_event)(struct sock *sk, enum tcp_ca_event ev);
	void (*in_ack_event)(struct sock *sk, uint32_t flags);
	void (*pkts_acked)(struct sock *sk, const struct ack_sample *sample);
	uint32_t (*min_tso_segs)(struct sock *sk);
	/* the module sets cwnd and pacing itself on every ACK (BBR) */
	void (*cong_control)(struct sock *sk, uint32_t ack, int flag, const struct rate_sample *rs);
	/* cwnd to restore when a reduction proves spurious */
	uint32_t (*undo_cwnd)(struct sock *sk);
	/* send buffer in windows (default 2) */
	uint32_t (*sndbuf_expand)(struct sock *sk);
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
	/* TCP_CC_INFO: fills info, returns its size */
	size_t (*get_info)(struct sock *sk, union ut_tcp_cc_info *info);
};
#define TCP_CONG_NON_RESTRICTED 0x1		  /* allowed to every socket by default */
#define TCP_CONG_NEEDS_ECN 0x2			  /* the module wants ECN (DCTCP) */
extern const struct tcp_congestion_ops tcp_reno;  /* tcp_cong.c */
extern const struct tcp_congestion_ops tcp_cubic; /* tcp_cubic.c */
extern const struct tcp_congestion_ops tcp_bbr;	  /* tcp_bbr.c */
extern const struct tcp_congestion_ops tcp_dctcp; /* tcp_dctcp.c */

/* icsk_ca_state: enum tcp_ca_state from <netinet/tcp.h> (TCP_CA_Open ..
 * TCP_CA_Loss), Linux's values. */

/* icsk_pending: which timer the retransmit timer is doing (Linux's
 * values). The tail-loss probe and RACK's reorder timer share the slot with
 * the RTO, as in Linux: at most one of them is armed at a time. */
#define ICSK_TIME_RETRANS 1
#define ICSK_TIME_PROBE0 3
#define ICSK_TIME_LOSS_PROBE 5
#define ICSK_TIME_REO_TIMEOUT 6

/* icsk_ack.pending bits */
#define ICSK_ACK_SCHED 1
#define ICSK_ACK_TIMER 2
#define ICSK_ACK_PUSHED 4
#define ICSK_ACK_NOW 8 /* send the next ACK at once (once) */

/* What TCP asks of the network layer under it: one const table per address
 * family, so that the family-independent files (tcp.c, tcp_input.c,
 * tcp_output.c, tcp_timer.c, tcp_minisocks.c, inet_connection_sock.c ...)
 * name no IPv4 function. A socket reaches it through icsk_af_ops, set when
 * the socket is made (tcp_v4_init_sock) and copied to a listener's
 * children; request sockets reach it through their listener. Linux splits
 * these between struct inet_connection_sock_af_ops and, for requests,
 * tcp_request_sock_ops and tcp_request_sock_af_ops; usertcp has one table,
 * with Linux's names. IPv4's is ipv4_specific (tcp_ipv4.c). */
struct inet_connection_sock_af_ops {
	/* Sends a segment of sk's connection (skb->data at the TCP header):
	 * checksum, network header, route (Linux's queue_xmit, IPv4's
	 * ip_queue_xmit). Consumes skb. 0, NET_XMIT_DROP (positive: the
	 * device's queue was full) or -errno. Once per segment sent. */
	int (*queue_xmit)(struct sock *sk, struct sk_buff *skb);
	/* A SYN for listener sk (Linux's conn_request): starts a request or
	 * answers with a cookie. Consumes skb; 0. */
	int (*conn_request)(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			    const struct wire_tcp_opts *opts);
	/* The child of a completed handshake (Linux's syn_recv_sock): see
	 * tcp_syn_recv_sock. NULL, nothing changed, when none could be had. */
	struct sock *(*syn_recv_sock)(struct sock *listener, struct request_sock *req);
	/* Routes sk toward its peer again (Linux's rebuild_header, which
	 * keeps the route in the socket; usertcp keeps only what TCP uses of
	 * it): 0 or -errno, and in *mtu the route's device MTU, or the
	 * family's smallest datagram every host takes when there is no route. */
	int (*rebuild_header)(struct sock *sk, uint32_t *mtu);
	/* The network header without options (Linux's net_header_len): what
	 * an MSS leaves out of the path MTU besides TCP's own header. */
	uint16_t net_header_len;
	/* How the family's GSO cuts the connection's buffers (Linux keeps
	 * it in sk->sk_gso_type, set by each family's connect). */
	uint32_t gso_type;
	/* Options at the family's levels (Linux's setsockopt and
	 * getsockopt here): IPv4's ip_setsockopt, IPv6's ipv6_setsockopt. */
	int (*setsockopt)(struct sock *sk, int level, int optname, const void *optval,
			  socklen_t optlen);
	int (*getsockopt)(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen);

	/* for a listener's requests (Linux's tcp_request_sock_af_ops) */
	/* Fills req's local and foreign addresses from the segment in skb,
	 * the SYN or the ACK of a cookie (Linux's init_req). */
	void (*init_req)(struct request_sock *req, const struct sock *listener,
			 const struct sk_buff *skb);
	/* The MSS to announce to req's peer: the route's MTU less the
	 * headers (Linux's route_req, then dst_metric_advmss). */
	uint32_t (*route_req)(const struct sock *listener, const struct request_sock *req);
	/* Our ISN for the connection the SYN in skb asks for (Linux's
	 * init_seq: RFC 6528, keyed by the 4-tuple). */
	uint32_t (*init_seq)(const struct sock *listener, const struct sk_buff *skb,
			     const struct wire_tcp *th);
	/* The offset our TSvals carry toward that peer (Linux's init_ts_off). */
	uint32_t (*init_ts_off)(const struct sock *listener, const struct sk_buff *skb);
	/* A SYN cookie for the SYN in skb; *mss lowered to what the cookie
	 * can say (Linux's cookie_init_seq). */
	uint32_t (*cookie_init_seq)(const struct sock *listener, const struct sk_buff *skb,
				    const struct wire_tcp *th, uint16_t *mss);
	/* Sends req's SYN-ACK (Linux's send_synack). 0 or -errno. */
	int (*send_synack)(struct sock *listener, struct request_sock *req);
	/* Sends the ACK a request socket answers an unacceptable segment
	 * with (Linux's tcp_request_sock_ops.send_ack). */
	void (*send_ack)(struct sock *listener, struct request_sock *req);
};

struct inet_connection_sock {
	struct sock icsk_inet;
	const struct inet_connection_sock_af_ops *icsk_af_ops; /* the family's */
	struct request_sock_queue icsk_accept_queue;
	struct timer_list icsk_retransmit_timer;
	struct timer_list icsk_delack_timer;
	struct timer_list sk_timer; /* keepalive, SYN-SENT-free FIN_WAIT2 */
	uint32_t icsk_rto;	    /* ms */
	uint32_t icsk_pmtu_cookie;
	const struct tcp_congestion_ops *icsk_ca_ops;
	uint64_t icsk_ca_priv[TCP_CA_PRIV_SIZE / sizeof(uint64_t)]; /* the module's state */
	uint8_t icsk_ca_state;
	bool icsk_ca_initialized; /* init has run (tcp_init_congestion_control) */
	bool icsk_ca_setsockopt;  /* chosen by TCP_CONGESTION: children inherit it */
	uint8_t icsk_retransmits;
	uint8_t icsk_pending;
	uint8_t icsk_backoff;
	uint8_t icsk_syn_retries; /* TCP_SYNCNT; 0: sysctl */
	uint8_t icsk_probes_out;
	uint32_t icsk_user_timeout;	/* ms, TCP_USER_TIMEOUT */
	uint64_t icsk_probes_tstamp;	/* ns: first unanswered zero-window probe */
	uint64_t icsk_retrans_start_ns; /* first retransmission of the head */
	struct {
		uint8_t pending;   /* ICSK_ACK_* */
		uint8_t quick;	   /* quick ACKs left */
		bool pingpong;	   /* interactive: delay ACKs */
		uint32_t ato;	   /* ms */
		uint64_t timeout;  /* jiffy the delayed ACK is due */
		uint64_t lrcvtime; /* ns of last data received */
		uint16_t rcv_mss;  /* estimate of the peer's MSS */
	} icsk_ack;
};

/* What a Fast Open connect (MSG_FASTOPEN, or the first write after
 * TCP_FASTOPEN_CONNECT) hands tcp_connect for the length of the call
 * (Linux's struct tcp_fastopen_request): the cookie for the SYN
 * (cookie_len -1: no option, 0: a request), the data to put in it, and
 * how much of it went. */
struct tcp_fastopen_request {
	int8_t cookie_len;
	bool cookie_exp;
	uint8_t cookie[TCP_FASTOPEN_COOKIE_MAX];
	struct iov_iter *data; /* NULL: none left for the SYN */
	size_t size, copied;
};

/* A socket's Fast Open state (RFC 7413), Linux's fields of tcp_sock,
 * inet_sock and the listener's fastopen_queue gathered in one place. */
struct tcp_fastopen_sock {
	/* active side */
	struct tcp_fastopen_request *req; /* during a Fast Open connect */
	bool connect;			  /* TCP_FASTOPEN_CONNECT */
	bool no_cookie;			  /* TCP_FASTOPEN_NO_COOKIE */
	bool defer_connect;		  /* connect() returned, the SYN waits for data */
	bool syn_fastopen;		  /* the SYN carried the option */
	bool syn_fastopen_exp;		  /* ... as kind 254 */
	bool syn_fastopen_ch;		  /* the blackhole pause had ended for it */
	bool syn_data;			  /* the SYN carried data */
	bool syn_data_acked;		  /* which the peer acknowledged (both sides) */
	uint8_t client_fail;		  /* tcpi_fastopen_client_fail: TFO_* */
	/* passive child: the request kept for the SYN-ACK until the
	 * handshake completes (Linux's fastopen_rsk) */
	struct request_sock *rsk;
	/* listener (Linux's fastopen_queue): the TCP_FASTOPEN queue length,
	 * the children not yet past SYN_RECV (and reset ones kept on
	 * rst_head), and a key of its own (TCP_FASTOPEN_KEY) */
	uint32_t max_qlen, qlen;
	struct request_sock *rst_head, *rst_tail;
	uint8_t nkeys;
	uint64_t key[2][2];
};

struct tcp_sock {
	struct inet_connection_sock inet_conn;
	/* sequence space (RFC 9293 3.3.1) */
	uint32_t snd_una, snd_nxt, snd_wl1, snd_wnd, max_window;
	uint32_t write_seq; /* tail of data queued by send() */
	uint32_t snd_sml;   /* end of the last small segment sent (Minshall) */
	uint32_t pushed_seq;
	uint32_t rcv_nxt, copied_seq, rcv_wup, rcv_wnd, rcv_ssthresh, window_clamp;
	uint32_t isn; /* our ISN, for traces */
	/* MSS */
	uint32_t mss_cache;	   /* current send MSS (options excluded) */
	uint16_t gso_segs;	   /* segments in a full write-queue buffer (size goal) */
	uint16_t advmss;	   /* what we announced */
	uint16_t rx_opt_mss_clamp; /* peer's MSS (TCP_MAXSEG clamps too) */
	uint16_t user_mss;
	uint16_t tcp_header_len; /* 20 + options on every segment */
	/* options (struct tcp_options_received) */
	bool tstamp_ok, sack_ok, wscale_ok;
	uint8_t snd_wscale, rcv_wscale;
	/* Bytes of payload per byte of receive memory the peer's segments
	 * cost, in 1/256ths: skb->len / skb->truesize of a full segment,
	 * measured by tcp_measure_rcv_mss (Linux's tp->scaling_ratio). */
	uint8_t scaling_ratio;
	uint32_t ts_recent, tsoffset;
	uint64_t ts_recent_stamp; /* s, when ts_recent was taken */
	uint8_t num_sacks;	  /* SACK blocks we send */
	struct wire_tcp_sack_block selective_acks[TCP_MAX_SACKS];
	/* D-SACK (RFC 2883): duplicate data to report once, in the first
	 * block of the next SACK option (Linux's rx_opt.dsack and
	 * duplicate_sack). */
	bool dsack;
	struct wire_tcp_sack_block duplicate_sack[1];
	/* ECN (RFC 3168): TCP_ECN_* bits (Linux's tp->ecn_flags) */
	uint8_t ecn_flags;
	/* RTT (RFC 6298), in us */
	uint32_t srtt_us;			  /* smoothed RTT << 3 */
	uint32_t mdev_us, mdev_max_us, rttvar_us; /* << 2 */
	uint32_t rtt_seq;
	/* congestion control (RFC 5681, 6582) */
	uint32_t snd_cwnd, snd_ssthresh, snd_cwnd_cnt, snd_cwnd_clamp;
	uint32_t high_seq;    /* snd_nxt when recovery began */
	uint32_t packets_out; /* segments sent, not cumulatively acked */
	/* How fully cwnd is used, per window of data (Linux's
	 * tcp_cwnd_validate): whether the window was what held the sender
	 * back, else the most segments it had out; a window ends when
	 * snd_una passes cwnd_usage_seq. */
	uint32_t max_packets_out, cwnd_usage_seq;
	bool is_cwnd_limited;
	/* RFC 2861 as Linux: the most segments out while cwnd was not the
	 * limit, and when cwnd was last set or found in full use (ns) */
	uint32_t snd_cwnd_used;
	uint64_t snd_cwnd_stamp;
	uint32_t retrans_out;
	uint32_t sacked_out; /* dupacks counted (Reno) or SACKed */
	uint32_t lost_out;
	uint32_t total_retrans;
	uint32_t delivered; /* segments (S)ACKed, D-SACKed retransmissions too */
	/* delivery-rate estimation (tcp_rate.c; times in us, Linux's names) */
	uint64_t tcp_mstamp;   /* us: the clock read once per ACK or send burst */
	uint32_t delivered_ce; /* of which (S)ACKed by ACKs with ECE */
	uint32_t app_limited;  /* delivered + in flight when the sender went app-limited; 0: not */
	uint64_t first_tx_mstamp;  /* send time of the packet that starts the sample's flight */
	uint64_t delivered_mstamp; /* when tp->delivered last grew */
	uint32_t rate_delivered;   /* the last sample kept for tcpi_delivery_rate: segments */
	uint32_t rate_interval_us; /* ... over this interval */
	bool rate_app_limited;	   /* ... was application-limited */
	uint32_t lost;		   /* segments marked lost, retransmissions too */
	/* loss recovery (Linux's names; tcp_input.c, tcp_recovery.c) */
	uint32_t reordering;	 /* how far a segment may be reordered, in segments */
	uint32_t reord_seen;	 /* reorderings detected */
	uint32_t prior_ssthresh; /* ssthresh before a reduction, for undo (0: no undo) */
	uint32_t prior_cwnd;	 /* cwnd before a reduction (PRR, undo) */
	uint32_t undo_marker;	 /* snd_una when the reduction began (0: none) */
	int undo_retrans;	 /* retransmissions not yet proven spurious (-1: none) */
	uint32_t retrans_stamp;	 /* TSval clock (ms) of the first retransmission; 0: none */
	uint32_t prr_delivered;	 /* PRR (RFC 6937): delivered since recovery began */
	uint32_t prr_out;	 /* PRR: sent since recovery began */
	uint32_t tlp_high_seq;	 /* snd_nxt when a loss probe was sent (0: none out) */
	uint32_t dsack_dups;	 /* segments the peer reported as duplicates */
	bool tlp_retrans;	 /* the loss probe was a retransmission */
	bool is_sack_reneg;	 /* the peer discarded data it had SACKed */
	uint8_t frto;		 /* F-RTO (RFC 5682) running in this Loss episode */
	bool saw_tstamp;	 /* the ACK in hand had a timestamp ... */
	uint32_t rcv_tsecr;	 /* ... echoing this TSval */
	struct minmax rtt_min;	 /* windowed min RTT (tcp_min_rtt_wlen), us */
	struct tcp_rack {	 /* RACK (RFC 8985) */
		uint64_t mstamp; /* ns: sent time of the last delivered segment */
		uint32_t rtt_us; /* its RTT */
		uint32_t end_seq;
		uint16_t tx_order;	     /* its tcp_skb_cb tx_order */
		uint32_t last_delivered_seq; /* snd_nxt when reo_wnd last grew */
		uint8_t reo_wnd_steps;	     /* reo_wnd in units of min_rtt/4 */
		uint8_t reo_wnd_persist;     /* recoveries the wider window lasts */
		bool dsack_seen;	     /* a D-SACK since reo_wnd last grew */
		bool advanced;		     /* mstamp moved: look for losses */
	} rack;
	uint64_t lsndtime;	/* ns of last data sent */
	uint64_t tcp_wstamp_ns; /* departure time of the next paced segment */
	uint16_t tx_order;	/* transmissions so far, TCP_TX_ORDER_BITS wide */
	uint32_t data_segs_out; /* segments with data sent (tcpi_data_segs_out) */
	/* What TCP_INFO reports (Linux's names, RFC 4898's statistics) */
	uint32_t segs_out;	       /* segments sent, ACKs and retransmissions too */
	uint32_t segs_in;	       /* segments received by this socket */
	uint32_t data_segs_in;	       /* ... of which with data */
	uint32_t rcv_ooopack;	       /* segments queued out of order */
	uint64_t bytes_sent;	       /* payload bytes sent, retransmissions too */
	uint64_t bytes_retrans;	       /* payload bytes retransmitted */
	uint64_t bytes_acked;	       /* snd_una's advances (the SYN's one byte too) */
	uint64_t bytes_received;       /* rcv_nxt's advances past the SYN (a FIN counts 1) */
	uint16_t total_rto;	       /* retransmission timeouts, the SYN's too */
	uint16_t total_rto_recoveries; /* episodes of them (the first timeout of each) */
	uint32_t total_rto_time;       /* ms spent in finished episodes */
	uint32_t rto_stamp;	       /* TSval clock (ms) the current episode began; 0: none */
	/* The receiver's RTT estimate (Linux's rcv_rtt_est, TCP_INFO's
	 * tcpi_rcv_rtt), us << 3; from echoed timestamps, or without them
	 * from how long a window's worth of data takes to arrive. */
	struct {
		uint32_t rtt_us; /* << 3; 0: no estimate */
		uint32_t seq;	 /* a measure ends when rcv_nxt reaches this */
		uint64_t time;	 /* us (tcp_mstamp): when it began; 0: none */
	} rcv_rtt_est;
	uint32_t rcv_rtt_last_tsecr; /* the TSecr last measured from */
	/* Send-time chronographs (Linux's chrono_*, TCP_INFO's busy_time,
	 * rwnd_limited, sndbuf_limited): the condition timed now, since
	 * when (us), and the time each condition has lasted (us). */
	uint8_t chrono_type; /* TCP_CHRONO_* */
	uint64_t chrono_start;
	uint64_t chrono_stat[3];
	struct hrtimer pacing_timer; /* wakes the sender when pacing allows */
	/* TCP Small Queues (Linux's sk_tsq_flags and tsq_node): THROTTLED
	 * while the write loop waits for the devices to let go of its
	 * packets, QUEUED while on the stack's tsq_list */
	uint8_t tsq_flags; /* TSQF_* */
	struct list_head tsq_node;
	uint64_t rcv_tstamp;	    /* ns of last ACK received (keepalive) */
	uint64_t last_oow_ack_time; /* ns of last ACK to an out-of-window segment */
	/* sending policy */
	uint8_t nonagle;	     /* TCP_NAGLE_* */
	uint8_t repair;		     /* TCP_REPAIR: under repair (tcp_repair.c) */
	uint8_t repair_queue;	     /* TCP_REPAIR_QUEUE: TCP_NO_QUEUE, _RECV_, _SEND_ */
	uint8_t save_syn;	     /* TCP_SAVE_SYN: 1 headers of IP on, 2 the link's too */
	struct saved_syn *saved_syn; /* the SYN's headers until TCP_SAVED_SYN reads them */
	uint8_t keepalive_probes;    /* 0: sysctl */
	uint32_t keepalive_time;     /* s; 0: sysctl */
	uint32_t keepalive_intvl;    /* s; 0: sysctl */
	int linger2;		     /* TCP_LINGER2 s; 0: sysctl, <0: none */
	/* queues */
	/* Sent, not acknowledged: a red-black tree keyed by sequence, as in
	 * Linux since 4.15, so that a SACK block finds its first segment in
	 * O(log n) (tcp_sacktag_bsearch) however large the window. */
	struct rb_root tcp_rtx_queue;
	/* The same segments in the order they were last sent, oldest first
	 * (Linux's tsorted_sent_queue): RACK (RFC 8985 6.2) looks only at
	 * those sent before the last delivered one. SACKed segments leave
	 * it; a retransmission moves to its tail. */
	struct list_head tsorted_sent_queue;
	/* The SACKed segment with the highest sequence, NULL while none is
	 * (tcp_highest_sack_seq). Linux points at the segment after it; ours
	 * points at the SACKed one itself, so that its end stays put when new
	 * data is sent after a SACKed tail, as the sequence it stands for has
	 * always been computed here. */
	struct sk_buff *highest_sack;
	/* Urgent data (RFC 9293 3.8.5; Linux's names and tcp_stdurg=0
	 * meaning: a pointer one past the urgent byte). snd_up: one past the
	 * last urgent byte sent, equal to snd_una outside urgent mode.
	 * urg_seq: the sequence of the urgent byte announced by the peer;
	 * urg_data: TCP_URG_NOTYET until that byte arrives, then
	 * TCP_URG_VALID with the byte in the low eight bits, TCP_URG_READ
	 * once recv(MSG_OOB) took it; 0: none. */
	uint32_t snd_up, urg_seq;
	uint16_t urg_data;
	bool recvmsg_inq;	/* TCP_INQ: a TCP_CM_INQ control message per read */
	uint32_t notsent_lowat; /* TCP_NOTSENT_LOWAT; 0: net.ipv4.tcp_notsent_lowat */
	/* Where tcp_xmit_retransmit_queue resumes: no segment before it is
	 * waiting to be retransmitted (lost, not SACKed, not retransmitted).
	 * NULL: start from the head. Linux's retransmit_skb_hint. */
	struct sk_buff *retransmit_skb_hint;
	struct sk_buff_head out_of_order_queue;
	/* receive buffer tuning (Linux's rcvq_space) */
	uint32_t rcvq_space_space, rcvq_space_seq;
	uint64_t rcvq_space_time;
	struct tcp_fastopen_sock tfo; /* Fast Open (tcp_fastopen.c) */
};

/* tp->ecn_flags (Linux's TCP_ECN_*) */
#define TCP_ECN_OK 1	     /* ECN agreed in the handshake */
#define TCP_ECN_QUEUE_CWR 2  /* the next new data segment carries CWR */
#define TCP_ECN_DEMAND_CWR 4 /* our ACKs carry ECE until the peer's CWR */
#define TCP_ECN_SEEN 8	     /* ECT or CE seen on received data */

/* TCP_NAGLE_* (nonagle) */
#define TCP_NAGLE_OFF 1	 /* TCP_NODELAY */
#define TCP_NAGLE_CORK 2 /* TCP_CORK */
#define TCP_NAGLE_PUSH 4 /* push this once */

/* tp->urg_data (Linux's TCP_URG_*): the byte is in the low eight bits */
#define TCP_URG_VALID 0x0100  /* the urgent byte arrived and is held */
#define TCP_URG_NOTYET 0x0200 /* announced, not yet arrived */
#define TCP_URG_READ 0x0400   /* taken by recv(MSG_OOB) */

static inline struct tcp_sock *tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)(uintptr_t)sk;
}
static inline struct inet_connection_sock *inet_csk(const struct sock *sk)
{
	return (struct inet_connection_sock *)(uintptr_t)sk;
}

static inline bool icsk_retrans_started(const struct sock *sk)
{
	return inet_csk(sk)->icsk_retrans_start_ns != 0;
}
/* Segments a buffer of the write or retransmit queue stands for: what
 * Linux counts packets_out, sacked_out, lost_out, retrans_out and cwnd in
 * (a buffer of up to 64 KB is gso_segs wire segments). */
static inline uint32_t tcp_skb_pcount(const struct sk_buff *skb)
{
	return TCP_SKB_CB(skb)->tcp_gso_segs;
}
static inline void tcp_skb_pcount_set(struct sk_buff *skb, uint32_t segs)
{
	TCP_SKB_CB(skb)->tcp_gso_segs = (uint16_t)segs;
}
static inline void tcp_skb_pcount_add(struct sk_buff *skb, int segs)
{
	TCP_SKB_CB(skb)->tcp_gso_segs = (uint16_t)(TCP_SKB_CB(skb)->tcp_gso_segs + segs);
}
/* The truesize of a write-queue buffer holding no data yet: what Linux
 * 6.x on x86-64 charges for tcp_stream_alloc_skb's head (MAX_TCP_HEADER,
 * 320 bytes, with its shared info rounded up to a 1 KB kmalloc block,
 * and the descriptor: SKB_TRUESIZE, 1280), so that SO_SNDBUF holds as
 * many buffers as Linux's. usertcp's own is smaller (a pool descriptor
 * and headroom) and never more. The data is charged byte for byte on top,
 * as Linux charges page fragments. */
#define TCP_SKB_HEAD_TRUESIZE 1280u
static inline uint32_t tcp_skb_base_truesize(const struct ut_stack *stack)
{
	return MAX(TCP_SKB_HEAD_TRUESIZE, skb_truesize_for(stack->pool, MAX_HEADER));
}
/* Takes len bytes of data off skb's charge (never its base): the bytes
 * left the buffer (trimmed, or moved to a new one by tcp_fragment). */
static inline void tcp_skb_uncharge_bytes(struct sock *sk, struct sk_buff *skb, uint32_t len)
{
	if (skb->truesize < tcp_skb_base_truesize(sk->sk_stack) + len)
		return;
	skb->truesize -= len;
	sk->sk_wmem_queued -= (int)len;
	sk_mem_uncharge(sk, (int)len);
}
/* The payload of each of skb's wire segments (Linux's tcp_skb_mss). */
static inline uint32_t tcp_skb_mss(const struct sk_buff *skb)
{
	return TCP_SKB_CB(skb)->tcp_gso_size;
}
/* The length of skb's longest wire segment: all of it when it is one
 * segment, else its segment size (Linux's tcp_skb_seglen). */
static inline uint32_t tcp_skb_seglen(const struct sk_buff *skb)
{
	return tcp_skb_pcount(skb) == 1 ? skb->len : tcp_skb_mss(skb);
}
static inline void *inet_csk_ca(const struct sock *sk)
{
	return (void *)inet_csk(sk)->icsk_ca_priv;
}
/* The last skb of the write queue. */
static inline bool tcp_skb_is_last(const struct sk_buff *skb)
{
	return skb->next == NULL;
}

/* ---- the retransmit queue (Linux's names; O(log n) unless said) ----------*/
#define skb_rb_entry(node) rb_entry((node), struct sk_buff, rbnode)
static inline struct sk_buff *skb_rb_first(const struct rb_root *root)
{
	struct rb_node *n = rb_first(root);
	return n ? skb_rb_entry(n) : NULL;
}
static inline struct sk_buff *skb_rb_last(const struct rb_root *root)
{
	struct rb_node *n = rb_last(root);
	return n ? skb_rb_entry(n) : NULL;
}
/* O(1) amortised over a walk. */
static inline struct sk_buff *skb_rb_next(const struct sk_buff *skb)
{
	struct rb_node *n = rb_next(&skb->rbnode);
	return n ? skb_rb_entry(n) : NULL;
}
static inline struct sk_buff *skb_rb_prev(const struct sk_buff *skb)
{
	struct rb_node *n = rb_prev(&skb->rbnode);
	return n ? skb_rb_entry(n) : NULL;
}
#define skb_rbtree_walk(skb, root) for (skb = skb_rb_first(root); skb; skb = skb_rb_next(skb))
/* The oldest unacknowledged segment (the one at snd_una), or NULL. */
static inline struct sk_buff *tcp_rtx_queue_head(const struct sock *sk)
{
	return skb_rb_first(&tcp_sk(sk)->tcp_rtx_queue);
}
static inline struct sk_buff *tcp_rtx_queue_tail(const struct sock *sk)
{
	return skb_rb_last(&tcp_sk(sk)->tcp_rtx_queue);
}
/* Urgent mode: an urgent pointer not yet acknowledged past goes on every
 * segment (Linux's tcp_urg_mode). */
static inline bool tcp_urg_mode(const struct tcp_sock *tp)
{
	return tp->snd_una != tp->snd_up;
}

static inline bool tcp_rtx_queue_empty(const struct sock *sk)
{
	return RB_EMPTY_ROOT(&tcp_sk(sk)->tcp_rtx_queue);
}
static inline bool tcp_rtx_and_write_queues_empty(const struct sock *sk)
{
	return tcp_rtx_queue_empty(sk) && skb_queue_empty(&sk->sk_write_queue);
}
/* Puts skb into the tree by its sequence number (sequences of the queue
 * never overlap, so before() orders them across the wrap). */
void tcp_rbtree_insert(struct rb_root *root, struct sk_buff *skb);
/* Takes skb off the retransmit queue and the send-time list, and off the
 * hints that point at it. The caller owns it then. */
void tcp_rtx_queue_unlink(struct sk_buff *skb, struct sock *sk);
/* tcp_rtx_queue_unlink, then uncharges and frees it. */
void tcp_rtx_queue_unlink_and_free(struct sk_buff *skb, struct sock *sk);
/* Frees every skb of the retransmit queue. O(n). */
void tcp_rtx_queue_purge(struct sock *sk);
/* The first segment of the retransmit queue whose end lies after seq (the
 * one holding seq, or the first above it), or NULL: where a SACK block
 * starting at seq begins to cover (Linux's tcp_sacktag_bsearch). */
struct sk_buff *tcp_sacktag_bsearch(struct sock *sk, uint32_t seq);
/* skb became retransmittable (marked lost, or its retransmission lost):
 * the retransmit hint must not be past it (Linux's
 * tcp_verify_retransmit_hint; a NULL hint already starts from the head). */
static inline void tcp_verify_retransmit_hint(struct tcp_sock *tp, const struct sk_buff *skb)
{
	if (tp->retransmit_skb_hint &&
	    before(TCP_SKB_CB(skb)->seq, TCP_SKB_CB(tp->retransmit_skb_hint)->seq))
		tp->retransmit_skb_hint = (struct sk_buff *)(uintptr_t)skb;
}
/* Receive memory (truesize) to window: what space bytes of buffer hold
 * in payload at the measured ratio (Linux's __tcp_win_from_space). */
static inline int __tcp_win_from_space(uint8_t scaling_ratio, int space)
{
	int64_t scaled = (int64_t)space * scaling_ratio;
	return (int)(scaled >> TCP_RMEM_TO_WIN_SCALE);
}

static inline int tcp_win_from_space(const struct tcp_sock *tp, int space)
{
	return __tcp_win_from_space(tp->scaling_ratio, space);
}

/* The inverse: the receive memory a window of win bytes takes (Linux's
 * tcp_space_from_win). */
static inline int tcp_space_from_win(const struct tcp_sock *tp, int win)
{
	uint64_t val = (uint64_t)(win > 0 ? win : 0) << TCP_RMEM_TO_WIN_SCALE;
	uint8_t ratio = tp->scaling_ratio ? tp->scaling_ratio : 1;
	val /= ratio;
	return val > 0x7fffffff ? 0x7fffffff : (int)val;
}

/* Window the free receive memory holds (Linux's tcp_space), and the
 * window the whole buffer holds (tcp_full_space). */
static inline int tcp_space(const struct sock *sk)
{
	return tcp_win_from_space(tcp_sk(sk), sk->sk_rcvbuf - sk->sk_rmem_alloc);
}

static inline int tcp_full_space(const struct sock *sk)
{
	return tcp_win_from_space(tcp_sk(sk), sk->sk_rcvbuf);
}

static inline uint32_t tcp_receive_window(const struct tcp_sock *tp)
{
	int32_t win = (int32_t)(tp->rcv_wup + tp->rcv_wnd - tp->rcv_nxt);
	return win < 0 ? 0 : (uint32_t)win;
}
/* Bytes the peer's window lets us have in flight from snd_una. */
static inline uint32_t tcp_wnd_end(const struct tcp_sock *tp)
{
	return tp->snd_una + tp->snd_wnd;
}
static inline uint32_t tcp_packets_in_flight(const struct tcp_sock *tp)
{
	return tp->packets_out - (tp->sacked_out + tp->lost_out) + tp->retrans_out;
}
static inline bool tcp_in_slow_start(const struct tcp_sock *tp)
{
	return tp->snd_cwnd < tp->snd_ssthresh;
}
/* Whether cwnd is what limits the sender, so that growing it means
 * something (Linux's tcp_is_cwnd_limited): it was in this window, or in
 * slow start it is under twice the most segments out in this window (so
 * that slow start still doubles what an application sends each round). */
static inline bool tcp_is_cwnd_limited(const struct tcp_sock *tp)
{
	if (tp->is_cwnd_limited)
		return true;
	if (tcp_in_slow_start(tp))
		return tp->snd_cwnd < 2 * tp->max_packets_out;
	return false;
}
/* Segments SACKed or marked lost: out of the network, not acknowledged. */
static inline uint32_t tcp_left_out(const struct tcp_sock *tp)
{
	return tp->sacked_out + tp->lost_out;
}
static inline bool tcp_is_sack(const struct tcp_sock *tp)
{
	return tp->sack_ok;
}
static inline bool tcp_is_reno(const struct tcp_sock *tp)
{
	return !tcp_is_sack(tp);
}
/* The windowed minimum RTT in us (~0 before the first sample). */
static inline uint32_t tcp_min_rtt(const struct tcp_sock *tp)
{
	return minmax_get(&tp->rtt_min);
}
/* cwnd is being reduced: PRR runs (Linux's tcp_in_cwnd_reduction). */
static inline bool tcp_in_cwnd_reduction(const struct sock *sk)
{
	uint8_t st = inet_csk(sk)->icsk_ca_state;
	return st == TCP_CA_CWR || st == TCP_CA_Recovery;
}
/* The congestion module wants ECN on every connection (DCTCP). */
static inline bool tcp_ca_needs_ecn(const struct sock *sk)
{
	return inet_csk(sk)->icsk_ca_ops->flags & TCP_CONG_NEEDS_ECN;
}
/* net.ipv4.tcp_recovery bits (Linux's) */
#define TCP_RACK_LOSS_DETECTION 0x1 /* RACK marks losses (RFC 8985) */
#define TCP_RACK_STATIC_REO_WND 0x2 /* D-SACKs never widen the window */
#define TCP_RACK_NO_DUPTHRESH 0x4   /* no reo_wnd of 0 at dupthresh */
#define TCP_RACK_RECOVERY_THRESH 16 /* recoveries a widened reo_wnd lasts */
static inline bool tcp_is_rack(const struct sock *sk)
{
	return sk->sk_stack->sysctl.tcp_recovery & TCP_RACK_LOSS_DETECTION;
}

/* Timestamps: Linux's TSval clock ticks in ms (tcp_time_stamp_ms). */
static inline uint32_t tcp_time_stamp(const struct ut_stack *stack)
{
	return (uint32_t)(stack_now(stack) / NSEC_PER_MSEC);
}

/* ---- tcp.c: the socket calls ----------------------------------------------*/
extern const struct proto tcp_prot;
void tcp_set_state(struct sock *sk, int state);
void tcp_done(struct sock *sk);
void tcp_done_with_error(struct sock *sk, int err);
/* Frees an orphaned or never-attached sock once it reached CLOSE. */
void inet_csk_destroy_sock(struct sock *sk);
unsigned tcp_poll(struct socket *sock);
int tcp_ioctl(struct sock *sk, unsigned long cmd, int *arg);
void tcp_init_sock(struct sock *sk);
/* Buffer sizes after connect/accept: sk_sndbuf/sk_rcvbuf, window_clamp. */
void tcp_init_buffer_space(struct sock *sk);
void tcp_shutdown(struct sock *sk, int how);
/* The calls behind a family's struct proto (tcp_prot in tcp_ipv4.c), as
 * Linux's tcp_prot and tcpv6_prot share them. */
void tcp_close(struct sock *sk, uint64_t timeout);
int tcp_disconnect(struct sock *sk, int flags);
ssize_t tcp_sendmsg(struct sock *sk, const struct msghdr *msg, size_t size, int flags);
ssize_t tcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags, int *addr_len);
int tcp_setsockopt(struct sock *sk, int level, int optname, const void *optval, socklen_t optlen);
int tcp_getsockopt(struct sock *sk, int level, int optname, void *optval, socklen_t *optlen);
int tcp_get_port(struct sock *sk, uint16_t snum);
void tcp_unhash(struct sock *sk);
/* Frees the write, retransmit and receive queues with their charges. */
void tcp_write_queue_purge(struct sock *sk);
void tcp_rcv_queues_purge(struct sock *sk);
/* Sends RST and frees everything: an abortive close. */
void tcp_disconnect_reset(struct sock *sk, int err);

/* ---- tcp_input.c --------------------------------------------------------*/
uint32_t tcp_current_ssthresh(const struct sock *sk);
/* Processes a segment for sk. Returns 0 when it consumed skb, or 1 when
 * the caller must answer with a RST (and then free skb). */
int tcp_rcv_state_process(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			  const struct wire_tcp_opts *opts);
/* The path MTU fell (the family's ICMP error has already shrunk the MSS):
 * every sent segment that no longer fits is marked lost and the
 * retransmit queue resent, in Loss but with cwnd kept, for this is no
 * congestion (Linux's tcp_simple_retransmit, shared by IPv4's and IPv6's
 * error handlers). */
void tcp_simple_retransmit(struct sock *sk);
/* The header and options of req's SYN-ACK, whatever its family (Linux's
 * tcp_make_synack): our ISN, the options agreed, the window offered. */
void tcp_synack_header(const struct sock *listener, const struct request_sock *req,
		       struct wire_tcp *th, struct wire_tcp_opts *opts);
/* A SYN for listener sk, whatever its family (Linux's tcp_conn_request,
 * which each family's conn_request calls with the SYN's family's
 * operations, af_ops): a request socket in the SYN queue and its SYN-ACK,
 * or a SYN cookie. Consumes skb; 0. */
int tcp_conn_request(const struct inet_connection_sock_af_ops *af_ops, struct sock *sk,
		     struct sk_buff *skb, const struct wire_tcp *th,
		     const struct wire_tcp_opts *opts);
void tcp_init_transfer(struct sock *sk);
void tcp_initialize_rcv_mss(struct sock *sk);
void tcp_enter_loss(struct sock *sk);
/* Send-time chronographs (Linux's enum tcp_chrono), ordered: a condition
 * starting while a lower one is timed takes over. */
#define TCP_CHRONO_UNSPEC 0
#define TCP_CHRONO_BUSY 1	    /* data waits to be sent or acknowledged */
#define TCP_CHRONO_RWND_LIMITED 2   /* ... and the peer's window holds it back */
#define TCP_CHRONO_SNDBUF_LIMITED 3 /* ... and the send buffer is full */
void tcp_chrono_start(struct sock *sk, uint8_t type);
/* type no longer holds: nothing is timed once both queues are empty,
 * busy again if type was the one timed. */
void tcp_chrono_stop(struct sock *sk, uint8_t type);
/* The time (us) each condition has lasted, the one under way included:
 * stats[TCP_CHRONO_BUSY - 1] .. stats[TCP_CHRONO_SNDBUF_LIMITED - 1]. */
void tcp_chrono_stats(const struct sock *sk, uint64_t stats[3]);
/* An RTO episode ended (the state leaves Loss, or the handshake
 * completes): its time joins total_rto_time (Linux's tcp_update_rto_time). */
void tcp_update_rto_time(struct tcp_sock *tp, uint32_t now_ms);
/* ECN-Echo received: reduce the window once, as for a loss (RFC 3168 6.1.2). */
void tcp_enter_cwr(struct sock *sk);
void tcp_rcv_space_adjust(struct sock *sk);
/* Called after the application read: may send a window update. */
void tcp_cleanup_rbuf(struct sock *sk, uint32_t copied);
bool tcp_paws_reject(const struct tcp_sock *tp, const struct wire_tcp_opts *opts);
/* Holds tsval as the TSval to echo, stamped with the time it was taken. */
void tcp_store_ts_recent(struct sock *sk, uint32_t tsval);
void tcp_fin(struct sock *sk);
void tcp_reset(struct sock *sk);
/* At most one ACK per tcp_invalid_ratelimit to out-of-window segments;
 * true (mib counted) when this one must not be sent. */
bool tcp_oow_rate_limited(struct sock *sk, int mib);
void tcp_clear_retrans(struct tcp_sock *tp);
void tcp_rtt_estimator(struct sock *sk, long mrtt_us);
void tcp_set_rto(struct sock *sk);
void tcp_mss_update_from_opts(struct tcp_sock *tp, const struct wire_tcp_opts *opts);
/* Congestion window reduction (RFC 3168's CWR state) for ECE or a loss
 * found by a tail-loss probe: ssthresh from the module, cwnd brought down
 * to it by PRR as ACKs arrive (Linux's tcp_enter_cwr). */
void tcp_enter_cwr(struct sock *sk);
/* Fast recovery begins (Linux's tcp_enter_recovery). */
void tcp_enter_recovery(struct sock *sk, bool ece_ack);
/* PRR (RFC 6937): cwnd for this ACK while in CWR or Recovery. */
void tcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked, int newly_lost, int flag);
/* Marks skb lost (a retransmission already sent counts as lost again). */
void tcp_mark_skb_lost(struct sock *sk, struct sk_buff *skb);
/* RTO or TLP timer, whichever applies after an ACK (Linux's). */
void tcp_set_xmit_timer(struct sock *sk);

/* ---- tcp_recovery.c: RACK (RFC 8985) and NewReno loss marking ------------*/
void tcp_rack_advance(struct tcp_sock *tp, uint8_t sacked, uint32_t end_seq, uint32_t tx_order,
		      uint64_t xmit_ns, uint64_t now_ns);
/* Marks lost what RACK finds lost, arms the reorder timer for the rest;
 * true if the timer was armed. */
bool tcp_rack_mark_lost(struct sock *sk);
/* us until skb counts as lost (<= 0: lost now). */
int32_t tcp_rack_skb_timeout(struct tcp_sock *tp, const struct sk_buff *skb, uint32_t reo_wnd,
			     uint64_t now_ns);
void tcp_rack_reo_timeout(struct sock *sk);
void tcp_rack_update_reo_wnd(struct sock *sk, bool delivered);
void tcp_newreno_mark_lost(struct sock *sk, bool snd_una_advanced);

/* ---- tcp_output.c --------------------------------------------------------*/
void tcp_slow_start_after_idle_check(struct sock *sk);
/* Transmits skb (from the write or retransmit queue) with a fresh header:
 * clones it (copies, if a previous transmission still holds it), fills
 * header, options, checksum, and hands it to IP. 0 or -errno. */
int tcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone);
/* Sends what the windows, Nagle and cork allow. Returns true if nothing
 * could be sent while data waits (the caller may need the probe timer). */
bool tcp_write_xmit(struct sock *sk, uint32_t mss_now, int nonagle);
void tcp_push(struct sock *sk, int flags, uint32_t mss_now, int nonagle);
/* The MSS for sending now, and in *size_goal the length a write-queue
 * buffer may grow to (Linux's tcp_send_mss and tcp_xmit_size_goal). */
uint32_t tcp_send_mss(struct sock *sk, uint32_t *size_goal, int flags);
/* Counts skb's wire segments for mss_now (Linux's tcp_set_skb_tso_segs). */
void tcp_set_skb_tso_segs(struct sk_buff *skb, uint32_t mss_now);
/* A sent buffer stands for decr fewer segments: moves the counters. */
void tcp_adjust_pcount(struct sock *sk, const struct sk_buff *skb, int decr);
/* Splits skb after len bytes into two buffers of tcp_queue, counted in
 * segments of mss_now (Linux's). 0 or -errno. O(len of the rest): copied. */
int tcp_fragment(struct sock *sk, enum tcp_queue tcp_queue, struct sk_buff *skb, uint32_t len,
		 uint32_t mss_now, gfp_t gfp);
/* Drops len acknowledged bytes from the head of a retransmit-queue buffer. */
void tcp_trim_head(struct sock *sk, struct sk_buff *skb, uint32_t len);
void tcp_push_pending_frames(struct sock *sk);
/* TCP_NOTSENT_LOWAT's test and the writability it joins (tcp.c) */
bool tcp_stream_memory_free(const struct sock *sk, int wake);
bool sk_stream_is_writeable(const struct sock *sk);
void sk_stream_write_space(struct sock *sk);
uint32_t tcp_current_mss(struct sock *sk);
uint32_t tcp_sync_mss(struct sock *sk, uint32_t pmtu);
void tcp_send_ack(struct sock *sk);
void tcp_send_delayed_ack(struct sock *sk);
void tcp_send_fin(struct sock *sk);
void tcp_send_active_reset(struct sock *sk);
int tcp_send_synack(struct sock *sk);
int tcp_connect(struct sock *sk);
/* Sends up to segs segments of skb again (Linux's __tcp_retransmit_skb):
 * no scoreboard marks. */
int __tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs);
/* Retransmits up to segs segments of skb and marks them so
 * (SACKED_RETRANS, retrans_out). */
int tcp_retransmit_skb(struct sock *sk, struct sk_buff *skb, int segs);
/* Arms the tail-loss probe (RFC 8985 7.2) if it applies; false if not. */
bool tcp_schedule_loss_probe(struct sock *sk, bool advancing_rto);
void tcp_send_loss_probe(struct sock *sk);
void tcp_xmit_retransmit_queue(struct sock *sk);
void tcp_send_probe0(struct sock *sk);
int tcp_write_wakeup(struct sock *sk);
uint16_t tcp_select_window(struct sock *sk);
/* The window free buffer space allows now, before rounding to what was offered. */
uint32_t __tcp_select_window(struct sock *sk);
void tcp_select_initial_window(struct ut_stack *stack, int space, uint32_t mss, uint32_t *rcv_wnd,
			       uint32_t *window_clamp, bool wscale_ok, uint8_t *rcv_wscale);
uint32_t tcp_mtu_to_mss(const struct tcp_sock *tp, uint32_t pmtu);
void tcp_update_pacing_rate(struct sock *sk);
enum hrtimer_restart tcp_pace_kick(struct hrtimer *t);
/* tsq_flags (Linux's TSQF_THROTTLED, TSQF_QUEUED) */
#define TSQF_THROTTLED 0x1u
#define TSQF_QUEUED 0x2u
/* The destructor of a segment TCP hands down: gives its charge back and,
 * if the socket waits for that (TSQF_THROTTLED), queues it on the
 * stack's tsq_list for the next poll (Linux's tcp_wfree). */
void tcp_wfree(struct sk_buff *skb);
/* Lets each socket of the stack's tsq_list write again (Linux's
 * tcp_tasklet_func and tcp_tsq_handler); a dying stack's only give
 * their references back. Returns how many it ran. */
int tcp_tsq_run(struct ut_stack *stack);
int tcp_rtx_synack(struct sock *listener, struct request_sock *req);
void tcp_req_err(struct request_sock *req, uint32_t seq, bool abort);
void tcp_synack_rtt_meas(struct sock *sk, long rtt_us);
void tcp_non_congestion_loss_retransmit(struct sock *sk);
/* Appends in-order data to the receive queue (tcp_queue_rcv), for
 * TCP_REPAIR's receive queue. */
void tcp_repair_queue_rcv(struct sock *sk, struct sk_buff *skb);
/* A segment the peer answers with an ACK and its window (Linux's
 * tcp_send_window_probe), when a connection leaves repair. */
void tcp_send_window_probe(struct sock *sk);
/* Completes a connect() made in repair mode: established, no SYN. */
void tcp_repair_finish_connect(struct sock *sk);

/* ---- tcp_repair.c: TCP_REPAIR, as checkpoint/restore tools use it -----------*/
int tcp_repair_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen);
int tcp_repair_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen);
int tcp_repair_options_est(struct sock *sk, const void *optval, socklen_t optlen);
ssize_t tcp_send_rcvq(struct sock *sk, const struct msghdr *msg, size_t size);
ssize_t tcp_peek_sndq(struct sock *sk, struct msghdr *msg, size_t len);
/* TCP_INFO's struct for sk (tcp.c), for getsockopt and the diagnostics
 * endpoint. */
void tcp_get_info(struct sock *sk, struct ut_tcp_info *info);
void tcp_reqsk_record_syn(const struct sock *listener, struct request_sock *req,
			  const struct sk_buff *skb, const struct wire_tcp *th);

/* ---- tcp_timer.c ----------------------------------------------------------*/
void tcp_init_xmit_timers(struct sock *sk);
/* The connection failed on a timer: ETIMEDOUT (or the soft error), closed. */
void tcp_write_err(struct sock *sk);
void tcp_clear_xmit_timers(struct sock *sk);
/* Any of the retransmit, delayed-ACK or keepalive timers armed. */
bool tcp_timers_pending(const struct sock *sk);
void inet_csk_reset_xmit_timer(struct sock *sk, int what, uint32_t when_ms);
void inet_csk_clear_xmit_timer(struct sock *sk, int what);
void inet_csk_reset_keepalive_timer(struct sock *sk, uint64_t when_ms);
void inet_csk_delete_keepalive_timer(struct sock *sk);
void tcp_rearm_rto(struct sock *sk);
uint32_t tcp_keepalive_time_s(const struct tcp_sock *tp);
uint32_t tcp_keepalive_intvl_s(const struct tcp_sock *tp);
uint32_t tcp_keepalive_probes_n(const struct tcp_sock *tp);
void tcp_set_keepalive(struct sock *sk, bool on);
uint32_t tcp_probe0_when(const struct sock *sk, uint32_t max_ms);
/* Arms the zero-window probe timer if data waits and nothing is in flight. */
void tcp_check_probe_timer(struct sock *sk);
/* The next zero-window or resource probe, clamped to TCP_USER_TIMEOUT. */
uint32_t tcp_clamp_probe0_to_user_timeout(const struct sock *sk, uint32_t when_ms);

/* ---- tcp_ipv4.c: TCP over IPv4 --------------------------------------------*/
extern const struct net_protocol tcp_protocol;
/* IPv4's operations for TCP (see struct inet_connection_sock_af_ops). */
extern const struct inet_connection_sock_af_ops ipv4_specific;

/* The receive path after the established table was asked: the same for
 * both families (Linux repeats it in tcp_v4_rcv and tcp_v6_rcv), which
 * differ only in these. */
struct tcp_rcv_family {
	/* The listener for the segment (addresses from its network header). */
	struct sock *(*lookup_listener)(struct ut_stack *stack, const struct sk_buff *skb,
					const struct wire_tcp *th);
	/* A reset answering the segment, for sk (NULL: no socket). */
	void (*send_reset)(struct ut_stack *stack, const struct sk_buff *skb,
			   const struct wire_tcp *th, struct sock *sk);
	void (*timewait_ack)(struct inet_timewait_sock *tw);
	struct sock *(*cookie_check)(struct sock *listener, struct sk_buff *skb,
				     const struct wire_tcp *th, const struct wire_tcp_opts *opts);
};
/* Fills TCP_SKB_CB from the parsed header th (options into *opts) and
 * leaves skb at the payload; dsfield is the TOS or traffic class. */
void tcp_rcv_fill_cb(struct sk_buff *skb, struct wire_tcp *th, struct wire_tcp_opts *opts,
		     uint8_t dsfield);
/* Hands the segment to what the established table gave (skc: a
 * connection, a request or a time-wait socket), else to a listener, else
 * answers with a reset. Consumes skb. */
void tcp_rcv_dispatch(struct sk_buff *skb, const struct wire_tcp *th,
		      const struct wire_tcp_opts *opts, struct sock_common *skc,
		      const struct tcp_rcv_family *fam);
/* Frees every TCP object of a stack being destroyed. */
void tcp_stack_destroy(struct ut_stack *stack);
int tcp_v4_connect(struct sock *sk, const struct sockaddr *uaddr, socklen_t addr_len);
uint32_t secure_tcp_seq(struct ut_stack *stack, uint32_t saddr, uint32_t daddr, uint16_t sport,
			uint16_t dport);
uint32_t secure_tcp_ts_off(struct ut_stack *stack, uint32_t saddr, uint32_t daddr);
/* The one way a completed handshake becomes a connection, for both
 * families (it names no address; Linux's tcp_v4_syn_recv_sock and
 * tcp_v6_syn_recv_sock, with the queueing that Linux's callers do): for
 * the final ACK of a request in the SYN queue (tcp_check_req) and for an
 * ACK answering a SYN cookie (cookie_v4_check, cookie_v6_check). Makes the child from req
 * (tcp_create_openreq_child), puts it in the request's place in the
 * established table, on the listener's port, and in the accept queue.
 * NULL, with nothing changed, when no socket could be had. */
struct sock *tcp_syn_recv_sock(struct sock *listener, struct request_sock *req);

/* ---- tcp_minisocks.c -----------------------------------------------------*/
/* Moves sk to a time-wait sock for timeo ms (state TIME_WAIT, or substate
 * FIN_WAIT2 for an orphan) and frees sk. */
void tcp_time_wait(struct sock *sk, int state, uint32_t timeo_ms);
/* A segment for a time-wait sock. Returns TCP_TW_* . */
enum tcp_tw_status { TCP_TW_SUCCESS, TCP_TW_RST, TCP_TW_ACK, TCP_TW_SYN };
enum tcp_tw_status tcp_timewait_state_process(struct inet_timewait_sock *tw, struct sk_buff *skb,
					      const struct wire_tcp *th,
					      const struct wire_tcp_opts *opts);
/* Ends a time-wait socket: reports its substate -> CLOSE with why (so a
 * trace shows every connection's end), unhashes it and frees it. */
void inet_twsk_kill(struct inet_timewait_sock *tw, const char *why);
/* A segment for a request sock (the final ACK of the handshake, or a
 * retransmitted SYN). Returns the child (added to the accept queue) or
 * NULL; *rst set when the segment must be answered with a RST. */
struct sock *tcp_check_req(struct sock *listener, struct request_sock *req, struct sk_buff *skb,
			   const struct wire_tcp *th, const struct wire_tcp_opts *opts, bool *rst);
struct sock *tcp_create_openreq_child(struct sock *listener, struct request_sock *req);

/* ---- inet_connection_sock.c ----------------------------------------------*/
int inet_csk_listen_start(struct sock *sk, int backlog);
void inet_csk_listen_stop(struct sock *sk);
struct sock *inet_csk_accept(struct sock *sk, int flags, int *err);
/* SYN queue: a request sock added (in the established table, timer armed). */
int inet_csk_reqsk_queue_hash_add(struct sock *listener, struct request_sock *req,
				  uint32_t timeout_ms);
void inet_csk_reqsk_queue_drop(struct sock *listener, struct request_sock *req);
/* The same for a request that dies in the SYN queue, traced with why
 * (usertcp:syn_queue_drop), as the queue's other exits are. */
void inet_csk_reqsk_queue_drop_why(struct sock *listener, struct request_sock *req,
				   const char *why);
void inet_csk_reqsk_queue_add(struct sock *listener, struct request_sock *req, struct sock *child);
struct request_sock *reqsk_alloc(struct sock *listener);
void reqsk_free(struct request_sock *req);
bool inet_csk_accept_queue_full(const struct sock *sk);

/* ---- syncookies.c --------------------------------------------------------*/
/* The ISN that encodes the connection the SYN in skb asks for and its MSS
 * class (Linux's cookie_v4_init_sequence); *mss is lowered to the class's
 * value. */
uint32_t cookie_v4_init_sequence(const struct sock *listener, const struct sk_buff *skb,
				 const struct wire_tcp *th, uint16_t *mss);
/* TSval carrying window scale, SACK and ECN in its low 6 bits. */
uint32_t cookie_init_timestamp(const struct request_sock *req, uint32_t ts_now);
/* An ACK that may answer a SYN cookie (the listener had no room to keep
 * a request). The child socket, in the accept queue; the listener itself
 * when the ACK answers no cookie (none sent lately, or a wrong one: the
 * listener's own processing answers it, with a reset); or NULL when it
 * answers a good cookie but makes no connection (the accept queue full,
 * or no memory), for the caller to drop, as Linux's cookie_v4_check. */
struct sock *cookie_v4_check(struct sock *listener, struct sk_buff *skb, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts);
/* The same for IPv6 (Linux's cookie_v6_init_sequence, cookie_v6_check). */
uint32_t cookie_v6_init_sequence(const struct sock *listener, const struct sk_buff *skb,
				 const struct wire_tcp *th, uint16_t *mss);
struct sock *cookie_v6_check(struct sock *listener, struct sk_buff *skb, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts);
/* Fills a request from the SYN in skb, or from the ACK of a cookie
 * (shared by the SYN queue and cookies). */
void tcp_openreq_init(struct sock *listener, struct request_sock *req, const struct sk_buff *skb,
		      const struct wire_tcp *th, const struct wire_tcp_opts *opts,
		      bool has_syn_opts);

/* ---- tcp_fastopen.c: TCP Fast Open (RFC 7413) ------------------------------*/
/* net.ipv4.tcp_fastopen bits (Linux's TFO_*) */
#define TFO_CLIENT_ENABLE 1
#define TFO_SERVER_ENABLE 2
#define TFO_CLIENT_NO_COOKIE 4
#define TFO_SERVER_COOKIE_NOT_REQD 0x200
#define TFO_SERVER_WO_SOCKOPT1 0x400
/* tcpi_fastopen_client_fail (Linux's enum tfo_client_fail) */
#define TFO_STATUS_UNSPEC 0
#define TFO_COOKIE_UNAVAILABLE 1
#define TFO_DATA_NOT_ACKED 2
#define TFO_SYN_RETRANSMITTED 3
#define TCP_FASTOPEN_KEY_LENGTH 16

/* tcp_sendmsg's Fast Open connect (Linux's tcp_sendmsg_fastopen): 0 once
 * connected, -EINPROGRESS while not, or -errno; *copied the bytes the SYN
 * took from it. */
int tcp_sendmsg_fastopen(struct sock *sk, const struct msghdr *msg, struct iov_iter *it, int flags,
			 size_t *copied);
/* connect() with TCP_FASTOPEN_CONNECT and a cookie: true when the SYN
 * waits for the first write (Linux's tcp_fastopen_defer_connect); with
 * no cookie, fo (the caller's, for its tcp_connect) asks for one. */
bool tcp_fastopen_defer_connect(struct sock *sk, struct tcp_fastopen_request *fo);
/* tcp_connect's SYN when a Fast Open connect is under way, with the
 * cookie option and what data fits (Linux's tcp_send_syn_data). syn is
 * the SYN on the write queue, not yet sent; *sent the data buffer behind
 * it on the write queue when it went out with the SYN. */
int tcp_send_syn_data(struct sock *sk, struct sk_buff *syn, struct sk_buff **sent);
/* The option tcp_syn_options adds to a SYN, if any. */
void tcp_fastopen_syn_option(struct sock *sk, struct wire_tcp_opts *o);
/* A SYN-ACK for a Fast Open SYN (Linux's tcp_rcv_fastopen_synack): the
 * cookie cached, SYN data not acknowledged resent (true: done, the
 * resent data carries the ACK), data in the SYN-ACK queued. */
bool tcp_rcv_fastopen_synack(struct sock *sk, struct sk_buff *synack, const struct wire_tcp *th,
			     const struct wire_tcp_opts *opts);
/* A SYN for a listener, its request made: a Fast Open child in
 * SYN_RECV holding the SYN's data, or NULL with req's cookie option set
 * for the SYN-ACK (Linux's tcp_try_fastopen). */
struct sock *tcp_try_fastopen(struct sock *listener, struct sk_buff *skb, const struct wire_tcp *th,
			      const struct wire_tcp_opts *opts, struct request_sock *req);
/* The child leaves SYN_RECV, or dies: the request goes (Linux's
 * reqsk_fastopen_remove). */
void reqsk_fastopen_remove(struct sock *child, struct request_sock *req, bool reset);
/* A segment for a Fast Open child still holding its request (Linux's
 * tcp_check_req with fastopen): 0 to go on with it, -1 to drop it (dealt
 * with), 1 to answer it with a reset. */
int tcp_fastopen_check_req(struct sock *sk, struct sk_buff *skb, const struct wire_tcp *th,
			   const struct wire_tcp_opts *opts);
/* The child's handshake completes (Linux's tcp_rcv_synrecv_state_fastopen). */
void tcp_fastopen_synrecv_done(struct sock *sk);
/* The client's cookie cache, for `ip tcp_metrics` (under the stack's
 * lock): each destination held, with how long ago it was last used, in
 * milliseconds; and the flush that empties it. */
struct tcp_fastopen_metrics;
typedef void (*tcp_fastopen_metrics_fn)(void *arg, const struct tcp_fastopen_metrics *m,
					uint64_t age_ms);
void tcp_fastopen_metrics_foreach(struct ut_stack *stack, tcp_fastopen_metrics_fn fn, void *arg);
void tcp_fastopen_metrics_flush(struct ut_stack *stack);
/* The child's SYN-ACK timer (Linux's tcp_fastopen_synack_timer). */
void tcp_fastopen_synack_timer(struct sock *sk);
/* A timeout of a Fast Open connection: three in a row, or the last
 * one, pause Fast Open (Linux's tcp_fastopen_active_detect_blackhole). */
void tcp_fastopen_active_detect_blackhole(struct sock *sk, bool expired);
/* At close: a Fast Open connection that got only a FIN out of order
 * looks like a middlebox eating data (Linux's
 * tcp_fastopen_active_disable_ofo_check). */
void tcp_fastopen_active_disable_ofo_check(struct sock *sk);
/* listen(): Fast Open without TCP_FASTOPEN when the sysctl says so. */
void tcp_fastopen_listen(struct sock *sk, int backlog);
/* The listener closes: the reset list goes. */
void tcp_fastopen_listen_stop(struct sock *sk);
/* Socket options; -ENOPROTOOPT for one not Fast Open's. */
int tcp_fastopen_setsockopt(struct sock *sk, int optname, const void *optval, socklen_t optlen);
int tcp_fastopen_getsockopt(struct sock *sk, int optname, void *optval, socklen_t *optlen);
/* net.ipv4.tcp_fastopen_key as text (Linux's proc_tcp_fastopen_key). */
int tcp_fastopen_get_key_str(const struct ut_stack *stack, char *buf, size_t len);
int tcp_fastopen_set_key_str(struct ut_stack *stack, const char *val);

/* ---- tcp_cong.c ------------------------------------------------------------*/
/* The module called name, or NULL. */
const struct tcp_congestion_ops *tcp_ca_find(const char *name);
/* net.ipv4.tcp_congestion_control ("cubic") and
 * tcp_allowed_congestion_control ("reno cubic") for a new stack. */
void tcp_congestion_defaults(struct ipv4_sysctl *s);
/* The three string sysctls, as text (names separated by spaces). get: 0 or
 * -ENOSPC; set: 0, -ENOENT for an unknown name. */
int tcp_get_available_congestion_control(const struct ut_stack *stack, char *buf, size_t len);
int tcp_get_allowed_congestion_control(const struct ut_stack *stack, char *buf, size_t len);
int tcp_get_default_congestion_control(const struct ut_stack *stack, char *buf, size_t len);
int tcp_set_default_congestion_control(struct ut_stack *stack, const char *name);
int tcp_set_allowed_congestion_control(struct ut_stack *stack, const char *val);
void tcp_assign_congestion_control(struct sock *sk);
void tcp_ca_openreq_child(struct sock *sk, const struct sock *listener);
void tcp_init_congestion_control(struct sock *sk);
void tcp_cleanup_congestion_control(struct sock *sk);
/* TCP_CONGESTION: 0, -ENOENT or -EPERM (see tcp_cong.c). */
int tcp_set_congestion_control(struct sock *sk, const char *name, bool cap_net_admin);
void tcp_set_ca_state(struct sock *sk, uint8_t ca_state);
void tcp_ca_event(struct sock *sk, enum tcp_ca_event event);
void tcp_in_ack_event(struct sock *sk, uint32_t flags);
void tcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked);
uint32_t tcp_slow_start(struct tcp_sock *tp, uint32_t acked);
void tcp_cong_avoid_ai(struct tcp_sock *tp, uint32_t w, uint32_t acked);
uint32_t tcp_reno_ssthresh(struct sock *sk);
void tcp_reno_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked);
uint32_t tcp_reno_undo_cwnd(struct sock *sk);

/* ---- tcp_rate.c: delivery-rate estimation ---------------------------------*/
void tcp_rate_skb_sent(struct sock *sk, struct sk_buff *skb);
void tcp_rate_skb_delivered(struct sock *sk, struct sk_buff *skb, struct rate_sample *rs);
void tcp_rate_gen(struct sock *sk, uint32_t delivered, uint32_t lost, bool is_sack_reneg,
		  struct rate_sample *rs);
void tcp_rate_check_app_limited(struct sock *sk);

/* Linux's tcp_clock_us: the stack's clock in microseconds. */
static inline uint64_t tcp_clock_us(const struct ut_stack *stack)
{
	return stack_now(stack) / NSEC_PER_USEC;
}
static inline void tcp_mstamp_refresh(struct tcp_sock *tp, const struct ut_stack *stack)
{
	tp->tcp_mstamp = tcp_clock_us(stack);
}
static inline uint32_t tcp_snd_cwnd(const struct tcp_sock *tp)
{
	return tp->snd_cwnd;
}

static inline bool inet_csk_reqsk_queue_is_full(const struct sock *sk)
{
	return inet_csk(sk)->icsk_accept_queue.qlen >= (uint32_t)sk->sk_max_ack_backlog;
}

#endif
