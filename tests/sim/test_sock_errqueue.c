/* The socket error queue as Linux keeps it (sk_error_queue): ICMP errors
 * with IP_RECVERR and IPV6_RECVERR, local errors, recvmsg(MSG_ERRQUEUE)
 * with its control message and address, EAGAIN when empty, POLLERR while
 * something waits there, and the queue's charge to the receive buffer.
 * Client 10.0.0.1, server 10.0.0.2, 10 ms apart; every test closes its
 * descriptors and ends with the leak check. */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <poll.h>
#include <string.h>

#include "ackinject.h"
#include "net/netdevice.h"
#include "net/simnet.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"

#ifndef IPV6_RECVERR
#define IPV6_RECVERR 25
#endif

static int udp_socket(struct ut_stack *st, int family)
{
	int fd = ut_socket(st, family, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	return fd;
}

static void set_int(struct ut_stack *st, int fd, int level, int name, int v)
{
	CHECK_EQ(ut_setsockopt(st, fd, level, name, &v, sizeof(v)), 0);
}

static ssize_t send_to(struct ut_stack *st, int fd, const void *buf, size_t n, const char *ip,
		       uint16_t port)
{
	struct sockaddr_in sa = tw_addr(ip, port);
	return ut_sendto(st, fd, buf, n, 0, (struct sockaddr *)&sa, sizeof(sa));
}

static unsigned poll_now(struct ut_stack *st, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	CHECK(ut_poll(st, &p, 1, 0) >= 0);
	return (unsigned)p.revents;
}

/* What one recvmsg(MSG_ERRQUEUE) returned. */
struct errmsg {
	ssize_t n;
	char data[64];
	struct sockaddr_storage name;
	socklen_t namelen;
	int flags;
	int level, type; /* of the RECVERR control message; -1: none */
	struct sock_extended_err ee;
	struct sockaddr_storage offender;
	size_t controllen;
};

static void read_err(struct ut_stack *st, int fd, struct errmsg *m, size_t ctl_size)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {m->data, sizeof(m->data)};
	struct msghdr msg = {0};

	memset(m, 0, sizeof(*m));
	m->level = m->type = -1;
	msg.msg_name = &m->name;
	msg.msg_namelen = sizeof(m->name);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = ctl_size;
	m->n = ut_recvmsg(st, fd, &msg, MSG_ERRQUEUE);
	m->namelen = msg.msg_namelen;
	m->flags = msg.msg_flags;
	m->controllen = msg.msg_controllen;
	if (m->n < 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			m->level = c->cmsg_level;
			m->type = c->cmsg_type;
			memcpy(&m->ee, CMSG_DATA(c), sizeof(m->ee));
			size_t rest = c->cmsg_len - CMSG_LEN(sizeof(m->ee));
			memcpy(&m->offender, CMSG_DATA(c) + sizeof(m->ee),
			       rest < sizeof(m->offender) ? rest : sizeof(m->offender));
		}
	}
}

static void done(struct tcpworld *w)
{
	CHECK_EQ(ut_stack_open_fds(w->c), 0);
	CHECK_EQ(ut_stack_open_fds(w->s), 0);
	tw_done(w);
}

TEST(ip_recverr_queues_a_port_unreachable_with_the_quoted_payload_type_code_and_offender)
{
	struct tcpworld w;
	struct errmsg m;
	int c;

	tw_make(&w, 301, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	CHECK_EQ(send_to(w.c, c, "hello", 5, SERVER_IP, 9), 5);
	tw_run(&w, 100 * MS);
	CHECK(poll_now(w.c, c) & POLLERR);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, 5);
	CHECK_MEM_EQ(m.data, "hello", 5);
	CHECK(m.flags & MSG_ERRQUEUE);
	/* the name is the destination the error is about */
	const struct sockaddr_in *to = (const struct sockaddr_in *)&m.name;
	CHECK_EQ(m.namelen, sizeof(struct sockaddr_in));
	CHECK_EQ(to->sin_family, AF_INET);
	CHECK_EQ(to->sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(ntohs(to->sin_port), 9);
	CHECK_EQ(m.level, SOL_IP);
	CHECK_EQ(m.ee.ee_errno, ECONNREFUSED);
	CHECK_EQ(m.ee.ee_origin, SO_EE_ORIGIN_ICMP);
	CHECK_EQ(m.ee.ee_type, 3);
	CHECK_EQ(m.ee.ee_code, 3);
	const struct sockaddr_in *off = (const struct sockaddr_in *)&m.offender;
	CHECK_EQ(off->sin_family, AF_INET);
	CHECK_EQ(off->sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(m.controllen,
		 CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in)));
	/* taken: the queue is empty and the pending error went with it */
	CHECK_EQ(poll_now(w.c, c), POLLOUT);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, -1);
	CHECK_EQ(errno, EAGAIN);
	ut_close(w.c, c);
	done(&w);
}

TEST(with_ip_recverr_an_unconnected_socket_also_gets_the_error_pending)
{
	struct tcpworld w;
	struct errmsg m;
	char buf[8];
	int c, err;
	socklen_t len = sizeof(err);

	tw_make(&w, 302, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	CHECK_EQ(send_to(w.c, c, "x", 1, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	/* Linux's __udp4_lib_err sets sk_err for any queued error: the next
	 * plain recv reports it, the queued copy stays. */
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	CHECK(poll_now(w.c, c) & POLLERR);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, 1);
	CHECK_EQ(m.ee.ee_errno, ECONNREFUSED);
	ut_close(w.c, c);
	done(&w);
}

TEST(without_ip_recverr_nothing_is_queued_and_msg_errqueue_never_blocks)
{
	struct tcpworld w;
	struct errmsg m;
	int c;

	tw_make(&w, 303, NULL);
	c = udp_socket(w.c, AF_INET); /* blocking */
	CHECK_EQ(send_to(w.c, c, "x", 1, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(poll_now(w.c, c), POLLOUT);
	uint64_t t0 = ut_stack_now(w.c);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(ut_stack_now(w.c), t0);
	ut_close(w.c, c);
	done(&w);
}

TEST(a_second_error_behind_the_first_becomes_pending_when_the_first_is_read)
{
	struct tcpworld w;
	struct errmsg m;
	int c, err;
	socklen_t len = sizeof(err);

	tw_make(&w, 304, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	CHECK_EQ(send_to(w.c, c, "a", 1, SERVER_IP, 9), 1);
	CHECK_EQ(send_to(w.c, c, "b", 1, SERVER_IP, 10), 1);
	tw_run(&w, 100 * MS);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, ECONNREFUSED);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.data[0], 'a');
	/* Linux's sock_dequeue_err_skb: the next ICMP error is pending now */
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, ECONNREFUSED);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.data[0], 'b');
	CHECK_EQ(ntohs(((struct sockaddr_in *)&m.name)->sin_port), 10);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	ut_close(w.c, c);
	done(&w);
}

TEST(the_error_queue_is_charged_to_the_receive_buffer_and_refuses_what_does_not_fit)
{
	struct tcpworld w;
	struct errmsg m;
	static char quoted[500];
	int c, n = 0;

	tw_make(&w, 305, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	set_int(w.c, c, SOL_SOCKET, SO_RCVBUF, 1); /* the minimum, 2304 */
	/* five errors (within the server's ICMP burst), each quoting 500
	 * bytes: more than 2304 bytes of buffers */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(send_to(w.c, c, quoted, sizeof(quoted), SERVER_IP, 9), 500);
	tw_run(&w, 100 * MS);
	CHECK_EQ(tw_counter(w.c, "Icmp", "InDestUnreachs"), 5);
	for (;;) {
		read_err(w.c, c, &m, 256);
		if (m.n < 0)
			break;
		n++;
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK(n >= 1 && n < 5);
	/* room again once read */
	CHECK_EQ(send_to(w.c, c, "y", 1, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, 1);
	CHECK_EQ(m.data[0], 'y');
	ut_close(w.c, c);
	done(&w);
}

TEST(a_datagram_too_big_for_pmtudisc_do_is_queued_as_a_local_emsgsize_with_the_mtu)
{
	struct tcpworld w;
	struct errmsg m;
	static char big[4000];
	int c;

	tw_make(&w, 306, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	set_int(w.c, c, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
	CHECK_EQ(send_to(w.c, c, big, sizeof(big), SERVER_IP, 7), -1);
	CHECK_EQ(errno, EMSGSIZE);
	CHECK(poll_now(w.c, c) & POLLERR);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, 0);
	CHECK_EQ(m.ee.ee_errno, EMSGSIZE);
	CHECK_EQ(m.ee.ee_origin, SO_EE_ORIGIN_LOCAL);
	CHECK_EQ(m.ee.ee_info, 1500);
	/* unconnected: Linux names the connected port, here none */
	CHECK_EQ(((struct sockaddr_in *)&m.name)->sin_addr.s_addr, inet_addr(SERVER_IP));
	CHECK_EQ(((struct sockaddr_in *)&m.name)->sin_port, 0);
	CHECK_EQ(((struct sockaddr_in *)&m.offender)->sin_family, AF_UNSPEC);
	/* a local error is not a pending one */
	CHECK_EQ(poll_now(w.c, c), POLLOUT);
	ut_close(w.c, c);
	done(&w);
}

TEST(turning_ip_recverr_off_drops_the_queued_errors)
{
	struct tcpworld w;
	struct errmsg m;
	int c, v;
	socklen_t len = sizeof(v);

	tw_make(&w, 307, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_IP, IP_RECVERR, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(send_to(w.c, c, "x", 1, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 0);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, -1);
	CHECK_EQ(errno, EAGAIN);
	ut_close(w.c, c);
	done(&w);
}

TEST(a_control_buffer_too_small_for_the_error_sets_msg_ctrunc)
{
	struct tcpworld w;
	struct errmsg m;
	int c;

	tw_make(&w, 308, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	CHECK_EQ(send_to(w.c, c, "x", 1, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	read_err(w.c, c, &m, CMSG_LEN(4));
	CHECK_EQ(m.n, 1);
	CHECK(m.flags & MSG_CTRUNC);
	CHECK_EQ(m.controllen, CMSG_LEN(4));
	ut_close(w.c, c);
	done(&w);
}

TEST(ipv6_recverr_queues_icmpv6_errors_with_the_ipv6_control_message)
{
	struct tcpworld w;
	struct errmsg m;
	struct sockaddr_in6 to;
	int c;

	tw_make(&w, 309, NULL);
	tw_enable_ipv6(&w);
	c = udp_socket(w.c, AF_INET6);
	set_int(w.c, c, SOL_IPV6, IPV6_RECVERR, 1);
	to = tw_addr6(SERVER_IP6, 9, 0);
	CHECK_EQ(ut_sendto(w.c, c, "six", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
	tw_run(&w, 100 * MS);
	CHECK(poll_now(w.c, c) & POLLERR);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, 3);
	CHECK_EQ(m.level, SOL_IPV6);
	CHECK_EQ(m.ee.ee_origin, SO_EE_ORIGIN_ICMP6);
	CHECK_EQ(m.ee.ee_errno, ECONNREFUSED);
	CHECK_EQ(m.ee.ee_type, 1);
	CHECK_EQ(m.ee.ee_code, 4);
	const struct sockaddr_in6 *name = (const struct sockaddr_in6 *)&m.name;
	CHECK_EQ(m.namelen, sizeof(struct sockaddr_in6));
	CHECK_MEM_EQ(&name->sin6_addr, &to.sin6_addr, 16);
	CHECK_EQ(ntohs(name->sin6_port), 9);
	const struct sockaddr_in6 *off = (const struct sockaddr_in6 *)&m.offender;
	CHECK_EQ(off->sin6_family, AF_INET6);
	CHECK_MEM_EQ(&off->sin6_addr, &to.sin6_addr, 16);
	ut_close(w.c, c);
	done(&w);
}

TEST(tcp_queues_no_icmp_error_and_reads_an_empty_error_queue_as_eagain)
{
	struct tcpworld w;
	struct errmsg m;
	int c, s;

	tw_make(&w, 310, NULL);
	tw_pair(&w, 8080, &c, &s);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK(!(poll_now(w.c, c) & POLLERR));
	ut_close(w.c, c);
	ut_close(w.s, s);
	done(&w);
}

TEST(so_select_err_queue_makes_a_queued_error_poll_as_pollpri_too)
{
	struct tcpworld w;
	struct pollfd p;
	struct errmsg m;
	int c, v;
	socklen_t len = sizeof(v);

	tw_make(&w, 311, NULL);
	c = udp_socket(w.c, AF_INET);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	set_int(w.c, c, SOL_SOCKET, SO_SELECT_ERR_QUEUE, 1);
	CHECK_EQ(ut_getsockopt(w.c, c, SOL_SOCKET, SO_SELECT_ERR_QUEUE, &v, &len), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(send_to(w.c, c, "x", 1, SERVER_IP, 9), 1);
	tw_run(&w, 100 * MS);
	p = (struct pollfd){.fd = c, .events = POLLPRI};
	CHECK_EQ(ut_poll(w.c, &p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLPRI | POLLERR);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, 1);
	CHECK_EQ(ut_poll(w.c, &p, 1, 0), 0);
	ut_close(w.c, c);
	done(&w);
}

/* An ICMP error from the server about the client connection fd's next
 * segment (its snd_una), handed to the client's device. */
static void inject_icmp_about(struct tcpworld *w, int fd, uint8_t type, uint8_t code)
{
	struct net_device *dev = netdev_from_ut(ut_sim_link_dev(w->link, 0));
	struct tw_tuple t;
	uint8_t f[ETH_HLEN + 20 + 8 + 20 + 20];
	uint8_t *ip = f + ETH_HLEN, *icmp = ip + 20, *qip = icmp + 8, *qth = qip + 20;
	size_t ilen = 8 + 20 + 20;

	tw_tuple_of(w, fd, &t);
	memset(f, 0, sizeof(f));
	memcpy(f, dev->dev_addr, 6);
	ut_dev_hwaddr(ut_sim_link_dev(w->link, 1), f + 6);
	put_be16(f + 12, 0x0800);
	/* the quoted segment: the client's own */
	qip[0] = 0x45;
	put_be16(qip + 2, 40);
	qip[8] = 64;
	qip[9] = IPPROTO_TCP;
	memcpy(qip + 12, &t.laddr, 4);
	memcpy(qip + 16, &t.faddr, 4);
	put_be16(qth, t.lport);
	put_be16(qth + 2, t.fport);
	put_be32(qth + 4, tw_tcp_sk(w->c, fd)->snd_una);
	icmp[0] = type;
	icmp[1] = code;
	put_be16(icmp + 2, csum_fold(csum_partial(icmp, ilen, 0)));
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(20 + ilen));
	ip[8] = 64;
	ip[9] = 1; /* ICMP */
	memcpy(ip + 12, &t.faddr, 4);
	memcpy(ip + 16, &t.laddr, 4);
	put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
	struct sk_buff *skb = alloc_skb(w->sim->pool, sizeof(f));
	CHECK(skb);
	memcpy(skb_put(skb, sizeof(f)), f, sizeof(f));
	skb->dev = dev;
	skb->ip_summed = CHECKSUM_NONE;
	netif_receive_skb(skb);
	ut_stack_poll(w->c);
}

TEST(tcp_with_ip_recverr_reports_an_icmp_error_at_once_and_queues_nothing)
{
	struct tcpworld w;
	struct errmsg m;
	char buf[8];
	int c, s, c2, s2, err;
	socklen_t len = sizeof(err);

	tw_make(&w, 312, NULL);
	tw_pair(&w, 8080, &c, &s);
	tw_pair(&w, 8081, &c2, &s2);
	set_int(w.c, c, SOL_IP, IP_RECVERR, 1);
	inject_icmp_about(&w, c, 3, 1); /* host unreachable */
	inject_icmp_about(&w, c2, 3, 1);
	CHECK_EQ(tw_counter(w.c, "Icmp", "InDestUnreachs"), 2);
	CHECK(poll_now(w.c, c) & POLLERR);
	CHECK_EQ(ut_recv(w.c, c, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EHOSTUNREACH);
	read_err(w.c, c, &m, 256);
	CHECK_EQ(m.n, -1);
	CHECK_EQ(errno, EAGAIN);
	/* without: a soft error, kept for a timeout */
	CHECK_EQ(ut_getsockopt(w.c, c2, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(ut_recv(w.c, c2, buf, sizeof(buf), MSG_DONTWAIT), -1);
	CHECK_EQ(errno, EAGAIN);
	ut_close(w.c, c);
	ut_close(w.s, s);
	ut_close(w.c, c2);
	ut_close(w.s, s2);
	done(&w);
}
