/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The turn_server hooks of one worker: long-term keys from the worker's
 * key cache (a miss asks the main lcore through authq.h and parks the
 * request), relay ports from a turn_relay_pool, the peer policy,
 * allocation quotas and the challenge rate limit. Behind the main lcore,
 * the credential store of the config file: static users with their keys
 * precomputed at start-up.
 *
 *   struct dp_users *u = dp_users_create(&cfg);     // once, main lcore
 *   dp_hook_ctx_init(&ctx, &cfg, u, pool);         // per worker
 *   ctx.aq = authq_create(...);                    // per worker
 *   turn_server_create(&tcfg, &dp_hooks, &ctx, ...);
 *   ctx.now_us = ...;                              // each burst: rate limit, cache
 *
 * The user store is read-only after creation; only the main lcore reads
 * it (dp_users_resolve), answering the workers' lookups, and a reload
 * (SIGHUP, control RELOAD) replaces it there.
 *
 * The event hook keeps the per-family allocation gauges and, with a
 * control channel, queues allocation events (alloc_events.h).
 */
#ifndef DP_AUTH_H
#define DP_AUTH_H

#include <stdint.h>

#include "config.h"
#include "keycache.h"
#include "turn_relay_pool.h"
#include "turn_server.h"

struct authq;
struct dp_events;
struct dp_users;

struct tp_peer_policy;
struct tp_quota;
struct tp_ratelimit;

struct dp_hook_ctx {
	struct turn_relay_pool *pool;   /* owned by the caller */
	struct tp_peer_policy *policy;
	struct tp_quota *quota;
	struct tp_ratelimit *ratelimit;
	struct keycache *keys;          /* this worker's long-term keys */
	struct authq *aq;               /* lookups for cache misses; set by the worker */
	struct dp_events *ev;           /* allocation events, NULL without a control channel */
	uint64_t now_us;                /* monotonic, set by the worker per burst */
	uint64_t now_s;                 /* Unix seconds, likewise */
	/* Live allocations by the client's address family, kept by the event
	 * hook (telemetry: allocations_active_udp4/udp6). */
	uint64_t active4, active6;
};

extern const struct turn_hooks dp_hooks;

/* Keys for every cfg->users entry under cfg->realm. NULL with errno
 * ENOMEM. */
struct dp_users *dp_users_create(const struct tp_config *cfg);
void dp_users_destroy(struct dp_users *u);

/* The credential store's answer for @id (a name or USERHASH, and an
 * algorithm): 0 with the key and the user's name in @out; -ENOENT for
 * no such user; -EOPNOTSUPP for an algorithm without a key. */
int dp_users_resolve(const struct dp_users *us, const struct keycache_id *id,
		     struct keycache_val *out);

/* Key cache, peer policy, quota and rate limit from @cfg for one worker,
 * which may hold @max_allocations (its share of limits.max_allocations).
 * limits.user_quota applies per worker: a user whose clients hash to
 * several workers can hold up to that many times the quota. With a
 * control channel configured the quota keeps user names (for events) and
 * the control plane's endpoints are deny-always peers. Returns 0, or
 * -errno with a message naming the config key on stderr. */
int dp_hook_ctx_init(struct dp_hook_ctx *h, const struct tp_config *cfg,
		     struct turn_relay_pool *pool, uint32_t max_allocations);

/*
 * The peer policy of @cfg (built-in list per peers.default_deny, the
 * control plane's endpoints as deny-always, peers.deny, peers.allow),
 * plus @n_extra_deny / @n_extra_allow more rules (the control plane's
 * pushed PEER_RULES; NULL and 0 for none). NULL with errno ENOMEM, or
 * EINVAL with @why (if not NULL) naming the rule that failed.
 */
struct tp_peer_policy *dp_policy_build(const struct tp_config *cfg,
				       const char *const *extra_deny, unsigned int n_extra_deny,
				       const char *const *extra_allow, unsigned int n_extra_allow,
				       char *why, size_t whylen);
void dp_hook_ctx_fini(struct dp_hook_ctx *h);

#endif
