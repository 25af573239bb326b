/* TAP and TUN devices against the Linux kernel itself: the test moves into
 * a network namespace of its own (unshare), makes the interfaces there as
 * an administrator would, and has kernel sockets talk to usertcp sockets
 * across them. Needs root and /dev/net/tun; says "skipped:" otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "usertcp/usertcp.h"

#define KERNEL_TAP_IP "10.77.0.1"
#define USERTCP_TAP_IP "10.77.0.2"
#define KERNEL_TUN_IP "10.78.0.1"
#define USERTCP_TUN_IP "10.78.0.2"

__attribute__((constructor(200))) static void enter_namespace(void)
{
	const char *why = NULL;
	struct stat st;

	if (geteuid() != 0)
		why = "needs root (to make a network namespace and tap/tun interfaces)";
	else if (stat("/dev/net/tun", &st) != 0)
		why = "no /dev/net/tun on this machine";
	else if (system("command -v ip >/dev/null 2>&1") != 0)
		why = "needs the ip command (iproute2)";
	else if (unshare(CLONE_NEWNET) != 0)
		why = "cannot make a network namespace (unshare CLONE_NEWNET failed)";
	if (why) {
		printf("skipped: %s\n", why);
		exit(77);
	}
	/* The namespace dies with the process, and its interfaces with it. */
	if (system("ip link set lo up && "
		   "ip tuntap add dev tap0 mode tap && ip addr add " KERNEL_TAP_IP
		   "/24 dev tap0 && "
		   "ip link set tap0 up && "
		   "ip tuntap add dev tun0 mode tun && ip addr add " KERNEL_TUN_IP
		   "/24 dev tun0 && "
		   "ip link set tun0 up && "
		   "ip tuntap add dev tapdown mode tap && "
		   "ip link add veth0 type veth peer name veth1 && "
		   /* A quiet interface for counting: no IPv4 address and no
		    * IPv6, so the kernel sends nothing on it by itself. */
		   "ip tuntap add dev tapq mode tap && "
		   "{ echo 1 > /proc/sys/net/ipv6/conf/tapq/disable_ipv6; } 2>/dev/null; "
		   "ip link set tapq up") != 0) {
		printf("skipped: could not make tap/tun interfaces in the namespace\n");
		exit(77);
	}
}

static uint32_t ip(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static struct sockaddr_in sin_of(const char *addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	sin.sin_addr.s_addr = ip(addr);
	return sin;
}

/* A stack with the interface attached and addressed, its thread running. */
static struct ut_stack *stack_on(const char *ifname, enum ut_dev_type type, const char *addr,
				 struct ut_dev **devp)
{
	struct ut_stack *stack;
	struct ut_dev *dev;
	char why[256];
	CHECK_EQ(ut_stack_create(NULL, &stack), 0);
	int err = ut_dev_open_tuntap(stack, ifname, type, 0, NULL, &dev);
	if (err)
		test_fail(__FILE__, __LINE__, "%s",
			  ut_dev_tuntap_strerror(err, ifname, type, why, sizeof(why)));
	CHECK_EQ(ut_addr_add(stack, dev, ut_ip_v4(ip(addr)), 24), 0);
	CHECK_EQ(ut_stack_thread_start(stack), 0);
	if (devp)
		*devp = dev;
	return stack;
}

static void fill(char *buf, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((i * 131 + salt + i / 1021) & 0xff);
}

struct kernel_io {
	int fd;
	char *buf;
	size_t n;
	ssize_t done;
};

static void *kernel_send_all(void *arg)
{
	struct kernel_io *io = arg;
	size_t off = 0;
	while (off < io->n) {
		ssize_t k = send(io->fd, io->buf + off, io->n - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	shutdown(io->fd, SHUT_WR);
	io->done = (ssize_t)off;
	return NULL;
}

static size_t ut_recv_all(struct ut_stack *s, int fd, char *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t k = ut_recv(s, fd, buf + off, n - off, 0);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	return off;
}

static size_t kernel_recv_all(int fd, char *buf, size_t n);

static void *kernel_recv_thread(void *arg)
{
	struct kernel_io *io = arg;
	io->done = (ssize_t)kernel_recv_all(io->fd, io->buf, io->n);
	return NULL;
}

static size_t kernel_recv_all(int fd, char *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t k = recv(fd, buf + off, n - off, 0);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	return off;
}

/* The kernel connects to a usertcp listener; each side sends n bytes to the
 * other, both checked byte for byte; both close. */
static void kernel_to_usertcp(struct ut_stack *s, const char *kaddr, const char *uaddr,
			      uint16_t port, size_t n)
{
	char *out = malloc(n), *in = malloc(n), *kout = malloc(n), *kin = malloc(n);
	struct sockaddr_in a = sin_of(uaddr, port), k = sin_of(kaddr, 0);
	pthread_t th;

	fill(out, n, 1);
	fill(kout, n, 2);
	int lfd = ut_socket(s, AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	CHECK_EQ(ut_bind(s, lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_EQ(ut_listen(s, lfd, 8), 0);

	int kfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(kfd >= 0);
	CHECK_EQ(bind(kfd, (struct sockaddr *)&k, sizeof(k)), 0);
	CHECK_EQ(connect(kfd, (struct sockaddr *)&a, sizeof(a)), 0);
	int sfd = ut_accept(s, lfd, NULL, NULL);
	CHECK(sfd >= 0);

	struct kernel_io io = {kfd, kout, n, -1};
	CHECK_EQ(pthread_create(&th, NULL, kernel_send_all, &io), 0);
	CHECK_EQ(ut_recv_all(s, sfd, in, n), n);
	pthread_join(th, NULL);
	CHECK_EQ(io.done, (ssize_t)n);
	CHECK_MEM_EQ(in, kout, n);
	char c;
	CHECK_EQ(ut_recv(s, sfd, &c, 1, 0), 0); /* the kernel's FIN */

	struct kernel_io rx = {kfd, kin, n, -1};
	CHECK_EQ(pthread_create(&th, NULL, kernel_recv_thread, &rx), 0);
	CHECK_EQ(ut_send(s, sfd, out, n, 0), (ssize_t)n);
	CHECK_EQ(ut_close(s, sfd), 0);
	pthread_join(th, NULL);
	CHECK_EQ(rx.done, (ssize_t)n);
	CHECK_MEM_EQ(kin, out, n);
	CHECK_EQ(recv(kfd, &c, 1, 0), 0); /* usertcp's FIN */
	close(kfd);
	CHECK_EQ(ut_close(s, lfd), 0);
	free(out);
	free(in);
	free(kout);
	free(kin);
}

TEST(a_kernel_client_exchanges_data_with_a_usertcp_server_over_tap)
{
	struct ut_dev *dev;
	struct ut_stack *s = stack_on("tap0", UT_DEV_ETHER, USERTCP_TAP_IP, &dev);
	CHECK_EQ(ut_dev_fd(dev) >= 0, 1);
	CHECK_EQ(ut_dev_mtu(dev), 1500);
	kernel_to_usertcp(s, KERNEL_TAP_IP, USERTCP_TAP_IP, 7001, 2 << 20);
	struct ut_dev_stats st;
	ut_dev_get_stats(dev, &st);
	/* Every byte crossed the device each way (in how many frames
	 * depends on the offloads). */
	CHECK(st.rx_bytes > (2u << 20) && st.tx_bytes > (2u << 20));
	/* One write per frame, one read per frame plus those that found the
	 * interface drained, and the stack thread slept on the descriptor
	 * between bursts. */
	CHECK_EQ(st.tx_dropped, 0);
	CHECK_EQ(st.tx_syscalls, st.tx_packets);
	CHECK_EQ(st.rx_dropped, 0);
	CHECK_EQ(st.rx_syscalls, st.rx_packets + st.rx_syscalls_empty);
	CHECK(st.rx_syscalls_empty > 0 && st.poll_waits > 0);
	ut_stack_destroy(s);
}

/* n broadcast frames of an unassigned ethertype sent by the kernel out
 * of ifname, so into usertcp's descriptor. The packet socket skips the
 * qdisc, so each frame is in the tun queue when sendto returns. */
static void kernel_inject(const char *ifname, unsigned n)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_ifindex = (int)if_nametoindex(ifname),
				  .sll_halen = 6};
	uint8_t f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};

	CHECK(fd >= 0);
	CHECK_EQ(setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)), 0);
	memset(sll.sll_addr, 0xff, 6);
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)),
			 (ssize_t)sizeof(f));
	close(fd);
}

static void check_syscalls(struct ut_dev *dev, uint64_t rx, uint64_t empty, uint64_t frames)
{
	struct ut_dev_stats st;
	ut_dev_get_stats(dev, &st);
	CHECK_EQ(st.rx_syscalls, rx);
	CHECK_EQ(st.rx_syscalls_empty, empty);
	CHECK_EQ(st.rx_packets, frames);
}

TEST(each_read_and_write_of_a_tap_is_counted)
{
	struct ut_stack *s;
	struct ut_dev *dev;
	struct ut_dev_stats st;
	CHECK_EQ(ut_stack_create(NULL, &s), 0);
	CHECK_EQ(ut_dev_open_tuntap(s, "tapq", UT_DEV_ETHER, 0, NULL, &dev), 0);
	check_syscalls(dev, 0, 0, 0);
	/* No stack thread: the polls below are the only reads. Nothing
	 * waiting costs one read, which finds the interface empty. */
	ut_stack_poll(s);
	check_syscalls(dev, 1, 1, 0);
	/* A short batch: a read per frame and one more that ends it. */
	kernel_inject("tapq", 10);
	ut_stack_poll(s);
	check_syscalls(dev, 12, 2, 10);
	/* More than a poll takes (64 frames): the first poll stops at its
	 * limit without a read that finds nothing; the next reads the rest,
	 * then finds the interface empty. */
	kernel_inject("tapq", 70);
	ut_stack_poll(s);
	check_syscalls(dev, 76, 2, 74);
	ut_stack_poll(s);
	check_syscalls(dev, 83, 3, 80);

	/* A blocked call without a stack thread sleeps in ppoll on the
	 * descriptor. Each of its waits reads once before sleeping; a sleep
	 * that ends with the descriptor unreadable (here, the timeout) is not
	 * followed by a read that would only find it empty, so the reads are
	 * the sleeps plus the last wait's, which finds the time up. */
	ut_dev_get_stats(dev, &st);
	CHECK_EQ(st.poll_waits, 0);
	CHECK_EQ(ut_poll(s, NULL, 0, 50), 0);
	struct ut_dev_stats st2;
	ut_dev_get_stats(dev, &st2);
	CHECK(st2.poll_waits > 0);
	CHECK_EQ(st2.rx_syscalls - st.rx_syscalls, st2.poll_waits + 1);
	CHECK_EQ(st2.rx_syscalls_empty - st.rx_syscalls_empty, st2.poll_waits + 1);
	/* A frame that came while the device was marked idle is read by the
	 * next poll that follows a sleep. */
	kernel_inject("tapq", 1);
	CHECK_EQ(ut_poll(s, NULL, 0, 50), 0);
	ut_dev_get_stats(dev, &st);
	CHECK_EQ(st.rx_packets, 81);

	/* Transmit: a connect with no neighbour on the link sends ARP
	 * requests, one write each, and the kernel sees every frame. */
	int k = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = (int)if_nametoindex("tapq")};
	CHECK(k >= 0);
	CHECK_EQ(bind(k, (struct sockaddr *)&sll, sizeof(sll)), 0);
	CHECK_EQ(ut_addr_add(s, dev, ut_ip_v4(ip("10.79.0.2")), 24), 0);
	int fd = ut_socket(s, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = sin_of("10.79.0.1", 9);
	CHECK(fd >= 0);
	CHECK_EQ(ut_connect(s, fd, (struct sockaddr *)&to, sizeof(to)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	ut_stack_poll(s);
	ut_dev_get_stats(dev, &st);
	CHECK(st.tx_packets > 0);
	CHECK_EQ(st.tx_dropped, 0);
	CHECK_EQ(st.tx_syscalls, st.tx_packets);
	uint64_t seen = 0;
	struct pollfd pfd = {.fd = k, .events = POLLIN};
	while (seen < st.tx_syscalls && poll(&pfd, 1, 1000) == 1) {
		uint8_t buf[2048];
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		if (recvfrom(k, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) > 0 &&
		    from.sll_pkttype != PACKET_OUTGOING)
			seen++;
	}
	CHECK_EQ(seen, st.tx_syscalls);
	close(k);
	ut_close(s, fd);
	ut_stack_destroy(s);
}

TEST(a_kernel_client_exchanges_data_with_a_usertcp_server_over_tun)
{
	struct ut_dev *dev;
	struct ut_stack *s = stack_on("tun0", UT_DEV_RAWIP, USERTCP_TUN_IP, &dev);
	kernel_to_usertcp(s, KERNEL_TUN_IP, USERTCP_TUN_IP, 7002, 2 << 20);
	ut_stack_destroy(s);
}

TEST(a_usertcp_client_reaches_a_kernel_server_over_tap)
{
	struct ut_stack *s = stack_on("tap0", UT_DEV_ETHER, USERTCP_TAP_IP, NULL);
	struct sockaddr_in ka = sin_of(KERNEL_TAP_IP, 7003);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK_EQ(bind(l, (struct sockaddr *)&ka, sizeof(ka)), 0);
	CHECK_EQ(listen(l, 4), 0);
	int fd = ut_socket(s, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ut_connect(s, fd, (struct sockaddr *)&ka, sizeof(ka)), 0);
	int k = accept(l, NULL, NULL);
	CHECK(k >= 0);
	CHECK_EQ(ut_send(s, fd, "hello kernel", 12, 0), 12);
	char buf[32];
	CHECK_EQ(kernel_recv_all(k, buf, 12), 12);
	CHECK_MEM_EQ(buf, "hello kernel", 12);
	CHECK_EQ(send(k, "hello usertcp", 13, 0), 13);
	CHECK_EQ(ut_recv_all(s, fd, buf, 13), 13);
	CHECK_MEM_EQ(buf, "hello usertcp", 13);
	close(k);
	CHECK_EQ(ut_recv(s, fd, buf, 1, 0), 0);
	CHECK_EQ(ut_close(s, fd), 0);
	close(l);
	ut_stack_destroy(s);
}

TEST(a_closed_usertcp_port_refuses_the_kernels_connect)
{
	struct ut_stack *s = stack_on("tap0", UT_DEV_ETHER, USERTCP_TAP_IP, NULL);
	struct sockaddr_in a = sin_of(USERTCP_TAP_IP, 7999);
	int kfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(connect(kfd, (struct sockaddr *)&a, sizeof(a)), -1);
	CHECK_EQ(errno, ECONNREFUSED);
	close(kfd);
	uint64_t v = 0;
	CHECK_EQ(ut_counter_get(s, "Tcp", "OutRsts", &v), 0);
	CHECK(v >= 1);
	ut_stack_destroy(s);
}

TEST(an_impaired_tap_still_delivers_everything)
{
	struct ut_dev *dev;
	struct ut_link_params p;
	struct ut_link_stats st;
	struct ut_stack *s = stack_on("tap0", UT_DEV_ETHER, USERTCP_TAP_IP, &dev);
	ut_link_params_init(&p);
	p.delay_ns = 2 * 1000 * 1000;
	p.loss = 0.02;
	p.reorder = 0.05;
	CHECK_EQ(ut_dev_set_netem(dev, UT_DEV_BOTH, &p, 42), 0);
	kernel_to_usertcp(s, KERNEL_TAP_IP, USERTCP_TAP_IP, 7004, 1 << 20);
	ut_dev_get_netem_stats(dev, UT_DEV_EGRESS, &st);
	CHECK(st.lost > 0 && st.reordered > 0);
	ut_dev_get_netem_stats(dev, UT_DEV_INGRESS, &st);
	CHECK(st.lost > 0);
	ut_stack_destroy(s);
}

TEST(opening_errors_name_the_cause_and_the_fix)
{
	struct ut_stack *s, *s2;
	struct ut_dev *dev;
	char why[512];
	CHECK_EQ(ut_stack_create(NULL, &s), 0);
	CHECK_EQ(ut_stack_create(NULL, &s2), 0);

	CHECK_EQ(ut_dev_open_tuntap(s, "nosuchtap", UT_DEV_ETHER, 0, NULL, &dev), -ENODEV);
	CHECK(strstr(ut_dev_tuntap_strerror(-ENODEV, "nosuchtap", UT_DEV_ETHER, why, sizeof(why)),
		     "ip tuntap add dev nosuchtap mode tap"));
	CHECK_EQ(ut_dev_open_tuntap(s, "tun0", UT_DEV_ETHER, 0, NULL, &dev), -EINVAL);
	CHECK(strstr(ut_dev_tuntap_strerror(-EINVAL, "tun0", UT_DEV_ETHER, why, sizeof(why)),
		     "is a TUN interface"));
	CHECK_EQ(ut_dev_open_tuntap(s, "veth0", UT_DEV_RAWIP, 0, NULL, &dev), -EINVAL);
	CHECK(strstr(ut_dev_tuntap_strerror(-EINVAL, "veth0", UT_DEV_RAWIP, why, sizeof(why)),
		     "not a TUN/TAP interface"));
	CHECK_EQ(ut_dev_open_tuntap(s, "tapdown", UT_DEV_ETHER, 0, NULL, &dev), -ENETDOWN);
	CHECK(strstr(ut_dev_tuntap_strerror(-ENETDOWN, "tapdown", UT_DEV_ETHER, why, sizeof(why)),
		     "ip link set tapdown up"));

	CHECK_EQ(ut_dev_open_tuntap(s, "tap0", UT_DEV_ETHER, 0, NULL, &dev), 0);
	CHECK_EQ(ut_dev_open_tuntap(s, "tap0", UT_DEV_ETHER, 0, NULL, &dev), -EEXIST);
	CHECK_EQ(ut_dev_open_tuntap(s2, "tap0", UT_DEV_ETHER, 0, NULL, &dev), -EBUSY);
	CHECK(strstr(ut_dev_tuntap_strerror(-EBUSY, "tap0", UT_DEV_ETHER, why, sizeof(why)),
		     "another process"));
	ut_stack_destroy(s);

	/* An unprivileged user may not attach to an interface root made for
	 * itself (no "user" given to ip tuntap). */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct ut_stack *u;
		if (setgid(65534) != 0 || setuid(65534) != 0 || ut_stack_create(NULL, &u) != 0)
			_exit(2);
		int err = ut_dev_open_tuntap(u, "tapdown", UT_DEV_ETHER, 0, NULL, &dev);
		const char *m =
			ut_dev_tuntap_strerror(err, "tapdown", UT_DEV_ETHER, why, sizeof(why));
		ut_stack_destroy(u);
		_exit(err == -EPERM && strstr(m, "CAP_NET_ADMIN") && strstr(m, "user $USER") ? 0
											     : 1);
	}
	int status;
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Released with the stack: another may attach now. */
	CHECK_EQ(ut_dev_open_tuntap(s2, "tap0", UT_DEV_ETHER, 0, NULL, &dev), 0);
	ut_stack_destroy(s2);
}

/* Whether the kernel's tap0 segments TCP itself (ETHTOOL_GTSO), as the
 * offloads a reader was granted make it. */
static bool kernel_tso(const char *ifname)
{
	struct ethtool_value v = {.cmd = ETHTOOL_GTSO};
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&v;
	CHECK_EQ(ioctl(s, SIOCETHTOOL, &ifr), 0);
	close(s);
	return v.data != 0;
}

TEST(the_kernel_grants_checksum_and_tso_offloads_and_they_end_with_the_device)
{
	struct ut_stack *s;
	struct ut_dev *dev;

	CHECK_EQ(ut_stack_create(NULL, &s), 0);
	CHECK_EQ(ut_dev_open_tuntap(s, "tap0", UT_DEV_ETHER, 0, NULL, &dev), 0);
	CHECK_EQ(ut_dev_offloads(dev),
		 UT_DEV_OFFLOAD_CSUM | UT_DEV_OFFLOAD_TSO4 | UT_DEV_OFFLOAD_TSO6);
	CHECK(ut_dev_offload_note(dev) == NULL);
	CHECK(kernel_tso("tap0"));
	ut_stack_destroy(s);
	/* A later reader without virtio-net headers must not be sent 64 KB
	 * frames it cannot know about. */
	CHECK(!kernel_tso("tap0"));
}

TEST(no_offload_gives_plain_frames_and_turns_offloads_an_earlier_reader_left_off)
{
	struct ut_stack *s;
	struct ut_dev *dev;
	int fd = open("/dev/net/tun", O_RDWR);
	struct ifreq ifr;

	/* A reader that leaves the offloads on when it goes (QEMU killed). */
	CHECK(fd >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tap0");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	CHECK_EQ(ioctl(fd, TUNSETIFF, &ifr), 0);
	CHECK_EQ(ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)), 0);
	close(fd);
	CHECK(kernel_tso("tap0"));

	CHECK_EQ(ut_stack_create(NULL, &s), 0);
	CHECK_EQ(ut_dev_open_tuntap(s, "tap0", UT_DEV_ETHER, UT_DEV_F_NO_OFFLOAD, NULL, &dev), 0);
	CHECK_EQ(ut_dev_offloads(dev), 0);
	CHECK(ut_dev_offload_note(dev) == NULL); /* asked for none: nothing to say */
	CHECK(!kernel_tso("tap0"));
	ut_stack_destroy(s);
}

/* Opens tap0 in a child whose ioctl(TUNSETOFFLOAD) fails with EINVAL
 * whenever its flags include one of refuse (a seccomp filter standing in
 * for a kernel without those offloads); the child exits 0 when the
 * device opened with offloads want and a note containing note. */
static void open_refused(unsigned refuse, unsigned want, const char *note)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TUNSETOFFLOAD, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, refuse, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	int status;
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		struct ut_stack *s;
		struct ut_dev *dev;
		const char *n;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
			_exit(3);
		if (ut_stack_create(NULL, &s) != 0 ||
		    ut_dev_open_tuntap(s, "tap0", UT_DEV_ETHER, 0, NULL, &dev) != 0)
			_exit(2);
		n = ut_dev_offload_note(dev);
		_exit(ut_dev_offloads(dev) == want && n && strstr(n, note) ? 0 : 1);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

TEST(what_the_kernel_refuses_falls_back_and_is_said_once)
{
	/* TSO6 refused: the rest kept, IPv6 buffers cut in software. */
	open_refused(TUN_F_TSO6, UT_DEV_OFFLOAD_CSUM | UT_DEV_OFFLOAD_TSO4, "over IPv6");
	/* No TSO at all. */
	open_refused(TUN_F_TSO4 | TUN_F_TSO6, UT_DEV_OFFLOAD_CSUM, "over IPv4 and IPv6");
	/* Not even checksums: plain frames, the kernel's offloads off. */
	open_refused(TUN_F_CSUM, 0, "refused checksum offload");
	CHECK(!kernel_tso("tap0"));
}

TEST(data_crosses_a_tap_without_offloads_both_ways)
{
	struct ut_stack *s;
	struct ut_dev *dev;
	char why[256];

	CHECK_EQ(ut_stack_create(NULL, &s), 0);
	int err = ut_dev_open_tuntap(s, "tap0", UT_DEV_ETHER, UT_DEV_F_NO_OFFLOAD, NULL, &dev);
	if (err)
		test_fail(__FILE__, __LINE__, "%s",
			  ut_dev_tuntap_strerror(err, "tap0", UT_DEV_ETHER, why, sizeof(why)));
	CHECK_EQ(ut_addr_add(s, dev, ut_ip_v4(ip(USERTCP_TAP_IP)), 24), 0);
	CHECK_EQ(ut_stack_thread_start(s), 0);
	kernel_to_usertcp(s, KERNEL_TAP_IP, USERTCP_TAP_IP, 7010, 2u << 20);
	struct ut_dev_stats st;
	ut_dev_get_stats(dev, &st);
	/* Nothing larger than a 1500-byte MTU's frame went either way. */
	CHECK(st.tx_packets > 1400 && st.tx_bytes / st.tx_packets <= 1514);
	CHECK(st.rx_packets > 1400 && st.rx_bytes / st.rx_packets <= 1514);
	ut_stack_destroy(s);
}

TEST(with_the_offloads_tcp_buffers_cross_the_tap_whole_both_ways)
{
	struct ut_dev *dev;
	struct ut_stack *s = stack_on("tap0", UT_DEV_ETHER, USERTCP_TAP_IP, &dev);
	struct ut_dev_stats st;

	kernel_to_usertcp(s, KERNEL_TAP_IP, USERTCP_TAP_IP, 7011, 2u << 20);
	ut_dev_get_stats(dev, &st);
	/* 2 MB each way in far fewer frames than 1448-byte segments need:
	 * large frames both ways, and every byte arrived intact. */
	CHECK(st.tx_packets > 0 && st.tx_bytes / st.tx_packets > 3000);
	CHECK(st.rx_packets > 0 && st.rx_bytes / st.rx_packets > 3000);
	CHECK_EQ(st.rx_dropped, 0);
	ut_stack_destroy(s);
}
