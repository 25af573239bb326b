/* usertcp as a packetdrill shared object (libusertcp-packetdrill.so).
 *
 * packetdrill's --so_filename mode replaces the kernel and its tun device by
 * a table of functions (packetdrill_interface.h). This adapter fills it with
 * one usertcp stack on the real clock:
 *
 *   - one layer 3 device, "tun0", carrying bare IP packets as packetdrill's
 *     own tun device does. netdev_send hands the script's packets to it with
 *     ut_dev_input; what the stack transmits lands in a queue that
 *     netdev_receive drains, each packet stamped with the time it left;
 *   - the address, prefix and default route packetdrill assumes for the
 *     machine under test, for the family of its --ip_version: IPv4 for
 *     ipv4 and ipv4-mapped-ipv6 (whose sockets are AF_INET6 but whose
 *     packets are IPv4), IPv6 for ipv6 (config.c and run_all.py: see
 *     pd_mode_defaults);
 *   - the sysctls packetdrill's gtests/net/common/defaults.sh sets on Linux
 *     before every TCP script, for the settings usertcp has;
 *   - a stack thread (ut_stack_thread_start) running the stack in real
 *     time, while packetdrill's threads make blocking calls;
 *   - the root qdisc a script puts on the namespace's tun0 (`tc qdisc add
 *     dev tun0 root pfifo limit 0`), mirrored onto usertcp's tun0 as its
 *     transmit queue limit before each call.
 *
 * The flags string (--so_flags) is a list of key=value words separated by
 * spaces or commas; see docs/packetdrill.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "packetdrill_interface.h"
#include "usertcp/usertcp.h"

#define PD_EXPORT __attribute__((visibility("default")))

/* Packets the stack sent that packetdrill has not read yet. A script that
 * expects nothing for a while lets them pile up, so the bound is generous;
 * beyond it the packet is dropped, as a full tun queue drops (tx_dropped). */
#define PD_TXQ_MAX 65536u

/* netdev_receive waits this long for a packet before telling packetdrill
 * there was none, so that packetdrill's loop around it stays responsive. */
#define PD_RECEIVE_SLICE_NS (100ull * 1000 * 1000)

struct pd_packet {
	struct pd_packet *next;
	long long time_usecs;
	size_t len;
	unsigned char data[];
};

/* packetdrill's --ip_version. The shared object is told only the flags
 * string, so the mode comes from an ip_version flag or, without one, from
 * the family of the ip flag's address. */
enum pd_mode {
	PD_MODE_UNSET,
	PD_MODE_IPV4,
	PD_MODE_IPV6,
	PD_MODE_IPV4_MAPPED, /* AF_INET6 sockets, IPv4 on the wire */
};

#define PD_UNSET UINT_MAX

/* The settings a script may change while it runs (`sysctl -q` between
 * calls), read back from its namespace (pd_mirror_sysctls). */
static const char *const pd_mirrored_sysctls[] = {
	"tcp_fastopen",
	"tcp_fastopen_key",
	"tcp_fastopen_blackhole_timeout_sec",
	"tcp_timestamps",
	"tcp_sack",
	"tcp_window_scaling",
	"tcp_ecn",
	"tcp_syncookies",
	"tcp_early_retrans",
	"tcp_recovery",
	"tcp_frto",
	"tcp_dsack",
	"tcp_reordering",
	"tcp_min_tso_segs",
	"tcp_slow_start_after_idle",
	"tcp_syn_retries",
	"tcp_synack_retries",
	"tcp_retries2",
	"tcp_min_rtt_wlen",
	"tcp_pacing_ss_ratio",
	"tcp_pacing_ca_ratio",
	"tcp_tso_win_divisor",
};
#define PD_MIRRORED_SYSCTLS (sizeof(pd_mirrored_sysctls) / sizeof(pd_mirrored_sysctls[0]))

struct pd_adapter {
	struct ut_stack *stack;
	struct ut_dev *dev;
	struct ut_diag *diag; /* USERTCP_DIAG's endpoint; NULL: none */

	pthread_mutex_t lock; /* the queue below; never held with the stack lock */
	pthread_cond_t cond;  /* a packet was queued */
	struct pd_packet *head, **tail;
	unsigned queued;

	/* settings from the flags string; a family of AF_UNSPEC and a prefix
	 * of PD_UNSET mean "the mode's default" */
	enum pd_mode mode;
	struct ut_ip local, gateway;
	unsigned prefix_len, mtu;
	uint64_t seed;
	uint64_t rx_timeout_ns; /* 0: wait for packets forever */
	uint64_t idle_since_ns; /* netdev_receive has found nothing since */
	/* tx_complete=read: a packet stays the device's (its socket charged,
	 * which TCP Small Queues counts) until packetdrill reads it; by
	 * default it is done with once queued, as Linux's tun orphans a
	 * packet in tun_net_xmit (docs/packetdrill.md) */
	bool tx_complete_on_read;
	const char *pcap;
	int trace; /* 0 off, 1 text, 2 JSON, to stderr */

	/* The host's tun0 in the script's namespace (0: none), and the
	 * transmit queue limit last mirrored from its root qdisc. */
	unsigned host_ifindex;
	int host_nl;		    /* rtnetlink socket to read it; -1: none */
	pthread_mutex_t qdisc_lock; /* host_nl's requests, mirrored_qlen */
	unsigned mirrored_qlen;
	/* The namespace's net.ipv4 settings last seen (pd_mirror_sysctls);
	 * mirror_sysctls is off outside scripts/packetdrill.sh's namespace. */
	bool mirror_sysctls;
	char sysctl_seen[PD_MIRRORED_SYSCTLS][80];
	/* What the children packetdrill has reaped cost, when last looked
	 * (pd_commands_ran); -1: never looked. */
	long children_seen;
};

static void pd_mirror(struct pd_adapter *pd);

static uint64_t pd_now_ns(void)
{
	const struct ut_clock *clock = ut_clock_monotonic();
	return clock->now_ns(clock);
}

/* The time packetdrill sees (packet stamps, gettimeofday): the stack's
 * clock moved to real time as the stack moves its SO_TIMESTAMPING stamps,
 * so that the stamps a script checks and its own times share a timeline. */
static uint64_t pd_wall_ns(void)
{
	return pd_now_ns() + (uint64_t)ut_clock_realtime_offset();
}

/* Returns -1 with errno set from a negative errno value, as a system call
 * does. */
static int pd_fail(int err)
{
	errno = err;
	return -1;
}

/* ---- packets out: the device's transmit callback and netdev_receive ---------*/

static unsigned pd_transmit(void *ctx, const struct iovec *frames, unsigned count)
{
	struct pd_adapter *pd = ctx;
	long long stamp = (long long)(pd_wall_ns() / 1000);
	unsigned taken = 0;

	pthread_mutex_lock(&pd->lock);
	for (unsigned i = 0; i < count; i++) {
		struct pd_packet *p;
		if (pd->queued >= PD_TXQ_MAX)
			break;
		p = malloc(sizeof(*p) + frames[i].iov_len);
		if (!p)
			break;
		p->next = NULL;
		p->time_usecs = stamp;
		p->len = frames[i].iov_len;
		memcpy(p->data, frames[i].iov_base, p->len);
		*pd->tail = p;
		pd->tail = &p->next;
		pd->queued++;
		taken++;
	}
	if (taken)
		pthread_cond_broadcast(&pd->cond);
	pthread_mutex_unlock(&pd->lock);
	return taken;
}

static int pd_netdev_receive(void *userdata, void *buf, size_t *count, long long *time_usecs)
{
	struct pd_adapter *pd = userdata;
	uint64_t now = pd_now_ns();
	uint64_t until = now + PD_RECEIVE_SLICE_NS;
	struct timespec ts = {(time_t)(until / 1000000000u), (long)(until % 1000000000u)};
	struct pd_packet *p;

	pthread_mutex_lock(&pd->lock);
	while (!pd->head) {
		if (pthread_cond_timedwait(&pd->cond, &pd->lock, &ts) == ETIMEDOUT)
			break;
	}
	p = pd->head;
	if (p) {
		pd->head = p->next;
		if (!pd->head)
			pd->tail = &pd->head;
		pd->queued--;
	}
	pthread_mutex_unlock(&pd->lock);

	if (!p) {
		*count = 0;
		now = pd_now_ns();
		if (!pd->idle_since_ns)
			pd->idle_since_ns = now;
		/* packetdrill calls again after -1, forever: with rx_timeout a
		 * script waiting for a packet the stack never sends fails (with
		 * packetdrill's message for an empty packet) instead of hanging. */
		if (pd->rx_timeout_ns && now - pd->idle_since_ns >= pd->rx_timeout_ns) {
			fprintf(stderr, "usertcp-packetdrill: the stack sent nothing for %llu s\n",
				(unsigned long long)(pd->rx_timeout_ns / 1000000000u));
			pd->idle_since_ns = 0;
			return 0;
		}
		return -1;
	}
	pd->idle_since_ns = 0;
	if (p->len < *count)
		*count = p->len;
	memcpy(buf, p->data, *count);
	*time_usecs = p->time_usecs;
	free(p);
	/* tx_complete=read: read, the device is done with it (outside
	 * pd->lock, which pd_transmit takes under the stack's lock). A
	 * socket that waited for that writes now, in this thread, before
	 * packetdrill reads again, as Linux's TSQ tasklet runs as the
	 * softirq that completed the packet ends, on the same CPU; left to
	 * the stack thread, a loaded machine would let packetdrill read
	 * several packets first, and the socket would send as many at
	 * once, with one time. */
	if (pd->tx_complete_on_read && ut_dev_tx_completed(pd->dev, 1) > 0)
		ut_stack_poll(pd->stack);
	return 0;
}

/* ---- packets in -----------------------------------------------------------------*/

static int pd_netdev_send(void *userdata, const void *buf, size_t count)
{
	struct pd_adapter *pd = userdata;
	int rc;

	if (!buf || count == 0)
		return pd_fail(EINVAL);
	pd_mirror(pd);
	rc = ut_dev_input(pd->dev, buf, count);
	if (rc < 0)
		return pd_fail(-rc);
	/* Linux's tun hands a written packet to the stack before write()
	 * returns, and scripts rely on it (an ioctl(SIOCINQ) at the same
	 * instant sees the data): process it now, in this thread, rather
	 * than whenever the stack thread next runs. */
	ut_stack_poll(pd->stack);
	return 0;
}

/* ---- time -------------------------------------------------------------------*/

static int pd_usleep(void *userdata, useconds_t usec)
{
	struct timespec ts = {(time_t)(usec / 1000000u), (long)(usec % 1000000u) * 1000};
	(void)userdata;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* The stack's own clock (in real time, pd_wall_ns), so that the times
 * packetdrill measures and the stamps on sent packets share one timeline
 * with the stack's timers and its timestamps. */
static int pd_gettimeofday(void *userdata, struct timeval *tv, struct timezone *tz)
{
	uint64_t now = pd_wall_ns();
	(void)userdata;
	if (tv) {
		tv->tv_sec = (time_t)(now / 1000000000u);
		tv->tv_usec = (suseconds_t)((now % 1000000000u) / 1000);
	}
	if (tz)
		memset(tz, 0, sizeof(*tz));
	return 0;
}

/* ---- the script's qdisc ---------------------------------------------------------
 * Scripts meant for Linux change the tun device's qdisc with `tc` to make
 * the kernel's transmissions fail locally (user_timeout/
 * user-timeout-probe.pkt installs `pfifo limit 0`). In the shared-object
 * mode that command reaches the namespace's own tun0, which scripts/
 * packetdrill.sh creates for it; the adapter reads that device's root
 * qdisc back over rtnetlink and gives usertcp's tun0 the same limit. */

/* The packet limit of a fifo root qdisc on ifindex, or the default
 * transmit queue length for any other qdisc; -1 when it cannot be read.
 * rtnetlink's NLMSG_* and RTA_* macros step through the buffer with char
 * pointers, which clang's -Wcast-align flags; the buffer is aligned for
 * nlmsghdr and the kernel pads every message and attribute to 4 bytes,
 * so the casts are sound. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-align"
static long pd_host_root_qdisc_limit(int fd, unsigned ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	static char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	long limit = -1;
	bool done = false;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETQDISC;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = (int)ifindex;
	if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return -1;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWQDISC ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct tcmsg)))
				continue;
			const struct tcmsg *tc = NLMSG_DATA(nh);
			if ((unsigned)tc->tcm_ifindex != ifindex || tc->tcm_parent != TC_H_ROOT)
				continue;
			char kind[16] = "";
			long fifo_limit = -1;
			int alen = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*tc)));
			for (struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(nh) +
								  NLMSG_ALIGN(sizeof(*tc)));
			     RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				size_t plen = RTA_PAYLOAD(a);
				if (a->rta_type == TCA_KIND && plen > 0 && plen <= sizeof(kind)) {
					memcpy(kind, RTA_DATA(a), plen);
					kind[sizeof(kind) - 1] = '\0';
				} else if (a->rta_type == TCA_OPTIONS &&
					   plen >= sizeof(struct tc_fifo_qopt)) {
					struct tc_fifo_qopt q;
					memcpy(&q, RTA_DATA(a), sizeof(q));
					fifo_limit = q.limit;
				}
			}
			/* pfifo counts packets, as the device's queue does;
			 * any other qdisc leaves the default. */
			if (strcmp(kind, "pfifo") == 0 && fifo_limit >= 0)
				limit = fifo_limit;
			else
				limit = 1000;
		}
	}
	return limit;
}
#pragma GCC diagnostic pop

static void pd_mirror_qdisc(struct pd_adapter *pd)
{
	long limit;

	if (pd->host_nl < 0)
		return;
	/* packetdrill's threads may call at once, and the request, the
	 * reply buffer and the last limit are shared. Not pd->lock: the
	 * stack thread takes that one under the stack's lock, and this one
	 * is held while the stack's lock is taken. */
	pthread_mutex_lock(&pd->qdisc_lock);
	limit = pd_host_root_qdisc_limit(pd->host_nl, pd->host_ifindex);
	if (limit >= 0 && (unsigned long)limit != pd->mirrored_qlen) {
		pd->mirrored_qlen = (unsigned)limit;
		ut_dev_set_txqueuelen(pd->dev, (unsigned)limit);
	}
	pthread_mutex_unlock(&pd->qdisc_lock);
}

/* ---- the script's settings ------------------------------------------------------
 * A script sets net.ipv4 sysctls in its shell commands, some of them
 * between calls (fastopen/client's scripts turn tcp_fastopen off and on
 * again). The commands reach the script's own namespace; the adapter reads
 * the settings usertcp shares back from /proc/sys before each call and
 * packet, and gives usertcp each one that changed since it last looked.
 * Those a script sets before its first call also come as flags
 * (scripts/packetdrill.sh), so they hold from the start. */

static bool pd_read_sysctl(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return true;
}

static void pd_mirror_sysctls(struct pd_adapter *pd, bool apply)
{
	char val[80], name[96];

	if (!pd->mirror_sysctls)
		return;
	for (size_t i = 0; i < PD_MIRRORED_SYSCTLS; i++) {
		if (!pd_read_sysctl(pd_mirrored_sysctls[i], val, sizeof(val)) ||
		    strcmp(val, pd->sysctl_seen[i]) == 0)
			continue;
		memcpy(pd->sysctl_seen[i], val, sizeof(val));
		if (!apply)
			continue;
		snprintf(name, sizeof(name), "net.ipv4.%s", pd_mirrored_sysctls[i]);
		/* a value usertcp refuses keeps the one it has */
		char *end;
		long v = strtol(val, &end, 0);
		if (end != val && !*end)
			(void)ut_sysctl_set(pd->stack, name, v);
		else
			(void)ut_sysctl_set_str(pd->stack, name, val);
	}
}

/* ---- system calls -------------------------------------------------------------*/

/* Whether a shell command has run since the last look. Only the script's
 * shell commands change the namespace's settings, and packetdrill runs
 * each in a child it waits for, whose page faults and context switches
 * then count in RUSAGE_CHILDREN: one getrusage tells whether anything
 * can have changed, where reading the settings back costs a file per
 * sysctl and a netlink request, a third of a millisecond a call, which
 * piled up past packetdrill's 4 ms tolerance over a dozen calls at one
 * instant (eor/no-coalesce-retrans.pkt). */
static bool pd_commands_ran(struct pd_adapter *pd)
{
	struct rusage ru;
	long n;

	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return true;
	n = ru.ru_minflt + ru.ru_majflt + ru.ru_nvcsw + ru.ru_nivcsw;
	if (n == pd->children_seen)
		return false;
	pd->children_seen = n;
	return true;
}

/* Every call and packet first brings the script's latest `tc` and sysctl
 * changes across, when a shell command has run since the last. */
static void pd_mirror(struct pd_adapter *pd)
{
	if (!pd_commands_ran(pd))
		return;
	pd_mirror_qdisc(pd);
	pd_mirror_sysctls(pd, true);
}

static struct ut_stack *pd_stack(void *userdata)
{
	struct pd_adapter *pd = userdata;
	pd_mirror(pd);
	return pd->stack;
}
#define PD_STACK(userdata) pd_stack(userdata)

static int pd_socket(void *u, int domain, int type, int protocol)
{
	return ut_socket(PD_STACK(u), domain, type, protocol);
}

static int pd_bind(void *u, int fd, const struct sockaddr *addr, socklen_t len)
{
	return ut_bind(PD_STACK(u), fd, addr, len);
}

static int pd_listen(void *u, int fd, int backlog)
{
	return ut_listen(PD_STACK(u), fd, backlog);
}

static int pd_accept(void *u, int fd, struct sockaddr *addr, socklen_t *len)
{
	return ut_accept(PD_STACK(u), fd, addr, len);
}

static int pd_connect(void *u, int fd, const struct sockaddr *addr, socklen_t len)
{
	return ut_connect(PD_STACK(u), fd, addr, len);
}

static ssize_t pd_read(void *u, int fd, void *buf, size_t count)
{
	return ut_read(PD_STACK(u), fd, buf, count);
}

static ssize_t pd_readv(void *u, int fd, const struct iovec *iov, int iovcnt)
{
	return ut_readv(PD_STACK(u), fd, iov, iovcnt);
}

static ssize_t pd_recv(void *u, int fd, void *buf, size_t len, int flags)
{
	return ut_recv(PD_STACK(u), fd, buf, len, flags);
}

static ssize_t pd_recvfrom(void *u, int fd, void *buf, size_t len, int flags, struct sockaddr *src,
			   socklen_t *src_len)
{
	return ut_recvfrom(PD_STACK(u), fd, buf, len, flags, src, src_len);
}

static ssize_t pd_recvmsg(void *u, int fd, struct msghdr *msg, int flags)
{
	return ut_recvmsg(PD_STACK(u), fd, msg, flags);
}

static ssize_t pd_write(void *u, int fd, const void *buf, size_t count)
{
	return ut_write(PD_STACK(u), fd, buf, count);
}

static ssize_t pd_writev(void *u, int fd, const struct iovec *iov, int iovcnt)
{
	return ut_writev(PD_STACK(u), fd, iov, iovcnt);
}

static ssize_t pd_send(void *u, int fd, const void *buf, size_t len, int flags)
{
	return ut_send(PD_STACK(u), fd, buf, len, flags);
}

static ssize_t pd_sendto(void *u, int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *dest, socklen_t dest_len)
{
	return ut_sendto(PD_STACK(u), fd, buf, len, flags, dest, dest_len);
}

static ssize_t pd_sendmsg(void *u, int fd, const struct msghdr *msg, int flags)
{
	return ut_sendmsg(PD_STACK(u), fd, msg, flags);
}

static int pd_fcntl(void *u, int fd, int cmd, ...)
{
	int arg = 0;
	va_list ap;

	/* Only the commands that take an argument had one passed. */
	va_start(ap, cmd);
	if (cmd == F_SETFL || cmd == F_SETFD)
		arg = va_arg(ap, int);
	va_end(ap);
	return ut_fcntl(PD_STACK(u), fd, cmd, arg);
}

static int pd_ioctl(void *u, int fd, unsigned long request, ...)
{
	int *arg = NULL;
	va_list ap;

	/* The requests usertcp knows all take an int pointer; packetdrill
	 * passes one whenever the script names an argument. */
	va_start(ap, request);
	if (request == FIONREAD || request == FIONBIO || request == TIOCOUTQ ||
	    request == 0x894B /* SIOCOUTQNSD */)
		arg = va_arg(ap, int *);
	va_end(ap);
	return ut_ioctl(PD_STACK(u), fd, request, arg);
}

static int pd_close(void *u, int fd)
{
	return ut_close(PD_STACK(u), fd);
}

static int pd_shutdown(void *u, int fd, int how)
{
	return ut_shutdown(PD_STACK(u), fd, how);
}

static int pd_getsockopt(void *u, int fd, int level, int name, void *val, socklen_t *len)
{
	return ut_getsockopt(PD_STACK(u), fd, level, name, val, len);
}

static int pd_setsockopt(void *u, int fd, int level, int name, const void *val, socklen_t len)
{
	return ut_setsockopt(PD_STACK(u), fd, level, name, val, len);
}

static int pd_poll(void *u, struct pollfd *fds, nfds_t nfds, int timeout)
{
	return ut_poll(PD_STACK(u), fds, nfds, timeout);
}

static int pd_epoll_create(void *u, int size)
{
	return ut_epoll_create(PD_STACK(u), size);
}

static int pd_epoll_ctl(void *u, int epfd, int op, int fd, struct epoll_event *ev)
{
	return ut_epoll_ctl(PD_STACK(u), epfd, op, fd, ev);
}

static int pd_epoll_wait(void *u, int epfd, struct epoll_event *evs, int max, int timeout)
{
	return ut_epoll_wait(PD_STACK(u), epfd, evs, max, timeout);
}

/* usertcp's descriptors are sockets and epoll instances only. */
static int pd_pipe(void *u, int fds[2])
{
	(void)u;
	(void)fds;
	return pd_fail(ENOSYS);
}

static int pd_splice(void *u, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
		     unsigned int flags)
{
	(void)u, (void)fd_in, (void)off_in, (void)fd_out, (void)off_out, (void)len, (void)flags;
	return pd_fail(ENOSYS);
}

/* ---- set-up and tear-down ------------------------------------------------------*/

static void pd_free(void *userdata)
{
	struct pd_adapter *pd = userdata;
	struct pd_packet *p, *next;

	if (!pd)
		return;
	if (pd->diag)
		ut_diag_stop(pd->diag);
	if (pd->stack) {
		ut_stack_thread_stop(pd->stack);
		ut_stack_destroy(pd->stack);
	}
	for (p = pd->head; p; p = next) {
		next = p->next;
		free(p);
	}
	pthread_cond_destroy(&pd->cond);
	pthread_mutex_destroy(&pd->lock);
	pthread_mutex_destroy(&pd->qdisc_lock);
	if (pd->host_nl >= 0)
		close(pd->host_nl);
	free(pd);
}

/* The settings defaults.sh gives Linux before each TCP script, for those
 * usertcp has (the rest is listed in docs/packetdrill.md). */
static const struct {
	const char *name;
	long value;
} pd_default_sysctls[] = {
	{"net.ipv4.tcp_rmem.min", 4096},
	{"net.ipv4.tcp_rmem.default", 540000},
	{"net.ipv4.tcp_rmem.max", 15 * 1024 * 1024},
	{"net.ipv4.tcp_wmem.min", 4096},
	{"net.ipv4.tcp_wmem.default", 256 * 1024},
	{"net.ipv4.tcp_wmem.max", 4194304},
	{"net.ipv4.tcp_timestamps", 1},
	{"net.ipv4.tcp_syn_retries", 5},
	{"net.ipv4.tcp_synack_retries", 5},
	{"net.ipv4.tcp_frto", 2},
	{"net.ipv4.tcp_sack", 1},
	{"net.ipv4.tcp_dsack", 1},
	{"net.ipv4.tcp_reordering", 3},
	{"net.ipv4.tcp_slow_start_after_idle", 0},
	{"net.ipv4.tcp_early_retrans", 4},
	{"net.ipv4.tcp_recovery", 1},
	{"net.ipv4.tcp_ecn", 0},
	{"net.ipv4.tcp_pacing_ss_ratio", 200},
	{"net.ipv4.tcp_pacing_ca_ratio", 120},
	{"net.ipv4.tcp_syncookies", 1},
	{"net.ipv4.tcp_fastopen", 0x70403},
};

__attribute__((format(printf, 1, 2))) static _Noreturn void pd_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "usertcp-packetdrill: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static uint32_t pd_parse_addr(const char *s, const char *what)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		pd_die("%s is not an IPv4 address", what);
	return a.s_addr;
}

static struct ut_ip pd_parse_ip(const char *s, const char *what)
{
	struct ut_ip a;
	if (ut_ip_pton(s, &a) < 0)
		pd_die("%s is not an IPv4 or IPv6 address", what);
	return a;
}

static enum pd_mode pd_parse_mode(const char *s)
{
	if (strcmp(s, "ipv4") == 0)
		return PD_MODE_IPV4;
	if (strcmp(s, "ipv6") == 0)
		return PD_MODE_IPV6;
	if (strcmp(s, "ipv4-mapped-ipv6") == 0)
		return PD_MODE_IPV4_MAPPED;
	pd_die("ip_version=%s is none of ipv4, ipv6, ipv4-mapped-ipv6", s);
}

static unsigned long long pd_parse_num(const char *s, unsigned long long max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max)
		pd_die("bad number in %s", what);
	return v;
}

static unsigned pd_netmask_prefix(uint32_t mask_be, const char *what)
{
	uint32_t m = ntohl(mask_be);
	unsigned n = 0;
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n) != 0)
		pd_die("%s is not a contiguous netmask", what);
	return n;
}

/* Applies one key=value word of the flags string. Sysctl names are applied
 * at once; the rest is kept for the stack's set-up. */
static void pd_flag(struct pd_adapter *pd, char *word)
{
	char *eq = strchr(word, '=');
	const char *val = eq ? eq + 1 : "";

	if (eq)
		*eq = '\0';
	if (strcmp(word, "ip_version") == 0) {
		pd->mode = pd_parse_mode(val);
	} else if (strcmp(word, "ip") == 0 || strcmp(word, "local_ip") == 0) {
		pd->local = pd_parse_ip(val, word);
	} else if (strcmp(word, "gateway") == 0 || strcmp(word, "gateway_ip") == 0) {
		pd->gateway = pd_parse_ip(val, word);
	} else if (strcmp(word, "prefix") == 0) {
		pd->prefix_len = (unsigned)pd_parse_num(val, 128, word);
	} else if (strcmp(word, "netmask") == 0 || strcmp(word, "netmask_ip") == 0) {
		pd->prefix_len = pd_netmask_prefix(pd_parse_addr(val, word), word);
	} else if (strcmp(word, "mtu") == 0) {
		pd->mtu = (unsigned)pd_parse_num(val, 65535, word);
	} else if (strcmp(word, "seed") == 0) {
		pd->seed = pd_parse_num(val, ULLONG_MAX, word);
	} else if (strcmp(word, "rx_timeout") == 0) {
		pd->rx_timeout_ns = pd_parse_num(val, 86400, word) * 1000000000ull;
	} else if (strcmp(word, "tx_complete") == 0) {
		if (strcmp(val, "read") != 0 && strcmp(val, "xmit") != 0)
			pd_die("tx_complete must be read or xmit");
		pd->tx_complete_on_read = strcmp(val, "read") == 0;
	} else if (strcmp(word, "pcap") == 0) {
		pd->pcap = val;
	} else if (strcmp(word, "trace") == 0) {
		pd->trace = strcmp(val, "json") == 0 ? 2 : 1;
	} else if (strncmp(word, "net.", 4) == 0 || strncmp(word, "fs.", 3) == 0) {
		char *end;
		long v;
		errno = 0;
		v = strtol(val, &end, 0);
		if (!errno && end != val && !*end) {
			if (ut_sysctl_set(pd->stack, word, v) < 0)
				pd_die("cannot set %s (unknown name or value out of range)", word);
		} else if (*val) {
			/* a text sysctl: net.ipv4.tcp_congestion_control=reno */
			if (ut_sysctl_set_str(pd->stack, word, val) < 0)
				pd_die("cannot set %s to '%s' (unknown name or value)", word, val);
		} else {
			pd_die("no value for %s", word);
		}
	} else {
		pd_die("unknown flag '%s' (see docs/packetdrill.md)", word);
	}
}

/* Settles the mode and fills what the flags left to it with the addresses
 * packetdrill's run_all.py gives each variant: for ipv4 and
 * ipv4-mapped-ipv6 the local address in 192.168.0.0/16 (config.c's
 * netmask) behind 192.168.0.1 (192.168.0.2 here, since run_all.py's
 * 192.168.0.1 is the gateway's too and usertcp would then take the
 * gateway for itself); for ipv6 fd3d:a0b:17d6::1 in config.c's /48 behind
 * fd3d:a0b:17d6:8888::1. packetdrill's remote end (192.0.2.1,
 * fd3d:fa7b:d17d::1) is reached through the default route either way. */
static void pd_mode_defaults(struct pd_adapter *pd)
{
	const char *local, *gateway;
	unsigned prefix;
	int family;

	if (pd->mode == PD_MODE_UNSET)
		pd->mode = pd->local.family == AF_INET6 ? PD_MODE_IPV6 : PD_MODE_IPV4;
	if (pd->mode == PD_MODE_IPV6) {
		local = "fd3d:a0b:17d6::1";
		gateway = "fd3d:a0b:17d6:8888::1";
		prefix = 48;
		family = AF_INET6;
	} else {
		/* v4-mapped sockets talk IPv4 on the wire: the host is
		 * configured as for ipv4 */
		local = "192.168.0.2";
		gateway = "192.168.0.1";
		prefix = 16;
		family = AF_INET;
	}
	if (pd->local.family == AF_UNSPEC)
		pd->local = pd_parse_ip(local, "the default address");
	if (pd->gateway.family == AF_UNSPEC)
		pd->gateway = pd_parse_ip(gateway, "the default gateway");
	if (pd->prefix_len == PD_UNSET)
		pd->prefix_len = prefix;
	if (pd->local.family != family || pd->gateway.family != family)
		pd_die("ip and gateway must be %s addresses for this ip_version",
		       family == AF_INET ? "IPv4" : "IPv6");
	if (family == AF_INET && pd->prefix_len > 32)
		pd_die("prefix %u is too long for IPv4", pd->prefix_len);
}

/* IPv6 on tun0 as packetdrill has it on Linux's tun device: usertcp starts
 * with IPv6 disabled (docs/IPV6.md), so it is enabled here, on lo too so
 * that ::1 exists as on the host. packetdrill adds its address with
 * `nodad`, and a script expects nothing on the wire it did not ask for:
 * no duplicate address detection and no router solicitations, both set
 * before IPv6 comes up on the device, which is when they would start. */
static void pd_ipv6_up(struct pd_adapter *pd)
{
	static const struct {
		const char *name;
		long value;
	} settings[] = {
		{"net.ipv6.conf.tun0.accept_dad", 0},
		{"net.ipv6.conf.tun0.router_solicitations", 0},
		{"net.ipv6.conf.all.disable_ipv6", 0},
	};

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (ut_sysctl_set(pd->stack, settings[i].name, settings[i].value) < 0)
			pd_die("cannot set %s", settings[i].name);
}

static void pd_trace(const struct ut_trace_event *ev, void *arg)
{
	struct pd_adapter *pd = arg;
	if (pd->trace == 2)
		ut_trace_print_json(ev, stderr);
	else
		ut_trace_print_text(ev, stderr);
}

static void pd_fill(struct packetdrill_interface *ifc, struct pd_adapter *pd)
{
	memset(ifc, 0, sizeof(*ifc));
	ifc->userdata = pd;
	ifc->free = pd_free;
	ifc->socket = pd_socket;
	ifc->bind = pd_bind;
	ifc->listen = pd_listen;
	ifc->accept = pd_accept;
	ifc->connect = pd_connect;
	ifc->read = pd_read;
	ifc->readv = pd_readv;
	ifc->recv = pd_recv;
	ifc->recvfrom = pd_recvfrom;
	ifc->recvmsg = pd_recvmsg;
	ifc->write = pd_write;
	ifc->writev = pd_writev;
	ifc->send = pd_send;
	ifc->sendto = pd_sendto;
	ifc->sendmsg = pd_sendmsg;
	ifc->fcntl = pd_fcntl;
	ifc->ioctl = pd_ioctl;
	ifc->close = pd_close;
	ifc->shutdown = pd_shutdown;
	ifc->getsockopt = pd_getsockopt;
	ifc->setsockopt = pd_setsockopt;
	ifc->poll = pd_poll;
	ifc->netdev_send = pd_netdev_send;
	ifc->netdev_receive = pd_netdev_receive;
	ifc->usleep = pd_usleep;
	ifc->gettimeofday = pd_gettimeofday;
	ifc->epoll_create = pd_epoll_create;
	ifc->epoll_ctl = pd_epoll_ctl;
	ifc->epoll_wait = pd_epoll_wait;
	ifc->pipe = pd_pipe;
	ifc->splice = pd_splice;
}

/* packetdrill gives no way to report a failed set-up (the function returns
 * nothing and a half-filled table would crash it), so a bad flag or a stack
 * that cannot be made ends the process with a message, as packetdrill's own
 * set-up errors do. */
PD_EXPORT void packetdrill_interface_init(const char *flags, struct packetdrill_interface *ifc)
{
	struct ut_dev_driver driver = {.transmit = pd_transmit};
	struct ut_stack_config cfg;
	struct pd_adapter *pd;
	char *copy, *save = NULL;
	int rc;

	pd = calloc(1, sizeof(*pd));
	copy = strdup(flags ? flags : "");
	if (!pd || !copy)
		pd_die("out of memory");
	pthread_mutex_init(&pd->lock, NULL);
	pthread_mutex_init(&pd->qdisc_lock, NULL);
	pd->host_nl = -1;
	{
		pthread_condattr_t attr;
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&pd->cond, &attr);
		pthread_condattr_destroy(&attr);
	}
	pd->tail = &pd->head;
	pd->prefix_len = PD_UNSET;
	pd->mtu = 1500; /* packetdrill's tun MTU (run_all.py asks 1520 for ipv6) */

	/* The seed and the stack come first so that sysctl flags apply to
	 * it; a seed flag therefore has to be looked for before the rest. */
	for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save))
		if (strncmp(w, "seed=", 5) == 0)
			pd->seed = pd_parse_num(w + 5, ULLONG_MAX, "seed");
	ut_stack_config_init(&cfg);
	cfg.seed = pd->seed;
	cfg.name = "usertcp-packetdrill";
	if ((rc = ut_stack_create(&cfg, &pd->stack)) < 0)
		pd_die("cannot create the stack: %s", strerror(-rc));
	for (size_t i = 0; i < sizeof(pd_default_sysctls) / sizeof(pd_default_sysctls[0]); i++)
		if (ut_sysctl_set(pd->stack, pd_default_sysctls[i].name,
				  pd_default_sysctls[i].value) < 0)
			pd_die("cannot set %s", pd_default_sysctls[i].name);
	if (ut_sysctl_set_str(pd->stack, "net.ipv4.tcp_congestion_control", "cubic") < 0)
		pd_die("cannot set net.ipv4.tcp_congestion_control");
	if (ut_sysctl_set_str(pd->stack, "net.ipv4.tcp_fastopen_key",
			      "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4") < 0)
		pd_die("cannot set net.ipv4.tcp_fastopen_key");

	free(copy);
	copy = strdup(flags ? flags : "");
	if (!copy)
		pd_die("out of memory");
	for (char *w = strtok_r(copy, " ,", &save); w; w = strtok_r(NULL, " ,", &save))
		pd_flag(pd, w);
	pd_mode_defaults(pd);

	/* packetdrill writes packets as GRO would have merged them, bigger
	 * than the MTU; Linux's tun takes them. */
	/* tx_complete=read: packets stay the device's until packetdrill
	 * reads them (pd_netdev_receive), as on a device whose transmit
	 * completes only when its medium takes the frame, and TCP Small
	 * Queues lets a burst leave as packetdrill reads it. */
	if (pd->tx_complete_on_read)
		driver.flags = UT_DEV_DRIVER_TX_COMPLETION;
	if ((rc = ut_dev_create(pd->stack, "tun0", UT_DEV_RAWIP, pd->mtu, UT_DEV_F_RX_ANY_SIZE,
				NULL, &driver, pd, &pd->dev)) < 0)
		pd_die("cannot create the device: %s", strerror(-rc));
	if (pd->pcap && (rc = ut_dev_pcap_open(pd->dev, pd->pcap)) < 0)
		pd_die("cannot open the pcap file: %s", strerror(-rc));
	if (pd->mode == PD_MODE_IPV6)
		pd_ipv6_up(pd);
	if ((rc = ut_addr_add(pd->stack, pd->dev, pd->local, pd->prefix_len)) < 0)
		pd_die("cannot add the address: %s", strerror(-rc));
	{
		/* the default route of the address's family: 0.0.0.0/0 or ::/0 */
		struct ut_ip any;
		memset(&any, 0, sizeof(any));
		any.family = pd->local.family;
		if ((rc = ut_route_add(pd->stack, any, 0, pd->gateway, pd->dev)) < 0)
			pd_die("cannot add the default route: %s", strerror(-rc));
	}
	if (pd->trace)
		ut_trace_set(pd->stack, pd_trace, pd);
	/* One rtnetlink socket for the whole run, opened only where the
	 * namespace has a tun0 to read. */
	pd->host_ifindex = if_nametoindex("tun0");
	if (pd->host_ifindex)
		pd->host_nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	pd->mirrored_qlen = ut_dev_txqueuelen(pd->dev);
	/* the namespace's settings as they start, to see what the script
	 * changes */
	pd->mirror_sysctls = pd->host_ifindex != 0;
	pd_mirror_sysctls(pd, false);
	pd->children_seen = -1;
	(void)pd_commands_ran(pd); /* what has run so far is read above */
	if ((rc = ut_stack_thread_start(pd->stack)) < 0)
		pd_die("cannot start the stack thread: %s", strerror(-rc));
	/* USERTCP_DIAG=NAME: the stack answers `usertcp nstat`, `usertcp ss`
	 * and `usertcp ip tcp_metrics` under that name, so that a script's
	 * shell commands can ask it what they would ask the kernel
	 * (scripts/packetdrill.sh puts nstat and ip in their path for it). */
	const char *diag_name = getenv("USERTCP_DIAG");
	if (diag_name && *diag_name && strcmp(diag_name, "off") != 0 &&
	    (rc = ut_diag_start(pd->stack, diag_name, &pd->diag)) < 0)
		fprintf(stderr, "usertcp-packetdrill: note: no diagnostics endpoint %s: %s\n",
			diag_name, strerror(-rc));
	free(copy);
	pd_fill(ifc, pd);
}
