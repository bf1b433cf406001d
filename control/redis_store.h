/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn's Redis schema, asynchronously (ARCHITECTURE decisions 5-7):
 *
 *   turn/realm/<realm>/user/<user>/key      hex MD5(user:realm:password)
 *   turn/realm/<realm>/secret               set of REST secrets
 *   turn/realm/<realm>/user-quota, total-quota, max-bps   integers
 *   turn/realm/<realm>/allowed-peer-ip, denied-peer-ip    sets of "ip" or "ip-ip"
 *   turnpike/api-keys                       set of hex SHA-256 of API keys (ours)
 *
 * and coturn's statsdb events, with a TTL on status keys and the
 * dataplane's instance id in the allocation id:
 *
 *   SET turn/realm/<r>/user/<u>/allocation/<id>/status "new lifetime=..." EX lifetime+grace
 *   PUBLISH (same key) (same value)
 *   ... "refreshed lifetime=..." on Refresh; DEL + PUBLISH "deleted" at the end,
 *   PUBLISH .../total_traffic and .../total_traffic/peer "rcvp=..., rcvb=..., sentp=..., sentb=..."
 *   PUBLISH .../traffic and .../traffic/peer on refresh.
 *   <id> = <dataplane instance id, 16 hex>-<allocation id, %018llu>
 *
 * Never KEYS; nothing is deleted at start-up. Changes are followed with
 * keyspace notifications where the server has them enabled (we try
 * `CONFIG SET notify-keyspace-events` and live without if refused) and a
 * bounded refresh every redis.refresh seconds either way.
 *
 * Redis down: lookups of users whose key was read within redis.cache_ttl
 * are answered from the cache; others answer CTL_CRED_ERROR (the
 * dataplane fails closed). The last policy read stays in force.
 * Reconnection backs off from 100 ms to 5 s; each state change (up,
 * down) logs one line.
 *
 *   struct cp_redis *r = cp_redis_create(cp);     // connects in the background
 *   cp_redis_lookup_key(r, "alice", 5, done, arg);  // done() runs later, or at once on a cache hit
 */
#ifndef TP_REDIS_STORE_H
#define TP_REDIS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp.h"

/*
 * @status: CTL_CRED_FOUND (@key is the 16-byte MD5 long-term key, @ttl
 * seconds the dataplane may cache it: redis.key_ttl), CTL_CRED_NOT_FOUND
 * (@ttl: a short negative TTL, 2 s, so a user created a moment later is
 * usable at once), or CTL_CRED_ERROR (@ttl 0).
 */
typedef void (*cp_key_cb)(void *arg, uint8_t status, const uint8_t *key, size_t key_len,
			  uint32_t ttl);

/* Uses cp->cc.redis, cp->tp.realm and cp->base. Returns NULL only on
 * allocation failure or a TLS set-up error (message on stderr); an
 * unreachable server is not an error (it reconnects). */
struct cp_redis *cp_redis_create(struct cp *cp);
/* Cancels pending lookups (their callbacks run with CTL_CRED_ERROR). */
void cp_redis_destroy(struct cp_redis *r);

bool cp_redis_up(const struct cp_redis *r);

/* The long-term MD5 key of @user in the configured realm. The callback
 * runs exactly once: synchronously on a cache hit or when Redis is down
 * (cache or ERROR), else when the GET returns or fails. Returns 0, or
 * -EINVAL for a user name that cannot be a key (empty, over 508 bytes,
 * containing '/' or control characters: answered NOT_FOUND without
 * asking Redis, callback already run). */
int cp_redis_lookup_key(struct cp_redis *r, const char *user, size_t len, cp_key_cb cb,
			void *arg);

/* The policy from the last successful refresh (valid false before it). */
const struct cp_redis_policy *cp_redis_policy(const struct cp_redis *r);

/* Whether the hex SHA-256 @sha256 is in turnpike/api-keys as last read. */
bool cp_redis_api_key_known(const struct cp_redis *r, const uint8_t sha256[32]);

/* Re-read policy and API keys now (SIGHUP). */
void cp_redis_refresh(struct cp_redis *r);

/* One statsdb event. Queued (bounded) while the connection is down;
 * counted in cp->stats.statsdb_writes / statsdb_dropped. */
void cp_redis_alloc_event(struct cp_redis *r, const struct ctl_alloc_event *ev,
			  uint64_t dp_instance_id);

#endif
