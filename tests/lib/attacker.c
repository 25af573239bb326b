#include "attacker.h"

#include <arpa/inet.h>
#include <string.h>

#include "net/simnet.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "test.h"
#include "testnet.h"

/* Every TCP segment reaching the attacker goes to the test, never to the
 * attacker's own stack (which would answer with resets); ARP and the rest
 * pass, so neighbours resolve as usual. */
static enum rx_handler_result attacker_rx(struct sk_buff *skb, void *data)
{
	struct attacker *a = data;
	struct wire_eth eth;
	struct wire_ipv4 ip;
	struct wire_tcp th;

	if (wire_eth_parse(skb->data, skb->len, &eth) != WIRE_OK || eth.proto != ETH_P_IP ||
	    wire_ipv4_parse(eth.payload, eth.payload_len, true, &ip) != WIRE_OK ||
	    ip.protocol != IPPROTO_TCP_)
		return RX_HANDLER_PASS;
	if (wire_tcp_parse(ip.payload, ip.payload_len, &th) == WIRE_OK) {
		a->segments_seen++;
		if (a->on_segment)
			a->on_segment(a, ip.saddr, ip.daddr, &th, a->arg);
	}
	kfree_skb(skb);
	return RX_HANDLER_CONSUMED;
}

void attacker_add(struct tcpworld *w, struct attacker *a)
{
	struct net_device *adev, *sdev;
	struct ut_link_params lp;

	memset(a, 0, sizeof(*a));
	a->w = w;
	ut_link_params_init(&lp);
	lp.delay_ns = 1 * MS;
	CHECK_EQ(ut_sim_host_add(w->sim, "attacker", &a->host), 0);
	CHECK_EQ(ut_sim_link_add(w->sim, a->host, w->s, &lp, &a->link), 0);
	adev = netdev_from_ut(ut_sim_link_dev(a->link, 0));
	sdev = netdev_from_ut(ut_sim_link_dev(a->link, 1));
	CHECK_EQ(ut_addr_add(a->host, netdev_to_ut(adev), ipaddr(ATTACKER_IP), 24), 0);
	CHECK_EQ(ut_addr_add(w->s, netdev_to_ut(sdev), ipaddr(SERVER_IP2), 24), 0);
	CHECK_EQ(ut_route_add(w->s, ipaddr("0.0.0.0"), 0, ipaddr(ATTACKER_IP), NULL), 0);
	memcpy(a->server_mac, sdev->dev_addr, 6);
	a->dev = adev;
	adev->rx_handler = attacker_rx;
	adev->rx_handler_data = a;
	CHECK_EQ(ut_neigh_resolve(w->s, ipaddr(ATTACKER_IP)), 0);
	CHECK_EQ(ut_neigh_resolve(a->host, ipaddr(SERVER_IP2)), 0);
	tw_run(w, 100 * MS);
}

size_t build_tcp(uint8_t *buf, const struct craft_tcp *t)
{
	uint8_t opts[40];
	struct wire_tcp th;
	size_t olen = (t->opts_len + 3) & ~(size_t)3;

	CHECK(t->opts_len <= sizeof(opts));
	memset(opts, TCPOPT_EOL, sizeof(opts));
	if (t->opts_len)
		memcpy(opts, t->opts, t->opts_len);
	memset(&th, 0, sizeof(th));
	th.sport = t->sport;
	th.dport = t->dport;
	th.seq = t->seq;
	th.ack_seq = t->ack;
	th.flags = t->flags;
	th.window = t->window;
	th.urg_ptr = t->urg_ptr;
	th.opts = opts;
	th.opts_len = olen;
	size_t hlen = wire_tcp_emit(buf, &th);
	CHECK(hlen == 20 + olen);
	if (t->len)
		memcpy(buf + hlen, t->payload, t->len);
	put_be16(buf + 16, csum_tcpudp(t->saddr, t->daddr, IPPROTO_TCP_, buf, hlen + t->len));
	return hlen + t->len;
}

void attacker_send_ip(struct attacker *a, const void *packet, size_t len)
{
	struct net_device *dev = a->dev;
	struct sk_buff *skb = stack_alloc_skb(a->host, (uint32_t)(ETH_HLEN + len));

	CHECK(skb != NULL);
	wire_eth_emit(skb_put(skb, (uint32_t)(ETH_HLEN + len)), a->server_mac, dev->dev_addr,
		      ETH_P_IP);
	memcpy(skb->data + ETH_HLEN, packet, len);
	skb->dev = dev;
	/* Straight onto the wire, now: the attacker needs no stack. */
	sim_link_transmit(a->link, 0, skb);
	a->frames_sent++;
}

void attacker_send_tcp(struct attacker *a, const struct craft_tcp *t)
{
	uint8_t seg[60 + 1500], pkt[20 + sizeof(seg)];
	size_t n;

	CHECK(t->len <= 1500);
	n = build_tcp(seg, t);
	attacker_send_ip(a, pkt,
			 build_ipv4(pkt, t->saddr, t->daddr, IPPROTO_TCP_, 64, 0, 0, seg, n));
}

static void raw_peer_ack(struct raw_peer *p)
{
	struct craft_tcp t = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = p->port,
		.dport = p->dport,
		.seq = p->snd_nxt,
		.ack = p->rcv_nxt,
		.flags = TCPHDR_ACK,
		.window = p->window,
	};
	attacker_send_tcp(p->a, &t);
}

static void raw_peer_segment(struct attacker *a, uint32_t saddr, uint32_t daddr,
			     const struct wire_tcp *th, void *arg)
{
	struct raw_peer *p = arg;

	(void)a;
	(void)saddr;
	(void)daddr;
	if (th->dport != p->port || th->sport != p->dport)
		return;
	if (th->flags & TCPHDR_RST) {
		p->resets_seen++;
		return;
	}
	if ((th->flags & (TCPHDR_SYN | TCPHDR_ACK)) == (TCPHDR_SYN | TCPHDR_ACK)) {
		if (!p->established) {
			p->rcv_nxt = th->seq + 1;
			p->established = true;
		}
		raw_peer_ack(p);
		return;
	}
	if (!p->established)
		return;
	if (th->payload_len) {
		uint32_t n = (uint32_t)th->payload_len;
		p->data_segments++;
		if (!p->min_seg || n < p->min_seg)
			p->min_seg = n;
		if (n > p->max_seg)
			p->max_seg = n;
		/* In order only: the link neither loses nor reorders here. */
		if (th->seq == p->rcv_nxt && p->nrcvd + n <= p->cap) {
			memcpy(p->rcvd + p->nrcvd, th->payload, n);
			p->nrcvd += n;
			p->rcv_nxt += n;
		}
	}
	if ((th->flags & TCPHDR_FIN) && th->seq + th->payload_len == p->rcv_nxt) {
		p->rcv_nxt++;
		p->fin_seen = true;
	}
	if (th->payload_len || (th->flags & TCPHDR_FIN))
		raw_peer_ack(p);
}

void raw_peer_connect(struct attacker *a, struct raw_peer *p, uint16_t port, uint16_t dport,
		      const uint8_t *syn_opts, size_t syn_opts_len, const void *syn_data,
		      size_t syn_len, uint8_t *rcvd, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	p->port = port;
	p->dport = dport;
	p->snd_nxt = 0x12345678u;
	p->window = 65535;
	p->rcvd = rcvd;
	p->cap = cap;
	a->on_segment = raw_peer_segment;
	a->arg = p;
	struct craft_tcp t = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = port,
		.dport = dport,
		.seq = p->snd_nxt,
		.flags = TCPHDR_SYN,
		.window = p->window,
		.opts = syn_opts,
		.opts_len = syn_opts_len,
		.payload = syn_data,
		.len = syn_len,
	};
	attacker_send_tcp(a, &t);
	p->snd_nxt++;
}

void raw_peer_send(struct raw_peer *p, uint8_t flags, uint16_t urg_ptr, const void *data,
		   size_t len)
{
	struct craft_tcp t = {
		.saddr = ip4(ATTACKER_IP),
		.daddr = ip4(SERVER_IP2),
		.sport = p->port,
		.dport = p->dport,
		.seq = p->snd_nxt,
		.ack = p->rcv_nxt,
		.flags = (uint8_t)(TCPHDR_ACK | flags),
		.window = p->window,
		.urg_ptr = urg_ptr,
		.payload = data,
		.len = len,
	};
	attacker_send_tcp(p->a, &t);
	p->snd_nxt += (uint32_t)len + !!(flags & TCPHDR_FIN);
}

struct tcp_sock *tw_server_tp(struct tcpworld *w, int cfd, uint16_t port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct sock_common *skc;

	CHECK_EQ(ut_getsockname(w->c, cfd, (struct sockaddr *)&sin, &len), 0);
	skc = inet_lookup_established(&w->s->tcp_hashinfo, ip4(CLIENT_IP), ntohs(sin.sin_port),
				      ip4(SERVER_IP), port);
	CHECK(skc != NULL && skc->skc_state == TCP_ESTABLISHED);
	return tcp_sk(container_of(skc, struct sock, __sk_common));
}

struct craft_tcp spoof_client(struct tcpworld *w, int cfd, uint16_t port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct craft_tcp t;

	CHECK_EQ(ut_getsockname(w->c, cfd, (struct sockaddr *)&sin, &len), 0);
	memset(&t, 0, sizeof(t));
	t.saddr = ip4(CLIENT_IP);
	t.daddr = ip4(SERVER_IP);
	t.sport = ntohs(sin.sin_port);
	t.dport = port;
	t.window = 1000;
	return t;
}

int listen_any(struct tcpworld *w, uint16_t port)
{
	struct sockaddr_in sin = tw_addr("0.0.0.0", port);
	int fd = ut_socket(w->s, AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	CHECK_EQ(ut_bind(w->s, fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	CHECK_EQ(ut_listen(w->s, fd, 16), 0);
	return fd;
}

int raw_pair_opts(struct tcpworld *w, struct attacker *a, struct raw_peer *p, uint64_t seed,
		  uint16_t port, uint16_t peer_port, const uint8_t *syn_opts, size_t syn_opts_len,
		  uint8_t *rcvd, size_t cap, int *l)
{
	int s;

	tw_make(w, seed, NULL);
	attacker_add(w, a);
	*l = listen_any(w, port);
	raw_peer_connect(a, p, peer_port, port, syn_opts, syn_opts_len, NULL, 0, rcvd, cap);
	tw_run(w, 100 * MS);
	CHECK(p->established);
	s = ut_accept(w->s, *l, NULL, NULL);
	CHECK(s >= 0);
	return s;
}

void raw_pair_done(struct tcpworld *w, struct raw_peer *p, int l, int s)
{
	raw_peer_send(p, TCPHDR_RST, 0, NULL, 0);
	tw_run(w, 100 * MS);
	ut_close(w->s, s);
	ut_close(w->s, l);
	tw_done(w);
}
