/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN REST API ephemeral credentials (draft-uberti-behave-turn-rest-00):
 * username = "<expiry>:<user id>", password = base64(HMAC-SHA1(secret,
 * username)). The server needs only the shared secrets, which the control
 * plane pushes, to turn such a username into a long-term key.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "stun_cred.h"
#include "stun_integrity.h"

int
stun_rest_secrets_add(struct stun_rest_secrets *s, const void *secret, size_t len)
{
	if (len == 0 || len > STUN_REST_SECRET_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < s->n && i < STUN_REST_MAX_SECRETS; i++)
		if (s->s[i].len == len && memcmp(s->s[i].val, secret, len) == 0)
			return 0;
	if (s->n >= STUN_REST_MAX_SECRETS)
		return -ENOSPC;
	memcpy(s->s[s->n].val, secret, len);
	s->s[s->n].len = (uint16_t)len;
	s->n++;
	return 0;
}

/* A decimal Unix time: 1+ digits, no sign or space, no overflow. */
static int
parse_timestamp(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		unsigned int d = (unsigned int)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * Which order the username uses is decided by its first part alone: all
 * digits means "expiry:user" (coturn, Pion and eturnal mint this one),
 * anything else "user:expiry" (accepted by coturn and STUNner). A first
 * part of digits that overflows is a broken timestamp, not a user id, so
 * it is rejected rather than reinterpreted.
 */
int
stun_rest_parse_username(const char *u, size_t len, char sep, uint64_t *expiry,
			 const char **user, size_t *user_len)
{
	const char *first, *last;
	uint64_t ts;
	int rc;

	if (sep == 0)
		sep = ':';
	first = len ? memchr(u, sep, len) : NULL;
	if (first == NULL) {
		if (parse_timestamp(u, len, &ts) != 0)
			return -EINVAL;
		*expiry = ts;
		*user = u + len;
		*user_len = 0;
		return 0;
	}

	if (first == u)
		return -EINVAL;
	rc = parse_timestamp(u, (size_t)(first - u), &ts);
	if (rc == 0) {
		size_t rest = len - (size_t)(first - u) - 1;
		if (rest == 0)
			return -EINVAL;
		*expiry = ts;
		*user = first + 1;
		*user_len = rest;
		return 0;
	}
	if (rc == -ERANGE)
		return -EINVAL;

	last = memrchr(u, sep, len);
	if (parse_timestamp(last + 1, len - (size_t)(last - u) - 1, &ts) != 0)
		return -EINVAL;
	*expiry = ts;
	*user = u;
	*user_len = (size_t)(last - u);
	return 0;
}

void
stun_rest_password(const uint8_t *secret, size_t slen, const char *username, size_t ulen,
		   char out[STUN_REST_PASSWORD_LEN + 1])
{
	struct stun_hmac_key k;
	uint8_t mac[20];

	/* slen is never 0 for a configured secret (stun_rest_secrets_add). */
	if (stun_hmac_key_init(&k, secret, slen) != 0)
		memset(&k, 0, sizeof(k));
	stun_hmac_sha1(&k, (const uint8_t *)username, ulen, mac);
	stun_base64_encode(mac, sizeof(mac), out);
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(mac, sizeof(mac));
}

size_t
stun_rest_key(const struct stun_rest_secrets *s, unsigned int idx, const char *username,
	      size_t ulen, const char *realm, size_t rlen, uint16_t alg,
	      uint8_t key[STUN_KEY_MAX_LEN])
{
	char pw[STUN_REST_PASSWORD_LEN + 1];
	size_t n;

	if (idx >= s->n || idx >= STUN_REST_MAX_SECRETS)
		return 0;
	if (alg != STUN_PWALG_MD5 && alg != STUN_PWALG_SHA256)
		return 0;
	stun_rest_password(s->s[idx].val, s->s[idx].len, username, ulen, pw);
	if (alg == STUN_PWALG_MD5) {
		stun_key_md5(username, ulen, realm, rlen, pw, STUN_REST_PASSWORD_LEN, key);
		n = STUN_KEY_MD5_LEN;
	} else {
		stun_key_sha256(username, ulen, realm, rlen, pw, STUN_REST_PASSWORD_LEN, key);
		n = STUN_KEY_SHA256_LEN;
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	return n;
}

int
stun_rest_check_expiry(const char *u, size_t len, char sep, uint64_t now)
{
	uint64_t expiry;
	const char *user;
	size_t user_len;

	if (stun_rest_parse_username(u, len, sep, &expiry, &user, &user_len) != 0)
		return -EINVAL;
	return expiry < now ? -EKEYEXPIRED : 0;
}
