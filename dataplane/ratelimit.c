/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unauthenticated-request rate limiter: set-associative token buckets
 * with one shared bucket per set. See ratelimit.h for the behaviour and
 * why it was chosen.
 *
 * Tokens are counted in millionths, so a rate in tokens per second is
 * the same number in millionths per microsecond and refill is exact
 * integer arithmetic: tokens += elapsed_us * rate, capped at burst.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ratelimit.h"
#include "siphash.h"

#define RL_ONE 1000000ULL /* one token */

struct rl_bucket {
	uint64_t tokens; /* millionths */
	uint64_t last_us;
};

struct rl_way {
	struct rl_bucket b;
	uint8_t family; /* 0 = empty */
	uint8_t pad[3];
	uint8_t ip[16];
};

struct rl_set {
	struct rl_way way[TP_RATELIMIT_WAYS];
	struct rl_bucket shared;
};

struct tp_ratelimit {
	uint32_t rate;       /* tokens per second = millionths per microsecond */
	uint64_t cap;        /* burst in millionths */
	uint32_t set_mask;   /* number of sets - 1 */
	uint64_t hkey[2];
	struct tp_ratelimit_stats st;
	struct rl_set *sets;
};

struct tp_ratelimit *
tp_ratelimit_create(unsigned int slots, uint32_t rate_per_s, uint32_t burst)
{
	struct tp_ratelimit *r;
	unsigned int nsets;
	int err = ENOMEM;
	ssize_t got;

	if (slots < TP_RATELIMIT_WAYS || slots > TP_RATELIMIT_MAX_SLOTS ||
	    (slots & (slots - 1)) != 0 || rate_per_s == 0 || burst == 0) {
		errno = EINVAL;
		return NULL;
	}
	nsets = slots / TP_RATELIMIT_WAYS;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		goto err;
	/* All ways empty (family 0); shared buckets start full, as a new
	 * source's own bucket would. */
	r->sets = calloc(nsets, sizeof(*r->sets));
	if (r->sets == NULL)
		goto err_r;
	got = getrandom(r->hkey, sizeof(r->hkey), 0);
	if (got != (ssize_t)sizeof(r->hkey)) {
		err = got < 0 ? errno : EIO;
		goto err_sets;
	}
	r->rate = rate_per_s;
	r->cap = (uint64_t)burst * RL_ONE;
	r->set_mask = nsets - 1;
	for (unsigned int i = 0; i < nsets; i++)
		r->sets[i].shared.tokens = r->cap;
	return r;

err_sets:
	free(r->sets);
err_r:
	free(r);
err:
	errno = err;
	return NULL;
}

void
tp_ratelimit_destroy(struct tp_ratelimit *r)
{
	if (r == NULL)
		return;
	free(r->sets);
	free(r);
}

/*
 * Bring @b up to @now. If elapsed * rate would pass the cap the bucket
 * is simply full; testing elapsed against need / rate first keeps the
 * product from overflowing after a long idle time.
 */
static void
bucket_refill(const struct tp_ratelimit *r, struct rl_bucket *b, uint64_t now)
{
	uint64_t elapsed, need;

	if (now <= b->last_us)
		return;
	elapsed = now - b->last_us;
	b->last_us = now;
	if (b->tokens >= r->cap) {
		b->tokens = r->cap;
		return;
	}
	need = r->cap - b->tokens;
	if (elapsed > need / r->rate)
		b->tokens = r->cap;
	else
		b->tokens += elapsed * r->rate;
}

static bool
bucket_take(struct tp_ratelimit *r, struct rl_bucket *b)
{
	if (b->tokens < RL_ONE) {
		r->st.limited++;
		return false;
	}
	b->tokens -= RL_ONE;
	r->st.allowed++;
	return true;
}

static bool
way_is(const struct rl_way *w, uint8_t family, const uint8_t *ip, size_t iplen)
{
	return w->family == family && memcmp(w->ip, ip, iplen) == 0;
}

/*
 * Find @src's way in its set; failing that, claim an empty way or one
 * whose bucket is full again; failing that, use the set's shared bucket.
 * Refilling the ways we look at while searching is harmless (refill is
 * idempotent for a given time) and tells us which are idle.
 */
bool
tp_ratelimit_allow(struct tp_ratelimit *r, const struct stun_addr *src, uint64_t now_us)
{
	uint8_t key[17];
	size_t iplen = stun_addr_iplen(src);
	struct rl_set *set;
	struct rl_way *free_way = NULL;

	/* Family 0 marks an empty way; no real source has it. */
	if (src->family != STUN_FAMILY_IPV4 && src->family != STUN_FAMILY_IPV6) {
		r->st.limited++;
		return false;
	}
	key[0] = src->family;
	memcpy(key + 1, src->ip, iplen);
	set = &r->sets[siphash24(r->hkey, key, 1 + iplen) & r->set_mask];

	for (unsigned int i = 0; i < TP_RATELIMIT_WAYS; i++) {
		struct rl_way *w = &set->way[i];

		if (way_is(w, src->family, src->ip, iplen)) {
			bucket_refill(r, &w->b, now_us);
			return bucket_take(r, &w->b);
		}
		if (w->family == 0) {
			if (free_way == NULL || free_way->family != 0)
				free_way = w;
			continue;
		}
		bucket_refill(r, &w->b, now_us);
		if (w->b.tokens >= r->cap && free_way == NULL)
			free_way = w;
	}

	if (free_way != NULL) {
		if (free_way->family != 0)
			r->st.takeovers++;
		memset(free_way, 0, sizeof(*free_way));
		free_way->family = src->family;
		memcpy(free_way->ip, src->ip, iplen);
		free_way->b.tokens = r->cap;
		free_way->b.last_us = now_us;
		return bucket_take(r, &free_way->b);
	}

	r->st.shared++;
	bucket_refill(r, &set->shared, now_us);
	return bucket_take(r, &set->shared);
}

void
tp_ratelimit_stats(const struct tp_ratelimit *r, struct tp_ratelimit_stats *st)
{
	*st = r->st;
}
