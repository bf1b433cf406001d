/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The turn_server hooks of one worker: static users from the config file
 * (keys precomputed at start-up), relay ports from a turn_relay_pool, the
 * peer policy, allocation quotas and the challenge rate limit.
 *
 *   struct dp_users *u = dp_users_create(&cfg);     // once, shared read-only
 *   dp_hook_ctx_init(&ctx, &cfg, u, pool);         // per worker
 *   turn_server_create(&tcfg, &dp_hooks, &ctx, ...);
 *   ctx.now_us = ...;                              // each burst, for the rate limit
 *
 * The user store is read-only after creation, so every worker may use it
 * without synchronisation.
 */
#ifndef DP_AUTH_H
#define DP_AUTH_H

#include <stdint.h>

#include "config.h"
#include "turn_relay_pool.h"
#include "turn_server.h"

struct dp_users;

struct tp_peer_policy;
struct tp_quota;
struct tp_ratelimit;

struct dp_hook_ctx {
	const struct dp_users *users;
	struct turn_relay_pool *pool;   /* owned by the caller */
	struct tp_peer_policy *policy;
	struct tp_quota *quota;
	struct tp_ratelimit *ratelimit;
	uint64_t now_us;                /* monotonic, set by the worker per burst */
};

extern const struct turn_hooks dp_hooks;

/* Keys for every cfg->users entry under cfg->realm. NULL with errno
 * ENOMEM. */
struct dp_users *dp_users_create(const struct tp_config *cfg);
void dp_users_destroy(struct dp_users *u);

/* Peer policy, quota and rate limit from @cfg for one worker (of one:
 * limits are not divided between workers yet, #4). Returns 0, or -errno
 * with a message naming the config key on stderr. */
int dp_hook_ctx_init(struct dp_hook_ctx *h, const struct tp_config *cfg,
		     const struct dp_users *users, struct turn_relay_pool *pool);
void dp_hook_ctx_fini(struct dp_hook_ctx *h);

#endif
