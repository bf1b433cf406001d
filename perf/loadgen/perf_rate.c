/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token-bucket pacing: see perf_rate.h.
 */
#include "perf_rate.h"

#define ONE 1000000000ull
#define MAX_GAP_NS (10ull * ONE)
#define MAX_RATE 100000000ull

void
perf_rate_init(struct perf_rate *r, uint64_t rate, uint64_t burst, uint64_t now_ns)
{
	r->rate = rate > MAX_RATE ? MAX_RATE : rate;
	r->burst = burst == 0 ? 1 : burst;
	r->credit = ONE;
	r->last_ns = now_ns;
}

static void
refill(struct perf_rate *r, uint64_t now_ns)
{
	uint64_t gap, cap = r->burst * ONE;

	if (now_ns <= r->last_ns)
		return;
	gap = now_ns - r->last_ns;
	if (gap > MAX_GAP_NS)
		gap = MAX_GAP_NS;
	r->last_ns = now_ns;
	/* gap <= 1e10 and rate <= 1e8: the product fits in 64 bits. */
	r->credit += gap * r->rate;
	if (r->credit > cap)
		r->credit = cap;
}

unsigned int
perf_rate_take(struct perf_rate *r, uint64_t now_ns, unsigned int want)
{
	uint64_t n;

	if (r->rate == 0)
		return want;
	refill(r, now_ns);
	n = r->credit / ONE;
	if (n > want)
		n = want;
	r->credit -= n * ONE;
	return (unsigned int)n;
}

uint64_t
perf_rate_wait_ns(const struct perf_rate *r, uint64_t now_ns)
{
	uint64_t credit = r->credit, gap;

	if (r->rate == 0)
		return 0;
	if (now_ns > r->last_ns) {
		gap = now_ns - r->last_ns;
		if (gap > MAX_GAP_NS)
			gap = MAX_GAP_NS;
		credit += gap * r->rate;
	}
	if (credit >= ONE)
		return 0;
	return (ONE - credit + r->rate - 1) / r->rate;
}
