/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FINGERPRINT (CRC-32 xor 0x5354554E), MESSAGE-INTEGRITY (HMAC-SHA1) and
 * MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256), RFC 8489 sections 14.5-14.7.
 *
 * Keys are pre-processed once into a struct stun_hmac_key (the HMAC inner
 * and outer hash states), so each verify costs only the message blocks
 * plus two finalisations; cache the struct next to the credential.
 *
 *   struct stun_hmac_key k;
 *   stun_hmac_key_init(&k, key, keylen);          // 16-byte MD5 or 32-byte SHA-256 key
 *   if (stun_check_fingerprint(&m) != 0) drop;
 *   switch (stun_check_integrity(&m, &k)) { ... }
 *
 * Length rules: MESSAGE-INTEGRITY is computed over the message up to the
 * attribute with the header length field covering up to and including it
 * (RFC 8489 14.5); MESSAGE-INTEGRITY-SHA256 likewise with its own
 * (possibly truncated) length; an integrity attribute followed by others
 * is therefore checked with the length adjusted, in a private copy of the
 * header. FINGERPRINT is always last (the parser enforces it), so it is
 * checked against the length field as received.
 */
#ifndef STUN_INTEGRITY_H
#define STUN_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>

#include "stun_msg.h"

struct stun_hmac_key {
	/* Opaque pre-keyed inner/outer states for SHA-1 and SHA-256, sized
	 * for OpenSSL's SHA_CTX (96 B) and SHA256_CTX (112 B). */
	uint64_t sha1_inner[16];
	uint64_t sha1_outer[16];
	uint64_t sha256_inner[16];
	uint64_t sha256_outer[16];
};

/* Any length (keys over 64 bytes are hashed first, RFC 2104). Returns 0,
 * or -EINVAL for keylen == 0. */
int stun_hmac_key_init(struct stun_hmac_key *k, const uint8_t *key, size_t keylen);

/* Plain CRC-32 (ISO-HDLC / IEEE 802.3) and the STUN fingerprint value. */
uint32_t stun_crc32(const uint8_t *buf, size_t len);

/* One-shot HMACs over a flat buffer (used for REST passwords and nonces). */
void stun_hmac_sha1(const struct stun_hmac_key *k, const uint8_t *buf, size_t len,
		    uint8_t out[20]);
void stun_hmac_sha256(const struct stun_hmac_key *k, const uint8_t *buf, size_t len,
		      uint8_t out[32]);

/*
 * Verify FINGERPRINT of a parsed message. Returns 0 if valid, -ENOENT if
 * the message has none, -EBADMSG if it does not match.
 */
int stun_check_fingerprint(const struct stun_msg *m);

/*
 * Verify MESSAGE-INTEGRITY-SHA256 if present, else MESSAGE-INTEGRITY.
 * Returns 0 if valid, -ENOENT if neither is present, -EACCES if the HMAC
 * does not match. Compares in constant time; a truncated
 * MESSAGE-INTEGRITY-SHA256 (16..32 bytes, RFC 8489 14.6) is compared over
 * the bytes present. The message buffer is not modified (the length field
 * is patched in a private copy of the header).
 */
int stun_check_integrity(const struct stun_msg *m, const struct stun_hmac_key *k);
int stun_check_integrity_sha1(const struct stun_msg *m, const struct stun_hmac_key *k);
int stun_check_integrity_sha256(const struct stun_msg *m, const struct stun_hmac_key *k);

/* Append MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 (32 bytes) /
 * FINGERPRINT to a message being built. Errors are sticky in b->err. */
void stun_put_integrity_sha1(struct stun_builder *b, const struct stun_hmac_key *k);
void stun_put_integrity_sha256(struct stun_builder *b, const struct stun_hmac_key *k);
void stun_put_fingerprint(struct stun_builder *b);

#endif
