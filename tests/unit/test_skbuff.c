/* Packet buffers: pointer arithmetic, clones, copies, queues and the pool. */
#include <string.h>

#include "net/skbuff.h"
#include "test.h"

static struct skb_pool *pool_new(void)
{
	struct skb_pool *pool = skb_pool_create(0);
	CHECK(pool != NULL);
	return pool;
}

static void pool_done(struct skb_pool *pool)
{
	CHECK_EQ(skb_pool_in_use(pool), 0);
	skb_pool_destroy(pool);
}

TEST(each_layer_pushes_its_header_into_the_headroom_without_moving_the_payload)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff *skb = alloc_skb(pool, 256);
	CHECK(skb != NULL);
	skb_reserve(skb, 64);
	CHECK_EQ(skb_headroom(skb), 64);
	uint8_t *payload = skb_put(skb, 10);
	memcpy(payload, "0123456789", 10);
	uint8_t *tcp = skb_push(skb, 20);
	uint8_t *ip = skb_push(skb, 20);
	uint8_t *eth = skb_push(skb, 14);
	CHECK(tcp == payload - 20 && ip == tcp - 20 && eth == ip - 14);
	CHECK_EQ(skb->len, 64);
	CHECK_EQ(skb_headroom(skb), 10);
	CHECK_MEM_EQ(skb->data + 54, "0123456789", 10);
	kfree_skb(skb);
	pool_done(pool);
}

TEST(each_layer_pulls_its_header_off_and_a_pull_past_the_end_changes_nothing)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff *skb = alloc_skb(pool, 100);
	memset(skb_put(skb, 40), 7, 40);
	CHECK(skb_pull(skb, 14) != NULL);
	CHECK_EQ(skb->len, 26);
	uint8_t *before = skb->data;
	CHECK(skb_pull(skb, 27) == NULL);
	CHECK(skb->data == before);
	CHECK_EQ(skb->len, 26);
	skb_trim(skb, 20);
	CHECK_EQ(skb->len, 20);
	skb_trim(skb, 30); /* trimming never grows */
	CHECK_EQ(skb->len, 20);
	kfree_skb(skb);
	pool_done(pool);
}

TEST(a_clone_shares_the_data_until_the_last_descriptor_is_freed)
{
	struct skb_pool *pool = pool_new();
	struct skb_pool_stats st;
	struct sk_buff *skb = alloc_skb(pool, 100);
	memcpy(skb_put(skb, 5), "hello", 5);
	CHECK(!skb_cloned(skb));
	struct sk_buff *c = skb_clone(skb);
	CHECK(c != NULL);
	CHECK(c->data == skb->data);
	CHECK(skb_cloned(skb) && skb_cloned(c));
	skb_pool_get_stats(pool, &st);
	CHECK_EQ(st.in_use_bufs, 1);
	CHECK_EQ(st.in_use_skbs, 2);
	kfree_skb(skb);
	CHECK(!skb_cloned(c));
	CHECK_MEM_EQ(c->data, "hello", 5);
	kfree_skb(c);
	pool_done(pool);
}

/* A socket holding a clone holds the whole buffer once the original is
 * gone (a segment passed over loopback or the simulator, its sender's copy
 * acknowledged and freed): the clone's truesize is the buffer's, as in
 * Linux, while the pool counts the buffer once. */
TEST(a_clone_carries_the_whole_truesize_and_the_pool_counts_the_buffer_once)
{
	struct skb_pool *pool = pool_new();
	struct skb_pool_stats st;
	struct sk_buff *skb = alloc_skb(pool, 1500);
	uint32_t truesize = skb->truesize;

	skb_pool_get_stats(pool, &st);
	CHECK_EQ(st.in_use_bytes, truesize);
	struct sk_buff *c = skb_clone(skb);
	CHECK(c != NULL);
	CHECK_EQ(c->truesize, truesize);
	skb_pool_get_stats(pool, &st);
	CHECK_EQ(st.in_use_bytes, truesize + sizeof(struct sk_buff));
	kfree_skb(skb);
	skb_pool_get_stats(pool, &st);
	CHECK_EQ(st.in_use_bytes, truesize);
	kfree_skb(c);
	skb_pool_get_stats(pool, &st);
	CHECK_EQ(st.in_use_bytes, 0);
	pool_done(pool);
}

/* Bytes copied out of a buffer (GRO's merge, TCP's coalescing) take its
 * truesize less its descriptor along, but no more than a driver's
 * buffer for the frame would charge: a segment at the far end of a
 * 64 KB block (the simulator hands a receiver clones of its sender's
 * buffers) leaves only a frame's worth behind once copied. */
TEST(bytes_copied_out_of_a_buffer_are_charged_no_more_than_a_frame_holding_them)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff *small = alloc_skb(pool, 1600), *big = alloc_skb(pool, 65536);
	uint32_t frame = skb_truesize_for(pool, 2 + 1514);

	skb_reserve(small, 2);
	skb_put(small, 1514);
	skb_reset_mac_header(small);
	CHECK_EQ(skb_copied_truesize(small), small->truesize - (uint32_t)sizeof(struct sk_buff));
	skb_reserve(big, 60000);
	skb_put(big, 1514);
	skb_reset_mac_header(big);
	CHECK(big->truesize > 60000);
	CHECK_EQ(skb_copied_truesize(big), frame - (uint32_t)sizeof(struct sk_buff));
	kfree_skb(small);
	kfree_skb(big);
	pool_done(pool);
}

TEST(unsharing_a_clone_gives_it_private_data_and_leaves_the_other_intact)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff *skb = alloc_skb(pool, 100);
	skb_reserve(skb, 16);
	memcpy(skb_put(skb, 5), "hello", 5);
	struct sk_buff *c = skb_clone(skb);
	CHECK_EQ(skb_unshare_data(c), 0);
	CHECK(c->data != skb->data);
	CHECK_EQ(skb_headroom(c), 16);
	c->data[0] = 'J';
	CHECK_MEM_EQ(skb->data, "hello", 5);
	CHECK_MEM_EQ(c->data, "Jello", 5);
	CHECK(!skb_cloned(skb) && !skb_cloned(c));
	kfree_skb(skb);
	kfree_skb(c);
	pool_done(pool);
}

TEST(a_copy_keeps_headroom_data_and_control_buffer)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff *skb = alloc_skb(pool, 100);
	skb_reserve(skb, 32);
	memcpy(skb_put(skb, 3), "abc", 3);
	skb->cb[0] = 0x1234;
	struct sk_buff *c = skb_copy(skb, pool);
	CHECK(c && c->data != skb->data);
	CHECK_EQ(skb_headroom(c), 32);
	CHECK_EQ(c->len, 3);
	CHECK_MEM_EQ(c->data, "abc", 3);
	CHECK_EQ(c->cb[0], 0x1234);
	kfree_skb(skb);
	kfree_skb(c);
	pool_done(pool);
}

TEST(a_copy_of_a_pulled_buffer_keeps_the_headers_its_offsets_name)
{
	/* A received frame after IP has pulled its header: the network
	 * header's offset points into the headroom, and a copy must find the
	 * same bytes there. */
	struct skb_pool *pool = pool_new();
	struct sk_buff *skb = alloc_skb(pool, 64);

	skb_reserve(skb, 8);
	memcpy(skb_put(skb, 24), "IPHDR-----------TCPDATA!", 24);
	skb_reset_network_header(skb);
	skb_pull(skb, 16);
	skb_reset_transport_header(skb);
	struct sk_buff *c = skb_copy(skb, pool);
	CHECK(c && c->data != skb->data);
	CHECK_EQ(skb_headroom(c), skb_headroom(skb));
	CHECK_MEM_EQ(skb_network_header(c), "IPHDR-----------", 16);
	CHECK_MEM_EQ(c->data, "TCPDATA!", 8);
	kfree_skb(skb);
	kfree_skb(c);
	pool_done(pool);
}

TEST(a_warm_pool_serves_the_hot_path_without_malloc)
{
	struct skb_pool *pool = pool_new();
	struct skb_pool_stats st;
	struct sk_buff *batch[64];

	for (int i = 0; i < 64; i++)
		batch[i] = alloc_skb(pool, 1600);
	for (int i = 0; i < 64; i++)
		kfree_skb(batch[i]);
	skb_pool_get_stats(pool, &st);
	uint64_t mallocs = st.mallocs;
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 64; i++)
			batch[i] = alloc_skb(pool, 1600);
		for (int i = 0; i < 64; i++)
			kfree_skb(batch[i]);
	}
	skb_pool_get_stats(pool, &st);
	CHECK_EQ(st.mallocs, mallocs);
	CHECK_EQ(st.allocs, 64 * 101);
	pool_done(pool);
}

TEST(allocation_fails_cleanly_at_the_pool_limit_and_works_again_after_frees)
{
	struct skb_pool *pool = skb_pool_create(10000);
	struct skb_pool_stats st;
	struct sk_buff *a = alloc_skb(pool, 2000);
	struct sk_buff *b = alloc_skb(pool, 2000);
	CHECK(a && b);
	CHECK(alloc_skb(pool, 16000) == NULL);
	struct sk_buff *many[8];
	int got = 0;
	for (int i = 0; i < 8; i++)
		if ((many[got] = alloc_skb(pool, 2000)) != NULL)
			got++;
	CHECK(got < 8);
	skb_pool_get_stats(pool, &st);
	CHECK(st.alloc_failures >= 2);
	CHECK(st.in_use_bytes <= 10000);
	for (int i = 0; i < got; i++)
		kfree_skb(many[i]);
	kfree_skb(a);
	kfree_skb(b);
	struct sk_buff *c = alloc_skb(pool, 2000);
	CHECK(c != NULL);
	kfree_skb(c);
	pool_done(pool);
}

TEST(buffers_larger_than_every_size_class_are_allocated_and_freed)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff *skb = alloc_skb(pool, 200000);
	CHECK(skb != NULL);
	CHECK(skb_tailroom(skb) >= 200000);
	memset(skb_put(skb, 200000), 1, 200000);
	kfree_skb(skb);
	pool_done(pool);
}

TEST(a_queue_keeps_order_length_and_bytes)
{
	struct skb_pool *pool = pool_new();
	struct sk_buff_head q, r;
	struct sk_buff *s[4], *it;
	int i = 0;

	skb_queue_head_init(&q);
	skb_queue_head_init(&r);
	CHECK(skb_queue_empty(&q) && skb_peek(&q) == NULL);
	for (i = 0; i < 4; i++) {
		s[i] = alloc_skb(pool, 100);
		skb_put(s[i], (uint32_t)(10 * (i + 1)));
	}
	skb_queue_tail(&q, s[1]);
	skb_queue_tail(&q, s[2]);
	skb_queue_head(&q, s[0]);
	CHECK_EQ(skb_queue_len(&q), 3);
	CHECK_EQ(q.bytes, 60);
	CHECK(skb_peek(&q) == s[0] && skb_peek_tail(&q) == s[2]);
	i = 0;
	skb_queue_walk(&q, it)
		CHECK(it == s[i++]);
	skb_unlink(s[1], &q);
	CHECK_EQ(q.bytes, 40);
	skb_queue_tail(&r, s[3]);
	skb_queue_splice_tail_init(&q, &r);
	CHECK(skb_queue_empty(&q) && q.bytes == 0);
	CHECK_EQ(skb_queue_len(&r), 3);
	CHECK_EQ(r.bytes, 80);
	CHECK(skb_dequeue(&r) == s[3]);
	CHECK(skb_dequeue(&r) == s[0]);
	CHECK(skb_dequeue(&r) == s[2]);
	CHECK(skb_dequeue(&r) == NULL);
	kfree_skb(s[0]);
	kfree_skb(s[1]);
	kfree_skb(s[2]);
	kfree_skb(s[3]);
	skb_queue_tail(&q, alloc_skb(pool, 10));
	skb_queue_purge(&q);
	CHECK(skb_queue_empty(&q));
	pool_done(pool);
}
