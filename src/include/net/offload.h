/* Software segmentation (GSO) of buffers of several TCP segments, and the
 * merging of received segments into such buffers (GRO): Linux's
 * protocols' gso_segment, gro_receive and gro_complete callbacks. Each
 * family registers its struct packet_offload with dev_add_offload;
 * skb_gso_segment and napi_gro_receive (net/netdevice.h, net/gro.h) find
 * it by ethertype. */
#ifndef USERTCP_NET_OFFLOAD_H
#define USERTCP_NET_OFFLOAD_H

#include <netinet/in.h>

#include "net/netdevice.h"
#include "net/skbuff.h"

/* IPv4's offloads (Linux's ip_packet_offload, in af_inet.c there) and
 * IPv6's (ipv6_packet_offload). */
extern const struct packet_offload ip_packet_offload;
extern const struct packet_offload ipv6_packet_offload;

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

/* GRO: TCP's rules for either family (Linux's tcp_gro_receive). The
 * family has checked its network header, set NAPI_GRO_CB(skb)->thoff
 * (the TCP header's offset from skb->data) and skb's transport header,
 * verified the checksum (or set flush), and marked the held packets of
 * other addresses not same_flow; tcp_len is the TCP header and payload
 * its network header declares, no more than skb holds. Merges skb into
 * the held packet of its connection when it continues it exactly (next
 * sequence number, same ACK, window, flags but CWR, PSH and FIN, and
 * options byte for byte, no longer than the first segment, under
 * GRO_MAX_SIZE), and returns the held packet that must go up now. */
struct sk_buff *tcp_gro_receive(struct sk_buff_head *head, struct sk_buff *skb, uint32_t tcp_len);
/* A merged packet's TCP side (Linux's tcp_gro_complete): gso_size, the
 * count, gso_type, and ip_summed CHECKSUM_UNNECESSARY. */
void tcp_gro_complete(struct sk_buff *skb, uint32_t gso_type);
int tcp6_gso_segment(struct sk_buff *skb, struct sk_buff_head *segs);

#endif
