/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A latency histogram with log-linear buckets: values below 64 are
 * exact, above that each power of two is split into 32 equal buckets,
 * so any reported percentile is within 1/32 (about 3 %) above the true
 * value. Fixed size (PERF_HIST_BUCKETS counters), no allocation, any
 * uint64_t value; merge() adds one histogram into another (threads).
 *
 *   struct perf_hist h;
 *   perf_hist_reset(&h);
 *   perf_hist_add(&h, latency_ns);
 *   uint64_t p99 = perf_hist_percentile(&h, 99.0);  // 0 when empty
 *
 * A percentile is the upper bound of the bucket holding the sample of
 * rank ceil(p/100 * count), clamped to the largest value seen.
 * Not thread-safe.
 */
#ifndef PERF_HIST_H
#define PERF_HIST_H

#include <stdint.h>

#define PERF_HIST_SUB_BITS 5
#define PERF_HIST_SUB (1u << PERF_HIST_SUB_BITS)
/* Exponents 5..63 each take PERF_HIST_SUB buckets, after 64 exact ones. */
#define PERF_HIST_BUCKETS ((64 - PERF_HIST_SUB_BITS + 1) * PERF_HIST_SUB)

struct perf_hist {
	uint64_t count;
	uint64_t min, max;
	uint64_t sum; /* saturates */
	uint64_t b[PERF_HIST_BUCKETS];
};

void perf_hist_reset(struct perf_hist *h);
void perf_hist_add(struct perf_hist *h, uint64_t v);
void perf_hist_merge(struct perf_hist *dst, const struct perf_hist *src);
/* @p in [0, 100]; 0 for an empty histogram. */
uint64_t perf_hist_percentile(const struct perf_hist *h, double p);
/* Bucket index of @v and the largest value the bucket holds (tests). */
unsigned int perf_hist_index(uint64_t v);
uint64_t perf_hist_bucket_high(unsigned int idx);

#endif
