/* ICMPv4 (net/ipv4/icmp.c) and echo for applications (net/ipv4/ping.c). */
#ifndef USERTCP_NET_ICMP_H
#define USERTCP_NET_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/skbuff.h"

struct ut_stack;

/* Token bucket for net.ipv4.icmp_msgs_per_sec / icmp_msgs_burst. */
struct icmp_global_limit {
	uint64_t credit; /* tokens */
	uint64_t stamp;	 /* jiffies of last refill */
};

/* Per-destination limit (Linux keeps it in the inet_peer cache): a token
 * bucket per peer address, in a small direct-mapped table. */
#define ICMP_PEER_SLOTS 256
struct icmp_peer_limit {
	uint32_t daddr;
	uint64_t tokens; /* jiffies of credit */
	uint64_t stamp;
};

/* ICMP's share of a new stack: the global rate limit's bucket, full. */
void icmp_init(struct ut_stack *stack);
void icmp_rcv(struct sk_buff *skb);
/* ICMP's entry in inet_protos (icmp.c). */
extern const struct net_protocol icmp_protocol;
/* Sends an ICMP error about skb_in (data anywhere; network header set,
 * IPCB filled), following RFC 1122 3.2.2: never about an ICMP error, a
 * non-first fragment, a broadcast or multicast, or an unspecified source;
 * rate limited as Linux does. info: next-hop MTU for FRAG_NEEDED. */
void icmp_send(struct sk_buff *skb_in, uint8_t type, uint8_t code, uint32_t info);

/* The rate limits IPv6 shares with IPv4, as in Linux. The global bucket
 * (net.ipv4.icmp_msgs_per_sec, icmp_msgs_burst): true takes a token. The
 * per-destination bucket of daddr (a key: an IPv4 address, or a hash of
 * an IPv6 one): one error per timeout jiffies, bursts of six. */
bool icmp_global_allow(struct ut_stack *stack);
bool icmp_peer_allow(struct ut_stack *stack, uint32_t daddr, uint64_t timeout);

/* Counts an outgoing message in OutMsgs and its type's Out counter. */
void icmp_out_count(struct ut_stack *stack, uint8_t type);
/* ip_send_skb's fill_csum for ICMP: the checksum over the whole message at
 * skb->data (ICMP needs no pseudo-header; the addresses are unused). */
void icmp_fill_csum(struct sk_buff *skb, uint32_t saddr, uint32_t daddr);

/* ping.c: delivery of echo replies and errors to the application. */
void ping_rcv_reply(struct sk_buff *skb);
void ping_err(struct sk_buff *skb, uint32_t from, uint8_t type, uint8_t code, uint32_t info);

/* The errno an ICMP error means for a socket, and whether it is hard
 * (Linux's icmp_err_convert); 0 for types that are not errors. */
int icmp_err_convert(uint8_t type, uint8_t code, bool *fatal);

#endif
