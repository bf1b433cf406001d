/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's user-key cache: put/get/replace, the age limit,
 * removal (keyspace invalidation), the capacity bound with LRU eviction,
 * and the name limits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cred_cache.h"

static void
fill_key(uint8_t key[CRED_CACHE_KEY_LEN], uint8_t v)
{
	memset(key, v, CRED_CACHE_KEY_LEN);
}

static void
test_put_get_replace(void **state)
{
	struct cred_cache *c = cred_cache_create(8, 1);
	uint8_t k[CRED_CACHE_KEY_LEN], out[CRED_CACHE_KEY_LEN], want[CRED_CACHE_KEY_LEN];

	(void)state;
	assert_non_null(c);
	assert_false(cred_cache_get(c, "alice", 5, 100, 300, out));
	fill_key(k, 0xaa);
	assert_int_equal(cred_cache_put(c, "alice", 5, k, 100), 0);
	assert_true(cred_cache_get(c, "alice", 5, 100, 300, out));
	assert_memory_equal(out, k, sizeof(k));
	/* Names are compared as bytes, with their length. */
	assert_false(cred_cache_get(c, "alic", 4, 100, 300, out));
	assert_false(cred_cache_get(c, "Alice", 5, 100, 300, out));
	assert_int_equal(cred_cache_put(c, "al\0ce", 5, k, 100), 0);
	assert_int_equal(cred_cache_count(c), 2);
	/* Replace: a new key and a new read time. */
	fill_key(k, 0xbb);
	assert_int_equal(cred_cache_put(c, "alice", 5, k, 200), 0);
	assert_int_equal(cred_cache_count(c), 2);
	assert_true(cred_cache_get(c, "alice", 5, 450, 300, out));
	fill_key(want, 0xbb);
	assert_memory_equal(out, want, sizeof(want));
	cred_cache_destroy(c);
}

static void
test_age(void **state)
{
	struct cred_cache *c = cred_cache_create(8, 2);
	uint8_t k[CRED_CACHE_KEY_LEN], out[CRED_CACHE_KEY_LEN];

	(void)state;
	fill_key(k, 1);
	assert_int_equal(cred_cache_put(c, "bob", 3, k, 1000), 0);
	assert_true(cred_cache_get(c, "bob", 3, 1300, 300, out));   /* exactly cache_ttl */
	assert_false(cred_cache_get(c, "bob", 3, 1301, 300, out));  /* too old */
	assert_true(cred_cache_get(c, "bob", 3, 1301, 400, out));   /* kept, only not answering */
	assert_false(cred_cache_get(c, "bob", 3, 999, 300, out));   /* clock before the read */
	assert_int_equal(cred_cache_count(c), 1);
	cred_cache_destroy(c);
}

static void
test_remove_clear(void **state)
{
	struct cred_cache *c = cred_cache_create(8, 3);
	uint8_t k[CRED_CACHE_KEY_LEN], out[CRED_CACHE_KEY_LEN];

	(void)state;
	fill_key(k, 2);
	assert_int_equal(cred_cache_put(c, "carol", 5, k, 1), 0);
	assert_int_equal(cred_cache_put(c, "dave", 4, k, 1), 0);
	assert_true(cred_cache_remove(c, "carol", 5));
	assert_false(cred_cache_remove(c, "carol", 5));
	assert_false(cred_cache_get(c, "carol", 5, 1, 300, out));
	assert_true(cred_cache_get(c, "dave", 4, 1, 300, out));
	cred_cache_clear(c);
	assert_int_equal(cred_cache_count(c), 0);
	assert_false(cred_cache_get(c, "dave", 4, 1, 300, out));
	/* Usable after clear. */
	assert_int_equal(cred_cache_put(c, "dave", 4, k, 1), 0);
	assert_true(cred_cache_get(c, "dave", 4, 1, 300, out));
	cred_cache_destroy(c);
}

static void
test_lru_eviction(void **state)
{
	struct cred_cache *c = cred_cache_create(100, 4);
	uint8_t k[CRED_CACHE_KEY_LEN], out[CRED_CACHE_KEY_LEN];
	char name[32];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		fill_key(k, (uint8_t)i);
		assert_int_equal(cred_cache_put(c, name, strlen(name), k, 10), 0);
	}
	assert_int_equal(cred_cache_count(c), 100);
	/* Touch user0: user1 becomes the least recently used. */
	assert_true(cred_cache_get(c, "user0", 5, 10, 300, out));
	fill_key(k, 0xee);
	assert_int_equal(cred_cache_put(c, "newcomer", 8, k, 10), 0);
	assert_int_equal(cred_cache_count(c), 100);
	assert_true(cred_cache_get(c, "user0", 5, 10, 300, out));
	assert_false(cred_cache_get(c, "user1", 5, 10, 300, out));
	assert_true(cred_cache_get(c, "newcomer", 8, 10, 300, out));
	/* A flood of new names never grows it past the bound. */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "flood%d", i);
		assert_int_equal(cred_cache_put(c, name, strlen(name), k, 10), 0);
		assert_true(cred_cache_count(c) <= 100);
	}
	assert_true(cred_cache_get(c, "flood4999", 9, 10, 300, out));
	assert_false(cred_cache_get(c, "user0", 5, 10, 300, out));
	cred_cache_destroy(c);
}

static void
test_limits(void **state)
{
	struct cred_cache *c;
	uint8_t k[CRED_CACHE_KEY_LEN] = {0}, out[CRED_CACHE_KEY_LEN];
	char longname[CRED_CACHE_USER_MAX + 2];

	(void)state;
	errno = 0;
	assert_null(cred_cache_create(0, 0));
	assert_int_equal(errno, EINVAL);
	c = cred_cache_create(1, 5);
	assert_non_null(c);
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(cred_cache_put(c, "", 0, k, 1), -EINVAL);
	assert_int_equal(cred_cache_put(c, longname, CRED_CACHE_USER_MAX + 1, k, 1), -EINVAL);
	assert_int_equal(cred_cache_put(c, longname, CRED_CACHE_USER_MAX, k, 1), 0);
	assert_true(cred_cache_get(c, longname, CRED_CACHE_USER_MAX, 1, 1, out));
	/* Capacity 1: each put replaces the only entry. */
	assert_int_equal(cred_cache_put(c, "a", 1, k, 1), 0);
	assert_int_equal(cred_cache_count(c), 1);
	assert_false(cred_cache_get(c, longname, CRED_CACHE_USER_MAX, 1, 1, out));
	cred_cache_destroy(c);
	cred_cache_destroy(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_replace),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_remove_clear),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
