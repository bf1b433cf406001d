/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source token buckets for unauthenticated requests. Each one is
 * answered with a 401 carrying a nonce and realm, larger than a small
 * spoofed request, so without a limit the relay is a reflector that
 * sends a victim whatever an attacker sends in its name.
 *
 *   struct tp_ratelimit *r = tp_ratelimit_create(65536, 20, 40);
 *   ...
 *   // turn_hooks.challenge_admit: false drops the request, counted
 *   return tp_ratelimit_allow(r, client, now_us);
 *   ...
 *   tp_ratelimit_destroy(r);
 *
 * Design (memory is fixed at create and never grows):
 *   - @slots buckets are grouped into sets of TP_RATELIMIT_WAYS; a source
 *     IP (port ignored) picks its set by SipHash under a key drawn from
 *     getrandom at create, so an attacker cannot aim sources at one set.
 *   - A source found in its set uses its own bucket: @burst tokens,
 *     refilled at @rate_per_s, one per request.
 *   - A new source takes an empty way, or a way whose bucket has refilled
 *     to full (its source has been idle at least burst/rate seconds, so
 *     forgetting it loses nothing: it would start full anyway).
 *   - A new source that finds all ways busy is charged to the set's one
 *     shared bucket (same rate and burst). Busy sources are never
 *     evicted, so spraying many addresses cannot reset the bucket of a
 *     victim whose address is being spoofed; and a source with a way is
 *     limited by its own bucket only, so no single source can starve
 *     others. What spraying can do is drain a set's shared bucket, which
 *     delays only newcomers to that set while all of its ways are busy.
 *   - Hence a global bound: at most (slots + slots / WAYS) * rate answers
 *     per second (plus the bursts), whatever the number of sources.
 *
 * One instance per worker, never shared; nothing allocates, locks or
 * blocks after create. tp_ratelimit_allow costs one SipHash of the
 * address and a scan of TP_RATELIMIT_WAYS buckets in one 176-byte set.
 */
#ifndef TP_RATELIMIT_H
#define TP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "stun_addr.h"

#define TP_RATELIMIT_WAYS 4
#define TP_RATELIMIT_MAX_SLOTS (1u << 22)

struct tp_ratelimit;

struct tp_ratelimit_stats {
	uint64_t allowed;   /* requests let through */
	uint64_t limited;   /* requests refused */
	uint64_t shared;    /* requests decided by a set's shared bucket */
	uint64_t takeovers; /* idle ways given to a new source */
};

/*
 * @slots: tracked sources, a power of two from TP_RATELIMIT_WAYS to
 * TP_RATELIMIT_MAX_SLOTS (about 44 bytes each). @rate_per_s and @burst:
 * at least 1. Returns NULL with errno EINVAL, ENOMEM, or getrandom's
 * error for the hash key.
 */
struct tp_ratelimit *tp_ratelimit_create(unsigned int slots, uint32_t rate_per_s, uint32_t burst);

/* NULL is accepted. */
void tp_ratelimit_destroy(struct tp_ratelimit *r);

/*
 * Take one token for @src's IP (family and address; the port and
 * anything else are ignored) at @now_us, a monotonic clock in
 * microseconds. Returns true if the request may be answered; false for
 * a source without a known family. A clock
 * that goes backwards refills nothing until it passes its old value.
 */
bool tp_ratelimit_allow(struct tp_ratelimit *r, const struct stun_addr *src, uint64_t now_us);

void tp_ratelimit_stats(const struct tp_ratelimit *r, struct tp_ratelimit_stats *st);

#endif
