/* The fault-injection sweep: a workload that touches every part of the
 * stack (a simulated world, TCP connect, accept, transfer both ways and
 * close, UDP, epoll) runs once to count its allocation points, then once
 * per point N with the Nth allocation failing, each run in a child process
 * so that LeakSanitizer checks it alone at its exit. Every run must end
 * with every descriptor closed, every connection gone, every buffer back
 * in the pool, no leak and no crash; a failure an application could see
 * must reach it as ENOMEM or ENOBUFS.
 *
 * Needs a build with -DUSERTCP_FAULT=ON (make test's sanitizer build);
 * says "skipped:" otherwise. USERTCP_FAULT_NTH=N replays one run in the
 * foreground. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/fault.h"
#include "net/simnet.h"
#include "net/stack.h"
#include "test.h"
#include "usertcp/usertcp.h"

#define SEC 1000000000ULL
#define MS 1000000ULL
#define XFER 48000

/* Child exit statuses. */
#define RUN_RECOVERED 0 /* nothing the application saw failed */
#define RUN_SURFACED 10 /* a call failed with ENOMEM or ENOBUFS */

#ifndef USERTCP_FAULT_INJECTION
__attribute__((constructor(200))) static void not_built(void)
{
	printf("skipped: fault injection is not built in (cmake -DUSERTCP_FAULT=ON; "
	       "make test's sanitizer build has it)\n");
	exit(77);
}
#else

struct world {
	struct ut_sim *sim;
	struct ut_stack *c, *s;
	int fds_c[4], fds_s[4];
	unsigned nc, ns;
	bool surfaced;
};

/* A call failed: the only failures this workload can meet are the ones
 * injected, so the errno must be ENOMEM or ENOBUFS. */
static void failed(struct world *w, const char *what)
{
	if (errno != ENOMEM && errno != ENOBUFS)
		test_fail(__FILE__, __LINE__, "%s failed with %s, not ENOMEM/ENOBUFS", what,
			  strerror(errno));
	w->surfaced = true;
}

static bool rc_ok(struct world *w, int rc, const char *what)
{
	if (rc == 0)
		return true;
	errno = -rc;
	failed(w, what);
	return false;
}

static int track(struct world *w, bool server, int fd)
{
	if (fd >= 0) {
		if (server)
			w->fds_s[w->ns++] = fd;
		else
			w->fds_c[w->nc++] = fd;
	}
	return fd;
}

static struct sockaddr_in addr(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	sin.sin_addr.s_addr = inet_addr(ip);
	return sin;
}

static void fill(char *b, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (char)(i * 31 + salt);
}

/* Moves n bytes from (a, fa) to (b, fb) with non-blocking calls, the world
 * running 1 ms between attempts, for at most 120 s of simulated time
 * (enough for several retransmissions of anything a failure dropped). */
static void transfer(struct world *w, struct ut_stack *a, int fa, struct ut_stack *b, int fb,
		     unsigned salt)
{
	static char out[XFER], in[XFER];
	size_t sent = 0, got = 0;
	uint64_t t0 = ut_sim_now(w->sim);

	fill(out, sizeof(out), salt);
	while (got < sizeof(in) && ut_sim_now(w->sim) - t0 < 120 * SEC) {
		if (sent < sizeof(out)) {
			ssize_t k = ut_send(a, fa, out + sent, sizeof(out) - sent, MSG_DONTWAIT);
			if (k > 0)
				sent += (size_t)k;
			else if (errno != EAGAIN)
				return failed(w, "send");
		}
		ssize_t k = ut_recv(b, fb, in + got, sizeof(in) - got, MSG_DONTWAIT);
		if (k > 0)
			got += (size_t)k;
		else if (k == 0 || errno != EAGAIN)
			test_fail(__FILE__, __LINE__, "recv: %zd (%s)", k, strerror(errno));
		ut_sim_run_for(w->sim, 1 * MS);
	}
	/* A failed allocation may cost a retransmission, never data. */
	CHECK_EQ(got, sizeof(in));
	CHECK_MEM_EQ(in, out, sizeof(in));
}

static void tcp_part(struct world *w)
{
	struct sockaddr_in sa = addr("10.0.0.2", 80);
	int lfd, cfd, sfd = -1, ep;

	if ((lfd = track(w, true, ut_socket(w->s, AF_INET, SOCK_STREAM, 0))) < 0)
		return failed(w, "socket");
	if (ut_bind(w->s, lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return failed(w, "bind");
	if (ut_listen(w->s, lfd, 8) < 0)
		return failed(w, "listen");
	if ((cfd = track(w, false, ut_socket(w->c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0))) < 0)
		return failed(w, "socket");
	if (ut_connect(w->c, cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return failed(w, "connect");
	if ((ep = track(w, true, ut_epoll_create1(w->s, 0))) < 0)
		return failed(w, "epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
	if (ut_epoll_ctl(w->s, ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		return failed(w, "epoll_ctl");
	/* A lost SYN or SYN-ACK is retransmitted (1 s, 2 s...). */
	for (int i = 0; i < 30000 && sfd < 0; i++) {
		struct epoll_event out;
		if (ut_epoll_wait(w->s, ep, &out, 1, 0) == 1)
			sfd = track(w, true, ut_accept4(w->s, lfd, NULL, NULL, SOCK_NONBLOCK));
		if (sfd < 0)
			ut_sim_run_for(w->sim, 1 * MS);
	}
	if (sfd < 0)
		return failed(w, "accept");
	transfer(w, w->c, cfd, w->s, sfd, 1);
	transfer(w, w->s, sfd, w->c, cfd, 2);
	/* A second connection, aborted with a reset (SO_LINGER 0), while
	 * the first ends in the orderly way after the descriptors close. */
	int afd = track(w, false, ut_socket(w->c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	if (afd < 0)
		return failed(w, "socket");
	struct linger lg = {1, 0};
	if (ut_setsockopt(w->c, afd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		return failed(w, "setsockopt");
	if (ut_connect(w->c, afd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		return failed(w, "connect");
	ut_sim_run_for(w->sim, 50 * MS);
	if (ut_shutdown(w->c, cfd, SHUT_WR) < 0)
		return failed(w, "shutdown");
}

static void udp_part(struct world *w)
{
	struct sockaddr_in sa = addr("10.0.0.2", 53);
	char buf[64];
	int u1, u2;

	if ((u1 = track(w, true, ut_socket(w->s, AF_INET, SOCK_DGRAM, 0))) < 0)
		return failed(w, "socket");
	if (ut_bind(w->s, u1, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return failed(w, "bind");
	if ((u2 = track(w, false, ut_socket(w->c, AF_INET, SOCK_DGRAM, 0))) < 0)
		return failed(w, "socket");
	if (ut_sendto(w->c, u2, "query", 5, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* Linux's inet_autobind reports any failure to take a local
		 * port, a failed allocation included, as EAGAIN. */
		if (errno == EAGAIN)
			errno = ENOBUFS;
		return failed(w, "sendto");
	}
	ut_sim_run_for(w->sim, 10 * MS);
	/* A datagram whose buffer could not be had is lost, as UDP may. */
	ssize_t k = ut_recv(w->s, u1, buf, sizeof(buf), MSG_DONTWAIT);
	CHECK(k == 5 || (k < 0 && errno == EAGAIN));
}

static int workload(void)
{
	struct world w = {0};
	struct ut_sim_link *link;
	struct ut_link_params lossy;

	/* Loss and reordering take the retransmission, SACK and
	 * out-of-order paths too. */
	ut_link_params_init(&lossy);
	lossy.delay_ns = 5 * MS;
	lossy.loss = 0.02;
	lossy.reorder = 0.02;

	if (!rc_ok(&w, ut_sim_create(1, &w.sim), "ut_sim_create"))
		return RUN_SURFACED;
	if (rc_ok(&w, ut_sim_host_add(w.sim, "client", &w.c), "host_add") &&
	    rc_ok(&w, ut_sim_host_add(w.sim, "server", &w.s), "host_add") &&
	    rc_ok(&w, ut_sim_link_add(w.sim, w.c, w.s, &lossy, &link), "link_add") &&
	    rc_ok(&w,
		  ut_addr_add(w.c, ut_sim_link_dev(link, 0), ut_ip_v4(inet_addr("10.0.0.1")), 24),
		  "addr_add") &&
	    rc_ok(&w,
		  ut_addr_add(w.s, ut_sim_link_dev(link, 1), ut_ip_v4(inet_addr("10.0.0.2")), 24),
		  "addr_add")) {
		tcp_part(&w);
		udp_part(&w);
		for (unsigned i = 0; i < w.nc; i++)
			CHECK_EQ(ut_close(w.c, w.fds_c[i]), 0);
		for (unsigned i = 0; i < w.ns; i++)
			CHECK_EQ(ut_close(w.s, w.fds_s[i]), 0);
		/* Orphans, FIN_WAIT and TIME_WAIT all end, and with them
		 * every buffer. */
		ut_sim_run_for(w.sim, 1000 * SEC);
		CHECK_EQ(w.c->tcp_socks + w.s->tcp_socks, 0);
		CHECK_EQ(w.c->tw_count + w.s->tw_count, 0);
		CHECK_EQ(skb_pool_in_use(w.sim->pool), 0);
	}
	ut_sim_destroy(w.sim);
	return w.surfaced ? RUN_SURFACED : RUN_RECOVERED;
}

TEST(every_allocation_failing_in_turn_crashes_nothing_and_leaks_nothing)
{
	const char *one = getenv("USERTCP_FAULT_NTH");
	unsigned surfaced = 0, recovered = 0, bad = 0;

	if (one && *one) {
		fault_inject_nth(strtoull(one, NULL, 10));
		int rc = workload();
		printf("    run %s: %s\n", one,
		       rc == RUN_SURFACED ? "ENOMEM/ENOBUFS reached the application"
					  : "recovered without the application seeing it");
		fault_inject_nth(0);
		return;
	}
	fault_inject_nth(0);
	CHECK_EQ(workload(), RUN_RECOVERED);
	uint64_t points = fault_points();
	CHECK(points > 100);
	fflush(stdout);
	for (uint64_t n = 1; n <= points; n++) {
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			fault_inject_nth(n);
			int rc = workload();
			/* exit, not _exit: LeakSanitizer checks at exit. */
			exit(rc);
		}
		int status;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == RUN_SURFACED) {
			surfaced++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == RUN_RECOVERED) {
			recovered++;
		} else {
			bad++;
			printf("    allocation %llu: %s %d; replay: USERTCP_FAULT_NTH=%llu %s\n",
			       (unsigned long long)n, WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       (unsigned long long)n, "tests/test_fault_sweep");
		}
	}
	printf("    %llu allocation points: %u surfaced as ENOMEM/ENOBUFS, %u recovered "
	       "unseen (a retransmission or a lost datagram), %u failed\n",
	       (unsigned long long)points, surfaced, recovered, bad);
	CHECK_EQ(bad, 0);
	CHECK(surfaced > 0 && recovered > 0);
}
#endif
