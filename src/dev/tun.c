/* TAP and TUN interfaces of the host's kernel, seen from user space
 * through /dev/net/tun (the other end of Linux's drivers/net/tun.c).
 *
 * usertcp attaches to an interface that already exists, as QEMU does, so
 * that the privileged step (creating it, addressing the kernel's side)
 * is done once by an administrator and usertcp itself can run as the
 * interface's owner. The descriptor is non-blocking: the stack thread or a
 * blocked call sleeps on it with ppoll, and each receive poll drains a
 * batch of frames.
 *
 * By default every frame carries a virtio-net header (IFF_VNET_HDR), the
 * interface QEMU and wireguard-go use, and the kernel is asked for the
 * offloads it can then take (TUNSETOFFLOAD): checksums both ways, and
 * TCP segmentation over IPv4 and IPv6. With them a TCP buffer of up to
 * 64 KB leaves as one write, which the kernel segments and checksums (or
 * delivers whole to its own TCP), and the kernel's large frames come in
 * whole: one system call and one pass through each layer per buffer
 * instead of per 1500-byte frame. What the kernel refuses falls back, as
 * far as needed down to plain frames, and the device says why
 * (ut_dev_offload_note). The kernel offers no batched write for a TUN
 * queue, so each frame is one write(v). */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/fault.h"
#include "net/ipv6.h"
#include "net/stack.h"
#include "net/virtio_net.h"

#define TUN_CLONE_DEVICE "/dev/net/tun"
/* The largest frame the kernel hands a reader that granted TSO: its GSO
 * limit for a tun device (64 KB, GSO_LEGACY_MAX_SIZE) of IP packet, plus
 * a link header. */
#define TUN_GSO_MAX 65536u

/* With TSO granted, a received frame at most this long is copied out of
 * the 64 KB buffer it was read into, into a buffer of its own size, and
 * the big buffer serves the next read; a longer one (the kernel's GSO
 * frames, 64 KB when a burst allows) goes up in the big buffer itself,
 * uncopied. Linux's drivers copy below their rx_copybreak for the same
 * reason: a buffer's whole size is charged to the socket that holds it,
 * and a 64 KB buffer for every ACK would charge sockets 40 times the
 * memory they hold. At 16 KB a buffer is charged at most 4 times its
 * bytes, and a copy costs at most a quarter of a full frame's. */
#define TUN_RX_COPYBREAK 16384u

struct tun_priv {
	int fd;
	bool vnet;	       /* frames carry a virtio-net header */
	bool tso_rx;	       /* the kernel may hand over frames of up to 64 KB */
	struct sk_buff *spare; /* a buffer kept for the next read */
	char note[200];	       /* why an offload is off; empty when all asked were granted */
};

static uint32_t tun_frame_room(const struct net_device *dev)
{
	/* One byte more than the largest frame the MTU allows, so that a
	 * longer one shows up as too long instead of being cut short. */
	return dev->mtu + dev->hard_header_len + 1;
}

/* The read room with TSO: the largest GSO frame, and one byte more. */
static uint32_t tun_gso_room(const struct net_device *dev)
{
	return TUN_GSO_MAX + dev->hard_header_len + 1;
}

/* Whether a received header may be believed about checksums. A partial
 * checksum from the kernel is never wrong on a wire that does not exist,
 * but it is still partial: a frame that may be forwarded out of another
 * device gets it completed and checked instead. (An ingress impairment
 * that corrupts a frame writes its whole checksum first and vouches for
 * nothing after: src/sched/sch_netem.c.) */
static bool tun_rx_trust(const struct net_device *dev)
{
	const struct ut_stack *stack = dev->stack;
	const struct netns_ipv6 *v6 = net_ipv6(stack);

	return !stack->sysctl.ip_forward && !(v6 && v6->devconf_all.forwarding);
}

/* Reads one frame with its virtio-net header into skb (room bytes of
 * tailroom). Returns the frame's buffer (skb, or with TSO a copy of a
 * short frame, TUN_RX_COPYBREAK) with the header applied; NULL with *len
 * the read's result when nothing usable came (*len 0: a frame was
 * dropped, try again). */
static struct sk_buff *tun_read_vnet(struct net_device *dev, struct sk_buff *skb, uint32_t room,
				     ssize_t *len)
{
	struct tun_priv *p = dev->priv;
	uint8_t hbuf[WIRE_VNET_HLEN];
	struct iovec iov[2] = {
		{.iov_base = hbuf, .iov_len = sizeof(hbuf)},
		{.iov_base = skb->data, .iov_len = room},
	};
	struct wire_virtio_net_hdr h;
	uint32_t flen;

	*len = readv(p->fd, iov, 2);
	dev->stats.rx_syscalls++;
	if (*len <= 0)
		return NULL;
	/* The kernel writes a whole header before every frame: a shorter
	 * read, a frame filling the room, or a header that does not
	 * describe its frame is a frame lost, counted as a NIC counts a bad
	 * one. */
	if ((size_t)*len < sizeof(hbuf))
		goto bad;
	flen = (uint32_t)((size_t)*len - sizeof(hbuf));
	if (flen >= room || wire_virtio_net_hdr_parse(hbuf, sizeof(hbuf), flen, &h) != WIRE_OK)
		goto bad;
	/* Only a GSO frame may exceed the MTU. */
	if (flen >= tun_frame_room(dev) &&
	    (h.gso_type & (uint8_t)~VNET_HDR_GSO_ECN) == VNET_HDR_GSO_NONE)
		goto bad;
	if (p->tso_rx && flen <= TUN_RX_COPYBREAK) {
		struct sk_buff *small = netdev_alloc_skb_ip_align(dev, flen);
		if (!small)
			goto bad;
		memcpy(skb_put(small, flen), skb->data, flen);
		skb = small; /* the big buffer stays the spare */
	} else {
		skb_put(skb, flen);
		p->spare = NULL;
	}
	if (virtio_net_hdr_to_skb(dev, skb, &h, tun_rx_trust(dev)) == 0)
		return skb;
	if (skb != p->spare)
		kfree_skb(skb);
bad:
	dev->stats.rx_dropped++;
	*len = 0;
	return NULL;
}

static unsigned tun_rx_batch(struct net_device *dev, struct sk_buff **skbs, unsigned max)
{
	struct tun_priv *p = dev->priv;
	uint32_t room = p->tso_rx ? tun_gso_room(dev) : tun_frame_room(dev);
	unsigned n = 0;

	while (n < max) {
		struct sk_buff *skb = p->spare;
		ssize_t len;

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
		p->spare = skb;
		if (p->vnet) {
			struct sk_buff *got = tun_read_vnet(dev, skb, room, &len);
			if (got) {
				skbs[n++] = got;
				continue;
			}
			if (len == 0)
				continue; /* a bad frame, dropped: read on */
		} else {
			len = read(p->fd, skb->data, room);
			dev->stats.rx_syscalls++;
		}
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				dev->stats.rx_syscalls_empty++;
			/* EAGAIN: drained. Anything else (EIO from an
			 * interface going down, EFAULT) ends this batch too;
			 * the next poll tries again. */
			break;
		}
		if ((uint32_t)len >= room) {
			dev->stats.rx_dropped++;
			continue;
		}
		p->spare = NULL;
		skb_put(skb, (uint32_t)len);
		skbs[n++] = skb;
	}
	return n;
}

/* One frame with its virtio-net header, in one writev. A checksum left
 * to the kernel needs the pseudo-header sum in its field; the buffer may
 * be shared with TCP's retransmission queue, so the sum goes in its own
 * piece of the vector instead of into the buffer. A buffer of lent memory
 * (MSG_ZEROCOPY) adds its pieces to the vector: the headers come from the
 * buffer, the payload from where the application keeps it. */
static ssize_t tun_write_vnet(struct net_device *dev, struct sk_buff *skb)
{
	struct tun_priv *p = dev->priv;
	struct wire_virtio_net_hdr h;
	uint8_t hbuf[WIRE_VNET_HLEN], sbuf[2];
	struct iovec iov[4 + MAX_SKB_FRAGS];
	uint16_t seed = 0;
	int n = 0;

	if (virtio_net_hdr_from_skb(dev, skb, &h, &seed)) {
		/* Nothing the header can describe: a GSO buffer the device
		 * layer should have cut, or a partial checksum of a protocol
		 * the kernel does not complete. Software does it. */
		if (skb_is_gso(skb) || skb_linearize(skb) || skb_checksum_help(dev, skb))
			return -1;
		memset(&h, 0, sizeof(h));
	}
	wire_virtio_net_hdr_emit(hbuf, &h);
	iov[n++] = (struct iovec){.iov_base = hbuf, .iov_len = sizeof(hbuf)};
	if (h.flags & VNET_HDR_F_NEEDS_CSUM) {
		/* the checksum field lies in the headers, which are linear
		 * (virtio_net_hdr_from_skb checked) */
		uint32_t at = (uint32_t)h.csum_start + h.csum_offset;
		put_be16(sbuf, seed);
		iov[n++] = (struct iovec){.iov_base = skb->data, .iov_len = at};
		iov[n++] = (struct iovec){.iov_base = sbuf, .iov_len = 2};
		n += skb_to_iovec(skb, iov + n, at + 2);
	} else {
		n += skb_to_iovec(skb, iov + n, 0);
	}
	ssize_t w;
	do {
		w = writev(p->fd, iov, n);
		dev->stats.tx_syscalls++;
	} while (w < 0 && errno == EINTR);
	return w < 0 ? w : w - (ssize_t)sizeof(hbuf);
}

static void tun_xmit(struct net_device *dev, struct sk_buff **skbs, unsigned n)
{
	struct tun_priv *p = dev->priv;

	for (unsigned i = 0; i < n; i++) {
		ssize_t w;
		if (p->vnet) {
			w = tun_write_vnet(dev, skbs[i]);
		} else {
			struct iovec iov[1 + MAX_SKB_FRAGS];
			int k = skb_to_iovec(skbs[i], iov, 0);
			do {
				w = writev(p->fd, iov, k);
				dev->stats.tx_syscalls++;
			} while (w < 0 && errno == EINTR);
		}
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
	/* The offloads outlive the descriptor on a persistent interface: a
	 * later reader without virtio-net headers would get partial
	 * checksums and 64 KB frames it cannot know about. */
	if (p->fd >= 0 && p->vnet)
		(void)ioctl(p->fd, TUNSETOFFLOAD, 0UL);
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

/* Opens /dev/net/tun and attaches to ifname as a TAP or TUN, with
 * virtio-net headers if vnet. The descriptor, or -errno. */
static int tun_attach(const char *ifname, enum ut_dev_type type, bool vnet, bool mq)
{
	struct ifreq ifr;
	int fd, err;

	fd = open(TUN_CLONE_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENXIO || errno == ENODEV ? -ENOENT
		       : errno == EACCES				    ? -EPERM
									    : -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* IFF_NO_PI: frames without the 4-byte packet information header. */
	ifr.ifr_flags = (short)((type == UT_DEV_ETHER ? IFF_TAP : IFF_TUN) | IFF_NO_PI |
				(vnet ? IFF_VNET_HDR : 0) | (mq ? IFF_MULTI_QUEUE : 0));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno == EACCES ? -EPERM : -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Asks the kernel for virtio-net headers of WIRE_VNET_HLEN bytes in
 * little-endian order and for the offloads; fills *tun_f with those
 * granted (TUN_F_*), writing into note what was refused and why. A
 * refusal of the headers themselves, or of checksum offload (without
 * which no other is possible), leaves *tun_f 0: the caller then goes
 * back to plain frames. */
static void tun_negotiate(int fd, unsigned *tun_f, char *note, size_t len)
{
	/* The kernel takes TSO only with checksum offload; each try drops
	 * the offload least likely to be there. */
	static const unsigned tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM | TUN_F_TSO4,
		TUN_F_CSUM,
	};
	int hsz = WIRE_VNET_HLEN, le = 1;

	*tun_f = 0;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hsz) < 0) {
		snprintf(note, len, "the kernel refused a %d-byte virtio-net header (%s)", hsz,
			 strerror(errno));
		return;
	}
	/* Without TUNSETVNETLE the header is in the host's order, which on
	 * a little-endian host is the same thing. */
	if (ioctl(fd, TUNSETVNETLE, &le) < 0 && htons(1) == 1) {
		snprintf(note, len,
			 "the kernel refused little-endian virtio-net headers on this "
			 "big-endian host (%s)",
			 strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0) {
			*tun_f = tries[i];
			if (i > 0)
				snprintf(note, len,
					 "the kernel refused TCP segmentation offload over %s: "
					 "those buffers are cut into frames in software",
					 i == 1 ? "IPv6" : "IPv4 and IPv6");
			return;
		}
		snprintf(note, len, "the kernel refused checksum offload (TUNSETOFFLOAD: %s)",
			 strerror(errno));
	}
}

UT_EXPORT int ut_dev_open_tuntap(struct ut_stack *stack, const char *ifname, enum ut_dev_type type,
				 unsigned flags, const uint8_t *hwaddr, struct ut_dev **out)
{
	struct net_device *dev;
	struct tun_priv *p;
	char note[sizeof(p->note)] = "";
	unsigned mtu = 1500, mode, tun_f = 0, features = 0;
	bool up = false, vnet = !(flags & UT_DEV_F_NO_OFFLOAD), mq = flags & UT_DEV_F_MULTI_QUEUE;
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
	fd = tun_attach(ifname, type, vnet, mq);
	if (fd == -EINVAL && vnet) {
		/* A kernel without IFF_VNET_HDR refuses the whole request. */
		snprintf(note, sizeof(note),
			 "the kernel refused virtio-net headers (IFF_VNET_HDR)");
		vnet = false;
		fd = tun_attach(ifname, type, false, mq);
	}
	if (fd < 0)
		return fd;
	if (vnet) {
		tun_negotiate(fd, &tun_f, note, sizeof(note));
		if (!tun_f) {
			/* The flag is the interface's, set at attach: plain
			 * frames need a descriptor attached without it. */
			close(fd);
			vnet = false;
			fd = tun_attach(ifname, type, false, mq);
			if (fd < 0)
				return fd;
		}
	}
	if (!vnet) {
		/* A persistent interface keeps the offloads a reader with
		 * virtio-net headers was granted; this reader could not
		 * tell their partial checksums and 64 KB frames apart. */
		if (ioctl(fd, TUNSETOFFLOAD, 0UL) < 0 && !note[0])
			snprintf(note, sizeof(note),
				 "the kernel would not turn its offloads off (%s): "
				 "frames may arrive with partial checksums",
				 strerror(errno));
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
	p->vnet = vnet;
	dev->fd = fd;
	snprintf(p->note, sizeof(p->note), "%s", note);
	dev->offload_note = p->note;
	p->tso_rx = (tun_f & (TUN_F_TSO4 | TUN_F_TSO6)) != 0;
	/* Granted checksum offload works both ways: the kernel completes
	 * what usertcp leaves partial and vouches for (or leaves partial,
	 * from its own sockets) what it hands over, which the receive
	 * path trusts frame by frame (tun_rx_trust). Plain frames are
	 * checked in software unless the caller says otherwise. */
	if (tun_f & TUN_F_CSUM)
		features |= NETIF_F_HW_CSUM;
	if (tun_f & TUN_F_TSO4)
		features |= NETIF_F_TSO;
	if (tun_f & TUN_F_TSO6)
		features |= NETIF_F_TSO6;
	/* Frames are written with writev: a buffer of lent memory
	 * (MSG_ZEROCOPY) is sent from where it lies. */
	features |= NETIF_F_SG;
	dev->features = (flags & UT_DEV_F_RX_CSUM) | features;
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
		if (mode && mode == (type == UT_DEV_ETHER ? (unsigned)IFF_TAP : (unsigned)IFF_TUN))
			/* The right kind: then it is the queues. The kernel
			 * refuses one queue of a multi_queue interface, and
			 * more than one of an interface made without. */
			snprintf(
				buf, len,
				"%s refused this attachment: a stack per core (--threads) needs an "
				"interface made with multi_queue (ip tuntap add dev %s mode %s "
				"multi_queue user $USER), and one made so needs --threads",
				name, name, kind);
		else if (mode)
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
