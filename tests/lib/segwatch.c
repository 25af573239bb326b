#include "segwatch.h"

#include <string.h>

#include "net/inet_ecn.h"
#include "net/netdevice.h"
#include "net/wire.h"

static enum rx_handler_result segwatch_rx(struct sk_buff *skb, void *data)
{
	struct segwatch *sw = data;
	struct wire_eth eth;
	struct wire_ipv4 ip;
	struct wire_tcp th;
	struct wire_tcp_opts opts;
	struct seg_seen *s;

	if (wire_eth_parse(skb->data, skb->len, &eth) != WIRE_OK || eth.proto != ETH_P_IP ||
	    wire_ipv4_parse(eth.payload, eth.payload_len, true, &ip) != WIRE_OK ||
	    ip.protocol != IPPROTO_TCP_ ||
	    wire_tcp_parse(ip.payload, ip.payload_len, &th) != WIRE_OK)
		return RX_HANDLER_PASS;
	(void)wire_tcp_parse_options(th.opts, th.opts_len, th.flags & TCPHDR_SYN, &opts);
	if (sw->n < SEGWATCH_MAX) {
		s = &sw->seen[sw->n];
		memset(s, 0, sizeof(*s));
		s->tos = ip.tos;
		s->flags = th.flags;
		s->seq = th.seq;
		s->ack = th.ack_seq;
		s->urg_ptr = th.urg_ptr;
		s->len = (uint32_t)th.payload_len;
		s->num_sacks = opts.num_sacks;
		for (unsigned i = 0; i < opts.num_sacks && i < 4; i++) {
			s->sacks[i].start = opts.sacks[i].start;
			s->sacks[i].end = opts.sacks[i].end;
		}
	}
	sw->n++;
	if (sw->mark_ce_data && th.payload_len && skb_unshare_data(skb) == 0) {
		uint8_t *iph = skb->data + ETH_HLEN;
		IP_ECN_set_ce(iph, (size_t)(iph[0] & 0xf) * 4);
	}
	return RX_HANDLER_PASS;
}

void segwatch_attach(struct segwatch *sw, struct ut_dev *dev)
{
	struct net_device *nd = netdev_from_ut(dev);

	memset(sw, 0, sizeof(*sw));
	nd->rx_handler = segwatch_rx;
	nd->rx_handler_data = sw;
}

void segwatch_detach(struct ut_dev *dev)
{
	struct net_device *nd = netdev_from_ut(dev);

	nd->rx_handler = NULL;
	nd->rx_handler_data = NULL;
}

unsigned segwatch_count(const struct segwatch *sw, uint8_t mask, uint8_t want)
{
	unsigned c = 0;

	for (unsigned i = 0; i < sw->n && i < SEGWATCH_MAX; i++)
		if ((sw->seen[i].flags & mask) == want)
			c++;
	return c;
}
