/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay port pool: exhaustion, EVEN-PORT, reservations (use once, lapse,
 * wrong token), families, free and reuse; with many addresses over one
 * port slice: all ports of all addresses, spreading, slice edges.
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

/* ---- many addresses over one port slice ---- */

/* IPv4 relay k: 203.0.113.(k+1); IPv6 relay k: 2001:db8::(k+1). */
static struct stun_addr
addr4k(unsigned int k)
{
	struct stun_addr a = addr4();

	a.ip[3] = (uint8_t)(k + 1);
	return a;
}

static struct stun_addr
addr6k(unsigned int k)
{
	struct stun_addr a = addr6();

	a.ip[15] = (uint8_t)(k + 1);
	return a;
}

/* Which of @addrs[0..n) @a's IP is, or -1. */
static int
which(const struct stun_addr *addrs, unsigned int n, const struct stun_addr *a)
{
	for (unsigned int i = 0; i < n; i++)
		if (stun_addr_ip_equal(&addrs[i], a))
			return (int)i;
	return -1;
}

static void
test_multi_create_errors(void **state)
{
	struct stun_addr a[TURN_RELAY_POOL_MAX_ADDRS + 1];
	struct turn_relay_pool *p;

	(void)state;
	for (unsigned int k = 0; k <= TURN_RELAY_POOL_MAX_ADDRS; k++)
		a[k] = (k & 1) ? addr6k(k) : addr4k(k);
	errno = 0;
	assert_null(turn_relay_pool_create_multi(NULL, 1, 50000, 50010));
	assert_int_equal(errno, EINVAL);
	assert_null(turn_relay_pool_create_multi(a, 0, 50000, 50010));
	assert_null(turn_relay_pool_create_multi(a, TURN_RELAY_POOL_MAX_ADDRS + 1, 50000, 50010));
	assert_null(turn_relay_pool_create_multi(a, 2, 0, 50010));
	assert_null(turn_relay_pool_create_multi(a, 2, 50011, 50010));
	p = turn_relay_pool_create_multi(a, TURN_RELAY_POOL_MAX_ADDRS, 50000, 50000);
	assert_non_null(p);
	turn_relay_pool_destroy(p);

	/* A bad family, or the same IP twice (ports do not matter). */
	struct stun_addr b[3] = {addr4k(0), addr6k(0), addr4k(1)};
	b[1].family = 0;
	errno = 0;
	assert_null(turn_relay_pool_create_multi(b, 3, 50000, 50010));
	assert_int_equal(errno, EINVAL);
	b[1] = addr4k(0);
	b[1].port = 9;
	assert_null(turn_relay_pool_create_multi(b, 3, 50000, 50010));
	b[1] = addr6k(0);
	b[2] = addr6k(0);
	assert_null(turn_relay_pool_create_multi(b, 3, 50000, 50010));
	b[2] = addr4k(1);
	p = turn_relay_pool_create_multi(b, 3, 50000, 50010);
	assert_non_null(p);
	turn_relay_pool_destroy(p);
}

/* Every port of every address, spread over the addresses, then ENOSPC;
 * freed ones come back; the other family is untouched. */
static void
test_multi_exhaust(void **state)
{
	enum { N4 = 4, N6 = 3, LO = 50000, HI = 50099, NP = HI - LO + 1 };
	struct stun_addr a[N4 + N6], out;
	struct turn_relay_pool *p;
	static uint8_t seen[N4][NP];
	unsigned int per[N4] = {0};

	(void)state;
	/* Interleaved families. */
	for (unsigned int k = 0, i4 = 0, i6 = 0; k < N4 + N6; k++)
		a[k] = (k & 1) && i6 < N6 ? addr6k(i6++) : addr4k(i4++);
	struct stun_addr v4s[N4];
	for (unsigned int k = 0, i = 0; k < N4 + N6; k++)
		if (a[k].family == STUN_FAMILY_IPV4)
			v4s[i++] = a[k];
	p = turn_relay_pool_create_multi(a, N4 + N6, LO, HI);
	assert_non_null(p);
	memset(seen, 0, sizeof(seen));
	for (unsigned int i = 0; i < N4 * NP; i++) {
		int w;

		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
		assert_int_equal(out.family, STUN_FAMILY_IPV4);
		w = which(v4s, N4, &out);
		assert_true(w >= 0);
		assert_true(out.port >= LO && out.port <= HI);
		assert_int_equal(seen[w][out.port - LO], 0);
		seen[w][out.port - LO] = 1;
		per[w]++;
		/* Round robin: while none is full, the counts differ by at most one. */
		if (i < N4 * (NP - 1)) {
			for (unsigned int k = 0; k < N4; k++)
				assert_true(per[k] + 1 >= per[w]);
		}
	}
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), N4 * NP);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), -ENOSPC);
	uint64_t tok = 5;
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok),
			 -ENOSPC);
	assert_int_equal(tok, 0);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), 0);

	/* Free one port on each of three addresses, including both slice
	 * edges; exactly those come back. */
	struct stun_addr f[3] = {v4s[0], v4s[2], v4s[3]};
	f[0].port = LO;
	f[1].port = HI;
	f[2].port = LO + 37;
	for (unsigned int i = 0; i < 3; i++) {
		turn_relay_pool_free(p, &f[i]);
		turn_relay_pool_free(p, &f[i]); /* twice: no effect */
	}
	/* Not ours: another IP, a v6 address with the same port. */
	struct stun_addr x = addr4k(40);
	x.port = LO + 1;
	turn_relay_pool_free(p, &x);
	x = addr6k(0);
	x.port = LO + 1;
	turn_relay_pool_free(p, &x);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), N4 * NP - 3);
	bool back[3] = {false, false, false};
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
		bool hit = false;
		for (unsigned int j = 0; j < 3; j++) {
			if (!back[j] && stun_addr_equal(&out, &f[j])) {
				back[j] = hit = true;
				break;
			}
		}
		assert_true(hit);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);

	/* IPv6: N6 * NP of its own. */
	for (unsigned int i = 0; i < N6 * NP; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, 0, &out, NULL), 0);
		assert_int_equal(out.family, STUN_FAMILY_IPV6);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, 0, &out, NULL), -ENOSPC);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), N6 * NP);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), N4 * NP);
	turn_relay_pool_destroy(p);
}

/* A slice that starts odd and ends even: the last port can be taken
 * plainly or with EVEN-PORT, never with a reservation of the port after
 * it (which belongs to the next worker's slice). */
static void
test_multi_even_port_edge(void **state)
{
	struct stun_addr a[3] = {addr4k(0), addr4k(1), addr6k(0)}, out, got, r;
	uint64_t tok;

	(void)state;
	/* 40001 .. 40064: 64 ports, the last (even) is bit 63 of the only word. */
	struct turn_relay_pool *p = turn_relay_pool_create_multi(a, 3, 40001, 40064);
	assert_non_null(p);
	for (unsigned int i = 0; i < 2 * 64; i++)
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
	for (unsigned int k = 0; k < 2; k++) {
		r = a[k];
		r.port = 40064;
		turn_relay_pool_free(p, &r);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok),
			 -ENOSPC);
	for (unsigned int k = 0; k < 2; k++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
		assert_int_equal(out.port, 40064);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), -ENOSPC);
	turn_relay_pool_destroy(p);

	/* 40000 .. 40002: the only reservable even port is 40000. */
	p = turn_relay_pool_create_multi(a, 3, 40000, 40002);
	turn_relay_pool_set_time(p, T0);
	for (unsigned int k = 0; k < 2; k++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok),
				 0);
		assert_int_equal(out.port, 40000);
		/* The reserved port is on the same address. */
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &got, NULL), 0);
		assert_int_equal(got.port, 40001);
		assert_true(stun_addr_ip_equal(&got, &out));
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok),
			 -ENOSPC);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
	assert_int_equal(out.port, 40002);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
	assert_int_equal(out.port, 40002);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 6);
	turn_relay_pool_destroy(p);

	/* Many reservations over several addresses and a slice ending on an
	 * even port with several words: never past port_max, each token
	 * names port + 1 of the same address. */
	struct stun_addr m[5] = {addr4k(0), addr4k(1), addr4k(2), addr4k(3), addr4k(4)};
	p = turn_relay_pool_create_multi(m, 5, 49153, 49152 + 200); /* 49153 .. 49352 */
	turn_relay_pool_set_time(p, T0);
	unsigned int n_ok = 0;
	for (;;) {
		int rc = alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok);
		if (rc != 0) {
			assert_int_equal(rc, -ENOSPC);
			break;
		}
		assert_int_equal(out.port % 2, 0);
		assert_true(out.port + 1 <= 49352);
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok, &got, NULL), 0);
		assert_int_equal(got.port, out.port + 1);
		assert_true(stun_addr_ip_equal(&got, &out));
		n_ok++;
	}
	/* Even ports 49154 .. 49350 have a successor in the slice: 99 per address. */
	assert_int_equal(n_ok, 5 * 99);
	/* What is left: 49153 and 49352 on each address. */
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, TURN_RELAY_EVEN, 0, &out, NULL), 0);
		assert_int_equal(out.port, 49352);
	}
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), 0);
		assert_int_equal(out.port, 49153);
	}
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	turn_relay_pool_destroy(p);
}

/* Reservations and lapses with several addresses of both families. */
static void
test_multi_reservations(void **state)
{
	struct stun_addr a[4] = {addr6k(0), addr4k(0), addr6k(1), addr4k(1)}, out, got;
	struct turn_relay_pool *p = turn_relay_pool_create_multi(a, 4, 50000, 50003);
	uint64_t tok[4];
	struct stun_addr held[4];

	(void)state;
	turn_relay_pool_set_time(p, T0);
	/* Two per family (one per address), then none left of the pair kind. */
	for (unsigned int i = 0; i < 4; i++) {
		uint8_t fam = (i & 1) ? STUN_FAMILY_IPV4 : STUN_FAMILY_IPV6;
		assert_int_equal(alloc(p, fam, TURN_RELAY_RESERVE_NEXT, 0, &out, &tok[i]), 0);
		assert_int_equal(out.family, fam);
		held[i] = out;
		held[i].port++;
	}
	/* Each family's two went to its two addresses (50000 or 50002 each). */
	assert_false(stun_addr_ip_equal(&held[0], &held[2]));
	assert_false(stun_addr_ip_equal(&held[1], &held[3]));
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 2);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), 2);
	/* A v6 token does not open a v4 port. */
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok[0], &got, NULL), -ENOENT);
	/* Redeem one per family; let the others lapse. */
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, tok[0], &got, NULL), 0);
	assert_true(stun_addr_equal(&got, &held[0]));
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok[1], &got, NULL), 0);
	assert_true(stun_addr_equal(&got, &held[1]));
	turn_relay_pool_set_time(p, T0 + TURN_RESERVATION_LIFETIME);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, tok[2], &got, NULL), -ENOENT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, tok[3], &got, NULL), -ENOENT);
	/* The lapsed ports are free again: 4 ports x 2 addresses minus 3 used. */
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), 0);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &got, NULL), -ENOSPC);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 8);
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV6), 3);
	turn_relay_pool_destroy(p);

	/* Only one family served: the other is not supported. */
	struct stun_addr only6[2] = {addr6k(0), addr6k(1)};
	p = turn_relay_pool_create_multi(only6, 2, 50000, 50003);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -EAFNOSUPPORT);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV6, 0, 0, &out, NULL), 0);
	turn_relay_pool_destroy(p);
}

/* A worker's capacity with 16 addresses over ports 1024-65535: every
 * (address, port) once, then all freed. */
static void
test_multi_large(void **state)
{
	enum { N = 16, LO = 1024, HI = 65535, NP = HI - LO + 1 };
	struct stun_addr a[N], out;
	uint8_t *seen = calloc((size_t)N * 65536, 1);
	struct turn_relay_pool *p;

	(void)state;
	assert_non_null(seen);
	for (unsigned int k = 0; k < N; k++)
		a[k] = addr4k(k);
	p = turn_relay_pool_create_multi(a, N, LO, HI);
	assert_non_null(p);
	for (unsigned int i = 0; i < N * NP; i++) {
		if (alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL) != 0)
			fail_msg("allocation %u failed", i);
		int w = out.ip[3] - 1;
		if (w < 0 || w >= N || out.port < LO || seen[(size_t)w * 65536 + out.port])
			fail_msg("allocation %u: bad or repeated address", i);
		seen[(size_t)w * 65536 + out.port] = 1;
	}
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), N * NP);
	assert_int_equal(alloc(p, STUN_FAMILY_IPV4, 0, 0, &out, NULL), -ENOSPC);
	for (unsigned int k = 0; k < N; k++) {
		for (unsigned int port = LO; port <= HI; port++) {
			out = a[k];
			out.port = (uint16_t)port;
			turn_relay_pool_free(p, &out);
		}
	}
	assert_int_equal(turn_relay_pool_used(p, STUN_FAMILY_IPV4), 0);
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
		cmocka_unit_test(test_multi_create_errors),
		cmocka_unit_test(test_multi_exhaust),
		cmocka_unit_test(test_multi_even_port_edge),
		cmocka_unit_test(test_multi_reservations),
		cmocka_unit_test(test_multi_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
