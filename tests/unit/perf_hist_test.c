/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perf_hist: exact values below 64, the log-linear bucket bounds, the
 * percentile rank rule, clamping to the maximum, merge, and the error
 * bound over a sweep of values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "perf_hist.h"

static struct perf_hist h, h2;

static void
test_empty(void **state)
{
	(void)state;
	perf_hist_reset(&h);
	assert_int_equal(perf_hist_percentile(&h, 50.0), 0);
	assert_int_equal(perf_hist_percentile(&h, 100.0), 0);
	assert_int_equal(h.count, 0);
}

static void
test_one_to_hundred(void **state)
{
	(void)state;
	perf_hist_reset(&h);
	for (uint64_t v = 1; v <= 100; v++)
		perf_hist_add(&h, v);
	assert_int_equal(h.count, 100);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 100);
	assert_int_equal(h.sum, 5050);
	assert_int_equal(perf_hist_percentile(&h, 50.0), 50);  /* exact below 64 */
	assert_int_equal(perf_hist_percentile(&h, 90.0), 91);  /* bucket [90, 91] */
	assert_int_equal(perf_hist_percentile(&h, 99.0), 99);  /* bucket [98, 99] */
	assert_int_equal(perf_hist_percentile(&h, 99.9), 100); /* [100, 101] clamped */
	assert_int_equal(perf_hist_percentile(&h, 100.0), 100);
	assert_int_equal(perf_hist_percentile(&h, 0.0), 1);
	assert_int_equal(perf_hist_percentile(&h, 1.0), 1);
}

static void
test_buckets(void **state)
{
	(void)state;
	assert_int_equal(perf_hist_index(63), 63);
	assert_int_equal(perf_hist_index(64), 64);
	assert_int_equal(perf_hist_index(65), 64);
	assert_int_equal(perf_hist_index(992), 190);
	assert_int_equal(perf_hist_index(1007), 190);
	assert_int_equal(perf_hist_index(1008), 191);
	assert_int_equal(perf_hist_bucket_high(190), 1007);
	assert_int_equal(perf_hist_bucket_high(64), 65);
	assert_int_equal(perf_hist_index(UINT64_MAX), PERF_HIST_BUCKETS - 1);
	assert_true(perf_hist_bucket_high(PERF_HIST_BUCKETS - 1) == UINT64_MAX);
	/* Every value lies in its bucket, whose width is at most v/32. */
	for (uint64_t v = 1; v < ((uint64_t)1 << 62); v = v * 3 / 2 + 1) {
		unsigned int i = perf_hist_index(v);
		uint64_t hi = perf_hist_bucket_high(i);

		assert_true(hi >= v);
		assert_true(hi - v <= v / 32);
		if (i > 0)
			assert_true(perf_hist_bucket_high(i - 1) < v);
	}
}

static void
test_merge(void **state)
{
	(void)state;
	perf_hist_reset(&h);
	perf_hist_reset(&h2);
	for (int i = 0; i < 10; i++) {
		perf_hist_add(&h, 5);
		perf_hist_add(&h2, 1000);
	}
	perf_hist_merge(&h, &h2);
	assert_int_equal(h.count, 20);
	assert_int_equal(h.min, 5);
	assert_int_equal(h.max, 1000);
	assert_int_equal(perf_hist_percentile(&h, 50.0), 5);
	assert_int_equal(perf_hist_percentile(&h, 51.0), 1000); /* [992, 1007] clamped */
	assert_int_equal(perf_hist_percentile(&h, 99.0), 1000);
	perf_hist_reset(&h2);
	perf_hist_merge(&h, &h2); /* empty: no change */
	assert_int_equal(h.count, 20);
	assert_int_equal(h.min, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_to_hundred),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
