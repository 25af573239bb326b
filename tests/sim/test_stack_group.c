/* A stack per core (usertcp/group.h): two stacks sharing one interface,
 * each on its queue, in front of a third stack that plays the kernel and
 * steers each frame to a queue as the test chooses: by a hash of the
 * flow's ports, as the kernel's tun does for a flow it has not seen, or
 * all to queue 0, as after the kernel forgot which queue a flow belongs
 * to. Everything runs on the test's thread and clock. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/wire.h"
#include "test.h"
#include "testnet.h"
#include "usertcp/group.h"
#include "usertcp/socket.h"

#define NQ 2

enum steer { STEER_HASH, STEER_ALL_TO_0 };

struct rig {
	struct test_clock tc;
	struct ut_stack *k; /* the kernel's side */
	struct ut_dev *kdev;
	struct ut_group *g;
	struct ut_dev *q[NQ];
	enum steer steer;
	unsigned delivered[NQ]; /* frames the "kernel" put on each queue */
};

static const uint8_t kmac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t gmac[6] = {0x02, 0, 0, 0, 0, 0x02};

/* The queue the "kernel" puts a frame on. */
static unsigned rig_queue(const struct rig *r, const uint8_t *f, size_t len)
{
	size_t ihl;

	if (r->steer == STEER_ALL_TO_0 || len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00)
		return 0;
	ihl = (size_t)(f[ETH_HLEN] & 0xf) * 4;
	if (len < ETH_HLEN + ihl + 4 || (f[ETH_HLEN + 9] != 6 && f[ETH_HLEN + 9] != 17))
		return 0;
	const uint8_t *l4 = f + ETH_HLEN + ihl;
	unsigned sport = (unsigned)l4[0] << 8 | l4[1], dport = (unsigned)l4[2] << 8 | l4[3];
	uint32_t h = (uint32_t)(sport ^ dport << 16) * 0x9e3779b1u;
	return (h >> 16) % NQ;
}

static unsigned kernel_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct rig *r = ctx;

	for (unsigned i = 0; i < count; i++) {
		const uint8_t *f = frames[i].iov_base;
		size_t len = frames[i].iov_len;
		bool bcast = len >= 6 && !memcmp(f, "\xff\xff\xff\xff\xff\xff", 6);
		/* A broadcast (an ARP request) reaches one queue too: tun
		 * hashes it as it hashes anything else. */
		unsigned q = bcast ? 0 : rig_queue(r, f, len);
		r->delivered[q]++;
		(void)ut_dev_input(r->q[q], f, len);
	}
	return count;
}

static unsigned queue_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct rig *r = ctx;

	for (unsigned i = 0; i < count; i++)
		(void)ut_dev_input(r->kdev, frames[i].iov_base, frames[i].iov_len);
	return count;
}

static void rig_up(struct rig *r, enum steer steer)
{
	static const struct ut_dev_driver kdrv = {.transmit = kernel_transmit};
	static const struct ut_dev_driver qdrv = {.transmit = queue_transmit};
	struct ut_stack_config cfg;

	memset(r, 0, sizeof(*r));
	r->steer = steer;
	test_clock_init(&r->tc, 1000000000ull);
	ut_stack_config_init(&cfg);
	cfg.clock = &r->tc.clock;
	cfg.seed = 7;
	cfg.name = "kernel";
	CHECK_EQ(ut_stack_create(&cfg, &r->k), 0);
	CHECK_EQ(ut_dev_create(r->k, "tap0", UT_DEV_ETHER, 1500, 0, kmac, &kdrv, r, &r->kdev), 0);
	CHECK_EQ(ut_addr_add(r->k, r->kdev, ut_ip_v4(ip4("10.99.0.1")), 24), 0);
	cfg.name = "group";
	cfg.seed = 11;
	CHECK_EQ(ut_group_create(&cfg, NQ, &r->g), 0);
	for (unsigned i = 0; i < NQ; i++) {
		struct ut_stack *s = ut_group_stack(r->g, i);
		CHECK_EQ(ut_dev_create(s, "tap0", UT_DEV_ETHER, 1500, 0, gmac, &qdrv, r, &r->q[i]),
			 0);
		CHECK_EQ(ut_addr_add(s, r->q[i], ut_ip_v4(ip4("10.99.0.2")), 24), 0);
	}
	CHECK_EQ(ut_group_add_queues(r->g, r->q), 0);
}

static void rig_down(struct rig *r)
{
	ut_group_destroy(r->g);
	ut_stack_destroy(r->k);
}

/* Polls every stack until none has work now, then moves the clock to the
 * next deadline, for at most ms of virtual time. */
static void rig_run(struct rig *r, uint64_t ms)
{
	uint64_t end = r->tc.now + ms * 1000000ull;

	while (r->tc.now < end) {
		int work;
		do {
			work = ut_stack_poll(r->k);
			for (unsigned i = 0; i < NQ; i++)
				work += ut_stack_poll(ut_group_stack(r->g, i));
		} while (work > 0);
		uint64_t next = ut_stack_next_deadline(r->k);
		for (unsigned i = 0; i < NQ; i++) {
			uint64_t d = ut_stack_next_deadline(ut_group_stack(r->g, i));
			next = d < next ? d : next;
		}
		if (next <= r->tc.now)
			continue;
		r->tc.now = next < end ? next : end;
	}
}

static struct sockaddr_in sin4(const char *a, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = ip4(a);
	return sa;
}

static int listener(struct ut_stack *s, uint16_t port)
{
	struct sockaddr_in sa = sin4("0.0.0.0", port);
	int fd = ut_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	CHECK(fd >= 0);
	CHECK_EQ(ut_bind(s, fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_listen(s, fd, 16), 0);
	return fd;
}

static int connector(struct ut_stack *s, const char *dst, uint16_t port)
{
	struct sockaddr_in sa = sin4(dst, port);
	int fd = ut_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	CHECK(fd >= 0);
	CHECK_EQ(ut_connect(s, fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	return fd;
}

static uint16_t local_port(struct ut_stack *s, int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	CHECK_EQ(ut_getsockname(s, fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

static void stats(struct rig *r, unsigned i, struct ut_group_stats *st)
{
	CHECK_EQ(ut_group_get_stats(r->g, i, st), 0);
}

TEST(each_stack_of_a_group_picks_its_ports_from_its_own_slice_of_the_local_range)
{
	struct rig r;
	long lo0, hi0, lo1, hi1;

	rig_up(&r, STEER_HASH);
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 0), "net.ipv4.ip_local_port_range.min", &lo0),
		 0);
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 0), "net.ipv4.ip_local_port_range.max", &hi0),
		 0);
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 1), "net.ipv4.ip_local_port_range.min", &lo1),
		 0);
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 1), "net.ipv4.ip_local_port_range.max", &hi1),
		 0);
	/* Linux's 32768-60999, cut in two. */
	CHECK_EQ(lo0, 32768);
	CHECK_EQ(hi0 + 1, lo1);
	CHECK_EQ(hi1, 60999);
	for (unsigned i = 0; i < NQ; i++) {
		struct ut_stack *s = ut_group_stack(r.g, i);
		for (int n = 0; n < 20; n++) {
			int fd = connector(s, "10.99.0.1", (uint16_t)(5000 + n));
			uint16_t p = local_port(s, fd);
			CHECK(p >= (i ? lo1 : lo0) && p <= (i ? hi1 : hi0));
			CHECK_EQ(ut_close(s, fd), 0);
		}
	}
	/* A slice needs two ports at least; the range stays as it was. */
	CHECK_EQ(ut_group_set_port_range(r.g, 40000, 40002), -EINVAL);
	CHECK_EQ(ut_group_set_port_range(r.g, 40000, 40003), 0);
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 1), "net.ipv4.ip_local_port_range.min", &lo1),
		 0);
	CHECK_EQ(lo1, 40002);
	rig_run(&r, 10);
	rig_down(&r);
}

TEST(connections_the_kernel_opens_spread_over_the_stacks_and_each_listener_accepts_those_reaching_it)
{
	struct rig r;
	int lfd[NQ], cfd[16], accepted[NQ] = {0};

	rig_up(&r, STEER_HASH);
	for (unsigned i = 0; i < NQ; i++)
		lfd[i] = listener(ut_group_stack(r.g, i), 80);
	for (int n = 0; n < 16; n++)
		cfd[n] = connector(r.k, "10.99.0.2", 80);
	rig_run(&r, 200);
	for (unsigned i = 0; i < NQ; i++) {
		struct ut_stack *s = ut_group_stack(r.g, i);
		int fd;
		while ((fd = ut_accept(s, lfd[i], NULL, NULL)) >= 0) {
			accepted[i]++;
			CHECK_EQ(ut_send(s, fd, "hi", 2, 0), 2);
			CHECK_EQ(ut_close(s, fd), 0);
		}
		CHECK_EQ(errno, EAGAIN);
	}
	rig_run(&r, 200);
	/* Every connection was made, on one stack or the other, with no
	 * handing over: the kernel's steering kept each flow on a queue. */
	CHECK_EQ(accepted[0] + accepted[1], 16);
	CHECK(accepted[0] > 0 && accepted[1] > 0);
	for (int n = 0; n < 16; n++) {
		char buf[4];
		CHECK_EQ(ut_recv(r.k, cfd[n], buf, sizeof(buf), 0), 2);
		CHECK_EQ(ut_close(r.k, cfd[n]), 0);
	}
	for (unsigned i = 0; i < NQ; i++) {
		struct ut_group_stats st;
		stats(&r, i, &st);
		CHECK_EQ(st.steered_out, 0);
		CHECK_EQ(st.steered_in, 0);
		CHECK_EQ(ut_close(ut_group_stack(r.g, i), lfd[i]), 0);
	}
	rig_run(&r, 1000);
	rig_down(&r);
}

TEST(a_connection_a_stack_opened_survives_the_kernel_steering_all_its_segments_to_another_queue)
{
	struct rig r;
	struct ut_group_stats st0, st1;
	struct ut_stack *s1;
	static char big[200000];
	char buf[4096];
	size_t got = 0, sent = 0;
	int lfd, kfd = -1, fd;

	rig_up(&r, STEER_ALL_TO_0);
	s1 = ut_group_stack(r.g, 1);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	lfd = listener(r.k, 9000);
	/* Stack 1 must first learn the kernel's address: the ARP reply
	 * reaches queue 0, which passes it on. */
	fd = connector(s1, "10.99.0.1", 9000);
	rig_run(&r, 100);
	kfd = ut_accept4(r.k, lfd, NULL, NULL, SOCK_NONBLOCK);
	CHECK(kfd >= 0);
	/* Both ways, with the kernel's every segment landing on stack 0. */
	while (got < sizeof(big) || sent < sizeof(big)) {
		ssize_t n;
		if (sent < sizeof(big) &&
		    (n = ut_send(s1, fd, big + sent, sizeof(big) - sent, 0)) > 0)
			sent += (size_t)n;
		while ((n = ut_recv(r.k, kfd, buf, sizeof(buf), 0)) > 0) {
			CHECK_MEM_EQ(buf, big + got, (size_t)n);
			got += (size_t)n;
		}
		rig_run(&r, 5);
		CHECK(r.tc.now < 60ull * 1000000000ull);
	}
	CHECK_EQ(ut_send(r.k, kfd, "reply", 5, 0), 5);
	rig_run(&r, 50);
	CHECK_EQ(ut_recv(s1, fd, buf, sizeof(buf), 0), 5);
	CHECK_MEM_EQ(buf, "reply", 5);
	stats(&r, 0, &st0);
	stats(&r, 1, &st1);
	CHECK(st0.steered_out > 10);
	CHECK_EQ(st1.steered_in, st0.steered_out);
	CHECK(st0.neigh_shared >= 1);
	CHECK_EQ(st1.steer_drops, 0);
	/* Stack 0 never answered the strays itself. */
	CHECK_EQ(testnet_counter(ut_group_stack(r.g, 0), "Tcp", "OutRsts"), 0);
	CHECK_EQ(testnet_counter(r.k, "Tcp", "AttemptFails"), 0);
	CHECK_EQ(testnet_counter(r.k, "Tcp", "EstabResets"), 0);
	/* The close too: FINs and the last ACK cross over. */
	CHECK_EQ(ut_close(s1, fd), 0);
	CHECK_EQ(ut_close(r.k, kfd), 0);
	CHECK_EQ(ut_close(r.k, lfd), 0);
	rig_run(&r, 1000);
	CHECK_EQ(testnet_counter(r.k, "Tcp", "CurrEstab"), 0);
	rig_run(&r, 61000);
	rig_down(&r);
}

TEST(a_segment_for_no_socket_on_any_stack_is_refused_by_the_stack_owning_its_port_not_passed_on_again)
{
	struct rig r;
	struct ut_group_stats st0, st1;
	struct sockaddr_in sa;
	long lo1;
	int fd;

	rig_up(&r, STEER_ALL_TO_0);
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 1), "net.ipv4.ip_local_port_range.min", &lo1),
		 0);
	/* The kernel connects to a port of stack 1's slice where nothing
	 * listens: stack 0 hands the SYN over, stack 1 resets. */
	sa = sin4("10.99.0.2", (uint16_t)(lo1 + 5));
	fd = ut_socket(r.k, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(r.k, fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	rig_run(&r, 100);
	CHECK_EQ(ut_connect(r.k, fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	stats(&r, 0, &st0);
	stats(&r, 1, &st1);
	CHECK_EQ(st0.steered_out, 1);
	CHECK_EQ(st1.steered_in, 1);
	CHECK_EQ(st1.steered_out, 0);
	CHECK_EQ(testnet_counter(ut_group_stack(r.g, 1), "Tcp", "OutRsts"), 1);
	/* A port outside every slice gets its reset from the stack it
	 * reached. */
	sa = sin4("10.99.0.2", 81);
	CHECK_EQ(ut_close(r.k, fd), 0);
	fd = ut_socket(r.k, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(r.k, fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	rig_run(&r, 100);
	CHECK_EQ(ut_connect(r.k, fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(testnet_counter(ut_group_stack(r.g, 0), "Tcp", "OutRsts"), 1);
	CHECK_EQ(ut_close(r.k, fd), 0);
	rig_down(&r);
}

TEST(a_port_outside_every_slice_is_handed_to_the_home_stack_once_one_is_set)
{
	struct rig r;
	struct ut_stack *s1;
	struct ut_group_stats st0, st1;
	struct sockaddr_in ua = sin4("10.99.0.2", 53), from;
	socklen_t flen = sizeof(from);
	char buf[16];
	int kfd, fd;

	rig_up(&r, STEER_ALL_TO_0);
	s1 = ut_group_stack(r.g, 1);
	CHECK_EQ(ut_group_port_owner(r.g, 53), -1);
	CHECK_EQ(ut_group_set_port_home(r.g, 2), -EINVAL);
	CHECK_EQ(ut_group_set_port_home(r.g, 1), 0);
	CHECK_EQ(ut_group_port_owner(r.g, 53), 1);
	/* a datagram server on port 53 of stack 1 only: the kernel's
	 * datagram, put on queue 0, is handed to it, not refused */
	fd = ut_socket(s1, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_bind(s1, fd, (struct sockaddr *)&ua, sizeof(ua)), 0);
	kfd = ut_socket(r.k, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_sendto(r.k, kfd, "query", 5, 0, (struct sockaddr *)&ua, sizeof(ua)), 5);
	rig_run(&r, 100);
	CHECK_EQ(ut_recvfrom(s1, fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 5);
	CHECK_MEM_EQ(buf, "query", 5);
	stats(&r, 0, &st0);
	stats(&r, 1, &st1);
	CHECK_EQ(st0.steered_out, 1);
	CHECK_EQ(st1.steered_in, 1);
	CHECK_EQ(testnet_counter(ut_group_stack(r.g, 0), "Udp", "NoPorts"), 0);
	/* a port of a slice still belongs to its slice's stack */
	long lo0;
	CHECK_EQ(ut_sysctl_get(ut_group_stack(r.g, 0), "net.ipv4.ip_local_port_range.min", &lo0),
		 0);
	CHECK_EQ(ut_group_port_owner(r.g, (unsigned)lo0), 0);
	/* -1 again: answered where it arrives */
	CHECK_EQ(ut_group_set_port_home(r.g, -1), 0);
	CHECK_EQ(ut_group_port_owner(r.g, 53), -1);
	ut_close(s1, fd);
	ut_close(r.k, kfd);
	rig_run(&r, 100);
	rig_down(&r);
}

TEST(a_datagram_answering_a_stacks_udp_socket_reaches_it_through_another_queue)
{
	struct rig r;
	struct ut_stack *s1;
	struct sockaddr_in ka = sin4("10.99.0.1", 5353), from;
	socklen_t flen = sizeof(from);
	char buf[64];
	int kfd, fd;

	rig_up(&r, STEER_ALL_TO_0);
	s1 = ut_group_stack(r.g, 1);
	kfd = ut_socket(r.k, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_bind(r.k, kfd, (struct sockaddr *)&ka, sizeof(ka)), 0);
	fd = ut_socket(s1, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_sendto(s1, fd, "ask", 3, 0, (struct sockaddr *)&ka, sizeof(ka)), 3);
	rig_run(&r, 100);
	CHECK_EQ(ut_recvfrom(r.k, kfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 3);
	CHECK_EQ(ut_sendto(r.k, kfd, "answer", 6, 0, (struct sockaddr *)&from, flen), 6);
	rig_run(&r, 100);
	CHECK_EQ(ut_recv(s1, fd, buf, sizeof(buf), 0), 6);
	CHECK_MEM_EQ(buf, "answer", 6);
	CHECK_EQ(testnet_counter(ut_group_stack(r.g, 0), "Udp", "NoPorts"), 0);
	CHECK_EQ(ut_close(s1, fd), 0);
	CHECK_EQ(ut_close(r.k, kfd), 0);
	rig_down(&r);
}

TEST(a_group_refuses_bad_sizes_and_queues_of_the_wrong_stack)
{
	struct ut_group *g;
	struct ut_dev *d[2];
	static const struct ut_dev_driver drv = {.transmit = queue_transmit};

	CHECK_EQ(ut_group_create(NULL, 0, &g), -EINVAL);
	CHECK_EQ(ut_group_create(NULL, UT_GROUP_MAX + 1, &g), -EINVAL);
	CHECK_EQ(ut_group_create(NULL, 2, &g), 0);
	CHECK_EQ(ut_group_size(g), 2);
	CHECK(ut_group_stack(g, 2) == NULL);
	CHECK_EQ(ut_dev_create(ut_group_stack(g, 0), "q", UT_DEV_RAWIP, 1500, 0, NULL, &drv, NULL,
			       &d[0]),
		 0);
	CHECK_EQ(ut_dev_create(ut_group_stack(g, 1), "other", UT_DEV_RAWIP, 1500, 0, NULL, &drv,
			       NULL, &d[1]),
		 0);
	/* Named differently: not queues of one interface. */
	CHECK_EQ(ut_group_add_queues(g, d), -EINVAL);
	d[1] = d[0]; /* stack 0's device where stack 1's belongs */
	CHECK_EQ(ut_group_add_queues(g, d), -EINVAL);
	CHECK_EQ(ut_group_run(g, NULL, NULL, false), -EINVAL);
	ut_group_destroy(g);
}

static int record_worker(struct ut_stack *s, unsigned i, void *arg)
{
	struct ut_stack **seen = arg;
	seen[i] = s;
	return i == 1 ? 5 : 0;
}

TEST(ut_group_run_runs_a_worker_for_every_stack_and_returns_the_first_failure)
{
	struct ut_group *g;
	struct ut_stack *seen[3] = {NULL, NULL, NULL};

	CHECK_EQ(ut_group_create(NULL, 3, &g), 0);
	CHECK_EQ(ut_group_run(g, record_worker, seen, true), 5);
	for (unsigned i = 0; i < 3; i++)
		CHECK(seen[i] == ut_group_stack(g, i));
	/* Not while stack threads run the stacks. */
	CHECK_EQ(ut_group_thread_start(g), 0);
	CHECK_EQ(ut_group_run(g, record_worker, seen, false), -EINVAL);
	ut_group_thread_stop(g);
	ut_group_destroy(g);
}

static struct sockaddr_in6 sin6(const char *a, uint16_t port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	CHECK_EQ(inet_pton(AF_INET6, a, &sa.sin6_addr), 1);
	return sa;
}

TEST(an_ipv6_connection_a_stack_opened_survives_steering_and_learns_its_neighbour_from_another_queue)
{
	struct rig r;
	struct ut_group_stats st0, st1;
	struct sockaddr_in6 ka = sin6("fd00:99::1", 9000), any = sin6("::", 9000);
	struct in6_addr a6;
	struct ut_stack *s1;
	char buf[64];
	int lfd, kfd, fd;

	rig_up(&r, STEER_ALL_TO_0);
	s1 = ut_group_stack(r.g, 1);
	CHECK_EQ(ut_sysctl_set(r.k, "net.ipv6.conf.all.disable_ipv6", 0), 0);
	CHECK_EQ(inet_pton(AF_INET6, "fd00:99::1", &a6), 1);
	CHECK_EQ(ut_addr_add(r.k, r.kdev, ut_ip_v6(&a6), 64), 0);
	CHECK_EQ(inet_pton(AF_INET6, "fd00:99::2", &a6), 1);
	for (unsigned i = 0; i < NQ; i++) {
		struct ut_stack *s = ut_group_stack(r.g, i);
		CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.all.disable_ipv6", 0), 0);
		CHECK_EQ(ut_addr_add(s, r.q[i], ut_ip_v6(&a6), 64), 0);
	}
	rig_run(&r, 3000); /* duplicate address detection on every stack */
	lfd = ut_socket(r.k, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_bind(r.k, lfd, (struct sockaddr *)&any, sizeof(any)), 0);
	CHECK_EQ(ut_listen(r.k, lfd, 4), 0);
	/* Stack 1 resolves the kernel's address: the advertisement comes
	 * in on queue 0, which passes it on; then every segment of the
	 * connection does too. */
	fd = ut_socket(s1, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_connect(s1, fd, (struct sockaddr *)&ka, sizeof(ka)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	rig_run(&r, 100);
	kfd = ut_accept4(r.k, lfd, NULL, NULL, SOCK_NONBLOCK);
	CHECK(kfd >= 0);
	CHECK_EQ(ut_send(r.k, kfd, "over six", 8, 0), 8);
	CHECK_EQ(ut_send(s1, fd, "back", 4, 0), 4);
	rig_run(&r, 100);
	CHECK_EQ(ut_recv(s1, fd, buf, sizeof(buf), 0), 8);
	CHECK_MEM_EQ(buf, "over six", 8);
	CHECK_EQ(ut_recv(r.k, kfd, buf, sizeof(buf), 0), 4);
	stats(&r, 0, &st0);
	stats(&r, 1, &st1);
	CHECK(st0.neigh_shared >= 1);
	CHECK(st0.steered_out >= 2);
	CHECK_EQ(st1.steered_in, st0.steered_out);
	CHECK_EQ(testnet_counter(ut_group_stack(r.g, 0), "Tcp", "OutRsts"), 0);
	CHECK_EQ(ut_close(s1, fd), 0);
	CHECK_EQ(ut_close(r.k, kfd), 0);
	CHECK_EQ(ut_close(r.k, lfd), 0);
	rig_run(&r, 61000);
	rig_down(&r);
}
