/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quota: the per-user (486, -EDQUOT) and total (508, -ENOSPC) paths, the
 * user table limit, release and reuse, handle stability under randomised
 * churn checked against a reference model, and the SipHash-2-4 it uses,
 * against the reference vectors of the SipHash paper.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "quota.h"
#include "siphash.h"

#define ACQ(q, name, h) tp_quota_acquire((q), (name), strlen(name), (h))
#define USED(q, name) tp_quota_user_used((q), (name), strlen(name))

/* Key 00 01 .. 0f, messages 00 01 .. (len-1): the paper's appendix and
 * the reference implementation's vectors for lengths 0, 7, 8 and 15. */
static void
test_siphash_vectors(void **state)
{
	(void)state;
	uint8_t kb[16], msg[16];
	uint64_t key[2];

	for (int i = 0; i < 16; i++) {
		kb[i] = (uint8_t)i;
		msg[i] = (uint8_t)i;
	}
	key[0] = siphash_le64(kb);
	key[1] = siphash_le64(kb + 8);
	assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(siphash24(key, msg, 7) == 0xab0200f58b01d137ULL);
	assert_true(siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
}

static void
test_create_errors(void **state)
{
	(void)state;
	errno = 0;
	assert_null(tp_quota_create(10, 1, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(tp_quota_create(10, 1, TP_QUOTA_MAX_USERS + 1));
	assert_int_equal(errno, EINVAL);
	tp_quota_destroy(NULL);
}

/* per_user 2: a third allocation for alice is 486 while bob and the
 * total are fine; releasing one lets her allocate again. */
static void
test_per_user(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create(10, 2, 8);
	struct tp_quota_stats st;
	uint32_t ha1, ha2, hb, h;

	assert_non_null(q);
	assert_int_equal(ACQ(q, "alice", &ha1), 0);
	assert_int_equal(ACQ(q, "alice", &ha2), 0);
	assert_int_equal(ha1, ha2);
	h = 12345;
	assert_int_equal(ACQ(q, "alice", &h), -EDQUOT);
	assert_int_equal(h, 12345); /* untouched on failure */
	assert_int_equal(ACQ(q, "bob", &hb), 0);
	assert_int_not_equal(hb, ha1);
	assert_int_equal(USED(q, "alice"), 2);
	assert_int_equal(USED(q, "bob"), 1);
	assert_int_equal(USED(q, "carol"), 0);
	assert_int_equal(tp_quota_total_used(q), 3);
	assert_int_equal(tp_quota_users(q), 2);

	tp_quota_release(q, ha1);
	assert_int_equal(USED(q, "alice"), 1);
	assert_int_equal(ACQ(q, "alice", &h), 0);
	assert_int_equal(h, ha2);
	assert_int_equal(ACQ(q, "alice", &h), -EDQUOT);

	/* Names are bytes with a length: "alice" and "alice\0x" differ, a
	 * prefix of a longer buffer is that user. */
	assert_int_equal(tp_quota_acquire(q, "alicex", 5, &h), -EDQUOT);
	assert_int_equal(tp_quota_acquire(q, "alice\0x", 7, &h), 0);
	assert_int_not_equal(h, ha1);

	tp_quota_stats(q, &st);
	assert_int_equal(st.acquired, 5);
	assert_int_equal(st.denied_user, 3);
	assert_int_equal(st.denied_total, 0);
	assert_int_equal(st.denied_table, 0);
	tp_quota_destroy(q);
}

/* total 3: the fourth allocation, whoever asks, is 508. The per-user
 * check comes first, so a user at its own limit still sees 486. */
static void
test_total(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create(3, 2, 8);
	struct tp_quota_stats st;
	uint32_t h[3], x;

	assert_non_null(q);
	assert_int_equal(ACQ(q, "a", &h[0]), 0);
	assert_int_equal(ACQ(q, "a", &h[1]), 0);
	assert_int_equal(ACQ(q, "b", &h[2]), 0);
	assert_int_equal(ACQ(q, "b", &x), -ENOSPC);
	assert_int_equal(ACQ(q, "c", &x), -ENOSPC);
	assert_int_equal(ACQ(q, "a", &x), -EDQUOT);
	assert_int_equal(tp_quota_total_used(q), 3);
	assert_int_equal(tp_quota_users(q), 2); /* c was not added */
	assert_int_equal(USED(q, "c"), 0);

	tp_quota_release(q, h[2]);
	assert_int_equal(tp_quota_users(q), 1);
	assert_int_equal(ACQ(q, "c", &x), 0);
	assert_int_equal(ACQ(q, "c", &x), -ENOSPC);

	/* Raising the total at run time lets c go on; lowering it below
	 * what is held revokes nothing but refuses the next one. */
	tp_quota_set_limits(q, 5, 2);
	assert_int_equal(ACQ(q, "c", &x), 0);
	tp_quota_set_limits(q, 2, 2);
	assert_int_equal(ACQ(q, "d", &x), -ENOSPC);
	assert_int_equal(tp_quota_total_used(q), 4);
	tp_quota_set_limits(q, 0, 0); /* unlimited */
	assert_int_equal(ACQ(q, "a", &x), 0);
	assert_int_equal(USED(q, "a"), 3);

	tp_quota_stats(q, &st);
	assert_int_equal(st.acquired, 6);
	assert_int_equal(st.denied_user, 1);
	assert_int_equal(st.denied_total, 4);
	tp_quota_destroy(q);
}

/* max_users 2: a third distinct user is refused (-ENOSPC) while existing
 * users can still allocate; a user leaving makes room. Unlimited total
 * and per-user. */
static void
test_user_table_full(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create(0, 0, 2);
	struct tp_quota_stats st;
	uint32_t ha, hb, hc, x;

	assert_non_null(q);
	assert_int_equal(ACQ(q, "alice", &ha), 0);
	assert_int_equal(ACQ(q, "bob", &hb), 0);
	assert_int_equal(ACQ(q, "carol", &hc), -ENOSPC);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ACQ(q, "alice", &x), 0);
	assert_int_equal(USED(q, "alice"), 1001);
	tp_quota_release(q, hb);
	assert_int_equal(USED(q, "bob"), 0);
	assert_int_equal(ACQ(q, "carol", &hc), 0);
	assert_int_equal(hc, hb); /* bob's entry reused */
	assert_int_equal(ACQ(q, "bob", &x), -ENOSPC);
	/* an empty name is a user too */
	tp_quota_release(q, hc);
	assert_int_equal(tp_quota_acquire(q, "", 0, &x), 0);
	assert_int_equal(tp_quota_acquire(q, NULL, 0, &x), 0);
	assert_int_equal(tp_quota_user_used(q, NULL, 0), 2);
	assert_int_equal(tp_quota_acquire(q, NULL, 3, &x), -EINVAL);
	assert_int_equal(tp_quota_acquire(q, "a", 1, NULL), -EINVAL);
	assert_int_equal(tp_quota_acquire(NULL, "a", 1, &x), -EINVAL);

	tp_quota_stats(q, &st);
	assert_int_equal(st.denied_table, 2);
	tp_quota_destroy(q);
}

/* Bad releases are ignored and counted, never underflow a counter. */
static void
test_bad_release(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create(10, 0, 4);
	struct tp_quota_stats st;
	uint32_t h;

	assert_non_null(q);
	assert_int_equal(ACQ(q, "a", &h), 0);
	tp_quota_release(q, h);
	tp_quota_release(q, h);       /* entry now free */
	tp_quota_release(q, 4);       /* out of range */
	tp_quota_release(q, UINT32_MAX);
	tp_quota_release(NULL, 0);
	assert_int_equal(tp_quota_total_used(q), 0);
	assert_int_equal(tp_quota_users(q), 0);
	tp_quota_stats(q, &st);
	assert_int_equal(st.bad_release, 3);
	assert_int_equal(ACQ(q, "a", &h), 0);
	assert_int_equal(tp_quota_total_used(q), 1);
	tp_quota_destroy(q);
}

/* Named quotas keep each live user's name under its handle, cut to
 * TP_QUOTA_NAME_MAX bytes on a UTF-8 boundary; a plain one keeps none. */
static void
test_names(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create_named(10, 0, 4);
	struct tp_quota *plain = tp_quota_create(10, 0, 4);
	char longname[TP_QUOTA_NAME_MAX + 8];
	const char *n;
	uint32_t ha, hb, hl, h2;
	size_t len;

	assert_non_null(q);
	assert_non_null(plain);
	assert_int_equal(ACQ(q, "alice", &ha), 0);
	assert_int_equal(ACQ(q, "bob", &hb), 0);
	assert_int_equal(ACQ(q, "alice", &h2), 0);
	assert_int_equal(h2, ha);
	n = tp_quota_user_name(q, ha, &len);
	assert_non_null(n);
	assert_int_equal(len, 5);
	assert_memory_equal(n, "alice", 5);
	n = tp_quota_user_name(q, hb, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(n, "bob", 3);

	/* 63 ASCII bytes, then a 2-byte character straddling byte 64. */
	memset(longname, 'x', sizeof(longname));
	longname[63] = (char)0xC3;
	longname[64] = (char)0xA9;
	assert_int_equal(tp_quota_acquire(q, longname, 70, &hl), 0);
	n = tp_quota_user_name(q, hl, &len);
	assert_int_equal(len, 63);
	assert_memory_equal(n, longname, 63);

	/* Released for good: no name. Reused entry: the new name. */
	tp_quota_release(q, hb);
	assert_null(tp_quota_user_name(q, hb, &len));
	assert_int_equal(len, 0);
	assert_int_equal(ACQ(q, "carol", &h2), 0);
	n = tp_quota_user_name(q, h2, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(n, "carol", 5);
	assert_null(tp_quota_user_name(q, 99, &len));

	assert_int_equal(ACQ(plain, "alice", &ha), 0);
	assert_null(tp_quota_user_name(plain, ha, &len));
	assert_int_equal(len, 0);
	tp_quota_destroy(plain);
	tp_quota_destroy(q);
}

/* Limits changed at run time (a pushed QUOTAS): the next acquire obeys,
 * what is held stays. */
static void
test_set_limits(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create(0, 0, 8);
	uint32_t h;

	assert_non_null(q);
	assert_int_equal(ACQ(q, "a", &h), 0);
	assert_int_equal(ACQ(q, "a", &h), 0);
	tp_quota_set_limits(q, 0, 1);
	assert_int_equal(ACQ(q, "a", &h), -EDQUOT);
	assert_int_equal(ACQ(q, "b", &h), 0);
	assert_int_equal(tp_quota_user_used(q, "a", 1), 2);
	tp_quota_set_limits(q, 3, 0);
	assert_int_equal(ACQ(q, "c", &h), -ENOSPC);
	tp_quota_set_limits(q, 0, 0);
	assert_int_equal(ACQ(q, "a", &h), 0);
	assert_int_equal(tp_quota_total_used(q), 4);
	tp_quota_destroy(q);
}

/* xorshift64*: deterministic, so a failure replays. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

#define CHURN_NAMES 300
#define CHURN_MAX_USERS 64
#define CHURN_PER_USER 3
#define CHURN_TOTAL 150
#define CHURN_STEPS 200000

/*
 * Random acquires and releases over 300 names against a model that
 * knows, per name, the count and the handle. Checks every return code,
 * that a user's handle never changes while it holds anything, that live
 * users have distinct handles, and (every 1000 steps) every counter.
 * The table is small (64 users, index of 128) so deletions shift
 * clusters constantly.
 */
static void
test_churn(void **state)
{
	(void)state;
	struct tp_quota *q = tp_quota_create(CHURN_TOTAL, CHURN_PER_USER, CHURN_MAX_USERS);
	static uint32_t count[CHURN_NAMES], handle[CHURN_NAMES];
	static char names[CHURN_NAMES][16];
	uint32_t used = 0, users = 0;
	uint64_t rng = 0x9E3779B97F4A7C15ULL;
	unsigned int n_ok = 0, n_dq = 0, n_full = 0, n_table = 0, n_rel = 0;

	assert_non_null(q);
	memset(count, 0, sizeof(count));
	for (int i = 0; i < CHURN_NAMES; i++)
		snprintf(names[i], sizeof(names[i]), "user-%d", i);

	for (int step = 0; step < CHURN_STEPS; step++) {
		uint64_t r = rng_next(&rng);
		unsigned int u = (unsigned int)(r % CHURN_NAMES);
		bool release = ((r >> 32) % 100) < 45;

		if (release && count[u] > 0) {
			tp_quota_release(q, handle[u]);
			count[u]--;
			used--;
			if (count[u] == 0)
				users--;
			n_rel++;
		} else {
			int want, rc;
			uint32_t h = UINT32_MAX;

			if (count[u] >= CHURN_PER_USER)
				want = -EDQUOT;
			else if (used >= CHURN_TOTAL)
				want = -ENOSPC;
			else if (count[u] == 0 && users >= CHURN_MAX_USERS)
				want = -ENOSPC;
			else
				want = 0;
			rc = ACQ(q, names[u], &h);
			if (rc != want)
				fail_msg("step %d user %u: rc %d, model %d", step, u, rc, want);
			if (rc == 0) {
				if (count[u] > 0)
					assert_int_equal(h, handle[u]);
				else
					handle[u] = h;
				assert_true(h < CHURN_MAX_USERS);
				if (count[u]++ == 0)
					users++;
				used++;
				n_ok++;
			} else if (want == -EDQUOT) {
				n_dq++;
			} else if (count[u] == 0 && used < CHURN_TOTAL) {
				n_table++;
			} else {
				n_full++;
			}
		}

		if (step % 1000 == 999) {
			bool seen[CHURN_MAX_USERS] = { false };

			assert_int_equal(tp_quota_total_used(q), used);
			assert_int_equal(tp_quota_users(q), users);
			for (int i = 0; i < CHURN_NAMES; i++) {
				assert_int_equal(USED(q, names[i]), count[i]);
				if (count[i] > 0) {
					assert_false(seen[handle[i]]);
					seen[handle[i]] = true;
				}
			}
		}
	}
	/* Every path was exercised, or the test proves less than it says. */
	assert_true(n_ok > 1000);
	assert_true(n_rel > 1000);
	assert_true(n_dq > 100);
	assert_true(n_full > 100);
	assert_true(n_table > 100);

	/* Drain through the model's handles: everything returns to zero. */
	for (int i = 0; i < CHURN_NAMES; i++)
		while (count[i] > 0) {
			tp_quota_release(q, handle[i]);
			count[i]--;
		}
	assert_int_equal(tp_quota_total_used(q), 0);
	assert_int_equal(tp_quota_users(q), 0);
	for (int i = 0; i < CHURN_NAMES; i++)
		assert_int_equal(USED(q, names[i]), 0);
	tp_quota_destroy(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_per_user),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_user_table_full),
		cmocka_unit_test(test_bad_release),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_set_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
