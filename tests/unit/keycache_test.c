/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keycache: hits, negative entries, misses, expiry by TTL, one entry per
 * (identity, algorithm), names and USERHASHes kept apart, eviction of the
 * soonest-expiring way in a full set, the bounded sweep, and randomised
 * churn checked against a reference model.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keycache.h"

static const uint64_t seed[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};

static struct keycache_id
name_id(const char *name, uint16_t alg)
{
	struct keycache_id id = {.kind = KEYCACHE_NAME, .alg = alg};

	id.len = (uint16_t)strlen(name);
	memcpy(id.bytes, name, id.len);
	return id;
}

static struct keycache_val
pos_val(uint8_t fill, const char *user)
{
	struct keycache_val v = {.key_len = 16};

	memset(v.key, fill, v.key_len);
	v.user_len = (uint8_t)strlen(user);
	memcpy(v.user, user, v.user_len);
	return v;
}

static void
test_create_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(keycache_create(0, seed));
	assert_int_equal(errno, EINVAL);
	assert_null(keycache_create(3, seed));
	assert_null(keycache_create(1u << 17, seed));
	keycache_destroy(NULL);
	struct keycache *kc = keycache_create(1, NULL);
	assert_non_null(kc);
	keycache_destroy(kc);
}

static void
test_hit_miss_negative(void **state)
{
	(void)state;
	struct keycache *kc = keycache_create(16, seed);
	struct keycache_id alice = name_id("alice", 2), bob = name_id("bob", 2);
	struct keycache_val v = pos_val(0xaa, "alice"), neg = {.negative = true}, got;

	assert_int_equal(keycache_lookup(kc, &alice, 100, &got), -EAGAIN);
	assert_int_equal(keycache_insert(kc, &alice, &v, 100, 50), 0);
	assert_int_equal(keycache_insert(kc, &bob, &neg, 100, 10), 0);
	memset(&got, 0, sizeof(got));
	assert_int_equal(keycache_lookup(kc, &alice, 120, &got), 0);
	assert_int_equal(got.key_len, 16);
	assert_int_equal(got.key[15], 0xaa);
	assert_int_equal(got.user_len, 5);
	assert_memory_equal(got.user, "alice", 5);
	assert_int_equal(keycache_lookup(kc, &bob, 105, &got), -ENOENT);
	/* Expiry is exclusive: an entry inserted at t with ttl d is gone at t + d. */
	assert_int_equal(keycache_lookup(kc, &bob, 110, &got), -EAGAIN);
	assert_int_equal(keycache_lookup(kc, &alice, 149, &got), 0);
	assert_int_equal(keycache_lookup(kc, &alice, 150, &got), -EAGAIN);

	const struct keycache_stats *st = keycache_stats(kc);
	assert_int_equal(st->hit, 2);
	assert_int_equal(st->negative_hit, 1);
	assert_int_equal(st->miss, 3);
	assert_int_equal(st->entries, 2);
	assert_int_equal(keycache_expire(kc, 150, 16), 2);
	assert_int_equal(st->entries, 0);
	keycache_destroy(kc);
}

static void
test_identity_parts(void **state)
{
	(void)state;
	struct keycache *kc = keycache_create(4, seed);
	struct keycache_id md5 = name_id("carol", 1), sha = name_id("carol", 2);
	struct keycache_id hash = {.kind = KEYCACHE_USERHASH, .alg = 2, .len = 5};
	struct keycache_id prefix = name_id("caro", 2);
	struct keycache_val a = pos_val(1, "carol"), b = pos_val(2, "carol"), got;

	memcpy(hash.bytes, "carol", 5);
	assert_int_equal(keycache_insert(kc, &md5, &a, 0, 100), 0);
	assert_int_equal(keycache_lookup(kc, &sha, 1, &got), -EAGAIN);
	assert_int_equal(keycache_lookup(kc, &hash, 1, &got), -EAGAIN);
	assert_int_equal(keycache_lookup(kc, &prefix, 1, &got), -EAGAIN);
	assert_int_equal(keycache_insert(kc, &sha, &b, 0, 100), 0);
	assert_int_equal(keycache_lookup(kc, &md5, 1, &got), 0);
	assert_int_equal(got.key[0], 1);
	assert_int_equal(keycache_lookup(kc, &sha, 1, &got), 0);
	assert_int_equal(got.key[0], 2);
	/* Replacing keeps one entry and takes the new TTL. */
	assert_int_equal(keycache_insert(kc, &sha, &a, 0, 5), 0);
	assert_int_equal(keycache_stats(kc)->entries, 2);
	assert_int_equal(keycache_lookup(kc, &sha, 4, &got), 0);
	assert_int_equal(got.key[0], 1);
	assert_int_equal(keycache_lookup(kc, &sha, 5, &got), -EAGAIN);
	assert_int_equal(keycache_remove(kc, &md5), 0);
	assert_int_equal(keycache_remove(kc, &md5), -ENOENT);
	assert_int_equal(keycache_lookup(kc, &md5, 1, &got), -EAGAIN);
	keycache_destroy(kc);
}

static void
test_bad_sizes(void **state)
{
	(void)state;
	struct keycache *kc = keycache_create(4, seed);
	struct keycache_id id = name_id("dave", 2), big = id;
	struct keycache_val v = pos_val(3, "dave"), got;

	big.len = KEYCACHE_ID_MAX + 1;
	assert_int_equal(keycache_insert(kc, &big, &v, 0, 10), -EINVAL);
	assert_int_equal(keycache_lookup(kc, &big, 0, &got), -EINVAL);
	assert_int_equal(keycache_insert(kc, &id, &v, 0, 0), -EINVAL);
	v.key_len = KEYCACHE_KEY_MAX + 1;
	assert_int_equal(keycache_insert(kc, &id, &v, 0, 10), -EINVAL);
	v = pos_val(3, "dave");
	v.user_len = KEYCACHE_USER_MAX + 1;
	assert_int_equal(keycache_insert(kc, &id, &v, 0, 10), -EINVAL);
	/* The longest name fits. */
	memset(big.bytes, 'x', KEYCACHE_ID_MAX);
	big.len = KEYCACHE_ID_MAX;
	v = pos_val(3, "x");
	assert_int_equal(keycache_insert(kc, &big, &v, 0, 10), 0);
	assert_int_equal(keycache_lookup(kc, &big, 1, &got), 0);
	keycache_destroy(kc);
}

/* One set: the fifth insert evicts the soonest-expiring live entry, so
 * a negative entry goes before a user's key. */
static void
test_eviction(void **state)
{
	(void)state;
	struct keycache *kc = keycache_create(1, seed);
	struct keycache_val v = pos_val(9, "u"), neg = {.negative = true}, got;
	struct keycache_id ids[6];
	char name[8];

	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		ids[i] = name_id(name, 2);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(keycache_insert(kc, &ids[i], i == 2 ? &neg : &v, 0, 100 + i), 0);
	assert_int_equal(keycache_insert(kc, &ids[2], &neg, 0, 5), 0);
	assert_int_equal(keycache_insert(kc, &ids[4], &v, 1, 100), 0);
	assert_int_equal(keycache_stats(kc)->evictions, 1);
	assert_int_equal(keycache_lookup(kc, &ids[2], 2, &got), -EAGAIN);
	for (int i = 0; i < 5; i++)
		if (i != 2)
			assert_int_equal(keycache_lookup(kc, &ids[i], 2, &got), 0);
	/* An expired way is reused without counting an eviction. */
	assert_int_equal(keycache_insert(kc, &ids[5], &v, 101, 100), 0);
	assert_int_equal(keycache_stats(kc)->evictions, 1);
	assert_int_equal(keycache_lookup(kc, &ids[0], 101, &got), -EAGAIN);
	assert_int_equal(keycache_stats(kc)->entries, 4);
	keycache_flush(kc);
	assert_int_equal(keycache_stats(kc)->entries, 0);
	assert_int_equal(keycache_lookup(kc, &ids[5], 102, &got), -EAGAIN);
	keycache_destroy(kc);
}

static void
test_expire_budget(void **state)
{
	(void)state;
	struct keycache *kc = keycache_create(64, seed);
	struct keycache_val v = pos_val(1, "x");
	char name[16];
	unsigned int n = 0;

	for (int i = 0; i < 100; i++) {
		struct keycache_id id;

		snprintf(name, sizeof(name), "user%d", i);
		id = name_id(name, 1);
		assert_int_equal(keycache_insert(kc, &id, &v, 0, 10), 0);
	}
	assert_int_equal(keycache_expire(kc, 5, 64), 0);
	for (int i = 0; i < 8; i++)
		n += keycache_expire(kc, 10, 8);
	assert_int_equal(n, keycache_stats(kc)->evictions ? 100 - keycache_stats(kc)->evictions
							  : 100);
	assert_int_equal(keycache_stats(kc)->entries, 0);
	keycache_destroy(kc);
}

/* Random inserts, lookups and removes over a small name space in a small
 * cache, against a model that only knows what was inserted last: every
 * hit must return exactly the model's value and never an expired one. */
static void
test_churn_model(void **state)
{
	(void)state;
	enum { NAMES = 200 };
	struct {
		bool present;
		struct keycache_val val;
		uint64_t expires;
	} model[NAMES];
	struct keycache *kc = keycache_create(8, seed);
	unsigned int rnd = 12345, hits = 0;
	uint64_t now = 0;
	char name[16];

	memset(model, 0, sizeof(model));
	for (int step = 0; step < 50000; step++) {
		unsigned int i, op;
		struct keycache_id id;
		struct keycache_val got;
		int rc;

		rnd = rnd * 1103515245u + 12345u;
		i = (rnd >> 8) % NAMES;
		op = (rnd >> 20) % 8;
		now += (rnd >> 28) % 2;
		snprintf(name, sizeof(name), "n%u", i);
		id = name_id(name, (uint16_t)(1 + i % 2));
		if (op < 3) {
			struct keycache_val v = pos_val((uint8_t)step, name);

			v.negative = op == 0;
			assert_int_equal(keycache_insert(kc, &id, &v, now, 1 + (rnd >> 12) % 50), 0);
			model[i].present = true;
			model[i].val = v;
			model[i].expires = now + 1 + (rnd >> 12) % 50;
		} else if (op == 3) {
			rc = keycache_remove(kc, &id);
			if (rc == 0)
				assert_true(model[i].present);
			model[i].present = false;
		} else {
			rc = keycache_lookup(kc, &id, now, &got);
			if (rc == 0 || rc == -ENOENT) {
				assert_true(model[i].present);
				assert_true(now < model[i].expires);
				assert_int_equal(rc == -ENOENT, model[i].val.negative);
				if (rc == 0) {
					assert_memory_equal(got.key, model[i].val.key, got.key_len);
					hits++;
				}
			} else {
				assert_int_equal(rc, -EAGAIN);
			}
		}
		if (step % 64 == 0)
			keycache_expire(kc, now, 2);
	}
	assert_true(hits > 100);
	assert_true(keycache_stats(kc)->entries <= 8 * KEYCACHE_WAYS);
	keycache_destroy(kc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_hit_miss_negative),
		cmocka_unit_test(test_identity_parts),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_expire_budget),
		cmocka_unit_test(test_churn_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
