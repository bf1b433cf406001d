/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One benchmark case: setup builds every input outside the timed region,
 * run performs @ops operations and returns the cycles they took (0 on
 * failure, e.g. a verification that should have succeeded did not).
 */
#ifndef BENCH_CASES_H
#define BENCH_CASES_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t
bench_cycles(void)
{
	return __rdtsc();
}
#else
#include <time.h>
static inline uint64_t
bench_cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
#endif

struct bench_case {
	const char *name;
	unsigned int ops; /* per round */
	void *(*setup)(unsigned int ops);
	uint64_t (*run)(void *st, unsigned int ops);
	void (*teardown)(void *st);
};

extern const struct bench_case bench_stun_parse_binding;
extern const struct bench_case bench_fingerprint;
extern const struct bench_case bench_integrity_sha1_verify;
extern const struct bench_case bench_integrity_sha256_verify;
extern const struct bench_case bench_allocate_authenticated;

#ifdef TP_BENCH_WORKER
/* bench_worker.c: a real dataplane worker in this process (EAL, started
 * by the first of these cases to run). */
extern const struct bench_case bench_worker_binding;
extern const struct bench_case bench_worker_channeldata_to_peer;
extern const struct bench_case bench_worker_peer_to_channeldata;
extern const struct bench_case bench_worker_send_indication;
extern const struct bench_case bench_worker_peer_to_data_indication;
/* Tears the worker and EAL down if a worker case started them. */
void bench_worker_fini(void);
#endif

/* Keep the compiler from discarding a result. */
static inline void
bench_consume(uint64_t v)
{
	__asm__ volatile("" : : "r"(v) : "memory");
}

#endif
