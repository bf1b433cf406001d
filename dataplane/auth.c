/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_events.h"
#include "auth.h"
#include "authq.h"
#include "keycache.h"
#include "peer_policy.h"
#include "quota.h"
#include "ratelimit.h"
#include "stun_cred.h"

#define DP_RATELIMIT_SLOTS 65536
#define DP_KEYCACHE_SETS 256    /* x 4 ways: 1024 keys per worker, ~650 KB */

_Static_assert(STUN_USERNAME_MAX <= KEYCACHE_ID_MAX && STUN_USERHASH_LEN <= KEYCACHE_ID_MAX,
	       "a USERNAME or USERHASH must fit a key cache identity");
_Static_assert(STUN_KEY_MAX_LEN <= KEYCACHE_KEY_MAX && TURN_QUOTA_USER_MAX <= KEYCACHE_USER_MAX,
	       "keys and user names must fit a key cache value");

struct dp_user {
	char name[STUN_USERNAME_MAX + 1];
	uint16_t name_len;
	uint8_t md5[STUN_KEY_MD5_LEN];
	uint8_t sha256[STUN_KEY_SHA256_LEN];
	uint8_t userhash[STUN_USERHASH_LEN];
};

/* At most TP_CFG_MAX_USERS (64) users, so a linear scan is a few cache
 * lines of comparisons and needs no hash table. Only the main lcore scans
 * it, for the lookups the workers' key caches missed; Redis-backed users
 * (#5) will answer the same lookups. */
struct dp_users {
	unsigned int n;
	struct dp_user u[TP_CFG_MAX_USERS];
};

struct dp_users *
dp_users_create(const struct tp_config *cfg)
{
	struct dp_users *us = calloc(1, sizeof(*us));
	size_t rlen = strlen(cfg->realm);

	if (us == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->n_users && i < TP_CFG_MAX_USERS; i++) {
		const struct tp_user_config *c = &cfg->users[i];
		struct dp_user *u = &us->u[us->n++];
		size_t plen = strlen(c->password);

		u->name_len = (uint16_t)strlen(c->name);
		memcpy(u->name, c->name, u->name_len);
		stun_key_md5(u->name, u->name_len, cfg->realm, rlen, c->password, plen, u->md5);
		stun_key_sha256(u->name, u->name_len, cfg->realm, rlen, c->password, plen,
				u->sha256);
		stun_userhash(u->name, u->name_len, cfg->realm, rlen, u->userhash);
	}
	return us;
}

void
dp_users_destroy(struct dp_users *u)
{
	free(u);
}

static const struct dp_user *
users_find(const struct dp_users *us, const struct keycache_id *id)
{
	for (unsigned int i = 0; i < us->n; i++) {
		const struct dp_user *u = &us->u[i];

		if (id->kind == KEYCACHE_NAME) {
			if (u->name_len == id->len && memcmp(u->name, id->bytes, u->name_len) == 0)
				return u;
		} else if (id->len == STUN_USERHASH_LEN &&
			   memcmp(u->userhash, id->bytes, STUN_USERHASH_LEN) == 0) {
			return u;
		}
	}
	return NULL;
}

/* The realm in the request was checked against ours by turn_server, and
 * the keys were derived with ours, so only the name matters here. */
int
dp_users_resolve(const struct dp_users *us, const struct keycache_id *id,
		 struct keycache_val *out)
{
	const struct dp_user *u = users_find(us, id);

	if (u == NULL)
		return -ENOENT;
	if (id->alg == STUN_PWALG_SHA256) {
		memcpy(out->key, u->sha256, sizeof(u->sha256));
		out->key_len = sizeof(u->sha256);
	} else if (id->alg == STUN_PWALG_MD5) {
		memcpy(out->key, u->md5, sizeof(u->md5));
		out->key_len = sizeof(u->md5);
	} else {
		return -EOPNOTSUPP;
	}
	out->negative = false;
	out->user_len = u->name_len < TURN_QUOTA_USER_MAX ? (uint8_t)u->name_len
							  : TURN_QUOTA_USER_MAX;
	memcpy(out->user, u->name, out->user_len);
	return 0;
}

/*
 * From the worker's key cache: a hit answers at once, a negative entry
 * is an unknown user (401). A miss joins or sends a lookup to the main
 * lcore and returns -EAGAIN: the server answers nothing (TURN_PENDING),
 * turn_io.c parks the packet and authq_poll runs it again once the
 * answer is in the cache. Cost on a hit: one SipHash of the name and one
 * or two cache lines.
 */
static int
hook_cred_lookup(void *ctx, const struct turn_cred_req *req, struct turn_cred *out)
{
	struct dp_hook_ctx *h = ctx;
	struct keycache_val v;
	struct keycache_id id;
	int rc;

	id.alg = req->alg;
	if (req->username != NULL) {
		if (req->username_len > KEYCACHE_ID_MAX)
			return -ENOENT;
		id.kind = KEYCACHE_NAME;
		id.len = (uint16_t)req->username_len;
		memcpy(id.bytes, req->username, id.len);
	} else if (req->userhash != NULL) {
		id.kind = KEYCACHE_USERHASH;
		id.len = STUN_USERHASH_LEN;
		memcpy(id.bytes, req->userhash, STUN_USERHASH_LEN);
	} else {
		return -ENOENT;
	}
	rc = keycache_lookup(h->keys, &id, h->now_us, &v);
	if (rc == 0) {
		memcpy(out->key, v.key, v.key_len);
		out->key_len = v.key_len;
		memcpy(out->user, v.user, v.user_len);
		out->user_len = v.user_len;
		explicit_bzero(&v, sizeof(v));
		return 0;
	}
	if (rc != -EAGAIN)
		return -ENOENT;
	/* -ENOSPC too: authq_park then drops the packet as auth_pending_full. */
	authq_request(h->aq, &id, keycache_hash(h->keys, &id), h->now_us);
	return -EAGAIN;
}

static int
hook_relay_alloc(void *ctx, uint8_t family, unsigned int flags, uint64_t token,
		 struct stun_addr *out, uint64_t *token_out)
{
	struct dp_hook_ctx *h = ctx;

	return turn_relay_pool_alloc(h->pool, family, flags, token, out, token_out);
}

static void
hook_relay_free(void *ctx, const struct stun_addr *relay)
{
	struct dp_hook_ctx *h = ctx;

	turn_relay_pool_free(h->pool, relay);
}

static bool
hook_peer_allowed(void *ctx, const struct stun_addr *peer)
{
	const struct dp_hook_ctx *h = ctx;

	return tp_peer_policy_allowed(h->policy, peer);
}

static int
hook_quota_acquire(void *ctx, const char *user, size_t len, uint32_t *handle)
{
	struct dp_hook_ctx *h = ctx;

	return tp_quota_acquire(h->quota, user, len, handle);
}

static void
hook_quota_release(void *ctx, uint32_t handle)
{
	struct dp_hook_ctx *h = ctx;

	tp_quota_release(h->quota, handle);
}

static bool
hook_challenge_admit(void *ctx, const struct stun_addr *client)
{
	struct dp_hook_ctx *h = ctx;

	return tp_ratelimit_allow(h->ratelimit, client, h->now_us);
}

/*
 * Allocation events: the per-family gauges always, and with a control
 * channel a record on the worker's event ring (never blocks: a full ring
 * drops the record and counts it). Permission and channel events are not
 * reported.
 */
static void
hook_event(void *ctx, enum turn_event ev, const struct turn_allocation *a)
{
	struct dp_hook_ctx *h = ctx;
	uint64_t *gauge = a->ft.client.family == STUN_FAMILY_IPV6 ? &h->active6 : &h->active4;

	switch (ev) {
	case TURN_EVENT_ALLOCATED:
		(*gauge)++;
		break;
	case TURN_EVENT_DELETED:
	case TURN_EVENT_EXPIRED:
		if (*gauge > 0)
			(*gauge)--;
		break;
	case TURN_EVENT_REFRESHED:
		break;
	default:
		return;
	}
	if (h->ev != NULL)
		dp_events_push(h->ev, ev, a, h->quota, h->now_s);
}

const struct turn_hooks dp_hooks = {
	.cred_lookup = hook_cred_lookup,
	.peer_allowed = hook_peer_allowed,
	.quota_acquire = hook_quota_acquire,
	.quota_release = hook_quota_release,
	.relay_alloc = hook_relay_alloc,
	.relay_free = hook_relay_free,
	.challenge_admit = hook_challenge_admit,
	.event = hook_event,
};

static int
policy_add(struct tp_peer_policy *p, int kind, const char *what, unsigned int i, int line,
	   const char *rule, char *why, size_t whylen)
{
	int rc;

	if (kind == 0)
		rc = tp_peer_policy_deny_always(p, rule);
	else
		rc = tp_peer_policy_add(p, kind > 0, rule);
	if (rc != 0 && why != NULL) {
		if (line > 0)
			snprintf(why, whylen, "line %d: %s[%u] \"%s\": %s", line, what, i, rule,
				 strerror(-rc));
		else
			snprintf(why, whylen, "%s[%u] \"%s\": %s", what, i, rule, strerror(-rc));
	}
	return rc;
}

struct tp_peer_policy *
dp_policy_build(const struct tp_config *cfg, const char *const *extra_deny,
		unsigned int n_extra_deny, const char *const *extra_allow,
		unsigned int n_extra_allow, char *why, size_t whylen)
{
	struct tp_peer_policy *p = tp_peer_policy_create(cfg->default_deny);
	int rc = 0;

	if (p == NULL)
		return NULL;
	for (unsigned int i = 0; rc == 0 && i < cfg->n_control_deny; i++)
		rc = policy_add(p, 0, "control endpoint", i, cfg->control_deny[i].line,
				cfg->control_deny[i].text, why, whylen);
	for (unsigned int i = 0; rc == 0 && i < cfg->n_deny; i++)
		rc = policy_add(p, -1, "peers.deny", i, cfg->deny[i].line, cfg->deny[i].text, why,
				whylen);
	for (unsigned int i = 0; rc == 0 && i < cfg->n_allow; i++)
		rc = policy_add(p, 1, "peers.allow", i, cfg->allow[i].line, cfg->allow[i].text,
				why, whylen);
	for (unsigned int i = 0; rc == 0 && i < n_extra_deny; i++)
		rc = policy_add(p, -1, "deny", i, 0, extra_deny[i], why, whylen);
	for (unsigned int i = 0; rc == 0 && i < n_extra_allow; i++)
		rc = policy_add(p, 1, "allow", i, 0, extra_allow[i], why, whylen);
	if (rc != 0) {
		tp_peer_policy_destroy(p);
		errno = -rc;
		return NULL;
	}
	return p;
}

int
dp_hook_ctx_init(struct dp_hook_ctx *h, const struct tp_config *cfg,
		 struct turn_relay_pool *pool, uint32_t max_allocations)
{
	char why[256];
	int rc;

	memset(h, 0, sizeof(*h));
	h->pool = pool;
	h->keys = keycache_create(DP_KEYCACHE_SETS, NULL);
	if (h->keys == NULL) {
		rc = -errno;
		fprintf(stderr, "key cache: %s\n", strerror(-rc));
		return rc;
	}
	/* config.c checked that every rule parses. */
	h->policy = dp_policy_build(cfg, NULL, 0, NULL, 0, why, sizeof(why));
	if (h->policy == NULL) {
		rc = -errno;
		if (rc == -EINVAL)
			fprintf(stderr, "%s: %s\n", cfg->path, why);
		goto fail;
	}
	/* With a control channel, events name the user of an allocation,
	 * which the allocation only knows through its quota handle. */
	if (cfg->control_socket[0] != '\0')
		h->quota = tp_quota_create_named(max_allocations, cfg->user_quota,
						 max_allocations ? max_allocations : 1u << 20);
	else
		h->quota = tp_quota_create(max_allocations, cfg->user_quota,
					   max_allocations ? max_allocations : 1u << 20);
	if (h->quota == NULL) {
		rc = -errno;
		fprintf(stderr, "%s: limits.max_allocations: %s\n", cfg->path, strerror(-rc));
		goto fail;
	}
	h->ratelimit = tp_ratelimit_create(DP_RATELIMIT_SLOTS, cfg->unauth_rate, cfg->unauth_burst);
	if (h->ratelimit == NULL) {
		rc = -errno;
		fprintf(stderr, "%s: limits.unauth_rate/unauth_burst: %s\n", cfg->path,
			strerror(-rc));
		goto fail;
	}
	return 0;

fail:
	dp_hook_ctx_fini(h);
	return rc;
}

void
dp_hook_ctx_fini(struct dp_hook_ctx *h)
{
	tp_ratelimit_destroy(h->ratelimit);
	tp_quota_destroy(h->quota);
	tp_peer_policy_destroy(h->policy);
	keycache_destroy(h->keys);
	h->ratelimit = NULL;
	h->quota = NULL;
	h->policy = NULL;
	h->keys = NULL;
}
