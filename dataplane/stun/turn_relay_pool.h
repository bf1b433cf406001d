/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay transport addresses: up to TURN_RELAY_POOL_MAX_ADDRS relay IPs of
 * either family, each with the same port range (in the dataplane: the
 * worker's slice of the relay port range, see tp_port_slice in steer.h),
 * handed out from bitmaps; EVEN-PORT and RESERVATION-TOKEN (RFC 8656
 * section 14.6, 14.9) with reservations that lapse after
 * TURN_RESERVATION_LIFETIME seconds. Matches the relay_alloc/relay_free
 * hooks of turn_server.h. Not thread-safe: one pool per worker.
 *
 *   struct turn_relay_pool *p = turn_relay_pool_create(&v4, &v6, 49152, 65535);
 *   // or many addresses over one worker's slice:
 *   p = turn_relay_pool_create_multi(addrs, n_addrs, lo, hi);
 *   hooks.relay_alloc = turn_relay_pool_alloc; hooks.relay_free = turn_relay_pool_free;
 *   turn_relay_pool_set_time(p, now);   // before each batch, for reservations
 *
 * Every port of every address is usable: with n addresses of a family
 * and a range of k ports, n * k allocations of that family fit.
 * Allocations rotate over the addresses of the family (each request
 * starts at the address after the one that served the previous), then
 * over ports within an address.
 *
 * A reservation lapses (its port returns to the pool) once the time set
 * with turn_relay_pool_set_time reaches issue time + 30 s; without calls
 * to it reservations never lapse. At most TURN_RELAY_POOL_MAX_RESV are
 * held at once (further RESERVE_NEXT requests get -ENOSPC). A
 * reservation never crosses port_max: an even port_max cannot be
 * allocated with RESERVE_NEXT. Tokens are random 64-bit, non-zero, from
 * a fast PRNG seeded by getrandom(2) (not a CSPRNG).
 *
 * Memory, all allocated at create: 2 bits per address and port, plus 32
 * bytes per reservation slot (2 per possible reservation, rounded up to
 * a power of two: at most 1 MB).
 */
#ifndef TURN_RELAY_POOL_H
#define TURN_RELAY_POOL_H

#include <stdint.h>

#include "stun_addr.h"

#define TURN_RELAY_POOL_MAX_ADDRS 64
#define TURN_RELAY_POOL_MAX_RESV 16384

struct turn_relay_pool;

/* @v4 / @v6 may be NULL (family not served), not both; their ports are
 * ignored. 1 <= port_min <= port_max. NULL with errno EINVAL, ENOMEM, or
 * the error of getrandom(2). */
struct turn_relay_pool *turn_relay_pool_create(const struct stun_addr *v4,
					       const struct stun_addr *v6, uint16_t port_min,
					       uint16_t port_max);
/*
 * @addrs[0 .. @n_addrs): 1 to TURN_RELAY_POOL_MAX_ADDRS distinct relay
 * IPs, IPv4 and IPv6 in any order (ports ignored), all served over
 * [@port_min, @port_max], 1 <= port_min <= port_max. NULL with errno
 * EINVAL, ENOMEM, or the error of getrandom(2).
 */
struct turn_relay_pool *turn_relay_pool_create_multi(const struct stun_addr *addrs,
						     unsigned int n_addrs, uint16_t port_min,
						     uint16_t port_max);
void turn_relay_pool_destroy(struct turn_relay_pool *p);
void turn_relay_pool_set_time(struct turn_relay_pool *p, uint64_t now);
/* Ports in use (not counting reservations) for @family, all its
 * addresses together. */
unsigned int turn_relay_pool_used(const struct turn_relay_pool *p, uint8_t family);

/*
 * Hook-compatible: @ctx is the pool. See struct turn_hooks.
 * alloc: with @token != 0, exactly the port reserved under it (consuming
 * the reservation; @flags ignored) or -ENOENT if unknown, lapsed or of
 * the other family. Otherwise any free port; TURN_RELAY_EVEN an even
 * one; TURN_RELAY_RESERVE_NEXT an even port P with P + 1 (<= port_max,
 * same address) reserved under a new token in *token_out (-EINVAL if
 * @token_out is NULL). *token_out is set to 0 whenever no token is
 * issued. -EAFNOSUPPORT for a family not served, -ENOSPC when no port
 * (or reservation slot) is left.
 * free: ignores addresses that are not allocated from this pool.
 * Both O(1) amortised (an address without a fitting free port is skipped
 * by its counters; at most TURN_RELAY_POOL_MAX_ADDRS of them).
 */
int turn_relay_pool_alloc(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
			  struct stun_addr *out, uint64_t *token_out);
void turn_relay_pool_free(void *ctx, const struct stun_addr *relay);

#endif
