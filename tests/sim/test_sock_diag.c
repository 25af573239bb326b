/* The diagnostics endpoint (usertcp/diag.h), asked as usertcp ss and
 * nstat ask it: every socket of the tables with the figures getsockopt
 * gives inside the process, the counters, the endpoint's file
 * permissions, and its refusals. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"
#include "usertcp/diag.h"
#include "usertcp/socket.h"

#define PORT 8080

/* Asks the endpoint at path; the answer (malloc'ed) and its length. */
static uint8_t *ask(const char *path, const char *q, size_t *len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t cap = 1 << 16;
	uint8_t *buf = malloc(cap);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t r;

	CHECK(buf != NULL);
	CHECK(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	CHECK_EQ(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	CHECK_EQ(write(fd, q, strlen(q)), (ssize_t)strlen(q));
	*len = 0;
	while ((r = read(fd, buf + *len, cap - *len)) > 0) {
		*len += (size_t)r;
		if (*len == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			CHECK(buf != NULL);
		}
	}
	close(fd);
	return buf;
}

/* The record of the socket with this local and remote port, or NULL. */
static const struct ut_diag_sock *find(const uint8_t *ans, size_t len, uint8_t proto,
				       uint16_t lport, uint16_t rport, uint8_t state)
{
	for (size_t off = 0; off + sizeof(struct ut_diag_sock) <= len;) {
		const struct ut_diag_sock *r = (const void *)(ans + off);
		if (r->protocol == proto && r->lport == lport && r->rport == rport &&
		    r->state == state)
			return r;
		CHECK(r->size >= sizeof(*r));
		off += r->size;
	}
	return NULL;
}

static void diag_name(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "test-%s-%d", what, (int)getpid());
}

TEST(the_endpoint_lists_every_socket_with_what_getsockopt_says_inside)
{
	struct tcpworld w;
	struct ut_diag *d;
	struct ut_tcp_info ti;
	socklen_t tlen = sizeof(ti);
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	char name[64], big[3000];
	const struct ut_diag_sock *r;
	uint8_t *ans;
	size_t len;
	int l, c, s, u;

	tw_make(&w, 1, NULL);
	diag_name(name, sizeof(name), "list");
	CHECK_EQ(ut_diag_start(w.s, name, &d), 0);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	memset(big, 'x', sizeof(big));
	CHECK_EQ(ut_send(w.s, s, big, sizeof(big), 0), (ssize_t)sizeof(big));
	tw_run(&w, 100 * MS);
	u = ut_socket(w.s, AF_INET, SOCK_DGRAM, 0);
	sa = tw_addr("0.0.0.0", 5353);
	CHECK_EQ(ut_bind(w.s, u, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(ut_getsockname(w.c, c, (struct sockaddr *)&sa, &salen), 0);

	ans = ask(ut_diag_path(d), "sockets\n", &len);
	/* the listener: its accept queue and backlog */
	r = find(ans, len, IPPROTO_TCP, PORT, 0, TCP_LISTEN);
	CHECK(r != NULL);
	CHECK_EQ(r->recvq, 0);
	CHECK_EQ(r->sendq, 16);
	CHECK_EQ(r->fd, l);
	/* the accepted connection, with tcp_info as getsockopt gives it */
	r = find(ans, len, IPPROTO_TCP, PORT, ntohs(sa.sin_port), TCP_ESTABLISHED);
	CHECK(r != NULL);
	CHECK_EQ(r->fd, s);
	CHECK(r->has_info);
	CHECK(!strcmp(r->cc, "cubic"));
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_INFO, &ti, &tlen), 0);
	CHECK_EQ(r->info.tcpi_bytes_acked, ti.tcpi_bytes_acked);
	CHECK_EQ(r->info.tcpi_bytes_acked, sizeof(big));
	CHECK_EQ(r->info.tcpi_snd_cwnd, ti.tcpi_snd_cwnd);
	CHECK_EQ(r->info.tcpi_rtt, ti.tcpi_rtt);
	CHECK_EQ(r->info.tcpi_segs_out, ti.tcpi_segs_out);
	uint32_t mem[UT_SK_MEMINFO_VARS];
	socklen_t mlen = sizeof(mem);
	CHECK_EQ(ut_getsockopt(w.s, s, SOL_SOCKET, SO_MEMINFO, mem, &mlen), 0);
	CHECK_EQ(mlen, sizeof(mem));
	CHECK_MEM_EQ(mem, r->skmem, sizeof(mem));
	/* the client's end lives on the other stack: not here */
	CHECK(find(ans, len, IPPROTO_TCP, ntohs(sa.sin_port), PORT, TCP_ESTABLISHED) == NULL);
	/* the UDP socket, unconnected */
	r = find(ans, len, IPPROTO_UDP, 5353, 0, TCP_CLOSE);
	CHECK(r != NULL);
	CHECK_EQ(r->fd, u);
	free(ans);

	/* closed first by the server: TIME_WAIT, with its timer (the
	 * client reads what it was sent, or its close would reset) */
	CHECK_EQ(ut_recv(w.c, c, big, sizeof(big), MSG_WAITALL), (ssize_t)sizeof(big));
	ut_close(w.s, s);
	tw_run(&w, 50 * MS);
	ut_close(w.c, c);
	tw_run(&w, 100 * MS);
	ans = ask(ut_diag_path(d), "sockets\n", &len);
	r = find(ans, len, IPPROTO_TCP, PORT, ntohs(sa.sin_port), TCP_TIME_WAIT);
	CHECK(r != NULL);
	CHECK_EQ(r->timer, UT_DIAG_TIMER_TIMEWAIT);
	CHECK(r->timer_ms > 50000 && r->timer_ms <= 60000);
	CHECK_EQ(r->fd, -1);
	free(ans);

	ut_diag_stop(d);
	ut_close(w.s, l);
	ut_close(w.s, u);
	tw_done(&w);
}

TEST(the_endpoint_sums_the_counters_as_nstat_reads_them)
{
	struct tcpworld w;
	struct ut_diag *d;
	char name[64], line[128];
	uint8_t *ans;
	size_t len;
	int l, c, s;
	uint64_t v = 0;

	tw_make(&w, 2, NULL);
	diag_name(name, sizeof(name), "counters");
	CHECK_EQ(ut_diag_start(w.s, name, &d), 0);
	tw_pair_listening(&w, PORT, &l, &c, &s);
	ans = ask(ut_diag_path(d), "counters\n", &len);
	CHECK(len > 0);
	CHECK_EQ(ans[len - 1], '\n');
	snprintf(line, sizeof(line), "Tcp PassiveOpens 1\n");
	CHECK(memmem(ans, len, line, strlen(line)) != NULL);
	CHECK_EQ(ut_counter_get(w.s, "Tcp", "InSegs", &v), 0);
	snprintf(line, sizeof(line), "Tcp InSegs %llu\n", (unsigned long long)v);
	CHECK(memmem(ans, len, line, strlen(line)) != NULL);
	free(ans);
	/* a question it does not know */
	ans = ask(ut_diag_path(d), "bogus\n", &len);
	CHECK(len > 6 && !memcmp(ans, "error:", 6));
	free(ans);
	ut_diag_stop(d);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

/* Non-blocking sendto(MSG_FASTOPEN) of "hello" from the client to the
 * server's PORT; the number of bytes its SYN carried once run. */
static uint32_t fastopen_hello(struct tcpworld *w, int l, int *c, int *s)
{
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	uint32_t syn_data = 0;

	tw_clear(w);
	*c = ut_socket(w->c, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(*c >= 0);
	ut_sendto(w->c, *c, "hello", 5, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin));
	tw_run(w, 100 * MS);
	for (unsigned i = 0; i < w->nev; i++)
		if (w->ev[i].host == 0 && w->ev[i].type == UT_TP_SEGMENT_SEND &&
		    (w->ev[i].flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN)
			syn_data += w->ev[i].len;
	*s = ut_accept(w->s, l, NULL, NULL);
	CHECK(*s >= 0);
	return syn_data;
}

TEST(the_endpoint_shows_the_fast_open_cookies_and_forgets_them_as_ip_tcp_metrics_does)
{
	struct tcpworld w;
	struct ut_diag *d;
	char name[64], addr[64], cookie[40];
	unsigned long long age;
	unsigned mss;
	int l, c, s, qlen = 16, exp;
	struct sockaddr_in sin = tw_addr(SERVER_IP, PORT);
	uint8_t *ans;
	size_t len;

	tw_make(&w, 5, NULL);
	CHECK_EQ(ut_sysctl_set(w.s, "net.ipv4.tcp_fastopen", TFO_SERVER_ENABLE), 0);
	l = ut_socket(w.s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)), 0);
	CHECK_EQ(ut_bind(w.s, l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w.s, l, 16), 0);
	diag_name(name, sizeof(name), "metrics");
	CHECK_EQ(ut_diag_start(w.c, name, &d), 0);
	/* nothing remembered yet */
	ans = ask(ut_diag_path(d), "tcp_metrics\n", &len);
	CHECK_EQ(len, 0);
	free(ans);
	/* the first connect asks for a cookie; the server's is remembered */
	CHECK_EQ(fastopen_hello(&w, l, &c, &s), 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	tw_run(&w, 1 * SEC);
	ans = ask(ut_diag_path(d), "tcp_metrics\n", &len);
	CHECK(len > 0 && len < 200 && ans[len - 1] == '\n');
	ans[len - 1] = '\0';
	CHECK_EQ(sscanf((char *)ans, "%63s %llu %u %39s %d", addr, &age, &mss, cookie, &exp), 5);
	CHECK(strcmp(addr, SERVER_IP) == 0);
	CHECK(age >= 1000 && age < 1200); /* used at the SYN-ACK, a second ago */
	CHECK_EQ(mss, 1460u);
	CHECK_EQ(strlen(cookie), 16u); /* Linux's 8-byte cookie, in hex */
	CHECK_EQ(exp, 0);
	free(ans);
	/* with it the next SYN carries the data */
	CHECK_EQ(fastopen_hello(&w, l, &c, &s), 5);
	ut_close(w.c, c);
	ut_close(w.s, s);
	/* flushed, the cache is empty and the next connect asks again */
	ans = ask(ut_diag_path(d), "tcp_metrics flush\n", &len);
	CHECK_EQ(len, 0);
	free(ans);
	ans = ask(ut_diag_path(d), "tcp_metrics\n", &len);
	CHECK_EQ(len, 0);
	free(ans);
	CHECK_EQ(fastopen_hello(&w, l, &c, &s), 0);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_diag_stop(d);
	ut_close(w.s, l);
	tw_done(&w);
}

TEST(the_endpoint_is_its_owners_alone_and_its_name_is_its_own)
{
	struct tcpworld w;
	struct ut_diag *d, *d2;
	struct stat st;
	char name[64], dir[256];
	const char *slash;

	tw_make(&w, 3, NULL);
	diag_name(name, sizeof(name), "perm");
	CHECK_EQ(ut_diag_start(w.s, name, &d), 0);
	CHECK_EQ(stat(ut_diag_path(d), &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);
	slash = strrchr(ut_diag_path(d), '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - ut_diag_path(d)), ut_diag_path(d));
	CHECK_EQ(stat(dir, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0700);
	/* the name is taken while it answers */
	CHECK_EQ(ut_diag_start(w.s, name, &d2), -EEXIST);
	/* names that could leave the directory are refused */
	CHECK_EQ(ut_diag_start(w.s, "../x", &d2), -EINVAL);
	CHECK_EQ(ut_diag_start(w.s, ".hidden", &d2), -EINVAL);
	CHECK_EQ(ut_diag_start(w.s, "", &d2), -EINVAL);
	ut_diag_stop(d);
	tw_done(&w);
}

TEST(a_dead_endpoint_left_behind_is_replaced)
{
	struct tcpworld w;
	struct ut_diag *d;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char name[32], dir[64];
	int fd;

	tw_make(&w, 4, NULL);
	diag_name(name, sizeof(name), "dead");
	CHECK_EQ(ut_diag_dir(dir, sizeof(dir), 1), 0);
	/* a socket bound there and closed: what a killed program leaves */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, name);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	CHECK_EQ(ut_diag_start(w.s, name, &d), 0);
	ut_diag_stop(d);
	CHECK_EQ(access(sun.sun_path, F_OK), -1);
	tw_done(&w);
}

/* A socket file bound there and closed, as a killed program leaves it,
 * dated age seconds ago; its nstat history beside it. */
static void leave_dead_endpoint(const char *dir, const char *name, time_t age)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timespec ts[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
	char hist[128];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	FILE *f;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, name);
	unlink(sun.sun_path);
	CHECK_EQ(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	CHECK_EQ(utimensat(AT_FDCWD, sun.sun_path, ts, AT_SYMLINK_NOFOLLOW), 0);
	snprintf(hist, sizeof(hist), "%s/.nstat.%s", dir, name);
	f = fopen(hist, "w");
	CHECK(f != NULL);
	fputs("TcpInSegs 1\n", f);
	fclose(f);
}

static bool exists(const char *dir, const char *prefix, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s%s", dir, prefix, name);
	return access(path, F_OK) == 0;
}

TEST(endpoints_killed_programs_left_are_swept_when_a_stack_starts_and_live_ones_kept)
{
	struct tcpworld w;
	struct ut_diag *d, *live;
	char dir[64], old[48], young[48], mine[48], alive[48];

	tw_make(&w, 6, NULL);
	CHECK_EQ(ut_diag_dir(dir, sizeof(dir), 1), 0);
	diag_name(old, sizeof(old), "sweep-old");
	diag_name(young, sizeof(young), "sweep-young");
	diag_name(mine, sizeof(mine), "sweep-mine");
	diag_name(alive, sizeof(alive), "sweep-alive");
	leave_dead_endpoint(dir, old, 3600);
	/* one a minute old or less may be a stack between bind and listen */
	leave_dead_endpoint(dir, young, 5);
	/* and the history of a stack that stopped long ago, its endpoint
	 * gone */
	char orphan[48], path[128];
	struct timespec ts[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
	FILE *f;
	diag_name(orphan, sizeof(orphan), "sweep-orphan");
	snprintf(path, sizeof(path), "%s/.nstat.%s", dir, orphan);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fclose(f);
	CHECK_EQ(utimensat(AT_FDCWD, path, ts, 0), 0);
	CHECK_EQ(ut_diag_start(w.c, alive, &live), 0);
	CHECK_EQ(ut_diag_start(w.s, mine, &d), 0);
	CHECK(!exists(dir, "", old));
	CHECK(!exists(dir, ".nstat.", old));
	CHECK(exists(dir, "", young));
	CHECK(exists(dir, ".nstat.", young));
	CHECK(exists(dir, "", alive));
	CHECK(!exists(dir, ".nstat.", orphan));
	ut_diag_stop(d);
	ut_diag_stop(live);
	/* the young one's leftovers are this test's to remove */
	snprintf(path, sizeof(path), "%s/%s", dir, young);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.nstat.%s", dir, young);
	unlink(path);
	tw_done(&w);
}
