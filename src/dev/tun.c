/* TAP and TUN interfaces of the host's kernel, seen from user space
 * through /dev/net/tun (the other end of Linux's drivers/net/tun.c).
 *
 * usertcp attaches to an interface that already exists, as QEMU does, so
 * that the privileged step (creating it, addressing the kernel's side)
 * is done once by an administrator and usertcp itself can run as the
 * interface's owner. The descriptor is non-blocking: the stack thread or a
 * blocked call sleeps on it with ppoll, and each receive poll drains a
 * batch of frames. The kernel offers no batched write for a TUN queue
 * without virtio-net headers, so each frame of a transmit batch is one
 * write(); the batch still amortises everything above the driver. */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/fault.h"
#include "net/stack.h"

#define TUN_CLONE_DEVICE "/dev/net/tun"

struct tun_priv {
	int fd;
	struct sk_buff *spare; /* a buffer kept for the next read */
};

static uint32_t tun_frame_room(const struct net_device *dev)
{
	/* One byte more than the largest frame the MTU allows, so that a
	 * longer one shows up as too long instead of being cut short. */
	return dev->mtu + dev->hard_header_len + 1;
}

static unsigned tun_rx_batch(struct net_device *dev, struct sk_buff **skbs, unsigned max)
{
	struct tun_priv *p = dev->priv;
	uint32_t room = tun_frame_room(dev);
	unsigned n = 0;

	while (n < max) {
		struct sk_buff *skb = p->spare;
		if (!skb) {
			skb = netdev_alloc_skb_ip_align(dev, room);
			if (!skb) {
				/* Out of buffer memory: the frames wait in the
				 * kernel's queue, which drops when full, as a
				 * NIC's ring would. */
				dev->stats.rx_dropped++;
				break;
			}
		}
		p->spare = NULL;
		ssize_t len = read(p->fd, skb->data, room);
		if (len < 0 && errno == EINTR) {
			p->spare = skb;
			continue;
		}
		if (len <= 0) {
			/* EAGAIN: drained. Anything else (EIO from an
			 * interface going down, EFAULT) ends this batch too;
			 * the next poll tries again. */
			p->spare = skb;
			break;
		}
		if ((uint32_t)len >= room) {
			dev->stats.rx_dropped++;
			p->spare = skb;
			continue;
		}
		skb_put(skb, (uint32_t)len);
		skbs[n++] = skb;
	}
	return n;
}

static void tun_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	struct tun_priv *p = dev->priv;

	for (unsigned i = 0; i < n; i++) {
		ssize_t w;
		do
			w = write(p->fd, skbs[i]->data, skbs[i]->len);
		while (w < 0 && errno == EINTR);
		/* EAGAIN (the kernel's queue toward the interface is full)
		 * and EIO (the interface is down) lose the frame, as a full
		 * or dead NIC would; TCP retransmits. */
		if (w != (ssize_t)skbs[i]->len)
			dev->stats.tx_dropped++;
		kfree_skb(skbs[i]);
	}
}

static void tun_uninit(struct net_device *dev)
{
	struct tun_priv *p = dev->priv;
	kfree_skb(p->spare);
	p->spare = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	dev->fd = -1;
}

static const struct net_device_ops tun_ops = {
	.ndo_start_xmit = tun_xmit,
	.ndo_rx_batch = tun_rx_batch,
	.ndo_uninit = tun_uninit,
};

/* The interface's mode, IFF_TUN or IFF_TAP, or 0 if it is not a tun/tap
 * interface. The tun driver answers ethtool's driver query with driver
 * "tun" and bus "tun" or "tap"; unlike sysfs, this also holds in a
 * network namespace that has not remounted /sys. */
static unsigned tun_kernel_mode(const char *ifname)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr;
	unsigned mode = 0;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&info;
	if (ioctl(s, SIOCETHTOOL, &ifr) == 0 && strcmp(info.driver, "tun") == 0)
		mode = strcmp(info.bus_info, "tap") == 0 ? IFF_TAP : IFF_TUN;
	close(s);
	return mode;
}

/* The interface's MTU and whether it is up, asked of the kernel. */
static int tun_query(const char *ifname, unsigned *mtu, bool *up)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFMTU, &ifr) < 0)
		err = -errno;
	else
		*mtu = (unsigned)ifr.ifr_mtu;
	if (!err && ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	else if (!err)
		*up = (ifr.ifr_flags & IFF_UP) != 0;
	close(s);
	return err;
}

UT_EXPORT int ut_dev_open_tuntap(struct ut_stack *stack, const char *ifname, enum ut_dev_type type,
				 unsigned flags, const uint8_t *hwaddr, struct ut_dev **out)
{
	struct net_device *dev;
	struct tun_priv *p;
	struct ifreq ifr;
	unsigned mtu = 1500, mode;
	bool up = false;
	int fd, err;

	if (!stack || !ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || !out ||
	    (type != UT_DEV_ETHER && type != UT_DEV_RAWIP))
		return -EINVAL;
	if (ut_dev_by_name(stack, ifname))
		return -EEXIST;
	/* TUNSETIFF on a name that does not exist would create a new,
	 * unconfigured interface; asking first keeps "attach" meaning
	 * attach. */
	if (if_nametoindex(ifname) == 0)
		return -ENODEV;
	mode = tun_kernel_mode(ifname);
	if (mode && mode != (type == UT_DEV_ETHER ? (unsigned)IFF_TAP : (unsigned)IFF_TUN))
		return -EINVAL;
	fd = open(TUN_CLONE_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO || errno == ENODEV ? -ENOENT
		       : errno == EACCES				    ? -EPERM
									    : -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* IFF_NO_PI: frames without the 4-byte packet information header. */
	ifr.ifr_flags = (short)((type == UT_DEV_ETHER ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno == EACCES ? -EPERM : -errno;
		close(fd);
		return err;
	}
	if ((err = tun_query(ifname, &mtu, &up)) < 0) {
		close(fd);
		return err;
	}
	if (!up) {
		close(fd);
		return -ENETDOWN;
	}
	if (mtu < IPV4_MIN_MTU)
		mtu = IPV4_MIN_MTU;
	if (mtu > IP_MAXPACKET)
		mtu = IP_MAXPACKET;
	dev = netdev_alloc(stack, ifname, type, mtu, &tun_ops, sizeof(*p));
	if (!dev) {
		close(fd);
		return -ENOMEM;
	}
	p = dev->priv;
	p->fd = fd;
	dev->fd = fd;
	/* The kernel checks what it receives and fills in what it sends
	 * only with virtio-net headers (IFF_VNET_HDR), which are not used:
	 * checksums are done in software both ways. */
	dev->features = flags & UT_DEV_F_RX_CSUM;
	netdev_set_hwaddr(dev, hwaddr);
	netdev_register(dev);
	*out = netdev_to_ut(dev);
	return 0;
}

UT_EXPORT const char *ut_dev_tuntap_strerror(int err, const char *ifname, enum ut_dev_type type,
					     char *buf, size_t len)
{
	const char *kind = type == UT_DEV_ETHER ? "tap" : "tun";
	const char *name = ifname ? ifname : "?";
	unsigned mode;

	if (!buf || len == 0)
		return "";
	switch (-err) {
	case ENOENT:
		snprintf(buf, len,
			 "%s does not exist: load the tun module (modprobe tun) "
			 "or create the node (mkdir -p /dev/net && mknod %s c 10 200)",
			 TUN_CLONE_DEVICE, TUN_CLONE_DEVICE);
		break;
	case ENODEV:
		snprintf(buf, len,
			 "there is no interface named %s: create it first, as root: "
			 "ip tuntap add dev %s mode %s user $USER && ip link set %s up "
			 "(or scripts/netns-tap.sh up NAME for a namespace ready to use)",
			 name, name, kind, name);
		break;
	case EPERM:
		snprintf(buf, len,
			 "not permitted to attach to %s: run as root (CAP_NET_ADMIN), "
			 "or have root create it for your user: ip tuntap add dev %s mode %s user "
			 "$USER",
			 name, name, kind);
		break;
	case EBUSY:
		snprintf(buf, len,
			 "%s is attached to another process (QEMU, another usertcp?): "
			 "stop that process or use another interface",
			 name);
		break;
	case ENETDOWN:
		snprintf(buf, len, "%s is down: bring it up first: ip link set %s up", name, name);
		break;
	case EEXIST:
		snprintf(buf, len, "this stack already has a device named %s", name);
		break;
	case EINVAL:
		mode = ifname ? tun_kernel_mode(ifname) : 0;
		if (mode)
			snprintf(buf, len,
				 "%s is a %s interface, not a %s one: use --%s, or create a "
				 "%s with: ip tuntap add dev NAME mode %s user $USER",
				 name, mode == IFF_TAP ? "TAP" : "TUN",
				 type == UT_DEV_ETHER ? "TAP" : "TUN",
				 mode == IFF_TAP ? "tap" : "tun", kind, kind);
		else
			snprintf(buf, len,
				 "%s is not a TUN/TAP interface (or the name is invalid): "
				 "create one with: ip tuntap add dev NAME mode %s user $USER",
				 name, kind);
		break;
	default:
		snprintf(buf, len, "cannot attach to %s: %s", name, strerror(-err));
		break;
	}
	return buf;
}
