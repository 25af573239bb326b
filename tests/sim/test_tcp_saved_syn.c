/* TCP_SAVE_SYN and TCP_SAVED_SYN as Linux keeps them: a listener told to
 * keeps the headers of each SYN it answers (IP's and TCP's with 1, the
 * link's too with 2), and the accepted connection hands them out once. */
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "net/wire.h"
#include "tcpworld.h"
#include "test.h"
#include "testnet.h"

#define PORT 8080

static void set_save(struct ut_stack *st, int fd, int v)
{
	CHECK_EQ(ut_setsockopt(st, fd, IPPROTO_TCP, TCP_SAVE_SYN, &v, sizeof(v)), 0);
}

static void saved_pair(struct tcpworld *w, int save, uint64_t seed, int *l, int *c, int *s)
{
	tw_make(w, seed, NULL);
	*l = tw_listen(w, PORT, 4);
	if (save >= 0)
		set_save(w->s, *l, save);
	*c = tw_connect_nb(w, PORT);
	tw_run(w, 1500 * MS);
	*s = ut_accept(w->s, *l, NULL, NULL);
	CHECK(*s >= 0);
}

TEST(an_accepted_connection_hands_out_its_syns_ip_and_tcp_headers_once)
{
	struct tcpworld w;
	uint8_t buf[128];
	socklen_t len;
	int l, c, s, v = 3;

	saved_pair(&w, 1, 1, &l, &c, &s);
	/* 3 is no mode: refused */
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_SAVE_SYN, &v, sizeof(v)), -1);
	CHECK_EQ(errno, EINVAL);
	/* too small a buffer: EINVAL, and the length it takes */
	len = 10;
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(len, 60);
	len = sizeof(buf);
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len), 0);
	/* a 20-byte IP header, then TCP's with MSS, SACK, timestamps and
	 * window scale: 40 bytes, SYN alone set, from the client */
	CHECK_EQ(len, 60);
	CHECK_EQ(buf[0], 0x45);
	CHECK_EQ(buf[9], IPPROTO_TCP);
	CHECK_MEM_EQ(buf + 12, &(uint32_t){ip4(CLIENT_IP)}, 4);
	CHECK_EQ(get_be16(buf + 22), PORT);
	CHECK_EQ(buf[32] >> 4, 10);
	CHECK_EQ(buf[33], TCPHDR_SYN);
	/* once */
	len = sizeof(buf);
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len), 0);
	CHECK_EQ(len, 0);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(tcp_save_syn_2_keeps_the_link_header_too)
{
	struct tcpworld w;
	uint8_t buf[128];
	socklen_t len = sizeof(buf);
	int l, c, s;

	saved_pair(&w, 2, 2, &l, &c, &s);
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len), 0);
	CHECK_EQ(len, 14 + 60);
	CHECK_EQ(get_be16(buf + 12), 0x0800); /* IPv4's ethertype */
	CHECK_EQ(buf[14], 0x45);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(without_tcp_save_syn_nothing_is_kept)
{
	struct tcpworld w;
	uint8_t buf[128];
	socklen_t len = sizeof(buf);
	int l, c, s;

	saved_pair(&w, -1, 3, &l, &c, &s);
	CHECK_EQ(ut_getsockopt(w.s, s, IPPROTO_TCP, TCP_SAVED_SYN, buf, &len), 0);
	CHECK_EQ(len, 0);
	tw_pair_close(&w, l, c, s);
	tw_done(&w);
}

TEST(a_request_that_never_completes_frees_its_saved_syn)
{
	struct tcpworld w;
	int l, c;

	tw_make(&w, 4, NULL);
	l = tw_listen(&w, PORT, 4);
	set_save(w.s, l, 1);
	/* TCP_DEFER_ACCEPT keeps the request in the SYN queue */
	CHECK_EQ(ut_setsockopt(w.s, l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &(int){30}, sizeof(int)), 0);
	c = tw_connect_nb(&w, PORT);
	tw_run(&w, 1500 * MS);
	CHECK_EQ(tw_counter(w.s, "TcpExt", "TCPDeferAcceptDrop"), 1);
	/* the listener goes with the request and its saved SYN (the
	 * sanitizers' leak check would see it stay) */
	ut_close(w.s, l);
	ut_close(w.c, c);
	tw_run(&w, 100 * MS);
	tw_done(&w);
}
