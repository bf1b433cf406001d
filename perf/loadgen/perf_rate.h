/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token-bucket pacing in integer arithmetic: @rate tokens per second,
 * at most @burst saved up. Credit is kept in billionths of a token so a
 * rate of any size paces exactly over time; the bucket starts with one
 * token so the first packet goes at once.
 *
 *   struct perf_rate r;
 *   perf_rate_init(&r, 50, 2, now_ns);          // 50 pps, bursts of 2
 *   unsigned int n = perf_rate_take(&r, now_ns, 32);   // 0..32 to send now
 *
 * Rate 0 means unpaced: take() grants all it is asked. Time going
 * backwards adds nothing; gaps over 10 s count as 10 s. Rates up to
 * 10^8 per second.
 */
#ifndef PERF_RATE_H
#define PERF_RATE_H

#include <stdint.h>

struct perf_rate {
	uint64_t rate;   /* tokens per second, 0 = unpaced */
	uint64_t burst;  /* >= 1 */
	uint64_t credit; /* in 1e-9 tokens */
	uint64_t last_ns;
};

void perf_rate_init(struct perf_rate *r, uint64_t rate, uint64_t burst, uint64_t now_ns);
unsigned int perf_rate_take(struct perf_rate *r, uint64_t now_ns, unsigned int want);
/* Nanoseconds from @now_ns until one token is there (0: now). */
uint64_t perf_rate_wait_ns(const struct perf_rate *r, uint64_t now_ns);

#endif
