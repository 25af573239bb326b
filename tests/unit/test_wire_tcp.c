/* TCP headers and options (RFC 9293 section 3.1, RFC 7323, RFC 2018), and
 * sequence-number comparison across the 2^32 wrap (RFC 9293 section 3.4). */
#include "test.h"
#include "testwire.h"

#include <stdlib.h>

#include "net/wire.h"

static enum wire_err parse_exact(const uint8_t *src, size_t len, struct wire_tcp *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_tcp_parse(p, len, out);

	free(block);
	return err;
}

/* The option list of a segment with or without SYN, read from a copy of
 * exactly len bytes so that a read past the end is caught. */
static enum wire_err parse_opts_exact(const uint8_t *src, size_t len, bool syn,
				      struct wire_tcp_opts *out)
{
	uint8_t *block, *p = exact_copy(src, len, &block);
	enum wire_err err = wire_tcp_parse_options(p, len, syn, out);

	free(block);
	return err;
}

/* A Linux-style SYN: 10.0.0.1:40000 -> 10.0.0.2:80, seq 0x01020304,
 * window 64240, MSS 1460, SACK-permitted, TS 0x0a0b0c0d/0, WS 7. The same
 * bytes as in test_checksum.c, whose checksum 0x825e was computed
 * independently. */
static const uint8_t linux_syn[40] = {
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
	0xfa, 0xf0, 0x82, 0x5e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

TEST(tcp_parse_reads_a_linux_syn_and_its_options)
{
	struct wire_tcp t;
	struct wire_tcp_opts o;

	CHECK_EQ(parse_exact(linux_syn, sizeof(linux_syn), &t), WIRE_OK);
	CHECK_EQ(wire_tcp_parse(linux_syn, sizeof(linux_syn), &t), WIRE_OK);
	CHECK_EQ(t.sport, 40000);
	CHECK_EQ(t.dport, 80);
	CHECK_EQ(t.seq, 0x01020304);
	CHECK_EQ(t.ack_seq, 0);
	CHECK_EQ(t.hdr_len, 40);
	CHECK_EQ(t.flags, TCPHDR_SYN);
	CHECK_EQ(t.window, 64240);
	CHECK_EQ(t.check, 0x825e);
	CHECK_EQ(t.urg_ptr, 0);
	CHECK(t.opts == linux_syn + 20);
	CHECK_EQ(t.opts_len, 20);
	CHECK_EQ(t.payload_len, 0);
	CHECK_EQ(csum_tcpudp(ip4_bytes(10, 0, 0, 1), ip4_bytes(10, 0, 0, 2), IPPROTO_TCP_,
			     linux_syn, sizeof(linux_syn)),
		 0);

	CHECK_EQ(wire_tcp_parse_options(t.opts, t.opts_len, t.flags & TCPHDR_SYN, &o), WIRE_OK);
	CHECK(o.saw_mss && o.sack_ok && o.saw_tstamp && o.saw_wscale);
	CHECK_EQ(o.mss, 1460);
	CHECK_EQ(o.tsval, 0x0a0b0c0d);
	CHECK_EQ(o.tsecr, 0);
	CHECK_EQ(o.wscale, 7);
	CHECK_EQ(o.num_sacks, 0);
}

TEST(tcp_emit_with_emitted_options_reproduces_the_linux_syn)
{
	struct wire_tcp_opts o = {
		.saw_mss = true,
		.mss = 1460,
		.sack_ok = true,
		.saw_tstamp = true,
		.tsval = 0x0a0b0c0d,
		.tsecr = 0,
		.saw_wscale = true,
		.wscale = 7,
	};
	uint8_t opts[40];
	struct wire_tcp t = {
		.sport = 40000,
		.dport = 80,
		.seq = 0x01020304,
		.flags = TCPHDR_SYN,
		.window = 64240,
		.opts = opts,
	};
	uint8_t seg[41];

	t.opts_len = wire_tcp_emit_options(opts, &o);
	CHECK_EQ(t.opts_len, 20);
	CHECK_EQ(wire_tcp_options_len(&o), 20);
	seg[40] = 0xee;
	CHECK_EQ(wire_tcp_emit(seg, &t), 40);
	CHECK_EQ(seg[40], 0xee);
	/* The caller fills the checksum: over header and payload. */
	put_be16(seg + 16, csum_tcpudp(ip4_bytes(10, 0, 0, 1), ip4_bytes(10, 0, 0, 2), IPPROTO_TCP_,
				       seg, 40));
	CHECK_MEM_EQ(seg, linux_syn, sizeof(linux_syn));
}

TEST(tcp_emit_then_parse_gives_back_the_same_fields)
{
	static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	struct wire_tcp in = {
		.sport = 0xfffe,
		.dport = 1,
		.seq = 0xfffffff0,
		.ack_seq = 0x80000001,
		.hdr_len = 20 /* ignored */,
		.flags = 0xff,
		.window = 0xabcd,
		.check = 0x1234,
		.urg_ptr = 0x5678,
		.opts = opts,
		.opts_len = sizeof(opts),
	};
	struct wire_tcp out;
	uint8_t seg[32 + 5];

	memcpy(seg + 32, "hello", 5);
	CHECK_EQ(wire_tcp_emit(seg, &in), 32);
	CHECK_EQ(seg[12], 0x80); /* offset 8 words, reserved bits zero */
	CHECK_EQ(parse_exact(seg, sizeof(seg), &out), WIRE_OK);
	CHECK_EQ(wire_tcp_parse(seg, sizeof(seg), &out), WIRE_OK);
	CHECK_EQ(out.sport, in.sport);
	CHECK_EQ(out.dport, in.dport);
	CHECK_EQ(out.seq, in.seq);
	CHECK_EQ(out.ack_seq, in.ack_seq);
	CHECK_EQ(out.hdr_len, 32);
	CHECK_EQ(out.flags, in.flags);
	CHECK_EQ(out.window, in.window);
	CHECK_EQ(out.check, in.check);
	CHECK_EQ(out.urg_ptr, in.urg_ptr);
	CHECK(out.opts == seg + 20);
	CHECK_EQ(out.opts_len, 12);
	CHECK_MEM_EQ(out.opts, opts, 12);
	CHECK(out.payload == seg + 32);
	CHECK_EQ(out.payload_len, 5);
}

TEST(tcp_segment_checksum_filled_by_the_caller_verifies_at_the_receiver)
{
	uint32_t s = ip4_bytes(192, 0, 2, 10), d = ip4_bytes(192, 0, 2, 20);
	struct wire_tcp t = {
		.sport = 80,
		.dport = 40000,
		.seq = 7,
		.ack_seq = 9,
		.flags = TCPHDR_ACK | TCPHDR_PSH,
		.window = 502,
	};
	uint8_t seg[20 + 999];

	for (size_t i = 20; i < sizeof(seg); i++)
		seg[i] = (uint8_t)(i ^ 0x5a);
	CHECK_EQ(wire_tcp_emit(seg, &t), 20);
	t.check = csum_tcpudp(s, d, IPPROTO_TCP_, seg, sizeof(seg));
	CHECK_EQ(wire_tcp_emit(seg, &t), 20);
	CHECK_EQ(csum_tcpudp(s, d, IPPROTO_TCP_, seg, sizeof(seg)), 0);
	seg[500] ^= 0x40;
	CHECK(csum_tcpudp(s, d, IPPROTO_TCP_, seg, sizeof(seg)) != 0);
}

TEST(tcp_parse_ignores_the_reserved_bits_of_the_offset_byte)
{
	uint8_t seg[20] = {0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x5f, 0x12};
	struct wire_tcp t;

	CHECK_EQ(wire_tcp_parse(seg, sizeof(seg), &t), WIRE_OK);
	CHECK_EQ(t.hdr_len, 20);
	CHECK_EQ(t.flags, TCPHDR_SYN | TCPHDR_ACK);
}

TEST(tcp_emit_refuses_options_not_a_multiple_of_4_or_over_40_bytes)
{
	uint8_t opts[44] = {0};
	uint8_t seg[64];
	struct wire_tcp t = {.sport = 1, .dport = 2, .opts = opts};

	memset(seg, 0xee, sizeof(seg));
	t.opts_len = 3;
	CHECK_EQ(wire_tcp_emit(seg, &t), 0);
	t.opts_len = 42;
	CHECK_EQ(wire_tcp_emit(seg, &t), 0);
	t.opts_len = 44;
	CHECK_EQ(wire_tcp_emit(seg, &t), 0);
	CHECK_EQ(seg[0], 0xee); /* nothing written */
	t.opts_len = 40;
	CHECK_EQ(wire_tcp_emit(seg, &t), 60);
	CHECK_EQ(seg[12] >> 4, 15);
	t.opts_len = 0;
	t.opts = NULL;
	CHECK_EQ(wire_tcp_emit(seg, &t), 20);
	CHECK_EQ(seg[12] >> 4, 5);
}

struct tcp_bad {
	const char *name;
	uint8_t b[60];
	size_t len;
	enum wire_err want;
};

#define PORTS_SEQ_ACK 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0

TEST(tcp_parse_rejects_each_malformed_header_in_the_table)
{
	static const struct tcp_bad table[] = {
		{"empty buffer", {0}, 0, WIRE_ETRUNC},
		{"ports only", {PORTS_SEQ_ACK}, 4, WIRE_ETRUNC},
		{"19 bytes", {PORTS_SEQ_ACK, 0x50, 0x02, 0xff, 0xff, 0, 0, 0}, 19, WIRE_ETRUNC},
		{"data offset 0", {PORTS_SEQ_ACK, 0x00, 0x02}, 20, WIRE_EHDRLEN},
		{"data offset 4", {PORTS_SEQ_ACK, 0x40, 0x02}, 20, WIRE_EHDRLEN},
		{"data offset 6 in 20 bytes", {PORTS_SEQ_ACK, 0x60, 0x02}, 20, WIRE_EHDRLEN},
		{"data offset 8 in 31 bytes", {PORTS_SEQ_ACK, 0x80, 0x10}, 31, WIRE_EHDRLEN},
		{"data offset 15 in 59 bytes", {PORTS_SEQ_ACK, 0xf0, 0x10}, 59, WIRE_EHDRLEN},
	};
	struct wire_tcp t;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct tcp_bad *e = &table[i];
		enum wire_err got = parse_exact(e->b, e->len, &t);

		if (got != e->want)
			test_fail(__FILE__, __LINE__, "%s: got %s, want %s", e->name,
				  wire_strerror(got), wire_strerror(e->want));
	}
}

TEST(tcp_parse_rejects_every_length_shorter_than_20)
{
	struct wire_tcp t;

	for (size_t len = 0; len < TCP_HLEN_MIN; len++)
		CHECK_EQ(parse_exact(linux_syn, len, &t), WIRE_ETRUNC);
}

TEST(tcp_parse_of_every_prefix_stays_inside_the_buffer)
{
	uint8_t seg[40 + 11];
	struct wire_tcp t;
	struct wire_tcp_opts o;

	memcpy(seg, linux_syn, 40);
	memcpy(seg + 40, "hello world", 11);
	for (size_t len = 0; len <= sizeof(seg); len++) {
		uint8_t *block, *p = exact_copy(seg, len, &block);
		enum wire_err err = wire_tcp_parse(p, len, &t);
		enum wire_err want = len < 20 ? WIRE_ETRUNC : len < 40 ? WIRE_EHDRLEN : WIRE_OK;

		/* The options are parsed in place, inside the same copy. */
		if (err == WIRE_OK && (t.payload_len != len - 40 ||
				       wire_tcp_parse_options(t.opts, t.opts_len,
							      t.flags & TCPHDR_SYN, &o) != WIRE_OK))
			err = WIRE_EOPTVAL;
		free(block);
		CHECK_EQ(err, want);
	}
}

TEST(tcp_options_parse_of_every_prefix_fails_exactly_inside_an_option)
{
	/* The SYN options: MSS [0,4) SACK-perm [4,6) TS [6,16) NOP [16,17)
	 * WS [17,20). A cut at a boundary is a shorter valid list; a cut
	 * inside an option runs it past the end. */
	const uint8_t *opts = linux_syn + 20;
	struct wire_tcp_opts o;

	for (size_t len = 0; len <= 20; len++) {
		bool boundary = len == 0 || len == 4 || len == 6 || len == 16 || len == 17 ||
				len == 20;

		CHECK_EQ(parse_opts_exact(opts, len, true, &o), boundary ? WIRE_OK : WIRE_EOPTLEN);
		/* As Linux, the options wholly before the cut are taken. */
		CHECK_EQ(o.saw_mss, len >= 4);
		CHECK_EQ(o.sack_ok, len >= 6);
		CHECK_EQ(o.saw_tstamp, len >= 16);
		CHECK_EQ(o.saw_wscale, len >= 20);
	}
}

struct opt_bad {
	const char *name;
	uint8_t b[44];
	size_t len;
	enum wire_err want;
};

TEST(tcp_options_parse_rejects_each_malformed_list_in_the_table)
{
	static const struct opt_bad table[] = {
		{"kind with no length byte", {TCPOPT_MSS}, 1, WIRE_EOPTLEN},
		{"kind with no length byte after NOPs",
		 {1, 1, 1, TCPOPT_TIMESTAMP},
		 4,
		 WIRE_EOPTLEN},
		{"length 0", {TCPOPT_TIMESTAMP, 0, 0, 0}, 4, WIRE_EOPTLEN},
		{"length 1", {TCPOPT_WINDOW, 1, 7, 0}, 4, WIRE_EOPTLEN},
		{"unknown kind with length 0", {0xfe, 0, 1, 1}, 4, WIRE_EOPTLEN},
		{"unknown kind with length 1", {30, 1, 1, 1}, 4, WIRE_EOPTLEN},
		{"MSS running past the end", {2, 4, 5}, 3, WIRE_EOPTLEN},
		{"timestamp running past the end",
		 {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0},
		 11,
		 WIRE_EOPTLEN},
		{"unknown kind running past the end", {0xfe, 8, 0, 0}, 4, WIRE_EOPTLEN},
		{"bad option after a good one", {2, 4, 5, 0xb4, 8, 0, 0, 0}, 8, WIRE_EOPTLEN},
		{"MSS length 3", {2, 3, 5, 0}, 4, WIRE_EOPTVAL},
		{"MSS length 5", {2, 5, 5, 0xb4, 0}, 5, WIRE_EOPTVAL},
		{"window scale length 2", {3, 2, 1, 1}, 4, WIRE_EOPTVAL},
		{"window scale length 4", {3, 4, 7, 0}, 4, WIRE_EOPTVAL},
		{"SACK-permitted length 3", {4, 3, 0, 1}, 4, WIRE_EOPTVAL},
		{"SACK-permitted length 4", {4, 4, 0, 0}, 4, WIRE_EOPTVAL},
		{"timestamp length 8", {8, 8, 0, 0, 0, 1, 0, 0}, 8, WIRE_EOPTVAL},
		{"timestamp length 12", {8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, 12, WIRE_EOPTVAL},
		{"SACK with no blocks", {5, 2, 1, 1}, 4, WIRE_EOPTVAL},
		{"SACK length 9", {5, 9, 0, 0, 0, 1, 0, 0, 0}, 9, WIRE_EOPTVAL},
		{"SACK length 11", {5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}, 11, WIRE_EOPTVAL},
		{"SACK with five blocks (length 42)", {5, 42}, 42, WIRE_EOPTVAL},
		{"good MSS then bad window scale", {2, 4, 5, 0xb4, 1, 3, 4, 7, 0}, 9, WIRE_EOPTVAL},
	};
	struct wire_tcp_opts o;

	/* Whether the segment has SYN changes what is taken, never the
	 * verdict. */
	for (size_t i = 0; i < 2 * sizeof(table) / sizeof(table[0]); i++) {
		const struct opt_bad *e = &table[i / 2];
		enum wire_err got = parse_opts_exact(e->b, e->len, i % 2, &o);

		if (got != e->want)
			test_fail(__FILE__, __LINE__, "%s (syn %zu): got %s, want %s", e->name,
				  i % 2, wire_strerror(got), wire_strerror(e->want));
	}
}

TEST(tcp_options_parse_stops_at_eol_and_ignores_what_follows)
{
	/* MSS, EOL, then bytes that would be a malformed timestamp. */
	static const uint8_t b[8] = {2, 4, 0x05, 0xb4, 0, 8, 0, 0};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(b, sizeof(b), true, &o), WIRE_OK);
	CHECK(o.saw_mss);
	CHECK_EQ(o.mss, 1460);
	CHECK(!o.saw_tstamp && !o.saw_wscale && !o.sack_ok);
}

TEST(tcp_options_parse_skips_unknown_kinds_by_their_length)
{
	/* MPTCP-ish kind 30 len 4, TFO cookie kind 34 len 2, experimental
	 * kind 254 len 6, NOPs, then a window scale that must still be seen. */
	static const uint8_t b[20] = {30, 4, 0xff, 0xff, 34, 2, 254, 6, 0xf9, 0x89,
				      2,  4, 1,	   1,	 1,  1, 1,   3, 3,    9};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(b, sizeof(b), true, &o), WIRE_OK);
	CHECK(o.saw_wscale);
	CHECK_EQ(o.wscale, 9);
	/* The 2,4 bytes inside kind 254's data are not an MSS. */
	CHECK(!o.saw_mss);
}

TEST(tcp_options_parse_keeps_a_window_scale_over_14_as_received)
{
	static const uint8_t b[4] = {1, 3, 3, 15};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(b, sizeof(b), true, &o), WIRE_OK);
	CHECK(o.saw_wscale);
	CHECK_EQ(o.wscale, 15);
}

TEST(tcp_options_parse_reads_four_sack_blocks)
{
	static const uint8_t b[36] = {
		1,    1,    5,	  34,	0,    0,    0,	  1,	0,    0,    0,	  2,
		0x7f, 0xff, 0xff, 0xff, 0x80, 0,    0,	  0,	0xff, 0xff, 0xff, 0xf0,
		0,    0,    0,	  0x10, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce,
	};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(b, sizeof(b), true, &o), WIRE_OK);
	CHECK_EQ(o.num_sacks, 4);
	CHECK_EQ(o.sacks[0].start, 1);
	CHECK_EQ(o.sacks[0].end, 2);
	CHECK_EQ(o.sacks[1].start, 0x7fffffff);
	CHECK_EQ(o.sacks[1].end, 0x80000000);
	CHECK_EQ(o.sacks[2].start, 0xfffffff0);
	CHECK_EQ(o.sacks[2].end, 0x10);
	CHECK_EQ(o.sacks[3].start, 0xdeadbeef);
	CHECK_EQ(o.sacks[3].end, 0xfeedface);
}

TEST(tcp_options_parse_of_nothing_or_only_padding_sees_nothing)
{
	static const uint8_t nops[8] = {1, 1, 1, 1, 1, 1, 1, 0};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(nops, 0, true, &o), WIRE_OK);
	CHECK(!o.saw_mss && !o.saw_wscale && !o.sack_ok && !o.saw_tstamp);
	CHECK_EQ(o.num_sacks, 0);
	CHECK_EQ(parse_opts_exact(nops, sizeof(nops), true, &o), WIRE_OK);
	CHECK(!o.saw_mss && !o.saw_wscale && !o.sack_ok && !o.saw_tstamp);
}

TEST(tcp_options_outside_a_syn_give_only_timestamps_and_sack_blocks)
{
	/* The Linux SYN's options, then one SACK block: without SYN, MSS,
	 * SACK-permitted and window scale are well formed but not taken
	 * (RFC 9293 section 3.7.1, RFC 2018 section 2, RFC 7323 section
	 * 2.2), as in Linux's tcp_parse_options. */
	uint8_t b[32] = {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2};
	struct wire_tcp_opts o;

	memcpy(b + 12, linux_syn + 20, 20);
	CHECK_EQ(parse_opts_exact(b, sizeof(b), false, &o), WIRE_OK);
	CHECK(!o.saw_mss && !o.sack_ok && !o.saw_wscale);
	CHECK(o.saw_tstamp);
	CHECK_EQ(o.tsval, 0x0a0b0c0d);
	CHECK_EQ(o.num_sacks, 1);
	CHECK_EQ(o.sacks[0].start, 1);
	CHECK_EQ(o.sacks[0].end, 2);
	CHECK_EQ(parse_opts_exact(b, sizeof(b), true, &o), WIRE_OK);
	CHECK(o.saw_mss && o.sack_ok && o.saw_wscale && o.saw_tstamp);
	CHECK_EQ(o.num_sacks, 1);
}

TEST(tcp_options_parse_ignores_an_mss_of_zero)
{
	/* Linux keeps its default rather than take an MSS of 0; the option
	 * itself is well formed. */
	static const uint8_t b[8] = {2, 4, 0, 0, 1, 3, 3, 7};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(b, sizeof(b), true, &o), WIRE_OK);
	CHECK(!o.saw_mss);
	CHECK_EQ(o.mss, 0);
	CHECK(o.saw_wscale);
}

struct opt_skipped {
	const char *name;
	uint8_t b[12];
	size_t len;
};

TEST(tcp_options_parse_passes_over_a_known_option_of_the_wrong_length_and_reads_on)
{
	/* Each malformed option takes nothing, and the window scale of 9
	 * after it is still read (Linux's tcp_parse_options checks each
	 * kind's length and moves on by the length byte). */
	static const struct opt_skipped table[] = {
		{"MSS length 3", {2, 3, 5}, 3},
		{"MSS length 5", {2, 5, 5, 0xb4, 0}, 5},
		{"window scale length 2", {3, 2}, 2},
		{"window scale length 4", {3, 4, 7, 0}, 4},
		{"SACK-permitted length 3", {4, 3, 0}, 3},
		{"SACK-permitted length 4", {4, 4, 0, 0}, 4},
		{"timestamp length 8", {8, 8, 0, 0, 0, 1, 0, 0}, 8},
		{"timestamp length 12", {8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1}, 12},
		{"SACK with no blocks", {5, 2}, 2},
		{"SACK length 9", {5, 9, 0, 0, 0, 1, 0, 0, 0}, 9},
		{"SACK length 11", {5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}, 11},
	};
	static const uint8_t wscale[3] = {3, 3, 9};
	struct wire_tcp_opts o;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct opt_skipped *e = &table[i];
		uint8_t b[sizeof(e->b) + sizeof(wscale)];
		enum wire_err got;

		memcpy(b, e->b, e->len);
		memcpy(b + e->len, wscale, sizeof(wscale));
		got = parse_opts_exact(b, e->len + sizeof(wscale), true, &o);
		if (got != WIRE_EOPTVAL)
			test_fail(__FILE__, __LINE__, "%s: got %s", e->name, wire_strerror(got));
		if (o.saw_mss || o.sack_ok || o.saw_tstamp || o.num_sacks)
			test_fail(__FILE__, __LINE__, "%s: was taken", e->name);
		if (!o.saw_wscale || o.wscale != 9)
			test_fail(__FILE__, __LINE__, "%s: what follows was not read", e->name);
	}
}

TEST(tcp_options_parse_stops_at_an_unusable_length_keeping_what_came_before)
{
	/* MSS 1000, a length-0 option, a window scale never reached. */
	static const uint8_t zero_len[9] = {2, 4, 0x03, 0xe8, 30, 0, 3, 3, 5};
	/* Window scale, SACK-permitted, then 40 bytes claimed with 3 left. */
	static const uint8_t overrun[8] = {3, 3, 5, 4, 2, 30, 40, 0};
	/* MSS, then a kind whose length byte is missing. */
	static const uint8_t no_len[5] = {2, 4, 0x05, 0xb4, 8};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(zero_len, sizeof(zero_len), true, &o), WIRE_EOPTLEN);
	CHECK(o.saw_mss);
	CHECK_EQ(o.mss, 1000);
	CHECK(!o.saw_wscale);
	CHECK_EQ(parse_opts_exact(overrun, sizeof(overrun), true, &o), WIRE_EOPTLEN);
	CHECK(o.saw_wscale && o.sack_ok);
	CHECK_EQ(o.wscale, 5);
	CHECK_EQ(parse_opts_exact(no_len, sizeof(no_len), true, &o), WIRE_EOPTLEN);
	CHECK(o.saw_mss);
	CHECK_EQ(o.mss, 1460);
	CHECK(!o.saw_tstamp);
}

TEST(tcp_options_parse_reports_the_first_malformation)
{
	/* A wrong-length MSS, then a length 0: the walk goes on past the
	 * first and stops at the second; the verdict is the first. */
	static const uint8_t val_then_len[5] = {2, 3, 5, 30, 0};
	static const uint8_t len_then_val[5] = {30, 0, 2, 3, 5};
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(val_then_len, sizeof(val_then_len), true, &o), WIRE_EOPTVAL);
	CHECK_EQ(parse_opts_exact(len_then_val, sizeof(len_then_val), true, &o), WIRE_EOPTLEN);
}

TEST(tcp_options_parse_takes_the_first_four_of_more_sack_blocks)
{
	/* Five blocks (42 bytes) cannot come in a header, only from a caller
	 * passing more: malformed, and the first 4 are used, as Linux's
	 * tcp_sacktag_write_queue caps the count. */
	uint8_t b[42] = {5, 42};
	struct wire_tcp_opts o;

	for (uint8_t k = 0; k < 10; k++)
		put_be32(b + 2 + 4 * k, 100u + k);
	CHECK_EQ(parse_opts_exact(b, sizeof(b), false, &o), WIRE_EOPTVAL);
	CHECK_EQ(o.num_sacks, TCP_MAX_SACKS);
	for (uint8_t k = 0; k < TCP_MAX_SACKS; k++) {
		CHECK_EQ(o.sacks[k].start, 100u + 2 * k);
		CHECK_EQ(o.sacks[k].end, 101u + 2 * k);
	}
}

struct layout {
	const char *name;
	struct wire_tcp_opts opts;
	uint8_t want[40];
	size_t len;
};

TEST(tcp_emit_options_lays_out_each_option_like_linux)
{
	static const struct layout table[] = {
		{"MSS", {.saw_mss = true, .mss = 1460}, {2, 4, 0x05, 0xb4}, 4},
		{"SACK-permitted with timestamps",
		 {.sack_ok = true, .saw_tstamp = true, .tsval = 0x01020304, .tsecr = 0x05060708},
		 {4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8},
		 12},
		{"timestamps alone",
		 {.saw_tstamp = true, .tsval = 0xa1a2a3a4, .tsecr = 0xb1b2b3b4},
		 {1, 1, 8, 10, 0xa1, 0xa2, 0xa3, 0xa4, 0xb1, 0xb2, 0xb3, 0xb4},
		 12},
		{"SACK-permitted alone", {.sack_ok = true}, {1, 1, 4, 2}, 4},
		{"window scale", {.saw_wscale = true, .wscale = 14}, {1, 3, 3, 14}, 4},
		{"two SACK blocks",
		 {.num_sacks = 2, .sacks = {{0x10, 0x20}, {0xfffffff0, 0x5}}},
		 {1, 1, 5, 18, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5},
		 20},
		{"SYN: MSS, SACK-permitted, timestamps, window scale",
		 {.saw_mss = true,
		  .mss = 1460,
		  .sack_ok = true,
		  .saw_tstamp = true,
		  .tsval = 1,
		  .tsecr = 0,
		  .saw_wscale = true,
		  .wscale = 7},
		 {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7},
		 20},
		{"SYN without timestamps: MSS, SACK-permitted, window scale",
		 {.saw_mss = true, .mss = 1460, .sack_ok = true, .saw_wscale = true, .wscale = 7},
		 {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7},
		 12},
		{"ACK with timestamps and three SACK blocks (40 bytes)",
		 {.saw_tstamp = true,
		  .tsval = 2,
		  .tsecr = 3,
		  .num_sacks = 3,
		  .sacks = {{1, 2}, {3, 4}, {5, 6}}},
		 {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 5, 26, 0, 0, 0, 1,
		  0, 0, 0, 2,  0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5,  0, 0, 0, 6},
		 40},
		{"nothing", {.mss = 1460, .wscale = 3}, {0}, 0},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct layout *e = &table[i];
		uint8_t buf[44];
		size_t n;

		memset(buf, 0xee, sizeof(buf));
		n = wire_tcp_emit_options(buf, &e->opts);
		if (n != e->len || wire_tcp_options_len(&e->opts) != e->len)
			test_fail(__FILE__, __LINE__, "%s: length %zu, want %zu", e->name, n,
				  e->len);
		if (memcmp(buf, e->want, e->len) != 0)
			test_fail(__FILE__, __LINE__, "%s: bytes differ", e->name);
		if (buf[e->len] != 0xee)
			test_fail(__FILE__, __LINE__, "%s: wrote past its length", e->name);
	}
}

TEST(tcp_options_emit_then_parse_round_trips_every_combination)
{
	for (unsigned mask = 0; mask < 16; mask++) {
		for (uint8_t n = 0; n <= TCP_MAX_SACKS; n++) {
			struct wire_tcp_opts in = {
				.saw_mss = mask & 1,
				.mss = 536,
				.saw_tstamp = mask & 2,
				.tsval = 0xfffffffe,
				.tsecr = 0x7fffffff,
				.sack_ok = mask & 4,
				.saw_wscale = mask & 8,
				.wscale = 14,
				.num_sacks = n,
			};
			struct wire_tcp_opts out;
			uint8_t buf[64];
			size_t len;

			for (uint8_t k = 0; k < n; k++) {
				in.sacks[k].start = 1000u * k + 0xffff0000u;
				in.sacks[k].end = 1000u * k + 0xffff0100u;
			}
			len = wire_tcp_emit_options(buf, &in);
			CHECK_EQ(len, wire_tcp_options_len(&in));
			CHECK_EQ(len % 4, 0);
			CHECK_EQ(parse_opts_exact(buf, len, true, &out), WIRE_OK);
			CHECK_EQ(out.saw_mss, in.saw_mss);
			CHECK_EQ(out.saw_tstamp, in.saw_tstamp);
			CHECK_EQ(out.sack_ok, in.sack_ok);
			CHECK_EQ(out.saw_wscale, in.saw_wscale);
			CHECK_EQ(out.num_sacks, n);
			if (in.saw_mss)
				CHECK_EQ(out.mss, in.mss);
			if (in.saw_tstamp) {
				CHECK_EQ(out.tsval, in.tsval);
				CHECK_EQ(out.tsecr, in.tsecr);
			}
			if (in.saw_wscale)
				CHECK_EQ(out.wscale, in.wscale);
			for (uint8_t k = 0; k < n; k++) {
				CHECK_EQ(out.sacks[k].start, in.sacks[k].start);
				CHECK_EQ(out.sacks[k].end, in.sacks[k].end);
			}
		}
	}
}

TEST(tcp_parse_does_not_modify_its_input)
{
	uint8_t seg[40], copy[40];
	struct wire_tcp t;
	struct wire_tcp_opts o;

	memcpy(seg, linux_syn, sizeof(seg));
	memcpy(copy, seg, sizeof(copy));
	CHECK_EQ(wire_tcp_parse(seg, sizeof(seg), &t), WIRE_OK);
	CHECK_EQ(wire_tcp_parse_options(t.opts, t.opts_len, t.flags & TCPHDR_SYN, &o), WIRE_OK);
	CHECK_MEM_EQ(seg, copy, sizeof(seg));
}

TEST(before_and_after_hold_across_the_2_to_the_32_wrap)
{
	static const uint32_t bases[] = {0, 0x7fffff00u, 0xfffff000u, 0xffffffffu, 0x12345678u};

	CHECK(before(0xffffffffu, 0));
	CHECK(after(0, 0xffffffffu));
	CHECK(!before(0, 0xffffffffu));
	CHECK(!after(0xffffffffu, 0));
	CHECK(before(0xfffffff0u, 0x10));
	CHECK(after(0x10, 0xfffffff0u));
	CHECK(before(0x7fffffffu, 0x80000000u));
	CHECK(!before(5, 5));
	CHECK(!after(5, 5));
	/* A whole window on either side of the wrap and of the sign bit. */
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		for (uint32_t d = 1; d < 0x2000; d += 7) {
			uint32_t a = bases[i], b = bases[i] + d;

			CHECK(before(a, b));
			CHECK(after(b, a));
			CHECK(!before(b, a));
			CHECK(!after(a, b));
		}
	}
	/* Up to 2^31 - 1 apart the order is unambiguous. */
	CHECK(before(0xffffffffu, 0x7ffffffeu));
	CHECK(!before(0x7ffffffeu, 0xffffffffu));
}

TEST(between_is_inclusive_and_holds_across_the_2_to_the_32_wrap)
{
	/* Window [0xfffffff0, 0x10] straddles the wrap. */
	CHECK(between(0xfffffff0u, 0xfffffff0u, 0x10));
	CHECK(between(0xffffffffu, 0xfffffff0u, 0x10));
	CHECK(between(0, 0xfffffff0u, 0x10));
	CHECK(between(0x10, 0xfffffff0u, 0x10));
	CHECK(!between(0x11, 0xfffffff0u, 0x10));
	CHECK(!between(0xffffffefu, 0xfffffff0u, 0x10));
	CHECK(!between(0x80000000u, 0xfffffff0u, 0x10));
	/* A window of one sequence number. */
	CHECK(between(7, 7, 7));
	CHECK(!between(8, 7, 7));
	CHECK(!between(6, 7, 7));
	/* Not wrapped. */
	CHECK(between(100, 1, 1000));
	CHECK(!between(1001, 1, 1000));
	CHECK(!between(0, 1, 1000));
}

TEST(tcp_options_parse_takes_fast_open_cookies_of_4_to_16_even_bytes_in_a_syn)
{
	/* RFC 7413 4.1.1 (kind 34) and the experimental kind 254 with magic
	 * 0xF989 (RFC 6994); Linux's tcp_parse_fastopen_option. */
	static const uint8_t req[4] = {34, 2, 1, 1};
	static const uint8_t c8[12] = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1};
	static const uint8_t exp4[8] = {254, 8, 0xf9, 0x89, 9, 8, 7, 6};
	static const uint8_t odd[8] = {34, 7, 1, 2, 3, 4, 5, 1};
	static const uint8_t two[4] = {34, 4, 1, 2};
	static const uint8_t other_exp[8] = {254, 8, 0x12, 0x34, 1, 2, 3, 4};
	uint8_t out[40];
	struct wire_tcp_opts o;

	CHECK_EQ(parse_opts_exact(req, sizeof(req), true, &o), WIRE_OK);
	CHECK(o.saw_fastopen && !o.fastopen_exp);
	CHECK_EQ(o.fastopen_len, 0);
	CHECK_EQ(parse_opts_exact(c8, sizeof(c8), true, &o), WIRE_OK);
	CHECK_EQ(o.fastopen_len, 8);
	CHECK(memcmp(o.fastopen_cookie, c8 + 2, 8) == 0);
	CHECK_EQ(parse_opts_exact(exp4, sizeof(exp4), true, &o), WIRE_OK);
	CHECK(o.saw_fastopen && o.fastopen_exp);
	CHECK_EQ(o.fastopen_len, 4);
	CHECK(memcmp(o.fastopen_cookie, exp4 + 4, 4) == 0);
	/* an odd length is no option at all; 2 bytes is one Linux refuses */
	CHECK_EQ(parse_opts_exact(odd, sizeof(odd), true, &o), WIRE_OK);
	CHECK(!o.saw_fastopen);
	CHECK_EQ(parse_opts_exact(two, sizeof(two), true, &o), WIRE_OK);
	CHECK(o.saw_fastopen);
	CHECK_EQ(o.fastopen_len, -1);
	CHECK_EQ(parse_opts_exact(other_exp, sizeof(other_exp), true, &o), WIRE_OK);
	CHECK(!o.saw_fastopen);
	/* only in a SYN */
	CHECK_EQ(parse_opts_exact(c8, sizeof(c8), false, &o), WIRE_OK);
	CHECK(!o.saw_fastopen);
	/* written last, two NOPs after a length of 2 mod 4 */
	CHECK_EQ(parse_opts_exact(c8, sizeof(c8), true, &o), WIRE_OK);
	o.saw_mss = true;
	o.mss = 1460;
	CHECK_EQ(wire_tcp_options_len(&o), 16);
	CHECK_EQ(wire_tcp_emit_options(out, &o), 16);
	CHECK(memcmp(out + 4, c8, sizeof(c8)) == 0);
	o.fastopen_exp = true;
	CHECK_EQ(wire_tcp_emit_options(out, &o), 16);
	CHECK_EQ(out[4], 254);
	CHECK_EQ(out[5], 12);
	CHECK(out[6] == 0xf9 && out[7] == 0x89);
}
