/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for
 * tables whose keys an attacker chooses (user names, source addresses).
 * With a key from getrandom(2), nobody outside the process can compute
 * which keys share a bucket, so nobody can aim collisions.
 *
 *   uint64_t key[2];                       // from getrandom at create
 *   uint64_t h = siphash24(key, name, len);
 *
 * Written from the description in the paper; quota_test checks it
 * against the paper's reference vectors. Header-only so that both the
 * quota and the rate limiter use it without another library entry.
 */
#ifndef TP_SIPHASH_H
#define TP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t
siphash_rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian load regardless of host order, so hashes are the same
 * on every machine (the reference vectors rely on it). */
static inline uint64_t
siphash_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPHASH_ROUND(v0, v1, v2, v3)                                                             \
	do {                                                                                      \
		v0 += v1;                                                                         \
		v1 = siphash_rotl(v1, 13);                                                        \
		v1 ^= v0;                                                                         \
		v0 = siphash_rotl(v0, 32);                                                        \
		v2 += v3;                                                                         \
		v3 = siphash_rotl(v3, 16);                                                        \
		v3 ^= v2;                                                                         \
		v0 += v3;                                                                         \
		v3 = siphash_rotl(v3, 21);                                                        \
		v3 ^= v0;                                                                         \
		v2 += v1;                                                                         \
		v1 = siphash_rotl(v1, 17);                                                        \
		v1 ^= v2;                                                                         \
		v2 = siphash_rotl(v2, 32);                                                        \
	} while (0)

/* The 128-bit key is key[0] (k0) and key[1] (k1), each the little-endian
 * reading of 8 key bytes. Cost: two rounds per 8 input bytes plus six. */
static inline uint64_t
siphash24(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key[1] ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56;
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = siphash_le64(p + i);

		v3 ^= m;
		SIPHASH_ROUND(v0, v1, v2, v3);
		SIPHASH_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last block holds the 0 to 7 remaining bytes and the length. */
	for (size_t i = full; i < len; i++)
		b |= (uint64_t)p[i] << (8 * (i - full));
	v3 ^= b;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	v0 ^= b;

	v2 ^= 0xff;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
