/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces: everything the server needs to accept a nonce again
 * travels inside it, authenticated by an HMAC under a server secret.
 *
 *   "obMatJos2" base64(features[3]) base64(ts[4] || mac[14])
 *   mac = HMAC-SHA256(secret, features[3] || ts[4] || family[1] || ip[16] || port[2])
 *
 * ts is the issue time (Unix seconds, big-endian, modulo 2^32); the IP is
 * zero-padded to 16 bytes for IPv4 and the port is big-endian. 14 bytes
 * (112 bits) of MAC is far beyond what an attacker can guess online, and
 * it keeps the nonce at 37 characters. The features are under the MAC so
 * a client's downgrade check (RFC 8489 9.2.5) sees what we sent.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "stun_cred.h"
#include "stun_nonce.h"

#define NONCE_MAC_LEN 14
#define NONCE_BODY_LEN (4 + NONCE_MAC_LEN)
#define NONCE_FEAT_B64 4
#define NONCE_BODY_B64 24
#define NONCE_MAC_IN_LEN (3 + 4 + 1 + 16 + 2)
/* Workers read the clock at slightly different moments; a nonce minted by
 * one and checked by another may appear to come from the near future. */
#define NONCE_FUTURE_SKEW 5

_Static_assert(STUN_NONCE_LEN == STUN_NONCE_COOKIE_LEN + NONCE_FEAT_B64 + NONCE_BODY_B64,
	       "nonce layout");
_Static_assert(NONCE_BODY_B64 * 3 == NONCE_BODY_LEN * 4, "body encodes without padding");

static void
nonce_mac(const struct stun_hmac_key *k, const uint8_t feat[3], const uint8_t ts[4],
	  const struct stun_addr *client, uint8_t mac[32])
{
	uint8_t in[NONCE_MAC_IN_LEN] = {0};

	memcpy(in, feat, 3);
	memcpy(in + 3, ts, 4);
	in[7] = client->family;
	/* Only the address bytes of the family: a caller that left junk in
	 * ip[4..15] of an IPv4 address still gets the same MAC. */
	memcpy(in + 8, client->ip, stun_addr_iplen(client));
	in[24] = (uint8_t)(client->port >> 8);
	in[25] = (uint8_t)client->port;
	stun_hmac_sha256(k, in, sizeof(in), mac);
}

int
stun_nonce_init(struct stun_nonce_ctx *n, const uint8_t *secret, size_t len, uint32_t lifetime)
{
	int rc;

	if (len == 0 || len > 64 || lifetime == 0)
		return -EINVAL;
	memset(n, 0, sizeof(*n));
	rc = stun_hmac_key_init(&n->cur, secret, len);
	if (rc != 0)
		return rc;
	n->lifetime = lifetime;
	return 0;
}

int
stun_nonce_rotate(struct stun_nonce_ctx *n, const uint8_t *secret, size_t len)
{
	struct stun_hmac_key k;
	int rc;

	if (len == 0 || len > 64)
		return -EINVAL;
	rc = stun_hmac_key_init(&k, secret, len);
	if (rc != 0)
		return rc;
	n->prev = n->cur;
	n->cur = k;
	n->has_prev = 1;
	OPENSSL_cleanse(&k, sizeof(k));
	return 0;
}

/* Cost: one prekeyed HMAC-SHA256 over 26 bytes (two SHA-256 blocks) and
 * 21 bytes of base64. */
size_t
stun_nonce_make(const struct stun_nonce_ctx *n, uint64_t now, const struct stun_addr *client,
		uint32_t features, char *out)
{
	uint8_t feat[3], body[NONCE_BODY_LEN], mac[32];
	uint32_t ts = (uint32_t)now;

	feat[0] = (uint8_t)(features >> 16);
	feat[1] = (uint8_t)(features >> 8);
	feat[2] = (uint8_t)features;
	body[0] = (uint8_t)(ts >> 24);
	body[1] = (uint8_t)(ts >> 16);
	body[2] = (uint8_t)(ts >> 8);
	body[3] = (uint8_t)ts;
	nonce_mac(&n->cur, feat, body, client, mac);
	memcpy(body + 4, mac, NONCE_MAC_LEN);

	memcpy(out, STUN_NONCE_COOKIE, STUN_NONCE_COOKIE_LEN);
	stun_base64_encode(feat, sizeof(feat), out + STUN_NONCE_COOKIE_LEN);
	stun_base64_encode(body, sizeof(body), out + STUN_NONCE_COOKIE_LEN + NONCE_FEAT_B64);
	return STUN_NONCE_LEN;
}

/*
 * The MAC is checked before the time so that -ESTALE is only ever said
 * of a nonce we issued; the comparison is constant-time so that the
 * answer leaks nothing about how many MAC bytes matched. Cost: one
 * HMAC, a second one only for nonces minted before the last rotation.
 */
int
stun_nonce_check(const struct stun_nonce_ctx *n, const uint8_t *nonce, size_t len,
		 uint64_t now, const struct stun_addr *client, uint32_t *features)
{
	uint8_t feat[3], body[NONCE_BODY_LEN], mac[32];
	const char *s = (const char *)nonce;
	uint32_t ts;
	int32_t age;

	if (len != STUN_NONCE_LEN || memcmp(s, STUN_NONCE_COOKIE, STUN_NONCE_COOKIE_LEN) != 0)
		return -EINVAL;
	s += STUN_NONCE_COOKIE_LEN;
	if (stun_base64_decode(s, NONCE_FEAT_B64, feat, sizeof(feat)) != (int)sizeof(feat))
		return -EINVAL;
	s += NONCE_FEAT_B64;
	if (stun_base64_decode(s, NONCE_BODY_B64, body, sizeof(body)) != (int)sizeof(body))
		return -EINVAL;

	nonce_mac(&n->cur, feat, body, client, mac);
	if (CRYPTO_memcmp(mac, body + 4, NONCE_MAC_LEN) != 0) {
		if (!n->has_prev)
			return -EINVAL;
		nonce_mac(&n->prev, feat, body, client, mac);
		if (CRYPTO_memcmp(mac, body + 4, NONCE_MAC_LEN) != 0)
			return -EINVAL;
	}

	/* Modulo 2^32 so the arithmetic survives 2106. */
	ts = (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 | (uint32_t)body[2] << 8 | body[3];
	age = (int32_t)((uint32_t)now - ts);
	if (age < -NONCE_FUTURE_SKEW)
		return -EINVAL;
	if ((int64_t)age > (int64_t)n->lifetime)
		return -ESTALE;
	if (features != NULL)
		*features = (uint32_t)feat[0] << 16 | (uint32_t)feat[1] << 8 | feat[2];
	return 0;
}
