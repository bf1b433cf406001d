/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpikectl's Redis commands: users, REST secrets, API keys, peer
 * rules and quotas, written in coturn's key schema (redis_store.h) so
 * that coturn's own turnadmin and turnpikectl can manage the same
 * database. Every write is one synchronous command; listing uses SCAN
 * (never KEYS, which blocks the server) or SMEMBERS of one set.
 */
#include "ctl_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "peer_policy.h"
#include "stun_cred.h"
#include "turnpike/ctl_proto.h"

#define KEY_MAX 1024            /* realm 255 + user 508 + the fixed parts */
#define PASSWORD_MAX 1024
#define API_KEY_MAX 256
#define API_KEYS_SET "turnpike/api-keys"
#define SCAN_COUNT "1000"
#define SCAN_MAX_ROUNDS 10000000 /* a full SCAN of 10^10 keys; never reached */
#define LIST_MAX 10000000        /* names kept for sorting */

static int
usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_err(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_err("%s", msg);
	return CTL_EXIT_USAGE;
}

/* Printable except for control characters (C0 and DEL); bytes >= 0x80
 * are allowed (UTF-8 names). */
static bool
has_ctl_chars(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return true;
	return false;
}

/* The rules redis_store.h applies on lookup: a name that cannot be a key
 * is refused here rather than written where nothing reads it. */
static int
check_user(const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		return usage_err("user name is empty");
	if (len > CTL_MAX_USER)
		return usage_err("user name is %zu bytes, at most %d", len, CTL_MAX_USER);
	if (strchr(name, '/') != NULL)
		return usage_err("user name must not contain '/'");
	if (has_ctl_chars(name, len))
		return usage_err("user name must not contain control characters");
	return 0;
}

static int
check_secret(const char *s)
{
	size_t len = strlen(s);

	if (len == 0)
		return usage_err("secret is empty");
	if (len > CTL_MAX_SECRET)
		return usage_err("secret is %zu bytes, at most %d", len, CTL_MAX_SECRET);
	if (has_ctl_chars(s, len))
		return usage_err("secret must not contain control characters");
	return 0;
}

/* One connection per run: opened on first use. */
struct run {
	const struct ctl_store_ctx *c;
	struct ctl_redis r;
	bool open;
	char err[768];
};

static redisReply *
cmd(struct run *x, int argc, const char **argv, const size_t *lens)
{
	redisReply *rep;

	if (!x->open) {
		if (ctl_redis_open(&x->r, x->c->redis, x->err, sizeof(x->err)) != 0) {
			ctl_err("%s", x->err);
			return NULL;
		}
		x->open = true;
	}
	rep = ctl_redis_cmd(&x->r, argc, argv, lens, x->err, sizeof(x->err));
	if (rep == NULL)
		ctl_err("%s", x->err);
	return rep;
}

/* A command whose reply must be an integer (SADD, SREM, DEL): the value,
 * or -1 after printing the error. */
static long long
cmd_int(struct run *x, int argc, const char **argv)
{
	redisReply *rep = cmd(x, argc, argv, NULL);
	long long v;

	if (rep == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_INTEGER) {
		ctl_err("%s: %s: unexpected reply type %d", x->r.where, argv[0], rep->type);
		freeReplyObject(rep);
		return -1;
	}
	v = rep->integer;
	freeReplyObject(rep);
	return v;
}

static int
cmd_ok(struct run *x, int argc, const char **argv)
{
	redisReply *rep = cmd(x, argc, argv, NULL);

	if (rep == NULL)
		return CTL_EXIT_FAIL;
	freeReplyObject(rep);
	return CTL_EXIT_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growing list of strings, printed sorted and without duplicates (SCAN
 * may return a key twice). */
struct strlist {
	char **v;
	size_t n, cap;
};

static int
strlist_add(struct strlist *l, const char *s, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 64 : l->cap * 2;
		char **v;

		if (l->n >= LIST_MAX)
			return -ENOSPC;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = strndup(s, len)) == NULL)
		return -ENOMEM;
	l->n++;
	return 0;
}

static void
strlist_print(struct strlist *l, const char *prefix)
{
	if (l->n > 0)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (size_t i = 0; i < l->n; i++)
		if (i == 0 || strcmp(l->v[i], l->v[i - 1]) != 0)
			printf("%s%s\n", prefix, l->v[i]);
}

static void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* SMEMBERS @key into @l. 0 or CTL_EXIT_FAIL (message printed). */
static int
members(struct run *x, const char *key, struct strlist *l)
{
	const char *argv[] = {"SMEMBERS", key};
	redisReply *rep = cmd(x, 2, argv, NULL);
	int rc = CTL_EXIT_OK;

	if (rep == NULL)
		return CTL_EXIT_FAIL;
	if (rep->type != REDIS_REPLY_ARRAY) {
		ctl_err("%s: %s is not a set", x->r.where, key);
		rc = CTL_EXIT_FAIL;
	}
	for (size_t i = 0; rc == 0 && i < rep->elements; i++) {
		const redisReply *e = rep->element[i];
		if (e->type == REDIS_REPLY_STRING && strlist_add(l, e->str, e->len) != 0) {
			ctl_err("out of memory");
			rc = CTL_EXIT_FAIL;
		}
	}
	freeReplyObject(rep);
	return rc;
}

/* @s with Redis glob metacharacters escaped, for SCAN MATCH: a realm
 * named "a*" must not list the users of realm "ab". */
static void
glob_escape(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s != '\0' && o + 2 < cap; s++) {
		if (strchr("*?[]\\", *s) != NULL)
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

/* ---- user ---- */

/* "-" as the password: one line from stdin, so it stays out of ps and
 * shell history. */
static int
read_password(char *buf, size_t cap)
{
	size_t len;

	if (fgets(buf, (int)cap, stdin) == NULL) {
		ctl_err("no password on standard input");
		return -EINVAL;
	}
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && !feof(stdin)) {
		ctl_err("password longer than %d bytes", PASSWORD_MAX);
		return -EINVAL;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

static int
user_add(struct run *x, const char *name, const char *password)
{
	char pw[PASSWORD_MAX + 2], key[KEY_MAX], hex[2 * STUN_KEY_MD5_LEN + 1];
	uint8_t md5[STUN_KEY_MD5_LEN];
	size_t plen;
	int rc;

	if ((rc = check_user(name)) != 0)
		return rc;
	if (strcmp(password, "-") == 0) {
		if (read_password(pw, sizeof(pw)) != 0)
			return CTL_EXIT_FAIL;
	} else {
		if (strlen(password) > PASSWORD_MAX)
			return usage_err("password longer than %d bytes", PASSWORD_MAX);
		snprintf(pw, sizeof(pw), "%s", password);
	}
	plen = strlen(pw);
	if (plen == 0)
		return usage_err("password is empty");
	if (has_ctl_chars(pw, plen))
		return usage_err("password must not contain control characters");

	/* The value turnadmin -a writes: hex MD5(user:realm:password). */
	stun_key_md5(name, strlen(name), x->c->realm, strlen(x->c->realm), pw, plen, md5);
	OPENSSL_cleanse(pw, sizeof(pw));
	for (size_t i = 0; i < sizeof(md5); i++)
		snprintf(hex + 2 * i, 3, "%02x", md5[i]);
	snprintf(key, sizeof(key), "turn/realm/%s/user/%s/key", x->c->realm, name);
	const char *argv[] = {"SET", key, hex};
	return cmd_ok(x, 3, argv);
}

static int
user_del(struct run *x, const char *name)
{
	char key[KEY_MAX];
	long long n;
	int rc;

	if ((rc = check_user(name)) != 0)
		return rc;
	snprintf(key, sizeof(key), "turn/realm/%s/user/%s/key", x->c->realm, name);
	const char *argv[] = {"DEL", key};
	if ((n = cmd_int(x, 2, argv)) < 0)
		return CTL_EXIT_FAIL;
	if (n == 0) {
		ctl_err("no user %s in realm %s", name, x->c->realm);
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

/* SCAN for turn/realm/<r>/user/<name>/key, bounded in rounds; prints the
 * names sorted. */
static int
user_list(struct run *x)
{
	char realm_glob[2 * CTL_MAX_REALM + 1], match[KEY_MAX], prefix[KEY_MAX], cursor[32] = "0";
	struct strlist names = {0};
	size_t plen;
	int rc = CTL_EXIT_OK;

	glob_escape(x->c->realm, realm_glob, sizeof(realm_glob));
	snprintf(match, sizeof(match), "turn/realm/%s/user/*/key", realm_glob);
	plen = (size_t)snprintf(prefix, sizeof(prefix), "turn/realm/%s/user/", x->c->realm);

	for (long round = 0; rc == CTL_EXIT_OK; round++) {
		const char *argv[] = {"SCAN", cursor, "MATCH", match, "COUNT", SCAN_COUNT};
		redisReply *rep;

		if (round >= SCAN_MAX_ROUNDS) {
			ctl_err("%s: SCAN did not finish", x->r.where);
			rc = CTL_EXIT_FAIL;
			break;
		}
		if ((rep = cmd(x, 6, argv, NULL)) == NULL) {
			rc = CTL_EXIT_FAIL;
			break;
		}
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING ||
		    rep->element[0]->len >= sizeof(cursor) ||
		    rep->element[1]->type != REDIS_REPLY_ARRAY) {
			ctl_err("%s: SCAN: unexpected reply", x->r.where);
			freeReplyObject(rep);
			rc = CTL_EXIT_FAIL;
			break;
		}
		memcpy(cursor, rep->element[0]->str, rep->element[0]->len);
		cursor[rep->element[0]->len] = '\0';
		for (size_t i = 0; i < rep->element[1]->elements; i++) {
			const redisReply *k = rep->element[1]->element[i];
			/* "<prefix><name>/key"; '*' also matches '/', so a key
			 * with a longer path is skipped, not shown as a user. */
			if (k->type != REDIS_REPLY_STRING || k->len < plen + 5 ||
			    memcmp(k->str, prefix, plen) != 0 ||
			    memcmp(k->str + k->len - 4, "/key", 4) != 0 ||
			    memchr(k->str + plen, '/', k->len - plen - 4) != NULL)
				continue;
			if (strlist_add(&names, k->str + plen, k->len - plen - 4) != 0) {
				ctl_err("too many users to list");
				rc = CTL_EXIT_FAIL;
				break;
			}
		}
		freeReplyObject(rep);
		if (strcmp(cursor, "0") == 0)
			break;
	}
	if (rc == CTL_EXIT_OK)
		strlist_print(&names, "");
	strlist_free(&names);
	return rc;
}

static int
run_user(struct run *x, int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "add") == 0)
		return user_add(x, argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "del") == 0)
		return user_del(x, argv[2]);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return user_list(x);
	return usage_err("usage: user add NAME PASSWORD|- | user del NAME | user list");
}

/* ---- sets: secrets, API keys, peer rules ---- */

static int
set_add(struct run *x, const char *set, const char *member)
{
	const char *argv[] = {"SADD", set, member};
	return cmd_int(x, 3, argv) < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

static int
set_del(struct run *x, const char *set, const char *member, const char *what)
{
	const char *argv[] = {"SREM", set, member};
	long long n = cmd_int(x, 3, argv);

	if (n < 0)
		return CTL_EXIT_FAIL;
	if (n == 0) {
		ctl_err("%s %s is not in %s", what, member, set);
		return CTL_EXIT_FAIL;
	}
	return CTL_EXIT_OK;
}

static int
set_list(struct run *x, const char *set, const char *prefix)
{
	struct strlist l = {0};
	int rc = members(x, set, &l);

	if (rc == CTL_EXIT_OK)
		strlist_print(&l, prefix);
	strlist_free(&l);
	return rc;
}

static int
run_secret(struct run *x, int argc, char **argv)
{
	char set[KEY_MAX];
	int rc;

	snprintf(set, sizeof(set), "turn/realm/%s/secret", x->c->realm);
	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return (rc = check_secret(argv[2])) != 0 ? rc : set_add(x, set, argv[2]);
	if (argc == 3 && strcmp(argv[1], "del") == 0)
		return (rc = check_secret(argv[2])) != 0 ? rc : set_del(x, set, argv[2], "secret");
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return set_list(x, set, "");
	return usage_err("usage: secret add SECRET | secret del SECRET | secret list");
}

/* @key as the set member: lowercase hex SHA-256, or the hash itself when
 * given as "sha256:<64 hex>" (what `apikey list` prints). */
static int
api_key_member(const char *key, char hex[65])
{
	size_t len = strlen(key);
	uint8_t md[32];
	unsigned int mdlen = 0;

	if (len == 71 && strncmp(key, "sha256:", 7) == 0 &&
	    strspn(key + 7, "0123456789abcdefABCDEF") == 64) {
		for (size_t i = 0; i < 64; i++)
			hex[i] = (char)((key[7 + i] >= 'A' && key[7 + i] <= 'F') ? key[7 + i] + 32
										  : key[7 + i]);
		hex[64] = '\0';
		return 0;
	}
	if (len == 0)
		return usage_err("API key is empty");
	if (len > API_KEY_MAX)
		return usage_err("API key is %zu bytes, at most %d", len, API_KEY_MAX);
	/* Sent as "Authorization: Bearer KEY": visible ASCII only. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7f)
			return usage_err("API key must be visible ASCII without spaces");
	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		ctl_err("SHA-256 failed");
		return CTL_EXIT_FAIL;
	}
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* 32 random bytes, base64url without padding (43 characters). */
static int
api_key_new(struct run *x)
{
	uint8_t raw[32];
	char b64[4 * ((sizeof(raw) + 2) / 3) + 1], hex[65];
	size_t n;
	int rc;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		ctl_err("no random bytes from OpenSSL");
		return CTL_EXIT_FAIL;
	}
	n = stun_base64_encode(raw, sizeof(raw), b64);
	OPENSSL_cleanse(raw, sizeof(raw));
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	if ((rc = api_key_member(b64, hex)) != 0)
		return rc;
	if ((rc = set_add(x, API_KEYS_SET, hex)) == CTL_EXIT_OK)
		printf("%s\n", b64);
	OPENSSL_cleanse(b64, sizeof(b64));
	return rc;
}

static int
run_apikey(struct run *x, int argc, char **argv)
{
	char hex[65];
	int rc;

	if (argc == 3 && strcmp(argv[1], "add") == 0)
		return (rc = api_key_member(argv[2], hex)) != 0 ? rc
							       : set_add(x, API_KEYS_SET, hex);
	if (argc == 3 && strcmp(argv[1], "del") == 0) {
		if ((rc = api_key_member(argv[2], hex)) != 0)
			return rc;
		const char *argv_[] = {"SREM", API_KEYS_SET, hex};
		long long n = cmd_int(x, 3, argv_);
		if (n < 0)
			return CTL_EXIT_FAIL;
		if (n == 0) {
			ctl_err("API key sha256:%s is not in %s", hex, API_KEYS_SET);
			return CTL_EXIT_FAIL;
		}
		return CTL_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "new") == 0)
		return api_key_new(x);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return set_list(x, API_KEYS_SET, "sha256:");
	return usage_err("usage: apikey add KEY | apikey del KEY | apikey new | apikey list");
}

static int
run_peer(struct run *x, int argc, char **argv)
{
	char allow[KEY_MAX], deny[KEY_MAX];
	const char *why = NULL;
	int rc;

	snprintf(allow, sizeof(allow), "turn/realm/%s/allowed-peer-ip", x->c->realm);
	snprintf(deny, sizeof(deny), "turn/realm/%s/denied-peer-ip", x->c->realm);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		if ((rc = set_list(x, allow, "allow ")) != CTL_EXIT_OK)
			return rc;
		return set_list(x, deny, "deny ");
	}
	if (argc != 4 || (strcmp(argv[1], "allow") != 0 && strcmp(argv[1], "deny") != 0) ||
	    (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "del") != 0))
		return usage_err("usage: peer allow|deny add|del RULE | peer list");

	/* The rules the dataplane's peer policy takes (peer_policy.h): an
	 * address, a CIDR prefix or coturn's "a-b" range. */
	if (strlen(argv[3]) > CTL_MAX_RULE)
		return usage_err("peer rule is %zu bytes, at most %d", strlen(argv[3]),
				 CTL_MAX_RULE);
	if (tp_peer_rule_check(argv[3], &why) != 0)
		return usage_err("peer rule %s: %s", argv[3], why != NULL ? why : "invalid");
	const char *set = argv[1][0] == 'a' ? allow : deny;
	if (strcmp(argv[2], "add") == 0)
		return set_add(x, set, argv[3]);
	return set_del(x, set, argv[3], "peer rule");
}

/* ---- quota ---- */

static const char *const quota_names[] = {"user-quota", "total-quota", "max-bps"};

static int
quota_max(const char *name, uint64_t *max)
{
	for (size_t i = 0; i < sizeof(quota_names) / sizeof(quota_names[0]); i++)
		if (strcmp(name, quota_names[i]) == 0) {
			/* Allocation counts are 32-bit in the control channel
			 * (ctl_proto.h), bandwidth 64-bit. */
			*max = i < 2 ? UINT32_MAX : UINT64_MAX;
			return 0;
		}
	return -EINVAL;
}

static int
run_quota(struct run *x, int argc, char **argv)
{
	char key[KEY_MAX];
	uint64_t max = 0, v = 0;

	if (argc == 2 && strcmp(argv[1], "show") == 0) {
		for (size_t i = 0; i < sizeof(quota_names) / sizeof(quota_names[0]); i++) {
			snprintf(key, sizeof(key), "turn/realm/%s/%s", x->c->realm, quota_names[i]);
			const char *get[] = {"GET", key};
			redisReply *rep = cmd(x, 2, get, NULL);
			if (rep == NULL)
				return CTL_EXIT_FAIL;
			if (rep->type == REDIS_REPLY_STRING)
				printf("%s %.*s\n", quota_names[i], (int)rep->len, rep->str);
			else
				printf("%s unset\n", quota_names[i]);
			freeReplyObject(rep);
		}
		return CTL_EXIT_OK;
	}
	if ((argc == 3 && strcmp(argv[1], "unset") == 0) ||
	    (argc == 4 && strcmp(argv[1], "set") == 0)) {
		if (quota_max(argv[2], &max) != 0)
			return usage_err("unknown quota %s (user-quota, total-quota, max-bps)",
					 argv[2]);
		snprintf(key, sizeof(key), "turn/realm/%s/%s", x->c->realm, argv[2]);
		if (argc == 3) {
			const char *del[] = {"DEL", key};
			return cmd_int(x, 2, del) < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
		}
		const char *s = argv[3];
		size_t len = strlen(s);
		if (len == 0 || len > 20 || strspn(s, "0123456789") != len)
			return usage_err("%s: %s is not a decimal number", argv[2], s);
		for (size_t i = 0; i < len; i++) {
			unsigned int d = (unsigned int)(s[i] - '0');
			if (v > (max - d) / 10)
				return usage_err("%s: %s is over %" PRIu64, argv[2], s, max);
			v = v * 10 + d;
		}
		char val[24];
		snprintf(val, sizeof(val), "%" PRIu64, v);
		const char *set[] = {"SET", key, val};
		return cmd_ok(x, 3, set);
	}
	return usage_err("usage: quota set user-quota|total-quota|max-bps N | "
			 "quota unset NAME | quota show");
}

/* ---- dispatch ---- */

static const struct {
	const char *name;
	int (*run)(struct run *x, int argc, char **argv);
	bool needs_realm;
} groups[] = {
	{"user", run_user, true},	{"secret", run_secret, true},
	{"apikey", run_apikey, false},	{"peer", run_peer, true},
	{"quota", run_quota, true},
};

bool
ctl_store_handles(const char *group)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(group, groups[i].name) == 0)
			return true;
	return false;
}

bool
ctl_store_needs_realm(const char *group)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(group, groups[i].name) == 0)
			return groups[i].needs_realm;
	return false;
}

int
ctl_store_run(const struct ctl_store_ctx *c, int argc, char **argv)
{
	struct run x = {.c = c};
	int rc = CTL_EXIT_USAGE;

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(argv[0], groups[i].name) == 0) {
			rc = groups[i].run(&x, argc, argv);
			break;
		}
	if (x.open)
		ctl_redis_close(&x.r);
	return rc;
}
