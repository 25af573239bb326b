/* D-SACK on receipt (RFC 2883, Linux's tcp_check_dsack): the first SACK
 * block reports a duplicate when it lies below the ACK or inside the
 * second block; one that reports more duplicates than were ever
 * retransmitted is not believed. The peer's ACKs are written by hand
 * (ackinject.h). */
#include "ackinject.h"
#include "net/sock.h"
#include "net/stack.h"
#include "net/tcp.h"
#include "tcpworld.h"
#include "test.h"

TEST(a_first_block_below_the_ack_is_a_dsack)
{
	struct flight f;
	flight_recover(&f, 41, 10);

	struct ack_block d = flight_segs(&f, 0, 1);
	flight_ack_later(&f, f.una + 4 * f.mss, 0, &d, 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKRecv"), 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKRecvSegs"), 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKOfoRecv"), 0);
	CHECK_EQ(f.tp->dsack_dups, 1);
	flight_done(&f);
}

TEST(a_first_block_inside_the_second_is_a_dsack_of_out_of_order_data)
{
	struct flight f;
	flight_recover(&f, 42, 10);

	/* segment 2 reported twice, inside the block 1..3 */
	struct ack_block d[2] = {flight_segs(&f, 2, 3), flight_segs(&f, 1, 4)};
	tw_inject_ack(&f.w, f.c, f.una, 0, d, 2);
	CHECK_EQ(flight_ext(&f, "TCPDSACKOfoRecv"), 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKRecv"), 0);
	CHECK_EQ(f.tp->dsack_dups, 1);
	CHECK_EQ(f.tp->sacked_out, 3);
	flight_done(&f);
}

TEST(a_dsack_of_more_duplicates_than_were_ever_retransmitted_is_ignored)
{
	struct flight f;
	flight_setup(&f, 43, 10);

	/* nothing was sent twice: a "duplicate" is a lie or a bug */
	struct ack_block d = flight_segs(&f, 0, 1);
	flight_ack_later(&f, f.una + 2 * f.mss, 0, &d, 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKRecv"), 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKIgnoredDubious"), 1);
	CHECK_EQ(flight_ext(&f, "TCPDSACKRecvSegs"), 0);
	CHECK_EQ(f.tp->rack.dsack_seen, false);
	flight_done(&f);
}
