/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default allocation table: 5-tuple and relay lookups for IPv4 and
 * IPv6, a full table, removal and reuse, and scan cycles.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "turn_table.h"

static struct stun_5tuple
ft_v4(uint32_t n)
{
	struct stun_5tuple ft;
	const uint8_t cip[4] = {10, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	const uint8_t sip[4] = {198, 18, 0, 1};

	memset(&ft, 0, sizeof(ft));
	stun_addr_set_v4(&ft.client, cip, (uint16_t)(1024 + n % 60000));
	stun_addr_set_v4(&ft.server, sip, 3478);
	ft.proto = TURN_TRANSPORT_UDP;
	return ft;
}

static struct stun_5tuple
ft_v6(uint32_t n)
{
	struct stun_5tuple ft;
	uint8_t cip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0};
	uint8_t sip[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff};

	cip[12] = (uint8_t)(n >> 24);
	cip[13] = (uint8_t)(n >> 16);
	cip[14] = (uint8_t)(n >> 8);
	cip[15] = (uint8_t)n;
	sip[15] = 1;
	memset(&ft, 0, sizeof(ft));
	stun_addr_set_v6(&ft.client, cip, 5000);
	stun_addr_set_v6(&ft.server, sip, 3478);
	ft.proto = TURN_TRANSPORT_UDP;
	return ft;
}

static struct stun_addr
relay_v4(uint16_t port)
{
	struct stun_addr a;
	const uint8_t ip[4] = {203, 0, 113, 1};

	memset(&a, 0, sizeof(a));
	stun_addr_set_v4(&a, ip, port);
	return a;
}

static struct stun_addr
relay_v6(uint16_t port)
{
	struct stun_addr a;
	const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0x0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	memset(&a, 0, sizeof(a));
	stun_addr_set_v6(&a, ip, port);
	return a;
}

static void
test_create_errors(void **state)
{
	(void)state;
	errno = 0;
	assert_null(turn_table_create(0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(turn_table_create((1u << 24) + 1));
	assert_int_equal(errno, EINVAL);
	turn_table_destroy(NULL);
}

static void
test_insert_lookup_remove(void **state)
{
	const struct turn_table_ops *ops = &turn_table_ops;
	struct turn_table *t = turn_table_create(16);
	struct stun_5tuple f4 = ft_v4(1), f6 = ft_v6(1), other = ft_v4(2);
	struct turn_allocation *a, *b;

	(void)state;
	assert_non_null(t);
	a = ops->insert(t, &f4);
	assert_non_null(a);
	assert_true(stun_5tuple_equal(&a->ft, &f4));
	assert_int_equal(a->n_relay, 0);
	assert_int_equal(a->expires, 0);
	assert_int_equal(a->perm[0].family, 0);
	b = ops->insert(t, &f6);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(turn_table_count(t), 2);

	assert_ptr_equal(ops->lookup(t, &f4), a);
	assert_ptr_equal(ops->lookup(t, &f6), b);
	assert_null(ops->lookup(t, &other));
	/* Same client, other server address: another 5-tuple. */
	struct stun_5tuple f4s = f4;
	f4s.server.port = 3479;
	assert_null(ops->lookup(t, &f4s));

	/* A key is held once. */
	assert_null(ops->insert(t, &f4));
	assert_int_equal(turn_table_count(t), 2);

	ops->remove(t, a);
	assert_int_equal(turn_table_count(t), 1);
	assert_null(ops->lookup(t, &f4));
	assert_ptr_equal(ops->lookup(t, &f6), b);
	/* Removing twice, or something that is not ours, is ignored. */
	ops->remove(t, a);
	struct turn_allocation stray;
	ops->remove(t, &stray);
	ops->remove(t, (struct turn_allocation *)((char *)b + 1));
	assert_int_equal(turn_table_count(t), 1);
	assert_ptr_equal(ops->lookup(t, &f6), b);

	ops->remove(t, b);
	assert_int_equal(turn_table_count(t), 0);
	assert_null(ops->lookup(t, &f6));
	turn_table_destroy(t);
}

static void
test_relay_index(void **state)
{
	const struct turn_table_ops *ops = &turn_table_ops;
	struct turn_table *t = turn_table_create(8);
	struct stun_5tuple f1 = ft_v4(1), f2 = ft_v6(2);
	struct stun_addr r4 = relay_v4(50000), r6 = relay_v6(50000), r4b = relay_v4(50002);
	struct turn_allocation *a, *b;

	(void)state;
	a = ops->insert(t, &f1);
	b = ops->insert(t, &f2);
	assert_non_null(a);
	assert_non_null(b);

	/* Dual allocation: both families indexed. */
	a->relay[0] = r4;
	a->relay[1] = r6;
	a->n_relay = 2;
	assert_int_equal(ops->index_relay(t, a), 0);
	assert_ptr_equal(ops->lookup_relay(t, &r4), a);
	assert_ptr_equal(ops->lookup_relay(t, &r6), a);
	assert_null(ops->lookup_relay(t, &r4b));
	struct stun_addr r4p = relay_v4(50001);
	assert_null(ops->lookup_relay(t, &r4p));

	/* Another allocation cannot take a held relay address. */
	b->relay[0] = r6;
	b->n_relay = 1;
	assert_int_equal(ops->index_relay(t, b), -EEXIST);
	assert_ptr_equal(ops->lookup_relay(t, &r6), a);
	b->relay[0] = r4b;
	assert_int_equal(ops->index_relay(t, b), 0);
	assert_ptr_equal(ops->lookup_relay(t, &r4b), b);

	/* Invalid requests. */
	b->n_relay = 3;
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->n_relay = 2;
	b->relay[1] = r4b;
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->relay[1].family = 0;
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->n_relay = 1;
	struct turn_allocation stray;
	memset(&stray, 0, sizeof(stray));
	stray.relay[0] = relay_v4(60000);
	stray.n_relay = 1;
	assert_int_equal(ops->index_relay(t, &stray), -EINVAL);
	assert_ptr_equal(ops->lookup_relay(t, &r4b), b);

	/* Re-indexing replaces the old addresses; the table keeps its own
	 * copy, so a later change in the allocation does not hide them. */
	a->relay[0] = relay_v4(50010);
	a->n_relay = 1;
	assert_int_equal(ops->index_relay(t, a), 0);
	assert_null(ops->lookup_relay(t, &r4));
	assert_null(ops->lookup_relay(t, &r6));
	struct stun_addr r10 = relay_v4(50010);
	assert_ptr_equal(ops->lookup_relay(t, &r10), a);
	a->relay[0] = relay_v4(1);
	assert_ptr_equal(ops->lookup_relay(t, &r10), a);

	/* Remove drops the relay index too. */
	ops->remove(t, a);
	assert_null(ops->lookup_relay(t, &r10));
	assert_ptr_equal(ops->lookup_relay(t, &r4b), b);
	ops->remove(t, b);
	assert_null(ops->lookup_relay(t, &r4b));
	assert_int_equal(turn_table_count(t), 0);
	turn_table_destroy(t);
}

static void
test_full_and_reuse(void **state)
{
	const struct turn_table_ops *ops = &turn_table_ops;
	struct turn_table *t = turn_table_create(4);
	struct turn_allocation *a[4];
	struct stun_5tuple f;

	(void)state;
	for (uint32_t i = 0; i < 4; i++) {
		f = ft_v4(i);
		a[i] = ops->insert(t, &f);
		assert_non_null(a[i]);
		a[i]->relay[0] = relay_v4((uint16_t)(50000 + i));
		a[i]->n_relay = 1;
		a[i]->expires = 1000 + i;
		assert_int_equal(ops->index_relay(t, a[i]), 0);
	}
	f = ft_v4(4);
	assert_null(ops->insert(t, &f));
	assert_int_equal(turn_table_count(t), 4);

	ops->remove(t, a[2]);
	struct turn_allocation *n = ops->insert(t, &f);
	assert_non_null(n);
	/* The freed slot comes back zeroed, with no stale relay index. */
	assert_int_equal(n->expires, 0);
	assert_int_equal(n->n_relay, 0);
	struct stun_addr r2 = relay_v4(50002);
	assert_null(ops->lookup_relay(t, &r2));
	n->relay[0] = r2;
	n->n_relay = 1;
	assert_int_equal(ops->index_relay(t, n), 0);
	assert_ptr_equal(ops->lookup_relay(t, &r2), n);
	struct stun_5tuple f2 = ft_v4(2);
	assert_null(ops->lookup(t, &f2));
	for (uint32_t i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		f = ft_v4(i);
		assert_ptr_equal(ops->lookup(t, &f), a[i]);
	}
	f = ft_v4(5);
	assert_null(ops->insert(t, &f));
	turn_table_destroy(t);
}

/* Many entries in one table: chains of several links, removal from the
 * middle of chains. */
static void
test_many(void **state)
{
	const struct turn_table_ops *ops = &turn_table_ops;
	const uint32_t n = 5000;
	struct turn_table *t = turn_table_create(n);
	struct stun_5tuple f;

	(void)state;
	for (uint32_t i = 0; i < n; i++) {
		f = (i & 1) ? ft_v6(i) : ft_v4(i);
		struct turn_allocation *a = ops->insert(t, &f);
		assert_non_null(a);
		a->relay[0] = (i & 1) ? relay_v6((uint16_t)(i + 1)) : relay_v4((uint16_t)(i + 1));
		a->n_relay = 1;
		a->lifetime = i;
		assert_int_equal(ops->index_relay(t, a), 0);
	}
	assert_int_equal(turn_table_count(t), n);
	for (uint32_t i = 0; i < n; i += 3) {
		f = (i & 1) ? ft_v6(i) : ft_v4(i);
		ops->remove(t, ops->lookup(t, &f));
	}
	for (uint32_t i = 0; i < n; i++) {
		f = (i & 1) ? ft_v6(i) : ft_v4(i);
		struct stun_addr r = (i & 1) ? relay_v6((uint16_t)(i + 1)) : relay_v4((uint16_t)(i + 1));
		struct turn_allocation *a = ops->lookup(t, &f);
		if (i % 3 == 0) {
			assert_null(a);
			assert_null(ops->lookup_relay(t, &r));
		} else {
			assert_non_null(a);
			assert_int_equal(a->lifetime, i);
			assert_ptr_equal(ops->lookup_relay(t, &r), a);
		}
	}
	assert_int_equal(turn_table_count(t), n - (n + 2) / 3);
	turn_table_destroy(t);
}

struct visit_log {
	struct turn_table *t;
	unsigned int count[64];
	struct turn_allocation *base[64];
	unsigned int n;
	bool remove_odd;
};

static bool
visit(void *arg, struct turn_allocation *a)
{
	struct visit_log *v = arg;
	unsigned int id = a->lifetime;

	assert_true(id < v->n);
	assert_ptr_equal(v->base[id], a);
	v->count[id]++;
	if (v->remove_odd && (id & 1)) {
		turn_table_ops.remove(v->t, a);
		return true;
	}
	return false;
}

static void
test_scan_cycle(void **state)
{
	const struct turn_table_ops *ops = &turn_table_ops;
	struct turn_table *t = turn_table_create(100);
	struct visit_log v;
	uint64_t cursor = 0;
	unsigned int total = 0, calls = 0;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.t = t;
	v.n = 37;
	for (unsigned int i = 0; i < 60; i++) {
		struct stun_5tuple f = ft_v4(i);
		struct turn_allocation *a = ops->insert(t, &f);
		assert_non_null(a);
		a->lifetime = i < v.n ? i : 63;
		if (i < v.n)
			v.base[i] = a;
	}
	/* Leave 37 entries with holes between them. */
	for (unsigned int i = v.n; i < 60; i++) {
		struct stun_5tuple f = ft_v4(i);
		ops->remove(t, ops->lookup(t, &f));
	}
	assert_int_equal(turn_table_count(t), v.n);

	/* One cycle in steps of 5: each entry exactly once. */
	do {
		unsigned int got = ops->scan(t, &cursor, 5, visit, &v);
		assert_true(got <= 5);
		total += got;
		assert_true(++calls < 100);
	} while (cursor != 0);
	assert_int_equal(total, v.n);
	for (unsigned int i = 0; i < v.n; i++)
		assert_int_equal(v.count[i], 1);

	/* Budget 0 does nothing. */
	assert_int_equal(ops->scan(t, &cursor, 0, visit, &v), 0);
	assert_int_equal(cursor, 0);

	/* A second cycle removing the odd ones as it goes. */
	v.remove_odd = true;
	do {
		ops->scan(t, &cursor, 3, visit, &v);
	} while (cursor != 0);
	for (unsigned int i = 0; i < v.n; i++)
		assert_int_equal(v.count[i], 2);
	assert_int_equal(turn_table_count(t), (v.n + 1) / 2);

	/* A cursor past the end starts over. */
	cursor = 1000;
	total = 0;
	v.remove_odd = false;
	do {
		total += ops->scan(t, &cursor, 1000, visit, &v);
	} while (cursor != 0);
	assert_int_equal(total, (v.n + 1) / 2);
	turn_table_destroy(t);
}

/* A large, nearly empty table: each call is bounded, and the cycle
 * still visits everything once. */
static void
test_scan_sparse(void **state)
{
	const struct turn_table_ops *ops = &turn_table_ops;
	const unsigned int cap = 1u << 16;
	struct turn_table *t = turn_table_create(cap);
	struct visit_log v;
	uint64_t cursor = 0;
	unsigned int total = 0, calls = 0;
	struct turn_allocation *all[3];

	(void)state;
	memset(&v, 0, sizeof(v));
	v.t = t;
	v.n = 3;
	/* Fill, then keep three entries far apart. */
	for (unsigned int i = 0; i < cap; i++) {
		struct stun_5tuple f = ft_v4(i);
		struct turn_allocation *a = ops->insert(t, &f);
		assert_non_null(a);
		a->lifetime = 63;
		if (i == 0 || i == cap / 2 || i == cap - 1) {
			unsigned int id = i == 0 ? 0 : i == cap / 2 ? 1 : 2;
			a->lifetime = id;
			v.base[id] = a;
			all[id] = a;
		}
	}
	for (unsigned int i = 0; i < cap; i++) {
		struct stun_5tuple f = ft_v4(i);
		struct turn_allocation *a = ops->lookup(t, &f);
		if (a != all[0] && a != all[1] && a != all[2])
			ops->remove(t, a);
	}
	assert_int_equal(turn_table_count(t), 3);
	do {
		total += ops->scan(t, &cursor, 16, visit, &v);
		calls++;
	} while (cursor != 0);
	assert_int_equal(total, 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(v.count[i], 1);
	/* 1024 words of 64 slots, at most 16 empty words per call. */
	assert_true(calls >= cap / 64 / 16 - 1);
	assert_true(calls <= cap / 64 / 16 + 4);
	turn_table_destroy(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_relay_index),
		cmocka_unit_test(test_full_and_reuse),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_scan_cycle),
		cmocka_unit_test(test_scan_sparse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
