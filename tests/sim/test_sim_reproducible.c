/* A simulated run is a function of its seed, through the public API only:
 * two hosts ping across a link that loses, duplicates, reorders, corrupts
 * and jitters; the pcap of host a's device and the events the ping
 * handler saw are identical for the same seed and differ for another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/simnet.h"
#include "test.h"
#include "testnet.h"
#include "usertcp/usertcp.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define PINGS 200
#define MAX_EVENTS (4 * PINGS)

/* What the ping handler saw, field by field (no padding compared). */
struct ev_rec {
	int kind;
	struct ut_ip from;
	uint16_t id, seq;
	uint8_t ttl, icmp_type, icmp_code;
	size_t len;
	uint32_t data_sum;
	uint64_t when_ns;
};

struct ev_log {
	struct ev_rec ev[MAX_EVENTS];
	size_t n, overflow;
	int send_err[PINGS + 1];
};

static void on_ping(void *arg, const struct ut_ping_event *ev)
{
	struct ev_log *log = arg;
	struct ev_rec *r;

	if (log->n == MAX_EVENTS) {
		log->overflow++;
		return;
	}
	r = &log->ev[log->n++];
	r->kind = ev->kind;
	r->from = ev->from;
	r->id = ev->id;
	r->seq = ev->seq;
	r->ttl = ev->ttl;
	r->icmp_type = ev->icmp_type;
	r->icmp_code = ev->icmp_code;
	r->len = ev->len;
	r->data_sum = 0;
	for (size_t i = 0; ev->data && i < ev->len; i++)
		r->data_sum = r->data_sum * 31u + ev->data[i];
	r->when_ns = ev->when_ns;
}

static bool ev_equal(const struct ev_rec *a, const struct ev_rec *b)
{
	return a->kind == b->kind && ut_ip_equal(a->from, b->from) && a->id == b->id &&
	       a->seq == b->seq && a->ttl == b->ttl && a->icmp_type == b->icmp_type &&
	       a->icmp_code == b->icmp_code && a->len == b->len && a->data_sum == b->data_sum &&
	       a->when_ns == b->when_ns;
}

static bool logs_equal(const struct ev_log *a, const struct ev_log *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!ev_equal(&a->ev[i], &b->ev[i]))
			return false;
	return memcmp(a->send_err, b->send_err, sizeof(a->send_err)) == 0;
}

/* The whole file in a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	CHECK(f != NULL);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				CHECK(nb != NULL);
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* A lossy, jittery world pinged PINGS times; a's device mirrored to path. */
static void run_world(uint64_t seed, const char *path, struct ev_log *log, struct ut_link_stats *st)
{
	struct ut_sim *sim;
	struct ut_stack *a, *b;
	struct ut_sim_link *link;
	struct ut_link_params lp;
	uint8_t data[56];

	memset(log, 0, sizeof(*log));
	ut_link_params_init(&lp);
	lp.loss = 0.20;
	lp.duplicate = 0.05;
	lp.reorder = 0.05;
	lp.corrupt = 0.02;
	lp.delay_ns = 5 * MS;
	lp.jitter_ns = 2 * MS;
	CHECK_EQ(ut_sim_create(seed, &sim), 0);
	CHECK_EQ(ut_sim_host_add(sim, "a", &a), 0);
	CHECK_EQ(ut_sim_host_add(sim, "b", &b), 0);
	CHECK_EQ(ut_sim_link_add(sim, a, b, &lp, &link), 0);
	CHECK_EQ(ut_addr_add(a, ut_sim_link_dev(link, 0), ipaddr("10.0.0.1"), 24), 0);
	CHECK_EQ(ut_addr_add(b, ut_sim_link_dev(link, 1), ipaddr("10.0.0.2"), 24), 0);
	CHECK_EQ(ut_dev_pcap_open(ut_sim_link_dev(link, 0), path), 0);
	ut_ping_set_handler(a, on_ping, log);
	for (int seq = 1; seq <= PINGS; seq++) {
		for (size_t i = 0; i < sizeof(data); i++)
			data[i] = (uint8_t)(seq + i);
		log->send_err[seq] = ut_ping_send(a, ipaddr("10.0.0.2"), 0x5eed, (uint16_t)seq,
						  data, sizeof(data));
		ut_sim_run_for(sim, 100 * MS);
	}
	/* Let every timer holding buffers run out before counting them. */
	ut_sim_run_for(sim, 120 * SEC);
	ut_dev_pcap_close(ut_sim_link_dev(link, 0));
	ut_sim_link_get_stats(link, 0, st);
	CHECK_EQ(skb_pool_in_use(sim->pool), 0);
	ut_sim_destroy(sim);
	CHECK_EQ(log->overflow, 0);
}

static size_t count_replies(const struct ev_log *log)
{
	size_t n = 0;
	for (size_t i = 0; i < log->n; i++)
		n += log->ev[i].kind == UT_PING_REPLY;
	return n;
}

/* One run's results: the pcap bytes, the ping events and the link's counts. */
struct run {
	struct ev_log log;
	struct ut_link_stats st;
	uint8_t *pcap;
	size_t pcap_len;
};

static void run_capture(uint64_t seed, const char *tag, struct run *r)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/sim_repro_%s.pcap", test_tmpdir(), tag);
	run_world(seed, path, &r->log, &r->st);
	r->pcap = slurp(path, &r->pcap_len);
	remove(path);
	/* More than the 24-byte file header: every echo request (16-byte
	 * record header, 98-byte frame) is in it. */
	CHECK(r->pcap_len > 24 + PINGS * (16 + 98));
}

TEST(the_same_seed_replays_the_same_pcap_bytes_and_ping_events)
{
	static struct run r1, r2;

	run_capture(4242, "same1", &r1);
	run_capture(4242, "same2", &r2);
	/* The run met every impairment, and some pings got through. */
	CHECK(r1.st.lost > 0 && r1.st.duplicated > 0 && r1.st.reordered > 0 && r1.st.corrupted > 0);
	CHECK(count_replies(&r1.log) > PINGS / 2);
	CHECK(count_replies(&r1.log) < PINGS);

	CHECK_EQ(r1.pcap_len, r2.pcap_len);
	CHECK_MEM_EQ(r1.pcap, r2.pcap, r1.pcap_len);
	CHECK(logs_equal(&r1.log, &r2.log));
	CHECK(memcmp(&r1.st, &r2.st, sizeof(r1.st)) == 0);
	free(r1.pcap);
	free(r2.pcap);
}

TEST(a_different_seed_gives_different_pcap_bytes_and_ping_events)
{
	static struct run r1, r2;

	run_capture(4242, "seed1", &r1);
	run_capture(4243, "seed2", &r2);
	CHECK(r1.pcap_len != r2.pcap_len || memcmp(r1.pcap, r2.pcap, r1.pcap_len) != 0);
	CHECK(!logs_equal(&r1.log, &r2.log));
	free(r1.pcap);
	free(r2.pcap);
}
