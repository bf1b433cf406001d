/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one clock of turnpike-perf: CLOCK_MONOTONIC in nanoseconds. Send
 * timestamps embedded in packets and receive times must come from the
 * same clock for the latency to mean anything.
 */
#ifndef PERF_CLOCK_H
#define PERF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
