/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time policy: the file's part and the pushed part, and the
 * hand-over to workers through their mailboxes. See dp_update.h; the
 * ordering contract of the mailbox is at struct dp_mailbox in dp.h.
 *
 * Everything here but dp_update_take runs on the main lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "alloc_events.h"
#include "dp.h"
#include "dp_update.h"
#include "peer_policy.h"
#include "quota.h"

/* The main lcore's view of one worker's mailbox. */
struct upd_worker {
	bool need_policy, need_rest, need_quota, need_flush, need_announce;
	bool outstanding;                 /* an offer the worker has not acknowledged */
	uint32_t offered_gen;
	struct tp_peer_policy *current;   /* what the worker uses once it took the offer */
	struct tp_peer_policy *retire;    /* what it used before: freed after its ack */
	struct stun_rest_secrets *rest;   /* offered copy: freed after its ack */
	struct tp_peer_policy *offered;   /* offered policy (freed here if never taken) */
};

struct dp_update {
	struct dp *dp;
	/* The reloadable part of the file: users, REST secrets, peers,
	 * user_quota. Everything else is read from dp->cfg, the start-up
	 * configuration the process runs with. */
	struct tp_config *file;
	bool has_rest, has_rules, has_quota;
	struct ctl_rest_secrets rest;
	struct ctl_peer_rules rules;
	struct ctl_quotas quota;
	uint64_t max_bps_logged;
	struct upd_worker w[TP_CFG_MAX_WORKERS];
};

struct dp_update *
dp_update_create(struct dp *dp)
{
	struct dp_update *u = calloc(1, sizeof(*u));

	if (u == NULL)
		return NULL;
	u->file = malloc(sizeof(*u->file));
	if (u->file == NULL) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	*u->file = dp->cfg;
	u->dp = dp;
	for (unsigned int i = 0; i < dp->n_workers; i++)
		u->w[i].current = dp->workers[i]->hooks.policy;
	return u;
}

static void
rest_free(struct stun_rest_secrets *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void
dp_update_destroy(struct dp_update *u)
{
	if (u == NULL)
		return;
	for (unsigned int i = 0; i < u->dp->n_workers; i++) {
		struct upd_worker *st = &u->w[i];
		struct worker *w = u->dp->workers[i];

		if (st->outstanding) {
			if (__atomic_load_n(&w->mb.ack, __ATOMIC_ACQUIRE) == st->offered_gen)
				tp_peer_policy_destroy(st->retire);
			else
				/* Never taken: the worker still holds the old
				 * one, which dp_hook_ctx_fini frees. */
				tp_peer_policy_destroy(st->offered);
			rest_free(st->rest);
		}
	}
	explicit_bzero(&u->rest, sizeof(u->rest));
	explicit_bzero(u->file, sizeof(*u->file));
	free(u->file);
	free(u);
}

static void
mark_all(struct dp_update *u, bool policy, bool rest, bool quota, bool flush)
{
	for (unsigned int i = 0; i < u->dp->n_workers; i++) {
		u->w[i].need_policy |= policy;
		u->w[i].need_rest |= rest;
		u->w[i].need_quota |= quota;
		u->w[i].need_flush |= flush;
	}
}

/* ---- building the effective objects ---- */

/* The file's secrets, then the pushed ones; returns how many pushed ones
 * did not fit. */
static unsigned int
rest_build(const struct dp_update *u, const struct ctl_rest_secrets *pushed,
	   struct stun_rest_secrets *out)
{
	unsigned int dropped = 0;

	*out = u->file->rest;
	for (unsigned int i = 0; pushed != NULL && i < pushed->count; i++)
		if (stun_rest_secrets_add(out, pushed->secret[i].data, pushed->secret[i].len) != 0)
			dropped++;
	return dropped;
}

static struct tp_peer_policy *
policy_build(const struct dp_update *u, const struct tp_config *file,
	     const struct ctl_peer_rules *r, char *why, size_t whylen)
{
	const char *allow[CTL_MAX_RULES], *deny[CTL_MAX_RULES];
	unsigned int na = 0, nd = 0;

	(void)u;
	if (r != NULL) {
		for (unsigned int i = 0; i < r->n_allow && i < CTL_MAX_RULES; i++)
			allow[na++] = r->rule[i].text;
		for (unsigned int i = 0; i < r->n_deny && na + nd < CTL_MAX_RULES; i++)
			deny[nd++] = r->rule[r->n_allow + i].text;
	}
	return dp_policy_build(file, deny, nd, allow, na, why, whylen);
}

static void
quota_limits(const struct dp_update *u, uint32_t *total, uint32_t *user)
{
	const struct dp *dp = u->dp;
	unsigned int n = dp->n_workers ? dp->n_workers : 1;
	/* As worker_create sizes each worker's table. */
	uint32_t share = (uint32_t)(((uint64_t)dp->cfg.max_allocations + n - 1) / n);

	*total = share;
	*user = u->file->user_quota;
	if (u->has_quota) {
		*user = u->quota.user_quota;
		if (u->quota.total_quota != 0)
			*total = RTE_MIN(share,
					 (uint32_t)(((uint64_t)u->quota.total_quota + n - 1) / n));
	}
}

/* ---- pushes ---- */

int
dp_update_rest(struct dp_update *u, const struct ctl_rest_secrets *s, char *why, size_t whylen)
{
	struct stun_rest_secrets tmp;
	unsigned int dropped;

	(void)why;
	(void)whylen;
	dropped = rest_build(u, s, &tmp);
	explicit_bzero(&tmp, sizeof(tmp));
	if (dropped > 0)
		printf("control: REST_SECRETS: %u of %u pushed secret(s) left out: at most %u "
		       "are in force, the configuration file's first\n",
		       dropped, s->count, STUN_REST_MAX_SECRETS);
	fflush(stdout);
	u->rest = *s;
	u->has_rest = true;
	mark_all(u, false, true, false, false);
	return 0;
}

int
dp_update_rules(struct dp_update *u, const struct ctl_peer_rules *r, char *why, size_t whylen)
{
	struct tp_peer_policy *p;
	const char *bad;

	for (unsigned int i = 0; i < (unsigned int)r->n_allow + r->n_deny && i < CTL_MAX_RULES;
	     i++) {
		bool allow = i < r->n_allow;

		if (tp_peer_rule_check(r->rule[i].text, &bad) != 0) {
			snprintf(why, whylen, "%s[%u] \"%s\": %s", allow ? "allow" : "deny",
				 allow ? i : i - r->n_allow, r->rule[i].text, bad);
			return -EINVAL;
		}
	}
	/* A trial build catches what a syntax check cannot (capacity). */
	p = policy_build(u, u->file, r, why, whylen);
	if (p == NULL) {
		if (errno != EINVAL)
			snprintf(why, whylen, "%s", strerror(errno));
		return -EINVAL;
	}
	tp_peer_policy_destroy(p);
	u->rules = *r;
	u->has_rules = true;
	mark_all(u, true, false, false, false);
	return 0;
}

int
dp_update_quotas(struct dp_update *u, const struct ctl_quotas *q, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	if (q->max_bps != 0 && q->max_bps != u->max_bps_logged) {
		printf("control: QUOTAS: max_bps %llu accepted but not enforced by this dataplane\n",
		       (unsigned long long)q->max_bps);
		fflush(stdout);
		u->max_bps_logged = q->max_bps;
	}
	u->quota = *q;
	u->has_quota = true;
	mark_all(u, false, false, true, false);
	return 0;
}

uint64_t
dp_update_max_bps(const struct dp_update *u)
{
	return u->has_quota ? u->quota.max_bps : 0;
}

/* ---- reload ---- */

int
dp_update_reload(struct dp_update *u, char *why, size_t whylen)
{
	struct dp *dp = u->dp;
	struct tp_config *n = malloc(sizeof(*n));
	struct dp_users *users;
	char diff[512];

	if (n == NULL) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -EINVAL;
	}
	if (tp_config_load(dp->cfg.path, n, why, whylen) != 0) {
		explicit_bzero(n, sizeof(*n));
		free(n);
		return -EINVAL;
	}
	users = dp_users_create(n);
	if (users == NULL) {
		snprintf(why, whylen, "users: %s", strerror(ENOMEM));
		explicit_bzero(n, sizeof(*n));
		free(n);
		return -EINVAL;
	}
	if (tp_config_restart_diff(&dp->cfg, n, diff, sizeof(diff)) > 0)
		printf("reload: %s changed in %s; left as they are until a restart\n", diff,
		       dp->cfg.path);
	/* The control plane's endpoints are part of the restart-only
	 * settings: keep the ones the process started with. */
	memcpy(n->control_deny, dp->cfg.control_deny, sizeof(n->control_deny));
	n->n_control_deny = dp->cfg.n_control_deny;

	/* Only the main lcore reads the user store. */
	dp_users_destroy(dp->users);
	dp->users = users;
	explicit_bzero(u->file, sizeof(*u->file));
	free(u->file);
	u->file = n;
	/* Removed users and changed passwords must not live on in the key
	 * caches for their TTL. */
	mark_all(u, true, true, true, true);
	printf("reload: %s: %u user(s), %u REST secret(s) from the file, %u allow and %u deny "
	       "peer rule(s), user_quota %u\n",
	       n->path, n->n_users, n->rest.n, n->n_allow, n->n_deny, n->user_quota);
	fflush(stdout);
	return 0;
}

void
dp_update_announce(struct dp_update *u)
{
	for (unsigned int i = 0; i < u->dp->n_workers; i++)
		u->w[i].need_announce = true;
}

/* ---- the hand-over ---- */

/*
 * Offer worker @i what changed. A policy or secret set that cannot be
 * built now (out of memory) stays marked and is tried again next tick.
 */
static void
offer(struct dp_update *u, unsigned int i)
{
	struct upd_worker *st = &u->w[i];
	struct worker *w = u->dp->workers[i];
	struct dp_mailbox *mb = &w->mb;
	char why[256];

	mb->policy = NULL;
	mb->rest = NULL;
	mb->set_quota = false;
	mb->flush_keys = false;
	mb->announce = false;
	st->offered = NULL;
	st->retire = NULL;
	st->rest = NULL;
	if (st->need_policy) {
		mb->policy = policy_build(u, u->file, u->has_rules ? &u->rules : NULL, why,
					  sizeof(why));
		if (mb->policy != NULL) {
			st->offered = mb->policy;
			st->retire = st->current;
			st->current = mb->policy;
			st->need_policy = false;
		}
	}
	if (st->need_rest) {
		st->rest = malloc(sizeof(*st->rest));
		if (st->rest != NULL) {
			rest_build(u, u->has_rest ? &u->rest : NULL, st->rest);
			mb->rest = st->rest;
			st->need_rest = false;
		}
	}
	if (st->need_quota) {
		quota_limits(u, &mb->quota_total, &mb->quota_user);
		mb->set_quota = true;
		st->need_quota = false;
	}
	mb->flush_keys = st->need_flush;
	mb->announce = st->need_announce;
	st->need_flush = false;
	st->need_announce = false;
	st->offered_gen = mb->gen + 1;
	st->outstanding = true;
	/* Release: every field above is visible before the new generation. */
	__atomic_store_n(&mb->gen, st->offered_gen, __ATOMIC_RELEASE);
}

void
dp_update_tick(struct dp_update *u)
{
	for (unsigned int i = 0; i < u->dp->n_workers; i++) {
		struct upd_worker *st = &u->w[i];
		struct worker *w = u->dp->workers[i];

		if (st->outstanding) {
			/* Acquire, matching the worker's release of @ack. */
			if (__atomic_load_n(&w->mb.ack, __ATOMIC_ACQUIRE) != st->offered_gen)
				continue;
			tp_peer_policy_destroy(st->retire);
			rest_free(st->rest);
			st->retire = NULL;
			st->rest = NULL;
			st->offered = NULL;
			st->outstanding = false;
		}
		if (st->need_policy || st->need_rest || st->need_quota || st->need_flush ||
		    st->need_announce)
			offer(u, i);
	}
}

/* Worker side. */
void
dp_update_take(struct worker *w)
{
	struct dp_mailbox *mb = &w->mb;
	/* Acquire, matching the main lcore's release of @gen. */
	uint32_t gen = __atomic_load_n(&mb->gen, __ATOMIC_ACQUIRE);

	if (gen == w->mb_seen)
		return;
	if (mb->policy != NULL)
		w->hooks.policy = mb->policy;
	if (mb->rest != NULL)
		w->rest = *mb->rest;
	if (mb->set_quota)
		tp_quota_set_limits(w->hooks.quota, mb->quota_total, mb->quota_user);
	if (mb->flush_keys)
		keycache_flush(w->hooks.keys);
	if (mb->announce)
		dp_events_announce(w, true, 0);
	w->mb_seen = gen;
	/* Release: the main lcore frees what was replaced only after this. */
	__atomic_store_n(&mb->ack, gen, __ATOMIC_RELEASE);
}
