/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces (RFC 8489 section 9.2 with the nonce cookie).
 *
 * nonce = "obMatJos2" + base64(24-bit security features)
 *                     + base64(timestamp[4] || HMAC-SHA256(secret, features || timestamp
 *                                                            || client address)[0..14))
 *
 * 37 characters. The timestamp is Unix seconds modulo 2^32, big-endian;
 * the client address is family[1] || ip[16] (IPv4 zero-padded) ||
 * port[2], so a nonce is good only for the client address and port it
 * was issued to.
 *
 * Verifying needs only the server secret: no per-client state, so an
 * unauthenticated flood allocates nothing. Two secrets are held so a
 * rotation does not invalidate nonces in flight.
 *
 *   struct stun_nonce_ctx n;
 *   stun_nonce_init(&n, secret, 32, 600);
 *   char buf[STUN_NONCE_LEN + 1];
 *   stun_nonce_make(&n, now, &client, STUN_FEATURE_PASSWORD_ALGORITHMS, buf);
 *   rc = stun_nonce_check(&n, value, len, now, &client, &features);
 */
#ifndef STUN_NONCE_H
#define STUN_NONCE_H

#include <stddef.h>
#include <stdint.h>

#include "stun_addr.h"
#include "stun_integrity.h"

#define STUN_NONCE_LEN (STUN_NONCE_COOKIE_LEN + 4 + 24)

struct stun_nonce_ctx {
	struct stun_hmac_key cur;
	struct stun_hmac_key prev;
	int has_prev;
	uint32_t lifetime; /* seconds a nonce stays fresh */
};

/* Returns 0 or -EINVAL (empty or over-long (> 64 bytes) secret, zero
 * lifetime). */
int stun_nonce_init(struct stun_nonce_ctx *n, const uint8_t *secret, size_t len,
		    uint32_t lifetime);
/* New current secret; the old one still verifies until the next rotation.
 * Returns 0 or -EINVAL as stun_nonce_init; on error nothing changes. */
int stun_nonce_rotate(struct stun_nonce_ctx *n, const uint8_t *secret, size_t len);

/* Writes STUN_NONCE_LEN chars plus a NUL; returns STUN_NONCE_LEN. */
size_t stun_nonce_make(const struct stun_nonce_ctx *n, uint64_t now,
		       const struct stun_addr *client, uint32_t features, char *out);

/*
 * Returns 0 and the feature bits (@features may be NULL) if the nonce is
 * ours, bound to @client and fresh; -ESTALE if it is ours but now - issue
 * time > lifetime (answer 438); -EINVAL if it is not one of ours,
 * malformed, bound to another address, or issued more than 5 s in the
 * future (also answered 438 with a fresh nonce, as RFC 8489 asks for a
 * nonce the server does not accept). Constant-time MAC comparison.
 */
int stun_nonce_check(const struct stun_nonce_ctx *n, const uint8_t *nonce, size_t len,
		     uint64_t now, const struct stun_addr *client, uint32_t *features);

#endif
