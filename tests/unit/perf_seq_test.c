/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perf_seq: in-order, gaps, late fills (reordered), duplicates inside
 * the window, packets older than the window, and a jump beyond it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "perf_seq.h"

static void
test_basic(void **state)
{
	struct perf_seq s;

	(void)state;
	perf_seq_reset(&s);
	assert_int_equal(perf_seq_lost(&s), 0);
	assert_int_equal(perf_seq_push(&s, 0), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, 1), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, 2), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, 5), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_lost(&s), 2); /* 3 and 4, so far */
	assert_int_equal(perf_seq_push(&s, 3), PERF_SEQ_REORDERED);
	assert_int_equal(perf_seq_push(&s, 3), PERF_SEQ_DUPLICATE);
	assert_int_equal(perf_seq_push(&s, 4), PERF_SEQ_REORDERED);
	assert_int_equal(perf_seq_push(&s, 5), PERF_SEQ_DUPLICATE);
	assert_int_equal(perf_seq_push(&s, 10), PERF_SEQ_IN_ORDER);
	assert_int_equal(s.received, 7);
	assert_int_equal(s.duplicates, 2);
	assert_int_equal(s.reordered, 2);
	assert_int_equal(s.too_old, 0);
	assert_int_equal(s.highest, 10);
	assert_int_equal(perf_seq_lost(&s), 4); /* 6, 7, 8, 9 */
}

static void
test_first_not_zero(void **state)
{
	struct perf_seq s;

	(void)state;
	perf_seq_reset(&s);
	/* Packet 0 and 1 lost, 2 arrives first. */
	assert_int_equal(perf_seq_push(&s, 2), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_lost(&s), 2);
	assert_int_equal(perf_seq_push(&s, 0), PERF_SEQ_REORDERED);
	assert_int_equal(perf_seq_lost(&s), 1);
}

static void
test_window(void **state)
{
	struct perf_seq s;

	(void)state;
	perf_seq_reset(&s);
	assert_int_equal(perf_seq_push(&s, 0), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, 1), PERF_SEQ_IN_ORDER);
	/* A jump past the whole window forgets it: the old bits must not
	 * make 1 + WINDOW * k look like a duplicate. */
	assert_int_equal(perf_seq_push(&s, 1 + 3 * PERF_SEQ_WINDOW), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, 1 + 2 * PERF_SEQ_WINDOW + 1), PERF_SEQ_REORDERED);
	assert_int_equal(perf_seq_push(&s, 1 + 2 * PERF_SEQ_WINDOW + 1), PERF_SEQ_DUPLICATE);
	assert_int_equal(perf_seq_push(&s, 1), PERF_SEQ_TOO_OLD);
	assert_int_equal(s.received, 5);
	assert_int_equal(s.reordered, 2);
	assert_int_equal(s.too_old, 1);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(perf_seq_lost(&s), 2 + 3 * PERF_SEQ_WINDOW - 5);
	/* A step inside the window clears only the numbers skipped. */
	perf_seq_reset(&s);
	for (uint64_t k = 0; k < 3 * PERF_SEQ_WINDOW; k += 2)
		assert_int_equal(perf_seq_push(&s, k), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, 3 * PERF_SEQ_WINDOW - 3), PERF_SEQ_REORDERED);
	assert_int_equal(perf_seq_push(&s, 3 * PERF_SEQ_WINDOW - 4), PERF_SEQ_DUPLICATE);
	assert_int_equal(perf_seq_lost(&s), 3 * PERF_SEQ_WINDOW / 2 - 2);
	/* Skipped numbers whose slot held an older number are not duplicates. */
	perf_seq_reset(&s);
	for (uint64_t k = 0; k < PERF_SEQ_WINDOW; k++)
		assert_int_equal(perf_seq_push(&s, k), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, PERF_SEQ_WINDOW + 6), PERF_SEQ_IN_ORDER);
	assert_int_equal(perf_seq_push(&s, PERF_SEQ_WINDOW + 3), PERF_SEQ_REORDERED);
	assert_int_equal(perf_seq_push(&s, PERF_SEQ_WINDOW + 3), PERF_SEQ_DUPLICATE);
	assert_int_equal(perf_seq_lost(&s), 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_first_not_zero),
		cmocka_unit_test(test_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
