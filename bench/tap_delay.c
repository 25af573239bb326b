/* tap_delay: the delay line of bench_cc_sim_kernel.sh, between two TAP
 * interfaces that live in two network namespaces.
 *
 *   tap_delay NS_A TAP_A NS_B TAP_B DELAY_US
 *
 * Frames read from TAP_A (the data, as the kernel of NS_A sends it out of
 * its bottleneck queue) are written to TAP_B at once; frames read from
 * TAP_B (the ACKs) are held DELAY_US microseconds, in arrival order, and
 * then written to TAP_A. So the path's whole propagation delay sits on
 * the return path and the bottleneck's queue is the only one the data
 * meets. The kernel here has no sch_netem, which would otherwise do this.
 *
 * Once a second (from its start) it prints, on standard output, the
 * Ethernet bytes that went from A to B in that second, then for each TCP
 * destination port seen the payload bytes sent to it, for example
 *
 *   1 12500000 5201:12188032 5202:0
 *
 * (second, link bytes, then port:payload pairs). SIGUSR1 starts the count
 * again from second 0, so that a script can line the seconds up with the
 * start of its flows. It runs until killed (SIGTERM or SIGINT), and then
 * prints the last, partial second.
 *
 * A benchmark tool, not part of the library: it reads frames whole from
 * the kernel, and every length it uses is checked against what read()
 * returned. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns */
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 2048
#define HELD_MAX 16384 /* frames on the delayed path: 40 ms of ACKs at 1 Gbit/s fits */
#define PORTS_MAX 16

struct held {
	uint64_t due_us;
	uint16_t len;
	uint8_t frame[FRAME_MAX];
};

static struct held held[HELD_MAX];
static unsigned held_head, held_tail; /* ring: tail is the oldest */
static volatile sig_atomic_t stop, restart;

static struct {
	uint16_t port;
	uint64_t bytes;
} ports[PORTS_MAX];
static unsigned nports;
static uint64_t link_bytes, dropped;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		restart = 1;
	else
		stop = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Opens TAP name inside the namespace ns (ip netns's /run/netns/NS). */
static int tap_open(const char *ns, const char *name)
{
	char path[256];
	struct ifreq ifr;
	int nsfd, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "tap_delay: namespace %s: %s\n", ns, strerror(errno));
		exit(2);
	}
	close(nsfd);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tap_delay: /dev/net/tun: %s\n", strerror(errno));
		exit(2);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tap_delay: %s in %s: %s\n", name, ns, strerror(errno));
		exit(2);
	}
	return fd;
}

/* Counts a frame going A to B: its length on the link, and its TCP
 * payload under its destination port (IPv4, Ethernet II, untagged). */
static void count(const uint8_t *f, size_t len)
{
	size_t ihl, thl, ip_len;
	uint16_t port;
	unsigned i;

	link_bytes += len;
	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (size_t)(f[14] & 0x0f) * 4;
	ip_len = (size_t)f[16] << 8 | f[17];
	if ((f[14] >> 4) != 4 || ihl < 20 || f[23] != 6 || ip_len < ihl || 14 + ip_len > len ||
	    ip_len < ihl + 20)
		return;
	thl = (size_t)(f[14 + ihl + 12] >> 4) * 4;
	if (thl < 20 || ihl + thl > ip_len)
		return;
	port = (uint16_t)(f[14 + ihl + 2] << 8 | f[14 + ihl + 3]);
	for (i = 0; i < nports && ports[i].port != port; i++)
		;
	if (i == nports) {
		if (nports == PORTS_MAX)
			return;
		ports[nports++].port = port;
	}
	ports[i].bytes += ip_len - ihl - thl;
}

static void report(unsigned second)
{
	printf("%u %llu", second, (unsigned long long)link_bytes);
	for (unsigned i = 0; i < nports; i++) {
		printf(" %u:%llu", ports[i].port, (unsigned long long)ports[i].bytes);
		ports[i].bytes = 0;
	}
	printf("\n");
	fflush(stdout);
	link_bytes = 0;
}

int main(int argc, char **argv)
{
	uint8_t f[FRAME_MAX];
	uint64_t delay_us, start;
	unsigned second = 0;
	int a, b;

	if (argc != 6) {
		fprintf(stderr, "usage: tap_delay NS_A TAP_A NS_B TAP_B DELAY_US\n");
		return 2;
	}
	delay_us = strtoull(argv[5], NULL, 10);
	a = tap_open(argv[1], argv[2]);
	b = tap_open(argv[3], argv[4]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	start = now_us();

	while (!stop) {
		struct pollfd pfd[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
		uint64_t t;
		ssize_t n;

		t = now_us();
		if (held_head != held_tail) {
			uint64_t due = held[held_tail % HELD_MAX].due_us;
			uint64_t wait = due > t ? due - t : 0;

			if (wait < 100000) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(wait * 1000);
			}
		}
		if (ppoll(pfd, 2, &ts, NULL) < 0 && errno != EINTR)
			break;
		if (restart) {
			restart = 0;
			start = now_us();
			second = 0;
			link_bytes = 0;
			for (unsigned i = 0; i < nports; i++)
				ports[i].bytes = 0;
		}
		while ((n = read(a, f, sizeof(f))) > 0) {
			count(f, (size_t)n);
			if (write(b, f, (size_t)n) < 0)
				dropped++;
		}
		t = now_us();
		while ((n = read(b, f, sizeof(f))) > 0) {
			if (held_head - held_tail == HELD_MAX) {
				dropped++;
				continue;
			}
			struct held *h = &held[held_head++ % HELD_MAX];
			h->due_us = t + delay_us;
			h->len = (uint16_t)n;
			memcpy(h->frame, f, (size_t)n);
		}
		t = now_us();
		while (held_head != held_tail && held[held_tail % HELD_MAX].due_us <= t) {
			struct held *h = &held[held_tail++ % HELD_MAX];
			if (write(a, h->frame, h->len) < 0)
				dropped++;
		}
		while (t >= start + (uint64_t)(second + 1) * 1000000u)
			report(++second);
	}
	report(second + 1);
	if (dropped)
		fprintf(stderr, "tap_delay: %llu frames not passed on\n",
			(unsigned long long)dropped);
	return 0;
}
