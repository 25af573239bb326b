/* IPv4 (net/ipv4/ip_input.c, ip_output.c, ip_fragment.c). */
#ifndef USERTCP_NET_IP_H
#define USERTCP_NET_IP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "net/compiler.h"
#include "net/skbuff.h"
#include "net/timer.h"
#include "net/wire.h"

struct ut_stack;
struct net_device;

/* What the IP layer learned about a received packet, kept in skb->cb while
 * the packet travels up (Linux's IPCB(skb)). */
struct inet_skb_parm {
	uint32_t saddr, daddr; /* network order */
	uint16_t tot_len, frag_off, id;
	uint8_t ttl, tos, protocol, ihl; /* ihl in bytes */
	uint8_t flags;			 /* IPSKB_* */
};
#define IPSKB_REASSEMBLED 0x01
#define IPSKB_BROADCAST 0x02
#define IPCB(skb) ((struct inet_skb_parm *)(void *)((skb)->cb))

/* The IPv4 header of a packet received (Linux's ip_hdr): ip_rcv validated
 * it and set the offset (ip_local_deliver again for a reassembled
 * datagram), and it stays in the buffer, before skb->data, for as long as
 * the packet is held, whatever the transport pulls. A layer above reads
 * the addresses from it rather than keep a copy in its control block (TCP,
 * as Linux's does). A buffer that never went through ip_rcv has no such
 * header: asking for it is a bug. */
static inline const uint8_t *ip_hdr(const struct sk_buff *skb)
{
	BUG_ON(skb->network_header == SKB_HDR_UNSET);
	return skb_network_header(skb);
}
/* Its source and destination, network order as sock_common keeps them
 * (RFC 791: bytes 12 and 16 of the header). */
static inline uint32_t ip_hdr_saddr(const struct sk_buff *skb)
{
	uint32_t a;
	memcpy(&a, ip_hdr(skb) + 12, sizeof(a));
	return a;
}
static inline uint32_t ip_hdr_daddr(const struct sk_buff *skb)
{
	uint32_t a;
	memcpy(&a, ip_hdr(skb) + 16, sizeof(a));
	return a;
}

/* A transport protocol's entry points (Linux's struct net_protocol). */
struct net_protocol {
	/* A datagram for us: skb->data at the transport header, IPCB filled.
	 * Consumes skb. */
	void (*handler)(struct sk_buff *skb);
	/* An ICMP error about a datagram we sent: skb->data at the quoted
	 * transport header (at least 8 bytes), IPCB describing the quoted IP
	 * header, type/code/info from the ICMP message. Does not consume. */
	void (*err_handler)(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code,
			    uint32_t info);
};

/* Recomputes the header checksum of the IPv4 header at iph (ihl bytes)
 * after a field changed (Linux's ip_send_check). */
static inline void ip_send_check(uint8_t *iph, size_t ihl)
{
	put_be16(iph + 10, 0);
	put_be16(iph + 10, csum_fold(csum_partial(iph, ihl, 0)));
}

/* ---- input ----------------------------------------------------------------*/
/* IPv4 receive: validation, reassembly, delivery. Consumes skb. */
void ip_rcv(struct sk_buff *skb);

/* ---- output ---------------------------------------------------------------*/
struct ip_out_params {
	uint32_t saddr; /* 0: chosen from the route */
	uint32_t daddr;
	uint8_t protocol;
	uint8_t tos;
	int ttl;	  /* <= 0: net.ipv4.ip_default_ttl */
	uint8_t pmtudisc; /* IP_PMTUDISC_* */
	int oif;	  /* out through this device (0: the route's) */
};
/* Path MTU discovery modes (Linux's IP_MTU_DISCOVER values). */
#define IP_PMTUDISC_DONT 0 /* never set DF: fragment as needed */
#define IP_PMTUDISC_WANT 1 /* DF when it fits, fragment when it does not */
#define IP_PMTUDISC_DO 2   /* always DF: too big is EMSGSIZE */
/* Puts an IPv4 header in front of skb->data (the transport header and
 * payload, with MAX_HEADER headroom) and sends it: route lookup, source
 * selection, fragmentation when larger than the MTU and DF is clear,
 * neighbour resolution. Consumes skb. Returns 0 or -ENETUNREACH,
 * -EMSGSIZE (IP_PMTUDISC_DO and too big), -ENOBUFS. If saddr_out is not NULL it
 * receives the source address chosen (before anything is sent, so the
 * caller may compute a pseudo-header checksum through fill_csum). */
int ip_send_skb(struct ut_stack *stack, struct sk_buff *skb, const struct ip_out_params *p,
		void (*fill_csum)(struct sk_buff *skb, uint32_t saddr, uint32_t daddr));
/* ip_send_skb for TCP (Linux's ip_queue_xmit): a frame the device's queue
 * refused is NET_XMIT_DROP (positive), not -ENOBUFS, so that TCP can tell
 * local congestion from a failure. */
int ip_queue_xmit(struct ut_stack *stack, struct sk_buff *skb, const struct ip_out_params *p,
		  void (*fill_csum)(struct sk_buff *skb, uint32_t saddr, uint32_t daddr));

struct fib_result;
/* Sends a complete IPv4 packet (data at its header) along a route already
 * chosen: fragments it if larger than the device MTU (or -EMSGSIZE when
 * DF is set), then resolves the next hop. Consumes skb. */
int ip_output(struct ut_stack *stack, struct sk_buff *skb, const struct fib_result *res);

/* Forwarding (ip_forward.c), when net.ipv4.ip_forward is 1: a packet for
 * another host, data at its IP header, IPCB filled. Consumes skb. */
void ip_forward(struct sk_buff *skb);

/* The IP id for a packet (RFC 6864: unique per (src, dst, protocol) while
 * fragments may be in flight): per-destination-hash counters with a
 * secret-keyed hash, like Linux's ip_idents. */
uint16_t ip_select_ident(struct ut_stack *stack, uint32_t saddr, uint32_t daddr, uint8_t protocol);

/* ---- fragment reassembly (ip_fragment.c) --------------------------------*/
struct ipq;
struct ipq_table {
	struct ipq **hash;
	uint32_t hash_mask;
	uint32_t nqueues;
	uint64_t mem; /* truesize of held fragments */
	uint32_t hash_rnd;
};
int ipq_table_init(struct ipq_table *t, struct ut_stack *stack);
void ipq_table_destroy(struct ipq_table *t);
/* Adds a fragment (data at the IP header, IPCB filled). Returns the whole
 * datagram (data at its IP header, IPCB updated) when this fragment
 * completes it, else NULL. Consumes skb either way. */
struct sk_buff *ip_defrag(struct ut_stack *stack, struct sk_buff *skb);

#endif
