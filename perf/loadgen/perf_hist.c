/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histogram: see perf_hist.h.
 */
#include "perf_hist.h"

#include <math.h>
#include <string.h>

unsigned int
perf_hist_index(uint64_t v)
{
	unsigned int e, sub;

	if (v < 2 * PERF_HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v); /* >= SUB_BITS + 1 */
	sub = (unsigned int)(v >> (e - PERF_HIST_SUB_BITS)) & (PERF_HIST_SUB - 1);
	return (e - PERF_HIST_SUB_BITS + 1) * PERF_HIST_SUB + sub;
}

uint64_t
perf_hist_bucket_high(unsigned int idx)
{
	unsigned int e, sub;
	uint64_t low, width;

	if (idx < 2 * PERF_HIST_SUB)
		return idx;
	if (idx >= PERF_HIST_BUCKETS)
		return UINT64_MAX;
	e = idx / PERF_HIST_SUB + PERF_HIST_SUB_BITS - 1;
	sub = idx % PERF_HIST_SUB;
	width = (uint64_t)1 << (e - PERF_HIST_SUB_BITS);
	low = (uint64_t)(PERF_HIST_SUB + sub) << (e - PERF_HIST_SUB_BITS);
	return low + (width - 1);
}

void
perf_hist_reset(struct perf_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
perf_hist_add(struct perf_hist *h, uint64_t v)
{
	h->b[perf_hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->sum = h->sum + v < h->sum ? UINT64_MAX : h->sum + v;
}

void
perf_hist_merge(struct perf_hist *dst, const struct perf_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum = dst->sum + src->sum < dst->sum ? UINT64_MAX : dst->sum + src->sum;
}

uint64_t
perf_hist_percentile(const struct perf_hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (!(p > 0.0))
		return h->min;
	if (p >= 100.0)
		return h->max;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned int i = 0; i < PERF_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t hi = perf_hist_bucket_high(i);

			return hi > h->max ? h->max : hi;
		}
	}
	return h->max;
}
