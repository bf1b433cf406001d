/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * alloc_registry: events insert, update and remove; the bound evicts the
 * least recently updated entry; stale marking, forgetting another
 * instance's entries, the bounded sweep, and the id text form.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_registry.h"

#define INST 0x1122334455667788ull

static void
event(struct ctl_alloc_event *ev, uint8_t kind, uint64_t id, uint32_t lifetime, const char *user)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->alloc_id = id;
	ev->lifetime = lifetime;
	stun_addr_from_string(&ev->ft.client, "198.18.0.1:5000", 0);
	stun_addr_from_string(&ev->ft.server, "198.18.0.2:3478", 0);
	stun_addr_from_string(&ev->relay, "[2001:db8::2]:50000", 0);
	ev->ft.proto = 17;
	ev->c2p_packets = id * 10;
	ev->c2p_bytes = id * 1000;
	ev->user_len = (uint16_t)strlen(user);
	memcpy(ev->user, user, ev->user_len + 1);
}

static void
test_lifecycle(void **state)
{
	struct cp_registry *r = cp_registry_create(10);
	struct ctl_alloc_event ev;
	const struct cp_registry_entry *e;
	struct cp_registry_stats st;

	(void)state;
	assert_non_null(r);
	event(&ev, CTL_ALLOC_CREATED, 7, 600, "alice");
	assert_int_equal(cp_registry_event(r, INST, &ev, 1000), 0);
	assert_int_equal(cp_registry_count(r), 1);
	e = cp_registry_get(r, INST, 7);
	assert_non_null(e);
	assert_string_equal(e->user, "alice");
	assert_int_equal(e->lifetime, 600);
	assert_int_equal(e->c2p_bytes, 7000);
	assert_int_equal(e->created, 1000);
	assert_int_equal(e->state, CTL_ALLOC_CREATED);
	assert_int_equal(e->relay.port, 50000);
	assert_null(cp_registry_get(r, INST + 1, 7)); /* another instance */

	event(&ev, CTL_ALLOC_REFRESHED, 7, 300, "alice");
	ev.p2c_packets = 99;
	assert_int_equal(cp_registry_event(r, INST, &ev, 1100), 0);
	e = cp_registry_get(r, INST, 7);
	assert_int_equal(e->lifetime, 300);
	assert_int_equal(e->p2c_packets, 99);
	assert_int_equal(e->created, 1000);
	assert_int_equal(e->updated, 1100);
	assert_int_equal(e->state, CTL_ALLOC_REFRESHED);
	assert_int_equal(cp_registry_count(r), 1);

	event(&ev, CTL_ALLOC_DELETED, 7, 0, "alice");
	assert_int_equal(cp_registry_event(r, INST, &ev, 1200), 0);
	assert_int_equal(cp_registry_count(r), 0);
	assert_int_equal(cp_registry_event(r, INST, &ev, 1200), -ENOENT);
	event(&ev, CTL_ALLOC_EXPIRED, 8, 0, "bob");
	assert_int_equal(cp_registry_event(r, INST, &ev, 1200), -ENOENT);
	ev.kind = 9;
	assert_int_equal(cp_registry_event(r, INST, &ev, 1200), -EINVAL);
	cp_registry_get_stats(r, &st);
	assert_int_equal(st.unknown, 2);
	cp_registry_destroy(r);
	assert_null(cp_registry_create(0));
}

static int
collect(void *arg, const struct cp_registry_entry *e)
{
	uint64_t **p = arg;

	*(*p)++ = e->alloc_id;
	return 0;
}

static void
test_bound_and_order(void **state)
{
	struct cp_registry *r = cp_registry_create(3);
	struct ctl_alloc_event ev;
	struct cp_registry_stats st;
	uint64_t ids[8], *p = ids;

	(void)state;
	for (uint64_t id = 1; id <= 3; id++) {
		event(&ev, CTL_ALLOC_CREATED, id, 600, "u");
		assert_int_equal(cp_registry_event(r, INST, &ev, 100 + id), 0);
	}
	/* Refreshing 1 makes 2 the least recently updated. */
	event(&ev, CTL_ALLOC_REFRESHED, 1, 600, "u");
	assert_int_equal(cp_registry_event(r, INST, &ev, 200), 0);
	event(&ev, CTL_ALLOC_CREATED, 4, 600, "u");
	assert_int_equal(cp_registry_event(r, INST, &ev, 201), 0);
	assert_int_equal(cp_registry_count(r), 3);
	assert_null(cp_registry_get(r, INST, 2));
	cp_registry_get_stats(r, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(cp_registry_foreach(r, collect, &p, 10), 3);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 4);
	p = ids;
	assert_int_equal(cp_registry_foreach(r, collect, &p, 2), 2);
	cp_registry_destroy(r);
}

static void
test_many_grow(void **state)
{
	struct cp_registry *r = cp_registry_create(5000);
	struct ctl_alloc_event ev;

	(void)state;
	for (uint64_t id = 0; id < 5000; id++) {
		event(&ev, CTL_ALLOC_CREATED, id, 600, "u");
		assert_int_equal(cp_registry_event(r, INST, &ev, 1), 0);
	}
	for (uint64_t id = 0; id < 5000; id += 97)
		assert_non_null(cp_registry_get(r, INST, id));
	for (uint64_t id = 0; id < 5000; id += 2) {
		event(&ev, CTL_ALLOC_DELETED, id, 0, "u");
		assert_int_equal(cp_registry_event(r, INST, &ev, 2), 0);
	}
	assert_int_equal(cp_registry_count(r), 2500);
	assert_null(cp_registry_get(r, INST, 10));
	assert_non_null(cp_registry_get(r, INST, 11));
	cp_registry_destroy(r);
}

static void
test_stale_and_forget(void **state)
{
	struct cp_registry *r = cp_registry_create(10);
	struct ctl_alloc_event ev;

	(void)state;
	event(&ev, CTL_ALLOC_CREATED, 1, 600, "u");
	assert_int_equal(cp_registry_event(r, INST, &ev, 10), 0);
	event(&ev, CTL_ALLOC_CREATED, 2, 600, "u");
	assert_int_equal(cp_registry_event(r, INST, &ev, 10), 0);
	cp_registry_mark_stale(r);
	assert_true(cp_registry_get(r, INST, 1)->stale);
	/* The same instance re-announces 1: no longer stale. */
	event(&ev, CTL_ALLOC_REFRESHED, 1, 600, "u");
	assert_int_equal(cp_registry_event(r, INST, &ev, 20), 0);
	assert_false(cp_registry_get(r, INST, 1)->stale);
	assert_true(cp_registry_get(r, INST, 2)->stale);
	assert_int_equal(cp_registry_forget_others(r, INST), 0);
	/* A restarted dataplane (new instance): everything old goes. */
	event(&ev, CTL_ALLOC_CREATED, 1, 600, "u");
	assert_int_equal(cp_registry_event(r, INST + 1, &ev, 30), 0);
	assert_int_equal(cp_registry_forget_others(r, INST + 1), 2);
	assert_int_equal(cp_registry_count(r), 1);
	assert_non_null(cp_registry_get(r, INST + 1, 1));
	cp_registry_destroy(r);
}

static void
test_sweep(void **state)
{
	struct cp_registry *r = cp_registry_create(100);
	struct ctl_alloc_event ev;
	struct cp_registry_stats st;
	size_t removed = 0;

	(void)state;
	/* 1 lives 10 s, 2 lives 1000 s, 3 lives 10 s: all updated at 0. */
	event(&ev, CTL_ALLOC_CREATED, 1, 10, "u");
	cp_registry_event(r, INST, &ev, 0);
	event(&ev, CTL_ALLOC_CREATED, 2, 1000, "u");
	cp_registry_event(r, INST, &ev, 0);
	event(&ev, CTL_ALLOC_CREATED, 3, 10, "u");
	cp_registry_event(r, INST, &ev, 0);
	assert_int_equal(cp_registry_sweep(r, 10 + CP_REGISTRY_GRACE, 100), 0);
	/* Budget 1 per call: the cursor walks on, so 3 is found even though
	 * 2 (not expired) sits before it. */
	for (int i = 0; i < 6; i++)
		removed += cp_registry_sweep(r, 11 + CP_REGISTRY_GRACE, 1);
	assert_int_equal(removed, 2);
	assert_int_equal(cp_registry_count(r), 1);
	assert_non_null(cp_registry_get(r, INST, 2));
	cp_registry_get_stats(r, &st);
	assert_int_equal(st.swept, 2);
	assert_int_equal(cp_registry_sweep(r, 2000, 10), 1);
	assert_int_equal(cp_registry_sweep(r, 2000, 10), 0);
	cp_registry_destroy(r);
}

static void
test_id_text(void **state)
{
	char buf[CP_ALLOC_ID_STRLEN];
	uint64_t inst, id;

	(void)state;
	cp_alloc_id_format(0x00ab0000000000cdull, 42, buf, sizeof(buf));
	assert_string_equal(buf, "00ab0000000000cd-000000000000000042");
	assert_int_equal(cp_alloc_id_parse(buf, &inst, &id), 0);
	assert_int_equal(inst, 0x00ab0000000000cdull);
	assert_int_equal(id, 42);
	cp_alloc_id_format(UINT64_MAX, UINT64_MAX, buf, sizeof(buf));
	assert_int_equal(cp_alloc_id_parse(buf, &inst, &id), 0);
	assert_true(id == UINT64_MAX);
	assert_int_equal(cp_alloc_id_parse("00ab0000000000cd-", &inst, &id), -EINVAL);
	assert_int_equal(cp_alloc_id_parse("00ab0000000000c-1", &inst, &id), -EINVAL);
	assert_int_equal(cp_alloc_id_parse("00ab0000000000cdx1", &inst, &id), -EINVAL);
	assert_int_equal(cp_alloc_id_parse("00ab0000000000cd-1a", &inst, &id), -EINVAL);
	assert_int_equal(cp_alloc_id_parse("00ab0000000000cd-18446744073709551616", &inst, &id),
			 -EINVAL);
	assert_int_equal(cp_alloc_id_parse("zzab0000000000cd-1", &inst, &id), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_bound_and_order),
		cmocka_unit_test(test_many_grow),
		cmocka_unit_test(test_stale_and_forget),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_id_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
