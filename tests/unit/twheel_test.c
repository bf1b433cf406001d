/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * twheel: exact expiry against a reference model under randomised
 * schedule, lazy and eager reschedule, cancel (also from inside expire
 * callbacks) and clock jumps; budgeted advance that resumes; deadlines
 * beyond one revolution; cancel inside a slot chain; and a million
 * entries, with no memory beyond the node array and the slot heads.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "twheel.h"

/* xorshift32: deterministic, so a failure replays. */
static uint32_t rng_state;

static uint32_t
rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

/* The reference model: what each entry's deadline is and whether it is
 * armed, and what the callback saw. */
struct model {
	struct tp_twheel *w;
	uint32_t n;
	uint32_t now;          /* the now of the advance in progress */
	bool *armed;
	uint32_t *deadline;
	uint32_t narmed;
	uint64_t expired;
	uint64_t rearmed;      /* by a callback */
	uint64_t cb_cancelled; /* by a callback */
	bool chaos;            /* callbacks re-arm and cancel at random */
};

static struct model *
model_new(uint32_t n, uint32_t nslots, uint32_t now, struct tp_twheel_node **nodes)
{
	struct model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	*nodes = calloc(n, sizeof(**nodes));
	m->armed = calloc(n, sizeof(*m->armed));
	m->deadline = calloc(n, sizeof(*m->deadline));
	assert_non_null(*nodes);
	assert_non_null(m->armed);
	assert_non_null(m->deadline);
	m->w = tp_twheel_create(*nodes, n, nslots, now);
	assert_non_null(m->w);
	m->n = n;
	m->now = now;
	return m;
}

static void
model_free(struct model *m, struct tp_twheel_node *nodes)
{
	tp_twheel_destroy(m->w);
	free(m->armed);
	free(m->deadline);
	free(m);
	free(nodes);
}

static void
model_schedule(struct model *m, uint32_t idx, uint32_t deadline)
{
	assert_int_equal(tp_twheel_schedule(m->w, idx, deadline), 0);
	if (!m->armed[idx])
		m->narmed++;
	m->armed[idx] = true;
	m->deadline[idx] = deadline;
}

static void
model_cancel(struct model *m, uint32_t idx)
{
	tp_twheel_cancel(m->w, idx);
	if (m->armed[idx])
		m->narmed--;
	m->armed[idx] = false;
}

/* Never early, never twice; in chaos mode sometimes re-arm this entry
 * (possibly already due, which must expire within the same advance) or
 * cancel another, possibly later in the chain being walked. */
static void
model_expire(void *arg, uint32_t idx)
{
	struct model *m = arg;

	assert_true(idx < m->n);
	assert_true(m->armed[idx]);
	assert_true(m->deadline[idx] <= m->now);
	assert_false(tp_twheel_armed(m->w, idx));
	m->armed[idx] = false;
	m->narmed--;
	m->expired++;
	if (!m->chaos)
		return;
	switch (rng() % 8) {
	case 0:
		model_schedule(m, idx, m->now - 3 + rng() % 200);
		m->rearmed++;
		break;
	case 1:
		model_cancel(m, rng() % m->n);
		m->cb_cancelled++;
		break;
	default:
		break;
	}
}

/* After an advance that is not behind, nothing due is left armed, and the
 * wheel agrees with the model on every entry. */
static void
model_check_exact(struct model *m)
{
	assert_false(tp_twheel_behind(m->w));
	assert_int_equal(tp_twheel_count(m->w), m->narmed);
	for (uint32_t i = 0; i < m->n; i++) {
		assert_int_equal(tp_twheel_armed(m->w, i), m->armed[i]);
		if (m->armed[i])
			assert_true(m->deadline[i] > m->now);
	}
}

static unsigned
model_advance(struct model *m, uint32_t now, unsigned budget)
{
	m->now = now;
	return tp_twheel_advance(m->w, now, budget, model_expire, m);
}

static void
test_create_errors(void **state)
{
	(void)state;
	struct tp_twheel_node nodes[4];

	assert_int_equal(sizeof(struct tp_twheel_node), 12);
	errno = 0;
	assert_null(tp_twheel_create(NULL, 4, 8, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(tp_twheel_create(nodes, 0, 8, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(tp_twheel_create(nodes, 4, 12, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(tp_twheel_create(nodes, 4, 1, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(tp_twheel_create(nodes, 4, TP_TWHEEL_MAX_SLOTS * 2, 0));
	assert_int_equal(errno, EINVAL);
	tp_twheel_destroy(NULL);

	struct tp_twheel *w = tp_twheel_create(nodes, 4, 8, 0);
	assert_non_null(w);
	assert_int_equal(tp_twheel_schedule(w, 4, 10), -EINVAL);
	tp_twheel_cancel(w, 4);
	tp_twheel_cancel(w, 0); /* idle: ignored */
	assert_false(tp_twheel_armed(w, 4));
	assert_int_equal(tp_twheel_count(w), 0);
	tp_twheel_destroy(w);
}

/* Randomised operations over simulated time, against the model, with an
 * unlimited budget so every advance must be exact. A small wheel (32
 * slots) with deadlines up to 300 s ahead puts most entries beyond one
 * revolution; the clock mostly ticks by one second, sometimes stands
 * still, and sometimes jumps by more than a revolution. */
static void
run_random(uint32_t nslots, uint32_t span, bool chaos, uint32_t seed)
{
	const uint32_t n = 512;
	struct tp_twheel_node *nodes;
	uint32_t now = 1000;
	struct model *m = model_new(n, nslots, now, &nodes);
	uint64_t n_sched = 0, n_lazy = 0, n_early = 0, n_past = 0, n_cancel = 0, n_jump = 0;

	rng_state = seed;
	m->chaos = chaos;
	for (int step = 0; step < 4000; step++) {
		uint32_t r = rng() % 100;

		if (r < 70)
			now += 1;
		else if (r < 97)
			now += 0;
		else {
			now += nslots + rng() % (3 * nslots);
			n_jump++;
		}
		for (int k = 0; k < 8; k++) {
			uint32_t idx = rng() % n;
			uint32_t op = rng() % 10;

			if (op < 5) {
				uint32_t d = now + 1 + rng() % span;

				if (m->armed[idx] && d >= m->deadline[idx])
					n_lazy++;
				else if (m->armed[idx])
					n_early++;
				model_schedule(m, idx, d);
				n_sched++;
			} else if (op < 6) {
				/* At or before the clock: due at the next advance. */
				model_schedule(m, idx, now - rng() % 5);
				n_past++;
			} else if (op < 8) {
				model_cancel(m, idx);
				n_cancel++;
			}
		}
		model_advance(m, now, UINT_MAX);
		model_check_exact(m);
	}
	/* Every path was exercised, or the test proves less than it says. */
	assert_true(n_sched > 1000 && n_lazy > 200 && n_early > 200);
	assert_true(n_past > 100 && n_cancel > 100 && n_jump > 10);
	assert_true(m->expired > 1000);
	if (chaos)
		assert_true(m->rearmed > 50 && m->cb_cancelled > 50);

	/* Everything still armed expires, exactly once. */
	m->chaos = false;
	model_advance(m, now + 10 * span, UINT_MAX);
	model_check_exact(m);
	assert_int_equal(tp_twheel_count(m->w), 0);
	model_free(m, nodes);
}

static void
test_random_exact(void **state)
{
	(void)state;
	run_random(32, 300, false, 0x12345678u);
	run_random(4096, 3600, false, 0x9e3779b9u);
	run_random(64, 40, false, 0xdeadbeefu);
}

static void
test_random_exact_chaos(void **state)
{
	(void)state;
	run_random(32, 300, true, 0x2545f491u);
	run_random(4096, 3600, true, 0x7f4a7c15u);
}

/* The same workload with a budget of 1 to 8 examinations per advance:
 * never early, never twice, the wheel catches up by calling again at the
 * same time, and once caught up it is exact. */
static void
test_budget_resumes(void **state)
{
	(void)state;
	const uint32_t n = 512;
	struct tp_twheel_node *nodes;
	uint32_t now = 50;
	struct model *m = model_new(n, 16, now, &nodes);
	uint64_t behind = 0;

	rng_state = 0xa5a5a5a5u;
	m->chaos = true;
	for (int step = 0; step < 3000; step++) {
		now += rng() % 100 < 95 ? 1 : 40;
		for (int k = 0; k < 6; k++) {
			uint32_t idx = rng() % n;

			if (rng() % 4)
				model_schedule(m, idx, now - 2 + rng() % 60);
			else
				model_cancel(m, idx);
		}
		unsigned budget = 1 + rng() % 8;
		unsigned got = model_advance(m, now, budget);
		assert_true(got <= budget);
		/* Several calls per second, as the worker loop makes them. */
		while (tp_twheel_behind(m->w)) {
			behind++;
			got = model_advance(m, now, budget);
			assert_true(got <= budget);
		}
		model_check_exact(m);
	}
	assert_true(behind > 1000);
	model_free(m, nodes);
}

/* 100 entries in one slot, budget 7: each call expires 7, the last 2,
 * and nothing is visited twice or skipped. */
static void
test_budget_one_slot(void **state)
{
	(void)state;
	struct tp_twheel_node nodes[100];
	struct model *m = calloc(1, sizeof(*m));
	bool armed[100];
	uint32_t deadline[100];

	assert_non_null(m);
	m->w = tp_twheel_create(nodes, 100, 64, 0);
	assert_non_null(m->w);
	m->n = 100;
	m->armed = armed;
	m->deadline = deadline;
	memset(armed, 0, sizeof(armed));
	for (uint32_t i = 0; i < 100; i++)
		model_schedule(m, i, 5);
	assert_int_equal(model_advance(m, 4, 7), 0);
	assert_false(tp_twheel_behind(m->w));
	for (int call = 0; call < 14; call++) {
		assert_int_equal(model_advance(m, 5, 7), 7);
		assert_true(tp_twheel_behind(m->w));
	}
	assert_int_equal(model_advance(m, 5, 7), 2);
	assert_int_equal(model_advance(m, 5, 7), 0);
	assert_false(tp_twheel_behind(m->w));
	assert_int_equal(m->expired, 100);
	assert_int_equal(tp_twheel_count(m->w), 0);
	tp_twheel_destroy(m->w);
	free(m);
}

static uint32_t fired_at[8];
static uint32_t clock_now;

static void
record_expire(void *arg, uint32_t idx)
{
	(void)arg;
	fired_at[idx] = clock_now;
}

/* An 8-slot wheel: deadlines 100 and 1000 s ahead are visited in passing
 * (12 and 124 times) and fire at exactly their second. */
static void
test_beyond_revolution(void **state)
{
	(void)state;
	struct tp_twheel_node nodes[8];
	struct tp_twheel *w = tp_twheel_create(nodes, 8, 8, 0);

	assert_non_null(w);
	memset(fired_at, 0, sizeof(fired_at));
	assert_int_equal(tp_twheel_schedule(w, 0, 100), 0);
	assert_int_equal(tp_twheel_schedule(w, 1, 1000), 0);
	assert_int_equal(tp_twheel_schedule(w, 2, 9), 0);
	for (clock_now = 1; clock_now <= 1100; clock_now++)
		tp_twheel_advance(w, clock_now, UINT_MAX, record_expire, NULL);
	assert_int_equal(fired_at[0], 100);
	assert_int_equal(fired_at[1], 1000);
	assert_int_equal(fired_at[2], 9);
	assert_int_equal(tp_twheel_count(w), 0);
	tp_twheel_destroy(w);
}

/* The clock jumps: by less than a revolution, by exactly one, and by
 * thousands of revolutions; each jump expires what is due and nothing
 * else. Lazy extension across a jump keeps the entry. */
static void
test_time_jump(void **state)
{
	(void)state;
	struct tp_twheel_node nodes[8];
	struct tp_twheel *w = tp_twheel_create(nodes, 8, 16, 0);

	assert_non_null(w);
	memset(fired_at, 0, sizeof(fired_at));
	tp_twheel_schedule(w, 0, 5);
	tp_twheel_schedule(w, 1, 14);
	tp_twheel_schedule(w, 2, 17);
	tp_twheel_schedule(w, 3, 40);
	tp_twheel_schedule(w, 4, 100000);
	tp_twheel_schedule(w, 5, 30);
	tp_twheel_schedule(w, 5, 90000); /* lazy: still in slot 30 & 15 */
	clock_now = 14;
	assert_int_equal(tp_twheel_advance(w, 14, UINT_MAX, record_expire, NULL), 2);
	assert_int_equal(fired_at[0], 14);
	assert_int_equal(fired_at[1], 14);
	clock_now = 30;
	assert_int_equal(tp_twheel_advance(w, 30, UINT_MAX, record_expire, NULL), 1);
	assert_int_equal(fired_at[2], 30);
	clock_now = 46;
	assert_int_equal(tp_twheel_advance(w, 46, UINT_MAX, record_expire, NULL), 1);
	assert_int_equal(fired_at[3], 46);
	clock_now = 99999;
	assert_int_equal(tp_twheel_advance(w, 99999, UINT_MAX, record_expire, NULL), 1);
	assert_int_equal(fired_at[5], 99999);
	assert_true(tp_twheel_armed(w, 4));
	clock_now = 100000;
	assert_int_equal(tp_twheel_advance(w, 100000, UINT_MAX, record_expire, NULL), 1);
	assert_int_equal(fired_at[4], 100000);
	/* A clock that goes back is read as the current one. */
	tp_twheel_schedule(w, 6, 100001);
	assert_int_equal(tp_twheel_advance(w, 5, UINT_MAX, record_expire, NULL), 0);
	assert_true(tp_twheel_armed(w, 6));
	tp_twheel_destroy(w);
}

static struct tp_twheel *chain_wheel;
static uint32_t chain_fired;
static bool chain_cb_cancels;

static void
chain_expire(void *arg, uint32_t idx)
{
	(void)arg;
	chain_fired |= 1u << idx;
	if (!chain_cb_cancels)
		return;
	/* Expiring 4 (pushed last, so first in the chain) cancels 3, next in
	 * the walk; expiring 2 cancels 0, the tail. */
	if (idx == 4)
		tp_twheel_cancel(chain_wheel, 3);
	if (idx == 2)
		tp_twheel_cancel(chain_wheel, 0);
}

/* Cancel inside one slot's chain: head, middle and tail, from outside and
 * from an expire callback during the walk. */
static void
test_cancel_in_chain(void **state)
{
	(void)state;
	struct tp_twheel_node nodes[10];
	struct tp_twheel *w = tp_twheel_create(nodes, 10, 8, 0);

	assert_non_null(w);
	chain_wheel = w;
	chain_cb_cancels = true;
	/* Chain of slot 3, head first: 9 8 7 6 5 4 3 2 1 0. */
	for (uint32_t i = 0; i < 10; i++)
		tp_twheel_schedule(w, i, 3);
	tp_twheel_cancel(w, 9); /* head */
	tp_twheel_cancel(w, 6); /* middle */
	tp_twheel_cancel(w, 1); /* next to the tail */
	tp_twheel_cancel(w, 6); /* twice: ignored */
	assert_int_equal(tp_twheel_count(w), 7);
	chain_fired = 0;
	assert_int_equal(tp_twheel_advance(w, 3, UINT_MAX, chain_expire, NULL), 5);
	assert_int_equal(chain_fired, (1u << 8) | (1u << 7) | (1u << 5) | (1u << 4) | (1u << 2));
	assert_int_equal(tp_twheel_count(w), 0);

	/* The walk stopped by the budget just before 4 (chain 5 4 3 2 1 0),
	 * then 4 cancelled from outside: the resumed walk must skip it. */
	chain_cb_cancels = false;
	for (uint32_t i = 0; i < 6; i++)
		tp_twheel_schedule(w, i, 10);
	chain_fired = 0;
	assert_int_equal(tp_twheel_advance(w, 10, 1, chain_expire, NULL), 1);
	assert_true(tp_twheel_behind(w));
	tp_twheel_cancel(w, 4);
	assert_int_equal(tp_twheel_advance(w, 10, UINT_MAX, chain_expire, NULL), 4);
	assert_int_equal(chain_fired, (1u << 5) | (1u << 3) | (1u << 2) | (1u << 1) | 1u);
	assert_int_equal(tp_twheel_count(w), 0);
	tp_twheel_destroy(w);
}

/* Bytes in use by malloc; 0 under ASan, whose allocator mallinfo2 does
 * not see, in which case the memory checks pass vacuously. */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

struct million {
	uint32_t now;
	uint64_t expired;
	uint32_t *deadline;
};

static void
million_expire(void *arg, uint32_t idx)
{
	struct million *mm = arg;

	/* One advance per second with no budget: due means due now. */
	if (mm->deadline[idx] != mm->now)
		fail_msg("entry %u due %u expired at %u", idx, mm->deadline[idx], mm->now);
	mm->expired++;
}

/* A million entries over an hour, as many allocations would be: all
 * scheduled, half refreshed lazily, a tenth refreshed earlier, then one
 * advance per second. Every entry expires at its second; the heap does
 * not grow after create, and create took the wheel's footprint, which is
 * the slot heads and a small header. */
static void
test_million(void **state)
{
	(void)state;
	const uint32_t n = 1000000, nslots = 4096;
	struct million mm = { .now = 0 };
	struct tp_twheel_node *nodes = malloc((size_t)n * sizeof(*nodes));
	size_t before, after_create;
	struct tp_twheel *w;

	mm.deadline = malloc((size_t)n * sizeof(*mm.deadline));
	assert_non_null(nodes);
	assert_non_null(mm.deadline);
	before = heap_in_use();
	w = tp_twheel_create(nodes, n, nslots, 0);
	assert_non_null(w);
	after_create = heap_in_use();
	assert_true(tp_twheel_footprint(w) <= 128 + (nslots + 1) * sizeof(uint32_t));
	assert_true(after_create - before <= tp_twheel_footprint(w) + 64);

	rng_state = 0x31415926u;
	for (uint32_t i = 0; i < n; i++) {
		mm.deadline[i] = 1 + rng() % 3600;
		assert_int_equal(tp_twheel_schedule(w, i, mm.deadline[i]), 0);
	}
	for (uint32_t i = 0; i < n; i += 2) {
		uint32_t d = mm.deadline[i] + rng() % 300;

		if (i % 10 == 0 && mm.deadline[i] > 1)
			d = 1 + rng() % (mm.deadline[i] - 1);
		mm.deadline[i] = d;
		assert_int_equal(tp_twheel_schedule(w, i, d), 0);
	}
	assert_int_equal(tp_twheel_count(w), n);
	for (mm.now = 1; mm.now <= 4000; mm.now++)
		tp_twheel_advance(w, mm.now, UINT_MAX, million_expire, &mm);
	assert_int_equal(mm.expired, n);
	assert_int_equal(tp_twheel_count(w), 0);
	assert_int_equal(heap_in_use(), after_create);
	tp_twheel_destroy(w);
	free(mm.deadline);
	free(nodes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_random_exact),
		cmocka_unit_test(test_random_exact_chaos),
		cmocka_unit_test(test_budget_resumes),
		cmocka_unit_test(test_budget_one_slot),
		cmocka_unit_test(test_beyond_revolution),
		cmocka_unit_test(test_time_jump),
		cmocka_unit_test(test_cancel_in_chain),
		cmocka_unit_test(test_million),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
