/* Congestion control (Linux's net/ipv4/tcp_cong.c): slow start and
 * congestion avoidance (RFC 5681) behind a tcp_congestion_ops table, with
 * Reno as the algorithm. Counts are in segments, as Linux keeps cwnd. */
#include "net/tcp.h"

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

/* Congestion avoidance: one segment more per window of ACKs, i.e. per
 * round trip (RFC 5681 3.1, equation 3). */
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

const struct tcp_congestion_ops tcp_reno = {
	.name = "reno",
	.ssthresh = tcp_reno_ssthresh,
	.cong_avoid = tcp_reno_cong_avoid,
};

void tcp_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	inet_csk(sk)->icsk_ca_ops->cong_avoid(sk, ack, acked);
}
