/* TAP and TUN devices against the Linux kernel itself: the test moves into
 * a network namespace of its own (unshare), makes the interfaces there as
 * an administrator would, and has kernel sockets talk to usertcp sockets
 * across them. Needs root and /dev/net/tun; says "skipped:" otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
		   "ip link add veth0 type veth peer name veth1") != 0) {
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
	CHECK(st.rx_packets > 100 && st.tx_packets > 100);
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
