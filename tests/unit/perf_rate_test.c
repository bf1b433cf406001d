/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perf_rate: the first token, refill with a fractional remainder, the
 * burst cap, the wait until the next token, unpaced mode, and exact
 * long-run pacing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "perf_rate.h"

#define MS 1000000ull
#define T0 1000000000ull

static void
test_refill(void **state)
{
	struct perf_rate r;

	(void)state;
	perf_rate_init(&r, 1000, 10, T0);
	assert_int_equal(perf_rate_take(&r, T0, 100), 1);        /* starts with one */
	assert_int_equal(perf_rate_take(&r, T0, 100), 0);
	assert_int_equal(perf_rate_take(&r, T0 + 1 * MS, 100), 1);
	assert_int_equal(perf_rate_take(&r, T0 + 10 * MS + MS / 2, 100), 9); /* 9.5 */
	assert_int_equal(perf_rate_wait_ns(&r, T0 + 10 * MS + MS / 2), 500000);
	assert_int_equal(perf_rate_take(&r, T0 + 11 * MS, 100), 1);
	assert_int_equal(perf_rate_take(&r, T0 + 2000 * MS, 100), 10); /* burst cap */
	assert_int_equal(perf_rate_take(&r, T0 + 2000 * MS, 5), 0);
	assert_int_equal(perf_rate_take(&r, T0 + 2003 * MS, 2), 2);   /* want caps */
	assert_int_equal(perf_rate_take(&r, T0 + 2003 * MS, 2), 1);
	/* Time going backwards adds nothing. */
	assert_int_equal(perf_rate_take(&r, T0, 2), 0);
}

static void
test_unpaced(void **state)
{
	struct perf_rate r;

	(void)state;
	perf_rate_init(&r, 0, 1, T0);
	assert_int_equal(perf_rate_take(&r, T0, 32), 32);
	assert_int_equal(perf_rate_take(&r, T0, 7), 7);
	assert_int_equal(perf_rate_wait_ns(&r, T0), 0);
}

static void
test_long_run(void **state)
{
	struct perf_rate r;
	uint64_t total = 0;

	(void)state;
	/* 50 per second, checked every millisecond for 10 s: the first token
	 * plus 500, never more, never fewer. */
	perf_rate_init(&r, 50, 2, T0);
	for (uint64_t t = 0; t <= 10000; t++)
		total += perf_rate_take(&r, T0 + t * MS, 32);
	assert_int_equal(total, 501);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_unpaced),
		cmocka_unit_test(test_long_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
