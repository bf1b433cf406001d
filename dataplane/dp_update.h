/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time policy of a running dataplane: what is in force is the
 * configuration file's part (reloaded by SIGHUP or the control plane's
 * RELOAD) combined with what the control plane pushed (REST_SECRETS,
 * PEER_RULES, QUOTAS). The main lcore keeps both, builds each worker's
 * objects and hands them over through the worker's mailbox (dp.h,
 * struct dp_mailbox); workers never lock or wait for it.
 *
 *   main lcore:
 *     struct dp_update *u = dp_update_create(dp);
 *     dp_update_rest(u, &msg.u.secrets, why, sizeof(why));   // 0 or -EINVAL + why
 *     dp_update_rules(u, &msg.u.rules, why, sizeof(why));
 *     dp_update_quotas(u, &msg.u.quotas, why, sizeof(why));
 *     dp_update_reload(u, why, sizeof(why));                 // re-read dp->cfg.path
 *     dp_update_announce(u);        // every worker reports its allocations
 *     dp_update_tick(u);            // every ~1 ms: offer, retire
 *     dp_update_destroy(u);         // after the workers stopped
 *   worker housekeeping:
 *     dp_update_take(w);
 *
 * Effective policy:
 *   REST secrets  the file's, then the pushed ones, without duplicates, at
 *                 most STUN_REST_MAX_SECRETS (the surplus is dropped, with
 *                 one log line per push that has one)
 *   peer policy   peers.default_deny of the file (the pushed default-deny
 *                 flag is ignored: whether private ranges are relayable is
 *                 the appliance's decision, not the shared store's); the
 *                 control plane's endpoints deny-always; the file's deny
 *                 and allow rules; the pushed deny and allow rules
 *   quotas        pushed user/total quotas replace limits.user_quota and
 *                 the limits.max_allocations total; 0 = unlimited; a total
 *                 is split evenly over workers like max_allocations, and a
 *                 worker's table capacity (its max_allocations share)
 *                 always caps it. max_bps is accepted but not enforced.
 * A push is all or nothing: a bad rule changes nothing. What was pushed
 * stays in force while the control plane is away, and across reloads.
 */
#ifndef DP_UPDATE_H
#define DP_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_codec.h"

struct dp;
struct dp_update;
struct worker;

/* NULL with errno ENOMEM. */
struct dp_update *dp_update_create(struct dp *dp);
/* After the workers stopped, before dp_teardown: frees what a worker did
 * not take. NULL is accepted. */
void dp_update_destroy(struct dp_update *u);

/* Pushes. 0 (accepted, workers updated within a few ms) or -EINVAL with
 * a reason in @why (nothing changed). */
int dp_update_rest(struct dp_update *u, const struct ctl_rest_secrets *s, char *why,
		   size_t whylen);
int dp_update_rules(struct dp_update *u, const struct ctl_peer_rules *r, char *why,
		    size_t whylen);
int dp_update_quotas(struct dp_update *u, const struct ctl_quotas *q, char *why,
		     size_t whylen);

/*
 * Re-read the configuration file and apply turn.users (the main lcore's
 * user store, and every worker's key cache is flushed), turn.rest_secrets,
 * peers.* and limits.user_quota. Settings that need a restart are left as
 * they are, with one log line naming them. 0, or -EINVAL with the
 * loader's message in @why (nothing changed).
 */
int dp_update_reload(struct dp_update *u, char *why, size_t whylen);

/* Ask every worker to report each live allocation once (REFRESHED). */
void dp_update_announce(struct dp_update *u);

/* Main lcore, every tick: retire what workers acknowledged, offer what
 * changed. Cost: a few loads per worker when nothing changed. */
void dp_update_tick(struct dp_update *u);

/* The pushed max_bps (0 = none). */
uint64_t dp_update_max_bps(const struct dp_update *u);

/* Worker housekeeping: apply the mailbox's offer, if there is one. */
void dp_update_take(struct worker *w);

#endif
