/* Software segmentation (GSO) of buffers of several TCP segments (Linux's
 * protocols' gso_segment callbacks): each family registers its own with
 * dev_add_offload, and skb_gso_segment (net/netdevice.h) finds it. */
#ifndef USERTCP_NET_OFFLOAD_H
#define USERTCP_NET_OFFLOAD_H

#include <netinet/in.h>

#include "net/skbuff.h"

/* IPv4's part: total length, id (+1 a segment) and header checksum of
 * each segment, after TCP's (Linux's inet_gso_segment). */
int inet_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
/* IPv6's part: the payload length of each segment, after TCP's (Linux's
 * ipv6_gso_segment); TCP directly after the IPv6 header only (TCP sends
 * no extension headers). */
int ipv6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
/* TCP's part, for either family: payload of gso_size a segment, sequence
 * numbers, CWR on the first only, PSH and FIN on the last only, and each
 * segment's checksum by csum (the family's pseudo-header over the
 * transport header and payload of tcp_len bytes at th; ctx its
 * addresses), unless the buffer's is left to the device (Linux's
 * tcp_gso_segment, which tcp4_gso_segment and tcp6_gso_segment call). */
int tcp_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs,
		    uint16_t (*csum)(const void *ctx, const uint8_t *th, uint32_t tcp_len),
		    const void *ctx);
int tcp4_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);
int tcp6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);

#endif
