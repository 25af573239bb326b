/* Pacing without a qdisc (Linux's internal TCP pacing): the rate TCP
 * computes from cwnd and srtt, SO_MAX_PACING_RATE and what it does to the
 * departures of a bulk sender. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

#define PORT 8080

static void fill(char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 131 + seed) >> 3);
}

/* The client's data segments: times (ns) and lengths, in order. */
static unsigned data_sends(const struct tcpworld *w, uint64_t *t, uint32_t *len, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < w->nev && n < max; i++) {
		const struct tw_event *e = &w->ev[i];
		if (e->host == 0 && e->type == UT_TP_SEGMENT_SEND && e->len > 0) {
			t[n] = e->t;
			len[n] = e->len;
			n++;
		}
	}
	return n;
}

/* Sends n bytes from a client paced at rate (bytes/s; 0: not paced) over
 * a 10 ms path with no bottleneck; returns the data segments' times. */
static unsigned paced_transfer(uint64_t rate, size_t n, uint64_t *t, uint32_t *len, unsigned max)
{
	struct tcpworld w;
	struct ut_link_params lp;
	static char out[1 << 21], in[1 << 21];
	int c, s;
	unsigned k;

	ut_link_params_init(&lp);
	lp.delay_ns = 5 * MS;
	tw_make(&w, 5, &lp);
	tw_pair(&w, PORT, &c, &s);
	if (rate) {
		CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_MAX_PACING_RATE, &rate, sizeof(rate)),
			 0);
		CHECK_EQ(tw_tcp_sk(w.c, c)->inet_conn.icsk_inet.sk_pacing_status, SK_PACING_NEEDED);
	}
	fill(out, n, 3);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, n, NULL, 60 * SEC, NULL, NULL), n);
	CHECK(!memcmp(in, out, n));
	k = data_sends(&w, t, len, max);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
	return k;
}

TEST(so_max_pacing_rate_holds_a_bulk_sender_to_its_rate)
{
	static uint64_t t[4096];
	static uint32_t len[4096];
	const uint64_t rate = 1250000; /* bytes/s: 10 Mbit/s */
	const size_t n = 1250000;
	unsigned k = paced_transfer(rate, n, t, len, 4096);
	uint64_t paced_bytes = 0;

	CHECK(k > 100 && k < 4096);
	/* the initial window goes at once */
	CHECK(t[9] - t[0] < MS);
	/* The first 10 segments leave unpaced (Linux's initial quantum);
	 * the rest take their length at the rate, within a millisecond
	 * at either end. */
	/* The segments of one buffer leave together (software GSO), so the
	 * time runs to the first segment of the last buffer, and the bytes
	 * counted are those before it. */
	unsigned last = k - 1;
	while (last > 10 && t[last - 1] == t[k - 1])
		last--;
	for (unsigned i = 10; i < last; i++)
		paced_bytes += len[i];
	uint64_t want_ns = paced_bytes * NSEC_PER_SEC / rate;
	uint64_t took_ns = t[last] - t[10];
	CHECK(took_ns + 2 * MS >= want_ns);
	CHECK(took_ns <= want_ns + want_ns / 10);
	/* And never a burst: within any 10 ms, at most 10 ms at the rate plus
	 * one millisecond's worth and one segment. */
	for (unsigned i = 10, j = 10; i < k; i++) {
		uint64_t bytes = 0;
		while (t[j] + 10 * MS <= t[i])
			j++;
		for (unsigned x = j; x <= i; x++)
			bytes += len[x];
		CHECK(bytes <= rate * 11 / 1000 + len[i]);
	}
}

TEST(paced_buffers_leave_each_at_its_own_nanosecond)
{
	static uint64_t t[4096];
	static uint32_t len[4096];
	const uint64_t rate = 1250000; /* bytes/s: 10 Mbit/s */
	unsigned k = paced_transfer(rate, 1250000, t, len, 4096), bursts = 0, exact = 0;

	CHECK(k > 100 && k < 4096);
	/* At 10 Mbit/s a millisecond's worth is under one MSS, so Linux's
	 * autosizing builds buffers of tcp_min_tso_segs (2) and the segments
	 * of one buffer leave together. The pacing timer is an hrtimer
	 * (Linux's tcp_pace_kick): each buffer after the initial 10 segments
	 * leaves its predecessor's length at the rate after it. Up to half
	 * of that may be forgiven when the sender was late (Linux's credit
	 * in tcp_update_skb_after_send), never more, so buffers never bunch
	 * as they would from a 1 ms timer tick. */
	unsigned prev = 10; /* the first segment of the previous buffer */
	for (unsigned i = 11; i <= k; i++) {
		if (i < k && t[i] == t[prev])
			continue;
		/* segments prev..i-1 are one buffer */
		CHECK(i - prev <= 2);
		if (i == k)
			break;
		uint64_t bytes = 0;
		for (unsigned x = prev; x < i; x++)
			bytes += len[x];
		uint64_t len_ns = bytes * NSEC_PER_SEC / rate;
		CHECK(t[i] - t[prev] >= len_ns - len_ns / 2);
		exact += t[i] - t[prev] == len_ns;
		bursts++;
		prev = i;
	}
	/* Most gaps are exactly one buffer's time: the sender is never late
	 * in a simulated world. */
	CHECK(bursts > 50);
	CHECK(exact > bursts * 9 / 10);
}

TEST(without_a_pacing_cap_a_cubic_or_reno_sender_is_not_held_back)
{
	static uint64_t t[4096];
	static uint32_t len[4096];
	unsigned k = paced_transfer(0, 1250000, t, len, 4096);

	/* Linux paces internally only when asked: the same 1.25 MB goes in
	 * a handful of round trips of 10 ms, far from the second it takes
	 * at 10 Mbit/s. */
	CHECK(k > 100);
	CHECK(t[k - 1] - t[0] < 300 * MS);
}

TEST(the_pacing_rate_is_twice_cwnd_over_srtt_in_slow_start_and_1_2_times_after)
{
	struct tcpworld w;
	struct ut_link_params lp;
	static char out[200000], in[200000];
	int c, s;

	ut_link_params_init(&lp);
	lp.delay_ns = 5 * MS;
	tw_make(&w, 6, &lp);
	tw_pair(&w, PORT, &c, &s);
	fill(out, sizeof(out), 1);
	CHECK_EQ(tw_transfer(&w, c, s, out, in, sizeof(out), NULL, 10 * SEC, NULL, NULL),
		 sizeof(out));
	struct tcp_sock *tp = tw_tcp_sk(w.c, c);
	struct sock *sk = &tp->inet_conn.icsk_inet;
	/* slow start, cwnd well under ssthresh / 2 */
	CHECK(tp->srtt_us > 0);
	CHECK(tp->snd_cwnd < tp->snd_ssthresh / 2);
	/* ratio % of cwnd x mss / srtt, in bytes per second */
	uint64_t cwnd = MAX(tp->snd_cwnd, tp->packets_out);
#define EXPECT_RATE(pct) \
	((uint64_t)tp->mss_cache * USEC_PER_SEC * 8 * (pct) / 100 * cwnd / tp->srtt_us)
	CHECK_EQ(sk->sk_pacing_rate, EXPECT_RATE(200));
	/* congestion avoidance: ssthresh at the window */
	tp->snd_ssthresh = tp->snd_cwnd;
	tcp_update_pacing_rate(sk);
	CHECK_EQ(sk->sk_pacing_rate, EXPECT_RATE(120));
	/* from half of ssthresh on, slow start already takes the lower ratio */
	tp->snd_ssthresh = tp->snd_cwnd * 2;
	tcp_update_pacing_rate(sk);
	CHECK_EQ(sk->sk_pacing_rate, EXPECT_RATE(120));
	/* the sysctls move it */
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_pacing_ca_ratio", 60), 0);
	tcp_update_pacing_rate(sk);
	CHECK_EQ(sk->sk_pacing_rate, EXPECT_RATE(60));
	/* and SO_MAX_PACING_RATE caps it */
	uint64_t cap = 1000;
	CHECK_EQ(ut_setsockopt(w.c, c, SOL_SOCKET, SO_MAX_PACING_RATE, &cap, sizeof(cap)), 0);
	tcp_update_pacing_rate(sk);
	CHECK_EQ(sk->sk_pacing_rate, 1000);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_done(&w);
}

TEST(so_max_pacing_rate_takes_an_int_or_a_64_bit_value_as_linux_does)
{
	struct tcpworld w;
	int fd, v;
	uint64_t v64;
	socklen_t len;

	tw_make(&w, 7, NULL);
	fd = ut_socket(w.c, AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	/* unlimited by default: ~0 in 8 bytes, saturated to ~0U in 4 */
	len = sizeof(v64);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v64, &len), 0);
	CHECK_EQ(len, 8);
	CHECK_EQ(v64, ~0ull);
	len = sizeof(v);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v, &len), 0);
	CHECK_EQ(len, 4);
	CHECK_EQ((unsigned)v, ~0u);
	CHECK_EQ(tw_tcp_sk(w.c, fd)->inet_conn.icsk_inet.sk_pacing_status, SK_PACING_NONE);
	/* an int */
	v = 5000000;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v, sizeof(v)), 0);
	len = sizeof(v64);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v64, &len), 0);
	CHECK_EQ(v64, 5000000);
	CHECK_EQ(tw_tcp_sk(w.c, fd)->inet_conn.icsk_inet.sk_pacing_status, SK_PACING_NEEDED);
	/* 64 bits, beyond what an int holds: an int reader sees ~0U */
	v64 = 1ull << 40;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v64, sizeof(v64)), 0);
	len = sizeof(v);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v, &len), 0);
	CHECK_EQ((unsigned)v, ~0u);
	/* ~0U from an int is "unlimited" again */
	v = -1;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v, sizeof(v)), 0);
	len = sizeof(v64);
	CHECK_EQ(ut_getsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v64, &len), 0);
	CHECK_EQ(v64, ~0ull);
	/* shorter than an int */
	char b = 1;
	CHECK_EQ(ut_setsockopt(w.c, fd, SOL_SOCKET, SO_MAX_PACING_RATE, &b, 1), -1);
	CHECK_EQ(errno, EINVAL);
	ut_close(w.c, fd);
	tw_done(&w);
}
