/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker allocation table: the turn_table_ops contract (as
 * turn_table_test), bulk lookups against single ones, the hint, relay
 * arrays over several addresses and a port slice, the scan (a full pass,
 * then the timing wheel), expiry driven by a real turn_server, and a
 * million entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alloc_table.h"
#include "turn_harness.h"

static const struct turn_table_ops *ops = &alloc_table_ops;

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

/* IPv4 relay address number @k: 203.0.113.(k+1). */
static struct stun_addr
relay_v4k(unsigned int k, uint16_t port)
{
	struct stun_addr a;
	const uint8_t ip[4] = {203, 0, (uint8_t)(113 + k / 250), (uint8_t)(1 + k % 250)};

	memset(&a, 0, sizeof(a));
	stun_addr_set_v4(&a, ip, port);
	return a;
}

/* IPv6 relay address number @k: 2001:db8:99::(k+1). */
static struct stun_addr
relay_v6k(unsigned int k, uint16_t port)
{
	struct stun_addr a;
	const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0x0, 0x99, 0, 0,
				0,    0,    0,    0,    0,   0,    0, (uint8_t)(k + 1)};

	memset(&a, 0, sizeof(a));
	stun_addr_set_v6(&a, ip, port);
	return a;
}

static struct stun_addr
relay_v4(uint16_t port)
{
	return relay_v4k(0, port);
}

static struct stun_addr
relay_v6(uint16_t port)
{
	return relay_v6k(0, port);
}

/* A table over relay_v4k(0 .. n4) and relay_v6k(0 .. n6), ports [lo, hi]. */
static struct alloc_table *
table(unsigned int cap, unsigned int n4, unsigned int n6, uint16_t lo, uint16_t hi)
{
	struct stun_addr addrs[ALLOC_TABLE_MAX_RELAY];
	unsigned int n = 0;

	for (unsigned int k = 0; k < n4; k++)
		addrs[n++] = relay_v4k(k, 0);
	for (unsigned int k = 0; k < n6; k++)
		addrs[n++] = relay_v6k(k, 0);
	struct alloc_table_config c = {
		.capacity = cap, .relay = addrs, .n_relay = n, .port_lo = lo, .port_hi = hi,
	};
	struct alloc_table *t = alloc_table_create(&c);
	assert_non_null(t);
	return t;
}

/* ---- create, allocator ---- */

struct counting_alloc {
	size_t bytes, live, calls;
	size_t fail_at; /* fail the n-th call (1-based), 0 = never */
};

static void *
count_zalloc(size_t size, size_t align, void *arg)
{
	struct counting_alloc *ca = arg;
	void *p = NULL;

	ca->calls++;
	if (ca->fail_at != 0 && ca->calls == ca->fail_at)
		return NULL;
	if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align,
			   size == 0 ? 1 : size) != 0)
		return NULL;
	memset(p, 0, size);
	assert_int_equal((uintptr_t)p % align, 0);
	ca->bytes += size;
	ca->live++;
	return p;
}

static void
count_free(void *p, void *arg)
{
	struct counting_alloc *ca = arg;

	ca->live--;
	free(p);
}

static void
test_create_errors(void **state)
{
	struct stun_addr addrs[ALLOC_TABLE_MAX_RELAY + 1];
	struct alloc_table_config c = {
		.capacity = 16, .relay = addrs, .n_relay = 2, .port_lo = 50000, .port_hi = 50010,
	};
	struct alloc_table *t;

	(void)state;
	for (unsigned int k = 0; k <= ALLOC_TABLE_MAX_RELAY; k++)
		addrs[k] = relay_v4k(k, 0);
	t = alloc_table_create(&c);
	assert_non_null(t);
	alloc_table_destroy(t);
	alloc_table_destroy(NULL);

#define BAD(field, value)                                                                         \
	do {                                                                                      \
		struct alloc_table_config b = c;                                                  \
		b.field = value;                                                                  \
		errno = 0;                                                                        \
		assert_null(alloc_table_create(&b));                                              \
		assert_int_equal(errno, EINVAL);                                                  \
	} while (0)
	BAD(capacity, 0);
	BAD(capacity, ALLOC_TABLE_MAX_CAPACITY + 1);
	BAD(n_relay, 0);
	BAD(n_relay, ALLOC_TABLE_MAX_RELAY + 1);
	BAD(relay, NULL);
	BAD(port_lo, 0);
	BAD(port_lo, 50011);
	BAD(zalloc, count_zalloc); /* without free */
#undef BAD
	errno = 0;
	assert_null(alloc_table_create(NULL));
	assert_int_equal(errno, EINVAL);

	/* 64 addresses are fine; a bad family or a duplicate is not. */
	c.n_relay = ALLOC_TABLE_MAX_RELAY;
	t = alloc_table_create(&c);
	assert_non_null(t);
	alloc_table_destroy(t);
	c.n_relay = 3;
	addrs[1].family = 0;
	assert_null(alloc_table_create(&c));
	addrs[1] = relay_v4k(0, 1234); /* same IP, other port: a duplicate */
	assert_null(alloc_table_create(&c));
	addrs[1] = relay_v6k(0, 0);
	addrs[2] = relay_v6k(0, 0);
	assert_null(alloc_table_create(&c));
	addrs[2] = relay_v4k(2, 0);
	addrs[2].ip[7] = 1; /* IPv4 with a non-zero tail */
	assert_null(alloc_table_create(&c));
	addrs[2] = relay_v4k(2, 0);
	t = alloc_table_create(&c);
	assert_non_null(t);
	assert_int_equal(alloc_table_capacity(t), 16);
	alloc_table_destroy(t);
}

/* Everything goes through the callbacks; nothing leaks, also when a
 * callback fails half way; the footprint covers what was allocated. */
static void
test_allocator(void **state)
{
	struct stun_addr addrs[2] = {relay_v4k(0, 0), relay_v6k(0, 0)};
	struct counting_alloc ca;
	struct alloc_table_config c = {
		.capacity = 1000, .relay = addrs, .n_relay = 2, .port_lo = 40000, .port_hi = 40999,
		.zalloc = count_zalloc, .free = count_free, .alloc_arg = &ca,
	};
	struct alloc_table *t;

	(void)state;
	memset(&ca, 0, sizeof(ca));
	t = alloc_table_create(&c);
	assert_non_null(t);
	assert_true(ca.calls > 0);
	assert_int_equal(ca.live, ca.calls);
	assert_true(alloc_table_footprint(t) > ca.bytes);
	/* Entries, 2 x 1000 relay slots, and under 40 B per entry besides. */
	assert_true(ca.bytes >= 1000 * ALLOC_TABLE_ENTRY_SIZE + 2000 * 4);
	assert_true(ca.bytes <= 1000 * (ALLOC_TABLE_ENTRY_SIZE + 40) + 2000 * 4);
	assert_true(alloc_table_footprint(t) - ca.bytes < 32 * 1024);
	size_t calls = ca.calls;
	/* Use it: no callback after create. */
	for (uint32_t i = 0; i < 1000; i++) {
		struct stun_5tuple f = ft_v4(i);
		assert_non_null(ops->insert(t, &f));
	}
	assert_int_equal(ca.calls, calls);
	alloc_table_destroy(t);
	assert_int_equal(ca.live, 0);

	for (size_t k = 1; k <= calls; k++) {
		memset(&ca, 0, sizeof(ca));
		ca.fail_at = k;
		errno = 0;
		assert_null(alloc_table_create(&c));
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(ca.live, 0);
	}
}

/* ---- the turn_table_ops contract ---- */

static void
test_insert_lookup_remove(void **state)
{
	struct alloc_table *t = table(16, 1, 1, 50000, 50063);
	struct stun_5tuple f4 = ft_v4(1), f6 = ft_v6(1), other = ft_v4(2);
	struct turn_allocation *a, *b;

	(void)state;
	a = ops->insert(t, &f4);
	assert_non_null(a);
	assert_int_equal((uintptr_t)a % 64, 0);
	assert_true(stun_5tuple_equal(&a->ft, &f4));
	assert_int_equal(a->n_relay, 0);
	assert_int_equal(a->expires, 0);
	assert_int_equal(a->perm[0].family, 0);
	b = ops->insert(t, &f6);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(alloc_table_count(t), 2);

	assert_ptr_equal(ops->lookup(t, &f4), a);
	assert_ptr_equal(ops->lookup(t, &f6), b);
	assert_null(ops->lookup(t, &other));
	/* Same client, other server address: another 5-tuple. */
	struct stun_5tuple f4s = f4;
	f4s.server.port = 3479;
	assert_null(ops->lookup(t, &f4s));
	f4s = f4;
	f4s.proto = 6;
	assert_null(ops->lookup(t, &f4s));
	/* The pad bytes are not part of the key. */
	f4s = f4;
	f4s.client.pad = 0x5a;
	f4s.server.pad = 0xa5;
	assert_ptr_equal(ops->lookup(t, &f4s), a);

	/* A key is held once. */
	assert_null(ops->insert(t, &f4));
	assert_int_equal(alloc_table_count(t), 2);

	ops->remove(t, a);
	assert_int_equal(alloc_table_count(t), 1);
	assert_null(ops->lookup(t, &f4));
	assert_ptr_equal(ops->lookup(t, &f6), b);
	/* Removing twice, or something that is not ours, is ignored. */
	ops->remove(t, a);
	struct turn_allocation stray;
	memset(&stray, 0, sizeof(stray));
	ops->remove(t, &stray);
	ops->remove(t, (struct turn_allocation *)((char *)b + 1));
	ops->remove(t, (struct turn_allocation *)((char *)b + ALLOC_TABLE_ENTRY_SIZE * 16));
	assert_int_equal(alloc_table_count(t), 1);
	assert_ptr_equal(ops->lookup(t, &f6), b);

	ops->remove(t, b);
	assert_int_equal(alloc_table_count(t), 0);
	assert_null(ops->lookup(t, &f6));
	alloc_table_destroy(t);
}

static void
test_relay_index(void **state)
{
	struct alloc_table *t = table(8, 1, 1, 50000, 50063);
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
	/* Indexing the same again is fine. */
	assert_int_equal(ops->index_relay(t, b), 0);
	assert_ptr_equal(ops->lookup_relay(t, &r4b), b);

	/* Invalid requests change nothing. */
	b->n_relay = 3;
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->n_relay = 2;
	b->relay[1] = r4b;
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->relay[1].family = 0;
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->relay[1] = relay_v4(50064); /* past the slice */
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->relay[1] = relay_v4(49999);
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->relay[1] = relay_v4k(1, 50010); /* not one of our addresses */
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->relay[1] = relay_v6k(1, 50010);
	assert_int_equal(ops->index_relay(t, b), -EINVAL);
	b->n_relay = 1;
	struct turn_allocation stray;
	memset(&stray, 0, sizeof(stray));
	stray.relay[0] = relay_v4(50030);
	stray.n_relay = 1;
	assert_int_equal(ops->index_relay(t, &stray), -EINVAL);
	assert_ptr_equal(ops->lookup_relay(t, &r4b), b);
	struct stun_addr r30 = relay_v4(50030);
	assert_null(ops->lookup_relay(t, &r30));

	/* Re-indexing replaces the old addresses; the table remembers the
	 * slots it set, so a later change in the allocation does not hide
	 * them. */
	a->relay[0] = relay_v4(50010);
	a->n_relay = 1;
	assert_int_equal(ops->index_relay(t, a), 0);
	assert_null(ops->lookup_relay(t, &r4));
	assert_null(ops->lookup_relay(t, &r6));
	struct stun_addr r10 = relay_v4(50010);
	assert_ptr_equal(ops->lookup_relay(t, &r10), a);
	a->relay[0] = relay_v4(50011);
	assert_ptr_equal(ops->lookup_relay(t, &r10), a);

	/* Remove drops the relay index too. */
	ops->remove(t, a);
	assert_null(ops->lookup_relay(t, &r10));
	assert_ptr_equal(ops->lookup_relay(t, &r4b), b);
	ops->remove(t, b);
	assert_null(ops->lookup_relay(t, &r4b));
	assert_int_equal(alloc_table_count(t), 0);
	alloc_table_destroy(t);
}

static void
test_full_and_reuse(void **state)
{
	struct alloc_table *t = table(4, 1, 0, 50000, 50009);
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
	assert_int_equal(alloc_table_count(t), 4);

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
	alloc_table_destroy(t);
}

/* Many entries, a full table (80% of the bucket slots: some keys live
 * past their home bucket), removal in the middle of probe sequences. */
static void
test_many(void **state)
{
	const uint32_t n = 5000;
	struct alloc_table *t = table(n, 1, 1, 1, 5000);
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
	assert_int_equal(alloc_table_count(t), n);
	f = ft_v4(n);
	assert_null(ops->insert(t, &f));
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
	assert_int_equal(alloc_table_count(t), n - (n + 2) / 3);
	/* Refill with other keys, then empty completely. */
	for (uint32_t i = 0; i < (n + 2) / 3; i++) {
		f = ft_v4(100000 + i);
		assert_non_null(ops->insert(t, &f));
	}
	assert_int_equal(alloc_table_count(t), n);
	for (uint32_t i = 0; i < n; i++) {
		f = (i & 1) ? ft_v6(i) : ft_v4(i);
		if (i % 3 != 0)
			ops->remove(t, ops->lookup(t, &f));
	}
	for (uint32_t i = 0; i < (n + 2) / 3; i++) {
		f = ft_v4(100000 + i);
		struct turn_allocation *a = ops->lookup(t, &f);
		assert_non_null(a);
		ops->remove(t, a);
	}
	assert_int_equal(alloc_table_count(t), 0);
	alloc_table_destroy(t);
}

/* ---- scan ---- */

struct visit_log {
	struct alloc_table *t;
	unsigned int count[64];
	struct turn_allocation *base[64];
	unsigned int n;
	bool remove_odd;
	bool remove_all;
	uint64_t now;      /* with remove_expired: remove if a->expires <= now */
	bool remove_expired;
	unsigned int visits;
};

static bool
visit(void *arg, struct turn_allocation *a)
{
	struct visit_log *v = arg;
	unsigned int id = a->lifetime;

	assert_true(id < v->n);
	assert_ptr_equal(v->base[id], a);
	v->count[id]++;
	v->visits++;
	if (v->remove_all || (v->remove_odd && (id & 1)) ||
	    (v->remove_expired && a->expires <= v->now)) {
		alloc_table_ops.remove(v->t, a);
		return true;
	}
	return false;
}

/* A cursor from 0 makes a full pass in entry order, each live entry once;
 * at the end the cursor says "wheel". */
static void
test_scan_full_pass(void **state)
{
	struct alloc_table *t = table(100, 1, 0, 50000, 50099);
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
		a->expires = UINT32_MAX;
		if (i < v.n)
			v.base[i] = a;
	}
	/* Leave 37 entries with holes between them. */
	for (unsigned int i = v.n; i < 60; i++) {
		struct stun_5tuple f = ft_v4(i);
		ops->remove(t, ops->lookup(t, &f));
	}
	assert_int_equal(alloc_table_count(t), v.n);

	/* Budget 0 does nothing. */
	assert_int_equal(ops->scan(t, &cursor, 0, visit, &v), 0);
	assert_int_equal(cursor, 0);

	do {
		unsigned int got = ops->scan(t, &cursor, 5, visit, &v);
		assert_true(got <= 5);
		total += got;
		assert_true(++calls < 100);
	} while (cursor != ALLOC_TABLE_CURSOR_WHEEL);
	assert_int_equal(total, v.n);
	for (unsigned int i = 0; i < v.n; i++)
		assert_int_equal(v.count[i], 1);

	/* A second pass removing the odd ones as it goes. */
	cursor = 0;
	v.remove_odd = true;
	do {
		ops->scan(t, &cursor, 3, visit, &v);
	} while (cursor != ALLOC_TABLE_CURSOR_WHEEL);
	for (unsigned int i = 0; i < v.n; i++)
		assert_int_equal(v.count[i], 2);
	assert_int_equal(alloc_table_count(t), (v.n + 1) / 2);

	/* turn_server_flush's loop empties the table. */
	v.remove_odd = false;
	v.remove_all = true;
	unsigned int before;
	do {
		before = alloc_table_count(t);
		cursor = 0;
		do {
			if (ops->scan(t, &cursor, 4, visit, &v) == 0)
				break;
		} while (cursor != 0);
	} while (alloc_table_count(t) != before);
	assert_int_equal(alloc_table_count(t), 0);

	/* An empty table ends the pass at once. */
	cursor = 0;
	assert_int_equal(ops->scan(t, &cursor, 4, visit, &v), 0);
	assert_int_equal(cursor, ALLOC_TABLE_CURSOR_WHEEL);
	alloc_table_destroy(t);
}

/* The wheel: an entry is visited at the first advance after insert, then
 * at a->expires (and not before), and once removed never again. */
static void
test_scan_wheel(void **state)
{
	const uint64_t t0 = 1700000000;
	struct alloc_table_config c;
	struct stun_addr r = relay_v4(0);
	struct visit_log v;
	uint64_t cursor = ALLOC_TABLE_CURSOR_WHEEL;
	struct alloc_table *t;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.capacity = 64;
	c.relay = &r;
	c.n_relay = 1;
	c.port_lo = c.port_hi = 50000;
	c.now = t0;
	t = alloc_table_create(&c);
	assert_non_null(t);
	memset(&v, 0, sizeof(v));
	v.t = t;
	v.n = 40;
	v.remove_expired = true;
	for (unsigned int i = 0; i < v.n; i++) {
		struct stun_5tuple f = ft_v4(i);
		struct turn_allocation *a = ops->insert(t, &f);
		assert_non_null(a);
		a->lifetime = i;
		a->expires = t0 + 10 + i; /* one per second from t0 + 10 */
		v.base[i] = a;
	}
	/* The first advance looks at each new entry once. */
	v.now = t0;
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), v.n);
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 0);
	for (unsigned int i = 0; i < v.n; i++)
		assert_int_equal(v.count[i], 1);
	/* Then nothing until expiry, with a bounded budget per call. */
	for (uint64_t now = t0 + 1; now < t0 + 10 + v.n + 5; now++) {
		unsigned int got;

		v.now = now;
		alloc_table_set_time(t, now);
		got = ops->scan(t, &cursor, 1000, visit, &v);
		if (now >= t0 + 10 && now < t0 + 10 + v.n) {
			assert_int_equal(got, 1);
			assert_int_equal(v.count[now - t0 - 10], 2);
			assert_int_equal(alloc_table_count(t), t0 + 10 + v.n - now - 1);
		} else {
			assert_int_equal(got, 0);
		}
	}
	assert_int_equal(v.visits, 2 * v.n);
	assert_int_equal(alloc_table_count(t), 0);

	/* A later expiry (a Refresh) is found at the old deadline and
	 * re-armed; a callback that keeps an expired entry sees it again one
	 * second later, not in the same advance; remove cancels. */
	memset(v.count, 0, sizeof(v.count));
	v.visits = 0;
	uint64_t now = t0 + 100;
	alloc_table_set_time(t, now);
	struct stun_5tuple f0 = ft_v4(0), f1 = ft_v4(1), f2 = ft_v4(2);
	struct turn_allocation *a0 = ops->insert(t, &f0), *a1 = ops->insert(t, &f1),
			       *a2 = ops->insert(t, &f2);
	a0->lifetime = 0;
	a1->lifetime = 1;
	a2->lifetime = 2;
	v.base[0] = a0;
	v.base[1] = a1;
	v.base[2] = a2;
	a0->expires = now + 5;
	a1->expires = now + 5;
	a2->expires = now + 5;
	v.now = now;
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 3);
	a0->expires = now + 20; /* refreshed */
	ops->remove(t, a2);
	v.remove_expired = false; /* keep everything */
	v.now = now + 5;
	alloc_table_set_time(t, now + 5);
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 2); /* a0 and a1 */
	assert_int_equal(v.count[0], 2);
	assert_int_equal(v.count[1], 2);
	assert_int_equal(v.count[2], 1);
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 0);
	alloc_table_set_time(t, now + 6);
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 1); /* a1 again */
	assert_int_equal(v.count[1], 3);
	v.remove_expired = true;
	v.now = now + 19;
	alloc_table_set_time(t, now + 19);
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 1); /* a1, removed */
	assert_int_equal(v.count[1], 4);
	assert_int_equal(v.count[0], 2);
	assert_int_equal(alloc_table_count(t), 1);
	v.now = now + 20;
	alloc_table_set_time(t, now + 20);
	assert_int_equal(ops->scan(t, &cursor, 1000, visit, &v), 1);
	assert_int_equal(v.count[0], 3);
	assert_int_equal(v.count[2], 1);
	assert_int_equal(alloc_table_count(t), 0);
	alloc_table_destroy(t);
}

/* ---- bursts ---- */

static void
check_bulk(struct alloc_table *t, const struct stun_5tuple *keys, unsigned int n)
{
	const struct stun_5tuple *p[200];
	struct turn_allocation *out[200];

	assert_true(n <= 200);
	for (unsigned int i = 0; i < n; i++) {
		p[i] = &keys[i];
		out[i] = (struct turn_allocation *)(uintptr_t)1;
	}
	alloc_table_lookup_bulk(t, p, n, out);
	for (unsigned int i = 0; i < n; i++)
		assert_ptr_equal(out[i], ops->lookup(t, &keys[i]));
}

static void
test_bulk(void **state)
{
	static const unsigned int caps[] = {1, 10, 37, 1000};

	(void)state;
	for (unsigned int c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		unsigned int cap = caps[c];
		struct alloc_table *t = table(cap, 1, 0, 1000, 1999);
		struct stun_5tuple keys[200];
		unsigned int found = 0;

		/* Full, so small tables overflow their home buckets. */
		for (unsigned int i = 0; i < cap; i++) {
			struct stun_5tuple f = (i & 1) ? ft_v6(i) : ft_v4(i);
			assert_non_null(ops->insert(t, &f));
		}
		/* Bursts of present and absent keys, with repeats. */
		for (unsigned int round = 0; round < 20; round++) {
			unsigned int n = 1 + (round * 37) % 200;
			for (unsigned int i = 0; i < n; i++) {
				uint32_t k = (round * 131 + i * 7) % (2 * cap + 3);
				keys[i] = (k & 1) ? ft_v6(k) : ft_v4(k);
				if (i % 5 == 4)
					keys[i] = keys[i / 2]; /* a duplicate in the burst */
			}
			check_bulk(t, keys, n);
			for (unsigned int i = 0; i < n; i++)
				found += ops->lookup(t, &keys[i]) != NULL;
		}
		assert_true(found > 0);
		/* After removing half. */
		for (unsigned int i = 0; i < cap; i += 2) {
			struct stun_5tuple f = ft_v4(i);
			ops->remove(t, ops->lookup(t, &f));
		}
		for (unsigned int i = 0; i < 200; i++) {
			uint32_t k = i % (cap + 2);
			keys[i] = (k & 1) ? ft_v6(k) : ft_v4(k);
		}
		check_bulk(t, keys, 200);
		alloc_table_lookup_bulk(t, NULL, 0, NULL);
		alloc_table_destroy(t);
	}
}

static void
test_hint(void **state)
{
	struct alloc_table *t = table(16, 1, 0, 50000, 50015);
	struct stun_5tuple f1 = ft_v4(1), f2 = ft_v4(2), f3 = ft_v4(3);
	struct turn_allocation *a1, *a2;

	(void)state;
	a1 = ops->insert(t, &f1);
	a2 = ops->insert(t, &f2);
	assert_non_null(a1);
	assert_non_null(a2);

	/* A hint answers lookups of an equal key (another copy of it). */
	struct stun_5tuple copy = f1;
	alloc_table_hint(t, &f1, a1);
	assert_ptr_equal(ops->lookup(t, &copy), a1);
	assert_ptr_equal(ops->lookup(t, &f2), a2); /* other keys: normal path */
	assert_null(ops->lookup(t, &f3));
	assert_ptr_equal(ops->lookup(t, &f1), a1); /* it stays */
	/* It is trusted, not checked: that is the point (one compare). */
	alloc_table_hint(t, &f1, a2);
	assert_ptr_equal(ops->lookup(t, &f1), a2);
	alloc_table_hint(t, &f1, a1);

	/* Removing the hinted allocation drops the hint. */
	ops->remove(t, a1);
	assert_null(ops->lookup(t, &f1));
	/* A negative hint, then an insert of that key: insert drops it. */
	alloc_table_hint(t, &f3, NULL);
	assert_null(ops->lookup(t, &f3));
	struct turn_allocation *a3 = ops->insert(t, &f3);
	assert_non_null(a3);
	assert_ptr_equal(ops->lookup(t, &f3), a3);
	/* A negative hint survives unrelated removes and is replaced by the
	 * next hint. */
	alloc_table_hint(t, &f1, NULL);
	ops->remove(t, a2);
	assert_null(ops->lookup(t, &f1));
	alloc_table_hint(t, &f3, a3);
	assert_null(ops->lookup(t, &f1));
	assert_ptr_equal(ops->lookup(t, &f3), a3);

	/* The worker's pattern: bulk, then hint per packet. */
	const struct stun_5tuple *p[3] = {&f1, &f3, &f3};
	struct turn_allocation *out[3];
	alloc_table_lookup_bulk(t, p, 3, out);
	assert_null(out[0]);
	assert_ptr_equal(out[1], a3);
	assert_ptr_equal(out[2], a3);
	for (unsigned int i = 0; i < 3; i++) {
		alloc_table_hint(t, p[i], out[i]);
		assert_ptr_equal(ops->lookup(t, p[i]), out[i]);
	}
	alloc_table_destroy(t);
}

/* ---- relay arrays ---- */

static void
test_relay_arrays(void **state)
{
	const unsigned int n4 = 5, n6 = 3;
	const uint16_t lo = 40000, hi = 40099;
	struct alloc_table *t = table(2 * (n4 + n6) + 8, n4, n6, lo, hi);
	struct turn_allocation *at[2 * (n4 + n6)];
	struct stun_addr rs[2 * (n4 + n6)];
	unsigned int m = 0;
	uint32_t key = 0;

	(void)state;
	/* The slice edges of every address, in both families. */
	for (unsigned int k = 0; k < n4 + n6; k++) {
		for (unsigned int e = 0; e < 2; e++) {
			uint16_t port = e == 0 ? lo : hi;
			struct stun_5tuple f = ft_v4(key++);
			struct turn_allocation *a = ops->insert(t, &f);

			assert_non_null(a);
			rs[m] = k < n4 ? relay_v4k(k, port) : relay_v6k(k - n4, port);
			a->relay[0] = rs[m];
			a->n_relay = 1;
			assert_int_equal(ops->index_relay(t, a), 0);
			at[m++] = a;
		}
	}
	for (unsigned int i = 0; i < m; i++)
		assert_ptr_equal(ops->lookup_relay(t, &rs[i]), at[i]);

	/* Just outside the slice, in the slice but unset, unknown addresses. */
	for (unsigned int k = 0; k < n4 + n6; k++) {
		struct stun_addr x = k < n4 ? relay_v4k(k, lo - 1) : relay_v6k(k - n4, lo - 1);
		assert_null(ops->lookup_relay(t, &x));
		x.port = hi + 1;
		assert_null(ops->lookup_relay(t, &x));
		x.port = lo + 1;
		assert_null(ops->lookup_relay(t, &x));
		x.port = 0;
		assert_null(ops->lookup_relay(t, &x));
		x.port = 65535;
		assert_null(ops->lookup_relay(t, &x));
	}
	struct stun_addr u4 = relay_v4k(n4, lo), u6 = relay_v6k(n6, lo), z = relay_v4k(0, lo);
	assert_null(ops->lookup_relay(t, &u4));
	assert_null(ops->lookup_relay(t, &u6));
	z.family = 0;
	assert_null(ops->lookup_relay(t, &z));
	/* An IPv6 address whose first bytes equal an IPv4 relay is not it. */
	struct stun_addr v4in6 = relay_v4k(0, lo);
	v4in6.family = STUN_FAMILY_IPV6;
	assert_null(ops->lookup_relay(t, &v4in6));

	/* A dual allocation over two addresses; both slots go on remove. */
	struct stun_5tuple fd = ft_v6(77);
	struct turn_allocation *d = ops->insert(t, &fd);
	assert_non_null(d);
	d->relay[0] = relay_v4k(2, 40050);
	d->relay[1] = relay_v6k(1, 40050);
	d->n_relay = 2;
	assert_int_equal(ops->index_relay(t, d), 0);
	assert_ptr_equal(ops->lookup_relay(t, &d->relay[0]), d);
	assert_ptr_equal(ops->lookup_relay(t, &d->relay[1]), d);

	/* Bulk relay lookups agree with single ones. */
	struct stun_addr q[12];
	const struct stun_addr *qp[12];
	struct turn_allocation *out[12];
	q[0] = rs[0];
	q[1] = rs[m - 1];
	q[2] = d->relay[0];
	q[3] = d->relay[1];
	q[4] = u4;
	q[5] = u6;
	q[6] = relay_v4k(1, lo - 1);
	q[7] = relay_v6k(2, hi + 1);
	q[8] = relay_v4k(4, lo + 5);
	q[9] = rs[3];
	q[10] = rs[3];
	q[11] = z;
	for (unsigned int i = 0; i < 12; i++) {
		qp[i] = &q[i];
		alloc_table_prefetch_relay(t, &q[i]); /* harmless, whatever it is */
	}
	alloc_table_lookup_relay_bulk(t, qp, 12, out);
	for (unsigned int i = 0; i < 12; i++)
		assert_ptr_equal(out[i], ops->lookup_relay(t, &q[i]));
	assert_non_null(out[0]);
	assert_null(out[4]);

	struct stun_addr d0 = d->relay[0], d1 = d->relay[1];
	ops->remove(t, d);
	assert_null(ops->lookup_relay(t, &d0));
	assert_null(ops->lookup_relay(t, &d1));
	for (unsigned int i = 0; i < m; i++) {
		ops->remove(t, at[i]);
		assert_null(ops->lookup_relay(t, &rs[i]));
	}
	assert_int_equal(alloc_table_count(t), 0);
	alloc_table_destroy(t);
}

/* ---- a real turn_server over the table ---- */

struct counting_ops {
	struct turn_table_ops ops;
	unsigned int visits;
	bool (*cb)(void *arg, struct turn_allocation *a);
	void *arg;
};

static struct counting_ops cops;

static bool
count_cb(void *arg, struct turn_allocation *a)
{
	(void)arg;
	cops.visits++;
	return cops.cb(cops.arg, a);
}

static unsigned int
count_scan(void *t, uint64_t *cursor, unsigned int budget,
	   bool (*cb)(void *arg, struct turn_allocation *a), void *arg)
{
	cops.cb = cb;
	cops.arg = arg;
	return alloc_table_ops.scan(t, cursor, budget, count_cb, NULL);
}

/* The harness's server, rebuilt over an alloc_table with the harness's
 * relay addresses and ports. */
static struct alloc_table *
harness_on_table(struct th *h)
{
	struct stun_addr addrs[2] = {th_addr(TH_RELAY4), th_addr(TH_RELAY6)};
	struct alloc_table_config c = {
		.capacity = 64, .relay = addrs, .n_relay = 2,
		.port_lo = h->port_min, .port_hi = h->port_max, .now = h->now,
	};
	struct alloc_table *t;

	assert_int_equal(th_start(h), 0);
	turn_server_destroy(h->s);
	turn_table_destroy(h->tbl);
	h->tbl = NULL;
	t = alloc_table_create(&c);
	assert_non_null(t);
	cops.ops = alloc_table_ops;
	cops.ops.scan = count_scan;
	cops.visits = 0;
	h->s = turn_server_create(&h->cfg, &h->hooks, h, &cops.ops, t);
	assert_non_null(h->s);
	return t;
}

static void
sweep(struct th *h, struct alloc_table *t)
{
	alloc_table_set_time(t, h->now);
	turn_server_sweep(h->s, h->now, 64);
}

static void
test_server_expiry(void **state)
{
	struct th h;
	struct alloc_table *t;
	const uint64_t t0 = TH_START_TIME;

	(void)state;
	th_init(&h);
	h.cfg.default_lifetime = 120;
	t = harness_on_table(&h);

	/* Client 0: IPv4 only, default lifetime (120 s). Client 1: dual, 300 s. */
	struct th_client *c0 = th_client(&h, 0), *c1 = th_client(&h, 1);
	assert_int_equal(th_allocate(&h, c0, NULL), 0);
	assert_int_equal(h.resp.n_relayed, 1);
	assert_int_equal(h.resp.lifetime, 120);
	struct stun_addr r0 = h.resp.relayed[0];
	assert_int_equal(th_allocate(&h, c1, &(struct th_req){.aaf = STUN_FAMILY_IPV6,
							   .flags = TH_LIFETIME,
							   .lifetime = 300}),
			 0);
	assert_int_equal(h.resp.n_relayed, 2);
	assert_int_equal(h.resp.lifetime, 300);
	struct stun_addr r1a = h.resp.relayed[0], r1b = h.resp.relayed[1];
	assert_int_equal(alloc_table_count(t), 2);
	assert_non_null(ops->lookup_relay(t, &r0));
	assert_non_null(ops->lookup_relay(t, &r1a));
	assert_non_null(ops->lookup_relay(t, &r1b));
	assert_ptr_equal(ops->lookup(t, &c0->ft), ops->lookup_relay(t, &r0));
	assert_ptr_equal(ops->lookup(t, &c1->ft), ops->lookup_relay(t, &r1b));

	/* The first sweep: a full pass (cursor 0), then the wheel takes over
	 * and looks at each new allocation once more. */
	sweep(&h, t);
	h.now++;
	sweep(&h, t);
	unsigned int early = cops.visits;
	assert_true(early >= 2 && early <= 4);

	/* Client 0 refreshes at about t0 + 60 to 900 s. */
	for (; h.now < t0 + 60; h.now += 10)
		sweep(&h, t);
	assert_int_equal(th_refresh(&h, c0, true, 900), 0);
	assert_int_equal(h.resp.lifetime, 900);
	const uint64_t exp0 = h.now + 900;

	/* Client 1 expires at t0 + 300, not a second before. Client 0 is
	 * looked at once on the way, at its old deadline, and re-armed. */
	for (; h.now < t0 + 300; h.now++) {
		sweep(&h, t);
		assert_int_equal(alloc_table_count(t), 2);
		assert_int_equal(cops.visits, early + (h.now >= t0 + 120));
	}
	sweep(&h, t);
	assert_int_equal(alloc_table_count(t), 1);
	assert_int_equal(h.events[TURN_EVENT_EXPIRED], 1);
	assert_null(ops->lookup(t, &c1->ft));
	assert_null(ops->lookup_relay(t, &r1a));
	assert_null(ops->lookup_relay(t, &r1b));
	assert_non_null(ops->lookup(t, &c0->ft));
	assert_int_equal(turn_relay_pool_used(h.pool, STUN_FAMILY_IPV6), 0);

	/* Client 0 lives to the refreshed expiry. */
	for (; h.now < exp0; h.now++) {
		sweep(&h, t);
		assert_int_equal(alloc_table_count(t), 1);
	}
	assert_int_equal(cops.visits, early + 2);
	sweep(&h, t);
	assert_int_equal(alloc_table_count(t), 0);
	assert_int_equal(h.events[TURN_EVENT_EXPIRED], 2);
	assert_null(ops->lookup(t, &c0->ft));
	assert_null(ops->lookup_relay(t, &r0));
	assert_int_equal(h.relays_active, 0);
	assert_int_equal(h.quota_active, 0);
	assert_int_equal(turn_relay_pool_used(h.pool, STUN_FAMILY_IPV4), 0);
	/* About one visit per allocation per lifetime. */
	assert_int_equal(cops.visits, early + 3);
	/* Sweeping on finds nothing more to do. */
	unsigned int v = cops.visits;
	for (int i = 0; i < 5000; i += 7) {
		h.now += 7;
		sweep(&h, t);
	}
	assert_int_equal(cops.visits, v);

	/* Allocations left at shutdown are flushed through the scan. */
	c0 = th_client(&h, 2);
	c1 = th_client(&h, 3);
	assert_int_equal(th_allocate(&h, c0, NULL), 0);
	assert_int_equal(th_allocate(&h, c1, &(struct th_req){.aaf = STUN_FAMILY_IPV6}), 0);
	assert_int_equal(alloc_table_count(t), 2);
	turn_server_destroy(h.s);
	h.s = NULL;
	assert_int_equal(alloc_table_count(t), 0);
	assert_int_equal(h.relays_active, 0);
	assert_int_equal(h.quota_active, 0);
	assert_int_equal(h.events[TURN_EVENT_DELETED], 2);
	th_fini(&h);
	alloc_table_destroy(t);
}

/* Relayed data takes the table's relay path both ways. */
static void
test_server_relay(void **state)
{
	struct th h;
	struct alloc_table *t;
	const uint8_t data[] = "hello";

	(void)state;
	th_init(&h);
	t = harness_on_table(&h);
	struct th_client *c = th_client(&h, 0);
	struct stun_addr peer = th_addr("198.51.100.7:5000");
	assert_int_equal(th_allocate(&h, c, NULL), 0);
	struct stun_addr relay = h.resp.relayed[0];
	assert_int_equal(th_permit(&h, c, &peer), 0);
	assert_int_equal(th_send(&h, c, &peer, data, sizeof(data)), TURN_TO_PEER);
	assert_true(stun_addr_equal(&h.out.src, &relay));
	assert_int_equal(th_peer(&h, &peer, &relay, data, sizeof(data)), TURN_TO_CLIENT);
	assert_true(stun_addr_equal(&h.out.dst, &c->ft.client));
	/* With the hint set, as the worker does. */
	struct turn_allocation *a;
	const struct stun_5tuple *fp = &c->ft;
	alloc_table_lookup_bulk(t, &fp, 1, &a);
	assert_non_null(a);
	alloc_table_hint(t, &c->ft, a);
	assert_int_equal(th_send(&h, c, &peer, data, sizeof(data)), TURN_TO_PEER);
	/* Refresh 0 deletes it: gone both ways. */
	assert_int_equal(th_refresh(&h, c, true, 0), 0);
	assert_int_equal(alloc_table_count(t), 0);
	assert_null(ops->lookup(t, &c->ft));
	assert_null(ops->lookup_relay(t, &relay));
	assert_int_equal(th_peer(&h, &peer, &relay, data, sizeof(data)), TURN_DROP);
	th_fini(&h);
	alloc_table_destroy(t);
}

/* ---- scale ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A million allocations over 16 IPv4 relay addresses, relay ports
 * 1024-65535: found both ways, then all removed. */
static void
test_scale(void **state)
{
	const uint32_t n = 1000000, n_addr = 16;
	const uint16_t lo = 1024, hi = 65535;
	struct alloc_table *t = table(n, n_addr, 0, lo, hi);
	size_t fp = alloc_table_footprint(t);
	double t_start = now_s(), t_ins, t_look, t_bulk;

	(void)state;
	assert_true(n <= n_addr * (uint32_t)(hi - lo + 1));
	for (uint32_t i = 0; i < n; i++) {
		struct stun_5tuple f = ft_v4(i);
		struct turn_allocation *a = ops->insert(t, &f);

		assert_non_null(a);
		a->relay[0] = relay_v4k(i % n_addr, (uint16_t)(lo + i / n_addr));
		a->n_relay = 1;
		a->lifetime = i;
		assert_int_equal(ops->index_relay(t, a), 0);
	}
	t_ins = now_s();
	assert_int_equal(alloc_table_count(t), n);
	{
		struct stun_5tuple f = ft_v4(n);
		assert_null(ops->insert(t, &f));
	}
	for (uint32_t i = 0; i < n; i++) {
		struct stun_5tuple f = ft_v4(i);
		struct stun_addr r = relay_v4k(i % n_addr, (uint16_t)(lo + i / n_addr));
		struct turn_allocation *a = ops->lookup(t, &f);

		if (a == NULL || a->lifetime != i || ops->lookup_relay(t, &r) != a)
			fail_msg("entry %u not found both ways", i);
	}
	t_look = now_s();
	for (uint32_t i = 0; i < n; i += 32) {
		struct stun_5tuple f[32];
		const struct stun_5tuple *p[32];
		struct turn_allocation *out[32];

		for (unsigned int j = 0; j < 32; j++) {
			/* Scattered keys, and every 8th one absent. */
			uint32_t k = (i + j) * 2654435761u % n;
			f[j] = ft_v4(j % 8 == 7 ? n + k : k);
			p[j] = &f[j];
		}
		alloc_table_lookup_bulk(t, p, 32, out);
		for (unsigned int j = 0; j < 32; j++)
			if ((j % 8 == 7) != (out[j] == NULL))
				fail_msg("bulk lookup %u", i + j);
	}
	t_bulk = now_s();
	for (uint32_t i = 0; i < n; i++) {
		struct stun_5tuple f = ft_v4(i);
		ops->remove(t, ops->lookup(t, &f));
	}
	assert_int_equal(alloc_table_count(t), 0);
	for (uint32_t i = 0; i < n; i += 997) {
		struct stun_5tuple f = ft_v4(i);
		struct stun_addr r = relay_v4k(i % n_addr, (uint16_t)(lo + i / n_addr));
		assert_null(ops->lookup(t, &f));
		assert_null(ops->lookup_relay(t, &r));
	}
	assert_int_equal(alloc_table_footprint(t), fp);

	size_t relay_bytes = (size_t)n_addr * (hi - lo + 1) * 4;
	printf("alloc_table: %u entries, sizeof(struct turn_allocation) %zu, entry %zu B,"
	       " footprint %zu B = %.1f B/entry (%.1f B/entry besides the allocation and"
	       " %zu B of relay slots for %u addresses x %u ports)\n",
	       n, sizeof(struct turn_allocation), (size_t)ALLOC_TABLE_ENTRY_SIZE, fp,
	       (double)fp / n, (double)(fp - relay_bytes) / n - ALLOC_TABLE_ENTRY_SIZE,
	       relay_bytes, n_addr, hi - lo + 1);
	printf("alloc_table: insert+index %.0f ns, lookup both ways %.0f ns, bulk %.0f ns per key\n",
	       (t_ins - t_start) * 1e9 / n, (t_look - t_ins) * 1e9 / n,
	       (t_bulk - t_look) * 1e9 / n);
	assert_true((double)(fp - relay_bytes) / n - ALLOC_TABLE_ENTRY_SIZE < 40);
	alloc_table_destroy(t);
}

/* The generation moves with every insert and remove and with nothing
 * else, so a worker can tell whether a bulk lookup's results still hold. */
static void
test_generation(void **state)
{
	struct alloc_table *t = table(16, 1, 0, 50000, 50015);
	struct stun_5tuple f1 = ft_v4(1), f2 = ft_v4(2);
	const struct stun_5tuple *fts[2] = {&f1, &f2};
	struct turn_allocation *a1, *found[2];
	uint64_t g0, g1;

	(void)state;
	g0 = alloc_table_generation(t);
	a1 = ops->insert(t, &f1);
	assert_non_null(a1);
	g1 = alloc_table_generation(t);
	assert_true(g1 != g0);
	/* Lookups, bulk lookups, hints and a refused duplicate insert leave it. */
	assert_ptr_equal(ops->lookup(t, &f1), a1);
	alloc_table_lookup_bulk(t, fts, 2, found);
	alloc_table_hint(t, &f2, NULL);
	assert_null(ops->insert(t, &f1));
	assert_int_equal(alloc_table_generation(t), g1);
	ops->remove(t, a1);
	assert_true(alloc_table_generation(t) != g1);
	alloc_table_destroy(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_allocator),
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_relay_index),
		cmocka_unit_test(test_full_and_reuse),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_scan_full_pass),
		cmocka_unit_test(test_scan_wheel),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_hint),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_relay_arrays),
		cmocka_unit_test(test_server_expiry),
		cmocka_unit_test(test_server_relay),
		cmocka_unit_test(test_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
