/* Software segmentation (GSO) of buffers of several TCP segments (Linux's
 * skb_gso_segment and the protocols' gso_segment callbacks). */
#ifndef USERTCP_NET_OFFLOAD_H
#define USERTCP_NET_OFFLOAD_H

#include "net/skbuff.h"

/* Cuts a GSO buffer (skb_is_gso) into wire segments, appended to segs, by
 * its link protocol (IPv4 or IPv6). Leaves skb alone. 0, or -errno with segs
 * holding what was made, to be purged. O(bytes): every segment is a copy. */
int skb_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
/* IPv4's part: total length, id (+1 a segment) and header checksum of
 * each segment, after TCP's (Linux's inet_gso_segment). */
int inet_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
/* TCP's part: payload of gso_size a segment, sequence numbers, CWR on the
 * first only, PSH and FIN on the last only, checksums (Linux's
 * tcp4_gso_segment). */
int tcp4_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
/* TCP's part under either family: csum gives a segment's TCP checksum
 * (th, tcp_len bytes) under its own network header's pseudo-header. */
int tcp_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs,
		    uint16_t (*csum)(const struct sk_buff *seg, const uint8_t *th,
				     uint32_t tcp_len));
/* IPv6's part (src/ipv6/ip6_offload.c): the payload length of each
 * segment after TCP's, whose checksums cover IPv6's pseudo-header
 * (Linux's ipv6_gso_segment and tcp6_gso_segment). */
int ipv6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);

#endif
