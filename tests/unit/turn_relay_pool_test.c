/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay port pool: exhaustion, EVEN-PORT, reservations (use once, lapse,
 * wrong token), families, free and reuse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "turn_relay_pool.h"
#include "turn_server.h"

#define T0 1700000000ull

static struct stun_addr
addr4(void)
{
	struct stun_addr a;
	const uint8_t ip[4] = {203, 0, 113, 1};

	memset(&a, 0, sizeof(a));
	stun_addr_set_v4(&a, ip, 0);
	return a;
}

static struct stun_addr
addr6(void)
{
	struct stun_addr a;
	const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	memset(&a, 0, sizeof(a));
	stun_addr_set_v6(&a, ip, 0);
	return a;
}

static int
alloc(struct turn_relay_pool *p, uint8_t family, unsigned int flags, uint64_t token,
      struct stun_addr *out, uint64_t *token_out)
{
	return turn_relay_pool_alloc(p, family, flags, token, out, token_out);
}

static void
test_create_errors(void **state)
{
	struct stun_addr a4 = addr4(), a6 = addr6();

	(void)state;
	errno = 0;
	assert_null(turn_relay_pool_create(NULL, NULL, 50000, 50010));
	assert_int_equal(errno, EINVAL);
	assert_null(turn_relay_pool_create(&a4, NULL, 50010, 50000));
	assert_null(turn_relay_pool_create(&a4, NULL, 0, 50000));
	assert_null(turn_relay_pool_create(&a6, NULL, 50000, 50010));
	assert_null(turn_relay_pool_create(NULL, &a4, 50000, 50010));
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50000, 50000);
	assert_non_null(p);
	turn_relay_pool_destroy(p);
	p = turn_relay_pool_create(&a4, &a6, 1, 65535);
	assert_non_null(p);
	turn_relay_pool_destroy(p);
	turn_relay_pool_destroy(NULL);
}

static void
test_exhaust_free_reuse(void **state)
{
	struct stun_addr a4 = addr4(), out;
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50000, 50009);
	bool seen[10] = {false};
	uint64_t tok = 99;

	(void)state;
	turn_relay_pool_set_time(p, T0);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, &tok), 0);
		assert_int_equal(tok, 0);
		assert_int_equal(out.family, STUN_FAMILY_IPV4);
		assert_memory_equal(out.ip, a4.ip, 16);
		assert_true(out.port >= 50000 && out.port <= 50009);
		assert_false(seen[out.port - 50000]);
		seen[out.port - 50000] = true;
	}
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 10);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), -ENOSPC);

	/* Free one and get exactly it back. */
	struct stun_addr r = addr4();
	r.port = 50006;
	turn_relay_pool_free(p, &r);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 9);
	/* Freeing again, or something not ours, changes nothing. */
	turn_relay_pool_free(p, &r);
	struct stun_addr foreign = r;
	foreign.ip[3] = 2;
	turn_relay_pool_free(p, &foreign);
	foreign = r;
	foreign.port = 40000;
	turn_relay_pool_free(p, &foreign);
	struct stun_addr v6 = addr6();
	v6.port = 50001;
	turn_relay_pool_free(p, &v6);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 9);

	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
	assert_int_equal(out.port, 50006);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	turn_relay_pool_destroy(p);
}

static void
test_even_port(void **state)
{
	struct stun_addr a4 = addr4(), out;
	/* Odd lower bound: even ports are 50002, 50004, ..., 50010. */
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50001, 50010);
	bool seen[11] = {false};

	(void)state;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
		assert_int_equal(out.port % 2, 0);
		assert_false(seen[out.port - 50000]);
		seen[out.port - 50000] = true;
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), -ENOSPC);
	/* The odd ones are still there for plain requests. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
		assert_int_equal(out.port % 2, 1);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	turn_relay_pool_destroy(p);

	/* Even lower bound, a larger range spanning several words. */
	p = turn_relay_pool_create(&a4, NULL, 49152, 49152 + 999);
	for (int i = 0; i < 500; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
		assert_int_equal(out.port % 2, 0);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), -ENOSPC);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 500);
	turn_relay_pool_destroy(p);
}

static void
test_reservation(void **state)
{
	struct stun_addr a4 = addr4(), out, got;
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50000, 50063);
	uint64_t tok = 0, tok2 = 0;

	(void)state;
	turn_relay_pool_set_time(p, T0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, NULL),
			 -EINVAL);
	assert_int_equal(
		alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN | TURN_RELAY_RESERVE_NEXT, 0, &out, &tok),
		0);
	assert_int_not_equal(tok, 0);
	assert_int_equal(out.port % 2, 0);
	uint16_t reserved = (uint16_t)(out.port + 1);
	/* Reservations are not counted as used. */
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 1);

	/* Exhaust the rest: the reserved port is never handed out. */
	for (int i = 0; i < 62; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), 0);
		assert_int_not_equal(got.port, reserved);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), -ENOSPC);

	/* A wrong token gets nothing and does not disturb the right one. */
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok ^ 1, &got, NULL), -ENOENT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok ^ (1ull << 63), &got, NULL), -ENOENT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, tok, &got, NULL), -EAFNOSUPPORT);

	turn_relay_pool_set_time(p, T0 + TURN_RESERVATION_LIFETIME - 1);
	tok2 = 77;
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, tok, &got, &tok2), 0);
	assert_int_equal(tok2, 0);
	assert_int_equal(got.port, reserved);
	assert_memory_equal(got.ip, a4.ip, 16);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 64);
	/* Once only. */
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &got, NULL), -ENOENT);
	turn_relay_pool_destroy(p);
}

static void
test_reservation_lapses(void **state)
{
	struct stun_addr a4 = addr4(), out, got;
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50000, 50001);
	uint64_t tok = 0;

	(void)state;
	turn_relay_pool_set_time(p, T0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok), 0);
	assert_int_equal(out.port, 50000);
	assert_int_not_equal(tok, 0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), -ENOSPC);

	turn_relay_pool_set_time(p, T0 + TURN_RESERVATION_LIFETIME - 1);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), -ENOSPC);
	/* 30 s after issue it is gone, and its port is free again. */
	turn_relay_pool_set_time(p, T0 + TURN_RESERVATION_LIFETIME);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &got, NULL), -ENOENT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), 0);
	assert_int_equal(got.port, 50001);
	/* Time going backwards does not revive it. */
	turn_relay_pool_set_time(p, T0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &got, NULL), -ENOENT);
	turn_relay_pool_destroy(p);

	/* A jump far past the lapse time. */
	p = turn_relay_pool_create(&a4, NULL, 50000, 50001);
	turn_relay_pool_set_time(p, T0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok), 0);
	turn_relay_pool_set_time(p, T0 + 100);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &got, NULL), -ENOENT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), 0);
	assert_int_equal(got.port, 50001);
	turn_relay_pool_destroy(p);
}

/* Many reservations: issue order and lapse order agree, tokens differ. */
static void
test_reservation_many(void **state)
{
	struct stun_addr a4 = addr4(), out, got;
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 40000, 40000 + 199);
	uint64_t tok[100];

	(void)state;
	for (int i = 0; i < 100; i++) {
		turn_relay_pool_set_time(p, T0 + (uint64_t)i / 10);
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok[i]),
				 0);
		assert_int_equal(out.port % 2, 0);
		for (int k = 0; k < i; k++)
			assert_int_not_equal(tok[k], tok[i]);
	}
	/* All 200 ports are allocated or reserved. */
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), -ENOSPC);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &got, &tok[0]),
			 -ENOSPC);
	/* tok[0] was overwritten with 0 by the failed call; the 10 issued
	 * at T0 lapse at T0 + 30, the rest later. */
	turn_relay_pool_set_time(p, T0 + TURN_RESERVATION_LIFETIME);
	for (int i = 0; i < 10; i++)
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), 0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), -ENOSPC);
	for (int i = 10; i < 100; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok[i], &got, NULL), 0);
		assert_int_equal(got.port % 2, 1);
	}
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 200);
	turn_relay_pool_destroy(p);
}

/* RESERVE_NEXT needs P + 1 inside the range, including across a 64-bit
 * word boundary. */
static void
test_reserve_edges(void **state)
{
	struct stun_addr a4 = addr4(), out, r;
	uint64_t tok;

	(void)state;
	/* 50001..50002: the only even port has no successor. */
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50001, 50002);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok),
			 -ENOSPC);
	assert_int_equal(tok, 0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
	assert_int_equal(out.port, 50002);
	turn_relay_pool_destroy(p);

	/* port_min odd: bit 63 is port 40064 (even), its successor is bit 0
	 * of the second word. */
	p = turn_relay_pool_create(&a4, NULL, 40001, 40128);
	for (int i = 0; i < 128; i++)
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
	r = addr4();
	r.port = 40064;
	turn_relay_pool_free(p, &r);
	r.port = 40065;
	turn_relay_pool_free(p, &r);
	r.port = 40127; /* odd, useless for EVEN-PORT */
	turn_relay_pool_free(p, &r);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok), 0);
	assert_int_equal(out.port, 40064);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &out, NULL), 0);
	assert_int_equal(out.port, 40065);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), -ENOSPC);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
	assert_int_equal(out.port, 40127);
	turn_relay_pool_destroy(p);
}

static void
test_families(void **state)
{
	struct stun_addr a4 = addr4(), a6 = addr6(), out;
	uint64_t tok;

	(void)state;
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 50000, 50009);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, 0, &out, NULL), -EAFNOSUPPORT);
	assert_int_equal(alloc(p, 0, 0, 0, &out, NULL), -EAFNOSUPPORT);
	assert_int_equal(alloc(p, 7, 0, 0, &out, NULL), -EAFNOSUPPORT);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), 0);
	turn_relay_pool_destroy(p);

	p = turn_relay_pool_create(NULL, &a6, 50000, 50009);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -EAFNOSUPPORT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, 0, &out, NULL), 0);
	assert_int_equal(out.family, STUN_FAMILY_IPV6);
	assert_memory_equal(out.ip, a6.ip, 16);
	turn_relay_pool_destroy(p);

	/* Both: separate port spaces, the same numbers may repeat. */
	p = turn_relay_pool_create(&a4, &a6, 50000, 50001);
	turn_relay_pool_set_time(p, T0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok), 0);
	assert_int_equal(out.family, STUN_FAMILY_IPV6);
	assert_int_equal(out.port, 50000);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 2);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), 1);
	/* A token issued for IPv6 does not open an IPv4 port. */
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &out, NULL), -ENOENT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, tok, &out, NULL), 0);
	assert_int_equal(out.port, 50001);
	/* Freeing an IPv6 port leaves the IPv4 space alone. */
	turn_relay_pool_free(p, &out);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), 1);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 2);
	turn_relay_pool_destroy(p);
}

/* The whole dynamic range, as the perf harness uses it: every port
 * distinct, then all freed. */
static void
test_large_range(void **state)
{
	struct stun_addr a4 = addr4(), out;
	struct turn_relay_pool *p = turn_relay_pool_create(&a4, NULL, 1024, 65535);
	uint8_t *seen = calloc(65536, 1);
	uint16_t *ports = calloc(64512, sizeof(*ports));

	(void)state;
	assert_non_null(seen);
	assert_non_null(ports);
	for (unsigned int i = 0; i < 64512; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
		assert_true(out.port >= 1024);
		assert_int_equal(seen[out.port], 0);
		seen[out.port] = 1;
		ports[i] = out.port;
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	for (unsigned int i = 0; i < 64512; i++) {
		out = addr4();
		out.port = ports[i];
		turn_relay_pool_free(p, &out);
	}
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 0);
	free(ports);
	free(seen);
	turn_relay_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_exhaust_free_reuse),
		cmocka_unit_test(test_even_port),
		cmocka_unit_test(test_reservation),
		cmocka_unit_test(test_reservation_lapses),
		cmocka_unit_test(test_reservation_many),
		cmocka_unit_test(test_reserve_edges),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_large_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
