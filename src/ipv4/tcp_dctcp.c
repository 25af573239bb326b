/* DCTCP (RFC 8257), as Linux's tcp_dctcp module runs it: the sender keeps
 * alpha, a moving average of the fraction of its segments delivered with
 * ECE, and cuts the window once per round in proportion to it,
 * cwnd * (1 - alpha/2), instead of halving. The receiver echoes CE marks
 * one for one: each change of the CE codepoint on arriving data is ACKed
 * at once, with a delayed ACK sent first for the data before the change, so
 * that delayed ACKs still tell the sender how much was marked (RFC 8257
 * 3.2).
 *
 * DCTCP needs ECN (TCP_CONG_NEEDS_ECN): the socket asks for it in its SYN
 * whatever net.ipv4.tcp_ecn says, and sends even the SYN ECT(0). A
 * connection where the peer did not agree falls back to Reno under the
 * name "dctcp-reno" (Linux's dctcp_reno ops), which is not in the registry:
 * nobody can ask for it by name.
 *
 * alpha is scaled by 1024 (Linux's DCTCP_MAX_ALPHA); it starts at 1024
 * (dctcp_alpha_on_init), so the first reduction halves the window as Reno
 * would, and moves by g = 1/16 (dctcp_shift_g = 4) per round. Linux's
 * PLB (path rehash on persistent marking) has no paths to choose among
 * here and is left out. */
#include <string.h>

#include "net/inet_ecn.h"
#include "net/tcp.h"

#define DCTCP_MAX_ALPHA 1024u		    /* alpha's scale: 1024 is every segment marked */
#define DCTCP_SHIFT_G 4u		    /* Linux's dctcp_shift_g module parameter: g = 1/16 */
#define DCTCP_ALPHA_ON_INIT DCTCP_MAX_ALPHA /* Linux's dctcp_alpha_on_init */

struct dctcp {
	uint32_t old_delivered;	   /* tp->delivered when this round began */
	uint32_t old_delivered_ce; /* tp->delivered_ce when this round began */
	uint32_t dctcp_alpha;	   /* marked fraction, << 10 */
	uint32_t next_seq;	   /* the round ends when snd_una reaches this */
	uint32_t ce_state;	   /* receiver: 1 while arriving data carries CE */
	uint32_t loss_cwnd;	   /* cwnd before the last reduction, for undo */
};
_Static_assert(sizeof(struct dctcp) <= TCP_CA_PRIV_SIZE, "dctcp fits icsk_ca_priv");

static const struct tcp_congestion_ops dctcp_reno;

static struct dctcp *dctcp_ca(const struct sock *sk)
{
	return (struct dctcp *)inet_csk_ca(sk);
}

/* A new observation round: one window of data, up to what is sent now. */
static void dctcp_reset(const struct tcp_sock *tp, struct dctcp *ca)
{
	ca->next_seq = tp->snd_nxt;
	ca->old_delivered = tp->delivered;
	ca->old_delivered_ce = tp->delivered_ce;
}

/* From tcp_init_transfer (the handshake is over, so whether ECN was agreed
 * is known) or TCP_CONGESTION. A socket not yet connected keeps DCTCP, to
 * ask for ECN in its SYN; a connection without ECN has nothing to estimate
 * alpha from and becomes dctcp-reno, no longer sending ECT (the SYN was
 * sent ECT for DCTCP's sake), as Linux's dctcp_init does. */
static void dctcp_init(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct dctcp *ca = dctcp_ca(sk);

	if ((tp->ecn_flags & TCP_ECN_OK) ||
	    (TCPF(sk->sk_state) & (TCPF(TCP_LISTEN) | TCPF(TCP_CLOSE)))) {
		ca->dctcp_alpha = DCTCP_ALPHA_ON_INIT;
		ca->loss_cwnd = 0;
		ca->ce_state = 0;
		dctcp_reset(tp, ca);
		return;
	}
	inet_csk(sk)->icsk_ca_ops = &dctcp_reno;
	INET_ECN_dontxmit(sk);
}

/* RFC 8257 3.3: cwnd = cwnd * (1 - alpha / 2), alpha being << 10; called
 * once per window by the CWR entry an ECE causes (and on a loss before
 * dctcp_react_to_loss takes over). */
static uint32_t dctcp_ssthresh(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct dctcp *ca = dctcp_ca(sk);

	ca->loss_cwnd = tp->snd_cwnd;
	return MAX(tp->snd_cwnd - ((tp->snd_cwnd * ca->dctcp_alpha) >> 11), 2u);
}

/* Once per round (snd_una past the round's end), alpha moves a sixteenth
 * of the way to the fraction of segments delivered with ECE
 * (RFC 8257 3.3: alpha = (1 - g) * alpha + g * F). Linux counts from
 * tp->delivered and tp->delivered_ce rather than bytes. */
static void dctcp_update_alpha(struct sock *sk, uint32_t flags)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct dctcp *ca = dctcp_ca(sk);
	uint32_t delivered, delivered_ce, alpha, decay;

	(void)flags;
	if (before(tp->snd_una, ca->next_seq))
		return;
	delivered = tp->delivered - ca->old_delivered;
	delivered_ce = tp->delivered_ce - ca->old_delivered_ce;
	alpha = ca->dctcp_alpha;
	/* The decay never rounds to nothing: below 16 alpha drops to 0 at
	 * once, so a path that stopped marking ends with no reduction at all
	 * (Linux's min_not_zero). */
	decay = alpha >> DCTCP_SHIFT_G;
	alpha -= decay ? decay : alpha;
	if (delivered_ce) {
		/* g * F, scaled: F << 10 >> shift_g, with the shift done
		 * first to keep precision. */
		delivered_ce <<= 10 - DCTCP_SHIFT_G;
		delivered_ce /= MAX(1u, delivered);
		alpha = MIN(alpha + delivered_ce, DCTCP_MAX_ALPHA);
	}
	ca->dctcp_alpha = alpha;
	dctcp_reset(tp, ca);
}

/* Loss: halve as Reno (RFC 8257 3.5), remembering cwnd for undo. */
static void dctcp_react_to_loss(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	dctcp_ca(sk)->loss_cwnd = tp->snd_cwnd;
	tp->snd_ssthresh = MAX(tp->snd_cwnd >> 1, 2u);
}

/* Entering Recovery reacts to the loss; an RTO does so through
 * CA_EVENT_LOSS, so each loss episode is answered once. */
static void dctcp_set_state(struct sock *sk, uint8_t new_state)
{
	if (new_state == TCP_CA_Recovery && new_state != inet_csk(sk)->icsk_ca_state)
		dctcp_react_to_loss(sk);
}

static void dctcp_ece_ack_cwr(struct tcp_sock *tp, uint32_t ce_state)
{
	if (ce_state)
		tp->ecn_flags |= TCP_ECN_DEMAND_CWR;
	else
		tp->ecn_flags &= (uint8_t)~TCP_ECN_DEMAND_CWR;
}

/* Our ACKs echo ECE while, and only while, arriving data carries CE
 * (RFC 8257 3.2). On a change, the ACK owed for the data before it goes at
 * once with the old ECE value, and the data that changed it is ACKed at
 * once too (ICSK_ACK_NOW). Linux sends the first ACK for prior_rcv_nxt,
 * rcv_nxt as the previous segment left it, because its receiver reports
 * the codepoint after moving rcv_nxt past the segment; usertcp's reports
 * it before (tcp_event_data_recv, tcp_data_queue_ofo), so rcv_nxt is that
 * value still, and an ordinary ACK carries it. */
static void dctcp_ece_ack_update(struct sock *sk, enum tcp_ca_event ev)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct dctcp *ca = dctcp_ca(sk);
	uint32_t new_ce_state = ev == CA_EVENT_ECN_IS_CE ? 1 : 0;

	if (ca->ce_state != new_ce_state) {
		if (inet_csk(sk)->icsk_ack.pending & ICSK_ACK_TIMER) {
			dctcp_ece_ack_cwr(tp, ca->ce_state);
			tcp_send_ack(sk);
		}
		/* The segment in hand still owes its ACK: the one just
		 * sent settled everything pending (in Linux it acknowledged
		 * less than rcv_nxt and settled nothing). */
		inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_SCHED | ICSK_ACK_NOW;
	}
	ca->ce_state = new_ce_state;
	dctcp_ece_ack_cwr(tp, new_ce_state);
}

static void dctcp_cwnd_event(struct sock *sk, enum tcp_ca_event ev)
{
	switch (ev) {
	case CA_EVENT_ECN_IS_CE:
	case CA_EVENT_ECN_NO_CE:
		dctcp_ece_ack_update(sk, ev);
		break;
	case CA_EVENT_LOSS:
		dctcp_react_to_loss(sk);
		break;
	default:
		break;
	}
}

/* A reduction proved spurious: the window before it (Linux's
 * dctcp_cwnd_undo). */
static uint32_t dctcp_cwnd_undo(struct sock *sk)
{
	return MAX(tcp_sk(sk)->snd_cwnd, dctcp_ca(sk)->loss_cwnd);
}

/* TCP_CC_INFO: Linux's struct tcp_dctcp_info, all zero (enabled 0) once
 * the connection fell back to Reno. ab_ecn and ab_tot are this round's
 * bytes so far, counted in segments of mss_cache as Linux reports them. */
static size_t dctcp_get_info(struct sock *sk, union ut_tcp_cc_info *info)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct dctcp *ca = dctcp_ca(sk);

	memset(&info->dctcp, 0, sizeof(info->dctcp));
	if (inet_csk(sk)->icsk_ca_ops != &dctcp_reno) {
		info->dctcp.dctcp_enabled = 1;
		info->dctcp.dctcp_ce_state = (uint16_t)ca->ce_state;
		info->dctcp.dctcp_alpha = ca->dctcp_alpha;
		info->dctcp.dctcp_ab_ecn =
			tp->mss_cache * (tp->delivered_ce - ca->old_delivered_ce);
		info->dctcp.dctcp_ab_tot = tp->mss_cache * (tp->delivered - ca->old_delivered);
	}
	return sizeof(info->dctcp);
}

const struct tcp_congestion_ops tcp_dctcp = {
	.name = "dctcp",
	.flags = TCP_CONG_NEEDS_ECN,
	.init = dctcp_init,
	.in_ack_event = dctcp_update_alpha,
	.cwnd_event = dctcp_cwnd_event,
	.ssthresh = dctcp_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.undo_cwnd = dctcp_cwnd_undo,
	.set_state = dctcp_set_state,
	.get_info = dctcp_get_info,
};

/* The fallback: Reno, reporting itself through TCP_CC_INFO as DCTCP off. */
static const struct tcp_congestion_ops dctcp_reno = {
	.name = "dctcp-reno",
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
	.undo_cwnd = tcp_reno_undo_cwnd,
	.get_info = dctcp_get_info,
};
