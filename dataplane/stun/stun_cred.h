/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Credentials: long-term keys (RFC 8489 section 9.2.2), USERHASH, USERNAME
 * validation, and TURN REST API ephemeral credentials
 * (draft-uberti-behave-turn-rest-00).
 *
 *   uint8_t key[16];
 *   stun_key_md5("user", 4, "realm", 5, "pass", 4, key);  // coturn's Redis "key" value
 *
 *   struct stun_rest_secrets s = {0};
 *   stun_rest_secrets_add(&s, "north", 5);               // several at once for rotation
 *   char pw[STUN_REST_PASSWORD_LEN + 1];
 *   stun_rest_password((uint8_t *)"north", 5, "1266890800:mbzrxpgjys", 21, pw);
 *   // pw == "nbRcrnq5h6xXhyNhlwk+lDLvVVo="
 */
#ifndef STUN_CRED_H
#define STUN_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun_proto.h"

#define STUN_KEY_MD5_LEN 16
#define STUN_KEY_SHA256_LEN 32
#define STUN_KEY_MAX_LEN 32
/* The name itself: RFC 8489 14.3 says fewer than 509 bytes. */
#define STUN_USERNAME_MAX 508

/*
 * Long-term key = MD5(username ":" realm ":" password) or
 * SHA-256(username ":" realm ":" password). Inputs are taken as already
 * OpaqueString-prepared UTF-8 (see stun_username_valid). Cannot fail.
 */
void stun_key_md5(const char *user, size_t ulen, const char *realm, size_t rlen, const char *pass,
		  size_t plen, uint8_t out[STUN_KEY_MD5_LEN]);
void stun_key_sha256(const char *user, size_t ulen, const char *realm, size_t rlen,
		     const char *pass, size_t plen, uint8_t out[STUN_KEY_SHA256_LEN]);

/* USERHASH = SHA-256(username ":" realm) (RFC 8489 14.4). */
void stun_userhash(const char *user, size_t ulen, const char *realm, size_t rlen,
		   uint8_t out[STUN_USERHASH_LEN]);

/*
 * USERNAME validation: 1..508 bytes of well-formed UTF-8 (no overlongs,
 * no surrogates, nothing above U+10FFFF), no control characters (C0, DEL
 * and C1, i.e. Unicode category Cc) and no noncharacters (U+FDD0..U+FDEF,
 * U+xxFFFE, U+xxFFFF). This is the part of OpaqueString (RFC 8265) that
 * can be checked without Unicode tables: the full profile (width mapping,
 * NFC, the DISALLOWED categories) needs them, so we accept only strings
 * the client already prepared and compare bytes; see docs/protocol.md.
 * Returns true if acceptable. stun_text_valid applies the same rules with
 * another limit, e.g. STUN_MAX_REALM_LEN (763 bytes) for REALM.
 */
bool stun_username_valid(const uint8_t *u, size_t len);
bool stun_text_valid(const uint8_t *s, size_t len, size_t max);

/* Lower-case hex of a key (coturn's Redis key format). Decoding accepts
 * either case. Returns 0, or -EINVAL if @hex is not 2*keylen hex digits. */
int stun_key_from_hex(const char *hex, size_t hexlen, uint8_t *key, size_t keylen);
void stun_key_to_hex(const uint8_t *key, size_t keylen, char *hex /* 2*keylen+1 */);

/* Standard base64 (RFC 4648 section 4) with padding. Encode writes a NUL
 * after the output and returns its length. Decode is strict: the length a
 * multiple of 4, '=' only as the last one or two characters, unused bits
 * of the last group zero (so every nonce has exactly one encoding); it
 * returns the decoded length, -EINVAL on bad input or -ENOSPC if @cap is
 * too small. */
size_t stun_base64_encode(const uint8_t *in, size_t len, char *out /* 4*ceil(len/3)+1 */);
int stun_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* ---- TURN REST API ephemeral credentials ---- */

#define STUN_REST_MAX_SECRETS 8
#define STUN_REST_SECRET_MAX 256
#define STUN_REST_PASSWORD_LEN 28 /* base64 of a 20-byte HMAC-SHA1 */

struct stun_rest_secrets {
	unsigned int n;
	struct {
		uint16_t len;
		uint8_t val[STUN_REST_SECRET_MAX];
	} s[STUN_REST_MAX_SECRETS];
};

/* Returns 0, -ENOSPC if full, -EINVAL for an empty or too long secret.
 * Adding a secret already present returns 0 and takes no slot, so a
 * control plane can push its whole set again. */
int stun_rest_secrets_add(struct stun_rest_secrets *s, const void *secret, size_t len);

/*
 * Split a REST username into expiry and user id. Accepts "expiry:user",
 * "user:expiry" (the part before the first separator is not all digits;
 * the timestamp is then after the last separator, so the user id may
 * itself contain the separator) and a bare "expiry" (then *user points
 * at u + len and *user_len is 0). @sep is the separator; 0 means ':'.
 * When both parts are all digits the first is the expiry, as in coturn.
 * A timestamp is 1 or more ASCII digits that fit in 64 bits, nothing
 * else (no sign, no spaces). Outputs are written only on success.
 * Returns 0; -EINVAL if no part is a decimal timestamp, the timestamp
 * overflows, or the user id next to a separator is empty.
 */
int stun_rest_parse_username(const char *u, size_t len, char sep, uint64_t *expiry,
			     const char **user, size_t *user_len);

/* password = base64(HMAC-SHA1(secret, username)); writes 28 chars + NUL. */
void stun_rest_password(const uint8_t *secret, size_t slen, const char *username, size_t ulen,
			char out[STUN_REST_PASSWORD_LEN + 1]);

/*
 * Derive the long-term key for a REST username from secret @idx, with
 * @alg (STUN_PWALG_MD5 or STUN_PWALG_SHA256): the key of
 * "username:realm:password" where password is stun_rest_password.
 * Returns the key length (16 or 32), or 0 if @idx is not a secret or
 * @alg is unknown. Cost: one HMAC-SHA1 and one MD5 or SHA-256.
 */
size_t stun_rest_key(const struct stun_rest_secrets *s, unsigned int idx, const char *username,
		     size_t ulen, const char *realm, size_t rlen, uint16_t alg,
		     uint8_t key[STUN_KEY_MAX_LEN]);

/*
 * Check that a REST username has not expired at @now (Unix seconds); a
 * credential is still usable in its expiry second.
 * Returns 0 if usable, -EKEYEXPIRED if expiry < now, -EINVAL if it is not
 * a REST username (see stun_rest_parse_username).
 */
int stun_rest_check_expiry(const char *u, size_t len, char sep, uint64_t now);

#endif
