/* Impairments on any device (ut_dev_set_netem): the simulator's netem steps
 * applied by the device itself, in either direction, on a perfect link. */
#include <errno.h>
#include <stdlib.h>

#include "tcpworld.h"
#include "test.h"

struct connected {
	struct tcpworld *w;
	int fd;
};

static bool is_connected(void *arg)
{
	struct connected *c = arg;
	int err = -1;
	socklen_t len = sizeof(err);
	struct pollfd p = {.fd = c->fd, .events = POLLOUT};
	return ut_poll(c->w->c, &p, 1, 0) == 1 &&
	       ut_getsockopt(c->w->c, c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

/* A world whose link is perfect (no delay), so that what a test sees is
 * the device's impairment alone. */
static void make_world(struct tcpworld *w, uint64_t seed)
{
	struct ut_link_params perfect;
	ut_link_params_init(&perfect);
	tw_make(w, seed, &perfect);
	/* Resolve the neighbours first, so that round trips measured
	 * later are the handshake's alone. */
	CHECK_EQ(ut_neigh_resolve(w->c, ut_ip_v4(tw_addr(SERVER_IP, 0).sin_addr.s_addr)), 0);
	tw_run(w, 1 * MS);
}

/* Simulated time from connect() to ESTABLISHED on the client: one RTT. */
static uint64_t handshake_time(struct tcpworld *w)
{
	int lfd = tw_listen(w, 80, 8);
	struct connected c = {w, tw_connect_nb(w, 80)};
	uint64_t t0 = ut_sim_now(w->sim);
	CHECK(tw_run_until(w, is_connected, &c, 10 * SEC));
	uint64_t rtt = ut_sim_now(w->sim) - t0;
	int sfd = ut_accept(w->s, lfd, NULL, NULL);
	CHECK(sfd >= 0);
	tw_pair_close(w, lfd, c.fd, sfd);
	return rtt;
}

TEST(egress_delay_on_one_device_adds_to_the_round_trip_once)
{
	struct tcpworld w;
	struct ut_link_params p;
	make_world(&w, 1);
	ut_link_params_init(&p);
	p.delay_ns = 25 * MS;
	CHECK_EQ(ut_dev_set_netem(ut_sim_link_dev(w.link, 0), UT_DEV_EGRESS, &p, 7), 0);
	uint64_t rtt = handshake_time(&w);
	CHECK(rtt >= 25 * MS && rtt < 26 * MS);
	tw_done(&w);
}

TEST(both_directions_on_one_device_delay_what_it_sends_and_what_it_receives)
{
	struct tcpworld w;
	struct ut_link_params p;
	struct ut_link_stats st;
	make_world(&w, 1);
	ut_link_params_init(&p);
	p.delay_ns = 10 * MS;
	struct ut_dev *dev = ut_sim_link_dev(w.link, 1);
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_BOTH, &p, 7), 0);
	uint64_t rtt = handshake_time(&w);
	CHECK(rtt >= 20 * MS && rtt < 21 * MS);
	ut_dev_get_netem_stats(dev, UT_DEV_INGRESS, &st);
	CHECK(st.delivered >= 2 && st.delivered <= st.sent);
	ut_dev_get_netem_stats(dev, UT_DEV_EGRESS, &st);
	CHECK(st.delivered >= 1 && st.delivered <= st.sent);
	tw_done(&w);
}

TEST(removing_the_impairment_restores_the_perfect_link)
{
	struct tcpworld w;
	struct ut_link_params p;
	struct ut_link_stats st;
	make_world(&w, 1);
	ut_link_params_init(&p);
	p.delay_ns = 40 * MS;
	struct ut_dev *dev = ut_sim_link_dev(w.link, 0);
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_BOTH, &p, 7), 0);
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_BOTH, NULL, 0), 0);
	CHECK(handshake_time(&w) < 1 * MS);
	ut_dev_get_netem_stats(dev, UT_DEV_EGRESS, &st);
	CHECK_EQ(st.sent, 0);
	tw_done(&w);
}

TEST(a_lossy_reordering_device_still_delivers_a_transfer_intact)
{
	struct tcpworld w;
	struct ut_link_params p;
	struct ut_link_stats eg, in;
	enum { N = 400 * 1000 };
	char *out = malloc(N), *got = malloc(N);
	int cfd, sfd;

	make_world(&w, 3);
	for (size_t i = 0; i < N; i++)
		out[i] = (char)(i * 7 + i / 251);
	ut_link_params_init(&p);
	p.delay_ns = 5 * MS;
	p.jitter_ns = 1 * MS;
	p.loss = 0.03;
	p.reorder = 0.05;
	p.duplicate = 0.01;
	struct ut_dev *dev = ut_sim_link_dev(w.link, 0);
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_BOTH, &p, 11), 0);
	tw_pair(&w, 80, &cfd, &sfd);
	CHECK_EQ(tw_transfer(&w, cfd, sfd, out, got, N, NULL, 120 * SEC, NULL, NULL), N);
	CHECK_MEM_EQ(out, got, N);
	ut_dev_get_netem_stats(dev, UT_DEV_EGRESS, &eg);
	ut_dev_get_netem_stats(dev, UT_DEV_INGRESS, &in);
	CHECK(eg.lost > 0 && eg.reordered > 0 && eg.duplicated > 0);
	CHECK(in.lost > 0 && in.reordered > 0);
	CHECK(tw_counter(w.c, "Tcp", "RetransSegs") > 0);
	CHECK_EQ(ut_close(w.c, cfd), 0);
	CHECK_EQ(ut_close(w.s, sfd), 0);
	tw_done(&w);
	free(out);
	free(got);
}

/* A device impairment with netem's ecn marks the data of an ECN connection
 * where it would have dropped it: the transfer needs no retransmission,
 * and the receiver counted every mark (InCEPkts). */
TEST(a_device_marking_ce_instead_of_dropping_costs_no_retransmission)
{
	struct tcpworld w;
	struct ut_link_params p;
	struct ut_link_stats eg;
	enum { N = 400 * 1000 };
	char *out = malloc(N), *got = malloc(N);
	int cfd, sfd;

	make_world(&w, 4);
	CHECK_EQ(ut_sysctl_set(w.c, "net.ipv4.tcp_ecn", 1), 0);
	for (size_t i = 0; i < N; i++)
		out[i] = (char)(i * 7 + i / 251);
	tw_pair(&w, 80, &cfd, &sfd);
	ut_link_params_init(&p);
	p.delay_ns = 5 * MS;
	p.loss = 0.03;
	p.ecn = true;
	struct ut_dev *dev = ut_sim_link_dev(w.link, 0);
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_EGRESS, &p, 12), 0);
	CHECK_EQ(tw_transfer(&w, cfd, sfd, out, got, N, NULL, 120 * SEC, NULL, NULL), N);
	CHECK_MEM_EQ(out, got, N);
	ut_dev_get_netem_stats(dev, UT_DEV_EGRESS, &eg);
	CHECK(eg.ce_marked > 0);
	CHECK_EQ(eg.lost, 0);
	CHECK_EQ(tw_counter(w.s, "IpExt", "InCEPkts"), eg.ce_marked);
	CHECK_EQ(tw_counter(w.c, "Tcp", "RetransSegs"), 0);
	CHECK_EQ(ut_close(w.c, cfd), 0);
	CHECK_EQ(ut_close(w.s, sfd), 0);
	tw_done(&w);
	free(out);
	free(got);
}

TEST(the_same_seed_makes_the_same_choices)
{
	struct ut_link_stats st[2];
	for (int run = 0; run < 2; run++) {
		struct tcpworld w;
		struct ut_link_params p;
		enum { N = 300 * 1000 };
		static char out[N], got[N];
		int cfd, sfd;
		make_world(&w, 5);
		ut_link_params_init(&p);
		p.loss = 0.05;
		p.corrupt = 0.05;
		struct ut_dev *dev = ut_sim_link_dev(w.link, 1);
		CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_INGRESS, &p, 99), 0);
		tw_pair(&w, 80, &cfd, &sfd);
		CHECK_EQ(tw_transfer(&w, cfd, sfd, out, got, N, NULL, 60 * SEC, NULL, NULL), N);
		ut_dev_get_netem_stats(dev, UT_DEV_INGRESS, &st[run]);
		CHECK_EQ(ut_close(w.c, cfd), 0);
		CHECK_EQ(ut_close(w.s, sfd), 0);
		tw_done(&w);
	}
	CHECK(st[0].lost > 0 && st[0].corrupted > 0);
	CHECK_MEM_EQ(&st[0], &st[1], sizeof(st[0]));
}

TEST(a_slow_device_paces_its_frames_at_the_rate)
{
	struct tcpworld w;
	struct ut_link_params p;
	enum { N = 250 * 1000 };
	static char out[N], got[N];
	int cfd, sfd;
	make_world(&w, 1);
	ut_link_params_init(&p);
	p.rate_bps = 10 * 1000 * 1000; /* 10 Mbit/s: 250 kB take 200 ms or more */
	CHECK_EQ(ut_dev_set_netem(ut_sim_link_dev(w.link, 0), UT_DEV_EGRESS, &p, 1), 0);
	tw_pair(&w, 80, &cfd, &sfd);
	uint64_t t0 = ut_sim_now(w.sim);
	CHECK_EQ(tw_transfer(&w, cfd, sfd, out, got, N, NULL, 60 * SEC, NULL, NULL), N);
	uint64_t took = ut_sim_now(w.sim) - t0;
	CHECK(took >= 200 * MS && took < 400 * MS);
	CHECK_EQ(ut_close(w.c, cfd), 0);
	CHECK_EQ(ut_close(w.s, sfd), 0);
	tw_done(&w);
}

TEST(bad_parameters_and_directions_are_refused)
{
	struct tcpworld w;
	struct ut_link_params p;
	make_world(&w, 1);
	struct ut_dev *dev = ut_sim_link_dev(w.link, 0);
	ut_link_params_init(&p);
	p.loss = 1.5;
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_EGRESS, &p, 1), -EINVAL);
	ut_link_params_init(&p);
	CHECK_EQ(ut_dev_set_netem(dev, 2, &p, 1), -EINVAL);
	CHECK_EQ(ut_dev_set_netem(dev, -2, &p, 1), -EINVAL);
	p.queue_limit = 0;
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_EGRESS, &p, 1), -EINVAL);
	tw_done(&w);
}
