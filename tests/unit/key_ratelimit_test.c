/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * key_ratelimit: a burst then refusals with the right retry time, refill
 * at the configured rate, keys kept apart, a backwards clock, rate 0,
 * reload caps, and the fixed-size table evicting the least recently
 * used bucket of a set instead of growing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "key_ratelimit.h"

/* An id whose set is chosen by @set (first two bytes) and that is told
 * apart by @tag. */
static void
mkid(uint8_t id[KEY_RL_ID_LEN], unsigned int set, unsigned int tag)
{
	memset(id, 0, KEY_RL_ID_LEN);
	id[0] = (uint8_t)(set >> 8);
	id[1] = (uint8_t)set;
	id[2] = (uint8_t)(tag >> 8);
	id[3] = (uint8_t)tag;
}

static void
test_burst_and_refill(void **state)
{
	struct key_ratelimit *rl = key_ratelimit_create(10, 20);
	uint8_t a[KEY_RL_ID_LEN], b[KEY_RL_ID_LEN];
	uint32_t retry = 0;
	uint64_t t = 1000000;

	(void)state;
	assert_non_null(rl);
	mkid(a, 1, 1);
	mkid(b, 2, 1);
	for (int i = 0; i < 20; i++)
		assert_true(key_ratelimit_take(rl, a, t, &retry));
	assert_false(key_ratelimit_take(rl, a, t, &retry));
	assert_int_equal(retry, 100); /* one token at 10/s */
	/* another key is not affected */
	assert_true(key_ratelimit_take(rl, b, t, NULL));
	assert_int_equal(key_ratelimit_count(rl), 2);

	/* 99 ms: still nothing; 100 ms: exactly one */
	assert_false(key_ratelimit_take(rl, a, t + 99, &retry));
	assert_int_equal(retry, 1);
	assert_true(key_ratelimit_take(rl, a, t + 100, &retry));
	assert_false(key_ratelimit_take(rl, a, t + 100, &retry));
	assert_int_equal(retry, 100);

	/* a clock going backwards refills nothing */
	assert_false(key_ratelimit_take(rl, a, t, &retry));

	/* a long idle time refills to the burst, not beyond */
	t += 3600 * 1000;
	for (int i = 0; i < 20; i++)
		assert_true(key_ratelimit_take(rl, a, t, NULL));
	assert_false(key_ratelimit_take(rl, a, t, NULL));
	key_ratelimit_destroy(rl);
}

static void
test_fractional_rate(void **state)
{
	/* rate 3/s: 333.3 ms per token, rounded up in Retry */
	struct key_ratelimit *rl = key_ratelimit_create(3, 1);
	uint8_t a[KEY_RL_ID_LEN];
	uint32_t retry = 0;
	int ok = 0;

	(void)state;
	mkid(a, 7, 7);
	assert_true(key_ratelimit_take(rl, a, 0, NULL));
	assert_false(key_ratelimit_take(rl, a, 0, &retry));
	assert_int_equal(retry, 334);
	/* Polling every 10 ms, a token is found 340 ms after the last one
	 * (333.3 rounded up to the next poll; a full bucket holds no more),
	 * so 29 requests get through in 10 s. */
	for (uint64_t t = 10; t <= 10000; t += 10)
		ok += key_ratelimit_take(rl, a, t, NULL);
	assert_int_equal(ok, 29);
	key_ratelimit_destroy(rl);
}

static void
test_unlimited_and_reload(void **state)
{
	struct key_ratelimit *rl = key_ratelimit_create(0, 1);
	uint8_t a[KEY_RL_ID_LEN];

	(void)state;
	mkid(a, 3, 3);
	for (int i = 0; i < 1000; i++)
		assert_true(key_ratelimit_take(rl, a, 5, NULL));
	assert_int_equal(key_ratelimit_count(rl), 0); /* nothing tracked */

	key_ratelimit_set(rl, 1, 5);
	for (int i = 0; i < 5; i++)
		assert_true(key_ratelimit_take(rl, a, 5, NULL));
	assert_false(key_ratelimit_take(rl, a, 5, NULL));
	/* a smaller burst caps what a bucket holds */
	assert_true(key_ratelimit_take(rl, a, 5 + 5000, NULL)); /* full again: 5 */
	key_ratelimit_set(rl, 1, 2);                            /* 4 left -> 2 */
	assert_true(key_ratelimit_take(rl, a, 5 + 5000, NULL));
	assert_true(key_ratelimit_take(rl, a, 5 + 5000, NULL));
	assert_false(key_ratelimit_take(rl, a, 5 + 5000, NULL));
	/* burst 0 is taken as 1 */
	key_ratelimit_set(rl, 1, 0);
	assert_true(key_ratelimit_take(rl, a, 5 + 9000, NULL));
	assert_false(key_ratelimit_take(rl, a, 5 + 9000, NULL));
	key_ratelimit_destroy(rl);
}

static void
test_large_values(void **state)
{
	struct key_ratelimit *rl = key_ratelimit_create(UINT32_MAX, UINT32_MAX);
	uint8_t a[KEY_RL_ID_LEN];

	(void)state;
	mkid(a, 4, 4);
	assert_true(key_ratelimit_take(rl, a, 0, NULL));
	assert_true(key_ratelimit_take(rl, a, UINT64_MAX / 2, NULL));
	assert_true(key_ratelimit_take(rl, a, UINT64_MAX, NULL));
	key_ratelimit_destroy(rl);
}

static void
test_eviction(void **state)
{
	struct key_ratelimit *rl = key_ratelimit_create(1, 1);
	uint8_t id[KEY_RL_ID_LEN];
	uint64_t t = 100;

	(void)state;
	/* Fill one set: each key empties its bucket. */
	for (unsigned int k = 0; k < KEY_RL_WAYS; k++) {
		mkid(id, 9, k);
		assert_true(key_ratelimit_take(rl, id, t + k, NULL));
		assert_false(key_ratelimit_take(rl, id, t + k, NULL));
	}
	assert_int_equal(key_ratelimit_count(rl), KEY_RL_WAYS);
	/* Touch key 0 again so key 1 is the least recently used. */
	mkid(id, 9, 0);
	assert_false(key_ratelimit_take(rl, id, t + 10, NULL));
	/* A new key in the same set evicts key 1 (count stays) ... */
	mkid(id, 9, 100);
	assert_true(key_ratelimit_take(rl, id, t + 11, NULL));
	assert_int_equal(key_ratelimit_count(rl), KEY_RL_WAYS);
	/* ... so key 1 comes back with a full bucket, and key 0 (kept) is
	 * still empty. */
	mkid(id, 9, 0);
	assert_false(key_ratelimit_take(rl, id, t + 12, NULL));
	mkid(id, 9, 1);
	assert_true(key_ratelimit_take(rl, id, t + 12, NULL));

	/* Many distinct keys never grow the table past its size. */
	for (unsigned int k = 0; k < 3 * KEY_RL_SLOTS; k++) {
		mkid(id, k % 65536, k);
		key_ratelimit_take(rl, id, t + 20 + k, NULL);
	}
	assert_true(key_ratelimit_count(rl) <= KEY_RL_SLOTS);
	assert_int_equal(key_ratelimit_count(rl), KEY_RL_SLOTS);
	key_ratelimit_destroy(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_and_refill), cmocka_unit_test(test_fractional_rate),
		cmocka_unit_test(test_unlimited_and_reload), cmocka_unit_test(test_large_values),
		cmocka_unit_test(test_eviction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
