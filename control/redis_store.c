/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn's Redis schema on top of two redis_conn connections: see
 * redis_store.h and docs/redis.md.
 *
 *   conn  commands: GET user keys, the policy refresh (seven pipelined
 *         reads), CONFIG GET/SET notify-keyspace-events, statsdb writes
 *   sub   PSUBSCRIBE to the keyspace channels of the keys we read
 *
 * The policy refresh runs on connect, every redis.refresh seconds, on
 * cp_redis_refresh() and 50 ms after a keyspace notification (so a burst
 * of changes costs one refresh). Only one runs at a time; a request
 * during one runs another when it finishes. A refresh that fails (the
 * connection drops, or Redis refuses a read) changes nothing.
 *
 * Statsdb events wait in a bounded FIFO while the connection is down or
 * busy and are sent in order when it is up again.
 */
#include "redis_store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <event2/event.h>

#include "cred_cache.h"
#include "redis_conn.h"
#include "statsdb.h"
#include "stun_cred.h"

#define NEG_TTL 2                  /* seconds a NOT_FOUND may be cached */
#define STATSDB_QUEUE_MAX 10000    /* events waiting for Redis */
#define MAX_API_KEYS 1024
#define NOTIFY_DELAY_MS 50
#define KEY_NAME_MAX (16 + CTL_MAX_REALM + 6 + CTL_MAX_USER + 5)
#define N_PATTERNS 8

/* One-time warnings, so a bad set does not log every refresh. */
enum {
	WARN_SECRETS_CAP = 1u << 0,
	WARN_BAD_SECRET = 1u << 1,
	WARN_RULES_CAP = 1u << 2,
	WARN_BAD_RULE = 1u << 3,
	WARN_BAD_QUOTA = 1u << 4,
	WARN_BAD_APIKEY = 1u << 5,
	WARN_APIKEYS_CAP = 1u << 6,
	WARN_WRONGTYPE = 1u << 7,
	WARN_NOTIFY = 1u << 8,
	WARN_SUBSCRIBE = 1u << 9,
};

struct sev {
	struct sev *next;
	uint64_t instance_id;
	uint64_t queued_ms;
	struct ctl_alloc_event ev;
};

struct cp_redis {
	struct cp *cp;
	struct redis_conn *conn, *sub;
	struct cred_cache *cache;
	struct event *refresh_ev, *notify_ev;
	bool destroying;

	struct cp_redis_policy policy;
	uint8_t (*api)[32];
	unsigned int n_api;

	/* The refresh in flight. */
	bool refreshing, refresh_again, rf_failed;
	unsigned int rf_left;
	struct cp_redis_policy next;
	uint8_t (*next_api)[32];
	unsigned int next_n_api;

	struct sev *q_head, *q_tail;
	unsigned int q_len;

	unsigned int warned;
	char last_err[160];
	char prefix[16 + CTL_MAX_REALM + 2]; /* "turn/realm/<realm>/" */
	char chan_prefix[32];                /* "__keyspace@<db>__:" */
};

struct lookup {
	struct cp_redis *r;
	cp_key_cb cb;
	void *arg;
	uint16_t len;
	char user[CTL_MAX_USER + 1];
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void warn_once(struct cp_redis *r, unsigned int bit, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
warn_once(struct cp_redis *r, unsigned int bit, const char *fmt, ...)
{
	va_list ap;

	if (r->warned & bit)
		return;
	r->warned |= bit;
	fprintf(stderr, "redis: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Log a Redis error reply unless it is the one logged last. */
static void
log_error_reply(struct cp_redis *r, const char *what, const redisReply *reply)
{
	char msg[160];

	r->cp->stats.redis_errors++;
	snprintf(msg, sizeof(msg), "%s: %.*s", what, (int)(reply->len > 120 ? 120 : reply->len),
		 reply->str);
	if (strcmp(msg, r->last_err) == 0)
		return;
	snprintf(r->last_err, sizeof(r->last_err), "%s", msg);
	fprintf(stderr, "redis: %s\n", msg);
}

static void
key_name(const struct cp_redis *r, char *buf, size_t cap, const char *suffix)
{
	snprintf(buf, cap, "%s%s", r->prefix, suffix);
}

/* ---- credential lookups ---- */

static bool
user_ok(const char *u, size_t len)
{
	size_t i;

	if (len == 0 || len > CTL_MAX_USER)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)u[i];

		if (ch == '/' || ch < 0x20 || ch == 0x7f)
			return false;
	}
	return true;
}

/* Redis cannot answer: the cache within cache_ttl, else ERROR. */
static void
answer_fallback(struct cp_redis *r, const char *user, size_t len, cp_key_cb cb, void *arg)
{
	uint8_t key[CRED_CACHE_KEY_LEN];
	uint64_t now = mono_ms() / 1000;

	if (!r->destroying &&
	    cred_cache_get(r->cache, user, len, now, r->cp->cc.redis.cache_ttl, key)) {
		r->cp->stats.lookup_cache++;
		cb(arg, CTL_CRED_FOUND, key, sizeof(key), r->cp->cc.redis.key_ttl);
		explicit_bzero(key, sizeof(key));
		return;
	}
	r->cp->stats.lookup_error++;
	cb(arg, CTL_CRED_ERROR, NULL, 0, 0);
}

static bool
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

static void
lookup_done(void *arg, const redisReply *reply)
{
	struct lookup *l = arg;
	struct cp_redis *r = l->r;
	uint8_t key[STUN_KEY_MD5_LEN];
	char kn[KEY_NAME_MAX + 16];

	if (!reply) {
		answer_fallback(r, l->user, l->len, l->cb, l->arg);
		goto out;
	}
	if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "WRONGTYPE", 9) != 0) {
		log_error_reply(r, "GET of a user key", reply);
		answer_fallback(r, l->user, l->len, l->cb, l->arg);
		goto out;
	}
	/* coturn: at least 32 hex characters, the first 32 are the key. */
	if (reply->type == REDIS_REPLY_STRING && reply->len >= 32 && is_hex(reply->str, 32) &&
	    stun_key_from_hex(reply->str, 32, key, sizeof(key)) == 0) {
		cred_cache_put(r->cache, l->user, l->len, key, mono_ms() / 1000);
		r->cp->stats.lookup_redis++;
		l->cb(l->arg, CTL_CRED_FOUND, key, sizeof(key), r->cp->cc.redis.key_ttl);
		explicit_bzero(key, sizeof(key));
		goto out;
	}
	if (reply->type != REDIS_REPLY_NIL) {
		snprintf(kn, sizeof(kn), "%suser/%s/key", r->prefix, l->user);
		fprintf(stderr, "redis: %s is not a hex MD5 key (coturn format); user not found\n",
			kn);
	}
	cred_cache_remove(r->cache, l->user, l->len);
	r->cp->stats.lookup_not_found++;
	l->cb(l->arg, CTL_CRED_NOT_FOUND, NULL, 0, NEG_TTL);
out:
	free(l);
}

int
cp_redis_lookup_key(struct cp_redis *r, const char *user, size_t len, cp_key_cb cb, void *arg)
{
	char kn[KEY_NAME_MAX + 16];
	struct lookup *l;
	int n;

	if (!user_ok(user, len)) {
		r->cp->stats.lookup_not_found++;
		cb(arg, CTL_CRED_NOT_FOUND, NULL, 0, NEG_TTL);
		return -EINVAL;
	}
	if (!redis_conn_up(r->conn)) {
		answer_fallback(r, user, len, cb, arg);
		return 0;
	}
	l = malloc(sizeof(*l));
	if (!l) {
		answer_fallback(r, user, len, cb, arg);
		return 0;
	}
	l->r = r;
	l->cb = cb;
	l->arg = arg;
	l->len = (uint16_t)len;
	memcpy(l->user, user, len);
	l->user[len] = '\0';
	n = snprintf(kn, sizeof(kn), "%suser/%s/key", r->prefix, l->user);
	if (n < 0 || (size_t)n >= sizeof(kn) ||
	    redis_conn_cmd(r->conn, lookup_done, l, "GET", kn, NULL) != 0) {
		free(l);
		answer_fallback(r, user, len, cb, arg);
	}
	return 0;
}

/* ---- policy refresh ---- */

static int
cmp_member(const void *a, const void *b)
{
	const redisReply *x = *(const redisReply *const *)a, *y = *(const redisReply *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->str, y->str, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* The string members of a set reply, sorted; NULL (count 0) for nil or
 * an empty set. -EINVAL for a reply that is not a set (logged). */
static int
members(struct cp_redis *r, const redisReply *reply, const char *what,
	const redisReply ***out, size_t *count)
{
	const redisReply **v;
	size_t i, n = 0;

	*out = NULL;
	*count = 0;
	if (!reply) {
		r->rf_failed = true;
		return -EINVAL;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		if (strncmp(reply->str, "WRONGTYPE", 9) == 0) {
			warn_once(r, WARN_WRONGTYPE, "%s is not a set; treated as empty", what);
			return 0;
		}
		log_error_reply(r, what, reply);
		r->rf_failed = true;
		return -EINVAL;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
		return 0;
	v = calloc(reply->elements, sizeof(*v));
	if (!v) {
		r->rf_failed = true;
		return -ENOMEM;
	}
	for (i = 0; i < reply->elements; i++)
		if (reply->element[i]->type == REDIS_REPLY_STRING)
			v[n++] = reply->element[i];
	qsort(v, n, sizeof(*v), cmp_member);
	*out = v;
	*count = n;
	return 0;
}

static void refresh_step(struct cp_redis *r);

static void
rf_secrets(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;
	const redisReply **v;
	size_t i, n;

	if (members(r, reply, "turn/realm/<realm>/secret", &v, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (v[i]->len == 0 || v[i]->len > STUN_REST_SECRET_MAX) {
				warn_once(r, WARN_BAD_SECRET,
					  "%ssecret: a member is empty or over %d bytes; ignored",
					  r->prefix, STUN_REST_SECRET_MAX);
				continue;
			}
			if (r->next.secrets.n == STUN_REST_MAX_SECRETS) {
				warn_once(r, WARN_SECRETS_CAP,
					  "%ssecret holds more than %d secrets; the first in byte order are used",
					  r->prefix, STUN_REST_MAX_SECRETS);
				break;
			}
			stun_rest_secrets_add(&r->next.secrets, v[i]->str, v[i]->len);
		}
		free(v);
	}
	refresh_step(r);
}

static bool
rule_ok(const redisReply *m)
{
	size_t i;

	if (m->len == 0 || m->len > CTL_MAX_RULE)
		return false;
	for (i = 0; i < m->len; i++)
		if ((unsigned char)m->str[i] < 0x21 || (unsigned char)m->str[i] > 0x7e)
			return false;
	return true;
}

/* Denied entries are kept first: when the two sets together exceed
 * CTL_MAX_RULES, dropping allow entries is the safe side. */
static void
fill_rules(struct cp_redis *r, const redisReply *reply, bool deny)
{
	const redisReply **v;
	size_t i, n;
	unsigned int *cnt = deny ? &r->next.n_deny : &r->next.n_allow;
	char (*dst)[CTL_MAX_RULE + 1] = deny ? r->next.deny : r->next.allow;

	if (members(r, reply, deny ? "denied-peer-ip" : "allowed-peer-ip", &v, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (!rule_ok(v[i])) {
			warn_once(r, WARN_BAD_RULE,
				  "%s{allowed,denied}-peer-ip: a member is not 1..%d printable ASCII bytes; ignored",
				  r->prefix, CTL_MAX_RULE);
			continue;
		}
		if (r->next.n_allow + r->next.n_deny >= CTL_MAX_RULES) {
			warn_once(r, WARN_RULES_CAP,
				  "%s{allowed,denied}-peer-ip hold more than %d entries together; denied entries first, the rest ignored",
				  r->prefix, CTL_MAX_RULES);
			break;
		}
		memcpy(dst[*cnt], v[i]->str, v[i]->len);
		dst[*cnt][v[i]->len] = '\0';
		(*cnt)++;
	}
	free(v);
}

static void
rf_deny(void *arg, const redisReply *reply)
{
	fill_rules(arg, reply, true);
	refresh_step(arg);
}

static void
rf_allow(void *arg, const redisReply *reply)
{
	fill_rules(arg, reply, false);
	refresh_step(arg);
}

/* A quota string: decimal digits only, at most @max. */
static void
quota(struct cp_redis *r, const redisReply *reply, const char *what, uint64_t max, bool *has,
      uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (!reply) {
		r->rf_failed = true;
		return;
	}
	if (reply->type == REDIS_REPLY_NIL)
		return;
	if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "WRONGTYPE", 9) != 0) {
		log_error_reply(r, what, reply);
		r->rf_failed = true;
		return;
	}
	if (reply->type != REDIS_REPLY_STRING || reply->len == 0 || reply->len > 20)
		goto bad;
	for (i = 0; i < reply->len; i++) {
		unsigned int d = (unsigned char)reply->str[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	*has = true;
	*val = v;
	return;
bad:
	warn_once(r, WARN_BAD_QUOTA,
		  "%s%s: not a decimal number in range; ignored (other quota keys likewise)",
		  r->prefix, what);
}

static void
rf_user_quota(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;
	uint64_t v = 0;

	quota(r, reply, "user-quota", UINT32_MAX, &r->next.has_user_quota, &v);
	r->next.user_quota = (uint32_t)v;
	refresh_step(r);
}

static void
rf_total_quota(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;
	uint64_t v = 0;

	quota(r, reply, "total-quota", UINT32_MAX, &r->next.has_total_quota, &v);
	r->next.total_quota = (uint32_t)v;
	refresh_step(r);
}

static void
rf_max_bps(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;

	quota(r, reply, "max-bps", UINT64_MAX, &r->next.has_max_bps, &r->next.max_bps);
	refresh_step(r);
}

static void
rf_api_keys(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;
	const redisReply **v;
	size_t i, n;

	if (members(r, reply, "turnpike/api-keys", &v, &n) == 0 && n > 0) {
		r->next_api = calloc(n < MAX_API_KEYS ? n : MAX_API_KEYS, 32);
		if (!r->next_api) {
			r->rf_failed = true;
		} else {
			for (i = 0; i < n; i++) {
				if (r->next_n_api == MAX_API_KEYS) {
					warn_once(r, WARN_APIKEYS_CAP,
						  "turnpike/api-keys holds more than %d keys; the rest are ignored",
						  MAX_API_KEYS);
					break;
				}
				if (v[i]->len != 64 ||
				    stun_key_from_hex(v[i]->str, 64, r->next_api[r->next_n_api], 32) != 0) {
					warn_once(r, WARN_BAD_APIKEY,
						  "%s",
						  "turnpike/api-keys: a member is not 64 hex digits (SHA-256); ignored");
					continue;
				}
				r->next_n_api++;
			}
		}
	}
	free(v);
	refresh_step(r);
}

static int
cmp_key32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void start_refresh(struct cp_redis *r);

static bool
secret_in(const struct stun_rest_secrets *set, const uint8_t *val, uint16_t len)
{
	for (unsigned int i = 0; i < set->n; i++)
		if (set->s[i].len == len && memcmp(set->s[i].val, val, len) == 0)
			return true;
	return false;
}

/*
 * A Redis set has no order, but the ICE API mints with the first secret,
 * and a rotation (SADD the new one, later SREM the old) must switch to
 * the new one at once. So: secrets seen for the first time go first (in
 * byte order among themselves, as read), then the ones already known, in
 * the order they had. At start-up everything is new: byte order.
 */
static void
secrets_newest_first(const struct stun_rest_secrets *prev, struct stun_rest_secrets *next)
{
	struct stun_rest_secrets out;

	memset(&out, 0, sizeof(out));
	for (unsigned int i = 0; i < next->n; i++)
		if (!secret_in(prev, next->s[i].val, next->s[i].len))
			stun_rest_secrets_add(&out, next->s[i].val, next->s[i].len);
	for (unsigned int i = 0; i < prev->n; i++)
		if (secret_in(next, prev->s[i].val, prev->s[i].len))
			stun_rest_secrets_add(&out, prev->s[i].val, prev->s[i].len);
	*next = out;
}

static void
refresh_finish(struct cp_redis *r)
{
	bool changed;

	r->refreshing = false;
	if (r->rf_failed || r->destroying) {
		free(r->next_api);
		r->next_api = NULL;
		return;
	}
	if (r->next_n_api > 1)
		qsort(r->next_api, r->next_n_api, 32, cmp_key32);
	free(r->api);
	r->api = r->next_api;
	r->n_api = r->next_n_api;
	r->next_api = NULL;

	r->next.valid = true;
	secrets_newest_first(&r->policy.secrets, &r->next.secrets);
	changed = memcmp(&r->next, &r->policy, sizeof(r->policy)) != 0;
	if (changed) {
		memcpy(&r->policy, &r->next, sizeof(r->policy));
		cp_policy_changed(r->cp);
	}
	if (r->refresh_again) {
		r->refresh_again = false;
		start_refresh(r);
	}
}

static void
refresh_step(struct cp_redis *r)
{
	if (--r->rf_left == 0)
		refresh_finish(r);
}

/* Seven reads, pipelined; refresh_finish runs after the last reply. */
static void
start_refresh(struct cp_redis *r)
{
	static const struct {
		const char *cmd, *suffix;
		redis_reply_cb cb;
	} reads[] = {
		{"SMEMBERS", "secret", rf_secrets},
		{"SMEMBERS", "denied-peer-ip", rf_deny},
		{"SMEMBERS", "allowed-peer-ip", rf_allow},
		{"GET", "user-quota", rf_user_quota},
		{"GET", "total-quota", rf_total_quota},
		{"GET", "max-bps", rf_max_bps},
		{"SMEMBERS", NULL, rf_api_keys},
	};
	char kn[KEY_NAME_MAX];
	size_t i;

	if (r->destroying || !redis_conn_up(r->conn))
		return;
	if (r->refreshing) {
		r->refresh_again = true;
		return;
	}
	/* Zeroed whole, so memcmp against the previous policy is exact. */
	memset(&r->next, 0, sizeof(r->next));
	r->next_api = NULL;
	r->next_n_api = 0;
	r->rf_failed = false;
	r->rf_left = 0;
	r->refreshing = true;
	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		if (reads[i].suffix)
			key_name(r, kn, sizeof(kn), reads[i].suffix);
		else
			snprintf(kn, sizeof(kn), "turnpike/api-keys");
		if (redis_conn_cmd(r->conn, reads[i].cb, r, reads[i].cmd, kn, NULL) != 0) {
			r->rf_failed = true;
			break;
		}
		r->rf_left++;
	}
	if (r->rf_left == 0)
		refresh_finish(r); /* nothing was sent: nothing will call back */
}

void
cp_redis_refresh(struct cp_redis *r)
{
	start_refresh(r);
}

static void
refresh_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_refresh(arg);
}

/* ---- keyspace notifications ---- */

static void
notify_set_done(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;

	if (reply && reply->type == REDIS_REPLY_ERROR)
		warn_once(r, WARN_NOTIFY,
			  "cannot enable keyspace notifications (%s); changes are seen within redis.refresh (%u s)",
			  reply->str, (unsigned int)r->cp->cc.redis.refresh);
}

/* Add the classes we need (K keyspace, g generic, $ string, s set, x
 * expired) to whatever the server already has, so other users of
 * notifications keep theirs. */
static void
notify_get_done(void *arg, const redisReply *reply)
{
	static const char need[] = "Kg$sx";
	struct cp_redis *r = arg;
	char have[64] = "", want[80];
	size_t i, n;

	if (!reply)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		notify_set_done(r, reply);
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[1]->type == REDIS_REPLY_STRING && reply->element[1]->len < sizeof(have)) {
		memcpy(have, reply->element[1]->str, reply->element[1]->len);
		have[reply->element[1]->len] = '\0';
	}
	n = (size_t)snprintf(want, sizeof(want), "%s", have);
	for (i = 0; i < sizeof(need) - 1; i++) {
		bool in_a = strchr("g$lshzxet", need[i]) != NULL && strchr(have, 'A') != NULL;

		if (!strchr(have, need[i]) && !in_a && n + 1 < sizeof(want)) {
			want[n++] = need[i];
			want[n] = '\0';
		}
	}
	if (strcmp(want, have) == 0)
		return;
	if (redis_conn_cmd(r->conn, notify_set_done, r, "CONFIG", "SET",
			   "notify-keyspace-events", want, NULL) != 0)
		return;
}

/* Escape glob characters of @s into @out (PSUBSCRIBE patterns). */
static void
glob_escape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s && n + 2 < cap; s++) {
		if (strchr("*?[]\\", *s))
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
}

static void
sub_done(void *arg, const redisReply *reply)
{
	struct cp_redis *r = arg;

	if (reply && reply->type == REDIS_REPLY_ERROR)
		warn_once(r, WARN_SUBSCRIBE,
			  "cannot subscribe to keyspace notifications (%s); changes are seen within redis.refresh (%u s)",
			  reply->str, (unsigned int)r->cp->cc.redis.refresh);
}

static void
subscribe_all(struct cp_redis *r)
{
	static const char *const suffixes[N_PATTERNS] = {
		"user/*/key", "secret", "allowed-peer-ip", "denied-peer-ip",
		"user-quota", "total-quota", "max-bps", NULL,
	};
	char realm[2 * CTL_MAX_REALM + 1], pat[2 * KEY_NAME_MAX];
	unsigned int i;

	glob_escape(r->cp->tp.realm, realm, sizeof(realm));
	for (i = 0; i < N_PATTERNS; i++) {
		if (suffixes[i])
			snprintf(pat, sizeof(pat), "%sturn/realm/%s/%s", r->chan_prefix, realm,
				 suffixes[i]);
		else
			snprintf(pat, sizeof(pat), "%sturnpike/api-keys", r->chan_prefix);
		if (redis_conn_cmd(r->sub, sub_done, r, "PSUBSCRIBE", pat, NULL) != 0)
			return;
	}
}

static void
notify_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_refresh(arg);
}

static void
on_push(void *arg, const redisReply *msg)
{
	struct cp_redis *r = arg;
	const redisReply *ch = msg->element[msg->elements - 2];
	size_t cpl = strlen(r->chan_prefix), pl = strlen(r->prefix);
	const char *key;
	size_t klen;
	struct timeval tv = {0, NOTIFY_DELAY_MS * 1000};

	if (ch->type != REDIS_REPLY_STRING || ch->len < cpl ||
	    memcmp(ch->str, r->chan_prefix, cpl) != 0)
		return;
	key = ch->str + cpl;
	klen = ch->len - cpl;
	/* turn/realm/<realm>/user/<user>/key: forget the cached key. */
	if (klen > pl + 5 + 4 && memcmp(key, r->prefix, pl) == 0 &&
	    memcmp(key + pl, "user/", 5) == 0 && memcmp(key + klen - 4, "/key", 4) == 0) {
		cred_cache_remove(r->cache, key + pl + 5, klen - pl - 5 - 4);
		return;
	}
	/* Anything else we subscribed to is policy: one refresh per burst. */
	if (!evtimer_pending(r->notify_ev, NULL))
		evtimer_add(r->notify_ev, &tv);
}

/* ---- statsdb ---- */

struct ev_track {
	struct cp_redis *r;
	unsigned int left;
	bool failed;
};

static void flush_queue(struct cp_redis *r);

static void
ev_done(void *arg, const redisReply *reply)
{
	struct ev_track *t = arg;
	struct cp_redis *r = t->r;

	if (!reply || reply->type == REDIS_REPLY_ERROR) {
		if (reply)
			log_error_reply(r, "statsdb write", reply);
		t->failed = true;
	}
	if (--t->left > 0)
		return;
	if (t->failed)
		r->cp->stats.statsdb_dropped++;
	else
		r->cp->stats.statsdb_writes++;
	free(t);
	if (!r->destroying && r->q_head)
		flush_queue(r);
}

/* Send one event's commands. -ENOTCONN/-ENOBUFS: nothing was sent (the
 * caller queues it); 0: sent (or invalid and counted as dropped). */
static int
send_event(struct cp_redis *r, const struct ctl_alloc_event *ev, uint64_t instance_id,
	   uint64_t elapsed_s)
{
	struct statsdb_op ops[STATSDB_MAX_OPS];
	struct ev_track *t;
	int n, i, rc;

	n = statsdb_plan(ev, r->cp->tp.realm, instance_id, r->cp->cc.redis.status_grace, ops);
	if (n <= 0) {
		r->cp->stats.statsdb_dropped++;
		return 0;
	}
	if (!redis_conn_up(r->conn))
		return -ENOTCONN;
	if (redis_conn_pending(r->conn) + STATSDB_MAX_OPS > REDIS_CONN_MAX_PENDING / 2)
		return -ENOBUFS;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOBUFS;
	t->r = r;
	for (i = 0; i < n; i++) {
		char ex[24];
		const struct statsdb_op *op = &ops[i];

		switch (op->cmd) {
		case STATSDB_SET:
			/* A queued event's status key expires when it would have. */
			if (op->ex <= elapsed_s)
				continue;
			snprintf(ex, sizeof(ex), "%llu", (unsigned long long)(op->ex - elapsed_s));
			rc = redis_conn_cmd(r->conn, ev_done, t, "SET", op->key, op->val, "EX", ex,
					    NULL);
			break;
		case STATSDB_PUBLISH:
			rc = redis_conn_cmd(r->conn, ev_done, t, "PUBLISH", op->key, op->val, NULL);
			break;
		default:
			rc = redis_conn_cmd(r->conn, ev_done, t, "DEL", op->key, NULL);
			break;
		}
		if (rc != 0) {
			if (t->left == 0) {
				free(t);
				return rc;
			}
			t->failed = true;
			break;
		}
		t->left++;
	}
	if (t->left == 0) { /* every op skipped: nothing to wait for */
		free(t);
		r->cp->stats.statsdb_writes++;
	}
	return 0;
}

static void
flush_queue(struct cp_redis *r)
{
	uint64_t now = mono_ms();

	while (r->q_head) {
		struct sev *s = r->q_head;

		if (send_event(r, &s->ev, s->instance_id, (now - s->queued_ms) / 1000) != 0)
			return;
		r->q_head = s->next;
		if (!r->q_head)
			r->q_tail = NULL;
		r->q_len--;
		free(s);
	}
}

void
cp_redis_alloc_event(struct cp_redis *r, const struct ctl_alloc_event *ev, uint64_t dp_instance_id)
{
	struct sev *s;

	if (!r->cp->cc.redis.stats)
		return;
	if (!r->q_head && send_event(r, ev, dp_instance_id, 0) == 0)
		return;
	if (r->q_len >= STATSDB_QUEUE_MAX || (s = malloc(sizeof(*s))) == NULL) {
		r->cp->stats.statsdb_dropped++;
		return;
	}
	s->next = NULL;
	s->instance_id = dp_instance_id;
	s->queued_ms = mono_ms();
	s->ev = *ev;
	if (r->q_tail)
		r->q_tail->next = s;
	else
		r->q_head = s;
	r->q_tail = s;
	r->q_len++;
}

/* ---- connection states ---- */

static void
main_state(void *arg, bool up, const char *why)
{
	struct cp_redis *r = arg;

	(void)why;
	if (!up) {
		r->cp->stats.redis_errors++;
		return;
	}
	r->cp->stats.redis_connects++;
	r->last_err[0] = '\0';
	redis_conn_cmd(r->conn, notify_get_done, r, "CONFIG", "GET", "notify-keyspace-events",
		       NULL);
	start_refresh(r);
	flush_queue(r);
}

static void
sub_state(void *arg, bool up, const char *why)
{
	struct cp_redis *r = arg;

	(void)why;
	if (!up)
		return;
	subscribe_all(r);
	/* Changes made while we were not listening. */
	start_refresh(r);
}

/* ---- life cycle and queries ---- */

struct cp_redis *
cp_redis_create(struct cp *cp)
{
	struct cp_redis *r = calloc(1, sizeof(*r));
	struct redis_conn_hooks mh = {.name = "redis", .on_state = main_state};
	struct redis_conn_hooks sh = {.name = "redis-sub", .subscriber = true,
				      .on_state = sub_state, .on_push = on_push};
	uint32_t every = cp->cc.redis.refresh ? cp->cc.redis.refresh : 1;
	struct timeval tv = {every, 0};
	uint64_t seed = cp->instance_id;

	if (!r) {
		fprintf(stderr, "redis: out of memory\n");
		return NULL;
	}
	r->cp = cp;
	snprintf(r->prefix, sizeof(r->prefix), "turn/realm/%s/", cp->tp.realm);
	snprintf(r->chan_prefix, sizeof(r->chan_prefix), "__keyspace@%u__:", cp->cc.redis.db);
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed ^= mono_ms();
	r->cache = cred_cache_create(CRED_CACHE_DEFAULT_CAPACITY, seed);
	r->refresh_ev = event_new(cp->base, -1, EV_PERSIST, refresh_tick, r);
	r->notify_ev = evtimer_new(cp->base, notify_tick, r);
	if (!r->cache || !r->refresh_ev || !r->notify_ev) {
		fprintf(stderr, "redis: out of memory\n");
		goto fail;
	}
	mh.arg = sh.arg = r;
	r->conn = redis_conn_create(cp->base, &cp->cc.redis, &mh);
	if (!r->conn)
		goto fail;
	r->sub = redis_conn_create(cp->base, &cp->cc.redis, &sh);
	if (!r->sub)
		goto fail;
	event_add(r->refresh_ev, &tv);
	return r;
fail:
	cp_redis_destroy(r);
	return NULL;
}

void
cp_redis_destroy(struct cp_redis *r)
{
	struct sev *s;

	if (!r)
		return;
	r->destroying = true;
	/* Pending lookups answer ERROR (answer_fallback sees destroying). */
	redis_conn_destroy(r->conn);
	redis_conn_destroy(r->sub);
	if (r->refresh_ev)
		event_free(r->refresh_ev);
	if (r->notify_ev)
		event_free(r->notify_ev);
	while ((s = r->q_head) != NULL) {
		r->q_head = s->next;
		free(s);
	}
	free(r->api);
	free(r->next_api);
	cred_cache_destroy(r->cache);
	explicit_bzero(r, sizeof(*r));
	free(r);
}

bool
cp_redis_up(const struct cp_redis *r)
{
	return r && redis_conn_up(r->conn);
}

const struct cp_redis_policy *
cp_redis_policy(const struct cp_redis *r)
{
	return &r->policy;
}

bool
cp_redis_api_key_known(const struct cp_redis *r, const uint8_t sha256[32])
{
	return r->n_api > 0 && bsearch(sha256, r->api, r->n_api, 32, cmp_key32) != NULL;
}
