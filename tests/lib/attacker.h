/* An attacking host for a tcpworld: a third simulated host, "attacker" at
 * 10.0.1.1, joined to the server (10.0.1.2 on its second device) by a link
 * of its own. It puts crafted frames on that link: any source address and
 * port (spoofed), any flags, options, urgent pointer and payload, even
 * headers that lie about their lengths. The server's default route points
 * at it, as a host's route toward the Internet would, so answers to spoofed
 * sources (SYN-ACKs of a flood) really leave the server and die at the
 * attacker. Every TCP segment reaching the attacker is handed to its
 * on_segment callback, if any, and never to its own stack, so a test can
 * play a whole misbehaving peer.
 *
 * The attacker is blind unless a test gives it knowledge: tests read the
 * victim's state (tcp_sock) to aim "lucky" guesses or to play a malicious
 * peer that knows its own connection. */
#ifndef USERTCP_TESTS_ATTACKER_H
#define USERTCP_TESTS_ATTACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpworld.h"

#define ATTACKER_IP "10.0.1.1"
#define SERVER_IP2 "10.0.1.2"

struct wire_tcp;

/* A TCP segment to craft. Options are raw bytes (opts_len need not be a
 * multiple of 4: the header is padded with EOL). */
struct craft_tcp {
	uint32_t saddr, daddr; /* network order */
	uint16_t sport, dport; /* host order */
	uint32_t seq, ack;
	uint8_t flags; /* TCPHDR_* */
	uint16_t window, urg_ptr;
	const uint8_t *opts;
	size_t opts_len; /* at most 40 */
	const void *payload;
	size_t len;
};

struct attacker {
	struct tcpworld *w;
	struct ut_stack *host;
	struct ut_sim_link *link;
	void *dev; /* the attacker's struct net_device */
	uint8_t server_mac[6];
	uint64_t frames_sent;	/* crafted frames put on the link */
	uint64_t segments_seen; /* TCP segments that reached the attacker */
	/* Called for every TCP segment reaching the attacker (from the
	 * server): th's payload points into the frame, valid during the
	 * call only. */
	void (*on_segment)(struct attacker *a, uint32_t saddr, uint32_t daddr,
			   const struct wire_tcp *th, void *arg);
	void *arg;
};

/* Adds the attacker host and its link to w, gives the server 10.0.1.2/24
 * on the new device and a default route through the attacker, and lets
 * ARP settle both ways. */
void attacker_add(struct tcpworld *w, struct attacker *a);

/* Writes the TCP header (checksummed for saddr/daddr) and payload into buf
 * (room for 60 + len bytes); returns the segment's length. */
size_t build_tcp(uint8_t *buf, const struct craft_tcp *t);

/* Sends an IPv4 packet (header included, not checked) as an Ethernet frame
 * from the attacker to the server, now. */
void attacker_send_ip(struct attacker *a, const void *packet, size_t len);
/* Crafts t as an IPv4 datagram (TTL 64, id 0, checksums right) and sends
 * it. */
void attacker_send_tcp(struct attacker *a, const struct craft_tcp *t);

/* A peer played by the test from the attacker's own address: it opens a
 * connection with a SYN carrying whatever options the test gives, then
 * takes what the server sends in order, acknowledging every segment with
 * a fixed window, and records the sizes of the data segments. Enough to
 * be a peer no socket API can make (a 1-byte MSS, say). */
struct raw_peer {
	struct attacker *a;
	uint16_t port, dport; /* ours, the server's */
	uint32_t snd_nxt, rcv_nxt;
	uint16_t window; /* offered in every segment (unscaled) */
	bool established, fin_seen;
	uint8_t *rcvd; /* in-order bytes received */
	size_t nrcvd, cap;
	uint32_t data_segments, min_seg, max_seg; /* payload sizes seen */
	uint32_t resets_seen;
};
/* Sends the SYN, with syn_len bytes of data if syn_data (the ACK of the
 * SYN-ACK follows by itself). rcvd must hold cap bytes. */
void raw_peer_connect(struct attacker *a, struct raw_peer *p, uint16_t port, uint16_t dport,
		      const uint8_t *syn_opts, size_t syn_opts_len, const void *syn_data,
		      size_t syn_len, uint8_t *rcvd, size_t cap);
/* Sends data (flags added to ACK) at snd_nxt and advances it. */
void raw_peer_send(struct raw_peer *p, uint8_t flags, uint16_t urg_ptr, const void *data,
		   size_t len);

/* ---- helpers for the tests that use them --------------------------------*/

struct tcp_sock;
/* The server's end of the client's connection cfd to server port. */
struct tcp_sock *tw_server_tp(struct tcpworld *w, int cfd, uint16_t port);
/* A segment from the client's address and port to the server's port:
 * what a spoofing attacker who knows the 4-tuple sends (window 1000, the
 * rest zero). */
struct craft_tcp spoof_client(struct tcpworld *w, int cfd, uint16_t port);
/* A listener (backlog 16) on every address of the server, so the attacker
 * reaches it at 10.0.1.2 and the stack itself over lo. */
int listen_any(struct tcpworld *w, uint16_t port);
/* A world (seed) in which the attacker's raw peer, from peer_port with
 * these SYN options, has a connection accepted by a listen_any listener
 * on port: *l, and the accepted descriptor returned. */
int raw_pair_opts(struct tcpworld *w, struct attacker *a, struct raw_peer *p, uint64_t seed,
		  uint16_t port, uint16_t peer_port, const uint8_t *syn_opts, size_t syn_opts_len,
		  uint8_t *rcvd, size_t cap, int *l);
#define raw_pair(w, a, p, seed, port, peer_port, rcvd, cap, l) \
	raw_pair_opts(w, a, p, seed, port, peer_port, NULL, 0, rcvd, cap, l)
/* The peer resets the connection; the descriptors are closed and the
 * world is checked and destroyed (tw_done). */
void raw_pair_done(struct tcpworld *w, struct raw_peer *p, int l, int s);

#endif
