/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-API-key token buckets for the ICE-server API: each key may make
 * @rate requests per second on average and @burst at once.
 *
 *   struct key_ratelimit *rl = key_ratelimit_create(10, 20);
 *   uint8_t id[KEY_RL_ID_LEN];            // e.g. SHA-256 of the API key
 *   uint32_t retry_ms;
 *   if (!key_ratelimit_take(rl, id, now_ms, &retry_ms))
 *       ...   // 429, Retry-After: ceil(retry_ms / 1000)
 *
 * Memory is fixed at creation: KEY_RL_SLOTS buckets in sets of
 * KEY_RL_WAYS. A key that finds its set full evicts the set's least
 * recently used bucket; the evicted key starts again with a full bucket
 * the next time, which only matters with more than KEY_RL_SLOTS keys in
 * active use. Pure C, one thread, no allocation after create.
 */
#ifndef TP_KEY_RATELIMIT_H
#define TP_KEY_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define KEY_RL_ID_LEN 32
#define KEY_RL_SLOTS 4096
#define KEY_RL_WAYS 4

struct key_ratelimit;

/* @rate requests per second (0 = no limit), @burst bucket size (at
 * least 1). NULL with errno = ENOMEM. */
struct key_ratelimit *key_ratelimit_create(uint32_t rate, uint32_t burst);
void key_ratelimit_destroy(struct key_ratelimit *rl);

/* Change the limits (a reload). Buckets keep their tokens, capped to the
 * new burst. */
void key_ratelimit_set(struct key_ratelimit *rl, uint32_t rate, uint32_t burst);

/*
 * Take one token from @id's bucket at @now_ms (a monotonic clock in
 * milliseconds; a clock going backwards refills nothing). Returns true
 * if the request may proceed; false if the bucket is empty, with
 * *@retry_ms (if not NULL) the time until a token is back (>= 1).
 */
bool key_ratelimit_take(struct key_ratelimit *rl, const uint8_t id[KEY_RL_ID_LEN], uint64_t now_ms,
			uint32_t *retry_ms);

/* Buckets in use (tests). */
unsigned int key_ratelimit_count(const struct key_ratelimit *rl);

#endif
