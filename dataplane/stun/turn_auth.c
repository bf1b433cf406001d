/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-term credential authentication of TURN requests (RFC 8489 9.2),
 * with the password-algorithm bid-down protection (9.2.4, 9.2.5),
 * USERHASH, and TURN REST API ephemeral credentials verified locally
 * from the configured secrets. Nothing is stored: the nonce is stateless
 * and a pending credential lookup leaves no trace but a counter.
 */
#include <errno.h>
#include <string.h>

#include "stun_bytes.h"
#include "stun_cred.h"
#include "stun_integrity.h"
#include "stun_nonce.h"
#include "turn_server_priv.h"

static int
auth_fail(struct turn_req *r, uint16_t code)
{
	r->s->stats.auth_fail++;
	if (code == STUN_ERR_UNAUTHENTICATED || code == STUN_ERR_STALE_NONCE)
		turn_reply_challenge(r, code);
	else
		turn_reply_error(r, code, NULL);
	return -EACCES;
}

/*
 * RFC 8489 9.2.4 for a nonce that carries the password-algorithms
 * feature: neither attribute means MD5; otherwise both must be present,
 * PASSWORD-ALGORITHMS must be exactly what we offered (an attacker who
 * stripped SHA-256 from our 401 would change it) and PASSWORD-ALGORITHM
 * one of them. Returns 0 and the algorithm, or -EBADMSG (400).
 */
static int
bid_down_check(const struct turn_server *s, const struct stun_msg *m, uint16_t *alg)
{
	const struct stun_attr *list = stun_msg_attr(m, STUN_SLOT_PASSWORD_ALGORITHMS);
	const struct stun_attr *one = stun_msg_attr(m, STUN_SLOT_PASSWORD_ALGORITHM);
	const uint8_t *v;
	uint16_t want;

	*alg = STUN_PWALG_MD5;
	if (list == NULL && one == NULL)
		return 0;
	if (list == NULL || one == NULL)
		return -EBADMSG;
	if (list->len != s->pw_algs_len ||
	    memcmp(stun_attr_value(m, list), s->pw_algs, s->pw_algs_len) != 0)
		return -EBADMSG;
	if (one->len < 4)
		return -EBADMSG;
	v = stun_attr_value(m, one);
	want = stun_rd16(v);
	/* Neither MD5 nor SHA-256 takes parameters. */
	if (stun_rd16(v + 2) != 0)
		return -EBADMSG;
	for (unsigned int i = 0; i < s->cfg.n_pw_algs; i++) {
		if (s->cfg.pw_algs[i] == want) {
			*alg = want;
			return 0;
		}
	}
	return -EBADMSG;
}

/*
 * REST credentials: the username embeds an expiry and the password is
 * HMAC(secret, username), so each configured secret gives a candidate
 * key (several secrets during a rotation). Returns 0 with r->key set,
 * or the error code to answer.
 */
static uint16_t
auth_rest(struct turn_req *r, const char *u, size_t ulen, uint64_t expiry, const char *id,
	  size_t id_len)
{
	struct turn_server *s = r->s;
	const struct stun_rest_secrets *rest = s->cfg.rest;
	uint8_t key[STUN_KEY_MAX_LEN];
	uint16_t code = STUN_ERR_UNAUTHENTICATED;

	if (stun_rest_check_expiry(u, ulen, s->cfg.rest_separator, r->now) != 0)
		return STUN_ERR_UNAUTHENTICATED;
	for (unsigned int i = 0; i < rest->n && i < STUN_REST_MAX_SECRETS; i++) {
		size_t klen = stun_rest_key(rest, i, u, ulen, s->cfg.realm, s->realm_len, r->alg,
					    key);
		r->keyed = true;
		if (stun_hmac_key_init(&r->key, key, klen) != 0)
			continue;
		if (stun_check_integrity(r->m, &r->key) == 0) {
			code = 0;
			break;
		}
	}
	explicit_bzero(key, sizeof(key));
	if (code != 0)
		return code;
	r->rest_expiry = expiry;
	/* Quotas count the user id, not each ephemeral name. */
	r->user = id_len > 0 ? id : u;
	r->user_len = id_len > 0 ? id_len : ulen;
	return 0;
}

/* Credentials from the lookup hook (config users, the auth cache). */
static int
auth_lookup(struct turn_req *r, const char *u, size_t ulen, const uint8_t *uhash,
	    uint16_t *code)
{
	struct turn_server *s = r->s;
	struct turn_cred_req req = {
		.username = u,
		.username_len = ulen,
		.userhash = uhash,
		.realm = s->cfg.realm,
		.realm_len = s->realm_len,
		.alg = r->alg,
	};
	int rc;

	*code = STUN_ERR_UNAUTHENTICATED;
	memset(&r->cred, 0, sizeof(r->cred));
	rc = s->hooks.cred_lookup(s->ctx, &req, &r->cred);
	if (rc == -EAGAIN)
		return -EAGAIN;
	if (rc != 0 || r->cred.key_len == 0 || r->cred.key_len > STUN_KEY_MAX_LEN)
		return -EACCES;
	r->keyed = true;
	rc = stun_hmac_key_init(&r->key, r->cred.key, r->cred.key_len);
	explicit_bzero(r->cred.key, sizeof(r->cred.key));
	if (rc != 0 || stun_check_integrity(r->m, &r->key) != 0)
		return -EACCES;
	if (r->cred.user_len > 0 && r->cred.user_len <= TURN_QUOTA_USER_MAX) {
		r->user = r->cred.user;
		r->user_len = r->cred.user_len;
	} else {
		r->user = u;
		r->user_len = u != NULL ? ulen : 0;
	}
	*code = 0;
	return 0;
}

/*
 * The checks of RFC 8489 9.2.4 in this order: integrity present (401
 * challenge), USERNAME/USERHASH, REALM and NONCE present (400), nonce ours,
 * fresh and bound to this client address (438), bid-down (400), realm
 * ours (401), username well formed (400), key known (401, or pending),
 * integrity correct (401). The nonce is checked before the integrity
 * because its feature bits decide which algorithm the key uses.
 * Cost: one HMAC per candidate key, plus the lookup hook.
 */
int
turn_auth(struct turn_req *r)
{
	struct turn_server *s = r->s;
	const struct stun_msg *m = r->m;
	const struct stun_attr *realm, *nonce, *uname, *uhash;
	const char *u = NULL;
	size_t ulen = 0;
	uint32_t features = 0;
	uint16_t code;
	int rc;

	if (stun_msg_attr(m, STUN_SLOT_MESSAGE_INTEGRITY) == NULL &&
	    stun_msg_attr(m, STUN_SLOT_MESSAGE_INTEGRITY_SHA256) == NULL) {
		turn_reply_challenge(r, STUN_ERR_UNAUTHENTICATED);
		return -EACCES;
	}
	realm = stun_msg_attr(m, STUN_SLOT_REALM);
	nonce = stun_msg_attr(m, STUN_SLOT_NONCE);
	uname = stun_msg_attr(m, STUN_SLOT_USERNAME);
	uhash = stun_msg_attr(m, STUN_SLOT_USERHASH);
	if (realm == NULL || nonce == NULL || (uname == NULL && uhash == NULL))
		return auth_fail(r, STUN_ERR_BAD_REQUEST);

	if (stun_nonce_check(&s->nonce, stun_attr_value(m, nonce), nonce->len, r->now,
			     &r->ft->client, &features) != 0)
		return auth_fail(r, STUN_ERR_STALE_NONCE);
	/* USERHASH only where our nonce announced username anonymity. */
	if (uname == NULL && !(features & STUN_FEATURE_USERNAME_ANONYMITY))
		return auth_fail(r, STUN_ERR_BAD_REQUEST);
	r->alg = STUN_PWALG_MD5;
	if ((features & STUN_FEATURE_PASSWORD_ALGORITHMS) && bid_down_check(s, m, &r->alg) != 0)
		return auth_fail(r, STUN_ERR_BAD_REQUEST);
	if (realm->len != s->realm_len ||
	    memcmp(stun_attr_value(m, realm), s->cfg.realm, s->realm_len) != 0)
		return auth_fail(r, STUN_ERR_UNAUTHENTICATED);

	if (uname != NULL) {
		u = (const char *)stun_attr_value(m, uname);
		ulen = uname->len;
		if (!stun_username_valid((const uint8_t *)u, ulen))
			return auth_fail(r, STUN_ERR_BAD_REQUEST);
		stun_userhash(u, ulen, s->cfg.realm, s->realm_len, r->userhash);
	} else {
		if (uhash->len != STUN_USERHASH_LEN)
			return auth_fail(r, STUN_ERR_BAD_REQUEST);
		memcpy(r->userhash, stun_attr_value(m, uhash), STUN_USERHASH_LEN);
	}

	const struct stun_rest_secrets *rest = s->cfg.rest;
	uint64_t expiry;
	const char *id;
	size_t id_len;
	if (u != NULL && rest != NULL && rest->n > 0 &&
	    stun_rest_parse_username(u, ulen, s->cfg.rest_separator, &expiry, &id, &id_len) == 0) {
		code = auth_rest(r, u, ulen, expiry, id, id_len);
	} else {
		rc = auth_lookup(r, u, ulen, uname == NULL ? r->userhash : NULL, &code);
		if (rc == -EAGAIN) {
			r->out->verdict = TURN_PENDING;
			s->stats.auth_pending++;
			return -EAGAIN;
		}
	}
	if (code != 0)
		return auth_fail(r, code);

	r->authed = true;
	r->sha256 = stun_msg_attr(m, STUN_SLOT_MESSAGE_INTEGRITY_SHA256) != NULL;
	s->stats.auth_ok++;
	return 0;
}
