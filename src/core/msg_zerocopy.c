/* MSG_ZEROCOPY: send buffers that reference the application's memory, and
 * the completion notifications that give it back (Linux keeps these in
 * net/core/skbuff.c: msg_zerocopy_*, skb_zerocopy_iter_stream; the contract
 * is Documentation/networking/msg_zerocopy.rst).
 *
 * A zerocopy buffer (SKBFL_ZEROCOPY_FRAG) holds no payload: its data area
 * is a struct skb_zcopy_data listing the pieces of the caller's memory
 * that make up its bytes, and a reference to the struct ubuf_info of the
 * send they came from. TCP queues such buffers like any other; what reads
 * payload (a split at the window, an acknowledged head trimmed, the frame
 * built for a device) goes through the helpers here.
 *
 * For MSG_ZEROCOPY the ubuf_info lives in the data area of the very buffer
 * that later carries the notification (Linux keeps it in that skb's
 * control block), so completing a send allocates nothing: the buffer only
 * changes from holding the ubuf_info to being queued on the error queue. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "net/errqueue.h"
#include "net/sock.h"
#include "net/stack.h"

/* ---- buffers whose payload is lent memory ------------------------------------*/

struct sk_buff *alloc_skb_zcopy(struct skb_pool *pool, struct ubuf_info *uarg)
{
	struct sk_buff *skb = alloc_skb(pool, sizeof(struct skb_zcopy_data));
	struct skb_zcopy_data *zd;

	if (!skb)
		return NULL;
	/* data past the descriptor of the pieces: no linear part */
	skb_reserve(skb, sizeof(struct skb_zcopy_data));
	zd = skb_zcopy_data(skb);
	zd->uarg = uarg;
	zd->nr_frags = 0;
	zd->data_len = 0;
	net_zcopy_get(uarg);
	skb_shinfo(skb)->flags |= SKBFL_ZEROCOPY_FRAG;
	return skb;
}

bool skb_zcopy_add_frag(struct sk_buff *skb, const uint8_t *base, uint32_t len)
{
	struct skb_zcopy_data *zd = skb_zcopy_data(skb);
	struct skb_frag *last = zd->nr_frags ? &zd->frags[zd->nr_frags - 1] : NULL;

	/* Linux coalesces a piece that continues the last page fragment
	 * (skb_can_coalesce); memory here has no pages, so any piece that
	 * continues the last one in memory joins it. */
	if (last && last->base + last->len == base) {
		last->len += len;
	} else {
		if (zd->nr_frags == MAX_SKB_FRAGS)
			return false;
		zd->frags[zd->nr_frags].base = base;
		zd->frags[zd->nr_frags].len = len;
		zd->nr_frags++;
	}
	zd->data_len += len;
	skb->len += len;
	return true;
}

void skb_copy_bits(const struct sk_buff *skb, uint32_t off, void *to, uint32_t len)
{
	uint32_t headlen = skb_headlen(skb);
	const struct skb_zcopy_data *zd;
	uint8_t *out = to;

	BUG_ON((uint64_t)off + len > skb->len);
	if (off < headlen) {
		uint32_t n = MIN(len, headlen - off);
		memcpy(out, skb->data + off, n);
		out += n;
		len -= n;
		off = 0;
	} else {
		off -= headlen;
	}
	if (!len)
		return;
	zd = skb_zcopy_data(skb);
	for (uint32_t i = 0; i < zd->nr_frags && len; i++) {
		const struct skb_frag *f = &zd->frags[i];
		uint32_t n;
		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		n = MIN(len, f->len - off);
		memcpy(out, f->base + off, n);
		out += n;
		len -= n;
		off = 0;
	}
}

void skb_zcopy_pull(struct sk_buff *skb, uint32_t len)
{
	struct skb_zcopy_data *zd = skb_zcopy_data(skb);
	uint32_t drop = 0;

	BUG_ON(len > skb->len || skb_headlen(skb));
	skb->len -= len;
	zd->data_len -= len;
	while (len) {
		struct skb_frag *f = &zd->frags[drop];
		if (len < f->len) {
			f->base += len;
			f->len -= len;
			break;
		}
		len -= f->len;
		drop++;
	}
	if (drop) {
		zd->nr_frags -= drop;
		memmove(zd->frags, zd->frags + drop, zd->nr_frags * sizeof(zd->frags[0]));
	}
}

struct sk_buff *skb_zcopy_split(struct sk_buff *skb, uint32_t len)
{
	struct skb_zcopy_data *zd = skb_zcopy_data(skb), *nd;
	struct sk_buff *buff;
	uint32_t i, off = len;

	BUG_ON(len > skb->len || skb_headlen(skb));
	buff = alloc_skb_zcopy(skb->pool, zd->uarg);
	if (!buff)
		return NULL;
	nd = skb_zcopy_data(buff);
	/* the piece the cut falls in is shared: its start stays, its rest goes */
	for (i = 0; i < zd->nr_frags && off >= zd->frags[i].len; i++)
		off -= zd->frags[i].len;
	for (uint32_t k = i; k < zd->nr_frags; k++) {
		struct skb_frag f = zd->frags[k];
		if (k == i) {
			f.base += off;
			f.len -= off;
		}
		if (f.len)
			nd->frags[nd->nr_frags++] = f;
	}
	buff->len = nd->data_len = skb->len - len;
	zd->nr_frags = i;
	if (off) {
		zd->frags[i].len = off;
		zd->nr_frags++;
	}
	skb->len = zd->data_len = len;
	return buff;
}

struct sk_buff *skb_zcopy_clone_for_xmit(const struct sk_buff *skb, uint32_t headroom)
{
	const struct skb_zcopy_data *zd = skb_zcopy_data(skb);
	struct sk_buff *n;
	struct skb_zcopy_data *nd;

	BUG_ON(skb_headlen(skb));
	n = alloc_skb(skb->pool, sizeof(*zd) + headroom);
	if (!n)
		return NULL;
	skb_reserve(n, sizeof(*zd) + headroom);
	nd = skb_zcopy_data(n);
	nd->uarg = zd->uarg;
	nd->nr_frags = zd->nr_frags;
	nd->data_len = zd->data_len;
	memcpy(nd->frags, zd->frags, zd->nr_frags * sizeof(zd->frags[0]));
	net_zcopy_get(zd->uarg);
	skb_shinfo(n)->flags |= SKBFL_ZEROCOPY_FRAG;
	n->len = zd->data_len;
	/* (a queued buffer's header offsets are unset: its own stay so) */
	skb_copy_header(n, skb);
	return n;
}

size_t skb_zerocopy_iter_stream(struct sk_buff *skb, struct iov_iter *it, size_t len)
{
	size_t done = 0;

	while (done < len && it->nr_segs) {
		const struct iovec *v = it->iov;
		size_t n = MIN(v->iov_len - it->iov_offset, len - done);
		if (n) {
			n = MIN(n, (size_t)UINT32_MAX - skb->len);
			if (!skb_zcopy_add_frag(skb, (const uint8_t *)v->iov_base + it->iov_offset,
						(uint32_t)n))
				break;
		}
		done += n;
		it->count -= n;
		it->iov_offset += n;
		if (it->iov_offset == v->iov_len) {
			it->iov++;
			it->nr_segs--;
			it->iov_offset = 0;
		}
	}
	return done;
}

void net_zcopy_put(struct ubuf_info *uarg)
{
	if (uarg && --uarg->refcnt == 0)
		uarg->ops->complete(uarg);
}

/* ---- MSG_ZEROCOPY's notifications --------------------------------------------*/

/* A send's lent memory, and the notification it becomes (Linux's
 * ubuf_info_msgzc). Notifications are numbered per socket from 0
 * (sk_zckey); consecutive sends into the same unsent buffer share one
 * ubuf_info covering a range of numbers. */
struct ubuf_info_msgzc {
	struct ubuf_info ubuf;
	struct sock *sk;
	struct sk_buff *skb; /* the buffer this lives in, queued at the end */
	uint32_t id;	     /* first number */
	uint16_t len;	     /* numbers covered */
	uint32_t bytelen;
};

static struct ubuf_info_msgzc *uarg_to_msgzc(struct ubuf_info *uarg)
{
	return container_of(uarg, struct ubuf_info_msgzc, ubuf);
}

/* Adds the range [lo, lo + len) to a queued notification that ends just
 * before it (Linux's skb_zerocopy_notify_extend): a batch of sends reads as
 * one notification, as long as the range fits 32 bits. */
static bool zerocopy_notify_extend(struct sk_buff *skb, uint32_t lo, uint16_t len)
{
	struct sock_exterr_skb *serr = SKB_EXT_ERR(skb);
	uint32_t old_lo = serr->ee.ee_info, old_hi = serr->ee.ee_data;
	uint64_t sum_len = (uint64_t)old_hi - old_lo + 1 + len;

	if (sum_len >= (1ull << 32) || lo != old_hi + 1)
		return false;
	serr->ee.ee_data += len;
	return true;
}

static void msg_zerocopy_complete(struct ubuf_info *uarg)
{
	struct ubuf_info_msgzc *z = uarg_to_msgzc(uarg);
	struct sk_buff *skb = z->skb, *tail;
	struct sock *sk = z->sk;
	struct sock_exterr_skb *serr;

	/* an aborted send (len 0) or a closed socket: nobody to tell */
	if (!z->len || sock_flag(sk, SOCK_DEAD))
		goto release;
	serr = SKB_EXT_ERR(skb);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = 0;
	serr->ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
	serr->ee.ee_info = z->id;
	serr->ee.ee_data = z->id + z->len - 1u;
	if (!uarg->zerocopy)
		serr->ee.ee_code |= SO_EE_CODE_ZEROCOPY_COPIED;
	/* The notification holds nothing to read (Linux's is a zero-length
	 * skb charged as option memory, not to the receive buffer). */
	skb->len = 0;
	skb->truesize = 0;
	tail = skb_peek_tail(&sk->sk_error_queue);
	if (!tail || SKB_EXT_ERR(tail)->ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY ||
	    !zerocopy_notify_extend(tail, z->id, z->len)) {
		skb_queue_tail(&sk->sk_error_queue, skb);
		skb = NULL;
	}
	sk->sk_error_report(sk);
release:
	kfree_skb(skb);
	sock_put(sk);
}

static const struct ubuf_info_ops msg_zerocopy_ubuf_ops = {
	.complete = msg_zerocopy_complete,
};

static struct ubuf_info *msg_zerocopy_alloc(struct sock *sk, size_t size)
{
	struct sk_buff *skb = alloc_skb(sk->sk_stack->pool, sizeof(struct ubuf_info_msgzc));
	struct ubuf_info_msgzc *z;

	if (!skb)
		return NULL;
	z = (struct ubuf_info_msgzc *)(void *)skb->data;
	z->ubuf.ops = &msg_zerocopy_ubuf_ops;
	z->ubuf.refcnt = 1;
	z->ubuf.zerocopy = true;
	z->sk = sk;
	z->skb = skb;
	z->id = sk->sk_zckey++;
	z->len = 1;
	z->bytelen = (uint32_t)size;
	sock_hold(sk);
	return &z->ubuf;
}

struct ubuf_info *msg_zerocopy_realloc(struct sock *sk, size_t size, struct ubuf_info *uarg)
{
	/* A send whose bytes join the unsent buffer of the send before it
	 * extends that send's range rather than taking a notification of
	 * its own, while the numbers stay consecutive (Linux). */
	if (uarg && uarg->ops == &msg_zerocopy_ubuf_ops) {
		struct ubuf_info_msgzc *z = uarg_to_msgzc(uarg);
		uint32_t bytelen = z->bytelen + (uint32_t)size;

		if (z->len != UINT16_MAX - 1 && bytelen >= size && size <= UINT32_MAX &&
		    z->id + z->len == sk->sk_zckey) {
			z->len++;
			z->bytelen = bytelen;
			sk->sk_zckey++;
			net_zcopy_get(uarg);
			return uarg;
		}
	}
	return msg_zerocopy_alloc(sk, size);
}

void msg_zerocopy_put_abort(struct ubuf_info *uarg, bool have_uref)
{
	struct ubuf_info_msgzc *z;

	if (!uarg)
		return;
	z = uarg_to_msgzc(uarg);
	/* The send took nothing: its number is given back (Linux). */
	z->sk->sk_zckey--;
	z->len--;
	if (have_uref)
		net_zcopy_put(uarg);
}

/* MSG_ZEROCOPY on a UDP socket. A datagram leaves whole, within the call
 * (udp_sendmsg), so its bytes are copied into it and the send's
 * notification follows at once, marked COPIED: what Linux reports too
 * whenever the datagram's device cannot gather (or it is delivered
 * locally). A corked datagram (MSG_MORE, UDP_CORK) is notified per call
 * as each call's bytes are copied; Linux notifies when the datagram
 * leaves. The numbering is the same. */
ssize_t udp_sendmsg_zerocopy(struct sock *sk, const struct msghdr *msg, size_t len, int flags)
{
	struct ubuf_info *uarg = NULL;
	ssize_t ret;

	if (len && sock_flag(sk, SOCK_ZEROCOPY)) {
		uarg = msg_zerocopy_realloc(sk, len, NULL);
		if (!uarg)
			return -ENOBUFS;
		uarg->zerocopy = false;
	}
	ret = sk->sk_prot->sendmsg(sk, msg, len, flags);
	if (uarg) {
		if (ret >= 0)
			net_zcopy_put(uarg);
		else
			msg_zerocopy_put_abort(uarg, true);
	}
	return ret;
}

int skb_to_iovec(const struct sk_buff *skb, struct iovec *iov, uint32_t off)
{
	uint32_t headlen = skb_headlen(skb);
	const struct skb_zcopy_data *zd;
	int n = 0;

	BUG_ON(off > headlen);
	if (headlen > off)
		iov[n++] = (struct iovec){.iov_base = skb->data + off, .iov_len = headlen - off};
	if (!skb_zcopy(skb))
		return n;
	zd = skb_zcopy_data(skb);
	for (uint32_t i = 0; i < zd->nr_frags; i++)
		iov[n++] = (struct iovec){.iov_base = (void *)(uintptr_t)zd->frags[i].base,
					  .iov_len = zd->frags[i].len};
	return n;
}
