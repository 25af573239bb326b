/* Between sk_buffs and the virtio-net header of a TAP or TUN descriptor
 * opened with IFF_VNET_HDR (Linux's include/linux/virtio_net.h helpers):
 * what a received header says about its frame, and the header a frame
 * to send needs. The header's bytes themselves are the wire layer's
 * (wire_virtio_net_hdr_parse/emit). */
#ifndef USERTCP_NET_VIRTIO_NET_H
#define USERTCP_NET_VIRTIO_NET_H

#include <stdbool.h>

#include "net/skbuff.h"
#include "net/wire.h"

struct net_device;

/* Applies a received header h to skb, a frame of dev (skb->data at its
 * first byte, link header included on a TAP). A GSO frame must hold what
 * its type says (IPv4 or IPv6 carrying TCP directly, headers inside the
 * frame, payload present) and becomes one skb of gso_segs segments of
 * gso_size, typed SKB_GSO_TCPV4 or SKB_GSO_TCPV6 and SKB_GSO_DODGY, as a
 * GRO-merged one is. Checksums: with trust, a partial one (NEEDS_CSUM: a
 * sender in the same host, which will never corrupt it on a wire) and
 * one the kernel vouches for (DATA_VALID) count as verified
 * (CHECKSUM_UNNECESSARY), as Linux's virtio_net and tun take them;
 * without (the frame may be forwarded, or an impairment may corrupt it),
 * a partial checksum is completed in software and nothing is trusted.
 * 0, or -EINVAL for a frame its header does not describe (to be
 * dropped). */
int virtio_net_hdr_to_skb(const struct net_device *dev, struct sk_buff *skb,
			  const struct wire_virtio_net_hdr *h, bool trust);

/* What a frame to send needs in front of it: for a GSO buffer, its type,
 * gso_size, hdr_len and NEEDS_CSUM; for a buffer whose checksum was left
 * partial, NEEDS_CSUM; otherwise nothing (all zero). With NEEDS_CSUM,
 * *seed is the pseudo-header sum (host order, for put_be16) to stand in
 * the checksum field at h->csum_start + h->csum_offset while the kernel
 * sums the rest, as Linux's partial checksums have it; the buffer itself
 * is not written (it may be shared with TCP's retransmission queue).
 * 0, or -EINVAL when the frame is not one the header can describe (the
 * caller then completes it in software: skb_checksum_help). */
int virtio_net_hdr_from_skb(const struct net_device *dev, const struct sk_buff *skb,
			    struct wire_virtio_net_hdr *h, uint16_t *seed);

/* Fills in a checksum left partial (CHECKSUM_PARTIAL) in software, for a
 * medium that will not (Linux's skb_checksum_help). The data is made
 * private first if shared. 0, -EINVAL (not TCP or UDP over IP),
 * -ENOBUFS. */
int skb_checksum_help(const struct net_device *dev, struct sk_buff *skb);

#endif
