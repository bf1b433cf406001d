/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit: burst then limited, exact refill, independent sources,
 * sources sharing a set (shared bucket, takeover only of idle ways, a
 * busy source never reset by spraying), a clock going backwards, and
 * the global bound whatever the number of sources.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ratelimit.h"

static struct stun_addr
addr(const char *s)
{
	struct stun_addr a;

	if (stun_addr_from_string(&a, s, 3478) != 0)
		fail_msg("test address does not parse: %s", s);
	return a;
}

/* A distinct IPv4 source per @i. */
static struct stun_addr
nth_source(uint32_t i)
{
	const uint8_t ip[4] = { 100, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
	struct stun_addr a;

	stun_addr_set_v4(&a, ip, 1000);
	return a;
}

/* How many of @n requests at @now are allowed. */
static unsigned int
allow_n(struct tp_ratelimit *r, const struct stun_addr *a, uint64_t now, unsigned int n)
{
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++)
		ok += tp_ratelimit_allow(r, a, now);
	return ok;
}

static void
test_create_errors(void **state)
{
	(void)state;
	static const struct {
		unsigned int slots;
		uint32_t rate, burst;
	} bad[] = {
		{ 0, 10, 10 },
		{ 2, 10, 10 },
		{ 3, 10, 10 },
		{ 12, 10, 10 },
		{ TP_RATELIMIT_MAX_SLOTS * 2, 10, 10 },
		{ 8, 0, 10 },
		{ 8, 10, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(tp_ratelimit_create(bad[i].slots, bad[i].rate, bad[i].burst));
		assert_int_equal(errno, EINVAL);
	}
	struct tp_ratelimit *r = tp_ratelimit_create(4, 1, 1);
	assert_non_null(r);
	tp_ratelimit_destroy(r);
	tp_ratelimit_destroy(NULL);
}

/* rate 10/s, burst 5: five at once, then one per 100 ms exactly, never
 * more than five after a long pause. */
static void
test_burst_and_refill(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(8, 10, 5);
	struct stun_addr a = addr("192.0.2.1");
	struct tp_ratelimit_stats st;
	uint64_t t0 = 1000000;

	assert_non_null(r);
	assert_int_equal(allow_n(r, &a, t0, 5), 5);
	assert_false(tp_ratelimit_allow(r, &a, t0));
	assert_false(tp_ratelimit_allow(r, &a, t0 + 99999));
	assert_true(tp_ratelimit_allow(r, &a, t0 + 100000));
	assert_false(tp_ratelimit_allow(r, &a, t0 + 100000));
	assert_false(tp_ratelimit_allow(r, &a, t0 + 199999));
	assert_true(tp_ratelimit_allow(r, &a, t0 + 200000));
	/* Half a token at +250 ms, the other half at +300 ms. */
	assert_false(tp_ratelimit_allow(r, &a, t0 + 250000));
	assert_true(tp_ratelimit_allow(r, &a, t0 + 300000));
	/* Ten seconds idle: capped at the burst, not 100. */
	assert_int_equal(allow_n(r, &a, t0 + 10300000, 20), 5);
	/* An absurd jump does not overflow the refill. */
	assert_int_equal(allow_n(r, &a, UINT64_MAX / 2, 20), 5);
	assert_int_equal(allow_n(r, &a, UINT64_MAX, 20), 5);

	tp_ratelimit_stats(r, &st);
	assert_int_equal(st.allowed, 5 + 3 + 15);
	assert_int_equal(st.limited, 5 + 45);
	assert_int_equal(st.shared, 0);
	assert_int_equal(st.takeovers, 0);
	tp_ratelimit_destroy(r);
}

/* A rate that does not divide a token: refill stays exact in millionths
 * of a token, with no rounding up to full near the cap. rate 3/s,
 * burst 2: after draining, 666666 us give 1999998 millionths. */
static void
test_refill_rounding(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(8, 3, 2);
	struct stun_addr a = addr("2001:db8::7");
	uint64_t t = 1000000;

	assert_non_null(r);
	assert_int_equal(allow_n(r, &a, t, 3), 2);
	assert_int_equal(allow_n(r, &a, t + 666666, 3), 1);
	assert_int_equal(allow_n(r, &a, t + 666667, 3), 1);
	tp_ratelimit_destroy(r);
}

/* Only the IP counts: another port is the same source; IPv4 and IPv6
 * and neighbouring addresses are not. Four sources always have their
 * own buckets (four ways per set). */
static void
test_independent_sources(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(8, 1, 3);
	struct stun_addr a = addr("192.0.2.1:1000"), a2 = addr("192.0.2.1:2000");
	struct stun_addr b = addr("192.0.2.2"), c = addr("[2001:db8::1]:5"),
			 d = addr("::ffff:192.0.2.1");
	uint64_t t = 5000000;

	assert_non_null(r);
	assert_int_equal(allow_n(r, &a, t, 2), 2);
	assert_int_equal(allow_n(r, &a2, t, 5), 1); /* same bucket */
	assert_int_equal(allow_n(r, &b, t, 5), 3);
	assert_int_equal(allow_n(r, &c, t, 5), 3);
	assert_int_equal(allow_n(r, &d, t, 5), 3);
	assert_int_equal(allow_n(r, &a, t, 1), 0);
	assert_int_equal(allow_n(r, &b, t + 1000000, 5), 1);
	tp_ratelimit_destroy(r);
}

/*
 * One set (4 slots): every source collides. A..D take the four ways; E
 * and F find them busy and share the set's bucket; A keeps its own
 * tokens whatever E and F do. Once the ways are full again (idle), a
 * newcomer takes one over and gets a bucket of its own.
 */
static void
test_collisions(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(4, 10, 5);
	struct stun_addr src[6];
	struct tp_ratelimit_stats st;
	uint64_t t = 1000000;

	assert_non_null(r);
	for (int i = 0; i < 6; i++)
		src[i] = nth_source((uint32_t)i);

	for (int i = 0; i < 4; i++) /* A..D: 4 tokens left each */
		assert_true(tp_ratelimit_allow(r, &src[i], t));
	assert_int_equal(allow_n(r, &src[4], t, 10), 5); /* E drains the shared bucket */
	assert_int_equal(allow_n(r, &src[5], t, 3), 0);  /* F shares it with E */
	assert_int_equal(allow_n(r, &src[0], t, 10), 4); /* A unaffected */
	tp_ratelimit_stats(r, &st);
	assert_int_equal(st.shared, 13);
	assert_int_equal(st.takeovers, 0);

	/* +50 ms: B, C, D at 4.5 tokens, A at 0.5: none idle, so E still
	 * shares (the shared bucket has 0.5: refused). */
	assert_false(tp_ratelimit_allow(r, &src[4], t + 50000));
	/* +100 ms: B, C, D full (idle), A at 1, shared at 1. E takes over
	 * the first idle way (B's) with a full bucket of its own. */
	assert_int_equal(allow_n(r, &src[4], t + 100000, 10), 5);
	tp_ratelimit_stats(r, &st);
	assert_int_equal(st.takeovers, 1);
	assert_int_equal(st.shared, 14);
	/* F takes C's way; A still has exactly one token in its own. */
	assert_int_equal(allow_n(r, &src[5], t + 100000, 10), 5);
	assert_int_equal(allow_n(r, &src[0], t + 100000, 10), 1);
	/* B comes back: only D's way is idle; B takes it. */
	assert_int_equal(allow_n(r, &src[1], t + 100000, 10), 5);
	/* C comes back: no way is idle; the shared bucket has one token. */
	assert_int_equal(allow_n(r, &src[2], t + 100000, 10), 1);
	tp_ratelimit_stats(r, &st);
	assert_int_equal(st.takeovers, 3);
	assert_int_equal(st.shared, 24);
	assert_int_equal(st.allowed, 4 + 5 + 4 + 5 + 5 + 1 + 5 + 1);
	assert_int_equal(st.allowed + st.limited, 4 + 10 + 3 + 10 + 1 + 10 * 5);
	tp_ratelimit_destroy(r);
}

/* A source whose address an attacker spoofs, to reflect 401s at it,
 * keeps its drained bucket however many other sources spray its set:
 * busy ways are never evicted. */
static void
test_spray_cannot_reset_victim(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(4, 2, 4);
	struct stun_addr victim = addr("203.0.113.9");
	uint64_t t = 1000000;

	assert_non_null(r);
	assert_int_equal(allow_n(r, &victim, t, 10), 4);
	for (uint32_t i = 0; i < 10000; i++) {
		struct stun_addr s = nth_source(i);

		(void)tp_ratelimit_allow(r, &s, t);
		assert_false(tp_ratelimit_allow(r, &victim, t));
	}
	/* Exactly the refill rate afterwards: one token per 500 ms. */
	assert_false(tp_ratelimit_allow(r, &victim, t + 499999));
	assert_true(tp_ratelimit_allow(r, &victim, t + 500000));
	assert_false(tp_ratelimit_allow(r, &victim, t + 500000));
	tp_ratelimit_destroy(r);
}

/*
 * Memory is fixed, so many sources cannot grow anything; and the number
 * of answers is bounded by the table, not by the number of sources. At
 * one instant, 100000 new sources over 16 sets of 4 ways get exactly
 * one answer per way plus one burst per shared bucket.
 */
static void
test_bounded(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(64, 1, 3);
	struct tp_ratelimit_stats st;
	unsigned int ok = 0;
	uint64_t t = 1000000;

	assert_non_null(r);
	for (uint32_t i = 0; i < 100000; i++) {
		struct stun_addr s = nth_source(i);

		ok += tp_ratelimit_allow(r, &s, t);
	}
	assert_int_equal(ok, 64 + 16 * 3);
	/* Another wave of new sources at the same instant: nothing. */
	for (uint32_t i = 100000; i < 200000; i++) {
		struct stun_addr s = nth_source(i);

		assert_false(tp_ratelimit_allow(r, &s, t));
	}
	tp_ratelimit_stats(r, &st);
	assert_int_equal(st.allowed, 64 + 16 * 3);
	assert_int_equal(st.limited, 200000 - (64 + 16 * 3));
	assert_int_equal(st.shared, 200000 - 64);

	/* Over ten more seconds of spraying, new sources every millisecond:
	 * at most (ways + shared buckets) * (burst + rate * seconds). */
	ok = 0;
	for (uint32_t ms = 1; ms <= 10000; ms++)
		for (uint32_t k = 0; k < 20; k++) {
			struct stun_addr s = nth_source(200000 + ms * 20 + k);

			ok += tp_ratelimit_allow(r, &s, t + (uint64_t)ms * 1000);
		}
	assert_true(ok <= (64 + 16) * (3 + 10));
	assert_true(ok >= 16 * 10); /* the shared buckets refill and are used */
	tp_ratelimit_destroy(r);
}

static void
test_clock_backwards_and_bad_family(void **state)
{
	(void)state;
	struct tp_ratelimit *r = tp_ratelimit_create(8, 10, 2);
	struct stun_addr a = addr("198.51.100.1"), z;
	struct tp_ratelimit_stats st;
	uint64_t t = 10000000;

	assert_non_null(r);
	assert_int_equal(allow_n(r, &a, t, 5), 2);
	assert_false(tp_ratelimit_allow(r, &a, 0));
	assert_false(tp_ratelimit_allow(r, &a, t - 1));
	/* Still measured from t, not from 0 or t - 1. */
	assert_false(tp_ratelimit_allow(r, &a, t + 99999));
	assert_true(tp_ratelimit_allow(r, &a, t + 100000));

	memset(&z, 0, sizeof(z));
	tp_ratelimit_stats(r, &st);
	assert_false(tp_ratelimit_allow(r, &z, t));
	z.family = 9;
	assert_false(tp_ratelimit_allow(r, &z, t));
	{
		struct tp_ratelimit_stats st2;

		tp_ratelimit_stats(r, &st2);
		assert_int_equal(st2.limited, st.limited + 2);
		assert_int_equal(st2.allowed, st.allowed);
	}
	tp_ratelimit_destroy(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_refill_rounding),
		cmocka_unit_test(test_independent_sources),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_spray_cannot_reset_victim),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_clock_backwards_and_bad_family),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
