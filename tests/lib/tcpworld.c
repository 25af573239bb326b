#include "tcpworld.h"

#include "ackinject.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/netdevice.h"
#include "net/simnet.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "test.h"

static void tw_record(const struct ut_trace_event *ev, void *arg)
{
	struct tcpworld *w = arg;
	struct tw_event *e;

	if (w->nev == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->ev = realloc(w->ev, w->cap * sizeof(*w->ev));
		if (!w->ev)
			abort();
	}
	e = &w->ev[w->nev++];
	e->type = ev->type;
	e->host = strcmp(ev->stack_name, "client") == 0 ? 0 : 1;
	e->oldstate = ev->oldstate;
	e->newstate = ev->newstate;
	e->flags = ev->tcp_flags;
	e->seq = ev->seq;
	e->ack = ev->ack_seq;
	e->len = ev->len;
	e->window = ev->window;
	e->sport = ev->sport;
	e->dport = ev->dport;
	e->t = ev->time_ns;
	e->fd = ev->fd;
	e->depth = ev->depth;
	e->limit = ev->limit;
	if (w->print) {
		char line[512];
		ut_trace_format_text(ev, line, sizeof(line));
		printf("%s\n", line);
	}
}

void tw_make(struct tcpworld *w, uint64_t seed, const struct ut_link_params *lp)
{
	struct ut_link_params def;

	memset(w, 0, sizeof(*w));
	if (!lp) {
		ut_link_params_init(&def);
		def.delay_ns = 10 * MS;
		lp = &def;
	}
	CHECK_EQ(ut_sim_create(seed, &w->sim), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "client", &w->c), 0);
	CHECK_EQ(ut_sim_host_add(w->sim, "server", &w->s), 0);
	CHECK_EQ(ut_sim_link_add(w->sim, w->c, w->s, lp, &w->link), 0);
	CHECK_EQ(ut_addr_add(w->c, ut_sim_link_dev(w->link, 0), ipaddr(CLIENT_IP), 24), 0);
	CHECK_EQ(ut_addr_add(w->s, ut_sim_link_dev(w->link, 1), ipaddr(SERVER_IP), 24), 0);
	const char *p = getenv("USERTCP_TEST_TRACE");
	w->print = p && *p == '1';
	ut_trace_set(w->c, tw_record, w);
	ut_trace_set(w->s, tw_record, w);
}

void tw_gro_off(struct tcpworld *w)
{
	ut_dev_set_gro(ut_sim_link_dev(w->link, 0), false);
	ut_dev_set_gro(ut_sim_link_dev(w->link, 1), false);
	CHECK(!ut_dev_gro(ut_sim_link_dev(w->link, 0)));
}

void tw_done(struct tcpworld *w)
{
	/* What remains once the test closed its descriptors are orphans and
	 * time-wait sockets, which must all end. */
	CHECK_EQ(ut_stack_open_fds(w->c), 0);
	CHECK_EQ(ut_stack_open_fds(w->s), 0);
	ut_sim_run_for(w->sim, 1000 * SEC);
	CHECK_EQ(w->c->tcp_socks, 0);
	CHECK_EQ(w->s->tcp_socks, 0);
	CHECK_EQ(w->c->tw_count, 0);
	CHECK_EQ(w->s->tw_count, 0);
	CHECK_EQ(skb_pool_in_use(w->sim->pool), 0);
	ut_sim_destroy(w->sim);
	free(w->ev);
	memset(w, 0, sizeof(*w));
}

struct sockaddr_in tw_addr(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = inet_addr(ip);
	return sin;
}

struct sockaddr_in6 tw_addr6(const char *ip, uint16_t port, uint32_t scope)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_scope_id = scope;
	CHECK_EQ(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	return sin6;
}

static void tw_enable_ipv6_on(struct ut_stack *s, struct ut_dev *dev, const char *addr)
{
	char name[96];
	static const char *const off[] = {"router_solicitations", "accept_dad", "disable_ipv6"};

	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		snprintf(name, sizeof(name), "net.ipv6.conf.%s.%s", ut_dev_name(dev), off[i]);
		CHECK_EQ(ut_sysctl_set(s, name, 0), 0);
	}
	CHECK_EQ(ut_sysctl_set(s, "net.ipv6.conf.lo.disable_ipv6", 0), 0);
	CHECK_EQ(ut_addr_add(s, dev, ipaddr(addr), 64), 0);
}

void tw_enable_ipv6(struct tcpworld *w)
{
	tw_enable_ipv6_on(w->c, ut_sim_link_dev(w->link, 0), CLIENT_IP6);
	tw_enable_ipv6_on(w->s, ut_sim_link_dev(w->link, 1), SERVER_IP6);
	tw_run(w, 100 * MS);
	tw_clear(w);
}

int tw_listen(struct tcpworld *w, uint16_t port, int backlog)
{
	struct sockaddr_in sin = tw_addr(SERVER_IP, port);
	int fd = ut_socket(w->s, AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ut_bind(w->s, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w->s, fd, backlog), 0);
	return fd;
}

int tw_connect_nb(struct tcpworld *w, uint16_t port)
{
	struct sockaddr_in sin = tw_addr(SERVER_IP, port);
	int fd = ut_socket(w->c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ut_connect(w->c, fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	return fd;
}

void tw_pair_listening(struct tcpworld *w, uint16_t port, int *lfd, int *cfd, int *sfd)
{
	struct sockaddr_in sin = tw_addr(SERVER_IP, port);

	*lfd = tw_listen(w, port, 16);
	*cfd = ut_socket(w->c, AF_INET, SOCK_STREAM, 0);
	CHECK(*cfd >= 0);
	CHECK_EQ(ut_connect(w->c, *cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	*sfd = ut_accept(w->s, *lfd, NULL, NULL);
	CHECK(*sfd >= 0);
}

void tw_pair(struct tcpworld *w, uint16_t port, int *cfd, int *sfd)
{
	int lfd;

	tw_pair_listening(w, port, &lfd, cfd, sfd);
	CHECK_EQ(ut_close(w->s, lfd), 0);
}

void tw_pair_close(struct tcpworld *w, int lfd, int cfd, int sfd)
{
	CHECK_EQ(ut_close(w->c, cfd), 0);
	CHECK_EQ(ut_close(w->s, sfd), 0);
	CHECK_EQ(ut_close(w->s, lfd), 0);
}

bool tw_run_until(struct tcpworld *w, bool (*cond)(void *), void *arg, uint64_t timeout)
{
	return ut_sim_run_until_cond(w->sim, cond, arg, ut_sim_now(w->sim) + timeout) == 0;
}

void tw_run(struct tcpworld *w, uint64_t dt)
{
	ut_sim_run_for(w->sim, dt);
}

size_t tw_transfer(struct tcpworld *w, int c, int s, const char *out, char *in, size_t n,
		   size_t *sentp, uint64_t limit,
		   void (*each)(struct tcpworld *w, uint64_t elapsed, void *arg), void *arg)
{
	size_t sent = sentp ? *sentp : 0, got = 0;
	uint64_t start = ut_sim_now(w->sim);

	CHECK_EQ(ut_fcntl(w->c, c, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(w->s, s, F_SETFL, O_NONBLOCK), 0);
	while (got < n && ut_sim_now(w->sim) - start < limit) {
		if (each)
			each(w, ut_sim_now(w->sim) - start, arg);
		if (sent < n) {
			ssize_t k = ut_send(w->c, c, out + sent, n - sent, 0);
			if (k > 0)
				sent += (size_t)k;
		}
		ssize_t k = ut_recv(w->s, s, in + got, n - got, 0);
		if (k > 0)
			got += (size_t)k;
		else
			tw_run(w, 1 * MS);
	}
	if (sentp)
		*sentp = sent;
	return got;
}

unsigned tw_count(const struct tcpworld *w, int host, enum ut_trace_type type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == host && w->ev[i].type == type)
			n++;
	return n;
}

bool tw_saw_state(const struct tcpworld *w, int host, int oldstate, int newstate)
{
	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == host && w->ev[i].type == UT_TP_INET_SOCK_SET_STATE &&
		    w->ev[i].oldstate == oldstate && w->ev[i].newstate == newstate)
			return true;
	return false;
}

unsigned tw_segments(const struct tcpworld *w, int host, uint8_t mask, uint8_t flags)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == host && w->ev[i].type == UT_TP_SEGMENT_SEND &&
		    (w->ev[i].flags & mask) == flags)
			n++;
	return n;
}

const char *tw_states(const struct tcpworld *w, int host, uint16_t port, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < w->nev; i++) {
		const struct tw_event *e = &w->ev[i];
		if (e->host != host || e->type != UT_TP_INET_SOCK_SET_STATE)
			continue;
		if (port && e->sport != port && e->dport != port)
			continue;
		const char *name = ut_tcp_state_name(e->newstate) + 4; /* skip "TCP_" */
		off += (size_t)snprintf(buf + off, off < n ? n - off : 0, "%s%s", off ? " " : "",
					name);
	}
	return buf;
}

void tw_clear(struct tcpworld *w)
{
	w->nev = 0;
}

uint64_t tw_counter(struct ut_stack *s, const char *group, const char *name)
{
	uint64_t v = 0;
	CHECK_EQ(ut_counter_get(s, group, name, &v), 0);
	return v;
}

struct tcp_sock *tw_tcp_sk(struct ut_stack *stack, int fd)
{
	struct file *file = fget(stack, fd);
	CHECK(file);
	struct tcp_sock *tp = tcp_sk(file->socket.sk);
	fput(file);
	return tp;
}

void tw_inject_to_client(struct tcpworld *w, int fd, uint8_t flags, uint32_t seq, uint32_t ack,
			 const void *data, size_t len, uint32_t sack_start, uint32_t sack_end)
{
	struct ack_block b = {sack_start, sack_end};

	tw_inject_segment(w, fd, flags, seq, ack, 0, &b, sack_end != sack_start, data, len);
}

void tw_make_path(struct tcpworld *w, uint64_t seed, uint64_t rate_bps, uint64_t one_way_ns,
		  unsigned queue_limit, int *cfd, int *sfd)
{
	tw_make_path_rmem(w, seed, rate_bps, one_way_ns, queue_limit, 0, cfd, sfd);
}

void tw_make_path_rmem(struct tcpworld *w, uint64_t seed, uint64_t rate_bps, uint64_t one_way_ns,
		       unsigned queue_limit, long rmem, int *cfd, int *sfd)
{
	struct ut_link_params lp;

	ut_link_params_init(&lp);
	lp.rate_bps = rate_bps;
	lp.delay_ns = one_way_ns;
	if (queue_limit)
		lp.queue_limit = queue_limit;
	tw_make(w, seed, &lp);
	ut_trace_set(w->c, NULL, NULL);
	ut_trace_set(w->s, NULL, NULL);
	if (rmem)
		CHECK_EQ(ut_sysctl_set(w->s, "net.ipv4.tcp_rmem.default", rmem), 0);
	tw_pair(w, 8080, cfd, sfd);
	CHECK_EQ(ut_fcntl(w->c, *cfd, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(ut_fcntl(w->s, *sfd, F_SETFL, O_NONBLOCK), 0);
}

void tw_inject_to_client_tos(struct tcpworld *w, int fd, uint8_t tos, uint8_t flags, uint32_t seq,
			     uint32_t ack, const void *data, size_t len, uint32_t sack_start,
			     uint32_t sack_end)
{
	struct ack_block b = {sack_start, sack_end};

	tw_inject_segment_tos(w, fd, tos, flags, seq, ack, 0, &b, sack_end != sack_start, data,
			      len);
}
