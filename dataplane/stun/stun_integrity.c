/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FINGERPRINT (CRC-32), MESSAGE-INTEGRITY (HMAC-SHA1) and
 * MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256): RFC 8489 sections 14.5-14.7.
 *
 * The CRC runs on every STUN packet a worker sees, so it folds 16 bytes
 * per carry-less multiply where the CPU has PCLMULQDQ and falls back to
 * slice-by-8 tables elsewhere. The HMACs use OpenSSL's low-level SHA
 * calls on states keyed once in stun_hmac_key_init: a verify then costs
 * the message blocks plus two finalisations, with no allocation.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "stun_bytes.h"
#include "stun_integrity.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_CLMUL 1
#else
#define HAVE_CLMUL 0
#endif

/* ---- CRC-32 ---- */

/*
 * Slice-by-8 tables for the reflected polynomial 0xEDB88320: table[0] is
 * the classic byte table, table[k][i] the CRC of byte i followed by k
 * zero bytes. 8 KiB, built once before main() together with the CPU
 * feature test, so the hot path needs no "initialised yet?" check.
 */
static uint32_t crc_table[8][256];
static bool crc_use_clmul;

__attribute__((constructor)) static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int j = 0; j < 8; j++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc_table[k][i] = (crc_table[k - 1][i] >> 8) ^
					  crc_table[0][crc_table[k - 1][i] & 0xFF];
#if HAVE_CLMUL
	__builtin_cpu_init();
	crc_use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3");
#endif
}

/* Eight message bytes (little-endian in @w) through the register. */
static inline uint32_t
crc_table_u64(uint32_t crc, uint64_t w)
{
	uint32_t lo = crc ^ (uint32_t)w;
	uint32_t hi = (uint32_t)(w >> 32);

	return crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
	       crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
	       crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
	       crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
}

/* Raw register update: no pre- or post-inversion. */
static uint32_t
crc_update_table(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint64_t w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
			     (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
			     (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
		crc = crc_table_u64(crc, w);
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xFF];
	return crc;
}

#if HAVE_CLMUL
/*
 * Folding with carry-less multiplication (the method of Gopal et al.,
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", Intel
 * 2009), derived here for our own layout:
 *
 * A 16-byte little-endian load is a 128-bit polynomial with the first
 * message bit as the highest power (bit-reflected). Moving a block A
 * forward by D bits means A * x^D; with A = A0 * x^64 + A1 (A0 = low
 * qword) that is A0 * x^(D+64) + A1 * x^D (mod P). A reflected
 * 64 x 64 multiply yields the product shifted by one bit, so the
 * constants are x^(D+63) mod P and x^(D-1) mod P, each bit-reflected
 * into the upper half of a qword. The products are at most 96 bits and
 * land aligned with the block D bits further on, which they are XORed
 * into. Four lanes fold 64 bytes at a time to hide the multiply latency.
 *
 * Lengths that are not a multiple of 16 are aligned at the end rather
 * than at the start: with the initial register XORed into the first four
 * bytes, the CRC register starts at zero, and leading zero bytes do not
 * change it, so the first block is the first len % 16 bytes shifted up
 * behind zeros. No byte-at-a-time tail remains. The last 128 bits go
 * through the slice-by-8 tables (folding preserves the value mod P, so
 * the register after the folded block is the table CRC of its 16 bytes
 * from zero); that costs about as much as a Barrett reduction and is
 * easier to check. tests/unit/stun_integrity_test.c compares every
 * length up to 2 KiB with the bitwise definition.
 */
#define K_D128_LO 0x65673b4600000000ull /* x^191 mod P */
#define K_D128_HI 0x9ba54c6f00000000ull /* x^127 mod P */
#define K_D256_LO 0x9570d49500000000ull /* x^319 mod P */
#define K_D256_HI 0x01b5fd1d00000000ull /* x^255 mod P */
#define K_D384_LO 0x69ccfc0d00000000ull /* x^447 mod P */
#define K_D384_HI 0x2a28386200000000ull /* x^383 mod P */
#define K_D512_LO 0x653d982200000000ull /* x^575 mod P */
#define K_D512_HI 0xcad38e8f00000000ull /* x^511 mod P */

/* pshufb masks: 16 bytes loaded at shuffle_window + 16 - s move a vector
 * s bytes up (towards higher addresses); at + 16 + s, s bytes down. */
static const uint8_t shuffle_window[48] = {
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};

#define CLMUL_TARGET __attribute__((target("pclmul,ssse3")))

CLMUL_TARGET static inline __m128i
fold(__m128i x, __m128i k)
{
	return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

CLMUL_TARGET static inline __m128i
load16(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* Raw register update for len >= 16. */
CLMUL_TARGET static uint32_t
crc_update_clmul(uint32_t crc, const uint8_t *p, size_t len)
{
	const __m128i k128 = _mm_set_epi64x((long long)K_D128_HI, (long long)K_D128_LO);
	const __m128i init = _mm_cvtsi32_si128((int)crc);
	size_t r = len % 16;
	__m128i x = _mm_xor_si128(load16(p), init);

	if (r == 0) {
		p += 16;
		len -= 16;
	} else {
		/* Blocks (zeros || first r bytes) and (bytes r..r+15). The
		 * initial register belongs to bytes 0..3, which may reach
		 * into the second block when r < 4. */
		__m128i b0 = _mm_shuffle_epi8(x, load16(shuffle_window + r));
		__m128i b1 = _mm_xor_si128(load16(p + r),
					   _mm_shuffle_epi8(init, load16(shuffle_window + 16 + r)));
		x = _mm_xor_si128(fold(b0, k128), b1);
		p += 16 + r;
		len -= 16 + r;
	}
	if (len >= 48) {
		const __m128i k256 = _mm_set_epi64x((long long)K_D256_HI, (long long)K_D256_LO);
		const __m128i k384 = _mm_set_epi64x((long long)K_D384_HI, (long long)K_D384_LO);
		const __m128i k512 = _mm_set_epi64x((long long)K_D512_HI, (long long)K_D512_LO);
		__m128i x1 = load16(p);
		__m128i x2 = load16(p + 16);
		__m128i x3 = load16(p + 32);

		p += 48;
		len -= 48;
		while (len >= 64) {
			x = _mm_xor_si128(fold(x, k512), load16(p));
			x1 = _mm_xor_si128(fold(x1, k512), load16(p + 16));
			x2 = _mm_xor_si128(fold(x2, k512), load16(p + 32));
			x3 = _mm_xor_si128(fold(x3, k512), load16(p + 48));
			p += 64;
			len -= 64;
		}
		x = _mm_xor_si128(_mm_xor_si128(fold(x, k384), fold(x1, k256)),
				  _mm_xor_si128(fold(x2, k128), x3));
	}
	while (len >= 16) {
		x = _mm_xor_si128(fold(x, k128), load16(p));
		p += 16;
		len -= 16;
	}
	crc = crc_table_u64(0, (uint64_t)_mm_cvtsi128_si64(x));
	return crc_table_u64(crc, (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)));
}
#endif

/*
 * CRC-32/ISO-HDLC. With PCLMULQDQ a 92-byte FINGERPRINT input takes
 * about 30 cycles; the table path about 1.3 cycles per byte.
 */
uint32_t
stun_crc32(const uint8_t *buf, size_t len)
{
#if HAVE_CLMUL
	if (len >= 16 && crc_use_clmul)
		return ~crc_update_clmul(0xFFFFFFFFu, buf, len);
#endif
	return ~crc_update_table(0xFFFFFFFFu, buf, len);
}

/* ---- HMAC ---- */

static_assert(sizeof(SHA_CTX) <= sizeof(((struct stun_hmac_key *)0)->sha1_inner),
	      "SHA_CTX does not fit struct stun_hmac_key");
static_assert(sizeof(SHA256_CTX) <= sizeof(((struct stun_hmac_key *)0)->sha256_inner),
	      "SHA256_CTX does not fit struct stun_hmac_key");
static_assert(_Alignof(SHA_CTX) <= _Alignof(uint64_t) && _Alignof(SHA256_CTX) <= _Alignof(uint64_t),
	      "hash state alignment");

#define HMAC_BLOCK 64 /* SHA-1 and SHA-256 */

/*
 * Key the four states: H(K ^ ipad) and H(K ^ opad) after one block each,
 * for both hashes, so every later HMAC starts from a copy. A key longer
 * than the block is first hashed with that HMAC's own hash (RFC 2104), so
 * the SHA-1 and SHA-256 states then start from different keys, as the
 * standard requires. STUN keys are 16 or 32 bytes; REST secrets and nonce
 * secrets may be longer.
 */
int
stun_hmac_key_init(struct stun_hmac_key *k, const uint8_t *key, size_t keylen)
{
	uint8_t k1[HMAC_BLOCK] = { 0 }, k2[HMAC_BLOCK] = { 0 };
	uint8_t pad[HMAC_BLOCK];
	SHA_CTX c1;
	SHA256_CTX c2;

	if (keylen == 0)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	if (keylen > HMAC_BLOCK) {
		SHA1(key, keylen, k1);
		SHA256(key, keylen, k2);
	} else {
		memcpy(k1, key, keylen);
		memcpy(k2, key, keylen);
	}

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k1[i] ^ 0x36;
	SHA1_Init(&c1);
	SHA1_Update(&c1, pad, sizeof(pad));
	memcpy(k->sha1_inner, &c1, sizeof(c1));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k1[i] ^ 0x5c;
	SHA1_Init(&c1);
	SHA1_Update(&c1, pad, sizeof(pad));
	memcpy(k->sha1_outer, &c1, sizeof(c1));

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k2[i] ^ 0x36;
	SHA256_Init(&c2);
	SHA256_Update(&c2, pad, sizeof(pad));
	memcpy(k->sha256_inner, &c2, sizeof(c2));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k2[i] ^ 0x5c;
	SHA256_Init(&c2);
	SHA256_Update(&c2, pad, sizeof(pad));
	memcpy(k->sha256_outer, &c2, sizeof(c2));

	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));

	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(&c1, sizeof(c1));
	OPENSSL_cleanse(&c2, sizeof(c2));
	return 0;
}

/* HMAC over the concatenation a || b (b may be empty). */
static void
hmac_sha1_2(const struct stun_hmac_key *k, const uint8_t *a, size_t alen, const uint8_t *b,
	    size_t blen, uint8_t out[20])
{
	SHA_CTX c;
	uint8_t inner[SHA_DIGEST_LENGTH];

	memcpy(&c, k->sha1_inner, sizeof(c));
	SHA1_Update(&c, a, alen);
	if (blen > 0)
		SHA1_Update(&c, b, blen);
	SHA1_Final(inner, &c);
	memcpy(&c, k->sha1_outer, sizeof(c));
	SHA1_Update(&c, inner, sizeof(inner));
	SHA1_Final(out, &c);
}

static void
hmac_sha256_2(const struct stun_hmac_key *k, const uint8_t *a, size_t alen, const uint8_t *b,
	      size_t blen, uint8_t out[32])
{
	SHA256_CTX c;
	uint8_t inner[SHA256_DIGEST_LENGTH];

	memcpy(&c, k->sha256_inner, sizeof(c));
	SHA256_Update(&c, a, alen);
	if (blen > 0)
		SHA256_Update(&c, b, blen);
	SHA256_Final(inner, &c);
	memcpy(&c, k->sha256_outer, sizeof(c));
	SHA256_Update(&c, inner, sizeof(inner));
	SHA256_Final(out, &c);
}

void
stun_hmac_sha1(const struct stun_hmac_key *k, const uint8_t *buf, size_t len, uint8_t out[20])
{
	hmac_sha1_2(k, buf, len, NULL, 0, out);
}

void
stun_hmac_sha256(const struct stun_hmac_key *k, const uint8_t *buf, size_t len,
		 uint8_t out[32])
{
	hmac_sha256_2(k, buf, len, NULL, 0, out);
}

/* ---- Verification ---- */

int
stun_check_fingerprint(const struct stun_msg *m)
{
	if (m->fp_hdr_off == 0)
		return -ENOENT;
	/* The parser guarantees FINGERPRINT is last, so the length field in
	 * the buffer already is the one the sender used: no patching. */
	uint32_t want = stun_crc32(m->buf, m->fp_hdr_off) ^ STUN_FINGERPRINT_XOR;
	return stun_rd32(m->buf + m->fp_hdr_off + STUN_ATTR_HDR_LEN) == want ? 0 : -EBADMSG;
}

/*
 * The sender computed the HMAC with the header length field covering the
 * message up to the end of the integrity attribute itself; attributes
 * after it (MESSAGE-INTEGRITY-SHA256, FINGERPRINT) were added later.
 * Rebuild that header in a private copy rather than touching the buffer,
 * which may be shared with other readers.
 */
static void
patched_header(const struct stun_msg *m, uint8_t hdr[STUN_HEADER_LEN], size_t attr_end)
{
	size_t mlen = attr_end - STUN_HEADER_LEN;

	memcpy(hdr, m->buf, STUN_HEADER_LEN);
	hdr[2] = (uint8_t)(mlen >> 8);
	hdr[3] = (uint8_t)mlen;
}

int
stun_check_integrity_sha1(const struct stun_msg *m, const struct stun_hmac_key *k)
{
	uint8_t hdr[STUN_HEADER_LEN];
	uint8_t mac[SHA_DIGEST_LENGTH];
	size_t off = m->mi_hdr_off;

	if (off == 0)
		return -ENOENT;
	patched_header(m, hdr, off + STUN_ATTR_HDR_LEN + STUN_MI_SHA1_LEN);
	hmac_sha1_2(k, hdr, sizeof(hdr), m->buf + STUN_HEADER_LEN, off - STUN_HEADER_LEN, mac);
	if (CRYPTO_memcmp(mac, m->buf + off + STUN_ATTR_HDR_LEN, sizeof(mac)) != 0)
		return -EACCES;
	return 0;
}

int
stun_check_integrity_sha256(const struct stun_msg *m, const struct stun_hmac_key *k)
{
	uint8_t hdr[STUN_HEADER_LEN];
	uint8_t mac[SHA256_DIGEST_LENGTH];
	size_t off = m->mi256_hdr_off;

	if (off == 0)
		return -ENOENT;
	/* RFC 8489 14.6: the value may be truncated to 16..32 bytes (a
	 * multiple of 4, checked by the parser); compare that many. */
	size_t vlen = m->attr[STUN_SLOT_MESSAGE_INTEGRITY_SHA256].len;
	patched_header(m, hdr, off + STUN_ATTR_HDR_LEN + vlen);
	hmac_sha256_2(k, hdr, sizeof(hdr), m->buf + STUN_HEADER_LEN, off - STUN_HEADER_LEN, mac);
	if (CRYPTO_memcmp(mac, m->buf + off + STUN_ATTR_HDR_LEN, vlen) != 0)
		return -EACCES;
	return 0;
}

int
stun_check_integrity(const struct stun_msg *m, const struct stun_hmac_key *k)
{
	if (m->mi256_hdr_off != 0)
		return stun_check_integrity_sha256(m, k);
	return stun_check_integrity_sha1(m, k);
}

/* ---- Building ---- */

/* The builder has already counted the new attribute in the header
 * length, which is exactly the length the HMAC must cover. */
void
stun_put_integrity_sha1(struct stun_builder *b, const struct stun_hmac_key *k)
{
	size_t off = b->len;
	uint8_t *v = stun_put_reserve(b, STUN_ATTR_MESSAGE_INTEGRITY, STUN_MI_SHA1_LEN);

	if (v != NULL)
		hmac_sha1_2(k, b->buf, off, NULL, 0, v);
}

void
stun_put_integrity_sha256(struct stun_builder *b, const struct stun_hmac_key *k)
{
	size_t off = b->len;
	uint8_t *v = stun_put_reserve(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256,
				      STUN_MI_SHA256_MAX_LEN);

	if (v != NULL)
		hmac_sha256_2(k, b->buf, off, NULL, 0, v);
}

void
stun_put_fingerprint(struct stun_builder *b)
{
	size_t off = b->len;
	uint8_t *v = stun_put_reserve(b, STUN_ATTR_FINGERPRINT, 4);

	if (v != NULL)
		stun_wr32(v, stun_crc32(b->buf, off) ^ STUN_FINGERPRINT_XOR);
}
