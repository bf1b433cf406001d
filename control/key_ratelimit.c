/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-API-key token buckets: see key_ratelimit.h.
 *
 * Tokens are kept in thousandths so refills need no floating point: a
 * bucket gains @rate milli-tokens per elapsed millisecond, holds at most
 * burst * 1000, and a request costs 1000. The ids are already uniformly
 * distributed (SHA-256 outputs), so their first bytes pick the set.
 */
#include "key_ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KEY_RL_SETS (KEY_RL_SLOTS / KEY_RL_WAYS)
#define MILLI 1000ULL

struct bucket {
	uint8_t id[KEY_RL_ID_LEN];
	bool used;
	uint64_t tokens; /* milli-tokens */
	uint64_t last_ms; /* last refill */
	uint64_t seen_ms; /* last use, for eviction */
};

struct key_ratelimit {
	uint32_t rate;
	uint32_t burst;
	unsigned int count;
	struct bucket b[KEY_RL_SLOTS];
};

struct key_ratelimit *
key_ratelimit_create(uint32_t rate, uint32_t burst)
{
	struct key_ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	key_ratelimit_set(rl, rate, burst);
	return rl;
}

void
key_ratelimit_destroy(struct key_ratelimit *rl)
{
	free(rl);
}

void
key_ratelimit_set(struct key_ratelimit *rl, uint32_t rate, uint32_t burst)
{
	rl->rate = rate;
	rl->burst = burst ? burst : 1;
	for (unsigned int i = 0; i < KEY_RL_SLOTS; i++)
		if (rl->b[i].used && rl->b[i].tokens > rl->burst * MILLI)
			rl->b[i].tokens = rl->burst * MILLI;
}

static void
refill(const struct key_ratelimit *rl, struct bucket *b, uint64_t now_ms)
{
	uint64_t cap = rl->burst * MILLI;
	uint64_t dt;

	if (now_ms <= b->last_ms)
		return;
	dt = now_ms - b->last_ms;
	b->last_ms = now_ms;
	/* Compare before multiplying: dt * rate could overflow 64 bits
	 * after a long idle time with a large rate. */
	if (b->tokens >= cap || dt >= (cap - b->tokens + rl->rate - 1) / rl->rate)
		b->tokens = cap;
	else
		b->tokens += dt * rl->rate;
}

static struct bucket *
find_or_add(struct key_ratelimit *rl, const uint8_t id[KEY_RL_ID_LEN], uint64_t now_ms)
{
	unsigned int set = ((unsigned int)id[0] << 8 | id[1]) % KEY_RL_SETS;
	struct bucket *ways = &rl->b[set * KEY_RL_WAYS], *victim = NULL;

	for (unsigned int i = 0; i < KEY_RL_WAYS; i++)
		if (ways[i].used && memcmp(ways[i].id, id, KEY_RL_ID_LEN) == 0)
			return &ways[i];
	for (unsigned int i = 0; i < KEY_RL_WAYS; i++) {
		if (!ways[i].used) {
			victim = &ways[i];
			break;
		}
		if (victim == NULL || ways[i].seen_ms < victim->seen_ms)
			victim = &ways[i];
	}
	if (!victim->used)
		rl->count++;
	memcpy(victim->id, id, KEY_RL_ID_LEN);
	victim->used = true;
	victim->tokens = rl->burst * MILLI;
	victim->last_ms = now_ms;
	victim->seen_ms = now_ms;
	return victim;
}

bool
key_ratelimit_take(struct key_ratelimit *rl, const uint8_t id[KEY_RL_ID_LEN], uint64_t now_ms,
		   uint32_t *retry_ms)
{
	struct bucket *b;
	uint64_t wait;

	if (rl->rate == 0)
		return true;
	b = find_or_add(rl, id, now_ms);
	refill(rl, b, now_ms);
	if (now_ms > b->seen_ms)
		b->seen_ms = now_ms;
	if (b->tokens >= MILLI) {
		b->tokens -= MILLI;
		return true;
	}
	if (retry_ms) {
		wait = (MILLI - b->tokens + rl->rate - 1) / rl->rate; /* ms, rounded up */
		*retry_ms = wait == 0 ? 1 : (uint32_t)wait;
	}
	return false;
}

unsigned int
key_ratelimit_count(const struct key_ratelimit *rl)
{
	return rl->count;
}
