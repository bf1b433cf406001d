/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's memory of user keys read from Redis: user name ->
 * (16-byte MD5 key, when it was read). Pure C, no libevent; the caller
 * passes the time (monotonic seconds).
 *
 * It is a fallback, not a shortcut: while Redis is up every lookup asks
 * Redis (so turnadmin changes take effect at once; the dataplane already
 * caches per worker for key_ttl) and stores the answer here; while Redis
 * is down, an entry read within cache_ttl answers instead. A keyspace
 * notification for a user's key removes the entry.
 *
 *   struct cred_cache *cc = cred_cache_create(65536, seed);
 *   cred_cache_put(cc, "alice", 5, key, now);
 *   if (cred_cache_get(cc, "alice", 5, now, 300, key)) ...   // read within 300 s
 *   cred_cache_remove(cc, "alice", 5);
 *
 * Bounded: at most @capacity entries; inserting into a full cache evicts
 * the least recently used one. Every operation is O(1) expected (a chained
 * hash with a seeded hash function, so names chosen by an attacker do not
 * pile up in one chain).
 */
#ifndef TP_CRED_CACHE_H
#define TP_CRED_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRED_CACHE_KEY_LEN 16
#define CRED_CACHE_USER_MAX 508
#define CRED_CACHE_DEFAULT_CAPACITY 65536

struct cred_cache;

/* NULL with errno = ENOMEM, or EINVAL for a zero capacity. */
struct cred_cache *cred_cache_create(unsigned int capacity, uint64_t seed);
void cred_cache_destroy(struct cred_cache *c);

/* Insert or replace. 0, -EINVAL (empty or over CRED_CACHE_USER_MAX
 * bytes), -ENOMEM (the cache is unchanged). */
int cred_cache_put(struct cred_cache *c, const char *user, size_t len,
		   const uint8_t key[CRED_CACHE_KEY_LEN], uint64_t now);

/* True, with @key filled, if @user is cached and was read at most
 * @max_age seconds before @now. An entry older than that stays (Redis
 * may answer again and refresh it) but does not answer. */
bool cred_cache_get(struct cred_cache *c, const char *user, size_t len, uint64_t now,
		    uint64_t max_age, uint8_t key[CRED_CACHE_KEY_LEN]);

/* Forget @user (no-op if absent). Returns whether it was there. */
bool cred_cache_remove(struct cred_cache *c, const char *user, size_t len);
void cred_cache_clear(struct cred_cache *c);
unsigned int cred_cache_count(const struct cred_cache *c);

#endif
