/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's cache of long-term keys: (user name or USERHASH, password
 * algorithm) -> key, resolved user name and expiry, or a negative entry
 * ("no such user") with a shorter TTL, so a burst of requests for an
 * unknown name asks the credential store once per TTL, not once per
 * request. One per worker, never shared: no synchronisation inside.
 *
 *   uint64_t seed[2];                             // NULL = from getrandom
 *   struct keycache *kc = keycache_create(256, seed);
 *   struct keycache_id id = {.kind = KEYCACHE_NAME, .alg = 2, .len = n};
 *   memcpy(id.bytes, name, n);
 *   struct keycache_val v;
 *   switch (keycache_lookup(kc, &id, now_us, &v)) {
 *   case 0:        use v.key, v.user             // hit
 *   case -ENOENT:  unknown user (negative hit)
 *   case -EAGAIN:  miss: ask the store, later keycache_insert(kc, &id, &v, now_us, ttl_us)
 *   }
 *   keycache_expire(kc, now_us, 64);               // bounded upkeep
 *
 * 4-way set associative over a power-of-two number of sets, indexed by
 * SipHash-2-4 of the identity under a per-cache random key so that
 * nobody outside can aim names at one set. Each set's hashes and expiry
 * times share one cache line; the identity bytes and the key live
 * apart and are read only when a hash matches. Times are in whatever
 * monotonic unit the caller uses consistently (the dataplane: us).
 */
#ifndef DP_KEYCACHE_H
#define DP_KEYCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYCACHE_WAYS 4
#define KEYCACHE_ID_MAX 508   /* STUN_USERNAME_MAX; USERHASH is 32 */
#define KEYCACHE_KEY_MAX 32   /* STUN_KEY_MAX_LEN */
#define KEYCACHE_USER_MAX 64  /* TURN_QUOTA_USER_MAX */

enum keycache_kind {
	KEYCACHE_NAME = 1,     /* USERNAME bytes */
	KEYCACHE_USERHASH = 2, /* the 32-byte USERHASH */
};

/* What a request names. Only the first @len bytes of @bytes count. */
struct keycache_id {
	uint8_t kind;          /* enum keycache_kind */
	uint16_t alg;          /* STUN_PWALG_*: one entry per algorithm */
	uint16_t len;
	uint8_t bytes[KEYCACHE_ID_MAX];
};

/* What the store answered. @negative: no such user (key and user unused). */
struct keycache_val {
	bool negative;
	uint8_t key_len;
	uint8_t user_len;
	uint8_t key[KEYCACHE_KEY_MAX];
	char user[KEYCACHE_USER_MAX];
};

struct keycache_stats {
	uint64_t hit;          /* positive entries found */
	uint64_t negative_hit; /* negative entries found */
	uint64_t miss;         /* not cached or expired */
	uint64_t evictions;    /* live entries replaced by an insert into a full set */
	uint64_t entries;      /* live or not yet swept */
};

struct keycache;

/*
 * A cache of @n_sets (a power of two, 1..65536) sets of KEYCACHE_WAYS
 * entries. @seed: the SipHash key, or NULL for one from getrandom.
 * Returns NULL with errno EINVAL (bad @n_sets), ENOMEM, or getrandom's.
 */
struct keycache *keycache_create(unsigned int n_sets, const uint64_t seed[2]);
void keycache_destroy(struct keycache *kc);

/*
 * Find @id at time @now. Returns 0 and fills @out (a positive entry),
 * -ENOENT for a negative entry, -EAGAIN for a miss (absent or expired),
 * -EINVAL for an identity longer than KEYCACHE_ID_MAX. Counts hit,
 * negative_hit or miss. Cost: one SipHash of the identity, one cache
 * line of the set, one memcmp per matching hash.
 */
int keycache_lookup(struct keycache *kc, const struct keycache_id *id, uint64_t now,
		    struct keycache_val *out);

/*
 * Store @val for @id until @now + @ttl, replacing an entry for the same
 * identity. In a full set the entry that expires first is evicted (so
 * short-lived negative entries go before users' keys), counted under
 * evictions. Returns 0, or -EINVAL for an oversized identity, key or
 * user, or a zero @ttl.
 */
int keycache_insert(struct keycache *kc, const struct keycache_id *id,
		    const struct keycache_val *val, uint64_t now, uint64_t ttl);

/* Forget @id (every algorithm is a separate identity). Returns 0 or -ENOENT. */
int keycache_remove(struct keycache *kc, const struct keycache_id *id);

/* Clear expired entries in up to @budget sets from a cursor that wraps.
 * Returns the number cleared. Lookups ignore expired entries anyway:
 * this only keeps the entries gauge honest and wipes dead keys. */
unsigned int keycache_expire(struct keycache *kc, uint64_t now, unsigned int budget);

/* Drop everything (a credential store that changed wholesale). */
void keycache_flush(struct keycache *kc);

const struct keycache_stats *keycache_stats(const struct keycache *kc);

/* The cache's keyed hash of @id, for callers that track identities
 * alongside it (the worker's in-flight lookups). */
uint64_t keycache_hash(const struct keycache *kc, const struct keycache_id *id);

/* true if @a and @b name the same entry. */
bool keycache_id_equal(const struct keycache_id *a, const struct keycache_id *b);

#endif
