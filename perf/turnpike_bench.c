/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-bench: micro-benchmarks of the protocol core and, when the
 * dataplane is built, of a real worker (the worker_* cases,
 * bench_worker.c; they start EAL in this process).
 *
 *   build/perf/turnpike-bench [--json] [--quick] [CASE...]
 *
 * Each case runs a fixed number of operations several times and reports
 * the best round, in TSC cycles per operation and millions of operations
 * per second on one core. Benchmarks, not tests: nothing here fails on a
 * slow machine. `--quick` shrinks the rounds for smoke tests.
 * docs/performance.md records the figures and the machine.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cases.h"

static const struct bench_case *const cases[] = {
	&bench_stun_parse_binding,
	&bench_fingerprint,
	&bench_integrity_sha1_verify,
	&bench_integrity_sha256_verify,
	&bench_allocate_authenticated,
#ifdef TP_BENCH_WORKER
	&bench_worker_binding,
	&bench_worker_channeldata_to_peer,
	&bench_worker_peer_to_channeldata,
	&bench_worker_send_indication,
	&bench_worker_peer_to_data_indication,
#endif
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Cycles per second of bench_cycles(), measured against the monotonic
 * clock over 100 ms, so the Mops figure is in wall-clock terms. */
static double
cycles_per_second(void)
{
	uint64_t t0 = now_ns(), c0 = bench_cycles();
	uint64_t t1;
	do
		t1 = now_ns();
	while (t1 - t0 < 100000000ull);
	uint64_t c1 = bench_cycles();
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

static int
finish(int rc)
{
#ifdef TP_BENCH_WORKER
	bench_worker_fini();
#endif
	return rc;
}

static bool
selected(const char *name, int argc, char **argv, int first)
{
	if (first >= argc)
		return true;
	for (int i = first; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	bool json = false, quick = false;
	int first = 1;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--json") == 0)
			json = true;
		else if (strcmp(argv[first], "--quick") == 0)
			quick = true;
		else {
			fprintf(stderr,
				"usage: %s [--json] [--quick] [CASE...]\ncases:", argv[0]);
			for (size_t i = 0; i < N_CASES; i++)
				fprintf(stderr, " %s", cases[i]->name);
			fprintf(stderr, "\n");
			return 2;
		}
	}
	for (int i = first; i < argc; i++) {
		bool known = false;
		for (size_t c = 0; c < N_CASES; c++)
			known |= strcmp(argv[i], cases[c]->name) == 0;
		if (!known) {
			fprintf(stderr, "turnpike-bench: unknown case '%s'\n", argv[i]);
			return 2;
		}
	}

	double hz = cycles_per_second();
	unsigned int rounds = quick ? 2 : 15;
	bool any = false;

	if (json)
		printf("{");
	for (size_t c = 0; c < N_CASES; c++) {
		const struct bench_case *bc = cases[c];
		if (!selected(bc->name, argc, argv, first))
			continue;
		unsigned int ops = quick ? bc->ops / 50 + 1 : bc->ops;
		void *st = bc->setup(ops);
		if (st == NULL) {
			fprintf(stderr, "turnpike-bench: %s: setup failed: %s\n", bc->name,
				strerror(errno));
			return finish(1);
		}
		double best = 0;
		for (unsigned int r = 0; r < rounds; r++) {
			uint64_t cyc = bc->run(st, ops);
			if (cyc == 0) {
				fprintf(stderr, "turnpike-bench: %s: run failed\n", bc->name);
				bc->teardown(st);
				return finish(1);
			}
			double per = (double)cyc / ops;
			if (r == 0 || per < best)
				best = per;
		}
		bc->teardown(st);
		double mops = hz / best / 1e6;
		if (json)
			printf("%s\"%s\":{\"cycles_per_op\":%.1f,\"mops_per_core\":%.3f}", any ? "," : "",
			       bc->name, best, mops);
		else
			printf("%-28s %10.1f cycles/op %10.3f Mops/core\n", bc->name, best, mops);
		any = true;
	}
	if (json)
		printf("}\n");
	else
		printf("(cycle counter at %.3f GHz)\n", hz / 1e9);
	return finish(0);
}
