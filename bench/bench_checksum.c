/* Throughput of csum_partial() against memcpy() over the same buffers, and
 * against a naive 16-bit-at-a-time checksum to show what the 8-byte loop
 * buys. Prints figures only; it checks nothing beyond agreement of the two
 * checksums (a disagreement is reported and makes the exit status 1).
 *
 *   bench_checksum [total MiB per cell, default 256]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/wire.h"

static const size_t sizes[] = {64, 1500, 9000, 65536};
#define RUNS 5 /* best of: the least disturbed run */

/* Calls through volatile pointers keep the compiler from inlining the work
 * away or hoisting it out of the timing loop. */
static uint32_t (*volatile csum_fn)(const void *, size_t, uint32_t) = csum_partial;
static void *(*volatile memcpy_fn)(void *, const void *, size_t) = memcpy;
static volatile uint32_t sink;

/* The textbook loop: one big-endian 16-bit word at a time. */
static uint32_t naive_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static uint32_t (*volatile naive_fn)(const void *, size_t, uint32_t) = naive_csum;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum what { CSUM, NAIVE, MEMCPY };

/* Bytes per second of the best of RUNS runs of iters passes over len bytes. */
static double measure(enum what w, uint8_t *src, uint8_t *dst, size_t len, size_t iters)
{
	double best = 0;

	for (int r = 0; r < RUNS; r++) {
		uint32_t acc = 0;
		double t0 = now(), dt;

		for (size_t i = 0; i < iters; i++) {
			switch (w) {
			case CSUM:
				acc += csum_fn(src, len, 0);
				break;
			case NAIVE:
				acc += naive_fn(src, len, 0);
				break;
			case MEMCPY:
				memcpy_fn(dst, src, len);
				acc += dst[i % len];
				break;
			}
		}
		dt = now() - t0;
		sink = acc;
		if (dt > 0 && (double)len * (double)iters / dt > best)
			best = (double)len * (double)iters / dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	size_t total = (size_t)256 << 20;
	int status = 0;

	if (argc > 1)
		total = (size_t)strtoul(argv[1], NULL, 10) << 20;
	if (total == 0)
		total = (size_t)1 << 20;

	printf("csum_partial vs memcpy vs naive 16-bit checksum, best of %d, "
	       "%zu MiB per run\n",
	       RUNS, total >> 20);
	printf("%8s %6s %14s %14s %14s %10s %10s\n", "size", "align", "csum GB/s", "naive GB/s",
	       "memcpy GB/s", "vs naive", "vs memcpy");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i];
		/* Aligned, and one byte off to show unaligned loads cost
		 * nothing much (memcpy loads, RFC 1071 section 2(B)). */
		for (size_t off = 0; off < 2; off++) {
			uint8_t *src = malloc(len + 8), *dst = malloc(len + 8);
			size_t iters = total / len;
			double c, n, m;

			if (!src || !dst) {
				fprintf(stderr, "out of memory\n");
				return 1;
			}
			for (size_t k = 0; k < len + 8; k++)
				src[k] = (uint8_t)(k * 2654435761u >> 13);
			if (csum_fold(csum_partial(src + off, len, 0)) !=
			    csum_fold(naive_csum(src + off, len, 0))) {
				fprintf(stderr, "size %zu: checksums disagree\n", len);
				status = 1;
			}
			c = measure(CSUM, src + off, dst + off, len, iters);
			n = measure(NAIVE, src + off, dst + off, len, iters);
			m = measure(MEMCPY, src + off, dst + off, len, iters);
			printf("%8zu %6zu %14.2f %14.2f %14.2f %9.1fx %9.2fx\n", len, off, c / 1e9,
			       n / 1e9, m / 1e9, n > 0 ? c / n : 0, m > 0 ? c / m : 0);
			free(src);
			free(dst);
		}
	}
	return status;
}
